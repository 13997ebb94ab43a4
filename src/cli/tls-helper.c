// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido-tls-helper: the client's end of nido+tls:// (docs/remote.md).
 * nido runs it with a socketpair as stdin and stdout; it connects to
 * HOST:PORT, makes the TLS session (checking the server's certificate
 * against the CA and HOST, presenting the client's certificate) and then
 * relays bytes both ways until either side ends. Kept out of nido so
 * that local connections do not pay for loading GnuTLS.
 *
 * A failure before the relay is written to stdout as one JSON-RPC error
 * line (id null), which nido shows as the connection's error.
 *
 *   nido-tls-helper HOST PORT [PKIPATH]
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>

#include "lib/err.h"
#include "lib/json.h"

struct tls_client {
	int fd;
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
};

static int tcp_connect(const char *host, const char *port, struct err **e)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	int r, fd = -1;

	r = getaddrinfo(host, port, &hints, &ai);
	if (r)
		return err_set(e, EHOSTUNREACH, "cannot resolve '%s': %s", host,
			       gai_strerror(r));
	r = ECONNREFUSED;
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
		return err_sys(e, r, "failed to connect to '%s' port %s", host,
			       port);
	return fd;
}

/* PKIPATH/@name, else ~/.pki/nido/@name when it exists, else @system. */
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

static int load_creds(struct tls_client *c, const char *pkipath, struct err **e)
{
	_cleanup_free_ char *ca =
		pki_file(pkipath, "cacert.pem", "/etc/pki/CA/cacert.pem");
	_cleanup_free_ char *cert = pki_file(pkipath, "clientcert.pem",
					     "/etc/pki/nido/clientcert.pem");
	_cleanup_free_ char *key =
		pki_file(pkipath, "clientkey.pem",
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

/* Why the handshake failed, in words (GnuTLS's without the final ". "). */
static int handshake_failed(struct tls_client *c, const char *host, int r,
			    struct err **e)
{
	gnutls_datum_t why = {NULL, 0};
	size_t n;

	if (r != GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
		return err_set(e, EPROTO, "TLS handshake with '%s': %s", host,
			       gnutls_strerror(r));
	gnutls_certificate_verification_status_print(
		gnutls_session_get_verify_cert_status(c->s), GNUTLS_CRT_X509,
		&why, 0);
	n = why.data ? strlen((char *)why.data) : 0;
	while (n && (why.data[n - 1] == ' ' || why.data[n - 1] == '.'))
		why.data[--n] = '\0';
	r = err_set(e, EACCES, "the certificate of '%s' is refused: %s", host,
		    n ? (char *)why.data : "not trusted");
	gnutls_free(why.data);
	return r;
}

static int tls_open(struct tls_client *c, const char *host, const char *port,
		    const char *pkipath, struct err **e)
{
	int r;

	if (load_creds(c, pkipath, e) < 0)
		return -EINVAL;
	c->fd = tcp_connect(host, port, e);
	if (c->fd < 0)
		return c->fd;
	if (gnutls_init(&c->s, GNUTLS_CLIENT) < 0 ||
	    gnutls_set_default_priority(c->s) < 0 ||
	    gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, c->cred) < 0)
		return err_set(e, EIO, "TLS session");
	/* The URI's host must be the certificate's name or address. */
	gnutls_session_set_verify_cert(c->s, host, 0);
	gnutls_handshake_set_timeout(c->s, 30000);
	gnutls_transport_set_int(c->s, c->fd);
	do
		r = gnutls_handshake(c->s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		return handshake_failed(c, host, r, e);
	return 0;
}

/* stdin to the session. Returns bytes relayed, 0 at EOF, -1 on error. */
static ssize_t to_server(struct tls_client *c)
{
	char buf[65536];
	ssize_t n, w;

	do
		n = read(STDIN_FILENO, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	for (ssize_t off = 0; n > 0 && off < n; off += w) {
		w = gnutls_record_send(c->s, buf + off, (size_t)(n - off));
		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
			w = 0;
		else if (w < 0)
			return -1;
	}
	return n;
}

/* The session to stdout. Returns bytes relayed, 0 at the end, -1. */
static ssize_t to_client(struct tls_client *c)
{
	char buf[65536];
	ssize_t n;

	do
		n = gnutls_record_recv(c->s, buf, sizeof(buf));
	while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	if (n > 0 && write_full(STDOUT_FILENO, buf, (size_t)n) < 0)
		return -1;
	return n < 0 ? -1 : n;
}

static int relay(struct tls_client *c)
{
	struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
			      {.fd = c->fd, .events = POLLIN}};

	for (;;) {
		bool pending = gnutls_record_check_pending(c->s) > 0;

		if (!pending && poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pending || p[1].revents) {
			ssize_t n = to_client(c);

			if (n <= 0)
				return n < 0 ? -1 : 0;
		}
		if (!pending && p[0].revents) {
			ssize_t n = to_server(c);

			if (n < 0)
				return -1;
			if (n == 0) { /* nido is done sending */
				gnutls_bye(c->s, GNUTLS_SHUT_WR);
				p[0].fd = -1;
			}
		}
	}
}

/* Tells nido why, as the daemon would: one error line. */
static void report(const struct err *e)
{
	struct json_object *o = json_object_new_object();
	struct json_object *er = json_object_new_object();
	struct json_object *data = json_object_new_object();
	size_t len;
	_cleanup_free_ char *line = NULL;

	json_object_object_add(er, "code", json_object_new_int(err_kind(e)));
	json_object_object_add(er, "message",
			       json_object_new_string(err_msg(e)));
	json_object_object_add(data, "errno",
			       json_object_new_int(-err_code(e)));
	json_object_object_add(er, "data", data);
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "id", NULL);
	json_object_object_add(o, "error", er);
	line = json_encode_line(o, &len);
	json_object_put(o);
	line = xrealloc(line, len + 1);
	line[len++] = '\n';
	(void)!write_full(STDOUT_FILENO, line, len);
}

int main(int argc, char **argv)
{
	_cleanup_err_ struct err *e = NULL;
	struct tls_client c = {.fd = -1};
	int r;

	if (argc < 3 || argc > 4) {
		fputs("usage: nido-tls-helper HOST PORT [PKIPATH]\n", stderr);
		return 2;
	}
	r = tls_open(&c, argv[1], argv[2], argc == 4 ? argv[3] : NULL, &e);
	if (r < 0)
		report(e);
	else
		r = relay(&c);
	if (c.s)
		gnutls_deinit(c.s);
	if (c.cred)
		gnutls_certificate_free_credentials(c.cred);
	close_safe(c.fd);
	return r < 0 ? 1 : 0;
}
