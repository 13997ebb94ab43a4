// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The integration tests' handle on src/net: one library call per command,
 * so that a script can build bridges, taps, veths, rules and dnsmasq
 * files through the library and check the kernel with `ip -j` and `nft
 * -j`. Prints errors as the daemon will ("error: ..."), status 1.
 *
 *	net-tool bridge NAME [stp] [delay=S] [mtu=N] [mac=M]
 *	net-tool veth NAME PEER | netns NAME PID | del NAME
 *	net-tool up|down NAME | mtu NAME N | mac NAME MAC
 *	net-tool master PORT BRIDGE|- | addr NAME IP/PREFIX
 *	net-tool tap NAME [uid] | tap-open NAME | tap-del NAME | query NAME
 *	net-tool fw|fw-script MODE BRIDGE [SUBNET...] [dev=X] [nat=A-B]
 *		[ports=P-Q] [nat6] [fwd=tcp:HOSTPORT:GUEST:PORT[:HOSTADDR]]
 *	net-tool fw-remove BRIDGE | fw-list | fw-cleanup
 *	net-tool dnsmasq DIR BRIDGE IP/PREFIX [range=A-B] [host=MAC,IP,NAME]
 *		[dns=IP,NAME] [fwd=IP] [domain=D] [ip6=IP/PREFIX]
 *		[range6=A-B] [user=U]
 *	net-tool leases FILE
 *	net-tool xml-check FILE | xml-up FILE DIR | xml-down FILE
 *
 * xml-up is what net-start will do, but for supervising dnsmasq: the
 * bridge of the network XML in FILE with its options and addresses, its
 * firewall, dnsmasq's files in DIR. xml-down undoes it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>

#include "daemon/network_conf_net.h"
#include "lib/file.h"
#include "net/dnsmasq.h"
#include "net/fw.h"
#include "net/link.h"
#include "net/tap.h"

#define MAXN 16

static int cidr(const char *s, struct net_ip *ip, unsigned *prefix,
		struct err **e)
{
	_cleanup_free_ char *a = xstrdup(s);
	char *slash = strchr(a, '/');

	if (!slash)
		return err_set(e, EINVAL, "'%s': expected ADDRESS/PREFIX", s);
	*slash = 0;
	*prefix = (unsigned)atoi(slash + 1);
	return net_ip_parse(a, 0, "address", ip, e);
}

/* "A-B" into two addresses. */
static int pair(const char *s, struct net_ip *a, struct net_ip *b,
		struct err **e)
{
	_cleanup_free_ char *c = xstrdup(s);
	char *dash = strchr(c, '-');

	if (!dash)
		return err_set(e, EINVAL, "'%s': expected A-B", s);
	*dash = 0;
	if (net_ip_parse(c, 0, "address", a, e) < 0)
		return -EINVAL;
	return net_ip_parse(dash + 1, 0, "address", b, e);
}

