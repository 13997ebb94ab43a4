// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <graphics type='spice'> and the <video> cards (domain_conf_display.h),
 * read and written in libvirt's shapes. What each value becomes on
 * QEMU's command line is driver-qemu-argv-display.c's.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>

#include "daemon/domain_conf_display.h"
#include "daemon/domain_conf_graphics.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_virtio.h"

const char *const video_model_names[] = {
	"", "vga", "cirrus", "virtio", "none", "qxl", "bochs", "ramfb", NULL};
const char *const spice_channel_names[] = {"main",	"display",  "inputs",
					   "cursor",	"playback", "record",
					   "smartcard", "usbredir", NULL};
const char *const spice_mode_names[] = {"any", "secure", "insecure", NULL};
/* index 0 of each: not given */
const char *const spice_image_names[] = {"",	"auto_glz", "auto_lz", "quic",
					 "glz", "lz",	    "off",     NULL};
const char *const spice_wan_names[] = {"", "auto", "never", "always", NULL};
const char *const spice_on_off[] = {"", "on", "off", NULL};
const char *const spice_streaming_names[] = {"", "filter", "all", "off", NULL};
const char *const spice_yes_no[] = {"", "yes", "no", NULL};
const char *const spice_mouse_names[] = {"", "server", "client", NULL};

/* An IPv4 or IPv6 address, as inet_pton reads it. */
static bool is_address(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

/* A port attribute: absent 0, '-1' -1 (picked at start), else 1..65535. */
static int parse_port(const xmlNode *g, const char *attr, int *out,
		      struct err **e)
{
	_cleanup_free_ char *v = xml_attr(g, attr);
	uint64_t n;

	*out = 0;
	if (!v)
		return 0;
	if (streq(v, "-1")) {
		*out = -1;
		return 0;
	}
	if (xml_uint(g, attr, v, 0, 65535, &n, e) < 0)
		return -EINVAL;
	*out = (int)n;
	return 0;
}

/* A child's one attribute @attr as an index into @names (from 1):
 * <image compression='auto_glz'/> and the like. */
static int parse_choice(const xmlNode *g, const char *elem, const char *attr,
			const char *const *names, unsigned char *out,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(g, elem);
	_cleanup_free_ char *v = NULL;
	_cleanup_free_ char *what = NULL;
	const char *const only[] = {attr, NULL};
	int r;

	if (!n)
		return 0;
	xml_check_known(n, only, NULL, w);
	v = xml_attr(n, attr);
	what = xasprintf("spice <%s %s>", elem, attr);
	if (!v)
		return xml_err(e, n, "<%s> without %s", elem, attr);
	if ((r = xml_enum(n, what, v, names + 1, e)) < 0)
		return r;
	*out = (unsigned char)(r + 1);
	return 0;
}

/* <listen type='address|socket|none'>: one of them. */
static int parse_spice_listen(const xmlNode *g, struct domain_spice *s,
			      struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "address", "socket", NULL};
	const xmlNode *l = xml_child(g, "listen");
	_cleanup_free_ char *type = l ? xml_attr(l, "type") : NULL;

	for (const xmlNode *n = l ? l->next : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, BAD_CAST "listen"))
			return xml_err(e, n,
				       "a second <listen>: SPICE listens "
				       "on one address or socket");
	if (!l)
		return 0;
	xml_check_known(l, attrs, NULL, w);
	if (!type || streq(type, "address")) {
		if (!s->listen)
			s->listen = xml_attr(l, "address");
		return 0;
	}
	if (s->listen)
		return xml_err(e, g, "listen='%s' with <listen type='%s'>",
			       s->listen, type);
	if (streq(type, "none")) {
		s->listen_none = true;
		return 0;
	}
	if (!streq(type, "socket"))
		return xml_err(e, l,
			       "<listen type='%s'> not supported (address, "
			       "socket, none)",
			       type);
	s->socket = xml_attr(l, "socket");
	if (!s->socket)
		return xml_err(e, l,
			       "<listen type='socket'> without socket= (the "
			       "qemu driver makes no socket of its own)");
	if (s->socket[0] != '/' || strlen(s->socket) > 107)
		return xml_err(e, l,
			       "<listen socket='%s'>: not an absolute path of "
			       "at most 107 bytes",
			       s->socket);
	return 0;
}

/* <channel name= mode=>, each name once. */
static int parse_spice_channels(const xmlNode *g, struct domain_spice *s,
				struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"name", "mode", NULL};
	bool seen[SPICE_CHANNELS] = {false};

	for (const xmlNode *n = g->children; n; n = n->next) {
		_cleanup_free_ char *name = NULL, *mode = NULL;
		int c, m;

		if (n->type != XML_ELEMENT_NODE ||
		    !xmlStrEqual(n->name, BAD_CAST "channel"))
			continue;
		xml_check_known(n, attrs, NULL, w);
		name = xml_attr(n, "name");
		mode = xml_attr(n, "mode");
		if (!name || !mode)
			return xml_err(e, n,
				       "spice <channel> needs name and "
				       "mode");
		if ((c = xml_enum(n, "spice channel", name, spice_channel_names,
				  e)) < 0 ||
		    (m = xml_enum(n, "spice channel mode", mode,
				  spice_mode_names, e)) < 0)
			return -EINVAL;
		if (seen[c])
			return xml_err(e, n, "spice channel '%s' given twice",
				       name);
		seen[c] = true;
		s->channel[c] = (enum spice_mode)m;
	}
	return 0;
}

/* <gl enable= rendernode=>: OpenGL on a host GPU's render node (the
 * start checks there is one). */
