// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the guest agent fuzz target (tests/fuzz/daemon/fuzz_agent.c) in
 * the normal suite: seeds of what qemu-ga sends and of what a hostile
 * one might, then deterministic mutations of them.
 */
#include "../../fuzz/daemon/fuzz_agent.c"
#include "test.h"

static const char *const seeds[] = {
	"{\"return\": {}}\n",
	"{\"return\": [{\"name\": \"lo\", \"ip-addresses\": "
	"[{\"ip-address-type\": \"ipv4\", \"ip-address\": \"127.0.0.1\", "
	"\"prefix\": 8}], \"hardware-address\": \"00:00:00:00:00:00\"}]}\n",
	"{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no\"}}\n",
	"{\"return\": 3}\n{\"return\": 4}\n\xff{\"return\": 1}\n",
	"garbage\n\xff\xff\n{\"return\"",
	"{\"error\": {\"class\": 1}}\n{\"return\": {}}\n",
	"\x00{}\n\r\n{\"return\":null}\r\n",
	"",
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

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
			buf[pos] = "{}[]\":,\n\xff\\0a"[next() % 12];
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

/*
 * The stream's first reply after the agent's sync answers the first
 * command; a second reply in the same read is stale (nobody asked yet):
 * dropped, and the second command waits for a resync that never comes.
 */
static void agent_fuzz_target_passes_one_good_reply(void)
{
	const char *reply = "{\"return\": {}}\n{\"return\": {}}\n";

	fuzz_answered_ok = 0;
	LLVMFuzzerTestOneInput((const uint8_t *)reply, strlen(reply));
	CHECK_INT_EQ(fuzz_answered_ok, 1);
}

static void agent_fuzz_target_survives_seeds_and_mutations(void)
{
	uint8_t buf[1024];

	for (size_t i = 0; i < ARRAY_SIZE(seeds); i++) {
		size_t len = strlen(seeds[i]);

		CHECK_INT_EQ(
			LLVMFuzzerTestOneInput((const uint8_t *)seeds[i], len),
			0);
		memcpy(buf, seeds[i], len);
		for (int k = 0; k < 200; k++) {
			mutate(buf, &len, sizeof(buf));
			LLVMFuzzerTestOneInput(buf, len);
		}
	}
}

/* A reply longer than AGENT_REPLY_MAX fails its command, and the next
 * is answered after a resync. */
static void agent_fuzz_target_survives_a_long_line(void)
{
	size_t n = AGENT_REPLY_MAX + 4096;
	uint8_t *big = xmalloc(n);

	memset(big, 'x', n);
	CHECK_INT_EQ(LLVMFuzzerTestOneInput(big, n), 0);
	free(big);
}

int main(void)
{
	RUN(agent_fuzz_target_passes_one_good_reply);
	RUN(agent_fuzz_target_survives_seeds_and_mutations);
	RUN(agent_fuzz_target_survives_a_long_line);
	return test_done();
}
