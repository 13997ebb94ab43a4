// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Device and platform options on the qemu driver, from domain XML as a
 * user gives it, through `nido define`'s checks, to QEMU's command line
 * as libvirt's have them, and back out in the definition: the virtio
 * options of any virtio device (domain_conf_virtio.c,
 * driver-qemu-virtio.c), a disk's device options
 * (domain_conf_disk_opts.c, driver-qemu-disk-opts.c) and the machine's
 * small platform features (domain_conf_machine.c,
 * driver-qemu-machine-opts.c); what is refused, by name.
 */
#include <uuid/uuid.h>

#include "daemon/domain_conf.h"
#include "qemu-test.h"
#include "test.h"

/* A domain on @machine with @top after <os> (@os inside it) and @devs. */
static char *xml(const char *machine, const char *os, const char *top,
		 const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='%s'>hvm</type>%s</os>%s"
			 "<devices>%s</devices></domain>",
			 machine, os, top, devs);
}

/* The command line (and with @def the definition again) of @text; NULL
 * and a failure when define refuses or warns. */
static char *argv_of(const char *text, char **def)
{
	_cleanup_free_ char *why = NULL;
	char *s = qemu_test_argv_def(text, def, &why);

	if (!s)
		TEST_FAIL("%s", why);
	return s;
}

static char *refusal(const char *text)
{
	char *why = qemu_test_refusal(text);

	return why ? why : xstrdup("(accepted)");
}

/* Each of @n device lists, on a PC, is refused with the words given. */
static void check_refused(const char *const (*cases)[2], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *text = xml("pc", "", "", cases[i][0]);
		_cleanup_free_ char *r = refusal(text);

		if (!strstr(r, cases[i][1]))
			TEST_FAIL("'%s' does not say '%s'", r, cases[i][1]);
	}
}

#define VDISK(drv, target)                                         \
	"<disk type='file' device='disk'><driver name='qemu' " drv \
	"/><source file='/i.img'/><target dev='" target            \
	"' bus='virtio'/></disk>"

/* libvirt's virtio-options-*: the same four switches on each virtio
 * device, QEMU's names on its -device. */
static void virtio_options_on_each_device(void)
{
	_cleanup_free_ char *text = xml(
		"pc", "", "",
		VDISK("type='raw' iommu='on' ats='on' packed='on' "
		      "page_per_vq='on'",
		      "vda") VDISK("type='raw' iommu='off'",
				   "vdb") "<input type='mouse' "
					  "bus='virtio'><driver ats='off' "
					  "packed='on'/></input>"
					  "<rng model='virtio'><backend "
					  "model='random'>/dev/"
					  "urandom</backend><driver "
					  "iommu='on'/></rng>"
					  "<memballoon model='virtio'><driver "
					  "page_per_vq='off'/></memballoon>");
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_of(text, &def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "\"driver\":\"virtio-blk-pci\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x2\",\"drive\":\"d0-0\",\"id\":"
			      "\"disk0\",\"bootindex\":1,\"iommu_platform\":"
			      "true,\"ats\":true,\"packed\":true,\"page-per-"
			      "vq\":true}");
	CHECK_STR_CONTAINS(s, "\"id\":\"disk1\",\"iommu_platform\":false}");
	CHECK_STR_CONTAINS(s, "\"driver\":\"virtio-mouse-pci\",\"id\":"
			      "\"input0\",\"bus\":\"pci.0\",\"addr\":\"0x6\","
			      "\"ats\":false,\"packed\":true}");
	CHECK_STR_CONTAINS(s, "\"driver\":\"virtio-rng-pci\",\"rng\":"
			      "\"objrng0\",\"id\":\"rng0\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x5\",\"iommu_platform\":true}");
	CHECK_STR_CONTAINS(s, "\"driver\":\"virtio-balloon-pci\",\"id\":"
			      "\"balloon0\",\"bus\":\"pci.0\",\"addr\":\"0x4\","
			      "\"page-per-vq\":false}");
	CHECK_STR_CONTAINS(def, "<driver name='qemu' type='raw' iommu='on' "
				"ats='on' packed='on' page_per_vq='on'/>");
	CHECK_STR_CONTAINS(def, "<input type='mouse' bus='virtio'>\n      "
				"<driver ats='off' packed='on'/>");
	CHECK_STR_CONTAINS(def, "<driver iommu='on'/>\n    </rng>");
	CHECK_STR_CONTAINS(def, "<memballoon model='virtio'>\n      <driver "
				"page_per_vq='off'/>");
}

