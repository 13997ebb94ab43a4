// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's snapshot-* verbs (docs/api.md, docs/snapshots.md): internal
 * snapshots of a shut off domain's qcow2 disks, their metadata, revert
 * and delete. A running domain's snapshots (with its memory) are not
 * taken yet: refused by name.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/domain-disks.h"
#include "daemon/driver.h"
#include "daemon/events.h"
#include "daemon/rpc.h"
#include "daemon/snapshot.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

/* The domain, shut off and idle, with its snapshots. */
static struct domain *idle_domain(struct daemon *dmn,
				  struct json_object *params, const char *what,
				  struct snapshot_set **set, struct err **e)
{
	struct domain *dom = param_domain(dmn, params, e);

	if (!dom || need_idle(dom, e) < 0)
		return NULL;
	if (domain_is_active(dom)) {
		err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			 "cannot %s a snapshot of a running domain yet: nido "
			 "takes internal snapshots of a shut off domain's "
			 "disks (shut it down, or save it)",
			 what);
		return NULL;
	}
	if (!(*set = snapshot_set_of(dmn, dom, e)))
		return NULL;
	return dom;
}

static struct snapshot_def *param_snapshot(const struct snapshot_set *set,
					   struct json_object *params,
					   struct err **e)
{
	const char *name;
	struct snapshot_def *sn;

	if (json_get_string(params, "snapshot", &name, e) < 0)
		return NULL;
	if (!(sn = snapshot_find(set, name)))
		err_setk(e, ERR_NO_DOMAIN_SNAPSHOT, ENOENT,
			 "no domain snapshot with matching name '%s'", name);
	return sn;
}

/* A copy of @xml's definition with its volumes' paths, for the images. */
static struct domain_def *def_with_paths(struct daemon *dmn, const char *xml,
					 struct err **e)
{
	struct domain_def *def = NULL;

	if (domain_def_parse_with(xml, strlen(xml), NULL, &def, NULL, e) < 0)
		return NULL;
	if (domain_disks_resolve(dmn, def, e) < 0) {
		domain_def_free(def);
		return NULL;
	}
	return def;
}

static int m_create(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct snapshot_set *set = NULL;
	struct domain *dom = idle_domain(dmn, params, "take", &set, e);
	struct snapshot_def *sn = NULL, *cur;
	struct domain_def *def = NULL;
	const char *xml = NULL;
	int r;

	if (!dom || json_get_string_opt(params, "xml", &xml, e) < 0)
		return err_code(*e);
	if (xml) {
		if (snapshot_def_parse(xml, strlen(xml), false, &sn, NULL, e) <
		    0)
			return err_code(*e);
	} else {
		sn = xcalloc(1, sizeof(*sn));
	}
	sn->creation_time = (int64_t)time(NULL);
	if (!sn->name) /* libvirt's: the time */
		sn->name = xasprintf("%lld", (long long)sn->creation_time);
	if (set->n >= 1024)
		r = err_setk(e, ERR_OPERATION_INVALID, ENOSPC,
			     "domain has 1024 snapshots already");
	else if (snapshot_find(set, sn->name))
		r = err_setk(e, ERR_OPERATION_INVALID, EEXIST,
			     "domain snapshot '%s' already exists", sn->name);
	else if (sn->memory)
		r = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			     "a shut off domain has no memory to snapshot "
			     "(<memory snapshot='internal'>)");
	else
		r = 0;
	if (r < 0)
		goto out;
	sn->state = SNAPSHOT_SHUTOFF;
	sn->domain_xml = domain_def_format(dom->def);
	if (!(def = def_with_paths(dmn, sn->domain_xml, e)) ||
	    snapshot_pick_disks(def, sn, e) < 0 ||
	    snapshot_images(def, sn, SNAPSHOT_OP_CREATE, e) < 0) {
		r = err_code(*e);
		goto out;
	}
	if ((cur = snapshot_current(set)))
		sn->parent = xstrdup(cur->name);
	set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
	set->v[set->n++] = sn;
	if ((r = snapshot_set_current(dmn, dom, set, sn, e)) < 0) {
		_cleanup_err_ struct err *why = NULL;

		set->n--;
		if (snapshot_images(def, sn, SNAPSHOT_OP_DELETE, &why) < 0)
			log_warn("%s", err_msg(why));
		goto out;
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "name",
			       json_object_new_string(sn->name));
	sn = NULL;
