// SPDX-License-Identifier: GPL-2.0-or-later
#include "vblk.h"

struct vblk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct vblk_hdr h;
static uint8_t status;

int vblk_request(struct gvdev *d, uint32_t type, uint64_t sector, void *buf,
		 uint32_t len, int device_writes, unsigned long timeout_ns)
{
	struct gbuf b[3] = {
		{&h, sizeof(h), 0},
		{buf, len, device_writes},
		{&status, 1, 1},
	};
	uint32_t used = 0;

	h.type = type;
	h.reserved = 0;
	h.sector = sector;
	status = 0xee;
	if (len) {
		virtio_submit(d, 0, b, 3);
	} else {
		b[1] = b[2];
		virtio_submit(d, 0, b, 2);
	}
	if (virtio_wait(d, 0, &used, timeout_ns) < 0)
		return -1;
	return status;
}