/* libvirt's video-virtio-gpu-virgl and video-virtio-vga-gpu-gl: 3D as
 * QEMU's -gl devices; a virtio card's virtio options. */
static void video_accel3d(void)
{
	_cleanup_free_ char *text =
		xml("pc", "", "",
		    "<video><model type='virtio' heads='1' primary='yes'>"
		    "<acceleration accel3d='yes'/></model></video>"
		    "<video><driver iommu='off'/><model type='virtio' "
		    "heads='1'><acceleration accel3d='yes'/></model></video>"
		    "<video><model type='virtio' heads='1'><acceleration "
		    "accel3d='no'/></model></video>");
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_of(text, &def);
	static const char *const bad[][2] = {
		{"<video><model type='qxl'><acceleration accel3d='yes'/>"
		 "</model></video>",
		 "<acceleration> on video model 'qxl' (virtio only)"},
		{"<video><driver name='vhostuser'/><model type='virtio'/>"
		 "</video>",
		 "<driver name='vhostuser'> not supported"},
		{"<video><driver ats='on'/><model type='vga'/></video>",
		 "<driver> virtio options on a video model 'vga'"},
	};

	CHECK(s);
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-vga-gl\",\"id\":"
			      "\"video0\",\"max_outputs\":1,");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-gpu-gl-pci\",\"id\":"
			      "\"video1\",\"max_outputs\":1,\"iommu_platform"
			      "\":false,");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-gpu-pci\",\"id\":"
			      "\"video2\"");
	CHECK_STR_CONTAINS(def,
			   "<model type='virtio' heads='1' primary='yes'>"
			   "\n        <acceleration accel3d='yes'/>\n      "
			   "</model>");
	CHECK_STR_CONTAINS(def, "<video>\n      <driver iommu='off'/>\n");
	check_refused(bad, ARRAY_SIZE(bad));
}

static void virtio_options_checked(void)
{
	static const char *const cases[][2] = {
		{VDISK("iommu='yes'", "vda"),
		 "invalid iommu value 'yes' (expected on, off)"},
		{"<disk type='file' device='disk'><driver name='qemu' "
		 "packed='on'/><source file='/i.img'/><target dev='hda' "
		 "bus='ide'/></disk>",
		 "<driver> virtio options on a disk on bus 'ide'"},
		{"<input type='tablet' bus='usb'><driver ats='on'/></input>",
		 "<driver> virtio options on a <input bus='usb'>"},
		{"<memballoon model='virtio'><driver page_per_vq='1'/>"
		 "</memballoon>",
		 "invalid page_per_vq value '1'"},
	};

	check_refused(cases, ARRAY_SIZE(cases));
}

/* nido-vmm offers none of them: 'on' is refused, 'off' is what it
 * does; a disk's device options are refused. */
