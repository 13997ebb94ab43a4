// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU's command line for the machine around the guest
 * (driver-qemu-argv-hw.c, driver-qemu-pci.c): from domain XML as a user
 * gives it, through what `nido define` checks, to the -device and
 * options QEMU gets: SCSI controllers and disks, disk cache and
 * read-only, block devices, the balloon, the watchdog, the panic device,
 * the boot menu and network boot, the clock, ACPI, USB models, an i686
 * guest's CPU, PCI addresses, and a VNC password that never reaches the
 * command line.
 */
#include <errno.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

/* A domain with @os inside <os> and @devs inside <devices>. */
static char *xml(const char *os, const char *top, const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type>%s</os>%s"
			 "<devices>%s</devices></domain>",
			 os, top, devs);
}

static char *argv_of(const char *text, const char *emulator)
{
	return qemu_test_argv(text, emulator);
}

static char *argv_for(const char *os, const char *top, const char *devs)
{
	_cleanup_free_ char *x = xml(os, top, devs);

	return argv_of(x, "/usr/bin/qemu-system-x86_64");
}

static void scsi_controller_and_disks(void)
{
	_cleanup_free_ char *s = argv_for(
		"", "",
		"<controller type='scsi' index='0' model='virtio-scsi'/>"
		"<disk type='file'><source file='/a'/>"
		"<target dev='sda' bus='scsi'/></disk>"
		"<disk type='file' device='cdrom'><source file='/c.iso'/>"
		"<target dev='sdb' bus='scsi'/><readonly/></disk>"
		"<controller type='scsi' index='1' model='lsilogic'/>"
		"<disk type='file'><source file='/b'/><target dev='sdh' "
		"bus='scsi'/></disk>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-scsi-pci\",\"id\":"
			      "\"scsi0\",\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"lsi\",\"id\":\"scsi1\",\"bus\":"
			      "\"pci.0\",\"addr\":\"0x3\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"scsi-hd\",\"bus\":\"scsi0.0\","
			      "\"channel\":0,\"scsi-id\":0,\"lun\":0,\"drive\":"
			      "\"d0-0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"scsi-cd\",\"bus\":\"scsi0.0\","
			      "\"channel\":0,\"scsi-id\":0,\"lun\":1,\"drive\":"
			      "\"d1-0\"");
	/* sdh: the eighth disk, controller 1 unit 0 as libvirt counts */
	CHECK_STR_CONTAINS(s, "{\"driver\":\"scsi-hd\",\"bus\":\"scsi1.0\","
			      "\"scsi-id\":0,\"drive\":\"d2-0\"");
	CHECK_STR_CONTAINS(s, "\"node-name\":\"d1-0\",\"read-only\":true");
}

/* A SCSI disk on a controller not given: libvirt's implicit one, an
 * LSI (lsilogic), in the definition and on the command line. */
static void scsi_without_its_controller_gets_an_lsi(void)
{
	_cleanup_free_ char *x = xml("", "",
				     "<disk type='file'><source file='/a'/>"
				     "<target dev='sda' bus='scsi'/></disk>");
	_cleanup_free_ char *s = argv_of(x, "/usr/bin/qemu-system-x86_64");
	struct domain_def *d = NULL;
	_cleanup_free_ char *out = NULL;

	if (!s || domain_def_parse(x, strlen(x), &d, NULL, NULL) < 0)
		return;
	out = domain_def_format(d);
	CHECK_STR_CONTAINS(out, "<controller type='scsi' index='0' "
				"model='lsilogic'/>");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"lsi\",\"id\":\"scsi0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"scsi-hd\",\"bus\":\"scsi0.0\","
			      "\"scsi-id\":0,");
	domain_def_free(d);
}

static void disk_cache_readonly_and_block(void)
{
	_cleanup_free_ char *s = argv_for(
		"", "",
		"<disk type='file'><driver name='qemu' type='raw' "
		"cache='none'/><source file='/a'/><target dev='vda'/></disk>"
		"<disk type='block'><driver name='qemu' cache='writethrough'/>"
		"<source dev='/dev/vg/b'/><target dev='vdb'/><readonly/>"
		"</disk>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s,
			   "{\"driver\":\"file\",\"filename\":"
			   "\"/dev/fdset/1\",\"node-name\":\"f0-0\","
			   "\"read-only\":false,\"locking\":\"off\","
			   "\"cache\":{\"direct\":true,\"no-flush\":false}}");
	CHECK_STR_CONTAINS(s,
			   "{\"driver\":\"host_device\",\"filename\":"
			   "\"/dev/fdset/2\",\"node-name\":\"f1-0\","
			   "\"read-only\":true,\"locking\":\"off\","
			   "\"cache\":{\"direct\":false,\"no-flush\":false}}");
	CHECK_STR_CONTAINS(s, "\"id\":\"disk0\",\"bootindex\":1,"
			      "\"write-cache\":\"on\"}");
	CHECK_STR_CONTAINS(s, "\"id\":\"disk1\",\"write-cache\":\"off\"}");
}

