// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's setvcpus, vcpucount, vcpuinfo, vcpupin and emulatorpin
 * (docs/cli.md): a domain's vCPU
 * counts, its maximum and how many run, in its configuration and its running
 * guest (where vCPUs are added live, never removed).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "cli/table.h"
#include "lib/json.h"
#include "lib/util.h"

static int cmd_setvcpus(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "domain"), *s = cli_str(a, "count");
	static const char *const flags[] = {"live", "config", "current",
					    "maximum"};
	struct json_object *p;
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > 255) {
		cli_error("Invalid number of virtual CPUs '%s'", s);
		return 1;
	}
	if (cli_flag(a, "guest")) {
		cli_error("--guest is not supported: vCPUs are not brought "
			  "online or offline through the guest agent");
		return 1;
	}
	/* --hotpluggable: every vCPU a nido driver adds is hot-pluggable */
	p = client_domain_params(name);
	json_object_object_add(p, "count", json_object_new_int64(n));
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (cli_flag(a, flags[i]))
			json_object_object_add(p, flags[i],
					       json_object_new_boolean(true));
	if (client_call1("domain.setvcpus", p, NULL, &e) < 0)
		return domain_fail("set vCPUs of", name, e);
	return 0;
}

/* The count of @kind ("maximum", "current") in @scope of @res, or -1. */
static int64_t count_of(struct json_object *res, const char *scope,
			const char *kind)
{
	struct json_object *o;
	int64_t v;

	if (json_get_object(res, scope, &o, NULL) < 0 ||
	    json_get_int64(o, kind, &v, NULL) < 0)
		return -1;
	return v;
}

static int cmd_vcpucount(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain");
	bool max = cli_flag(a, "maximum"), active = cli_flag(a, "active");
	bool live = cli_flag(a, "live"), config = cli_flag(a, "config");
	const char *scope, *kind;
	int64_t v;

	if (cli_flag(a, "guest")) {
		cli_error("--guest is not supported: the guest agent is not "
			  "asked for its online vCPUs");
		return 1;
	}
	if ((max && active) || (live && config) ||
	    (cli_flag(a, "current") && (live || config))) {
		cli_error("Options --%s are mutually exclusive",
			  max && active	   ? "maximum and --active"
			  : live && config ? "live and --config"
					   : "current and --live or --config");
		return 1;
	}
	if (client_call1("domain.vcpucount", client_domain_params(name), &res,
			 &e) < 0)
		return domain_fail("get vCPU count of", name, e);
	if (!max && !active && !live && !config && !cli_flag(a, "current")) {
		static const char *const rows[][2] = {{"maximum", "config"},
						      {"maximum", "live"},
						      {"current", "config"},
						      {"current", "live"}};

		for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
			if ((v = count_of(res, rows[i][1], rows[i][0])) > 0)
				printf("%-12s %-12s %3" PRId64 "\n", rows[i][0],
				       rows[i][1], v);
		return 0;
	}
	kind = max ? "maximum" : "current";
	scope = config ? "config" : live ? "live" : NULL;
	if (!scope) /* --current, or only --maximum/--active */
		scope = json_object_object_get_ex(res, "live", NULL) ? "live"
								     : "config";
	v = count_of(res, scope, kind);
	if (v < 0) {
		cli_error("Requested operation is not valid: domain is not "
			  "running");
		return 1;
	}
	printf("%" PRId64 "\n", v);
	return 0;
}

/* Whether host CPU @cpu is in @list ("0-3,6"). */
static bool list_has(const char *list, long cpu)
{
	while (*list) {
		char *end;
		long a = strtol(list, &end, 10), b = a;

		if (end == list)
			return false;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (cpu >= a && cpu <= b)
			return true;
		list = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return false;
	}
	return false;
}

