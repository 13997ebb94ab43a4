/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qcow2, private to the driver: on-disk structures, the open image's
 * state, and one section per file of the driver.
 *
 * The format is QEMU's (docs/interop/qcow2.txt): a header in cluster 0;
 * a two-level table (L1 -> L2 -> data cluster) maps guest clusters; a
 * two-level refcount structure (refcount table -> refcount blocks)
 * counts the references to each host cluster. Everything on disk is
 * big-endian; tables stay big-endian in memory and are converted only by
 * the accessors below.
 *
 * Crash safety rests on write order. A cluster's refcount reaches the
 * disk before any table that points at it; a new L2 table before the L1
 * entry that points at it; a freed cluster's refcount is lowered only
 * after the tables that no longer use it are on disk (frees are deferred
 * to qcow2_flush()). A crash can then leak clusters, never corrupt.
 */
#ifndef NIDO_BLOCK_QCOW2_H
#define NIDO_BLOCK_QCOW2_H

#include <endian.h>

#include "block/driver.h"

#define QCOW2_MAGIC		 0x514649fbu /* "QFI\xfb" */
#define QCOW2_MIN_CLUSTER_BITS	 9
#define QCOW2_MAX_CLUSTER_BITS	 21
#define QCOW2_MAX_L1_BYTES	 (32u << 20)
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_SNAPSHOTS	 65536
#define QCOW2_MAX_BACKING_NAME	 1023

/* Header feature bits. */
#define QCOW2_INCOMPAT_DIRTY	    (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT	    (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE    (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION  (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2	    (1ull << 4)
#define QCOW2_INCOMPAT_KNOWN	    0x1full
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)

/* Header extension types. */
#define QCOW2_EXT_END		 0u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_TABLE	 0x6803f857u
#define QCOW2_EXT_DATA_FILE	 0x44415441u
#define QCOW2_EXT_BITMAPS	 0x23852875u

/* Persistent dirty bitmaps (the bitmaps extension). */
#define QCOW2_AUTOCLEAR_BITMAPS	 (1ull << 0)
#define QCOW2_MAX_BITMAPS	 65535u
#define QCOW2_MAX_BITMAP_DIR	 (64u << 20)
#define QCOW2_MAX_BITMAP_NAME	 1023u
#define QCOW2_MAX_BITMAP_TABLE	 (64u << 20)  /* bytes */
#define QCOW2_MAX_BITMAP_BYTES	 (512u << 20) /* of bits: QEMU's bound */
#define QCOW2_BME_IN_USE	 (1u << 0)
#define QCOW2_BME_AUTO		 (1u << 1)
#define QCOW2_BME_EXTRA_COMPAT	 (1u << 2)
#define QCOW2_BME_KNOWN		 0x7u
#define QCOW2_BITMAP_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW2_BITMAP_RESERVED	 0xff000000000001feull

/* Table entry bits. */
#define QCOW2_OFLAG_COPIED     (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO       (1ull << 0)
#define QCOW2_OFFSET_MASK      0x00fffffffffffe00ull
#define QCOW2_L1_RESERVED      0x7f000000000001ffull
#define QCOW2_L2_RESERVED      0x3f000000000001feull
#define QCOW2_REFT_RESERVED    0x1ffull

#define QCOW2_COMPRESSION_ZLIB 0
#define QCOW2_COMPRESSION_ZSTD 1

struct qcow2_header_disk {
	uint32_t magic;
	uint32_t version;
	uint64_t backing_file_offset;
	uint32_t backing_file_size;
	uint32_t cluster_bits;
	uint64_t size;
	uint32_t crypt_method;
	uint32_t l1_size;
	uint64_t l1_table_offset;
	uint64_t refcount_table_offset;
	uint32_t refcount_table_clusters;
	uint32_t nb_snapshots;
	uint64_t snapshots_offset;
	/* version 3 */
	uint64_t incompatible_features;
	uint64_t compatible_features;
	uint64_t autoclear_features;
	uint32_t refcount_order;
	uint32_t header_length;
	uint8_t compression_type;
	uint8_t padding[7];
} __attribute__((packed));
_Static_assert(sizeof(struct qcow2_header_disk) == 112, "qcow2 header");
#define QCOW2_V2_HEADER_LEN	72
#define QCOW2_V3_MIN_HEADER_LEN 104

struct qcow2_ext_disk {
	uint32_t type;
	uint32_t len;
} __attribute__((packed));
_Static_assert(sizeof(struct qcow2_ext_disk) == 8, "qcow2 extension");

