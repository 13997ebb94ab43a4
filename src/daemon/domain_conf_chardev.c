// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a character device is connected to on the host (domain_conf.h,
 * struct chardev_source): a <serial>'s or <console>'s type= and its
 * <source> and <protocol>, in libvirt's terms. Paths are checked here
 * for their shape only; what nidod opens for QEMU, and what it refuses
 * to open, is decided at start (driver-qemu-chr.c, docs/security.md).
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/domain_conf_chardev.h"
#include "daemon/domain_conf_hw.h"

const char *const chardev_type_names[] = {
	"pty", "null",	   "vc",	"file",		"dev",	"unix", "tcp",
	"udp", "spicevmc", "spiceport", "qemu-vdagent", "dbus", NULL};

/* Longest unix socket path (struct sockaddr_un's sun_path, its NUL). */
#define SOCKET_PATH_MAX 107

static const char *const console_target_names[] = {"serial", "virtio", "lxc",
						   NULL};
static const char *const tristate_names[] = {"", "on", "off", NULL};

/* Attribute @attr of @n looked up in @names into *@out: 1 when found, 0
 * when absent (*@out untouched), or -EINVAL with @e filled. */
static int parse_enum_attr(const xmlNode *n, const char *attr, const char *what,
			   const char *const *names, int *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	int r;

	if (!v)
		return 0;
	if ((r = xml_enum(n, what, v, names, e)) < 0)
		return r;
	*out = r;
	return 1;
}

/* Types libvirt has that nido does not give, and why. */
static const struct {
	const char *type, *why;
} refused[] = {
	{"stdio", "QEMU's standard output is nidod's log of the domain"},
	{"pipe", "nidod opens what QEMU uses; use type 'file' or 'unix'"},
	{"nmdm", "a FreeBSD host's null modem"},
};

/* An absolute path of at most @max characters without '..' or '//'. */
static int check_path(const xmlNode *n, const char *what, const char *path,
		      size_t max, struct err **e)
{
	size_t len = path ? strlen(path) : 0;

	if (!path || path[0] != '/' || len > max || strstr(path, "/..") ||
	    strstr(path, "//") || path[len - 1] == '/')
		return xml_err(e, n,
			       "%s '%s': not an absolute path of at most "
			       "%zu characters without '..'",
			       what, path ? path : "", max);
	return 0;
}

/* The mode= of a <source>: bind (true) or connect (false, the default). */
static int source_mode(const xmlNode *s, bool *listen, struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(s, "mode");

	*listen = mode && streq(mode, "bind");
	if (mode && !*listen && !streq(mode, "connect"))
		return xml_err(e, s,
			       "invalid source mode '%s' (expected bind, "
			       "connect)",
			       mode);
	return 0;
}

/* A port: a number from 0 to 65535 (libvirt's service=). */
static int check_service(const xmlNode *s, const char *service, bool required,
			 struct err **e)
{
	uint64_t v;

	if (!service && !required)
		return 0;
	if (!service)
		return xml_err(e, s, "<source> without service= (the port)");
	return xml_uint(s, "source service", service, 0, 65535, &v, e) < 0
		       ? -EINVAL
		       : 0;
}

/* <reconnect enabled='no'/> is the default; a reconnecting client is
 * not: nidod connects once and hands QEMU the connection. */
static int check_reconnect(const xmlNode *s, struct err **e)
{
	const xmlNode *r = xml_child(s, "reconnect");
	_cleanup_free_ char *en = r ? xml_attr(r, "enabled") : NULL;

	if (r && !(en && streq(en, "no")))
		return xml_err(e, r,
			       "<reconnect> not supported (nidod connects "
			       "once and passes QEMU the connection)");
	return 0;
}

static int parse_path_source(const xmlNode *node, enum chardev_type type,
			     struct chardev_source *src, struct xml_warnings *w,
			     struct err **e)
{
	const xmlNode *s = xml_child(node, "source");
	_cleanup_free_ char *append = NULL;
	int v;

