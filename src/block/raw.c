// SPDX-License-Identifier: GPL-2.0-or-later
/* The raw format: the file is the disk, byte for byte. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "block/driver.h"

static int raw_probe(const uint8_t *buf, size_t len)
{
	return 1; /* anything is raw, but everything else wins */
}

static int raw_file_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0)
			return -errno;
		return 0;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static int raw_open(struct block *b, struct err **e)
{
	int r = raw_file_size(b->fd, &b->size);

	if (r < 0)
		return err_sys(e, -r, "'%s': reading its size", b->filename);
	return 0;
}

static void raw_close(struct block *b)
{
}

static int raw_preadv(struct block *b, const struct iovec *iov, int iovcnt,
		      uint64_t off, struct err **e)
{
	int r = file_preadv_full(b->fd, iov, iovcnt, off);

	if (r < 0)
		return err_sys(e, -r, "reading '%s'", b->filename);
	return 0;
}

static int raw_pwritev(struct block *b, const struct iovec *iov, int iovcnt,
		       uint64_t off, struct err **e)
{
	int r = file_pwritev_full(b->fd, iov, iovcnt, off);

	if (r < 0)
		return err_sys(e, -r, "writing '%s'", b->filename);
	return 0;
}

static int raw_flush(struct block *b, struct err **e)
{
	if (b->flags & BLOCK_OPEN_NO_FLUSH)
		return 0;
	if (fdatasync(b->fd) < 0)
		return err_sys(e, errno, "flushing '%s'", b->filename);
	return 0;
}

/* Writes zero bytes, for files that cannot punch holes. */
static int write_zero_bytes(int fd, uint64_t off, uint64_t len)
{
	static const uint8_t zero[65536];

	while (len > 0) {
		size_t n = MIN(len, sizeof(zero));
		int r = pwrite_full(fd, zero, n, (off_t)off);

		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

/* Zeroes [off, off+len) of @fd cheaply if it can; 0 or -errno. */
static int fd_zero_range(int fd, uint64_t off, uint64_t len, bool unmap)
{
	int mode = unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
			 : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

	if (fallocate(fd, mode, (off_t)off, (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
		return -errno;
	return write_zero_bytes(fd, off, len);
}

static int raw_write_zeroes(struct block *b, uint64_t off, uint64_t len,
			    unsigned flags, struct err **e)
{
	int r = fd_zero_range(b->fd, off, len, flags & BLOCK_ZERO_MAY_UNMAP);

	if (r < 0)
		return err_sys(e, -r, "zeroing part of '%s'", b->filename);
	return 0;
}

static int raw_discard(struct block *b, uint64_t off, uint64_t len,
		       struct err **e)
{
	return raw_write_zeroes(b, off, len, BLOCK_ZERO_MAY_UNMAP, e);
}

static int raw_status(struct block *b, uint64_t off, uint64_t len,
		      struct block_status *st, struct err **e)
{
	off_t data = lseek(b->fd, (off_t)off, SEEK_DATA), hole;

	st->flags = BLOCK_STATUS_ALLOCATED | BLOCK_STATUS_OFFSET_VALID;
	st->host_off = off;
	if (data < 0 && errno == ENXIO) { /* a hole up to the end */
		st->flags |= BLOCK_STATUS_ZERO;
		st->bytes = len;
		return 0;
	}
	if (data < 0) { /* no SEEK_DATA: say it is all data */
		st->flags |= BLOCK_STATUS_DATA;
		st->bytes = len;
		return 0;
	}
	if ((uint64_t)data > off) {
		st->flags |= BLOCK_STATUS_ZERO;
		st->bytes = MIN(len, (uint64_t)data - off);
		return 0;
	}
	hole = lseek(b->fd, (off_t)off, SEEK_HOLE);
	st->flags |= BLOCK_STATUS_DATA;
	st->bytes = hole > (off_t)off ? MIN(len, (uint64_t)hole - off) : len;
	return 0;
}

static int grow_prealloc(int fd, uint64_t from, uint64_t to, bool full)
{
	if (to <= from)
		return 0;
	if (full)
		return write_zero_bytes(fd, from, to - from);
	if (fallocate(fd, 0, (off_t)from, (off_t)(to - from)) < 0)
		return -errno;
	return 0;
}

static int raw_resize(struct block *b, uint64_t size, unsigned flags,
		      struct err **e)
{
	uint64_t old = b->size;
	int r;

	if (ftruncate(b->fd, (off_t)size) < 0)
		return err_sys(e, errno, "resizing '%s'", b->filename);
	if (flags & BLOCK_RESIZE_PREALLOC) {
		r = grow_prealloc(b->fd, old, size, false);
		if (r < 0)
			return err_sys(e, -r, "preallocating '%s'",
				       b->filename);
	}
	b->size = size;
	return 0;
}

static int raw_create(const char *path, const struct img_create_opts *o,
		      struct err **e)
{
	_cleanup_close_ int fd = -1;
	int r = 0;

	if (o->backing)
		return err_set(e, ENOTSUP,
			       "creating '%s': raw images have no backing file",
			       path);
	fd = block_create_file(path, o->exclusive, e);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)o->size) < 0)
		return err_sys(e, errno, "creating '%s'", path);
	if (o->prealloc == IMG_PREALLOC_FALLOC ||
	    o->prealloc == IMG_PREALLOC_FULL)
		r = grow_prealloc(fd, 0, o->size,
				  o->prealloc == IMG_PREALLOC_FULL);
	if (r == 0 && !o->no_flush && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		return err_sys(e, -r, "creating '%s'", path);
	return 0;
}

const struct block_driver block_raw = {
	.name = "raw",
	.probe = raw_probe,
	.open = raw_open,
	.close = raw_close,
	.preadv = raw_preadv,
	.pwritev = raw_pwritev,
	.flush = raw_flush,
	.discard = raw_discard,
	.write_zeroes = raw_write_zeroes,
	.status = raw_status,
	.resize = raw_resize,
	.create = raw_create,
};
