// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rbd driver: a raw disk that is a Ceph RBD image, reached through
 * librbd (the protocol, as QEMU's rbd driver is; the format on it is
 * raw). The image is named "rbd:POOL[/NS]/IMAGE[@SNAP][:opt=val]..."
 * (rbd-spec.h) where other drivers have a file; b->fd stays -1, so the
 * file locks of lock.c do not apply: RBD's exclusive-lock feature does
 * that between clients.
 *
 * Requests run synchronously under b->lock (block.c); the asynchronous
 * layer (aio.c) runs them on its worker threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <rbd/librbd.h>

#include "block/driver.h"
#include "block/rbd.h"

/* One round trip at most this long: a dead cluster fails, not hangs. */
#define RBD_TIMEOUT "30"
/* block_status looks this far ahead at most per call. */
#define RBD_STATUS_WINDOW (1ull << 30)

struct rbd_state {
	rados_t cluster;
	rados_ioctx_t io;
	rbd_image_t image;
	struct rbd_spec spec;
};

bool rbd_supported(void)
{
	return true;
}

static int conf_set(rados_t c, const char *key, const char *value,
		    struct err **e)
{
	int r = rados_conf_set(c, key, value);

	if (r < 0)
		return err_sys(e, -r, "rbd: setting %s to '%.200s'", key,
			       value);
	return 0;
}

static int configure(rados_t c, const struct rbd_spec *s, struct err **e)
{
	int r;

	if (s->conf) {
		r = rados_conf_read_file(c, s->conf);
		if (r < 0)
			return err_sys(e, -r, "rbd: reading '%s'", s->conf);
	} else if (!s->mon_host) {
		/* the default search: $CEPH_CONF, /etc/ceph/ceph.conf, ... */
		r = rados_conf_read_file(c, NULL);
		if (r < 0)
			return err_sys(e, -r,
				       "rbd: no ceph.conf found (and no "
				       "mon_host given)");
	}
	if ((s->mon_host && conf_set(c, "mon_host", s->mon_host, e) < 0) ||
	    (s->auth && conf_set(c, "auth_client_required", s->auth, e) < 0))
		return -EINVAL;
	if (s->auth && streq(s->auth, "none") &&
	    conf_set(c, "auth_supported", "none", e) < 0)
		return -EINVAL;
	if (conf_set(c, "client_mount_timeout", RBD_TIMEOUT, e) < 0 ||
	    conf_set(c, "rados_mon_op_timeout", RBD_TIMEOUT, e) < 0)
		return -EINVAL;
	return 0;
}

int rbd_cluster_open(const struct rbd_spec *s, rados_t *cluster,
		     rados_ioctx_t *io, struct err **e)
{
	rados_t c = NULL;
	int r;

	*cluster = NULL;
	*io = NULL;
	r = rados_create(&c, s->id);
	if (r < 0)
		return err_sys(e, -r, "rbd: creating a cluster handle");
	r = configure(c, s, e);
	if (r == 0) {
		r = rados_connect(c);
		if (r < 0)
			err_sys(e, -r, "rbd: connecting to the cluster%s%.200s",
				s->mon_host ? " at " : "",
				s->mon_host ? s->mon_host : "");
	}
	if (r == 0) {
		r = rados_ioctx_create(c, s->pool, io);
		if (r < 0)
			err_sys(e, -r, "rbd: opening pool '%s'", s->pool);
	}
	if (r < 0) {
		rados_shutdown(c);
		*io = NULL;
		return r;
	}
	if (s->ns)
		rados_ioctx_set_namespace(*io, s->ns);
	*cluster = c;
	return 0;
}

static void state_free(struct rbd_state *st)
{
	if (!st)
		return;
	if (st->image)
		rbd_close(st->image);
	if (st->io)
		rados_ioctx_destroy(st->io);
	if (st->cluster)
		rados_shutdown(st->cluster);
	rbd_spec_clear(&st->spec);
	free(st);
}

