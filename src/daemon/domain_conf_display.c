// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <graphics type='spice'> and the <video> cards (domain_conf_display.h),
 * read and written in libvirt's shapes. What each value becomes on
 * QEMU's command line is driver-qemu-argv-display.c's.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "daemon/domain_conf_display.h"
#include "daemon/domain_conf_hw.h"

const char *const video_model_names[] = {"",	 "vga", "cirrus", "virtio",
					 "none", "qxl", NULL};
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
	    parse_choice(g, "gl", "enable", spice_yes_no, &s->gl, w, e) < 0)
		return -EINVAL;
	/* OpenGL needs a GPU's render node on the host, which this
	 * driver does not hand to QEMU */
	if (gl && s->gl == 1)
		return xml_err(e, gl,
			       "spice <gl enable='yes'> not supported by the "
			       "qemu driver (no host render node)");
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
	static const char *const attrs[] = {"type",	   "port",   "tlsPort",
					    "autoport",	   "listen", "passwd",
					    "defaultMode", NULL};
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

	if (type && streq(type, "spice"))
		return parse_spice(g, dp, w, e);
	/* sdl needs the host's own display, egl-headless and dbus a GPU
	 * render node and a D-Bus bus: nidod's QEMU has none of them */
	return xml_err(e, g, "graphics type '%s' not supported (vnc, spice)",
		       type ? type : "");
}

static void put_attr(FILE *f, const char *name, const char *v)
{
	fprintf(f, " %s='", name);
	xml_escape_attr(f, v);
	fputc('\'', f);
}

static void format_spice_children(FILE *f, const struct domain_spice *s)
{
	if (s->listen) {
		fputs("      <listen type='address'", f);
		put_attr(f, "address", s->listen);
		fputs("/>\n", f);
	} else if (s->socket) {
		fputs("      <listen type='socket'", f);
		put_attr(f, "socket", s->socket);
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
	CHOICE(gl, "gl", "enable", spice_yes_no)
#undef CHOICE
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
		put_attr(f, "listen", s->listen);
	if (s->passwd)
		put_attr(f, "passwd", s->passwd);
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

	xml_check_known(vn, NULL,
			(const char *const[]){"model", "address", NULL}, w);
	if (!type)
		return xml_err(e, vn, "<video> without <model type>");
	xml_check_known(m, attrs, NULL, w);
	if ((r = xml_enum(m, "video model", type, video_model_names + 1, e)) <
	    0)
		return r;
	v->model = (enum video_model)(r + 1);
	if (primary && !streq(primary, "yes") && !streq(primary, "no"))
		return xml_err(e, m, "invalid video primary '%s' (yes, no)",
			       primary);
	if (primary)
		v->primary = streq(primary, "yes") ? DOMAIN_TRISTATE_ON
						   : DOMAIN_TRISTATE_OFF;
	if (parse_video_sizes(m, v, e) < 0)
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

		fprintf(f, "    <video>\n      <model type='%s'",
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
		fputs("/>\n", f);
		domain_format_pci_address(f, 6, &v->pci);
		fputs("    </video>\n", f);
	}
}
