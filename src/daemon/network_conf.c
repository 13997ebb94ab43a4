// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Network XML: parse (libxml2) into struct network_def and check it.
 * Each element of the subset has one parse function; each checks its
 * attributes and children against what it knows and warns about the rest
 * (xml_check_known). What would change the network's meaning if ignored
 * (another forward mode, another virtualport type) is refused instead.
 * Formatting is in network_conf_format.c.
 */
#include "daemon/network_conf.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include "lib/uuid.h"
#include "net/dnsmasq.h"

const char *const network_forward_names[] = {"none", "nat",    "route",
					     "open", "bridge", NULL};
static const char *const yes_no[] = {"", "yes", "no", NULL};
static const char *const on_off[] = {"", "on", "off", NULL};
static const char *const proto_names[] = {"tcp", "udp", NULL};

int network_name_check(const char *name, struct err **e)
{
	size_t n = strlen(name);

	if (n == 0 || n > NETWORK_NAME_MAX)
		return err_set(e, EINVAL,
			       "network name '%s' must be 1 to %d characters",
			       name, NETWORK_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return err_set(e, EINVAL,
			       "network name '%s' must not start with '%c'",
			       name, name[0]);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    !strchr("_.+-", name[i]))
			return err_set(e, EINVAL,
				       "network name '%s' has an invalid "
				       "character (allowed: letters, digits, "
				       "'_', '.', '+', '-')",
				       name);
	return 0;
}

static void free_virtualport(struct network_virtualport *v)
{
	free(v->interfaceid);
	free(v->profileid);
}

static void free_ips(struct network_def *d)
{
	for (size_t i = 0; i < d->n_ips; i++) {
		for (size_t j = 0; j < d->ips[i].n_hosts; j++) {
			free(d->ips[i].hosts[j].id);
			free(d->ips[i].hosts[j].name);
		}
		free(d->ips[i].hosts);
		free(d->ips[i].ranges);
	}
	free(d->ips);
}

void network_def_free(struct network_def *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->forward_dev);
	free(d->bridge);
	free(d->domain);
	for (size_t i = 0; i < d->n_dns_hosts; i++) {
		for (size_t j = 0; j < d->dns_hosts[i].n_names; j++)
			free(d->dns_hosts[i].names[j]);
		free(d->dns_hosts[i].names);
	}
	free(d->dns_hosts);
	for (size_t i = 0; i < d->n_forwarders; i++)
		free(d->forwarders[i].domain);
	free(d->forwarders);
	free_ips(d);
	free_virtualport(&d->virtualport);
	for (size_t i = 0; i < d->n_portgroups; i++) {
		free(d->portgroups[i].name);
		free_virtualport(&d->portgroups[i].virtualport);
	}
	free(d->portgroups);
	for (size_t i = 0; i < d->n_port_forwards; i++)
		free(d->port_forwards[i].ranges);
	free(d->port_forwards);
	free(d);
}

static void cleanup_network_defp(struct network_def **d)
{
	network_def_free(*d);
}

/* The number of element children of @node named @name. */
static size_t count_children(const xmlNode *node, const char *name)
{
	size_t n = 0;

	for (xmlNode *c = node->children; c; c = c->next)
		n += c->type == XML_ELEMENT_NODE && !c->ns &&
		     xmlStrEqual(c->name, BAD_CAST name);
	return n;
}

/* Is @c element <name> of no namespace (as xml_child() finds them)? */
static bool is_elem(const xmlNode *c, const char *name)
{
	return c->type == XML_ELEMENT_NODE && !c->ns &&
	       xmlStrEqual(c->name, BAD_CAST name);
}

/* Attribute @attr of @node in @names (index), or 0 when absent. */
static int parse_enum_attr(const xmlNode *node, const char *attr,
			   const char *what, const char *const *names,
			   struct err **e)
{
	_cleanup_free_ char *v = xml_attr(node, attr);

	if (!v)
		return 0;
	if (!*v)
		return xml_err(e, node, "empty %s", what);
	return xml_enum(node, what, v, names, e);
}

/* An address attribute; @family 0 takes either. @required or absent. */
static int parse_ip_attr(const xmlNode *node, const char *attr, int family,
			 bool required, struct net_ip *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(node, attr);
	_cleanup_err_ struct err *why = NULL;

	if (!v) {
		if (required)
			return xml_err(e, node, "missing attribute '%s'", attr);
		return 0;
	}
	if (net_ip_parse(v, family, attr, out, &why) < 0)
		return xml_err(e, node, "%s", err_msg(why));
	return 0;
}

static int parse_mac_attr(const xmlNode *node, const char *attr, uint8_t mac[6],
			  struct err **e)
{
	_cleanup_free_ char *v = xml_attr(node, attr);
	_cleanup_err_ struct err *why = NULL;

	if (net_mac_parse(v, "MAC address", mac, &why) < 0)
		return xml_err(e, node, "%s", err_msg(why));
	return 0;
}

static int parse_uint_attr(const xmlNode *node, const char *attr, uint64_t min,
			   uint64_t max, bool required, uint64_t *out,
			   struct err **e)
{
	_cleanup_free_ char *v = xml_attr(node, attr);

	if (!v) {
		if (required)
			return xml_err(e, node, "missing attribute '%s'", attr);
		return 0;
	}
	return xml_uint(node, attr, v, min, max, out, e);
}

/* A host or domain name attribute (checked), malloc'ed into @out. */
static int parse_name_attr(const xmlNode *node, const char *attr,
			   const char *what, char **out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(node, attr);
	_cleanup_err_ struct err *why = NULL;

	if (!v)
		return 0;
	if (net_hostname_check(v, what, &why) < 0)
		return xml_err(e, node, "%s", err_msg(why));
	*out = steal_ptr(v);
	return 0;
}

