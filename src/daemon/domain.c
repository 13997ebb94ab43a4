// SPDX-License-Identifier: GPL-2.0-or-later
/* Domain objects, their states and reasons, and the domain list. */
#include <errno.h>
#include <limits.h>

#include "daemon/domain.h"
#include "daemon/rpc.h"
#include "daemon/snapshot.h"
#include "lib/uuid.h"

static const char *const state_names[] = {
	[DOMAIN_SHUTOFF] = "shut off",
	[DOMAIN_RUNNING] = "running",
	[DOMAIN_PAUSED] = "paused",
};

static const struct {
	const char *name;
	enum domain_state state;
} reasons[] = {
	[REASON_SHUTOFF_UNKNOWN] = {"unknown", DOMAIN_SHUTOFF},
	[REASON_SHUTOFF_SHUTDOWN] = {"shutdown", DOMAIN_SHUTOFF},
	[REASON_SHUTOFF_DESTROYED] = {"destroyed", DOMAIN_SHUTOFF},
	[REASON_SHUTOFF_CRASHED] = {"crashed", DOMAIN_SHUTOFF},
	[REASON_SHUTOFF_FAILED] = {"failed", DOMAIN_SHUTOFF},
	[REASON_SHUTOFF_SAVED] = {"saved", DOMAIN_SHUTOFF},
	[REASON_SHUTOFF_FROM_SNAPSHOT] = {"from snapshot", DOMAIN_SHUTOFF},
	[REASON_RUNNING_BOOTED] = {"booted", DOMAIN_RUNNING},
	[REASON_RUNNING_UNPAUSED] = {"unpaused", DOMAIN_RUNNING},
	[REASON_RUNNING_REBOOTED] = {"rebooted", DOMAIN_RUNNING},
	[REASON_RUNNING_UNKNOWN] = {"unknown", DOMAIN_RUNNING},
	[REASON_RUNNING_RESTORED] = {"restored", DOMAIN_RUNNING},
	[REASON_PAUSED_USER] = {"user", DOMAIN_PAUSED},
	[REASON_PAUSED_UNKNOWN] = {"unknown", DOMAIN_PAUSED},
	[REASON_PAUSED_CRASHED] = {"crashed", DOMAIN_PAUSED},
};

const char *domain_state_name(enum domain_state s)
{
	if ((size_t)s >= ARRAY_SIZE(state_names))
		return "no state";
	return state_names[s];
}

const char *domain_reason_name(enum domain_reason r)
{
	if ((size_t)r >= ARRAY_SIZE(reasons))
		return "unknown";
	return reasons[r].name;
}

enum domain_state domain_reason_state(enum domain_reason r)
{
	if ((size_t)r >= ARRAY_SIZE(reasons))
		return DOMAIN_SHUTOFF;
	return reasons[r].state;
}

int domain_state_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
		if (streq(s, state_names[i]))
			return (int)i;
	return -1;
}

/* Reasons are only unique within a state: the first match is returned,
 * callers check it against the state with domain_reason_state(). */
int domain_reason_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		if (streq(s, reasons[i].name))
			return (int)i;
	return -1;
}

struct domain *domain_new(struct domain_def *def)
{
	struct domain *d = xcalloc(1, sizeof(*d));

	d->obj.kind = &domain_kind;
	d->def = def;
	d->id = -1;
	d->state = DOMAIN_SHUTOFF;
	d->reason = REASON_SHUTOFF_UNKNOWN;
	return d;
}

void domain_free(struct domain *d)
{
	if (!d)
		return;
	domain_def_free(d->def);
	domain_def_free(d->newdef);
	free(d->detail);
	json_object_put(d->rec);
	rpc_call_done(d->job, -ECANCELED, NULL, NULL);
	json_object_put(d->job_result);
	json_object_put(d->job_stats);
	snapshot_set_free(d->snaps);
	free(d);
}

static int kind_parse(const char *xml, size_t len, bool driver, void **def,
		      struct xml_warnings *w, struct err **e)
{
	struct domain_def *d = NULL;
	int r = driver ? domain_def_parse(xml, len, &d, w, e)
		       : domain_def_parse_with(xml, len, NULL, &d, w, e);

	*def = d;
	return r;
}

static char *kind_format(const void *def)
{
	return domain_def_format(def);
}

static void kind_def_free(void *def)
{
	domain_def_free(def);
}

static const char *kind_def_name(const void *def)
{
	return ((const struct domain_def *)def)->name;
}

static uint8_t *kind_def_uuid(void *def)
{
	return ((struct domain_def *)def)->uuid;
}

static bool kind_def_uuid_generated(const void *def)
{
	return ((const struct domain_def *)def)->uuid_generated;
}

static struct object *kind_obj_new(void *def)
{
	return &domain_new(def)->obj;
}

static void kind_obj_free(struct object *o)
{
	domain_free(domain_of(o));
}

static bool kind_is_active(const struct object *o)
{
	return domain_is_active((const struct domain *)o);
}

const struct object_kind domain_kind = {
	.name = "domain",
	.dir = "domains",
	.err_missing = ERR_NO_DOMAIN,
	.err_exists = ERR_DOM_EXIST,
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

struct domain *domain_list_find_name(const struct domain_list *l,
				     const char *name)
{
	return domain_of(object_list_find_name(&l->l, name));
}

struct domain *domain_list_find_uuid(const struct domain_list *l,
				     const uint8_t uuid[16])
{
	return domain_of(object_list_find_uuid(&l->l, uuid));
}

struct domain *domain_list_find_id(const struct domain_list *l, int id)
{
	for (size_t i = 0; i < l->l.n; i++)
		if (domain_at(l, i)->id == id && id > 0)
			return domain_at(l, i);
	return NULL;
}

static int parse_id(const char *s)
{
	char *end;
	long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* virsh's order: a name, an id, a UUID. */
struct domain *domain_list_lookup(const struct domain_list *l, const char *key,
				  struct err **e)
{
	struct domain *d = domain_list_find_name(l, key);
	int id;

	if (d)
		return d;
	id = parse_id(key);
	if (id > 0 && (d = domain_list_find_id(l, id)))
		return d;
	return domain_of(object_list_lookup(&l->l, key, e));
}

void domain_list_add(struct domain_list *l, struct domain *d)
{
	object_list_add(&l->l, &d->obj);
}

void domain_list_remove(struct domain_list *l, struct domain *d)
{
	object_list_remove(&l->l, &d->obj);
}

void domain_list_clear(struct domain_list *l)
{
	object_list_clear(&l->l);
}
