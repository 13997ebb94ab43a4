// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido's verbs about guest interfaces, shaped like virsh 9.0's
 * (docs/cli.md): domifstat, domif-getlink, domif-setlink, domifaddr,
 * attach-interface, detach-interface. domiflist is with the monitoring
 * verbs (domain-monitor.c).
 */
#include <errno.h>
#include <inttypes.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"

/* Calls @method with @p (taken over); prints a failure as virsh does. */
static int call(const char *what, const char *name, const char *method,
		struct json_object *p, struct json_object **res)
{
	_cleanup_err_ struct err *e = NULL;

	if (client_call1(method, p, res, &e) < 0)
		return domain_fail(what, name, e);
	return 0;
}

/* The domain's params with "interface" (and @extra_key: @extra_val). */
static struct json_object *iface_params(const struct cli_args *a)
{
	struct json_object *p = client_domain_params(cli_str(a, "domain"));

	json_object_object_add(p, "interface",
			       json_object_new_string(cli_str(a, "interface")));
	return p;
}

static int cmd_domifstat(const struct cli_args *a)
{
	static const char *const keys[] = {
		"rx_bytes", "rx_packets", "rx_errs", "rx_drop",
		"tx_bytes", "tx_packets", "tx_errs", "tx_drop"};
	_cleanup_json_ struct json_object *res = NULL;

	if (call("get", cli_str(a, "domain"), "domain.ifstat", iface_params(a),
		 &res))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		printf("%s %s %" PRId64 "\n", cli_str(a, "interface"), keys[i],
		       jint(res, keys[i]));
	return 0;
}

static int cmd_domif_getlink(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = iface_params(a);

	json_object_object_add(p, "config",
			       json_object_new_boolean(cli_flag(a, "config")));
	if (call("get", cli_str(a, "domain"), "domain.getlink", p, &res))
		return 1;
	printf("%s %s\n", cli_str(a, "interface"), jstr(res, "state"));
	return 0;
}

static int cmd_domif_setlink(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = iface_params(a);

	json_object_object_add(p, "state",
			       json_object_new_string(cli_str(a, "state")));
	json_object_object_add(p, "config",
			       json_object_new_boolean(cli_flag(a, "config")));
	if (call("set link of", cli_str(a, "domain"), "domain.setlink", p,
		 &res))
		return 1;
	cli_print_extra("Device updated successfully\n");
	return 0;
}

/* virsh's domifaddr table: the name and MAC once per interface. */
static int cmd_domifaddr(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = client_domain_params(cli_str(a, "domain"));
	struct json_object *arr = NULL;
	const char *source = cli_str(a, "source"), *prev = NULL;
	bool full = cli_flag(a, "full");

	if (cli_str(a, "interface"))
		json_object_object_add(
			p, "interface",
			json_object_new_string(cli_str(a, "interface")));
	if (source)
		json_object_object_add(p, "source",
				       json_object_new_string(source));
	if (call("get", cli_str(a, "domain"), "domain.ifaddr", p, &res))
		return 1;
	json_get_array(res, "addresses", &arr, NULL);
	cli_print_extra(" %-10s %-20s %-8s     %s\n%s%s\n", "Name",
			"MAC address", "Protocol", "Address",
			"-------------------------------------------------",
			"------------------------------");
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		const char *name = jstr(o, "name");
		bool again = !full && prev && streq(prev, name);
		_cleanup_free_ char *addr = xasprintf(
			"%s/%" PRId64, jstr(o, "address"), jint(o, "prefix"));

		printf(" %-10s %-17s    %-12s %s\n", again ? "-" : name,
		       again ? "-" : jstr(o, "mac"), jstr(o, "protocol"), addr);
		prev = name;
	}
	return 0;
}

/* An XML attribute value: what must be is escaped. */
static void put_attr(FILE *f, const char *name, const char *v)
{
	fprintf(f, " %s='", name);
	cli_xml_escape(f, v);
	fputc('\'', f);
}

/* --inbound/--outbound "average[,peak[,burst[,floor]]]" (kB/s, kB). */
static int put_rate(FILE *f, const char *tag, const char *spec)
{
	static const char *const names[] = {"average", "peak", "burst",
					    "floor"};
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL, *tok = strtok_r(copy, ",", &save);

	fprintf(f, "<%s", tag);
	for (size_t i = 0; tok; i++, tok = strtok_r(NULL, ",", &save)) {
		if (i == ARRAY_SIZE(names) || !*tok ||
		    strspn(tok, "0123456789") != strlen(tok)) {
			cli_error("inbound or outbound bandwidth format is "
				  "invalid: '%s'",
				  spec);
			return -1;
		}
		put_attr(f, names[i], tok);
	}
	fputs("/>", f);
	return 0;
}

/* The <interface> attach-interface's options describe. */
static char *iface_xml(const struct cli_args *a)
{
	const char *type = cli_str(a, "type"), *v;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int r = 0;

	fputs("<interface", f);
	put_attr(f, "type", type);
	fputs(">", f);
	if ((v = cli_str(a, "mac"))) {
		fputs("<mac", f);
		put_attr(f, "address", v);
		fputs("/>", f);
	}
	if (streq(type, "bridge") || streq(type, "network")) {
		fputs("<source", f);
		put_attr(f, type, cli_str(a, "source"));
		fputs("/>", f);
	}
	if ((v = cli_str(a, "target"))) {
		fputs("<target", f);
		put_attr(f, "dev", v);
		fputs("/>", f);
	}
	if ((v = cli_str(a, "model"))) {
		fputs("<model", f);
		put_attr(f, "type", v);
		fputs("/>", f);
	}
	if (cli_str(a, "inbound") || cli_str(a, "outbound")) {
		fputs("<bandwidth>", f);
		if ((v = cli_str(a, "inbound")))
			r |= put_rate(f, "inbound", v);
		if ((v = cli_str(a, "outbound")))
			r |= put_rate(f, "outbound", v);
		fputs("</bandwidth>", f);
	}
	fputs("</interface>", f);
	fclose(f);
	if (r) {
		free(out);
		return NULL;
	}
	return out;
}

