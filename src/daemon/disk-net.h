/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A network disk (<disk type='network'>, or a volume of an rbd pool)
 * for a sandboxed nido-vmm, which has no network: nidod connects to an
 * NBD server for it and passes the connected socket on; nido-vmm's nbd
 * driver (src/block/nbd.c) does the handshake and the I/O on it.
 *
 * - protocol 'nbd': the server the disk names (a unix socket or a host
 *   and port), reached from nidod's network.
 * - protocol 'rbd': a qemu-nbd nidod starts for this disk (qemu's rbd
 *   driver reaches the cluster), socket-activated on a listening socket
 *   nidod connected to first, as the VM's identity, in a pid namespace
 *   of its own (docs/security.md, "Network disks"). It ends when its
 *   one client does, and nidod ends it with the domain.
 *
 * Ownership: the servers are the caller's (disk_net_servers_stop()).
 */
#ifndef NIDO_DAEMON_DISK_NET_H
#define NIDO_DAEMON_DISK_NET_H

#include <stdbool.h>
#include <sys/types.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "lib/spawn.h"

/* Whether nido-vmm can use network disk @d this way (the pick rule):
 * rbd, or raw on one NBD server without <reconnect>. */
bool disk_net_vmm_can(const struct domain_disk *d);

struct disk_server {
	struct spawn_child child; /* pid -1: none */
};

/*
 * Connects network disk @d for nido-vmm into @out: one file, the
 * socket, with format "nbd". A server started for it goes into @srv
 * (pid -1 when none was). As @uid/@gid when @set_ids. Its output goes
 * to @logfd. Returns 0 or -errno with @e naming the disk.
 */
int disk_net_open(const struct domain_disk *d, bool set_ids, uid_t uid,
		  gid_t gid, int logfd, struct disk_server *srv,
		  struct block_chain *out, struct err **e);

/* Ends the server (SIGTERM; SIGKILL after 5 s) and reaps it. Accepts
 * one not started. */
void disk_server_stop(struct disk_server *srv);

#endif
