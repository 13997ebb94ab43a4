/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest's disk opened by nidod for the process that runs the guest
 * (nido-vmm, QEMU), by the rules for a guest's disk (docs/security.md,
 * "Images"). Shared by the drivers: each passes the open files on and
 * closes its copies (block_chain_clear()).
 */
#ifndef NIDO_DAEMON_DISK_OPEN_H
#define NIDO_DAEMON_DISK_OPEN_H

#include <stdbool.h>
#include <stdint.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"

/* Whether the guest may write disk @d (not readonly, not a cdrom). */
bool disk_writable(const struct domain_disk *d);

/*
 * Opens disk @d's image and every file it names into @out (the image
 * locks go with the files). A <transient/> disk needs @overlay, where
 * its overlay is made anew (domain_disk_overlay(), domain-disks.h): the
 * guest then writes there and reads the image below, which stays
 * unchanged. @d's source must be known (a volume looked up:
 * domain_disks_resolve()). Returns 0 or -errno with @e naming the disk.
 */
int disk_open(const struct domain_disk *d, const char *overlay,
	      struct block_chain *out, struct err **e);

/* A new qcow2 at @path of @size bytes over @d's image, which it names
 * with its format, unopened; a file there is replaced, or with
 * @exclusive refused (EEXIST, a symbolic link too). */
int disk_overlay_create(const struct domain_disk *d, const char *path,
			uint64_t size, bool exclusive, struct err **e);

/* @d's chain opened read-only by the same rules, without taking the
 * images' locks (its guest may run: qemu-img -U), into @out. */
int disk_open_shared(const struct domain_disk *d, struct block_chain *out,
		     struct err **e);

/* @d's image (with @overlay, that qcow2 over it) and its chain opened
 * by the same rules into *@b (the caller's), read-write when the guest
 * may write it, with @flags added (BLOCK_OPEN_NO_BACKING: the image
 * alone). 0 or -errno with @e naming the file. */
int disk_open_block(const struct domain_disk *d, const char *overlay,
		    unsigned flags, struct block **b, struct err **e);

#endif
