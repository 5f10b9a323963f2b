/*
 * cp-style operands and directory trees (kcp(1), TREES).  Every entry is
 * found and made relative to an open directory descriptor: SOURCE's
 * directories are opened with O_NOFOLLOW (where cp would not follow) and
 * checked to be what was read from their parent, DEST's new directories
 * likewise, so a symlink swapped in during the copy never leads kcp
 * outside the trees named.  Regular files go through a copy job (job.c),
 * so the offload engine moves every byte.  Memory is bounded by the depth
 * of the tree and the number of multiply-linked files.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>
#include <pthread.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dest.h"
#include "finish.h"
#include "job.h"
#include "pool.h"
#include "quote.h"
#include "report.h"
#include "resume.h"
#include "scan.h"
#include "tree.h"
#include "xio.h"

/* A file met before in a hard-link group, and where its copy is. */
struct linked {
	dev_t	 dev;
	ino_t	 ino;
	char	*copy;		/* DEST path of the first copy */
};

struct tree {
	const struct options	*o;
	mode_t			 umask;
	void			*links;		/* tsearch tree of linked */
	void			*made;		/* DESTs made from operands */
	dev_t			 root_dev;	/* -x: the operand's device */
	bool			 many;		/* several SOURCEs into a DIR */
	/* -P: one line for the whole tree, totals from a scan. */
	struct scan		*scan;
	struct progress		 prog;
	uint64_t		 files_done, bytes_done;
	/* -j: the workers; the lock guards what they share from here on. */
	struct pool		*pool;
	pthread_mutex_t		 lock;
	int			 rval;		/* failures met by workers */
};

/*
 * A directory of DEST being filled: it gets its mode and times once the
 * walk has read all its entries and every file handed to a worker is in
 * (refs counts the walk, its files in flight and its subdirectories).
 */
struct dirwait;

/* One entry on both sides: SOURCE's and DEST's names, and SOURCE's stat. */
struct node {
	struct atname		 src, dst;
	struct stat		 st;
	bool			 top;		/* an operand */
	struct dirwait		*in;		/* the directory it is in */
};

struct dirwait {
	struct node		 e;		/* the directory itself */
	struct dirwait		*parent;
	int			 sfd, dfd;	/* its descriptors, or -1 */
	bool			 made;
	int			 refs;
};

/* A regular file handed to a worker, with copies of its names. */
struct filework {
	struct tree		*t;
	struct node		 e;
};

static int	copy_entry(struct tree *, struct node *);

