// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Network XML out, in libvirt's element order and form (two-space
 * indent, single quotes, empty elements closed with "/>"): what `virsh
 * net-dumpxml` prints. Values reach the text checked (names, addresses
 * formatted from binary); the few free strings are escaped.
 */
#include "daemon/network_conf.h"

#include <inttypes.h>
#include <netinet/in.h>

static const char *const yes_no[] = {"", "yes", "no"};

static void put_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s='", name);
	xml_escape_attr(f, value);
	fputc('\'', f);
}

static void put_ip_attr(FILE *f, const char *name, const struct net_ip *ip)
{
	char a[NET_IP_STRLEN];

	if (ip->family)
		fprintf(f, " %s='%s'", name, net_ip_str(ip, a));
}

static void put_tristate(FILE *f, const char *name, enum network_tristate t)
{
	if (t != NETWORK_TRISTATE_ABSENT)
		fprintf(f, " %s='%s'", name, yes_no[t]);
}

static void format_forward(FILE *f, const struct network_def *d)
{
	bool kids = d->nat.present || d->forward_dev;

	if (!d->forward_given)
		return;
	fprintf(f, "  <forward");
	if (d->forward_dev)
		put_attr(f, "dev", d->forward_dev);
	fprintf(f, " mode='%s'%s\n", network_forward_names[d->forward],
		kids ? ">" : "/>");
	if (!kids)
		return;
	if (d->nat.present) {
		bool inner = d->nat.start.family || d->nat.port_start;

		fprintf(f, "    <nat");
		put_tristate(f, "ipv6", d->nat.ipv6);
		fprintf(f, "%s\n", inner ? ">" : "/>");
		if (d->nat.start.family) {
			fprintf(f, "      <address");
			put_ip_attr(f, "start", &d->nat.start);
			put_ip_attr(f, "end", &d->nat.end);
			fprintf(f, "/>\n");
		}
		if (d->nat.port_start)
			fprintf(f, "      <port start='%u' end='%u'/>\n",
				d->nat.port_start, d->nat.port_end);
		if (inner)
			fprintf(f, "    </nat>\n");
	}
	if (d->forward_dev) {
		fprintf(f, "    <interface");
		put_attr(f, "dev", d->forward_dev);
		fprintf(f, "/>\n");
	}
	fprintf(f, "  </forward>\n");
}

static void format_bridge(FILE *f, const struct network_def *d)
{
	bool ours = d->forward != NETWORK_FORWARD_BRIDGE;
	char m[NET_MAC_STRLEN];

	if (ours || d->bridge) {
		fprintf(f, "  <bridge");
		if (d->bridge)
			put_attr(f, "name", d->bridge);
		if (ours)
			fprintf(f, " stp='%s' delay='%u'",
				d->stp ? "on" : "off", d->delay);
		fprintf(f, "/>\n");
	}
	if (d->mtu)
		fprintf(f, "  <mtu size='%u'/>\n", d->mtu);
	if (d->has_mac)
		fprintf(f, "  <mac address='%s'/>\n", net_mac_str(d->mac, m));
	if (d->domain) {
		fprintf(f, "  <domain");
		put_attr(f, "name", d->domain);
		put_tristate(f, "localOnly", d->domain_local);
		fprintf(f, "/>\n");
	}
}

static void format_dns(FILE *f, const struct network_def *d)
{
	bool kids = d->n_forwarders || d->n_dns_hosts;

	if (!kids && !d->dns_enable && !d->dns_forward_plain)
		return;
	fprintf(f, "  <dns");
	put_tristate(f, "enable", d->dns_enable);
	put_tristate(f, "forwardPlainNames", d->dns_forward_plain);
	fprintf(f, "%s\n", kids ? ">" : "/>");
	for (size_t i = 0; i < d->n_forwarders; i++) {
		fprintf(f, "    <forwarder");
		if (d->forwarders[i].domain)
			put_attr(f, "domain", d->forwarders[i].domain);
		put_ip_attr(f, "addr", &d->forwarders[i].addr);
		fprintf(f, "/>\n");
	}
	for (size_t i = 0; i < d->n_dns_hosts; i++) {
		const struct network_dns_host *h = &d->dns_hosts[i];

		fprintf(f, "    <host");
		put_ip_attr(f, "ip", &h->ip);
		fprintf(f, ">\n");
		for (size_t j = 0; j < h->n_names; j++) {
			fprintf(f, "      <hostname>");
			xml_escape_text(f, h->names[j]);
			fprintf(f, "</hostname>\n");
		}
		fprintf(f, "    </host>\n");
	}
	if (kids)
		fprintf(f, "  </dns>\n");
}

