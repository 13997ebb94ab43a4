// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What KVM holds of a VM: each vCPU's registers, FPU/XSAVE, XCRs, MSRs,
 * local APIC, pending events, MP state, CPUID; the VM's irqchip (both
 * PICs and the IOAPIC), PIT and kvmclock. Each piece is an item of its
 * section, in KVM's own binary layout (stable ABI structures); a piece
 * this host's KVM cannot give is listed in the "absent" item instead, so
 * a restore knows it was not lost by accident (docs/state-format.md).
 */
#include "vmm/state_kvm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "lib/log.h"
#include "vmm/kvm.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define MSRS_MAX   1024
#define XSAVE_MAX  (64u << 10)
#define CPUID_MAX  256
#define ABSENT_MAX 16

enum vcpu_item {
	IT_REGS = 1,
	IT_SREGS,
	IT_FPU,
	IT_XSAVE,
	IT_XCRS,
	IT_MSRS,
	IT_LAPIC,
	IT_EVENTS,
	IT_MP_STATE,
	IT_CPUID,
	IT_DEBUGREGS,
	IT_TSC_KHZ,
	IT_ABSENT = 64, /* u32 tags this host could not give */
};

enum vm_item {
	IT_CLOCK = 1,
	IT_PIC_MASTER,
	IT_PIC_SLAVE,
	IT_IOAPIC,
	IT_PIT2,
};

static const char *const vcpu_item_names[] = {
	[IT_REGS] = "regs",
	[IT_SREGS] = "sregs",
	[IT_FPU] = "fpu",
	[IT_XSAVE] = "xsave",
	[IT_XCRS] = "xcrs",
	[IT_MSRS] = "msrs",
	[IT_LAPIC] = "lapic",
	[IT_EVENTS] = "events",
	[IT_MP_STATE] = "mp_state",
	[IT_CPUID] = "cpuid",
	[IT_DEBUGREGS] = "debugregs",
	[IT_TSC_KHZ] = "tsc_khz",
};

const char *state_vcpu_item_name(uint32_t tag)
{
	if (tag < ARRAY_SIZE(vcpu_item_names) && vcpu_item_names[tag])
		return vcpu_item_names[tag];
	return tag == IT_ABSENT ? "absent" : "unknown";
}

/* What a save could not get, by tag. */
struct absent {
	uint32_t tags[ABSENT_MAX];
	unsigned n;
};

static void note_absent(struct absent *a, uint32_t tag, unsigned id,
			const char *what)
{
	log_info("vCPU %u: this host's KVM gives no %s (%s); not saved", id,
		 what, strerror(errno));
	if (a->n < ABSENT_MAX)
		a->tags[a->n++] = tag;
}

/* Item @tag from ioctl @req into a @size buffer, or noted absent. */
static void save_fixed(struct state_wr *w, struct vcpu *v, unsigned long req,
		       uint32_t tag, size_t size, struct absent *a)
{
	_cleanup_free_ void *p = xcalloc(1, size);

	if (ioctl(v->fd, req, p) < 0)
		note_absent(a, tag, v->id, state_vcpu_item_name(tag));
	else
		state_put_item(w, tag, p, size);
}

/* Every MSR KVM lists that reads back; those that do not are skipped. */
static int msr_index_list(int kvm_fd, struct kvm_msr_list **out)
{
	struct kvm_msr_list probe = {.nmsrs = 0};
	struct kvm_msr_list *l;

	if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
		return -errno;
	if (probe.nmsrs > MSRS_MAX)
		probe.nmsrs = MSRS_MAX;
	l = xcalloc(1, sizeof(*l) + probe.nmsrs * sizeof(uint32_t));
	l->nmsrs = probe.nmsrs;
	if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, l) < 0) {
		free(l);
		return -errno;
	}
	*out = l;
	return 0;
}

/* Reads MSRs @idx[0..n) into @out; returns how many KVM read (it stops
 * at the first it cannot). */
static unsigned read_msrs(struct vcpu *v, const uint32_t *idx, unsigned n,
			  struct kvm_msr_entry *out)
{
	_cleanup_free_ struct kvm_msrs *q =
		xcalloc(1, sizeof(*q) + n * sizeof(q->entries[0]));
	int got;

	q->nmsrs = n;
	for (unsigned k = 0; k < n; k++)
		q->entries[k].index = idx[k];
	got = ioctl(v->fd, KVM_GET_MSRS, q);
	if (got <= 0)
		return 0;
	memcpy(out, q->entries, (size_t)got * sizeof(q->entries[0]));
	return (unsigned)got;
}

