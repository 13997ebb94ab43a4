// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ACPI tables (ACPI 6): RSDP, XSDT, FADT (PM1a event and control blocks
 * for S5 power off, reset register, no SMI: ACPI is always on), MADT
 * (local APICs, IOAPIC, NMI) and a DSDT that names \_S5 and describes
 * each virtio-mmio device (LNRO0005: window and interrupt). Linux finds
 * virtio-mmio devices this way without virtio_mmio.device= support in
 * the kernel. A VM that may add vCPUs (hw/cpuhp.c) also gets a GPE0
 * block in the FADT, a MADT entry for every possible vCPU (those not yet
 * there disabled and online-capable), and in the DSDT a processor device
 * (ACPI0007) per possible vCPU, the hotplug registers and the GPE's
 * handler that notifies the processors added or to be removed (each has an
 * _EJ0). Not hardware-reduced ACPI: that
 * would make Linux drop the legacy PIC and with it the ISA interrupts of the
 * serial port, i8042 and RTC.
 */
#include <errno.h>

#include "vmm/acpi.h"
#include "vmm/boot.h"
#include "vmm/hw/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define FADT_LEN      276
#define FADT_F_WBINVD (1U << 0)
#define FADT_F_RESET  (1U << 10)
#define PM1_EVT_LEN   4
#define PM1_CNT_LEN   2
#define BOOT_8042     (1U << 1)
#define BOOT_NO_VGA   (1U << 2)

struct aml {
	uint8_t *b;
	size_t len, cap;
};

static void put(struct aml *a, const void *p, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = MAX(a->cap * 2, a->len + n + 64);
		a->b = xrealloc(a->b, a->cap);
	}
	memcpy(a->b + a->len, p, n);
	a->len += n;
}

static void put8(struct aml *a, uint8_t v)
{
	put(a, &v, 1);
}

static void put32(struct aml *a, uint32_t v)
{
	put(a, &v, 4);
}

/* PkgLength (ACPI 20.2.4): counts itself and what follows. */
static void put_pkg(struct aml *a, const struct aml *body)
{
	size_t n = body->len + 1;

	if (n <= 63) {
		put8(a, (uint8_t)n);
	} else if (n + 1 <= 0xfff) {
		n += 1;
		put8(a, (uint8_t)(0x40 | (n & 0xf)));
		put8(a, (uint8_t)(n >> 4));
	} else {
		n += 2;
		put8(a, (uint8_t)(0x80 | (n & 0xf)));
		put8(a, (uint8_t)(n >> 4));
		put8(a, (uint8_t)(n >> 12));
	}
	put(a, body->b, body->len);
}

static void put_int(struct aml *a, uint32_t v)
{
	if (v == 0 || v == 1) {
		put8(a, (uint8_t)v); /* ZeroOp, OneOp */
	} else if (v <= 0xff) {
		put8(a, 0x0a);
		put8(a, (uint8_t)v);
	} else {
		put8(a, 0x0c);
		put32(a, v);
	}
}

static void put_name(struct aml *a, const char seg[4])
{
	put8(a, 0x08); /* NameOp */
	put(a, seg, 4);
}

/* Name(_CRS, ResourceTemplate() { Memory32Fixed; Interrupt }) */
static void put_crs(struct aml *a, uint32_t base, uint32_t len, uint32_t irq)
{
	struct aml buf = {0}, pkg = {0};
	const uint8_t mem[] = {0x86, 9, 0, 1};	      /* read-write */
	const uint8_t intr[] = {0x89, 6, 0, 0x03, 1}; /* consumer, edge */
	const uint8_t end[] = {0x79, 0};

	put_int(&buf, 12 + 9 + 2);
	put(&buf, mem, sizeof(mem));
	put32(&buf, base);
	put32(&buf, len);
	put(&buf, intr, sizeof(intr));
	put32(&buf, irq);
	put(&buf, end, sizeof(end));
	put_name(a, "_CRS");
	put8(a, 0x11); /* BufferOp */
	put_pkg(a, &buf);
	free(buf.b);
	free(pkg.b);
}

static void put_virtio_dev(struct aml *a, unsigned i, uint64_t addr,
			   unsigned irq)
{
	struct aml body = {0};
	char seg[5];
	const char hid[] = "LNRO0005";

	snprintf(seg, sizeof(seg), "V%03X", i & 0xfff);
	put(&body, seg, 4);
	put_name(&body, "_HID");
	put8(&body, 0x0d); /* StringPrefix */
	put(&body, hid, sizeof(hid));
	put_name(&body, "_UID");
	put_int(&body, i);
	put_crs(&body, (uint32_t)addr, (uint32_t)VM_MMIO_SLOT, irq);
	put8(a, 0x5b); /* ExtOpPrefix */
	put8(a, 0x82); /* DeviceOp */
	put_pkg(a, &body);
	free(body.b);
}

