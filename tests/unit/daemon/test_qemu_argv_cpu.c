// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vCPUs' features on QEMU's command line (driver-qemu-cpu.c,
 * domain_conf_cpufeat.c): <cpu><cache> and <maxphysaddr>,
 * <features><hyperv>, <kvm>, <pmu>, <pvspinlock> and <ioapic>, <iommu>
 * (driver-qemu-platform.c); from domain XML as
 * a user gives it, through `nido define`'s checks, to -cpu's properties
 * and back out in the definition; with TCG, what only KVM implements is
 * warned about by name; bad values are refused naming them.
 */
#include <errno.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

/* A domain of @type with @top beside <os> (or holding its own <os>),
 * on QEMU. */
static char *xml(const char *type, const char *top)
{
	return xasprintf("<domain type='%s'><name>m</name>"
			 "<memory unit='MiB'>64</memory>%s%s"
			 "<devices><emulator>/usr/bin/qemu-system-x86_64"
			 "</emulator></devices></domain>",
			 type,
			 strstr(top, "<os>") ? ""
					     : "<os><type arch='x86_64' "
					       "machine='pc'>hvm</type></os>",
			 top);
}

/*
 * Defines @top on @type: the command line (arguments separated by
 * "\n"), *@def the definition formatted again, *@warned the warnings
 * joined by "|". NULL (a failure) when refused.
 */
static char *define(const char *type, const char *top, char **def,
		    char **warned)
{
	_cleanup_free_ char *text = xml(type, top);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	struct qemu_argv a = {0};
	char *out = NULL, *ws = NULL;
	size_t wlen = 0;
	FILE *f;

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	f = open_memstream(&ws, &wlen);
	for (size_t i = 0; i < w.n; i++)
		fprintf(f, "%s%s", i ? "|" : "", w.msgs[i]);
	fclose(f);
	xml_warnings_clear(&w);
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64",
			streq(type, "kvm") ? "kvm" : "tcg", d, NULL);
	out = qemu_test_args(&a);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	if (warned)
		*warned = ws;
	else
		free(ws);
	return out;
}

/* The error define gives for @top (NULL, a failure: accepted). */
static char *refusal(const char *type, const char *top)
{
	_cleanup_free_ char *text = xml(type, top);
	char *why = qemu_test_refusal(text);

	if (!why)
		TEST_FAIL("accepted: %s", top);
	return why;
}

/* The formatted definition parses to the same text again. */
static void check_round_trip(const char *def)
{
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *again = NULL;

	if (domain_def_parse(def, strlen(def), &d, NULL, &e) < 0) {
		TEST_FAIL("own definition refused: %s", err_msg(e));
		return;
	}
	again = domain_def_format(d);
	CHECK_STR_EQ(again, def);
	domain_def_free(d);
}

static void cache_and_physaddr_on_host_cpu(void)
{
	_cleanup_free_ char *def = NULL, *w = NULL, *def2 = NULL;
	_cleanup_free_ char *a = define(
		"kvm",
		"<cpu mode='host-passthrough'><cache mode='passthrough'/>"
		"<maxphysaddr mode='passthrough'/></cpu>",
		&def, &w);
	_cleanup_free_ char *b = define(
		"kvm",
		"<cpu mode='host-passthrough'><cache level='3' "
		"mode='emulate'/><maxphysaddr mode='emulate' bits='42'/></cpu>",
		&def2, NULL);
	_cleanup_free_ char *c = define(
		"qemu",
		"<cpu><model>Haswell</model><cache mode='disable'/></cpu>",
		NULL, NULL);

	if (!a || !b || !c)
		return;
	CHECK_STR_CONTAINS(a, "-cpu\nhost,host-cache-info=on,l3-cache=off,"
			      "host-phys-bits=on\n");
	CHECK_STR_CONTAINS(b, "-cpu\nhost,l3-cache=on,host-cache-info=off,"
			      "phys-bits=42\n");
	/* host-cache-info is only the host and max CPUs' property */
	CHECK_STR_CONTAINS(c, "-cpu\nHaswell,l3-cache=off\n");
	CHECK_STR_EQ(w, "");
	CHECK_STR_CONTAINS(def, "<cache mode='passthrough'/>\n"
				"    <maxphysaddr mode='passthrough'/>\n");
	CHECK_STR_CONTAINS(def2, "<cache level='3' mode='emulate'/>\n"
				 "    <maxphysaddr mode='emulate' bits='42'/>");
	check_round_trip(def);
	check_round_trip(def2);
}

