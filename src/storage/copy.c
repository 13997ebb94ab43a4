// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A volume's contents copied into another (storage.h): vol-clone,
 * vol-create-from and P2V, whatever the formats and whichever pools.
 * What the source reads is read through src/block, so that a qcow2
 * source lands in a raw logical volume as its guest sees it, and a
 * physical disk in a qcow2 volume.
 *
 * Zeroes are never copied as data: ranges the source says read as
 * zeroes, and granules of GRAN bytes found to be zero in what was read
 * (a physical disk says nothing of its holes). A target that reads as
 * zeroes already (a new file, a new thin volume) is left unwritten
 * there; any other (a logical volume or a partition, holding what was
 * there before) is zeroed, cheaply where the device can.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/block.h"
#include "storage/storage.h"

#define CHUNK (1u << 20)
#define GRAN  (64u << 10)

struct copy {
	struct block *src, *dst;
	bool dst_zeroed;
	struct storage_progress *pr;
	uint8_t *buf;
};

static void advance(struct copy *c, uint64_t n)
{
	if (!c->pr)
		return;
	atomic_fetch_add(&c->pr->done, n);
	if (c->pr->tick)
		c->pr->tick(c->pr);
}

/* [@off, @off+@len) of the target made to read as zeroes. */
static int zero_range(struct copy *c, uint64_t off, uint64_t len,
		      struct err **e)
{
	if (c->dst_zeroed || len == 0)
		return 0;
	return block_write_zeroes(c->dst, off, len, 0, e);
}

/* The length of the run at @p (at most @len) that is all zero or all
 * not, as @p's first granule is; *@zero says which. */
static size_t run_of(const uint8_t *p, size_t len, uint64_t off, bool *zero)
{
	size_t run = 0;

	while (run < len) {
		size_t g = (size_t)MIN(GRAN - (off + run) % GRAN, len - run);
		bool z = buf_is_zero(p + run, g);

		if (run == 0)
			*zero = z;
		else if (z != *zero)
			break;
		run += g;
	}
	return run;
}

/* Writes the @len bytes of c->buf read at @off, zero runs as zeroes. */
static int put(struct copy *c, uint64_t off, size_t len, struct err **e)
{
	size_t pos = 0;

	while (pos < len) {
		bool zero;
		size_t n = run_of(c->buf + pos, len - pos, off + pos, &zero);
		int r = zero ? zero_range(c, off + pos, n, e)
			     : block_pwrite(c->dst, c->buf + pos, n, off + pos,
					    e);

		if (r < 0)
			return r;
		pos += n;
	}
	return 0;
}

static int copy_range(struct copy *c, uint64_t off, uint64_t end,
		      struct err **e)
{
	while (off < end) {
		struct block_status st;
		uint64_t n;
		int r = block_status(c->src, off, MIN(end - off, CHUNK), &st,
				     e);

		if (r < 0)
			return r;
		n = MIN(st.bytes, end - off);
		if (st.flags & BLOCK_STATUS_ZERO)
			r = zero_range(c, off, n, e);
		else if ((r = block_pread(c->src, c->buf, n, off, e)) == 0)
			r = put(c, off, (size_t)n, e);
		if (r < 0)
			return r;
		off += n;
		advance(c, n);
	}
	return 0;
}

int storage_copy(struct block *src, struct block *dst, bool dst_zeroed,
		 struct storage_progress *pr, struct err **e)
{
	uint64_t size = block_size(src), dsize = block_size(dst);
	struct copy c = {src, dst, dst_zeroed, pr, NULL};
	int r;

	if (dsize < size)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"'%s' (%llu bytes) is smaller than '%s' (%llu "
				"bytes)",
				block_filename(dst), (unsigned long long)dsize,
				block_filename(src), (unsigned long long)size);
	if (pr)
		atomic_store(&pr->total, size);
	c.buf = xmalloc(CHUNK);
	r = copy_range(&c, 0, size, e);
	free(c.buf);
	if (r == 0)
		r = zero_range(&c, size, dsize - size, e); /* a larger one */
	if (r == 0)
		r = block_flush(dst, e);
	return r;
}

int storage_backend_vol_clone(const struct storage_backend *b,
			      const struct storage_pool_params *p,
			      const char *src_path, const char *src_format,
			      const struct storage_vol_new *nv,
			      struct storage_progress *pr, struct err **e)
{
	_cleanup_block_ struct block *src = NULL;
	_cleanup_block_ struct block *dst = NULL;
	_cleanup_free_ char *path = NULL;
	struct storage_vol_new copy = *nv;
	_cleanup_err_ struct err *ignored = NULL;
	int r;

	if ((r = block_open(src_path, src_format, 0, &src, e)) < 0)
		return r;
	if (copy.format && !streq(copy.format, "raw"))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"volume format '%s': a %s pool's volumes hold "
				"raw data (format raw)",
				copy.format, b->type);
	copy.format = "raw";
	copy.capacity = MAX(nv->capacity, block_size(src));
	if (b->vol_block_name) /* an image of a cluster: thin */
		copy.allocation = 0;
	if (b->vol_create(p, &copy, e) < 0)
		return err_code(*e);
	path = b->vol_block_name ? b->vol_block_name(p, nv->name)
				 : xasprintf("%s/%s", p->target, nv->name);
	r = block_open(path, "raw", BLOCK_OPEN_RDWR, &dst, e);
	/* a new image, or a new thin volume, reads as zeroes already */
	if (r == 0)
		r = storage_copy(src, dst,
				 b->vol_block_name ||
					 (streq(b->type, "logical") &&
					  storage_logical_thin(&copy)),
				 pr, e);
	if (r == 0)
		r = block_close(steal_ptr(dst));
	if (r < 0) {
		block_close(steal_ptr(dst));
		b->vol_delete(p, nv->name, &ignored);
		return err_prefix(e, "cloning '%s'", src_path);
	}
	return 0;
}
