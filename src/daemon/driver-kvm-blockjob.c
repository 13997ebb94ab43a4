// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kvm driver's block jobs (driver-kvm-blockjob.h, docs/snapshots.md
 * "Block jobs on nido-vmm").
 *
 * Starting one: nido-vmm's "block-chain" says which images the disk has
 * open, with the fd that holds each; it must be the chain nidod opens
 * itself from the definition by the rules of a guest's disk (else the
 * job is refused). A commit's base must become writable: nidod reopens
 * the file it opened (/proc/self/fd, so the very file it checked)
 * read-write, takes a copy of nido-vmm's read-only fd of it
 * (pidfd_getfd), drops that open's refusal of writers, and takes a
 * writer's locks on the new fd: another process that reads the base
 * (another guest on the same base) still refuses, and the job is
 * refused with the lock's error. The new fd goes to nido-vmm with
 * "block-job-start". When the job fails or is cancelled, the read-only
 * open refuses writers again.
 *
 * A commit asked with driver_blockjob.finish (a snapshot-delete's merge)
 * is followed to its end: an active one is pivoted once ready, and the
 * caller hears of the job's end, not of its start. A status nido-vmm
 * sends before its answer to "block-job-start" has been read (a small
 * disk's commit may be over by then) is kept and acted on once it has.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "block/chain-edit.h"
#include "daemon/blockjob-common.h"
#include "daemon/daemon.h"
#include "daemon/disk-open.h"
#include "daemon/domain.h"
#include "daemon/driver-kvm-blockjob.h"
#include "daemon/vmm-client.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

#define CALL_MS	 2000
#define PIVOT_MS 120000 /* a pivot copies what the guest dirtied last */

struct kjob {
	char id[48];
	const char *type; /* "pull", "commit", "active-commit" */
	int top, base;	  /* depths in the chain at the start */
	int ro_fd;	  /* commit: nido-vmm's fd of the read-only base */
	bool ready;
	char **paths, **formats; /* the chain at the start */
	size_t n;
	/* driver_blockjob.finish: told at the job's end (then NULL) */
	driver_done_fn end;
	void *end_opaque;
	bool pivoting; /* ... the pivot asked for */
	/* an end heard before the start was answered (malloc'ed) */
	char *early, *early_why;
};

struct kdisk {
	struct kvm_bjobs *k;
	struct kjob *job;
	char *last_id, *last_error;
	bool last_cancelled;
	struct vmm_req *pivot; /* driver_blockjob.finish's pivot */
};

/* A request to nido-vmm on its way. */
struct kcall {
	struct kvm_bjobs *k;
	size_t disk;
	struct driver_blockjob req; /* strings: the copies below */
	char *disk_s, *base_s, *top_s;
	struct json_object *out; /* borrowed */
	driver_done_fn done;
	void *opaque;
	struct kjob *job; /* start: the job being started */
	int ro_gfd;	  /* start: our copy of nido-vmm's read-only base */
};

struct kvm_bjobs {
	struct daemon *dmn;
	struct domain *dom;
	const char *api;
	int pidfd;
	struct kdisk *disks;
	size_t n;
	struct vmm_req *req; /* one request at a time */
	struct kcall *call;
	unsigned count;
};

static void job_free(struct kjob *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		free(j->paths[i]);
		free(j->formats[i]);
	}
	free(j->paths);
	free(j->formats);
	free(j->early);
	free(j->early_why);
	free(j);
}

static void tell_end(struct kjob *j, int r, const char *why)
{
	blockjob_tell_end(&j->end, j->end_opaque, j->id, r, why);
}

struct kvm_bjobs *kvm_bjobs_new(struct daemon *dmn, struct domain *dom,
				const char *api, int pidfd)
{
	struct kvm_bjobs *k = xcalloc(1, sizeof(*k));

	*k = (struct kvm_bjobs){dmn, dom, api, pidfd};
	k->n = dom->def->n_disks;
	k->disks = xcalloc(k->n + 1, sizeof(*k->disks));
	for (size_t i = 0; i < k->n; i++)
		k->disks[i].k = k;
	return k;
}

static void kcall_free(struct kcall *c)
{
	free(c->disk_s);
	free(c->base_s);
	free(c->top_s);
	free(c);
}

static void call_end(struct kcall *c, int r, const struct err *e)
{
	c->k->req = NULL;
	c->k->call = NULL;
	close_safe(c->ro_gfd);
	job_free(c->job);
	if (c->done)
		c->done(c->opaque, r, e);
	kcall_free(c);
}

void kvm_bjobs_free(struct kvm_bjobs *k)
{
	if (!k)
		return;
	if (k->req) {
		_cleanup_err_ struct err *e = NULL;

		vmm_req_cancel(k->req);
		err_setk(&e, ERR_OPERATION_FAILED, ECANCELED,
			 "the domain stopped");
		call_end(k->call, -ECANCELED, e);
	}
	for (size_t i = 0; i < k->n; i++) {
		vmm_req_cancel(k->disks[i].pivot);
		if (k->disks[i].job)
			tell_end(k->disks[i].job, -ECANCELED,
				 "ended: the domain stopped");
		job_free(k->disks[i].job);
		free(k->disks[i].last_id);
		free(k->disks[i].last_error);
	}
	free(k->disks);
	free(k);
}

/* Disk @name's index (its target, or its image's path), or -errno. */
static int disk_index(const struct domain_def *def, const char *name,
		      struct err **e)
{
	for (size_t i = 0; i < def->n_disks; i++)
		if (streq(def->disks[i].target, name) ||
		    (def->disks[i].source && streq(def->disks[i].source, name)))
			return (int)i;
	return err_setk(e, ERR_INVALID_ARG, ENOENT,
			"no disk '%s' in the running domain", name);
}

static int vmm_send(struct kcall *c, const char *cmd, struct json_object *args,
		    const int *fds, size_t n_fds, int ms, vmm_reply_fn fn,
		    struct err **e)
{
	struct kvm_bjobs *k = c->k;

	json_object_object_add(args, "disk", json_object_new_int((int)c->disk));
	k->req = vmm_call_start_fds(k->dmn->loop, k->api, cmd, args, fds, n_fds,
				    ms, fn, c, e);
	json_object_put(args);
	if (!k->req)
		return err_code(*e);
	k->call = c;
	return 0;
}

/* ---- the chain, checked ---- */

/* Fills j->paths/formats from nido-vmm's "images", checked against the
 * chain nidod opens from the definition (@c, kept open for the base's
 * reopen). Returns 0 or -errno. */
static int chain_check(struct kcall *c, struct json_object *images,
		       struct block_chain *ch, struct err **e)
{
	const struct domain_disk *d = &c->k->dom->def->disks[c->disk];
	struct kjob *j = c->job;
	size_t n = json_object_is_type(images, json_type_array)
			   ? json_object_array_length(images)
			   : 0;
	size_t k = 0;

	if (disk_open_shared(d, ch, e) < 0)
		return err_code(*e);
	j->paths = xcalloc(n + 1, sizeof(*j->paths));
	j->formats = xcalloc(n + 1, sizeof(*j->formats));
	for (int f = 0; f < ch->n; f++) {
		struct json_object *o;
		const char *path = NULL, *fmt = NULL;

		if (ch->files[f].kind == BLOCK_REF_EXTENT)
			continue;
		o = k < n ? json_object_array_get_idx(images, k) : NULL;
		if (!o || json_get_string(o, "path", &path, NULL) < 0 ||
		    json_get_string(o, "format", &fmt, NULL) < 0 ||
		    !streq(path, ch->files[f].path))
			break;
		j->paths[k] = xstrdup(path);
		j->formats[k++] = xstrdup(fmt);
		j->n = k;
	}
	if (k != n || n == 0)
		return err_setk(e, ERR_OPERATION_FAILED, EINVAL,
				"disk '%s': nido-vmm's chain is not the one "
				"the definition opens",
				d->target);
	return 0;
}

static int chain_at(const struct kjob *j, const char *path, int from,
		    const char *what, struct err **e)
{
	for (size_t i = (size_t)from; i < j->n; i++)
		if (streq(j->paths[i], path))
			return (int)i;
	return err_setk(e, ERR_INVALID_ARG, ENOENT,
			"%s '%s' is not in the disk's backing chain%s", what,
			path, from ? " below the top image" : "");
}

/* Where the job goes: j->top, j->base and j->type. */
static int plan(struct kcall *c, struct err **e)
{
	const struct driver_blockjob *req = &c->req;
	struct kjob *j = c->job;
	bool pull = req->op == BLOCKJOB_PULL;

	if (j->n < 2)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"disk '%s' has no backing image: nothing to %s",
				req->disk, pull ? "pull" : "commit");
	if (pull && (req->top || req->active))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"blockpull takes no --top and no --active");
	j->top = 0;
	j->base = pull && !req->base ? (int)j->n : (int)j->n - 1;
	if (!pull && req->top &&
	    (j->top = chain_at(j, req->top, 0, "top", e)) < 0)
		return j->top;
	if (req->base &&
	    (j->base = chain_at(j, req->base, j->top + 1, "base", e)) < 0)
		return j->base;
	if (!pull && j->top == 0 && !req->active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"commit of disk '%s''s active layer needs "
				"--active",
				req->disk);
	if (!pull && j->top > 0 && req->active)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--active with --top '%s': the top is not "
				"the active layer",
				req->top);
	if (!pull && j->top > 1)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"disk '%s': on nido-vmm, --top must be the "
				"active image or its backing file",
				req->disk);
	if (pull && j->base == 1)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"disk '%s': the base is the top image's "
				"backing file: nothing to pull",
				req->disk);
	j->type = pull ? "pull" : j->top == 0 ? "active-commit" : "commit";
	return 0;
}

