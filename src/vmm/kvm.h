/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening /dev/kvm and checking that it can do what nido-vmm relies on.
 */
#ifndef NIDO_VMM_KVM_H
#define NIDO_VMM_KVM_H

#include "lib/err.h"

struct kvm_cpuid2;

/* A KVM capability and what nido-vmm uses it for. */
struct kvm_cap_info {
	int cap;
	const char *name;
	const char *use;
	int required;
};

/* The capabilities nido-vmm checks, required ones first; @n gets the
 * count. */
const struct kvm_cap_info *kvm_caps(unsigned *n);

/*
 * Opens @path (normally "/dev/kvm"), checks the API version and every
 * required capability. Returns the fd, or -errno with @e naming what is
 * missing.
 */
int kvm_open(const char *path, struct err **e);

/* KVM_CHECK_EXTENSION on @fd: the value (0: not supported). */
int kvm_check(int fd, int cap);

/*
 * KVM_GET_SUPPORTED_CPUID: returns a malloc'ed table (caller frees), or
 * NULL with @e filled.
 */
struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd, struct err **e);

/*
 * Whether @clocksource_path (normally the host's
 * /sys/devices/system/clocksource/clocksource0/current_clocksource)
 * names the TSC: the host kernel then found its TSC stable and in step
 * on every CPU. 1 or 0.
 */
int kvm_host_tsc_stable(const char *clocksource_path);

/*
 * KVM_GET_MSR_INDEX_LIST: fills a malloc'ed array of the MSRs KVM saves
 * and restores (caller frees). Returns the count or -errno.
 */
int kvm_msr_list(int kvm_fd, uint32_t **out, struct err **e);

#endif