/* host-model on KVM: QEMU's host CPU with what a migration keeps, the
 * features on top; on TCG, no host CPU to copy: refused. */
static void host_model_on_kvm(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a = define(
		"kvm",
		"<cpu mode='host-model'><model fallback='allow'/><feature "
		"policy='disable' name='invtsc'/><feature policy='optional' "
		"name='ds'/></cpu>",
		&def, NULL);
	_cleanup_free_ char *m = refusal("qemu", "<cpu mode='host-model'/>");

	if (!a)
		return;
	CHECK_STR_CONTAINS(a, "-cpu\nhost,migratable=on,-invtsc,+ds\n");
	CHECK_STR_CONTAINS(def, "<cpu mode='host-model'>\n    <model "
				"fallback='allow'/>\n");
	CHECK_STR_CONTAINS(m, "<cpu mode='host-model'> needs KVM");
}

static void cache_and_physaddr_rules(void)
{
	static const char *const bad[][2] = {
		{"<cpu mode='host-passthrough'><cache level='2' "
		 "mode='emulate'/></cpu>",
		 "needs level='3'"},
		{"<cpu mode='host-passthrough'><cache level='3' "
		 "mode='passthrough'/></cpu>",
		 "with a level ('3')"},
		{"<cpu mode='host-passthrough'><cache mode='fast'/></cpu>",
		 "invalid cpu cache mode 'fast'"},
		{"<cpu><cache mode='passthrough'/></cpu>",
		 "<cache mode='passthrough'> needs <cpu"},
		{"<cpu mode='host-passthrough'><maxphysaddr mode='emulate'/>"
		 "</cpu>",
		 "without bits"},
		{"<cpu mode='host-passthrough'><maxphysaddr mode='emulate' "
		 "bits='99'/></cpu>",
		 "maxphysaddr bits 99"},
		{"<cpu mode='host-passthrough'><maxphysaddr mode='passthrough' "
		 "bits='40'/></cpu>",
		 "with bits ('40')"},
		{"<cpu mode='maximum'><maxphysaddr mode='passthrough'/></cpu>",
		 "needs <cpu mode='host-passthrough'>"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *m = refusal("kvm", bad[i][0]);

		CHECK_STR_CONTAINS(m, bad[i][1]);
	}
}

static void hyperv_and_kvm_features_on_kvm(void)
{
	_cleanup_free_ char *def = NULL, *w = NULL;
	_cleanup_free_ char *a = define(
		"kvm",
		"<features><hyperv><relaxed state='on'/><spinlocks state='on' "
		"retries='12287'/><vpindex state='on'/><synic state='on'/>"
		"<stimer state='on'><direct state='on'/></stimer>"
		"<vendor_id state='on' value='KVM Hv'/><tlbflush state='off'/>"
		"</hyperv><kvm><hidden state='on'/><poll-control state='on'/>"
		"<pv-ipi state='off'/><dirty-ring state='on' size='4096'/>"
		"</kvm><pvspinlock state='on'/><pmu state='off'/></features>",
		&def, &w);

	if (!a)
		return;
	CHECK_STR_CONTAINS(
		a, "-cpu\nqemu64,kvm=off,kvm-poll-control=on,kvm-pv-ipi=off,"
		   "kvm-pv-unhalt=on,hv-relaxed=on,hv-spinlocks=0x2fff,"
		   "hv-vpindex=on,hv-synic=on,hv-stimer=on,"
		   "hv-stimer-direct=on,hv-vendor-id=KVM Hv,pmu=off\n");
	/* the dirty ring is the accelerator's: -accel, not -machine */
	CHECK_STR_CONTAINS(a, "-machine\npc,acpi=off\n-accel\n"
			      "kvm,dirty-ring-size=4096\n");
	CHECK_STR_EQ(w, "");
	CHECK_STR_CONTAINS(def, "<hyperv mode='custom'>\n      <relaxed "
				"state='on'/>\n      <spinlocks state='on' "
				"retries='12287'/>\n");
	CHECK_STR_CONTAINS(def, "<stimer state='on'>\n        <direct "
				"state='on'/>\n      </stimer>\n");
	CHECK_STR_CONTAINS(def, "<vendor_id state='on' value='KVM Hv'/>");
	CHECK_STR_CONTAINS(def, "<dirty-ring state='on' size='4096'/>");
	CHECK_STR_CONTAINS(def, "<pvspinlock state='on'/>\n    <pmu "
				"state='off'/>\n");
	check_round_trip(def);
}

static void kvm_only_features_warned_with_tcg(void)
{
	_cleanup_free_ char *w = NULL, *w2 = NULL, *def = NULL;
	_cleanup_free_ char *a = define(
		"qemu",
		"<features><hyperv mode='passthrough'/><kvm><hint-dedicated "
		"state='on'/></kvm><pvspinlock/><pmu/></features>",
		&def, &w);
	/* off is what TCG has anyway: nothing to warn about */
	_cleanup_free_ char *b =
		define("qemu",
		       "<features><hyperv><relaxed state='off'/></hyperv><pmu "
		       "state='off'/><pvspinlock state='off'/></features>",
		       NULL, &w2);

	if (!a || !b)
		return;
	CHECK_STR_CONTAINS(w, "<hyperv>: not acted on with TCG");
	CHECK_STR_CONTAINS(w, "<kvm><hint-dedicated state='on'>: not acted "
			      "on with TCG");
	CHECK_STR_CONTAINS(w, "<pvspinlock state='on'>: not acted on");
	CHECK_STR_CONTAINS(w, "<pmu state='on'>: not acted on");
	CHECK_STR_EQ(w2, "");
	CHECK_STR_CONTAINS(a, "hv-passthrough=on");
	CHECK_STR_CONTAINS(b, "-cpu\nqemu64,kvm-pv-unhalt=off,pmu=off\n");
	/* no dirty ring property on TCG's -machine */
	CHECK_STR_CONTAINS(a, "-machine\npc,accel=tcg,acpi=off\n");
	CHECK_STR_CONTAINS(def, "<hyperv mode='passthrough'/>");
}

static void feature_values_are_checked(void)
{
	static const char *const bad[][2] = {
		{"<hyperv><spinlocks state='on' retries='100'/></hyperv>",
		 "spinlocks retries"},
		{"<hyperv><spinlocks state='on'/></hyperv>", "without retries"},
		{"<hyperv><vendor_id state='on' value='a,b=c'/></hyperv>",
		 "invalid Hyper-V vendor_id value 'a,b=c'"},
		{"<hyperv><vendor_id state='on' value='thirteen char'/>"
		 "</hyperv>",
		 "vendor_id value"},
		{"<hyperv><relaxed/></hyperv>", "<relaxed> without state"},
		{"<hyperv><relaxed state='maybe'/></hyperv>", "'maybe'"},
		{"<hyperv><ipi state='on'/><ipi state='off'/></hyperv>",
		 "<hyperv><ipi> given twice"},
		{"<hyperv mode='all'/>", "invalid hyperv mode 'all'"},
		{"<kvm><dirty-ring state='on' size='3000'/></kvm>",
		 "invalid dirty-ring size '3000'"},
		{"<kvm><dirty-ring state='on'/></kvm>", "without size"},
		{"<pmu state='yes'/>", "'yes'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *top =
			xasprintf("<features>%s</features>", bad[i][0]);
		_cleanup_free_ char *m = refusal("qemu", top);

		CHECK_STR_CONTAINS(m, bad[i][1]);
	}
}

/* <vcpu current=> below the maximum: QEMU starts that many, the rest
 * can be added up to maxcpus; the topology holds the maximum. */
static void vcpus_below_the_maximum(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a =
		define("qemu",
		       "<vcpu current='1'>4</vcpu><cpu><topology sockets='2' "
		       "dies='1' cores='2' threads='1'/></cpu>",
		       &def, NULL);

	if (!a)
		return;
	CHECK_STR_CONTAINS(a, "-smp\n1,maxcpus=4,sockets=2,dies=1,cores=2,"
			      "threads=1\n");
	CHECK_STR_CONTAINS(def, "current='1'>4</vcpu>");
}

static void intel_iommu_with_split_irqchip(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *text = xasprintf(
		"<domain type='qemu'><name>m</name><memory unit='MiB'>64"
		"</memory><os><type arch='x86_64' machine='q35'>hvm</type>"
		"</os><features><ioapic driver='qemu'/></features><devices>"
		"<iommu model='intel'><driver intremap='on' "
		"caching_mode='on' iotlb='off' aw_bits='48'/></iommu>"
		"</devices></domain>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct qemu_argv a = {0};

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return;
	}
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	def = domain_def_format(d);
	for (size_t i = 0; i + 1 < a.n; i++)
		if (streq(a.v[i], "-device") && strstr(a.v[i + 1], "iommu"))
			CHECK_STR_EQ(a.v[i + 1],
				     "{\"driver\":\"intel-iommu\",\"id\":"
				     "\"iommu0\",\"intremap\":\"on\","
				     "\"caching-mode\":true,\"device-iotlb\":"
				     "false,\"aw-bits\":48}");
	{
		_cleanup_free_ char *all = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&all, &len);

		for (size_t i = 0; i < a.n; i++)
			fprintf(f, "%s\n", a.v[i]);
		fclose(f);
		CHECK_STR_CONTAINS(all, "-machine\nkernel_irqchip=split\n");
		CHECK_STR_CONTAINS(all, "intel-iommu");
	}
	CHECK_STR_CONTAINS(def, "<ioapic driver='qemu'/>");
	CHECK_STR_CONTAINS(def, "<iommu model='intel'>\n      <driver "
				"intremap='on' caching_mode='on' iotlb='off' "
				"aw_bits='48'/>\n    </iommu>\n");
	check_round_trip(def);
	qemu_argv_free(&a);
	domain_def_free(d);
}

#define IOMMU_DOC                                                  \
	"<domain type='qemu'><name>m</name><memory unit='MiB'>64"  \
	"</memory><os><type arch='x86_64' machine='%s'>hvm</type>" \
	"</os>%s<devices>%s</devices></domain>"

static void iommu_rules(void)
{
	static const char *const cases[][4] = {
		{"pc", "", "<iommu model='intel'/>",
		 "needs a q35 machine (machine 'pc'"},
		{"q35", "",
		 "<iommu model='intel'><driver intremap='on'/></iommu>",
		 "needs <features><ioapic driver='qemu'/>"},
		{"q35", "<features><ioapic driver='qemu'/></features>",
		 "<iommu model='intel'><driver intremap='on' "
		 "eim='on'/></iommu>",
		 "<iommu><driver eim='on'> needs KVM"},
		{"q35", "", "<iommu model='virtio'/>",
		 "<iommu model='virtio'> not supported"},
		{"q35", "",
		 "<iommu model='intel'><driver aw_bits='40'/></iommu>",
		 "invalid iommu driver aw_bits '40' (39 or 48)"},
		{"q35", "", "<iommu model='intel'/><iommu model='intel'/>",
		 "a second <iommu>"},
		{"q35", "<features><ioapic driver='xen'/></features>", "",
		 "invalid ioapic driver 'xen'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *text = xasprintf(IOMMU_DOC, cases[i][0],
						      cases[i][1], cases[i][2]);
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		if (domain_def_parse(text, strlen(text), &d, NULL, &e) == 0) {
			TEST_FAIL("accepted: %s", text);
			domain_def_free(d);
			continue;
		}
		CHECK_STR_CONTAINS(err_msg(e), cases[i][3]);
	}
}

/* <sysinfo> into -smbios and -fw_cfg, commas doubled; the tables only
 * with <smbios mode='sysinfo'>, OEM strings and fw_cfg always. */
static void sysinfo_as_smbios_and_fw_cfg(void)
{
	_cleanup_free_ char *def = NULL, *def2 = NULL;
	_cleanup_free_ char *a = define(
		"qemu",
		"<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><os><type "
		"arch='x86_64' machine='pc'>hvm</type><smbios "
		"mode='sysinfo'/></os><sysinfo type='smbios'><bios><entry "
		"name='vendor'>LENOVO</entry><entry name='date'>01/02/2020"
		"</entry><entry name='release'>1.2</entry></bios><system>"
		"<entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1809"
		"</entry><entry name='family'>Red, Hat</entry></system>"
		"<chassis><entry name='sku'>S&amp;1</entry></chassis>"
		"<oemStrings><entry>a=b,c</entry><entry>two</entry>"
		"</oemStrings></sysinfo><sysinfo type='fwcfg'><entry "
		"name='opt/com.example/name'>example, value</entry></sysinfo>",
		&def, NULL);
	/* without mode='sysinfo', the tables stay QEMU's */
	_cleanup_free_ char *b = define(
		"qemu",
		"<sysinfo type='smbios'><system><entry name='sku'>x</entry>"
		"</system><oemStrings><entry>o</entry></oemStrings></sysinfo>",
		&def2, NULL);

	if (!a || !b)
		return;
	CHECK_STR_CONTAINS(a, "-smbios\ntype=0,vendor=LENOVO,date=01/02/2020,"
			      "release=1.2\n-smbios\ntype=1,uuid=c7a5fdbd-edaf-"
			      "9455-926a-d65c16db1809,family=Red,, Hat\n"
			      "-smbios\ntype=3,sku=S&1\n-smbios\ntype=11,"
			      "value=a=b,,c,value=two\n-fw_cfg\nname=opt/"
			      "com.example/name,string=example,, value\n");
	CHECK_STR_CONTAINS(b, "-smbios\ntype=11,value=o\n");
	CHECK(!strstr(b, "type=1,"));
	CHECK_STR_CONTAINS(def, "<smbios mode='sysinfo'/>\n  </os>");
	CHECK_STR_CONTAINS(def, "  <sysinfo type='smbios'>\n    <bios>\n"
				"      <entry name='vendor'>LENOVO</entry>\n");
	CHECK_STR_CONTAINS(def, "<entry name='sku'>S&amp;1</entry>");
	CHECK_STR_CONTAINS(def, "<oemStrings>\n      <entry>a=b,c</entry>");
	CHECK_STR_CONTAINS(def, "<sysinfo type='fwcfg'>\n    <entry "
				"name='opt/com.example/name'>example, value"
				"</entry>\n  </sysinfo>\n");
	check_round_trip(def);
	check_round_trip(def2);
}

static void sysinfo_rules(void)
{
	static const char *const bad[][2] = {
		{"<sysinfo type='smbios'><bios><entry name='date'>13/01/2020"
		 "</entry></bios></sysinfo>",
		 "invalid BIOS date '13/01/2020'"},
		{"<sysinfo type='smbios'><bios><entry name='release'>1"
		 "</entry></bios></sysinfo>",
		 "invalid BIOS release '1'"},
		{"<sysinfo type='smbios'><bios><entry name='colour'>red"
		 "</entry></bios></sysinfo>",
		 "unknown <bios> entry 'colour'"},
		{"<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><sysinfo "
		 "type='smbios'><system><entry name='uuid'>c7a5fdbd-edaf-9455-"
		 "926a-d65c16db1800</entry></system></sysinfo>",
		 "UUID mismatch"},
		{"<sysinfo type='smbios'><system><entry name='sku'>a&#9;b"
		 "</entry></system></sysinfo>",
		 "control characters"},
		{"<sysinfo type='fwcfg'><entry name='etc/x'>v</entry>"
		 "</sysinfo>",
		 "invalid fw_cfg entry name 'etc/x'"},
		{"<sysinfo type='fwcfg'><entry name='opt/x' "
		 "file='/etc/shadow'/>"
		 "</sysinfo>",
		 "from a file: not supported"},
		{"<sysinfo type='smbios'><chassis/><chassis/></sysinfo>",
		 "a second <chassis>"},
		{"<sysinfo type='acpi'/>", "invalid sysinfo type 'acpi'"},
		{"<sysinfo type='fwcfg'><entry name='opt/a'>1</entry><entry "
		 "name='opt/a'>2</entry></sysinfo>",
		 "<fwcfg> entry 'opt/a' given twice"},
		{"<os><type arch='x86_64' machine='pc'>hvm</type><smbios "
		 "mode='sysinfo'/></os>",
		 "without a <sysinfo"},
		{"<os><type arch='x86_64' machine='pc'>hvm</type><smbios "
		 "mode='host'/></os>",
		 "<smbios mode='host'> not "
		 "supported by the qemu"},
		{"<launchSecurity type='sev'><policy>0x0003</policy>"
		 "</launchSecurity>",
		 "<launchSecurity type='sev'> not supported"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *m = refusal("qemu", bad[i][0]);

		CHECK_STR_CONTAINS(m, bad[i][1]);
	}
}

/* <vcpupin> and <emulatorpin>: kept, checked; QEMU's process starts on
 * the emulator's CPUs (its vCPU threads get theirs once QEMU is up). */
static void pins_kept_and_checked(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a = define(
		"qemu",
		"<vcpu cpuset='0-1'>2</vcpu><cputune><vcpupin vcpu='1' "
		"cpuset='1'/><emulatorpin cpuset='0,^1'/><vcpupin vcpu='0' "
		"cpuset='0-1,^0'/></cputune>",
		&def, NULL);
	static const char *const bad[][2] = {
		{"<vcpu>2</vcpu><cputune><vcpupin vcpu='2' cpuset='0'/>"
		 "</cputune>",
		 "vcpupin vcpu 2 out of range (0 to 1)"},
		{"<vcpu>2</vcpu><cputune><vcpupin vcpu='1' cpuset='0'/>"
		 "<vcpupin vcpu='1' cpuset='1'/></cputune>",
		 "vCPU 1 pinned twice"},
		{"<cputune><vcpupin vcpu='0'/></cputune>",
		 "<vcpupin> without cpuset"},
		{"<cputune><emulatorpin cpuset='a-b'/></cputune>",
		 "invalid cpuset 'a-b'"},
		{"<cputune><emulatorpin cpuset='0'/><emulatorpin cpuset='1'/>"
		 "</cputune>",
		 "a second <emulatorpin>"},
	};
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ cpu_set_t *set = NULL;
	size_t size;

	if (!a)
		return;
	CHECK_STR_CONTAINS(def,
			   "<cputune>\n    <vcpupin vcpu='1' cpuset='1'/>\n"
			   "    <vcpupin vcpu='0' cpuset='0-1,^0'/>\n"
			   "    <emulatorpin cpuset='0,^1'/>\n  </cputune>");
	check_round_trip(def);
	/* the emulator's CPUs are the process's, not <vcpu cpuset>'s */
	CHECK(domain_def_parse(def, strlen(def), &d, NULL, &e) == 0);
	if (d && (set = qemu_cpuset_mask(d, &size))) {
		CHECK(CPU_ISSET_S(0, size, set));
		CHECK(!CPU_ISSET_S(1, size, set));
		CHECK_INT_EQ(CPU_COUNT_S(size, set), 1);
	} else {
		TEST_FAIL("no mask for <emulatorpin>");
	}
	domain_def_free(d);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *m = refusal("qemu", bad[i][0]);

		CHECK_STR_CONTAINS(m, bad[i][1]);
	}
}

/* <iothreads> with some <iothreadids>: the rest get the smallest free
 * ids, each an -object iothread; <iothreadpin> names one of them. */
static void iothreads_by_id(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a =
		define("qemu",
		       "<iothreads>3</iothreads><iothreadids><iothread id='2'/>"
		       "</iothreadids><cputune><iothreadpin iothread='3' "
		       "cpuset='0'/></cputune>",
		       &def, NULL);
	static const char *const bad[][2] = {
		{"<iothreads>1</iothreads><cputune><iothreadpin iothread='2' "
		 "cpuset='0'/></cputune>",
		 "<iothreadpin iothread='2'>: the domain has no such iothread"},
		{"<iothreads>1</iothreads><iothreadids><iothread id='1'/>"
		 "<iothread id='2'/></iothreadids>",
		 "2 <iothreadids>, more than <iothreads> (1)"},
		{"<iothreadids><iothread id='1'/><iothread id='1'/>"
		 "</iothreadids>",
		 "iothread id 1 given twice"},
		{"<iothreadids><iothread id='0'/></iothreadids>",
		 "iothread id 0 out of range"},
		{"<iothreads>65</iothreads>", "iothreads 65 out of range"},
	};

	if (!a)
		return;
	CHECK_STR_CONTAINS(a, "-object\niothread,id=iothread2\n-object\n"
			      "iothread,id=iothread1\n-object\niothread,id="
			      "iothread3\n");
	CHECK_STR_CONTAINS(def, "<iothreads>3</iothreads>\n  <iothreadids>\n"
				"    <iothread id='2'/>\n    <iothread "
				"id='1'/>\n    <iothread id='3'/>\n");
	CHECK_STR_CONTAINS(def, "<iothreadpin iothread='3' cpuset='0'/>");
	check_round_trip(def);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *m = refusal("qemu", bad[i][0]);

		CHECK_STR_CONTAINS(m, bad[i][1]);
	}
}