struct qcow2_bitmap_ext_disk {
	uint32_t nb_bitmaps;
	uint32_t reserved;
	uint64_t dir_size;
	uint64_t dir_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct qcow2_bitmap_ext_disk) == 24, "bitmaps ext");

/* A bitmap directory entry; extra data, then the name, follow. */
struct qcow2_bitmap_dir_disk {
	uint64_t table_offset;
	uint32_t table_size;
	uint32_t flags;
	uint8_t type;
	uint8_t granularity_bits;
	uint16_t name_size;
	uint32_t extra_data_size;
} __attribute__((packed));
_Static_assert(sizeof(struct qcow2_bitmap_dir_disk) == 24, "bitmap entry");

struct qcow2_bitmap {
	char *name; /* owned */
	uint64_t table_offset;
	uint32_t table_size; /* entries */
	uint32_t flags;	     /* QCOW2_BME_* */
	uint8_t granularity_bits;
	uint8_t *data; /* its bits, once loaded; owned */
	bool tracking; /* writes set its bits; stored at close */
};

struct qcow2_snapshot_disk {
	uint64_t l1_table_offset;
	uint32_t l1_size;
	uint16_t id_str_size;
	uint16_t name_size;
	uint32_t date_sec;
	uint32_t date_nsec;
	uint64_t vm_clock_nsec;
	uint32_t vm_state_size;
	uint32_t extra_data_size;
} __attribute__((packed));
_Static_assert(sizeof(struct qcow2_snapshot_disk) == 40, "qcow2 snapshot");

struct qcow2_snapshot_extra {
	uint64_t vm_state_size_large;
	uint64_t disk_size;
	uint64_t icount;
} __attribute__((packed));
_Static_assert(sizeof(struct qcow2_snapshot_extra) == 24, "snapshot extra");

struct qcow2_snap {
	uint64_t l1_offset;
	uint32_t l1_size;
	char *id, *name;
	uint32_t date_sec, date_nsec;
	uint64_t vm_clock_nsec;
	uint64_t vm_state_size;
	uint64_t disk_size;
	uint64_t icount; /* UINT64_MAX: none */
	uint8_t *extra;	 /* extra data beyond what we know; owned */
	uint32_t extra_len;
};

struct qcow2_cache;

struct qcow2 {
	struct block *b;
	int fd;
	const char *name; /* the file, for messages; borrowed from b */
	uint32_t version;
	uint32_t cluster_bits;
	uint64_t cluster_size;
	uint32_t l2_bits; /* log2 of entries per L2 table */
	bool ext_l2;	  /* 16-byte L2 entries (read only) */
	uint32_t csize_shift;
	uint64_t csize_mask, coffset_mask;

	uint64_t *l1; /* big-endian, l1_size entries */
	uint32_t l1_size;
	uint64_t l1_offset;

	uint64_t *reftable; /* host order, reftable_entries */
	uint64_t reftable_entries;
	uint64_t reftable_offset;
	uint32_t reftable_clusters;
	uint32_t refcount_order, refcount_bits;
	uint32_t refblock_bits; /* log2 of refcounts per block */
	uint64_t refcount_max;

	uint64_t incompat, compat, autoclear;
	uint32_t header_length;
	uint8_t compression_type;
	uint64_t backing_offset;
	uint32_t backing_len;
	uint8_t *unknown_ext; /* extensions kept verbatim; owned */
	size_t unknown_ext_len;

	uint32_t nb_snapshots;
	uint64_t snapshots_offset;
	uint64_t snapshots_size;
	struct qcow2_snap *snaps;

	/* the bitmaps extension as read (bm_ext: present) and, when it is
	 * consistent, the directory it points at */
	bool bm_ext;
	uint32_t bm_count, bm_reserved;
	uint64_t bm_dir_size, bm_dir_offset;
	struct qcow2_bitmap *bitmaps;
	uint32_t nb_bitmaps;
	bool bm_started;    /* writes have begun: recording bitmaps in use */
	uint64_t *bm_defer; /* clusters to free after the next directory */
	size_t bm_ndefer;

	struct qcow2_cache *l2_cache, *rb_cache;
	uint64_t free_hint;	/* lowest host cluster index that may be free */
	uint64_t file_end;	/* end of the file or of the last allocation */
	uint64_t *pending_free; /* host offsets to unref at the next flush */
	size_t npending, pending_cap;
	uint64_t comp_next, comp_end; /* open compressed-data area */
	bool corrupt;
	uint8_t *cluster_buf; /* scratch: two clusters */
};

static inline uint64_t qcow2_offset_in_cluster(const struct qcow2 *s,
					       uint64_t off)
{
	return off & (s->cluster_size - 1);
}

