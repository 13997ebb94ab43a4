// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 cluster mapping: L1/L2 lookups, reads through the chain,
 * allocating writes with copy-on-write of partial clusters, zero and
 * discarded clusters, compressed clusters.
 */
#include <errno.h>
#include <inttypes.h>

#include "block/qcow2.h"

enum qcow2_ctype qcow2_entry_type(const struct qcow2 *s, uint64_t entry)
{
	if (entry & QCOW2_OFLAG_COMPRESSED)
		return QCOW2_COMPRESSED;
	if ((entry & QCOW2_OFLAG_ZERO) && s->version >= 3)
		return (entry & QCOW2_OFFSET_MASK) ? QCOW2_ZERO_ALLOC
						   : QCOW2_ZERO_PLAIN;
	return (entry & QCOW2_OFFSET_MASK) ? QCOW2_NORMAL : QCOW2_UNALLOCATED;
}

/* The sector-rounded host range a compressed entry's data occupies. */
static void compressed_range(const struct qcow2 *s, uint64_t entry,
			     uint64_t *start, uint64_t *len)
{
	uint64_t nb = ((entry >> s->csize_shift) & s->csize_mask) + 1;

	*start = (entry & s->coffset_mask) & ~511ull;
	*len = nb * 512;
}

/* Pins the L2 table for L1 index @i, or sets *@t NULL if none. */
static int get_l2(struct qcow2 *s, uint64_t i, void **t, struct err **e)
{
	uint64_t l1e, off;

	*t = NULL;
	if (i >= s->l1_size)
		return 0;
	l1e = qcow2_l1_get(s, (uint32_t)i);
	off = l1e & QCOW2_OFFSET_MASK;
	if (!off)
		return 0;
	if (off & (s->cluster_size - 1) || off < s->cluster_size ||
	    off >= s->file_end)
		return qcow2_corrupt(
			s, e,
			"L1 entry %" PRIu64
			" points to an invalid L2 table offset %#" PRIx64,
			i, off);
	return qcow2_cache_get(s, s->l2_cache, off, true, t, e);
}

static int check_host(struct qcow2 *s, uint64_t entry, uint64_t gidx,
		      struct err **e)
{
	uint64_t off = entry & QCOW2_OFFSET_MASK;

	if (off & (s->cluster_size - 1) || (off && off < s->cluster_size) ||
	    off >= s->file_end)
		return qcow2_corrupt(s, e,
				     "L2 entry of guest cluster %" PRIu64
				     " points to an invalid offset %#" PRIx64,
				     gidx, off);
	return 0;
}

/*
 * Extended L2 entries: how the subcluster at guest @pos reads, from its
 * entry and allocation bitmap in @t (qcow2 spec, "Extended L2
 * Entries"): allocated (NORMAL, *@host its host offset), reads as zeroes,
 * unallocated, or part of a COMPRESSED cluster (no subclusters).
 */
static int subcluster(struct qcow2 *s, const void *t, uint64_t pos,
		      enum qcow2_ctype *type, uint64_t *host, struct err **e)
{
	uint32_t i = qcow2_l2_index(s, pos);
	uint64_t entry = qcow2_l2_get(s, t, i), bm = qcow2_l2_bitmap(s, t, i);
	unsigned sc = (unsigned)(qcow2_offset_in_cluster(s, pos) >>
				 (s->cluster_bits - 5));
	bool alloc = bm >> sc & 1, zero = bm >> (32 + sc) & 1;

	*host = 0;
	if (entry & QCOW2_OFLAG_COMPRESSED) {
		*type = QCOW2_COMPRESSED;
		return 0;
	}
	if ((entry & QCOW2_OFLAG_ZERO) || (alloc && zero) ||
	    (alloc && !(entry & QCOW2_OFFSET_MASK)))
		return qcow2_corrupt(s, e,
				     "invalid extended L2 entry of guest "
				     "cluster %" PRIu64,
				     pos >> s->cluster_bits);
	*type = alloc  ? QCOW2_NORMAL
		: zero ? QCOW2_ZERO_PLAIN
		       : QCOW2_UNALLOCATED;
	if (!alloc)
		return 0;
	*host = (entry & QCOW2_OFFSET_MASK) +
		((uint64_t)sc << (s->cluster_bits - 5));
	return check_host(s, entry, pos >> s->cluster_bits, e);
}

