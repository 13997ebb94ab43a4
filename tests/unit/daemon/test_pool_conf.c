// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pool and volume XML (daemon/pool_conf.c): what libvirt's documented
 * examples mean, the form pool-dumpxml prints, and the refusals that
 * name what is wrong.
 */
#include "daemon/pool_conf.h"
#include "storage/iscsi.h"
#include "test.h"

static struct pool_def *pool(const char *xml, struct err **e)
{
	struct pool_def *d = NULL;

	if (pool_def_parse(xml, strlen(xml), &d, NULL, e) < 0)
		return NULL;
	return d;
}

/* @d formats as @want, which parses back and formats the same. */
static void check_round_trip(const struct pool_def *d, const char *want)
{
	char *text = pool_def_format(d, NULL), *again;
	struct pool_def *back;

	CHECK_STR_EQ(text, want);
	back = pool(text, NULL);
	CHECK(back);
	again = back ? pool_def_format(back, NULL) : NULL;
	CHECK_STR_EQ(again, text);
	free(again);
	free(text);
	pool_def_free(back);
}

static void pool_dir_round_trip(void)
{
	const char *xml = "<pool type='dir'><name>default</name>"
			  "<uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>"
			  "<target><path>/var//lib/images/</path><permissions>"
			  "<mode>0711</mode><owner>0</owner><group>107</group>"
			  "</permissions></target></pool>";
	const char *want =
		"<pool type='dir'>\n"
		"  <name>default</name>\n"
		"  <uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>\n"
		"  <capacity unit='bytes'>0</capacity>\n"
		"  <allocation unit='bytes'>0</allocation>\n"
		"  <available unit='bytes'>0</available>\n"
		"  <source>\n  </source>\n"
		"  <target>\n    <path>/var/lib/images</path>\n"
		"    <permissions>\n      <mode>0711</mode>\n"
		"      <owner>0</owner>\n      <group>107</group>\n"
		"    </permissions>\n  </target>\n</pool>\n";
	struct pool_def *d = pool(xml, NULL);

	CHECK(d);
	if (!d)
		return;
	check_round_trip(d, want);
	pool_def_free(d);
}

static void pool_fs_source(void)
{
	struct pool_def *d =
		pool("<pool type='fs'><name>f</name><source>"
		     "<device path='/dev/loop7'/><format type='auto'/>"
		     "</source><target><path>/mnt/f</path></target></pool>",
		     NULL);
	struct storage_pool_params p;

	CHECK(d);
	if (!d)
		return;
	pool_def_params(d, &p);
	CHECK_STR_EQ(p.device, "/dev/loop7");
	CHECK(p.fs_format == NULL); /* auto: probed */
	CHECK_STR_EQ(p.target, "/mnt/f");
	CHECK_INT_EQ(p.mode, -1);
	pool_def_free(d);
}

/*
 * libvirt's logical pool: the physical volumes, the volume group (the
 * pool's name when absent) and its directory as the target; formatted
 * in libvirt's order and read back the same.
 */
static void pool_logical_source(void)
{
	const char *want =
		"<pool type='logical'>\n"
		"  <name>vg0</name>\n"
		"  <uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>\n"
		"  <capacity unit='bytes'>0</capacity>\n"
		"  <allocation unit='bytes'>0</allocation>\n"
		"  <available unit='bytes'>0</available>\n"
		"  <source>\n"
		"    <device path='/dev/sdb'/>\n"
		"    <device path='/dev/sdc1'/>\n"
		"    <name>HostVG</name>\n"
		"    <format type='lvm2'/>\n"
		"  </source>\n"
		"  <target>\n    <path>/dev/HostVG</path>\n  </target>\n"
		"</pool>\n";
	struct pool_def *d =
		pool("<pool type='logical'><name>vg0</name>"
		     "<uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid><source>"
		     "<device path='/dev/sdb'/><device path='/dev/sdc1'/>"
		     "<name>HostVG</name><format type='lvm2'/></source></pool>",
		     NULL);
	struct pool_def *dflt = pool("<pool type='logical'><name>vg1</name>"
				     "<target><path>/dev/vg1</path></target>"
				     "</pool>",
				     NULL);
	struct storage_pool_params p;
	char *text;

	CHECK(d && dflt);
	if (!d || !dflt)
		goto out;
	pool_def_params(d, &p);
	CHECK_INT_EQ(p.n_devices, 2);
	CHECK_STR_EQ(p.devices[1], "/dev/sdc1");
	CHECK_STR_EQ(p.source_name, "HostVG");
	CHECK_STR_EQ(p.target, "/dev/HostVG");
	text = pool_def_format(d, NULL);
	CHECK_STR_EQ(text, want);
	free(text);
	pool_def_params(dflt, &p);
	CHECK(p.source_name == NULL); /* the pool's name */
	CHECK_INT_EQ(p.n_devices, 0);
out:
	pool_def_free(d);
	pool_def_free(dflt);
}

