// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-blk: patterns written and read back, flush, write-zeroes,
 * discard, the serial number, requests beyond the end and of unknown
 * type, and a read-only second disk. The test then checks the image
 * from the host.
 */
#include "lib/vblk.h"

#define F_RO	  (1ULL << 5)
#define F_FLUSH	  (1ULL << 9)
#define F_DISCARD (1ULL << 13)
#define F_WZEROES (1ULL << 14)

static uint8_t data[8192] __attribute__((aligned(512)));
static uint8_t back[8192] __attribute__((aligned(512)));

/* One request: header, optional data, status. Returns the status. */
static int request(struct gvdev *d, uint32_t type, uint64_t sector, void *buf,
		   uint32_t len, int device_writes)
{
	return vblk_request(d, type, sector, buf, len, device_writes,
			    1000000000UL);
}

static void pattern(uint8_t *p, unsigned n, unsigned seed)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

static void test_rw(struct gvdev *d, uint64_t sectors)
{
	struct {
		uint64_t sector;
		uint32_t num, flags;
	} range = {16, 16, 0};

	pattern(data, 4096, 3);
	tap_ok(request(d, VBLK_T_OUT, 0, data, 4096, 0) == 0,
	       "write 4 KiB at sector 0");
	pattern(data, 512, 5);
	tap_ok(request(d, VBLK_T_OUT, sectors - 1, data, 512, 0) == 0,
	       "write the last sector");
	memset(back, 0, sizeof(back));
	tap_ok(request(d, VBLK_T_IN, 0, back, 4096, 1) == 0, "read 4 KiB back");
	pattern(data, 4096, 3);
	tap_ok(memcmp(back, data, 4096) == 0,
	       "the data read is the data written");
	request(d, VBLK_T_IN, sectors - 1, back, 512, 1);
	pattern(data, 512, 5);
	tap_ok(memcmp(back, data, 512) == 0, "the last sector reads back");
	tap_ok(request(d, VBLK_T_FLUSH, 0, 0, 0, 0) == 0, "flush");
	tap_ok(request(d, VBLK_T_IN, sectors, back, 512, 1) == 1,
	       "a read past the end fails with IOERR");
	tap_ok(request(d, VBLK_T_IN, sectors - 1, back, 1024, 1) == 1,
	       "a read across the end fails with IOERR");
	tap_ok(request(d, 99, 0, back, 512, 1) == 2,
	       "an unknown request type is UNSUPP");
	tap_ok(request(d, VBLK_T_IN, 0xffffffffffffff00ULL, back, 512, 1) == 1,
	       "a sector whose byte offset overflows 64 bits fails with IOERR");
	tap_ok(request(d, VBLK_T_OUT, 0, data, 100, 0) == 1,
	       "a write that is not a whole number of sectors fails");
	tap_ok((vio_read(d, VIO_STATUS) & VIO_S_NEEDS_RESET) == 0,
	       "bad requests fail one by one; the device stays healthy");
	if (d->features & F_WZEROES) {
		pattern(data, 8192, 9);
		request(d, VBLK_T_OUT, 16, data, 8192, 0);
		tap_ok(request(d, VBLK_T_WRITE_ZEROES, 0, &range, sizeof(range),
			       0) == 0,
		       "write-zeroes 8 KiB");
		request(d, VBLK_T_IN, 16, back, 8192, 1);
		memset(data, 0, 8192);
		tap_ok(memcmp(back, data, 8192) == 0,
		       "the zeroed range reads 0");
	}
	if (d->features & F_DISCARD) {
		range.sector = 64;
		tap_ok(request(d, VBLK_T_DISCARD, 0, &range, sizeof(range),
			       0) == 0,
		       "discard 8 KiB");
	}
}

static void test_disk0(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(2, 0);
	char id[21];
	uint64_t sectors;

	if (!tap_ok(base != 0, "virtio-blk device found"))
		return;
	tap_ok(virtio_init(&d, base, F_FLUSH | F_DISCARD | F_WZEROES, 1) == 0,
	       "virtio-blk initialised with flush, discard, write-zeroes");
	sectors = (uint64_t)vio_read(&d, VIO_CONFIG) |
		  (uint64_t)vio_read(&d, VIO_CONFIG + 4) << 32;
	tap_ok(sectors == 2048, "capacity is 2048 sectors (got %lu)",
	       (unsigned long)sectors);
	memset(id, 0, sizeof(id));
	tap_ok(request(&d, VBLK_T_GET_ID, 0, id, 20, 1) == 0 &&
		       memcmp(id, "blk-test-0", 11) == 0,
	       "serial number is 'blk-test-0' (got '%s')", id);
	test_rw(&d, sectors);
	tap_ok((vio_read(&d, VIO_STATUS) & VIO_S_NEEDS_RESET) == 0,
	       "device is healthy");
}

static void test_disk1_readonly(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(2, 1);
	uint32_t feat;

	if (!tap_ok(base != 0, "second (read-only) virtio-blk found"))
		return;
	vio_write(&d, VIO_DEV_FEAT_SEL, 0);
	d.base = base;
	feat = vio_read(&d, VIO_DEV_FEATURES);
	tap_ok((feat & F_RO) != 0, "it offers VIRTIO_BLK_F_RO");
	tap_ok(virtio_init(&d, base, F_RO, 1) == 0,
	       "read-only disk initialised");
	pattern(data, 512, 1);
	tap_ok(request(&d, VBLK_T_OUT, 0, data, 512, 0) == 1,
	       "a write to the read-only disk fails with IOERR");
	tap_ok(request(&d, VBLK_T_IN, 0, back, 512, 1) == 0, "reads work");
}

void guest_main(void)
{
	test_disk0();
	test_disk1_readonly();
}