/* --config, --live, --persistent (both) and --current (the default). */
static void add_scope(const struct cli_args *a, struct json_object *p)
{
	bool persistent = cli_flag(a, "persistent");

	json_object_object_add(
		p, "config",
		json_object_new_boolean(cli_flag(a, "config") || persistent));
	json_object_object_add(
		p, "live",
		json_object_new_boolean(cli_flag(a, "live") || persistent));
}

static int cmd_attach_interface(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_free_ char *xml = iface_xml(a);
	struct json_object *p;

	if (!xml)
		return 1;
	p = client_domain_params(cli_str(a, "domain"));
	json_object_object_add(p, "xml", json_object_new_string(xml));
	add_scope(a, p);
	if (call("attach interface to", cli_str(a, "domain"),
		 "domain.attach_interface", p, &res))
		return 1;
	cli_print_extra("Interface attached successfully\n");
	return 0;
}

static int cmd_detach_interface(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = client_domain_params(cli_str(a, "domain"));

	json_object_object_add(p, "type",
			       json_object_new_string(cli_str(a, "type")));
	if (cli_str(a, "mac"))
		json_object_object_add(
			p, "mac", json_object_new_string(cli_str(a, "mac")));
	add_scope(a, p);
	if (call("detach interface from", cli_str(a, "domain"),
		 "domain.detach_interface", p, &res))
		return 1;
	cli_print_extra("Interface detached successfully\n");
	return 0;
}

#define OPT_DOMAIN                                                  \
	{                                                           \
		"domain", OPT_DATA, true, "domain name, id or uuid" \
	}
#define OPT_IFACE                                                             \
	{                                                                     \
		"interface", OPT_DATA, true, "interface device (MAC Address)" \
	}
#define BOOL(n, h)                    \
	{                             \
		n, OPT_BOOL, false, h \
	}
#define SCOPE                                              \
	BOOL("persistent", "make live change persistent"), \
		BOOL("config", "affect next boot"),        \
		BOOL("live", "affect running domain"),     \
		BOOL("current", "affect current domain")

static const struct cli_opt opts_domifstat[] = {OPT_DOMAIN, OPT_IFACE, {0}};

static const struct cli_opt opts_getlink[] = {
	OPT_DOMAIN,
	OPT_IFACE,
	BOOL("config", "Get persistent interface state"),
	{0},
};

static const struct cli_opt opts_setlink[] = {
	OPT_DOMAIN,
	OPT_IFACE,
	{"state", OPT_DATA, true, "new state of the device"},
	BOOL("config", "affect next boot"),
	{0},
};

static const struct cli_opt opts_domifaddr[] = {
	OPT_DOMAIN,
	{"interface", OPT_DATA, false, "network interface name"},
	BOOL("full", "always display names and MACs of interfaces"),
	{"source", OPT_STRING, false,
	 "address source: 'lease', 'arp' or 'agent'"},
	{0},
};

static const struct cli_opt opts_attach[] = {
	OPT_DOMAIN,
	{"type", OPT_DATA, true, "network interface type"},
	{"source", OPT_DATA, true, "source of network interface"},
	{"target", OPT_STRING, false, "target network name"},
	{"mac", OPT_STRING, false, "MAC address"},
	{"model", OPT_STRING, false, "model type"},
	{"inbound", OPT_STRING, false, "control domain's incoming traffics"},
	{"outbound", OPT_STRING, false, "control domain's outgoing traffics"},
	SCOPE,
	{0},
};

static const struct cli_opt opts_detach[] = {
	OPT_DOMAIN,
	{"type", OPT_DATA, true, "network interface type"},
	{"mac", OPT_STRING, false, "MAC address"},
	SCOPE,
	{0},
};

#define M "monitor"

const struct cli_command iface_commands[] = {
	{"attach-interface", NULL, "attach network interface",
	 cmd_attach_interface, opts_attach, "domain",
	 "Attach new network interface (to the persistent definition: live "
	 "hot-plug is not supported yet)."},
	{"detach-interface", NULL, "detach network interface",
	 cmd_detach_interface, opts_detach, "domain",
	 "Detach network interface (from the persistent definition)."},
	{"domif-getlink", NULL, "get link state of a virtual interface",
	 cmd_domif_getlink, opts_getlink, M,
	 "Get link state of a domain's virtual interface."},
	{"domif-setlink", NULL, "set link state of a virtual interface",
	 cmd_domif_setlink, opts_setlink, "domain",
	 "Set link state of a domain's virtual interface. This command "
	 "wraps usage of update-device command."},
	{"domifaddr", NULL,
	 "Get network interfaces' addresses for a running "
	 "domain",
	 cmd_domifaddr, opts_domifaddr, M,
	 "Get network interfaces' addresses for a running domain"},
	{"domifstat", NULL, "get network interface stats for a domain",
	 cmd_domifstat, opts_domifstat, M,
	 "Get network interface stats for a running domain."},
	{NULL},
};
