// SPDX-License-Identifier: GPL-2.0-or-later
/* The CLI's side of the daemon API (client.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "cli/client.h"
#include "daemon/paths.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/sock.h"
#include "lib/spawn.h"

/* Largest response line accepted. */
#define RESPONSE_MAX (64u << 20)

struct nido_conn {
	int fd;
	int next_id;
	char *buf;
	size_t len, cap;
};

static const char *uri_opt;
static bool read_only;

void client_set_uri(const char *uri)
{
	uri_opt = uri;
}

void client_set_readonly(bool ro)
{
	read_only = ro;
}

/* Returns 1 for system, 0 for session, -EINVAL for an unknown URI. */
static int uri_mode(struct err **e)
{
	const char *uri = uri_opt;

	if (!uri)
		uri = getenv("NIDO_DEFAULT_URI");
	if (!uri || !*uri)
		return geteuid() == 0;
	if (streq(uri, "nido:///system"))
		return 1;
	if (streq(uri, "nido:///session"))
		return 0;
	return err_set(e, EINVAL,
		       "unsupported URI '%s' (expected "
		       "nido:///system or nido:///session)",
		       uri);
}

static int connect_unix(const char *path, struct err **e)
{
	int fd = sock_unix_connect(path, 0, e);

	if (fd < 0)
		return err_sys(e, -fd,
			       "failed to connect to the daemon at '%s' (is "
			       "nidod running?)",
			       path);
	return fd;
}

/* nidod: $NIDO_DAEMON, next to nido, or in the build tree. */
static char *find_daemon(void)
{
	return paths_find_program("nidod", "NIDO_DAEMON", "daemon", "sbin");
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Starts the session daemon, as libvirt's session daemon is started: it
 * exits after two minutes without clients nor running domains.
 */
static int start_session_daemon(const struct nido_paths *p, struct err **e)
{
	_cleanup_free_ char *nidod = find_daemon();
	_cleanup_free_ char *logp = xasprintf("%s/nidod.log", p->runtime_dir);
	char *argv[] = {nidod, "--session", "--timeout=120", NULL};
	struct spawn_opts o;
	struct spawn_child c;
	_cleanup_close_ int logfd = -1;

	if (file_mkdir_p(p->runtime_dir, 0700, e) < 0)
		return -EIO;
	logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdout_fd = logfd;
	o.stderr_fd = logfd;
	o.new_session = 1;
	if (spawn_start(&o, &c, e) < 0)
		return err_prefix(e, "starting the session daemon");
	/* It lives on; nobody waits for it but init. */
	close_safe(c.pidfd);
	return 0;
}

static int open_socket(struct err **e)
{
	struct nido_paths p;
	int system = uri_mode(e), fd;
	const char *env = getenv("NIDO_START_TIMEOUT_MS");
	int timeout = env ? atoi(env) : 10000;

	if (system < 0)
		return system;
	if (paths_resolve(system, NULL, NULL, &p, e) < 0)
		return -EINVAL;
	if (read_only) {
		free(p.socket);
		p.socket = steal_ptr(p.socket_ro);
	}
	fd = connect_unix(p.socket, e);
	if (fd < 0 && !system && (fd == -ENOENT || fd == -ECONNREFUSED)) {
		err_free(steal_ptr(*e));
		fd = start_session_daemon(&p, e);
		for (int waited = 0; fd == 0; waited += 20) {
			sleep_ms(20);
			fd = connect_unix(p.socket,
					  waited >= timeout ? e : NULL);
			if (fd >= 0 || waited >= timeout)
				break;
			fd = 0;
		}
	}
	paths_release(&p);
	return fd;
}

struct nido_conn *client_connect(struct err **e)
{
	struct nido_conn *c;
	int fd = open_socket(e);

	if (fd < 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->next_id = 1;
	return c;
}

void client_close(struct nido_conn *c)
{
	if (!c)
		return;
	close_safe(c->fd);
	free(c->buf);
	free(c);
}

/* Reads the next line into a malloc'ed string (without the newline). */
static char *read_line(struct nido_conn *c, struct err **e)
{
	char *nl;

	while (!c->len || !(nl = memchr(c->buf, '\n', c->len))) {
		ssize_t n;

		if (c->len == RESPONSE_MAX) {
			err_set(e, EMSGSIZE,
				"response from the daemon is too "
				"long");
			return NULL;
		}
		if (c->cap - c->len < 65536) {
			c->cap = MIN(MAX(c->cap * 2, c->len + 65536),
				     (size_t)RESPONSE_MAX);
			c->buf = xrealloc(c->buf, c->cap);
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(e, ECONNRESET,
				"the daemon closed the "
				"connection");
			return NULL;
		}
		c->len += (size_t)n;
	}
	{
		size_t llen = (size_t)(nl - c->buf);
		char *line = xstrndup(c->buf, llen);

		memmove(c->buf, nl + 1, c->len - llen - 1);
		c->len -= llen + 1;
		return line;
	}
}

static int take_response(struct json_object *resp, struct json_object **result,
			 struct err **e)
{
	struct json_object *err, *res = NULL;
	const char *msg = "request failed";
	int64_t code = EIO;

	if (json_object_object_get_ex(resp, "error", &err) && err) {
		json_get_string_opt(err, "message", &msg, NULL);
		json_get_int64_opt(err, "code", &code, NULL);
		if (code <= 0 || code > 4095)
			code = EPROTO;
		return err_set(e, (int)code, "%s", msg);
	}
	json_object_object_get_ex(resp, "result", &res);
	if (result)
		*result = json_object_get(res);
	return 0;
}

int client_call(struct nido_conn *c, const char *method,
		struct json_object *params, struct json_object **result,
		struct err **e)
{
	_cleanup_json_ struct json_object *req = json_object_new_object();
	_cleanup_json_ struct json_object *resp = NULL;
	_cleanup_free_ char *line = NULL, *text = NULL;
	size_t len;

	if (result)
		*result = NULL;
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int(c->next_id++));
	json_object_object_add(req, "method", json_object_new_string(method));
	if (params)
		json_object_object_add(req, "params", params);
	text = json_encode_line(req, &len);
	text = xrealloc(text, len + 1);
	text[len++] = '\n';
	if (write_full(c->fd, text, len) < 0)
		return err_sys(e, errno, "sending to the daemon");
	line = read_line(c, e);
	if (!line)
		return -ECONNRESET;
	if (json_decode(line, strlen(line), &resp, e) < 0 || !resp)
		return err_set(e, EPROTO, "invalid response from the daemon");
	return take_response(resp, result, e);
}

int client_call1(const char *method, struct json_object *params,
		 struct json_object **result, struct err **e)
{
	struct nido_conn *c = client_connect(e);
	int r;

	if (!c) {
		json_object_put(params);
		return -ECONNREFUSED;
	}
	r = client_call(c, method, params, result, e);
	client_close(c);
	return r;
}

struct json_object *client_domain_params(const char *name)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "domain", json_object_new_string(name));
	return p;
}
