/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Storage pools, the "pool" kind of object.h: a definition
 * (pool_conf.h) and, while the pool is active, its volumes as last
 * listed (pool-refresh lists them again, so that files added or removed
 * outside nido are seen) and its space. What a pool is made of on the
 * host is its backend's (src/storage).
 *
 * An active pool has a run-time record, <runtime>/pools/NAME.json, and
 * its live definition beside it: a restarted daemon keeps the pools
 * whose storage is still there (a mounted fs pool still mounted) and
 * marks the others inactive (pools_recover()).
 *
 * Lifetimes: the list owns its pools; a pool owns its definitions and
 * its volume list.
 */
#ifndef NIDO_DAEMON_POOL_H
#define NIDO_DAEMON_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/object.h"
#include "daemon/pool_conf.h"
#include "storage/storage.h"

struct daemon;
struct json_object;

extern const struct object_kind pool_kind;

struct pool {
	/* The generic part first (object.h); the typed view of domain.h. */
	union {
		struct object obj;
		struct {
			const struct object_kind *kind_;
			struct pool_def *def;	 /* live or inactive */
			struct pool_def *newdef; /* defined while active */
			bool persistent;
			bool autostart;
		};
	};
	bool active;
	struct storage_vol *vols; /* sorted by name; while active */
	size_t n_vols;
	struct storage_space space;
};

_Static_assert(offsetof(struct pool, def) == offsetof(struct pool, obj.def) &&
		       offsetof(struct pool, newdef) ==
			       offsetof(struct pool, obj.newdef) &&
		       offsetof(struct pool, persistent) ==
			       offsetof(struct pool, obj.persistent) &&
		       offsetof(struct pool, autostart) ==
			       offsetof(struct pool, obj.autostart),
	       "struct pool's typed view matches struct object");

static inline struct pool *pool_of(struct object *o)
{
	return (struct pool *)o;
}

struct pool_list {
	struct object_list l;
};
#define POOL_LIST_INIT                     \
	{                                  \
		.l = {.kind = &pool_kind } \
	}

static inline struct pool *pool_at(const struct pool_list *l, size_t i)
{
	return pool_of(l->l.v[i]);
}

/* The backend of @p's type. */
const struct storage_backend *pool_backend(const struct pool *p);

/*
 * Life cycle; each returns 0 or -errno with @e filled, and sends the
 * pool's events. start: the backend's start, then the volumes listed
 * (an active pool is refused). stop: the backend's stop (volumes stay);
 * a transient pool is freed. build and delete: on an inactive pool
 * only; delete removes only what build made (an fs pool's file system
 * is left).
 */
int pool_start(struct daemon *dmn, struct pool *p, struct err **e);
int pool_stop(struct daemon *dmn, struct pool *p, struct err **e);
int pool_build(struct daemon *dmn, struct pool *p, const char *fs_type,
	       unsigned flags, struct err **e);
int pool_delete(struct daemon *dmn, struct pool *p, struct err **e);
/* Refuses to @what ("build", "delete") an active pool: -EBUSY with @e. */
int pool_check_inactive(const struct pool *p, const char *what, struct err **e);

/*
 * Lists the volumes and space of an active pool again. Storage that
 * vanished (an fs pool unmounted behind nido's back) makes the pool
 * inactive, with an event, and fails.
 */
int pool_refresh(struct daemon *dmn, struct pool *p, struct err **e);

/*
 * The daemon's side of the life cycle, for a job that ran the backend's
 * part on a thread (pool-job.c). pool_vols_set installs @v (taken), @n
 * and @s as @p's list and space. pool_start_done makes @p active with
 * the list it has (its record saved, "started" sent); on failure the
 * list is dropped and the caller stops the storage again.
 * pool_stop_done makes @p inactive ("stopped"; a transient @p is
 * freed). pool_refresh_done ends a refresh whose backend part returned
 * @r: "refreshed" sent, or @p made inactive (may free it) and -ENODEV.
 */
