// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dir pool (libvirt's type='dir'): a directory of the host whose
 * regular files are the volumes. Build makes the directory, delete
 * removes it once it is empty; start and check only look.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "storage/storage.h"

/* The target directory with its mode and owner (shared with fs.c). */
int storage_target_make(const struct storage_pool_params *p, struct err **e)
{
	mode_t mode = p->mode >= 0 ? (mode_t)p->mode : 0711;

	if (file_mkdir_p(p->target, mode, e) < 0)
		return err_prefix(e, "building pool '%s'", p->name);
	if (chmod(p->target, mode) < 0)
		return err_sys(e, errno, "building pool '%s': chmod '%s'",
			       p->name, p->target);
	if ((p->owner >= 0 || p->group >= 0) &&
	    chown(p->target, (uid_t)p->owner, (gid_t)p->group) < 0)
		return err_sys(e, errno, "building pool '%s': chown '%s'",
			       p->name, p->target);
	return 0;
}

int storage_target_check(const struct storage_pool_params *p, struct err **e)
{
	struct stat st;

	if (stat(p->target, &st) < 0)
		return err_setk(e, ERR_OPERATION_INVALID, errno,
				"pool '%s': cannot open directory '%s': %s "
				"(pool-build makes it)",
				p->name, p->target, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_setk(e, ERR_OPERATION_INVALID, ENOTDIR,
				"pool '%s': target '%s' is not a directory",
				p->name, p->target);
	return 0;
}

int storage_target_remove(const struct storage_pool_params *p, struct err **e)
{
	if (rmdir(p->target) < 0 && errno != ENOENT)
		return err_setk(e, ERR_OPERATION_INVALID, errno,
				"deleting pool '%s': removing '%s': %s%s",
				p->name, p->target, strerror(errno),
				errno == ENOTEMPTY ? " (delete its volumes "
						     "first)"
						   : "");
	return 0;
}

static int dir_build(const struct storage_pool_params *p, const char *fs_type,
		     unsigned flags, struct err **e)
{
	if (fs_type)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': a dir pool has no file system "
				"to format",
				p->name);
	return storage_target_make(p, e);
}

const struct storage_backend storage_backend_dir = {
	.type = "dir",
	.build = dir_build,
	.start = storage_target_check,
	.delete = storage_target_remove,
	.check = storage_target_check,
};

const struct storage_backend *storage_backend_find(const char *type)
{
	static const struct storage_backend *const all[] = {
		&storage_backend_dir,	  &storage_backend_fs,
		&storage_backend_logical, &storage_backend_disk,
		&storage_backend_netfs,	  &storage_backend_iscsi,
		&storage_backend_rbd};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (streq(all[i]->type, type))
			return all[i];
	return NULL;
}
