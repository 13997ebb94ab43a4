// SPDX-License-Identifier: GPL-2.0-or-later
/* Neighbour entries by MAC over libnl-route (net/neigh.h). */
#include "net/neigh.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>

struct walk {
	const uint8_t *mac;
	int family;
	struct net_ip *v;
	size_t n;
};

static void visit(struct nl_object *o, void *arg)
{
	struct rtnl_neigh *nb = (struct rtnl_neigh *)o;
	struct walk *w = arg;
	struct nl_addr *ll = rtnl_neigh_get_lladdr(nb);
	struct nl_addr *dst = rtnl_neigh_get_dst(nb);
	int state = rtnl_neigh_get_state(nb);
	size_t len;

	if (!ll || !dst || nl_addr_get_len(ll) != 6 ||
	    memcmp(nl_addr_get_binary_addr(ll), w->mac, 6) ||
	    nl_addr_get_family(dst) != w->family ||
	    !(state & (NUD_REACHABLE | NUD_STALE | NUD_PERMANENT | NUD_DELAY |
		       NUD_PROBE)))
		return;
	len = w->family == AF_INET ? 4 : 16;
	if (nl_addr_get_len(dst) != len)
		return;
	w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
	w->v[w->n] = (struct net_ip){.family = w->family};
	memcpy(w->v[w->n++].b, nl_addr_get_binary_addr(dst), len);
}

int net_neigh_by_mac(const uint8_t mac[6], struct net_ip **out, size_t *n,
		     struct err **e)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	struct walk w = {.mac = mac};
	int r;

	*out = NULL;
	*n = 0;
	if (!sk)
		return err_set(e, ENOMEM, "allocating a netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r >= 0)
		r = rtnl_neigh_alloc_cache(sk, &cache);
	if (r < 0) {
		nl_socket_free(sk);
		return err_set(e, EIO, "reading the neighbour table: %s",
			       nl_geterror(r));
	}
	w.family = AF_INET;
	nl_cache_foreach(cache, visit, &w);
	w.family = AF_INET6;
	nl_cache_foreach(cache, visit, &w);
	nl_cache_free(cache);
	nl_socket_free(sk);
	*out = w.v;
	*n = w.n;
	return 0;
}
