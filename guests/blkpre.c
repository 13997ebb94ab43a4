// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-blk on data the host put there: sector 100 must start with
 * "NIDO-PRE-WRITTEN" (written into the image before the guest ran);
 * the guest then writes "NIDO-GUEST-WROTE" at sector 200, followed by
 * " READ-OK" or "READ-BAD" (what it found at sector 100), and flushes,
 * for the host to read back after it stopped: the verdict does not
 * depend on the host hearing the console of a guest this quick. Says
 * NIDO-BLKPRE-DONE at the end, whatever happened (the TAP lines say
 * what).
 */
#include "lib/vblk.h"

#define F_FLUSH (1ULL << 9)

static uint8_t buf[512] __attribute__((aligned(512)));

static int request(struct gvdev *d, uint32_t type, uint64_t sector)
{
	return vblk_request(d, type, sector, type == VBLK_T_FLUSH ? 0 : buf,
			    type == VBLK_T_FLUSH ? 0 : 512, type == VBLK_T_IN,
			    1000000000UL);
}

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(2, 0);

	if (tap_ok(base != 0, "virtio-blk device found") &&
	    tap_ok(virtio_init(&d, base, F_FLUSH, 1) == 0,
		   "virtio-blk initialised")) {
		int pre;

		memset(buf, 0, sizeof(buf));
		pre = tap_ok(request(&d, VBLK_T_IN, 100) == 0 &&
				     memcmp(buf, "NIDO-PRE-WRITTEN", 16) == 0,
			     "sector 100 holds what the host wrote before");
		memset(buf, 0, sizeof(buf));
		memcpy(buf, "NIDO-GUEST-WROTE", 16);
		memcpy(buf + 16, pre ? " READ-OK" : "READ-BAD", 8);
		tap_ok(request(&d, VBLK_T_OUT, 200) == 0, "write sector 200");
		tap_ok(request(&d, VBLK_T_FLUSH, 0) == 0, "flush");
	}
	serial_puts("NIDO-BLKPRE-DONE\n");
}
