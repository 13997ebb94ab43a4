// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <graphics> beyond the VNC and SPICE servers' addresses
 * (domain_conf_graphics.h), read and written in libvirt's shapes. What
 * each becomes on QEMU's command line is driver-qemu-graphics.c's.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon/domain_conf_graphics.h"

const char *const graphics_share_names[] = {"", "allow-exclusive",
					    "force-shared", "ignore", NULL};
const char *const graphics_connected_names[] = {"", "keep", "disconnect",
						"fail", NULL};
static const char *const yes_no[] = {"yes", "no", NULL};
static const char *const tristate_yes_no[] = {"", "yes", "no"};

/* Attribute @attr of @n, 'yes' or 'no', into *@out (untouched when
 * absent). */
static int yes_no_attr(const xmlNode *n, const char *attr, const char *what,
		       enum domain_tristate *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	int r;

	if (!v)
		return 0;
	if ((r = xml_enum(n, what, v, yes_no, e)) < 0)
		return r;
	*out = r ? DOMAIN_TRISTATE_OFF : DOMAIN_TRISTATE_ON;
	return 0;
}

static void put_yes_no(FILE *f, const char *attr, enum domain_tristate v)
{
	if (v)
		fprintf(f, " %s='%s'", attr, tristate_yes_no[v]);
}

long long domain_graphics_valid_to(const char *s)
{
	struct tm tm = {0};
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	time_t t;

	if (!end || *end)
		return -1;
	t = timegm(&tm);
	return t < 0 ? -1 : (long long)t;
}

int domain_parse_graphics_passwd(const xmlNode *g, struct graphics_passwd *pw,
				 struct err **e)
{
	_cleanup_free_ char *conn = xml_attr(g, "connected");
	int r;

	pw->valid_to = xml_attr(g, "passwdValidTo");
	if (pw->valid_to && domain_graphics_valid_to(pw->valid_to) < 0)
		return xml_err(e, g,
			       "invalid passwdValidTo '%s' (UTC, as "
			       "2011-05-31T16:11:22)",
			       pw->valid_to);
	if (!conn)
		return 0;
	if ((r = xml_enum(g, "graphics connected", conn,
			  graphics_connected_names + 1, e)) < 0)
		return r;
	pw->connected = (unsigned char)(r + 1);
	return 0;
}

void domain_format_graphics_passwd(FILE *f, const struct graphics_passwd *pw)
{
	xml_put_attr(f, "passwdValidTo", pw->valid_to);
	if (pw->connected)
		fprintf(f, " connected='%s'",
			graphics_connected_names[pw->connected]);
}

/* websocket=: a port, as VNC's own port is given (libvirt's '-1', a
 * port picked at start, is not: QEMU would take 5700 plus the display,
 * which the autoport display does not say in advance). */
static int parse_websocket(const xmlNode *g, struct domain_display *dp,
			   struct err **e)
{
	_cleanup_free_ char *v = xml_attr(g, "websocket");
	uint64_t n;

	if (!v)
		return 0;
	if (streq(v, "-1"))
		return xml_err(e, g,
			       "websocket='-1' not supported (the qemu "
			       "driver picks no WebSocket port: give one)");
	if (xml_uint(g, "VNC websocket", v, 1, 65535, &n, e) < 0)
		return -EINVAL;
	dp->vnc_websocket = (int)n;
	return 0;
}

/* <audio id=>: the <audio> a display's clients hear. */
static int parse_display_audio(const xmlNode *g, unsigned *id,
			       struct xml_warnings *w, struct err **e)
{
	const xmlNode *a = xml_child(g, "audio");
	_cleanup_free_ char *v = a ? xml_attr(a, "id") : NULL;
	uint64_t n;

	if (!a)
		return 0;
	xml_check_known(a, (const char *const[]){"id", NULL}, NULL, w);
	if (!v)
		return xml_err(e, a, "<audio> without id");
	if (xml_uint(a, "audio id", v, 1, 255, &n, e) < 0)
		return -EINVAL;
	*id = (unsigned)n;
	return 0;
}

