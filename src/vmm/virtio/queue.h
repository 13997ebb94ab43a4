/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Split virtqueues (virtio 1.x, 2.7): the device side. Everything the
 * guest wrote is checked before use: ring addresses and sizes when the
 * queue is enabled, and for each request the head index, every next
 * index, loops (a chain longer than the queue), each buffer's range in
 * guest memory, buffers overlapping the rings, device-readable buffers
 * after device-writable ones, and total lengths. A violation marks the
 * queue broken (vq->broken, with a reason); it never crashes the VMM.
 */
#ifndef NIDO_VMM_VIRTIO_QUEUE_H
#define NIDO_VMM_VIRTIO_QUEUE_H

#include <stdint.h>
#include <sys/uio.h>

#include "vmm/memory.h"

#define VQ_MAX_SIZE  1024
#define VQ_MAX_CHAIN 256 /* buffers in one request we accept */

#define VRING_DESC_F_NEXT	   1
#define VRING_DESC_F_WRITE	   2
#define VRING_DESC_F_INDIRECT	   4
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vq {
	/* Set by the driver through the transport. */
	uint16_t num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	int ready;

	/* Device state once ready. */
	const struct guest_mem *mem;
	struct vring_desc *desc;
	uint16_t *avail; /* flags, idx, ring[num], used_event */
	uint16_t *used;	 /* flags, idx, then used elements */
	uint16_t last_avail;
	uint16_t used_idx;
	int broken;
	const char *broken_why;
};

/* One request: device-readable buffers first, then device-writable. */
struct vq_req {
	uint16_t head;
	unsigned n_out, n_in; /* readable (out) and writable (in) */
	struct iovec iov[VQ_MAX_CHAIN];
	uint64_t out_len, in_len; /* bytes of each kind */
};

/*
 * Checks the ring addresses of @q for @mem and makes it ready. Returns
 * 0, or -EINVAL when a ring is misaligned, has a bad size, or is outside
 * guest memory (the queue stays not ready).
 */
int vq_enable(struct vq *q, const struct guest_mem *mem, uint16_t max);

/* Back to the state after reset. */
void vq_reset(struct vq *q);

/*
 * Takes the next request off the available ring into @r. Returns 1 with
 * a request, 0 when there is none, -EINVAL when the guest's ring is bad
 * (the queue is then marked broken).
 */
int vq_pop(struct vq *q, struct vq_req *r);

/* Returns @head to the guest with @written bytes in its writable part. */
void vq_push(struct vq *q, uint16_t head, uint32_t written);

/* Whether the driver wants an interrupt now (no VIRTQ_AVAIL_F_NO_INTERRUPT). */
int vq_should_notify(struct vq *q);

/*
 * Copies from/to the request's buffers: @off is within the readable
 * (iov_from) or writable (iov_to) part. Return the bytes copied.
 */
size_t vq_req_read(const struct vq_req *r, uint64_t off, void *dst, size_t len);
size_t vq_req_write(const struct vq_req *r, uint64_t off, const void *src,
		    size_t len);

#endif