static int fwd_parse(const char *s, struct net_fw_forward *f, struct err **e)
{
	char proto[8], guest[64], host[64] = "";
	unsigned hp, hp2, gp;

	*f = (struct net_fw_forward){0};
	if (sscanf(s, "%7[a-z]:%u-%u:%63[^:]:%u:%63s", proto, &hp, &hp2, guest,
		   &gp, host) >= 5) {
	} else if (sscanf(s, "%7[a-z]:%u:%63[^:]:%u:%63s", proto, &hp, guest,
			  &gp, host) >= 4) {
		hp2 = hp;
	} else {
		return err_set(e, EINVAL, "bad forward '%s'", s);
	}
	f->proto = streq(proto, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
	f->start = (uint16_t)hp;
	f->end = (uint16_t)hp2;
	f->to = (uint16_t)gp;
	if (*host && net_ip_parse(host, 0, "host", &f->host, e) < 0)
		return -EINVAL;
	return net_ip_parse(guest, 0, "guest", &f->guest, e);
}

static int cmd_fw(int argc, char **argv, bool run, struct err **e)
{
	static const char *const modes[] = {"nat", "route", "isolated", "open"};
	struct net_fw_subnet subnets[MAXN];
	struct net_fw_forward fwds[MAXN];
	struct net_fw_network n = {
		.bridge = argv[1], .subnets = subnets, .forwards = fwds};
	_cleanup_free_ char *script = NULL;
	size_t m;

	for (m = 0; m < ARRAY_SIZE(modes) && !streq(argv[0], modes[m]); m++)
		;
	if (m == ARRAY_SIZE(modes))
		return err_set(e, EINVAL, "bad mode '%s'", argv[0]);
	n.mode = (enum net_fw_mode)m;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		unsigned p, q;

		if (str_has_prefix(a, "dev="))
			n.dev = a + 4;
		else if (streq(a, "nat6"))
			n.nat_ipv6 = true;
		else if (str_has_prefix(a, "nat=")) {
			if (pair(a + 4, &n.nat_start, &n.nat_end, e) < 0)
				return -EINVAL;
		} else if (sscanf(a, "ports=%u-%u", &p, &q) == 2) {
			n.port_start = (uint16_t)p;
			n.port_end = (uint16_t)q;
		} else if (str_has_prefix(a, "fwd=") && n.n_forwards < MAXN) {
			if (fwd_parse(a + 4, &fwds[n.n_forwards++], e) < 0)
				return -EINVAL;
		} else if (n.n_subnets < MAXN) {
			if (cidr(a, &subnets[n.n_subnets].net,
				 &subnets[n.n_subnets].prefix, e) < 0)
				return -EINVAL;
			n.n_subnets++;
		}
	}
	if (run)
		return net_fw_apply(&n, e);
	script = net_fw_script(&n, e);
	if (!script)
		return -EINVAL;
	fputs(script, stdout);
	return 0;
}

/* Writes @text (taken) to DIR/NAME. */
static int write_file(const char *dir, const char *name, char *text,
		      struct err **e)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *owned = text;

	if (!text)
		return -EINVAL;
	return file_write_atomic(path, text, strlen(text), 0644, e);
}

/* One host=MAC,IP,NAME argument. */
static int dhcp_host(const char *a, struct net_dhcp_host *h, char **keep,
		     struct err **e)
{
	char *c = *keep = xstrdup(a), *ip, *name;

	if (!(ip = strchr(c, ',')) || !(name = strchr(ip + 1, ',')))
		return err_set(e, EINVAL, "host '%s': expected MAC,IP,NAME", a);
	*ip++ = 0;
	*name++ = 0;
	*h = (struct net_dhcp_host){.has_mac = true, .name = name};
	if (net_mac_parse(c, "host", h->mac, e) < 0)
		return -EINVAL;
	return net_ip_parse(ip, 0, "host", &h->ip, e);
}

/* One dns=IP,NAME argument; *@keep owns the copy @h points into. */
static int dns_host(const char *a, struct net_dns_host *h, const char **name,
		    char **keep, struct err **e)
{
	char *s = *keep = xstrdup(a), *comma = strchr(s, ',');

	if (!comma)
		return err_set(e, EINVAL, "dns=IP,NAME");
	*comma = 0;
	*name = comma + 1;
	*h = (struct net_dns_host){.names = name, .n_names = 1};
	return net_ip_parse(s, 0, "dns", &h->ip, e);
}

/* DIR/dnsmasq.conf, DIR/dhcp-hosts and DIR/dns-hosts for @c. */
static int write_dnsmasq(const char *dir, const struct net_dnsmasq_conf *c,
			 const struct net_dns_host *dns, size_t nd,
			 struct err **e)
{
	int r = write_file(dir, "dnsmasq.conf", net_dnsmasq_conf(c, e), e);

	if (r == 0)
		r = write_file(dir, "dhcp-hosts", net_dnsmasq_dhcp_hosts(c, e),
			       e);
	if (r == 0)
		r = write_file(dir, "dns-hosts",
			       net_dnsmasq_dns_hosts(dns, nd, e), e);
	return r;
}

