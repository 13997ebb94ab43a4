// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A running QEMU guest's disk chains changed (docs/snapshots.md):
 * external disk-only snapshots (driver.h's ->disk_snapshot) and the
 * block jobs of virsh's blockcommit, blockpull and blockjob
 * (->blockjob).
 *
 * nidod knows each disk's chain as QEMU has it (vm->dchains: node names
 * and files, top first), recorded at the start and kept as snapshots
 * and jobs change it. A snapshot's overlay is made by nidod and passed
 * as a descriptor (add-fd), then blockdev-add of its file and qcow2
 * nodes, and one transaction of blockdev-snapshot for every disk, as
 * libvirt does with -blockdev. A job (block-commit, block-stream) runs
 * in QEMU: JOB_STATUS_CHANGE "ready" says an active commit may pivot
 * (job-complete), "concluded" that it ended: query-jobs says whether it
 * failed, job-dismiss lets it go, and the chain and the definitions
 * (live, and persistent) follow what it did. One job per disk; ids are
 * unique in this daemon's life.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "block/block.h"
#include "daemon/blockjob-common.h"
#include "daemon/domain.h"
#include "daemon/driver-qemu-priv.h"
#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "daemon/snapshot.h"
#include "daemon/store.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

/* One image of a disk's chain in QEMU. */
struct qemu_dimg {
	char *node;	 /* its format node */
	char *file_node; /* ... and the file node below */
	char *path;	 /* its file */
	char *format;	 /* "qcow2", "raw" */
	int64_t fdset;	 /* the fd set its descriptor is in */
};

struct qemu_dchain {
	struct qemu_dimg *img; /* top first */
	size_t n;
	char *last_id;	     /* the last block job that ended; NULL: none */
	char *last_error;    /* ... why it failed; NULL: it did not */
	bool last_cancelled; /* ... it was aborted (blockjob --abort) */
};

struct qemu_bjob {
	char id[40];
	enum driver_blockjob_op op; /* COMMIT or PULL */
	bool active;		    /* an active commit: pivots when asked */
	bool ready, pivoted, cancelled, concluded;
	size_t top, base; /* chain indexes; base n: none (a full pull) */
	/* driver_blockjob.finish: told at the end (then NULL) */
	driver_done_fn end;
	void *end_opaque;
};

static void tell_end(struct qemu_bjob *j, int r, const char *why)
{
	blockjob_tell_end(&j->end, j->end_opaque, j->id, r, why);
}

static unsigned job_count; /* numbers the ids of this daemon's life */

static void dimg_clear(struct qemu_dimg *m)
{
	free(m->node);
	free(m->file_node);
	free(m->path);
	free(m->format);
}

static void dchain_clear(struct qemu_dchain *c)
{
	for (size_t j = 0; j < c->n; j++)
		dimg_clear(&c->img[j]);
	free(c->img);
	free(c->last_id);
	free(c->last_error);
	*c = (struct qemu_dchain){0};
}

/* @m (taken) becomes image @at of the chain. */
static void dchain_insert(struct qemu_dchain *c, size_t at,
			  const struct qemu_dimg *m)
{
	c->img = xreallocarray(c->img, c->n + 1, sizeof(*c->img));
	memmove(c->img + at + 1, c->img + at, (c->n - at) * sizeof(*c->img));
	c->img[at] = *m;
	c->n++;
}

static void on_dropped(void *opaque, int r, struct json_object *ret,
		       const struct err *e)
{
	struct qemu_vm *vm = opaque;

	(void)ret;
	if (r < 0 && r != -ECANCELED)
		log_warn("domain '%s': an image left in QEMU: %s",
			 vm->dom->def->name, err_msg(e));
}

/* Drops images [@from, @to) of the chain: QEMU lets their nodes and
 * descriptors go (the images' locks with them). */
static void dchain_drop(struct qemu_vm *vm, struct qemu_dchain *c, size_t from,
			size_t to)
{
	for (size_t j = from; j < to; j++) {
		struct qemu_dimg *m = &c->img[j];
		const char *cmds[] = {"blockdev-del", "blockdev-del",
				      "remove-fd"};

		for (size_t k = 0; k < ARRAY_SIZE(cmds); k++) {
			_cleanup_json_ struct json_object *args =
				json_object_new_object();

			if (k < 2)
				json_object_object_add(
					args, "node-name",
					json_object_new_string(k ? m->file_node
								 : m->node));
			else
				json_object_object_add(
					args, "fdset-id",
					json_object_new_int64(m->fdset));
			if (qmp_command(vm->qmp, cmds[k], args, COMMAND_MS,
					on_dropped, vm, NULL) < 0)
				break;
		}
		dimg_clear(m);
	}
	memmove(c->img + from, c->img + to, (c->n - to) * sizeof(*c->img));
	c->n -= to - from;
}

