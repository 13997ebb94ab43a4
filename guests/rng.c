// SPDX-License-Identifier: GPL-2.0-or-later
/* virtio-rng: the device fills buffers with random bytes. */
#include "lib/virtio.h"

static uint8_t a[64], b[64];

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return 0;
	}
	return 1;
}

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(4, 0);
	struct gbuf buf = {a, sizeof(a), 1};
	uint32_t len = 0;
	int r;

	if (!tap_ok(base != 0, "virtio-rng device found"))
		return;
	tap_ok(virtio_init(&d, base, 0, 1) == 0, "virtio-rng initialised");
	virtio_submit(&d, 0, &buf, 1);
	r = virtio_wait(&d, 0, &len, 100000000UL);
	tap_ok(r == 0 && len == 64, "64 random bytes (got %u)", len);
	buf.addr = b;
	virtio_submit(&d, 0, &buf, 1);
	r = virtio_wait(&d, 0, &len, 100000000UL);
	tap_ok(r == 0 && len == 64, "64 more random bytes (got %u)", len);
	tap_ok(!all_zero(a, 64) && memcmp(a, b, 64) != 0,
	       "the bytes look random (not zero, not repeated)");
	tap_ok((vio_read(&d, VIO_STATUS) & VIO_S_NEEDS_RESET) == 0,
	       "device is healthy");
}
