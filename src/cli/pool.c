// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido's storage pool verbs, shaped like virsh 9.0's: pool-define,
 * pool-define-as, pool-create, pool-create-as, pool-build, pool-start,
 * pool-destroy, pool-delete, pool-undefine, pool-autostart, pool-list,
 * pool-info, pool-refresh, pool-dumpxml, pool-name, pool-uuid,
 * find-storage-pool-sources(-as).
 * pool-edit is edit.c's, pool-event event.c's, the vol-* verbs
 * volume.c's.
 */
#include <errno.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "cli/pool.h"
#include "cli/table.h"
#include "lib/file.h"
#include "lib/json.h"

#define XML_MAX (1u << 20)

int pool_fail(const char *what, const char *name, const struct err *e)
{
	if (err_kind(e) == ERR_NO_CONNECT)
		cli_error("%s", err_msg(e));
	else if (err_kind(e) == ERR_NO_STORAGE_POOL)
		cli_error("failed to get pool '%s'", name);
	else
		cli_error("failed to %s pool '%s': %s", what, name, err_msg(e));
	return 1;
}

const char *pool_pretty_size(uint64_t v, char buf[static 32])
{
	static const char *const units[] = {"B",   "KiB", "MiB", "GiB",
					    "TiB", "PiB", "EiB"};
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		d /= 1024;
		u++;
	}
	snprintf(buf, 32, "%.2f %s", d, units[u]);
	return buf;
}

/* Calls @method on the pool of --pool; 0, or 1 (printed). */
static int pool_call(const struct cli_args *a, const char *method,
		     const char *what, struct json_object *extra,
		     struct json_object **res)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "pool");
	struct json_object *p = extra ? extra : json_object_new_object();

	json_object_object_add(p, "pool", json_object_new_string(name));
	if (client_call1(method, p, res, &e) < 0)
		return pool_fail(what, name, e);
	return 0;
}

static void print_warnings(struct json_object *res)
{
	struct json_object *w = NULL;

	json_get_array_opt(res, "warnings", &w, NULL);
	for (size_t i = 0; w && i < json_object_array_length(w); i++)
		fprintf(stderr, "warning: %s\n",
			json_object_get_string(
				json_object_array_get_idx(w, i)));
}

int pool_define_xml(const char *xml, bool validate, char **name, struct err **e)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "xml", json_object_new_string(xml));
	if (validate)
		json_object_object_add(p, "validate",
				       json_object_new_boolean(true));
	if (client_call1("pool.define", p, &res, e) < 0)
		return err_code(*e);
	print_warnings(res);
	*name = xstrdup(jstr(res, "name"));
	return 0;
}

char *pool_xml_inactive(const char *name, struct err **e)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "pool", json_object_new_string(name));
	json_object_object_add(p, "inactive", json_object_new_boolean(true));
	if (client_call1("pool.xml", p, &res, e) < 0)
		return NULL;
	return xstrdup(jstr(res, "xml"));
}

/* --build, --overwrite, --no-overwrite of pool-create and pool-start. */
static void add_build(const struct cli_args *a, struct json_object *p)
{
	static const char *const opts[][2] = {{"build", "build"},
					      {"overwrite", "overwrite"},
					      {"no-overwrite", "no_overwrite"}};

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (cli_flag(a, opts[i][0]))
			json_object_object_add(p, opts[i][1],
					       json_object_new_boolean(true));
}

/* Defines (@create false) or creates @xml; *@name what it named. */
static int send_xml(const struct cli_args *a, const char *xml, bool create,
		    char **name, struct err **e)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p;

	if (!create)
		return pool_define_xml(xml, cli_flag(a, "validate"), name, e);
	p = json_object_new_object();
	json_object_object_add(p, "xml", json_object_new_string(xml));
	add_build(a, p);
	if (client_call1("pool.create", p, &res, e) < 0)
		return err_code(*e);
	print_warnings(res);
	*name = xstrdup(jstr(res, "name"));
	return 0;
}

