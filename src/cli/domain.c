// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido's domain life-cycle verbs, shaped like virsh's (docs/cli.md):
 * define, undefine, create, start, shutdown, destroy, reboot, suspend,
 * resume, autostart, domid, domname, domuuid, console; and the helpers
 * every verb file shares (domain.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "lib/file.h"
#include "lib/json.h"

/* Largest XML file read for define and create. */
#define XML_MAX (1u << 20)

int domain_fail(const char *what, const char *name, const struct err *e)
{
	const char *msg = err_msg(e);

	if (err_kind(e) == ERR_NO_CONNECT)
		cli_error("%s", msg);
	else if (err_kind(e) == ERR_NO_DOMAIN)
		cli_error("failed to get domain '%s'", name);
	else
		cli_error("failed to %s domain '%s': %s", what, name, msg);
	return 1;
}

const char *jstr(struct json_object *o, const char *key)
{
	const char *s = "";

	json_get_string_opt(o, key, &s, NULL);
	return s;
}

int64_t jint(struct json_object *o, const char *key)
{
	int64_t v = 0;

	json_get_int64_opt(o, key, &v, NULL);
	return v;
}

bool jbool(struct json_object *o, const char *key)
{
	bool v = false;

	json_get_bool_opt(o, key, &v, NULL);
	return v;
}

void domain_id_text(struct json_object *d, char buf[24])
{
	int64_t id = jint(d, "id");

	if (id > 0)
		snprintf(buf, 24, "%" PRId64, id);
	else
		strcpy(buf, "-");
}

void cli_print_warnings(struct json_object *res)
{
	struct json_object *w = NULL;

	json_get_array_opt(res, "warnings", &w, NULL);
	for (size_t i = 0; w && i < json_object_array_length(w); i++)
		fprintf(stderr, "warning: %s\n",
			json_object_get_string(
				json_object_array_get_idx(w, i)));
}

int cli_define_xml(const char *kind, const char *xml, bool validate,
		   char **name, struct err **e)
{
	_cleanup_free_ char *method = xasprintf("%s.define", kind);
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "xml", json_object_new_string(xml));
	if (validate)
		json_object_object_add(p, "validate",
				       json_object_new_boolean(true));
	if (client_call1(method, p, &res, e) < 0)
		return err_code(*e);
	cli_print_warnings(res);
	*name = xstrdup(jstr(res, "name"));
	return 0;
}

char *cli_xml_inactive(const char *kind, const char *name, struct err **e)
{
	_cleanup_free_ char *method = xasprintf("%s.xml", kind);
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, kind, json_object_new_string(name));
	json_object_object_add(p, "inactive", json_object_new_boolean(true));
	if (client_call1(method, p, &res, e) < 0)
		return NULL;
	return xstrdup(jstr(res, "xml"));
}

/* @kind.create of @xml with @params (taken over; NULL: none). */
static int create_xml(const char *kind, const char *xml,
		      struct json_object *params, char **name, struct err **e)
{
	_cleanup_free_ char *method = xasprintf("%s.create", kind);
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = params ? params : json_object_new_object();

	json_object_object_add(p, "xml", json_object_new_string(xml));
	if (client_call1(method, p, &res, e) < 0)
		return err_code(*e);
	cli_print_warnings(res);
	*name = xstrdup(jstr(res, "name"));
	return 0;
}

int cli_xml_from_file(const struct cli_args *a, const char *kind, bool create,
		      struct json_object *params, char **name)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *xml = NULL;
	const char *file = cli_str(a, "file");
	const char *verb = create ? "create" : "define";
	int r = file_read_all(file, XML_MAX, &xml, NULL, &e);

	*name = NULL;
	if (r == 0 && create)
		r = create_xml(kind, xml, steal_ptr(params), name, &e);
	else if (r == 0)
		r = cli_define_xml(kind, xml, cli_flag(a, "validate"), name,
				   &e);
	json_object_put(params);
	if (r < 0) {
		if (err_kind(e) == ERR_NO_CONNECT)
			cli_error("%s", err_msg(e));
		else
			cli_error("failed to %s %s from '%s': %s", verb, kind,
				  file, err_msg(e));
		return 1;
	}
	/* virsh's "Domain 'x' defined from FILE" */
	cli_print_extra("%c%s '%s' %sd from %s\n", toupper(kind[0]), kind + 1,
			*name, verb, file);
	return 0;
}

