// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/size.h"
#include "lib/spawn.h"
#include "test.h"

#include <errno.h>

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define TiB (1024 * GiB)
#define PiB (1024 * TiB)
#define EiB (1024 * PiB)

static uint64_t parse_ok(const char *text)
{
	uint64_t v = 12345;

	if (size_parse(text, &v, NULL) < 0)
		return 12345; /* the check shows which text failed */
	return v;
}

static void size_parses_qemu_suffixes(void)
{
	CHECK_U64_EQ(parse_ok("0"), 0);
	CHECK_U64_EQ(parse_ok("512"), 512);
	CHECK_U64_EQ(parse_ok("4k"), 4 * KiB);
	CHECK_U64_EQ(parse_ok("4K"), 4 * KiB);
	CHECK_U64_EQ(parse_ok("512M"), 512 * MiB);
	CHECK_U64_EQ(parse_ok("512m"), 512 * MiB);
	CHECK_U64_EQ(parse_ok("10G"), 10 * GiB);
	CHECK_U64_EQ(parse_ok("1.5G"), 3 * GiB / 2);
	CHECK_U64_EQ(parse_ok("1.5K"), 1536);
	CHECK_U64_EQ(parse_ok("2T"), 2 * TiB);
	CHECK_U64_EQ(parse_ok("3P"), 3 * PiB);
	CHECK_U64_EQ(parse_ok("15E"), 15 * EiB);
	CHECK_U64_EQ(parse_ok("5.K"), 5 * KiB);
	CHECK_U64_EQ(parse_ok("010"), 10); /* decimal, not octal */
	CHECK_U64_EQ(parse_ok("0x10"), 16);
	CHECK_U64_EQ(parse_ok("0x1k"), 1024);
	CHECK_U64_EQ(parse_ok(" 1G "), GiB);
	CHECK_U64_EQ(parse_ok("1.0"), 1);
	CHECK_U64_EQ(parse_ok("0.25K"), 256);
	CHECK_U64_EQ(parse_ok("18446744073709551615"), UINT64_MAX);
	CHECK_U64_EQ(parse_ok("15.5E"), 17870283321406128128ull);
}

static void size_parses_iec_si_and_bytes(void)
{
	CHECK_U64_EQ(parse_ok("1.5 GiB"), 3 * GiB / 2);
	CHECK_U64_EQ(parse_ok("1KiB"), KiB);
	CHECK_U64_EQ(parse_ok("1kib"), KiB);
	CHECK_U64_EQ(parse_ok("2MiB"), 2 * MiB);
	CHECK_U64_EQ(parse_ok("3 TiB"), 3 * TiB);
	CHECK_U64_EQ(parse_ok("1PiB"), PiB);
	CHECK_U64_EQ(parse_ok("1EiB"), EiB);
	CHECK_U64_EQ(parse_ok("1KB"), 1000);
	CHECK_U64_EQ(parse_ok("1kB"), 1000);
	CHECK_U64_EQ(parse_ok("1.5MB"), 1500000);
	CHECK_U64_EQ(parse_ok("2GB"), 2000000000ull);
	CHECK_U64_EQ(parse_ok("1TB"), 1000000000000ull);
	CHECK_U64_EQ(parse_ok("1PB"), 1000000000000000ull);
	CHECK_U64_EQ(parse_ok("18EB"), 18000000000000000000ull);
	CHECK_U64_EQ(parse_ok("512B"), 512);
	CHECK_U64_EQ(parse_ok("512b"), 512);
	CHECK_U64_EQ(parse_ok("512 bytes"), 512);
	CHECK_U64_EQ(parse_ok("1 byte"), 1);
}

static void check_refused(const char *text, int code, const char *why)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *quoted = xasprintf("invalid size '%s': ", text);
	uint64_t v = 77;

	CHECK_INT_EQ(size_parse(text, &v, &e), code);
	CHECK_STR_CONTAINS(err_msg(e), quoted);
	CHECK_STR_CONTAINS(err_msg(e), why);
	CHECK_U64_EQ(v, 77); /* untouched on failure */
}

#define REFUSED(text, code, why)                        \
	do {                                            \
		check_refused(text, code, why);         \
		if (test_state) {                       \
			printf("# text: '%s'\n", text); \
			return;                         \
		}                                       \
	} while (0)

static void size_refuses_bad_text(void)
{
	REFUSED("", -EINVAL, "empty");
	REFUSED("   ", -EINVAL, "empty");
	REFUSED("-1", -EINVAL, "negative");
	REFUSED(" -5G", -EINVAL, "negative");
	REFUSED("abc", -EINVAL, "not a number");
	REFUSED("+1", -EINVAL, "not a number");
	REFUSED(".5K", -EINVAL, "not a number");
	REFUSED("1.5", -EINVAL, "not a whole number of bytes");
	REFUSED("1.5B", -EINVAL, "not a whole number of bytes");
	REFUSED("0.1K", -EINVAL, "not a whole number of bytes");
	REFUSED("1.0001KB", -EINVAL, "not a whole number of bytes");
	REFUSED("12Q", -EINVAL, "unknown unit");
	REFUSED("1 G B", -EINVAL, "unknown unit");
	REFUSED("1KiBs", -EINVAL, "unknown unit");
	REFUSED("1Mb/s", -EINVAL, "unknown unit");
	REFUSED("1e3", -EINVAL, "unknown unit");
	REFUSED("0x", -EINVAL, "unknown unit");
	REFUSED("16E", -ERANGE, "too large");
	REFUSED("16EiB", -ERANGE, "too large");
	REFUSED("18446744073709551616", -ERANGE, "too large");
	REFUSED("99999999999999999999999", -ERANGE, "too large");
	REFUSED("19EB", -ERANGE, "too large");
	REFUSED("0x10000000000000000", -ERANGE, "too large");
	REFUSED("16384P", -ERANGE, "too large");
	REFUSED("1.0000000000000000001K", -EINVAL, "too many digits");
}