/* pool-define and pool-create: a file's XML to the daemon. */
static int cmd_pool_file(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *xml = NULL, *name = NULL;
	const char *file = cli_str(a, "file");
	bool create = streq(a->cmd->name, "pool-create");

	if (file_read_all(file, XML_MAX, &xml, NULL, &e) < 0 ||
	    send_xml(a, xml, create, &name, &e) < 0) {
		if (err_kind(e) == ERR_NO_CONNECT)
			cli_error("%s", err_msg(e));
		else
			cli_error("Failed to %s pool from %s: %s",
				  create ? "create" : "define", file,
				  err_msg(e));
		return 1;
	}
	cli_print_extra("Pool '%s' %s from %s\n", name,
			create ? "created" : "defined", file);
	return 0;
}

/* A line "<el attr='value'/>" with @value escaped. */
static void put_elem(FILE *f, const char *el, const char *attr,
		     const char *value)
{
	fprintf(f, "    <%s %s='", el, attr);
	cli_xml_escape(f, value);
	fprintf(f, "'/>\n");
}

/* <host name= port=> of --source-host HOST[:PORT] ([V6]:PORT). */
static void put_host(FILE *f, const char *host)
{
	const char *colon = strrchr(host, ':');
	bool v6 = host[0] == '[';
	_cleanup_free_ char *name = NULL;

	if (!colon || (!v6 && strchr(host, ':') != colon) ||
	    (v6 && colon[-1] != ']')) {
		put_elem(f, "host", "name", host);
		return;
	}
	name = xstrndup(host + v6, (size_t)(colon - v6 - host - v6));
	fprintf(f, "    <host name='");
	cli_xml_escape(f, name);
	fprintf(f, "' port='");
	cli_xml_escape(f, colon + 1);
	fprintf(f, "'/>\n");
}

/* The XML pool-define-as and pool-create-as build, as virsh builds it. */
static char *as_xml(const struct cli_args *a)
{
	const char *host = cli_str(a, "source-host"),
		   *path = cli_str(a, "source-path"),
		   *dev = cli_str(a, "source-dev"),
		   *sname = cli_str(a, "source-name"),
		   *fmt = cli_str(a, "source-format"),
		   *target = cli_str(a, "target"),
		   *init = cli_str(a, "source-initiator"),
		   *auth = cli_str(a, "auth-type"),
		   *user = cli_str(a, "auth-username");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "<pool type='");
	cli_xml_escape(f, cli_str(a, "type"));
	fprintf(f, "'>\n  <name>");
	cli_xml_escape(f, cli_str(a, "name"));
	fprintf(f, "</name>\n");
	if (host || path || dev || sname || fmt || init || auth || user) {
		fprintf(f, "  <source>\n");
		if (host)
			put_host(f, host);
		if (path)
			put_elem(f, "dir", "path", path);
		if (dev)
			put_elem(f, "device", "path", dev);
		if (fmt)
			put_elem(f, "format", "type", fmt);
		if (init) {
			fprintf(f, "    <initiator>\n  ");
			put_elem(f, "iqn", "name", init);
			fprintf(f, "    </initiator>\n");
		}
		if (sname) {
			fprintf(f, "    <name>");
			cli_xml_escape(f, sname);
			fprintf(f, "</name>\n");
		}
		if (auth || user) {
			fprintf(f, "    <auth type='");
			cli_xml_escape(f, auth ? auth : "");
			fprintf(f, "' username='");
			cli_xml_escape(f, user ? user : "");
			fprintf(f, "'/>\n");
		}
		fprintf(f, "  </source>\n");
	}
	if (target) {
		fprintf(f, "  <target>\n    <path>");
		cli_xml_escape(f, target);
		fprintf(f, "</path>\n  </target>\n");
	}
	fprintf(f, "</pool>\n");
	fclose(f);
	return text;
}

static int cmd_pool_as(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *xml = as_xml(a), *name = NULL;
	bool create = streq(a->cmd->name, "pool-create-as");

	if (cli_flag(a, "print-xml")) {
		fputs(xml, stdout);
		return 0;
	}
	if (send_xml(a, xml, create, &name, &e) < 0) {
		if (err_kind(e) == ERR_NO_CONNECT)
			cli_error("%s", err_msg(e));
		else
			cli_error("Failed to %s pool %s: %s",
				  create ? "create" : "define",
				  cli_str(a, "name"), err_msg(e));
		return 1;
	}
	cli_print_extra("Pool '%s' %s\n", name, create ? "created" : "defined");
	return 0;
}

