// SPDX-License-Identifier: GPL-2.0-or-later
/* Split virtqueues, device side, with every guest value checked. */
#include "vmm/virtio/queue.h"

#include <errno.h>
#include <stdatomic.h>

#include "lib/util.h"

static uint64_t avail_size(uint16_t num)
{
	return 6 + 2ULL * num;
}

static uint64_t used_size(uint16_t num)
{
	return 6 + 8ULL * num;
}

void vq_reset(struct vq *q)
{
	*q = (struct vq){0};
}

int vq_enable(struct vq *q, const struct guest_mem *mem, uint16_t max)
{
	uint16_t n = q->num;

	if (n == 0 || n > max || (n & (n - 1)) != 0)
		return -EINVAL;
	if (!IS_ALIGNED(q->desc_gpa, 16) || !IS_ALIGNED(q->avail_gpa, 2) ||
	    !IS_ALIGNED(q->used_gpa, 4))
		return -EINVAL;
	q->desc = mem_ptr(mem, q->desc_gpa, 16ULL * n);
	q->avail = mem_ptr(mem, q->avail_gpa, avail_size(n));
	q->used = mem_ptr(mem, q->used_gpa, used_size(n));
	if (!q->desc || !q->avail || !q->used) {
		q->desc = NULL;
		q->avail = q->used = NULL;
		return -EINVAL;
	}
	q->mem = mem;
	q->last_avail = 0;
	q->used_idx = 0;
	q->broken = 0;
	q->ready = 1;
	return 0;
}

static int broken(struct vq *q, const char *why)
{
	q->broken = 1;
	q->broken_why = why;
	return -EINVAL;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* A buffer must be guest RAM and must not cover the queue's rings. */
static int buffer_ok(const struct vq *q, uint64_t gpa, uint32_t len)
{
	if (!mem_ptr(q->mem, gpa, len))
		return 0;
	return !overlaps(gpa, len, q->desc_gpa, 16ULL * q->num) &&
	       !overlaps(gpa, len, q->avail_gpa, avail_size(q->num)) &&
	       !overlaps(gpa, len, q->used_gpa, used_size(q->num));
}

static int add_buffer(struct vq *q, struct vq_req *r, struct vring_desc d)
{
	int writable = (d.flags & VRING_DESC_F_WRITE) != 0;
	unsigned n = r->n_out + r->n_in;

	if (d.flags & VRING_DESC_F_INDIRECT)
		return broken(q, "indirect descriptor (not negotiated)");
	if (!writable && r->n_in)
		return broken(q, "readable buffer after a writable one");
	if (n == VQ_MAX_CHAIN)
		return broken(q, "chain has too many buffers");
	if (!buffer_ok(q, d.addr, d.len))
		return broken(q, "buffer outside guest memory or on a ring");
	r->iov[n].iov_base = mem_ptr(q->mem, d.addr, d.len);
	r->iov[n].iov_len = d.len;
	if (writable) {
		r->n_in++;
		r->in_len += d.len;
	} else {
		r->n_out++;
		r->out_len += d.len;
	}
	return 0;
}

int vq_pop(struct vq *q, struct vq_req *r)
{
	uint16_t avail_idx, idx;
	unsigned steps = 0;

	if (!q->ready || q->broken)
		return q->broken ? -EINVAL : 0;
	avail_idx = atomic_load_explicit((_Atomic uint16_t *)&q->avail[1],
					 memory_order_acquire);
	if (avail_idx == q->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - q->last_avail) > q->num)
		return broken(q, "available index ran ahead of the ring");
	r->head = q->avail[2 + q->last_avail % q->num];
	r->n_out = r->n_in = 0;
	r->out_len = r->in_len = 0;
	if (r->head >= q->num)
		return broken(q, "head index outside the ring");
	idx = r->head;
	for (;;) {
		struct vring_desc d = q->desc[idx];

		if (++steps > q->num)
			return broken(q, "descriptor chain loops");
		if (add_buffer(q, r, d) < 0)
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (d.next >= q->num)
			return broken(q, "next index outside the ring");
		idx = d.next;
	}
	q->last_avail++;
	return 1;
}

void vq_push(struct vq *q, uint16_t head, uint32_t written)
{
	struct vring_used_elem *ring = (struct vring_used_elem *)(q->used + 2);

	if (!q->ready || q->broken)
		return;
	ring[q->used_idx % q->num] = (struct vring_used_elem){head, written};
	q->used_idx++;
	atomic_store_explicit((_Atomic uint16_t *)&q->used[1], q->used_idx,
			      memory_order_release);
}

int vq_should_notify(struct vq *q)
{
	/* The used index must be visible before we read the flags. */
	atomic_thread_fence(memory_order_seq_cst);
	return !(q->avail[0] & VRING_AVAIL_F_NO_INTERRUPT);
}

static size_t iov_copy(const struct iovec *iov, unsigned n, uint64_t off,
		       void *buf, size_t len, int to_iov)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = MIN(iov[i].iov_len - off, len - done);
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + off,
			       (const uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done,
			       (uint8_t *)iov[i].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t vq_req_read(const struct vq_req *r, uint64_t off, void *dst, size_t len)
{
	return iov_copy(r->iov, r->n_out, off, dst, len, 0);
}

size_t vq_req_write(const struct vq_req *r, uint64_t off, const void *src,
		    size_t len)
{
	return iov_copy(r->iov + r->n_out, r->n_in, off, (void *)src, len, 1);
}
