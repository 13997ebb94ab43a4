/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for reading libvirt-style XML with libxml2: values with their
 * line numbers in errors, and warnings for what the subset does not know.
 * Used by the domain, network and pool definitions.
 */
#ifndef NIDO_DAEMON_XML_UTIL_H
#define NIDO_DAEMON_XML_UTIL_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

/* Messages about accepted input that nido ignores; owned by the list. */
struct xml_warnings {
	char **msgs;
	size_t n;
};

void xml_warn(struct xml_warnings *w, const xmlNode *node, const char *fmt, ...)
	PRINTF(3, 4);
/* A warning about the definition as a whole, not one line of it. */
void xml_warn_def(struct xml_warnings *w, const char *fmt, ...) PRINTF(2, 3);
void xml_warnings_clear(struct xml_warnings *w);

/* Limits of xml_parse(): bytes of a document, levels of elements. */
#define XML_MAX_DOCUMENT (1u << 20)
#define XML_MAX_DEPTH	 64

/*
 * Parses @len bytes of @text as a document whose root must be @root;
 * @what names the source in errors ("domain XML"). The text is untrusted:
 * nothing outside it is read (no network, no external DTD), and a
 * document with a DOCTYPE (where entities are declared), nested deeper
 * than XML_MAX_DEPTH or larger than XML_MAX_DOCUMENT is refused, so its
 * cost is bounded by its size. Returns the document (free with
 * xmlFreeDoc) or NULL with @e filled, naming the line and the reason.
 */
xmlDoc *xml_parse(const char *text, size_t len, const char *what,
		  const char *root, struct err **e);

/* Fails with "line N: <element>: ..." for @node. Returns -code. */
int xml_err(struct err **e, const xmlNode *node, const char *fmt, ...)
	PRINTF(3, 4);

/* The first element child of @node named @name in no namespace, or NULL. */
xmlNode *xml_child(const xmlNode *node, const char *name);

/* Trimmed text content of @node, malloc'ed; "" for an empty element. */
char *xml_text(const xmlNode *node);

/* Attribute @name of @node, malloc'ed, or NULL when absent. */
char *xml_attr(const xmlNode *node, const char *name);

/*
 * Warns about attributes of @node not in @attrs and element children not
 * in @children (both NULL-terminated; NULL means none are known).
 */
void xml_check_known(const xmlNode *node, const char *const *attrs,
		     const char *const *children, struct xml_warnings *w);

/*
 * Looks @value up in the NULL-terminated @names; returns its index, or
 * fails with "line N: <elem>: invalid <what> 'value' (expected a, b)".
 */
int xml_enum(const xmlNode *node, const char *what, const char *value,
	     const char *const *names, struct err **e);

/*
 * Optional attribute @attr of @node (NULL: none) out of @names, whose
 * [0] is "" (not given): *@out its index, 0 when absent. 0, or -EINVAL
 * as xml_enum() (its list of names from [1]).
 */
int xml_enum_attr(const xmlNode *node, const char *attr, const char *what,
		  const char *const *names, int *out, struct err **e);

/* Parses a decimal unsigned integer in [min, max]; errors name @what. */
int xml_uint(const xmlNode *node, const char *what, const char *value,
	     uint64_t min, uint64_t max, uint64_t *out, struct err **e);

/*
 * Appends @s to @buf escaped for text content, or for an attribute value
 * in single quotes; what is written parses back to @s exactly.
 */
void xml_escape_text(FILE *buf, const char *s);
void xml_escape_attr(FILE *buf, const char *s);

/* Refuses (-EINVAL, @e naming the line) an attribute of @n that is not
 * in @known (NULL-terminated): "unknown @{what}attribute 'NAME'". */
int xml_only_attrs(const xmlNode *n, const char *const *known, const char *what,
		   struct err **e);

/* " @name='@value'", escaped; nothing when @value is NULL. */
void xml_put_attr(FILE *f, const char *name, const char *value);
/* "<@tag>@text</@tag>" escaped on a line of its own at @indent spaces;
 * nothing when @text is NULL. */
void xml_put_text(FILE *f, int indent, const char *tag, const char *text);

#endif
