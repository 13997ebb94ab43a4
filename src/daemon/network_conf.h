/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network definitions: the libvirt network XML subset nido understands
 * (docs/network-xml.md), parsed into a struct network_def, checked, and
 * formatted back as libvirt formats it. Round trip: what the subset
 * covers survives parse then format; format then parse then format gives
 * the same text.
 *
 * Everything in a network_def is owned by it (network_def_free()).
 */
#ifndef NIDO_DAEMON_NETWORK_CONF_H
#define NIDO_DAEMON_NETWORK_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/xml_util.h"
#include "lib/err.h"
#include "lib/uuid.h"
#include "net/addr.h"

/* <forward mode=>; no <forward> at all is an isolated network. */
enum network_forward {
	NETWORK_FORWARD_NONE, /* isolated */
	NETWORK_FORWARD_NAT,
	NETWORK_FORWARD_ROUTE,
	NETWORK_FORWARD_OPEN,
	NETWORK_FORWARD_BRIDGE, /* a host bridge (or Open vSwitch) */
};
extern const char *const network_forward_names[];

/* An optional yes/no (or on/off) attribute. */
enum network_tristate {
	NETWORK_TRISTATE_ABSENT,
	NETWORK_TRISTATE_YES,
	NETWORK_TRISTATE_NO,
};

/* How <ip> gave its prefix, so that it is written back the same way. */
enum network_prefix_form {
	NETWORK_PREFIX_IMPLIED, /* neither: classful (IPv4) or 64 (IPv6) */
	NETWORK_PREFIX_NETMASK,
	NETWORK_PREFIX_PREFIX,
};

struct network_dhcp_range {
	struct net_ip start, end;
};

/* <host mac id name ip> of <dhcp>. */
struct network_dhcp_host {
	bool has_mac;
	uint8_t mac[6];
	char *id;	  /* DHCPv6 client DUID, or NULL */
	char *name;	  /* or NULL */
	struct net_ip ip; /* family 0: none */
};

struct network_ip {
	struct net_ip address; /* the host's address on the bridge */
	unsigned prefix;
	enum network_prefix_form prefix_form;
	bool family_given; /* family= was written */
	bool has_dhcp;	   /* a <dhcp> element, even empty */
	struct network_dhcp_range *ranges;
	size_t n_ranges;
	struct network_dhcp_host *hosts;
	size_t n_hosts;
};

/* <dns><host ip><hostname/>...</host>. */
struct network_dns_host {
	struct net_ip ip;
	char **names;
	size_t n_names;
};

/* <dns><forwarder addr domain/>. */
struct network_dns_forwarder {
	struct net_ip addr; /* family 0: none */
	char *domain;	    /* or NULL */
};

/* <bandwidth>: kilobytes per second (average, peak, floor), KiB (burst). */
struct network_rate {
	bool set;
	uint64_t average, peak, burst, floor;
};
struct network_bandwidth {
	struct network_rate in, out;
};

#define NETWORK_MAX_VLAN_TAGS 64
struct network_vlan {
	bool trunk;
	enum network_tristate trunk_attr; /* trunk= as written */
	size_t n_tags;
	struct {
		unsigned id; /* 0..4095 */
		int native;  /* 0 none, 1 untagged, 2 tagged */
	} tags[NETWORK_MAX_VLAN_TAGS];
};

/* <virtualport type='openvswitch'><parameters .../></virtualport>. */
struct network_virtualport {
	bool present;
	bool openvswitch; /* type='openvswitch' written */
	char *interfaceid, *profileid;
};

struct network_portgroup {
	char *name;
	bool is_default;
	struct network_vlan vlan;
	struct network_bandwidth bandwidth;
	struct network_virtualport virtualport;
};

/*
 * nido's port forwarding (libvirt's network XML has none):
 * <portForward proto='tcp' [address='HOST'] guest='GUEST'>
 *   <range start='8080' [end='8089'] [to='80']/>
 * </portForward>
 */
struct network_port_range {
	uint16_t start, end, to; /* end: 0 when not given; to: 0 idem */
};
struct network_port_forward {
	int proto;	    /* IPPROTO_TCP or IPPROTO_UDP */
	struct net_ip host; /* family 0: every host address */
	struct net_ip guest;
	struct network_port_range *ranges;
	size_t n_ranges;
};

struct network_def {
	char *name;
	struct uuid uuid;
	bool uuid_generated;
	enum network_tristate ipv6; /* <network ipv6='yes'> */

