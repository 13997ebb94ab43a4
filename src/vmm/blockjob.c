// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Block jobs (blockjob.h): the copy thread, its speed limit, and the
 * chain changes that end a job.
 *
 * State: j->state and what the thread reads (stop, speed, cur) are
 * guarded by the gate's lock. The owner (nido-vmm's loop thread, or a
 * test) starts, completes, cancels and frees the job; the thread only
 * copies and says when it is done, ready or failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "block/chain-edit.h"
#include "block/image.h"
#include "lib/thread.h"
#include "lib/util.h"
#include "vmm/blockjob-priv.h"

#define CHUNK_GRAINS 4 /* 256 KiB a chunk */
#define NS	     1000000000ull

struct bjob {
	enum bjob_type type;
	struct bjob_gate *g;
	struct block *top;     /* the disk's image; borrowed */
	struct block *src;     /* read: the top, or the image committed */
	struct block *dst;     /* written: the top (pull) or rw */
	struct block *rw;      /* commits: the base, writable; owned */
	struct block *ro_base; /* commits: the base as the chain has it */
	int top_depth, base_depth;
	int levels; /* copy what src's chain has above this depth */
	const struct bjob_disk_ops *ops;
	void *opaque;
	pthread_t thread;
	bool thread_started;
	/* under g->lock */
	bool stop;
	enum bjob_state state;
	uint64_t cur, speed;
	uint64_t budget_ns; /* the speed limit's clock: when the next copy may
			       start */
	char *error;
	uint8_t *buf;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

const char *bjob_type_name(enum bjob_type t)
{
	static const char *const n[] = {"pull", "commit", "active-commit"};

	return n[t];
}

const char *bjob_state_name(enum bjob_state s)
{
	static const char *const n[] = {"running", "ready",	"copied",
					"failed",  "cancelled", "done"};

	return n[s];
}

/* Whether status @st of src's chain is data the job copies. */
static bool wanted(const struct bjob *j, const struct block_status *st)
{
	if (!(st->flags & BLOCK_STATUS_ALLOCATED) || st->depth >= j->levels)
		return false;
	return j->type != BJOB_PULL || st->depth > 0;
}

/*
 * Copies what [@off, @off+@len) has above the base from src to dst.
 * No guest write runs on the range meanwhile (the gate, or the guest
 * quiesced). Returns the bytes written, or -errno with @e.
 */
static int64_t copy_range(struct bjob *j, uint64_t off, uint64_t len,
			  struct err **e)
{
	uint64_t end = MIN(off + len, block_size(j->top)), done = 0;

