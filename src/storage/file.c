// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Volumes that are files of a pool's directory (storage.h), as the dir
 * and fs pools keep them: listed from the directory, described, made,
 * copied, wiped and resized through src/block, so that their formats
 * are the ones `nido img` and qemu-img read.
 *
 * Every path is the pool's directory and a checked name: a name never
 * reaches the file system before storage_vol_name_check() passed, and
 * only regular files are volumes (a symbolic link placed in the
 * directory is not followed to whatever it names).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "block/block.h"
#include "block/image.h"
#include "storage/storage.h"

#define COPY_CHUNK (1u << 20)

void storage_vol_clear(struct storage_vol *v)
{
	free(v->name);
	free(v->path);
	free(v->format);
	free(v->backing);
	free(v->backing_format);
	memset(v, 0, sizeof(*v));
}

void storage_vols_free(struct storage_vol *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		storage_vol_clear(&v[i]);
	free(v);
}

int storage_vol_name_check(const char *name, struct err **e)
{
	size_t n = strlen(name);

	if (n == 0 || n > 255)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"volume name '%.64s' must be 1 to 255 bytes",
				name);
	if (strchr(name, '/') || name[0] == '.')
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"volume name '%s' is not a file name (no '/', "
				"no leading '.')",
				name);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"volume name has a control character");
	return 0;
}

/* The backing file's path as the image names it, relative to @dir. */
static char *backing_path(const char *dir, const char *name)
{
	if (name[0] == '/' || strstr(name, ":"))
		return xstrdup(name);
	return xasprintf("%s/%s", dir, name);
}

/* Fills @v from the image at @v->path (lstat'ed as @st). */
static void describe_image(const char *dir, struct storage_vol *v,
			   const struct stat *st)
{
	_cleanup_block_ struct block *b = NULL;
	struct img_info info;

	v->physical = (uint64_t)st->st_size;
	v->allocation = (uint64_t)st->st_blocks * 512;
	v->capacity = v->physical;
	v->mode = st->st_mode & 07777;
	v->owner = st->st_uid;
	v->group = st->st_gid;
	if (block_open(v->path, NULL,
		       BLOCK_OPEN_NO_BACKING | BLOCK_OPEN_SHARE_RW |
			       BLOCK_OPEN_UNSAFE,
		       &b, NULL) < 0 ||
	    img_info_get(b, &info, NULL) < 0) {
		v->format = xstrdup("raw"); /* unreadable as an image */
		return;
	}
	v->format = xstrdup(info.format);
	v->capacity = info.virtual_size;
	if (info.backing_filename)
		v->backing = backing_path(dir, info.backing_filename);
	if (info.backing_format)
		v->backing_format = xstrdup(info.backing_format);
	img_info_clear(&info);
}

int storage_vol_describe(const char *dir, const char *name,
			 struct storage_vol *v, struct err **e)
{
	struct stat st;

	memset(v, 0, sizeof(*v));
	if (storage_vol_name_check(name, e) < 0)
		return -EINVAL;
	v->name = xstrdup(name);
	v->path = xasprintf("%s/%s", dir, name);
	if (lstat(v->path, &st) < 0) {
		int r = errno;

		storage_vol_clear(v);
		return err_setk(e, ERR_NO_STORAGE_VOL, r,
				"storage volume '%s' not found: %s", name,
				strerror(r));
	}
	if (!S_ISREG(st.st_mode)) {
		storage_vol_clear(v);
		return err_setk(e, ERR_NO_STORAGE_VOL, ENOENT,
				"'%s/%s' is not a regular file", dir, name);
	}
	describe_image(dir, v, &st);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct storage_vol *)a)->name,
		      ((const struct storage_vol *)b)->name);
}

int storage_dir_scan(const char *dir, struct storage_vol **out, size_t *n_out,
		     struct err **e)
{
	DIR *d = opendir(dir);
	struct storage_vol *v = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d)
		return err_sys(e, errno, "reading directory '%s'", dir);
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
			    0 ||
		    !S_ISREG(st.st_mode) ||
		    storage_vol_name_check(de->d_name, NULL) < 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		memset(&v[n], 0, sizeof(*v));
		v[n].name = xstrdup(de->d_name);
		v[n].path = xasprintf("%s/%s", dir, de->d_name);
		describe_image(dir, &v[n], &st);
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	*out = v;
	*n_out = n;
	return 0;
}

int storage_dir_space(const char *dir, struct storage_space *s, struct err **e)
{
	struct statvfs sv;

	if (statvfs(dir, &sv) < 0)
		return err_sys(e, errno, "statvfs '%s'", dir);
	s->capacity = (uint64_t)sv.f_frsize * sv.f_blocks;
	s->available = (uint64_t)sv.f_frsize * sv.f_bavail;
	s->allocation = (uint64_t)sv.f_frsize * (sv.f_blocks - sv.f_bfree);
	return 0;
}

