/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPUs: one KVM vCPU fd and one thread each. vcpu_setup() gives every
 * vCPU its CPUID, MSRs, FPU and local APIC; the boot processor also gets
 * the long-mode registers of the boot protocol. Secondary vCPUs wait in
 * the in-kernel APIC for INIT/SIPI from the guest.
 */
#ifndef NIDO_VMM_VCPU_H
#define NIDO_VMM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lib/err.h"

struct vm;
struct kvm_run;

struct vcpu_stats {
	_Atomic uint64_t exits; /* every return from KVM_RUN */
	_Atomic uint64_t io;
	_Atomic uint64_t mmio;
	_Atomic uint64_t hlt;
	_Atomic uint64_t intr; /* signals, kicks */
	_Atomic uint64_t other;
};

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run; /* mmap of the vCPU fd */
	pthread_t thread;
	int started;
	_Atomic int retire; /* the guest ejected it: the thread ends */
	struct vcpu_stats stats;
};

/* Creates vCPU @id of @vm in @v. Returns 0 or -errno with @e filled. */
int vcpu_create(struct vm *vm, unsigned id, struct vcpu *v, struct err **e);

/* CPUID, MSRs, FPU, LAPIC; and for vCPU 0 the boot registers. */
int vcpu_setup(struct vcpu *v, struct err **e);

/*
 * The vCPU's TSC offset from the host's TSC (KVM_VCPU_TSC_OFFSET), read
 * or set while its thread is not in KVM_RUN. -errno: KVM has no such
 * attribute (before Linux 5.16) or refused.
 */
int vcpu_get_tsc_offset(struct vcpu *v, uint64_t *offset);
int vcpu_set_tsc_offset(struct vcpu *v, uint64_t offset);

/* Starts the thread that runs the vCPU. */
int vcpu_start(struct vcpu *v, struct err **e);

/* Makes a running KVM_RUN return (any thread). */
void vcpu_kick(struct vcpu *v);

/*
 * Ends the thread of a vCPU the guest ejected (the loop's thread) and
 * keeps its KVM vCPU, which KVM cannot destroy, for a later hot add:
 * vcpu_revive() makes it wait for INIT/SIPI as a new one does.
 */
void vcpu_retire(struct vcpu *v);
int vcpu_revive(struct vcpu *v, struct err **e);

/* Waits for the thread; unmaps and closes. Accepts a never-created @v. */
void vcpu_release(struct vcpu *v);

/* Installs the (empty) handler of the kick signal; once per process. */
int vcpu_signal_init(struct err **e);

#endif
