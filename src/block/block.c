// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What every format shares: probing, opening the backing chain (with
 * loop detection), bounds checks, the per-image lock, and the dispatch
 * of block.h and image.h calls to the format driver.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "block/chain.h"
#include "block/driver.h"
#include "block/nbd.h"
#include "block/rbd-spec.h"
#include "block/safeopen.h"

static const struct block_driver *const drivers[] = {
	&block_qcow2, &block_vmdk, &block_vdi,	     &block_vhdx,  &block_vpc,
	&block_qed,   &block_luks, &block_parallels, &block_qcow1, &block_raw,
};

const struct block_driver *block_driver_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (streq(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}

bool block_format_known(const char *name)
{
	return block_driver_find(name) != NULL;
}

static const struct block_driver *probe(int fd)
{
	uint8_t buf[512] = {0};
	const struct block_driver *best = &block_raw;
	int best_score = 0;
	ssize_t n = pread_full(fd, buf, sizeof(buf), 0);

	if (n <= 0)
		return best;
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
		int s = drivers[i]->probe ? drivers[i]->probe(buf, n) : 0;

		if (s > best_score) {
			best_score = s;
			best = drivers[i];
		}
	}
	return best;
}

struct chain_seen {
	dev_t dev[BLOCK_MAX_CHAIN + 1];
	ino_t ino[BLOCK_MAX_CHAIN + 1];
	int n;
};

/* An open of a chain in progress: who resolves, and what was opened. */
struct block_ctx {
	block_resolve_fn *resolve;
	void *opaque;
	const char *top;
	bool no_probe;
	int index; /* files of the chain opened so far */
	struct chain_seen seen;
};

static int open_one(struct block_ctx *c, int fd, const char *path,
		    const char *name, const char *format, unsigned flags,
		    struct block **out, struct err **e);

static int open_backing(struct block *b, struct block_ctx *c, struct err **e)
{
	unsigned flags = b->flags & ~(BLOCK_OPEN_RDWR | BLOCK_OPEN_CHECK |
				      BLOCK_OPEN_SHARE_WRITE);
	struct block_ref ref = {.kind = BLOCK_REF_BACKING,
				.top = c->top,
				.parent = b->filename,
				.name = b->backing_name,
				.format = b->backing_fmt,
				.index = c->index};
	struct block_file f = {.fd = -1};
	int r;

	if (!b->backing_name || (b->flags & BLOCK_OPEN_NO_BACKING))
		return 0;
	if (c->seen.n > BLOCK_MAX_CHAIN)
		return err_set(e, ELOOP,
			       "'%s': backing chain deeper than %d images",
			       b->filename, BLOCK_MAX_CHAIN);
	r = c->resolve(c->opaque, &ref, &f, e);
	if (r == -ENOENT && (b->flags & BLOCK_OPEN_UNSAFE))
		return 0;
	if (r == 0) {
		b->backing_path = f.path;
		r = open_one(c, f.fd, f.path, b->backing_name, f.format, flags,
			     &b->backing, e);
		free(f.format);
	}
	if (r < 0)
		return err_prefix(e, "opening backing file of '%s'",
				  b->filename);
	return 0;
}

static int check_loop(struct chain_seen *seen, int fd, const char *path,
		      struct err **e)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "'%s'", path);
	for (int i = 0; i < seen->n; i++)
		if (seen->dev[i] == st.st_dev && seen->ino[i] == st.st_ino)
			return err_set(e, ELOOP,
				       "'%s': backing chain loops back to "
				       "an image already in it",
				       path);
	if (seen->n > BLOCK_MAX_CHAIN)
		return err_set(e, ELOOP, "'%s': backing chain too deep", path);
	seen->dev[seen->n] = st.st_dev;
	seen->ino[seen->n] = st.st_ino;
	seen->n++;
	return 0;
}

static struct block *block_alloc(const char *path, unsigned flags, int fd)
{
	struct block *b = xcalloc(1, sizeof(*b));

