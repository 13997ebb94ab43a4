/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Talking to one nido-vmm through its control socket (docs/vmm-api.md).
 * The request sent is {"id":1,"method":"NAME"}; a response carrying
 * "result" (or QMP-style "return") is success, one carrying "error" (a
 * string or an object with "message") is failure.
 */
#ifndef NIDO_DAEMON_VMM_CLIENT_H
#define NIDO_DAEMON_VMM_CLIENT_H

#include <json-c/json.h>

#include "lib/err.h"

/*
 * Sends @method to the socket at @sock and waits up to @timeout_ms for
 * the answer. Returns 0 with *@result (may be NULL) a new reference, or
 * -errno with @e filled: -ENOENT or -ECONNREFUSED when there is no
 * control socket, -ETIMEDOUT, -EIO when the VMM answered with an error.
 */
int vmm_call(const char *sock, const char *method, int timeout_ms,
	     struct json_object **result, struct err **e);

#endif
