// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers of the tests of libvirt's XML test files (corpus.h). */
#include "corpus.h"

#include <libxml/parser.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon/domain_conf.h"
#include "lib/file.h"
#include "lib/util.h"

char *corpus_fetch(const char *script, const char *args, const char *sub,
		   char *skip, size_t skip_len)
{
	_cleanup_free_ char *cmd =
		xasprintf("'%s' --quiet %s 2>&1", script, args);
	char line[512] = "", last[512] = "";
	FILE *p = popen(cmd, "r");
	int st;

	if (!p) {
		snprintf(skip, skip_len, "cannot run %s", script);
		return NULL;
	}
	while (fgets(line, sizeof(line), p))
		memcpy(last, line, sizeof(last));
	last[strcspn(last, "\n")] = 0;
	st = pclose(p);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && last[0] == '/')
		return sub ? xasprintf("%s/%s", last, sub) : xstrdup(last);
	snprintf(skip, skip_len,
		 "libvirt's test files are not available (%.200s)", last);
	return NULL;
}

bool corpus_str_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n && list[i]; i++)
		if (streq(s, list[i]))
			return true;
	return false;
}

int corpus_view_of(const char *xml, const char *url,
		   void (*walk)(const xmlNode *root, struct corpus_view *v),
		   struct corpus_view *v)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), url, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOBLANKS);

	if (!doc)
		return -1;
	v->said = open_memstream(&v->said_text, &v->said_len);
	v->beyond = open_memstream(&v->beyond_text, &v->beyond_len);
	walk(xmlDocGetRootElement(doc), v);
	fclose(v->said);
	fclose(v->beyond);
	xmlFreeDoc(doc);
	return 0;
}

void corpus_view_free(struct corpus_view *v)
{
	free(v->said_text);
	free(v->beyond_text);
}

/* @name as written: "prefix:name" in a namespace, between @open and @close. */
static void put_beyond(struct corpus_view *v, char open, const xmlNs *ns,
		       const xmlChar *name, char close)
{
	fputc(open, v->beyond);
	if (ns && ns->prefix)
		fprintf(v->beyond, "%s:", (const char *)ns->prefix);
	fprintf(v->beyond, "%s%c\n", (const char *)name, close);
}

void corpus_beyond_element(struct corpus_view *v, const xmlNs *ns,
			   const xmlChar *name)
{
	put_beyond(v, '<', ns, name, '>');
}

void corpus_beyond_attr(struct corpus_view *v, const xmlNs *ns,
			const xmlChar *name)
{
	put_beyond(v, '\'', ns, name, '\'');
}

bool corpus_warnings_are(const struct xml_warnings *w, const char *want)
{
	_cleanup_free_ char *copy = xstrdup(want ? want : "");
	char *save = NULL;
	size_t i = 0;

	for (char *t = strtok_r(copy, "|", &save); t;
	     t = strtok_r(NULL, "|", &save), i++)
		if (i >= w->n || !strstr(w->msgs[i], t))
			return false;
	return i == w->n;
}

const char *corpus_first_unwarned(const char *beyond,
				  const struct xml_warnings *w)
{
	static char line[256];

	for (const char *l = beyond; *l;) {
		size_t n = strcspn(l, "\n");
		bool found = false;

		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		for (size_t i = 0; i < w->n && !found; i++)
			found = strstr(w->msgs[i], line) != NULL;
		if (!found)
			return line;
		l += n + (l[n] == '\n');
	}
	return NULL;
}

bool corpus_outcome_is(const char *name, char outcome, const char *words, int r,
		       const struct err *err, const struct xml_warnings *w)
{
	bool ok;

	if (outcome == 'r') {
		ok = r < 0 && strstr(err_msg(err), words);
		if (!ok)
			printf("# %s: expected a refusal naming \"%s\", got "
			       "%s\n",
			       name, words,
			       r < 0 ? err_msg(err) : "acceptance");
		return ok;
	}
	if (r < 0) {
		printf("# %s: refused: %s\n", name, err_msg(err));
		return false;
	}
	ok = corpus_warnings_are(w, outcome == 'w' ? words : NULL);
	for (size_t i = 0; !ok && i < w->n; i++)
		printf("# %s: warning: %s\n", name, w->msgs[i]);
	return ok;
}

int corpus_outcome_index(char outcome)
{
	return outcome == 'a' ? 0 : outcome == 'w' ? 1 : 2;
}

int corpus_table_load(const char *path, struct corpus_table *t)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;

	if (file_read_all(path, 1 << 20, &text, NULL, NULL) < 0)
		return -1;
	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		struct corpus_expect *x;

		if (*l == '#' || !sp || !strchr("awr", sp[1]))
			continue;
		t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
		x = &t->v[t->n++];
		x->name = xstrndup(l, (size_t)(sp - l));
		x->outcome = sp[1];
		x->words = xstrdup(sp[2] == ' ' ? sp + 3 : "");
	}
	return 0;
}

const struct corpus_expect *corpus_table_find(const struct corpus_table *t,
					      const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (streq(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

void corpus_table_free(struct corpus_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].words);
	}
	free(t->v);
	*t = (struct corpus_table){0};
}

const char *corpus_first_missing(const char *a, const char *b)
{
	static char line[512];

	for (const char *l = a; *l;) {
		size_t n = strcspn(l, "\n");
		bool found = false;

		for (const char *m = b; *m && !found;) {
			size_t k = strcspn(m, "\n");

			found = k == n && !strncmp(l, m, n);
			m += k + (m[k] == '\n');
		}
		if (!found) {
			snprintf(line, sizeof(line), "%.*s", (int)n, l);
			return line;
		}
		l += n + (l[n] == '\n');
	}
	return NULL;
}

bool corpus_domain_reloads(const char *text)
{
	struct domain_def *d = NULL;
	char *again;
	bool ok;

	if (domain_def_parse_with(text, strlen(text), NULL, &d, NULL, NULL) < 0)
		return false;
	again = domain_def_format(d);
	ok = streq(text, again);
	free(again);
	domain_def_free(d);
	return ok;
}
