// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs a libFuzzer target in the normal suite, without libFuzzer: linked
 * with one target's file (tests/fuzz/.../fuzz_*.c, which defines
 * LLVMFuzzerTestOneInput), it feeds the target every file of its seed
 * corpus, then deterministic mutations of them, so that a crash the
 * fuzzer would find near the seeds shows up in every run (and under
 * ASan/UBSan in the sanitizer build).
 *
 *   fuzz_smoke [--min-seeds N] [--rounds N] CORPUS_DIR...
 *
 * --min-seeds: fewer seeds read is a failure (a corpus that moved);
 * --rounds: how many mutated inputs (20000). Each round takes a seed and
 * makes one to six changes: a bit flipped, a byte set, a byte deleted,
 * the rest cut, a tail piece repeated, a piece of another seed spliced
 * in (the input's own syntax, whatever the format), or one of a few
 * pieces hostile to any parser.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEEDS_MAX 256
#define SEED_MAX  (1u << 20)
#define INPUT_CAP (64u << 10)

struct seed {
	char *data;
	size_t len;
};

static struct seed seeds[SEEDS_MAX];
static size_t n_seeds, min_seeds;
static long rounds = 20000;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void load_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)) && n_seeds < SEEDS_MAX) {
		_cleanup_free_ char *p = NULL;
		struct seed *s = &seeds[n_seeds];

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (file_read_all(p, SEED_MAX, &s->data, &s->len, NULL) == 0)
			n_seeds++;
	}
	if (d)
		closedir(d);
}

/* Inserts @n bytes of @ins at @pos when they fit. */
static void insert(uint8_t *buf, size_t *len, size_t pos, const void *ins,
		   size_t n)
{
	if (*len + n > INPUT_CAP)
		return;
	memmove(buf + pos + n, buf + pos, *len - pos);
	memcpy(buf + pos, ins, n);
	*len += n;
}

/* A piece of a random seed: the syntax of the target's input. */
static void splice(uint8_t *buf, size_t *len, size_t pos)
{
	const struct seed *s = &seeds[next() % n_seeds];
	size_t from, n;

	if (!s->len)
		return;
	from = next() % s->len;
	n = MIN(s->len - from, 1 + next() % 12);
	insert(buf, len, pos, s->data + from, n);
}

static void mutate(uint8_t *buf, size_t *len)
{
	static const char *const hostile[] = {
		"\xff", "\\u0000", "&amp;", "&#10;", "99999999999999999999",
		"-1",	"::",	   "'",	    "\"",    "\n",
	};
	size_t pos = *len ? next() % *len : 0;
	const char *h;

	switch (next() % 7) {
	case 0:
		if (*len)
			buf[pos] ^= (uint8_t)(1u << (next() % 8));
		break;
	case 1:
		if (*len)
			buf[pos] = (uint8_t)next();
		break;
	case 2:
		if (*len) {
			memmove(buf + pos, buf + pos + 1, *len - pos - 1);
			(*len)--;
		}
		break;
	case 3:
		*len = pos;
		break;
	case 4:
		if (*len && 2 * *len <= INPUT_CAP) {
			memcpy(buf + *len, buf + pos, *len - pos);
			*len += *len - pos;
		}
		break;
	case 5:
		splice(buf, len, pos);
		break;
	default:
		h = hostile[next() % ARRAY_SIZE(hostile)];
		insert(buf, len, pos, h, strlen(h));
	}
}

static void fuzz_target_passes_its_seeds(void)
{
	CHECK(n_seeds >= MAX(min_seeds, 1));
	for (size_t i = 0; i < n_seeds; i++)
		CHECK_INT_EQ(
			LLVMFuzzerTestOneInput((const uint8_t *)seeds[i].data,
					       seeds[i].len),
			0);
}

static void fuzz_target_survives_mutations(void)
{
	static uint8_t buf[INPUT_CAP];

	for (long round = 0; round < rounds; round++) {
		const struct seed *s = &seeds[next() % n_seeds];
		size_t len = MIN(s->len, INPUT_CAP / 2);

		memcpy(buf, s->data, len);
		for (int k = 0, n = (int)(next() % 6) + 1; k < n; k++)
			mutate(buf, &len);
		LLVMFuzzerTestOneInput(buf, len);
	}
	CHECK(1);
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (streq(argv[i], "--min-seeds"))
			min_seeds = strtoul(argv[i + 1], NULL, 10);
		else if (streq(argv[i], "--rounds"))
			rounds = strtol(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i >= argc || !strncmp(argv[i], "--", 2)) {
		fprintf(stderr,
			"usage: %s [--min-seeds N] [--rounds N] "
			"CORPUS_DIR...\n",
			argv[0]);
		return 2;
	}
	for (; i < argc; i++)
		load_dir(argv[i]);
	RUN(fuzz_target_passes_its_seeds);
	if (n_seeds)
		RUN(fuzz_target_survives_mutations);
	for (size_t k = 0; k < n_seeds; k++)
		free(seeds[k].data);
	return test_done();
}
