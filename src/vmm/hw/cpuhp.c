// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vCPU hot add through ACPI, for a VM whose maximum of vCPUs is above the
 * count it starts with (--max-cpus). Two port ranges, which the DSDT
 * (acpi.c) describes to the guest:
 *
 *   GPE0 block (CPUHP_GPE0_PORT, 2 bytes): status (write 1 to clear) and
 *     enable of general-purpose events 0-7; event CPUHP_GPE is "a vCPU
 *     was added". An enabled event with its status set raises the SCI.
 *   hotplug registers (CPUHP_PORT, one byte per possible vCPU): bit 0,
 *     the vCPU is present (read only); bit 1, it was added and the guest
 *     has not been told yet (write 1 to clear).
 *
 * cpuhp_set_vcpus() creates each new vCPU as at boot (KVM_CREATE_VCPU,
 * CPUID, MSRs, FPU, local APIC), starts its thread (it waits in KVM for
 * INIT/SIPI), marks it present and added, and raises the event. The
 * guest's handler (\_GPE._E02, calling \_SB.CSCN) sends Notify(Cnnn, 1)
 * to each added processor device, whose _STA then reads present: Linux
 * maps it from its _MAT and makes the CPU present, ready to be onlined.
 */
#include <errno.h>

#include "lib/log.h"
#include "vmm/hw/devices.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define CPUHP_PRESENT  (1U << 0)
#define CPUHP_INSERTED (1U << 1)

struct cpuhp {
	struct vm *vm;
	pthread_mutex_t lock; /* vCPU threads and the control socket */
	uint64_t present;     /* bit i: vCPU i exists */
	uint64_t inserted;    /* bit i: added, the guest not yet told */
	uint8_t gpe_sts, gpe_en;
};

static uint64_t low_bits(unsigned n)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

/* The GPE's share of the SCI. Lock held. */
static void update_gpe(struct cpuhp *h)
{
	pm_set_gpe_level(h->vm->pm, (h->gpe_sts & h->gpe_en) != 0);
}

static void gpe_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct cpuhp *h = dev;
	uint8_t regs[CPUHP_GPE0_LEN];

	pthread_mutex_lock(&h->lock);
	regs[0] = h->gpe_sts;
	regs[1] = h->gpe_en;
	pthread_mutex_unlock(&h->lock);
	memset(data, 0, len);
	if (off < CPUHP_GPE0_LEN)
		memcpy(data, regs + off,
		       MIN(len, CPUHP_GPE0_LEN - (unsigned)off));
}

static void gpe_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	struct cpuhp *h = dev;
	const uint8_t *b = data;

	pthread_mutex_lock(&h->lock);
	for (unsigned i = 0; i < len && off + i < CPUHP_GPE0_LEN; i++) {
		if (off + i == 0)
			h->gpe_sts &= (uint8_t)~b[i];
		else
			h->gpe_en = b[i];
	}
	update_gpe(h);
	pthread_mutex_unlock(&h->lock);
}

static void regs_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct cpuhp *h = dev;
	uint8_t *b = data;

	pthread_mutex_lock(&h->lock);
	for (unsigned i = 0; i < len; i++) {
		uint64_t at = off + i;

		b[i] = 0;
		if (at >= VM_MAX_CPUS)
			continue;
		if (h->present >> at & 1)
			b[i] |= CPUHP_PRESENT;
		if (h->inserted >> at & 1)
			b[i] |= CPUHP_INSERTED;
	}
	pthread_mutex_unlock(&h->lock);
}

static void regs_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	struct cpuhp *h = dev;
	const uint8_t *b = data;

	pthread_mutex_lock(&h->lock);
	for (unsigned i = 0; i < len && off + i < VM_MAX_CPUS; i++)
		if (b[i] & CPUHP_INSERTED)
			h->inserted &= ~(1ULL << (off + i));
	pthread_mutex_unlock(&h->lock);
}

static const struct bus_ops gpe_ops = {
	.read = gpe_read,
	.write = gpe_write,
};

static const struct bus_ops regs_ops = {
	.read = regs_read,
	.write = regs_write,
};

struct cpuhp *cpuhp_create(struct vm *vm, struct err **e)
{
	struct cpuhp *h = xcalloc(1, sizeof(*h));