static int parse_spice_gl(const xmlNode *gl, struct domain_spice *s,
			  struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *v = gl ? xml_attr(gl, "enable") : NULL;
	int r;

	if (!gl)
		return 0;
	xml_check_known(gl, (const char *const[]){"enable", "rendernode", NULL},
			NULL, w);
	if (!v)
		return xml_err(e, gl, "<gl> without enable");
	if ((r = xml_enum(gl, "spice <gl enable>", v, spice_yes_no + 1, e)) < 0)
		return r;
	s->gl = (unsigned char)(r + 1);
	s->rendernode = xml_attr(gl, "rendernode");
	if (s->rendernode && s->gl != 1)
		return xml_err(e, gl, "<gl rendernode> with enable='no'");
	if (s->rendernode &&
	    (s->rendernode[0] != '/' || strlen(s->rendernode) > 255 ||
	     strpbrk(s->rendernode, ",") || strstr(s->rendernode, "/..")))
		return xml_err(e, gl,
			       "<gl rendernode='%s'>: not an absolute path "
			       "without ',' or '..'",
			       s->rendernode);
	return 0;
}

static int parse_spice_options(const xmlNode *g, struct domain_spice *s,
			       struct xml_warnings *w, struct err **e)
{
	const xmlNode *gl = xml_child(g, "gl");

	if (parse_choice(g, "image", "compression", spice_image_names,
			 &s->image, w, e) < 0 ||
	    parse_choice(g, "jpeg", "compression", spice_wan_names, &s->jpeg, w,
			 e) < 0 ||
	    parse_choice(g, "zlib", "compression", spice_wan_names, &s->zlib, w,
			 e) < 0 ||
	    parse_choice(g, "playback", "compression", spice_on_off,
			 &s->playback, w, e) < 0 ||
	    parse_choice(g, "streaming", "mode", spice_streaming_names,
			 &s->streaming, w, e) < 0 ||
	    parse_choice(g, "clipboard", "copypaste", spice_yes_no,
			 &s->copypaste, w, e) < 0 ||
	    parse_choice(g, "filetransfer", "enable", spice_yes_no,
			 &s->filetransfer, w, e) < 0 ||
	    parse_choice(g, "mouse", "mode", spice_mouse_names, &s->mouse, w,
			 e) < 0 ||
	    parse_spice_gl(gl, s, w, e) < 0)
		return -EINVAL;
	return 0;
}

/* port=, tlsPort=, autoport=: what nidod or the definition picks. */
static int parse_spice_ports(const xmlNode *g, struct domain_spice *s,
			     struct err **e)
{
	_cleanup_free_ char *autoport = xml_attr(g, "autoport");

	if (parse_port(g, "port", &s->port, e) < 0 ||
	    parse_port(g, "tlsPort", &s->tls_port, e) < 0)
		return -EINVAL;
	if (autoport && !streq(autoport, "yes") && !streq(autoport, "no"))
		return xml_err(e, g, "invalid autoport '%s' (yes, no)",
			       autoport);
	/* libvirt: autoport='yes' (or a port of -1) has both picked */
	s->autoport = (autoport && streq(autoport, "yes")) || s->port < 0 ||
		      s->tls_port < 0;
	if (s->autoport && autoport && streq(autoport, "no"))
		return xml_err(e, g, "autoport='no' with a port of -1");
	if (s->autoport)
		s->port = s->tls_port = -1;
	return 0;
}

static int parse_spice(const xmlNode *g, struct domain_display *dp,
		       struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {
		"type",	  "port",	 "tlsPort",	  "autoport",  "listen",
		"passwd", "defaultMode", "passwdValidTo", "connected", NULL};
	static const char *const children[] = {
		"listen",	"channel",  "image",	 "jpeg",
		"zlib",		"playback", "streaming", "clipboard",
		"filetransfer", "mouse",    "gl",	 NULL};
	_cleanup_free_ char *mode = xml_attr(g, "defaultMode");
	struct domain_spice *s;
	int r;

	if (dp->spice)
		return xml_err(e, g, "a second <graphics type='spice'>");
	s = dp->spice = xcalloc(1, sizeof(*s));
	xml_check_known(g, attrs, children, w);
	if (parse_spice_ports(g, s, e) < 0)
		return -EINVAL;
	if (mode) {
		if ((r = xml_enum(g, "spice defaultMode", mode,
				  spice_mode_names, e)) < 0)
			return r;
		s->default_mode = (enum spice_mode)r;
	}
	s->passwd = xml_attr(g, "passwd");
	if (domain_parse_graphics_passwd(g, &s->pw, e) < 0)
		return -EINVAL;
	s->listen = xml_attr(g, "listen");
	if (parse_spice_listen(g, s, w, e) < 0 ||
	    parse_spice_channels(g, s, w, e) < 0 ||
	    parse_spice_options(g, s, w, e) < 0)
		return -EINVAL;
	if (s->listen && !is_address(s->listen))
		return xml_err(e, g,
			       "graphics listen '%s': not an IPv4 or IPv6 "
			       "address",
			       s->listen);
	if ((s->socket || s->listen_none) && (s->port > 0 || s->tls_port > 0))
		return xml_err(e, g, "spice <listen type='%s'> with a port",
			       s->socket ? "socket" : "none");
	return 0;
}

int domain_parse_graphics(const xmlNode *g, struct domain_display *dp,
			  struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(g, "type");

	int r;

	if (type && streq(type, "spice"))
		return parse_spice(g, dp, w, e);
	if (type && (r = domain_parse_local_display(g, type, dp, w, e)) != 0)
		return r < 0 ? r : 0;
	return xml_err(e, g,
		       "graphics type '%s' not supported (vnc, spice, sdl, "
		       "egl-headless, dbus)",
		       type ? type : "");
}

