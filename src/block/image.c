// SPDX-License-Identifier: GPL-2.0-or-later
/* image.h: management operations, dispatched to the format driver. */
#include <errno.h>
#include <sys/stat.h>

#include "block/driver.h"
#include "block/nbd.h"
#include "block/rbd-spec.h"

int img_prealloc_parse(const char *s)
{
	static const char *const names[] = {"off", "metadata", "falloc",
					    "full"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(s, names[i]))
			return (int)i;
	return -EINVAL;
}

int img_create(const char *path, const struct img_create_opts *o,
	       struct err **e)
{
	const char *fmt = o->format ? o->format : "raw";
	const struct block_driver *drv = block_driver_find(fmt);
	const struct block_driver *proto = rbd_spec_is(path)  ? &block_rbd
					   : nbd_uri_is(path) ? &block_nbd
							      : NULL;

	/* a protocol's image is the disk: raw */
	if (proto && !streq(fmt, "raw"))
		return err_set(e, ENOTSUP,
			       "creating '%s': a %s image on %s is not "
			       "supported (%s)",
			       path, fmt,
			       proto == &block_rbd ? "rbd" : "an NBD export",
			       proto == &block_rbd
				       ? "rbd images are raw"
				       : "the export is the disk: raw");
	if (proto)
		drv = proto;
	if (!drv || !drv->create)
		return err_set(e, ENOTSUP,
			       "creating '%s': format '%s' is not supported "
			       "for creation (use raw or qcow2)",
			       path, fmt);
	if (o->backing && !o->backing_fmt)
		return err_set(e, EINVAL,
			       "creating '%s': backing file '%s' given "
			       "without its format; nido does not guess it",
			       path, o->backing);
	if (o->backing && o->unsafe_backing && !o->size)
		return err_set(e, EINVAL,
			       "creating '%s': a size is needed when the "
			       "backing file is not opened",
			       path);
	return drv->create(path, o, e);
}

bool img_create_zeroes(const char *path)
{
	return !nbd_uri_is(path);
}

void img_snapshots_free(struct img_snapshot *s, int n)
{
	for (int i = 0; i < n; i++) {
		free(s[i].id);
		free(s[i].name);
	}
	free(s);
}

void img_info_clear(struct img_info *info)
{
	free(info->backing_filename);
	free(info->full_backing_filename);
	free(info->backing_format);
	img_snapshots_free(info->snaps, info->nb_snaps);
	for (int i = 0; i < info->nb_bitmaps; i++)
		free(info->bitmaps[i].name);
	free(info->bitmaps);
	memset(info, 0, sizeof(*info));
}

int img_info_get(struct block *b, struct img_info *info, struct err **e)
{
	struct stat st;
	int r = 0;

	memset(info, 0, sizeof(*info));
	info->format = b->drv->name;
	info->virtual_size = b->size;
	if (fstat(b->fd, &st) == 0)
		info->actual_size = (uint64_t)st.st_blocks * 512;
	if (b->backing_name) {
		info->backing_filename = xstrdup(b->backing_name);
		info->full_backing_filename = xstrdup(
			b->backing_path ? b->backing_path : b->backing_name);
	}
	if (b->backing_fmt)
		info->backing_format = xstrdup(b->backing_fmt);
	if (b->drv->info) {
		pthread_mutex_lock(&b->lock);
		r = b->drv->info(b, info, e);
		pthread_mutex_unlock(&b->lock);
	}
	if (r < 0)
		img_info_clear(info);
	return r;
}

int img_check(struct block *b, unsigned fix, struct img_check *res,
	      struct err **e)
{
	int r;

	memset(res, 0, sizeof(*res));
	if (!b->drv->check)
		return err_set(e, ENOTSUP,
			       "'%s': format '%s' does not support checks",
			       b->filename, b->drv->name);
	if (fix && b->read_only)
		return err_set(e, EROFS, "'%s': repair needs a writable image",
			       b->filename);
	pthread_mutex_lock(&b->lock);
	r = b->drv->check(b, fix, res, e);
	pthread_mutex_unlock(&b->lock);
	return r;
}