static int pidfd_getfd(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

/*
 * The commit's base, writable: *@nfd our read-write reopen of the file
 * nidod checked (@ch's), locked as a writer, and c->ro_gfd a copy of
 * nido-vmm's read-only open, which no longer refuses writers. Returns 0
 * or -errno with everything as it was.
 */
static int base_writable(struct kcall *c, struct json_object *images,
			 const struct block_chain *ch, int *nfd, struct err **e)
{
	struct kjob *j = c->job;
	const char *path = j->paths[j->base];
	struct json_object *o = json_object_array_get_idx(images, j->base);
	int64_t vfd = -1;
	struct stat a, b;
	char proc[64];
	int f = 0, r;

	for (int seen = -1; f < ch->n; f++)
		if (ch->files[f].kind != BLOCK_REF_EXTENT && ++seen == j->base)
			break;
	if (json_get_int64(o, "fd", &vfd, NULL) < 0 || vfd < 0 ||
	    vfd > INT32_MAX || f == ch->n)
		return err_setk(e, ERR_OPERATION_FAILED, EINVAL,
				"nido-vmm did not say which fd holds '%s'",
				path);
	c->ro_gfd = pidfd_getfd(c->k->pidfd, (int)vfd);
	if (c->ro_gfd < 0)
		return err_sys(e, errno, "taking nido-vmm's fd of '%s'", path);
	if (fstat(c->ro_gfd, &a) < 0 || fstat(ch->files[f].fd, &b) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return err_setk(e, ERR_OPERATION_FAILED, EINVAL,
				"nido-vmm's fd %d is not '%s'", (int)vfd, path);
	j->ro_fd = (int)vfd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", ch->files[f].fd);
	*nfd = open(proc, O_RDWR | O_CLOEXEC);
	if (*nfd < 0)
		return err_sys(e, errno, "opening '%s' for writing", path);
	r = block_lock_refuse_fd(c->ro_gfd, false);
	if (r == 0 && (r = block_lock_writer_fd(*nfd, path, e)) < 0)
		block_lock_refuse_fd(c->ro_gfd, true);
	else if (r < 0)
		err_sys(e, -r, "unlocking '%s'", path);
	if (r < 0) {
		close_safe(*nfd);
		*nfd = -1;
		return err_prefix(e, "the base of a commit must be written");
	}
	return 0;
}

static void job_heard(struct kdisk *kd);

static void on_started(void *opaque, int r, struct json_object *reply,
		       const struct err *ve)
{
	struct kcall *c = opaque;
	struct kdisk *kd = &c->k->disks[c->disk];
	_cleanup_err_ struct err *e = NULL;
	const char *why = NULL;

	if (r == 0 && json_get_string_opt(reply, "error", &why, NULL) > 0)
		r = -EIO;
	if (r < 0) {
		if (c->ro_gfd >= 0)
			block_lock_refuse_fd(c->ro_gfd, true);
		err_setk(&e, ERR_OPERATION_FAILED, -r, "nido-vmm: %s",
			 why ? why : err_msg(ve));
		call_end(c, r, e);
		return;
	}
	json_object_object_add(c->out, "job",
			       json_object_new_string(c->job->id));
	kd->job = steal_ptr(c->job);
	if (c->req.finish && c->req.op == BLOCKJOB_COMMIT) {
		/* the caller hears of the job's end instead */
		kd->job->end = steal_ptr(c->done);
		kd->job->end_opaque = c->opaque;
	}
	call_end(c, 0, NULL);
	job_heard(kd);
}

static void on_chain(void *opaque, int r, struct json_object *reply,
		     const struct err *ve)
{
	struct kcall *c = opaque;
	struct kjob *j = c->job;
	_cleanup_err_ struct err *e = NULL;
	struct block_chain ch = {0};
	struct json_object *images = NULL, *args;
	const char *why = NULL;
	int nfd = -1;

	c->k->req = NULL;
	if (r == 0 && json_get_string_opt(reply, "error", &why, NULL) > 0)
		r = err_setk(&e, ERR_OPERATION_FAILED, EIO, "nido-vmm: %s",
			     why);
	else if (r < 0)
		err_setk(&e, ERR_OPERATION_FAILED, -r, "%s", err_msg(ve));
	if (r == 0 && json_get_array(reply, "images", &images, &e) == 0 &&
	    chain_check(c, images, &ch, &e) == 0 && plan(c, &e) == 0 &&
	    strcmp(j->type, "pull") != 0)
		base_writable(c, images, &ch, &nfd, &e);
	block_chain_clear(&ch);
	if (e) {
		call_end(c, err_code(e), e);
		return;
	}
	snprintf(j->id, sizeof(j->id), "nido-%s-%u",
		 streq(j->type, "pull") ? "pull" : "commit", ++c->k->count);
	args = json_object_new_object();
	json_object_object_add(args, "type", json_object_new_string(j->type));
	json_object_object_add(args, "id", json_object_new_string(j->id));
	json_object_object_add(args, "top", json_object_new_int(j->top));
	json_object_object_add(args, "base", json_object_new_int(j->base));
	json_object_object_add(
		args, "speed",
		json_object_new_int64((int64_t)c->req.bandwidth));
	r = vmm_send(c, "block-job-start", args, &nfd, nfd >= 0, CALL_MS,
		     on_started, &e);
	close_safe(nfd); /* nido-vmm has its copy, and the locks with it */
	if (r < 0) {
		if (c->ro_gfd >= 0)
			block_lock_refuse_fd(c->ro_gfd, true);
		call_end(c, r, e);
	}
}

/* ---- info and the other actions ---- */

static void on_info(void *opaque, int r, struct json_object *reply,
		    const struct err *ve)
{
	struct kcall *c = opaque;
	struct kdisk *kd = &c->k->disks[c->disk];
	_cleanup_err_ struct err *e = NULL;
	const char *why = NULL, *type = NULL, *id = NULL;
	int64_t cur = 0, end = 0, speed = 0;
	bool ready = false;

	if (r == 0 && json_get_string_opt(reply, "error", &why, NULL) > 0)
		r = -EIO;
	if (r < 0) {
		err_setk(&e, ERR_OPERATION_FAILED, -r, "nido-vmm: %s",
			 why ? why : err_msg(ve));
		call_end(c, r, e);
		return;
	}
	blockjob_out_last(c->out, kd->last_id, kd->last_error,
			  kd->last_cancelled);
	if (json_get_string_opt(reply, "type", &type, NULL) > 0 &&
	    json_get_string_opt(reply, "id", &id, NULL) > 0 && kd->job &&
	    streq(id, kd->job->id)) {
		json_get_int64_opt(reply, "cur", &cur, NULL);
		json_get_int64_opt(reply, "end", &end, NULL);
		json_get_bool_opt(reply, "ready", &ready, NULL);
		json_get_int64_opt(reply, "speed", &speed, NULL);
		blockjob_out_progress(c->out, id, cur, end, ready, speed);
	} else {
		type = "none";
	}
	json_object_object_add(c->out, "type", json_object_new_string(type));
	call_end(c, 0, NULL);
}

static void on_action(void *opaque, int r, struct json_object *reply,
		      const struct err *ve)
{
	struct kcall *c = opaque;
	_cleanup_err_ struct err *e = NULL;
	const char *why = NULL;

	if (r == 0 && json_get_string_opt(reply, "error", &why, NULL) > 0)
		r = -EIO;
	if (r < 0)
		err_setk(&e, ERR_OPERATION_FAILED, -r, "nido-vmm: %s",
			 why ? why : err_msg(ve));
	call_end(c, r, e);
}

static int start_call(struct kcall *c, struct json_object *args,
		      struct err **e);

int kvm_bjobs_op(struct kvm_bjobs *k, const struct driver_blockjob *req,
		 struct json_object *out, driver_done_fn done, void *opaque,
		 struct err **e)
{
	const struct domain_def *def = k->dom->def;
	struct kjob *j;
	struct kcall *c;
	struct json_object *args = json_object_new_object();
	int i = disk_index(def, req->disk, e);

	if (i >= 0 && (size_t)i >= k->n)
		i = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			     "disk '%s' came after the start", req->disk);
	if (i >= 0 && k->req)
		i = err_setk(e, ERR_OPERATION_INVALID, EBUSY,
			     "a block job request on the domain is under way");
	if (i >= 0 && def->disks[i].volume)
		i = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			     "disk '%s' is a pool's volume: its chain is the "
			     "pool's (not supported yet)",
			     req->disk);
	j = i >= 0 ? k->disks[i].job : NULL;
	if (i >= 0 &&
	    (req->op == BLOCKJOB_COMMIT || req->op == BLOCKJOB_PULL) && j)
		i = err_setk(e, ERR_OPERATION_INVALID, EBUSY,
			     "disk '%s' already has a block job: %s", req->disk,
			     j->id);
	if (i >= 0 &&
	    (req->op == BLOCKJOB_ABORT || req->op == BLOCKJOB_PIVOT ||
	     req->op == BLOCKJOB_SPEED) &&
	    !j)
		i = err_setk(e, ERR_OPERATION_INVALID, ENOENT,
			     "no active block job on disk '%s'", req->disk);
	if (i >= 0 && req->op == BLOCKJOB_PIVOT &&
	    (!streq(j->type, "active-commit") || !j->ready))
		i = err_setk(e, ERR_OPERATION_INVALID, EBUSY,
			     !streq(j->type, "active-commit")
				     ? "disk '%s': job %s is no active commit: "
				       "nothing to pivot to"
				     : "disk '%s' not ready for pivot yet "
				       "(job %s)",
			     req->disk, j->id);
	if (i < 0) {
		json_object_put(args);
		return i;
	}
	c = xcalloc(1, sizeof(*c));
	*c = (struct kcall){.k = k,
			    .disk = (size_t)i,
			    .req = *req,
			    .out = out,
			    .done = done,
			    .opaque = opaque,
			    .ro_gfd = -1};
	/* the request's strings go with the RPC call: ours last */
	c->req.disk = c->disk_s = xstrdup(req->disk);
	c->req.base = c->base_s = req->base ? xstrdup(req->base) : NULL;
	c->req.top = c->top_s = req->top ? xstrdup(req->top) : NULL;
	i = start_call(c, args, e);
	if (i < 0) {
		job_free(c->job);
		kcall_free(c);
	}
	return i;
}

