/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small virtio-mmio driver for the tiny guests: find a device, walk the
 * 1.x initialisation (reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK,
 * queues, DRIVER_OK), submit one request at a time and poll for it.
 * Runs in ring 3: MMIO and the rings are mapped for user access.
 */
#ifndef NIDO_GUEST_VIRTIO_H
#define NIDO_GUEST_VIRTIO_H

#include "guest.h"

#define VIO_MAGIC	   0x000
#define VIO_VERSION	   0x004
#define VIO_DEVICE_ID	   0x008
#define VIO_DEV_FEATURES   0x010
#define VIO_DEV_FEAT_SEL   0x014
#define VIO_DRV_FEATURES   0x020
#define VIO_DRV_FEAT_SEL   0x024
#define VIO_QUEUE_SEL	   0x030
#define VIO_QUEUE_NUM_MAX  0x034
#define VIO_QUEUE_NUM	   0x038
#define VIO_QUEUE_READY	   0x044
#define VIO_QUEUE_NOTIFY   0x050
#define VIO_INT_STATUS	   0x060
#define VIO_INT_ACK	   0x064
#define VIO_STATUS	   0x070
#define VIO_QUEUE_DESC_LO  0x080
#define VIO_QUEUE_DESC_HI  0x084
#define VIO_QUEUE_AVAIL_LO 0x090
#define VIO_QUEUE_AVAIL_HI 0x094
#define VIO_QUEUE_USED_LO  0x0a0
#define VIO_QUEUE_USED_HI  0x0a4
#define VIO_CONFIG	   0x100

#define VIO_S_ACK	  1
#define VIO_S_DRIVER	  2
#define VIO_S_DRIVER_OK	  4
#define VIO_S_FEATURES_OK 8
#define VIO_S_NEEDS_RESET 64

#define VIO_F_VERSION_1 (1ULL << 32)
#define VDESC_F_NEXT	1
#define VDESC_F_WRITE	2

#define GVQ_SIZE 64
#define GVQ_MAX	 6 /* queues per device (a console with one channel) */

struct gdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct gvq {
	unsigned index;
	uint16_t num;
	struct gdesc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[] */
	volatile uint16_t *used;  /* flags, idx, {id, len}[] */
	uint16_t avail_idx, used_seen;
};

struct gvdev {
	uintptr_t base;
	uint32_t device_id;
	uint64_t features; /* negotiated */
	struct gvq q[GVQ_MAX];
};

/* A buffer of a request: @write when the device writes it. */
struct gbuf {
	void *addr;
	uint32_t len;
	int write;
};

/* Base address of the @nth device with @device_id, or 0. */
uintptr_t virtio_find(uint32_t device_id, unsigned nth);

/*
 * Initialises the device at @base with @features (VERSION_1 is added)
 * and @n_queues queues. Returns 0, or a negative step number on failure.
 */
int virtio_init(struct gvdev *d, uintptr_t base, uint64_t features,
		unsigned n_queues);

/* Posts the request @bufs[0..@n) on queue @qi and notifies. Returns head. */
int virtio_submit(struct gvdev *d, unsigned qi, const struct gbuf *bufs,
		  unsigned n);

/*
 * Polls queue @qi for a used buffer; *@len gets its length. Returns 0,
 * or -1 after @spins polls without one.
 */
int virtio_wait(struct gvdev *d, unsigned qi, uint32_t *len,
		unsigned long spins);

static inline uint32_t vio_read(const struct gvdev *d, unsigned off)
{
	return mmio_read32(d->base + off);
}

static inline void vio_write(const struct gvdev *d, unsigned off, uint32_t v)
{
	mmio_write32(d->base + off, v);
}

#endif