int domain_define_xml(const char *xml, bool validate, char **name,
		      struct err **e)
{
	return cli_define_xml("domain", xml, validate, name, e);
}

char *domain_xml_inactive(const char *name, struct err **e)
{
	return cli_xml_inactive("domain", name, e);
}

static int cmd_define(const struct cli_args *a)
{
	_cleanup_free_ char *name = NULL;

	return cli_xml_from_file(a, "domain", false, NULL, &name);
}

static int cmd_create(const struct cli_args *a)
{
	_cleanup_free_ char *name = NULL;
	struct json_object *p = json_object_new_object();

	if (cli_flag(a, "paused"))
		json_object_object_add(p, "paused",
				       json_object_new_boolean(true));
	if (cli_xml_from_file(a, "domain", true, p, &name))
		return 1;
	if (cli_flag(a, "console"))
		return console_run(name, false);
	return 0;
}

/* Calls @method on the domain; @flag, when given, is sent as true. */
static int call_flagged(const struct cli_args *a, const char *method,
			const char *flag, const char *param,
			struct json_object **res, struct err **e)
{
	struct json_object *p = client_domain_params(cli_str(a, "domain"));

	if (flag && cli_flag(a, flag))
		json_object_object_add(p, param, json_object_new_boolean(true));
	return client_call1(method, p, res, e);
}

static int cmd_start(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "domain");
	struct json_object *p = client_domain_params(name);

	if (cli_flag(a, "paused"))
		json_object_object_add(p, "paused",
				       json_object_new_boolean(true));
	if (cli_flag(a, "force-boot"))
		json_object_object_add(p, "force_boot",
				       json_object_new_boolean(true));
	if (client_call1("domain.start", p, NULL, &e) < 0)
		return domain_fail("start", name, e);
	cli_print_extra("Domain '%s' started\n", name);
	if (cli_flag(a, "console"))
		return console_run(name, false);
	return 0;
}

static int cmd_destroy(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "domain");

	if (call_flagged(a, "domain.destroy", "graceful", "graceful", NULL,
			 &e) < 0)
		return domain_fail("destroy", name, e);
	cli_print_extra("Domain '%s' destroyed\n", name);
	return 0;
}

/* One disk of undefine --remove-all-storage: removed, kept or failed. */
static int print_volume(struct json_object *v)
{
	const char *t = jstr(v, "target"), *s = jstr(v, "source");

	if (jbool(v, "removed")) {
		cli_print_extra("Volume '%s'(%s) removed.\n", t, s);
		return 0;
	}
	if (*jstr(v, "kept")) {
		cli_print_extra("Volume '%s'(%s) not removed: %s.\n", t, s,
				jstr(v, "kept"));
		return 0;
	}
	cli_error("Failed to remove storage volume '%s'(%s): %s", t, s,
		  jstr(v, "error"));
	return 1;
}

static int cmd_undefine(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *vols = NULL;
	const char *name = cli_str(a, "domain");
	struct json_object *p = client_domain_params(name);
	int rc = 0;

	if (cli_flag(a, "remove-all-storage"))
		json_object_object_add(p, "remove_all_storage",
				       json_object_new_boolean(true));
	if (cli_flag(a, "managed-save"))
		json_object_object_add(p, "managed_save",
				       json_object_new_boolean(true));
	if (cli_flag(a, "snapshots-metadata"))
		json_object_object_add(p, "snapshots_metadata",
				       json_object_new_boolean(true));
	if (client_call1("domain.undefine", p, &res, &e) < 0) {
		if (err_kind(e) == ERR_OPERATION_INVALID &&
		    err_code(e) == -EBUSY && cli_flag(a, "remove-all-storage"))
			return cli_error("%s", err_msg(e)), 1;
		return domain_fail("undefine", name, e);
	}
	cli_print_extra("Domain '%s' has been undefined\n", name);
	json_get_array_opt(res, "volumes", &vols, NULL);
	for (size_t i = 0; vols && i < json_object_array_length(vols); i++)
		rc |= print_volume(json_object_array_get_idx(vols, i));
	return rc;
}

