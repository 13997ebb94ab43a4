// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vCPU hot add and hot remove through ACPI, for a VM whose maximum of
 * vCPUs is above the count it starts with (--max-cpus). Two port ranges,
 * which the DSDT (acpi.c) describes to the guest:
 *
 *   GPE0 block (CPUHP_GPE0_PORT, 2 bytes): status (write 1 to clear) and
 *     enable of general-purpose events 0-7; event CPUHP_GPE is "a vCPU
 *     was added or is to be removed". An enabled event with its status
 *     set raises the SCI.
 *   hotplug registers (CPUHP_PORT, one byte per possible vCPU): bit 0,
 *     the vCPU is present (read only); bit 1, it was added and the guest
 *     has not been told yet (write 1 to clear); bit 2, the host asks for
 *     its removal and the guest has not been told yet (write 1 to
 *     clear); bit 3, write 1: the guest ejects it (_EJ0), reads 0.
 *
 * Adding: cpuhp_set_vcpus() creates each new vCPU as at boot
 * (KVM_CREATE_VCPU, CPUID, MSRs, FPU, local APIC), starts its thread (it
 * waits in KVM for INIT/SIPI), marks it present and added, and raises
 * the event. The guest's handler (\_GPE._E02, calling \_SB.CSCN) sends
 * Notify(Cnnn, 1) to each added processor device, whose _STA then reads
 * present: Linux maps it from its _MAT and makes the CPU present, ready
 * to be onlined.
 *
 * Removing (from the highest vCPU down, vCPU 0 never): the vCPU is
 * marked for removal and the event raised; CSCN sends Notify(Cnnn, 3),
 * an eject request: Linux offlines the CPU and calls its _EJ0, whose
 * write here makes the vCPU absent at once (the _STA Linux reads right
 * after says so) and wakes the loop's thread, which ends the vCPU's
 * thread. KVM cannot destroy a vCPU: its fd stays for a later add. A
 * guest that never ejects keeps the vCPU, the request pending.
 */
#include <errno.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "vmm/api.h"
#include "vmm/hw/devices.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define CPUHP_PRESENT  (1U << 0)
#define CPUHP_INSERTED (1U << 1)
#define CPUHP_REMOVING (1U << 2)
#define CPUHP_EJECT    (1U << 3)

/*
 * Bit i of each mask is vCPU i. vm->n_vcpus counts the vCPUs whose
 * thread runs: those present and those ejected whose thread has not
 * ended yet (threads end from the top, so the count stays a prefix).
 */
struct cpuhp {
	struct vm *vm;
	pthread_mutex_t lock; /* vCPU threads and the control socket */
	uint64_t present;     /* the guest sees the vCPU */
	uint64_t inserted;    /* added, the guest not yet told */
	uint64_t unplug;      /* removal asked for, not yet ejected */
	uint64_t removing;    /* removal asked for, the guest not yet told */
	uint64_t ejected;     /* ejected, its thread still to end */
	uint64_t gen;	      /* counts the changes of present */
	uint8_t gpe_sts, gpe_en;
	struct loop_source *wake; /* ends ejected vCPUs' threads */
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
		if (h->removing >> at & 1)
			b[i] |= CPUHP_REMOVING;
	}
	pthread_mutex_unlock(&h->lock);
}

unsigned cpuhp_present(struct vm *vm)
{
	return cpuhp_present_gen(vm, NULL);
}

