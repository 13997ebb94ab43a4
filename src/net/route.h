/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's routes, read over rtnetlink: what a new network's subnet
 * must not overlap (a subnet that is already routed elsewhere would
 * steal or lose that traffic).
 */
#ifndef NIDO_NET_ROUTE_H
#define NIDO_NET_ROUTE_H

#include <stddef.h>

#include "lib/err.h"
#include "net/addr.h"

/* Room for a route's description: "192.168.122.0/24 dev eth0". */
#define NET_ROUTE_DESC_MAX (NET_IP_STRLEN + 8 + 5 + NET_IFNAME_MAX + 1)

/*
 * Looks in the main routing table of this network namespace for a route
 * whose destination overlaps @net/@prefix, ignoring default routes (they
 * overlap everything) and routes through the interface @except (may be
 * NULL: a network's own bridge). Returns 1 with @desc (NET_ROUTE_DESC_MAX
 * bytes) describing the first such route, 0 when there is none, or
 * -errno with @e filled.
 */
int net_route_overlap(const struct net_ip *net, unsigned prefix,
		      const char *except, char desc[NET_ROUTE_DESC_MAX],
		      struct err **e);

#endif
