/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Talking to one nido-vmm through its control socket (docs/vmm-api.md).
 * The request sent is {"command":"NAME"}; the reply has "ok": true with
 * the command's fields, or "ok": false with an "error" message.
 */
#ifndef NIDO_DAEMON_VMM_CLIENT_H
#define NIDO_DAEMON_VMM_CLIENT_H

#include <json-c/json.h>

#include "lib/err.h"

/*
 * Sends the command @method to the socket at @sock and waits up to
 * @timeout_ms for the reply. Returns 0 with *@result (may be NULL) a new
 * reference to the whole reply object, or
 * -errno with @e filled: -ENOENT or -ECONNREFUSED when there is no
 * control socket, -ETIMEDOUT, -EIO when the VMM answered with an error.
 */
int vmm_call(const char *sock, const char *method, int timeout_ms,
	     struct json_object **result, struct err **e);

#endif