/* Mode and owner of a new volume file. */
static int set_perms(const char *path, const struct storage_vol_new *nv,
		     struct err **e)
{
	if (chmod(path, nv->mode >= 0 ? (mode_t)nv->mode : 0600) < 0)
		return err_sys(e, errno, "chmod '%s'", path);
	if ((nv->owner >= 0 || nv->group >= 0) &&
	    chown(path, (uid_t)nv->owner, (gid_t)nv->group) < 0)
		return err_sys(e, errno, "chown '%s'", path);
	return 0;
}

/* Takes the name: a new empty file, or -EEXIST. */
static int reserve(const char *path, const char *name, struct err **e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 && errno == EEXIST)
		return err_setk(e, ERR_STORAGE_VOL_EXIST, EEXIST,
				"storage volume '%s' exists already", name);
	if (fd < 0)
		return err_sys(e, errno, "creating '%s'", path);
	close(fd);
	return 0;
}

/* Allocates the first @len bytes of the raw file @path. */
static int allocate(const char *path, uint64_t len, struct err **e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	r = posix_fallocate(fd, 0, (off_t)len);
	if (r)
		return err_sys(e, r, "allocating %llu bytes of '%s'",
			       (unsigned long long)len, path);
	return 0;
}

int storage_vol_create(const char *dir, const struct storage_vol_new *nv,
		       struct err **e)
{
	_cleanup_free_ char *path = NULL;
	struct img_create_opts o = {
		.format = nv->format,
		.size = nv->capacity,
		.backing = nv->backing,
		.backing_fmt = nv->backing_format,
	};
	bool raw = streq(nv->format, "raw");
	int r;

	if (storage_vol_name_check(nv->name, e) < 0)
		return -EINVAL;
	if (!raw && !streq(nv->format, "qcow2"))
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"volume format '%s' cannot be created (raw "
				"or qcow2)",
				nv->format);
	if (raw && nv->backing)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"a raw volume has no backing store");
	if (nv->prealloc_metadata && raw)
		return err_setk(e, ERR_ARGUMENT_UNSUPPORTED, EINVAL,
				"metadata preallocation is for qcow2 volumes");
	if (nv->prealloc_metadata)
		o.prealloc = IMG_PREALLOC_METADATA;
	path = xasprintf("%s/%s", dir, nv->name);
	if ((r = reserve(path, nv->name, e)) < 0)
		return r;
	r = img_create(path, &o, e);
	if (r == 0 && raw && nv->allocation)
		r = allocate(path, MIN(nv->allocation, nv->capacity), e);
	if (r == 0)
		r = set_perms(path, nv, e);
	if (r < 0)
		unlink(path);
	return r;
}

int storage_vol_clone_from(const char *dir, const char *src_path,
			   const char *src_format,
			   const struct storage_vol_new *nv, struct err **e)
{
	return storage_vol_clone(dir, src_path, src_format, nv, NULL, e);
}

int storage_vol_clone(const char *dir, const char *src_path,
		      const char *src_format, const struct storage_vol_new *nv,
		      struct storage_progress *pr, struct err **e)
{
	_cleanup_block_ struct block *src = NULL;
	int r;

	if ((r = block_open(src_path, src_format, 0, &src, e)) < 0)
		return r;
	return storage_vol_clone_block(dir, src, nv, pr, e);
}

int storage_vol_clone_block(const char *dir, struct block *src,
			    const struct storage_vol_new *nv,
			    struct storage_progress *pr, struct err **e)
{
	_cleanup_block_ struct block *dst = NULL;
	_cleanup_free_ char *path = NULL;
	struct storage_vol_new copy = *nv;
	int r;

	if (!copy.format)
		copy.format = block_format(src);
	copy.capacity = MAX(nv->capacity, block_size(src));
	copy.backing = NULL;
	copy.prealloc_metadata = false;
	copy.allocation = 0;
	if ((r = storage_vol_create(dir, &copy, e)) < 0)
		return r;
	path = xasprintf("%s/%s", dir, nv->name);
	r = block_open(path, copy.format, BLOCK_OPEN_RDWR, &dst, e);
	if (r == 0)
		r = storage_copy(src, dst, true, pr, e);
	if (r == 0)
		r = block_close(steal_ptr(dst));
	if (r < 0) {
		block_close(steal_ptr(dst));
		unlink(path);
		return err_prefix(e, "cloning '%s'", block_filename(src));
	}
	return 0;
}

