// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The domain.* methods about guest interfaces (docs/api.md): their
 * counters (domifstat), link state (domif-setlink, domif-getlink),
 * addresses (domifaddr, from a network's leases or the neighbour table),
 * and attaching or detaching one in the persistent definition
 * (attach-interface, detach-interface; live hot-plug is not there yet).
 */
#include <errno.h>

#include "daemon/daemon.h"
#include "daemon/driver.h"
#include "daemon/events.h"
#include "daemon/network-port.h"
#include "lib/json.h"
#include "net/link.h"
#include "net/neigh.h"

/*
 * The interface @key names in @def (its tap's name or its MAC, as virsh
 * takes either); -1 with @e filled when there is none.
 */
static int find_iface(const struct domain_def *def, const char *key,
		      struct err **e)
{
	uint8_t mac[6];
	bool by_mac = net_mac_parse(key, "MAC", mac, NULL) == 0;
	size_t hits = 0;
	int at = -1;

	for (size_t i = 0; i < def->n_nets; i++) {
		const char *tap = domain_net_tap(&def->nets[i]);

		if (tap && streq(tap, key))
			return (int)i;
		if (by_mac && !memcmp(def->nets[i].mac, mac, 6) && !hits++)
			at = (int)i;
	}
	/* libvirt lets interfaces share a MAC: then the tap names one */
	if (hits > 1)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"domain '%s' has %zu interfaces with MAC "
				"'%s': name one by its tap",
				def->name, hits, key);
	if (hits)
		return at;
	return err_setk(e, ERR_INVALID_ARG, ENODEV,
			"domain '%s' has no interface '%s'", def->name, key);
}

static int need_running(const struct domain *dom, struct err **e)
{
	if (!domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' is not running", dom->def->name);
	return 0;
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

const char *const iface_counter_names[IFACE_COUNTERS][2] = {
	{"rx_bytes", "rx.bytes"}, {"rx_packets", "rx.pkts"},
	{"rx_errs", "rx.errs"},	  {"rx_drop", "rx.drop"},
	{"tx_bytes", "tx.bytes"}, {"tx_packets", "tx.pkts"},
	{"tx_errs", "tx.errs"},	  {"tx_drop", "tx.drop"},
};

int iface_guest_counters(struct net_nl *nl, const char *tap,
			 uint64_t v[IFACE_COUNTERS], struct err **e)
{
	struct net_link_info in;
	int r = net_link_query(nl, tap, &in, e);

	if (r < 0)
		return r;
	/* a tap's receive is the guest's transmit */
	v[0] = in.tx_bytes;
	v[1] = in.tx_packets;
	v[2] = in.tx_errs;
	v[3] = in.tx_drop;
	v[4] = in.rx_bytes;
	v[5] = in.rx_packets;
	v[6] = in.rx_errs;
	v[7] = in.rx_drop;
	return 0;
}

/* domifstat: the tap's counters from the guest's side. */
static int m_ifstat(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	uint64_t v[IFACE_COUNTERS];
	struct net_nl *nl = NULL;
	const char *key, *tap;
	int i, r;

	if (!dom || json_get_string(params, "interface", &key, e) < 0 ||
	    need_running(dom, e) < 0 || (i = find_iface(dom->def, key, e)) < 0)
		return err_code(*e);
	tap = domain_net_tap(&dom->def->nets[i]);
	if (!tap)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"interface '%s' of domain '%s' has no tap (a "
				"user-mode network inside QEMU): no counters",
				key, dom->def->name);
	if (net_nl_open(&nl, e) < 0)
		return err_code(*e);
	r = iface_guest_counters(nl, tap, v, e);
	net_nl_close(nl);
	if (r < 0)
		return r;
	*result = json_object_new_object();
	json_object_object_add(*result, "interface",
			       json_object_new_string(tap));
	for (size_t k = 0; k < IFACE_COUNTERS; k++)
		add_u64(*result, iface_counter_names[k][0], v[k]);
	return 0;
}

/* domif-getlink: the <link state> of the live (or with "config", the
 * persistent) definition; up when absent, as libvirt says. */
static int m_getlink(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	const struct domain_def *def;
	bool config = false;
	const char *key;
	int i;

	if (!dom || json_get_string(params, "interface", &key, e) < 0 ||
	    json_get_bool_opt(params, "config", &config, e) < 0)
		return err_code(*e);
	def = object_xml_def(&dom->obj, config);
	if ((i = find_iface(def, key, e)) < 0)
		return err_code(*e);
	*result = json_object_new_object();
	json_object_object_add(*result, "interface",
			       json_object_new_string(key));
	json_object_object_add(
		*result, "state",
		json_object_new_string(def->nets[i].link == DOMAIN_TRISTATE_OFF
					       ? "down"
					       : "up"));
	return 0;
}

static int setlink_config(struct daemon *dmn, struct domain *dom,
			  const char *key, bool up, struct err **e)
{
	struct domain_def *def = domain_config_copy(dom, e);
	int i;

	if (!def)
		return err_code(*e);
	if ((i = find_iface(def, key, e)) < 0) {
		domain_def_free(def);
		return err_code(*e);
	}
	def->nets[i].link = up ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
	return domain_config_save(dmn, def, e);
}

/* domif-setlink: the running guest's (through its driver), or with
 * "config" the persistent definition's. */
static int m_setlink(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	const char *key, *state;
	bool config = false;
	int i, r;

	if (!dom || json_get_string(params, "interface", &key, e) < 0 ||
	    json_get_string(params, "state", &state, e) < 0 ||
	    json_get_bool_opt(params, "config", &config, e) < 0)
		return err_code(*e);
	if (!streq(state, "up") && !streq(state, "down"))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"invalid link state '%s' (up or down)", state);
	if (config || !domain_is_active(dom))
		return setlink_config(dmn, dom, key, streq(state, "up"), e);
	if (dom->job)
		return err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				"domain '%s' is busy: another operation on "
				"it is in progress",
				dom->def->name);
	if ((i = find_iface(dom->def, key, e)) < 0)
		return err_code(*e);
	if (!dom->drv || !dom->drv->set_link)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver cannot set a link's state",
				dom->drv ? dom->drv->name : "domain's");
	if (domain_live_split(dom, e) < 0)
		return err_code(*e);
	r = dom->drv->set_link(dmn, dom, (size_t)i, streq(state, "up"), e);
	if (r == RPC_DEFERRED)
		dom->job = rpc_server_defer(dmn->rpc);
	return r;
}