static void kvm_driver_refuses_what_nido_vmm_lacks(void)
{
	static const char *const cases[][2] = {
		{VDISK("packed='on'", "vda"),
		 "disk 'vda': <driver packed='on'> not supported by nido-vmm"},
		{VDISK("error_policy='stop'", "vda"),
		 "disk 'vda': <driver error_policy= rerror_policy= "
		 "copy_on_read= ioeventfd= event_idx=> and <geometry> not "
		 "supported by the kvm driver"},
		{"<rng model='virtio'><driver iommu='on'/></rng>",
		 "<rng>: <driver iommu='on'> not supported by nido-vmm"},
		{VDISK("iommu='off' packed='off'", "vda"), "(accepted)"},
		{"<disk type='file' device='disk'><source file='/i.img'/>"
		 "<target dev='vda' bus='virtio'/><iotune><read_iops_sec>1"
		 "</read_iops_sec><read_iops_sec_max>2</read_iops_sec_max>"
		 "</iotune></disk>",
		 "disk 'vda': <iotune> bursts (*_max, *_max_length), "
		 "size_iops_sec and group_name not supported by the kvm "
		 "driver"},
	};

	for (size_t i = 0; i <= ARRAY_SIZE(cases); i++) {
		bool genid = i == ARRAY_SIZE(cases);
		_cleanup_free_ char *text = xasprintf(
			"<domain type='kvm'><name>m</name><memory unit='MiB'>64"
			"</memory>%s<os><type>hvm</type><kernel>/k</kernel></"
			"os>"
			"<devices><emulator>/usr/bin/nido-vmm</emulator>%s"
			"</devices></domain>",
			genid ? "<genid/>" : "", genid ? "" : cases[i][0]);
		_cleanup_free_ char *r = refusal(text);

		CHECK_STR_CONTAINS(r, genid ? "<genid> not supported by the "
					      "kvm driver"
					    : cases[i][1]);
	}
}

#define DISK(dev, type, drv, target, bus, more)                               \
	"<disk type='file' device='" dev "'><driver name='qemu' type='" type  \
	"'" drv "/><source file='/i.img'/><target dev='" target "' bus='" bus \
	"'/>" more "</disk>"

/* libvirt's disk-error-policy, disk-ioeventfd, event_idx,
 * disk-geometry, disk-scsi-disk-vpd, disk-copy_on_read and
 * disk-cdrom-tray. */
static void disk_device_options(void)
{
	_cleanup_free_ char *text = xml(
		"pc", "", "",
		DISK("disk", "raw", " error_policy='stop'", "hda", "ide",
		     "<geometry cyls='16383' heads='16' secs='63' "
		     "trans='lba'/>") DISK("disk", "raw",
					   " error_policy='enospace'", "hdb",
					   "ide", "")
			DISK("cdrom", "raw",
			     " error_policy='report' rerror_policy='ignore'",
			     "hdc", "ide",
			     "") DISK("disk", "qcow2",
				      " ioeventfd='on' event_idx='off' "
				      "copy_on_read='on' discard='unmap'",
				      "vda", "virtio",
				      "") DISK("disk", "raw", "", "sda", "scsi",
					       "<vendor>SEA GATE</vendor>"
					       "<product>ST67 807GD</product>")
				DISK("cdrom", "raw", "", "hdd", "ide",
				     "") "<controller type='scsi' "
					 "model='virtio-scsi'/>"
					 "<disk type='file' "
					 "device='disk'><source file='/o.img' "
					 "startupPolicy='optional'/><target "
					 "dev='vdb'/></disk>");
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_of(text, &def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "\"id\":\"disk0\",\"bootindex\":1,\"cyls\":16383,"
			      "\"heads\":16,\"secs\":63,\"bios-chs-trans\":"
			      "\"lba\",\"werror\":\"stop\",\"rerror\":"
			      "\"stop\"}");
	CHECK_STR_CONTAINS(s, "\"id\":\"disk1\",\"werror\":\"enospc\"}");
	CHECK_STR_CONTAINS(s, "\"werror\":\"report\",\"rerror\":\"ignore\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"copy-on-read\",\"node-name\":"
			      "\"d3-cor\",\"file\":\"d3-0\",\"discard\":"
			      "\"unmap\"}");
	CHECK_STR_CONTAINS(s, "\"drive\":\"d3-cor\",\"id\":\"disk3\","
			      "\"ioeventfd\":true,\"event_idx\":false}");
	CHECK_STR_CONTAINS(s, "\"id\":\"disk4\",\"vendor\":\"SEA GATE\","
			      "\"product\":\"ST67 807GD\"}");
	CHECK_STR_CONTAINS(def, "error_policy='report' rerror_policy='ignore'");
	CHECK_STR_CONTAINS(def, "ioeventfd='on' event_idx='off' "
				"copy_on_read='on'/>");
	CHECK_STR_CONTAINS(def, "<geometry cyls='16383' heads='16' secs='63' "
				"trans='lba'/>");
	CHECK_STR_CONTAINS(def, "<source file='/o.img' "
				"startupPolicy='optional'/>");
	CHECK_STR_CONTAINS(def,
			   "<vendor>SEA GATE</vendor>\n      <product>ST67 "
			   "807GD</product>");
}