/* A disk pool: its device and label type, its target /dev. */
static void pool_disk_source(void)
{
	struct pool_def *d = pool("<pool type='disk'><name>sdb</name><source>"
				  "<device path='/dev/sdb'/><format "
				  "type='gpt'/></source></pool>",
				  NULL);
	struct pool_def *u = pool("<pool type='disk'><name>sdc</name><source>"
				  "<device path='/dev/sdc'/></source><target>"
				  "<path>/dev</path></target></pool>",
				  NULL);
	struct storage_pool_params p;
	char *text;

	CHECK(d && u);
	if (!d || !u)
		goto out;
	pool_def_params(d, &p);
	CHECK_STR_EQ(p.device, "/dev/sdb");
	CHECK_STR_EQ(p.fs_format, "gpt");
	CHECK_STR_EQ(p.target, "/dev");
	text = pool_def_format(u, NULL);
	CHECK_STR_CONTAINS(text, "    <device path='/dev/sdc'/>\n"
				 "    <format type='unknown'/>\n"
				 "  </source>\n  <target>\n"
				 "    <path>/dev</path>\n");
	free(text);
out:
	pool_def_free(d);
	pool_def_free(u);
}

/* A netfs pool: the server and its export, formatted as libvirt does. */
static void pool_netfs_source(void)
{
	struct pool_def *d = pool(
		"<pool type='netfs'><name>n</name><source><host "
		"name='nfs.example.com'/><dir path='/var/lib/virt//images/'/>"
		"<format type='auto'/></source><target><path>/mnt/n</path>"
		"</target></pool>",
		NULL);
	struct storage_pool_params p;
	char *text;

	CHECK(d);
	if (!d)
		return;
	pool_def_params(d, &p);
	CHECK_STR_EQ(p.host, "nfs.example.com");
	CHECK_STR_EQ(p.source_dir, "/var/lib/virt/images");
	CHECK_STR_EQ(p.target, "/mnt/n");
	text = pool_def_format(d, NULL);
	CHECK_STR_CONTAINS(text, "  <source>\n"
				 "    <host name='nfs.example.com'/>\n"
				 "    <dir path='/var/lib/virt/images'/>\n"
				 "    <format type='auto'/>\n"
				 "  </source>\n");
	free(text);
	pool_def_free(d);
}

