// SPDX-License-Identifier: GPL-2.0-or-later
/* Per-vCPU CPUID tables: topology, hypervisor bit, KVM leaves. */
#include "vmm/cpuid.h"

#include <linux/kvm.h>

#include "lib/util.h"

#define CPUID_1_ECX_HYPERVISOR	  (1U << 31)
#define CPUID_1_EDX_HTT		  (1U << 28)
#define TOPO_LEVEL_SMT		  1
#define TOPO_LEVEL_CORE		  2
#define CPUID_80000007_EDX_INVTSC (1U << 8)
#define CPUID_1_ECX_XSAVE	  (1U << 26)
#define XSAVE_LEGACY_SIZE	  576 /* FXSAVE area and XSAVE header */
#define XSAVE_FIRST_EXTENDED	  2 /* components 0, 1 are in the legacy area */

static unsigned order_base_2(unsigned n)
{
	unsigned s = 0;

	while ((1U << s) < n)
		s++;
	return s;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t function,
				    uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != index)
			continue;
		return e;
	}
	return NULL;
}

/* Leaf 1: APIC ID, logical processor count, hypervisor present. */
static void fix_leaf1(struct kvm_cpuid_entry2 *e, unsigned index,
		      unsigned n_cpus)
{
	unsigned logical = 1U << order_base_2(n_cpus);

	e->ebx &= 0xff; /* keep the brand index */
	e->ebx |= index << 24 | MIN(logical, 255U) << 16 | 8U << 8;
	e->ecx |= CPUID_1_ECX_HYPERVISOR;
	if (n_cpus > 1)
		e->edx |= CPUID_1_EDX_HTT;
	else
		e->edx &= ~CPUID_1_EDX_HTT;
}

/* Leaf 4 (deterministic cache parameters): cores per package, sharing. */
static void fix_leaf4(struct kvm_cpuid_entry2 *e, unsigned n_cpus)
{
	unsigned level = (e->eax >> 5) & 7;
	unsigned cores = 1U << order_base_2(n_cpus);
	unsigned sharing = level >= 3 ? cores : 1;

	e->eax &= 0x3fff;
	e->eax |= (MIN(cores, 64U) - 1) << 26 | (sharing - 1) << 14;
}

/* Leaves 0xb and 0x1f: SMT level (1 thread), core level (@n_cpus). */
static void topo_subleaf(struct kvm_cpuid_entry2 *e, uint32_t function,
			 uint32_t sub, unsigned index, unsigned n_cpus)
{
	*e = (struct kvm_cpuid_entry2){
		.function = function,
		.index = sub,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.ecx = sub,
		.edx = index,
	};
	if (sub == 0) {
		e->eax = 0;
		e->ebx = 1;
		e->ecx |= TOPO_LEVEL_SMT << 8;
	} else if (sub == 1) {
		e->eax = order_base_2(n_cpus);
		e->ebx = n_cpus;
		e->ecx |= TOPO_LEVEL_CORE << 8;
	}
}

static void fix_entry(struct kvm_cpuid_entry2 *e, unsigned index,
		      unsigned n_cpus)
{
	switch (e->function) {
	case 1:
		fix_leaf1(e, index, n_cpus);
		break;
	case 4:
		fix_leaf4(e, n_cpus);
		break;
	case 6:
		/* No thermal or power management MSRs in this VM. */
		e->ecx &= ~(1U << 3); /* energy performance bias */
		break;
	case 0xa:
		/* No vPMU: the guest would program counters we don't save. */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0x80000008:
		/* AMD: number of cores in the package. */
		e->ecx = (e->ecx & ~0xffU) | (n_cpus - 1);
		break;
	default:
		break;
	}
}

/*
 * Leaf 0xd, sub-leaf 0: keeps only the XCR0 bits whose component has a
 * sub-leaf with a size, and makes ECX (the area for every bit) and EBX
 * (the area for the XCR0 vcpu.c starts with: every bit) agree with the
 * components' offsets and sizes. Linux checks these against each other
 * at boot and warns when they differ.
 */
static void fix_xsave(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e0 = cpuid_find(c, 0xd, 0);
	uint64_t xcr0;
	uint32_t size = XSAVE_LEGACY_SIZE;

	if (!e0)
		return;
	xcr0 = e0->eax | (uint64_t)e0->edx << 32;
	for (unsigned i = XSAVE_FIRST_EXTENDED; i < 64; i++) {
		struct kvm_cpuid_entry2 *s;

		if (!(xcr0 & (1ULL << i)))
			continue;
		s = cpuid_find(c, 0xd, i);
		if (!s || s->function != 0xd || s->index != i || s->eax == 0 ||
		    s->ebx < XSAVE_LEGACY_SIZE) {
			xcr0 &= ~(1ULL << i);
			continue;
		}
		size = MAX(size, s->ebx + s->eax);
	}
	e0->eax = (uint32_t)xcr0;
	e0->edx = (uint32_t)(xcr0 >> 32);
	e0->ebx = size;
	e0->ecx = size;
}

uint64_t cpuid_xcr0(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e1 = cpuid_find(c, 1, 0);
	struct kvm_cpuid_entry2 *e0 = cpuid_find(c, 0xd, 0);

	if (!e1 || !(e1->ecx & CPUID_1_ECX_XSAVE) || !e0 || !(e0->eax & 1))
		return 0;
	return e0->eax | (uint64_t)e0->edx << 32;
}

void cpuid_set_tsc_deadline(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 1, 0);

	if (e)
		e->ecx |= 1U << 24;
}

void cpuid_set_invariant_tsc(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0x80000007, 0);

	if (e)
		e->edx |= CPUID_80000007_EDX_INVTSC;
}

struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *supported,
				  unsigned index, unsigned n_cpus)
{
	uint32_t n = supported->nent + 6, j = 0;
	struct kvm_cpuid2 *c;
	int has_0b = 0, has_1f = 0;

	c = xcalloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
	for (uint32_t i = 0; i < supported->nent; i++) {
		const struct kvm_cpuid_entry2 *s = &supported->entries[i];

		if (s->function == 0xb || s->function == 0x1f) {
			has_0b |= s->function == 0xb;
			has_1f |= s->function == 0x1f;
			continue; /* rebuilt below */
		}
		c->entries[j] = *s;
		fix_entry(&c->entries[j], index, n_cpus);
		j++;
	}
	for (uint32_t sub = 0; sub < 3; sub++) {
		if (has_0b)
			topo_subleaf(&c->entries[j++], 0xb, sub, index, n_cpus);
		if (has_1f)
			topo_subleaf(&c->entries[j++], 0x1f, sub, index,
				     n_cpus);
	}
	c->nent = j;
	fix_xsave(c);
	return c;
}
