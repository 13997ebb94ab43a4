// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Image locking, compatible with QEMU's: two processes (nido-vmm, QEMU,
 * nido img, qemu-img) never write one image at the same time, and no
 * reader trusts an image somebody else is writing.
 *
 * The protocol lives in open file description (OFD) locks on single
 * bytes of the image file, past its first sector so that no data is
 * locked: for each permission bit i an opener takes a shared lock on
 * byte 100 + i when it holds the permission, and on byte 200 + i when
 * it refuses to share it with others. A holder conflicts with anybody
 * who refuses its permission (a lock on 200 + i), a refuser with anybody
 * who holds it (100 + i). The bits are QEMU's: 0 consistent read,
 * 1 write, 2 write unchanged, 3 resize.
 *
 * What an image asks for, as QEMU does:
 *   read-write:             holds read, write, resize; refuses write, resize
 *   read-write, share-rw:   holds read, write;         refuses nothing
 *   read-only:              holds read;                refuses write, resize
 *   read-only, share-rw:    holds read;                refuses nothing
 *   read-only, shared (-U): holds read;                refuses nothing
 * Backing files are read-only. Locks go with the fd: closing it (or the
 * process dying) drops them. On a file system without OFD locks the
 * image is used unlocked, as QEMU's locking=auto does.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "block/chain-edit.h"
#include "block/driver.h"
#include "lib/util.h"

enum {
	PERM_READ,   /* consistent read */
	PERM_WRITE,  /* write */
	PERM_SAME,   /* write unchanged: not used by nido, named for messages */
	PERM_RESIZE, /* resize */
	PERM_BITS,
};

#define LOCK_HOLD_BASE	 100
#define LOCK_REFUSE_BASE 200

static const char *const perm_name[PERM_BITS] = {"consistent read", "write",
						 "write unchanged", "resize"};

static int lock_byte(int fd, int cmd, short type, off_t byte)
{
	struct flock fl = {.l_type = type,
			   .l_whence = SEEK_SET,
			   .l_start = byte,
			   .l_len = 1};

	if (fcntl(fd, cmd, &fl) < 0)
		return -errno;
	return cmd == F_OFD_GETLK && fl.l_type != F_UNLCK ? -EAGAIN : 0;
}

static int conflict(const char *path, bool shared, int bit, struct err **e)
{
	return err_set(e, EAGAIN,
		       "'%s': failed to get %s\"%s\" lock: is another process "
		       "using the image?",
		       path, shared ? "shared " : "", perm_name[bit]);
}

int block_lock_fd(int fd, const char *path, unsigned flags, struct err **e)
{
	bool rw = flags & BLOCK_OPEN_RDWR;
	unsigned hold = 1u << PERM_READ, refuse = 0;
	int r;

	if (rw)
		hold |= 1u << PERM_WRITE | 1u << PERM_RESIZE;
	if (rw || !(flags & BLOCK_OPEN_SHARE_RW))
		refuse = 1u << PERM_WRITE | 1u << PERM_RESIZE;
	if (flags & BLOCK_OPEN_SHARE_WRITE) { /* as a QEMU disk with share-rw */
		hold &= ~(1u << PERM_RESIZE);
		refuse = 0;
	}
	/*
	 * Take ours first, then look for conflicts: of two openers racing,
	 * at least one sees the other, never neither.
	 */
	for (int i = 0; i < PERM_BITS; i++) {
		r = 0;
		if (hold & (1u << i))
			r = lock_byte(fd, F_OFD_SETLK, F_RDLCK,
				      LOCK_HOLD_BASE + i);
		if (r == 0 && (refuse & (1u << i)))
			r = lock_byte(fd, F_OFD_SETLK, F_RDLCK,
				      LOCK_REFUSE_BASE + i);
		if (r == -EINVAL || r == -ENOLCK || r == -EOPNOTSUPP)
			return 0; /* no OFD locks here: go unlocked */
		if (r == -EAGAIN || r == -EACCES) /* a foreign write lock */
			return conflict(path, false, i, e);
		if (r < 0)
			return err_sys(e, -r, "locking '%s'", path);
	}
	for (int i = 0; i < PERM_BITS; i++) {
		if ((hold & (1u << i)) &&
		    lock_byte(fd, F_OFD_GETLK, F_WRLCK, LOCK_REFUSE_BASE + i) ==
			    -EAGAIN)
			return conflict(path, false, i, e);
		if ((refuse & (1u << i)) &&
		    lock_byte(fd, F_OFD_GETLK, F_WRLCK, LOCK_HOLD_BASE + i) ==
			    -EAGAIN)
			return conflict(path, true, i, e);
	}
	return 0;
}

int block_lock(struct block *b, struct err **e)
{
	return block_lock_fd(b->fd, b->filename, b->flags, e);
}

int block_create_file(const char *path, bool exclusive, struct err **e)
{
	_cleanup_close_ int fd =
		open(path,
		     O_RDWR | O_CREAT | O_CLOEXEC |
			     (exclusive ? O_EXCL | O_NOFOLLOW : 0),
		     0644);
	struct stat st;
	int r;

	if (fd < 0)
		return err_sys(e, errno, "creating '%s'", path);
	r = block_lock_fd(fd, path, BLOCK_OPEN_RDWR, e); /* names @path */
	if (r < 0)
		return r;
	/* a block device is written over, not emptied */
	if (fstat(fd, &st) < 0 || (S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0))
		return err_sys(e, errno, "creating '%s'", path);
	return steal_fd(fd);
}

int block_lock_refuse_fd(int fd, bool refuse)
{
	const int bits[] = {PERM_WRITE, PERM_RESIZE};
	int fl = fcntl(fd, F_GETFL);
	/* a writable open (an image an external snapshot put an overlay
	 * over) also holds write and resize: it lets them go with its
	 * refusal, and takes them back with it */
	bool rw = fl >= 0 && (fl & O_ACCMODE) == O_RDWR;
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(bits); i++) {
		r = lock_byte(fd, F_OFD_SETLK, refuse ? F_RDLCK : F_UNLCK,
			      LOCK_REFUSE_BASE + bits[i]);
		if (r == 0 && rw)
			r = lock_byte(fd, F_OFD_SETLK,
				      refuse ? F_RDLCK : F_UNLCK,
				      LOCK_HOLD_BASE + bits[i]);
	}
	return r == -EINVAL || r == -ENOLCK || r == -EOPNOTSUPP ? 0 : r;
}

int block_lock_writer_fd(int fd, const char *path, struct err **e)
{
	return block_lock_fd(fd, path, BLOCK_OPEN_RDWR, e);
}
