// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vCPU hot add and remove (nido-vmm --cpus 1 --max-cpus 2): the ACPI
 * tables offer a second, online-capable CPU (MADT), a GPE0 block (FADT)
 * and processor devices with the hotplug handler (DSDT); the hotplug
 * registers say vCPU 0 is present and vCPU 1 is not. The guest enables
 * the GPE, routes the SCI to vector 0x40 and, ROUNDS times over, as the
 * DSDT's handler and Linux do: waits for the control socket's
 * "set-vcpus" 2; then vCPU 1 is present and marked added, the GPE's
 * status is set (and the first time the SCI pending); it acknowledges
 * both and starts vCPU 1 with INIT and SIPI: its real-mode code writes a
 * word the guest waits for. It then waits for "set-vcpus" 1: vCPU 1 is
 * marked for removal, the GPE raised; it acknowledges and ejects vCPU 1
 * (_EJ0's write), which is absent at once; the next round's vCPU 1 is
 * the same KVM vCPU, started again from INIT/SIPI. An eject of vCPU 0,
 * which the host did not ask for, changes nothing. It then waits for the
 * power button.
 */
#include "lib/guest.h"

#define ZP_ACPI_RSDP 0x070
#define GPE0_STS     0x620
#define GPE0_EN	     0x621
#define GPE_CPUHP    (1u << 2)
#define CPUHP_REGS   0x640
#define CPU_PRESENT  1u
#define CPU_ADDED    2u
#define CPU_REMOVING 4u
#define CPU_EJECT    8u
#define ROUNDS	     3
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

/* rdtsc; mov [0x8108], eax; mov [0x810c], edx; mov ax, 0x1234;
 * mov [0x8100], ax; 1: hlt; jmp 1b (real mode) */
static const uint8_t ap_code[] = {0x0f, 0x31, 0x66, 0xa3, 0x08, 0x81, 0x66,
				  0x89, 0x16, 0x0c, 0x81, 0xb8, 0x34, 0x12,
				  0xa3, 0x00, 0x81, 0xf4, 0xeb, 0xfd};

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void start_cpu1(void)
{
	volatile uint16_t *flag = (volatile uint16_t *)AP_FLAG;
	volatile uint32_t *ap_tsc = (volatile uint32_t *)(AP_FLAG + 8);
	uint64_t before, after, theirs;
	int i;

	memcpy((void *)AP_CODE, ap_code, sizeof(ap_code));
	*flag = 0;
	barrier();
	before = rdtsc();
	mmio_write32(LAPIC + LAPIC_ICR_HI, 1u << 24);
	mmio_write32(LAPIC + LAPIC_ICR_LO, 0x4500); /* INIT, assert */
	delay();
	mmio_write32(LAPIC + LAPIC_ICR_HI, 1u << 24);
	mmio_write32(LAPIC + LAPIC_ICR_LO, 0x4600 | (AP_CODE >> 12)); /* SIPI */
	for (i = 0; i < 5000 && *flag != 0x1234; i++)
		delay();
	after = rdtsc();
	tap_ok(*flag == 0x1234, "vCPU 1 ran its start-up code (0x%x)",
	       (unsigned)*flag);
	/* the same TSC: what vCPU 1 read falls between our two reads */
	theirs = (uint64_t)ap_tsc[1] << 32 | ap_tsc[0];
	tap_ok(theirs >= before && theirs <= after,
	       "vCPU 1's TSC is in step with vCPU 0's (%llu within %llu..%llu)",
	       (unsigned long long)theirs, (unsigned long long)before,
	       (unsigned long long)after);
}

static void wait_reg(uint8_t bit)
{
	while (!(inb(CPUHP_REGS + 1) & bit))
		delay();
}

/* The host added vCPU 1: acknowledged, and started. */
static void plugged(int round)
{
	int pending = 0;

	/* (a removal asked meanwhile sets bit 2 too) */
	tap_ok((inb(CPUHP_REGS + 1) & 3) == (CPU_PRESENT | CPU_ADDED),
	       "round %d: vCPU 1 is present and marked added", round);
	tap_ok(inb(GPE0_STS) & GPE_CPUHP,
	       "round %d: the hotplug GPE's status is set", round);
	/* the SCI stays in the IRR: this guest takes no interrupt */
	if (round == 0) {
		for (int i = 0; i < 1000 && !pending; i++) {
			pending = lapic_pending(SCI_VECTOR);
			delay();
		}
		tap_ok(pending, "the SCI reached the local APIC (vector 0x40)");
	}
	outb(CPUHP_REGS + 1, CPU_ADDED);
	tap_ok((inb(CPUHP_REGS + 1) & 3) == CPU_PRESENT,
	       "round %d: writing 1 clears the added bit, present stays",
	       round);
	outb(GPE0_STS, GPE_CPUHP);
	tap_ok(inb(GPE0_STS) == 0,
	       "round %d: writing 1 clears the GPE's status", round);
	start_cpu1();
}

/* The host asks for vCPU 1's removal: acknowledged, and ejected. */
static void unplugged(int round)
{
	tap_ok(inb(CPUHP_REGS + 1) == (CPU_PRESENT | CPU_REMOVING),
	       "round %d: vCPU 1 is marked for removal (0x%x)", round,
	       inb(CPUHP_REGS + 1));
	tap_ok(inb(GPE0_STS) & GPE_CPUHP,
	       "round %d: the hotplug GPE's status is set for the removal",
	       round);
	outb(CPUHP_REGS + 1, CPU_REMOVING);
	outb(GPE0_STS, GPE_CPUHP);
	tap_ok(inb(CPUHP_REGS + 1) == CPU_PRESENT && inb(GPE0_STS) == 0,
	       "round %d: the removal and the GPE acknowledged", round);
	outb(CPUHP_REGS + 1, CPU_EJECT);
	tap_ok(inb(CPUHP_REGS + 1) == 0,
	       "round %d: the eject makes vCPU 1 absent at once (0x%x)", round,
	       inb(CPUHP_REGS + 1));
	tap_diag("round %d: vCPU 1 ejected\n", round);
}

void guest_main(void)
{
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
	for (int round = 0; round < ROUNDS; round++) {
		tap_diag("round %d: waiting for a vCPU\n", round);
		wait_reg(CPU_PRESENT);
		plugged(round);
		tap_diag("round %d: waiting for the removal\n", round);
		wait_reg(CPU_REMOVING);
		unplugged(round);
	}
	outb(CPUHP_REGS, CPU_EJECT);
	tap_ok(inb(CPUHP_REGS) == CPU_PRESENT,
	       "an eject of vCPU 0 the host did not ask for changes nothing");
	/* the host looks at the VM, then presses the button */
	outw(PM1_EN, PWRBTN);
	tap_diag("waiting for the power button\n");
	while (!(inw(PM1_STS) & PWRBTN))
		delay();
}
