// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU's command line from a definition (driver-qemu-argv.c): no value
 * of the XML becomes a QEMU option string where a comma would start
 * another option. Values reach QEMU as JSON (-device, -blockdev,
 * -object) or are checked to be made of what cannot hold a comma (a
 * name, a machine type, an address); this test holds that for values a
 * hostile definition would choose.
 */
#include <errno.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "test.h"

static const char *const hostile_xml =
	"<domain type='qemu'><name>a.b+c-d</name><memory>65536</memory>"
	"<os firmware='efi'><type machine='q35'>hvm</type>"
	"<loader type='pflash'>/x,readonly=off/code.fd</loader>"
	"<nvram template='/t,x=y/vars.fd'>/n,file=/etc/shadow/v.fd</nvram>"
	"</os><devices>"
	"<disk><source file='/img,file.driver=ssh'/><target dev='sda' "
	"bus='sata'/><serial>a,b=\"c'}]</serial></disk>"
	"<disk device='cdrom'><source file='/i,x.iso'/><target dev='sdb' "
	"bus='sata'/><boot order='1'/></disk>"
	"<graphics type='vnc' autoport='yes' listen='::1'/>"
	"<input type='tablet' bus='usb'/><serial type='pty'/>"
	"<rng model='virtio'><backend model='random'>/dev/urandom</backend>"
	"</rng></devices></domain>";

/* The options whose value is QEMU's key=value syntax, not JSON. */
static bool keyval_option(const char *opt)
{
	static const char *const opts[] = {"-machine", "-chardev", "-vnc",
					   "-add-fd",  "-name",	   "-mon",
					   "-global",  "-m",	   "-sandbox"};

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (streq(opt, opts[i]))
			return true;
	return false;
}

static void values_never_become_options(void)
{
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct block_chain chains[2] = {{0}};
	struct block_chain_file f = {.fd = -1};
	struct qemu_argv a = {0};
	bool saw_serial = false, saw_vnc = false;

	CHECK_INT_EQ(domain_def_parse(hostile_xml, strlen(hostile_xml), &d,
				      NULL, &e),
		     0);
	if (!d) {
		TEST_FAIL("%s", err_msg(e));
		return;
	}
	for (int i = 0; i < 2; i++) {
		chains[i].files = &f;
		chains[i].n = 1;
	}
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, chains);
	for (size_t i = 1; i + 1 < a.n; i++) {
		const char *v = a.v[i + 1];

		if (keyval_option(a.v[i])) {
			/* nothing of the XML's: no path, serial or name part
			 * with its comma */
			CHECK(!strstr(v, "/x,") && !strstr(v, "/n,") &&
			      !strstr(v, "/img,") && !strstr(v, "a,b") &&
			      !strstr(v, "shadow"));
		}
		if (streq(a.v[i], "-device") && strstr(v, "\"serial\"")) {
			saw_serial = true;
			CHECK_STR_CONTAINS(v, "\"serial\":\"a,b=\\\"c'}]\"");
		}
		if (streq(a.v[i], "-vnc")) {
			saw_vnc = true;
			CHECK_STR_EQ(v, "[::1]:0,to=99");
		}
		if (streq(a.v[i], "-machine"))
			CHECK_STR_EQ(v, "q35,accel=tcg,pflash0=pflash0,"
					"pflash1=pflash1,acpi=off");
	}
	CHECK(saw_serial);
	CHECK(saw_vnc);
	qemu_argv_free(&a);
	domain_def_free(d);
}

/* What the parser refuses before QEMU could see it. */
static void option_strings_are_checked(void)
{
	static const char *const bad[] = {
		"<domain type='qemu'><name>a,b</name><memory>65536</memory>"
		"</domain>",
		"<domain type='qemu'><name>a</name><memory>65536</memory><os>"
		"<type machine='pc,accel=kvm'>hvm</type></os></domain>",
		"<domain type='qemu'><name>a</name><memory>65536</memory>"
		"<devices><graphics type='vnc' listen='1.2.3.4,to=9'/>"
		"</devices></domain>",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK(domain_def_parse(bad[i], strlen(bad[i]), &d, NULL, &e) <
		      0);
		CHECK(d == NULL);
	}
}

int main(void)
{
	RUN(values_never_become_options);
	RUN(option_strings_are_checked);
	return test_done();
}
