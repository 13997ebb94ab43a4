/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NBD (the Network Block Device protocol) as a client: the nbd driver of
 * src/block (nbd.c) reads and writes an export of an NBD server such as
 * qemu-nbd. The export is the disk, raw (as QEMU's nbd protocol driver
 * sees it); b->fd is the connected socket.
 *
 * Names, as qemu-img takes them (nbd-uri.c):
 *
 *   nbd://HOST[:PORT]/EXPORT            (also nbd+tcp://; port 10809)
 *   nbd+unix:///EXPORT?socket=PATH
 *
 * An empty EXPORT is the server's default export; %XX escapes are
 * decoded. Parsing never touches the network: it is the untrusted-input
 * part for names (tests/fuzz/block/fuzz_nbd.c also feeds it).
 *
 * A process that cannot connect (a sandboxed nido-vmm) opens an export
 * on a socket someone else connected: block_open_chain() with format
 * "nbd" and o->fd the socket; the handshake is then done on it.
 */
#ifndef NIDO_BLOCK_NBD_H
#define NIDO_BLOCK_NBD_H

#include <stdbool.h>

#include "lib/err.h"

#define NBD_DEFAULT_PORT 10809
/* The protocol's bound on an export name (and on option strings). */
#define NBD_MAX_STRING 4096

struct nbd_uri {
	char *host;    /* TCP: the host ("::1" without brackets); or NULL */
	unsigned port; /* TCP: the port */
	char *socket;  /* unix: the socket's path; or NULL */
	char *export;  /* decoded; "" the default export */
};

/* Does @path name an NBD export ("nbd://", "nbd+tcp://", "nbd+unix://",
 * or the legacy "nbd:" forms, which nbd_uri_parse() refuses by name)? */
bool nbd_uri_is(const char *path);

/*
 * Parses @path into @u (zeroed first, cleared again on failure). Returns
 * 0, or -EINVAL (a bad name) / -ENOTSUP (a query option or a legacy
 * form nido does not take) with @e naming the part.
 */
int nbd_uri_parse(const char *path, struct nbd_uri *u, struct err **e);
void nbd_uri_clear(struct nbd_uri *u);

/*
 * Connects to the server @u names (a unix socket, or each address of
 * the host in turn), within a timeout. Returns the connected socket
 * (close-on-exec, the caller's) or -errno with @e naming the server.
 * No NBD byte is exchanged: the handshake is the driver's.
 */
int nbd_connect(const struct nbd_uri *u, struct err **e);

/* The same from a name; -errno with @e naming it when it is bad. */
int nbd_connect_name(const char *path, struct err **e);

/*
 * How long one exchange with the server may take before the export is
 * given up (-ETIMEDOUT), in milliseconds: 30 s unless changed (tests,
 * the fuzz target). Process-wide.
 */
void nbd_set_timeout_ms(int ms);

#endif
