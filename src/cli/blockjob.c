// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's blockcommit, blockpull and blockjob (docs/cli.md,
 * docs/snapshots.md). The daemon starts a job and answers; --wait
 * follows it here as virsh does, asking for its progress (block.job
 * info) until it ends or, for an active commit, until it is ready to
 * pivot (then --pivot pivots, or it stays in its synchronized phase).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"
#include "lib/util.h"

static struct json_object *job_params(const struct cli_args *a)
{
	struct json_object *p = client_domain_params(cli_str(a, "domain"));

	json_object_object_add(p, "disk",
			       json_object_new_string(cli_str(a, "path")));
	return p;
}

static int call(const char *method, struct json_object *p,
		struct json_object **res, const char *dom)
{
	_cleanup_err_ struct err *e = NULL;

	if (client_call1(method, p, res, &e) < 0)
		return domain_fail("run a block job on", dom, e);
	return 0;
}

/* --bandwidth into @p in bytes/s: MiB/s as virsh takes it, or bytes/s
 * with --bytes; 1 when bad. */
static int bandwidth(const struct cli_args *a, struct json_object *p)
{
	const char *s = cli_str(a, "bandwidth");
	bool bytes = cli_flag(a, "bytes");
	char *end;
	unsigned long long v;

	if (!s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' ||
	    v > (bytes ? 1ull << 60 : 1ull << 40)) {
		cli_error("--bandwidth '%s': a number of %s", s,
			  bytes ? "bytes/s" : "MiB/s");
		return 1;
	}
	json_object_object_add(
		p, "bandwidth",
		json_object_new_int64((int64_t)(bytes ? v : v << 20)));
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static const char *label(const char *type)
{
	return streq(type, "pull")	      ? "Block Pull"
	       : streq(type, "active-commit") ? "Active Block Commit"
					      : "Block Commit";
}

static void progress(struct json_object *info)
{
	int64_t cur = jint(info, "cur"), end = jint(info, "end");
	/* as virsh: nothing left is 100 % */
	int pct = cur >= end ? 100 : (int)(100 - (end - cur) * 100 / end);

	printf("\r%s: [%3d %%]", label(jstr(info, "type")), pct);
	fflush(stdout);
}

/*
 * Follows job @id until it ends (or is ready, with @ready_stops):
 * 0 when it ended well or is ready (*@ready then), 1 after printing why
 * not. @timeout_s: 0 none; on it, the job is aborted.
 */
static int follow(const struct cli_args *a, const char *id, bool verbose,
		  bool ready_stops, bool *ready)
{
	const char *dom = cli_str(a, "domain");
	long timeout = cli_str(a, "timeout") ? atol(cli_str(a, "timeout")) : 0;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*ready = false;
	for (;;) {
		_cleanup_json_ struct json_object *info = NULL;
		struct json_object *p = job_params(a);
		struct timespec t;

		if (call("block.job", p, &info, dom))
			return 1;
		if (!streq(jstr(info, "type"), "none")) {
			if (verbose)
				progress(info);
			if (ready_stops && jbool(info, "ready")) {
				if (verbose)
					putchar('\n');
				*ready = true;
				return 0;
			}
		} else if (streq(jstr(info, "last_job"), id)) {
			if (verbose)
				putchar('\n');
			if (json_object_object_get_ex(info, "last_error",
						      NULL)) {
				cli_error("block job %s on disk '%s' failed: "
					  "%s",
					  id, cli_str(a, "path"),
					  jstr(info, "last_error"));
				return 1;
			}
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (timeout > 0 && t.tv_sec - t0.tv_sec >= timeout) {
			_cleanup_json_ struct json_object *r = NULL;
			struct json_object *ap = job_params(a);

			json_object_object_add(ap, "action",
					       json_object_new_string("abort"));
			call("block.job", ap, &r, dom);
			cli_error("block job %s timed out: aborted", id);
			return 1;
		}
		sleep_ms(100);
	}
}

/* blockjob --pivot or --abort on the job of cli_str(a, "path"). */
static int job_action(const struct cli_args *a, const char *action)
{
	_cleanup_json_ struct json_object *r = NULL;
	struct json_object *p = job_params(a);

	json_object_object_add(p, "action", json_object_new_string(action));
	return call("block.job", p, &r, cli_str(a, "domain"));
}

static int cmd_blockcommit(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = job_params(a);
	bool piv = cli_flag(a, "pivot"), keep = cli_flag(a, "keep-overlay");
	/* as virsh: --pivot and --keep-overlay are active commits */
	bool active = cli_flag(a, "active") || piv || keep;
	bool wait = cli_flag(a, "wait") || piv || keep ||
		    cli_flag(a, "verbose") || cli_str(a, "timeout");
	bool ready;
	const char *id;

	if (piv && keep) {
		cli_error("--pivot and --keep-overlay are exclusive");
		json_object_put(p);
		return 1;
	}
	if (bandwidth(a, p)) {
		json_object_put(p);
		return 1;
	}
	if (cli_str(a, "base"))
		json_object_object_add(
			p, "base", json_object_new_string(cli_str(a, "base")));
	if (cli_str(a, "top"))
		json_object_object_add(
			p, "top", json_object_new_string(cli_str(a, "top")));
	if (active)
		json_object_object_add(p, "active",
				       json_object_new_boolean(true));
	if (call("block.commit", p, &res, cli_str(a, "domain")))
		return 1;
	id = jstr(res, "job");
	if (!wait) {
		printf("Block Commit started\n");
		return 0;
	}
	if (follow(a, id, cli_flag(a, "verbose"), active, &ready))
		return 1;
	if (!active) {
		printf("Commit complete\n");
		return 0;
	}
	if (!piv && !keep) {
		printf("Now in synchronized phase\n");
		return 0;
	}
	/* pivoted, or with --keep-overlay cancelled once in step: the
	 * overlay stays the disk's image, the base has its data */
	if (job_action(a, piv ? "pivot" : "abort") ||
	    follow(a, id, false, false, &ready))
		return 1;
	printf(piv ? "Successfully pivoted\n"
		   : "Commit complete, overlay image kept\n");
	return 0;
}

static int cmd_blockpull(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = job_params(a);
	bool ready;

	if (bandwidth(a, p)) {
		json_object_put(p);
		return 1;
	}
	if (cli_str(a, "base"))
		json_object_object_add(
			p, "base", json_object_new_string(cli_str(a, "base")));
	if (call("block.pull", p, &res, cli_str(a, "domain")))
		return 1;
	if (!cli_flag(a, "wait") && !cli_flag(a, "verbose")) {
		printf("Block Pull started\n");
		return 0;
	}
	if (follow(a, jstr(res, "job"), cli_flag(a, "verbose"), false, &ready))
		return 1;
	printf("Pull complete\n");
	return 0;
}

static int cmd_blockjob(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = job_params(a);
	int n = cli_flag(a, "abort") + cli_flag(a, "pivot") +
		cli_flag(a, "info");

	if (n > 1) {
		cli_error("--abort, --pivot and --info are exclusive");
		json_object_put(p);
		return 1;
	}
	if (cli_str(a, "bandwidth") && (n || cli_flag(a, "raw"))) {
		cli_error("--bandwidth goes alone: it sets the job's speed");
		json_object_put(p);
		return 1;
	}
	if (bandwidth(a, p)) {
		json_object_put(p);
		return 1;
	}
	json_object_object_add(
		p, "action",
		json_object_new_string(cli_flag(a, "abort")	 ? "abort"
				       : cli_flag(a, "pivot")	 ? "pivot"
				       : cli_str(a, "bandwidth") ? "speed"
								 : "info"));
	if (call("block.job", p, &res, cli_str(a, "domain")))
		return 1;
	if (n && !cli_flag(a, "info"))
		return 0;
	if (cli_str(a, "bandwidth"))
		return 0;
	if (streq(jstr(res, "type"), "none")) {
		printf("No current block job for %s\n", cli_str(a, "path"));
		return 0;
	}
	if (cli_flag(a, "raw")) {
		/* virsh's: the bandwidth in MiB/s (a limit under 1 MiB/s is
		 * not shown as 0, no limit), in bytes/s with --bytes */
		int64_t bw = jint(res, "bandwidth");

		if (!cli_flag(a, "bytes"))
			bw = (bw + (1 << 20) - 1) >> 20;
		printf(" type=%s\n bandwidth=%lld\n cur=%lld\n end=%lld\n",
		       jstr(res, "type"), (long long)bw,
		       (long long)jint(res, "cur"),
		       (long long)jint(res, "end"));
		return 0;
	}
	progress(res);
	putchar('\n');
	return 0;
}

#define OPT_DOM                                                     \
	{                                                           \
		"domain", OPT_DATA, true, "domain name, id or uuid" \
	}
#define OPT_PATH                                                       \
	{                                                              \
		"path", OPT_DATA, true, "fully-qualified path of disk" \
	}

static const struct cli_opt opts_commit[] = {
	OPT_DOM,
	OPT_PATH,
	{"bandwidth", OPT_STRING, false, "bandwidth limit in MiB/s"},
	{"bytes", OPT_BOOL, false,
	 "the bandwidth is in bytes/s rather than MiB/s"},
	{"base", OPT_STRING, false,
	 "path of base file to commit into (default bottom of chain)"},
	{"top", OPT_STRING, false,
	 "path of top file to commit from (default top of chain)"},
	{"active", OPT_BOOL, false,
	 "trigger two-stage active commit of top file"},
	{"pivot", OPT_BOOL, false,
	 "implies --active --wait, pivot when commit is synced"},
	{"keep-overlay", OPT_BOOL, false,
	 "implies --active --wait, quit when commit is synced"},
	{"wait", OPT_BOOL, false, "wait for job to complete"},
	{"verbose", OPT_BOOL, false, "with --wait, display the progress"},
	{"timeout", OPT_STRING, false,
	 "implies --wait, abort if copy exceeds timeout (in seconds)"},
	{0},
};

static const struct cli_opt opts_pull[] = {
	OPT_DOM,
	OPT_PATH,
	{"bandwidth", OPT_STRING, false, "bandwidth limit in MiB/s"},
	{"bytes", OPT_BOOL, false,
	 "the bandwidth is in bytes/s rather than MiB/s"},
	{"base", OPT_STRING, false,
	 "path of backing file in chain for a partial pull"},
	{"wait", OPT_BOOL, false, "wait for job to finish"},
	{"verbose", OPT_BOOL, false, "with --wait, display the progress"},
	{"timeout", OPT_STRING, false,
	 "with --wait, abort if pull exceeds timeout (in seconds)"},
	{0},
};

static const struct cli_opt opts_job[] = {
	OPT_DOM,
	OPT_PATH,
	{"abort", OPT_BOOL, false,
	 "abort the active job on the specified disk"},
	{"pivot", OPT_BOOL, false, "conclude and pivot a copy or commit job"},
	{"info", OPT_BOOL, false, "get active job information (default)"},
	{"raw", OPT_BOOL, false,
	 "implies --info; output details rather than "
	 "human summary"},
	{"bandwidth", OPT_STRING, false, "set the bandwidth limit in MiB/s"},
	{"bytes", OPT_BOOL, false,
	 "with --info, the bandwidth in bytes/s rather than MiB/s; with "
	 "--bandwidth, it is in bytes/s"},
	{0},
};

const struct cli_command blockjob_commands[] = {
	{"blockcommit", NULL, "Start a block commit operation.",
	 cmd_blockcommit, opts_commit, "domain",
	 "Commit changes from a snapshot down to its backing image."},
	{"blockpull", NULL, "Populate a disk from its backing image.",
	 cmd_blockpull, opts_pull, "domain",
	 "Populate a disk from its backing image."},
	{"blockjob", NULL, "Manage active block operations", cmd_blockjob,
	 opts_job, "domain", "Manage active block operations"},
	{NULL},
};
