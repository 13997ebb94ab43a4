// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Asynchronous requests (block.h): io_uring for raw images, where a
 * request maps 1:1 to a file operation; a pool of worker threads that
 * run the synchronous calls for every other format, or when io_uring is
 * unavailable (old kernel, seccomp, NIDO_BLOCK_NO_URING set).
 * Completions of both kinds are announced on one eventfd. A failed
 * request's message is kept (aio.h) until its submitter takes it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>

#include "block/aio.h"
#include "block/driver.h"
#include "block/qcow2.h"
#include "lib/thread.h"

#define AIO_MAX_THREADS 4

/* The message of a failed request, until block_aio_take_error(). */
struct aio_error {
	struct aio_error *next;
	struct block_req *req;
	struct err *err;
	bool corrupt;
};

struct block_aio {
	struct block *b;
	int efd;
	unsigned depth, inflight;
	bool uring;
	struct io_uring ring;
	pthread_t threads[AIO_MAX_THREADS];
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct block_req *queue, **queue_tail; /* waiting for a worker */
	struct block_req *done, **done_tail;   /* completed, not reaped */
	struct aio_error *errors;	       /* failed, message not taken */
	bool stop;
};

/* Keeps @e (taken) as the error of @r. */
static void keep_error(struct block_aio *q, struct block_req *r, struct err *e,
		       bool corrupt)
{
	struct aio_error *ae = xcalloc(1, sizeof(*ae));

	ae->req = r;
	ae->err = e;
	ae->corrupt = corrupt;
	pthread_mutex_lock(&q->mu);
	ae->next = q->errors;
	q->errors = ae;
	pthread_mutex_unlock(&q->mu);
}

/* Unlinks and returns the error kept for @r, or NULL. @q->mu held. */
static struct aio_error *unlink_error(struct block_aio *q,
				      const struct block_req *r)
{
	for (struct aio_error **p = &q->errors; *p; p = &(*p)->next) {
		struct aio_error *ae = *p;

		if (ae->req == r) {
			*p = ae->next;
			return ae;
		}
	}
	return NULL;
}

static void free_error(struct aio_error *ae)
{
	if (ae) {
		err_free(ae->err);
		free(ae);
	}
}

int block_aio_take_error(struct block_aio *q, struct block_req *r,
			 struct err **e, bool *corrupt)
{
	struct aio_error *ae;

	pthread_mutex_lock(&q->mu);
	ae = unlink_error(q, r);
	pthread_mutex_unlock(&q->mu);
	if (!ae)
		return -ENOENT;
	err_free(*e);
	*e = steal_ptr(ae->err);
	*corrupt = ae->corrupt;
	free_error(ae);
	return 0;
}

bool block_aio_corrupt(struct block_aio *q)
{
	bool corrupt = false;

	for (struct block *b = q->b; b && !corrupt; b = b->backing) {
		if (b->drv != &block_qcow2)
			continue;
		pthread_mutex_lock(&b->lock);
		corrupt = ((struct qcow2 *)b->priv)->corrupt;
		pthread_mutex_unlock(&b->lock);
	}
	return corrupt;
}

