// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host devices (domain_conf_hostdev.c, driver-qemu-hostdev.c): from
 * domain XML as a user gives it, through `nido define`'s checks, to
 * QEMU's -device options as libvirt's command lines have them, and back
 * out in the definition; what is refused, by name; and a start's
 * preparation on this host, which has no such devices.
 */
#include <errno.h>
#include <unistd.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

static char *xml(const char *devs)
{
	return qemu_test_xml(devs);
}

static struct domain_def *parse(const char *devs, struct err **e)
{
	_cleanup_free_ char *text = xml(devs);
	struct domain_def *d = NULL;
	struct xml_warnings w = {0};

	if (domain_def_parse(text, strlen(text), &d, &w, e) < 0)
		return NULL;
	for (size_t i = 0; i < w.n; i++)
		TEST_FAIL("warning: %s", w.msgs[i]);
	xml_warnings_clear(&w);
	return d;
}

/* The command line's hostdevs for @d (fds as @usb_fds), arguments
 * separated by "\n". */
static char *argv_of(const struct domain_def *d, const int *usb_fds)
{
	struct qemu_argv a = {0};
	char *out = NULL;

	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	qemu_argv_hostdevs(&a, d, usb_fds);
	out = qemu_test_args(&a);
	return out;
}

static char *refusal(const char *devs)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = parse(devs, &e);

	if (d) {
		domain_def_free(d);
		return xstrdup("(accepted)");
	}
	return xstrdup(err_msg(e));
}

/* @devs defined, or the test failed (NULL). */
static struct domain_def *accepted(const char *devs)
{
	_cleanup_free_ char *why = NULL;
	struct domain_def *d = qemu_test_define(devs, &why);

	if (!d)
		TEST_FAIL("%s", why);
	return d;
}

#define PCI(addr)                                                          \
	"<hostdev mode='subsystem' type='pci' managed='yes'><source>" addr \
	"</source></hostdev>"

#define MDEV(attrs, uuid)                                              \
	"<hostdev mode='subsystem' type='mdev' model='vfio-pci'" attrs \
	"><source><address uuid='" uuid "'/></source></hostdev>"
#define UUID1 "53764d0e-85a0-42b4-af5c-2046b460b1dc"
#define UUID2 "53764D0E-85A0-42B4-AF5C-2046B460B1DD"

#define SCSI_HOSTDEV(host, unit, extra)                                   \
	"<hostdev mode='subsystem' type='scsi' managed='yes'><source>"    \
	"<adapter name='scsi_host" host "'/><address bus='0' target='0' " \
	"unit='" unit "'/></source>" extra "</hostdev>"
#define VSCSI "<controller type='scsi' index='0' model='virtio-scsi'/>"

static void pci_through_vfio(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = parse(
		PCI("<address domain='0x0000' bus='0x06' slot='0x12' "
		    "function='0x5'/>") "<hostdev mode='subsystem' type='pci'>"
					"<driver name='vfio'/><source><address "
					"domain='0x0021' bus='222' slot='31' "
					"function='1'/></source><boot "
					"order='2'/><rom bar='off' "
					"file='/srv/rom.bin'/><address "
					"type='pci' domain='0' bus='0' "
					"slot='9' function='0'/></hostdev>"
					"<memballoon model='virtio'/>",
		&e);
	_cleanup_free_ char *s = NULL, *def = NULL;

	if (!d) {
		TEST_FAIL("refused: %s", err_msg(e));
		return;
	}
	s = argv_of(d, NULL);
	def = domain_def_format(d);
	/* libvirt's hostdev-pci-address: the first free slot, before the
	 * balloon */
	CHECK_STR_CONTAINS(s, "{\"driver\":\"vfio-pci\",\"host\":\"0000:06:"
			      "12.5\",\"id\":\"hostdev0\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x2\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"vfio-pci\",\"host\":\"0021:de:"
			      "1f.1\",\"id\":\"hostdev1\",\"bootindex\":2,"
			      "\"bus\":\"pci.0\",\"addr\":\"0x9\",\"rombar\":0,"
			      "\"romfile\":\"/srv/rom.bin\"}");
	CHECK_STR_CONTAINS(s, "\"virtio-balloon-pci\",\"id\":\"balloon0\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x3\"");
	CHECK_STR_CONTAINS(def, "<hostdev mode='subsystem' type='pci' "
				"managed='yes'>\n      <source>\n        "
				"<address domain='0x0000' bus='0x06' "
				"slot='0x12' function='0x5'/>\n");
	CHECK_STR_CONTAINS(def, "<driver name='vfio'/>\n      <source>\n"
				"        <address domain='0x0021' bus='0xde' "
				"slot='0x1f' function='0x1'/>\n      "
				"</source>\n      <boot order='2'/>\n      "
				"<rom bar='off' file='/srv/rom.bin'/>\n      "
				"<address type='pci' domain='0x0000' "
				"bus='0x00' slot='0x09' function='0x0'/>\n");
	domain_def_free(d);
}

