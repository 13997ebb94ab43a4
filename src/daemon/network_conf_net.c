// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/network_conf_net.h"

#include <errno.h>
#include <netinet/in.h>

static const enum net_fw_mode fw_modes[] = {
	[NETWORK_FORWARD_NONE] = NET_FW_ISOLATED,
	[NETWORK_FORWARD_NAT] = NET_FW_NAT,
	[NETWORK_FORWARD_ROUTE] = NET_FW_ROUTE,
	[NETWORK_FORWARD_OPEN] = NET_FW_OPEN,
};

/* One net_fw_forward per <range> of every <portForward>. */
static void fw_forwards(const struct network_def *d, struct network_fw *f)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_port_forwards; i++)
		n += d->port_forwards[i].n_ranges;
	f->forwards = xcalloc(n ? n : 1, sizeof(*f->forwards));
	n = 0;
	for (size_t i = 0; i < d->n_port_forwards; i++) {
		const struct network_port_forward *p = &d->port_forwards[i];

		for (size_t j = 0; j < p->n_ranges; j++) {
			const struct network_port_range *r = &p->ranges[j];

			f->forwards[n++] = (struct net_fw_forward){
				.proto = p->proto,
				.host = p->host,
				.start = r->start,
				.end = r->end ? r->end : r->start,
				.to = r->to ? r->to : r->start,
				.guest = p->guest,
			};
		}
	}
	f->net.forwards = f->forwards;
	f->net.n_forwards = n;
}

int network_def_fw(const struct network_def *d, const char *bridge,
		   struct network_fw *out, struct err **e)
{
	struct network_fw f = {0};

	if (d->forward == NETWORK_FORWARD_BRIDGE)
		return err_set(e, EINVAL,
			       "network '%s' uses the host's bridge: nido "
			       "installs no rules for it",
			       d->name);
	f.subnets = xcalloc(d->n_ips ? d->n_ips : 1, sizeof(*f.subnets));
	for (size_t i = 0; i < d->n_ips; i++)
		f.subnets[i] = (struct net_fw_subnet){d->ips[i].address,
						      d->ips[i].prefix};
	f.net = (struct net_fw_network){
		.bridge = bridge,
		.mode = fw_modes[d->forward],
		.dev = d->forward_dev,
		.subnets = f.subnets,
		.n_subnets = d->n_ips,
		.nat_start = d->nat.start,
		.nat_end = d->nat.end,
		.port_start = d->nat.port_start,
		.port_end = d->nat.port_end,
		.nat_ipv6 = d->nat.ipv6 == NETWORK_TRISTATE_YES,
	};
	fw_forwards(d, &f);
	*out = f;
	return 0;
}

void network_fw_release(struct network_fw *f)
{
	free(f->subnets);
	free(f->forwards);
	*f = (struct network_fw){0};
}

/* Copies the DHCP ranges and hosts of every <ip> into @m's arrays. */
static void dnsmasq_ips(const struct network_def *d, struct network_dnsmasq *m)
{
	size_t nr = 0, nh = 0;

	for (size_t i = 0; i < d->n_ips; i++) {
		nr += d->ips[i].n_ranges;
		nh += d->ips[i].n_hosts;
	}
	m->ips = xcalloc(d->n_ips ? d->n_ips : 1, sizeof(*m->ips));
	m->ranges = xcalloc(nr ? nr : 1, sizeof(*m->ranges));
	m->hosts = xcalloc(nh ? nh : 1, sizeof(*m->hosts));
	nr = nh = 0;
	for (size_t i = 0; i < d->n_ips; i++) {
		const struct network_ip *ip = &d->ips[i];

		m->ips[i] = (struct net_dnsmasq_ip){
			.addr = ip->address,
			.prefix = ip->prefix,
			.ranges = m->ranges + nr,
			.n_ranges = ip->n_ranges,
			.hosts = m->hosts + nh,
			.n_hosts = ip->n_hosts,
		};
		for (size_t j = 0; j < ip->n_ranges; j++)
			m->ranges[nr++] = (struct net_dhcp_range){
				ip->ranges[j].start, ip->ranges[j].end};
		for (size_t j = 0; j < ip->n_hosts; j++) {
			const struct network_dhcp_host *h = &ip->hosts[j];

			m->hosts[nh] = (struct net_dhcp_host){
				.has_mac = h->has_mac,
				.id = h->id,
				.name = h->name,
				.ip = h->ip,
			};
			memcpy(m->hosts[nh++].mac, h->mac, 6);
		}
	}
}

static void dnsmasq_dns(const struct network_def *d, struct network_dnsmasq *m)
{
	size_t n = d->n_dns_hosts, k = d->n_forwarders;

	m->dns_hosts = xcalloc(n ? n : 1, sizeof(*m->dns_hosts));
	for (size_t i = 0; i < n; i++)
		m->dns_hosts[i] = (struct net_dns_host){
			.ip = d->dns_hosts[i].ip,
			.names = (const char *const *)d->dns_hosts[i].names,
			.n_names = d->dns_hosts[i].n_names,
		};
	m->forwarders = xcalloc(k ? k : 1, sizeof(*m->forwarders));
	for (size_t i = 0; i < k; i++)
		m->forwarders[i] = (struct net_dns_forwarder){
			d->forwarders[i].addr, d->forwarders[i].domain};
}

int network_def_dnsmasq(const struct network_def *d, const char *bridge,
			const struct network_dnsmasq_paths *paths,
			struct network_dnsmasq *out)
{
	struct network_dnsmasq m = {0};

	if (d->forward == NETWORK_FORWARD_BRIDGE || !d->n_ips)
		return 1;
	dnsmasq_ips(d, &m);
	dnsmasq_dns(d, &m);
	m.conf = (struct net_dnsmasq_conf){
		.bridge = bridge,
		.domain = d->domain,
		.domain_local = d->domain_local == NETWORK_TRISTATE_YES,
		.no_dns = d->dns_enable == NETWORK_TRISTATE_NO,
		.no_forward_plain = d->dns_forward_plain == NETWORK_TRISTATE_NO,
		.isolated = d->forward == NETWORK_FORWARD_NONE,
		.ips = m.ips,
		.n_ips = d->n_ips,
		.forwarders = m.forwarders,
		.n_forwarders = d->n_forwarders,
		.lease_file = paths->lease_file,
		.dhcp_hosts_file = paths->dhcp_hosts_file,
		.dns_hosts_file = paths->dns_hosts_file,
		.pid_file = paths->pid_file,
		.user = paths->user,
	};
	*out = m;
	return 0;
}

void network_dnsmasq_release(struct network_dnsmasq *m)
{
	free(m->ips);
	free(m->hosts);
	free(m->ranges);
	free(m->dns_hosts);
	free(m->forwarders);
	*m = (struct network_dnsmasq){0};
}

struct net_bridge_opts network_def_bridge_opts(const struct network_def *d)
{
	bool v6 = false;

	for (size_t i = 0; i < d->n_ips; i++)
		v6 |= d->ips[i].address.family == AF_INET6;
	return (struct net_bridge_opts){
		.stp = d->stp,
		.delay_s = d->delay,
		.mtu = d->mtu,
		.mac = d->has_mac ? d->mac : NULL,
		/* libvirt's rule; ipv6='yes' is about guests, not the host. */
		.no_ipv6 = !v6,
	};
}
