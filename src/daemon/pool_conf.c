// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pool and volume XML (pool_conf.h): parsed with libxml2 through
 * xml_util, every value checked before it is kept; what the subset does
 * not know is warned about, what would change the meaning if ignored
 * (another pool type, another volume format or type) is refused by
 * name. Formatting writes libvirt's element order and form.
 */
#include "daemon/pool_conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "lib/size.h"
#include "storage/iscsi.h"

const char *const pool_type_names[] = {"dir",	"fs",	 "logical", "disk",
				       "netfs", "iscsi", "rbd",	    NULL};

/* The pool types libvirt has and nido does not (yet): named refusals. */
static const char *const other_types[] = {"iscsi-direct", "scsi",    "mpath",
					  "sheepdog",	  "gluster", "zfs",
					  "vstorage",	  NULL};

int pool_name_check(const char *name, struct err **e)
{
	size_t n = strlen(name);

	if (n == 0 || n > POOL_NAME_MAX)
		return err_set(e, EINVAL,
			       "pool name '%.64s' must be 1 to %d characters",
			       name, POOL_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return err_set(e, EINVAL,
			       "pool name '%s' must not start with '%c'", name,
			       name[0]);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    !strchr("_.+-", name[i]))
			return err_set(
				e, EINVAL,
				"pool name '%s' has an invalid character "
				"(allowed: letters, digits, '_', '.', "
				"'+', '-')",
				name);
	return 0;
}

void pool_def_free(struct pool_def *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->target);
	free(d->source_device);
	free(d->source_format);
	for (size_t i = 0; i < d->n_source_devices; i++)
		free(d->source_devices[i]);
	free(d->source_devices);
	free(d->source_name);
	free(d->source_host);
	free(d->source_dir);
	free(d->source_protocol);
	free(d->source_iqn);
	free(d->source_initiator);
	for (size_t i = 0; i < d->n_source_hosts; i++)
		free(d->source_hosts[i]);
	free(d->source_hosts);
	free(d->source_ports);
	free(d->auth_user);
	free(d);
}

static void cleanup_pool_defp(struct pool_def **d)
{
	pool_def_free(*d);
}

void vol_def_free(struct vol_def *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->format);
	free(d->backing);
	free(d->backing_format);
	free(d);
}

static void cleanup_vol_defp(struct vol_def **d)
{
	vol_def_free(*d);
}

static size_t count_children(const xmlNode *node, const char *name)
{
	size_t n = 0;

	for (xmlNode *c = node->children; c; c = c->next)
		n += c->type == XML_ELEMENT_NODE && !c->ns &&
		     xmlStrEqual(c->name, BAD_CAST name);
	return n;
}

/* No element of @names appears twice under @node (one would be lost). */
int pool_check_singles(const xmlNode *node, const char *const *names,
		       struct err **e)
{
	for (size_t i = 0; names[i]; i++)
		if (count_children(node, names[i]) > 1)
			return xml_err(e, node, "more than one <%s>", names[i]);
	return 0;
}

/*
 * An absolute path, as a pool's target or a backing store: no control
 * character, no "." or ".." component; repeated and trailing slashes
 * dropped. Malloc'ed into *@out.
 */
static int parse_path(const xmlNode *n, const char *what, const char *value,
		      char **out, struct err **e)
{
	_cleanup_free_ char *v = xstrdup(value);
	char *o, *p;

	if (v[0] != '/')
		return xml_err(e, n, "%s '%s' is not an absolute path", what,
			       v);
	if (strlen(v) > 4000)
		return xml_err(e, n, "%s is longer than 4000 bytes", what);
	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return xml_err(e, n, "%s has a control character",
				       what);
	for (p = o = v; *p; p++)
		if (*p != '/' || o == v || o[-1] != '/')
			*o++ = *p;
	*o = '\0';
	if (o > v + 1 && o[-1] == '/')
		o[-1] = '\0';
	if (strstr(v, "/./") || strstr(v, "/../") ||
	    (strlen(v) >= 2 && streq(v + strlen(v) - 2, "/.")) ||
	    (strlen(v) >= 3 && streq(v + strlen(v) - 3, "/..")))
		return xml_err(e, n, "%s '%s' has a '.' or '..' component",
			       what, v);
	*out = steal_ptr(v);
	return 0;
}

