// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The disk pool (libvirt's type='disk'): a whole disk whose partition
 * table is read and written through libfdisk (util-linux), its
 * partitions the volumes. A volume's name is its partition's device
 * name (sdb1, loop0p2) and its path /dev/NAME: the pool's target is
 * /dev.
 *
 * Build writes a label (dos or gpt) only on a disk that holds nothing
 * blkid recognises, unless --overwrite says to erase what is there;
 * delete wipes the label once no partition is left. Partitions made or
 * removed are told to the kernel with libfdisk's reread of the changes
 * (BLKPG), which works while other partitions of the disk are in use.
 */
#include <errno.h>
#include <libfdisk/libfdisk.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/spawn.h"
#include "storage/storage.h"

static void unref_cxt(struct fdisk_context **c)
{
	fdisk_unref_context(*c); /* NULL-safe */
}
#define _cleanup_cxt_ __attribute__((cleanup(unref_cxt)))

static void unref_table(struct fdisk_table **t)
{
	fdisk_unref_table(*t);
}
#define _cleanup_table_ __attribute__((cleanup(unref_table)))

/* The labels pool-build writes; libvirt's other ones are refused. */
static const char *label_type(const struct storage_pool_params *p,
			      const char *fs_type)
{
	const char *t = fs_type ? fs_type : p->fs_format;

	return !t || streq(t, "auto") || streq(t, "unknown") ? "dos" : t;
}

/*
 * The device opened with libfdisk (read-write for @rw), its real path
 * in *@dev (partition names derive from it).
 */
static int disk_open(const struct storage_pool_params *p, bool rw,
		     struct fdisk_context **out, char **dev, struct err **e)
{
	struct fdisk_context *c;
	int r;

	if (!p->device)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': a disk pool needs <source><device "
				"path=...>",
				p->name);
	if (storage_check_blockdev(p, p->device, e) < 0)
		return -ENODEV;
	*dev = realpath(p->device, NULL);
	if (!*dev)
		return err_sys(e, errno, "pool '%s': device '%s'", p->name,
			       p->device);
	c = fdisk_new_context();
	if (!c)
		abort();
	if ((r = fdisk_assign_device(c, *dev, !rw)) < 0) {
		fdisk_unref_context(c);
		free(steal_ptr(*dev));
		return err_sys(e, -r, "pool '%s': opening '%s'", p->name,
			       p->device);
	}
	*out = c;
	return 0;
}

/* The name of partition @partno (0-based) of @dev: its device's. */
static char *part_name(const char *dev, size_t partno)
{
	_cleanup_free_ char *path = fdisk_partname(dev, partno + 1);
	const char *slash;

	if (!path)
		abort();
	slash = strrchr(path, '/');
	return xstrdup(slash ? slash + 1 : path);
}

static int no_label(const struct storage_pool_params *p, struct err **e)
{
	return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			"pool '%s': device '%s' holds no partition table "
			"(pool-build writes one)",
			p->name, p->device);
}

static int disk_build(const struct storage_pool_params *p, const char *fs_type,
		      unsigned flags, struct err **e)
{
	_cleanup_free_ char *has = NULL, *pt = NULL, *dev = NULL;
	_cleanup_cxt_ struct fdisk_context *c = NULL;
	const char *label = label_type(p, fs_type);
	int r;

	if (!streq(label, "dos") && !streq(label, "gpt"))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"pool '%s': cannot write a partition table of "
				"type '%s' (dos or gpt)",
				p->name, label);
	if (p->device && storage_check_blockdev(p, p->device, e) < 0)
		return -ENODEV;
	if (p->device && storage_probe(p->device, &has, &pt, e) < 0)
		return -EIO;
	if (p->device && (*has || *pt) && !(flags & STORAGE_BUILD_OVERWRITE))
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"pool '%s': device '%s' already holds %s '%s': "
				"writing a partition table would erase it "
				"(pool-build --overwrite to do so)",
				p->name, p->device,
				*pt ? "a partition table" : "a file system",
				*pt ? pt : has);
	if (disk_open(p, true, &c, &dev, e) < 0)
		return -EIO;
	fdisk_enable_wipe(c, 1); /* other signatures go: consent given */
	if ((r = fdisk_create_disklabel(c, label)) < 0 ||
	    (r = fdisk_write_disklabel(c)) < 0)
		return err_sys(e, -r, "pool '%s': writing a %s label on '%s'",
			       p->name, label, dev);
	fdisk_reread_partition_table(c);
	return 0;
}

