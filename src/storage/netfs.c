// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netfs pool (libvirt's type='netfs'): an NFS export mounted at the
 * target directory while the pool runs; its volumes are the files there
 * (file.c), as an fs pool's. The mount goes through mount(8) and its
 * mount.nfs helper (nfs-common), which negotiate the protocol version
 * and the server's address as an administrator's mount would; the host
 * and the directory reach its argv as one checked "host:/dir" argument,
 * never as an option.
 *
 * Build makes the target directory only (the export is the server's);
 * delete removes it, empty and unmounted.
 */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "lib/spawn.h"
#include "storage/storage.h"

/* "host:/dir", an IPv6 address in brackets. */
static char *nfs_source(const struct storage_pool_params *p)
{
	return strchr(p->host, ':')
		       ? xasprintf("[%s]:%s", p->host, p->source_dir)
		       : xasprintf("%s:%s", p->host, p->source_dir);
}

static int check_source(const struct storage_pool_params *p, struct err **e)
{
	if (!p->host || !p->source_dir)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': a netfs pool needs <source><host "
				"name=...> and <dir path=...>",
				p->name);
	return 0;
}

static int netfs_build(const struct storage_pool_params *p, const char *fs_type,
		       unsigned flags, struct err **e)
{
	(void)flags;
	if (fs_type)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': a netfs pool has no file system "
				"to format (the server's export is used as it "
				"is)",
				p->name);
	return storage_target_make(p, e);
}

static int netfs_start(const struct storage_pool_params *p, struct err **e)
{
	_cleanup_free_ char *src = NULL, *out = NULL, *opts = NULL;
	const char *type = p->fs_format ? p->fs_format : "nfs";
	int r;

	if (check_source(p, e) < 0 || storage_target_check(p, e) < 0)
		return -EINVAL;
	src = nfs_source(p);
	if (storage_mounted(p->target, src))
		return 0;
	opts = p->protocol ? xasprintf("nosuid,nodev,vers=%s", p->protocol)
			   : xstrdup("nosuid,nodev");
	r = spawn_run((char *[]){"mount", "-t", (char *)type, "-o", opts, src,
				 (char *)p->target, NULL},
		      &out, 1, e);
	if (r < 0)
		return err_prefix(e, "pool '%s': mounting '%s'", p->name, src);
	if (r != 0) {
		size_t n = out ? strlen(out) : 0;

		while (n && out[n - 1] == '\n')
			out[--n] = '\0';
		return err_setk(e, ERR_OPERATION_FAILED, EIO,
				"pool '%s': mounting '%s' on '%s': mount "
				"exited with status %d%s%.300s",
				p->name, src, p->target, r, n ? ": " : "",
				n ? out : "");
	}
	return 0;
}

static int netfs_stop(const struct storage_pool_params *p, struct err **e)
{
	if (!storage_mounted(p->target, NULL))
		return 0;
	if (umount2(p->target, 0) < 0)
		return err_setk(e, ERR_OPERATION_FAILED, errno,
				"pool '%s': unmounting '%s': %s", p->name,
				p->target, strerror(errno));
	return 0;
}

static int netfs_check(const struct storage_pool_params *p, struct err **e)
{
	_cleanup_free_ char *src = NULL;

	if (check_source(p, e) < 0)
		return -EINVAL;
	src = nfs_source(p);
	if (!storage_mounted(p->target, src))
		return err_setk(e, ERR_OPERATION_INVALID, ENODEV,
				"pool '%s': '%s' is no longer mounted on '%s'",
				p->name, src, p->target);
	return 0;
}

static int netfs_delete(const struct storage_pool_params *p, struct err **e)
{
	if (storage_mounted(p->target, NULL))
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"pool '%s': '%s' is mounted", p->name,
				p->target);
	return storage_target_remove(p, e);
}

const struct storage_backend storage_backend_netfs = {
	.type = "netfs",
	.build = netfs_build,
	.start = netfs_start,
	.stop = netfs_stop,
	.delete = netfs_delete,
	.check = netfs_check,
};
