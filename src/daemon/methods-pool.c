// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pool.* and volume.* methods of the API, what virsh's pool-* and
 * vol-* verbs call. Each checks its parameters, finds the pool (by name
 * or UUID) or the volume (by name in a pool, or by path or key in any
 * active pool), and calls the object layer (definitions), pool.c (the
 * life cycle) or src/storage (the volumes' files).
 *
 * Volume operations that may take long run as jobs (pool-job.c), and
 * so does every operation of a remote pool (iscsi, rbd), whose portal or
 * cluster may not answer; a pool with a job refuses other verbs by name
 * (busy_pool). volume.clone and volume.create_from are
 * methods-volcopy.c's.
 */
#include <errno.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/pool.h"
#include "lib/json.h"
#include "lib/uuid.h"
#include "storage/iscsi.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static struct pool *param_pool(struct daemon *dmn, struct json_object *params,
			       struct err **e)
{
	const char *key;
	struct object *o;

	if (json_get_string(params, "pool", &key, e) < 0)
		return NULL;
	o = object_list_lookup(&dmn->pools.l, key, e);
	return o ? pool_of(o) : NULL;
}

/* The pool of @params, with no job running on it. */
static struct pool *busy_pool(struct daemon *dmn, struct json_object *params,
			      struct err **e)
{
	struct pool *p = param_pool(dmn, params, e);

	if (p && pool_busy(dmn, p->def->name, e))
		return NULL;
	return p;
}

static int need_active(const struct pool *p, struct err **e)
{
	if (!p->active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"storage pool '%s' is not active",
				p->def->name);
	return 0;
}

/* The volume whose path (its key) is @path, in any active pool. */
static struct storage_vol *vol_by_path(struct daemon *dmn, const char *path,
				       struct pool **pool)
{
	for (size_t i = 0; i < dmn->pools.l.n; i++) {
		struct pool *p = pool_at(&dmn->pools, i);

		for (size_t j = 0; p->active && j < p->n_vols; j++)
			if (streq(p->vols[j].path, path)) {
				*pool = p;
				return &p->vols[j];
			}
	}
	return NULL;
}

/*
 * params.vol: a name in params.pool when given, else (or when no volume
 * of the pool has that name) a path or key. Fills *@pool.
 */
struct storage_vol *pool_param_vol(struct daemon *dmn,
				   struct json_object *params,
				   struct pool **pool, struct err **e)
{
	const char *key, *pkey = NULL;
	struct storage_vol *v = NULL;

	if (json_get_string(params, "vol", &key, e) < 0 ||
	    json_get_string_opt(params, "pool", &pkey, e) < 0)
		return NULL;
	if (pkey) {
		if (!(*pool = param_pool(dmn, params, e)) ||
		    need_active(*pool, e) < 0)
			return NULL;
		if ((v = pool_vol_find(*pool, key, NULL)))
			return v;
	}
	if (key[0] == '/' && (v = vol_by_path(dmn, key, pool)))
		return v;
	err_setk(e, ERR_NO_STORAGE_VOL, ENOENT,
		 "storage volume '%.255s' not found%s%s%s", key,
		 pkey ? " in pool '" : "", pkey ? (*pool)->def->name : "",
		 pkey ? "'" : "");
	return NULL;
}

static const char *state_name(const struct pool *p)
{
	return p->active ? "running" : "inactive";
}

static struct json_object *summary(const struct pool *p)
{
	struct json_object *o = json_object_new_object();
	char uuid[UUID_TEXT_LEN];

	add_str(o, "name", p->def->name);
	add_str(o, "uuid", uuid_to_text(&p->def->uuid, uuid));
	add_str(o, "type", pool_type_names[p->def->type]);
	add_str(o, "state", state_name(p));
	add_bool(o, "active", p->active);
	add_bool(o, "persistent", p->persistent);
	add_bool(o, "autostart", p->autostart);
	add_str(o, "target", p->def->target);
	if (p->active) {
		add_u64(o, "capacity", p->space.capacity);
		add_u64(o, "allocation", p->space.allocation);
		add_u64(o, "available", p->space.available);
		add_u64(o, "volumes", p->n_vols);
		add_str(o, "space_unknown", p->space.unknown);
	}
	return o;
}