static void balloon_watchdog_panic(void)
{
	_cleanup_free_ char *s =
		argv_for("", "",
			 "<watchdog model='i6300esb' action='poweroff'/>"
			 "<memballoon model='virtio' autodeflate='on'><address "
			 "type='pci' domain='0x0000' bus='0x00' slot='0x07' "
			 "function='0x0'/></memballoon><panic model='isa'/>");
	_cleanup_free_ char *none = argv_for(
		"", "", "<memballoon model='none'/><watchdog model='ib700'/>");

	if (!s || !none)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-balloon-pci\",\"id\":"
			      "\"balloon0\",\"bus\":\"pci.0\",\"addr\":\"0x7\","
			      "\"deflate-on-oom\":true}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"i6300esb\",\"id\":\"watchdog0\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
	CHECK_STR_CONTAINS(s, "-action\nwatchdog=poweroff\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pvpanic\",\"ioport\":1285}");
	CHECK(!strstr(none, "balloon"));
	CHECK_STR_CONTAINS(none, "{\"driver\":\"ib700\",\"id\":\"watchdog0\"}");
	CHECK_STR_CONTAINS(none, "-action\nwatchdog=reset\n");
}

static void boot_menu_network_clock_acpi(void)
{
	_cleanup_free_ char *s = argv_for(
		"<boot dev='network'/><boot dev='hd'/>"
		"<bootmenu enable='yes' timeout='3000'/>",
		"<features><acpi/><apic/></features><clock "
		"offset='localtime'/>",
		"<disk type='file'><source file='/a'/><target "
		"dev='vda'/></disk>"
		"<interface type='ethernet'><mac address='52:54:00:00:00:01'/>"
		"</interface>");
	_cleanup_free_ char *plain = argv_for("", "", "");

	if (!s || !plain)
		return;
	CHECK_STR_CONTAINS(s, "-boot\nmenu=on,splash-time=3000\n");
	CHECK_STR_CONTAINS(s, "-rtc\nbase=localtime\n");
	CHECK_STR_CONTAINS(s, "-machine\npc,accel=tcg\n");
	CHECK_STR_CONTAINS(s, "\"id\":\"disk0\",\"bootindex\":2}");
	CHECK_STR_CONTAINS(s, "\"mac\":\"52:54:00:00:00:01\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x2\",\"bootindex\":1}");
	/* libvirt's rule: no <acpi/>, no ACPI */
	CHECK_STR_CONTAINS(plain, "-machine\npc,accel=tcg,acpi=off\n");
	CHECK_STR_CONTAINS(plain, "-rtc\nbase=utc\n");
}

