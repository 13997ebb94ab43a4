// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <domainsnapshot> as libvirt writes it (snapshot_conf.h):
 *
 *   <domainsnapshot>
 *     <name>before-upgrade</name>
 *     <description>...</description>
 *     <state>running</state>              stored
 *     <parent><name>base</name></parent>  stored
 *     <creationTime>1764864000</creationTime>  stored
 *     <memory snapshot='internal'/>    or snapshot='external' file='/abs'
 *     <disks><disk name='vda' snapshot='internal'/></disks>
 *     <domain type='kvm'>...</domain>     stored
 *     <active>1</active>                  stored: the current one
 *   </domainsnapshot>
 */
#include <errno.h>
#include <inttypes.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/snapshot_conf.h"
#include "lib/util.h"

static const char *const state_names[] = {"shutoff", "running", "paused",
					  "disk-snapshot", NULL};
static const char *const disk_kinds[] = {"internal", "no", "external", NULL};

const char *snapshot_state_name(enum snapshot_state s)
{
	return state_names[s];
}

void snapshot_def_free(struct snapshot_def *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->description);
	free(s->parent);
	free(s->domain_xml);
	free(s->memory_file);
	snapshot_disks_free(s->disks, s->n_disks);
	snapshot_disks_free(s->revert, s->n_revert);
	free(s);
}

void snapshot_disks_free(struct snapshot_disk *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].file);
	}
	free(v);
}

int snapshot_name_check(const char *name, struct err **e)
{
	size_t len = strlen(name);

	if (!len || len > SNAPSHOT_NAME_MAX)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"snapshot name of %zu bytes (1 to %d)", len,
				SNAPSHOT_NAME_MAX);
	if (name[0] == '.' || strchr(name, '/'))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"snapshot name '%s': no '/' and no leading "
				"'.'",
				name);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"snapshot name with a control "
					"character");
	return 0;
}

/* <name> of @n (a <domainsnapshot> or a <parent>), checked. */
static int parse_name(const xmlNode *n, char **out, struct err **e)
{
	xmlNode *c = xml_child(n, "name");
	_cleanup_err_ struct err *why = NULL;

	if (!c)
		return xml_err(e, n, "missing <name>");
	*out = xml_text(c);
	if (snapshot_name_check(*out, &why) < 0)
		return xml_err(e, c, "%s", err_msg(why));
	return 0;
}

/* An external disk's <source file=> and <driver type='qcow2'/> into
 * *@file (NULL: none given); neither is allowed on another kind. */
static int parse_external(const xmlNode *c, const char *name, int kind,
			  char **file, struct err **e)
{
	const xmlNode *src = xml_child(c, "source");
	const xmlNode *drv = xml_child(c, "driver");
	_cleanup_free_ char *type = NULL;

	if (kind != SNAPSHOT_DISK_EXTERNAL) {
		if (src || drv)
			return xml_err(e, src ? src : drv,
				       "disk '%s': <%s> is for an external "
				       "snapshot (snapshot='external')",
				       name, src ? "source" : "driver");
		return 0;
	}
	if (drv) {
		if (xml_only_attrs(drv, (const char *const[]){"type", NULL}, "",
				   e) < 0)
			return -EINVAL;
		type = xml_attr(drv, "type");
		if (type && !streq(type, "qcow2"))
			return xml_err(e, drv,
				       "disk '%s': an external snapshot's "
				       "overlay is qcow2, not '%s'",
				       name, type);
	}
	if (!src)
		return 0;
	if (xml_only_attrs(src, (const char *const[]){"file", NULL}, "", e) < 0)
		return -EINVAL;
	*file = xml_attr(src, "file");
	if (!*file || (*file)[0] != '/')
		return xml_err(e, src,
			       "disk '%s': the overlay's <source file=> must "
			       "be an absolute path",
			       name);
	if (strlen(*file) > 4095)
		return xml_err(e, src, "disk '%s': overlay path too long",
			       name);
	return 0;
}

