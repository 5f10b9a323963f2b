/*
 * A thread that counts what a tree copy will copy, for the totals of its
 * progress line.  It walks the operands as the copy does (directory
 * descriptors, links followed only where the copy follows them), holds a
 * descriptor a level, and shares only three counters with the copy.
 */
#include "config.h"

#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan.h"

struct scan {
	pthread_t		 thread;
	char			**srcs;
	int			 n;
	bool			 follow_top, follow_all;
	bool			 contents;	/* --copy-contents: FIFOs too */
	atomic_uint_fast64_t	 files, bytes;
	atomic_bool		 done, stop;
};

static void
count(struct scan *s, const struct stat *st)
{
	if (S_ISREG(st->st_mode) || (s->contents && !S_ISDIR(st->st_mode) &&
	    !S_ISLNK(st->st_mode))) {
		atomic_fetch_add(&s->files, 1);
		atomic_fetch_add(&s->bytes, (uint_fast64_t)st->st_size);
	}
}

/* Count the entries of directory fd (which this call closes). */
static void
walk(struct scan *s, int fd)
{
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int sub;

	if ((dir = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	while (!atomic_load(&s->stop) && (d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (fstatat(fd, d->d_name, &st, s->follow_all ? 0 :
		    AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		count(s, &st);
		if (S_ISDIR(st.st_mode) && (sub = openat(fd, d->d_name,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		    (s->follow_all ? 0 : O_NOFOLLOW))) != -1)
			walk(s, sub);
	}
	(void)closedir(dir);
}

static void *
run(void *arg)
{
	struct scan *s = arg;
	struct stat st;
	int i, fd;

	for (i = 0; i < s->n && !atomic_load(&s->stop); i++) {
		if (fstatat(AT_FDCWD, s->srcs[i], &st, s->follow_top ? 0 :
		    AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		count(s, &st);
		if (S_ISDIR(st.st_mode) && (fd = openat(AT_FDCWD, s->srcs[i],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
			walk(s, fd);
	}
	atomic_store(&s->done, true);
	return NULL;
}

struct scan *
scan_start(char **srcs, int n, const struct options *o)
{
	sigset_t all, old;
	struct scan *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->srcs = srcs;
	s->n = n;
	s->follow_all = o->deref == DEREF_ALWAYS;
	s->contents = o->copy_contents;
	s->follow_top = s->follow_all || o->deref == DEREF_OPERANDS;
	atomic_init(&s->files, 0);
	atomic_init(&s->bytes, 0);
	atomic_init(&s->done, false);
	atomic_init(&s->stop, false);
	/* Signals are the copy's: its blocked calls must see them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, run, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void
scan_totals(struct scan *s, uint64_t *files, uint64_t *bytes, bool *done)
{
	*done = atomic_load(&s->done);
	*files = atomic_load(&s->files);
	*bytes = atomic_load(&s->bytes);
}

void
scan_stop(struct scan *s)
{
	if (s == NULL)
		return;
	atomic_store(&s->stop, true);
	(void)pthread_join(s->thread, NULL);
	free(s);
}
