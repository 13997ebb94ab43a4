// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The network.* methods of the API (docs/api.md), what virsh's net-*
 * verbs call. Each checks its parameters, finds the network by name or
 * UUID, and calls the object layer (definitions) or network.c (what
 * runs). A definition reaches the disk before the daemon's memory
 * changes.
 */
#include <errno.h>
#include <netinet/in.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/network-port.h"
#include "daemon/network.h"
#include "lib/json.h"
#include "lib/uuid.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static struct network *param_network(struct daemon *dmn,
				     struct json_object *params, struct err **e)
{
	const char *key;
	struct object *o;

	if (json_get_string(params, "network", &key, e) < 0)
		return NULL;
	o = object_list_lookup(&dmn->networks.l, key, e);
	return o ? network_of(o) : NULL;
}

static struct json_object *summary(const struct network *net)
{
	struct json_object *o = json_object_new_object();
	char uuid[UUID_TEXT_LEN];

	add_str(o, "name", net->def->name);
	add_str(o, "uuid", uuid_to_text(&net->def->uuid, uuid));
	add_bool(o, "active", net->active);
	add_bool(o, "persistent", net->persistent);
	add_bool(o, "autostart", net->autostart);
	add_str(o, "bridge", network_bridge(net));
	add_str(o, "forward", network_forward_names[net->def->forward]);
	return o;
}

static int by_name(const void *pa, const void *pb)
{
	const struct network *a = *(struct network *const *)pa;
	const struct network *b = *(struct network *const *)pb;

	return strcmp(a->def->name, b->def->name);
}

static int m_list(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	size_t n = dmn->networks.l.n;
	_cleanup_free_ struct network **v = NULL;
	struct json_object *arr;
	bool all = false;

	if (json_get_bool_opt(params, "all", &all, e) < 0)
		return -EINVAL;
	v = xreallocarray(NULL, n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = network_at(&dmn->networks, i);
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		if (all || v[i]->active)
			json_object_array_add(arr, summary(v[i]));
	*result = json_object_new_object();
	json_object_object_add(*result, "networks", arr);
	return 0;
}

static struct json_object *warnings_json(const struct xml_warnings *w)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < w->n; i++)
		json_object_array_add(arr, json_object_new_string(w->msgs[i]));
	return arr;
}

/* params.xml parsed and completed (bridge name, MAC) for @dmn. */
static int parse_xml_param(struct daemon *dmn, struct json_object *params,
			   struct network_def **def,
			   struct json_object **warnings, struct err **e)
{
	struct xml_warnings w = {0};
	const char *xml;

	if (json_get_string(params, "xml", &xml, e) < 0)
		return -EINVAL;
	if (network_def_parse(xml, strlen(xml), def, &w, e) < 0)
		return err_code(*e);
	if (network_fill_def(dmn, *def, e) < 0) {
		network_def_free(steal_ptr(*def));
		xml_warnings_clear(&w);
		return err_code(*e);
	}
	*warnings = warnings_json(&w);
	xml_warnings_clear(&w);
	return 0;
}

static struct json_object *define_result(const struct network *net,
					 struct json_object *warnings)
{
	struct json_object *o = summary(net);

	json_object_object_add(o, "warnings", warnings);
	return o;
}

static int m_define(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network_def *def = NULL;
	struct json_object *warnings = NULL;
	struct object *obj = NULL, *old;
	bool updated;

	if (parse_xml_param(dmn, params, &def, &warnings, e) < 0)
		return err_code(*e);
	if (daemon_validate_strict(params, warnings, "network", e) < 0) {
		network_def_free(def);
		json_object_put(warnings);
		return err_code(*e);
	}
	old = object_list_find_name(&dmn->networks.l, def->name);
	updated = old && old->persistent;
	if (object_define(&dmn->networks.l, &dmn->store, def, &obj, e) < 0) {
		json_object_put(warnings);
		return err_code(*e);
	}
	events_network_lifecycle(dmn, network_of(obj), "defined",
				 updated ? "updated" : "added");
	*result = define_result(network_of(obj), warnings);
	return 0;
}

static int m_create(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network_def *def = NULL;
	struct json_object *warnings = NULL;
	struct object *obj = NULL;

	if (parse_xml_param(dmn, params, &def, &warnings, e) < 0)
		return err_code(*e);
	if (object_check_conflicts(&dmn->networks.l, def, &obj, e) < 0 ||
	    (obj && err_setk(e, ERR_OPERATION_INVALID, EEXIST,
			     "network '%s' already exists", def->name))) {
		network_def_free(def);
		json_object_put(warnings);
		return err_code(*e);
	}
	obj = network_kind.obj_new(def);
	object_list_add(&dmn->networks.l, obj);
	if (network_start(dmn, network_of(obj), e) < 0) {
		object_list_remove(&dmn->networks.l, obj);
		network_kind.obj_free(obj);
		json_object_put(warnings);
		return err_code(*e);
	}
	*result = define_result(network_of(obj), warnings);
	return 0;
}

static int m_undefine(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network *net = param_network(dmn, params, e);

	(void)result;
	if (!net || object_undefine_stored(&dmn->store, &net->obj, e) < 0)
		return err_code(*e);
	events_network_lifecycle(dmn, net, "undefined", NULL);
	object_undefine_done(&dmn->networks.l, &net->obj);
	return 0;
}