static int cmd_dnsmasq(int argc, char **argv, struct err **e)
{
	const char *dir = argv[0];
	struct net_dhcp_range ranges[MAXN];
	struct net_dhcp_host hosts[MAXN];
	struct net_dns_host dns[MAXN];
	struct net_dns_forwarder fwd[MAXN];
	const char *names[MAXN];
	char *keep[2 * MAXN] = {0};
	size_t nk = 0, nd = 0;
	struct net_dhcp_range ranges6[MAXN];
	struct net_dnsmasq_ip ips[2] = {{.ranges = ranges, .hosts = hosts},
					{.ranges = ranges6}};
	struct net_dnsmasq_ip *ip = &ips[0], *ip6 = &ips[1];
	_cleanup_free_ char *lf = xasprintf("%s/leases", dir);
	_cleanup_free_ char *hf = xasprintf("%s/dhcp-hosts", dir);
	_cleanup_free_ char *df = xasprintf("%s/dns-hosts", dir);
	_cleanup_free_ char *pf = xasprintf("%s/pid", dir);
	struct net_dnsmasq_conf c = {.bridge = argv[1],
				     .ips = ips,
				     .n_ips = 1,
				     .forwarders = fwd,
				     .lease_file = lf,
				     .dhcp_hosts_file = hf,
				     .dns_hosts_file = df,
				     .pid_file = pf};
	int r = cidr(argv[2], &ip->addr, &ip->prefix, e);

	for (int i = 3; r == 0 && i < argc && nk < 2 * MAXN - 1; i++) {
		const char *a = argv[i];

		if (str_has_prefix(a, "range=") && ip->n_ranges < MAXN)
			r = pair(a + 6, &ranges[ip->n_ranges].start,
				 &ranges[ip->n_ranges].end, e),
			ip->n_ranges++;
		else if (str_has_prefix(a, "ip6=")) {
			r = cidr(a + 4, &ip6->addr, &ip6->prefix, e);
			c.n_ips = 2;
		} else if (str_has_prefix(a, "range6=") && ip6->n_ranges < MAXN)
			r = pair(a + 7, &ranges6[ip6->n_ranges].start,
				 &ranges6[ip6->n_ranges].end, e),
			ip6->n_ranges++;
		else if (str_has_prefix(a, "user="))
			c.user = a + 5;
		else if (str_has_prefix(a, "host=") && ip->n_hosts < MAXN)
			r = dhcp_host(a + 5, &hosts[ip->n_hosts++], &keep[nk++],
				      e);
		else if (str_has_prefix(a, "dns=") && nd < MAXN) {
			r = dns_host(a + 4, &dns[nd], &names[nd], &keep[nk++],
				     e);
			nd++;
		} else if (str_has_prefix(a, "fwd=") && c.n_forwarders < MAXN) {
			fwd[c.n_forwarders] = (struct net_dns_forwarder){0};
			r = net_ip_parse(a + 4, 0, "forwarder",
					 &fwd[c.n_forwarders++].addr, e);
		} else if (str_has_prefix(a, "domain="))
			c.domain = a + 7;
	}
	if (r == 0)
		r = write_dnsmasq(dir, &c, dns, nd, e);
	for (size_t i = 0; i < nk; i++)
		free(keep[i]);
	return r;
}

static int cmd_leases(const char *path, struct err **e)
{
	struct net_lease *l = NULL;
	size_t n = 0;
	char a[NET_IP_STRLEN], m[NET_MAC_STRLEN];

	if (net_leases_read(path, &l, &n, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		printf("%lld %s %s %s %s\n", (long long)l[i].expiry,
		       l[i].has_mac ? net_mac_str(l[i].mac, m) : "-",
		       net_ip_str(&l[i].ip, a),
		       l[i].hostname ? l[i].hostname : "-",
		       l[i].client_id ? l[i].client_id : "-");
	net_leases_free(l, n);
	return 0;
}

static int cmd_query(struct net_nl *nl, const char *name, struct err **e)
{
	struct net_link_info i;
	char m[NET_MAC_STRLEN];

	if (net_link_query(nl, name, &i, e) < 0)
		return -EINVAL;
	printf("index=%d\nmaster=%d\nup=%d\nrunning=%d\nmtu=%u\nmac=%s\n"
	       "kind=%s\nrx_bytes=%" PRIu64 "\nrx_packets=%" PRIu64
	       "\ntx_bytes=%" PRIu64 "\ntx_packets=%" PRIu64 "\n",
	       i.index, i.master, i.up, i.running, i.mtu, net_mac_str(i.mac, m),
	       i.kind, i.rx_bytes, i.rx_packets, i.tx_bytes, i.tx_packets);
	return 0;
}

static int cmd_bridge(struct net_nl *nl, int argc, char **argv, struct err **e)
{
	struct net_bridge_opts o = {0};
	uint8_t mac[6];

	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "stp"))
			o.stp = true;
		else if (sscanf(argv[i], "delay=%u", &o.delay_s) == 1 ||
			 sscanf(argv[i], "mtu=%u", &o.mtu) == 1)
			continue;
		else if (str_has_prefix(argv[i], "mac=")) {
			if (net_mac_parse(argv[i] + 4, "mac", mac, e) < 0)
				return -EINVAL;
			o.mac = mac;
		}
	}
	return net_bridge_create(nl, argv[0], &o, e);
}

