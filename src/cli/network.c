// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido's network verbs, shaped like virsh 9.0's (docs/cli.md): net-define,
 * net-create, net-undefine, net-start, net-destroy, net-autostart,
 * net-list, net-info, net-dumpxml, net-edit, net-uuid, net-name,
 * net-dhcp-leases, net-update. net-event is event.c's.
 */
#include <errno.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "cli/network.h"
#include "cli/table.h"
#include "lib/file.h"
#include "lib/json.h"

#define XML_MAX (1u << 20)

int network_fail(const char *what, const char *name, const struct err *e)
{
	if (err_kind(e) == ERR_NO_CONNECT)
		cli_error("%s", err_msg(e));
	else if (err_kind(e) == ERR_NO_NETWORK)
		cli_error("failed to get network '%s'", name);
	else
		cli_error("failed to %s network '%s': %s", what, name,
			  err_msg(e));
	return 1;
}

/* Calls @method on the network of --network; 0, or 1 (printed). */
static int net_call(const struct cli_args *a, const char *method,
		    const char *what, struct json_object *extra,
		    struct json_object **res)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "network");
	struct json_object *p = extra ? extra : json_object_new_object();

	json_object_object_add(p, "network", json_object_new_string(name));
	if (client_call1(method, p, res, &e) < 0)
		return network_fail(what, name, e);
	return 0;
}

int network_define_xml(const char *xml, bool validate, char **name,
		       struct err **e)
{
	return cli_define_xml("network", xml, validate, name, e);
}

char *network_xml_inactive(const char *name, struct err **e)
{
	return cli_xml_inactive("network", name, e);
}

static int cmd_net_define(const struct cli_args *a)
{
	_cleanup_free_ char *name = NULL;

	return cli_xml_from_file(a, "network", false, NULL, &name);
}

static int cmd_net_create(const struct cli_args *a)
{
	_cleanup_free_ char *name = NULL;

	return cli_xml_from_file(a, "network", true, NULL, &name);
}

/* net-start, net-destroy, net-undefine: a call and virsh's message. */
static int cmd_net_simple(const struct cli_args *a)
{
	static const struct {
		const char *verb, *method, *what, *done;
	} v[] = {
		{"net-start", "network.start", "start", "started"},
		{"net-destroy", "network.destroy", "destroy", "destroyed"},
		{"net-undefine", "network.undefine", "undefine",
		 "has been undefined"},
	};
	_cleanup_json_ struct json_object *res = NULL;
	size_t i = 0;

	while (!streq(v[i].verb, a->cmd->name))
		i++;
	if (net_call(a, v[i].method, v[i].what, NULL, &res))
		return 1;
	cli_print_extra("Network '%s' %s\n", cli_str(a, "network"), v[i].done);
	return 0;
}

static int cmd_net_autostart(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	bool off = cli_flag(a, "disable");
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "enable", json_object_new_boolean(!off));
	if (net_call(a, "network.autostart",
		     off ? "unmark as autostarted" : "mark as autostarted", p,
		     &res))
		return 1;
	cli_print_extra("Network '%s' %s as autostarted\n",
			cli_str(a, "network"), off ? "unmarked" : "marked");
	return 0;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static int cmd_net_info(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;

	if (net_call(a, "network.info", "get", NULL, &res))
		return 1;
	printf("%-15s %s\n", "Name:", jstr(res, "name"));
	printf("%-15s %s\n", "UUID:", jstr(res, "uuid"));
	printf("%-15s %s\n", "Active:", yes_no(jbool(res, "active")));
	printf("%-15s %s\n", "Persistent:", yes_no(jbool(res, "persistent")));
	printf("%-15s %s\n", "Autostart:", yes_no(jbool(res, "autostart")));
	printf("%-15s %s\n", "Bridge:", jstr(res, "bridge"));
	return 0;
}

static int cmd_net_dumpxml(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();

	json_object_object_add(
		p, "inactive",
		json_object_new_boolean(cli_flag(a, "inactive")));
	if (net_call(a, "network.xml", "get", p, &res))
		return 1;
	fputs(jstr(res, "xml"), stdout);
	return 0;
}

/* net-uuid NAME and net-name UUID: both look the network up by either. */
static int cmd_net_key(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	bool uuid = streq(a->cmd->name, "net-uuid");

	if (net_call(a, "network.info", "get", NULL, &res))
		return 1;
	printf("%s\n", jstr(res, uuid ? "uuid" : "name"));
	return 0;
}

