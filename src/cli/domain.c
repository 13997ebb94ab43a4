// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido's domain verbs, shaped like virsh's (docs/cli.md): list, define,
 * undefine, create, start, shutdown, destroy, reboot, suspend, resume,
 * dominfo, domstate, dumpxml, autostart, domblklist, domiflist, domstats.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "cli/table.h"
#include "lib/file.h"
#include "lib/json.h"

/* Largest XML file read for define and create. */
#define XML_MAX (1u << 20)

/* Prints the error of a verb on @name the way virsh does. Returns 1. */
static int fail(const char *what, const char *name, const struct err *e)
{
	const char *msg = err_msg(e);

	if (str_has_prefix(msg, "failed to connect") ||
	    str_has_prefix(msg, "unsupported URI"))
		cli_error("%s", msg);
	else if (err_code(e) == -ENOENT && str_has_prefix(msg, "domain '") &&
		 strstr(msg, "' not found"))
		cli_error("failed to get domain '%s'", name);
	else
		cli_error("failed to %s domain '%s': %s", what, name, msg);
	return 1;
}

/* Parses only --help and the flags in @flags (NULL-terminated long
 * names); sets @set[i] for each seen. Returns optind, or -1 on error. */
static int parse_flags(int argc, char **argv, const char *const *flags,
		       bool *set, int min_args, int max_args, const char *usage)
{
	struct option opts[16] = {0};
	size_t n = 0;
	int c;

	for (; flags && flags[n] && n < ARRAY_SIZE(opts) - 2; n++)
		opts[n] = (struct option){flags[n], no_argument, NULL,
					  (int)n + 1};
	opts[n] = (struct option){"help", no_argument, NULL, 'h'};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: nido %s\n", usage);
			exit(0);
		}
		if (c <= 0 || (size_t)c > n) {
			cli_error("%s: unknown option '%s' (usage: nido %s)",
				  argv[0], argv[optind - 1], usage);
			return -1;
		}
		set[c - 1] = true;
	}
	if (argc - optind < min_args || argc - optind > max_args) {
		cli_error("usage: nido %s", usage);
		return -1;
	}
	return optind;
}

static const char *jstr(struct json_object *o, const char *key)
{
	const char *s = "";

	json_get_string_opt(o, key, &s, NULL);
	return s;
}

static int64_t jint(struct json_object *o, const char *key)
{
	int64_t v = 0;

	json_get_int64_opt(o, key, &v, NULL);
	return v;
}

static bool jbool(struct json_object *o, const char *key)
{
	bool v = false;

	json_get_bool_opt(o, key, &v, NULL);
	return v;
}

static void id_text(struct json_object *d, char buf[24])
{
	int64_t id = jint(d, "id");

	if (id > 0)
		snprintf(buf, 24, "%" PRId64, id);
	else
		strcpy(buf, "-");
}

static int cmd_list(int argc, char **argv)
{
	static const char *const flags[] = {"all", "inactive", "name", "uuid",
					    NULL};
	static const char *const header[] = {"Id", "Name", "State", NULL};
	bool f[4] = {0};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object(), *arr = NULL;
	struct table *t;

	if (parse_flags(argc, argv, flags, f, 0, 0,
			"list [--all] [--inactive] [--name] [--uuid]") < 0) {
		json_object_put(p);
		return 1;
	}
	json_object_object_add(p, "all", json_object_new_boolean(f[0] || f[1]));
	if (client_call1("domain.list", p, &res, &e) < 0) {
		if (str_has_prefix(err_msg(e), "failed to connect"))
			cli_error("%s", err_msg(e));
		else
			cli_error("failed to list domains: %s", err_msg(e));
		return 1;
	}
	json_get_array(res, "domains", &arr, NULL);
	t = table_new(header);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);
		char id[24];

		if (f[1] && jint(d, "id") > 0)
			continue;
		if (f[2] || f[3]) {
			printf("%s\n", jstr(d, f[3] ? "uuid" : "name"));
			continue;
		}
		id_text(d, id);
		table_add(t, (const char *const[]){id, jstr(d, "name"),
						   jstr(d, "state")});
	}
	if (f[2] || f[3])
		putchar('\n');
	else
		table_print(t, stdout);
	table_free(t);
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

