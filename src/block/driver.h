/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to src/block: the open image and the table every format
 * driver fills. block.c holds what is common (probe, backing chain,
 * bounds checks, locking); a driver sees requests already checked
 * against the virtual size and runs them under b->lock.
 */
#ifndef NIDO_BLOCK_DRIVER_H
#define NIDO_BLOCK_DRIVER_H

#include <pthread.h>

#include "block/block.h"
#include "block/image.h"

struct block_driver;
struct block_ctx; /* an open of a chain in progress (block.c) */

/* A file an image named besides its backing file: a vmdk extent. */
struct block_ref_file {
	int fd;	    /* borrowed: the driver owns and closes it */
	char *path; /* where it was found; owned */
	char *name; /* as the image records it; owned */
};

struct block {
	const struct block_driver *drv;
	char *filename; /* owned */
	int fd;		/* owned */
	unsigned flags; /* BLOCK_OPEN_* */
	bool read_only;
	uint64_t size;		     /* virtual size */
	uint64_t cluster_size;	     /* allocation unit, 0: none */
	struct block *backing;	     /* owned, or NULL */
	char *backing_name;	     /* as recorded in the image; owned */
	char *backing_fmt;	     /* as recorded, or NULL; owned */
	char *backing_path;	     /* resolved path, or NULL; owned */
	char *name;		     /* as the image above records it; owned */
	struct block_ref_file *refs; /* owned array (chain.h's EXTENTs) */
	int nrefs;
	struct block_ctx *ctx; /* during block_open_chain() only */
	pthread_mutex_t lock;  /* serialises the driver */
	void *priv;	       /* the driver's state; the driver owns */
	uint8_t *map;	       /* read-only: the file mapped (block_map) */
	uint64_t map_len;      /* its length */
	bool map_failed;       /* mmap failed: do not try again */
};

struct block_driver {
	const char *name;
	/* Score 0..100 that @buf (the file's first @len bytes) is ours. */
	int (*probe)(const uint8_t *buf, size_t len);
	/* Reads metadata; sets b->size, backing_name/fmt, b->priv. */
	int (*open)(struct block *b, struct err **e);
	void (*close)(struct block *b);
	int (*preadv)(struct block *b, const struct iovec *iov, int iovcnt,
		      uint64_t off, struct err **e);
	int (*pwritev)(struct block *b, const struct iovec *iov, int iovcnt,
		       uint64_t off, struct err **e);
	int (*flush)(struct block *b, struct err **e);
	int (*discard)(struct block *b, uint64_t off, uint64_t len,
		       struct err **e);
	int (*write_zeroes)(struct block *b, uint64_t off, uint64_t len,
			    unsigned flags, struct err **e);
	/* This image only: ALLOCATED unset means "ask the backing file". */
	int (*status)(struct block *b, uint64_t off, uint64_t len,
		      struct block_status *st, struct err **e);
	int (*resize)(struct block *b, uint64_t size, unsigned flags,
		      struct err **e);
	/* Optional (image.h). */
	int (*create)(const char *path, const struct img_create_opts *o,
		      struct err **e);
	int (*info)(struct block *b, struct img_info *info, struct err **e);
	int (*check)(struct block *b, unsigned fix, struct img_check *res,
		     struct err **e);
	ssize_t (*compress)(struct block *b, const void *buf, void *out);
	int (*write_compressed)(struct block *b, const void *buf,
				const void *comp, ssize_t clen, uint64_t off,
				struct err **e);
	int (*set_backing)(struct block *b, const char *name, const char *fmt,
			   struct err **e);
	int (*snapshot)(struct block *b, enum img_snapshot_op op,
			const char *name, struct err **e);
	int (*snapshot_list)(struct block *b, struct img_snapshot **list,
			     int *n, struct err **e);
	int (*snapshot_load)(struct block *b, const char *id, const char *name,
			     struct err **e);
	int (*make_empty)(struct block *b, struct err **e);
	int (*amend)(struct block *b, const struct img_amend_opts *o,
		     struct err **e);
	int (*bitmap)(struct block *b, const struct img_bitmap_op *ops, int n,
		      struct err **e);
};

