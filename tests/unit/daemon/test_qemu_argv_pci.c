// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI controllers and SCSI controllers under the qemu driver
 * (domain_conf_ctl.c, driver-qemu-pci.c, driver-qemu-pcibus.c,
 * driver-qemu-argv-hw.c): from domain XML as a user gives it, through
 * what `nido define` checks, to the -device QEMU gets: root ports,
 * switches, bridges, expander buses, devices on their buses,
 * multifunction slots, libvirt's controller indexes, the SCSI models and
 * a virtio controller's <driver>; and the topologies refused by name.
 */
#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

/* A domain on machine @machine with @top under <domain> and @devs
 * inside <devices>. */
static char *xml(const char *machine, const char *top, const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='%s'>hvm</type></os>%s"
			 "<devices><memballoon model='none'/>%s</devices>"
			 "</domain>",
			 machine, top, devs);
}

static char *argv_of(const char *text)
{
	return qemu_test_argv(text, "/usr/bin/qemu-system-x86_64");
}

/* What dumpxml writes of @text. */
static char *dump_of(const char *text)
{
	struct domain_def *d = NULL;
	char *out;

	if (domain_def_parse(text, strlen(text), &d, NULL, NULL) < 0)
		return xstrdup("");
	out = domain_def_format(d);
	domain_def_free(d);
	return out;
}

#define DISK(dev, bus, slot)                                            \
	"<disk type='file'><source file='/" dev "'/><target dev='" dev  \
	"' bus='virtio'/><address type='pci' domain='0x0000' bus='" bus \
	"' slot='" slot "' function='0x0'/></disk>"

static void q35_root_ports_and_a_disk_on_one(void)
{
	_cleanup_free_ char *x =
		xml("q35", "",
		    "<controller type='pci' index='0' model='pcie-root'/>"
		    "<controller type='pci' index='1' model='pcie-root-port'/>"
		    "<controller type='pci' index='2' model='pcie-root-port'>"
		    "<model name='ioh3420'/><target chassis='40' port='0x1a'/>"
		    "</controller>"
		    "<controller type='pci' index='3' model='pcie-root-port'>"
		    "<target hotplug='off'/></controller>" DISK("vda", "0x01",
								"0x00"));
	_cleanup_free_ char *s = argv_of(x);
	_cleanup_free_ char *out = dump_of(x);

	if (!s)
		return;
	/* libvirt's: root ports share a slot as its functions, the port
	 * number the slot and function, the chassis the index */
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pcie-root-port\",\"port\":8,"
			      "\"chassis\":1,\"id\":\"pci.1\",\"bus\":"
			      "\"pcie.0\",\"multifunction\":true,\"addr\":"
			      "\"0x1\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ioh3420\",\"port\":26,"
			      "\"chassis\":40,\"id\":\"pci.2\",\"bus\":"
			      "\"pcie.0\",\"addr\":\"0x1.0x1\"}");
	CHECK_STR_CONTAINS(s, "\"id\":\"pci.3\",\"hotplug\":false,\"bus\":"
			      "\"pcie.0\",\"addr\":\"0x1.0x2\"}");
	CHECK_STR_CONTAINS(s, "\"bus\":\"pci.1\",\"addr\":\"0x0\"");
	/* the controllers come before the disk that sits on one */
	CHECK(strstr(s, "\"id\":\"pci.1\"") < strstr(s, "virtio-blk-pci"));
	CHECK_STR_CONTAINS(out, "<controller type='pci' index='2' "
				"model='pcie-root-port'>\n      <model "
				"name='ioh3420'/>\n      <target "
				"chassis='40' port='0x1a'/>");
	CHECK_STR_CONTAINS(out, "<target hotplug='off'/>");
}