void qemu_vm_record_chains(struct qemu_vm *vm, const struct domain_def *def)
{
	vm->dchains = xcalloc(def->n_disks + 1, sizeof(*vm->dchains));
	vm->bjobs = xcalloc(def->n_disks + 1, sizeof(*vm->bjobs));
	vm->n_dchains = def->n_disks;
	int64_t set = 1; /* as qemu_argv_build() numbers them */

	for (size_t i = 0; i < def->n_disks && i < vm->n_chains; i++) {
		const struct domain_disk *d = &def->disks[i];
		const struct block_chain *ch = &vm->chains[i];
		/* a network disk, a transient one, a copy-on-read filter:
		 * not a chain nidod changes */
		bool skip = d->net || d->transient ||
			    d->opts.copy_on_read == DOMAIN_TRISTATE_ON;

		for (int j = 0; j < ch->n; j++, set++) {
			const char *f = ch->files[j].format;

			if (skip)
				continue;
			dchain_insert(
				&vm->dchains[i], (size_t)j,
				&(struct qemu_dimg){
					.node = xasprintf("d%zu-%d", i, j),
					.file_node = xasprintf("f%zu-%d", i, j),
					.path = xstrdup(ch->files[j].path),
					.format = xstrdup(f ? f : "raw"),
					.fdset = set,
				});
		}
	}
}

void qemu_vm_blockjobs_release(struct qemu_vm *vm)
{
	for (size_t i = 0; i < vm->n_dchains; i++) {
		struct qemu_bjob *j = steal_ptr(vm->bjobs[i]);

		dchain_clear(&vm->dchains[i]);
		if (j)
			tell_end(j, -EIO, "ended with QEMU");
		free(j);
	}
	free(vm->dchains);
	free(vm->bjobs);
	vm->dchains = NULL;
	vm->bjobs = NULL;
	vm->n_dchains = 0;
}

char *qemu_vm_disk_top(const struct qemu_vm *vm, size_t i)
{
	if (vm->dchains && i < vm->n_dchains && vm->dchains[i].n)
		return xstrdup(vm->dchains[i].img[0].node);
	return qemu_disk_top_node(&vm->dom->def->disks[i], i);
}

/* Disk @name's index (its target, or its image's path), or -errno. */
static int disk_index(const struct qemu_vm *vm, const char *name,
		      struct err **e)
{
	const struct domain_def *def = vm->dom->def;

	for (size_t i = 0; i < def->n_disks; i++)
		if (streq(def->disks[i].target, name) ||
		    (def->disks[i].source && streq(def->disks[i].source, name)))
			return (int)i;
	return err_setk(e, ERR_INVALID_ARG, ENOENT,
			"no disk '%s' in the running domain", name);
}

/* The live definition kept for a restarted nidod (it names the chains
 * it rebuilds from QEMU's nodes). */
static void live_save(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *e = NULL;

	if (store_live_save(&vm->dmn->store, &domain_kind, vm->dom->def, &e) <
	    0)
		log_warn("domain '%s': %s", vm->dom->def->name, err_msg(e));
}

/* The live definition (with @persist the persistent one too, and the
 * live one kept) names disk @i's chain as QEMU's now is. */
static void chain_set(struct qemu_vm *vm, size_t i, bool persist)
{
	const struct qemu_dchain *c = &vm->dchains[i];
	const char **paths = xcalloc(c->n + 1, sizeof(*paths));
	const char **formats = xcalloc(c->n + 1, sizeof(*formats));

	for (size_t j = 0; j < c->n; j++) {
		paths[j] = c->img[j].path;
		formats[j] = c->img[j].format;
	}
	blockjob_chain_changed(vm->dmn, vm->dom, i, paths, formats, c->n,
			       persist);
	free(paths);
	free(formats);
	/* a job's end; a snapshot saves once, after all its disks */
	if (persist)
		live_save(vm);
}

static int need_qmp(const struct qemu_vm *vm, struct err **e)
{
	if (!vm || !vm->qmp_ready || vm->starting)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"QEMU is not ready");
	if (!vm->dchains)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the disks' chains of this QEMU are not known "
				"(nidod re-attached to it and could not read "
				"them from its block nodes)");
	return 0;
}

/* ---- external snapshots ---- */

/* One disk's overlay on its way into QEMU. */
struct xs_disk {
	size_t disk;
	int fd; /* the overlay, open for writing (its lock with it) */
	int64_t fdset;
	char *node, *file_node;
	int added; /* in QEMU: 1 its fd, 2 its file node, 3 its qcow2 node */
};

struct xsnap {
	struct qemu_vm *vm;
	const struct snapshot_def *sn;
	driver_done_fn done;
	void *opaque;
	struct xs_disk *d;
	size_t n, at;
	int step; /* of disk @at: 0 add-fd, 1 file node, 2 format node */
};

static void xsnap_free(struct xsnap *x)
{
	for (size_t k = 0; k < x->n; k++) {
		close_safe(x->d[k].fd);
		free(x->d[k].node);
		free(x->d[k].file_node);
	}
	free(x->d);
	free(x);
}