static void size_parse_unit_pairs(void)
{
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;
	uint64_t v = 0;

	CHECK_INT_EQ(size_parse_unit("512", "MiB", &v, NULL), 0);
	CHECK_U64_EQ(v, 512 * MiB);
	CHECK_INT_EQ(size_parse_unit("1048576", "KiB", &v, NULL), 0);
	CHECK_U64_EQ(v, GiB);
	CHECK_INT_EQ(size_parse_unit("2", "G", &v, NULL), 0);
	CHECK_U64_EQ(v, 2 * GiB);
	CHECK_INT_EQ(size_parse_unit("4", "GB", &v, NULL), 0);
	CHECK_U64_EQ(v, 4000000000ull);
	CHECK_INT_EQ(size_parse_unit("100", "bytes", &v, NULL), 0);
	CHECK_U64_EQ(v, 100);
	CHECK_INT_EQ(size_parse_unit(" 7 ", NULL, &v, NULL), 0);
	CHECK_U64_EQ(v, 7);
	CHECK_INT_EQ(size_parse_unit("1M", "KiB", &v, &e), -EINVAL);
	CHECK_STR_EQ(err_msg(e),
		     "invalid size '1M' in unit 'KiB': not a number");
	CHECK_INT_EQ(size_parse_unit("1", "XiB", &v, &e2), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e2), "invalid size '1' in unit 'XiB': "
					"unknown unit");
	CHECK_INT_EQ(size_parse_unit("16", "EiB", &v, NULL), -ERANGE);
}

static const char *human(uint64_t v)
{
	static char buf[SIZE_HUMAN_LEN];

	return size_format_human(v, buf);
}

static void size_format_like_qemu_img(void)
{
	CHECK_STR_EQ(human(0), "0 B");
	CHECK_STR_EQ(human(512), "512 B");
	CHECK_STR_EQ(human(999), "999 B");
	CHECK_STR_EQ(human(1000), "0.977 KiB");
	CHECK_STR_EQ(human(1536), "1.5 KiB");
	CHECK_STR_EQ(human(200704), "196 KiB");
	CHECK_STR_EQ(human(1023488), "1e+03 KiB"); /* qemu-img does too */
	CHECK_STR_EQ(human(1024000), "0.977 MiB");
	CHECK_STR_EQ(human(MiB), "1 MiB");
	CHECK_STR_EQ(human(999 * MiB), "999 MiB");
	CHECK_STR_EQ(human(1000 * MiB), "0.977 GiB");
	CHECK_STR_EQ(human(3 * GiB / 2), "1.5 GiB");
	CHECK_STR_EQ(human(10 * GiB), "10 GiB");
	CHECK_STR_EQ(human(1000 * TiB), "0.977 PiB");
	CHECK_STR_EQ(human(EiB), "1 EiB");
	CHECK_STR_EQ(human(UINT64_MAX), "16 EiB");
}

/*
 * The peer itself: qemu-img's "virtual size: X (N bytes)" for qcow2
 * images of these sizes must read X == size_format_human(N), and the
 * size qemu-img parsed from the same text must be ours.
 */
static void size_matches_qemu_img_info(void)
{
	static const char *const texts[] = {
		"512",	"1536",	 "200704", "1023488", "1048064", "1024000",
		"999M", "1000M", "1.5G",   "10G",     "1000G",	 "1.5T",
		"1P",	"4k",	 "2T",	   "1000T",
	};
	char path[] = "/tmp/nido-size-XXXXXX";
	size_t i;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		char *const create[] = {
			"qemu-img", "create",	      "-q", "-f", "qcow2",
			path,	    (char *)texts[i], NULL};
		char *const info[] = {"qemu-img", "info", path, NULL};
		_cleanup_err_ struct err *e = NULL;
		_cleanup_free_ char *out = NULL, *want = NULL;
		char buf[SIZE_HUMAN_LEN];
		uint64_t v;
		int r = spawn_run(create, NULL, 1, &e);

		if (r == -ENOENT) {
			unlink(path);
			SKIP("qemu-img is not installed");
		}
		CHECK_INT_EQ(r, 0);
		CHECK_INT_EQ(spawn_run(info, &out, 1, NULL), 0);
		CHECK_INT_EQ(size_parse(texts[i], &v, NULL), 0);
		want = xasprintf("virtual size: %s (%" PRIu64 " bytes)\n",
				 size_format_human(v, buf), v);
		CHECK_STR_CONTAINS(out, want);
	}
	unlink(path);
}

int main(void)
{
	RUN(size_parses_qemu_suffixes);
	RUN(size_parses_iec_si_and_bytes);
	RUN(size_refuses_bad_text);
	RUN(size_parse_unit_pairs);
	RUN(size_format_like_qemu_img);
	RUN(size_matches_qemu_img_info);
	return test_done();
}
