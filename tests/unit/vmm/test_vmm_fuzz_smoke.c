// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the virtio fuzz target (tests/fuzz/vmm/fuzz_virtio.c) on seeded
 * random inputs, some of them shaped like real driver traffic, so that
 * the normal suite (and its ASan/UBSan run) covers it without libFuzzer.
 */
#include "tests/unit/test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Random bytes, with opcodes biased towards ring setup and notify. */
static size_t make_input(uint8_t *buf, size_t max)
{
	size_t n = 0;

	while (n + 80 < max && (next() % 40) != 0) {
		uint8_t op = (uint8_t)(next() % 8);

		buf[n++] = op;
		buf[n++] = (uint8_t)next();
		if (op == 4) {
			buf[n++] = (uint8_t)(next() % 6);
			buf[n++] = (uint8_t)(1U << (next() % 9));
			buf[n++] = 0;
			/* features: mostly the console's MULTIPORT */
			buf[n++] = (uint8_t)(next() % 4 ? 2 : next());
			for (int i = 0; i < 3; i++) {
				uint32_t a =
					(uint32_t)(next() % 0x10000) & ~15U;

				buf[n++] = (uint8_t)a;
				buf[n++] = (uint8_t)(a >> 8);
				buf[n++] = (uint8_t)(a >> 16);
			}
		} else if (op == 2) {
			/* Mostly where the rings are: the first 64 KiB. */
			uint32_t a = (uint32_t)(next() % 0x10000);
			uint8_t len = (uint8_t)(next() % 64);

			buf[n++] = (uint8_t)a;
			buf[n++] = (uint8_t)(a >> 8);
			buf[n++] = 0;
			buf[n++] = len;
			for (int i = 0; i < len && n < max; i++)
				buf[n++] = (uint8_t)(next() % 4 ? next() % 16
								: next());
		} else {
			for (int i = 0; i < 8 && n < max; i++)
				buf[n++] = (uint8_t)next();
		}
	}
	return n;
}

static void random_inputs(void)
{
	static uint8_t buf[4096];

	for (int i = 0; i < 3000; i++) {
		size_t n = make_input(buf, sizeof(buf));

		CHECK_INT_EQ(LLVMFuzzerTestOneInput(buf, n), 0);
	}
}

static void empty_and_tiny_inputs(void)
{
	uint8_t b[3] = {4, 2, 0};

	CHECK_INT_EQ(LLVMFuzzerTestOneInput(NULL, 0), 0);
	CHECK_INT_EQ(LLVMFuzzerTestOneInput(b, 1), 0);
	CHECK_INT_EQ(LLVMFuzzerTestOneInput(b, 3), 0);
}

int main(void)
{
	RUN(empty_and_tiny_inputs);
	RUN(random_inputs);
	return test_done();
}