/* <permissions><mode/><owner/><group/><label/></permissions>. */
static int parse_perms(const xmlNode *n, struct pool_perms *p,
		       struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"mode", "owner", "group", "label",
					   NULL};
	xmlNode *c;
	uint64_t v;

	xml_check_known(n, NULL, kids, w);
	if (pool_check_singles(n, kids, e) < 0)
		return -EINVAL;
	if ((c = xml_child(n, "mode"))) {
		_cleanup_free_ char *t = xml_text(c);
		char *end;
		unsigned long m;

		errno = 0;
		m = strtoul(t, &end, 8);
		if (!*t || *end || errno || m > 07777 || *t == '-' || *t == '+')
			return xml_err(e, c, "mode '%s' is not an octal mode",
				       t);
		p->mode = (int)m;
	}
	if ((c = xml_child(n, "owner"))) {
		_cleanup_free_ char *t = xml_text(c);

		if (!streq(t, "-1")) {
			if (xml_uint(c, "owner", t, 0, UINT32_MAX - 1, &v, e) <
			    0)
				return -EINVAL;
			p->owner = (long)v;
		}
	}
	if ((c = xml_child(n, "group"))) {
		_cleanup_free_ char *t = xml_text(c);

		if (!streq(t, "-1")) {
			if (xml_uint(c, "group", t, 0, UINT32_MAX - 1, &v, e) <
			    0)
				return -EINVAL;
			p->group = (long)v;
		}
	}
	if (xml_child(n, "label"))
		xml_warn(w, xml_child(n, "label"),
			 "<label>: security labels are not applied");
	return 0;
}

static int parse_identity(const xmlNode *root, char **name, struct uuid *uuid,
			  bool *generated, struct err **e)
{
	xmlNode *n = xml_child(root, "name");
	xmlNode *src = xml_child(root, "source");
	_cleanup_free_ char *text = NULL, *type = xml_attr(root, "type");

	/* libvirt names a logical pool without <name> after its group */
	if (!n && type && streq(type, "logical") && src)
		n = xml_child(src, "name");
	if (!n)
		return xml_err(e, root, "missing <name>");
	*name = xml_text(n);
	if (pool_name_check(*name, e) < 0)
		return err_prefix(e, "line %ld", xmlGetLineNo(n));
	if (!uuid)
		return 0;
	if ((n = xml_child(root, "uuid"))) {
		text = xml_text(n);
		if (uuid_from_text(text, uuid, e) < 0)
			return err_prefix(e, "line %ld", xmlGetLineNo(n));
	} else {
		*generated = true;
		uuid_new_random(uuid);
	}
	return 0;
}

/* A <device path=...> into *@out. */
static int parse_device(const xmlNode *n, char **out, struct xml_warnings *w,
			struct err **e)
{
	_cleanup_free_ char *p = xml_attr(n, "path");

	/* libvirt's <freeExtent> children are its output, read back */
	xml_check_known(n, (const char *const[]){"path", NULL},
			(const char *const[]){"freeExtent", NULL}, w);
	if (!p)
		return xml_err(e, n, "missing attribute 'path'");
	return parse_path(n, "device path", p, out, e);
}

/*
 * A logical pool's <source>: its <device path> elements (the physical
 * volumes), <name> (the volume group) and <format type='lvm2'>.
 */
static int parse_source_logical(const xmlNode *src, struct pool_def *d,
				struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"device", "name", "format", NULL};
	xmlNode *n;

	xml_check_known(src, NULL, kids, w);
	if (pool_check_singles(src, kids + 1, e) < 0)
		return -EINVAL;
	for (n = src->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || n->ns ||
		    !xmlStrEqual(n->name, BAD_CAST "device"))
			continue;
		if (d->n_source_devices >= 64)
			return xml_err(e, n, "more than 64 <device>");
		d->source_devices =
			xreallocarray(d->source_devices,
				      d->n_source_devices + 1, sizeof(char *));
		if (parse_device(n, &d->source_devices[d->n_source_devices], w,
				 e) < 0)
			return -EINVAL;
		d->n_source_devices++;
	}
	if ((n = xml_child(src, "name"))) {
		_cleanup_err_ struct err *why = NULL;

		d->source_name = xml_text(n);
		if (pool_name_check(d->source_name, &why) < 0)
			return xml_err(e, n, "invalid volume group name: %s",
				       err_msg(why));
	}
	if ((n = xml_child(src, "format"))) {
		_cleanup_free_ char *t = xml_attr(n, "type");

		xml_check_known(n, (const char *const[]){"type", NULL}, NULL,
				w);
		if (!t || (!streq(t, "lvm2") && !streq(t, "auto") &&
			   !streq(t, "unknown"))) {
			xml_err(e, n,
				"logical pool format '%s' is not "
				"supported (lvm2)",
				t ? t : "");
			return err_mark(e, ERR_CONFIG_UNSUPPORTED);
		}
	}
	return 0;
}