static void save_msrs(struct state_wr *w, struct vcpu *v, struct absent *a)
{
	_cleanup_free_ struct kvm_msr_list *l = NULL;
	_cleanup_free_ struct kvm_msr_entry *m = NULL;
	unsigned i = 0, n = 0, skipped = 0;

	if (msr_index_list(v->vm->kvm_fd, &l) < 0) {
		note_absent(a, IT_MSRS, v->id, "MSR list");
		return;
	}
	m = xcalloc(l->nmsrs + 1, sizeof(*m));
	while (i < l->nmsrs) {
		unsigned got =
			read_msrs(v, &l->indices[i], l->nmsrs - i, &m[n]);

		n += got;
		i += got;
		if (i < l->nmsrs) { /* this one does not read back */
			log_debug("vCPU %u: MSR 0x%x does not read back", v->id,
				  l->indices[i]);
			skipped++;
			i++;
		}
	}
	if (skipped)
		log_debug("vCPU %u: %u listed MSRs not readable, not saved",
			  v->id, skipped);
	state_put_item(w, IT_MSRS, m, n * sizeof(*m));
}

static void save_xsave(struct state_wr *w, struct vcpu *v, struct absent *a)
{
	int size = kvm_check(v->vm->kvm_fd, KVM_CAP_XSAVE2);
	_cleanup_free_ void *p = NULL;

	if (size < (int)sizeof(struct kvm_xsave) || size > (int)XSAVE_MAX) {
		if (!kvm_check(v->vm->kvm_fd, KVM_CAP_XSAVE)) {
			errno = ENOTSUP;
			note_absent(a, IT_XSAVE, v->id, "XSAVE state");
			return;
		}
		save_fixed(w, v, KVM_GET_XSAVE, IT_XSAVE,
			   sizeof(struct kvm_xsave), a);
		return;
	}
	p = xcalloc(1, (size_t)size);
	if (ioctl(v->fd, KVM_GET_XSAVE2, p) < 0)
		note_absent(a, IT_XSAVE, v->id, "XSAVE state");
	else
		state_put_item(w, IT_XSAVE, p, (size_t)size);
}

static void save_cpuid(struct state_wr *w, struct vcpu *v, struct absent *a)
{
	size_t sz = sizeof(struct kvm_cpuid2) +
		    CPUID_MAX * sizeof(struct kvm_cpuid_entry2);
	_cleanup_free_ struct kvm_cpuid2 *c = xcalloc(1, sz);

	c->nent = CPUID_MAX;
	if (ioctl(v->fd, KVM_GET_CPUID2, c) < 0) {
		note_absent(a, IT_CPUID, v->id, "CPUID");
		return;
	}
	state_put_item(w, IT_CPUID, c->entries,
		       c->nent * sizeof(struct kvm_cpuid_entry2));
}

void state_save_vcpu(struct state_wr *w, struct vcpu *v)
{
	struct absent a = {0};
	int khz;

	state_wr_begin(w, STATE_SEC_VCPU, (uint16_t)v->id, STATE_SEC_REQUIRED);
	save_cpuid(w, v, &a);
	save_fixed(w, v, KVM_GET_REGS, IT_REGS, sizeof(struct kvm_regs), &a);
	save_fixed(w, v, KVM_GET_SREGS, IT_SREGS, sizeof(struct kvm_sregs), &a);
	save_fixed(w, v, KVM_GET_FPU, IT_FPU, sizeof(struct kvm_fpu), &a);
	save_xsave(w, v, &a);
	if (kvm_check(v->vm->kvm_fd, KVM_CAP_XCRS))
		save_fixed(w, v, KVM_GET_XCRS, IT_XCRS, sizeof(struct kvm_xcrs),
			   &a);
	else
		a.tags[a.n++] = IT_XCRS;
	save_fixed(w, v, KVM_GET_LAPIC, IT_LAPIC,
		   sizeof(struct kvm_lapic_state), &a);
	save_msrs(w, v, &a);
	save_fixed(w, v, KVM_GET_VCPU_EVENTS, IT_EVENTS,
		   sizeof(struct kvm_vcpu_events), &a);
	save_fixed(w, v, KVM_GET_MP_STATE, IT_MP_STATE,
		   sizeof(struct kvm_mp_state), &a);
	save_fixed(w, v, KVM_GET_DEBUGREGS, IT_DEBUGREGS,
		   sizeof(struct kvm_debugregs), &a);
	khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	if (khz > 0) {
		uint32_t k = (uint32_t)khz;

		state_put_item(w, IT_TSC_KHZ, &k, sizeof(k));
	}
	if (a.n)
		state_put_item(w, IT_ABSENT, a.tags, a.n * sizeof(a.tags[0]));
	state_wr_end(w);
}

