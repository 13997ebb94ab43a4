/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtual networks, the "network" kind of object.h: a definition
 * (network_conf.h) and, while the network runs, what nidod made for it:
 * a bridge, an nftables table (net/fw.h), a dnsmasq it supervises. What
 * runs is recorded in the store before it is made ("starting", then
 * "running", "stopping" before it is taken down), so that a daemon that
 * comes back after a crash at any point finds everything it made, keeps
 * what runs and removes the rest (networks_recover()).
 *
 * Lifetimes: the list owns its networks; a network owns its definitions,
 * its dnsmasq's pidfd and watches, and its last lease list.
 */
#ifndef NIDO_DAEMON_NETWORK_H
#define NIDO_DAEMON_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/network_conf.h"
#include "daemon/object.h"
#include "net/dnsmasq.h"

struct daemon;
struct loop_source;
struct network;
struct rpc_call;

/* The "network" kind (network.c). */
extern const struct object_kind network_kind;

/* A network's dnsmasq while it runs, and its supervision. */
struct network_dnsmasq_proc {
	pid_t pid;
	int pidfd;		   /* -1: none */
	uint64_t start_time;	   /* driver_proc_start_time() */
	struct loop_source *watch; /* the pidfd */
	struct loop_source *retry; /* restart timer after an exit */
	unsigned fails;		   /* exits since the last quiet minute */
	uint64_t first_fail_ns;	   /* CLOCK_MONOTONIC of the first */
	/* Leases: the lease file's watch descriptor in the daemon's
	 * lease_inotify (daemon.h; -1: none), the timer that lets a write
	 * settle, and the last list read. */
	int inotify;
	struct loop_source *lease_timer;
	struct net_lease *leases;
	size_t n_leases;
	/*
	 * While it is being ended (net-destroy, a restart for net-update):
	 * its pidfd's watch calls @then once it is gone; @kill_timer sends
	 * SIGKILL if SIGTERM was not enough. The loop never waits for it.
	 */
	void (*then)(struct daemon *dmn, struct network *net);
	struct loop_source *kill_timer;
};

struct network {
	/* The generic part first (object.h); the typed view of domain.h. */
	union {
		struct object obj;
		struct {
			const struct object_kind *kind_;
			struct network_def *def;    /* live or inactive */
			struct network_def *newdef; /* defined while active */
			bool persistent;
			bool autostart;
		};
	};
	bool active;
	struct daemon *dmn;   /* for the loop's callbacks */
	struct rpc_call *job; /* a deferred call answered when dns.then ran */
	struct network_dnsmasq_proc dns;
};

_Static_assert(offsetof(struct network, def) ==
			       offsetof(struct network, obj.def) &&
		       offsetof(struct network, newdef) ==
			       offsetof(struct network, obj.newdef) &&
		       offsetof(struct network, persistent) ==
			       offsetof(struct network, obj.persistent) &&
		       offsetof(struct network, autostart) ==
			       offsetof(struct network, obj.autostart),
	       "struct network's typed view matches struct object");

static inline struct network *network_of(struct object *o)
{
	return (struct network *)o;
}

struct network_list {
	struct object_list l;
};
#define NETWORK_LIST_INIT                     \
	{                                     \
		.l = {.kind = &network_kind } \
	}

static inline struct network *network_at(const struct network_list *l, size_t i)
{
	return network_of(l->l.v[i]);
}

/*
 * Before a define or create: gives @def what libvirt fills in when the
 * XML leaves it out, so that dumpxml shows it and it stays the same from
 * start to start: a bridge name (the one of the network it replaces, or
 * the first "virbrN" no network names and no host interface has; a
 * template "name%d" is expanded the same way) and a MAC for the bridge.
 * Refuses a bridge name another network has. 0 or -errno with @e.
 */
int network_fill_def(struct daemon *dmn, struct network_def *def,
		     struct err **e);

/*
 * Starts @net: its bridge with its addresses, its firewall, its dnsmasq.
 * A bridge name that is already a host interface, or a subnet that
 * overlaps a host route, is refused naming both. On failure nothing
 * made is left. 0 or -errno with @e filled.
 */
int network_start(struct daemon *dmn, struct network *net, struct err **e);

/*
 * Stops @net and removes all it made: 0 when done, RPC_DEFERRED while its
 * dnsmasq is ending (the caller then defers its call into net->job,
 * answered once the network stopped), or -errno with @e filled. A
 * transient network is freed once it stopped.
 */
int network_stop(struct daemon *dmn, struct network *net, struct err **e);

/*
 * At daemon start, after the definitions are loaded: re-attaches the
 * networks that run (their dnsmasq restarted if it died, their rules
 * written again), takes down what a crash left half made or half
 * removed, removes nido's tables, bridges and dnsmasqs that belong to no
 * running network, defines the `default` network on the system daemon's
 * first start, and starts the autostarted networks.
 */
void networks_recover(struct daemon *dmn);

/* At daemon exit: networks keep running; frees the watches. */
void networks_release(struct daemon *dmn);

/*
 * net-update ip-dhcp-host: @cmd "add-first", "add-last" ("add"),
 * "delete" or "modify" of the <host> element @xml in the <ip> number
 * @parent (-1: the first IPv4 one, or the one the host's address fits),
 * live (@live: the running dnsmasq re-reads its hosts) and/or in the
 * persistent definition (@config). What the element has that nido does
 * not know is warned about in @w (may be NULL). 0 or -errno with @e.
 */
/* (RPC_DEFERRED as network_stop() when dnsmasq must be restarted.) */
int network_update_dhcp_host(struct daemon *dmn, struct network *net,
			     const char *cmd, const char *xml, int parent,
			     bool live, bool config, struct xml_warnings *w,
			     struct err **e);

/*
 * A copy of @d with net-update's @cmd ("add-first", "add-last",
 * "delete", "modify") of the <host> @xml made in its <ip> @parent (-1:
 * the first IPv4 one with DHCP) and the whole checked; NULL with @e.
 * Warnings in @w (may be NULL). network-update.c.
 */
struct network_def *network_def_host_updated(const struct network_def *d,
					     const char *cmd, const char *xml,
					     int parent, struct xml_warnings *w,
					     struct err **e);

/* The current leases of @net (read from its lease file). */
int network_leases(struct daemon *dmn, struct network *net,
		   struct net_lease **out, size_t *n, struct err **e);

/* The bridge @net's guests are plugged into (active or not). */
const char *network_bridge(const struct network *net);

#endif
