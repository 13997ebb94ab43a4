// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VirtualBox vdi, read-only (import through `nido img convert`): a
 * header, a block map (one little-endian u32 per block: the index of
 * the block in the data area, or unallocated / discarded), the data.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "block/driver.h"

#define VDI_SIGNATURE	0xbeda107fu
#define VDI_UNALLOCATED 0xffffffffu
#define VDI_DISCARDED	0xfffffffeu
#define VDI_MAX_BLOCKS	(1u << 26)

struct vdi_header_disk {
	char text[0x40];
	uint32_t signature;
	uint32_t version;
	uint32_t header_size;
	uint32_t image_type;
	uint32_t image_flags;
	char description[256];
	uint32_t offset_bmap;
	uint32_t offset_data;
	uint32_t cylinders, heads, sectors, sector_size;
	uint32_t unused;
	uint64_t disk_size;
	uint32_t block_size;
	uint32_t block_extra;
	uint32_t blocks_in_image;
	uint32_t blocks_allocated;
} __attribute__((packed));
_Static_assert(sizeof(struct vdi_header_disk) == 0x188, "vdi header");

struct vdi {
	uint32_t *bmap; /* host order */
	uint32_t nblocks, block_size;
	uint64_t data_off;
};

static int vdi_probe(const uint8_t *buf, size_t len)
{
	uint32_t sig;

	if (len < 0x44)
		return 0;
	memcpy(&sig, buf + 0x40, 4);
	return le32toh(sig) == VDI_SIGNATURE ? 100 : 0;
}

static int vdi_check_header(struct block *b, const struct vdi_header_disk *h,
			    uint64_t file_size, struct err **e)
{
	uint32_t bs = le32toh(h->block_size), n = le32toh(h->blocks_in_image);
	uint64_t size = le64toh(h->disk_size);

	if (le32toh(h->signature) != VDI_SIGNATURE)
		return err_set(e, EINVAL, "'%s': not a vdi image", b->filename);
	if (le32toh(h->version) >> 16 != 1)
		return err_set(e, ENOTSUP, "'%s': unsupported vdi version %#x",
			       b->filename, le32toh(h->version));
	if (bs < 512 || bs > (64u << 20) || (bs & (bs - 1)) ||
	    le32toh(h->block_extra) || le32toh(h->sector_size) != 512)
		return err_set(e, ENOTSUP, "'%s': unsupported vdi block layout",
			       b->filename);
	if (n > VDI_MAX_BLOCKS || size > (uint64_t)n * bs)
		return err_set(e, EINVAL,
			       "'%s': vdi disk size %" PRIu64
			       " does not fit its %" PRIu32 " blocks",
			       b->filename, size, n);
	if ((uint64_t)le32toh(h->offset_bmap) + (uint64_t)n * 4 > file_size)
		return err_set(e, EINVAL,
			       "'%s': vdi block map lies beyond the end of the "
			       "file",
			       b->filename);
	return 0;
}

static int vdi_open(struct block *b, struct err **e)
{
	struct vdi_header_disk h;
	struct vdi *v;
	struct stat st;
	int r;

	if (!b->read_only)
		return err_set(e, EROFS,
			       "'%s': vdi images can only be read (convert "
			       "them to qcow2 or raw)",
			       b->filename);
	if (fstat(b->fd, &st) < 0)
		return err_sys(e, errno, "'%s'", b->filename);
	r = file_pread_zero(b->fd, &h, sizeof(h), 0);
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", b->filename);
	r = vdi_check_header(b, &h, (uint64_t)st.st_size, e);
	if (r < 0)
		return r;
	v = xcalloc(1, sizeof(*v));
	b->priv = v;
	v->nblocks = le32toh(h.blocks_in_image);
	v->block_size = le32toh(h.block_size);
	v->data_off = le32toh(h.offset_data);
	v->bmap = xcalloc(MAX(v->nblocks, 1u), 4);
	b->size = le64toh(h.disk_size);
	r = file_pread_zero(b->fd, v->bmap, (size_t)v->nblocks * 4,
			    le32toh(h.offset_bmap));
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", b->filename);
	for (uint32_t i = 0; i < v->nblocks; i++) {
		v->bmap[i] = le32toh(v->bmap[i]);
		if (v->bmap[i] < VDI_DISCARDED && v->bmap[i] >= v->nblocks)
			return err_set(e, EINVAL,
				       "'%s': vdi block map entry %" PRIu32
				       " is out of range",
				       b->filename, i);
	}
	return 0;
}

static void vdi_close(struct block *b)
{
	struct vdi *v = b->priv;

	if (v)
		free(v->bmap);
	free(v);
	b->priv = NULL;
}

static int vdi_preadv(struct block *b, const struct iovec *iov, int iovcnt,
		      uint64_t off, struct err **e)
{
	struct vdi *v = b->priv;
	size_t len = iov_size(iov, iovcnt), done = 0;
	struct iovec part[IOV_MAX_SLICE];

	while (done < len) {
		uint64_t pos = off + done, blk = pos / v->block_size;
		uint64_t in = pos % v->block_size;
		size_t n = (size_t)MIN(len - done, v->block_size - in);
		int k = iov_slice(iov, iovcnt, done, n, part, IOV_MAX_SLICE);
		int r = 0;

		if (k < 0)
			return err_set(e, EINVAL, "request too fragmented");
		if (blk >= v->nblocks || v->bmap[blk] >= VDI_DISCARDED)
			iov_memset(part, k, 0, 0, n);
		else
			r = file_preadv_full(b->fd, part, k,
					     v->data_off +
						     (uint64_t)v->bmap[blk] *
							     v->block_size +
						     in);
		if (r < 0)
			return err_sys(e, -r, "reading '%s'", b->filename);
		done += n;
	}
	return 0;
}

static int vdi_status(struct block *b, uint64_t off, uint64_t len,
		      struct block_status *st, struct err **e)
{
	struct vdi *v = b->priv;
	uint64_t blk = off / v->block_size;
	bool data = blk < v->nblocks && v->bmap[blk] < VDI_DISCARDED;

	st->bytes = MIN(len, v->block_size - off % v->block_size);
	st->flags = BLOCK_STATUS_ALLOCATED |
		    (data ? BLOCK_STATUS_DATA : BLOCK_STATUS_ZERO);
	return 0;
}

static int vdi_read_only(struct block *b, struct err **e)
{
	return err_set(e, EROFS, "'%s': vdi images are read-only", b->filename);
}

static int vdi_pwritev(struct block *b, const struct iovec *iov, int iovcnt,
		       uint64_t off, struct err **e)
{
	return vdi_read_only(b, e);
}

static int vdi_flush(struct block *b, struct err **e)
{
	return 0;
}

static int vdi_discard(struct block *b, uint64_t off, uint64_t len,
		       struct err **e)
{
	return vdi_read_only(b, e);
}

static int vdi_write_zeroes(struct block *b, uint64_t off, uint64_t len,
			    unsigned flags, struct err **e)
{
	return vdi_read_only(b, e);
}

static int vdi_resize(struct block *b, uint64_t size, unsigned flags,
		      struct err **e)
{
	return vdi_read_only(b, e);
}

const struct block_driver block_vdi = {
	.name = "vdi",
	.probe = vdi_probe,
	.open = vdi_open,
	.close = vdi_close,
	.preadv = vdi_preadv,
	.pwritev = vdi_pwritev,
	.flush = vdi_flush,
	.discard = vdi_discard,
	.write_zeroes = vdi_write_zeroes,
	.status = vdi_status,
	.resize = vdi_resize,
};