/* The items of a vCPU section, each checked for its size. */
struct vcpu_items {
	const uint8_t *p[IT_TSC_KHZ + 1];
	uint32_t len[IT_TSC_KHZ + 1];
};

static const size_t fixed_size[IT_TSC_KHZ + 1] = {
	[IT_REGS] = sizeof(struct kvm_regs),
	[IT_SREGS] = sizeof(struct kvm_sregs),
	[IT_FPU] = sizeof(struct kvm_fpu),
	[IT_XCRS] = sizeof(struct kvm_xcrs),
	[IT_LAPIC] = sizeof(struct kvm_lapic_state),
	[IT_EVENTS] = sizeof(struct kvm_vcpu_events),
	[IT_MP_STATE] = sizeof(struct kvm_mp_state),
	[IT_DEBUGREGS] = sizeof(struct kvm_debugregs),
	[IT_TSC_KHZ] = sizeof(uint32_t),
};

static int item_ok(uint32_t tag, uint32_t len)
{
	if (fixed_size[tag])
		return len == fixed_size[tag];
	switch (tag) {
	case IT_XSAVE:
		return len >= sizeof(struct kvm_xsave) && len <= XSAVE_MAX;
	case IT_MSRS:
		return len % sizeof(struct kvm_msr_entry) == 0 &&
		       len / sizeof(struct kvm_msr_entry) <= MSRS_MAX;
	case IT_CPUID:
		return len % sizeof(struct kvm_cpuid_entry2) == 0 &&
		       len / sizeof(struct kvm_cpuid_entry2) <= CPUID_MAX;
	default:
		return 0;
	}
}

static int vcpu_items(const struct state_sec *s, struct vcpu_items *it,
		      struct err **e)
{
	struct state_rd r;
	const uint8_t *data;
	uint32_t tag, len;
	int k;

	memset(it, 0, sizeof(*it));
	state_rd_init(&r, s);
	while ((k = state_get_item(&r, &tag, &data, &len)) > 0) {
		if (tag == IT_ABSENT)
			continue;
		if (tag == 0 || tag > IT_TSC_KHZ)
			continue; /* newer, optional: docs/state-format.md */
		if (!item_ok(tag, len))
			return err_set(e, EINVAL,
				       "section '%s': item '%s' has a bad "
				       "length (%u)",
				       s->name, state_vcpu_item_name(tag), len);
		if (it->p[tag])
			return err_set(e, EINVAL,
				       "section '%s': item '%s' appears twice",
				       s->name, state_vcpu_item_name(tag));
		it->p[tag] = data;
		it->len[tag] = len;
	}
	if (k < 0)
		return err_set(e, EINVAL, "section '%s' is truncated", s->name);
	for (unsigned t = IT_REGS; t <= IT_SREGS; t++)
		if (!it->p[t])
			return err_set(e, EINVAL, "section '%s' has no '%s'",
				       s->name, state_vcpu_item_name(t));
	if (!it->p[IT_LAPIC] || !it->p[IT_MP_STATE] || !it->p[IT_CPUID])
		return err_set(e, EINVAL,
			       "section '%s' lacks lapic, mp_state or cpuid",
			       s->name);
	return 0;
}

int state_vcpu_check(const struct state_sec *s, struct err **e)
{
	struct vcpu_items it;

	return vcpu_items(s, &it, e);
}

/* Sets item @tag through ioctl @req from an aligned copy. */
static int load_item(struct vcpu *v, const struct vcpu_items *it, uint32_t tag,
		     unsigned long req, struct err **e)
{
	_cleanup_free_ void *p = NULL;

	if (!it->p[tag])
		return 0;
	p = xmalloc(it->len[tag]);
	memcpy(p, it->p[tag], it->len[tag]);
	if (ioctl(v->fd, req, p) < 0)
		return err_sys(e, errno, "vCPU %u: loading '%s'", v->id,
			       state_vcpu_item_name(tag));
	return 0;
}

