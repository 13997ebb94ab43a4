// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Network XML (daemon/network_conf.h) against files in the shapes of
 * libvirt's own networkxml2xml tests and of libvirt's default network:
 * each parses with its meaning kept, formats as libvirt formats it, and
 * formats the same after a second round; bad definitions are refused
 * naming the element and the problem; unknown parts are warned about by
 * name.
 */
#include <netinet/in.h>

#include "daemon/network_conf.h"
#include "daemon/network_conf_net.h"
#include "lib/file.h"
#include "test.h"

#ifndef NETWORK_XML_DIR
#error NETWORK_XML_DIR must name tests/unit/daemon/network-xml
#endif

static char *read_xml(const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", NETWORK_XML_DIR, name);
	char *text = NULL;

	if (file_read_all(path, 1 << 20, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

/* Parses @xml; NULL (and a diagnostic) when it fails. */
static struct network_def *parse_ok(const char *xml, struct xml_warnings *w)
{
	struct network_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	if (network_def_parse(xml, strlen(xml), &d, w, &e) < 0) {
		printf("# parse failed: %s\n", err_msg(e));
		return NULL;
	}
	return d;
}

/* The error of parsing @xml, or NULL when it parses. */
static char *parse_err(const char *xml)
{
	struct network_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	if (network_def_parse(xml, strlen(xml), &d, NULL, &e) == 0) {
		network_def_free(d);
		return NULL;
	}
	return xstrdup(err_msg(e));
}

/* Format, parse, format: the same text both times. */
static bool stable(const struct network_def *d)
{
	_cleanup_free_ char *a = network_def_format(d);
	_cleanup_free_ char *b = NULL;
	struct network_def *again = parse_ok(a, NULL);

	if (!again)
		return false;
	b = network_def_format(again);
	network_def_free(again);
	if (strcmp(a, b)) {
		printf("# first:\n%s# second:\n%s", a, b);
		return false;
	}
	return true;
}

static void ip_is(const struct net_ip *ip, const char *want, bool *ok)
{
	char buf[NET_IP_STRLEN];

	if (!streq(net_ip_str(ip, buf), want)) {
		printf("# address %s, expected %s\n", buf, want);
		*ok = false;
	}
}

static void default_network_formats_as_libvirt(void)
{
	_cleanup_free_ char *xml = read_xml("default.xml");
	_cleanup_free_ char *out = NULL;
	struct network_def *d = parse_ok(xml, NULL);
	bool ok = true;

	CHECK(d);
	CHECK_STR_EQ(d->name, "default");
	CHECK_INT_EQ(d->forward, NETWORK_FORWARD_NAT);
	CHECK_STR_EQ(d->bridge, "virbr0");
	CHECK(d->stp);
	CHECK_INT_EQ(d->delay, 0);
	CHECK_INT_EQ(d->nat.port_start, 1024);
	CHECK_INT_EQ(d->nat.port_end, 65535);
	CHECK_INT_EQ(d->n_ips, 1);
	CHECK_INT_EQ(d->ips[0].prefix, 24);
	ip_is(&d->ips[0].address, "192.168.122.1", &ok);
	CHECK_INT_EQ(d->ips[0].n_ranges, 1);
	ip_is(&d->ips[0].ranges[0].start, "192.168.122.2", &ok);
	ip_is(&d->ips[0].ranges[0].end, "192.168.122.254", &ok);
	CHECK(ok);
	out = network_def_format(d);
	CHECK_STR_EQ(out, xml);
	network_def_free(d);
}

/* libvirt's nat-network test: its input, and its output as expected. */
static void nat_network_round_trip(void)
{
	_cleanup_free_ char *in = read_xml("nat-network.xml");
	_cleanup_free_ char *want = read_xml("nat-network.out.xml");
	_cleanup_free_ char *out = NULL;
	struct network_def *d = parse_ok(in, NULL);

	CHECK(d);
	CHECK_STR_EQ(d->forward_dev, "eth1");
	CHECK_INT_EQ(d->n_ips, 5);
	CHECK_INT_EQ(d->ips[4].prefix, 8); /* 10.24.10.1, classful */
	CHECK_INT_EQ(d->ips[0].n_hosts, 2);
	CHECK_STR_EQ(d->ips[0].hosts[1].name, "b.example.com");
	out = network_def_format(d);
	CHECK_STR_EQ(out, want);
	CHECK(stable(d));
	network_def_free(d);
}

static void dhcp6_hosts_by_id_and_name(void)
{
	_cleanup_free_ char *xml = read_xml("dhcp6-nat-network.xml");
	struct network_def *d = parse_ok(xml, NULL);
	const struct network_ip *ip6;

	CHECK(d);
	CHECK_INT_EQ(d->n_ips, 2);
	ip6 = &d->ips[1];
	CHECK_INT_EQ(ip6->address.family, AF_INET6);
	CHECK_INT_EQ(ip6->n_hosts, 3);
	CHECK_STR_EQ(ip6->hosts[0].id,
		     "0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63");
	CHECK(!ip6->hosts[1].id && !ip6->hosts[1].has_mac);
	CHECK_STR_EQ(ip6->hosts[1].name, "paul");
	CHECK(stable(d));
	network_def_free(d);
}

/*
 * Every file: parses without warnings (but those saying what is not
 * applied yet) and is stable.
 */
static void every_file_is_stable(void)
{
	static const char *const files[] = {
		"default.xml",
		"nat-network.xml",
		"dhcp6-nat-network.xml",
		"isolated-network.xml",
		"routed-network.xml",
		"open-network.xml",
		"host-bridge-net.xml",
		"openvswitch-net.xml",
		"nat-network-dns-hosts.xml",
		"nat-network-dns-forwarders.xml",
		"nat-network-forward-nat-ipv6.xml",
		"nat-network-address-ports.xml",
	};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *xml = read_xml(files[i]);
		struct xml_warnings w = {0};
		struct network_def *d;

		CHECK(xml);
		d = parse_ok(xml, &w);
		if (!d)
			TEST_FAIL("%s does not parse", files[i]);
		CHECK(d);
		for (size_t j = 0; j < w.n; j++)
			if (!strstr(w.msgs[j], "is not applied yet"))
				TEST_FAIL("%s: %s", files[i], w.msgs[j]);
		if (!stable(d))
			TEST_FAIL("%s is not stable", files[i]);
		network_def_free(d);
		xml_warnings_clear(&w);
		if (test_state)
			return;
	}
}

static void modes_and_their_parts(void)
{
	_cleanup_free_ char *iso = read_xml("isolated-network.xml");
	_cleanup_free_ char *rt = read_xml("routed-network.xml");
	_cleanup_free_ char *br = read_xml("host-bridge-net.xml");
	_cleanup_free_ char *ovs = read_xml("openvswitch-net.xml");
	_cleanup_free_ char *out = NULL;
	struct network_def *d;

	CHECK((d = parse_ok(iso, NULL)));
	CHECK_INT_EQ(d->forward, NETWORK_FORWARD_NONE);
	out = network_def_format(d);
	CHECK(!strstr(out, "<forward"));
	CHECK_STR_CONTAINS(out, "<bridge name='virbr2' stp='on' delay='0'/>");
	network_def_free(d);
	free(steal_ptr(out));

	CHECK((d = parse_ok(rt, NULL)));
	CHECK_INT_EQ(d->forward, NETWORK_FORWARD_ROUTE);
	CHECK(d->has_mac && d->mac[5] == 0xbc);
	out = network_def_format(d);
	/* MACs are written lower-case, as libvirt writes them. */
	CHECK_STR_CONTAINS(out, "<mac address='12:34:56:78:9a:bc'/>");
	network_def_free(d);
	free(steal_ptr(out));

	CHECK((d = parse_ok(br, NULL)));
	CHECK_INT_EQ(d->forward, NETWORK_FORWARD_BRIDGE);
	out = network_def_format(d);
	CHECK_STR_CONTAINS(out, "  <bridge name='br0'/>\n");
	network_def_free(d);
	free(steal_ptr(out));

	CHECK((d = parse_ok(ovs, NULL)));
	CHECK(d->virtualport.openvswitch);
	CHECK_INT_EQ(d->n_portgroups, 2);
	CHECK(d->portgroups[0].is_default);
	CHECK(d->portgroups[1].vlan.trunk);
	CHECK_INT_EQ(d->portgroups[1].vlan.n_tags, 3);
	CHECK_INT_EQ(d->portgroups[1].vlan.tags[2].id, 999);
	CHECK_STR_EQ(d->portgroups[1].virtualport.profileid, "alice-profile");
	network_def_free(d);
}

static void nat_ranges_bandwidth_forwards(void)
{
	_cleanup_free_ char *xml = read_xml("nat-network-address-ports.xml");
	_cleanup_free_ char *out = NULL;
	struct network_def *d = parse_ok(xml, NULL);
	bool ok = true;

	CHECK(d);
	ip_is(&d->nat.start, "10.20.30.40", &ok);
	ip_is(&d->nat.end, "10.20.30.44", &ok);
	CHECK(ok);
	CHECK_INT_EQ(d->nat.port_start, 60000);
	CHECK(!d->stp);
	CHECK_INT_EQ(d->delay, 2);
	CHECK_INT_EQ(d->mtu, 9000);
	CHECK_INT_EQ(d->domain_local, NETWORK_TRISTATE_YES);
	CHECK_U64_EQ(d->bandwidth.in.peak, 5000);
	CHECK_U64_EQ(d->bandwidth.out.average, 2000);
	CHECK_INT_EQ(d->n_port_forwards, 2);
	CHECK_INT_EQ(d->port_forwards[0].proto, IPPROTO_TCP);
	CHECK_INT_EQ(d->port_forwards[0].ranges[0].to, 80);
	CHECK_INT_EQ(d->port_forwards[0].ranges[1].end, 5010);
	CHECK_INT_EQ(d->port_forwards[1].proto, IPPROTO_UDP);
	out = network_def_format(d);
	CHECK_STR_EQ(out, xml);
	network_def_free(d);
}

static void dns_hosts_and_forwarders(void)
{
	_cleanup_free_ char *h = read_xml("nat-network-dns-hosts.xml");
	_cleanup_free_ char *f = read_xml("nat-network-dns-forwarders.xml");
	struct network_def *d;
	bool ok = true;

	CHECK((d = parse_ok(h, NULL)));
	CHECK_INT_EQ(d->n_dns_hosts, 3);
	CHECK_INT_EQ(d->dns_hosts[1].n_names, 2);
	CHECK_STR_EQ(d->dns_hosts[1].names[1], "gateway");
	ip_is(&d->dns_hosts[2].ip, "fd8f:1391:3a82:150::c0a8:9603", &ok);
	CHECK(ok);
	CHECK_INT_EQ(d->dns_forward_plain, NETWORK_TRISTATE_NO);
	network_def_free(d);
	CHECK((d = parse_ok(f, NULL)));
	CHECK_INT_EQ(d->n_forwarders, 4);
	CHECK_STR_EQ(d->forwarders[2].domain, "example.com");
	ip_is(&d->forwarders[2].addr, "192.168.1.1", &ok);
	CHECK(ok);
	CHECK(!d->forwarders[3].addr.family);
	network_def_free(d);
}

/* <network> around @body, with a NAT forward and a bridge. */
#define NET(body)                                      \
	"<network><name>n</name><forward mode='nat'/>" \
	"<bridge name='virbr9'/>" body "</network>"
#define IP4(dhcp)                                                       \
	"<ip address='192.168.9.1' netmask='255.255.255.0'><dhcp>" dhcp \
	"</dhcp></ip>"

static void refused(const char *xml, const char *want)
{
	_cleanup_free_ char *msg = parse_err(xml);

	if (!msg)
		TEST_FAIL("accepted: %s", xml);
	else if (!strstr(msg, want))
		TEST_FAIL("error \"%s\" does not contain \"%s\"", msg, want);
}

static void bad_definitions_are_refused(void)
{
	refused("<network><forward mode='nat'/></network>", "missing <name>");
	refused("<network><name>a/b</name></network>", "invalid character");
	refused(NET("<mac address='01:02:03:04:05:06'/>"), "multicast");
	refused(NET("<mac address='52:54:00:zz:00:01'/>"), "not a MAC");
	refused(NET(IP4("<range start='192.168.9.10' end='192.168.10.20'/>")),
		"is not inside 192.168.9.1/24");
	refused(NET(IP4("<range start='192.168.9.50' end='192.168.9.10'/>")),
		"start is after end");
	refused(NET(IP4("<range start='192.168.9.10' end='192.168.9.50'/>"
			"<range start='192.168.9.40' end='192.168.9.60'/>")),
		"DHCP ranges 192.168.9.10-192.168.9.50 and "
		"192.168.9.40-192.168.9.60 overlap");
	refused(NET(IP4("<range start='192.168.9.0' end='192.168.9.9'/>")),
		"network, broadcast or own address");
	refused(NET(IP4("<range start='192.168.9.200' end='192.168.9.255'/>")),
		"network, broadcast or own address");
	refused(NET("<ip address='192.168.9.77' netmask='255.255.255.0'><dhcp>"
		    "<range start='192.168.9.10' end='192.168.9.100'/>"
		    "</dhcp></ip>"),
		"holds the network's own address");
	refused(NET(IP4("<host mac='52:54:00:00:00:01' ip='192.168.9.5'/>"
			"<host mac='52:54:00:00:00:01' ip='192.168.9.6'/>")),
		"two DHCP hosts with MAC 52:54:00:00:00:01");
	refused(NET(IP4("<host mac='52:54:00:00:00:01' ip='192.168.9.5'/>"
			"<host mac='52:54:00:00:00:02' ip='192.168.9.5'/>")),
		"two DHCP hosts with address 192.168.9.5");
	refused(NET(IP4("<host mac='52:54:00:00:00:01' ip='10.0.0.5'/>")),
		"is not a guest address of 192.168.9.1/24");
	refused(NET(IP4("<host mac='52:54:00:00:00:01' name='bad name'/>")),
		"not a valid host name");
	refused(NET(IP4("<host ip='192.168.9.5'/>")),
		"needs mac=, id= or name=");
	refused(NET("<ip address='192.168.9.1' netmask='255.0.255.0'/>"),
		"non-contiguous");
	refused(NET("<ip address='192.168.9.1' prefix='24' "
		    "netmask='255.255.255.0'/>"),
		"netmask= and prefix= together");
	refused(NET("<ip family='ipv6' address='192.168.9.1'/>"),
		"is not an IPv6 address");
	refused(NET("<ip address='192.168.9.1' prefix='33'/>"), "out of range");
	refused(NET("<ip address='192.168.9.1' prefix='24'/>"
		    "<ip address='192.168.9.2' prefix='25'/>"),
		"subnets 192.168.9.2/25 and 192.168.9.1/24 overlap");
	refused("<network><name>n</name><forward "
		"mode='passthrough'/></network>",
		"forward mode 'passthrough' is not supported");
	refused("<network><name>n</name><forward mode='bridge'/></network>",
		"needs the host bridge's <bridge name=>");
	refused("<network><name>n</name><forward mode='bridge'/>"
		"<bridge name='br0'/><ip address='10.0.0.1' prefix='8'/>"
		"</network>",
		"<ip>, <dns>");
	refused(NET("<virtualport type='openvswitch'/>"),
		"needs <forward mode='bridge'/>");
	refused("<network><name>n</name><forward mode='bridge'/>"
		"<bridge name='br0'/><virtualport type='802.1Qbh'/></network>",
		"virtualport type '802.1Qbh' is not supported");
	refused("<network><name>n</name><forward mode='bridge'/>"
		"<bridge name='br0'/><vlan><tag id='5'/></vlan></network>",
		"<vlan> needs an Open vSwitch network");
	refused("<network><name>n</name><forward mode='bridge'/>"
		"<bridge name='br0'/><virtualport type='openvswitch'/>"
		"<vlan><tag id='4096'/></vlan></network>",
		"out of range");
	refused("<network><name>n</name><bridge name='a;b'/></network>",
		"invalid character");
	refused(NET("<bridge name='virbr8'/>"), "more than one <bridge>");
	refused("<network><name>n</name><forward mode='route'><nat/></forward>"
		"</network>",
		"<nat> is only for mode='nat'");
	refused(NET("<portgroup name='a'/><portgroup name='a'/>"),
		"two portgroups named 'a'");
	refused(NET("<portgroup name='a' default='yes'/>"
		    "<portgroup name='b' default='yes'/>"),
		"more than one default portgroup");
	refused(NET(IP4("") "<portForward guest='10.1.1.1'><range start='80'/>"
			    "</portForward>"),
		"guest 10.1.1.1 is not a guest address");
	refused(NET(IP4("") "<portForward guest='192.168.9.5'>"
			    "<range start='80' end='90'/></portForward>"
			    "<portForward guest='192.168.9.6'>"
			    "<range start='85'/></portForward>"),
		"host port 85 is forwarded twice");
	refused(NET(IP4("") "<portForward guest='192.168.9.5'>"
			    "<range start='80' end='90' to='8080'/>"
			    "</portForward>"),
		"a range keeps its port numbers");
	refused("<network><name>n</name><forward mode='route'/>"
		"<ip address='192.168.9.1' prefix='24'/>"
		"<portForward guest='192.168.9.5'><range start='80'/>"
		"</portForward></network>",
		"<portForward> needs <forward mode='nat'>");
	refused(NET("<bandwidth><inbound peak='5'/></bandwidth>"),
		"needs average=");
	refused(NET("<dns><host ip='10.0.0.1'/></dns>"), "needs a <hostname>");
	refused(NET("<domain name='-bad-'/>"), "not a valid host name");
}

static void doctype_and_size_refused(void)
{
	_cleanup_free_ char *big = xmalloc(XML_MAX_DOCUMENT + 2);
	_cleanup_free_ char *msg = NULL;
	struct network_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	refused("<!DOCTYPE network [<!ENTITY a 'x'>]><network><name>&a;</name>"
		"</network>",
		"document type declaration");
	memset(big, ' ', XML_MAX_DOCUMENT + 1);
	big[XML_MAX_DOCUMENT + 1] = 0;
	CHECK(network_def_parse(big, XML_MAX_DOCUMENT + 1, &d, NULL, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "larger than");
	msg = parse_err("<domain><name>x</name></domain>");
	CHECK_STR_CONTAINS(msg, "root element is <domain>, expected <network>");
}

static void unknown_parts_are_warned_by_name(void)
{
	struct xml_warnings w = {0};
	struct network_def *d = parse_ok(
		NET("<route address='10.0.0.0' prefix='8' "
		    "gateway='192.168.9.2'/>"
		    "<ip address='192.168.9.1' prefix='24' localPtr='yes'>"
		    "<tftp root='/srv'/><dhcp>"
		    "<range start='192.168.9.10' end='192.168.9.20'>"
		    "<lease expiry='1' unit='hours'/></range>"
		    "<bootp file='pxe.0'/></dhcp></ip>"
		    "<dns><txt name='t' value='v'/></dns>"),
		&w);
	_cleanup_free_ char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);

	CHECK(d && f);
	for (size_t i = 0; i < w.n; i++)
		fprintf(f, "%s\n", w.msgs[i]);
	fclose(f);
	CHECK_STR_CONTAINS(all, "<network>: unknown element <route> ignored");
	CHECK_STR_CONTAINS(all, "<ip>: unknown attribute 'localPtr' ignored");
	CHECK_STR_CONTAINS(all, "<ip>: unknown element <tftp> ignored");
	CHECK_STR_CONTAINS(all, "<range>: unknown element <lease> ignored");
	CHECK_STR_CONTAINS(all, "<dhcp>: unknown element <bootp> ignored");
	CHECK_STR_CONTAINS(all, "<dns>: unknown element <txt> ignored");
	CHECK_INT_EQ(w.n, 6);
	xml_warnings_clear(&w);
	network_def_free(d);
}

/*
 * Elements in a namespace are another application's (libvirt reads only
 * elements of none): never taken for nido's, warned with their prefix.
 */
static void namespaced_parts_are_not_ours(void)
{
	struct xml_warnings w = {0};
	struct network_def *d = parse_ok(
		"<network xmlns:x='http://example.org/x'><name>n</name>"
		"<x:bridge name='evil0'/><bridge name='virbr9' x:stp='off'/>"
		"<x:options><x:option value='dhcp-script=/bin/sh'/></x:options>"
		"</network>",
		&w);

	CHECK(d);
	CHECK_STR_EQ(d->bridge, "virbr9");
	CHECK(d->stp);
	CHECK_INT_EQ(w.n, 3);
	CHECK_STR_CONTAINS(w.msgs[0], "unknown element <x:bridge> ignored");
	CHECK_STR_CONTAINS(w.msgs[1], "unknown element <x:options> ignored");
	CHECK_STR_CONTAINS(w.msgs[2], "unknown attribute 'x:stp' ignored");
	xml_warnings_clear(&w);
	network_def_free(d);
	/* A second <bridge> in a namespace is not a second <bridge>. */
	d = parse_ok("<network xmlns:x='urn:x'><name>n</name><x:bridge/>"
		     "<x:bridge/><bridge name='virbr9'/></network>",
		     NULL);
	CHECK(d);
	network_def_free(d);
}

/* What libvirt's own test files showed (tests/corpus): refused by name. */
static void corpus_findings_refused(void)
{
	refused("<network><name>n</name><bridge name='virbr1'/>"
		"<forward mode='open' dev='eth0'/></network>",
		"mode='open' with dev='eth0'");
	refused("<network><name>n</name><forward mode='bridge'>"
		"<interface dev='eth10'/></forward></network>",
		"dev='eth10': direct (macvtap) attachment is not supported");
	refused("<network><name>n</name><bridge name='br0'/>"
		"<forward mode='bridge'/><port isolated='yes'/></network>",
		"<port isolated='yes'> (guests kept apart on the bridge) is "
		"not supported");
}

/* libvirt writes ipv6='yes' only: 'no' is the default. */
static void ipv6_no_is_the_default(void)
{
	struct network_def *d =
		parse_ok("<network ipv6='no'><name>n</name></network>", NULL);
	_cleanup_free_ char *text = NULL;

	CHECK(d);
	text = network_def_format(d);
	CHECK_STR_CONTAINS(text, "<network>\n");
	network_def_free(d);
}

/* Kept and formatted back, but not applied yet: said by name; what the
 * guests' ports apply is not. */
static void unapplied_parts_are_warned(void)
{
	struct xml_warnings w = {0};
	struct network_def *d = parse_ok(
		"<network ipv6='yes'><name>n</name><bridge name='virbr9'/>"
		"<bandwidth><inbound average='1000'/></bandwidth>"
		"<portgroup name='web'><bandwidth><outbound average='5'/>"
		"</bandwidth></portgroup></network>",
		&w);
	struct network_def *ovs = NULL;
	_cleanup_free_ char *xml = read_xml("openvswitch-net.xml");
	_cleanup_free_ char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);

	CHECK(d && f);
	ovs = parse_ok(xml, &w);
	CHECK(ovs);
	for (size_t i = 0; i < w.n; i++)
		fprintf(f, "%s\n", w.msgs[i]);
	fclose(f);
	/* ipv6='yes' holds (guests reach each other in both families). */
	CHECK(!strstr(all, "ipv6"));
	CHECK_STR_CONTAINS(all, "the network's <bandwidth> is not applied yet");
	/* a portgroup's bandwidth and the vlans go to the guests' ports */
	CHECK(!strstr(all, "portgroup 'web'"));
	CHECK(!strstr(all, "<vlan>"));
	xml_warnings_clear(&w);
	network_def_free(d);
	network_def_free(ovs);
}

/* Findings of a review: each refused, naming what. */
static void review_refusals(void)
{
	_cleanup_free_ char *many = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&many, &len);
	static const char *const names[] = {"ignore", "infinite", "12h",
					    "600",    "10.9.9.9", "a.42"};

	refused("<network><name>n</name><forward mode='none'/></network>",
		"forward mode 'none' is not a forward mode");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *x = xasprintf(
			NET(IP4("<host mac='52:54:00:00:00:01' name='%s' "
				"ip='192.168.9.5'/>")),
			names[i]);
		_cleanup_free_ char *want =
			xasprintf("DHCP host name '%s' would be read by "
				  "dnsmasq as an option",
				  names[i]);

		refused(x, want);
	}
	refused(NET(IP4("<host name='web'/>")),
		"a host known by name alone needs ip=");
	refused("<network><name>n</name><bridge name='all'/></network>",
		"interface name 'all' is not allowed");
	refused("<network><name>n</name><bridge name='abcdefghijk%d'/>"
		"</network>",
		"template 'abcdefghijk%d' is too long");
	/* 1025 ranges over 5 <portForward>s. */
	CHECK(f);
	fprintf(f, "<network><name>n</name><forward mode='nat'/>"
		   "<ip address='192.168.9.1' prefix='24'/>");
	for (int i = 0; i < 5; i++) {
		fprintf(f, "<portForward proto='%s' guest='192.168.9.%d'>",
			i % 2 ? "udp" : "tcp", 10 + i);
		for (int j = 0; j < 205; j++)
			fprintf(f, "<range start='%d'/>", 1 + i * 210 + j);
		fprintf(f, "</portForward>");
	}
	fprintf(f, "<portForward guest='192.168.9.20'><range start='60000'/>"
		   "</portForward></network>");
	fclose(f);
	refused(many, "1026 <portForward> ranges: at most 1024 per network");
}

