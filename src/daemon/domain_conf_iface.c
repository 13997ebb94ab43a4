// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A domain's <interface> elements (docs/xml.md, "Interfaces"): type
 * ethernet, bridge (a Linux bridge, or Open vSwitch with <virtualport
 * type='openvswitch'>) and network (a nido network, with a portgroup),
 * each with its MAC (generated in 52:54:00 when absent, and kept), model,
 * target dev, <bandwidth>, <vlan> and <link state>. The <bandwidth>,
 * <vlan> and <virtualport> parts are the network XML's own parsers.
 */
#include <errno.h>
#include <uuid/uuid.h>

#include "daemon/domain_conf.h"
#include "daemon/domain_conf_hw.h"
#include "lib/uuid.h"
#include "net/addr.h"

const char *const domain_net_type_names[] = {
	"ethernet", "bridge", "network",   "user", "server",  "client",
	"mcast",    "udp",    "vhostuser", "vdpa", "hostdev", NULL};
static const char *const link_names[] = {"", "up", "down", NULL};

void domain_net_clear(struct domain_net *n)
{
	free(n->source);
	free(n->portgroup);
	free(n->tap);
	free(n->guest_dev);
	free(n->model);
	free(n->ifname);
	free(n->port_interfaceid);
	network_virtualport_clear(&n->virtualport);
	domain_net_more_clear(n);
	memset(n, 0, sizeof(*n));
}

const char *domain_net_tap(const struct domain_net *n)
{
	return n->tap ? n->tap : n->ifname;
}

/*
 * A <target dev>: a valid interface name that is not one of the
 * prefixes libvirt keeps for the names it generates ("vnet" for taps,
 * "vif" for Xen's), since nidod makes its own taps as vnetN.
 */
int domain_net_target_check(const char *name, struct err **e)
{
	static const char *const reserved[] = {"vnet", "vif", "macvtap",
					       "macvlan", NULL};

	if (net_ifname_check(name, false, e) < 0)
		return -EINVAL;
	for (size_t i = 0; reserved[i]; i++)
		if (str_has_prefix(name, reserved[i]))
			return err_set(e, EINVAL,
				       "target dev '%s': names starting with "
				       "'%s' are reserved for the names nidod "
				       "and libvirt generate",
				       name, reserved[i]);
	return 0;
}

/* <mac address>: a unicast address; none: a random one in 52:54:00. */
static int parse_mac(const xmlNode *iface, struct domain_net *net,
		     struct err **e)
{
	xmlNode *n = xml_child(iface, "mac");
	_cleanup_free_ char *s = n ? xml_attr(n, "address") : NULL;
	_cleanup_err_ struct err *why = NULL;

	if (!s) {
		net_mac_random(net->mac);
		return 0;
	}
	if (net_mac_parse(s, "MAC address", net->mac, &why) < 0)
		return xml_err(e, n, "%s", err_msg(why));
	return 0;
}

/* <source bridge=> or <source network= portgroup=>, checked as names. */
static int parse_source(const xmlNode *iface, struct domain_net *net,
			struct xml_warnings *w, struct err **e)
{
	static const char *const bridge_attrs[] = {"bridge", NULL};
	static const char *const network_attrs[] = {"network", "portgroup",
						    NULL};
	xmlNode *n = xml_child(iface, "source");
	_cleanup_err_ struct err *why = NULL;
	const char *key = net->type == NET_TYPE_BRIDGE ? "bridge" : "network";

	if (net->type == NET_TYPE_ETHERNET)
		return n ? domain_net_parse_host(n, net, w, e) : 0;
	if (net->type == NET_TYPE_USER) {
		if (n)
			xml_check_known(n, NULL, NULL, w);
		return 0;
	}
	if (!domain_net_is_tap(net))
		return domain_net_parse_source_more(iface, net, w, e);
	if (n) {
		xml_check_known(n,
				net->type == NET_TYPE_BRIDGE ? bridge_attrs
							     : network_attrs,
				NULL, w);
		net->source = xml_attr(n, key);
	}
	if (!net->source || !*net->source)
		return xml_err(e, n ? n : iface,
			       "interface type '%s' needs <source %s='...'/>",
			       domain_net_type_names[net->type], key);
	if (net->type == NET_TYPE_BRIDGE &&
	    net_ifname_check(net->source, false, &why) < 0)
		return xml_err(e, n, "source bridge: %s", err_msg(why));
	if (net->type == NET_TYPE_NETWORK &&
	    network_name_check(net->source, &why) < 0)
		return xml_err(e, n, "source network: %s", err_msg(why));
	net->portgroup = xml_attr(n, "portgroup");
	if (net->portgroup && network_name_check(net->portgroup, &why) < 0)
		return xml_err(e, n, "portgroup '%s': %s", net->portgroup,
			       err_msg(why));
	return 0;
}

/* <model type=>: a token (which models run is the driver's to say). */
static int parse_model(const xmlNode *iface, struct domain_net *net,
		       struct xml_warnings *w, struct err **e)
{
	xmlNode *n = xml_child(iface, "model");
	size_t len;