/* Sends @c's request (@args taken). */
static int start_call(struct kcall *c, struct json_object *args, struct err **e)
{
	const struct driver_blockjob *req = &c->req;

	switch (req->op) {
	case BLOCKJOB_COMMIT:
	case BLOCKJOB_PULL:
		c->job = xcalloc(1, sizeof(*c->job));
		c->job->ro_fd = -1;
		return vmm_send(c, "block-chain", args, NULL, 0, CALL_MS,
				on_chain, e);
	case BLOCKJOB_INFO:
		return vmm_send(c, "block-job-info", args, NULL, 0, CALL_MS,
				on_info, e);
	case BLOCKJOB_ABORT:
		return vmm_send(c, "block-job-cancel", args, NULL, 0, CALL_MS,
				on_action, e);
	case BLOCKJOB_PIVOT:
		return vmm_send(c, "block-job-complete", args, NULL, 0,
				PIVOT_MS, on_action, e);
	case BLOCKJOB_SPEED:
		json_object_object_add(
			args, "speed",
			json_object_new_int64((int64_t)req->bandwidth));
		return vmm_send(c, "block-job-set-speed", args, NULL, 0,
				CALL_MS, on_action, e);
	}
	json_object_put(args);
	return -EINVAL;
}

/* ---- the job's end ---- */

