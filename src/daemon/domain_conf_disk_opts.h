/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a <disk> tells its device beyond its image (struct disk_opts,
 * domain_conf_disk_opts.c), for domain_conf_disk.c: parsed after the
 * rest of the disk (its bus and device known), written back in
 * libvirt's places.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_DISK_OPTS_H
#define NIDO_DAEMON_DOMAIN_CONF_DISK_OPTS_H

#include <stdio.h>

#include "daemon/domain_conf.h"

extern const char *const disk_error_names[];
extern const char *const disk_trans_names[];

/* The attributes of <driver> domain_disk_opts_parse() reads. */
extern const char *const disk_opts_driver_attrs[];

/*
 * Reads @disk's options into @dk->opts and @dk->virtio (its <driver>
 * @drv may be NULL) and checks them against its bus and device, as
 * libvirt does: 0, or -EINVAL with @e naming the element and value.
 */
int domain_disk_opts_parse(const xmlNode *disk, const xmlNode *drv,
			   struct domain_disk *dk, struct err **e);

/* The <driver> attributes of @dk's options (" error_policy='stop'"). */
void domain_disk_opts_format_driver(FILE *f, const struct domain_disk *dk);
/* " startupPolicy='optional'", inside <source>. */
void domain_disk_opts_format_source(FILE *f, const struct domain_disk *dk);
/* " tray='open'", inside <target>. */
void domain_disk_opts_format_target(FILE *f, const struct domain_disk *dk);
/* <geometry>, <vendor>, <product>, each on a line at 6 spaces. */
void domain_disk_opts_format(FILE *f, const struct domain_disk *dk);

/*
 * <iotune>'s tunables beyond the six (disk_opts' iotune_ext and
 * iotune_group) from @io: 0, or -EINVAL with @e naming the tunable and
 * what libvirt and QEMU refuse of it (a total with read or write, a
 * burst below its rate or without it, a length without its burst).
 * domain_iotune_all_names are @io's known children.
 */
int domain_disk_iotune_parse(const xmlNode *io, struct domain_disk *dk,
			     struct err **e);
/* Whether @dk has one of them. */
bool domain_disk_iotune_ext_any(const struct domain_disk *dk);
/* Tunable @k of domain_iotune_all_names (not the group) of @dk. */
uint64_t domain_disk_iotune_value(const struct domain_disk *dk, size_t k);
/* Writes them inside <iotune>, at 8 spaces. */
void domain_disk_iotune_ext_format(FILE *f, const struct domain_disk *dk);

/*
 * The <metadata_cache><max_size unit=> child of @parent (a disk's
 * <driver>, a backingStore's <format>) into *@bytes (untouched when
 * absent), for an image of @format (NULL: not said; it must be qcow2).
 */
int domain_disk_metadata_cache_parse(const xmlNode *parent, const char *format,
				     uint64_t *bytes, struct xml_warnings *w,
				     struct err **e);
/* "<metadata_cache>...</metadata_cache>" at @indent spaces, when
 * @bytes. */
void domain_disk_metadata_cache_format(FILE *f, int indent, uint64_t bytes);

void disk_opts_clear(struct disk_opts *o);

#endif