/* <nat ipv6='yes'><address start end/><port start end/></nat>. */
static int parse_nat(const xmlNode *nat, struct network_def *d,
		     struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"address", "port", NULL};
	xmlNode *n;
	uint64_t lo = 0, hi = 0;
	int r;

	xml_check_known(nat, (const char *const[]){"ipv6", NULL}, kids, w);
	d->nat.present = true;
	if ((r = parse_enum_attr(nat, "ipv6", "nat ipv6", yes_no, e)) < 0)
		return r;
	d->nat.ipv6 = r;
	if ((n = xml_child(nat, "address"))) {
		xml_check_known(n, (const char *const[]){"start", "end", NULL},
				NULL, w);
		if (parse_ip_attr(n, "start", AF_INET, true, &d->nat.start, e) <
			    0 ||
		    parse_ip_attr(n, "end", AF_INET, true, &d->nat.end, e) < 0)
			return -EINVAL;
		if (net_ip_cmp(&d->nat.start, &d->nat.end) > 0)
			return xml_err(e, n, "start is after end");
	}
	if ((n = xml_child(nat, "port"))) {
		xml_check_known(n, (const char *const[]){"start", "end", NULL},
				NULL, w);
		if (parse_uint_attr(n, "start", 1, 65535, true, &lo, e) < 0 ||
		    parse_uint_attr(n, "end", 1, 65535, true, &hi, e) < 0)
			return -EINVAL;
		if (lo > hi)
			return xml_err(e, n, "start %llu is after end %llu",
				       (unsigned long long)lo,
				       (unsigned long long)hi);
		d->nat.port_start = (uint16_t)lo;
		d->nat.port_end = (uint16_t)hi;
	}
	return 0;
}