/* <maxMemory slots=>: -m size=,slots=,maxmem= on a NUMA guest. */
static void max_memory_for_hotplug(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a = define(
		"qemu",
		"<maxMemory slots='16' unit='GiB'>1</maxMemory><cpu><numa>"
		"<cell id='0' cpus='0' memory='64' unit='MiB'/></numa></cpu>",
		&def, NULL);
	static const char *const bad[][2] = {
		{"<maxMemory slots='16' unit='MiB'>32</maxMemory>",
		 "(32768 KiB) is below <memory> (65536 KiB)"},
		{"<maxMemory unit='GiB'>1</maxMemory>", "without slots"},
		{"<maxMemory slots='256' unit='GiB'>1</maxMemory>",
		 "maxMemory slots 256 out of range"},
		{"<maxMemory slots='1' unit='KiB'>9007199254740991</maxMemory>",
		 "more than 8796093022208 KiB"},
		{"<maxMemory slots='1' unit='GiB'>1</maxMemory>",
		 "<maxMemory> needs a <numa> cell"},
	};

	if (!a)
		return;
	CHECK_STR_CONTAINS(a, "-m\nsize=65536k,slots=16,maxmem=1048576k\n");
	CHECK_STR_CONTAINS(def, "<maxMemory slots='16' unit='KiB'>1048576"
				"</maxMemory>\n  <memory");
	check_round_trip(def);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *m = refusal("qemu", bad[i][0]);

		CHECK_STR_CONTAINS(m, bad[i][1]);
	}
}

