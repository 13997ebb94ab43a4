// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido's verbs through the guest agent, shaped like virsh's:
 * qemu-agent-command, guestinfo, domfsfreeze, domfsthaw,
 * set-user-password. domifaddr --source agent and shutdown --mode agent
 * are with their verbs.
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

/* The words of an OPT_ARGV option joined by spaces, as virsh joins
 * qemu-agent-command's. */
static char *joined(const struct cli_args *a)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < a->n_rest; i++)
		len += strlen(a->rest[i]) + 1;
	s = xcalloc(1, len);
	for (int i = 0; i < a->n_rest; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, a->rest[i]);
	}
	return s;
}

static int cmd_agent_command(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL, *reply = NULL;
	_cleanup_free_ char *cmd = joined(a);
	const char *name = cli_str(a, "domain"), *t = cli_str(a, "timeout");
	struct json_object *p = client_domain_params(name);
	const char *text;
	char *end;
	long secs;

	if (t) {
		secs = strtol(t, &end, 10);
		if (!*t || *end || secs < 1 || secs > 600) {
			json_object_put(p);
			cli_error("invalid timeout '%s' (1 to 600 seconds)", t);
			return 1;
		}
		json_object_object_add(p, "timeout",
				       json_object_new_int64(secs));
	}
	json_object_object_add(p, "command", json_object_new_string(cmd));
	if (call("execute agent command on", name, "domain.agent_command", p,
		 &res))
		return 1;
	text = jstr(res, "reply");
	if (cli_flag(a, "pretty") &&
	    json_decode(text, strlen(text), &reply, NULL) == 0) {
		printf("%s\n",
		       json_object_to_json_string_ext(
			       reply, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}
	printf("%s\n", text);
	return 0;
}

/* A value of guestinfo's: a string or a number. */
static void print_value(const char *key, struct json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		printf("%-20s: %s\n", key, json_object_get_string(v));
	else
		printf("%-20s: %" PRId64 "\n", key, json_object_get_int64(v));
}

static int cmd_guestinfo(const struct cli_args *a)
{
	/* virsh's flags, and the daemon's type each asks */
	static const char *const map[][2] = {
		{"user", "users"},
		{"os", "os"},
		{"timezone", "timezone"},
		{"hostname", "hostname"},
		{"filesystem", "filesystem"},
		{"disk", "disk"},
		{"interface", "interfaces"},
	};
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain");
	struct json_object *p = client_domain_params(name);
	struct json_object *types = json_object_new_array(), *params = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (cli_flag(a, map[i][0]))
			json_object_array_add(
				types, json_object_new_string(map[i][1]));
	json_object_object_add(p, "types", types);
	if (call("get guest info of", name, "domain.guestinfo", p, &res))
		return 1;
	json_get_object(res, "params", &params, NULL);
	if (params) {
		json_object_object_foreach (params, key, v)
			print_value(key, v);
	}
	return 0;
}

static int freeze_thaw(const struct cli_args *a, bool freeze)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain");
	struct json_object *p = client_domain_params(name);
	struct json_object *m = json_object_new_array();

	for (int i = 0; i < a->n_rest; i++)
		json_object_array_add(m, json_object_new_string(a->rest[i]));
	json_object_object_add(p, "mountpoints", m);
	if (call(freeze ? "freeze file systems of" : "thaw file systems of",
		 name, freeze ? "domain.fsfreeze" : "domain.fsthaw", p, &res))
		return 1;
	printf("%s %" PRId64 " filesystem(s)\n", freeze ? "Froze" : "Thawed",
	       jint(res, "count"));
	return 0;
}

static int cmd_domfsfreeze(const struct cli_args *a)
{
	return freeze_thaw(a, true);
}

static int cmd_domfsthaw(const struct cli_args *a)
{
	return freeze_thaw(a, false);
}

static int cmd_set_user_password(const struct cli_args *a)
{
	const char *name = cli_str(a, "domain"), *user = cli_str(a, "user");
	struct json_object *p = client_domain_params(name);

	json_object_object_add(p, "user", json_object_new_string(user));
	json_object_object_add(p, "password",
			       json_object_new_string(cli_str(a, "password")));
	json_object_object_add(
		p, "encrypted",
		json_object_new_boolean(cli_flag(a, "encrypted")));
	if (call("set password of", name, "domain.set_user_password", p, NULL))
		return 1;
	cli_print_extra("Password set successfully for %s in %s\n", user, name);
	return 0;
}

#define OPT_DOM                                                     \
	{                                                           \
		"domain", OPT_DATA, true, "domain name, id or uuid" \
	}

static const struct cli_opt opts_agent_command[] = {
	OPT_DOM,
	{"timeout", OPT_STRING, false,
	 "timeout seconds (1 to 600; 5 by default)"},
	{"pretty", OPT_BOOL, false, "pretty-print the output"},
	{"cmd", OPT_ARGV, true, "command"},
	{0},
};

static const struct cli_opt opts_guestinfo[] = {
	OPT_DOM,
	{"user", OPT_BOOL, false, "report active users"},
	{"os", OPT_BOOL, false, "report operating system information"},
	{"timezone", OPT_BOOL, false, "report timezone information"},
	{"hostname", OPT_BOOL, false, "report hostname"},
	{"filesystem", OPT_BOOL, false, "report filesystem information"},
	{"disk", OPT_BOOL, false, "report disk information"},
	{"interface", OPT_BOOL, false, "report network interface information"},
	{0},
};

static const struct cli_opt opts_fs[] = {
	OPT_DOM,
	{"mountpoint", OPT_ARGV, false, "mountpoint path to be frozen"},
	{0},
};

static const struct cli_opt opts_thaw[] = {
	OPT_DOM,
	{"mountpoint", OPT_ARGV, false, "mountpoint path to be thawed"},
	{0},
};

static const struct cli_opt opts_password[] = {
	OPT_DOM,
	{"user", OPT_DATA, true, "the username"},
	{"password", OPT_DATA, true, "the new password"},
	{"encrypted", OPT_BOOL, false,
	 "the password is already encrypted (a crypt(3) hash)"},
	{0},
};

const struct cli_command agent_commands[] = {
	{"qemu-agent-command", NULL, "QEMU Guest Agent Command",
	 cmd_agent_command, opts_agent_command, "domain",
	 "Run an arbitrary qemu guest agent command; the agent's reply is "
	 "printed as JSON."},
	{"guestinfo", NULL, "query information about the guest (via agent)",
	 cmd_guestinfo, opts_guestinfo, "domain",
	 "Query information about the guest (via agent): users, os, "
	 "timezone, hostname, filesystem, interface; all it has by "
	 "default."},
	{"domfsfreeze", NULL, "Freeze domain's mounted filesystems.",
	 cmd_domfsfreeze, opts_fs, "domain",
	 "Freeze domain's mounted filesystems (all, or those named)."},
	{"domfsthaw", NULL, "Thaw domain's mounted filesystems.", cmd_domfsthaw,
	 opts_thaw, "domain", "Thaw domain's mounted filesystems."},
	{"set-user-password", NULL, "set the user password inside the domain",
	 cmd_set_user_password, opts_password, "domain",
	 "changes the password of the specified user inside the domain"},
	{NULL},
};
