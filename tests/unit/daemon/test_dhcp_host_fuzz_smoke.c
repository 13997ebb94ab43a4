// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the net-update host fuzz target (tests/fuzz/daemon/
 * fuzz_dhcp_host.c) in the normal suite: its seed corpus, then
 * deterministic mutations of it, so that a crash the fuzzer would find
 * near the seeds shows up here too.
 */
#include <dirent.h>

#include "../../fuzz/daemon/fuzz_dhcp_host.c"
#include "lib/file.h"
#include "test.h"

#ifndef DHCP_HOST_CORPUS_DIR
#error DHCP_HOST_CORPUS_DIR must name tests/fuzz/daemon/dhcp-host-corpus
#endif

static char *seeds[32];
static size_t n_seeds;

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void load_seeds(void)
{
	DIR *d = opendir(DHCP_HOST_CORPUS_DIR);
	struct dirent *de;

	while (d && (de = readdir(d)) && n_seeds < ARRAY_SIZE(seeds)) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", DHCP_HOST_CORPUS_DIR, de->d_name);
		if (file_read_all(p, 1 << 20, &seeds[n_seeds], NULL, NULL) == 0)
			n_seeds++;
	}
	if (d)
		closedir(d);
}

/* One of: change a byte, cut, insert a piece of a host's syntax. */
static void mutate(char *buf, size_t *len, size_t cap)
{
	static const char *const bits[] = {
		"<",	   ">",	  "'",		"/>",	  "&amp;", "::",
		".",	   ",",	  "\n",		" mac='", " ip='", " id='",
		" name='", ":ff", "10.0.0.255", "fd00::", "&#10;"};
	size_t pos = *len ? next() % *len : 0;
	const char *ins;

	switch (next() % 3) {
	case 0:
		if (*len)
			buf[pos] = (char)next();
		break;
	case 1:
		*len = pos;
		break;
	default:
		ins = bits[next() % ARRAY_SIZE(bits)];
		if (*len + strlen(ins) < cap) {
			memmove(buf + pos + strlen(ins), buf + pos, *len - pos);
			memcpy(buf + pos, ins, strlen(ins));
			*len += strlen(ins);
		}
	}
}

static void dhcp_host_fuzz_seeds_survive(void)
{
	CHECK(n_seeds >= 5);
	for (size_t i = 0; i < n_seeds; i++)
		CHECK_INT_EQ(LLVMFuzzerTestOneInput((const uint8_t *)seeds[i],
						    strlen(seeds[i])),
			     0);
}

static void dhcp_host_fuzz_mutations_survive(void)
{
	char buf[4096];

	for (int round = 0; round < 20000; round++) {
		const char *s = seeds[next() % n_seeds];
		size_t len = MIN(strlen(s), sizeof(buf) / 2);

		memcpy(buf, s, len);
		for (int k = 0, n = (int)(next() % 4) + 1; k < n; k++)
			mutate(buf, &len, sizeof(buf));
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	}
	CHECK(1);
}

int main(void)
{
	load_seeds();
	RUN(dhcp_host_fuzz_seeds_survive);
	if (n_seeds)
		RUN(dhcp_host_fuzz_mutations_survive);
	for (size_t i = 0; i < n_seeds; i++)
		free(seeds[i]);
	return test_done();
}
