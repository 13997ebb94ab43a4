// SPDX-License-Identifier: GPL-2.0-or-later
/* nido: the command line client. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli/cli.h"
#include "cli/img.h"

static int cmd_version(int argc, char **argv);

static const struct cli_command commands[] = {
	{"version", cmd_version, "print the version of nido"},
	{"img", cmd_img, "disk images (qemu-img's verbs)"},
};

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int cmd_version(int argc, char **argv)
{
	printf("nido %s\n", NIDO_VERSION);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nido [--version] COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(0, NULL);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cli_error("unknown command '%s' (see 'nido help')", argv[1]);
	return 1;
}
