// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Containers' XML (domain_conf_ct.c, driver-ct-conf.c) and src/ct's id
 * maps, signals and default range: libvirt's lxc elements round trip;
 * hostile values fail naming the element; a machine's <filesystem> and
 * <idmap> are left to the generic warnings.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "ct/ct.h"
#include "daemon/domain_conf.h"
#include "daemon/domain_conf_devmisc.h"
#include "test.h"

static const char ct_xml[] =
	"<domain type='lxc'>\n"
	"  <name>web</name>\n"
	"  <memory unit='MiB'>256</memory>\n"
	"  <os>\n"
	"    <type>exe</type>\n"
	"    <init>/sbin/init</init>\n"
	"    <initarg>--log</initarg>\n"
	"    <initarg>a &amp; b &lt;c&gt;</initarg>\n"
	"    <initenv name='LANG'>C.UTF-8</initenv>\n"
	"    <initenv name='Q'>it's \"quoted\"</initenv>\n"
	"    <initdir>/root</initdir>\n"
	"  </os>\n"
	"  <idmap>\n"
	"    <uid start='0' target='100000' count='65536'/>\n"
	"    <gid start='0' target='200000' count='1000'/>\n"
	"    <gid start='1000' target='300000' count='10'/>\n"
	"  </idmap>\n"
	"  <pids max='100'/>\n"
	"  <devices>\n"
	"    <filesystem type='mount' accessmode='passthrough'>\n"
	"      <source dir='/srv/ct/web'/>\n"
	"      <target dir='/'/>\n"
	"    </filesystem>\n"
	"    <filesystem type='mount'>\n"
	"      <source dir='/srv/share dir'/>\n"
	"      <target dir='/mnt/share'/>\n"
	"      <readonly/>\n"
	"    </filesystem>\n"
	"    <console type='pty'/>\n"
	"  </devices>\n"
	"</domain>\n";

static int parse(const char *xml, struct domain_def **d, struct xml_warnings *w,
		 struct err **e)
{
	return domain_def_parse(xml, strlen(xml), d, w, e);
}

static void lxc_parses_and_round_trips(void)
{
	struct domain_def *d = NULL, *back = NULL;
	struct xml_warnings w = {0};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *text = NULL, *again = NULL;

	CHECK_INT_EQ(parse(ct_xml, &d, &w, &e), 0);
	if (!d)
		return;
	CHECK_INT_EQ(w.n, 0);
	CHECK_INT_EQ(d->virt, DOMAIN_VIRT_LXC);
	CHECK_STR_EQ(d->os_type, "exe");
	CHECK_STR_EQ(d->ct.init, "/sbin/init");
	CHECK_INT_EQ(d->ct.n_initargs, 2);
	CHECK_STR_EQ(d->ct.initargs[1], "a & b <c>");
	CHECK_STR_EQ(d->ct.initenv[1], "Q=it's \"quoted\"");
	CHECK_STR_EQ(d->ct.initdir, "/root");
	CHECK_INT_EQ(d->ct.n_fs, 2);
	CHECK(d->ct.fs[1].readonly);
	CHECK_INT_EQ(d->ct.n_gid, 2);
	CHECK_INT_EQ(d->ct.gid[1].target, 300000);
	CHECK_U64_EQ(d->ct.pids_max, 100);
	text = domain_def_format(d);
	CHECK_STR_CONTAINS(text, "<domain type='lxc'>");
	CHECK_STR_CONTAINS(text, "<initarg>a &amp; b &lt;c&gt;</initarg>");
	CHECK_STR_CONTAINS(text, "<source dir='/srv/share dir'/>");
	CHECK_STR_CONTAINS(text, "<pids max='100'/>");
	CHECK_INT_EQ(domain_def_parse(text, strlen(text), &back, NULL, &e), 0);
	if (back) {
		again = domain_def_format(back);
		CHECK_STR_EQ(text, again);
	}
	domain_def_free(back);
	domain_def_free(d);
	xml_warnings_clear(&w);
}

/* <filesystem type='volume'>: the pool and the volume kept, no path
 * until a start looks it up; <driver> kept as for a file. */
