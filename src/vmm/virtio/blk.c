// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-blk (5.2) on src/block: the device only calls block_*(), never
 * a format. Reads, writes, flush, discard, write-zeroes and the serial
 * number (GET_ID); read-only disks refuse writes. Reads, writes and
 * flushes go through the block layer's asynchronous interface, up to
 * BLK_DEPTH at a time, completing in the event loop; the rest (GET_ID,
 * discard, write-zeroes, refused requests) complete at once.
 *
 * With limits (<iotune>, vmm/throttle.h) reads and writes start only as
 * fast as the limits allow: the request at the head of the queue waits,
 * and the ones behind it with it, until a timer says it may go.
 *
 * A host I/O error (the image file failed, or its qcow2 metadata was
 * found corrupt) fails the guest's request, as libvirt's default
 * error_policy='report' does, and is reported: counted per operation
 * (virtio_blk_stats(), the control socket's stats), logged once per
 * disk, operation and kind (corrupt or not), and sent as an "io-error"
 * event to the control socket's subscribers (at most one per disk and
 * operation a second). Errors of the guest's own making (a request
 * beyond the end, a write to a read-only disk) are only counted in the
 * device's "errors".
 *
 * Block jobs (vmm/blockjob.h) copy the disk's clusters on a thread of
 * their own. Every request that changes the disk passes the job gate
 * before it starts (its range: a write's sectors; a discard or
 * write-zeroes, the whole disk) and leaves it when it completes; a
 * request the gate refuses (the job copies that range now) waits at the
 * head of the queue, as a throttled one does, until the job wakes the
 * device through gate_fd.
 */
#include <errno.h>
#include <json-c/json.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include "block/aio.h"
#include "block/block.h"
#include "block/image.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "vmm/api.h"
#include "vmm/blockjob.h"
#include "vmm/virtio/blk-job.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/host.h"
#include "vmm/vm.h"
#include "vmm/vmconfig.h"

#define SECTOR 512ULL

#define BLK_F_SEG_MAX	   (1ULL << 2)
#define BLK_F_RO	   (1ULL << 5)
#define BLK_F_BLK_SIZE	   (1ULL << 6)
#define BLK_F_FLUSH	   (1ULL << 9)
#define BLK_F_DISCARD	   (1ULL << 13)
#define BLK_F_WRITE_ZEROES (1ULL << 14)

#define BLK_T_IN	   0
#define BLK_T_OUT	   1
#define BLK_T_FLUSH	   4
#define BLK_T_GET_ID	   8
#define BLK_T_DISCARD	   11
#define BLK_T_WRITE_ZEROES 13

#define BLK_S_OK     0
#define BLK_S_IOERR  1
#define BLK_S_UNSUPP 2

#define BLK_ID_BYTES	      20
#define BLK_MAX_SEGS	      (VQ_MAX_CHAIN - 2)
#define BLK_MAX_RANGES	      16
#define BLK_MAX_RANGE_SECTORS (1U << 22)    /* 2 GiB per discard range */
#define BLK_DEPTH	      64	    /* requests in flight */
#define BLK_N_OPS	      5		    /* enum block_op */
#define BLK_EVENT_GAP_NS      1000000000ULL /* between io-error events */

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_range {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

/* The configuration space, as far as we fill it (5.2.4). */
struct blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint32_t geometry;
	uint32_t blk_size;
	uint8_t topology[8];
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

_Static_assert(sizeof(struct blk_config) == 60, "virtio-blk config");

/* A request in flight: its chain, its data buffers, the block request. */
struct blk_slot {
	struct block_req breq;
	struct vq_req vr;
	struct iovec data[VQ_MAX_CHAIN];
	uint64_t len;
	int is_read;
	int in_use;
};

struct blk {
	struct block *disk;
	int readonly;
	unsigned index; /* the disk's place in the configuration */
	char *image;	/* the path it was opened with */
	char id[BLK_ID_BYTES];
	/* Host I/O errors, by enum block_op; any thread. */
	_Atomic uint64_t host_errors[BLK_N_OPS];
	atomic_bool corrupt;
	atomic_uint logged;			/* bit 2*op+corrupt: logged */
	_Atomic uint64_t last_event[BLK_N_OPS]; /* vm_now_ns() */
	struct blk_config config;
	struct block_aio *aio;
	struct loop_source *aio_src;
	struct blk_slot slots[BLK_DEPTH];
	struct throttle thr;
	struct blk_slot *held; /* popped, waiting for the throttle or gate */
	int thr_fd;	       /* timerfd that ends the wait; -1: none */
	struct loop_source *thr_src;
	struct bjob_gate *gate; /* block jobs against guest writes */
	int gate_fd;		/* eventfd: the job let a write go; -1 */
	struct loop_source *gate_src;
};

/* The data part of a request: @skip bytes into @iov, @len bytes. */
static int iov_slice(const struct iovec *iov, unsigned n, uint64_t skip,
		     uint64_t len, struct iovec *out)
{
	int k = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint64_t take;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		take = MIN(iov[i].iov_len - skip, len);
		out[k].iov_base = (uint8_t *)iov[i].iov_base + skip;
		out[k].iov_len = take;
		k++;
		len -= take;
		skip = 0;
	}
	return k;
}