static void xsnap_finish(struct xsnap *x, int r, const struct err *e)
{
	struct qemu_vm *vm = x->vm;

	vm->xsnap = NULL;
	/* a failure: QEMU lets go of what it got, as much as it did */
	for (size_t k = 0; r < 0 && vm->qmp_ready && k < x->n; k++) {
		const struct xs_disk *d = &x->d[k];

		for (int a = d->added; a > 0; a--) {
			_cleanup_json_ struct json_object *args =
				json_object_new_object();

			if (a == 1)
				json_object_object_add(
					args, "fdset-id",
					json_object_new_int64(d->fdset));
			else
				json_object_object_add(
					args, "node-name",
					json_object_new_string(
						a == 3 ? d->node
						       : d->file_node));
			qmp_command(vm->qmp,
				    a == 1 ? "remove-fd" : "blockdev-del", args,
				    COMMAND_MS, on_dropped, vm, NULL);
		}
	}
	if (r == 0)
		for (size_t k = 0; k < x->n; k++) {
			size_t i = x->d[k].disk;
			const struct snapshot_disk *s = NULL;

			for (size_t j = 0; j < x->sn->n_disks; j++)
				if (streq(x->sn->disks[j].name,
					  vm->dom->def->disks[i].target))
					s = &x->sn->disks[j];
			dchain_insert(&vm->dchains[i], 0,
				      &(struct qemu_dimg){
					      .node = steal_ptr(x->d[k].node),
					      .file_node = steal_ptr(
						      x->d[k].file_node),
					      .path = xstrdup(s->file),
					      .format = xstrdup("qcow2"),
					      .fdset = x->d[k].fdset,
				      });
			chain_set(vm, i, false);
		}
	if (r == 0)
		live_save(vm);
	x->done(x->opaque, r, e);
	xsnap_free(x);
}

static void xsnap_next(struct xsnap *x);

static void on_xsnap(void *opaque, int r, struct json_object *ret,
		     const struct err *qe)
{
	struct xsnap *x = opaque;
	_cleanup_err_ struct err *e = NULL;

	if (r < 0) {
		err_set(&e, -r, "external snapshot: %s", err_msg(qe));
		return xsnap_finish(x, r, e);
	}
	if (x->at < x->n && x->step == 0 &&
	    (json_get_int64_opt(ret, "fdset-id", &x->d[x->at].fdset, NULL) <=
		     0 ||
	     x->d[x->at].fdset < 0)) {
		err_set(&e, EPROTO, "QMP 'add-fd': no fdset-id");
		return xsnap_finish(x, -EPROTO, e);
	}
	if (x->at == x->n) /* the transaction */
		return xsnap_finish(x, 0, NULL);
	if (x->at < x->n && x->step == 0)
		close_safe(steal_fd(x->d[x->at].fd)); /* QEMU has it */
	if (x->at < x->n)
		x->d[x->at].added = x->step + 1;
	if (++x->step == 3) {
		x->step = 0;
		x->at++;
	}
	xsnap_next(x);
}

static void xsnap_next(struct xsnap *x)
{
	struct qemu_vm *vm = x->vm;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *args = json_object_new_object();
	const char *cmd = "blockdev-add";
	int fd = -1, r;

	if (x->at == x->n) {
		struct json_object *acts = json_object_new_array();

		cmd = "transaction";
		for (size_t k = 0; k < x->n; k++) {
			struct json_object *a = json_object_new_object();
			struct json_object *d = json_object_new_object();

			json_object_object_add(
				a, "type",
				json_object_new_string("blockdev-snapshot"));
			json_object_object_add(
				d, "node",
				json_object_new_string(
					vm->dchains[x->d[k].disk].img[0].node));
			json_object_object_add(
				d, "overlay",
				json_object_new_string(x->d[k].node));
			json_object_object_add(a, "data", d);
			json_object_array_add(acts, a);
		}
		json_object_object_add(args, "actions", acts);
	} else if (x->step == 0) {
		cmd = "add-fd";
		fd = x->d[x->at].fd;
	} else if (x->step == 1) {
		struct xs_disk *d = &x->d[x->at];
		char *path = xasprintf("/dev/fdset/%" PRId64, d->fdset);

		json_object_object_add(args, "driver",
				       json_object_new_string("file"));
		json_object_object_add(args, "filename",
				       json_object_new_string(path));
		free(path);
		json_object_object_add(args, "node-name",
				       json_object_new_string(d->file_node));
		/* nidod's image lock is on this very file */
		json_object_object_add(args, "locking",
				       json_object_new_string("off"));
	} else {
		struct xs_disk *d = &x->d[x->at];

		json_object_object_add(args, "driver",
				       json_object_new_string("qcow2"));
		json_object_object_add(args, "file",
				       json_object_new_string(d->file_node));
		json_object_object_add(args, "node-name",
				       json_object_new_string(d->node));
		/* blockdev-snapshot gives it the old top as backing */
		json_object_object_add(args, "backing", NULL);
	}
	r = fd >= 0 ? qmp_command_fd(vm->qmp, cmd, args, fd, COMMAND_MS,
				     on_xsnap, x, &e)
		    : qmp_command(vm->qmp, cmd, args, COMMAND_MS, on_xsnap, x,
				  &e);
	if (r < 0)
		xsnap_finish(x, r, e);
}

struct xsnap *qemu_vm_xsnap_prepare(struct qemu_vm *vm,
				    const struct snapshot_def *sn,
				    driver_done_fn done, void *opaque,
				    struct err **e)
{
	struct xsnap *x;
	int r = 0;

