// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A guest that stays up until told otherwise, for the daemon's tests: it
 * says "idle guest up" on the serial console, then echoes what it
 * receives there. 'Q' powers it off, 'R' resets it (nido-vmm exits with
 * status 3, a reboot), 'C' makes it fault (an exception powers it off).
 * The ACPI power button powers it off too, as it would a distribution.
 */
#include "lib/guest.h"

#define PORT_LSR (PORT_COM1 + 5)
#define PM1_STS	 0x600
#define PM1_EN	 0x602
#define PWRBTN	 0x0100

static void idle(void)
{
	for (int i = 0; i < 20000; i++)
		__asm__ volatile("pause");
}

static void handle(char c)
{
	if (c == 'Q') {
		serial_puts("\nidle guest: power off\n");
		poweroff();
	}
	if (c == 'R') {
		serial_puts("\nidle guest: reset\n");
		outb(PORT_I8042_CMD, 0xfe);
	}
	if (c == 'C')
		*(volatile uint64_t *)0xdead00000000UL = 1;
	serial_putc(c);
}

void guest_main(void)
{
	boottimer_signal();
	outw(PM1_EN, PWRBTN);
	serial_puts("idle guest up\n");
	for (;;) {
		if (inw(PM1_STS) & PWRBTN) {
			serial_puts("\nidle guest: power button\n");
			poweroff();
		}
		if (inb(PORT_LSR) & 1)
			handle((char)inb(PORT_COM1));
		else
			idle();
	}
}