static int in_range(const struct blk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t cap = b->config.capacity;

	return sector <= cap && bytes / SECTOR <= cap - sector &&
	       bytes % SECTOR == 0;
}

/*
 * Checks a read or write and fills @s with its data buffers, offset and
 * length. Returns BLK_S_OK, or the status to complete it with at once.
 */
static uint8_t prep_rw(struct blk *b, struct blk_slot *s,
		       const struct blk_hdr *h)
{
	const struct vq_req *r = &s->vr;
	int n;

	s->is_read = h->type == BLK_T_IN;
	if (s->is_read) {
		s->len = r->in_len - 1; /* the last byte is the status */
		n = iov_slice(r->iov + r->n_out, r->n_in, 0, s->len, s->data);
	} else {
		s->len = r->out_len - sizeof(*h);
		n = iov_slice(r->iov, r->n_out, sizeof(*h), s->len, s->data);
	}
	if (!in_range(b, h->sector, s->len) || (!s->is_read && b->readonly))
		return BLK_S_IOERR;
	s->breq = (struct block_req){
		.op = s->is_read ? BLOCK_OP_READ : BLOCK_OP_WRITE,
		.offset = h->sector * SECTOR,
		.iov = s->data,
		.iovcnt = n,
		.opaque = s,
	};
	return BLK_S_OK;
}

static const char *const op_names[BLK_N_OPS] = {
	[BLOCK_OP_READ] = "read",
	[BLOCK_OP_WRITE] = "write",
	[BLOCK_OP_FLUSH] = "flush",
	[BLOCK_OP_DISCARD] = "discard",
	[BLOCK_OP_WRITE_ZEROES] = "write-zeroes",
};