	if (need_qmp(vm, e) < 0)
		return NULL;
	x = xcalloc(1, sizeof(*x));
	x->vm = vm;
	x->sn = sn;
	x->done = done;
	x->opaque = opaque;
	x->d = xcalloc(sn->n_disks + 1, sizeof(*x->d));
	for (size_t j = 0; j < sn->n_disks && r == 0; j++) {
		const struct snapshot_disk *s = &sn->disks[j];
		struct xs_disk *d;
		int i;

		if (s->kind != SNAPSHOT_DISK_EXTERNAL)
			continue;
		if ((r = disk_index(vm, s->name, e)) < 0)
			break;
		i = r;
		r = 0;
		if (!vm->dchains[i].n)
			r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				     "disk '%s': its chain is not one nidod "
				     "changes (network, transient, "
				     "copy-on-read)",
				     s->name);
		else if (vm->bjobs[i])
			r = err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				     "disk '%s' already has a block job "
				     "(blockjob --info)",
				     s->name);
		if (r < 0)
			break;
		d = &x->d[x->n++];
		d->disk = (size_t)i;
		d->fd = -1;
		d->node = xasprintf("o%zu-%u", d->disk, ++job_count);
		d->file_node = xasprintf("%sf", d->node);
		r = snapshot_overlay_open(s->file, &d->fd, e);
	}
	if (r < 0) {
		xsnap_free(x);
		return NULL;
	}
	return x;
}

void qemu_vm_xsnap_run(struct xsnap *x)
{
	x->vm->xsnap = x;
	xsnap_next(x);
}

void qemu_vm_xsnap_drop(struct xsnap *x)
{
	if (x)
		xsnap_free(x);
}

int qemu_disk_snapshot(struct daemon *dmn, struct domain *dom,
		       const struct snapshot_def *sn, driver_done_fn done,
		       void *opaque, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	struct xsnap *x;

	(void)dmn;
	if (need_qmp(vm, e) < 0)
		return err_code(*e);
	if (vm->snap || vm->saving || vm->xsnap || vm->msnap)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"another job is running");
	if (!(x = qemu_vm_xsnap_prepare(vm, sn, done, opaque, e)))
		return err_code(*e);
	qemu_vm_xsnap_run(x);
	return 0;
}

void qemu_vm_xsnap_release(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *e = NULL;

	if (!vm->xsnap)
		return;
	err_set(&e, EIO, "external snapshot: QEMU ended");
	xsnap_finish(vm->xsnap, -EIO, e);
}

/* ---- block jobs ---- */

/* A request in flight: the RPC call's done, with the answer's object. */
struct bj_call {
	struct qemu_vm *vm;
	size_t disk;
	enum driver_blockjob_op op;
	struct json_object *out; /* borrowed */
	driver_done_fn done;
	void *opaque;
};

static void on_bj(void *opaque, int r, struct json_object *ret,
		  const struct err *qe)
{
	struct bj_call *c = opaque;
	struct qemu_vm *vm = c->vm;
	struct qemu_bjob *j = vm->bjobs ? vm->bjobs[c->disk] : NULL;
	_cleanup_err_ struct err *e = NULL;
	size_t n = json_object_is_type(ret, json_type_array)
			   ? json_object_array_length(ret)
			   : 0;

	if (r < 0) {
		err_set(&e, -r, "%s", err_msg(qe));
		/* a job QEMU did not take is no job */
		if (j && (c->op == BLOCKJOB_COMMIT || c->op == BLOCKJOB_PULL) &&
		    !j->concluded) {
			free(j);
			vm->bjobs[c->disk] = NULL;
		}
	} else if (j && j->end && c->op == BLOCKJOB_COMMIT) {
		free(c); /* @done follows the job's end */
		return;
	}
	if (r == 0 && c->op == BLOCKJOB_INFO) {
		const struct qemu_dchain *ch = &vm->dchains[c->disk];
		const char *type = "none";

		blockjob_out_last(c->out, ch->last_id, ch->last_error,
				  ch->last_cancelled);
		if (j)
			json_object_object_add(c->out, "job",
					       json_object_new_string(j->id));
		for (size_t k = 0; j && !j->concluded && k < n; k++) {
			struct json_object *o =
				json_object_array_get_idx(ret, k);
			const char *dev = NULL;
			int64_t cur = 0, end = 0, speed = 0;
			bool ready = false;

			if (json_get_string_opt(o, "device", &dev, NULL) <= 0 ||
			    !streq(dev, j->id))
				continue;
			json_get_int64_opt(o, "offset", &cur, NULL);
			json_get_int64_opt(o, "len", &end, NULL);
			json_get_bool_opt(o, "ready", &ready, NULL);
			json_get_int64_opt(o, "speed", &speed, NULL);
			blockjob_out_progress(c->out, NULL, cur, end, ready,
					      speed);
			type = j->op == BLOCKJOB_PULL ? "pull"
			       : j->active	      ? "active-commit"
						      : "commit";
		}
		json_object_object_add(c->out, "type",
				       json_object_new_string(type));
	}
	c->done(c->opaque, r, e);
	free(c);
}