struct json_object *pool_vol_json(const struct pool *p,
				  const struct storage_vol *v)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "name", v->name);
	add_str(o, "key", v->path);
	add_str(o, "path", v->path);
	add_str(o, "pool", p->def->name);
	add_str(o, "type",
		v->network ? "network"
		: v->block ? "block"
			   : "file");
	add_str(o, "format", v->format);
	add_u64(o, "capacity", v->capacity);
	add_u64(o, "allocation", v->allocation);
	add_u64(o, "physical", v->physical);
	add_str(o, "backing", v->backing);
	add_str(o, "backing_format", v->backing_format);
	return o;
}

static int by_name(const void *pa, const void *pb)
{
	const struct pool *a = *(struct pool *const *)pa;
	const struct pool *b = *(struct pool *const *)pb;

	return strcmp(a->def->name, b->def->name);
}

static int m_list(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	size_t n = dmn->pools.l.n;
	_cleanup_free_ struct pool **v = xreallocarray(NULL, n + 1, sizeof(*v));
	struct json_object *arr = json_object_new_array();
	bool all = false;

	if (json_get_bool_opt(params, "all", &all, e) < 0) {
		json_object_put(arr);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = pool_at(&dmn->pools, i);
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	for (size_t i = 0; i < n; i++)
		if (all || v[i]->active)
			json_object_array_add(arr, summary(v[i]));
	*result = json_object_new_object();
	json_object_object_add(*result, "pools", arr);
	return 0;
}

struct json_object *pool_warnings_json(const struct xml_warnings *w)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < w->n; i++)
		json_object_array_add(arr, json_object_new_string(w->msgs[i]));
	return arr;
}

/* params.xml parsed (and checked strictly with "validate"). */
static int parse_xml_param(struct json_object *params, struct pool_def **def,
			   struct json_object **warnings, struct err **e)
{
	struct xml_warnings w = {0};
	const char *xml;

	if (json_get_string(params, "xml", &xml, e) < 0)
		return -EINVAL;
	if (pool_def_parse(xml, strlen(xml), def, &w, e) < 0)
		return err_code(*e);
	*warnings = pool_warnings_json(&w);
	xml_warnings_clear(&w);
	if (daemon_validate_strict(params, *warnings, "pool", e) < 0) {
		pool_def_free(steal_ptr(*def));
		json_object_put(steal_ptr(*warnings));
		return err_code(*e);
	}
	return 0;
}

/*
 * A target another pool has would list the same files twice; disk
 * pools all have /dev, and a disk two of them have would be the same
 * partitions.
 */
static int check_target(struct daemon *dmn, const struct pool_def *def,
			struct err **e)
{
	for (size_t i = 0; i < dmn->pools.l.n; i++) {
		const struct pool *p = pool_at(&dmn->pools, i);
		bool disks =
			p->def->type == POOL_DISK && def->type == POOL_DISK;
		bool luns =
			p->def->type == POOL_ISCSI || def->type == POOL_ISCSI;

		if (streq(p->def->name, def->name))
			continue;
		if (disks && streq(p->def->source_device, def->source_device))
			return err_setk(e, ERR_OPERATION_FAILED, EEXIST,
					"pool '%s' has the same disk '%s'",
					p->def->name, def->source_device);
		/* iscsi pools share /dev/disk/by-path: one per target */
		if (p->def->type == POOL_ISCSI && def->type == POOL_ISCSI &&
		    streq(p->def->source_iqn, def->source_iqn))
			return err_setk(e, ERR_OPERATION_FAILED, EEXIST,
					"pool '%s' has the same iSCSI target "
					"'%s'",
					p->def->name, def->source_iqn);
		if (!disks && !luns && streq(p->def->target, def->target))
			return err_setk(e, ERR_OPERATION_FAILED, EEXIST,
					"pool '%s' has the same target path "
					"'%s'",
					p->def->name, def->target);
	}
	return 0;
}

struct json_object *pool_with_warnings(const struct pool *p,
				       struct json_object *warnings)
{
	struct json_object *o = summary(p);

	json_object_object_add(o, "warnings", warnings);
	return o;
}

static int m_define(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool_def *def = NULL;
	struct json_object *warnings = NULL;
	struct object *obj = NULL;

	if (parse_xml_param(params, &def, &warnings, e) < 0)
		return err_code(*e);
	if (check_target(dmn, def, e) < 0 || pool_busy(dmn, def->name, e)) {
		pool_def_free(def);
		json_object_put(warnings);
		return err_code(*e);
	}
	if (object_define(&dmn->pools.l, &dmn->store, def, &obj, e) < 0) {
		json_object_put(warnings);
		return err_code(*e);
	}
	events_pool_lifecycle(dmn, pool_of(obj), "defined");
	*result = pool_with_warnings(pool_of(obj), warnings);
	return 0;
}

