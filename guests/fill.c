// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * For bench/overcommit: a guest whose memory holds what many guests of
 * one image hold. From 32 MiB up it fills "common=N" MiB with data every
 * such guest has alike (a page's bytes depend on its place only: the
 * same kernel and libraries in each), then "unique=N" MiB with data of
 * its own ("seed=N"), says "filled", and halts for good. Its command
 * line: "common=192 unique=32 seed=7".
 */
#include "lib/guest.h"

#define ZP_CMD_LINE_PTR 0x228
#define AREA_START	(32ul << 20)
#define AREA_END	(1ul << 30) /* what the guest's page tables map */

/* The number after "@key=" on the command line, or @def. */
static unsigned long arg(const char *key, unsigned long def)
{
	uint32_t ptr = *(const uint32_t *)(const void *)(guest_boot_params +
							 ZP_CMD_LINE_PTR);
	const char *s = (const char *)(uintptr_t)ptr;
	size_t n = strlen(key);

	for (; s && *s; s++) {
		unsigned long v = 0;

		if (memcmp(s, key, n) != 0 || s[n] != '=')
			continue;
		for (s += n + 1; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (unsigned long)(*s - '0');
		return v;
	}
	return def;
}

static void fill(uint64_t *p, unsigned long bytes, uint64_t salt)
{
	for (unsigned long i = 0; i < bytes / 8; i++)
		p[i] = (i / 512 + 1) * 0x9e3779b97f4a7c15ull ^ salt ^ (i & 511);
}

void guest_main(void)
{
	unsigned long common = arg("common", 0) << 20;
	unsigned long unique = arg("unique", 0) << 20;
	unsigned long seed = arg("seed", 1);

	if (common + unique > AREA_END - AREA_START) {
		gprintf("not ok - common + unique above %lu MiB\n",
			(AREA_END - AREA_START) >> 20);
		poweroff();
	}
	fill((uint64_t *)AREA_START, common, 0);
	fill((uint64_t *)(AREA_START + common), unique,
	     (seed + 1) * 0xc2b2ae3d27d4eb4full);
	gprintf("filled %lu MiB alike, %lu MiB own\n", common >> 20,
		unique >> 20);
	halt_forever();
}