/* The "io-error" event (docs/vmm-api.md) to the control socket. */
static void send_event(struct virtio_dev *d, enum block_op op, int code,
		       const char *msg, bool corrupt)
{
	struct blk *b = d->priv;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string("io-error"));
	json_object_object_add(o, "disk", json_object_new_int((int)b->index));
	json_object_object_add(o, "serial", json_object_new_string(b->id));
	json_object_object_add(o, "image", json_object_new_string(b->image));
	json_object_object_add(o, "operation",
			       json_object_new_string(op_names[op]));
	json_object_object_add(o, "action", json_object_new_string("report"));
	json_object_object_add(o, "nospace",
			       json_object_new_boolean(code == ENOSPC));
	json_object_object_add(o, "corrupt", json_object_new_boolean(corrupt));
	json_object_object_add(o, "error", json_object_new_string(msg));
	api_emit(d->vm->api,
		 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/*
 * The host failed @op with -@code (@e: the block layer's message, or
 * NULL): count, log the first of its kind, tell the control socket.
 * Any thread.
 */
static void host_error(struct virtio_dev *d, enum block_op op, int code,
		       const struct err *e, bool corrupt)
{
	struct blk *b = d->priv;
	const char *msg = e ? err_msg(e) : strerror(code);
	unsigned kind = 1u << (2 * op + corrupt);
	uint64_t now = vm_now_ns(), last;

	atomic_fetch_add(&b->host_errors[op], 1);
	if (corrupt)
		atomic_store(&b->corrupt, true);
	if (!(atomic_fetch_or(&b->logged, kind) & kind))
		log_warn("disk %u (serial '%s', image '%s'): %s error: %s",
			 b->index, b->id, b->image, op_names[op], msg);
	last = atomic_load(&b->last_event[op]);
	if (last && now - last < BLK_EVENT_GAP_NS)
		return;
	if (atomic_compare_exchange_strong(&b->last_event[op], &last, now))
		send_event(d, op, code, msg, corrupt);
}

/* DISCARD and WRITE_ZEROES: ranges in the readable part after the header. */
static uint8_t do_ranges(struct virtio_dev *d, const struct vq_req *r,
			 const struct blk_hdr *h)
{
	_cleanup_err_ struct err *e = NULL;
	struct blk *b = d->priv;
	uint64_t bytes = r->out_len - sizeof(*h);
	struct blk_range rg;

	if (b->readonly || bytes == 0 || bytes % sizeof(rg) ||
	    bytes / sizeof(rg) > BLK_MAX_RANGES)
		return BLK_S_IOERR;
	for (uint64_t off = sizeof(*h); off < r->out_len; off += sizeof(rg)) {
		uint64_t start, len;
		int rc;

		vq_req_read(r, off, &rg, sizeof(rg));
		len = (uint64_t)rg.num_sectors * SECTOR;
		if (rg.num_sectors > BLK_MAX_RANGE_SECTORS ||
		    !in_range(b, rg.sector, len))
			return BLK_S_IOERR;
		start = rg.sector * SECTOR;
		if (h->type == BLK_T_DISCARD)
			rc = block_discard(b->disk, start, len, &e);
		else
			rc = block_write_zeroes(
				b->disk, start, len,
				(rg.flags & 1) ? BLOCK_ZERO_MAY_UNMAP : 0, &e);
		if (rc < 0) {
			host_error(d,
				   h->type == BLK_T_DISCARD
					   ? BLOCK_OP_DISCARD
					   : BLOCK_OP_WRITE_ZEROES,
				   -rc, e, block_aio_corrupt(b->aio));
			return BLK_S_IOERR;
		}
	}
	return BLK_S_OK;
}

/* The requests that complete at once. */
static uint8_t do_request(struct virtio_dev *d, const struct vq_req *r,
			  uint32_t *written)
{
	struct blk *b = d->priv;
	struct blk_hdr h;

	if (r->out_len < sizeof(h) ||
	    vq_req_read(r, 0, &h, sizeof(h)) != sizeof(h))
		return BLK_S_IOERR;
	switch (h.type) {
	case BLK_T_GET_ID:
		if (r->in_len - 1 < BLK_ID_BYTES)
			return BLK_S_IOERR;
		*written += (uint32_t)vq_req_write(r, 0, b->id, BLK_ID_BYTES);
		return BLK_S_OK;
	case BLK_T_DISCARD:
	case BLK_T_WRITE_ZEROES:
		return do_ranges(d, r, &h);
	default:
		return BLK_S_UNSUPP;
	}
}

/* Writes the status byte, returns the chain to the guest, frees @s. */
static void finish(struct virtio_dev *d, struct vq *q, struct blk_slot *s,
		   uint8_t status, uint32_t written)
{
	if (status != BLK_S_OK)
		atomic_fetch_add(&d->stats.errors, 1);
	if (s->vr.in_len >= 1) {
		vq_req_write(&s->vr, s->vr.in_len - 1, &status, 1);
		written++;
	}
	atomic_fetch_add(&d->stats.requests, 1);
	vq_push(q, s->vr.head, written);
	s->in_use = 0;
	bjob_gate_end(((struct blk *)d->priv)->gate,
		      (unsigned)(s - ((struct blk *)d->priv)->slots));
}

/*
 * Starts the request in @s. Returns 1 when it is in flight, 0 when it
 * completed at once (finished).
 */
static int start(struct virtio_dev *d, struct vq *q, struct blk_slot *s)
{
	struct blk *b = d->priv;
	uint8_t status = BLK_S_IOERR;
	uint32_t written = 0;
	struct blk_hdr h;

	if (s->vr.in_len < 1 || s->vr.out_len < sizeof(h) ||
	    vq_req_read(&s->vr, 0, &h, sizeof(h)) != sizeof(h))
		goto done;
	if (h.type == BLK_T_IN || h.type == BLK_T_OUT) {
		status = prep_rw(b, s, &h);
		if (status != BLK_S_OK)
			goto done;
	} else if (h.type == BLK_T_FLUSH && !b->readonly) {
		s->breq = (struct block_req){.op = BLOCK_OP_FLUSH, .opaque = s};
		s->len = 0;
		s->is_read = 0;
	} else {
		status = h.type == BLK_T_FLUSH
				 ? BLK_S_OK
				 : do_request(d, &s->vr, &written);
		goto done;
	}
	if (block_aio_submit(b->aio, &s->breq) == 0)
		return 1;
	status = BLK_S_IOERR;
done:
	finish(d, q, s, status, written);
	return 0;
}

/* Completes what the block layer has done. Lock held. */
static int reap(struct virtio_dev *d, struct vq *q)
{
	struct blk *b = d->priv;
	struct block_req *done[BLK_DEPTH];
	int n = block_aio_reap(b->aio, done, BLK_DEPTH);

	for (int i = 0; i < n; i++) {
		struct blk_slot *s = done[i]->opaque;
		int ok = done[i]->result == 0;

		if (!ok) {
			_cleanup_err_ struct err *e = NULL;
			bool corrupt = false;

			block_aio_take_error(b->aio, done[i], &e, &corrupt);
			host_error(d, done[i]->op, -done[i]->result, e,
				   corrupt);
		}
		if (ok && s->is_read)
			atomic_fetch_add(&d->stats.bytes_written, s->len);
		else if (ok)
			atomic_fetch_add(&d->stats.bytes_read, s->len);
		finish(d, q, s, ok ? BLK_S_OK : BLK_S_IOERR,
		       ok && s->is_read ? (uint32_t)s->len : 0);
	}
	return n;
}

static struct blk_slot *free_slot(struct blk *b)
{
	for (unsigned i = 0; i < BLK_DEPTH; i++) {
		if (!b->slots[i].in_use)
			return &b->slots[i];
	}
	return NULL;
}

/*
 * Passes @s through the block job gate: true when it may start (a
 * request that changes the disk is then in flight for the gate until
 * finish()), false while a job copies the range it changes.
 */
static bool gate_enter(struct blk *b, struct blk_slot *s)
{
	uint64_t size = b->config.capacity * SECTOR, off = 0, len = 0;
	struct blk_hdr h;

	if (s->vr.out_len < sizeof(h) ||
	    vq_req_read(&s->vr, 0, &h, sizeof(h)) != sizeof(h))
		return true;
	if (h.type == BLK_T_OUT && h.sector < b->config.capacity) {
		off = h.sector * SECTOR;
		len = MIN((uint64_t)s->vr.out_len - sizeof(h), size - off);
	} else if (h.type == BLK_T_DISCARD || h.type == BLK_T_WRITE_ZEROES) {
		len = size;
	}
	return bjob_gate_begin(b->gate, (unsigned)(s - b->slots), off, len);
}

/*
 * May the request in @s start now? Not while a block job copies what it
 * changes (the job wakes us), nor, for a read or write, beyond the
 * limits: then the timer is set for when it may.
 */
static bool admitted(struct blk *b, struct blk_slot *s)
{
	struct blk_hdr h;
	uint64_t bytes, wait;
	struct itimerspec its = {0};

	if (!gate_enter(b, s))
		return false;
	if (b->thr_fd < 0 || s->vr.in_len < 1 || s->vr.out_len < sizeof(h) ||
	    vq_req_read(&s->vr, 0, &h, sizeof(h)) != sizeof(h) ||
	    (h.type != BLK_T_IN && h.type != BLK_T_OUT))
		return true;
	bytes = h.type == BLK_T_IN ? s->vr.in_len - 1
				   : s->vr.out_len - sizeof(h);
	wait = throttle_admit(&b->thr, h.type == BLK_T_OUT, bytes, vm_now_ns());
	if (!wait)
		return true;
	its.it_value.tv_sec = (time_t)(wait / 1000000000u);
	its.it_value.tv_nsec = (long)(wait % 1000000000u);
	timerfd_settime(b->thr_fd, 0, &its, NULL);
	return false;
}

/* Starts requests while there are free slots. Lock held. */
static void process(struct virtio_dev *d, struct vq *q)
{
	struct blk *b = d->priv;
	struct blk_slot *s;
	int n = 0, any = 0;

	if (b->held && admitted(b, b->held)) {
		s = b->held;
		b->held = NULL;
		any |= !start(d, q, s);
	}
	while (!b->held && (s = free_slot(b)) && (n = vq_pop(q, &s->vr)) > 0) {
		s->in_use = 1;
		if (!admitted(b, s)) {
			b->held = s;
			atomic_fetch_add(&d->stats.throttled, 1);
		} else if (!start(d, q, s))
			any = 1;
	}
	/* Without an event loop (tests, fuzzers) requests complete here. */
	while (!d->vm->loop && block_aio_inflight(b->aio)) {
		block_aio_wait(b->aio);
		any |= reap(d, q) > 0;
	}
	if (any)
		virtio_dev_notify_used(d, q);
	if (n < 0)
		virtio_dev_broken(d, q);
}

static void blk_notify(struct virtio_dev *d, unsigned qi)
{
	process(d, &d->vqs[qi]);
}

/* The block job let a write go: start what waited. */
static void on_gate(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct virtio_dev *d = opaque;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&d->lock);
	if (virtio_dev_running(d) && d->vqs[0].ready)
		process(d, &d->vqs[0]);
	pthread_mutex_unlock(&d->lock);
}