/* The definitions name the chain @j left on disk @i: @keep images of
 * the top, then the base and what is below it. */
static void chain_changed(struct kvm_bjobs *k, size_t i, const struct kjob *j)
{
	size_t keep = streq(j->type, "pull")	 ? 1
		      : streq(j->type, "commit") ? (size_t)j->top
						 : 0;
	const char **paths = xcalloc(j->n + 1, sizeof(*paths));
	const char **formats = xcalloc(j->n + 1, sizeof(*formats));
	size_t n = 0;

	for (size_t s = 0; s < j->n; s++) {
		if (s >= keep && s < (size_t)j->base)
			continue;
		paths[n] = j->paths[s];
		formats[n++] = j->formats[s];
	}
	blockjob_chain_changed(k->dmn, k->dom, i, paths, formats, n, true);
	free(paths);
	free(formats);
}

/* A commit that did not happen: the guest's read-only open of the base
 * refuses writers again. */
static void relock_base(struct kvm_bjobs *k, const struct kjob *j)
{
	int fd;

	if (j->ro_fd < 0)
		return;
	fd = pidfd_getfd(k->pidfd, j->ro_fd);
	if (fd < 0 || block_lock_refuse_fd(fd, true) < 0)
		log_warn("domain '%s': the base '%s' is not locked against "
			 "writers again",
			 k->dom->def->name, j->paths[j->base]);
	close_safe(fd);
}

