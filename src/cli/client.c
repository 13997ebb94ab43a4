// SPDX-License-Identifier: GPL-2.0-or-later
/* The CLI's side of the daemon API (client.h). */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "cli/client.h"
#include "cli/uri.h"
#include "daemon/paths.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/sock.h"
#include "lib/spawn.h"

/* Largest response line accepted. */
#define RESPONSE_MAX (64u << 20)

/* The default port of nido+tls, libvirt's. */
#define TLS_PORT 16514

struct nido_conn {
	int fd;
	int next_id;
	char *buf;
	size_t len, cap;
	struct spawn_child bridge; /* ssh or nido-tls-helper; pid -1: none */
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

/* Waits for the session daemon to listen on @path. */
static int wait_session_daemon(const char *path, struct err **e)
{
	const char *env = getenv("NIDO_START_TIMEOUT_MS");
	int timeout = env ? atoi(env) : 10000, fd;

	for (int waited = 0;; waited += 20) {
		sleep_ms(20);
		fd = connect_unix(path, waited >= timeout ? e : NULL);
		if (fd >= 0 || waited >= timeout)
			return fd;
	}
}

/*
 * nido:// and nido+unix://: the mode's socket (the read-only one with
 * -r) or ?socket=; the session daemon is started when none listens.
 */
static int open_local(const struct nido_uri *u, struct err **e)
{
	struct nido_paths p;
	const char *path;
	int fd;

	if (paths_resolve(u->system, NULL, NULL, &p, e) < 0)
		return -EINVAL;
	path = u->socket ? u->socket : read_only ? p.socket_ro : p.socket;
	fd = connect_unix(path, e);
	if (fd < 0 && !u->system && !u->socket &&
	    (fd == -ENOENT || fd == -ECONNREFUSED)) {
		err_free(steal_ptr(*e));
		fd = start_session_daemon(&p, e);
		if (fd == 0)
			fd = wait_session_daemon(path, e);
	}
	paths_release(&p);
	return fd;
}

static int spawn_bridge(struct nido_conn *c, char **argv, struct err **e);

/* nido-tls-helper: $NIDO_TLS_HELPER, next to nido, or installed. */
static char *find_tls_helper(void)
{
	return paths_find_program("nido-tls-helper", "NIDO_TLS_HELPER", "cli",
				  "bin");
}

/*
 * nido+tls://: nido-tls-helper makes the TCP connection and the TLS
 * session and relays them to us over a socketpair, so that nido itself
 * does not load GnuTLS (which more than doubles its start-up time) for
 * local connections. It reports a failure as an error line.
 */
static int open_tls(struct nido_conn *c, const struct nido_uri *u,
		    struct err **e)
{
	_cleanup_free_ char *helper = find_tls_helper(), *port = NULL;
	char *argv[] = {helper, u->host, NULL, u->pkipath, NULL};

	if (read_only)
		return err_set(e, ENOTSUP,
			       "-r: the read-only socket is reached over "
			       "nido:// or nido+ssh://, not TLS");
	port = xasprintf("%u", u->port ? u->port : TLS_PORT);
	argv[2] = port;
	return spawn_bridge(c, argv, e);
}

/*
 * Runs @argv with a socketpair as its stdin and stdout: the connection
 * (ssh, nido-tls-helper). Returns our end, or -errno with @e filled.
 */
static int spawn_bridge(struct nido_conn *c, char **argv, struct err **e)
{
	struct spawn_opts o;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, errno, "socketpair");
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdin_fd = sv[1];
	o.stdout_fd = sv[1];
	o.stderr_fd = STDERR_FILENO; /* ssh's own messages reach the user */
	if (spawn_start(&o, &c->bridge, e) < 0) {
		close_safe(sv[0]);
		close_safe(sv[1]);
		return err_prefix(e, "running '%s'", argv[0]);
	}
	close_safe(sv[1]);
	return sv[0];
}

