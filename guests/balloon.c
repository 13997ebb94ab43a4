// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * For tests/integration/vmm/balloon.sh: a guest balloon driver in
 * miniature. It touches 16 MiB, lends a statistics buffer (free memory
 * 0x1234567), then waits for the host to ask for pages (num_pages),
 * gives that many of its touched pages (inflateq), says so (actual),
 * and, when the host takes its statistics, lends new ones (free 777).
 * Identity-mapped: a page's address is its guest-physical one.
 */
#include "lib/virtio.h"

#define AREA  (16u << 20)
#define PAGES (AREA / 4096)
#define BATCH 256

static uint8_t area[AREA] __attribute__((aligned(4096)));
static uint32_t pfns[BATCH];
static uint8_t stats[20]; /* two tag/value pairs, 10 bytes each */

static void put_stat(unsigned i, uint16_t tag, uint64_t val)
{
	memcpy(stats + i * 10, &tag, 2);
	memcpy(stats + i * 10 + 2, &val, 8);
}

static void lend_stats(struct gvdev *d, uint64_t free_bytes)
{
	struct gbuf b = {stats, sizeof(stats), 0};

	put_stat(0, 4, free_bytes); /* VIRTIO_BALLOON_S_MEMFREE */
	put_stat(1, 5, 64u << 20);  /* VIRTIO_BALLOON_S_MEMTOT */
	virtio_submit(d, 2, &b, 1);
}

static uint32_t wanted(struct gvdev *d)
{
	for (unsigned long i = 0; i < 4000000000UL; i++) {
		uint32_t n = vio_read(d, VIO_CONFIG);

		if (n)
			return n;
		for (int k = 0; k < 20000; k++)
			__asm__ volatile("pause");
	}
	return 0;
}

static int inflate(struct gvdev *d, uint32_t n)
{
	uint32_t len;

	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < BATCH ? n - done : BATCH;
		struct gbuf b = {pfns, k * 4, 0};

		for (uint32_t i = 0; i < k; i++)
			pfns[i] =
				(uint32_t)(((uintptr_t)area >> 12) + done + i);
		virtio_submit(d, 0, &b, 1);
		if (virtio_wait(d, 0, &len, 1000000000UL) < 0)
			return -1;
		done += k;
	}
	return 0;
}

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(5, 0);
	uint32_t n, len;

	if (!tap_ok(base != 0, "virtio-balloon device found"))
		return;
	/* VIRTIO_BALLOON_F_STATS_VQ: inflateq, deflateq, statsq */
	if (!tap_ok(virtio_init(&d, base, 1u << 1, 3) == 0,
		    "virtio-balloon initialised with a stats queue"))
		return;
	for (unsigned i = 0; i < AREA; i += 4096)
		area[i] = 1;
	lend_stats(&d, 0x1234567);
	gprintf("touched 16 MiB\n");
	n = wanted(&d);
	tap_ok(n > 0 && n <= PAGES, "the host asks for %u pages", n);
	if (n > PAGES)
		n = PAGES;
	tap_ok(inflate(&d, n) == 0, "%u pages given (inflateq)", n);
	vio_write(&d, VIO_CONFIG + 4, n);
	gprintf("inflated %u\n", n);
	/* the host takes the statistics: the buffer comes back */
	tap_ok(virtio_wait(&d, 2, &len, 4000000000UL) == 0,
	       "the host asks for statistics");
	lend_stats(&d, 777);
	gprintf("stats lent again\n");
	wait_ctrl_alt_del();
}
