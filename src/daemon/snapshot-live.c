// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A running domain reverted to an external disk-only snapshot (snapshot.h,
 * docs/snapshots.md), as libvirt 9.9 does. The snapshot holds no memory
 * to go on from, so the guest stops: the driver's destroy (the domain
 * shut off "from snapshot", libvirt's reason and event), then the revert
 * of a shut off domain (new overlays over the snapshot's images, its
 * definition), then, with --running or --paused, a new boot on them.
 * Without either the domain stays shut off: the snapshot's state is
 * disk-snapshot, and libvirt starts a domain after such a revert only
 * when asked.
 *
 * The call waits on the domain (dom->job) the whole time; the stop's
 * end reaches us through dom->after_stop (lifecycle.c) once the domain
 * is shut off, and what follows answers the call.
 */
#include <errno.h>

#include "daemon/daemon.h"
#include "daemon/driver.h"
#include "daemon/rpc.h"
#include "daemon/snapshot.h"
#include "lib/log.h"
#include "lib/util.h"

struct live_revert {
	char *name; /* the snapshot's */
	bool start;
	unsigned flags; /* DRIVER_START_* */
};

static void on_stopped(struct daemon *dmn, struct domain *dom, void *opaque,
		       int r, const struct err *se)
{
	struct live_revert *lr = opaque;
	struct snapshot_set *set = dom->snaps;
	struct snapshot_def *sn = set ? snapshot_find(set, lr->name) : NULL;
	_cleanup_err_ struct err *e = NULL;

	if (r < 0)
		err_setk(&e, err_kind(se), -r,
			 "snapshot '%s': stopping the "
			 "domain: %s",
			 lr->name, se ? se->msg : "failed");
	else if (!sn)
		r = err_setk(&e, ERR_NO_DOMAIN_SNAPSHOT, ENOENT,
			     "snapshot '%s' went while the domain stopped",
			     lr->name);
	else if (snapshot_external_revert(dmn, dom, set, sn, &e) < 0)
		r = err_code(e);
	else if (lr->start && dmn->shutting_down)
		r = err_set(&e, ESHUTDOWN,
			    "snapshot '%s': reverted, not "
			    "started: nidod is shutting down",
			    lr->name);
	else if (lr->start) {
		log_info("domain '%s': reverted to snapshot '%s', booting",
			 dom->def->name, lr->name);
		r = daemon_domain_start(dmn, dom, lr->flags, &e);
		if (r < 0)
			err_prefix(&e,
				   "snapshot '%s': reverted, then "
				   "starting the domain",
				   lr->name);
	}
	free(lr->name);
	free(lr);
	if (r != RPC_DEFERRED) /* else the start's end answers it */
		daemon_job_done(dmn, dom, r < 0 ? r : 0, NULL, e);
}

int snapshot_external_revert_live(struct daemon *dmn, struct domain *dom,
				  const struct snapshot_def *sn, bool running,
				  bool paused, struct err **e)
{
	struct live_revert *lr;
	int r;

	if (sn->memory)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"snapshot '%s' is external with the guest's "
				"memory: reverting to it is not supported",
				sn->name);
	if (!dom->persistent)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"reverting the transient domain '%s' to "
				"external snapshot '%s' stops it, which would "
				"undefine it: not supported (define it first)",
				dom->def->name, sn->name);
	if (!sn->domain_xml)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"snapshot '%s' has no <domain>", sn->name);
	if (dom->after_stop)
		return err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				"domain '%s' is busy: it is stopping",
				dom->def->name);
	lr = xcalloc(1, sizeof(*lr));
	lr->name = xstrdup(sn->name);
	lr->start = running || paused;
	lr->flags = paused ? DRIVER_START_PAUSED : 0;
	log_info("domain '%s': stopped to revert to external snapshot '%s'",
		 dom->def->name, sn->name);
	dom->after_stop = on_stopped;
	dom->after_stop_opaque = lr;
	r = dom->drv->destroy(dmn, dom, 0, e);
	if (r == RPC_DEFERRED)
		return r;
	if (dom->after_stop == on_stopped) { /* not called */
		dom->after_stop = NULL;
		dom->after_stop_opaque = NULL;
		free(lr->name);
		free(lr);
	}
	return r < 0 ? err_prefix(e, "snapshot '%s': stopping the domain",
				  sn->name)
		     : err_setk(e, ERR_INTERNAL_ERROR, EIO,
				"snapshot '%s': the %s driver's destroy did "
				"not wait for the stop",
				sn->name, dom->drv->name);
}