	b->filename = xstrdup(path);
	b->flags = flags;
	b->read_only = !(flags & BLOCK_OPEN_RDWR);
	b->fd = fd;
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

static int pick_driver(struct block_ctx *c, int fd, const char *path,
		       const char *format, const struct block_driver **drv,
		       struct err **e)
{
	if (!format && c->no_probe)
		return err_set(e, EINVAL,
			       "'%s': no format given, and the format of a "
			       "guest's image is never guessed",
			       path);
	*drv = format ? block_driver_find(format) : probe(fd);
	if (!*drv)
		return err_set(e, ENOTSUP,
			       "'%s': unknown or unsupported image format '%s'",
			       path, format);
	return 0;
}

/* Opens the image in @fd (owned: closed on failure) and its chain. */
static int open_one(struct block_ctx *c, int fd, const char *path,
		    const char *name, const char *format, unsigned flags,
		    struct block **out, struct err **e)
{
	const struct block_driver *drv = NULL;
	_cleanup_block_ struct block *b = NULL;
	int r;

	r = check_loop(&c->seen, fd, path, e);
	if (r == 0)
		r = pick_driver(c, fd, path, format, &drv, e);
	if (r == 0 && (flags & BLOCK_OPEN_SHARE_WRITE) && drv != &block_raw)
		r = err_set(e, EINVAL,
			    "'%s': only raw images can be written by "
			    "several VMs at once (shareable); a %s image "
			    "would be corrupted",
			    path, drv->name);
	if (r < 0) {
		close(fd);
		return r;
	}
	b = block_alloc(path, flags, fd);
	b->name = xstrdup(name);
	c->index++;
	/* only the top image's fd can come locked */
	r = (flags & BLOCK_OPEN_LOCKED) && c->index == 1 ? 0 : block_lock(b, e);
	if (r < 0)
		return r;
	b->drv = drv; /* for the driver's open; NULL again if it fails */
	b->ctx = c;
	r = drv->open(b, e);
	b->ctx = NULL;
	if (r < 0) {
		drv->close(b); /* frees what the driver set up */
		b->drv = NULL;
		return r;
	}
	r = open_backing(b, c, e);
	if (r < 0)
		return r;
	*out = steal_ptr(b);
	return 0;
}

int block_open_ref(struct block *b, const char *name, struct err **e)
{
	struct block_ctx *c = b->ctx;
	struct block_ref ref = {
		.kind = BLOCK_REF_EXTENT, .parent = b->filename, .name = name};
	struct block_file f = {.fd = -1};
	struct block_ref_file *rf;
	int r;

	if (!c)
		return err_set(e, EINVAL, "'%s': files are named only on open",
			       b->filename);
	ref.top = c->top;
	ref.index = c->index;
	r = c->resolve(c->opaque, &ref, &f, e);
	if (r < 0)
		return r;
	free(f.format);
	c->index++;
	b->refs = xrealloc(b->refs, (size_t)(b->nrefs + 1) * sizeof(*b->refs));
	rf = &b->refs[b->nrefs++];
	*rf = (struct block_ref_file){f.fd, f.path, xstrdup(name)};
	return f.fd;
}

/*
 * Opens the top image: a duplicate of o->fd, or @path (with the strict
 * resolver, as block_safe_open() opens it). Never blocks on a FIFO
 * (O_NONBLOCK until its type is known). Returns the fd or -errno.
 */
static int open_top(const char *path, const struct block_open_opts *o,
		    struct err **e)
{
	int mode = (o->flags & BLOCK_OPEN_RDWR) ? O_RDWR : O_RDONLY;
	_cleanup_close_ int fd = -1;
	int r;

	if (o->fd >= 0) {
		fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 0);
	} else if (o->resolve == block_resolve_strict) {
		const struct block_strict *s = o->opaque;

		fd = block_safe_open(path, mode, s ? s->safe_flags : 0, NULL,
				     e);
		if (fd < 0)
			return fd;
	} else {
		fd = open(path, mode | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	}
	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	r = block_file_check(fd, path, e);
	return r < 0 ? r : steal_fd(fd);
}

/*
 * Opens @path through protocol driver @drv (rbd, nbd): no file of its
 * own (@fd: a socket passed, or -1), no chain, the format raw.
 */
static int open_protocol(const char *path, const struct block_open_opts *o,
			 const struct block_driver *drv, int fd,
			 struct block **out, struct err **e)
{
	struct block *b = block_alloc(path, o->flags, fd);
	int r;