static int bj_send(struct bj_call *c, const char *cmd, struct json_object *args,
		   struct err **e)
{
	int r = qmp_command(c->vm->qmp, cmd, args, COMMAND_MS, on_bj, c, e);

	json_object_put(args);
	if (r < 0)
		free(c);
	return r;
}

/* Index of @path in disk @i's chain, from @from on; -errno if none. */
static int chain_index(const struct qemu_dchain *c, const char *path,
		       size_t from, const char *what, struct err **e)
{
	for (size_t j = from; j < c->n; j++)
		if (streq(c->img[j].path, path))
			return (int)j;
	return err_setk(e, ERR_INVALID_ARG, ENOENT,
			"%s '%s' is not in the disk's backing chain%s", what,
			path, from ? " below the top image" : "");
}

static void add_s(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* Where a blockcommit or blockpull goes in the chain: *@t the top,
 * *@b the base (chain indexes). */
static int check_job(const struct qemu_dchain *ch,
		     const struct driver_blockjob *req, int *t, int *b,
		     struct err **e)
{
	*t = 0;
	*b = (int)ch->n - 1;
	if (ch->n < 2)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"disk '%s' has no backing image: nothing to "
				"%s",
				req->disk,
				req->op == BLOCKJOB_PULL ? "pull" : "commit");
	if (req->op == BLOCKJOB_PULL && (req->top || req->active))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"blockpull takes no --top and no --active");
	if (req->op == BLOCKJOB_COMMIT && req->top &&
	    (*t = chain_index(ch, req->top, 0, "top", e)) < 0)
		return *t;
	if (req->base &&
	    (*b = chain_index(ch, req->base, (size_t)*t + 1, "base", e)) < 0)
		return *b;
	if (req->op == BLOCKJOB_COMMIT && *t == 0 && !req->active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"commit of disk '%s''s active layer needs "
				"--active",
				req->disk);
	if (req->op == BLOCKJOB_COMMIT && *t > 0 && req->active)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--active with --top '%s': the top is not "
				"the active layer",
				req->top);
	return 0;
}

/* blockcommit, blockpull: the job's QMP command (@c taken). */
static int start_job(struct bj_call *c, const struct driver_blockjob *req,
		     struct err **e)
{
	struct qemu_vm *vm = c->vm;
	const struct qemu_dchain *ch = &vm->dchains[c->disk];
	struct json_object *args;
	struct qemu_bjob *j;
	int t, b;

	if (check_job(ch, req, &t, &b, e) < 0) {
		free(c);
		return err_code(*e);
	}
	j = xcalloc(1, sizeof(*j));
	snprintf(j->id, sizeof(j->id), "nido-%s-%u",
		 req->op == BLOCKJOB_PULL ? "pull" : "commit", ++job_count);
	j->op = req->op;
	j->active = req->op == BLOCKJOB_COMMIT && t == 0;
	j->top = (size_t)t;
	j->base = req->op == BLOCKJOB_PULL && !req->base ? ch->n : (size_t)b;
	if (req->finish && req->op == BLOCKJOB_COMMIT) {
		j->end = c->done;
		j->end_opaque = c->opaque;
	}
	args = json_object_new_object();
	add_s(args, "job-id", j->id);
	add_s(args, "device", ch->img[0].node);
	json_object_object_add(args, "auto-dismiss",
			       json_object_new_boolean(false));
	if (req->bandwidth)
		json_object_object_add(
			args, "speed",
			json_object_new_int64((int64_t)req->bandwidth));
	if (req->op == BLOCKJOB_PULL) {
		if (req->base) {
			add_s(args, "base-node", ch->img[b].node);
			/* QEMU would record the node's name */
			add_s(args, "backing-file", ch->img[b].path);
		}
	} else {
		add_s(args, "top-node", ch->img[t].node);
		add_s(args, "base-node", ch->img[b].node);
		if (t > 0)
			add_s(args, "backing-file", ch->img[b].path);
	}
	size_t disk = c->disk;

	vm->bjobs[disk] = j;
	if (bj_send(c,
		    req->op == BLOCKJOB_PULL ? "block-stream" : "block-commit",
		    args, e) < 0) {
		vm->bjobs[disk] = NULL;
		free(j);
		return err_code(*e);
	}
	return 0;
}

