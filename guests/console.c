// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-console: a line out through the transmit queue, and the host's
 * input (the test writes "ping" on nido-vmm's stdin) in through the
 * receive queue.
 */
#include "lib/virtio.h"

static char out[] = "hello from virtio-console\n";
static char in[64];

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(3, 0);
	struct gbuf tx = {out, sizeof(out) - 1, 0};
	struct gbuf rx = {in, sizeof(in) - 1, 1};
	uint32_t len = 0;
	int r;

	if (!tap_ok(base != 0, "virtio-console device found"))
		return;
	tap_ok(virtio_init(&d, base, 0, 2) == 0, "virtio-console initialised");
	virtio_submit(&d, 1, &tx, 1);
	tap_ok(virtio_wait(&d, 1, &len, 100000000UL) == 0,
	       "transmit buffer returned");
	virtio_submit(&d, 0, &rx, 1);
	r = virtio_wait(&d, 0, &len, 2000000000UL);
	tap_ok(r == 0 && len >= 4, "received %u bytes of host input", len);
	tap_ok(memcmp(in, "ping", 4) == 0, "host input is 'ping'");
}
