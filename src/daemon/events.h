/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain events (docs/api.md, "Events"): API clients subscribe on their
 * connection (event.subscribe) and receive each event as a JSON-RPC
 * notification {"method":"event","params":{...}}, as libvirt's domain
 * event callbacks. The daemon's state transitions (lifecycle.c), define
 * and undefine, and the drivers (reboot, I/O errors relayed from
 * nido-vmm) report here; delivery never waits for a subscriber (rpc.h:
 * one that does not read is dropped at its memory cap).
 *
 * The subscriber list belongs to the daemon (dmn->events) and holds
 * borrowed connections, each removed by its close hook.
 */
#ifndef NIDO_DAEMON_EVENTS_H
#define NIDO_DAEMON_EVENTS_H

#include <json-c/json.h>
#include <stdint.h>

#include "daemon/domain.h"
#include "daemon/rpc.h"

struct daemon;
struct network;
struct pool;
struct net_lease;

/* Event kinds, as the "events" filter names them. */
#define EVENT_LIFECYCLE (1u << 0) /* "lifecycle" */
#define EVENT_REBOOT	(1u << 1) /* "reboot" */
#define EVENT_IO_ERROR	(1u << 2) /* "io-error" */
#define EVENT_ALL	(EVENT_LIFECYCLE | EVENT_REBOOT | EVENT_IO_ERROR)
/* Networks' events (a subscription with "network" gets these). */
#define EVENT_NET_LIFECYCLE (1u << 3) /* "network-lifecycle" */
#define EVENT_NET_LEASE	    (1u << 4) /* "network-lease" */
#define EVENT_NET_DNSMASQ   (1u << 5) /* "network-dnsmasq" */
#define EVENT_NET_ALL \
	(EVENT_NET_LIFECYCLE | EVENT_NET_LEASE | EVENT_NET_DNSMASQ)
/* Storage pools' (a subscription with "pool" gets these). */
#define EVENT_POOL_LIFECYCLE (1u << 6) /* "pool-lifecycle" */
#define EVENT_POOL_REFRESH   (1u << 7) /* "pool-refresh" */
#define EVENT_POOL_ALL	     (EVENT_POOL_LIFECYCLE | EVENT_POOL_REFRESH)

/*
 * Subscribes @conn (replacing its earlier subscription) to the events
 * in @mask of the domain with @uuid (NULL: every domain).
 */
void events_subscribe(struct daemon *dmn, struct rpc_conn *conn,
		      const uint8_t *uuid, unsigned mask);
/* Returns 0, or -ENOENT when @conn has no subscription. */
int events_unsubscribe(struct daemon *dmn, struct rpc_conn *conn);
/* Forgets every subscriber (daemon exit, after the RPC server). */
void events_free(struct daemon *dmn);

/*
 * A lifecycle event of @dom: @type is "defined", "undefined",
 * "started", "suspended", "resumed", "stopped" (libvirt's
 * virDomainEventType, lower case), @detail its detail ("added",
 * "booted", "destroyed", ...).
 */
void events_lifecycle(struct daemon *dmn, const struct domain *dom,
		      const char *type, const char *detail);
/*
 * The same, built now and sent later with events_send() (taken over),
 * for a change that frees @dom when it succeeds (undefine); an event
 * not sent is released with json_object_put().
 */
struct json_object *events_lifecycle_new(const struct domain *dom,
					 const char *type, const char *detail);
void events_send(struct daemon *dmn, struct json_object *ev);

/* The lifecycle detail of a shut-off reason ("shutdown", "crashed"). */
const char *events_stopped_detail(enum domain_reason r);

/* The guest rebooted (libvirt's "reboot" event). */
void events_reboot(struct daemon *dmn, const struct domain *dom);

/*
 * A host I/O error on disk @target (its <target dev>) whose image is
 * @path: @action what the guest got ("report"), @reason "enospc",
 * "corruption" or "eio", @operation and @message as nido-vmm said them
 * (may be NULL).
 */
struct event_io_error {
	const char *target, *path, *action, *reason, *operation, *message;
};
void events_io_error(struct daemon *dmn, const struct domain *dom,
		     const struct event_io_error *io);

/*
 * A network was defined, undefined, started or stopped (libvirt's
 * network lifecycle event; @detail may be NULL).
 */
void events_network_lifecycle(struct daemon *dmn, const struct network *net,
			      const char *type, const char *detail);
/* A DHCP lease of @net was "added" or "removed" (expired, released). */
void events_network_lease(struct daemon *dmn, const struct network *net,
			  const char *action, const struct net_lease *l);
/* @net's dnsmasq "exited", was "restarted", or "failed" for good. */
void events_network_dnsmasq(struct daemon *dmn, const struct network *net,
			    const char *type, const char *detail);

/*
 * A storage pool was "defined", "undefined", "started", "stopped",
 * "created" (built) or "deleted" (libvirt's pool lifecycle event), or
 * its volumes were listed again (libvirt's refresh event).
 */
void events_pool_lifecycle(struct daemon *dmn, const struct pool *p,
			   const char *type);
void events_pool_refresh(struct daemon *dmn, const struct pool *p);

/* The method table entries (methods-event.c). */
int events_m_subscribe(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e);
int events_m_unsubscribe(void *opaque, struct json_object *params,
			 struct json_object **result, struct err **e);

#endif
