/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ct driver's private parts (driver-ct.c, driver-ct-console.c): a
 * running container and its console.
 *
 * The console is two pseudo-terminals: the container's (its slave is
 * the init's /dev/console and fds 0-2) and the one `nido console`
 * reaches through the API (console.c opens its slave); nidod relays
 * between their masters on its loop, dropping output nobody reads, so a
 * container never blocks on its console. A keeper process (forked, in
 * the host's namespaces, doing nothing but holding the masters until
 * the container ends) lets a restarted nidod take them back with
 * pidfd_getfd(): the console survives a daemon restart.
 */
#ifndef NIDO_DAEMON_DRIVER_CT_H
#define NIDO_DAEMON_DRIVER_CT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

struct loop;
struct loop_source;

struct ct_console {
	int master_ct;	    /* the container's pty: master */
	int slave_ct;	    /* its slave: handed to the init, then closed */
	int master_api;	    /* the API's pty: master */
	int slave_api_hold; /* its slave, kept open: no hang-up when no
			       client is attached */
	char *pty;	    /* the API's slave path */
	struct loop_source *src_ct, *src_api;
	pid_t keeper;
	int keeper_pidfd;
};

/* Makes both ptys; the container's slave is owned by @uid:@gid (its
 * root on the host). */
int ct_console_open(struct ct_console *c, uid_t uid, gid_t gid, struct err **e);
/* Starts relaying on @l. */
int ct_console_relay(struct ct_console *c, struct loop *l, struct err **e);
/* Forks the keeper, which holds the masters until @pidfd (the
 * container's init) is readable. */
int ct_console_keep(struct ct_console *c, int pidfd, struct err **e);
/* After a daemon restart: the masters back from keeper @pid, checked to
 * be @pty's. Returns 0, or -errno with @e (no console then). */
int ct_console_take_back(struct ct_console *c, pid_t keeper, uint64_t start,
			 const char *pty, struct err **e);
/* Stops relaying and closes everything; with @end_keeper the keeper is
 * ended too (the container is gone), else it keeps the ptys for the
 * next daemon. */
void ct_console_close(struct ct_console *c, struct loop *l, bool end_keeper);

struct domain;
/*
 * For domain.exec (driver-ct-exec.c): running container @dom's init
 * (*@pidfd, borrowed), whether it has a user namespace, and its
 * cgroup.procs files opened into @fds (at most @max; *@n of them, the
 * caller closes them).
 */
int driver_ct_exec_target(struct domain *dom, int *pidfd, bool *userns,
			  int *fds, size_t max, size_t *n, struct err **e);

struct domain_def;
struct json_object;
/*
 * For domain.info: how @def's container is isolated: "privileged"
 * (no user namespace: root is host root), "security_model" ("userns" or
 * "none") and "security_label" (where its root is on the host), added
 * to @o.
 */
void driver_ct_info(const struct domain_def *def, struct json_object *o);

/* The keeper's fds: where it holds the masters. */
#define CT_KEEPER_FD_CT	   3
#define CT_KEEPER_FD_API   4
#define CT_KEEPER_FD_SLAVE 5
#define CT_KEEPER_FD_INIT  6

#endif
