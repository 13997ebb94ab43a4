// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * USB controllers beyond one (an ICH9 EHCI with its UHCI companions,
 * other indexes) and <redirdev>/<redirfilter> (domain_conf_usb.c,
 * driver-qemu-usb.c): from domain XML, through define's checks, to
 * QEMU's -device and -chardev options as libvirt's command lines have
 * them (its tests usb-ich9-companion, usb-ich9-ehci-addr,
 * controller-usb-order, usb-redir, usb-redir-unix, usb-redir-filter),
 * back out in the definition; and what is refused, by name.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

static struct domain_def *parse(const char *devs)
{
	_cleanup_free_ char *why = NULL;
	struct domain_def *d = qemu_test_define(devs, &why);

	if (!d)
		TEST_FAIL("%s", why);
	return d;
}

static char *argv_of(const struct domain_def *d)
{
	return qemu_test_def_argv(d, 30);
}

/* Define's error for @devs, "(accepted)" when there is none. */
static char *refusal(const char *devs)
{
	_cleanup_free_ char *text = qemu_test_xml(devs);
	char *r = qemu_test_refusal(text);

	return r ? r : xstrdup("(accepted)");
}

/* The definition @d formatted, parsed and formatted again: the same. */
static void round_trip(const struct domain_def *d)
{
	_cleanup_free_ char *one = domain_def_format(d);
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d2 = NULL;
	_cleanup_free_ char *two = NULL;

	if (domain_def_parse(one, strlen(one), &d2, NULL, &e) < 0) {
		TEST_FAIL("the definition again refused: %s", err_msg(e));
		return;
	}
	two = domain_def_format(d2);
	CHECK_STR_EQ(one, two);
	domain_def_free(d2);
}

#define CTL(model, extra)                                           \
	"<controller type='usb' index='0' model='" model "'>" extra \
	"</controller>"
#define AT(slot, fn)                                                           \
	"<address type='pci' domain='0' bus='0' slot='" slot "' function='" fn \
	"'/>"

static void ich9_companions(void)
{
	struct domain_def *d = parse(
		CTL("ich9-ehci1", AT("4", "7")) CTL(
			"ich9-uhci1", "<master startport='0'/>"
				      "<address type='pci' domain='0' "
				      "bus='0' slot='4' function='0' "
				      "multifunction='on'/>")
			CTL("ich9-uhci2",
			    "<master startport='2'/>" AT("4", "1"))
				CTL("ich9-uhci3",
				    "<master "
				    "startport='4'/>" AT(
					    "4", "2")) "<input type='tablet' "
						       "bus='usb'/>");
	_cleanup_free_ char *s = NULL, *def = NULL;

	if (!d)
		return;
	s = argv_of(d);
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ich9-usb-ehci1\",\"id\":\"usb\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x4.0x7\"}\n"
			      "-device\n{\"driver\":\"ich9-usb-uhci1\","
			      "\"masterbus\":\"usb.0\",\"firstport\":0,"
			      "\"bus\":\"pci.0\",\"multifunction\":true,"
			      "\"addr\":\"0x4\"}\n-device\n{\"driver\":\"ich9-"
			      "usb-uhci2\",\"masterbus\":\"usb.0\","
			      "\"firstport\":2,\"bus\":\"pci.0\",\"addr\":"
			      "\"0x4.0x1\"}\n-device\n{\"driver\":\"ich9-usb-"
			      "uhci3\",\"masterbus\":\"usb.0\",\"firstport\":"
			      "4,\"bus\":\"pci.0\",\"addr\":\"0x4.0x2\"}\n");
	CHECK_STR_CONTAINS(s, "\"usb-tablet\",\"id\":\"input0\",\"bus\":"
			      "\"usb.0\"");
	CHECK_STR_CONTAINS(def, "<controller type='usb' index='0' "
				"model='ich9-uhci2'>\n      <master "
				"startport='2'/>\n      <address type='pci' "
				"domain='0x0000' bus='0x00' slot='0x04' "
				"function='0x1'/>\n    </controller>\n");
	round_trip(d);
	domain_def_free(d);
}

