// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VMware vmdk, read-only (import through `nido img convert`). A disk is
 * a list of extents, from a text descriptor (its own file, or embedded
 * in a monolithic sparse file): FLAT extents are raw files, SPARSE
 * extents hosted sparse files ("KDMV": a grain directory of grain tables
 * of grain offsets, little-endian sectors; stream-optimized ones hold
 * zlib-compressed grains and their directory at the end), ZERO extents
 * read as zeroes.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <zlib.h>

#include "block/driver.h"

#define VMDK_MAGIC	     0x564d444bu /* "KDMV" little-endian */
#define VMDK_FLAG_COMPRESSED (1u << 16)
#define VMDK_GD_AT_END	     0xffffffffffffffffull
#define VMDK_MAX_EXTENTS     256
#define VMDK_MAX_DESC	     (64u << 10)
#define VMDK_MAX_GRAIN	     (1u << 20)
#define VMDK_MAX_GD	     (16u << 20)

struct vmdk_header_disk {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint64_t capacity;
	uint64_t grain_size;
	uint64_t desc_offset;
	uint64_t desc_size;
	uint32_t gtes_per_gt;
	uint64_t rgd_offset;
	uint64_t gd_offset;
	uint64_t overhead;
	uint8_t unclean;
	char line_chars[4];
	uint16_t compress_algorithm;
	uint8_t pad[433];
} __attribute__((packed));
_Static_assert(sizeof(struct vmdk_header_disk) == 512, "vmdk header");

enum vmdk_kind { EXT_FLAT, EXT_SPARSE, EXT_ZERO };

struct vmdk_extent {
	enum vmdk_kind kind;
	int fd;		 /* owned (FLAT, SPARSE), or -1 */
	uint64_t start;	 /* first byte of the disk it covers */
	uint64_t len;	 /* bytes */
	uint64_t foff;	 /* FLAT: offset in its file */
	uint64_t grain;	 /* SPARSE: grain size in bytes */
	uint32_t gtes;	 /* entries per grain table */
	uint32_t *gd;	 /* grain directory, host order */
	uint64_t gd_len; /* entries */
	bool compressed;
	uint8_t *gbuf; /* compressed grain scratch */
};

struct vmdk {
	struct vmdk_extent ext[VMDK_MAX_EXTENTS];
	int n;
	uint32_t *gt; /* one cached grain table */
	struct vmdk_extent *gt_ext;
	uint64_t gt_index;
};

static int vmdk_probe(const uint8_t *buf, size_t len)
{
	if (len >= 4 && le32toh(*(const uint32_t *)buf) == VMDK_MAGIC)
		return 100;
	if (len >= 21 && !memcmp(buf, "# Disk DescriptorFile", 21))
		return 100;
	return 0;
}

static int read_sparse_header(struct block *b, int fd,
			      struct vmdk_header_disk *h, struct err **e)
{
	struct stat st;
	int r = file_pread_zero(fd, h, sizeof(*h), 0);

	if (r < 0)
		return err_sys(e, -r, "reading '%s'", b->filename);
	if (le32toh(h->magic) != VMDK_MAGIC)
		return err_set(e, EINVAL, "'%s': not a vmdk sparse extent",
			       b->filename);
	if (le64toh(h->gd_offset) != VMDK_GD_AT_END)
		return 0;
	/* stream-optimized: the footer (a header copy) is 1 KiB from the end */
	if (fstat(fd, &st) < 0 || st.st_size < 1536)
		return err_set(e, EINVAL, "'%s': vmdk footer missing",
			       b->filename);
	r = file_pread_zero(fd, h, sizeof(*h), (uint64_t)st.st_size - 1024);
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", b->filename);
	if (le32toh(h->magic) != VMDK_MAGIC ||
	    le64toh(h->gd_offset) == VMDK_GD_AT_END)
		return err_set(e, EINVAL, "'%s': invalid vmdk footer",
			       b->filename);
	return 0;
}

