/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CLI's side of the daemon API (docs/api.md): picking the daemon by
 * URI, starting the session daemon on demand, and calling methods.
 *
 * URI: -c/--connect, else $NIDO_DEFAULT_URI, else nido:///system for
 * root and nido:///session for others. NIDO_STATE_DIR/NIDO_RUNTIME_DIR
 * point both the CLI and the daemon it starts at other directories.
 */
#ifndef NIDO_CLI_CLIENT_H
#define NIDO_CLI_CLIENT_H

#include <json-c/json.h>
#include <stdbool.h>

#include "lib/err.h"

struct nido_conn;

/* Sets the URI given with -c (borrowed; must outlive the connection). */
void client_set_uri(const char *uri);

/*
 * -r/--readonly: connect to the daemon's read-only socket, where only
 * what changes nothing is served (virsh -r).
 */
void client_set_readonly(bool ro);

/*
 * Connects to the daemon of the URI, starting the session daemon when
 * none listens. Returns the connection or NULL with @e filled.
 */
struct nido_conn *client_connect(struct err **e);

/*
 * Calls @method with @params (taken over; NULL: none). Returns 0 with
 * *@result a new reference (may be NULL), or -errno with @e holding the
 * daemon's message (its code is the daemon's errno) or the transport's.
 */
int client_call(struct nido_conn *c, const char *method,
		struct json_object *params, struct json_object **result,
		struct err **e);

/*
 * The same, calling @on_notify(@opaque, @msg) (@msg borrowed) for each
 * notification that comes before the answer: a long call's progress.
 */
int client_call_notified(
	struct nido_conn *c, const char *method, struct json_object *params,
	void (*on_notify)(void *opaque, struct json_object *msg), void *opaque,
	struct json_object **result, struct err **e);

/*
 * Reads the next message the daemon sends (an event notification, or a
 * response) within @timeout_ms (-1: no limit). Returns 1 with *@msg (a
 * new reference), 0 when the time ran out or a signal came, or -errno
 * with @e filled (the daemon closed the connection: -ECONNRESET).
 */
int client_read_message(struct nido_conn *c, int timeout_ms,
			struct json_object **msg, struct err **e);

/*
 * After a method upgraded the connection to a byte stream (docs/api.md,
 * "Streams"): its descriptor, and the stream's first bytes that were
 * read with the answer (moved to @buf, at most @cap; returns the count).
 */
int client_fd(const struct nido_conn *c);
size_t client_take_buffered(struct nido_conn *c, char *buf, size_t cap);

/* Closes the connection; accepts NULL. */
void client_close(struct nido_conn *c);

/*
 * Connects and calls in one go, for verbs that need one call. Returns as
 * client_call().
 */
int client_call1(const char *method, struct json_object *params,
		 struct json_object **result, struct err **e);

/* {"domain": @name} */
struct json_object *client_domain_params(const char *name);

#endif
