// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2: the header (parse, validate, write), open and close, the I/O
 * entry points and the driver table. See qcow2.h for the format.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "block/qcow2.h"

#define L2_CACHE_TABLES 64
#define RB_CACHE_BLOCKS 16

static int qcow2_probe(const uint8_t *buf, size_t len)
{
	return len >= 8 && be32toh(*(const uint32_t *)buf) == QCOW2_MAGIC &&
			       (be32toh(*(const uint32_t *)(buf + 4)) >= 2)
		       ? 100
		       : 0;
}

/*
 * What qcow2_corrupt() did about what it found, for its message: only a
 * writable v3 image opened for use gets the corrupt bit; a read-only
 * open never writes, and says so rather than claim a mark that
 * `nido img info` would not show.
 */
static const char *corrupt_outcome(struct qcow2 *s, int marked)
{
	if (marked > 0)
		return "it is now marked corrupt and further writes are "
		       "refused (see 'nido img check')";
	if (marked < 0)
		return "marking it corrupt failed; further writes through "
		       "this handle are refused (see 'nido img check')";
	if (s->incompat & QCOW2_INCOMPAT_CORRUPT)
		return "it was already marked corrupt (see 'nido img check')";
	if (s->b->read_only)
		return "the image is open read-only and was left unchanged "
		       "(see 'nido img check')";
	if (s->b->flags & BLOCK_OPEN_CHECK)
		return "the image is open for checking and was not marked";
	return "further writes through this handle are refused; a qcow2 "
	       "v2 image has no corrupt bit (see 'nido img check')";
}

/* Sets the corrupt bit on disk: 1 when set, 0 when not wanted, -1. */
static int mark_corrupt(struct qcow2 *s)
{
	uint64_t v = htobe64(s->incompat | QCOW2_INCOMPAT_CORRUPT);

	if (s->corrupt || s->b->read_only || s->version < 3 ||
	    (s->b->flags & BLOCK_OPEN_CHECK) ||
	    (s->incompat & QCOW2_INCOMPAT_CORRUPT))
		return 0;
	if (pwrite_full(s->fd, &v, 8,
			offsetof(struct qcow2_header_disk,
				 incompatible_features)) < 0)
		return -1;
	(void)fdatasync(s->fd);
	s->incompat |= QCOW2_INCOMPAT_CORRUPT;
	return 1;
}

int qcow2_corrupt(struct qcow2 *s, struct err **e, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	int marked;
	va_list ap;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	marked = mark_corrupt(s);
	s->corrupt = true;
	return err_set(e, EIO, "'%s': image is corrupt: %s; %s", s->name, what,
		       corrupt_outcome(s, marked));
}

int qcow2_sync(struct qcow2 *s, struct err **e)
{
	if (s->b->flags & BLOCK_OPEN_NO_FLUSH)
		return 0;
	if (fdatasync(s->fd) < 0)
		return err_sys(e, errno, "flushing '%s'", s->name);
	return 0;
}

int qcow2_flush(struct block *b, struct err **e)
{
	struct qcow2 *s = b->priv;
	int r;

	r = qcow2_cache_flush(s, s->rb_cache, e);
	if (r == 0)
		r = qcow2_cache_flush(s, s->l2_cache, e);
	if (r == 0)
		r = qcow2_sync(s, e);
	if (r == 0 && s->npending) {
		r = qcow2_free_pending(s, e);
		if (r == 0)
			r = qcow2_cache_flush(s, s->rb_cache, e);
	}
	return r;
}

/* ---- header ---- */

