// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Volume operations that may take long (create with an allocation,
 * clone, wipe, resize) run on a thread of their own (lib/thread.h), so
 * that the daemon's loop goes on serving other clients; the call is
 * deferred and answered from the loop once the thread is done.
 *
 * A job owns copies of everything it uses (paths, names): the pool may
 * be stopped, redefined or undefined meanwhile; its volume list is only
 * touched on the loop, when the job is collected. While a job runs on a
 * volume, the verbs that would change that volume are refused
 * (pool_vol_busy). At daemon exit every thread is joined.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "daemon/daemon.h"
#include "daemon/pool.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/thread.h"

struct vol_job {
	struct vol_job *next; /* the loop's list: the loop's thread only */
	struct daemon *dmn;
	enum pool_job_op op;
	pthread_t thread;
	struct rpc_call *call;
	char *pool, *vol;
	/* a copy's source: its pool and volume name (NULL: a block device
	 * of no pool), path and format (NULL: probed) */
	char *src_pool, *src, *src_path, *src_format;
	char *dir, *path;
	/* a copy of the pool's definition, for a backend with volume
	 * operations of its own (logical), else NULL */
	const struct storage_backend *backend;
	struct pool_def *def;
	struct storage_vol_new nv; /* its strings owned: below */
	char *format, *backing, *backing_format;
	uint64_t capacity;
	bool shrink, allocate;
	struct json_object *warnings; /* added to the answer */
	/* a copy's progress, sent to the caller when it asked
	 * (volume.progress notifications) in tenths of a percent */
	struct storage_progress pr;
	bool want_progress;
	atomic_int permille;
	int permille_sent;
	int r;
	struct err *e;
	atomic_bool finished;
};

struct pool_jobs {
	struct vol_job *list;
	struct loop_source *wake;
};

static void job_free(struct vol_job *j)
{
	if (!j)
		return;
	free(j->pool);
	free(j->vol);
	free(j->src_pool);
	free(j->src);
	free(j->src_path);
	free(j->src_format);
	free(j->dir);
	free(j->path);
	pool_def_free(j->def);
	free(j->format);
	free(j->backing);
	free(j->backing_format);
	err_free(j->e);
	json_object_put(j->warnings);
	free(j);
}

/* A backend's own volume operations (logical volumes). */
static int job_run_backend(struct vol_job *j)
{
	const struct storage_backend *b = j->backend;
	struct storage_pool_params sp;

	pool_def_params(j->def, &sp);
	switch (j->op) {
	case POOL_JOB_CREATE:
		return b->vol_create(&sp, &j->nv, &j->e);
	case POOL_JOB_RESIZE:
		return b->vol_resize(&sp, j->vol, j->capacity, j->shrink,
				     &j->e);
	case POOL_JOB_WIPE:
		return storage_vol_wipe(j->path, &j->e); /* a device, an rbd */
	case POOL_JOB_CLONE:
		return storage_backend_vol_clone(b, &sp, j->src_path,
						 j->src_format, &j->nv, &j->pr,
						 &j->e);
	}
	return -EINVAL;
}

/* On the job's thread: the loop is woken when a tenth of a percent
 * more is done. */
static void job_tick(struct storage_progress *pr)
{
	struct vol_job *j = container_of(pr, struct vol_job, pr);
	uint64_t total = atomic_load(&pr->total), done = atomic_load(&pr->done);
	int pm = total ? (int)(done * 1000 / total) : 1000;

	if (!j->want_progress || atomic_exchange(&j->permille, pm) == pm)
		return;
	loop_wake(j->dmn->loop);
}

/* On the loop: a volume.progress notification when it moved on. */
static void job_report(struct vol_job *j)
{
	_cleanup_json_ struct json_object *o = NULL;
	int pm = atomic_load(&j->permille);

	if (!j->want_progress || pm == j->permille_sent)
		return;
	j->permille_sent = pm;
	o = json_object_new_object();
	json_object_object_add(o, "pool", json_object_new_string(j->pool));
	json_object_object_add(o, "vol", json_object_new_string(j->vol));
	json_object_object_add(
		o, "done", json_object_new_uint64(atomic_load(&j->pr.done)));
	json_object_object_add(
		o, "total", json_object_new_uint64(atomic_load(&j->pr.total)));
	rpc_call_notify(j->call, "volume.progress", o);
}