/* libvirt's disk-metadata-cache: a qcow2 node's cache-size, of the
 * disk's image and of a <backingStore>'s. */
static void metadata_cache(void)
{
	_cleanup_free_ char *text = xml(
		"pc", "", "",
		"<disk type='file' device='disk'><driver name='qemu' "
		"type='qcow2'><metadata_cache><max_size unit='KiB'>1024"
		"</max_size></metadata_cache></driver><source file='/i.qcow2'/>"
		"<backingStore type='file'><format "
		"type='qcow2'><metadata_cache>"
		"<max_size>12345</max_size></metadata_cache></format><source "
		"file='/b.qcow2'/></backingStore><target dev='vda' "
		"bus='virtio'/></disk>");
	_cleanup_free_ char *raw =
		xml("pc", "", "",
		    "<disk type='file' device='disk'><driver name='qemu' "
		    "type='raw'><metadata_cache><max_size>1</max_size>"
		    "</metadata_cache></driver><source file='/i.img'/><target "
		    "dev='vda' bus='virtio'/></disk>");
	_cleanup_free_ char *def = NULL, *why = refusal(raw);
	_cleanup_free_ char *s = argv_of(text, &def);

	CHECK(s);
	CHECK_STR_CONTAINS(s, "\"node-name\":\"d0-0\",\"read-only\":false,"
			      "\"cache-size\":1048576");
	CHECK_STR_CONTAINS(def, "type='qcow2'>\n        <metadata_cache>\n"
				"          <max_size unit='bytes'>1048576</max_"
				"size>\n        </metadata_cache>\n      "
				"</driver>\n");
	CHECK_STR_CONTAINS(def,
			   "<format type='qcow2'>\n          <metadata_"
			   "cache>\n            <max_size unit='bytes'>12345"
			   "</max_size>");
	CHECK_STR_CONTAINS(why, "<metadata_cache> of a raw image: only qcow2 "
				"has a metadata cache");
}

/* <target tray=>: kept; QEMU gets it through QMP once it is up
 * (driver-qemu-setup.c, tests/integration/daemon/qemu-devopts.sh), not
 * on its command line. */
static void tray_kept(void)
{
	_cleanup_free_ char *text =
		xml("pc", "", "",
		    "<disk type='file' device='cdrom'><source file='/i.iso'/>"
		    "<target dev='hdc' bus='ide' tray='open'/></disk>"
		    "<disk type='file' device='floppy'><source file='/f.img'/>"
		    "<target dev='fda' bus='fdc' tray='closed'/></disk>");
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_of(text, &def);

	CHECK(s && !strstr(s, "tray"));
	CHECK_STR_CONTAINS(def, "<target dev='hdc' bus='ide' tray='open'/>");
	CHECK_STR_CONTAINS(def, "<target dev='fda' bus='fdc' tray='closed'/>");
}

