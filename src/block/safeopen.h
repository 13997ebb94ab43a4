/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening a guest's image path as root without letting whoever can
 * change that path choose what root opens.
 *
 * A path is only as safe as its directories: a user who can write one
 * of them can replace what follows (by a symlink, or a hard link to a
 * file they cannot open) after the admin defined the VM. So for every
 * directory the path goes through, the users who could change its
 * entries are collected ("principals"): its owner when not root; any
 * member of its group or anyone, when group or other may write it
 * without the sticky bit; the owner of the entry in it, with the sticky
 * bit. The file opened must then be one each principal could open with
 * the same access itself: swapping the path gains them nothing.
 *
 * Symlinks in directories are followed (the directories checked are the
 * real ones); a symlink as the last component is refused unless the
 * caller says the definition named one (BLOCK_SAFE_FOLLOW_LAST), and
 * then its target is checked the same way, with the principals of the
 * link's directory added.
 */
#ifndef NIDO_BLOCK_SAFEOPEN_H
#define NIDO_BLOCK_SAFEOPEN_H

#include "lib/err.h"

enum {
	/* the definition named a symlink: follow it (its target checked) */
	BLOCK_SAFE_FOLLOW_LAST = 1u << 0,
	/* a regular file only (no block device) */
	BLOCK_SAFE_REGULAR = 1u << 1,
};

/*
 * Opens @path with @oflags (O_RDONLY or O_RDWR; O_CLOEXEC is added) as
 * described above; the file must be a regular file or (without
 * BLOCK_SAFE_REGULAR) a block device: never a FIFO, which could block
 * the open forever, a socket, a character device or a directory. When
 * @real is not NULL, *@real gets the file's path after symlinks
 * (xmalloc'd, the caller's). Returns the fd (the caller's) or -errno
 * with @e naming the path and the rule it breaks.
 */
int block_safe_open(const char *path, int oflags, unsigned sflags, char **real,
		    struct err **e);

#endif
