// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/domain_conf.h"
#include "test.h"

#include <errno.h>

static const char full_xml[] =
	"<domain type='kvm'>\n"
	"  <name>web</name>\n"
	"  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>\n"
	"  <description>front &amp; back</description>\n"
	"  <memory unit='MiB'>256</memory>\n"
	"  <currentMemory unit='MiB'>128</currentMemory>\n"
	"  <vcpu>2</vcpu>\n"
	"  <os>\n"
	"    <type arch='x86_64'>hvm</type>\n"
	"    <kernel>/boot/vmlinuz</kernel>\n"
	"    <initrd>/boot/initrd.img</initrd>\n"
	"    <cmdline>console=ttyS0 root=/dev/vda</cmdline>\n"
	"  </os>\n"
	"  <on_reboot>destroy</on_reboot>\n"
	"  <devices>\n"
	"    <disk type='file' device='disk'>\n"
	"      <driver name='qemu' type='qcow2'/>\n"
	"      <source file='/var/lib/nido/images/web.qcow2'/>\n"
	"      <target dev='vda' bus='virtio'/>\n"
	"      <serial>disk0</serial>\n"
	"    </disk>\n"
	"    <disk type='file' device='disk'>\n"
	"      <source file='/srv/data.img'/>\n"
	"      <target dev='vdb' bus='virtio'/>\n"
	"      <readonly/>\n"
	"    </disk>\n"
	"    <interface type='bridge'>\n"
	"      <mac address='52:54:00:12:34:56'/>\n"
	"      <source bridge='br0'/>\n"
	"      <model type='virtio'/>\n"
	"    </interface>\n"
	"    <serial type='pty'/>\n"
	"    <console type='pty'/>\n"
	"    <rng model='virtio'><backend model='random'>/dev/urandom"
	"</backend></rng>\n"
	"  </devices>\n"
	"</domain>\n";

static int parse(const char *xml, struct domain_def **d, struct xml_warnings *w,
		 struct err **e)
{
	return domain_def_parse(xml, strlen(xml), d, w, e);
}

static void domain_full_parses(void)
{
	struct domain_def *d = NULL;
	struct xml_warnings w = {0};
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(parse(full_xml, &d, &w, &e), 0);
	CHECK_INT_EQ(w.n, 0);
	CHECK_STR_EQ(d->name, "web");
	CHECK_STR_EQ(d->description, "front & back");
	CHECK_U64_EQ(d->memory_kib, 262144);
	CHECK_U64_EQ(d->current_memory_kib, 131072);
	CHECK_INT_EQ(d->vcpus, 2);
	CHECK_STR_EQ(d->kernel, "/boot/vmlinuz");
	CHECK_STR_EQ(d->cmdline, "console=ttyS0 root=/dev/vda");
	CHECK_INT_EQ(d->on_poweroff, DOMAIN_LIFECYCLE_DESTROY);
	CHECK_INT_EQ(d->on_reboot, DOMAIN_LIFECYCLE_DESTROY);
	CHECK_INT_EQ(d->n_disks, 2);
	CHECK_INT_EQ(d->disks[0].format, DISK_FORMAT_QCOW2);
	CHECK_STR_EQ(d->disks[0].serial, "disk0");
	CHECK_INT_EQ(d->disks[1].format, DISK_FORMAT_RAW);
	CHECK(d->disks[1].readonly && !d->disks[0].readonly);
	CHECK_INT_EQ(d->n_nets, 1);
	CHECK_INT_EQ(d->nets[0].type, NET_TYPE_BRIDGE);
	CHECK_STR_EQ(d->nets[0].source, "br0");
	CHECK_INT_EQ(d->nets[0].mac[5], 0x56);
	CHECK_INT_EQ(d->n_serials, 1);
	CHECK_INT_EQ(d->n_consoles, 1);
	CHECK_STR_EQ(d->rngs[0].backend, "/dev/urandom");
	CHECK_INT_EQ(d->n_rngs, 1);
	domain_def_free(d);
}