/* Verbs that take one domain and print one line on success. */
static const struct simple_verb {
	const char *verb, *method, *done;
} simple_verbs[] = {
	{"suspend", "domain.suspend", "suspended"},
	{"resume", "domain.resume", "resumed"},
};

static int cmd_simple(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "domain");
	const struct simple_verb *v = &simple_verbs[0];

	if (streq(a->cmd->name, "resume"))
		v = &simple_verbs[1];
	if (client_call1(v->method, client_domain_params(name), NULL, &e) < 0)
		return domain_fail(v->verb, name, e);
	cli_print_extra("Domain '%s' %s\n", name, v->done);
	return 0;
}

/* shutdown and reboot: --mode acpi|ctrl-alt-del|agent (acpi by default). */
static int cmd_power(const struct cli_args *a)
{
	bool reboot = streq(a->cmd->name, "reboot");
	const char *name = cli_str(a, "domain"), *mode = cli_str(a, "mode");
	_cleanup_err_ struct err *e = NULL;
	struct json_object *p = client_domain_params(name);

	if (mode)
		json_object_object_add(p, "mode", json_object_new_string(mode));
	if (client_call1(reboot ? "domain.reboot" : "domain.shutdown", p, NULL,
			 &e) < 0)
		return domain_fail(a->cmd->name, name, e);
	cli_print_extra("Domain '%s' %s\n", name,
			reboot ? "is being rebooted" : "is being shutdown");
	return 0;
}

static int cmd_autostart(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "domain");
	bool disable = cli_flag(a, "disable");
	struct json_object *p = client_domain_params(name);

	json_object_object_add(p, "enable", json_object_new_boolean(!disable));
	if (client_call1("domain.autostart", p, NULL, &e) < 0)
		return domain_fail(disable ? "unmark as autostarted"
					   : "mark as autostarted",
				   name, e);
	cli_print_extra("Domain '%s' %s as autostarted\n", name,
			disable ? "unmarked" : "marked");
	return 0;
}

/* domid, domname, domuuid: one field of the domain's summary. */
static int cmd_domkey(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *d = NULL;
	const char *name = cli_str(a, "domain");
	char id[24];

	if (client_call1("domain.info", client_domain_params(name), &d, &e) < 0)
		return domain_fail("get", name, e);
	if (streq(a->cmd->name, "domid")) {
		domain_id_text(d, id);
		printf("%s\n", id);
	} else {
		printf("%s\n",
		       jstr(d,
			    streq(a->cmd->name, "domname") ? "name" : "uuid"));
	}
	return 0;
}

static int cmd_console_verb(const struct cli_args *a)
{
	return console_run(cli_str(a, "domain"), cli_flag(a, "force"));
}

#define OPT_DOMAIN(help)                       \
	{                                      \
		"domain", OPT_DATA, true, help \
	}

static const struct cli_opt opts_domain[] = {
	OPT_DOMAIN("domain name, id or uuid"),
	{0},
};

static const struct cli_opt opts_console[] = {
	OPT_DOMAIN("domain name, id or uuid"),
	{"force", OPT_BOOL, false,
	 "force console connection (disconnect already connected sessions)"},
	{0},
};

static const struct cli_opt opts_define[] = {
	{"file", OPT_DATA, true, "file containing an XML domain description"},
	{"validate", OPT_BOOL, false,
	 "validate the XML against nido's schema: unknown elements and "
	 "attributes are errors"},
	{0},
};

