// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the pool and volume XML fuzz target (tests/fuzz/daemon/fuzz_pool.c) in
 * the normal suite: its seed corpus, then deterministic mutations of it,
 * so that a crash the fuzzer would find nearby shows up here too.
 */
#include <dirent.h>

#include "../../fuzz/daemon/fuzz_pool.c"
#include "lib/file.h"
#include "test.h"

#ifndef POOL_CORPUS_DIR
#error POOL_CORPUS_DIR must name tests/fuzz/daemon/pool-corpus
#endif

static char *seeds[32];
static size_t n_seeds;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void load_seeds(void)
{
	DIR *d = opendir(POOL_CORPUS_DIR);
	struct dirent *de;

	while (d && (de = readdir(d)) && n_seeds < ARRAY_SIZE(seeds)) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", POOL_CORPUS_DIR, de->d_name);
		if (file_read_all(p, 1 << 20, &seeds[n_seeds], NULL, NULL) == 0)
			n_seeds++;
	}
	if (d)
		closedir(d);
}

/* One of: flip a byte, cut, duplicate a piece, insert markup. */
static void mutate(char *buf, size_t *len, size_t cap)
{
	static const char *const bits[] = {"<",	    ">",	"'",
					   "/>",    "<target>", "<path>/../",
					   "&amp;", "::",	"."};
	size_t pos = *len ? next() % *len : 0;
	const char *ins;

	switch (next() % 4) {
	case 0:
		if (*len)
			buf[pos] = (char)next();
		break;
	case 1:
		*len = pos;
		break;
	case 2:
		if (*len && *len * 2 < cap) {
			memcpy(buf + *len, buf + pos, *len - pos);
			*len += *len - pos;
		}
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

static void pool_fuzz_seeds_survive(void)
{
	CHECK(n_seeds >= 8);
	for (size_t i = 0; i < n_seeds; i++)
		LLVMFuzzerTestOneInput((const uint8_t *)seeds[i],
				       strlen(seeds[i]));
}

static void pool_fuzz_mutations_survive(void)
{
	char buf[16384];

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
	RUN(pool_fuzz_seeds_survive);
	if (n_seeds)
		RUN(pool_fuzz_mutations_survive);
	for (size_t i = 0; i < n_seeds; i++)
		free(seeds[i]);
	return test_done();
}