static void q35_switch_dmi_and_bridge(void)
{
	_cleanup_free_ char *x = xml(
		"pc-q35-7.2", "",
		"<controller type='pci' model='pcie-root'/>"
		"<controller type='pci' model='pcie-root-port'/>"
		"<controller type='pci' model='pcie-switch-upstream-port'/>"
		"<controller type='pci' model='pcie-switch-downstream-port'/>"
		"<controller type='pci' model='pcie-switch-downstream-port'>"
		"<target chassis='30' port='0x27'/></controller>"
		"<controller type='pci' model='dmi-to-pci-bridge'/>"
		"<controller type='pci' model='pci-bridge'/>");
	_cleanup_free_ char *s = argv_of(x);
	_cleanup_free_ char *out = dump_of(x);

	if (!s)
		return;
	/* no index: the lowest free, in order */
	CHECK_STR_CONTAINS(out, "<controller type='pci' index='0' "
				"model='pcie-root'/>");
	CHECK_STR_CONTAINS(out, "<controller type='pci' index='6' "
				"model='pci-bridge'/>");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"x3130-upstream\",\"id\":"
			      "\"pci.2\",\"bus\":\"pci.1\",\"addr\":\"0x0\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"xio3130-downstream\",\"port\":0,"
			      "\"chassis\":3,\"id\":\"pci.3\",\"bus\":"
			      "\"pci.2\",\"addr\":\"0x0\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"xio3130-downstream\",\"port\":39,"
			      "\"chassis\":30,\"id\":\"pci.4\",\"bus\":"
			      "\"pci.2\",\"addr\":\"0x1\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"i82801b11-bridge\",\"id\":"
			      "\"pci.5\",\"bus\":\"pcie.0\",\"addr\":"
			      "\"0x1e\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pci-bridge\",\"chassis_nr\":6,"
			      "\"id\":\"pci.6\",\"bus\":\"pci.5\",\"addr\":"
			      "\"0x0\"}");
}

static void pc_bridge_and_expander_buses(void)
{
	_cleanup_free_ char *x = xml(
		"pc",
		"<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0' memory='32' "
		"unit='MiB'/><cell id='1' cpus='1' memory='32' unit='MiB'/>"
		"</numa></cpu>",
		"<controller type='pci' index='0' model='pci-root'>"
		"<target hotplug='off'/></controller>"
		"<controller type='pci' index='1' model='pci-bridge'>"
		"<target chassisNr='56'/></controller>"
		"<controller type='pci' index='2' model='pci-expander-bus'>"
		"<model name='pxb'/><target busNr='254'><node>1</node>"
		"</target></controller>"
		"<controller type='pci' index='3' "
		"model='pci-expander-bus'/>" DISK("vda", "0x01", "0x01")
			DISK("vdb", "0x02", "0x00"));
	_cleanup_free_ char *s = argv_of(x);
	_cleanup_free_ char *out = dump_of(x);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-global\nPIIX4_PM.acpi-root-pci-hotplug=off\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pci-bridge\",\"chassis_nr\":56,"
			      "\"id\":\"pci.1\",\"bus\":\"pci.0\",\"addr\":"
			      "\"0x2\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pxb\",\"bus_nr\":254,"
			      "\"numa_node\":1,\"id\":\"pci.2\"");
	/* no busNr: libvirt's, 2 below the lowest */
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pxb\",\"bus_nr\":252,\"id\":"
			      "\"pci.3\"");
	CHECK_STR_CONTAINS(s, "\"bus\":\"pci.1\",\"addr\":\"0x1\"");
	CHECK_STR_CONTAINS(s, "\"bus\":\"pci.2\",\"addr\":\"0x0\"");
	CHECK_STR_CONTAINS(out, "<target busNr='254'>\n        "
				"<node>1</node>\n      </target>");
	CHECK_STR_CONTAINS(out, "<target chassisNr='56'/>");
}

/* A PC with an address on a bus no controller gives: libvirt's
 * pci-bridges for it and the buses below, on the root bus. */
