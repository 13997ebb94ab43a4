// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 internal snapshots: the snapshot table, and create / apply /
 * delete, which copy L1 tables and move references between trees.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "block/qcow2.h"

#define MAX_EXTRA	1024
#define MAX_TABLE_BYTES (64u << 20)

void qcow2_snapshots_free(struct qcow2 *s)
{
	for (uint32_t i = 0; i < s->nb_snapshots && s->snaps; i++) {
		free(s->snaps[i].id);
		free(s->snaps[i].name);
		free(s->snaps[i].extra);
	}
	free(s->snaps);
	s->snaps = NULL;
}

/* Parses one entry at @p (@avail bytes); returns its size or -errno. */
static ssize_t parse_one(struct qcow2 *s, const uint8_t *p, size_t avail,
			 struct qcow2_snap *sn, struct err **e)
{
	struct qcow2_snapshot_disk d;
	struct qcow2_snapshot_extra x = {0};
	size_t need, xl, il, nl;

	if (avail < sizeof(d))
		goto bad;
	memcpy(&d, p, sizeof(d));
	xl = be32toh(d.extra_data_size);
	il = be16toh(d.id_str_size);
	nl = be16toh(d.name_size);
	need = ALIGN_UP(sizeof(d) + xl + il + nl, 8);
	if (xl > MAX_EXTRA || need > avail)
		goto bad;
	memcpy(&x, p + sizeof(d), MIN(xl, sizeof(x)));
	sn->l1_offset = be64toh(d.l1_table_offset);
	sn->l1_size = be32toh(d.l1_size);
	if ((sn->l1_offset & (s->cluster_size - 1)) ||
	    (uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES)
		goto bad;
	sn->date_sec = be32toh(d.date_sec);
	sn->date_nsec = be32toh(d.date_nsec);
	sn->vm_clock_nsec = be64toh(d.vm_clock_nsec);
	sn->vm_state_size = xl >= 8 ? be64toh(x.vm_state_size_large)
				    : be32toh(d.vm_state_size);
	sn->disk_size = xl >= 16 ? be64toh(x.disk_size) : s->b->size;
	sn->icount = xl >= 24 ? be64toh(x.icount) : UINT64_MAX;
	if (xl > sizeof(x)) {
		sn->extra_len = (uint32_t)(xl - sizeof(x));
		sn->extra = xmalloc(sn->extra_len);
		memcpy(sn->extra, p + sizeof(d) + sizeof(x), sn->extra_len);
	}
	sn->id = xstrndup((const char *)p + sizeof(d) + xl, il);
	sn->name = xstrndup((const char *)p + sizeof(d) + xl + il, nl);
	return (ssize_t)need;
bad:
	return err_set(e, EINVAL, "'%s': invalid snapshot table entry",
		       s->name);
}

int qcow2_snapshots_load(struct qcow2 *s, struct err **e)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t pos = 0, cap;
	int r;

	if (!s->nb_snapshots)
		return 0;
	if (s->nb_snapshots > QCOW2_MAX_SNAPSHOTS || !s->snapshots_offset ||
	    (s->snapshots_offset & (s->cluster_size - 1)))
		return err_set(e, EINVAL, "'%s': invalid snapshot table",
			       s->name);
	cap = MIN((size_t)s->nb_snapshots * (40 + MAX_EXTRA + 2 * 65536 + 8),
		  MAX_TABLE_BYTES);
	if (s->snapshots_offset + cap >
	    qcow2_host_clusters(s) * s->cluster_size)
		cap = qcow2_host_clusters(s) * s->cluster_size -
		      MIN(s->snapshots_offset,
			  qcow2_host_clusters(s) * s->cluster_size);
	buf = xmalloc(cap + 1);
	r = file_pread_zero(s->fd, buf, cap, s->snapshots_offset);
	if (r < 0)
		return err_sys(e, -r, "'%s': reading snapshots", s->name);
	s->snaps = xcalloc(s->nb_snapshots, sizeof(*s->snaps));
	for (uint32_t i = 0; i < s->nb_snapshots; i++) {
		ssize_t n = parse_one(s, buf + pos, cap - pos, &s->snaps[i], e);

		if (n < 0)
			return (int)n;
		pos += (size_t)n;
	}
	s->snapshots_size = pos;
	return 0;
}

