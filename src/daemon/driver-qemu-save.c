// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A QEMU guest's state to and from a save file (driver-qemu.h), as
 * libvirt saves it: QEMU's migration stream over a file descriptor
 * nidod opened (getfd: QEMU opens nothing). Out: stop, migration events
 * on, getfd, migrate "fd:"; in (QEMU started with -incoming defer):
 * migration events on, getfd, migrate-incoming "fd:". Either way the
 * end comes as a MIGRATION event, which the driver waits for.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>

#include "daemon/driver-qemu-priv.h"
#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "daemon/rpc.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

#define MIGRATE_MS 10000
#define FD_NAME	   "nido-state"

enum step { STEP_STOP, STEP_EVENTS, STEP_GETFD, STEP_MIGRATE, STEP_DONE };

struct migration {
	struct qmp *q;
	int fd; /* borrowed until @done */
	bool out;
	enum step step;
	qemu_setup_fn done;
	void *opaque;
};

static const char *const step_names[] = {"stop", "migrate-set-capabilities",
					 "getfd", "migrate"};

static void next(struct migration *m);

static void on_answer(void *opaque, int r, struct json_object *ret,
		      const struct err *e)
{
	struct migration *m = opaque;
	_cleanup_err_ struct err *why = NULL;

	(void)ret;
	if (r < 0) {
		err_set(&why, -r, "%s: %s",
			m->step == STEP_MIGRATE && !m->out
				? "migrate-incoming"
				: step_names[m->step],
			err_msg(e));
		m->done(m->opaque, r, why);
		free(m);
		return;
	}
	m->step++;
	next(m);
}

static struct json_object *capabilities(void)
{
	struct json_object *cap = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	struct json_object *args = json_object_new_object();

	json_object_object_add(cap, "capability",
			       json_object_new_string("events"));
	json_object_object_add(cap, "state", json_object_new_boolean(true));
	json_object_array_add(arr, cap);
	json_object_object_add(args, "capabilities", arr);
	return args;
}

static void next(struct migration *m)
{
	_cleanup_json_ struct json_object *args = NULL;
	_cleanup_err_ struct err *e = NULL;
	int r = 0;

	switch (m->step) {
	case STEP_STOP:
		r = qmp_command(m->q, "stop", NULL, MIGRATE_MS, on_answer, m,
				&e);
		break;
	case STEP_EVENTS:
		args = capabilities();
		r = qmp_command(m->q, "migrate-set-capabilities", args,
				MIGRATE_MS, on_answer, m, &e);
		break;
	case STEP_GETFD:
		args = json_object_new_object();
		json_object_object_add(args, "fdname",
				       json_object_new_string(FD_NAME));
		r = qmp_command_fd(m->q, "getfd", args, m->fd, MIGRATE_MS,
				   on_answer, m, &e);
		break;
	case STEP_MIGRATE:
		args = json_object_new_object();
		json_object_object_add(args, "uri",
				       json_object_new_string("fd:" FD_NAME));
		r = qmp_command(m->q, m->out ? "migrate" : "migrate-incoming",
				args, MIGRATE_MS, on_answer, m, &e);
		break;
	case STEP_DONE:
		m->done(m->opaque, 0, NULL);
		free(m);
		return;
	}
	if (r < 0) {
		m->done(m->opaque, r, e);
		free(m);
	}
}

void qemu_migration_begin(struct qmp *q, int fd, bool out, qemu_setup_fn done,
			  void *opaque)
{
	struct migration *m = xcalloc(1, sizeof(*m));

	*m = (struct migration){.q = q,
				.fd = fd,
				.out = out,
				/* an incoming QEMU has not run yet */
				.step = out ? STEP_STOP : STEP_EVENTS,
				.done = done,
				.opaque = opaque};
	next(m);
}

void qemu_migration_begin_live(struct qmp *q, int fd, qemu_setup_fn done,
			       void *opaque)
{
	struct migration *m = xcalloc(1, sizeof(*m));

	/* the vCPUs run on: QEMU stops them itself to finish */
	*m = (struct migration){.q = q,
				.fd = fd,
				.out = true,
				.step = STEP_EVENTS,
				.done = done,
				.opaque = opaque};
	next(m);
}

enum qemu_migration qemu_migration_event(struct json_object *data)
{
	const char *status = NULL;

	if (json_get_string_opt(data, "status", &status, NULL) <= 0)
		return QEMU_MIGRATION_OTHER;
	if (streq(status, "completed"))
		return QEMU_MIGRATION_COMPLETED;
	if (streq(status, "failed") || streq(status, "cancelled"))
		return QEMU_MIGRATION_FAILED;
	return QEMU_MIGRATION_OTHER;
}

/* ---- the driver's side: a save's and a restore's state ------------------ */

static void on_restore_begun(void *opaque, int r, const struct err *e)
{
	struct qemu_vm *vm = opaque;
	_cleanup_free_ char *why = NULL;

	if (r < 0) {
		why = xasprintf("restoring the saved state: %s", err_msg(e));
		qemu_vm_start_failed(vm, why);
	}
}

