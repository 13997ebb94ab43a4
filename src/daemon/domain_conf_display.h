/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * <graphics type='spice'> and the <video> cards of a domain
 * (domain_conf_display.c): read into struct domain_display, written
 * back in libvirt's shapes. domain_conf_devices.c calls the parsers and
 * formatters; the qemu driver reads the name tables.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_DISPLAY_H
#define NIDO_DAEMON_DOMAIN_CONF_DISPLAY_H

#include <stdio.h>

#include "daemon/domain_conf.h"

#define DOMAIN_VIDEO_MAX 16

/* The names libvirt's XML uses, by enum value / field index; each
 * NULL-terminated. Index 0 of the option tables is "" (not given). */
extern const char *const video_model_names[];
extern const char *const spice_channel_names[];
extern const char *const spice_mode_names[];
extern const char *const spice_image_names[];
extern const char *const spice_wan_names[];
extern const char *const spice_on_off[];
extern const char *const spice_streaming_names[];
extern const char *const spice_yes_no[];
extern const char *const spice_mouse_names[];

/* A <graphics> other than VNC: SPICE into @dp->spice (allocated here),
 * others refused by name. 0 or -errno with @e filled. */
int domain_parse_graphics(const xmlNode *g, struct domain_display *dp,
			  struct xml_warnings *w, struct err **e);
/* @active: a running domain's (the ports nidod gave). */
void domain_format_spice(FILE *f, const struct domain_spice *s, bool active);
bool domain_spice_has_channels(const struct domain_spice *s);
/* Frees @s and what it holds; NULL is fine. */
void domain_spice_free(struct domain_spice *s);

/* One <video> appended to @dp->videos. */
int domain_parse_video(const xmlNode *v, struct domain_display *dp,
		       struct xml_warnings *w, struct err **e);
/* Once all are read: libvirt's rules on primary and secondary cards;
 * sets @dp->video to the primary's model. @node: where errors point. */
int domain_videos_check(const xmlNode *node, struct domain_display *dp,
			struct err **e);
/* The index in @dp->videos of the primary card (0 without any). */
size_t domain_video_primary(const struct domain_display *dp);
void domain_format_videos(FILE *f, const struct domain_display *dp);

/* <input> (PS/2, USB, virtio) and <hub type='usb'> into @dp; USB
 * <address port=> kept as given. domain_usb_check(), once all are
 * read: no port used twice, none behind a port without a hub. */
int domain_parse_input(const xmlNode *n, struct domain_display *dp,
		       struct xml_warnings *w, struct err **e);
int domain_parse_hub(const xmlNode *n, struct domain_display *dp,
		     struct xml_warnings *w, struct err **e);
int domain_usb_check(const xmlNode *node, const struct domain_display *dp,
		     struct err **e);
void domain_format_inputs(FILE *f, const struct domain_display *dp);
/* A device's <address type='usb' bus='0' port=> into @u; another
 * <address> into @pci when it may have one (NULL: refused). 0 or
 * -EINVAL with @e. Written back at 6 spaces. */
int domain_parse_usb_address(const xmlNode *dev, struct usb_addr *u,
			     struct dev_pci_addr *pci, struct xml_warnings *w,
			     struct err **e);
void domain_format_usb_address(FILE *f, const struct usb_addr *u);
/* How many of @dp's USB devices (inputs, hubs, sounds, redirdevs) sit
 * at @u's bus and port. domain_usb_addr_check(): @u's bus names a
 * controller; its port is one device's (@uses others beside @dp's: the
 * host devices') and behind a <hub> when it is a hub's. 0 or -EINVAL
 * with @e naming @what. */
size_t domain_usb_port_uses(const struct domain_display *dp,
			    const struct usb_addr *u);
int domain_usb_addr_check(const xmlNode *node, const struct domain_display *dp,
			  const struct usb_addr *u, size_t uses,
			  const char *what, struct err **e);
void domain_format_hubs(FILE *f, const struct domain_display *dp);
/* Whether @dp has devices on the USB controller. */
bool domain_has_usb_devices(const struct domain_display *dp);

/* <sound> with its <codec>s, <audio id>, <address> into @dp->sounds. */
extern const char *const sound_model_names[];
extern const char *const sound_codec_names[];
int domain_parse_sound(const xmlNode *n, struct domain_display *dp,
		       struct xml_warnings *w, struct err **e);
void domain_format_sounds(FILE *f, const struct domain_display *dp);

/* One <smartcard> into @dp->smartcard (allocated here). */
int domain_parse_smartcard(const xmlNode *n, struct domain_display *dp,
			   struct xml_warnings *w, struct err **e);
void domain_format_smartcard(FILE *f, const struct domain_display *dp);
void domain_smartcard_free(struct domain_smartcard *sc);

#endif
