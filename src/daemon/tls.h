/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server side of TLS (GnuTLS, x509) for nidod's TCP listener
 * (docs/remote.md): the credentials, and one non-blocking session per
 * client. A client must present a certificate signed by the CA, valid
 * now, whose DN matches tls_allowed_dn_list (fnmatch patterns; no list:
 * any DN). The handshake never blocks: it returns -EAGAIN with the
 * events to wait for.
 */
#ifndef NIDO_DAEMON_TLS_H
#define NIDO_DAEMON_TLS_H

#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/* libvirt's layout, under nido's name. */
#define TLS_DEFAULT_CA_FILE   "/etc/pki/CA/cacert.pem"
#define TLS_DEFAULT_CERT_FILE "/etc/pki/nido/servercert.pem"
#define TLS_DEFAULT_KEY_FILE  "/etc/pki/nido/private/serverkey.pem"

struct tls_server;
struct tls_conn;

/*
 * Loads the CA, the server's certificate and key (NULL: the defaults
 * above) and keeps @dn_list (NULL-terminated, borrowed: must outlive the
 * server; NULL: any DN). Returns the credentials, or NULL with @e naming
 * the file and the problem.
 */
struct tls_server *tls_server_new(const char *ca, const char *cert,
				  const char *key, char *const *dn_list,
				  struct err **e);
void tls_server_free(struct tls_server *ts);

/* A session on the connected socket @fd (borrowed). NULL with @e filled. */
struct tls_conn *tls_conn_new(struct tls_server *ts, int fd, struct err **e);
void tls_conn_free(struct tls_conn *t);

/*
 * Goes on with the handshake. Returns 0 when it is done and the peer's
 * certificate is accepted; -EAGAIN with *@events (EPOLLIN or EPOLLOUT)
 * to wait for; -EPROTO when the handshake failed (@e says why; nothing
 * can be sent); -EACCES when the peer's certificate is refused (@e says
 * why, and the session can carry that message to the peer).
 */
int tls_conn_handshake(struct tls_conn *t, uint32_t *events, struct err **e);

/* Record I/O: bytes, 0 at the end, -EAGAIN, or another -errno. */
ssize_t tls_conn_recv(struct tls_conn *t, void *buf, size_t len);
ssize_t tls_conn_send(struct tls_conn *t, const void *buf, size_t len);

/* Bytes already decrypted and waiting to be read (epoll cannot see them). */
size_t tls_conn_pending(struct tls_conn *t);

#endif
