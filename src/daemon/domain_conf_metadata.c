// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <metadata>: what applications keep in a domain's definition, each in
 * an element of its own namespace (libosinfo's os id, a management
 * tool's tags). nido reads none of it and keeps it as given, as libvirt
 * does: each element with its namespace declared on it, so that it
 * stands alone when formatted again. libvirt's rules: an element in no
 * namespace is not kept, nor a second one of a namespace already there
 * (the first stays); both are warned about here.
 */
#include <errno.h>
#include <libxml/tree.h>

#include "daemon/domain_conf.h"
#include "daemon/domain_conf_metadata.h"

/* @n, a namespaced element, alone in a document of its own (so that
 * the namespaces it uses are declared on it), serialized. */
static char *dump_alone(const xmlNode *n)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *copy = xmlDocCopyNode((xmlNode *)n, doc, 1);
	xmlBuffer *buf = xmlBufferCreate();
	char *s = NULL;

	if (!doc || !copy || !buf)
		abort(); /* only fails without memory */
	xmlDocSetRootElement(doc, copy);
	xmlReconciliateNs(doc, copy);
	if (xmlNodeDump(buf, doc, copy, 2, 0) >= 0)
		s = xstrdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return s;
}

/* Whether an earlier sibling of @n is in @n's namespace. */
static bool ns_seen(const xmlNode *first, const xmlNode *n)
{
	for (const xmlNode *c = first; c && c != n; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns &&
		    xmlStrEqual(c->ns->href, n->ns->href))
			return true;
	return false;
}

void domain_parse_metadata(const xmlNode *root, struct domain_def *d,
			   struct xml_warnings *w)
{
	const xmlNode *m = xml_child(root, "metadata");
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!m)
		return;
	f = open_memstream(&out, &len);
	if (!f)
		abort();
	for (const xmlNode *c = m->children; c; c = c->next) {
		_cleanup_free_ char *s = NULL;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!c->ns) {
			xml_warn(w, c,
				 "<metadata><%s>: not kept, metadata "
				 "elements need a namespace of their own",
				 (const char *)c->name);
			continue;
		}
		if (ns_seen(m->children, c)) {
			xml_warn(w, c,
				 "<metadata><%s%s%s>: not kept, an element of "
				 "namespace '%s' is already there",
				 c->ns->prefix ? (const char *)c->ns->prefix
					       : "",
				 c->ns->prefix ? ":" : "",
				 (const char *)c->name,
				 (const char *)c->ns->href);
			continue;
		}
		if ((s = dump_alone(c)))
			fprintf(f, "    %s\n", s);
	}
	fclose(f);
	d->metadata = out;
}

void domain_format_metadata(FILE *f, const struct domain_def *d)
{
	if (!d->metadata)
		return;
	if (!*d->metadata) {
		fputs("  <metadata/>\n", f);
		return;
	}
	fprintf(f, "  <metadata>\n%s  </metadata>\n", d->metadata);
}
