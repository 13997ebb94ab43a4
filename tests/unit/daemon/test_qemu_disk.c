// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Disks on the qemu driver (driver-qemu-argv-disk.c): from domain XML
 * as a user gives it, through `nido define`'s checks, to QEMU's
 * -blockdev and -device options as libvirt's command lines have them,
 * and back out in the definition; what is refused, by name.
 */
#include <errno.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "daemon/domain_conf_disk.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

/* @machine may go on with "|" and more of <os> (<boot dev>). */
static char *xml(const char *machine, const char *devs)
{
	const char *os = strchr(machine, '|');

	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='%.*s'>hvm</type>%s</os>"
			 "<devices>%s</devices></domain>",
			 (int)(os ? os - machine : (long)strlen(machine)),
			 machine, os ? os + 1 : "", devs);
}

/* The command line for @devs on @machine, arguments separated by "\n",
 * each disk a raw file on an fd (as nidod opens them); with @def, the
 * definition formatted again. NULL when refused (a failure). */
static char *argv_for(const char *machine, const char *devs, char **def)
{
	_cleanup_free_ char *text = xml(machine, devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	struct qemu_argv a = {0};
	struct block_chain *ch;
	char *out = NULL;

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	for (size_t i = 0; i < w.n; i++)
		TEST_FAIL("warning: %s", w.msgs[i]);
	xml_warnings_clear(&w);
	ch = xcalloc(d->n_disks + 1, sizeof(*ch));
	for (size_t i = 0; i < d->n_disks; i++) {
		ch[i].n = 1;
		ch[i].files = xcalloc(1, sizeof(*ch[i].files));
		ch[i].files[0].fd = -1;
	}
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, ch);
	for (size_t i = 0; i < d->n_disks; i++)
		free(ch[i].files);
	free(ch);
	out = qemu_test_args(&a);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}

static char *refusal(const char *machine, const char *devs)
{
	_cleanup_free_ char *text = xml(machine, devs);
	char *why = qemu_test_refusal(text);

	return why ? why : xstrdup("(accepted)");
}

#define DISK(dev, target, bus, addr)                                 \
	"<disk type='file' device='" dev "'><source file='/i.img'/>" \
	"<target dev='" target "' bus='" bus "'/>" addr "</disk>"
#define DRIVE(b, u)                                                    \
	"<address type='drive' controller='0' bus='" b "' target='0' " \
	"unit='" u "'/>"

/* libvirt's disk-ide-wwn and disk-snapshot: an IDE disk where its
 * <address> says, not where its name would put it. */
static void ide_and_sata_by_address(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"pc",
		DISK("cdrom", "hda", "ide", DRIVE("0", "1"))
			DISK("disk", "hdb", "ide",
			     DRIVE("1", "0")) DISK("disk", "hdd", "ide", "")
				DISK("disk", "sdb", "sata", DRIVE("0", "4")),
		&def);
	_cleanup_free_ char *q35 = argv_for(
		"q35", DISK("disk", "sda", "sata", DRIVE("0", "3")), NULL);

	if (!s || !q35)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ide-cd\",\"unit\":1,"
			      "\"bus\":\"ide.0\",\"drive\":\"d0-0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ide-hd\",\"unit\":0,"
			      "\"bus\":\"ide.1\",\"drive\":\"d1-0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ide-hd\",\"unit\":1,"
			      "\"bus\":\"ide.1\",\"drive\":\"d2-0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ide-hd\",\"bus\":\"sata0.4\","
			      "\"drive\":\"d3-0\"");
	CHECK_STR_CONTAINS(q35, "{\"driver\":\"ide-hd\",\"bus\":\"ide.3\","
				"\"drive\":\"d0-0\"");
	CHECK_STR_CONTAINS(def, "<target dev='hda' bus='ide'/>\n      "
				"<readonly/>\n      <address type='drive' "
				"controller='0' bus='0' target='0' "
				"unit='1'/>");
}

