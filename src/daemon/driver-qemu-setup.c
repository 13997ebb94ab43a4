// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the qemu driver sets through QMP once QEMU is up and before its
 * vCPUs run (driver-qemu.h), one step after the other, as libvirt sets
 * it before cont: each disk's <iotune> (driver-qemu-tune.c), the
 * balloon's <stats period> (qom-set guest-stats-polling-interval), and
 * the link of each interface that starts down (set_link) and each
 * cdrom or floppy defined with <target tray='open'> (its tray opened,
 * or its diskette taken out), so that the guest's first instruction
 * already sees them.
 */
#include <errno.h>

#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "lib/json.h"

#define SETUP_MS 10000

enum setup_step {
	STEP_IOTUNE,
	STEP_POLLING,
	STEP_LINKS,
	STEP_TRAYS,
	STEP_DONE
};

struct setup {
	struct qmp *q;
	const struct domain_def *def; /* borrowed: see qemu_setup_run() */
	enum setup_step step;
	size_t link; /* STEP_LINKS: the next interface to look at */
	size_t tray; /* STEP_TRAYS: the next disk to look at */
	qemu_setup_fn done;
	void *opaque;
};

static void next(struct setup *s);

/* Ends @s: @r 0, or -errno with @why (its step's words). */
static void finish(struct setup *s, int r, const char *what,
		   const struct err *e)
{
	_cleanup_err_ struct err *why = NULL;

	if (r < 0)
		err_set(&why, -r, "%s: %s", what, err_msg(e));
	s->done(s->opaque, r, why);
	free(s);
}

static void on_iotune(void *opaque, int r, struct json_object *res,
		      const struct err *e)
{
	struct setup *s = opaque;

	json_object_put(res);
	if (r < 0) {
		finish(s, r, "disk I/O limits", e);
		return;
	}
	s->step = STEP_POLLING;
	next(s);
}

static void on_polling(void *opaque, int r, struct json_object *ret,
		       const struct err *e)
{
	struct setup *s = opaque;

	if (r < 0) {
		finish(s, r, "balloon statistics", e);
		return;
	}
	s->step = STEP_LINKS;
	next(s);
}

static void on_link(void *opaque, int r, struct json_object *ret,
		    const struct err *e)
{
	struct setup *s = opaque;
	_cleanup_free_ char *what = NULL;

	if (r < 0) {
		what = xasprintf("interface %zu: set_link", s->link);
		finish(s, r, what, e);
		return;
	}
	s->link++;
	next(s);
}

static void on_tray(void *opaque, int r, struct json_object *ret,
		    const struct err *e)
{
	struct setup *s = opaque;
	_cleanup_free_ char *what = NULL;

	if (r < 0) {
		what = xasprintf("disk '%s': opening its tray",
				 s->def->disks[s->tray].target);
		finish(s, r, what, e);
		return;
	}
	s->tray++;
	next(s);
}

/*
 * The next disk from s->tray on defined with its tray open: a cdrom's
 * tray is opened (blockdev-open-tray: its medium stays in the open
 * tray, as a drive's eject button leaves it, and the guest may close
 * it); a floppy drive has no tray in QEMU, its diskette is taken out
 * (blockdev-remove-medium), what an open drive shows the guest. 1 when
 * one was sent, 0 when none is left.
 */
static int send_tray(struct setup *s, struct err **e)
{
	const struct domain_def *def = s->def;
	_cleanup_json_ struct json_object *args = NULL;
	_cleanup_free_ char *id = NULL;
	bool floppy;

	while (s->tray < def->n_disks &&
	       def->disks[s->tray].opts.tray != DISK_TRAY_OPEN)
		s->tray++;
	if (s->tray >= def->n_disks)
		return 0;
	floppy = def->disks[s->tray].device == DISK_DEVICE_FLOPPY;
	args = json_object_new_object();
	id = xasprintf("disk%zu", s->tray);
	json_object_object_add(args, "id", json_object_new_string(id));
	if (floppy)
		return qmp_command(s->q, "blockdev-remove-medium", args,
				   SETUP_MS, on_tray, s, e) < 0
			       ? err_code(*e)
			       : 1;
	json_object_object_add(args, "force", json_object_new_boolean(true));
	if (qmp_command(s->q, "blockdev-open-tray", args, SETUP_MS, on_tray, s,
			e) < 0)
		return err_code(*e);
	return 1;
}

/* <stats period>: the guest reports its memory that often. */
static int send_polling(struct setup *s, struct err **e)
{
	_cleanup_json_ struct json_object *args = json_object_new_object();

	json_object_object_add(args, "path",
			       json_object_new_string(QEMU_BALLOON_PATH));
	json_object_object_add(
		args, "property",
		json_object_new_string("guest-stats-polling-interval"));
	json_object_object_add(
		args, "value",
		json_object_new_int64(s->def->hw.balloon_period));
	return qmp_command(s->q, "qom-set", args, SETUP_MS, on_polling, s, e);
}

/* The next interface from s->link on that starts with its link down
 * gets set_link; 1 when one was sent, 0 when none is left. */
static int send_link(struct setup *s, struct err **e)
{
	const struct domain_def *def = s->def;
	_cleanup_json_ struct json_object *args = NULL;
	_cleanup_free_ char *id = NULL;

	while (s->link < def->n_nets &&
	       def->nets[s->link].link != DOMAIN_TRISTATE_OFF)
		s->link++;
	if (s->link >= def->n_nets)
		return 0;
	args = json_object_new_object();
	id = xasprintf("net%zu", s->link);
	json_object_object_add(args, "name", json_object_new_string(id));
	json_object_object_add(args, "up", json_object_new_boolean(false));
	if (qmp_command(s->q, "set_link", args, SETUP_MS, on_link, s, e) < 0)
		return err_code(*e);
	return 1;
}

static void next(struct setup *s)
{
	_cleanup_err_ struct err *e = NULL;
	int r;

	switch (s->step) {
	case STEP_IOTUNE:
		qemu_iotune_apply(s->q, s->def, on_iotune, s);
		return;
	case STEP_POLLING:
		if (s->def->hw.balloon != BALLOON_NONE &&
		    s->def->hw.balloon_period) {
			if (send_polling(s, &e) < 0)
				finish(s, err_code(e), "balloon statistics", e);
			return;
		}
		s->step = STEP_LINKS;
		next(s);
		return;
	case STEP_LINKS:
		if ((r = send_link(s, &e)) < 0) {
			finish(s, r, "set_link", e);
		} else if (r == 0) {
			s->step = STEP_TRAYS;
			next(s);
		}
		return;
	case STEP_TRAYS:
		if ((r = send_tray(s, &e)) < 0)
			finish(s, r, "opening a tray", e);
		else if (r == 0)
			finish(s, 0, NULL, NULL);
		return;
	case STEP_DONE:
		finish(s, 0, NULL, NULL);
		return;
	}
}

void qemu_setup_run(struct qmp *q, const struct domain_def *def,
		    qemu_setup_fn done, void *opaque)
{
	struct setup *s = xcalloc(1, sizeof(*s));

	s->q = q;
	s->def = def;
	s->done = done;
	s->opaque = opaque;
	next(s);
}
