// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A running domain's interfaces on the host (iface.h): resolve where each
 * goes (its bridge, or its network's port), make its tap, plug it, shape
 * it, open it; and undo all of it when the domain stops.
 */
#include "daemon/iface.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "daemon/network-port.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/spawn.h"
#include "net/link.h"
#include "net/ovs.h"
#include "net/tap.h"
#include "net/tc.h"

/* Where one interface goes, resolved at start. */
struct iface_plan {
	char bridge[NET_IFNAME_MAX + 1]; /* "": none (ethernet) */
	bool ovs;
	int vlan_tag; /* -1: none */
	struct network_bandwidth bw;
};

static bool bandwidth_set(const struct network_bandwidth *b)
{
	return b->in.set || b->out.set;
}

/* A network's port, with the interface's own vlan and bandwidth first. */
static int resolve_network(struct daemon *dmn, const struct domain_net *n,
			   struct iface_plan *p, struct err **e)
{
	struct network_port port = {0};

	if (network_port_get(dmn, n->source, n->portgroup, &port, e) < 0)
		return -ENOENT;
	snprintf(p->bridge, sizeof(p->bridge), "%s", port.bridge);
	p->ovs = port.openvswitch;
	if (!n->has_vlan && port.has_vlan && port.vlan.n_tags == 1)
		p->vlan_tag = (int)port.vlan.tags[0].id;
	else if (!n->has_vlan && port.has_vlan)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"network '%s': VLAN trunks are not supported "
				"on a guest's port",
				n->source);
	if (!bandwidth_set(&n->bandwidth))
		p->bw = port.bandwidth;
	if (p->vlan_tag >= 0 && !p->ovs)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"network '%s': a VLAN tag needs an Open "
				"vSwitch bridge",
				n->source);
	return 0;
}

static int resolve(struct daemon *dmn, const struct domain_net *n,
		   struct iface_plan *p, struct err **e)
{
	*p = (struct iface_plan){.vlan_tag = -1, .bw = n->bandwidth};
	if (n->has_vlan)
		p->vlan_tag = (int)n->vlan.tags[0].id;
	switch (n->type) {
	case NET_TYPE_NETWORK:
		return resolve_network(dmn, n, p, e);
	case NET_TYPE_BRIDGE:
		snprintf(p->bridge, sizeof(p->bridge), "%s", n->source);
		p->ovs = n->virtualport.openvswitch;
		return 0;
	default:
		return 0;
	}
}

/* The bridge must exist, and be of the kind the interface says. */
static int check_bridge(struct net_nl *nl, const struct iface_plan *p,
			struct err **e)
{
	struct net_link_info info;
	const char *want = p->ovs ? "openvswitch" : "bridge";
	int r = net_link_query(nl, p->bridge, &info, e);

	if (r == -ENODEV) {
		err_free(steal_ptr(*e));
		return err_setk(e, ERR_INVALID_ARG, ENODEV,
				"bridge '%s' does not exist", p->bridge);
	}
	if (r < 0)
		return r;
	if (!streq(info.kind, want))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"'%s' is not %s (it is a %s link)", p->bridge,
				p->ovs ? "an Open vSwitch bridge" : "a bridge",
				info.kind[0] ? info.kind : "plain");
	return 0;
}

/*
 * A tap's queues past the first (<driver queues=>) and, with <driver
 * name='vhost'>, a /dev/vhost-net per queue, into t->more.
 */
static int open_more(const struct domain_net *n, struct iface_tap *t,
		     struct err **e)
{
	unsigned q = domain_net_queues(n);
	bool vhost = n->driver.name == NET_DRIVER_VHOST;
	size_t want = (q - 1) + (vhost ? q : 0);

	if (!want)
		return 0;
	t->more = xcalloc(want, sizeof(*t->more));
	for (; t->n_more < q - 1; t->n_more++)
		if (net_tap_open_mq(t->name, true, &t->more[t->n_more], e) < 0)
			return err_prefix(e, "tap '%s': queue %zu", t->name,
					  t->n_more + 1);
	while (t->n_more < want) {
		int fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return err_setk(e, ERR_CONFIG_UNSUPPORTED, errno,
					"<driver name='vhost'>: opening "
					"/dev/vhost-net: %s (this host has no "
					"vhost-net)",
					strerror(errno));
		t->more[t->n_more++] = fd;
	}
	return 0;
}