static void put_seg(struct aml *a, char prefix, unsigned i)
{
	char seg[5];

	snprintf(seg, sizeof(seg), "%c%03X", prefix, i & 0xfff);
	put(a, seg, 4);
}

static void put_method(struct aml *a, const char seg[4], uint8_t flags,
		       const struct aml *body)
{
	struct aml m = {0};

	put(&m, seg, 4);
	put8(&m, flags);
	put(&m, body->b, body->len);
	put8(a, 0x14); /* MethodOp */
	put_pkg(a, &m);
	free(m.b);
}

/*
 * Device(Cnnn) { Name(_HID, "ACPI0007"); Name(_UID, n);
 *   Method(_STA) { If (Pnnn) { Return (0x0f) } Return (Zero) }
 *   Name(_MAT, Buffer() { the MADT's local APIC entry, enabled })
 *   Method(_EJ0, 1) { Ennn = One } }
 * Pnnn is the present bit of the vCPU's hotplug register, Ennn its eject
 * bit.
 */
static void put_cpu_dev(struct aml *a, unsigned i)
{
	struct aml body = {0}, sta = {0}, then = {0}, mat = {0}, ej = {0};
	const char hid[] = "ACPI0007";
	const uint8_t lapic[] = {0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0};

	put_seg(&body, 'C', i);
	put_name(&body, "_HID");
	put8(&body, 0x0d); /* StringPrefix */
	put(&body, hid, sizeof(hid));
	put_name(&body, "_UID");
	put_int(&body, i);
	put_seg(&then, 'P', i);
	put8(&then, 0xa4); /* ReturnOp */
	put_int(&then, 0x0f);
	put8(&sta, 0xa0); /* IfOp */
	put_pkg(&sta, &then);
	put8(&sta, 0xa4);
	put_int(&sta, 0);
	put_method(&body, "_STA", 0, &sta);
	put_int(&mat, sizeof(lapic));
	put(&mat, lapic, sizeof(lapic));
	put_name(&body, "_MAT");
	put8(&body, 0x11); /* BufferOp */
	put_pkg(&body, &mat);
	put8(&ej, 0x70); /* StoreOp */
	put8(&ej, 0x01);
	put_seg(&ej, 'E', i);
	put_method(&body, "_EJ0", 1, &ej);
	put8(a, 0x5b); /* ExtOpPrefix */
	put8(a, 0x82); /* DeviceOp */
	put_pkg(a, &body);
	free(body.b);
	free(sta.b);
	free(then.b);
	free(mat.b);
	free(ej.b);
}

/*
 * In \_SB: a processor device per possible vCPU; the hotplug registers
 * (hw/cpuhp.c), one byte each: Pnnn (present), Innn (added) and Rnnn
 * (to be removed), both write 1 to clear, and Ennn (write 1: eject);
 * WriteAsZeros leaves the other bits alone; and CSCN, which clears each
 * Innn set and notifies its processor (device check), and each Rnnn
 * set, notifying an eject request.
 */
/* If (Xnnn) { Xnnn = One; Notify(Cnnn, @code) } */
static void put_scan_bit(struct aml *a, char x, unsigned i, uint8_t code)
{
	struct aml then = {0};

	put_seg(&then, x, i);
	put8(&then, 0x70); /* StoreOp */
	put8(&then, 0x01);
	put_seg(&then, x, i);
	put8(&then, 0x86); /* NotifyOp */
	put_seg(&then, 'C', i);
	put_int(&then, code);
	put8(a, 0xa0); /* IfOp */
	put_pkg(a, &then);
	free(then.b);
}

static void cpuhp_sb(struct aml *a, unsigned max_cpus)
{
	struct aml field = {0}, scan = {0};

	for (unsigned i = 0; i < max_cpus; i++)
		put_cpu_dev(a, i);
	/* OperationRegion(CPHP, SystemIO, CPUHP_PORT, max_cpus) */
	put8(a, 0x5b);
	put8(a, 0x80);
	put(a, "CPHP", 4);
	put8(a, 0x01); /* SystemIO */
	put_int(a, CPUHP_PORT);
	put_int(a, max_cpus);
	/* Field(CPHP, ByteAcc, NoLock, WriteAsZeros)
	 * { Pnnn,1, Innn,1, Rnnn,1, Ennn,1, ,4 } */
	put(&field, "CPHP", 4);
	put8(&field, 0x01 | 2 << 5);
	for (unsigned i = 0; i < max_cpus; i++) {
		static const char bits[] = "PIRE";

		for (unsigned b = 0; b < 4; b++) {
			put_seg(&field, bits[b], i);
			put8(&field, 1);
		}
		put8(&field, 0); /* ReservedField */
		put8(&field, 4);
	}
	put8(a, 0x5b);
	put8(a, 0x81); /* FieldOp */
	put_pkg(a, &field);
	/* Method(CSCN, 0, Serialized) { If (Innn) { Innn = One;
	 * Notify(Cnnn, 1) } If (Rnnn) { Rnnn = One; Notify(Cnnn, 3) }
	 * ... } */
	for (unsigned i = 0; i < max_cpus; i++) {
		put_scan_bit(&scan, 'I', i, 0x01); /* device check */
		put_scan_bit(&scan, 'R', i, 0x03); /* eject request */
	}
	put_method(a, "CSCN", 1 << 3, &scan);
	free(field.b);
	free(scan.b);
}

