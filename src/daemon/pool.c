// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Storage pools at run time (pool.h): the kind, the life cycle through
 * the pool's backend (src/storage), the volume list, and recovery after
 * a restart of the daemon.
 */
#include "daemon/pool.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"

/* ---- the kind ---------------------------------------------------------- */

static int kind_parse(const char *xml, size_t len, bool driver, void **def,
		      struct xml_warnings *w, struct err **e)
{
	struct pool_def *d = NULL;
	int r = pool_def_parse(xml, len, &d, w, e);

	(void)driver;
	*def = d;
	return r;
}

static char *kind_format(const void *def)
{
	return pool_def_format(def, NULL);
}

static void kind_def_free(void *def)
{
	pool_def_free(def);
}

static const char *kind_def_name(const void *def)
{
	return ((const struct pool_def *)def)->name;
}

static uint8_t *kind_def_uuid(void *def)
{
	return ((struct pool_def *)def)->uuid.bytes;
}

static bool kind_def_uuid_generated(const void *def)
{
	return ((const struct pool_def *)def)->uuid_generated;
}

static struct object *kind_obj_new(void *def)
{
	struct pool *p = xcalloc(1, sizeof(*p));

	p->kind_ = &pool_kind;
	p->def = def;
	return &p->obj;
}

static void kind_obj_free(struct object *o)
{
	struct pool *p = pool_of(o);

	storage_vols_free(p->vols, p->n_vols);
	pool_def_free(p->def);
	pool_def_free(p->newdef);
	free(p);
}

static bool kind_is_active(const struct object *o)
{
	return ((const struct pool *)o)->active;
}

const struct object_kind pool_kind = {
	.name = "storage pool",
	.dir = "pools",
	.err_missing = ERR_NO_STORAGE_POOL,
	.err_exists = ERR_OPERATION_FAILED,
	.parse = kind_parse,
	.format = kind_format,
	.def_free = kind_def_free,
	.def_name = kind_def_name,
	.def_uuid = kind_def_uuid,
	.def_uuid_generated = kind_def_uuid_generated,
	.obj_new = kind_obj_new,
	.obj_free = kind_obj_free,
	.is_active = kind_is_active,
};

const struct storage_backend *pool_backend(const struct pool *p)
{
	/* every type the parser accepts has a backend */
	return storage_backend_find(pool_type_names[p->def->type]);
}

static void params(const struct pool *p, struct storage_pool_params *sp)
{
	pool_def_params(p->def, sp);
}

/* ---- volumes ------------------------------------------------------------ */

static void vols_drop(struct pool *p)
{
	storage_vols_free(p->vols, p->n_vols);
	p->vols = NULL;
	p->n_vols = 0;
}

static size_t vol_index(const struct pool *p, const char *name)
{
	size_t i = 0;

	while (i < p->n_vols && strcmp(p->vols[i].name, name) < 0)
		i++;
	return i;
}

struct pool *pool_find_active(struct daemon *dmn, const char *key,
			      struct err **e)
{
	struct object *o = object_list_lookup(&dmn->pools.l, key, e);

	if (o && !pool_of(o)->active) {
		err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			 "storage pool '%s' is not active",
			 pool_of(o)->def->name);
		return NULL;
	}
	return o ? pool_of(o) : NULL;
}

const struct storage_vol *pool_vol_lookup(const struct pool *p,
					  const char *name)
{
	size_t i = vol_index(p, name);

	if (p->active && i < p->n_vols && streq(p->vols[i].name, name))
		return &p->vols[i];
	return NULL;
}

struct storage_vol *pool_vol_find(struct pool *p, const char *name,
				  struct err **e)
{
	size_t i = vol_index(p, name);

	if (p->active && i < p->n_vols && streq(p->vols[i].name, name))
		return &p->vols[i];
	err_setk(e, ERR_NO_STORAGE_VOL, ENOENT,
		 "storage volume '%.255s' not found in pool '%s'", name,
		 p->def->name);
	return NULL;
}

static int scan(struct pool *p, struct err **e);