/* libvirt's usb-ich9-ehci-addr: no addresses, companions without
 * <master>, indexes out of order; each index's group in a slot of its
 * own, by index, the EHCI at function 7. */
static void ich9_placed_by_index(void)
{
	struct domain_def *d =
		parse("<controller type='usb' index='0' model='ich9-ehci1'/>"
		      "<controller type='usb' index='2' model='ich9-ehci1'/>"
		      "<controller type='usb' index='1' model='ich9-ehci1'/>"
		      "<controller type='usb' index='0' model='ich9-uhci1'/>"
		      "<controller type='usb' index='1' model='ich9-uhci1'/>"
		      "<controller type='usb' index='2' model='ich9-uhci3'/>"
		      "<controller type='usb' index='2' model='ich9-uhci1'/>");
	_cleanup_free_ char *s = NULL;

	if (!d)
		return;
	s = argv_of(d);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ich9-usb-ehci1\",\"id\":\"usb\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x2.0x7\"}\n"
			      "-device\n{\"driver\":\"ich9-usb-uhci1\","
			      "\"masterbus\":\"usb.0\",\"firstport\":0,"
			      "\"bus\":\"pci.0\",\"multifunction\":true,"
			      "\"addr\":\"0x2\"}\n-device\n{\"driver\":\"ich9-"
			      "usb-ehci1\",\"id\":\"usb1\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x3.0x7\"}\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ich9-usb-ehci1\",\"id\":\"usb2\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x4.0x7\"}\n"
			      "-device\n{\"driver\":\"ich9-usb-uhci3\","
			      "\"masterbus\":\"usb2.0\",\"firstport\":4,"
			      "\"bus\":\"pci.0\",\"addr\":\"0x4.0x2\"}\n"
			      "-device\n{\"driver\":\"ich9-usb-uhci1\","
			      "\"masterbus\":\"usb2.0\",\"firstport\":0,"
			      "\"bus\":\"pci.0\",\"multifunction\":true,"
			      "\"addr\":\"0x4\"}\n");
	round_trip(d);
	domain_def_free(d);
}

/* libvirt's controller-usb-order: a companion before its EHCI in the
 * document, an xHCI of index 1. */
static void companion_first_and_a_second_index(void)
{
	struct domain_def *d = parse(
		CTL("ich9-uhci1", "<master startport='0'/>" AT("6", "0"))
			CTL("ich9-ehci1",
			    AT("6", "7")) "<controller type='usb' index='1' "
					  "model='nec-xhci'>" AT(
						  "0x0a", "0") "</controller>");
	_cleanup_free_ char *s = NULL;

	if (!d)
		return;
	s = argv_of(d);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ich9-usb-ehci1\",\"id\":\"usb\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x6.0x7\"}\n"
			      "-device\n{\"driver\":\"ich9-usb-uhci1\","
			      "\"masterbus\":\"usb.0\",\"firstport\":0,"
			      "\"bus\":\"pci.0\",\"multifunction\":true,"
			      "\"addr\":\"0x6\"}\n-device\n{\"driver\":\"nec-"
			      "usb-xhci\",\"id\":\"usb1\",\"bus\":\"pci.0\","
			      "\"addr\":\"0xa\"}\n");
	round_trip(d);
	domain_def_free(d);
}

/* A second PIIX3 UHCI (index 1) has a slot of its own: only index 0's
 * is the PIIX3's function 2. */
static void a_second_uhci(void)
{
	struct domain_def *d =
		parse("<controller type='usb' index='0' model='piix3-uhci'/>"
		      "<controller type='usb' index='1' model='piix3-uhci'/>");
	_cleanup_free_ char *s = NULL;

	if (!d)
		return;
	s = argv_of(d);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"piix3-usb-uhci\",\"id\":\"usb\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x1.0x2\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"piix3-usb-uhci\",\"id\":"
			      "\"usb1\",\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
	domain_def_free(d);
}

/* libvirt's usb1-usb2: devices on the controllers of indexes 1 and 2
 * (their buses usb1.0, usb2.0), host devices at ports of their own. */