static void domain_round_trip_is_stable(void)
{
	struct domain_def *d = NULL, *d2 = NULL;
	_cleanup_free_ char *x1 = NULL, *x2 = NULL;

	CHECK_INT_EQ(parse(full_xml, &d, NULL, NULL), 0);
	x1 = domain_def_format(d);
	domain_def_free(d);
	CHECK_INT_EQ(parse(x1, &d2, NULL, NULL), 0);
	x2 = domain_def_format(d2);
	domain_def_free(d2);
	CHECK_STR_EQ(x1, x2);
	CHECK_STR_CONTAINS(x1,
			   "<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>");
	CHECK_STR_CONTAINS(x1, "<description>front &amp; back</description>");
	CHECK_STR_CONTAINS(x1, "<memory unit='KiB'>262144</memory>");
	CHECK_STR_CONTAINS(x1, "<mac address='52:54:00:12:34:56'/>");
	CHECK_STR_CONTAINS(x1, "<driver name='qemu' type='qcow2'/>");
}

/* A small domain with @extra_top (its own <memory> replaces the 1 GB
 * one) and @devices. */
static const char *minimal(const char *extra_top, const char *devices)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "<domain type='kvm'>\n<name>t</name>\n"
		 "%s\n%s\n"
		 "<os><kernel>/k</kernel></os>\n<devices>%s</devices>\n"
		 "</domain>\n",
		 strstr(extra_top, "<memory") ? ""
					      : "<memory unit='GB'>1</memory>",
		 extra_top, devices);
	return buf;
}

static void domain_defaults_and_units(void)
{
	struct domain_def *d = NULL;

	CHECK_INT_EQ(parse(minimal("", ""), &d, NULL, NULL), 0);
	CHECK_U64_EQ(d->memory_kib, 976563); /* 10^9 bytes, rounded up */
	CHECK_INT_EQ(d->vcpus, 1);
	CHECK_INT_EQ(d->on_reboot, DOMAIN_LIFECYCLE_RESTART);
	CHECK(d->uuid[6] >> 4 == 4); /* a random v4 UUID was given */
	CHECK_U64_EQ(d->current_memory_kib, d->memory_kib);
	domain_def_free(d);
	/* libvirt's define brings a larger currentMemory down to memory */
	CHECK_INT_EQ(parse(minimal("<currentMemory unit='GiB'>2"
				   "</currentMemory>",
				   ""),
			   &d, NULL, NULL),
		     0);
	CHECK_U64_EQ(d->current_memory_kib, 976563);
	domain_def_free(d);
}

static void domain_unknown_parts_warn_with_line(void)
{
	struct domain_def *d = NULL;
	struct xml_warnings w = {0};

	CHECK_INT_EQ(parse(minimal("<keywrap/>",
				   "<disk type='file' shiny='yes'>"
				   "<source file='/a'/><target dev='vda'/>"
				   "</disk><sparkle/>"),
			   &d, &w, NULL),
		     0);
	domain_def_free(d);
	CHECK_INT_EQ(w.n, 3);
	CHECK_STR_EQ(w.msgs[0],
		     "line 4: <domain>: unknown element <keywrap> ignored");
	CHECK_STR_CONTAINS(w.msgs[1], "unknown attribute 'shiny'");
	CHECK_STR_CONTAINS(w.msgs[2], "unknown device <sparkle>");
	xml_warnings_clear(&w);
}