/* Sets up a sparse extent from its header; reads the grain directory. */
static int open_sparse(struct block *b, struct vmdk_extent *x, int fd,
		       uint64_t sectors, struct err **e)
{
	struct vmdk_header_disk h;
	uint64_t cap, gs, cover;
	int r = read_sparse_header(b, fd, &h, e);

	if (r < 0)
		return r;
	cap = le64toh(h.capacity);
	gs = le64toh(h.grain_size);
	x->gtes = le32toh(h.gtes_per_gt);
	if (gs == 0 || gs * 512 > VMDK_MAX_GRAIN || (gs & (gs - 1)) ||
	    x->gtes == 0 || x->gtes > 65536 || cap > (1ull << 50))
		return err_set(e, EINVAL, "'%s': invalid vmdk sparse header",
			       b->filename);
	x->grain = gs * 512;
	x->len = sectors ? sectors * 512 : cap * 512;
	x->compressed = le32toh(h.flags) & VMDK_FLAG_COMPRESSED;
	cover = (uint64_t)x->gtes * x->grain;
	x->gd_len = DIV_ROUND_UP(x->len, cover);
	if (x->gd_len * 4 > VMDK_MAX_GD)
		return err_set(e, EFBIG, "'%s': vmdk grain directory too large",
			       b->filename);
	x->gd = xcalloc(MAX(x->gd_len, 1), 4);
	r = file_pread_zero(fd, x->gd, x->gd_len * 4,
			    le64toh(h.gd_offset) * 512);
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", b->filename);
	for (uint64_t i = 0; i < x->gd_len; i++)
		x->gd[i] = le32toh(x->gd[i]);
	if (x->compressed)
		x->gbuf = xmalloc(x->grain * 2 + 512);
	x->kind = EXT_SPARSE;
	x->fd = fd;
	return 0;
}

/*
 * Opens the file an extent line names. The chain's resolver decides
 * where it may lie (block_open_ref(): a guest's disk cannot name
 * /etc/shadow as a flat extent).
 */
static int open_extent_file(struct block *b, const char *name, struct err **e)
{
	int fd = block_open_ref(b, name, e);

	if (fd < 0)
		return err_prefix(e, "'%s': opening extent '%s'", b->filename,
				  name);
	return fd;
}

/* Parses one extent line: ACCESS SECTORS TYPE ["FILE" [OFFSET]]. */
static int parse_extent(struct block *b, struct vmdk *v, const char *line,
			struct err **e)
{
	char access[16], type[16], name[1024] = "";
	unsigned long long sectors = 0, offset = 0;
	struct vmdk_extent *x;
	int n, fd;

	n = sscanf(line, "%15s %llu %15s \"%1023[^\"]\" %llu", access, &sectors,
		   type, name, &offset);
	if (n < 3 || sectors > (1ull << 50))
		return err_set(e, EINVAL, "'%s': invalid vmdk extent line",
			       b->filename);
	if (v->n == VMDK_MAX_EXTENTS)
		return err_set(e, EINVAL, "'%s': too many vmdk extents",
			       b->filename);
	x = &v->ext[v->n];
	*x = (struct vmdk_extent){.fd = -1, .len = sectors * 512};
	x->start = v->n ? v->ext[v->n - 1].start + v->ext[v->n - 1].len : 0;
	v->n++;
	if (!strcmp(type, "ZERO")) {
		x->kind = EXT_ZERO;
		return 0;
	}
	if (strcmp(type, "FLAT") && strcmp(type, "SPARSE") &&
	    strcmp(type, "VMFS"))
		return err_set(
			e, ENOTSUP,
			"'%s': vmdk extents of type %s are not supported",
			b->filename, type);
	fd = open_extent_file(b, name, e);
	if (fd < 0)
		return fd;
	if (!strcmp(type, "SPARSE"))
		return open_sparse(b, x, fd, sectors, e);
	x->kind = EXT_FLAT;
	x->fd = fd;
	x->foff = offset * 512;
	return 0;
}

static int parse_descriptor(struct block *b, struct vmdk *v, char *text,
			    struct err **e)
{
	char *save = NULL;
	int r;

	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		if (!strncmp(l, "parentFileNameHint", 18))
			return err_set(e, ENOTSUP,
				       "'%s': vmdk delta disks (with a parent) "
				       "are not supported",
				       b->filename);
		if (strncmp(l, "RW ", 3) && strncmp(l, "RDONLY ", 7) &&
		    strncmp(l, "NOACCESS ", 9))
			continue;
		r = parse_extent(b, v, l, e);
		if (r < 0)
			return r;
	}
	if (v->n == 0)
		return err_set(e, EINVAL,
			       "'%s': vmdk descriptor has no extents",
			       b->filename);
	return 0;
}