static int cmd_vcpuinfo(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain");
	struct json_object *list;
	int64_t host = 0;

	if (client_call1("domain.vcpuinfo", client_domain_params(name), &res,
			 &e) < 0)
		return domain_fail("get vCPU information of", name, e);
	if (json_get_array(res, "vcpus", &list, NULL) < 0 ||
	    json_object_array_length(list) == 0) {
		cli_error("domain '%s' has no vCPU threads to show", name);
		return 1;
	}
	json_get_int64(res, "host_cpus", &host, NULL);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *v = json_object_array_get_idx(list, i);
		const char *aff = jstr(v, "affinity");

		printf("%-15s %" PRId64 "\n", "VCPU:", jint(v, "vcpu"));
		printf("%-15s %" PRId64 "\n", "CPU:", jint(v, "cpu"));
		printf("%-15s %s\n", "State:", jstr(v, "state"));
		printf("%-15s %.1fs\n",
		       "CPU time:", (double)jint(v, "cpu_time_ns") / 1e9);
		printf("%-15s ", "CPU Affinity:");
		if (cli_flag(a, "pretty")) {
			printf("%s (out of %" PRId64 ")", aff, host);
		} else {
			for (long c = 0; c < host; c++)
				putchar(list_has(aff, c) ? 'y' : '-');
		}
		printf("\n\n");
	}
	return 0;
}

/* --live, --config, --current as given, into @p. */
static void add_scope(const struct cli_args *a, struct json_object *p)
{
	static const char *const flags[] = {"live", "config", "current"};

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (cli_flag(a, flags[i]))
			json_object_object_add(p, flags[i],
					       json_object_new_boolean(true));
}

/* vcpupin and emulatorpin: a query prints virsh's table, a set nothing. */
static int pin_cmd(const struct cli_args *a, bool emulator)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain"), *list = cli_str(a, "cpulist");
	const char *vcpu = emulator ? NULL : cli_str(a, "vcpu");
	struct json_object *p = client_domain_params(name), *rows = NULL;
	struct table *t;
	char *end;

	if (vcpu) {
		long v = strtol(vcpu, &end, 10);

		if (!*vcpu || *end || v < 0 || v > 4095) {
			cli_error("vcpupin: Invalid vCPU number '%s'", vcpu);
			json_object_put(p);
			return 1;
		}
		json_object_object_add(p, "vcpu", json_object_new_int64(v));
	}
	if (list)
		json_object_object_add(p, "cpulist",
				       json_object_new_string(list));
	add_scope(a, p);
	if (client_call1(emulator ? "domain.emulatorpin" : "domain.vcpupin", p,
			 &res, &e) < 0)
		return domain_fail(emulator ? "pin the emulator of"
					    : "pin vCPUs of",
				   name, e);
	if (list)
		return 0;
	if (emulator) {
		static const char *const head[] = {"emulator: CPU Affinity",
						   NULL};
		_cleanup_free_ char *cell =
			xasprintf("       *: %s", jstr(res, "affinity"));
		const char *cells[] = {cell, NULL};

		t = table_new(head);
		table_add(t, cells);
	} else {
		static const char *const head[] = {"VCPU", "CPU Affinity",
						   NULL};

		t = table_new(head);
		json_get_array(res, "vcpus", &rows, NULL);
		for (size_t i = 0; rows && i < json_object_array_length(rows);
		     i++) {
			struct json_object *r =
				json_object_array_get_idx(rows, i);
			_cleanup_free_ char *n =
				xasprintf("%" PRId64, jint(r, "vcpu"));
			const char *cells[] = {n, jstr(r, "affinity"), NULL};

			table_add(t, cells);
		}
	}
	table_print(t, true, stdout);
	table_free(t);
	printf("\n");
	return 0;
}

static int cmd_vcpupin(const struct cli_args *a)
{
	return pin_cmd(a, false);
}

static int cmd_emulatorpin(const struct cli_args *a)
{
	return pin_cmd(a, true);
}

