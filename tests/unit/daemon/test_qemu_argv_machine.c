// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The machine around the guest, from define to QEMU's command line and
 * back out in the definition: <clock offset='variable|absolute|timezone'>
 * (domain_conf_hw.c) as -rtc base= and QEMU's environment
 * (driver-qemu-argv-hw.c); <loader stateless='yes'>, a BIOS <loader>
 * and <nvram type='file'> (driver-qemu-firmware.c, driver-qemu-kernel.c);
 * <memballoon freePageReporting=>; libvirt's QEMU namespace refused.
 * Bad values are named; the kvm driver refuses them.
 */
#include <time.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

static struct domain_def *parse(const char *type, const char *clock,
				struct err **e)
{
	_cleanup_free_ char *text = xasprintf(
		"<domain type='%s'><name>m</name><memory unit='MiB'>64"
		"</memory><os><type arch='x86_64' machine='pc'>hvm</type>"
		"<kernel>/k</kernel></os>%s<devices>%s</devices></domain>",
		type, clock,
		streq(type, "kvm") ? "<emulator>/usr/bin/nido-vmm</emulator>"
				   : "");
	struct domain_def *d = NULL;

	return domain_def_parse(text, strlen(text), &d, NULL, e) < 0 ? NULL : d;
}

/* -rtc's value for @clock; its definition again in @def. */
static char *rtc_for(const char *clock, char **def)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = parse("qemu", clock, &e);
	struct qemu_argv a = {0};
	char *rtc = NULL;

	if (!d) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	for (size_t i = 0; i + 1 < a.n; i++)
		if (streq(a.v[i], "-rtc"))
			rtc = xstrdup(a.v[i + 1]);
	qemu_argv_free(&a);
	*def = domain_def_format(d);
	domain_def_free(d);
	return rtc;
}

static void absolute_and_variable(void)
{
	_cleanup_free_ char *d1 = NULL, *d2 = NULL, *d3 = NULL;
	_cleanup_free_ char *abs =
		rtc_for("<clock offset='absolute' start='253402300799'/>", &d1);
	_cleanup_free_ char *var = rtc_for(
		"<clock offset='variable' adjustment='-86400' basis='utc'/>",
		&d2);
	_cleanup_free_ char *now =
		rtc_for("<clock offset='variable' adjustment='0'/>", &d3);
	time_t t = time(NULL) - 86400;
	struct tm tm;
	char day[16];

	CHECK_STR_EQ(abs, "base=9999-12-31T23:59:59");
	CHECK_STR_CONTAINS(d1,
			   "<clock offset='absolute' start='253402300799'/>");
	/* yesterday, UTC (the date: the second may have turned) */
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	CHECK(var && str_has_prefix(var, "base=") &&
	      str_has_prefix(var + 5, day) && strlen(var) == 24);
	CHECK_STR_CONTAINS(d2, "<clock offset='variable' adjustment='-86400' "
			       "basis='utc'/>");
	CHECK(now && strlen(now) == 24 && now[15] == 'T');
}

static void timezone_runs_qemu_in_it(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *rtc = rtc_for(
		"<clock offset='timezone' timezone='Europe/Paris'/>", &def);
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = parse(
		"qemu", "<clock offset='timezone' timezone='Nowhere/X'/>", &e);
	char **env = NULL;

	CHECK_STR_EQ(rtc, "base=localtime");
	CHECK_STR_CONTAINS(def, "<clock offset='timezone' "
				"timezone='Europe/Paris'/>");
	/* a zone this host does not have fails the start, naming it */
	CHECK(d);
	CHECK(qemu_clock_env(d, &env, &e) < 0 && !env);
	CHECK_STR_CONTAINS(err_msg(e), "<clock timezone='Nowhere/X'>");
	domain_def_free(d);
}

