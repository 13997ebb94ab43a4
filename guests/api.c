// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A guest that waits for the host: it polls the keyboard controller
 * until the control socket's "shutdown" presses Ctrl-Alt-Del, then powers
 * off, as a cooperative guest would. The test pauses, resumes and reads
 * statistics meanwhile.
 */
#include "lib/guest.h"

static void delay(void)
{
	for (int i = 0; i < 20000; i++)
		__asm__ volatile("pause");
}

void guest_main(void)
{
	uint8_t seen[3] = {0, 0, 0};

	boottimer_signal();
	tap_diag("waiting for ctrl-alt-del\n");
	for (;;) {
		if (inb(PORT_I8042_CMD) & 1) {
			seen[0] = seen[1];
			seen[1] = seen[2];
			seen[2] = inb(0x60);
			/* Set 1 make codes: Ctrl, Alt, then E0 53 (Delete). */
			if (seen[0] == 0x38 && seen[1] == 0xe0 &&
			    seen[2] == 0x53)
				break;
		}
		delay();
	}
	tap_ok(1, "ctrl-alt-del arrived through the i8042");
}
