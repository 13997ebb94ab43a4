// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 amend (qemu-img amend): the compatibility level (upgrade to v3;
 * downgrade to v2, which expands zero clusters v2 cannot express), lazy
 * refcounts, and the refcount width, which rewrites the refcount
 * structures whole.
 *
 * Each change reaches the disk before the header that makes it count:
 * new refcount structures are written and synced beside the old ones and
 * the header switch to them is the commit; expanded zero clusters are on
 * disk before the header says v2. A crash leaves the old image, or the
 * new one with leaked clusters.
 */
#include <errno.h>
#include <inttypes.h>

#include "block/qcow2.h"

/* Every host cluster's refcount, the old structures' own counted out. */
static int read_refcounts(struct qcow2 *s, uint64_t n, uint64_t **out,
			  struct err **e)
{
	_cleanup_free_ uint64_t *rc = xcalloc(n ? n : 1, sizeof(*rc));
	uint64_t first = s->reftable_offset >> s->cluster_bits;

	for (uint64_t i = 0; i < n; i++) {
		int r = qcow2_refcount_get(s, i, &rc[i], e);

		if (r < 0)
			return r;
	}
	for (uint64_t i = 0; i < s->reftable_clusters && first + i < n; i++)
		rc[first + i] = 0;
	for (uint64_t i = 0; i < s->reftable_entries; i++)
		if (s->reftable[i] && (s->reftable[i] >> s->cluster_bits) < n)
			rc[s->reftable[i] >> s->cluster_bits] = 0;
	*out = steal_ptr(rc);
	return 0;
}

/* Refcount blocks (*@k) and table clusters (*@t) covering @n clusters
 * and themselves, placed right after them. */
static void plan_refcounts(uint64_t n, uint64_t cs, uint32_t order, uint64_t *k,
			   uint64_t *t)
{
	uint64_t per = cs * 8 >> order, pk, pt;

	*k = *t = 0;
	do {
		pk = *k;
		pt = *t;
		*k = DIV_ROUND_UP(n + pk + pt, per);
		*t = DIV_ROUND_UP(*k * 8, cs);
	} while (*k != pk || *t != pt);
}

/* Writes @k blocks of width @order holding @rc (@total clusters) at
 * cluster @at, then the table (@t clusters) pointing at them. */
static int write_refcounts(struct qcow2 *s, const uint64_t *rc, uint64_t total,
			   uint32_t order, uint64_t at, uint64_t k, uint64_t t,
			   struct err **e)
{
	uint64_t cs = s->cluster_size, per = cs * 8 >> order;
	_cleanup_free_ uint8_t *blk = xmalloc(cs);
	_cleanup_free_ uint64_t *table = xcalloc(t * cs / 8, 8);

	for (uint64_t b = 0; b < k; b++) {
		uint64_t off = (at + b) * cs;

		memset(blk, 0, cs);
		for (uint64_t i = 0; i < per && b * per + i < total; i++)
			qcow2_refblock_put(blk, order, i, rc[b * per + i]);
		if (pwrite_full(s->fd, blk, cs, (off_t)off) < 0)
			return err_sys(e, errno,
				       "'%s': writing a refcount block",
				       s->name);
		table[b] = htobe64(off);
	}
	if (pwrite_full(s->fd, table, t * cs, (off_t)((at + k) * cs)) < 0)
		return err_sys(e, errno, "'%s': writing the refcount table",
			       s->name);
	return qcow2_sync(s, e);
}

/* Makes @s use the refcount structures just written, header first. */
static int switch_refcounts(struct qcow2 *s, uint32_t order, uint64_t at,
			    uint64_t k, uint64_t t, struct err **e)
{
	uint64_t cs = s->cluster_size;
	uint32_t old_order = s->refcount_order;
	uint64_t old_off = s->reftable_offset;
	uint32_t old_clusters = s->reftable_clusters;
	int r;

	s->refcount_order = order;
	s->reftable_offset = (at + k) * cs;
	s->reftable_clusters = (uint32_t)t;
	r = qcow2_write_header(s, e);
	if (r < 0) {
		s->refcount_order = old_order;
		s->reftable_offset = old_off;
		s->reftable_clusters = old_clusters;
		return r;
	}
	s->refcount_bits = 1u << order;
	s->refcount_max =
		order == 6 ? UINT64_MAX : (1ull << s->refcount_bits) - 1;
	s->refblock_bits = s->cluster_bits + 3 - order;
	free(s->reftable);
	s->reftable = xcalloc(t * cs / 8, 8);
	s->reftable_entries = t * cs / 8;
	for (uint64_t b = 0; b < k; b++)
		s->reftable[b] = (at + b) * cs;
	s->free_hint = 0;
	s->file_end = MAX(s->file_end, (at + k + t) * cs);
	return 0;
}

/* refcount_bits=: every refcount rewritten at the new width. */
static int change_refcount_order(struct qcow2 *s, uint32_t order,
				 struct err **e)
{
	_cleanup_free_ uint64_t *rc = NULL;
	uint64_t n, k, t,
		max = order == 6 ? UINT64_MAX : (1ull << (1u << order)) - 1;
	int r = qcow2_flush(s->b, e);

