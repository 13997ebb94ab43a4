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

void xml_warnings_clear(struct xml_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->msgs[i]);
	free(w->msgs);
	w->msgs = NULL;
	w->n = 0;
}

xmlDoc *xml_parse(const char *text, size_t len, const char *what,
		  const char *root, struct err **e)
{
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	const xmlError *xe;
	xmlNode *top;

	if (len > INT32_MAX) {
		err_set(e, EFBIG, "%s: document too large", what);
		return NULL;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		err_set(e, ENOMEM, "%s: cannot create XML parser", what);
		return NULL;
	}
	doc = xmlCtxtReadMemory(ctxt, text, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING |
					XML_PARSE_NOBLANKS);
	xe = xmlCtxtGetLastError(ctxt);
	if (!doc || (xe && xe->level >= XML_ERR_ERROR)) {
		if (xe && xe->message)
			err_set(e, EINVAL, "%s: line %d: %.*s", what, xe->line,
				(int)strcspn(xe->message, "\n"), xe->message);
		else
			err_set(e, EINVAL, "%s: not well-formed XML", what);
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
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
	return err_set(e, EINVAL, "line %ld: <%s>: %s", xmlGetLineNo(node),
		       (const char *)node->name, text);
}

xmlNode *xml_child(const xmlNode *node, const char *name)
{
	for (xmlNode *c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
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

void xml_check_known(const xmlNode *node, const char *const *attrs,
		     const char *const *children, struct xml_warnings *w)
{
	for (const xmlAttr *a = node->properties; a; a = a->next)
		if (!name_in(a->name, attrs))
			xml_warn(w, node,
				 "<%s>: unknown attribute '%s' ignored",
				 (const char *)node->name,
				 (const char *)a->name);
	for (const xmlNode *c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !name_in(c->name, children))
			xml_warn(w, c, "<%s>: unknown element <%s> ignored",
				 (const char *)node->name,
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

void xml_escape(FILE *buf, const char *s)
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
		case '\'':
			fputs("&apos;", buf);
			break;
		case '"':
			fputs("&quot;", buf);
			break;
		default:
			fputc(*s, buf);
		}
	}
}
