// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The boot timer: the guest writes 123 to port 0x3f0 or to the MMIO byte
 * at 0xd0000000 (busybox: `devmem 0xd0000000 8 123`) once its init runs;
 * the VMM logs the time since the process started, as Firecracker does.
 */
#include <errno.h>

#include "lib/log.h"
#include "vmm/hw/devices.h"
#include "vmm/vm.h"

struct boottimer {
	struct vm *vm;
	_Atomic uint64_t us;
};

static void bt_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	struct boottimer *b = dev;
	uint64_t us, zero = 0;

	if (off != 0 || *(const uint8_t *)data != BOOTTIMER_MAGIC)
		return;
	us = (vm_now_ns() - b->vm->start_ns) / 1000;
	if (us == 0)
		us = 1;
	if (atomic_compare_exchange_strong(&b->us, &zero, us))
		log_info("guest boot time: %llu us (%llu ms)",
			 (unsigned long long)us,
			 (unsigned long long)(us / 1000));
}

static void bt_read(void *dev, uint64_t off, void *data, unsigned len)
{
	memset(data, 0, len);
}

static const struct bus_ops boottimer_ops = {
	.read = bt_read,
	.write = bt_write,
};

struct boottimer *boottimer_create(struct vm *vm, uint64_t mmio_addr,
				   struct err **e)
{
	struct boottimer *b = xcalloc(1, sizeof(*b));

	b->vm = vm;
	if (bus_add(&vm->pio, BOOTTIMER_PORT, 1, &boottimer_ops, b,
		    "boot timer", e) < 0 ||
	    bus_add(&vm->mmio, mmio_addr, VM_MMIO_SLOT, &boottimer_ops, b,
		    "boot timer", e) < 0) {
		boottimer_destroy(b);
		return NULL;
	}
	return b;
}

void boottimer_destroy(struct boottimer *b)
{
	free(b);
}

uint64_t boottimer_us(struct boottimer *b)
{
	return atomic_load(&b->us);
}

void boottimer_save(struct boottimer *b, struct state_wr *w)
{
	state_wr_begin(w, STATE_SEC_BOOTTIMER, 0, 0);
	state_put_u64(w, atomic_load(&b->us));
	state_wr_end(w);
}

int boottimer_load(struct boottimer *b, const struct state_sec *sec,
		   struct err **e)
{
	struct state_rd r;
	uint64_t us;

	state_rd_init(&r, sec);
	us = state_get_u64(&r);
	if (!state_rd_done(&r))
		return err_set(e, EINVAL, "section '%s' is malformed",
			       sec->name);
	atomic_store(&b->us, us);
	return 0;
}
