// SPDX-License-Identifier: GPL-2.0-or-later
/* The extents vol-upload and vol-download send (volstream.h). */
#include <errno.h>
#include <unistd.h>

#include "lib/util.h"
#include "storage/volstream.h"

int volstream_extent(int fd, uint64_t off, uint64_t end, bool sparse,
		     bool *data, uint64_t *len)
{
	off_t d, h;

	*data = true;
	*len = MIN(end - off, (uint64_t)VOLSTREAM_MAX_DATA);
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
	*len = MIN(MIN((uint64_t)h, end) - off, (uint64_t)VOLSTREAM_MAX_DATA);
	return 0;
}