static void format_spice_children(FILE *f, const struct domain_spice *s)
{
	if (s->listen) {
		fputs("      <listen type='address'", f);
		xml_put_attr(f, "address", s->listen);
		fputs("/>\n", f);
	} else if (s->socket) {
		fputs("      <listen type='socket'", f);
		xml_put_attr(f, "socket", s->socket);
		fputs("/>\n", f);
	} else if (s->listen_none) {
		fputs("      <listen type='none'/>\n", f);
	}
	for (int c = 0; c < SPICE_CHANNELS; c++)
		if (s->channel[c])
			fprintf(f, "      <channel name='%s' mode='%s'/>\n",
				spice_channel_names[c],
				spice_mode_names[s->channel[c]]);
#define CHOICE(field, elem, attr, names)                        \
	if (s->field)                                           \
		fprintf(f, "      <" elem " " attr "='%s'/>\n", \
			names[s->field]);
	CHOICE(image, "image", "compression", spice_image_names)
	CHOICE(jpeg, "jpeg", "compression", spice_wan_names)
	CHOICE(zlib, "zlib", "compression", spice_wan_names)
	CHOICE(playback, "playback", "compression", spice_on_off)
	CHOICE(streaming, "streaming", "mode", spice_streaming_names)
	CHOICE(copypaste, "clipboard", "copypaste", spice_yes_no)
	CHOICE(mouse, "mouse", "mode", spice_mouse_names)
	CHOICE(filetransfer, "filetransfer", "enable", spice_yes_no)
#undef CHOICE
	if (s->gl) {
		fprintf(f, "      <gl enable='%s'", spice_yes_no[s->gl]);
		xml_put_attr(f, "rendernode", s->rendernode);
		fputs("/>\n", f);
	}
}

void domain_format_spice(FILE *f, const struct domain_spice *s, bool active)
{
	/* autoport: the ports a running domain has, else none */
	int port = s->autoport ? (active ? s->port_live : 0) : s->port;
	int tls = s->autoport ? (active ? s->tls_port_live : 0) : s->tls_port;

	fputs("    <graphics type='spice'", f);
	if (port)
		fprintf(f, " port='%d'", port);
	if (tls)
		fprintf(f, " tlsPort='%d'", tls);
	fprintf(f, " autoport='%s'", s->autoport ? "yes" : "no");
	if (s->listen)
		xml_put_attr(f, "listen", s->listen);
	if (s->passwd)
		xml_put_attr(f, "passwd", s->passwd);
	domain_format_graphics_passwd(f, &s->pw);
	if (s->default_mode)
		fprintf(f, " defaultMode='%s'",
			spice_mode_names[s->default_mode]);
	if (!s->listen && !s->socket && !s->listen_none && !s->image &&
	    !s->jpeg && !s->zlib && !s->playback && !s->streaming &&
	    !s->copypaste && !s->filetransfer && !s->mouse && !s->gl &&
	    !domain_spice_has_channels(s)) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	format_spice_children(f, s);
	fputs("    </graphics>\n", f);
}

bool domain_spice_has_channels(const struct domain_spice *s)
{
	for (int c = 0; c < SPICE_CHANNELS; c++)
		if (s->channel[c])
			return true;
	return false;
}

void domain_spice_free(struct domain_spice *s)
{
	if (!s)
		return;
	free(s->listen);
	free(s->socket);
	free(s->passwd);
	free(s->pw.valid_to);
	free(s->rendernode);
	free(s);
}

/* <model ram= vram= vram64= vgamem= heads=>, sizes in KiB. */
static int parse_video_sizes(const xmlNode *m, struct domain_video *v,
			     struct err **e)
{
	static const char *const names[] = {"ram", "vram", "vram64", "vgamem",
					    "heads"};
	unsigned *fields[] = {&v->ram, &v->vram, &v->vram64, &v->vgamem,
			      &v->heads};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *s = xml_attr(m, names[i]);
		_cleanup_free_ char *what = xasprintf("video %s", names[i]);
		bool heads = i == ARRAY_SIZE(names) - 1;
		uint64_t n;

		if (!s)
			continue;
		/* up to 1 GiB, as QEMU's qxl takes (its sizes are in
		 * 32-bit bytes) */
		if (xml_uint(m, what, s, 1, heads ? 16 : 1u << 20, &n, e) < 0)
			return -EINVAL;
		*fields[i] = (unsigned)n;
	}
	return 0;
}

/* <acceleration accel3d=> of a virtio card: QEMU's virgl devices. */
static int parse_acceleration(const xmlNode *m, struct domain_video *v,
			      struct xml_warnings *w, struct err **e)
{
	const xmlNode *acc = xml_child(m, "acceleration");
	_cleanup_free_ char *a3 = acc ? xml_attr(acc, "accel3d") : NULL;
	int r;

	if (!acc)
		return 0;
	xml_check_known(acc, (const char *const[]){"accel3d", NULL}, NULL, w);
	if (v->model != VIDEO_VIRTIO)
		return xml_err(e, acc,
			       "<acceleration> on video model '%s' (virtio "
			       "only)",
			       video_model_names[v->model]);
	if (!a3)
		return 0;
	if ((r = xml_enum(acc, "acceleration accel3d", a3,
			  (const char *const[]){"yes", "no", NULL}, e)) < 0)
		return r;
	v->accel3d = r ? DOMAIN_TRISTATE_OFF : DOMAIN_TRISTATE_ON;
	return 0;
}

/* <driver name='qemu' iommu= ...>: a virtio card's virtio options;
 * vhost-user's GPU (name='vhostuser') is refused by name. */