out:
	snapshot_def_free(sn);
	domain_def_free(def);
	return r < 0 ? err_prefix(e, "domain '%s'", dom->def->name) : 0;
}

static struct json_object *describe(const struct snapshot_set *set,
				    const struct snapshot_def *sn)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(sn->name));
	if (sn->parent)
		json_object_object_add(o, "parent",
				       json_object_new_string(sn->parent));
	if (sn->description)
		json_object_object_add(o, "description",
				       json_object_new_string(sn->description));
	json_object_object_add(o, "creation_time",
			       json_object_new_int64(sn->creation_time));
	json_object_object_add(
		o, "state",
		json_object_new_string(snapshot_state_name(sn->state)));
	json_object_object_add(o, "current",
			       json_object_new_boolean(sn->current));
	json_object_object_add(o, "memory",
			       json_object_new_boolean(sn->memory));
	json_object_object_add(o, "children",
			       json_object_new_int64((int64_t)snapshot_children(
				       set, sn->name, false)));
	json_object_object_add(o, "descendants",
			       json_object_new_int64((int64_t)snapshot_children(
				       set, sn->name, true)));
	return o;
}

static int m_list(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct snapshot_set *set = dom ? snapshot_set_of(dmn, dom, e) : NULL;
	struct json_object *arr;

	if (!set)
		return err_code(*e);
	arr = json_object_new_array();
	for (size_t i = 0; i < set->n; i++)
		json_object_array_add(arr, describe(set, set->v[i]));
	*result = json_object_new_object();
	json_object_object_add(*result, "snapshots", arr);
	return 0;
}

static int m_xml(void *opaque, struct json_object *params,
		 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct snapshot_set *set = dom ? snapshot_set_of(dmn, dom, e) : NULL;
	struct snapshot_def *sn = set ? param_snapshot(set, params, e) : NULL;
	char *text;

	if (!sn)
		return err_code(*e);
	text = snapshot_def_format(sn, false);
	*result = json_object_new_object();
	json_object_object_add(*result, "xml", json_object_new_string(text));
	free(text);
	return 0;
}

/*
 * virsh snapshot-revert of a snapshot of the shut off domain: its disks
 * back to it, its definition back to the one it was taken with, as
 * libvirt does; then started when asked (--running, --paused).
 */
static int m_revert(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct snapshot_set *set = NULL;
	struct domain *dom = idle_domain(dmn, params, "revert to", &set, e);
	struct snapshot_def *sn = dom ? param_snapshot(set, params, e) : NULL;
	struct domain_def *def = NULL, *back = NULL;
	struct object *obj = NULL;
	bool running = false, paused = false;
	int r;

	(void)result;
	if (!sn || json_get_bool_opt(params, "running", &running, e) < 0 ||
	    json_get_bool_opt(params, "paused", &paused, e) < 0)
		return err_code(*e);
	if (running && paused)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--running and --paused are exclusive");
	if (!(def = def_with_paths(dmn, sn->domain_xml, e)))
		return err_prefix(e, "snapshot '%s'", sn->name);
	r = snapshot_images(def, sn, SNAPSHOT_OP_APPLY, e);
	domain_def_free(def);
	if (r < 0)
		return err_prefix(e, "snapshot '%s'", sn->name);
	if (dom->persistent) {
		_cleanup_err_ struct err *why = NULL;

		if (domain_def_parse_with(sn->domain_xml,
					  strlen(sn->domain_xml), NULL, &back,
					  NULL, &why) < 0 ||
		    object_define(&dmn->domains.l, &dmn->store, back, &obj,
				  &why) < 0)
			log_warn("snapshot '%s': the definition stays: %s",
				 sn->name, err_msg(why));
	}
	if ((r = snapshot_set_current(dmn, dom, set, sn, e)) < 0)
		return r;
	if (!running && !paused)
		return 0;
	return job_wait(dmn, dom,
			daemon_domain_start(
				dmn, dom, paused ? DRIVER_START_PAUSED : 0, e),
			NULL);
}