/* Makes the tap (or, for type ethernet, takes the existing one). */
static int make_tap(const struct domain_net *n, uid_t owner,
		    struct iface_tap *t, struct err **e)
{
	bool mq = domain_net_queues(n) > 1;

	if (n->tap_unmanaged && !net_link_exists(n->tap))
		return err_setk(e, ERR_INVALID_ARG, ENODEV,
				"target dev '%s' (managed='no') does not "
				"exist",
				n->tap);
	if (n->type == NET_TYPE_ETHERNET && n->tap && net_link_exists(n->tap))
		snprintf(t->name, sizeof(t->name), "%s", n->tap);
	else if (net_tap_create_mq(n->tap ? n->tap : "vnet%d", owner, mq,
				   t->name, e) < 0)
		return -EIO;
	else
		t->created = true;
	if (net_tap_open_mq(t->name, mq, &t->fd, e) < 0)
		return -EIO;
	return open_more(n, t, e);
}

/* <script path=> or <downscript path=> @prog, run with the tap's name
 * (as libvirt runs them); 0 when it exits with status 0. */
static int run_script(const char *what, const char *prog, const char *tap,
		      struct err **e)
{
	char *argv[] = {(char *)prog, (char *)tap, NULL};
	_cleanup_free_ char *out = NULL;
	int r = spawn_run(argv, &out, 1, e);

	if (r < 0)
		return err_prefix(e, "%s '%s'", what, prog);
	if (r == 0)
		return 0;
	if (out)
		out[strcspn(out, "\n")] = 0; /* its first line says why */
	return err_set(e, EIO, "%s '%s %s' exited with status %d%s%s", what,
		       prog, tap, r, out && *out ? ": " : "", out ? out : "");
}

/*
 * An SR-IOV VF's MAC, set through its physical function (the VF's own
 * driver is VFIO's): the PF is the VF's physfn, its netdev the one link
 * under it, the VF's index the virtfnN that names the VF.
 */
static int set_vf_mac(struct net_nl *nl, const struct domain_net *n,
		      struct err **e)
{
	const struct net_hostdev *h = &n->hostdev;
	_cleanup_free_ char *vf = xasprintf("%04x:%02x:%02x.%x", h->domain,
					    h->bus, h->slot, h->function);
	_cleanup_free_ char *physfn =
		xasprintf("/sys/bus/pci/devices/%s/physfn", vf);
	_cleanup_free_ char *netdir = xasprintf("%s/net", physfn);
	char pf[NET_IFNAME_MAX + 1] = "";
	struct dirent *de;
	DIR *dir;

	if (access(physfn, F_OK) < 0)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENODEV,
				"interface type 'hostdev' %s: not an SR-IOV "
				"virtual function (no physfn; nidod sets a "
				"VF's MAC through its physical function)",
				vf);
	if (!(dir = opendir(netdir)))
		return err_sys(e, errno,
			       "VF %s: its physical function has no "
			       "network link",
			       vf);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' && strlen(de->d_name) < sizeof(pf))
			memcpy(pf, de->d_name, strlen(de->d_name) + 1);
	closedir(dir);
	for (unsigned i = 0; pf[0] && i < 4096; i++) {
		_cleanup_free_ char *link = xasprintf("%s/virtfn%u", physfn, i);
		char target[PATH_MAX];
		ssize_t len = readlink(link, target, sizeof(target) - 1);

		if (len < 0)
			break;
		target[len] = '\0';
		if (streq(strrchr(target, '/') ? strrchr(target, '/') + 1
					       : target,
			  vf))
			return net_link_set_vf_mac(nl, pf, i, n->mac, e);
	}
	return err_set(e, ENODEV,
		       "VF %s: not found among the virtual "
		       "functions of '%s'",
		       vf, pf[0] ? pf : "its physical function");
}

/* An ethernet tap's own addresses and routes (<source><ip>, <route>),
 * on the tap, up; the kernel drops them with it. */