/* A host name or address: what mount.nfs resolves, never an option. */
int pool_parse_host(const xmlNode *n, char **out, struct err **e)
{
	_cleanup_free_ char *h = xml_attr(n, "name");

	if (!h)
		return xml_err(e, n, "missing attribute 'name'");
	if (!iscsi_host_ok(h))
		return xml_err(e, n,
			       "host '%.64s' is not a host name or address", h);
	*out = steal_ptr(h);
	return 0;
}

/* <protocol ver='4.1'/>: the NFS version mount asks for (vers=). */
static int parse_protocol(const xmlNode *n, char **out, struct xml_warnings *w,
			  struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, "ver");

	xml_check_known(n, (const char *const[]){"ver", NULL}, NULL, w);
	if (!v)
		return xml_err(e, n, "missing attribute 'ver'");
	if (!*v || strlen(v) > 8 || !isdigit((unsigned char)v[0]) ||
	    strspn(v, "0123456789.") != strlen(v))
		return xml_err(e, n, "NFS version '%.16s' is not a version", v);
	*out = steal_ptr(v);
	return 0;
}

/*
 * A netfs pool's <source>: <host name> (one: libvirt's several are
 * for other pool types), <dir path>, <format type='nfs'>.
 */
static int parse_source_netfs(const xmlNode *src, struct pool_def *d,
			      struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"host", "dir", "format", "protocol",
					   NULL};
	xmlNode *n;

	xml_check_known(src, NULL, kids, w);
	if (pool_check_singles(src, kids, e) < 0)
		return -EINVAL;
	if ((n = xml_child(src, "format"))) {
		_cleanup_free_ char *t = xml_attr(n, "type");

		xml_check_known(n, (const char *const[]){"type", NULL}, NULL,
				w);
		if (!t || (!streq(t, "nfs") && !streq(t, "auto"))) {
			xml_err(e, n,
				"netfs pool format '%s' is not supported "
				"(nfs)",
				t ? t : "");
			return err_mark(e, ERR_CONFIG_UNSUPPORTED);
		}
		if (streq(t, "nfs"))
			d->source_format = steal_ptr(t);
	}
	if ((n = xml_child(src, "protocol")) &&
	    parse_protocol(n, &d->source_protocol, w, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(src, "host")))
		return xml_err(e, src, "a netfs pool needs <host name=...>");
	xml_check_known(n, (const char *const[]){"name", "port", NULL}, NULL,
			w);
	{
		_cleanup_free_ char *port = xml_attr(n, "port");

		if (port)
			xml_warn(w, n, "port: ignored (NFS finds its port)");
	}
	if (pool_parse_host(n, &d->source_host, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(src, "dir")))
		return xml_err(e, src, "a netfs pool needs <dir path=...>");
	xml_check_known(n, (const char *const[]){"path", NULL}, NULL, w);
	{
		_cleanup_free_ char *p = xml_attr(n, "path");

		if (!p)
			return xml_err(e, n, "missing attribute 'path'");
		if (parse_path(n, "export path", p, &d->source_dir, e) < 0)
			return -EINVAL;
	}
	return 0;
}

/*
 * An iSCSI name (RFC 3720: "iqn.", "eui.", "naa." forms; libvirt takes
 * any): what reaches iscsiadm's argv after -T or as an initiator name,
 * never an option.
 */
static int parse_iqn(const xmlNode *n, const char *what, const char *attr,
		     char **out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);

	if (!v)
		return xml_err(e, n, "missing attribute '%s'", attr);
	if (!iscsi_name_ok(v))
		return xml_err(e, n,
			       "%s '%.64s' is not an iSCSI name (letters, "
			       "digits, '.', '-', ':'; at most 223 bytes)",
			       what, v);
	*out = steal_ptr(v);
	return 0;
}

/*
 * An iscsi pool's <source>: <host name port>, <device path> (the
 * target's IQN), <initiator><iqn name>. <auth> would need a secret
 * store nido does not have: refused by name.
 */
