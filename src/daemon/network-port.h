/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a guest interface of type 'network' gets from its network: the
 * port's bridge (a Linux bridge, or Open vSwitch), its VLAN and its
 * bandwidth, and the network's DHCP leases (virsh domifaddr). The network
 * kind answers these (network-port.c); guest interfaces never read a
 * network's definition themselves.
 */
#ifndef NIDO_DAEMON_NETWORK_PORT_H
#define NIDO_DAEMON_NETWORK_PORT_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/network_conf.h"
#include "lib/err.h"
#include "net/addr.h"
#include "net/dnsmasq.h"

struct daemon;

struct network_port {
	char bridge[NET_IFNAME_MAX + 1];
	bool openvswitch;
	struct network_vlan vlan; /* of the portgroup, else the network's */
	bool has_vlan;
	/* of the portgroup (@portgroup, else the default one); the
	 * interface's own wins (libvirt's rule). The network's own is the
	 * whole bridge's, not a port's. */
	struct network_bandwidth bandwidth;
};

/*
 * Fills @out for a port on the running network @network, in @portgroup
 * (NULL: the network's default portgroup, if any). Returns 0, or -errno
 * with @e filled: ERR_NO_NETWORK when there is no such network,
 * ERR_OPERATION_INVALID when it is not running, ERR_INVALID_ARG for an
 * unknown portgroup.
 */
int network_port_get(struct daemon *d, const char *network,
		     const char *portgroup, struct network_port *out,
		     struct err **e);

/*
 * The prefix length of the <ip> of @def that @ip lies in: what a lease's
 * address is shown with; the address's whole length when none is.
 */
unsigned network_lease_prefix(const struct network_def *def,
			      const struct net_ip *ip);

/* The same for the live definition of @network (by name). */
unsigned network_port_prefix(struct daemon *d, const char *network,
			     const struct net_ip *ip);

/*
 * The current DHCP leases of @network: *@out (free with
 * net_leases_free()) with *@n entries; ERR_NO_NETWORK as above.
 */
int network_leases_get(struct daemon *d, const char *network,
		       struct net_lease **out, size_t *n, struct err **e);

#endif
