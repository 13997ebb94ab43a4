// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Domain XML for full machines (domain_conf_devices.h): what the qemu
 * driver's guests need beyond nido-vmm's, read and written in libvirt's
 * shapes.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "daemon/domain_conf_devices.h"
#include "daemon/domain_conf_display.h"
#include "daemon/domain_conf_graphics.h"
#include "daemon/domain_conf_hw.h"

#define BOOT_ORDER_MAX 255

int domain_disk_parse_boot(const xmlNode *disk, struct domain_disk *dk,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"order", "loadparm", NULL};
	const xmlNode *n = xml_child(disk, "boot");
	_cleanup_free_ char *order = NULL;
	uint64_t v;

	if (!n)
		return 0;
	xml_check_known(n, attrs, NULL, w);
	order = xml_attr(n, "order");
	if (!order)
		return xml_err(e, n, "<boot> without order");
	if (xml_uint(n, "boot order", order, 1, BOOT_ORDER_MAX, &v, e) < 0)
		return -EINVAL;
	dk->boot_order = (unsigned)v;
	return 0;
}

void domain_disk_format_boot(FILE *f, const struct domain_disk *dk)
{
	if (dk->boot_order)
		fprintf(f, "      <boot order='%u'/>\n", dk->boot_order);
}

int domain_def_check_boot(const xmlNode *node, const struct domain_def *d,
			  struct err **e)
{
	for (size_t i = 0; i < d->n_disks; i++) {
		const struct domain_disk *a = &d->disks[i];

		if (!a->boot_order)
			continue;
		if (d->n_boot)
			return xml_err(e, node,
				       "disk '%s': per-device <boot order> "
				       "cannot be used together with <os><boot "
				       "dev>",
				       a->target);
		for (size_t j = i + 1; j < d->n_disks; j++)
			if (d->disks[j].boot_order == a->boot_order)
				return xml_err(e, node,
					       "boot order %u used for disks "
					       "'%s' and '%s'",
					       a->boot_order, a->target,
					       d->disks[j].target);
	}
	return 0;
}

static const char *const firmware_names[] = {"", "bios", "efi", NULL};
static const char *const loader_type_names[] = {"", "rom", "pflash", NULL};
static const char *const yes_no[] = {"", "yes", "no", NULL};

/* An attribute yes/no into @out (absent: DOMAIN_TRISTATE_ABSENT). */
static int parse_yes_no(const xmlNode *n, const char *attr,
			enum domain_tristate *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	int r;

	*out = DOMAIN_TRISTATE_ABSENT;
	if (!v)
		return 0;
	r = xml_enum(n, attr, v, yes_no + 1, e);
	if (r < 0)
		return r;
	*out = r == 0 ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
	return 0;
}

/* An absolute path as element text (a loader, an nvram, a template). */
static int parse_path(const xmlNode *n, const char *what, char *text,
		      char **out, struct err **e)
{
	*out = text;
	if (!text)
		return 0;
	if (text[0] != '/' || strlen(text) > 4096)
		return xml_err(e, n, "%s '%s': not an absolute path", what,
			       text);
	return 0;
}

/* <firmware><feature enabled='yes|no' name='secure-boot'/></firmware>. */
static int parse_features(const xmlNode *fw, struct domain_firmware *f,
			  struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"enabled", "name", NULL};

	xml_check_known(fw, NULL, (const char *const[]){"feature", NULL}, w);
	for (const xmlNode *n = fw->children; n; n = n->next) {
		_cleanup_free_ char *name = NULL;
		enum domain_tristate v;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		xml_check_known(n, attrs, NULL, w);
		name = xml_attr(n, "name");
		if (parse_yes_no(n, "enabled", &v, e) < 0)
			return -EINVAL;
		if (!name || !v)
			return xml_err(e, n,
				       "<feature> needs name and enabled");
		if (streq(name, "secure-boot"))
			f->secure_boot = v;
		else if (streq(name, "enrolled-keys"))
			f->enrolled_keys = v;
		else
			return xml_err(e, n,
				       "firmware feature '%s' not supported "
				       "(secure-boot, enrolled-keys)",
				       name);
	}
	return 0;
}

