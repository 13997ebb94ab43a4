// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A guest that writes to its serial port as fast as it can and never
 * stops: whoever does not read the console must not stall its vCPU
 * (pause, save and snapshots wait for every vCPU to stop).
 */
#include "lib/guest.h"

void guest_main(void)
{
	for (unsigned long n = 0;; n++)
		gprintf("flood %lu 0123456789abcdefghijklmnopqrstuvwxyz\n", n);
}
