// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the <host> element of net-update ip-dhcp-host, what
 * a client sends to change a running network (network_dhcp_host_parse),
 * read for an IPv4 and an IPv6 <ip>. Nothing may crash, leak or take
 * long; a refusal says why and leaves nothing behind; a host accepted
 * holds only what the dnsmasq files can carry (a unicast MAC, an id of
 * hex bytes, a valid host name, an address of the <ip>'s family), and,
 * put in a definition whose <ip> covers its address, formats to XML that
 * parses back to the same host.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>

#include "daemon/network_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const base_xml[2] = {
	"<network><name>f</name><ip address='10.0.0.1' prefix='8'><dhcp/>"
	"</ip></network>",
	"<network><name>f</name><ip family='ipv6' address='fd00::1' "
	"prefix='8'><dhcp/></ip></network>",
};

static void check_host(const struct network_dhcp_host *h, int family)
{
	if (h->ip.family && h->ip.family != family)
		abort();
	if (h->has_mac && (h->mac[0] & 1))
		abort();
	if (h->name && net_hostname_check(h->name, "", NULL) < 0)
		abort();
	for (const char *p = h->id; p && *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':')
			abort();
	if (h->id && !*h->id)
		abort();
}

static bool same(const struct network_dhcp_host *a,
		 const struct network_dhcp_host *b)
{
	return a->has_mac == b->has_mac &&
	       (!a->has_mac || !memcmp(a->mac, b->mac, 6)) &&
	       !a->id == !b->id && (!a->id || !strcmp(a->id, b->id)) &&
	       !a->name == !b->name &&
	       (!a->name || !strcmp(a->name, b->name)) &&
	       net_ip_eq(&a->ip, &b->ip);
}

/* @h (taken) as the only host of base_xml[@v6]: it must come back. */
static void check_round_trip(struct network_dhcp_host *h, int v6)
{
	struct network_def *d = NULL, *back = NULL;
	struct network_ip *ip;
	char *text;

	if (network_def_parse(base_xml[v6], strlen(base_xml[v6]), &d, NULL,
			      NULL) < 0)
		abort();
	ip = &d->ips[0];
	if (h->ip.family && !net_ip_in(&h->ip, &ip->address, ip->prefix)) {
		network_dhcp_host_release(h);
		network_def_free(d);
		return;
	}
	ip->hosts = xcalloc(1, sizeof(*ip->hosts));
	ip->hosts[0] = *h;
	ip->n_hosts = 1;
	memset(h, 0, sizeof(*h));
	if (network_def_validate(d, NULL) == 0) {
		text = network_def_format(d);
		if (network_def_parse(text, strlen(text), &back, NULL, NULL) <
			    0 ||
		    back->n_ips != 1 || back->ips[0].n_hosts != 1 ||
		    !same(&back->ips[0].hosts[0], &d->ips[0].hosts[0]))
			abort();
		free(text);
		network_def_free(back);
	}
	network_def_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int families[2] = {AF_INET, AF_INET6};

	for (int v6 = 0; v6 < 2; v6++) {
		struct network_dhcp_host h;
		struct err *e = NULL;

		if (network_dhcp_host_parse((const char *)data, size,
					    families[v6], &h, NULL, &e) < 0) {
			if (!e || !err_msg(e)[0] || h.id || h.name ||
			    h.has_mac || h.ip.family)
				abort();
			err_free(e);
			continue;
		}
		check_host(&h, families[v6]);
		check_round_trip(&h, v6);
	}
	return 0;
}