	if (n)
		xml_check_known(n, (const char *const[]){"type", NULL}, NULL,
				w);
	net->model = n ? xml_attr(n, "type") : NULL;
	if (!net->model) {
		net->model = xstrdup("virtio");
		return 0;
	}
	len = strlen(net->model);
	if (len == 0 || len > 64 ||
	    strspn(net->model,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789_.-") != len)
		return xml_err(e, n, "invalid interface model '%s'",
			       net->model);
	return 0;
}

/*
 * <virtualport>: Open vSwitch only, on a bridge or a network; an absent
 * interfaceid is generated and kept, as libvirt does.
 */
static int parse_port(const xmlNode *iface, struct domain_net *net,
		      struct xml_warnings *w, struct err **e)
{
	xmlNode *n = xml_child(iface, "virtualport");
	uuid_t u;
	char text[37];

	if (!n)
		return 0;
	/* a VF's 802.1Qbg/802.1Qbh port: refused by its type's name */
	if (net->type == NET_TYPE_HOSTDEV &&
	    network_virtualport_parse(n, &net->virtualport, w, e) < 0)
		return -EINVAL;
	if (net->type != NET_TYPE_BRIDGE && net->type != NET_TYPE_NETWORK)
		return xml_err(e, n, "not allowed on an interface of type '%s'",
			       domain_net_type_names[net->type]);
	if (network_virtualport_parse(n, &net->virtualport, w, e) < 0)
		return -EINVAL;
	if (net->type == NET_TYPE_BRIDGE && !net->virtualport.openvswitch)
		return xml_err(e, n,
			       "a bridge's virtualport needs "
			       "type='openvswitch'");
	if (net->virtualport.profileid) {
		xml_err(e, n,
			"profileid is not supported (Open vSwitch "
			"takes an interfaceid)");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	if (net->virtualport.openvswitch && !net->virtualport.interfaceid) {
		uuid_generate_random(u);
		uuid_unparse_lower(u, text);
		net->virtualport.interfaceid = xstrdup(text);
	}
	return 0;
}

/* <bandwidth> (floor= is refused: it needs QoS on a network's bridge). */
static int parse_bandwidth(const xmlNode *iface, struct domain_net *net,
			   struct xml_warnings *w, struct err **e)
{
	xmlNode *n = xml_child(iface, "bandwidth");

	if (!n)
		return 0;
	if (!domain_net_is_tap(net)) {
		xml_err(e, n,
			"not supported on an interface of type '%s' (it "
			"has no tap to shape)",
			domain_net_type_names[net->type]);
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	if (network_bandwidth_parse(n, &net->bandwidth, w, e) < 0)
		return -EINVAL;
	if (net->bandwidth.in.floor) {
		xml_err(e, n,
			"inbound floor= is not supported (it needs QoS on "
			"the network's bridge)");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	return 0;
}

/* <vlan><tag id/></vlan>: one tag, on Open vSwitch (a bridge's is
 * checked here, a network's when it is resolved at start). */
static int parse_vlan(const xmlNode *iface, struct domain_net *net,
		      struct xml_warnings *w, struct err **e)
{
	xmlNode *n = xml_child(iface, "vlan");

	if (!n)
		return 0;
	if (net->type == NET_TYPE_ETHERNET || !domain_net_is_tap(net) ||
	    (net->type == NET_TYPE_BRIDGE && !net->virtualport.openvswitch)) {
		xml_err(e, n,
			"a VLAN tag needs an Open vSwitch port (<virtualport "
			"type='openvswitch'/>)");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	if (network_vlan_parse(n, &net->vlan, w, e) < 0)
		return -EINVAL;
	if (net->vlan.trunk) {
		xml_err(e, n, "VLAN trunks are not supported (one <tag>)");
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	net->has_vlan = true;
	return 0;
}

/* <target managed='no'>: a tap of type ethernet that exists already,
 * which nidod neither makes nor changes. */
static int parse_managed(const xmlNode *n, struct domain_net *net,
			 struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, "managed");
	int r;

	if (!v)
		return 0;
	r = xml_enum(n, "target managed", v,
		     (const char *const[]){"yes", "no", NULL}, e);
	if (r < 0)
		return r;
	net->tap_unmanaged = r == 1;
	if (net->tap_unmanaged && (net->type != NET_TYPE_ETHERNET || !net->tap))
		return xml_err(e, n,
			       "managed='no' is for an interface of type "
			       "'ethernet' with its dev=");
	return 0;
}

/* <target dev>, a container's <guest dev> and <link state>. */
static int parse_target_link(const xmlNode *iface, struct domain_net *net,
			     struct xml_warnings *w, struct err **e)
{
	_cleanup_err_ struct err *why = NULL;
	_cleanup_free_ char *state = NULL;
	xmlNode *n;
	int r;

	if ((n = xml_child(iface, "target"))) {
		if (!domain_net_is_tap(net)) {
			xml_err(e, n,
				"not supported on an interface of type "
				"'%s' (it has no tap)",
				domain_net_type_names[net->type]);
			return err_mark(e, ERR_CONFIG_UNSUPPORTED);
		}
		xml_check_known(n,
				(const char *const[]){"dev", "managed", NULL},
				NULL, w);
		net->tap = xml_attr(n, "dev");
		if (net->tap && domain_net_target_check(net->tap, &why) < 0)
			return xml_err(e, n, "%s", err_msg(why));
		if (parse_managed(n, net, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(iface, "guest"))) {
		xml_check_known(n, (const char *const[]){"dev", NULL}, NULL, w);
		net->guest_dev = xml_attr(n, "dev");
		if (net->guest_dev &&
		    net_ifname_check(net->guest_dev, false, &why) < 0)
			return xml_err(e, n, "guest dev: %s", err_msg(why));
	}
	if ((n = xml_child(iface, "link"))) {
		xml_check_known(n, (const char *const[]){"state", NULL}, NULL,
				w);
		state = xml_attr(n, "state");
		if (!state)
			return xml_err(e, n, "missing attribute 'state'");
		r = xml_enum(n, "link state", state, link_names + 1, e);
		if (r < 0)
			return r;
		net->link = r == 0 ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
	}
	return 0;
}

int domain_net_parse(const xmlNode *iface, struct domain_net *net,
		     struct xml_warnings *w, struct err **e)
{
	static const char *const children[] = {
		"mac",	       "source",     "target", "model", "alias",
		"virtualport", "bandwidth",  "vlan",   "link",	"address",
		"guest",       "driver",     "rom",    "acpi",	"ip",
		"script",      "downscript", "port",   "boot",	"teaming",
		NULL};
	_cleanup_free_ char *type = xml_attr(iface, "type");
	int r;

	xml_check_known(iface, (const char *const[]){"type", "managed", NULL},
			children, w);
	if (!type)
		return xml_err(e, iface, "missing attribute 'type'");
	r = xml_enum(iface, "interface type", type, domain_net_type_names, e);
	if (r < 0)
		return r;
	net->type = r;
	if (parse_mac(iface, net, e) < 0 ||
	    parse_source(iface, net, w, e) < 0 ||
	    parse_port(iface, net, w, e) < 0 ||
	    parse_bandwidth(iface, net, w, e) < 0 ||
	    parse_vlan(iface, net, w, e) < 0 ||
	    parse_target_link(iface, net, w, e) < 0 ||
	    domain_net_parse_more(iface, net, w, e) < 0 ||
	    domain_parse_address(iface, &net->pci, NULL, e) < 0)
		return -EINVAL;
	return parse_model(iface, net, w, e);
}

/* In libvirt's order: mac, source, vlan, virtualport, bandwidth, target,
 * model, link. */
void domain_net_format(FILE *f, const struct domain_net *n, bool active)
{
	const char *tap = active ? domain_net_tap(n) : n->tap;
	const struct network_virtualport *port = &n->virtualport;
	struct network_virtualport live = {.present = true,
					   .openvswitch = true,
					   .interfaceid = n->port_interfaceid};
	char mac[NET_MAC_STRLEN];

	fprintf(f, "    <interface type='%s'%s>\n",
		domain_net_type_names[n->type],
		n->hostdev.managed == DOMAIN_TRISTATE_ON    ? " managed='yes'"
		: n->hostdev.managed == DOMAIN_TRISTATE_OFF ? " managed='no'"
							    : "");
	fprintf(f, "      <mac address='%s'/>\n", net_mac_str(n->mac, mac));
	if (n->source && domain_net_is_tap(n)) {
		fputs("      <source", f);
		xml_put_attr(f,
			     n->type == NET_TYPE_BRIDGE ? "bridge" : "network",
			     n->source);
		xml_put_attr(f, "portgroup", n->portgroup);
		fputs("/>\n", f);
	}
	domain_net_format_source_more(f, n);
	if (n->has_vlan)
		network_vlan_format(f, &n->vlan, 6);
	if (active && n->port_interfaceid && !port->present)
		port = &live;
	network_virtualport_format(f, port, 6);
	network_bandwidth_format(f, &n->bandwidth, 6);
	if (tap) {
		fputs("      <target", f);
		xml_put_attr(f, "dev", tap);
		if (n->tap_unmanaged)
			fputs(" managed='no'", f);
		fputs("/>\n", f);
	}
	if (n->guest_dev) {
		fputs("      <guest", f);
		xml_put_attr(f, "dev", n->guest_dev);
		fputs("/>\n", f);
	}
	if (n->model) { /* none for a container's */
		fputs("      <model", f);
		xml_put_attr(f, "type", n->model);
		fputs("/>\n", f);
	}
	domain_net_format_more(f, n);
	if (n->link != DOMAIN_TRISTATE_ABSENT)
		fprintf(f, "      <link state='%s'/>\n", link_names[n->link]);
	domain_format_pci_address(f, 6, &n->pci);
	fputs("    </interface>\n", f);
}