static void drive_places_checked(void)
{
	static const char *const cases[][2] = {
		{DISK("disk", "hda", "ide", DRIVE("0", "2")),
		 "disk 'hda': <address controller='0' bus='0' target='0' "
		 "unit='2'>: the IDE controller has buses 0 and 1 of units 0 "
		 "and 1"},
		{DISK("disk", "hda", "ide", DRIVE("2", "0")),
		 "the IDE controller has buses 0 and 1"},
		{DISK("disk", "sda", "sata", DRIVE("0", "6")),
		 "the SATA controller has units 0 to 5 on bus 0"},
		{DISK("disk", "hda", "ide", DRIVE("1", "0"))
			 DISK("disk", "hdc", "ide", ""),
		 "disks 'hda' and 'hdc' at the same place: ide bus 1 unit 0"},
		{DISK("disk", "sda", "sata", "")
			 DISK("disk", "sdb", "sata", DRIVE("0", "0")),
		 "disks 'sda' and 'sdb' at the same place: sata bus 0 unit 0"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal("pc", cases[i][0]);

		CHECK_STR_CONTAINS(r, cases[i][1]);
	}
}

#define NET(proto, name, inner)                                   \
	"<disk type='network' device='disk'><driver name='qemu' " \
	"type='raw'/><source protocol='" proto "'" name ">" inner \
	"</source><target dev='vda' bus='virtio'/></disk>"

#define FLOPPY(target, addr)                                        \
	"<disk type='file' device='floppy'><source file='/f.img'/>" \
	"<target dev='" target "' bus='fdc'/>" addr "</disk>"

/* libvirt's boot-complex and boot-floppy-q35: drive A boots (the FDC's
 * bootindexA, its place in <os><boot dev>); disks of a bus in their
 * names' order, the buses as they first appear. */
static void floppies_on_the_fdc(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *pc = argv_for(
		"pc|<boot dev='cdrom'/><boot dev='hd'/><boot dev='fd'/>",
		DISK("disk", "vdb", "virtio", "") DISK("disk", "vda", "virtio",
						       "")
			FLOPPY("fdb", DRIVE("0", "1"))
				FLOPPY("fda", "") "<controller type='fdc' "
						  "index='0'/>",
		&def);
	_cleanup_free_ char *q35 =
		argv_for("q35",
			 FLOPPY("fda", "") "<disk type='file' device='floppy'>"
					   "<source file='/g.img'/><target "
					   "dev='fdb' bus='fdc'/><boot "
					   "order='1'/></disk>",
			 NULL);

	if (!pc || !q35)
		return;
	CHECK_STR_CONTAINS(pc, "-global\nisa-fdc.bootindexA=3\n");
	CHECK(!strstr(pc, "bootindexB"));
	CHECK_STR_CONTAINS(pc, "{\"driver\":\"virtio-blk-pci\",\"bus\":"
			       "\"pci.0\",\"addr\":\"0x3\",\"drive\":\"d1-0\","
			       "\"id\":\"disk1\",\"bootindex\":2}");
	CHECK_STR_CONTAINS(pc, "{\"driver\":\"floppy\",\"unit\":1,\"drive\":"
			       "\"d2-0\",\"id\":\"disk2\"}");
	CHECK_STR_CONTAINS(pc, "{\"driver\":\"floppy\",\"unit\":0,\"drive\":"
			       "\"d3-0\",\"id\":\"disk3\"}");
	CHECK(!strstr(pc, "\"isa-fdc\"")); /* the PC's own */
	CHECK_STR_CONTAINS(q35, "-device\n{\"driver\":\"isa-fdc\","
				"\"bootindexB\":1}\n");
	CHECK_STR_CONTAINS(def, "<disk type='file' device='floppy'>");
	CHECK_STR_CONTAINS(def, "<target dev='fda' bus='fdc'/>");
	CHECK_STR_CONTAINS(def, "<controller type='fdc' index='0'/>");
	CHECK_STR_CONTAINS(def, "<boot dev='fd'/>");
}

static void floppies_checked(void)
{
	static const char *const cases[][2] = {
		{FLOPPY("fdc", ""), "a floppy is fda or fdb"},
		{FLOPPY("fda", DRIVE("0", "2")), "the FDC has units 0 and 1"},
		{"<disk type='file' device='floppy'><source file='/f'/>"
		 "<target dev='hda' bus='ide'/></disk>",
		 "a floppy is on bus 'fdc', and bus 'fdc' has only floppies"},
		{"<disk type='file' device='disk'><source file='/f'/>"
		 "<target dev='fda'/></disk>",
		 "a floppy is on bus 'fdc'"},
		{"<disk type='file' device='floppy'><source file='/f'/>"
		 "<target dev='fda'/><serial>x</serial></disk>",
		 "a floppy has no <serial>"},
		{FLOPPY("fda", "") FLOPPY("fdb", DRIVE("0", "0")),
		 "disks 'fda' and 'fdb' at the same place: fdc bus 0 unit 0"},
		{"<controller type='fdc' index='1'/>",
		 "<controller type='fdc' index='1'>: a PC has one FDC"},
		{"<controller type='fdc' model='x'/>",
		 "<controller type='fdc'>: unknown attribute 'model'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal("pc", cases[i][0]);

		CHECK_STR_CONTAINS(r, cases[i][1]);
	}
}

/* nido-vmm has no floppies, and of network storage only what nidod
 * serves it over NBD (rbd, a raw nbd export on one host). */
static void kvm_driver_refuses_floppies(void)
{
	static const char *const devs[][2] = {
		{FLOPPY("fda", ""), "'fdc'"},
		{NET("iscsi", " name='iqn.1992-01.com.example/1'",
		     "<host name='h'/>"),
		 "<disk type='network'> not supported by the kvm driver"},
		{NET("nbd", "", "<host name='h'/><reconnect delay='5'/>"),
		 "<disk type='network'> not supported by the kvm driver"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		_cleanup_free_ char *text = xasprintf(
			"<domain type='kvm'><name>m</name><memory unit='MiB'>64"
			"</memory><os><type>hvm</type><kernel>/k</kernel></os>"
			"<devices><emulator>/usr/bin/nido-vmm</emulator>%s"
			"</devices></domain>",
			devs[i][0]);
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) < 0);
		CHECK_STR_CONTAINS(err_msg(e), devs[i][1]);
		domain_def_free(d);
	}
}

/* libvirt's disk-network-*: each protocol's -blockdev node. */
static void network_disks_as_libvirt_gives_them(void)
{
	static const char *const cases[][2] = {
		{NET("nbd", " name='bar'",
		     "<host name='example.org' port='6000'/>"),
		 "{\"driver\":\"nbd\",\"server\":{\"type\":\"inet\",\"host\":"
		 "\"example.org\",\"port\":\"6000\"},\"export\":\"bar\","
		 "\"node-name\":\"f0-0\",\"read-only\":false}"},
		{NET("nbd", "",
		     "<host transport='unix' socket='/run/nbd.sock'/>"
		     "<reconnect delay='10'/>"),
		 "{\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":"
		 "\"/run/nbd.sock\"},\"reconnect-delay\":10,"},
		{NET("iscsi", " name='iqn.1992-01.com.example/1'",
		     "<host name='example.org' port='6000'/>"),
		 "{\"driver\":\"iscsi\",\"portal\":\"example.org:6000\","
		 "\"target\":\"iqn.1992-01.com.example\",\"lun\":1,"
		 "\"transport\":\"tcp\","},
		{NET("rbd", " name='pool/image'",
		     "<host name='mon1.example.org' port='6321'/><host "
		     "name='::1' port='6322'/><snapshot name='asdf'/>"),
		 "{\"driver\":\"rbd\",\"pool\":\"pool\",\"image\":\"image\","
		 "\"snapshot\":\"asdf\",\"server\":[{\"host\":"
		 "\"mon1.example.org\",\"port\":\"6321\"},{\"host\":\"::1\","
		 "\"port\":\"6322\"}],"},
		{NET("gluster", " name='Volume1/Image'",
		     "<host name='example.org'/><host transport='unix' "
		     "socket='/s'/>"),
		 "{\"driver\":\"gluster\",\"volume\":\"Volume1\",\"path\":"
		 "\"Image\",\"server\":[{\"type\":\"inet\",\"host\":"
		 "\"example.org\",\"port\":\"24007\"},{\"type\":\"unix\","
		 "\"path\":\"/s\"}],\"debug\":4,"},
		{NET("http", " name='test.img'",
		     "<host name='example.org'/><timeout seconds='1234'/>"),
		 "{\"driver\":\"http\",\"url\":\"http://example.org:80/"
		 "test.img\",\"timeout\":1234,"},
		{NET("https", " name='/a/b.iso?x=y'",
		     "<host name='2001:db8::1' port='8443'/><ssl "
		     "verify='no'/><readahead size='1024'/>"),
		 "{\"driver\":\"https\",\"url\":\"https://[2001:db8::1]:8443/"
		 "a/b.iso?x=y\",\"sslverify\":false,\"readahead\":1024,"},
		{NET("nfs", " name='/foo/bar'", "<host name='example.com'/>"),
		 "{\"driver\":\"nfs\",\"server\":{\"type\":\"inet\",\"host\":"
		 "\"example.com\"},\"path\":\"/foo/bar\","},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *s = argv_for("pc", cases[i][0], NULL);

		if (!s)
			continue;
		CHECK_STR_CONTAINS(s, cases[i][1]);
		CHECK_STR_CONTAINS(s, "{\"driver\":\"raw\",\"file\":\"f0-0\","
				      "\"node-name\":\"d0-0\",\"read-only\":"
				      "false}");
		CHECK(!strstr(s, "-add-fd")); /* QEMU reaches it */
	}
}

static void network_disk_kept(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"pc",
		"<disk type='network' device='disk'><driver name='qemu' "
		"type='qcow2'/><source protocol='nbd' name='e'><host "
		"transport='unix' socket='/run/n.sock'/></source>"
		"<backingStore/><target dev='vda'/><readonly/></disk>",
		&def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"qcow2\",\"file\":\"f0-0\","
			      "\"node-name\":\"d0-0\",\"read-only\":true,"
			      "\"backing\":null}");
	CHECK_STR_CONTAINS(def, "<disk type='network' device='disk'>\n"
				"      <driver name='qemu' type='qcow2'/>\n"
				"      <source protocol='nbd' name='e'>\n"
				"        <host transport='unix' "
				"socket='/run/n.sock'/>\n      </source>\n"
				"      <backingStore/>\n");
}

