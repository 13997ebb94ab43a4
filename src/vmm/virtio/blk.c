// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-blk (5.2) on src/block: the device only calls block_*(), never
 * a format. Reads, writes, flush, discard, write-zeroes and the serial
 * number (GET_ID); read-only disks refuse writes. Requests run in the
 * loop's thread, synchronously.
 */
#include <errno.h>

#include "block/block.h"
#include "lib/log.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vmconfig.h"

#define SECTOR 512ULL

#define BLK_F_SEG_MAX	   (1ULL << 2)
#define BLK_F_RO	   (1ULL << 5)
#define BLK_F_BLK_SIZE	   (1ULL << 6)
#define BLK_F_FLUSH	   (1ULL << 9)
#define BLK_F_DISCARD	   (1ULL << 13)
#define BLK_F_WRITE_ZEROES (1ULL << 14)

#define BLK_T_IN	   0
#define BLK_T_OUT	   1
#define BLK_T_FLUSH	   4
#define BLK_T_GET_ID	   8
#define BLK_T_DISCARD	   11
#define BLK_T_WRITE_ZEROES 13

#define BLK_S_OK     0
#define BLK_S_IOERR  1
#define BLK_S_UNSUPP 2

#define BLK_ID_BYTES	      20
#define BLK_MAX_SEGS	      (VQ_MAX_CHAIN - 2)
#define BLK_MAX_RANGES	      16
#define BLK_MAX_RANGE_SECTORS (1U << 22) /* 2 GiB per discard range */

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_range {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

/* The configuration space, as far as we fill it (5.2.4). */
struct blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint32_t geometry;
	uint32_t blk_size;
	uint8_t topology[8];
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

_Static_assert(sizeof(struct blk_config) == 60, "virtio-blk config");

struct blk {
	struct block *disk;
	int readonly;
	char id[BLK_ID_BYTES];
	struct blk_config config;
};

/* The data part of a request: @skip bytes into @iov, @len bytes. */
static int iov_slice(const struct iovec *iov, unsigned n, uint64_t skip,
		     uint64_t len, struct iovec *out)
{
	int k = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint64_t take;

		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		take = MIN(iov[i].iov_len - skip, len);
		out[k].iov_base = (uint8_t *)iov[i].iov_base + skip;
		out[k].iov_len = take;
		k++;
		len -= take;
		skip = 0;
	}
	return k;
}

static int in_range(const struct blk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t cap = b->config.capacity;

	return sector <= cap && bytes / SECTOR <= cap - sector &&
	       bytes % SECTOR == 0;
}

static uint8_t do_rw(struct virtio_dev *d, const struct vq_req *r,
		     const struct blk_hdr *h, uint32_t *written)
{
	struct blk *b = d->priv;
	struct iovec iov[VQ_MAX_CHAIN];
	uint64_t len;
	int n, rc;

	if (h->type == BLK_T_IN) {
		len = r->in_len - 1; /* the last byte is the status */
		n = iov_slice(r->iov + r->n_out, r->n_in, 0, len, iov);
	} else {
		len = r->out_len - sizeof(*h);
		n = iov_slice(r->iov, r->n_out, sizeof(*h), len, iov);
	}
	if (!in_range(b, h->sector, len))
		return BLK_S_IOERR;
	if (h->type == BLK_T_OUT && b->readonly)
		return BLK_S_IOERR;
	if (h->type == BLK_T_IN) {
		rc = block_preadv(b->disk, iov, n, h->sector * SECTOR, NULL);
		if (rc == 0) {
			*written += (uint32_t)len;
			atomic_fetch_add(&d->stats.bytes_written, len);
		}
	} else {
		rc = block_pwritev(b->disk, iov, n, h->sector * SECTOR, NULL);
		if (rc == 0)
			atomic_fetch_add(&d->stats.bytes_read, len);
	}
	return rc == 0 ? BLK_S_OK : BLK_S_IOERR;
}

/* DISCARD and WRITE_ZEROES: ranges in the readable part after the header. */
static uint8_t do_ranges(struct virtio_dev *d, const struct vq_req *r,
			 const struct blk_hdr *h)
{
	struct blk *b = d->priv;
	uint64_t bytes = r->out_len - sizeof(*h);
	struct blk_range rg;

	if (b->readonly || bytes == 0 || bytes % sizeof(rg) ||
	    bytes / sizeof(rg) > BLK_MAX_RANGES)
		return BLK_S_IOERR;
	for (uint64_t off = sizeof(*h); off < r->out_len; off += sizeof(rg)) {
		uint64_t start, len;
		int rc;

		vq_req_read(r, off, &rg, sizeof(rg));
		len = (uint64_t)rg.num_sectors * SECTOR;
		if (rg.num_sectors > BLK_MAX_RANGE_SECTORS ||
		    !in_range(b, rg.sector, len))
			return BLK_S_IOERR;
		start = rg.sector * SECTOR;
		if (h->type == BLK_T_DISCARD)
			rc = block_discard(b->disk, start, len, NULL);
		else
			rc = block_write_zeroes(
				b->disk, start, len,
				(rg.flags & 1) ? BLOCK_ZERO_MAY_UNMAP : 0,
				NULL);
		if (rc < 0)
			return BLK_S_IOERR;
	}
	return BLK_S_OK;
}