static int cmd_fw_list(struct err **e)
{
	char **list = NULL;

	if (net_fw_list(&list, e) < 0)
		return -EINVAL;
	for (size_t i = 0; list[i]; i++)
		puts(list[i]);
	net_fw_list_free(list);
	return 0;
}

static int cmd_tap(int argc, char **argv, struct err **e)
{
	char name[NET_IFNAME_MAX + 1];

	if (net_tap_create(argv[0], argc > 1 ? (uid_t)atoi(argv[1]) : (uid_t)-1,
			   name, e) < 0)
		return -EINVAL;
	puts(name);
	return 0;
}

static int cmd_tap_open(const char *name, struct err **e)
{
	int fd = -1;

	if (net_tap_open(name, &fd, e) < 0)
		return -EINVAL;
	close(fd);
	return 0;
}

/* The definition in @path; warnings go to stderr as nidod will log them. */
static struct network_def *xml_load(const char *path, struct err **e)
{
	_cleanup_free_ char *text = NULL;
	struct xml_warnings w = {0};
	struct network_def *d = NULL;
	size_t len = 0;

	if (file_read_all(path, 1 << 20, &text, &len, e) < 0 ||
	    network_def_parse(text, len, &d, &w, e) < 0) {
		xml_warnings_clear(&w);
		return NULL;
	}
	for (size_t i = 0; i < w.n; i++)
		fprintf(stderr, "warning: %s\n", w.msgs[i]);
	xml_warnings_clear(&w);
	if (!d->bridge || strchr(d->bridge, '%')) {
		err_set(e, EINVAL, "network '%s': no bridge name", d->name);
		network_def_free(d);
		return NULL;
	}
	return d;
}

static int xml_dnsmasq(const struct network_def *d, const char *dir,
		       struct err **e)
{
	_cleanup_free_ char *lf = xasprintf("%s/leases", dir);
	_cleanup_free_ char *hf = xasprintf("%s/dhcp-hosts", dir);
	_cleanup_free_ char *df = xasprintf("%s/dns-hosts", dir);
	_cleanup_free_ char *pf = xasprintf("%s/pid", dir);
	struct network_dnsmasq_paths paths = {lf, hf, df, pf, NULL};
	struct network_dnsmasq m;
	int r;

	if (network_def_dnsmasq(d, d->bridge, &paths, &m) == 1)
		return 0;
	r = write_dnsmasq(dir, &m.conf, m.dns_hosts, d->n_dns_hosts, e);
	network_dnsmasq_release(&m);
	return r;
}