	b->name = xstrdup(path);
	b->drv = drv;
	r = drv->open(b, e);
	if (r < 0) {
		drv->close(b);
		b->drv = NULL;
		block_close(b);
		return r;
	}
	*out = b;
	return 0;
}

/* Opens the RBD image @path names ("rbd:..."), whatever resolver is
 * used. */
static int open_rbd(const char *path, const struct block_open_opts *o,
		    struct block **out, struct err **e)
{
	if (o->format && !streq(o->format, "raw"))
		return err_set(e, ENOTSUP,
			       "'%s': a %s image on rbd is not supported (rbd "
			       "images are raw)",
			       path, o->format);
	return open_protocol(path, o, &block_rbd, -1, out, e);
}

/* Opens the NBD export @path names, connecting to it, or on o->fd (a
 * socket someone connected for us, format "nbd"). */
static int open_nbd(const char *path, const struct block_open_opts *o,
		    struct block **out, struct err **e)
{
	int fd = -1;

	if (o->format && !streq(o->format, "raw") && !streq(o->format, "nbd"))
		return err_set(e, ENOTSUP,
			       "'%s': a %s image on an NBD export is not "
			       "supported (the export is the disk: raw)",
			       path, o->format);
	if (o->fd >= 0 && (fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return err_sys(e, errno, "'%s'", path);
	return open_protocol(path, o, &block_nbd, fd, out, e);
}

int block_open_chain(const char *path, const struct block_open_opts *o,
		     struct block **out, struct err **e)
{
	struct block_ctx c = {
		.resolve = o->resolve ? o->resolve : block_resolve_default,
		.opaque = o->opaque,
		.top = path,
		.no_probe = (o->flags & BLOCK_OPEN_NO_PROBE) ||
			    (o->resolve && o->resolve != block_resolve_default),
	};
	int fd;

	*out = NULL;
	/* an rbd: name given to `nido img` or the daemon's own calls; never
	 * a guest's disk path (strict resolver) nor a name an image records */
	if (rbd_spec_is(path) && o->fd < 0 &&
	    (!o->resolve || o->resolve == block_resolve_default))
		return open_rbd(path, o, out, e);
	/* nbd: names likewise; a socket passed (nido-vmm) with its format */
	if ((nbd_uri_is(path) && o->fd < 0 &&
	     (!o->resolve || o->resolve == block_resolve_default)) ||
	    (o->fd >= 0 && o->format && streq(o->format, "nbd")))
		return open_nbd(path, o, out, e);
	if (!o->format && c.no_probe)
		return err_set(e, EINVAL,
			       "'%s': no format given, and the format of a "
			       "guest's image is never guessed",
			       path);
	fd = open_top(path, o, e);
	if (fd < 0)
		return fd;
	return open_one(&c, fd, path, path, o->format, o->flags, out, e);
}

int block_open(const char *path, const char *format, unsigned flags,
	       struct block **out, struct err **e)
{
	struct block_open_opts o = {.format = format, .flags = flags, .fd = -1};

	return block_open_chain(path, &o, out, e);
}

int block_close(struct block *b)
{
	int r = 0;

	if (!b)
		return 0;
	if (b->drv) {
		if (!b->read_only && b->drv->flush)
			r = b->drv->flush(b, NULL);
		b->drv->close(b);
	}
	block_close(b->backing);
	for (int i = 0; i < b->nrefs; i++) {
		free(b->refs[i].path);
		free(b->refs[i].name);
	}
	free(b->refs);
	free(b->name);
	if (b->map)
		munmap(b->map, b->map_len);
	close_safe(b->fd);
	pthread_mutex_destroy(&b->lock);
	free(b->filename);
	free(b->backing_name);
	free(b->backing_fmt);
	free(b->backing_path);
	free(b);
	return r;
}

void cleanup_blockp(struct block **b)
{
	block_close(*b);
}

uint64_t block_size(struct block *b)
{
	return b->size;
}

const char *block_format(struct block *b)
{
	return b->drv->name;
}

const char *block_filename(struct block *b)
{
	return b->filename;
}

struct block *block_backing(struct block *b)
{
	return b->backing;
}

bool block_read_only(struct block *b)
{
	return b->read_only;
}

static int check_range(struct block *b, uint64_t off, uint64_t len, bool write,
		       struct err **e)
{
	if (write && b->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       b->filename);
	if (off > b->size || len > b->size - off)
		return err_set(e, EINVAL,
			       "'%s': request at %" PRIu64 " of %" PRIu64
			       " bytes is beyond the end of the disk (%" PRIu64
			       " bytes)",
			       b->filename, off, len, b->size);
	return 0;
}

int block_preadv(struct block *b, const struct iovec *iov, int iovcnt,
		 uint64_t off, struct err **e)
{
	int r = check_range(b, off, iov_size(iov, iovcnt), false, e);

	if (r < 0 || iov_size(iov, iovcnt) == 0)
		return r;
	pthread_mutex_lock(&b->lock);
	r = b->drv->preadv(b, iov, iovcnt, off, e);
	pthread_mutex_unlock(&b->lock);
	return r;
}

int block_pwritev(struct block *b, const struct iovec *iov, int iovcnt,
		  uint64_t off, struct err **e)
{
	int r = check_range(b, off, iov_size(iov, iovcnt), true, e);

	if (r < 0 || iov_size(iov, iovcnt) == 0)
		return r;
	pthread_mutex_lock(&b->lock);
	r = b->drv->pwritev(b, iov, iovcnt, off, e);
	pthread_mutex_unlock(&b->lock);
	return r;
}

int block_pread(struct block *b, void *buf, size_t len, uint64_t off,
		struct err **e)
{
	struct iovec v = {buf, len};

	return block_preadv(b, &v, 1, off, e);
}

int block_pwrite(struct block *b, const void *buf, size_t len, uint64_t off,
		 struct err **e)
{
	struct iovec v = {(void *)buf, len};

	return block_pwritev(b, &v, 1, off, e);
}

int block_flush(struct block *b, struct err **e)
{
	int r;

	if (b->read_only)
		return 0;
	pthread_mutex_lock(&b->lock);
	r = b->drv->flush(b, e);
	pthread_mutex_unlock(&b->lock);
	return r;
}

int block_discard(struct block *b, uint64_t off, uint64_t len, struct err **e)
{
	int r = check_range(b, off, len, true, e);

	if (r < 0 || len == 0)
		return r;
	pthread_mutex_lock(&b->lock);
	r = b->drv->discard(b, off, len, e);
	pthread_mutex_unlock(&b->lock);
	return r;
}

int block_write_zeroes(struct block *b, uint64_t off, uint64_t len,
		       unsigned flags, struct err **e)
{
	int r = check_range(b, off, len, true, e);

	if (r < 0 || len == 0)
		return r;
	pthread_mutex_lock(&b->lock);
	r = b->drv->write_zeroes(b, off, len, flags, e);
	pthread_mutex_unlock(&b->lock);
	return r;
}

int block_read_backing(struct block *b, const struct iovec *iov, int iovcnt,
		       uint64_t off, struct err **e)
{
	size_t len = iov_size(iov, iovcnt), in = 0;
	struct iovec part[IOV_MAX_SLICE];
	int n, r;

	if (b->backing && off < b->backing->size)
		in = MIN(len, b->backing->size - off);
	if (in) {
		n = iov_slice(iov, iovcnt, 0, in, part, IOV_MAX_SLICE);
		if (n < 0)
			return err_set(e, EINVAL,
				       "'%s': request too fragmented",
				       b->filename);
		r = block_preadv(b->backing, part, n, off, e);
		if (r < 0)
			return r;
	}
	if (in < len)
		iov_memset(iov, iovcnt, in, 0, len - in);
	return 0;
}

/*
 * A qcow2 data run whose clusters are holes of the host file (made by
 * preallocation=metadata, or past the file's end) reads as zeroes: say
 * so, as QEMU does, and cut the run where the file turns from hole to
 * data or back. Without SEEK_DATA the run is left as it is.
 */
static void host_holes(struct block *b, struct block_status *st)
{
	off_t at = (off_t)st->host_off, data, hole;

	if (!streq(b->drv->name, "qcow2") ||
	    (st->flags & (BLOCK_STATUS_ZERO | BLOCK_STATUS_COMPRESSED)) ||
	    !(st->flags & BLOCK_STATUS_DATA) ||
	    !(st->flags & BLOCK_STATUS_OFFSET_VALID))
		return;
	data = lseek(b->fd, at, SEEK_DATA);
	if (data < 0 && errno != ENXIO)
		return;
	if (data < 0 || data > at) { /* a hole, or past the end */
		st->flags |= BLOCK_STATUS_ZERO;
		if (data > at)
			st->bytes = MIN(st->bytes, (uint64_t)(data - at));
		return;
	}
	hole = lseek(b->fd, at, SEEK_HOLE);
	if (hole > at)
		st->bytes = MIN(st->bytes, (uint64_t)(hole - at));
}

int block_status(struct block *b, uint64_t off, uint64_t len,
		 struct block_status *st, struct err **e)
{
	struct block_status sub;
	int r;

	if (off >= b->size)
		return err_set(e, EINVAL,
			       "'%s': offset %" PRIu64
			       " is beyond the end of the disk",
			       b->filename, off);
	len = MIN(len, b->size - off);
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&b->lock);
	r = b->drv->status(b, off, len, st, e);
	pthread_mutex_unlock(&b->lock);
	if (r < 0)
		return r;
	if (st->bytes == 0 || st->bytes > len)
		st->bytes = len;
	if (st->flags & BLOCK_STATUS_ALLOCATED) {
		st->file = b;
		host_holes(b, st);
		return 0;
	}
	if (!b->backing || off >= b->backing->size) {
		st->flags = BLOCK_STATUS_ZERO;
		st->file = NULL;
		if (b->backing && b->backing->size > off)
			st->bytes = MIN(st->bytes, b->backing->size - off);
		return 0;
	}
	r = block_status(b->backing, off, st->bytes, &sub, e);
	if (r < 0)
		return r;
	sub.depth++;
	*st = sub;
	return 0;
}

/* Maps the whole file of read-only @b once; under b->lock. */
static bool map_file(struct block *b)
{
	struct stat sb;
	void *p;

	if (b->map || b->map_failed)
		return b->map != NULL;
	b->map_failed = true;
	if (fstat(b->fd, &sb) < 0 || sb.st_size <= 0 ||
	    (uint64_t)sb.st_size > SIZE_MAX / 2)
		return false;
	p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, b->fd, 0);
	if (p == MAP_FAILED)
		return false;
	b->map = p;
	b->map_len = (uint64_t)sb.st_size;
	b->map_failed = false;
	return true;
}

const uint8_t *block_map(const struct block_status *st)
{
	const unsigned need = BLOCK_STATUS_DATA | BLOCK_STATUS_OFFSET_VALID;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), start;
	struct block *b = st->file;
	bool ok;