/* forwardPlainNames='no' reaches dnsmasq; hosts-only <ip> gets static. */
static void dns_plain_names_and_static_hosts(void)
{
	struct network_def *d =
		parse_ok(NET("<dns forwardPlainNames='no'/>" IP4(
				 "<host mac='52:54:00:00:00:01' name='web' "
				 "ip='192.168.9.5'/>")),
			 NULL);
	struct network_dnsmasq_paths paths = {"/l", "/h", "/d", NULL, NULL};
	struct network_dnsmasq m;
	_cleanup_free_ char *conf = NULL;

	CHECK(d);
	if (!d)
		return;
	CHECK_INT_EQ(network_def_dnsmasq(d, "virbr9", &paths, &m), 0);
	conf = net_dnsmasq_conf(&m.conf, NULL);
	network_dnsmasq_release(&m);
	CHECK_STR_CONTAINS(conf, "domain-needed\nlocal=//\n");
	CHECK_STR_CONTAINS(conf, "dhcp-range=192.168.9.0,static\n");
	network_def_free(d);
}

static void error_kinds(void)
{
	static const struct {
		const char *xml;
		enum err_kind kind;
	} cases[] = {
		{"<network><name>n</name><forward mode='vepa'/></network>",
		 ERR_CONFIG_UNSUPPORTED},
		{"<network><name>n</name><forward mode='bridge'/><bridge "
		 "name='br0'/><virtualport type='802.1Qbg'/></network>",
		 ERR_CONFIG_UNSUPPORTED},
		{"<network><name>n</name><forward mode='bridge' dev='eth0'/>"
		 "<bridge name='br0'/></network>",
		 ERR_CONFIG_UNSUPPORTED},
		{"<network><name>n</name>", ERR_XML_ERROR},
		{"<network><name>n</name><mac address='x'/></network>",
		 ERR_XML_ERROR},
		{NET(IP4("<range start='192.168.9.10' end='192.168.10.20'/>")),
		 ERR_XML_ERROR},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct network_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK(network_def_parse(cases[i].xml, strlen(cases[i].xml), &d,
					NULL, &e) < 0);
		if (err_kind(e) != cases[i].kind)
			TEST_FAIL("%s: kind %d, expected %d (%s)", cases[i].xml,
				  err_kind(e), cases[i].kind, err_msg(e));
	}
}