static void lxc_volume_root(void)
{
	static const char from[] = "<filesystem type='mount' "
				   "accessmode='passthrough'>\n"
				   "      <source dir='/srv/ct/web'/>";
	static const char want[] =
		"    <filesystem type='volume' "
		"accessmode='passthrough'>\n"
		"      <driver type='loop' format='raw'/>\n"
		"      <source pool='p&amp;q' volume='r.img'/>\n"
		"      <target dir='/'/>\n";
	const char *at = strstr(ct_xml, from);
	_cleanup_free_ char *xml = NULL, *text = NULL, *again = NULL;
	struct domain_def *d = NULL, *back = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK(at != NULL);
	xml = xasprintf("%.*s%s%s", (int)(at - ct_xml), ct_xml,
			"<filesystem type='volume' accessmode='passthrough'>"
			"<driver type='loop' format='raw'/>"
			"<source pool='p&amp;q' volume='r.img'/>",
			at + strlen(from));
	CHECK_INT_EQ(parse(xml, &d, NULL, &e), 0);
	if (!d)
		return;
	CHECK_INT_EQ(d->ct.fs[0].type, DOMAIN_FS_VOLUME);
	CHECK_STR_EQ(d->ct.fs[0].pool, "p&q");
	CHECK_STR_EQ(d->ct.fs[0].volume, "r.img");
	CHECK(d->ct.fs[0].source == NULL);
	text = domain_def_format(d);
	CHECK_STR_CONTAINS(text, want);
	/* a path looked up at start is not part of the definition */
	d->ct.fs[0].source = xstrdup("/pool/r.img");
	again = domain_def_format(d);
	CHECK_STR_EQ(text, again);
	CHECK_INT_EQ(domain_def_parse(text, strlen(text), &back, NULL, &e), 0);
	domain_def_free(back);
	domain_def_free(d);
}

/* ct_xml with @from replaced by @to: fails naming @want. */
static void refused(const char *from, const char *to, const char *want)
{
	const char *at = strstr(ct_xml, from);
	_cleanup_free_ char *xml = NULL;
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK(at != NULL);
	if (!at)
		return;
	xml = xasprintf("%.*s%s%s", (int)(at - ct_xml), ct_xml, to,
			at + strlen(from));
	CHECK_INT_EQ(parse(xml, &d, NULL, &e) < 0, 1);
	if (e)
		CHECK_STR_CONTAINS(err_msg(e), want);
	domain_def_free(d);
}

static void lxc_refuses_by_name(void)
{
	refused("<init>/sbin/init</init>", "<init>sbin/init</init>",
		"init 'sbin/init': not an absolute path");
	refused("<init>/sbin/init</init>", "", "missing <init>");
	refused("<initdir>/root</initdir>", "<initdir>/a/../b</initdir>",
		"contains '..'");
	refused("<initenv name='LANG'>", "<initenv name='A=B'>",
		"<initenv> needs a name without '='");
	refused("<type>exe</type>", "<type>hvm</type>",
		"os type 'hvm' not supported by the ct driver");
	refused("<target dir='/'/>", "<target dir='/mnt/share'/>",
		"two filesystems on '/mnt/share'");
	refused("<target dir='/'/>", "<target dir='/srv'/>",
		"no root file system");
	refused("<filesystem type='mount' accessmode",
		"<filesystem type='template' accessmode", "only types 'mount'");
	refused("<filesystem type='mount' accessmode='passthrough'>\n"
		"      <source dir='/srv/ct/web'/>",
		"<filesystem type='volume'><source pool='p'/>",
		"<filesystem type='volume'>: missing <source volume='...'/>");
	refused("<filesystem type='mount' accessmode='passthrough'>\n"
		"      <source dir='/srv/ct/web'/>",
		"<filesystem type='volume'><source volume='v'/>",
		"missing <source pool='...'/>");
	refused("<filesystem type='mount' accessmode='passthrough'>\n"
		"      <source dir='/srv/ct/web'/>",
		"<filesystem type='volume'><source pool='p' volume='../v'/>",
		"a name holds no '/'");
	refused("<pids max='100'/>", "<pids max='100'/><privileged/>",
		"<privileged/> and <idmap> exclude each other");
	refused("<gid start='1000'", "<gid start='999'",
		"lines 1 and 2 overlap");
	refused("count='65536'/>", "count='0'/>", "count");
	refused("<uid start='0'", "<uid start='1'",
		"id 0 (root) is not mapped");
	refused("<pids max='100'/>", "<pids max='0'/>", "pids max");
	refused("<console type='pty'/>",
		"<disk type='file'><source file='/a'/><target "
		"dev='vda'/></disk>",
		"<disk> not supported by the ct driver");
	refused("<console type='pty'/>", "<interface type='user'/>",
		"<interface type='user'> not supported by the ct driver");
	refused("<console type='pty'/>",
		"<interface type='network'><source network='default'/>"
		"<guest dev='no such name'/></interface>",
		"guest dev");
}

