// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Block jobs on the control socket (api-blockjob.h, docs/vmm-api.md).
 *
 * A job belongs to one disk; nidod starts it with the depths of its top
 * and base in the disk's chain and, for a commit, the base passed open
 * for writing (SCM_RIGHTS: nido-vmm opens nothing) with nidod's locks
 * on it. The job's thread copies (vmm/blockjob.h); what it says (ready,
 * copied, failed) comes to the loop's thread through a wake-up, where a
 * copied pull or commit is completed at once and every change is sent
 * as a "block-job" event. A pivot (block-job-complete) pauses the
 * vCPUs, drains the disk, copies the last dirty grains and switches the
 * disk's image, then resumes them: the guest never sees a half state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "block/chain-edit.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"
#include "vmm/api-blockjob.h"
#include "vmm/api.h"
#include "vmm/blockjob.h"
#include "vmm/virtio/blk-job.h"
#include "vmm/virtio/devices.h"
#include "vmm/vm.h"

#define ID_MAX 64

/* A disk's job. One VM a process: the table is the process's. */
struct vjob {
	struct vm *vm;
	struct virtio_dev *dev;
	unsigned disk;
	char id[ID_MAX];
	struct bjob *job;
	bool ready_sent;
	bool paused; /* quiesce paused the vCPUs: resume them */
};

static struct vjob *jobs[VM_MAX_VIRTIO];
static struct loop_source *wake_src;
static char msg[512];

