// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Operations that may take long run on a thread of their own
 * (lib/thread.h), so that the daemon's loop goes on serving other
 * clients; the call is deferred and answered from the loop once the
 * thread is done. They are volume operations (create with an
 * allocation, clone, wipe, resize) of every pool, and every operation
 * of a pool whose storage is over the network (pool_remote(): an
 * iSCSI portal or a Ceph cluster that does not answer would otherwise
 * hold up every client for its own timeouts).
 *
 * A job owns copies of everything it uses (paths, names, the pool's
 * definition): the pool may be redefined meanwhile; its volume list and
 * state are only touched on the loop, when the job is collected (a
 * remote pool's list is read again on the thread and installed then).
 * While a job runs on a volume, the verbs that would change that volume
 * are refused (pool_vol_busy); while one of a pool's own runs, all of
 * the pool's (pool_busy).
 *
 * A remote job is bounded in time (nidod.conf storage_job_timeout; not
 * a copy or wipe, whose length is their data's): when it expires, the
 * caller is answered with an error naming the pool, and the job stays
 * listed (the pool busy) until its thread ends; a start that succeeds
 * after that is stopped again on the thread. The state of a job is
 * under its lock: RUNNING, then TIMED_OUT (the loop answered), DONE
 * (the thread is over) or ORPHANED (the daemon exits: the thread frees
 * the job itself). At daemon exit other threads are joined.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/pool.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/thread.h"
#include "storage/iscsi.h"

enum job_state { JOB_RUNNING, JOB_TIMED_OUT, JOB_DONE, JOB_ORPHANED };

struct vol_job {
	struct vol_job *next; /* the loop's list: the loop's thread only */
	struct daemon *dmn;
	enum pool_job_op op;
	pthread_t thread;
	struct rpc_call *call;
	char *pool, *vol; /* @pool NULL: find-sources; @vol NULL: the pool's */
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
	/* the pool's own: build first (start), its arguments; pool-create
	 * made the pool */
	bool build, created;
	char *fs_type;
	unsigned flags;
	bool want_xml; /* VOL_INFO: volume.xml's answer */
	/* find-sources: the portal asked, the answer */
	char *host, *initiator;
	unsigned port;
	char *xml;
	/* a remote pool's list, read again on the thread */
	bool remote, scanned;
	struct storage_vol *vols;
	size_t n_vols;
	struct storage_space space;
	struct loop_source *timer; /* a remote job's bound, or NULL */
	bool timed_out;		   /* the loop's: answered at the bound */
	pthread_mutex_t lock;
	enum job_state state; /* under @lock */
	int r;
	struct err *e;
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
	free(j->fs_type);
	free(j->host);
	free(j->initiator);
	free(j->xml);
	storage_vols_free(j->vols, j->n_vols);
	pthread_mutex_destroy(&j->lock);
	err_free(j->e);
	json_object_put(j->warnings);
	free(j);
}

/* A backend's own volume operations (logical volumes, rbd images). */
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
	case POOL_JOB_VOL_DELETE:
		return b->vol_delete(&sp, j->vol, &j->e);
	default:
		return -EINVAL;
	}
}

/* On the job's thread: the loop is woken when a tenth of a percent
 * more is done (not once the daemon has let the job go). */
