// SPDX-License-Identifier: GPL-2.0-or-later
/* ACPI tables: signatures, checksums, the FADT's registers, the DSDT. */
#include "tests/unit/test.h"
#include "vmm/acpi.h"
#include "vmm/hw/devices.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static const uint8_t *table(struct vm *vm, uint64_t addr, const char *sig)
{
	const uint8_t *t = mem_ptr(&vm->mem, addr, 36);
	uint32_t len;

	if (!t || memcmp(t, sig, 4) != 0)
		return NULL;
	memcpy(&len, t + 4, 4);
	t = mem_ptr(&vm->mem, addr, len);
	return t && sum(t, len) == 0 ? t : NULL;
}

static int contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++) {
		if (memcmp(p + i, s, k) == 0)
			return 1;
	}
	return 0;
}

static void tables_are_consistent(void)
{
	struct vm *vm = vm_create_bare(64 << 20, NULL);
	const uint8_t *rsdp, *xsdt, *fadt, *madt, *dsdt;
	uint64_t rsdp_addr = 0, a, fadt_at, madt_at, dsdt_at;
	uint32_t len, pm1a;

	CHECK(vm != NULL);
	vm->n_vcpus = 3;
	vm->virtio[vm->n_virtio++] = virtio_rng_create(vm, NULL);
	vm->virtio[vm->n_virtio++] =
		virtio_console_create(vm, -1, true, NULL, 0, NULL);
	CHECK(vm->virtio[0] && vm->virtio[1]);
	CHECK_INT_EQ(acpi_write(vm, &rsdp_addr, NULL), 0);
	rsdp = mem_ptr(&vm->mem, rsdp_addr, 36);
	CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0);
	CHECK_INT_EQ(sum(rsdp, 20), 0);
	CHECK_INT_EQ(sum(rsdp, 36), 0);
	memcpy(&a, rsdp + 24, 8);
	xsdt = table(vm, a, "XSDT");
	CHECK(xsdt != NULL);
	memcpy(&fadt_at, xsdt + 36, 8);
	memcpy(&madt_at, xsdt + 44, 8);
	fadt = table(vm, fadt_at, "FACP");
	madt = table(vm, madt_at, "APIC");
	CHECK(fadt && madt);
	memcpy(&pm1a, fadt + 64, 4);
	CHECK_INT_EQ(pm1a, PM1A_CNT_PORT);
	memcpy(&dsdt_at, fadt + 140, 8);
	dsdt = table(vm, dsdt_at, "DSDT");
	CHECK(dsdt != NULL);
	memcpy(&len, dsdt + 4, 4);
	CHECK(contains(dsdt, len, "_S5_"));
	CHECK(contains(dsdt, len, "LNRO0005"));
	CHECK(contains(dsdt, len, "V000") && contains(dsdt, len, "V001"));
	memcpy(&len, madt + 4, 4);
	/* 3 CPUs, IOAPIC, the SCI's source override, NMI */
	CHECK_INT_EQ(len, 44 + 3 * 8 + 12 + 10 + 6);
	/* the override: ISA IRQ 9 -> GSI 9, active high, level */
	{
		const uint8_t *iso = madt + 44 + 3 * 8 + 12;
		uint32_t gsi;

		memcpy(&gsi, iso + 4, 4);
		CHECK(iso[0] == 2 && iso[1] == 10 && iso[3] == 9 && gsi == 9);
		CHECK(iso[8] == 0x0d && iso[9] == 0);
	}
	/* SCI_INT and the fixed power button (PWR_BUTTON flag clear) */
	CHECK(fadt[46] == 9 && fadt[47] == 0);
	CHECK((fadt[112] & (1u << 4)) == 0);
	vm_destroy(vm);
}

int main(void)
{
	RUN(tables_are_consistent);
	return test_done();
}