	if (!s)
		return xml_err(e, node, "type '%s' without <source path=>",
			       chardev_type_names[type]);
	xml_check_known(
		s, (const char *const[]){"path", "append", "mode", NULL},
		(const char *const[]){"reconnect", "seclabel", NULL}, w);
	src->path = xml_attr(s, "path");
	if (!src->path)
		return xml_err(e, s, "type '%s' without <source path=>",
			       chardev_type_names[type]);
	if (check_path(s, "source path", src->path,
		       type == CHARDEV_UNIX ? SOCKET_PATH_MAX : 4095, e) < 0)
		return -EINVAL;
	if (type == CHARDEV_UNIX) {
		const xmlNode *p = xml_child(node, "protocol");
		_cleanup_free_ char *proto = p ? xml_attr(p, "type") : NULL;

		if (p && !(proto && streq(proto, "raw")))
			return xml_err(e, p,
				       "protocol type '%s' not supported on a "
				       "unix socket (raw)",
				       proto ? proto : "");
		src->raw_given = p != NULL;
		if (source_mode(s, &src->listen, e) < 0)
			return -EINVAL;
		return src->listen ? 0 : check_reconnect(s, e);
	}
	if (type == CHARDEV_FILE && (append = xml_attr(s, "append"))) {
		if ((v = xml_enum(s, "source append", append,
				  (const char *const[]){"on", "off", NULL},
				  e)) < 0)
			return v;
		src->append = v ? DOMAIN_TRISTATE_OFF : DOMAIN_TRISTATE_ON;
	}
	return 0;
}

/* <source mode= host= service=> and <protocol type='raw|telnet'>. */
static int parse_tcp(const xmlNode *node, struct chardev_source *src,
		     struct xml_warnings *w, struct err **e)
{
	const xmlNode *s = xml_child(node, "source");
	const xmlNode *p = xml_child(node, "protocol");
	_cleanup_free_ char *tls = NULL, *proto = NULL;

	if (!s)
		return xml_err(e, node, "type 'tcp' without <source>");
	xml_check_known(
		s,
		(const char *const[]){"mode", "host", "service", "tls", NULL},
		(const char *const[]){"reconnect", NULL}, w);
	if (source_mode(s, &src->listen, e) < 0)
		return -EINVAL;
	src->host = xml_attr(s, "host");
	src->service = xml_attr(s, "service");
	if (check_service(s, src->service, true, e) < 0)
		return -EINVAL;
	if (!src->listen && !src->host)
		return xml_err(e, s, "a tcp client's <source> without host=");
	if (!src->listen && check_reconnect(s, e) < 0)
		return -EINVAL;
	src->tls_no = (tls = xml_attr(s, "tls")) && streq(tls, "no");
	if (tls && !src->tls_no)
		return xml_err(e, s,
			       "<source tls='%s'> not supported (nido has no "
			       "TLS credentials for character devices)",
			       tls);
	if (p) {
		xml_check_known(p, (const char *const[]){"type", NULL}, NULL,
				w);
		proto = xml_attr(p, "type");
		if (!proto || (!streq(proto, "raw") && !streq(proto, "telnet")))
			return xml_err(e, p,
				       "protocol type '%s' not supported "
				       "(raw, telnet)",
				       proto ? proto : "");
		src->telnet = streq(proto, "telnet");
	}
	return 0;
}

/* One <source mode='bind'> (the local side) and one mode='connect'. */
static int parse_udp(const xmlNode *node, struct chardev_source *src,
		     struct xml_warnings *w, struct err **e)
{
	for (const xmlNode *s = node->children; s; s = s->next) {
		bool bind;
		char **host, **service;

		if (s->type != XML_ELEMENT_NODE ||
		    !streq((const char *)s->name, "source"))
			continue;
		xml_check_known(
			s,
			(const char *const[]){"mode", "host", "service", NULL},
			NULL, w);
		if (source_mode(s, &bind, e) < 0)
			return -EINVAL;
		host = bind ? &src->bind_host : &src->host;
		service = bind ? &src->bind_service : &src->service;
		if (*service || *host)
			return xml_err(e, s, "a second <source mode='%s'>",
				       bind ? "bind" : "connect");
		*host = xml_attr(s, "host");
		*service = xml_attr(s, "service");
		if (check_service(s, *service, !bind, e) < 0)
			return -EINVAL;
		if (!*service && !*host)
			*host = xstrdup(""); /* given, empty */
	}
	if (!src->service)
		return xml_err(e, node,
			       "type 'udp' without <source mode='connect' "
			       "service=>");
	return 0;
}