/* The verbs that are one call and one of virsh's messages. */
static int cmd_pool_simple(const struct cli_args *a)
{
	static const struct {
		const char *verb, *method, *what, *done;
	} v[] = {
		{"pool-start", "pool.start", "start", "started"},
		{"pool-destroy", "pool.destroy", "destroy", "destroyed"},
		{"pool-undefine", "pool.undefine", "undefine",
		 "has been undefined"},
		{"pool-build", "pool.build", "build", "built"},
		{"pool-delete", "pool.delete", "delete", "deleted"},
		{"pool-refresh", "pool.refresh", "refresh", "refreshed"},
	};
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();
	size_t i = 0;

	while (!streq(v[i].verb, a->cmd->name))
		i++;
	add_build(a, p);
	if (cli_str(a, "format"))
		json_object_object_add(
			p, "format",
			json_object_new_string(cli_str(a, "format")));
	if (pool_call(a, v[i].method, v[i].what, p, &res))
		return 1;
	cli_print_extra("Pool '%s' %s\n", cli_str(a, "pool"), v[i].done);
	return 0;
}

static int cmd_pool_autostart(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	bool off = cli_flag(a, "disable");
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "enable", json_object_new_boolean(!off));
	if (pool_call(a, "pool.autostart",
		      off ? "unmark as autostarted" : "mark as autostarted", p,
		      &res))
		return 1;
	cli_print_extra("Pool '%s' %s as autostarted\n", cli_str(a, "pool"),
			off ? "unmarked" : "marked");
	return 0;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static int cmd_pool_info(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *unknown;
	char buf[32];

	if (pool_call(a, "pool.info", "get", NULL, &res))
		return 1;
	printf("%-15s %s\n", "Name:", jstr(res, "name"));
	printf("%-15s %s\n", "UUID:", jstr(res, "uuid"));
	printf("%-15s %s\n", "State:", jstr(res, "state"));
	printf("%-15s %s\n", "Persistent:", yes_no(jbool(res, "persistent")));
	printf("%-15s %s\n", "Autostart:", yes_no(jbool(res, "autostart")));
	if (!jbool(res, "active"))
		return 0;
	unknown = jstr(res, "space_unknown");
	if (*unknown)
		printf("%-15s unknown (%s)\n", "Capacity:", unknown);
	else
		printf("%-15s %s\n", "Capacity:",
		       pool_pretty_size((uint64_t)jint(res, "capacity"), buf));
	printf("%-15s %s\n", "Allocation:",
	       pool_pretty_size((uint64_t)jint(res, "allocation"), buf));
	if (*unknown)
		printf("%-15s unknown\n", "Available:");
	else
		printf("%-15s %s\n", "Available:",
		       pool_pretty_size((uint64_t)jint(res, "available"), buf));
	return 0;
}

static int cmd_pool_dumpxml(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();

	json_object_object_add(
		p, "inactive",
		json_object_new_boolean(cli_flag(a, "inactive")));
	if (pool_call(a, "pool.xml", "get", p, &res))
		return 1;
	fputs(jstr(res, "xml"), stdout);
	return 0;
}

/* The sources pool.find_sources finds with @p (taken), printed. */
static int find_sources(const struct cli_args *a, struct json_object *p)
{
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_err_ struct err *e = NULL;

	json_object_object_add(p, "type",
			       json_object_new_string(cli_str(a, "type")));
	if (client_call1("pool.find_sources", p, &res, &e) < 0) {
		if (err_kind(e) == ERR_NO_CONNECT)
			cli_error("%s", err_msg(e));
		else
			cli_error("Failed to find any %s pool sources: %s",
				  cli_str(a, "type"), err_msg(e));
		return 1;
	}
	fputs(jstr(res, "xml"), stdout);
	return 0;
}

/* find-storage-pool-sources TYPE [SRCSPEC]: the spec a <source> file. */
static int cmd_find_sources(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *xml = NULL;
	const char *file = cli_str(a, "srcSpec");
	struct json_object *p;

	if (file && file_read_all(file, XML_MAX, &xml, NULL, &e) < 0) {
		cli_error("%s", err_msg(e));
		return 1;
	}
	p = json_object_new_object();
	if (xml)
		json_object_object_add(p, "spec", json_object_new_string(xml));
	return find_sources(a, p);
}