/* A backend that lists its volumes itself (logical): listed again. */
static struct storage_vol *vol_update_scanned(struct pool *p, const char *name,
					      struct err **e)
{
	_cleanup_err_ struct err *why = NULL;
	_cleanup_free_ char *copy = xstrdup(name); /* may be a listed one's */

	name = copy;
	if (scan(p, &why) < 0) {
		err_setk(e, ERR_OPERATION_FAILED, EIO, "%s", err_msg(why));
		return NULL;
	}
	return pool_vol_find(p, name, e);
}

struct storage_vol *pool_vol_update(struct pool *p, const char *name,
				    struct err **e)
{
	size_t i = vol_index(p, name);
	bool have = i < p->n_vols && streq(p->vols[i].name, name);
	struct storage_vol v;

	if (pool_backend(p)->scan)
		return vol_update_scanned(p, name, e);
	if (storage_vol_describe(p->def->target, name, &v, e) < 0) {
		if (have) {
			storage_vol_clear(&p->vols[i]);
			memmove(&p->vols[i], &p->vols[i + 1],
				(p->n_vols - i - 1) * sizeof(*p->vols));
			p->n_vols--;
		}
		return NULL;
	}
	if (have) {
		storage_vol_clear(&p->vols[i]);
	} else {
		p->vols =
			xreallocarray(p->vols, p->n_vols + 1, sizeof(*p->vols));
		memmove(&p->vols[i + 1], &p->vols[i],
			(p->n_vols - i) * sizeof(*p->vols));
		p->n_vols++;
	}
	p->vols[i] = v;
	storage_dir_space(p->def->target, &p->space, NULL);
	return &p->vols[i];
}

/* ---- life cycle --------------------------------------------------------- */

static int save_record(struct daemon *dmn, const struct pool *p, struct err **e)
{
	_cleanup_json_ struct json_object *rec = json_object_new_object();

	json_object_object_add(rec, "state", json_object_new_string("running"));
	if (store_runtime_save(&dmn->store, &pool_kind, p->def->name, rec, e) <
		    0 ||
	    store_live_save(&dmn->store, &pool_kind, p->def, e) < 0)
		return -EIO;
	return 0;
}

/* The list of an active pool, read from its directory. */
static int scan(struct pool *p, struct err **e)
{
	const struct storage_backend *b = pool_backend(p);
	struct storage_pool_params sp;
	struct storage_vol *v = NULL;
	size_t n = 0;
	int r;

	pool_def_params(p->def, &sp);
	if (b->scan)
		r = b->scan(&sp, &v, &n, &p->space, e);
	else
		r = storage_dir_scan(p->def->target, &v, &n, e) < 0 ||
				    storage_dir_space(p->def->target, &p->space,
						      e) < 0
			    ? -EIO
			    : 0;
	if (r < 0) {
		storage_vols_free(v, n);
		return err_prefix(e, "pool '%s'", p->def->name);
	}
	vols_drop(p);
	p->vols = v;
	p->n_vols = n;
	return 0;
}

/* @p is no longer active: its record goes, a next definition applies. */
static void went_inactive(struct daemon *dmn, struct pool *p)
{
	p->active = false;
	vols_drop(p);
	memset(&p->space, 0, sizeof(p->space));
	store_runtime_delete(&dmn->store, &pool_kind, p->def->name);
	events_pool_lifecycle(dmn, p, "stopped");
	object_apply_newdef(&p->obj);
	object_drop_transient(&dmn->pools.l, &p->obj);
}

void pool_vols_set(struct pool *p, struct storage_vol *v, size_t n,
		   const struct storage_space *s)
{
	vols_drop(p);
	p->vols = v;
	p->n_vols = n;
	p->space = *s;
}

int pool_start_done(struct daemon *dmn, struct pool *p, struct err **e)
{
	if (save_record(dmn, p, e) < 0) {
		vols_drop(p);
		store_runtime_delete(&dmn->store, &pool_kind, p->def->name);
		return err_code(*e);
	}
	p->active = true;
	log_info("pool '%s' started (%zu volumes)", p->def->name, p->n_vols);
	events_pool_lifecycle(dmn, p, "started");
	return 0;
}