static int host_side(struct net_nl *nl, const struct domain_net *n,
		     const struct iface_tap *t, struct err **e)
{
	const struct net_host *h = &n->host;

	if (!h->n_ips && !h->n_routes)
		return 0;
	if (n->tap_unmanaged)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"<source><ip> on the unmanaged tap '%s': "
				"nidod changes only the taps it manages",
				t->name);
	if (net_link_set_up(nl, t->name, true, e) < 0)
		return -EIO;
	for (size_t i = 0; i < h->n_ips; i++)
		if (net_addr_add_peer(
			    nl, t->name, &h->ips[i].ip, h->ips[i].prefix,
			    h->ips[i].peer.family ? &h->ips[i].peer : NULL,
			    e) < 0)
			return -EIO;
	for (size_t i = 0; i < h->n_routes; i++)
		if (net_route_add(
			    nl, t->name, &h->routes[i].dst, h->routes[i].prefix,
			    h->routes[i].gw.family ? &h->routes[i].gw : NULL,
			    e) < 0)
			return -EIO;
	return 0;
}

/* A vDPA device, opened for QEMU (vhost-vdpa's vhostfd=). */
static int open_vdpa(const struct domain_net *n, struct iface_tap *t,
		     struct err **e)
{
	struct stat st;

	t->fd = open(n->source, O_RDWR | O_CLOEXEC);
	if (t->fd < 0)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, errno,
				"vdpa device '%s': %s%s", n->source,
				strerror(errno),
				errno == ENOENT ? " (this host has no such "
						  "vhost-vdpa device)"
						: "");
	if (fstat(t->fd, &st) < 0 || !S_ISCHR(st.st_mode))
		return err_set(e, EINVAL,
			       "vdpa device '%s': not a character "
			       "device",
			       n->source);
	return 0;
}

/*
 * A container's veth pair: the host end as <target dev> says, else the
 * first free vnetN (as libvirt names them); the other end made inside.
 */
static int make_veth(struct net_nl *nl, const struct domain_net *n, pid_t pid,
		     struct iface_tap *t, struct err **e)
{
	const char *inside = n->guest_dev ? n->guest_dev : "eth0";
	int r = -EEXIST;

	t->veth = true;
	if (n->tap) {
		snprintf(t->name, sizeof(t->name), "%s", n->tap);
		r = net_veth_create_peer(nl, t->name, inside, pid, n->mac, e);
	}
	for (unsigned i = 0; !n->tap && r == -EEXIST && i < 4096; i++) {
		snprintf(t->name, sizeof(t->name), "vnet%u", i);
		if (net_link_exists(t->name))
			continue;
		err_free(steal_ptr(*e));
		/* another may take the name in between: then the next */
		r = net_veth_create_peer(nl, t->name, inside, pid, n->mac, e);
	}
	if (r == -EEXIST && !*e)
		return err_set(e, EEXIST, "no free vnetN name for a veth");
	t->created = r == 0;
	return r;
}

/* The Open vSwitch port of @n; @vm: the domain's UUID as text. */
static struct net_ovs_port ovs_port(const struct domain_net *n,
				    const char *bridge, const char *tap,
				    const char *vm, int vlan_tag)
{
	return (struct net_ovs_port){
		.bridge = bridge,
		.tap = tap,
		.mac = n->mac,
		.iface_id = n->virtualport.interfaceid
				    ? n->virtualport.interfaceid
				    : n->port_interfaceid,
		.vm_id = vm,
		.vlan_tag = vlan_tag,
	};
}

char **iface_ovs_argv(const struct domain_net *n, const char *bridge,
		      const char *tap, const uint8_t dom_uuid[16], int vlan_tag)
{
	struct net_ovs_port port;
	char vm[37];

	uuid_unparse_lower(dom_uuid, vm);
	port = ovs_port(n, bridge, tap, vm, vlan_tag);
	return net_ovs_add_port_argv(&port);
}

/*
 * <port isolated='yes'>: the port forwards only to the bridge's ports
 * that are not isolated (the kernel's BR_ISOLATED, its brport sysfs
 * switch); a Linux bridge's only.
 */
