// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido's monitoring verbs, shaped like virsh 9.0's (docs/cli.md): list,
 * dominfo, domstate, dumpxml, domblklist, domiflist, memtune, schedinfo,
 * blkdeviotune, domstats.
 */
#include <errno.h>
#include <inttypes.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "cli/table.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/size.h"

/*
 * The filters of list and domstats (virsh's --persistent/--transient,
 * --state-*, --autostart/--no-autostart): within one kind, any flag
 * given matches; across kinds, all must.
 */
struct filter {
	bool active, inactive;
	bool persistent, transient;
	bool running, paused, shutoff, other;
	bool autostart, no_autostart;
};

static bool either(bool want_a, bool a, bool want_b, bool b)
{
	return (!want_a && !want_b) || (want_a && a) || (want_b && b);
}

static bool filter_match(const struct filter *f, struct json_object *d)
{
	const char *st = jstr(d, "state");
	bool run = streq(st, "running"), pau = streq(st, "paused");
	bool off = streq(st, "shut off"), any_state;

	if (!either(f->active, !off, f->inactive, off) ||
	    !either(f->persistent, jbool(d, "persistent"), f->transient,
		    !jbool(d, "persistent")) ||
	    !either(f->autostart, jbool(d, "autostart"), f->no_autostart,
		    !jbool(d, "autostart")))
		return false;
	any_state = f->running || f->paused || f->shutoff || f->other;
	return !any_state || (f->running && run) || (f->paused && pau) ||
	       (f->shutoff && off) || (f->other && !run && !pau && !off);
}

/* Every domain's summary (domain.list with all), or NULL (printed). */
static struct json_object *list_all(struct nido_conn *c)
{
	_cleanup_err_ struct err *e = NULL;
	struct json_object *res = NULL, *p = json_object_new_object();

	json_object_object_add(p, "all", json_object_new_boolean(true));
	if (client_call(c, "domain.list", p, &res, &e) < 0) {
		if (err_kind(e) == ERR_NO_CONNECT)
			cli_error("%s", err_msg(e));
		else
			cli_error("failed to list domains: %s", err_msg(e));
		return NULL;
	}
	return res;
}

static struct json_object *connect_and_list(struct nido_conn **c)
{
	_cleanup_err_ struct err *e = NULL;

	*c = client_connect(&e);
	if (!*c) {
		cli_error("%s", err_msg(e));
		return NULL;
	}
	return list_all(*c);
}

/* --uuid, --id, --name (virsh prints the ones asked, in this order). */
static void list_line(const struct cli_args *a, struct json_object *d)
{
	const char *sep = "";
	char id[24];

	domain_id_text(d, id);
	if (cli_flag(a, "uuid")) {
		printf("%s", jstr(d, "uuid"));
		sep = " ";
	}
	if (cli_flag(a, "id")) {
		if (jint(d, "id") < 1 && !cli_flag(a, "uuid") &&
		    !cli_flag(a, "name"))
			return;
		printf("%s%s", sep, id);
		sep = " ";
	}
	if (cli_flag(a, "name"))
		printf("%s%s", sep, jstr(d, "name"));
	printf("\n");
}

static struct filter list_filter(const struct cli_args *a)
{
	struct filter f = {
		.active = true,
		.persistent = cli_flag(a, "persistent"),
		.transient = cli_flag(a, "transient"),
		.running = cli_flag(a, "state-running"),
		.paused = cli_flag(a, "state-paused"),
		.shutoff = cli_flag(a, "state-shutoff"),
		.other = cli_flag(a, "state-other"),
		.autostart = cli_flag(a, "autostart"),
		.no_autostart = cli_flag(a, "no-autostart"),
	};

	if (cli_flag(a, "inactive") || f.shutoff) {
		f.active = false;
		f.inactive = true;
	}
	if (cli_flag(a, "all"))
		f.active = f.inactive = true;
	return f;
}