/* Serialises the table; returns a malloc'ed buffer of *@len bytes. */
static uint8_t *serialise(struct qcow2 *s, size_t *len)
{
	size_t n = 0, pos = 0;
	uint8_t *buf;

	for (uint32_t i = 0; i < s->nb_snapshots; i++)
		n += ALIGN_UP(40 + 24 + s->snaps[i].extra_len +
				      strlen(s->snaps[i].id) +
				      strlen(s->snaps[i].name),
			      8);
	buf = xcalloc(1, n + 8);
	for (uint32_t i = 0; i < s->nb_snapshots; i++) {
		struct qcow2_snap *sn = &s->snaps[i];
		size_t il = strlen(sn->id), nl = strlen(sn->name);
		struct qcow2_snapshot_disk d = {
			.l1_table_offset = htobe64(sn->l1_offset),
			.l1_size = htobe32(sn->l1_size),
			.id_str_size = htobe16((uint16_t)il),
			.name_size = htobe16((uint16_t)nl),
			.date_sec = htobe32(sn->date_sec),
			.date_nsec = htobe32(sn->date_nsec),
			.vm_clock_nsec = htobe64(sn->vm_clock_nsec),
			.vm_state_size = htobe32(
				(uint32_t)MIN(sn->vm_state_size, UINT32_MAX)),
			.extra_data_size = htobe32(24 + sn->extra_len),
		};
		struct qcow2_snapshot_extra x = {htobe64(sn->vm_state_size),
						 htobe64(sn->disk_size),
						 htobe64(sn->icount)};

		memcpy(buf + pos, &d, 40);
		memcpy(buf + pos + 40, &x, 24);
		if (sn->extra_len)
			memcpy(buf + pos + 64, sn->extra, sn->extra_len);
		pos += 64 + sn->extra_len;
		memcpy(buf + pos, sn->id, il);
		memcpy(buf + pos + il, sn->name, nl);
		pos = ALIGN_UP(pos + il + nl, 8);
	}
	*len = pos;
	return buf;
}

/* Writes the table to new clusters, switches the header, frees the old. */
static int write_table(struct qcow2 *s, struct err **e)
{
	uint64_t old = s->snapshots_offset, old_len = s->snapshots_size,
		 off = 0;
	struct __attribute__((packed)) {
		uint32_t nb;
		uint64_t off;
	} h;
	size_t len;
	_cleanup_free_ uint8_t *buf = serialise(s, &len);
	int r = 0;

	if (len) {
		r = qcow2_alloc_clusters(s, DIV_ROUND_UP(len, s->cluster_size),
					 &off, e);
		if (r == 0)
			r = pwrite_full(s->fd, buf, len, (off_t)off) < 0
				    ? err_sys(e, errno, "writing '%s'", s->name)
				    : 0;
	}
	if (r == 0)
		r = qcow2_flush(s->b, e);
	if (r < 0)
		return r;
	h.nb = htobe32(s->nb_snapshots);
	h.off = htobe64(off);
	if (pwrite_full(s->fd, &h, sizeof(h),
			offsetof(struct qcow2_header_disk, nb_snapshots)) < 0)
		return err_sys(e, errno, "'%s': writing the header", s->name);
	r = qcow2_sync(s, e);
	if (r < 0)
		return r;
	s->snapshots_offset = off;
	s->snapshots_size = len;
	return old_len ? qcow2_free_range(s, old, old_len, e) : 0;
}

static int entry_refs(struct qcow2 *s, uint64_t entry, int delta,
		      struct err **e)
{
	uint64_t start, len;

