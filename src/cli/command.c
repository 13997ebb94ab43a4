// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's command syntax and help for nido's verbs (cli.h): the option
 * parser, and `nido help` printed the way virsh 9.0 prints it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/util.h"

bool cli_quiet;

void cli_print_extra(const char *fmt, ...)
{
	va_list ap;

	if (cli_quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

const struct cli_command *cli_find(const char *name)
{
	for (size_t t = 0; cli_tables[t]; t++)
		for (const struct cli_command *c = cli_tables[t]; c->name; c++)
			if (streq(c->name, name))
				return c;
	return NULL;
}

static int opt_index(const struct cli_command *cmd, const char *name)
{
	for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
		if (streq(cmd->opts[i].name, name))
			return i;
	return -1;
}

const char *cli_str(const struct cli_args *a, const char *name)
{
	int i = opt_index(a->cmd, name);

	return i < 0 ? NULL : a->val[i];
}

/* A positional argument: the next DATA option not given yet, or ARGV. */
static int take_data(struct cli_args *a, char **argv, int k)
{
	const struct cli_opt *o = a->cmd->opts;

	for (int i = 0; o && o[i].name; i++) {
		if (o[i].type == OPT_DATA && !a->val[i]) {
			a->val[i] = argv[k];
			return 0;
		}
		if (o[i].type == OPT_ARGV) {
			if (!a->rest)
				a->rest = argv + k;
			a->rest[a->n_rest++] = argv[k];
			return 0;
		}
	}
	cli_error("unexpected data '%s'", argv[k]);
	return -1;
}

/* --name[=value] at argv[*k]; advances *k past a separate value. */
static int take_option(struct cli_args *a, int argc, char **argv, int *k)
{
	const char *arg = argv[*k] + 2, *eq = strchr(arg, '=');
	_cleanup_free_ char *name =
		eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
	int i = opt_index(a->cmd, name);

	if (i < 0) {
		cli_error("command '%s' doesn't support option --%s",
			  a->cmd->name, name);
		return -1;
	}
	if (a->cmd->opts[i].type == OPT_BOOL) {
		if (eq) {
			cli_error("invalid '=' after option --%s", name);
			return -1;
		}
		a->val[i] = "";
		return 0;
	}
	if (eq) {
		a->val[i] = eq + 1;
	} else if (*k + 1 < argc) {
		a->val[i] = argv[++*k];
	} else {
		cli_error("expected syntax: --%s <string>", name);
		return -1;
	}
	if (a->cmd->opts[i].type == OPT_ARGV) { /* --domain NAME for ARGV */
		if (!a->rest)
			a->rest = argv + *k;
		a->rest[a->n_rest++] = (char *)a->val[i];
	}
	return 0;
}

static int parse(struct cli_args *a, int argc, char **argv)
{
	const struct cli_opt *o = a->cmd->opts;
	bool data_only = false;

	for (int k = 1; k < argc; k++) {
		const char *s = argv[k];

		if (!data_only && streq(s, "--")) {
			data_only = true;
		} else if (!data_only && str_has_prefix(s, "--") &&
			   isalnum((unsigned char)s[2])) {
			if (streq(s, "--help"))
				return 1;
			if (take_option(a, argc, argv, &k) < 0)
				return -1;
		} else if (take_data(a, argv, k) < 0) {
			return -1;
		}
	}
	for (int i = 0; o && o[i].name; i++)
		if (o[i].required && !a->val[i] &&
		    !(o[i].type == OPT_ARGV && a->n_rest)) {
			cli_error("command '%s' requires <%s> option",
				  a->cmd->name, o[i].name);
			return -1;
		}
	return 0;
}

int cli_exec(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_args a = {.cmd = cmd};
	int r;

	if (cmd->run)
		return cmd->run(argc, argv);
	/* rest[] reuses argv's slots already consumed: never overruns */
	r = parse(&a, argc, argv);
	if (r == 1)
		r = cli_help(cmd->name);
	else
		r = r < 0 ? 1 : cmd->exec(&a);
	fflush(stderr);
	cli_print_extra("\n");
	return r;
}

/* "<domain>", "[--file] <string>", "--mode <string>", "--all" */
static void opt_label(const struct cli_opt *o, bool synopsis, char *buf,
		      size_t n)
{
	switch (o->type) {
	case OPT_BOOL:
		snprintf(buf, n, synopsis ? "[--%s]" : "--%s", o->name);
		break;
	case OPT_STRING:
		snprintf(buf, n, synopsis ? "[--%s <string>]" : "--%s <string>",
			 o->name);
		break;
	case OPT_DATA:
		if (synopsis)
			snprintf(buf, n, o->required ? "<%s>" : "[<%s>]",
				 o->name);
		else
			snprintf(buf, n, "[--%s] <string>", o->name);
		break;
	case OPT_ARGV:
		snprintf(buf, n, synopsis ? "[<%s>]..." : "<%s>", o->name);
		break;
	}
}

static void help_command(const struct cli_command *c)
{
	char label[96];

	printf("  NAME\n    %s - %s\n\n  SYNOPSIS\n    %s", c->name, c->summary,
	       c->name);
	if (c->synopsis)
		printf(" %s", c->synopsis);
	for (int i = 0; c->opts && c->opts[i].name; i++) {
		opt_label(&c->opts[i], true, label, sizeof(label));
		printf(" %s", label);
	}
	printf("\n\n");
	if (c->desc)
		printf("  DESCRIPTION\n    %s\n\n", c->desc);
	if (c->opts && c->opts[0].name) {
		printf("  OPTIONS\n");
		for (int i = 0; c->opts[i].name; i++) {
			opt_label(&c->opts[i], false, label, sizeof(label));
			printf("    %-15s  %s\n", label, c->opts[i].help);
		}
		printf("\n");
	}
}

static const struct {
	const char *keyword, *title;
} groups[] = {
	{"domain", "Domain Management"}, {"monitor", "Domain Monitoring"},
	{"events", "Domain Events"},	 {"host", "Host and Hypervisor"},
	{"network", "Networking"},	 {"pool", "Storage Pool"},
	{"volume", "Storage Volume"},	 {"snapshot", "Snapshot"},
	{"img", "Disk Images"},		 {"nido", "Nido itself"},
};

static int by_name(const void *a, const void *b)
{
	const struct cli_command *x = *(const struct cli_command *const *)a;
	const struct cli_command *y = *(const struct cli_command *const *)b;

	return strcmp(x->name, y->name);
}

static void help_group(size_t g)
{
	const struct cli_command *v[128];
	size_t n = 0;

	for (size_t t = 0; cli_tables[t]; t++)
		for (const struct cli_command *c = cli_tables[t]; c->name; c++)
			if (streq(c->group, groups[g].keyword) &&
			    n < ARRAY_SIZE(v))
				v[n++] = c;
	qsort(v, n, sizeof(*v), by_name);
	printf(" %s (help keyword '%s'):\n", groups[g].title,
	       groups[g].keyword);
	for (size_t i = 0; i < n; i++)
		printf("    %-30s %s\n", v[i]->name, v[i]->summary);
	printf("\n");
}

int cli_help(const char *what)
{
	const struct cli_command *c;

	if (!what) {
		printf("Grouped commands:\n\n");
		for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
			help_group(g);
	} else if ((c = cli_find(what))) {
		help_command(c);
	} else {
		for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
			if (streq(what, groups[g].keyword)) {
				help_group(g);
				return 0;
			}
		cli_error("command or command group '%s' doesn't exist", what);
		return 1;
	}
	return 0;
}

void cli_xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}
