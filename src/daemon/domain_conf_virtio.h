/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt's virtio options, the attributes of a virtio device's <driver>
 * (domain_conf_virtio.c): iommu= (the device's DMA through the guest's
 * IOMMU), ats= (PCIe Address Translation Services), packed= (the packed
 * virtqueue layout) and page_per_vq= (a notification page per queue),
 * each 'on' or 'off'. Any device parses, formats and checks them here;
 * the qemu driver gives them to QEMU with qemu_json_virtio().
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_VIRTIO_H
#define NIDO_DAEMON_DOMAIN_CONF_VIRTIO_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* The attribute names, in libvirt's order, NULL-terminated. */
extern const char *const domain_virtio_opt_names[];

/*
 * The virtio options of <driver> element @drv into @o (absent ones
 * DOMAIN_TRISTATE_ABSENT). Returns 0, or -EINVAL with @e naming the
 * attribute and its value. The caller warns about other attributes.
 */
int domain_virtio_opts_parse(const xmlNode *drv, struct domain_virtio_opts *o,
			     struct err **e);

/*
 * A device whose <driver> holds only virtio options (<memballoon>,
 * <rng>, <input>): its <driver> child, if any, into @o, warning about
 * any other attribute or child of it.
 */
int domain_virtio_driver_parse(const xmlNode *dev, struct domain_virtio_opts *o,
			       struct xml_warnings *w, struct err **e);

/* Whether any option of @o is given. */
bool domain_virtio_opts_any(const struct domain_virtio_opts *o);

/* " iommu='on'" and the others given, as attributes of a <driver>. */
void domain_virtio_opts_format(FILE *f, const struct domain_virtio_opts *o);

/* "<driver iommu= .../>" on a line at @indent spaces; nothing when no
 * option is given. */
void domain_virtio_driver_format(FILE *f, int indent,
				 const struct domain_virtio_opts *o);

/*
 * Fails (-ENOTSUP, @e naming @dev and the option) when @o gives an
 * option to a device that is not a virtio one, as libvirt does; 0
 * otherwise.
 */
int domain_virtio_opts_absent(const struct domain_virtio_opts *o,
			      const char *dev, struct err **e);

/*
 * Fails (-ENOTSUP) when @o turns on an option that @who (a driver's
 * name) does not offer the guest; 'off' is what such a driver does.
 */
int domain_virtio_opts_only_off(const struct domain_virtio_opts *o,
				const char *dev, const char *who,
				struct err **e);

#endif