static void disk_device_options_checked(void)
{
	static const char *const cases[][2] = {
		{DISK("disk", "raw", " rerror_policy='enospace'", "hda", "ide",
		      ""),
		 "invalid rerror_policy 'enospace' (expected stop, report, "
		 "ignore)"},
		{DISK("disk", "raw", " error_policy='halt'", "hda", "ide", ""),
		 "invalid error_policy 'halt'"},
		{DISK("disk", "raw", " ioeventfd='on'", "hda", "ide", ""),
		 "<driver ioeventfd=>: only a virtio disk has it (bus 'ide')"},
		{DISK("floppy", "raw", " error_policy='stop'", "fda", "fdc",
		      ""),
		 "QEMU's fdc devices have no error policy"},
		{DISK("disk", "raw", "", "vda", "virtio",
		      "<vendor>SEAGATE</vendor>"),
		 "<vendor> and <product>: only a SCSI disk has them"},
		{DISK("disk", "raw", "", "sda", "scsi",
		      "<product>ST67807GD-LONGER-THAN-16</product>"),
		 "<product> 'ST67807GD-LONGER-THAN-16': 1 to 16 characters"},
		{DISK("disk", "raw", "", "sda", "scsi",
		      "<vendor>SEA\tGATE</vendor>"),
		 "not printable ASCII"},
		{"<disk type='file' device='disk'><source file='/i.img'/>"
		 "<target dev='hda' bus='ide' tray='open'/></disk>",
		 "<target tray=>: only a cdrom or floppy has a tray"},
		{"<disk type='file' device='cdrom'><source file='/i.img'/>"
		 "<target dev='hdc' bus='ide' tray='ajar'/></disk>",
		 "invalid tray state 'ajar'"},
		{DISK("disk", "raw", "", "vda", "virtio",
		      "<geometry cyls='100' heads='16' secs='63' "
		      "trans='lba'/>"),
		 "<geometry trans=>: only an IDE disk has a BIOS translation"},
		{DISK("disk", "raw", "", "hda", "ide",
		      "<geometry cyls='100' secs='63'/>"),
		 "missing heads="},
		{DISK("disk", "raw", "", "hda", "ide",
		      "<geometry cyls='70000' heads='16' secs='63'/>"),
		 "cyls"},
		{DISK("cdrom", "raw", " copy_on_read='on'", "hdc", "ide", ""),
		 "<driver copy_on_read='on'> on a read-only disk"},
		{"<disk type='file' device='disk'><source file='/i.img' "
		 "startupPolicy='requisite'/><target dev='vda'/></disk>",
		 "startupPolicy 'requisite' is for a cdrom or floppy only"},
		{"<disk type='file' device='cdrom'><source file='/i.iso' "
		 "startupPolicy='optional'/><target dev='hdc'/></disk>",
		 "startupPolicy 'optional' on a cdrom: it would start as an "
		 "empty drive, which nido has not yet"},
		{"<disk type='file' device='disk'><source file='/i.img' "
		 "startupPolicy='maybe'/><target dev='vda'/></disk>",
		 "invalid startupPolicy 'maybe' (expected mandatory, "
		 "requisite, optional)"},
	};

	check_refused(cases, ARRAY_SIZE(cases));
}

#define IOTUNE(target, io)                                                \
	"<disk type='file' device='disk'><source file='/i.img'/><target " \
	"dev='" target "' bus='virtio'/><iotune>" io "</iotune></disk>"

/* libvirt's blkdeviotune-max, -max-length and -group-num: kept, and
 * checked as QEMU's throttling takes them (QEMU gets them with the
 * rates through block_set_io_throttle: qemu-devopts.sh). */