static void devices_on_other_buses(void)
{
	struct domain_def *d = parse(
		"<controller type='usb' index='0' model='piix3-uhci'/>"
		"<controller type='usb' index='1' model='ich9-ehci1'/>"
		"<controller type='usb' index='1' model='ich9-uhci1'/>"
		"<controller type='usb' index='2' model='qemu-xhci' "
		"ports='2'/>"
		"<input type='tablet' bus='usb'><address type='usb' bus='0' "
		"port='2'/></input>"
		"<hub type='usb'><address type='usb' bus='1' port='1'/></hub>"
		"<hostdev mode='subsystem' type='usb'><source><address "
		"bus='14' device='6'/></source><address type='usb' bus='2' "
		"port='4'/></hostdev>");
	_cleanup_free_ char *s = NULL, *def = NULL;
	struct qemu_argv a = {0};

	if (!d)
		return;
	s = argv_of(d);
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"usb-tablet\",\"id\":\"input0\","
			      "\"bus\":\"usb.0\",\"port\":\"2\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"usb-hub\",\"id\":\"hub0\","
			      "\"bus\":\"usb1.0\",\"port\":\"1\"}");
	qemu_argv_hostdevs(&a, d, NULL);
	free(s);
	s = qemu_test_args(&a);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"usb-host\",\"hostdevice\":"
			      "\"/dev/bus/usb/014/006\",\"id\":\"hostdev0\","
			      "\"bus\":\"usb2.0\",\"port\":\"4\"}");
	CHECK_STR_CONTAINS(def, "<address type='usb' bus='2' port='4'/>");
	round_trip(d);
	domain_def_free(d);
}

#define SPICE "<graphics type='spice' autoport='yes'/>"

static void redirdevs_with_a_filter(void)
{
	struct domain_def *d =
		parse(CTL("ich9-ehci1", "") SPICE
		      "<redirdev bus='usb' type='tcp'><source mode='connect' "
		      "host='localhost' service='4000'/><protocol type='raw'/>"
		      "<boot order='1'/></redirdev>"
		      "<redirdev bus='usb' type='spicevmc'><address type='usb' "
		      "bus='0' port='4'/></redirdev>"
		      "<redirfilter><usbdev class='0x08' vendor='0x15E1' "
		      "product='0x2007' version='9.4' allow='yes'/><usbdev "
		      "allow='no'/></redirfilter>");
	_cleanup_free_ char *s = NULL, *def = NULL;

	if (!d)
		return;
	s = argv_of(d);
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=charredir0,host=localhost,"
			      "port=4000\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"usb-redir\",\"chardev\":"
			      "\"charredir0\",\"id\":\"redir0\",\"filter\":"
			      "\"0x08:0x15E1:0x2007:0x0940:1|-1:-1:-1:-1:0\","
			      "\"bootindex\":1,\"bus\":\"usb.0\"}");
	CHECK_STR_CONTAINS(s, "-chardev\nspicevmc,id=charredir1,name="
			      "usbredir\n-device\n{\"driver\":\"usb-redir\","
			      "\"chardev\":\"charredir1\",\"id\":\"redir1\","
			      "\"filter\":\"0x08:0x15E1:0x2007:0x0940:1|-1:-1:"
			      "-1:-1:0\",\"bus\":\"usb.0\",\"port\":\"4\"}");
	/* per-device boot orders: no -boot order= */
	CHECK(!strstr(s, "order=c"));
	CHECK_STR_CONTAINS(def, "<redirdev bus='usb' type='tcp'>\n      "
				"<source mode='connect' host='localhost' "
				"service='4000'/>\n      <protocol "
				"type='raw'/>\n      <boot order='1'/>\n");
	CHECK_STR_CONTAINS(def, "<redirfilter>\n      <usbdev class='0x08' "
				"vendor='0x15E1' product='0x2007' "
				"version='9.40' allow='yes'/>\n      <usbdev "
				"class='-1' vendor='-1' product='-1' "
				"version='-1' allow='no'/>\n    "
				"</redirfilter>\n");
	round_trip(d);
	domain_def_free(d);
}