static int parse_source_iscsi(const xmlNode *src, struct pool_def *d, bool spec,
			      struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"host", "device", "initiator",
					   "auth", NULL};
	xmlNode *n;

	if ((n = xml_child(src, "auth"))) {
		_cleanup_free_ char *t = xml_attr(n, "type");

		xml_err(e, n,
			"<auth type='%.16s'> is not supported: nido keeps no "
			"secrets (an iscsi pool logs in without "
			"authentication)",
			t ? t : "");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	xml_check_known(src, NULL, kids, w);
	if (pool_check_singles(src, kids, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(src, "host")))
		return xml_err(e, src, "an iscsi pool needs <host name=...>");
	xml_check_known(n, (const char *const[]){"name", "port", NULL}, NULL,
			w);
	if (pool_parse_host(n, &d->source_host, e) < 0)
		return -EINVAL;
	{
		_cleanup_free_ char *port = xml_attr(n, "port");
		uint64_t v;

		if (port && xml_uint(n, "port", port, 1, 65535, &v, e) < 0)
			return -EINVAL;
		d->source_port = port ? (unsigned)v : 0;
	}
	if (!(n = xml_child(src, "device")) && !spec)
		return xml_err(e, src,
			       "an iscsi pool needs <device path=...> (the "
			       "target's IQN)");
	if (n)
		xml_check_known(n, (const char *const[]){"path", NULL}, NULL,
				w);
	if (n && parse_iqn(n, "target", "path", &d->source_iqn, e) < 0)
		return -EINVAL;
	if ((n = xml_child(src, "initiator"))) {
		xmlNode *iqn = xml_child(n, "iqn");

		xml_check_known(n, NULL, (const char *const[]){"iqn", NULL}, w);
		if (pool_check_singles(n, (const char *const[]){"iqn", NULL},
				       e) < 0)
			return -EINVAL;
		if (!iqn)
			return xml_err(e, n, "missing <iqn name=...>");
		xml_check_known(iqn, (const char *const[]){"name", NULL}, NULL,
				w);
		if (parse_iqn(iqn, "initiator", "name", &d->source_initiator,
			      e) < 0)
			return -EINVAL;
	}
	return 0;
}

/* <source>: an fs pool's <device path> and <format type>. */
static int parse_source(const xmlNode *src, struct pool_def *d,
			struct xml_warnings *w, struct err **e)
{
	static const char *const fs_kids[] = {"device", "format", NULL};
	xmlNode *n;

	if (d->type == POOL_LOGICAL)
		return parse_source_logical(src, d, w, e);
	if (d->type == POOL_NETFS)
		return parse_source_netfs(src, d, w, e);
	if (d->type == POOL_ISCSI)
		return parse_source_iscsi(src, d, false, w, e);
	if (d->type == POOL_RBD)
		return pool_parse_source_rbd(src, d, w, e);
	if (d->type != POOL_FS && d->type != POOL_DISK) {
		xml_check_known(src, NULL, NULL, w);
		return 0;
	}
	xml_check_known(src, NULL, fs_kids, w);
	if (pool_check_singles(src, fs_kids, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(src, "device")))
		return xml_err(e, src, "%s pool needs <device path=...>",
			       d->type == POOL_FS ? "an fs" : "a disk");
	if (parse_device(n, &d->source_device, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(src, "format"))) {
		_cleanup_free_ char *t = xml_attr(n, "type");

		xml_check_known(n, (const char *const[]){"type", NULL}, NULL,
				w);
		if (!t || !*t || strlen(t) > 16 ||
		    strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789") !=
			    strlen(t))
			return xml_err(e, n, "invalid file system type '%s'",
				       t ? t : "");
		if (d->type == POOL_DISK && !streq(t, "auto") &&
		    !streq(t, "unknown") && !streq(t, "dos") &&
		    !streq(t, "gpt")) {
			xml_err(e, n,
				"disk pool format '%s' is not supported (dos, "
				"gpt)",
				t);
			return err_mark(e, ERR_CONFIG_UNSUPPORTED);
		}
		if (!streq(t, "auto") && !streq(t, "unknown"))
			d->source_format = steal_ptr(t);
	}
	return 0;
}

/* <target>: <path> (optional when @d's type has a default) and
 * <permissions>. */
static int parse_target(const xmlNode *t, struct pool_def *d,
			struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"path", "permissions", NULL};
	bool dflt = d->type == POOL_LOGICAL || d->type == POOL_DISK ||
		    d->type == POOL_ISCSI;
	xmlNode *n;

	xml_check_known(t, NULL, kids, w);
	if (pool_check_singles(t, kids, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(t, "path")) && !dflt)
		return xml_err(e, t, "missing <path>");
	if (n) {
		_cleanup_free_ char *p = xml_text(n);

		if (parse_path(n, "target path", p, &d->target, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(t, "permissions")))
		return parse_perms(n, &d->perms, w, e);
	return 0;
}