/* An iscsi pool: portal, target, initiator; /dev/disk/by-path default. */
static void pool_iscsi_source(void)
{
	struct pool_def *d =
		pool("<pool type='iscsi'><name>i</name><source><host "
		     "name='192.0.2.7' port='3261'/><device "
		     "path='iqn.2026-12.org.nido:t1'/><initiator><iqn "
		     "name='iqn.2026-12.org.nido:host'/></initiator></source></"
		     "pool>",
		     NULL);
	struct storage_pool_params p;
	struct pool_def *back = NULL;
	char *text, *again;

	CHECK(d);
	if (!d)
		return;
	pool_def_params(d, &p);
	CHECK_STR_EQ(p.host, "192.0.2.7");
	CHECK_INT_EQ(p.port, 3261);
	CHECK_STR_EQ(p.iqn, "iqn.2026-12.org.nido:t1");
	CHECK_STR_EQ(p.initiator, "iqn.2026-12.org.nido:host");
	CHECK_STR_EQ(p.target, "/dev/disk/by-path");
	text = pool_def_format(d, NULL);
	CHECK_STR_CONTAINS(text, "<pool type='iscsi'>\n");
	CHECK_STR_CONTAINS(text,
			   "  <source>\n"
			   "    <host name='192.0.2.7' port='3261'/>\n"
			   "    <device path='iqn.2026-12.org.nido:t1'/>\n"
			   "    <initiator>\n"
			   "      <iqn name='iqn.2026-12.org.nido:host'/>\n"
			   "    </initiator>\n"
			   "  </source>\n  <target>\n"
			   "    <path>/dev/disk/by-path</path>\n");
	CHECK(pool_def_parse(text, strlen(text), &back, NULL, NULL) == 0);
	again = back ? pool_def_format(back, NULL) : NULL;
	CHECK_STR_EQ(again ? again : "", text);
	free(again);
	pool_def_free(back);
	free(text);
	pool_def_free(d);

	/* no port, no initiator: neither is printed */
	d = pool("<pool type='iscsi'><name>j</name><source><host name='h'/>"
		 "<device path='demo-target'/></source><target><path>"
		 "/dev/disk/by-id</path></target></pool>",
		 NULL);
	CHECK(d);
	if (!d)
		return;
	text = pool_def_format(d, NULL);
	CHECK_STR_CONTAINS(text, "    <host name='h'/>\n"
				 "    <device path='demo-target'/>\n"
				 "  </source>\n");
	CHECK_STR_CONTAINS(text, "<path>/dev/disk/by-id</path>");
	free(text);
	pool_def_free(d);
}

/* find-storage-pool-sources' spec: host, port, initiator; checked. */
static void iscsi_source_spec(void)
{
	static const char ok[] = "<source><host name='h' port='3261'/>"
				 "<initiator><iqn name='iqn.x:i'/></initiator>"
				 "</source>";
	struct pool_source_spec s = {0};
	struct err *e = NULL;

	CHECK(pool_source_spec_parse(ok, strlen(ok), &s, NULL, NULL) == 0);
	CHECK_STR_EQ(s.host, "h");
	CHECK_INT_EQ(s.port, 3261);
	CHECK_STR_EQ(s.initiator, "iqn.x:i");
	pool_source_spec_clear(&s);
	CHECK(pool_source_spec_parse("<source/>", 9, &s, NULL, &e) < 0);
	CHECK_STR_CONTAINS(e ? err_msg(e) : "", "needs <host name=...>");
	CHECK(!s.host);
	err_free(steal_ptr(e));
	CHECK(pool_source_spec_parse("<source><host name='-p'/></source>", 34,
				     &s, NULL, &e) < 0);
	CHECK_STR_CONTAINS(e ? err_msg(e) : "", "host '-p' is not a host");
	err_free(e);
}

/* find-storage-pool-sources' answer: one source per target. */
static void iscsi_sources(void)
{
	struct iscsi_target t[] = {
		{"192.0.2.7:3260", 1, "iqn.2026-12.org.nido:a"},
		{"[fd00::7]:3260", 1, "iqn.2026-12.org.nido:a"},
		{"192.0.2.7:3260", 2, "iqn.2026-12.org.nido:b"},
	};
	char *x = pool_iscsi_sources_format("h.example", 3260, t, 3);

	CHECK_STR_EQ(x, "<sources>\n"
			"  <source>\n"
			"    <host name='h.example' port='3260'/>\n"
			"    <device path='iqn.2026-12.org.nido:a'/>\n"
			"  </source>\n"
			"  <source>\n"
			"    <host name='h.example' port='3260'/>\n"
			"    <device path='iqn.2026-12.org.nido:b'/>\n"
			"  </source>\n"
			"</sources>\n");
	free(x);
	x = pool_iscsi_sources_format("h", 0, NULL, 0);
	CHECK_STR_EQ(x, "<sources>\n</sources>\n");
	free(x);
}

