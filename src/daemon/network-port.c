// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * network-port.h until the network kind answers it: nidod has no
 * networks yet, so every name is unknown. The network kind replaces this
 * file with the real answers (its objects, their bridges and leases).
 */
#include <errno.h>

#include "daemon/network-port.h"

int network_port_get(struct daemon *d, const char *network,
		     const char *portgroup, struct network_port *out,
		     struct err **e)
{
	return err_setk(e, ERR_NO_NETWORK, ENOENT, "network '%s' not found",
			network);
}

int network_leases_get(struct daemon *d, const char *network,
		       struct net_lease **out, size_t *n, struct err **e)
{
	*out = NULL;
	*n = 0;
	return err_setk(e, ERR_NO_NETWORK, ENOENT, "network '%s' not found",
			network);
}
