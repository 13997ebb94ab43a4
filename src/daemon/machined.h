/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running domains as machines of systemd-machined (docs/drivers.md,
 * "systemd-machined"), so that `machinectl list` shows them. Where
 * systemd is PID 1 each guest or container that starts is created
 * (CreateMachineWithNetwork) with its leader (QEMU, nido-vmm, the
 * container's init), which systemd moves into a scope of its own under
 * machine.slice, where the drivers make its cgroup (machined_create),
 * and terminated (TerminateMachine) when it stops; on a test bus it is
 * registered (RegisterMachineWithNetwork) where it runs and
 * unregistered (UnregisterMachine).
 *
 * Everything runs on the daemon's loop: the system bus connection is an
 * fd and a timer of the loop, every call is asynchronous with a short
 * timeout, and a registration's outcome arrives later. A registration
 * that fails never fails a start: it is logged as a warning and shown
 * by dominfo.
 *
 * Where systemd is not PID 1, or register_machines = 0 in nidod.conf,
 * machined_open() says so once and every other function does nothing.
 * For tests, NIDO_TEST_MACHINED_BUS names the address of a bus to use
 * instead of the system bus, whether systemd runs or not.
 */
#ifndef NIDO_DAEMON_MACHINED_H
#define NIDO_DAEMON_MACHINED_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "daemon/domain.h"
#include "lib/err.h"

struct daemon;

/* The environment variable naming a test bus (docs/api.md). */
#define MACHINED_TEST_BUS_ENV "NIDO_TEST_MACHINED_BUS"

/*
 * Decides whether domains are registered (@enabled: nidod.conf's
 * register_machines) and connects to the bus: dmn->machined is set, or
 * stays NULL with the reason logged once. Never fails the daemon.
 */
void machined_open(struct daemon *dmn, bool enabled);

/* Closes the connection (registrations stay: the domains keep running
 * across a daemon restart); accepts a daemon without one. */
void machined_close(struct daemon *dmn);

/*
 * @dom has just become active (started, restored, or re-attached when
 * dmn->recovering): registers it, or for a re-attached one first asks
 * machined whether it still knows it (GetMachine) and registers it only
 * when not.
 */
void machined_domain_started(struct daemon *dmn, struct domain *dom);

/* @dom is stopping: unregisters it if it was registered (also when the
 * registration is still on its way). */
void machined_domain_stopped(struct daemon *dmn, struct domain *dom);

/*
 * Whether guests live in scopes machined makes (systemd is PID 1 and
 * machined answers on its bus): nido's cgroups of a guest are then made
 * inside its scope (machined_create) rather than under nido/.
 */
bool machined_scoped(const struct daemon *dmn);

/*
 * Where machined_scoped(): creates @dom's machine with leader @pid
 * (CreateMachineWithNetwork, with the host ends of @taps, a "taps"
 * array as in the domain's record; NULL: none), which moves @pid into
 * a new scope machine-NAME.scope under machine.slice, delegated to us.
 * Sets *@cgroup to the scope's path in the v2 hierarchy
 * ("/machine.slice/machine-lxc\x2d1\x2dct.scope", malloc'ed) and
 * returns 1; 0 (and NULL) when guests are not placed so; -errno with
 * @e saying why machined refused. Synchronous: the guest must not run
 * before it is in its scope, with its limits.
 */
int machined_create(struct daemon *dmn, struct domain *dom, pid_t pid,
		    struct json_object *taps, char **cgroup, struct err **e);

/* dominfo's "machine" (the registered name) or "machine_error" (why
 * the registration failed) of an active @dom. */
void machined_info(struct daemon *dmn, const struct domain *dom,
		   struct json_object *o);

/*
 * The machine name of domain @name with id @id of a driver family
 * @prefix ("qemu" or "lxc"), as libvirt makes it: PREFIX-ID-NAME, with
 * of NAME only what a host name may hold (letters, digits, '-', '.'; no
 * leading or repeated '-' and '.'), at most 64 characters, no trailing
 * '-' or '.'. Written to @out (@size >= 65).
 */
void machined_name(const char *prefix, int id, const char *name, char *out,
		   size_t size);

#endif
