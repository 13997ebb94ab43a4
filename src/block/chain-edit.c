// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Chain surgery for block jobs (chain-edit.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "block/chain-edit.h"
#include "block/chain.h"
#include "block/driver.h"
#include "lib/util.h"

struct block *block_chain_nth(struct block *top, int depth)
{
	while (top && depth-- > 0)
		top = top->backing;
	return top;
}

int block_fd(struct block *b)
{
	return b->fd;
}

int block_chain_len(struct block *top)
{
	int n = 0;

	for (; top; top = top->backing)
		n++;
	return n;
}

struct block *block_backing_detach(struct block *b)
{
	struct block *old = b->backing;

	b->backing = NULL;
	return old;
}

void block_backing_attach(struct block *b, struct block *backing)
{
	b->backing = backing;
	b->flags &= ~(unsigned)BLOCK_OPEN_NO_BACKING;
}

/* Whether @fd is the file @ro has open, and writable. */
static int same_file(struct block *ro, int fd, struct err **e)
{
	struct stat a, b;
	int fl = fcntl(fd, F_GETFL);

	if (fstat(ro->fd, &a) < 0 || fstat(fd, &b) < 0)
		return err_sys(e, errno, "'%s'", ro->filename);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return err_set(e, EINVAL,
			       "'%s': the file passed to write it is another "
			       "file",
			       ro->filename);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR)
		return err_set(e, EBADF,
			       "'%s': the file passed to write it is not open "
			       "for writing",
			       ro->filename);
	return 0;
}

int block_open_writable(struct block *ro, int fd, unsigned flags,
			struct block **out, struct err **e)
{
	struct block_chain none = {0};
	struct block_open_opts o = {
		.format = block_format(ro),
		.flags = BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING |
			 BLOCK_OPEN_NO_PROBE | (flags & BLOCK_OPEN_LOCKED),
		.fd = fd,
		/* nothing may be opened by name: a vmdk's extents fail */
		.resolve = block_resolve_fds,
		.opaque = &none,
	};
	struct block *b = NULL;
	int r = same_file(ro, fd, e);

	if (r == 0)
		r = block_open_chain(ro->filename, &o, &b, e);
	close(fd); /* block_open_chain() took a duplicate */
	if (r < 0)
		return r;
	free(b->name);
	b->name = xstrdup(ro->name ? ro->name : ro->filename);
	*out = b;
	return 0;
}