static int rbd_open_image(struct block *b, struct err **e)
{
	struct rbd_state *st = xcalloc(1, sizeof(*st));
	int r;

	b->priv = st;
	r = rbd_spec_parse(b->filename, &st->spec, e);
	if (r < 0)
		return r;
	if (st->spec.snap && !b->read_only)
		return err_set(e, EROFS,
			       "'%s': a snapshot of an rbd image is read-only",
			       b->filename);
	r = rbd_cluster_open(&st->spec, &st->cluster, &st->io, e);
	if (r < 0)
		return err_prefix(e, "'%s'", b->filename);
	r = b->read_only ? rbd_open_read_only(st->io, st->spec.image,
					      &st->image, st->spec.snap)
			 : rbd_open(st->io, st->spec.image, &st->image, NULL);
	if (r < 0) {
		st->image = NULL;
		return err_sys(e, -r, "'%s': opening the rbd image",
			       b->filename);
	}
	r = rbd_get_size(st->image, &b->size);
	if (r < 0)
		return err_sys(e, -r, "'%s': reading its size", b->filename);
	return 0;
}

static void rbd_close_image(struct block *b)
{
	state_free(b->priv);
	b->priv = NULL;
}

/* Runs one vectored request and waits for it; 0 or -errno. */
static int rbd_rw(struct block *b, const struct iovec *iov, int iovcnt,
		  uint64_t off, bool write, struct err **e)
{
	struct rbd_state *st = b->priv;
	size_t len = iov_size(iov, iovcnt);
	rbd_completion_t c;
	ssize_t n;
	int r;

	r = rbd_aio_create_completion(NULL, NULL, &c);
	if (r < 0)
		return err_sys(e, -r, "'%s': rbd completion", b->filename);
	r = write ? rbd_aio_writev(st->image, iov, iovcnt, off, c)
		  : rbd_aio_readv(st->image, iov, iovcnt, off, c);
	if (r == 0) {
		rbd_aio_wait_for_complete(c);
		n = rbd_aio_get_return_value(c);
		r = n < 0 ? (int)n : 0;
		if (n >= 0 && !write && (size_t)n < len) /* past the end */
			iov_memset(iov, iovcnt, (size_t)n, 0, len - (size_t)n);
	}
	rbd_aio_release(c);
	if (r < 0)
		return err_sys(e, -r, "%s '%s' at %" PRIu64 " (%zu bytes)",
			       write ? "writing" : "reading", b->filename, off,
			       len);
	return 0;
}

static int rbd_preadv(struct block *b, const struct iovec *iov, int iovcnt,
		      uint64_t off, struct err **e)
{
	return rbd_rw(b, iov, iovcnt, off, false, e);
}

static int rbd_pwritev(struct block *b, const struct iovec *iov, int iovcnt,
		       uint64_t off, struct err **e)
{
	return rbd_rw(b, iov, iovcnt, off, true, e);
}

static int rbd_flush_image(struct block *b, struct err **e)
{
	struct rbd_state *st = b->priv;
	int r = rbd_flush(st->image);

	if (r < 0)
		return err_sys(e, -r, "flushing '%s'", b->filename);
	return 0;
}

static int rbd_discard_range(struct block *b, uint64_t off, uint64_t len,
			     struct err **e)
{
	struct rbd_state *st = b->priv;
	int r = rbd_discard(st->image, off, len);

	if (r < 0)
		return err_sys(e, -r, "discarding part of '%s'", b->filename);
	return 0;
}

static int rbd_zero_range(struct block *b, uint64_t off, uint64_t len,
			  unsigned flags, struct err **e)
{
	struct rbd_state *st = b->priv;

	while (len > 0) {
		size_t n = (size_t)MIN(len, RBD_STATUS_WINDOW);
		ssize_t r = rbd_write_zeroes(st->image, off, n, 0, 0);

		if (r < 0)
			return err_sys(e, (int)-r, "zeroing part of '%s'",
				       b->filename);
		off += n;
		len -= n;
	}
	return 0;
}

/* The first allocated extent rbd_diff_iterate2 reports. */
struct first_extent {
	uint64_t off, len;
	bool found;
};

static int on_extent(uint64_t off, size_t len, int exists, void *arg)
{
	struct first_extent *x = arg;

	if (!exists || len == 0)
		return 0;
	x->off = off;
	x->len = len;
	x->found = true;
	return -ECANCELED; /* enough */
}