/* define and create: both send a file's XML. */
static int send_xml(int argc, char **argv, const char *method, const char *done)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_free_ char *xml = NULL;
	struct json_object *p;
	const char *verb = streq(method, "domain.define") ? "define" : "create";
	int i = parse_flags(argc, argv, NULL, NULL, 1, 1,
			    streq(verb, "define") ? "define FILE"
						  : "create FILE");

	if (i < 0)
		return 1;
	if (file_read_all(argv[i], XML_MAX, &xml, NULL, &e) < 0) {
		cli_error("failed to %s domain from '%s': %s", verb, argv[i],
			  err_msg(e));
		return 1;
	}
	p = json_object_new_object();
	json_object_object_add(p, "xml", json_object_new_string(xml));
	if (client_call1(method, p, &res, &e) < 0) {
		cli_error("failed to %s domain from '%s': %s", verb, argv[i],
			  err_msg(e));
		return 1;
	}
	print_warnings(res);
	printf("Domain '%s' %s from %s\n\n", jstr(res, "name"), done, argv[i]);
	return 0;
}

static int cmd_define(int argc, char **argv)
{
	return send_xml(argc, argv, "domain.define", "defined");
}

static int cmd_create(int argc, char **argv)
{
	return send_xml(argc, argv, "domain.create", "created");
}

/* Verbs that take one domain and print one line on success. */
struct simple_verb {
	const char *verb, *method, *what, *done;
};

static const struct simple_verb simple_verbs[] = {
	{"start", "domain.start", "start", "started"},

	{"destroy", "domain.destroy", "destroy", "destroyed"},

	{"suspend", "domain.suspend", "suspend", "suspended"},
	{"resume", "domain.resume", "resume", "resumed"},
	{"undefine", "domain.undefine", "undefine", "has been undefined"},
};

static int run_simple(int argc, char **argv)
{
	const struct simple_verb *v = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *usage = xasprintf("%s DOMAIN", argv[0]);
	int i;

	for (size_t k = 0; k < ARRAY_SIZE(simple_verbs); k++)
		if (streq(simple_verbs[k].verb, argv[0]))
			v = &simple_verbs[k];
	i = parse_flags(argc, argv, NULL, NULL, 1, 1, usage);
	if (!v || i < 0)
		return 1;
	if (client_call1(v->method, client_domain_params(argv[i]), NULL, &e) <
	    0)
		return fail(v->what, argv[i], e);
	printf("Domain '%s' %s\n\n", argv[i], v->done);
	return 0;
}

/* Calls @method on the domain named by the one argument. */
static int domain_query(int argc, char **argv, const char *const *flags,
			bool *set, const char *usage, const char *method,
			struct json_object **res, const char **name)
{
	_cleanup_err_ struct err *e = NULL;
	int i = parse_flags(argc, argv, flags, set, 1, 1, usage);

	if (i < 0)
		return 1;
	*name = argv[i];
	if (client_call1(method, client_domain_params(argv[i]), res, &e) < 0)
		return fail("get", argv[i], e);
	return 0;
}

static void cpu_time_line(const char *name)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = NULL, *st = NULL;
	uint64_t ns = 0;

	if (client_call1("domain.stats", client_domain_params(name), &res,
			 NULL) < 0 ||
	    json_get_array(res, "domains", &arr, NULL) < 0 ||
	    json_object_array_length(arr) < 1 ||
	    json_get_object(json_object_array_get_idx(arr, 0), "stats", &st,
			    NULL) < 0 ||
	    json_get_uint64_opt(st, "cpu.time", &ns, NULL) <= 0)
		return;
	printf("%-15s %.1fs\n", "CPU time:", (double)ns / 1e9);
}