static int list_exclusive(const struct cli_args *a)
{
	static const char *const other[] = {"name", "id", "uuid"};

	for (size_t i = 0; cli_flag(a, "table") && i < ARRAY_SIZE(other); i++)
		if (cli_flag(a, other[i])) {
			cli_error("Options --table and --%s are mutually "
				  "exclusive",
				  other[i]);
			return -1;
		}
	return 0;
}

static int cmd_list(const struct cli_args *a)
{
	static const char *const h1[] = {"Id", "Name", "State", NULL};
	static const char *const h2[] = {"Id", "Name", "State", "Title", NULL};
	bool title = cli_flag(a, "title");
	bool table = !cli_flag(a, "uuid") && !cli_flag(a, "name") &&
		     !cli_flag(a, "id");
	struct filter f = list_filter(a);
	struct nido_conn *c = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = NULL;
	struct table *t;

	if (list_exclusive(a) < 0)
		return 1;
	res = connect_and_list(&c);
	client_close(c);
	if (!res)
		return 1;
	json_get_array(res, "domains", &arr, NULL);
	t = table_new(title ? h2 : h1);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);
		char id[24];

		if (!filter_match(&f, d))
			continue;
		if (!table) {
			list_line(a, d);
			continue;
		}
		domain_id_text(d, id);
		table_add(t, (const char *const[]){id, jstr(d, "name"),
						   jstr(d, "state"),
						   jstr(d, "title")});
	}
	if (table)
		table_print(t, !cli_quiet, stdout);
	table_free(t);
	return 0;
}

/* Calls @method on the domain named by the "domain" option. */
static int domain_query(const struct cli_args *a, const char *method,
			struct json_object **res)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "domain");

	if (client_call1(method, client_domain_params(name), res, &e) < 0)
		return domain_fail("get", name, e);
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

static int cmd_dominfo(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *d = NULL;
	char id[24];

	if (domain_query(a, "domain.info", &d))
		return 1;
	domain_id_text(d, id);
	printf("%-15s %s\n", "Id:", id);
	printf("%-15s %s\n", "Name:", jstr(d, "name"));
	printf("%-15s %s\n", "UUID:", jstr(d, "uuid"));
	printf("%-15s %s\n", "OS Type:", jstr(d, "os_type"));
	printf("%-15s %s\n", "State:", jstr(d, "state"));
	printf("%-15s %" PRId64 "\n", "CPU(s):", jint(d, "vcpus"));
	if (jint(d, "id") > 0)
		cpu_time_line(cli_str(a, "domain"));
	printf("%-15s %" PRId64 " KiB\n",
	       "Max memory:", jint(d, "max_memory_kib"));
	printf("%-15s %" PRId64 " KiB\n",
	       "Used memory:", jint(d, "used_memory_kib"));
	printf("%-15s %s\n",
	       "Persistent:", jbool(d, "persistent") ? "yes" : "no");
	printf("%-15s %s\n",
	       "Autostart:", jbool(d, "autostart") ? "enable" : "disable");
	printf("%-15s %s\n",
	       "Managed save:", jbool(d, "managed_save") ? "yes" : "no");
	printf("%-15s %s\n", "Security model:",
	       *jstr(d, "security_model") ? jstr(d, "security_model") : "none");
	printf("%-15s %s\n", "Security DOI:", "0");
	/* a container's: where its root is on the host (virsh prints a
	 * label here when the domain has one) */
	if (*jstr(d, "security_label"))
		printf("%-15s %s\n",
		       "Security label:", jstr(d, "security_label"));
	/* nido's: its systemd-machined registration, where it has one */
	if (*jstr(d, "machine"))
		printf("%-15s %s\n", "Machine:", jstr(d, "machine"));
	else if (*jstr(d, "machine_error"))
		printf("%-15s not registered: %s\n",
		       "Machine:", jstr(d, "machine_error"));
	return 0;
}