static int parse_loader(const xmlNode *n, struct domain_firmware *f,
			struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"readonly", "secure", "type",
					    "stateless", NULL};
	_cleanup_free_ char *type = xml_attr(n, "type");
	char *text = xml_text(n);
	int r;

	xml_check_known(n, attrs, NULL, w);
	if (parse_path(n, "loader", *text ? text : NULL, &f->loader, e) < 0)
		return -EINVAL;
	if (!*text)
		free(text);
	if (parse_yes_no(n, "readonly", &f->readonly, e) < 0 ||
	    parse_yes_no(n, "secure", &f->secure, e) < 0 ||
	    parse_yes_no(n, "stateless", &f->stateless, e) < 0)
		return -EINVAL;
	if (type) {
		if ((r = xml_enum(n, "loader type", type, loader_type_names + 1,
				  e)) < 0)
			return r;
		f->type = (enum loader_type)(r + 1);
	}
	return 0;
}

/* <nvram type='file'><source file=PATH/></nvram>: the same as the
 * path as text; the network types are refused. */
static char *nvram_source(const xmlNode *n, char *text, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(n, "type");
	const xmlNode *src = xml_child(n, "source");

	if (!type)
		return text;
	free(text);
	if (!streq(type, "file"))
		return xml_err(e, n,
			       "<nvram type='%s'> not supported (file: the "
			       "variable store nidod opens)",
			       type),
		       NULL;
	text = src ? xml_attr(src, "file") : NULL;
	if (!text)
		xml_err(e, n, "<nvram type='file'> without <source file=>");
	return text;
}

static int parse_nvram(const xmlNode *n, struct domain_firmware *f,
		       struct xml_warnings *w, struct err **e)
{
	char *text = xml_text(n);

	xml_check_known(n, (const char *const[]){"template", "type", NULL},
			(const char *const[]){"source", NULL}, w);
	f->nvram_source = xml_child(n, "source") != NULL;
	if (!(text = nvram_source(n, text, e)))
		return -EINVAL;
	if (parse_path(n, "nvram", *text ? text : NULL, &f->nvram, e) < 0)
		return -EINVAL;
	if (!*text)
		free(text);
	return parse_path(n, "nvram template", xml_attr(n, "template"),
			  &f->nvram_template, e);
}

int domain_os_parse_firmware(const xmlNode *os, struct domain_def *d,
			     struct xml_warnings *w, struct err **e)
{
	struct domain_firmware *f = &d->fw;
	_cleanup_free_ char *kind = xml_attr(os, "firmware");
	const xmlNode *n;
	int r;

