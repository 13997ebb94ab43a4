// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 persistent dirty bitmaps, the writing side: a bitmap's bits
 * loaded into memory and stored back (data clusters, table), the
 * bitmap directory and extension written anew, the operations of `nido
 * img bitmap`, and writes recorded in the bitmaps that follow them.
 *
 * Order on disk: data clusters and tables first, then a new directory,
 * then the header that points at it; what the old directory used is
 * freed after. A bitmap that follows writes is marked in use on disk
 * before the first write changes the image and unmarked when it is
 * stored at close: a crash in between leaves it marked, which QEMU and
 * nido read as "inconsistent", never as a wrong bitmap.
 */
#include <errno.h>
#include <inttypes.h>

#include "block/qcow2.h"

#define ALL_ONES 1ull /* table entry bit 0 with no offset */

/* A cluster the bitmaps no longer use, freed once the header no longer
 * points at anything that uses it (qcow2_bitmaps_write_dir). */
static void defer_free(struct qcow2 *s, uint64_t off)
{
	s->bm_defer = xrealloc(s->bm_defer,
			       (s->bm_ndefer + 1) * sizeof(*s->bm_defer));
	s->bm_defer[s->bm_ndefer++] = off;
}

static uint64_t bitmap_bytes(const struct qcow2 *s,
			     const struct qcow2_bitmap *bm)
{
	return DIV_ROUND_UP(
		DIV_ROUND_UP(s->b->size, 1ull << bm->granularity_bits), 8);
}

/* Reads @bm's bits into bm->data (once). */
int qcow2_bitmap_load_data(struct qcow2 *s, struct qcow2_bitmap *bm,
			   struct err **e)
{
	_cleanup_free_ uint64_t *t = NULL;
	uint64_t n = bitmap_bytes(s, bm), cs = s->cluster_size;
	int r;

	if (bm->data)
		return 0;
	r = qcow2_bitmap_table_read(s, bm, &t, e);
	if (r < 0)
		return r;
	bm->data = xcalloc(MAX(n, 1u), 1);
	for (uint32_t i = 0; i < bm->table_size && r == 0; i++) {
		uint64_t at = i * cs, len = MIN(cs, n - MIN(n, at));
		int64_t off = qcow2_bitmap_entry_cluster(s, t[i]);

		if (off < 0)
			r = err_set(e, EINVAL, "'%s': bitmap '%s' is corrupt",
				    s->name, bm->name);
		else if (off)
			r = file_pread_zero(s->fd, bm->data + at, len,
					    (uint64_t)off);
		else if (t[i] & ALL_ONES)
			memset(bm->data + at, 0xff, len);
	}
	return r < 0 ? err_sys(e, -r, "'%s': reading bitmap '%s'", s->name,
			       bm->name)
		     : 0;
}

