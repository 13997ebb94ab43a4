// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt's own network XML test files (libvirt 9.0's
 * tests/networkxml2xmlin, 46 of them, fetched by tests/corpus/libvirt.sh,
 * not kept here) through network_def_parse() and network_def_format().
 * Each file is, as the table below says:
 *   'a' accepted, without a warning, its meaning kept;
 *   'w' accepted with warnings naming exactly what is ignored, the rest
 *       of its meaning kept;
 *   'r' refused, the error naming the element or attribute.
 * "Meaning kept": what nido's output says of the subset (every element
 * and attribute nido knows, values compared as addresses, MACs or text)
 * is what libvirt's networkxml2xmlout file for the same name says; what
 * libvirt's file has beyond the subset is named by a warning. So
 * nothing is silently changed, and a change of outcome fails here.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>

#include "corpus.h"
#include "daemon/network_conf.h"
#include "lib/file.h"
#include "test.h"

#ifndef CORPUS_SCRIPT
#error CORPUS_SCRIPT must name tests/corpus/libvirt.sh
#endif

static const struct expect {
	const char *name;
	char outcome;
	/* 'r': words the error holds; 'w': the names warned, one per
	 * warning, separated by '|' (in the order of the warnings). */
	const char *names;
} expected[] = {
	{"8021Qbh-net", 'r', "forward mode 'private'"},
	{"bandwidth-network", 'w', "<bandwidth>"},
	{"dhcp6host-routed-network", 'w', "<route>|<route>"},
	{"direct-net", 'r', "dev='eth10': direct (macvtap)"},
	{"dnsmasq-options", 'w', "<dnsmasq:options>"},
	{"empty-allow-ipv6", 'a', NULL},
	{"host-bridge-net", 'a', NULL},
	{"host-bridge-no-flood", 'w', "'macTableManager'"},
	{"hostdev-duplicate", 'r', "forward mode 'hostdev'"},
	{"hostdev-pf", 'r', "forward mode 'hostdev'"},
	{"hostdev", 'r', "forward mode 'hostdev'"},
	{"isolated-network", 'a', NULL},
	{"isolated-ports", 'r', "<port isolated='yes'>"},
	{"leasetime-hours", 'w', "<lease>|<lease>|<lease>"},
	{"leasetime-infinite", 'w', "<lease>|<lease>|<lease>"},
	{"leasetime-minutes", 'w', "<lease>|<lease>|<lease>"},
	{"leasetime-seconds", 'w', "<lease>|<lease>|<lease>"},
	{"metadata", 'w', "<metadata>"},
	{"nat-network-dns-forward-plain", 'a', NULL},
	{"nat-network-dns-forwarder-no-resolv", 'a', NULL},
	{"nat-network-dns-forwarders", 'a', NULL},
	{"nat-network-dns-hosts", 'a', NULL},
	{"nat-network-dns-srv-record-minimal", 'w', "<srv>"},
	{"nat-network-dns-srv-record", 'w', "<srv>"},
	{"nat-network-dns-srv-records", 'w', "<srv>|<srv>"},
	{"nat-network-dns-txt-record", 'w', "<txt>"},
	{"nat-network-explicit-flood", 'w', "'macTableManager'"},
	{"nat-network-forward-nat-address", 'a', NULL},
	{"nat-network-forward-nat-ipv6", 'a', NULL},
	{"nat-network-forward-nat-no-address", 'a', NULL},
	{"nat-network-mtu", 'a', NULL},
	{"nat-network", 'a', NULL},
	{"netboot-network", 'w', "<tftp>|<bootp>"},
	{"netboot-proxy-network", 'w', "<bootp>"},
	{"netboot-tftp", 'w', "<tftp>"},
	{"open-network-with-forward-dev", 'r', "mode='open' with dev='eth0'"},
	{"open-network", 'a', NULL},
	{"openvswitch-net", 'r', "<bridge name=>"},
	{"passthrough-address-crash", 'r', "forward mode 'passthrough'"},
	{"passthrough-duplicate", 'r', "forward mode 'passthrough'"},
	{"passthrough-pf", 'r', "forward mode 'passthrough'"},
	{"routed-network-no-dns-extra-elements", 'w', "<txt>"},
	{"routed-network-no-dns", 'a', NULL},
	{"routed-network", 'w', "'zone'"},
	{"set-mtu", 'a', NULL},
	{"vepa-net", 'r', "forward mode 'vepa'"},
};

/*
 * The subset, as element paths with the attributes nido reads; '*' marks
 * an element whose text counts. Address and MAC attributes are compared
 * by value.
 */