static int xml_up(struct net_nl *nl, const struct network_def *d,
		  const char *dir, struct err **e)
{
	struct net_bridge_opts o = network_def_bridge_opts(d);
	struct network_fw fw;
	int r;

	if (d->forward == NETWORK_FORWARD_BRIDGE)
		return err_set(e, EINVAL, "a host bridge is not nido's");
	if (net_bridge_create(nl, d->bridge, &o, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i < d->n_ips; i++)
		if (net_addr_add(nl, d->bridge, &d->ips[i].address,
				 d->ips[i].prefix, e) < 0)
			return -EINVAL;
	if (net_link_set_up(nl, d->bridge, true, e) < 0 ||
	    network_def_fw(d, d->bridge, &fw, e) < 0)
		return -EINVAL;
	r = net_fw_apply(&fw.net, e);
	network_fw_release(&fw);
	return r < 0 ? r : xml_dnsmasq(d, dir, e);
}

static int cmd_xml(const char *cmd, int argc, char **argv, struct err **e)
{
	struct network_def *d = xml_load(argv[0], e);
	struct net_nl *nl = NULL;
	char *text;
	int r;

	if (!d)
		return -EINVAL;
	if (streq(cmd, "xml-check")) {
		text = network_def_format(d);
		fputs(text, stdout);
		free(text);
		r = 0;
	} else if ((r = net_nl_open(&nl, e)) == 0) {
		if (streq(cmd, "xml-up") && argc == 2)
			r = xml_up(nl, d, argv[1], e);
		else
			r = net_fw_remove(d->bridge, e)
				    ?: net_link_delete(nl, d->bridge, e);
		net_nl_close(nl);
	}
	network_def_free(d);
	return r;
}

/* Commands that need a netlink socket. */
static int cmd_link(const char *cmd, int argc, char **argv, struct err **e)
{
	struct net_nl *nl = NULL;
	struct net_ip ip;
	unsigned prefix;
	uint8_t mac[6];
	int r;

	if (net_nl_open(&nl, e) < 0)
		return -EIO;
	if (streq(cmd, "bridge"))
		r = cmd_bridge(nl, argc, argv, e);
	else if (streq(cmd, "veth") && argc == 2)
		r = net_veth_create(nl, argv[0], argv[1], e);
	else if (streq(cmd, "netns") && argc == 2)
		r = net_link_set_netns(nl, argv[0], atoi(argv[1]), e);
	else if (streq(cmd, "del"))
		r = net_link_delete(nl, argv[0], e);
	else if (streq(cmd, "up") || streq(cmd, "down"))
		r = net_link_set_up(nl, argv[0], streq(cmd, "up"), e);
	else if (streq(cmd, "mtu") && argc == 2)
		r = net_link_set_mtu(nl, argv[0], (unsigned)atoi(argv[1]), e);
	else if (streq(cmd, "mac") && argc == 2)
		r = net_mac_parse(argv[1], "mac", mac, e)
			    ?: net_link_set_mac(nl, argv[0], mac, e);
	else if (streq(cmd, "master") && argc == 2)
		r = net_link_set_master(
			nl, argv[0], streq(argv[1], "-") ? NULL : argv[1], e);
	else if (streq(cmd, "addr") && argc == 2)
		r = cidr(argv[1], &ip, &prefix, e)
			    ?: net_addr_add(nl, argv[0], &ip, prefix, e);
	else if (streq(cmd, "query"))
		r = cmd_query(nl, argv[0], e);
	else
		r = err_set(e, EINVAL, "unknown command or arguments '%s'",
			    cmd);
	net_nl_close(nl);
	return r;
}

int main(int argc, char **argv)
{
	_cleanup_err_ struct err *e = NULL;
	const char *cmd = argc > 1 ? argv[1] : "";
	int r;

	argc -= 2;
	argv += 2;
	if (streq(cmd, "fw-list"))
		r = cmd_fw_list(&e);
	else if (streq(cmd, "fw-cleanup"))
		r = net_fw_cleanup(&e);
	else if (argc < 1)
		r = err_set(&e, EINVAL, "usage: see net-tool.c");
	else if (streq(cmd, "tap"))
		r = cmd_tap(argc, argv, &e);
	else if (streq(cmd, "tap-open"))
		r = cmd_tap_open(argv[0], &e);
	else if (streq(cmd, "tap-del"))
		r = net_tap_delete(argv[0], &e);
	else if (streq(cmd, "fw-remove"))
		r = net_fw_remove(argv[0], &e);
	else if ((streq(cmd, "fw") || streq(cmd, "fw-script")) && argc >= 2)
		r = cmd_fw(argc, argv, streq(cmd, "fw"), &e);
	else if (streq(cmd, "dnsmasq") && argc >= 3)
		r = cmd_dnsmasq(argc, argv, &e);
	else if (streq(cmd, "leases"))
		r = cmd_leases(argv[0], &e);
	else if (str_has_prefix(cmd, "xml-"))
		r = cmd_xml(cmd, argc, argv, &e);
	else
		r = cmd_link(cmd, argc, argv, &e);
	if (r < 0) {
		fprintf(stderr, "error: %s\n", err_msg(e));
		return 1;
	}
	return 0;
}