/* build, overwrite, no_overwrite (and format) of @params as flags. */
static int build_flags(struct json_object *params, bool *build, unsigned *flags,
		       const char **format, struct err **e)
{
	bool ow = false, no_ow = false;

	*build = false;
	*format = NULL;
	if (json_get_bool_opt(params, "build", build, e) < 0 ||
	    json_get_bool_opt(params, "overwrite", &ow, e) < 0 ||
	    json_get_bool_opt(params, "no_overwrite", &no_ow, e) < 0 ||
	    json_get_string_opt(params, "format", format, e) < 0)
		return -EINVAL;
	*flags = (ow ? STORAGE_BUILD_OVERWRITE : 0) |
		 (no_ow ? STORAGE_BUILD_NO_OVERWRITE : 0);
	if (ow && no_ow)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"overwrite and no-overwrite exclude each "
				"other");
	return 0;
}

/* pool-start [--build]: a remote pool's as a job (@created: pool-create
 * made it, its answer the pool with @warnings, taken, when deferred).
 * 0, RPC_DEFERRED or -errno with @e. */
static int start_built(struct daemon *dmn, struct pool *p,
		       struct json_object *params, bool created,
		       struct json_object *warnings, struct err **e)
{
	const char *format;
	unsigned flags;
	bool build;
	struct vol_job *j;

	if (build_flags(params, &build, &flags, &format, e) < 0)
		return -EINVAL;
	if (!pool_remote(p)) {
		if ((build || flags) &&
		    pool_build(dmn, p, format, flags, e) < 0)
			return err_code(*e);
		return pool_start(dmn, p, e);
	}
	if (p->active)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"storage pool '%s' is already active",
				p->def->name);
	j = pool_job_new(POOL_JOB_START, p, NULL);
	pool_job_set_build(j, build || flags, format, flags);
	if (created) {
		pool_job_set_created(j);
		pool_job_set_warnings(j, json_object_get(warnings));
	}
	return pool_job_start(dmn, j, e);
}

static int m_create(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool_def *def = NULL;
	struct json_object *warnings = NULL;
	struct object *obj = NULL;
	int r;

	if (parse_xml_param(params, &def, &warnings, e) < 0)
		return err_code(*e);
	if (check_target(dmn, def, e) < 0 || pool_busy(dmn, def->name, e) ||
	    object_check_conflicts(&dmn->pools.l, def, &obj, e) < 0 ||
	    (obj && err_setk(e, ERR_OPERATION_INVALID, EEXIST,
			     "storage pool '%s' already exists", def->name))) {
		pool_def_free(def);
		json_object_put(warnings);
		return err_code(*e);
	}
	obj = pool_kind.obj_new(def);
	object_list_add(&dmn->pools.l, obj);
	r = start_built(dmn, pool_of(obj), params, true, warnings, e);
	if (r < 0) {
		object_list_remove(&dmn->pools.l, obj);
		pool_kind.obj_free(obj);
		json_object_put(warnings);
		return err_code(*e);
	}
	if (r == RPC_DEFERRED) { /* answered by the job */
		json_object_put(warnings);
		return r;
	}
	*result = pool_with_warnings(pool_of(obj), warnings);
	return 0;
}

static int m_undefine(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = busy_pool(dmn, params, e);

	if (!p || object_undefine_stored(&dmn->store, &p->obj, e) < 0)
		return err_code(*e);
	events_pool_lifecycle(dmn, p, "undefined");
	object_undefine_done(&dmn->pools.l, &p->obj);
	return 0;
}

static int m_start(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = busy_pool(dmn, params, e);

	if (!p)
		return err_code(*e);
	return start_built(dmn, p, params, false, NULL, e);
}

static int m_build(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = busy_pool(dmn, params, e);
	const char *format;
	unsigned flags;
	bool build;
	struct vol_job *j;

	if (!p || build_flags(params, &build, &flags, &format, e) < 0)
		return err_code(*e);
	if (pool_remote(p)) {
		if (pool_check_inactive(p, "build", e) < 0)
			return -EBUSY;
		j = pool_job_new(POOL_JOB_BUILD, p, NULL);
		pool_job_set_build(j, true, format, flags);
		return pool_job_start(dmn, j, e);
	}
	if (pool_build(dmn, p, format, flags, e) < 0)
		return err_code(*e);
	events_pool_lifecycle(dmn, p, "created");
	return 0;
}

/* destroy, delete, refresh: one call of pool.c each, or a remote
 * pool's job. */