static void unassigned_is_detached_not_given(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d =
		parse(PCI("<address domain='0' bus='1' slot='0' "
			  "function='0'/>") "<hostdev mode='subsystem' "
					    "type='pci' "
					    "managed='yes'><source><address "
					    "domain='0' "
					    "bus='1' slot='0' "
					    "function='1'/></source>"
					    "<address "
					    "type='unassigned'/></hostdev>",
		      &e);
	_cleanup_free_ char *s = NULL, *def = NULL;

	if (!d) {
		TEST_FAIL("refused: %s", err_msg(e));
		return;
	}
	s = argv_of(d, NULL);
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(s, "\"host\":\"0000:01:00.0\",\"id\":\"hostdev0\"");
	CHECK(!strstr(s, "0000:01:00.1"));
	CHECK_STR_CONTAINS(def, "<address type='unassigned'/>");
	domain_def_free(d);
}

static void usb_by_address_or_ids(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = parse(
		"<hostdev mode='subsystem' type='usb'><source "
		"guestReset='uninitialized'><address bus='14' device='6'/>"
		"</source><boot order='1'/></hostdev>"
		"<hostdev mode='subsystem' type='usb' managed='no'><source "
		"startupPolicy='optional'><vendor id='0x046d'/><product "
		"id='0xc52b'/></source></hostdev>",
		&e);
	_cleanup_free_ char *native = NULL, *started = NULL, *def = NULL;

	if (!d) {
		TEST_FAIL("refused: %s", err_msg(e));
		return;
	}
	native = argv_of(d, NULL);
	/* at a start: the first on fd 20, the second not there */
	started = argv_of(d, (const int[]){20, -1});
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(native, "{\"driver\":\"usb-host\",\"hostdevice\":"
				   "\"/dev/bus/usb/014/006\",\"id\":"
				   "\"hostdev0\",\"bootindex\":1,"
				   "\"guest-reset\":true,\"guest-resets-all\":"
				   "false,\"bus\":\"usb.0\"}");
	CHECK_STR_CONTAINS(native, "{\"driver\":\"usb-host\",\"vendorid\":"
				   "1133,\"productid\":50475,\"id\":"
				   "\"hostdev1\",\"bus\":\"usb.0\"}");
	CHECK_STR_CONTAINS(started, "-add-fd\nfd=20,set=100000\n-device\n"
				    "{\"driver\":\"usb-host\",\"hostdevice\":"
				    "\"/dev/fdset/100000\"");
	CHECK(!strstr(started, "hostdev1"));
	/* libvirt's default USB controller, which the devices are on */
	CHECK_STR_CONTAINS(started, "\"piix3-usb-uhci\"");
	CHECK_STR_CONTAINS(def, "<source guestReset='uninitialized'>\n"
				"        <address bus='14' device='6'/>\n");
	CHECK_STR_CONTAINS(def, "managed='no'>\n      <source "
				"startupPolicy='optional'>\n        <vendor "
				"id='0x046d'/>\n        <product "
				"id='0xc52b'/>\n");
	domain_def_free(d);
}

