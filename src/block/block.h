/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The block layer: a virtual disk behind one handle, whatever its format
 * (raw, qcow2) and however deep its chain of backing files. The VMM's
 * virtio-blk and `nido img` both sit on this; neither knows the format.
 *
 * Ownership and threads
 * - block_open() returns a handle owned by the caller; block_close()
 *   frees it, its backing chain and its fds. Backing images are owned by
 *   the image above them; block_backing() only borrows.
 * - Every function on one handle may be called from any thread: each
 *   image serialises its metadata under its own lock. Data buffers are
 *   borrowed for the duration of the call (for asynchronous requests:
 *   until the request completes).
 * - Offsets and lengths are in bytes of the virtual disk. Requests need
 *   no alignment; a request beyond the end of the disk fails with
 *   -EINVAL (reads and writes) and is not partially done.
 *
 * Errors: functions return 0 (or a count) or a negative errno, and fill
 * @e (may be NULL) with a message naming the image file and the cause.
 * A corrupt image fails the request with -EIO and refuses later writes;
 * when it is open read-write it is also marked corrupt on disk (qcow2
 * v3's corrupt bit). A read-only open never writes the image.
 */
#ifndef NIDO_BLOCK_BLOCK_H
#define NIDO_BLOCK_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/err.h"

struct block;

/* Flags of block_open(). */
enum {
	BLOCK_OPEN_RDWR = 1u << 0,	 /* default: read-only */
	BLOCK_OPEN_NO_BACKING = 1u << 1, /* do not open backing files */
	/*
	 * Open an image whose dirty or corrupt bit is set, or with metadata
	 * inconsistencies, for check and repair (`nido img check -r`).
	 */
	BLOCK_OPEN_CHECK = 1u << 2,
	BLOCK_OPEN_UNSAFE = 1u << 3, /* ignore a missing backing file */
	/*
	 * Flushes write metadata in order but do not wait for the disk
	 * (qemu's cache=unsafe): for filling a new image that is useless
	 * after a crash anyway, like `convert` does by default.
	 */
	BLOCK_OPEN_NO_FLUSH = 1u << 4,
	/*
	 * Let other processes write and resize the backing files, and the
	 * image itself when it is opened read-only (qemu's force-share,
	 * `-U`): what is read may change underneath.
	 */
	BLOCK_OPEN_SHARE_RW = 1u << 5,
	/*
	 * Let other processes write this image while we do (libvirt's
	 * <shareable/>, qemu's share-rw=on: a disk that a cluster file
	 * system shares between VMs). Raw images only; the image is not
	 * resized, and the backing files are not shared this way.
	 */
	BLOCK_OPEN_SHARE_WRITE = 1u << 6,
	/*
	 * Never guess a format from a file's content: the top image needs
	 * its format, and a backing file one recorded in the image naming
	 * it (or given by the resolver, chain.h). Guest disks.
	 */
	BLOCK_OPEN_NO_PROBE = 1u << 7,
	/*
	 * The top image's fd came with its locks: they are on its open file
	 * description already (taken by the process that opened it and
	 * passed it: a running nido-vmm's new overlay, which its sandbox
	 * does not let it lock; the writable base of a block job, locked by
	 * nidod). Not taken again.
	 */
	BLOCK_OPEN_LOCKED = 1u << 8,
};

/*
 * Opens the image at @path. @format is "raw", "qcow2", ... or NULL to
 * probe the file's content (an image without a known magic is raw).
 * Backing files are opened read-only, relative names resolved against
 * the directory of the image that names them, as qemu-img does
 * (block_resolve_default; for a guest's disk use block_open_chain() and
 * the strict resolver of chain.h). A FIFO, socket or directory is
 * refused rather than opened (a FIFO would block). A chain that loops or is
 * deeper than BLOCK_MAX_CHAIN fails with -ELOOP. Every image of the
 * chain is locked as QEMU locks images (src/block/lock.c): an image
 * that another process (nido-vmm, QEMU, nido img, qemu-img) writes
 * cannot be opened, even read-only, without BLOCK_OPEN_SHARE_RW, and
 * one that another process uses cannot be opened read-write; both fail
 * with -EAGAIN. On success *@out gets a new handle, owned by the
 * caller. Returns 0 or -errno with @e filled.
 */
#define BLOCK_MAX_CHAIN 64
int block_open(const char *path, const char *format, unsigned flags,
	       struct block **out, struct err **e);

/*
 * Flushes (when writable) and closes the image and its backing chain.
 * Accepts NULL. Pending asynchronous requests must have completed (free
 * the block_aio first). Returns 0 or the flush's -errno.
 */
int block_close(struct block *b);
void cleanup_blockp(struct block **b);
#define _cleanup_block_ __attribute__((cleanup(cleanup_blockp)))

/* The virtual size in bytes. */
uint64_t block_size(struct block *b);
/* "raw", "qcow2", ... Borrowed, valid while @b is open. */
const char *block_format(struct block *b);
/* The path the image was opened with. Borrowed. */
const char *block_filename(struct block *b);
/*
 * A running disk's external snapshot: opens the qcow2 overlay in @fd
 * (borrowed: a duplicate is kept; @path names it) and puts @below (an
 * open image) under it as its backing image. The overlay must record
 * @below's filename as its backing file (and its format, if it records
 * one) and be no smaller. On success *@out owns @below (closing it
 * closes both); on failure @below stays the caller's. Returns 0 or
 * -errno with @e naming the overlay.
 */
int block_open_over(int fd, const char *path, struct block *below,
		    unsigned flags, struct block **out, struct err **e);
/* Closes an overlay block_open_over() made, the image below left open
 * (the caller's again). Returns block_close()'s result. */
int block_close_over(struct block *top);

/* The backing image, or NULL. Borrowed from @b. */
struct block *block_backing(struct block *b);
bool block_read_only(struct block *b);

/*
 * Synchronous I/O, preadv/pwritev-style: transfers exactly the bytes of
 * @iov (or @len of @buf) at virtual offset @off. Reads of areas that no
 * image of the chain has allocated return zeroes. Returns 0 or -errno;
 * a short transfer is an error (-EIO), never a partial success.
 */
int block_preadv(struct block *b, const struct iovec *iov, int iovcnt,
		 uint64_t off, struct err **e);
int block_pwritev(struct block *b, const struct iovec *iov, int iovcnt,
		  uint64_t off, struct err **e);
int block_pread(struct block *b, void *buf, size_t len, uint64_t off,
		struct err **e);
int block_pwrite(struct block *b, const void *buf, size_t len, uint64_t off,
		 struct err **e);

/*
 * Makes every write completed before the call durable (metadata in
 * dependency order, then fdatasync). Returns 0 or -errno.
 */
int block_flush(struct block *b, struct err **e);

/*
 * Discards [@off, @off+@len): the range then reads as zeroes if the
 * image can say so (qcow2 v3 zero clusters, holes in raw files), else
 * as the backing data or unspecified. Partial clusters are zeroed.
 * Returns 0 or -errno.
 */
int block_discard(struct block *b, uint64_t off, uint64_t len, struct err **e);

/* Flags of block_write_zeroes(). */
enum {
	BLOCK_ZERO_MAY_UNMAP = 1u << 0, /* may free the space */
};

/*
 * Makes [@off, @off+@len) read as zeroes, cheaply where the format can
 * (zero clusters, fallocate). Returns 0 or -errno.
 */
int block_write_zeroes(struct block *b, uint64_t off, uint64_t len,
		       unsigned flags, struct err **e);

/* Whether @name is a format nido knows (reads, or refuses by name). */
bool block_format_known(const char *name);

/* Bits of block_status()'s result. */
enum {
	BLOCK_STATUS_DATA = 1u << 0,	  /* host data backs the range */
	BLOCK_STATUS_ZERO = 1u << 1,	  /* the range reads as zeroes */
	BLOCK_STATUS_ALLOCATED = 1u << 2, /* in this image, not a backing */
	BLOCK_STATUS_COMPRESSED = 1u << 3,
	BLOCK_STATUS_OFFSET_VALID = 1u << 4, /* *@host_off is meaningful */
};

struct block_status {
	uint64_t bytes;	    /* length of the range the answer holds for */
	unsigned flags;	    /* BLOCK_STATUS_* */
	int depth;	    /* 0: this image, 1: its backing file, ... */
	uint64_t host_off;  /* offset in the file of @file */
	struct block *file; /* image that holds the data; borrowed */
};

/*
 * Describes the range starting at @off (at most @len bytes) through the
 * whole chain: how it reads and where the data lives. st->bytes > 0 on
 * success. Returns 0 or -errno.
 */
int block_status(struct block *b, uint64_t off, uint64_t len,
		 struct block_status *st, struct err **e);

/*
 * A read-only view of disk bytes in the page cache, without a copy.
 * block_map() returns the bytes block_status() reported in @st
 * (st->bytes at st->host_off of st->file) when the image holding them
 * is open read-only and stores them as they read: data of a raw image
 * or a run of uncompressed qcow2 clusters, wholly inside the host file.
 * The image's file is mapped once, on the first call, and stays mapped
 * until block_close(); each call brings its range into the page tables.
 * Returns a pointer valid until st->file is closed, or NULL when the
 * range is not stored that way, cannot be mapped or read now, or the
 * image is shared (BLOCK_OPEN_SHARE_RW): read it instead. The image's
 * locks keep others from shrinking the file meanwhile (a read of a page
 * beyond the new end would raise SIGBUS).
 */
const uint8_t *block_map(const struct block_status *st);

/* Flags of block_resize(). */
enum {
	BLOCK_RESIZE_SHRINK = 1u << 0,	 /* allow a smaller size (data lost) */
	BLOCK_RESIZE_PREALLOC = 1u << 1, /* allocate the grown area (falloc) */
};

/*
 * Changes the virtual size to @size bytes. Shrinking needs
 * BLOCK_RESIZE_SHRINK. Returns 0 or -errno.
 */
int block_resize(struct block *b, uint64_t size, unsigned flags,
		 struct err **e);

/*
 * Asynchronous I/O for an event loop.
 *
 * A block_aio is a submission context on one image: the caller submits
 * requests, watches block_aio_fd() (an eventfd, readable when requests
 * have completed) in its loop, and collects completed requests with
 * block_aio_reap(). Raw images are served through io_uring (liburing);
 * formats with metadata, and hosts without io_uring, through a pool of
 * worker threads. The caller sees no difference.
 *
 * One thread submits and reaps; the context is not shared between
 * threads. The request structure and the buffers it points to are owned
 * by the caller and must stay valid and untouched until the request is
 * reaped.
 */
enum block_op {
	BLOCK_OP_READ,
	BLOCK_OP_WRITE,
	BLOCK_OP_FLUSH,
	BLOCK_OP_DISCARD,
	BLOCK_OP_WRITE_ZEROES,
};

struct block_req {
	/* Filled by the caller. */
	enum block_op op;
	uint64_t offset;	 /* READ, WRITE, DISCARD, WRITE_ZEROES */
	uint64_t len;		 /* DISCARD, WRITE_ZEROES */
	const struct iovec *iov; /* READ, WRITE */
	int iovcnt;
	unsigned flags; /* WRITE_ZEROES: BLOCK_ZERO_* */
	void *opaque;	/* the caller's; untouched */
	/* Filled on completion: 0 or -errno. */
	int result;
	/* Private to the block layer. */
	struct block_req *next_;
};

struct block_aio;

/*
 * Creates a context for up to @depth requests in flight on @b (borrowed:
 * @b must outlive the context). Returns 0 with *@out set, or -errno.
 */
int block_aio_new(struct block *b, unsigned depth, struct block_aio **out,
		  struct err **e);

/* Waits for every request in flight, then frees @q. Accepts NULL. */
void block_aio_free(struct block_aio *q);

/*
 * From now on, new contexts serve raw images with threads, not io_uring:
 * for a process whose seccomp filter forbids io_uring_setup (nido-vmm's,
 * which a disk switched or pivoted after its start meets). Rings made
 * before stay.
 */
void block_aio_no_new_rings(void);

/* The eventfd to watch for EPOLLIN. Owned by @q. */
int block_aio_fd(struct block_aio *q);

/* true when the context uses io_uring (false: the thread pool). */
bool block_aio_uses_uring(struct block_aio *q);

/*
 * Starts @r. Returns 0 when the request is in flight (it will be
 * returned by block_aio_reap()), -EAGAIN when @depth requests are
 * already in flight, or another -errno for a request that is invalid
 * (then it is not in flight).
 */
int block_aio_submit(struct block_aio *q, struct block_req *r);

/*
 * Collects up to @max completed requests into @done (their ->result
 * set), and clears the eventfd. Never blocks. Returns the number of
 * requests stored.
 */
int block_aio_reap(struct block_aio *q, struct block_req **done, int max);

/* Blocks until at least one request has completed (or none is in
 * flight). For callers without an event loop. */
void block_aio_wait(struct block_aio *q);

/* Requests in flight. */
unsigned block_aio_inflight(struct block_aio *q);

#endif
