/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Files that must survive a crash: atomic replace (write a temporary file
 * in the same directory, fsync it, rename it over the target, fsync the
 * directory), so a reader sees the old content or the new, never a mix.
 */
#ifndef NIDO_LIB_FILE_H
#define NIDO_LIB_FILE_H

#include <sys/types.h>

#include "lib/err.h"

/*
 * Replaces @path with @len bytes of @data, mode @mode (exactly: not
 * reduced by the umask). The temporary file is ".NAME.tmp-XXXXXX" in the
 * same directory. On failure the old file is untouched and no temporary
 * file is left (but for a crash mid-way). A symlink at @path is replaced,
 * not followed. Returns 0 or -errno with @e filled.
 */
int file_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, struct err **e);

/*
 * As file_write_atomic(), without its fsync()s: readers see the old or
 * the new content, also after the writer is killed, but not always after
 * the machine crashes. For run-time files, which describe what a reboot
 * removes anyway (processes, bridges, rules): there the two fsync()s
 * cost milliseconds each on a disk and bought nothing.
 */
int file_write_replace(const char *path, const void *data, size_t len,
		       mode_t mode, struct err **e);

/*
 * Removes from @dir the temporary files file_write_atomic() leaves when
 * its process dies mid-way (".NAME.tmp-XXXXXX", regular files), last
 * modified at least @min_age seconds ago: 0 when the caller is the only
 * writer of @dir (it holds a lock), so that any such file is a dead
 * writer's. Other files are not touched. Returns the number removed, or
 * -errno with @e filled when @dir cannot be read.
 */
int file_remove_stale_tmp(const char *dir, unsigned min_age, struct err **e);

/*
 * Reads all of @path into a malloc'ed buffer with a NUL after the data
 * (so text can be used as a string); *@len gets the length (@len may be
 * NULL). Refuses files larger than @max bytes with -EFBIG. Returns 0 or
 * -errno with @e filled.
 */
int file_read_all(const char *path, size_t max, char **data, size_t *len,
		  struct err **e);

/*
 * mkdir -p with @mode (less the umask) for the directories it creates; a
 * directory that exists is fine, a non-directory in the way is ENOTDIR.
 * Returns 0 or -errno with @e filled.
 */
int file_mkdir_p(const char *path, mode_t mode, struct err **e);

/* fsyncs the directory holding @path. Returns 0 or -errno with @e filled. */
int file_fsync_dir(const char *path, struct err **e);

#endif
