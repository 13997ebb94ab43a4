// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido clone: virt-clone's options (docs/cli.md, docs/snapshots.md
 * "Clones"); nidod makes the images and defines the clone
 * ("domain.clone").
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"
#include "lib/util.h"

static void usage(FILE *f)
{
	fputs("usage: nido clone --original NAME [--name NEW | --auto-clone]\n"
	      "         [--file PATH]... [--linked] [--preserve-data]\n"
	      "         [--skip-copy TARGET]... [--mac MAC|RANDOM]... "
	      "[--uuid UUID]\n"
	      "         [--snapshot SNAP]\n"
	      "Makes a new domain from a shut off one (or, --snapshot, "
	      "from one of its\n"
	      "snapshots, running or not): its definition with a name,\n"
	      "a UUID and MAC addresses of its own, and a new image for "
	      "each disk\n"
	      "the guest writes (read-only and shareable disks and cdroms "
	      "are shared).\n"
	      "  -o, --original NAME   the domain to clone\n"
	      "  -n, --name NEW        the clone's name\n"
	      "      --auto-clone      name and image paths made from the "
	      "original's\n"
	      "  -f, --file PATH       the new image of the next disk, in "
	      "order\n"
	      "      --linked          qcow2 overlays over the original's "
	      "images\n"
	      "                        (the original must not run again "
	      "while the\n"
	      "                        clone uses them)\n"
	      "      --preserve-data   use the --file images as they are, "
	      "no copy\n"
	      "      --skip-copy TARGET  share that disk with the original\n"
	      "  -m, --mac MAC         the next interface's MAC (RANDOM: "
	      "a new one)\n"
	      "  -u, --uuid UUID       the clone's UUID\n"
	      "      --snapshot SNAP   the snapshot's definition and disk "
	      "contents\n"
	      "                        (internal or external; not with "
	      "--linked)\n",
	      f);
}

static void add_bool(struct json_object *p, const char *k)
{
	json_object_object_add(p, k, json_object_new_boolean(true));
}

/* Appends @v to the array @k of @p (made if need be). */
static void add_item(struct json_object *p, const char *k, const char *v)
{
	struct json_object *a;

	if (!json_object_object_get_ex(p, k, &a)) {
		a = json_object_new_array();
		json_object_object_add(p, k, a);
	}
	json_object_array_add(a, json_object_new_string(v));
}

/* The path as nidod must see it: absolute, from this directory. */
static char *absolute(const char *path)
{
	_cleanup_free_ char *cwd = NULL;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	return xasprintf("%s/%s", cwd ? cwd : "", path);
}

static int take(int c, const char *arg, struct json_object *p)
{
	_cleanup_free_ char *abs = NULL;

	switch (c) {
	case 'o':
	case 'n':
	case 'u':
	case 'S':
		json_object_object_add(p,
				       c == 'o'	  ? "original"
				       : c == 'n' ? "name"
				       : c == 'S' ? "snapshot"
						  : "uuid",
				       json_object_new_string(arg));
		return 0;
	case 'a':
		add_bool(p, "auto_clone");
		return 0;
	case 'l':
		add_bool(p, "linked");
		return 0;
	case 'p':
		add_bool(p, "preserve_data");
		return 0;
	case 'f':
		abs = absolute(arg);
		add_item(p, "files", abs);
		return 0;
	case 's':
		add_item(p, "skip_copy", arg);
		return 0;
	case 'm':
		add_item(p, "macs", arg);
		return 0;
	case 'h':
		usage(stdout);
		return 1;
	default:
		return -1;
	}
}

int cmd_clone(int argc, char **argv)
{
	static const struct option opts[] = {
		{"original", required_argument, NULL, 'o'},
		{"name", required_argument, NULL, 'n'},
		{"auto-clone", no_argument, NULL, 'a'},
		{"file", required_argument, NULL, 'f'},
		{"linked", no_argument, NULL, 'l'},
		{"preserve-data", no_argument, NULL, 'p'},
		{"skip-copy", required_argument, NULL, 's'},
		{"mac", required_argument, NULL, 'm'},
		{"uuid", required_argument, NULL, 'u'},
		{"snapshot", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object();
	struct json_object *orig;
	_cleanup_free_ char *name = NULL;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:n:f:m:u:", opts, NULL)) != -1) {
		r = take(c, optarg, p);
		if (r != 0) {
			if (r < 0)
				cli_error("clone: unknown option or missing "
					  "argument '%s' (see nido clone "
					  "--help)",
					  argv[optind - 1]);
			json_object_put(p);
			return r < 0 ? 1 : 0;
		}
	}
	if (optind < argc || !json_object_object_get_ex(p, "original", &orig)) {
		cli_error("clone: %s", optind < argc
					       ? "unexpected argument"
					       : "--original NAME is required");
		json_object_put(p);
		return 1;
	}
	/* the call takes @p over */
	name = xstrdup(json_object_get_string(orig));
	if (client_call1("domain.clone", p, &res, &e) < 0) {
		cli_error("Failed to clone domain '%s'", name);
		cli_error("%s", err_msg(e));
		return 1;
	}
	cli_print_extra("\nClone '%s' created successfully.\n",
			jstr(res, "name"));
	return 0;
}
