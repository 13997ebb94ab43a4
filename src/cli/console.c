// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido console: connects the terminal to a domain's serial console
 * through the daemon (domain.open_console upgrades the API connection to
 * a byte stream, docs/api.md "Streams"), so it works wherever the API
 * reaches: the local socket, TLS, SSH. Ctrl-] leaves, as in virsh.
 * Without a terminal on stdin (scripts, tests), input is sent as it
 * comes, and after its end the console is left once the guest has been
 * quiet for a moment.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"

#define ESCAPE_CHAR 0x1d /* Ctrl-] */
#define QUIET_MS    500

struct relay {
	int sock;
	bool in_open;
	bool done;
	char out[4096]; /* typed, not yet taken by the socket */
	size_t out_off, out_len;
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

/* Takes what was typed; Ctrl-] ends the session. */
static void from_stdin(struct relay *r)
{
	ssize_t n = read(STDIN_FILENO, r->out, sizeof(r->out));
	char *esc;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		r->in_open = false;
		return;
	}
	esc = memchr(r->out, ESCAPE_CHAR, (size_t)n);
	if (esc) {
		n = esc - r->out;
		r->done = true;
	}
	r->out_off = 0;
	r->out_len = (size_t)n;
}

/* Sends what waits without blocking: the daemon may not take it yet. */
static void to_sock(struct relay *r)
{
	ssize_t n = send(r->sock, r->out + r->out_off, r->out_len,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		r->done = true;
		r->out_len = 0;
		return;
	}
	r->out_off += (size_t)n;
	r->out_len -= (size_t)n;
}

/* Returns false when the stream is over (the domain stopped). */
static bool from_sock(struct relay *r)
{
	char buf[4096];
	ssize_t n = read(r->sock, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return write_full(STDOUT_FILENO, buf, (size_t)n) == 0;
}

static void relay_run(struct relay *r)
{
	while (!r->done || r->out_len) {
		bool typing = r->in_open && !r->done && !r->out_len;
		struct pollfd p[2] = {
			{.fd = r->sock,
			 .events = POLLIN | (r->out_len ? POLLOUT : 0)},
			{.fd = typing ? STDIN_FILENO : -1, .events = POLLIN},
		};
		int n = poll(p, 2, r->in_open || r->out_len ? -1 : QUIET_MS);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* input ended and the guest is quiet */
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !from_sock(r))
			break;
		if ((p[0].revents & POLLOUT) && r->out_len)
			to_sock(r);
		if (p[1].revents)
			from_stdin(r);
		if (r->out_len)
			to_sock(r);
	}
}

/* Asks the daemon for the console stream; errors are printed. */
static struct nido_conn *open_console(const char *name, bool force)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = client_domain_params(name);
	struct nido_conn *c = client_connect(&e);

	if (!c) {
		json_object_put(p);
		cli_error("%s", err_msg(e));
		return NULL;
	}
	if (force)
		json_object_object_add(p, "force", json_object_new_boolean(1));
	if (client_call(c, "domain.open_console", p, &res, &e) < 0) {
		client_close(c);
		/* virsh's words for these are the daemon's */
		if (err_kind(e) == ERR_OPERATION_FAILED ||
		    err_kind(e) == ERR_RESOURCE_BUSY)
			cli_error("%s", err_msg(e));
		else
			domain_fail("open the console of", name, e);
		return NULL;
	}
	return c;
}

int console_run(const char *name, bool force)
{
	struct relay r = {.in_open = true};
	struct nido_conn *c = open_console(name, force);
	struct termios saved;
	bool tty = isatty(STDIN_FILENO);
	char early[4096];
	size_t n;

	if (!c)
		return 1;
	r.sock = client_fd(c);
	cli_print_extra("Connected to domain '%s'\n"
			"Escape character is ^] (Ctrl + ])\n",
			name);
	fflush(stdout);
	/* Guest output that came with the answer. */
	while ((n = client_take_buffered(c, early, sizeof(early))))
		write_full(STDOUT_FILENO, early, n);
	if (tty)
		raw_mode(STDIN_FILENO, &saved);
	relay_run(&r);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	client_close(c);
	return 0;
}
