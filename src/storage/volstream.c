// SPDX-License-Identifier: GPL-2.0-or-later
/* The extents vol-upload and vol-download send (volstream.h). */
#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

#include "lib/util.h"
#include "storage/volstream.h"

int volstream_extent(int fd, uint64_t off, uint64_t end, bool sparse,
		     uint64_t max, bool *data, uint64_t *len)
{
	off_t d, h;

	*data = true;
	*len = MIN(end - off, max);
	if (!sparse)
		return 0;
	d = lseek(fd, (off_t)off, SEEK_DATA);
	if (d < 0 && errno != ENXIO)
		return -errno;
	if (d < 0 || (uint64_t)d > off) { /* a hole up to d (ENXIO: the end) */
		*data = false;
		*len = (d < 0 ? end : MIN((uint64_t)d, end)) - off;
		return 0;
	}
	h = lseek(fd, (off_t)off, SEEK_HOLE);
	if (h < 0)
		return -errno;
	*len = MIN(MIN((uint64_t)h, end) - off, max);
	return 0;
}

/* A whole header is in rx->hdr: what it starts. */
static int rx_header(struct volstream_rx *rx)
{
	uint64_t n = volstream_len(rx->hdr);

	rx->have = 0;
	switch (rx->hdr[0]) {
	case VOLSTREAM_DATA:
		if (n > (rx->max ? rx->max : VOLSTREAM_MAX_DATA) ||
		    n > (uint64_t)INT64_MAX - rx->pos)
			return -EPROTO;
		rx->payload = n;
		return 0;
	case VOLSTREAM_HOLE:
		if (n > (uint64_t)INT64_MAX - rx->pos)
			return -EPROTO;
		rx->pos += n;
		return 0;
	case VOLSTREAM_END:
		rx->ended = true;
		return 0;
	default:
		return -EPROTO;
	}
}

ssize_t volstream_rx_feed(struct volstream_rx *rx, const uint8_t *buf,
			  size_t len, volstream_data_fn *fn, void *opaque)
{
	size_t used = 0;

	while (used < len && !rx->ended) {
		if (rx->payload) {
			size_t n = (size_t)MIN((uint64_t)(len - used),
					       rx->payload);
			int r = fn(opaque, rx->pos, buf + used, n);

			if (r < 0)
				return r;
			used += n;
			rx->pos += n;
			rx->payload -= n;
			continue;
		}
		rx->hdr[rx->have++] = buf[used++];
		if (rx->have == VOLSTREAM_HDR) {
			int r = rx_header(rx);

			if (r < 0)
				return r;
		}
	}
	return (ssize_t)used;
}
