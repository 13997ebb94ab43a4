/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A running domain's interfaces on the host (docs/xml.md, "Interfaces"):
 * for each <interface>, a tap (a veth pair for a container) (made by nidod as
 * vnetN, or the one its <target dev> names), plugged into its Linux bridge
 * (netlink) or Open vSwitch bridge (ovs-vsctl), with its <bandwidth> applied
 * (net/tc.h), and opened for the VMM, which gets the fds and opens nothing.
 *
 * What nidod made is listed in the domain's run-time record ("taps"), so
 * that it is removed when the domain stops, also by a daemon that
 * re-attached after a restart, or found the domain gone.
 */
#ifndef NIDO_DAEMON_IFACE_H
#define NIDO_DAEMON_IFACE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "daemon/domain_conf.h"
#include "lib/err.h"
#include "net/addr.h"

struct daemon;

struct iface_tap {
	char name[NET_IFNAME_MAX + 1];
	int fd; /* its queue, for the VMM; -1 when closed */
	/* A multi-queue tap's other queues, then one /dev/vhost-net per
	 * queue with <driver name='vhost'>, in the order the VMM gets
	 * them (qemu_net_n_fds()); NULL: none. */
	int *more;
	size_t n_more;
	bool created; /* nidod made it: deleted when the domain stops */
	bool ovs;     /* a port of an Open vSwitch bridge */
	char ifb[NET_IFNAME_MAX + 1]; /* outbound shaping (net/tc.h), or "" */
	char interfaceid[37]; /* the port_interfaceid nidod made, or "" */
	bool veth;	  /* a container's veth pair: @name is its host end */
	char *downscript; /* <downscript path=>, run when it goes; NULL */
};

/* The host side of every interface of one domain, in definition order. */
struct iface_set {
	struct iface_tap *taps;
	size_t n;
};

/*
 * Makes, plugs and opens a tap for each interface of @def (the live
 * definition: an interface without <target dev> gets its tap's name in
 * ->ifname), owned by @owner (-1: root). All or nothing: on failure what
 * was made is removed. @set is zeroed by the caller; iface_set_clear()
 * frees it (and closes what is still open).
 */
int iface_setup(struct daemon *dmn, struct domain_def *def, uid_t owner,
		struct iface_set *set, struct err **e);

/*
 * A container's interfaces: the same, but each a veth pair whose host
 * end is named, plugged and shaped as a tap would be, and whose other
 * end is made in the network namespace of @pid, named by <guest dev>
 * (eth0 by default), with the interface's MAC, up. No fds.
 */
int iface_setup_veth(struct daemon *dmn, struct domain_def *def, pid_t pid,
		     struct iface_set *set, struct err **e);

/* Closes the fds (the VMM has its copies); frees @set. Accepts empty. */
void iface_set_clear(struct iface_set *set);

/* The record of @set: [{"tap":, "created":, "ovs":, "ifb":}, ...]. */
struct json_object *iface_record(const struct iface_set *set);

/*
 * Removes what @taps (a record's array, borrowed; NULL: nothing) says
 * nidod made: taps, their Open vSwitch ports and ifbs. Failures are
 * logged: the domain is stopped either way.
 */
void iface_teardown(struct json_object *taps);

/* After a restart: the taps' names from @taps into @def's ->ifname, the
 * interfaceids nidod made into ->port_interfaceid. */
void iface_reattach(struct domain_def *def, struct json_object *taps);

/* Clears every ->ifname and ->port_interfaceid of @def (the domain
 * stopped). */
void iface_forget(struct domain_def *def);

/*
 * The argv of the Open vSwitch port of interface @n on @bridge for tap
 * @tap of domain @dom_uuid (net_ovs_add_port_argv()), @vlan_tag or -1.
 */
char **iface_ovs_argv(const struct domain_net *n, const char *bridge,
		      const char *tap, const uint8_t dom_uuid[16],
		      int vlan_tag);

#endif
