/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bandwidth limits on a guest's tap, over rtnetlink (libnl-route), as
 * libvirt's <bandwidth> means them (docs/xml.md, "Bandwidth"):
 *
 * - inbound (to the guest: what leaves the tap on the host) is shaped on
 *   the tap's egress by an htb root qdisc with one default class (rate =
 *   average, ceil = peak, burst);
 * - outbound (from the guest: what enters the tap) is shaped too, not
 *   policed: an ingress qdisc with a u32 filter that matches every frame
 *   redirects it (mirred) to an ifb device of its own, "nifbN" (N: the
 *   tap's ifindex), whose egress has the same htb. Shaping delays frames
 *   where policing would drop them, so a guest's TCP sees a steady rate
 *   instead of losses (libnl 3.7 has no police action either).
 *
 * The qdiscs go with the tap; the ifb is deleted by net_tc_clear().
 */
#ifndef NIDO_NET_TC_H
#define NIDO_NET_TC_H

#include <stdint.h>

#include "lib/err.h"
#include "net/addr.h"

/* Bytes per second and bytes; peak and burst 0: not given. */
struct net_tc_rate {
	uint64_t rate, peak, burst;
};

/* Shapes what leaves link @dev to @r. */
int net_tc_egress_limit(const char *dev, const struct net_tc_rate *r,
			struct err **e);

/*
 * Shapes what enters link @dev to @r, through an ifb it creates; its
 * name goes to @ifb (NET_IFNAME_MAX + 1 bytes).
 */
int net_tc_ingress_limit(const char *dev, const struct net_tc_rate *r,
			 char ifb[NET_IFNAME_MAX + 1], struct err **e);

/* Deletes the ifb @ifb (net_tc_ingress_limit's); a missing one is fine. */
int net_tc_clear(const char *ifb, struct err **e);

#endif