/* <vcpusched>, <iothreadsched>: kept; libvirt's rules refused by name. */
static void sched_rules(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a = define(
		"qemu",
		"<vcpu>4</vcpu><iothreads>3</iothreads><cputune><vcpusched "
		"vcpus='0-3,^1' scheduler='fifo' priority='10'/><vcpusched "
		"vcpus='1' scheduler='batch'/><iothreadsched iothreads='1-3' "
		"scheduler='idle'/></cputune>",
		&def, NULL);
	static const char *const bad[][2] = {
		{"<vcpu>2</vcpu><cputune><vcpusched vcpus='0-1' "
		 "scheduler='fifo'/></cputune>",
		 "scheduler 'fifo' without priority"},
		{"<vcpu>2</vcpu><cputune><vcpusched vcpus='0' scheduler='rr' "
		 "priority='100'/></cputune>",
		 "priority 100 out of range (1 to 99)"},
		{"<vcpu>2</vcpu><cputune><vcpusched vcpus='2' "
		 "scheduler='batch'/></cputune>",
		 "the domain has no vCPU 2"},
		{"<vcpu>2</vcpu><cputune><vcpusched vcpus='0' "
		 "scheduler='deadline'/></cputune>",
		 "invalid scheduler 'deadline'"},
		{"<iothreads>1</iothreads><cputune><iothreadsched "
		 "iothreads='1' scheduler='idle'/><iothreadsched iothreads='1' "
		 "scheduler='batch'/></cputune>",
		 "iothread 1 in two of them"},
	};

	if (!a)
		return;
	CHECK_STR_CONTAINS(def, "<vcpusched vcpus='0-3,^1' scheduler='fifo' "
				"priority='10'/>\n    <vcpusched vcpus='1' "
				"scheduler='batch'/>\n    <iothreadsched "
				"iothreads='1-3' scheduler='idle'/>\n");
	check_round_trip(def);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *m = refusal("qemu", bad[i][0]);

		CHECK_STR_CONTAINS(m, bad[i][1]);
	}
}