/* <source channel='org.qemu.console.serial.0'/>: a SPICE port's or a
 * D-Bus display's channel name (a client opens it by that name). */
static int parse_named(const xmlNode *node, enum chardev_type type,
		       struct chardev_source *src, struct xml_warnings *w,
		       struct err **e)
{
	const xmlNode *s = xml_child(node, "source");

	if (s)
		xml_check_known(s, (const char *const[]){"channel", NULL}, NULL,
				w);
	src->path = s ? xml_attr(s, "channel") : NULL;
	if (!src->path)
		return xml_err(e, s ? s : node,
			       "type '%s' without <source channel=>",
			       chardev_type_names[type]);
	/* QEMU's option syntax: no comma */
	if (!*src->path || strlen(src->path) > 128 ||
	    strpbrk(src->path, ",\"'\\"))
		return xml_err(e, s,
			       "invalid %s channel '%s' (1 to 128 "
			       "characters, no comma or quote)",
			       chardev_type_names[type], src->path);
	return 0;
}

/* <source><clipboard copypaste='yes|no'/><mouse mode='client|server'/>
 * of QEMU's agent. */
static int parse_vdagent(const xmlNode *node, struct chardev_source *src,
			 struct xml_warnings *w, struct err **e)
{
	static const char *const copypaste[] = {"yes", "no", NULL};
	static const char *const mouse[] = {"client", "server", NULL};
	const xmlNode *s = xml_child(node, "source");
	const xmlNode *c = s ? xml_child(s, "clipboard") : NULL;
	const xmlNode *m = s ? xml_child(s, "mouse") : NULL;
	_cleanup_free_ char *cv = c ? xml_attr(c, "copypaste") : NULL;
	_cleanup_free_ char *mv = m ? xml_attr(m, "mode") : NULL;
	int r;

	if (s)
		xml_check_known(
			s, NULL,
			(const char *const[]){"clipboard", "mouse", NULL}, w);
	if (c) {
		xml_check_known(c, (const char *const[]){"copypaste", NULL},
				NULL, w);
		if ((r = xml_enum(c, "clipboard copypaste", cv ? cv : "",
				  copypaste, e)) < 0)
			return r;
		src->clipboard = r ? DOMAIN_TRISTATE_OFF : DOMAIN_TRISTATE_ON;
	}
	if (m) {
		xml_check_known(m, (const char *const[]){"mode", NULL}, NULL,
				w);
		if ((r = xml_enum(m, "mouse mode", mv ? mv : "", mouse, e)) < 0)
			return r;
		src->mouse = r ? DOMAIN_TRISTATE_OFF : DOMAIN_TRISTATE_ON;
	}
	return 0;
}

int domain_chardev_parse_source(const xmlNode *node, enum chardev_type *type,
				struct chardev_source *src,
				struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *t = xml_attr(node, "type");
	int v;

	memset(src, 0, sizeof(*src));
	for (size_t i = 0; t && i < ARRAY_SIZE(refused); i++)
		if (streq(t, refused[i].type))
			return xml_err(e, node, "type '%s' not supported (%s)",
				       t, refused[i].why);
	if ((v = xml_enum(node, "type", t ? t : "", chardev_type_names, e)) < 0)
		return v;
	*type = v;
	switch (*type) {
	case CHARDEV_FILE:
	case CHARDEV_DEV:
	case CHARDEV_UNIX:
		return parse_path_source(node, *type, src, w, e);
	case CHARDEV_TCP:
		return parse_tcp(node, src, w, e);
	case CHARDEV_UDP:
		return parse_udp(node, src, w, e);
	case CHARDEV_SPICEPORT:
	case CHARDEV_DBUS:
		return parse_named(node, *type, src, w, e);
	case CHARDEV_QEMU_VDAGENT:
		return parse_vdagent(node, src, w, e);
	default: /* pty (a running domain's <source path> is output), null,
		  * vc: nothing to read */
		return 0;
	}
}

