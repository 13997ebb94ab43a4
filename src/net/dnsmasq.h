/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dnsmasq for a network: its configuration file, its two hosts files and
 * its lease file. nidod runs one dnsmasq per network with DHCP or DNS,
 * bound to the network's bridge; these functions only build and read
 * text (the caller writes the files and supervises the process).
 *
 * Every value written was checked first (names by net_hostname_check(),
 * interface names by net_ifname_check(), paths without line ends or
 * commas) so that nothing can add a line or an option to the files.
 */
#ifndef NIDO_NET_DNSMASQ_H
#define NIDO_NET_DNSMASQ_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "lib/err.h"
#include "net/addr.h"

struct net_dhcp_range {
	struct net_ip start, end;
};

/* <host mac name ip> (IPv4) or <host id name ip> (DHCPv6). */
struct net_dhcp_host {
	bool has_mac;
	uint8_t mac[6];
	const char *id;	  /* DHCPv6 DUID "00:03:00:01:..", or NULL */
	const char *name; /* or NULL */
	struct net_ip ip; /* family 0: none (a name for a MAC only) */
};

/* One <ip> of the network with its DHCP service, if any. */
struct net_dnsmasq_ip {
	struct net_ip addr; /* the host's address on the bridge */
	unsigned prefix;
	const struct net_dhcp_range *ranges;
	size_t n_ranges;
	const struct net_dhcp_host *hosts;
	size_t n_hosts;
};

/* <dns><host ip><hostname>..</hostname></host>. */
struct net_dns_host {
	struct net_ip ip;
	const char *const *names;
	size_t n_names;
};

/* <dns><forwarder addr domain/>: addr family 0 with a domain: local. */
struct net_dns_forwarder {
	struct net_ip addr;
	const char *domain; /* or NULL: every name */
};

struct net_dnsmasq_conf {
	const char *bridge;
	const char *domain; /* <domain name>, or NULL */
	bool domain_local;  /* <domain localOnly='yes'> */
	bool no_dns;	    /* <dns enable='no'>: DHCP only (port=0) */
	/* <dns forwardPlainNames='no'>: names without a dot stay local. */
	bool no_forward_plain;
	/*
	 * An isolated network (no <forward>): the host is no router (no
	 * DHCP router option, router advertisements with a lifetime of 0)
	 * and its DNS forwards nothing, as libvirt's.
	 */
	bool isolated;
	const struct net_dnsmasq_ip *ips;
	size_t n_ips;
	const struct net_dns_forwarder *forwarders;
	size_t n_forwarders;
	/* Files dnsmasq reads or writes (absolute paths, caller's choice). */
	const char *lease_file;
	const char *dhcp_hosts_file; /* net_dnsmasq_dhcp_hosts() */
	const char *dns_hosts_file;  /* net_dnsmasq_dns_hosts() */
	const char *pid_file;	     /* or NULL */
	const char *user;	     /* user dnsmasq runs as, or NULL */
};

/*
 * The configuration file for `dnsmasq --conf-file=F`; NULL with @e. An
 * <ip> with static hosts and no range gets "dhcp-range=NET,static" (so
 * that dnsmasq answers those hosts), as libvirt writes it. dhcp-lease-max
 * is the ranges' and hosts' sum, at most NET_LEASES_MAX (what the lease
 * parser reads back).
 * IPv6, as libvirt: a subnet without DHCP gets "ra-only" (router
 * advertisements with the prefix for SLAAC, the clients make their own
 * addresses); a subnet with a range or hosts gets stateful DHCPv6 (its
 * advertisements say "managed", without the prefix for SLAAC) and
 * "enable-ra".
 */
char *net_dnsmasq_conf(const struct net_dnsmasq_conf *c, struct err **e);

/*
 * A DHCP host name dnsmasq reads as a name in a dhcp-hostsfile line: a
 * host name (net_hostname_check()) that is not one of the other things a
 * field of that line can be: "ignore", "infinite", "deprecated", a lease
 * time (^[0-9]+[smhdw]?$), an address, or a name whose last label is all
 * digits. @what names the value in the error.
 */
int net_dnsmasq_host_name_check(const char *name, const char *what,
				struct err **e);

/* The dhcp-hostsfile: one "mac,ip,name" line per static host. */
char *net_dnsmasq_dhcp_hosts(const struct net_dnsmasq_conf *c, struct err **e);

/* The addn-hosts file: "ip name..." lines. */
char *net_dnsmasq_dns_hosts(const struct net_dns_host *hosts, size_t n,
			    struct err **e);

/* Longest client hardware address kept (DHCP's chaddr is 16 bytes). */
#define NET_HWADDR_MAX 16

/* One line of dnsmasq's lease file. */
struct net_lease {
	time_t expiry; /* seconds since the epoch; 0: never */
	/*
	 * IPv4 leases carry the client's hardware address as the client
	 * sent it: any ARP type (1: Ethernet), 0 to NET_HWADDR_MAX bytes,
	 * multicast or not. @has_mac when it is 6 bytes of Ethernet (then
	 * also in @mac).
	 */
	unsigned hwtype;
	uint8_t hwaddr[NET_HWADDR_MAX];
	size_t hwaddr_len;
	bool has_mac;
	uint8_t mac[6];
	uint32_t iaid;	/* IPv6: the identity association */
	bool temporary; /* IPv6: an IA_TA ("T" before the IAID) */
	struct net_ip ip;
	char *hostname;	 /* or NULL ("*") */
	char *client_id; /* IPv4 client id or IPv6 DUID, or NULL */
};

/* Most leases and bytes a lease file may hold for the parser. */
#define NET_LEASES_MAX	   65536
#define NET_LEASE_FILE_MAX (8u << 20)

/*
 * Parses the lease file text @text (@len bytes): IPv4 lines "expiry
 * [TYPE-]hwaddr ip hostname client-id", then after a "duid SERVER-DUID"
 * line, IPv6 lines "expiry [T]iaid ip hostname duid". The file is written
 * by dnsmasq from what clients sent, so one guest must not hide the
 * others' leases: a line that does not parse is skipped and counted in
 * *@skipped (may be NULL); a host name that is not a valid one is dropped
 * (NULL). Fails only on a file too large, binary or with more than
 * NET_LEASES_MAX leases. Fills a malloc'ed array in @out (free with
 * net_leases_free()).
 */
int net_leases_parse(const char *text, size_t len, struct net_lease **out,
		     size_t *n, size_t *skipped, struct err **e);

/* net_leases_parse() on the file @path; a missing file has no leases. */
int net_leases_read(const char *path, struct net_lease **out, size_t *n,
		    size_t *skipped, struct err **e);

void net_leases_free(struct net_lease *l, size_t n);

#endif