static void job_tick(struct storage_progress *pr)
{
	struct vol_job *j = container_of(pr, struct vol_job, pr);
	uint64_t total = atomic_load(&pr->total), done = atomic_load(&pr->done);
	int pm = total ? (int)(done * 1000 / total) : 1000;

	if (!j->want_progress || atomic_exchange(&j->permille, pm) == pm)
		return;
	pthread_mutex_lock(&j->lock);
	if (j->state != JOB_ORPHANED)
		loop_wake(j->dmn->loop);
	pthread_mutex_unlock(&j->lock);
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

/* find-storage-pool-sources iscsi: the portal's targets. */
static int job_find_sources(struct vol_job *j)
{
	struct iscsi_target *t = NULL;
	size_t n = 0;

	if (iscsi_find_targets(j->host, j->port, j->initiator, &t, &n, &j->e) <
	    0)
		return err_code(j->e);
	j->xml = pool_iscsi_sources_format(j->host, j->port, t, n);
	iscsi_targets_free(t, n);
	return 0;
}

static const char *job_verb(const struct vol_job *j);

/* A remote pool's operation but for the listing. */
static int remote_op(struct vol_job *j, const struct storage_pool_params *sp)
{
	const struct storage_backend *b = j->backend;

	switch (j->op) {
	case POOL_JOB_BUILD:
		return b->build ? b->build(sp, j->fs_type, j->flags, &j->e) : 0;
	case POOL_JOB_START:
		if (j->build && b->build &&
		    b->build(sp, j->fs_type, j->flags, &j->e) < 0)
			return err_code(j->e);
		return b->start ? b->start(sp, &j->e) : 0;
	case POOL_JOB_STOP:
		return b->stop ? b->stop(sp, &j->e) : 0;
	case POOL_JOB_DELETE:
		return b->delete ? b->delete (sp, &j->e) : 0;
	case POOL_JOB_REFRESH:
		return b->check ? b->check(sp, &j->e) : 0;
	case POOL_JOB_VOL_INFO:
		return 0; /* the listing is all */
	default:
		return job_run_backend(j);
	}
}

/* Does the remote operation @op change what the pool lists? */
static bool lists_again(enum pool_job_op op)
{
	return op == POOL_JOB_START || op == POOL_JOB_REFRESH ||
	       op == POOL_JOB_CREATE || op == POOL_JOB_CLONE ||
	       op == POOL_JOB_RESIZE || op == POOL_JOB_VOL_DELETE ||
	       op == POOL_JOB_VOL_INFO;
}

/* Stops a remote pool that this job started (a failed or late start). */
static void remote_undo_start(struct vol_job *j)
{
	_cleanup_err_ struct err *ignored = NULL;
	struct storage_pool_params sp;

	pool_def_params(j->def, &sp);
	if (j->backend->stop && j->backend->stop(&sp, &ignored) < 0)
		log_warn("%s", err_msg(ignored));
}

/*
 * A remote pool's job: its operation, then its list read again; a
 * failed volume operation may have changed the pool too, so the list is
 * read then as well (its own failure not the caller's).
 */
static int job_run_remote(struct vol_job *j)
{
	_cleanup_err_ struct err *why = NULL;
	struct storage_pool_params sp;
	int r;

	if (!j->pool)
		return job_find_sources(j);
	pool_def_params(j->def, &sp);
	r = remote_op(j, &sp);
	if (!lists_again(j->op) || !j->backend->scan)
		return r;
	if (r < 0 && (j->op == POOL_JOB_START || j->op == POOL_JOB_REFRESH))
		return r;
	if (j->backend->scan(&sp, &j->vols, &j->n_vols, &j->space,
			     r < 0 ? &why : &j->e) == 0)
		j->scanned = true;
	else if (r == 0 && j->op == POOL_JOB_START) {
		r = err_code(j->e);
		remote_undo_start(j);
	} else if (r == 0)
		r = err_prefix(&j->e,
			       "%s done, but listing the pool again failed",
			       job_verb(j));
	return r;
}

/*
 * The thread's end: a start the loop gave up on is undone; the loop is
 * woken to collect the job, or the job freed when the daemon has let
 * it go.
 */
static void job_end(struct vol_job *j)
{
	bool orphan;

	pthread_mutex_lock(&j->lock);
	if (j->state == JOB_TIMED_OUT && j->op == POOL_JOB_START && j->r == 0) {
		pthread_mutex_unlock(&j->lock);
		remote_undo_start(j);
		pthread_mutex_lock(&j->lock);
	}
	orphan = j->state == JOB_ORPHANED;
	if (!orphan)
		j->state = JOB_DONE;
	pthread_mutex_unlock(&j->lock);
	if (orphan) {
		log_info("pool '%s': a job ended after the daemon let it go",
			 j->pool ? j->pool : "-");
		job_free(j);
		return;
	}
	loop_wake(j->dmn->loop);
}

static void *job_run(void *arg)
{
	struct vol_job *j = arg;

	if (j->remote || !j->pool)
		j->r = job_run_remote(j);
	else if (j->backend)
		j->r = job_run_backend(j);
	else if (j->op == POOL_JOB_CREATE)
		j->r = storage_vol_create(j->dir, &j->nv, &j->e);
	else if (j->op == POOL_JOB_CLONE)
		j->r = storage_vol_clone(j->dir, j->src_path, j->src_format,
					 &j->nv, &j->pr, &j->e);
	else if (j->op == POOL_JOB_WIPE)
		j->r = storage_vol_wipe(j->path, &j->e);
	else if (j->op == POOL_JOB_RESIZE)
		j->r = storage_vol_resize(j->path, j->capacity, j->shrink,
					  j->allocate, &j->e);
	else
		j->r = -EINVAL;
	job_end(j);
	return NULL;
}

/* The verb a job is, for messages. */
static const char *job_verb(const struct vol_job *j)
{
	static const char *const verbs[] = {
		[POOL_JOB_CREATE] = "vol-create",
		[POOL_JOB_CLONE] = "vol-clone",
		[POOL_JOB_WIPE] = "vol-wipe",
		[POOL_JOB_RESIZE] = "vol-resize",
		[POOL_JOB_VOL_DELETE] = "vol-delete",
		[POOL_JOB_VOL_INFO] = "vol-info",
		[POOL_JOB_BUILD] = "pool-build",
		[POOL_JOB_START] = "pool-start",
		[POOL_JOB_STOP] = "pool-destroy",
		[POOL_JOB_DELETE] = "pool-delete",
		[POOL_JOB_REFRESH] = "pool-refresh",
		[POOL_JOB_FIND_SOURCES] = "find-storage-pool-sources",
	};

	return verbs[j->op];
}

/* A pool that pool-create made and that did not start goes again. */
static void drop_created(struct daemon *dmn, struct vol_job *j)
{
	struct object *o = object_list_find_name(&dmn->pools.l, j->pool);

	if (j->created && o && !pool_of(o)->active && !o->persistent)
		object_drop_transient(&dmn->pools.l, o);
	j->created = false;
}

/* The end of a start: the pool active with the list the job read. */
static int collect_start(struct daemon *dmn, struct vol_job *j, struct pool *p)
{
	_cleanup_err_ struct err *why = NULL;

	if (j->timed_out && j->r == 0) /* undone on the thread */
		return err_setk(&j->e, ERR_OPERATION_TIMEOUT, ETIMEDOUT,
				"storage pool '%s' started after its bound, "
				"and was stopped again",
				j->pool);
	if (j->timed_out)
		return j->r;
	if (j->r == 0 && p->active)
		return 0; /* cannot be: refused while the job runs */
	if (j->r < 0)
		return j->r;
	pool_vols_set(p, steal_ptr(j->vols), j->n_vols, &j->space);
	j->n_vols = 0;
	if (pool_start_done(dmn, p, &j->e) == 0)
		return 0;
	/* the daemon could not record it: the storage stopped again */
	if (pool_job_run(dmn, pool_job_new(POOL_JOB_STOP, p, NULL), &why) < 0)
		log_warn("pool '%s': could not stop it again: %s", j->pool,
			 err_msg(why));
	return err_code(j->e);
}

/* On the loop: a job of the pool's own is over. Returns its result,
 * and *@result when its answer is more than null. */
static int collect_pool(struct daemon *dmn, struct vol_job *j,
			struct json_object **result)
{
	struct object *o = object_list_find_name(&dmn->pools.l, j->pool);
	struct pool *p = o ? pool_of(o) : NULL;
	int r = j->r;

	if (!p) /* cannot be: undefine is refused while the job runs */
		return r < 0 ? r
			     : err_setk(&j->e, ERR_OPERATION_FAILED, EIO,
					"storage pool '%s' went away meanwhile",
					j->pool);
	switch (j->op) {
	case POOL_JOB_START:
		r = collect_start(dmn, j, p);
		if (r < 0)
			drop_created(dmn, j);
		else if (j->created) /* pool-create's answer */
			*result = pool_with_warnings(p, steal_ptr(j->warnings));
		return r;
	case POOL_JOB_STOP:
		if (r == 0 && p->active)
			pool_stop_done(dmn, p); /* may free @p */
		return r;
	case POOL_JOB_REFRESH:
		if (!p->active)
			return r;
		if (r == 0)
			pool_vols_set(p, steal_ptr(j->vols), j->n_vols,
				      &j->space);
		j->n_vols = 0;
		return pool_refresh_done(dmn, p, r, &j->e);
	case POOL_JOB_BUILD:
		if (r == 0)
			events_pool_lifecycle(dmn, p, "created");
		return r;
	case POOL_JOB_DELETE:
		if (r == 0)
			events_pool_lifecycle(dmn, p, "deleted");
		return r;
	default:
		return -EINVAL;
	}
}

/* On the loop: a volume job is over; its volume listed again (a
 * remote pool's list is the one the job read). Returns its result. */
static int collect_vol(struct daemon *dmn, struct vol_job *j,
		       struct json_object **result)
{
	struct object *o = object_list_find_name(&dmn->pools.l, j->pool);
	struct pool *p = o && pool_of(o)->active ? pool_of(o) : NULL;
	struct err **e = j->r < 0 ? NULL : &j->e;
	struct storage_vol *v = NULL;
	int r = j->r;

	if (p && j->scanned) {
		pool_vols_set(p, steal_ptr(j->vols), j->n_vols, &j->space);
		j->n_vols = 0;
	}
	if (j->op == POOL_JOB_VOL_DELETE) {
		if (p && !j->remote)
			pool_vol_update(p, j->vol, NULL); /* gone */
		return r;
	}
	if (p && j->remote)
		v = pool_vol_find(p, j->vol, e);
	else if (p)
		v = pool_vol_update(p, j->vol, e);
	if (r == 0 && v && j->want_xml) {
		char *xml = vol_format_xml(v);

		*result = json_object_new_object();
		json_object_object_add(*result, "xml",
				       json_object_new_string(xml));
		free(xml);
	} else if (r == 0 && v) {
		*result = pool_vol_json(p, v);
		if (j->src_path) /* a copy's input, as virsh names it */
			json_object_object_add(
				*result, "input",
				json_object_new_string(j->src ? j->src
							      : j->src_path));
		if (j->warnings)
			json_object_object_add(*result, "warnings",
					       steal_ptr(j->warnings));
	} else if (r == 0 && !p)
		r = err_setk(&j->e, ERR_OPERATION_FAILED, EIO,
			     "storage pool '%s' went away meanwhile", j->pool);
	else if (r == 0)
		r = err_code(j->e);
	if (r < 0 && j->op == POOL_JOB_CREATE)
		err_prefix(&j->e, "creating volume '%s'", j->vol);
	return r;
}

/* On the loop: the job is over; its state applied, its call answered
 * (unless its bound did already). */
static void job_collect(struct daemon *dmn, struct vol_job *j)
{
	struct json_object *result = NULL;
	int r;

	pthread_join(j->thread, NULL);
	if (j->timer)
		loop_source_del(dmn->loop, j->timer);
	j->timer = NULL;
	if (!j->pool) {
		r = j->r;
		if (r == 0) {
			result = json_object_new_object();
			json_object_object_add(result, "xml",
					       json_object_new_string(j->xml));
		}
	} else if (!j->vol)
		r = collect_pool(dmn, j, &result);
	else
		r = collect_vol(dmn, j, &result);
	if (j->timed_out)
		log_info("pool '%s': %s ended after its bound (%d%s%s)",
			 j->pool ? j->pool : "-", job_verb(j), r,
			 r < 0 ? ": " : "", r < 0 ? err_msg(j->e) : "");
	rpc_call_done(j->call, r, result, j->e);
	log_info("pool '%s': %s%s%s: job done (%d)", j->pool ? j->pool : "-",
		 job_verb(j), j->vol ? " of " : "", j->vol ? j->vol : "", r);
}

/* On the loop: a remote job's bound expired before its thread ended:
 * its caller is answered. */
static void on_timeout(struct loop *l, void *opaque)
{
	struct vol_job *j = opaque;
	_cleanup_err_ struct err *e = NULL;
	bool expired;

	(void)l;
	pthread_mutex_lock(&j->lock);
	expired = j->state == JOB_RUNNING;
	if (expired)
		j->state = JOB_TIMED_OUT;
	pthread_mutex_unlock(&j->lock);
	if (!expired) /* done: collected on the next wake */
		return;
	j->timed_out = true;
	if (!j->pool)
		err_setk(&e, ERR_OPERATION_TIMEOUT, ETIMEDOUT,
			 "find-storage-pool-sources: portal '%s' did not "
			 "answer within %u s",
			 j->host, j->dmn->storage_job_timeout);
	else
		err_setk(&e, ERR_OPERATION_TIMEOUT, ETIMEDOUT,
			 "storage pool '%s': %s did not finish within %u s "
			 "(its storage does not answer); %s",
			 j->pool, job_verb(j), j->dmn->storage_job_timeout,
			 j->op == POOL_JOB_START
				 ? "the pool stays inactive"
				 : "the operation goes on in the background, "
				   "and the pool refuses others until it ends");
	log_warn("%s", err_msg(e));
	rpc_call_done(steal_ptr(j->call), -ETIMEDOUT, NULL, e);
	if (j->op == POOL_JOB_START)
		drop_created(j->dmn, j);
}

static void on_wake(struct loop *l, void *opaque)
{
	struct daemon *dmn = opaque;
	struct vol_job **pp = &dmn->pool_jobs->list;

	(void)l;
	while (*pp) {
		struct vol_job *j = *pp;
		bool done;

		pthread_mutex_lock(&j->lock);
		done = j->state == JOB_DONE;
		pthread_mutex_unlock(&j->lock);
		if (!done) {
			job_report(j);
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		job_collect(dmn, j);
		job_free(j);
	}
}

static bool pool_own_job(const struct vol_job *j, const char *pool)
{
	return j->pool && !j->vol && streq(j->pool, pool);
}

/* Does @j hold its volume (or pool) against others? */
static bool job_holds(const struct vol_job *j)
{
	return j->op != POOL_JOB_VOL_INFO;
}

bool pool_vol_busy(struct daemon *dmn, const char *pool, const char *vol,
		   struct err **e)
{
	for (struct vol_job *j = dmn->pool_jobs ? dmn->pool_jobs->list : NULL;
	     j; j = j->next) {
		if (!job_holds(j))
			continue;
		if (pool_own_job(j, pool))
			return pool_busy(dmn, pool, e);
		if ((j->vol && streq(j->pool, pool) && streq(j->vol, vol)) ||
		    (j->src && streq(j->src_pool, pool) &&
		     streq(j->src, vol))) {
			err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				 "volume '%s' is in use by a running operation",
				 vol);
			return true;
		}
	}
	return false;
}

bool pool_busy(struct daemon *dmn, const char *pool, struct err **e)
{
	for (struct vol_job *j = dmn->pool_jobs ? dmn->pool_jobs->list : NULL;
	     j; j = j->next)
		if (j->pool && job_holds(j) && streq(j->pool, pool)) {
			err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				 "storage pool '%s' has asynchronous jobs "
				 "running (%s%s%s)",
				 pool, job_verb(j), j->vol ? " of " : "",
				 j->vol ? j->vol : "");
			return true;
		}
	return false;
}

