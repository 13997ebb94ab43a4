// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * src/net's pure parts: addresses and names (net/addr.h), the nft script
 * of each kind of network (net/fw.h), dnsmasq's files and its lease file
 * (net/dnsmasq.h). The kernel parts are tests/integration/net.
 */
#include <netinet/in.h>

#include "net/addr.h"
#include "net/dnsmasq.h"
#include "net/fw.h"
#include "test.h"

static struct net_ip ip(const char *s)
{
	struct net_ip a = {0};

	if (net_ip_parse(s, 0, "test", &a, NULL) < 0)
		printf("# bad test address %s\n", s);
	return a;
}

static void addresses_parse_and_format(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct net_ip a, m;
	char buf[NET_IP_STRLEN];
	unsigned p;

	CHECK_INT_EQ(net_ip_parse("192.168.122.1", AF_INET, "address", &a, &e),
		     0);
	CHECK_STR_EQ(net_ip_str(&a, buf), "192.168.122.1");
	CHECK_INT_EQ(net_ip_parse("FD00:0:0::1", 0, "address", &a, &e), 0);
	CHECK_STR_EQ(net_ip_str(&a, buf), "fd00::1");
	CHECK(net_ip_parse("fd00::1", AF_INET, "guest", &a, &e) < 0);
	CHECK_STR_EQ(err_msg(e), "guest 'fd00::1' is not an IPv4 address");
	CHECK(net_ip_parse("1.2.3.4/24", 0, "x", &a, NULL) < 0);
	CHECK(net_ip_parse("1.2.3", 0, "x", &a, NULL) < 0);
	CHECK(net_ip_parse("", 0, "x", &a, NULL) < 0);
	m = ip("255.255.240.0");
	CHECK_INT_EQ(net_netmask_prefix(&m, &p, NULL), 0);
	CHECK_INT_EQ(p, 20);
	m = ip("255.0.255.0");
	CHECK(net_netmask_prefix(&m, &p, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "non-contiguous");
	m = net_prefix_netmask(24);
	CHECK_STR_EQ(net_ip_str(&m, buf), "255.255.255.0");
	a = ip("192.168.122.77");
	m = net_ip_network(&a, 25);
	CHECK_STR_EQ(net_ip_str(&m, buf), "192.168.122.0");
	m = net_ip_last(&a, 25);
	CHECK_STR_EQ(net_ip_str(&m, buf), "192.168.122.127");
	a = ip("fd00:1::ff");
	m = net_ip_last(&a, 120);
	CHECK_STR_EQ(net_ip_str(&m, buf), "fd00:1::ff");
}

static void subnets_contain_and_overlap(void)
{
	struct net_ip a = ip("10.1.2.3"), n = ip("10.1.0.0"),
		      o = ip("10.2.0.0");
	struct net_ip v6 = ip("fd00::1");

	CHECK(net_ip_in(&a, &n, 16));
	CHECK(!net_ip_in(&a, &o, 16));
	CHECK(net_ip_in(&a, &o, 8));
	CHECK(!net_ip_in(&v6, &n, 0)); /* families differ */
	CHECK(net_prefix_overlap(&n, 16, &a, 24));
	CHECK(!net_prefix_overlap(&n, 16, &o, 16));
	CHECK(net_ip_cmp(&n, &a) < 0 && net_ip_cmp(&a, &n) > 0);
}

static void macs_and_names(void)
{
	_cleanup_err_ struct err *e = NULL;
	uint8_t mac[6];
	char buf[NET_MAC_STRLEN];

	CHECK_INT_EQ(net_mac_parse("52:54:00:AB:cd:0F", "mac", mac, NULL), 0);
	CHECK_STR_EQ(net_mac_str(mac, buf), "52:54:00:ab:cd:0f");
	CHECK(net_mac_parse("52:54:00:ab:cd", "mac", mac, NULL) < 0);
	CHECK(net_mac_parse("52:54:00:ab:cd:0f:", "mac", mac, NULL) < 0);
	CHECK(net_mac_parse("52-54-00-ab-cd-0f", "mac", mac, NULL) < 0);
	CHECK(net_mac_parse(" 2:54:00:ab:cd:0f", "mac", mac, NULL) < 0);
	CHECK(net_mac_parse("01:00:5e:00:00:01", "mac", mac, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "multicast");
	/* a random one: libvirt's prefix, then not twice the same */
	{
		uint8_t m2[6];

		net_mac_random(mac);
		net_mac_random(m2);
		CHECK(!memcmp(mac, "\x52\x54\x00", 3));
		CHECK(memcmp(mac, m2, 6) != 0);
		CHECK_INT_EQ(
			net_mac_parse(net_mac_str(mac, buf), "mac", m2, NULL),
			0);
	}

	CHECK_INT_EQ(net_ifname_check("virbr0", false, NULL), 0);
	CHECK_INT_EQ(net_ifname_check("br-lan.10", false, NULL), 0);
	CHECK_INT_EQ(net_ifname_check("vnet%d", true, NULL), 0);
	CHECK(net_ifname_check("vnet%d", false, NULL) < 0);
	CHECK(net_ifname_check("a%d%d", true, NULL) < 0);
	CHECK(net_ifname_check("a%s", true, NULL) < 0);
	CHECK(net_ifname_check("", false, NULL) < 0);
	CHECK(net_ifname_check("..", false, NULL) < 0);
	CHECK(net_ifname_check("all", false, NULL) < 0);
	CHECK(net_ifname_check("default", true, NULL) < 0);
	/* A template must fit with the kernel's number (up to 5 digits). */
	CHECK_INT_EQ(net_ifname_check("abcdefghij%d", true, NULL), 0);
	CHECK(net_ifname_check("abcdefghijk%d", true, NULL) < 0);
	CHECK(net_ifname_check("abcdefghijklm%d", true, NULL) < 0);
	CHECK(net_ifname_check("0123456789abcdef", false, NULL) < 0);
	CHECK(net_ifname_check("br\"0", false, NULL) < 0);
	CHECK(net_ifname_check("br 0", false, NULL) < 0);
	CHECK(net_ifname_check("br/0", false, NULL) < 0);
	CHECK(net_ifname_check("br\n0", false, NULL) < 0);

	CHECK_INT_EQ(net_hostname_check("a.example.com", "name", NULL), 0);
	CHECK_INT_EQ(net_hostname_check("x-1", "name", NULL), 0);
	CHECK(net_hostname_check("-x", "name", NULL) < 0);
	CHECK(net_hostname_check("a..b", "name", NULL) < 0);
	CHECK(net_hostname_check("a.", "name", NULL) < 0);
	CHECK(net_hostname_check("a_b", "name", NULL) < 0);
	CHECK(net_hostname_check("a\nserver=1.2.3.4", "name", &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "is not a valid host name");
}

static const struct net_fw_subnet nat_subnets[2] = {
	{.net = {.family = AF_INET, .b = {192, 168, 122, 1}}, .prefix = 24},
	{.net = {.family = AF_INET6, .b = {0xfd, 0, 0, 0x7a}}, .prefix = 64},
};

static void fw_nat_script(void)
{
	struct net_fw_forward fwd = {
		.proto = IPPROTO_TCP, .start = 2222, .end = 2222, .to = 22};
	struct net_fw_network n = {.bridge = "virbr0",
				   .mode = NET_FW_NAT,
				   .dev = "eth0",
				   .subnets = nat_subnets,
				   .n_subnets = 2,
				   .forwards = &fwd,
				   .n_forwards = 1};
	_cleanup_free_ char *s = NULL;

	fwd.guest = ip("192.168.122.10");
	s = net_fw_script(&n, NULL);
	CHECK_STR_EQ(
		s,
		"add table inet nido-virbr0\n"
		"delete table inet nido-virbr0\n"
		"table inet nido-virbr0 {\n"
		"\tchain guest_forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\tiifname \"virbr0\" oifname \"virbr0\" accept\n"
		"\t\tiifname \"virbr0\" oifname \"eth0\" ip saddr "
		"192.168.122.0/24 accept\n"
		"\t\toifname \"virbr0\" iifname \"eth0\" ip daddr "
		"192.168.122.0/24 ct state established,related accept\n"
		"\t\tiifname \"virbr0\" oifname \"eth0\" ip6 saddr "
		"fd00:7a::/64 accept\n"
		"\t\toifname \"virbr0\" iifname \"eth0\" ip6 daddr "
		"fd00:7a::/64 accept\n"
		"\t\toifname \"virbr0\" ip daddr 192.168.122.10 tcp dport 22 "
		"ct status dnat accept\n"
		"\t\tiifname \"virbr0\" reject\n"
		"\t\toifname \"virbr0\" reject\n"
		"\t}\n"
		"\tchain guest_nat {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy "
		"accept;\n"
		"\t\tip saddr 192.168.122.0/24 ip daddr { 224.0.0.0/24, "
		"255.255.255.255 } return\n"
		"\t\tip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 "
		"oifname \"eth0\" meta l4proto { tcp, udp } masquerade to "
		":1024-65535\n"
		"\t\tip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 "
		"oifname \"eth0\" masquerade\n"
		"\t}\n"
		"\tchain guest_dnat {\n"
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		"\t\tiifname != \"virbr0\" meta nfproto ipv4 tcp dport 2222 "
		"dnat ip to 192.168.122.10:22\n"
		"\t}\n"
		"}\n");
}

static void fw_nat_address_range_and_ipv6(void)
{
	struct net_fw_network n = {.bridge = "virbr1",
				   .mode = NET_FW_NAT,
				   .subnets = nat_subnets,
				   .n_subnets = 2,
				   .port_start = 2000,
				   .port_end = 3000,
				   .nat_ipv6 = true};
	_cleanup_free_ char *s = NULL;

	n.nat_start = ip("10.0.0.1");
	n.nat_end = ip("10.0.0.4");
	s = net_fw_script(&n, NULL);
	CHECK_STR_CONTAINS(s, "meta l4proto { tcp, udp } snat ip to "
			      "10.0.0.1-10.0.0.4:2000-3000\n");
	CHECK_STR_CONTAINS(s, "ip daddr != 192.168.122.0/24 snat ip to "
			      "10.0.0.1-10.0.0.4\n");
	/* IPv6 translated too (<nat ipv6='yes'>), by masquerade: the
	 * address range is IPv4's. Replies only, as for IPv4. */
	CHECK_STR_CONTAINS(s, "ip6 saddr fd00:7a::/64 ip6 daddr != "
			      "fd00:7a::/64 masquerade\n");
	CHECK_STR_CONTAINS(s, "ip6 daddr fd00:7a::/64 ct state "
			      "established,related accept\n");
}

static void fw_route_isolated_open(void)
{
	struct net_fw_network n = {.bridge = "virbr2",
				   .mode = NET_FW_ROUTE,
				   .subnets = nat_subnets,
				   .n_subnets = 1};
	_cleanup_free_ char *r = net_fw_script(&n, NULL);
	_cleanup_free_ char *i = NULL, *o = NULL, *rm = NULL;

	CHECK_STR_CONTAINS(r, "oifname \"virbr2\" ip daddr 192.168.122.0/24 "
			      "accept\n");
	CHECK(!strstr(r, "guest_nat") && !strstr(r, "established"));
	n.mode = NET_FW_ISOLATED;
	i = net_fw_script(&n, NULL);
	CHECK(!strstr(i, "saddr") && !strstr(i, "daddr"));
	CHECK_STR_CONTAINS(i, "iifname \"virbr2\" oifname \"virbr2\" accept\n"
			      "\t\tiifname \"virbr2\" reject\n"
			      "\t\toifname \"virbr2\" reject\n");
	n.mode = NET_FW_OPEN;
	o = net_fw_script(&n, NULL);
	CHECK_STR_EQ(o, "add table inet nido-virbr2\n"
			"delete table inet nido-virbr2\n");
	rm = net_fw_remove_script("virbr2", NULL);
	CHECK_STR_EQ(rm, o);
}

static void fw_refuses_bad_data(void)
{
	struct net_fw_forward fwd = {
		.proto = IPPROTO_TCP, .start = 80, .end = 90, .to = 8080};
	struct net_fw_network n = {.bridge = "vb\";flush",
				   .mode = NET_FW_NAT,
				   .subnets = nat_subnets,
				   .n_subnets = 1};
	_cleanup_err_ struct err *e = NULL;

	CHECK(!net_fw_script(&n, &e));
	CHECK_STR_CONTAINS(err_msg(e), "invalid character");
	n.bridge = "virbr0";
	n.dev = "eth0 accept";
	CHECK(!net_fw_script(&n, &e));
	n.dev = NULL;
	n.forwards = &fwd;
	n.n_forwards = 1;
	fwd.guest = ip("192.168.122.10");
	CHECK(!net_fw_script(&n, &e));
	CHECK_STR_CONTAINS(err_msg(e), "a range keeps its port numbers");
	fwd.to = 80;
	fwd.guest = ip("10.1.1.1");
	CHECK(!net_fw_script(&n, &e));
	CHECK_STR_CONTAINS(err_msg(e), "guest address 10.1.1.1 is not in");
	fwd.guest = ip("192.168.122.10");
	n.mode = NET_FW_ROUTE;
	CHECK(!net_fw_script(&n, &e));
	CHECK_STR_CONTAINS(err_msg(e), "needs a NAT network");
	n.mode = NET_FW_NAT;
	fwd.proto = IPPROTO_ICMP;
	CHECK(!net_fw_script(&n, &e));
	fwd.proto = IPPROTO_UDP;
	n.nat_start = ip("10.0.0.9");
	n.nat_end = ip("10.0.0.1");
	CHECK(!net_fw_script(&n, &e));
	CHECK_STR_CONTAINS(err_msg(e), "bad range");
	CHECK(!net_fw_remove_script("a b", NULL));
}

/* A Docker host's ruleset (iptables-nft), as `nft -j list ruleset`. */
static const char docker_json[] =
	"{\"nftables\": [{\"metainfo\": {\"json_schema_version\": 1}},"
	"{\"table\": {\"family\": \"ip\", \"name\": \"filter\", \"handle\": "
	"1}},"
	"{\"chain\": {\"family\": \"ip\", \"table\": \"filter\", "
	"\"name\": \"DOCKER-USER\", \"handle\": 1}},"
	"{\"chain\": {\"family\": \"ip\", \"table\": \"filter\", "
	"\"name\": \"FORWARD\", \"handle\": 2, \"type\": \"filter\", "
	"\"hook\": \"forward\", \"prio\": 0, \"policy\": \"drop\"}},"
	"{\"rule\": {\"family\": \"ip\", \"table\": \"filter\", "
	"\"chain\": \"DOCKER-USER\", \"handle\": 5, \"comment\": "
	"\"nido:br0\"}},"
	"{\"rule\": {\"family\": \"ip\", \"table\": \"filter\", "
	"\"chain\": \"DOCKER-USER\", \"handle\": 6, \"comment\": "
	"\"nido:br1\"}},"
	"{\"rule\": {\"family\": \"ip\", \"table\": \"filter\", "
	"\"chain\": \"DOCKER-USER\", \"handle\": 7, \"comment\": \"mine\"}},"
	"{\"rule\": {\"family\": \"ip\", \"table\": \"filter\", "
	"\"chain\": \"X; flush ruleset\", \"handle\": 8, \"comment\": "
	"\"nido:br0\"}},"
	"{\"rule\": {\"family\": \"ip\", \"table\": \"other\", "
	"\"chain\": \"FORWARD\", \"handle\": 9, \"comment\": \"nido:br0\"}},"
	"{\"table\": {\"family\": \"ip6\", \"name\": \"filter\", \"handle\": "
	"2}},"
	"{\"chain\": {\"family\": \"ip6\", \"table\": \"filter\", "
	"\"name\": \"FORWARD\", \"handle\": 1, \"type\": \"filter\", "
	"\"hook\": \"forward\", \"prio\": 0, \"policy\": \"drop\"}}"
	"]}";

static void fw_coexists_with_docker(void)
{
	char *s = NULL;

	CHECK_INT_EQ(net_fw_coexist_script(docker_json, "br0", true, &s, NULL),
		     0);
	CHECK_STR_EQ(s, "delete rule ip filter DOCKER-USER handle 5\n"
			"insert rule ip filter DOCKER-USER iifname \"br0\" "
			"counter accept comment \"nido:br0\"\n"
			"insert rule ip filter DOCKER-USER oifname \"br0\" "
			"counter accept comment \"nido:br0\"\n"
			"insert rule ip6 filter FORWARD iifname \"br0\" "
			"counter accept comment \"nido:br0\"\n"
			"insert rule ip6 filter FORWARD oifname \"br0\" "
			"counter accept comment \"nido:br0\"\n");
	free(s);
	CHECK_INT_EQ(net_fw_coexist_script(docker_json, "br1", false, &s, NULL),
		     0);
	CHECK_STR_EQ(s, "delete rule ip filter DOCKER-USER handle 6\n");
	free(s);
	CHECK_INT_EQ(net_fw_coexist_script(docker_json, NULL, false, &s, NULL),
		     0);
	CHECK_STR_EQ(s, "delete rule ip filter DOCKER-USER handle 5\n"
			"delete rule ip filter DOCKER-USER handle 6\n");
	free(s);
	/* No iptables tables: nothing to do. */
	CHECK_INT_EQ(net_fw_coexist_script("{\"nftables\": []}", "br0", true,
					   &s, NULL),
		     0);
	CHECK_STR_EQ(s, "");
	free(s);
	CHECK(net_fw_coexist_script("[", "br0", true, &s, NULL) < 0);
	CHECK(net_fw_coexist_script(docker_json, "br 0", true, &s, NULL) < 0);
}

/* libvirt's default network as dnsmasq gets it. */
static void dnsmasq_default_network(void)
{
	struct net_dhcp_range range = {ip("192.168.122.2"),
				       ip("192.168.122.254")};
	struct net_dnsmasq_ip v4 = {.addr = ip("192.168.122.1"),
				    .prefix = 24,
				    .ranges = &range,
				    .n_ranges = 1};
	struct net_dnsmasq_conf c = {
		.bridge = "virbr0",
		.ips = &v4,
		.n_ips = 1,
		.lease_file = "/run/nido/net/default.leases",
		.dhcp_hosts_file = "/run/nido/net/default.hosts",
		.dns_hosts_file = "/run/nido/net/default.addnhosts",
		.pid_file = "/run/nido/net/default.pid",
		.user = "dnsmasq"};
	_cleanup_free_ char *s = net_dnsmasq_conf(&c, NULL);

	CHECK_STR_EQ(s,
		     "# Written by nidod for bridge virbr0: changes are lost.\n"
		     "strict-order\n"
		     "keep-in-foreground\n"
		     "pid-file=/run/nido/net/default.pid\n"
		     "user=dnsmasq\n"
		     "except-interface=lo\n"
		     "bind-dynamic\n"
		     "interface=virbr0\n"
		     "addn-hosts=/run/nido/net/default.addnhosts\n"
		     "dhcp-range=192.168.122.2,192.168.122.254,255.255.255.0\n"
		     "dhcp-no-override\n"
		     "dhcp-authoritative\n"
		     "dhcp-lease-max=253\n"
		     "dhcp-leasefile=/run/nido/net/default.leases\n"
		     "dhcp-hostsfile=/run/nido/net/default.hosts\n");
}

/*
 * An isolated network (libvirt's isolated-network.conf): no router by
 * DHCP, advertisements saying "not a default router", no upstream DNS;
 * an IPv6 subnet without DHCP is ra-only and needs no enable-ra.
 */
static void dnsmasq_isolated_and_ra_only(void)
{
	struct net_dnsmasq_ip ips[2] = {
		{.addr = ip("192.168.152.1"), .prefix = 24},
		{.addr = ip("fd00:152::1"), .prefix = 64}};
	struct net_dnsmasq_conf c = {.bridge = "virbr2",
				     .isolated = true,
				     .ips = ips,
				     .n_ips = 2,
				     .lease_file = "/l",
				     .dhcp_hosts_file = "/h",
				     .dns_hosts_file = "/d"};
	_cleanup_free_ char *s = net_dnsmasq_conf(&c, NULL);

	CHECK_STR_CONTAINS(s, "no-resolv\naddn-hosts=/d\n"
			      "dhcp-option=3\nra-param=*,0,0\n"
			      "dhcp-range=fd00:152::,ra-only,64\n");
	CHECK(!strstr(s, "enable-ra"));
	c.isolated = false;
	free(s);
	s = net_dnsmasq_conf(&c, NULL);
	CHECK(!strstr(s, "dhcp-option=3") && !strstr(s, "ra-param") &&
	      !strstr(s, "no-resolv"));
}

static void dnsmasq_ipv6_dns_and_hosts(void)
{
	struct net_dhcp_range r6 = {ip("fd00::10"), ip("fd00::ff")};
	struct net_dhcp_host h4[2] = {
		{.has_mac = true,
		 .mac = {0x52, 0x54, 0, 0, 0, 0x42},
		 .name = "web",
		 .ip = ip("192.168.9.5")},
		{.has_mac = true, .mac = {0x52, 0x54, 0, 0, 0, 0x43}}};
	struct net_dhcp_host h6[2] = {
		{.id = "0:3:0:1:0:16:3e:11:22:33", .ip = ip("fd00::20")},
		{.name = "paul", .ip = ip("fd00::21")}};
	struct net_dnsmasq_ip ips[3] = {{.addr = ip("192.168.9.1"),
					 .prefix = 24,
					 .hosts = h4,
					 .n_hosts = 2},
					{.addr = ip("fd00::1"),
					 .prefix = 64,
					 .ranges = &r6,
					 .n_ranges = 1,
					 .hosts = h6,
					 .n_hosts = 2},
					{.addr = ip("fd01::1"), .prefix = 64}};
	struct net_dns_forwarder fw[2] = {
		{.addr = ip("8.8.8.8")},
		{.domain = "corp.example", .addr = ip("10.0.0.53")}};
	const char *names[2] = {"printer", "printer.lab"};
	struct net_dns_host dh = {ip("192.168.9.99"), names, 2};
	struct net_dnsmasq_conf c = {.bridge = "virbr9",
				     .domain = "lab.example",
				     .domain_local = true,
				     .ips = ips,
				     .n_ips = 3,
				     .forwarders = fw,
				     .n_forwarders = 2,
				     .lease_file = "/l",
				     .dhcp_hosts_file = "/h",
				     .dns_hosts_file = "/d"};
	_cleanup_free_ char *s = net_dnsmasq_conf(&c, NULL);
	_cleanup_free_ char *hosts = net_dnsmasq_dhcp_hosts(&c, NULL);
	_cleanup_free_ char *dns = net_dnsmasq_dns_hosts(&dh, 1, NULL);

	CHECK_STR_CONTAINS(s, "domain=lab.example\nlocal=/lab.example/\n"
			      "expand-hosts\n");
	CHECK_STR_CONTAINS(s, "server=8.8.8.8\nserver=/corp.example/10.0.0.53\n"
			      "no-resolv\n");
	CHECK_STR_CONTAINS(s, "dhcp-range=fd00::10,fd00::ff,64\n");
	CHECK_STR_CONTAINS(s, "dhcp-range=fd01::,ra-only,64\n");
	/* Hosts and no range: dnsmasq answers them only with this. */
	CHECK_STR_CONTAINS(s, "dhcp-range=192.168.9.0,static\n");
	CHECK_STR_CONTAINS(s, "enable-ra\n");
	/* 240 addresses of the range and four static hosts. */
	CHECK_STR_CONTAINS(s, "dhcp-lease-max=244\n");
	CHECK(!strstr(s, "pid-file") && !strstr(s, "user="));
	CHECK_STR_EQ(hosts, "52:54:00:00:00:42,192.168.9.5,web\n"
			    "52:54:00:00:00:43\n"
			    "id:0:3:0:1:0:16:3e:11:22:33,[fd00::20]\n"
			    "[fd00::21],paul\n");
	CHECK_STR_EQ(dns, "192.168.9.99 printer printer.lab\n");
}

static void dnsmasq_refuses_what_could_add_lines(void)
{
	struct net_dnsmasq_conf c = {.bridge = "virbr0",
				     .lease_file = "/l\ndhcp-script=/x",
				     .dhcp_hosts_file = "/h",
				     .dns_hosts_file = "/d"};
	struct net_dhcp_host h = {.has_mac = true, .name = "a,b"};
	struct net_dnsmasq_ip v4 = {
		.addr = ip("10.0.0.1"), .prefix = 8, .hosts = &h, .n_hosts = 1};
	const char *bad[1] = {"x\nserver=1.1.1.1"};
	struct net_dns_host dh = {ip("10.0.0.2"), bad, 1};
	_cleanup_err_ struct err *e = NULL;

	CHECK(!net_dnsmasq_conf(&c, &e));
	CHECK_STR_CONTAINS(err_msg(e), "lease file");
	c.lease_file = "relative";
	CHECK(!net_dnsmasq_conf(&c, &e));
	c.lease_file = "/l";
	c.domain = "a b";
	CHECK(!net_dnsmasq_conf(&c, &e));
	c.domain = NULL;
	c.bridge = "br\n0";
	CHECK(!net_dnsmasq_conf(&c, &e));
	c.bridge = "virbr0";
	c.ips = &v4;
	c.n_ips = 1;
	CHECK(!net_dnsmasq_dhcp_hosts(&c, &e));
	CHECK_STR_CONTAINS(err_msg(e), "DHCP host name 'a,b'");
	h.name = NULL;
	h.has_mac = false;
	h.id = "zz:1";
	CHECK(!net_dnsmasq_dhcp_hosts(&c, &e));
	CHECK(!net_dnsmasq_dns_hosts(&dh, 1, &e));
}

/* An IPv6 <ip> with hosts only; forwardPlainNames='no'; huge ranges. */
static void dnsmasq_static_plain_names_lease_max(void)
{
	struct net_dhcp_host h6 = {.name = "paul", .ip = ip("fd00::21")};
	struct net_dhcp_range big[3] = {
		{ip("fd01::1"), ip("fd01::ffff:ffff")},
		{ip("fd01::1:0:0"), ip("fd01::f:0:0")},
		{ip("fd01::10:0:0"), ip("fd01::ff:0:0")}};
	struct net_dnsmasq_ip ips[2] = {{.addr = ip("fd00::1"),
					 .prefix = 64,
					 .hosts = &h6,
					 .n_hosts = 1},
					{.addr = ip("fd01::"),
					 .prefix = 64,
					 .ranges = big,
					 .n_ranges = 3}};
	struct net_dnsmasq_conf c = {.bridge = "virbr9",
				     .no_forward_plain = true,
				     .ips = ips,
				     .n_ips = 1,
				     .lease_file = "/l",
				     .dhcp_hosts_file = "/h",
				     .dns_hosts_file = "/d"};
	_cleanup_free_ char *s = net_dnsmasq_conf(&c, NULL);
	_cleanup_free_ char *s2 = NULL;

	CHECK_STR_CONTAINS(s, "dhcp-range=fd00::,static,64\n");
	CHECK(!strstr(s, "ra-only"));
	CHECK_STR_CONTAINS(s, "dhcp-lease-max=1\n");
	CHECK_STR_CONTAINS(s, "domain-needed\nlocal=//\n");
	c.no_forward_plain = false;
	c.ips = &ips[1];
	s2 = net_dnsmasq_conf(&c, NULL);
	CHECK(!strstr(s2, "domain-needed") && !strstr(s2, "local=//"));
	/* 3 * 2^31 addresses: capped at what the lease parser reads. */
	CHECK_STR_CONTAINS(s2, "dhcp-lease-max=65536\n");
}

/* Names dnsmasq would read as something else in a dhcp-hostsfile line. */
static void dnsmasq_refuses_option_like_host_names(void)
{
	static const char *const bad[] = {"ignore",   "Infinite", "deprecated",
					  "12h",      "600",	  "5w",
					  "10.9.9.9", "host.123", "9M"};
	static const char *const good[] = {"web", "h12", "12hx", "x1.a2b",
					   "ignored"};
	struct net_dhcp_host h = {.has_mac = true,
				  .mac = {0x52, 0x54, 0, 0, 0, 1},
				  .ip = ip("10.0.0.5")};
	struct net_dnsmasq_ip v4 = {
		.addr = ip("10.0.0.1"), .prefix = 8, .hosts = &h, .n_hosts = 1};
	struct net_dnsmasq_conf c = {.bridge = "virbr0",
				     .ips = &v4,
				     .n_ips = 1,
				     .lease_file = "/l",
				     .dhcp_hosts_file = "/h",
				     .dns_hosts_file = "/d"};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_err_ struct err *e = NULL;
		char *t;

		h.name = bad[i];
		t = net_dnsmasq_dhcp_hosts(&c, &e);
		if (t) {
			TEST_FAIL("host name '%s' written: %s", bad[i], t);
			free(t);
			continue;
		}
		CHECK_STR_CONTAINS(err_msg(e), bad[i]);
		CHECK_STR_CONTAINS(err_msg(e), "read by dnsmasq as an option");
	}
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		_cleanup_free_ char *t = NULL;

		h.name = good[i];
		t = net_dnsmasq_dhcp_hosts(&c, NULL);
		if (!t)
			TEST_FAIL("host name '%s' refused", good[i]);
	}
}

static void leases_parse(void)
{
	const char *text =
		"1796261535 52:54:00:00:00:42 192.168.70.5 fixed "
		"01:52:54:00:00:00:42\n"
		"0 52:54:00:00:00:77 192.168.70.10 * *\n"
		"1796261500 52:54:00:00:00:78 192.168.70.11 evil;name *\n"
		"duid 00:01:00:01:2c:4f:1a:2b:52:54:00:0a:cd:21\n"
		"1796261600 1234567 fd00:70::20 paul "
		"00:03:00:01:52:54:00:00:00:42\n";
	struct net_lease *l = NULL;
	size_t n = 0, skipped = 9;
	char a[NET_IP_STRLEN], m[NET_MAC_STRLEN];

	CHECK_INT_EQ(
		net_leases_parse(text, strlen(text), &l, &n, &skipped, NULL),
		0);
	CHECK_INT_EQ(n, 4);
	CHECK_INT_EQ(skipped, 0);
	CHECK_INT_EQ(l[0].expiry, 1796261535);
	CHECK(l[0].has_mac);
	CHECK_STR_EQ(net_mac_str(l[0].mac, m), "52:54:00:00:00:42");
	CHECK_STR_EQ(net_ip_str(&l[0].ip, a), "192.168.70.5");
	CHECK_STR_EQ(l[0].hostname, "fixed");
	CHECK_STR_EQ(l[0].client_id, "01:52:54:00:00:00:42");
	CHECK_INT_EQ(l[1].expiry, 0);
	CHECK(!l[1].hostname && !l[1].client_id);
	CHECK(!l[2].hostname); /* not a host name: dropped */
	CHECK(!l[3].has_mac);
	CHECK_INT_EQ(l[3].iaid, 1234567);
	CHECK_STR_EQ(net_ip_str(&l[3].ip, a), "fd00:70::20");
	CHECK_STR_EQ(l[3].hostname, "paul");
	net_leases_free(l, n);
	CHECK_INT_EQ(net_leases_parse("", 0, &l, &n, NULL, NULL), 0);
	CHECK_INT_EQ(n, 0);
	net_leases_free(l, n);
}

/*
 * What a guest can make dnsmasq write: a multicast or short hardware
 * address (no "TYPE-" before an Ethernet one), another hardware type, an
 * IA_TA's "T" IAID. Read as they are.
 */
static void leases_keep_what_clients_send(void)
{
	const char *text = "100 53:54:00:00:00:01 10.0.0.2 a *\n"
			   "101 52:54:00 10.0.0.3 b *\n"
			   "102 06-00:11:22:33:44:55:66:77 10.0.0.4 c *\n"
			   "103 20- 10.0.0.5 * *\n"
			   "duid 00:01\n"
			   "104 T77 fd00::5 * 00:03\n";
	struct net_lease *l = NULL;
	size_t n = 0, skipped = 9;

	CHECK_INT_EQ(
		net_leases_parse(text, strlen(text), &l, &n, &skipped, NULL),
		0);
	CHECK_INT_EQ(n, 5);
	CHECK_INT_EQ(skipped, 0);
	if (n != 5) {
		net_leases_free(l, n);
		return;
	}
	CHECK(l[0].has_mac && l[0].mac[0] == 0x53 && l[0].hwtype == 1);
	CHECK(!l[1].has_mac && l[1].hwaddr_len == 3 && l[1].hwtype == 1);
	CHECK(!l[2].has_mac && l[2].hwtype == 6 && l[2].hwaddr_len == 8 &&
	      l[2].hwaddr[7] == 0x77);
	CHECK(l[3].hwtype == 0x20 && l[3].hwaddr_len == 0);
	CHECK(l[4].temporary && l[4].iaid == 77);
	net_leases_free(l, n);
}

/* A line that does not parse hides that lease only; it is counted. */
static void leases_skip_bad_lines(void)
{
	static const char *const bad[] = {
		"x 52:54:00:00:00:01 10.0.0.2 a *",
		"-5 52:54:00:00:00:01 10.0.0.2 a *",
		"1 zz 10.0.0.3 b *",
		"1 52:54:00:00:00:01 fd00::1 a *",
		"1 52:54:00:00:00:01:02:03:04:05:06:07:08:09:0a:0b:0c 10.0.0.2 "
		"a *",
		"1 52:54: 10.0.0.2 a *",
		"1 123-52:54 10.0.0.2 a *",
		"1 52:54:00:00:00:01 10.0.0.2 a * extra",
		"1 52:54:00:00:00:01 10.0.0.2",
	};
	const char *good = "7 52:54:00:00:00:09 10.0.0.9 good *\n";
	const char *v6bad = "duid 00:01\n1 99999999999 fd00::1 a *\n"
			    "1 T-1 fd00::2 a *\n2 5 fd00::3 b *\n";
	struct net_lease *l = NULL;
	size_t n = 0, skipped = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *t = xasprintf("%s%s\n", good, bad[i]);

		CHECK_INT_EQ(
			net_leases_parse(t, strlen(t), &l, &n, &skipped, NULL),
			0);
		if (n != 1 || skipped != 1)
			TEST_FAIL("line not skipped: %s", bad[i]);
		else
			CHECK_STR_EQ(l[0].hostname, "good");
		net_leases_free(l, n);
	}
	CHECK_INT_EQ(
		net_leases_parse(v6bad, strlen(v6bad), &l, &n, &skipped, NULL),
		0);
	CHECK_INT_EQ(n, 1);
	CHECK_INT_EQ(skipped, 2);
	net_leases_free(l, n);
	CHECK(net_leases_parse("1 a\0b", 5, &l, &n, NULL, NULL) < 0);
}

int main(void)
{
	RUN(addresses_parse_and_format);
	RUN(subnets_contain_and_overlap);
	RUN(macs_and_names);
	RUN(fw_nat_script);
	RUN(fw_nat_address_range_and_ipv6);
	RUN(fw_route_isolated_open);
	RUN(fw_refuses_bad_data);
	RUN(fw_coexists_with_docker);
	RUN(dnsmasq_default_network);
	RUN(dnsmasq_ipv6_dns_and_hosts);
	RUN(dnsmasq_isolated_and_ra_only);
	RUN(dnsmasq_refuses_what_could_add_lines);
	RUN(dnsmasq_static_plain_names_lease_max);
	RUN(dnsmasq_refuses_option_like_host_names);
	RUN(leases_parse);
	RUN(leases_keep_what_clients_send);
	RUN(leases_skip_bad_lines);
	return test_done();
}