	if (r == 0)
		r = qcow2_cache_clear(s, s->rb_cache, e);
	if (r < 0)
		return r;
	n = MAX(qcow2_host_clusters(s),
		DIV_ROUND_UP(s->file_end, s->cluster_size));
	r = read_refcounts(s, n, &rc, e);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i < n; i++)
		if (rc[i] > max)
			return err_set(e, ERANGE,
				       "Cannot decrease refcount entry width "
				       "to %u bits: Cluster at offset %#" PRIx64
				       " has a refcount of %" PRIu64,
				       1u << order, i << s->cluster_bits,
				       rc[i]);
	plan_refcounts(n, s->cluster_size, order, &k, &t);
	rc = xrealloc(rc, (n + k + t) * sizeof(*rc));
	for (uint64_t i = n; i < n + k + t; i++)
		rc[i] = 1;
	r = write_refcounts(s, rc, n + k + t, order, n, k, t, e);
	if (r == 0)
		r = switch_refcounts(s, order, n, k, t, e);
	return r;
}

/* Writes zeroes over one host cluster. */
static int zero_cluster(struct qcow2 *s, uint64_t host, struct err **e)
{
	_cleanup_free_ uint8_t *z = xcalloc(1, s->cluster_size);

	if (pwrite_full(s->fd, z, s->cluster_size, (off_t)host) < 0)
		return err_sys(e, errno, "'%s': writing zeroes", s->name);
	return 0;
}

/*
 * The entry that replaces zero entry @ent of a table with refcount
 * @l2rc, for v2: nothing without a backing file (it reads as zeroes
 * anyway), else a cluster of zeroes as shared as the table.
 */
static int expand_entry(struct qcow2 *s, uint64_t ent, uint64_t l2rc,
			uint64_t *out, struct err **e)
{
	uint64_t host = ent & QCOW2_OFFSET_MASK;
	int r;

	if (!host && !s->b->backing_name) {
		*out = 0;
		return 0;
	}
	if (!host) {
		r = qcow2_alloc_clusters(s, 1, &host, e);
		if (r == 0 && l2rc > 1)
			r = qcow2_refcount_add(s, host >> s->cluster_bits,
					       (int64_t)l2rc - 1, e);
		if (r < 0)
			return r;
		ent = host | (l2rc == 1 ? QCOW2_OFLAG_COPIED : 0);
	}
	r = zero_cluster(s, host, e);
	*out = ent & ~QCOW2_OFLAG_ZERO;
	return r;
}

static int expand_table(struct qcow2 *s, uint64_t l2off, struct err **e)
{
	uint64_t per = 1ull << s->l2_bits, l2rc, ent, want;
	void *t;
	int r = qcow2_refcount_get(s, l2off >> s->cluster_bits, &l2rc, e);

	if (r == 0)
		r = qcow2_cache_get(s, s->l2_cache, l2off, true, &t, e);
	if (r < 0)
		return r;
	for (uint32_t j = 0; j < per && r == 0; j++) {
		ent = qcow2_l2_get(s, t, j);
		enum qcow2_ctype ty = qcow2_entry_type(s, ent);

		if (ty != QCOW2_ZERO_PLAIN && ty != QCOW2_ZERO_ALLOC)
			continue;
		r = expand_entry(s, ent, l2rc, &want, e);
		if (r == 0) {
			qcow2_l2_set(s, t, j, want);
			qcow2_cache_dirty(s->l2_cache, t);
		}
	}
	qcow2_cache_put(s->l2_cache, t);
	return r;
}

