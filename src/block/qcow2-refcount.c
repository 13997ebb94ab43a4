// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 refcounts: the refcount table (kept in memory, host order),
 * refcount blocks (through the cache), cluster allocation and freeing.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "block/qcow2.h"

static uint64_t rb_get(const struct qcow2 *s, const uint8_t *blk, uint64_t i)
{
	uint32_t bits = s->refcount_bits, per;

	switch (s->refcount_order) {
	case 3:
		return blk[i];
	case 4:
		return be16toh(((const uint16_t *)blk)[i]);
	case 5:
		return be32toh(((const uint32_t *)blk)[i]);
	case 6:
		return be64toh(((const uint64_t *)blk)[i]);
	default:
		per = 8 / bits;
		return (blk[i / per] >> ((i % per) * bits)) & s->refcount_max;
	}
}

void qcow2_refblock_put(uint8_t *blk, uint32_t order, uint64_t i, uint64_t v)
{
	uint32_t bits = 1u << order, per, shift;
	uint8_t mask;

	switch (order) {
	case 3:
		blk[i] = (uint8_t)v;
		return;
	case 4:
		((uint16_t *)blk)[i] = htobe16((uint16_t)v);
		return;
	case 5:
		((uint32_t *)blk)[i] = htobe32((uint32_t)v);
		return;
	case 6:
		((uint64_t *)blk)[i] = htobe64(v);
		return;
	default:
		per = 8 / bits;
		shift = (i % per) * bits;
		mask = (uint8_t)(((1u << bits) - 1) << shift);
		blk[i / per] = (uint8_t)((blk[i / per] & ~mask) |
					 ((v << shift) & mask));
	}
}

static void rb_set(const struct qcow2 *s, uint8_t *blk, uint64_t i, uint64_t v)
{
	qcow2_refblock_put(blk, s->refcount_order, i, v);
}

uint64_t qcow2_host_clusters(struct qcow2 *s)
{
	struct stat st;

	if (fstat(s->fd, &st) < 0)
		return 0;
	return DIV_ROUND_UP((uint64_t)st.st_size, s->cluster_size);
}

int qcow2_refcount_load(struct qcow2 *s, struct err **e)
{
	uint64_t n = (uint64_t)s->reftable_clusters * s->cluster_size / 8;
	int r;

	s->reftable = xcalloc(n, sizeof(uint64_t));
	s->reftable_entries = n;
	r = file_pread_zero(s->fd, s->reftable, n * 8, s->reftable_offset);
	if (r < 0)
		return err_sys(e, -r, "'%s': reading the refcount table",
			       s->name);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = be64toh(s->reftable[i]);

		if (v & QCOW2_REFT_RESERVED || (v && v < s->cluster_size) ||
		    v & (s->cluster_size - 1))
			return qcow2_corrupt(s, e,
					     "refcount table entry %" PRIu64
					     " is invalid (%#" PRIx64 ")",
					     i, v);
		s->reftable[i] = v;
	}
	return 0;
}

/* The refcount block holding cluster @idx: *@blk pinned, or NULL. */
static int get_block(struct qcow2 *s, uint64_t idx, uint8_t **blk,
		     struct err **e)
{
	uint64_t rt = idx >> s->refblock_bits;

	*blk = NULL;
	if (rt >= s->reftable_entries || !s->reftable[rt])
		return 0;
	return qcow2_cache_get(s, s->rb_cache, s->reftable[rt], true,
			       (void **)blk, e);
}

int qcow2_refcount_get(struct qcow2 *s, uint64_t idx, uint64_t *rc,
		       struct err **e)
{
	uint8_t *blk;
	int r = get_block(s, idx, &blk, e);

	*rc = 0;
	if (r < 0 || !blk)
		return r;
	*rc = rb_get(s, blk, idx & ((1ull << s->refblock_bits) - 1));
	qcow2_cache_put(s->rb_cache, blk);
	return 0;
}

