// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Commit (image.h): what the layers above a base hold, copied into it,
 * as qemu-img commit does; `nido img commit` and nidod's deletion of a
 * shut off domain's external snapshot.
 */
#include "block/block.h"
#include "block/image.h"
#include "lib/util.h"

#define COPY_BUF (1u << 20)

static int copy_range(struct block *from, struct block *to, uint64_t off,
		      uint64_t len, uint8_t *buf, struct err **e)
{
	while (len > 0) {
		size_t n = (size_t)MIN(len, COPY_BUF);
		int r = block_pread(from, buf, n, off, e);

		if (r == 0)
			r = block_pwrite(to, buf, n, off, e);
		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

int img_commit(struct block *top, struct block *base, int depth, struct err **e)
{
	_cleanup_free_ uint8_t *buf = xmalloc(COPY_BUF);
	uint64_t off = 0, size = block_size(top);
	struct block_status st;
	int r;

	if (block_size(base) < size && (r = block_resize(base, size, 0, e)) < 0)
		return r;
	while (off < size) {
		r = block_status(top, off, size - off, &st, e);
		if (r < 0)
			return r;
		if ((st.flags & BLOCK_STATUS_ALLOCATED) && st.depth < depth) {
			if (st.flags & BLOCK_STATUS_ZERO)
				r = block_write_zeroes(base, off, st.bytes, 0,
						       e);
			else
				r = copy_range(top, base, off, st.bytes, buf,
					       e);
			if (r < 0)
				return r;
		}
		off += st.bytes;
	}
	return block_flush(base, e);
}