#define OPT_DOM                                                     \
	{                                                           \
		"domain", OPT_DATA, true, "domain name, id or uuid" \
	}

/* virsh's --config, --live, --current */
#define OPT_SCOPE                                                   \
	{"config", OPT_BOOL, false, "affect next boot"},            \
		{"live", OPT_BOOL, false, "affect running domain"}, \
	{                                                           \
		"current", OPT_BOOL, false, "affect current domain" \
	}

#define OPT_CPULIST                                                     \
	{                                                               \
		"cpulist", OPT_DATA, false,                             \
			"host cpu number(s) to set, or omit option to " \
			"query"                                         \
	}

static const struct cli_opt opts_setvcpus[] = {
	OPT_DOM,
	{"count", OPT_DATA, true, "number of virtual CPUs"},
	{"maximum", OPT_BOOL, false, "set maximum limit on next boot"},
	OPT_SCOPE,
	{"guest", OPT_BOOL, false, "modify cpu state in the guest"},
	{"hotpluggable", OPT_BOOL, false, "make added vcpus hot(un)pluggable"},
	{0},
};

static const struct cli_opt opts_vcpucount[] = {
	OPT_DOM,
	{"maximum", OPT_BOOL, false, "get maximum count of vcpus"},
	{"active", OPT_BOOL, false, "get number of currently active vcpus"},
	{"live", OPT_BOOL, false, "get value from running domain"},
	{"config", OPT_BOOL, false, "get value to be used on next boot"},
	{"current", OPT_BOOL, false,
	 "get value according to current domain state"},
	{"guest", OPT_BOOL, false,
	 "retrieve vcpu count from the guest instead of the hypervisor"},
	{0},
};

static const struct cli_opt opts_vcpuinfo[] = {
	OPT_DOM,
	{"pretty", OPT_BOOL, false, "return human readable output"},
	{0},
};

static const struct cli_opt opts_vcpupin[] = {
	OPT_DOM,     {"vcpu", OPT_DATA, false, "vcpu number"},
	OPT_CPULIST, OPT_SCOPE,
	{0},
};

static const struct cli_opt opts_emulatorpin[] = {
	OPT_DOM,
	OPT_CPULIST,
	OPT_SCOPE,
	{0},
};

const struct cli_command vcpu_commands[] = {
	{"setvcpus", NULL, "change number of virtual CPUs", cmd_setvcpus,
	 opts_setvcpus, "domain",
	 "Change the number of virtual CPUs in the guest domain: --live "
	 "adds vCPUs to the running guest (up to its maximum; none are "
	 "removed), --config changes the next start's count, --maximum "
	 "--config its maximum."},
	{"vcpucount", NULL, "domain vcpu counts", cmd_vcpucount, opts_vcpucount,
	 "domain", "Returns the number of virtual CPUs used by the domain."},
	{"vcpuinfo", NULL, "detailed domain vcpu information", cmd_vcpuinfo,
	 opts_vcpuinfo, "domain",
	 "Returns basic information about the domain virtual CPUs: the host "
	 "CPU each last ran on, its CPU time and the host CPUs it may run "
	 "on."},
	{"vcpupin", NULL, "control or query domain vcpu affinity", cmd_vcpupin,
	 opts_vcpupin, "domain",
	 "Pin domain VCPUs to host physical CPUs: --live the running "
	 "guest's vCPU threads (not recorded in the live definition), "
	 "--config the persistent <vcpupin> (the qemu driver's); without a "
	 "CPU list, the pins."},
	{"emulatorpin", NULL, "control or query domain emulator affinity",
	 cmd_emulatorpin, opts_emulatorpin, "domain",
	 "Pin the engine's threads other than the vCPUs' to host physical "
	 "CPUs: --live the running nido-vmm's or QEMU's, --config the "
	 "persistent <emulatorpin> (the qemu driver's); without a CPU list, "
	 "the pin."},
	{NULL},
};
