/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether this host's KVM can run an unmodified guest (a PC's firmware,
 * then any kernel), which the qemu driver needs for accel=kvm. KVM on
 * VT-x or AMD-V (kvm_intel, kvm_amd) can. PVM (kvm_pvm, the
 * paravirtualized nested KVM of some clouds) runs guests built for it
 * and emulates guest kernel code: a PC's firmware runs there (real mode
 * is emulated too), but a stock Linux kernel stops early with an
 * emulation failure. The answer comes from the module that provides
 * /dev/kvm, as `nido-vmm --probe` decides (src/vmm/probe.c).
 */
#ifndef NIDO_DAEMON_KVM_PROBE_H
#define NIDO_DAEMON_KVM_PROBE_H

#include "lib/err.h"

/*
 * Looks at the KVM modules under @modules ("/sys/module"). Returns 1
 * when an unmodified guest can run, 0 when not (@e says why), -errno
 * with @e when there is no KVM at all.
 */
int kvm_runs_unmodified(const char *modules, struct err **e);

#endif
