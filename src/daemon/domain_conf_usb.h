/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * USB beyond index 0's controller and the devices on it
 * (domain_conf_usb.c): an ICH9 EHCI's UHCI companions
 * (<controller type='usb' model='ich9-uhci1'><master startport='0'/>),
 * the controllers of other indexes, <redirdev bus='usb'> (a client's
 * USB device through usbredir) and <redirfilter>. They are kept in
 * struct domain_display (domain_conf.h), which owns what they hold.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_USB_H
#define NIDO_DAEMON_DOMAIN_CONF_USB_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* The highest <controller type='usb' index=> nido reads. */
#define DOMAIN_MAX_USB_INDEX 7

/* <controller type='usb' model=> names, by enum usb_model ("" first). */
extern const char *const usb_model_names[];

/* Whether @m is an ICH9 EHCI's UHCI companion. */
static inline bool usb_model_companion(enum usb_model m)
{
	return m >= USB_ICH9_UHCI1 && m <= USB_ICH9_UHCI3;
}

/* Adds @c (read from @n by the caller: model, index, ports, address) to
 * @dp->usb_more, with a companion's <master startport=> (libvirt's 0, 2,
 * 4 by model when absent). 0, or -EINVAL with @e. */
int domain_parse_usb_more(const xmlNode *n, struct domain_display *dp,
			  const struct domain_usb_ctl *c, struct err **e);

/* Once the devices are read: one controller per index and model, a
 * companion beside an ich9-ehci1 of its index, no two companions on
 * the same ports. 0 or -EINVAL with @e (pointing at @devs). */
int domain_usb_more_check(const xmlNode *devs, const struct domain_display *dp,
			  struct err **e);

/* The controller of index @index: its model (USB_ABSENT: none). */
enum usb_model domain_usb_model_of(const struct domain_display *dp,
				   unsigned index);

/* The <controller type='usb'> elements after index 0's, in their
 * order. */
void domain_format_usb_more(FILE *f, const struct domain_display *dp);
void domain_usb_more_clear(struct domain_display *dp);

/* 1 when @c is a <redirdev> or <redirfilter> and was added to @dp, 0
 * when it is another element, -errno with @e naming what is invalid. */
int domain_parse_redir_device(const xmlNode *c, struct domain_display *dp,
			      struct xml_warnings *w, struct err **e);
/* Once the devices are read: a redirdev's <boot order> unique among
 * the disks', host devices' and redirdevs', not beside <os><boot dev>.
 * 0 or -EINVAL with @e. */
int domain_redirdevs_check(const xmlNode *devs, const struct domain_def *d,
			   struct err **e);
/* <redirdev>s and <redirfilter>, after the host devices. */
void domain_format_redir(FILE *f, const struct domain_display *dp);

/* A <redirfilter> rule as QEMU's usb-redir filter= reads it, and as
 * libvirt writes it: "0x08:0x15E1:0x2007:0x0110:1" (-1 for any), in
 * @buf (REDIR_RULE_MAX bytes), returned. */
#define REDIR_RULE_MAX 64
const char *domain_redir_rule_str(const struct domain_redir_rule *r,
				  char buf[REDIR_RULE_MAX]);

#endif
