// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rbd pool of a build without librbd: defined and shown as any
 * other, refused by name when it is to be used.
 */
#include <errno.h>

#include "block/rbd.h"
#include "storage/storage.h"

static int none_start(const struct storage_pool_params *p, struct err **e)
{
	rbd_unsupported("rbd pool", e);
	return err_prefix(e, "pool '%s'", p->name);
}

char *storage_rbd_spec(const struct storage_pool_params *p, const char *vol)
{
	struct rbd_spec s = {.pool = (char *)p->source_name,
			     .image = (char *)vol};

	return rbd_spec_format(&s);
}

const struct storage_backend storage_backend_rbd = {
	.type = "rbd",
	.start = none_start,
	.vol_block_name = storage_rbd_spec,
};
