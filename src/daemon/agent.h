/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A client of the QEMU guest agent (qemu-guest-agent's protocol over a
 * virtio-serial port, reached through the socket QEMU gives the port)
 * that never blocks the daemon's loop.
 *
 * The agent runs inside the guest: it is as hostile as the guest. It may
 * answer nothing, answer slowly, answer garbage, answer a command it was
 * not asked, or send endless lines. So: one command at a time (the
 * protocol has no ids a guest could not forge), each with a timer;
 * replies bounded (AGENT_REPLY_MAX) and parsed by agent_parse_reply();
 * after a timeout, garbage or a reply too long, the stream is resynced
 * before the next command with guest-sync-delimited (a 0xFF byte sent
 * first to flush the agent's parser; everything received before the
 * agent's own 0xFF is dropped, then its answer must carry the random id
 * sent). The socket stays open whatever the guest does.
 *
 * The port's guest side (whether the guest opened it) comes from QEMU
 * (VSERPORT_CHANGE, query-chardev's frontend-open): the owner tells the
 * client with agent_set_guest_open(); commands fail at once while the
 * guest has it closed.
 */
#ifndef NIDO_DAEMON_AGENT_H
#define NIDO_DAEMON_AGENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* Longest reply line accepted from the guest. */
#define AGENT_REPLY_MAX (1u << 20)
/* Most commands waiting for one agent. */
#define AGENT_QUEUE_MAX 16

enum agent_reply_kind {
	AGENT_REPLY_RETURN, /* @value: its "return" (may be NULL: null) */
	AGENT_REPLY_ERROR,  /* @error_class, @desc */
};

/* One reply line, parsed; strings and @value borrowed from @root (owned:
 * agent_reply_clear() drops it). */
struct agent_reply {
	enum agent_reply_kind kind;
	struct json_object *root;
	struct json_object *value;
	const char *error_class;
	const char *desc;
};

/*
 * Parses @len bytes (one line without its newline) from the guest.
 * Returns 0 with @r filled, or -EPROTO with @e saying what is wrong
 * (@r is then empty).
 */
int agent_parse_reply(const char *line, size_t len, struct agent_reply *r,
		      struct err **e);
void agent_reply_clear(struct agent_reply *r);

struct loop;
struct agent;

/*
 * A command's outcome: @r 0 and @ret (borrowed; may be NULL for a JSON
 * null) the agent's "return", or -errno with @e (borrowed): EIO for the
 * agent's own error (its class and description, made printable),
 * ETIMEDOUT, EPROTO (garbage), EMSGSIZE (a reply too long), ENOTCONN
 * (the guest has the port closed), ECONNRESET (the channel closed),
 * ECANCELED (the client was freed).
 */
typedef void (*agent_reply_fn)(void *opaque, int r, struct json_object *ret,
			       const struct err *e);

/* The command ends with the guest going down: no reply expected. */
#define AGENT_CMD_SHUTDOWN 1u

/*
 * A client on connected socket @fd (taken over), for domain @name
 * (copied, for messages). The guest's side starts closed. Returns the
 * client, or NULL with @e filled (@fd closed).
 */
struct agent *agent_open_fd(struct loop *l, int fd, const char *name,
			    struct err **e);

/* The guest opened (@open) or closed its side of the port. Closing
 * fails the commands waiting (ENOTCONN) and forces a resync. */
void agent_set_guest_open(struct agent *a, bool open);
bool agent_guest_open(const struct agent *a);

/*
 * Sends @cmd ({"execute": ..., "arguments": ...}, borrowed) once the
 * commands before it are answered, and calls @fn once with its outcome
 * within @timeout_ms (from now, resync included). With
 * AGENT_CMD_SHUTDOWN in @flags (guest-shutdown answers nothing on
 * success), the outcome is success when agent_guest_down() is called or
 * the channel closes, an error when the agent answers with one.
 * Returns 0, or -errno with @e filled (@fn is not called then): ENOTCONN
 * while the guest has the port closed, ECONNRESET after the channel
 * closed, EBUSY with AGENT_QUEUE_MAX commands waiting, ENOBUFS when the
 * channel does not take what is sent.
 */
int agent_command(struct agent *a, struct json_object *cmd, int timeout_ms,
		  unsigned flags, agent_reply_fn fn, void *opaque,
		  struct err **e);

/* The guest is going down (QEMU's SHUTDOWN or RESET event): a
 * guest-shutdown waiting for it succeeds. */
void agent_guest_down(struct agent *a);

/* Closes the connection: waiting commands get ECANCELED (their callbacks
 * must not use @a). Safe from a callback; accepts NULL. */
void agent_free(struct agent *a);

#endif
