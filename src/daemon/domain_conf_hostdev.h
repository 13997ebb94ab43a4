/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host devices in libvirt's domain XML (domain_conf_hostdev.c):
 * <hostdev mode='subsystem' type='pci|usb|mdev|scsi|scsi_host'> and
 * <input type='evdev|passthrough'>, read into
 * struct domain_hostdev (domain_conf.h) and written back. Which driver
 * passes them (only the qemu driver does) is the drivers' business.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_HOSTDEV_H
#define NIDO_DAEMON_DOMAIN_CONF_HOSTDEV_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* 1 when @c is a <hostdev> and was added to @d->hostdevs, 0 when it is
 * another device, -errno with @e naming what is invalid. */
int domain_parse_hostdev_device(const xmlNode *c, struct domain_def *d,
				struct xml_warnings *w, struct err **e);

/* Once the devices are read: no host device given twice, per-device
 * boot orders unique among disks and host devices, not beside <os><boot
 * dev>. 0 or -EINVAL with @e. */
int domain_hostdevs_check(const xmlNode *devs, const struct domain_def *d,
			  struct err **e);

/* The <hostdev> elements, after the interfaces' in libvirt's order. */
void domain_format_hostdevs(FILE *f, const struct domain_def *d);
void domain_hostdevs_clear(struct domain_def *d);

/* <hostdev type=> names, by enum hostdev_type. */
extern const char *const hostdev_type_names[];

/* <input type='passthrough' bus='virtio'><source evdev=/> and <input
 * type='evdev'><source dev= grab='all' grabToggle= repeat=/>: a host's
 * input device (an absolute path), added to @dp->inputs. 0, or -EINVAL
 * with @e. Written back by domain_format_input_host(). */
extern const char *const input_grab_toggle_names[];
int domain_parse_input_host(const xmlNode *n, struct domain_display *dp,
			    struct xml_warnings *w, struct err **e);
void domain_format_input_host(FILE *f, const struct domain_input *in);

/* How messages name @h's host device: "0000:06:12.5", "USB 014:006",
 * "USB 046d:c52b" (vendor:product), "mdev UUID", "SCSI 0:0:0:1",
 * "vhost-scsi naa.N"; in @buf, returned. */
#define HOSTDEV_NAME_MAX 48
const char *domain_hostdev_name(const struct domain_hostdev *h,
				char buf[HOSTDEV_NAME_MAX]);

#endif