static void refused_by_name(void)
{
	static const char *const cases[][2] = {
		{"<hostdev mode='subsystem' type='scsi_generic'><source/>"
		 "</hostdev>",
		 "<hostdev type='scsi_generic'> not supported (pci, usb, mdev, "
		 "scsi, scsi_host)"},
		{"<hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
		 "<source/></hostdev>",
		 "missing <address uuid=/> of the mediated device"},
		{"<hostdev mode='capabilities' type='storage'/>",
		 "<hostdev mode='capabilities'> not supported"},
		{PCI("<address domain='0' bus='6' slot='0x12' function='9'/>"),
		 "invalid function '9' (0 to 0x7)"},
		{PCI("<address domain='0' bus='6' function='1'/>"),
		 "missing slot="},
		{PCI("<address domain='0' bus='6' slot='1' function='1'/>")
			 PCI("<address domain='0x0' bus='0x06' slot='0x01' "
			     "function='0x1'/>"),
		 "host device 0000:06:01.1 given twice"},
		{"<hostdev mode='subsystem' type='pci'><driver name='kvm'/>"
		 "<source><address bus='6' slot='1' function='1'/></source>"
		 "</hostdev>",
		 "<driver name='kvm'> not supported (vfio"},
		{"<hostdev mode='subsystem' type='usb'><source/></hostdev>",
		 "needs <vendor id=/><product id=/> or <address bus= "
		 "device=/>"},
		{"<hostdev mode='subsystem' type='usb'><source><vendor "
		 "id='0x1'/></source></hostdev>",
		 "<vendor> and <product> go together"},
		{"<hostdev mode='subsystem' type='usb'><source><address "
		 "bus='1' device='2'/></source><address type='usb' bus='3' "
		 "port='1'/></hostdev>",
		 "host device USB 001:002 on USB bus '3': no USB controller of "
		 "index 3"},
		{"<hostdev mode='subsystem' type='usb'><source><address "
		 "bus='1' device='2'/></source><address type='pci' bus='0' "
		 "slot='3'/></hostdev>",
		 "<address type='pci'> on a USB host device (usb)"},
		{"<input type='tablet' bus='usb'><address type='usb' bus='0' "
		 "port='1'/></input><hostdev mode='subsystem' type='usb'>"
		 "<source><address bus='1' device='2'/></source><address "
		 "type='usb' bus='0' port='1'/></hostdev>",
		 "USB port '1' used twice"},
		{"<hostdev mode='subsystem' type='usb'><source><address "
		 "bus='1' device='2'/></source></hostdev><controller "
		 "type='usb' model='none'/>",
		 "a USB device with USB controller model 'none'"},
		{PCI("<address bus='6' slot='1' function='1'/>") "<disk "
								 "type='file'><"
								 "source "
								 "file='/a'/"
								 "><target "
								 "dev='vda'/"
								 "><boot "
								 "order='1'/></"
								 "disk>"
								 "<hostdev "
								 "mode='"
								 "subsystem' "
								 "type='usb'><"
								 "source>"
								 "<address "
								 "bus='1' "
								 "device='2'/"
								 "></"
								 "source><boot "
								 "order='1'/></"
								 "hostdev>",
		 "boot order 1 used for disk 'vda' and host device USB "
		 "001:002"},
		{"<hostdev mode='subsystem' type='pci'><source><address "
		 "bus='6' slot='1' function='1'/></source><rom "
		 "file='rom.bin'/></hostdev>",
		 "rom file 'rom.bin': not an absolute path"},
		{"<hostdev mode='subsystem' type='pci'><source><address "
		 "bus='6' slot='1' function='1'/></source><teaming "
		 "type='transient'/></hostdev>",
		 "<hostdev>: <teaming> not supported"},
		{"<input type='evdev' bus='usb'><source dev='/dev/input/e'/>"
		 "</input>",
		 "an evdev input has no bus"},
		{"<input type='passthrough' bus='usb'><source "
		 "evdev='/dev/input/e'/></input>",
		 "<input type='passthrough' bus='usb'> not supported (virtio)"},
		{"<input type='passthrough' bus='virtio'/>",
		 "<input type='passthrough'>: missing <source>"},
		{"<input type='evdev'><source dev='event1'/></input>",
		 "<source dev='event1'>: not an absolute path"},
		{"<input type='evdev'><source dev='/dev/input/e' "
		 "grab='some'/></input>",
		 "invalid grab 'some' (all)"},
		{"<input type='evdev'><source dev='/dev/input/e' "
		 "grabToggle='ctrl-alt'/></input>",
		 "invalid grab toggle 'ctrl-alt'"},
		{"<input type='evdev'><source dev='/dev/input/e' "
		 "repeat='yes'/></input>",
		 "invalid repeat 'yes'"},
		{"<input type='passthrough' bus='virtio'><source "
		 "evdev='/dev/input/e' dev='/x'/></input>",
		 "dev"},
		{MDEV(" display='on'", UUID1),
		 "display='on' needs a <graphics> (vnc or spice)"},
		{"<graphics type='vnc'/>" MDEV(" display='on' ramfb='on'",
					       UUID1)
			 MDEV(" display='on' ramfb='on'", UUID2),
		 "a second mediated device with ramfb='on' (one at most)"},
		{MDEV("", UUID1) MDEV("", UUID1),
		 "host device mdev " UUID1 " given twice"},
		{"<hostdev mode='subsystem' type='mdev' model='vfio-ccw'>"
		 "<source><address uuid='" UUID1 "'/></source></hostdev>",
		 "<hostdev type='mdev' model='vfio-ccw'> not supported"},
		{"<hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
		 "<source><address bus='6' slot='1' function='0'/></source>"
		 "</hostdev>",
		 "missing uuid= of the mediated device"},
		{MDEV("", "not-a-uuid"), "invalid uuid 'not-a-uuid'"},
		{"<hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
		 "<source><address uuid='" UUID1 "'/></source><address "
		 "type='drive' controller='0' bus='0' target='0' unit='0'/>"
		 "</hostdev>",
		 "<address type='drive'> on a mediated device (pci)"},
		{"<graphics type='vnc'/>" MDEV(" ramfb='on'", UUID1),
		 "ramfb='on' without display='on'"},
		{"<hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
		 "<source><address uuid='" UUID1 "'/></source><boot "
		 "order='1'/></hostdev>",
		 "<boot> on a mediated device not supported"},
		{"<hostdev mode='subsystem' type='scsi'/>", "missing <source>"},
		{SCSI_HOSTDEV("0", "0", ""),
		 "host device SCSI 0:0:0:0: on SCSI controller 0, which the "
		 "definition does not give"},
		{VSCSI SCSI_HOSTDEV("0", "0", "") SCSI_HOSTDEV("0", "0", ""),
		 "host device SCSI 0:0:0:0 given twice"},
		{VSCSI SCSI_HOSTDEV("0", "0",
				    "<address type='drive' controller='0' "
				    "bus='0' target='0' unit='3'/>")
			 SCSI_HOSTDEV("0", "1",
				      "<address type='drive' controller='0' "
				      "bus='0' target='0' unit='3'/>"),
		 "SCSI address controller 0, target 0, unit 3 used by another "
		 "host device"},
		{VSCSI "<disk type='file'><source file='/d.img'/><target "
		       "dev='sda' bus='scsi'/></disk>" SCSI_HOSTDEV(
			       "0", "0",
			       "<address type='drive' controller='0' bus='0' "
			       "target='0' unit='0'/>"),
		 "disk 'sda' and host device SCSI 0:0:0:0 at one SCSI address"},
		{"<controller type='scsi' index='0' "
		 "model='lsilogic'/>" SCSI_HOSTDEV(
			 "0", "0",
			 "<address type='drive' controller='0' "
			 "bus='0' target='0' unit='7'/>"),
		 "not on its lsilogic controller"},
		{"<hostdev mode='subsystem' type='scsi'><source "
		 "protocol='iscsi' name='iqn.1992-01.com.example'><host "
		 "name='example.org' port='3260'/></source></hostdev>",
		 "<source protocol='iscsi'> on a SCSI host device not "
		 "supported"},
		{SCSI_HOSTDEV("x", "0", ""),
		 "invalid adapter name 'scsi_hostx' (scsi_hostN)"},
		{SCSI_HOSTDEV("0", "-1", ""), "invalid unit '-1'"},
		{"<hostdev mode='subsystem' type='scsi' sgio='unfiltered'>"
		 "<source><adapter name='scsi_host0'/><address bus='0' "
		 "target='0' unit='0'/></source></hostdev>",
		 "sgio"},
		{"<hostdev mode='subsystem' type='scsi_host'><source "
		 "protocol='vhost' wwpn='naa.51234'/></hostdev>",
		 "invalid wwpn 'naa.51234' (naa. and 16 hex digits)"},
		{"<hostdev mode='subsystem' type='scsi_host'><source "
		 "protocol='vhost' wwpn='naa.5123456789abcde0'/><boot "
		 "order='1'/></hostdev>",
		 "<boot order> on a vhost-scsi host device"},
		{"<hostdev mode='subsystem' type='scsi_host' "
		 "model='virtio-foo'><source protocol='vhost' "
		 "wwpn='naa.5123456789abcde0'/></hostdev>",
		 "invalid vhost-scsi model 'virtio-foo'"},
		{"<hostdev mode='subsystem' type='pci'><source><address "
		 "bus='6' slot='1' function='1'/></source><readonly/>"
		 "</hostdev>",
		 "<readonly/> or <shareable/> on a host device of type 'pci'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i][0]);

		CHECK_STR_CONTAINS(r, cases[i][1]);
	}
}

/* nido-vmm and containers have no host devices: refused by name. */
static void other_drivers_refuse(void)
{
	static const char *const doms[] = {
		"<domain type='kvm'><name>k</name><memory>65536</memory><os>"
		"<type>hvm</type><kernel>/k</kernel></os><devices>"
		"<emulator>/usr/bin/nido-vmm</emulator>",
		"<domain type='lxc'><name>c</name><memory>65536</memory><os>"
		"<type>exe</type><init>/sbin/init</init></os><devices>"};
	static const char *const want[] = {"not supported by the kvm driver",
					   "not supported by the ct driver"};

	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *text = xasprintf(
			"%s%s</devices></domain>", doms[i],
			PCI("<address bus='6' slot='1' function='1'/>"));
		_cleanup_err_ struct err *e = NULL;
		struct domain_def *d = NULL;

		CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) < 0);
		CHECK_STR_CONTAINS(err_msg(e), "<hostdev>");
		CHECK_STR_CONTAINS(err_msg(e), want[i]);
		domain_def_free(d);
	}
}

