/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nido-vmm's events (docs/vmm-api.md, "Events"): one connection to a
 * VM's control socket that sent "subscribe" and stays open while the
 * VM runs, read on the daemon's loop; and their translation into the
 * daemon's events (events.h).
 */
#ifndef NIDO_DAEMON_VMM_EVENTS_H
#define NIDO_DAEMON_VMM_EVENTS_H

#include <json-c/json.h>

#include "lib/err.h"

struct loop;
struct daemon;
struct domain;
struct vmm_watch;

/* Called with each event object (borrowed) nido-vmm sends. */
typedef void (*vmm_event_fn)(void *opaque, struct json_object *event);

/*
 * Connects to the control socket @sock and subscribes. Returns the
 * watch (free it with vmm_watch_free; it goes quiet by itself when
 * nido-vmm closes the connection), or NULL with @e filled.
 */
struct vmm_watch *vmm_watch_start(struct loop *l, const char *sock,
				  vmm_event_fn fn, void *opaque,
				  struct err **e);
void vmm_watch_free(struct vmm_watch *w);

/*
 * Reports nido-vmm's event @ev (borrowed) of @dom as the daemon's:
 * "io-error" with the disk's target and source from the definition.
 * Other events are ignored.
 */
void vmm_event_relay(struct daemon *dmn, struct domain *dom,
		     struct json_object *ev);

#endif