/* virsh's filters of net-list: within a pair, either; across, both. */
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
	return true;
}

static int cmd_net_list(const struct cli_args *a)
{
	static const char *const h[] = {"Name", "State", "Autostart",
					"Persistent", NULL};
	static const char *const hu[] = {"UUID", "Name", NULL};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object(), *arr = NULL;
	bool name = cli_flag(a, "name"), uuid = cli_flag(a, "uuid");
	struct table *t;

	json_object_object_add(p, "all", json_object_new_boolean(true));
	if (client_call1("network.list", p, &res, &e) < 0) {
		if (err_kind(e) == ERR_NO_CONNECT)
			cli_error("%s", err_msg(e));
		else
			cli_error("Failed to list networks: %s", err_msg(e));
		return 1;
	}
	json_get_array(res, "networks", &arr, NULL);
	t = table_new(uuid && !name ? hu : h);
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
		table_add(t, (const char *const[]){
				     jstr(n, "name"),
				     jbool(n, "active") ? "active" : "inactive",
				     yes_no(jbool(n, "autostart")),
				     yes_no(jbool(n, "persistent"))});
	}
	if (!name && !uuid)
		table_print(t, !cli_quiet, stdout);
	table_free(t);
	return 0;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static int cmd_net_dhcp_leases(const struct cli_args *a)
{
	static const char *const h[] = {
		"Expiry Time", "MAC address",	    "Protocol", "IP address",
		"Hostname",    "Client ID or DUID", NULL};
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object(), *arr = NULL;
	struct table *t;

	if (cli_str(a, "mac"))
		json_object_object_add(
			p, "mac", json_object_new_string(cli_str(a, "mac")));
	if (net_call(a, "network.dhcp_leases", "get leases of", p, &res))
		return 1;
	json_get_array(res, "leases", &arr, NULL);
	t = table_new(h);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *l = json_object_array_get_idx(arr, i);
		time_t exp = (time_t)jint(l, "expiry");
		char when[32] = "never", ip[64];
		struct tm tm;

		if (exp && localtime_r(&exp, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(ip, sizeof(ip), "%s/%d", jstr(l, "ip"),
			 (int)jint(l, "prefix"));
		table_add(t,
			  (const char *const[]){when, or_dash(jstr(l, "mac")),
						jstr(l, "type"), ip,
						or_dash(jstr(l, "hostname")),
						or_dash(jstr(l, "client_id"))});
	}
	table_print(t, !cli_quiet, stdout);
	table_free(t);
	return 0;
}

/* XML given inline (starts with '<') or as a file name, as virsh. */
static char *update_xml(const char *arg, struct err **e)
{
	char *xml = NULL;
	const char *s = arg;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s == '<')
		return xstrdup(arg);
	if (file_read_all(arg, XML_MAX, &xml, NULL, e) < 0)
		return NULL;
	return xml;
}

static int cmd_net_update(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL, *info = NULL;
	_cleanup_free_ char *xml = update_xml(cli_str(a, "xml"), &e);
	const char *pi = cli_str(a, "parent-index");
	bool live = cli_flag(a, "live"), config = cli_flag(a, "config");
	struct json_object *p;
	char *end;
	long v = -1;

	if (!xml) {
		cli_error("%s", err_msg(e));
		return 1;
	}
	if (cli_flag(a, "current") && (live || config)) {
		cli_error("Options --current and --%s are mutually exclusive",
			  live ? "live" : "config");
		return 1;
	}
	if (pi) {
		errno = 0;
		v = strtol(pi, &end, 10);
		if (errno || *end || end == pi || v < 0 || v > 1000) {
			cli_error("Numeric value '%s' for <parent-index> "
				  "option is malformed or out of range",
				  pi);
			return 1;
		}
	}
	if (!live && !config && net_call(a, "network.info", "get", NULL, &info))
		return 1;
	p = json_object_new_object();
	json_object_object_add(p, "command",
			       json_object_new_string(cli_str(a, "command")));
	json_object_object_add(p, "section",
			       json_object_new_string(cli_str(a, "section")));
	json_object_object_add(p, "xml", json_object_new_string(xml));
	json_object_object_add(p, "parent_index", json_object_new_int64(v));
	json_object_object_add(p, "live", json_object_new_boolean(live));
	json_object_object_add(p, "config", json_object_new_boolean(config));
	if (net_call(a, "network.update", "update", p, &res))
		return 1;
	cli_print_warnings(res);
	if (!live && !config) {
		live = jbool(info, "active");
		config = !live;
	}
	cli_print_extra("Updated network %s %s\n", cli_str(a, "network"),
			config && live ? "persistent config and live state"
			: config       ? "persistent config"
				       : "live state");
	return 0;
}

