// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <domainsnapshot>'s external disks (snapshot_conf.c): <disk
 * snapshot='external'> with its overlay's <source file=> and <driver
 * type='qcow2'/>, a <source> alone meaning external as in libvirt, the
 * state disk-snapshot kept through the stored form; what is not an
 * external snapshot refused by name; <memory snapshot='external'
 * file=> (--memspec).
 */
#include "daemon/snapshot_conf.h"
#include "test.h"

static struct snapshot_def *parse(const char *xml, bool stored, char **why)
{
	struct snapshot_def *s = NULL;
	_cleanup_err_ struct err *e = NULL;

	*why = NULL;
	if (snapshot_def_parse(xml, strlen(xml), stored, &s, NULL, &e) < 0)
		*why = xstrdup(err_msg(e));
	return s;
}

static void external_disks(void)
{
	_cleanup_free_ char *why = NULL, *out = NULL;
	struct snapshot_def *s = parse(
		"<domainsnapshot><name>x1</name><disks>"
		"<disk name='vda' snapshot='external'><driver type='qcow2'/>"
		"<source file='/srv/a.x1'/></disk>"
		"<disk name='vdb'><source file='/srv/b&amp;.x1'/></disk>"
		"<disk name='vdc' snapshot='external'/>"
		"<disk name='vdd' snapshot='no'/></disks></domainsnapshot>",
		false, &why);

	if (!s) {
		TEST_FAIL("refused: %s", why);
		return;
	}
	CHECK_INT_EQ(s->n_disks, 4);
	CHECK_INT_EQ(s->disks[0].kind, SNAPSHOT_DISK_EXTERNAL);
	CHECK_STR_EQ(s->disks[0].file, "/srv/a.x1");
	CHECK_INT_EQ(s->disks[1].kind, SNAPSHOT_DISK_EXTERNAL);
	CHECK_STR_EQ(s->disks[1].file, "/srv/b&.x1");
	CHECK_INT_EQ(s->disks[2].kind, SNAPSHOT_DISK_EXTERNAL);
	CHECK(s->disks[2].file == NULL);
	CHECK_INT_EQ(s->disks[3].kind, SNAPSHOT_DISK_NO);
	s->state = SNAPSHOT_DISK_SNAPSHOT;
	s->domain_xml = xstrdup("<domain type='qemu'/>");
	out = snapshot_def_format(s, true);
	CHECK_STR_CONTAINS(out, "<state>disk-snapshot</state>");
	CHECK_STR_CONTAINS(out, "    <disk name='vda' snapshot='external'>\n"
				"      <driver type='qcow2'/>\n"
				"      <source file='/srv/a.x1'/>\n"
				"    </disk>\n");
	CHECK_STR_CONTAINS(out, "<source file='/srv/b&amp;.x1'/>");
	CHECK_STR_CONTAINS(out, "<disk name='vdc' snapshot='external'/>");
	snapshot_def_free(s);
	/* the stored form reads back the same */
	s = parse(out, true, &why);
	if (!s) {
		TEST_FAIL("stored form refused: %s", why);
		return;
	}
	CHECK_INT_EQ(s->state, SNAPSHOT_DISK_SNAPSHOT);
	CHECK_STR_EQ(s->disks[1].file, "/srv/b&.x1");
	snapshot_def_free(s);
}

static void refused(const char *xml, const char *want)
{
	_cleanup_free_ char *why = NULL;
	struct snapshot_def *s = parse(xml, false, &why);

	CHECK(s == NULL);
	snapshot_def_free(s);
	if (why)
		CHECK_STR_CONTAINS(why, want);
}

static void not_external(void)
{
	refused("<domainsnapshot><disks><disk name='vda' snapshot='internal'>"
		"<source file='/a'/></disk></disks></domainsnapshot>",
		"disk 'vda': <source> is for an external snapshot");
	refused("<domainsnapshot><disks><disk name='vda'><source "
		"file='a.qcow2'/></disk></disks></domainsnapshot>",
		"must be an absolute path");
	refused("<domainsnapshot><disks><disk name='vda' snapshot='external'>"
		"<source/></disk></disks></domainsnapshot>",
		"must be an absolute path");
	refused("<domainsnapshot><disks><disk name='vda'><driver type='raw'/>"
		"<source file='/a'/></disk></disks></domainsnapshot>",
		"an external snapshot's overlay is qcow2, not 'raw'");
	refused("<domainsnapshot><disks><disk name='vda'><source file='/a' "
		"type='block'/></disk></disks></domainsnapshot>",
		"type");
}

