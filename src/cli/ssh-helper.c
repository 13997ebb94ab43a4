// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido-ssh-helper: the remote end of nido+ssh:// (docs/remote.md), as
 * libvirt's virt-ssh-helper. ssh runs it on the daemon's host; it
 * connects to the local nidod socket named by its URI and copies bytes
 * both ways between that socket and its stdin/stdout until either side
 * ends. The daemon checks the peer (this helper, running as the ssh
 * user) as it checks any local client.
 *
 *   nido-ssh-helper [--readonly] nido:///system
 *   nido-ssh-helper nido+unix:///session?socket=PATH
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>

#include "cli/uri.h"
#include "daemon/paths.h"
#include "lib/sock.h"

/* Copies one chunk from @from to @to. Returns bytes copied, 0 at EOF. */
static ssize_t relay(int from, int to)
{
	char buf[65536];
	ssize_t n;

	do
		n = read(from, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0 && write_full(to, buf, (size_t)n) < 0)
		return -1;
	return n;
}

static int pump(int sock)
{
	struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
			      {.fd = sock, .events = POLLIN}};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[0].revents) {
			ssize_t n = relay(STDIN_FILENO, sock);

			if (n < 0)
				return -1;
			if (n == 0) { /* the client is done sending */
				shutdown(sock, SHUT_WR);
				p[0].fd = -1;
			}
		}
		if (p[1].revents) {
			ssize_t n = relay(sock, STDOUT_FILENO);

			if (n <= 0)
				return n < 0 ? -1 : 0;
		}
	}
}

static int socket_path(const char *text, bool ro, char **path, struct err **e)
{
	struct nido_uri u;
	struct nido_paths p;

	if (uri_parse(text, &u, e) < 0)
		return -EINVAL;
	if (u.transport != URI_LOCAL && u.transport != URI_UNIX) {
		uri_release(&u);
		return err_set(e, EINVAL, "'%s' is not a local URI", text);
	}
	if (u.socket) {
		*path = steal_ptr(u.socket);
	} else {
		if (paths_resolve(u.system, NULL, NULL, &p, e) < 0) {
			uri_release(&u);
			return -EINVAL;
		}
		*path = xstrdup(ro ? p.socket_ro : p.socket);
		paths_release(&p);
	}
	uri_release(&u);
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int sock = -1;
	bool ro = argc > 1 &&
		  (streq(argv[1], "--readonly") || streq(argv[1], "-r"));

	if (argc != 2 + ro) {
		fputs("usage: nido-ssh-helper [--readonly] URI\n", stderr);
		return 2;
	}
	if (socket_path(argv[1 + ro], ro, &path, &e) < 0) {
		fprintf(stderr, "nido-ssh-helper: %s\n", err_msg(e));
		return 1;
	}
	sock = sock_unix_connect(path, 0, &e);
	if (sock < 0) {
		fprintf(stderr, "nido-ssh-helper: %s\n", err_msg(e));
		return 1;
	}
	return pump(sock) < 0 ? 1 : 0;
}