static void *job_run(void *arg)
{
	struct vol_job *j = arg;

	if (j->backend) {
		j->r = job_run_backend(j);
		atomic_store(&j->finished, true);
		loop_wake(j->dmn->loop);
		return NULL;
	}
	switch (j->op) {
	case POOL_JOB_CREATE:
		j->r = storage_vol_create(j->dir, &j->nv, &j->e);
		break;
	case POOL_JOB_CLONE:
		j->r = storage_vol_clone(j->dir, j->src_path, j->src_format,
					 &j->nv, &j->pr, &j->e);
		break;
	case POOL_JOB_WIPE:
		j->r = storage_vol_wipe(j->path, &j->e);
		break;
	case POOL_JOB_RESIZE:
		j->r = storage_vol_resize(j->path, j->capacity, j->shrink,
					  j->allocate, &j->e);
		break;
	}
	atomic_store(&j->finished, true);
	loop_wake(j->dmn->loop);
	return NULL;
}

/* On the loop: the job is over; its volume listed again, its call
 * answered. */
static void job_collect(struct daemon *dmn, struct vol_job *j)
{
	struct object *o = object_list_find_name(&dmn->pools.l, j->pool);
	struct json_object *result = NULL;
	struct storage_vol *v = NULL;
	int r = j->r;

	pthread_join(j->thread, NULL);
	if (o && pool_of(o)->active)
		v = pool_vol_update(pool_of(o), j->vol, r < 0 ? NULL : &j->e);
	if (r == 0 && v) {
		result = pool_vol_json(pool_of(o), v);
		if (j->src_path) /* a copy's input, as virsh names it */
			json_object_object_add(
				result, "input",
				json_object_new_string(j->src ? j->src
							      : j->src_path));
		if (j->warnings)
			json_object_object_add(result, "warnings",
					       steal_ptr(j->warnings));
	} else if (r == 0)
		r = err_setk(&j->e, ERR_OPERATION_FAILED, EIO,
			     "storage pool '%s' went away meanwhile", j->pool);
	if (r < 0 && j->op == POOL_JOB_CREATE)
		err_prefix(&j->e, "creating volume '%s'", j->vol);
	rpc_call_done(j->call, r, result, j->e);
	log_info("pool '%s': volume '%s': job done (%d)", j->pool, j->vol, r);
}

static void on_wake(struct loop *l, void *opaque)
{
	struct daemon *dmn = opaque;
	struct vol_job **pp = &dmn->pool_jobs->list;

	while (*pp) {
		struct vol_job *j = *pp;

		if (!atomic_load(&j->finished)) {
			job_report(j);
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		job_collect(dmn, j);
		job_free(j);
	}
}

bool pool_vol_busy(struct daemon *dmn, const char *pool, const char *vol,
		   struct err **e)
{
	for (struct vol_job *j = dmn->pool_jobs ? dmn->pool_jobs->list : NULL;
	     j; j = j->next)
		if ((streq(j->pool, pool) && streq(j->vol, vol)) ||
		    (j->src && streq(j->src_pool, pool) &&
		     streq(j->src, vol))) {
			err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				 "volume '%s' is in use by a running operation",
				 vol);
			return true;
		}
	return false;
}

