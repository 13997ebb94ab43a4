/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The iscsi pool's helpers outside its backend (iscsi.c): the names it
 * passes to iscsiadm checked, what `iscsiadm -m discovery -t
 * sendtargets` prints parsed (iscsi-discovery.c: untrusted text, from
 * the target through iscsiadm, fuzzed by
 * tests/fuzz/daemon/fuzz_iscsi.c), and the targets a portal offers
 * (find-storage-pool-sources-as iscsi HOST).
 */
#ifndef NIDO_STORAGE_ISCSI_H
#define NIDO_STORAGE_ISCSI_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define ISCSI_PORT_DEFAULT 3260
#define ISCSI_NAME_MAX	   223 /* RFC 3720 */
#define ISCSI_TARGETS_MAX  1024

/* Is @s an iSCSI name as nido passes them on: 1 to 223 letters,
 * digits, '.', '-', ':', not starting with '-' or '.'? */
bool iscsi_name_ok(const char *s);

/* Is @s a host name or an address (letters, digits, '.', '-', ':', not
 * starting with '-' or '.', at most 253 bytes)? */
bool iscsi_host_ok(const char *s);

/* A target as discovery lists it. */
struct iscsi_target {
	char *portal; /* "ADDRESS:PORT" ("[V6]:PORT"), as iscsiadm prints it */
	unsigned tpgt;
	char *iqn;
};

void iscsi_targets_free(struct iscsi_target *t, size_t n);

/*
 * Parses @len bytes of sendtargets output, one "PORTAL,TPGT IQN" a
 * line (empty lines skipped). Every field is checked (the portal's
 * address and port, the IQN as iscsi_name_ok); at most
 * ISCSI_TARGETS_MAX lines. Returns 0 with *@out (the caller's, NULL
 * when none) and *@n, or -EINVAL with @e naming the line.
 */
int iscsi_targets_parse(const char *text, size_t len, struct iscsi_target **out,
			size_t *n, struct err **e);

/*
 * The targets the portal @host:@port (0: 3260) offers, asked with a
 * sendtargets discovery that records nothing in open-iscsi's node
 * database, as the initiator @initiator (NULL: open-iscsi's default).
 * 0 with *@out, *@n, or -errno with @e.
 */
int iscsi_find_targets(const char *host, unsigned port, const char *initiator,
		       struct iscsi_target **out, size_t *n, struct err **e);

#endif