bool pool_remote(const struct pool *p)
{
	return pool_backend(p)->remote;
}

static struct vol_job *job_alloc(enum pool_job_op op)
{
	struct vol_job *j = xcalloc(1, sizeof(*j));

	j->op = op;
	pthread_mutex_init(&j->lock, NULL);
	j->state = JOB_RUNNING;
	j->nv = (struct storage_vol_new){.mode = -1, .owner = -1, .group = -1};
	j->pr.tick = job_tick;
	atomic_init(&j->permille, -1);
	j->permille_sent = -1;
	return j;
}

/* The path of volume @vol of @p for src/block. */
static char *vol_path(const struct pool *p, const char *vol)
{
	const struct storage_vol *v;

	if (pool_backend(p)->vol_block_name) { /* no file: src/block's name */
		struct storage_pool_params sp;

		pool_def_params(p->def, &sp);
		return pool_backend(p)->vol_block_name(&sp, vol);
	}
	if ((v = pool_vol_lookup(p, vol))) /* an iscsi LUN's */
		return xstrdup(v->path);
	return xasprintf("%s/%s", p->def->target, vol);
}

struct vol_job *pool_job_new(enum pool_job_op op, const struct pool *p,
			     const char *vol)
{
	struct vol_job *j = job_alloc(op);

	j->pool = xstrdup(p->def->name);
	j->vol = vol ? xstrdup(vol) : NULL;
	j->dir = xstrdup(p->def->target);
	j->path = vol ? vol_path(p, vol) : NULL;
	j->remote = pool_remote(p);
	if (pool_backend(p)->vol_create || j->remote) {
		/* the pool may be redefined while the job runs: a copy */
		_cleanup_free_ char *xml = pool_def_format(p->def, NULL);

		j->backend = pool_backend(p);
		if (pool_def_parse(xml, strlen(xml), &j->def, NULL, NULL) < 0)
			abort(); /* what it formats, it parses */
	}
	return j;
}

