// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Links over libnl-route. libnl's own bridge type cannot carry the
 * bridge's options (IFLA_BR_*), so bridges are made with one RTM_NEWLINK
 * message built here; everything else uses libnl's link objects.
 */
#include "net/link.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <unistd.h>

struct net_nl {
	struct nl_sock *sk;
};

/* The errno of a libnl error (libnl folds the kernel's into NLE_*). */
static int nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_EXIST:
		return EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return ENODEV;
	case NLE_PERM:
		return EPERM;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_BUSY:
		return EBUSY;
	case NLE_RANGE:
		return ERANGE;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	case NLE_INVAL:
	case NLE_MSGSIZE:
		return EINVAL;
	case NLE_AF_NOSUPPORT:
		return EAFNOSUPPORT;
	default:
		return EIO;
	}
}

/* Records "@what: libnl's message" with the matching errno. */
static int nl_fail(struct err **e, int nle, const char *fmt, ...) PRINTF(3, 4);
static int nl_fail(struct err **e, int nle, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	va_list ap;
	int code;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	code = nl_errno(nle);
	/* The errno's words where libnl has one ("File exists", not
	 * libnl's "Object exists"). */
	return err_set(e, code, "%s: %s", what,
		       code == EIO ? nl_geterror(nle) : strerror(code));
}

int net_nl_open(struct net_nl **out, struct err **e)
{
	struct net_nl *nl = xcalloc(1, sizeof(*nl));
	int r;

	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return err_set(e, ENOMEM, "allocating a netlink socket");
	}
	r = nl_connect(nl->sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(nl->sk);
		free(nl);
		return nl_fail(e, r, "connecting to rtnetlink");
	}
	*out = nl;
	return 0;
}

void net_nl_close(struct net_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

/* The kernel's link object for @name, or an error naming it. */
static int link_get(struct net_nl *nl, const char *name, struct rtnl_link **out,
		    struct err **e)
{
	int r;

	if (net_ifname_check(name, false, e) < 0)
		return -EINVAL;
	r = rtnl_link_get_kernel(nl->sk, 0, name, out);
	if (r < 0)
		return nl_fail(e, r, "interface '%s'", name);
	return 0;
}

/* Sends @msg (consumed) and waits for the kernel's answer. */
static int send_sync(struct net_nl *nl, struct nl_msg *msg)
{
	int r = nl_send_auto(nl->sk, msg);

	nlmsg_free(msg);
	if (r < 0)
		return r;
	return nl_wait_for_ack(nl->sk);
}

/* RTM_NEWLINK for a bridge with its IFLA_INFO_DATA options. */
static struct nl_msg *bridge_msg(const char *name,
				 const struct net_bridge_opts *o)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(
		RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info, *data;

	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    (o->mtu && nla_put_u32(msg, IFLA_MTU, o->mtu) < 0) ||
	    (o->mac && nla_put(msg, IFLA_ADDRESS, 6, o->mac) < 0) ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0 ||
	    !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    /* The delay first: the kernel checks it against STP's range
	     * only when STP is on, and clamps it when STP starts. Clock
	     * ticks of USER_HZ (100 a second). */
	    nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, o->delay_s * 100) < 0 ||
	    nla_put_u32(msg, IFLA_BR_STP_STATE, o->stp ? 1 : 0) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	return msg;
}

int net_sysctl_write(const char *key, const char *value, struct err **e)
{
	_cleanup_free_ char *path = xasprintf("/proc/sys/%s", key);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(value);

	if (fd < 0)
		return err_sys(e, errno, "opening %s", path);
	errno = EIO;
	if (write(fd, value, n) != (ssize_t)n)
		return err_sys(e, errno, "writing '%s' to %s", value, path);
	return 0;
}

/* Writes @value to net/ipv6/conf/@name/@key (this namespace's). */
static int ipv6_conf(const char *name, const char *key, const char *value,
		     struct err **e)
{
	_cleanup_free_ char *k = xasprintf("net/ipv6/conf/%s/%s", name, key);
	_cleanup_err_ struct err *why = NULL;
	int r = net_sysctl_write(k, value, &why);

	if (r == -ENOENT)
		return 0; /* IPv6 is off in this kernel: nothing to set */
	if (r < 0)
		return err_setk(e, err_kind(why), -r, "bridge '%s': %s", name,
				err_msg(why));
	return 0;
}

/* The bridge's IPv6 settings (net_bridge_create() says which). */
static int bridge_ipv6(const char *name, const struct net_bridge_opts *o,
		       struct err **e)
{
	if (ipv6_conf(name, "accept_ra", "0", e) < 0 ||
	    ipv6_conf(name, "autoconf", "0", e) < 0 ||
	    ipv6_conf(name, "disable_ipv6", o->no_ipv6 ? "1" : "0", e) < 0)
		return -EIO;
	return 0;
}