int domain_parse_vnc_extra(const xmlNode *g, struct domain_display *dp,
			   struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *share = xml_attr(g, "sharePolicy");
	int r;

	if (share) {
		if ((r = xml_enum(g, "VNC sharePolicy", share,
				  graphics_share_names + 1, e)) < 0)
			return r;
		dp->vnc_share = (unsigned char)(r + 1);
	}
	if (yes_no_attr(g, "powerControl", "VNC powerControl", &dp->vnc_power,
			e) < 0 ||
	    parse_websocket(g, dp, e) < 0 ||
	    parse_display_audio(g, &dp->vnc_audio, w, e) < 0 ||
	    domain_parse_graphics_passwd(g, &dp->vnc_pw, e) < 0)
		return -EINVAL;
	/* QEMU's set_password: VNC keeps its clients, whatever it is
	 * asked */
	if (dp->vnc_pw.connected > 1)
		return xml_err(e, g,
			       "<graphics type='vnc' connected='%s'> not "
			       "supported (QEMU's VNC server keeps its "
			       "clients when its password changes)",
			       graphics_connected_names[dp->vnc_pw.connected]);
	if (dp->vnc_websocket && (dp->vnc_socket || dp->vnc_listen_none))
		return xml_err(e, g,
			       "websocket= with <listen type='%s'>: the "
			       "WebSocket listens beside VNC's TCP port",
			       dp->vnc_socket ? "socket" : "none");
	return 0;
}

void domain_format_vnc_extra(FILE *f, const struct domain_display *dp)
{
	if (dp->vnc_websocket)
		fprintf(f, " websocket='%d'", dp->vnc_websocket);
	if (dp->vnc_share)
		fprintf(f, " sharePolicy='%s'",
			graphics_share_names[dp->vnc_share]);
	put_yes_no(f, "powerControl", dp->vnc_power);
	domain_format_graphics_passwd(f, &dp->vnc_pw);
}

void domain_format_vnc_audio(FILE *f, const struct domain_display *dp)
{
	if (dp->vnc_audio)
		fprintf(f, "      <audio id='%u'/>\n", dp->vnc_audio);
}

/* A render node: a device path QEMU opens (checked at start). */
static int parse_rendernode(const xmlNode *gl, char **out, struct err **e)
{
	*out = xml_attr(gl, "rendernode");
	if (*out && ((*out)[0] != '/' || strlen(*out) > 255 ||
		     strpbrk(*out, ",") || strstr(*out, "/..")))
		return xml_err(e, gl,
			       "<gl rendernode='%s'>: not an absolute path "
			       "without ',' or '..'",
			       *out);
	return 0;
}

/* <gl enable= rendernode=> of an sdl or dbus display. */
static int parse_gl(const xmlNode *g, enum domain_tristate *enable,
		    char **rendernode, struct xml_warnings *w, struct err **e)
{
	const xmlNode *gl = xml_child(g, "gl");

	if (!gl)
		return 0;
	xml_check_known(gl, (const char *const[]){"enable", "rendernode", NULL},
			NULL, w);
	if (yes_no_attr(gl, "enable", "gl enable", enable, e) < 0)
		return -EINVAL;
	if (!*enable)
		return xml_err(e, gl, "<gl> without enable");
	if (rendernode && parse_rendernode(gl, rendernode, e) < 0)
		return -EINVAL;
	if (rendernode && *rendernode && *enable != DOMAIN_TRISTATE_ON)
		return xml_err(e, gl, "<gl rendernode> with enable='no'");
	return 0;
}

static int parse_sdl(const xmlNode *g, struct domain_local_display *l,
		     struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "display", "xauth",
					    "fullscreen", NULL};

	xml_check_known(g, attrs, (const char *const[]){"gl", NULL}, w);
	l->sdl = true;
	l->sdl_display = xml_attr(g, "display");
	l->sdl_xauth = xml_attr(g, "xauth");
	if (l->sdl_display &&
	    (!*l->sdl_display || strlen(l->sdl_display) > 255 ||
	     strpbrk(l->sdl_display, "\n=")))
		return xml_err(e, g, "invalid sdl display '%s'",
			       l->sdl_display);
	if (l->sdl_xauth &&
	    (l->sdl_xauth[0] != '/' || strlen(l->sdl_xauth) > 4095 ||
	     strpbrk(l->sdl_xauth, "\n")))
		return xml_err(e, g, "sdl xauth '%s': not an absolute path",
			       l->sdl_xauth);
	if (yes_no_attr(g, "fullscreen", "sdl fullscreen", &l->sdl_fullscreen,
			e) < 0)
		return -EINVAL;
	return parse_gl(g, &l->sdl_gl, NULL, w, e);
}

static int parse_egl(const xmlNode *g, struct domain_local_display *l,
		     struct xml_warnings *w, struct err **e)
{
	const xmlNode *gl = xml_child(g, "gl");