static int parse_disks(const xmlNode *n, struct snapshot_disk **disks,
		       size_t *n_disks, struct xml_warnings *w, struct err **e)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		_cleanup_free_ char *name = NULL, *kind = NULL, *file = NULL;
		struct snapshot_disk *d;
		int k = SNAPSHOT_DISK_INTERNAL;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (c->ns || !xmlStrEqual(c->name, BAD_CAST "disk")) {
			xml_warn(w, c, "unknown element <%s> ignored",
				 (const char *)c->name);
			continue;
		}
		if (xml_only_attrs(
			    c, (const char *const[]){"name", "snapshot", NULL},
			    "", e) < 0)
			return -EINVAL;
		name = xml_attr(c, "name");
		kind = xml_attr(c, "snapshot");
		if (!name || !*name)
			return xml_err(e, c, "<disk> without a name");
		if (!kind && xml_child(c, "source")) /* libvirt's default */
			kind = xstrdup("external");
		if (kind &&
		    (k = xml_enum(c, "disk snapshot", kind, disk_kinds, e)) < 0)
			return k;
		if (parse_external(c, name, k, &file, e) < 0)
			return -EINVAL;
		for (size_t i = 0; i < *n_disks; i++)
			if (streq((*disks)[i].name, name))
				return xml_err(e, c, "disk '%s' given twice",
					       name);
		if (*n_disks == 256)
			return xml_err(e, c, "more than 256 disks");
		*disks = xreallocarray(*disks, *n_disks + 1, sizeof(**disks));
		d = &(*disks)[(*n_disks)++];
		d->name = steal_ptr(name);
		d->kind = (enum snapshot_disk_kind)k;
		d->file = steal_ptr(file);
	}
	return 0;
}

static int parse_memory(const xmlNode *n, struct snapshot_def *s,
			struct err **e)
{
	_cleanup_free_ char *kind = xml_attr(n, "snapshot");
	_cleanup_free_ char *file = xml_attr(n, "file");

	if (xml_only_attrs(n, (const char *const[]){"snapshot", "file", NULL},
			   "", e) < 0)
		return -EINVAL;
	s->memory_given = true;
	if (!kind && file) /* libvirt's default with a file */
		kind = xstrdup("external");
	if (file && !streq(kind, "external")) /* libvirt's words */
		return xml_err(e, n,
			       "memory filename '%s' requires external "
			       "snapshot",
			       file);
	if (!kind || streq(kind, "no")) {
		s->memory = false;
		return 0;
	}
	if (streq(kind, "internal")) {
		s->memory = true;
		return 0;
	}
	if (!streq(kind, "external"))
		return xml_err(e, n,
			       "invalid memory snapshot '%s' (expected "
			       "internal, external, no)",
			       kind);
	if (!file || !*file)
		return xml_err(e, n,
			       "external memory snapshots require a filename");
	if (file[0] != '/')
		return xml_err(e, n,
			       "memory snapshot file path '%s' must be "
			       "absolute",
			       file);
	if (strlen(file) > 4095)
		return xml_err(e, n, "memory snapshot file path too long");
	s->memory = false;
	s->memory_file = steal_ptr(file);
	return 0;
}

/* The <domain> child as text, as it stands in the document. */
static char *node_text(xmlNode *n)
{
	xmlBuffer *b = xmlBufferCreate();
	char *s;

	xmlNodeDump(b, n->doc, n, 0, 0);
	s = xstrdup((const char *)xmlBufferContent(b));
	xmlBufferFree(b);
	return s;
}

static int parse_stored(xmlNode *root, struct snapshot_def *s, struct err **e)
{
	xmlNode *n;
	_cleanup_free_ char *text = NULL;
	int k;
	uint64_t v;

	if (!(n = xml_child(root, "state")))
		return xml_err(e, root, "missing <state>");
	text = xml_text(n);
	if ((k = xml_enum(n, "state", text, state_names, e)) < 0)
		return k;
	s->state = (enum snapshot_state)k;
	free(steal_ptr(text));
	if ((n = xml_child(root, "creationTime"))) {
		text = xml_text(n);
		if (xml_uint(n, "creationTime", text, 0, INT64_MAX, &v, e) < 0)
			return -EINVAL;
		s->creation_time = (int64_t)v;
		free(steal_ptr(text));
	}
	if ((n = xml_child(root, "parent")) && parse_name(n, &s->parent, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "revertDisks")) &&
	    parse_disks(n, &s->revert, &s->n_revert, NULL, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i < s->n_revert; i++)
		if (s->revert[i].kind != SNAPSHOT_DISK_EXTERNAL ||
		    !s->revert[i].file)
			return xml_err(e, n,
				       "<revertDisks>: disk '%s' without its "
				       "external overlay",
				       s->revert[i].name);
	if (!(n = xml_child(root, "domain")))
		return xml_err(e, root, "missing <domain>");
	s->domain_xml = node_text(n);
	if ((n = xml_child(root, "active"))) {
		text = xml_text(n);
		if (xml_uint(n, "active", text, 0, 1, &v, e) < 0)
			return -EINVAL;
		s->current = v == 1;
	}
	return 0;
}