	if (kind) {
		if ((r = xml_enum(os, "firmware", kind, firmware_names + 1,
				  e)) < 0)
			return r;
		f->kind = (enum os_firmware)(r + 1);
	}
	if ((n = xml_child(os, "firmware"))) {
		if (f->kind != OS_FIRMWARE_EFI)
			return xml_err(e, n,
				       "<firmware> features need <os "
				       "firmware='efi'>");
		if (parse_features(n, f, w, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(os, "loader")) && parse_loader(n, f, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(os, "nvram")) && parse_nvram(n, f, w, e) < 0)
		return -EINVAL;
	if ((f->nvram || f->nvram_template) && f->type == LOADER_TYPE_ROM)
		return xml_err(e, os,
			       "<nvram> with a loader of type 'rom' "
			       "(a variable store is UEFI's: pflash)");
	if ((f->nvram || f->nvram_template) &&
	    f->stateless == DOMAIN_TRISTATE_ON)
		return xml_err(e, os,
			       "<nvram> with a <loader stateless='yes'> (a "
			       "stateless firmware keeps no variables)");
	return 0;
}

void domain_os_format_firmware_attr(FILE *f, const struct domain_def *d)
{
	if (d->fw.kind)
		fprintf(f, " firmware='%s'", firmware_names[d->fw.kind]);
}

static void put_path(FILE *f, const char *s)
{
	xml_escape_text(f, s);
}

void domain_os_format_firmware(FILE *f, const struct domain_def *d)
{
	const struct domain_firmware *fw = &d->fw;

	if (fw->secure_boot || fw->enrolled_keys) {
		fputs("    <firmware>\n", f);
		if (fw->enrolled_keys)
			fprintf(f,
				"      <feature enabled='%s' "
				"name='enrolled-keys'/>\n",
				yes_no[fw->enrolled_keys]);
		if (fw->secure_boot)
			fprintf(f,
				"      <feature enabled='%s' "
				"name='secure-boot'/>\n",
				yes_no[fw->secure_boot]);
		fputs("    </firmware>\n", f);
	}
	if (fw->loader || fw->type || fw->readonly || fw->secure ||
	    fw->stateless) {
		fputs("    <loader", f);
		if (fw->readonly)
			fprintf(f, " readonly='%s'", yes_no[fw->readonly]);
		if (fw->secure)
			fprintf(f, " secure='%s'", yes_no[fw->secure]);
		if (fw->stateless)
			fprintf(f, " stateless='%s'", yes_no[fw->stateless]);
		if (fw->type)
			fprintf(f, " type='%s'", loader_type_names[fw->type]);
		if (fw->loader) {
			fputc('>', f);
			put_path(f, fw->loader);
			fputs("</loader>\n", f);
		} else {
			fputs("/>\n", f);
		}
	}
	if (fw->nvram || fw->nvram_template) {
		fputs("    <nvram", f);
		if (fw->nvram_template) {
			fputs(" template='", f);
			xml_escape_attr(f, fw->nvram_template);
			fputc('\'', f);
		}
		if (fw->nvram && fw->nvram_source) {
			fputs(" type='file'>\n      <source file='", f);
			xml_escape_attr(f, fw->nvram);
			fputs("'/>\n    </nvram>\n", f);
		} else if (fw->nvram) {
			fputc('>', f);
			put_path(f, fw->nvram);
			fputs("</nvram>\n", f);
		} else {
			fputs("/>\n", f);
		}
	}
}

void domain_firmware_clear(struct domain_firmware *fw)
{
	free(fw->loader);
	free(fw->nvram);
	free(fw->nvram_template);
	memset(fw, 0, sizeof(*fw));
}

static const char *const usb_model_names[] = {
	"", "piix3-uhci", "qemu-xhci", "nec-xhci", "none", NULL};

/* An IPv4 or IPv6 address, as inet_pton reads it. */
static bool is_address(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static int check_vnc_socket(const xmlNode *l, struct domain_display *dp,
			    struct err **e);

/* <listen type='socket' socket=> (a path: the qemu driver makes none
 * of its own) or <listen type='none'>. */
static int parse_vnc_socket(const xmlNode *l, const char *type,
			    struct domain_display *dp, struct err **e)
{
	if (streq(type, "none")) {
		dp->vnc_listen_none = true;
		return 0;
	}
	dp->vnc_socket = xml_attr(l, "socket");
	if (!dp->vnc_socket)
		return xml_err(e, l,
			       "<listen type='socket'> without socket= (the "
			       "qemu driver makes no socket of its own)");
	return check_vnc_socket(l, dp, e);
}

static int check_vnc_socket(const xmlNode *l, struct domain_display *dp,
			    struct err **e)
{
	if (dp->vnc_socket[0] != '/' || strlen(dp->vnc_socket) > 107)
		return xml_err(e, l,
			       "<listen socket='%s'>: not an absolute path of "
			       "at most 107 bytes",
			       dp->vnc_socket);
	return 0;
}

/* listen= and <listen type='address' address=>: one address; or a
 * socket, or none. */
static int parse_listen(const xmlNode *g, struct domain_display *dp,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *l = xml_child(g, "listen");
	_cleanup_free_ char *type = l ? xml_attr(l, "type") : NULL;
	char *addr = xml_attr(g, "listen");

	for (const xmlNode *n = l ? l->next : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, BAD_CAST "listen"))
			return free(addr),
			       xml_err(e, n,
				       "a second <listen>: VNC listens "
				       "on one address");
	if (!l && (dp->vnc_socket = xml_attr(g, "socket"))) {
		if (addr)
			return free(addr),
			       xml_err(e, g, "listen= with socket=");
		return check_vnc_socket(g, dp, e);
	}
	if (l) {
		xml_check_known(l,
				(const char *const[]){"type", "address",
						      "socket", NULL},
				NULL, w);
		if (type && (streq(type, "socket") || streq(type, "none"))) {
			if (addr)
				return free(addr),
				       xml_err(e, g,
					       "listen= with <listen "
					       "type='%s'>",
					       type);
			return parse_vnc_socket(l, type, dp, e);
		}
		if (type && !streq(type, "address"))
			return free(addr),
			       xml_err(e, l,
				       "<listen type='%s'> not supported "
				       "(address, socket, none)",
				       type);
		if (!addr)
			addr = xml_attr(l, "address");
	}
	dp->vnc_listen = addr;
	if (addr && !is_address(addr))
		return xml_err(e, g,
			       "graphics listen '%s': not an IPv4 or IPv6 "
			       "address",
			       addr);
	return 0;
}

static int parse_graphics(const xmlNode *g, struct domain_display *dp,
			  struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {
		"type",	     "port",	      "autoport",    "listen",
		"passwd",    "socket",	      "sharePolicy", "powerControl",
		"websocket", "passwdValidTo", "connected",   NULL};
	_cleanup_free_ char *type = xml_attr(g, "type");
	_cleanup_free_ char *port = xml_attr(g, "port");
	_cleanup_free_ char *autoport = xml_attr(g, "autoport");
	uint64_t v;

	if (!type || !streq(type, "vnc"))
		return domain_parse_graphics(g, dp, w, e);
	if (dp->vnc)
		return xml_err(e, g, "a second <graphics>: one VNC display");
	dp->vnc_passwd = xml_attr(g, "passwd");
	/* VNC's own authentication uses 8 bytes: a longer one would be
	 * cut short (QEMU refuses it) */
	if (dp->vnc_passwd && strlen(dp->vnc_passwd) > 8)
		return xml_err(e, g,
			       "<graphics passwd>: a VNC password has at "
			       "most 8 characters");
	xml_check_known(g, attrs,
			(const char *const[]){"listen", "audio", NULL}, w);
	dp->vnc = true;
	dp->vnc_port = -1;
	if (autoport && !streq(autoport, "yes") && !streq(autoport, "no"))
		return xml_err(e, g, "invalid autoport '%s' (yes, no)",
			       autoport);
	if (port && !streq(port, "-1") &&
	    !(autoport && streq(autoport, "yes"))) {
		if (xml_uint(g, "VNC port", port, 5900, 65535, &v, e) < 0)
			return -EINVAL;
		dp->vnc_port = (int)v;
	} else if (autoport && streq(autoport, "no")) {
		return xml_err(e, g, "autoport='no' without a port");
	}
	if (parse_listen(g, dp, w, e) < 0 ||
	    domain_parse_vnc_extra(g, dp, w, e) < 0)
		return -EINVAL;
	if ((dp->vnc_socket || dp->vnc_listen_none) && (port || autoport))
		return xml_err(e, g,
			       "<graphics type='vnc'> with a port and <listen "
			       "type='%s'>",
			       dp->vnc_socket ? "socket" : "none");
	return 0;
}

/* Without a model, the machine's default: libvirt names it in its
 * output, and so does nido. */
static int parse_usb(const xmlNode *n, const struct domain_def *d,
		     struct domain_display *dp, struct xml_warnings *w,
		     struct err **e)
{
	_cleanup_free_ char *model = xml_attr(n, "model");
	_cleanup_free_ char *ports = xml_attr(n, "ports");
	uint64_t v = 0;
	int r;