static void put_source(FILE *f, int indent, const char *mode, const char *host,
		       const char *service)
{
	fprintf(f, "%*s<source mode='%s'", indent, "", mode);
	xml_put_attr(f, "host", host && *host ? host : NULL);
	xml_put_attr(f, "service", service);
	fputs("/>\n", f);
}

void domain_chardev_format_source(FILE *f, int indent, enum chardev_type type,
				  const struct chardev_source *src)
{
	switch (type) {
	case CHARDEV_FILE:
	case CHARDEV_DEV:
	case CHARDEV_UNIX:
		fprintf(f, "%*s<source", indent, "");
		if (type == CHARDEV_UNIX)
			fprintf(f, " mode='%s'",
				src->listen ? "bind" : "connect");
		xml_put_attr(f, "path", src->path);
		if (src->append)
			fprintf(f, " append='%s'",
				src->append == DOMAIN_TRISTATE_ON ? "on"
								  : "off");
		fputs("/>\n", f);
		if (src->raw_given)
			fprintf(f, "%*s<protocol type='raw'/>\n", indent, "");
		break;
	case CHARDEV_TCP:
		fprintf(f, "%*s<source mode='%s'", indent, "",
			src->listen ? "bind" : "connect");
		xml_put_attr(f, "host", src->host);
		xml_put_attr(f, "service", src->service);
		fputs(src->tls_no ? " tls='no'/>\n" : "/>\n", f);
		fprintf(f, "%*s<protocol type='%s'/>\n", indent, "",
			src->telnet ? "telnet" : "raw");
		break;
	case CHARDEV_SPICEPORT:
	case CHARDEV_DBUS:
		fprintf(f, "%*s<source", indent, "");
		xml_put_attr(f, "channel", src->path);
		fputs("/>\n", f);
		break;
	case CHARDEV_QEMU_VDAGENT:
		if (!src->clipboard && !src->mouse)
			break;
		fprintf(f, "%*s<source>\n", indent, "");
		if (src->clipboard)
			fprintf(f, "%*s  <clipboard copypaste='%s'/>\n", indent,
				"",
				src->clipboard == DOMAIN_TRISTATE_ON ? "yes"
								     : "no");
		if (src->mouse)
			fprintf(f, "%*s  <mouse mode='%s'/>\n", indent, "",
				src->mouse == DOMAIN_TRISTATE_ON ? "client"
								 : "server");
		fprintf(f, "%*s</source>\n", indent, "");
		break;
	case CHARDEV_UDP:
		if (src->bind_host || src->bind_service)
			put_source(f, indent, "bind", src->bind_host,
				   src->bind_service);
		put_source(f, indent, "connect", src->host, src->service);
		break;
	default:
		break;
	}
}

/* <log file='/var/log/x.log' append='on'/> inside a chardev. */
static int parse_chardev_log(const xmlNode *n, struct domain_chardev *c,
			     struct xml_warnings *w, struct err **e)
{
	int v = 0, r;

	xml_check_known(n, (const char *const[]){"file", "append", NULL}, NULL,
			w);
	c->log_file = xml_attr(n, "file");
	if (!c->log_file || c->log_file[0] != '/')
		return xml_err(e, n, "log file '%s' must be an absolute path",
			       c->log_file ? c->log_file : "");
	if ((r = parse_enum_attr(n, "append", "append", tristate_names + 1, &v,
				 e)) < 0)
		return r;
	c->log_append = r ? v + 1 : DOMAIN_TRISTATE_ABSENT;
	return 0;
}

