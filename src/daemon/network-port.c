// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * network-port.h: what a guest's port gets from the network kind
 * (network.h). The network must run, as libvirt wants: its bridge exists
 * then, and its portgroups are those of the live definition.
 */
#include <errno.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/network-port.h"
#include "daemon/network.h"

/* The running network named @name, or NULL with @e filled. */
static struct network *running(struct daemon *d, const char *name,
			       struct err **e)
{
	struct object *o = object_list_find_name(&d->networks.l, name);

	if (!o)
		return err_setk(e, ERR_NO_NETWORK, ENOENT,
				"network '%s' not found", name),
		       NULL;
	if (!network_of(o)->active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"network '%s' is not active", name),
		       NULL;
	return network_of(o);
}

/* @name's portgroup, or the default one for NULL; NULL with @e when a
 * portgroup named is not there (no default: NULL, no error). */
static const struct network_portgroup *portgroup(const struct network_def *def,
						 const char *name,
						 struct err **e)
{
	for (size_t i = 0; i < def->n_portgroups; i++) {
		const struct network_portgroup *g = &def->portgroups[i];

		if (name ? streq(g->name, name) : g->is_default)
			return g;
	}
	if (name)
		err_setk(e, ERR_INVALID_ARG, EINVAL,
			 "network '%s' has no portgroup '%s'", def->name, name);
	return NULL;
}

int network_port_get(struct daemon *d, const char *network, const char *group,
		     struct network_port *out, struct err **e)
{
	struct network *net = running(d, network, e);
	const struct network_portgroup *g;
	const struct network_def *def;

	memset(out, 0, sizeof(*out));
	if (!net)
		return e && *e ? -(*e)->code : -ENOENT;
	def = net->def;
	g = portgroup(def, group, e);
	if (group && !g)
		return -EINVAL;
	snprintf(out->bridge, sizeof(out->bridge), "%s", network_bridge(net));
	out->openvswitch = def->virtualport.openvswitch ||
			   (g && g->virtualport.openvswitch);
	if (g && g->vlan.n_tags) {
		out->vlan = g->vlan;
		out->has_vlan = true;
	} else if (def->has_vlan) {
		out->vlan = def->vlan;
		out->has_vlan = true;
	}
	/* the network's own <bandwidth> is the whole bridge's, not a port's */
	if (g)
		out->bandwidth = g->bandwidth;
	return 0;
}

int network_leases_get(struct daemon *d, const char *network,
		       struct net_lease **out, size_t *n, struct err **e)
{
	struct object *o = object_list_find_name(&d->networks.l, network);

	*out = NULL;
	*n = 0;
	if (!o)
		return err_setk(e, ERR_NO_NETWORK, ENOENT,
				"network '%s' not found", network);
	return network_leases(d, network_of(o), out, n, e);
}

unsigned network_lease_prefix(const struct network_def *def,
			      const struct net_ip *ip)
{
	for (size_t i = 0; i < def->n_ips; i++)
		if (def->ips[i].address.family == ip->family &&
		    net_ip_in(ip, &def->ips[i].address, def->ips[i].prefix))
			return def->ips[i].prefix;
	return net_ip_bits(ip);
}

unsigned network_port_prefix(struct daemon *d, const char *network,
			     const struct net_ip *ip)
{
	struct object *o = object_list_find_name(&d->networks.l, network);

	return o ? network_lease_prefix(network_of(o)->def, ip)
		 : net_ip_bits(ip);
}