int net_bridge_create(struct net_nl *nl, const char *name,
		      const struct net_bridge_opts *o, struct err **e)
{
	struct nl_msg *msg;
	int r;

	if (net_ifname_check(name, false, e) < 0)
		return -EINVAL;
	if (o->delay_s > 30)
		return err_set(e, ERANGE,
			       "bridge '%s': forward delay %u s is above 30",
			       name, o->delay_s);
	msg = bridge_msg(name, o);
	if (!msg)
		return err_set(e, ENOMEM, "bridge '%s': building the request",
			       name);
	r = send_sync(nl, msg);
	if (r < 0)
		return nl_fail(e, r, "creating bridge '%s'", name);
	if (bridge_ipv6(name, o, e) < 0) {
		net_link_delete(nl, name, NULL);
		return -EIO;
	}
	return 0;
}

int net_veth_create(struct net_nl *nl, const char *name, const char *peer,
		    struct err **e)
{
	int r;

	if (net_ifname_check(name, false, e) < 0 ||
	    net_ifname_check(peer, false, e) < 0)
		return -EINVAL;
	/* The peer's namespace is given by pid: 0 would be no process. */
	r = rtnl_link_veth_add(nl->sk, name, peer, getpid());
	if (r < 0)
		return nl_fail(e, r, "creating veth pair '%s' and '%s'", name,
			       peer);
	return 0;
}

int net_veth_create_peer(struct net_nl *nl, const char *name, const char *peer,
			 pid_t peer_pid, const uint8_t peer_mac[6],
			 struct err **e)
{
	struct rtnl_link *link = NULL, *p;
	struct nl_addr *mac = NULL;
	int r = -NLE_NOMEM;

	if (net_ifname_check(name, false, e) < 0 ||
	    net_ifname_check(peer, false, e) < 0)
		return -EINVAL;
	link = rtnl_link_veth_alloc();
	mac = nl_addr_build(AF_LLC, peer_mac, 6);
	if (link && mac) {
		rtnl_link_set_name(link, name);
		p = rtnl_link_veth_get_peer(link);
		rtnl_link_set_name(p, peer);
		rtnl_link_set_addr(p, mac);
		rtnl_link_set_ns_pid(p, peer_pid);
		rtnl_link_put(p);
		r = rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	}
	nl_addr_put(mac);
	rtnl_link_put(link);
	if (r < 0)
		return nl_fail(e, r,
			       "creating veth pair '%s' and '%s' (in the "
			       "namespace of pid %d)",
			       name, peer, (int)peer_pid);
	return 0;
}

/* Applies what @set_change puts into a change object to link @name. */
static int link_change(struct net_nl *nl, const char *name,
		       void (*set_change)(struct rtnl_link *, const void *),
		       const void *arg, const char *what, struct err **e)
{
	struct rtnl_link *link = NULL, *change;
	int r;

	if (link_get(nl, name, &link, e) < 0)
		return err_prefix(e, "%s", what);
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		return err_set(e, ENOMEM, "%s: out of memory", what);
	}
	set_change(change, arg);
	r = rtnl_link_change(nl->sk, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	if (r < 0)
		return nl_fail(e, r, "%s", what);
	return 0;
}

static void change_up(struct rtnl_link *c, const void *arg)
{
	if (*(const bool *)arg)
		rtnl_link_set_flags(c, IFF_UP);
	else
		rtnl_link_unset_flags(c, IFF_UP);
}

static void change_mtu(struct rtnl_link *c, const void *arg)
{
	rtnl_link_set_mtu(c, *(const unsigned *)arg);
}

static void change_mac(struct rtnl_link *c, const void *arg)
{
	struct nl_addr *a = nl_addr_build(AF_LLC, arg, 6);

	if (a) {
		rtnl_link_set_addr(c, a);
		nl_addr_put(a);
	}
}

static void change_netns(struct rtnl_link *c, const void *arg)
{
	rtnl_link_set_ns_pid(c, *(const pid_t *)arg);
}

int net_link_set_up(struct net_nl *nl, const char *name, bool up,
		    struct err **e)
{
	_cleanup_free_ char *what = xasprintf("setting interface '%s' %s", name,
					      up ? "up" : "down");

	return link_change(nl, name, change_up, &up, what, e);
}

int net_link_set_mtu(struct net_nl *nl, const char *name, unsigned mtu,
		     struct err **e)
{
	_cleanup_free_ char *what =
		xasprintf("setting the MTU of '%s' to %u", name, mtu);

	if (mtu < 68 || mtu > 65535)
		return err_set(e, EINVAL, "%s: out of range (68 to 65535)",
			       what);
	return link_change(nl, name, change_mtu, &mtu, what, e);
}

