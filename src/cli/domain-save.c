// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's save, restore, managedsave and managedsave-remove (docs/cli.md):
 * a guest's whole state to a file and back, through the daemon.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"
#include "lib/util.h"

/* @path as the daemon must see it: absolute, from this directory. */
static char *absolute(const char *path)
{
	_cleanup_free_ char *cwd = NULL;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	return xasprintf("%s/%s", cwd ? cwd : "", path);
}

void cli_add_state_flags(const struct cli_args *a, struct json_object *p)
{
	if (cli_flag(a, "running"))
		json_object_object_add(p, "running",
				       json_object_new_boolean(true));
	if (cli_flag(a, "paused"))
		json_object_object_add(p, "paused",
				       json_object_new_boolean(true));
}

static int cmd_save(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *file = absolute(cli_str(a, "file"));
	const char *name = cli_str(a, "domain");
	struct json_object *p = client_domain_params(name);

	json_object_object_add(p, "file", json_object_new_string(file));
	cli_add_state_flags(a, p);
	if (client_call1("domain.save", p, NULL, &e) < 0) {
		if (err_kind(e) == ERR_NO_DOMAIN)
			return domain_fail("save", name, e);
		cli_error("Failed to save domain '%s' to %s", name,
			  cli_str(a, "file"));
		cli_error("%s", err_msg(e));
		return 1;
	}
	cli_print_extra("\nDomain '%s' saved to %s\n", name,
			cli_str(a, "file"));
	return 0;
}

static int cmd_restore(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *file = absolute(cli_str(a, "file"));
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "file", json_object_new_string(file));
	cli_add_state_flags(a, p);
	if (client_call1("domain.restore", p, NULL, &e) < 0) {
		cli_error("Failed to restore domain from %s",
			  cli_str(a, "file"));
		cli_error("%s", err_msg(e));
		return 1;
	}
	cli_print_extra("Domain restored from %s\n", cli_str(a, "file"));
	return 0;
}

static int cmd_managedsave(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "domain");
	struct json_object *p = client_domain_params(name);

	cli_add_state_flags(a, p);
	if (client_call1("domain.managedsave", p, NULL, &e) < 0) {
		if (err_kind(e) == ERR_NO_DOMAIN)
			return domain_fail("save", name, e);
		cli_error("Failed to save domain '%s' state", name);
		cli_error("%s", err_msg(e));
		return 1;
	}
	cli_print_extra("\nDomain '%s' state saved by nido\n", name);
	return 0;
}

static int cmd_managedsave_remove(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain");

	if (client_call1("domain.managedsave_remove",
			 client_domain_params(name), &res, &e) < 0) {
		if (err_kind(e) == ERR_NO_DOMAIN)
			return domain_fail("remove managed save of", name, e);
		cli_error("Failed to remove managed save image for domain "
			  "'%s'",
			  name);
		cli_error("%s", err_msg(e));
		return 1;
	}
	if (jbool(res, "removed"))
		cli_print_extra("Removed managedsave image for domain '%s'\n",
				name);
	else
		cli_print_extra("Domain '%s' has no manage save image; "
				"removal skipped\n",
				name);
	return 0;
}

static int cmd_save_image_dumpxml(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_free_ char *file = absolute(cli_str(a, "file"));
	struct json_object *p = json_object_new_object();
	const char *xml;

	json_object_object_add(p, "file", json_object_new_string(file));
	if (client_call1("domain.save_image_xml", p, &res, &e) < 0) {
		cli_error("%s", err_msg(e));
		return 1;
	}
	xml = jstr(res, "xml");
	fputs(xml, stdout);
	if (*xml && xml[strlen(xml) - 1] != '\n')
		putchar('\n');
	return 0;
}

/* virsh's vshPrettyCapacity: @v in the largest unit it reaches. */
static double pretty(uint64_t v, const char **unit)
{
	static const char *const units[] = {"B",   "KiB", "MiB", "GiB",
					    "TiB", "PiB", "EiB"};
	double d = (double)v;
	size_t i = 0;

	while (d >= 1024 && i + 1 < ARRAY_SIZE(units)) {
		d /= 1024;
		i++;
	}
	*unit = units[i];
	return d;
}

