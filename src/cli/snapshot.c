// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's snapshot verbs (docs/cli.md): snapshot-create(-as),
 * snapshot-list, snapshot-info, snapshot-dumpxml, snapshot-current,
 * snapshot-parent, snapshot-revert, snapshot-delete. The daemon keeps
 * the snapshots (docs/snapshots.md); the list's filters (--roots,
 * --leaves, --parent, --tree) are applied here, on its whole list.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "cli/table.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/util.h"

/* The domain's snapshots (the daemon's list), or NULL after an error. */
static struct json_object *snapshots(const char *dom, struct json_object **res)
{
	_cleanup_err_ struct err *e = NULL;
	struct json_object *arr = NULL;

	if (client_call1("snapshot.list", client_domain_params(dom), res, &e) <
	    0) {
		domain_fail("list snapshots of", dom, e);
		return NULL;
	}
	if (json_get_array(*res, "snapshots", &arr, NULL) < 0) {
		cli_error("a bad answer from the daemon");
		return NULL;
	}
	return arr;
}

static struct json_object *find(struct json_object *arr, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);

		if (streq(jstr(s, "name"), name))
			return s;
	}
	return NULL;
}

static struct json_object *current(struct json_object *arr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);

		if (jbool(s, "current"))
			return s;
	}
	return NULL;
}

/* The snapshot a verb names: its argument, or with --current the
 * current one. NULL after printing why. */
static const char *pick(const struct cli_args *a, struct json_object *arr)
{
	const char *name = cli_str(a, "snapshotname");
	struct json_object *s;

	if (cli_flag(a, "current") || !name) {
		if (!(s = current(arr))) {
			cli_error("the domain does not have a current "
				  "snapshot");
			return NULL;
		}
		return jstr(s, "name");
	}
	if (!find(arr, name)) {
		cli_error("Domain snapshot not found: no domain snapshot with "
			  "matching name '%s'",
			  name);
		return NULL;
	}
	return name;
}

/* The snapshot a verb names (pick()) in the domain's list, which *@res
 * keeps; NULL after printing why. */
static struct json_object *picked(const struct cli_args *a,
				  struct json_object **res, const char **name)
{
	struct json_object *arr = snapshots(cli_str(a, "domain"), res);

	*name = arr ? pick(a, arr) : NULL;
	return *name ? find(arr, *name) : NULL;
}

static struct json_object *snap_params(const char *dom, const char *snap)
{
	struct json_object *p = client_domain_params(dom);

	json_object_object_add(p, "snapshot", json_object_new_string(snap));
	return p;
}

/* snapshot-create(-as)'s flags */
enum {
	CREATE_DISK_ONLY = 1,
	CREATE_NO_METADATA = 2,
	CREATE_REUSE_EXT = 4,
	CREATE_REDEFINE = 8,
	CREATE_CURRENT = 16,
	CREATE_QUIESCE = 32,
	CREATE_LIVE = 64,
};

static struct json_object *create_params(const char *dom, const char *xml,
					 unsigned flags)
{
	static const char *const names[] = {
		"disk_only", "no_metadata", "reuse_external",
		"redefine",  "current",	    "quiesce",
		"live"};
	struct json_object *p = client_domain_params(dom);

	if (xml)
		json_object_object_add(p, "xml", json_object_new_string(xml));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (flags & (1u << i))
			json_object_object_add(p, names[i],
					       json_object_new_boolean(true));
	return p;
}

static int create(const char *dom, const char *xml, unsigned flags)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = create_params(dom, xml, flags);

	if (client_call1("snapshot.create", p, &res, &e) < 0)
		return domain_fail("create a snapshot of", dom, e);
	if (!cli_quiet)
		printf("Domain snapshot %s created\n", jstr(res, "name"));
	return 0;
}

