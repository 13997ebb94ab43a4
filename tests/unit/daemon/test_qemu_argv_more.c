// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU's command line for the elements libvirt's own test files brought
 * in (driver-qemu-argv-hw.c, domain_conf_audio.c): from domain XML as a
 * user gives it, through `nido define`'s checks, to QEMU's options, and
 * back out in the definition: <audio> backends with their <input>,
 * <output> and <settings>; <seclabel type='none'>; <numa> cells,
 * <memoryBacking> and <numatune>; <clock><timer>; <smm>, <pm>, <apic eoi>, xHCI
 * ports.
 */
#include <errno.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

static char *xml(const char *top, const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type></os>%s"
			 "<devices>%s</devices></domain>",
			 top, devs);
}

/* Set by a test whose domain is warned about (checked apart). */
static bool warnings_expected;

/* The command line for @top and @devs, arguments separated by "\n";
 * with @def, the definition formatted again. NULL when refused. */
static char *argv_for(const char *top, const char *devs, char **def)
{
	_cleanup_free_ char *text = xml(top, devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	struct qemu_argv a = {0};
	char *out = NULL;

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	for (size_t i = 0; i < w.n && !warnings_expected; i++)
		TEST_FAIL("warning: %s", w.msgs[i]);
	xml_warnings_clear(&w);
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	out = qemu_test_args(&a);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}

/* The error define gives for @devs (NULL: accepted). */
static char *refusal(const char *top, const char *devs)
{
	_cleanup_free_ char *text = xml(top, devs);

	return qemu_test_refusal(text);
}

static void audio_backends_with_their_options(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"",
		"<audio id='1' type='oss' timerPeriod='50' tryMMap='yes'>"
		"<input mixingEngine='yes' voices='1' dev='/dev/dsp0'>"
		"<settings frequency='44100' channels='2' format='s16'/>"
		"</input><output bufferCount='30' tryPoll='no'/></audio>"
		"<audio id='2' type='file' path='/tmp/a.wav'/>"
		"<audio id='3' type='pulseaudio' serverName='acme'>"
		"<output streamName='food' latency='200'/></audio>",
		&def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(
		s, "-audiodev\n{\"driver\":\"oss\",\"id\":\"audio1\","
		   "\"timer-period\":50,\"try-mmap\":true,\"in\":{"
		   "\"mixing-engine\":true,\"voices\":1,\"dev\":\"/dev/dsp0\","
		   "\"frequency\":44100,\"channels\":2,\"format\":\"s16\"},"
		   "\"out\":{\"buffer-count\":30,\"try-poll\":false}}\n");
	CHECK_STR_CONTAINS(s, "-audiodev\n{\"driver\":\"wav\",\"id\":"
			      "\"audio2\",\"path\":\"/tmp/a.wav\"}\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pa\",\"id\":\"audio3\",\"server\":"
			      "\"acme\",\"out\":{\"stream-name\":\"food\","
			      "\"latency\":200}}");
	CHECK_STR_CONTAINS(def,
			   "<audio id='1' type='oss' timerPeriod='50' "
			   "tryMMap='yes'>\n      <input mixingEngine='yes' "
			   "voices='1' dev='/dev/dsp0'>\n        <settings "
			   "frequency='44100' channels='2' format='s16'/>\n"
			   "      </input>\n      <output bufferCount='30' "
			   "tryPoll='no'/>\n    </audio>\n");
	CHECK_STR_CONTAINS(def,
			   "<audio id='2' type='file' path='/tmp/a.wav'/>");
}

static void audio_values_are_checked(void)
{
	_cleanup_free_ char *a =
		refusal("", "<audio id='1' type='alsa'><input voices='x'/>"
			    "</audio>");
	_cleanup_free_ char *b =
		refusal("", "<audio id='1' type='none'><output><settings "
			    "format='s17'/></output></audio>");
	_cleanup_free_ char *c = refusal(
		"", "<audio id='1' type='none'/><audio id='1' type='alsa'/>");

	CHECK_STR_CONTAINS(a, "voices");
	CHECK_STR_CONTAINS(b, "invalid format 's17'");
	CHECK_STR_CONTAINS(c, "a second <audio id='1'>");
}

/* The warnings define gives for @top (joined by "|"). */
static char *warnings(const char *top, const char *devs)
{
	_cleanup_free_ char *text = xml(top, devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	char *out = xstrdup("");

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return out;
	}
	for (size_t i = 0; i < w.n; i++) {
		char *n = xasprintf("%s%s|", out, w.msgs[i]);

		free(out);
		out = n;
	}
	xml_warnings_clear(&w);
	domain_def_free(d);
	return out;
}

static void seclabel_none_kept_others_warned(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s =
		argv_for("<seclabel type='none' model='none'/>", "", &def);
	_cleanup_free_ char *w = warnings(
		"<seclabel type='dynamic' model='selinux' relabel='yes'/>", "");
	_cleanup_free_ char *dac =
		warnings("<seclabel type='none' model='dac'/>", "");

	CHECK_STR_CONTAINS(def, "<seclabel type='none' model='none'/>");
	CHECK_STR_CONTAINS(w, "<seclabel>: type 'dynamic' model 'selinux' not "
			      "acted on");
	CHECK_STR_CONTAINS(dac, "<seclabel>: type 'none' model 'dac' not");
}

static void numa_cells_and_memory_backing(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"<vcpu>4</vcpu><cpu><numa>"
		"<cell id='1' cpus='2' memory='32' unit='MiB' "
		"memAccess='private'/>"
		"<cell id='0' cpus='0-1,3' memory='32768' unit='KiB'>"
		"<distances><sibling id='1' value='21'/></distances></cell>"
		"</numa></cpu><memoryBacking><nosharepages/><locked/>"
		"<source type='memfd'/><access mode='shared'/>"
		"<allocation mode='immediate'/></memoryBacking>",
		"", &def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s,
			   "-object\n{\"qom-type\":\"memory-backend-memfd\","
			   "\"id\":\"ram-node0\",\"size\":33554432,"
			   "\"share\":true,\"prealloc\":true}\n-numa\n"
			   "node,nodeid=0,cpus=0-1,cpus=3,memdev=ram-node0\n");
	CHECK_STR_CONTAINS(s, "\"id\":\"ram-node1\",\"size\":33554432,"
			      "\"share\":false,\"prealloc\":true}\n-numa\n"
			      "node,nodeid=1,cpus=2,memdev=ram-node1\n");
	CHECK_STR_CONTAINS(s, "-numa\ndist,src=0,dst=1,val=21\n");
	CHECK_STR_CONTAINS(s, "-machine\nmem-merge=off\n");
	CHECK_STR_CONTAINS(s, "-overcommit\nmem-lock=on\n");
	CHECK_STR_CONTAINS(def, "<cell id='1' cpus='2' memory='32768' "
				"unit='KiB' memAccess='private'/>");
	CHECK_STR_CONTAINS(def, "<sibling id='1' value='21'/>");
	CHECK_STR_CONTAINS(def, "<memoryBacking>\n    <nosharepages/>\n    "
				"<locked/>\n    <source type='memfd'/>\n    "
				"<access mode='shared'/>\n    <allocation "
				"mode='immediate'/>\n  </memoryBacking>");
}

