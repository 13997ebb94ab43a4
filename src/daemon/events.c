// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Domain events (events.h): the subscribers of one daemon, the events
 * the daemon and its drivers report, and the event.* methods.
 *
 * An event is built once and queued on every subscriber that wants it,
 * by domain (UUID) and kind. Queueing never blocks: the RPC server
 * bounds each client's memory and drops a subscriber that lets its
 * events pile up past that cap, telling it why; the others and the
 * daemon go on.
 */
#include <errno.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/uuid.h"

struct event_sub {
	struct event_sub *next;
	struct daemon *dmn;
	struct rpc_conn *conn; /* borrowed: removed by its close hook */
	bool any_domain;
	uint8_t uuid[16];
	unsigned mask;
};

struct events {
	struct event_sub *subs;
	size_t n_subs;
};

static const struct {
	const char *name;
	unsigned bit;
} kinds[] = {
	{"lifecycle", EVENT_LIFECYCLE},
	{"reboot", EVENT_REBOOT},
	{"io-error", EVENT_IO_ERROR},
};

static struct events *bus(struct daemon *dmn)
{
	if (!dmn->events)
		dmn->events = xcalloc(1, sizeof(*dmn->events));
	return dmn->events;
}

static struct event_sub **sub_find(struct events *ev, struct rpc_conn *conn)
{
	struct event_sub **pp = &ev->subs;

	while (*pp && (*pp)->conn != conn)
		pp = &(*pp)->next;
	return pp;
}

static void sub_unlink(struct events *ev, struct event_sub **pp)
{
	struct event_sub *s = *pp;

	*pp = s->next;
	ev->n_subs--;
	free(s);
}

/* The subscriber's connection went: it goes too. */
static void on_conn_close(void *opaque, struct rpc_conn *conn)
{
	struct event_sub *s = opaque;
	struct events *ev = s->dmn->events;
	struct event_sub **pp = sub_find(ev, conn);

	if (*pp)
		sub_unlink(ev, pp);
}

void events_subscribe(struct daemon *dmn, struct rpc_conn *conn,
		      const uint8_t *uuid, unsigned mask)
{
	struct events *ev = bus(dmn);
	struct event_sub **pp = sub_find(ev, conn);
	struct event_sub *s = *pp;

	if (!s) {
		s = xcalloc(1, sizeof(*s));
		s->dmn = dmn;
		s->conn = conn;
		s->next = ev->subs;
		ev->subs = s;
		ev->n_subs++;
		rpc_conn_on_close(conn, on_conn_close, s);
	}
	s->any_domain = !uuid;
	if (uuid)
		memcpy(s->uuid, uuid, 16);
	s->mask = mask;
}

int events_unsubscribe(struct daemon *dmn, struct rpc_conn *conn)
{
	struct events *ev = bus(dmn);
	struct event_sub **pp = sub_find(ev, conn);

	if (!*pp)
		return -ENOENT;
	rpc_conn_on_close(conn, NULL, NULL);
	sub_unlink(ev, pp);
	return 0;
}