	h->vm = vm;
	h->present = low_bits(vm->n_vcpus);
	pthread_mutex_init(&h->lock, NULL);
	if (bus_add(&vm->pio, CPUHP_GPE0_PORT, CPUHP_GPE0_LEN, &gpe_ops, h,
		    "gpe0", e) < 0 ||
	    bus_add(&vm->pio, CPUHP_PORT, VM_MAX_CPUS, &regs_ops, h, "cpuhp",
		    e) < 0) {
		cpuhp_destroy(h);
		return NULL;
	}
	return h;
}

void cpuhp_destroy(struct cpuhp *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* vCPU @id, created and set up as at boot, then its thread started. */
static int add_vcpu(struct vm *vm, unsigned id, struct err **e)
{
	struct vcpu *v = &vm->vcpus[id];
	int r = vcpu_create(vm, id, v, e);

	if (r == 0)
		r = vcpu_setup(v, e);
	if (r < 0) {
		vcpu_release(v);
		return r;
	}
	/* counted before it runs: a pause waits for it to park */
	pthread_mutex_lock(&vm->pause_lock);
	vm->n_vcpus = id + 1;
	pthread_mutex_unlock(&vm->pause_lock);
	r = vcpu_start(v, e);
	if (r < 0) {
		pthread_mutex_lock(&vm->pause_lock);
		vm->n_vcpus = id;
		pthread_mutex_unlock(&vm->pause_lock);
		vcpu_release(v);
	}
	return r;
}

int cpuhp_set_vcpus(struct vm *vm, unsigned count, struct err **e)
{
	struct cpuhp *h = vm->cpuhp;
	unsigned from = vm->n_vcpus;
	int r = 0;

	if (count < 1 || count > vm->max_vcpus)
		return err_set(e, EINVAL, "%u vCPUs: this VM may have 1 to %u",
			       count, vm->max_vcpus);
	if (count < from)
		return err_set(e, ENOTSUP,
			       "removing vCPUs (hot unplug) is not supported: "
			       "the VM has %u",
			       from);
	if (count == from)
		return 0;
	if (!h)
		return err_set(e, ENOTSUP, "this VM has no vCPU hotplug");
	for (unsigned id = from; r == 0 && id < count; id++) {
		r = add_vcpu(vm, id, e);
		if (r < 0)
			break;
		pthread_mutex_lock(&h->lock);
		h->present |= 1ULL << id;
		h->inserted |= 1ULL << id;
		pthread_mutex_unlock(&h->lock);
		log_info("vCPU %u added", id);
	}
	if (vm->n_vcpus > from) {
		pthread_mutex_lock(&h->lock);
		h->gpe_sts |= 1U << CPUHP_GPE;
		update_gpe(h);
		pthread_mutex_unlock(&h->lock);
	}
	return r;
}

void cpuhp_save(struct cpuhp *h, struct state_wr *w)
{
	pthread_mutex_lock(&h->lock);
	state_wr_begin(w, STATE_SEC_CPUHP, 0, STATE_SEC_REQUIRED);
	state_put_u32(w, h->vm->n_vcpus);
	state_put_u32(w, 0);
	state_put_u64(w, h->inserted);
	state_put_u8(w, h->gpe_sts);
	state_put_u8(w, h->gpe_en);
	state_wr_end(w);
	pthread_mutex_unlock(&h->lock);
}

bool cpuhp_read(const struct state_sec *sec, struct cpuhp_saved *out)
{
	struct state_rd r;

	state_rd_init(&r, sec);
	out->present = state_get_u32(&r);
	state_get_u32(&r);
	out->added = state_get_u64(&r);
	out->gpe_sts = state_get_u8(&r);
	out->gpe_en = state_get_u8(&r);
	return state_rd_done(&r);
}

int cpuhp_load(struct cpuhp *h, const struct state_sec *sec, struct err **e)
{
	struct vm *vm = h->vm;
	struct cpuhp_saved c;

	if (!cpuhp_read(sec, &c))
		return err_set(e, EINVAL, "section '%s' is malformed",
			       sec->name);
	if (c.present < vm->cfg->cpus || c.present > vm->max_vcpus ||
	    c.added & ~low_bits(c.present))
		return err_set(e, EINVAL,
			       "section '%s': %u vCPUs present, the "
			       "configuration has %u to %u",
			       sec->name, c.present, vm->cfg->cpus,
			       vm->max_vcpus);
	pthread_mutex_lock(&h->lock);
	vm->n_vcpus = c.present;
	h->present = low_bits(c.present);
	h->inserted = c.added;
	h->gpe_sts = c.gpe_sts;
	h->gpe_en = c.gpe_en;
	update_gpe(h);
	pthread_mutex_unlock(&h->lock);
	return 0;
}
