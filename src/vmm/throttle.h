/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * I/O throttling (libvirt's <iotune>, QEMU's throttling): limits on
 * bytes and operations per second, in total and per direction. Each
 * limit is a leaky bucket: an operation starts while the buckets it
 * fills hold no more than a tenth of a second's worth, then adds its
 * bytes (and one operation) to them; they drain at their rate. So the
 * average stays at the rate, bursts are short, and an operation larger
 * than a burst still goes through (and waits its due afterwards).
 *
 * Pure arithmetic on a clock the caller passes in: the device owns the
 * timer that wakes it when throttle_admit() says how long to wait.
 */
#ifndef NIDO_VMM_THROTTLE_H
#define NIDO_VMM_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

enum { THROTTLE_TOTAL, THROTTLE_READ, THROTTLE_WRITE, THROTTLE_KINDS };

/* Limits per second; 0: none. */
struct throttle_limits {
	uint64_t bytes[THROTTLE_KINDS];
	uint64_t ops[THROTTLE_KINDS];
};

struct throttle {
	struct throttle_limits lim;
	double bytes[THROTTLE_KINDS], ops[THROTTLE_KINDS]; /* bucket levels */
	uint64_t last_ns;
};

void throttle_init(struct throttle *t, const struct throttle_limits *lim);
bool throttle_enabled(const struct throttle *t);

/*
 * Asks to start an operation of @bytes (@is_write: a write, else a read)
 * at @now_ns (CLOCK_MONOTONIC). Returns 0 when it may start (it is then
 * counted), or how many nanoseconds to wait before asking again.
 */
uint64_t throttle_admit(struct throttle *t, bool is_write, uint64_t bytes,
			uint64_t now_ns);

#endif