	while (off < end) {
		struct block_status st;
		uint64_t n;
		int r = block_status(j->src, off, end - off, &st, e);

		if (r < 0)
			return r;
		n = st.bytes;
		if (wanted(j, &st) && (st.flags & BLOCK_STATUS_ZERO) &&
		    !(st.flags & BLOCK_STATUS_DATA))
			r = block_write_zeroes(j->dst, off, n, 0, e);
		else if (wanted(j, &st) &&
			 (r = block_pread(j->src, j->buf, n, off, e)) == 0)
			r = block_pwrite(j->dst, j->buf, n, off, e);
		if (r < 0)
			return r;
		done += wanted(j, &st) ? n : 0;
		off += n;
	}
	return (int64_t)done;
}

/* Sleeps, lock held, until the speed limit lets @bytes more go. */
static void throttle(struct bjob *j, uint64_t bytes)
{
	uint64_t now = now_ns();

	if (!j->speed || !bytes)
		return;
	if (j->budget_ns < now)
		j->budget_ns = now;
	j->budget_ns += bytes * NS / j->speed;
	while (!j->stop && j->speed && now_ns() < j->budget_ns) {
		struct timespec ts = {.tv_sec = (time_t)(j->budget_ns / NS),
				      .tv_nsec = (long)(j->budget_ns % NS)};

		pthread_cond_timedwait(&j->g->cond, &j->g->lock, &ts);
	}
}

/* Lock held; drops it to call the owner back. */
static void set_state(struct bjob *j, enum bjob_state s)
{
	j->state = s;
	pthread_mutex_unlock(&j->g->lock);
	j->ops->notify(j->opaque);
	pthread_mutex_lock(&j->g->lock);
}

/* One chunk of dirty grains from @grain on; lock held. 0 or -errno. */
static int copy_chunk(struct bjob *j, uint64_t grain, struct err **e)
{
	struct bjob_gate *g = j->g;
	uint64_t n = gate_take_run(g, grain, CHUNK_GRAINS);
	uint64_t off = grain * BJOB_GRAIN, len = n * BJOB_GRAIN;
	int64_t r;
	bool wake;

	gate_busy(g, off, len);
	pthread_mutex_unlock(&g->lock);
	r = copy_range(j, off, len, e);
	pthread_mutex_lock(&g->lock);
	wake = gate_unbusy(g);
	if (wake) {
		pthread_mutex_unlock(&g->lock);
		g->wake(g->opaque);
		pthread_mutex_lock(&g->lock);
	}
	if (r < 0)
		return (int)r; /* the job ends: its dirty grains too */
	j->cur += len;
	throttle(j, (uint64_t)r);
	return 0;
}

static void *run(void *arg)
{
	struct bjob *j = arg;
	struct bjob_gate *g = j->g;
	uint64_t next = 0, grain;

	pthread_mutex_lock(&g->lock);
	while (!j->stop) {
		_cleanup_err_ struct err *e = NULL;

		if (!gate_next_dirty(g, next, &grain)) {
			if (j->type != BJOB_ACTIVE_COMMIT) {
				set_state(j, BJOB_COPIED);
				break;
			}
			if (j->state == BJOB_RUNNING)
				set_state(j, BJOB_READY);
			else
				pthread_cond_wait(&g->cond, &g->lock);
			continue;
		}
		if (copy_chunk(j, grain, &e) < 0) {
			j->error = xstrdup(err_msg(e));
			set_state(j, BJOB_FAILED);
			break;
		}
		next = grain + CHUNK_GRAINS;
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* Checks @p against @top's chain and fills src, dst, levels. */
static int plan(struct bjob *j, const struct bjob_params *p, struct err **e)
{
	int n = block_chain_len(j->top);

	j->top_depth = p->top;
	j->base_depth = p->base;
	if (p->type == BJOB_PULL) {
		if (p->base < 2 || p->base > n)
			return err_set(e, EINVAL,
				       "pull: base at depth %d of a chain of "
				       "%d images: nothing to pull",
				       p->base, n);
		j->src = j->dst = j->top;
		j->levels = p->base;
		return 0;
	}
	if (p->base <= p->top || p->base >= n)
		return err_set(e, EINVAL,
			       "commit: top at depth %d and base at depth %d "
			       "of a chain of %d images",
			       p->top, p->base, n);
	if ((p->type == BJOB_ACTIVE_COMMIT) != (p->top == 0))
		return err_set(e, EINVAL,
			       "commit: an active commit is one of the top "
			       "image (depth 0)");
	if (p->type == BJOB_COMMIT && p->top != 1)
		return err_set(e, ENOTSUP,
			       "commit: only the active image's backing file "
			       "can be the top of a commit that is not "
			       "active (its overlay records the new base)");
	j->src = block_chain_nth(j->top, p->top);
	j->ro_base = block_chain_nth(j->top, p->base);
	j->levels = p->base - p->top;
	if (block_size(j->ro_base) < block_size(j->src))
		return err_set(e, ENOSPC,
			       "commit: base '%s' is smaller than '%s' "
			       "(resize it first)",
			       block_filename(j->ro_base),
			       block_filename(j->src));
	return 0;
}

/* Marks every grain with data to copy dirty, guest writes racing. */
static int scan(struct bjob *j, struct err **e)
{
	uint64_t off = 0, size = block_size(j->top);

	while (off < size) {
		struct block_status st;
		int r = block_status(j->src, off, size - off, &st, e);

		if (r < 0)
			return r;
		if (wanted(j, &st))
			gate_mark(j->g, off, st.bytes);
		off += st.bytes;
	}
	return 0;
}

static void job_free(struct bjob *j)
{
	if (j->rw) {
		block_backing_detach(j->rw); /* borrowed from ro_base */
		block_close(j->rw);
	}
	free(j->error);
	free(j->buf);
	free(j);
}

int bjob_start(struct block *top, struct bjob_gate *g,
	       const struct bjob_params *p, const struct bjob_disk_ops *ops,
	       void *opaque, struct bjob **out, struct err **e)
{
	struct bjob *j = xcalloc(1, sizeof(*j));
	int fd = p->base_fd, r;

	*j = (struct bjob){.type = p->type,
			   .g = g,
			   .top = top,
			   .ops = ops,
			   .opaque = opaque,
			   .speed = p->speed};
	r = plan(j, p, e);
	if (r == 0 && j->ro_base && fd < 0)
		r = err_set(e, EBADF,
			    "commit: the base, '%s', was not passed "
			    "open for writing",
			    block_filename(j->ro_base));
	if (r == 0 && j->ro_base) {
		r = block_open_writable(j->ro_base, fd, p->base_flags, &j->rw,
					e);
		fd = -1;
		if (r == 0) {
			/* borrowed: the copy's partial clusters read it */
			block_backing_attach(j->rw,
					     block_chain_nth(j->ro_base, 1));
			j->dst = j->rw;
		}
	}
	close_safe(fd);
	if (r == 0 && (r = gate_track(g, p->type == BJOB_ACTIVE_COMMIT)) < 0)
		err_set(e, EBUSY, "the disk has a block job already");
	if (r < 0) {
		job_free(j);
		return r;
	}
	j->buf = xmalloc(CHUNK_GRAINS * BJOB_GRAIN);
	r = scan(j, e);
	if (r == 0)
		r = -thread_start(&j->thread, "blockjob", run, j);
	if (r < 0) {
		if (!err_code(*e))
			err_sys(e, -r, "starting the job's thread");
		gate_untrack(g);
		job_free(j);
		return r;
	}
	j->thread_started = true;
	*out = j;
	return 0;
}

void bjob_get_info(struct bjob *j, struct bjob_info *i)
{
	pthread_mutex_lock(&j->g->lock);
	*i = (struct bjob_info){
		.type = j->type,
		.state = j->state,
		.cur = j->cur,
		.end = j->cur + j->g->n_dirty * BJOB_GRAIN,
		.speed = j->speed,
		.error = j->error,
	};
	pthread_mutex_unlock(&j->g->lock);
}

void bjob_set_speed(struct bjob *j, uint64_t bytes_per_s)
{
	pthread_mutex_lock(&j->g->lock);
	j->speed = bytes_per_s;
	j->budget_ns = 0;
	pthread_cond_broadcast(&j->g->cond);
	pthread_mutex_unlock(&j->g->lock);
}

/* Stops the thread and waits for it. */
static void stop(struct bjob *j)
{
	if (!j->thread_started)
		return;
	pthread_mutex_lock(&j->g->lock);
	j->stop = true;
	pthread_cond_broadcast(&j->g->cond);
	pthread_mutex_unlock(&j->g->lock);
	pthread_join(j->thread, NULL);
	j->thread_started = false;
}

/* Quiesced: copies every grain still dirty. 0 or -errno. */
static int copy_rest(struct bjob *j, struct err **e)
{
	uint64_t grain;

	while (gate_next_dirty(j->g, 0, &grain)) {
		uint64_t n = gate_take_run(j->g, grain, CHUNK_GRAINS);
		int64_t r =
			copy_range(j, grain * BJOB_GRAIN, n * BJOB_GRAIN, e);

		if (r < 0)
			return (int)r;
		j->cur += n * BJOB_GRAIN;
	}
	return 0;
}

/* Pull: the top records the base (or none), then the images between
 * go. Quiesced. */
static int finish_pull(struct bjob *j, struct err **e)
{
	int n = block_chain_len(j->top);
	struct block *base = j->base_depth < n
				     ? block_chain_nth(j->top, j->base_depth)
				     : NULL;
	struct block *mid;
	int r = block_flush(j->top, e);

	if (r == 0)
		r = img_set_backing(j->top, base ? block_filename(base) : NULL,
				    base ? block_format(base) : NULL, e);
	if (r == 0)
		r = block_flush(j->top, e);
	if (r < 0)
		return r;
	mid = block_backing_detach(j->top);
	if (base)
		block_backing_attach(j->top,
				     block_backing_detach(block_chain_nth(
					     mid, j->base_depth - 2)));
	block_close(mid);
	return 0;
}

/* Commit below the active image: the active image records the base,
 * which (writable: it has the data, not the old handle's caches)
 * takes the place of the images committed. Quiesced. */
static int finish_commit(struct bjob *j, struct err **e)
{
	struct block *mid;
	int r = block_flush(j->rw, e);

	if (r == 0)
		r = img_set_backing(j->top, block_filename(j->rw),
				    block_format(j->rw), e);
	if (r == 0)
		r = block_flush(j->top, e);
	if (r < 0)
		return r;
	block_backing_detach(j->rw);
	block_backing_attach(j->rw, block_backing_detach(j->ro_base));
	mid = block_backing_detach(j->top); /* the images down to ro_base */
	block_backing_attach(j->top, steal_ptr(j->rw));
	block_close(mid);
	return 0;
}

/* Active commit: the last dirty grains, then the base is the disk's
 * image. Quiesced (the guest paused). */
static int finish_active(struct bjob *j, struct err **e)
{
	int r = copy_rest(j, e);

	if (r == 0)
		r = block_flush(j->rw, e);
	if (r < 0)
		return r;
	block_backing_detach(j->rw);
	block_backing_attach(j->rw, block_backing_detach(j->ro_base));
	r = j->ops->set_top(j->opaque, j->rw, e);
	if (r < 0) { /* the old chain stays whole */
		block_backing_attach(j->ro_base, block_backing_detach(j->rw));
		block_backing_attach(j->rw, block_chain_nth(j->ro_base, 1));
		return r;
	}
	j->rw = NULL; /* the disk's now, its old chain closed */
	return 0;
}

int bjob_complete(struct bjob *j, struct err **e)
{
	enum bjob_state s;
	int r;

	pthread_mutex_lock(&j->g->lock);
	s = j->state;
	pthread_mutex_unlock(&j->g->lock);
	if (s != BJOB_COPIED && s != BJOB_READY)
		return err_set(e, EBUSY, "the %s job is %s, not %s",
			       bjob_type_name(j->type), bjob_state_name(s),
			       j->type == BJOB_ACTIVE_COMMIT ? "ready"
							     : "copied");
	stop(j);
	j->ops->quiesce(j->opaque);
	if (j->type == BJOB_PULL)
		r = finish_pull(j, e);
	else if (j->type == BJOB_COMMIT)
		r = finish_commit(j, e);
	else
		r = finish_active(j, e);
	if (r == 0) {
		gate_untrack(j->g);
		j->state = BJOB_DONE;
	}
	j->ops->resume(j->opaque);
	if (r < 0 && j->type == BJOB_ACTIVE_COMMIT) {
		/* still in step: the thread goes on, a pivot may be retried */
		j->stop = false;
		if (thread_start(&j->thread, "blockjob", run, j) == 0)
			j->thread_started = true;
	}
	return r;
}

void bjob_cancel(struct bjob *j)
{
	if (j->state == BJOB_DONE || j->state == BJOB_CANCELLED)
		return;
	stop(j);
	gate_untrack(j->g);
	if (j->rw) {
		block_backing_detach(j->rw);
		block_close(steal_ptr(j->rw));
	}
	j->state = BJOB_CANCELLED;
}

void bjob_free(struct bjob *j)
{
	if (!j)
		return;
	bjob_cancel(j);
	job_free(j);
}
