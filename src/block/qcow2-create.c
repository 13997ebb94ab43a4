// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 images made and remade: create (with preallocation), growing
 * the L1 table, preallocating clusters, emptying the active layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>

#include "block/qcow2.h"

struct layout {
	uint64_t l1_size, l1c, t, k, total;
};

/* Header, refcount table, refcount blocks, L1: in that order. */
static void plan_layout(struct qcow2 *s, uint64_t size, struct layout *l)
{
	uint64_t span = 1ull << (s->l2_bits + s->cluster_bits);
	uint64_t epb = 1ull << s->refblock_bits, k = 1, t = 1, total;

	l->l1_size = MAX(DIV_ROUND_UP(size, span), 1);
	l->l1c = DIV_ROUND_UP(l->l1_size * 8, s->cluster_size);
	for (;;) {
		total = 1 + t + k + l->l1c;
		uint64_t k2 = DIV_ROUND_UP(total, epb);
		uint64_t t2 = DIV_ROUND_UP(k2 * 8, s->cluster_size);

		if (k2 <= k && t2 <= t)
			break;
		k = MAX(k, k2);
		t = MAX(t, t2);
	}
	l->t = t;
	l->k = k;
	l->total = 1 + t + k + l->l1c;
}

static void set_refcount(struct qcow2 *s, uint8_t *blk, uint64_t i)
{
	uint32_t bits = s->refcount_bits;
	uint64_t bit = i * bits;

	/* refcount 1: the lowest bit of a big-endian field */
	if (bits >= 8)
		blk[(bit + bits) / 8 - 1] = 1;
	else
		blk[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static int write_metadata(struct qcow2 *s, int fd, const struct layout *l,
			  bool sync, struct err **e)
{
	uint64_t cs = s->cluster_size;
	_cleanup_free_ uint8_t *buf = xcalloc(l->t + l->k + 1, cs);
	uint8_t *rt = buf + cs, *rb = buf + (1 + l->t) * cs;
	size_t hlen;
	int r;

	r = qcow2_build_header(s, buf, &hlen, e);
	if (r < 0)
		return r;
	for (uint64_t j = 0; j < l->k; j++)
		((uint64_t *)rt)[j] = htobe64((1 + l->t + j) * cs);
	for (uint64_t c = 0; c < l->total; c++)
		set_refcount(s, rb, c);
	r = pwrite_full(fd, buf, (1 + l->t + l->k) * cs, 0);
	if (r == 0 && ftruncate(fd, (off_t)(l->total * cs)) < 0)
		r = -errno;
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		return err_sys(e, -r, "writing '%s'", s->name);
	return 0;
}

static int check_opts(const char *path, const struct img_create_opts *o,
		      struct qcow2 *s, struct err **e)
{
	uint64_t cs = o->cluster_size ? o->cluster_size : 65536;
	int rb = o->refcount_bits ? o->refcount_bits : 16;
	const char *comp = o->compression ? o->compression : "zlib";

	if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1)))
		return err_set(e, EINVAL,
			       "creating '%s': cluster size must be a power of "
			       "two between 512 and 2097152 bytes",
			       path);
	s->version = o->compat ? (uint32_t)o->compat : 3;
	if (s->version != 2 && s->version != 3)
		return err_set(e, EINVAL, "creating '%s': invalid compat level",
			       path);
	if (rb < 1 || rb > 64 || (rb & (rb - 1)) ||
	    (s->version == 2 && rb != 16))
		return err_set(e, EINVAL,
			       "creating '%s': refcount_bits must be a power "
			       "of two up to 64 (16 for compat=0.10)",
			       path);
	if (!streq(comp, "zlib") && !(streq(comp, "zstd") && s->version == 3))
		return err_set(e, EINVAL,
			       "creating '%s': compression type '%s' is not "
			       "supported (zlib, or zstd with compat=1.1)",
			       path, comp);
	s->compression_type = streq(comp, "zstd") ? QCOW2_COMPRESSION_ZSTD
						  : QCOW2_COMPRESSION_ZLIB;
	if (s->compression_type)
		s->incompat |= QCOW2_INCOMPAT_COMPRESSION;
	if (o->lazy_refcounts && s->version == 3)
		s->compat |= QCOW2_COMPAT_LAZY_REFCOUNTS;
	s->cluster_bits = (uint32_t)__builtin_ctzll(cs);
	s->cluster_size = cs;
	s->refcount_order = (uint32_t)__builtin_ctz((unsigned)rb);
	s->refcount_bits = (uint32_t)rb;
	s->l2_bits = s->cluster_bits - 3;
	s->refblock_bits = s->cluster_bits + 3 - s->refcount_order;
	s->header_length = sizeof(struct qcow2_header_disk);
	return 0;
}

