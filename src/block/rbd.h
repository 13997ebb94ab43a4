/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Ceph RBD side of src/block (rbd.c, built when librbd is found):
 * the connection to a cluster that the rbd driver and the rbd storage
 * pool (src/storage/rbd.c) share. Without librbd every entry fails with
 * -ENOTSUP naming the missing rbd support (rbd-none.c).
 */
#ifndef NIDO_BLOCK_RBD_H
#define NIDO_BLOCK_RBD_H

#include <stdbool.h>

#include "block/rbd-spec.h"
#include "lib/err.h"

/* Was nido built with librbd? */
bool rbd_supported(void);

/* The error of an rbd operation in a build without librbd. */
int rbd_unsupported(const char *what, struct err **e);

#ifdef HAVE_RBD
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <stdint.h>

/*
 * Connects to the cluster @s names (its conf, id, mon_host and auth;
 * the default ceph.conf search when no conf is given and no mon_host,
 * no configuration file at all with mon_host alone), with timeouts so
 * that a cluster that does not answer fails the call rather than
 * hanging it, and opens the pool (and namespace) as *@io. Both are the
 * caller's (rados_ioctx_destroy, rados_shutdown). Returns 0 or -errno
 * with @e naming the cluster and pool.
 */
int rbd_cluster_open(const struct rbd_spec *s, rados_t *cluster,
		     rados_ioctx_t *io, struct err **e);

/*
 * What the first @size bytes of @image hold in its objects, whole
 * objects counted (as `rbd du` counts them), into *@used. 0 or -errno.
 */
int rbd_image_used(rbd_image_t image, uint64_t size, uint64_t *used);
#endif

#endif