/* A monolithic sparse file: one extent, itself. */
static int open_monolithic(struct block *b, struct vmdk *v, struct err **e)
{
	int fd = dup(b->fd);

	if (fd < 0)
		return err_sys(e, errno, "'%s'", b->filename);
	v->ext[0] = (struct vmdk_extent){.fd = -1};
	v->n = 1;
	return open_sparse(b, &v->ext[0], fd, 0, e);
}

static int vmdk_open(struct block *b, struct err **e)
{
	struct vmdk *v = xcalloc(1, sizeof(*v));
	_cleanup_free_ char *text = xcalloc(1, VMDK_MAX_DESC + 1);
	int r;

	b->priv = v;
	if (!b->read_only)
		return err_set(e, EROFS,
			       "'%s': vmdk images can only be read (convert "
			       "them to qcow2 or raw)",
			       b->filename);
	r = file_pread_zero(b->fd, text, VMDK_MAX_DESC, 0);
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", b->filename);
	if (le32toh(*(uint32_t *)text) == VMDK_MAGIC)
		r = open_monolithic(b, v, e);
	else
		r = parse_descriptor(b, v, text, e);
	if (r < 0)
		return r;
	b->size = v->ext[v->n - 1].start + v->ext[v->n - 1].len;
	v->gt = xmalloc((size_t)65536 * 4);
	return 0;
}

static void vmdk_close(struct block *b)
{
	struct vmdk *v = b->priv;

	for (int i = 0; v && i < v->n; i++) {
		close_safe(v->ext[i].fd);
		free(v->ext[i].gd);
		free(v->ext[i].gbuf);
	}
	if (v)
		free(v->gt);
	free(v);
	b->priv = NULL;
}

/* The grain's sector offset in its file (0: none, 1: zeroed). */
static int grain_entry(struct block *b, struct vmdk_extent *x, uint64_t g,
		       uint32_t *out, struct err **e)
{
	struct vmdk *v = b->priv;
	uint64_t gdi = g / x->gtes;
	int r;

	*out = 0;
	if (gdi >= x->gd_len || x->gd[gdi] == 0)
		return 0;
	if (v->gt_ext != x || v->gt_index != gdi) {
		v->gt_ext = NULL;
		r = file_pread_zero(x->fd, v->gt, (size_t)x->gtes * 4,
				    (uint64_t)x->gd[gdi] * 512);
		if (r < 0)
			return err_sys(e, -r, "reading '%s'", b->filename);
		v->gt_ext = x;
		v->gt_index = gdi;
	}
	*out = le32toh(v->gt[g % x->gtes]);
	return 0;
}

/* Reads a compressed grain: u64 lba, u32 size, zlib data. */
static int read_compressed(struct block *b, struct vmdk_extent *x,
			   uint64_t sector, uint8_t *out, struct err **e)
{
	uint32_t size;
	uLongf outlen = x->grain;
	int r = file_pread_zero(x->fd, x->gbuf, x->grain * 2 + 512,
				sector * 512);

	if (r < 0)
		return err_sys(e, -r, "reading '%s'", b->filename);
	memcpy(&size, x->gbuf + 8, 4);
	size = le32toh(size);
	if (size > x->grain * 2 ||
	    uncompress(out, &outlen, x->gbuf + 12, size) != Z_OK)
		return err_set(e, EIO, "'%s': corrupt compressed vmdk grain",
			       b->filename);
	if (outlen < x->grain)
		memset(out + outlen, 0, x->grain - outlen);
	return 0;
}

static int read_sparse(struct block *b, struct vmdk_extent *x,
		       const struct iovec *iov, int k, uint64_t off, size_t n,
		       struct err **e)
{
	uint64_t g = off / x->grain, in = off % x->grain;
	uint32_t ent;
	int r = grain_entry(b, x, g, &ent, e);

	if (r < 0)
		return r;
	if (ent <= 1) {
		iov_memset(iov, k, 0, 0, n);
		return 0;
	}
	if (x->compressed) {
		uint8_t *tmp = xmalloc(x->grain);

		r = read_compressed(b, x, ent, tmp, e);
		if (r == 0)
			iov_from_buf(iov, k, 0, tmp + in, n);
		free(tmp);
		return r;
	}
	r = file_preadv_full(x->fd, iov, k, (uint64_t)ent * 512 + in);
	return r < 0 ? err_sys(e, -r, "reading '%s'", b->filename) : 0;
}