static int parse_pool_type(const xmlNode *root, struct pool_def *d,
			   struct err **e)
{
	_cleanup_free_ char *type = xml_attr(root, "type");

	if (!type)
		return xml_err(e, root, "missing attribute 'type'");
	for (size_t i = 0; other_types[i]; i++)
		if (streq(type, other_types[i])) {
			xml_err(e, root,
				"pool type '%s' is not supported (dir, fs, "
				"logical, disk, netfs, iscsi, rbd)",
				type);
			return err_mark(e, ERR_CONFIG_UNSUPPORTED);
		}
	d->type = xml_enum(root, "pool type", type, pool_type_names, e);
	return (int)d->type < 0 ? -EINVAL : 0;
}

/*
 * A logical pool's volumes are /dev/VG/NAME, a disk pool's /dev/PART:
 * the target, when given, must be /dev/VG or /dev (libvirt's defaults
 * when absent).
 */
static int dev_target(const xmlNode *root, struct pool_def *d,
		      struct xml_warnings *w, struct err **e)
{
	const char *vg = d->source_name ? d->source_name : d->name;
	_cleanup_free_ char *want = d->type == POOL_DISK
					    ? xstrdup("/dev")
					    : xasprintf("/dev/%s", vg);
	xmlNode *n = xml_child(root, "target");

	if (n && parse_target(n, d, w, e) < 0)
		return -EINVAL;
	if (!d->target)
		d->target = steal_ptr(want);
	else if (!streq(d->target, want))
		return xml_err(e, n,
			       "a %s pool's target is '%s' (where its "
			       "volumes' devices are), not '%s'",
			       pool_type_names[d->type], want, d->target);
	return 0;
}

static int pool_parse_root(const xmlNode *root, struct pool_def *d,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {
		"name",	  "uuid",   "capacity", "allocation", "available",
		"source", "target", "refresh",	NULL};
	xmlNode *n;

	xml_check_known(root, (const char *const[]){"type", NULL}, kids, w);
	if (pool_check_singles(root, kids, e) < 0 ||
	    parse_pool_type(root, d, e) < 0)
		return -EINVAL;
	d->perms = (struct pool_perms){-1, -1, -1};
	if (parse_identity(root, &d->name, &d->uuid, &d->uuid_generated, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "source")) && parse_source(n, d, w, e) < 0)
		return -EINVAL;
	if (!n && d->type == POOL_NETFS)
		return xml_err(e, root,
			       "a netfs pool needs <source><host> "
			       "and <dir>");
	if (!n && d->type == POOL_ISCSI)
		return xml_err(e, root,
			       "an iscsi pool needs <source><host> and "
			       "<device>");
	if (!n && (d->type == POOL_FS || d->type == POOL_DISK))
		return xml_err(e, root, "%s pool needs <source><device>",
			       d->type == POOL_FS ? "an fs" : "a disk");
	if ((n = xml_child(root, "refresh")) &&
	    pool_parse_refresh(n, d, w, e) < 0)
		return -EINVAL;
	if (d->type == POOL_RBD)
		return pool_rbd_target(root, d, w, e);
	if (d->type == POOL_LOGICAL || d->type == POOL_DISK)
		return dev_target(root, d, w, e);
	if (d->type == POOL_ISCSI) {
		/* where the LUNs' stable links are looked for */
		if ((n = xml_child(root, "target")) &&
		    parse_target(n, d, w, e) < 0)
			return -EINVAL;
		if (!d->target)
			d->target = xstrdup("/dev/disk/by-path");
		return 0;
	}
	if (!(n = xml_child(root, "target")))
		return xml_err(e, root, "missing <target>");
	return parse_target(n, d, w, e);
}

int pool_def_parse(const char *xml, size_t len, struct pool_def **out,
		   struct xml_warnings *w, struct err **e)
{
	__attribute__((cleanup(cleanup_pool_defp))) struct pool_def *d = NULL;
	xmlDoc *doc = xml_parse(xml, len, "pool XML", "pool", e);
	int r;

	if (!doc)
		return err_mark(e, ERR_XML_ERROR);
	d = xcalloc(1, sizeof(*d));
	r = pool_parse_root(xmlDocGetRootElement(doc), d, w, e);
	xmlFreeDoc(doc);
	if (r < 0) {
		err_mark(e, ERR_XML_ERROR);
		return d->name ? err_prefix(e, "pool '%s'", d->name) : r;
	}
	*out = steal_ptr(d);
	return 0;
}