static void timezone_env(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d =
		parse("qemu", "<clock offset='timezone' timezone='UTC'/>", &e);
	char **env = NULL;
	size_t tz = 0;

	CHECK(d);
	CHECK(qemu_clock_env(d, &env, &e) == 0 && env);
	for (size_t i = 0; env[i]; i++) {
		tz += str_has_prefix(env[i], "TZ=");
		if (str_has_prefix(env[i], "TZ="))
			CHECK_STR_EQ(env[i], "TZ=UTC");
		free(env[i]);
	}
	free(env);
	CHECK_INT_EQ((int)tz, 1);
	domain_def_free(d);
}

static void bad_values_are_named(void)
{
	static const struct {
		const char *clock, *msg;
	} cases[] = {
		{"<clock offset='absolute'/>", "invalid clock start ''"},
		{"<clock offset='absolute' start='253402300800'/>",
		 "invalid clock start '253402300800'"},
		{"<clock offset='variable' adjustment='1x'/>",
		 "invalid clock adjustment '1x'"},
		{"<clock offset='variable' basis='mars'/>",
		 "invalid clock basis 'mars'"},
		{"<clock offset='timezone'/>", "invalid clock timezone ''"},
		{"<clock offset='timezone' timezone='../../etc/passwd'/>",
		 "invalid clock timezone '../../etc/passwd'"},
		{"<clock offset='timezone' timezone='/etc/localtime'/>",
		 "invalid clock timezone '/etc/localtime'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_err_ struct err *e = NULL;
		struct domain_def *d = parse("qemu", cases[i].clock, &e);

		CHECK(!d);
		CHECK_STR_CONTAINS(err_msg(e), cases[i].msg);
	}
	{
		_cleanup_err_ struct err *e = NULL;
		struct domain_def *d = parse(
			"kvm", "<clock offset='variable' adjustment='5'/>", &e);

		CHECK(!d);
		CHECK_STR_CONTAINS(err_msg(e), "not supported by the kvm "
					       "driver");
	}
}

/* The command line of @os (inside <os>) as "\n"-separated words, the
 * kernel's and loader's fds from 40; the definition again in @def. */
static char *os_argv(const char *os, char **def)
{
	_cleanup_free_ char *text = xasprintf(
		"<domain type='qemu'><name>m</name><memory unit='MiB'>64"
		"</memory><os><type arch='x86_64' machine='pc'>hvm</type>%s"
		"</os><devices/></domain>",
		os);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct qemu_argv a = {0};
	char *out = NULL;

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	qemu_argv_kernel(&a, d, 40);
	out = qemu_test_args(&a);
	*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}

static void loaders(void)
{
	_cleanup_free_ char *d1 = NULL, *d2 = NULL, *d3 = NULL;
	_cleanup_free_ char *bios = os_argv(
		"<loader stateless='yes'>/usr/share/seabios/bios.bin</loader>"
		"<kernel>/k</kernel><initrd>/i</initrd>",
		&d1);
	_cleanup_free_ char *efi =
		os_argv("<loader readonly='yes' type='pflash' stateless='yes'>"
			"/usr/share/OVMF/OVMF_CODE.fd</loader>",
			&d2);
	_cleanup_free_ char *file =
		os_argv("<loader readonly='yes' type='pflash'>/usr/share/OVMF/"
			"OVMF_CODE.fd</loader><nvram type='file'><source "
			"file='/var/lib/nido/g_VARS.fd'/></nvram>",
			&d3);

	if (!bios || !efi || !file)
		return;
	/* a BIOS from the loader's memfd, after the kernel's and initrd's */
	CHECK_STR_CONTAINS(bios,
			   "-bios\n/proc/self/fd/42\n-kernel\n"
			   "/proc/self/fd/40\n-initrd\n/proc/self/fd/41\n");
	CHECK_STR_CONTAINS(d1, "<loader stateless='yes'>/usr/share/seabios/"
			       "bios.bin</loader>");
	/* stateless UEFI: the code's flash alone */
	CHECK_STR_CONTAINS(efi, ",pflash0=pflash0");
	CHECK(!strstr(efi, "pflash1"));
	CHECK_STR_CONTAINS(d2, "stateless='yes'");
	CHECK(!strstr(d2, "<nvram"));
	CHECK_STR_CONTAINS(file, ",pflash0=pflash0,pflash1=pflash1");
	CHECK_STR_CONTAINS(d3,
			   "<nvram type='file'>\n      <source "
			   "file='/var/lib/nido/g_VARS.fd'/>\n    </nvram>");
}

static void loader_refusals(void)
{
	static const struct {
		const char *os, *msg;
	} cases[] = {
		{"<loader stateless='yes' type='pflash'>/c.fd</loader>"
		 "<nvram template='/t.fd'/>",
		 "<nvram> with a <loader stateless='yes'>"},
		{"<loader stateless='no'>/b.bin</loader>",
		 "<loader stateless='no'>: only a pflash (UEFI) loader"},
		{"<loader stateless='maybe'>/b.bin</loader>", "stateless"},
		{"<loader type='pflash'>/c.fd</loader><nvram "
		 "type='network'/>",
		 "<nvram type='network'> not supported"},
		{"<loader type='pflash'>/c.fd</loader><nvram type='file'/>",
		 "<nvram type='file'> without <source file=>"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *text = xasprintf(
			"<domain type='qemu'><name>m</name><memory "
			"unit='MiB'>64</memory><os><type arch='x86_64' "
			"machine='pc'>hvm</type>%s</os><devices/></domain>",
			cases[i].os);
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) < 0);
		CHECK_STR_CONTAINS(err_msg(e), cases[i].msg);
		domain_def_free(d);
	}
}

