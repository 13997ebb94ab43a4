// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * For the save/restore test (tests/integration/vmm/state.sh): counts
 * forever. Each count rewrites words of a 2 MiB area, keeping their sum
 * as it goes; every 16 counts the whole area is summed again and must
 * agree. Each count writes its number into one of 64 disk sectors and
 * reads back another, which must hold what this guest wrote there (a
 * table in memory says what): memory and disk must stay consistent
 * across a save and restore. Every 64 counts it prints
 * "count N sum S"; on any disagreement "BAD ...", then it stops. A
 * fresh start first takes the table from what the sectors hold (a clone
 * of a disk it wrote; zeroes on a new one) and says "disk holds N", the
 * highest count there.
 */
#include "lib/vblk.h"

#define AREA_WORDS (512 * 1024)
#define SECTORS	   64
#define SPINS	   4000000000UL

static uint32_t area[AREA_WORDS];
static uint64_t on_disk[SECTORS]; /* the count last written to each */
static uint64_t sector[64] __attribute__((aligned(512)));

static void bad(const char *what, unsigned long n)
{
	gprintf("BAD %s at count %lu\n", what, n);
	for (;;)
		__asm__ volatile("pause"); /* ring 3: no hlt */
}

/* Rewrites 4096 words; returns the new sum. */
static uint64_t churn(uint64_t n, uint64_t sum)
{
	uint32_t x = (uint32_t)n * 2654435761u;

	for (unsigned i = 0; i < 4096; i++) {
		uint32_t k;

		x = x * 1664525u + 1013904223u;
		k = x % AREA_WORDS;
		sum -= area[k];
		area[k] = x ^ (uint32_t)n;
		sum += area[k];
	}
	return sum;
}

static uint64_t full_sum(void)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < AREA_WORDS; i++)
		s += area[i];
	return s;
}

/* Writes count @n to its sector, reads back the next and checks it. */
static void disk_round(struct gvdev *d, uint64_t n, uint64_t sum)
{
	unsigned w = n % SECTORS, r = (n + 1) % SECTORS;

	memset(sector, 0, sizeof(sector));
	sector[0] = n;
	sector[1] = sum;
	if (vblk_request(d, VBLK_T_OUT, w, sector, 512, 0, SPINS) != 0)
		bad("disk write", n);
	on_disk[w] = n;
	if (vblk_request(d, VBLK_T_IN, r, sector, 512, 1, SPINS) != 0)
		bad("disk read", n);
	if (sector[0] != on_disk[r])
		bad("disk content", n);
}

/* The table from the disk; returns the highest count found. */
static uint64_t adopt(struct gvdev *d)
{
	uint64_t max = 0;

	for (unsigned s = 0; s < SECTORS; s++) {
		if (vblk_request(d, VBLK_T_IN, s, sector, 512, 1, SPINS) != 0)
			bad("disk read", 0);
		on_disk[s] = sector[0];
		max = sector[0] > max ? sector[0] : max;
	}
	return max;
}

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(2, 0);
	uint64_t sum = 0;

	if (!base || virtio_init(&d, base, 0, 1) != 0)
		bad("no virtio-blk disk", 0);
	gprintf("disk holds %lu\n", (unsigned long)adopt(&d));
	gprintf("counting\n");
	for (uint64_t n = 1;; n++) {
		sum = churn(n, sum);
		if (n % 16 == 0 && full_sum() != sum)
			bad("memory", n);
		disk_round(&d, n, sum);
		if (n % 64 == 0)
			gprintf("count %lu sum %lx\n", (unsigned long)n,
				(unsigned long)sum);
	}
}