void qemu_vm_restore_begin(struct qemu_vm *vm)
{
	qemu_migration_begin(vm->qmp, vm->state_fd, false, on_restore_begun,
			     vm);
}

static void on_resumed(void *opaque, int r, struct json_object *ret,
		       const struct err *e)
{
	struct qemu_vm *vm = opaque;

	(void)ret;
	if (r < 0 && r != -ECANCELED)
		log_warn("domain '%s': resuming the guest: %s",
			 vm->dom->def->name, err_msg(e));
}

void qemu_vm_resume(struct qemu_vm *vm, const char *after)
{
	_cleanup_err_ struct err *e = NULL;

	if (qmp_command(vm->qmp, "cont", NULL, COMMAND_MS, on_resumed, vm, &e) <
	    0)
		log_warn("domain '%s': resuming after %s: %s",
			 vm->dom->def->name, after, err_msg(e));
}

/* A save that could not finish: the guest goes on as it was. */
static void save_failed(struct qemu_vm *vm, const char *why)
{
	_cleanup_err_ struct err *e = NULL;

	vm->saving = false;
	close_safe(steal_fd(vm->state_fd));
	if (vm->save_resume)
		qemu_vm_resume(vm, "a failed save");
	err_set(&e, EIO, "%s", why);
	daemon_job_done(vm->dmn, vm->dom, -EIO, NULL, e);
}

static void on_save_begun(void *opaque, int r, const struct err *e)
{
	struct qemu_vm *vm = opaque;
	_cleanup_free_ char *why = NULL;

	if (r < 0 && vm->saving) {
		why = xasprintf("saving the state: %s", err_msg(e));
		save_failed(vm, why);
	}
}

/* The end of a save or a restore, as QEMU's MIGRATION event says. */
/*
 * The save file's data on the disk before the domain counts as saved
 * (a managed save is what the next start resumes): fdatasync on a
 * thread of its own, so that nidod's loop serves other clients
 * meanwhile; the loop is woken when it is done.
 */
struct qemu_save_sync {
	pthread_t thread;
	int fd;	 /* the save file (owned) */
	int err; /* fdatasync's errno, 0 */
	atomic_bool done;
	struct loop *loop;
	struct loop_source *wake;
	struct qemu_vm *vm;
	qemu_synced_fn then;
};

static void *sync_thread(void *opaque)
{
	struct qemu_save_sync *s = opaque;

	s->err = fdatasync(s->fd) < 0 ? errno : 0;
	atomic_store(&s->done, true);
	loop_wake(s->loop);
	return NULL;
}

/* Ends @s (its thread done or waited for); the vm forgets it. */
static int sync_end(struct qemu_save_sync *s)
{
	int err = s->err;

	pthread_join(s->thread, NULL);
	loop_source_del(s->loop, s->wake);
	close(s->fd);
	s->vm->sync = NULL;
	free(s);
	return err;
}

static void on_sync_wake(struct loop *l, void *opaque)
{
	struct qemu_save_sync *s = opaque;
	struct qemu_vm *vm = s->vm;
	qemu_synced_fn then = s->then;
	int err;

	(void)l;
	if (!atomic_load(&s->done))
		return; /* another source's wake-up */
	err = sync_end(s);
	then(vm, err);
}

void qemu_vm_sync_begin(struct qemu_vm *vm, qemu_synced_fn then)
{
	_cleanup_err_ struct err *e = NULL;
	struct qemu_save_sync *s = xcalloc(1, sizeof(*s));

	s->fd = steal_fd(vm->state_fd);
	s->loop = vm->dmn->loop;
	s->vm = vm;
	s->then = then;
	s->wake = loop_wake_add(s->loop, on_sync_wake, s, &e);
	if (!s->wake || pthread_create(&s->thread, NULL, sync_thread, s)) {
		loop_source_del(s->loop, s->wake);
		vm->state_fd = s->fd;
		free(s);
		then(vm, EAGAIN);
		return;
	}
	vm->sync = s;
}

/* A save's file on the disk (or not: @err). */
static void save_synced(struct qemu_vm *vm, int err)
{
	if (err) {
		_cleanup_free_ char *why = xasprintf(
			"writing the save file to disk: %s", strerror(err));

		save_failed(vm, why);
		return;
	}
	vm->saving = false;
	vm->saved = true;
	qemu_vm_signal(vm, SIGTERM);
}

void qemu_vm_save_release(struct qemu_vm *vm)
{
	if (vm->sync)
		sync_end(vm->sync);
}

/* query-migrate's answer as domjobinfo's pairs, added to @out. */
static void job_pairs(struct json_object *ret, bool completed,
		      struct json_object *out)
{
	static const char *const ram[][2] = {
		{"transferred", "processed"},
		{"remaining", "remaining"},
		{"total", "total"},
	};
	struct json_object *r = NULL;
	int64_t v;