	xml_check_known(
		n,
		(const char *const[]){"type", "index", "model", "ports", NULL},
		(const char *const[]){"address", NULL}, w);
	if (dp->usb)
		return xml_err(e, n, "a second USB controller");
	if (domain_parse_address(n, &dp->usb_pci, NULL, e) < 0)
		return -EINVAL;
	/* an xHCI's USB 2 and USB 3 ports, as many each (QEMU's p2, p3) */
	if (ports &&
	    xml_uint(n, "USB controller ports", ports, 1, 15, &v, e) < 0)
		return -EINVAL;
	dp->usb_ports = (unsigned)v;
	if (!model) {
		bool q35 =
			d->machine && (streq(d->machine, "q35") ||
				       str_has_prefix(d->machine, "pc-q35-"));

		dp->usb = q35 ? USB_QEMU_XHCI : USB_PIIX3_UHCI;
		return 0;
	}
	if ((r = xml_enum(n, "USB controller model", model, usb_model_names + 1,
			  e)) < 0)
		return r;
	dp->usb = (enum usb_model)(r + 1);
	if (dp->usb_ports && dp->usb != USB_QEMU_XHCI &&
	    dp->usb != USB_NEC_XHCI)
		return xml_err(e, n,
			       "ports='%u': only an xHCI controller "
			       "(qemu-xhci, nec-xhci) has a number of ports",
			       dp->usb_ports);
	return 0;
}

int domain_parse_display_device(const xmlNode *c, struct domain_def *d,
				struct xml_warnings *w, struct err **e)
{
	const char *name = (const char *)c->name;
	struct domain_display *dp = &d->display;
	_cleanup_free_ char *type = NULL;