/* The gate's wake-up: any thread. */
static void gate_wake(void *opaque)
{
	struct blk *b = opaque;
	uint64_t one = 1;

	if (b->gate_fd >= 0 && write(b->gate_fd, &one, sizeof(one)) < 0)
		log_warn("disk %u: waking the device failed", b->index);
}

/* The throttle's wait is over: start what waited. */
static void on_throttle(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct virtio_dev *d = opaque;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0)
		return;
	pthread_mutex_lock(&d->lock);
	if (virtio_dev_running(d) && d->vqs[0].ready)
		process(d, &d->vqs[0]);
	pthread_mutex_unlock(&d->lock);
}

static void on_aio(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct virtio_dev *d = opaque;
	struct vq *q = &d->vqs[0];

	pthread_mutex_lock(&d->lock);
	if (reap(d, q) > 0)
		virtio_dev_notify_used(d, q);
	if (virtio_dev_running(d) && q->ready)
		process(d, q);
	pthread_mutex_unlock(&d->lock);
}

/* A reset waits for the requests in flight and drops their results. */
static void blk_reset(struct virtio_dev *d)
{
	struct blk *b = d->priv;
	struct block_req *done[BLK_DEPTH];

	while (block_aio_inflight(b->aio))
		block_aio_wait(b->aio);
	while (block_aio_reap(b->aio, done, BLK_DEPTH) > 0)
		;
	for (unsigned i = 0; i < BLK_DEPTH; i++) {
		b->slots[i].in_use = 0;
		bjob_gate_end(b->gate, i); /* a job must not wait for them */
	}
	b->held = NULL;
}

