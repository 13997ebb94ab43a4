/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the qemu driver's unit tests share (test_qemu_*.c): a command
 * line as text, and what define says of a document.
 */
#ifndef NIDO_TEST_QEMU_TEST_H
#define NIDO_TEST_QEMU_TEST_H

#include "daemon/driver-qemu.h"

/* The arguments of @a, one a line (malloc'ed); @a is freed. */
char *qemu_test_args(struct qemu_argv *a);

/* Define's error for the domain XML @text (malloc'ed), or NULL when it
 * is accepted. */
char *qemu_test_refusal(const char *text);

/* The command line of the domain XML @text on @emulator (its disks
 * each one file, its taps from fd 20), arguments one a line
 * (malloc'ed); NULL, and a test failure, when define refuses it. */
char *qemu_test_argv(const char *text, const char *emulator);

/*
 * The QEMU command line of the domain XML @text, one argument a line
 * (malloc'ed), each disk a raw file on an fd as nidod opens them; with
 * @def, the definition formatted again. NULL when define refuses @text
 * or warns about it, with *@why its first words (malloc'ed).
 */
char *qemu_test_argv_def(const char *text, char **def, char **why);

#endif
