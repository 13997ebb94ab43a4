// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A disk that fails on the host (a qcow2 whose L1 table the test
 * corrupted, a raw image on a full file system): after the host's first
 * Ctrl-Alt-Del the guest reads sector 0, then writes 64 KiB at a time
 * until a write fails or the disk ends, and expects the failure as an
 * IOERR status (libvirt's error_policy='report': the guest sees the
 * error) on a device that stays healthy; after the second Ctrl-Alt-Del
 * it powers off. The test reads the control socket's io-error events
 * and stats in between.
 */
#include "lib/vblk.h"

#define CHUNK	  65536
#define CHUNK_SEC (CHUNK / 512)

static uint8_t data[CHUNK] __attribute__((aligned(512)));

/* One read or write of @len bytes at @sector. Returns the status. */
static int request(struct gvdev *d, uint32_t type, uint64_t sector,
		   uint32_t len)
{
	return vblk_request(d, type, sector, data, len, type == VBLK_T_IN,
			    1000000000UL);
}

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(2, 0);
	uint64_t sectors, s;
	int st = 0;

	boottimer_signal();
	if (!tap_ok(base != 0, "virtio-blk device found") ||
	    !tap_ok(virtio_init(&d, base, 0, 1) == 0, "virtio-blk initialised"))
		return;
	sectors = (uint64_t)vio_read(&d, VIO_CONFIG) |
		  (uint64_t)vio_read(&d, VIO_CONFIG + 4) << 32;
	tap_diag("waiting for ctrl-alt-del\n");
	wait_ctrl_alt_del();
	tap_diag("read of sector 0: status %d\n",
		 request(&d, VBLK_T_IN, 0, 512));
	for (s = 0; s + CHUNK_SEC <= sectors; s += CHUNK_SEC) {
		memset(data, (int)(s & 0xff) | 1, CHUNK);
		st = request(&d, VBLK_T_OUT, s, CHUNK);
		if (st != 0)
			break;
	}
	tap_ok(st == 1, "a write fails with IOERR (status %d at sector %lu)",
	       st, (unsigned long)s);
	tap_ok((vio_read(&d, VIO_STATUS) & VIO_S_NEEDS_RESET) == 0,
	       "the device stays healthy");
	tap_diag("errors done; waiting for ctrl-alt-del\n");
	wait_ctrl_alt_del();
}
