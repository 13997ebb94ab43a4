// SPDX-License-Identifier: GPL-2.0-or-later
/* A domain's <interface> elements: parse, refuse by name, format back. */
#include "daemon/domain_conf.h"
#include "test.h"

#include <errno.h>

/* A domain around @devices, parsed without a driver's checks. */
static int parse(const char *devices, struct domain_def **d,
		 struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *xml = xasprintf(
		"<domain type='kvm'><name>t</name><memory>1024</memory>"
		"<os><kernel>/k</kernel></os><devices>%s</devices></domain>",
		devices);

	return domain_def_parse_with(xml, strlen(xml), NULL, d, w, e);
}

/* The <interface> elements of @d's XML (@active: as it runs). */
static char *ifaces_text(const struct domain_def *d, bool active)
{
	_cleanup_free_ char *all =
		active ? domain_def_format_active(d, 1) : domain_def_format(d);
	const char *a = strstr(all, "    <interface"), *b;

	if (!a)
		return xstrdup("");
	b = strstr(all, "    <serial");
	b = b ? b : strstr(all, "  </devices>");
	return xstrndup(a, (size_t)(b - a));
}

static void ovs_bridge_round_trip(void)
{
	static const char want[] =
		"    <interface type='bridge'>\n"
		"      <mac address='52:54:00:aa:bb:cc'/>\n"
		"      <source bridge='ovsbr0'/>\n"
		"      <vlan>\n"
		"        <tag id='42'/>\n"
		"      </vlan>\n"
		"      <virtualport type='openvswitch'>\n"
		"        <parameters "
		"interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>\n"
		"      </virtualport>\n"
		"      <bandwidth>\n"
		"        <inbound average='1000' peak='5000' burst='1024'/>\n"
		"        <outbound average='128'/>\n"
		"      </bandwidth>\n"
		"      <target dev='tap-web'/>\n"
		"      <model type='virtio'/>\n"
		"      <link state='down'/>\n"
		"    </interface>\n";
	struct domain_def *d = NULL, *back = NULL;
	struct xml_warnings w = {0};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *text = NULL, *text2 = NULL;

	CHECK_INT_EQ(parse(want, &d, &w, &e), 0);
	CHECK_INT_EQ(w.n, 0);
	if (!d)
		return;
	CHECK_INT_EQ(d->nets[0].type, NET_TYPE_BRIDGE);
	CHECK(d->nets[0].virtualport.openvswitch);
	CHECK(d->nets[0].has_vlan && d->nets[0].vlan.tags[0].id == 42);
	CHECK_U64_EQ(d->nets[0].bandwidth.in.average, 1000);
	CHECK_U64_EQ(d->nets[0].bandwidth.out.average, 128);
	CHECK_INT_EQ(d->nets[0].link, DOMAIN_TRISTATE_OFF);
	text = ifaces_text(d, false);
	CHECK_STR_EQ(text, want);
	CHECK_INT_EQ(parse(text, &back, NULL, NULL), 0);
	text2 = back ? ifaces_text(back, false) : NULL;
	CHECK_STR_EQ(text2, want);
	domain_def_free(back);
	domain_def_free(d);
	xml_warnings_clear(&w);
}

/* What the definition did not give is generated once and then kept. */
static void generated_parts_are_kept(void)
{
	struct domain_def *d = NULL, *back = NULL;
	_cleanup_free_ char *text = NULL, *text2 = NULL;
	const struct domain_net *n;

	CHECK_INT_EQ(
		parse("<interface type='bridge'><source bridge='br0'/>"
		      "<virtualport type='openvswitch'/></interface>"
		      "<interface type='network'><source network='default' "
		      "portgroup='slow'/></interface>",
		      &d, NULL, NULL),
		0);
	if (!d)
		return;
	n = &d->nets[0];
	CHECK(n->mac[0] == 0x52 && n->mac[1] == 0x54 && n->mac[2] == 0);
	CHECK(n->virtualport.interfaceid != NULL);
	CHECK_STR_EQ(d->nets[1].portgroup, "slow");
	CHECK_STR_EQ(n->model, "virtio");
	CHECK(memcmp(d->nets[0].mac, d->nets[1].mac, 6) != 0);
	text = ifaces_text(d, false);
	CHECK_INT_EQ(parse(text, &back, NULL, NULL), 0);
	text2 = back ? ifaces_text(back, false) : NULL;
	CHECK_STR_EQ(text2, text);
	CHECK_STR_CONTAINS(text,
			   "<source network='default' portgroup='slow'/>");
	domain_def_free(back);
	domain_def_free(d);
}

/* The tap chosen at start shows in the live XML only. */
static void run_time_tap_in_live_xml(void)
{
	struct domain_def *d = NULL;
	_cleanup_free_ char *inactive = NULL, *active = NULL;

	CHECK_INT_EQ(parse("<interface type='bridge'><source bridge='br0'/>"
			   "</interface>",
			   &d, NULL, NULL),
		     0);
	if (!d)
		return;
	d->nets[0].ifname = xstrdup("vnet7");
	inactive = ifaces_text(d, false);
	active = ifaces_text(d, true);
	CHECK(!strstr(inactive, "<target"));
	CHECK_STR_CONTAINS(active, "<target dev='vnet7'/>");
	CHECK_STR_EQ(domain_net_tap(&d->nets[0]), "vnet7");
	domain_def_free(d);
}

