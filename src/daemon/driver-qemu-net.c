// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver's interfaces (driver-qemu.h, docs/drivers.md): what it
 * runs of each <interface>, checked at define and at start, and QEMU's
 * -netdev and -device for it, as libvirt writes them: a tap nidod made
 * and opened (one fd per queue, and a /dev/vhost-net per queue with
 * <driver name='vhost'>), QEMU's user-mode network, a socket between
 * QEMUs, a vhost-user backend's socket, a vDPA device nidod opened.
 */
#include <errno.h>

#include "daemon/driver-qemu-priv.h"
#include "lib/json.h"

const char *qemu_net_device(const char *model)
{
	static const char *const map[][2] = {
		{"virtio", "virtio-net-pci"},
		{"virtio-transitional", "virtio-net-pci-transitional"},
		{"virtio-non-transitional", "virtio-net-pci-non-transitional"},
		{"e1000", "e1000"},
		{"e1000e", "e1000e"},
		{"rtl8139", "rtl8139"},
		{"vmxnet3", "vmxnet3"},
		{"ne2k_pci", "ne2k_pci"},
		{"pcnet", "pcnet"},
		{"i82551", "i82551"},
		{"i82557b", "i82557b"},
		{"i82559er", "i82559er"}};

	/* libvirt compares models without case */
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcasecmp(model, map[i][0]))
			return map[i][1];
	return NULL;
}

static bool is_virtio(const struct domain_net *n)
{
	return !strncasecmp(n->model, "virtio", 6);
}

size_t qemu_net_n_fds(const struct domain_net *n)
{
	unsigned q = domain_net_queues(n);

	if (n->type == NET_TYPE_VDPA)
		return 1;
	if (!domain_net_is_tap(n))
		return 0;
	return n->driver.name == NET_DRIVER_VHOST ? 2 * (size_t)q : q;
}

/* "a:b:c", @n fds from @fd. */
static char *fd_list(int fd, unsigned n)
{
	char *s = xasprintf("%d", fd);

	for (unsigned i = 1; i < n; i++) {
		char *t = xasprintf("%s:%d", s, fd + (int)i);

		free(s);
		s = t;
	}
	return s;
}

/* A tap's -netdev: fd= for one queue, fds= for more; vhost's fds after
 * the queues'. */
static char *tap_netdev(const struct domain_net *n, size_t i, int fd)
{
	unsigned q = domain_net_queues(n);
	_cleanup_free_ char *fds = fd_list(fd, q);
	_cleanup_free_ char *vfds = fd_list(fd + (int)q, q);

	if (n->driver.name != NET_DRIVER_VHOST)
		return xasprintf("tap,id=hostnet%zu,%s=%s", i,
				 q > 1 ? "fds" : "fd", fds);
	return xasprintf("tap,id=hostnet%zu,%s=%s,vhost=on,%s=%s", i,
			 q > 1 ? "fds" : "fd", fds,
			 q > 1 ? "vhostfds" : "vhostfd", vfds);
}

/* @s with each ',' doubled, as QEMU's option parser reads it. */
static char *opt_escape(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 1), *p = out;

	for (; *s; s++) {
		*p++ = *s;
		if (*s == ',')
			*p++ = ',';
	}
	*p = '\0';
	return out;
}

/* A vhost-user backend's socket: -chardev socket, then its netdev. */
static struct json_object *vhostuser_netdev(struct qemu_argv *a,
					    const struct domain_net *n,
					    size_t i)
{
	const struct net_vhostuser *v = &n->vhost;
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *path = opt_escape(v->path);
	_cleanup_free_ char *chr =
		xasprintf("socket,id=charnet%zu,path=%s%s", i, path,
			  v->server ? ",server=on" : "");
	_cleanup_free_ char *id = xasprintf("charnet%zu", i);

	if (v->reconnect) {
		char *t = xasprintf("%s,reconnect=%u", chr,
				    v->reconnect == DOMAIN_TRISTATE_ON
					    ? v->reconnect_secs
					    : 0);
		free(chr);
		chr = t;
	}
	qemu_arg(a, "-chardev");
	qemu_arg(a, chr);
	json_object_object_add(o, "type", json_object_new_string("vhost-user"));
	json_object_object_add(o, "chardev", json_object_new_string(id));
	return o;
}

static void add_addr(struct json_object *o, const char *k, const char *host,
		     unsigned port)
{
	_cleanup_free_ char *s = xasprintf("%s:%u", host ? host : "", port);

	json_object_object_add(o, k, json_object_new_string(s));
}