/* <forward mode dev>, with <nat> and <interface dev> children. */
static int parse_forward(const xmlNode *fw, struct network_def *d,
			 struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"nat", "interface", NULL};
	_cleanup_free_ char *mode = xml_attr(fw, "mode");
	_cleanup_err_ struct err *why = NULL;
	xmlNode *n;
	int r;

	xml_check_known(fw, (const char *const[]){"mode", "dev", NULL}, kids,
			w);
	r = xml_enum(fw, "forward mode", mode ? mode : "nat",
		     network_forward_names, NULL);
	/* Not a mode of libvirt's: an isolated network has no <forward>. */
	if (r == NETWORK_FORWARD_NONE) {
		xml_err(e, fw,
			"forward mode 'none' is not a forward mode (an "
			"isolated network has no <forward> element)");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	if (r < 0) {
		xml_err(e, fw,
			"forward mode '%s' is not supported (nido runs nat, "
			"route, open and bridge networks; no <forward> is "
			"isolated)",
			mode);
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	d->forward = r;
	d->forward_given = r != NETWORK_FORWARD_NONE;
	d->forward_dev = xml_attr(fw, "dev");
	if (count_children(fw, "interface") > 1) {
		xml_err(e, fw,
			"more than one <interface>: nido forwards "
			"through one device at most");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	if ((n = xml_child(fw, "interface"))) {
		_cleanup_free_ char *dev = xml_attr(n, "dev");

		xml_check_known(n, (const char *const[]){"dev", NULL}, NULL, w);
		if (!dev)
			return xml_err(e, n, "missing attribute 'dev'");
		if (d->forward_dev && !streq(d->forward_dev, dev))
			return xml_err(
				e, n,
				"dev '%s' differs from <forward dev='%s'>", dev,
				d->forward_dev);
		if (!d->forward_dev)
			d->forward_dev = steal_ptr(dev);
	}
	if (d->forward_dev && net_ifname_check(d->forward_dev, false, &why) < 0)
		return xml_err(e, fw, "%s", err_msg(why));
	if ((n = xml_child(fw, "nat"))) {
		if (d->forward != NETWORK_FORWARD_NAT)
			return xml_err(e, n, "<nat> is only for mode='nat'");
		return parse_nat(n, d, w, e);
	}
	return 0;
}

/* <bridge name stp delay/>. */
static int parse_bridge(const xmlNode *br, struct network_def *d,
			struct xml_warnings *w, struct err **e)
{
	_cleanup_err_ struct err *why = NULL;
	uint64_t delay = 0;
	int r;

	xml_check_known(br, (const char *const[]){"name", "stp", "delay", NULL},
			NULL, w);
	d->bridge = xml_attr(br, "name");
	if (d->bridge && net_ifname_check(d->bridge, true, &why) < 0)
		return xml_err(e, br, "%s", err_msg(why));
	if ((r = parse_enum_attr(br, "stp", "stp", on_off, e)) < 0)
		return r;
	d->stp = r != NETWORK_TRISTATE_NO;
	if (parse_uint_attr(br, "delay", 0, 30, false, &delay, e) < 0)
		return -EINVAL;
	d->delay = (unsigned)delay;
	return 0;
}

/* <domain name localOnly/>. */
static int parse_domain(const xmlNode *n, struct network_def *d,
			struct xml_warnings *w, struct err **e)
{
	int r;

	xml_check_known(n, (const char *const[]){"name", "localOnly", NULL},
			NULL, w);
	if (parse_name_attr(n, "name", "domain name", &d->domain, e) < 0)
		return -EINVAL;
	if (!d->domain)
		return xml_err(e, n, "missing attribute 'name'");
	if ((r = parse_enum_attr(n, "localOnly", "localOnly", yes_no, e)) < 0)
		return r;
	d->domain_local = r;
	return 0;
}

/* <dns><host ip><hostname>a</hostname>...</host>. */
static int parse_dns_host(const xmlNode *n, struct network_dns_host *h,
			  struct xml_warnings *w, struct err **e)
{
	_cleanup_err_ struct err *why = NULL;

	xml_check_known(n, (const char *const[]){"ip", NULL},
			(const char *const[]){"hostname", NULL}, w);
	if (parse_ip_attr(n, "ip", 0, true, &h->ip, e) < 0)
		return -EINVAL;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (!is_elem(c, "hostname"))
			continue;
		char *name = xml_text(c);

		if (net_hostname_check(name, "hostname", &why) < 0) {
			free(name);
			return xml_err(e, c, "%s", err_msg(why));
		}
		h->names = xreallocarray(h->names, h->n_names + 1,
					 sizeof(*h->names));
		h->names[h->n_names++] = name;
	}
	if (!h->n_names)
		return xml_err(e, n, "a DNS host needs a <hostname>");
	return 0;
}

static int parse_forwarder(const xmlNode *n, struct network_dns_forwarder *f,
			   struct xml_warnings *w, struct err **e)
{
	xml_check_known(n, (const char *const[]){"addr", "domain", NULL}, NULL,
			w);
	if (parse_ip_attr(n, "addr", 0, false, &f->addr, e) < 0 ||
	    parse_name_attr(n, "domain", "forwarder domain", &f->domain, e) < 0)
		return -EINVAL;
	if (!f->addr.family && !f->domain)
		return xml_err(e, n, "a forwarder needs addr= or domain=");
	return 0;
}

/* <dns enable forwardPlainNames> with <host> and <forwarder>. */
static int parse_dns(const xmlNode *dns, struct network_def *d,
		     struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"host", "forwarder", NULL};
	int r;

	xml_check_known(
		dns, (const char *const[]){"enable", "forwardPlainNames", NULL},
		kids, w);
	if ((r = parse_enum_attr(dns, "enable", "dns enable", yes_no, e)) < 0)
		return r;
	d->dns_enable = r;
	if ((r = parse_enum_attr(dns, "forwardPlainNames", "forwardPlainNames",
				 yes_no, e)) < 0)
		return r;
	d->dns_forward_plain = r;
	if (count_children(dns, "host") + count_children(dns, "forwarder") >
	    NETWORK_MAX_DNS)
		return xml_err(e, dns, "more than %d hosts and forwarders",
			       NETWORK_MAX_DNS);
	for (xmlNode *c = dns->children; c; c = c->next) {
		if (is_elem(c, "host")) {
			d->dns_hosts =
				xreallocarray(d->dns_hosts, d->n_dns_hosts + 1,
					      sizeof(*d->dns_hosts));
			d->dns_hosts[d->n_dns_hosts] =
				(struct network_dns_host){0};
			if (parse_dns_host(c, &d->dns_hosts[d->n_dns_hosts++],
					   w, e) < 0)
				return -EINVAL;
		} else if (is_elem(c, "forwarder")) {
			d->forwarders = xreallocarray(d->forwarders,
						      d->n_forwarders + 1,
						      sizeof(*d->forwarders));
			d->forwarders[d->n_forwarders] =
				(struct network_dns_forwarder){0};
			if (parse_forwarder(c,
					    &d->forwarders[d->n_forwarders++],
					    w, e) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

static int parse_dhcp_host(const xmlNode *n, int family,
			   struct network_dhcp_host *h, struct xml_warnings *w,
			   struct err **e)
{
	_cleanup_free_ char *mac = xml_attr(n, "mac");
	_cleanup_err_ struct err *why = NULL;

	xml_check_known(n,
			(const char *const[]){"mac", "id", "name", "ip", NULL},
			NULL, w);
	if (mac && parse_mac_attr(n, "mac", h->mac, e) < 0)
		return -EINVAL;
	h->has_mac = mac != NULL;
	h->id = xml_attr(n, "id");
	if (h->id) {
		for (const char *p = h->id; *p; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':')
				return xml_err(e, n,
					       "id '%s' must be hex bytes "
					       "separated by ':'",
					       h->id);
		if (!*h->id || strlen(h->id) > 390)
			return xml_err(e, n, "bad id length");
	}
	if (parse_name_attr(n, "name", "DHCP host name", &h->name, e) < 0 ||
	    parse_ip_attr(n, "ip", family, false, &h->ip, e) < 0)
		return -EINVAL;
	/* dnsmasq would take "12h" or "ignore" as an option, not a name. */
	if (h->name &&
	    net_dnsmasq_host_name_check(h->name, "DHCP host name", &why) < 0)
		return xml_err(e, n, "%s", err_msg(why));
	if (family == AF_INET && h->id)
		return xml_err(e, n,
			       "id= is for DHCPv6 hosts; an IPv4 host "
			       "is known by its mac=");
	if (family == AF_INET6 && h->has_mac)
		return xml_err(e, n,
			       "mac= is for IPv4 hosts; a DHCPv6 host "
			       "is known by its id= or name=");
	if (!h->has_mac && !h->id && !h->name)
		return xml_err(e, n, "a host needs mac=, id= or name=");
	if (!h->ip.family && family == AF_INET6)
		return xml_err(e, n, "a DHCPv6 host needs ip=");
	/* dnsmasq would read a lone name as a MAC-less entry for it. */
	if (!h->ip.family && !h->has_mac && !h->id)
		return xml_err(e, n, "a host known by name alone needs ip=");
	return 0;
}

/* <dhcp> of an <ip> of @family: <range start end/>, <host .../>. */
static int parse_dhcp(const xmlNode *dhcp, struct network_ip *ip,
		      struct xml_warnings *w, struct err **e)
{
	int family = ip->address.family;

	xml_check_known(dhcp, NULL,
			(const char *const[]){"range", "host", NULL}, w);
	ip->has_dhcp = true;
	if (count_children(dhcp, "range") > NETWORK_MAX_RANGES ||
	    count_children(dhcp, "host") > NETWORK_MAX_HOSTS)
		return xml_err(e, dhcp, "more than %d ranges or %d hosts",
			       NETWORK_MAX_RANGES, NETWORK_MAX_HOSTS);
	for (xmlNode *c = dhcp->children; c; c = c->next) {
		if (is_elem(c, "range")) {
			struct network_dhcp_range r = {0};

			xml_check_known(
				c, (const char *const[]){"start", "end", NULL},
				NULL, w);
			if (parse_ip_attr(c, "start", family, true, &r.start,
					  e) < 0 ||
			    parse_ip_attr(c, "end", family, true, &r.end, e) <
				    0)
				return -EINVAL;
			if (net_ip_cmp(&r.start, &r.end) > 0)
				return xml_err(e, c, "start is after end");
			ip->ranges = xreallocarray(ip->ranges, ip->n_ranges + 1,
						   sizeof(*ip->ranges));
			ip->ranges[ip->n_ranges++] = r;
		} else if (is_elem(c, "host")) {
			ip->hosts = xreallocarray(ip->hosts, ip->n_hosts + 1,
						  sizeof(*ip->hosts));
			ip->hosts[ip->n_hosts] = (struct network_dhcp_host){0};
			if (parse_dhcp_host(c, family,
					    &ip->hosts[ip->n_hosts++], w,
					    e) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* The classful prefix libvirt implies for an IPv4 <ip> without one. */
static unsigned implied_prefix(const struct net_ip *a)
{
	if (a->family == AF_INET6)
		return 64;
	if (a->b[0] < 128)
		return 8;
	if (a->b[0] < 192)
		return 16;
	return 24;
}

/* netmask= or prefix= of <ip>, or the implied one. */
static int parse_prefix(const xmlNode *n, struct network_ip *ip, struct err **e)
{
	_cleanup_free_ char *mask = xml_attr(n, "netmask");
	_cleanup_free_ char *prefix = xml_attr(n, "prefix");
	_cleanup_err_ struct err *why = NULL;
	struct net_ip m;
	uint64_t p;

	if (mask && prefix)
		return xml_err(e, n, "netmask= and prefix= together");
	if (mask) {
		if (ip->address.family != AF_INET)
			return xml_err(e, n,
				       "netmask= is for IPv4; use "
				       "prefix=");
		if (net_ip_parse(mask, AF_INET, "netmask", &m, &why) < 0 ||
		    net_netmask_prefix(&m, &ip->prefix, &why) < 0)
			return xml_err(e, n, "%s", err_msg(why));
		ip->prefix_form = NETWORK_PREFIX_NETMASK;
	} else if (prefix) {
		if (xml_uint(n, "prefix", prefix, 1, net_ip_bits(&ip->address),
			     &p, e) < 0)
			return -EINVAL;
		ip->prefix = (unsigned)p;
		ip->prefix_form = NETWORK_PREFIX_PREFIX;
	} else {
		ip->prefix = implied_prefix(&ip->address);
	}
	if (ip->prefix == 0 || ip->prefix > net_ip_bits(&ip->address) - 1)
		return xml_err(e, n, "prefix /%u leaves no host addresses",
			       ip->prefix);
	return 0;
}

/* <ip address netmask|prefix family> with <dhcp>. */
static int parse_ip(const xmlNode *n, struct network_ip *ip,
		    struct xml_warnings *w, struct err **e)
{
	static const char *const families[] = {"ipv4", "ipv6", NULL};
	_cleanup_free_ char *fam = xml_attr(n, "family");
	int family = 0, r;
	xmlNode *dhcp;

	xml_check_known(n,
			(const char *const[]){"address", "netmask", "prefix",
					      "family", NULL},
			(const char *const[]){"dhcp", NULL}, w);
	if (fam) {
		if ((r = xml_enum(n, "family", fam, families, e)) < 0)
			return r;
		family = r == 0 ? AF_INET : AF_INET6;
		ip->family_given = true;
	}
	if (parse_ip_attr(n, "address", family, true, &ip->address, e) < 0 ||
	    parse_prefix(n, ip, e) < 0)
		return -EINVAL;
	if ((dhcp = xml_child(n, "dhcp"))) {
		if (count_children(n, "dhcp") > 1)
			return xml_err(e, n, "more than one <dhcp>");
		return parse_dhcp(dhcp, ip, w, e);
	}
	return 0;
}

/* <inbound|outbound average peak burst floor/>. */
static int parse_rate(const xmlNode *n, struct network_rate *r,
		      struct xml_warnings *w, struct err **e)
{
	static const uint64_t max = UINT64_C(1) << 40; /* kB/s: 8 Eb/s */

	xml_check_known(n,
			(const char *const[]){"average", "peak", "burst",
					      "floor", NULL},
			NULL, w);
	r->set = true;
	if (parse_uint_attr(n, "average", 1, max, false, &r->average, e) < 0 ||
	    parse_uint_attr(n, "peak", 1, max, false, &r->peak, e) < 0 ||
	    parse_uint_attr(n, "burst", 1, max, false, &r->burst, e) < 0 ||
	    parse_uint_attr(n, "floor", 1, max, false, &r->floor, e) < 0)
		return -EINVAL;
	if (!r->average && !r->floor)
		return xml_err(e, n, "needs average= (or floor=)");
	if (r->peak && r->average && r->peak < r->average)
		return xml_err(e, n, "peak is below average");
	return 0;
}

static int parse_bandwidth(const xmlNode *n, struct network_bandwidth *b,
			   struct xml_warnings *w, struct err **e)
{
	xmlNode *c;

	xml_check_known(n, NULL,
			(const char *const[]){"inbound", "outbound", NULL}, w);
	if ((c = xml_child(n, "inbound")) && parse_rate(c, &b->in, w, e) < 0)
		return -EINVAL;
	if ((c = xml_child(n, "outbound")) && parse_rate(c, &b->out, w, e) < 0)
		return -EINVAL;
	if (b->out.floor)
		return xml_err(e, n, "floor= is for inbound traffic only");
	return 0;
}

/* <vlan trunk='yes'><tag id nativeMode/>...</vlan>. */
static int parse_vlan(const xmlNode *n, struct network_vlan *v,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const native[] = {"", "untagged", "tagged", NULL};
	uint64_t id;
	int r;

	xml_check_known(n, (const char *const[]){"trunk", NULL},
			(const char *const[]){"tag", NULL}, w);
	if ((r = parse_enum_attr(n, "trunk", "trunk", yes_no, e)) < 0)
		return r;
	v->trunk_attr = r;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (!is_elem(c, "tag"))
			continue;
		if (v->n_tags == NETWORK_MAX_VLAN_TAGS)
			return xml_err(e, n, "more than %d tags",
				       NETWORK_MAX_VLAN_TAGS);
		xml_check_known(c,
				(const char *const[]){"id", "nativeMode", NULL},
				NULL, w);
		if (parse_uint_attr(c, "id", 0, 4095, true, &id, e) < 0)
			return -EINVAL;
		if ((r = parse_enum_attr(c, "nativeMode", "nativeMode", native,
					 e)) < 0)
			return r;
		v->tags[v->n_tags].id = (unsigned)id;
		v->tags[v->n_tags++].native = r;
	}
	if (!v->n_tags)
		return xml_err(e, n, "a <vlan> needs a <tag id>");
	v->trunk = v->trunk_attr == NETWORK_TRISTATE_YES || v->n_tags > 1;
	if (v->trunk_attr == NETWORK_TRISTATE_NO && v->n_tags > 1)
		return xml_err(e, n, "trunk='no' with more than one tag");
	return 0;
}

/* <virtualport [type='openvswitch']><parameters .../></virtualport>. */
static int parse_virtualport(const xmlNode *n, struct network_virtualport *v,
			     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(n, "type");
	xmlNode *p;

	xml_check_known(n, (const char *const[]){"type", NULL},
			(const char *const[]){"parameters", NULL}, w);
	if (type && !streq(type, "openvswitch")) {
		xml_err(e, n,
			"virtualport type '%s' is not supported (nido knows "
			"openvswitch)",
			type);
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	v->present = true;
	v->openvswitch = type != NULL;
	if ((p = xml_child(n, "parameters"))) {
		xml_check_known(
			p,
			(const char *const[]){"interfaceid", "profileid", NULL},
			NULL, w);
		v->interfaceid = xml_attr(p, "interfaceid");
		v->profileid = xml_attr(p, "profileid");
		if (v->interfaceid && !uuid_text_valid(v->interfaceid))
			return xml_err(e, p, "interfaceid '%s' is not a UUID",
				       v->interfaceid);
		if (v->profileid && (strlen(v->profileid) > 255 ||
				     strpbrk(v->profileid, "\n\r\t \"'")))
			return xml_err(e, p, "profileid '%s' is not allowed",
				       v->profileid);
	}
	return 0;
}

/* <portgroup name default> with <vlan>, <bandwidth>, <virtualport>. */
static int parse_portgroup(const xmlNode *n, struct network_portgroup *g,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"vlan", "bandwidth", "virtualport",
					   NULL};
	xmlNode *c;
	int r;

	xml_check_known(n, (const char *const[]){"name", "default", NULL}, kids,
			w);
	g->name = xml_attr(n, "name");
	if (!g->name || !*g->name || strlen(g->name) > NETWORK_NAME_MAX)
		return xml_err(e, n, "needs a name= of 1 to %d characters",
			       NETWORK_NAME_MAX);
	if (network_name_check(g->name, NULL) < 0)
		return xml_err(e, n,
			       "portgroup name '%s' has an invalid "
			       "character",
			       g->name);
	if ((r = parse_enum_attr(n, "default", "default", yes_no, e)) < 0)
		return r;
	g->is_default = r == NETWORK_TRISTATE_YES;
	if ((c = xml_child(n, "vlan")) && parse_vlan(c, &g->vlan, w, e) < 0)
		return -EINVAL;
	if ((c = xml_child(n, "bandwidth")) &&
	    parse_bandwidth(c, &g->bandwidth, w, e) < 0)
		return -EINVAL;
	if ((c = xml_child(n, "virtualport")) &&
	    parse_virtualport(c, &g->virtualport, w, e) < 0)
		return -EINVAL;
	return 0;
}

/* <range start [end] [to]/> of a <portForward>. */
static int parse_port_range(const xmlNode *n, struct network_port_range *r,
			    struct xml_warnings *w, struct err **e)
{
	uint64_t start = 0, end = 0, to = 0;

	xml_check_known(n, (const char *const[]){"start", "end", "to", NULL},
			NULL, w);
	if (parse_uint_attr(n, "start", 1, 65535, true, &start, e) < 0 ||
	    parse_uint_attr(n, "end", 1, 65535, false, &end, e) < 0 ||
	    parse_uint_attr(n, "to", 1, 65535, false, &to, e) < 0)
		return -EINVAL;
	if (end && end < start)
		return xml_err(e, n, "end %llu is below start %llu",
			       (unsigned long long)end,
			       (unsigned long long)start);
	if (end && end != start && to && to != start)
		return xml_err(e, n,
			       "a range keeps its port numbers: to='%llu' must "
			       "be left out or equal start",
			       (unsigned long long)to);
	r->start = (uint16_t)start;
	r->end = (uint16_t)end;
	r->to = (uint16_t)to;
	return 0;
}

/* nido's <portForward proto address guest><range .../></portForward>. */
static int parse_port_forward(const xmlNode *n, struct network_port_forward *f,
			      struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *proto = xml_attr(n, "proto");
	int r;

	xml_check_known(
		n, (const char *const[]){"proto", "address", "guest", NULL},
		(const char *const[]){"range", NULL}, w);
	r = xml_enum(n, "proto", proto ? proto : "tcp", proto_names, e);
	if (r < 0)
		return r;
	f->proto = r == 0 ? IPPROTO_TCP : IPPROTO_UDP;
	if (parse_ip_attr(n, "address", 0, false, &f->host, e) < 0 ||
	    parse_ip_attr(n, "guest", 0, true, &f->guest, e) < 0)
		return -EINVAL;
	if (f->host.family && f->host.family != f->guest.family)
		return xml_err(e, n, "address and guest of different families");
	if (count_children(n, "range") > NETWORK_MAX_FORWARDS)
		return xml_err(e, n, "more than %d ranges",
			       NETWORK_MAX_FORWARDS);
	for (xmlNode *c = n->children; c; c = c->next) {
		if (!is_elem(c, "range"))
			continue;
		f->ranges = xreallocarray(f->ranges, f->n_ranges + 1,
					  sizeof(*f->ranges));
		f->ranges[f->n_ranges] = (struct network_port_range){0};
		if (parse_port_range(c, &f->ranges[f->n_ranges++], w, e) < 0)
			return -EINVAL;
	}
	if (!f->n_ranges)
		return xml_err(e, n, "a <portForward> needs a <range>");
	return 0;
}

static int parse_identity(const xmlNode *root, struct network_def *d,
			  struct err **e)
{
	xmlNode *n = xml_child(root, "name");
	_cleanup_free_ char *uuid = NULL;
	int r;

	if (!n)
		return xml_err(e, root, "missing <name>");
	d->name = xml_text(n);
	if (network_name_check(d->name, e) < 0)
		return err_prefix(e, "line %ld", xmlGetLineNo(n));
	if ((n = xml_child(root, "uuid"))) {
		uuid = xml_text(n);
		if (uuid_from_text(uuid, &d->uuid, e) < 0)
			return err_prefix(e, "line %ld", xmlGetLineNo(n));
	} else {
		d->uuid_generated = true;
		uuid_new_random(&d->uuid);
	}
	if ((r = parse_enum_attr(root, "ipv6", "ipv6", yes_no, e)) < 0)
		return r;
	d->ipv6 = r;
	return 0;
}

/* Appends a zeroed element to *@arr (of *@n), returns it. */
static void *grow(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	char *p;

	*arr = xreallocarray(*arr, *n + 1, size);
	p = (char *)*arr + *n * size;
	memset(p, 0, size);
	(*n)++;
	return p;
}

/* The repeated elements: <ip>, <portgroup>, <portForward>. */
static int parse_lists(const xmlNode *root, struct network_def *d,
		       struct xml_warnings *w, struct err **e)
{
	if (count_children(root, "ip") > NETWORK_MAX_IPS ||
	    count_children(root, "portgroup") > NETWORK_MAX_GROUPS ||
	    count_children(root, "portForward") > NETWORK_MAX_FORWARDS)
		return xml_err(e, root,
			       "more than %d <ip>, %d <portgroup> or %d "
			       "<portForward>",
			       NETWORK_MAX_IPS, NETWORK_MAX_GROUPS,
			       NETWORK_MAX_FORWARDS);
	for (xmlNode *c = root->children; c; c = c->next) {
		int r = 0;

		if (is_elem(c, "ip"))
			r = parse_ip(c,
				     grow(&d->ips, &d->n_ips, sizeof(*d->ips)),
				     w, e);
		else if (is_elem(c, "portgroup"))
			r = parse_portgroup(c,
					    grow(&d->portgroups,
						 &d->n_portgroups,
						 sizeof(*d->portgroups)),
					    w, e);
		else if (is_elem(c, "portForward"))
			r = parse_port_forward(c,
					       grow(&d->port_forwards,
						    &d->n_port_forwards,
						    sizeof(*d->port_forwards)),
					       w, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * libvirt's <port isolated='yes'/> keeps the guests of the network from
 * reaching each other: ignored, it would open what it closes, so it is
 * refused. Anything else of <port> is the default and only warned about
 * (it is not in the subset).
 */
static int check_port(const xmlNode *root, struct err **e)
{
	xmlNode *n = xml_child(root, "port");
	_cleanup_free_ char *iso = n ? xml_attr(n, "isolated") : NULL;

	if (iso && streq(iso, "yes")) {
		xml_err(e, n,
			"<port isolated='yes'> (guests kept apart on the "
			"bridge) is not supported");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	return 0;
}

/* The single elements under <network>, each parsed when present. */
static int parse_singles(const xmlNode *root, struct network_def *d,
			 struct xml_warnings *w, struct err **e)
{
	xmlNode *n;
	_cleanup_free_ char *mtu = NULL;
	uint64_t v;

	static const char *const singles[] = {
		"name",	  "uuid", "forward", "bridge",	  "mac",	 "mtu",
		"domain", "dns",  "vlan",    "bandwidth", "virtualport", NULL};

	/* A second one would be ignored without a word: refused. */
	for (size_t i = 0; singles[i]; i++)
		if (count_children(root, singles[i]) > 1)
			return xml_err(e, root, "more than one <%s>",
				       singles[i]);
	d->stp = true;
	if ((n = xml_child(root, "forward")) && parse_forward(n, d, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "bridge")) && parse_bridge(n, d, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "mac"))) {
		xml_check_known(n, (const char *const[]){"address", NULL}, NULL,
				w);
		if (parse_mac_attr(n, "address", d->mac, e) < 0)
			return -EINVAL;
		d->has_mac = true;
	}
	if ((n = xml_child(root, "mtu"))) {
		xml_check_known(n, (const char *const[]){"size", NULL}, NULL,
				w);
		if (parse_uint_attr(n, "size", 68, 65535, true, &v, e) < 0)
			return -EINVAL;
		d->mtu = (unsigned)v;
	}
	if ((n = xml_child(root, "domain")) && parse_domain(n, d, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "dns")) && parse_dns(n, d, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "vlan"))) {
		d->has_vlan = true;
		if (parse_vlan(n, &d->vlan, w, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(root, "bandwidth")) &&
	    parse_bandwidth(n, &d->bandwidth, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "virtualport")) &&
	    parse_virtualport(n, &d->virtualport, w, e) < 0)
		return -EINVAL;
	return check_port(root, e);
}

/*
 * What the subset keeps (it formats back) but nido does not apply yet:
 * said, so that nothing is changed silently. The network's own
 * <bandwidth> would shape the bridge as a whole; a portgroup's, and the
 * <vlan>s, are applied to each guest's port (network-port.c, iface.c).
 * (<network ipv6='yes'>, IPv6 between guests of a network without an
 * IPv6 <ip>, holds: nido's table, inet, lets the bridge's ports reach
 * each other in both families; <nat ipv6='yes'> is the firewall's.)
 */
static void warn_unapplied(const struct network_def *d, struct xml_warnings *w)
{
	if (d->bandwidth.in.set || d->bandwidth.out.set)
		xml_warn_def(w, "the network's <bandwidth> is not applied yet "
				"(a portgroup's is, to each guest's port)");
}

int network_def_parse(const char *xml, size_t len, struct network_def **out,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const children[] = {
		"name",	     "uuid",	    "forward",	 "bridge",	"mac",
		"mtu",	     "domain",	    "dns",	 "ip",		"vlan",
		"bandwidth", "virtualport", "portgroup", "portForward", NULL};
	__attribute__((cleanup(cleanup_network_defp))) struct network_def *d =
		NULL;
	xmlDoc *doc;
	xmlNode *root;
	int r;

	doc = xml_parse(xml, len, "network XML", "network", e);
	if (!doc)
		return err_mark(e, ERR_XML_ERROR);
	root = xmlDocGetRootElement(doc);
	d = xcalloc(1, sizeof(*d));
	xml_check_known(root,
			(const char *const[]){"ipv6", "connections", NULL},
			children, w);
	r = parse_identity(root, d, e);
	if (r == 0)
		r = parse_singles(root, d, w, e);
	if (r == 0)
		r = parse_lists(root, d, w, e);
	xmlFreeDoc(doc);
	if (r == 0)
		r = network_def_validate(d, e);
	if (r == 0)
		warn_unapplied(d, w);
	if (r < 0)
		err_mark(e, ERR_XML_ERROR);
	if (r < 0 && d->name)
		return err_prefix(e, "network '%s'", d->name);
	if (r < 0)
		return r;
	*out = steal_ptr(d);
	return 0;
}

/* What the forward mode allows of the rest. */
static int check_mode(const struct network_def *d, struct err **e)
{
	const char *mode = network_forward_names[d->forward];
	bool ovs = d->virtualport.present;

	if (d->forward == NETWORK_FORWARD_BRIDGE) {
		/* libvirt's direct-net: a device and no bridge is macvtap. */
		if (d->forward_dev)
			return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
					"mode='bridge' with dev='%s': direct "
					"(macvtap) attachment is not supported",
					d->forward_dev);
		if (!d->bridge || strchr(d->bridge, '%'))
			return err_set(e, EINVAL,
				       "mode='bridge' needs the host bridge's "
				       "<bridge name=> (nido attaches guests "
				       "to a bridge, not to a device)");
		if (d->n_ips || d->n_dns_hosts || d->n_forwarders ||
		    d->domain || d->has_mac || d->n_port_forwards || d->mtu)
			return err_set(
				e, EINVAL,
				"mode='bridge': the host's bridge is not "
				"nido's, so <ip>, <dns>, <domain>, <mac>, "
				"<mtu> and <portForward> have no place");
		return 0;
	}
	if (ovs)
		return err_set(e, EINVAL,
			       "<virtualport type='openvswitch'/> needs "
			       "<forward mode='bridge'/> and an Open vSwitch "
			       "bridge, not mode '%s'",
			       mode);
	if (d->forward == NETWORK_FORWARD_NONE && d->forward_dev)
		return err_set(e, EINVAL, "an isolated network has no dev");
	/* An open network has no rules: a dev= would limit nothing. */
	if (d->forward == NETWORK_FORWARD_OPEN && d->forward_dev)
		return err_set(e, EINVAL,
			       "mode='open' with dev='%s': an open network "
			       "installs no rules, so nothing would limit it "
			       "to that device",
			       d->forward_dev);
	if (d->n_port_forwards && d->forward != NETWORK_FORWARD_NAT)
		return err_set(e, EINVAL,
			       "<portForward> needs <forward mode='nat'>");
	return 0;
}

/* VLANs exist only on Open vSwitch networks. */
static int check_vlans(const struct network_def *d, struct err **e)
{
	bool ovs = d->virtualport.present && d->virtualport.openvswitch;
	size_t defaults = 0;

	if (d->has_vlan && !ovs)
		return err_set(e, EINVAL,
			       "<vlan> needs an Open vSwitch network "
			       "(<virtualport type='openvswitch'/>)");
	for (size_t i = 0; i < d->n_portgroups; i++) {
		const struct network_portgroup *g = &d->portgroups[i];

		if (g->vlan.n_tags && !ovs)
			return err_set(e, EINVAL,
				       "portgroup '%s': <vlan> needs an Open "
				       "vSwitch network",
				       g->name);
		if (g->virtualport.present && !ovs)
			return err_set(e, EINVAL,
				       "portgroup '%s': <virtualport> needs an "
				       "Open vSwitch network",
				       g->name);
		defaults += g->is_default;
		for (size_t j = 0; j < i; j++)
			if (streq(d->portgroups[j].name, g->name))
				return err_set(e, EINVAL,
					       "two portgroups named '%s'",
					       g->name);
	}
	if (defaults > 1)
		return err_set(e, EINVAL, "more than one default portgroup");
	return 0;
}

/* Is @a an address of @ip's subnet a guest may have? */
static bool guest_address(const struct network_ip *ip, const struct net_ip *a)
{
	struct net_ip net = net_ip_network(&ip->address, ip->prefix);
	struct net_ip last = net_ip_last(&ip->address, ip->prefix);

	if (!net_ip_in(a, &ip->address, ip->prefix) ||
	    net_ip_eq(a, &ip->address))
		return false;
	/* IPv4's network and broadcast addresses are nobody's. */
	return a->family != AF_INET || ip->prefix >= 31 ||
	       (!net_ip_eq(a, &net) && !net_ip_eq(a, &last));
}

static int check_ranges(const struct network_ip *ip, const char *sub,
			struct err **e)
{
	char a[NET_IP_STRLEN], b[NET_IP_STRLEN];

	for (size_t i = 0; i < ip->n_ranges; i++) {
		const struct network_dhcp_range *r = &ip->ranges[i];

		net_ip_str(&r->start, a);
		net_ip_str(&r->end, b);
		if (!guest_address(ip, &r->start) ||
		    !guest_address(ip, &r->end))
			return err_set(e, EINVAL,
				       "DHCP range %s-%s is not inside %s (or "
				       "holds its network, broadcast or "
				       "own address)",
				       a, b, sub);
		if (net_ip_cmp(&r->start, &ip->address) < 0 &&
		    net_ip_cmp(&ip->address, &r->end) < 0)
			return err_set(e, EINVAL,
				       "DHCP range %s-%s holds the network's "
				       "own address",
				       a, b);
		for (size_t j = 0; j < i; j++) {
			const struct network_dhcp_range *o = &ip->ranges[j];
			char c[NET_IP_STRLEN], d[NET_IP_STRLEN];

			if (net_ip_cmp(&r->start, &o->end) <= 0 &&
			    net_ip_cmp(&o->start, &r->end) <= 0)
				return err_set(e, EINVAL,
					       "DHCP ranges %s-%s and %s-%s "
					       "overlap",
					       net_ip_str(&o->start, c),
					       net_ip_str(&o->end, d), a, b);
		}
	}
	return 0;
}

static int check_hosts(const struct network_ip *ip, const char *sub,
		       struct err **e)
{
	char a[NET_IP_STRLEN], m[NET_MAC_STRLEN];

	for (size_t i = 0; i < ip->n_hosts; i++) {
		const struct network_dhcp_host *h = &ip->hosts[i];

		if (h->ip.family && !guest_address(ip, &h->ip))
			return err_set(e, EINVAL,
				       "DHCP host address %s is not a guest "
				       "address of %s",
				       net_ip_str(&h->ip, a), sub);
		for (size_t j = 0; j < i; j++) {
			const struct network_dhcp_host *o = &ip->hosts[j];

			if (h->has_mac && o->has_mac &&
			    !memcmp(h->mac, o->mac, 6))
				return err_set(e, EINVAL,
					       "two DHCP hosts with MAC %s",
					       net_mac_str(h->mac, m));
			if (h->ip.family && net_ip_eq(&h->ip, &o->ip))
				return err_set(e, EINVAL,
					       "two DHCP hosts with address %s",
					       net_ip_str(&h->ip, a));
			if (h->id && o->id && streq(h->id, o->id))
				return err_set(e, EINVAL,
					       "two DHCP hosts with id %s",
					       h->id);
		}
	}
	return 0;
}

static int check_ips(const struct network_def *d, struct err **e)
{
	char a[NET_IP_STRLEN], b[NET_IP_STRLEN], sub[NET_IP_STRLEN + 8];
	int dhcp4 = 0, dhcp6 = 0;

	for (size_t i = 0; i < d->n_ips; i++) {
		const struct network_ip *ip = &d->ips[i];
		bool dhcp = ip->n_ranges || ip->n_hosts;

		snprintf(sub, sizeof(sub), "%s/%u", net_ip_str(&ip->address, a),
			 ip->prefix);
		dhcp4 += dhcp && ip->address.family == AF_INET;
		dhcp6 += dhcp && ip->address.family == AF_INET6;
		for (size_t j = 0; j < i; j++)
			if (net_prefix_overlap(&ip->address, ip->prefix,
					       &d->ips[j].address,
					       d->ips[j].prefix))
				return err_set(
					e, EINVAL,
					"subnets %s and %s/%u overlap", sub,
					net_ip_str(&d->ips[j].address, b),
					d->ips[j].prefix);
		if (check_ranges(ip, sub, e) < 0 || check_hosts(ip, sub, e) < 0)
			return -EINVAL;
	}
	if (dhcp4 > 1 || dhcp6 > 1)
		return err_set(e, EINVAL,
			       "DHCP on more than one IPv%d subnet (one IPv4 "
			       "and one IPv6 at most, as libvirt)",
			       dhcp4 > 1 ? 4 : 6);
	return 0;
}

/* The host port ranges of @f, as [lo, hi] per range. */
static void port_span(const struct network_port_range *r, unsigned *lo,
		      unsigned *hi)
{
	*lo = r->start;
	*hi = r->end ? r->end : r->start;
}

static int check_forwards(const struct network_def *d, struct err **e)
{
	char g[NET_IP_STRLEN];
	size_t total = 0;

	/* Bounded so that the pairwise check below stays quick. */
	for (size_t i = 0; i < d->n_port_forwards; i++)
		total += d->port_forwards[i].n_ranges;
	if (total > NETWORK_MAX_PORT_RANGES)
		return err_set(e, EINVAL,
			       "%zu <portForward> ranges: at most %d per "
			       "network",
			       total, NETWORK_MAX_PORT_RANGES);

	for (size_t i = 0; i < d->n_port_forwards; i++) {
		const struct network_port_forward *f = &d->port_forwards[i];
		bool inside = false;

		for (size_t k = 0; k < d->n_ips; k++)
			inside |= guest_address(&d->ips[k], &f->guest);
		if (!inside)
			return err_set(e, EINVAL,
				       "<portForward> guest %s is not a guest "
				       "address of the network's subnets",
				       net_ip_str(&f->guest, g));
		for (size_t j = 0; j <= i; j++) {
			const struct network_port_forward *o =
				&d->port_forwards[j];

			if (o->proto != f->proto ||
			    (o->host.family && f->host.family &&
			     !net_ip_eq(&o->host, &f->host)))
				continue;
			for (size_t a = 0; a < f->n_ranges; a++)
				for (size_t b = 0;
				     b < (j == i ? a : o->n_ranges); b++) {
					unsigned l1, h1, l2, h2;

					port_span(&f->ranges[a], &l1, &h1);
					port_span(&o->ranges[b], &l2, &h2);
					if (l1 <= h2 && l2 <= h1)
						return err_set(
							e, EINVAL,
							"<portForward> host "
							"port %u is forwarded "
							"twice",
							MAX(l1, l2));
				}
		}
	}
	return 0;
}

int network_def_validate(const struct network_def *d, struct err **e)
{
	if (check_mode(d, e) < 0 || check_vlans(d, e) < 0 ||
	    check_ips(d, e) < 0 || check_forwards(d, e) < 0)
		return -EINVAL;
	return 0;
}

/* The sub-parsers guest interfaces share (network_conf.h). */
int network_bandwidth_parse(const xmlNode *n, struct network_bandwidth *b,
			    struct xml_warnings *w, struct err **e)
{
	return parse_bandwidth(n, b, w, e);
}

int network_vlan_parse(const xmlNode *n, struct network_vlan *v,
		       struct xml_warnings *w, struct err **e)
{
	return parse_vlan(n, v, w, e);
}

int network_virtualport_parse(const xmlNode *n, struct network_virtualport *v,
			      struct xml_warnings *w, struct err **e)
{
	return parse_virtualport(n, v, w, e);
}

void network_virtualport_clear(struct network_virtualport *v)
{
	free_virtualport(v);
}

int network_dhcp_host_parse(const char *xml, size_t len, int family,
			    struct network_dhcp_host *out,
			    struct xml_warnings *w, struct err **e)
{
	xmlDoc *doc = xml_parse(xml, len, "DHCP host XML", "host", e);
	int r;

	memset(out, 0, sizeof(*out));
	if (!doc)
		return err_mark(e, ERR_XML_ERROR);
	r = parse_dhcp_host(xmlDocGetRootElement(doc), family, out, w, e);
	xmlFreeDoc(doc);
	if (r < 0) {
		network_dhcp_host_release(out);
		return err_mark(e, ERR_XML_ERROR);
	}
	return 0;
}

void network_dhcp_host_release(struct network_dhcp_host *h)
{
	free(h->id);
	free(h->name);
	memset(h, 0, sizeof(*h));
}
