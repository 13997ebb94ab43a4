// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host side of guest interfaces that runs without a host: the exact
 * ovs-vsctl argv of an Open vSwitch port (this machine has no OVS), and
 * the run-time record a restarted daemon reads back (a file: untrusted).
 */
#include "daemon/driver-qemu.h"
#include "daemon/iface.h"
#include "net/ovs.h"
#include "test.h"

static char *joined(char **argv)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	for (size_t i = 0; argv[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	fclose(f);
	return out;
}

static void ovs_argv_exact(void)
{
	static const uint8_t dom[16] = {0x4d, 0xea, 0x22, 0xb3, 0x1d, 0x52,
					0xd8, 0xf3, 0x25, 0x16, 0x78, 0x2e,
					0x98, 0xab, 0x3f, 0xa0};
	struct domain_net n = {
		.type = NET_TYPE_BRIDGE,
		.mac = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc},
		.virtualport = {.present = true,
				.openvswitch = true,
				.interfaceid = "09b11c53-8b5c-4eeb-8f00-"
					       "d84eaa0aaa4f"},
	};
	char **argv = iface_ovs_argv(&n, "ovsbr0", "vnet3", dom, 42);
	_cleanup_free_ char *s = joined(argv);
	_cleanup_free_ char *s2 = NULL, *s3 = NULL, *s4 = NULL;

	CHECK_STR_EQ(s, "ovs-vsctl --timeout=5 -- --may-exist add-port ovsbr0 "
			"vnet3 tag=42 -- set Interface vnet3 "
			"external-ids:attached-mac=\"52:54:00:aa:bb:cc\" "
			"external-ids:iface-id=\"09b11c53-8b5c-4eeb-8f00-"
			"d84eaa0aaa4f\" "
			"external-ids:vm-id=\"4dea22b3-1d52-d8f3-2516-"
			"782e98ab3fa0\" external-ids:iface-status=active");
	CHECK_INT_EQ(strcmp(argv[0], "ovs-vsctl"), 0);
	net_ovs_argv_free(argv);
	argv = iface_ovs_argv(&n, "ovsbr0", "vnet3", dom, -1);
	s2 = joined(argv);
	CHECK(!strstr(s2, "tag="));
	CHECK_STR_CONTAINS(s2, "add-port ovsbr0 vnet3 -- set Interface");
	net_ovs_argv_free(argv);
	/* a port without an interfaceid has no iface-id, never "(null)" */
	n.virtualport.interfaceid = NULL;
	argv = iface_ovs_argv(&n, "ovsbr0", "vnet3", dom, -1);
	s4 = joined(argv);
	CHECK(!strstr(s4, "iface-id") && !strstr(s4, "null"));
	CHECK_STR_CONTAINS(s4, "attached-mac=\"52:54:00:aa:bb:cc\" "
			       "external-ids:vm-id=");
	net_ovs_argv_free(argv);
	argv = net_ovs_del_port_argv("vnet3");
	s3 = joined(argv);
	CHECK_STR_EQ(s3, "ovs-vsctl --timeout=5 -- --if-exists del-port vnet3");
	net_ovs_argv_free(argv);
}

/* A record's names go back into the live definition; bad ones do not. */
static void record_read_back(void)
{
	struct iface_set set = {0};
	struct iface_tap taps[2] = {
		{.name = "vnet4",
		 .fd = -1,
		 .created = true,
		 .ifb = "nifb9",
		 .interfaceid = "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f"},
		{.name = "mytap", .fd = -1},
	};
	struct domain_def def = {0};
	struct domain_net nets[3] = {{0}, {.tap = "mytap"}, {0}};
	struct json_object *rec, *bad;

	set.taps = taps;
	set.n = 2;
	rec = iface_record(&set);
	CHECK_STR_EQ(
		json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN),
		"[{\"tap\":\"vnet4\",\"created\":true,\"ovs\":false,"
		"\"ifb\":\"nifb9\",\"interfaceid\":\"09b11c53-8b5c-4eeb-8f00-"
		"d84eaa0aaa4f\"},{\"tap\":\"mytap\",\"created\":false,"
		"\"ovs\":false}]");
	def.nets = nets;
	def.n_nets = 3;
	iface_reattach(&def, rec);
	CHECK_STR_EQ(nets[0].ifname, "vnet4");
	CHECK_STR_EQ(nets[0].port_interfaceid,
		     "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f");
	CHECK(nets[1].ifname == NULL); /* it has its own name */
	CHECK(nets[2].ifname == NULL); /* not in the record */
	iface_forget(&def);
	CHECK(nets[0].ifname == NULL && nets[0].port_interfaceid == NULL);
	bad = json_tokener_parse("[{\"tap\":\"../../x\"},{\"tap\":7},"
				 "{\"tap\":\"vnet5\",\"interfaceid\":"
				 "\"not-a-uuid'/><x y='\"}]");
	iface_reattach(&def, bad);
	CHECK(nets[0].ifname == NULL && nets[2].ifname == NULL);
	CHECK(nets[2].port_interfaceid == NULL);
	iface_teardown(bad); /* names nothing it may touch */
	json_object_put(bad);
	json_object_put(rec);
}