int qemu_blockjob(struct daemon *dmn, struct domain *dom,
		  const struct driver_blockjob *req, struct json_object *out,
		  driver_done_fn done, void *opaque, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	struct qemu_bjob *j;
	struct bj_call *c;
	struct json_object *args;
	int i;

	(void)dmn;
	if (need_qmp(vm, e) < 0 || (i = disk_index(vm, req->disk, e)) < 0)
		return err_code(*e);
	if (!vm->dchains[i].n)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"disk '%s': its chain is not one nidod changes "
				"(network, transient, copy-on-read)",
				req->disk);
	j = vm->bjobs[i];
	if ((req->op == BLOCKJOB_COMMIT || req->op == BLOCKJOB_PULL) && j)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"disk '%s' already has a block job: %s",
				req->disk, j->id);
	if ((req->op == BLOCKJOB_COMMIT || req->op == BLOCKJOB_PULL) &&
	    (vm->xsnap || vm->snap || vm->msnap))
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"a snapshot is being taken");
	if ((req->op == BLOCKJOB_ABORT || req->op == BLOCKJOB_PIVOT ||
	     req->op == BLOCKJOB_SPEED) &&
	    (!j || j->concluded))
		return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				"no active block job on disk '%s'", req->disk);
	if (req->op == BLOCKJOB_PIVOT && (!j->active || !j->ready))
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				!j->active ? "disk '%s': job %s is no active "
					     "commit: nothing to pivot to"
					   : "disk '%s' not ready for pivot "
					     "yet (job %s)",
				req->disk, j->id);
	c = xcalloc(1, sizeof(*c));
	*c = (struct bj_call){vm, (size_t)i, req->op, out, done, opaque};
	switch (req->op) {
	case BLOCKJOB_COMMIT:
	case BLOCKJOB_PULL:
		if (start_job(c, req, e) < 0)
			return err_code(*e);
		json_object_object_add(
			out, "job", json_object_new_string(vm->bjobs[i]->id));
		return 0;
	case BLOCKJOB_INFO:
		return bj_send(c, "query-block-jobs", NULL, e);
	case BLOCKJOB_ABORT:
		j->cancelled = true;
		args = json_object_new_object();
		add_s(args, "device", j->id);
		return bj_send(c, "block-job-cancel", args, e);
	case BLOCKJOB_PIVOT:
		j->pivoted = true;
		args = json_object_new_object();
		add_s(args, "id", j->id);
		return bj_send(c, "job-complete", args, e);
	case BLOCKJOB_SPEED:
		args = json_object_new_object();
		add_s(args, "device", j->id);
		json_object_object_add(
			args, "speed",
			json_object_new_int64((int64_t)req->bandwidth));
		return bj_send(c, "block-job-set-speed", args, e);
	}
	free(c);
	return -EINVAL;
}

/* The job's end, as query-jobs tells it: the chain follows. */
static void on_bj_jobs(void *opaque, int r, struct json_object *ret,
		       const struct err *qe)
{
	struct qemu_vm *vm = opaque;
	size_t n = json_object_is_type(ret, json_type_array)
			   ? json_object_array_length(ret)
			   : 0;

	for (size_t i = 0; r == 0 && vm->bjobs && i < vm->n_dchains; i++) {
		struct qemu_bjob *j = vm->bjobs[i];
		const char *why = NULL;
		bool found = false;
		_cleanup_json_ struct json_object *args = NULL;

		if (!j || !j->concluded)
			continue;
		for (size_t k = 0; k < n; k++) {
			struct json_object *o =
				json_object_array_get_idx(ret, k);
			const char *id = NULL;

			if (json_get_string_opt(o, "id", &id, NULL) > 0 &&
			    streq(id, j->id)) {
				found = true;
				json_get_string_opt(o, "error", &why, NULL);
			}
		}
		if (!found)
			continue;
		/* dismissed first: QEMU lets the images go only then */
		args = json_object_new_object();
		add_s(args, "id", j->id);
		if (qmp_command(vm->qmp, "job-dismiss", args, COMMAND_MS, NULL,
				NULL, NULL) < 0)
			log_warn("domain '%s': job-dismiss not sent",
				 vm->dom->def->name);
		free(vm->dchains[i].last_id);
		free(vm->dchains[i].last_error);
		vm->dchains[i].last_id = xstrdup(j->id);
		vm->dchains[i].last_error =
			why ? qmp_printable(why, 300) : NULL;
		vm->dchains[i].last_cancelled = j->cancelled;
		if (why) {
			log_warn("domain '%s': block job %s failed: %s",
				 vm->dom->def->name, j->id,
				 vm->dchains[i].last_error);
		} else if (!j->cancelled && (!j->active || j->pivoted)) {
			struct qemu_dchain *c = &vm->dchains[i];

			if (j->op == BLOCKJOB_PULL)
				dchain_drop(vm, c, 1, j->base);
			else
				dchain_drop(vm, c, j->top, j->base);
			chain_set(vm, i, true);
		}
		vm->bjobs[i] = NULL;
		tell_end(j,
			 why		? -EIO
			 : j->cancelled ? -ECANCELED
					: 0,
			 why ? vm->dchains[i].last_error : NULL);
		free(j);
	}
	if (r < 0)
		log_warn("domain '%s': query-jobs: %s", vm->dom->def->name,
			 err_msg(qe));
}

bool qemu_vm_blockjob_event(struct qemu_vm *vm, struct json_object *data)
{
	const char *id = NULL, *status = NULL;

	if (!data || json_get_string_opt(data, "id", &id, NULL) <= 0 ||
	    json_get_string_opt(data, "status", &status, NULL) <= 0)
		return false;
	for (size_t i = 0; vm->bjobs && i < vm->n_dchains; i++) {
		struct qemu_bjob *j = vm->bjobs[i];

		if (!j || !streq(j->id, id))
			continue;
		if (streq(status, "ready") && !j->ready && j->end &&
		    j->active && !j->pivoted) {
			_cleanup_json_ struct json_object *args =
				json_object_new_object();

			/* driver_blockjob.finish: the pivot follows */
			add_s(args, "id", j->id);
			j->pivoted =
				qmp_command(vm->qmp, "job-complete", args,
					    COMMAND_MS, NULL, NULL, NULL) == 0;
		}
		if (streq(status, "ready"))
			j->ready = true;
		if (streq(status, "concluded") && !j->concluded) {
			j->concluded = true;
			if (qmp_command(vm->qmp, "query-jobs", NULL, COMMAND_MS,
					on_bj_jobs, vm, NULL) < 0)
				log_warn("domain '%s': query-jobs not sent",
					 vm->dom->def->name);
		}
		return true;
	}
	return false;
}

