// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Internal snapshots of a running QEMU guest (driver.h's ->snapshot):
 * QEMU's snapshot-save, snapshot-load and snapshot-delete jobs, on the
 * format nodes of the disks the snapshot takes (d<index>-0, the top of
 * each disk's chain: driver-qemu-argv-disk.c); the guest's memory and
 * devices go to the first one's vmstate area, as savevm puts them.
 *
 * A job runs in QEMU after the command's answer: its end comes as
 * JOB_STATUS_CHANGE "concluded", then query-jobs says whether it
 * failed and why, and job-dismiss lets it go. One snapshot job at a
 * time (the domain's job rule already says so).
 * A job given up on (no answer in time) may still end in QEMU later:
 * each job has an id of its own, so that it is in no later job's way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/driver-qemu-priv.h"
#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

/* QEMU may answer the command only once the job's work (the guest's
 * whole memory written or read, on its main loop) is done */
#define JOB_START_MS (10 * 60 * 1000)

struct qemu_snap_job {
	char id[32]; /* nido-snapshot-N: a job given up on stays harmless */
	driver_done_fn done;
	void *opaque;
	const char *what; /* "snapshot-save", ... for errors */
	bool concluded;
};

static void finish(struct qemu_vm *vm, int r, const struct err *e)
{
	struct qemu_snap_job *j = steal_ptr(vm->snap);

	if (j) {
		j->done(j->opaque, r, e);
		free(j);
	}
}

/* Numbers the jobs of this daemon's life. */
static unsigned job_count;

void qemu_vm_snapshot_release(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *e = NULL;

	if (!vm->snap)
		return;
	err_set(&e, EIO, "%s: QEMU ended", vm->snap->what);
	finish(vm, -EIO, e);
}

static void on_dismissed(void *opaque, int r, struct json_object *ret,
			 const struct err *e)
{
	struct qemu_vm *vm = opaque;

	(void)ret;
	if (r < 0 && r != -ECANCELED)
		log_warn("domain '%s': job-dismiss: %s", vm->dom->def->name,
			 err_msg(e));
}

/* query-jobs' answer: our job's error, if any; then it is dismissed. */
static void on_jobs(void *opaque, int r, struct json_object *ret,
		    const struct err *qe)
{
	struct qemu_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *args = NULL;
	const char *why = NULL;
	size_t n;

	if (!vm->snap)
		return;
	if (r < 0) {
		err_set(&e, -r, "query-jobs: %s", err_msg(qe));
		return finish(vm, r, e);
	}
	n = json_object_is_type(ret, json_type_array)
		    ? json_object_array_length(ret)
		    : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *j = json_object_array_get_idx(ret, i);
		const char *id = NULL;

		if (json_get_string_opt(j, "id", &id, NULL) > 0 &&
		    streq(id, vm->snap->id))
			json_get_string_opt(j, "error", &why, NULL);
	}
	/* an error from QEMU, shown as it says it, bounded */
	if (why)
		err_set(&e, EIO, "%s: %.300s", vm->snap->what, why);
	args = json_object_new_object();
	json_object_object_add(args, "id",
			       json_object_new_string(vm->snap->id));
	if (qmp_command(vm->qmp, "job-dismiss", args, COMMAND_MS, on_dismissed,
			vm, NULL) < 0)
		log_warn("domain '%s': job-dismiss not sent",
			 vm->dom->def->name);
	finish(vm, why ? -EIO : 0, e);
}

void qemu_vm_job_event(struct qemu_vm *vm, struct json_object *data)
{
	_cleanup_err_ struct err *e = NULL;
	const char *id = NULL, *status = NULL;

	if (!vm->snap || !data ||
	    json_get_string_opt(data, "id", &id, NULL) <= 0 ||
	    !streq(id, vm->snap->id) ||
	    json_get_string_opt(data, "status", &status, NULL) <= 0 ||
	    !streq(status, "concluded") || vm->snap->concluded)
		return;
	vm->snap->concluded = true;
	if (qmp_command(vm->qmp, "query-jobs", NULL, COMMAND_MS, on_jobs, vm,
			&e) < 0)
		finish(vm, err_code(e), e);
}

static void on_started(void *opaque, int r, struct json_object *ret,
		       const struct err *qe)
{
	struct qemu_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;

	(void)ret;
	if (r < 0 && vm->snap) {
		err_set(&e, -r, "%s: %s", vm->snap->what, err_msg(qe));
		finish(vm, r, e);
	}
}

int qemu_snapshot(struct daemon *dmn, struct domain *dom, enum snapshot_op op,
		  const char *tag, const char *const *targets, size_t n,
		  driver_done_fn done, void *opaque, struct err **e)
{
	static const char *const cmds[] = {"snapshot-save", "snapshot-load",
					   "snapshot-delete"};
	struct qemu_vm *vm = vm_of(dom);
	_cleanup_json_ struct json_object *args = json_object_new_object();
	struct json_object *devs = json_object_new_array();
	char *first = NULL;

	(void)dmn;
	if (!vm || !vm->qmp_ready || vm->starting)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"QEMU is not ready for a snapshot");
	if (vm->snap || vm->saving || vm->xsnap || vm->msnap)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"another job is running");
	for (size_t t = 0; t < n; t++) {
		size_t i = 0;

		while (i < dom->def->n_disks &&
		       !streq(dom->def->disks[i].target, targets[t]))
			i++;
		if (i == dom->def->n_disks) {
			json_object_put(devs);
			free(first);
			return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
					"no disk '%s' in the running domain",
					targets[t]);
		}
		char *node = qemu_vm_disk_top(vm, i);

		json_object_array_add(devs, json_object_new_string(node));
		if (!first)
			first = node;
		else
			free(node);
	}
	vm->snap = xcalloc(1, sizeof(*vm->snap));
	snprintf(vm->snap->id, sizeof(vm->snap->id), "nido-snapshot-%u",
		 ++job_count);
	json_object_object_add(args, "job-id",
			       json_object_new_string(vm->snap->id));
	json_object_object_add(args, "tag", json_object_new_string(tag));
	if (op != SNAPSHOT_OP_DELETE && first)
		json_object_object_add(args, "vmstate",
				       json_object_new_string(first));
	free(first);
	json_object_object_add(args, "devices", devs);
	vm->snap->done = done;
	vm->snap->opaque = opaque;
	vm->snap->what = cmds[op];
	if (qmp_command(vm->qmp, cmds[op], args, JOB_START_MS, on_started, vm,
			e) < 0) {
		free(steal_ptr(vm->snap));
		return err_code(*e);
	}
	return 0;
}
