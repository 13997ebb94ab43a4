// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 check and repair: count every reference to every host cluster
 * (header, tables, data of the active layer and of each snapshot),
 * compare with the stored refcounts, and report (or repair) leaks (a
 * refcount too high) and errors (too low, or a broken table).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>

#include "block/qcow2.h"

#define MAX_CHECK_CLUSTERS (1ull << 28)
#define MAX_REPORT_LINES   10000

struct check {
	struct qcow2 *s;
	uint64_t n; /* host clusters in the file */
	uint32_t *ref;
	struct img_check *res;
	char *report;
	size_t report_len;
	uint64_t lines;
	uint64_t last_host; /* for fragmentation */
};

static void note(struct check *c, const char *fmt, ...) PRINTF(2, 3);
static void note(struct check *c, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;
	size_t l;

	if (++c->lines > MAX_REPORT_LINES)
		return;
	va_start(ap, fmt);
	line = c->lines == MAX_REPORT_LINES
		       ? xstrdup("(more problems not listed)")
		       : xvasprintf(fmt, ap);
	va_end(ap);
	l = strlen(line);
	c->report = xrealloc(c->report, c->report_len + l + 2);
	memcpy(c->report + c->report_len, line, l);
	c->report[c->report_len + l] = '\n';
	c->report[c->report_len + l + 1] = 0;
	c->report_len += l + 1;
}

/* Counts one reference to each cluster of [off, off+len). */
static void inc(struct check *c, uint64_t off, uint64_t len, const char *what)
{
	struct qcow2 *s = c->s;

	if (len == 0)
		return;
	for (uint64_t i = off >> s->cluster_bits;
	     i <= (off + len - 1) >> s->cluster_bits; i++) {
		if (i >= c->n) {
			note(c,
			     "ERROR: %s at offset %#" PRIx64
			     " lies beyond the end of the file",
			     what, i << s->cluster_bits);
			c->res->corruptions++;
			return;
		}
		c->ref[i]++;
	}
}

static void walk_l2(struct check *c, const void *t, bool active)
{
	struct qcow2 *s = c->s;
	uint64_t per = 1ull << s->l2_bits, start, len, host;

	for (uint32_t j = 0; j < per; j++) {
		uint64_t ent = qcow2_l2_get(s, t, j);

		switch (qcow2_entry_type(s, ent)) {
		case QCOW2_COMPRESSED:
			len = (((ent >> s->csize_shift) & s->csize_mask) + 1) *
			      512;
			start = (ent & s->coffset_mask) & ~511ull;
			inc(c, start, len, "compressed cluster");
			if (active) { /* fragmented by nature, as qemu counts */
				c->res->allocated_clusters++;
				c->res->compressed_clusters++;
				c->res->fragmented_clusters++;
			}
			break;
		case QCOW2_NORMAL:
		case QCOW2_ZERO_ALLOC:
			host = ent & QCOW2_OFFSET_MASK;
			if (host & (s->cluster_size - 1)) {
				note(c,
				     "ERROR: unaligned data cluster at "
				     "%#" PRIx64,
				     host);
				c->res->corruptions++;
				break;
			}
			inc(c, host, s->cluster_size, "data cluster");
			if (!active)
				break;
			c->res->allocated_clusters++;
			if (c->last_host &&
			    host != c->last_host + s->cluster_size)
				c->res->fragmented_clusters++;
			c->last_host = host;
			break;
		default:
			break;
		}
	}
}