/*
 * Opens the backing file as its given format to validate it; fills its
 * format and size. Its own backing chain is opened as the default
 * resolver opens it (qemu-img's rules: a tool's check, not a VM's).
 */
static int probe_backing(const char *path, const struct img_create_opts *o,
			 char **fmt, uint64_t *size, struct err **e)
{
	_cleanup_free_ char *dir = xstrdup(path), *full = NULL;
	_cleanup_block_ struct block *bb = NULL;
	int r;

	if (o->backing[0] == '/')
		full = xstrdup(o->backing);
	else
		full = xasprintf("%s/%s", dirname(dir), o->backing);
	/* only its size and format are read: a VM may be writing it */
	r = block_open(full, o->backing_fmt, BLOCK_OPEN_SHARE_RW, &bb, e);
	if (r < 0)
		return err_prefix(e, "creating '%s'", path);
	*fmt = xstrdup(block_format(bb));
	*size = block_size(bb);
	return 0;
}

static int preallocate_new(const char *path, const struct img_create_opts *o,
			   struct err **e)
{
	_cleanup_block_ struct block *b = NULL;
	struct qcow2 *s;
	uint64_t end;
	int r;

	r = block_open(path, "qcow2",
		       BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING |
			       (o->no_flush ? BLOCK_OPEN_NO_FLUSH : 0),
		       &b, e);
	if (r < 0)
		return r;
	s = b->priv;
	r = qcow2_preallocate(s, 0, b->size, e);
	if (r == 0)
		r = qcow2_flush(b, e);
	if (r < 0)
		return r;
	end = qcow2_host_clusters(s) * s->cluster_size;
	/* full: the same allocation; unwritten extents read as zeroes */
	if (o->prealloc >= IMG_PREALLOC_FALLOC &&
	    fallocate(s->fd, 0, 0, (off_t)end) < 0 && errno != EOPNOTSUPP)
		return err_sys(e, errno, "preallocating '%s'", path);
	return block_close(steal_ptr(b)) < 0 ? -EIO : 0;
}

int qcow2_create(const char *path, const struct img_create_opts *o,
		 struct err **e)
{
	struct qcow2 s = {.name = path};
	struct block fb = {.filename = (char *)path};
	_cleanup_free_ char *bfmt = NULL;
	_cleanup_close_ int fd = -1;
	uint64_t bsize = 0;
	struct layout l;
	int r;

	s.b = &fb;
	r = check_opts(path, o, &s, e);
	if (r < 0)
		return r;
	if (o->backing && !o->unsafe_backing) {
		r = probe_backing(path, o, &bfmt, &bsize, e);
		if (r < 0)
			return r;
	}
	if (o->backing) {
		fb.backing_name = (char *)o->backing;
		fb.backing_fmt = bfmt ? bfmt : (char *)o->backing_fmt;
	}
	fb.size = o->size ? o->size : bsize;
	if (fb.size > (1ull << 62))
		return err_set(e, EFBIG, "creating '%s': size too large", path);
	plan_layout(&s, fb.size, &l);
	if (l.l1_size * 8 > QCOW2_MAX_L1_BYTES)
		return err_set(e, EFBIG, "creating '%s': size too large", path);
	s.l1_size = (uint32_t)l.l1_size;
	s.l1_offset = (1 + l.t + l.k) * s.cluster_size;
	s.reftable_offset = s.cluster_size;
	s.reftable_clusters = (uint32_t)l.t;
	fd = block_create_file(path, o->exclusive, e);
	if (fd < 0)
		return fd;
	r = write_metadata(&s, fd, &l, !o->no_flush, e);
	if (r < 0 || o->prealloc == IMG_PREALLOC_OFF)
		return r;
	close_safe(steal_fd(fd)); /* its lock would refuse the open below */
	return preallocate_new(path, o, e);
}

