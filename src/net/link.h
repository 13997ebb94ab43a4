/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Links over rtnetlink (libnl-route): bridges, veth pairs, ports of a
 * bridge, addresses, up/down, MTU, MAC, state and counters. Never runs
 * `ip`. Every call works on the network namespace of the calling thread
 * when net_nl_open() ran.
 *
 *	struct net_nl *nl = NULL;
 *	if (net_nl_open(&nl, e) < 0) ...
 *	net_bridge_create(nl, "virbr0", &(struct net_bridge_opts){.stp = 1}, e);
 *	net_nl_close(nl);
 */
#ifndef NIDO_NET_LINK_H
#define NIDO_NET_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"
#include "net/addr.h"

/* A netlink route socket; one per thread (libnl sockets are not shared). */
struct net_nl;

int net_nl_open(struct net_nl **out, struct err **e);
/* Closes @nl; accepts NULL. */
void net_nl_close(struct net_nl *nl);

struct net_bridge_opts {
	bool stp;	    /* spanning tree (the kernel's) */
	unsigned delay_s;   /* forward delay in seconds (libvirt's delay=) */
	unsigned mtu;	    /* 0: the kernel's default */
	const uint8_t *mac; /* 6 bytes, or NULL: a random one */
	/* No IPv6 on the bridge (disable_ipv6): a network without an IPv6
	 * <ip>, as libvirt does. */
	bool no_ipv6;
};

/*
 * Creates bridge @name, down. With STP on, the kernel raises a forward
 * delay below 2 s to 2 s (as it does for libvirt's delay='0'). Whatever
 * @o says of IPv6, the bridge takes no router advertisements and makes
 * no address from one (accept_ra=0, autoconf=0, as libvirt sets them):
 * a guest's RA must not give the host a route or an address. Fails with
 * -EEXIST when a link of that name exists; on any other failure the
 * bridge is not left behind.
 */
int net_bridge_create(struct net_nl *nl, const char *name,
		      const struct net_bridge_opts *o, struct err **e);

/* Creates the veth pair @name and @peer, both down, in this namespace. */
int net_veth_create(struct net_nl *nl, const char *name, const char *peer,
		    struct err **e);

/*
 * Creates the veth pair @name (down, in this namespace) and @peer, made
 * directly in the network namespace of process @peer_pid with MAC
 * @peer_mac, down: a container's interface, named there as its XML says
 * without passing through a name of this namespace. -EEXIST when @name
 * exists here.
 */
int net_veth_create_peer(struct net_nl *nl, const char *name, const char *peer,
			 pid_t peer_pid, const uint8_t peer_mac[6],
			 struct err **e);

/* Moves link @name into the network namespace of process @pid. */
int net_link_set_netns(struct net_nl *nl, const char *name, pid_t pid,
		       struct err **e);

/*
 * Writes @value to /proc/sys/@key ("net/ipv4/ip_forward"), this network
 * namespace's setting. -ENOENT (with @e) when the kernel has no such
 * key (IPv6 off), else 0 or -errno.
 */
int net_sysctl_write(const char *key, const char *value, struct err **e);

/* Deletes link @name (any kind); -ENODEV when there is none. */
int net_link_delete(struct net_nl *nl, const char *name, struct err **e);

/* Sets link @name up or down (virsh domif-setlink). */
int net_link_set_up(struct net_nl *nl, const char *name, bool up,
		    struct err **e);
int net_link_set_mtu(struct net_nl *nl, const char *name, unsigned mtu,
		     struct err **e);
int net_link_set_mac(struct net_nl *nl, const char *name, const uint8_t mac[6],
		     struct err **e);

/* Sets the MAC of virtual function @vf of SR-IOV physical function @pf
 * (IFLA_VF_MAC, as `ip link set PF vf N mac M`). */
int net_link_set_vf_mac(struct net_nl *nl, const char *pf, unsigned vf,
			const uint8_t mac[6], struct err **e);

/* Makes @port a port of bridge @bridge; @bridge NULL: no bridge's. */
int net_link_set_master(struct net_nl *nl, const char *port, const char *bridge,
			struct err **e);

/* Adds @ip/@prefix to link @name (IPv4 with its broadcast address). */
int net_addr_add(struct net_nl *nl, const char *name, const struct net_ip *ip,
		 unsigned prefix, struct err **e);

/* The same with @peer the other end of a point-to-point link (NULL:
 * none). */
int net_addr_add_peer(struct net_nl *nl, const char *name,
		      const struct net_ip *ip, unsigned prefix,
		      const struct net_ip *peer, struct err **e);

/* A route to @dst/@prefix through link @name, via @gw (NULL: on link). */
int net_route_add(struct net_nl *nl, const char *name, const struct net_ip *dst,
		  unsigned prefix, const struct net_ip *gw, struct err **e);

/* What virsh domifstat and domif-getlink print, and a bit more. */
struct net_link_info {
	int index;
	int master;   /* ifindex of its bridge, 0 for none */
	bool up;      /* administratively (IFF_UP) */
	bool running; /* carrier (IFF_RUNNING) */
	unsigned mtu;
	uint8_t mac[6];
	char kind[16]; /* "bridge", "veth", "tun", "" */
	uint64_t rx_bytes, rx_packets, rx_errs, rx_drop;
	uint64_t tx_bytes, tx_packets, tx_errs, tx_drop;
};

/* Fills @out for link @name; -ENODEV when there is none. */
int net_link_query(struct net_nl *nl, const char *name,
		   struct net_link_info *out, struct err **e);

#endif
