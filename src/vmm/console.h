/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host end of the guest console: stdio (raw mode when it is a
 * terminal; Ctrl-A x quits), a pseudo-terminal, or nothing. Output is
 * written by the device from vCPU threads; input is read in the loop's
 * thread and handed to @input.
 */
#ifndef NIDO_VMM_CONSOLE_H
#define NIDO_VMM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "vmm/vmconfig.h"

struct loop;
struct console;

typedef void (*console_input_fn)(void *opaque, const uint8_t *buf, size_t len);
typedef void (*console_quit_fn)(void *opaque);

/*
 * Opens the console of @kind (@path for unix:) and watches its input on
 * @l. Returns the console, or NULL with @e filled.
 */
struct console *console_open(struct loop *l, const struct vm_config *cfg,
			     console_input_fn input, console_quit_fn quit,
			     void *opaque, struct err **e);

/* Where the guest's output goes; -1: nowhere. */
/* The file that gets a copy of the output (--console-log), or -1. */
int console_log_fd(const struct console *c);
int console_out_fd(const struct console *c);

/*
 * The name a client opens to reach the console: the pseudo-terminal
 * (/dev/pts/N) or the unix socket's path; NULL for stdio and none. Owned
 * by @c.
 */
const char *console_name(const struct console *c);

/* Restores the terminal, closes what it opened; accepts NULL. */
void console_close(struct console *c);

#endif