static int cmd_snapshot_create(const struct cli_args *a)
{
	/* in the order of the CREATE_ bits */
	static const char *const flags[] = {
		"disk-only", "no-metadata", "reuse-external",
		"redefine",  "current",	    "quiesce",
		"live"};
	unsigned f = 0;
	const char *file = cli_str(a, "xmlfile");
	_cleanup_free_ char *xml = NULL;
	_cleanup_err_ struct err *e = NULL;

	if (file && file_read_all(file, 1u << 20, &xml, NULL, &e) < 0) {
		cli_error("%s", err_msg(e));
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		f |= cli_flag(a, flags[i]) ? 1u << i : 0;
	return create(cli_str(a, "domain"), xml, f);
}

/*
 * virsh's --diskspec "DISK[,snapshot=internal|external|no][,driver=
 * qcow2][,file=PATH]" as a <disk> into @f; 1 after printing why it is
 * not one.
 */
static int diskspec(FILE *f, const char *spec)
{
	_cleanup_free_ char *s = xstrdup(spec);
	char *kind = NULL, *file = NULL, *driver = NULL, *save = NULL;
	char *disk = strtok_r(s, ",", &save), *kv;

	while (disk && (kv = strtok_r(NULL, ",", &save))) {
		char **to = str_has_prefix(kv, "snapshot=") ? &kind
			    : str_has_prefix(kv, "file=")   ? &file
			    : str_has_prefix(kv, "driver=") ? &driver
							    : NULL;

		if (!to || *to) {
			cli_error("--diskspec '%s': '%s' is not one of "
				  "snapshot=, driver=, file= (once each; "
				  "stype= is not supported)",
				  spec, kv);
			return 1;
		}
		*to = strchr(kv, '=') + 1;
	}
	if (!disk) {
		cli_error("--diskspec '%s': no disk", spec);
		return 1;
	}
	if (!kind)
		kind = file || driver ? "external" : "internal";
	fputs("    <disk name='", f);
	cli_xml_escape(f, disk);
	fputs("' snapshot='", f);
	cli_xml_escape(f, kind);
	if (!file && !driver) {
		fputs("'/>\n", f);
		return 0;
	}
	fputs("'>\n", f);
	if (driver) {
		fputs("      <driver type='", f);
		cli_xml_escape(f, driver);
		fputs("'/>\n", f);
	}
	if (file) {
		fputs("      <source file='", f);
		cli_xml_escape(f, file);
		fputs("'/>\n", f);
	}
	fputs("    </disk>\n", f);
	return 0;
}

/*
 * virsh's --memspec "[file=]PATH[,snapshot=internal|external|no]" as
 * <memory> into @f (a bare PATH must be absolute); 1 after printing
 * why it is not one. nidod checks the rest (a file needs
 * snapshot='external').
 */
static int memspec(FILE *f, const char *spec)
{
	_cleanup_free_ char *s = xstrdup(spec);
	char *kind = NULL, *file = NULL, *save = NULL, *kv;

	for (kv = strtok_r(s, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		if (!kind && str_has_prefix(kv, "snapshot="))
			kind = kv + strlen("snapshot=");
		else if (!file && str_has_prefix(kv, "file="))
			file = kv + strlen("file=");
		else if (!file && kv[0] == '/')
			file = kv;
		else {
			cli_error("unable to parse memspec: '%s' ('%s' is "
				  "not [file=]/PATH or snapshot=, once each)",
				  spec, kv);
			return 1;
		}
	}
	if (!kind && !file) {
		cli_error("unable to parse memspec: '%s'", spec);
		return 1;
	}
	fputs("  <memory", f);
	if (kind) {
		fputs(" snapshot='", f);
		cli_xml_escape(f, kind);
		fputc('\'', f);
	}
	if (file) {
		fputs(" file='", f);
		cli_xml_escape(f, file);
		fputc('\'', f);
	}
	fputs("/>\n", f);
	return 0;
}

static void put_text(FILE *f, const char *tag, const char *text)
{
	if (!text)
		return;
	fprintf(f, "  <%s>", tag);
	cli_xml_escape(f, text);
	fprintf(f, "</%s>\n", tag);
}

/* snapshot-create-as's synopsis (its help, the man page) */
#define CREATE_AS_SYNOPSIS                                                 \
	"DOMAIN [NAME] [DESCRIPTION] [--disk-only] [--no-metadata] "       \
	"[--reuse-external] [--quiesce] [--live] [--memspec "              \
	"[file=]PATH[,snapshot=external|internal|no]] [--diskspec "        \
	"DISK[,snapshot=internal|external|no][,driver=qcow2][,file=PATH]]" \
	"... [--print-xml]"

static int cmd_snapshot_create_as(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"description", required_argument, NULL, 'd'},
		{"diskspec", required_argument, NULL, 's'},
		{"print-xml", no_argument, NULL, 'p'},
		{"domain", required_argument, NULL, 'D'},
		{"disk-only", no_argument, NULL, 'o'},
		{"no-metadata", no_argument, NULL, 'N'},
		{"reuse-external", no_argument, NULL, 'r'},
		{"quiesce", no_argument, NULL, 'q'},
		{"memspec", required_argument, NULL, 'm'},
		{"live", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dom = NULL, *name = NULL, *desc = NULL, *mem = NULL;
	_cleanup_free_ char *xml = NULL;
	size_t len = 0;
	FILE *disks;
	_cleanup_free_ char *disks_text = NULL;
	size_t disks_len = 0;
	bool print = false;
	unsigned flags = 0;
	int c, bad = 0;

	disks = open_memstream(&disks_text, &disks_len);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 'd')
			desc = optarg;
		else if (c == 'D')
			dom = optarg;
		else if (c == 's')
			bad |= diskspec(disks, optarg);
		else if (c == 'p')
			print = true;
		else if (c == 'o')
			flags |= CREATE_DISK_ONLY;
		else if (c == 'N')
			flags |= CREATE_NO_METADATA;
		else if (c == 'r')
			flags |= CREATE_REUSE_EXT;
		else if (c == 'q')
			flags |= CREATE_QUIESCE;
		else if (c == 'l')
			flags |= CREATE_LIVE;
		else if (c == 'm')
			mem = optarg;
		else if (c == 'h') {
			printf("usage: nido snapshot-create-as %s\n",
			       CREATE_AS_SYNOPSIS);
			fclose(disks);
			return 0;
		} else {
			cli_error("snapshot-create-as: unknown option or "
				  "missing argument '%s'",
				  argv[optind - 1]);
			bad = 1;
		}
	}
	fclose(disks);
	for (; optind < argc && !bad; optind++) {
		if (!dom)
			dom = argv[optind];
		else if (!name)
			name = argv[optind];
		else if (!desc)
			desc = argv[optind];
		else {
			cli_error("snapshot-create-as: unexpected argument "
				  "'%s'",
				  argv[optind]);
			bad = 1;
		}
	}
	if (!bad && !dom) {
		cli_error("snapshot-create-as: a domain is required");
		bad = 1;
	}
	if (bad)
		return 1;
	FILE *f = open_memstream(&xml, &len);

	fputs("<domainsnapshot>\n", f);
	put_text(f, "name", name);
	put_text(f, "description", desc);
	if (mem && memspec(f, mem)) {
		fclose(f);
		return 1;
	}
	if (disks_len)
		fprintf(f, "  <disks>\n%s  </disks>\n", disks_text);
	fputs("</domainsnapshot>\n", f);
	fclose(f);
	if (print) {
		fputs(xml, stdout);
		return 0;
	}
	return create(dom, xml, flags);
}