#define BOOL(n, h)                    \
	{                             \
		n, OPT_BOOL, false, h \
	}

static const struct cli_opt opts_net[] = {
	{"network", OPT_DATA, true, "network name or uuid"},
	{0},
};

static const struct cli_opt opts_file[] = {
	{"file", OPT_DATA, true, "file containing an XML network description"},
	BOOL("validate", "validate the XML against the schema"),
	{0},
};

static const struct cli_opt opts_autostart[] = {
	{"network", OPT_DATA, true, "network name or uuid"},
	BOOL("disable", "disable autostarting"),
	{0},
};

static const struct cli_opt opts_dumpxml[] = {
	{"network", OPT_DATA, true, "network name or uuid"},
	BOOL("inactive", "show inactive defined XML"),
	{0},
};

static const struct cli_opt opts_list[] = {
	BOOL("inactive", "list inactive networks"),
	BOOL("all", "list inactive & active networks"),
	BOOL("persistent", "list persistent networks"),
	BOOL("transient", "list transient networks"),
	BOOL("autostart", "list networks with autostart enabled"),
	BOOL("no-autostart", "list networks with autostart disabled"),
	BOOL("uuid", "list uuid's only"),
	BOOL("name", "list network names only"),
	BOOL("table", "list table (default)"),
	{0},
};

static const struct cli_opt opts_leases[] = {
	{"network", OPT_DATA, true, "network name or uuid"},
	{"mac", OPT_STRING, false, "MAC address"},
	{0},
};

static const struct cli_opt opts_update[] = {
	{"network", OPT_DATA, true, "network name or uuid"},
	{"command", OPT_DATA, true,
	 "type of update (add-first, add-last (add), delete, or modify)"},
	{"section", OPT_DATA, true,
	 "which section of network configuration to update"},
	{"xml", OPT_DATA, true,
	 "name of file containing xml (or, if it starts with '<', the "
	 "complete xml element itself) to add/modify, or to be matched for "
	 "search"},
	{"parent-index", OPT_STRING, false,
	 "which parent object to search through"},
	BOOL("config", "affect next network startup"),
	BOOL("live", "affect running network"),
	BOOL("current", "affect current state of network"),
	{0},
};

#define N "network"

const struct cli_command network_commands[] = {
	{"net-autostart", NULL, "autostart a network", cmd_net_autostart,
	 opts_autostart, N,
	 "Configure a network to be automatically started at boot."},
	{"net-create", NULL, "create a network from an XML file",
	 cmd_net_create, opts_file, N, "Create a network."},
	{"net-define", NULL,
	 "define an inactive persistent virtual network or "
	 "modify an existing persistent one from an XML file",
	 cmd_net_define, opts_file, N,
	 "Define or modify a persistent virtual network."},
	{"net-destroy", NULL, "destroy (stop) a network", cmd_net_simple,
	 opts_net, N, "Forcefully stop a given network."},
	{"net-dhcp-leases", NULL, "print lease info for a given network",
	 cmd_net_dhcp_leases, opts_leases, N,
	 "Print lease info for a given network"},
	{"net-dumpxml", NULL, "network information in XML", cmd_net_dumpxml,
	 opts_dumpxml, N,
	 "Output the network information as an XML dump to stdout."},
	{"net-edit", NULL, "edit XML configuration for a network", cmd_net_edit,
	 opts_net, N, "Edit the XML configuration for a network."},
	{"net-info", NULL, "network information", cmd_net_info, opts_net, N,
	 "Returns basic information about the network"},
	{"net-list", NULL, "list networks", cmd_net_list, opts_list, N,
	 "Returns list of networks."},
	{"net-name", NULL, "convert a network UUID to network name",
	 cmd_net_key, opts_net, N, NULL},
	{"net-start", NULL, "start a (previously defined) inactive network",
	 cmd_net_simple, opts_net, N, "Start a network."},
	{"net-undefine", NULL, "undefine a persistent network", cmd_net_simple,
	 opts_net, N, "Undefine the configuration for a persistent network."},
	{"net-update", NULL,
	 "update parts of an existing network's "
	 "configuration",
	 cmd_net_update, opts_update, N,
	 "Update part of an existing network's configuration."},
	{"net-uuid", NULL, "convert a network name to network UUID",
	 cmd_net_key, opts_net, N, NULL},
	{NULL},
};