struct vol_job *pool_job_new_find_sources(const char *host, unsigned port,
					  const char *initiator)
{
	struct vol_job *j = job_alloc(POOL_JOB_FIND_SOURCES);

	j->host = xstrdup(host);
	j->port = port;
	j->initiator = initiator ? xstrdup(initiator) : NULL;
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
	j->src_path = pool_backend(p)->vol_block_name ? vol_path(p, src->name)
						      : xstrdup(src->path);
	/* a block volume is raw: what a guest wrote there is not probed */
	j->src_format = src->block || src->network ? xstrdup("raw") : NULL;
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

void pool_job_set_build(struct vol_job *j, bool build, const char *fs_type,
			unsigned flags)
{
	j->build = build;
	j->fs_type = fs_type ? xstrdup(fs_type) : NULL;
	j->flags = flags;
}

void pool_job_set_xml(struct vol_job *j)
{
	j->want_xml = true;
}

void pool_job_set_created(struct vol_job *j)
{
	j->created = true;
}

void pool_job_free(struct vol_job *j)
{
	job_free(j);
}

/* Is @j bounded in time? A remote job's but a copy's or wipe's. */
static bool job_bounded(const struct daemon *dmn, const struct vol_job *j)
{
	return dmn->storage_job_timeout && (j->remote || !j->pool) &&
	       j->op != POOL_JOB_CLONE && j->op != POOL_JOB_WIPE;
}

/* Starts @j (taken), its call deferred when @defer. */
static int job_launch(struct daemon *dmn, struct vol_job *j, bool defer,
		      struct err **e)
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
	if (job_bounded(dmn, j)) {
		j->timer = loop_timer_add(
			dmn->loop, dmn->storage_job_timeout * 1000000000ull, 0,
			on_timeout, j, e);
		if (!j->timer) {
			job_free(j);
			return err_code(*e);
		}
	}
	r = thread_start(&j->thread, j->vol ? "nidod-vol" : "nidod-pool",
			 job_run, j);
	if (r < 0) {
		if (j->timer)
			loop_source_del(dmn->loop, j->timer);
		job_free(j);
		return err_sys(e, -r, "starting a storage job");
	}
	log_info("pool '%s': %s%s%s started", j->pool ? j->pool : "-",
		 job_verb(j), j->vol ? " of " : "", j->vol ? j->vol : "");
	/* collected by on_wake, which runs on this thread after we return */
	j->call = defer ? rpc_server_defer(dmn->rpc) : NULL;
	j->next = pj->list;
	pj->list = j;
	return RPC_DEFERRED;
}

