/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parts of the domain XML parser and formatter (domain_conf.c) that the
 * full machines of the qemu driver brought, in domain_conf_devices.c:
 * per-device boot order, the firmware (UEFI's loader and variable
 * store). domain_conf.c calls them; nothing else does.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_DEVICES_H
#define NIDO_DAEMON_DOMAIN_CONF_DEVICES_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* A disk's <boot order='N'/> (1 to 255) into @dk->boot_order. */
int domain_disk_parse_boot(const xmlNode *disk, struct domain_disk *dk,
			   struct xml_warnings *w, struct err **e);
void domain_disk_format_boot(FILE *f, const struct domain_disk *dk);

/*
 * libvirt's rules for boot order, once the devices are read: per-device
 * <boot order> and <os><boot dev> exclude each other, and no order is
 * given twice. @node is where an error points.
 */
int domain_def_check_boot(const xmlNode *node, const struct domain_def *d,
			  struct err **e);

/* <os firmware=> and its <firmware>, <loader>, <nvram> into @d->fw;
 * @os is the <os> element. */
int domain_os_parse_firmware(const xmlNode *os, struct domain_def *d,
			     struct xml_warnings *w, struct err **e);
/* " firmware='efi'" for <os>, when set. */
void domain_os_format_firmware_attr(FILE *f, const struct domain_def *d);
/* <firmware>, <loader>, <nvram>, after <type>. */
void domain_os_format_firmware(FILE *f, const struct domain_def *d);
void domain_firmware_clear(struct domain_firmware *fw);

/*
 * <graphics>, <video>, <input>, <controller type='usb'>: 1 when @c is
 * one of them and was read into @d->display, 0 when it is another
 * device, -errno with @e filled when it is invalid.
 */
int domain_parse_display_device(const xmlNode *c, struct domain_def *d,
				struct xml_warnings *w, struct err **e);
/* libvirt's defaults and rules once the devices are read: a <video>
 * for graphics, one primary card. @devs: where errors point. */
int domain_display_defaults(const xmlNode *devs, struct domain_def *d,
			    struct err **e);
/* The display's devices, in libvirt's order; @active: a running
 * domain's (the port QEMU took). */
void domain_format_display(FILE *f, const struct domain_def *d, bool active);
void domain_display_clear(struct domain_display *dp);

#endif
