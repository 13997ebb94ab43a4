// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fs pool (libvirt's type='fs'): a block device holding a file
 * system, mounted at the target directory while the pool runs; its
 * volumes are the files there (file.c).
 *
 * Build makes the target directory and, when asked (a file system type,
 * --overwrite or --no-overwrite), a file system with mkfs. What the
 * device holds is probed with blkid first: a file system or a partition
 * table is data nido did not make, and is formatted over only with
 * --overwrite.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/spawn.h"
#include "storage/storage.h"

/* File systems pool-build makes (mkfs.TYPE); others are refused. */
static const char *const mkfs_types[] = {"ext2",  "ext3", "ext4", "xfs",
					 "btrfs", "vfat", NULL};

static bool known_type(const char *t)
{
	for (size_t i = 0; mkfs_types[i]; i++)
		if (streq(mkfs_types[i], t))
			return true;
	return false;
}

int storage_check_blockdev(const struct storage_pool_params *p, const char *dev,
			   struct err **e)
{
	struct stat st;

	if (stat(dev, &st) < 0)
		return err_sys(e, errno, "pool '%s': device '%s'", p->name,
			       dev);
	if (!S_ISBLK(st.st_mode))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': '%s' is not a block device",
				p->name, dev);
	return 0;
}

static int check_device(const struct storage_pool_params *p, struct err **e)
{
	if (!p->device)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': an fs pool needs <source><device "
				"path=...>",
				p->name);
	return storage_check_blockdev(p, p->device, e);
}

int storage_probe(const char *dev, char **type, char **pt, struct err **e)
{
	char *argv[] = {"blkid", "-p", "-o", "export", (char *)dev, NULL};
	_cleanup_free_ char *out = NULL;
	char *save = NULL;
	int r = spawn_run(argv, &out, 0, e);

	*type = xstrdup("");
	*pt = xstrdup("");
	if (r < 0)
		return err_prefix(e, "probing '%s'", dev);
	if (r != 0 && r != 2) /* 2: nothing found */
		return err_setk(e, ERR_OPERATION_FAILED, EIO,
				"probing '%s': blkid exited with status %d",
				dev, r);
	for (char *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (str_has_prefix(l, "TYPE=")) {
			free(*type);
			*type = xstrdup(l + 5);
		} else if (str_has_prefix(l, "PTTYPE=")) {
			free(*pt);
			*pt = xstrdup(l + 7);
		}
	}
	return 0;
}

static int mkfs(const struct storage_pool_params *p, const char *type,
		struct err **e)
{
	_cleanup_free_ char *prog = xasprintf("mkfs.%s", type);
	_cleanup_free_ char *out = NULL;
	const char *force = streq(type, "xfs") || streq(type, "btrfs") ? "-f"
			    : str_has_prefix(type, "ext")	       ? "-F"
								       : NULL;
	char *argv[] = {prog, (char *)(force ? force : p->device),
			force ? (char *)p->device : NULL, NULL};
	int r = spawn_run(argv, &out, 1, e);

	if (r < 0)
		return err_prefix(e, "pool '%s'", p->name);
	if (r != 0)
		return err_setk(e, ERR_OPERATION_FAILED, EIO,
				"pool '%s': %s '%s' exited with status %d: "
				"%.200s",
				p->name, prog, p->device, r, out ? out : "");
	return 0;
}

static int fs_build(const struct storage_pool_params *p, const char *fs_type,
		    unsigned flags, struct err **e)
{
	_cleanup_free_ char *has = NULL, *pt = NULL;
	const char *type = fs_type ? fs_type : p->fs_format;

	if (check_device(p, e) < 0)
		return -EINVAL;
	if (fs_type ||
	    (flags & (STORAGE_BUILD_OVERWRITE | STORAGE_BUILD_NO_OVERWRITE))) {
		if (!type || streq(type, "auto") || !known_type(type))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"pool '%s': cannot make a file system "
					"of type '%s' (ext2, ext3, ext4, xfs, "
					"btrfs or vfat)",
					p->name, type ? type : "auto");
		if (storage_probe(p->device, &has, &pt, e) < 0)
			return -EIO;
		if ((*has || *pt) && !(flags & STORAGE_BUILD_OVERWRITE))
			return err_setk(
				e, ERR_OPERATION_INVALID, EEXIST,
				"pool '%s': device '%s' already holds %s '%s': "
				"formatting it would erase it (pool-build "
				"--overwrite to do so)",
				p->name, p->device,
				*has ? "a file system" : "a partition table",
				*has ? has : pt);
		if (mkfs(p, type, e) < 0)
			return -EIO;
	}
	return storage_target_make(p, e);
}

bool storage_mounted(const char *dir, const char *dev)
{
	_cleanup_free_ char *real = realpath(dir, NULL);
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	if (!real || !f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char mnt[4096], src[4096];

		/* id parent maj:min root MOUNT opts ... - fstype SOURCE ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		/* mountinfo escapes spaces as \040: ours have none */
		if (!streq(mnt, real))
			continue;
		if (!dev)
			return true;
		{
			char *dash = strstr(line, " - ");

			if (dash && sscanf(dash, " - %*s %4095s", src) == 1) {
				_cleanup_free_ char *d =
					dev[0] == '/' ? realpath(dev, NULL)
						      : xstrdup(dev);

				return d && streq(d, src);
			}
		}
	}
	return false;
}

static int fs_start(const struct storage_pool_params *p, struct err **e)
{
	_cleanup_free_ char *has = NULL, *pt = NULL;
	const char *type = p->fs_format;

	if (check_device(p, e) < 0 || storage_target_check(p, e) < 0)
		return -EINVAL;
	if (storage_mounted(p->target, p->device))
		return 0;
	if (storage_probe(p->device, &has, &pt, e) < 0)
		return -EIO;
	if (!*has)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"pool '%s': device '%s' holds no file system "
				"(pool-build --overwrite formats it)",
				p->name, p->device);
	if (!type || streq(type, "auto"))
		type = has;
	if (mount(p->device, p->target, type, MS_NOSUID | MS_NODEV, NULL) < 0)
		return err_sys(e, errno,
			       "pool '%s': mounting '%s' (%s) on '%s'", p->name,
			       p->device, type, p->target);
	return 0;
}

static int fs_stop(const struct storage_pool_params *p, struct err **e)
{
	if (!storage_mounted(p->target, NULL))
		return 0;
	if (umount2(p->target, 0) < 0)
		return err_setk(e, ERR_OPERATION_FAILED, errno,
				"pool '%s': unmounting '%s': %s", p->name,
				p->target, strerror(errno));
	return 0;
}

static int fs_check(const struct storage_pool_params *p, struct err **e)
{
	if (!storage_mounted(p->target, p->device))
		return err_setk(e, ERR_OPERATION_INVALID, ENODEV,
				"pool '%s': '%s' is no longer mounted on '%s'",
				p->name, p->device, p->target);
	return 0;
}

static int fs_delete(const struct storage_pool_params *p, struct err **e)
{
	if (storage_mounted(p->target, NULL))
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"pool '%s': '%s' is mounted", p->name,
				p->target);
	return storage_target_remove(p, e);
}

const struct storage_backend storage_backend_fs = {
	.type = "fs",
	.build = fs_build,
	.start = fs_start,
	.stop = fs_stop,
	.delete = fs_delete,
	.check = fs_check,
};