unsigned cpuhp_present_gen(struct vm *vm, uint64_t *gen)
{
	struct cpuhp *h = vm->cpuhp;
	unsigned n;

	if (!h) {
		if (gen)
			*gen = 0;
		return vm->n_vcpus;
	}
	pthread_mutex_lock(&h->lock);
	n = (unsigned)__builtin_popcountll(h->present);
	if (gen)
		*gen = h->gen;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* _EJ0 of vCPU @id. Lock held; true when its thread is to end. */
static bool eject(struct cpuhp *h, unsigned id)
{
	uint64_t bit = 1ULL << id;

	/* only what the host asked to remove: never the guest alone */
	if (!(h->unplug & bit) || !(h->present & bit)) {
		log_info("vCPU %u: the guest ejects it unasked; ignored", id);
		return false;
	}
	h->unplug &= ~bit;
	h->removing &= ~bit;
	h->inserted &= ~bit;
	h->present &= ~bit;
	h->gen++;
	h->ejected |= bit;
	log_info("vCPU %u ejected by the guest", id);
	return true;
}

static void regs_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	struct cpuhp *h = dev;
	const uint8_t *b = data;
	bool wake = false;

	pthread_mutex_lock(&h->lock);
	for (unsigned i = 0; i < len && off + i < VM_MAX_CPUS; i++) {
		uint64_t bit = 1ULL << (off + i);

		if (b[i] & CPUHP_INSERTED)
			h->inserted &= ~bit;
		if (b[i] & CPUHP_REMOVING)
			h->removing &= ~bit;
		if (b[i] & CPUHP_EJECT)
			wake |= eject(h, (unsigned)(off + i));
	}
	pthread_mutex_unlock(&h->lock);
	if (wake && h->wake)
		loop_wake(h->vm->loop);
}

/*
 * The loop's thread: ends the threads of the ejected vCPUs at the top,
 * one at a time, so that vCPUs 0 to n_vcpus - 1 keep running.
 */
static void retire_ejected(struct loop *l, void *opaque)
{
	struct cpuhp *h = opaque;
	struct vm *vm = h->vm;
	char ev[128];
	uint64_t gen;
	unsigned n;

	(void)l;
	for (;;) {
		unsigned top = vm->n_vcpus - 1;
		uint64_t bit = 1ULL << top;
		bool gone;

		pthread_mutex_lock(&h->lock);
		gone = top > 0 && (h->ejected & bit);
		h->ejected &= ~(gone ? bit : 0);
		pthread_mutex_unlock(&h->lock);
		if (!gone)
			break;
		vcpu_retire(&vm->vcpus[top]);
		pthread_mutex_lock(&vm->pause_lock);
		vm->n_vcpus = top;
		pthread_cond_broadcast(&vm->pause_cond); /* a pause's count */
		pthread_mutex_unlock(&vm->pause_lock);
		log_info("vCPU %u removed", top);
		n = cpuhp_present_gen(vm, &gen);
		snprintf(ev, sizeof(ev),
			 "{\"event\":\"vcpu-removed\",\"id\":%u,"
			 "\"vcpus\":%u,\"gen\":%llu}",
			 top, n, (unsigned long long)gen);
		api_emit(vm->api, ev);
	}
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
		    e) < 0 ||
	    (vm->loop && /* none: a state reader's test */
	     !(h->wake = loop_wake_add(vm->loop, retire_ejected, h, e)))) {
		cpuhp_destroy(h);
		return NULL;
	}
	return h;
}