/* qcow2_map() for extended L2 entries: runs of subclusters of one kind. */
static int map_ext(struct qcow2 *s, const void *t, uint64_t off, uint64_t len,
		   struct qcow2_map *m, struct err **e)
{
	uint64_t sc_size = s->cluster_size >> 5, start = off & ~(sc_size - 1);
	uint64_t end = off + len, pos, host, h;
	enum qcow2_ctype type;
	int r = subcluster(s, t, start, &m->type, &host, e);

	if (r < 0)
		return r;
	m->entry = qcow2_l2_get(s, t, qcow2_l2_index(s, off));
	m->copied = m->entry & QCOW2_OFLAG_COPIED;
	if (m->type == QCOW2_COMPRESSED) {
		m->bytes = MIN(len, s->cluster_size -
					    qcow2_offset_in_cluster(s, off));
		return 0;
	}
	for (pos = start + sc_size; pos < end; pos += sc_size) {
		r = subcluster(s, t, pos, &type, &h, e);
		if (r < 0)
			return r;
		if (type != m->type || (host && h != host + (pos - start)))
			break;
	}
	m->bytes = MIN(pos, end) - off;
	m->host = host ? host + (off - start) : 0;
	return 0;
}

int qcow2_map(struct qcow2 *s, uint64_t off, uint64_t len, struct qcow2_map *m,
	      struct err **e)
{
	uint64_t span = 1ull << (s->l2_bits + s->cluster_bits);
	uint64_t in = qcow2_offset_in_cluster(s, off), entry, host, n;
	uint32_t i = qcow2_l2_index(s, off), j;
	void *t;
	int r;

	len = MIN(len, span - (off & (span - 1)));
	memset(m, 0, sizeof(*m));
	r = get_l2(s, qcow2_l1_index(s, off), &t, e);
	if (r < 0)
		return r;
	if (!t) {
		m->type = QCOW2_UNALLOCATED;
		m->bytes = len;
		return 0;
	}
	if (s->ext_l2) {
		r = map_ext(s, t, off, len, m, e);
		qcow2_cache_put(s->l2_cache, t);
		return r;
	}
	entry = qcow2_l2_get(s, t, i);
	m->type = qcow2_entry_type(s, entry);
	m->copied = entry & QCOW2_OFLAG_COPIED;
	m->entry = entry;
	host = entry & QCOW2_OFFSET_MASK;
	r = m->type == QCOW2_COMPRESSED
		    ? 0
		    : check_host(s, entry, off >> s->cluster_bits, e);
	n = (len + in + s->cluster_size - 1) >> s->cluster_bits;
	for (j = 1; r == 0 && j < n && m->type != QCOW2_COMPRESSED; j++) {
		uint64_t e2 = qcow2_l2_get(s, t, i + j);

		if (qcow2_entry_type(s, e2) != m->type ||
		    !(e2 & QCOW2_OFLAG_COPIED) != !m->copied)
			break;
		if (host && (e2 & QCOW2_OFFSET_MASK) !=
				    host + ((uint64_t)j << s->cluster_bits))
			break;
	}
	qcow2_cache_put(s->l2_cache, t);
	if (r < 0)
		return r;
	if (m->type == QCOW2_COMPRESSED)
		j = 1;
	m->bytes = MIN(len, ((uint64_t)j << s->cluster_bits) - in);
	m->host = host ? host + in : 0;
	return 0;
}

int qcow2_read_compressed(struct qcow2 *s, uint64_t entry, uint8_t *out,
			  struct err **e)
{
	uint64_t coff = entry & s->coffset_mask, start, len;
	uint8_t *in = s->cluster_buf;
	size_t clen;
	int r;

