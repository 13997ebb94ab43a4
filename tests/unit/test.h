/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal TAP test harness for the unit tests. Each test is a function;
 * main() runs them with RUN() and returns test_done():
 *
 *	static void size_parses_suffixes(void)
 *	{
 *		CHECK_INT_EQ(parse("1K"), 1024);
 *	}
 *	int main(void) { RUN(size_parses_suffixes); return test_done(); }
 *
 * A failed CHECK prints a diagnostic and returns from the test function;
 * the rest of the tests still run. SKIP("reason") ends a test as skipped.
 */
#ifndef NIDO_TEST_H
#define NIDO_TEST_H

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_count, test_failed, test_state; /* 0 ok, 1 failed, 2 skip */
static char test_skip_reason[256];

static inline void test_run(const char *name, void (*fn)(void))
{
	test_state = 0;
	fflush(stdout);
	fn();
	fflush(stderr);
	test_count++;
	if (test_state == 1) {
		test_failed++;
		printf("not ok %d - %s\n", test_count, name);
	} else if (test_state == 2) {
		printf("ok %d - %s # SKIP %s\n", test_count, name,
		       test_skip_reason);
	} else {
		printf("ok %d - %s\n", test_count, name);
	}
	fflush(stdout);
}

static inline int test_done(void)
{
	printf("1..%d\n", test_count);
	return test_failed ? 1 : 0;
}

#define RUN(fn) test_run(#fn, fn)

/* The number of open fds of this process, for leak checks; -1 on error. */
static inline int test_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

#define TEST_FAIL(...)                                   \
	do {                                             \
		printf("# %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__);                     \
		printf("\n");                            \
		test_state = 1;                          \
	} while (0)

#define CHECK(cond)                                           \
	do {                                                  \
		if (!(cond)) {                                \
			TEST_FAIL("check failed: %s", #cond); \
			return;                               \
		}                                             \
	} while (0)

#define CHECK_INT_EQ(a, b)                                                   \
	do {                                                                 \
		long long _a = (long long)(a), _b = (long long)(b);          \
		if (_a != _b) {                                              \
			TEST_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b); \
			return;                                              \
		}                                                            \
	} while (0)

#define CHECK_U64_EQ(a, b)                                                     \
	do {                                                                   \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);               \
		if (_a != _b) {                                                \
			TEST_FAIL("%s == %s: %" PRIu64 " != %" PRIu64, #a, #b, \
				  _a, _b);                                     \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                 \
	do {                                                               \
		const char *_a = (a), *_b = (b);                           \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                   \
			TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,    \
				  _a ? _a : "(null)", _b ? _b : "(null)"); \
			return;                                            \
		}                                                          \
	} while (0)

/* Checks that @hay contains @needle. */
#define CHECK_STR_CONTAINS(hay, needle)                             \
	do {                                                        \
		const char *_h = (hay), *_n = (needle);             \
		if (!_h || !strstr(_h, _n)) {                       \
			TEST_FAIL("\"%s\" does not contain \"%s\"", \
				  _h ? _h : "(null)", _n);          \
			return;                                     \
		}                                                   \
	} while (0)

#define SKIP(...)                                                    \
	do {                                                         \
		snprintf(test_skip_reason, sizeof(test_skip_reason), \
			 __VA_ARGS__);                               \
		test_state = 2;                                      \
		return;                                              \
	} while (0)

#endif