static int m_destroy(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = busy_pool(dmn, params, e);

	if (!p)
		return err_code(*e);
	if (pool_remote(p))
		return need_active(p, e) < 0
			       ? -EINVAL
			       : pool_job_start(
					 dmn,
					 pool_job_new(POOL_JOB_STOP, p, NULL),
					 e);
	return pool_stop(dmn, p, e) < 0 ? err_code(*e) : 0;
}

static int m_delete(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = busy_pool(dmn, params, e);

	if (!p)
		return err_code(*e);
	if (pool_remote(p))
		return pool_check_inactive(p, "delete", e) < 0
			       ? -EBUSY
			       : pool_job_start(
					 dmn,
					 pool_job_new(POOL_JOB_DELETE, p, NULL),
					 e);
	if (pool_delete(dmn, p, e) < 0)
		return err_code(*e);
	events_pool_lifecycle(dmn, p, "deleted");
	return 0;
}

static int m_refresh(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = busy_pool(dmn, params, e);

	if (!p)
		return err_code(*e);
	if (pool_remote(p))
		return need_active(p, e) < 0
			       ? -EINVAL
			       : pool_job_start(dmn,
						pool_job_new(POOL_JOB_REFRESH,
							     p, NULL),
						e);
	return pool_refresh(dmn, p, e) < 0 ? err_code(*e) : 0;
}

static int m_autostart(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = param_pool(dmn, params, e);
	bool enable;

	if (!p || json_get_bool(params, "enable", &enable, e) < 0 ||
	    object_set_autostart(&dmn->store, &p->obj, enable, e) < 0)
		return err_code(*e);
	return 0;
}

static int m_info(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = param_pool(dmn, params, e);

	if (!p)
		return err_code(*e);
	*result = summary(p);
	return 0;
}

/* The targets of the portal @host:@port, as a <sources> document: a
 * job (iscsiadm may wait for a portal that does not answer). */
static int find_iscsi(struct daemon *dmn, const char *host, uint64_t port,
		      const char *initiator, struct err **e)
{
	if (!host)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"iscsi source discovery needs a host");
	if (port > 65535)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"port %llu is not a port",
				(unsigned long long)port);
	return pool_job_start(
		dmn, pool_job_new_find_sources(host, (unsigned)port, initiator),
		e);
}

/*
 * find-storage-pool-sources(-as): the sources a host offers for a pool
 * type; iscsi's (the targets of a portal, by sendtargets discovery)
 * only.
 */
static int m_find_sources(void *opaque, struct json_object *params,
			  struct json_object **result, struct err **e)
{
	const char *type, *host = NULL, *initiator = NULL, *spec_xml = NULL;
	struct pool_source_spec spec = {0};
	uint64_t port = 0;
	int r;

	if (json_get_string(params, "type", &type, e) < 0 ||
	    json_get_string_opt(params, "host", &host, e) < 0 ||
	    json_get_uint64_opt(params, "port", &port, e) < 0 ||
	    json_get_string_opt(params, "initiator", &initiator, e) < 0 ||
	    json_get_string_opt(params, "spec", &spec_xml, e) < 0)
		return err_code(*e);
	if (!streq(type, "iscsi"))
		return err_setk(e, ERR_NO_SUPPORT, ENOTSUP,
				"pool type '%.32s' does not support source "
				"discovery (nido: iscsi only)",
				type);
	if (spec_xml) { /* find-storage-pool-sources TYPE FILE */
		if (pool_source_spec_parse(spec_xml, strlen(spec_xml), &spec,
					   NULL, e) < 0)
			return err_code(*e);
		r = find_iscsi(opaque, spec.host, spec.port, spec.initiator, e);
		pool_source_spec_clear(&spec);
		return r;
	}
	return find_iscsi(opaque, host, port, initiator, e);
}

static int m_xml(void *opaque, struct json_object *params,
		 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = param_pool(dmn, params, e);
	bool inactive = false;
	char *xml;

	if (!p || json_get_bool_opt(params, "inactive", &inactive, e) < 0)
		return err_code(*e);
	xml = pool_def_format(object_xml_def(&p->obj, inactive),
			      p->active && !inactive ? &p->space : NULL);
	*result = json_object_new_object();
	add_str(*result, "xml", xml);
	free(xml);
	return 0;
}

/* ---- volumes ------------------------------------------------------------ */