int pool_job_start(struct daemon *dmn, struct vol_job *j, struct err **e)
{
	return job_launch(dmn, j, true, e);
}

int pool_job_run(struct daemon *dmn, struct vol_job *j, struct err **e)
{
	int r = job_launch(dmn, j, false, e);

	return r == RPC_DEFERRED ? 0 : r;
}

/* Is a job of @dmn running, its caller not yet answered? */
static bool jobs_running(struct daemon *dmn)
{
	bool running = false;

	for (struct vol_job *j = dmn->pool_jobs ? dmn->pool_jobs->list : NULL;
	     j && !running; j = j->next) {
		pthread_mutex_lock(&j->lock);
		running = j->state == JOB_RUNNING;
		pthread_mutex_unlock(&j->lock);
	}
	return running;
}

void pool_jobs_wait(struct daemon *dmn)
{
	_cleanup_err_ struct err *e = NULL;

	/* each job ends, or its bound expires */
	while (jobs_running(dmn))
		if (loop_run_once(dmn->loop, 1000, &e) < 0) {
			log_warn("waiting for the pools: %s", err_msg(e));
			return;
		}
}

/* At exit: a remote job still running is let go (its thread frees it),
 * any other waited for. */
static void job_release(struct daemon *dmn, struct vol_job *j)
{
	pthread_t thread = j->thread; /* @j may be freed once let go */
	bool orphan = false;

	if (j->timer)
		loop_source_del(dmn->loop, j->timer);
	j->timer = NULL;
	rpc_call_done(steal_ptr(j->call), -ECANCELED, NULL, NULL);
	pthread_mutex_lock(&j->lock);
	if (j->state != JOB_DONE && (j->remote || !j->pool)) {
		j->state = JOB_ORPHANED;
		orphan = true;
	}
	pthread_mutex_unlock(&j->lock);
	if (orphan) {
		pthread_detach(thread);
		return;
	}
	pthread_join(thread, NULL); /* a copy runs to its end */
	job_free(j);
}

void pool_jobs_release(struct daemon *dmn)
{
	struct pool_jobs *pj = dmn->pool_jobs;

	if (!pj)
		return;
	while (pj->list) {
		struct vol_job *j = pj->list;

		pj->list = j->next;
		job_release(dmn, j);
	}
	loop_source_del(dmn->loop, pj->wake);
	free(pj);
	dmn->pool_jobs = NULL;
}
