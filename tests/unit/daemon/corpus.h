/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the tests of libvirt's XML test files share (test_network_corpus.c,
 * test_qemu_corpus.c): fetching the files through tests/corpus/libvirt.sh,
 * a document's "view" (what it says of nido's subset as lines, what it has
 * beyond it as names), and checking an outcome against the table's
 * ('a' accepted, 'w' warned naming what is ignored, 'r' refused naming
 * the cause). Each test keeps what is its own: the subset, the walk of a
 * document, the comparison of meanings.
 */
#ifndef NIDO_TESTS_CORPUS_H
#define NIDO_TESTS_CORPUS_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>

#include "daemon/xml_util.h"
#include "lib/err.h"

/*
 * Runs tests/corpus/libvirt.sh (@script) with @args: the directory of
 * the files (with "/@sub" when @sub is not NULL), malloc'ed, or NULL
 * with why in @skip (a test skips, saying so).
 */
char *corpus_fetch(const char *script, const char *args, const char *sub,
		   char *skip, size_t skip_len);

/* Is @s one of the first @n of @list (which may end early at a NULL)? */
bool corpus_str_in(const char *s, const char *const *list, size_t n);

/* What a document says, as lines; what is beyond the subset, as names. */
struct corpus_view {
	FILE *said, *beyond;
	char *said_text, *beyond_text;
	size_t said_len, beyond_len;
};

/*
 * Fills @v from @xml by @walk on its root element (@walk writes to
 * v->said and v->beyond). -1 when @xml does not parse.
 */
int corpus_view_of(const char *xml, const char *url,
		   void (*walk)(const xmlNode *root, struct corpus_view *v),
		   struct corpus_view *v);
void corpus_view_free(struct corpus_view *v);

/* Notes element @name (in namespace @ns) as beyond: "<prefix:name>". */
void corpus_beyond_element(struct corpus_view *v, const xmlNs *ns,
			   const xmlChar *name);
/* ...and an attribute: "'prefix:name'". */
void corpus_beyond_attr(struct corpus_view *v, const xmlNs *ns,
			const xmlChar *name);

/* Every warning names what it ignores, in the order of @want ('|'). */
bool corpus_warnings_are(const struct xml_warnings *w, const char *want);

/* The first line of @beyond no warning names, or NULL (static buffer). */
const char *corpus_first_unwarned(const char *beyond,
				  const struct xml_warnings *w);

/*
 * The parse of file @name gave @r (and @err, @w): is that the table's
 * @outcome with its @words? Prints why not. For an accepted one the
 * caller compares the meanings.
 */
bool corpus_outcome_is(const char *name, char outcome, const char *words, int r,
		       const struct err *err, const struct xml_warnings *w);

/* 0, 1, 2 for 'a', 'w', 'r': the index of an outcome's counter. */
int corpus_outcome_index(char outcome);

/* One line of a table of outcomes: NAME OUTCOME [WORDS]. */
struct corpus_expect {
	char *name;
	char outcome;
	char *words; /* 'r': in the error; 'w': names, '|'-separated */
};

/* A table file's lines (owned), '#' lines left out. */
struct corpus_table {
	struct corpus_expect *v;
	size_t n;
};

/* Reads the table at @path into @t: 0, or -1 when it cannot be read. */
int corpus_table_load(const char *path, struct corpus_table *t);
/* The line of file @name, or NULL. */
const struct corpus_expect *corpus_table_find(const struct corpus_table *t,
					      const char *name);
void corpus_table_free(struct corpus_table *t);

/* The first line of @a that is not a line of @b, or NULL (static). */
const char *corpus_first_missing(const char *a, const char *b);

/* A domain definition formatted by nido, parsed again (as the store
 * reloads it) and formatted: the same text? */
bool corpus_domain_reloads(const char *text);

#endif