/* Deletes @sn's images' snapshots (unless @metadata) and its entry. */
static int delete_one(struct daemon *dmn, struct domain *dom,
		      struct snapshot_set *set, struct snapshot_def *sn,
		      bool metadata, struct err **e)
{
	struct domain_def *def;
	int r = 0;

	if (!metadata) {
		if (!(def = def_with_paths(dmn, sn->domain_xml, e)))
			return err_prefix(e, "snapshot '%s'", sn->name);
		r = snapshot_images(def, sn, SNAPSHOT_OP_DELETE, e);
		domain_def_free(def);
		if (r < 0)
			return err_prefix(e, "snapshot '%s'", sn->name);
	}
	return snapshot_unstore(dmn, dom, set, sn, e);
}

/* Deletes every descendant of @name, the deepest first. */
static int delete_below(struct daemon *dmn, struct domain *dom,
			struct snapshot_set *set, const char *name,
			bool metadata, struct err **e)
{
	for (size_t i = 0; i < set->n;) {
		struct snapshot_def *c = set->v[i];

		if (!c->parent || !streq(c->parent, name)) {
			i++;
			continue;
		}
		if (delete_below(dmn, dom, set, c->name, metadata, e) < 0 ||
		    delete_one(dmn, dom, set, c, metadata, e) < 0)
			return err_code(*e);
		i = 0; /* the set changed */
	}
	return 0;
}

static int m_delete(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct snapshot_set *set = NULL;
	struct domain *dom = idle_domain(dmn, params, "delete", &set, e);
	struct snapshot_def *sn = dom ? param_snapshot(set, params, e) : NULL;
	bool children = false, only = false, metadata = false, was_current;
	_cleanup_free_ char *name = NULL, *parent = NULL;

	(void)result;
	if (!sn || json_get_bool_opt(params, "children", &children, e) < 0 ||
	    json_get_bool_opt(params, "children_only", &only, e) < 0 ||
	    json_get_bool_opt(params, "metadata", &metadata, e) < 0)
		return err_code(*e);
	name = xstrdup(sn->name);
	parent = sn->parent ? xstrdup(sn->parent) : NULL;
	if ((children || only) &&
	    delete_below(dmn, dom, set, name, metadata, e) < 0)
		return err_code(*e);
	if (only)
		return 0;
	sn = snapshot_find(set, name);
	was_current = sn->current;
	if (delete_one(dmn, dom, set, sn, metadata, e) < 0)
		return err_code(*e);
	/* its children go to its parent; the current one too, as libvirt */
	for (size_t i = 0; i < set->n; i++) {
		struct snapshot_def *c = set->v[i];
		_cleanup_err_ struct err *why = NULL;

		if (!c->parent || !streq(c->parent, name))
			continue;
		free(c->parent);
		c->parent = parent ? xstrdup(parent) : NULL;
		if (snapshot_store(dmn, dom, c, &why) < 0)
			log_warn("%s", err_msg(why));
	}
	if (was_current && parent && (sn = snapshot_find(set, parent)))
		return snapshot_set_current(dmn, dom, set, sn, e);
	return 0;
}

const struct rpc_method snapshot_methods[] = {
	{"snapshot.create", m_create},
	{"snapshot.list", m_list, RPC_READ_ONLY},
	{"snapshot.xml", m_xml, RPC_READ_ONLY},
	{"snapshot.revert", m_revert},
	{"snapshot.delete", m_delete},
};
const size_t snapshot_n_methods = ARRAY_SIZE(snapshot_methods);