/* Each bad document fails, and the message holds @want. */
static void domain_invalid_values_fail_with_line(void)
{
	static const struct {
		const char *top, *devs, *want;
	} cases[] = {
		{"<vcpu>two</vcpu>", "",
		 "line 4: <vcpu>: vcpu count must be a number, not 'two'"},
		{"<vcpu>0</vcpu>", "", "vcpu count 0 out of range"},
		{"<uuid>nope</uuid>", "",
		 "line 4: <uuid>: invalid UUID 'nope'"},
		{"<on_crash>explode</on_crash>", "",
		 "invalid action 'explode' (expected destroy, restart"},
		{"", "<disk><source file='/a'/><target dev='xda'/></disk>",
		 "invalid target dev 'xda' (expected vda, vdb, ..., sda"},
		{"",
		 "<disk><source file='/a'/><target dev='vda' bus='floppy'/>"
		 "</disk>",
		 "invalid disk bus 'floppy' (expected virtio, scsi"},
		{"",
		 "<disk><driver type='vmdk'/><source file='/a'/>"
		 "<target dev='vda'/></disk>",
		 "invalid disk format 'vmdk' (expected raw, qcow2)"},
		{"",
		 "<disk><source file='/a'/><target dev='vda'/></disk>"
		 "<disk><source file='/b'/><target dev='vda'/></disk>",
		 "two disks with target dev 'vda'"},
		{"",
		 "<interface type='bridge'><mac address='01:00:00:00:00:01'/>"
		 "<source bridge='b'/></interface>",
		 "is a multicast address"},
		{"", "<interface type='network'/>",
		 "needs <source network='...'/>"},
		{"", "<serial type='tcp'/>", "type 'tcp' without <source>"},
		{"", "<serial type='pipe'/>", "type 'pipe' not supported"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		if (parse(minimal(cases[i].top, cases[i].devs), &d, NULL, &e) !=
			    -EINVAL ||
		    d) {
			TEST_FAIL("case %zu accepted", i);
			domain_def_free(d);
			return;
		}
		CHECK_STR_CONTAINS(err_msg(e), cases[i].want);
	}
}

static void domain_structure_errors(void)
{
	static const struct {
		const char *xml, *want;
	} cases[] = {
		{"<domain type='kvm'><name>x</name>", "domain XML: line 1:"},
		{"<network/>", "root element is <network>, expected <domain>"},
		{"<domain><name>x</name></domain>", "missing attribute 'type'"},
		{"<domain type='xen'/>", "invalid domain type 'xen'"},
		{"<domain type='kvm'><name>a b</name></domain>",
		 "invalid character ' '"},
		/* QEMU cannot run it either (a network card): nido-vmm's
		 * reason is given */
		{"<domain type='kvm'><name>x</name><memory>1</memory>"
		 "<os/><devices><interface type='ethernet'><model "
		 "type='ne2k_isa'/></interface></devices>"
		 "</domain>",
		 "missing <kernel>"},
		{"<domain type='kvm'><name>x</name></domain>",
		 "missing <memory>"},
		{"<domain type='kvm'><name>x</name><memory unit='parsec'>1"
		 "</memory></domain>",
		 "<memory>:"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		if (parse(cases[i].xml, &d, NULL, &e) >= 0) {
			TEST_FAIL("case %zu accepted", i);
			domain_def_free(d);
			return;
		}
		CHECK_STR_CONTAINS(err_msg(e), cases[i].want);
	}
}

/* Nested entities: a few hundred bytes that expand to gigabytes. */
static char *laughs(const char *use)
{
	_cleanup_free_ char *decls = xstrdup("<!ENTITY a0 'lollollollol'>");

	for (int i = 1; i < 10; i++) {
		char *more =
			xasprintf("%s<!ENTITY a%d '&a%d;&a%d;&a%d;&a%d;"
				  "&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;'>",
				  decls, i, i - 1, i - 1, i - 1, i - 1, i - 1,
				  i - 1, i - 1, i - 1, i - 1, i - 1);
		free(decls);
		decls = more;
	}
	return xasprintf("<?xml version='1.0'?>\n<!DOCTYPE domain [%s]>\n"
			 "<domain type='kvm'><name>x</name><memory>1024"
			 "</memory><os><kernel>/k</kernel></os>%s</domain>",
			 decls, use);
}

static void xml_refuses_entities_and_doctype(void)
{
	static const char *const uses[] = {
		"<description>&a9;</description>",
		"<devices><disk><source file='&a9;'/><target dev='vda'/>"
		"</disk></devices>",
		"<title>x</title>",
	};

	for (size_t i = 0; i < ARRAY_SIZE(uses); i++) {
		_cleanup_free_ char *xml = laughs(uses[i]);
		_cleanup_err_ struct err *e = NULL;
		struct domain_def *d = NULL;

		CHECK_INT_EQ(parse(xml, &d, NULL, &e), -EINVAL);
		CHECK(!d);
		CHECK_STR_CONTAINS(err_msg(e),
				   "domain XML: line 2: a document type "
				   "declaration (<!DOCTYPE>) is not allowed");
	}
}

static void xml_refuses_external_dtd_and_depth(void)
{
	_cleanup_err_ struct err *e1 = NULL, *e2 = NULL, *e3 = NULL;
	struct domain_def *d = NULL;
	char deep[64 * 7 + 64 * 8 + 64];
	size_t n = 0;

	CHECK_INT_EQ(parse("<!DOCTYPE domain SYSTEM '/etc/passwd'>"
			   "<domain type='kvm'/>",
			   &d, NULL, &e1),
		     -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e1), "(<!DOCTYPE>) is not allowed");
	n += sprintf(deep + n, "<domain>");
	for (int i = 0; i < 64; i++)
		n += sprintf(deep + n, "<a>");
	for (int i = 0; i < 64; i++)
		n += sprintf(deep + n, "</a>");
	sprintf(deep + n, "</domain>");
	CHECK_INT_EQ(parse(deep, &d, NULL, &e2), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e2), "elements nested deeper than 64");
	CHECK(!d);
	/* A document that is too large is refused before it is parsed. */
	CHECK_INT_EQ(domain_def_parse("<domain/>", XML_MAX_DOCUMENT + 1, &d,
				      NULL, &e3),
		     -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e3), "is larger than 1048576");
}