void pool_def_params(const struct pool_def *d, struct storage_pool_params *p)
{
	*p = (struct storage_pool_params){
		.name = d->name,
		.target = d->target,
		.device = d->n_source_devices ? d->source_devices[0]
					      : d->source_device,
		.fs_format = d->source_format,
		.devices = (const char *const *)d->source_devices,
		.n_devices = d->n_source_devices,
		.source_name = d->source_name,
		.host = d->source_host,
		.source_dir = d->source_dir,
		.protocol = d->source_protocol,
		.port = d->source_port,
		.iqn = d->source_iqn,
		.initiator = d->source_initiator,
		.hosts = (const char *const *)d->source_hosts,
		.host_ports = d->source_ports,
		.n_hosts = d->n_source_hosts,
		.auth_user = d->auth_user,
		.alloc_is_capacity = d->alloc_is_capacity,
		.mode = d->perms.mode,
		.owner = d->perms.owner,
		.group = d->perms.group,
	};
}

static void put_perms(FILE *f, const char *ind, int mode, long owner,
		      long group)
{
	fprintf(f, "%s<permissions>\n", ind);
	if (mode >= 0)
		fprintf(f, "%s  <mode>%04o</mode>\n", ind, (unsigned)mode);
	if (owner >= 0)
		fprintf(f, "%s  <owner>%ld</owner>\n", ind, owner);
	if (group >= 0)
		fprintf(f, "%s  <group>%ld</group>\n", ind, group);
	fprintf(f, "%s</permissions>\n", ind);
}

char *pool_def_format(const struct pool_def *d,
		      const struct storage_space *space)
{
	const struct storage_space none = {0};
	char *text = NULL, u[UUID_TEXT_LEN];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!space)
		space = &none;
	fprintf(f, "<pool type='%s'>\n  <name>%s</name>\n", /* names checked */
		pool_type_names[d->type], d->name);
	fprintf(f, "  <uuid>%s</uuid>\n", uuid_to_text(&d->uuid, u));
	fprintf(f,
		"  <capacity unit='bytes'>%" PRIu64 "</capacity>\n"
		"  <allocation unit='bytes'>%" PRIu64 "</allocation>\n"
		"  <available unit='bytes'>%" PRIu64 "</available>\n",
		space->capacity, space->allocation, space->available);
	fprintf(f, "  <source>\n");
	if (d->type == POOL_FS || d->type == POOL_DISK) {
		fprintf(f, "    <device path='");
		xml_escape_attr(f, d->source_device);
		fprintf(f, "'/>\n    <format type='%s'/>\n",
			d->source_format       ? d->source_format
			: d->type == POOL_DISK ? "unknown"
					       : "auto");
	} else if (d->type == POOL_NETFS) {
		fprintf(f,
			"    <host name='%s'/>\n    <dir path='", /* checked */
			d->source_host);
		xml_escape_attr(f, d->source_dir);
		fprintf(f, "'/>\n    <format type='%s'/>\n",
			d->source_format ? "nfs" : "auto");
		if (d->source_protocol) /* checked */
			fprintf(f, "    <protocol ver='%s'/>\n",
				d->source_protocol);
	} else if (d->type == POOL_ISCSI) {
		fprintf(f, "    <host name='%s'", d->source_host); /* checked */
		if (d->source_port)
			fprintf(f, " port='%u'", d->source_port);
		fprintf(f, "/>\n    <device path='%s'/>\n", /* checked */
			d->source_iqn);
		if (d->source_initiator) /* checked */
			fprintf(f,
				"    <initiator>\n      <iqn name='%s'/>\n"
				"    </initiator>\n",
				d->source_initiator);
	} else if (d->type == POOL_LOGICAL) {
		for (size_t i = 0; i < d->n_source_devices; i++) {
			fprintf(f, "    <device path='");
			xml_escape_attr(f, d->source_devices[i]);
			fprintf(f, "'/>\n");
		}
		fprintf(f, "    <name>%s</name>\n", /* checked */
			d->source_name ? d->source_name : d->name);
		fprintf(f, "    <format type='lvm2'/>\n");
	} else if (d->type == POOL_RBD) {
		pool_format_rbd(f, d);
		fclose(f);
		return text;
	}
	fprintf(f, "  </source>\n  <target>\n    <path>");
	xml_escape_text(f, d->target);
	fprintf(f, "</path>\n");
	if (d->perms.mode >= 0 || d->perms.owner >= 0 || d->perms.group >= 0)
		put_perms(f, "    ", d->perms.mode, d->perms.owner,
			  d->perms.group);
	fprintf(f, "  </target>\n</pool>\n");
	fclose(f);
	return text;
}