static int isolate(const struct iface_plan *p, const char *tap, struct err **e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;

	if (p->ovs)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"<port isolated='yes'> on the Open vSwitch "
				"bridge '%s': nidod isolates Linux bridges' "
				"ports",
				p->bridge);
	path = xasprintf("/sys/class/net/%s/brport/isolated", tap);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1)
		return err_sys(e, errno, "isolating port '%s' of bridge '%s'",
			       tap, p->bridge);
	return 0;
}

/*
 * The tap's MAC is the guest's with 0xfe first, as libvirt sets it: a
 * bridge takes the lowest of its ports' addresses, and no guest's may
 * become the bridge's. Then into its bridge, and up.
 */
static int plug(struct net_nl *nl, const struct domain_net *n,
		const struct iface_plan *p, const uint8_t dom_uuid[16],
		struct iface_tap *t, struct err **e)
{
	uint8_t mac[6];
	char vm[37];

	memcpy(mac, n->mac, 6);
	mac[0] = 0xfe;
	if (net_link_set_mac(nl, t->name, mac, e) < 0)
		return -EIO;
	if (p->bridge[0] && p->ovs) {
		struct net_ovs_port port;

		uuid_unparse_lower(dom_uuid, vm);
		port = ovs_port(n, p->bridge, t->name, vm, p->vlan_tag);
		if (net_ovs_add_port(&port, e) < 0)
			return -EIO;
		t->ovs = true;
	} else if (p->bridge[0] &&
		   net_link_set_master(nl, t->name, p->bridge, e) < 0) {
		return -EIO;
	}
	if (n->port_isolated == DOMAIN_TRISTATE_ON &&
	    isolate(p, t->name, e) < 0)
		return -EIO;
	return net_link_set_up(nl, t->name, true, e);
}

/* <bandwidth>: kilobytes (1000 bytes) per second, bursts in KiB. */
static void tc_rate(const struct network_rate *r, struct net_tc_rate *out)
{
	out->rate = r->average * 1000;
	out->peak = r->peak * 1000;
	out->burst = r->burst * 1024;
}

/* Inbound (to the guest) on the tap's egress; outbound on its ingress. */
static int shape(const struct iface_plan *p, struct iface_tap *t,
		 struct err **e)
{
	struct net_tc_rate r;

	if (!bandwidth_set(&p->bw))
		return 0;
	if (!t->created)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"<bandwidth> on the existing tap '%s': nidod "
				"shapes only the taps it makes",
				t->name);
	if (p->bw.in.set && p->bw.in.average) {
		tc_rate(&p->bw.in, &r);
		if (net_tc_egress_limit(t->name, &r, e) < 0)
			return err_prefix(e, "inbound bandwidth");
	}
	if (p->bw.out.set && p->bw.out.average) {
		tc_rate(&p->bw.out, &r);
		if (net_tc_ingress_limit(t->name, &r, t->ifb, e) < 0)
			return err_prefix(e, "outbound bandwidth");
	}
	return 0;
}

/* A veth's host end; the kernel has removed the pair with the
 * container's network namespace when the container is gone. */
static void delete_veth(const char *name)
{
	_cleanup_err_ struct err *e = NULL;
	struct net_nl *nl = NULL;

	if (net_nl_open(&nl, &e) == 0 && net_link_delete(nl, name, &e) < 0 &&
	    err_code(e) == -ENODEV)
		err_free(steal_ptr(e));
	if (e)
		log_warn("deleting veth '%s': %s", name, err_msg(e));
	net_nl_close(nl);
}

static void close_more(struct iface_tap *t)
{
	for (size_t i = 0; i < t->n_more; i++)
		close_safe(t->more[i]);
	free(t->more);
	t->more = NULL;
	t->n_more = 0;
}