/* Formats @d, parses the text back (generic rules) and formats again. */
static void check_round_trip(const struct domain_def *d, char **text)
{
	struct domain_def *back = NULL;
	_cleanup_free_ char *again = NULL;
	_cleanup_err_ struct err *e = NULL;

	*text = domain_def_format(d);
	CHECK_INT_EQ(domain_def_parse_with(*text, strlen(*text), NULL, &back,
					   NULL, &e),
		     0);
	if (!back)
		return;
	again = domain_def_format(back);
	CHECK_STR_EQ(*text, again);
	domain_def_free(back);
}

/*
 * 700 KB of apostrophes became 4.2 MB as &apos;: text keeps them as they
 * are; what an attribute must escape (its quote, line ends, tabs) parses
 * back to the same value.
 */
static void format_escapes_only_what_it_must(void)
{
	struct domain_def *d = NULL;
	_cleanup_free_ char *text = NULL;

	CHECK_INT_EQ(parse(minimal("<description>it's \"x\" &amp; &lt;y&gt;"
				   "</description>",
				   "<disk><source file=\"/a'b&#10;c&#9;d\"/>"
				   "<target dev='vda'/></disk>"),
			   &d, NULL, NULL),
		     0);
	CHECK_STR_EQ(d->description, "it's \"x\" & <y>");
	CHECK_STR_EQ(d->disks[0].source, "/a'b\nc\td");
	check_round_trip(d, &text);
	CHECK_STR_CONTAINS(text, "<description>it's \"x\" &amp; &lt;y&gt;"
				 "</description>");
	CHECK_STR_CONTAINS(text, "<source file='/a&apos;b&#10;c&#9;d'/>");
	domain_def_free(d);
}

/* libvirt's element order, and id='N' on a running domain's <domain>. */
static void format_order_and_id(void)
{
	static const char *const order[] = {"<domain type='kvm' id='7'>",
					    "<name>",
					    "<uuid>",
					    "<title>",
					    "<description>",
					    "<memory",
					    "<currentMemory",
					    "<memtune>",
					    "<vcpu",
					    "<cputune>",
					    "<os>",
					    "<on_poweroff>",
					    "<on_reboot>",
					    "<on_crash>",
					    "<devices>",
					    "</domain>"};
	struct domain_def *d = NULL;
	_cleanup_free_ char *active = NULL, *inactive = NULL;
	const char *at;

	CHECK_INT_EQ(parse(minimal("<cputune><shares>100</shares></cputune>"
				   "<vcpu>2</vcpu><title>t</title>"
				   "<memtune><hard_limit>9000</hard_limit>"
				   "</memtune><description>d</description>",
				   ""),
			   &d, NULL, NULL),
		     0);
	active = domain_def_format_active(d, 7);
	inactive = domain_def_format(d);
	at = active;
	for (size_t i = 0; i < ARRAY_SIZE(order) && at; i++) {
		const char *next = strstr(at, order[i]);

		if (!next)
			TEST_FAIL("'%s' missing or out of order in:\n%s",
				  order[i], active);
		at = next;
	}
	CHECK_STR_CONTAINS(inactive, "<domain type='kvm'>\n");
	domain_def_free(d);
}