static void iotune_bursts_and_groups(void)
{
	_cleanup_free_ char *text = xml(
		"pc", "", "",
		IOTUNE("vda", "<total_bytes_sec>5000</total_bytes_sec>"
			      "<total_bytes_sec_max>10000</total_bytes_sec_max>"
			      "<total_bytes_sec_max_length>3</total_bytes_sec_"
			      "max_length><size_iops_sec>2000</size_iops_sec>"
			      "<group_name>g1</group_name>")
			IOTUNE("vdb",
			       "<total_bytes_sec>5000</total_bytes_sec>"
			       "<total_bytes_sec_max>10000</"
			       "total_bytes_sec_max>"
			       "<total_bytes_sec_max_length>3</total_bytes_sec_"
			       "max_length><size_iops_sec>2000</size_iops_sec>"
			       "<group_name>g1</group_name>"));
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_of(text, &def);
	static const char *const bad[][2] = {
		{IOTUNE("vda", "<read_iops_sec_max>10</read_iops_sec_max>"),
		 "<read_iops_sec_max> needs <read_iops_sec>"},
		{IOTUNE("vda", "<read_iops_sec>20</read_iops_sec>"
			       "<read_iops_sec_max>10</read_iops_sec_max>"),
		 "<read_iops_sec_max> 10 below <read_iops_sec> 20"},
		{IOTUNE("vda",
			"<read_iops_sec>20</read_iops_sec>"
			"<read_iops_sec_max_length>10</read_iops_sec_max_"
			"length>"),
		 "<read_iops_sec_max_length> needs <read_iops_sec_max>"},
		{IOTUNE("vda", "<total_iops_sec_max>10</total_iops_sec_max>"
			       "<write_iops_sec_max>10</write_iops_sec_max>"),
		 "<total_iops_sec_max> and <read_iops_sec_max> or "
		 "<write_iops_sec_max> cannot be set at the same time"},
		{IOTUNE("vda", "<group_name>a b</group_name>"),
		 "invalid group_name 'a b'"},
		{IOTUNE("vda", "<read_iops_sec>20</read_iops_sec><group_name>g"
			       "</group_name>")
			 IOTUNE("vdb", "<group_name>g</group_"
				       "name>"),
		 "disks 'vda' and 'vdb': one <iotune><group_name> 'g' with two "
		 "sets of limits"},
	};

	CHECK(s);
	CHECK_STR_CONTAINS(def,
			   "<total_bytes_sec>5000</total_bytes_sec>\n"
			   "        <total_bytes_sec_max>10000</total_bytes_"
			   "sec_max>\n        <size_iops_sec>2000</size_"
			   "iops_sec>\n        <group_name>g1</group_name>"
			   "\n        <total_bytes_sec_max_length>3</total_"
			   "bytes_sec_max_length>\n      </iotune>");
	check_refused(bad, ARRAY_SIZE(bad));
}

/* libvirt's genid, vmcoreinfo, machine-vmport-opt, tseg-explicit-size,
 * pcihole64, pcihole64-q35 and reboot-timeout-*. */
static void platform_features(void)
{
	_cleanup_free_ char *pc = xml(
		"pc", "<bios rebootTimeout='-1'/>",
		"<genid>e9392370-2917-565e-692b-d057f46512d6</genid>"
		"<features><acpi/><vmcoreinfo/><vmport "
		"state='off'/></features>",
		"<controller type='pci' index='0' model='pci-root'><pcihole64 "
		"unit='GiB'>1</pcihole64></controller>");
	_cleanup_free_ char *q35 =
		xml("q35", "<bios rebootTimeout='128'/>",
		    "<features><smm state='on'><tseg unit='MiB'>48</tseg></smm>"
		    "<vmcoreinfo state='off'/></features>",
		    "<controller type='pci' index='0' model='pcie-root'>"
		    "<pcihole64>1048576</pcihole64></controller>");
	_cleanup_free_ char *def = NULL, *qdef = NULL;
	_cleanup_free_ char *s = argv_of(pc, &def);
	_cleanup_free_ char *q = argv_of(q35, &qdef);

	if (!s || !q)
		return;
	CHECK_STR_CONTAINS(s, "-machine\nvmport=off\n");
	CHECK_STR_CONTAINS(s, "-global\ni440FX-pcihost.pci-hole64-size="
			      "1048576K\n");
	CHECK_STR_CONTAINS(s, "-boot\nreboot-timeout=-1\n");
	CHECK_STR_CONTAINS(s, "-device\n{\"driver\":\"vmgenid\",\"guid\":"
			      "\"e9392370-2917-565e-692b-d057f46512d6\","
			      "\"id\":\"vmgenid0\"}\n-device\n{\"driver\":"
			      "\"vmcoreinfo\"}\n");
	CHECK_STR_CONTAINS(def, "<uuid>");
	CHECK_STR_CONTAINS(def, "</uuid>\n  <genid>e9392370-2917-565e-692b-"
				"d057f46512d6</genid>\n");
	CHECK_STR_CONTAINS(def, "<bios rebootTimeout='-1'/>");
	CHECK_STR_CONTAINS(def, "<vmport state='off'/>\n    <vmcoreinfo "
				"state='on'/>\n  </features>");
	CHECK_STR_CONTAINS(def, "<controller type='pci' index='0' "
				"model='pci-root'>\n      <pcihole64 "
				"unit='KiB'>1048576</pcihole64>\n");
	CHECK_STR_CONTAINS(q, "-global\nmch.extended-tseg-mbytes=48\n");
	CHECK_STR_CONTAINS(q, "-global\nq35-pcihost.pci-hole64-size="
			      "1048576K\n");
	CHECK_STR_CONTAINS(q, "-boot\nreboot-timeout=128\n");
	CHECK(!strstr(q, "vmcoreinfo\"}"));
	CHECK(!strstr(q, "vmport"));
	CHECK_STR_CONTAINS(qdef, "<smm state='on'>\n      <tseg unit='MiB'>48"
				 "</tseg>\n    </smm>\n");
	CHECK_STR_CONTAINS(qdef, "<vmcoreinfo state='off'/>");
}