static int cmd_dominfo(int argc, char **argv)
{
	_cleanup_json_ struct json_object *d = NULL;
	const char *name;
	char id[24];

	if (domain_query(argc, argv, NULL, NULL, "dominfo DOMAIN",
			 "domain.info", &d, &name))
		return 1;
	id_text(d, id);
	printf("%-15s %s\n", "Id:", id);
	printf("%-15s %s\n", "Name:", jstr(d, "name"));
	printf("%-15s %s\n", "UUID:", jstr(d, "uuid"));
	printf("%-15s %s\n", "OS Type:", jstr(d, "os_type"));
	printf("%-15s %s\n", "State:", jstr(d, "state"));
	printf("%-15s %" PRId64 "\n", "CPU(s):", jint(d, "vcpus"));
	if (jint(d, "id") > 0)
		cpu_time_line(name);
	printf("%-15s %" PRId64 " KiB\n",
	       "Max memory:", jint(d, "max_memory_kib"));
	printf("%-15s %" PRId64 " KiB\n",
	       "Used memory:", jint(d, "used_memory_kib"));
	printf("%-15s %s\n",
	       "Persistent:", jbool(d, "persistent") ? "yes" : "no");
	printf("%-15s %s\n",
	       "Autostart:", jbool(d, "autostart") ? "enable" : "disable");
	printf("%-15s %s\n", "Managed save:", "no");
	printf("%-15s %s\n", "Security model:", "none");
	printf("%-15s %s\n\n", "Security DOI:", "0");
	return 0;
}

static int cmd_domstate(int argc, char **argv)
{
	static const char *const flags[] = {"reason", NULL};
	bool reason = false;
	_cleanup_json_ struct json_object *d = NULL;
	const char *name, *detail;

	if (domain_query(argc, argv, flags, &reason,
			 "domstate DOMAIN [--reason]", "domain.state", &d,
			 &name))
		return 1;
	detail = jstr(d, "detail");
	if (!reason)
		printf("%s\n\n", jstr(d, "state"));
	else if (*detail)
		printf("%s (%s: %s)\n\n", jstr(d, "state"), jstr(d, "reason"),
		       detail);
	else
		printf("%s (%s)\n\n", jstr(d, "state"), jstr(d, "reason"));
	return 0;
}

static int cmd_dumpxml(int argc, char **argv)
{
	static const char *const flags[] = {"inactive", NULL};
	bool inactive = false;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p;
	int i = parse_flags(argc, argv, flags, &inactive, 1, 1,
			    "dumpxml DOMAIN [--inactive]");

	if (i < 0)
		return 1;
	p = client_domain_params(argv[i]);
	json_object_object_add(p, "inactive",
			       json_object_new_boolean(inactive));
	if (client_call1("domain.xml", p, &res, &e) < 0)
		return fail("get", argv[i], e);
	fputs(jstr(res, "xml"), stdout);
	return 0;
}

static int cmd_autostart(int argc, char **argv)
{
	static const char *const flags[] = {"disable", NULL};
	bool disable = false;
	_cleanup_err_ struct err *e = NULL;
	struct json_object *p;
	int i = parse_flags(argc, argv, flags, &disable, 1, 1,
			    "autostart DOMAIN [--disable]");

	if (i < 0)
		return 1;
	p = client_domain_params(argv[i]);
	json_object_object_add(p, "enable", json_object_new_boolean(!disable));
	if (client_call1("domain.autostart", p, NULL, &e) < 0)
		return fail(disable ? "unmark as autostarted"
				    : "mark as autostarted",
			    argv[i], e);
	printf("Domain '%s' %s as autostarted\n\n", argv[i],
	       disable ? "unmarked" : "marked");
	return 0;
}

static int cmd_domblklist(int argc, char **argv)
{
	static const char *const flags[] = {"details", NULL};
	static const char *const h1[] = {"Target", "Source", NULL};
	static const char *const h2[] = {"Type", "Device", "Target", "Source",
					 NULL};
	bool details = false;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = NULL;
	const char *name;
	struct table *t;

	if (domain_query(argc, argv, flags, &details,
			 "domblklist DOMAIN [--details]", "domain.blklist",
			 &res, &name))
		return 1;
	json_get_array(res, "disks", &arr, NULL);
	t = table_new(details ? h2 : h1);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);

		if (details)
			table_add(t, (const char *const[]){jstr(d, "type"),
							   jstr(d, "device"),
							   jstr(d, "target"),
							   jstr(d, "source")});
		else
			table_add(t, (const char *const[]){jstr(d, "target"),
							   jstr(d, "source")});
	}
	table_print(t, stdout);
	table_free(t);
	return 0;
}

static uint64_t ju64(struct json_object *o, const char *key)
{
	uint64_t v = 0;

	json_get_uint64_opt(o, key, &v, NULL);
	return v;
}

/* "name: value" lines as virsh aligns them (the colon at column 16). */
static void tune_line(const char *name, const char *value)
{
	printf("%-15s: %s\n", name, value);
}