static int cmd_domstate(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *d = NULL;
	const char *detail;

	if (domain_query(a, "domain.state", &d))
		return 1;
	detail = jstr(d, "detail");
	if (!cli_flag(a, "reason"))
		printf("%s\n", jstr(d, "state"));
	else if (*detail)
		printf("%s (%s: %s)\n", jstr(d, "state"), jstr(d, "reason"),
		       detail);
	else
		printf("%s (%s)\n", jstr(d, "state"), jstr(d, "reason"));
	return 0;
}

static int cmd_dumpxml(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain");
	struct json_object *p = client_domain_params(name);

	json_object_object_add(
		p, "inactive",
		json_object_new_boolean(cli_flag(a, "inactive")));
	if (client_call1("domain.xml", p, &res, &e) < 0)
		return domain_fail("get", name, e);
	fputs(jstr(res, "xml"), stdout);
	return 0;
}

/*
 * virsh domxml-to-native FORMAT (--xml FILE | --domain DOMAIN): the
 * command line the qemu driver would run, one shell line.
 */
static int cmd_to_native(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_free_ char *xml = NULL;
	const char *file = cli_str(a, "xml"), *name = cli_str(a, "domain");
	struct json_object *p;

	if (!file == !name) {
		cli_error("exactly one of --xml and --domain is required");
		return 1;
	}
	p = json_object_new_object();
	json_object_object_add(p, "format",
			       json_object_new_string(cli_str(a, "format")));
	if (file && file_read_all(file, 1u << 20, &xml, NULL, &e) < 0) {
		json_object_put(p);
		cli_error("failed to read '%s': %s", file, err_msg(e));
		return 1;
	}
	if (xml)
		json_object_object_add(p, "xml", json_object_new_string(xml));
	else
		json_object_object_add(p, "domain",
				       json_object_new_string(name));
	if (client_call1("domain.to_native", p, &res, &e) < 0) {
		cli_error("failed to convert domain XML to native: %s",
			  err_msg(e));
		return 1;
	}
	fputs(jstr(res, "native"), stdout);
	return 0;
}

/* The value of attribute @attr (" attr='") in @tag, malloc'ed, or NULL. */
static char *xml_tag_attr(const char *tag, const char *attr)
{
	_cleanup_free_ char *key = xasprintf(" %s='", attr);
	const char *end = strchr(tag, '>'), *v = strstr(tag, key), *q;

	if (!v || (end && v > end))
		return NULL;
	v += strlen(key);
	q = strchr(v, '\'');
	return q ? xstrndup(v, (size_t)(q - v)) : NULL;
}

/*
 * The running domain @name's live XML, in *@res (its "xml" string). 0,
 * or 1 with the error printed as virsh prints it.
 */
static int live_xml(const char *name, struct json_object **res,
		    const char **xml)
{
	_cleanup_err_ struct err *e = NULL;
	const char *g;

	if (client_call1("domain.xml", client_domain_params(name), res, &e) < 0)
		return domain_fail("get", name, e);
	*xml = jstr(*res, "xml");
	g = strchr(*xml, '>'); /* a running domain's root has its id */
	if (!g || !strstr(*xml, " id='") || strstr(*xml, " id='") > g) {
		cli_error("Requested operation is not valid: domain is not "
			  "running");
		return 1;
	}
	return 0;
}

/* @xml's VNC server: *@listen (malloc'ed; 127.0.0.1 when not said) and
 * its display number; false without one. */
static bool vnc_in(const char *xml, char **listen, long *display)
{
	const char *g = strstr(xml, "<graphics type='vnc'");
	_cleanup_free_ char *port = g ? xml_tag_attr(g, "port") : NULL;
	long n = port ? strtol(port, NULL, 10) : -1;

	if (n < 5900)
		return false;
	*listen = xml_tag_attr(g, "listen");
	if (!*listen)
		*listen = xstrdup("127.0.0.1");
	*display = n - 5900;
	return true;
}

static int vnc_of(const char *name, char **listen, long *display)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *xml;

	if (live_xml(name, &res, &xml))
		return 1;
	if (!vnc_in(xml, listen, display)) {
		cli_error("No graphical display found");
		return 1;
	}
	return 0;
}

