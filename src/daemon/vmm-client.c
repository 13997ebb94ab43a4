// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A client of nido-vmm's control socket (docs/vmm-api.md): one JSON
 * request per line, one response line back. Every call has a deadline so
 * that a stuck VMM cannot stall the daemon's loop for long.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "daemon/vmm-client.h"
#include "lib/json.h"

/* Largest response accepted from a VMM. */
#define RESPONSE_MAX (256u << 10)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_to(const char *path, struct err **e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, ENAMETOOLONG, "'%s': path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "connecting to '%s'", path);
	return steal_fd(fd);
}

static int wait_fd(int fd, short ev, int64_t deadline, struct err **e)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int r;

	do {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return err_set(e, ETIMEDOUT, "no answer in time");
		r = poll(&p, 1, (int)left);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_sys(e, errno, "poll");
	return 0;
}

/* Reads one line; returns a malloc'ed NUL-terminated string or NULL. */
static char *read_line(int fd, int64_t deadline, struct err **e)
{
	_cleanup_free_ char *buf = xmalloc(RESPONSE_MAX + 1);
	size_t len = 0;

	while (!memchr(buf, '\n', len)) {
		ssize_t n;

		if (len == RESPONSE_MAX) {
			err_set(e, EMSGSIZE, "response too long");
			return NULL;
		}
		if (wait_fd(fd, POLLIN, deadline, e) < 0)
			return NULL;
		n = read(fd, buf + len, RESPONSE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(e, ECONNRESET, "connection closed");
			return NULL;
		}
		len += (size_t)n;
		buf[len] = '\0';
	}
	*strchr(buf, '\n') = '\0';
	return steal_ptr(buf);
}

static int take_result(struct json_object *resp, struct json_object **result,
		       struct err **e)
{
	const char *msg = "request failed";
	bool ok = false;

	if (json_get_bool(resp, "ok", &ok, e) < 0)
		return err_set(e, EPROTO, "response without 'ok'");
	if (!ok) {
		json_get_string_opt(resp, "error", &msg, NULL);
		return err_set(e, EIO, "%s", msg);
	}
	if (result)
		*result = json_object_get(resp);
	return 0;
}

int vmm_call(const char *sock, const char *method, int timeout_ms,
	     struct json_object **result, struct err **e)
{
	int64_t deadline = now_ms() + timeout_ms;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *req = NULL, *line = NULL;
	_cleanup_json_ struct json_object *resp = NULL;
	int n;

	if (result)
		*result = NULL;
	fd = connect_to(sock, e);
	if (fd < 0)
		return fd;
	n = asprintf(&req, "{\"command\":\"%s\"}\n", method);
	if (n < 0)
		return err_set(e, ENOMEM, "out of memory");
	if (write_full(fd, req, (size_t)n) < 0)
		return err_sys(e, errno, "sending '%s'", method);
	line = read_line(fd, deadline, e);
	if (!line)
		return err_prefix(e, "'%s'", method);
	if (json_decode(line, strlen(line), &resp, e) < 0 || !resp ||
	    !json_object_is_type(resp, json_type_object))
		return err_set(e, EPROTO, "'%s': invalid response", method);
	if (take_result(resp, result, e) < 0)
		return err_prefix(e, "'%s'", method);
	return 0;
}
