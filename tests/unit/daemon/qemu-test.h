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
/* A type 'qemu' pc domain with <devices> @devs (malloc'ed). */
char *qemu_test_xml(const char *devs);
/* qemu_test_xml(@devs) defined: the definition, or NULL with *@why
 * saying why (refused, or the first warning; malloc'ed). */
struct domain_def *qemu_test_define(const char *devs, char **why);
/* @d's whole command line, one argument a line: each disk on one image
 * file (at most 8), the chardevs' fds from @first_chr_fd on. */
char *qemu_test_def_argv(const struct domain_def *d, int first_chr_fd);

/*
 * The QEMU command line of the domain XML @text, one argument a line
 * (malloc'ed), each disk a raw file on an fd as nidod opens them; with
 * @def, the definition formatted again. NULL when define refuses @text
 * or warns about it, with *@why its first words (malloc'ed).
 */
char *qemu_test_argv_def(const char *text, char **def, char **why);

#endif