static void missing_uuid_is_generated(void)
{
	struct network_def *d = parse_ok(NET(""), NULL);

	CHECK(d);
	CHECK(d->uuid_generated);
	CHECK(!uuid_is_nil(&d->uuid));
	network_def_free(d);
}

/* From a definition to src/net's firewall and dnsmasq configuration. */
static void conversions_to_src_net(void)
{
	_cleanup_free_ char *xml = read_xml("nat-network-address-ports.xml");
	_cleanup_free_ char *br = read_xml("host-bridge-net.xml");
	_cleanup_free_ char *script = NULL, *conf = NULL;
	struct network_def *d = parse_ok(xml, NULL), *b = parse_ok(br, NULL);
	struct network_dnsmasq_paths paths = {"/l", "/h", "/d", NULL, NULL};
	struct network_dnsmasq m;
	struct network_fw fw;
	struct net_bridge_opts o;

	CHECK(d && b);
	CHECK_INT_EQ(network_def_fw(d, "virbr0", &fw, NULL), 0);
	CHECK_INT_EQ(fw.net.n_forwards, 3); /* one per <range> */
	script = net_fw_script(&fw.net, NULL);
	network_fw_release(&fw);
	CHECK_STR_CONTAINS(script,
			   "oifname \"eth1\" meta l4proto { tcp, udp } "
			   "snat ip to 10.20.30.40-10.20.30.44:60000-65432");
	CHECK_STR_CONTAINS(script,
			   "ip daddr 10.20.30.40 tcp dport 8080 dnat ip "
			   "to 192.168.122.10:80");
	CHECK_STR_CONTAINS(script, "tcp dport 5000-5010 dnat ip to "
				   "192.168.122.10\n");
	CHECK_STR_CONTAINS(script, "meta nfproto ipv4 udp dport 53 dnat ip to "
				   "192.168.122.11:53");
	CHECK_INT_EQ(network_def_dnsmasq(d, "virbr0", &paths, &m), 0);
	conf = net_dnsmasq_conf(&m.conf, NULL);
	network_dnsmasq_release(&m);
	CHECK_STR_CONTAINS(conf, "local=/example.com/\n");
	CHECK_STR_CONTAINS(conf, "dhcp-range=192.168.122.2,192.168.122.100,"
				 "255.255.255.0\ndhcp-range=192.168.122.150,"
				 "192.168.122.254,255.255.255.0\n");
	o = network_def_bridge_opts(d);
	CHECK(!o.stp && o.delay_s == 2 && o.mtu == 9000 && !o.mac);
	CHECK(network_def_fw(b, "br0", &fw, NULL) < 0);
	CHECK_INT_EQ(network_def_dnsmasq(b, "br0", &paths, &m), 1);
	network_def_free(d);
	network_def_free(b);
}

int main(void)
{
	RUN(default_network_formats_as_libvirt);
	RUN(nat_network_round_trip);
	RUN(dhcp6_hosts_by_id_and_name);
	RUN(every_file_is_stable);
	RUN(modes_and_their_parts);
	RUN(nat_ranges_bandwidth_forwards);
	RUN(dns_hosts_and_forwarders);
	RUN(bad_definitions_are_refused);
	RUN(doctype_and_size_refused);
	RUN(unknown_parts_are_warned_by_name);
	RUN(missing_uuid_is_generated);
	RUN(error_kinds);
	RUN(unapplied_parts_are_warned);
	RUN(namespaced_parts_are_not_ours);
	RUN(corpus_findings_refused);
	RUN(ipv6_no_is_the_default);
	RUN(review_refusals);
	RUN(dns_plain_names_and_static_hosts);
	RUN(conversions_to_src_net);
	return test_done();
}