static int load_cpuid(struct vcpu *v, const struct vcpu_items *it,
		      struct err **e)
{
	uint32_t n = it->len[IT_CPUID] / sizeof(struct kvm_cpuid_entry2);
	_cleanup_free_ struct kvm_cpuid2 *c =
		xcalloc(1, sizeof(*c) + it->len[IT_CPUID]);

	c->nent = n;
	memcpy(c->entries, it->p[IT_CPUID], it->len[IT_CPUID]);
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		return err_sys(e, errno,
			       "vCPU %u: this host's KVM refuses the "
			       "saved CPUID",
			       v->id);
	return 0;
}

/* Sets the MSRs; one KVM refuses is skipped and counted. */
static void load_msrs(struct vcpu *v, const struct vcpu_items *it)
{
	unsigned n = it->len[IT_MSRS] / sizeof(struct kvm_msr_entry);
	unsigned i = 0, refused = 0;
	_cleanup_free_ struct kvm_msrs *m = xcalloc(
		1, sizeof(*m) + it->len[IT_MSRS] + sizeof(m->entries[0]));

	while (i < n) {
		int got;

		m->nmsrs = n - i;
		memcpy(m->entries, it->p[IT_MSRS] + i * sizeof(m->entries[0]),
		       m->nmsrs * sizeof(m->entries[0]));
		got = ioctl(v->fd, KVM_SET_MSRS, m);
		if (got < 0)
			got = 0;
		i += (unsigned)got;
		if (i < n) {
			log_debug("vCPU %u: KVM does not take MSR 0x%x", v->id,
				  m->entries[got].index);
			refused++;
			i++;
		}
	}
	if (refused)
		log_info("vCPU %u: %u saved MSRs not taken by this host's KVM",
			 v->id, refused);
}

static int load_fpu(struct vcpu *v, const struct vcpu_items *it, struct err **e)
{
	int size;

	if (!it->p[IT_XSAVE])
		return load_item(v, it, IT_FPU, KVM_SET_FPU, e);
	size = kvm_check(v->vm->kvm_fd, KVM_CAP_XSAVE2);
	if (size < (int)sizeof(struct kvm_xsave))
		size = sizeof(struct kvm_xsave);
	if (!kvm_check(v->vm->kvm_fd, KVM_CAP_XSAVE) ||
	    it->len[IT_XSAVE] > (uint32_t)size)
		return err_set(e, ENOTSUP,
			       "vCPU %u: the saved XSAVE state (%u bytes) does "
			       "not fit this host's KVM (%d)",
			       v->id, it->len[IT_XSAVE], size);
	return load_item(v, it, IT_XSAVE, KVM_SET_XSAVE, e);
}

int state_load_vcpu(struct vcpu *v, const struct state_sec *s, struct err **e)
{
	struct vcpu_items it;
	int r = vcpu_items(s, &it, e);

	if (r == 0)
		r = load_cpuid(v, &it, e);
	if (r == 0)
		r = load_item(v, &it, IT_SREGS, KVM_SET_SREGS, e);
	if (r == 0)
		r = load_item(v, &it, IT_REGS, KVM_SET_REGS, e);
	if (r == 0)
		r = load_fpu(v, &it, e);
	if (r == 0 && kvm_check(v->vm->kvm_fd, KVM_CAP_XCRS))
		r = load_item(v, &it, IT_XCRS, KVM_SET_XCRS, e);
	if (r == 0)
		r = load_item(v, &it, IT_LAPIC, KVM_SET_LAPIC, e);
	if (r == 0 && it.p[IT_MSRS])
		load_msrs(v, &it);
	if (r == 0)
		r = load_item(v, &it, IT_MP_STATE, KVM_SET_MP_STATE, e);
	if (r == 0 && it.p[IT_EVENTS]) {
		struct kvm_vcpu_events ev;

		memcpy(&ev, it.p[IT_EVENTS], sizeof(ev));
		ev.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING |
			    KVM_VCPUEVENT_VALID_SIPI_VECTOR;
		if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
			r = err_sys(e, errno, "vCPU %u: loading 'events'",
				    v->id);
	}
	if (r == 0)
		r = load_item(v, &it, IT_DEBUGREGS, KVM_SET_DEBUGREGS, e);
	return r < 0 ? err_prefix(e, "section '%s'", s->name) : 0;
}