/* The pivot of a finish'ed active commit answered: its end follows as
 * the "completed" event; a refusal ends the wait (the job stays ready,
 * for blockjob --pivot or --abort, as QEMU's). */
static void on_pivoted(void *opaque, int r, struct json_object *reply,
		       const struct err *ve)
{
	struct kdisk *kd = opaque;
	const char *why = NULL;

	kd->pivot = NULL;
	if (r == 0 && json_get_string_opt(reply, "error", &why, NULL) > 0)
		r = -EIO;
	if (r == 0 || !kd->job)
		return;
	kd->job->pivoting = false;
	tell_end(kd->job, r, why ? why : err_msg(ve));
}

/* A finish'ed active commit in step: pivoted. */
static void pivot(struct kdisk *kd)
{
	struct kvm_bjobs *k = kd->k;
	struct kjob *j = kd->job;
	_cleanup_err_ struct err *e = NULL;
	struct json_object *args;

	if (!j->end || j->pivoting || !streq(j->type, "active-commit"))
		return;
	args = json_object_new_object();
	json_object_object_add(args, "disk",
			       json_object_new_int((int)(kd - k->disks)));
	kd->pivot =
		vmm_call_start_args(k->dmn->loop, k->api, "block-job-complete",
				    args, PIVOT_MS, on_pivoted, kd, &e);
	json_object_put(args);
	j->pivoting = kd->pivot != NULL;
	if (!kd->pivot)
		tell_end(j, err_code(e), err_msg(e));
}