	if (!coff)
		return qcow2_corrupt(s, e, "invalid compressed cluster entry");
	compressed_range(s, entry, &start, &len);
	clen = len - (coff - start);
	r = file_pread_zero(s->fd, in, clen, coff);
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", s->name);
	if (qcow2_decompress(s->compression_type, out, s->cluster_size, in,
			     clen) < 0)
		return qcow2_corrupt(s, e,
				     "compressed cluster at %#" PRIx64
				     " does not decompress",
				     coff);
	return 0;
}

int qcow2_do_preadv(struct qcow2 *s, const struct iovec *iov, int iovcnt,
		    uint64_t off, struct err **e)
{
	size_t len = iov_size(iov, iovcnt), done = 0;
	uint8_t *tmp = s->cluster_buf + 2 * s->cluster_size;
	struct iovec part[IOV_MAX_SLICE];
	struct qcow2_map m;
	int n, r;

	while (done < len) {
		r = qcow2_map(s, off + done, len - done, &m, e);
		if (r < 0)
			return r;
		n = iov_slice(iov, iovcnt, done, m.bytes, part, IOV_MAX_SLICE);
		if (n < 0)
			return err_set(e, EINVAL,
				       "'%s': request too fragmented", s->name);
		switch (m.type) {
		case QCOW2_UNALLOCATED:
			r = block_read_backing(s->b, part, n, off + done, e);
			break;
		case QCOW2_ZERO_PLAIN:
		case QCOW2_ZERO_ALLOC:
			iov_memset(part, n, 0, 0, m.bytes);
			break;
		case QCOW2_NORMAL:
			r = file_preadv_full(s->fd, part, n, m.host);
			if (r < 0)
				r = err_sys(e, -r, "reading '%s'", s->name);
			break;
		case QCOW2_COMPRESSED:
			r = qcow2_read_compressed(s, m.entry, tmp, e);
			if (r == 0)
				iov_from_buf(part, n, 0,
					     tmp + qcow2_offset_in_cluster(
							   s, off + done),
					     m.bytes);
			break;
		}
		if (r < 0)
			return r;
		done += m.bytes;
	}
	return 0;
}

/* Drops, at the next flush, the host clusters an old L2 entry used. */
void qcow2_release_entry(struct qcow2 *s, uint64_t entry)
{
	uint64_t start, len;

	switch (qcow2_entry_type(s, entry)) {
	case QCOW2_NORMAL:
	case QCOW2_ZERO_ALLOC:
		qcow2_free_later(s, entry & QCOW2_OFFSET_MASK);
		break;
	case QCOW2_COMPRESSED:
		compressed_range(s, entry, &start, &len);
		for (uint64_t c = start >> s->cluster_bits;
		     c <= (start + len - 1) >> s->cluster_bits; c++)
			qcow2_free_later(s, c << s->cluster_bits);
		break;
	default:
		break;
	}
}

static int write_l1_entry(struct qcow2 *s, uint32_t i, struct err **e)
{
	int r = pwrite_full(s->fd, &s->l1[i], 8, (off_t)(s->l1_offset + i * 8));

	if (r < 0)
		return err_sys(e, -r, "'%s': writing the L1 table", s->name);
	return 0;
}

/*
 * Pins a writable L2 table for L1 index @i: the current one if only the
 * active L1 uses it, else a new one (empty, or a copy of a table shared
 * with a snapshot), on disk before the L1 entry that points at it.
 */
