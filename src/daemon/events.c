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
#include "daemon/network.h"
#include "daemon/pool.h"
#include "lib/buf.h"
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
	{"network-lifecycle", EVENT_NET_LIFECYCLE},
	{"network-lease", EVENT_NET_LEASE},
	{"network-dnsmasq", EVENT_NET_DNSMASQ},
	{"pool-lifecycle", EVENT_POOL_LIFECYCLE},
	{"pool-refresh", EVENT_POOL_REFRESH},
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
	case REASON_SHUTOFF_SAVED:
		return "saved";
	case REASON_SHUTOFF_FROM_SNAPSHOT:
		return "snapshot";
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

/* The fields of every network event: kind, network, uuid, timestamp. */
static struct json_object *net_event_new(const struct network *net,
					 const char *kind)
{
	struct json_object *o = json_object_new_object();
	char text[UUID_TEXT_LEN];

	json_object_object_add(o, "event", json_object_new_string(kind));
	json_object_object_add(o, "network",
			       json_object_new_string(net->def->name));
	json_object_object_add(
		o, "uuid",
		json_object_new_string(uuid_to_text(&net->def->uuid, text)));
	json_object_object_add(o, "timestamp", json_object_new_int64(now_ms()));
	return o;
}

/*
 * Every network event leaves through here: logged, whatever its kind,
 * as "network 'N': event 'KIND': FIELD..." (its string fields after the
 * common ones, in order), then sent to the subscribers that want it.
 */
static void net_emit(struct daemon *dmn, const struct network *net,
		     unsigned kind, struct json_object *o)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	const char *name = "";

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].bit == kind)
			name = kinds[i].name + strlen("network-");
	json_object_object_foreach (o, k, v) {
		if (!json_object_is_type(v, json_type_string) ||
		    streq(k, "event") || streq(k, "network") ||
		    streq(k, "uuid"))
			continue;
		buf_printf(&b, "%s%s", b.len ? " " : "",
			   json_object_get_string(v));
	}
	log_info("network '%s': event '%s': %s", net->def->name, name,
		 b.len ? b.data : "");
	emit(dmn, net->def->uuid.bytes, kind, o);
}

void events_network_lifecycle(struct daemon *dmn, const struct network *net,
			      const char *type, const char *detail)
{
	struct json_object *o = net_event_new(net, "network-lifecycle");

	add_str(o, "type", type);
	add_str(o, "detail", detail);
	net_emit(dmn, net, EVENT_NET_LIFECYCLE, o);
}

void events_network_lease(struct daemon *dmn, const struct network *net,
			  const char *action, const struct net_lease *l)
{
	struct json_object *o = net_event_new(net, "network-lease");
	char ip[NET_IP_STRLEN], mac[NET_MAC_STRLEN];

	add_str(o, "type", action);
	add_str(o, "ip", net_ip_str(&l->ip, ip));
	if (l->has_mac)
		add_str(o, "mac", net_mac_str(l->mac, mac));
	add_str(o, "hostname", l->hostname);
	add_str(o, "client_id", l->client_id);
	json_object_object_add(o, "expiry", json_object_new_int64(l->expiry));
	net_emit(dmn, net, EVENT_NET_LEASE, o);
}

void events_network_dnsmasq(struct daemon *dmn, const struct network *net,
			    const char *type, const char *detail)
{
	struct json_object *o = net_event_new(net, "network-dnsmasq");

	add_str(o, "type", type);
	add_str(o, "detail", detail);
	net_emit(dmn, net, EVENT_NET_DNSMASQ, o);
}

/* A storage pool's event: kind, pool, uuid, timestamp, type. */
static void pool_emit(struct daemon *dmn, const struct pool *p,
		      const char *kind, unsigned bit, const char *type)
{
	struct json_object *o = json_object_new_object();
	char text[UUID_TEXT_LEN];

	add_str(o, "event", kind);
	add_str(o, "pool", p->def->name);
	add_str(o, "uuid", uuid_to_text(&p->def->uuid, text));
	json_object_object_add(o, "timestamp", json_object_new_int64(now_ms()));
	add_str(o, "type", type);
	log_info("pool '%s': event '%s'%s%s", p->def->name, kind + 5,
		 type ? ": " : "", type ? type : "");
	emit(dmn, p->def->uuid.bytes, bit, o);
}