	/* shared (-U): others may shrink the file under the mapping */
	if ((st->flags & (need | BLOCK_STATUS_COMPRESSED)) != need || !b ||
	    !b->read_only || (b->flags & BLOCK_OPEN_SHARE_RW) || st->bytes == 0)
		return NULL;
	pthread_mutex_lock(&b->lock);
	ok = map_file(b);
	pthread_mutex_unlock(&b->lock);
	/* beyond the end of the file the bytes read as zeroes: not mapped */
	if (!ok || st->host_off > b->map_len ||
	    st->bytes > b->map_len - st->host_off)
		return NULL;
	/*
	 * One call fills the page tables: no fault per page. It fails where
	 * a read would (an I/O error, a shorter file): then the caller reads,
	 * and gets an error instead of SIGBUS. EINVAL: a kernel before 5.14.
	 */
	start = ALIGN_DOWN(st->host_off, page);
	if (madvise(b->map + start, st->host_off + st->bytes - start,
		    MADV_POPULATE_READ) < 0 &&
	    errno != EINVAL)
		return NULL;
	return b->map + st->host_off;
}

int block_resize(struct block *b, uint64_t size, unsigned flags, struct err **e)
{
	int r;

	if (b->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       b->filename);
	if (size < b->size && !(flags & BLOCK_RESIZE_SHRINK))
		return err_set(e, EINVAL,
			       "'%s': shrinking the image loses data; use "
			       "--shrink to confirm",
			       b->filename);
	pthread_mutex_lock(&b->lock);
	r = b->drv->resize(b, size, flags, e);
	pthread_mutex_unlock(&b->lock);
	return r;
}