/* Parses @top/@devs with the kvm driver's checks; returns the warnings. */
static struct domain_def *parse_kvm(const char *top, const char *devs,
				    struct xml_warnings *w, struct err **e)
{
	struct domain_def *d = NULL;

	if (parse(minimal(top, devs), &d, w, e) < 0)
		return NULL;
	return d;
}

static bool has_warning(const struct xml_warnings *w, const char *want)
{
	for (size_t i = 0; i < w->n; i++)
		if (strstr(w->msgs[i], want))
			return true;
	return false;
}

/*
 * Defect 11: what the kvm driver does not do but the guest cannot tell is
 * kept (dumpxml shows it) and warned about by name.
 */
static void kvm_keeps_and_warns(void)
{
	static const struct {
		const char *top, *devs, *kept, *warning;
	} cases[] = {
		{"<vcpu cpuset='0-3,^2'>2</vcpu>", "", "cpuset='0-3,^2'",
		 "<vcpu cpuset='0-3,^2'>: not acted on"},
		{"<vcpu placement='auto'>1</vcpu>", "", "placement='auto'",
		 "<vcpu placement='auto'>: not acted on"},
		{"<memory unit='GB' dumpCore='on'>1</memory>", "",
		 "dumpCore='on'", "<memory dumpCore='on'>: not acted on"},
		{"",
		 "<serial type='pty'><log file='/l' append='off'/></serial>"
		 "<console type='pty'><target type='serial' port='0'/>"
		 "<log file='/m'/></console>",
		 "<log file='/m'/>",
		 "<console> <log file='/m'>: not acted on, the serial "
		 "port's <log> is"},
		{"",
		 "<disk><driver discard='ignore'/><source file='/a'/>"
		 "<target dev='vda'/></disk>",
		 "discard='ignore'", "<driver discard='ignore'>: not acted on"},
		{"",
		 "<rng model='virtio'><rate bytes='10'/><backend "
		 "model='random'>/dev/random</backend></rng>",
		 "<rate bytes='10'/>", "<rate bytes='10'>: not acted on"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct xml_warnings w = {0};
		_cleanup_err_ struct err *e = NULL;
		_cleanup_free_ char *text = NULL;
		struct domain_def *d =
			parse_kvm(cases[i].top, cases[i].devs, &w, &e);

		if (!d) {
			TEST_FAIL("case %zu refused: %s", i, err_msg(e));
			continue;
		}
		check_round_trip(d, &text);
		CHECK_STR_CONTAINS(text, cases[i].kept);
		if (!has_warning(&w, cases[i].warning))
			TEST_FAIL("case %zu: no warning '%s'", i,
				  cases[i].warning);
		domain_def_free(d);
		xml_warnings_clear(&w);
	}
}

/* What would change the guest's meaning is refused, naming it. */
static void kvm_refuses_by_name(void)
{
	static const struct {
		const char *top, *devs, *want;
	} cases[] = {
		/* more vCPUs than nido-vmm runs (QEMU would) */
		{"<vcpu>65</vcpu>", "<emulator>/usr/bin/nido-vmm</emulator>",
		 "<vcpu> 65: nido-vmm runs at most 64 vCPUs"},
		/* nido-vmm named: QEMU would run these (the pick rule) */
		{"<os><type arch='i686'>hvm</type><kernel>/k</kernel></os>",
		 "<emulator>/usr/bin/nido-vmm</emulator>",
		 "architecture 'i686' not supported by the kvm driver"},
		{"",
		 "<emulator>/usr/bin/nido-vmm</emulator><serial type='pty'/>"
		 "<serial type='pty'/>",
		 "<serial> port 1 not supported"},
		{"",
		 "<emulator>/usr/bin/nido-vmm</emulator><console type='pty'>"
		 "<target type='virtio'/></console>",
		 "<console> target type 'virtio' not supported"},
		{"",
		 "<rng model='virtio'><backend model='random'>/dev/hwrng"
		 "</backend></rng>",
		 "rng backend '/dev/hwrng' not supported"},
		{"",
		 "<emulator>/usr/bin/nido-vmm</emulator><rng model='virtio'/>"
		 "<rng model='virtio'/>",
		 "2 <rng> devices"},
		{"",
		 "<emulator>/usr/bin/nido-vmm</emulator>"
		 "<disk><source file='/a'/><target dev='vda' bus='sata'/>"
		 "</disk>",
		 "disk 'vda': bus 'sata' not supported"},
		{"",
		 "<emulator>/usr/bin/nido-vmm</emulator>"
		 "<interface type='ethernet'><model type='e1000'/>"
		 "</interface>",
		 "interface 0: model 'e1000' not supported by the kvm driver"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_err_ struct err *e = NULL;
		struct domain_def *d =
			parse_kvm(cases[i].top, cases[i].devs, NULL, &e);

		if (d) {
			TEST_FAIL("case %zu accepted", i);
			domain_def_free(d);
			continue;
		}
		CHECK_STR_CONTAINS(err_msg(e), "domain 't': ");
		CHECK_STR_CONTAINS(err_msg(e), cases[i].want);
	}
}

/* The generic parser keeps what only a driver refuses; libvirt's rules
 * about consoles and serials are its own. */
static void generic_rules(void)
{
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e1 = NULL, *e2 = NULL;
	_cleanup_free_ char *xml =
		xstrdup(minimal("<vcpu current='1'>2</vcpu>",
				"<console type='pty'/><console type='pty'>"
				"<target type='virtio'/></console>"
				"<serial type='pty'/><serial type='pty'/>"));
	_cleanup_free_ char *text = NULL;

	CHECK_INT_EQ(
		domain_def_parse_with(xml, strlen(xml), NULL, &d, NULL, NULL),
		0);
	if (d) {
		CHECK_INT_EQ(d->vcpus_current, 1);
		CHECK_INT_EQ(d->n_serials, 2);
		CHECK_INT_EQ(d->serials[1].port, 1);
		CHECK_INT_EQ(d->n_consoles, 2);
		CHECK_INT_EQ(d->consoles[1].target, CONSOLE_TARGET_VIRTIO);
		check_round_trip(d, &text);
		CHECK_STR_CONTAINS(text, "<target type='virtio' port='0'/>");
		CHECK_STR_CONTAINS(text, "current='1'>2</vcpu>");
	}
	domain_def_free(d);
	d = parse_kvm("", "<console type='pty'/><console type='pty'/>", NULL,
		      &e1);
	CHECK(!d);
	CHECK_STR_CONTAINS(err_msg(e1), "only the first console can be a "
					"serial port");
	d = parse_kvm("<vcpu current='3'>2</vcpu>", "", NULL, &e2);
	CHECK(!d);
	CHECK_STR_CONTAINS(err_msg(e2), "vcpu current 3 out of range (1 to 2)");
}

/* A PC booted by its firmware: type @type, @os inside <os>, @devs. */
static const char *pc(const char *type, const char *os, const char *devs)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "<domain type='%s'><name>pc</name><memory>65536</memory>"
		 "<os><type machine='pc'>hvm</type>%s</os><devices>%s"
		 "</devices></domain>",
		 type, os, devs);
	return buf;
}