int pool_start(struct daemon *dmn, struct pool *p, struct err **e)
{
	const struct storage_backend *b = pool_backend(p);
	struct storage_pool_params sp;

	if (p->active)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"storage pool '%s' is already active",
				p->def->name);
	params(p, &sp);
	if (b->start && b->start(&sp, e) < 0)
		return err_code(*e);
	if (scan(p, e) < 0 || pool_start_done(dmn, p, e) < 0) {
		_cleanup_err_ struct err *ignored = NULL;

		if (b->stop)
			b->stop(&sp, &ignored);
		vols_drop(p);
		return err_code(*e);
	}
	return 0;
}

void pool_stop_done(struct daemon *dmn, struct pool *p)
{
	log_info("pool '%s' stopped", p->def->name);
	went_inactive(dmn, p);
}

int pool_stop(struct daemon *dmn, struct pool *p, struct err **e)
{
	const struct storage_backend *b = pool_backend(p);
	struct storage_pool_params sp;

	if (!p->active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"storage pool '%s' is not active",
				p->def->name);
	params(p, &sp);
	if (b->stop && b->stop(&sp, e) < 0)
		return err_code(*e);
	pool_stop_done(dmn, p);
	return 0;
}

int pool_check_inactive(const struct pool *p, const char *what, struct err **e)
{
	if (p->active)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"cannot %s storage pool '%s' while it is "
				"active",
				what, p->def->name);
	return 0;
}

int pool_build(struct daemon *dmn, struct pool *p, const char *fs_type,
	       unsigned flags, struct err **e)
{
	const struct storage_backend *b = pool_backend(p);
	struct storage_pool_params sp;

	(void)dmn;
	if (pool_check_inactive(p, "build", e) < 0)
		return -EBUSY;
	params(p, &sp);
	if (b->build && b->build(&sp, fs_type, flags, e) < 0)
		return err_code(*e);
	log_info("pool '%s' built", p->def->name);
	return 0;
}

int pool_delete(struct daemon *dmn, struct pool *p, struct err **e)
{
	const struct storage_backend *b = pool_backend(p);
	struct storage_pool_params sp;

	(void)dmn;
	if (pool_check_inactive(p, "delete", e) < 0)
		return -EBUSY;
	params(p, &sp);
	if (b->delete &&b->delete (&sp, e) < 0)
		return err_code(*e);
	log_info("pool '%s' deleted", p->def->name);
	return 0;
}

int pool_refresh_done(struct daemon *dmn, struct pool *p, int r, struct err **e)
{
	if (r < 0) {
		log_warn("%s: the pool is made inactive", err_msg(*e));
		went_inactive(dmn, p); /* may free @p */
		return -ENODEV;
	}
	events_pool_refresh(dmn, p);
	return 0;
}

int pool_refresh(struct daemon *dmn, struct pool *p, struct err **e)
{
	const struct storage_backend *b = pool_backend(p);
	struct storage_pool_params sp;
	int r = 0;

	if (!p->active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"storage pool '%s' is not active",
				p->def->name);
	params(p, &sp);
	if ((b->check && b->check(&sp, e) < 0) || scan(p, e) < 0)
		r = -ENODEV;
	return pool_refresh_done(dmn, p, r, e);
}

/* ---- recovery ----------------------------------------------------------- */

/* @p was active when the daemon went, and is. */
static void recovered(struct pool *p)
{
	p->active = true;
	if (p->newdef) {
		/* the stored definition is the live one unless it changed */
		_cleanup_free_ char *a = pool_def_format(p->def, NULL);
		_cleanup_free_ char *b = pool_def_format(p->newdef, NULL);

		if (streq(a, b))
			pool_def_free(steal_ptr(p->newdef));
	}
}

/* A remote pool is active with no volumes listed until a refresh job
 * (without a caller) finds its storage, or makes it inactive; the
 * daemon waits for it (bounded) before it serves. */
static void recover_remote(struct daemon *dmn, struct pool *p)
{
	_cleanup_err_ struct err *e = NULL;

	recovered(p);
	if (pool_job_run(dmn, pool_job_new(POOL_JOB_REFRESH, p, NULL), &e) <
	    0) {
		log_warn("pool '%s': %s; the pool is inactive", p->def->name,
			 err_msg(e));
		went_inactive(dmn, p);
		return;
	}
	log_info("pool '%s' is active, its storage being asked", p->def->name);
}

