/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket (docs/vmm-api.md): a unix stream socket speaking
 * JSON, one request per line, one reply per line, and event lines for
 * the clients that subscribed. Served in the event loop's thread,
 * without ever waiting for a client: sockets are non-blocking, each
 * client's unsent output is buffered up to a cap, and a client over the
 * cap (one that does not read) or with a request line over 64 KiB is
 * dropped. The socket file is mode 0600 and only root and the uid
 * nido-vmm runs as may connect (SO_PEERCRED).
 */
#ifndef NIDO_VMM_API_H
#define NIDO_VMM_API_H

#include "lib/err.h"

struct vm;
struct api;

/*
 * Listens on @path (a stale socket file is replaced; one in use is an
 * error) for @vm. Returns the server, or NULL with @e filled.
 */
struct api *api_open(struct vm *vm, const char *path, struct err **e);

/*
 * Handles one request line and returns the reply (malloc'ed, without the
 * newline). Exposed for tests.
 */
char *api_handle(struct vm *vm, const char *line);

/*
 * Sends the event @line (a JSON object, without newline; copied) to
 * every subscribed client. Any thread; the loop's thread sends it. A
 * burst of more than 256 events waiting is cut (logged). Accepts NULL
 * @a (no control socket): nothing is sent.
 */
void api_emit(struct api *a, const char *line);

/* Closes every connection and removes the socket file; accepts NULL. */
void api_close(struct api *a);

#endif