#define IDE_DISK "<disk><source file='/a'/><target dev='hda' bus='ide'/></disk>"
#define CDROM                                                            \
	"<disk device='cdrom'><source file='/i.iso'/><target dev='hdc' " \
	"bus='ide'/></disk>"

/* <boot dev=> and <emulator>: parsed in order, formatted back. */
static void boot_order_and_emulator_round_trip(void)
{
	struct domain_def *d = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(
		parse(pc("qemu", "<boot dev='cdrom'/><boot dev='hd'/>",
			 "<emulator>/opt/q/qemu-system-x86_64</emulator>" CDROM
				 IDE_DISK),
		      &d, NULL, &e),
		0);
	if (!d)
		return;
	CHECK_INT_EQ(d->n_boot, 2);
	CHECK_INT_EQ(d->boot[0], BOOT_DEV_CDROM);
	CHECK_INT_EQ(d->boot[1], BOOT_DEV_HD);
	CHECK_STR_EQ(d->emulator, "/opt/q/qemu-system-x86_64");
	CHECK_INT_EQ(d->disks[0].device, DISK_DEVICE_CDROM);
	check_round_trip(d, &text);
	CHECK_STR_CONTAINS(text, "<boot dev='cdrom'/>\n    <boot dev='hd'/>");
	CHECK_STR_CONTAINS(text, "<emulator>/opt/q/qemu-system-x86_64"
				 "</emulator>");
	domain_def_free(d);
}

