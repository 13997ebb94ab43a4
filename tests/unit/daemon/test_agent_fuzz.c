// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the guest agent fuzz target (tests/fuzz/daemon/fuzz_agent.c)
 * checks beyond surviving (tests/unit/fuzz_smoke.c runs it on its corpus
 * and mutations): that it does answer a command, and a reply too long
 * for any seed file.
 */
#include "../../fuzz/daemon/fuzz_agent.c"
#include "test.h"

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
	RUN(agent_fuzz_target_survives_a_long_line);
	return test_done();
}
