// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt's own container XML test files (libvirt 9.0's
 * tests/lxcxml2xmldata, fetched by tests/corpus/libvirt.sh, not kept
 * here) through what `nido define` runs: domain_def_parse() with the ct
 * driver's validation. Each file is, as lxc-corpus.txt says:
 *   a  defined without a warning, its meaning kept;
 *   w  defined with warnings naming what is not kept, one per warning in
 *      their order, the rest of its meaning kept;
 *   r  refused, the error holding the words given.
 *
 * "Meaning kept" as in test_qemu_corpus.c: what libvirt's file says of
 * the subset the ct driver keeps (the table below) nido's definition,
 * formatted and parsed again, says the same; what the file has beyond
 * the subset is named by a warning ('w') or is not there ('a').
 */
#include <dirent.h>
#include <libxml/parser.h>

#include "corpus.h"
#include "daemon/domain_conf.h"
#include "lib/file.h"
#include "lib/size.h"
#include "test.h"

#ifndef CORPUS_SCRIPT
#error CORPUS_SCRIPT must name tests/corpus/libvirt.sh
#endif
#ifndef CORPUS_TABLE
#error CORPUS_TABLE must name tests/unit/daemon/lxc-corpus.txt
#endif

/* An element path and the attributes kept of it. '*': its text counts;
 * '#': its text is a memory size (with unit=); '!': its presence. */
static const struct known {
	const char *path;
	const char *attrs[6];
} known[] = {
	{"domain", {"type"}},
	{"domain/name*", {0}},
	{"domain/uuid*", {0}},
	{"domain/memory#", {0}},
	{"domain/currentMemory#", {0}},
	{"domain/vcpu*", {"placement", "cpuset"}},
	{"domain/os", {0}},
	{"domain/os/type*", {"arch"}},
	{"domain/os/init*", {0}},
	{"domain/os/initarg*", {0}},
	{"domain/os/initenv*", {"name"}},
	{"domain/os/initdir*", {0}},
	{"domain/os/inituser*", {0}},
	{"domain/os/initgroup*", {0}},
	{"domain/idmap", {0}},
	{"domain/idmap/uid", {"start", "target", "count"}},
	{"domain/idmap/gid", {"start", "target", "count"}},
	{"domain/clock", {"offset"}},
	{"domain/features", {0}},
	{"domain/on_poweroff*", {0}},
	{"domain/on_reboot*", {0}},
	{"domain/on_crash*", {0}},
	{"domain/devices", {0}},
	{"domain/devices/emulator*", {0}},
	{"domain/devices/filesystem", {"type", "accessmode"}},
	{"domain/devices/filesystem/source", {"dir", "usage"}},
	{"domain/devices/filesystem/target", {"dir"}},
	{"domain/devices/filesystem/readonly!", {0}},
	{"domain/devices/interface", {"type"}},
	{"domain/devices/interface/mac", {"address"}},
	{"domain/devices/interface/source", {"bridge", "network"}},
	/* an ethernet interface's host end: its addresses and routes */
	{"domain/devices/interface/source/ip",
	 {"address", "family", "prefix", "peer"}},
	{"domain/devices/interface/source/route",
	 {"family", "address", "prefix", "gateway"}},
	{"domain/devices/interface/target", {"dev"}},
	{"domain/devices/interface/guest", {"dev"}},
	{"domain/devices/console", {"type"}},
	{"domain/devices/console/target", {"type", "port"}},
	{"domain/seclabel", {"type"}},
};

static const struct known *find_known(const char *path, char *flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		size_t n = strcspn(known[i].path, "*#!");

		if (strlen(path) == n && !strncmp(known[i].path, path, n)) {
			*flag = known[i].path[n];
			return &known[i];
		}
	}
	return NULL;
}