static void usb_models_and_addresses(void)
{
	_cleanup_free_ char *dflt = argv_for("", "", "");
	_cleanup_free_ char *xhci = argv_for(
		"", "",
		"<controller type='usb' index='0' model='qemu-xhci'><address "
		"type='pci' domain='0x0000' bus='0x00' slot='0x04' "
		"function='0x0'/></controller>"
		"<video><model type='vga'/></video>");
	_cleanup_free_ char *x = xml("", "",
				     "<controller type='usb' model='none'/>"
				     "<memballoon model='none'/>");
	_cleanup_free_ char *none = argv_of(x, "/usr/bin/qemu-system-x86_64");

	if (!dflt || !xhci || !none)
		return;
	/* no USB controller given: libvirt's default, the PIIX3's own */
	CHECK_STR_CONTAINS(dflt,
			   "{\"driver\":\"piix3-usb-uhci\",\"id\":\"usb\","
			   "\"bus\":\"pci.0\",\"addr\":\"0x1.0x2\"}");
	CHECK_STR_CONTAINS(xhci, "{\"driver\":\"qemu-xhci\",\"id\":\"usb\","
				 "\"bus\":\"pci.0\",\"addr\":\"0x4\"}");
	CHECK_STR_CONTAINS(xhci, "{\"driver\":\"VGA\",\"id\":\"video0\","
				 "\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
	/* the balloon takes the first slot the others left */
	CHECK_STR_CONTAINS(xhci, "\"balloon0\",\"bus\":\"pci.0\",\"addr\":"
				 "\"0x3\"}");
	CHECK(!strstr(none, "usb"));
}

static void two_devices_on_one_slot_are_refused(void)
{
	_cleanup_free_ char *x =
		xml("", "",
		    "<memballoon model='virtio'><address type='pci' domain='0' "
		    "bus='0' slot='3' function='0'/></memballoon>"
		    "<watchdog model='i6300esb'><address type='pci' domain='0' "
		    "bus='0' slot='3' function='0'/></watchdog>");
	_cleanup_free_ char *y =
		xml("", "",
		    "<memballoon model='virtio'><address type='pci' domain='0' "
		    "bus='1' slot='3' function='0'/></memballoon>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;

	CHECK_INT_EQ(domain_def_parse(x, strlen(x), &d, NULL, &e), -ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e), "two devices at PCI address 00:03.0");
	/* on a PC, bus 1 without its controller: libvirt's pci-bridge */
	CHECK_INT_EQ(domain_def_parse(y, strlen(y), &d, NULL, &e2), 0);
	if (d) {
		_cleanup_free_ char *out = domain_def_format(d);

		CHECK_STR_CONTAINS(out, "<controller type='pci' index='1' "
					"model='pci-bridge'/>");
		domain_def_free(d);
	}
}

static void i686_gets_a_32_bit_cpu(void)
{
	static const char *const x =
		"<domain type='qemu'><name>m</name><memory>65536</memory><os>"
		"<type arch='i686' machine='pc'>hvm</type></os></domain>";
	_cleanup_free_ char *on64 = argv_of(x, "/usr/bin/qemu-system-x86_64");
	_cleanup_free_ char *on32 = argv_of(x, "/usr/bin/qemu-system-i386");

	if (!on64 || !on32)
		return;
	CHECK_STR_CONTAINS(on64, "-cpu\nqemu32\n");
	CHECK(!strstr(on32, "-cpu"));
}

static void cpu_model_features_topology(void)
{
	static const char *const x =
		"<domain type='qemu'><name>m</name><memory>65536</memory>"
		"<vcpu>8</vcpu><os><type arch='x86_64'>hvm</type></os>"
		"<cpu mode='custom' match='exact' check='none'><model "
		"fallback='forbid'>core2duo</model><topology sockets='2' "
		"dies='1' cores='2' threads='2'/><feature policy='require' "
		"name='ds'/><feature policy='disable' name='sse4.2'/></cpu>"
		"</domain>";
	static const char *const bad[][2] = {
		{"<vcpu>3</vcpu><cpu><topology sockets='2' dies='1' cores='1' "
		 "threads='1'/></cpu>",
		 "<topology> makes 2 vCPUs (sockets x dies x cores x threads), "
		 "<vcpu> says 3"},
		{"<cpu mode='host-passthrough'/>",
		 "<cpu mode='host-passthrough'> needs KVM"},
		{"<cpu mode='host-model'/>",
		 "<cpu mode='host-model'> needs KVM"},
		{"<cpu><model>qemu64,+x</model></cpu>",
		 "invalid cpu model 'qemu64,+x'"},
		{"<cpu><feature policy='maybe' name='ds'/></cpu>",
		 "cpu feature policy 'maybe'"},
	};
	_cleanup_free_ char *s = argv_of(x, "/usr/bin/qemu-system-x86_64");
	_cleanup_free_ char *max = NULL;

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-cpu\ncore2duo,+ds,-sse4.2\n");
	CHECK_STR_CONTAINS(s, "-smp\n8,sockets=2,dies=1,cores=2,threads=2\n");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *y = xasprintf(
			"<domain type='qemu'><name>m</name><memory>65536"
			"</memory>%s</domain>",
			bad[i][0]);
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK(domain_def_parse(y, strlen(y), &d, NULL, &e) < 0);
		CHECK_STR_CONTAINS(err_msg(e), bad[i][1]);
	}
	max = argv_for("", "<cpu mode='maximum'/>", "");
	if (max)
		CHECK_STR_CONTAINS(max, "-cpu\nmax\n");
}

static void vnc_password_stays_off_the_command_line(void)
{
	_cleanup_free_ char *x =
		xml("", "",
		    "<graphics type='vnc' autoport='yes' passwd='s3cr3t'/>");
	_cleanup_free_ char *s = argv_of(x, "/usr/bin/qemu-system-x86_64");
	_cleanup_free_ char *long_pw =
		xml("", "", "<graphics type='vnc' passwd='123456789'/>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-vnc\n127.0.0.1:0,to=99,password=on\n");
	CHECK(!strstr(s, "s3cr3t"));
	CHECK_INT_EQ(domain_def_parse(long_pw, strlen(long_pw), &d, NULL, &e),
		     -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "a VNC password has at most 8");
}

int main(void)
{
	RUN(scsi_controller_and_disks);
	RUN(scsi_without_its_controller_gets_an_lsi);
	RUN(disk_cache_readonly_and_block);
	RUN(balloon_watchdog_panic);
	RUN(boot_menu_network_clock_acpi);
	RUN(usb_models_and_addresses);
	RUN(two_devices_on_one_slot_are_refused);
	RUN(i686_gets_a_32_bit_cpu);
	RUN(cpu_model_features_topology);
	RUN(vnc_password_stays_off_the_command_line);
	return test_done();
}