static void put_time(int64_t t, char buf[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) ||
	    !strftime(buf, 64, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(buf, 64, "%lld", (long long)t);
}

static bool listed(const struct cli_args *a, struct json_object *arr,
		   struct json_object *s)
{
	const char *from = cli_str(a, "from");

	if (cli_flag(a, "roots") && jstr(s, "parent")[0])
		return false;
	if (cli_flag(a, "leaves") && jint(s, "children"))
		return false;
	if (cli_flag(a, "no-leaves") && !jint(s, "children"))
		return false;
	if (cli_flag(a, "current") && !jbool(s, "current"))
		return false;
	if (from) { /* its children; with --descendants, theirs too */
		const char *p = jstr(s, "parent");

		if (!cli_flag(a, "descendants"))
			return streq(p, from);
		while (p[0] && !streq(p, from)) {
			struct json_object *up = find(arr, p);

			p = up ? jstr(up, "parent") : "";
		}
		return p[0] != '\0';
	}
	return true;
}

static void tree(struct json_object *arr, const char *parent,
		 const char *indent)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		_cleanup_free_ char *next = NULL;

		if (!streq(jstr(s, "parent"), parent))
			continue;
		printf("%s%s%s\n", indent, parent[0] ? "+- " : "",
		       jstr(s, "name"));
		next = xasprintf("%s%s", indent, parent[0] ? "   " : "");
		tree(arr, jstr(s, "name"), next);
		if (!parent[0])
			printf("\n");
	}
}

