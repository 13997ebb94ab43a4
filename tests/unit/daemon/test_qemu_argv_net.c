// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver's interfaces (driver-qemu-net.c, domain_conf_net.c):
 * from the <interface> a user writes, through define, to the -netdev and
 * -device QEMU gets, as libvirt's tests show them (virtio-net's <driver>
 * options, multi-queue taps and vhost-net fds, <rom>, <acpi index>,
 * sockets between QEMUs, vhost-user, vDPA, a user-mode network's
 * addresses); and what define refuses by name. Each definition is also
 * formatted and parsed again to the same text.
 */
#include <errno.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

static char *xml(const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type></os>"
			 "<devices>%s</devices></domain>",
			 devs);
}

/* The interfaces' arguments of @devs, fds from 30; NULL (a failure) when
 * define refuses them or their round trip changes them. */
static char *nets(const char *devs)
{
	_cleanup_free_ char *x = xml(devs);
	_cleanup_free_ char *once = NULL, *twice = NULL;
	struct domain_def *d = NULL, *d2 = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct qemu_argv a = {0};

	if (domain_def_parse(x, strlen(x), &d, NULL, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	once = domain_def_format(d);
	if (domain_def_parse(once, strlen(once), &d2, NULL, &e) < 0) {
		TEST_FAIL("its own XML refused: %s", err_msg(e));
	} else {
		twice = domain_def_format(d2);
		if (!streq(twice, once))
			TEST_FAIL("the round trip changed\n%s\ninto\n%s", once,
				  twice);
		domain_def_free(d2);
	}
	qemu_argv_nets(&a, d, 30);
	domain_def_free(d);
	return qemu_test_args(&a);
}

static void multiqueue_tap_with_vhost(void)
{
	_cleanup_free_ char *s = nets(
		"<interface type='ethernet'><mac address='52:54:00:00:00:01'/>"
		"<model type='virtio'/><driver name='vhost' queues='3'/>"
		"</interface><interface type='ethernet'><mac "
		"address='52:54:00:00:00:02'/><driver queues='2'/>"
		"</interface><interface type='user'/>"
		"<interface type='ethernet'/>");

	if (!s)
		return;
	/* three queues' taps, then three vhost-net */
	CHECK_STR_CONTAINS(s, "tap,id=hostnet0,fds=30:31:32,vhost=on,"
			      "vhostfds=33:34:35\n");
	CHECK_STR_CONTAINS(s, "\"mq\":true,\"vectors\":8");
	CHECK_STR_CONTAINS(s, "tap,id=hostnet1,fds=36:37\n");
	CHECK_STR_CONTAINS(s, "\"mq\":true,\"vectors\":6");
	/* a user-mode network takes no fd: the next tap's is 38 */
	CHECK_STR_CONTAINS(s, "{\"type\":\"user\",\"id\":\"hostnet2\"}");
	CHECK_STR_CONTAINS(s, "tap,id=hostnet3,fd=38\n");
}

static void virtio_options_and_offloads(void)
{
	_cleanup_free_ char *s = nets(
		"<interface type='user'><mac address='00:22:44:66:88:aa'/>"
		"<model type='virtio'/><driver txmode='iothread' "
		"rx_queue_size='512' tx_queue_size='1024' ioeventfd='off' "
		"event_idx='on' rss='on' rss_hash_report='on' iommu='on' "
		"ats='on' packed='on'><host csum='off' gso='off' tso4='off' "
		"tso6='off' ecn='off' ufo='off' mrg_rxbuf='off'/><guest "
		"csum='off' tso4='off' tso6='off' ecn='off' ufo='off'/>"
		"</driver></interface>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(
		s, "{\"driver\":\"virtio-net-pci\",\"netdev\":\"hostnet0\","
		   "\"id\":\"net0\",\"mac\":\"00:22:44:66:88:aa\","
		   "\"ioeventfd\":false,\"event_idx\":true,\"rss\":true,"
		   "\"hash\":true,\"iommu_platform\":true,\"ats\":true,"
		   "\"packed\":true,\"csum\":false,\"gso\":false,"
		   "\"host_tso4\":false,\"host_tso6\":false,"
		   "\"host_ecn\":false,\"host_ufo\":false,"
		   "\"mrg_rxbuf\":false,\"guest_csum\":false,"
		   "\"guest_tso4\":false,\"guest_tso6\":false,"
		   "\"guest_ecn\":false,\"guest_ufo\":false,\"tx\":\"bh\","
		   "\"rx_queue_size\":512,\"tx_queue_size\":1024,");
}

static void rom_and_acpi_index(void)
{
	_cleanup_free_ char *s = nets(
		"<interface type='user'><model type='e1000'/><rom bar='off' "
		"file='/usr/share/qemu/pxe-e1000.rom'/><acpi index='7'/>"
		"</interface><interface type='user'><rom enabled='no'/>"
		"</interface><interface type='user'><rom file=''/>"
		"</interface><interface type='bridge'><source bridge='b'/>"
		"<port isolated='yes'/></interface><interface "
		"type='ethernet'><source><ip address='192.168.125.1' "
		"family='ipv4' prefix='24' peer='192.168.125.2'/><route "
		"family='ipv4' address='10.20.0.0' prefix='16' "
		"gateway='192.168.125.2'/><ip address='fd00::1' "
		"prefix='64'/></source></interface><interface "
		"type='ethernet'><target dev='t0' managed='no'/><script "
		"path='/bin/up'/><downscript path='/bin/down'/>"
		"</interface>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "\"rombar\":0,\"romfile\":"
			      "\"/usr/share/qemu/pxe-e1000.rom\","
			      "\"acpi-index\":7");
	CHECK_STR_CONTAINS(s, "\"id\":\"net1\",\"mac\":");
	CHECK_STR_CONTAINS(s, "\"romfile\":\"\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x3\"");
	CHECK_STR_CONTAINS(s, "\"romfile\":\"\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x4\"");
}

static void sockets_between_qemus(void)
{
	_cleanup_free_ char *s = nets(
		"<interface type='server'><source address='192.168.0.1' "
		"port='5558'/><model type='rtl8139'/></interface>"
		"<interface type='server'><source port='2015'/></interface>"
		"<interface type='client'><source address='192.168.0.1' "
		"port='5558'/></interface>"
		"<interface type='mcast'><source address='230.0.0.1' "
		"port='5558'/></interface>"
		"<interface type='udp'><source address='192.168.10.1' "
		"port='5555'><local address='192.168.10.1' port='5556'/>"
		"</source></interface>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"type\":\"socket\",\"listen\":"
			      "\"192.168.0.1:5558\",\"id\":\"hostnet0\"}");
	CHECK_STR_CONTAINS(s, "{\"type\":\"socket\",\"listen\":\":2015\","
			      "\"id\":\"hostnet1\"}");
	CHECK_STR_CONTAINS(s, "{\"type\":\"socket\",\"connect\":"
			      "\"192.168.0.1:5558\",\"id\":\"hostnet2\"}");
	CHECK_STR_CONTAINS(s, "{\"type\":\"socket\",\"mcast\":"
			      "\"230.0.0.1:5558\",\"id\":\"hostnet3\"}");
	CHECK_STR_CONTAINS(s, "{\"type\":\"socket\",\"udp\":"
			      "\"192.168.10.1:5555\",\"localaddr\":"
			      "\"192.168.10.1:5556\",\"id\":\"hostnet4\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"rtl8139\",\"netdev\":"
			      "\"hostnet0\"");
}

static void vhostuser_vdpa_and_user_addresses(void)
{
	_cleanup_free_ char *s = nets(
		"<interface type='vhostuser'><source type='unix' "
		"path='/tmp/vhost0.sock' mode='server'/></interface>"
		"<interface type='vhostuser'><source type='unix' "
		"path='/tmp/a,b.sock' mode='client'><reconnect enabled='yes' "
		"timeout='10'/></source><driver queues='4'/></interface>"
		"<interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/>"
		"<driver queues='2'/></interface>"
		"<interface type='user'><ip address='172.17.2.0' "
		"family='ipv4' prefix='24'/><ip "
		"address='2001:db8:ac10:fd01::' prefix='64'/></interface>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=charnet0,path=/tmp/"
			      "vhost0.sock,server=on\n-netdev\n{\"type\":"
			      "\"vhost-user\",\"chardev\":\"charnet0\","
			      "\"id\":\"hostnet0\"}");
	/* a comma in the path is doubled for QEMU's option parser */
	CHECK_STR_CONTAINS(s, "socket,id=charnet1,path=/tmp/a,,b.sock,"
			      "reconnect=10\n");
	CHECK_STR_CONTAINS(s, "\"chardev\":\"charnet1\",\"queues\":4,");
	CHECK_STR_CONTAINS(s, "\"mq\":true,\"vectors\":10");
	/* the vDPA device nidod opened: the first fd */
	CHECK_STR_CONTAINS(s, "{\"type\":\"vhost-vdpa\",\"vhostfd\":\"30\","
			      "\"queues\":2,\"id\":\"hostnet2\"}");
	CHECK_STR_CONTAINS(s, "{\"type\":\"user\",\"net\":\"172.17.2.0/24\","
			      "\"ipv6-prefix\":\"2001:db8:ac10:fd01::\","
			      "\"ipv6-prefixlen\":64,\"id\":\"hostnet3\"}");
}

static void refused_by_name(void)
{
	static const struct {
		const char *devs, *want;
	} cases[] = {
		{"<interface type='user'><driver queues='2'/></interface>",
		 "interface 0: multiqueue (<driver queues=>) is for a tap, "
		 "vhostuser or vdpa, not type 'user'"},
		{"<interface type='user'><model type='e1000'/><driver "
		 "rss='on'/></interface>",
		 "<driver> options are virtio-net's, not model 'e1000''s"},
		{"<interface type='user'><driver queues='-5'/></interface>",
		 "queues must be a number, not '-5'"},
		{"<interface type='user'><driver queues='257'/></interface>",
		 "queues"},
		{"<interface type='user'><driver rx_queue_size='511'/>"
		 "</interface>",
		 "rx_queue_size '511': not a power of two from 256 to 1024"},
		{"<interface type='user'><driver txmode='fast'/></interface>",
		 "invalid txmode 'fast' (expected iothread, timer)"},
		{"<interface type='ethernet'><driver name='vhost' "
		 "txmode='timer'/></interface>",
		 "txmode= is QEMU's own virtio-net's, not vhost's"},
		{"<interface type='vhostuser'><source type='unix' "
		 "path='/tmp/s' mode='client'/><model type='e1000'/>"
		 "</interface>",
		 "type 'vhostuser' needs model 'virtio', not 'e1000'"},
		{"<interface type='vhostuser'><source type='unix' "
		 "path='rel' mode='client'/></interface>",
		 "vhostuser path 'rel': not an absolute socket path"},
		{"<interface type='vhostuser'><source type='unix' "
		 "path='/s' mode='server'><reconnect enabled='yes' "
		 "timeout='1'/></source></interface>",
		 "<reconnect> is for mode='client'"},
		{"<interface type='mcast'><source address='192.0.0.1' "
		 "port='1'/></interface>",
		 "mcast address '192.0.0.1': not an IPv4 multicast group"},
		{"<interface type='client'><source port='1'/></interface>",
		 "interface type 'client' needs address="},
		{"<interface type='client'><source address='a,b' port='1'/>"
		 "</interface>",
		 "source address 'a,b': not an IP address or host name"},
		{"<interface type='udp'><source address='1.2.3.4' port='1'/>"
		 "</interface>",
		 "interface type 'udp' needs <local>"},
		{"<interface type='server'/>",
		 "interface type 'server' needs <source port=>"},
		{"<interface type='vdpa'/>",
		 "interface type 'vdpa' needs <source "
		 "dev='/dev/vhost-vdpa-N'/>"},
		{"<interface type='user'><rom file='x.rom'/></interface>",
		 "rom file 'x.rom': not an absolute path"},
		{"<interface type='user'><acpi index='0'/></interface>",
		 "index"},
		{"<interface type='user'><acpi index='5'/></interface>"
		 "<interface type='user'><acpi index='5'/></interface>",
		 "interfaces 0 and 1: the same <acpi index='5'>"},
		{"<interface type='user'><ip address='10.0.0.0' "
		 "family='ipv6'/></interface>",
		 "ip address '10.0.0.0' is not of family 'ipv6'"},
		{"<interface type='user'><backend type='passt'/></interface>",
		 "<backend type='passt'> is not supported"},
		{"<interface type='ethernet'><source><ip address='1.2.3' "
		 "prefix='24'/></source></interface>",
		 "<ip>: "},
		{"<interface type='ethernet'><source><route "
		 "address='10.0.0.0' prefix='33'/></source></interface>",
		 "prefix"},
		{"<interface type='ethernet'><source><ip address='10.0.0.1' "
		 "peer='fe80::1'/></source></interface>",
		 "peer"},
		{"<interface type='ethernet'><port isolated='yes'/>"
		 "</interface>",
		 "<port isolated=> is for a bridge's port"},
		{"<interface type='bridge'><source bridge='b'/><script "
		 "path='/x'/></interface>",
		 "nidod runs a script for a tap of type 'ethernet'"},
		{"<interface type='ethernet'><target dev='t0' managed='no'/>"
		 "<script path='x'/></interface>",
		 "script path 'x': not an absolute path"},
		{"<interface type='ethernet'><target managed='no'/>"
		 "</interface>",
		 "managed='no' is for an interface of type 'ethernet' with "
		 "its dev="},
		{"<interface type='hostdev'><source><address type='pci' "
		 "domain='0' bus='0x3' slot='0x20' function='0'/></source>"
		 "</interface>",
		 "invalid address slot '0x20' (0 to 0x1f)"},
		{"<interface type='hostdev'/>",
		 "interface type 'hostdev' needs <source><address "
		 "type='pci'"},
		{"<interface type='hostdev'><source><address type='pci' "
		 "domain='0' bus='3' slot='7' function='1'/></source>"
		 "<virtualport type='802.1Qbg'/></interface>",
		 "virtualport type '802.1Qbg' is not supported"},
		{"<interface type='hostdev'><source><address type='pci' "
		 "domain='0' bus='3' slot='7' function='1'/></source>"
		 "<driver queues='2'/></interface>",
		 "<driver name=''> on an interface of type 'hostdev' (vfio)"},
		{"<interface type='hostdev'><source><address type='pci' "
		 "domain='0' bus='3' slot='7' function='1'/></source>"
		 "</interface><hostdev mode='subsystem' type='pci'><source>"
		 "<address domain='0' bus='3' slot='7' function='1'/>"
		 "</source></hostdev>",
		 "0000:03:07.1"},
		{"<interface type='user'><teaming type='transient' "
		 "persistent='ua-x'/></interface>",
		 "<teaming type='transient'> is an SR-IOV VF's"},
		{"<interface type='hostdev'><source><address type='pci' "
		 "domain='0' bus='3' slot='7' function='1'/></source>"
		 "<teaming type='transient' persistent='ua-x'/></interface>",
		 "<teaming persistent='ua-x'>: no interface of that alias"},
		{"<interface type='user'><model type='e1000'/><teaming "
		 "type='persistent'/></interface>",
		 "<teaming type='persistent'> is a virtio card's"},
		{"<interface type='user'><boot order='1'/></interface>"
		 "<interface type='user'><boot order='1'/></interface>",
		 "boot order 1 used for interfaces 0 and 1"},
		{"<interface type='server'><source port='1'/><target "
		 "dev='t0'/></interface>",
		 "not supported on an interface of type 'server' (it has no "
		 "tap)"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *x = xml(cases[i].devs);
		_cleanup_free_ char *why = qemu_test_refusal(x);

		if (!why) {
			TEST_FAIL("case %zu accepted", i);
			continue;
		}
		CHECK_STR_CONTAINS(why, cases[i].want);
	}
}

/* nido-vmm runs taps, and none of what only QEMU does. */
static void kvm_driver_refuses_by_name(void)
{
	static const char *const cases[][2] = {
		{"<interface type='vhostuser'><source type='unix' path='/s' "
		 "mode='client'/></interface>",
		 "interface 0: type 'vhostuser' not supported by the kvm "
		 "driver"},
		{"<interface type='ethernet'><driver queues='2'/>"
		 "</interface>",
		 "interface 0: <driver> not supported by the kvm driver"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *x = xasprintf(
			"<domain type='kvm'><name>k</name><memory>65536"
			"</memory><os><type>hvm</type><kernel>/k</kernel>"
			"</os><devices>%s</devices></domain>",
			cases[i][0]);
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;
		struct xml_warnings w = {0};

		/* define takes it (QEMU with KVM runs it): nido-vmm not */
		CHECK_INT_EQ(domain_def_parse(x, strlen(x), &d, NULL, &e), 0);
		if (!d)
			continue;
		free(d->emulator); /* the pick named QEMU */
		d->emulator = NULL;
		CHECK(driver_kvm_validate(d, &w, &e) < 0);
		if (e)
			CHECK_STR_CONTAINS(err_msg(e), cases[i][1]);
		xml_warnings_clear(&w);
		domain_def_free(d);
	}
}

/* A guest-side <ip> off a user-mode network: libvirt's lxc driver
 * sets it, its qemu driver refuses it; nido warns, naming it. */
static void guest_ip_warned(void)
{
	static const char x[] =
		"<domain type='qemu'><name>g</name><memory>65536</memory>"
		"<os><type arch='x86_64'>hvm</type></os><devices><interface "
		"type='bridge'><source bridge='br0'/><ip address='10.0.0.1'/>"
		"</interface></devices></domain>";
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};

	CHECK_INT_EQ(domain_def_parse(x, strlen(x), &d, &w, &e), 0);
	CHECK_INT_EQ(w.n, 1);
	if (w.n)
		CHECK_STR_CONTAINS(w.msgs[0], "<ip> on an interface of type "
					      "'bridge' not acted on");
	xml_warnings_clear(&w);
	domain_def_free(d);
}

/* libvirt lets two interfaces share a MAC (a failover pair does). */
static void shared_mac_accepted(void)
{
	_cleanup_free_ char *s =
		nets("<interface type='user'><mac address='00:11:22:33:44:55'/>"
		     "</interface><interface type='user'><mac "
		     "address='00:11:22:33:44:55'/></interface>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "\"id\":\"net1\",\"mac\":\"00:11:22:33:44:55\"");
}

/* An SR-IOV VF: a vfio-pci device with the interface's boot order and
 * place, written back as the interface (no <hostdev> of its own). */
static void hostdev_interface_is_a_vfio_device(void)
{
	_cleanup_free_ char *x = xml(
		"<interface type='hostdev' managed='yes'><mac "
		"address='00:11:22:33:44:55'/><driver name='vfio'/><source>"
		"<address type='pci' domain='0x0000' bus='0x03' slot='0x07' "
		"function='0x1'/></source><boot order='1'/><address "
		"type='pci' domain='0x0000' bus='0x00' slot='0x05' "
		"function='0x0'/><teaming type='transient' "
		"persistent='ua-backup0'/></interface><interface "
		"type='user'><boot order='2'/><teaming type='persistent'/>"
		"<alias name='ua-backup0'/></interface>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *out = NULL, *args = NULL;
	struct qemu_argv a = {0};

	CHECK_INT_EQ(domain_def_parse(x, strlen(x), &d, NULL, &e), 0);
	if (!d)
		return;
	CHECK_INT_EQ(d->n_hostdevs, 1);
	out = domain_def_format(d);
	CHECK_STR_CONTAINS(out, "<interface type='hostdev' managed='yes'>");
	CHECK_STR_CONTAINS(out, "<address type='pci' domain='0x0000' "
				"bus='0x03' slot='0x07' function='0x1'/>");
	CHECK(!strstr(out, "<hostdev"));
	qemu_argv_hostdevs(&a, d, NULL);
	qemu_argv_nets(&a, d, 30);
	args = qemu_test_args(&a);
	CHECK_STR_CONTAINS(args, "{\"driver\":\"vfio-pci\",\"host\":"
				 "\"0000:03:07.1\",\"id\":\"hostdev0\","
				 "\"bootindex\":1,\"bus\":\"pci.0\",\"addr\":"
				 "\"0x5\",\"failover_pair_id\":\"net1\"}");
	CHECK_STR_CONTAINS(args, "\"failover\":true");
	CHECK_STR_CONTAINS(out, "<alias name='ua-backup0'/>");
	/* no netdev for it; the next card boots second */
	CHECK(!strstr(args, "hostnet0"));
	CHECK_STR_CONTAINS(args, "\"id\":\"net1\",\"mac\":");
	CHECK_STR_CONTAINS(args, "\"bootindex\":2");
	domain_def_free(d);
}

int main(void)
{
	RUN(hostdev_interface_is_a_vfio_device);
	RUN(multiqueue_tap_with_vhost);
	RUN(virtio_options_and_offloads);
	RUN(rom_and_acpi_index);
	RUN(sockets_between_qemus);
	RUN(vhostuser_vdpa_and_user_addresses);
	RUN(refused_by_name);
	RUN(kvm_driver_refuses_by_name);
	RUN(shared_mac_accepted);
	RUN(guest_ip_warned);
	return test_done();
}
