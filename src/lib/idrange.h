/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The range of user and group ids nido runs its sandboxed processes as
 * (docs/security.md): the subordinate ids of the user "nido" in
 * /etc/subuid and /etc/subgid when it has some, else a built-in range of
 * 65536 ids starting at IDRANGE_DEFAULT_BASE. Each VM gets one id of the
 * range; no file on the host is owned by them.
 */
#ifndef NIDO_LIB_IDRANGE_H
#define NIDO_LIB_IDRANGE_H

#include <sys/types.h>

#include "lib/err.h"

#define IDRANGE_DEFAULT_BASE  0x6e690000u /* "ni" */
#define IDRANGE_DEFAULT_COUNT 65536u

struct idrange {
	uid_t uid_base;
	unsigned uid_count;
	gid_t gid_base;
	unsigned gid_count;
};

/* Fills @r from @subuid and @subgid (paths; NULL: the /etc files). */
void idrange_load(struct idrange *r, const char *subuid, const char *subgid);

/* Where slots are claimed: one byte lock per slot. */
#define IDRANGE_LOCK_FILE "/run/nido/sandbox-ids.lock"

/*
 * Claims the lowest slot (1 to the range's size - 1) no other process
 * holds, with an open file description lock on byte SLOT of @lockfile
 * (created 0600; NULL: IDRANGE_LOCK_FILE). The lock lasts as long as
 * the returned fd or any copy of it is open: hand it to the process that
 * runs as the slot's ids and close ours. Returns the fd and sets *@slot,
 * or -errno with @e filled (-EAGAIN: every slot is taken).
 */
int idrange_claim(const struct idrange *r, const char *lockfile, unsigned *slot,
		  struct err **e);

/* The uid and gid of slot @slot (taken modulo the range's sizes). */
void idrange_ids(const struct idrange *r, unsigned slot, uid_t *uid,
		 gid_t *gid);

#endif
