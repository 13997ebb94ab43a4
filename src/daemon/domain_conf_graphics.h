/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What <graphics> says beyond VNC's and SPICE's servers
 * (domain_conf_graphics.c): VNC's sharePolicy=, powerControl= and
 * websocket=; both servers' passwdValidTo= and connected=; and the
 * displays QEMU draws itself, <graphics type='sdl'>, 'egl-headless' and
 * 'dbus'. domain_conf_devices.c and domain_conf_display.c call these.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_GRAPHICS_H
#define NIDO_DAEMON_DOMAIN_CONF_GRAPHICS_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* Index 0: not given. NULL-terminated. */
extern const char *const graphics_share_names[];
extern const char *const graphics_connected_names[];

/* passwdValidTo= (UTC, 'YYYY-MM-DDTHH:MM:SS') and connected= of @g into
 * @pw, which then owns what it holds. 0 or -EINVAL with @e filled. */
int domain_parse_graphics_passwd(const xmlNode *g, struct graphics_passwd *pw,
				 struct err **e);
/* The two attributes, each with its leading space. */
void domain_format_graphics_passwd(FILE *f, const struct graphics_passwd *pw);
/* passwdValidTo= as seconds since the epoch; -1 when @s is not one. */
long long domain_graphics_valid_to(const char *s);

/* VNC's sharePolicy=, powerControl=, websocket=, <audio id=> of @g
 * into @dp. */
int domain_parse_vnc_extra(const xmlNode *g, struct domain_display *dp,
			   struct xml_warnings *w, struct err **e);
/* Those three and the password's, each with its leading space;
 * domain_format_vnc_audio() its <audio id=> child, if any. */
void domain_format_vnc_audio(FILE *f, const struct domain_display *dp);
void domain_format_vnc_extra(FILE *f, const struct domain_display *dp);

/* <graphics type='sdl'|'egl-headless'|'dbus'> (@type) into @dp->local;
 * 1 when it is one of them, 0 when not (nothing read), or -EINVAL. */
int domain_parse_local_display(const xmlNode *g, const char *type,
			       struct domain_display *dp,
			       struct xml_warnings *w, struct err **e);
void domain_format_local_display(FILE *f, const struct domain_display *dp);
void domain_local_display_clear(struct domain_local_display *l);

#endif
