/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Talking to one nido-vmm through its control socket (docs/vmm-api.md).
 * The request sent is {"command":"NAME"}; the reply has "ok": true with
 * the command's fields, or "ok": false with an "error" message.
 */
#ifndef NIDO_DAEMON_VMM_CLIENT_H
#define NIDO_DAEMON_VMM_CLIENT_H

#include <json-c/json.h>
#include <stddef.h>

#include "lib/err.h"

struct loop;
struct vmm_req;

/*
 * Called once with the outcome of vmm_call_start(): @r is 0 with @reply
 * (borrowed) the whole reply object, or -errno with @e (borrowed) saying
 * why. The request is freed after the call returns.
 */
typedef void (*vmm_reply_fn)(void *opaque, int r, struct json_object *reply,
			     const struct err *e);

/*
 * Sends @method to the socket at @sock without waiting: the reply, an
 * error or the deadline (@timeout_ms) is reported to @fn from @l. Returns
 * the request (owned by the loop until @fn has run; vmm_req_cancel()
 * before that frees it without calling @fn), or NULL with @e filled when
 * it could not be sent (-ENOENT or -ECONNREFUSED: no control socket).
 */
struct vmm_req *vmm_call_start(struct loop *l, const char *sock,
			       const char *method, int timeout_ms,
			       vmm_reply_fn fn, void *opaque, struct err **e);

/* The same with the members of @args (borrowed; may be NULL) added to
 * the request: {"command": @method, ...@args}. */
struct vmm_req *vmm_call_start_args(struct loop *l, const char *sock,
				    const char *method,
				    struct json_object *args, int timeout_ms,
				    vmm_reply_fn fn, void *opaque,
				    struct err **e);

/* The same with @fds (borrowed: nido-vmm gets copies) passed with the
 * request (SCM_RIGHTS), as "save" takes its files. */
#define VMM_CALL_MAX_FDS 4
struct vmm_req *vmm_call_start_fds(struct loop *l, const char *sock,
				   const char *method, struct json_object *args,
				   const int *fds, size_t n_fds, int timeout_ms,
				   vmm_reply_fn fn, void *opaque,
				   struct err **e);

/* Frees @q without calling its callback; accepts NULL. */
void vmm_req_cancel(struct vmm_req *q);

#endif
