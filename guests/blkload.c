// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A steady disk load for the throttling test: reads the first 4 MiB of
 * the first virtio-blk disk in 64 KiB requests, then writes 1 MiB, one
 * request at a time, and reports.
 */
#include "lib/virtio.h"

#define T_IN  0
#define T_OUT 1
#define CHUNK 65536

struct hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct hdr h;
static uint8_t status;
static uint8_t buf[CHUNK] __attribute__((aligned(4096)));

static int request(struct gvdev *d, uint32_t type, uint64_t sector)
{
	struct gbuf b[3] = {
		{&h, sizeof(h), 0},
		{buf, CHUNK, type == T_IN},
		{&status, 1, 1},
	};
	uint32_t used = 0;

	h.type = type;
	h.reserved = 0;
	h.sector = sector;
	status = 0xee;
	virtio_submit(d, 0, b, 3);
	/* a throttled request may wait a good while */
	if (virtio_wait(d, 0, &used, 400000000000UL) < 0)
		return -1;
	return status;
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
		ok = request(&d, T_IN, (uint64_t)i * (CHUNK / 512)) == 0;
	tap_ok(ok, "read 4 MiB in 64 requests");
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned i = 0; i < 16 && ok; i++)
		ok = request(&d, T_OUT, (uint64_t)i * (CHUNK / 512)) == 0;
	tap_ok(ok, "wrote 1 MiB in 16 requests");
}
