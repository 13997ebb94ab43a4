/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain consoles through the API (docs/api.md, "Streams"): the method
 * domain.open_console upgrades its connection to a byte stream (rpc.h)
 * and the daemon relays between it and the console the driver names
 * (nido-vmm's pty), on its loop, with a bounded buffer each way. One
 * session per domain at a time (virsh's rule); "force" takes it over.
 *
 * The sessions are listed on the daemon (dmn->consoles); each is owned
 * by its stream and freed when either end closes.
 */
#ifndef NIDO_DAEMON_CONSOLE_H
#define NIDO_DAEMON_CONSOLE_H

#include <json-c/json.h>

#include "lib/err.h"

struct console_session;

/* domain.open_console: params "domain", "force" (bool). */
int console_m_open(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e);

#endif
