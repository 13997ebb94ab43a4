/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A client of QEMU's monitor protocol (QMP) that never blocks the
 * daemon's loop: the socket sits on the loop, each command has a timer.
 *
 * QEMU is as untrusted as the guest it runs: every line it sends is
 * bounded (QMP_LINE_MAX), parsed by qmp_parse_line() and checked for the
 * shape QMP gives it; anything else closes the connection with an error
 * (the driver then treats QEMU as broken), never a crash.
 *
 * The conversation: QEMU greets ({"QMP": {...}}), the client answers
 * qmp_capabilities, then commands ({"execute": NAME, "arguments": {...},
 * "id": N}) get answers carrying the same id ({"return": ...} or
 * {"error": {"class": ..., "desc": ...}}), and events ({"event": NAME,
 * "data": {...}, "timestamp": {...}}) arrive at any time, also between a
 * command and its answer.
 */
#ifndef NIDO_DAEMON_QMP_H
#define NIDO_DAEMON_QMP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

/* Longest line accepted from QEMU (query-blockstats of 64 disks fits). */
#define QMP_LINE_MAX (1u << 20)

enum qmp_msg_kind {
	QMP_MSG_GREETING,
	QMP_MSG_RETURN, /* a command's success: @value is its "return" */
	QMP_MSG_ERROR,	/* a command's failure: @error_class, @desc */
	QMP_MSG_EVENT,	/* @event, @value its "data" (may be NULL) */
};

/* One line from QEMU, parsed. The strings and @value are borrowed from
 * @root (owned: qmp_msg_clear() drops it). */
struct qmp_msg {
	enum qmp_msg_kind kind;
	struct json_object *root;
	bool has_id;
	uint64_t id; /* RETURN, ERROR: the command's id when @has_id */
	const char *event;
	const char *error_class;
	const char *desc;
	struct json_object *value;
};

/*
 * Parses @len bytes (one line, without its newline) from QEMU. Returns 0
 * with @m filled, or -EPROTO with @e saying what is wrong; @m is then
 * empty. Ids are the client's: a non-negative integer.
 */
int qmp_parse_line(const char *line, size_t len, struct qmp_msg *m,
		   struct err **e);
void qmp_msg_clear(struct qmp_msg *m);

/*
 * A string QEMU sent, made fit for a message or a log line: at most
 * @max bytes, control characters (a newline that would forge a log
 * line, an escape sequence for a terminal) replaced by '?'. Malloc'ed.
 */
char *qmp_printable(const char *s, size_t max);

struct loop;
struct qmp;

/* The greeting was answered: commands may be sent. */
typedef void (*qmp_ready_fn)(void *opaque);
/* An event: @name and @data (borrowed; may be NULL). */
typedef void (*qmp_event_fn)(void *opaque, const char *name,
			     struct json_object *data);
/*
 * The connection is gone: QEMU closed it (@e says so, ECONNRESET), sent
 * what is not QMP (EPROTO), a line too long (EMSGSIZE), or did not greet
 * in time (ETIMEDOUT). Called once; the commands waiting have been
 * answered with an error before. The client must still be freed.
 */
typedef void (*qmp_closed_fn)(void *opaque, const struct err *e);
/* A command's outcome: @r 0 and @ret (borrowed) its "return", or -errno
 * and @e (borrowed): EIO for QEMU's error, with its description. */
typedef void (*qmp_reply_fn)(void *opaque, int r, struct json_object *ret,
			     const struct err *e);

struct qmp_callbacks {
	qmp_ready_fn ready;
	qmp_event_fn event;
	qmp_closed_fn closed;
	void *opaque;
};

/*
 * Connects to the monitor socket at @path (QEMU listens there) and
 * starts the handshake on @l; @timeout_ms bounds the greeting. Returns
 * the client, or NULL with @e filled (-ENOENT, -ECONNREFUSED: no QEMU
 * listening).
 */
struct qmp *qmp_connect(struct loop *l, const char *path, int timeout_ms,
			const struct qmp_callbacks *cb, struct err **e);

/* The same on a connected socket @fd (taken over; tests use a pair). */
struct qmp *qmp_open_fd(struct loop *l, int fd, int timeout_ms,
			const struct qmp_callbacks *cb, struct err **e);

/*
 * Sends @cmd with @args (borrowed; NULL: none) and calls @fn once with
 * its answer, an error, or ETIMEDOUT after @timeout_ms (a late answer is
 * then dropped). Commands sent before the handshake ends wait for it.
 * Returns 0, or -errno with @e filled when the connection is gone
 * (@fn is not called then).
 */
int qmp_command(struct qmp *q, const char *cmd, struct json_object *args,
		int timeout_ms, qmp_reply_fn fn, void *opaque, struct err **e);

/*
 * qmp_command() with @fd (borrowed; a copy is sent) passed with the
 * command's line (SCM_RIGHTS), as add-fd and getfd take one. Only once
 * the handshake is over, one fd on its way at a time (-EAGAIN).
 */
int qmp_command_fd(struct qmp *q, const char *cmd, struct json_object *args,
		   int fd, int timeout_ms, qmp_reply_fn fn, void *opaque,
		   struct err **e);

/* Closes the connection: the commands waiting are answered with
 * ECANCELED (their callbacks must not use @q), the closed callback is
 * not called. Safe from a callback; accepts NULL. */
void qmp_free(struct qmp *q);

#endif
