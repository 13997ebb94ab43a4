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

/*
 * virsh domxml-to-native qemu-argv (driver-qemu-native.c): the command
 * line for @def (parsed and checked, on the qemu driver) as one shell
 * line in *@out (malloc'ed): files by path, the monitor on @monitor,
 * taps as fds. Opens the disks' chains to name their files. 0 or -errno.
 */
int driver_qemu_native(const struct domain_def *def, const char *monitor,
		       char **out, struct err **e);

/* Where QEMU's firmware descriptors are, in precedence order
 * (NIDO_QEMU_FIRMWARE_DIRS overrides, colon-separated). */
#define QEMU_FIRMWARE_DIRS "/etc/qemu/firmware:/usr/share/qemu/firmware"

/*
 * Fills what @def's firmware leaves to be chosen (driver-qemu-firmware.c):
 * for <os firmware='efi'> without <loader>, the loader and NVRAM
 * template of the first descriptor for UEFI on flash, x86_64, @def's
 * machine and the features it asks (and those features, as found); for
 * a pflash loader without a template, the template of the descriptor
 * naming that loader; a pflash loader's NVRAM path, NAME_VARS.fd in the
 * directory driver_qemu_set_nvram_dir() gave. Returns 0, or -ENOENT with
 * @e saying what was looked for and where.
 */
int driver_qemu_firmware_fill(struct domain_def *def, struct err **e);
/*
 * A pflash loader's two files for QEMU: @fds[0] the code (read-only),
 * @fds[1] the domain's variable store, made from its template on the
 * first start (root's, 0600: QEMU only gets the fd); both opened by
 * block_safe_open()'s rules. -1 each without a pflash loader. Returns 0
 * or -errno with @e filled (nothing left open).
 */
int driver_qemu_firmware_open(const struct domain_def *def, int fds[2],
			      struct err **e);
struct qmp;
/* A screendump's end: @r 0 and @fd (the caller's: a PPM, read-only), or
 * -errno and @e. */
typedef void (*qemu_screendump_fn)(void *opaque, int r, int fd,
				   const struct err *e);
/*
 * Asks the QEMU behind @q for a screendump into a file made at @path
 * (removed at once; QEMU gets a write-only fd of it through add-fd),
 * and calls @done once. Returns 0, or -errno with @e filled (@done is
 * not called then).
 */
int qemu_screendump(struct qmp *q, const char *path, qemu_screendump_fn done,
		    void *opaque, struct err **e);

/* The directory of the domains' NVRAM files (copied; NULL: none). */
void driver_qemu_set_nvram_dir(const char *dir);

#endif
