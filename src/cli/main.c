// SPDX-License-Identifier: GPL-2.0-or-later
/* nido: the command line client. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
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
	fprintf(f, "usage: nido [--version] [-c URI] [-r] COMMAND [ARGS...]\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	for (size_t i = 0; domain_commands[i].name; i++)
		fprintf(f, "  %-10s %s\n", domain_commands[i].name,
			domain_commands[i].summary);
}

int main(int argc, char **argv)
{
	int a = 1, r = 0;

	while (a < argc) {
		if (!strcmp(argv[a], "-r") || !strcmp(argv[a], "--readonly")) {
			client_set_readonly(true);
			a++;
			continue;
		}
		r = domain_global_option(argc, argv, &a);
		if (r != 1)
			break;
	}
	if (a < argc && r < 0)
		return 1;
	argc -= a - 1; /* the command is argv[1] from here on */
	argv += a - 1;
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
	for (size_t i = 0; domain_commands[i].name; i++)
		if (!strcmp(argv[1], domain_commands[i].name))
			return domain_commands[i].run(argc - 1, argv + 1);
	cli_error("unknown command '%s' (see 'nido help')", argv[1]);
	return 1;
}