static bool wildcard(const char *addr)
{
	return streq(addr, "0.0.0.0") || streq(addr, "::");
}

/* virsh vncdisplay: the running domain's VNC display, "ADDRESS:N" (no
 * address when it listens on all of them). */
static int cmd_vncdisplay(const struct cli_args *a)
{
	_cleanup_free_ char *listen = NULL;
	long n;

	if (vnc_of(cli_str(a, "domain"), &listen, &n))
		return 1;
	if (wildcard(listen))
		printf(":%ld\n\n", n);
	else if (strchr(listen, ':'))
		printf("[%s]:%ld\n\n", listen, n);
	else
		printf("%s:%ld\n\n", listen, n);
	return 0;
}

/* @addr as a URI's host: localhost for every address, [v6]. */
static char *uri_host(const char *addr)
{
	if (wildcard(addr))
		return xstrdup("localhost");
	if (strchr(addr, ':'))
		return xasprintf("[%s]", addr);
	return xstrdup(addr);
}

/* The <graphics> at @g on a socket: "SCHEME+unix://PATH" as virsh
 * writes it, malloc'ed; NULL when it is not on a socket. */
static char *socket_uri(const char *g, const char *scheme)
{
	const char *close = strchr(g, '>');
	const char *sock = strstr(g, "<listen type='socket'");
	const char *end = strstr(g, "</graphics>");
	_cleanup_free_ char *path = NULL;

	/* <graphics .../> has no <listen> of its own */
	if (!close || close[-1] == '/' || !sock || !end || sock > end)
		return NULL;
	path = xml_tag_attr(sock, "socket");
	return path ? xasprintf("%s+unix://%s", scheme, path) : NULL;
}

/* @xml's SPICE server as virsh's URI, "spice://HOST:PORT?tls-port=N"
 * (or spice+unix://PATH), malloc'ed; NULL without one or when it
 * listens nowhere. */
static char *spice_uri(const char *xml)
{
	const char *g = strstr(xml, "<graphics type='spice'");
	_cleanup_free_ char *port = g ? xml_tag_attr(g, "port") : NULL;
	_cleanup_free_ char *tls = g ? xml_tag_attr(g, "tlsPort") : NULL;
	_cleanup_free_ char *listen = g ? xml_tag_attr(g, "listen") : NULL;
	_cleanup_free_ char *host = NULL;
	char *sock = g ? socket_uri(g, "spice") : NULL;
	long p = port ? strtol(port, NULL, 10) : 0;
	long t = tls ? strtol(tls, NULL, 10) : 0;

	if (sock)
		return sock;
	if (p <= 0 && t <= 0)
		return NULL;
	host = uri_host(listen ? listen : "127.0.0.1");
	if (p > 0 && t > 0)
		return xasprintf("spice://%s:%ld?tls-port=%ld", host, p, t);
	if (p > 0)
		return xasprintf("spice://%s:%ld", host, p);
	return xasprintf("spice://%s?tls-port=%ld", host, t);
}

/* virsh domdisplay: the display as a URI, "vnc://ADDRESS:N" or
 * "spice://ADDRESS:PORT" (VNC first, as virsh looks); a server on
 * every address is reached as localhost, as virsh says. */
static int cmd_domdisplay(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_free_ char *listen = NULL, *host = NULL, *uri = NULL;
	const char *type = cli_str(a, "type"), *xml, *vnc;
	long n;

	if (live_xml(cli_str(a, "domain"), &res, &xml))
		return 1;
	if ((!type || streq(type, "vnc")) && vnc_in(xml, &listen, &n)) {
		host = uri_host(listen);
		printf("vnc://%s:%ld\n\n", host, n);
		return 0;
	}
	vnc = strstr(xml, "<graphics type='vnc'");
	if ((!type || streq(type, "vnc")) && vnc &&
	    (uri = socket_uri(vnc, "vnc"))) {
		printf("%s\n\n", uri);
		return 0;
	}
	if ((!type || streq(type, "spice")) && (uri = spice_uri(xml))) {
		printf("%s\n\n", uri);
		return 0;
	}
	if (type)
		cli_error("No graphical display with type '%s' found", type);
	else
		cli_error("No graphical display found");
	return 1;
}