static int cmd_snapshot_list(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = snapshots(cli_str(a, "domain"), &res);
	bool with_parent = cli_flag(a, "parent");
	const char *h[] = {"Name", "Creation Time", "State",
			   with_parent ? "Parent" : NULL, NULL};
	struct table *t;

	if (!arr)
		return 1;
	if (cli_str(a, "from") && !find(arr, cli_str(a, "from"))) {
		cli_error("Domain snapshot not found: no domain snapshot with "
			  "matching name '%s'",
			  cli_str(a, "from"));
		return 1;
	}
	if (cli_flag(a, "tree")) {
		tree(arr, "", "");
		return 0;
	}
	if (cli_flag(a, "name")) {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *s =
				json_object_array_get_idx(arr, i);

			if (listed(a, arr, s))
				printf("%s\n", jstr(s, "name"));
		}
		return 0;
	}
	t = table_new(h);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		char when[64];
		const char *row[5];

		if (!listed(a, arr, s))
			continue;
		put_time(jint(s, "creation_time"), when);
		row[0] = jstr(s, "name");
		row[1] = when;
		row[2] = jstr(s, "state");
		row[3] = with_parent ? jstr(s, "parent") : NULL;
		row[4] = NULL;
		table_add(t, row);
	}
	table_print(t, !cli_quiet, stdout);
	table_free(t);
	return 0;
}

static int print_xml(const char *dom, const char *snap)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;

	if (client_call1("snapshot.xml", snap_params(dom, snap), &res, &e) < 0)
		return domain_fail("get the snapshot of", dom, e);
	fputs(jstr(res, "xml"), stdout);
	return 0;
}

static int cmd_snapshot_dumpxml(const struct cli_args *a)
{
	return print_xml(cli_str(a, "domain"), cli_str(a, "snapshotname"));
}

static int cmd_snapshot_current(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = snapshots(cli_str(a, "domain"), &res);
	struct json_object *s = arr ? current(arr) : NULL;

	if (!arr)
		return 1;
	if (cli_str(a, "snapshotname")) {
		cli_error("snapshot-current SNAPSHOT: setting the current "
			  "snapshot is not supported yet (snapshot-revert "
			  "makes one current)");
		return 1;
	}
	if (!s) {
		if (cli_flag(a, "name"))
			return 0; /* virsh prints nothing then */
		cli_error("the domain does not have a current snapshot");
		return 1;
	}
	if (cli_flag(a, "name")) {
		printf("%s\n", jstr(s, "name"));
		return 0;
	}
	return print_xml(cli_str(a, "domain"), jstr(s, "name"));
}

static int cmd_snapshot_info(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *name;
	struct json_object *s = picked(a, &res, &name);

	if (!s)
		return 1;
	printf("%-15s %s\n", "Name:", name);
	printf("%-15s %s\n", "Domain:", cli_str(a, "domain"));
	printf("%-15s %s\n", "Current:", jbool(s, "current") ? "yes" : "no");
	printf("%-15s %s\n", "State:", jstr(s, "state"));
	printf("%-15s %s\n", "Location:",
	       jstr(s, "location")[0] ? jstr(s, "location") : "internal");
	printf("%-15s %s\n",
	       "Parent:", jstr(s, "parent")[0] ? jstr(s, "parent") : "-");
	printf("%-15s %lld\n", "Children:", (long long)jint(s, "children"));
	printf("%-15s %lld\n",
	       "Descendants:", (long long)jint(s, "descendants"));
	printf("%-15s %s\n", "Metadata:", "yes");
	return 0;
}