static int write_reftable_entry(struct qcow2 *s, uint64_t rt, struct err **e)
{
	uint64_t v = htobe64(s->reftable[rt]);
	int r = pwrite_full(s->fd, &v, 8, (off_t)(s->reftable_offset + rt * 8));

	if (r < 0)
		return err_sys(e, -r, "'%s': writing the refcount table",
			       s->name);
	return 0;
}

static int grow_reftable(struct qcow2 *s, uint64_t need, struct err **e);
static int check_free_range(struct qcow2 *s, uint64_t start, uint64_t n,
			    struct err **e);

/* Creates the refcount block for table index @rt, placed first in the
 * range it covers (all of which is free, having no block). */
static int create_refblock(struct qcow2 *s, uint64_t rt, struct err **e)
{
	uint64_t off;
	uint8_t *blk;
	int r;

	if (rt >= s->reftable_entries) {
		r = grow_reftable(s, rt + 1, e);
		if (r < 0 || s->reftable[rt])
			return r;
	}
	off = (rt << s->refblock_bits) << s->cluster_bits;
	r = check_free_range(s, rt << s->refblock_bits, 1, e);
	if (r < 0)
		return r;
	qcow2_cache_drop(s->rb_cache, off);
	qcow2_cache_drop(s->l2_cache, off);
	r = qcow2_cache_get(s, s->rb_cache, off, false, (void **)&blk, e);
	if (r < 0)
		return r;
	rb_set(s, blk, 0, 1);
	r = qcow2_cache_write(s, s->rb_cache, blk, e);
	qcow2_cache_put(s->rb_cache, blk);
	if (r == 0)
		r = qcow2_sync(s, e);
	if (r < 0)
		return r;
	s->reftable[rt] = off;
	return write_reftable_entry(s, rt, e);
}

/* Writes new refcount blocks and table at cluster @base. */
static int write_new_reftable(struct qcow2 *s, uint64_t base, uint64_t k,
			      uint64_t tc, uint64_t *tab, uint64_t entries,
			      struct err **e)
{
	uint64_t epb = 1ull << s->refblock_bits, cs = s->cluster_size;
	_cleanup_free_ uint8_t *blocks = xcalloc(k, cs);
	_cleanup_free_ uint64_t *be = xcalloc(tc, cs);
	int r;

	for (uint64_t c = 0; c < k + tc; c++)
		rb_set(s, blocks + (c / epb) * cs, c % epb, 1);
	for (uint64_t c = base; c < base + k + tc; c++) {
		qcow2_cache_drop(s->rb_cache, c * cs);
		qcow2_cache_drop(s->l2_cache, c * cs);
	}
	for (uint64_t i = 0; i < entries; i++)
		be[i] = htobe64(tab[i]);
	r = pwrite_full(s->fd, blocks, k * cs, (off_t)(base * cs));
	if (r == 0)
		r = pwrite_full(s->fd, be, tc * cs, (off_t)((base + k) * cs));
	if (r < 0)
		return err_sys(e, -r, "'%s': writing a new refcount table",
			       s->name);
	return qcow2_sync(s, e);
}

/* Switches the header to the new table; 0 or -errno. */
static int switch_reftable(struct qcow2 *s, uint64_t off, uint32_t clusters,
			   struct err **e)
{
	struct {
		uint64_t off;
		uint32_t clusters;
	} __attribute__((packed)) h = {htobe64(off), htobe32(clusters)};
	int r = pwrite_full(
		s->fd, &h, sizeof(h),
		offsetof(struct qcow2_header_disk, refcount_table_offset));

	if (r < 0)
		return err_sys(e, -r, "'%s': writing the header", s->name);
	return qcow2_sync(s, e);
}

/*
 * Grows the refcount table to at least @need entries. The new table
 * and the refcount blocks that describe it go to the first clusters the
 * old table does not cover; the header switches to it once it is on
 * disk, then the old table is freed.
 */