int pool_source_spec_parse(const char *xml, size_t len,
			   struct pool_source_spec *out, struct xml_warnings *w,
			   struct err **e)
{
	struct pool_def d = {.type = POOL_ISCSI};
	xmlDoc *doc = xml_parse(xml, len, "source spec XML", "source", e);
	int r;

	if (!doc)
		return err_mark(e, ERR_XML_ERROR);
	r = parse_source_iscsi(xmlDocGetRootElement(doc), &d, true, w, e);
	xmlFreeDoc(doc);
	free(d.source_iqn); /* a target of its own is not asked for */
	if (r < 0) {
		free(d.source_host);
		free(d.source_initiator);
		return err_mark(e, ERR_XML_ERROR);
	}
	*out = (struct pool_source_spec){d.source_host, d.source_port,
					 d.source_initiator};
	return 0;
}

void pool_source_spec_clear(struct pool_source_spec *s)
{
	free(s->host);
	free(s->initiator);
	memset(s, 0, sizeof(*s));
}

char *pool_iscsi_sources_format(const char *host, unsigned port,
				const struct iscsi_target *t, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "<sources>\n");
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = streq(t[j].iqn, t[i].iqn);
		if (seen)
			continue;
		fprintf(f, "  <source>\n    <host name='");
		xml_escape_attr(f, host);
		fprintf(f, "'");
		if (port)
			fprintf(f, " port='%u'", port);
		fprintf(f, "/>\n    <device path='");
		xml_escape_attr(f, t[i].iqn);
		fprintf(f, "'/>\n  </source>\n");
	}
	fprintf(f, "</sources>\n");
	fclose(f);
	return text;
}

/* ---- volumes ------------------------------------------------------------ */

/* <capacity unit=...>N</capacity> and the like, into *@out. */
static int parse_size(const xmlNode *n, uint64_t *out, struct xml_warnings *w,
		      struct err **e)
{
	_cleanup_free_ char *v = xml_text(n);
	_cleanup_free_ char *unit = xml_attr(n, "unit");
	_cleanup_err_ struct err *why = NULL;

	xml_check_known(n, (const char *const[]){"unit", NULL}, NULL, w);
	if (size_parse_unit(v, unit, out, &why) < 0)
		return xml_err(e, n, "%s", err_msg(why));
	return 0;
}

/* <format type='raw|qcow2'/> of a volume or its backing store. */
static int parse_vol_format(const xmlNode *n, bool backing, char **out,
			    struct xml_warnings *w, struct err **e)
{
	static const char *const creatable[] = {"raw", "qcow2", "none", NULL};
	static const char *const readable[] = {"raw", "qcow2", "vmdk", "vdi",
					       NULL};
	_cleanup_free_ char *t = xml_attr(n, "type");

	xml_check_known(n, (const char *const[]){"type", NULL}, NULL, w);
	if (!t)
		return xml_err(e, n, "missing attribute 'type'");
	if (xml_enum(n, backing ? "backing store format" : "volume format", t,
		     backing ? readable : creatable, e) < 0)
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	*out = steal_ptr(t);
	return 0;
}