static int parse_video_driver(const xmlNode *vn, struct domain_video *v,
			      struct xml_warnings *w, struct err **e)
{
	const xmlNode *d = xml_child(vn, "driver");
	_cleanup_free_ char *name = d ? xml_attr(d, "name") : NULL;

	if (!d)
		return 0;
	xml_check_known(d,
			(const char *const[]){"name", "iommu", "ats", "packed",
					      "page_per_vq", NULL},
			NULL, w);
	if (name && !streq(name, "qemu"))
		return xml_err(e, d,
			       "<driver name='%s'> not supported (qemu: "
			       "QEMU's own card; vhost-user GPUs are not run "
			       "by nido)",
			       name);
	if (domain_virtio_opts_parse(d, &v->virtio, e) < 0)
		return -EINVAL;
	if (v->model != VIDEO_VIRTIO && domain_virtio_opts_any(&v->virtio))
		return xml_err(e, d,
			       "<driver> virtio options on a video model "
			       "'%s': only a virtio card has them",
			       video_model_names[v->model]);
	return 0;
}

static int parse_one_video(const xmlNode *vn, struct domain_video *v,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type",    "ram",	 "vram",
					    "vram64",  "vgamem", "heads",
					    "primary", NULL};
	const xmlNode *m = xml_child(vn, "model");
	_cleanup_free_ char *type = m ? xml_attr(m, "type") : NULL;
	_cleanup_free_ char *primary = m ? xml_attr(m, "primary") : NULL;
	int r;

	xml_check_known(
		vn, NULL,
		(const char *const[]){"model", "address", "driver", NULL}, w);
	if (!type)
		return xml_err(e, vn, "<video> without <model type>");
	xml_check_known(m, attrs, (const char *const[]){"acceleration", NULL},
			w);
	if ((r = xml_enum(m, "video model", type, video_model_names + 1, e)) <
	    0)
		return r;
	v->model = (enum video_model)(r + 1);
	if (v->model == VIDEO_RAMFB && xml_child(vn, "address"))
		return xml_err(e, vn,
			       "an <address> on a ramfb card (it is not on "
			       "PCI)");
	if (primary && !streq(primary, "yes") && !streq(primary, "no"))
		return xml_err(e, m, "invalid video primary '%s' (yes, no)",
			       primary);
	if (primary)
		v->primary = streq(primary, "yes") ? DOMAIN_TRISTATE_ON
						   : DOMAIN_TRISTATE_OFF;
	if (parse_video_sizes(m, v, e) < 0 ||
	    parse_acceleration(m, v, w, e) < 0 ||
	    parse_video_driver(vn, v, w, e) < 0)
		return -EINVAL;
	return domain_parse_address(vn, &v->pci, NULL, e);
}

int domain_parse_video(const xmlNode *vn, struct domain_display *dp,
		       struct xml_warnings *w, struct err **e)
{
	struct domain_video *v;

	if (dp->n_videos == DOMAIN_VIDEO_MAX)
		return xml_err(e, vn, "more than %d <video> cards",
			       DOMAIN_VIDEO_MAX);
	dp->videos =
		xrealloc(dp->videos, (dp->n_videos + 1) * sizeof(*dp->videos));
	v = &dp->videos[dp->n_videos++];
	*v = (struct domain_video){0};
	return parse_one_video(vn, v, w, e);
}

size_t domain_video_primary(const struct domain_display *dp)
{
	for (size_t i = 0; i < dp->n_videos; i++)
		if (dp->videos[i].primary == DOMAIN_TRISTATE_ON)
			return i;
	return 0;
}

/* libvirt's rules: one primary, and a second card is one that can be
 * secondary (a qxl or virtio one). Sets @dp->video. */
int domain_videos_check(const xmlNode *node, struct domain_display *dp,
			struct err **e)
{
	size_t p = domain_video_primary(dp), n_primary = 0;

	for (size_t i = 0; i < dp->n_videos; i++) {
		const struct domain_video *v = &dp->videos[i];

		n_primary += v->primary == DOMAIN_TRISTATE_ON;
		if (i != p && v->model != VIDEO_QXL && v->model != VIDEO_VIRTIO)
			return xml_err(e, node,
				       "<video> model '%s' as a second card "
				       "(only qxl and virtio can be)",
				       video_model_names[v->model]);
	}
	if (n_primary > 1)
		return xml_err(e, node, "more than one primary <video>");
	dp->video = dp->n_videos ? dp->videos[p].model : VIDEO_ABSENT;
	return 0;
}

void domain_format_videos(FILE *f, const struct domain_display *dp)
{
	for (size_t i = 0; i < dp->n_videos; i++) {
		const struct domain_video *v = &dp->videos[i];

		fputs("    <video>\n", f);
		domain_virtio_driver_format(f, 6, &v->virtio);
		fprintf(f, "      <model type='%s'",
			video_model_names[v->model]);
		if (v->ram)
			fprintf(f, " ram='%u'", v->ram);
		if (v->vram)
			fprintf(f, " vram='%u'", v->vram);
		if (v->vram64)
			fprintf(f, " vram64='%u'", v->vram64);
		if (v->vgamem)
			fprintf(f, " vgamem='%u'", v->vgamem);
		if (v->heads)
			fprintf(f, " heads='%u'", v->heads);
		if (v->primary)
			fprintf(f, " primary='%s'",
				v->primary == DOMAIN_TRISTATE_ON ? "yes"
								 : "no");
		if (v->accel3d)
			fprintf(f,
				">\n        <acceleration accel3d='%s'/>\n"
				"      </model>\n",
				v->accel3d == DOMAIN_TRISTATE_ON ? "yes"
								 : "no");
		else
			fputs("/>\n", f);
		domain_format_pci_address(f, 6, &v->pci);
		fputs("    </video>\n", f);
	}
}