static int grow_reftable(struct qcow2 *s, uint64_t need, struct err **e)
{
	uint64_t epb = 1ull << s->refblock_bits, cs = s->cluster_size;
	uint64_t base = s->reftable_entries * epb, n = s->reftable_entries * 2;
	uint64_t tc, k, old_off = s->reftable_offset;
	uint32_t old_clusters = s->reftable_clusters;
	uint64_t *tab;
	int r;

	n = MAX(n, need);
	for (;;) {
		tc = DIV_ROUND_UP(n * 8, cs);
		for (k = 1; k * epb < k + tc; k++)
			;
		if (((base + k + tc - 1) >> s->refblock_bits) < n)
			break;
		n = ((base + k + tc - 1) >> s->refblock_bits) + 1;
	}
	n = tc * cs / 8;
	if (tc * cs > QCOW2_MAX_REFTABLE_BYTES || tc > UINT32_MAX ||
	    ((base + k + tc) << s->cluster_bits) >> s->cluster_bits !=
		    base + k + tc)
		return err_set(e, ENOSPC, "'%s': refcount table too large",
			       s->name);
	r = check_free_range(s, base, k + tc, e);
	if (r < 0)
		return r;
	tab = xcalloc(n, sizeof(uint64_t));
	memcpy(tab, s->reftable, s->reftable_entries * 8);
	for (uint64_t j = 0; j < k; j++)
		tab[(base >> s->refblock_bits) + j] = (base + j * epb) * cs;
	r = write_new_reftable(s, base, k, tc, tab, n, e);
	if (r == 0)
		r = switch_reftable(s, (base + k) * cs, (uint32_t)tc, e);
	if (r < 0) {
		free(tab);
		return r;
	}
	free(s->reftable);
	s->reftable = tab;
	s->reftable_entries = n;
	s->reftable_offset = (base + k) * cs;
	s->reftable_clusters = (uint32_t)tc;
	return qcow2_free_range(s, old_off, (uint64_t)old_clusters * cs, e);
}

int qcow2_refcount_set(struct qcow2 *s, uint64_t idx, uint64_t rc,
		       struct err **e)
{
	uint64_t rt = idx >> s->refblock_bits;
	uint8_t *blk;
	int r;

	if (rc > s->refcount_max)
		return err_set(e, ERANGE, "'%s': refcount overflow", s->name);
	if (rt >= s->reftable_entries || !s->reftable[rt]) {
		if (rc == 0)
			return 0;
		r = create_refblock(s, rt, e);
		if (r < 0)
			return r;
	}
	r = get_block(s, idx, &blk, e);
	if (r < 0)
		return r;
	rb_set(s, blk, idx & ((1ull << s->refblock_bits) - 1), rc);
	qcow2_cache_dirty(s->rb_cache, blk);
	qcow2_cache_put(s->rb_cache, blk);
	if (rc == 0) {
		if (idx < s->free_hint)
			s->free_hint = idx;
		qcow2_cache_drop(s->l2_cache, idx << s->cluster_bits);
		qcow2_cache_drop(s->rb_cache, idx << s->cluster_bits);
	}
	return 0;
}

int qcow2_refcount_add(struct qcow2 *s, uint64_t idx, int64_t delta,
		       struct err **e)
{
	uint64_t rc;
	int r = qcow2_refcount_get(s, idx, &rc, e);

	if (r < 0)
		return r;
	if (delta < 0 && rc < (uint64_t)-delta)
		return qcow2_corrupt(s, e,
				     "refcount of cluster %" PRIu64
				     " would drop below zero",
				     idx);
	if (delta > 0 && rc + (uint64_t)delta > s->refcount_max)
		return err_set(e, ERANGE,
			       "'%s': refcount of cluster %" PRIu64
			       " would exceed its maximum %" PRIu64,
			       s->name, idx, s->refcount_max);
	return qcow2_refcount_set(s, idx, rc + (uint64_t)delta, e);
}

