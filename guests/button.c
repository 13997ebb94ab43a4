// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ACPI power button: the guest enables it in the PM1a event block,
 * routes the SCI (IRQ 9, level, active high as the MADT overrides it) to
 * vector 0x40 through the IOAPIC, and waits with interrupts off for the
 * control socket's "power-button". Then the status bit is set, the SCI
 * is pending in the local APIC, and writing 1 clears the status.
 */
#include "lib/guest.h"

#define PM1_STS	   0x600
#define PM1_EN	   0x602
#define PWRBTN	   0x0100
#define SCI_VECTOR 0x40
#define SCI_GSI	   9

void guest_main(void)
{
	int pending = 0;

	boottimer_signal();
	sci_route(SCI_GSI, SCI_VECTOR);
	outw(PM1_EN, PWRBTN);
	tap_ok(inw(PM1_EN) == PWRBTN, "the power button is enabled");
	tap_ok((inw(PM1_STS) & PWRBTN) == 0 && !lapic_pending(SCI_VECTOR),
	       "no press, no SCI yet");
	tap_diag("waiting for the power button\n");
	while (!(inw(PM1_STS) & PWRBTN))
		delay();
	tap_ok(1, "the power button's status bit is set");
	for (int i = 0; i < 1000 && !(pending = lapic_pending(SCI_VECTOR)); i++)
		delay();
	tap_ok(pending, "the SCI reached the local APIC (vector 0x40)");
	outw(PM1_STS, PWRBTN);
	tap_ok((inw(PM1_STS) & PWRBTN) == 0, "writing 1 clears the status");
}
