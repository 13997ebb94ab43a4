// SPDX-License-Identifier: GPL-2.0-or-later
/* iovec arithmetic and whole-range file I/O for the format drivers. */
#include <errno.h>
#include <sys/uio.h>

#include "block/driver.h"

size_t iov_size(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;

	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

int iov_slice(const struct iovec *iov, int iovcnt, size_t skip, size_t len,
	      struct iovec *out, int max)
{
	int n = 0;

	for (int i = 0; i < iovcnt && len > 0; i++) {
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		if (n == max)
			return -EINVAL;
		out[n].iov_base = (char *)iov[i].iov_base + skip;
		out[n].iov_len = MIN(l - skip, len);
		len -= out[n].iov_len;
		skip = 0;
		n++;
	}
	return len ? -EINVAL : n;
}

/* Calls @fn on each piece of the byte range [@skip, @skip+@len). */
#define IOV_WALK(iov, iovcnt, skip, len, body)                        \
	do {                                                          \
		size_t _skip = (skip), _len = (len), _done = 0;       \
		for (int _i = 0; _i < (iovcnt) && _len > 0; _i++) {   \
			size_t _l = (iov)[_i].iov_len;                \
			if (_skip >= _l) {                            \
				_skip -= _l;                          \
				continue;                             \
			}                                             \
			char *p = (char *)(iov)[_i].iov_base + _skip; \
			size_t n = MIN(_l - _skip, _len);             \
			size_t done = _done;                          \
			body;                                         \
			(void)done;                                   \
			_done += n;                                   \
			_len -= n;                                    \
			_skip = 0;                                    \
		}                                                     \
	} while (0)

void iov_memset(const struct iovec *iov, int iovcnt, size_t skip, int c,
		size_t len)
{
	IOV_WALK(iov, iovcnt, skip, len, memset(p, c, n));
}

void iov_from_buf(const struct iovec *iov, int iovcnt, size_t skip,
		  const void *buf, size_t len)
{
	IOV_WALK(iov, iovcnt, skip, len,
		 memcpy(p, (const char *)buf + done, n));
}

void iov_to_buf(const struct iovec *iov, int iovcnt, size_t skip, void *buf,
		size_t len)
{
	IOV_WALK(iov, iovcnt, skip, len, memcpy((char *)buf + done, p, n));
}

/* Advances @iov/@iovcnt (a private copy) past @n bytes. */
static void iov_advance(struct iovec **iov, int *iovcnt, size_t n)
{
	while (n > 0 && *iovcnt > 0) {
		if (n >= (*iov)->iov_len) {
			n -= (*iov)->iov_len;
			(*iov)++;
			(*iovcnt)--;
		} else {
			(*iov)->iov_base = (char *)(*iov)->iov_base + n;
			(*iov)->iov_len -= n;
			n = 0;
		}
	}
	while (*iovcnt > 0 && (*iov)->iov_len == 0) {
		(*iov)++;
		(*iovcnt)--;
	}
}

static int file_rw_full(int fd, const struct iovec *iov, int iovcnt,
			uint64_t off, bool write)
{
	struct iovec local[IOV_MAX_SLICE], *v = local;
	int cnt;

	if (iovcnt > IOV_MAX_SLICE)
		return -EINVAL;
	memcpy(local, iov, sizeof(*iov) * iovcnt);
	cnt = iovcnt;
	iov_advance(&v, &cnt, 0);
	while (cnt > 0) {
		ssize_t r = write ? pwritev(fd, v, MIN(cnt, 1024), (off_t)off)
				  : preadv(fd, v, MIN(cnt, 1024), (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0) {
			if (write)
				return -EIO;
			/* end of file: the rest reads as zeroes */
			iov_memset(v, cnt, 0, 0, iov_size(v, cnt));
			return 0;
		}
		off += (uint64_t)r;
		iov_advance(&v, &cnt, (size_t)r);
	}
	return 0;
}

int file_preadv_full(int fd, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return file_rw_full(fd, iov, iovcnt, off, false);
}

int file_pwritev_full(int fd, const struct iovec *iov, int iovcnt, uint64_t off)
{
	return file_rw_full(fd, iov, iovcnt, off, true);
}

int file_pread_zero(int fd, void *buf, size_t len, uint64_t off)
{
	struct iovec v = {buf, len};

	return file_rw_full(fd, &v, 1, off, false);
}