/* This host has no PCI device ffff:ff:1f.7 and no USB bus 255: a start
 * stops before QEMU, naming the device, leaving nothing open. */
static void start_needs_the_device(void)
{
	_cleanup_err_ struct err *e1 = NULL, *e2 = NULL;
	struct domain_def *d =
		parse(PCI("<address domain='0xffff' bus='0xff' slot='0x1f' "
			  "function='7'/>"),
		      &e1);
	struct domain_def *u =
		parse("<hostdev mode='subsystem' type='usb'><source><address "
		      "bus='255' device='255'/></source></hostdev>",
		      &e2);
	int fds[1] = {-1};

	if (!d || !u) {
		TEST_FAIL("refused");
		domain_def_free(d);
		domain_def_free(u);
		return;
	}
	CHECK_INT_EQ(qemu_hostdevs_prepare(d, (uid_t)-1, fds, &e1), -ENODEV);
	CHECK_STR_EQ(err_msg(e1), "host PCI device ffff:ff:1f.7 not found");
	CHECK_INT_EQ(qemu_hostdevs_prepare(u, (uid_t)-1, fds, &e2), -ENODEV);
	CHECK_STR_EQ(err_msg(e2), "host device USB 255:255 not found");
	CHECK_INT_EQ(fds[0], -1);
	domain_def_free(d);
	domain_def_free(u);
}