static void signal_efd(struct block_aio *q)
{
	uint64_t one = 1;

	while (write(q->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void push_done(struct block_aio *q, struct block_req *r)
{
	pthread_mutex_lock(&q->mu);
	r->next_ = NULL;
	*q->done_tail = r;
	q->done_tail = &r->next_;
	pthread_mutex_unlock(&q->mu);
	signal_efd(q);
}

static int run_sync(struct block *b, struct block_req *r, struct err **e)
{
	switch (r->op) {
	case BLOCK_OP_READ:
		return block_preadv(b, r->iov, r->iovcnt, r->offset, e);
	case BLOCK_OP_WRITE:
		return block_pwritev(b, r->iov, r->iovcnt, r->offset, e);
	case BLOCK_OP_FLUSH:
		return block_flush(b, e);
	case BLOCK_OP_DISCARD:
		return block_discard(b, r->offset, r->len, e);
	case BLOCK_OP_WRITE_ZEROES:
		return block_write_zeroes(b, r->offset, r->len, r->flags, e);
	}
	return err_set(e, EINVAL, "'%s': unknown request", b->filename);
}

static void *worker(void *opaque)
{
	struct block_aio *q = opaque;
	struct block_req *r;
	struct err *e;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->queue && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		if (!q->queue)
			break;
		r = q->queue;
		q->queue = r->next_;
		if (!q->queue)
			q->queue_tail = &q->queue;
		pthread_mutex_unlock(&q->mu);
		e = NULL;
		r->result = run_sync(q->b, r, &e);
		if (r->result < 0 && e)
			keep_error(q, r, e, block_aio_corrupt(q));
		else
			err_free(e);
		push_done(q, r);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static atomic_bool no_new_rings;

void block_aio_no_new_rings(void)
{
	atomic_store(&no_new_rings, true);
}

static bool want_uring(struct block *b)
{
	return b->drv == &block_raw && !atomic_load(&no_new_rings) &&
	       !getenv("NIDO_BLOCK_NO_URING");
}

static int start_threads(struct block_aio *q, struct err **e)
{
	int n = (int)MIN(q->depth, AIO_MAX_THREADS);

	for (int i = 0; i < n; i++) {
		int r = thread_start(&q->threads[i], "block-io", worker, q);

		if (r < 0)
			return err_sys(e, -r, "'%s': starting I/O threads",
				       q->b->filename);
		q->nthreads++;
	}
	return 0;
}

int block_aio_new(struct block *b, unsigned depth, struct block_aio **out,
		  struct err **e)
{
	struct block_aio *q = xcalloc(1, sizeof(*q));
	int r;

	q->b = b;
	q->depth = depth ? depth : 1;
	q->queue_tail = &q->queue;
	q->done_tail = &q->done;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		r = err_sys(e, errno, "'%s': creating an eventfd", b->filename);
		block_aio_free(q);
		return r;
	}
	if (want_uring(b) && io_uring_queue_init(q->depth, &q->ring, 0) == 0) {
		if (io_uring_register_eventfd(&q->ring, q->efd) == 0)
			q->uring = true;
		else
			io_uring_queue_exit(&q->ring);
	}
	/* threads also serve what io_uring does not (discard, zeroes) */
	r = start_threads(q, e);
	if (r < 0) {
		block_aio_free(q);
		return r;
	}
	*out = q;
	return 0;
}

void block_aio_free(struct block_aio *q)
{
	struct block_req *done[64];

	if (!q)
		return;
	while (q->inflight > 0) {
		block_aio_wait(q);
		block_aio_reap(q, done, ARRAY_SIZE(done));
	}
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	while (q->errors) {
		struct aio_error *ae = q->errors;

		q->errors = ae->next;
		free_error(ae);
	}
	if (q->uring)
		io_uring_queue_exit(&q->ring);
	close_safe(q->efd);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}

int block_aio_fd(struct block_aio *q)
{
	return q->efd;
}

bool block_aio_uses_uring(struct block_aio *q)
{
	return q->uring;
}

unsigned block_aio_inflight(struct block_aio *q)
{
	return q->inflight;
}

static int validate(struct block_aio *q, struct block_req *r)
{
	struct block *b = q->b;
	uint64_t len;

	if (r->op != BLOCK_OP_READ && b->read_only)
		return -EROFS;
	switch (r->op) {
	case BLOCK_OP_READ:
	case BLOCK_OP_WRITE:
		if (r->iovcnt < 0 || r->iovcnt > IOV_MAX_SLICE)
			return -EINVAL;
		len = iov_size(r->iov, r->iovcnt);
		break;
	case BLOCK_OP_DISCARD:
	case BLOCK_OP_WRITE_ZEROES:
		len = r->len;
		break;
	case BLOCK_OP_FLUSH:
		return 0;
	default:
		return -EINVAL;
	}
	if (r->offset > b->size || len > b->size - r->offset)
		return -EINVAL;
	return 0;
}

static bool submit_uring(struct block_aio *q, struct block_req *r)
{
	struct io_uring_sqe *sqe;

	if (r->op != BLOCK_OP_READ && r->op != BLOCK_OP_WRITE &&
	    r->op != BLOCK_OP_FLUSH)
		return false;
	sqe = io_uring_get_sqe(&q->ring);
	if (!sqe)
		return false;
	if (r->op == BLOCK_OP_READ)
		io_uring_prep_readv(sqe, q->b->fd, r->iov, r->iovcnt,
				    r->offset);
	else if (r->op == BLOCK_OP_WRITE)
		io_uring_prep_writev(sqe, q->b->fd, r->iov, r->iovcnt,
				     r->offset);
	else
		io_uring_prep_fsync(sqe, q->b->fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, r);
	if (io_uring_submit(&q->ring) < 0)
		return false;
	return true;
}

int block_aio_submit(struct block_aio *q, struct block_req *r)
{
	int v = validate(q, r);

	if (v < 0)
		return v;
	if (q->inflight >= q->depth)
		return -EAGAIN;
	q->inflight++;
	r->result = 0;
	pthread_mutex_lock(&q->mu);
	free_error(unlink_error(q, r)); /* a message nobody took */
	pthread_mutex_unlock(&q->mu);
	if (q->uring && submit_uring(q, r))
		return 0;
	pthread_mutex_lock(&q->mu);
	r->next_ = NULL;
	*q->queue_tail = r;
	q->queue_tail = &r->next_;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

/* Finishes a short io_uring transfer synchronously. */
static int finish_short(struct block_aio *q, struct block_req *r, int res)
{
	struct iovec rest[IOV_MAX_SLICE];
	size_t len = iov_size(r->iov, r->iovcnt);
	int n;

	if (res < 0 || r->op == BLOCK_OP_FLUSH || (size_t)res >= len)
		return res < 0 ? res : 0;
	n = iov_slice(r->iov, r->iovcnt, (size_t)res, len - (size_t)res, rest,
		      IOV_MAX_SLICE);
	if (n < 0)
		return n;
	if (r->op == BLOCK_OP_READ)
		return file_preadv_full(q->b->fd, rest, n, r->offset + res);
	return file_pwritev_full(q->b->fd, rest, n, r->offset + res);
}

/* The message of a failed io_uring request (block.c's wording). */
static struct err *uring_error(struct block_aio *q, struct block_req *r)
{
	static const char *const verbs[] = {
		[BLOCK_OP_READ] = "reading",
		[BLOCK_OP_WRITE] = "writing",
		[BLOCK_OP_FLUSH] = "flushing",
	};
	struct err *e = NULL;

	if (r->op == BLOCK_OP_FLUSH)
		err_sys(&e, -r->result, "flushing '%s'", q->b->filename);
	else
		err_sys(&e, -r->result, "%s '%s' at offset %" PRIu64,
			verbs[r->op], q->b->filename, r->offset);
	return e;
}

static int reap_uring(struct block_aio *q, struct block_req **done, int max)
{
	struct io_uring_cqe *cqe;
	int n = 0;

	while (n < max && io_uring_peek_cqe(&q->ring, &cqe) == 0) {
		struct block_req *r = io_uring_cqe_get_data(cqe);

		r->result = finish_short(q, r, cqe->res);
		io_uring_cqe_seen(&q->ring, cqe);
		if (r->result < 0)
			keep_error(q, r, uring_error(q, r), false);
		done[n++] = r;
	}
	return n;
}

int block_aio_reap(struct block_aio *q, struct block_req **done, int max)
{
	uint64_t v;
	int n = 0;

	while (read(q->efd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	if (q->uring)
		n = reap_uring(q, done, max);
	pthread_mutex_lock(&q->mu);
	while (n < max && q->done) {
		done[n++] = q->done;
		q->done = q->done->next_;
		if (!q->done)
			q->done_tail = &q->done;
	}
	bool more = q->done != NULL;
	pthread_mutex_unlock(&q->mu);
	if (q->uring && io_uring_cq_ready(&q->ring) > 0)
		more = true;
	if (more)
		signal_efd(q);
	q->inflight -= (unsigned)n;
	return n;
}

void block_aio_wait(struct block_aio *q)
{
	struct pollfd p = {.fd = q->efd, .events = POLLIN};

	if (q->inflight == 0)
		return;
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}