static const char *const input_type_names[] = {"mouse", "keyboard", "tablet",
					       NULL};
static const char *const input_bus_names[] = {"usb", "virtio", NULL};

/* A USB port path: 1 to 4 numbers from 1 to 15, by dots ("1", "1.2":
 * port 2 of the hub on port 1). */
static bool usb_port_valid(const char *s)
{
	int depth = 0;

	while (*s) {
		char *end;
		unsigned long n;

		if (!isdigit((unsigned char)*s))
			return false;
		n = strtoul(s, &end, 10);
		if (n < 1 || n > 15 || ++depth > 4)
			return false;
		s = end;
		if (*s == '.' && !*++s)
			return false;
		else if (*s && *s != '.' && !isdigit((unsigned char)*s))
			return false;
	}
	return depth > 0;
}

/* <address type='usb' bus='0' port='P'> of @dev into @port ("" when
 * absent or without a port); a PCI one into @pci when that is allowed. */
static int parse_usb_address(const xmlNode *dev, struct usb_addr *u,
			     struct dev_pci_addr *pci, struct xml_warnings *w,
			     struct err **e)
{
	const xmlNode *a = xml_child(dev, "address");
	_cleanup_free_ char *type = a ? xml_attr(a, "type") : NULL;
	_cleanup_free_ char *bus = NULL, *p = NULL;

	*u = (struct usb_addr){0};
	if (!a || !type || !streq(type, "usb"))
		return domain_parse_address(dev, pci, NULL, e);
	u->set = true;
	xml_check_known(a, (const char *const[]){"type", "bus", "port", NULL},
			NULL, w);
	bus = xml_attr(a, "bus");
	p = xml_attr(a, "port");
	if (bus && !streq(bus, "0"))
		return xml_err(e, a,
			       "USB bus '%s': the qemu driver has one USB "
			       "controller (bus 0)",
			       bus);
	if (!p)
		return 0;
	if (strlen(p) >= USB_PORT_LEN || !usb_port_valid(p))
		return xml_err(e, a,
			       "USB port '%s': not a port path (1 to 4 ports "
			       "from 1 to 15, by dots)",
			       p);
	strcpy(u->port, p);
	return 0;
}

/* <input type= bus=>: PS/2's into its flags, USB and virtio ones into
 * @dp->inputs. */
int domain_parse_input(const xmlNode *n, struct domain_display *dp,
		       struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(n, "type");
	_cleanup_free_ char *bus = xml_attr(n, "bus");
	struct domain_input in = {0};
	int t, b;

	xml_check_known(n, (const char *const[]){"type", "bus", NULL},
			(const char *const[]){"address", "driver", NULL}, w);
	if (type && (!bus || streq(bus, "ps2")) &&
	    (streq(type, "mouse") || streq(type, "keyboard"))) {
		*(streq(type, "mouse") ? &dp->ps2_mouse : &dp->ps2_keyboard) =
			true;
		return 0;
	}
	/* a tablet is USB's by default */
	if (type && streq(type, "tablet") && !bus)
		bus = xstrdup("usb");
	if (!type || !bus ||
	    (t = xml_enum(n, "input type", type, input_type_names, NULL)) < 0 ||
	    (b = xml_enum(n, "input bus", bus, input_bus_names, NULL)) < 0)
		return xml_err(e, n,
			       "<input type='%s' bus='%s'> not supported "
			       "(mouse, keyboard, tablet on usb or virtio; "
			       "mouse and keyboard on ps2)",
			       type ? type : "", bus ? bus : "");
	in.type = (enum input_type)t;
	in.bus = (enum input_bus)b;
	if (parse_usb_address(n, &in.usb,
			      in.bus == INPUT_BUS_VIRTIO ? &in.pci : NULL, w,
			      e) < 0)
		return -EINVAL;
	if (in.bus == INPUT_BUS_VIRTIO && in.usb.set)
		return xml_err(e, n, "a USB <address> on a virtio <input>");
	if (domain_virtio_driver_parse(n, &in.virtio, w, e) < 0)
		return -EINVAL;
	if (in.bus != INPUT_BUS_VIRTIO && domain_virtio_opts_any(&in.virtio))
		return xml_err(e, n,
			       "<driver> virtio options on a <input "
			       "bus='%s'>: only a virtio one has them",
			       bus);
	dp->inputs =
		xrealloc(dp->inputs, (dp->n_inputs + 1) * sizeof(*dp->inputs));
	dp->inputs[dp->n_inputs++] = in;
	return 0;
}

int domain_parse_hub(const xmlNode *n, struct domain_display *dp,
		     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(n, "type");
	struct usb_addr u;

	xml_check_known(n, (const char *const[]){"type", NULL},
			(const char *const[]){"address", NULL}, w);
	if (!type || !streq(type, "usb"))
		return xml_err(e, n, "<hub type='%s'> not supported (usb)",
			       type ? type : "");
	if (parse_usb_address(n, &u, NULL, w, e) < 0)
		return -EINVAL;
	dp->hubs = xrealloc(dp->hubs, (dp->n_hubs + 1) * sizeof(*dp->hubs));
	dp->hubs[dp->n_hubs++] = u;
	return 0;
}