static int cmd_domblklist(const struct cli_args *a)
{
	static const char *const h1[] = {"Target", "Source", NULL};
	static const char *const h2[] = {"Type", "Device", "Target", "Source",
					 NULL};
	bool details = cli_flag(a, "details");
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = NULL;
	struct table *t;

	if (domain_query(a, "domain.blklist", &res))
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
	table_print(t, !cli_quiet, stdout);
	table_free(t);
	return 0;
}

static int cmd_domiflist(const struct cli_args *a)
{
	static const char *const h[] = {"Interface", "Type", "Source",
					"Model",     "MAC",  NULL};
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = NULL;
	struct table *t;

	if (domain_query(a, "domain.iflist", &res))
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
	table_print(t, !cli_quiet, stdout);
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
static int cmd_memtune(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *m = NULL;

	if (domain_query(a, "domain.tune", &res))
		return 1;
	json_object_object_get_ex(res, "memtune", &m);
	tune_u64("hard_limit", ju64(m, "hard_limit_kib"), "unlimited");
	tune_u64("soft_limit", ju64(m, "soft_limit_kib"), "unlimited");
	tune_u64("swap_hard_limit", ju64(m, "swap_hard_limit_kib"),
		 "unlimited");
	return 0;
}

/* blkiotune DOMAIN: the block I/O weight and each device's as virsh
 * prints them: device lists as "PATH,VALUE,PATH,VALUE". */
static int cmd_blkiotune(const struct cli_args *a)
{
	static const char *const keys[][2] = {
		{"device_weight", "weight"},
		{"device_read_iops_sec", "read_iops_sec"},
		{"device_write_iops_sec", "write_iops_sec"},
		{"device_read_bytes_sec", "read_bytes_sec"},
		{"device_write_bytes_sec", "write_bytes_sec"}};
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *b = NULL, *devs = NULL;

	if (domain_query(a, "domain.tune", &res))
		return 1;
	json_object_object_get_ex(res, "blkiotune", &b);
	json_object_object_get_ex(b, "devices", &devs);
	tune_u64("weight", ju64(b, "weight"), "0");
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		size_t n = devs ? json_object_array_length(devs) : 0;
		const char *sep = "";

		printf("%-15s: ", keys[k][0]);
		for (size_t i = 0; i < n; i++) {
			struct json_object *d =
				json_object_array_get_idx(devs, i);

			if (!ju64(d, keys[k][1]))
				continue;
			printf("%s%s,%" PRIu64, sep, jstr(d, "path"),
			       ju64(d, keys[k][1]));
			sep = ",";
		}
		putchar('\n');
	}
	return 0;
}

/* schedinfo DOMAIN: the CPU parameters, as virsh prints them. */
static int cmd_schedinfo(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *c = NULL;
	char buf[32];

	if (domain_query(a, "domain.tune", &res))
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
	return 0;
}

/* blkdeviotune's options that set a limit, and the daemon's names. */
static const char *const iotune_opts[][2] = {
	{"total-bytes-sec", "total_bytes_sec"},
	{"read-bytes-sec", "read_bytes_sec"},
	{"write-bytes-sec", "write_bytes_sec"},
	{"total-iops-sec", "total_iops_sec"},
	{"read-iops-sec", "read_iops_sec"},
	{"write-iops-sec", "write_iops_sec"},
};

/* The limits given as options, in @io (NULL: none); -1 on a bad value.
 * Bytes take a unit as virsh's scaled numbers (10M); I/O counts not. */
