// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 persistent dirty bitmaps (docs/interop/qcow2.txt, "Bitmaps"):
 * the bitmaps header extension, the bitmap directory it points at, and
 * each bitmap's table of data clusters. Read from an untrusted file:
 * every count, size and offset is checked before it is used, and an
 * image whose directory is wrong fails to open, naming what is wrong.
 *
 * The directory is read only when the autoclear bit says the extension
 * is consistent; otherwise the bitmaps are ignored (their clusters
 * leak), as QEMU does.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "block/qcow2.h"

void qcow2_bitmaps_free(struct qcow2 *s)
{
	for (uint32_t i = 0; i < s->nb_bitmaps; i++) {
		free(s->bitmaps[i].name);
		free(s->bitmaps[i].data);
	}
	free(s->bitmaps);
	free(s->bm_defer);
	s->bm_defer = NULL;
	s->bitmaps = NULL;
	s->nb_bitmaps = 0;
}

int qcow2_bitmap_ext_parse(struct qcow2 *s, const uint8_t *p, uint32_t len,
			   struct err **e)
{
	struct qcow2_bitmap_ext_disk x;

	if (len < sizeof(x))
		return err_set(e, EINVAL,
			       "'%s': bitmaps extension is %" PRIu32
			       " bytes, fewer than %zu",
			       s->name, len, sizeof(x));
	memcpy(&x, p, sizeof(x));
	s->bm_ext = true;
	s->bm_count = be32toh(x.nb_bitmaps);
	s->bm_reserved = be32toh(x.reserved);
	s->bm_dir_size = be64toh(x.dir_size);
	s->bm_dir_offset = be64toh(x.dir_offset);
	return 0;
}

/* Entries the table of a bitmap of 2^@gbits-byte granules needs. */
uint64_t qcow2_bitmap_table_size(const struct qcow2 *s, uint32_t gbits)
{
	uint64_t bits = DIV_ROUND_UP(s->b->size, 1ull << gbits);

	return DIV_ROUND_UP(bits, s->cluster_size * 8);
}

static int bad_dir(struct qcow2 *s, struct err **e, const char *what,
		   uint64_t v)
{
	return err_set(e, EINVAL, "'%s': bitmap directory: %s (%" PRIu64 ")",
		       s->name, what, v);
}

/* One entry at @p (@left bytes of the directory); *@used its length. */
static int parse_entry(struct qcow2 *s, const uint8_t *p, uint64_t left,
		       struct qcow2_bitmap *bm, uint64_t *used, struct err **e)
{
	struct qcow2_bitmap_dir_disk d;
	uint64_t len;
	uint32_t extra, nsize;

	if (left < sizeof(d))
		return bad_dir(s, e, "entry past its end", left);
	memcpy(&d, p, sizeof(d));
	extra = be32toh(d.extra_data_size);
	nsize = be16toh(d.name_size);
	len = ALIGN_UP(sizeof(d) + (uint64_t)extra + nsize, 8);
	if (len > left)
		return bad_dir(s, e, "entry past its end", len);
	if (nsize == 0 || nsize > QCOW2_MAX_BITMAP_NAME)
		return bad_dir(s, e, "bad name length", nsize);
	bm->flags = be32toh(d.flags);
	bm->granularity_bits = d.granularity_bits;
	bm->table_offset = be64toh(d.table_offset);
	bm->table_size = be32toh(d.table_size);
	if (bm->flags & ~QCOW2_BME_KNOWN)
		return bad_dir(s, e, "reserved flags set", bm->flags);
	if (d.type != 1)
		return bad_dir(s, e, "unknown bitmap type", d.type);
	if (bm->granularity_bits < 9 || bm->granularity_bits > 31)
		return bad_dir(s, e, "granularity bits out of 9..31",
			       bm->granularity_bits);
	/* a table past the end of the file reads as zeroes; check says so */
	if (!bm->table_offset || bm->table_offset & (s->cluster_size - 1) ||
	    bm->table_offset > (1ull << 56))
		return bad_dir(s, e, "bad bitmap table offset",
			       bm->table_offset);
	if ((uint64_t)bm->table_size * 8 > QCOW2_MAX_BITMAP_TABLE)
		return bad_dir(s, e, "bitmap table too large", bm->table_size);
	/* its bits are held in memory while it records: QEMU's bound */
	if (DIV_ROUND_UP(DIV_ROUND_UP(s->b->size, 1ull << bm->granularity_bits),
			 8) > QCOW2_MAX_BITMAP_BYTES)
		return bad_dir(s, e, "bitmap too large for its granularity",
			       bm->granularity_bits);
	if (bm->table_size != qcow2_bitmap_table_size(s, bm->granularity_bits))
		return bad_dir(s, e, "bitmap table size does not fit the disk",
			       bm->table_size);
	/* as QEMU, a name may hold a NUL byte; it ends there for us */
	bm->name = xstrndup((const char *)p + sizeof(d) + extra, nsize);
	*used = len;
	return 0;
}