static int expand_l1(struct qcow2 *s, const uint64_t *l1, uint32_t size,
		     struct err **e)
{
	for (uint32_t i = 0; i < size; i++) {
		uint64_t off = be64toh(l1[i]) & QCOW2_OFFSET_MASK;
		int r = off ? expand_table(s, off, e) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

/* Zero clusters, in the active tables and every snapshot's, made data. */
static int expand_zero_clusters(struct qcow2 *s, struct err **e)
{
	int r = expand_l1(s, s->l1, s->l1_size, e);

	for (uint32_t i = 0; r == 0 && i < s->nb_snapshots; i++) {
		_cleanup_free_ uint64_t *l1 = NULL;

		r = qcow2_read_l1(s, s->snaps[i].l1_offset, s->snaps[i].l1_size,
				  &l1, e);
		if (r == 0)
			r = expand_l1(s, l1, s->snaps[i].l1_size, e);
	}
	return r < 0 ? r : qcow2_flush(s->b, e);
}

/* Whether any L2 table an L1 table reaches has a compressed entry. */
static int has_compressed(struct qcow2 *s, const uint64_t *l1, uint32_t size,
			  struct err **e)
{
	uint64_t per = 1ull << s->l2_bits;

	for (uint32_t i = 0; i < size; i++) {
		uint64_t off = be64toh(l1[i]) & QCOW2_OFFSET_MASK;
		void *t;
		int r = off ? qcow2_cache_get(s, s->l2_cache, off, true, &t, e)
			    : 0;

		if (r < 0)
			return r;
		for (uint32_t j = 0; off && j < per && !r; j++)
			r = qcow2_entry_type(s, qcow2_l2_get(s, t, j)) ==
			    QCOW2_COMPRESSED;
		if (off)
			qcow2_cache_put(s->l2_cache, t);
		if (r)
			return r;
	}
	return 0;
}

/* A zstd image holding no compressed cluster becomes a zlib one. */
static int drop_zstd(struct qcow2 *s, struct err **e)
{
	int r = 0;

	if (s->compression_type == QCOW2_COMPRESSION_ZLIB)
		return 0;
	r = has_compressed(s, s->l1, s->l1_size, e);
	for (uint32_t i = 0; r == 0 && i < s->nb_snapshots; i++) {
		_cleanup_free_ uint64_t *l1 = NULL;

		r = qcow2_read_l1(s, s->snaps[i].l1_offset, s->snaps[i].l1_size,
				  &l1, e);
		if (r == 0)
			r = has_compressed(s, l1, s->snaps[i].l1_size, e);
	}
	if (r < 0)
		return r;
	if (r > 0)
		return err_set(e, ENOTSUP,
			       "Cannot downgrade an image with zstd "
			       "compression type and existing compressed "
			       "clusters");
	s->compression_type = QCOW2_COMPRESSION_ZLIB;
	s->incompat &= ~QCOW2_INCOMPAT_COMPRESSION;
	return 0;
}

static int downgrade(struct qcow2 *s, struct err **e)
{
	uint64_t bad = s->incompat &
		       ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_COMPRESSION);
	int r;

	if (bad)
		return err_set(e, ENOTSUP,
			       "Cannot downgrade an image with incompatible "
			       "features %#" PRIx64 " set",
			       bad);
	if (s->refcount_order != 4)
		return err_set(e, ENOTSUP,
			       "compat=0.10 requires refcount_bits=16");
	if (s->nb_bitmaps)
		return err_set(e, ENOTSUP,
			       "Cannot downgrade an image with bitmaps");
	r = drop_zstd(s, e);
	if (r == 0)
		r = expand_zero_clusters(s, e);
	if (r < 0)
		return r;
	s->version = 2;
	s->incompat = s->compat = s->autoclear = 0;
	return qcow2_write_header(s, e);
}

static int upgrade(struct qcow2 *s, struct err **e)
{
	s->version = 3;
	s->header_length = sizeof(struct qcow2_header_disk);
	s->incompat = s->compat = s->autoclear = 0;
	s->compression_type = QCOW2_COMPRESSION_ZLIB;
	return qcow2_write_header(s, e);
}

/* What qemu-img refuses before it changes anything. */
static int amend_refusals(const struct qcow2 *s, const struct img_amend_opts *o,
			  struct err **e)
{
	int version = o->compat ? o->compat : (int)s->version;

	if (o->lazy_refcounts == 1 && version < 3)
		return err_set(e, EINVAL,
			       "Lazy refcounts only supported with "
			       "compatibility level 1.1 and above (use "
			       "compat=1.1 or greater)");
	if (version < 3 && o->refcount_bits && o->refcount_bits != 16)
		return err_set(e, EINVAL,
			       "Refcount widths other than 16 bits require "
			       "compatibility level 1.1 or above (use "
			       "compat=1.1 or greater)");
	return 0;
}

static int set_lazy(struct qcow2 *s, bool on, struct err **e)
{
	uint64_t want = on ? s->compat | QCOW2_COMPAT_LAZY_REFCOUNTS
			   : s->compat & ~QCOW2_COMPAT_LAZY_REFCOUNTS;
	int r;

	if (want == s->compat)
		return 0;
	r = qcow2_flush(s->b, e); /* refcounts current before "off" */
	if (r < 0)
		return r;
	s->compat = want;
	if (!on)
		s->incompat &= ~QCOW2_INCOMPAT_DIRTY;
	return qcow2_write_header(s, e);
}

int qcow2_amend(struct block *b, const struct img_amend_opts *o, struct err **e)
{
	struct qcow2 *s = b->priv;
	int r = amend_refusals(s, o, e);

	if (r == 0 && s->corrupt)
		r = err_set(e, EIO, "'%s': image is corrupt", s->name);
	if (r == 0 && o->compat > (int)s->version)
		r = upgrade(s, e);
	if (r == 0 && o->refcount_bits &&
	    (uint32_t)o->refcount_bits != s->refcount_bits)
		r = change_refcount_order(
			s, (uint32_t)__builtin_ctz((unsigned)o->refcount_bits),
			e);
	if (r == 0 && o->lazy_refcounts >= 0)
		r = set_lazy(s, o->lazy_refcounts == 1, e);
	if (r == 0 && o->compat && o->compat < (int)s->version)
		r = downgrade(s, e);
	if (r == 0)
		r = qcow2_flush(b, e);
	return r;
}