extern const struct block_driver block_raw;
extern const struct block_driver block_qcow2;
extern const struct block_driver block_vmdk;
extern const struct block_driver block_vdi;
/* Ceph RBD images named "rbd:..." (rbd.c; rbd-none.c without librbd) */
extern const struct block_driver block_rbd;
/* NBD exports named "nbd://..." or on a socket passed (nbd.c) */
extern const struct block_driver block_nbd;
/* recognised, refused with a clear error (unsupported.c) */
extern const struct block_driver block_vhdx, block_vpc, block_qed, block_luks,
	block_parallels, block_qcow1;

/* The driver named @name, or NULL. */
const struct block_driver *block_driver_find(const char *name);

/*
 * iovec helpers. iov_slice() fills @out (room for @max entries) with the
 * part of @iov from byte @skip, @len bytes long; returns the entry count
 * or -EINVAL when @max is too small. iov_memset() and iov_from_buf()/
 * iov_to_buf() work on a byte range of the vector.
 */
int iov_slice(const struct iovec *iov, int iovcnt, size_t skip, size_t len,
	      struct iovec *out, int max);
void iov_memset(const struct iovec *iov, int iovcnt, size_t skip, int c,
		size_t len);
void iov_from_buf(const struct iovec *iov, int iovcnt, size_t skip,
		  const void *buf, size_t len);
void iov_to_buf(const struct iovec *iov, int iovcnt, size_t skip, void *buf,
		size_t len);
size_t iov_size(const struct iovec *iov, int iovcnt);

/*
 * File I/O of whole ranges: retries EINTR and short transfers. A read
 * past the end of the file fills zeroes. Return 0 or -errno.
 */
int file_preadv_full(int fd, const struct iovec *iov, int iovcnt, uint64_t off);
int file_pwritev_full(int fd, const struct iovec *iov, int iovcnt,
		      uint64_t off);
int file_pread_zero(int fd, void *buf, size_t len, uint64_t off);

/*
 * Takes @b's image locks (lock.c: QEMU's protocol) on b->fd, as its
 * read_only and BLOCK_OPEN_SHARE_RW ask. Returns 0 or -EAGAIN with @e
 * naming the image when another process uses it in a conflicting way.
 */
int block_lock(struct block *b, struct err **e);
/* The same on a bare @fd, as @flags (BLOCK_OPEN_RDWR, _SHARE_RW) ask. */
int block_lock_fd(int fd, const char *path, unsigned flags, struct err **e);
/*
 * Opens @path to write a new image in it: created, or emptied once it is
 * locked for writing, so that an image in use by another process is not
 * destroyed; with @exclusive, only created (nothing there, not even a
 * symbolic link). Returns the fd (the caller's) or -errno with @e
 * filled.
 */
int block_create_file(const char *path, bool exclusive, struct err **e);

/*
 * For a driver's open: opens the file @name that @b's image records (a
 * vmdk extent) read-only, through the resolver of the chain being
 * opened (chain.h), and records it for block_chain_export(). Returns
 * the fd, which the driver owns and closes, or -errno with @e filled.
 */
int block_open_ref(struct block *b, const char *name, struct err **e);

/*
 * Checks that @fd (opened O_NONBLOCK, named @path) is a file an image
 * can live in: not a FIFO (a read would block), socket or directory;
 * then clears O_NONBLOCK. Returns 0 or -errno with @e filled.
 */
int block_file_check(int fd, const char *path, struct err **e);

/* Reads from the backing chain of @b (zeroes where there is none). */
int block_read_backing(struct block *b, const struct iovec *iov, int iovcnt,
		       uint64_t off, struct err **e);

#define IOV_MAX_SLICE 1024

#endif