/* <memory snapshot='external' file=>: --memspec's, kept through the
 * stored form; a missing, relative or misplaced file refused by name. */
static void memory_external(void)
{
	static const char xml[] =
		"<domainsnapshot><name>m</name><state>running</state>"
		"<memory file='/srv/m&amp;.mem'/>"
		"<domain type='kvm'><name>a</name></domain></domainsnapshot>";
	_cleanup_free_ char *why = NULL;
	struct snapshot_def *s = parse(xml, true, &why), *back = NULL;
	_cleanup_err_ struct err *e = NULL;
	char *out;

	if (!s) {
		TEST_FAIL("memory file refused: %s", why);
		return;
	}
	CHECK_STR_EQ(s->memory_file, "/srv/m&.mem");
	CHECK(!s->memory);
	out = snapshot_def_format(s, true);
	CHECK_STR_CONTAINS(out, "<memory snapshot='external' "
				"file='/srv/m&amp;.mem'/>");
	CHECK_INT_EQ(
		snapshot_def_parse(out, strlen(out), true, &back, NULL, &e), 0);
	CHECK(back && back->memory_file &&
	      !strcmp(back->memory_file, "/srv/m&.mem"));
	free(out);
	snapshot_def_free(back);
	snapshot_def_free(s);
	refused("<domainsnapshot><memory snapshot='external'/>"
		"</domainsnapshot>",
		"external memory snapshots require a filename");
	refused("<domainsnapshot><memory file='m.mem'/></domainsnapshot>",
		"memory snapshot file path 'm.mem' must be absolute");
	refused("<domainsnapshot><memory snapshot='no' file='/m'/>"
		"</domainsnapshot>",
		"memory filename '/m' requires external snapshot");
	refused("<domainsnapshot><memory snapshot='internal' file='/m'/>"
		"</domainsnapshot>",
		"requires external snapshot");
	refused("<domainsnapshot><memory snapshot='disk'/></domainsnapshot>",
		"invalid memory snapshot 'disk'");
}

/* <revertDisks>: nidod's (stored), kept through a format and a parse;
 * a client may not give them. */
static void revert_disks(void)
{
	static const char xml[] =
		"<domainsnapshot><name>s1</name><state>disk-snapshot</state>"
		"<disks><disk name='vda' snapshot='external'>"
		"<source file='/srv/a.s1'/></disk></disks>"
		"<revertDisks><disk name='vda' snapshot='external'>"
		"<source file='/srv/a.s1-5'/></disk></revertDisks>"
		"<domain type='qemu'><name>a</name></domain></domainsnapshot>";
	struct snapshot_def *s = NULL, *back = NULL;
	_cleanup_err_ struct err *e = NULL;
	char *out;

	CHECK_INT_EQ(snapshot_def_parse(xml, strlen(xml), true, &s, NULL, &e),
		     0);
	if (!s)
		return;
	CHECK_INT_EQ(s->n_revert, 1);
	CHECK_STR_EQ(s->revert[0].file, "/srv/a.s1-5");
	out = snapshot_def_format(s, true);
	CHECK_STR_CONTAINS(out, "  <revertDisks>\n    <disk name='vda' "
				"snapshot='external'>");
	CHECK_INT_EQ(
		snapshot_def_parse(out, strlen(out), true, &back, NULL, &e), 0);
	CHECK(back && back->n_revert == 1 &&
	      !strcmp(back->revert[0].file, "/srv/a.s1-5"));
	free(out);
	snapshot_def_free(back);
	snapshot_def_free(s);
	refused("<domainsnapshot><revertDisks/></domainsnapshot>",
		"<revertDisks> is nidod's to set");
	s = NULL;
	err_free(steal_ptr(e));
	static const char bad[] =
		"<domainsnapshot><name>s1</name><state>disk-snapshot</state>"
		"<revertDisks><disk name='vda' snapshot='no'/></revertDisks>"
		"<domain type='qemu'><name>a</name></domain></domainsnapshot>";
	CHECK(snapshot_def_parse(bad, strlen(bad), true, &s, NULL, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "without its external overlay");
}

int main(void)
{
	RUN(external_disks);
	RUN(revert_disks);
	RUN(not_external);
	RUN(memory_external);
	return test_done();
}
