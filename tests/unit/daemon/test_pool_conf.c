// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pool and volume XML (daemon/pool_conf.c): what libvirt's documented
 * examples mean, the form pool-dumpxml prints, and the refusals that
 * name what is wrong.
 */
#include "daemon/pool_conf.h"
#include "test.h"

static struct pool_def *pool(const char *xml, struct err **e)
{
	struct pool_def *d = NULL;

	if (pool_def_parse(xml, strlen(xml), &d, NULL, e) < 0)
		return NULL;
	return d;
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
	struct pool_def *d = pool(xml, NULL), *back;
	char *text, *again;

	CHECK(d);
	if (!d)
		return;
	text = pool_def_format(d, NULL);
	CHECK_STR_EQ(text, want);
	back = pool(text, NULL);
	CHECK(back);
	again = back ? pool_def_format(back, NULL) : NULL;
	CHECK_STR_EQ(again, text);
	free(again);
	free(text);
	pool_def_free(back);
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

/* Each refused, the message naming the cause. */
static void pool_refusals(void)
{
	static const struct {
		const char *xml, *says;
	} bad[] = {
		{"<pool type='logical'><name>v</name><target><path>/d</path>"
		 "</target></pool>",
		 "pool type 'logical' is not supported"},
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
		{"<volume type='block'><name>x</name><capacity>1</capacity>"
		 "</volume>",
		 "volume type 'block' is not supported"},
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
	RUN(pool_refusals);
	RUN(vol_meaning);
	RUN(vol_refusals);
	return test_done();
}
