/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a domain's disks need from the daemon around a start (shared by
 * the drivers): the path of each <disk type='volume'> looked up in its
 * pool, and the overlays of <transient/> disks, made in nidod's state
 * directory (<state>/transient, mode 0700) and removed when the domain
 * stops. The definition owns the paths filled in.
 */
#ifndef NIDO_DAEMON_DOMAIN_DISKS_H
#define NIDO_DAEMON_DOMAIN_DISKS_H

#include <stddef.h>

#include "daemon/domain_conf.h"
#include "lib/err.h"

struct daemon;

/*
 * Fills the source of every volume disk of @def with its volume's path
 * (@block set for a block device), as libvirt does at each start: the
 * pool must be active and hold the volume; so too a container's
 * <filesystem type='volume'>. Returns 0 or -errno with @e naming the
 * disk (or file system), the pool and the volume.
 */
int domain_disks_resolve(struct daemon *dmn, struct domain_def *def,
			 struct err **e);

/*
 * The overlay path of disk @i of @def when it is transient (the
 * directory made if need be), else NULL; the caller frees it. NULL with
 * @e filled when the directory cannot be made.
 */
char *domain_disk_overlay(struct daemon *dmn, const struct domain_def *def,
			  size_t i, struct err **e);

/*
 * <source startupPolicy='optional'>, at a cold boot of @dom (after
 * domain_disks_resolve()): each such disk whose source is not there is
 * dropped from the definition that runs, as libvirt drops it, with a
 * warning in nidod's log; a persistent domain's definition keeps it
 * (@dom's newdef, made here, comes back when the domain stops or its
 * start fails). Returns 0, or -errno with @e filled.
 */
struct domain;
int domain_disks_drop_missing(struct daemon *dmn, struct domain *dom,
			      struct err **e);

/*
 * The backing chains the driver opened (@chains: one per disk of
 * @dom's definition, disk_open()) shown in the definition that runs,
 * as libvirt shows what it found: each file disk's <backingStore>
 * images top down, those the definition declared kept, the rest as
 * found, then the empty <backingStore/> that ends the chain; formatted
 * with their index (1, 2, ...). A transient disk's overlay is not
 * shown, its image is the disk's source. A persistent domain's
 * definition keeps what it declared (@dom's newdef, made here), as
 * libvirt's inactive XML does. Returns 0, or -errno with @e filled.
 */
struct block_chain;
int domain_disks_show_chains(struct domain *dom,
			     const struct block_chain *chains, struct err **e);

/* Removes the overlays of @def's transient disks (the domain stopped). */
void domain_disks_release(struct daemon *dmn, const struct domain_def *def);

#endif
