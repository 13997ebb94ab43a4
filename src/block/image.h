/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Image management, the operations of `nido img` that are not device
 * I/O: create, describe, check and repair, snapshots, compressed writes,
 * changing the backing file. Handles come from block_open() (block.h).
 */
#ifndef NIDO_BLOCK_IMAGE_H
#define NIDO_BLOCK_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

struct block;

enum img_prealloc {
	IMG_PREALLOC_OFF,
	IMG_PREALLOC_METADATA,
	IMG_PREALLOC_FALLOC,
	IMG_PREALLOC_FULL,
};

struct img_create_opts {
	const char *format;    /* "raw" or "qcow2" */
	uint64_t size;	       /* virtual size; 0 with a backing: its size */
	uint64_t cluster_size; /* qcow2; 0: 64 KiB */
	enum img_prealloc prealloc;
	const char *backing;	 /* name recorded in the image, or NULL */
	const char *backing_fmt; /* required with a backing: never probed */
	bool unsafe_backing;	 /* -u: do not open the backing file */
	int compat;		 /* qcow2 version 2 or 3; 0: 3 */
	int refcount_bits;	 /* 0: 16 */
	bool lazy_refcounts;
	const char *compression; /* "zlib" (default) or "zstd" */
	bool no_flush;	/* do not wait for the disk (convert's output) */
	bool exclusive; /* @path must not exist (O_EXCL: no link followed) */
};

/*
 * Creates the image at @path (replacing a file there). A backing file
 * needs its format (o->backing_fmt: -EINVAL without it, as qemu-img 7.2
 * refuses it; nothing is probed) and is opened as that format to check
 * it and to take the size when o->size is 0, unless o->unsafe_backing
 * (then o->size is required). Returns 0 or -errno with @e filled.
 */
int img_create(const char *path, const struct img_create_opts *o,
	       struct err **e);

/*
 * Whether an image img_create() just made at @path reads as zeroes (a new
 * file, qcow2, rbd image); false for an NBD export, which is "created"
 * by checking it, its old content left (qemu-img's has_zero_init).
 */
bool img_create_zeroes(const char *path);

/* Parses "off", "metadata", "falloc", "full"; -EINVAL otherwise. */
int img_prealloc_parse(const char *s);

struct img_snapshot {
	char *id;   /* owned */
	char *name; /* owned */
	uint64_t vm_state_size;
	uint32_t date_sec, date_nsec;
	uint64_t vm_clock_nsec;
	uint64_t icount; /* UINT64_MAX: not recorded */
	uint64_t disk_size;
};

struct img_bitmap {
	char *name; /* owned */
	uint64_t granularity;
	bool in_use;	/* written by a program that has not closed it */
	bool recording; /* "auto": follows writes */
};

struct img_info {
	const char *format; /* borrowed from the driver */
	uint64_t virtual_size;
	uint64_t actual_size;	     /* blocks the file uses */
	bool actual_size_unknown;    /* an NBD export: no file here */
	uint64_t cluster_size;	     /* 0: none */
	char *backing_filename;	     /* owned, or NULL */
	char *full_backing_filename; /* owned, or NULL */
	char *backing_format;	     /* owned, or NULL */
	bool dirty;
	bool has_dirty; /* the format has a dirty flag */
	/* qcow2 */
	bool is_qcow2;
	int version;
	const char *compression_type;
	bool lazy_refcounts, corrupt, extended_l2;
	int refcount_bits;
	struct img_snapshot *snaps; /* owned array */
	int nb_snaps;
	struct img_bitmap *bitmaps; /* owned array: persistent bitmaps */
	int nb_bitmaps;
};

/* Fills @info for @b. Free with img_info_clear(). Returns 0 or -errno. */
int img_info_get(struct block *b, struct img_info *info, struct err **e);
void img_info_clear(struct img_info *info);
void img_snapshots_free(struct img_snapshot *s, int n);

enum {
	IMG_FIX_LEAKS = 1u << 0,
	IMG_FIX_ERRORS = 1u << 1,
};

struct img_check {
	uint64_t corruptions, leaks, check_errors;
	uint64_t corruptions_fixed, leaks_fixed;
	uint64_t image_end_offset;
	uint64_t total_clusters, allocated_clusters;
	uint64_t fragmented_clusters, compressed_clusters;
	char *report; /* owned: one line per problem found, or NULL */
};

/*
 * Checks the metadata of @b (not its backing files) and repairs what
 * @fix asks for (@b must be open read-write with BLOCK_OPEN_CHECK).
 * Returns 0 when the check ran (its findings are in @res), -ENOTSUP
 * for formats without checks, or another -errno when it could not
 * complete (res->report then holds what was found before, or NULL).
 * Free res->report.
 */
int img_check(struct block *b, unsigned fix, struct img_check *res,
	      struct err **e);

/* What amend changes; fields left 0 (lazy_refcounts -1) stay as they are. */
struct img_amend_opts {
	int compat;	    /* 2 (0.10) or 3 (1.1) */
	int lazy_refcounts; /* 0 off, 1 on, -1 unchanged */
	int refcount_bits;  /* a power of two up to 64 */
};