/* An rbd pool: the Ceph pool, its monitors and client, round trip. */
static void pool_rbd_source(void)
{
	const char *want =
		"<pool type='rbd'>\n"
		"  <name>ceph</name>\n"
		"  <uuid>47c1faee-0207-e741-f5ae-d9b019b98fe2</uuid>\n"
		"  <capacity unit='bytes'>0</capacity>\n"
		"  <allocation unit='bytes'>0</allocation>\n"
		"  <available unit='bytes'>0</available>\n"
		"  <source>\n"
		"    <host name='localhost' port='6789'/>\n"
		"    <host name='2205::192:168:205:141'/>\n"
		"    <name>rbd</name>\n"
		"    <auth type='ceph' username='admin'/>\n"
		"  </source>\n"
		"  <refresh>\n    <volume allocation='capacity'/>\n"
		"  </refresh>\n"
		"</pool>\n";
	struct pool_def *d = pool(
		"<pool type='rbd'><name>ceph</name>"
		"<uuid>47c1faee-0207-e741-f5ae-d9b019b98fe2</uuid><source>"
		"<name>rbd</name><host name='localhost' port='6789'/>"
		"<host name='2205::192:168:205:141'/>"
		"<auth username='admin' type='ceph'/></source>"
		"<refresh><volume allocation='capacity'/></refresh></pool>",
		NULL);
	struct storage_pool_params p;
	char *spec;

	CHECK(d);
	if (!d)
		return;
	pool_def_params(d, &p);
	CHECK_STR_EQ(p.source_name, "rbd");
	CHECK_STR_EQ(p.target, "rbd"); /* the volumes' paths: rbd/IMAGE */
	CHECK(p.n_hosts == 2 && p.host_ports[0] == 6789 &&
	      p.host_ports[1] == 0);
	CHECK_STR_EQ(p.auth_user, "admin");
	CHECK(p.alloc_is_capacity);
	spec = storage_rbd_spec(&p, "vm1");
	CHECK_STR_EQ(spec, "rbd:rbd/vm1:id=admin:mon_host=localhost\\:6789,"
			   "[2205\\:\\:192\\:168\\:205\\:141]"
			   ":auth_supported=cephx");
	free(spec);
	check_round_trip(d, want);
	pool_def_free(d);

	/* no <auth>, no <host>: no authentication, ceph.conf's monitors */
	d = pool("<pool type='rbd'><name>c</name><source><name>p</name>"
		 "</source><target><path>/x</path></target></pool>",
		 NULL);
	CHECK(d);
	if (!d)
		return;
	pool_def_params(d, &p);
	spec = storage_rbd_spec(&p, "i");
	CHECK_STR_EQ(spec, "rbd:p/i:auth_supported=none");
	free(spec);
	pool_def_free(d);
}