static int iotune_options(const struct cli_args *a, struct json_object **io)
{
	*io = NULL;
	for (size_t k = 0; k < ARRAY_SIZE(iotune_opts); k++) {
		const char *v = cli_str(a, iotune_opts[k][0]);
		_cleanup_err_ struct err *e = NULL;
		uint64_t n;
		char *end;

		if (!v)
			continue;
		if (k < 3 ? size_parse(v, &n, &e) < 0
			  : (errno = 0, n = strtoull(v, &end, 10),
			     !*v || *v == '-' || *end || errno)) {
			cli_error("invalid value '%s' of --%s", v,
				  iotune_opts[k][0]);
			json_object_put(steal_ptr(*io));
			return -1;
		}
		if (!*io)
			*io = json_object_new_object();
		json_object_object_add(*io, iotune_opts[k][1],
				       json_object_new_uint64(n));
	}
	return 0;
}

/*
 * blkdeviotune DOMAIN DEVICE: with limits, sets them (--live, --config,
 * --current as virsh's); without, prints every key virsh prints, in its
 * order (0 or "" where nido has no such limit).
 */
static int cmd_blkdeviotune(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct json_object *params, *io = NULL, *got = NULL;
	const char *name = cli_str(a, "domain");
	static const char *const scopes[] = {"live", "config", "current"};

	if (iotune_options(a, &io) < 0)
		return 1;
	params = client_domain_params(name);
	json_object_object_add(params, "device",
			       json_object_new_string(cli_str(a, "device")));
	for (size_t k = 0; k < ARRAY_SIZE(scopes); k++)
		if (cli_flag(a, scopes[k]))
			json_object_object_add(params, scopes[k],
					       json_object_new_boolean(true));
	if (io)
		json_object_object_add(params, "iotune", io);
	if (client_call1("domain.blkdeviotune", params, &res, &e) < 0)
		return domain_fail(io ? "set block I/O limits of"
				      : "get block I/O limits of",
				   name, e);
	if (io || json_get_object(res, "iotune", &got, NULL) < 0)
		return 0;
	json_object_object_foreach (got, key, val) {
		if (json_object_is_type(val, json_type_string))
			tune_line(key, json_object_get_string(val));
		else
			tune_u64(key, json_object_get_uint64(val), "0");
	}
	return 0;
}

/* The stats groups of virsh domstats and the keys each covers. */
static const struct {
	const char *flag, *prefix;
} stat_groups[] = {
	{"state", "state."}, {"cpu-total", "cpu."}, {"balloon", "balloon."},
	{"vcpu", "vcpu."},   {"interface", "net."}, {"block", "block."},
};

/* Whether @key is in a group asked for (every key when none is). */
static bool stat_wanted(const struct cli_args *a, const char *key)
{
	bool any = false;

	for (size_t i = 0; i < ARRAY_SIZE(stat_groups); i++) {
		if (!cli_flag(a, stat_groups[i].flag))
			continue;
		any = true;
		if (str_has_prefix(key, stat_groups[i].prefix))
			return true;
	}
	return !any;
}

static void print_record(const struct cli_args *a, struct json_object *d,
			 int *n)
{
	struct json_object *st = NULL;

	if ((*n)++)
		printf("\n");
	printf("Domain: '%s'\n", jstr(d, "name"));
	json_get_object(d, "stats", &st, NULL);
	if (!st)
		return;
	json_object_object_foreach (st, k, v)
		if (stat_wanted(a, k))
			printf("  %s=%s\n", k, json_object_get_string(v));
}

static struct filter stats_filter(const struct cli_args *a)
{
	return (struct filter){
		.active = cli_flag(a, "list-active"),
		.inactive = cli_flag(a, "list-inactive"),
		.persistent = cli_flag(a, "list-persistent"),
		.transient = cli_flag(a, "list-transient"),
		.running = cli_flag(a, "list-running"),
		.paused = cli_flag(a, "list-paused"),
		.shutoff = cli_flag(a, "list-shutoff"),
		.other = cli_flag(a, "list-other"),
	};
}

