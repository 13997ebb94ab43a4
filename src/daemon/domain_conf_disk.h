/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's <disk> in libvirt's domain XML (domain_conf_disk.c), for
 * domain_conf.c. What a driver runs of it is the driver's to say.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_DISK_H
#define NIDO_DAEMON_DOMAIN_CONF_DISK_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* Reads one <disk> into @dk (zeroed by the caller; cleared with
 * domain_disk_clear() also on failure): 0, or -errno with @e naming
 * the element and the value. */
int domain_disk_parse(const xmlNode *disk, struct domain_disk *dk,
		      struct xml_warnings *w, struct err **e);
/* Writes @dk back as a <disk> at 4 spaces. */
void domain_disk_format(FILE *f, const struct domain_disk *dk);
/* <controller type='fdc' index='0'/>, the floppies' controller: 1 when
 * @c is one (@d->fdc set), 0 when @c is something else, -EINVAL with @e
 * when it is not the one FDC a PC has. */
int domain_parse_fdc(const xmlNode *c, struct domain_def *d, struct err **e);
/* Frees what @dk owns; accepts a zeroed one. */
void domain_disk_clear(struct domain_disk *dk);
/* Makes @n (taken; NULL: none) @dk's network source: a volume of a
 * network pool (rbd), resolved at start; @dk->source its display. */
void domain_disk_set_net(struct domain_disk *dk, struct disk_net *n);

#endif