/* libvirt's QEMU namespace is refused, under any prefix. */
static void qemu_namespace_refused(void)
{
	static const char *const tops[] = {
		"<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/"
		"domain/qemu/1.0'><qemu:arg value='-sandbox'/><qemu:arg "
		"value='off'/></qemu:commandline>",
		"<commandline xmlns='http://libvirt.org/schemas/domain/qemu/"
		"1.0'><arg value='-x'/></commandline>",
		"<ns0:capabilities xmlns:ns0='http://libvirt.org/schemas/"
		"domain/qemu/1.0'/>",
	};

	for (size_t i = 0; i < ARRAY_SIZE(tops); i++) {
		_cleanup_err_ struct err *e = NULL;
		struct domain_def *d = parse("qemu", tops[i], &e);

		CHECK(!d);
		CHECK_STR_CONTAINS(err_msg(e), "libvirt's QEMU namespace not "
					       "supported");
	}
}

/* <memballoon freePageReporting=> as virtio-balloon-pci's property. */
static void balloon_free_page_reporting(void)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *text = xasprintf(
		"<domain type='qemu'><name>m</name><memory unit='MiB'>64"
		"</memory><os><type arch='x86_64' machine='pc'>hvm</type></os>"
		"<devices><memballoon model='virtio' freePageReporting='on'/>"
		"</devices></domain>");
	struct domain_def *d = NULL;
	struct qemu_argv a = {0};
	_cleanup_free_ char *def = NULL;
	bool seen = false;

	CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) == 0);
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	for (size_t i = 0; i < a.n; i++)
		seen |= strstr(a.v[i], "\"driver\":\"virtio-balloon-pci\"") &&
			strstr(a.v[i], "\"free-page-reporting\":true");
	qemu_argv_free(&a);
	def = domain_def_format(d);
	domain_def_free(d);
	CHECK(seen);
	CHECK_STR_CONTAINS(def, "<memballoon model='virtio' "
				"freePageReporting='on'");
}

int main(void)
{
	RUN(absolute_and_variable);
	RUN(timezone_runs_qemu_in_it);
	RUN(timezone_env);
	RUN(bad_values_are_named);
	RUN(loaders);
	RUN(loader_refusals);
	RUN(qemu_namespace_refused);
	RUN(balloon_free_page_reporting);
	return test_done();
}
