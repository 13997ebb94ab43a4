// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the QMP fuzz target (tests/fuzz/daemon/fuzz_qmp.c) in the normal
 * suite: seeds of each kind of line QEMU sends, then deterministic
 * mutations of them.
 */
#include "../../fuzz/daemon/fuzz_qmp.c"
#include "test.h"

static const char *const seeds[] = {
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
	"\"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}",
	"{\"return\": {}, \"id\": 0}",
	"{\"return\": [{\"frontend-open\": true, \"filename\": "
	"\"pty:/dev/pts/0\", \"label\": \"serial0\"}], \"id\": 1}",
	"{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}, "
	"\"id\": 3}",
	"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": "
	"\"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": "
	"\"guest-shutdown\"}}",
	"{\"event\": \"GUEST_PANICKED\", \"data\": {\"action\": \"pause\"}}",
	"{\"event\": \"STOP\"}\n{\"return\": {}, \"id\": 9}",
	"{\"return\": 1, \"id\": 18446744073709551615}",
	"\xff\xfe{\"\\u0000\":1}",
	"",
};

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void mutate(uint8_t *buf, size_t *len, size_t cap)
{
	size_t pos = *len ? next() % *len : 0;

	switch (next() % 3) {
	case 0:
		if (*len)
			buf[pos] ^= (uint8_t)(1u << (next() % 8));
		break;
	case 1:
		if (*len < cap) {
			memmove(buf + pos + 1, buf + pos, *len - pos);
			buf[pos] = "{}[]\":,\n\\0a"[next() % 11];
			(*len)++;
		}
		break;
	default:
		if (*len) {
			memmove(buf + pos, buf + pos + 1, *len - pos - 1);
			(*len)--;
		}
	}
}

static void qmp_fuzz_target_survives_seeds_and_mutations(void)
{
	uint8_t buf[1024];

	for (size_t i = 0; i < ARRAY_SIZE(seeds); i++) {
		size_t len = strlen(seeds[i]);

		CHECK_INT_EQ(
			LLVMFuzzerTestOneInput((const uint8_t *)seeds[i], len),
			0);
		memcpy(buf, seeds[i], len);
		for (int k = 0; k < 400; k++) {
			mutate(buf, &len, sizeof(buf));
			LLVMFuzzerTestOneInput(buf, len);
		}
	}
}

int main(void)
{
	RUN(qmp_fuzz_target_survives_seeds_and_mutations);
	return test_done();
}
