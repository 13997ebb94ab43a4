// SPDX-License-Identifier: GPL-2.0-or-later
/* The rbd driver of a build without librbd: every open is refused. */
#include <errno.h>

#include "block/driver.h"
#include "block/rbd.h"

bool rbd_supported(void)
{
	return false;
}

static int none_open(struct block *b, struct err **e)
{
	return rbd_unsupported(b->filename, e);
}

static void none_close(struct block *b)
{
}

static int none_create(const char *path, const struct img_create_opts *o,
		       struct err **e)
{
	return rbd_unsupported(path, e);
}

const struct block_driver block_rbd = {
	.name = "rbd",
	.open = none_open,
	.close = none_close,
	.create = none_create,
};