static bool all_zero(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* One table entry for the @len bytes of bits at @p; old entry @old. */
static int store_chunk(struct qcow2 *s, const uint8_t *p, uint64_t len,
		       uint64_t old, uint64_t *ent, struct err **e)
{
	int64_t off = qcow2_bitmap_entry_cluster(s, old);
	uint64_t at;
	int r;

	if (all_zero(p, len)) {
		if (off > 0)
			defer_free(s, (uint64_t)off);
		*ent = 0;
		return 0;
	}
	if (off > 0) {
		at = (uint64_t)off; /* ours alone: rewritten in place */
	} else {
		r = qcow2_alloc_clusters(s, 1, &at, e);
		if (r < 0)
			return r;
	}
	_cleanup_free_ uint8_t *c = xcalloc(1, s->cluster_size);
	memcpy(c, p, len);
	if (pwrite_full(s->fd, c, s->cluster_size, (off_t)at) < 0)
		return err_sys(e, errno, "'%s': writing a bitmap", s->name);
	*ent = at;
	return 0;
}

int qcow2_bitmap_store(struct qcow2 *s, struct qcow2_bitmap *bm, struct err **e)
{
	_cleanup_free_ uint64_t *t = NULL;
	uint64_t n = bitmap_bytes(s, bm), cs = s->cluster_size;
	int r = qcow2_bitmap_table_read(s, bm, &t, e);

	for (uint32_t i = 0; r == 0 && i < bm->table_size; i++) {
		uint64_t at = i * cs;

		r = store_chunk(s, bm->data + at, MIN(cs, n - at), t[i], &t[i],
				e);
		t[i] = htobe64(t[i]);
	}
	if (r == 0)
		r = qcow2_sync(s, e);
	if (r == 0 && pwrite_full(s->fd, t, (size_t)bm->table_size * 8,
				  (off_t)bm->table_offset) < 0)
		r = err_sys(e, errno, "'%s': writing a bitmap table", s->name);
	return r;
}

/* The directory serialised (*@len bytes, owned by the caller). */
static uint8_t *build_dir(struct qcow2 *s, uint64_t *len)
{
	uint64_t n = 0, pos = 0;
	uint8_t *d;

	for (uint32_t i = 0; i < s->nb_bitmaps; i++)
		n += ALIGN_UP(24 + strlen(s->bitmaps[i].name), 8);
	d = xcalloc(MAX(n, 1u), 1);
	for (uint32_t i = 0; i < s->nb_bitmaps; i++) {
		const struct qcow2_bitmap *bm = &s->bitmaps[i];
		size_t nl = strlen(bm->name);
		struct qcow2_bitmap_dir_disk x = {
			.table_offset = htobe64(bm->table_offset),
			.table_size = htobe32(bm->table_size),
			.flags = htobe32(bm->flags & ~QCOW2_BME_EXTRA_COMPAT),
			.type = 1,
			.granularity_bits = bm->granularity_bits,
			.name_size = htobe16((uint16_t)nl),
		};

		memcpy(d + pos, &x, sizeof(x));
		memcpy(d + pos + sizeof(x), bm->name, nl);
		pos += ALIGN_UP(sizeof(x) + nl, 8);
	}
	*len = n;
	return d;
}

int qcow2_bitmaps_write_dir(struct qcow2 *s, struct err **e)
{
	uint64_t old_off = s->bm_dir_offset, old_size = s->bm_dir_size;
	bool had = s->bm_ext && old_size;
	uint64_t len, off = 0;
	_cleanup_free_ uint8_t *d = build_dir(s, &len);
	int r = 0;

	if (s->nb_bitmaps) {
		r = qcow2_alloc_clusters(s, DIV_ROUND_UP(len, s->cluster_size),
					 &off, e);
		if (r == 0 && pwrite_full(s->fd, d, len, (off_t)off) < 0)
			r = err_sys(e, errno,
				    "'%s': writing the bitmap directory",
				    s->name);
		if (r == 0)
			r = qcow2_flush(s->b, e);
		if (r < 0)
			return r;
	}
	s->bm_ext = s->nb_bitmaps > 0;
	s->bm_count = s->nb_bitmaps;
	s->bm_dir_offset = off;
	s->bm_dir_size = s->nb_bitmaps ? len : 0;
	if (s->nb_bitmaps)
		s->autoclear |= QCOW2_AUTOCLEAR_BITMAPS;
	else
		s->autoclear &= ~QCOW2_AUTOCLEAR_BITMAPS;
	r = qcow2_write_header(s, e);
	if (r == 0 && had)
		r = qcow2_free_range(s, old_off,
				     ALIGN_UP(old_size, s->cluster_size), e);
	for (size_t i = 0; r == 0 && i < s->bm_ndefer; i++)
		r = qcow2_free_range(s, s->bm_defer[i], s->cluster_size, e);
	free(s->bm_defer);
	s->bm_defer = NULL;
	s->bm_ndefer = 0;
	return r == 0 ? qcow2_flush(s->b, e) : r;
}

int qcow2_bitmap_ext_build(const struct qcow2 *s, uint8_t out[32])
{
	struct qcow2_ext_disk x = {htobe32(QCOW2_EXT_BITMAPS), htobe32(24)};
	struct qcow2_bitmap_ext_disk b = {
		.nb_bitmaps = htobe32(s->bm_count),
		.dir_size = htobe64(s->bm_dir_size),
		.dir_offset = htobe64(s->bm_dir_offset),
	};

	if (!s->bm_ext || !s->bm_count)
		return 0;
	memcpy(out, &x, 8);
	memcpy(out + 8, &b, 24);
	return 32;
}

/* ---- writes recorded in the bitmaps that follow them ---- */

static void set_bits(uint8_t *d, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		d[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* First write: every recording bitmap loaded and marked in use. */
static int start_tracking(struct qcow2 *s, struct err **e)
{
	bool any = false;
	int r = 0;

	for (uint32_t i = 0; i < s->nb_bitmaps && r == 0; i++) {
		struct qcow2_bitmap *bm = &s->bitmaps[i];

		if (!(bm->flags & QCOW2_BME_AUTO) ||
		    (bm->flags & QCOW2_BME_IN_USE))
			continue;
		r = qcow2_bitmap_load_data(s, bm, e);
		bm->tracking = r == 0;
		bm->flags |= QCOW2_BME_IN_USE;
		any = true;
	}
	s->bm_started = true;
	return r == 0 && any ? qcow2_bitmaps_write_dir(s, e) : r;
}

int qcow2_bitmaps_track(struct qcow2 *s, uint64_t off, uint64_t len,
			struct err **e)
{
	int r = 0;

	if (!s->nb_bitmaps || !len)
		return 0;
	if (!s->bm_started)
		r = start_tracking(s, e);
	for (uint32_t i = 0; r == 0 && i < s->nb_bitmaps; i++) {
		struct qcow2_bitmap *bm = &s->bitmaps[i];
		uint64_t end = MIN(off + len, s->b->size);

		if (bm->tracking && off < end)
			set_bits(bm->data, off >> bm->granularity_bits,
				 DIV_ROUND_UP(end,
					      1ull << bm->granularity_bits));
	}
	return r;
}

int qcow2_bitmaps_close(struct qcow2 *s, struct err **e)
{
	bool any = false;
	int r = 0;

	for (uint32_t i = 0; i < s->nb_bitmaps && r == 0; i++) {
		struct qcow2_bitmap *bm = &s->bitmaps[i];

		if (!bm->tracking)
			continue;
		r = qcow2_bitmap_store(s, bm, e);
		if (r == 0)
			bm->flags &= ~QCOW2_BME_IN_USE;
		bm->tracking = false;
		any = true;
	}
	if (r == 0 && any)
		r = qcow2_bitmaps_write_dir(s, e);
	return r;
}

/* ---- resize ---- */

/* Every cluster @bm's table uses, and the table, freed after the switch. */
static int defer_table(struct qcow2 *s, const struct qcow2_bitmap *bm,
		       struct err **e)
{
	_cleanup_free_ uint64_t *t = NULL;
	int r = qcow2_bitmap_table_read(s, bm, &t, e);

	if (r < 0)
		return r;
	for (uint32_t j = 0; j < bm->table_size; j++)
		if (qcow2_bitmap_entry_cluster(s, t[j]) > 0)
			defer_free(s, t[j] & QCOW2_BITMAP_OFFSET_MASK);
	for (uint64_t k = 0;
	     k < DIV_ROUND_UP((uint64_t)bm->table_size * 8, s->cluster_size);
	     k++)
		defer_free(s, bm->table_offset + k * s->cluster_size);
	return 0;
}

/* A new, empty table for @bm at the image's current size. */
static int new_table(struct qcow2 *s, struct qcow2_bitmap *bm, struct err **e)
{
	uint64_t n = qcow2_bitmap_table_size(s, bm->granularity_bits);
	uint64_t tbytes = ALIGN_UP(MAX(n, 1u) * 8, s->cluster_size), off;
	_cleanup_free_ uint8_t *z = xcalloc(1, tbytes);
	int r = qcow2_alloc_clusters(s, tbytes / s->cluster_size, &off, e);

	if (r < 0)
		return r;
	if (pwrite_full(s->fd, z, tbytes, (off_t)off) < 0)
		return err_sys(e, errno, "'%s': writing a bitmap table",
			       s->name);
	bm->table_offset = off;
	bm->table_size = (uint32_t)n;
	return 0;
}

/* @bm's bits for the size just set (*@old_bytes: for the old one). */
static int resize_one(struct qcow2 *s, struct qcow2_bitmap *bm,
		      uint64_t old_bytes, struct err **e)
{
	uint64_t n = bitmap_bytes(s, bm),
		 bits = DIV_ROUND_UP(s->b->size, 1ull << bm->granularity_bits);

	bm->data = xrealloc(bm->data, MAX(n, 1u));
	if (n > old_bytes)
		memset(bm->data + old_bytes, 0, n - old_bytes);
	if (bits % 8) /* no bit past the end */
		bm->data[n - 1] &= (uint8_t)((1u << (bits % 8)) - 1);
	return new_table(s, bm, e) ?: qcow2_bitmap_store(s, bm, e);
}

/*
 * The bitmaps resized with the image: new tables and data clusters for
 * @size beside the old ones, then one header write switches the size
 * and the directory, then the old clusters are freed. An inconsistent
 * bitmap gets an empty table (its bits mean nothing).
 */
int qcow2_bitmaps_resize(struct qcow2 *s, uint64_t size, struct err **e)
{
	uint64_t old = s->b->size;
	_cleanup_free_ uint64_t *old_bytes =
		xcalloc(MAX(s->nb_bitmaps, 1u), sizeof(uint64_t));
	int r = 0;

	for (uint32_t i = 0; r == 0 && i < s->nb_bitmaps; i++) {
		struct qcow2_bitmap *bm = &s->bitmaps[i];

		if (!(bm->flags & QCOW2_BME_IN_USE) || bm->tracking)
			r = qcow2_bitmap_load_data(s, bm, e);
		old_bytes[i] = bm->data ? bitmap_bytes(s, bm) : 0;
		if (r == 0)
			r = defer_table(s, bm, e);
	}
	s->b->size = size;
	for (uint32_t i = 0; r == 0 && i < s->nb_bitmaps; i++)
		r = resize_one(s, &s->bitmaps[i], old_bytes[i], e);
	if (r == 0)
		r = qcow2_bitmaps_write_dir(s, e);
	if (r < 0)
		s->b->size = old; /* nothing switched: leaks at most */
	return r;
}

/* ---- the operations of `nido img bitmap` ---- */

struct qcow2_bitmap *qcow2_bitmap_find(struct qcow2 *s, const char *name)
{
	for (uint32_t i = 0; i < s->nb_bitmaps; i++)
		if (streq(s->bitmaps[i].name, name))
			return &s->bitmaps[i];
	return NULL;
}

int qcow2_bitmap_add(struct qcow2 *s, const struct img_bitmap_op *op,
		     struct err **e)
{
	struct qcow2_bitmap bm = {0};
	uint64_t g =
		op->granularity ? op->granularity : MAX(s->cluster_size, 65536);
	uint64_t tbytes;
	int r;

	if (!op->name[0]) /* the directory has no room for it */
		return err_set(e, EINVAL, "Bitmap name cannot be empty");
	if (qcow2_bitmap_find(s, op->name))
		return err_set(e, EEXIST, "Bitmap already exists: %s",
			       op->name);
	if (g < 512 || g > (1ull << 31) || (g & (g - 1)))
		return err_set(e, EINVAL,
			       "Granularity must be power of 2 and at least "
			       "512");
	if (strlen(op->name) > QCOW2_MAX_BITMAP_NAME)
		return err_set(e, EINVAL, "Bitmap name is too long");
	if (s->nb_bitmaps >= QCOW2_MAX_BITMAPS)
		return err_set(e, ENOSPC, "Too many bitmaps");
	bm.granularity_bits = (uint8_t)__builtin_ctzll(g);
	bm.table_size =
		(uint32_t)qcow2_bitmap_table_size(s, bm.granularity_bits);
	if (!bm.table_size)
		return err_set(e, EINVAL, "'%s': an empty image has no bitmaps",
			       s->name);
	tbytes = ALIGN_UP((uint64_t)bm.table_size * 8, s->cluster_size);
	if (tbytes > QCOW2_MAX_BITMAP_TABLE ||
	    DIV_ROUND_UP(DIV_ROUND_UP(s->b->size, g), 8) >
		    QCOW2_MAX_BITMAP_BYTES)
		return err_set(e, EFBIG,
			       "Too much space will be occupied by the "
			       "bitmap. Use larger granularity");
	r = qcow2_alloc_clusters(s, tbytes / s->cluster_size, &bm.table_offset,
				 e);
	if (r < 0)
		return r;
	_cleanup_free_ uint8_t *z = xcalloc(1, tbytes);
	if (pwrite_full(s->fd, z, tbytes, (off_t)bm.table_offset) < 0)
		return err_sys(e, errno, "'%s': writing a bitmap table",
			       s->name);
	bm.flags = op->disable ? 0 : QCOW2_BME_AUTO;
	bm.name = xstrdup(op->name);
	s->bitmaps =
		xrealloc(s->bitmaps, (s->nb_bitmaps + 1) * sizeof(*s->bitmaps));
	s->bitmaps[s->nb_bitmaps++] = bm;
	return 0;
}

int qcow2_bitmap_remove(struct qcow2 *s, struct qcow2_bitmap *bm,
			struct err **e)
{
	_cleanup_free_ uint64_t *t = NULL;
	uint32_t i = (uint32_t)(bm - s->bitmaps);
	int r = qcow2_bitmap_table_read(s, bm, &t, e);

	if (r < 0)
		return r;
	for (uint32_t j = 0; j < bm->table_size; j++)
		if (qcow2_bitmap_entry_cluster(s, t[j]) > 0)
			defer_free(s, t[j] & QCOW2_BITMAP_OFFSET_MASK);
	for (uint64_t k = 0;
	     k < DIV_ROUND_UP((uint64_t)bm->table_size * 8, s->cluster_size);
	     k++)
		defer_free(s, bm->table_offset + k * s->cluster_size);
	free(bm->name);
	free(bm->data);
	memmove(bm, bm + 1, (s->nb_bitmaps - i - 1) * sizeof(*bm));
	s->nb_bitmaps--;
	return 0;
}

/* ORs @src's bits into @dst, granule by granule of @dst. */
static void merge_bits(const struct qcow2 *s, struct qcow2_bitmap *dst,
		       const uint8_t *src, uint32_t sbits)
{
	uint64_t n = DIV_ROUND_UP(s->b->size, 1ull << sbits);

	for (uint64_t i = 0; i < n; i++)
		if (src[i / 8] & (1u << (i % 8))) {
			uint64_t from = i << sbits,
				 to = MIN((i + 1) << sbits, s->b->size);

			set_bits(dst->data, from >> dst->granularity_bits,
				 DIV_ROUND_UP(to,
					      1ull << dst->granularity_bits));
		}
}

/* --merge: the source from this image, or another qcow2 (-b). */
static int merge(struct qcow2 *s, struct qcow2_bitmap *bm,
		 const struct img_bitmap_op *op, struct err **e)
{
	_cleanup_free_ uint8_t *bits = NULL;
	uint32_t gbits;
	int r;

	if (op->src && op->src->size != s->b->size)
		return err_set(e, EINVAL,
			       "Bitmaps are incompatible and can't be merged");
	r = qcow2_bitmap_read_bits(op->src ? op->src : s->b, op->src_name,
				   &bits, &gbits, e);
	if (r == 0)
		r = qcow2_bitmap_load_data(s, bm, e);
	if (r < 0)
		return r;
	merge_bits(s, bm, bits, gbits);
	return qcow2_bitmap_store(s, bm, e);
}

static int one_op(struct qcow2 *s, const struct img_bitmap_op *op,
		  struct err **e)
{
	struct qcow2_bitmap *bm;
	int r;

	if (op->kind == IMG_BITMAP_ADD)
		return qcow2_bitmap_add(s, op, e);
	bm = qcow2_bitmap_find(s, op->name);
	if (!bm)
		return err_set(e, ENOENT, "Dirty bitmap '%s' not found",
			       op->name);
	switch (op->kind) {
	case IMG_BITMAP_REMOVE:
		return qcow2_bitmap_remove(s, bm, e);
	case IMG_BITMAP_CLEAR:
		r = qcow2_bitmap_load_data(s, bm, e);
		if (r == 0) {
			memset(bm->data, 0, bitmap_bytes(s, bm));
			r = qcow2_bitmap_store(s, bm, e);
		}
		return r;
	case IMG_BITMAP_ENABLE:
		bm->flags |= QCOW2_BME_AUTO;
		return 0;
	case IMG_BITMAP_DISABLE:
		bm->flags &= ~QCOW2_BME_AUTO;
		return 0;
	case IMG_BITMAP_MERGE:
		return merge(s, bm, op, e);
	default:
		return err_set(e, EINVAL, "unknown bitmap operation");
	}
}

int qcow2_bitmap_ops(struct block *b, const struct img_bitmap_op *ops, int n,
		     struct err **e)
{
	struct qcow2 *s = b->priv;
	int r = 0;

	if (s->version < 3)
		return err_set(e, ENOTSUP,
			       "Cannot store dirty bitmaps in qcow2 v2 files");
	for (int i = 0; i < n && r == 0; i++) {
		/* an inconsistent bitmap can only be removed */
		if (ops[i].kind != IMG_BITMAP_ADD &&
		    ops[i].kind != IMG_BITMAP_REMOVE &&
		    qcow2_bitmap_find(s, ops[i].name) &&
		    (qcow2_bitmap_find(s, ops[i].name)->flags &
		     QCOW2_BME_IN_USE))
			r = err_set(e, EBUSY,
				    "Bitmap '%s' is inconsistent and cannot be "
				    "used",
				    ops[i].name);
		else
			r = one_op(s, &ops[i], e);
	}
	if (r == 0)
		r = qcow2_bitmaps_write_dir(s, e);
	return r;
}

int qcow2_bitmap_read_bits(struct block *b, const char *name, uint8_t **bits,
			   uint32_t *gbits, struct err **e)
{
	struct qcow2 *s = b->priv;
	struct qcow2_bitmap *bm;
	int r;

	if (b->drv != &block_qcow2)
		return err_set(e, ENOTSUP,
			       "'%s': not a qcow2 image: no bitmaps",
			       b->filename);
	bm = qcow2_bitmap_find(s, name);
	if (!bm)
		return err_set(e, ENOENT, "Dirty bitmap '%s' not found", name);
	r = qcow2_bitmap_load_data(s, bm, e);
	if (r < 0)
		return r;
	*bits = xmalloc(MAX(bitmap_bytes(s, bm), 1u));
	memcpy(*bits, bm->data, bitmap_bytes(s, bm));
	*gbits = bm->granularity_bits;
	return 0;
}
