// SPDX-License-Identifier: GPL-2.0-or-later
/* I/O throttling with leaky buckets (throttle.h). */
#include "vmm/throttle.h"

#include <string.h>

void throttle_init(struct throttle *t, const struct throttle_limits *lim)
{
	memset(t, 0, sizeof(*t));
	t->lim = *lim;
}

bool throttle_enabled(const struct throttle *t)
{
	for (int k = 0; k < THROTTLE_KINDS; k++)
		if (t->lim.bytes[k] || t->lim.ops[k])
			return true;
	return false;
}

static void drain(double *level, uint64_t rate, double secs)
{
	*level -= (double)rate * secs;
	if (*level < 0)
		*level = 0;
}

/* Seconds until @level is down to a tenth of a second of @rate. */
static double wait_for(double level, uint64_t rate)
{
	double burst = (double)rate / 10;

	if (!rate || level <= burst)
		return 0;
	return (level - burst) / (double)rate;
}

uint64_t throttle_admit(struct throttle *t, bool is_write, uint64_t bytes,
			uint64_t now_ns)
{
	int kinds[2] = {THROTTLE_TOTAL,
			is_write ? THROTTLE_WRITE : THROTTLE_READ};
	double secs = 0, wait = 0;

	if (now_ns > t->last_ns) {
		secs = (double)(now_ns - t->last_ns) / 1e9;
		t->last_ns = now_ns;
	}
	for (int k = 0; k < THROTTLE_KINDS; k++) {
		drain(&t->bytes[k], t->lim.bytes[k], secs);
		drain(&t->ops[k], t->lim.ops[k], secs);
	}
	for (int i = 0; i < 2; i++) {
		int k = kinds[i];
		double w = wait_for(t->bytes[k], t->lim.bytes[k]);

		if (w > wait)
			wait = w;
		w = wait_for(t->ops[k], t->lim.ops[k]);
		if (w > wait)
			wait = w;
	}
	if (wait > 0)
		return (uint64_t)(wait * 1e9) + 1;
	for (int i = 0; i < 2; i++) {
		int k = kinds[i];

		if (t->lim.bytes[k])
			t->bytes[k] += (double)bytes;
		if (t->lim.ops[k])
			t->ops[k] += 1;
	}
	return 0;
}