static int get_l2_write(struct qcow2 *s, uint64_t i, void **t, struct err **e)
{
	uint64_t l1e, old, new;
	int r;

	if (i >= s->l1_size)
		return qcow2_corrupt(s, e, "L1 table too small for the disk");
	l1e = qcow2_l1_get(s, (uint32_t)i);

	old = l1e & QCOW2_OFFSET_MASK;
	if (old && (l1e & QCOW2_OFLAG_COPIED))
		return get_l2(s, i, t, e);
	if (old && (old & (s->cluster_size - 1)))
		return qcow2_corrupt(s, e, "invalid L2 table offset in L1");
	r = qcow2_alloc_clusters(s, 1, &new, e);
	if (r < 0)
		return r;
	r = qcow2_cache_get(s, s->l2_cache, new, false, t, e);
	if (r < 0)
		return r;
	if (old)
		r = file_pread_zero(s->fd, *t, s->cluster_size, old);
	if (r < 0)
		r = err_sys(e, -r, "reading '%s'", s->name);
	if (r == 0)
		r = qcow2_cache_write(s, s->l2_cache, *t, e);
	if (r == 0)
		r = qcow2_sync(s, e);
	if (r < 0) {
		qcow2_cache_put(s->l2_cache, *t);
		return r;
	}
	s->l1[i] = htobe64(new | QCOW2_OFLAG_COPIED);
	if (old)
		qcow2_free_later(s, old);
	return write_l1_entry(s, (uint32_t)i, e);
}

/* Sets the L2 entries of @nc guest clusters from @gidx to @host+k*cs
 * (or @entry for all of them when @host is 0). */
int qcow2_set_entries(struct qcow2 *s, uint64_t gidx, uint64_t nc,
		      uint64_t host, uint64_t entry, struct err **e)
{
	uint32_t i = (uint32_t)(gidx & ((1u << s->l2_bits) - 1));
	void *t;
	int r = get_l2_write(s, gidx >> s->l2_bits, &t, e);

	if (r < 0)
		return r;
	for (uint64_t k = 0; k < nc; k++) {
		qcow2_release_entry(s, qcow2_l2_get(s, t, i + (uint32_t)k));
		qcow2_l2_set(s, t, i + (uint32_t)k,
			     host ? (host + (k << s->cluster_bits)) |
					     QCOW2_OFLAG_COPIED
				  : entry);
	}
	qcow2_cache_dirty(s->l2_cache, t);
	qcow2_cache_put(s->l2_cache, t);
	return 0;
}

/*
 * Writes [@off, @off+@len) (within one L2 table) to newly allocated
 * clusters, filling the partial clusters at either end from the old
 * content, then points the L2 entries at them.
 */
static int write_alloc(struct qcow2 *s, const struct iovec *iov, int iovcnt,
		       uint64_t off, uint64_t len, struct err **e)
{
	uint64_t cs = s->cluster_size, first = off >> s->cluster_bits;
	uint64_t last = (off + len - 1) >> s->cluster_bits, host;
	uint64_t head = off & (cs - 1), end = off + len;
	uint64_t tail = (cs - (end & (cs - 1))) & (cs - 1);
	struct iovec v[IOV_MAX_SLICE];
	uint8_t *hb = s->cluster_buf + 3 * cs, *tb = s->cluster_buf + 4 * cs;
	int n = 0, m, r;

	r = qcow2_alloc_clusters(s, last - first + 1, &host, e);
	if (r < 0)
		return r;
	if (head) {
		struct iovec h = {hb, head};

		r = qcow2_do_preadv(s, &h, 1, off - head, e);
		v[n++] = h;
	}
	if (r == 0 && tail) {
		struct iovec tv = {tb, tail};

		r = qcow2_do_preadv(s, &tv, 1, end, e);
	}
	if (r < 0)
		return r;
	m = iov_slice(iov, iovcnt, 0, len, v + n, IOV_MAX_SLICE - n - 1);
	if (m < 0)
		return err_set(e, EINVAL, "'%s': request too fragmented",
			       s->name);
	n += m;
	if (tail)
		v[n++] = (struct iovec){tb, tail};
	r = file_pwritev_full(s->fd, v, n, host);
	if (r < 0)
		return err_sys(e, -r, "writing '%s'", s->name);
	return qcow2_set_entries(s, first, last - first + 1, host, 0, e);
}

