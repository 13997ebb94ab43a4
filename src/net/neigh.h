/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's neighbour tables (ARP and NDP), read over rtnetlink: which
 * addresses a MAC has been seen with (virsh domifaddr --source arp).
 */
#ifndef NIDO_NET_NEIGH_H
#define NIDO_NET_NEIGH_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "net/addr.h"

/*
 * The IPv4 and IPv6 addresses of reachable, stale or permanent entries
 * with link-layer address @mac, in this network namespace: *@out
 * (malloc'ed, free()) with *@n entries, IPv4 first.
 */
int net_neigh_by_mac(const uint8_t mac[6], struct net_ip **out, size_t *n,
		     struct err **e);

#endif