void cpuhp_destroy(struct cpuhp *h)
{
	if (!h)
		return;
	if (h->wake)
		loop_source_del(h->vm->loop, h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/*
 * vCPU @id, created and set up as at boot (or the one a removal left,
 * reset to wait for INIT/SIPI), then its thread started.
 */
static int add_vcpu(struct vm *vm, unsigned id, struct err **e)
{
	struct vcpu *v = &vm->vcpus[id];
	int r;

	if (v->fd >= 0) {
		r = vcpu_revive(v, e);
	} else {
		r = vcpu_create(vm, id, v, e);
		if (r == 0)
			r = vcpu_setup(v, e);
		if (r < 0)
			vcpu_release(v);
	}
	if (r < 0)
		return r;
	/*
	 * Its TSC in step with vCPU 0's: the same offset from the host's
	 * TSC. Left to itself, KVM starts a vCPU created late at the TSC
	 * value it extrapolates from the time elapsed, which on a host
	 * whose TSC is unstable (a nested host's, one the clocksource
	 * watchdog gave up on) is far from vCPU 0's: the guest sees a TSC
	 * warp when it brings the CPU up, and a guest whose clocksource is
	 * the TSC sees time jump on that CPU.
	 */
	if (vm->tsc_offset_ok && (r = vcpu_set_tsc_offset(v, vm->tsc_offset)))
		log_warn("vCPU %u: KVM refuses vCPU 0's TSC offset: %s", id,
			 strerror(-r));
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

/* vCPU @id is to be present. Lock not held; true when the guest is to
 * be told. */
static int plug(struct cpuhp *h, unsigned id, bool *tell, struct err **e)
{
	struct vm *vm = h->vm;
	uint64_t bit = 1ULL << id;
	int r = 0;

	pthread_mutex_lock(&h->lock);
	if (h->present & bit) {
		/* a removal not yet done is called off */
		h->unplug &= ~bit;
		h->removing &= ~bit;
		pthread_mutex_unlock(&h->lock);
		return 0;
	}
	pthread_mutex_unlock(&h->lock);
	/* an ejected vCPU whose thread still runs needs no new one */
	if (id >= vm->n_vcpus) {
		r = add_vcpu(vm, id, e);
		if (r < 0)
			return r;
	}
	pthread_mutex_lock(&h->lock);
	h->ejected &= ~bit;
	h->present |= bit;
	h->gen++;
	h->inserted |= bit;
	pthread_mutex_unlock(&h->lock);
	log_info("vCPU %u added", id);
	*tell = true;
	return 0;
}

int cpuhp_set_vcpus(struct vm *vm, unsigned count, struct err **e)
{
	struct cpuhp *h = vm->cpuhp;
	bool tell = false;
	int r = 0;

	if (count < 1 || count > vm->max_vcpus)
		return err_set(e, EINVAL, "%u vCPUs: this VM may have 1 to %u",
			       count, vm->max_vcpus);
	if (!h)
		return count == vm->n_vcpus
			       ? 0
			       : err_set(e, ENOTSUP,
					 "this VM has no vCPU hotplug");
	/* in order: a new vCPU's id is the count of those before it */
	for (unsigned id = 0; r == 0 && id < count; id++)
		r = plug(h, id, &tell, e);
	pthread_mutex_lock(&h->lock);
	for (unsigned id = count; r == 0 && id < vm->max_vcpus; id++) {
		uint64_t bit = 1ULL << id;

		if (!(h->present & bit) || (h->unplug & bit))
			continue;
		h->unplug |= bit;
		h->removing |= bit;
		log_info("vCPU %u: removal asked of the guest", id);
		tell = true;
	}
	if (tell) {
		h->gpe_sts |= 1U << CPUHP_GPE;
		update_gpe(h);
	}
	pthread_mutex_unlock(&h->lock);
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
	state_put_u64(w, h->ejected);
	state_put_u64(w, h->unplug);
	state_put_u64(w, h->removing);
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
	out->ejected = out->unplug = out->removing = 0;
	if (r.off == r.len) /* written before hot remove */
		return !r.bad;
	out->ejected = state_get_u64(&r);
	out->unplug = state_get_u64(&r);
	out->removing = state_get_u64(&r);
	return state_rd_done(&r);
}

int cpuhp_load(struct cpuhp *h, const struct state_sec *sec, struct err **e)
{
	struct vm *vm = h->vm;
	struct cpuhp_saved c;

	if (!cpuhp_read(sec, &c))
		return err_set(e, EINVAL, "section '%s' is malformed",
			       sec->name);
	if (c.present < 1 || c.present > vm->max_vcpus ||
	    (c.added | c.ejected | c.unplug | c.removing) &
		    ~low_bits(c.present) ||
	    (c.ejected & 1) || (c.ejected & (c.unplug | c.removing)))
		return err_set(e, EINVAL,
			       "section '%s': %u vCPUs present, the "
			       "configuration has 1 to %u, or its masks "
			       "disagree",
			       sec->name, c.present, vm->max_vcpus);
	pthread_mutex_lock(&h->lock);
	vm->n_vcpus = c.present;
	h->present = low_bits(c.present) & ~c.ejected;
	h->inserted = c.added;
	h->ejected = c.ejected;
	h->unplug = c.unplug;
	h->removing = c.removing;
	h->gpe_sts = c.gpe_sts;
	h->gpe_en = c.gpe_en;
	update_gpe(h);
	pthread_mutex_unlock(&h->lock);
	if (c.ejected && h->wake)
		loop_wake(vm->loop); /* their threads end once running */
	return 0;
}
