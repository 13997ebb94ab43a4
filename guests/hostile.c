// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A hostile guest: it hands the devices descriptor chains that loop,
 * point outside guest memory, overflow lengths or overlap the rings,
 * bad indexes and bad ring addresses. Each time the device must mark
 * itself broken (DEVICE_NEEDS_RESET) and work again after a reset; the
 * VMM must live on, and a second device must be unaffected.
 */
#include "lib/virtio.h"

static uint8_t buf[512] __attribute__((aligned(512)));

/* Waits until the device says it needs a reset. */
static int needs_reset(struct gvdev *d)
{
	for (unsigned long i = 0; i < 50000000UL; i++) {
		if (vio_read(d, VIO_STATUS) & VIO_S_NEEDS_RESET)
			return 1;
	}
	return 0;
}

/* Puts @head on the available ring as-is and notifies. */
static void offer_raw(struct gvdev *d, uint16_t head, uint16_t idx_step)
{
	struct gvq *q = &d->q[0];

	q->avail[2 + q->avail_idx % q->num] = head;
	barrier();
	q->avail_idx = (uint16_t)(q->avail_idx + idx_step);
	q->avail[1] = q->avail_idx;
	barrier();
	vio_write(d, VIO_QUEUE_NOTIFY, 0);
}

static void set_desc(struct gvdev *d, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	d->q[0].desc[i] = (struct gdesc){addr, len, flags, next};
}

/* After a reset and a new initialisation, a good request works. */
static int recovers(struct gvdev *d, uintptr_t base)
{
	struct gbuf b = {buf, 64, 1};
	uint32_t len = 0;

	vio_write(d, VIO_STATUS, 0);
	if (virtio_init(d, base, 0, 1) < 0)
		return 0;
	virtio_submit(d, 0, &b, 1);
	return virtio_wait(d, 0, &len, 100000000UL) == 0 && len == 64;
}

static void attack(struct gvdev *d, uintptr_t base, int which)
{
	struct gvq *q = &d->q[0];
	uint64_t used = (uint64_t)(uintptr_t)q->used;
	static const char *const names[] = {
		"a chain that loops",
		"a buffer outside guest memory",
		"a buffer that wraps the address space",
		"a buffer over the used ring",
		"a buffer over the descriptor table",
		"a length past the end of memory",
		"a head index outside the ring",
		"a next index outside the ring",
		"an available index that runs ahead",
		"an indirect descriptor (not negotiated)",
	};

	switch (which) {
	case 0:
		set_desc(d, 0, (uintptr_t)buf, 16, VDESC_F_WRITE | VDESC_F_NEXT,
			 1);
		set_desc(d, 1, (uintptr_t)buf, 16, VDESC_F_WRITE | VDESC_F_NEXT,
			 0);
		break;
	case 1:
		set_desc(d, 0, 0x7ff00000, 64, VDESC_F_WRITE, 0);
		break;
	case 2:
		set_desc(d, 0, 0xfffffffffffff000ULL, 0x2000, VDESC_F_WRITE, 0);
		break;
	case 3:
		set_desc(d, 0, used, 64, VDESC_F_WRITE, 0);
		break;
	case 4:
		set_desc(d, 0, (uintptr_t)q->desc, 64, VDESC_F_WRITE, 0);
		break;
	case 5:
		set_desc(d, 0, (uintptr_t)buf, 0xffffffffU, VDESC_F_WRITE, 0);
		break;
	case 6:
		break;
	case 7:
		set_desc(d, 0, (uintptr_t)buf, 16, VDESC_F_WRITE | VDESC_F_NEXT,
			 4000);
		break;
	case 8:
		set_desc(d, 0, (uintptr_t)buf, 16, VDESC_F_WRITE, 0);
		break;
	default:
		set_desc(d, 0, (uintptr_t)buf, 64, 4, 0);
		break;
	}
	offer_raw(d, which == 6 ? 1000 : 0, which == 8 ? 500 : 1);
	tap_ok(needs_reset(d), "virtio-rng refuses %s", names[which]);
	tap_ok(recovers(d, base), "  and works again after a reset");
}

static void bad_ring_address(struct gvdev *d, uintptr_t base)
{
	vio_write(d, VIO_STATUS, 0);
	vio_write(d, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER);
	vio_write(d, VIO_DRV_FEAT_SEL, 1);
	vio_write(d, VIO_DRV_FEATURES, 1);
	vio_write(d, VIO_DRV_FEAT_SEL, 0);
	vio_write(d, VIO_DRV_FEATURES, 0);
	vio_write(d, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK);
	vio_write(d, VIO_QUEUE_SEL, 0);
	vio_write(d, VIO_QUEUE_NUM, 16);
	vio_write(d, VIO_QUEUE_DESC_LO, 0xfff00000);
	vio_write(d, VIO_QUEUE_DESC_HI, 0);
	vio_write(d, VIO_QUEUE_READY, 1);
	tap_ok(vio_read(d, VIO_QUEUE_READY) == 0 && needs_reset(d),
	       "a descriptor table outside memory is refused");
	tap_ok(recovers(d, base), "  and the device works after a reset");
	vio_write(d, VIO_STATUS, 0);
	vio_write(d, VIO_QUEUE_SEL, 0);
	vio_write(d, VIO_QUEUE_NUM, 3);
	tap_ok(recovers(d, base), "a queue size that is not a power of 2 is "
				  "not taken (and a reset mends it)");
}

static void other_device_unaffected(void)
{
	struct gvdev c;
	uintptr_t base = virtio_find(3, 0);
	static char line[] = "console still works\n";
	struct gbuf b = {line, sizeof(line) - 1, 0};

	if (!tap_ok(base != 0, "virtio-console found"))
		return;
	tap_ok(virtio_init(&c, base, 0, 2) == 0, "virtio-console initialised");
	virtio_submit(&c, 1, &b, 1);
	tap_ok(virtio_wait(&c, 1, 0, 100000000UL) == 0,
	       "the console device is unaffected by the attacks");
}

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(4, 0);

	if (!tap_ok(base != 0 && virtio_init(&d, base, 0, 1) == 0,
		    "virtio-rng found and initialised"))
		return;
	for (int i = 0; i < 10; i++)
		attack(&d, base, i);
	bad_ring_address(&d, base);
	other_device_unaffected();
}