	json_object_object_add(
		out, "type",
		json_object_new_string(completed ? "completed" : "unbounded"));
	json_object_object_add(out, "operation",
			       json_object_new_string("save"));
	if (!json_object_is_type(ret, json_type_object))
		return;
	if (json_get_int64_opt(ret, "total-time", &v, NULL) > 0 && v >= 0)
		json_object_object_add(out, "time_elapsed_ms",
				       json_object_new_int64(v));
	if (!json_object_object_get_ex(ret, "ram", &r) ||
	    !json_object_is_type(r, json_type_object))
		return;
	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *d = xasprintf("data_%s", ram[i][1]);
		_cleanup_free_ char *m = xasprintf("memory_%s", ram[i][1]);

		if (json_get_int64_opt(r, ram[i][0], &v, NULL) <= 0 || v < 0)
			continue;
		json_object_object_add(out, d, json_object_new_int64(v));
		json_object_object_add(out, m, json_object_new_int64(v));
	}
}

/* The save's last figures kept for domjobinfo --completed, then the
 * file's sync. */
static void on_final_stats(void *opaque, int r, struct json_object *ret,
			   const struct err *e)
{
	struct qemu_vm *vm = opaque;

	(void)e;
	log_debug("domain '%s': final migration figures (%d)",
		  vm->dom->def->name, r);
	if (r == -ECANCELED)
		return; /* the vm is going away */
	json_object_put(vm->dom->job_stats);
	vm->dom->job_stats = json_object_new_object();
	job_pairs(r == 0 ? ret : NULL, true, vm->dom->job_stats);
	if (vm->saving && !vm->sync)
		qemu_vm_sync_begin(vm, save_synced);
}

struct job_query {
	struct json_object *out;
	void (*done)(void *opaque);
	void *opaque;
};

static void on_job_query(void *opaque, int r, struct json_object *ret,
			 const struct err *e)
{
	struct job_query *q = opaque;

	(void)e;
	job_pairs(r == 0 ? ret : NULL, false, q->out);
	json_object_put(q->out);
	q->done(q->opaque);
	free(q);
}

int qemu_jobinfo(struct daemon *dmn, struct domain *dom,
		 struct json_object *out, void (*done)(void *opaque),
		 void *opaque, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	struct job_query *q;

	(void)dmn;
	if (vm->restoring && !vm->restored) {
		json_object_object_add(out, "type",
				       json_object_new_string("unbounded"));
		json_object_object_add(out, "operation",
				       json_object_new_string("restore"));
		return 0;
	}
	if (!vm->saving || !vm->qmp_ready) {
		json_object_object_add(out, "type",
				       json_object_new_string("none"));
		return 0;
	}
	q = xcalloc(1, sizeof(*q));
	*q = (struct job_query){json_object_get(out), done, opaque};
	if (qmp_command(vm->qmp, "query-migrate", NULL, COMMAND_MS,
			on_job_query, q, e) < 0) {
		json_object_put(q->out);
		free(q);
		return err_code(*e);
	}
	return RPC_DEFERRED;
}

void qemu_vm_migration(struct qemu_vm *vm, enum qemu_migration st)
{
	if (st == QEMU_MIGRATION_OTHER)
		return;
	if (vm->msnap) /* a snapshot's memory, not a save */
		return qemu_vm_msnap_migration(vm, st);
	if (vm->saving && st == QEMU_MIGRATION_COMPLETED && !vm->sync) {
		/* all of it is in the file once on the disk: then QEMU
		 * ends, the domain is saved (its figures kept first) */
		_cleanup_err_ struct err *e = NULL;

		if (qmp_command(vm->qmp, "query-migrate", NULL, COMMAND_MS,
				on_final_stats, vm, &e) < 0)
			qemu_vm_sync_begin(vm, save_synced);
	} else if (vm->saving && !vm->sync) {
		save_failed(vm, "QEMU's migration to the save file failed");
	} else if (vm->restoring && !vm->restored && vm->starting &&
		   st == QEMU_MIGRATION_COMPLETED) {
		vm->restored = true;
		close_safe(steal_fd(vm->state_fd));
		qemu_vm_start_running(vm);
	} else if (vm->restoring && !vm->restored && vm->starting) {
		_cleanup_free_ char *last = qemu_vm_log_last_line(vm);
		_cleanup_free_ char *why =
			xasprintf("QEMU could not load the saved state%s%s",
				  last ? ": " : "", last ? last : "");

		qemu_vm_start_failed(vm, why);
	}
}

int qemu_save(struct daemon *dmn, struct domain *dom, int fd, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);

	(void)dmn;
	if (vm->starting || vm->saving || !vm->qmp_ready || vm->msnap) {
		close_safe(fd);
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting, saving or taking a "
				"snapshot");
	}
	vm->state_fd = fd;
	vm->saving = true;
	vm->save_resume = dom->state == DOMAIN_RUNNING;
	qemu_migration_begin(vm->qmp, fd, true, on_save_begun, vm);
	return RPC_DEFERRED;
}