/*
 * Changes @b's format options in place as qemu-img amend does (qcow2):
 * the compatibility level, lazy refcounts, the refcount width (the
 * refcount structures rewritten). @b must be open read-write. Returns 0
 * or -errno with @e filled (qemu-img's words where it refuses).
 */
int img_amend(struct block *b, const struct img_amend_opts *o, struct err **e);

enum img_bitmap_kind {
	IMG_BITMAP_ADD,
	IMG_BITMAP_REMOVE,
	IMG_BITMAP_CLEAR,
	IMG_BITMAP_ENABLE,
	IMG_BITMAP_DISABLE,
	IMG_BITMAP_MERGE,
};

/* One operation of `nido img bitmap` on bitmap @name. */
struct img_bitmap_op {
	enum img_bitmap_kind kind;
	const char *name;     /* borrowed */
	uint64_t granularity; /* ADD: bytes per bit, 0: the default */
	bool disable;	      /* ADD: not recording */
	const char *src_name; /* MERGE: the source bitmap; borrowed */
	struct block *src;    /* MERGE: its image, NULL: this one */
};

/*
 * Applies @n operations, in order, to @b's persistent bitmaps (qcow2 v3,
 * open read-write), then writes the bitmap directory once. Returns 0 or
 * -errno with @e filled (qemu-img's words).
 */
int img_bitmap(struct block *b, const struct img_bitmap_op *ops, int n,
	       struct err **e);

/*
 * convert --bitmaps, as qemu-img 7.2 does it. Before the target exists,
 * img_bitmaps_copy_check(): @src can hold persistent bitmaps (qcow2 v3)
 * and none is inconsistent (in use) unless @skip_broken. Once the target
 * is open, img_bitmaps_can_store(). After the data, img_bitmaps_copy():
 * every persistent bitmap of @src added to @dst (open read-write) with
 * its name, granularity, recording flag and bits, after the bitmaps
 * @dst already has, in @src's order; @skipped (may be NULL) is called
 * for each inconsistent one left out. All return 0 or -errno with @e
 * filled in qemu-img's words; a failed copy keeps what was added before.
 */
int img_bitmaps_copy_check(struct block *src, bool skip_broken, struct err **e);
int img_bitmaps_can_store(struct block *dst, struct err **e);
int img_bitmaps_copy(struct block *src, struct block *dst, bool skip_broken,
		     void (*skipped)(const char *name), struct err **e);

enum img_snapshot_op {
	IMG_SNAPSHOT_CREATE,
	IMG_SNAPSHOT_APPLY,
	IMG_SNAPSHOT_DELETE,
};

/* Internal snapshots (qcow2). Return 0 or -errno. */
int img_snapshot(struct block *b, enum img_snapshot_op op, const char *name,
		 struct err **e);
int img_snapshot_list(struct block *b, struct img_snapshot **list, int *n,
		      struct err **e);
/*
 * Makes @b, open read-only, read as it was at the internal snapshot
 * whose id is @id and name is @name (either NULL: any; qemu's
 * snapshot.id= and snapshot.name=). The virtual size stays the image's,
 * as with qemu-img convert -l; the backing file stays the current one.
 * Safe on an image a running guest writes (BLOCK_OPEN_SHARE_RW): the
 * snapshot's clusters are not rewritten while it exists. Returns 0, or
 * -ENOENT with "Can't find snapshot" (qemu's words), -ENOTSUP for a
 * format without internal snapshots, -EROFS for a writable open, or
 * another -errno naming the image and the snapshot.
 */
int img_snapshot_load(struct block *b, const char *id, const char *name,
		      struct err **e);
/* As img_snapshot_load(): @id_or_name as an id, then as a name. */
int img_snapshot_load_any(struct block *b, const char *id_or_name,
			  struct err **e);

/*
 * Compresses one cluster (@buf, img_cluster_size() bytes) the way @b's
 * format stores it, into @out (room for a cluster). Touches no state of
 * the image: callers may compress in several threads at once. Returns
 * the compressed length, 0 when compression does not pay, or -ENOTSUP.
 */
ssize_t img_compress(struct block *b, const void *buf, void *out);

/*
 * Writes one whole cluster at @off (aligned) compressed, for a freshly
 * created image (convert -c): @comp/@clen from img_compress() (@clen 0:
 * @buf is written as is), or @comp NULL to compress here. Returns 0,
 * -ENOTSUP when the format cannot compress, or -errno.
 */
int img_write_compressed(struct block *b, const void *buf, const void *comp,
			 ssize_t clen, uint64_t off, struct err **e);
/* The allocation unit of @b's format (cluster), or 0. */
uint64_t img_cluster_size(struct block *b);

/*
 * Records @name (format @fmt, may be NULL) as the backing file of @b
 * without touching data (rebase -u; NULL @name removes it). Returns 0
 * or -errno.
 */
int img_set_backing(struct block *b, const char *name, const char *fmt,
		    struct err **e);

/*
 * Copies into @base what @top's layers above depth @depth hold (1: @top
 * alone), @base grown to @top's size first, then flushed: qemu-img
 * commit's data step. Returns 0 or -errno.
 */
int img_commit(struct block *top, struct block *base, int depth,
	       struct err **e);

/* Drops every allocation of the active layer (commit). 0 or -errno. */
int img_make_empty(struct block *b, struct err **e);

#endif