/* A virtio disk's <driver iothread=>: its I/O in that iothread. */
static void disk_in_an_iothread(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *text = xasprintf(
		"<domain type='qemu'><name>m</name><memory unit='MiB'>64"
		"</memory><iothreads>2</iothreads><os><type arch='x86_64' "
		"machine='pc'>hvm</type></os><devices><disk type='file'>"
		"<driver name='qemu' type='raw' iothread='2'/><source "
		"file='/a'/><target dev='vda' bus='virtio'/></disk></devices>"
		"</domain>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct block_chain chains[1] = {{0}};
	struct block_chain_file bf = {.fd = -1};
	struct qemu_argv a = {0};
	bool found = false;
	static const char *const bad[][2] = {
		{"<iothreads>1</iothreads><devices><disk type='file'><driver "
		 "iothread='2'/><source file='/a'/><target dev='vda' "
		 "bus='virtio'/></disk></devices>",
		 "disk 'vda': <driver iothread='2'>: the domain has no such "
		 "iothread"},
		{"<iothreads>1</iothreads><devices><disk type='file'><driver "
		 "iothread='1'/><source file='/a'/><target dev='hda' "
		 "bus='ide'/></disk></devices>",
		 "disk 'hda': <driver iothread='1'> on a disk not on virtio"},
		{"<devices><disk type='file'><driver iothread='x'/><source "
		 "file='/a'/><target dev='vda'/></disk></devices>",
		 "disk iothread"},
	};

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return;
	}
	chains[0].files = &bf;
	chains[0].n = 1;
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, chains);
	for (size_t i = 0; i < a.n; i++)
		found = found || (strstr(a.v[i], "\"virtio-blk-pci\"") &&
				  strstr(a.v[i], "\"iothread\":\"iothread2\""));
	CHECK(found);
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(def, "<driver name='qemu' type='raw' "
				"iothread='2'/>");
	check_round_trip(def);
	qemu_argv_free(&a);
	domain_def_free(d);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *text2 = xasprintf(
			"<domain type='qemu'><name>m</name><memory "
			"unit='MiB'>64</memory><os><type arch='x86_64' "
			"machine='pc'>hvm</type></os>%s</domain>",
			bad[i][0]);
		struct domain_def *d2 = NULL;
		_cleanup_err_ struct err *e2 = NULL;

		if (domain_def_parse(text2, strlen(text2), &d2, NULL, &e2) ==
		    0) {
			TEST_FAIL("accepted: %s", bad[i][0]);
			domain_def_free(d2);
			continue;
		}
		CHECK_STR_CONTAINS(err_msg(e2), bad[i][1]);
	}
}