/* libvirt's input-linux and virtio-input-passthrough: a host's input
 * device read by QEMU (-object input-linux) or given to the guest
 * (virtio-input-host-pci). */
static void input_devices_of_the_host(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = accepted(
		"<input type='evdev'><source dev='/dev/input/event1234' "
		"grab='all' grabToggle='alt-alt' repeat='on'/></input>"
		"<input type='passthrough' bus='virtio'><source "
		"evdev='/dev/input/by-id/kbd-event'/><address type='pci' "
		"domain='0' bus='0' slot='7' function='0'/></input>"
		"<input type='passthrough' bus='virtio'><source "
		"evdev='/dev/input/event7'/></input>");
	_cleanup_free_ char *s = NULL, *def = NULL;

	if (!d)
		return;
	s = argv_of(d, NULL);
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(s, "-object\n{\"qom-type\":\"input-linux\",\"id\":"
			      "\"input0\",\"evdev\":\"/dev/input/event1234\","
			      "\"repeat\":true,\"grab_all\":true,\"grab-"
			      "toggle\":\"alt-alt\"}\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-input-host-pci\",\"id\":"
			      "\"input1\",\"evdev\":\"/dev/input/by-id/kbd-"
			      "event\",\"bus\":\"pci.0\",\"addr\":\"0x7\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-input-host-pci\",\"id\":"
			      "\"input2\",\"evdev\":\"/dev/input/event7\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x3\"}");
	CHECK_STR_CONTAINS(def, "<input type='evdev'>\n      <source "
				"dev='/dev/input/event1234' grab='all' "
				"grabToggle='alt-alt' repeat='on'/>\n    "
				"</input>\n");
	CHECK_STR_CONTAINS(def, "<input type='passthrough' bus='virtio'>\n"
				"      <source evdev='/dev/input/by-id/kbd-"
				"event'/>\n      <address type='pci' "
				"domain='0x0000' bus='0x00' slot='0x07' "
				"function='0x0'/>\n    </input>\n");
	/* a start needs the node to be an input device's */
	CHECK_INT_EQ(qemu_evdevs_prepare(d, (uid_t)-1, &e), -ENODEV);
	CHECK_STR_EQ(err_msg(e), "input device '/dev/input/event1234' not "
				 "found");
	domain_def_free(d);
	d = parse("<input type='passthrough' bus='virtio'><source "
		  "evdev='/dev/null'/></input>",
		  &e);
	CHECK(d != NULL);
	if (d) {
		err_free(steal_ptr(e));
		CHECK(qemu_evdevs_prepare(d, (uid_t)-1, &e) < 0);
		CHECK_STR_CONTAINS(err_msg(e),
				   "input device '/dev/null' is not "
				   "an input device node");
	}
	domain_def_free(d);
}