/* A network's Open vSwitch port: the interfaceid nidod made shows in the
 * live XML only, as a <virtualport>; the definition's own wins. */
static void live_interfaceid_xml(void)
{
	struct domain_net n = {.type = NET_TYPE_NETWORK,
			       .source = "ovs",
			       .model = "virtio",
			       .ifname = "vnet0",
			       .port_interfaceid = "09b11c53-8b5c-4eeb-8f00-"
						   "d84eaa0aaa4f"};
	_cleanup_free_ char *live = NULL, *inactive = NULL, *own = NULL;
	size_t len;
	FILE *f;

	f = open_memstream(&live, &len);
	domain_net_format(f, &n, true);
	fclose(f);
	f = open_memstream(&inactive, &len);
	domain_net_format(f, &n, false);
	fclose(f);
	CHECK_STR_CONTAINS(live, "<virtualport type='openvswitch'>\n"
				 "        <parameters interfaceid='09b11c53-"
				 "8b5c-4eeb-8f00-d84eaa0aaa4f'/>");
	CHECK(!strstr(inactive, "virtualport"));
	n.virtualport = (struct network_virtualport){
		.present = true, .openvswitch = true, .interfaceid = "x-own"};
	f = open_memstream(&own, &len);
	domain_net_format(f, &n, true);
	fclose(f);
	CHECK_STR_CONTAINS(own, "interfaceid='x-own'");
	CHECK(!strstr(own, "09b11c53"));
}

/* The qemu driver's -netdev and -device for the taps nidod passes. */
static void qemu_netdev_argv(void)
{
	struct domain_net nets[2] = {
		{.type = NET_TYPE_BRIDGE,
		 .mac = {0x52, 0x54, 0, 0, 0, 1},
		 .model = "virtio"},
		{.type = NET_TYPE_NETWORK,
		 .mac = {0x52, 0x54, 0, 0, 0, 2},
		 .model = "e1000"},
	};
	struct domain_def def = {.nets = nets, .n_nets = 2};
	struct qemu_argv a = {0};
	_cleanup_free_ char *s = NULL;

	qemu_argv_nets(&a, &def, 9);
	s = joined(a.v);
	CHECK_STR_EQ(s,
		     "-netdev tap,id=hostnet0,fd=9 -device "
		     "{\"driver\":\"virtio-net-pci\",\"netdev\":\"hostnet0\","
		     "\"id\":\"net0\",\"mac\":\"52:54:00:00:00:01\","
		     "\"bus\":\"pci.0\",\"addr\":\"0x2\"} "
		     "-netdev tap,id=hostnet1,fd=10 -device "
		     "{\"driver\":\"e1000\",\"netdev\":\"hostnet1\","
		     "\"id\":\"net1\",\"mac\":\"52:54:00:00:00:02\","
		     "\"bus\":\"pci.0\",\"addr\":\"0x3\"}");
	qemu_argv_free(&a);
	CHECK(qemu_net_device("ne2k_isa") == NULL);
}

int main(void)
{
	RUN(qemu_netdev_argv);
	RUN(ovs_argv_exact);
	RUN(record_read_back);
	RUN(live_interfaceid_xml);
	return test_done();
}