static void pc_buses_get_bridges(void)
{
	_cleanup_free_ char *x = xml(
		"pc", "",
		"<controller type='pci' index='3' model='pci-bridge'/>" DISK(
			"vda", "0x02", "0x04"));
	_cleanup_free_ char *s = argv_of(x);
	_cleanup_free_ char *out = dump_of(x);

	if (!s)
		return;
	CHECK_STR_CONTAINS(out, "<controller type='pci' index='1' "
				"model='pci-bridge'/>\n    <controller "
				"type='pci' index='2' model='pci-bridge'/>");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pci-bridge\",\"chassis_nr\":3,"
			      "\"id\":\"pci.3\",\"bus\":\"pci.0\",\"addr\":"
			      "\"0x2\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pci-bridge\",\"chassis_nr\":2,"
			      "\"id\":\"pci.2\",\"bus\":\"pci.0\",\"addr\":"
			      "\"0x4\"}");
	CHECK_STR_CONTAINS(s, "\"bus\":\"pci.2\",\"addr\":\"0x4\"");
}

static void multifunction_slots(void)
{
	_cleanup_free_ char *x =
		xml("pc", "",
		    "<controller type='scsi' index='0' model='virtio-scsi'>"
		    "<address type='pci' bus='0' slot='4' function='0' "
		    "multifunction='on'/></controller>"
		    "<controller type='scsi' index='1' model='virtio-scsi'>"
		    "<address type='pci' bus='0' slot='4' function='1'/>"
		    "</controller>"
		    "<controller type='scsi' index='2' model='virtio-scsi'>"
		    "<address type='pci' bus='0' slot='5' function='0'/>"
		    "</controller>"
		    "<controller type='scsi' index='3' model='virtio-scsi'>"
		    "<address type='pci' bus='0' slot='5' function='3'/>"
		    "</controller>");
	_cleanup_free_ char *s = argv_of(x);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "\"id\":\"scsi0\",\"bus\":\"pci.0\","
			      "\"multifunction\":true,\"addr\":\"0x4\"}");
	CHECK_STR_CONTAINS(s, "\"id\":\"scsi1\",\"bus\":\"pci.0\",\"addr\":"
			      "\"0x4.0x1\"}");
	/* function 0 of a shared slot without multifunction=: on, as
	 * libvirt sets it */
	CHECK_STR_CONTAINS(s, "\"id\":\"scsi2\",\"bus\":\"pci.0\","
			      "\"multifunction\":true,\"addr\":\"0x5\"}");
	CHECK_STR_CONTAINS(s, "\"addr\":\"0x5.0x3\"}");
}

static void scsi_models_and_driver(void)
{
	_cleanup_free_ char *x =
		xml("pc", "<iothreads>2</iothreads>",
		    "<controller type='scsi' index='0' model='lsisas1068'/>"
		    "<controller type='scsi' index='1' model='lsisas1078'/>"
		    "<controller type='scsi' index='2' model='vmpvscsi'/>"
		    "<controller type='scsi' index='3' model='am53c974'/>"
		    "<controller type='scsi' index='4' model='dc390'/>"
		    "<controller type='scsi' index='5' "
		    "model='virtio-non-transitional'><driver iommu='on'/>"
		    "</controller>"
		    "<controller type='scsi' index='6' model='virtio-scsi'>"
		    "<driver queues='8' cmd_per_lun='50' max_sectors='512' "
		    "ioeventfd='on' iothread='2' iommu='off' ats='off' "
		    "packed='on'/></controller>"
		    "<controller type='virtio-serial' index='0'><driver "
		    "ats='on'/></controller>"
		    "<channel type='pty'><target type='virtio' "
		    "name='org.example.0'/>"
		    "</channel>"
		    "<disk type='file'><source file='/a'/><target dev='sda' "
		    "bus='scsi'/><address type='drive' controller='1' bus='0' "
		    "target='2' unit='3'/></disk>"
		    "<disk type='file'><source file='/b'/><target dev='sdb' "
		    "bus='scsi'/><address type='drive' controller='3' bus='0' "
		    "target='0' unit='3'/></disk>");
	_cleanup_free_ char *s = argv_of(x);
	_cleanup_free_ char *out = dump_of(x);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"mptsas1068\",\"id\":\"scsi0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"megasas\",\"id\":\"scsi1\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pvscsi\",\"id\":\"scsi2\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"am53c974\",\"id\":\"scsi3\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"dc390\",\"id\":\"scsi4\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-scsi-pci-non-transitional"
			      "\",\"id\":\"scsi5\",\"iommu_platform\":true,");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-scsi-pci\",\"id\":"
			      "\"scsi6\",\"num_queues\":8,\"cmd_per_lun\":50,"
			      "\"max_sectors\":512,\"ioeventfd\":true,"
			      "\"iothread\":\"iothread2\",\"iommu_platform\":"
			      "false,\"ats\":false,\"packed\":true,");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-serial-pci\",\"id\":"
			      "\"virtio-serial0\",\"ats\":true,");
	/* a megasas disk has a target and a LUN, an ESP's a target */
	CHECK_STR_CONTAINS(s, "\"bus\":\"scsi1.0\",\"channel\":0,"
			      "\"scsi-id\":2,\"lun\":3");
	CHECK_STR_CONTAINS(s, "\"bus\":\"scsi3.0\",\"scsi-id\":3,");
	CHECK_STR_CONTAINS(out, "<driver queues='8' cmd_per_lun='50' "
				"max_sectors='512' ioeventfd='on' "
				"iothread='2' iommu='off' ats='off' "
				"packed='on'/>");
}