/* find-storage-pool-sources-as TYPE [HOST] [PORT] [--initiator IQN]. */
static int cmd_find_sources_as(const struct cli_args *a)
{
	struct json_object *p = json_object_new_object();
	const char *port = cli_str(a, "port");

	if (cli_str(a, "host"))
		json_object_object_add(
			p, "host", json_object_new_string(cli_str(a, "host")));
	if (port) {
		char *end;
		unsigned long v = strtoul(port, &end, 10);

		if (!*port || *end || v == 0 || v > 65535) {
			json_object_put(p);
			cli_error("invalid port '%s'", port);
			return 1;
		}
		json_object_object_add(p, "port", json_object_new_uint64(v));
	}
	if (cli_str(a, "initiator"))
		json_object_object_add(
			p, "initiator",
			json_object_new_string(cli_str(a, "initiator")));
	return find_sources(a, p);
}

/* pool-uuid NAME and pool-name UUID: both look the pool up by either. */
static int cmd_pool_key(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	bool uuid = streq(a->cmd->name, "pool-uuid");

	if (pool_call(a, "pool.info", "get", NULL, &res))
		return 1;
	printf("%s\n", jstr(res, uuid ? "uuid" : "name"));
	return 0;
}

/* --type a,b: is @type one of them? */
static bool type_match(const char *types, const char *type)
{
	size_t n = strlen(type);

	for (const char *s = types; s && *s;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len == n && !strncmp(s, type, n))
			return true;
		s = end ? end + 1 : NULL;
	}
	return false;
}

/* virsh's filters of pool-list: within a pair, either; across, both. */
static bool list_match(const struct cli_args *a, struct json_object *n)
{
	bool act = jbool(n, "active"), per = jbool(n, "persistent");
	bool aut = jbool(n, "autostart");
	bool fa = cli_flag(a, "active") ||
		  (!cli_flag(a, "inactive") && !cli_flag(a, "all"));
	bool fi = cli_flag(a, "inactive");

	if (cli_flag(a, "all"))
		fa = fi = false;
	if ((fa || fi) && !((fa && act) || (fi && !act)))
		return false;
	if ((cli_flag(a, "persistent") || cli_flag(a, "transient")) &&
	    !((cli_flag(a, "persistent") && per) ||
	      (cli_flag(a, "transient") && !per)))
		return false;
	if ((cli_flag(a, "autostart") || cli_flag(a, "no-autostart")) &&
	    !((cli_flag(a, "autostart") && aut) ||
	      (cli_flag(a, "no-autostart") && !aut)))
		return false;
	return !cli_str(a, "type") ||
	       type_match(cli_str(a, "type"), jstr(n, "type"));
}

static void list_row(const struct cli_args *a, struct table *t,
		     struct json_object *n)
{
	char c[32] = "-", al[32] = "-", av[32] = "-";
	bool act = jbool(n, "active");

	if (!cli_flag(a, "details")) {
		table_add(t,
			  (const char *const[]){jstr(n, "name"),
						act ? "active" : "inactive",
						yes_no(jbool(n, "autostart"))});
		return;
	}
	if (act) {
		pool_pretty_size((uint64_t)jint(n, "capacity"), c);
		pool_pretty_size((uint64_t)jint(n, "allocation"), al);
		pool_pretty_size((uint64_t)jint(n, "available"), av);
	}
	table_add(t, (const char *const[]){jstr(n, "name"), jstr(n, "state"),
					   yes_no(jbool(n, "autostart")),
					   yes_no(jbool(n, "persistent")), c,
					   al, av});
}