/* Scope(\_GPE) { Method(_E02) { \_SB.CSCN() } }: the event cpuhp raises. */
static void cpuhp_gpe(struct aml *a)
{
	struct aml scope = {0}, call = {0};
	char name[5];

	put8(&call, '\\');
	put8(&call, 0x2e); /* DualNamePrefix */
	put(&call, "_SB_CSCN", 8);
	put8(&scope, '\\');
	put(&scope, "_GPE", 4);
	snprintf(name, sizeof(name), "_E%02X", CPUHP_GPE);
	put_method(&scope, name, 0, &call);
	put8(a, 0x10); /* ScopeOp */
	put_pkg(a, &scope);
	free(scope.b);
	free(call.b);
}

static void dsdt_body(struct vm *vm, struct aml *a)
{
	struct aml sb = {0}, s5 = {0};

	put8(&sb, '\\');
	put(&sb, "_SB_", 4);
	for (unsigned i = 0; i < vm->n_virtio; i++)
		put_virtio_dev(&sb, i, vm->virtio[i]->addr, vm->virtio[i]->irq);
	if (vm->cpuhp)
		cpuhp_sb(&sb, vm->max_vcpus);
	put8(a, 0x10); /* ScopeOp */
	put_pkg(a, &sb);
	if (vm->cpuhp)
		cpuhp_gpe(a);
	/* Name(\_S5, Package() { 5, 5, 0, 0 }): SLP_TYP for power off. */
	put8(&s5, 4);
	put_int(&s5, ACPI_S5_TYPE);
	put_int(&s5, ACPI_S5_TYPE);
	put_int(&s5, 0);
	put_int(&s5, 0);
	put_name(a, "_S5_");
	put8(a, 0x12); /* PackageOp */
	put_pkg(a, &s5);
	free(sb.b);
	free(s5.b);
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return (uint8_t)-s;
}

/* The common 36-byte header; the checksum is set by finish(). */
static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	memcpy(t + 4, &len, 4);
	t[8] = rev;
	memcpy(t + 10, "NIDO  ", 6);
	memcpy(t + 16, "NIDOVMM ", 8);
	t[24] = 1;
	memcpy(t + 28, "NIDO", 4);
	t[32] = 1;
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = checksum(t, len);
}

static void gas_io(uint8_t *g, uint16_t port, uint8_t bits)
{
	g[0] = 1; /* system I/O */
	g[1] = bits;
	g[2] = 0;
	g[3] = 1; /* byte access */
	memset(g + 4, 0, 8);
	memcpy(g + 4, &port, 2);
}

static void fadt(uint8_t *t, uint64_t dsdt, bool gpe)
{
	uint32_t flags = FADT_F_WBINVD | FADT_F_RESET;
	uint16_t sci = ACPI_SCI_IRQ, boot = BOOT_8042 | BOOT_NO_VGA;
	uint32_t dsdt32 = (uint32_t)dsdt, evt = PM1A_EVT_PORT;
	uint32_t cnt = PM1A_CNT_PORT;

	header(t, "FACP", FADT_LEN, 6);
	memcpy(t + 40, &dsdt32, 4);
	memcpy(t + 46, &sci, 2);
	/* SMI_CMD 0: ACPI is always on, SCI_EN reads 1 (hw/pm.c). */
	memcpy(t + 56, &evt, 4);
	memcpy(t + 64, &cnt, 4);
	t[88] = PM1_EVT_LEN;
	t[89] = PM1_CNT_LEN;
	t[108] = 0x32; /* RTC century register */
	memcpy(t + 109, &boot, 2);
	memcpy(t + 112, &flags, 4);
	gas_io(t + 116, RESET_PORT, 8);
	t[128] = 0x06; /* reset the CPU */
	t[131] = 0;    /* minor version */
	memcpy(t + 140, &dsdt, 8);
	gas_io(t + 148, PM1A_EVT_PORT, 8 * PM1_EVT_LEN);
	gas_io(t + 172, PM1A_CNT_PORT, 8 * PM1_CNT_LEN);
	t[148 + 3] = 2; /* word access */
	t[172 + 3] = 2;
	if (gpe) {
		uint32_t gpe0 = CPUHP_GPE0_PORT;

		memcpy(t + 80, &gpe0, 4);
		t[92] = CPUHP_GPE0_LEN;
		gas_io(t + 220, CPUHP_GPE0_PORT, 8 * CPUHP_GPE0_LEN);
	}
	finish(t, FADT_LEN);
}