static int cmd_snapshot_parent(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *name;
	struct json_object *s = picked(a, &res, &name);

	if (!s)
		return 1;
	if (!jstr(s, "parent")[0]) {
		cli_error("snapshot '%s' has no parent", name);
		return 1;
	}
	printf("%s\n", jstr(s, "parent"));
	return 0;
}

static int cmd_snapshot_revert(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = snapshots(cli_str(a, "domain"), &res);
	const char *name = arr ? pick(a, arr) : NULL;
	struct json_object *p;

	if (!name)
		return 1;
	p = snap_params(cli_str(a, "domain"), name);
	cli_add_state_flags(a, p);
	if (client_call1("snapshot.revert", p, NULL, &e) < 0)
		return domain_fail("revert to a snapshot of",
				   cli_str(a, "domain"), e);
	return 0;
}

static int cmd_snapshot_delete(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = snapshots(cli_str(a, "domain"), &res);
	const char *name = arr ? pick(a, arr) : NULL;
	static const char *const flags[][2] = {
		{"children", "children"},
		{"children-only", "children_only"},
		{"metadata", "metadata"},
	};
	_cleanup_free_ char *copy = NULL;
	struct json_object *p;

	if (!name)
		return 1;
	copy = xstrdup(name);
	p = snap_params(cli_str(a, "domain"), name);
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (cli_flag(a, flags[i][0]))
			json_object_object_add(p, flags[i][1],
					       json_object_new_boolean(true));
	if (client_call1("snapshot.delete", p, NULL, &e) < 0)
		return domain_fail("delete a snapshot of", cli_str(a, "domain"),
				   e);
	if (!cli_quiet)
		printf(cli_flag(a, "children-only")
			       ? "Domain snapshot %s children deleted\n"
			       : "Domain snapshot %s deleted\n",
		       copy);
	return 0;
}

char *snapshot_xml_of(const char *dom, const char *snap, struct err **e)
{
	_cleanup_json_ struct json_object *res = NULL;

	if (client_call1("snapshot.xml", snap_params(dom, snap), &res, e) < 0)
		return NULL;
	return xstrdup(jstr(res, "xml"));
}

int snapshot_redefine(const char *dom, const char *snap, const char *xml,
		      char **defined, struct err **e)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = create_params(dom, xml, CREATE_REDEFINE);

	/* the daemon refuses another name */
	json_object_object_add(p, "snapshot", json_object_new_string(snap));
	if (client_call1("snapshot.create", p, &res, e) < 0)
		return err_code(*e);
	*defined = xstrdup(jstr(res, "name"));
	return 0;
}

static int cmd_snapshot_edit(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *name;

	if (cli_flag(a, "rename") || cli_flag(a, "clone")) {
		cli_error("--rename and --clone are not supported yet");
		return 1;
	}
	if (!picked(a, &res, &name))
		return 1;
	return edit_snapshot(cli_str(a, "domain"), name);
}

#define OPT_DOM                                                     \
	{                                                           \
		"domain", OPT_DATA, true, "domain name, id or uuid" \
	}
#define OPT_SNAP(req)                                          \
	{                                                      \
		"snapshotname", OPT_DATA, req, "snapshot name" \
	}

static const struct cli_opt opts_create[] = {
	OPT_DOM,
	{"xmlfile", OPT_DATA, false, "domain snapshot XML"},
	{"disk-only", OPT_BOOL, false, "disk snapshot"},
	{"no-metadata", OPT_BOOL, false,
	 "take snapshot but create no metadata"},
	{"reuse-external", OPT_BOOL, false,
	 "reuse any existing external files"},
	{"redefine", OPT_BOOL, false,
	 "redefine metadata for existing snapshot"},
	{"current", OPT_BOOL, false, "with redefine, set current snapshot"},
	{"quiesce", OPT_BOOL, false, "quiesce guest's file systems"},
	{"live", OPT_BOOL, false,
	 "take a live snapshot (with <memory snapshot='external'>)"},
	{0},
};