static int m_start(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network *net = param_network(dmn, params, e);

	(void)result;
	if (!net || network_start(dmn, net, e) < 0)
		return err_code(*e);
	return 0;
}

static int m_destroy(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network *net = param_network(dmn, params, e);

	int r;

	(void)result;
	if (!net)
		return err_code(*e);
	r = network_stop(dmn, net, e);
	if (r == RPC_DEFERRED)
		net->job = rpc_server_defer(dmn->rpc);
	return r; /* 0: @net may be gone (a transient network) */
}

static int m_autostart(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network *net = param_network(dmn, params, e);
	bool enable;

	(void)result;
	if (!net || json_get_bool(params, "enable", &enable, e) < 0 ||
	    object_set_autostart(&dmn->store, &net->obj, enable, e) < 0)
		return err_code(*e);
	return 0;
}

static int m_info(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network *net = param_network(dmn, params, e);

	if (!net)
		return err_code(*e);
	*result = summary(net);
	return 0;
}

static int m_xml(void *opaque, struct json_object *params,
		 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network *net = param_network(dmn, params, e);
	bool inactive = false;
	char *xml;

	if (!net || json_get_bool_opt(params, "inactive", &inactive, e) < 0)
		return err_code(*e);
	xml = network_def_format(object_xml_def(&net->obj, inactive));
	*result = json_object_new_object();
	add_str(*result, "xml", xml);
	free(xml);
	return 0;
}

static struct json_object *lease_json(const struct network *net,
				      const struct net_lease *l)
{
	struct json_object *o = json_object_new_object();
	char ip[NET_IP_STRLEN], mac[NET_MAC_STRLEN];

	json_object_object_add(o, "expiry", json_object_new_int64(l->expiry));
	add_str(o, "type", l->ip.family == AF_INET ? "ipv4" : "ipv6");
	add_str(o, "ip", net_ip_str(&l->ip, ip));
	json_object_object_add(o, "prefix",
			       json_object_new_int((int)network_lease_prefix(
				       net->def, &l->ip)));
	if (l->has_mac)
		add_str(o, "mac", net_mac_str(l->mac, mac));
	if (l->ip.family == AF_INET6)
		json_object_object_add(o, "iaid",
				       json_object_new_int64(l->iaid));
	add_str(o, "hostname", l->hostname);
	add_str(o, "client_id", l->client_id);
	return o;
}

static int m_leases(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network *net = param_network(dmn, params, e);
	const char *want = NULL;
	uint8_t mac[6];
	struct net_lease *v = NULL;
	struct json_object *arr;
	size_t n = 0;

	if (!net || json_get_string_opt(params, "mac", &want, e) < 0)
		return err_code(*e);
	if (want && net_mac_parse(want, "mac", mac, e) < 0)
		return err_mark(e, ERR_INVALID_ARG);
	if (network_leases(dmn, net, &v, &n, e) < 0)
		return err_code(*e);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		if (!want || (v[i].has_mac && !memcmp(v[i].mac, mac, 6)))
			json_object_array_add(arr, lease_json(net, &v[i]));
	net_leases_free(v, n);
	*result = json_object_new_object();
	json_object_object_add(*result, "leases", arr);
	return 0;
}

static int m_update(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct network *net = param_network(dmn, params, e);
	const char *cmd, *section, *xml;
	int64_t parent = -1;
	bool live = false, config = false;
	struct xml_warnings w = {0};
	int r;

	if (!net || json_get_string(params, "command", &cmd, e) < 0 ||
	    json_get_string(params, "section", &section, e) < 0 ||
	    json_get_string(params, "xml", &xml, e) < 0 ||
	    json_get_int64_opt(params, "parent_index", &parent, e) < 0 ||
	    json_get_bool_opt(params, "live", &live, e) < 0 ||
	    json_get_bool_opt(params, "config", &config, e) < 0)
		return err_code(*e);
	if (!streq(section, "ip-dhcp-host"))
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"net-update of section '%.32s' is not "
				"supported (ip-dhcp-host is)",
				section);
	if (parent < -1 || parent >= NETWORK_MAX_IPS)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"parent index %lld is out of range",
				(long long)parent);
	/* neither: --current, the live one if active, else the stored one */
	if (!live && !config) {
		live = net->active;
		config = !net->active;
	}
	r = network_update_dhcp_host(dmn, net, cmd, xml, (int)parent, live,
				     config, &w, e);
	if (r == RPC_DEFERRED) {
		/* the answer comes once dnsmasq restarted: no warnings */
		net->job = rpc_server_defer(dmn->rpc);
	} else if (r == 0) {
		*result = json_object_new_object();
		json_object_object_add(*result, "warnings", warnings_json(&w));
	}
	xml_warnings_clear(&w);
	return r;
}

const struct rpc_method network_methods[] = {
	{"network.list", m_list, RPC_READ_ONLY},
	{"network.define", m_define},
	{"network.create", m_create},
	{"network.undefine", m_undefine},
	{"network.start", m_start},
	{"network.destroy", m_destroy},
	{"network.autostart", m_autostart},
	{"network.info", m_info, RPC_READ_ONLY},
	{"network.xml", m_xml, RPC_READ_ONLY},
	{"network.dhcp_leases", m_leases, RPC_READ_ONLY},
	{"network.update", m_update},
};

const size_t network_n_methods = ARRAY_SIZE(network_methods);