static struct vmdk_extent *find_extent(struct vmdk *v, uint64_t off)
{
	for (int i = 0; i < v->n; i++)
		if (off >= v->ext[i].start &&
		    off - v->ext[i].start < v->ext[i].len)
			return &v->ext[i];
	return NULL;
}

static int vmdk_preadv(struct block *b, const struct iovec *iov, int iovcnt,
		       uint64_t off, struct err **e)
{
	struct vmdk *v = b->priv;
	size_t len = iov_size(iov, iovcnt), done = 0;
	struct iovec part[IOV_MAX_SLICE];

	while (done < len) {
		struct vmdk_extent *x = find_extent(v, off + done);
		uint64_t rel;
		size_t n;
		int k, r = 0;

		if (!x)
			return err_set(e, EIO, "'%s': no vmdk extent there",
				       b->filename);
		rel = off + done - x->start;
		n = (size_t)MIN(len - done, x->len - rel);

		if (x->kind == EXT_SPARSE)
			n = (size_t)MIN(n, x->grain - rel % x->grain);
		k = iov_slice(iov, iovcnt, done, n, part, IOV_MAX_SLICE);
		if (k < 0)
			return err_set(e, EINVAL, "request too fragmented");
		if (x->kind == EXT_ZERO) {
			iov_memset(part, k, 0, 0, n);
		} else if (x->kind == EXT_FLAT) {
			r = file_preadv_full(x->fd, part, k, x->foff + rel);
			if (r < 0)
				r = err_sys(e, -r, "reading '%s'", b->filename);
		} else {
			r = read_sparse(b, x, part, k, rel, n, e);
		}
		if (r < 0)
			return r;
		done += n;
	}
	return 0;
}

static int vmdk_status(struct block *b, uint64_t off, uint64_t len,
		       struct block_status *st, struct err **e)
{
	struct vmdk *v = b->priv;
	struct vmdk_extent *x = find_extent(v, off);
	uint64_t rel;
	uint32_t ent = 2;
	int r = 0;

	if (!x)
		return err_set(e, EIO, "'%s': no vmdk extent there",
			       b->filename);
	rel = off - x->start;

	st->bytes = MIN(len, x->len - rel);
	if (x->kind == EXT_SPARSE) {
		st->bytes = MIN(st->bytes, x->grain - rel % x->grain);
		r = grain_entry(b, x, rel / x->grain, &ent, e);
	}
	st->flags = BLOCK_STATUS_ALLOCATED |
		    (x->kind == EXT_ZERO || ent <= 1 ? BLOCK_STATUS_ZERO
						     : BLOCK_STATUS_DATA);
	return r;
}

static int vmdk_read_only(struct block *b, struct err **e)
{
	return err_set(e, EROFS, "'%s': vmdk images are read-only",
		       b->filename);
}

static int vmdk_pwritev(struct block *b, const struct iovec *iov, int iovcnt,
			uint64_t off, struct err **e)
{
	return vmdk_read_only(b, e);
}

static int vmdk_flush(struct block *b, struct err **e)
{
	return 0;
}

static int vmdk_discard(struct block *b, uint64_t off, uint64_t len,
			struct err **e)
{
	return vmdk_read_only(b, e);
}

static int vmdk_write_zeroes(struct block *b, uint64_t off, uint64_t len,
			     unsigned flags, struct err **e)
{
	return vmdk_read_only(b, e);
}

static int vmdk_resize(struct block *b, uint64_t size, unsigned flags,
		       struct err **e)
{
	return vmdk_read_only(b, e);
}

const struct block_driver block_vmdk = {
	.name = "vmdk",
	.probe = vmdk_probe,
	.open = vmdk_open,
	.close = vmdk_close,
	.preadv = vmdk_preadv,
	.pwritev = vmdk_pwritev,
	.flush = vmdk_flush,
	.discard = vmdk_discard,
	.write_zeroes = vmdk_write_zeroes,
	.status = vmdk_status,
	.resize = vmdk_resize,
};
