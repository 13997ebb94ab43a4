/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the qemu driver (driver-qemu.c) offers beside its driver_ops. */
#ifndef NIDO_DAEMON_DRIVER_QEMU_H
#define NIDO_DAEMON_DRIVER_QEMU_H

#define QEMU_DEFAULT_BINARY "qemu-system-x86_64"

/* The QEMU a domain without <emulator> gets: QEMU_DEFAULT_BINARY found
 * in PATH, else /usr/bin/QEMU_DEFAULT_BINARY; malloc'ed. */
char *driver_qemu_emulator(void);

#endif
