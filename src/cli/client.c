// SPDX-License-Identifier: GPL-2.0-or-later
/* The CLI's side of the daemon API (client.h). */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
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
	gnutls_session_t tls; /* nido+tls */
	gnutls_certificate_credentials_t cred;
	struct spawn_child ssh; /* nido+ssh: pid -1 when none */
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

static int tcp_connect(const char *host, unsigned port, struct err **e)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	char serv[16];
	int r, fd = -1;

	snprintf(serv, sizeof(serv), "%u", port);
	r = getaddrinfo(host, serv, &hints, &ai);
	if (r)
		return err_set(e, EHOSTUNREACH, "cannot resolve '%s': %s", host,
			       gai_strerror(r));
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		r = errno;
		close_safe(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return err_sys(e, r, "failed to connect to '%s' port %u", host,
			       port);
	return fd;
}

/* ~/.pki/nido/@name when it exists, else @system_path. */
static char *pki_file(const char *pkipath, const char *name,
		      const char *system_path)
{
	const char *home = getenv("HOME");
	char *path;

	if (pkipath)
		return xasprintf("%s/%s", pkipath, name);
	if (geteuid() != 0 && home) {
		path = xasprintf("%s/.pki/nido/%s", home, name);
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return xstrdup(system_path);
}

static int tls_creds(struct nido_conn *c, const struct nido_uri *u,
		     struct err **e)
{
	_cleanup_free_ char *ca =
		pki_file(u->pkipath, "cacert.pem", "/etc/pki/CA/cacert.pem");
	_cleanup_free_ char *cert = pki_file(u->pkipath, "clientcert.pem",
					     "/etc/pki/nido/clientcert.pem");
	_cleanup_free_ char *key =
		pki_file(u->pkipath, "clientkey.pem",
			 "/etc/pki/nido/private/clientkey.pem");
	int r;

	if (gnutls_certificate_allocate_credentials(&c->cred) < 0)
		return err_set(e, ENOMEM, "TLS credentials");
	r = gnutls_certificate_set_x509_trust_file(c->cred, ca,
						   GNUTLS_X509_FMT_PEM);
	if (r <= 0)
		return err_set(e, EINVAL, "CA certificate '%s': %s", ca,
			       r < 0 ? gnutls_strerror(r) : "no certificate");
	r = gnutls_certificate_set_x509_key_file(c->cred, cert, key,
						 GNUTLS_X509_FMT_PEM);
	if (r < 0)
		return err_set(e, EINVAL,
			       "client certificate '%s' and key '%s': %s", cert,
			       key, gnutls_strerror(r));
	return 0;
}

/* Why the handshake failed, in words. */
static int tls_failed(struct nido_conn *c, const char *host, int r,
		      struct err **e)
{
	gnutls_datum_t why = {NULL, 0};

	if (r != GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
		return err_set(e, EPROTO, "TLS handshake with '%s': %s", host,
			       gnutls_strerror(r));
	gnutls_certificate_verification_status_print(
		gnutls_session_get_verify_cert_status(c->tls), GNUTLS_CRT_X509,
		&why, 0);
	for (size_t n = why.data ? strlen((char *)why.data) : 0;
	     n && (why.data[n - 1] == ' ' || why.data[n - 1] == '.'); n--)
		why.data[n - 1] = '\0';
	r = err_set(e, EACCES, "the certificate of '%s' is refused: %s", host,
		    why.data ? (char *)why.data : "not trusted");
	gnutls_free(why.data);
	return r;
}

/* nido+tls://: TCP, then TLS checking the server's name against its
 * certificate. */
static int open_tls(struct nido_conn *c, const struct nido_uri *u,
		    struct err **e)
{
	unsigned port = u->port ? u->port : TLS_PORT;
	int fd, r;

	if (read_only)
		return err_set(e, ENOTSUP,
			       "-r: the read-only socket is reached over "
			       "nido:// or nido+ssh://, not TLS");
	if (tls_creds(c, u, e) < 0)
		return -EINVAL;
	fd = tcp_connect(u->host, port, e);
	if (fd < 0)
		return fd;
	if (gnutls_init(&c->tls, GNUTLS_CLIENT) < 0 ||
	    gnutls_set_default_priority(c->tls) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred) <
		    0) {
		close_safe(fd);
		return err_set(e, EIO, "TLS session");
	}
	gnutls_session_set_verify_cert(c->tls, u->host, 0);
	gnutls_handshake_set_timeout(c->tls, 30000);
	gnutls_transport_set_int(c->tls, fd);
	do
		r = gnutls_handshake(c->tls);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		close_safe(fd);
		return tls_failed(c, u->host, r, e);
	}
	return fd;
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
	int n = 0, sv[2];
	struct spawn_opts o;

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
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, errno, "socketpair");
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdin_fd = sv[1];
	o.stdout_fd = sv[1];
	o.stderr_fd = STDERR_FILENO; /* ssh's own messages reach the user */
	if (spawn_start(&o, &c->ssh, e) < 0) {
		close_safe(sv[0]);
		close_safe(sv[1]);
		return err_prefix(e, "running ssh to '%s'", u->host);
	}
	close_safe(sv[1]);
	return sv[0];
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
	c->ssh.pid = -1;
	c->ssh.pidfd = -1;
	if (uri_parse(default_uri(), &u, e) < 0) {
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
		client_close(c);
		return NULL;
	}
	return c;
}

void client_close(struct nido_conn *c)
{
	if (!c)
		return;
	if (c->tls) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
	}
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	close_safe(c->fd);
	if (c->ssh.pid > 0 && spawn_wait_timeout(&c->ssh, 5000, NULL) < 0) {
		spawn_kill(&c->ssh, SIGTERM);
		spawn_wait(&c->ssh, NULL);
	}
	free(c->buf);
	free(c);
}

static ssize_t conn_read(struct nido_conn *c, void *buf, size_t len)
{
	ssize_t n;

	if (!c->tls)
		return read(c->fd, buf, len);
	do
		n = gnutls_record_recv(c->tls, buf, len);
	while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	if (n < 0)
		errno = ECONNRESET;
	return n < 0 ? -1 : n;
}

static int conn_write(struct nido_conn *c, const char *buf, size_t len)
{
	if (!c->tls)
		return write_full(c->fd, buf, len);
	while (len) {
		ssize_t n = gnutls_record_send(c->tls, buf, len);

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0) {
			errno = ECONNRESET;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
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
		n = conn_read(c, c->buf + c->len, c->cap - c->len);
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
	if (conn_write(c, text, len) < 0)
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
