// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rbd pool's XML (pool_conf.h): <source> with the Ceph pool's
 * <name>, the monitors' <host name= port=> and <auth username=>, and
 * <refresh><volume allocation=>. nido keeps no secrets: an <auth> with
 * a <secret> is refused by name; without one the client's keyring is
 * the one its ceph.conf names (docs/storage-xml.md, docs/security.md).
 * The pool has no <target>: its volumes are POOL/IMAGE.
 */
#include <errno.h>

#include "block/rbd-spec.h"
#include "daemon/pool_conf.h"

#define RBD_MAX_HOSTS 16

static int parse_rbd_host(const xmlNode *n, struct pool_def *d,
			  struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *port = NULL;
	uint64_t v = 0;
	size_t i = d->n_source_hosts;

	if (i == RBD_MAX_HOSTS)
		return xml_err(e, n, "more than %d <host>", RBD_MAX_HOSTS);
	xml_check_known(n, (const char *const[]){"name", "port", NULL}, NULL,
			w);
	d->source_hosts = xreallocarray(d->source_hosts, i + 1, sizeof(char *));
	d->source_ports =
		xreallocarray(d->source_ports, i + 1, sizeof(unsigned));
	d->source_hosts[i] = NULL;
	d->source_ports[i] = 0;
	d->n_source_hosts++;
	if (pool_parse_host(n, &d->source_hosts[i], e) < 0)
		return -EINVAL;
	port = xml_attr(n, "port");
	if (port && xml_uint(n, "port", port, 1, 65535, &v, e) < 0)
		return -EINVAL;
	d->source_ports[i] = (unsigned)v;
	return 0;
}

/* A Ceph client name (client.NAME): letters, digits, "._-". */
static int parse_auth(const xmlNode *n, struct pool_def *d,
		      struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(n, "type");
	_cleanup_free_ char *user = xml_attr(n, "username");
	size_t len = user ? strlen(user) : 0;
	xmlNode *s;

	xml_check_known(n, (const char *const[]){"type", "username", NULL},
			(const char *const[]){"secret", NULL}, w);
	if (!type || !streq(type, "ceph")) {
		xml_err(e, n, "<auth type='%.32s'> is not supported (ceph)",
			type ? type : "");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	if ((s = xml_child(n, "secret"))) {
		xml_err(e, s,
			"<auth><secret> is not supported: nido keeps no "
			"secrets (leave it out: the keyring that ceph.conf "
			"names for the client is used)");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	if (!user)
		return xml_err(e, n, "missing attribute 'username'");
	if (len == 0 || len > 64 || user[0] == '-' ||
	    strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") != len)
		return xml_err(e, n,
			       "username '%.64s' is not a Ceph client name",
			       user);
	d->auth_user = steal_ptr(user);
	return 0;
}

int pool_parse_source_rbd(const xmlNode *src, struct pool_def *d,
			  struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"name", "host", "auth", NULL};
	_cleanup_err_ struct err *why = NULL;
	xmlNode *n;

	xml_check_known(src, NULL, kids, w);
	if (pool_check_singles(src, (const char *const[]){"name", "auth", NULL},
			       e) < 0)
		return -EINVAL;
	for (n = src->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !n->ns &&
		    xmlStrEqual(n->name, BAD_CAST "host") &&
		    parse_rbd_host(n, d, w, e) < 0)
			return -EINVAL;
	if ((n = xml_child(src, "auth")) && parse_auth(n, d, w, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(src, "name")))
		return xml_err(e, src,
			       "an rbd pool needs <source><name> (the "
			       "Ceph pool)");
	d->source_name = xml_text(n);
	if (rbd_name_check("pool", d->source_name, &why) < 0)
		return xml_err(e, n, "%s", err_msg(why));
	return 0;
}

int pool_parse_refresh(const xmlNode *n, struct pool_def *d,
		       struct xml_warnings *w, struct err **e)
{
	xmlNode *v;

	xml_check_known(n, NULL, (const char *const[]){"volume", NULL}, w);
	if (d->type != POOL_RBD) {
		xml_warn(w, n, "<refresh>: ignored (rbd pools only)");
		return 0;
	}
	if ((v = xml_child(n, "volume"))) {
		_cleanup_free_ char *a = xml_attr(v, "allocation");

		xml_check_known(v, (const char *const[]){"allocation", NULL},
				NULL, w);
		if (!a || (!streq(a, "capacity") && !streq(a, "default")))
			return xml_err(e, v,
				       "<volume allocation='%.32s'>: expected "
				       "default or capacity",
				       a ? a : "");
		d->alloc_is_capacity = streq(a, "capacity");
	}
	return 0;
}

int pool_rbd_target(const xmlNode *root, struct pool_def *d,
		    struct xml_warnings *w, struct err **e)
{
	xmlNode *t = xml_child(root, "target");

	if (t)
		xml_warn(w, t,
			 "<target>: ignored (an rbd pool's volumes are "
			 "POOL/IMAGE)");
	if (!d->source_name)
		return xml_err(e, root,
			       "an rbd pool needs <source><name> "
			       "(the Ceph pool)");
	d->target = xstrdup(d->source_name); /* the volumes' POOL/ */
	return 0;
}

void pool_format_rbd(FILE *f, const struct pool_def *d)
{
	for (size_t i = 0; i < d->n_source_hosts; i++) {
		fprintf(f, "    <host name='%s'",
			d->source_hosts[i]); /* checked */
		if (d->source_ports[i])
			fprintf(f, " port='%u'", d->source_ports[i]);
		fprintf(f, "/>\n");
	}
	fprintf(f, "    <name>");
	xml_escape_text(f, d->source_name);
	fprintf(f, "</name>\n");
	if (d->auth_user)
		fprintf(f,
			"    <auth type='ceph' username='%s'/>\n", /* checked */
			d->auth_user);
	fprintf(f, "  </source>\n");
	if (d->alloc_is_capacity)
		fprintf(f, "  <refresh>\n    <volume allocation='capacity'/>\n"
			   "  </refresh>\n");
	fprintf(f, "</pool>\n");
}