/* Every possible vCPU has an entry: the first @n_cpus enabled, the rest
 * online-capable (ACPI 6.3; MADT revision 5), for a hot add. */
static uint32_t madt(uint8_t *t, unsigned n_cpus, unsigned max_cpus)
{
	uint32_t len = 44, lapic = (uint32_t)VM_LAPIC_ADDR, pcat = 1;
	uint32_t ioapic = (uint32_t)VM_IOAPIC_ADDR, gsi_base = 0;

	for (unsigned i = 0; i < max_cpus; i++, len += 8) {
		uint8_t *e = t + len;

		e[0] = 0; /* processor local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i;
		e[3] = (uint8_t)i;
		e[4] = i < n_cpus ? 1 : 2; /* enabled, online-capable */
	}
	t[len] = 1; /* IOAPIC */
	t[len + 1] = 12;
	t[len + 2] = (uint8_t)max_cpus;
	memcpy(t + len + 4, &ioapic, 4);
	memcpy(t + len + 8, &gsi_base, 4);
	len += 12;
	/* the SCI: level-triggered, active high, as KVM_IRQ_LINE drives it */
	t[len] = 2; /* interrupt source override */
	t[len + 1] = 10;
	t[len + 2] = 0; /* ISA */
	t[len + 3] = ACPI_SCI_IRQ;
	t[len + 4] = ACPI_SCI_IRQ; /* GSI, 4 bytes */
	t[len + 8] = 0x0d;	   /* flags: active high (01), level (11) */
	len += 10;
	t[len] = 4; /* local APIC NMI: all processors, LINT1 */
	t[len + 1] = 6;
	t[len + 2] = 0xff;
	t[len + 5] = 1;
	len += 6;
	header(t, "APIC", len, 5);
	memcpy(t + 36, &lapic, 4);
	memcpy(t + 40, &pcat, 4);
	finish(t, len);
	return len;
}

int acpi_write(struct vm *vm, uint64_t *rsdp_addr, struct err **e)
{
	struct aml dsdt = {0};
	uint64_t base = ACPI_TABLES_ADDR, xsdt, fadt_at, madt_at, dsdt_at;
	uint64_t limit = BOOT_MPTABLE_ADDR;
	uint8_t *p;
	uint32_t len;

	dsdt_body(vm, &dsdt);
	p = mem_ptr(&vm->mem, base, limit - base);
	if (!p || dsdt.len + 36 + FADT_LEN + 1024 + 44 + 36 > limit - base) {
		free(dsdt.b);
		return err_set(e, ENOSPC, "ACPI tables do not fit");
	}
	memset(p, 0, limit - base);
	/* RSDP at base, XSDT at +64, FADT, MADT, DSDT, 64-byte aligned. */
	xsdt = base + 64;
	fadt_at = xsdt + 64;
	madt_at = fadt_at + 320;
	dsdt_at = madt_at + 1024;
	fadt(mem_ptr(&vm->mem, fadt_at, FADT_LEN), dsdt_at, vm->cpuhp != NULL);
	madt(mem_ptr(&vm->mem, madt_at, 1024), vm->n_vcpus, vm->max_vcpus);
	header(mem_ptr(&vm->mem, dsdt_at, 36), "DSDT",
	       (uint32_t)(36 + dsdt.len), 2);
	mem_write(&vm->mem, dsdt_at + 36, dsdt.b, dsdt.len);
	finish(mem_ptr(&vm->mem, dsdt_at, 36 + dsdt.len),
	       (uint32_t)(36 + dsdt.len));
	free(dsdt.b);

	len = 36 + 2 * 8;
	p = mem_ptr(&vm->mem, xsdt, len);
	header(p, "XSDT", len, 1);
	memcpy(p + 36, &fadt_at, 8);
	memcpy(p + 44, &madt_at, 8);
	finish(p, len);

	p = mem_ptr(&vm->mem, base, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "NIDO  ", 6);
	p[15] = 2; /* ACPI 2.0+ */
	len = 36;
	memcpy(p + 20, &len, 4);
	memcpy(p + 24, &xsdt, 8);
	p[8] = checksum(p, 20);
	p[32] = checksum(p, 36);
	*rsdp_addr = base;
	return 0;
}