int qcow2_do_pwritev(struct qcow2 *s, const struct iovec *iov, int iovcnt,
		     uint64_t off, struct err **e)
{
	size_t len = iov_size(iov, iovcnt), done = 0;
	struct iovec part[IOV_MAX_SLICE];
	struct qcow2_map m;
	int n, r;

	if (s->corrupt)
		return err_set(e, EIO, "'%s': image is corrupt; writes refused",
			       s->name);
	while (done < len) {
		r = qcow2_map(s, off + done, len - done, &m, e);
		if (r < 0)
			return r;
		n = iov_slice(iov, iovcnt, done, m.bytes, part, IOV_MAX_SLICE);
		if (n < 0)
			return err_set(e, EINVAL,
				       "'%s': request too fragmented", s->name);
		if (m.type == QCOW2_NORMAL && m.copied) {
			r = file_pwritev_full(s->fd, part, n, m.host);
			if (r < 0)
				r = err_sys(e, -r, "writing '%s'", s->name);
		} else {
			r = write_alloc(s, part, n, off + done, m.bytes, e);
		}
		if (r < 0)
			return r;
		done += m.bytes;
	}
	return 0;
}

/* Zeroes or deallocates the whole clusters of [off, off+len). */
int qcow2_zero_clusters(struct qcow2 *s, uint64_t off, uint64_t len, bool unmap,
			struct err **e)
{
	uint64_t gidx = off >> s->cluster_bits, nc = len >> s->cluster_bits;
	uint64_t per = 1ull << s->l2_bits, entry;
	int r;

	if (s->version < 3 && (s->b->backing || !unmap))
		return -ENOTSUP;
	entry = (s->version >= 3 && (s->b->backing || !unmap))
			? QCOW2_OFLAG_ZERO
			: 0;
	while (nc > 0) {
		uint64_t k = MIN(nc, per - (gidx & (per - 1)));

		if (!entry && (gidx >> s->l2_bits) >= s->l1_size)
			break;
		r = qcow2_set_entries(s, gidx, k, 0, entry, e);
		if (r < 0)
			return r;
		gidx += k;
		nc -= k;
	}
	return 0;
}

int qcow2_write_compressed_cluster(struct qcow2 *s, const void *buf,
				   const void *out, ssize_t clen, uint64_t off,
				   struct err **e)
{
	uint64_t cs = s->cluster_size, p, nc, nb;
	int r;

	if (!out) {
		out = s->cluster_buf;
		clen = qcow2_compress(s->compression_type, s->cluster_buf,
				      cs - 512, buf, cs);
	}
	if (clen >= (ssize_t)(cs - 512))
		clen = 0;
	if (clen <= 0) {
		struct iovec v = {(void *)buf, cs};

		return qcow2_do_pwritev(s, &v, 1, off, e);
	}
	if (!s->comp_next || s->comp_end - s->comp_next < (uint64_t)clen) {
		nc = DIV_ROUND_UP((uint64_t)clen, cs);
		r = qcow2_alloc_clusters(s, nc, &p, e);
		if (r < 0)
			return r;
		s->comp_next = p;
		s->comp_end = p + nc * cs;
	} else {
		/* share the current cluster(s): one more reference each */
		p = s->comp_next;
		for (uint64_t c = p >> s->cluster_bits;
		     c <= (p + clen - 1) >> s->cluster_bits; c++) {
			r = qcow2_refcount_add(s, c, 1, e);
			if (r < 0)
				return r;
		}
	}
	r = pwrite_full(s->fd, out, (size_t)clen, (off_t)p);
	if (r < 0)
		return err_sys(e, -r, "writing '%s'", s->name);
	s->comp_next = ALIGN_UP(p + (uint64_t)clen, 512);
	if (s->comp_next >= s->comp_end || (s->comp_next & (cs - 1)) == 0)
		s->comp_next = 0; /* next piece starts a fresh cluster */
	nb = ((p + clen - 1) >> 9) - (p >> 9);
	return qcow2_set_entries(
		s, off >> s->cluster_bits, 1, 0,
		QCOW2_OFLAG_COMPRESSED | (nb << s->csize_shift) | p, e);
}
