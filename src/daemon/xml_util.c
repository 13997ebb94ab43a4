// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/xml_util.h"

#include <errno.h>
#include <libxml/parser.h>

void xml_warn(struct xml_warnings *w, const xmlNode *node, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL;
	va_list ap;

	if (!w)
		return;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	w->msgs = xreallocarray(w->msgs, w->n + 1, sizeof(*w->msgs));
	w->msgs[w->n++] = xasprintf("line %ld: %s", xmlGetLineNo(node), text);
}

void xml_warn_def(struct xml_warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (!w)
		return;
	va_start(ap, fmt);
	w->msgs = xreallocarray(w->msgs, w->n + 1, sizeof(*w->msgs));
	w->msgs[w->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void xml_warnings_clear(struct xml_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->msgs[i]);
	free(w->msgs);
	w->msgs = NULL;
	w->n = 0;
}

/*
 * What the parser's SAX hooks see of a document: a DOCTYPE makes it
 * stop (entity declarations live only there, and libxml2 expands
 * internal entities in attribute values even without XML_PARSE_NOENT:
 * a few kilobytes of nested entities become gigabytes); so does
 * nesting deeper than XML_MAX_DEPTH.
 */
struct parse_guard {
	char refused[128]; /* why parsing stopped, or "" */
	int depth;
	startElementNsSAX2Func start;
	endElementNsSAX2Func end;
};

static void guard_doctype(void *ctx, const xmlChar *name,
			  const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxt *ctxt = ctx;
	struct parse_guard *g = ctxt->_private;

	snprintf(g->refused, sizeof(g->refused), "%s",
		 "a document type declaration (<!DOCTYPE>) is not allowed: "
		 "nido refuses DTDs and entities");
	xmlStopParser(ctxt);
}

static void guard_start(void *ctx, const xmlChar *localname,
			const xmlChar *prefix, const xmlChar *uri,
			int n_namespaces, const xmlChar **namespaces,
			int n_attributes, int n_defaulted,
			const xmlChar **attributes)
{
	xmlParserCtxt *ctxt = ctx;
	struct parse_guard *g = ctxt->_private;

	if (++g->depth > XML_MAX_DEPTH) {
		snprintf(g->refused, sizeof(g->refused),
			 "elements nested deeper than %d levels",
			 XML_MAX_DEPTH);
		xmlStopParser(ctxt);
		return;
	}
	g->start(ctx, localname, prefix, uri, n_namespaces, namespaces,
		 n_attributes, n_defaulted, attributes);
}

static void guard_end(void *ctx, const xmlChar *localname,
		      const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxt *ctxt = ctx;
	struct parse_guard *g = ctxt->_private;

	g->depth--;
	g->end(ctx, localname, prefix, uri);
}

/* A parser whose SAX handlers refuse DTDs and deep nesting (@g). */
static xmlParserCtxt *guarded_parser(struct parse_guard *g)
{
	xmlParserCtxt *ctxt = xmlNewParserCtxt();

	if (!ctxt)
		return NULL;
	ctxt->_private = g;
	g->start = ctxt->sax->startElementNs;
	g->end = ctxt->sax->endElementNs;
	ctxt->sax->startElementNs = guard_start;
	ctxt->sax->endElementNs = guard_end;
	ctxt->sax->internalSubset = guard_doctype;
	ctxt->sax->externalSubset = guard_doctype;
	ctxt->sax->entityDecl = NULL;
	ctxt->sax->resolveEntity = NULL;
	return ctxt;
}

/* Fills @e from the guard or libxml2's last error; frees @doc. */
static xmlDoc *parse_failed(xmlParserCtxt *ctxt, const struct parse_guard *g,
			    xmlDoc *doc, const char *what, struct err **e)
{
	const xmlError *xe = xmlCtxtGetLastError(ctxt);

	if (*g->refused)
		err_set(e, EINVAL, "%s: line %d: %s", what,
			ctxt->input ? ctxt->input->line : 0, g->refused);
	else if (xe && xe->message)
		err_set(e, EINVAL, "%s: line %d: %.*s", what, xe->line,
			(int)strcspn(xe->message, "\n"), xe->message);
	else
		err_set(e, EINVAL, "%s: not well-formed XML", what);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return NULL;
}

xmlDoc *xml_parse(const char *text, size_t len, const char *what,
		  const char *root, struct err **e)
{
	struct parse_guard g = {0};
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	const xmlError *xe;
	xmlNode *top;

	if (len > XML_MAX_DOCUMENT) {
		err_set(e, EFBIG, "%s: document of %zu bytes is larger than %u",
			what, len, XML_MAX_DOCUMENT);
		return NULL;
	}
	ctxt = guarded_parser(&g);
	if (!ctxt) {
		err_set(e, ENOMEM, "%s: cannot create XML parser", what);
		return NULL;
	}
	/* No XML_PARSE_NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE: nothing
	 * outside the text is read, and libxml2's own limits stay on. */
	doc = xmlCtxtReadMemory(ctxt, text, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING |
					XML_PARSE_NOBLANKS);
	xe = xmlCtxtGetLastError(ctxt);
	if (!doc || *g.refused || (xe && xe->level >= XML_ERR_ERROR))
		return parse_failed(ctxt, &g, doc, what, e);
	xmlFreeParserCtxt(ctxt);
	top = xmlDocGetRootElement(doc);
	if (!top || !xmlStrEqual(top->name, BAD_CAST root)) {
		err_set(e, EINVAL, "%s: root element is <%s>, expected <%s>",
			what, top ? (const char *)top->name : "(none)", root);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

int xml_err(struct err **e, const xmlNode *node, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	if (!node) /* not from a document: a client's parameter */
		return err_set(e, EINVAL, "%s", text);
	return err_set(e, EINVAL, "line %ld: <%s>: %s", xmlGetLineNo(node),
		       (const char *)node->name, text);
}

xmlNode *xml_child(const xmlNode *node, const char *name)
{
	/* An element in a namespace is another application's (libvirt
	 * reads only elements in none), whatever its local name. */
	for (xmlNode *c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !c->ns &&
		    xmlStrEqual(c->name, BAD_CAST name))
			return c;
	return NULL;
}

char *xml_text(const xmlNode *node)
{
	xmlChar *raw = xmlNodeGetContent(node);
	const char *s = raw ? (const char *)raw : "";
	size_t n;
	char *out;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	out = xstrndup(s, n);
	xmlFree(raw);
	return out;
}

char *xml_attr(const xmlNode *node, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
	char *out;

	if (!v)
		return NULL;
	out = xstrdup((const char *)v);
	xmlFree(v);
	return out;
}

static bool name_in(const xmlChar *name, const char *const *names)
{
	for (; names && *names; names++)
		if (xmlStrEqual(name, (const xmlChar *)*names))
			return true;
	return false;
}

/* "prefix:" of a name in a namespace with a prefix, else "". */
static const char *ns_prefix(const xmlNs *ns, char *buf, size_t len)
{
	snprintf(buf, len, "%.60s%s",
		 ns && ns->prefix ? (const char *)ns->prefix : "",
		 ns && ns->prefix ? ":" : "");
	return buf;
}

void xml_check_known(const xmlNode *node, const char *const *attrs,
		     const char *const *children, struct xml_warnings *w)
{
	char p[64];

	/* Names in a namespace are never ours (xml_child skips them). */
	for (const xmlAttr *a = node->properties; a; a = a->next)
		if (a->ns || !name_in(a->name, attrs))
			xml_warn(w, node,
				 "<%s>: unknown attribute '%s%s' ignored",
				 (const char *)node->name,
				 ns_prefix(a->ns, p, sizeof(p)),
				 (const char *)a->name);
	for (const xmlNode *c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    (c->ns || !name_in(c->name, children)))
			xml_warn(w, c, "<%s>: unknown element <%s%s> ignored",
				 (const char *)node->name,
				 ns_prefix(c->ns, p, sizeof(p)),
				 (const char *)c->name);
}

int xml_enum(const xmlNode *node, const char *what, const char *value,
	     const char *const *names, struct err **e)
{
	_cleanup_free_ char *list = NULL;
	size_t len = 0;
	FILE *f;

	for (int i = 0; names[i]; i++)
		if (streq(value, names[i]))
			return i;
	f = open_memstream(&list, &len);
	if (!f)
		return xml_err(e, node, "invalid %s '%s'", what, value);
	for (int i = 0; names[i]; i++)
		fprintf(f, "%s%s", i ? ", " : "", names[i]);
	fclose(f);
	return xml_err(e, node, "invalid %s '%s' (expected %s)", what, value,
		       list);
}

int xml_uint(const xmlNode *node, const char *what, const char *value,
	     uint64_t min, uint64_t max, uint64_t *out, struct err **e)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!value || !*value || *value == '-' || *value == '+')
		return xml_err(e, node, "%s must be a number, not '%s'", what,
			       value ? value : "");
	v = strtoull(value, &end, 10);
	if (*end || errno)
		return xml_err(e, node, "%s must be a number, not '%s'", what,
			       value);
	if (v < min || v > max)
		return xml_err(e, node, "%s %llu out of range (%llu to %llu)",
			       what, v, (unsigned long long)min,
			       (unsigned long long)max);
	*out = v;
	return 0;
}

/*
 * Only what must be: '&' and '<' always, '>' (a "]]>" in text is not
 * allowed), and what a parser would otherwise normalise away (a CR in
 * text; tabs and line ends in attribute values). Apostrophes and quotes
 * stay as they are in text, so a definition never grows sixfold when it
 * is stored.
 */
static void escape(FILE *buf, const char *s, bool attr)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", buf);
			break;
		case '<':
			fputs("&lt;", buf);
			break;
		case '>':
			fputs("&gt;", buf);
			break;
		case '\r':
			fputs("&#13;", buf);
			break;
		case '\'':
			fputs(attr ? "&apos;" : "'", buf);
			break;
		case '\n':
			fputs(attr ? "&#10;" : "\n", buf);
			break;
		case '\t':
			fputs(attr ? "&#9;" : "\t", buf);
			break;
		default:
			fputc(*s, buf);
		}
	}
}