/* A pool that was active when the daemon went: kept if its storage is. */
static void recover_one(struct daemon *dmn, const char *name)
{
	_cleanup_err_ struct err *e = NULL;
	struct object *o = object_list_find_name(&dmn->pools.l, name);
	void *live = NULL;
	struct pool *p;
	struct storage_pool_params sp;

	if (store_live_load(&dmn->store, &pool_kind, name, &live, &e) < 0) {
		log_warn("pool '%s': %s", name, err_msg(e));
		store_runtime_delete(&dmn->store, &pool_kind, name);
		return;
	}
	if (!o) { /* transient */
		o = pool_kind.obj_new(live);
		object_list_add(&dmn->pools.l, o);
	} else {
		pool_of(o)->newdef = o->def;
		o->def = live;
	}
	p = pool_of(o);
	if (pool_remote(p)) { /* its storage asked off the loop */
		recover_remote(dmn, p);
		return;
	}
	params(p, &sp);
	if ((pool_backend(p)->check && pool_backend(p)->check(&sp, &e) < 0) ||
	    scan(p, &e) < 0) {
		log_warn("%s: the pool is inactive", err_msg(e));
		p->active = true; /* went_inactive's precondition */
		went_inactive(dmn, p);
		return;
	}
	recovered(p);
	log_info("pool '%s' is active (%zu volumes)", name, p->n_vols);
}

/*
 * The daemon's first start defines the `default` dir pool on
 * <state>/images, builds it and marks it autostarted, as a libvirt
 * install has one. A marker remembers it: an undefined `default` stays
 * undefined.
 */
static void define_default(struct daemon *dmn)
{
	_cleanup_free_ char *marker =
		xasprintf("%s/pools/.default-defined", dmn->store.state_dir);
	_cleanup_free_ char *xml = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct pool_def *def = NULL;
	struct object *o = NULL;

	if (access(marker, F_OK) == 0)
		return;
	if (object_list_find_name(&dmn->pools.l, "default"))
		goto mark;
	xml = xasprintf("<pool type='dir'>\n  <name>default</name>\n"
			"  <target>\n    <path>%s/images</path>\n"
			"  </target>\n</pool>\n",
			dmn->store.state_dir);
	if (pool_def_parse(xml, strlen(xml), &def, NULL, &e) < 0 ||
	    object_define(&dmn->pools.l, &dmn->store, steal_ptr(def), &o, &e) <
		    0 ||
	    object_set_autostart(&dmn->store, o, true, &e) < 0 ||
	    pool_build(dmn, pool_of(o), NULL, 0, &e) < 0) {
		pool_def_free(def);
		log_error("defining the default pool: %s", err_msg(e));
		return;
	}
	log_info("defined the default pool (%s/images, autostart)",
		 dmn->store.state_dir);
	events_pool_lifecycle(dmn, pool_of(o), "defined");
mark:
	if (file_write_atomic(marker, "", 0, 0600, &e) < 0)
		log_warn("%s", err_msg(e));
}

void pools_recover(struct daemon *dmn)
{
	char **names = store_runtime_names(&dmn->store, &pool_kind);

	for (size_t i = 0; names && names[i]; i++)
		recover_one(dmn, names[i]);
	store_names_free(names);
	define_default(dmn);
	for (size_t i = 0; i < dmn->pools.l.n; i++) {
		struct pool *p = pool_at(&dmn->pools, i);
		_cleanup_err_ struct err *e = NULL;

		if (!p->autostart || p->active)
			continue;
		if (pool_remote(p) ? pool_job_run(dmn,
						  pool_job_new(POOL_JOB_START,
							       p, NULL),
						  &e) < 0
				   : pool_start(dmn, p, &e) < 0)
			log_error("autostart: %s", err_msg(e));
	}
	pool_jobs_wait(dmn); /* remote pools, asked all at once */
}

void pools_release(struct daemon *dmn)
{
	pool_jobs_release(dmn);
	object_list_clear(&dmn->pools.l);
}
