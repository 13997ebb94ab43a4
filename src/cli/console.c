// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido console: connects the terminal to a domain's serial console (the
 * pseudo-terminal nido-vmm opened, which the daemon names). Ctrl-]
 * leaves, as in virsh. Without a terminal on stdin (scripts, tests),
 * input is sent as it comes, and after its end the console is left once
 * the guest has been quiet for a moment.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"

#define ESCAPE_CHAR 0x1d /* Ctrl-] */
#define QUIET_MS    500

struct relay {
	int pty;
	bool in_open;
	bool done;
};

static void raw_mode(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, saved) < 0)
		return;
	t = *saved;
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
}

/* Forwards stdin to the pty; Ctrl-] ends the session. */
static void from_stdin(struct relay *r)
{
	char buf[1024];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	char *esc;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		r->in_open = false;
		return;
	}
	esc = memchr(buf, ESCAPE_CHAR, (size_t)n);
	if (esc) {
		n = esc - buf;
		r->done = true;
	}
	if (n > 0 && write_full(r->pty, buf, (size_t)n) < 0)
		r->done = true;
}

/* Returns false when the pty is gone (the domain stopped). */
static bool from_pty(struct relay *r)
{
	char buf[4096];
	ssize_t n = read(r->pty, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return write_full(STDOUT_FILENO, buf, (size_t)n) == 0;
}

static void relay_run(struct relay *r)
{
	while (!r->done) {
		struct pollfd p[2] = {
			{.fd = r->pty, .events = POLLIN},
			{.fd = r->in_open ? STDIN_FILENO : -1,
			 .events = POLLIN},
		};
		int n = poll(p, 2, r->in_open ? -1 : QUIET_MS);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* input ended and the guest is quiet */
		if (p[0].revents && !from_pty(r))
			break;
		if (p[1].revents)
			from_stdin(r);
	}
}

static int open_pty(const char *path, const char *name)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		cli_error("failed to open the console of domain '%s': '%s': %s",
			  name, path, strerror(errno));
		return -1;
	}
	/* The guest's bytes pass as they are: no echo, no line editing. */
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

int console_run(const char *name)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *pty = NULL;
	struct relay r = {.in_open = true};
	struct termios saved;
	bool tty = isatty(STDIN_FILENO);

	if (client_call1("domain.console", client_domain_params(name), &res,
			 &e) < 0 ||
	    json_get_string(res, "pty", &pty, &e) < 0) {
		cli_error("failed to open the console of domain '%s': %s", name,
			  err_msg(e));
		return 1;
	}
	r.pty = open_pty(pty, name);
	if (r.pty < 0)
		return 1;
	cli_print_extra("Connected to domain '%s'\n"
			"Escape character is ^] (Ctrl + ])\n",
			name);
	fflush(stdout);
	if (tty)
		raw_mode(STDIN_FILENO, &saved);
	relay_run(&r);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	close_safe(r.pty);
	return 0;
}