int qcow2_grow_l1(struct qcow2 *s, uint64_t entries, struct err **e)
{
	uint64_t cs = s->cluster_size, nc, off, old = s->l1_offset;
	uint64_t old_bytes = (uint64_t)s->l1_size * 8;
	struct __attribute__((packed)) {
		uint32_t size;
		uint64_t off;
	} h;
	uint64_t *l1;
	int r;

	if (entries <= s->l1_size)
		return 0;
	nc = DIV_ROUND_UP(entries * 8, cs);
	r = qcow2_alloc_clusters(s, nc, &off, e);
	if (r == 0)
		r = qcow2_cache_flush(s, s->rb_cache, e);
	if (r < 0)
		return r;
	l1 = xcalloc(nc, cs);
	memcpy(l1, s->l1, old_bytes);
	r = pwrite_full(s->fd, l1, nc * cs, (off_t)off);
	if (r < 0) {
		free(l1);
		return err_sys(e, -r, "'%s': writing the L1 table", s->name);
	}
	h.size = htobe32((uint32_t)entries);
	h.off = htobe64(off);
	r = qcow2_sync(s, e);
	if (r == 0 &&
	    pwrite_full(s->fd, &h, sizeof(h),
			offsetof(struct qcow2_header_disk, l1_size)) < 0)
		r = err_sys(e, errno, "'%s': writing the header", s->name);
	if (r == 0)
		r = qcow2_sync(s, e);
	if (r < 0) {
		free(l1);
		return r;
	}
	free(s->l1);
	s->l1 = l1;
	s->l1_size = (uint32_t)entries;
	s->l1_offset = off;
	return old_bytes ? qcow2_free_range(s, old, old_bytes, e) : 0;
}

int qcow2_preallocate(struct qcow2 *s, uint64_t from, uint64_t to,
		      struct err **e)
{
	uint64_t per = 1ull << s->l2_bits, host, end;
	uint64_t g = from >> s->cluster_bits;
	uint64_t last = DIV_ROUND_UP(to, s->cluster_size);
	struct qcow2_map m;
	int r;

	while (g < last) {
		uint64_t k = MIN(last - g, per - (g & (per - 1)));

		r = qcow2_map(s, g << s->cluster_bits, k << s->cluster_bits, &m,
			      e);
		if (r < 0)
			return r;
		k = m.bytes >> s->cluster_bits;
		if (m.type == QCOW2_UNALLOCATED) {
			r = qcow2_alloc_clusters(s, k, &host, e);
			if (r == 0)
				r = qcow2_set_entries(s, g, k, host, 0, e);
			if (r < 0)
				return r;
			end = host + (k << s->cluster_bits);
			if (end > qcow2_host_clusters(s) * s->cluster_size &&
			    ftruncate(s->fd, (off_t)end) < 0)
				return err_sys(e, errno, "growing '%s'",
					       s->name);
		}
		g += k;
	}
	return 0;
}

int qcow2_make_empty(struct block *b, struct err **e)
{
	struct qcow2 *s = b->priv;
	uint64_t per = 1ull << s->l2_bits, l1e;
	void *t;
	int r;

	for (uint32_t i = 0; i < s->l1_size; i++) {
		l1e = qcow2_l1_get(s, i) & QCOW2_OFFSET_MASK;
		if (!l1e)
			continue;
		r = qcow2_cache_get(s, s->l2_cache, l1e, true, &t, e);
		if (r < 0)
			return r;
		for (uint64_t j = 0; j < per; j++)
			qcow2_release_entry(s, qcow2_l2_get(s, t, (uint32_t)j));
		qcow2_cache_put(s->l2_cache, t);
		qcow2_cache_drop(s->l2_cache, l1e);
		qcow2_free_later(s, l1e);
		s->l1[i] = 0;
		r = pwrite_full(s->fd, &s->l1[i], 8,
				(off_t)(s->l1_offset + i * 8ull));
		if (r < 0)
			return err_sys(e, -r, "'%s': writing the L1 table",
				       s->name);
	}
	return qcow2_flush(b, e);
}