	if (streq(name, "graphics"))
		return parse_graphics(c, dp, w, e) < 0 ? -EINVAL : 1;
	if (streq(name, "video"))
		return domain_parse_video(c, dp, w, e) < 0 ? -EINVAL : 1;
	if (streq(name, "input"))
		return domain_parse_input(c, dp, w, e) < 0 ? -EINVAL : 1;
	if (streq(name, "smartcard"))
		return domain_parse_smartcard(c, dp, w, e) < 0 ? -EINVAL : 1;
	if (streq(name, "sound"))
		return domain_parse_sound(c, dp, w, e) < 0 ? -EINVAL : 1;
	if (streq(name, "hub"))
		return domain_parse_hub(c, dp, w, e) < 0 ? -EINVAL : 1;
	if (!streq(name, "controller"))
		return 0;
	type = xml_attr(c, "type");
	if (!type || !streq(type, "usb"))
		return 0;
	return parse_usb(c, d, dp, w, e) < 0 ? -EINVAL : 1;
}

int domain_display_defaults(const xmlNode *devs, struct domain_def *d,
			    struct err **e)
{
	struct domain_display *dp = &d->display;

	if ((dp->vnc || dp->spice) && !dp->n_videos) {
		dp->videos = xcalloc(1, sizeof(*dp->videos));
		dp->videos[dp->n_videos++].model = VIDEO_VGA;
	}
	if (domain_usb_check(devs, dp, e) < 0)
		return -EINVAL;
	return domain_videos_check(devs, dp, e);
}

/* A VNC server on a socket, or on none. */
static void format_vnc_socket(FILE *f, const struct domain_display *dp)
{
	fputs("    <graphics type='vnc'", f);
	if (dp->vnc_passwd) {
		fputs(" passwd='", f);
		xml_escape_attr(f, dp->vnc_passwd);
		fputc('\'', f);
	}
	domain_format_vnc_extra(f, dp);
	xml_put_attr(f, "socket", dp->vnc_socket);
	if (dp->vnc_listen_none) {
		fputs(">\n      <listen type='none'/>\n", f);
	} else {
		fputs(">\n      <listen type='socket' socket='", f);
		xml_escape_attr(f, dp->vnc_socket);
		fputs("'/>\n", f);
	}
	domain_format_vnc_audio(f, dp);
	fputs("    </graphics>\n", f);
}

void domain_format_display(FILE *f, const struct domain_def *d, bool active)
{
	const struct domain_display *dp = &d->display;
	int port =
		active && dp->vnc_port_live ? dp->vnc_port_live : dp->vnc_port;

	if (dp->usb) {
		fprintf(f, "    <controller type='usb' index='0' model='%s'",
			usb_model_names[dp->usb]);
		if (dp->usb_ports)
			fprintf(f, " ports='%u'", dp->usb_ports);
		fputs(dp->usb_pci.set ? ">\n" : "/>\n", f);
	}
	if (dp->usb && dp->usb_pci.set) {
		domain_format_pci_address(f, 6, &dp->usb_pci);
		fputs("    </controller>\n", f);
	}
	domain_format_smartcard(f, dp);
	domain_format_inputs(f, dp);
	if (dp->vnc && (dp->vnc_socket || dp->vnc_listen_none))
		format_vnc_socket(f, dp);
	else if (dp->vnc) {
		fprintf(f, "    <graphics type='vnc' port='%d' autoport='%s'",
			port, dp->vnc_port < 0 ? "yes" : "no");
		if (dp->vnc_passwd) {
			fputs(" passwd='", f);
			xml_escape_attr(f, dp->vnc_passwd);
			fputc('\'', f);
		}
		domain_format_vnc_extra(f, dp);
		if (dp->vnc_listen) {
			fputs(" listen='", f);
			xml_escape_attr(f, dp->vnc_listen);
			fputs("'>\n      <listen type='address' address='", f);
			xml_escape_attr(f, dp->vnc_listen);
			fputs("'/>\n", f);
		} else {
			fputs(dp->vnc_audio ? ">\n" : "/>\n", f);
		}
		domain_format_vnc_audio(f, dp);
		if (dp->vnc_listen || dp->vnc_audio)
			fputs("    </graphics>\n", f);
	}
	if (dp->spice)
		domain_format_spice(f, dp->spice, active);
	domain_format_local_display(f, dp);
	domain_format_sounds(f, dp);
	domain_format_videos(f, dp);
	domain_format_hubs(f, dp);
}

void domain_display_clear(struct domain_display *dp)
{
	free(dp->vnc_listen);
	free(dp->vnc_passwd);
	free(dp->vnc_socket);
	free(dp->vnc_pw.valid_to);
	domain_local_display_clear(&dp->local);
	domain_spice_free(dp->spice);
	free(dp->videos);
	free(dp->inputs);
	free(dp->hubs);
	free(dp->sounds);
	domain_smartcard_free(dp->smartcard);
	memset(dp, 0, sizeof(*dp));
}