/* Each refused, the message naming the cause. */
static void pool_refusals(void)
{
	static const struct {
		const char *xml, *says;
	} bad[] = {
		{"<pool type='iscsi-direct'><name>v</name></pool>",
		 "pool type 'iscsi-direct' is not supported"},
		{"<pool type='iscsi'><name>v</name><target><path>/d</path>"
		 "</target></pool>",
		 "an iscsi pool needs <source><host> and <device>"},
		{"<pool type='iscsi'><name>v</name><source><host name='h'/>"
		 "</source></pool>",
		 "an iscsi pool needs <device path=...>"},
		{"<pool type='iscsi'><name>v</name><source><device path='t'/>"
		 "</source></pool>",
		 "an iscsi pool needs <host name=...>"},
		{"<pool type='iscsi'><name>v</name><source><host name='h'/>"
		 "<device path='--login'/></source></pool>",
		 "target '--login' is not an iSCSI name"},
		{"<pool type='iscsi'><name>v</name><source><host name='h'/>"
		 "<device path='t x'/></source></pool>",
		 "target 't x' is not an iSCSI name"},
		{"<pool type='iscsi'><name>v</name><source><host name='h' "
		 "port='65536'/><device path='t'/></source></pool>",
		 "port"},
		{"<pool type='iscsi'><name>v</name><source><host name='h'/>"
		 "<device path='t'/><initiator><iqn name='-I'/></initiator>"
		 "</source></pool>",
		 "initiator '-I' is not an iSCSI name"},
		{"<pool type='iscsi'><name>v</name><source><host name='h'/>"
		 "<device path='t'/><initiator/></source></pool>",
		 "missing <iqn name=...>"},
		{"<pool type='iscsi'><name>v</name><source><host name='h'/>"
		 "<host name='g'/><device path='t'/></source></pool>",
		 "more than one <host>"},
		{"<pool type='iscsi'><name>v</name><source><host name='h'/>"
		 "<device path='t'/><auth type='chap' username='u'><secret "
		 "usage='x'/></auth></source></pool>",
		 "<auth type='chap'> is not supported: nido keeps no secrets"},
		{"<pool type='netfs'><name>v</name><target><path>/d</path>"
		 "</target></pool>",
		 "a netfs pool needs <source><host> and <dir>"},
		{"<pool type='rbd'><name>v</name><source><name>p</name>"
		 "<auth type='ceph' username='admin'><secret uuid='2ec115d7-"
		 "3a88-3ceb-bc12-0ac909a6fd87'/></auth></source></pool>",
		 "<auth><secret> is not supported: nido keeps no secrets"},
		{"<pool type='rbd'><name>v</name><source><name>p</name>"
		 "<auth type='chap' username='a'/></source></pool>",
		 "<auth type='chap'> is not supported (ceph)"},
		{"<pool type='rbd'><name>v</name><source><name>p</name>"
		 "<auth type='ceph' username='a b'/></source></pool>",
		 "username 'a b' is not a Ceph client name"},
		{"<pool type='rbd'><name>v</name><source><host name='h'/>"
		 "</source></pool>",
		 "an rbd pool needs <source><name>"},
		{"<pool type='rbd'><name>v</name></pool>",
		 "an rbd pool needs <source><name>"},
		{"<pool type='rbd'><name>v</name><source><name>a/b</name>"
		 "</source></pool>",
		 "rbd pool 'a/b' has a control character, '/' or '@'"},
		{"<pool type='rbd'><name>v</name><source><name>p</name>"
		 "<host name='h' port='0'/></source></pool>",
		 "port"},
		{"<pool type='rbd'><name>v</name><source><name>p</name>"
		 "<host name='h;x'/></source></pool>",
		 "is not a host name or address"},
		{"<pool type='rbd'><name>v</name><source><name>p</name>"
		 "</source><refresh><volume allocation='all'/></refresh>"
		 "</pool>",
		 "expected default or capacity"},
		{"<pool type='netfs'><name>v</name><source><host name='-o'/>"
		 "<dir path='/e'/></source><target><path>/d</path></target>"
		 "</pool>",
		 "host '-o' is not a host name or address"},
		{"<pool type='netfs'><name>v</name><source><host name='h'/>"
		 "<dir path='e'/></source><target><path>/d</path></target>"
		 "</pool>",
		 "export path 'e' is not an absolute path"},
		{"<pool type='netfs'><name>v</name><source><host name='h'/>"
		 "<dir path='/e'/><format type='glusterfs'/></source><target>"
		 "<path>/d</path></target></pool>",
		 "netfs pool format 'glusterfs' is not supported (nfs)"},
		{"<pool type='logical'><name>v</name><target><path>/d</path>"
		 "</target></pool>",
		 "a logical pool's target is '/dev/v'"},
		{"<pool type='logical'><name>v</name><source><name>-x</name>"
		 "</source></pool>",
		 "must not start with '-'"},
		{"<pool type='logical'><name>v</name><source><format "
		 "type='lvm1'/></source></pool>",
		 "logical pool format 'lvm1' is not supported"},
		{"<pool type='logical'><name>v</name><source><device/>"
		 "</source></pool>",
		 "missing attribute 'path'"},
		{"<pool type='dir'><name>v</name></pool>", "missing <target>"},
		{"<pool type='dir'><name>v</name><target><path>d</path>"
		 "</target></pool>",
		 "is not an absolute path"},
		{"<pool type='dir'><name>v</name><target><path>/a/./b</path>"
		 "</target></pool>",
		 "'.' or '..' component"},
		{"<pool type='dir'><name>v</name><target><path>/a/..</path>"
		 "</target></pool>",
		 "'.' or '..' component"},
		{"<pool type='dir'><name>a/b</name><target><path>/a</path>"
		 "</target></pool>",
		 "invalid character"},
		{"<pool type='fs'><name>v</name><target><path>/a</path>"
		 "</target></pool>",
		 "needs <source><device>"},
		{"<pool type='dir'><name>v</name><target><path>/a</path>"
		 "<permissions><mode>0999</mode></permissions></target></pool>",
		 "is not an octal mode"},
		{"<pool><name>v</name></pool>", "missing attribute 'type'"},
		{"<pool type='disk'><name>v</name></pool>",
		 "a disk pool needs <source><device>"},
		{"<pool type='disk'><name>v</name><source><device "
		 "path='/dev/sdb'/><format type='mac'/></source></pool>",
		 "disk pool format 'mac' is not supported (dos, gpt)"},
		{"<pool type='disk'><name>v</name><source><device "
		 "path='/dev/sdb'/></source><target><path>/dev/disk/by-path"
		 "</path></target></pool>",
		 "a disk pool's target is '/dev'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err *e = NULL;
		struct pool_def *d = pool(bad[i].xml, &e);

		CHECK(!d);
		CHECK_STR_CONTAINS(e ? err_msg(e) : "", bad[i].says);
		pool_def_free(d);
		err_free(e);
	}
}

static void vol_meaning(void)
{
	const char *xml = "<volume><name>a.qcow2</name>"
			  "<capacity unit='G'>2</capacity>"
			  "<allocation unit='KiB'>4</allocation>"
			  "<target><format type='qcow2'/></target>"
			  "<backingStore><path>/p/base.raw</path>"
			  "<format type='raw'/></backingStore></volume>";
	struct vol_def *d = NULL;

	CHECK_INT_EQ(vol_def_parse(xml, strlen(xml), &d, NULL, NULL), 0);
	if (!d)
		return;
	CHECK_STR_EQ(d->name, "a.qcow2");
	CHECK_U64_EQ(d->capacity, 2ull << 30);
	CHECK_U64_EQ(d->allocation, 4096);
	CHECK_STR_EQ(d->format, "qcow2");
	CHECK_STR_EQ(d->backing, "/p/base.raw");
	CHECK_STR_EQ(d->backing_format, "raw");
	vol_def_free(d);
}

static void vol_refusals(void)
{
	static const struct {
		const char *xml, *says;
	} bad[] = {
		{"<volume><name>../x</name><capacity>1</capacity></volume>",
		 "is not a file name"},
		{"<volume><name>.x</name><capacity>1</capacity></volume>",
		 "is not a file name"},
		{"<volume><name>x</name></volume>", "missing <capacity>"},
		{"<volume type='dir'><name>x</name><capacity>1</capacity>"
		 "</volume>",
		 "volume type 'dir' is not supported"},
		{"<volume><name>x</name><capacity>1</capacity><target>"
		 "<format type='vmdk'/></target></volume>",
		 "invalid volume format 'vmdk'"},
		{"<volume><name>x</name><capacity>1</capacity><backingStore>"
		 "<path>rel</path></backingStore></volume>",
		 "is not an absolute path"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err *e = NULL;
		struct vol_def *d = NULL;

		CHECK(vol_def_parse(bad[i].xml, strlen(bad[i].xml), &d, NULL,
				    &e) < 0);
		CHECK_STR_CONTAINS(e ? err_msg(e) : "", bad[i].says);
		vol_def_free(d);
		err_free(e);
	}
}

int main(void)
{
	RUN(pool_dir_round_trip);
	RUN(pool_fs_source);
	RUN(pool_logical_source);
	RUN(pool_disk_source);
	RUN(pool_netfs_source);
	RUN(pool_iscsi_source);
	RUN(iscsi_source_spec);
	RUN(iscsi_sources);
	RUN(pool_rbd_source);
	RUN(pool_refusals);
	RUN(vol_meaning);
	RUN(vol_refusals);
	return test_done();
}