int net_link_set_mac(struct net_nl *nl, const char *name, const uint8_t mac[6],
		     struct err **e)
{
	char m[NET_MAC_STRLEN];
	_cleanup_free_ char *what = xasprintf("setting the MAC of '%s' to %s",
					      name, net_mac_str(mac, m));

	return link_change(nl, name, change_mac, mac, what, e);
}

int net_link_set_netns(struct net_nl *nl, const char *name, pid_t pid,
		       struct err **e)
{
	_cleanup_free_ char *what = xasprintf(
		"moving '%s' to the network namespace of pid %d", name, pid);

	return link_change(nl, name, change_netns, &pid, what, e);
}

int net_link_delete(struct net_nl *nl, const char *name, struct err **e)
{
	struct rtnl_link *link = NULL;
	int r;

	if (link_get(nl, name, &link, e) < 0)
		return err_prefix(e, "deleting interface");
	r = rtnl_link_delete(nl->sk, link);
	rtnl_link_put(link);
	if (r < 0)
		return nl_fail(e, r, "deleting interface '%s'", name);
	return 0;
}

int net_link_set_master(struct net_nl *nl, const char *port, const char *bridge,
			struct err **e)
{
	struct rtnl_link *p = NULL, *b = NULL;
	int r;

	if (link_get(nl, port, &p, e) < 0)
		return err_prefix(e, "attaching a port");
	if (bridge && link_get(nl, bridge, &b, e) < 0) {
		rtnl_link_put(p);
		return err_prefix(e, "attaching '%s'", port);
	}
	if (b)
		r = rtnl_link_enslave_ifindex(nl->sk, rtnl_link_get_ifindex(b),
					      rtnl_link_get_ifindex(p));
	else
		r = rtnl_link_release_ifindex(nl->sk, rtnl_link_get_ifindex(p));
	rtnl_link_put(p);
	if (b)
		rtnl_link_put(b);
	if (r < 0 && bridge)
		return nl_fail(e, r, "attaching '%s' to bridge '%s'", port,
			       bridge);
	if (r < 0)
		return nl_fail(e, r, "detaching '%s' from its bridge", port);
	return 0;
}

/* A libnl address object of @ip/@prefix on @ifindex. */
static struct rtnl_addr *addr_object(int ifindex, const struct net_ip *ip,
				     unsigned prefix)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local =
		nl_addr_build(ip->family, ip->b, net_ip_bits(ip) / 8);
	struct nl_addr *brd = NULL;

	if (!a || !local)
		goto fail;
	nl_addr_set_prefixlen(local, (int)prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	if (rtnl_addr_set_local(a, local) < 0)
		goto fail;
	if (ip->family == AF_INET && prefix < 31) {
		struct net_ip last = net_ip_last(ip, prefix);

		brd = nl_addr_build(AF_INET, last.b, 4);
		if (!brd || rtnl_addr_set_broadcast(a, brd) < 0)
			goto fail;
		nl_addr_put(brd);
	}
	nl_addr_put(local);
	return a;
fail:
	nl_addr_put(brd);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return NULL;
}

int net_addr_add(struct net_nl *nl, const char *name, const struct net_ip *ip,
		 unsigned prefix, struct err **e)
{
	return net_addr_add_peer(nl, name, ip, prefix, NULL, e);
}

int net_addr_add_peer(struct net_nl *nl, const char *name,
		      const struct net_ip *ip, unsigned prefix,
		      const struct net_ip *peer, struct err **e)
{
	struct nl_addr *p = NULL;
	char s[NET_IP_STRLEN];
	struct rtnl_addr *a;
	int ifindex, r;

	if (net_ifname_check(name, false, e) < 0)
		return -EINVAL;
	if (!ip->family || prefix > net_ip_bits(ip))
		return err_set(e, EINVAL, "adding %s/%u to '%s': bad prefix",
			       net_ip_str(ip, s), prefix, name);
	ifindex = (int)if_nametoindex(name);
	if (!ifindex)
		return err_sys(e, errno, "adding %s/%u to '%s'",
			       net_ip_str(ip, s), prefix, name);
	a = addr_object(ifindex, ip, prefix);
	if (!a)
		return err_set(e, ENOMEM, "adding %s/%u to '%s': out of memory",
			       net_ip_str(ip, s), prefix, name);
	/* with a peer, the prefix is the peer's (its network's route) */
	if (peer &&
	    (p = nl_addr_build(peer->family, peer->b, net_ip_bits(peer) / 8)))
		nl_addr_set_prefixlen(p, (int)prefix);
	if (peer && (!p || rtnl_addr_set_peer(a, p) < 0)) {
		nl_addr_put(p);
		rtnl_addr_put(a);
		return err_set(e, ENOMEM, "adding %s/%u to '%s': its peer",
			       net_ip_str(ip, s), prefix, name);
	}
	nl_addr_put(p);
	r = rtnl_addr_add(nl->sk, a, 0);
	rtnl_addr_put(a);
	if (r < 0)
		return nl_fail(e, r, "adding %s/%u to '%s'", net_ip_str(ip, s),
			       prefix, name);
	return 0;
}