/*
 * Before a save: the request waiting for the throttle starts now, and
 * every request in flight completes, so none is left half done. The
 * vCPUs are paused: nothing new arrives meanwhile. Lock held.
 */
static void blk_drain(struct virtio_dev *d)
{
	struct blk *b = d->priv;
	struct vq *q = &d->vqs[0];
	int any = 0;

	if (b->held) {
		struct blk_slot *s = b->held;

		b->held = NULL;
		gate_enter(b, s); /* no job copies now: marks it dirty */
		any |= !start(d, q, s);
	}
	while (block_aio_inflight(b->aio)) {
		block_aio_wait(b->aio);
		any |= reap(d, q) > 0;
	}
	any |= reap(d, q) > 0;
	if (any)
		virtio_dev_notify_used(d, q);
}

static void blk_config_read(struct virtio_dev *d, uint64_t off, void *data,
			    unsigned len)
{
	struct blk *b = d->priv;

	if (off < sizeof(b->config) && len <= sizeof(b->config) - off)
		memcpy(data, (uint8_t *)&b->config + off, len);
}

static void blk_destroy(struct virtio_dev *d)
{
	struct blk *b = d->priv;

	if (b->aio_src)
		loop_source_del(d->vm->loop, b->aio_src);
	if (b->thr_src)
		loop_source_del(d->vm->loop, b->thr_src);
	if (b->gate_src)
		loop_source_del(d->vm->loop, b->gate_src);
	close_safe(b->thr_fd);
	close_safe(b->gate_fd);
	bjob_gate_free(b->gate);
	block_aio_free(b->aio);
	block_close(b->disk);
	free(b->image);
	free(b);
}

