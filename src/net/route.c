// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Route lookups over libnl-route (net/route.h). A dump of the routing
 * table through its own short-lived socket: a network starts seldom, and
 * the answer must be the kernel's at that moment, not a cache's.
 */
#include "net/route.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

struct overlap_search {
	struct net_ip net;
	unsigned prefix;
	int except_index; /* 0: none */
	bool found;
	char *desc;
};

static void route_check(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct overlap_search *s = arg;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct rtnl_nexthop *nh;
	struct net_ip ip = {.family = s->net.family};
	char text[NET_IP_STRLEN], dev[IF_NAMESIZE] = "?";
	unsigned plen;
	int ifindex = 0;

	if (s->found || !dst || rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
	    nl_addr_get_family(dst) != s->net.family ||
	    nl_addr_get_len(dst) != net_ip_bits(&s->net) / 8)
		return;
	plen = (unsigned)nl_addr_get_prefixlen(dst);
	if (plen == 0)
		return; /* a default route */
	memcpy(ip.b, nl_addr_get_binary_addr(dst), nl_addr_get_len(dst));
	nh = rtnl_route_nexthop_n(rt, 0);
	if (nh)
		ifindex = rtnl_route_nh_get_ifindex(nh);
	if (ifindex && ifindex == s->except_index)
		return;
	if (!net_prefix_overlap(&ip, plen, &s->net, s->prefix))
		return;
	if (ifindex)
		if_indextoname((unsigned)ifindex, dev);
	snprintf(s->desc, NET_ROUTE_DESC_MAX, "%s/%u dev %s",
		 net_ip_str(&ip, text), plen, dev);
	s->found = true;
}

int net_route_overlap(const struct net_ip *net, unsigned prefix,
		      const char *except, char desc[NET_ROUTE_DESC_MAX],
		      struct err **e)
{
	struct overlap_search s = {
		.net = *net,
		.prefix = prefix,
		.desc = desc,
	};
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	int r;

	if (!sk)
		return err_set(e, ENOMEM, "allocating a netlink socket");
	if (except)
		s.except_index = (int)if_nametoindex(except);
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r >= 0)
		r = rtnl_route_alloc_cache(sk, net->family, 0, &cache);
	if (r < 0) {
		nl_socket_free(sk);
		return err_set(e, EIO, "reading the host's routes: %s",
			       nl_geterror(r));
	}
	nl_cache_foreach(cache, route_check, &s);
	nl_cache_free(cache);
	nl_socket_free(sk);
	return s.found ? 1 : 0;
}
