// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Containers' part of the domain XML (domain_conf.h), as libvirt's lxc
 * driver writes it: <os><type>exe</type><init>, <initarg>, <initenv>,
 * <initdir>; <filesystem type='mount'> in <devices>; <idmap>; and nido's
 * <pids max=>. What the ct driver runs of it is driver-ct-conf.c's say.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf.h"

static int add_initenv(const xmlNode *n, struct domain_ct *ct, struct err **e)
{
	_cleanup_free_ char *name = xml_attr(n, "name");
	_cleanup_free_ char *value = xml_text(n);

	if (!name || !*name || strchr(name, '=') || strlen(name) > 256)
		return xml_err(e, n, "<initenv> needs a name without '='");
	if (ct->n_initenv == DOMAIN_MAX_INITARGS)
		return xml_err(e, n, "more than %d <initenv>",
			       DOMAIN_MAX_INITARGS);
	ct->initenv = xreallocarray(ct->initenv, ct->n_initenv + 1,
				    sizeof(*ct->initenv));
	ct->initenv[ct->n_initenv++] = xasprintf("%s=%s", name, value);
	return 0;
}

static int add_initarg(const xmlNode *n, struct domain_ct *ct, struct err **e)
{
	if (ct->n_initargs == DOMAIN_MAX_INITARGS)
		return xml_err(e, n, "more than %d <initarg>",
			       DOMAIN_MAX_INITARGS);
	ct->initargs = xreallocarray(ct->initargs, ct->n_initargs + 1,
				     sizeof(*ct->initargs));
	ct->initargs[ct->n_initargs++] = xml_text(n);
	return 0;
}

/* An absolute path of at most PATH_MAX without "..": @what names it. */
static int check_path(const xmlNode *n, const char *what, const char *p,
		      struct err **e)
{
	if (!p || p[0] != '/' || strlen(p) >= 4096)
		return xml_err(e, n, "%s '%s': not an absolute path", what,
			       p ? p : "");
	if (strstr(p, "/../") ||
	    (strlen(p) >= 3 && streq(p + strlen(p) - 3, "/..")))
		return xml_err(e, n, "%s '%s': contains '..'", what, p);
	return 0;
}

int domain_os_parse_ct(const xmlNode *os, struct domain_def *d,
		       struct xml_warnings *w, struct err **e)
{
	struct domain_ct *ct = &d->ct;