/* ---- a re-attached QEMU's chains ---- */

/*
 * A nidod restarted while QEMU ran knows its disks' chains from QEMU's
 * own nodes: nidod names them (d<disk>-<n> and f<disk>-<n> at the start,
 * o<disk>-<N> and o<disk>-<N>f for a snapshot's overlay) and opens each
 * file as /dev/fdset/<set>. query-named-block-nodes gives each node's
 * file and its image's backing images by those names, top first; the
 * live definition (kept at each change) names the files. A chain that
 * does not add up, or a block job that ran across the restart, leaves
 * the chains unknown (block jobs refused, as before).
 */

/* Disk @i's node @name: "d<i>-<n>" or "o<i>-<N>" (with @suffix after),
 * *@num its number. */
static bool node_of(const char *name, size_t i, const char *suffix,
		    unsigned *num)
{
	char lead[32];
	const char *p;
	char *end;
	unsigned long v;

	for (int k = 0; k < 2; k++) {
		snprintf(lead, sizeof(lead), "%c%zu-", k ? 'o' : 'd', i);
		if (!str_has_prefix(name, lead))
			continue;
		p = name + strlen(lead);
		if (*p < '0' || *p > '9')
			return false;
		v = strtoul(p, &end, 10);
		if (!streq(end, suffix) || v > 1000000000)
			return false;
		*num = (unsigned)v;
		return true;
	}
	return false;
}

/* The file under a format node's @filename as QEMU reports it: the
 * file itself, or in the "json:{...}" QEMU writes when the node's
 * backing is not the one its image records (always so for nidod's),
 * its "file" child's. malloc'ed, NULL when neither. */
static char *file_under(const char *filename)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *file;
	const char *f = NULL;

	if (!str_has_prefix(filename, "json:"))
		return xstrdup(filename);
	o = json_tokener_parse(filename + 5);
	if (!o || !json_object_object_get_ex(o, "file", &file) ||
	    json_get_string_opt(file, "filename", &f, NULL) <= 0)
		return NULL;
	return xstrdup(f);
}

/* Whether @drv is a protocol node's (the file under a format node). */
static bool file_drv(const char *drv)
{
	return streq(drv, "file") || streq(drv, "host_device");
}

/* The node of @nodes named @name, or NULL. */
static struct json_object *node_named(struct json_object *nodes,
				      const char *name)
{
	for (size_t k = 0; k < json_object_array_length(nodes); k++) {
		struct json_object *o = json_object_array_get_idx(nodes, k);
		const char *n = NULL;

		if (json_get_string_opt(o, "node-name", &n, NULL) > 0 &&
		    streq(n, name))
			return o;
	}
	return NULL;
}

/* Disk @i's format node whose file is @file (of its own nodes). */
static const char *format_node(struct json_object *nodes, size_t i,
			       const char *file, unsigned *hi)
{
	for (size_t k = 0; k < json_object_array_length(nodes); k++) {
		struct json_object *o = json_object_array_get_idx(nodes, k);
		const char *n = NULL, *f = NULL, *drv = NULL;
		_cleanup_free_ char *under = NULL;
		unsigned num;

		if (json_get_string_opt(o, "node-name", &n, NULL) <= 0 ||
		    json_get_string_opt(o, "file", &f, NULL) <= 0 ||
		    json_get_string_opt(o, "drv", &drv, NULL) <= 0 ||
		    file_drv(drv) || !node_of(n, i, "", &num) ||
		    !(under = file_under(f)) || !streq(under, file))
			continue;
		if (n[0] == 'o' && num > *hi)
			*hi = num;
		return n;
	}
	return NULL;
}

/* @name as an image at @parent records it: absolute, or from
 * @parent's directory (qemu-img's rule). malloc'ed. */
static char *beside(const char *parent, const char *name)
{
	const char *slash = strrchr(parent, '/');

	if (name[0] == '/' || !slash)
		return xstrdup(name);
	return xasprintf("%.*s%s", (int)(slash + 1 - parent), parent, name);
}

/* Disk @i's chain from @nodes into @c, the files named by @d; false
 * when it does not add up. */
