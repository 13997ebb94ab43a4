// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Networks found again at daemon start (networks_recover, network.h).
 * This file owns the decisions of recovery: which run-time record is a
 * running network (its dnsmasq adopted, or started again when it is gone
 * or dying; its table written whole again), which is a crash's half-made
 * or half-removed one (taken down), which dnsmasqs and nftables tables
 * no running network owns (ended, removed), the `default` network of the
 * system daemon's first start, and autostart. The pieces it acts with,
 * a network's files, dnsmasq and teardown, are network.c's
 * (network-priv.h); what a record holds is said at the top of network.c.
 */
#include <errno.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "daemon/events.h"
#include "daemon/network-priv.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "net/fw.h"
#include "net/link.h"
#include "net/route.h"

/* A running network found again: its dnsmasq adopted or restarted. */
static int readopt(struct daemon *dmn, struct network *net,
		   struct json_object *rec, struct err **e)
{
	int64_t pid = 0;
	uint64_t start = 0;

	json_get_int64_opt(rec, "dnsmasq_pid", &pid, NULL);
	json_get_uint64_opt(rec, "dnsmasq_start", &start, NULL);
	if (network_on_host_bridge(net->def))
		return 0;
	if (!net_link_exists(net->def->bridge))
		return err_set(e, ENODEV, "its bridge '%s' is gone",
			       net->def->bridge);
	/* the whole table again: no rule is duplicated, none is missing */
	if (network_apply_firewall(net->def, e) < 0)
		return -EIO;
	network_leases_recall(dmn, net);
	if (dnsmasq_is_ours(dmn, network_name(net), (pid_t)pid, start)) {
		net->dns.pid = (pid_t)pid;
		net->dns.start_time = start;
		net->dns.pidfd = (int)pidfd_open((pid_t)pid, 0);
		if (net->dns.pidfd >= 0)
			return dnsmasq_watch(dmn, net, e);
		net->dns.pid = 0;
	}
	/* one a crash kept from being recorded would hold its sockets */
	dnsmasq_end_all(dmn, network_name(net));
	if (dnsmasq_files(dmn, net, e) == 1)
		return 0;
	if (*e)
		return -EIO;
	log_warn("network '%s': its dnsmasq is gone; starting it again",
		 network_name(net));
	if (dnsmasq_spawn(dmn, net, e) < 0 ||
	    network_save_record(dmn, net, "running", e) < 0)
		return -EIO;
	events_network_dnsmasq(dmn, net, "restarted", "found gone at recovery");
	return 0;
}

/* The network of a run-time record: known, or a transient one. */
static struct network *record_network(struct daemon *dmn, const char *name)
{
	struct object *o = object_list_find_name(&dmn->networks.l, name);
	_cleanup_err_ struct err *e = NULL;
	void *live = NULL;

	if (store_live_load(&dmn->store, &network_kind, name, &live, &e) < 0) {
		log_warn("network '%s': its live definition: %s", name,
			 err_msg(e));
		return o ? network_of(o) : NULL;
	}
	if (!o) {
		o = network_kind.obj_new(live);
		o->persistent = false;
		object_list_add(&dmn->networks.l, o);
		return network_of(o);
	}
	/* what runs is the live one; the stored one is for the next start */
	if (o->def != live) {
		network_def_free(o->newdef);
		o->newdef = o->def;
		o->def = live;
	}
	return network_of(o);
}

/* One run-time record at daemon start. */
static void recover_one(struct daemon *dmn, const char *name)
{
	_cleanup_json_ struct json_object *rec = NULL;
	_cleanup_err_ struct err *e = NULL;
	const char *state = "", *bridge = NULL;
	struct network *net;

	if (store_runtime_load(&dmn->store, &network_kind, name, &rec, &e) <
	    0) {
		log_warn("network '%s': %s", name, err_msg(e));
		return;
	}
	json_get_string_opt(rec, "state", &state, NULL);
	json_get_string_opt(rec, "bridge", &bridge, NULL);
	net = record_network(dmn, name);
	if (net)
		net->dmn = dmn;
	if (net && streq(state, "running")) {
		net->active = true;
		if (readopt(dmn, net, rec, &e) == 0) {
			log_info("network '%s' is running on '%s'", name,
				 net->def->bridge);
			return;
		}
		log_warn("network '%s': %s; stopping it", name, err_msg(e));
		dnsmasq_unwatch(dmn, net);
		free(dnsmasq_forget(dmn, net));
		net->active = false;
	} else {
		log_info("network '%s' was left %s by a crash; taking it down",
			 name, *state ? state : "half recorded");
	}
	network_teardown(dmn, name, bridge,
			 net && bridge && network_on_host_bridge(net->def) &&
				 streq(bridge, net->def->bridge),
			 true);
	store_runtime_delete(&dmn->store, &network_kind, name);
	if (net) {
		object_apply_newdef(&net->obj);
		object_drop_transient(&dmn->networks.l, &net->obj);
	}
}

/*
 * dnsmasqs of ours (their --conf-file under our runtime directory) that
 * no running network owns: a crash between spawning one and recording
 * its pid.
 */