static void save_chip(struct state_wr *w, struct vm *vm, uint32_t chip,
		      uint32_t tag)
{
	struct kvm_irqchip c = {.chip_id = chip};

	if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &c) < 0)
		log_warn("saving irqchip %u: %s", chip, strerror(errno));
	else
		state_put_item(w, tag, &c, sizeof(c));
}

void state_save_vm(struct state_wr *w, struct vm *vm)
{
	struct kvm_clock_data clock = {0};
	struct kvm_pit_state2 pit = {0};

	state_wr_begin(w, STATE_SEC_VM, 0, STATE_SEC_REQUIRED);
	if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &clock) == 0)
		state_put_item(w, IT_CLOCK, &clock, sizeof(clock));
	save_chip(w, vm, KVM_IRQCHIP_PIC_MASTER, IT_PIC_MASTER);
	save_chip(w, vm, KVM_IRQCHIP_PIC_SLAVE, IT_PIC_SLAVE);
	save_chip(w, vm, KVM_IRQCHIP_IOAPIC, IT_IOAPIC);
	if (ioctl(vm->vm_fd, KVM_GET_PIT2, &pit) == 0)
		state_put_item(w, IT_PIT2, &pit, sizeof(pit));
	state_wr_end(w);
}

static const size_t vm_item_size[] = {
	[IT_CLOCK] = sizeof(struct kvm_clock_data),
	[IT_PIC_MASTER] = sizeof(struct kvm_irqchip),
	[IT_PIC_SLAVE] = sizeof(struct kvm_irqchip),
	[IT_IOAPIC] = sizeof(struct kvm_irqchip),
	[IT_PIT2] = sizeof(struct kvm_pit_state2),
};

static const char *const vm_item_names[] = {
	[IT_CLOCK] = "clock",
	[IT_PIC_MASTER] = "pic-master",
	[IT_PIC_SLAVE] = "pic-slave",
	[IT_IOAPIC] = "ioapic",
	[IT_PIT2] = "pit",
};

const char *state_vm_item_name(uint32_t tag)
{
	if (tag < ARRAY_SIZE(vm_item_names) && vm_item_names[tag])
		return vm_item_names[tag];
	return "unknown";
}

int state_vm_item_size_ok(uint32_t tag, uint32_t len)
{
	if (tag == 0 || tag >= ARRAY_SIZE(vm_item_size))
		return -1; /* not ours: skipped */
	return len == vm_item_size[tag];
}

static int load_vm_item(struct vm *vm, uint32_t tag, const uint8_t *data,
			struct err **e)
{
	union {
		struct kvm_clock_data clock;
		struct kvm_irqchip chip;
		struct kvm_pit_state2 pit;
	} u;

	memcpy(&u, data, vm_item_size[tag]);
	switch (tag) {
	case IT_CLOCK:
		u.clock.flags = 0; /* the value only */
		if (ioctl(vm->vm_fd, KVM_SET_CLOCK, &u.clock) < 0)
			return err_sys(e, errno, "loading the kvmclock");
		return 0;
	case IT_PIT2:
		if (ioctl(vm->vm_fd, KVM_SET_PIT2, &u.pit) < 0)
			return err_sys(e, errno, "loading the PIT");
		return 0;
	default:
		if (u.chip.chip_id != tag - IT_PIC_MASTER)
			return err_set(e, EINVAL, "item '%s' names chip %u",
				       state_vm_item_name(tag), u.chip.chip_id);
		if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &u.chip) < 0)
			return err_sys(e, errno, "loading the %s",
				       state_vm_item_name(tag));
		return 0;
	}
}

int state_load_vm(struct vm *vm, const struct state_sec *s, struct err **e)
{
	struct state_rd r;
	const uint8_t *data;
	uint32_t tag, len;
	int k, ok;

	state_rd_init(&r, s);
	while ((k = state_get_item(&r, &tag, &data, &len)) > 0) {
		ok = state_vm_item_size_ok(tag, len);
		if (ok < 0)
			continue;
		if (!ok)
			return err_set(e, EINVAL,
				       "section '%s': item '%s' has a bad "
				       "length (%u)",
				       s->name, state_vm_item_name(tag), len);
		if (load_vm_item(vm, tag, data, e) < 0)
			return err_prefix(e, "section '%s'", s->name);
	}
	if (k < 0)
		return err_set(e, EINVAL, "section '%s' is truncated", s->name);
	return 0;
}
