/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket (docs/vmm-api.md): a unix stream socket speaking
 * JSON, one request per line, one reply per line. Served in the event
 * loop's thread.
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

/* Closes every connection and removes the socket file; accepts NULL. */
void api_close(struct api *a);

#endif