/* 'text' for a remote shell. */
static char *shell_quote(const char *text)
{
	size_t n = strlen(text);
	char *out = xmalloc(4 * n + 3), *o = out;

	*o++ = '\'';
	for (const char *p = text; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

/* The command ssh runs remotely: the bridge to the remote socket. */
static char *ssh_command(const struct nido_uri *u)
{
	const char *helper = getenv("NIDO_SSH_HELPER");
	_cleanup_free_ char *uri = NULL, *q = NULL, *qh = NULL;

	if (u->socket)
		uri = xasprintf("nido+unix:///%s?socket=%s",
				u->system ? "system" : "session", u->socket);
	else
		uri = xasprintf("nido:///%s", u->system ? "system" : "session");
	q = shell_quote(uri);
	qh = shell_quote(helper && *helper ? helper : "nido-ssh-helper");
	return xasprintf("%s%s %s", qh, read_only ? " --readonly" : "", q);
}

/* nido+ssh://: ssh runs nido-ssh-helper remotely; we talk over a
 * socketpair that is ssh's stdin and stdout. */
static int open_ssh(struct nido_conn *c, const struct nido_uri *u,
		    struct err **e)
{
	_cleanup_free_ char *cmd = ssh_command(u), *port = NULL, *kh = NULL;
	char *argv[24];
	int n = 0;

	argv[n++] = "ssh";
	if (u->port) {
		port = xasprintf("%u", u->port);
		argv[n++] = "-p", argv[n++] = port;
	}
	if (u->user)
		argv[n++] = "-l", argv[n++] = u->user;
	if (u->keyfile)
		argv[n++] = "-i", argv[n++] = u->keyfile;
	if (u->known_hosts) {
		kh = xasprintf("UserKnownHostsFile=%s", u->known_hosts);
		argv[n++] = "-o", argv[n++] = kh;
	}
	if (u->no_verify)
		argv[n++] = "-o", argv[n++] = "StrictHostKeyChecking=no";
	argv[n++] = "-T", argv[n++] = "-e", argv[n++] = "none";
	argv[n++] = "--", argv[n++] = u->host, argv[n++] = cmd;
	argv[n] = NULL;
	return spawn_bridge(c, argv, e);
}

static const char *default_uri(void)
{
	const char *uri = uri_opt ? uri_opt : getenv("NIDO_DEFAULT_URI");

	if (uri && *uri)
		return uri;
	return geteuid() == 0 ? "nido:///system" : "nido:///session";
}

struct nido_conn *client_connect(struct err **e)
{
	struct nido_conn *c = xcalloc(1, sizeof(*c));
	struct nido_uri u;

	c->fd = -1;
	c->next_id = 1;
	c->bridge.pid = -1;
	c->bridge.pidfd = -1;
	if (uri_parse(default_uri(), &u, e) < 0) {
		err_mark(e, ERR_NO_CONNECT);
		client_close(c);
		return NULL;
	}
	if (u.transport == URI_TLS)
		c->fd = open_tls(c, &u, e);
	else if (u.transport == URI_SSH)
		c->fd = open_ssh(c, &u, e);
	else
		c->fd = open_local(&u, e);
	uri_release(&u);
	if (c->fd < 0) {
		err_mark(e, ERR_NO_CONNECT);
		client_close(c);
		return NULL;
	}
	return c;
}

void client_close(struct nido_conn *c)
{
	if (!c)
		return;
	close_safe(c->fd); /* the bridge sees the end and exits */
	if (c->bridge.pid > 0 &&
	    spawn_wait_timeout(&c->bridge, 5000, NULL) < 0) {
		spawn_kill(&c->bridge, SIGTERM);
		spawn_wait(&c->bridge, NULL);
	}
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
	struct json_object *err, *data = NULL, *res = NULL;
	const char *msg = "request failed";
	int64_t kind = ERR_INTERNAL_ERROR, no = EIO;

	if (json_object_object_get_ex(resp, "error", &err) && err) {
		json_get_string_opt(err, "message", &msg, NULL);
		json_get_int64_opt(err, "code", &kind, NULL);
		json_get_object_opt(err, "data", &data, NULL);
		if (data)
			json_get_int64_opt(data, "errno", &no, NULL);
		/* JSON-RPC's own codes are negative: the protocol failed */
		if (kind <= 0 || kind > INT_MAX)
			kind = ERR_RPC;
		if (no <= 0 || no > 4095)
			no = EPROTO;
		return err_setk(e, (enum err_kind)kind, (int)no, "%s", msg);
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
	return client_call_notified(c, method, params, NULL, NULL, result, e);
}

int client_call_notified(
	struct nido_conn *c, const char *method, struct json_object *params,
	void (*on_notify)(void *opaque, struct json_object *msg), void *opaque,
	struct json_object **result, struct err **e)
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
	/* Event notifications (no "id") may come before the answer. */
	do {
		free(line);
		json_object_put(steal_ptr(resp));
		line = read_line(c, e);
		if (!line)
			return -ECONNRESET;
		if (json_decode(line, strlen(line), &resp, e) < 0 || !resp ||
		    !json_object_is_type(resp, json_type_object))
			return err_set(e, EPROTO,
				       "invalid response from the daemon");
		if (on_notify && !json_object_object_get_ex(resp, "id", NULL))
			on_notify(opaque, resp);
	} while (!json_object_object_get_ex(resp, "id", NULL));
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

int client_read_message(struct nido_conn *c, int timeout_ms,
			struct json_object **msg, struct err **e)
{
	_cleanup_free_ char *line = NULL;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	*msg = NULL;
	if (!c->len || !memchr(c->buf, '\n', c->len)) {
		int n = poll(&p, 1, timeout_ms);

		if (n < 0 && errno != EINTR)
			return err_sys(e, errno, "waiting for the daemon");
		if (n <= 0)
			return 0;
	}
	line = read_line(c, e);
	if (!line)
		return -ECONNRESET;
	if (json_decode(line, strlen(line), msg, e) < 0 || !*msg ||
	    !json_object_is_type(*msg, json_type_object)) {
		json_object_put(steal_ptr(*msg));
		return err_set(e, EPROTO, "invalid message from the daemon");
	}
	return 1;
}

int client_fd(const struct nido_conn *c)
{
	return c->fd;
}

size_t client_take_buffered(struct nido_conn *c, char *buf, size_t cap)
{
	size_t n = MIN(cap, c->len);

	if (!n)
		return 0;
	memcpy(buf, c->buf, n);
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	return n;
}