static uint8_t do_request(struct virtio_dev *d, const struct vq_req *r,
			  uint32_t *written)
{
	struct blk *b = d->priv;
	struct blk_hdr h;

	if (r->out_len < sizeof(h) ||
	    vq_req_read(r, 0, &h, sizeof(h)) != sizeof(h))
		return BLK_S_IOERR;
	switch (h.type) {
	case BLK_T_IN:
	case BLK_T_OUT:
		return do_rw(d, r, &h, written);
	case BLK_T_FLUSH:
		if (b->readonly)
			return BLK_S_OK;
		return block_flush(b->disk, NULL) == 0 ? BLK_S_OK : BLK_S_IOERR;
	case BLK_T_GET_ID:
		if (r->in_len - 1 < BLK_ID_BYTES)
			return BLK_S_IOERR;
		*written += (uint32_t)vq_req_write(r, 0, b->id, BLK_ID_BYTES);
		return BLK_S_OK;
	case BLK_T_DISCARD:
	case BLK_T_WRITE_ZEROES:
		return do_ranges(d, r, &h);
	default:
		return BLK_S_UNSUPP;
	}
}

static void blk_notify(struct virtio_dev *d, unsigned qi)
{
	struct vq *q = &d->vqs[qi];
	struct vq_req r;
	int n, any = 0;

	while ((n = vq_pop(q, &r)) > 0) {
		uint32_t written = 0;
		uint8_t status = BLK_S_IOERR;

		/* The status byte must be device-writable. */
		if (r.in_len >= 1)
			status = do_request(d, &r, &written);
		if (status != BLK_S_OK)
			atomic_fetch_add(&d->stats.errors, 1);
		if (r.in_len >= 1) {
			vq_req_write(&r, r.in_len - 1, &status, 1);
			written++;
		}
		atomic_fetch_add(&d->stats.requests, 1);
		vq_push(q, r.head, written);
		any = 1;
	}
	if (any)
		virtio_dev_notify_used(d, q);
	if (n < 0)
		virtio_dev_broken(d, q);
}

static void blk_config_read(struct virtio_dev *d, uint64_t off, void *data,
			    unsigned len)
{
	struct blk *b = d->priv;

	if (off < sizeof(b->config) && len <= sizeof(b->config) - off)
		memcpy(data, (uint8_t *)&b->config + off, len);
}

static void blk_destroy(struct virtio_dev *d)
{
	struct blk *b = d->priv;

	block_close(b->disk);
	free(b);
}

static uint64_t blk_features(const struct virtio_dev *d)
{
	const struct blk *b = d->priv;
	uint64_t f = BLK_F_SEG_MAX | BLK_F_BLK_SIZE | BLK_F_FLUSH;

	return f |
	       (b->readonly ? BLK_F_RO : BLK_F_DISCARD | BLK_F_WRITE_ZEROES);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.n_queues = 1,
	.queue_max = 256,
	.get_features = blk_features,
	.config_read = blk_config_read,
	.queue_notify = blk_notify,
	.destroy = blk_destroy,
};

static void blk_fill_config(struct blk *b)
{
	struct blk_config *c = &b->config;

	c->capacity = block_size(b->disk) / SECTOR;
	c->seg_max = BLK_MAX_SEGS;
	c->blk_size = SECTOR;
	c->num_queues = 1;
	c->max_discard_sectors = BLK_MAX_RANGE_SECTORS;
	c->max_discard_seg = BLK_MAX_RANGES;
	c->discard_sector_alignment = 8;
	c->max_write_zeroes_sectors = BLK_MAX_RANGE_SECTORS;
	c->max_write_zeroes_seg = BLK_MAX_RANGES;
	c->write_zeroes_may_unmap = 1;
}

struct virtio_dev *virtio_blk_create(struct vm *vm,
				     const struct config_disk *cfg,
				     unsigned index, struct err **e)
{
	static const char *const formats[] = {NULL, "raw", "qcow2"};
	struct blk *b = xcalloc(1, sizeof(*b));
	struct virtio_dev *d;

	b->readonly = cfg->readonly;
	if (block_open(cfg->path, formats[cfg->format],
		       cfg->readonly ? 0 : BLOCK_OPEN_RDWR, &b->disk, e) < 0) {
		free(b);
		err_prefix(e, "disk %u", index);
		return NULL;
	}
	snprintf(b->id, sizeof(b->id), "%s", cfg->serial ? cfg->serial : "");
	if (!cfg->serial)
		snprintf(b->id, sizeof(b->id), "nido-disk%u", index);
	blk_fill_config(b);
	d = virtio_dev_create(vm, &blk_ops, b, e);
	if (!d)
		return NULL; /* b was freed by the device's destroy */
	return d;
}