/* Job @kd->job's @status ("ready", "completed", "failed", "cancelled")
 * with nido-vmm's reason @why (may be NULL). */
static void job_status(struct kdisk *kd, const char *status, const char *why)
{
	struct kvm_bjobs *k = kd->k;
	struct kjob *j = kd->job;
	size_t disk = (size_t)(kd - k->disks);

	if (streq(status, "ready")) {
		j->ready = true;
		pivot(kd);
		return;
	}
	free(kd->last_id);
	free(kd->last_error);
	kd->last_id = xstrdup(j->id);
	kd->last_error = why ? xstrndup(why, 300) : NULL;
	kd->last_cancelled = streq(status, "cancelled");
	if (streq(status, "completed"))
		chain_changed(k, disk, j);
	else
		relock_base(k, j);
	if (why)
		log_warn("domain '%s': block job %s failed: %s",
			 k->dom->def->name, j->id, kd->last_error);
	vmm_req_cancel(steal_ptr(kd->pivot));
	tell_end(j,
		 streq(status, "completed")   ? 0
		 : streq(status, "cancelled") ? -ECANCELED
					      : -EIO,
		 kd->last_error);
	job_free(steal_ptr(kd->job));
}

/* The start answered: what nido-vmm said of the job meanwhile. */
static void job_heard(struct kdisk *kd)
{
	struct kjob *j = kd->job;
	_cleanup_free_ char *status = NULL, *why = NULL;

	if (j->ready)
		pivot(kd);
	if (!j->early)
		return;
	status = steal_ptr(j->early);
	why = steal_ptr(j->early_why);
	job_status(kd, status, why);
}