static int parse_dir(struct qcow2 *s, const uint8_t *dir, struct err **e)
{
	uint64_t pos = 0, used = 0;

	s->bitmaps = xcalloc(s->bm_count, sizeof(*s->bitmaps));
	for (uint32_t i = 0; i < s->bm_count; i++, pos += used) {
		int r = parse_entry(s, dir + pos, s->bm_dir_size - pos,
				    &s->bitmaps[i], &used, e);

		s->nb_bitmaps = i + (s->bitmaps[i].name != NULL);
		if (r < 0)
			return r;
		for (uint32_t j = 0; j < i; j++)
			if (streq(s->bitmaps[j].name, s->bitmaps[i].name))
				return err_set(e, EINVAL,
					       "'%s': bitmap directory: two "
					       "bitmaps named '%s'",
					       s->name, s->bitmaps[i].name);
	}
	if (pos != s->bm_dir_size)
		return bad_dir(s, e, "size does not match its entries",
			       s->bm_dir_size);
	return 0;
}

/* Every entry of @bm's table well formed (QEMU refuses the image too). */
static int check_table(struct qcow2 *s, const struct qcow2_bitmap *bm,
		       struct err **e)
{
	_cleanup_free_ uint64_t *t = NULL;
	int r = qcow2_bitmap_table_read(s, bm, &t, e);

	for (uint32_t i = 0; r == 0 && i < bm->table_size; i++)
		if (qcow2_bitmap_entry_cluster(s, t[i]) < 0)
			r = err_set(e, EINVAL,
				    "'%s': bitmap '%s': table entry %" PRIu32
				    " is invalid (%#" PRIx64 ")",
				    s->name, bm->name, i, t[i]);
	return r;
}

int qcow2_bitmaps_load(struct qcow2 *s, struct err **e)
{
	_cleanup_free_ uint8_t *dir = NULL;
	uint64_t filesz = qcow2_host_clusters(s) * s->cluster_size;
	int r;

	if (!s->bm_ext || !(s->autoclear & QCOW2_AUTOCLEAR_BITMAPS))
		return 0; /* absent, or inconsistent: ignored */
	if (s->bm_count == 0 || s->bm_count > QCOW2_MAX_BITMAPS)
		return bad_dir(s, e, "bad number of bitmaps", s->bm_count);
	if (s->bm_reserved)
		return bad_dir(s, e, "reserved field set", s->bm_reserved);
	if (s->bm_dir_size < sizeof(struct qcow2_bitmap_dir_disk) ||
	    s->bm_dir_size > QCOW2_MAX_BITMAP_DIR)
		return bad_dir(s, e, "bad size", s->bm_dir_size);
	if (!s->bm_dir_offset || s->bm_dir_offset & (s->cluster_size - 1) ||
	    s->bm_dir_offset > filesz ||
	    s->bm_dir_size > filesz - s->bm_dir_offset)
		return bad_dir(s, e, "outside the file", s->bm_dir_offset);
	dir = xmalloc(s->bm_dir_size);
	r = file_pread_zero(s->fd, dir, s->bm_dir_size, s->bm_dir_offset);
	if (r < 0)
		return err_sys(e, -r, "'%s': reading the bitmap directory",
			       s->name);
	r = parse_dir(s, dir, e);
	for (uint32_t i = 0; r == 0 && i < s->nb_bitmaps; i++)
		r = check_table(s, &s->bitmaps[i], e);
	return r;
}

/* Data cluster of bitmap table entry @ent, 0 for none; -1 if invalid. */
int64_t qcow2_bitmap_entry_cluster(const struct qcow2 *s, uint64_t ent)
{
	uint64_t off = ent & QCOW2_BITMAP_OFFSET_MASK;

	if (ent & QCOW2_BITMAP_RESERVED || off & (s->cluster_size - 1) ||
	    (off && (ent & 1)))
		return -1;
	return (int64_t)off;
}

int qcow2_bitmap_table_read(struct qcow2 *s, const struct qcow2_bitmap *bm,
			    uint64_t **out, struct err **e)
{
	uint64_t *t = xcalloc(MAX(bm->table_size, 1u), 8);
	int r = file_pread_zero(s->fd, t, (size_t)bm->table_size * 8,
				bm->table_offset);

	if (r < 0) {
		free(t);
		return err_sys(e, -r, "'%s': reading the table of bitmap '%s'",
			       s->name, bm->name);
	}
	for (uint32_t i = 0; i < bm->table_size; i++)
		t[i] = be64toh(t[i]);
	*out = t;
	return 0;
}

int qcow2_bitmaps_info(struct qcow2 *s, struct img_info *info)
{
	info->bitmaps = xcalloc(MAX(s->nb_bitmaps, 1u), sizeof(*info->bitmaps));
	info->nb_bitmaps = (int)s->nb_bitmaps;
	for (uint32_t i = 0; i < s->nb_bitmaps; i++) {
		info->bitmaps[i].name = xstrdup(s->bitmaps[i].name);
		info->bitmaps[i].granularity =
			1ull << s->bitmaps[i].granularity_bits;
		info->bitmaps[i].in_use =
			s->bitmaps[i].flags & QCOW2_BME_IN_USE;
		info->bitmaps[i].recording =
			s->bitmaps[i].flags & QCOW2_BME_AUTO;
	}
	return 0;
}
