/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qemu driver's side of the guest agent (driver-qemu-agent.c): the
 * channel's socket (made and bound by nidod, listened on by QEMU
 * through the fd it is given, so that the sandboxed QEMU opens
 * nothing), its devices on QEMU's command line (a virtio-serial
 * controller, a virtserialport named org.qemu.guest_agent.0), nidod's
 * connection to it (agent.h), and whether the guest has the port open
 * (QEMU's VSERPORT_CHANGE event, query-chardev's frontend-open).
 */
#ifndef NIDO_DAEMON_DRIVER_QEMU_AGENT_H
#define NIDO_DAEMON_DRIVER_QEMU_AGENT_H

#include <json-c/json.h>

#include "daemon/domain.h"
#include "daemon/driver-qemu.h"
#include "lib/err.h"

struct loop;
struct qmp;
struct agent;
struct qemu_agent;

/*
 * The agent's channel of running domain @dom, when its definition has
 * one (NULL otherwise: nothing to free). Its socket is the channel's
 * <source path>, else @default_path (taken over, freed in any case).
 */
struct qemu_agent *qemu_agent_new(struct domain *dom, char *default_path);

/*
 * Makes and binds the socket QEMU listens on, before QEMU starts. A
 * path the definition gives is used only when it is nothing or a socket
 * already, in directories that only root or nidod's user can change
 * (docs/xml.md): nidod, often root, binds there. Returns the listening
 * fd (owned by @qa), or -errno with @e naming the path.
 */
int qemu_agent_listen(struct qemu_agent *qa, struct err **e);

/* The channel's -chardev on QEMU's command line, its socket at @fd (its
 * port: qemu_argv_vserial()). */
void qemu_argv_agent(struct qemu_argv *a, int fd);

/*
 * QEMU runs: the listening fd is closed (QEMU has its own) and nidod
 * connects as the channel's client, on @l. Returns 0 or -errno with @e.
 */
int qemu_agent_connect(struct qemu_agent *qa, struct loop *l, struct err **e);

/* Whether the guest has the port open, from QEMU or nido-vmm: the live
 * XML's state= and agent_set_guest_open(). */
void qemu_agent_set_open(struct qemu_agent *qa, bool open);

/* QMP is up: asks query-chardev whether the guest has the port open
 * (it may, after a daemon restart). */
void qemu_agent_qmp_ready(struct qemu_agent *qa, struct qmp *q);

/* QEMU's event @name: the port opened or closed, the guest went down. */
void qemu_agent_qmp_event(struct qemu_agent *qa, const char *name,
			  struct json_object *data);

/* The run-time record's "agent" (the socket's path), and back from it
 * on re-attach (a NULL path keeps @qa's). */
void qemu_agent_record(const struct qemu_agent *qa, struct json_object *rec);
void qemu_agent_reattach(struct qemu_agent *qa, struct json_object *rec);

/*
 * The client to send commands to; NULL with @e saying why (no channel,
 * no connection to it).
 */
struct agent *qemu_agent_client(struct qemu_agent *qa, const char *domain,
				struct err **e);

/* Frees @qa (accepts NULL); @gone: QEMU ended, its socket is removed. */
void qemu_agent_free(struct qemu_agent *qa, bool gone);

#endif
