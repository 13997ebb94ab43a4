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
void xml_warnings_clear(struct xml_warnings *w);

/*
 * Parses @len bytes of @text as a document whose root must be @root;
 * @what names the source in errors ("domain XML"). Network access and
 * entity expansion are off. Returns the document (free with xmlFreeDoc)
 * or NULL with @e filled, naming the line and libxml2's reason.
 */
xmlDoc *xml_parse(const char *text, size_t len, const char *what,
		  const char *root, struct err **e);

/* Fails with "line N: <element>: ..." for @node. Returns -code. */
int xml_err(struct err **e, const xmlNode *node, const char *fmt, ...)
	PRINTF(3, 4);

/* The first element child of @node named @name, or NULL. */
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

/* Parses a decimal unsigned integer in [min, max]; errors name @what. */
int xml_uint(const xmlNode *node, const char *what, const char *value,
	     uint64_t min, uint64_t max, uint64_t *out, struct err **e);

/* Appends @s to @buf with &, <, >, ', " escaped. */
void xml_escape(FILE *buf, const char *s);

#endif