static int m_vol_list(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = param_pool(dmn, params, e);
	struct json_object *arr;

	if (!p || need_active(p, e) < 0)
		return err_code(*e);
	arr = json_object_new_array();
	for (size_t i = 0; i < p->n_vols; i++)
		json_object_array_add(arr, pool_vol_json(p, &p->vols[i]));
	*result = json_object_new_object();
	json_object_object_add(*result, "volumes", arr);
	return 0;
}

/*
 * The volume @name of @p described again from its storage; a remote
 * pool's as last listed (pool-refresh reads it again), never reached
 * from the loop.
 */
static struct storage_vol *vol_again(struct pool *p, const char *name,
				     struct err **e)
{
	if (pool_remote(p))
		return pool_vol_find(p, name, e);
	return pool_vol_update(p, name, e);
}

/* A volume of @p is listed again and answered with. */
static int vol_made(struct pool *p, const char *name,
		    struct json_object **result, struct err **e)
{
	struct storage_vol *v = vol_again(p, name, e);

	if (!v)
		return err_code(*e);
	*result = pool_vol_json(p, v);
	return 0;
}

static void vol_new_from(const struct vol_def *d, struct storage_vol_new *nv)
{
	*nv = (struct storage_vol_new){
		.name = d->name,
		.format = d->format,
		.capacity = d->capacity,
		.allocation = d->allocation,
		.backing = d->backing,
		.backing_format = d->backing_format,
		.mode = d->perms.mode,
		.owner = d->perms.owner,
		.group = d->perms.group,
	};
}

static int m_vol_create(void *opaque, struct json_object *params,
			struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = param_pool(dmn, params, e);
	struct xml_warnings w = {0};
	struct vol_def *d = NULL;
	struct storage_vol_new nv;
	struct vol_job *j;
	const char *xml;
	int r;

	if (!p || need_active(p, e) < 0 ||
	    json_get_string(params, "xml", &xml, e) < 0)
		return err_code(*e);
	r = vol_def_parse(xml, strlen(xml), &d, &w, e);
	if (r < 0) {
		xml_warnings_clear(&w);
		return r;
	}
	vol_new_from(d, &nv);
	/* libvirt's: no allocation is all of it (a thick logical volume) */
	if (!d->has_allocation && pool_backend(p)->vol_create)
		nv.allocation = nv.capacity;
	if (json_get_bool_opt(params, "prealloc_metadata",
			      &nv.prealloc_metadata, e) < 0)
		r = -EINVAL;
	else if (d->backing && !d->backing_format)
		r = err_setk(e, ERR_INVALID_ARG, EINVAL,
			     "backing store '%s' given without its format; "
			     "nido does not guess it",
			     d->backing);
	else if (d->block && !pool_backend(p)->vol_create)
		r = err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
			     "volume type 'block' is not what a %s pool "
			     "holds (files)",
			     pool_type_names[p->def->type]);
	else if (pool_vol_busy(dmn, p->def->name, d->name, e))
		r = -EBUSY;
	else
		r = 0;
	if (r < 0) {
		err_prefix(e, "creating volume '%s'", d->name);
		vol_def_free(d);
		xml_warnings_clear(&w);
		return r;
	}
	j = pool_job_new(POOL_JOB_CREATE, p, d->name);
	pool_job_set_new(j, &nv);
	pool_job_set_warnings(j, pool_warnings_json(&w));
	xml_warnings_clear(&w);
	vol_def_free(d);
	return pool_job_start(dmn, j, e);
}

/* The volume of @params, not busy with a job. */
static struct storage_vol *idle_vol(struct daemon *dmn,
				    struct json_object *params, struct pool **p,
				    struct err **e)
{
	struct storage_vol *v = pool_param_vol(dmn, params, p, e);

	if (v && pool_vol_busy(dmn, (*p)->def->name, v->name, e))
		return NULL;
	return v;
}

static int m_vol_delete(void *opaque, struct json_object *params,
			struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = NULL;
	struct storage_vol *v = idle_vol(dmn, params, &p, e);
	_cleanup_free_ char *name = NULL;

	const struct storage_backend *b;
	struct storage_pool_params sp;

	if (!v)
		return err_code(*e);
	if (pool_remote(p))
		return pool_job_start(
			dmn, pool_job_new(POOL_JOB_VOL_DELETE, p, v->name), e);
	b = pool_backend(p);
	pool_def_params(p->def, &sp);
	if (b->vol_delete ? b->vol_delete(&sp, v->name, e) < 0
			  : storage_vol_delete(v->path, e) < 0)
		return err_code(*e);
	name = xstrdup(v->name);
	pool_vol_update(p, name, NULL); /* gone: removed from the list */
	return 0;
}

