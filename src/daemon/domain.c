// SPDX-License-Identifier: GPL-2.0-or-later
/* Domain objects, their states and reasons, and the domain list. */
#include <errno.h>
#include <limits.h>

#include "daemon/domain.h"
#include "daemon/rpc.h"
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
	[REASON_RUNNING_BOOTED] = {"booted", DOMAIN_RUNNING},
	[REASON_RUNNING_UNPAUSED] = {"unpaused", DOMAIN_RUNNING},
	[REASON_RUNNING_REBOOTED] = {"rebooted", DOMAIN_RUNNING},
	[REASON_RUNNING_UNKNOWN] = {"unknown", DOMAIN_RUNNING},
	[REASON_PAUSED_USER] = {"user", DOMAIN_PAUSED},
	[REASON_PAUSED_UNKNOWN] = {"unknown", DOMAIN_PAUSED},
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
	free(d);
}

struct domain *domain_list_find_name(const struct domain_list *l,
				     const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i]->def->name, name))
			return l->v[i];
	return NULL;
}

struct domain *domain_list_find_uuid(const struct domain_list *l,
				     const uint8_t uuid[16])
{
	for (size_t i = 0; i < l->n; i++)
		if (!memcmp(l->v[i]->def->uuid, uuid, 16))
			return l->v[i];
	return NULL;
}

struct domain *domain_list_find_id(const struct domain_list *l, int id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]->id == id && id > 0)
			return l->v[i];
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

struct domain *domain_list_lookup(const struct domain_list *l, const char *key,
				  struct err **e)
{
	struct domain *d = domain_list_find_name(l, key);
	struct uuid u;
	int id;

	if (d)
		return d;
	id = parse_id(key);
	if (id > 0 && (d = domain_list_find_id(l, id)))
		return d;
	if (uuid_text_valid(key) && uuid_from_text(key, &u, NULL) == 0 &&
	    (d = domain_list_find_uuid(l, u.bytes)))
		return d;
	err_setk(e, ERR_NO_DOMAIN, ENOENT, "domain '%s' not found", key);
	return NULL;
}

void domain_list_add(struct domain_list *l, struct domain *d)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = d;
}

void domain_list_remove(struct domain_list *l, struct domain *d)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i] != d)
			continue;
		memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
		l->n--;
		return;
	}
}

void domain_list_clear(struct domain_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		domain_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