static void kill_orphan_dnsmasqs(struct daemon *dmn)
{
	_cleanup_free_ pid_t *pids = dnsmasq_find(dmn, NULL);

	for (size_t p = 0; pids[p]; p++) {
		bool owned = false;

		for (size_t i = 0; i < dmn->networks.l.n; i++)
			owned |= network_at(&dmn->networks, i)->dns.pid ==
				 pids[p];
		if (owned)
			continue;
		log_warn("killing dnsmasq %d, which no running network owns",
			 (int)pids[p]);
		dnsmasq_kill_wait(pids[p]);
	}
}

/* Tables of nido's for bridges of our networks that do not run. */
static void remove_stale_tables(struct daemon *dmn)
{
	_cleanup_err_ struct err *e = NULL;
	char **tables = NULL;

	if (net_fw_list(&tables, &e) < 0) {
		log_warn("listing nido's firewall tables: %s", err_msg(e));
		return;
	}
	for (size_t t = 0; tables[t]; t++) {
		for (size_t i = 0; i < dmn->networks.l.n; i++) {
			const struct network *n = network_at(&dmn->networks, i);

			if (n->active || !n->def->bridge ||
			    !streq(n->def->bridge, tables[t]))
				continue;
			log_warn("removing the stale firewall table of "
				 "bridge '%s'",
				 tables[t]);
			if (net_fw_remove(tables[t], &e) < 0) {
				log_warn("%s", err_msg(e));
				err_free(steal_ptr(e));
			}
		}
	}
	net_fw_list_free(tables);
}

/* The first 192.168.N.0/24 from 122 up that no route or network uses. */
static int default_subnet(struct daemon *dmn, unsigned *third)
{
	for (unsigned n = 122; n < 255; n++) {
		struct net_ip ip = {.family = AF_INET, .b = {192, 168, n, 0}};
		char desc[NET_ROUTE_DESC_MAX];
		bool used = net_route_overlap(&ip, 24, NULL, desc, NULL) != 0;

		for (size_t i = 0; !used && i < dmn->networks.l.n; i++) {
			const struct network_def *d =
				network_at(&dmn->networks, i)->def;

			for (size_t j = 0; j < d->n_ips; j++)
				used |= net_prefix_overlap(&d->ips[j].address,
							   d->ips[j].prefix,
							   &ip, 24);
		}
		if (!used) {
			*third = n;
			return 0;
		}
	}
	return -ENOSPC;
}

/*
 * The system daemon's first start defines and autostarts `default`, as
 * a libvirt install does: NAT, virbr0, 192.168.122.0/24 (or the next
 * free /24) with DHCP. Done once: a marker file remembers it, so that
 * an undefined `default` stays undefined.
 */
static void define_default(struct daemon *dmn)
{
	_cleanup_free_ char *marker =
		xasprintf("%s/networks/.default-defined", dmn->store.state_dir);
	_cleanup_free_ char *xml = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct network_def *def = NULL;
	struct object *o = NULL;
	unsigned n;

	if (!dmn->system || access(marker, F_OK) == 0)
		return;
	if (object_list_find_name(&dmn->networks.l, "default") ||
	    default_subnet(dmn, &n) < 0)
		goto mark;
	xml = xasprintf(
		"<network>\n  <name>default</name>\n"
		"  <forward mode='nat'/>\n"
		"  <bridge name='virbr%%d' stp='on' delay='0'/>\n"
		"  <ip address='192.168.%u.1' netmask='255.255.255.0'>\n"
		"    <dhcp>\n"
		"      <range start='192.168.%u.2' "
		"end='192.168.%u.254'/>\n"
		"    </dhcp>\n  </ip>\n</network>\n",
		n, n, n);
	if (network_def_parse(xml, strlen(xml), &def, NULL, &e) < 0 ||
	    network_fill_def(dmn, def, &e) < 0 ||
	    object_define(&dmn->networks.l, &dmn->store, steal_ptr(def), &o,
			  &e) < 0 ||
	    object_set_autostart(&dmn->store, o, true, &e) < 0) {
		network_def_free(def);
		log_error("defining the default network: %s", err_msg(e));
		return;
	}
	log_info("defined the default network (192.168.%u.0/24, autostart)", n);
	events_network_lifecycle(dmn, network_of(o), "defined", "added");
mark:
	if (file_write_atomic(marker, "", 0, 0600, &e) < 0)
		log_warn("%s", err_msg(e));
}

void networks_recover(struct daemon *dmn)
{
	char **names = store_runtime_names(&dmn->store, &network_kind);

	for (size_t i = 0; names && names[i]; i++)
		recover_one(dmn, names[i]);
	store_names_free(names);
	if (geteuid() == 0) {
		kill_orphan_dnsmasqs(dmn);
		remove_stale_tables(dmn);
	}
	define_default(dmn);
	for (size_t i = 0; i < dmn->networks.l.n; i++) {
		struct network *net = network_at(&dmn->networks, i);
		_cleanup_err_ struct err *e = NULL;

		if (!net->autostart || net->active)
			continue;
		if (network_start(dmn, net, &e) < 0)
			log_error("autostart: %s", err_msg(e));
	}
}