static int cmd_pool_list(const struct cli_args *a)
{
	static const char *const h[] = {"Name", "State", "Autostart", NULL};
	static const char *const hd[] = {"Name",       "State",	   "Autostart",
					 "Persistent", "Capacity", "Allocation",
					 "Available",  NULL};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object(), *arr = NULL;
	bool name = cli_flag(a, "name"), uuid = cli_flag(a, "uuid");
	struct table *t;

	json_object_object_add(p, "all", json_object_new_boolean(true));
	if (client_call1("pool.list", p, &res, &e) < 0) {
		if (err_kind(e) == ERR_NO_CONNECT)
			cli_error("%s", err_msg(e));
		else
			cli_error("Failed to list pools: %s", err_msg(e));
		return 1;
	}
	json_get_array(res, "pools", &arr, NULL);
	t = table_new(cli_flag(a, "details") ? hd : h);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *n = json_object_array_get_idx(arr, i);

		if (!list_match(a, n))
			continue;
		if (name || uuid) {
			if (uuid)
				printf("%s%s", jstr(n, "uuid"),
				       name ? " " : "");
			printf("%s\n", name ? jstr(n, "name") : "");
			continue;
		}
		list_row(a, t, n);
	}
	if (!name && !uuid)
		table_print(t, !cli_quiet, stdout);
	table_free(t);
	return 0;
}

#define BOOL(n, h)                    \
	{                             \
		n, OPT_BOOL, false, h \
	}
#define POOL_OPT                                            \
	{                                                   \
		"pool", OPT_DATA, true, "pool name or uuid" \
	}

static const struct cli_opt opts_pool[] = {
	POOL_OPT,
	{0},
};

static const struct cli_opt opts_file[] = {
	{"file", OPT_DATA, true, "file containing an XML pool description"},
	BOOL("validate", "validate the XML against the schema"),
	{0},
};

static const struct cli_opt opts_create[] = {
	{"file", OPT_DATA, true, "file containing an XML pool description"},
	BOOL("build", "build the pool as normal"),
	BOOL("no-overwrite", "do not overwrite any existing data"),
	BOOL("overwrite", "overwrite any existing data"),
	{0},
};

#define AS_OPTS                                                               \
	{"name", OPT_DATA, true, "name of the pool"},                         \
		{"type", OPT_DATA, true, "type of the pool"},                 \
		BOOL("print-xml",                                             \
		     "print XML document, but don't define/create"),          \
		{"source-host", OPT_DATA, false,                              \
		 "source-host for underlying storage"},                       \
		{"source-path", OPT_DATA, false,                              \
		 "source path for underlying storage"},                       \
		{"source-dev", OPT_DATA, false,                               \
		 "source device for underlying storage"},                     \
		{"source-name", OPT_DATA, false,                              \
		 "source name for underlying storage"},                       \
		{"target", OPT_DATA, false, "target for underlying storage"}, \
		{"source-initiator", OPT_STRING, false,                       \
		 "initiator iqn for underlying storage"},                     \
		{"auth-type", OPT_STRING, false,                              \
		 "auth type to be used for underlying storage"},              \
		{"auth-username", OPT_STRING, false,                          \
		 "auth username to be used for underlying storage"},          \
	{                                                                     \
		"source-format", OPT_STRING, false,                           \
			"format for underlying storage"                       \
	}

static const struct cli_opt opts_define_as[] = {
	AS_OPTS,
	{0},
};

static const struct cli_opt opts_create_as[] = {
	AS_OPTS,
	BOOL("build", "build the pool as normal"),
	BOOL("no-overwrite", "do not overwrite any existing data"),
	BOOL("overwrite", "overwrite any existing data"),
	{0},
};

static const struct cli_opt opts_build[] = {
	POOL_OPT,
	BOOL("no-overwrite", "do not overwrite any existing data"),
	BOOL("overwrite", "overwrite any existing data"),
	{"format", OPT_STRING, false,
	 "make a file system of this type on an fs pool's device (nido)"},
	{0},
};

static const struct cli_opt opts_start[] = {
	POOL_OPT,
	BOOL("build", "build the pool as normal"),
	BOOL("no-overwrite", "do not overwrite any existing data"),
	BOOL("overwrite", "overwrite any existing data"),
	{0},
};

static const struct cli_opt opts_autostart[] = {
	POOL_OPT,
	BOOL("disable", "disable autostarting"),
	{0},
};

static const struct cli_opt opts_dumpxml[] = {
	POOL_OPT,
	BOOL("inactive", "show inactive defined XML"),
	{0},
};

static const struct cli_opt opts_find[] = {
	{"type", OPT_DATA, true, "type of storage pool sources to find"},
	{"srcSpec", OPT_DATA, false,
	 "optional file of source xml to query for pools"},
	{0},
};

