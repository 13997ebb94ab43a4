/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nido command line: main.c dispatches on the first word to a
 * command. Two kinds of command:
 *
 * - virsh's verbs declare their options (struct cli_opt) and get them
 *   parsed by command.c as virsh parses them: positional arguments fill
 *   the DATA options in order and may also be given by name (`start
 *   --domain web`), `--opt value` or `--opt=value`, `--` ends options,
 *   `--help` shows `nido help VERB`. The same table prints the help
 *   (NAME, SYNOPSIS, DESCRIPTION, OPTIONS) and feeds bash completion.
 *   After such a verb, as virsh does, an empty line is printed unless
 *   -q was given.
 * - groups with their own syntax (`nido img`, qemu-img's; `nido
 *   install`, virt-install's) get their raw arguments: argv[0] is the
 *   command's name; they return the process exit status.
 */
#ifndef NIDO_CLI_H
#define NIDO_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

enum cli_opt_type {
	OPT_BOOL,   /* --name */
	OPT_STRING, /* --name VALUE */
	OPT_DATA,   /* positional, or --name VALUE */
	OPT_ARGV,   /* every remaining positional argument */
};

struct cli_opt {
	const char *name;
	enum cli_opt_type type;
	bool required; /* OPT_DATA: the command needs it */
	const char *help;
};

/* Room for a command's options; command.c checks tables against it. */
#define CLI_MAX_OPTS 32

/* The parsed arguments of one command (command.c). */
struct cli_args {
	const struct cli_command *cmd;
	const char *val[CLI_MAX_OPTS]; /* by option index; "" for a BOOL */
	char **rest;		       /* OPT_ARGV values (borrowed argv) */
	int n_rest;
};

struct cli_command {
	const char *name;
	/* Groups with their own syntax: the raw arguments (see above). */
	int (*run)(int argc, char **argv);
	const char *summary;
	/* virsh's verbs: parsed options; returns the exit status. */
	int (*exec)(const struct cli_args *a);
	const struct cli_opt *opts; /* ended by a NULL name */
	const char *group; /* help keyword: "domain", "monitor", "host", ... */
	const char *desc;  /* DESCRIPTION in `nido help VERB`; NULL: none */
	const char *synopsis; /* for run commands: their usage line */
};

/* @s escaped for XML text or a single-quoted attribute value (the XML
 * verbs build: pool-define-as, install, snapshot-create-as, ...). */
void cli_xml_escape(FILE *f, const char *s);

/* -q / --quiet: no informational messages, no table headers. */
extern bool cli_quiet;

/* Prints "error: ..." (formatted) to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints to stdout unless -q was given (virsh's vshPrintExtra). */
void cli_print_extra(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Every command, NULL-terminated, in help order (main.c). */
extern const struct cli_command *const cli_tables[];

/* The command named @name, or NULL. */
const struct cli_command *cli_find(const char *name);

/*
 * Parses @argc/@argv (argv[0] is the verb) against @cmd's options and
 * runs it. Returns the exit status; a syntax error prints virsh's
 * message and returns 1.
 */
int cli_exec(const struct cli_command *cmd, int argc, char **argv);

/* The value of option @name: NULL when not given ("" for a BOOL). */
const char *cli_str(const struct cli_args *a, const char *name);
static inline bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_str(a, name) != NULL;
}

/*
 * `nido help [VERB|GROUP]`: the grouped list, one command's NAME,
 * SYNOPSIS, DESCRIPTION and OPTIONS, or one group. Returns the exit
 * status (1 for an unknown name).
 */
int cli_help(const char *what);

#endif
