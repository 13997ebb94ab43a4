/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nido command line: main.c dispatches on the first word to a command
 * group, one file per group (img.c for `nido img`, ...). A group's entry
 * point gets the arguments after the group's name (argv[0] is the verb)
 * and returns the process exit status.
 */
#ifndef NIDO_CLI_H
#define NIDO_CLI_H

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Prints "nido: error: ..." (formatted) to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
