// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido lxc-enter-namespace (virsh's verb) and nido exec: a command in
 * every namespace of a running container, through the daemon's
 * domain.exec (docs/containers.md, "Commands inside"). The command's
 * stdin is this one's when it is not a terminal (read whole first, up to
 * the daemon's limit); its stdout and stderr come back whole, and nido
 * exits with its status.
 */
#include <errno.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "lib/buf.h"
#include "lib/json.h"

#define STDIN_MAX (512u << 10) /* the daemon's EXEC_MAX_STDIN */

/* Reads stdin whole (not a terminal's: nothing is typed to a command
 * that already runs). Returns 0, or 1 after an error is printed. */
static int read_stdin(struct buf *in)
{
	ssize_t n;

	if (isatty(STDIN_FILENO))
		return 0;
	do {
		n = buf_read_fd(in, STDIN_FILENO, 65536);
		if (in->len > STDIN_MAX) {
			cli_error("stdin: more than %u bytes (a command's "
				  "input is sent whole)",
				  STDIN_MAX);
			return 1;
		}
	} while (n > 0 || n == -EINTR);
	if (n < 0 && n != -EAGAIN) {
		cli_error("reading stdin: %s", strerror((int)-n));
		return 1;
	}
	return 0;
}

static struct json_object *params(const struct cli_args *a, struct buf *in)
{
	const char *name = cli_str(a, "domain");
	struct json_object *p = client_domain_params(name);
	struct json_object *argv = json_object_new_array();

	for (int i = 0; i < a->n_rest; i++)
		json_object_array_add(argv, json_object_new_string(a->rest[i]));
	json_object_object_add(p, "argv", argv);
	if (in->len)
		json_object_object_add(
			p, "stdin",
			json_object_new_string_len(in->data, (int)in->len));
	return p;
}

static void put(int fd, struct json_object *res, const char *key)
{
	struct json_object *v = NULL;

	if (json_object_object_get_ex(res, key, &v) &&
	    json_object_is_type(v, json_type_string))
		write_full(fd, json_object_get_string(v),
			   (size_t)json_object_get_string_len(v));
}

static int cmd_exec(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_buf_ struct buf in = BUF_INIT;
	const char *name = cli_str(a, "domain");
	int64_t status = 0;

	if (read_stdin(&in))
		return 1;
	if (client_call1("domain.exec", params(a, &in), &res, &e) < 0)
		return domain_fail("run a command in", name, e);
	put(STDOUT_FILENO, res, "stdout");
	put(STDERR_FILENO, res, "stderr");
	if (jbool(res, "truncated"))
		cli_error("the command's output was cut at the daemon's "
			  "limit");
	if (json_get_int64(res, "status", &status, NULL) < 0 || status < 0 ||
	    status > 255)
		status = 255;
	return (int)status;
}

static const struct cli_opt opts_enter[] = {
	{"domain", OPT_DATA, true, "domain name, id or uuid"},
	{"noseclabel", OPT_BOOL, false,
	 "Do not change process security label (nido sets none)"},
	{"cmd", OPT_ARGV, true, "command to run"},
	{0},
};

static const struct cli_opt opts_exec[] = {
	{"domain", OPT_DATA, true, "domain name, id or uuid"},
	{"cmd", OPT_ARGV, true, "command to run"},
	{0},
};

const struct cli_command exec_commands[] = {
	{"lxc-enter-namespace", NULL, "LXC Guest Enter Namespace", cmd_exec,
	 opts_enter, "domain",
	 "Run an arbitrary command in a lxc guest namespace; use at your "
	 "own risk. The command runs in every namespace of the container, "
	 "as its root with its capability bound and seccomp profile; its "
	 "output comes back when it ends, and nido exits with its status."},
	{"exec", NULL, "run a command inside a container", cmd_exec, opts_exec,
	 "domain",
	 "Run a command inside a running container, as lxc-enter-namespace "
	 "does: in all of its namespaces, as its root. stdin (when not a "
	 "terminal) is sent whole; stdout and stderr come back when the "
	 "command ends, and nido exits with its status."},
	{NULL},
};