static int read_header(struct qcow2 *s, struct qcow2_header_disk *h,
		       uint64_t file_size, struct err **e)
{
	int r;

	if (file_size < QCOW2_V2_HEADER_LEN)
		return err_set(e, EINVAL,
			       "'%s': truncated qcow2 header (%" PRIu64
			       " bytes)",
			       s->name, file_size);
	memset(h, 0, sizeof(*h));
	r = file_pread_zero(s->fd, h, sizeof(*h), 0);
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", s->name);
	if (be32toh(h->magic) != QCOW2_MAGIC)
		return err_set(e, EINVAL, "'%s': not a qcow2 image", s->name);
	s->version = be32toh(h->version);
	if (s->version != 2 && s->version != 3)
		return err_set(e, ENOTSUP,
			       "'%s': unsupported qcow2 version %" PRIu32,
			       s->name, s->version);
	s->cluster_bits = be32toh(h->cluster_bits);
	if (s->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
	    s->cluster_bits > QCOW2_MAX_CLUSTER_BITS)
		return err_set(e, EINVAL,
			       "'%s': unsupported cluster size 2^%" PRIu32,
			       s->name, s->cluster_bits);
	s->cluster_size = 1ull << s->cluster_bits;
	if (s->version == 2) {
		s->header_length = QCOW2_V2_HEADER_LEN;
		s->refcount_order = 4;
		memset((uint8_t *)h + QCOW2_V2_HEADER_LEN, 0,
		       sizeof(*h) - QCOW2_V2_HEADER_LEN);
		return 0;
	}
	s->header_length = be32toh(h->header_length);
	if (s->header_length < QCOW2_V3_MIN_HEADER_LEN ||
	    s->header_length > s->cluster_size || s->header_length > file_size)
		return err_set(e, EINVAL,
			       "'%s': invalid qcow2 header length %" PRIu32,
			       s->name, s->header_length);
	if (s->header_length < sizeof(*h))
		memset((uint8_t *)h + s->header_length, 0,
		       sizeof(*h) - s->header_length);
	s->incompat = be64toh(h->incompatible_features);
	s->compat = be64toh(h->compatible_features);
	s->autoclear = be64toh(h->autoclear_features);
	s->refcount_order = be32toh(h->refcount_order);
	s->compression_type = h->compression_type;
	return 0;
}

static int check_features(struct qcow2 *s, const struct qcow2_header_disk *h,
			  struct err **e)
{
	uint64_t unknown = s->incompat & ~QCOW2_INCOMPAT_KNOWN;

	if (unknown)
		return err_set(e, ENOTSUP,
			       "'%s': image uses unknown incompatible "
			       "features (%#" PRIx64 "); refusing to open it",
			       s->name, unknown);
	if (s->incompat & QCOW2_INCOMPAT_DATA_FILE)
		return err_set(e, ENOTSUP,
			       "'%s': external data files are not supported",
			       s->name);
	if ((s->incompat & QCOW2_INCOMPAT_EXTL2) && s->cluster_bits < 14)
		return err_set(e, EINVAL,
			       "'%s': extended L2 entries need clusters of "
			       "16 KiB or more",
			       s->name);
	if ((s->incompat & QCOW2_INCOMPAT_EXTL2) && !s->b->read_only)
		return err_set(e, ENOTSUP,
			       "'%s': extended L2 entries (subclusters) are "
			       "read-only here; open the image read-only or "
			       "convert it",
			       s->name);
	if (be32toh(h->crypt_method))
		return err_set(e, ENOTSUP,
			       "'%s': encrypted images are not supported",
			       s->name);
	if (s->compression_type > QCOW2_COMPRESSION_ZSTD ||
	    (s->compression_type &&
	     !(s->incompat & QCOW2_INCOMPAT_COMPRESSION)))
		return err_set(e, ENOTSUP, "'%s': unknown compression type %u",
			       s->name, s->compression_type);
	if (s->refcount_order > 6)
		return err_set(e, EINVAL,
			       "'%s': invalid refcount order %" PRIu32, s->name,
			       s->refcount_order);
	if (s->incompat & QCOW2_INCOMPAT_CORRUPT && !s->b->read_only &&
	    !(s->b->flags & BLOCK_OPEN_CHECK))
		return err_set(e, EIO,
			       "'%s': image is marked corrupt; open it "
			       "read-only or repair it with 'nido img check "
			       "-r all'",
			       s->name);
	return 0;
}

/*
 * An image left dirty (lazy refcounts, writer killed) has refcounts that
 * may be too low; before writing, rebuild them, as QEMU does on open.
 * Reading needs no refcounts: read-only opens leave the image alone.
 */