static const struct cli_opt opts_create[] = {
	{"file", OPT_DATA, true, "file containing an XML domain description"},
	{"console", OPT_BOOL, false, "attach to console after creation"},
	{"paused", OPT_BOOL, false, "leave the guest paused after creation"},
	{0},
};

static const struct cli_opt opts_start[] = {
	OPT_DOMAIN("name of the inactive domain"),
	{"console", OPT_BOOL, false, "attach to console after creation"},
	{"paused", OPT_BOOL, false, "leave the guest paused after creation"},
	{"force-boot", OPT_BOOL, false,
	 "force fresh boot by discarding any managed save"},
	{0},
};

static const struct cli_opt opts_destroy[] = {
	OPT_DOMAIN("domain name, id or uuid"),
	{"graceful", OPT_BOOL, false, "terminate gracefully"},
	{0},
};

static const struct cli_opt opts_undefine[] = {
	OPT_DOMAIN("domain name, id or uuid"),
	{"remove-all-storage", OPT_BOOL, false,
	 "remove the image files of the domain's disks (use with caution)"},
	{"managed-save", OPT_BOOL, false, "remove domain managed state file"},
	{"snapshots-metadata", OPT_BOOL, false,
	 "remove all domain snapshot metadata (vm must be inactive)"},
	{0},
};

static const struct cli_opt opts_power[] = {
	OPT_DOMAIN("domain name, id or uuid"),
	{"mode", OPT_STRING, false,
	 "how to ask the guest: acpi (the default), ctrl-alt-del or agent"},
	{0},
};

static const struct cli_opt opts_autostart[] = {
	OPT_DOMAIN("domain name, id or uuid"),
	{"disable", OPT_BOOL, false, "disable autostarting"},
	{0},
};

static const struct cli_opt opts_edit[] = {
	OPT_DOMAIN("domain name, id or uuid"),
	{"skip-validate", OPT_BOOL, false,
	 "skip validation of the XML against nido's schema"},
	{0},
};

#define D "domain"

const struct cli_command domain_commands[] = {
	{"autostart", NULL, "autostart a domain", cmd_autostart, opts_autostart,
	 D,
	 "Configure a domain to be automatically started "
	 "at boot."},
	{"console", NULL, "connect to the guest console", cmd_console_verb,
	 opts_console, D, "Connect the virtual serial console for the guest"},
	{"create", NULL, "create a domain from an XML file", cmd_create,
	 opts_create, D, "Create a domain (transient: gone when it stops)."},
	{"define", NULL, "define (but don't start) a domain from an XML file",
	 cmd_define, opts_define, D, "Define a domain."},
	{"destroy", NULL, "destroy (stop) a domain", cmd_destroy, opts_destroy,
	 D, "Forcefully stop a given domain, but leave its resources intact."},
	{"domid", NULL, "convert a domain name or UUID to domain id",
	 cmd_domkey, opts_domain, D, NULL},
	{"domname", NULL, "convert a domain id or UUID to domain name",
	 cmd_domkey, opts_domain, D, NULL},
	{"domuuid", NULL, "convert a domain name or id to domain UUID",
	 cmd_domkey, opts_domain, D, NULL},
	{"edit", NULL, "edit XML configuration for a domain", cmd_edit,
	 opts_edit, D, "Edit the XML configuration for a domain."},
	{"reboot", NULL, "reboot a domain", cmd_power, opts_power, D,
	 "Run a reboot command in the target domain."},
	{"resume", NULL, "resume a domain", cmd_simple, opts_domain, D,
	 "Resume a previously suspended domain."},
	{"shutdown", NULL, "gracefully shutdown a domain", cmd_power,
	 opts_power, D, "Run shutdown in the target domain."},
	{"start", NULL, "start a (previously defined) inactive domain",
	 cmd_start, opts_start, D, "Start a domain."},
	{"suspend", NULL, "suspend a domain", cmd_simple, opts_domain, D,
	 "Suspend a running domain."},
	{"undefine", NULL, "undefine a domain", cmd_undefine, opts_undefine, D,
	 "Undefine an inactive domain, or convert persistent to transient."},
	{NULL},
};
