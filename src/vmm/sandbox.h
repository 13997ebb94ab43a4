/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nido-vmm's sandbox (docs/security.md, "The VMM sandbox"). The guest is
 * hostile: a bug in a device model that it reaches must not give it the
 * host. So nido-vmm opens what it needs from the host first (/dev/kvm,
 * taps, images, the control socket, the console), then, before it
 * creates a thread or reads anything the guest writes:
 *
 *  - enters new mount, IPC, UTS, network and cgroup namespaces (its pid
 *    namespace is made by whoever starts it: nidod, or nido-vmm's own
 *    relay, sandbox_pidns());
 *  - pivots into an empty read-only tmpfs: no host file is visible;
 *  - drops to an unprivileged uid/gid (one per VM when nidod starts it),
 *    with no supplementary groups, no capabilities (bounding, ambient,
 *    inheritable sets emptied too) and no_new_privs;
 *  - and, once the VM is built, installs a seccomp filter
 *    (sandbox_seccomp) that kills the process on any system call outside
 *    the list it needs to run, on every thread.
 *
 * Without root only no_new_privs and the filter are possible; nido-vmm
 * then says so. Nothing here prints: errors name the step that failed.
 */
#ifndef NIDO_VMM_SANDBOX_H
#define NIDO_VMM_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/err.h"

struct sandbox_opts {
	bool enabled;
	uid_t uid; /* not 0: lib/idrange.h gives nido's ids */
	gid_t gid;
};

/*
 * Enters the namespaces, the empty root and the unprivileged identity
 * (as root), or only sets no_new_privs (as another user). The process
 * must not have threads yet: namespaces and the root are per thread
 * until then. Returns 0, or -errno with @e naming the step.
 */
int sandbox_enter(const struct sandbox_opts *o, struct err **e);

/* /proc/self/pagemap without frame numbers, or -1 (sandbox.c). Before
 * sandbox_enter(): the empty root has no /proc. */
int sandbox_open_pagemap(void);

/*
 * Installs nido-vmm's seccomp filter on every thread of the process
 * (its own and those it creates later): the system calls a running VM
 * uses are allowed, any other kills the process with SIGSYS. Returns 0
 * or -errno with @e filled.
 */
int sandbox_seccomp(struct err **e);

/*
 * For standalone runs as root: puts the rest of nido-vmm in a new pid
 * namespace. Returns 0 in the child, which goes on (it is pid 1 there);
 * in the parent, waits for the child, passing on SIGTERM, SIGINT and
 * SIGHUP, removes @cleanup_paths (NULL-terminated: sockets the sandboxed
 * child cannot unlink) when it ends, and returns the exit status to use
 * (>= 0) through *@status with 1 as the return value. -errno with @e on
 * failure.
 */
int sandbox_pidns(char *const *cleanup_paths, int *status, struct err **e);

#endif
