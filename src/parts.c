/*
 * One large regular file copied in parts at once (kcp(1), Parallel
 * copying): each part is a range of SOURCE run down the same ladder by its
 * own thread, at its own offsets, through its own open file description of
 * DEST (sendfile writes at the file offset, which must not be shared).
 * The caller's thread waits, serving progress ticks, then sums the parts'
 * accounts and sets DEST's size once.  A copy that fails or is stopped
 * leaves DEST holding exactly the prefix copied so far, as a sequential
 * copy would, so that --resume can trust it; while the parts run, DEST
 * carries the attribute PARTS_XATTR, so that --resume can tell a copy
 * killed before it could trim DEST (kcp(1), Parallel copying).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parts.h"
#include "sys.h"
#include "xfer.h"
#include "xio.h"

/* Parts are at least this long; smaller files are one part. */
#define PART_MIN	((uint64_t)64 << 20)
/* Part boundaries fall on multiples of this (pages, extents, blocks). */
#define PART_ALIGN	((uint64_t)1 << 20)
#define PARTS_MAX	16
/*
 * A part's thread blocks signals, so a stop request does not cut its call
 * short as it would the main thread's: it is noticed between calls, which
 * are kept this short.
 */
#define PART_CHUNK	((size_t)64 << 20)
/* How often the waiting thread looks for a progress tick. */
#define WAIT_NS		100000000L

struct part {
	struct xfer		 x;
	struct copy_result	 res;
	off_t			 end;		/* DEST offset it ends at */
	bool			 last;
	int			 fd;		/* its own DEST, or -1 */
	int			 rc;
	bool			 started;
	pthread_t		 tid;
	struct parts		*group;
};

struct parts {
	pthread_mutex_t		 lock;
	pthread_cond_t		 done;		/* a part ended */
	int			 running;
	atomic_bool		 failed;	/* a part failed: all stop */
	bool			 sparse;	/* walk SOURCE's holes */
	struct copy_opts	 opts;		/* the parts' (traces locked) */
	const struct copy_opts	*user;
	unsigned		 traced;	/* methods already traced */
	struct copy_result	 base;		/* the account before parts */
	int			 n;
	struct part		 p[PARTS_MAX];
};

/*
 * Whether a copy in parts beat one stream here: bench/run found it so
 * only into tmpfs from another filesystem (sendfile, many CPUs filling
 * tmpfs's pages); file to file on ext4, one copy_file_range stream was as
 * fast.  -j N asks for parts anywhere.
 */
static bool
parts_win(const struct xfer *x)
{
	return xfer_fs_type(x->out, x->out_fi->st.st_dev) == TMPFS_MAGIC &&
	    x->in_fi->st.st_dev != x->out_fi->st.st_dev;
}

int
parts_count(const struct xfer *x)
{
	const struct copy_opts *o = x->opts;
	uint64_t len, min;
	int n;

	if (o->parts < 2 || x->in_fi->type != FT_REG ||
	    x->out_fi->type != FT_REG || !x->in_seek || !x->out_seek ||
	    o->direct || o->sparse == SPARSE_ALWAYS ||
	    x->out_fresh_from > x->out_pos || x->in_pos >= x->in_size)
		return 1;
	len = (uint64_t)(x->in_size - x->in_pos);
	if (x->bounded && x->left < len)
		len = x->left;
	min = o->part_min > 0 ? o->part_min : PART_MIN;
	if (len / min < 2)
		return 1;
	n = len / min < (uint64_t)o->parts ? (int)(len / min) : o->parts;
	if (n > PARTS_MAX)
		n = PARTS_MAX;
	if (o->parts_auto && !parts_win(x))
		return 1;
	return n;
}

bool
parts_mark(const struct xfer *x)
{
	return fsetxattr(x->out, PARTS_XATTR, "", 0, 0) == 0;
}

/* -vv: each method's first word is said once, not once a part. */
static void
part_trace(void *arg, enum method m, int err, const char *why)
{
	struct parts *g = arg;

	pthread_mutex_lock(&g->lock);
	if (!(g->traced & M_BIT(m))) {
		g->traced |= M_BIT(m);
		g->user->trace(g->user->trace_arg, m, err, why);
	}
	pthread_mutex_unlock(&g->lock);
}