	for (xmlNode *n = os->children; n; n = n->next) {
		const char *name = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (streq(name, "init")) {
			if (ct->init)
				return xml_err(e, n, "<init> given twice");
			ct->init = xml_text(n);
			if (check_path(n, "init", ct->init, e) < 0)
				return -EINVAL;
		} else if (streq(name, "initdir")) {
			if (ct->initdir)
				return xml_err(e, n, "<initdir> given twice");
			ct->initdir = xml_text(n);
			if (check_path(n, "initdir", ct->initdir, e) < 0)
				return -EINVAL;
		} else if (streq(name, "initarg")) {
			if (add_initarg(n, ct, e) < 0)
				return -EINVAL;
		} else if (streq(name, "initenv")) {
			xml_check_known(n, (const char *const[]){"name", NULL},
					NULL, w);
			if (add_initenv(n, ct, e) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* A container's <filesystem type='mount' accessmode='passthrough'>
 * <source dir=/><target dir=/><readonly/></filesystem>. */
int domain_parse_fs_device(const xmlNode *c, struct domain_def *d,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "accessmode", NULL};
	static const char *const children[] = {"source", "target", "readonly",
					       "driver", NULL};
	_cleanup_free_ char *type = NULL;
	struct domain_fs *fs;
	xmlNode *src, *dst;

	/* a machine's <filesystem> (virtio-9p, virtiofs: a mount tag as
	 * target) is no container mount: the generic parser warns */
	if (!xmlStrEqual(c->name, BAD_CAST "filesystem") ||
	    d->virt != DOMAIN_VIRT_LXC)
		return 0;
	xml_check_known(c, attrs, children, w);
	type = xml_attr(c, "type");
	if (type && !streq(type, "mount"))
		return xml_err(e, c,
			       "<filesystem type='%s'>: only type 'mount' (a "
			       "host directory) is supported",
			       type);
	if (d->ct.n_fs == DOMAIN_MAX_FS)
		return xml_err(e, c, "more than %d filesystems", DOMAIN_MAX_FS);
	src = xml_child(c, "source");
	dst = xml_child(c, "target");
	if (!src || !dst)
		return xml_err(e, c,
			       "<filesystem> needs <source dir> and "
			       "<target dir>");
	d->ct.fs = xreallocarray(d->ct.fs, d->ct.n_fs + 1, sizeof(*d->ct.fs));
	fs = &d->ct.fs[d->ct.n_fs++];
	memset(fs, 0, sizeof(*fs));
	fs->source = xml_attr(src, "dir");
	fs->target = xml_attr(dst, "dir");
	fs->readonly = xml_child(c, "readonly") != NULL;
	if (check_path(src, "filesystem source", fs->source, e) < 0 ||
	    check_path(dst, "filesystem target", fs->target, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i + 1 < d->ct.n_fs; i++)
		if (streq(d->ct.fs[i].target, fs->target))
			return xml_err(e, c, "two filesystems on '%s'",
				       fs->target);
	return 1;
}

/* <uid start='0' target='100000' count='65536'/>. */
static int parse_idmap_line(const xmlNode *n, struct domain_idmap *m,
			    size_t *count, struct err **e)
{
	static const char *const names[] = {"start", "target", "count"};
	uint64_t v[3];

	if (*count == DOMAIN_MAX_IDMAP)
		return xml_err(e, n, "more than %d <%s> lines",
			       DOMAIN_MAX_IDMAP, (const char *)n->name);
	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *s = xml_attr(n, names[i]);

		if (!s)
			return xml_err(e, n, "<%s> without %s",
				       (const char *)n->name, names[i]);
		if (xml_uint(n, names[i], s, i == 2 ? 1 : 0, UINT32_MAX, &v[i],
			     e) < 0)
			return -EINVAL;
	}
	if (v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
		return xml_err(e, n, "<%s> range past 2^32",
			       (const char *)n->name);
	m[*count] = (struct domain_idmap){(uint32_t)v[0], (uint32_t)v[1],
					  (uint32_t)v[2]};
	(*count)++;
	return 0;
}

int domain_parse_ct_top(const xmlNode *root, struct domain_def *d,
			struct xml_warnings *w, struct err **e)
{
	xmlNode *idmap = xml_child(root, "idmap");
	xmlNode *pids = xml_child(root, "pids");

	/* a machine's are unknown elements, warned about as such */
	if (d->virt != DOMAIN_VIRT_LXC)
		return 0;

	for (xmlNode *n = idmap ? idmap->children : NULL; n; n = n->next) {
		bool uid = xmlStrEqual(n->name, BAD_CAST "uid");

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!uid && !xmlStrEqual(n->name, BAD_CAST "gid")) {
			xml_warn(w, n, "<idmap>: unknown <%s> ignored",
				 (const char *)n->name);
			continue;
		}
		xml_check_known(
			n,
			(const char *const[]){"start", "target", "count", NULL},
			NULL, w);
		if (parse_idmap_line(n, uid ? d->ct.uid : d->ct.gid,
				     uid ? &d->ct.n_uid : &d->ct.n_gid, e) < 0)
			return -EINVAL;
	}
	if (idmap && (!d->ct.n_uid || !d->ct.n_gid))
		return xml_err(e, idmap, "<idmap> needs <uid> and <gid>");
	if (pids) {
		_cleanup_free_ char *max = xml_attr(pids, "max");

		xml_check_known(pids, (const char *const[]){"max", NULL}, NULL,
				w);
		if (!max)
			return xml_err(e, pids, "<pids> without max");
		if (xml_uint(pids, "pids max", max, 1, 4194304, &d->ct.pids_max,
			     e) < 0)
			return -EINVAL;
	}
	return 0;
}

void domain_os_format_ct(FILE *f, const struct domain_def *d)
{
	const struct domain_ct *ct = &d->ct;

	if (ct->init) {
		fputs("    <init>", f);
		xml_escape_text(f, ct->init);
		fputs("</init>\n", f);
	}
	for (size_t i = 0; i < ct->n_initargs; i++) {
		fputs("    <initarg>", f);
		xml_escape_text(f, ct->initargs[i]);
		fputs("</initarg>\n", f);
	}
	for (size_t i = 0; i < ct->n_initenv; i++) {
		const char *eq = strchr(ct->initenv[i], '=');
		_cleanup_free_ char *name =
			xstrndup(ct->initenv[i], (size_t)(eq - ct->initenv[i]));

		fputs("    <initenv name='", f);
		xml_escape_attr(f, name);
		fputs("'>", f);
		xml_escape_text(f, eq + 1);
		fputs("</initenv>\n", f);
	}
	if (ct->initdir) {
		fputs("    <initdir>", f);
		xml_escape_text(f, ct->initdir);
		fputs("</initdir>\n", f);
	}
}

void domain_format_filesystems(FILE *f, const struct domain_def *d)
{
	for (size_t i = 0; i < d->ct.n_fs; i++) {
		const struct domain_fs *fs = &d->ct.fs[i];

		fputs("    <filesystem type='mount' accessmode='passthrough'>\n"
		      "      <source dir='",
		      f);
		xml_escape_attr(f, fs->source);
		fputs("'/>\n      <target dir='", f);
		xml_escape_attr(f, fs->target);
		fputs("'/>\n", f);
		if (fs->readonly)
			fputs("      <readonly/>\n", f);
		fputs("    </filesystem>\n", f);
	}
}

void domain_format_ct_top(FILE *f, const struct domain_def *d)
{
	const struct domain_ct *ct = &d->ct;

	if (ct->n_uid) {
		fputs("  <idmap>\n", f);
		for (size_t i = 0; i < ct->n_uid; i++)
			fprintf(f,
				"    <uid start='%" PRIu32 "' target='%" PRIu32
				"' count='%" PRIu32 "'/>\n",
				ct->uid[i].start, ct->uid[i].target,
				ct->uid[i].count);
		for (size_t i = 0; i < ct->n_gid; i++)
			fprintf(f,
				"    <gid start='%" PRIu32 "' target='%" PRIu32
				"' count='%" PRIu32 "'/>\n",
				ct->gid[i].start, ct->gid[i].target,
				ct->gid[i].count);
		fputs("  </idmap>\n", f);
	}
	if (ct->pids_max)
		fprintf(f, "  <pids max='%" PRIu64 "'/>\n", ct->pids_max);
}

void domain_ct_clear(struct domain_ct *ct)
{
	free(ct->init);
	free(ct->initdir);
	for (size_t i = 0; i < ct->n_initargs; i++)
		free(ct->initargs[i]);
	free(ct->initargs);
	for (size_t i = 0; i < ct->n_initenv; i++)
		free(ct->initenv[i]);
	free(ct->initenv);
	for (size_t i = 0; i < ct->n_fs; i++) {
		free(ct->fs[i].source);
		free(ct->fs[i].target);
	}
	free(ct->fs);
}
