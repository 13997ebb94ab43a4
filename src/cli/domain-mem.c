// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's setmem and dommemstat (docs/cli.md): a running guest's memory
 * through its balloon, and what the guest's balloon driver reports.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <inttypes.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"
#include "lib/size.h"
#include "lib/util.h"

static int cmd_setmem(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	const char *name = cli_str(a, "domain"), *size = cli_str(a, "size");
	struct json_object *p = client_domain_params(name);
	static const char *const flags[] = {"live", "config", "current"};
	uint64_t bytes;

	/* virsh's scaled integer: a plain number is KiB */
	if ((size[0] && isdigit((unsigned char)size[strlen(size) - 1])
		     ? size_parse_unit(size, "KiB", &bytes, &e)
		     : size_parse(size, &bytes, &e)) < 0 ||
	    bytes < 1024) {
		cli_error("invalid memory size '%s'%s%s", size, e ? ": " : "",
			  e ? err_msg(e) : "");
		json_object_put(p);
		return 1;
	}
	json_object_object_add(p, "memory_kib",
			       json_object_new_int64((int64_t)(bytes / 1024)));
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (cli_flag(a, flags[i]))
			json_object_object_add(p, flags[i],
					       json_object_new_boolean(true));
	if (client_call1("domain.setmem", p, NULL, &e) < 0)
		return domain_fail("set memory of", name, e);
	return 0;
}

/* virsh's names and order; the daemon's balloon.* keys (KiB). */
static const char *const memstat_keys[][2] = {
	{"actual", "balloon.current"},
	{"swap_in", "balloon.swap_in"},
	{"swap_out", "balloon.swap_out"},
	{"major_fault", "balloon.major_fault"},
	{"minor_fault", "balloon.minor_fault"},
	{"unused", "balloon.unused"},
	{"available", "balloon.available"},
	{"usable", "balloon.usable"},
	{"last_update", "balloon.last-update"},
	{"disk_caches", "balloon.disk_caches"},
	{"hugetlb_pgalloc", "balloon.hugetlb_pgalloc"},
	{"hugetlb_pgfail", "balloon.hugetlb_pgfail"},
	{"rss", "balloon.rss"},
};

static int cmd_dommemstat(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *name = cli_str(a, "domain");
	struct json_object *arr = NULL, *st = NULL;
	uint64_t v;

	if (client_call1("domain.stats", client_domain_params(name), &res, &e) <
	    0)
		return domain_fail("get memory statistics of", name, e);
	if (json_get_array(res, "domains", &arr, NULL) < 0 ||
	    json_object_array_length(arr) < 1 ||
	    json_get_object(json_object_array_get_idx(arr, 0), "stats", &st,
			    NULL) < 0 ||
	    json_get_uint64_opt(st, "state.state", &v, NULL) <= 0 ||
	    v == 5 /* shut off */) {
		cli_error("Failed to get memory statistics for domain '%s'",
			  name);
		cli_error("Requested operation is not valid: domain is not "
			  "running");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(memstat_keys); i++)
		if (json_get_uint64_opt(st, memstat_keys[i][1], &v, NULL) > 0)
			printf("%s %" PRIu64 "\n", memstat_keys[i][0], v);
	return 0;
}

#define OPT_DOM                                                     \
	{                                                           \
		"domain", OPT_DATA, true, "domain name, id or uuid" \
	}

static const struct cli_opt opts_setmem[] = {
	OPT_DOM,
	{"size", OPT_DATA, true,
	 "new memory size, as scaled integer (default KiB)"},
	{"config", OPT_BOOL, false, "affect next boot"},
	{"live", OPT_BOOL, false, "affect running domain"},
	{"current", OPT_BOOL, false, "affect current domain"},
	{0},
};

static const struct cli_opt opts_dommemstat[] = {
	OPT_DOM,
	{0},
};

const struct cli_command mem_commands[] = {
	{"setmem", NULL, "change memory allocation", cmd_setmem, opts_setmem,
	 "domain", "Change the current memory allocation in the guest domain."},
	{"dommemstat", NULL, "get memory statistics for a domain",
	 cmd_dommemstat, opts_dommemstat, "monitor",
	 "Get memory statistics for a running domain."},
	{NULL},
};
