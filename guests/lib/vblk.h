/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-blk requests for the guests that drive a disk (blk, blkload,
 * blkerr): one request at a time on queue 0. */
#ifndef NIDO_GUEST_VBLK_H
#define NIDO_GUEST_VBLK_H

#include "virtio.h"

#define VBLK_T_IN	    0
#define VBLK_T_OUT	    1
#define VBLK_T_FLUSH	    4
#define VBLK_T_GET_ID	    8
#define VBLK_T_DISCARD	    11
#define VBLK_T_WRITE_ZEROES 13

/*
 * One request of @type at @sector: the header, @len bytes of @buf (none
 * when @len is 0; the device writes them when @device_writes), the
 * status byte. Waits up to @timeout_ns (virtio_wait). Returns the status
 * the device wrote, or -1 when it did not answer.
 */
int vblk_request(struct gvdev *d, uint32_t type, uint64_t sector, void *buf,
		 uint32_t len, int device_writes, unsigned long timeout_ns);

#endif