/* A user-mode network's addresses: net=, ipv6-prefix=. */
static void user_netdev(struct json_object *o, const struct domain_net *n)
{
	const struct net_user_ip *ip = &n->user_ip;

	if (ip->ipv4) {
		_cleanup_free_ char *s =
			ip->prefix4 ? xasprintf("%s/%u", ip->ipv4, ip->prefix4)
				    : xstrdup(ip->ipv4);

		json_object_object_add(o, "net", json_object_new_string(s));
	}
	if (ip->ipv6) {
		json_object_object_add(o, "ipv6-prefix",
				       json_object_new_string(ip->ipv6));
		if (ip->prefix6)
			json_object_object_add(
				o, "ipv6-prefixlen",
				json_object_new_int((int)ip->prefix6));
	}
}

/* The -netdev of a type that is not a tap, as JSON (NULL: a tap). */
static struct json_object *other_netdev(struct qemu_argv *a,
					const struct domain_net *n, size_t i,
					int fd)
{
	static const char *const sock_key[] = {
		[NET_TYPE_SERVER] = "listen",
		[NET_TYPE_CLIENT] = "connect",
		[NET_TYPE_MCAST] = "mcast",
		[NET_TYPE_UDP] = "udp",
	};
	struct json_object *o;

	switch (n->type) {
	case NET_TYPE_USER:
		o = json_object_new_object();
		json_object_object_add(o, "type",
				       json_object_new_string("user"));
		user_netdev(o, n);
		return o;
	case NET_TYPE_SERVER:
	case NET_TYPE_CLIENT:
	case NET_TYPE_MCAST:
	case NET_TYPE_UDP:
		o = json_object_new_object();
		json_object_object_add(o, "type",
				       json_object_new_string("socket"));
		add_addr(o, sock_key[n->type], n->sock.address, n->sock.port);
		if (n->type == NET_TYPE_UDP)
			add_addr(o, "localaddr", n->sock.local_address,
				 n->sock.local_port);
		return o;
	case NET_TYPE_VHOSTUSER:
		o = vhostuser_netdev(a, n, i);
		break;
	case NET_TYPE_VDPA: {
		_cleanup_free_ char *s = xasprintf("%d", fd);

		o = json_object_new_object();
		json_object_object_add(o, "type",
				       json_object_new_string("vhost-vdpa"));
		json_object_object_add(o, "vhostfd", json_object_new_string(s));
		break;
	}
	default:
		return NULL;
	}
	if (domain_net_queues(n) > 1)
		json_object_object_add(
			o, "queues",
			json_object_new_int((int)n->driver.queues));
	return o;
}

/* The <driver> options, <rom> and <acpi index> on the -device. */
static void device_options(struct json_object *dev, const struct domain_net *n)
{
	const struct net_driver *d = &n->driver;
	unsigned q = domain_net_queues(n);

	for (int k = 0; k < NET_OPT_N; k++)
		if (d->opt[k])
			json_object_object_add(
				dev, net_opt_names[k].prop,
				json_object_new_boolean(d->opt[k] ==
							DOMAIN_TRISTATE_ON));
	if (d->txmode)
		json_object_object_add(
			dev, "tx",
			json_object_new_string(d->txmode == NET_TXMODE_TIMER
						       ? "timer"
						       : "bh"));
	if (d->rx_queue_size)
		json_object_object_add(
			dev, "rx_queue_size",
			json_object_new_int((int)d->rx_queue_size));
	if (d->tx_queue_size)
		json_object_object_add(
			dev, "tx_queue_size",
			json_object_new_int((int)d->tx_queue_size));
	if (q > 1) { /* a vector per queue each way, config and control */
		json_object_object_add(dev, "mq", json_object_new_boolean(1));
		json_object_object_add(dev, "vectors",
				       json_object_new_int((int)(2 * q + 2)));
	}
	if (n->rom.bar)
		json_object_object_add(
			dev, "rombar",
			json_object_new_int(n->rom.bar == DOMAIN_TRISTATE_ON));
	if (n->rom.enabled == DOMAIN_TRISTATE_OFF || n->rom.file)
		json_object_object_add(
			dev, "romfile",
			json_object_new_string(n->rom.file ? n->rom.file : ""));
	if (n->acpi_index)
		json_object_object_add(dev, "acpi-index",
				       json_object_new_int((int)n->acpi_index));
	if (n->teaming == 1)
		json_object_object_add(dev, "failover",
				       json_object_new_boolean(1));
}