static int m_vol_wipe(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = NULL;
	struct storage_vol *v = idle_vol(dmn, params, &p, e);
	int64_t algorithm = 0;

	if (!v || json_get_int64_opt(params, "algorithm", &algorithm, e) < 0)
		return err_code(*e);
	if (algorithm != 0)
		return err_setk(e, ERR_ARGUMENT_UNSUPPORTED, ENOTSUP,
				"wiping algorithm %lld is not supported (zero)",
				(long long)algorithm);
	return pool_job_start(dmn, pool_job_new(POOL_JOB_WIPE, p, v->name), e);
}

static int m_vol_resize(void *opaque, struct json_object *params,
			struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = NULL;
	struct storage_vol *v = idle_vol(dmn, params, &p, e);
	bool delta = false, shrink = false, allocate = false;
	uint64_t cap, now;
	struct vol_job *j;

	if (!v || json_get_uint64(params, "capacity", &cap, e) < 0 ||
	    json_get_bool_opt(params, "delta", &delta, e) < 0 ||
	    json_get_bool_opt(params, "shrink", &shrink, e) < 0 ||
	    json_get_bool_opt(params, "allocate", &allocate, e) < 0)
		return err_code(*e);
	if (!(v = vol_again(p, v->name, e)))
		return err_code(*e);
	now = v->capacity;
	if (delta && shrink && cap > now)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"can't shrink capacity below zero");
	if (delta && !shrink && cap > UINT64_MAX - now)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"capacity overflows");
	if (delta)
		cap = shrink ? now - cap : now + cap;
	if (cap == 0 && shrink)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"can't shrink capacity to zero");
	j = pool_job_new(POOL_JOB_RESIZE, p, v->name);
	pool_job_set_resize(j, cap, shrink, allocate);
	return pool_job_start(dmn, j, e);
}

/* info and xml: the volume described again from its file. */
static int m_vol_info(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = NULL;
	struct storage_vol *v = pool_param_vol(dmn, params, &p, e);
	_cleanup_free_ char *name = NULL;

	if (!v)
		return err_code(*e);
	if (pool_remote(p)) /* described again off the loop */
		return pool_job_start(
			dmn, pool_job_new(POOL_JOB_VOL_INFO, p, v->name), e);
	name = xstrdup(v->name);
	return vol_made(p, name, result, e);
}

static int m_vol_xml(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = NULL;
	struct storage_vol *v = pool_param_vol(dmn, params, &p, e);
	_cleanup_free_ char *name = NULL, *xml = NULL;

	if (!v)
		return err_code(*e);
	if (pool_remote(p)) {
		struct vol_job *j = pool_job_new(POOL_JOB_VOL_INFO, p, v->name);

		pool_job_set_xml(j);
		return pool_job_start(dmn, j, e);
	}
	name = xstrdup(v->name);
	if (!(v = pool_vol_update(p, name, e)))
		return err_code(*e);
	xml = vol_format_xml(v);
	*result = json_object_new_object();
	add_str(*result, "xml", xml);
	return 0;
}

const struct rpc_method pool_methods[] = {
	{"pool.list", m_list, RPC_READ_ONLY},
	{"pool.define", m_define},
	{"pool.create", m_create},
	{"pool.undefine", m_undefine},
	{"pool.start", m_start},
	{"pool.build", m_build},
	{"pool.destroy", m_destroy},
	{"pool.delete", m_delete},
	{"pool.refresh", m_refresh},
	{"pool.autostart", m_autostart},
	{"pool.info", m_info, RPC_READ_ONLY},
	{"pool.xml", m_xml, RPC_READ_ONLY},
	{"pool.find_sources", m_find_sources},
	{"volume.list", m_vol_list, RPC_READ_ONLY},
	{"volume.create", m_vol_create},
	{"volume.clone", pool_m_vol_clone},
	{"volume.create_from", pool_m_vol_create_from},
	{"volume.delete", m_vol_delete},
	{"volume.wipe", m_vol_wipe},
	{"volume.resize", m_vol_resize},
	{"volume.info", m_vol_info, RPC_READ_ONLY},
	{"volume.xml", m_vol_xml, RPC_READ_ONLY},
	/* a disk's bytes: never on the read-only socket, which anyone may
	 * reach (libvirt refuses it there too) */
	{"volume.download", pool_m_vol_download},
	{"volume.upload", pool_m_vol_upload},
};

const size_t pool_n_methods = ARRAY_SIZE(pool_methods);