static inline uint64_t qcow2_l1_index(const struct qcow2 *s, uint64_t off)
{
	return off >> (s->l2_bits + s->cluster_bits);
}

static inline uint32_t qcow2_l2_index(const struct qcow2 *s, uint64_t off)
{
	return (off >> s->cluster_bits) & ((1u << s->l2_bits) - 1);
}

static inline uint64_t qcow2_l1_get(const struct qcow2 *s, uint32_t i)
{
	return be64toh(s->l1[i]);
}

static inline uint64_t qcow2_l2_get(const struct qcow2 *s, const void *t,
				    uint32_t i)
{
	return be64toh(((const uint64_t *)t)[i << s->ext_l2]);
}

static inline void qcow2_l2_set(const struct qcow2 *s, void *t, uint32_t i,
				uint64_t v)
{
	((uint64_t *)t)[i << s->ext_l2] = htobe64(v);
}

static inline uint64_t qcow2_l2_bitmap(const struct qcow2 *s, const void *t,
				       uint32_t i)
{
	return s->ext_l2 ? be64toh(((const uint64_t *)t)[2 * i + 1]) : 0;
}

/* ---- qcow2.c: header, open, create, I/O entry points ---- */

/*
 * Records that the image is corrupt: on disk (the corrupt bit) only when
 * it is a v3 image open read-write for use; a read-only or check open
 * writes nothing. Fills @e with "'file': image is corrupt: <what>; <what
 * was done about it>" and returns -EIO.
 */
int qcow2_corrupt(struct qcow2 *s, struct err **e, const char *fmt, ...)
	PRINTF(3, 4);
/* Writes the whole header and its extensions. 0 or -errno. */
int qcow2_write_header(struct qcow2 *s, struct err **e);
/* Writes the virtual size into the header and syncs. 0 or -errno. */
int qcow2_write_size(struct qcow2 *s, uint64_t size, struct err **e);
/* fdatasync of the image file. */
int qcow2_sync(struct qcow2 *s, struct err **e);
int qcow2_flush(struct block *b, struct err **e);
/* Loads L1 and reftable, etc. for a new-born or re-read header. */
int qcow2_read_l1(struct qcow2 *s, uint64_t off, uint32_t size, uint64_t **out,
		  struct err **e);

/* ---- qcow2-cache.c: L2 table and refcount block cache ---- */

/*
 * A cache of cluster-sized tables, kept big-endian. get() returns a
 * pinned table (read from disk, or zeroed when @read is false); put()
 * unpins it. A dirty table is written back on eviction or flush; the
 * L2 cache first flushes and syncs the refcount cache (write order).
 */
struct qcow2_cache *qcow2_cache_new(struct qcow2 *s, unsigned n, bool l2);
void qcow2_cache_free(struct qcow2_cache *c);
int qcow2_cache_get(struct qcow2 *s, struct qcow2_cache *c, uint64_t off,
		    bool read, void **table, struct err **e);
void qcow2_cache_put(struct qcow2_cache *c, void *table);
void qcow2_cache_dirty(struct qcow2_cache *c, void *table);
/* Writes one table now (write-through). 0 or -errno. */
int qcow2_cache_write(struct qcow2 *s, struct qcow2_cache *c, void *table,
		      struct err **e);
/* Writes every dirty table. 0 or -errno. */
int qcow2_cache_flush(struct qcow2 *s, struct qcow2_cache *c, struct err **e);
/* Forgets the table at @off (its cluster was freed), dirty or not. */
void qcow2_cache_drop(struct qcow2_cache *c, uint64_t off);
/* Forgets every table (after a snapshot switched L1). */
int qcow2_cache_clear(struct qcow2 *s, struct qcow2_cache *c, struct err **e);

/* ---- qcow2-refcount.c: refcounts and cluster allocation ---- */

int qcow2_refcount_load(struct qcow2 *s, struct err **e);
/* *@rc gets the refcount of host cluster @idx (0 beyond the table). */
int qcow2_refcount_get(struct qcow2 *s, uint64_t idx, uint64_t *rc,
		       struct err **e);
/* Adds @delta to host cluster @idx's refcount; over/underflow corrupt. */
int qcow2_refcount_add(struct qcow2 *s, uint64_t idx, int64_t delta,
		       struct err **e);
/* Writes refcount @v as entry @i of the refcount block @blk whose
 * entries are 2^@order bits wide (big-endian, or packed in bytes). */
void qcow2_refblock_put(uint8_t *blk, uint32_t order, uint64_t i, uint64_t v);
/* Sets a refcount outright (check's repair). */
int qcow2_refcount_set(struct qcow2 *s, uint64_t idx, uint64_t rc,
		       struct err **e);
