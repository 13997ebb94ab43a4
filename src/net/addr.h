/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Addresses of virtual networks: IPv4/IPv6 addresses and prefixes, MAC
 * addresses, interface and host names. Parsing checks everything (these
 * values come from XML and reach nft rules and dnsmasq files); formatting
 * writes the canonical form (inet_ntop's, lower-case MACs).
 */
#ifndef NIDO_NET_ADDR_H
#define NIDO_NET_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

#include "lib/err.h"

/* An IPv4 or IPv6 address; @family AF_INET or AF_INET6, 0 for none. */
struct net_ip {
	int family;
	uint8_t b[16]; /* network order; 4 bytes used for AF_INET */
};

/* Longest text of an address (INET6_ADDRSTRLEN) and of a MAC. */
#define NET_IP_STRLEN  46
#define NET_MAC_STRLEN 18

/* Longest interface name (IFNAMSIZ - 1). */
#define NET_IFNAME_MAX 15

/*
 * Parses @s as an IPv4 or IPv6 address (no prefix, no scope); @family 0
 * takes either. Errors name @what. Returns 0 or -EINVAL.
 */
int net_ip_parse(const char *s, int family, const char *what,
		 struct net_ip *out, struct err **e);

/* Writes @ip into @buf (NET_IP_STRLEN bytes); returns @buf. */
const char *net_ip_str(const struct net_ip *ip, char buf[NET_IP_STRLEN]);

/* Address bits of the family: 32 or 128. */
unsigned net_ip_bits(const struct net_ip *ip);

bool net_ip_eq(const struct net_ip *a, const struct net_ip *b);

/* -1, 0, 1 as @a is below, equal to or above @b (same family). */
int net_ip_cmp(const struct net_ip *a, const struct net_ip *b);

/* @ip with its host bits (beyond @prefix) cleared. */
struct net_ip net_ip_network(const struct net_ip *ip, unsigned prefix);

/* The last address of @ip/@prefix (host bits all set). */
struct net_ip net_ip_last(const struct net_ip *ip, unsigned prefix);

/* true when @ip lies in @net/@prefix (same family). */
bool net_ip_in(const struct net_ip *ip, const struct net_ip *net,
	       unsigned prefix);

/* true when the prefixes @a/@pa and @b/@pb share an address. */
bool net_prefix_overlap(const struct net_ip *a, unsigned pa,
			const struct net_ip *b, unsigned pb);

/*
 * The prefix length of the IPv4 netmask @mask ("255.255.255.0": 24);
 * fails on a mask whose bits are not contiguous.
 */
int net_netmask_prefix(const struct net_ip *mask, unsigned *prefix,
		       struct err **e);

/* The IPv4 netmask of @prefix. */
struct net_ip net_prefix_netmask(unsigned prefix);

/*
 * MAC addresses "52:54:00:ab:cd:ef" (either case). A multicast address
 * (lowest bit of the first byte) is refused: no interface can have one.
 */
int net_mac_parse(const char *s, const char *what, uint8_t mac[6],
		  struct err **e);
const char *net_mac_str(const uint8_t mac[6], char buf[NET_MAC_STRLEN]);

/*
 * A random MAC in 52:54:00, the prefix libvirt and QEMU give guests and
 * bridges they name themselves (unicast, locally administered).
 */
void net_mac_random(uint8_t mac[6]);

/* Digits the kernel may put for a template's "%d" (numbers < 32768). */
#define NET_IFNAME_NUM_MAX 5

/*
 * Interface names: 1 to 15 of [A-Za-z0-9_.-], not ".", "..", "all" or
 * "default": a subset of what the kernel takes, safe in nft rules and
 * dnsmasq files without quoting. With @template, one "%d" is allowed,
 * and the name must fit in 15 characters with the number put in
 * ("vnet%d"). Templates are expanded before anything else sees them:
 * net_tap_create() by the kernel, a network's <bridge name='virbr%d'> by
 * nidod when it starts the network (the first free number); the bridge,
 * firewall and dnsmasq functions take only expanded names.
 */
int net_ifname_check(const char *name, bool template, struct err **e);

/* true when a link named @name exists in this network namespace. */
bool net_link_exists(const char *name);

/*
 * Host and domain names (RFC 1123 labels, dots between them, up to 253
 * characters): what dnsmasq files may hold.
 */
int net_hostname_check(const char *name, const char *what, struct err **e);

#endif