/* A size in KiB as text: @t in @unit (NULL: @dflt). */
static char *kib(const char *t, const char *unit, const char *dflt)
{
	uint64_t bytes = 0;

	if (size_parse_unit(t, unit ? unit : dflt, &bytes, NULL) < 0)
		return xstrdup("invalid");
	return xasprintf("%llu", (unsigned long long)DIV_ROUND_UP(bytes, 1024));
}

static char *prop(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = v ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* libvirt's same meaning in another word: 'bind' and 'mount' are the
 * same filesystem type; a ram filesystem's usage= is in units=. */
static char *value_of(const xmlNode *n, const char *path, const char *attr,
		      const char *v)
{
	if (streq(path, "domain/devices/filesystem") && streq(attr, "type") &&
	    streq(v, "bind"))
		return xstrdup("mount");
	if (streq(attr, "usage")) {
		_cleanup_free_ char *u = prop(n, "units");

		return kib(v, u, "KiB");
	}
	return xstrdup(v);
}

static void walk(const xmlNode *n, const char *parent, const char *kparent,
		 struct corpus_view *v);

/* The element's key among its siblings: its rank among those of its
 * name. */
static char *kpath_of(const xmlNode *n, const char *kparent)
{
	unsigned rank = 0;

	for (const xmlNode *s = n->prev; s; s = s->prev)
		rank += s->type == XML_ELEMENT_NODE &&
			xmlStrEqual(s->name, n->name);
	return xasprintf("%s/%s[%u]", kparent, (const char *)n->name, rank);
}

static void walk_text(const xmlNode *n, const char *kpath, char flag,
		      struct corpus_view *v)
{
	xmlChar *t = xmlNodeGetContent(n);
	_cleanup_free_ char *u = prop(n, "unit");
	_cleanup_free_ char *c = flag == '#' ? kib((const char *)t, u, "KiB")
					     : xstrdup((const char *)t);
	char *s = c + strspn(c, " \t\n");
	size_t len = strlen(s);

	while (len && strchr(" \t\n", s[len - 1]))
		s[--len] = '\0';
	if (*s)
		fprintf(v->said, "%s=%s\n", kpath, s);
	xmlFree(t);
}

static void walk(const xmlNode *n, const char *parent, const char *kparent,
		 struct corpus_view *v)
{
	_cleanup_free_ char *path =
		parent ? xasprintf("%s/%s", parent, (const char *)n->name)
		       : xstrdup((const char *)n->name);
	_cleanup_free_ char *kpath =
		parent ? kpath_of(n, kparent) : xstrdup((const char *)n->name);
	char flag = 0;
	const struct known *k = n->ns ? NULL : find_known(path, &flag);

	if (!k) {
		corpus_beyond_element(v, n->ns, n->name);
		return;
	}
	if (flag == '!')
		fprintf(v->said, "%s!\n", kpath);
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		xmlChar *val = xmlNodeGetContent((const xmlNode *)a);
		const char *an = (const char *)a->name;

		if (!a->ns && ((flag == '#' && streq(an, "unit")) ||
			       streq(an, "units"))) {
			/* in the size, as KiB */
		} else if (!a->ns &&
			   corpus_str_in(an, k->attrs, ARRAY_SIZE(k->attrs))) {
			_cleanup_free_ char *c =
				value_of(n, path, an, (const char *)val);

			fprintf(v->said, "%s@%s=%s\n", kpath, an, c);
		} else if (!(streq(path, "domain") && streq(an, "id"))) {
			corpus_beyond_attr(v, a->ns, a->name);
		}
		xmlFree(val);
	}
	if (flag == '*' || flag == '#') {
		walk_text(n, kpath, flag, v);
		return;
	}
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			walk(c, path, kpath, v);
}

static void walk_root(const xmlNode *root, struct corpus_view *v)
{
	walk(root, NULL, NULL, v);
}

static char *dir;
static char skip_reason[256];

/* lxc-corpus.txt, the outcome of each file */
static struct corpus_table table;

