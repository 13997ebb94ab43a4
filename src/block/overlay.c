// SPDX-License-Identifier: GPL-2.0-or-later
/* A new top image over an open one (block.h's block_open_over()). */
#include <errno.h>
#include <string.h>

#include "block/block.h"
#include "block/chain.h"
#include "block/driver.h"
#include "lib/util.h"

int block_open_over(int fd, const char *path, struct block *below,
		    unsigned flags, struct block **out, struct err **e)
{
	struct block_chain_file f = {
		.kind = BLOCK_REF_TOP,
		.fd = fd,
		.path = (char *)path,
		.name = (char *)path,
		.format = "qcow2",
		.rdwr = flags & BLOCK_OPEN_RDWR,
	};
	struct block_chain c = {.files = &f, .n = 1};
	struct block *top = NULL;
	int r;

	*out = NULL;
	r = block_open_from_chain(&c, flags | BLOCK_OPEN_NO_BACKING, &top, e);
	if (r == 0)
		top->flags &= ~BLOCK_OPEN_LOCKED;
	if (r < 0)
		return r;
	/* the overlay must say it lies over @below, by the name @below
	 * was opened with, and in its format */
	if (!top->backing_name || !streq(top->backing_name, below->filename))
		r = err_set(e, EINVAL,
			    "'%s': its backing file is '%s', not '%s'", path,
			    top->backing_name ? top->backing_name : "(none)",
			    below->filename);
	else if (top->backing_fmt && !streq(top->backing_fmt, below->drv->name))
		r = err_set(e, EINVAL,
			    "'%s': its backing file's format is '%s', not "
			    "'%s'",
			    path, top->backing_fmt, below->drv->name);
	else if (top->size < below->size)
		r = err_set(e, EINVAL,
			    "'%s': smaller than the image it lies over", path);
	if (r < 0) {
		block_close(top);
		return r;
	}
	top->flags &= ~BLOCK_OPEN_NO_BACKING;
	top->backing = below;
	free(top->backing_path);
	top->backing_path = xstrdup(below->filename);
	if (!below->name)
		below->name = xstrdup(top->backing_name);
	*out = top;
	return 0;
}

int block_close_over(struct block *top)
{
	if (!top)
		return 0;
	top->backing = NULL;
	return block_close(top);
}