static void format_vlan(FILE *f, const struct network_vlan *v, int indent)
{
	static const char *const native[] = {"", "untagged", "tagged"};

	fprintf(f, "%*s<vlan", indent, "");
	put_tristate(f, "trunk", v->trunk_attr);
	fprintf(f, ">\n");
	for (size_t i = 0; i < v->n_tags; i++) {
		fprintf(f, "%*s<tag id='%u'", indent + 2, "", v->tags[i].id);
		if (v->tags[i].native)
			fprintf(f, " nativeMode='%s'",
				native[v->tags[i].native]);
		fprintf(f, "/>\n");
	}
	fprintf(f, "%*s</vlan>\n", indent, "");
}

static void format_rate(FILE *f, const char *tag, const struct network_rate *r,
			int indent)
{
	if (!r->set)
		return;
	fprintf(f, "%*s<%s", indent, "", tag);
	if (r->average)
		fprintf(f, " average='%" PRIu64 "'", r->average);
	if (r->peak)
		fprintf(f, " peak='%" PRIu64 "'", r->peak);
	if (r->floor)
		fprintf(f, " floor='%" PRIu64 "'", r->floor);
	if (r->burst)
		fprintf(f, " burst='%" PRIu64 "'", r->burst);
	fprintf(f, "/>\n");
}

static void format_bandwidth(FILE *f, const struct network_bandwidth *b,
			     int indent)
{
	if (!b->in.set && !b->out.set)
		return;
	fprintf(f, "%*s<bandwidth>\n", indent, "");
	format_rate(f, "inbound", &b->in, indent + 2);
	format_rate(f, "outbound", &b->out, indent + 2);
	fprintf(f, "%*s</bandwidth>\n", indent, "");
}

static void format_virtualport(FILE *f, const struct network_virtualport *v,
			       int indent)
{
	bool params = v->interfaceid || v->profileid;

	if (!v->present)
		return;
	fprintf(f, "%*s<virtualport%s%s\n", indent, "",
		v->openvswitch ? " type='openvswitch'" : "",
		params ? ">" : "/>");
	if (!params)
		return;
	fprintf(f, "%*s<parameters", indent + 2, "");
	if (v->interfaceid)
		put_attr(f, "interfaceid", v->interfaceid);
	if (v->profileid)
		put_attr(f, "profileid", v->profileid);
	fprintf(f, "/>\n%*s</virtualport>\n", indent, "");
}

static void format_dhcp_host(FILE *f, const struct network_dhcp_host *h)
{
	char m[NET_MAC_STRLEN];

	fprintf(f, "      <host");
	if (h->has_mac)
		fprintf(f, " mac='%s'", net_mac_str(h->mac, m));
	if (h->id)
		put_attr(f, "id", h->id);
	if (h->name)
		put_attr(f, "name", h->name);
	put_ip_attr(f, "ip", &h->ip);
	fprintf(f, "/>\n");
}

static void format_ip(FILE *f, const struct network_ip *ip)
{
	bool dhcp = ip->n_ranges || ip->n_hosts;
	char m[NET_IP_STRLEN];

	fprintf(f, "  <ip");
	if (ip->family_given)
		fprintf(f, " family='%s'",
			ip->address.family == AF_INET6 ? "ipv6" : "ipv4");
	put_ip_attr(f, "address", &ip->address);
	if (ip->prefix_form == NETWORK_PREFIX_NETMASK) {
		struct net_ip mask = net_prefix_netmask(ip->prefix);

		fprintf(f, " netmask='%s'", net_ip_str(&mask, m));
	} else if (ip->prefix_form == NETWORK_PREFIX_PREFIX) {
		fprintf(f, " prefix='%u'", ip->prefix);
	}
	fprintf(f, "%s\n", dhcp ? ">" : "/>");
	if (!dhcp)
		return;
	fprintf(f, "    <dhcp>\n");
	for (size_t i = 0; i < ip->n_ranges; i++) {
		fprintf(f, "      <range");
		put_ip_attr(f, "start", &ip->ranges[i].start);
		put_ip_attr(f, "end", &ip->ranges[i].end);
		fprintf(f, "/>\n");
	}
	for (size_t i = 0; i < ip->n_hosts; i++)
		format_dhcp_host(f, &ip->hosts[i]);
	fprintf(f, "    </dhcp>\n  </ip>\n");
}

