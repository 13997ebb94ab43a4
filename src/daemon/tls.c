// SPDX-License-Identifier: GPL-2.0-or-later
/* nidod's TLS sessions (tls.h), on GnuTLS. */
#include <errno.h>
#include <fnmatch.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sys/epoll.h>

#include "daemon/tls.h"

struct tls_server {
	gnutls_certificate_credentials_t cred;
	char *const *dn_list;
};

struct tls_conn {
	struct tls_server *ts;
	gnutls_session_t s;
};

static int load_creds(struct tls_server *ts, const char *ca, const char *cert,
		      const char *key, struct err **e)
{
	int r;

	r = gnutls_certificate_allocate_credentials(&ts->cred);
	if (r < 0)
		return err_set(e, ENOMEM, "TLS credentials: %s",
			       gnutls_strerror(r));
	r = gnutls_certificate_set_x509_trust_file(ts->cred, ca,
						   GNUTLS_X509_FMT_PEM);
	if (r <= 0)
		return err_set(e, EINVAL, "CA certificate '%s': %s", ca,
			       r < 0 ? gnutls_strerror(r) : "no certificate");
	r = gnutls_certificate_set_x509_key_file(ts->cred, cert, key,
						 GNUTLS_X509_FMT_PEM);
	if (r < 0)
		return err_set(e, EINVAL,
			       "server certificate '%s' and key '%s': %s", cert,
			       key, gnutls_strerror(r));
	return 0;
}

struct tls_server *tls_server_new(const char *ca, const char *cert,
				  const char *key, char *const *dn_list,
				  struct err **e)
{
	struct tls_server *ts = xcalloc(1, sizeof(*ts));

	if (load_creds(ts, ca ? ca : TLS_DEFAULT_CA_FILE,
		       cert ? cert : TLS_DEFAULT_CERT_FILE,
		       key ? key : TLS_DEFAULT_KEY_FILE, e) < 0) {
		tls_server_free(ts);
		return NULL;
	}
	ts->dn_list = dn_list;
	return ts;
}

void tls_server_free(struct tls_server *ts)
{
	if (!ts)
		return;
	if (ts->cred)
		gnutls_certificate_free_credentials(ts->cred);
	free(ts);
}

struct tls_conn *tls_conn_new(struct tls_server *ts, int fd, struct err **e)
{
	struct tls_conn *t = xcalloc(1, sizeof(*t));
	int r;

	t->ts = ts;
	r = gnutls_init(&t->s, GNUTLS_SERVER | GNUTLS_NONBLOCK);
	if (r == 0)
		r = gnutls_set_default_priority(t->s);
	if (r == 0)
		r = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE,
					   ts->cred);
	if (r < 0) {
		err_set(e, EIO, "TLS session: %s", gnutls_strerror(r));
		tls_conn_free(t);
		return NULL;
	}
	/*
	 * Ask for a certificate without naming the CAs: a client whose
	 * certificate another CA signed still sends it, and is told
	 * plainly why it is refused instead of failing the handshake.
	 */
	gnutls_certificate_server_set_request(t->s, GNUTLS_CERT_REQUEST);
	gnutls_certificate_send_x509_rdn_sequence(t->s, 1);
	gnutls_transport_set_int(t->s, fd);
	return t;
}

void tls_conn_free(struct tls_conn *t)
{
	if (!t)
		return;
	if (t->s)
		gnutls_deinit(t->s);
	free(t);
}

/*
 * The DN of the peer's first certificate, malloc'ed, or NULL; in the
 * order libvirt's tls_allowed_dn_list uses ("C=GB,O=nido,CN=client1").
 */
static char *peer_dn(gnutls_session_t s)
{
	const gnutls_datum_t *certs;
	unsigned n = 0;
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn = {NULL, 0};
	char *out = NULL;

	certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, GNUTLS_X509_DN_FLAG_COMPAT) ==
		    0) {
		out = xstrndup((const char *)dn.data, dn.size);
		gnutls_free(dn.data);
	}
	gnutls_x509_crt_deinit(crt);
	return out;
}

/* GnuTLS ends its sentences with ". ": messages here do not. */
static void trim_end(gnutls_datum_t *d)
{
	char *s = (char *)d->data;
	size_t n = s ? strlen(s) : 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '.'))
		s[--n] = '\0';
}

static int check_peer(struct tls_conn *t, struct err **e)
{
	unsigned status = 0;
	gnutls_datum_t why = {NULL, 0};
	_cleanup_free_ char *dn = NULL;
	int r;

	if (!gnutls_certificate_get_peers(t->s, &(unsigned){0}))
		return err_set(e, EACCES,
			       "access denied: no client "
			       "certificate");
	r = gnutls_certificate_verify_peers2(t->s, &status);
	if (r < 0 || status) {
		if (r == 0)
			gnutls_certificate_verification_status_print(
				status, GNUTLS_CRT_X509, &why, 0);
		trim_end(&why);
		r = err_set(e, EACCES,
			    "access denied: client certificate refused: %s",
			    why.data ? (char *)why.data : gnutls_strerror(r));
		gnutls_free(why.data);
		return r;
	}
	dn = peer_dn(t->s);
	if (!dn)
		return err_set(e, EACCES,
			       "access denied: cannot read the "
			       "client certificate's DN");
	if (!t->ts->dn_list)
		return 0;
	for (size_t i = 0; t->ts->dn_list[i]; i++)
		if (fnmatch(t->ts->dn_list[i], dn, 0) == 0)
			return 0;
	return err_set(e, EACCES,
		       "access denied: client certificate DN '%s' is not in "
		       "tls_allowed_dn_list",
		       dn);
}

int tls_conn_handshake(struct tls_conn *t, uint32_t *events, struct err **e)
{
	int r = gnutls_handshake(t->s);

	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED ||
	    (r < 0 && !gnutls_error_is_fatal(r))) {
		*events =
			gnutls_record_get_direction(t->s) ? EPOLLOUT : EPOLLIN;
		return -EAGAIN;
	}
	if (r < 0)
		return err_set(e, EPROTO, "TLS handshake: %s",
			       gnutls_strerror(r));
	return check_peer(t, e);
}

static ssize_t io_result(ssize_t r)
{
	if (r >= 0)
		return r;
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return -EAGAIN;
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0; /* closed without close_notify: an end all the same */
	return -ECONNRESET;
}

ssize_t tls_conn_recv(struct tls_conn *t, void *buf, size_t len)
{
	return io_result(gnutls_record_recv(t->s, buf, len));
}

ssize_t tls_conn_send(struct tls_conn *t, const void *buf, size_t len)
{
	return io_result(gnutls_record_send(t->s, buf, len));
}

size_t tls_conn_pending(struct tls_conn *t)
{
	return gnutls_record_check_pending(t->s);
}
