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

#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "lib/json.h"

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