/* Three "processed, remaining, total" lines of @what, when any is set. */
static void amounts(struct json_object *r, const char *prefix,
		    const char *label)
{
	static const char *const keys[] = {"processed", "remaining", "total"};
	static const char *const names[] = {
		"processed:", "remaining:", "total:"};
	int64_t v[3];
	bool any = false;

	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *k = xasprintf("%s_%s", prefix, keys[i]);

		v[i] = jint(r, k);
		any |= v[i] > 0;
	}
	for (size_t i = 0; any && i < 3; i++) {
		_cleanup_free_ char *l = xasprintf("%s %s", label, names[i]);
		const char *unit;
		double d = pretty((uint64_t)v[i], &unit);

		printf("%-17s %-.3lf %s\n", l, d, unit);
	}
}

static int cmd_domjobinfo(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain"), *type, *op;
	struct json_object *p = client_domain_params(name);

	if (cli_flag(a, "completed"))
		json_object_object_add(p, "completed",
				       json_object_new_boolean(true));
	if (client_call1("domain.jobinfo", p, &res, &e) < 0)
		return domain_fail("get job information of", name, e);
	type = jstr(res, "type");
	op = jstr(res, "operation");
	printf("%-17s %-12s\n", "Job type:",
	       streq(type, "completed")	  ? "Completed"
	       : streq(type, "unbounded") ? "Unbounded"
					  : "None");
	if (streq(type, "none") || !*type)
		return 0;
	printf("%-17s %-12s\n", "Operation:",
	       streq(op, "save")      ? "Save"
	       : streq(op, "restore") ? "Restore"
				      : "Unknown");
	printf("%-17s %-12" PRId64 " ms\n",
	       "Time elapsed:", jint(res, "time_elapsed_ms"));
	amounts(res, "data", "Data");
	amounts(res, "memory", "Memory");
	return 0;
}

#define OPT_DOM                                                     \
	{                                                           \
		"domain", OPT_DATA, true, "domain name, id or uuid" \
	}
#define OPT_STATE                                                            \
	{"running", OPT_BOOL, false, "set domain to be running on restore"}, \
	{                                                                    \
		"paused", OPT_BOOL, false,                                   \
			"set domain to be paused on restore"                 \
	}

static const struct cli_opt opts_save[] = {
	OPT_DOM,
	{"file", OPT_DATA, true, "where to save the data"},
	OPT_STATE,
	{0},
};

static const struct cli_opt opts_restore[] = {
	{"file", OPT_DATA, true, "the state to restore"},
	OPT_STATE,
	{0},
};

static const struct cli_opt opts_managedsave[] = {
	OPT_DOM,
	OPT_STATE,
	{0},
};

static const struct cli_opt opts_jobinfo[] = {
	OPT_DOM,
	{"completed", OPT_BOOL, false,
	 "return statistics of a recently "
	 "completed job"},
	{0},
};

static const struct cli_opt opts_image[] = {
	{"file", OPT_DATA, true, "saved state file to read"},
	{0},
};

static const struct cli_opt opts_dom[] = {
	OPT_DOM,
	{0},
};

const struct cli_command save_commands[] = {
	{"domjobinfo", NULL, "domain job information", cmd_domjobinfo,
	 opts_jobinfo, "domain",
	 "Returns information about jobs running on a domain."},
	{"managedsave", NULL, "managed save of a domain state", cmd_managedsave,
	 opts_managedsave, "domain",
	 "Save and destroy a running domain, so it can be restarted from the "
	 "same state at a later time. When the domain is next started, it "
	 "resumes from the saved state."},
	{"managedsave-remove", NULL, "Remove managed save of a domain",
	 cmd_managedsave_remove, opts_dom, "domain",
	 "Remove an existing managed save state file from a domain"},
	{"restore", NULL, "restore a domain from a saved state in a file",
	 cmd_restore, opts_restore, "domain", "Restore a domain."},
	{"save", NULL, "save a domain state to a file", cmd_save, opts_save,
	 "domain", "Save the RAM state of a running domain."},
	{"save-image-dumpxml", NULL, "saved state domain information in XML",
	 cmd_save_image_dumpxml, opts_image, "domain",
	 "Dump XML of domain information for a saved state file to stdout."},
	{NULL},
};