static int repair_dirty(struct block *b, struct err **e)
{
	struct qcow2 *s = b->priv;
	struct img_check res = {0};
	int r;

	if (!(s->incompat & QCOW2_INCOMPAT_DIRTY) || b->read_only ||
	    (b->flags & BLOCK_OPEN_CHECK))
		return 0;
	r = qcow2_check(b, IMG_FIX_LEAKS | IMG_FIX_ERRORS, &res, e);
	free(res.report);
	if (r == 0 && (res.corruptions || res.leaks ||
		       (s->incompat & QCOW2_INCOMPAT_DIRTY)))
		r = err_set(e, EIO,
			    "'%s': image was not closed cleanly and could not "
			    "be repaired (%" PRIu64 " errors left); see "
			    "'nido img check'",
			    s->name, res.corruptions + res.leaks);
	else if (r < 0)
		r = err_prefix(e, "repairing '%s' (not closed cleanly)",
			       s->name);
	return r;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Validates the tables the header points to against the file. */
static int check_tables(struct qcow2 *s, const struct qcow2_header_disk *h,
			uint64_t file_size, struct err **e)
{
	uint64_t cs = s->cluster_size, l1_bytes, rt_bytes, need;
	uint64_t span = 1ull << (s->l2_bits + s->cluster_bits);

	s->l1_size = be32toh(h->l1_size);
	s->l1_offset = be64toh(h->l1_table_offset);
	s->reftable_offset = be64toh(h->refcount_table_offset);
	s->reftable_clusters = be32toh(h->refcount_table_clusters);
	l1_bytes = (uint64_t)s->l1_size * 8;
	rt_bytes = (uint64_t)s->reftable_clusters * cs;
	if (s->b->size > (1ull << 62))
		return err_set(e, EFBIG, "'%s': absurd virtual size %" PRIu64,
			       s->name, s->b->size);
	need = DIV_ROUND_UP(s->b->size, span);
	if (l1_bytes > QCOW2_MAX_L1_BYTES || need > s->l1_size)
		return err_set(e, EINVAL,
			       "'%s': L1 table size %" PRIu32
			       " does not fit the virtual size",
			       s->name, s->l1_size);
	if (rt_bytes == 0 || rt_bytes > QCOW2_MAX_REFTABLE_BYTES)
		return err_set(e, EINVAL, "'%s': invalid refcount table size",
			       s->name);
	if ((s->l1_offset & (cs - 1)) || (s->reftable_offset & (cs - 1)) ||
	    (l1_bytes && !s->l1_offset) || !s->reftable_offset)
		return err_set(e, EINVAL,
			       "'%s': unaligned or missing metadata table",
			       s->name);
	if (s->l1_offset + l1_bytes > file_size ||
	    s->reftable_offset + rt_bytes > file_size)
		return err_set(e, EINVAL,
			       "'%s': %s table lies beyond the end of the file",
			       s->name,
			       s->l1_offset + l1_bytes > file_size
				       ? "L1"
				       : "refcount");
	if (ranges_overlap(0, cs, s->l1_offset, l1_bytes) ||
	    ranges_overlap(0, cs, s->reftable_offset, rt_bytes) ||
	    ranges_overlap(s->l1_offset, l1_bytes, s->reftable_offset,
			   rt_bytes))
		return err_set(e, EINVAL, "'%s': metadata tables overlap",
			       s->name);
	return 0;
}

static void keep_unknown_ext(struct qcow2 *s, const uint8_t *p, uint32_t len)
{
	size_t add = 8 + ALIGN_UP((size_t)len, 8);

	s->unknown_ext = xrealloc(s->unknown_ext, s->unknown_ext_len + add);
	memset(s->unknown_ext + s->unknown_ext_len, 0, add);
	memcpy(s->unknown_ext + s->unknown_ext_len, p, 8 + len);
	s->unknown_ext_len += add;
}

static int read_extensions(struct qcow2 *s, const uint8_t *c, struct err **e)
{
	uint64_t pos = s->header_length, end = s->cluster_size;

	if (s->backing_offset && s->backing_offset > pos)
		end = s->backing_offset;
	while (pos + 8 <= end) {
		struct qcow2_ext_disk x;
		uint32_t type, len;

		memcpy(&x, c + pos, sizeof(x)); /* pos may be unaligned */
		type = be32toh(x.type);
		len = be32toh(x.len);

		if (type == QCOW2_EXT_END)
			return 0;
		if (len > end - pos - 8)
			return err_set(e, EINVAL,
				       "'%s': header extension %#" PRIx32
				       " overruns the header cluster",
				       s->name, type);
		if (type == QCOW2_EXT_BACKING_FORMAT) {
			free(s->b->backing_fmt);
			s->b->backing_fmt =
				xstrndup((const char *)c + pos + 8, len);
		} else if (type == QCOW2_EXT_BITMAPS) {
			int r = 0;

			/* consistent: rewritten from what is read; not: kept */
			if (s->autoclear & QCOW2_AUTOCLEAR_BITMAPS)
				r = qcow2_bitmap_ext_parse(s, c + pos + 8, len,
							   e);
			else
				keep_unknown_ext(s, c + pos, len);
			if (r < 0)
				return r;
		} else if (type == QCOW2_EXT_DATA_FILE) {
			return err_set(e, ENOTSUP,
				       "'%s': external data files are not "
				       "supported",
				       s->name);
		} else {
			keep_unknown_ext(s, c + pos, len);
		}
		pos += 8 + ALIGN_UP((uint64_t)len, 8);
	}
	return 0;
}

static int read_backing_name(struct qcow2 *s, const uint8_t *c,
			     const struct qcow2_header_disk *h, struct err **e)
{
	s->backing_offset = be64toh(h->backing_file_offset);
	s->backing_len = be32toh(h->backing_file_size);
	if (!s->backing_offset)
		return 0;
	if (s->backing_len == 0 || s->backing_len > QCOW2_MAX_BACKING_NAME ||
	    s->backing_offset + s->backing_len > s->cluster_size ||
	    s->backing_offset < s->header_length)
		return err_set(e, EINVAL,
			       "'%s': invalid backing file name location",
			       s->name);
	s->b->backing_name =
		xstrndup((const char *)c + s->backing_offset, s->backing_len);
	if (strlen(s->b->backing_name) != s->backing_len)
		return err_set(e, EINVAL,
			       "'%s': backing file name contains a NUL byte",
			       s->name);
	return 0;
}

int qcow2_read_l1(struct qcow2 *s, uint64_t off, uint32_t size, uint64_t **out,
		  struct err **e)
{
	uint64_t *l1 = xcalloc(MAX(size, 1u), 8);
	int r = file_pread_zero(s->fd, l1, (size_t)size * 8, off);

	if (r < 0) {
		free(l1);
		return err_sys(e, -r, "'%s': reading an L1 table", s->name);
	}
	*out = l1;
	return 0;
}

static void setup_geometry(struct qcow2 *s)
{
	s->ext_l2 = s->incompat & QCOW2_INCOMPAT_EXTL2;
	s->l2_bits = s->cluster_bits - 3 - s->ext_l2; /* 8 or 16 B entries */
	s->csize_shift = 62 - (s->cluster_bits - 8);
	s->csize_mask = (1ull << (s->cluster_bits - 8)) - 1;
	s->coffset_mask = (1ull << s->csize_shift) - 1;
	s->refcount_bits = 1u << s->refcount_order;
	s->refcount_max = s->refcount_bits == 64
				  ? UINT64_MAX
				  : (1ull << s->refcount_bits) - 1;
	s->refblock_bits = s->cluster_bits + 3 - s->refcount_order;
	s->b->cluster_size = s->cluster_size;
	s->cluster_buf = xmalloc(5 * s->cluster_size);
}

static int clear_autoclear(struct qcow2 *s, struct err **e)
{
	uint64_t zero = 0;
	int r;

	uint64_t keep = s->nb_bitmaps ? QCOW2_AUTOCLEAR_BITMAPS : 0;

	if (s->b->read_only || s->autoclear == keep || s->version < 3)
		return 0;
	s->autoclear = keep;
	zero = htobe64(keep);
	r = pwrite_full(s->fd, &zero, 8,
			offsetof(struct qcow2_header_disk, autoclear_features));
	if (r < 0)
		return err_sys(e, -r, "'%s': writing the header", s->name);
	return 0;
}

static int open_image(struct qcow2 *s, struct err **e)
{
	struct qcow2_header_disk h;
	_cleanup_free_ uint8_t *c0 = NULL;
	struct stat st;
	int r;

	if (fstat(s->fd, &st) < 0)
		return err_sys(e, errno, "'%s'", s->name);
	r = read_header(s, &h, (uint64_t)st.st_size, e);
	if (r == 0)
		r = check_features(s, &h, e);
	if (r < 0)
		return r;
	s->b->size = be64toh(h.size);
	s->file_end = ALIGN_UP((uint64_t)st.st_size, 512);
	setup_geometry(s);
	c0 = xcalloc(1, s->cluster_size);
	r = file_pread_zero(s->fd, c0, s->cluster_size, 0);
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", s->name);
	r = read_backing_name(s, c0, &h, e);
	if (r == 0)
		r = read_extensions(s, c0, e);
	if (r == 0)
		r = check_tables(s, &h, (uint64_t)st.st_size, e);
	if (r == 0)
		r = qcow2_read_l1(s, s->l1_offset, s->l1_size, &s->l1, e);
	if (r < 0)
		return r;
	s->l2_cache = qcow2_cache_new(s, L2_CACHE_TABLES, true);
	s->rb_cache = qcow2_cache_new(s, RB_CACHE_BLOCKS, false);
	s->nb_snapshots = be32toh(h.nb_snapshots);
	s->snapshots_offset = be64toh(h.snapshots_offset);
	r = qcow2_refcount_load(s, e);
	if (r == 0)
		r = qcow2_snapshots_load(s, e);
	if (r == 0)
		r = qcow2_bitmaps_load(s, e);
	if (r == 0)
		r = clear_autoclear(s, e);
	return r;
}

static void qcow2_close(struct block *b)
{
	struct qcow2 *s = b->priv;

	if (!s)
		return;
	/* a failure leaves the bitmaps marked in use: inconsistent, not wrong
	 */
	if (!b->read_only && s->bm_started && qcow2_bitmaps_close(s, NULL) == 0)
		qcow2_flush(b, NULL);
	qcow2_cache_free(s->l2_cache);
	qcow2_cache_free(s->rb_cache);
	qcow2_snapshots_free(s);
	qcow2_bitmaps_free(s);
	free(s->l1);
	free(s->reftable);
	free(s->unknown_ext);
	free(s->pending_free);
	free(s->cluster_buf);
	free(s);
	b->priv = NULL;
}

static int qcow2_open(struct block *b, struct err **e)
{
	struct qcow2 *s = xcalloc(1, sizeof(*s));
	int r;

	s->b = b;
	s->fd = b->fd;
	s->name = b->filename;
	b->priv = s;
	r = open_image(s, e);
	if (r == 0)
		r = repair_dirty(b, e);
	if (r < 0)
		qcow2_close(b);
	return r;
}

/* Serialises the header, extensions and backing name into @c. */
int qcow2_build_header(struct qcow2 *s, uint8_t *c, size_t *len, struct err **e)
{
	struct qcow2_header_disk *h = (void *)c;
	const char *bname = s->b->backing_name, *bfmt = s->b->backing_fmt;
	size_t pos = s->version >= 3 ? s->header_length : QCOW2_V2_HEADER_LEN;
	size_t flen = bfmt ? strlen(bfmt) : 0, blen = bname ? strlen(bname) : 0;

	if (s->version >= 3 && pos < sizeof(*h))
		pos = sizeof(*h);
	if (pos + 8 + ALIGN_UP(flen, 8) + 32 + s->unknown_ext_len + 8 + blen >
		    s->cluster_size ||
	    blen > QCOW2_MAX_BACKING_NAME)
		return err_set(e, ENOSPC,
			       "'%s': header does not fit in one cluster",
			       s->name);
	memset(c, 0, s->cluster_size);
	h->magic = htobe32(QCOW2_MAGIC);
	h->version = htobe32(s->version);
	h->cluster_bits = htobe32(s->cluster_bits);
	h->size = htobe64(s->b->size);
	h->l1_size = htobe32(s->l1_size);
	h->l1_table_offset = htobe64(s->l1_offset);
	h->refcount_table_offset = htobe64(s->reftable_offset);
	h->refcount_table_clusters = htobe32(s->reftable_clusters);
	h->nb_snapshots = htobe32(s->nb_snapshots);
	h->snapshots_offset = htobe64(s->snapshots_offset);
	if (s->version >= 3) {
		h->incompatible_features = htobe64(s->incompat);
		h->compatible_features = htobe64(s->compat);
		h->autoclear_features = htobe64(s->autoclear);
		h->refcount_order = htobe32(s->refcount_order);
		h->header_length = htobe32((uint32_t)pos);
		h->compression_type = s->compression_type;
		s->header_length = (uint32_t)pos;
	}
	if (bfmt) {
		struct qcow2_ext_disk x = {htobe32(QCOW2_EXT_BACKING_FORMAT),
					   htobe32((uint32_t)flen)};

		memcpy(c + pos, &x, 8);
		memcpy(c + pos + 8, bfmt, flen);
		pos += 8 + ALIGN_UP(flen, 8);
	}
	pos += (size_t)qcow2_bitmap_ext_build(s, c + pos);
	if (s->unknown_ext_len)
		memcpy(c + pos, s->unknown_ext, s->unknown_ext_len);
	pos += s->unknown_ext_len + 8; /* end-of-extensions marker */
	if (bname) {
		h->backing_file_offset = htobe64(pos);
		h->backing_file_size = htobe32((uint32_t)blen);
		memcpy(c + pos, bname, blen);
		pos += blen;
	}
	*len = pos;
	return 0;
}

int qcow2_write_header(struct qcow2 *s, struct err **e)
{
	_cleanup_free_ uint8_t *c = xmalloc(s->cluster_size);
	size_t len;
	int r = qcow2_build_header(s, c, &len, e);

	if (r < 0)
		return r;
	r = pwrite_full(s->fd, c, len, 0);
	if (r < 0)
		return err_sys(e, -r, "'%s': writing the header", s->name);
	return qcow2_sync(s, e);
}

/* ---- I/O entry points ---- */

static int qcow2_preadv(struct block *b, const struct iovec *iov, int iovcnt,
			uint64_t off, struct err **e)
{
	return qcow2_do_preadv(b->priv, iov, iovcnt, off, e);
}

static int qcow2_pwritev(struct block *b, const struct iovec *iov, int iovcnt,
			 uint64_t off, struct err **e)
{
	int r = qcow2_bitmaps_track(b->priv, off, iov_size(iov, iovcnt), e);

	return r < 0 ? r : qcow2_do_pwritev(b->priv, iov, iovcnt, off, e);
}

static int write_zero_bytes(struct qcow2 *s, uint64_t off, uint64_t len,
			    struct err **e)
{
	_cleanup_free_ uint8_t *z = xcalloc(1, s->cluster_size);

	while (len > 0) {
		struct iovec v = {z, MIN(len, s->cluster_size)};
		int r = qcow2_do_pwritev(s, &v, 1, off, e);

		if (r < 0)
			return r;
		off += v.iov_len;
		len -= v.iov_len;
	}
	return 0;
}

static int zero_range(struct block *b, uint64_t off, uint64_t len, bool unmap,
		      struct err **e)
{
	struct qcow2 *s = b->priv;
	uint64_t cs = s->cluster_size, end = off + len;
	uint64_t a = ALIGN_UP(off, cs), z = ALIGN_DOWN(end, cs);
	int r;

	if (s->corrupt)
		return err_set(e, EIO, "'%s': image is corrupt; writes refused",
			       s->name);
	if (end == b->size)
		z = ALIGN_UP(end, cs);
	if (a >= z)
		return write_zero_bytes(s, off, len, e);
	if (a > off) {
		r = write_zero_bytes(s, off, a - off, e);
		if (r < 0)
			return r;
	}
	r = qcow2_zero_clusters(s, a, z - a, unmap, e);
	if (r == -ENOTSUP)
		r = write_zero_bytes(s, a, MIN(z, end) - a, e);
	if (r == 0 && z < end)
		r = write_zero_bytes(s, z, end - z, e);
	return r;
}

static int qcow2_discard(struct block *b, uint64_t off, uint64_t len,
			 struct err **e)
{
	int r = qcow2_bitmaps_track(b->priv, off, len, e);

	return r < 0 ? r : zero_range(b, off, len, true, e);
}

static int qcow2_write_zeroes(struct block *b, uint64_t off, uint64_t len,
			      unsigned flags, struct err **e)
{
	int r = qcow2_bitmaps_track(b->priv, off, len, e);

	return r < 0 ? r
		     : zero_range(b, off, len, flags & BLOCK_ZERO_MAY_UNMAP, e);
}

static int qcow2_status(struct block *b, uint64_t off, uint64_t len,
			struct block_status *st, struct err **e)
{
	struct qcow2 *s = b->priv;
	struct qcow2_map m;
	int r = qcow2_map(s, off, len, &m, e);

	if (r < 0)
		return r;
	st->bytes = m.bytes;
	switch (m.type) {
	case QCOW2_UNALLOCATED:
		st->flags = 0;
		break;
	case QCOW2_ZERO_PLAIN:
	case QCOW2_ZERO_ALLOC:
		st->flags = BLOCK_STATUS_ALLOCATED | BLOCK_STATUS_ZERO;
		break;
	case QCOW2_NORMAL:
		st->flags = BLOCK_STATUS_ALLOCATED | BLOCK_STATUS_DATA |
			    BLOCK_STATUS_OFFSET_VALID;
		st->host_off = m.host;
		break;
	case QCOW2_COMPRESSED:
		st->flags = BLOCK_STATUS_ALLOCATED | BLOCK_STATUS_DATA |
			    BLOCK_STATUS_COMPRESSED;
		break;
	}
	return 0;
}

int qcow2_write_size(struct qcow2 *s, uint64_t size, struct err **e)
{
	uint64_t v = htobe64(size);
	int r = pwrite_full(s->fd, &v, 8,
			    offsetof(struct qcow2_header_disk, size));

	if (r < 0)
		return err_sys(e, -r, "'%s': writing the header", s->name);
	return qcow2_sync(s, e);
}

static int qcow2_resize(struct block *b, uint64_t size, unsigned flags,
			struct err **e)
{
	struct qcow2 *s = b->priv;
	uint64_t span = 1ull << (s->l2_bits + s->cluster_bits), old = b->size;
	int r;

	if (size % 512)
		return err_set(e, EINVAL,
			       "The new size must be a multiple of 512");
	/* a snapshot keeps its own size (v3 records it; v2 cannot) */
	if (s->nb_snapshots && s->version < 3)
		return err_set(e, ENOTSUP,
			       "Can't resize a v2 image which has snapshots");
	if (size > (1ull << 62) ||
	    DIV_ROUND_UP(size, span) * 8 > QCOW2_MAX_L1_BYTES)
		return err_set(e, EFBIG, "'%s': size %" PRIu64 " is too large",
			       s->name, size);
	if (size < old) {
		uint64_t from = ALIGN_UP(size, s->cluster_size);

		r = from < old ? qcow2_zero_clusters(
					 s, from,
					 ALIGN_UP(old, s->cluster_size) - from,
					 true, e)
			       : 0;
		if (r == -ENOTSUP)
			r = 0;
		if (r == 0 && size & (s->cluster_size - 1))
			r = write_zero_bytes(s, size, MIN(from, old) - size, e);
		if (r == 0)
			r = qcow2_flush(b, e);
	} else {
		r = qcow2_grow_l1(s, DIV_ROUND_UP(size, span), e);
		if (r == 0 && (flags & BLOCK_RESIZE_PREALLOC))
			r = qcow2_preallocate(s, old, size, e);
		if (r == 0)
			r = qcow2_flush(b, e);
	}
	if (r == 0 && s->nb_bitmaps)
		r = qcow2_bitmaps_resize(s, size, e); /* writes the size */
	else if (r == 0)
		r = qcow2_write_size(s, size, e);
	if (r == 0)
		b->size = size;
	return r;
}

static int qcow2_info(struct block *b, struct img_info *info, struct err **e)
{
	struct qcow2 *s = b->priv;

	info->cluster_size = s->cluster_size;
	info->is_qcow2 = true;
	info->version = (int)s->version;
	info->compression_type =
		s->compression_type == QCOW2_COMPRESSION_ZSTD ? "zstd" : "zlib";
	info->lazy_refcounts = s->compat & QCOW2_COMPAT_LAZY_REFCOUNTS;
	info->corrupt = s->incompat & QCOW2_INCOMPAT_CORRUPT;
	info->extended_l2 = s->incompat & QCOW2_INCOMPAT_EXTL2;
	info->refcount_bits = (int)s->refcount_bits;
	info->has_dirty = true;
	info->dirty = s->incompat & QCOW2_INCOMPAT_DIRTY;
	qcow2_bitmaps_info(s, info);
	return qcow2_snapshot_list(b, &info->snaps, &info->nb_snaps, e);
}

static ssize_t qcow2_compress_cluster(struct block *b, const void *buf,
				      void *out)
{
	struct qcow2 *s = b->priv;

	return qcow2_compress(s->compression_type, out, s->cluster_size - 512,
			      buf, s->cluster_size);
}

static int qcow2_write_compressed(struct block *b, const void *buf,
				  const void *comp, ssize_t clen, uint64_t off,
				  struct err **e)
{
	struct qcow2 *s = b->priv;

	if (off & (s->cluster_size - 1) ||
	    off + s->cluster_size > ALIGN_UP(b->size, s->cluster_size))
		return err_set(e, EINVAL,
			       "'%s': compressed writes need whole clusters",
			       s->name);
	return qcow2_write_compressed_cluster(s, buf, comp, clen, off, e);
}

static int qcow2_set_backing(struct block *b, const char *name, const char *fmt,
			     struct err **e)
{
	struct qcow2 *s = b->priv;
	char *old_name = b->backing_name, *old_fmt = b->backing_fmt;
	int r;

	b->backing_name = name ? xstrdup(name) : NULL;
	b->backing_fmt = name && fmt ? xstrdup(fmt) : NULL;
	r = qcow2_write_header(s, e);
	if (r < 0) {
		free(b->backing_name);
		free(b->backing_fmt);
		b->backing_name = old_name;
		b->backing_fmt = old_fmt;
		return r;
	}
	free(old_name);
	free(old_fmt);
	return 0;
}

const struct block_driver block_qcow2 = {
	.name = "qcow2",
	.probe = qcow2_probe,
	.open = qcow2_open,
	.close = qcow2_close,
	.preadv = qcow2_preadv,
	.pwritev = qcow2_pwritev,
	.flush = qcow2_flush,
	.discard = qcow2_discard,
	.write_zeroes = qcow2_write_zeroes,
	.status = qcow2_status,
	.resize = qcow2_resize,
	.create = qcow2_create,
	.info = qcow2_info,
	.check = qcow2_check,
	.compress = qcow2_compress_cluster,
	.write_compressed = qcow2_write_compressed,
	.set_backing = qcow2_set_backing,
	.snapshot = qcow2_snapshot,
	.snapshot_list = qcow2_snapshot_list,
	.snapshot_load = qcow2_snapshot_load,
	.make_empty = qcow2_make_empty,
	.amend = qcow2_amend,
	.bitmap = qcow2_bitmap_ops,
};