	xml_check_known(g, (const char *const[]){"type", NULL},
			(const char *const[]){"gl", NULL}, w);
	l->egl = true;
	if (!gl)
		return 0;
	xml_check_known(gl, (const char *const[]){"rendernode", NULL}, NULL, w);
	return parse_rendernode(gl, &l->egl_rendernode, e);
}

/* address='unix:path=...': a D-Bus address QEMU connects to. */
static int parse_dbus(const xmlNode *g, struct domain_local_display *l,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "address", "p2p", NULL};
	xml_check_known(g, attrs, (const char *const[]){"gl", "audio", NULL},
			w);
	l->dbus = true;
	l->dbus_address = xml_attr(g, "address");
	if (l->dbus_address &&
	    (!str_has_prefix(l->dbus_address, "unix:path=/") ||
	     strlen(l->dbus_address) > 118 || strpbrk(l->dbus_address, ",;")))
		return xml_err(e, g,
			       "dbus address '%s' not supported (unix:path= "
			       "and an absolute path of a socket)",
			       l->dbus_address);
	if (yes_no_attr(g, "p2p", "dbus p2p", &l->dbus_p2p, e) < 0)
		return -EINVAL;
	if (l->dbus_address && l->dbus_p2p == DOMAIN_TRISTATE_ON)
		return xml_err(e, g,
			       "dbus address= with p2p='yes' (a bus, or "
			       "peer-to-peer)");
	if (parse_display_audio(g, &l->dbus_audio, w, e) < 0)
		return -EINVAL;
	return parse_gl(g, &l->dbus_gl, &l->dbus_rendernode, w, e);
}

int domain_parse_local_display(const xmlNode *g, const char *type,
			       struct domain_display *dp,
			       struct xml_warnings *w, struct err **e)
{
	struct domain_local_display *l = &dp->local;
	bool sdl = streq(type, "sdl"), egl = streq(type, "egl-headless");

	if (!sdl && !egl && !streq(type, "dbus"))
		return 0;
	if ((sdl && l->sdl) || (egl && l->egl) || (!sdl && !egl && l->dbus))
		return xml_err(e, g, "a second <graphics type='%s'>", type);
	if (sdl)
		return parse_sdl(g, l, w, e) < 0 ? -EINVAL : 1;
	if (egl)
		return parse_egl(g, l, w, e) < 0 ? -EINVAL : 1;
	return parse_dbus(g, l, w, e) < 0 ? -EINVAL : 1;
}

static void format_gl(FILE *f, enum domain_tristate en, const char *node)
{
	fputs("      <gl", f);
	put_yes_no(f, "enable", en);
	xml_put_attr(f, "rendernode", node);
	fputs("/>\n", f);
}

void domain_format_local_display(FILE *f, const struct domain_display *dp)
{
	const struct domain_local_display *l = &dp->local;

	if (l->sdl) {
		fputs("    <graphics type='sdl'", f);
		xml_put_attr(f, "display", l->sdl_display);
		xml_put_attr(f, "xauth", l->sdl_xauth);
		put_yes_no(f, "fullscreen", l->sdl_fullscreen);
		fputs(l->sdl_gl ? ">\n" : "/>\n", f);
		if (l->sdl_gl) {
			format_gl(f, l->sdl_gl, NULL);
			fputs("    </graphics>\n", f);
		}
	}
	if (l->egl && !l->egl_rendernode) {
		fputs("    <graphics type='egl-headless'/>\n", f);
	} else if (l->egl) {
		fputs("    <graphics type='egl-headless'>\n", f);
		format_gl(f, DOMAIN_TRISTATE_ABSENT, l->egl_rendernode);
		fputs("    </graphics>\n", f);
	}
	if (!l->dbus)
		return;
	fputs("    <graphics type='dbus'", f);
	xml_put_attr(f, "address", l->dbus_address);
	put_yes_no(f, "p2p", l->dbus_p2p);
	if (!l->dbus_gl && !l->dbus_audio) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (l->dbus_gl)
		format_gl(f, l->dbus_gl, l->dbus_rendernode);
	if (l->dbus_audio)
		fprintf(f, "      <audio id='%u'/>\n", l->dbus_audio);
	fputs("    </graphics>\n", f);
}

void domain_local_display_clear(struct domain_local_display *l)
{
	free(l->sdl_display);
	free(l->sdl_xauth);
	free(l->egl_rendernode);
	free(l->dbus_address);
	free(l->dbus_rendernode);
	memset(l, 0, sizeof(*l));
}