/* Undoes what was made for @t; close_safe on its fd. */
static void undo(struct iface_tap *t)
{
	_cleanup_err_ struct err *e = NULL;

	close_safe(t->fd);
	t->fd = -1;
	close_more(t);
	if (t->downscript &&
	    run_script("downscript", t->downscript, t->name, &e) < 0)
		log_warn("%s", err_msg(e));
	err_free(steal_ptr(e));
	free(t->downscript);
	t->downscript = NULL;
	if (t->ifb[0] && net_tc_clear(t->ifb, &e) < 0)
		log_warn("%s", err_msg(e));
	err_free(steal_ptr(e));
	if (t->ovs && net_ovs_del_port(t->name, &e) < 0)
		log_warn("%s", err_msg(e));
	err_free(steal_ptr(e));
	if (t->created && t->veth) {
		delete_veth(t->name);
		return;
	}
	if (t->created && net_tap_delete(t->name, &e) < 0 &&
	    err_code(e) != -ENODEV)
		log_warn("%s", err_msg(e));
}

/*
 * An Open vSwitch port's iface-id is its interface's interfaceid (the XML
 * parser generates a <virtualport>'s own). A network's port whose
 * interface has none gets one for this run, remembered with the tap.
 */
static void ovs_interfaceid(struct domain_net *n, struct iface_tap *t)
{
	uuid_t u;

	if (n->virtualport.interfaceid)
		return;
	uuid_generate_random(u);
	uuid_unparse_lower(u, t->interfaceid);
	free(n->port_interfaceid);
	n->port_interfaceid = xstrdup(t->interfaceid);
}

/* Whom the links are for: a VMM (taps owned by @owner) or a container
 * (veth pairs into the network namespace of @pid). */
struct iface_for {
	uid_t owner;
	pid_t pid; /* 0: taps */
};

static int setup_one(struct daemon *dmn, struct net_nl *nl,
		     struct domain_def *def, size_t i,
		     const struct iface_for *who, struct iface_tap *t,
		     struct err **e)
{
	struct domain_net *n = &def->nets[i];
	struct iface_plan p;

	if (n->type == NET_TYPE_VDPA && !who->pid)
		return open_vdpa(n, t, e);
	if (n->type == NET_TYPE_HOSTDEV && !who->pid)
		return set_vf_mac(nl, n, e);
	if (!domain_net_is_tap(n)) /* inside QEMU: no tap, no fd */
		return 0;
	if (resolve(dmn, n, &p, e) < 0 ||
	    (p.bridge[0] && check_bridge(nl, &p, e) < 0) ||
	    (who->pid ? make_veth(nl, n, who->pid, t, e)
		      : make_tap(n, who->owner, t, e)) < 0)
		return -EIO;
	if (p.ovs)
		ovs_interfaceid(n, t);
	if ((t->created && plug(nl, n, &p, def->uuid, t, e) < 0) ||
	    shape(&p, t, e) < 0)
		return -EIO;
	if (host_side(nl, n, t, e) < 0 ||
	    (n->script && run_script("script", n->script, t->name, e) < 0))
		return -EIO;
	if (n->downscript)
		t->downscript = xstrdup(n->downscript);
	if (!n->tap) {
		free(n->ifname);
		n->ifname = xstrdup(t->name);
	}
	return 0;
}

static int setup_all(struct daemon *dmn, struct domain_def *def,
		     const struct iface_for *who, struct iface_set *set,
		     struct err **e)
{
	struct net_nl *nl = NULL;
	int r = 0;

	if (!def->n_nets)
		return 0;
	if (net_nl_open(&nl, e) < 0)
		return -EIO;
	set->taps = xcalloc(def->n_nets, sizeof(*set->taps));
	for (size_t i = 0; i < def->n_nets && r == 0; i++) {
		struct iface_tap *t = &set->taps[i];

		t->fd = -1;
		set->n = i + 1;
		r = setup_one(dmn, nl, def, i, who, t, e);
		if (r < 0)
			r = err_prefix(e, "interface %zu", i);
	}
	net_nl_close(nl);
	if (r < 0) {
		for (size_t i = set->n; i-- > 0;)
			undo(&set->taps[i]);
		iface_forget(def);
		iface_set_clear(set);
	}
	return r;
}

int iface_setup(struct daemon *dmn, struct domain_def *def, uid_t owner,
		struct iface_set *set, struct err **e)
{
	return setup_all(dmn, def, &(struct iface_for){.owner = owner}, set, e);
}