/*
 * Allocates @n contiguous host clusters (refcount 1). Returns 0 with
 * *@off set to the first cluster's host offset, or -errno.
 */
int qcow2_alloc_clusters(struct qcow2 *s, uint64_t n, uint64_t *off,
			 struct err **e);
/* Drops one reference to the cluster at @off at the next flush. */
void qcow2_free_later(struct qcow2 *s, uint64_t off);
/* Applies the deferred frees (call with tables on disk). */
int qcow2_free_pending(struct qcow2 *s, struct err **e);
/* Drops one reference to each cluster of [@off, @off+@len) now. */
int qcow2_free_range(struct qcow2 *s, uint64_t off, uint64_t len,
		     struct err **e);
/* Number of host clusters the file spans. */
uint64_t qcow2_host_clusters(struct qcow2 *s);

/* ---- qcow2-cluster.c: guest-to-host mapping, reads and writes ---- */

enum qcow2_ctype {
	QCOW2_UNALLOCATED,
	QCOW2_ZERO_PLAIN, /* zero flag, no host cluster */
	QCOW2_ZERO_ALLOC, /* zero flag with a host cluster */
	QCOW2_NORMAL,
	QCOW2_COMPRESSED,
};

struct qcow2_map {
	enum qcow2_ctype type;
	uint64_t host;	/* NORMAL, ZERO_ALLOC: host offset of @off */
	uint64_t bytes; /* length the mapping holds for */
	uint64_t entry; /* COMPRESSED: the raw L2 entry */
	bool copied;
};

enum qcow2_ctype qcow2_entry_type(const struct qcow2 *s, uint64_t entry);
/* Maps guest [@off, @off+@len): the longest run of one kind. */
int qcow2_map(struct qcow2 *s, uint64_t off, uint64_t len, struct qcow2_map *m,
	      struct err **e);
int qcow2_do_preadv(struct qcow2 *s, const struct iovec *iov, int iovcnt,
		    uint64_t off, struct err **e);
int qcow2_do_pwritev(struct qcow2 *s, const struct iovec *iov, int iovcnt,
		     uint64_t off, struct err **e);
/* Zero (@zero) or deallocate whole clusters of [off, off+len). */
int qcow2_zero_clusters(struct qcow2 *s, uint64_t off, uint64_t len, bool unmap,
			struct err **e);
/* Writes cluster @buf at @off compressed as @out (@clen bytes; 0: not
 * compressible, written as is; @out NULL: compressed here). */
int qcow2_write_compressed_cluster(struct qcow2 *s, const void *buf,
				   const void *out, ssize_t clen, uint64_t off,
				   struct err **e);
/* Makes L1 at least @entries long (resize). */
int qcow2_grow_l1(struct qcow2 *s, uint64_t entries, struct err **e);
/* Reads compressed cluster @entry into @out (one cluster). */
int qcow2_read_compressed(struct qcow2 *s, uint64_t entry, uint8_t *out,
			  struct err **e);
/* Releases (at the next flush) the host clusters an L2 entry used. */
void qcow2_release_entry(struct qcow2 *s, uint64_t entry);
/*
 * Sets the L2 entries of @nc guest clusters from @gidx (one L2 table) to
 * @host + k * cluster (copied) or, when @host is 0, to @entry; the old
 * entries are released.
 */
int qcow2_set_entries(struct qcow2 *s, uint64_t gidx, uint64_t nc,
		      uint64_t host, uint64_t entry, struct err **e);

/* ---- qcow2-create.c: create, grow, preallocate, empty ---- */

int qcow2_create(const char *path, const struct img_create_opts *o,
		 struct err **e);
int qcow2_make_empty(struct block *b, struct err **e);
/* Serialises the header cluster of @s into @c; *@len its used bytes. */
int qcow2_build_header(struct qcow2 *s, uint8_t *c, size_t *len,
		       struct err **e);
/* Allocates host clusters for every guest cluster (preallocation). */
int qcow2_preallocate(struct qcow2 *s, uint64_t from, uint64_t to,
		      struct err **e);

/* ---- compress.c ---- */

/* Return the compressed length, 0 when it does not fit in @outlen. */
ssize_t qcow2_compress(int type, uint8_t *out, size_t outlen, const uint8_t *in,
		       size_t inlen);
/* Fills all of @out from @in; 0 or -EIO for bad data. */
int qcow2_decompress(int type, uint8_t *out, size_t outlen, const uint8_t *in,
		     size_t inlen);

/* ---- qcow2-snapshot.c ---- */