static void hugepages_per_node(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"<vcpu>2</vcpu><cpu><numa>"
		"<cell id='0' cpus='0' memory='32' unit='MiB'/>"
		"<cell id='1' cpus='1' memory='32' unit='MiB'/></numa></cpu>"
		"<memoryBacking><hugepages><page size='1' unit='GiB' "
		"nodeset='1'/><page size='2048' unit='KiB'/></hugepages>"
		"</memoryBacking>",
		"", &def);
	_cleanup_free_ char *whole =
		argv_for("<memoryBacking><hugepages><page size='2' unit='MiB'/>"
			 "</hugepages></memoryBacking>",
			 "", NULL);

	if (!s || !whole)
		return;
	CHECK_STR_CONTAINS(s,
			   "{\"qom-type\":\"memory-backend-memfd\",\"id\":"
			   "\"ram-node0\",\"size\":33554432,\"hugetlb\":true,"
			   "\"hugetlbsize\":2097152}");
	CHECK_STR_CONTAINS(s, "\"id\":\"ram-node1\",\"size\":33554432,"
			      "\"hugetlb\":true,\"hugetlbsize\":1073741824}");
	CHECK_STR_CONTAINS(def, "<page size='1048576' unit='KiB' "
				"nodeset='1'/>");
	CHECK_STR_CONTAINS(whole, "{\"qom-type\":\"memory-backend-memfd\","
				  "\"id\":\"pc.ram\",\"size\":67108864,"
				  "\"hugetlb\":true,\"hugetlbsize\":2097152}\n"
				  "-machine\nmemory-backend=pc.ram\n");
}

