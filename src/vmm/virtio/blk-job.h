/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What virtio-blk (blk.c) gives block jobs (vmm/blockjob.h,
 * vmm/api-blockjob.c). The loop's thread calls these.
 */
#ifndef NIDO_VMM_VIRTIO_BLK_JOB_H
#define NIDO_VMM_VIRTIO_BLK_JOB_H

#include "block/block.h"
#include "lib/err.h"

struct virtio_dev;
struct bjob_gate;

/* The disk's image (borrowed) and *@gate, or NULL when @d is no
 * writable virtio-blk with an event loop. */
struct block *virtio_blk_image(struct virtio_dev *d, struct bjob_gate **gate);

/* Holds the device's lock, every request in flight completed: no
 * request runs or starts until virtio_blk_resume(). */
void virtio_blk_quiesce(struct virtio_dev *d);
void virtio_blk_resume(struct virtio_dev *d);

/* Quiesced: @top (taken) is the disk's image; the old one is closed
 * with what is still below it. Returns 0 or -errno (nothing changed). */
int virtio_blk_set_image(struct virtio_dev *d, struct block *top,
			 struct err **e);

#endif