/* Whether @port is taken twice, or is behind a port that has no hub. */
static int check_usb_port(const xmlNode *node, const struct domain_display *dp,
			  const char *port, const char *what, struct err **e)
{
	size_t uses = 0,
	       parent = strrchr(port, '.') ? strrchr(port, '.') - port : 0;
	bool hub = !parent;

	for (size_t i = 0; i < dp->n_inputs; i++)
		uses += streq(dp->inputs[i].usb.port, port);
	for (size_t i = 0; i < dp->n_sounds; i++)
		uses += streq(dp->sounds[i].usb.port, port);
	for (size_t i = 0; i < dp->n_hubs; i++) {
		uses += streq(dp->hubs[i].port, port);
		hub |= strlen(dp->hubs[i].port) == parent &&
		       !strncmp(dp->hubs[i].port, port, parent);
	}
	if (uses > 1)
		return xml_err(e, node, "USB port '%s' used twice", port);
	if (!hub)
		return xml_err(e, node,
			       "%s on USB port '%s': no <hub> on port "
			       "'%.*s'",
			       what, port, (int)parent, port);
	return 0;
}

int domain_usb_check(const xmlNode *node, const struct domain_display *dp,
		     struct err **e)
{
	for (size_t i = 0; i < dp->n_inputs; i++)
		if (dp->inputs[i].usb.port[0] &&
		    check_usb_port(node, dp, dp->inputs[i].usb.port, "<input>",
				   e) < 0)
			return -EINVAL;
	for (size_t i = 0; i < dp->n_hubs; i++)
		if (dp->hubs[i].port[0] &&
		    check_usb_port(node, dp, dp->hubs[i].port, "<hub>", e) < 0)
			return -EINVAL;
	for (size_t i = 0; i < dp->n_sounds; i++)
		if (dp->sounds[i].usb.port[0] &&
		    check_usb_port(node, dp, dp->sounds[i].usb.port, "<sound>",
				   e) < 0)
			return -EINVAL;
	return 0;
}

static void format_usb_address(FILE *f, const struct usb_addr *u)
{
	fputs("      <address type='usb' bus='0'", f);
	if (u->port[0])
		fprintf(f, " port='%s'", u->port);
	fputs("/>\n", f);
}

void domain_format_inputs(FILE *f, const struct domain_display *dp)
{
	for (size_t i = 0; i < dp->n_inputs; i++) {
		const struct domain_input *in = &dp->inputs[i];
		bool inner = in->usb.set || in->pci.set ||
			     domain_virtio_opts_any(&in->virtio);

		fprintf(f, "    <input type='%s' bus='%s'%s\n",
			input_type_names[in->type], input_bus_names[in->bus],
			inner ? ">" : "/>");
		if (!inner)
			continue;
		if (in->usb.set)
			format_usb_address(f, &in->usb);
		domain_virtio_driver_format(f, 6, &in->virtio);
		domain_format_pci_address(f, 6, &in->pci);
		fputs("    </input>\n", f);
	}
	if (dp->ps2_mouse)
		fputs("    <input type='mouse' bus='ps2'/>\n", f);
	if (dp->ps2_keyboard)
		fputs("    <input type='keyboard' bus='ps2'/>\n", f);
}

void domain_format_hubs(FILE *f, const struct domain_display *dp)
{
	for (size_t i = 0; i < dp->n_hubs; i++) {
		if (!dp->hubs[i].set) {
			fputs("    <hub type='usb'/>\n", f);
			continue;
		}
		fputs("    <hub type='usb'>\n", f);
		format_usb_address(f, &dp->hubs[i]);
		fputs("    </hub>\n", f);
	}
}

bool domain_has_usb_devices(const struct domain_display *dp)
{
	if (dp->smartcard)
		return true;
	for (size_t i = 0; i < dp->n_sounds; i++)
		if (dp->sounds[i].model == SOUND_USB)
			return true;
	for (size_t i = 0; i < dp->n_inputs; i++)
		if (dp->inputs[i].bus == INPUT_BUS_USB)
			return true;
	return dp->n_hubs > 0;
}

const char *const sound_model_names[] = {"pcspk", "es1370", "sb16", "ac97",
					 "ich6",  "ich9",   "usb",  NULL};
const char *const sound_codec_names[] = {"duplex", "micro", "output", NULL};

static int parse_codecs(const xmlNode *n, struct domain_sound *snd,
			struct xml_warnings *w, struct err **e)
{
	size_t k = 0;

	for (const xmlNode *c = n->children; c; c = c->next) {
		_cleanup_free_ char *type = NULL;
		int r;

		if (c->type != XML_ELEMENT_NODE ||
		    !xmlStrEqual(c->name, BAD_CAST "codec"))
			continue;
		xml_check_known(c, (const char *const[]){"type", NULL}, NULL,
				w);
		if (snd->model != SOUND_ICH6 && snd->model != SOUND_ICH9)
			return xml_err(e, c,
				       "<codec> on sound model '%s' (only ich6 "
				       "and ich9 have codecs)",
				       sound_model_names[snd->model]);
		if (k == SOUND_CODECS)
			return xml_err(e, c, "more than %d <codec>s",
				       SOUND_CODECS);
		type = xml_attr(c, "type");
		if (!type)
			return xml_err(e, c, "<codec> without type");
		if ((r = xml_enum(c, "codec type", type, sound_codec_names,
				  e)) < 0)
			return r;
		snd->codecs[k++] = (unsigned char)(r + 1);
	}
	return 0;
}

/* <sound><audio id='N'/>: the backend it plays to. */
static int parse_sound_audio(const xmlNode *n, struct domain_sound *snd,
			     struct xml_warnings *w, struct err **e)
{
	const xmlNode *a = xml_child(n, "audio");
	_cleanup_free_ char *id = a ? xml_attr(a, "id") : NULL;
	uint64_t v;