static uint64_t blk_features(const struct virtio_dev *d)
{
	const struct blk *b = d->priv;
	uint64_t f = BLK_F_SEG_MAX | BLK_F_BLK_SIZE | BLK_F_FLUSH;

	return f |
	       (b->readonly ? BLK_F_RO : BLK_F_DISCARD | BLK_F_WRITE_ZEROES);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.n_queues = 1,
	.queue_max = 256,
	.get_features = blk_features,
	.config_read = blk_config_read,
	.queue_notify = blk_notify,
	.reset = blk_reset,
	.drain = blk_drain,
	.destroy = blk_destroy,
};

static void blk_fill_config(struct blk *b)
{
	struct blk_config *c = &b->config;

	c->capacity = block_size(b->disk) / SECTOR;
	c->seg_max = BLK_MAX_SEGS;
	c->blk_size = SECTOR;
	c->num_queues = 1;
	c->max_discard_sectors = BLK_MAX_RANGE_SECTORS;
	c->max_discard_seg = BLK_MAX_RANGES;
	c->discard_sector_alignment = 8;
	c->max_write_zeroes_sectors = BLK_MAX_RANGE_SECTORS;
	c->max_write_zeroes_seg = BLK_MAX_RANGES;
	c->write_zeroes_may_unmap = 1;
}