static void numa_rules_are_libvirts(void)
{
	_cleanup_free_ char *def = NULL;
	/* libvirt's define: the cells give the memory (64 MiB in the XML) */
	_cleanup_free_ char *sum =
		argv_for("<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-1' "
			 "memory='16' unit='MiB'/></numa></cpu>",
			 "", &def);
	_cleanup_free_ char *ids = refusal(
		"<vcpu>2</vcpu><cpu><numa><cell id='1' cpus='0' "
		"memory='32' unit='MiB'/><cell id='2' cpus='1' memory='32' "
		"unit='MiB'/></numa></cpu>",
		"");
	_cleanup_free_ char *twice = refusal(
		"<vcpu>2</vcpu><cpu><numa><cell cpus='0-1' memory='32' "
		"unit='MiB'/><cell cpus='1' memory='32' unit='MiB'/></numa>"
		"</cpu>",
		"");
	_cleanup_free_ char *beyond =
		refusal("<vcpu>2</vcpu><cpu><numa><cell cpus='0-2' memory='64' "
			"unit='MiB'/></numa></cpu>",
			"");
	_cleanup_free_ char *node = refusal(
		"<memoryBacking><hugepages><page size='2048' nodeset='1'/>"
		"</hugepages></memoryBacking>",
		"");

	/* as libvirt aligns them: QEMU wants the nodes' total to be -m */
	_cleanup_free_ char *odd =
		argv_for("<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-1' "
			 "memory='16484' unit='KiB'/></numa></cpu>",
			 "", NULL);

	CHECK_STR_CONTAINS(odd, "\n-m\nsize=17408k\n");
	CHECK_STR_CONTAINS(odd, "\"size\":17825792");
	CHECK_STR_CONTAINS(sum, "\n-m\nsize=16384k\n");
	CHECK_STR_CONTAINS(def, "<memory unit='KiB'>16384</memory>");
	CHECK_STR_CONTAINS(def,
			   "<currentMemory unit='KiB'>16384</currentMemory>");
	CHECK_STR_CONTAINS(ids, "cell id 2: the ids of 2 cells are 0 to 1");
	CHECK_STR_CONTAINS(twice, "vCPU 1 is in cells 0 and 1");
	CHECK_STR_CONTAINS(beyond, "cell cpus '0-2': 2 is beyond the last (1)");
	CHECK_STR_CONTAINS(node, "page nodeset '1': 1 is beyond the last (0)");
}

static void timers(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"<clock offset='localtime'><timer name='rtc' track='wall' "
		"tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/>"
		"<timer name='hpet' present='no'/><timer name='kvmclock' "
		"present='no'/></clock>",
		"", &def);
	_cleanup_free_ char *w = warnings(
		"<clock offset='utc'><timer name='tsc' frequency='1'/><timer "
		"name='rtc' track='boot'/><timer name='pit' "
		"tickpolicy='discard'/></clock>",
		"");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-rtc\nbase=localtime,clock=host,driftfix=slew\n"
			      "-global\nkvm-pit.lost_tick_policy=delay\n"
			      "-machine\nhpet=off\n");
	CHECK_STR_CONTAINS(s, "-cpu\nqemu64,kvmclock=off\n");
	CHECK_STR_CONTAINS(def,
			   "<clock offset='localtime'>\n    <timer "
			   "name='rtc' track='wall' tickpolicy='catchup'/>\n"
			   "    <timer name='pit' tickpolicy='delay'/>\n    "
			   "<timer name='hpet' present='no'/>\n    <timer "
			   "name='kvmclock' present='no'/>\n  </clock>\n");
	CHECK_STR_CONTAINS(w, "<timer name='tsc'> with these settings not "
			      "acted on");
	CHECK_STR_CONTAINS(w, "<timer name='rtc'> with these settings not");
	/* the PIT's policy is the in-kernel PIT's: not with TCG */
	CHECK_STR_CONTAINS(w, "<timer name='pit' tickpolicy='discard'>: not "
			      "acted on with TCG");
}

static void smm_pm_eoi_usb_ports(void)
{
	_cleanup_free_ char *def = NULL, *s = NULL, *w = NULL;
	_cleanup_free_ char *uhci = NULL, *many = NULL;

	warnings_expected = true; /* <apic eoi> with TCG */
	s = argv_for("<features><apic eoi='off'/><smm state='off'/></features>"
		     "<pm><suspend-to-mem enabled='no'/><suspend-to-disk "
		     "enabled='yes'/></pm>",
		     "<controller type='usb' index='0' model='qemu-xhci' "
		     "ports='8'/>",
		     &def);
	warnings_expected = false;
	w = warnings("<features><apic eoi='on'/></features>", "");
	uhci = refusal("",
		       "<controller type='usb' model='piix3-uhci' ports='2'/>");
	many = refusal("",
		       "<controller type='usb' model='nec-xhci' ports='16'/>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-machine\nsmm=off\n-global\n"
			      "PIIX4_PM.disable_s3=1\n-global\n"
			      "PIIX4_PM.disable_s4=0\n");
	CHECK_STR_CONTAINS(s, "-cpu\nqemu64,kvm-pv-eoi=off\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"qemu-xhci\",\"id\":\"usb\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x2\",\"p2\":8,"
			      "\"p3\":8}");
	CHECK_STR_CONTAINS(def, "<apic eoi='off'/>\n    <smm state='off'/>");
	CHECK_STR_CONTAINS(def, "<pm>\n    <suspend-to-mem enabled='no'/>\n    "
				"<suspend-to-disk enabled='yes'/>\n  </pm>");
	CHECK_STR_CONTAINS(def, "model='qemu-xhci' ports='8'/>");
	CHECK_STR_CONTAINS(w, "<apic eoi='on'>: not acted on with TCG");
	CHECK_STR_CONTAINS(uhci, "only an xHCI controller");
	CHECK_STR_CONTAINS(many, "ports 16 out of range (1 to 15)");
}

