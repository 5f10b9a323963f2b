/*
 * What happens to DEST once its bytes are in: attributes, durability and
 * the read-back check.
 */
#include "config.h"

#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finish.h"
#include "quote.h"
#include "xio.h"

/* Say what failed on dst, keeping errno for the caller; returns -1. */
static int
fail(const char *what, const char *dst)
{
	int e = errno;

	warn("%s %s", what, quote(dst));
	errno = e;
	return -1;
}

int
finish_attrs(const struct options *o, const struct fdinfo *in, int out,
    const char *dst)
{
	if (!fdinfo_is_file(in->type))
		return 0;
	if ((o->preserve & PRESERVE_OWNERSHIP) &&
	    fchown(out, in->st.st_uid, in->st.st_gid) == -1) {
		/* As cp: without privilege, keep at least the group. */
		if (errno != EPERM ||
		    (fchown(out, (uid_t)-1, in->st.st_gid) == -1 &&
		    errno != EPERM))
			return fail("cannot preserve ownership of", dst);
	}
	if ((o->preserve & PRESERVE_MODE) &&
	    fchmod(out, in->st.st_mode & 07777) == -1)
		return fail("cannot preserve permissions of", dst);
	return 0;
}

int
finish_times(const struct options *o, const struct fdinfo *in, int out,
    const char *dst)
{
	struct timespec ts[2];

	if (!fdinfo_is_file(in->type) || !(o->preserve & PRESERVE_TIMESTAMPS))
		return 0;
	ts[0] = in->st.st_atim;
	ts[1] = in->st.st_mtim;
	if (futimens(out, ts) == -1)
		return fail("cannot preserve times of", dst);
	return 0;
}

int
finish_sync(const struct options *o, const struct fdinfo *out,
    const char *dst)
{
	if ((o->fdatasync ? fdatasync(out->fd) : fsync(out->fd)) == -1 &&
	    (fdinfo_is_file(out->type) || errno != EINVAL))
		return fail("cannot sync", dst);
	if (o->verify && fdinfo_is_file(out->type))
		/* Read back what the device holds, not the cache. */
		(void)posix_fadvise(out->fd, 0, 0, POSIX_FADV_DONTNEED);
	return 0;
}

/*
 * A descriptor to read DEST back: a new read-only open of the file behind
 * fd (which kcp opened write-only), so that reading never disturbs fd's
 * offset or flags.  -1 with errno set when it cannot be read.
 */
static int
reopen_readonly(int fd)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return open(proc, O_RDONLY | O_CLOEXEC);
}

/* Compare up to want bytes at done; the bytes compared, or -1. */
static ssize_t
compare_chunk(const char *src, const char *dst, int in, int out, off_t ioff,
    off_t ooff, uint64_t done, char *a, char *b, size_t want)
{
	ssize_t ra, rb;
	size_t i;

	ra = xio_read(in, a, want, ioff + (off_t)done);
	if (ra < 0) {
		warn("cannot verify: error reading %s", quote(src));
		return -1;
	}
	rb = ra == 0 ? 0 : xio_read(out, b, (size_t)ra, ooff + (off_t)done);
	if (rb < 0) {
		warn("cannot verify: error reading %s", quote(dst));
		return -1;
	}
	if (ra == 0 || rb < ra) {
		warnx("verification failed: %s and %s differ in length "
		    "at byte %llu", quote(src), quote(dst),
		    (unsigned long long)(done + (uint64_t)rb));
		return -1;
	}
	if (memcmp(a, b, (size_t)ra) != 0) {
		for (i = 0; a[i] == b[i]; i++)
			;
		warnx("verification failed: %s and %s differ at byte %llu",
		    quote(src), quote(dst), (unsigned long long)(done + i));
		return -1;
	}
	return ra;
}

/* Compare SOURCE and DEST over the copied range; -1 after a message. */
static int
compare(const char *src, const char *dst, int in, int out, off_t ioff,
    off_t ooff, uint64_t len)
{
	enum { VBUF = 256 * 1024 };
	char *a, *b;
	uint64_t done = 0;
	size_t want;
	ssize_t n;
	int rc = 0, fl;

	if ((a = malloc(VBUF)) == NULL || (b = malloc(VBUF)) == NULL)
		err(1, "out of memory");
	/*
	 * Plain reads from any offset, no O_DIRECT alignment rules: DEST's
	 * descriptor is a new one; SOURCE's flags are put back below.
	 */
	if ((fl = fcntl(in, F_GETFL)) != -1 && (fl & O_DIRECT))
		(void)fcntl(in, F_SETFL, fl & ~O_DIRECT);
	(void)posix_fadvise(in, ioff, (off_t)len, POSIX_FADV_SEQUENTIAL);
	(void)posix_fadvise(out, ooff, (off_t)len, POSIX_FADV_SEQUENTIAL);
	while (done < len && !xio_stop) {
		want = len - done < VBUF ? (size_t)(len - done) : VBUF;
		n = compare_chunk(src, dst, in, out, ioff, ooff, done, a, b,
		    want);
		if (n == -1) {
			rc = -1;
			break;
		}
		done += (uint64_t)n;
	}
	free(a);
	free(b);
	if (fl != -1 && (fl & O_DIRECT))
		(void)fcntl(in, F_SETFL, fl);
	return xio_stop ? -1 : rc;
}

int
finish_verify(const char *src, const char *dst, int in_fd, int out_fd,
    off_t ioff, off_t ooff, uint64_t len)
{
	int rfd, rc;

	if ((rfd = reopen_readonly(out_fd)) == -1) {
		warn("cannot verify %s: cannot read it back", quote(dst));
		return -1;
	}
	rc = compare(src, dst, in_fd, rfd, ioff, ooff, len);
	(void)close(rfd);
	return rc;
}