static void tune_u64(const char *name, uint64_t v, const char *unset)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	tune_line(name, v ? buf : unset);
}

/* memtune DOMAIN: the memory limits, in KiB, as virsh prints them. */
static int cmd_memtune(int argc, char **argv)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *m = NULL;
	const char *name;

	if (domain_query(argc, argv, NULL, NULL, "memtune DOMAIN",
			 "domain.tune", &res, &name))
		return 1;
	json_object_object_get_ex(res, "memtune", &m);
	tune_u64("hard_limit", ju64(m, "hard_limit_kib"), "unlimited");
	tune_u64("soft_limit", ju64(m, "soft_limit_kib"), "unlimited");
	tune_u64("swap_hard_limit", ju64(m, "swap_hard_limit_kib"),
		 "unlimited");
	printf("\n");
	return 0;
}

/* schedinfo DOMAIN: the CPU parameters, as virsh prints them. */
static int cmd_schedinfo(int argc, char **argv)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *c = NULL;
	const char *name;
	char buf[32];

	if (domain_query(argc, argv, NULL, NULL, "schedinfo DOMAIN",
			 "domain.tune", &res, &name))
		return 1;
	json_object_object_get_ex(res, "cputune", &c);
	tune_line("Scheduler", "posix");
	tune_u64("cpu_shares", ju64(c, "shares") ? ju64(c, "shares") : 1024,
		 "1024");
	tune_u64("vcpu_period", ju64(c, "period_us"), "100000");
	snprintf(buf, sizeof(buf), "%" PRId64,
		 jint(c, "quota_us") ? jint(c, "quota_us") : -1);
	tune_line("vcpu_quota", buf);
	tune_u64("global_period", ju64(c, "global_period_us"), "100000");
	snprintf(buf, sizeof(buf), "%" PRId64,
		 jint(c, "global_quota_us") ? jint(c, "global_quota_us") : -1);
	tune_line("global_quota", buf);
	printf("\n");
	return 0;
}

/* blkdeviotune DOMAIN DISK: a disk's I/O limits (0: none), as virsh. */
static int cmd_blkdeviotune(int argc, char **argv)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *disks = NULL, *io = NULL;
	int i = parse_flags(argc, argv, NULL, NULL, 2, 2,
			    "blkdeviotune DOMAIN DISK");

	if (i < 0)
		return 1;
	if (client_call1("domain.tune", client_domain_params(argv[i]), &res,
			 &e) < 0)
		return fail("get", argv[i], e);
	json_get_array(res, "disks", &disks, NULL);
	for (size_t k = 0; disks && k < json_object_array_length(disks); k++) {
		struct json_object *d = json_object_array_get_idx(disks, k);

		if (streq(jstr(d, "target"), argv[i + 1]))
			json_object_object_get_ex(d, "iotune", &io);
	}
	if (!io) {
		cli_error("domain '%s' has no disk '%s'", argv[i], argv[i + 1]);
		return 1;
	}
	/* the daemon sends every limit, in libvirt's order */
	json_object_object_foreach (io, key, val)
		tune_u64(key, json_object_get_uint64(val), "0");
	printf("\n");
	return 0;
}

static int cmd_domiflist(int argc, char **argv)
{
	static const char *const h[] = {"Interface", "Type", "Source",
					"Model",     "MAC",  NULL};
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = NULL;
	const char *name;
	struct table *t;

	if (domain_query(argc, argv, NULL, NULL, "domiflist DOMAIN",
			 "domain.iflist", &res, &name))
		return 1;
	json_get_array(res, "interfaces", &arr, NULL);
	t = table_new(h);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);

		table_add(t, (const char *const[]){
				     jstr(d, "interface"), jstr(d, "type"),
				     jstr(d, "source"), jstr(d, "model"),
				     jstr(d, "mac")});
	}
	table_print(t, stdout);
	table_free(t);
	return 0;
}

static void print_stats(struct json_object *arr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);
		struct json_object *st = NULL;

		printf("Domain: '%s'\n", jstr(d, "name"));
		json_get_object(d, "stats", &st, NULL);
		if (st) {
			json_object_object_foreach (st, k, v) {
				printf("  %s=%s\n", k,
				       json_object_get_string(v));
			}
		}
		putchar('\n');
	}
}