static void fill_stats(struct rtnl_link *l, struct net_link_info *o)
{
	o->rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
	o->rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
	o->rx_errs = rtnl_link_get_stat(l, RTNL_LINK_RX_ERRORS);
	o->rx_drop = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED);
	o->tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
	o->tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
	o->tx_errs = rtnl_link_get_stat(l, RTNL_LINK_TX_ERRORS);
	o->tx_drop = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED);
}

int net_link_query(struct net_nl *nl, const char *name,
		   struct net_link_info *out, struct err **e)
{
	struct rtnl_link *l = NULL;
	struct net_link_info o = {0};
	struct nl_addr *mac;
	const char *kind;
	unsigned flags;
	int r;

	if ((r = link_get(nl, name, &l, e)) < 0)
		return r;
	flags = rtnl_link_get_flags(l);
	o.index = rtnl_link_get_ifindex(l);
	o.master = rtnl_link_get_master(l);
	o.up = flags & IFF_UP;
	o.running = flags & IFF_RUNNING;
	o.mtu = rtnl_link_get_mtu(l);
	mac = rtnl_link_get_addr(l);
	if (mac && nl_addr_get_len(mac) == 6)
		memcpy(o.mac, nl_addr_get_binary_addr(mac), 6);
	kind = rtnl_link_get_type(l);
	snprintf(o.kind, sizeof(o.kind), "%s", kind ? kind : "");
	fill_stats(l, &o);
	rtnl_link_put(l);
	*out = o;
	return 0;
}

int net_link_set_vf_mac(struct net_nl *nl, const char *pf, unsigned vf,
			const uint8_t mac[6], struct err **e)
{
	struct rtnl_link *p = NULL;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct ifla_vf_mac m = {.vf = vf};
	struct nlattr *list, *info;
	struct nl_msg *msg;
	int r;

	if (link_get(nl, pf, &p, e) < 0)
		return err_prefix(e, "setting the MAC of VF %u", vf);
	ifi.ifi_index = rtnl_link_get_ifindex(p);
	rtnl_link_put(p);
	memcpy(m.mac, mac, 6);
	msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !(list = nla_nest_start(msg, IFLA_VFINFO_LIST)) ||
	    !(info = nla_nest_start(msg, IFLA_VF_INFO)) ||
	    nla_put(msg, IFLA_VF_MAC, sizeof(m), &m) < 0) {
		nlmsg_free(msg);
		return err_set(e, ENOMEM, "setting the MAC of VF %u of '%s'",
			       vf, pf);
	}
	nla_nest_end(msg, info);
	nla_nest_end(msg, list);
	r = nl_send_sync(nl->sk, msg); /* frees msg */
	if (r < 0)
		return nl_fail(e, r, "setting the MAC of VF %u of '%s'", vf,
			       pf);
	return 0;
}

int net_route_add(struct net_nl *nl, const char *name, const struct net_ip *dst,
		  unsigned prefix, const struct net_ip *gw, struct err **e)
{
	char s[NET_IP_STRLEN];
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d =
		nl_addr_build(dst->family, dst->b, net_ip_bits(dst) / 8);
	struct nl_addr *g =
		gw ? nl_addr_build(gw->family, gw->b, net_ip_bits(gw) / 8)
		   : NULL;
	int ifindex = (int)if_nametoindex(name), r = -NLE_NOMEM;

	if (!ifindex) {
		r = err_sys(e, errno, "route to %s/%u via '%s'",
			    net_ip_str(dst, s), prefix, name);
		goto out;
	}
	if (!rt || !nh || !d || (gw && !g))
		goto fail;
	nl_addr_set_prefixlen(d, (int)prefix);
	rtnl_route_set_family(rt, (uint8_t)dst->family);
	if (rtnl_route_set_dst(rt, d) < 0)
		goto fail;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (g)
		rtnl_route_nh_set_gateway(nh, g);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* the route's now */
	r = rtnl_route_add(nl->sk, rt, NLM_F_CREATE | NLM_F_EXCL);
	if (r >= 0) {
		r = 0;
		goto out;
	}
fail:
	r = nl_fail(e, r, "route to %s/%u via '%s'", net_ip_str(dst, s), prefix,
		    name);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	rtnl_route_put(rt);
	nl_addr_put(d);
	nl_addr_put(g);
	return r;
}