struct virtio_dev *virtio_blk_create(struct vm *vm,
				     const struct config_disk *cfg,
				     unsigned index, struct err **e)
{
	static const char *const formats[] = {NULL, "raw", "qcow2"};
	struct blk *b = xcalloc(1, sizeof(*b));
	struct virtio_dev *d;
	int r;

	b->readonly = cfg->readonly;
	b->index = index;
	b->thr_fd = -1;
	b->gate_fd = -1;
	throttle_init(&b->thr, &cfg->iotune);
	/* The files host_open() took before the sandbox, parsed here,
	 * inside it; by path in tests without a host. */
	if (vm->cfg->host.disks[index].n) {
		r = block_open_from_chain(&vm->cfg->host.disks[index],
					  host_disk_flags(cfg), &b->disk, e);
		block_chain_clear(&vm->cfg->host.disks[index]);
	} else {
		r = block_open(cfg->path, formats[cfg->format],
			       host_disk_flags(cfg), &b->disk, e);
	}
	if (r < 0) {
		free(b);
		err_prefix(e, "disk %u", index);
		return NULL;
	}
	b->image = xstrdup(cfg->path);
	snprintf(b->id, sizeof(b->id), "%s", cfg->serial ? cfg->serial : "");
	if (!cfg->serial)
		snprintf(b->id, sizeof(b->id), "nido-disk%u", index);
	blk_fill_config(b);
	if (block_aio_new(b->disk, BLK_DEPTH, &b->aio, e) < 0) {
		block_close(b->disk);
		free(b->image);
		free(b);
		err_prefix(e, "disk %u", index);
		return NULL;
	}
	b->gate = bjob_gate_new(block_size(b->disk), BLK_DEPTH, gate_wake, b);
	d = virtio_dev_create(vm, &blk_ops, b, e);
	if (!d)
		return NULL; /* b was freed by the device's destroy */
	if (vm->loop) {
		b->aio_src = loop_fd_add(vm->loop, block_aio_fd(b->aio),
					 EPOLLIN, on_aio, d, e);
		if (!b->aio_src) {
			virtio_dev_destroy(d);
			return NULL;
		}
	}
	/* Block jobs need the loop (tests run without). */
	if (vm->loop && !b->readonly) {
		b->gate_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (b->gate_fd < 0) {
			err_sys(e, errno, "disk %u: eventfd", index);
			virtio_dev_destroy(d);
			return NULL;
		}
		b->gate_src = loop_fd_add(vm->loop, b->gate_fd, EPOLLIN,
					  on_gate, d, e);
		if (!b->gate_src) {
			virtio_dev_destroy(d);
			return NULL;
		}
	}
	/* Throttling needs the loop for its timer (tests run without). */
	if (vm->loop && throttle_enabled(&b->thr)) {
		b->thr_fd = timerfd_create(CLOCK_MONOTONIC,
					   TFD_NONBLOCK | TFD_CLOEXEC);
		if (b->thr_fd < 0) {
			err_sys(e, errno, "disk %u: timerfd", index);
			virtio_dev_destroy(d);
			return NULL;
		}
		b->thr_src = loop_fd_add(vm->loop, b->thr_fd, EPOLLIN,
					 on_throttle, d, e);
		if (!b->thr_src) {
			virtio_dev_destroy(d);
			return NULL;
		}
	}
	return d;
}

bool virtio_blk_stats(const struct virtio_dev *d, struct virtio_blk_stats *st)
{
	const struct blk *b = d->priv;

	if (d->ops != &blk_ops)
		return false;
	st->index = b->index;
	st->serial = b->id;
	st->image = b->image;
	st->read_errors = atomic_load(&b->host_errors[BLOCK_OP_READ]);
	st->write_errors = atomic_load(&b->host_errors[BLOCK_OP_WRITE]);
	st->flush_errors = atomic_load(&b->host_errors[BLOCK_OP_FLUSH]);
	st->discard_errors = atomic_load(&b->host_errors[BLOCK_OP_DISCARD]);
	st->write_zeroes_errors =
		atomic_load(&b->host_errors[BLOCK_OP_WRITE_ZEROES]);
	st->corrupt = atomic_load(&b->corrupt);
	return true;
}

/* @d's disk when it is one the guest writes; NULL with @e otherwise. */
static struct blk *writable_disk(struct virtio_dev *d, struct err **e)
{
	struct blk *b = d->priv;

	if (d->ops != &blk_ops)
		err_set(e, EINVAL, "not a disk");
	else if (b->readonly)
		err_set(e, EROFS, "disk %u is read-only", b->index);
	else if (bjob_gate_has_job(b->gate))
		err_set(e, EBUSY, "disk %u has a block job", b->index);
	else
		return b;
	return NULL;
}