	switch (qcow2_entry_type(s, entry)) {
	case QCOW2_NORMAL:
	case QCOW2_ZERO_ALLOC:
		return qcow2_refcount_add(
			s, (entry & QCOW2_OFFSET_MASK) >> s->cluster_bits,
			delta, e);
	case QCOW2_COMPRESSED:
		len = ((entry >> s->csize_shift) & s->csize_mask) + 1;
		start = (entry & s->coffset_mask) & ~511ull;
		len *= 512;
		for (uint64_t c = start >> s->cluster_bits;
		     c <= (start + len - 1) >> s->cluster_bits; c++) {
			int r = qcow2_refcount_add(s, c, delta, e);

			if (r < 0)
				return r;
		}
		return 0;
	default:
		return 0;
	}
}

int qcow2_update_l1_refs(struct qcow2 *s, const uint64_t *l1, uint32_t l1_size,
			 int delta, struct err **e)
{
	uint64_t per = 1ull << s->l2_bits;
	_cleanup_free_ uint64_t *t = xmalloc(s->cluster_size);
	int r;

	for (uint32_t i = 0; i < l1_size; i++) {
		uint64_t off = be64toh(l1[i]) & QCOW2_OFFSET_MASK;

		if (!off)
			continue;
		if (off & (s->cluster_size - 1))
			return qcow2_corrupt(s, e, "unaligned L2 table");
		r = file_pread_zero(s->fd, t, s->cluster_size, off);
		if (r < 0)
			return err_sys(e, -r, "reading '%s'", s->name);
		for (uint64_t j = 0; j < per; j++) {
			r = entry_refs(s, qcow2_l2_get(s, t, (uint32_t)j),
				       delta, e);
			if (r < 0)
				return r;
		}
		r = qcow2_refcount_add(s, off >> s->cluster_bits, delta, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Sets COPIED exactly where the refcount is 1, in the active tree. */
int qcow2_fix_copied(struct qcow2 *s, struct err **e)
{
	uint64_t per = 1ull << s->l2_bits, rc, ent, want;
	void *t;
	int r;

	for (uint32_t i = 0; i < s->l1_size; i++) {
		uint64_t l1e = qcow2_l1_get(s, i),
			 off = l1e & QCOW2_OFFSET_MASK;

		if (!off)
			continue;
		r = qcow2_refcount_get(s, off >> s->cluster_bits, &rc, e);
		if (r < 0)
			return r;
		s->l1[i] = htobe64(rc == 1 ? l1e | QCOW2_OFLAG_COPIED
					   : l1e & ~QCOW2_OFLAG_COPIED);
		/* entries of shared tables too: their clusters are shared */
		r = qcow2_cache_get(s, s->l2_cache, off, true, &t, e);
		if (r < 0)
			return r;
		for (uint32_t j = 0; j < per && r == 0; j++) {
			ent = qcow2_l2_get(s, t, j);
			enum qcow2_ctype ty = qcow2_entry_type(s, ent);

			if (ty != QCOW2_NORMAL && ty != QCOW2_ZERO_ALLOC)
				continue;
			r = qcow2_refcount_get(
				s, (ent & QCOW2_OFFSET_MASK) >> s->cluster_bits,
				&rc, e);
			want = rc == 1 ? ent | QCOW2_OFLAG_COPIED
				       : ent & ~QCOW2_OFLAG_COPIED;
			if (want != ent) {
				qcow2_l2_set(s, t, j, want);
				qcow2_cache_dirty(s->l2_cache, t);
			}
		}
		qcow2_cache_put(s->l2_cache, t);
		if (r < 0)
			return r;
	}
	if (pwrite_full(s->fd, s->l1, (size_t)s->l1_size * 8,
			(off_t)s->l1_offset) < 0)
		return err_sys(e, errno, "'%s': writing the L1 table", s->name);
	return qcow2_flush(s->b, e);
}

static int find_snap(struct qcow2 *s, const char *name)
{
	for (uint32_t i = 0; i < s->nb_snapshots; i++)
		if (streq(s->snaps[i].id, name))
			return (int)i;
	for (uint32_t i = 0; i < s->nb_snapshots; i++)
		if (streq(s->snaps[i].name, name))
			return (int)i;
	return -1;
}

static char *next_id(struct qcow2 *s)
{
	unsigned long max = 0;

	for (uint32_t i = 0; i < s->nb_snapshots; i++) {
		unsigned long v = strtoul(s->snaps[i].id, NULL, 10);

		max = MAX(max, v);
	}
	return xasprintf("%lu", max + 1);
}

static int snap_create(struct qcow2 *s, const char *name, struct err **e)
{
	uint64_t bytes = (uint64_t)s->l1_size * 8, off = 0;
	struct qcow2_snap sn = {0};
	struct timespec ts;
	int r;

	if (find_snap(s, name) >= 0)
		return err_set(e, EEXIST, "'%s': a snapshot named '%s' exists",
			       s->name, name);
	if (s->nb_snapshots >= QCOW2_MAX_SNAPSHOTS)
		return err_set(e, ENOSPC, "'%s': too many snapshots", s->name);
	r = qcow2_flush(s->b, e);
	if (r == 0 && bytes)
		r = qcow2_alloc_clusters(
			s, DIV_ROUND_UP(bytes, s->cluster_size), &off, e);
	if (r == 0 && bytes) {
		_cleanup_free_ uint64_t *copy = xmalloc(bytes);

		for (uint32_t i = 0; i < s->l1_size; i++)
			copy[i] = s->l1[i] & htobe64(~QCOW2_OFLAG_COPIED);
		if (pwrite_full(s->fd, copy, bytes, (off_t)off) < 0)
			r = err_sys(e, errno, "writing '%s'", s->name);
	}
	if (r == 0)
		r = qcow2_update_l1_refs(s, s->l1, s->l1_size, 1, e);
	if (r == 0)
		r = qcow2_fix_copied(s, e);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_REALTIME, &ts);
	sn.l1_offset = off;
	sn.l1_size = s->l1_size;
	sn.id = next_id(s);
	sn.name = xstrdup(name);
	sn.date_sec = (uint32_t)ts.tv_sec;
	sn.date_nsec = (uint32_t)ts.tv_nsec;
	sn.disk_size = s->b->size;
	sn.icount = 0;
	s->snaps = xreallocarray(s->snaps, s->nb_snapshots + 1, sizeof(sn));
	s->snaps[s->nb_snapshots++] = sn;
	return write_table(s, e);
}

static int snap_apply(struct qcow2 *s, int i, struct err **e)
{
	struct qcow2_snap *sn = &s->snaps[i];
	_cleanup_free_ uint64_t *snap_l1 = NULL, *old = NULL;
	uint32_t old_size = s->l1_size;
	int r;

	uint64_t span = 1ull << (s->l2_bits + s->cluster_bits);

	/* the size it records is the image's after the switch: L1 covers it */
	if (sn->disk_size > (1ull << 62) ||
	    DIV_ROUND_UP(sn->disk_size, span) * 8 > QCOW2_MAX_L1_BYTES)
		return err_set(e, EFBIG,
			       "'%s': snapshot '%s' records a size of %" PRIu64
			       " bytes, too large",
			       s->name, sn->name, sn->disk_size);
	r = qcow2_flush(s->b, e);
	if (r == 0)
		r = qcow2_grow_l1(
			s, MAX(sn->l1_size, DIV_ROUND_UP(sn->disk_size, span)),
			e);
	if (r == 0)
		r = qcow2_read_l1(s, sn->l1_offset, sn->l1_size, &snap_l1, e);
	if (r == 0)
		r = qcow2_update_l1_refs(s, snap_l1, sn->l1_size, 1, e);
	if (r == 0)
		r = qcow2_flush(s->b, e);
	if (r < 0)
		return r;
	old = s->l1;
	old_size = s->l1_size;
	s->l1 = xcalloc(old_size, 8);
	memcpy(s->l1, snap_l1, (size_t)sn->l1_size * 8);
	if (pwrite_full(s->fd, s->l1, (size_t)old_size * 8,
			(off_t)s->l1_offset) < 0)
		return err_sys(e, errno, "'%s': writing the L1 table", s->name);
	r = qcow2_sync(s, e);
	if (r == 0)
		r = qcow2_update_l1_refs(s, old, old_size, -1, e);
	if (r == 0)
		r = qcow2_cache_clear(s, s->l2_cache, e);
	if (r == 0)
		r = qcow2_fix_copied(s, e);
	/* the image was resized since: back to the snapshot's size */
	if (r == 0 && sn->disk_size != s->b->size) {
		r = s->nb_bitmaps ? qcow2_bitmaps_resize(s, sn->disk_size, e)
				  : qcow2_write_size(s, sn->disk_size, e);
		if (r == 0)
			s->b->size = sn->disk_size;
	}
	return r;
}

static int snap_delete(struct qcow2 *s, int i, struct err **e)
{
	struct qcow2_snap sn = s->snaps[i];
	_cleanup_free_ uint64_t *l1 = NULL;
	int r;

	r = qcow2_flush(s->b, e);
	if (r == 0)
		r = qcow2_read_l1(s, sn.l1_offset, sn.l1_size, &l1, e);
	if (r < 0)
		return r;
	memmove(&s->snaps[i], &s->snaps[i + 1],
		(s->nb_snapshots - (uint32_t)i - 1) * sizeof(sn));
	s->nb_snapshots--;
	r = write_table(s, e);
	if (r == 0)
		r = qcow2_update_l1_refs(s, l1, sn.l1_size, -1, e);
	if (r == 0 && sn.l1_size)
		r = qcow2_free_range(s, sn.l1_offset, (uint64_t)sn.l1_size * 8,
				     e);
	if (r == 0)
		r = qcow2_fix_copied(s, e);
	free(sn.id);
	free(sn.name);
	free(sn.extra);
	return r;
}

int qcow2_snapshot(struct block *b, enum img_snapshot_op op, const char *name,
		   struct err **e)
{
	struct qcow2 *s = b->priv;
	int i;

	if (s->corrupt)
		return err_set(e, EIO, "'%s': image is corrupt", s->name);
	if (op == IMG_SNAPSHOT_CREATE)
		return snap_create(s, name, e);
	i = find_snap(s, name);
	if (i < 0)
		return err_set(e, ENOENT, "'%s': no snapshot named '%s'",
			       s->name, name);
	/* a recording bitmap would not see the whole disk change */
	for (uint32_t k = 0; op == IMG_SNAPSHOT_APPLY && k < s->nb_bitmaps; k++)
		if ((s->bitmaps[k].flags & QCOW2_BME_AUTO) &&
		    !(s->bitmaps[k].flags & QCOW2_BME_IN_USE))
			return err_set(e, EBUSY,
				       "Device has active dirty bitmaps");
	if (op == IMG_SNAPSHOT_APPLY)
		return snap_apply(s, i, e);
	return snap_delete(s, i, e);
}

int qcow2_snapshot_list(struct block *b, struct img_snapshot **list, int *n,
			struct err **e)
{
	struct qcow2 *s = b->priv;
	struct img_snapshot *l = xcalloc(s->nb_snapshots + 1, sizeof(*l));

	for (uint32_t i = 0; i < s->nb_snapshots; i++) {
		struct qcow2_snap *sn = &s->snaps[i];

		l[i].id = xstrdup(sn->id);
		l[i].name = xstrdup(sn->name);
		l[i].vm_state_size = sn->vm_state_size;
		l[i].date_sec = sn->date_sec;
		l[i].date_nsec = sn->date_nsec;
		l[i].vm_clock_nsec = sn->vm_clock_nsec;
		l[i].icount = sn->icount;
		l[i].disk_size = sn->disk_size;
	}
	*list = l;
	*n = (int)s->nb_snapshots;
	return 0;
}