/* The device is there and has a label (of the pool's format, if any). */
static int disk_check(const struct storage_pool_params *p, struct err **e)
{
	_cleanup_cxt_ struct fdisk_context *c = NULL;
	_cleanup_free_ char *dev = NULL;
	const char *want = p->fs_format;
	const char *have;

	if (disk_open(p, false, &c, &dev, e) < 0)
		return -ENODEV;
	if (!fdisk_has_label(c))
		return no_label(p, e);
	have = fdisk_label_get_name(fdisk_get_label(c, NULL));
	if (want && !streq(want, "auto") && !streq(want, "unknown") &&
	    !streq(want, have))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"pool '%s': device '%s' holds a '%s' "
				"partition table, not '%s'",
				p->name, p->device, have, want);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct storage_vol *)a)->name,
		      ((const struct storage_vol *)b)->name);
}

/* Partition @pa of @c as a volume. */
static void part_vol(struct fdisk_context *c, const char *dev,
		     const char *target, struct fdisk_partition *pa,
		     struct storage_vol *v)
{
	uint64_t ss = fdisk_get_sector_size(c);
	struct stat st;

	memset(v, 0, sizeof(*v));
	v->name = part_name(dev, fdisk_partition_get_partno(pa));
	v->path = xasprintf("%s/%s", target, v->name);
	v->format = xstrdup("none");
	v->block = true;
	v->capacity = (uint64_t)fdisk_partition_get_size(pa) * ss;
	v->allocation = v->physical = v->capacity;
	if (stat(v->path, &st) == 0) {
		v->mode = st.st_mode & 07777;
		v->owner = st.st_uid;
		v->group = st.st_gid;
	}
}

/* The space of @c: the disk's, and what no partition uses. */
static void disk_space(struct fdisk_context *c, struct storage_space *s)
{
	_cleanup_table_ struct fdisk_table *free_tb = NULL;
	uint64_t ss = fdisk_get_sector_size(c);

	s->capacity = (uint64_t)fdisk_get_nsectors(c) * ss;
	s->available = 0;
	if (fdisk_get_freespaces(c, &free_tb) == 0)
		for (size_t i = 0; i < fdisk_table_get_nents(free_tb); i++)
			s->available +=
				(uint64_t)fdisk_partition_get_size(
					fdisk_table_get_partition(free_tb, i)) *
				ss;
	s->allocation = s->capacity - MIN(s->available, s->capacity);
}

static int disk_scan(const struct storage_pool_params *p,
		     struct storage_vol **vols, size_t *n_out,
		     struct storage_space *s, struct err **e)
{
	_cleanup_cxt_ struct fdisk_context *c = NULL;
	_cleanup_table_ struct fdisk_table *tb = NULL;
	_cleanup_free_ char *dev = NULL;
	struct storage_vol *v = NULL;
	size_t n = 0;
	int r;

	if (disk_open(p, false, &c, &dev, e) < 0)
		return -ENODEV;
	if (!fdisk_has_label(c))
		return no_label(p, e);
	if ((r = fdisk_get_partitions(c, &tb)) < 0)
		return err_sys(e, -r,
			       "pool '%s': reading the partitions of "
			       "'%s'",
			       p->name, dev);
	for (size_t i = 0; i < fdisk_table_get_nents(tb); i++) {
		struct fdisk_partition *pa = fdisk_table_get_partition(tb, i);

		/* a dos extended partition holds volumes, is none */
		if (!fdisk_partition_is_used(pa) ||
		    fdisk_partition_is_container(pa))
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		part_vol(c, dev, p->target, pa, &v[n++]);
	}
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	disk_space(c, s);
	*vols = v;
	*n_out = n;
	return 0;
}

/* The partition number of the volume @name, or -ENOENT. */
static int find_part(struct fdisk_context *c, const char *dev, const char *name,
		     size_t *partno)
{
	_cleanup_table_ struct fdisk_table *tb = NULL;

	if (fdisk_get_partitions(c, &tb) < 0)
		return -ENOENT;
	for (size_t i = 0; i < fdisk_table_get_nents(tb); i++) {
		struct fdisk_partition *pa = fdisk_table_get_partition(tb, i);
		_cleanup_free_ char *pn = NULL;

		if (!fdisk_partition_is_used(pa))
			continue;
		pn = part_name(dev, fdisk_partition_get_partno(pa));
		if (streq(pn, name)) {
			*partno = fdisk_partition_get_partno(pa);
			return 0;
		}
	}
	return -ENOENT;
}

/* Writes what changed in @c and tells the kernel (@org: before). */
static int commit(const struct storage_pool_params *p, struct fdisk_context *c,
		  struct fdisk_table *org, struct err **e)
{
	int r = fdisk_write_disklabel(c);

	if (r < 0)
		return err_sys(e, -r,
			       "pool '%s': writing the partition "
			       "table of '%s'",
			       p->name, p->device);
	if ((r = fdisk_reread_changes(c, org)) < 0)
		return err_sys(e, -r,
			       "pool '%s': telling the kernel of the "
			       "partitions of '%s'",
			       p->name, p->device);
	return 0;
}