/* The interface whose alias is @alias, or -1. */
static int by_alias(const struct domain_def *def, const char *alias)
{
	for (size_t j = 0; alias && j < def->n_nets; j++)
		if (def->nets[j].alias && streq(def->nets[j].alias, alias))
			return (int)j;
	return -1;
}

void qemu_net_vf_props(struct json_object *o, const struct domain_def *def,
		       const struct domain_hostdev *h)
{
	const struct domain_net *n = h->net ? &def->nets[h->net - 1] : NULL;
	int j = n && n->teaming == 2 ? by_alias(def, n->teaming_persistent)
				     : -1;
	_cleanup_free_ char *id = j >= 0 ? xasprintf("net%d", j) : NULL;

	if (id)
		json_object_object_add(o, "failover_pair_id",
				       json_object_new_string(id));
}

void qemu_argv_nets(struct qemu_argv *a, const struct domain_def *def,
		    int first_fd)
{
	char mac[NET_MAC_STRLEN];
	int fd = first_fd;

	for (size_t i = 0; i < def->n_nets; i++) {
		const struct domain_net *n = &def->nets[i];
		struct json_object *dev, *nd;
		_cleanup_free_ char *id = xasprintf("hostnet%zu", i);
		_cleanup_free_ char *name = xasprintf("net%zu", i);

		if (n->type == NET_TYPE_HOSTDEV)
			continue; /* a vfio-pci (qemu_argv_hostdevs()) */
		dev = json_object_new_object();
		nd = other_netdev(a, n, i, fd);
		if (nd) {
			json_object_object_add(nd, "id",
					       json_object_new_string(id));
			qemu_arg_json(a, "-netdev", nd);
		} else {
			_cleanup_free_ char *tap = tap_netdev(n, i, fd);

			qemu_arg(a, "-netdev");
			qemu_arg(a, tap);
		}
		fd += (int)qemu_net_n_fds(n);
		json_object_object_add(
			dev, "driver",
			json_object_new_string(qemu_net_device(n->model)));
		json_object_object_add(dev, "netdev",
				       json_object_new_string(id));
		json_object_object_add(dev, "id", json_object_new_string(name));
		json_object_object_add(
			dev, "mac",
			json_object_new_string(net_mac_str(n->mac, mac)));
		device_options(dev, n);
		qemu_json_pci(dev, def, QEMU_PCI_NET, i);
		if (n->boot_order)
			json_object_object_add(
				dev, "bootindex",
				json_object_new_int((int)n->boot_order));
		else if (i == 0 && qemu_net_boot_index(def))
			json_object_object_add(
				dev, "bootindex",
				json_object_new_int(qemu_net_boot_index(def)));
		qemu_arg_json(a, "-device", dev);
	}
}

/* Whether any of <driver>'s virtio-net options is set. */
static bool driver_set(const struct net_driver *d)
{
	for (int k = 0; k < NET_OPT_N; k++)
		if (d->opt[k])
			return true;
	return d->name || d->queues || d->rx_queue_size || d->tx_queue_size ||
	       d->txmode;
}

/* A failover pair: a persistent virtio card, and a transient VF naming
 * it by its alias. */
static int check_teaming(const struct domain_def *def, size_t i, struct err **e)
{
	const struct domain_net *n = &def->nets[i];
	int j;

	if (n->teaming == 1 && (n->type == NET_TYPE_HOSTDEV || !is_virtio(n)))
		return err_set(e, ENOTSUP,
			       "interface %zu: <teaming type='persistent'> "
			       "is a virtio card's",
			       i);
	if (n->teaming != 2)
		return 0;
	if (n->type != NET_TYPE_HOSTDEV)
		return err_set(e, ENOTSUP,
			       "interface %zu: <teaming type='transient'> is "
			       "an SR-IOV VF's (type 'hostdev'), not type "
			       "'%s''s",
			       i, domain_net_type_names[n->type]);
	j = by_alias(def, n->teaming_persistent);
	if (j < 0 || def->nets[j].teaming != 1)
		return err_set(e, EINVAL,
			       "interface %zu: <teaming persistent='%s'>: no "
			       "interface of that alias with <teaming "
			       "type='persistent'>",
			       i, n->teaming_persistent);
	return 0;
}

static int check_net(const struct domain_def *def, size_t i,
		     struct xml_warnings *w, struct err **e)
{
	const struct domain_net *n = &def->nets[i];
	const char *type = domain_net_type_names[n->type];