int iface_setup_veth(struct daemon *dmn, struct domain_def *def, pid_t pid,
		     struct iface_set *set, struct err **e)
{
	return setup_all(dmn, def, &(struct iface_for){.pid = pid}, set, e);
}

void iface_set_clear(struct iface_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		close_safe(set->taps[i].fd);
		close_more(&set->taps[i]);
		free(set->taps[i].downscript);
	}
	free(set->taps);
	set->taps = NULL;
	set->n = 0;
}

struct json_object *iface_record(const struct iface_set *set)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < set->n; i++) {
		const struct iface_tap *t = &set->taps[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "tap",
				       json_object_new_string(t->name));
		json_object_object_add(o, "created",
				       json_object_new_boolean(t->created));
		json_object_object_add(o, "ovs",
				       json_object_new_boolean(t->ovs));
		if (t->veth)
			json_object_object_add(o, "veth",
					       json_object_new_boolean(true));
		if (t->ifb[0])
			json_object_object_add(o, "ifb",
					       json_object_new_string(t->ifb));
		if (t->interfaceid[0])
			json_object_object_add(
				o, "interfaceid",
				json_object_new_string(t->interfaceid));
		if (t->downscript)
			json_object_object_add(
				o, "downscript",
				json_object_new_string(t->downscript));
		json_object_array_add(a, o);
	}
	return a;
}

/* One entry of a record, checked (the record is a file on disk). */
static bool tap_of_record(struct json_object *o, struct iface_tap *t)
{
	const char *name = NULL, *ifb = NULL, *id = NULL, *down = NULL;
	bool created = false, ovs = false, veth = false;
	uuid_t u;

	*t = (struct iface_tap){.fd = -1};
	if (!json_object_is_type(o, json_type_object) ||
	    json_get_string(o, "tap", &name, NULL) < 0 ||
	    json_get_bool_opt(o, "created", &created, NULL) < 0 ||
	    json_get_bool_opt(o, "ovs", &ovs, NULL) < 0 ||
	    json_get_bool_opt(o, "veth", &veth, NULL) < 0 ||
	    json_get_string_opt(o, "ifb", &ifb, NULL) < 0 ||
	    json_get_string_opt(o, "interfaceid", &id, NULL) < 0 ||
	    json_get_string_opt(o, "downscript", &down, NULL) < 0 ||
	    (down && down[0] != '/') ||
	    (id && (strlen(id) != 36 || uuid_parse(id, u) < 0)) ||
	    net_ifname_check(name, false, NULL) < 0 ||
	    (ifb && net_ifname_check(ifb, false, NULL) < 0))
		return false;
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->ifb, sizeof(t->ifb), "%s", ifb ? ifb : "");
	snprintf(t->interfaceid, sizeof(t->interfaceid), "%s", id ? id : "");
	t->created = created;
	t->ovs = ovs;
	t->veth = veth;
	t->downscript = down ? xstrdup(down) : NULL;
	return true;
}

void iface_teardown(struct json_object *taps)
{
	struct iface_tap t;

	if (!taps || !json_object_is_type(taps, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(taps); i++)
		if (tap_of_record(json_object_array_get_idx(taps, i), &t))
			undo(&t);
}

void iface_reattach(struct domain_def *def, struct json_object *taps)
{
	struct iface_tap t;

	if (!taps || !json_object_is_type(taps, json_type_array))
		return;
	for (size_t i = 0;
	     i < def->n_nets && i < json_object_array_length(taps); i++) {
		struct domain_net *n = &def->nets[i];

		if (!tap_of_record(json_object_array_get_idx(taps, i), &t))
			continue;
		free(t.downscript); /* the record keeps it for the end */
		if (t.interfaceid[0]) {
			free(n->port_interfaceid);
			n->port_interfaceid = xstrdup(t.interfaceid);
		}
		if (n->tap)
			continue;
		free(n->ifname);
		n->ifname = xstrdup(t.name);
	}
}

void iface_forget(struct domain_def *def)
{
	for (size_t i = 0; i < def->n_nets; i++) {
		free(def->nets[i].ifname);
		def->nets[i].ifname = NULL;
		free(def->nets[i].port_interfaceid);
		def->nets[i].port_interfaceid = NULL;
	}
}