	enum network_forward forward;
	bool forward_given; /* a <forward> element (mode='none' is refused) */
	char *forward_dev;  /* dev= or <interface dev>, or NULL */
	struct {
		bool present;
		enum network_tristate ipv6;
		struct net_ip start, end;      /* family 0: masquerade */
		uint16_t port_start, port_end; /* 0: not given */
	} nat;

	char *bridge;	/* NULL: nidod picks "virbrN" */
	bool stp;	/* default on, as libvirt */
	unsigned delay; /* seconds */
	bool has_mac;
	uint8_t mac[6];
	unsigned mtu; /* 0: not given */
	char *domain;
	enum network_tristate domain_local;

	enum network_tristate dns_enable, dns_forward_plain;
	struct network_dns_host *dns_hosts;
	size_t n_dns_hosts;
	struct network_dns_forwarder *forwarders;
	size_t n_forwarders;

	struct network_ip *ips;
	size_t n_ips;

	struct network_vlan vlan;
	bool has_vlan;
	struct network_bandwidth bandwidth;
	struct network_virtualport virtualport;
	struct network_portgroup *portgroups;
	size_t n_portgroups;
	struct network_port_forward *port_forwards;
	size_t n_port_forwards;
};

/* Bounds of a definition (anything larger is refused, naming it). */
#define NETWORK_NAME_MAX	64
#define NETWORK_MAX_IPS		16
#define NETWORK_MAX_RANGES	64
#define NETWORK_MAX_HOSTS	4096
#define NETWORK_MAX_DNS		1024
#define NETWORK_MAX_GROUPS	64
#define NETWORK_MAX_FORWARDS	256
#define NETWORK_MAX_PORT_RANGES 1024 /* <range>s of all <portForward>s */

/*
 * Parses @len bytes of network XML (untrusted: see xml_parse()) and
 * checks it (network_def_validate()). A missing <uuid> gets a random
 * one. Unknown elements and attributes are added to @warnings (may be
 * NULL), naming them, and so is what is kept but not applied yet
 * (<bandwidth>, <vlan>); what nido cannot honour is refused,
 * naming it.
 * Returns 0 with *@out set (free with network_def_free), or -errno with
 * @e filled: of kind ERR_CONFIG_UNSUPPORTED for what nido does not run
 * (a forward mode, a virtualport type, macvtap), else ERR_XML_ERROR.
 */
int network_def_parse(const char *xml, size_t len, struct network_def **out,
		      struct xml_warnings *warnings, struct err **e);

/*
 * The rules between parts: ranges and hosts inside their subnet, ranges
 * not overlapping, no two hosts with one MAC or address, subnets not
 * overlapping, what each forward mode allows. 0 or -EINVAL with @e.
 */
int network_def_validate(const struct network_def *d, struct err **e);

/* Formats @d as libvirt does; a malloc'ed string. */
char *network_def_format(const struct network_def *d);

/* Frees @d; accepts NULL. */
void network_def_free(struct network_def *d);

/* Network names: 1 to 64 of [A-Za-z0-9_.+-], not starting with '.' or '-'. */
int network_name_check(const char *name, struct err **e);

/*
 * The parts a guest's <interface> shares with a network (domain XML):
 * <bandwidth>, <vlan> and <virtualport>, parsed and formatted as in a
 * network definition (at @indent spaces). The parsers fill a zeroed
 * struct; network_virtualport_clear() frees a virtualport's strings.
 */
int network_bandwidth_parse(const xmlNode *n, struct network_bandwidth *b,
			    struct xml_warnings *w, struct err **e);
int network_vlan_parse(const xmlNode *n, struct network_vlan *v,
		       struct xml_warnings *w, struct err **e);
int network_virtualport_parse(const xmlNode *n, struct network_virtualport *v,
			      struct xml_warnings *w, struct err **e);
void network_virtualport_clear(struct network_virtualport *v);
void network_bandwidth_format(FILE *f, const struct network_bandwidth *b,
			      int indent);
void network_vlan_format(FILE *f, const struct network_vlan *v, int indent);
void network_virtualport_format(FILE *f, const struct network_virtualport *v,
				int indent);

/*
 * One <host> element of <dhcp> (net-update ip-dhcp-host), for an <ip> of
 * @family, checked as the whole definition's hosts are. Fills @out
 * (release with network_dhcp_host_release()); -errno with @e filled.
 */
int network_dhcp_host_parse(const char *xml, size_t len, int family,
			    struct network_dhcp_host *out,
			    struct xml_warnings *w, struct err **e);
void network_dhcp_host_release(struct network_dhcp_host *h);

#endif