/* The summary of domain @name in domain.list's answer @all. */
static struct json_object *summary_of(struct json_object *all, const char *name)
{
	struct json_object *arr = NULL;

	json_get_array(all, "domains", &arr, NULL);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);

		if (streq(jstr(d, "name"), name))
			return d;
	}
	return NULL;
}

/* One domain.stats call (@name NULL: every domain), printed. */
static int stats_call(const struct cli_args *a, struct nido_conn *c,
		      const char *name, struct json_object *all, int *n)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *arr = NULL, *sum;
	struct filter f = stats_filter(a);

	if (client_call(c, "domain.stats",
			name ? client_domain_params(name) : NULL, &res, &e) < 0)
		return domain_fail("get stats of", name ? name : "", e);
	json_get_array(res, "domains", &arr, NULL);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);

		sum = summary_of(all, jstr(d, "name"));
		if (sum && filter_match(&f, sum))
			print_record(a, d, n);
	}
	return 0;
}

static int cmd_domstats(const struct cli_args *a)
{
	struct nido_conn *c = NULL;
	_cleanup_json_ struct json_object *all = connect_and_list(&c);
	int rc = 0, n = 0;

	if (!all) {
		client_close(c);
		return 1;
	}
	if (a->n_rest == 0)
		rc = stats_call(a, c, NULL, all, &n);
	for (int k = 0; k < a->n_rest && rc == 0; k++)
		rc = stats_call(a, c, a->rest[k], all, &n);
	client_close(c);
	return rc;
}

#define OPT_DOMAIN                                                  \
	{                                                           \
		"domain", OPT_DATA, true, "domain name, id or uuid" \
	}
#define BOOL(n, h)                    \
	{                             \
		n, OPT_BOOL, false, h \
	}

static const struct cli_opt opts_domain[] = {OPT_DOMAIN, {0}};
static const struct cli_opt opts_to_native[] = {
	{"format", OPT_DATA, true, "target config data type format"},
	{"xml", OPT_DATA, false, "xml data file to export from"},
	{"domain", OPT_STRING, false, "domain name, id or uuid"},
	{0}};
static const struct cli_opt opts_domdisplay[] = {
	OPT_DOMAIN,
	{"type", OPT_STRING, false, "select particular graphical display"},
	{0}};

static const struct cli_opt opts_list[] = {
	BOOL("inactive", "list inactive domains"),
	BOOL("all", "list inactive & active domains"),
	BOOL("transient", "list transient domains"),
	BOOL("persistent", "list persistent domains"),
	BOOL("state-running", "list domains in running state"),
	BOOL("state-paused", "list domains in paused state"),
	BOOL("state-shutoff", "list domains in shutoff state"),
	BOOL("state-other", "list domains in other states"),
	BOOL("autostart", "list domains with autostart enabled"),
	BOOL("no-autostart", "list domains with autostart disabled"),
	BOOL("uuid", "list uuid's only"),
	BOOL("name", "list domain names only"),
	BOOL("id", "list domain IDs only"),
	BOOL("table", "list table (default)"),
	BOOL("title", "show domain title"),
	{0},
};

static const struct cli_opt opts_domstate[] = {
	OPT_DOMAIN,
	BOOL("reason", "also print reason for the state"),
	{0},
};

static const struct cli_opt opts_dumpxml[] = {
	OPT_DOMAIN,
	BOOL("inactive", "show inactive defined XML"),
	{0},
};

static const struct cli_opt opts_domblklist[] = {
	OPT_DOMAIN,
	BOOL("details", "additionally display the type and device value"),
	{0},
};

