// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Power control: the ACPI PM1a control register at port 0x604 (writing
 * SLP_EN with sleep type 5 -- or 0, as QEMU's -- powers the VM off) and
 * the reset control register at 0xcf9 (bit 2 resets), and the ACPI
 * hardware-reduced sleep control register at 0x608 that the FADT names
 * (SLP_EN with SLP_TYP 5 powers off; 0x609 is the status register).
 */
#include <errno.h>

#include "vmm/acpi.h"
#include "vmm/hw/devices.h"
#include "vmm/vm.h"

#define PM1_SLP_EN     (1U << 13)
#define PM1_SLP_TYP(v) (((v) >> 10) & 7)
#define PM1_S5	       5
#define RESET_CPU      0x04

struct pm {
	struct vm *vm;
	_Atomic uint16_t pm1_enable;
};

static void pm1_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	struct pm *p = dev;
	uint16_t v = 0;

	if (off != 0 || len < 2)
		return;
	memcpy(&v, data, 2);
	if ((v & PM1_SLP_EN) &&
	    (PM1_SLP_TYP(v) == PM1_S5 || PM1_SLP_TYP(v) == 0))
		vm_request_exit(p->vm, VM_EXIT_POWEROFF, NULL);
}

/* SCI_EN always set: ACPI mode is on from the start (no SMI_CMD). */
static void pm1_read(void *dev, uint64_t off, void *data, unsigned len)
{
	memset(data, 0, len);
	if (off == 0)
		*(uint8_t *)data = 1;
}

/*
 * PM1a status (0x600) and enable (0x602): no event ever fires, but the
 * enable bits the guest sets read back (ACPICA checks GBL_EN, RTC_EN).
 */
static void pm1_evt_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct pm *p = dev;

	uint16_t v = atomic_load(&p->pm1_enable);

	memset(data, 0, len);
	if (off == 2 && len <= 2)
		memcpy(data, &v, len);
}

static void pm1_evt_write(void *dev, uint64_t off, const void *data,
			  unsigned len)
{
	struct pm *p = dev;

	uint16_t v = 0;

	if (off == 2 && len <= 2) {
		memcpy(&v, data, len);
		atomic_store(&p->pm1_enable, v);
	}
}

static const struct bus_ops pm1_evt_ops = {
	.read = pm1_evt_read,
	.write = pm1_evt_write,
};

static void reset_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	struct pm *p = dev;

	if (*(const uint8_t *)data & RESET_CPU)
		vm_request_exit(p->vm, VM_EXIT_REBOOT, NULL);
}

static void reset_read(void *dev, uint64_t off, void *data, unsigned len)
{
	memset(data, 0, len);
}

static const struct bus_ops pm1_ops = {
	.read = pm1_read,
	.write = pm1_write,
};

static const struct bus_ops reset_ops = {
	.read = reset_read,
	.write = reset_write,
};

struct pm *pm_create(struct vm *vm, struct err **e)
{
	struct pm *p = xcalloc(1, sizeof(*p));

	p->vm = vm;
	if (bus_add(&vm->pio, PM1A_CNT_PORT, 2, &pm1_ops, p, "pm1a_cnt", e) <
		    0 ||
	    bus_add(&vm->pio, RESET_PORT, 1, &reset_ops, p, "reset", e) < 0 ||
	    bus_add(&vm->pio, PM1A_EVT_PORT, 4, &pm1_evt_ops, p, "pm1a_evt",
		    e) < 0) {
		pm_destroy(p);
		return NULL;
	}
	return p;
}

void pm_destroy(struct pm *p)
{
	free(p);
}