void xml_escape_text(FILE *buf, const char *s)
{
	escape(buf, s, false);
}

void xml_escape_attr(FILE *buf, const char *s)
{
	escape(buf, s, true);
}

void xml_put_attr(FILE *f, const char *name, const char *value)
{
	if (!value)
		return;
	fprintf(f, " %s='", name);
	xml_escape_attr(f, value);
	fputc('\'', f);
}

void xml_put_text(FILE *f, int indent, const char *tag, const char *text)
{
	if (!text)
		return;
	fprintf(f, "%*s<%s>", indent, "", tag);
	xml_escape_text(f, text);
	fprintf(f, "</%s>\n", tag);
}

int xml_only_attrs(const xmlNode *n, const char *const *known, const char *what,
		   struct err **e)
{
	for (const xmlAttr *p = n->properties; p; p = p->next) {
		size_t i = 0;

		while (known[i] && !streq((const char *)p->name, known[i]))
			i++;
		if (!known[i])
			return xml_err(e, n, "unknown %sattribute '%s'", what,
				       (const char *)p->name);
	}
	return 0;
}

int xml_enum_attr(const xmlNode *n, const char *attr, const char *what,
		  const char *const *names, struct err **e)
{
	_cleanup_free_ char *v = n ? xml_attr(n, attr) : NULL;
	int r;

	if (!v)
		return 0;
	r = xml_enum(n, what, v, names + 1, e);
	return r < 0 ? r : r + 1;
}