static void boot_and_emulator_errors(void)
{
	static const struct {
		const char *os, *devs, *want;
	} cases[] = {
		{"<boot dev='hd'/><boot dev='hd'/>", "",
		 "<boot dev='hd'> given twice"},
		{"<boot/>", "", "<boot> without dev"},
		{"<boot dev='usb'/>", "", "invalid boot device 'usb'"},
		{"", "<emulator>qemu</emulator>",
		 "<emulator> 'qemu': not an absolute path"},
		{"", "<emulator>/a</emulator><emulator>/b</emulator>",
		 "<emulator> given twice"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		if (parse(pc("qemu", cases[i].os, cases[i].devs), &d, NULL,
			  &e) != -EINVAL) {
			TEST_FAIL("case %zu accepted", i);
			domain_def_free(d);
			continue;
		}
		CHECK_STR_CONTAINS(err_msg(e), cases[i].want);
	}
}

/*
 * The pick rule (docs/drivers.md): type 'qemu' runs on QEMU; type 'kvm'
 * on nido-vmm when it can, else on QEMU; <emulator> decides when given.
 * A domain on QEMU gets its <emulator> filled in, as libvirt does.
 */
static void pick_rule(void)
{
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e1 = NULL, *e2 = NULL, *e3 = NULL;
	struct xml_warnings w = {0};

	CHECK_INT_EQ(parse(pc("kvm", "", IDE_DISK), &d, NULL, NULL), 0);
	if (d)
		CHECK_STR_CONTAINS(d->emulator, "/qemu-system-x86_64");
	domain_def_free(d);
	d = NULL;
	CHECK_INT_EQ(parse(minimal("", ""), &d, NULL, NULL), 0);
	if (d)
		CHECK(d->emulator == NULL); /* nido-vmm */
	domain_def_free(d);
	d = NULL;
	/* a QEMU named for a domain nido-vmm could run: QEMU boots the
	 * kernel */
	CHECK_INT_EQ(parse(pc("kvm", "<kernel>/k</kernel>",
			      "<emulator>/usr/bin/qemu-system-x86_64"
			      "</emulator>"),
			   &d, NULL, &e1),
		     0);
	if (d)
		CHECK(d->kernel && strstr(d->emulator, "qemu-system"));
	domain_def_free(d);
	d = NULL;
	CHECK_INT_EQ(
		parse(pc("qemu", "", "<emulator>/usr/bin/nido-vmm</emulator>"),
		      &d, NULL, &e2),
		-ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e2), "nido-vmm runs type 'kvm' domains");
	CHECK_INT_EQ(parse(pc("qemu", "", "<emulator>/bin/sh</emulator>"), &d,
			   NULL, &e3),
		     -ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e3), "not an emulator nido runs");
	/* nido-vmm named: the kvm driver, which says <boot> is not its */
	CHECK_INT_EQ(parse(pc("kvm", "<kernel>/k</kernel><boot dev='hd'/>",
			      "<emulator>/usr/bin/nido-vmm</emulator>"),
			   &d, &w, NULL),
		     0);
	CHECK(has_warning(&w, "<boot dev='hd'>: not acted on, nido-vmm boots "
			      "<kernel> directly"));
	CHECK(has_warning(&w, "<emulator>/usr/bin/nido-vmm</emulator>: not "
			      "acted on"));
	domain_def_free(d);
	xml_warnings_clear(&w);
}