static int walk_l1(struct check *c, const uint64_t *l1, uint32_t size,
		   bool active, struct err **e)
{
	struct qcow2 *s = c->s;
	_cleanup_free_ uint64_t *t = xmalloc(s->cluster_size);
	int r;

	for (uint32_t i = 0; i < size; i++) {
		uint64_t off = be64toh(l1[i]) & QCOW2_OFFSET_MASK;

		if (!off)
			continue;
		if (off & (s->cluster_size - 1) ||
		    (off >> s->cluster_bits) >= c->n) {
			note(c,
			     "ERROR: invalid L2 table offset %#" PRIx64
			     " in L1 entry %" PRIu32,
			     off, i);
			c->res->corruptions++;
			continue;
		}
		inc(c, off, s->cluster_size, "L2 table");
		r = file_pread_zero(s->fd, t, s->cluster_size, off);
		if (r < 0)
			return err_sys(e, -r, "reading '%s'", s->name);
		walk_l2(c, t, active);
	}
	return 0;
}

/* The bitmap directory, each bitmap's table and its data clusters. */
static int count_bitmaps(struct check *c, struct err **e)
{
	struct qcow2 *s = c->s;

	if (s->nb_bitmaps)
		inc(c, s->bm_dir_offset, s->bm_dir_size, "bitmap directory");
	for (uint32_t i = 0; i < s->nb_bitmaps; i++) {
		const struct qcow2_bitmap *bm = &s->bitmaps[i];
		_cleanup_free_ uint64_t *t = NULL;
		int r = qcow2_bitmap_table_read(s, bm, &t, e);

		if (r < 0)
			return r;
		inc(c, bm->table_offset, (uint64_t)bm->table_size * 8,
		    "bitmap table");
		for (uint32_t j = 0; j < bm->table_size; j++) {
			int64_t off = qcow2_bitmap_entry_cluster(s, t[j]);

			if (off < 0) {
				note(c,
				     "ERROR bitmap '%s' table entry %" PRIu32
				     " is invalid (%#" PRIx64 ")",
				     bm->name, j, t[j]);
				c->res->corruptions++;
			} else if (off) {
				inc(c, (uint64_t)off, s->cluster_size,
				    "bitmap data cluster");
			}
		}
	}
	return 0;
}

static int count_refs(struct check *c, struct err **e)
{
	struct qcow2 *s = c->s;
	int r;

	inc(c, 0, s->cluster_size, "header");
	inc(c, s->l1_offset, (uint64_t)s->l1_size * 8, "L1 table");
	r = walk_l1(c, s->l1, s->l1_size, true, e);
	if (r < 0)
		return r;
	inc(c, s->snapshots_offset, s->snapshots_size, "snapshot table");
	for (uint32_t i = 0; i < s->nb_snapshots; i++) {
		_cleanup_free_ uint64_t *l1 = NULL;
		struct qcow2_snap *sn = &s->snaps[i];

		inc(c, sn->l1_offset, (uint64_t)sn->l1_size * 8,
		    "snapshot L1 table");
		r = qcow2_read_l1(s, sn->l1_offset, sn->l1_size, &l1, e);
		if (r == 0)
			r = walk_l1(c, l1, sn->l1_size, false, e);
		if (r < 0)
			return r;
	}
	r = count_bitmaps(c, e);
	if (r < 0)
		return r;
	inc(c, s->reftable_offset,
	    (uint64_t)s->reftable_clusters * s->cluster_size, "refcount table");
	for (uint64_t i = 0; i < s->reftable_entries; i++)
		if (s->reftable[i])
			inc(c, s->reftable[i], s->cluster_size,
			    "refcount block");
	return 0;
}

/*
 * Compares one cluster's refcount with the references counted; repairs
 * when @fix asks. A refcount of 0 for a cluster in use sets *@rebuild:
 * qemu-img rebuilds the refcount structures then, rather than repair
 * one entry.
 */
static int compare_one(struct check *c, uint64_t i, unsigned fix, bool *rebuild,
		       struct err **e)
{
	uint64_t rc, want = c->ref[i];
	bool leak, repair;
	int r = qcow2_refcount_get(c->s, i, &rc, e);