void events_free(struct daemon *dmn)
{
	struct events *ev = steal_ptr(dmn->events);

	if (!ev)
		return;
	while (ev->subs) {
		rpc_conn_on_close(ev->subs->conn, NULL, NULL);
		sub_unlink(ev, &ev->subs);
	}
	free(ev);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fields every event has: kind, domain, uuid, id, timestamp. */
static struct json_object *event_new(const struct domain *dom, const char *kind)
{
	struct json_object *o = json_object_new_object();
	struct uuid u;
	char text[UUID_TEXT_LEN];

	memcpy(u.bytes, dom->def->uuid, 16);
	json_object_object_add(o, "event", json_object_new_string(kind));
	json_object_object_add(o, "domain",
			       json_object_new_string(dom->def->name));
	json_object_object_add(o, "uuid",
			       json_object_new_string(uuid_to_text(&u, text)));
	json_object_object_add(o, "id", json_object_new_int(dom->id));
	json_object_object_add(o, "timestamp", json_object_new_int64(now_ms()));
	return o;
}

/* Queues @params (taken over) on every subscriber that wants it. */
static void emit(struct daemon *dmn, const uint8_t uuid[16], unsigned kind,
		 struct json_object *params)
{
	struct events *ev = dmn->events;

	for (struct event_sub *s = ev ? ev->subs : NULL, *next; s; s = next) {
		next = s->next; /* a drop does not free it here (rpc.c) */
		if (!(s->mask & kind) ||
		    (!s->any_domain && memcmp(s->uuid, uuid, 16)))
			continue;
		rpc_conn_notify(s->conn, "event", params);
	}
	json_object_put(params);
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

struct json_object *events_lifecycle_new(const struct domain *dom,
					 const char *type, const char *detail)
{
	struct json_object *o = event_new(dom, "lifecycle");

	add_str(o, "type", type);
	add_str(o, "detail", detail);
	return o;
}

void events_send(struct daemon *dmn, struct json_object *ev)
{
	const char *text = "";
	struct uuid u = {{0}};

	json_get_string_opt(ev, "uuid", &text, NULL);
	uuid_from_text(text, &u, NULL);
	log_debug("event: %s", json_object_to_json_string(ev));
	emit(dmn, u.bytes, EVENT_LIFECYCLE, ev);
}

void events_lifecycle(struct daemon *dmn, const struct domain *dom,
		      const char *type, const char *detail)
{
	events_send(dmn, events_lifecycle_new(dom, type, detail));
}

const char *events_stopped_detail(enum domain_reason r)
{
	switch (r) {
	case REASON_SHUTOFF_SHUTDOWN:
		return "shutdown";
	case REASON_SHUTOFF_DESTROYED:
		return "destroyed";
	case REASON_SHUTOFF_CRASHED:
		return "crashed";
	case REASON_SHUTOFF_FAILED:
		return "failed";
	default:
		return "unknown";
	}
}

void events_reboot(struct daemon *dmn, const struct domain *dom)
{
	emit(dmn, dom->def->uuid, EVENT_REBOOT, event_new(dom, "reboot"));
}

void events_io_error(struct daemon *dmn, const struct domain *dom,
		     const struct event_io_error *io)
{
	struct json_object *o = event_new(dom, "io-error");

	add_str(o, "device", io->target);
	add_str(o, "path", io->path);
	add_str(o, "action", io->action);
	add_str(o, "reason", io->reason);
	add_str(o, "operation", io->operation);
	add_str(o, "message", io->message);
	emit(dmn, dom->def->uuid, EVENT_IO_ERROR, o);
}

/* The "events" filter: names of kinds; absent means all of them. */
static int param_kinds(struct json_object *params, unsigned *mask,
		       struct err **e)
{
	struct json_object *arr = NULL;
	size_t n;

	*mask = EVENT_ALL;
	if (json_get_array_opt(params, "events", &arr, e) < 0)
		return -EINVAL;
	if (!arr)
		return 0;
	*mask = 0;
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(arr, i);
		const char *name = json_object_get_string(it);
		size_t k = 0;

		if (!json_object_is_type(it, json_type_string))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"key 'events' must be an array of "
					"strings");
		while (k < ARRAY_SIZE(kinds) && !streq(kinds[k].name, name))
			k++;
		if (k == ARRAY_SIZE(kinds))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"unknown event '%.64s' (lifecycle, "
					"reboot, io-error)",
					name);
		*mask |= kinds[k].bit;
	}
	if (!*mask)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"key 'events' names no event");
	return 0;
}

static struct json_object *kinds_json(unsigned mask)
{
	struct json_object *arr = json_object_new_array();

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
		if (mask & kinds[k].bit)
			json_object_array_add(
				arr, json_object_new_string(kinds[k].name));
	return arr;
}

int events_m_subscribe(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct rpc_conn *conn = rpc_server_conn_current(dmn->rpc);
	const struct domain *dom = NULL;
	const char *key = NULL;
	unsigned mask;

	if (json_get_string_opt(params, "domain", &key, e) < 0 ||
	    param_kinds(params, &mask, e) < 0)
		return -EINVAL;
	if (key && !(dom = domain_list_lookup(&dmn->domains, key, e)))
		return err_code(*e);
	if (!conn)
		return err_setk(e, ERR_INTERNAL_ERROR, EINVAL,
				"not a client connection");
	events_subscribe(dmn, conn, dom ? dom->def->uuid : NULL, mask);
	rpc_server_keep_current(dmn->rpc); /* quiet, not idle */
	*result = json_object_new_object();
	json_object_object_add(*result, "events", kinds_json(mask));
	if (dom)
		json_object_object_add(*result, "domain",
				       json_object_new_string(dom->def->name));
	return 0;
}

int events_m_unsubscribe(void *opaque, struct json_object *params,
			 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct rpc_conn *conn = rpc_server_conn_current(dmn->rpc);

	if (!conn || events_unsubscribe(dmn, conn) < 0)
		return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				"this connection has no event subscription");
	return 0;
}
