// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A guest that waits for the host: it polls the keyboard controller
 * until the control socket's "shutdown" presses Ctrl-Alt-Del, then powers
 * off, as a cooperative guest would. The test pauses, resumes and reads
 * statistics meanwhile.
 */
#include "lib/guest.h"

void guest_main(void)
{
	boottimer_signal();
	tap_diag("waiting for ctrl-alt-del\n");
	wait_ctrl_alt_del();
	tap_ok(1, "ctrl-alt-del arrived through the i8042");
}