/* Finds @n free clusters from the hint; *@first_free: the first seen. */
static int find_free(struct qcow2 *s, uint64_t n, uint64_t *start,
		     uint64_t *first_free, struct err **e)
{
	uint64_t i = s->free_hint, run = 0, rc;
	bool seen = false;
	int r;

	while (run < n) {
		if ((i + run) >> (56 - s->cluster_bits))
			return err_set(e, ENOSPC, "'%s': image file full",
				       s->name);
		r = qcow2_refcount_get(s, i + run, &rc, e);
		if (r < 0)
			return r;
		if (rc == 0) {
			if (!seen)
				*first_free = i + run;
			seen = true;
			run++;
		} else {
			i += run + 1;
			run = 0;
		}
	}
	*start = i;
	return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/*
 * A cluster that looks free but holds the header or a table means the
 * refcounts are wrong: refuse rather than overwrite metadata.
 */
static int check_free_range(struct qcow2 *s, uint64_t start, uint64_t n,
			    struct err **e)
{
	uint64_t off = start << s->cluster_bits, len = n << s->cluster_bits;

	if (overlaps(off, len, 0, s->cluster_size) ||
	    overlaps(off, len, s->l1_offset, (uint64_t)s->l1_size * 8) ||
	    overlaps(off, len, s->reftable_offset,
		     (uint64_t)s->reftable_clusters << s->cluster_bits) ||
	    overlaps(off, len, s->snapshots_offset, s->snapshots_size))
		return qcow2_corrupt(
			s, e, "metadata at %#" PRIx64 " has no reference count",
			off);
	return 0;
}

int qcow2_alloc_clusters(struct qcow2 *s, uint64_t n, uint64_t *off,
			 struct err **e)
{
	uint64_t start = 0, first_free = 0, rt;
	int r, tries = 0;

retry:
	r = find_free(s, n, &start, &first_free, e);
	if (r == 0)
		r = check_free_range(s, start, n, e);
	if (r < 0)
		return r;
	for (uint64_t j = 0; j < n; j++) {
		rt = (start + j) >> s->refblock_bits;
		if (rt < s->reftable_entries && s->reftable[rt])
			continue;
		if (++tries > 64)
			return qcow2_corrupt(s, e,
					     "cannot place a refcount "
					     "block");
		r = create_refblock(s, rt, e);
		if (r < 0)
			return r;
		goto retry;
	}
	for (uint64_t j = 0; j < n; j++) {
		r = qcow2_refcount_add(s, start + j, 1, e);
		if (r < 0)
			return r;
	}
	s->free_hint = first_free == start ? start + n : first_free;
	*off = start << s->cluster_bits;
	s->file_end = MAX(s->file_end, (start + n) << s->cluster_bits);
	return 0;
}

void qcow2_free_later(struct qcow2 *s, uint64_t off)
{
	if (s->npending == s->pending_cap) {
		s->pending_cap = s->pending_cap ? s->pending_cap * 2 : 64;
		s->pending_free = xreallocarray(s->pending_free, s->pending_cap,
						sizeof(uint64_t));
	}
	s->pending_free[s->npending++] = off;
}

int qcow2_free_pending(struct qcow2 *s, struct err **e)
{
	int r = 0;

	for (size_t i = 0; i < s->npending && r == 0; i++)
		r = qcow2_refcount_add(s, s->pending_free[i] >> s->cluster_bits,
				       -1, e);
	s->npending = 0;
	return r;
}

int qcow2_free_range(struct qcow2 *s, uint64_t off, uint64_t len,
		     struct err **e)
{
	uint64_t first = off >> s->cluster_bits;
	uint64_t last = (off + len - 1) >> s->cluster_bits;
	int r;

	if (len == 0)
		return 0;
	for (uint64_t i = first; i <= last; i++) {
		r = qcow2_refcount_add(s, i, -1, e);
		if (r < 0)
			return r;
	}
	return 0;
}