void
xfer_count(struct xfer *x, enum method m, uint64_t n)
{
	if (x->group != NULL)
		pthread_mutex_lock(&x->group->lock);
	if (m != M_NONE)
		x->res->m[m].bytes += n;
	x->res->bytes += n;
	if (x->group != NULL)
		pthread_mutex_unlock(&x->group->lock);
}

bool
xfer_cancelled(const struct xfer *x)
{
	return x->group != NULL && atomic_load(&x->group->failed);
}

static void
part_init(struct parts *g, int k, const struct xfer *whole, uint64_t off,
    uint64_t len)
{
	struct part *p = &g->p[k];
	struct xfer *x = &p->x;

	*x = *whole;
	memset(&p->res, 0, sizeof(p->res));
	p->res.err_method = M_NONE;
	p->group = g;
	p->last = k == g->n - 1;
	x->group = g;
	x->res = &p->res;
	x->opts = &g->opts;
	x->buf = NULL;
	x->in_pos = whole->in_pos + (off_t)off;
	x->out_pos = whole->out_pos + (off_t)off;
	x->in_mark = x->in_pos;
	x->out_mark = x->out_pos;
	x->drop_at = 0;
	x->bounded = !p->last || whole->bounded;
	x->left = x->bounded ? len : UINT64_MAX;
	x->eof = false;
	x->extend = false;
	x->err = 0;
	x->why = NULL;
	x->cur = M_NONE;
	p->end = x->out_pos + (off_t)len;
	p->rc = 0;
	/* Without a description of its own, no sendfile for this part. */
	if ((p->fd = fdinfo_reopen(whole->out, O_WRONLY)) != -1)
		x->out = p->fd;
	else
		x->gone[M_SENDFILE] = true;
}

static int
part_run(struct part *p)
{
	int rc;

	rc = p->group->sparse ? sparse_copy(&p->x) : xfer_run_ladder(&p->x);
	if (rc == -1)
		atomic_store(&p->group->failed, true);
	return rc;
}