/* libvirt's hostdev-mdev-precreated and hostdev-mdev-display-ramfb: a
 * mediated device on its sysfs directory, its display and ramfb. */
static void mediated_devices(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = accepted(
		"<graphics type='vnc'/>" MDEV(" display='on' ramfb='on'", UUID1)
			MDEV(" display='off'", UUID2));
	_cleanup_free_ char *s = NULL, *def = NULL;

	if (!d)
		return;
	s = argv_of(d, NULL);
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"vfio-pci-nohotplug\",\"id\":"
			      "\"hostdev0\",\"sysfsdev\":\"/sys/bus/mdev/"
			      "devices/" UUID1 "\",\"display\":\"on\","
			      "\"ramfb\":true,\"bus\":\"pci.0\",");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"vfio-pci\",\"id\":\"hostdev1\","
			      "\"sysfsdev\":\"/sys/bus/mdev/devices/53764d0e-"
			      "85a0-42b4-af5c-2046b460b1dd\",\"display\":"
			      "\"off\",\"bus\":\"pci.0\",");
	CHECK_STR_CONTAINS(def, "<hostdev mode='subsystem' type='mdev' "
				"model='vfio-pci' display='on' ramfb='on'>\n"
				"      <source>\n        <address uuid='" UUID1
				"'/>\n      </source>\n");
	/* VFIO pins the guest's memory, for a mediated device too */
	CHECK(qemu_hostdev_memlock(d, 0) >= (64u << 20) + (1ull << 30));
	/* not created on this host: a start names it */
	CHECK_INT_EQ(qemu_hostdevs_prepare(d, (uid_t)-1, (int[2]){-1, -1}, &e),
		     -ENODEV);
	CHECK_STR_CONTAINS(err_msg(e), "mediated device " UUID1 " not found");
	domain_def_free(d);
}

/* libvirt's hostdev-scsi-virtio-scsi and hostdev-scsi-vhost-scsi-pci: a
 * host's LUN on scsi-generic, in an fd set; a vhost-scsi target. */
