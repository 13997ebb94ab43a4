// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A steady disk load for the throttling test: reads the first 4 MiB of
 * the first virtio-blk disk in 64 KiB requests, then writes 1 MiB, one
 * request at a time, and reports.
 */
#include "lib/vblk.h"

#define CHUNK 65536

static uint8_t buf[CHUNK] __attribute__((aligned(4096)));

static int request(struct gvdev *d, uint32_t type, uint64_t sector)
{
	/* a throttled request may wait a good while */
	return vblk_request(d, type, sector, buf, CHUNK, type == VBLK_T_IN,
			    400000000000UL);
}

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(2, 0);
	int ok = 1;

	if (!tap_ok(base != 0, "virtio-blk device found") ||
	    !tap_ok(virtio_init(&d, base, 0, 1) == 0, "initialised"))
		return;
	for (unsigned i = 0; i < 64 && ok; i++)
		ok = request(&d, VBLK_T_IN, (uint64_t)i * (CHUNK / 512)) == 0;
	tap_ok(ok, "read 4 MiB in 64 requests");
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned i = 0; i < 16 && ok; i++)
		ok = request(&d, VBLK_T_OUT, (uint64_t)i * (CHUNK / 512)) == 0;
	tap_ok(ok, "wrote 1 MiB in 16 requests");
}
