/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an <interface> says beyond where it goes (domain_conf_net.c,
 * docs/xml.md "Interfaces"): its virtio-net <driver> (queues, queue
 * sizes, offloads, virtio options), its <rom>, <acpi index>, the source
 * of the types that are not a tap (a socket between QEMUs, a vhost-user
 * socket, a vDPA device) and a user-mode network's <ip> ranges. Included
 * by domain_conf.h; the generic parser keeps it, the drivers say what
 * they run.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_NET_H
#define NIDO_DAEMON_DOMAIN_CONF_NET_H

#include <stdbool.h>
#include <stdio.h>

#include "net/addr.h"

/* <driver name=>: absent (QEMU's own virtio-net), qemu, vhost. */
enum net_driver_name {
	NET_DRIVER_DEFAULT,
	NET_DRIVER_QEMU,
	NET_DRIVER_VHOST,
};

/* <driver txmode=>: absent, iothread (QEMU's "bh"), timer. */
enum net_txmode {
	NET_TXMODE_DEFAULT,
	NET_TXMODE_IOTHREAD,
	NET_TXMODE_TIMER,
};

/* The on/off switches of <driver>, <driver><host> and <driver><guest>,
 * in net_opt_names' order (each a virtio-net-pci property). */
enum net_opt {
	NET_OPT_IOEVENTFD,
	NET_OPT_EVENT_IDX,
	NET_OPT_RSS,
	NET_OPT_RSS_HASH_REPORT,
	NET_OPT_IOMMU,
	NET_OPT_ATS,
	NET_OPT_PACKED,
	NET_OPT_HOST_CSUM,
	NET_OPT_HOST_GSO,
	NET_OPT_HOST_TSO4,
	NET_OPT_HOST_TSO6,
	NET_OPT_HOST_ECN,
	NET_OPT_HOST_UFO,
	NET_OPT_HOST_MRG_RXBUF,
	NET_OPT_GUEST_CSUM,
	NET_OPT_GUEST_TSO4,
	NET_OPT_GUEST_TSO6,
	NET_OPT_GUEST_ECN,
	NET_OPT_GUEST_UFO,
	NET_OPT_N,
};

/* One switch: its element ("driver", "host", "guest"), attribute, and
 * the virtio-net-pci property it sets. */
struct net_opt_name {
	const char *elem, *attr, *prop;
};
extern const struct net_opt_name net_opt_names[NET_OPT_N];

/* The kernel's limit of a tap's queues (MAX_TAP_QUEUES). */
#define NET_MAX_QUEUES 256

struct net_driver {
	enum net_driver_name name;
	unsigned queues;		       /* 0: absent (one) */
	unsigned rx_queue_size, tx_queue_size; /* 0: absent */
	enum net_txmode txmode;
	int opt[NET_OPT_N]; /* enum domain_tristate */
};

/* <rom bar= file= enabled=>; file='' (libvirt's old way to say no ROM)
 * is kept as "". */
struct net_rom {
	int bar, enabled; /* enum domain_tristate */
	char *file;	  /* NULL: none */
};

/* <source address= port=> of server, client, mcast, udp; udp's
 * <local address= port=>. */
struct net_socket {
	char *address; /* NULL: any (server) */
	unsigned port;
	char *local_address;
	unsigned local_port; /* 0: none */
};

/* vhostuser: <source type='unix' path= mode=> and its <reconnect>. */
struct net_vhostuser {
	char *path;
	bool server;		 /* mode='server': QEMU listens */
	int reconnect;		 /* enum domain_tristate */
	unsigned reconnect_secs; /* <reconnect timeout=> */
};

/* hostdev: an SR-IOV virtual function given to the guest through VFIO,
 * its MAC set through its physical function; <source><address
 * type='pci'>, managed=, <driver name='vfio'>. */
struct net_hostdev {
	unsigned domain, bus, slot, function;
	int managed; /* enum domain_tristate */
	bool vfio;
};

/* ethernet: <source><ip address= prefix= peer=/><route address= prefix=
 * gateway=/></source>, the host side's addresses and routes on the tap. */
#define NET_MAX_HOST_IPS 8
struct net_host_ip {
	struct net_ip ip, peer; /* peer.family 0: none */
	unsigned prefix;
};
struct net_host_route {
	struct net_ip dst, gw; /* gw.family 0: none */
	unsigned prefix;
};
struct net_host {
	struct net_host_ip ips[NET_MAX_HOST_IPS];
	size_t n_ips;
	struct net_host_route routes[NET_MAX_HOST_IPS];
	size_t n_routes;
};

/* A user-mode network's <ip address= family= prefix=>: one of each. */
struct net_user_ip {
	char *ipv4, *ipv6;
	unsigned prefix4, prefix6; /* 0: absent */
};

#endif