static void add_addr(struct json_object *arr, const char *name,
		     const uint8_t mac[6], const struct net_ip *ip,
		     unsigned prefix)
{
	struct json_object *o = json_object_new_object();
	char text[NET_IP_STRLEN], m[NET_MAC_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "mac",
			       json_object_new_string(net_mac_str(mac, m)));
	json_object_object_add(o, "protocol",
			       json_object_new_string(ip->family == AF_INET6
							      ? "ipv6"
							      : "ipv4"));
	json_object_object_add(o, "address",
			       json_object_new_string(net_ip_str(ip, text)));
	json_object_object_add(o, "prefix", json_object_new_int64(prefix));
	json_object_array_add(arr, o);
}

/* The leases of interface @n's network that carry its MAC. */
static int leases_of(struct daemon *dmn, const struct domain_net *n,
		     const char *name, struct json_object *arr, struct err **e)
{
	struct net_lease *l = NULL;
	size_t count = 0;

	if (n->type != NET_TYPE_NETWORK)
		return 0; /* only a network's dnsmasq gives leases */
	if (network_leases_get(dmn, n->source, &l, &count, e) < 0)
		return err_code(*e);
	for (size_t k = 0; k < count; k++)
		if (l[k].has_mac && !memcmp(l[k].mac, n->mac, 6))
			add_addr(arr, name, n->mac, &l[k].ip,
				 network_port_prefix(dmn, n->source, &l[k].ip));
	net_leases_free(l, count);
	return 0;
}

static int arp_of(const struct domain_net *n, const char *name,
		  struct json_object *arr, struct err **e)
{
	struct net_ip *ips = NULL;
	size_t count = 0;

	if (net_neigh_by_mac(n->mac, &ips, &count, e) < 0)
		return err_code(*e);
	for (size_t k = 0; k < count; k++)
		add_addr(arr, name, n->mac, &ips[k], 0);
	free(ips);
	return 0;
}

/* domifaddr: "source" lease (the default), arp or agent; "interface" to
 * pick. */
static int m_ifaddr(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	const char *source = "lease", *only = NULL;
	struct json_object *arr;
	int r = 0, want = -1;

	if (!dom || json_get_string_opt(params, "source", &source, e) < 0 ||
	    json_get_string_opt(params, "interface", &only, e) < 0 ||
	    need_running(dom, e) < 0)
		return err_code(*e);
	if (streq(source, "agent")) /* the guest's names, not the taps' */
		return agent_domifaddr(dmn, dom, only, e);
	if (!streq(source, "lease") && !streq(source, "arp"))
		return err_setk(e, ERR_ARGUMENT_UNSUPPORTED, EINVAL,
				"unsupported address source '%s' (lease, arp, "
				"agent)",
				source);
	if (only && (want = find_iface(dom->def, only, e)) < 0)
		return err_code(*e);
	arr = json_object_new_array();
	for (size_t i = 0; i < dom->def->n_nets && r == 0; i++) {
		const struct domain_net *n = &dom->def->nets[i];
		const char *name = domain_net_tap(n) ? domain_net_tap(n) : "-";

		if (want >= 0 && (size_t)want != i)
			continue;
		r = streq(source, "arp") ? arp_of(n, name, arr, e)
					 : leases_of(dmn, n, name, arr, e);
	}
	if (r < 0) {
		json_object_put(arr);
		return r;
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "addresses", arr);
	return 0;
}

