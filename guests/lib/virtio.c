// SPDX-License-Identifier: GPL-2.0-or-later
/* The tiny guests' virtio-mmio driver. */
#include "virtio.h"

/*
 * Ring memory: per device slot and queue, a page of descriptors and a
 * page for the rings (re-used when a device is initialised again).
 */
static uint8_t ring_pool[17][GVQ_MAX][2][4096] __attribute__((aligned(4096)));

uintptr_t virtio_find(uint32_t device_id, unsigned nth)
{
	for (unsigned slot = 1; slot <= 16; slot++) {
		uintptr_t base = MMIO_BASE + slot * MMIO_SLOT;

		if (mmio_read32(base + VIO_MAGIC) != 0x74726976 ||
		    mmio_read32(base + VIO_DEVICE_ID) != device_id)
			continue;
		if (nth-- == 0)
			return base;
	}
	return 0;
}

static int setup_queue(struct gvdev *d, unsigned qi)
{
	struct gvq *q = &d->q[qi];
	uint8_t(*mem)[4096];
	uint32_t max;

	unsigned slot = (unsigned)((d->base - MMIO_BASE) / MMIO_SLOT);

	if (slot > 16 || qi >= GVQ_MAX)
		return -1;
	mem = ring_pool[slot][qi];
	vio_write(d, VIO_QUEUE_SEL, qi);
	max = vio_read(d, VIO_QUEUE_NUM_MAX);
	if (max == 0)
		return -1;
	q->index = qi;
	q->num = (uint16_t)(max < GVQ_SIZE ? max : GVQ_SIZE);
	q->desc = (struct gdesc *)(void *)mem[0];
	q->avail = (volatile uint16_t *)(void *)mem[1];
	q->used = (volatile uint16_t *)(void *)(mem[1] + 2048);
	memset(mem, 0, 2 * 4096);
	vio_write(d, VIO_QUEUE_NUM, q->num);
	vio_write(d, VIO_QUEUE_DESC_LO, (uint32_t)(uintptr_t)q->desc);
	vio_write(d, VIO_QUEUE_DESC_HI, 0);
	vio_write(d, VIO_QUEUE_AVAIL_LO, (uint32_t)(uintptr_t)q->avail);
	vio_write(d, VIO_QUEUE_AVAIL_HI, 0);
	vio_write(d, VIO_QUEUE_USED_LO, (uint32_t)(uintptr_t)q->used);
	vio_write(d, VIO_QUEUE_USED_HI, 0);
	vio_write(d, VIO_QUEUE_READY, 1);
	return vio_read(d, VIO_QUEUE_READY) == 1 ? 0 : -1;
}

int virtio_init(struct gvdev *d, uintptr_t base, uint64_t features,
		unsigned n_queues)
{
	uint64_t offered;

	memset(d, 0, sizeof(*d));
	d->base = base;
	if (vio_read(d, VIO_MAGIC) != 0x74726976 ||
	    vio_read(d, VIO_VERSION) != 2)
		return -1;
	d->device_id = vio_read(d, VIO_DEVICE_ID);
	vio_write(d, VIO_STATUS, 0);
	vio_write(d, VIO_STATUS, VIO_S_ACK);
	vio_write(d, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER);
	vio_write(d, VIO_DEV_FEAT_SEL, 1);
	offered = (uint64_t)vio_read(d, VIO_DEV_FEATURES) << 32;
	vio_write(d, VIO_DEV_FEAT_SEL, 0);
	offered |= vio_read(d, VIO_DEV_FEATURES);
	features |= VIO_F_VERSION_1;
	if ((offered & features) != features)
		return -2;
	d->features = features;
	vio_write(d, VIO_DRV_FEAT_SEL, 1);
	vio_write(d, VIO_DRV_FEATURES, (uint32_t)(features >> 32));
	vio_write(d, VIO_DRV_FEAT_SEL, 0);
	vio_write(d, VIO_DRV_FEATURES, (uint32_t)features);
	vio_write(d, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK);
	if (!(vio_read(d, VIO_STATUS) & VIO_S_FEATURES_OK))
		return -3;
	for (unsigned i = 0; i < n_queues; i++) {
		if (setup_queue(d, i) < 0)
			return -4;
	}
	vio_write(d, VIO_STATUS,
		  VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK |
			  VIO_S_DRIVER_OK);
	return 0;
}

int virtio_submit(struct gvdev *d, unsigned qi, const struct gbuf *bufs,
		  unsigned n)
{
	struct gvq *q = &d->q[qi];
	uint16_t head = 0;

	/* One request in flight: it always starts at descriptor 0. */
	for (unsigned i = 0; i < n; i++) {
		q->desc[i].addr = (uint64_t)(uintptr_t)bufs[i].addr;
		q->desc[i].len = bufs[i].len;
		q->desc[i].flags =
			(uint16_t)((bufs[i].write ? VDESC_F_WRITE : 0) |
				   (i + 1 < n ? VDESC_F_NEXT : 0));
		q->desc[i].next = (uint16_t)(i + 1);
	}
	q->avail[2 + q->avail_idx % q->num] = head;
	barrier();
	q->avail_idx++;
	q->avail[1] = q->avail_idx;
	barrier();
	vio_write(d, VIO_QUEUE_NOTIFY, qi);
	return head;
}

int virtio_wait(struct gvdev *d, unsigned qi, uint32_t *len,
		unsigned long spins)
{
	struct gvq *q = &d->q[qi];

	while (q->used[1] == q->used_seen) {
		if (spins-- == 0)
			return -1;
		__asm__ volatile("pause");
	}
	barrier();
	if (len) {
		const volatile uint32_t *elem =
			(const volatile uint32_t *)(const volatile void
							    *)(q->used + 2);

		*len = elem[2 * (q->used_seen % q->num) + 1];
	}
	q->used_seen++;
	vio_write(d, VIO_INT_ACK, vio_read(d, VIO_INT_STATUS));
	return 0;
}
