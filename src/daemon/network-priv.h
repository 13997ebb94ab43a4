/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What network.c (a network's run time: its files, its dnsmasq, its
 * start and stop) lends network-recover.c (finding the networks again
 * at daemon start). Private to those two files; each function changes
 * nothing but what its comment says, and @net belongs to @dmn.
 */
#ifndef NIDO_DAEMON_NETWORK_PRIV_H
#define NIDO_DAEMON_NETWORK_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/daemon.h"
#include "daemon/network.h"

/* The network's name (of its running definition). */
const char *network_name(const struct network *net);

/* Is @d a network on a bridge of the host's (mode='bridge')? */
bool network_on_host_bridge(const struct network_def *d);

/* Writes @d's nftables table whole (no rule twice). 0 or -errno with @e. */
int network_apply_firewall(const struct network_def *d, struct err **e);

/* Saves @net's run-time record in @state with its dnsmasq's pid. */
int network_save_record(struct daemon *dmn, const struct network *net,
			const char *state, struct err **e);

/*
 * Takes down what network @name on @bridge may have (its dnsmasqs found
 * by command line when @find_dnsmasq; its table and bridge unless
 * @host_bridge; its dnsmasq files), whatever is there.
 */
void network_teardown(struct daemon *dmn, const char *name, const char *bridge,
		      bool host_bridge, bool find_dnsmasq);

/* Recovery: the leases the last nidod reported for @net, as its list. */
void network_leases_recall(struct daemon *dmn, struct network *net);

/*
 * Does process @pid run network @name's dnsmasq, started at @start (a
 * record's dnsmasq_start), and is it not on its way out?
 */
bool dnsmasq_is_ours(struct daemon *dmn, const char *name, pid_t pid,
		     uint64_t start);

/* The pids running with @name's conf-file (any of ours when NULL), a
 * 0-terminated array for the caller to free. */
pid_t *dnsmasq_find(const struct daemon *dmn, const char *name);

/* Ends @pid (TERM, then KILL), waiting for it: before nidod serves. */
void dnsmasq_kill_wait(pid_t pid);

/* Ends every dnsmasq of network @name, recorded or not, waiting. */
void dnsmasq_end_all(struct daemon *dmn, const char *name);

/* Writes @net's dnsmasq files: 0, 1 when it needs no dnsmasq, -errno. */
int dnsmasq_files(struct daemon *dmn, const struct network *net,
		  struct err **e);

/* Runs @net's dnsmasq (files written) and watches it. 0 or -errno. */
int dnsmasq_spawn(struct daemon *dmn, struct network *net, struct err **e);

/* Watches @net's dnsmasq (net->dns.pid and pidfd set) and its leases. */
int dnsmasq_watch(struct daemon *dmn, struct network *net, struct err **e);

/* Drops @net's lease watch and timer. */
void dnsmasq_unwatch(struct daemon *dmn, struct network *net);

/* Forgets @net's ended dnsmasq, reaping it if a child: why it ended. */
char *dnsmasq_forget(struct daemon *dmn, struct network *net);

#endif