static const struct known {
	const char *path;
	const char *attrs[6];
} known[] = {
	{"network", {"ipv6"}},
	{"network/name*", {0}},
	{"network/uuid*", {0}},
	{"network/forward", {"mode", "dev"}},
	{"network/forward/nat", {"ipv6"}},
	{"network/forward/nat/address", {"start", "end"}},
	{"network/forward/nat/port", {"start", "end"}},
	{"network/forward/interface", {"dev"}},
	{"network/bridge", {"name", "stp", "delay"}},
	{"network/mtu", {"size"}},
	{"network/mac", {"address"}},
	{"network/domain", {"name", "localOnly"}},
	{"network/dns", {"enable", "forwardPlainNames"}},
	{"network/dns/forwarder", {"addr", "domain"}},
	{"network/dns/host", {"ip"}},
	{"network/dns/host/hostname*", {0}},
	{"network/ip", {"family", "address", "netmask", "prefix"}},
	{"network/ip/dhcp", {0}},
	{"network/ip/dhcp/range", {"start", "end"}},
	{"network/ip/dhcp/host", {"mac", "id", "name", "ip"}},
	{"network/vlan", {"trunk"}},
	{"network/vlan/tag", {"id", "nativeMode"}},
	{"network/bandwidth", {0}},
	{"network/bandwidth/inbound", {"average", "peak", "burst", "floor"}},
	{"network/bandwidth/outbound", {"average", "peak", "burst", "floor"}},
	{"network/virtualport", {"type"}},
	{"network/virtualport/parameters", {"interfaceid", "profileid"}},
	{"network/portgroup", {"name", "default"}},
	{"network/portgroup/vlan", {"trunk"}},
	{"network/portgroup/vlan/tag", {"id", "nativeMode"}},
	{"network/portgroup/bandwidth", {0}},
	{"network/portgroup/bandwidth/inbound",
	 {"average", "peak", "burst", "floor"}},
	{"network/portgroup/bandwidth/outbound",
	 {"average", "peak", "burst", "floor"}},
	{"network/portgroup/virtualport", {"type"}},
	{"network/portgroup/virtualport/parameters",
	 {"interfaceid", "profileid"}},
};

static const struct known *find_known(const char *path, bool *text)
{
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		size_t n = strcspn(known[i].path, "*");

		if (strlen(path) == n && !strncmp(known[i].path, path, n)) {
			*text = known[i].path[n] == '*';
			return &known[i];
		}
	}
	return NULL;
}

/* @v as compared: addresses in canonical form, MACs in lower case. */
static char *canon(const char *attr, const char *v)
{
	static const char *const addrs[] = {"address", "start", "end",
					    "ip",      "addr",	"netmask"};
	unsigned char b[16];
	char out[INET6_ADDRSTRLEN];

	for (int fam = AF_INET;
	     corpus_str_in(attr, addrs, ARRAY_SIZE(addrs)) && fam <= AF_INET6;
	     fam = fam == AF_INET ? AF_INET6 : AF_INET6 + 1)
		if (inet_pton(fam, v, b) == 1 &&
		    inet_ntop(fam, b, out, sizeof(out)))
			return xstrdup(out);
	if (streq(attr, "mac") || strchr(v, ':')) {
		char *s = xstrdup(v);

		for (char *p = s; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return s;
	}
	return xstrdup(v);
}

static void walk(const xmlNode *n, const char *parent, struct corpus_view *v)
{
	_cleanup_free_ char *path =
		parent ? xasprintf("%s/%s", parent, (const char *)n->name)
		       : xstrdup((const char *)n->name);
	bool text = false;
	const struct known *k = n->ns ? NULL : find_known(path, &text);

	if (!k) {
		corpus_beyond_element(v, n->ns, n->name);
		return;
	}
	fprintf(v->said, "%s\n", path);
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		xmlChar *val = xmlNodeGetContent((const xmlNode *)a);
		_cleanup_free_ char *c = NULL;

		if (a->ns || !corpus_str_in((const char *)a->name, k->attrs,
					    ARRAY_SIZE(k->attrs))) {
			corpus_beyond_attr(v, a->ns, a->name);
		} else if (!(streq(path, "network") &&
			     xmlStrEqual(val, BAD_CAST "no"))) {
			/* ipv6='no' is the default: libvirt drops it. */
			c = canon((const char *)a->name, (const char *)val);
			fprintf(v->said, "%s@%s=%s\n", path,
				(const char *)a->name, c);
		}
		xmlFree(val);
	}
	if (text) {
		xmlChar *t = xmlNodeGetContent(n);

		fprintf(v->said, "%s=%s\n", path, (const char *)t);
		xmlFree(t);
		return;
	}
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			walk(c, path, v);
}

/*
 * Drops the lines of elements that say nothing (no attribute, no child
 * that says something): libvirt keeps a <dns> that held only <txt>, nido
 * drops it; an element saying nothing is the default either way.
 */
static void prune(char *text)
{
	bool again = true;

	while (again) {
		char *line = text, *w = text;

		again = false;
		while (*line) {
			char *next = line + strcspn(line, "\n") + 1;
			size_t n = next - line - 1;
			bool bare =
				!memchr(line, '@', n) && !memchr(line, '=', n);

			if (bare && !(strncmp(next, line, n) == 0 &&
				      strchr("/@=", next[n]))) {
				again = true;
			} else {
				memmove(w, line, next - line);
				w += next - line;
			}
			line = next;
		}
		*w = 0;
	}
}