/* <address type='isa' iobase= irq=> of an ISA serial port. */
static int parse_isa_address(const xmlNode *a, struct domain_chardev *c,
			     struct err **e)
{
	_cleanup_free_ char *iobase = xml_attr(a, "iobase");
	_cleanup_free_ char *irq = xml_attr(a, "irq");
	char *end;
	unsigned long v;

	if (iobase) {
		errno = 0;
		v = strtoul(iobase, &end, 0);
		if (errno || *end || !v || v > 0xffff)
			return xml_err(e, a,
				       "invalid address iobase '%s' "
				       "(0x1 to 0xffff)",
				       iobase);
		c->iobase = (unsigned)v;
	}
	if (irq) {
		errno = 0;
		v = strtoul(irq, &end, 0);
		if (errno || *end || !v || v > 15)
			return xml_err(e, a,
				       "invalid address irq '%s' (1 to 15)",
				       irq);
		c->irq = (unsigned)v;
	}
	return 0;
}

/* A serial port's <address>: PCI for a pci-serial, ISA for the others. */
static int parse_chardev_address(const xmlNode *node, bool console,
				 struct domain_chardev *c, struct err **e)
{
	bool pci = console || c->serial_target == SERIAL_TARGET_PCI;

	const xmlNode *a = xml_child(node, "address");
	_cleanup_free_ char *type = a ? xml_attr(a, "type") : NULL;

	if (!a)
		return 0;
	if ((console || !pci) && type && streq(type, "isa")) {
		xml_check_known(
			a, (const char *const[]){"type", "iobase", "irq", NULL},
			NULL, NULL);
		return parse_isa_address(a, c, e);
	}
	return domain_parse_address(node, pci ? &c->pci : NULL, NULL, e);
}

/* <target type= port=> and its <model name=>: a serial's device (whose
 * model, when given, is its type's), or what a console is. */
static int parse_chardev_target(const xmlNode *n, enum chardev_kind kind,
				struct domain_chardev *c,
				struct xml_warnings *w, struct err **e)
{
	bool console = kind == CHR_CONSOLE;
	static const char *const serial_names[] = {"isa-serial", "pci-serial",
						   NULL};
	_cleanup_free_ char *port = xml_attr(n, "port");
	const xmlNode *m = xml_child(n, "model");
	_cleanup_free_ char *model = m ? xml_attr(m, "name") : NULL;
	uint64_t p;
	int v = 0;

	xml_check_known(n, (const char *const[]){"type", "port", NULL},
			(const char *const[]){"model", NULL}, w);
	if (port &&
	    xml_uint(n, "port", port, 0, DOMAIN_MAX_CHARDEVS - 1, &p, e) < 0)
		return -EINVAL;
	if (port)
		c->port = (unsigned)p;
	if (kind == CHR_PARALLEL) {
		_cleanup_free_ char *type = xml_attr(n, "type");

		if (type || m)
			return xml_err(e, n,
				       "a parallel port's <target> has a port "
				       "only (QEMU's isa-parallel)");
		return 0;
	}
	if (console) {
		if (parse_enum_attr(n, "type", "console target type",
				    console_target_names, &v, e) < 0)
			return -EINVAL;
		c->target = v;
		return 0;
	}
	if (parse_enum_attr(n, "type", "serial target type", serial_names, &v,
			    e) < 0)
		return -EINVAL;
	c->serial_target = v;
	if (model && !streq(model, serial_names[v]))
		return xml_err(e, m,
			       "serial target model '%s' is not its type "
			       "'%s'",
			       model, serial_names[v]);
	return 0;
}

/*
 * <serial> or <console>: its type and <source> (domain_conf_chardev.c),
 * <target port=> (and a console's type=), <log>. A serial's port
 * defaults to its index (@index), as libvirt numbers them.
 */
int domain_parse_chardev(const xmlNode *node, enum chardev_kind kind,
			 unsigned index, struct domain_chardev *c,
			 struct xml_warnings *w, struct err **e)
{
	bool console = kind == CHR_CONSOLE;
	static const char *const children[] = {"target", "log",	    "source",
					       "alias",	 "address", "protocol",
					       NULL};
	xmlNode *n;

