// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Power control: the ACPI PM1a control register at port 0x604 (writing
 * SLP_EN with sleep type 5 -- or 0, as QEMU's -- powers the VM off) and
 * the reset control register at 0xcf9 (bit 2 resets), and the ACPI
 * hardware-reduced sleep control register at 0x608 that the FADT names
 * (SLP_EN with SLP_TYP 5 powers off; 0x609 is the status register).
 * The PM1a event block holds the fixed power button: pm_power_button()
 * sets its status and raises the SCI when the guest enabled it.
 */
#include <errno.h>

#include "vmm/acpi.h"
#include "vmm/hw/devices.h"
#include "vmm/vm.h"

#define PM1_SLP_EN     (1U << 13)
#define PM1_SLP_TYP(v) (((v) >> 10) & 7)
#define PM1_S5	       5
#define RESET_CPU      0x04

#define PM1_PWRBTN (1U << 8) /* power button status / enable */

struct pm {
	struct vm *vm;
	pthread_mutex_t lock; /* vCPU threads and the control socket */
	uint16_t pm1_sts, pm1_en;
	bool gpe_level; /* cpuhp's general-purpose events */
	bool sci_level;
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
 * The SCI follows the enabled status bits: a level-triggered line (IRQ 9,
 * active high by the MADT's override). Lock held.
 */
static void update_sci(struct pm *p)
{
	bool level = (p->pm1_sts & p->pm1_en & PM1_PWRBTN) || p->gpe_level;

	if (level != p->sci_level) {
		p->sci_level = level;
		vm_irq_line(p->vm, ACPI_SCI_IRQ, level);
	}
}

/*
 * PM1a event block (0x600): status (2 bytes, write 1 to clear) and
 * enable (2 bytes). The only event is the power button (PWRBTN, bit 8);
 * the other enable bits the guest sets read back (ACPICA checks them).
 */
static void pm1_evt_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct pm *p = dev;
	uint8_t regs[4];

	pthread_mutex_lock(&p->lock);
	memcpy(regs, &p->pm1_sts, 2);
	memcpy(regs + 2, &p->pm1_en, 2);
	pthread_mutex_unlock(&p->lock);
	memset(data, 0, len);
	if (off < 4)
		memcpy(data, regs + off, MIN(len, 4 - (unsigned)off));
}

static void pm1_evt_write(void *dev, uint64_t off, const void *data,
			  unsigned len)
{
	struct pm *p = dev;
	const uint8_t *b = data;

	pthread_mutex_lock(&p->lock);
	for (unsigned i = 0; i < len && off + i < 4; i++) {
		unsigned at = (unsigned)off + i, shift = 8 * (at % 2);

		if (at < 2)
			p->pm1_sts &= (uint16_t) ~((unsigned)b[i] << shift);
		else
			p->pm1_en = (uint16_t)((p->pm1_en & ~(0xffu << shift)) |
					       ((unsigned)b[i] << shift));
	}
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
}

void pm_power_button(struct pm *p)
{
	pthread_mutex_lock(&p->lock);
	p->pm1_sts |= PM1_PWRBTN;
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
}

void pm_set_gpe_level(struct pm *p, bool level)
{
	pthread_mutex_lock(&p->lock);
	p->gpe_level = level;
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
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
	pthread_mutex_init(&p->lock, NULL);
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
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void pm_save(struct pm *p, struct state_wr *w)
{
	pthread_mutex_lock(&p->lock);
	state_wr_begin(w, STATE_SEC_PM, 0, STATE_SEC_REQUIRED);
	state_put_u16(w, p->pm1_sts);
	state_put_u16(w, p->pm1_en);
	state_put_u8(w, p->sci_level);
	state_wr_end(w);
	pthread_mutex_unlock(&p->lock);
}

int pm_load(struct pm *p, const struct state_sec *sec, struct err **e)
{
	struct state_rd r;
	uint16_t sts, en;
	uint8_t sci;

	state_rd_init(&r, sec);
	sts = state_get_u16(&r);
	en = state_get_u16(&r);
	sci = state_get_u8(&r);
	if (!state_rd_done(&r))
		return err_set(e, EINVAL, "section '%s' is malformed",
			       sec->name);
	pthread_mutex_lock(&p->lock);
	p->pm1_sts = sts;
	p->pm1_en = en;
	p->sci_level = sci != 0;
	pthread_mutex_unlock(&p->lock);
	return 0;
}