	if (!a)
		return 0;
	xml_check_known(a, (const char *const[]){"id", NULL}, NULL, w);
	if (!id)
		return xml_err(e, a, "<audio> without id");
	if (xml_uint(a, "sound audio id", id, 1, UINT32_MAX, &v, e) < 0)
		return -EINVAL;
	snd->audio_id = (unsigned)v;
	return 0;
}

int domain_parse_sound(const xmlNode *n, struct domain_display *dp,
		       struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *model = xml_attr(n, "model");
	struct domain_sound snd = {0};
	int r;

	xml_check_known(
		n, (const char *const[]){"model", NULL},
		(const char *const[]){"codec", "audio", "address", NULL}, w);
	if (!model)
		return xml_err(e, n, "<sound> without model");
	if ((r = xml_enum(n, "sound model", model, sound_model_names, e)) < 0)
		return r;
	snd.model = (enum sound_model)r;
	if (parse_codecs(n, &snd, w, e) < 0 ||
	    parse_sound_audio(n, &snd, w, e) < 0 ||
	    parse_usb_address(n, &snd.usb,
			      snd.model == SOUND_USB ? NULL : &snd.pci, w,
			      e) < 0)
		return -EINVAL;
	if (snd.usb.set && snd.model != SOUND_USB)
		return xml_err(e, n, "a USB <address> on sound model '%s'",
			       model);
	if (snd.pci.set &&
	    (snd.model == SOUND_PCSPK || snd.model == SOUND_SB16))
		return xml_err(e, n,
			       "a PCI <address> on sound model '%s' (an ISA "
			       "device)",
			       model);
	dp->sounds =
		xrealloc(dp->sounds, (dp->n_sounds + 1) * sizeof(*dp->sounds));
	dp->sounds[dp->n_sounds++] = snd;
	return 0;
}

void domain_format_sounds(FILE *f, const struct domain_display *dp)
{
	for (size_t i = 0; i < dp->n_sounds; i++) {
		const struct domain_sound *s = &dp->sounds[i];
		bool inner =
			s->codecs[0] || s->audio_id || s->pci.set || s->usb.set;

		fprintf(f, "    <sound model='%s'%s\n",
			sound_model_names[s->model], inner ? ">" : "/>");
		if (!inner)
			continue;
		for (size_t k = 0; k < SOUND_CODECS && s->codecs[k]; k++)
			fprintf(f, "      <codec type='%s'/>\n",
				sound_codec_names[s->codecs[k] - 1]);
		if (s->audio_id)
			fprintf(f, "      <audio id='%u'/>\n", s->audio_id);
		if (s->usb.set)
			format_usb_address(f, &s->usb);
		domain_format_pci_address(f, 6, &s->pci);
		fputs("    </sound>\n", f);
	}
}

static const char *const smartcard_mode_names[] = {"host", "host-certificates",
						   "passthrough", NULL};
static const char *const smartcard_type_names[] = {"tcp", "unix", "spicevmc",
						   NULL};

/* A value QEMU gets inside a keyval option: no ',' (it would need
 * doubling in one place and not another) nor control characters. */
static int plain_value(const xmlNode *n, const char *what, const char *v,
		       struct err **e)
{
	for (const char *p = v; *p; p++)
		if (*p == ',' || (unsigned char)*p < 0x20)
			return xml_err(e, n,
				       "%s '%s': ',' or a control "
				       "character",
				       what, v);
	if (!*v || strlen(v) > 4096)
		return xml_err(e, n, "%s: empty or too long", what);
	return 0;
}

/* host-certificates: three <certificate>s, a <database>. */
static int parse_certificates(const xmlNode *n, struct domain_smartcard *sc,
			      struct err **e)
{
	size_t k = 0;

	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(c->name, BAD_CAST "database")) {
			free(sc->database);
			sc->database = xml_text(c);
			if (plain_value(c, "smartcard database", sc->database,
					e) < 0)
				return -EINVAL;
			if (sc->database[0] != '/')
				return xml_err(e, c,
					       "smartcard database '%s': not "
					       "an absolute path",
					       sc->database);
		} else if (xmlStrEqual(c->name, BAD_CAST "certificate")) {
			if (k == 3)
				return xml_err(e, c,
					       "more than 3 smartcard "
					       "<certificate>s");
			sc->certs[k] = xml_text(c);
			if (plain_value(c, "smartcard certificate",
					sc->certs[k++], e) < 0)
				return -EINVAL;
		}
	}
	if (k != 3)
		return xml_err(e, n,
			       "<smartcard mode='host-certificates'> needs 3 "
			       "<certificate>s, not %zu",
			       k);
	return 0;
}

/* A passthrough card's <source mode= path=> (unix) or <source mode=
 * host= service=> (tcp). */
static int parse_smartcard_source(const xmlNode *src,
				  struct domain_smartcard *sc,
				  struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(src, "mode");
	uint64_t port;

	xml_check_known(
		src,
		(const char *const[]){"mode", "host", "service", "path", NULL},
		NULL, w);
	sc->bind = mode && streq(mode, "bind");
	if (mode && !sc->bind && !streq(mode, "connect"))
		return xml_err(e, src,
			       "invalid source mode '%s' (bind, "
			       "connect)",
			       mode);
	if (sc->type == SMARTCARD_UNIX) {
		sc->path = xml_attr(src, "path");
		if (!sc->path || sc->path[0] != '/' || strlen(sc->path) > 107)
			return xml_err(e, src,
				       "smartcard <source path>: "
				       "an absolute path of at most "
				       "107 bytes");
		return plain_value(src, "smartcard path", sc->path, e);
	}
	sc->host = xml_attr(src, "host");
	sc->service = xml_attr(src, "service");
	if (!sc->host || !sc->service)
		return xml_err(e, src,
			       "smartcard <source> needs host and "
			       "service");
	if (xml_uint(src, "smartcard service", sc->service, 1, 65535, &port,
		     e) < 0)
		return -EINVAL;
	return plain_value(src, "smartcard host", sc->host, e);
}

