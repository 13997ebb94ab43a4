// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's blockcommit, blockpull and blockjob (docs/api.md,
 * docs/snapshots.md) on a running domain's disk, through its driver
 * (driver.h's ->blockjob). The calls answer once the engine took the
 * request; the job runs on, followed with block.job (info). A shut off
 * domain's chains are refused by name: `nido img commit` and `nido img
 * rebase` work on images.
 */
#include <errno.h>

#include "daemon/blockjob-common.h"
#include "daemon/daemon.h"
#include "daemon/driver.h"
#include "daemon/rpc.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

struct bj_rpc {
	struct rpc_call *call;
	struct json_object *out;
};

static void bj_done(void *opaque, int r, const struct err *e)
{
	struct bj_rpc *c = opaque;

	rpc_call_done(c->call, r, r < 0 ? NULL : c->out, e);
	if (r < 0)
		json_object_put(c->out);
	free(c);
}

static int run(struct daemon *dmn, struct json_object *params,
	       struct driver_blockjob *req, struct json_object **result,
	       struct err **e)
{
	struct domain *dom = param_domain(dmn, params, e);
	struct bj_rpc *c;
	int r;

	if (!dom || json_get_string(params, "disk", &req->disk, e) < 0 ||
	    json_get_string_opt(params, "base", &req->base, e) < 0 ||
	    json_get_string_opt(params, "top", &req->top, e) < 0 ||
	    json_get_bool_opt(params, "active", &req->active, e) < 0 ||
	    json_get_uint64_opt(params, "bandwidth", &req->bandwidth, e) < 0)
		return err_code(*e);
	if (!domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' is not running: block jobs run "
				"on a running domain (a shut off one's "
				"images: nido img commit, nido img rebase)",
				dom->def->name);
	if (!dom->drv->blockjob)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver runs no block jobs yet",
				dom->drv->name);
	c = xcalloc(1, sizeof(*c));
	c->out = json_object_new_object();
	r = dom->drv->blockjob(dmn, dom, req, c->out, bj_done, c, e);
	if (r < 0) {
		json_object_put(c->out);
		free(c);
		return err_prefix(e, "domain '%s'", dom->def->name);
	}
	*result = NULL;
	c->call = rpc_server_defer(dmn->rpc);
	return RPC_DEFERRED;
}

static int m_commit(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct driver_blockjob req = {.op = BLOCKJOB_COMMIT};

	return run(opaque, params, &req, result, e);
}

static int m_pull(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct driver_blockjob req = {.op = BLOCKJOB_PULL};

	return run(opaque, params, &req, result, e);
}

/* block.job: "action" info (the default), abort, pivot or speed (to
 * "bandwidth"). */
static int m_job(void *opaque, struct json_object *params,
		 struct json_object **result, struct err **e)
{
	static const char *const actions[] = {"info", "abort", "pivot",
					      "speed"};
	static const enum driver_blockjob_op ops[] = {
		BLOCKJOB_INFO, BLOCKJOB_ABORT, BLOCKJOB_PIVOT, BLOCKJOB_SPEED};
	struct driver_blockjob req = {.op = BLOCKJOB_INFO};
	const char *action = NULL;
	size_t i = 0;

	if (json_get_string_opt(params, "action", &action, e) < 0)
		return err_code(*e);
	while (action && i < ARRAY_SIZE(actions) && !streq(action, actions[i]))
		i++;
	if (i == ARRAY_SIZE(actions))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"unknown block job action '%.40s' (info, "
				"abort, pivot, speed)",
				action);
	req.op = ops[i];
	return run(opaque, params, &req, result, e);
}

void blockjob_tell_end(void (**end)(void *opaque, int r, const struct err *e),
		       void *opaque, const char *id, int r, const char *why)
{
	_cleanup_err_ struct err *e = NULL;
	void (*fn)(void *opaque, int r, const struct err *e) = steal_ptr(*end);

	if (!fn)
		return;
	if (r < 0)
		err_set(&e, -r, "block job %s %s", id,
			why ? why : "was cancelled");
	fn(opaque, r, e);
}

void blockjob_out_last(struct json_object *out, const char *last_id,
		       const char *last_error, bool last_cancelled)
{
	if (!last_id)
		return;
	json_object_object_add(out, "last_job",
			       json_object_new_string(last_id));
	if (last_error)
		json_object_object_add(out, "last_error",
				       json_object_new_string(last_error));
	json_object_object_add(out, "last_cancelled",
			       json_object_new_boolean(last_cancelled));
}

void blockjob_out_progress(struct json_object *out, const char *id, int64_t cur,
			   int64_t end, bool ready, int64_t bandwidth)
{
	if (id)
		json_object_object_add(out, "job", json_object_new_string(id));
	json_object_object_add(out, "cur", json_object_new_int64(cur));
	json_object_object_add(out, "end", json_object_new_int64(end));
	json_object_object_add(out, "ready", json_object_new_boolean(ready));
	json_object_object_add(out, "bandwidth",
			       json_object_new_int64(bandwidth));
}

static void disk_set_chain(struct domain_disk *d, const char *const *paths,
			   const char *const *formats, size_t n)
{
	for (size_t j = 0; j < d->n_backing; j++) {
		free(d->backing[j].path);
		free(d->backing[j].format);
	}
	free(d->backing);
	free(d->source);
	d->source = xstrdup(paths[0]);
	d->format = streq(formats[0], "qcow2") ? DISK_FORMAT_QCOW2
					       : DISK_FORMAT_RAW;
	d->n_backing = n - 1;
	d->backing = xcalloc(n, sizeof(*d->backing));
	for (size_t j = 1; j < n; j++)
		d->backing[j - 1] = (struct disk_backing){
			.path = xstrdup(paths[j]),
			.format = xstrdup(formats[j]),
		};
	d->backing_end = true;
}

void blockjob_chain_changed(struct daemon *dmn, struct domain *dom, size_t i,
			    const char *const *paths,
			    const char *const *formats, size_t n, bool persist)
{
	_cleanup_err_ struct err *e = NULL;
	const char *target = dom->def->disks[i].target;
	struct domain_def *def;

	disk_set_chain(&dom->def->disks[i], paths, formats, n);
	if (!persist || !dom->persistent)
		return;
	if (!(def = domain_config_copy(dom, &e))) {
		log_warn("domain '%s': disk '%s' stays as defined: %s",
			 dom->def->name, target, err_msg(e));
		return;
	}
	for (size_t k = 0; k < def->n_disks; k++)
		if (streq(def->disks[k].target, target) &&
		    !def->disks[k].volume)
			disk_set_chain(&def->disks[k], paths, formats, n);
	if (domain_config_save(dmn, def, &e) < 0)
		log_warn("domain '%s': disk '%s' stays as defined: %s",
			 dom->def->name, target, err_msg(e));
}

const struct rpc_method blockjob_methods[] = {
	{"block.commit", m_commit},
	{"block.pull", m_pull},
	{"block.job", m_job},
};
const size_t blockjob_n_methods = ARRAY_SIZE(blockjob_methods);
