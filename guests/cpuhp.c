// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vCPU hot add (nido-vmm --cpus 1 --max-cpus 2): the ACPI tables offer a
 * second, online-capable CPU (MADT), a GPE0 block (FADT) and processor
 * devices with the hotplug handler (DSDT); the hotplug registers say
 * vCPU 0 is present and vCPU 1 is not. The guest enables the GPE, routes
 * the SCI to vector 0x40 and waits for the control socket's "set-vcpus".
 * Then vCPU 1 is present and marked added, the GPE's status is set and
 * the SCI pending; the guest acknowledges both, as the DSDT's handler
 * does, and starts vCPU 1 with INIT and SIPI: its real-mode code writes
 * a word the guest waits for. It then waits for the power button.
 */
#include "lib/guest.h"

#define ZP_ACPI_RSDP 0x070
#define GPE0_STS     0x620
#define GPE0_EN	     0x621
#define GPE_CPUHP    (1u << 2)
#define CPUHP_REGS   0x640
#define CPU_PRESENT  1u
#define CPU_ADDED    2u
#define LAPIC	     0xfee00000UL
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define SCI_VECTOR   0x40
#define SCI_GSI	     9
#define AP_CODE	     0x8000UL /* SIPI vector 0x08 */
#define AP_FLAG	     0x8100UL
#define PM1_STS	     0x600
#define PM1_EN	     0x602
#define PWRBTN	     0x0100

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static const uint8_t *ptr64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return (const uint8_t *)(uintptr_t)v;
}

static const uint8_t *find_table(const char sig[4])
{
	const uint8_t *rsdp = ptr64(guest_boot_params + ZP_ACPI_RSDP);
	const uint8_t *xsdt = ptr64(rsdp + 24);
	uint32_t n = (rd32(xsdt + 4) - 36) / 8;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = ptr64(xsdt + 36 + 8 * i);

		if (memcmp(t, sig, 4) == 0)
			return t;
	}
	return NULL;
}

static int has_bytes(const uint8_t *p, uint32_t len, const char *s)
{
	size_t n = strlen(s);

	for (uint32_t i = 0; i + n <= len; i++)
		if (memcmp(p + i, s, n) == 0)
			return 1;
	return 0;
}

static void check_tables(void)
{
	const uint8_t *madt = find_table("APIC"), *fadt = find_table("FACP");
	const uint8_t *dsdt = fadt ? ptr64(fadt + 140) : NULL;
	unsigned n_lapic = 0, flags[2] = {0, 0};

	tap_ok(madt && fadt && dsdt, "the MADT, FADT and DSDT are there");
	if (!madt || !dsdt)
		return;
	for (uint32_t at = 44; at + 2 <= rd32(madt + 4); at += madt[at + 1]) {
		if (madt[at + 1] < 2)
			break;
		if (madt[at] == 0 && n_lapic < 2)
			flags[n_lapic] = rd32(madt + at + 4);
		n_lapic += madt[at] == 0;
	}
	tap_ok(n_lapic == 2, "the MADT has 2 local APICs (got %u)", n_lapic);
	tap_ok(flags[0] == 1 && flags[1] == 2,
	       "CPU 0 enabled, CPU 1 online-capable (flags %u, %u)", flags[0],
	       flags[1]);
	tap_ok(rd32(fadt + 80) == GPE0_STS && fadt[92] == 2,
	       "the FADT's GPE0 block is at 0x%x, %u bytes", rd32(fadt + 80),
	       fadt[92]);
	tap_ok(has_bytes(dsdt, rd32(dsdt + 4), "ACPI0007") &&
		       has_bytes(dsdt, rd32(dsdt + 4), "C001") &&
		       has_bytes(dsdt, rd32(dsdt + 4), "_E02") &&
		       has_bytes(dsdt, rd32(dsdt + 4), "CSCN"),
	       "the DSDT has the processor devices and the GPE handler");
}

/* mov ax, 0x1234; mov [0x8100], ax; 1: hlt; jmp 1b (real mode) */
static const uint8_t ap_code[] = {0xb8, 0x34, 0x12, 0xa3, 0x00,
				  0x81, 0xf4, 0xeb, 0xfd};

static void start_cpu1(void)
{
	volatile uint16_t *flag = (volatile uint16_t *)AP_FLAG;
	int i;

	memcpy((void *)AP_CODE, ap_code, sizeof(ap_code));
	*flag = 0;
	barrier();
	mmio_write32(LAPIC + LAPIC_ICR_HI, 1u << 24);
	mmio_write32(LAPIC + LAPIC_ICR_LO, 0x4500); /* INIT, assert */
	delay();
	mmio_write32(LAPIC + LAPIC_ICR_HI, 1u << 24);
	mmio_write32(LAPIC + LAPIC_ICR_LO, 0x4600 | (AP_CODE >> 12)); /* SIPI */
	for (i = 0; i < 5000 && *flag != 0x1234; i++)
		delay();
	tap_ok(*flag == 0x1234, "vCPU 1 ran its start-up code (0x%x)",
	       (unsigned)*flag);
}

void guest_main(void)
{
	int pending = 0;

	boottimer_signal();
	check_tables();
	tap_ok(inb(CPUHP_REGS) == CPU_PRESENT && inb(CPUHP_REGS + 1) == 0,
	       "vCPU 0 present, vCPU 1 not (0x%x, 0x%x)", inb(CPUHP_REGS),
	       inb(CPUHP_REGS + 1));
	sci_route(SCI_GSI, SCI_VECTOR);
	outb(GPE0_EN, GPE_CPUHP);
	tap_ok(inb(GPE0_EN) == GPE_CPUHP && inb(GPE0_STS) == 0 &&
		       !lapic_pending(SCI_VECTOR),
	       "the hotplug GPE is enabled, not raised");
	tap_diag("waiting for a vCPU\n");
	while (!(inb(CPUHP_REGS + 1) & CPU_PRESENT))
		delay();
	tap_ok(inb(CPUHP_REGS + 1) == (CPU_PRESENT | CPU_ADDED),
	       "vCPU 1 is present and marked added");
	tap_ok(inb(GPE0_STS) & GPE_CPUHP, "the hotplug GPE's status is set");
	for (int i = 0; i < 1000 && !(pending = lapic_pending(SCI_VECTOR)); i++)
		delay();
	tap_ok(pending, "the SCI reached the local APIC (vector 0x40)");
	outb(CPUHP_REGS + 1, CPU_ADDED);
	tap_ok(inb(CPUHP_REGS + 1) == CPU_PRESENT,
	       "writing 1 clears the added bit, present stays");
	outb(GPE0_STS, GPE_CPUHP);
	tap_ok(inb(GPE0_STS) == 0, "writing 1 clears the GPE's status");
	start_cpu1();
	/* the host looks at the VM with 2 vCPUs, then presses the button */
	outw(PM1_EN, PWRBTN);
	tap_diag("waiting for the power button\n");
	while (!(inw(PM1_STS) & PWRBTN))
		delay();
}