static void network_disks_checked(void)
{
	static const char *const cases[][2] = {
		{NET("nbd", "",
		     "<host name='h'/><auth username='u'><secret "
		     "type='iscsi' usage='x'/></auth>"),
		 "<auth> not supported: nido keeps no secrets"},
		{"<disk type='file'><source file='/a'/><target dev='vda'/>"
		 "<encryption format='luks'/></disk>",
		 "<encryption> not supported: nido keeps no secrets"},
		{NET("nbd", " tls='yes'", "<host name='h'/>"),
		 "tls= not supported"},
		{NET("sheepdog", " name='x'", "<host name='h'/>"),
		 "invalid disk protocol 'sheepdog'"},
		{NET("nbd", "", ""), "protocol 'nbd' takes 1 to 1 <host>"},
		{NET("iscsi", " name='iqn.x/y'", "<host name='h'/>"),
		 "name 'iqn.x/y': an iSCSI name is IQN[/LUN]"},
		{NET("rbd", " name='image'", ""),
		 "name 'image': protocol 'rbd' names pool/image"},
		{NET("rbd", " name='p/i:rbd_cache=1'", ""),
		 "rbd options after ':' or a namespace not supported"},
		{NET("http", " name='a'",
		     "<host transport='unix' socket='/s'/>"),
		 "protocol 'http': <host> transport='unix' not supported"},
		{NET("nfs", " name='/a'", "<host name='h' port='2049'/>"),
		 "protocol 'nfs': <host> port= not supported"},
		{NET("http", " name='a'", "<host name='h'/><cookies/>"),
		 "<cookies> not supported for protocol 'http'"},
		{NET("nbd", "", "<host name='h;rm' port='1'/>"),
		 "<host name='h;rm'>: not a host name or address"},
		{NET("nbd", "", "<host name='h' port='70000'/>"),
		 "port 70000 out of range (1 to 65535)"},
		{NET("nbd", "", "<host transport='rdma' name='h'/>"),
		 "<host transport='rdma'> not supported"},
		{"<disk type='network'><driver name='qemu' type='qcow2'/>"
		 "<source protocol='nbd'><host name='h'/></source><target "
		 "dev='vda'/></disk>",
		 "a qcow2 image over nbd: nido cannot check what it names"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal("pc", cases[i][0]);

		CHECK_STR_CONTAINS(r, cases[i][1]);
	}
}

/* libvirt's disk-aio, disk-detect-zeroes, disk-virtio-queues,
 * disk-rotation, disk-ide-wwn: where each lands on QEMU's line. */
static void driver_and_target_tuning(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"pc",
		"<disk type='file'><driver name='qemu' type='raw' cache='none' "
		"io='native' detect_zeroes='unmap' discard='unmap' queues='4' "
		"queue_size='256'/><source file='/a'/><target dev='vda'/>"
		"</disk><disk type='file'><driver name='qemu' type='raw' "
		"io='threads' detect_zeroes='unmap'/><source file='/b'/>"
		"<target dev='hda' "
		"rotation_rate='7200'/><wwn>0x5000c50015ea71ad"
		"</wwn></disk>",
		&def);
	static const char *const refused[][2] = {
		{"<disk type='file'><driver io='native'/><source file='/a'/>"
		 "<target dev='vda'/></disk>",
		 "<driver io='native'> needs cache='none' or 'directsync'"},
		{"<disk type='file'><driver queues='2'/><source file='/a'/>"
		 "<target dev='hda'/></disk>",
		 "<driver queues= queue_size=> are virtio's"},
		{"<disk type='file'><source file='/a'/><target dev='vda'/>"
		 "<wwn>5000c50015ea71ad</wwn></disk>",
		 "disk 'vda': <wwn> on bus 'virtio'"},
		{"<disk type='file'><source file='/a'/><target dev='hda'/>"
		 "<wwn>5000c5</wwn></disk>",
		 "invalid wwn '5000c5' (16 hex digits)"},
		{"<disk type='file'><source file='/a'/><target dev='hda' "
		 "rotation_rate='500'/></disk>",
		 "invalid rotation_rate '500'"},
		{"<disk type='file'><driver queue_size='100'/><source "
		 "file='/a'/><target dev='vda'/></disk>",
		 "invalid queue_size '100'"},
		{"<disk type='file'><driver detect_zeroes='maybe'/><source "
		 "file='/a'/><target dev='vda'/></disk>",
		 "invalid detect_zeroes mode 'maybe'"},
	};

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "\"discard\":\"unmap\",\"aio\":\"native\"}");
	CHECK_STR_CONTAINS(s, "\"discard\":\"unmap\",\"detect-zeroes\":"
			      "\"unmap\"}");
	CHECK_STR_CONTAINS(s, "\"locking\":\"off\",\"aio\":\"threads\"}");
	/* unmap without discards: 'on', as libvirt */
	CHECK_STR_CONTAINS(s, "\"node-name\":\"d1-0\",\"read-only\":false,"
			      "\"detect-zeroes\":\"on\"}");
	CHECK_STR_CONTAINS(s, "\"num-queues\":4,\"queue-size\":256");
	CHECK_STR_CONTAINS(s, "\"rotation_rate\":7200,\"wwn\":"
			      "5764824127192592813");
	CHECK_STR_CONTAINS(def, "io='native' discard='unmap' "
				"detect_zeroes='unmap' queues='4' "
				"queue_size='256'/>");
	CHECK_STR_CONTAINS(def, "<target dev='hda' bus='ide' "
				"rotation_rate='7200'/>");
	CHECK_STR_CONTAINS(def, "<wwn>0x5000c50015ea71ad</wwn>");
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		_cleanup_free_ char *r = refusal("pc", refused[i][0]);

		CHECK_STR_CONTAINS(r, refused[i][1]);
	}
}

