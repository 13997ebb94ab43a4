// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What iscsiadm's sendtargets discovery prints (storage/iscsi-discovery.c):
 * IPv4 and IPv6 portals, several targets, and the lines a hostile target
 * could make it print refused by line, nothing kept.
 */
#include "storage/iscsi.h"
#include "test.h"

static void parses_targets(void)
{
	static const char out[] = "127.0.0.1:3260,1 iqn.2026-12.org.nido:t1\n"
				  "\n"
				  "[fd00::1]:3261,2 iqn.2026-12.org.nido:t2\r\n"
				  "host.example:3260,65535 demo-target";
	struct iscsi_target *t = NULL;
	size_t n = 0;

	CHECK(iscsi_targets_parse(out, strlen(out), &t, &n, NULL) == 0);
	CHECK_INT_EQ(n, 3);
	if (n != 3)
		return;
	CHECK_STR_EQ(t[0].portal, "127.0.0.1:3260");
	CHECK_INT_EQ(t[0].tpgt, 1);
	CHECK_STR_EQ(t[0].iqn, "iqn.2026-12.org.nido:t1");
	CHECK_STR_EQ(t[1].portal, "[fd00::1]:3261");
	CHECK_INT_EQ(t[1].tpgt, 2);
	CHECK_STR_EQ(t[1].iqn, "iqn.2026-12.org.nido:t2");
	CHECK_STR_EQ(t[2].portal, "host.example:3260");
	CHECK_STR_EQ(t[2].iqn, "demo-target");
	iscsi_targets_free(t, n);

	CHECK(iscsi_targets_parse("", 0, &t, &n, NULL) == 0);
	CHECK_INT_EQ(n, 0);
	CHECK(!t);
}

static void refuses_hostile_lines(void)
{
	static const char *const bad[] = {
		"127.0.0.1:3260,1 --login",	 /* an option */
		"127.0.0.1:3260,1 iqn a",	 /* a space in the name */
		"127.0.0.1:3260,1 iqn;rm",	 /* a shell character */
		"127.0.0.1:3260 iqn.x",		 /* no tpgt */
		"127.0.0.1:99999,1 iqn.x",	 /* no port */
		"127.0.0.1:0,1 iqn.x",		 /* port 0 */
		"-o:3260,1 iqn.x",		 /* an option as address */
		"[fd00::1:3260,1 iqn.x",	 /* no bracket */
		"[zz::1]:3260,1 iqn.x",		 /* not hex */
		"127.0.0.1:3260,1x iqn.x",	 /* tpgt not a number */
		"127.0.0.1:3260,1 iqn.\x1b[31m", /* a control character */
		"iscsiadm: No portals found",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *text =
			xasprintf("127.0.0.1:3260,1 ok\n%s\n", bad[i]);
		struct iscsi_target *t = NULL;
		struct err *e = NULL;
		size_t n = 0;

		CHECK(iscsi_targets_parse(text, strlen(text), &t, &n, &e) < 0);
		CHECK_STR_CONTAINS(e ? err_msg(e) : "", "line 2");
		CHECK(!t);
		err_free(e);
	}
}

static void names(void)
{
	char long_name[260];

	CHECK(iscsi_name_ok("iqn.2026-12.org.nido:t1"));
	CHECK(iscsi_name_ok("eui.02004567A425678D"));
	CHECK(!iscsi_name_ok(""));
	CHECK(!iscsi_name_ok("-I"));
	CHECK(!iscsi_name_ok(".x"));
	CHECK(!iscsi_name_ok("a/b"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(!iscsi_name_ok(long_name));
	long_name[ISCSI_NAME_MAX] = '\0';
	CHECK(iscsi_name_ok(long_name));
	CHECK(iscsi_host_ok("fd00::1"));
	CHECK(iscsi_host_ok("host.example"));
	CHECK(!iscsi_host_ok("-p"));
	CHECK(!iscsi_host_ok("a b"));
}

int main(void)
{
	RUN(parses_targets);
	RUN(refuses_hostile_lines);
	RUN(names);
	return test_done();
}