/* 65 arguments: one too many, named. */
static void lxc_bounds(void)
{
	_cleanup_free_ char *args = xstrdup("");
	_cleanup_free_ char *xml = NULL;
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	const char *at = strstr(ct_xml, "<initarg>");

	for (int i = 0; i < 65; i++) {
		char *more = xasprintf("%s<initarg>%d</initarg>", args, i);

		free(args);
		args = more;
	}
	xml = xasprintf("%.*s%s%s", (int)(at - ct_xml), ct_xml, args, at);
	CHECK_INT_EQ(parse(xml, &d, NULL, &e) < 0, 1);
	if (e)
		CHECK_STR_CONTAINS(err_msg(e), "more than 64 <initarg>");
	domain_def_free(d);
}

/* A machine's <filesystem> (a 9p mount tag) is a machine's share, not a
 * container's mount; <idmap> is not a machine's: unknown, warned
 * about, never refused. */
static void machine_keeps_generic_warnings(void)
{
	static const char xml[] =
		"<domain type='kvm'><name>m</name><memory>1024</memory>"
		"<os><kernel>/k</kernel></os>"
		"<idmap><uid start='0' target='1' count='1'/></idmap>"
		"<devices><filesystem type='mount'><source dir='/s'/>"
		"<target dir='tag0'/></filesystem></devices></domain>";
	struct domain_def *d = NULL;
	struct xml_warnings w = {0};
	_cleanup_err_ struct err *e = NULL;
	bool idmap = false, fs = false;

	CHECK_INT_EQ(domain_def_parse_with(xml, strlen(xml), NULL, &d, &w, &e),
		     0);
	for (size_t i = 0; i < w.n; i++) {
		idmap |= strstr(w.msgs[i], "<idmap>") != NULL;
		fs |= strstr(w.msgs[i], "<filesystem>") != NULL;
	}
	CHECK(idmap);
	CHECK(!fs);
	if (d) {
		CHECK_INT_EQ(d->ct.n_fs, 0);
		CHECK(d->misc && d->misc->n_vfs == 1);
	}
	domain_def_free(d);
	xml_warnings_clear(&w);
}

static void idmap_rules(void)
{
	const struct ct_idmap m[] = {{0, 1000, 10}, {10, 5000, 5}};
	const struct ct_idmap wrap[] = {{0, UINT32_MAX - 2, 10}};
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(ct_idmap_check(m, 2, "uid map", &e), 0);
	CHECK_INT_EQ(ct_idmap_host(m, 2, 0), 1000);
	CHECK_INT_EQ(ct_idmap_host(m, 2, 12), 5002);
	CHECK_INT_EQ(ct_idmap_host(m, 2, 15), (uint32_t)-1);
	CHECK_INT_EQ(ct_idmap_check(wrap, 1, "uid map", &e), -EINVAL);
	CHECK_INT_EQ(ct_idmap_check(m, 0, "uid map", NULL), -EINVAL);
}

static void default_range(void)
{
	char uid[] = "/tmp/ct-subuid-XXXXXX", gid[] = "/tmp/ct-subgid-XXXXXX";
	int fu = mkstemp(uid), fg = mkstemp(gid);
	struct ct_ids ids;

	ct_ids_default(&ids, "/nonexistent", "/nonexistent");
	CHECK_INT_EQ(ids.uid[0].target, CT_IDS_DEFAULT_BASE);
	CHECK_INT_EQ(ids.uid[0].count, CT_IDS_COUNT);
	/* the first range of nido is the sandbox's; a junk line is skipped */
	dprintf(fu, "alice:100000:65536\nnido:200000:65536\nnido:x:y\n"
		    "nido:300000:131072\n");
	dprintf(fg, "nido:200000:65536\nnido:400000:65536\n");
	close(fu);
	close(fg);
	ct_ids_default(&ids, uid, gid);
	CHECK_INT_EQ(ids.uid[0].target, 300000);
	CHECK_INT_EQ(ids.uid[0].count, 65536);
	CHECK_INT_EQ(ids.gid[0].target, 400000);
	CHECK_INT_EQ(ids.n_uid, 1);
	unlink(uid);
	unlink(gid);
}

static void init_signals(void)
{
	CHECK_INT_EQ(ct_poweroff_signal("/bin/busybox"), SIGUSR2);
	CHECK_INT_EQ(ct_poweroff_signal("/usr/lib/systemd/systemd"),
		     SIGRTMIN + 4);
	CHECK_INT_EQ(ct_poweroff_signal("/sbin/init"), SIGPWR);
	CHECK_INT_EQ(ct_reboot_signal("/bin/busybox"), SIGTERM);
	CHECK_INT_EQ(ct_reboot_signal("/lib/systemd/systemd"), SIGINT);
}

int main(void)
{
	RUN(lxc_parses_and_round_trips);
	RUN(lxc_refuses_by_name);
	RUN(lxc_volume_root);
	RUN(lxc_bounds);
	RUN(machine_keeps_generic_warnings);
	RUN(idmap_rules);
	RUN(default_range);
	RUN(init_signals);
	return test_done();
}
