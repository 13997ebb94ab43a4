// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

/* The directory part of @path ("." when there is none); malloc'ed. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, slash - path);
}

int file_fsync_dir(const char *path, struct err **e)
{
	_cleanup_free_ char *dir = dir_of(path);
	_cleanup_close_ int fd = -1;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "opening directory '%s'", dir);
	if (fsync(fd) < 0)
		return err_sys(e, errno, "syncing directory '%s'", dir);
	return 0;
}

/* Writes, syncs (@sync) and closes @fd (always closed); 0 or -errno. */
static int write_tmp(int fd, const void *data, size_t len, mode_t mode,
		     bool sync)
{
	int r = 0;

	if (fchmod(fd, mode) < 0)
		r = -errno;
	if (!r)
		r = write_full(fd, data, len);
	if (!r && sync && fsync(fd) < 0)
		r = -errno;
	/* close() reports delayed write errors on some file systems (NFS). */
	if (close(fd) < 0 && errno != EINTR && !r)
		r = -errno;
	return r;
}

static int write_atomic(const char *path, const void *data, size_t len,
			mode_t mode, bool sync, struct err **e)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	_cleanup_free_ char *tmp = NULL;
	int fd, r;

	if (!*base)
		return err_set(e, EISDIR, "writing '%s': not a file name",
			       path);
	/* A dot file next to the target: same file system, so rename is
	 * atomic; hidden from listings of *.xml and the like. */
	tmp = xasprintf("%.*s.%s.tmp-XXXXXX", (int)(base - path), path, base);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno,
			       "writing '%s': creating a temporary file", path);
	r = write_tmp(fd, data, len, mode, sync);
	if (r < 0) {
		unlink(tmp);
		return err_sys(e, -r, "writing '%s'", path);
	}
	if (rename(tmp, path) < 0) {
		r = err_sys(e, errno, "writing '%s': renaming '%s' over it",
			    path, tmp);
		unlink(tmp);
		return r;
	}
	/* The new content is in place; this makes the rename durable. */
	return sync ? file_fsync_dir(path, e) : 0;
}

int file_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, struct err **e)
{
	return write_atomic(path, data, len, mode, true, e);
}

int file_write_replace(const char *path, const void *data, size_t len,
		       mode_t mode, struct err **e)
{
	return write_atomic(path, data, len, mode, false, e);
}

/* Whether @name is ".NAME.tmp-XXXXXX" as mkostemp() completes it. */
static bool is_atomic_tmp(const char *name)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t n = strlen(name);

	return name[0] == '.' && n >= 13 &&
	       !strncmp(name + n - 11, ".tmp-", 5) &&
	       strspn(name + n - 6, alnum) == 6;
}

int file_remove_stale_tmp(const char *dir, unsigned min_age, struct err **e)
{
	DIR *dp = opendir(dir);
	struct dirent *ent;
	struct stat st;
	time_t now = time(NULL);
	int n = 0;

	if (!dp)
		return err_sys(e, errno, "reading directory '%s'", dir);
	while ((ent = readdir(dp))) {
		if (!is_atomic_tmp(ent->d_name) ||
		    fstatat(dirfd(dp), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) <
			    0 ||
		    !S_ISREG(st.st_mode) || now - st.st_mtime < (time_t)min_age)
			continue;
		if (unlinkat(dirfd(dp), ent->d_name, 0) == 0)
			n++;
	}
	closedir(dp);
	return n;
}

/* Reads @fd to its end into *@data, refusing more than @max bytes. */
static int read_fd_all(int fd, size_t max, char **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);

	for (;;) {
		size_t want;
		ssize_t got;

		if (cap - n < 2) {
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
			buf = xrealloc(buf, cap);
		}
		want = cap - n - 1;
		if (max - n < want)
			want = max - n + 1; /* one more shows it is too big */
		got = read(fd, buf + n, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return -errno;
		}
		if (got == 0)
			break;
		n += got;
		if (n > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int file_read_all(const char *path, size_t max, char **data, size_t *len,
		  struct err **e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t n = 0;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "reading '%s'", path);
	if (S_ISDIR(st.st_mode))
		return err_sys(e, EISDIR, "reading '%s'", path);
	/* st_size is only a hint (0 in /proc), but a big one fails early. */
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		return err_set(e, EFBIG, "reading '%s': larger than %zu bytes",
			       path, max);
	r = read_fd_all(fd, max, data, &n);
	if (r == -EFBIG)
		return err_set(e, EFBIG, "reading '%s': larger than %zu bytes",
			       path, max);
	if (r < 0)
		return err_sys(e, -r, "reading '%s'", path);
	if (len)
		*len = n;
	return 0;
}

/* mkdir of one component; an existing directory is fine. */
static int mkdir_one(const char *path, mode_t mode, struct err **e)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return err_sys(e, errno, "creating directory '%s'", path);
	if (stat(path, &st) < 0)
		return err_sys(e, errno, "creating directory '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return err_sys(e, ENOTDIR, "creating directory '%s'", path);
	return 0;
}

int file_mkdir_p(const char *path, mode_t mode, struct err **e)
{
	_cleanup_free_ char *p = xstrdup(path);
	char *s = p;
	int r;

	if (!*p)
		return err_set(e, EINVAL, "creating directory '': empty path");
	for (;;) {
		while (*s == '/')
			s++;
		s = strchrnul(s, '/');
		if (!*s)
			break;
		*s = '\0';
		r = mkdir_one(p, mode, e);
		*s = '/';
		if (r < 0)
			return r;
	}
	return mkdir_one(p, mode, e);
}
