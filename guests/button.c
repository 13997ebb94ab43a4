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
#define IOAPIC	   0xfec00000UL
#define LAPIC	   0xfee00000UL
#define LAPIC_SVR  0xf0
#define LAPIC_IRR  0x200
#define SCI_VECTOR 0x40
#define SCI_GSI	   9

static void delay(void)
{
	for (int i = 0; i < 20000; i++)
		__asm__ volatile("pause");
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC, reg);
	mmio_write32(IOAPIC + 0x10, v);
}

/* The vector's bit in the local APIC's interrupt request register. */
static int sci_pending(void)
{
	uint32_t irr =
		mmio_read32(LAPIC + LAPIC_IRR + 0x10 * (SCI_VECTOR / 32));

	return (irr >> (SCI_VECTOR % 32)) & 1;
}

void guest_main(void)
{
	int pending = 0;

	boottimer_signal();
	mmio_write32(LAPIC + LAPIC_SVR, 0x1ff); /* enabled, spurious 0xff */
	/* fixed delivery to APIC 0, active high, level, unmasked */
	ioapic_write(0x10 + 2 * SCI_GSI, SCI_VECTOR | 1u << 15);
	ioapic_write(0x11 + 2 * SCI_GSI, 0);
	outw(PM1_EN, PWRBTN);
	tap_ok(inw(PM1_EN) == PWRBTN, "the power button is enabled");
	tap_ok((inw(PM1_STS) & PWRBTN) == 0 && !sci_pending(),
	       "no press, no SCI yet");
	tap_diag("waiting for the power button\n");
	while (!(inw(PM1_STS) & PWRBTN))
		delay();
	tap_ok(1, "the power button's status bit is set");
	for (int i = 0; i < 1000 && !(pending = sci_pending()); i++)
		delay();
	tap_ok(pending, "the SCI reached the local APIC (vector 0x40)");
	outw(PM1_STS, PWRBTN);
	tap_ok((inw(PM1_STS) & PWRBTN) == 0, "writing 1 clears the status");
}