/* An empty <genid/>: one made at define, kept and given to QEMU. */
static void genid_made_once(void)
{
	_cleanup_free_ char *text = xml("pc", "", "<genid/>", "");
	_cleanup_free_ char *def = NULL, *again = NULL;
	_cleanup_free_ char *s = argv_of(text, &def);
	_cleanup_free_ char *s2 = NULL;
	const char *g = def ? strstr(def, "<genid>") : NULL;
	_cleanup_free_ char *guid = NULL;
	uuid_t u;

	CHECK(s && g);
	guid = xstrndup(g + 7, 36);
	CHECK(uuid_parse(guid, u) == 0);
	{
		_cleanup_free_ char *want = xasprintf("\"guid\":\"%s\"", guid);

		CHECK_STR_CONTAINS(s, want);
	}
	/* the definition kept says the same from then on */
	s2 = argv_of(def, &again);
	CHECK(s2);
	CHECK_STR_CONTAINS(again, guid);
}

static void platform_features_checked(void)
{
	static const char *const cases[][4] = {
		{"pc", "",
		 "<features><smm state='on'><tseg>48</tseg></smm>"
		 "</features>",
		 "<smm><tseg>: SMM's TSEG size is the Q35 MCH's, machine 'pc' "
		 "has none"},
		{"q35", "",
		 "<features><smm state='on'><tseg unit='KiB'>12345"
		 "</tseg></smm></features>",
		 "SMM TSEG size 12641280 bytes: not a whole number of MiB"},
		{"q35", "",
		 "<features><smm state='off'><tseg>8</tseg></smm>"
		 "</features>",
		 "<tseg> with SMM turned off"},
		{"pc", "", "<genid>not-a-uuid</genid>",
		 "invalid genid 'not-a-uuid' (expected a UUID)"},
		{"pc", "<bios rebootTimeout='-2'/>", "",
		 "invalid rebootTimeout '-2' (-1 to 65535)"},
		{"pc", "<bios rebootTimeout='65536'/>", "",
		 "invalid rebootTimeout '65536'"},
		{"pc", "", "<features><vmport state='yes'/></features>",
		 "invalid vmport state 'yes'"},
		{"pc", "", "<features><vmcoreinfo state='maybe'/></features>",
		 "invalid vmcoreinfo state 'maybe'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *text =
			xml(cases[i][0], cases[i][1], cases[i][2], "");
		_cleanup_free_ char *r = refusal(text);

		CHECK_STR_CONTAINS(r, cases[i][3]);
	}
	{
		_cleanup_free_ char *text =
			xml("pc", "", "",
			    "<controller type='pci' index='0' "
			    "model='pci-root'><pcihole64 unit='B'>1000"
			    "</pcihole64></controller>");
		_cleanup_free_ char *r = refusal(text);

		CHECK_STR_CONTAINS(r, "<pcihole64> 1000 bytes: not a whole "
				      "number of KiB");
	}
}

int main(void)
{
	RUN(virtio_options_on_each_device);
	RUN(virtio_options_checked);
	RUN(video_accel3d);
	RUN(kvm_driver_refuses_what_nido_vmm_lacks);
	RUN(disk_device_options);
	RUN(disk_device_options_checked);
	RUN(tray_kept);
	RUN(metadata_cache);
	RUN(iotune_bursts_and_groups);
	RUN(platform_features);
	RUN(genid_made_once);
	RUN(platform_features_checked);
	return test_done();
}
