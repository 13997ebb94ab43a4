// SPDX-License-Identifier: GPL-2.0-or-later
/* Bandwidth limits with htb, ingress, u32 and mirred (net/tc.h). */
#include "net/tc.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>

/* ffff:, the ingress qdisc's handle (libnl's TC_HANDLE(0xffff, 0) shifts
 * an int into its sign bit). */
#define INGRESS_HANDLE 0xffff0000u

static void sock_free(struct nl_sock **sk)
{
	if (*sk)
		nl_socket_free(*sk);
}
#define _cleanup_sock_ __attribute__((cleanup(sock_free)))

static int tc_fail(struct err **e, int nle, const char *what, const char *dev)
{
	int code = nle == -NLE_PERM ? EPERM : nle == -NLE_NODEV ? ENODEV : EIO;

	return err_set(e, code, "%s on '%s': %s", what, dev, nl_geterror(nle));
}

static int sock_open(struct nl_sock **out, struct err **e)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return err_set(e, ENOMEM, "allocating a netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return err_set(e, EIO, "netlink: %s", nl_geterror(r));
	}
	*out = sk;
	return 0;
}

static int ifindex_of(const char *dev, struct err **e)
{
	unsigned i = if_nametoindex(dev);

	if (!i)
		return err_set(e, ENODEV, "link '%s' does not exist", dev);
	return (int)i;
}

/* An htb root qdisc 1: on @ifindex whose default class 1:1 has @r. */
static int htb_limit(struct nl_sock *sk, int ifindex, const char *dev,
		     const struct net_tc_rate *r, struct err **e)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	struct rtnl_class *c = rtnl_class_alloc();
	int nle = -NLE_NOMEM;

	if (!q || !c)
		goto out;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
	if ((nle = rtnl_tc_set_kind(TC_CAST(q), "htb")) < 0 ||
	    (nle = rtnl_htb_set_defcls(q, TC_HANDLE(1, 1))) < 0 ||
	    (nle = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE)) < 0)
		goto out;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), TC_HANDLE(1, 0));
	rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(1, 1));
	if ((nle = rtnl_tc_set_kind(TC_CAST(c), "htb")) < 0 ||
	    (nle = rtnl_htb_set_rate64(c, r->rate)) < 0 ||
	    (nle = rtnl_htb_set_ceil64(c, r->peak ? r->peak : r->rate)) < 0)
		goto out;
	if (r->burst && r->burst <= UINT32_MAX &&
	    ((nle = rtnl_htb_set_rbuffer(c, (uint32_t)r->burst)) < 0 ||
	     (nle = rtnl_htb_set_cbuffer(c, (uint32_t)r->burst)) < 0))
		goto out;
	nle = rtnl_class_add(sk, c, NLM_F_CREATE);
out:
	rtnl_class_put(c);
	rtnl_qdisc_put(q);
	return nle < 0 ? tc_fail(e, nle, "htb", dev) : 0;
}

int net_tc_egress_limit(const char *dev, const struct net_tc_rate *r,
			struct err **e)
{
	_cleanup_sock_ struct nl_sock *sk = NULL;
	int ifindex = ifindex_of(dev, e);

	if (ifindex < 0 || sock_open(&sk, e) < 0)
		return -ENODEV;
	return htb_limit(sk, ifindex, dev, r, e);
}

/* Creates ifb @name, up; returns its ifindex. */
static int ifb_create(struct nl_sock *sk, const char *name, struct err **e)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int nle;

	if (!l)
		return err_set(e, ENOMEM, "allocating a link");
	rtnl_link_set_name(l, name);
	rtnl_link_set_flags(l, IFF_UP);
	nle = rtnl_link_set_type(l, "ifb");
	if (nle >= 0)
		nle = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	if (nle < 0)
		return tc_fail(e, nle, "creating the ifb", name);
	return ifindex_of(name, e);
}

/* An ingress qdisc on @ifindex redirecting every frame to @to. */
static int redirect_ingress(struct nl_sock *sk, int ifindex, const char *dev,
			    int to, struct err **e)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	struct rtnl_cls *f = rtnl_cls_alloc();
	struct rtnl_act *a = rtnl_act_alloc();
	int nle = -NLE_NOMEM;

	if (!q || !f || !a)
		goto out;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
	if ((nle = rtnl_tc_set_kind(TC_CAST(q), "ingress")) < 0 ||
	    (nle = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE)) < 0)
		goto out;
	if ((nle = rtnl_tc_set_kind(TC_CAST(a), "mirred")) < 0)
		goto out;
	rtnl_mirred_set_action(a, TCA_EGRESS_REDIR);
	rtnl_mirred_set_policy(a, TC_ACT_STOLEN);
	rtnl_mirred_set_ifindex(a, (uint32_t)to);
	rtnl_tc_set_ifindex(TC_CAST(f), ifindex);
	rtnl_tc_set_parent(TC_CAST(f), INGRESS_HANDLE);
	rtnl_cls_set_protocol(f, ETH_P_ALL);
	rtnl_cls_set_prio(f, 1);
	/* u32 matching every frame (0 under mask 0): kernels without
	 * cls_matchall have it. */
	if ((nle = rtnl_tc_set_kind(TC_CAST(f), "u32")) < 0 ||
	    (nle = rtnl_u32_add_key_uint32(f, 0, 0, 0, 0)) < 0 ||
	    (nle = rtnl_u32_add_action(f, a)) < 0)
		goto out;
	nle = rtnl_cls_add(sk, f, NLM_F_CREATE);
out:
	rtnl_act_put(a);
	rtnl_cls_put(f);
	rtnl_qdisc_put(q);
	return nle < 0 ? tc_fail(e, nle, "redirecting ingress", dev) : 0;
}

int net_tc_ingress_limit(const char *dev, const struct net_tc_rate *rate,
			 char ifb[NET_IFNAME_MAX + 1], struct err **e)
{
	_cleanup_sock_ struct nl_sock *sk = NULL;
	int ifindex = ifindex_of(dev, e), to, r;

	ifb[0] = 0;
	if (ifindex < 0 || sock_open(&sk, e) < 0)
		return -ENODEV;
	snprintf(ifb, NET_IFNAME_MAX + 1, "nifb%d", ifindex);
	to = ifb_create(sk, ifb, e);
	if (to < 0) {
		ifb[0] = 0;
		return to;
	}
	if ((r = htb_limit(sk, to, ifb, rate, e)) < 0 ||
	    (r = redirect_ingress(sk, ifindex, dev, to, e)) < 0) {
		net_tc_clear(ifb, NULL);
		ifb[0] = 0;
		return r;
	}
	return 0;
}

int net_tc_clear(const char *ifb, struct err **e)
{
	_cleanup_sock_ struct nl_sock *sk = NULL;
	struct rtnl_link *l;
	int nle;

	if (!ifb || !*ifb || !if_nametoindex(ifb))
		return 0;
	if (sock_open(&sk, e) < 0)
		return -EIO;
	l = rtnl_link_alloc();
	if (!l)
		return err_set(e, ENOMEM, "allocating a link");
	rtnl_link_set_name(l, ifb);
	nle = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (nle < 0 && nle != -NLE_NODEV && nle != -NLE_OBJ_NOTFOUND)
		return tc_fail(e, nle, "deleting the ifb", ifb);
	return 0;
}