/* A volume of an rbd pool, resolved at start (domain-disks.c) into an
 * rbd node with the pool's monitors and no authentication, or its
 * client; the definition keeps the volume. */
static void rbd_volume_disk(void)
{
	_cleanup_free_ char *text = xml(
		"pc", "<disk type='volume' device='disk'><driver name='qemu' "
		      "type='raw'/><source pool='ceph' volume='vm1'/><target "
		      "dev='vda' bus='virtio'/></disk>");
	struct domain_def *d = NULL;
	struct qemu_argv a = {0};
	struct block_chain ch[2] = {0};
	struct disk_net *n = xcalloc(1, sizeof(*n));
	_cleanup_free_ char *args = NULL, *back = NULL;

	CHECK(domain_def_parse(text, strlen(text), &d, NULL, NULL) == 0);
	if (!d)
		return;
	n->protocol = DISK_PROTO_RBD;
	n->name = xstrdup("rbd/vm1");
	n->hosts = xcalloc(1, sizeof(*n->hosts));
	n->hosts[0].name = xstrdup("10.0.0.1");
	n->hosts[0].port = 6789;
	n->n_hosts = 1;
	n->auth_none = true;
	domain_disk_set_net(&d->disks[0], n);
	CHECK_STR_EQ(d->disks[0].source, "rbd://10.0.0.1:6789/rbd/vm1");
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, ch);
	args = qemu_test_args(&a);
	CHECK_STR_CONTAINS(args,
			   "{\"driver\":\"rbd\",\"pool\":\"rbd\",\"image\":"
			   "\"vm1\",\"server\":[{\"host\":\"10.0.0.1\","
			   "\"port\":\"6789\"}],\"auth-client-required\":"
			   "[\"none\"],\"node-name\":\"f0-0\"");
	back = domain_def_format(d);
	CHECK_STR_CONTAINS(back, "<disk type='volume' device='disk'>");
	CHECK_STR_CONTAINS(back, "<source pool='ceph' volume='vm1'/>");
	domain_def_free(d);
}

int main(void)
{
	RUN(ide_and_sata_by_address);
	RUN(drive_places_checked);
	RUN(floppies_on_the_fdc);
	RUN(floppies_checked);
	RUN(kvm_driver_refuses_floppies);
	RUN(network_disks_as_libvirt_gives_them);
	RUN(network_disk_kept);
	RUN(rbd_volume_disk);
	RUN(network_disks_checked);
	RUN(driver_and_target_tuning);
	return test_done();
}
