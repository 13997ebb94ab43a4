/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM's part of a VM's state (state_kvm.c): one section per vCPU and one
 * for the VM (irqchip, PIT, kvmclock). Saving runs with the vCPUs parked
 * and their pending I/O completed (state.c); loading runs before any
 * vCPU thread starts.
 */
#ifndef NIDO_VMM_STATE_KVM_H
#define NIDO_VMM_STATE_KVM_H

#include "vmm/state_format.h"

struct vm;
struct vcpu;

/* Appends the section of vCPU @v (kind "vcpu", instance its id). */
void state_save_vcpu(struct state_wr *w, struct vcpu *v);

/* Appends the "vm" section: kvmclock, PIC master and slave, IOAPIC, PIT. */
void state_save_vm(struct state_wr *w, struct vm *vm);

/*
 * Loads vCPU section @s into @v, a vCPU just created: CPUID first, then
 * registers, FPU/XSAVE, XCRs, LAPIC, MSRs, MP state, events, debug
 * registers. Returns 0 or -errno with @e naming the section.
 */
int state_load_vcpu(struct vcpu *v, const struct state_sec *s, struct err **e);

/* Loads the "vm" section @s (irqchip, PIT, then the clock). */
int state_load_vm(struct vm *vm, const struct state_sec *s, struct err **e);

/* Checks vCPU section @s without loading it (--describe-state). */
int state_vcpu_check(const struct state_sec *s, struct err **e);

/* For --describe-state: names and checks of the items. */
const char *state_vcpu_item_name(uint32_t tag);
const char *state_vm_item_name(uint32_t tag);
/* 1: @len is right for VM item @tag, 0: wrong, -1: a tag not ours. */
int state_vm_item_size_ok(uint32_t tag, uint32_t len);

#endif