/* A unix redirdev: nidod binds or connects, QEMU gets the fd. */
static void redirdev_on_unix_sockets(void)
{
	struct domain_def *d =
		parse("<redirdev bus='usb' type='unix'><source mode='bind' "
		      "path='/run/nido-test/redir.sock'/></redirdev>");
	_cleanup_free_ char *s = NULL;

	if (!d)
		return;
	s = argv_of(d);
	CHECK_INT_EQ((int)qemu_chr_n_fds(d), 1);
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=charredir0,fd=30,server="
			      "on,wait=off\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"usb-redir\",\"chardev\":"
			      "\"charredir0\",\"id\":\"redir0\",\"bus\":"
			      "\"usb.0\"}");
	/* the PIIX3's own UHCI */
	CHECK_STR_CONTAINS(s, "{\"driver\":\"piix3-usb-uhci\",\"id\":\"usb\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x1.0x2\"}");
	round_trip(d);
	domain_def_free(d);
}

/* libvirt's disk-usb-device-removable: usb-storage, after the USB
 * controller it sits on. */
static void usb_disks(void)
{
	struct domain_def *d = parse(
		"<disk type='file'><source file='/srv/stick.img'/><target "
		"dev='sda' bus='usb' removable='on'/><boot order='1'/></disk>"
		"<disk type='file'><source file='/srv/b.img'/><target "
		"dev='sdb' bus='usb'/></disk>");
	_cleanup_free_ char *s = NULL, *def = NULL;
	const char *ctl, *dev;

	if (!d)
		return;
	s = argv_of(d);
	def = domain_def_format(d);
	ctl = strstr(s, "\"piix3-usb-uhci\"");
	dev = strstr(s, "{\"driver\":\"usb-storage\",\"bus\":\"usb.0\","
			"\"removable\":true,\"drive\":\"d0-0\",\"id\":"
			"\"disk0\",\"bootindex\":1}");
	CHECK(ctl != NULL);
	CHECK(dev != NULL);
	CHECK(ctl && dev && ctl < dev);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"usb-storage\",\"bus\":\"usb.0\","
			      "\"removable\":false,\"drive\":\"d1-0\"");
	CHECK_STR_CONTAINS(def, "<target dev='sda' bus='usb' "
				"removable='on'/>");
	round_trip(d);
	domain_def_free(d);
}