/* nido-vmm runs none of these: the kvm driver refuses them by name. */
static void kvm_driver_refuses_them(void)
{
	static const char *const tops[] = {
		"<memoryBacking><locked/></memoryBacking>",
		"<pm><suspend-to-mem enabled='no'/></pm>",
		"<clock offset='utc'><timer name='hpet' present='no'/></clock>",
	};
	static const char *const names[] = {"<memoryBacking>", "<pm>",
					    "<timer>"};

	for (size_t i = 0; i < ARRAY_SIZE(tops); i++) {
		_cleanup_free_ char *text = xasprintf(
			"<domain type='kvm'><name>m</name><memory unit='MiB'>"
			"64</memory><os><type>hvm</type><kernel>/k</kernel>"
			"</os>%s<devices><emulator>/usr/bin/nido-vmm"
			"</emulator></devices></domain>",
			tops[i]);
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) < 0);
		CHECK_STR_CONTAINS(err_msg(e), names[i]);
		CHECK_STR_CONTAINS(err_msg(e),
				   "not supported by the kvm driver");
		domain_def_free(d);
	}
}

static void numatune_binds_backends(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"<vcpu>2</vcpu><cpu><numa>"
		"<cell id='0' cpus='0' memory='32' unit='MiB'/>"
		"<cell id='1' cpus='1' memory='32' unit='MiB'/></numa></cpu>"
		"<numatune><memory mode='interleave' nodeset='0-2,^1'/>"
		"<memnode cellid='1' mode='preferred' nodeset='3'/></numatune>",
		"", &def);
	_cleanup_free_ char *whole = argv_for(
		"<numatune><memory nodeset='0'/></numatune>", "", NULL);
	_cleanup_free_ char *cell = refusal(
		"<numatune><memnode cellid='0' nodeset='0'/></numatune>", "");
	_cleanup_free_ char *w = warnings(
		"<numatune><memory mode='strict' placement='auto'/></numatune>",
		"");

	if (!s || !whole)
		return;
	CHECK_STR_CONTAINS(s,
			   "\"id\":\"ram-node0\",\"size\":33554432,"
			   "\"host-nodes\":[0,2],\"policy\":\"interleave\"}");
	CHECK_STR_CONTAINS(s, "\"id\":\"ram-node1\",\"size\":33554432,"
			      "\"host-nodes\":[3],\"policy\":\"preferred\"}");
	CHECK_STR_CONTAINS(whole, "{\"qom-type\":\"memory-backend-ram\",\"id\":"
				  "\"pc.ram\",\"size\":67108864,\"host-nodes\":"
				  "[0],\"policy\":\"bind\"}\n-machine\n"
				  "memory-backend=pc.ram\n");
	CHECK_STR_CONTAINS(def,
			   "<numatune>\n    <memory mode='interleave' "
			   "nodeset='0-2,^1'/>\n    <memnode cellid='1' "
			   "mode='preferred' nodeset='3'/>\n  </numatune>");
	CHECK_STR_CONTAINS(cell, "cellid 0: the guest has no such cell");
	CHECK_STR_CONTAINS(w, "<memory>: placement='auto' (numad's) in "
			      "<numatune> not acted on");
}

int main(void)
{
	RUN(audio_backends_with_their_options);
	RUN(audio_values_are_checked);
	RUN(seclabel_none_kept_others_warned);
	RUN(numa_cells_and_memory_backing);
	RUN(hugepages_per_node);
	RUN(numa_rules_are_libvirts);
	RUN(timers);
	RUN(smm_pm_eoi_usb_ports);
	RUN(kvm_driver_refuses_them);
	RUN(numatune_binds_backends);
	return test_done();
}