void pool_vols_set(struct pool *p, struct storage_vol *v, size_t n,
		   const struct storage_space *s);
int pool_start_done(struct daemon *dmn, struct pool *p, struct err **e);
void pool_stop_done(struct daemon *dmn, struct pool *p);
int pool_refresh_done(struct daemon *dmn, struct pool *p, int r,
		      struct err **e);

/* An active pool's volume @name (NULL with @e: ERR_NO_STORAGE_VOL). */
struct storage_vol *pool_vol_find(struct pool *p, const char *name,
				  struct err **e);
/* The same, read-only and without an error: NULL when there is none. */
const struct storage_vol *pool_vol_lookup(const struct pool *p,
					  const char *name);
/*
 * The volume of @name described again from its file and kept in the
 * list (added when new, removed when gone). Returns it, or NULL with
 * @e when the file is gone.
 */
struct storage_vol *pool_vol_update(struct pool *p, const char *name,
				    struct err **e);

/*
 * The volume of an API call's params: "vol" a name in "pool" when
 * given, else (or when no volume of the pool has that name) a path or
 * key of any active pool's volume. Fills *@pool; NULL with @e
 * (ERR_NO_STORAGE_VOL, ERR_NO_STORAGE_POOL) when there is none.
 * methods-pool.c.
 */
struct storage_vol *pool_param_vol(struct daemon *dmn,
				   struct json_object *params,
				   struct pool **pool, struct err **e);

/* The pool of name or UUID @key, active (NULL with @e otherwise). */
struct pool *pool_find_active(struct daemon *dmn, const char *key,
			      struct err **e);

/* volume.clone and volume.create_from (methods-volcopy.c). */
int pool_m_vol_clone(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e);
int pool_m_vol_create_from(void *opaque, struct json_object *params,
			   struct json_object **result, struct err **e);

/* volume.download and volume.upload: byte streams (pool-stream.c). */
int pool_m_vol_download(void *opaque, struct json_object *params,
			struct json_object **result, struct err **e);
int pool_m_vol_upload(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e);

/* The parser's warnings as a JSON array of strings (methods-pool.c). */
struct json_object *pool_warnings_json(const struct xml_warnings *w);

/* pool.create's answer: @p's fields and the parser's @warnings (taken;
 * NULL: none) (methods-pool.c). */
struct json_object *pool_with_warnings(const struct pool *p,
				       struct json_object *warnings);

/* A volume's fields for the API (methods-pool.c). */
struct json_object *pool_vol_json(const struct pool *p,
				  const struct storage_vol *v);

/*
 * Jobs (pool-job.c): an operation on a thread of its own, its call
 * deferred and answered from the loop (a volume's fields for a volume
 * operation, null for the pool's own). pool_job_new copies what it
 * needs of @p (its definition, the volume's name and path; @vol NULL
 * for the pool's own operations); the setters fill in the operation's
 * arguments (copied); pool_job_start takes the job and returns
 * RPC_DEFERRED, or -errno with @e.
 *
 * Every operation of a pool whose storage is reached over the network
 * (pool_remote(): iscsi, rbd) is a job, so that a portal or cluster
 * that does not answer holds up only its own caller. Such a job, but
 * for a copy or wipe, is bounded in time (nidod.conf's
 * storage_job_timeout): its caller is then answered with an error
 * naming the pool, and the job goes on until its backend gives up; a
 * pool-start that ends after that is undone. While a pool has a job
 * of its own, or any job, the other's verbs are refused by name
 * (pool_busy, pool_vol_busy).
 */
