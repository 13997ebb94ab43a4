// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * volume.clone and volume.create_from, what virsh's vol-clone and
 * vol-create-from call: a new volume with another's contents, made by
 * a volume job (pool-job.c) in any pool type (a file of a dir pool, a
 * logical volume, a partition) from any pool's volume, or from a block
 * device of no pool (P2V: a physical disk or partition into a qcow2
 * volume). With "progress", the caller gets volume.progress
 * notifications while the data is copied (docs/api.md).
 */
#include <errno.h>
#include <sys/stat.h>

#include "daemon/daemon.h"
#include "daemon/pool.h"
#include "lib/json.h"

/* The volume of @params ("vol" in "pool"), not busy with a job. */
static struct storage_vol *idle_source(struct daemon *dmn,
				       struct json_object *params,
				       struct pool **p, struct err **e)
{
	struct storage_vol *v = pool_param_vol(dmn, params, p, e);

	if (v && pool_vol_busy(dmn, (*p)->def->name, v->name, e))
		return NULL;
	return v;
}

/*
 * The new volume's name is free of jobs in @p; "progress" asked;
 * "prealloc_metadata" refused (a copy's clusters are its data).
 */
static int job_params(struct daemon *dmn, struct json_object *params,
		      const struct pool *p, const char *name, bool *progress,
		      struct err **e)
{
	bool prealloc = false;

	*progress = false;
	if (json_get_bool_opt(params, "progress", progress, e) < 0 ||
	    json_get_bool_opt(params, "prealloc_metadata", &prealloc, e) < 0 ||
	    storage_vol_name_check(name, e) < 0 ||
	    pool_vol_busy(dmn, p->def->name, name, e))
		return err_code(*e);
	if (prealloc)
		return err_setk(e, ERR_ARGUMENT_UNSUPPORTED, ENOTSUP,
				"metadata preallocation is not supported "
				"with a copy (vol-clone, vol-create-from)");
	return 0;
}

int pool_m_vol_clone(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = NULL;
	struct storage_vol *v = idle_source(dmn, params, &p, e);
	struct storage_vol_new nv = {.mode = -1, .owner = -1, .group = -1};
	struct vol_job *j;
	bool progress;

	if (!v || json_get_string(params, "name", &nv.name, e) < 0 ||
	    json_get_string_opt(params, "format", &nv.format, e) < 0 ||
	    job_params(dmn, params, p, nv.name, &progress, e) < 0)
		return err_code(*e);
	/* as the source is: a thin logical volume's clone is thin */
	nv.capacity = v->capacity;
	nv.allocation = v->allocation;
	j = pool_job_new(POOL_JOB_CLONE, p, nv.name);
	pool_job_set_new(j, &nv);
	pool_job_set_source(j, p, v);
	if (progress)
		pool_job_set_progress(j);
	return pool_job_start(dmn, j, e);
}

/*
 * The input of vol-create-from: "vol" in "inputpool" (or by path or
 * key), else a block device of no pool named by its path. Fills the
 * job's source.
 */
static int input_of(struct daemon *dmn, struct json_object *params,
		    struct vol_job *j, struct err **e)
{
	_cleanup_json_ struct json_object *q = json_object_new_object();
	_cleanup_err_ struct err *why = NULL;
	const char *key, *inpool = NULL;
	struct storage_vol *v;
	struct pool *p = NULL;
	struct stat st;

	if (json_get_string(params, "vol", &key, e) < 0 ||
	    json_get_string_opt(params, "inputpool", &inpool, e) < 0)
		return -EINVAL;
	json_object_object_add(q, "vol", json_object_new_string(key));
	if (inpool)
		json_object_object_add(q, "pool",
				       json_object_new_string(inpool));
	if ((v = idle_source(dmn, q, &p, &why))) {
		pool_job_set_source(j, p, v);
		return 0;
	}
	if (err_kind(why) != ERR_NO_STORAGE_VOL || key[0] != '/' ||
	    stat(key, &st) < 0 || !S_ISBLK(st.st_mode)) {
		*e = steal_ptr(why);
		return err_code(*e);
	}
	pool_job_set_source_device(j, key);
	return 0;
}

/* The new volume @nv of @d for @p. */
static int new_of(const struct pool *p, const struct vol_def *d,
		  struct storage_vol_new *nv, struct err **e)
{
	*nv = (struct storage_vol_new){
		.name = d->name,
		.format = d->format,
		.capacity = d->capacity,
		/* none given: as large as the capacity the copy gets */
		.allocation = d->has_allocation ? d->allocation : UINT64_MAX,
		.mode = d->perms.mode,
		.owner = d->perms.owner,
		.group = d->perms.group,
	};
	if (d->backing)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"a volume made from another is a copy: it has "
				"no backing store");
	if (d->block && !pool_backend(p)->vol_create)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"volume type 'block' is not what a %s pool "
				"holds (files)",
				pool_type_names[p->def->type]);
	return 0;
}

int pool_m_vol_create_from(void *opaque, struct json_object *params,
			   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct pool *p = NULL;
	struct vol_def *d = NULL;
	struct xml_warnings w = {0};
	struct storage_vol_new nv;
	struct vol_job *j = NULL;
	const char *xml, *pkey;
	bool progress;
	int r;

	if (json_get_string(params, "pool", &pkey, e) < 0 ||
	    json_get_string(params, "xml", &xml, e) < 0 ||
	    !(p = pool_find_active(dmn, pkey, e)))
		return err_code(*e);
	if ((r = vol_def_parse(xml, strlen(xml), &d, &w, e)) < 0) {
		xml_warnings_clear(&w);
		return r;
	}
	r = new_of(p, d, &nv, e);
	if (r == 0)
		r = job_params(dmn, params, p, d->name, &progress, e);
	if (r == 0) {
		j = pool_job_new(POOL_JOB_CLONE, p, d->name);
		pool_job_set_new(j, &nv);
		r = input_of(dmn, params, j, e);
	}
	if (r == 0 && progress)
		pool_job_set_progress(j);
	if (r == 0)
		pool_job_set_warnings(j, pool_warnings_json(&w));
	xml_warnings_clear(&w);
	vol_def_free(d);
	if (r < 0) {
		pool_job_free(j);
		return err_code(*e);
	}
	return pool_job_start(dmn, j, e);
}