int virtio_blk_snapshot(struct virtio_dev *d, enum img_snapshot_op op,
			const char *tag, struct err **e)
{
	struct blk *b = writable_disk(d, e);
	int r;

	if (!b)
		return err_code(*e);
	pthread_mutex_lock(&d->lock);
	blk_drain(d);
	r = img_snapshot(b->disk, op, tag, e);
	if (r == 0)
		r = block_flush(b->disk, e);
	pthread_mutex_unlock(&d->lock);
	return r < 0 ? err_prefix(e, "disk %u ('%s')", b->index, b->image) : 0;
}

/* Makes @disk the device's image, with a new aio context; the old
 * context goes (the old image is the caller's). Lock held, drained. */
static int use_disk(struct virtio_dev *d, struct block *disk, const char *path,
		    struct err **e)
{
	struct blk *b = d->priv;
	struct block_aio *aio = NULL;
	struct loop_source *src = NULL;

	if (block_aio_new(disk, BLK_DEPTH, &aio, e) < 0)
		return -EIO;
	if (d->vm->loop && !(src = loop_fd_add(d->vm->loop, block_aio_fd(aio),
					       EPOLLIN, on_aio, d, e))) {
		block_aio_free(aio);
		return -EIO;
	}
	if (b->aio_src)
		loop_source_del(d->vm->loop, b->aio_src);
	block_aio_free(b->aio);
	b->aio = aio;
	b->aio_src = src;
	b->disk = disk;
	free(b->image);
	b->image = xstrdup(path);
	return 0;
}

int virtio_blk_switch(struct virtio_dev *d, int fd, const char *path,
		      struct err **e)
{
	struct blk *b = writable_disk(d, e);
	struct block *top = NULL;
	int r;

	if (!b)
		return err_code(*e);
	pthread_mutex_lock(&d->lock);
	blk_drain(d);
	/*
	 * the image below is the snapshot's from now on: what the guest
	 * wrote and the tables kept in memory reach its file first, as
	 * others read it there (a commit into it later opens it afresh,
	 * a clone of the snapshot, a backup)
	 */
	r = block_flush(b->disk, e);
	/* nidod opened and locked it (the sandbox refuses locking) */
	if (r == 0)
		r = block_open_over(fd, path, b->disk,
				    BLOCK_OPEN_RDWR | BLOCK_OPEN_LOCKED, &top,
				    e);
	if (r == 0 && (r = use_disk(d, top, path, e)) < 0)
		block_close_over(top); /* b->disk stays */
	pthread_mutex_unlock(&d->lock);
	return r < 0 ? err_prefix(e, "disk %u ('%s')", b->index, b->image) : 0;
}

void virtio_blk_unswitch(struct virtio_dev *d)
{
	struct blk *b = d->priv;
	struct block *top = b->disk, *below = block_backing(top);
	_cleanup_err_ struct err *e = NULL;

	pthread_mutex_lock(&d->lock);
	blk_drain(d);
	if (use_disk(d, below, block_filename(below), &e) < 0)
		log_warn("disk %u stays on '%s': %s", b->index,
			 block_filename(top), err_msg(e));
	else
		block_close_over(top);
	pthread_mutex_unlock(&d->lock);
}

/* ---- block jobs (blk-job.h) ---- */

struct block *virtio_blk_image(struct virtio_dev *d, struct bjob_gate **gate)
{
	struct blk *b = d->priv;

	if (d->ops != &blk_ops || b->gate_fd < 0)
		return NULL;
	*gate = b->gate;
	return b->disk;
}

void virtio_blk_quiesce(struct virtio_dev *d)
{
	pthread_mutex_lock(&d->lock);
	blk_drain(d);
}

void virtio_blk_resume(struct virtio_dev *d)
{
	if (virtio_dev_running(d) && d->vqs[0].ready)
		process(d, &d->vqs[0]);
	pthread_mutex_unlock(&d->lock);
}

int virtio_blk_set_image(struct virtio_dev *d, struct block *top,
			 struct err **e)
{
	struct blk *b = d->priv;
	struct block *old = b->disk;

	if (use_disk(d, top, block_filename(top), e) < 0)
		return err_prefix(e, "disk %u", b->index);
	block_close(old); /* the old image and what is left below it */
	return 0;
}
