// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * net-update ip-dhcp-host on a definition (network.h): a copy of it with
 * one <host> added, deleted or changed, checked as a whole. What runs
 * takes the copy in network.c (network_update_dhcp_host).
 */
#include <errno.h>

#include "daemon/network.h"

/* A copy of @d (through its text: a definition is what it formats to). */
static struct network_def *def_copy(const struct network_def *d, struct err **e)
{
	_cleanup_free_ char *xml = network_def_format(d);
	struct network_def *c = NULL;

	if (network_def_parse(xml, strlen(xml), &c, NULL, e) < 0)
		return NULL;
	return c;
}

/* The <ip> a host goes in: @parent, or the first IPv4 one with DHCP. */
static int pick_ip(const struct network_def *d, int parent, struct err **e)
{
	int first4 = -1;

	if (parent >= 0) {
		if ((size_t)parent < d->n_ips)
			return parent;
		return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				"network '%s' has no <ip> number %d (it has "
				"%zu)",
				d->name, parent, d->n_ips);
	}
	for (size_t i = 0; i < d->n_ips; i++) {
		if (d->ips[i].address.family != AF_INET)
			continue;
		if (d->ips[i].has_dhcp)
			return (int)i;
		if (first4 < 0)
			first4 = (int)i;
	}
	if (first4 >= 0)
		return first4;
	if (d->n_ips)
		return 0;
	return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
			"network '%s' has no <ip> for a DHCP host", d->name);
}

/* Same client: MAC (IPv4) or id (DHCPv6), else same name. */
static bool host_match(const struct network_dhcp_host *a,
		       const struct network_dhcp_host *b)
{
	if (a->has_mac || b->has_mac)
		return a->has_mac && b->has_mac && !memcmp(a->mac, b->mac, 6);
	if (a->id || b->id)
		return a->id && b->id && streq(a->id, b->id);
	return a->name && b->name && streq(a->name, b->name);
}

static int host_change(struct network_def *d, int ipi, const char *cmd,
		       struct network_dhcp_host *h, struct err **e)
{
	struct network_ip *ip = &d->ips[ipi];
	size_t i = 0;

	while (i < ip->n_hosts && !host_match(&ip->hosts[i], h))
		i++;
	if (streq(cmd, "delete") || streq(cmd, "modify")) {
		if (i == ip->n_hosts)
			return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
					"couldn't locate a matching dhcp host "
					"entry in network '%s'",
					d->name);
		network_dhcp_host_release(&ip->hosts[i]);
		if (streq(cmd, "modify")) {
			ip->hosts[i] = *h;
		} else {
			memmove(&ip->hosts[i], &ip->hosts[i + 1],
				(ip->n_hosts - i - 1) * sizeof(*ip->hosts));
			ip->n_hosts--;
			network_dhcp_host_release(h);
		}
		memset(h, 0, sizeof(*h));
		return 0;
	}
	if (i < ip->n_hosts)
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"there is an existing dhcp host entry in "
				"network '%s' that matches",
				d->name);
	if (ip->n_hosts >= NETWORK_MAX_HOSTS)
		return err_setk(e, ERR_OPERATION_INVALID, ENOSPC,
				"network '%s' has %d DHCP hosts already",
				d->name, NETWORK_MAX_HOSTS);
	ip->hosts =
		xreallocarray(ip->hosts, ip->n_hosts + 1, sizeof(*ip->hosts));
	if (streq(cmd, "add-first")) {
		memmove(&ip->hosts[1], &ip->hosts[0],
			ip->n_hosts * sizeof(*ip->hosts));
		ip->hosts[0] = *h;
	} else {
		ip->hosts[ip->n_hosts] = *h;
	}
	ip->n_hosts++;
	ip->has_dhcp = true;
	memset(h, 0, sizeof(*h));
	return 0;
}

struct network_def *network_def_host_updated(const struct network_def *d,
					     const char *cmd, const char *xml,
					     int parent, struct xml_warnings *w,
					     struct err **e)
{
	struct network_def *c = NULL;
	struct network_dhcp_host h;
	int ipi = pick_ip(d, parent, e);

	if (ipi < 0)
		return NULL;
	if (network_dhcp_host_parse(xml, strlen(xml),
				    d->ips[ipi].address.family, &h, w, e) < 0) {
		err_prefix(e, "network '%s'", d->name);
		return NULL;
	}
	c = def_copy(d, e);
	if (!c || host_change(c, ipi, cmd, &h, e) < 0 ||
	    network_def_validate(c, e) < 0) {
		network_dhcp_host_release(&h);
		network_def_free(c);
		err_mark(e, ERR_OPERATION_INVALID);
		return NULL;
	}
	return c;
}
