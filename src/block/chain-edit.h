/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Changing an open chain in place, for block jobs (src/vmm/blockjob.c):
 * images taken out of a chain or put into it, and a writable handle on
 * an image the chain has open read-only.
 *
 * Threads: none of these take an image's lock. The caller makes sure
 * no request runs on the chain meanwhile (nido-vmm drains its disk),
 * except where a function says otherwise.
 */
#ifndef NIDO_BLOCK_CHAIN_EDIT_H
#define NIDO_BLOCK_CHAIN_EDIT_H

#include <stdbool.h>

#include "block/block.h"

/* The image @depth levels below @top (0: @top), or NULL. Borrowed. */
struct block *block_chain_nth(struct block *top, int depth);

/* The fd @b reads and writes its image through; borrowed. For a process
 * that must name the file to another (nido-vmm to nidod, which locks). */
int block_fd(struct block *b);

/* How many images @top's chain has (1: no backing file). */
int block_chain_len(struct block *top);

/*
 * Takes @b's backing image out of its chain: the caller owns what is
 * returned (NULL: none); @b then reads zeroes where it has no data.
 */
struct block *block_backing_detach(struct block *b);

/*
 * Makes @backing (owned by @b from now on; may be NULL) @b's backing
 * image in memory. @b must have none. Nothing is written: the name
 * recorded in the image is img_set_backing()'s.
 */
void block_backing_attach(struct block *b, struct block *backing);

/*
 * Opens @fd (taken: closed on failure too), a read-write open of the
 * file @ro has open, as a second handle on the same image: same format
 * and name, its backing file not opened (attach @ro's, borrowed, with
 * block_backing_attach() and take it back before closing). The file
 * must be @ro's (same device and inode) and open for writing.
 * @flags: BLOCK_OPEN_LOCKED when the caller holds the locks on @fd.
 * Safe while requests run on @ro's chain: nothing of @ro is touched.
 * Returns 0 with *@out the caller's, or -errno with @e naming the image.
 */
int block_open_writable(struct block *ro, int fd, unsigned flags,
			struct block **out, struct err **e);

/*
 * Drops (@refuse false) or takes back the locks by which the open file
 * description of @fd, a read-only image, refuses writers (lock.c); an
 * image open read-write (the one under an external snapshot's overlay)
 * also lets go of, and takes back, its own write and resize. nidod
 * lets a block job's base be written this way: the guest's read-only
 * open of it stops refusing, the writable open then takes its own locks
 * and so still meets every other process's refusal. Returns 0 or -errno.
 */
int block_lock_refuse_fd(int fd, bool refuse);

/* Takes a writer's locks on @fd, the image at @path open read-write, as
 * block_open() would (-EAGAIN with @e when another process reads or
 * writes it). Returns 0 or -errno. */
int block_lock_writer_fd(int fd, const char *path, struct err **e);

#endif
