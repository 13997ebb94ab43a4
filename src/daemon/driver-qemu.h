/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the qemu driver (driver-qemu.c) offers beside its driver_ops. */
#ifndef NIDO_DAEMON_DRIVER_QEMU_H
#define NIDO_DAEMON_DRIVER_QEMU_H

#include <stddef.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"

#define QEMU_DEFAULT_BINARY "qemu-system-x86_64"

/* QEMU's fds: the monitor's listening socket, then each disk's files
 * (chains[i].files[j], in order, each in an fd set of its own). */
#define QEMU_MONITOR_FD	   4
#define QEMU_FIRST_DISK_FD 5

/* A command line: v[n] is NULL; the strings are owned. */
struct qemu_argv {
	char **v;
	size_t n;
};

/*
 * QEMU's command line for @def (checked by driver_qemu_validate()) on
 * @accel ("tcg", "kvm"), @chains the files of each disk. Free with
 * qemu_argv_free().
 */
void qemu_argv_build(struct qemu_argv *a, const char *emulator,
		     const char *accel, const struct domain_def *def,
		     const struct block_chain *chains);
void qemu_argv_free(struct qemu_argv *a);

/*
 * Appends each interface of @def: "-netdev tap,id=hostnetI,fd=N" on the
 * tap nidod opened for it (at @first_fd + I in QEMU, after the disks'
 * files) and its -device with the MAC.
 */
void qemu_argv_nets(struct qemu_argv *a, const struct domain_def *def,
		    int first_fd);
/* QEMU's device for an interface <model type>; NULL: not one we run. */
const char *qemu_net_device(const char *model);

/* The QEMU a domain without <emulator> gets: QEMU_DEFAULT_BINARY found
 * in PATH, else /usr/bin/QEMU_DEFAULT_BINARY; malloc'ed. */
char *driver_qemu_emulator(void);

#endif