	xml_check_known(node, (const char *const[]){"type", NULL}, children, w);
	if (domain_chardev_parse_source(node, &c->type, &c->src, w, e) < 0)
		return -EINVAL;
	if (c->type == CHARDEV_SPICEVMC || c->type == CHARDEV_QEMU_VDAGENT)
		return xml_err(e, node,
			       "type '%s' is a SPICE agent's: on a "
			       "<channel> only",
			       chardev_type_names[c->type]);
	c->port = console ? 0 : index;
	if ((n = xml_child(node, "target")) &&
	    parse_chardev_target(n, kind, c, w, e) < 0)
		return -EINVAL;
	/* a console's <address> is its serial port's: kept as given */
	if (parse_chardev_address(node, console, c, e) < 0)
		return -EINVAL;
	if ((n = xml_child(node, "log")))
		return parse_chardev_log(n, c, w, e);
	return 0;
}

/* <serial>, <console> or <parallel>: its source, target, address, log. */
void domain_format_chardev(FILE *f, enum chardev_kind kind,
			   const struct domain_chardev *c)
{
	static const char *const tags[] = {"serial", "console", "parallel"};
	const char *tag = tags[kind];

	fprintf(f, "    <%s type='%s'>\n", tag, chardev_type_names[c->type]);
	domain_chardev_format_source(f, 6, c->type, &c->src);
	if (kind == CHR_PARALLEL)
		fprintf(f, "      <target port='%u'/>\n", c->port);
	else if (kind == CHR_CONSOLE)
		fprintf(f, "      <target type='%s' port='%u'/>\n",
			console_target_names[c->target], c->port);
	else
		fprintf(f, "      <target type='%s' port='%u'/>\n",
			c->serial_target == SERIAL_TARGET_PCI ? "pci-serial"
							      : "isa-serial",
			c->port);
	domain_format_pci_address(f, 6, &c->pci);
	if (c->iobase || c->irq) {
		fputs("      <address type='isa'", f);
		if (c->iobase)
			fprintf(f, " iobase='0x%x'", c->iobase);
		if (c->irq)
			fprintf(f, " irq='0x%x'", c->irq);
		fputs("/>\n", f);
	}
	if (c->log_file) {
		fputs("      <log", f);
		xml_put_attr(f, "file", c->log_file);
		if (c->log_append)
			xml_put_attr(f, "append",
				     tristate_names[c->log_append]);
		fputs("/>\n", f);
	}
	fprintf(f, "    </%s>\n", tag);
}

void domain_chardev_source_copy(struct chardev_source *to,
				const struct chardev_source *from)
{
	*to = *from;
	to->path = from->path ? xstrdup(from->path) : NULL;
	to->host = from->host ? xstrdup(from->host) : NULL;
	to->service = from->service ? xstrdup(from->service) : NULL;
	to->bind_host = from->bind_host ? xstrdup(from->bind_host) : NULL;
	to->bind_service =
		from->bind_service ? xstrdup(from->bind_service) : NULL;
}

bool domain_chardev_source_within(enum chardev_type ta,
				  const struct chardev_source *a,
				  enum chardev_type tb,
				  const struct chardev_source *b)
{
	const char *const sa[] = {a->path, a->host, a->service, a->bind_host,
				  a->bind_service};
	const char *const sb[] = {b->path, b->host, b->service, b->bind_host,
				  b->bind_service};

	if (ta != tb || a->listen != b->listen || a->telnet != b->telnet ||
	    (a->tls_no && !b->tls_no) || (a->append && a->append != b->append))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(sa); i++)
		if (sa[i] && (!sb[i] || !streq(sa[i], sb[i])))
			return false;
	return true;
}

void domain_chardev_source_clear(struct chardev_source *src)
{
	free(src->path);
	free(src->host);
	free(src->service);
	free(src->bind_host);
	free(src->bind_service);
	memset(src, 0, sizeof(*src));
}