#define DISPATCH(b, fn, what, ...)                                         \
	({                                                                 \
		int _r;                                                    \
		if (!(b)->drv->fn) {                                       \
			_r = err_set(e, ENOTSUP,                           \
				     "'%s': format '%s' does not support " \
				     "%s",                                 \
				     (b)->filename, (b)->drv->name, what); \
		} else {                                                   \
			pthread_mutex_lock(&(b)->lock);                    \
			_r = (b)->drv->fn((b), __VA_ARGS__);               \
			pthread_mutex_unlock(&(b)->lock);                  \
		}                                                          \
		_r;                                                        \
	})

int img_snapshot(struct block *b, enum img_snapshot_op op, const char *name,
		 struct err **e)
{
	if (b->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       b->filename);
	return DISPATCH(b, snapshot, "internal snapshots", op, name, e);
}

int img_snapshot_list(struct block *b, struct img_snapshot **list, int *n,
		      struct err **e)
{
	*list = NULL;
	*n = 0;
	if (!b->drv->snapshot_list)
		return 0;
	return DISPATCH(b, snapshot_list, "snapshots", list, n, e);
}

int img_snapshot_load(struct block *b, const char *id, const char *name,
		      struct err **e)
{
	if (!b->read_only)
		return err_set(e, EROFS,
			       "'%s': a snapshot is read from a read-only "
			       "open only",
			       b->filename);
	if (!b->drv->snapshot_load)
		return err_set(e, ENOTSUP,
			       "Block format '%s' used by '%s' does not "
			       "support temporarily loading internal snapshots",
			       b->drv->name, b->filename);
	return DISPATCH(b, snapshot_load, "internal snapshots", id, name, e);
}

int img_snapshot_load_any(struct block *b, const char *id_or_name,
			  struct err **e)
{
	struct err *first = NULL;
	int r = img_snapshot_load(b, id_or_name, NULL, &first);

	if (r == -ENOENT)
		r = img_snapshot_load(b, NULL, id_or_name, e);
	else if (r < 0 && e && !*e) {
		*e = first;
		first = NULL;
	}
	err_free(first);
	return r;
}

ssize_t img_compress(struct block *b, const void *buf, void *out)
{
	if (!b->drv->compress)
		return -ENOTSUP;
	return b->drv->compress(b, buf, out);
}

int img_write_compressed(struct block *b, const void *buf, const void *comp,
			 ssize_t clen, uint64_t off, struct err **e)
{
	if (!b->drv->write_compressed)
		return -ENOTSUP;
	if (b->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       b->filename);
	return DISPATCH(b, write_compressed, "compression", buf, comp, clen,
			off, e);
}

uint64_t img_cluster_size(struct block *b)
{
	return b->cluster_size;
}

int img_set_backing(struct block *b, const char *name, const char *fmt,
		    struct err **e)
{
	if (b->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       b->filename);
	return DISPATCH(b, set_backing, "backing files", name, fmt, e);
}

int img_amend(struct block *b, const struct img_amend_opts *o, struct err **e)
{
	if (!b->drv->amend)
		return err_set(e, ENOTSUP,
			       "Format driver '%s' does not support option "
			       "amendment",
			       b->drv->name);
	if (b->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       b->filename);
	return DISPATCH(b, amend, "amend", o, e);
}

int img_bitmap(struct block *b, const struct img_bitmap_op *ops, int n,
	       struct err **e)
{
	if (!b->drv->bitmap)
		return err_set(e, ENOTSUP,
			       "'%s': format '%s' has no persistent bitmaps",
			       b->filename, b->drv->name);
	if (b->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       b->filename);
	return DISPATCH(b, bitmap, "bitmaps", ops, n, e);
}

int img_make_empty(struct block *b, struct err **e)
{
	if (b->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       b->filename);
	return DISPATCH(b, make_empty, "emptying", e);
}