static int check_new(const struct storage_vol_new *nv, struct err **e)
{
	if (nv->format && !streq(nv->format, "raw") &&
	    !streq(nv->format, "none"))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"volume format '%s': a partition holds raw "
				"data (format raw or none)",
				nv->format);
	if (nv->backing || nv->prealloc_metadata)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"a partition has no %s",
				nv->backing ? "backing store"
					    : "metadata to preallocate");
	if (nv->capacity == 0)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"a partition needs a capacity");
	return 0;
}

/*
 * A partition of @nv->capacity (rounded up to sectors) in the first
 * free space, with the next number: its name must be the one that
 * number gives (a disk pool's volumes are named by their partitions).
 */
static int disk_vol_create(const struct storage_pool_params *p,
			   const struct storage_vol_new *nv, struct err **e)
{
	_cleanup_cxt_ struct fdisk_context *c = NULL;
	_cleanup_table_ struct fdisk_table *org = NULL;
	_cleanup_free_ char *dev = NULL, *name = NULL;
	struct fdisk_partition *pa;
	size_t partno, have;
	uint64_t ss;
	int r;

	if (check_new(nv, e) < 0 || disk_open(p, true, &c, &dev, e) < 0)
		return -EINVAL;
	if (!fdisk_has_label(c))
		return no_label(p, e);
	if (find_part(c, dev, nv->name, &have) == 0)
		return err_setk(e, ERR_STORAGE_VOL_EXIST, EEXIST,
				"storage volume '%s' exists already", nv->name);
	ss = fdisk_get_sector_size(c);
	fdisk_get_partitions(c, &org);
	pa = fdisk_new_partition();
	fdisk_partition_set_size(pa, (nv->capacity + ss - 1) / ss);
	fdisk_partition_start_follow_default(pa, 1);
	fdisk_partition_partno_follow_default(pa, 1);
	r = fdisk_add_partition(c, pa, &partno);
	fdisk_unref_partition(pa);
	if (r < 0)
		return err_setk(e, ERR_OPERATION_FAILED, -r,
				"pool '%s': no room for a partition of %llu "
				"bytes on '%s': %s",
				p->name, (unsigned long long)nv->capacity, dev,
				strerror(-r));
	name = part_name(dev, partno);
	if (!streq(name, nv->name))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"a disk pool's volumes are named by their "
				"partitions: the next one is '%s', not '%s'",
				name, nv->name);
	return commit(p, c, org, e);
}

static int disk_vol_delete(const struct storage_pool_params *p,
			   const char *name, struct err **e)
{
	_cleanup_cxt_ struct fdisk_context *c = NULL;
	_cleanup_table_ struct fdisk_table *org = NULL;
	_cleanup_free_ char *dev = NULL;
	size_t partno;
	int r;

	if (disk_open(p, true, &c, &dev, e) < 0)
		return -ENODEV;
	if (find_part(c, dev, name, &partno) < 0)
		return err_setk(e, ERR_NO_STORAGE_VOL, ENOENT,
				"storage volume '%s' not found on '%s'", name,
				p->device);
	fdisk_get_partitions(c, &org);
	if ((r = fdisk_delete_partition(c, partno)) < 0)
		return err_sys(e, -r, "pool '%s': deleting partition '%s'",
			       p->name, name);
	return commit(p, c, org, e);
}

static int disk_vol_resize(const struct storage_pool_params *p,
			   const char *name, uint64_t capacity, bool shrink,
			   struct err **e)
{
	(void)capacity;
	(void)shrink;
	return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			"pool '%s': resizing partition '%s' is not supported "
			"(nor is it by libvirt's disk pools)",
			p->name, name);
}

/* Wipes the label once no partition is left. */
static int disk_delete(const struct storage_pool_params *p, struct err **e)
{
	struct storage_vol *v = NULL;
	struct storage_space s;
	_cleanup_free_ char *out = NULL;
	size_t n = 0;
	int r;

	if (disk_scan(p, &v, &n, &s, e) < 0)
		return -EIO;
	storage_vols_free(v, n);
	if (n)
		return err_setk(e, ERR_OPERATION_INVALID, ENOTEMPTY,
				"deleting pool '%s': '%s' still has %zu "
				"partition%s (delete them first)",
				p->name, p->device, n, n == 1 ? "" : "s");
	r = spawn_run((char *[]){"wipefs", "-a", "-q", (char *)p->device, NULL},
		      &out, 1, e);
	if (r < 0)
		return err_prefix(e, "deleting pool '%s'", p->name);
	if (r != 0)
		return err_setk(e, ERR_OPERATION_FAILED, EIO,
				"deleting pool '%s': wipefs exited with status "
				"%d: %.200s",
				p->name, r, out ? out : "");
	return 0;
}

const struct storage_backend storage_backend_disk = {
	.type = "disk",
	.build = disk_build,
	.start = disk_check,
	.delete = disk_delete,
	.check = disk_check,
	.scan = disk_scan,
	.vol_create = disk_vol_create,
	.vol_delete = disk_vol_delete,
	.vol_resize = disk_vol_resize,
};