void kvm_bjobs_event(struct kvm_bjobs *k, struct json_object *ev)
{
	const char *name = NULL, *id = NULL, *status = NULL, *why = NULL;
	int64_t disk = -1;
	struct kjob *j;

	if (!k || json_get_string_opt(ev, "event", &name, NULL) <= 0 ||
	    !streq(name, "block-job") ||
	    json_get_int64_opt(ev, "disk", &disk, NULL) <= 0 || disk < 0 ||
	    (size_t)disk >= k->n ||
	    json_get_string_opt(ev, "id", &id, NULL) <= 0 ||
	    json_get_string_opt(ev, "status", &status, NULL) <= 0)
		return;
	json_get_string_opt(ev, "error", &why, NULL);
	j = k->disks[disk].job;
	if (!j && k->call && k->call->job && k->call->disk == (size_t)disk &&
	    streq(k->call->job->id, id)) {
		/* being started: kept until the start is answered */
		j = k->call->job;
		if (streq(status, "ready")) {
			j->ready = true;
		} else if (!j->early) {
			j->early = xstrdup(status);
			j->early_why = why ? xstrndup(why, 300) : NULL;
		}
		return;
	}
	if (!j || !streq(j->id, id))
		return;
	job_status(&k->disks[disk], status, why);
}
