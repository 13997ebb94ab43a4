/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's verbs (virsh's): domain.c, console.c, install.c. main.c
 * looks a command up in domain_commands (ended by a NULL name) when it is
 * not one of its own.
 */
#ifndef NIDO_CLI_DOMAIN_H
#define NIDO_CLI_DOMAIN_H

#include "cli/cli.h"

extern const struct cli_command domain_commands[];

/* Handles "-c URI" / "--connect URI" / "--connect=URI" at argv[*i]:
 * returns 1 and advances *i when it was one, 0 when not, -1 on error. */
int domain_global_option(int argc, char **argv, int *i);

int cmd_console(int argc, char **argv);
int cmd_install(int argc, char **argv);

#endif