static int cmd_domstats(int argc, char **argv)
{
	_cleanup_err_ struct err *e = NULL;
	struct nido_conn *c;
	int i = parse_flags(argc, argv, NULL, NULL, 0, 1024,
			    "domstats [DOMAIN...]");
	int rc = 0;

	if (i < 0)
		return 1;
	c = client_connect(&e);
	if (!c)
		return fail("get stats of", "", e), 1;
	for (int k = i; k < argc || (k == i && argc == i); k++) {
		_cleanup_json_ struct json_object *res = NULL;
		struct json_object *arr = NULL;

		if (client_call(c, "domain.stats",
				argc == i ? NULL
					  : client_domain_params(argv[k]),
				&res, &e) < 0) {
			rc = fail("get stats of", argc == i ? "" : argv[k], e);
			break;
		}
		if (json_get_array(res, "domains", &arr, NULL) == 0)
			print_stats(arr);
	}
	client_close(c);
	return rc;
}

/*
 * shutdown and reboot: DOMAIN [--mode acpi|ctrl-alt-del], as virsh's
 * (acpi, the power button, is the default).
 */
static int cmd_power(int argc, char **argv)
{
	static const struct option lo[] = {
		{"mode", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0}};
	bool reboot = streq(argv[0], "reboot");
	const char *mode = NULL,
		   *usage = reboot ? "reboot DOMAIN [--mode MODE]"
				   : "shutdown DOMAIN [--mode MODE]";
	_cleanup_err_ struct err *e = NULL;
	struct json_object *params;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: nido %s\n", usage);
			return 0;
		}
		if (c != 'm') {
			cli_error("%s: unknown option '%s' (usage: nido %s)",
				  argv[0], argv[optind - 1], usage);
			return 1;
		}
		mode = optarg;
	}
	if (argc - optind != 1) {
		cli_error("usage: nido %s", usage);
		return 1;
	}
	params = client_domain_params(argv[optind]);
	if (mode)
		json_object_object_add(params, "mode",
				       json_object_new_string(mode));
	if (client_call1(reboot ? "domain.reboot" : "domain.shutdown", params,
			 NULL, &e) < 0)
		return fail(argv[0], argv[optind], e);
	printf("Domain '%s' %s\n\n", argv[optind],
	       reboot ? "is being rebooted" : "is being shutdown");
	return 0;
}

const struct cli_command domain_commands[] = {
	{"list", cmd_list, "list domains"},
	{"define", cmd_define, "define a domain from an XML file"},
	{"undefine", run_simple, "remove a domain's definition"},
	{"create", cmd_create, "start a transient domain from an XML file"},
	{"start", run_simple, "start a defined domain"},
	{"shutdown", cmd_power, "ask a domain's guest to power off"},
	{"destroy", run_simple, "stop a domain now"},
	{"reboot", cmd_power, "ask a domain's guest to reboot"},
	{"suspend", run_simple, "pause a domain"},
	{"resume", run_simple, "resume a paused domain"},
	{"dominfo", cmd_dominfo, "show a domain's information"},
	{"domstate", cmd_domstate, "show a domain's state"},
	{"dumpxml", cmd_dumpxml, "print a domain's XML"},
	{"autostart", cmd_autostart, "start a domain with the daemon"},
	{"domblklist", cmd_domblklist, "list a domain's disks"},
	{"domiflist", cmd_domiflist, "list a domain's interfaces"},
	{"memtune", cmd_memtune, "show a domain's memory limits"},
	{"schedinfo", cmd_schedinfo, "show a domain's CPU parameters"},
	{"blkdeviotune", cmd_blkdeviotune, "show a disk's I/O limits"},
	{"domstats", cmd_domstats, "print domain statistics"},
	{"console", cmd_console, "connect to a domain's console"},
	{"install", cmd_install, "create, define and start a domain"},
	{NULL, NULL, NULL},
};

int domain_global_option(int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (streq(a, "-c") || streq(a, "--connect")) {
		if (*i + 1 >= argc) {
			cli_error("%s needs a URI (nido:///system or "
				  "nido:///session)",
				  a);
			return -1;
		}
		client_set_uri(argv[*i + 1]);
		*i += 2;
		return 1;
	}
	if (str_has_prefix(a, "--connect=")) {
		client_set_uri(a + strlen("--connect="));
		*i += 1;
		return 1;
	}
	return 0;
}