/* passthrough: <source mode= host= service=> or <source mode= path=>,
 * <protocol type='raw'>. */
static int parse_passthrough(const xmlNode *n, struct domain_smartcard *sc,
			     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(n, "type");
	const xmlNode *src = xml_child(n, "source");
	const xmlNode *proto = xml_child(n, "protocol");
	_cleanup_free_ char *ptype = proto ? xml_attr(proto, "type") : NULL;
	int r;

	if (!type)
		return xml_err(e, n,
			       "<smartcard mode='passthrough'> without "
			       "type");
	if ((r = xml_enum(n, "smartcard type", type, smartcard_type_names, e)) <
	    0)
		return r;
	sc->type = (enum smartcard_chr)r;
	if (proto)
		xml_check_known(proto, (const char *const[]){"type", NULL},
				NULL, w);
	if (ptype && !streq(ptype, "raw"))
		return xml_err(e, proto,
			       "smartcard <protocol type='%s'> not supported "
			       "(raw)",
			       ptype);
	if (sc->type == SMARTCARD_SPICEVMC)
		return src ? xml_err(e, src,
				     "a <source> on a spicevmc "
				     "smartcard")
			   : 0;
	if (!src)
		return xml_err(e, n, "smartcard type '%s' without <source>",
			       type);
	return parse_smartcard_source(src, sc, w, e);
}

static int parse_ccid_address(const xmlNode *n, struct domain_smartcard *sc,
			      struct xml_warnings *w, struct err **e)
{
	const xmlNode *a = xml_child(n, "address");
	_cleanup_free_ char *type = a ? xml_attr(a, "type") : NULL;
	_cleanup_free_ char *ctl = a ? xml_attr(a, "controller") : NULL;
	_cleanup_free_ char *slot = a ? xml_attr(a, "slot") : NULL;

	if (!a)
		return 0;
	xml_check_known(
		a, (const char *const[]){"type", "controller", "slot", NULL},
		NULL, w);
	if (!type || !streq(type, "ccid") || (ctl && !streq(ctl, "0")) ||
	    (slot && !streq(slot, "0")))
		return xml_err(e, a,
			       "smartcard <address>: the qemu driver's is "
			       "type 'ccid', controller 0, slot 0");
	sc->ccid_address = true;
	return 0;
}

int domain_parse_smartcard(const xmlNode *n, struct domain_display *dp,
			   struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(n, "mode");
	struct domain_smartcard *sc;
	int r;

	if (dp->smartcard)
		return xml_err(e, n,
			       "a second <smartcard>: the qemu driver "
			       "gives one");
	sc = dp->smartcard = xcalloc(1, sizeof(*sc));
	xml_check_known(n, (const char *const[]){"mode", "type", NULL},
			(const char *const[]){"certificate", "database",
					      "source", "protocol", "address",
					      NULL},
			w);
	if (!mode)
		return xml_err(e, n, "<smartcard> without mode");
	if ((r = xml_enum(n, "smartcard mode", mode, smartcard_mode_names, e)) <
	    0)
		return r;
	sc->mode = (enum smartcard_mode)r;
	if (sc->mode == SMARTCARD_CERTIFICATES &&
	    parse_certificates(n, sc, e) < 0)
		return -EINVAL;
	if (sc->mode == SMARTCARD_PASSTHROUGH &&
	    parse_passthrough(n, sc, w, e) < 0)
		return -EINVAL;
	return parse_ccid_address(n, sc, w, e);
}

static void put_text(FILE *f, const char *tag, const char *v)
{
	fprintf(f, "      <%s>", tag);
	xml_escape_text(f, v);
	fprintf(f, "</%s>\n", tag);
}

void domain_format_smartcard(FILE *f, const struct domain_display *dp)
{
	const struct domain_smartcard *sc = dp->smartcard;

	if (!sc)
		return;
	fprintf(f, "    <smartcard mode='%s'", smartcard_mode_names[sc->mode]);
	if (sc->mode == SMARTCARD_PASSTHROUGH)
		fprintf(f, " type='%s'", smartcard_type_names[sc->type]);
	if (sc->mode == SMARTCARD_HOST && !sc->ccid_address) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	for (int k = 0; sc->mode == SMARTCARD_CERTIFICATES && k < 3; k++)
		put_text(f, "certificate", sc->certs[k]);
	if (sc->database)
		put_text(f, "database", sc->database);
	if (sc->mode == SMARTCARD_PASSTHROUGH &&
	    sc->type != SMARTCARD_SPICEVMC) {
		fprintf(f, "      <source mode='%s'",
			sc->bind ? "bind" : "connect");
		if (sc->path)
			xml_put_attr(f, "path", sc->path);
		if (sc->host) {
			xml_put_attr(f, "host", sc->host);
			xml_put_attr(f, "service", sc->service);
		}
		fputs("/>\n      <protocol type='raw'/>\n", f);
	}
	if (sc->ccid_address)
		fputs("      <address type='ccid' controller='0' "
		      "slot='0'/>\n",
		      f);
	fputs("    </smartcard>\n", f);
}

void domain_smartcard_free(struct domain_smartcard *sc)
{
	if (!sc)
		return;
	for (int k = 0; k < 3; k++)
		free(sc->certs[k]);
	free(sc->database);
	free(sc->host);
	free(sc->service);
	free(sc->path);
	free(sc);
}
