// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido: the command line client. Global options (-c URI, -q), then one
 * command looked up in cli_tables (cli.h): virsh's verbs (domain.c,
 * domain-monitor.c, edit.c, here: help and version) and the groups with
 * their own syntax (img, install).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "cli/img.h"
#include "cli/network.h"
#include "cli/pool.h"
#include "lib/json.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int cmd_help(const struct cli_args *a)
{
	return cli_help(cli_str(a, "command"));
}

/* virsh version: the client's, the daemon's API, the hypervisor's. */
static int cmd_version(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *api = NULL, *hv = NULL, *hv_version = NULL;

	printf("Compiled against library: nido %s\n", NIDO_VERSION);
	printf("Using library: nido %s\n", NIDO_VERSION);
	if (client_call1("daemon.info", NULL, &res, &e) < 0 ||
	    json_get_string(res, "version", &api, &e) < 0) {
		cli_error("failed to get the daemon's version: %s", err_msg(e));
		return 1;
	}
	json_get_string_opt(res, "hypervisor", &hv, NULL);
	json_get_string_opt(res, "hypervisor_version", &hv_version, NULL);
	printf("Using API: nido %s\n", api);
	if (hv && hv_version)
		printf("Running hypervisor: %s %s\n", hv, hv_version);
	if (cli_flag(a, "daemon"))
		printf("Running against daemon: %s\n", api);
	return 0;
}

static const struct cli_opt opts_help[] = {
	{"command", OPT_DATA, false,
	 "Prints global help, command specific help, or help for a group of "
	 "related commands"},
	{0},
};

static const struct cli_opt opts_version[] = {
	{"daemon", OPT_BOOL, false, "report daemon version too"},
	{0},
};

static const struct cli_command main_commands[] = {
	{"help", NULL, "print help", cmd_help, opts_help, "nido",
	 "Prints global help, command specific help, or help for a\n"
	 "    group of related commands"},
	{"version", NULL, "show version", cmd_version, opts_version, "host",
	 "Display the system version information."},
	{"img", cmd_img,
	 "disk images (qemu-img's verbs; see 'nido img --help')",
	 .group = "img", .synopsis = "COMMAND [ARGS...]"},
	{"install", cmd_install, "create, define and start a domain",
	 .group = "domain",
	 .synopsis = "--name NAME --kernel PATH [OPTIONS...]",
	 .desc = "virt-install's job; see 'nido install --help'."},
	{"clone", cmd_clone,
	 "clone a shut off domain, or one of its snapshots (virt-clone)",
	 .group = "domain",
	 .synopsis = "--original NAME [--name NEW | --auto-clone] "
		     "[--file PATH]... [OPTIONS...]",
	 .desc = "virt-clone's job; see 'nido clone --help'."},
	{NULL},
};

const struct cli_command *const cli_tables[] = {
	main_commands,
	domain_commands,
	monitor_commands,
	event_commands,
	iface_commands,
	screenshot_commands,
	network_commands,
	agent_commands,
	save_commands,	      /* domain-save.c */
	mem_commands,	      /* domain-mem.c */
	vcpu_commands,	      /* domain-vcpu.c */
	snapshot_commands,    /* snapshot.c */
	blockjob_commands,    /* blockjob.c */
	exec_commands,	      /* exec.c: containers */
	ct_template_commands, /* ct-template.c */
	pool_commands,
	volume_commands,
	NULL,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: nido [-c URI] [-r] [-q] COMMAND [ARGS...]\n"
		   "       nido help [COMMAND|GROUP]\n");
}

/*
 * Global options before the command: -c/--connect URI, -r/--readonly
 * (the daemon's read-only socket), -q/--quiet.
 * Returns the index of the command, or -1 after an error.
 */
static int global_options(int argc, char **argv)
{
	int a = 1;

	while (a < argc) {
		const char *s = argv[a];

		if (streq(s, "-q") || streq(s, "--quiet")) {
			cli_quiet = true;
			a++;
		} else if (streq(s, "-r") || streq(s, "--readonly")) {
			client_set_readonly(true);
			a++;
		} else if (streq(s, "-c") || streq(s, "--connect")) {
			if (a + 1 >= argc) {
				cli_error("%s needs a URI (nido:///system or "
					  "nido:///session)",
					  s);
				return -1;
			}
			client_set_uri(argv[a + 1]);
			a += 2;
		} else if (str_has_prefix(s, "--connect=")) {
			client_set_uri(s + strlen("--connect="));
			a++;
		} else {
			break;
		}
	}
	return a;
}

int main(int argc, char **argv)
{
	const struct cli_command *c;
	int a = global_options(argc, argv);

	if (a < 0)
		return 1;
	if (a >= argc) {
		usage(stderr);
		return 1;
	}
	if (streq(argv[a], "--version") || streq(argv[a], "-v")) {
		printf("nido %s\n", NIDO_VERSION);
		return 0;
	}
	if (streq(argv[a], "--help") || streq(argv[a], "-h"))
		return cli_help(NULL);
	c = cli_find(argv[a]);
	if (!c) {
		cli_error("unknown command: '%s' (see 'nido help')", argv[a]);
		return 1;
	}
	return cli_exec(c, argc - a, argv + a);
}