static const struct cli_opt opts_blkdeviotune[] = {
	OPT_DOMAIN,
	{"device", OPT_DATA, true, "block device"},
	{"total-bytes-sec", OPT_STRING, false,
	 "total throughput limit, as scaled integer (default bytes)"},
	{"read-bytes-sec", OPT_STRING, false,
	 "read throughput limit, as scaled integer (default bytes)"},
	{"write-bytes-sec", OPT_STRING, false,
	 "write throughput limit, as scaled integer (default bytes)"},
	{"total-iops-sec", OPT_STRING, false,
	 "total I/O operations limit per second"},
	{"read-iops-sec", OPT_STRING, false,
	 "read I/O operations limit per second"},
	{"write-iops-sec", OPT_STRING, false,
	 "write I/O operations limit per second"},
	BOOL("config", "affect next boot"),
	BOOL("live", "affect running domain"),
	BOOL("current", "affect current domain"),
	{0},
};

static const struct cli_opt opts_domstats[] = {
	BOOL("state", "report domain state"),
	BOOL("cpu-total", "report domain physical cpu usage"),
	BOOL("balloon", "report domain balloon statistics"),
	BOOL("vcpu", "report domain virtual cpu information"),
	BOOL("interface", "report domain network interface information"),
	BOOL("block", "report domain block device statistics"),
	BOOL("list-active", "list only active domains"),
	BOOL("list-inactive", "list only inactive domains"),
	BOOL("list-persistent", "list only persistent domains"),
	BOOL("list-transient", "list only transient domains"),
	BOOL("list-running", "list only running domains"),
	BOOL("list-paused", "list only paused domains"),
	BOOL("list-shutoff", "list only shutoff domains"),
	BOOL("list-other", "list only domains in other states"),
	BOOL("raw", "do not pretty-print the fields"),
	{"domain", OPT_ARGV, false, "list of domains to get stats for"},
	{0},
};

#define M "monitor"

const struct cli_command monitor_commands[] = {
	{"blkdeviotune", NULL,
	 "set or query a block device I/O tuning parameters", cmd_blkdeviotune,
	 opts_blkdeviotune, "domain",
	 "Set or query disk I/O parameters such as block throttling."},
	{"domblklist", NULL, "list all domain blocks", cmd_domblklist,
	 opts_domblklist, M, "Get the summary of block devices for a domain."},
	{"domiflist", NULL, "list all domain virtual interfaces", cmd_domiflist,
	 opts_domain, M, "Get the summary of virtual interfaces for a domain."},
	{"dominfo", NULL, "domain information", cmd_dominfo, opts_domain, M,
	 "Returns basic information about the domain."},
	{"domstate", NULL, "domain state", cmd_domstate, opts_domstate, M,
	 "Returns state about a domain."},
	{"domstats", NULL, "get statistics about one or multiple domains",
	 cmd_domstats, opts_domstats, M,
	 "Gets statistics about one or more (or all) domains"},
	{"dumpxml", NULL, "domain information in XML", cmd_dumpxml,
	 opts_dumpxml, "domain",
	 "Output the domain information as an XML dump "
	 "to stdout."},
	{"list", NULL, "list domains", cmd_list, opts_list, M,
	 "Returns list of domains."},
	{"memtune", NULL, "get memory parameters", cmd_memtune, opts_domain,
	 "domain", "Get the memory limits of a domain (read only)."},
	{"blkiotune", NULL, "get blkio parameters", cmd_blkiotune, opts_domain,
	 "domain",
	 "Get the block I/O weight and device limits of a domain (read "
	 "only)."},
	{"domxml-to-native", NULL, "Convert domain XML to native config",
	 cmd_to_native, opts_to_native, "domain",
	 "Convert domain XML config to a native guest configuration format "
	 "(qemu-argv: the qemu driver's command line)."},
	{"domdisplay", NULL, "domain display connection URI", cmd_domdisplay,
	 opts_domdisplay, "domain",
	 "Output the URI which can be used to connect to the graphical "
	 "display of the domain."},
	{"vncdisplay", NULL, "vnc display", cmd_vncdisplay, opts_domain,
	 "domain",
	 "Output the IP address and port number for the VNC display."},
	{"schedinfo", NULL, "show scheduler parameters", cmd_schedinfo,
	 opts_domain, "domain", "Show the scheduler parameters (read only)."},
	{NULL},
};