int storage_vol_delete(const char *path, struct err **e)
{
	if (unlink(path) < 0)
		return err_sys(e, errno, "removing '%s'", path);
	return 0;
}

/* Zeroes every data extent of the raw file @fd (holes stay holes). */
static int zero_extents(int fd, const char *path, struct err **e)
{
	_cleanup_free_ uint8_t *zeroes = xcalloc(1, COPY_CHUNK);
	off_t end = lseek(fd, 0, SEEK_END), data = 0, hole;

	while (data < end) {
		off_t at = data;

		data = lseek(fd, at, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* no data past here */
		if (data < 0)  /* no SEEK_DATA (a block device): all data */
			data = at;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || hole <= data)
			hole = end;
		while (data < hole) {
			size_t n = (size_t)MIN((off_t)COPY_CHUNK, hole - data);

			if (pwrite_full(fd, zeroes, n, data) < 0)
				return err_sys(e, errno, "wiping '%s'", path);
			data += (off_t)n;
		}
	}
	if (fdatasync(fd) < 0)
		return err_sys(e, errno, "wiping '%s'", path);
	return 0;
}

/*
 * A block device (a logical volume, a partition) zeroed by the kernel,
 * which may do it without writing (BLKZEROOUT). 0, or -1 when @fd is
 * no block device or the ioctl failed: then written over.
 */
static int zero_device(int fd)
{
	struct stat st;
	uint64_t range[2] = {0, 0};

	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) ||
	    ioctl(fd, BLKGETSIZE64, &range[1]) < 0 ||
	    ioctl(fd, BLKZEROOUT, range) < 0 || fsync(fd) < 0)
		return -1;
	return 0;
}

/* A qcow2 made again as it was: its clusters go, its layout stays.
 * Closes @b. */
static int wipe_image(const char *path, struct block *b, struct err **e)
{
	struct img_info info;
	struct img_create_opts o = {0};
	struct stat st;
	int r;

	if (stat(path, &st) < 0) {
		block_close(b);
		return err_sys(e, errno, "stat '%s'", path);
	}
	if ((r = img_info_get(b, &info, e)) < 0) {
		block_close(b);
		return r;
	}
	o.format = info.format;
	o.size = info.virtual_size;
	o.cluster_size = info.cluster_size;
	o.compat = info.version;
	o.backing = info.backing_filename;
	o.backing_fmt = info.backing_format ? info.backing_format : "raw";
	o.unsafe_backing = true;
	o.lazy_refcounts = info.lazy_refcounts;
	o.refcount_bits = info.refcount_bits;
	block_close(b);
	r = img_create(path, &o, e);
	img_info_clear(&info);
	if (r == 0 && (chmod(path, st.st_mode & 07777) < 0 ||
		       chown(path, st.st_uid, st.st_gid) < 0))
		return err_sys(e, errno, "restoring the mode of '%s'", path);
	return r;
}

int storage_vol_wipe(const char *path, struct err **e)
{
	struct block *b = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	/* opened read-write: refused while a guest or qemu-img uses it */
	if ((r = block_open(path, NULL, BLOCK_OPEN_RDWR | BLOCK_OPEN_UNSAFE, &b,
			    e)) < 0)
		return r;
	if (streq(block_format(b), "rbd")) { /* no file: zeroes, unmapped */
		r = block_write_zeroes(b, 0, block_size(b),
				       BLOCK_ZERO_MAY_UNMAP, e);
		return r < 0 ? (block_close(b), r) : block_close(b);
	}
	if (!streq(block_format(b), "raw"))
		return wipe_image(path, b, e); /* takes @b */
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		r = err_sys(e, errno, "opening '%s'", path);
	else if (zero_device(fd) == 0)
		r = 0;
	else
		r = zero_extents(fd, path, e);
	block_close(b);
	return r;
}

int storage_vol_resize(const char *path, uint64_t capacity, bool shrink,
		       bool allocate_new, struct err **e)
{
	_cleanup_block_ struct block *b = NULL;
	unsigned flags = (shrink ? BLOCK_RESIZE_SHRINK : 0) |
			 (allocate_new ? BLOCK_RESIZE_PREALLOC : 0);
	int r;

	if ((r = block_open(path, NULL, BLOCK_OPEN_RDWR | BLOCK_OPEN_UNSAFE, &b,
			    e)) < 0)
		return r;
	if (capacity < block_size(b) && !shrink)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"can't shrink capacity below current capacity "
				"unless shrink flag explicitly specified");
	r = block_resize(b, capacity, flags, e);
	if (r == 0)
		r = block_close(steal_ptr(b));
	return r;
}
