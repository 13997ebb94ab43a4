// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The first guest: the boot path works (64-bit entry, zero page with the
 * command line and e820 map), the serial port prints, the boot timer
 * takes its signal, the RTC answers, and the VM powers off.
 */
#include "lib/guest.h"

#define ZP_E820_ENTRIES 0x1e8
#define ZP_CMD_LINE_PTR 0x228
#define ZP_E820_TABLE	0x2d0

static int cmdline_has(const char *word)
{
	uint32_t ptr = *(const uint32_t *)(const void *)(guest_boot_params +
							 ZP_CMD_LINE_PTR);
	const char *s = (const char *)(uintptr_t)ptr;
	size_t n = strlen(word);

	for (; *s; s++) {
		if (memcmp(s, word, n) == 0)
			return 1;
	}
	return 0;
}

static uint64_t e820_ram(void)
{
	uint8_t n = guest_boot_params[ZP_E820_ENTRIES];
	uint64_t total = 0;

	for (uint8_t i = 0; i < n; i++) {
		const uint8_t *e = guest_boot_params + ZP_E820_TABLE + i * 20;
		uint64_t size;
		uint32_t type;

		memcpy(&size, e + 8, 8);
		memcpy(&type, e + 16, 4);
		if (type == 1)
			total += size;
	}
	return total;
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

void guest_main(void)
{
	uint8_t month;

	boottimer_signal();
	tap_ok(1, "guest runs in ring 3 and prints on the serial port");
	tap_ok(cmdline_has("hello-guest"), "command line reached the guest");
	tap_diag("e820 RAM: %lu KiB\n", (unsigned long)(e820_ram() >> 10));
	tap_ok(e820_ram() > (15UL << 20), "e820 map describes the RAM");
	month = cmos(8);
	tap_ok(month >= 1 && month <= 0x12, "CMOS RTC month is %x (BCD)",
	       month);
	tap_ok((cmos(0x0d) & 0x80) != 0, "CMOS RTC battery is good");
}