static void hostile_interfaces_refused_by_name(void)
{
	static const struct {
		const char *devs, *want;
	} cases[] = {
		{"<interface type='bridge'><mac address='52:54:00:zz:00:01'/>"
		 "<source bridge='b'/></interface>",
		 "MAC address '52:54:00:zz:00:01' is not a MAC address"},
		{"<interface type='bridge'><mac address='52:54:00:00:00:0'/>"
		 "<source bridge='b'/></interface>",
		 "'52:54:00:00:00:0' is not a MAC address"},
		{"<interface type='bridge'><mac address='03:54:00:00:00:01'/>"
		 "<source bridge='b'/></interface>",
		 "'03:54:00:00:00:01' is a multicast address"},
		{"<interface type='bridge'><source bridge='br 0'/></interface>",
		 "interface name 'br 0' has an invalid character"},
		{"<interface type='bridge'><source bridge='br;rm'/>"
		 "</interface>",
		 "interface name 'br;rm' has an invalid character"},
		{"<interface type='bridge'><source bridge='abcdefghijklmnop'/>"
		 "</interface>",
		 "'abcdefghijklmnop' must be 1 to 15 characters"},
		{"<interface type='bridge'><source bridge='all'/></interface>",
		 "interface name 'all' is not allowed"},
		{"<interface type='network'><source network='../etc'/>"
		 "</interface>",
		 "source network:"},
		{"<interface type='network'><source network='n' "
		 "portgroup='a/b'/></interface>",
		 "portgroup 'a/b'"},
		{"<interface type='bridge'><source bridge='b'/>"
		 "<target dev='vnet0'/></interface>",
		 "target dev 'vnet0': names starting with 'vnet' are reserved"},
		{"<interface type='ethernet'><target dev='vif1.0'/>"
		 "</interface>",
		 "names starting with 'vif' are reserved"},
		{"<interface type='ethernet'><target dev='t$p'/></interface>",
		 "interface name 't$p' has an invalid character"},
		{"<interface type='bridge'><source bridge='b'/>"
		 "<vlan><tag id='5'/></vlan></interface>",
		 "a VLAN tag needs an Open vSwitch port"},
		{"<interface type='bridge'><source bridge='b'/>"
		 "<virtualport type='openvswitch'/><vlan><tag id='5'/>"
		 "<tag id='6'/></vlan></interface>",
		 "VLAN trunks are not supported"},
		{"<interface type='bridge'><source bridge='b'/>"
		 "<virtualport type='openvswitch'/><vlan><tag id='4096'/>"
		 "</vlan></interface>",
		 "<tag>:"},
		{"<interface type='bridge'><source bridge='b'/>"
		 "<virtualport type='802.1Qbh'/></interface>",
		 "virtualport type '802.1Qbh' is not supported"},
		{"<interface type='bridge'><source bridge='b'/>"
		 "<virtualport/></interface>",
		 "needs type='openvswitch'"},
		{"<interface type='ethernet'><virtualport "
		 "type='openvswitch'/></interface>",
		 "not allowed on an interface of type 'ethernet'"},
		{"<interface type='bridge'><source bridge='b'/><bandwidth>"
		 "<inbound average='10' floor='5'/></bandwidth></interface>",
		 "inbound floor= is not supported"},
		{"<interface type='bridge'><source bridge='b'/><bandwidth>"
		 "<outbound peak='5'/></bandwidth></interface>",
		 "needs average="},
		{"<interface type='bridge'><source bridge='b'/>"
		 "<link state='sideways'/></interface>",
		 "invalid link state 'sideways' (expected up, down)"},
		{"<interface type='ethernet'><target dev='t0'/></interface>"
		 "<interface type='ethernet'><target dev='t0'/></interface>",
		 "two interfaces with target dev 't0'"},
		{"<interface type='bridge'><source bridge='b'/>"
		 "<model type='e1000 x'/></interface>",
		 "invalid interface model 'e1000 x'"},
		{"<interface type='direct'/>",
		 "invalid interface type 'direct' (expected ethernet, bridge, "
		 "network, user, server, client, mcast, udp, vhostuser, "
		 "vdpa, hostdev)"},
		{"<interface type='user'><target dev='t0'/></interface>",
		 "<target>: not supported on an interface of type 'user' (it "
		 "has no tap)"},
		{"<interface type='user'><bandwidth><inbound average='1'/>"
		 "</bandwidth></interface>",
		 "not supported on an interface of type 'user' (it has no tap "
		 "to shape)"},
		{"<interface type='user'><virtualport type='openvswitch'/>"
		 "</interface>",
		 "not allowed on an interface of type 'user'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		if (parse(cases[i].devs, &d, NULL, &e) >= 0 || d) {
			TEST_FAIL("case %zu accepted", i);
			domain_def_free(d);
			continue;
		}
		CHECK_STR_CONTAINS(err_msg(e), cases[i].want);
	}
}

static void unknown_parts_warned(void)
{
	struct domain_def *d = NULL;
	struct xml_warnings w = {0};
	_cleanup_free_ char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);

	CHECK_INT_EQ(parse("<interface type='bridge'><source bridge='b' "
			   "mode='vepa'/><coalesce/><mtu size='9000'/>"
			   "</interface>",
			   &d, &w, NULL),
		     0);
	for (size_t i = 0; i < w.n; i++)
		fprintf(f, "%s\n", w.msgs[i]);
	fclose(f);
	CHECK_STR_CONTAINS(all, "mode");
	CHECK_STR_CONTAINS(all, "<coalesce>");
	CHECK_STR_CONTAINS(all, "<mtu>");
	domain_def_free(d);
	xml_warnings_clear(&w);
}

int main(void)
{
	RUN(ovs_bridge_round_trip);
	RUN(generated_parts_are_kept);
	RUN(run_time_tap_in_live_xml);
	RUN(hostile_interfaces_refused_by_name);
	RUN(unknown_parts_warned);
	return test_done();
}