/* The smartcard's CCID reader given as a controller: kept, the one
 * usb-ccid the card sits in. */
static void ccid_controller(void)
{
	_cleanup_free_ char *x =
		xml("pc", "",
		    "<controller type='ccid' index='0'/><smartcard "
		    "mode='host'><address type='ccid' controller='0' "
		    "slot='0'/></smartcard>");
	_cleanup_free_ char *s = argv_of(x);
	_cleanup_free_ char *out = dump_of(x);

	if (!s)
		return;
	CHECK_STR_CONTAINS(out, "<controller type='ccid' index='0'/>");
	CHECK_STR_CONTAINS(s, "\"driver\":\"usb-ccid\",\"id\":\"ccid0\"");
	CHECK(!strstr(strstr(s, "usb-ccid") + 1, "usb-ccid"));
}

static void topologies_refused_by_name(void)
{
	static const struct {
		const char *machine, *devs, *want;
	} cases[] = {
		{"q35",
		 "<controller type='pci' index='1' model='pcie-root-port'/>"
		 "<controller type='pci' index='1' model='pcie-root-port'/>",
		 "two pci controllers with index 1"},
		{"pc", "<controller type='pci' model='pcie-root-port'/>",
		 "a PCI Express controller, machine 'pc' has none"},
		{"q35", "<controller type='pci' model='pci-expander-bus'/>",
		 "machine 'q35' is PCI Express (use pcie-expander-bus)"},
		{"q35",
		 "<controller type='pci' model='pcie-expander-bus'>"
		 "<target><node>0</node></target></controller>",
		 "a NUMA node (0) not present"},
		{"pc",
		 "<controller type='pci' model='pci-expander-bus'><target "
		 "busNr='200'/></controller><controller type='pci' "
		 "model='pci-expander-bus'><target busNr='200'/></controller>",
		 "bus number 200 is another expander bus's"},
		{"q35", DISK("vda", "0x03", "0x01"),
		 "PCI bus 0x3: no <controller type='pci' index='3'>"},
		{"q35",
		 "<controller type='pci' index='1' "
		 "model='pcie-root-port'/>" DISK("vda", "0x01", "0x01"),
		 "the pcie-root-port of index 1 has slots 0 to 0"},
		{"q35",
		 "<controller type='pci' index='1' model='pcie-root-port'/>"
		 "<controller type='pci' index='2' model='dmi-to-pci-bridge'>"
		 "<address type='pci' bus='1' slot='0'/></controller>",
		 "a dmi-to-pci-bridge cannot be plugged into the "
		 "pcie-root-port of index 1"},
		{"q35", "<controller type='pci' model='pci-bridge'/>",
		 "<controller type='pci' index='1' model='pci-bridge'>: no "
		 "PCI slot left"},
		{"pc",
		 "<controller type='pci' index='1' model='pci-bridge'>"
		 "<address type='pci' bus='2' slot='1'/></controller>"
		 "<controller type='pci' index='2' model='pci-bridge'>"
		 "<address type='pci' bus='1' slot='1'/></controller>",
		 "not reachable from the root bus"},
		{"pc",
		 "<controller type='scsi' index='0'><address type='pci' "
		 "bus='0' slot='4' multifunction='off'/></controller>"
		 "<controller type='scsi' index='1'><address type='pci' "
		 "bus='0' slot='4' function='2'/></controller>",
		 "function 0 has multifunction='off', function 2 is in use"},
		{"pc",
		 "<controller type='scsi' index='0'><address type='pci' "
		 "bus='0' slot='4' function='2'/></controller>"
		 "<controller type='scsi' index='1'><address type='pci' "
		 "bus='0' slot='4' function='2'/></controller>",
		 "two devices at PCI address 00:04.2"},
		{"pc",
		 "<controller type='pci' index='1' model='pci-bridge'>"
		 "<model name='ioh3420'/></controller>",
		 "<model name='ioh3420'> is not a pci-bridge"},
		{"pc",
		 "<controller type='pci' index='1' model='pci-bridge'>"
		 "<target chassis='3'/></controller>",
		 "chassis= is a pcie-root-port's"},
		{"pc",
		 "<controller type='scsi' model='lsilogic'><driver "
		 "queues='2'/></controller>",
		 "<driver> on a controller that is not virtio"},
		{"pc",
		 "<controller type='scsi' model='virtio-scsi'><driver "
		 "iothread='3'/></controller>",
		 "<driver iothread='3'>: the domain has no such iothread"},
		{"pc",
		 "<controller type='scsi' model='virtio-scsi'><driver "
		 "iommu='on'/></controller>",
		 "<driver iommu='on'> needs a virtio device without its "
		 "legacy interface"},
		{"q35",
		 "<controller type='pci' model='pcie-root'><target "
		 "hotplug='off'/></controller>",
		 "<target hotplug> not supported"},
		{"pc",
		 "<controller type='pci' model='pci-root'><address "
		 "type='pci' bus='0' slot='3'/></controller>",
		 "a pci-root is the machine's root bus: no <address>"},
		{"pc", "<controller type='pci' index='0' model='pci-bridge'/>",
		 "index 0 is the machine's pci-root"},
		{"pc", "<controller type='ccid' index='0'/>",
		 "<controller type='ccid'> without a <smartcard>"},
		{"pc", "<controller type='ccid' index='1'/>",
		 "one CCID reader, index 0"},
		{"pc", "<controller type='scsi' model='ibmvscsi'/>",
		 "SCSI controller model 'ibmvscsi' not supported"},
		{"pc", "<controller type='scsi' model='pci-bridge'/>",
		 "controller model 'pci-bridge' is not one of type 'scsi'"},
		{"pc", "<controller type='scsi' model='megaraid'/>",
		 "invalid scsi controller model 'megaraid' (expected "
		 "virtio-scsi, lsilogic, lsisas1068,"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *x =
			xml(cases[i].machine, "", cases[i].devs);
		_cleanup_free_ char *why = qemu_test_refusal(x);

		if (!why) {
			TEST_FAIL("case %zu accepted", i);
			continue;
		}
		CHECK_STR_CONTAINS(why, cases[i].want);
	}
}

int main(void)
{
	RUN(q35_root_ports_and_a_disk_on_one);
	RUN(q35_switch_dmi_and_bridge);
	RUN(pc_bridge_and_expander_buses);
	RUN(pc_buses_get_bridges);
	RUN(multifunction_slots);
	RUN(scsi_models_and_driver);
	RUN(ccid_controller);
	RUN(topologies_refused_by_name);
	return test_done();
}