static int
cmp_linked(const void *a, const void *b)
{
	const struct linked *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static void
free_linked(void *p)
{
	struct linked *l = p;

	free(l->copy);
	free(l);
}

/* Remember st as copied to path (copy NULL: only that it was made). */
static void
remember(void **root, const struct stat *st, const char *path)
{
	struct linked *l, **found;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		err(1, "out of memory");
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	if (path != NULL && (l->copy = strdup(path)) == NULL)
		err(1, "out of memory");
	if ((found = tsearch(l, root, cmp_linked)) == NULL)
		err(1, "out of memory");
	if (*found != l)
		free_linked(l);
}

static const struct linked *
recall(void *const *root, const struct stat *st)
{
	struct linked key = { st->st_dev, st->st_ino, NULL };
	struct linked *const *found = tfind(&key, root, cmp_linked);

	return found != NULL ? *found : NULL;
}

/*
 * Deep trees hold two descriptors a level: let the soft limit rise to
 * the hard one.
 */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

struct tree *
tree_new(const struct options *o)
{
	struct tree *t;
	int jobs;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		err(1, "out of memory");
	t->o = o;
	t->many = o->nops > (o->target != NULL ? 1 : 2);
	pthread_mutex_init(&t->lock, NULL);
	/* Workers only where there can be trees to copy. */
	if (o->recursive && (jobs = o->jobs > 0 ? o->jobs : pool_default_jobs()) > 1)
		t->pool = pool_new(jobs);
	/* Only made directories and nodes need it (trees, --parents). */
	if (o->recursive || o->parents) {
		t->umask = umask(0);
		umask(t->umask);
	}
	if (o->recursive)
		raise_nofile();
	return t;
}

/* Where the tree copy stands, current in progress at r. */
static void
status_of(struct tree *t, const struct copy_result *r, const char *current,
    struct tree_status *s)
{
	bool done;

	memset(s, 0, sizeof(*s));
	scan_totals(t->scan, &s->files_total, &s->bytes_total, &done);
	s->counting = !done;
	s->files_done = t->files_done;
	s->bytes_done = t->bytes_done + (r != NULL ? r->bytes : 0);
	/* A file that grew since the scan saw it. */
	if (s->files_total < s->files_done)
		s->files_total = s->files_done;
	if (s->bytes_total < s->bytes_done)
		s->bytes_total = s->bytes_done;
	s->current = current;
}

/* What a job's tick needs: the tree, and the file the job copies. */
struct tick_ctx {
	struct tree	*t;
	const char	*shown;
};

/* A job's tick (-P) or SIGUSR1 during a tree copy: the tree's line. */
static void
tree_tick(void *arg, const struct copy_result *r, bool status)
{
	const struct tick_ctx *c = arg;
	struct tree_status s;

	pthread_mutex_lock(&c->t->lock);
	status_of(c->t, r, c->shown, &s);
	progress_tree(&c->t->prog, &s, status);
	pthread_mutex_unlock(&c->t->lock);
}

void
tree_watch(struct tree *t, char **srcs, int n)
{
	if (!t->o->progress || !t->o->recursive ||
	    (t->scan = scan_start(srcs, n, t->o)) == NULL)
		return;
	progress_start(&t->prog, stderr, true, true, 0);
}

int
tree_free(struct tree *t)
{
	struct tree_status s;
	int rval;

	if (t->pool != NULL)
		pool_free(t->pool);
	if (t->scan != NULL) {
		status_of(t, NULL, NULL, &s);
		s.final = true;
		progress_tree(&t->prog, &s, false);
		scan_stop(t->scan);
	}
	tdestroy(t->links, free_linked);
	tdestroy(t->made, free_linked);
	pthread_mutex_destroy(&t->lock);
	rval = t->rval;
	free(t);
	return rval;
}

/* a/b from a and b, for messages and the hard-link map. */
static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p;

	if (asprintf(&p, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/",
	    name) == -1)
		err(1, "out of memory");
	return p;
}

/* Whether SOURCE's symlinks are followed: here at the top, or below. */
static bool
follows(const struct options *o, bool top)
{
	switch (o->deref) {
	case DEREF_ALWAYS:
		return true;
	case DEREF_OPERANDS:
		return top;
	case DEREF_NEVER:
		return false;
	default:
		/*
		 * cp: without -r, links are followed; with it, copied, unless
		 * --link is to link what they point to.
		 */
		return !o->recursive || o->linking == LINKING_HARD;
	}
}

/* The -v line of an entry that is not a regular file's copy. */
static void
say(const struct tree *t, const char *fmt, const struct node *e)
{
	if (t->o->verbose > 0)
		fprintf(stderr, "%s: %s -> %s%s\n", getprogname(),
		    quote(e->src.shown), quote(e->dst.shown), fmt);
}

/*
 * Before DEST is made anew (a link, a FIFO, a device): an existing one is
 * skipped (-n, -u, "no" to -i), backed up, or removed; never a directory.
 * 0 to go on, DEST_SKIP, or -1 after a message.
 */