static int parse_vol_target(const xmlNode *t, struct vol_def *d,
			    struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {
		"path",	    "format", "permissions", "compat",
		"features", "nocow",  "timestamps",  NULL};
	xmlNode *n;

	if ((n = xml_child(t, "encryption"))) {
		xml_err(e, n,
			"encrypted volumes are not supported (the volume "
			"would be made in clear)");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	xml_check_known(t, NULL, kids, w);
	if (pool_check_singles(t, kids, e) < 0)
		return -EINVAL;
	if (xml_child(t, "path"))
		xml_warn(w, xml_child(t, "path"),
			 "<path>: a volume's path is its pool's directory and "
			 "its name; this one is ignored");
	if ((n = xml_child(t, "format")) &&
	    parse_vol_format(n, false, &d->format, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(t, "permissions")) &&
	    parse_perms(n, &d->perms, w, e) < 0)
		return -EINVAL;
	for (const char *const *k = kids + 3; *k; k++)
		if ((n = xml_child(t, *k)))
			xml_warn(w, n, "<%s>: ignored (%s)", *k,
				 k < kids + 5	      ? "nido makes qcow2 v3"
				 : streq(*k, "nocow") ? "no copy-on-write "
							"attribute is set"
						      : "output only");
	return 0;
}

static int parse_backing(const xmlNode *b, struct vol_def *d,
			 struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"path", "format", "permissions",
					   NULL};
	xmlNode *n;

	xml_check_known(b, NULL, kids, w);
	if (pool_check_singles(b, kids, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(b, "path")))
		return xml_err(e, b, "missing <path>");
	{
		_cleanup_free_ char *p = xml_text(n);

		if (parse_path(n, "backing store path", p, &d->backing, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(b, "format")))
		return parse_vol_format(n, true, &d->backing_format, w, e);
	return 0;
}

static int vol_parse_root(const xmlNode *root, struct vol_def *d,
			  struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {
		"name",	    "key",    "source",	      "capacity", "allocation",
		"physical", "target", "backingStore", NULL};
	_cleanup_free_ char *type = xml_attr(root, "type");
	_cleanup_err_ struct err *why = NULL;
	xmlNode *n;

	xml_check_known(root, (const char *const[]){"type", NULL}, kids, w);
	if (pool_check_singles(root, kids, e) < 0)
		return -EINVAL;
	if (type && !streq(type, "file") && !streq(type, "block")) {
		xml_err(e, root,
			"volume type '%s' is not supported (file volumes of "
			"dir, fs and netfs pools, block volumes of logical and "
			"disk pools)",
			type);
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	d->block = type && streq(type, "block");
	d->perms = (struct pool_perms){-1, -1, -1};
	if (!(n = xml_child(root, "name")))
		return xml_err(e, root, "missing <name>");
	d->name = xml_text(n);
	if (storage_vol_name_check(d->name, &why) < 0)
		return xml_err(e, n, "%s", err_msg(why));
	if ((n = xml_child(root, "capacity"))) {
		if (parse_size(n, &d->capacity, w, e) < 0)
			return -EINVAL;
		d->has_capacity = true;
	}
	if ((n = xml_child(root, "allocation"))) {
		if (parse_size(n, &d->allocation, w, e) < 0)
			return -EINVAL;
		d->has_allocation = true;
	}
	if ((n = xml_child(root, "target")) && parse_vol_target(n, d, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "backingStore")) &&
	    parse_backing(n, d, w, e) < 0)
		return -EINVAL;
	if (!d->has_capacity && !d->backing)
		return xml_err(e, root, "missing <capacity>");
	if (!d->format)
		d->format = xstrdup("raw");
	return 0;
}

int vol_def_parse(const char *xml, size_t len, struct vol_def **out,
		  struct xml_warnings *w, struct err **e)
{
	__attribute__((cleanup(cleanup_vol_defp))) struct vol_def *d = NULL;
	xmlDoc *doc = xml_parse(xml, len, "volume XML", "volume", e);
	int r;

	if (!doc)
		return err_mark(e, ERR_XML_ERROR);
	d = xcalloc(1, sizeof(*d));
	r = vol_parse_root(xmlDocGetRootElement(doc), d, w, e);
	xmlFreeDoc(doc);
	if (r < 0) {
		err_mark(e, ERR_XML_ERROR);
		return d->name ? err_prefix(e, "volume '%s'", d->name) : r;
	}
	*out = steal_ptr(d);
	return 0;
}

char *vol_format_xml(const struct storage_vol *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "<volume type='%s'>\n  <name>",
		v->network ? "network"
		: v->block ? "block"
			   : "file");
	xml_escape_text(f, v->name);
	fprintf(f, "</name>\n  <key>");
	xml_escape_text(f, v->path);
	fprintf(f,
		"</key>\n  <source>\n  </source>\n"
		"  <capacity unit='bytes'>%" PRIu64 "</capacity>\n"
		"  <allocation unit='bytes'>%" PRIu64 "</allocation>\n"
		"  <physical unit='bytes'>%" PRIu64 "</physical>\n"
		"  <target>\n    <path>",
		v->capacity, v->allocation, v->physical);
	xml_escape_text(f, v->path);
	fprintf(f, "</path>\n    <format type='");
	xml_escape_attr(f, v->format);
	fprintf(f, "'/>\n");
	if (!v->network) /* an rbd image has no mode or owner */
		put_perms(f, "    ", (int)v->mode, (long)v->owner,
			  (long)v->group);
	fprintf(f, "  </target>\n");
	if (v->backing) {
		fprintf(f, "  <backingStore>\n    <path>");
		xml_escape_text(f, v->backing);
		fprintf(f, "</path>\n");
		if (v->backing_format) {
			fprintf(f, "    <format type='");
			xml_escape_attr(f, v->backing_format);
			fprintf(f, "'/>\n");
		}
		fprintf(f, "  </backingStore>\n");
	}
	fprintf(f, "</volume>\n");
	fclose(f);
	return text;
}
