// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vol-clone and vol-create-from, virsh's verbs that make a volume with
 * another's contents (nidod copies it: volume.clone, volume.create_from).
 * The input of vol-create-from may also be a block device of no pool, a
 * physical disk or partition (P2V). With --verbose, nido shows the
 * copy's progress as virsh shows a migration's ("Volume copy: [ 42.10
 * %]" on stderr), from the daemon's volume.progress notifications;
 * virsh has no progress for these verbs.
 */
#include <errno.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "cli/pool.h"
#include "lib/file.h"
#include "lib/json.h"

#define XML_MAX (1u << 20)

static void print_progress(uint64_t done, uint64_t total)
{
	double pct = total ? 100.0 * (double)done / (double)total : 100.0;

	fprintf(stderr, "\rVolume copy: [%6.2f %%]", pct);
	fflush(stderr);
}

static void on_progress(void *opaque, struct json_object *msg)
{
	struct json_object *params = NULL;
	uint64_t done = 0, total = 0;
	const char *m = jstr(msg, "method");

	(void)opaque;
	if (!m || !streq(m, "volume.progress") ||
	    !json_object_object_get_ex(msg, "params", &params) ||
	    json_get_uint64(params, "done", &done, NULL) < 0 ||
	    json_get_uint64(params, "total", &total, NULL) < 0)
		return;
	print_progress(done, total);
}

/*
 * Calls @method with @p (taken), showing progress with --verbose.
 * Returns 0, or -errno with @e.
 */
static int copy_call(const struct cli_args *a, const char *method,
		     struct json_object *p, struct json_object **res,
		     struct err **e)
{
	bool verbose = cli_flag(a, "verbose");
	struct nido_conn *c = client_connect(e);
	int r;

	if (!c) {
		json_object_put(p);
		return -ECONNREFUSED;
	}
	if (verbose) {
		json_object_object_add(p, "progress",
				       json_object_new_boolean(true));
		print_progress(0, 1);
	}
	r = client_call_notified(c, method, p, verbose ? on_progress : NULL,
				 NULL, res, e);
	client_close(c);
	if (verbose && r == 0)
		print_progress(1, 1);
	if (verbose)
		fputc('\n', stderr);
	return r;
}

/* The input volume's name, as the daemon found it (@vol: as given). */
static const char *input_name(struct json_object *res, const char *vol)
{
	const char *in = jstr(res, "input");

	return *in ? in : vol;
}

static int refuse_reflink(const struct cli_args *a)
{
	if (!cli_flag(a, "reflink"))
		return 0;
	cli_error("--reflink is not supported: nido copies the data");
	return -1;
}

/*
 * virsh's words for a volume that is not there (@opt: the option that
 * names its pool, @pool its value), else "@what: why".
 */
static int fail(const char *vol, const char *opt, const char *pool,
		const char *what, const struct err *e)
{
	if (err_kind(e) == ERR_NO_CONNECT)
		cli_error("%s", err_msg(e));
	else if (err_kind(e) == ERR_NO_STORAGE_VOL && pool)
		cli_error("failed to get vol '%s': %s", vol, err_msg(e));
	else if (err_kind(e) == ERR_NO_STORAGE_VOL)
		cli_error("failed to get vol '%s', specifying %s might help: "
			  "%s",
			  vol, opt, err_msg(e));
	else
		cli_error("%s: %s", what, err_msg(e));
	return 1;
}

int cmd_vol_clone(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();
	const char *vol = cli_str(a, "vol"), *pool = cli_str(a, "pool");
	_cleanup_free_ char *what = NULL;

	if (refuse_reflink(a) < 0) {
		json_object_put(p);
		return 1;
	}
	json_object_object_add(p, "vol", json_object_new_string(vol));
	if (pool)
		json_object_object_add(p, "pool", json_object_new_string(pool));
	json_object_object_add(p, "name",
			       json_object_new_string(cli_str(a, "newname")));
	if (cli_flag(a, "prealloc-metadata"))
		json_object_object_add(p, "prealloc_metadata",
				       json_object_new_boolean(true));
	if (copy_call(a, "volume.clone", p, &res, &e) < 0) {
		if (err_kind(e) == ERR_NO_STORAGE_POOL)
			return pool_fail("get", pool, e);
		what = xasprintf("failed to clone vol '%s'", vol);
		return fail(vol, "--pool", pool, what, e);
	}
	cli_print_extra("Vol '%s' cloned from %s\n", cli_str(a, "newname"),
			input_name(res, vol));
	return 0;
}

int cmd_vol_create_from(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_free_ char *xml = NULL, *what = NULL;
	const char *file = cli_str(a, "file"), *vol = cli_str(a, "vol");
	const char *inpool = cli_str(a, "inputpool");
	struct json_object *p;

	if (refuse_reflink(a) < 0)
		return 1;
	if (file_read_all(file, XML_MAX, &xml, NULL, &e) < 0) {
		cli_error("Failed to create vol from %s: %s", file, err_msg(e));
		return 1;
	}
	p = json_object_new_object();
	json_object_object_add(p, "pool",
			       json_object_new_string(cli_str(a, "pool")));
	json_object_object_add(p, "xml", json_object_new_string(xml));
	json_object_object_add(p, "vol", json_object_new_string(vol));
	if (inpool)
		json_object_object_add(p, "inputpool",
				       json_object_new_string(inpool));
	if (cli_flag(a, "prealloc-metadata"))
		json_object_object_add(p, "prealloc_metadata",
				       json_object_new_boolean(true));
	if (copy_call(a, "volume.create_from", p, &res, &e) < 0) {
		if (err_kind(e) == ERR_NO_STORAGE_POOL && !inpool)
			return pool_fail("get", cli_str(a, "pool"), e);
		what = xasprintf("Failed to create vol from %s", file);
		return fail(vol, "--inputpool", inpool, what, e);
	}
	cli_print_warnings(res);
	cli_print_extra("Vol %s created from input vol %s\n", jstr(res, "name"),
			input_name(res, vol));
	return 0;
}