static int
make_room(struct tree *t, const struct node *e)
{
	const struct options *o = t->o;
	struct stat st;

	if (fstatat(e->dst.dirfd, e->dst.name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		warnx("cannot overwrite directory %s with non-directory",
		    quote(e->dst.shown));
		return -1;
	}
	if (st.st_dev == e->st.st_dev && st.st_ino == e->st.st_ino) {
		warnx("%s and %s are the same file", quote(e->src.shown),
		    quote(e->dst.shown));
		return -1;
	}
	if (o->clobber == CLOBBER_NO || o->update == UPDATE_NONE ||
	    (o->update == UPDATE_OLDER &&
	    (st.st_mtim.tv_sec > e->st.st_mtim.tv_sec ||
	    (st.st_mtim.tv_sec == e->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec >= e->st.st_mtim.tv_nsec))))
		return DEST_SKIP;
	if (o->clobber == CLOBBER_ASK && !dest_ask(e->dst.shown))
		return DEST_SKIP;
	if (dest_backup(&e->dst, o, &e->st, e->src.shown) == -1)
		return -1;
	if (unlinkat(e->dst.dirfd, e->dst.name, 0) == -1 && errno != ENOENT) {
		warn("cannot remove %s", quote(e->dst.shown));
		return -1;
	}
	return 0;
}

/* Attributes of an entry kcp made by name (a link, FIFO or device). */
static int
meta_by_name(struct tree *t, const struct node *e, bool link)
{
	struct finish_side s = { -1, e->src.dirfd, e->src.name, e->src.shown,
	    link, NULL };
	struct finish_side d = { -1, e->dst.dirfd, e->dst.name, e->dst.shown,
	    link, NULL };
	int rc;

	rc = finish_meta(t->o, &e->st, &s, &d) == -1;
	/* Times all the same, as cp sets them whatever failed before. */
	return finish_meta_times(t->o, &e->st, &d) == -1 || rc;
}

/* A symbolic link copied as a link. */
static int
copy_symlink(struct tree *t, const struct node *e)
{
	size_t cap = e->st.st_size > 0 ? (size_t)e->st.st_size + 1 : PATH_MAX;
	char *target;
	ssize_t n;
	int rc;

	if ((target = malloc(cap)) == NULL)
		err(1, "out of memory");
	n = readlinkat(e->src.dirfd, e->src.name, target, cap);
	if (n < 0 || (size_t)n >= cap) {
		if (n >= 0)
			errno = ENAMETOOLONG;	/* it grew meanwhile */
		warn("cannot read symbolic link %s", quote(e->src.shown));
		free(target);
		return 1;
	}
	target[n] = '\0';
	if ((rc = make_room(t, e)) != 0) {
		free(target);
		return rc == DEST_SKIP ? 0 : 1;
	}
	rc = symlinkat(target, e->dst.dirfd, e->dst.name);
	free(target);
	if (rc == -1) {
		warn("cannot create symbolic link %s", quote(e->dst.shown));
		return 1;
	}
	say(t, "", e);
	return meta_by_name(t, e, true);
}

/* A FIFO, socket or device node made anew (cp -R, no --copy-contents). */
static int
copy_special(struct tree *t, const struct node *e)
{
	mode_t mode = e->st.st_mode & (S_IFMT | 0777);
	int rc;

	if (t->o->preserve_refused & PRESERVE_MODE)
		mode = (mode & S_IFMT) | 0666;

	if ((rc = make_room(t, e)) != 0)
		return rc == DEST_SKIP ? 0 : 1;
	if ((S_ISFIFO(mode) ? mkfifoat(e->dst.dirfd, e->dst.name,
	    mode & 0777) : mknodat(e->dst.dirfd, e->dst.name, mode,
	    e->st.st_rdev)) == -1) {
		warn("cannot create special file %s", quote(e->dst.shown));
		return 1;
	}
	say(t, "", e);
	return meta_by_name(t, e, false);
}

/*
 * --link, a file of a hard-link group met before (--preserve=links), or
 * -s: DEST becomes a link instead of a copy.
 */
static int
make_link(struct tree *t, const struct node *e, const char *to, bool sym)
{
	int rc;

	if ((rc = make_room(t, e)) != 0)
		return rc == DEST_SKIP ? 0 : 1;
	if (sym)
		rc = symlinkat(to, e->dst.dirfd, e->dst.name);
	else if (to != NULL)
		rc = linkat(AT_FDCWD, to, e->dst.dirfd, e->dst.name, 0);
	else
		rc = linkat(e->src.dirfd, e->src.name, e->dst.dirfd,
		    e->dst.name, follows(t->o, e->top) ? AT_SYMLINK_FOLLOW : 0);
	if (rc == -1) {
		warn(sym ? "cannot create symbolic link %s to %s" :
		    "cannot create hard link %s to %s", quote(e->dst.shown),
		    quote(to != NULL ? to : e->src.shown));
		return 1;
	}
	say(t, "", e);
	return 0;
}

/* -s: DEST is a symbolic link to SOURCE's name. */
static int
link_symbolic(struct tree *t, const struct node *e)
{
	/* A relative target only means the same from DEST's place. */
	if (e->src.shown[0] != '/' && strchr(e->dst.shown, '/') != NULL) {
		warnx("%s: can make relative symbolic links only in current "
		    "directory", quote_maybe(e->dst.shown));
		return 1;
	}
	return make_link(t, e, e->src.shown, true);
}

/* A regular file (or, with --copy-contents, what a device delivers). */
static int
copy_file(struct tree *t, struct node *e)
{
	const struct options *o = t->o;
	const struct linked *l;
	bool group = (o->preserve & PRESERVE_LINKS) && e->st.st_nlink > 1;
	struct tick_ctx c = { t, e->src.shown };
	struct job_watch w = { tree_tick, &c };
	uint64_t bytes = 0;
	int rc;

	if ((group && (l = recall(&t->links, &e->st)) != NULL) ||
	    o->linking == LINKING_HARD) {
		rc = make_link(t, e, o->linking == LINKING_HARD ? NULL :
		    l->copy, false);
		/* Done as far as -P counts: the scan counted it a file. */
		pthread_mutex_lock(&t->lock);
		t->files_done++;
		t->bytes_done += (uint64_t)e->st.st_size;
		pthread_mutex_unlock(&t->lock);
		return rc;
	}

	if (resume_done(&e->src, &e->dst, &e->st, o)) {
		rc = 0;		/* --resume: copied already */
		bytes = (uint64_t)e->st.st_size;
	} else
		rc = job_run_watched(&e->src, &e->dst, o, t->scan != NULL ?
		    &w : NULL, &bytes);
	pthread_mutex_lock(&t->lock);
	t->files_done++;
	t->bytes_done += bytes;
	pthread_mutex_unlock(&t->lock);
	if (rc == 0 && group)
		remember(&t->links, &e->st, e->dst.shown);
	return rc;
}

/* The mode a new directory ends with when -p does not keep SOURCE's. */
static mode_t
new_dir_mode(const struct tree *t, const struct stat *st)
{
	/* A new directory's own mode; cp keeps the sticky bit even so. */
	if (t->o->preserve_refused & PRESERVE_MODE)
		return (0777 & ~t->umask) | (st->st_mode & S_ISVTX);
	return st->st_mode & (0777 | S_ISVTX) & ~t->umask;
}

/*
 * DEST's directory: made (owner-only until its contents are in), or an
 * existing one to merge into.  Returns its descriptor, or -1 after a
 * message; *made says which.
 */
static int
open_dest_dir(struct tree *t, const struct node *e, bool *made)
{
	struct stat st;
	int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, fd;

	*made = false;
	/*
	 * A symlink where the directory goes is refused, as cp refuses it,
	 * at the top too (DEST named as a directory was followed before, by
	 * making the copy go into it).
	 */
	if (fstatat(e->dst.dirfd, e->dst.name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			warnx("cannot overwrite non-directory %s with "
			    "directory %s", quote(e->dst.shown),
			    quote(e->src.shown));
			return -1;
		}
	} else if (errno != ENOENT ||
	    mkdirat(e->dst.dirfd, e->dst.name, S_IRWXU) == -1) {
		warn("cannot create directory %s", quote(e->dst.shown));
		return -1;
	} else
		*made = true;
	if ((fd = openat(e->dst.dirfd, e->dst.name, flags)) == -1)
		warn("cannot open directory %s", quote(e->dst.shown));
	else if (*made && t->o->verbose > 0)
		fprintf(stderr, "%s: created directory %s\n", getprogname(),
		    quote(e->dst.shown));
	return fd;
}

/*
 * SOURCE's directory, opened as the entry read from its parent: a
 * symlink or another directory swapped in meanwhile is refused.
 */
static int
open_src_dir(struct tree *t, const struct node *e)
{
	struct stat st;
	int fd;

	fd = openat(e->src.dirfd, e->src.name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | (follows(t->o, e->top) ? 0 : O_NOFOLLOW));
	if (fd == -1) {
		warn("cannot access %s", quote(e->src.shown));
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_dev != e->st.st_dev ||
	    st.st_ino != e->st.st_ino) {
		warnx("%s changed during the copy", quote(e->src.shown));
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* Record a failure met away from the walk's own calls. */
static void
failed_async(struct tree *t, int rc)
{
	if (rc == 0)
		return;
	pthread_mutex_lock(&t->lock);
	t->rval |= rc;
	pthread_mutex_unlock(&t->lock);
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		err(1, "out of memory");
	return d;
}

/* A node whose names are its own (they outlive the walk's buffers). */
static void
node_copy(struct node *to, const struct node *from)
{
	*to = *from;
	to->src.name = xstrdup(from->src.name);
	to->dst.name = from->dst.name == from->src.name ? to->src.name :
	    xstrdup(from->dst.name);
	to->src.shown = xstrdup(from->src.shown);
	to->dst.shown = xstrdup(from->dst.shown);
}

static void
node_free(struct node *e)
{
	if (e->dst.name != e->src.name)
		free((char *)e->dst.name);
	free((char *)e->src.name);
	free((char *)e->src.shown);
	free((char *)e->dst.shown);
}

static int	dir_meta(struct tree *, const struct node *, int, bool);

/*
 * Let go of a reference to w; the last one gives the directory its
 * attributes and lets go of its parent in turn.
 */
static void
dir_release(struct tree *t, struct dirwait *w)
{
	struct dirwait *parent;
	bool last;

	while (w != NULL) {
		pthread_mutex_lock(&t->lock);
		last = --w->refs == 0;
		pthread_mutex_unlock(&t->lock);
		if (!last)
			return;
		failed_async(t, dir_meta(t, &w->e, w->dfd, w->made));
		if (w->sfd != -1)
			(void)close(w->sfd);
		(void)close(w->dfd);
		parent = w->parent;
		node_free(&w->e);
		free(w);
		w = parent;
	}
}

/* A worker's piece of work: one regular file of the tree. */
static void
run_filework(void *arg)
{
	struct filework *f = arg;
	struct tree *t = f->t;
	struct dirwait *in = f->e.in;

	failed_async(t, copy_file(t, &f->e));
	node_free(&f->e);
	free(f);
	dir_release(t, in);
}

/*
 * Copy one entry of a directory: under -j a regular file that is no hard
 * link's (those must be made in order) goes to a worker; anything else
 * is copied here, in walk order.
 */
static int
copy_child(struct tree *t, struct node *c)
{
	const struct options *o = t->o;
	struct filework *f;

	if (t->pool == NULL || !S_ISREG(c->st.st_mode) ||
	    o->linking != LINKING_NONE ||
	    ((o->preserve & PRESERVE_LINKS) && c->st.st_nlink > 1))
		return copy_entry(t, c);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		err(1, "out of memory");
	f->t = t;
	node_copy(&f->e, c);
	pthread_mutex_lock(&t->lock);
	c->in->refs++;
	pthread_mutex_unlock(&t->lock);
	pool_submit(t->pool, run_filework, f);
	return 0;
}

/* Copy each entry of the directory w (its descriptors are w's). */
static int
copy_children(struct tree *t, struct dirwait *w)
{
	struct node c;
	struct dirent *d;
	DIR *dir;
	int fd, rval = 0;

	if ((fd = dup(w->sfd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		warn("cannot read directory %s", quote(w->e.src.shown));
		if (fd != -1)
			(void)close(fd);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	c.in = w;
	c.src.dirfd = w->sfd;
	c.dst.dirfd = w->dfd;
	c.src.nofollow = !follows(t->o, false);
	for (errno = 0; !xio_stop && (d = readdir(dir)) != NULL; errno = 0) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		c.src.name = c.dst.name = d->d_name;
		c.src.shown = join(w->e.src.shown, d->d_name);
		c.dst.shown = join(w->e.dst.shown, d->d_name);
		if (fstatat(w->sfd, d->d_name, &c.st, c.src.nofollow ?
		    AT_SYMLINK_NOFOLLOW : 0) == -1) {
			warn("cannot stat %s", quote(c.src.shown));
			rval = 1;
		} else
			rval |= copy_child(t, &c);
		free((char *)c.src.shown);
		free((char *)c.dst.shown);
	}
	if (errno != 0) {
		warn("cannot read directory %s", quote(w->e.src.shown));
		rval = 1;
	}
	(void)closedir(dir);
	if (t->pool != NULL)
		pool_flush(t->pool);
	return rval;
}

/* A directory's attributes, once its contents are in. */
static int
dir_meta(struct tree *t, const struct node *e, int dfd, bool made)
{
	struct finish_side s = { -1, e->src.dirfd, e->src.name, e->src.shown,
	    false, NULL };
	struct finish_side d = { dfd, e->dst.dirfd, e->dst.name, e->dst.shown,
	    false, NULL };
	int sfd, rc = 0;

	if (made && !(t->o->preserve & PRESERVE_MODE) &&
	    fchmod(dfd, new_dir_mode(t, &e->st)) == -1) {
		warn("cannot set permissions of %s", quote(e->dst.shown));
		rc = 1;
	}
	if (t->o->preserve == 0)
		return rc;
	/* xattrs are read through a descriptor of SOURCE's directory. */
	sfd = openat(e->src.dirfd, e->src.name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | (follows(t->o, e->top) ? 0 : O_NOFOLLOW));
	s.fd = sfd;
	if (finish_meta(t->o, &e->st, &s, &d) == -1)
		rc = 1;
	if (finish_meta_times(t->o, &e->st, &d) == -1)
		rc = 1;
	if (sfd != -1)
		(void)close(sfd);
	return rc;
}

/* A directory and, unless -x keeps kcp off its filesystem, its tree. */
static int
copy_dir(struct tree *t, struct node *e)
{
	struct dirwait *w;
	int rval = 0;

	if (!t->o->recursive) {
		warnx("omitting directory %s", quote(e->src.shown));
		return 1;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		err(1, "out of memory");
	w->sfd = -1;
	if ((w->dfd = open_dest_dir(t, e, &w->made)) == -1) {
		free(w);
		return 1;
	}
	node_copy(&w->e, e);
	w->parent = e->in;
	w->refs = 1;		/* the walk's, until it has read them all */
	if (w->parent != NULL) {
		pthread_mutex_lock(&t->lock);
		w->parent->refs++;
		pthread_mutex_unlock(&t->lock);
	}
	if (!t->o->one_fs || e->top || e->st.st_dev == t->root_dev) {
		if ((w->sfd = open_src_dir(t, e)) == -1)
			rval = 1;
		else
			rval = copy_children(t, w);
	}
	dir_release(t, w);
	return rval;
}

static int
copy_entry(struct tree *t, struct node *e)
{
	const struct options *o = t->o;
	mode_t m = e->st.st_mode;

	if (S_ISDIR(m))
		return copy_dir(t, e);
	if (o->linking == LINKING_SYMBOLIC)
		return link_symbolic(t, e);
	/* --link: links of files, of symlinks, of FIFOs and devices too. */
	if (o->linking == LINKING_HARD && !S_ISREG(m))
		return make_link(t, e, NULL, false);
	if (S_ISLNK(m))
		return copy_symlink(t, e);
	if (S_ISREG(m) || !o->recursive || o->copy_contents)
		return copy_file(t, e);
	if ((o->preserve & PRESERVE_LINKS) && e->st.st_nlink > 1) {
		const struct linked *l = recall(&t->links, &e->st);

		if (l != NULL)
			return make_link(t, e, l->copy, false);
		if (copy_special(t, e) != 0)
			return 1;
		remember(&t->links, &e->st, e->dst.shown);
		return 0;
	}
	return copy_special(t, e);
}

/*
 * True when dst, or the directory it would be made in, is the directory
 * src_st or lies below it: walking up from there with "..", never by
 * name, meets src_st before the root.
 */
static bool
inside(const struct stat *src_st, const char *dst)
{
	struct stat st, up;
	const char *base;
	char *dir;
	int fd, parent;
	bool in = false;

	if (stat(dst, &st) == 0 && st.st_dev == src_st->st_dev &&
	    st.st_ino == src_st->st_ino)
		return true;
	base = strrchr(dst, '/');
	dir = base == NULL ? strdup(".") : base == dst ? strdup("/") :
	    strndup(dst, (size_t)(base - dst));
	if (dir == NULL)
		err(1, "out of memory");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	while (fd != -1 && !in && fstat(fd, &st) == 0) {
		in = st.st_dev == src_st->st_dev && st.st_ino == src_st->st_ino;
		parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		(void)close(fd);
		fd = parent;
		if (fd != -1 && fstat(fd, &up) == 0 && up.st_dev == st.st_dev &&
		    up.st_ino == st.st_ino)
			break;		/* the root is its own parent */
	}
	if (fd != -1)
		(void)close(fd);
	return in;
}

/* The checks on an operand pair before anything is made. */
static int
check_operand(struct tree *t, struct node *e)
{
	const struct linked *l;
	struct stat st;

	if (S_ISDIR(e->st.st_mode) && t->o->recursive &&
	    (stat(e->dst.name, &st) == -1 || S_ISDIR(st.st_mode))) {
		if (inside(&e->st, e->dst.name)) {
			warnx("cannot copy a directory, %s, into itself, %s",
			    quote(e->src.shown), quote(e->dst.shown));
			return -1;
		}
	}
	/* Two operands of one basename: the second must not replace. */
	if (t->made != NULL && stat(e->dst.name, &st) == 0 &&
	    !S_ISDIR(st.st_mode) &&
	    (l = recall(&t->made, &st)) != NULL) {
		warnx("will not overwrite just-created %s with %s",
		    quote(e->dst.shown), quote(e->src.shown));
		return -1;
	}
	return 0;
}

int
tree_copy(struct tree *t, const char *src, const char *dst)
{
	struct node e;
	struct stat st;
	int rval;

	memset(&e, 0, sizeof(e));
	e.src = (struct atname){ AT_FDCWD, src, src, false };
	e.dst = (struct atname){ AT_FDCWD, dst, dst, false };
	e.top = true;
	/* Streams are a copy job's. */
	if (strcmp(src, "-") == 0 || strcmp(dst, "-") == 0)
		return job_run(&e.src, &e.dst, t->o, NULL);
	if (fstatat(AT_FDCWD, src, &e.st, follows(t->o, true) ? 0 :
	    AT_SYMLINK_NOFOLLOW) == -1) {
		if (!t->o->recursive)	/* the job says it as for a file */
			return job_run(&e.src, &e.dst, t->o, NULL);
		warn("cannot stat %s", quote(src));
		return 1;
	}
	if (check_operand(t, &e) == -1)
		return 1;
	t->root_dev = e.st.st_dev;
	e.src.nofollow = !follows(t->o, true);
	rval = copy_entry(t, &e);
	/*
	 * One operand is whole before the next starts: two trees merged
	 * into one DEST write the same files, and the later must win, as in
	 * order.
	 */
	if (t->pool != NULL)
		pool_wait(t->pool);
	if (t->many && rval == 0 && !S_ISDIR(e.st.st_mode) &&
	    stat(dst, &st) == 0)
		remember(&t->made, &st, NULL);
	return rval;
}

/* DIR/basename(SOURCE), ignoring trailing slashes. */
static char *
join_base(const char *dir, const char *src)
{
	const char *end, *start;
	char *path;
	size_t dlen;

	end = src + strlen(src);
	while (end > src + 1 && end[-1] == '/')
		end--;
	for (start = end; start > src && start[-1] != '/'; start--)
		;
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (asprintf(&path, "%.*s%s%.*s", (int)dlen, dir,
	    dir[dlen - 1] == '/' ? "" : "/", (int)(end - start), start) == -1)
		err(1, "out of memory");
	return path;
}

/*
 * --parents: make the directories of SOURCE's path below the directory
 * DEST is in, each with its SOURCE directory's mode; once the copy is in
 * (after), give them -p's attributes.  0, or 1.
 */
static int
make_parents(struct tree *t, const char *src, const char *dst, bool after)
{
	struct node e;
	char *s, *d, *slash;
	size_t skip = strlen(dst) - strlen(src);
	int rc = 0;

	if ((s = strdup(src)) == NULL || (d = strdup(dst)) == NULL)
		err(1, "out of memory");
	for (slash = strchr(s, '/'); slash != NULL && rc == 0;
	    slash = strchr(slash + 1, '/')) {
		if (slash == s || slash[-1] == '/')
			continue;
		*slash = '\0';
		d[skip + (size_t)(slash - s)] = '\0';
		memset(&e, 0, sizeof(e));
		e.src = (struct atname){ AT_FDCWD, s, s, false };
		e.dst = (struct atname){ AT_FDCWD, d, d, false };
		if (stat(s, &e.st) == -1) {
			warn("cannot stat %s", quote(s));
			rc = 1;
		} else if (after)
			rc = t->o->preserve != 0 ? meta_by_name(t, &e, false) :
			    0;
		else if (mkdirat(AT_FDCWD, d, new_dir_mode(t, &e.st)) == 0) {
			if (t->o->verbose > 0)
				fprintf(stderr, "%s: created directory %s\n",
				    getprogname(), quote(d));
		} else if (errno != EEXIST) {
			warn("cannot create directory %s", quote(d));
			rc = 1;
		}
		*slash = '/';
		d[skip + (size_t)(slash - s)] = '/';
	}
	free(s);
	free(d);
	return rc;
}

/* --strip-trailing-slashes: "a/b//" as "a/b". */
static char *
strip_slashes(const char *src)
{
	size_t n = strlen(src);
	char *s;

	while (n > 1 && src[n - 1] == '/')
		n--;
	if ((s = strndup(src, n)) == NULL)
		err(1, "out of memory");
	return s;
}

int
tree_copy_into(struct tree *t, const char *src, const char *dir)
{
	char *dst, *s;
	int rval;

	if (strcmp(src, "-") == 0) {
		warnx("cannot copy standard input into directory %s",
		    quote(dir));
		return 1;
	}
	/* As cp, the option acts where SOURCE goes into a directory. */
	s = t->o->strip_slashes ? strip_slashes(src) : NULL;
	if (s != NULL)
		src = s;
	if (!t->o->parents)
		dst = join_base(dir, src);
	else if (asprintf(&dst, "%s%s%s", dir,
	    dir[strlen(dir) - 1] == '/' ? "" : "/", src) == -1)
		err(1, "out of memory");
	rval = t->o->parents ? make_parents(t, src, dst, false) : 0;
	if (rval == 0)
		rval = tree_copy(t, src, dst);
	if (t->o->parents)
		rval |= make_parents(t, src, dst, true);
	free(dst);
	free(s);
	return rval;
}