int qcow2_snapshots_load(struct qcow2 *s, struct err **e);
void qcow2_snapshots_free(struct qcow2 *s);
int qcow2_snapshot(struct block *b, enum img_snapshot_op op, const char *name,
		   struct err **e);
int qcow2_snapshot_list(struct block *b, struct img_snapshot **list, int *n,
			struct err **e);
/* Adds @delta to the refcount of every cluster an L1 table reaches. */
int qcow2_update_l1_refs(struct qcow2 *s, const uint64_t *l1, uint32_t l1_size,
			 int delta, struct err **e);

/* ---- qcow2-snapshot-load.c ---- */

/*
 * Switches a read-only open to the L1 table of the snapshot matching @id
 * and @name (either NULL: any). -ENOENT "Can't find snapshot", or
 * -EINVAL/-EFBIG naming the image and snapshot when its L1 table lies
 * outside the file or is too large.
 */
int qcow2_snapshot_load(struct block *b, const char *id, const char *name,
			struct err **e);

/* Sets COPIED exactly where the refcount is 1 in the active tree. */
int qcow2_fix_copied(struct qcow2 *s, struct err **e);

/* ---- qcow2-bitmap.c: persistent dirty bitmaps ---- */

/* Records the bitmaps extension's fields (@p, @len bytes). */
int qcow2_bitmap_ext_parse(struct qcow2 *s, const uint8_t *p, uint32_t len,
			   struct err **e);
/* Reads and checks the directory when the extension is consistent. */
int qcow2_bitmaps_load(struct qcow2 *s, struct err **e);
void qcow2_bitmaps_free(struct qcow2 *s);
/* Table entries a bitmap of 2^@gbits-byte granules needs. */
uint64_t qcow2_bitmap_table_size(const struct qcow2 *s, uint32_t gbits);
/* @bm's table in host order (*@out owned by the caller). */
int qcow2_bitmap_table_read(struct qcow2 *s, const struct qcow2_bitmap *bm,
			    uint64_t **out, struct err **e);
/* A table entry's data cluster offset, 0 for none, -1 when invalid. */
int64_t qcow2_bitmap_entry_cluster(const struct qcow2 *s, uint64_t ent);
int qcow2_bitmaps_info(struct qcow2 *s, struct img_info *info);

/* ---- qcow2-bitmap-write.c ---- */

/* Loads @bm's bits into bm->data. */
int qcow2_bitmap_load_data(struct qcow2 *s, struct qcow2_bitmap *bm,
			   struct err **e);
/* A new directory for s->bitmaps, the header pointing at it. */
int qcow2_bitmaps_write_dir(struct qcow2 *s, struct err **e);
/* The bitmaps extension for the header (@out), its length or 0. */
int qcow2_bitmap_ext_build(const struct qcow2 *s, uint8_t out[32]);
/* Records a change of guest [@off, @off+@len) in recording bitmaps. */
int qcow2_bitmaps_track(struct qcow2 *s, uint64_t off, uint64_t len,
			struct err **e);
/* The image's size and its bitmaps switched to @size in one header
 * write (resize). */
int qcow2_bitmaps_resize(struct qcow2 *s, uint64_t size, struct err **e);
/* Stores what was recorded and unmarks the bitmaps (at close). */
int qcow2_bitmaps_close(struct qcow2 *s, struct err **e);
/* Writes bm->data back: data clusters, then the table. */
int qcow2_bitmap_store(struct qcow2 *s, struct qcow2_bitmap *bm,
		       struct err **e);
struct qcow2_bitmap *qcow2_bitmap_find(struct qcow2 *s, const char *name);
/* A new bitmap at the end of the list (its table zeroed), as op ADD. */
int qcow2_bitmap_add(struct qcow2 *s, const struct img_bitmap_op *op,
		     struct err **e);
/* Frees @bm's table and data clusters and drops it from the list. */
int qcow2_bitmap_remove(struct qcow2 *s, struct qcow2_bitmap *bm,
			struct err **e);
int qcow2_bitmap_ops(struct block *b, const struct img_bitmap_op *ops, int n,
		     struct err **e);
/* A copy of bitmap @name's bits (*@bits owned by the caller). */
int qcow2_bitmap_read_bits(struct block *b, const char *name, uint8_t **bits,
			   uint32_t *gbits, struct err **e);

/* ---- qcow2-amend.c ---- */

int qcow2_amend(struct block *b, const struct img_amend_opts *o,
		struct err **e);

/* ---- qcow2-check.c ---- */

int qcow2_check(struct block *b, unsigned fix, struct img_check *res,
		struct err **e);

#endif
