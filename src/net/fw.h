/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A virtual network's firewall, through libnftables. Each network owns one
 * table, `inet nido-BRIDGE`, holding all its rules (filter on the forward
 * hook, nat on postrouting and prerouting): adding a network is one
 * transaction that deletes the table if there and writes it whole, so a
 * rule is never duplicated whatever the sequence of restarts; removing is
 * one `delete table`; what nido owns is found by the name's prefix. No
 * other table is touched but iptables' `ip filter` and `ip6 filter`,
 * where Docker's (or any iptables firewall's) FORWARD chain would drop a
 * network's traffic: two rules per network there, tagged "nido:BRIDGE"
 * (fw-coexist.c; docs/network-xml.md, "Firewall", says why).
 *
 * The text is built from checked data only (interface names of
 * [A-Za-z0-9_.-], addresses formatted from binary, numbers): nothing from
 * the user reaches nft's parser unchecked.
 */
#ifndef NIDO_NET_FW_H
#define NIDO_NET_FW_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "net/addr.h"

/* Prefix of the tables nido owns. */
#define NET_FW_TABLE_PREFIX "nido-"

enum net_fw_mode {
	NET_FW_NAT,	 /* masquerade to the outside, replies only inwards */
	NET_FW_ROUTE,	 /* routed both ways, no translation */
	NET_FW_ISOLATED, /* guests reach each other and the host only */
	NET_FW_OPEN,	 /* no rules at all (libvirt's mode='open') */
};

struct net_fw_subnet {
	struct net_ip net; /* host bits may be set: only the prefix counts */
	unsigned prefix;
};

/* Host port(s) @start..@end on @host_addr forwarded to @guest:@to... */
struct net_fw_forward {
	int proto;	     /* IPPROTO_TCP or IPPROTO_UDP */
	struct net_ip host;  /* family 0: any of the host's addresses */
	uint16_t start, end; /* end == start for one port */
	uint16_t to;	     /* the guest's first port */
	struct net_ip guest; /* must lie in one of the subnets */
};

struct net_fw_network {
	const char *bridge; /* the network's bridge */
	enum net_fw_mode mode;
	const char *dev; /* <forward dev=>, or NULL: any */
	const struct net_fw_subnet *subnets;
	size_t n_subnets;
	/* NAT only: <nat><address start end/>, family 0: masquerade */
	struct net_ip nat_start, nat_end;
	uint16_t port_start, port_end; /* 0, 0: 1024-65535 */
	bool nat_ipv6;		       /* <nat ipv6='yes'>; else routed */
	const struct net_fw_forward *forwards;
	size_t n_forwards;
};

/*
 * The nft script that installs @n's rules as one transaction (replacing
 * any rules of the same bridge). Returns a malloc'ed string, or NULL with
 * @e filled when @n is not consistent (a bad name, a forward to a guest
 * outside the subnets...).
 */
char *net_fw_script(const struct net_fw_network *n, struct err **e);

/* The script that removes the rules of @bridge, whether there or not. */
char *net_fw_remove_script(const char *bridge, struct err **e);

/*
 * The coexistence commands for @bridge given the ruleset @ruleset_json
 * (`nft -j list ruleset`): delete the rules tagged "nido:@bridge" in the
 * `ip filter` and `ip6 filter` tables (every "nido:" rule when @bridge is
 * NULL), then, with @add, insert the two accepts for @bridge at the top
 * of DOCKER-USER, else of FORWARD, of each such table. Fills @out with a
 * malloc'ed script (possibly empty).
 */
int net_fw_coexist_script(const char *ruleset_json, const char *bridge,
			  bool add, char **out, struct err **e);

/* Runs @script through libnftables as one transaction. */
int net_fw_run(const char *script, struct err **e);

/*
 * Installs @n's table and its coexistence rules (none for an open
 * network) in one transaction.
 */
int net_fw_apply(const struct net_fw_network *n, struct err **e);

/*
 * Removes @bridge's table and coexistence rules, in one transaction;
 * nothing to remove is not an error.
 */
int net_fw_remove(const char *bridge, struct err **e);

/*
 * The bridges whose tables are installed (the names after the prefix),
 * as a malloc'ed NULL-terminated array of malloc'ed strings in @out.
 */
int net_fw_list(char ***out, struct err **e);

/* Removes every table and coexistence rule of nido, and nothing else. */
int net_fw_cleanup(struct err **e);

void net_fw_list_free(char **list);

#endif
