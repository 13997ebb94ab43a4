/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CPUID a vCPU sees: what KVM supports, with the topology of this VM
 * (one package, one thread per core, @n_cpus cores, APIC ID = vCPU
 * index), the hypervisor bit, and KVM's paravirtual leaves (kvmclock,
 * PV EOI, steal time: whatever this KVM offers).
 */
#ifndef NIDO_VMM_CPUID_H
#define NIDO_VMM_CPUID_H

#include <stdint.h>

struct kvm_cpuid2;
struct kvm_cpuid_entry2;

/*
 * Returns a malloc'ed table for vCPU @index of @n_cpus, built from
 * @supported (KVM_GET_SUPPORTED_CPUID, not changed). Caller frees.
 */
struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *supported,
				  unsigned index, unsigned n_cpus);

/*
 * Features KVM can give but does not list in KVM_GET_SUPPORTED_CPUID,
 * because they depend on how userspace set the VM up: with an in-kernel
 * local APIC and KVM_CAP_TSC_DEADLINE_TIMER, the TSC-deadline timer.
 */
void cpuid_set_tsc_deadline(struct kvm_cpuid2 *c);

/*
 * The invariant TSC (leaf 0x80000007 EDX bit 8), for a host whose TSC is
 * stable: KVM keeps the vCPUs' TSCs in step at the host's rate, but
 * reports the bit only when the host CPU does. Without it Linux takes the
 * TSCs of a non-Intel machine with several CPUs for unsynchronized.
 */
void cpuid_set_invariant_tsc(struct kvm_cpuid2 *c);

/*
 * The XCR0 a vCPU with CPUID @c starts with: every state component leaf
 * 0xd offers (what Linux enables), or 0 without XSAVE.
 */
uint64_t cpuid_xcr0(struct kvm_cpuid2 *c);

/* The entry for @function/@index in @c, or NULL. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t function,
				    uint32_t index);

#endif