static void format_portgroup(FILE *f, const struct network_portgroup *g)
{
	bool kids = g->vlan.n_tags || g->virtualport.present ||
		    g->bandwidth.in.set || g->bandwidth.out.set;

	fprintf(f, "  <portgroup");
	put_attr(f, "name", g->name);
	if (g->is_default)
		fprintf(f, " default='yes'");
	fprintf(f, "%s\n", kids ? ">" : "/>");
	if (!kids)
		return;
	if (g->vlan.n_tags)
		format_vlan(f, &g->vlan, 4);
	format_virtualport(f, &g->virtualport, 4);
	format_bandwidth(f, &g->bandwidth, 4);
	fprintf(f, "  </portgroup>\n");
}

static void format_port_forward(FILE *f, const struct network_port_forward *p)
{
	fprintf(f, "  <portForward proto='%s'",
		p->proto == IPPROTO_UDP ? "udp" : "tcp");
	put_ip_attr(f, "address", &p->host);
	put_ip_attr(f, "guest", &p->guest);
	fprintf(f, ">\n");
	for (size_t i = 0; i < p->n_ranges; i++) {
		fprintf(f, "    <range start='%u'", p->ranges[i].start);
		if (p->ranges[i].end)
			fprintf(f, " end='%u'", p->ranges[i].end);
		if (p->ranges[i].to)
			fprintf(f, " to='%u'", p->ranges[i].to);
		fprintf(f, "/>\n");
	}
	fprintf(f, "  </portForward>\n");
}

/*
 * libvirt's order: name, uuid, forward, bridge, mtu, mac, domain, dns,
 * vlan, bandwidth, ip, virtualport, portgroup; then nido's portForward.
 */
char *network_def_format(const struct network_def *d)
{
	char *out = NULL, uuid[UUID_TEXT_LEN];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	/* ipv6='no' is the default, and libvirt writes only 'yes'. */
	fprintf(f, "<network%s",
		d->ipv6 == NETWORK_TRISTATE_YES ? " ipv6='yes'" : "");
	fprintf(f, ">\n  <name>");
	xml_escape_text(f, d->name);
	fprintf(f, "</name>\n  <uuid>%s</uuid>\n",
		uuid_to_text(&d->uuid, uuid));
	format_forward(f, d);
	format_bridge(f, d);
	format_dns(f, d);
	if (d->has_vlan)
		format_vlan(f, &d->vlan, 2);
	format_bandwidth(f, &d->bandwidth, 2);
	for (size_t i = 0; i < d->n_ips; i++)
		format_ip(f, &d->ips[i]);
	format_virtualport(f, &d->virtualport, 2);
	for (size_t i = 0; i < d->n_portgroups; i++)
		format_portgroup(f, &d->portgroups[i]);
	for (size_t i = 0; i < d->n_port_forwards; i++)
		format_port_forward(f, &d->port_forwards[i]);
	fprintf(f, "</network>\n");
	fclose(f);
	return out;
}

/* The formatters guest interfaces share (network_conf.h). */
void network_bandwidth_format(FILE *f, const struct network_bandwidth *b,
			      int indent)
{
	format_bandwidth(f, b, indent);
}

void network_vlan_format(FILE *f, const struct network_vlan *v, int indent)
{
	format_vlan(f, v, indent);
}

void network_virtualport_format(FILE *f, const struct network_virtualport *v,
				int indent)
{
	format_virtualport(f, v, indent);
}