void events_pool_lifecycle(struct daemon *dmn, const struct pool *p,
			   const char *type)
{
	pool_emit(dmn, p, "pool-lifecycle", EVENT_POOL_LIFECYCLE, type);
}

void events_pool_refresh(struct daemon *dmn, const struct pool *p)
{
	pool_emit(dmn, p, "pool-refresh", EVENT_POOL_REFRESH, NULL);
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
					"reboot, io-error, network-lifecycle, "
					"network-lease, network-dnsmasq, "
					"pool-lifecycle, pool-refresh)",
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

/* One pool's events: "pool" (name or UUID). */
static int param_pool(struct daemon *dmn, struct json_object *params,
		      const uint8_t **uuid, const char **name, struct err **e)
{
	const char *key = NULL;
	struct object *o;

	if (json_get_string_opt(params, "pool", &key, e) < 0)
		return -EINVAL;
	if (!key)
		return 0;
	if (!(o = object_list_lookup(&dmn->pools.l, key, e)))
		return err_code(*e);
	*uuid = pool_of(o)->def->uuid.bytes;
	*name = pool_of(o)->def->name;
	return 0;
}

/*
 * One object's events: "domain" (name, id or UUID), "network" or "pool"
 * (name or UUID), one of them at most; *@uuid and *@kind stay NULL for
 * all objects. Fills *@name, and *@kind with the key given.
 */
static int param_object(struct daemon *dmn, struct json_object *params,
			const uint8_t **uuid, const char **name,
			const char **kind, struct err **e)
{
	const char *dkey = NULL, *nkey = NULL, *pkey = NULL;
	const struct domain *dom;
	struct object *net;

	if (json_get_string_opt(params, "domain", &dkey, e) < 0 ||
	    json_get_string_opt(params, "network", &nkey, e) < 0 ||
	    json_get_string_opt(params, "pool", &pkey, e) < 0)
		return -EINVAL;
	if (!!dkey + !!nkey + !!pkey > 1)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"give one of 'domain', 'network' and 'pool'");
	*kind = dkey ? "domain" : nkey ? "network" : pkey ? "pool" : NULL;
	if (pkey)
		return param_pool(dmn, params, uuid, name, e);
	if (dkey) {
		if (!(dom = domain_list_lookup(&dmn->domains, dkey, e)))
			return err_code(*e);
		*uuid = dom->def->uuid;
		*name = dom->def->name;
	} else if (nkey) {
		if (!(net = object_list_lookup(&dmn->networks.l, nkey, e)))
			return err_code(*e);
		*uuid = network_of(net)->def->uuid.bytes;
		*name = network_of(net)->def->name;
	}
	return 0;
}

int events_m_subscribe(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct rpc_conn *conn = rpc_server_conn_current(dmn->rpc);
	const uint8_t *uuid = NULL;
	const char *name = NULL, *kind = NULL;
	unsigned mask;

	if (param_object(dmn, params, &uuid, &name, &kind, e) < 0 ||
	    param_kinds(params, &mask, e) < 0)
		return err_code(*e);
	/* without "events", one network's or pool's subscription is to the
	 * events of its kind */
	if (kind && !json_object_object_get_ex(params, "events", NULL)) {
		if (streq(kind, "network"))
			mask = EVENT_NET_ALL;
		else if (streq(kind, "pool"))
			mask = EVENT_POOL_ALL;
	}
	if (!conn)
		return err_setk(e, ERR_INTERNAL_ERROR, EINVAL,
				"not a client connection");
	events_subscribe(dmn, conn, uuid, mask);
	rpc_server_keep_current(dmn->rpc); /* quiet, not idle */
	*result = json_object_new_object();
	json_object_object_add(*result, "events", kinds_json(mask));
	log_debug("events subscribed: %s of %s",
		  json_object_to_json_string_ext(
			  json_object_object_get(*result, "events"),
			  JSON_C_TO_STRING_PLAIN),
		  name ? name : "all");
	if (name)
		json_object_object_add(*result, kind,
				       json_object_new_string(name));
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