static void *
part_thread(void *arg)
{
	struct part *p = arg;
	struct parts *g = p->group;
	int rc;

	rc = part_run(p);
	engine_thread_done();
	pthread_mutex_lock(&g->lock);
	p->rc = rc;
	g->running--;
	pthread_cond_signal(&g->done);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* The whole copy's account: what it held before, plus every part's. */
static void
sum(struct parts *g, struct copy_result *res, bool final)
{
	const struct copy_result *pr;
	struct method_acct *a;
	enum method m;
	int k;

	res->bytes = g->base.bytes;
	for (m = 0; m < M_COUNT; m++)
		res->m[m].bytes = g->base.m[m].bytes;
	for (k = 0; k < g->n; k++) {
		pr = &g->p[k].res;
		res->bytes += pr->bytes;
		for (m = 0; m < M_COUNT; m++) {
			a = &res->m[m];
			a->bytes += pr->m[m].bytes;
			if (!final)
				continue;
			a->used |= pr->m[m].used;
			if (pr->m[m].left && !a->left) {
				a->left = true;
				a->err = pr->m[m].err;
			}
		}
	}
}

/* Start the parts; one that gets no thread is run here, in turn. */
static void
start(struct parts *g)
{
	sigset_t all, old;
	int k;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (k = 0; k < g->n; k++) {
		pthread_mutex_lock(&g->lock);
		g->running++;
		pthread_mutex_unlock(&g->lock);
		g->p[k].started = pthread_create(&g->p[k].tid, NULL,
		    part_thread, &g->p[k]) == 0;
		if (!g->p[k].started) {
			pthread_mutex_lock(&g->lock);
			g->running--;
			pthread_mutex_unlock(&g->lock);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (k = 0; k < g->n; k++)
		if (!g->p[k].started)
			g->p[k].rc = part_run(&g->p[k]);
}

/* Wait for every part, serving progress ticks with the summed account. */
static void
wait_parts(struct parts *g, struct xfer *x)
{
	struct timespec ts;
	int k;

	pthread_mutex_lock(&g->lock);
	while (g->running > 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WAIT_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&g->done, &g->lock, &ts);
		if (xio_tick) {
			sum(g, x->res, false);
			pthread_mutex_unlock(&g->lock);
			xfer_tick(x);
			pthread_mutex_lock(&g->lock);
		}
	}
	pthread_mutex_unlock(&g->lock);
	for (k = 0; k < g->n; k++)
		if (g->p[k].started)
			pthread_join(g->p[k].tid, NULL);
}

/*
 * The part whose failure is the copy's: the first with a real error,
 * else the first stopped (EINTR); parts that only stopped because another
 * failed (ECANCELED) never are.
 */
static const struct part *
failure(const struct parts *g)
{
	const struct part *stopped = NULL;
	int k;

	for (k = 0; k < g->n; k++) {
		const struct part *p = &g->p[k];

		if (p->rc == 0 || p->x.err == ECANCELED)
			continue;
		if (p->x.err != EINTR)
			return p;
		if (stopped == NULL)
			stopped = p;
	}
	return stopped;
}

/*
 * Where the bytes copied without a gap end: the parts in order, up to
 * the first that did not reach its end (it failed, or SOURCE ended).
 */
static off_t
prefix_end(const struct parts *g)
{
	off_t end = g->p[0].x.out_pos;
	int k;

	for (k = 0; k < g->n; k++) {
		end = g->p[k].x.out_pos;
		if (!g->p[k].last && end < g->p[k].end)
			break;
	}
	return end;
}

/* Gather the parts into x; DEST's size is set here, once. */
static int
finish(struct parts *g, struct xfer *x)
{
	const struct part *bad = failure(g);
	off_t start = x->out_pos, end = prefix_end(g);
	struct stat st;
	enum method m;
	int k;

	sum(g, x->res, true);
	for (k = 0; k < g->n; k++)
		for (m = 0; m < M_COUNT; m++)
			x->gone[m] |= g->p[k].x.gone[m];
	x->in_pos += end - start;
	x->out_pos = end;
	x->in_mark = x->in_pos;
	x->out_mark = x->out_pos;
	if (x->bounded)
		x->left -= (uint64_t)(end - start);
	x->eof = g->p[g->n - 1].x.eof || end < g->p[g->n - 1].end;
	/* Nothing past the prefix was DEST's before: cut it, or grow. */
	if (kcp_sys->fstat(x->out, &st) == -1 ||
	    (st.st_size != end && kcp_sys->ftruncate(x->out, end) == -1)) {
		if (bad == NULL)
			return xfer_fail(x, errno, SIDE_WRITE, M_NONE);
		return -1;	/* the mark stays: DEST may have gaps */
	}
	(void)fremovexattr(x->out, PARTS_XATTR);
	if (bad == NULL)
		return 0;
	x->err = bad->x.err;
	x->err_side = bad->x.err_side;
	x->res->err_method = bad->res.err_method;
	x->res->no_method = bad->res.no_method;
	return -1;
}

int
parts_copy(struct xfer *x, int n, bool sparse)
{
	struct parts *g;
	uint64_t len, step, off;
	int k, rc;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return xfer_fail(x, errno, SIDE_UNKNOWN, M_NONE);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->done, NULL);
	atomic_init(&g->failed, false);
	g->sparse = sparse;
	g->user = x->opts;
	g->opts = *x->opts;
	g->opts.progress = NULL;
	if (g->opts.chunk == 0 || g->opts.chunk > PART_CHUNK)
		g->opts.chunk = PART_CHUNK;
	if (g->user->trace != NULL) {
		g->opts.trace = part_trace;
		g->opts.trace_arg = g;
	}
	g->base = *x->res;
	len = (uint64_t)(x->in_size - x->in_pos);
	if (x->bounded && x->left < len)
		len = x->left;
	step = (len / (uint64_t)n + PART_ALIGN - 1) / PART_ALIGN * PART_ALIGN;
	for (g->n = 0, off = 0; g->n < n && off < len; g->n++, off += step)
		;
	for (k = 0, off = 0; k < g->n; k++, off += step)
		part_init(g, k, x, off, k == g->n - 1 ? len - off : step);
	start(g);
	wait_parts(g, x);
	rc = finish(g, x);
	for (k = 0; k < g->n; k++) {
		free(g->p[k].x.buf);
		if (g->p[k].fd != -1)
			(void)close(g->p[k].fd);
	}
	pthread_cond_destroy(&g->done);
	pthread_mutex_destroy(&g->lock);
	free(g);
	return rc;
}