static void refused_by_name(void)
{
	static const struct {
		const char *devs, *words;
	} cases[] = {
		{CTL("ich9-uhci2", "<master startport='2'/>"),
		 "ich9-uhci2 of index 0: a companion with no ich9-ehci1"},
		{CTL("ich9-ehci1", "") CTL("ich9-uhci1", "")
			 CTL("ich9-uhci1", ""),
		 "ich9-uhci1 of index 0 given twice"},
		{CTL("ich9-ehci1", "") CTL("ich9-uhci1", "")
			 CTL("ich9-uhci2", "<master startport='1'/>"),
		 "on the same ports (startport 0 and 1)"},
		{CTL("ich9-ehci1", "")
			 CTL("ich9-uhci1", "<master startport='5'/>"),
		 "startport 5 out of range (0 to 4)"},
		{CTL("ich9-ehci1", AT("4", "7")) CTL(
			 "ich9-uhci1", "<master startport='0'/>" AT("5", "0")),
		 "a companion sits in its ich9-ehci1's slot (04)"},
		{CTL("piix3-uhci", "<master startport='0'/>"),
		 "<master> on a USB controller that is not an ICH9"},
		{"<controller type='usb' index='1' model='none'/>",
		 "'none' is index 0's only"},
		{"<controller type='usb' index='9'/>",
		 "USB controller index 9 out of range (0 to 7)"},
		{"<controller type='usb' index='1'/>"
		 "<controller type='usb' index='1' model='nec-xhci'/>",
		 "two USB controllers of index 1"},
		{"<redirdev bus='usb' type='spicevmc'/>",
		 "<redirdev type='spicevmc'> without <graphics type='spice'>"},
		{"<redirdev bus='usb' type='pty'/>",
		 "<redirdev type='pty'> not supported (tcp, unix, spicevmc"},
		{"<redirdev bus='usb' type='tcp'><source mode='connect' "
		 "host='h' service='1'/><protocol type='telnet'/></redirdev>",
		 "usbredir speaks raw"},
		{"<redirdev bus='ide' type='spicevmc'/>",
		 "<redirdev bus='ide'> not supported (usb)"},
		{SPICE "<redirdev bus='usb' type='spicevmc'><address "
		       "type='usb' bus='0' port='3'/></redirdev>",
		 "<redirdev> on USB port '3': the USB controller has 2 ports"},
		{SPICE "<controller type='usb' model='none'/><redirdev "
		       "bus='usb' type='spicevmc'/>",
		 "<redirdev> on USB with USB controller model 'none'"},
		{SPICE "<redirdev bus='usb' type='spicevmc'><address "
		       "type='usb' bus='0' port='1'/></redirdev><input "
		       "type='tablet' bus='usb'><address type='usb' bus='0' "
		       "port='1'/></input>",
		 "USB port '1' used twice"},
		{SPICE "<redirdev bus='usb' type='spicevmc'/><redirfilter>"
		       "<usbdev version='1.100' allow='yes'/></redirfilter>",
		 "invalid version '1.100' (-1 or M.mm"},
		{SPICE "<redirdev bus='usb' type='spicevmc'/><redirfilter>"
		       "<usbdev vendor='0x10000' allow='yes'/></redirfilter>",
		 "invalid vendor '0x10000'"},
		{SPICE "<redirdev bus='usb' type='spicevmc'/><redirfilter>"
		       "<usbdev class='8'/></redirfilter>",
		 "invalid allow ''"},
		{"<disk type='file' device='cdrom'><source file='/a.iso'/>"
		 "<target dev='sda' bus='usb'/></disk>",
		 "disk 'sda': a cdrom on bus 'usb'"},
		{"<disk type='file'><source file='/a.img'/><target dev='vda' "
		 "removable='on'/></disk>",
		 "disk 'vda': removable= on bus 'virtio' (usb only)"},
		{"<controller type='usb' model='none'/><disk type='file'>"
		 "<source file='/a.img'/><target dev='sda' bus='usb'/></disk>",
		 "disk 'sda': on USB with USB controller model 'none'"},
		{"<disk type='file'><source file='/a.img'/><target dev='sda' "
		 "bus='usb'/><address type='drive' controller='0' bus='0' "
		 "target='0' unit='0'/></disk>",
		 "disk 'sda': a drive <address> on bus 'usb'"},
		{"<disk type='file'><source file='/a.img'/><target dev='sda' "
		 "bus='usb' removable='yes'/></disk>",
		 "invalid removable 'yes'"},
		{"<hub type='usb'><address type='usb' bus='1' port='1'/>"
		 "</hub>",
		 "<hub> on USB bus '1': no USB controller of index 1"},
		{"<controller type='usb' index='1' model='qemu-xhci' "
		 "ports='2'/><hub type='usb'><address type='usb' bus='1' "
		 "port='5'/></hub>",
		 "<hub> on USB port '5': the USB controller has 4 ports"},
		{"<input type='tablet' bus='usb'><address type='usb' bus='8' "
		 "port='1'/></input>",
		 "USB bus 8 out of range (0 to 7)"},
		{SPICE "<redirfilter/><redirfilter/>",
		 "a second <redirfilter>"},
		{SPICE "<redirdev bus='usb' type='spicevmc'><boot "
		       "order='1'/></redirdev><disk type='file'><source "
		       "file='/d.img'/><target dev='vda' bus='virtio'/><boot "
		       "order='1'/></disk>",
		 "boot order 1 of redirdev 0 used twice"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i].devs);

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

int main(void)
{
	RUN(ich9_companions);
	RUN(ich9_placed_by_index);
	RUN(companion_first_and_a_second_index);
	RUN(a_second_uhci);
	RUN(devices_on_other_buses);
	RUN(redirdevs_with_a_filter);
	RUN(redirdev_on_unix_sockets);
	RUN(usb_disks);
	RUN(refused_by_name);
	return test_done();
}
