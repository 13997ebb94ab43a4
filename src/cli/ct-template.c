// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido ct-template-unpack: a container template (the root file system
 * tarball of LXC's download template or Proxmox's `pveam`, .tar.gz,
 * .tar.xz or .tar.zst) unpacked into a directory with its owners moved
 * into the containers' id range (src/ct/ct-template.c), ready to be a
 * <filesystem type='mount'> root. It runs here, not in the daemon: the
 * files are this host's, and writing them takes root.
 */
#include <errno.h>
#include <inttypes.h>

#include "cli/cli.h"
#include "cli/domain.h"
#include "ct/ct.h"

/* An id option: a number below 2^32 - count; -1 with the error said. */
static int id_opt(const struct cli_args *a, const char *name, uint32_t *out)
{
	const char *s = cli_str(a, name);
	char *end;
	unsigned long long v;

	if (!s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || v > UINT32_MAX) {
		cli_error("invalid --%s '%s' (a number)", name, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 1;
}

/* The range: --uid-base, --gid-base (the uid base when absent) and
 * --count, else the containers' default (docs/containers.md). */
static int range_of(const struct cli_args *a, struct ct_ids *ids)
{
	uint32_t ub = 0, gb = 0, count = CT_IDS_COUNT;
	int u, g, c;

	ct_ids_default(ids, NULL, NULL);
	u = id_opt(a, "uid-base", &ub);
	g = id_opt(a, "gid-base", &gb);
	c = id_opt(a, "count", &count);
	if (u < 0 || g < 0 || c < 0)
		return -1;
	if (!u && !g && !c)
		return 0;
	if (!u)
		ub = ids->uid[0].target;
	if (!g)
		gb = u ? ub : ids->gid[0].target;
	if (count == 0 || count > UINT32_MAX - ub || count > UINT32_MAX - gb) {
		cli_error("invalid --count %" PRIu32 " for the bases given",
			  count);
		return -1;
	}
	ids->uid[0] = (struct ct_idmap){0, ub, count};
	ids->gid[0] = (struct ct_idmap){0, gb, count};
	return 0;
}

static int cmd_template_unpack(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	const char *tpl = cli_str(a, "template"), *dir = cli_str(a, "dir");
	struct ct_template_stats st;
	struct ct_ids ids;

	if (range_of(a, &ids) < 0)
		return 1;
	if (ct_template_unpack(tpl, dir, &ids, &st, &e) < 0) {
		cli_error("%s", err_msg(e));
		return 1;
	}
	printf("Template '%s' unpacked into '%s': %zu entries, owned from "
	       "uid %" PRIu32 " and gid %" PRIu32,
	       tpl, dir, st.entries, ids.uid[0].target, ids.gid[0].target);
	if (st.devices_skipped)
		printf(" (%zu device nodes skipped: a container gets nido's "
		       "/dev)",
		       st.devices_skipped);
	printf("\n");
	return 0;
}

static const struct cli_opt opts_unpack[] = {
	{"template", OPT_DATA, true,
	 "the template: a tar, .tar.gz, .tar.xz or .tar.zst root file system"},
	{"dir", OPT_DATA, true,
	 "the directory to unpack into (made when absent)"},
	{"uid-base", OPT_STRING, false,
	 "the host uid of the container's uid 0 (default: the containers' "
	 "range)"},
	{"gid-base", OPT_STRING, false,
	 "the host gid of its gid 0 (default: the uid base given, else the "
	 "range's)"},
	{"count", OPT_STRING, false, "how many ids the range has (65536)"},
	{0},
};

const struct cli_command ct_template_commands[] = {
	{"ct-template-unpack", NULL,
	 "unpack a container template into a root file system",
	 cmd_template_unpack, opts_unpack, "domain",
	 "Unpacks an LXC or Proxmox container template (a root file system "
	 "tarball) into a directory, each file's owner moved into the "
	 "containers' id range, so that an unprivileged container's root "
	 "owns it. Entries that would leave the directory are refused; "
	 "device nodes are skipped. Runs on this host, as root."},
	{NULL},
};