	if (r < 0 || rc == want)
		return r;
	leak = rc > want;
	if (rc == 0)
		*rebuild = true;
	repair = fix & (leak ? IMG_FIX_LEAKS : IMG_FIX_ERRORS);
	note(c,
	     "%s cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64,
	     repair ? "Repairing"
	     : leak ? "Leaked"
		    : "ERROR",
	     i, rc, want);
	if (repair) {
		r = qcow2_refcount_set(c->s, i, want, e);
		if (r < 0)
			return r;
		if (leak)
			c->res->leaks_fixed++;
		else
			c->res->corruptions_fixed++;
	} else if (leak) {
		c->res->leaks++;
	} else {
		c->res->corruptions++;
	}
	return 0;
}

static int compare_pass(struct check *c, unsigned fix, bool *rebuild,
			struct err **e)
{
	/* refcounts of clusters past the end of the file are not looked at */
	for (uint64_t i = 0; i < c->n; i++) {
		int r = compare_one(c, i, fix, rebuild, e);

		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * As qemu-img: every difference is reported first; then, when a repair
 * is asked, the differences are gone through again and repaired (their
 * counts become the repaired ones), unless a refcount of 0 needs the
 * structures rebuilt and only leaks may be repaired: that check fails.
 */
static int compare(struct check *c, unsigned fix, struct err **e)
{
	struct img_check *res = c->res, before = *res;
	bool rebuild = false;
	int r = compare_pass(c, 0, &rebuild, e);

	if (r < 0 || !fix || (!res->leaks && !res->corruptions))
		return r;
	if (rebuild && !(fix & IMG_FIX_ERRORS)) {
		note(c, "ERROR need to rebuild refcount structures");
		res->check_errors++;
		return err_set(e, EIO, "%s", strerror(EIO));
	}
	*res = before;
	return compare_pass(c, fix, &rebuild, e);
}

/*
 * One COPIED flag against the stored refcount (as qemu-img compares
 * it, after any refcount repair): reported, and counted as repaired
 * when @repair (qcow2_fix_copied() then rewrites the flags).
 */
static int copied_one(struct check *c, uint64_t ent, uint64_t host, bool repair,
		      const char *what, struct err **e)
{
	uint64_t rc;
	int r = qcow2_refcount_get(c->s, host >> c->s->cluster_bits, &rc, e);

	if (r < 0)
		return r;
	if ((rc == 1) == !!(ent & QCOW2_OFLAG_COPIED))
		return 0;
	note(c, "%s OFLAG_COPIED %s=%" PRIx64 " refcount=%" PRIu64,
	     repair ? "Repairing" : "ERROR", what, ent, rc);
	if (repair)
		c->res->corruptions_fixed++;
	else
		c->res->corruptions++;
	return 0;
}

/* The COPIED flags of the active tree's L1 and L2 entries. */
static int check_copied(struct check *c, bool repair, struct err **e)
{
	struct qcow2 *s = c->s;
	uint64_t per = 1ull << s->l2_bits;
	_cleanup_free_ uint64_t *t = xmalloc(s->cluster_size);
	_cleanup_free_ char *what = NULL;
	int r;

	for (uint32_t i = 0; i < s->l1_size; i++) {
		uint64_t l1e = qcow2_l1_get(s, i),
			 off = l1e & QCOW2_OFFSET_MASK;

		if (!off || (off >> s->cluster_bits) >= c->n ||
		    (off & (s->cluster_size - 1)))
			continue;
		free(what);
		what = xasprintf("L2 cluster: l1_index=%" PRIu32 " l1_entry",
				 i);
		r = copied_one(c, l1e, off, repair, what, e);
		if (r < 0)
			return r;
		if (file_pread_zero(s->fd, t, s->cluster_size, off) < 0)
			return err_sys(e, EIO, "reading '%s'", s->name);
		for (uint32_t j = 0; j < per; j++) {
			uint64_t ent = qcow2_l2_get(s, t, j),
				 h = ent & QCOW2_OFFSET_MASK;
			enum qcow2_ctype ty = qcow2_entry_type(s, ent);

			if ((ty != QCOW2_NORMAL && ty != QCOW2_ZERO_ALLOC) ||
			    (h >> s->cluster_bits) >= c->n)
				continue;
			r = copied_one(c, ent, h, repair,
				       "data cluster: l2_entry", e);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * COPIED flags are repaired with -r all, and with -r leaks when nothing
 * else is left wrong (the refcounts they follow are then right), as
 * qemu-img does.
 */
static int copied_pass(struct check *c, unsigned fix, struct err **e)
{
	struct img_check *res = c->res;
	uint64_t before = res->corruptions_fixed;
	bool clean = !res->corruptions && !res->leaks && !res->check_errors;
	bool repair =
		(fix & IMG_FIX_ERRORS) || ((fix & IMG_FIX_LEAKS) && clean);
	int r = check_copied(c, repair, e);

	if (r == 0 && res->corruptions_fixed != before)
		r = qcow2_fix_copied(c->s, e);
	return r;
}

static int run_check(struct qcow2 *s, unsigned fix, struct img_check *res,
		     struct check *c, struct err **e)
{
	int r;

	c->s = s;
	c->res = res;
	c->last_host = 0;
	c->n = qcow2_host_clusters(s);
	if (c->n > MAX_CHECK_CLUSTERS)
		return err_set(e, EFBIG, "'%s': image file too large to check",
			       s->name);
	c->ref = xcalloc(c->n + 1, sizeof(uint32_t));
	r = count_refs(c, e);
	if (r == 0)
		r = compare(c, fix, e);
	if (r == 0)
		r = copied_pass(c, fix, e);
	for (uint64_t i = 0; i < c->n; i++)
		if (c->ref[i])
			res->image_end_offset = (i + 1) << s->cluster_bits;
	res->total_clusters = DIV_ROUND_UP(s->b->size, s->cluster_size);
	free(c->ref);
	c->ref = NULL;
	return r;
}

static int clear_flags(struct qcow2 *s, struct err **e)
{
	uint64_t v;

	if (!(s->incompat & (QCOW2_INCOMPAT_CORRUPT | QCOW2_INCOMPAT_DIRTY)))
		return 0;
	s->incompat &= ~(QCOW2_INCOMPAT_CORRUPT | QCOW2_INCOMPAT_DIRTY);
	v = htobe64(s->incompat);
	if (pwrite_full(s->fd, &v, 8,
			offsetof(struct qcow2_header_disk,
				 incompatible_features)) < 0)
		return err_sys(e, errno, "'%s': writing the header", s->name);
	s->corrupt = false;
	return qcow2_sync(s, e);
}

int qcow2_check(struct block *b, unsigned fix, struct img_check *res,
		struct err **e)
{
	struct qcow2 *s = b->priv;
	struct check c = {0};
	struct img_check first = {0};
	int r;

	r = qcow2_flush(b, NULL);
	(void)r;
	r = run_check(s, fix, fix ? &first : res, &c, e);
	if (r < 0 || !fix)
		goto out;
	if (!first.leaks_fixed && !first.corruptions_fixed) {
		/* nothing repaired: no second check, as qemu-img */
		*res = first;
		if (!res->corruptions && !res->leaks)
			r = clear_flags(s, e);
		goto out;
	}
	if (first.corruptions_fixed || (fix & IMG_FIX_ERRORS))
		r = qcow2_fix_copied(s, e);
	if (r == 0)
		r = qcow2_flush(b, e);
	if (r < 0)
		goto out;
	/* check again: the repair itself may have moved things */
	r = run_check(s, 0, res, &c, e);
	res->leaks_fixed = first.leaks_fixed;
	res->corruptions_fixed = first.corruptions_fixed;
	if (r == 0 && res->corruptions == 0 && res->leaks == 0)
		r = clear_flags(s, e);
out:
	res->report = c.report; /* also on failure: what was found before */
	return r;
}