static bool meaning_kept(const char *name, const char *theirs, const char *ours,
			 const struct xml_warnings *w)
{
	struct corpus_view a = {0}, b = {0};
	const char *miss = NULL, *unwarned = NULL;
	bool ok;

	if (corpus_view_of(theirs, "domain.xml", walk_root, &a) < 0 ||
	    corpus_view_of(ours, "domain.xml", walk_root, &b) < 0) {
		printf("# %s: a document does not parse\n", name);
		corpus_view_free(&a);
		corpus_view_free(&b);
		return false;
	}
	miss = corpus_first_missing(a.said_text, b.said_text);
	unwarned = corpus_first_unwarned(a.beyond_text, w);
	ok = !miss && !unwarned && !b.beyond_len;
	if (miss)
		printf("# %s: libvirt's '%s' is not in nido's definition\n",
		       name, miss);
	if (unwarned)
		printf("# %s: %s is not warned about\n", name, unwarned);
	if (b.beyond_len)
		printf("# %s: nido's definition has %s", name, b.beyond_text);
	corpus_view_free(&a);
	corpus_view_free(&b);
	return ok;
}

static bool check_one(const struct corpus_expect *x, const char *in)
{
	_cleanup_free_ char *ours = NULL;
	struct domain_def *d = NULL;
	struct xml_warnings w = {0};
	struct err *err = NULL;
	bool ok;
	int r = domain_def_parse(in, strlen(in), &d, &w, &err);

	ok = corpus_outcome_is(x->name, x->outcome, x->words, r, err, &w);
	if (x->outcome != 'r' && r == 0) {
		ours = domain_def_format(d);
		ok = meaning_kept(x->name, in, ours, &w) && ok;
		if (!corpus_domain_reloads(ours)) {
			printf("# %s: nido's definition does not reload the "
			       "same\n",
			       x->name);
			ok = false;
		}
	}
	domain_def_free(d);
	xml_warnings_clear(&w);
	err_free(err);
	return ok;
}

static void corpus_files_as_the_table_says(void)
{
	size_t n = 0, bad = 0, counts[3] = {0};
	DIR *dd;
	struct dirent *de;

	if (!dir)
		SKIP("%s", skip_reason);
	CHECK_INT_EQ(corpus_table_load(CORPUS_TABLE, &table), 0);
	dd = opendir(dir);
	CHECK(dd != NULL);
	while (dd && (de = readdir(dd))) {
		size_t len = strlen(de->d_name);
		_cleanup_free_ char *name = NULL, *path = NULL, *in = NULL;
		const struct corpus_expect *x;

		if (len < 5 || strcmp(de->d_name + len - 4, ".xml"))
			continue;
		n++;
		name = xstrndup(de->d_name, len - 4);
		path = xasprintf("%s/%s", dir, de->d_name);
		x = corpus_table_find(&table, name);
		if (!x || file_read_all(path, 1 << 20, &in, NULL, NULL) < 0) {
			printf("# %s: not in the table\n", name);
			bad++;
		} else if (!check_one(x, in)) {
			printf("# %s: FAILED\n", name);
			bad++;
		} else {
			counts[corpus_outcome_index(x->outcome)]++;
		}
	}
	if (dd)
		closedir(dd);
	printf("# %zu files: %zu defined as they are, %zu defined with "
	       "warnings, %zu refused\n",
	       n, counts[0], counts[1], counts[2]);
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(n, table.n);
	CHECK_INT_EQ(n, 13);
	/* acceptance: most defined, their meaning kept */
	CHECK(2 * (counts[0] + counts[1]) > n);
}

int main(void)
{
	dir = corpus_fetch(CORPUS_SCRIPT, "lxcxml2xmldata", "lxcxml2xmldata",
			   skip_reason, sizeof(skip_reason));
	RUN(corpus_files_as_the_table_says);
	corpus_table_free(&table);
	free(dir);
	return test_done();
}