static const struct cli_opt opts_list[] = {
	OPT_DOM,
	{"parent", OPT_BOOL, false, "add a column showing parent snapshot"},
	{"roots", OPT_BOOL, false, "list only snapshots without parents"},
	{"leaves", OPT_BOOL, false, "list only snapshots without children"},
	{"no-leaves", OPT_BOOL, false,
	 "list only snapshots that are not "
	 "leaves (with children)"},
	{"current", OPT_BOOL, false, "list only the current snapshot"},
	{"from", OPT_STRING, false,
	 "limit list to children of given "
	 "snapshot"},
	{"descendants", OPT_BOOL, false,
	 "with --from, list all "
	 "descendants"},
	{"tree", OPT_BOOL, false, "list snapshots in a tree"},
	{"name", OPT_BOOL, false, "list snapshot names only"},
	{0},
};

static const struct cli_opt opts_one[] = {
	OPT_DOM,
	OPT_SNAP(false),
	{"current", OPT_BOOL, false, "the current snapshot"},
	{0},
};

static const struct cli_opt opts_dumpxml[] = {
	OPT_DOM,
	OPT_SNAP(true),
	{0},
};

static const struct cli_opt opts_current[] = {
	OPT_DOM,
	{"name", OPT_BOOL, false, "list the name, rather than the full xml"},
	OPT_SNAP(false),
	{0},
};

static const struct cli_opt opts_revert[] = {
	OPT_DOM,
	OPT_SNAP(false),
	{"current", OPT_BOOL, false, "revert to current snapshot"},
	{"running", OPT_BOOL, false,
	 "after reverting, change state to "
	 "running"},
	{"paused", OPT_BOOL, false,
	 "after reverting, change state to "
	 "paused"},
	{0},
};

static const struct cli_opt opts_edit[] = {
	OPT_DOM,
	OPT_SNAP(false),
	{"current", OPT_BOOL, false, "also set edited snapshot as current"},
	{"rename", OPT_BOOL, false, "allow renaming an existing snapshot"},
	{"clone", OPT_BOOL, false, "allow cloning to new name"},
	{0},
};

static const struct cli_opt opts_delete[] = {
	OPT_DOM,
	OPT_SNAP(false),
	{"current", OPT_BOOL, false, "delete current snapshot"},
	{"children", OPT_BOOL, false, "delete snapshot and all children"},
	{"children-only", OPT_BOOL, false,
	 "delete children but not "
	 "snapshot"},
	{"metadata", OPT_BOOL, false,
	 "delete only libvirt metadata, "
	 "leaving snapshot contents behind"},
	{0},
};

const struct cli_command snapshot_commands[] = {
	{"snapshot-create", NULL, "Create a snapshot from XML",
	 cmd_snapshot_create, opts_create, "snapshot",
	 "Create a snapshot (disk and RAM) from XML"},
	{"snapshot-create-as", cmd_snapshot_create_as,
	 "Create a snapshot from a set of args", NULL, NULL, "snapshot", NULL,
	 CREATE_AS_SYNOPSIS},
	{"snapshot-list", NULL, "List snapshots for a domain",
	 cmd_snapshot_list, opts_list, "snapshot", "Snapshot List"},
	{"snapshot-info", NULL, "snapshot information", cmd_snapshot_info,
	 opts_one, "snapshot", "Returns basic information about a snapshot."},
	{"snapshot-dumpxml", NULL, "Dump XML for a domain snapshot",
	 cmd_snapshot_dumpxml, opts_dumpxml, "snapshot", "Snapshot Dump XML"},
	{"snapshot-current", NULL, "Get the current snapshot",
	 cmd_snapshot_current, opts_current, "snapshot",
	 "Get the current snapshot"},
	{"snapshot-parent", NULL, "Get the name of the parent of a snapshot",
	 cmd_snapshot_parent, opts_one, "snapshot",
	 "Extract the snapshot's parent, if any"},
	{"snapshot-revert", NULL, "Revert a domain to a snapshot",
	 cmd_snapshot_revert, opts_revert, "snapshot",
	 "Revert domain to snapshot"},
	{"snapshot-edit", NULL, "edit XML for a snapshot", cmd_snapshot_edit,
	 opts_edit, "snapshot",
	 "Edit the domain snapshot XML for a named snapshot"},
	{"snapshot-delete", NULL, "Delete a domain snapshot",
	 cmd_snapshot_delete, opts_delete, "snapshot", "Snapshot Delete"},
	{NULL},
};