enum pool_job_op {
	POOL_JOB_CREATE,
	POOL_JOB_CLONE,
	POOL_JOB_WIPE,
	POOL_JOB_RESIZE,
	POOL_JOB_VOL_DELETE,
	/* vol-info, vol-dumpxml of a remote pool: the volume described
	 * again (answered as volume.info, or volume.xml after
	 * pool_job_set_xml); no other job is refused for it */
	POOL_JOB_VOL_INFO,
	/* the pool's own */
	POOL_JOB_BUILD,
	POOL_JOB_START,
	POOL_JOB_STOP,
	POOL_JOB_DELETE,
	POOL_JOB_REFRESH,
	POOL_JOB_FIND_SOURCES, /* of no pool */
};
struct vol_job;
struct vol_job *pool_job_new(enum pool_job_op op, const struct pool *p,
			     const char *vol);
/* find-storage-pool-sources(-as) iscsi: the targets of a portal, a
 * <sources> document in the answer's "xml". Of no pool. */
struct vol_job *pool_job_new_find_sources(const char *host, unsigned port,
					  const char *initiator);
void pool_job_set_new(struct vol_job *j, const struct storage_vol_new *nv);
/* A copy's source: the volume @src of @p, or the block device @dev of
 * no pool (P2V), read as raw. */
void pool_job_set_source(struct vol_job *j, const struct pool *p,
			 const struct storage_vol *src);
void pool_job_set_source_device(struct vol_job *j, const char *dev);
/* The caller gets volume.progress notifications while the copy runs
 * (docs/api.md). */
void pool_job_set_progress(struct vol_job *j);
/* What the answer's "warnings" are (a JSON array, taken). */
void pool_job_set_warnings(struct vol_job *j, struct json_object *warnings);
void pool_job_set_resize(struct vol_job *j, uint64_t capacity, bool shrink,
			 bool allocate);
void pool_job_set_xml(struct vol_job *j);
/* BUILD, and START when @build (pool-start --build): build's @fs_type
 * (may be NULL) and flags. */
void pool_job_set_build(struct vol_job *j, bool build, const char *fs_type,
			unsigned flags);
/* START of a pool that pool-create made: it goes again when the start
 * fails. */
void pool_job_set_created(struct vol_job *j);
int pool_job_start(struct daemon *dmn, struct vol_job *j, struct err **e);
/* The same without a caller (recovery, autostart, an undo): its
 * outcome is applied and logged. 0 or -errno with @e. */
int pool_job_run(struct daemon *dmn, struct vol_job *j, struct err **e);
/* A job not started (accepts NULL). */
void pool_job_free(struct vol_job *j);
/* Is a job running on volume @vol of @pool (as its target or a copy's
 * source), or one of the pool's own? true with @e filled
 * (ERR_RESOURCE_BUSY). */
bool pool_vol_busy(struct daemon *dmn, const char *pool, const char *vol,
		   struct err **e);
/* Is any job running on @pool? true with @e filled, as libvirt says it
 * ("has asynchronous jobs running"). */
bool pool_busy(struct daemon *dmn, const char *pool, struct err **e);
/* Is @p's storage reached over the network (its operations jobs)? */
bool pool_remote(const struct pool *p);
/* At daemon start, before clients: runs the loop until every job has
 * ended or reached its bound (the remote pools' recovery and
 * autostart, so that domains find their volumes). */
void pool_jobs_wait(struct daemon *dmn);
/* At daemon exit: waits for the jobs' threads, but for those of remote
 * pools, which are left to end on their own. */
void pool_jobs_release(struct daemon *dmn);

/* At daemon exit: pools stay as they are; the jobs are waited for and
 * the list freed. */
void pools_release(struct daemon *dmn);

/*
 * At daemon start, after the definitions are loaded: keeps the pools
 * that were active and still have their storage, defines the `default`
 * dir pool (<state>/images) on the daemon's first start, and starts the
 * autostarted pools. A remote pool's storage (iscsi, rbd) is asked by
 * jobs, all at once, waited for at most storage_job_timeout: one that
 * does not answer by then is left to its job, and nidod serves.
 */
void pools_recover(struct daemon *dmn);

#endif