/*
 * The one <interface> of @xml, parsed alone (so that it cannot change
 * anything around it) and formatted back: the text to add.
 */
static char *iface_text(const char *xml, struct err **e)
{
	xmlDoc *doc =
		xml_parse(xml, strlen(xml), "interface XML", "interface", e);
	struct domain_net n = {0};
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!doc)
		return NULL;
	r = domain_net_parse(xmlDocGetRootElement(doc), &n, NULL, e);
	xmlFreeDoc(doc);
	if (r == 0) {
		f = open_memstream(&out, &len);
		domain_net_format(f, &n, false);
		fclose(f);
	}
	domain_net_clear(&n);
	return out;
}

/*
 * virsh's scope flags: "config" (the persistent definition) and "live"
 * (the running guest: a hot-plug, not there yet); neither is the
 * domain's current state.
 */
static int check_scope(const struct domain *dom, struct json_object *params,
		       struct err **e)
{
	bool config = false, live = false;

	if (json_get_bool_opt(params, "config", &config, e) < 0 ||
	    json_get_bool_opt(params, "live", &live, e) < 0)
		return -EINVAL;
	if (domain_is_active(dom) && (live || !config))
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"domain '%s' is running: live hot-plug is not "
				"supported yet (use --config to change its "
				"next start)",
				dom->def->name);
	if (!domain_is_active(dom) && live && !config)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' is not running", dom->def->name);
	return 0;
}

/* attach-interface: "xml", one <interface>, added to the persistent
 * definition. */
static int m_attach(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	_cleanup_free_ char *add = NULL, *xml = NULL, *all = NULL;
	struct domain_def *def = NULL;
	const char *text, *end;

	if (!dom || json_get_string(params, "xml", &text, e) < 0 ||
	    check_scope(dom, params, e) < 0 || !(add = iface_text(text, e)))
		return err_code(*e);
	if (!dom->persistent)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' is transient: it has no "
				"persistent configuration",
				dom->def->name);
	xml = domain_def_format(object_xml_def(&dom->obj, true));
	end = strstr(xml, "  </devices>");
	if (!end)
		return err_set(e, EIO, "no </devices> in the definition");
	all = xasprintf("%.*s%s%s", (int)(end - xml), xml, add, end);
	if (domain_def_parse(all, strlen(all), &def, NULL, e) < 0)
		return err_code(*e);
	return domain_config_save(dmn, def, e);
}

/* detach-interface: "type" and "mac" (needed when several match). */
static int m_detach(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	const char *type, *mac = NULL;
	struct domain_def *def;
	uint8_t m[6];
	size_t hits = 0, at = 0;

	if (!dom || json_get_string(params, "type", &type, e) < 0 ||
	    json_get_string_opt(params, "mac", &mac, e) < 0 ||
	    check_scope(dom, params, e) < 0 ||
	    (mac && net_mac_parse(mac, "MAC", m, e) < 0) ||
	    !(def = domain_config_copy(dom, e)))
		return err_code(*e);
	for (size_t i = 0; i < def->n_nets; i++) {
		if (!streq(domain_net_type_names[def->nets[i].type], type) ||
		    (mac && memcmp(def->nets[i].mac, m, 6)))
			continue;
		hits++;
		at = i;
	}
	if (hits != 1) {
		domain_def_free(def);
		if (hits)
			return err_setk(e, ERR_OPERATION_FAILED, EINVAL,
					"domain '%s' has %zu interfaces of "
					"type '%s'%s%s: say which one with "
					"--mac",
					dom->def->name, hits, type,
					mac ? " with MAC " : "",
					mac ? mac : "");
		return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
				"no interface of type '%s'%s%s found in "
				"domain '%s'",
				type, mac ? " with MAC " : "", mac ? mac : "",
				dom->def->name);
	}
	domain_net_clear(&def->nets[at]);
	memmove(&def->nets[at], &def->nets[at + 1],
		(def->n_nets - at - 1) * sizeof(*def->nets));
	def->n_nets--;
	return domain_config_save(dmn, def, e);
}

const struct rpc_method iface_methods[] = {
	{"domain.ifstat", m_ifstat, RPC_READ_ONLY},
	{"domain.getlink", m_getlink, RPC_READ_ONLY},
	{"domain.setlink", m_setlink},
	{"domain.ifaddr", m_ifaddr, RPC_READ_ONLY},
	{"domain.attach_interface", m_attach},
	{"domain.detach_interface", m_detach},
};
const size_t iface_n_methods = ARRAY_SIZE(iface_methods);