/* nido-vmm has none of them: refused by name, not dropped. */
static void nido_vmm_refuses_them(void)
{
	_cleanup_free_ char *text = xasprintf(
		"<domain type='kvm'><name>m</name><memory unit='MiB'>64"
		"</memory><os><type>hvm</type><kernel>/k</kernel></os>"
		"<features><pvspinlock state='on'/></features><devices>"
		"<emulator>/usr/bin/nido-vmm</emulator></devices></domain>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) == 0) {
		TEST_FAIL("nido-vmm accepted <pvspinlock>");
		domain_def_free(d);
		return;
	}
	CHECK_STR_CONTAINS(err_msg(e), "<pvspinlock> not supported by the kvm "
				       "driver");
}

int main(void)
{
	RUN(cache_and_physaddr_on_host_cpu);
	RUN(cache_and_physaddr_rules);
	RUN(host_model_on_kvm);
	RUN(hyperv_and_kvm_features_on_kvm);
	RUN(kvm_only_features_warned_with_tcg);
	RUN(feature_values_are_checked);
	RUN(nido_vmm_refuses_them);
	RUN(vcpus_below_the_maximum);
	RUN(intel_iommu_with_split_irqchip);
	RUN(iommu_rules);
	RUN(sysinfo_as_smbios_and_fw_cfg);
	RUN(sysinfo_rules);
	RUN(pins_kept_and_checked);
	RUN(iothreads_by_id);
	RUN(max_memory_for_hotplug);
	RUN(sched_rules);
	RUN(disk_in_an_iothread);
	return test_done();
}