static int parse_root(xmlNode *root, bool stored, struct snapshot_def *s,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const mine[] = {"state",  "creationTime",
					   "parent", "domain",
					   "active", "revertDisks"};
	xmlNode *n;

	xml_check_known(root, NULL,
			(const char *const[]){"name", "description", "memory",
					      "disks", "state", "creationTime",
					      "parent", "domain", "active",
					      "revertDisks", NULL},
			w);
	if (!stored)
		for (size_t i = 0; i < ARRAY_SIZE(mine); i++)
			if ((n = xml_child(root, mine[i])))
				return xml_err(e, n,
					       "<%s> is nidod's to set "
					       "(or snapshot-create "
					       "--redefine's)",
					       mine[i]);
	if ((n = xml_child(root, "name")) || stored) {
		if (parse_name(root, &s->name, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(root, "description")))
		s->description = xml_text(n);
	if ((n = xml_child(root, "memory")) && parse_memory(n, s, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "disks")) &&
	    parse_disks(n, &s->disks, &s->n_disks, w, e) < 0)
		return -EINVAL;
	return stored ? parse_stored(root, s, e) : 0;
}

int snapshot_def_parse(const char *xml, size_t len, bool stored,
		       struct snapshot_def **out, struct xml_warnings *w,
		       struct err **e)
{
	xmlDoc *doc = xml_parse(xml, len, "snapshot XML", "domainsnapshot", e);
	struct snapshot_def *s;
	int r;

	if (!doc)
		return err_mark(e, ERR_XML_ERROR);
	s = xcalloc(1, sizeof(*s));
	r = parse_root(xmlDocGetRootElement(doc), stored, s, w, e);
	xmlFreeDoc(doc);
	if (r < 0) {
		err_mark(e, ERR_XML_ERROR);
		if (s->name)
			err_prefix(e, "snapshot '%s'", s->name);
		snapshot_def_free(s);
		return r;
	}
	*out = s;
	return 0;
}

static void put_disks(FILE *f, const char *el, const struct snapshot_disk *v,
		      size_t n)
{
	if (!n)
		return;
	fprintf(f, "  <%s>\n", el);
	for (size_t i = 0; i < n; i++) {
		fputs("    <disk", f);
		xml_put_attr(f, "name", v[i].name);
		xml_put_attr(f, "snapshot", disk_kinds[v[i].kind]);
		if (!v[i].file) {
			fputs("/>\n", f);
			continue;
		}
		fputs(">\n      <driver type='qcow2'/>\n"
		      "      <source",
		      f);
		xml_put_attr(f, "file", v[i].file);
		fputs("/>\n    </disk>\n", f);
	}
	fprintf(f, "  </%s>\n", el);
}

char *snapshot_def_format(const struct snapshot_def *s, bool stored)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fputs("<domainsnapshot>\n", f);
	xml_put_text(f, 2, "name", s->name);
	xml_put_text(f, 2, "description", s->description);
	fprintf(f, "  <state>%s</state>\n", state_names[s->state]);
	if (s->parent) {
		fputs("  <parent>\n", f);
		xml_put_text(f, 4, "name", s->parent);
		fputs("  </parent>\n", f);
	}
	fprintf(f, "  <creationTime>%" PRId64 "</creationTime>\n",
		s->creation_time);
	if (s->memory_file) {
		fputs("  <memory snapshot='external'", f);
		xml_put_attr(f, "file", s->memory_file);
		fputs("/>\n", f);
	} else {
		fprintf(f, "  <memory snapshot='%s'/>\n",
			s->memory ? "internal" : "no");
	}
	put_disks(f, "disks", s->disks, s->n_disks);
	put_disks(f, "revertDisks", s->revert, s->n_revert);
	if (s->domain_xml) {
		size_t n = strlen(s->domain_xml);

		fputs(s->domain_xml, f);
		if (n && s->domain_xml[n - 1] != '\n')
			fputc('\n', f);
	}
	if (stored)
		fprintf(f, "  <active>%d</active>\n", s->current ? 1 : 0);
	fputs("</domainsnapshot>\n", f);
	fclose(f);
	return text;
}