/* What the qemu driver cannot run is refused, naming it. */
static void qemu_refuses_by_name(void)
{
	static const struct {
		const char *os, *devs, *want;
	} cases[] = {
		{"",
		 "<disk device='floppy'><source file='/a'/><target "
		 "dev='hda'/></disk>",
		 "disk 'hda': a floppy is on bus 'fdc'"},
		{"",
		 "<disk device='cdrom'><source file='/a'/><target dev='vda'/>"
		 "</disk>",
		 "disk 'vda': a cdrom cannot be on bus 'virtio'"},
		{"",
		 "<disk><source file='/a'/><target dev='hda' bus='ide'/>"
		 "<readonly/></disk>",
		 "disk 'hda': a read-only disk on bus 'ide'"},
		{"", "<disk><source file='/a'/><target dev='hde'/></disk>",
		 "disk 'hde': an IDE disk is hda to hdd"},
		{"",
		 "<interface type='ethernet'><model "
		 "type='ne2k_isa'/></interface>",
		 "interface 0: model 'ne2k_isa' not supported by the qemu "
		 "driver"},
		{"", "<serial type='pty'><target port='4'/></serial>",
		 "<serial> port 4: an ISA serial port is 0 to 3"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		if (parse(pc("qemu", cases[i].os, cases[i].devs), &d, NULL,
			  &e) >= 0) {
			TEST_FAIL("case %zu accepted", i);
			domain_def_free(d);
			continue;
		}
		CHECK_STR_CONTAINS(err_msg(e), "domain 'pc': ");
		CHECK_STR_CONTAINS(err_msg(e), cases[i].want);
	}
	{
		/* a Q35 has no IDE: an IDE disk would become an AHCI port */
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK_INT_EQ(parse("<domain type='qemu'><name>q</name>"
				   "<memory>65536</memory><os><type "
				   "machine='q35'>hvm</type></os><devices>"
				   "<disk><source file='/a'/><target dev='hda' "
				   "bus='ide'/></disk></devices></domain>",
				   &d, NULL, &e),
			     -ENOTSUP);
		CHECK_STR_CONTAINS(
			err_msg(e),
			"disk 'hda': bus 'ide' on machine 'q35': a "
			"Q35 has no IDE controller (use bus 'sata')");
	}
	{
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK_INT_EQ(parse(pc("kvm", "",
				      IDE_DISK "<interface type='ethernet'>"
					       "<model type='ne2k_isa'/>"
					       "</interface>"),
				   &d, NULL, &e),
			     -ENOTSUP);
		/* neither driver runs it: nido-vmm's reason comes first */
		CHECK_STR_CONTAINS(err_msg(e), "missing <kernel>");
	}
}

int main(void)
{
	RUN(domain_full_parses);
	RUN(domain_round_trip_is_stable);
	RUN(domain_defaults_and_units);
	RUN(domain_unknown_parts_warn_with_line);
	RUN(domain_invalid_values_fail_with_line);
	RUN(domain_structure_errors);
	RUN(xml_refuses_entities_and_doctype);
	RUN(xml_refuses_external_dtd_and_depth);
	RUN(format_escapes_only_what_it_must);
	RUN(format_order_and_id);
	RUN(kvm_keeps_and_warns);
	RUN(kvm_refuses_by_name);
	RUN(generic_rules);
	RUN(boot_order_and_emulator_round_trip);
	RUN(boot_and_emulator_errors);
	RUN(pick_rule);
	RUN(qemu_refuses_by_name);
	return test_done();
}
