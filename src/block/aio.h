/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Why an asynchronous request failed (block.h's block_aio): the message
 * the block layer made for it, and whether the image chain was found
 * corrupt. For a device that reports host I/O errors (nido-vmm's
 * virtio-blk: log, stats, an event for the control socket's clients).
 *
 * Kept beside block.h, which other work owns at the moment; these two
 * declarations belong with block_aio_reap() there.
 */
#ifndef NIDO_BLOCK_AIO_H
#define NIDO_BLOCK_AIO_H

#include <stdbool.h>

#include "block/block.h"

/*
 * Takes the error recorded for @r, reaped from @q with r->result < 0:
 * *@e gets the message (naming the image file and the cause; owned by
 * the caller from now on), *@corrupt whether the chain had been found
 * corrupt when @r failed (the thread that ran @r looked: the caller's
 * thread never waits for an image's lock). Returns 0, or -ENOENT when
 * none was recorded (then describe -r->result). An error not taken is
 * dropped when @r is submitted again or @q is freed. Same thread as
 * block_aio_reap().
 */
int block_aio_take_error(struct block_aio *q, struct block_req *r,
			 struct err **e, bool *corrupt);

/*
 * true once an image of @q's chain (the image or a backing file) has
 * been found corrupt: its metadata is inconsistent, reads of what it
 * maps and every write fail from then on (block.h). Any thread; takes
 * each image's lock, so it waits for a request running on the image.
 */
bool block_aio_corrupt(struct block_aio *q);

#endif