static int rbd_status(struct block *b, uint64_t off, uint64_t len,
		      struct block_status *bs, struct err **e)
{
	struct rbd_state *st = b->priv;
	struct first_extent x = {0};
	int r;

	len = MIN(len, RBD_STATUS_WINDOW);
	r = rbd_diff_iterate2(st->image, NULL, off, len, 1, 0, on_extent, &x);
	if (r < 0 && r != -ECANCELED)
		return err_sys(e, -r, "'%s': reading its allocation",
			       b->filename);
	bs->flags = BLOCK_STATUS_ALLOCATED;
	if (!x.found || x.off >= off + len) {
		bs->flags |= BLOCK_STATUS_ZERO;
		bs->bytes = len;
	} else if (x.off > off) {
		bs->flags |= BLOCK_STATUS_ZERO;
		bs->bytes = x.off - off;
	} else {
		bs->flags |= BLOCK_STATUS_DATA;
		bs->bytes = MIN(len, x.off + x.len - off);
	}
	return 0;
}

static int rbd_resize_image(struct block *b, uint64_t size, unsigned flags,
			    struct err **e)
{
	struct rbd_state *st = b->priv;
	int r;

	if (flags & BLOCK_RESIZE_PREALLOC)
		return err_set(e, ENOTSUP,
			       "'%s': preallocation is not supported on rbd",
			       b->filename);
	r = rbd_resize2(st->image, size, true, NULL, NULL);
	if (r < 0)
		return err_sys(e, -r, "resizing '%s'", b->filename);
	b->size = size;
	return 0;
}

static int sum_extent(uint64_t off, size_t len, int exists, void *arg)
{
	if (exists)
		*(uint64_t *)arg += len;
	return 0;
}

int rbd_image_used(rbd_image_t image, uint64_t size, uint64_t *used)
{
	*used = 0;
	return rbd_diff_iterate2(image, NULL, 0, size, 0, 1, sum_extent, used);
}

static int rbd_info(struct block *b, struct img_info *info, struct err **e)
{
	struct rbd_state *st = b->priv;
	uint64_t used = 0;

	info->format = "raw";
	if (rbd_image_used(st->image, b->size, &used) == 0)
		info->actual_size = used;
	return 0;
}

static int rbd_create_image(const char *path, const struct img_create_opts *o,
			    struct err **e)
{
	struct rbd_spec s;
	rados_t cluster = NULL;
	rados_ioctx_t io = NULL;
	int order = 0, r;

	if (o->backing)
		return err_set(
			e, ENOTSUP,
			"creating '%s': an rbd image has no backing file "
			"(use rbd clone)",
			path);
	if (o->prealloc == IMG_PREALLOC_FALLOC ||
	    o->prealloc == IMG_PREALLOC_FULL)
		return err_set(e, ENOTSUP,
			       "creating '%s': preallocation is not supported "
			       "on rbd",
			       path);
	if ((r = rbd_spec_parse(path, &s, e)) < 0)
		return r;
	if (s.snap) {
		r = err_set(e, EINVAL,
			    "creating '%s': a snapshot is made by "
			    "rbd snap create",
			    path);
		goto out;
	}
	if ((r = rbd_cluster_open(&s, &cluster, &io, e)) < 0) {
		err_prefix(e, "creating '%s'", path);
		goto out;
	}
	r = rbd_create(io, s.image, o->size, &order);
	if (r < 0)
		err_sys(e, -r, "creating '%s'", path);
out:
	if (io)
		rados_ioctx_destroy(io);
	if (cluster)
		rados_shutdown(cluster);
	rbd_spec_clear(&s);
	return r;
}

const struct block_driver block_rbd = {
	.name = "rbd",
	.open = rbd_open_image,
	.close = rbd_close_image,
	.preadv = rbd_preadv,
	.pwritev = rbd_pwritev,
	.flush = rbd_flush_image,
	.discard = rbd_discard_range,
	.write_zeroes = rbd_zero_range,
	.status = rbd_status,
	.resize = rbd_resize_image,
	.create = rbd_create_image,
	.info = rbd_info,
};