static bool chain_rebuild(struct json_object *nodes, size_t i,
			  const struct domain_disk *d, struct qemu_dchain *c,
			  unsigned *hi)
{
	struct json_object *top = NULL, *img;
	const char *recorded = NULL;
	int best = -1;

	/* the top: disk @i's format node with the deepest chain below */
	for (size_t k = 0; k < json_object_array_length(nodes); k++) {
		struct json_object *o = json_object_array_get_idx(nodes, k);
		const char *n = NULL, *drv = NULL;
		int64_t depth = 0;
		unsigned num;

		if (json_get_string_opt(o, "node-name", &n, NULL) <= 0 ||
		    json_get_string_opt(o, "drv", &drv, NULL) <= 0 ||
		    file_drv(drv) || !node_of(n, i, "", &num))
			continue;
		json_get_int64_opt(o, "backing_file_depth", &depth, NULL);
		if (depth > best) {
			best = (int)depth;
			top = o;
		}
	}
	if (!top || !json_object_object_get_ex(top, "image", &img))
		return false;
	for (size_t j = 0; img; j++) {
		const char *name = NULL, *fmt = NULL, *node, *path;
		struct json_object *fnode, *next = NULL;
		_cleanup_free_ char *fname = NULL, *file = NULL, *own = NULL;
		int64_t set;
		char *end;

		/* a file the definition does not declare: the name its
		 * parent records (relative to the parent's directory) */
		path = j < 1 + d->n_backing
			       ? j ? d->backing[j - 1].path : d->source
			       : NULL;
		if (!path && recorded)
			path = own = beside(c->img[j - 1].path, recorded);
		recorded = NULL;
		json_get_string_opt(img, "backing-filename", &recorded, NULL);
		if (j >= 64 ||
		    json_get_string_opt(img, "filename", &name, NULL) <= 0 ||
		    json_get_string_opt(img, "format", &fmt, NULL) <= 0 ||
		    !(file = file_under(name)) ||
		    !str_has_prefix(file, "/dev/fdset/") ||
		    !(node = format_node(nodes, i, file, hi)))
			return false;
		set = strtoll(file + strlen("/dev/fdset/"), &end, 10);
		fname = node[0] == 'o' ? xasprintf("%sf", node)
				       : xasprintf("f%s", node + 1);
		fnode = node_named(nodes, fname);
		if (*end || set < 0 || !fnode || !path)
			return false;
		dchain_insert(c, c->n,
			      &(struct qemu_dimg){
				      .node = xstrdup(node),
				      .file_node = steal_ptr(fname),
				      .path = xstrdup(path),
				      .format = xstrdup(fmt),
				      .fdset = set,
			      });
		if (!json_object_object_get_ex(img, "backing-image", &next))
			next = NULL;
		img = next;
	}
	/* every file the definition declares is in QEMU's chain */
	return c->n >= 1 + d->n_backing;
}

static void on_reattach_nodes(void *opaque, int r, struct json_object *ret,
			      const struct err *qe)
{
	struct qemu_vm *vm = opaque;
	const struct domain_def *def = vm->dom->def;
	struct qemu_dchain *c;
	unsigned hi = 0;
	bool ok = r == 0 && json_object_is_type(ret, json_type_array);

	if (vm->dchains)
		return;
	if (!ok) {
		log_warn("domain '%s': its disks' chains stay unknown: %s",
			 def->name,
			 r < 0 ? err_msg(qe) : "no list of block nodes");
		return;
	}
	c = xcalloc(def->n_disks + 1, sizeof(*c));
	for (size_t i = 0; ok && i < def->n_disks; i++) {
		const struct domain_disk *d = &def->disks[i];

		if (d->net || d->transient || !d->source ||
		    d->opts.copy_on_read == DOMAIN_TRISTATE_ON)
			continue; /* not a chain nidod changes */
		ok = chain_rebuild(ret, i, d, &c[i], &hi);
	}
	if (!ok) {
		for (size_t i = 0; i < def->n_disks; i++)
			dchain_clear(&c[i]);
		free(c);
		log_warn("domain '%s': QEMU's block nodes do not match its "
			 "definition: its disks' chains stay unknown",
			 def->name);
		return;
	}
	vm->dchains = c;
	vm->bjobs = xcalloc(def->n_disks + 1, sizeof(*vm->bjobs));
	vm->n_dchains = def->n_disks;
	log_info("domain '%s': its disks' chains read from QEMU's block nodes",
		 def->name);
	if (hi > job_count)
		job_count = hi; /* new node names stay new */
}

static void on_reattach_jobs(void *opaque, int r, struct json_object *ret,
			     const struct err *qe)
{
	struct qemu_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;

	if (r < 0 || !json_object_is_type(ret, json_type_array) ||
	    json_object_array_length(ret) > 0) {
		log_warn("domain '%s': %s: its disks' chains stay unknown",
			 vm->dom->def->name,
			 r < 0 ? err_msg(qe)
			       : "a job of QEMU ran across nidod's restart");
		return;
	}
	if (qmp_command(vm->qmp, "query-named-block-nodes", NULL, COMMAND_MS,
			on_reattach_nodes, vm, &e) < 0)
		log_warn("domain '%s': %s", vm->dom->def->name, err_msg(e));
}

void qemu_vm_reattach_chains(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *e = NULL;

	if (vm->dchains)
		return;
	log_debug("domain '%s': reading its disks' chains from QEMU",
		  vm->dom->def->name);
	if (qmp_command(vm->qmp, "query-jobs", NULL, COMMAND_MS,
			on_reattach_jobs, vm, &e) < 0)
		log_warn("domain '%s': %s", vm->dom->def->name, err_msg(e));
}
