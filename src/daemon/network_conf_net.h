/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a network definition to what src/net takes: the firewall of the
 * network (net/fw.h), its dnsmasq configuration (net/dnsmasq.h), its
 * bridge's options (net/link.h). What net-start will do with them.
 *
 * The structures point into the definition, which must outlive them, and
 * own only their arrays: release with network_fw_release() and
 * network_dnsmasq_release().
 */
#ifndef NIDO_DAEMON_NETWORK_CONF_NET_H
#define NIDO_DAEMON_NETWORK_CONF_NET_H

#include "daemon/network_conf.h"
#include "net/dnsmasq.h"
#include "net/fw.h"
#include "net/link.h"

struct network_fw {
	struct net_fw_network net;
	struct net_fw_subnet *subnets;	 /* owned */
	struct net_fw_forward *forwards; /* owned */
};

/*
 * The firewall of @d on bridge @bridge (the definition's, or the one
 * nidod picked for a template). -EINVAL for a mode='bridge' network: the
 * host's bridge gets no rules of nido's.
 */
int network_def_fw(const struct network_def *d, const char *bridge,
		   struct network_fw *out, struct err **e);
void network_fw_release(struct network_fw *f);

/* Where dnsmasq's files go (absolute paths; the caller's choice). */
struct network_dnsmasq_paths {
	const char *lease_file, *dhcp_hosts_file, *dns_hosts_file, *pid_file;
	const char *user; /* or NULL */
};

struct network_dnsmasq {
	struct net_dnsmasq_conf conf;
	struct net_dnsmasq_ip *ips;	      /* owned */
	struct net_dhcp_host *hosts;	      /* owned, all ips' */
	struct net_dhcp_range *ranges;	      /* owned, all ips' */
	struct net_dns_host *dns_hosts;	      /* owned */
	struct net_dns_forwarder *forwarders; /* owned */
};

/*
 * dnsmasq for @d on @bridge: 0 with @out filled, or 1 when the network
 * needs no dnsmasq (no <ip>, or mode='bridge'). The values are checked
 * again when net_dnsmasq_conf() writes them.
 */
int network_def_dnsmasq(const struct network_def *d, const char *bridge,
			const struct network_dnsmasq_paths *paths,
			struct network_dnsmasq *out);
void network_dnsmasq_release(struct network_dnsmasq *m);

/* The bridge options of @d (STP, delay, MTU, MAC). */
struct net_bridge_opts network_def_bridge_opts(const struct network_def *d);

#endif