static const struct cli_opt opts_find_as[] = {
	{"type", OPT_DATA, true, "type of storage pool sources to find"},
	{"host", OPT_DATA, false, "optional host to query"},
	{"port", OPT_DATA, false, "optional port to query"},
	{"initiator", OPT_STRING, false,
	 "optional initiator IQN to use for query"},
	{0},
};

static const struct cli_opt opts_list[] = {
	BOOL("inactive", "list inactive pools"),
	BOOL("all", "list inactive & active pools"),
	BOOL("transient", "list transient pools"),
	BOOL("persistent", "list persistent pools"),
	BOOL("autostart", "list pools with autostart enabled"),
	BOOL("no-autostart", "list pools with autostart disabled"),
	{"type", OPT_STRING, false,
	 "only list pool of specified type(s) (if supported)"},
	BOOL("details", "display extended details for pools"),
	BOOL("uuid", "list UUID of active pools only"),
	BOOL("name", "list name of active pools only"),
	{0},
};

#define P "pool"

const struct cli_command pool_commands[] = {
	{"find-storage-pool-sources", NULL,
	 "discover potential storage pool sources", cmd_find_sources, opts_find,
	 P,
	 "Returns XML <sources> document (nido: of iscsi pools, the spec a "
	 "<source> with <host name= port=> and <initiator>)."},
	{"find-storage-pool-sources-as", NULL,
	 "find potential storage pool sources", cmd_find_sources_as,
	 opts_find_as, P,
	 "Returns XML <sources> document (nido: of iscsi pools: the targets "
	 "a portal offers)."},
	{"pool-autostart", NULL, "autostart a pool", cmd_pool_autostart,
	 opts_autostart, P,
	 "Configure a pool to be automatically started at boot."},
	{"pool-build", NULL, "build a pool", cmd_pool_simple, opts_build, P,
	 "Build a given pool."},
	{"pool-create", NULL, "create a pool from an XML file", cmd_pool_file,
	 opts_create, P, "Create a pool."},
	{"pool-create-as", NULL, "create a pool from a set of args",
	 cmd_pool_as, opts_create_as, P, "Create a pool."},
	{"pool-define", NULL,
	 "define an inactive persistent storage pool or modify an existing "
	 "persistent one from an XML file",
	 cmd_pool_file, opts_file, P,
	 "Define or modify a persistent storage pool."},
	{"pool-define-as", NULL, "define a pool from a set of args",
	 cmd_pool_as, opts_define_as, P, "Define a pool."},
	{"pool-delete", NULL, "delete a pool", cmd_pool_simple, opts_pool, P,
	 "Delete a given pool."},
	{"pool-destroy", NULL, "destroy (stop) a pool", cmd_pool_simple,
	 opts_pool, P,
	 "Forcefully stop a given pool. Raw data in the pool is untouched"},
	{"pool-dumpxml", NULL, "pool information in XML", cmd_pool_dumpxml,
	 opts_dumpxml, P,
	 "Output the pool information as an XML dump to stdout."},
	{"pool-edit", NULL, "edit XML configuration for a storage pool",
	 cmd_pool_edit, opts_pool, P,
	 "Edit the XML configuration for a storage pool."},
	{"pool-info", NULL, "storage pool information", cmd_pool_info,
	 opts_pool, P, "Returns basic information about the storage pool."},
	{"pool-list", NULL, "list pools", cmd_pool_list, opts_list, P,
	 "Returns list of pools."},
	{"pool-name", NULL, "convert a pool UUID to pool name", cmd_pool_key,
	 opts_pool, P, NULL},
	{"pool-refresh", NULL, "refresh a pool", cmd_pool_simple, opts_pool, P,
	 "Refresh a given pool."},
	{"pool-start", NULL, "start a (previously defined) inactive pool",
	 cmd_pool_simple, opts_start, P, "Start a pool."},
	{"pool-undefine", NULL, "undefine an inactive pool", cmd_pool_simple,
	 opts_pool, P, "Undefine the configuration for an inactive pool."},
	{"pool-uuid", NULL, "convert a pool name to pool UUID", cmd_pool_key,
	 opts_pool, P, NULL},
	{NULL},
};