static void walk_root(const xmlNode *root, struct corpus_view *v)
{
	walk(root, NULL, v);
}

static int view_of(const char *xml, struct corpus_view *v)
{
	if (corpus_view_of(xml, "network.xml", walk_root, v) < 0)
		return -1;
	prune(v->said_text);
	return 0;
}

static char *dir;
static char skip_reason[256];

static char *read_text(const char *sub, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s/%s.xml", dir, sub, name);
	char *text = NULL;

	if (file_read_all(p, 1 << 20, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

/* nido's output for @e says what libvirt's says, within the subset. */
static bool meaning_kept(const struct expect *e, const char *ours,
			 const struct xml_warnings *w)
{
	_cleanup_free_ char *theirs = read_text("networkxml2xmlout", e->name);
	struct corpus_view a = {0}, b = {0};
	const char *unwarned;
	bool ok;

	if (!theirs)
		return true; /* libvirt refuses it: nothing to compare */
	if (view_of(theirs, &a) < 0 || view_of(ours, &b) < 0) {
		printf("# %s: output does not parse\n", e->name);
		return false;
	}
	unwarned = corpus_first_unwarned(a.beyond_text, w);
	if (unwarned)
		printf("# %s is not warned about\n", unwarned);
	ok = streq(a.said_text, b.said_text) && !b.beyond_len && !unwarned;
	if (!ok)
		printf("# %s: libvirt says\n%s# nido says\n%s# beyond: %s%s\n",
		       e->name, a.said_text, b.said_text, a.beyond_text,
		       b.beyond_text);
	corpus_view_free(&a);
	corpus_view_free(&b);
	return ok;
}

/* Format, parse, format: the same text (what a restart of nidod does). */
static bool reloads(const char *text)
{
	struct network_def *d = NULL;
	char *again;
	bool ok;

	if (network_def_parse(text, strlen(text), &d, NULL, NULL) < 0)
		return false;
	again = network_def_format(d);
	ok = streq(text, again);
	free(again);
	network_def_free(d);
	return ok;
}

static bool check_one(const struct expect *e)
{
	_cleanup_free_ char *in = read_text("networkxml2xmlin", e->name);
	_cleanup_free_ char *ours = NULL;
	struct network_def *d = NULL;
	struct xml_warnings w = {0};
	struct err *err = NULL;
	bool ok;
	int r;

	if (!in) {
		printf("# %s: no such file in libvirt's set\n", e->name);
		return false;
	}
	r = network_def_parse(in, strlen(in), &d, &w, &err);
	ok = corpus_outcome_is(e->name, e->outcome, e->names, r, err, &w);
	if (ok && e->outcome != 'r') {
		ours = network_def_format(d);
		ok = meaning_kept(e, ours, &w) && reloads(ours);
	}
	network_def_free(d);
	xml_warnings_clear(&w);
	err_free(err);
	return ok;
}

static void corpus_files_keep_their_meaning(void)
{
	size_t bad = 0, n = 0;
	int counts[3] = {0};

	if (!dir)
		SKIP("%s", skip_reason);
	for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
		if (!check_one(&expected[i])) {
			printf("# %s: FAILED\n", expected[i].name);
			bad++;
		}
		counts[corpus_outcome_index(expected[i].outcome)]++;
		n++;
	}
	printf("# %zu files: %d accepted, %d warned, %d refused\n", n,
	       counts[0], counts[1], counts[2]);
	CHECK_INT_EQ(bad, 0);
}

/* The table names every file of libvirt's set, and no other. */
static void corpus_table_is_complete(void)
{
	_cleanup_free_ char *in = NULL;
	DIR *d;
	struct dirent *de;
	size_t files = 0, unlisted = 0;

	if (!dir)
		SKIP("%s", skip_reason);
	in = xasprintf("%s/networkxml2xmlin", dir);
	d = opendir(in);
	CHECK(d != NULL);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		bool listed = false;

		if (len < 5 || strcmp(de->d_name + len - 4, ".xml"))
			continue;
		files++;
		for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
			listed |=
				strlen(expected[i].name) == len - 4 &&
				!strncmp(expected[i].name, de->d_name, len - 4);
		if (!listed) {
			printf("# %s is not in the table\n", de->d_name);
			unlisted++;
		}
	}
	closedir(d);
	CHECK_INT_EQ(unlisted, 0);
	CHECK_INT_EQ(files, ARRAY_SIZE(expected));
	CHECK_INT_EQ(files, 46);
}

int main(void)
{
	dir = corpus_fetch(CORPUS_SCRIPT, "networkxml2xmlin networkxml2xmlout",
			   NULL, skip_reason, sizeof(skip_reason));
	RUN(corpus_table_is_complete);
	RUN(corpus_files_keep_their_meaning);
	free(dir);
	return test_done();
}