	if (check_teaming(def, i, e) < 0)
		return -EINVAL;
	if (n->type == NET_TYPE_HOSTDEV) /* the host's card: no model */
		return 0;
	if (!qemu_net_device(n->model))
		return err_set(e, ENOTSUP,
			       "interface %zu: model '%s' not supported by "
			       "the qemu driver (virtio, e1000, e1000e, "
			       "rtl8139, vmxnet3, ne2k_pci, pcnet, i82551, "
			       "i82557b, i82559er)",
			       i, n->model);
	if (driver_set(&n->driver) && !is_virtio(n))
		return err_set(e, ENOTSUP,
			       "interface %zu: <driver> options are "
			       "virtio-net's, not model '%s''s",
			       i, n->model);
	if ((n->type == NET_TYPE_VHOSTUSER || n->type == NET_TYPE_VDPA) &&
	    !is_virtio(n))
		return err_set(e, ENOTSUP,
			       "interface %zu: type '%s' needs model "
			       "'virtio', not '%s'",
			       i, type, n->model);
	if (domain_net_queues(n) > 1 && !domain_net_is_tap(n) &&
	    n->type != NET_TYPE_VHOSTUSER && n->type != NET_TYPE_VDPA)
		return err_set(e, ENOTSUP,
			       "interface %zu: multiqueue (<driver queues=>) "
			       "is for a tap, vhostuser or vdpa, not type "
			       "'%s'",
			       i, type);
	if (n->driver.name == NET_DRIVER_VHOST && n->driver.txmode &&
	    domain_net_is_tap(n))
		return err_set(e, ENOTSUP,
			       "interface %zu: txmode= is QEMU's own "
			       "virtio-net's, not vhost's",
			       i);
	if (n->driver.name == NET_DRIVER_VHOST && !domain_net_is_tap(n))
		xml_warn_def(w,
			     "interface %zu: <driver name='vhost'>: not acted "
			     "on, an interface of type '%s' has no vhost-net "
			     "backend",
			     i, type);
	if (n->boot_order && def->n_boot)
		return err_set(e, EINVAL,
			       "interface %zu: per-device <boot order> cannot "
			       "be used together with <os><boot dev>",
			       i);
	for (size_t j = 0; n->boot_order && j < def->n_disks; j++)
		if (def->disks[j].boot_order == n->boot_order)
			return err_set(e, EINVAL,
				       "boot order %u used for disk '%s' and "
				       "interface %zu",
				       n->boot_order, def->disks[j].target, i);
	for (size_t j = 0; n->boot_order && j < i; j++)
		if (def->nets[j].boot_order == n->boot_order)
			return err_set(e, EINVAL,
				       "boot order %u used for interfaces %zu "
				       "and %zu",
				       n->boot_order, j, i);
	for (size_t j = 0; n->acpi_index && j < i; j++)
		if (def->nets[j].acpi_index == n->acpi_index)
			return err_set(e, EINVAL,
				       "interfaces %zu and %zu: the same "
				       "<acpi index='%u'>",
				       j, i, n->acpi_index);
	return 0;
}

int qemu_check_nets(const struct domain_def *def, struct xml_warnings *w,
		    struct err **e)
{
	for (size_t i = 0; i < def->n_nets; i++)
		if (check_net(def, i, w, e) < 0)
			return -ENOTSUP;
	return 0;
}

/* Whether all of the guest's memory is shared (<memoryBacking><access
 * mode='shared'/>, or every NUMA cell's memAccess='shared'). */
static bool memory_shared(const struct domain_def *def)
{
	const struct domain_mem *m = &def->hw.mem;

	if (!m->n_cells)
		return m->access == 1;
	for (size_t i = 0; i < m->n_cells; i++)
		if (m->cells[i].mem_access == 2 ||
		    (m->cells[i].mem_access == 0 && m->access != 1))
			return false;
	return true;
}

int qemu_net_start_check(const struct domain_def *def, struct err **e)
{
	for (size_t i = 0; i < def->n_nets; i++)
		if (def->nets[i].type == NET_TYPE_VHOSTUSER &&
		    !memory_shared(def))
			return err_setk(
				e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"interface %zu: a vhost-user backend "
				"maps the guest's memory: it needs "
				"<memoryBacking><access "
				"mode='shared'/> (or memAccess='shared' "
				"on every NUMA cell)",
				i);
	return 0;
}