static void emit(struct vjob *v, const char *status, const char *error)
{
	json_object *o = json_object_new_object();
	struct bjob_info in;

	bjob_get_info(v->job, &in);
	json_object_object_add(o, "event", json_object_new_string("block-job"));
	json_object_object_add(o, "disk", json_object_new_int((int)v->disk));
	json_object_object_add(o, "id", json_object_new_string(v->id));
	json_object_object_add(o, "type",
			       json_object_new_string(bjob_type_name(in.type)));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "cur",
			       json_object_new_int64((int64_t)in.cur));
	json_object_object_add(o, "end",
			       json_object_new_int64((int64_t)in.end));
	if (error)
		json_object_object_add(o, "error",
				       json_object_new_string(error));
	api_emit(v->vm->api,
		 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static void drop(struct vjob *v)
{
	for (unsigned i = 0; i < VM_MAX_VIRTIO; i++)
		if (jobs[i] == v)
			jobs[i] = NULL;
	bjob_free(v->job);
	free(v);
}

/* ---- what the job needs of the disk ---- */

static void vj_quiesce(void *opaque)
{
	struct vjob *v = opaque;

	pthread_mutex_lock(&v->vm->pause_lock);
	v->paused = !v->vm->paused;
	pthread_mutex_unlock(&v->vm->pause_lock);
	if (v->paused)
		vm_pause(v->vm);
	virtio_blk_quiesce(v->dev);
}

static void vj_resume(void *opaque)
{
	struct vjob *v = opaque;

	virtio_blk_resume(v->dev);
	if (v->paused)
		vm_resume(v->vm);
	v->paused = false;
}

static int vj_set_top(void *opaque, struct block *top, struct err **e)
{
	return virtio_blk_set_image(((struct vjob *)opaque)->dev, top, e);
}

static void vj_notify(void *opaque)
{
	loop_wake(((struct vjob *)opaque)->vm->loop);
}

static const struct bjob_disk_ops vj_ops = {vj_quiesce, vj_resume, vj_set_top,
					    vj_notify};

/* The loop's thread: what the jobs' threads said. */
static void on_wake(struct loop *l, void *opaque)
{
	(void)l;
	(void)opaque;
	for (unsigned i = 0; i < VM_MAX_VIRTIO; i++) {
		_cleanup_err_ struct err *e = NULL;
		struct vjob *v = jobs[i];
		struct bjob_info in;

		if (!v)
			continue;
		bjob_get_info(v->job, &in);
		if (in.state == BJOB_READY && !v->ready_sent) {
			v->ready_sent = true;
			emit(v, "ready", NULL);
		} else if (in.state == BJOB_COPIED) {
			if (bjob_complete(v->job, &e) == 0) {
				emit(v, "completed", NULL);
			} else {
				log_warn("block job %s: %s", v->id, err_msg(e));
				bjob_cancel(v->job);
				emit(v, "failed", err_msg(e));
			}
			drop(v);
		} else if (in.state == BJOB_FAILED) {
			_cleanup_free_ char *why = xstrdup(in.error);

			log_warn("block job %s: %s", v->id, why);
			bjob_cancel(v->job);
			emit(v, "failed", why);
			drop(v);
		}
	}
}

/* ---- requests ---- */

/* The writable virtio-blk of "disk", with *@slot its table entry. */
static struct virtio_dev *disk_of(struct vm *vm, json_object *req,
				  unsigned *slot, const char **err)
{
	int64_t n = -1;

	if (json_get_int64(req, "disk", &n, NULL) < 0 || n < 0) {
		*err = "\"disk\" must be a disk's number";
		return NULL;
	}
	for (unsigned i = 0; i < vm->n_virtio; i++) {
		struct virtio_blk_stats st;
		struct bjob_gate *g;

		if (!virtio_blk_stats(vm->virtio[i], &st) || st.index != n)
			continue;
		if (!virtio_blk_image(vm->virtio[i], &g)) {
			*err = "the disk is read-only: no block job on it";
			return NULL;
		}
		*slot = i;
		return vm->virtio[i];
	}
	*err = "no such disk";
	return NULL;
}

static const char *fail(const char *what, const struct err *e)
{
	snprintf(msg, sizeof(msg), "%s: %s", what, err_msg(e));
	return msg;
}

/* block-chain: the disk's images, top first, with the fds that hold
 * them here (nidod takes a copy to lock them: nido-vmm may not). */
static const char *chain(struct vm *vm, json_object *req, json_object *r)
{
	const char *err = NULL;
	unsigned slot;
	struct virtio_dev *d = disk_of(vm, req, &slot, &err);
	json_object *a;
	struct bjob_gate *g;
	struct block *b;

	if (!d)
		return err;
	a = json_object_new_array();
	for (b = virtio_blk_image(d, &g); b; b = block_backing(b)) {
		json_object *o = json_object_new_object();

		json_object_object_add(
			o, "path", json_object_new_string(block_filename(b)));
		json_object_object_add(o, "format",
				       json_object_new_string(block_format(b)));
		json_object_object_add(o, "fd",
				       json_object_new_int(block_fd(b)));
		json_object_array_add(a, o);
	}
	json_object_object_add(r, "images", a);
	return NULL;
}

static int type_of(const char *s, enum bjob_type *t)
{
	static const char *const names[] = {"pull", "commit", "active-commit"};

	for (unsigned i = 0; s && i < ARRAY_SIZE(names); i++) {
		if (streq(s, names[i])) {
			*t = (enum bjob_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *start(struct vm *vm, json_object *req, json_object *r,
			 int *fds, unsigned n_fds)
{
	_cleanup_err_ struct err *e = NULL;
	struct bjob_params p = {.base_fd = -1, .base_flags = BLOCK_OPEN_LOCKED};
	const char *err = NULL, *type = NULL, *id = NULL;
	unsigned slot;
	struct virtio_dev *d = disk_of(vm, req, &slot, &err);
	int64_t top = 0, base = 0;
	struct bjob_gate *g = NULL;
	struct block *top_img;
	struct vjob *v;

	if (!d)
		return err;
	if (json_get_string(req, "type", &type, NULL) < 0 ||
	    type_of(type, &p.type) < 0)
		return "\"type\" must be pull, commit or active-commit";
	if (json_get_string(req, "id", &id, NULL) < 0 || !*id ||
	    strlen(id) >= ID_MAX)
		return "\"id\" must name the job (at most 63 bytes)";
	if (json_get_int64_opt(req, "top", &top, NULL) < 0 ||
	    json_get_int64(req, "base", &base, NULL) < 0 || top < 0 ||
	    top > BLOCK_MAX_CHAIN || base < 0 || base > BLOCK_MAX_CHAIN ||
	    json_get_uint64_opt(req, "speed", &p.speed, NULL) < 0)
		return "\"top\" and \"base\" must be depths in the chain, "
		       "\"speed\" bytes a second";
	if (jobs[slot])
		return "the disk has a block job already";
	if (p.type != BJOB_PULL && (!fds || n_fds != 1))
		return "a commit needs its base passed open for writing";
	if (p.type != BJOB_PULL)
		p.base_fd = steal_fd(fds[0]);
	p.top = (int)top;
	p.base = (int)base;
	if (!wake_src &&
	    !(wake_src = loop_wake_add(vm->loop, on_wake, NULL, &e)))
		return fail("block-job-start", e);
	v = xcalloc(1, sizeof(*v));
	*v = (struct vjob){.vm = vm, .dev = d};
	v->disk = (unsigned)json_object_get_int(
		json_object_object_get(req, "disk"));
	snprintf(v->id, sizeof(v->id), "%s", id);
	top_img = virtio_blk_image(d, &g);
	if (bjob_start(top_img, g, &p, &vj_ops, v, &v->job, &e) < 0) {
		free(v);
		return fail("block-job-start", e);
	}
	jobs[slot] = v;
	json_object_object_add(r, "id", json_object_new_string(v->id));
	return NULL;
}

static struct vjob *job_of(struct vm *vm, json_object *req, const char **err)
{
	unsigned slot;

	if (!disk_of(vm, req, &slot, err))
		return NULL;
	if (!jobs[slot])
		*err = "no block job on the disk";
	return jobs[slot];
}

static void info(struct vjob *v, json_object *r)
{
	struct bjob_info in;

	if (!v)
		return;
	bjob_get_info(v->job, &in);
	json_object_object_add(r, "id", json_object_new_string(v->id));
	json_object_object_add(r, "type",
			       json_object_new_string(bjob_type_name(in.type)));
	json_object_object_add(
		r, "state", json_object_new_string(bjob_state_name(in.state)));
	json_object_object_add(r, "cur",
			       json_object_new_int64((int64_t)in.cur));
	json_object_object_add(r, "end",
			       json_object_new_int64((int64_t)in.end));
	json_object_object_add(r, "speed",
			       json_object_new_int64((int64_t)in.speed));
	json_object_object_add(r, "ready",
			       json_object_new_boolean(in.state == BJOB_READY));
}

const char *api_blockjob(struct vm *vm, const char *cmd, json_object *req,
			 json_object *r, int *fds, unsigned n_fds)
{
	_cleanup_err_ struct err *e = NULL;
	const char *err = NULL;
	struct vjob *v;
	uint64_t speed = 0;

	if (streq(cmd, "block-chain"))
		return chain(vm, req, r);
	if (streq(cmd, "block-job-start"))
		return start(vm, req, r, fds, n_fds);
	if (streq(cmd, "block-job-info")) {
		unsigned slot;

		if (!disk_of(vm, req, &slot, &err))
			return err;
		info(jobs[slot], r);
		return NULL;
	}
	if (!streq(cmd, "block-job-set-speed") &&
	    !streq(cmd, "block-job-complete") &&
	    !streq(cmd, "block-job-cancel"))
		return "unknown block request (block-chain, block-job-start, "
		       "block-job-info, block-job-set-speed, "
		       "block-job-complete, block-job-cancel)";
	if (!(v = job_of(vm, req, &err)))
		return err;
	if (streq(cmd, "block-job-set-speed")) {
		if (json_get_uint64(req, "speed", &speed, NULL) < 0)
			return "\"speed\" must be bytes a second";
		bjob_set_speed(v->job, speed);
	} else if (streq(cmd, "block-job-complete")) {
		if (bjob_complete(v->job, &e) < 0)
			return fail("block-job-complete", e);
		emit(v, "completed", NULL);
		drop(v);
	} else {
		bjob_cancel(v->job);
		emit(v, "cancelled", NULL);
		drop(v);
	}
	return NULL;
}

bool api_blockjob_running(void)
{
	for (unsigned i = 0; i < VM_MAX_VIRTIO; i++)
		if (jobs[i])
			return true;
	return false;
}

void api_blockjob_stop_all(void)
{
	for (unsigned i = 0; i < VM_MAX_VIRTIO; i++)
		if (jobs[i])
			drop(jobs[i]);
	wake_src = NULL; /* freed with the loop */
}
