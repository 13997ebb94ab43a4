// SPDX-License-Identifier: GPL-2.0-or-later
/* ACPI tables: signatures, checksums, the FADT's registers, the DSDT. */
#include <stdlib.h>

#include "lib/file.h"
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
	vm->max_vcpus = 3;
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

/* The DSDT through iasl's disassembler, when it is installed: the AML is
 * well formed and names what the hotplug handler needs. */
static void disassemble(const uint8_t *dsdt, uint32_t len)
{
	char dir[] = "/tmp/nido-acpi-XXXXXX", cmd[256], path[64];
	_cleanup_free_ char *dsl = NULL;
	size_t n = 0;
	FILE *f;

	if (system("command -v iasl >/dev/null 2>&1") != 0) {
		printf("# no iasl: the DSDT is not disassembled\n");
		return;
	}
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
	f = fopen(path, "wb");
	CHECK(f && fwrite(dsdt, 1, len, f) == len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d dsdt.dat >log 2>&1", dir);
	CHECK_INT_EQ(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/dsdt.dsl", dir);
	CHECK_INT_EQ(file_read_all(path, 1 << 20, &dsl, &n, NULL), 0);
	CHECK(strstr(dsl, "Device (C001)") && strstr(dsl, "\"ACPI0007\""));
	CHECK(strstr(dsl, "Method (_E02") && strstr(dsl, "\\_SB.CSCN ()"));
	CHECK(strstr(dsl, "Notify (C001, One)"));
	/* hot remove: an eject request per vCPU, and its _EJ0 */
	CHECK(strstr(dsl, "Notify (C001, 0x03)"));
	CHECK(strstr(dsl, "Method (_EJ0, 1"));
	CHECK(strstr(dsl, "E001 = One"));
	CHECK(strstr(dsl,
		     "OperationRegion (CPHP, SystemIO, 0x00000640, 0x02)"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT_EQ(system(cmd), 0);
}

/* --max-cpus above --cpus: every possible CPU in the MADT, the GPE0
 * block in the FADT, processor devices and the GPE handler in the DSDT. */
static void hotplug_tables(void)
{
	struct vm *vm = vm_create_bare(64 << 20, NULL);
	const uint8_t *rsdp, *xsdt, *fadt, *madt, *dsdt;
	uint64_t rsdp_addr = 0, a;
	uint32_t len, gpe0;

	CHECK(vm != NULL);
	vm->max_vcpus = 2;
	vm->pm = pm_create(vm, NULL);
	vm->cpuhp = cpuhp_create(vm, NULL);
	CHECK(vm->pm && vm->cpuhp);
	CHECK_INT_EQ(acpi_write(vm, &rsdp_addr, NULL), 0);
	rsdp = mem_ptr(&vm->mem, rsdp_addr, 36);
	memcpy(&a, rsdp + 24, 8);
	xsdt = table(vm, a, "XSDT");
	CHECK(xsdt != NULL);
	memcpy(&a, xsdt + 36, 8);
	fadt = table(vm, a, "FACP");
	memcpy(&a, xsdt + 44, 8);
	madt = table(vm, a, "APIC");
	CHECK(fadt && madt);
	memcpy(&gpe0, fadt + 80, 4);
	CHECK(gpe0 == CPUHP_GPE0_PORT && fadt[92] == CPUHP_GPE0_LEN);
	CHECK(fadt[220] == 1 && fadt[221] == 16); /* X_GPE0_BLK: I/O */
	/* CPU 0 enabled, CPU 1 online-capable; the IOAPIC's ID after both */
	CHECK(madt[8] == 5);
	CHECK(madt[44] == 0 && madt[46] == 0 && madt[48] == 1);
	CHECK(madt[52] == 0 && madt[54] == 1 && madt[56] == 2);
	CHECK(madt[60] == 1 && madt[62] == 2);
	memcpy(&a, fadt + 140, 8);
	dsdt = table(vm, a, "DSDT");
	CHECK(dsdt != NULL);
	memcpy(&len, dsdt + 4, 4);
	disassemble(dsdt, len);
	vm_destroy(vm);
}

int main(void)
{
	RUN(tables_are_consistent);
	RUN(hotplug_tables);
	return test_done();
}