static void scsi_host_devices(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = accepted(
		VSCSI SCSI_HOSTDEV("0", "0",
				   "<address type='drive' controller='0' "
				   "bus='0' target='4' unit='8'/>")
			SCSI_HOSTDEV("0", "1", "<readonly/><shareable/>")
				SCSI_HOSTDEV(
					"3", "1074872354",
					"<boot order='2'/>") "<hostdev "
							     "mode='subsystem' "
							     "type='scsi_host' "
							     "managed='no'>"
							     "<source "
							     "protocol='vhost' "
							     "wwpn='naa."
							     "5123456789abcde0'"
							     "/>"
							     "</hostdev>");
	_cleanup_free_ char *s = NULL, *native = NULL, *def = NULL;
	int fds[4] = {40, 41, 42, 43};

	if (!d)
		return;
	s = argv_of(d, fds);
	native = argv_of(d, NULL);
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(s, "-add-fd\nfd=40,set=100000\n-blockdev\n{\"driver"
			      "\":\"host_device\",\"filename\":\"/dev/fdset/"
			      "100000\",\"node-name\":\"hostdev0-backend\","
			      "\"read-only\":false}\n-device\n{\"driver\":"
			      "\"scsi-generic\",\"drive\":\"hostdev0-backend"
			      "\",\"id\":\"hostdev0\",\"bus\":\"scsi0.0\","
			      "\"channel\":0,\"scsi-id\":4,\"lun\":8}\n");
	/* no address: the first free unit */
	CHECK_STR_CONTAINS(s, "\"node-name\":\"hostdev1-backend\",\"read-"
			      "only\":true}\n-device\n{\"driver\":\"scsi-"
			      "generic\",\"drive\":\"hostdev1-backend\","
			      "\"id\":\"hostdev1\",\"bus\":\"scsi0.0\","
			      "\"channel\":0,\"scsi-id\":0,\"lun\":0}\n");
	CHECK_STR_CONTAINS(s, "\"scsi-id\":0,\"lun\":1,\"bootindex\":2}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"vhost-scsi-pci\",\"wwpn\":"
			      "\"naa.5123456789abcde0\",\"vhostfd\":\"43\","
			      "\"id\":\"hostdev3\",\"bus\":\"pci.0\",");
	/* natively: the LUN's sysfs name (this host has none) */
	CHECK_STR_CONTAINS(native, "\"filename\":\"/sys/bus/scsi/devices/"
				   "3:0:0:1074872354\"");
	CHECK_STR_CONTAINS(def, "<hostdev mode='subsystem' type='scsi' "
				"managed='yes'>\n      <source>\n        "
				"<adapter name='scsi_host0'/>\n        "
				"<address bus='0' target='0' unit='1'/>\n"
				"      </source>\n      <readonly/>\n      "
				"<shareable/>\n    </hostdev>\n");
	CHECK_STR_CONTAINS(def, "<source>\n        <adapter "
				"name='scsi_host0'/>\n        <address "
				"bus='0' target='0' unit='0'/>\n      "
				"</source>\n      <address type='drive' "
				"controller='0' bus='0' target='4' "
				"unit='8'/>\n");
	CHECK_STR_CONTAINS(def, "<hostdev mode='subsystem' type='scsi_host' "
				"managed='no'>\n      <source "
				"protocol='vhost' wwpn='naa.5123456789abcde0'"
				"/>\n");
	/* this host has no such LUN: a start names it */
	CHECK_INT_EQ(qemu_hostdevs_prepare(d, (uid_t)-1, fds, &e), -ENODEV);
	CHECK_STR_EQ(err_msg(e), "host device SCSI 0:0:0:0 not found (no "
				 "such LUN, or no sg node: the sg module)");
	CHECK_INT_EQ(fds[0], -1);
	domain_def_free(d);
}

/* A host without vhost-scsi holds the definition; a start refuses it by
 * name. */
static void vhost_scsi_needs_the_module(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = accepted(
		"<hostdev mode='subsystem' type='scsi_host'><source "
		"protocol='vhost' wwpn='naa.5123456789abcde0'/></hostdev>");
	int fd = -1;

	if (!d)
		return;
	if (access("/dev/vhost-scsi", F_OK) == 0) {
		domain_def_free(d);
		SKIP("this host has /dev/vhost-scsi");
	}
	CHECK_INT_EQ(qemu_hostdevs_prepare(d, (uid_t)-1, &fd, &e), -ENODEV);
	CHECK_STR_EQ(err_msg(e), "host device vhost-scsi naa.5123456789abcde0: "
				 "/dev/vhost-scsi not found (the host's "
				 "vhost_scsi module is not loaded)");
	domain_def_free(d);
}

int main(void)
{
	RUN(pci_through_vfio);
	RUN(unassigned_is_detached_not_given);
	RUN(usb_by_address_or_ids);
	RUN(refused_by_name);
	RUN(other_drivers_refuse);
	RUN(start_needs_the_device);
	RUN(input_devices_of_the_host);
	RUN(mediated_devices);
	RUN(scsi_host_devices);
	RUN(vhost_scsi_needs_the_module);
	return test_done();
}