struct vol_job *pool_job_new(enum pool_job_op op, const struct pool *p,
			     const char *vol)
{
	struct vol_job *j = xcalloc(1, sizeof(*j));

	j->op = op;
	j->pool = xstrdup(p->def->name);
	j->vol = xstrdup(vol);
	j->dir = xstrdup(p->def->target);
	if (pool_backend(p)->vol_block_name) { /* no file: src/block's name */
		struct storage_pool_params sp;

		pool_def_params(p->def, &sp);
		j->path = pool_backend(p)->vol_block_name(&sp, vol);
	} else {
		j->path = NULL;
		for (size_t i = 0; i < p->n_vols && !j->path; i++)
			if (streq(p->vols[i].name, vol)) /* an iscsi LUN's */
				j->path = xstrdup(p->vols[i].path);
		if (!j->path)
			j->path = xasprintf("%s/%s", p->def->target, vol);
	}
	j->nv = (struct storage_vol_new){.mode = -1, .owner = -1, .group = -1};
	j->pr.tick = job_tick;
	atomic_init(&j->permille, -1);
	j->permille_sent = -1;
	if (pool_backend(p)->vol_create) {
		/* the pool may be undefined while the job runs: a copy */
		_cleanup_free_ char *xml = pool_def_format(p->def, NULL);

		j->backend = pool_backend(p);
		if (pool_def_parse(xml, strlen(xml), &j->def, NULL, NULL) < 0)
			abort(); /* what it formats, it parses */
	}
	return j;
}

void pool_job_set_new(struct vol_job *j, const struct storage_vol_new *nv)
{
	j->format = nv->format ? xstrdup(nv->format) : NULL;
	j->backing = nv->backing ? xstrdup(nv->backing) : NULL;
	j->backing_format =
		nv->backing_format ? xstrdup(nv->backing_format) : NULL;
	j->nv = *nv;
	j->nv.name = j->vol;
	j->nv.format = j->format;
	j->nv.backing = j->backing;
	j->nv.backing_format = j->backing_format;
}

void pool_job_set_warnings(struct vol_job *j, struct json_object *warnings)
{
	json_object_put(j->warnings);
	j->warnings = warnings;
}

void pool_job_set_source(struct vol_job *j, const struct pool *p,
			 const struct storage_vol *src)
{
	j->src_pool = xstrdup(p->def->name);
	j->src = xstrdup(src->name);
	j->src_path = xstrdup(src->path);
	/* a block volume is raw: what a guest wrote there is not probed */
	j->src_format = src->block ? xstrdup("raw") : NULL;
}

void pool_job_set_source_device(struct vol_job *j, const char *dev)
{
	j->src_path = xstrdup(dev);
	j->src_format = xstrdup("raw");
}

void pool_job_set_progress(struct vol_job *j)
{
	j->want_progress = true;
}

void pool_job_set_resize(struct vol_job *j, uint64_t capacity, bool shrink,
			 bool allocate)
{
	j->capacity = capacity;
	j->shrink = shrink;
	j->allocate = allocate;
}

void pool_job_free(struct vol_job *j)
{
	job_free(j);
}

int pool_job_start(struct daemon *dmn, struct vol_job *j, struct err **e)
{
	struct pool_jobs *pj = dmn->pool_jobs;
	int r;

	if (!pj) {
		pj = dmn->pool_jobs = xcalloc(1, sizeof(*pj));
		pj->wake = loop_wake_add(dmn->loop, on_wake, dmn, e);
		if (!pj->wake) {
			job_free(j);
			return err_code(*e);
		}
	}
	j->dmn = dmn;
	r = thread_start(&j->thread, "nidod-vol", job_run, j);
	if (r < 0) {
		job_free(j);
		return err_sys(e, -r, "starting a volume job");
	}
	/* collected by on_wake, which runs on this thread after we return */
	j->call = rpc_server_defer(dmn->rpc);
	j->next = pj->list;
	pj->list = j;
	return RPC_DEFERRED;
}

void pool_jobs_release(struct daemon *dmn)
{
	struct pool_jobs *pj = dmn->pool_jobs;

	if (!pj)
		return;
	while (pj->list) {
		struct vol_job *j = pj->list;

		pj->list = j->next;
		pthread_join(j->thread, NULL); /* a copy runs to its end */
		rpc_call_done(j->call, -ECANCELED, NULL, NULL);
		job_free(j);
	}
	loop_source_del(dmn->loop, pj->wake);
	free(pj);
	dmn->pool_jobs = NULL;
}
