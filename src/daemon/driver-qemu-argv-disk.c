// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A qemu domain's disks on QEMU's command line (driver-qemu.h), as
 * libvirt gives them: for each file of a disk's chain a file node on
 * the fd nidod opened and a format node over it (-blockdev), then the
 * device the guest sees (-device), at its place on its controller.
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/disk-open.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

static void arg(struct qemu_argv *a, const char *s)
{
	qemu_arg(a, s);
}

static void arg_json(struct qemu_argv *a, const char *opt,
		     struct json_object *o)
{
	qemu_arg_json(a, opt, o);
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

/* <driver cache=> as QEMU's cache.direct, cache.no-flush (on both
 * nodes) and the device's write-cache; libvirt's table. */
static void cache_node(struct json_object *o, const char *cache)
{
	struct json_object *c;

	if (!cache || streq(cache, "default"))
		return;
	c = json_object_new_object();
	add_bool(c, "direct",
		 streq(cache, "none") || streq(cache, "directsync"));
	add_bool(c, "no-flush", streq(cache, "unsafe"));
	json_object_object_add(o, "cache", c);
}

/* <driver detect_zeroes=>: 'unmap' only where discards reach the
 * image (libvirt gives 'on' otherwise). */
static void detect_zeroes(struct json_object *o, const struct domain_disk *d)
{
	bool unmap = streq(d->detect_zeroes, "unmap");

	add_str(o, "detect-zeroes",
		unmap && d->discard != DISK_DISCARD_UNMAP ? "on"
							  : d->detect_zeroes);
}

/* <metadata_cache> of image @j of @d's chain (0: the disk's <driver>,
 * then its <backingStore>s) as the qcow2 node's cache-size. */
static void metadata_cache(struct json_object *o, const struct domain_disk *d,
			   int j)
{
	uint64_t bytes = j == 0 ? d->opts.metadata_cache
			 : (size_t)j <= d->n_backing
				 ? d->backing[j - 1].metadata_cache
				 : 0;

	if (bytes)
		json_object_object_add(o, "cache-size",
				       json_object_new_int64((int64_t)bytes));
}

/* A host as QEMU's SocketAddress: inet with its port (the protocol's
 * default when none: @def_port, 0 none), or unix on its socket. */
static struct json_object *server(const struct disk_host *h, bool typed,
				  unsigned def_port)
{
	struct json_object *o = json_object_new_object();
	unsigned port = h->port ? h->port : def_port;

	if (h->socket) {
		add_str(o, "type", "unix");
		add_str(o, "path", h->socket);
		return o;
	}
	if (typed)
		add_str(o, "type", "inet");
	add_str(o, "host", h->name);
	if (port) {
		_cleanup_free_ char *p = xasprintf("%u", port);

		add_str(o, "port", p);
	}
	return o;
}

static struct json_object *servers(const struct disk_net *n, bool typed,
				   unsigned def_port)
{
	struct json_object *v = json_object_new_array();

	for (size_t i = 0; i < n->n_hosts; i++)
		json_object_array_add(v, server(&n->hosts[i], typed, def_port));
	return v;
}

/* A host name as a URL's authority: an IPv6 address in brackets. */
static char *url_host(const struct disk_host *h, unsigned port)
{
	bool v6 = strchr(h->name, ':') && h->name[0] != '[';

	return xasprintf("%s%s%s:%u", v6 ? "[" : "", h->name, v6 ? "]" : "",
			 port);
}

/* The protocol node of a network disk, as libvirt writes it. */
static void net_node(struct json_object *o, const struct disk_net *n)
{
	static const unsigned curl_ports[] = {80, 443, 21, 990};
	const char *name = n->name ? n->name : "";
	const char *slash = strchr(name, '/');
	enum disk_protocol p = n->protocol;

	add_str(o, "driver", disk_protocol_names[p]);
	switch (p) {
	case DISK_PROTO_NBD:
		json_object_object_add(o, "server",
				       server(&n->hosts[0], true, 10809));
		if (n->name)
			add_str(o, "export", n->name);
		if (n->reconnect_s)
			json_object_object_add(
				o, "reconnect-delay",
				json_object_new_int64(n->reconnect_s));
		break;
	case DISK_PROTO_ISCSI: {
		_cleanup_free_ char *portal =
			url_host(&n->hosts[0],
				 n->hosts[0].port ? n->hosts[0].port : 3260);
		_cleanup_free_ char *target =
			slash ? xstrndup(name, (size_t)(slash - name))
			      : xstrdup(name);

		add_str(o, "portal", portal);
		add_str(o, "target", target);
		json_object_object_add(
			o, "lun",
			json_object_new_int(slash ? atoi(slash + 1) : 0));
		add_str(o, "transport", "tcp");
		break;
	}
	case DISK_PROTO_RBD: {
		_cleanup_free_ char *pool =
			xstrndup(name, (size_t)(slash - name));

		add_str(o, "pool", pool);
		add_str(o, "image", slash + 1);
		if (n->snapshot)
			add_str(o, "snapshot", n->snapshot);
		if (n->config)
			add_str(o, "conf", n->config);
		if (n->n_hosts)
			json_object_object_add(o, "server",
					       servers(n, false, 0));
		if (n->user)
			add_str(o, "user", n->user);
		if (n->auth_none) {
			struct json_object *modes = json_object_new_array();

			json_object_array_add(modes,
					      json_object_new_string("none"));
			json_object_object_add(o, "auth-client-required",
					       modes);
		}
		break;
	}
	case DISK_PROTO_GLUSTER: {
		_cleanup_free_ char *vol =
			xstrndup(name, (size_t)(slash - name));

		add_str(o, "volume", vol);
		add_str(o, "path", slash + 1);
		json_object_object_add(o, "server", servers(n, true, 24007));
		json_object_object_add(o, "debug", json_object_new_int(4));
		break;
	}
	case DISK_PROTO_NFS:
		json_object_object_add(o, "server",
				       server(&n->hosts[0], true, 0));
		add_str(o, "path", name);
		break;
	default: { /* curl's: http, https, ftp, ftps */
		_cleanup_free_ char *host = url_host(
			&n->hosts[0],
			n->hosts[0].port ? n->hosts[0].port
					 : curl_ports[p - DISK_PROTO_HTTP]);
		_cleanup_free_ char *url =
			xasprintf("%s://%s/%s", disk_protocol_names[p], host,
				  name + (*name == '/'));

		add_str(o, "url", url);
		if (n->ssl_verify)
			add_bool(o, "sslverify",
				 n->ssl_verify == DOMAIN_TRISTATE_ON);
		if (n->readahead)
			json_object_object_add(
				o, "readahead",
				json_object_new_int64((int64_t)n->readahead));
		if (n->timeout_s)
			json_object_object_add(
				o, "timeout",
				json_object_new_int64((int64_t)n->timeout_s));
	}
	}
}

/* A network disk's two nodes: the protocol's, reached by QEMU itself,
 * and its format over it (raw, or a qcow2 whose chain ends there). */
static void net_nodes(struct qemu_argv *a, const struct domain_disk *d,
		      size_t i)
{
	struct json_object *file = json_object_new_object();
	struct json_object *fmt = json_object_new_object();
	_cleanup_free_ char *fname = xasprintf("f%zu-0", i);
	_cleanup_free_ char *dname = xasprintf("d%zu-0", i);
	bool ro = !disk_writable(d);

	net_node(file, d->net);
	add_str(file, "node-name", fname);
	add_bool(file, "read-only", ro);
	cache_node(file, d->cache);
	if (d->discard == DISK_DISCARD_UNMAP)
		add_str(file, "discard", "unmap");
	arg_json(a, "-blockdev", file);
	add_str(fmt, "driver", disk_format_name(d->format));
	add_str(fmt, "file", fname);
	add_str(fmt, "node-name", dname);
	add_bool(fmt, "read-only", ro);
	cache_node(fmt, d->cache);
	if (d->discard == DISK_DISCARD_UNMAP)
		add_str(fmt, "discard", "unmap");
	if (d->detect_zeroes)
		detect_zeroes(fmt, d);
	if (d->format == DISK_FORMAT_QCOW2)
		json_object_object_add(fmt, "backing", NULL);
	arg_json(a, "-blockdev", fmt);
}

/*
 * Disk @i's nodes: for each file of its chain, base first, a file node
 * on /dev/fdset/SET (the fd nidod opened) and a format node over it,
 * each format node naming its backing node, so that QEMU opens nothing
 * the chain did not. *@set and *@fd count the fd sets and fds.
 */
static void disk_nodes(struct qemu_argv *a, const struct domain_disk *d,
		       size_t i, const struct block_chain *ch, int *set,
		       int *fd)
{
	int first_set = *set, first_fd = *fd;

	if (d->net) {
		net_nodes(a, d, i);
		return;
	}
	for (int j = 0; j < ch->n; j++) {
		_cleanup_free_ char *s =
			xasprintf("fd=%d,set=%d", first_fd + j, first_set + j);

		arg(a, "-add-fd");
		arg(a, s);
	}
	for (int j = ch->n - 1; j >= 0; j--) {
		const struct block_chain_file *f = &ch->files[j];
		struct json_object *file = json_object_new_object();
		struct json_object *fmt = json_object_new_object();
		_cleanup_free_ char *path =
			xasprintf("/dev/fdset/%d", first_set + j);
		_cleanup_free_ char *fname = xasprintf("f%zu-%d", i, j);
		_cleanup_free_ char *dname = xasprintf("d%zu-%d", i, j);
		_cleanup_free_ char *back = xasprintf("d%zu-%d", i, j + 1);
		bool ro = j > 0 || !disk_writable(d);

		add_str(file, "driver",
			d->block && j == 0 ? "host_device" : "file");
		add_str(file, "filename", path);
		add_str(file, "node-name", fname);
		add_bool(file, "read-only", ro);
		/* nidod's image locks are on these very files */
		add_str(file, "locking", "off");
		cache_node(file, d->cache);
		if (d->discard == DISK_DISCARD_UNMAP)
			add_str(file, "discard", "unmap");
		if (d->io && !streq(d->io, "default"))
			add_str(file, "aio", d->io);
		arg_json(a, "-blockdev", file);
		add_str(fmt, "driver", f->format ? f->format : "raw");
		add_str(fmt, "file", fname);
		add_str(fmt, "node-name", dname);
		add_bool(fmt, "read-only", ro);
		cache_node(fmt, d->cache);
		if (d->discard == DISK_DISCARD_UNMAP)
			add_str(fmt, "discard", "unmap");
		if (j == 0 && d->detect_zeroes)
			detect_zeroes(fmt, d);
		metadata_cache(fmt, d, j);
		if (f->format && streq(f->format, "qcow2"))
			json_object_object_add(
				fmt, "backing",
				j + 1 < ch->n ? json_object_new_string(back)
					      : NULL);
		arg_json(a, "-blockdev", fmt);
	}
	*set += ch->n;
	*fd += ch->n;
}

/* Where the first disk on @bus is in the definition. */
static size_t first_on_bus(const struct domain_def *def, enum disk_bus bus)
{
	size_t k = 0;

	while (k < def->n_disks && def->disks[k].bus != bus)
		k++;
	return k;
}

/* Whether disk @j comes before disk @i in libvirt's order of a
 * definition's disks: the buses as they first appear, the disks of one
 * bus by their names (vda, vdb, ..., vdz, vdaa). */
static bool before(const struct domain_def *def, size_t j, size_t i)
{
	const char *a = def->disks[j].target, *b = def->disks[i].target;

	if (def->disks[j].bus != def->disks[i].bus)
		return first_on_bus(def, def->disks[j].bus) <
		       first_on_bus(def, def->disks[i].bus);
	if (strlen(a) != strlen(b))
		return strlen(a) < strlen(b);
	return strcmp(a, b) < 0;
}

/* The boot index of disk @i: its <boot order> when the disks have one;
 * else its place in <os><boot> for the first disk of its kind; 0: none.
 * Neither: the first disk boots (libvirt's hd). */
static int boot_index(const struct domain_def *def, size_t i)
{
	const struct domain_disk *d = &def->disks[i];
	enum boot_dev kind = d->device == DISK_DEVICE_CDROM    ? BOOT_DEV_CDROM
			     : d->device == DISK_DEVICE_FLOPPY ? BOOT_DEV_FD
							       : BOOT_DEV_HD;
	size_t n_boot = def->n_boot;
	enum boot_dev order[DOMAIN_MAX_BOOT] = {BOOT_DEV_HD};

	if (!def->n_boot && qemu_boot_per_device(def))
		return (int)d->boot_order; /* per device, then */
	for (size_t j = 0; j < def->n_disks; j++)
		if (def->disks[j].device == d->device && before(def, j, i))
			return 0; /* not the first of its kind */
	if (n_boot)
		memcpy(order, def->boot, sizeof(order));
	else
		n_boot = 1;
	for (size_t k = 0; k < n_boot; k++)
		if (order[k] == kind)
			return (int)k + 1;
	return 0;
}

/* The device's side of <driver queues= queue_size=>, <target
 * rotation_rate=> and <wwn> (driver-qemu-conf.c checked the buses). */
static void device_tuning(struct json_object *o, const struct domain_disk *d)
{
	if (d->queues)
		json_object_object_add(o, "num-queues",
				       json_object_new_int((int)d->queues));
	if (d->queue_size)
		json_object_object_add(o, "queue-size",
				       json_object_new_int((int)d->queue_size));
	if (d->rotation_rate)
		json_object_object_add(
			o, "rotation_rate",
			json_object_new_int((int)d->rotation_rate));
	if (d->wwn)
		json_object_object_add(
			o, "wwn",
			json_object_new_uint64(strtoull(d->wwn, NULL, 16)));
}

static void disk_device(struct qemu_argv *a, const struct domain_def *def,
			size_t i)
{
	const struct domain_disk *d = &def->disks[i];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *node = qemu_disk_top_node(d, i);
	_cleanup_free_ char *id = xasprintf("disk%zu", i);
	_cleanup_free_ char *bus = NULL;
	int boot = boot_index(def, i);
	unsigned pbus, unit;
	bool cd = d->device == DISK_DEVICE_CDROM;

	if (d->bus == DISK_BUS_VIRTIO) {
		add_str(o, "driver", "virtio-blk-pci");
		if (d->iothread) { /* its I/O in that iothread */
			_cleanup_free_ char *t =
				xasprintf("iothread%u", d->iothread);

			add_str(o, "iothread", t);
		}
		qemu_json_pci(o, def, QEMU_PCI_DISK, i);
	} else if (d->bus == DISK_BUS_SCSI) {
		qemu_json_scsi_disk(o, def, d);
	} else if (d->bus == DISK_BUS_USB) {
		add_str(o, "driver", "usb-storage");
		add_str(o, "bus", "usb.0");
		json_object_object_add(
			o, "removable",
			json_object_new_boolean(d->removable ==
						DOMAIN_TRISTATE_ON));
	} else if (d->bus == DISK_BUS_FDC) {
		/* on the FDC's bus; its boot index is the FDC's
		 * (fdc_args()) */
		add_str(o, "driver", "floppy");
		qemu_drive_place(d, &pbus, &unit);
		json_object_object_add(o, "unit",
				       json_object_new_int((int)unit));
		boot = 0;
	} else {
		add_str(o, "driver", cd ? "ide-cd" : "ide-hd");
		qemu_drive_place(d, &pbus, &unit);
		if (qemu_is_q35(def)) { /* the ICH9's AHCI, one unit a port */
			bus = xasprintf("ide.%u", unit);
		} else if (d->bus == DISK_BUS_SATA) {
			bus = xasprintf("sata0.%u", unit);
		} else {
			bus = xasprintf("ide.%u", pbus);
			json_object_object_add(o, "unit",
					       json_object_new_int((int)unit));
		}
		add_str(o, "bus", bus);
	}
	add_str(o, "drive", node);
	add_str(o, "id", id);
	if (d->serial)
		add_str(o, "serial", d->serial);
	if (boot)
		json_object_object_add(o, "bootindex",
				       json_object_new_int(boot));
	device_tuning(o, d);
	qemu_json_disk_opts(o, d);
	if (d->cache && !streq(d->cache, "default"))
		add_str(o, "write-cache",
			streq(d->cache, "writethrough") ||
					streq(d->cache, "directsync")
				? "off"
				: "on");
	arg_json(a, "-device", o);
}

/*
 * A pflash loader's flash chips, after the disks' fds and sets: pflash0
 * the code (read-only), pflash1 the domain's variables (none for a
 * stateless loader); the machine names them (machine_arg()).
 */
static void pflash_nodes(struct qemu_argv *a, int set, int fd, int chips)
{
	for (int j = 0; j < chips; j++) {
		_cleanup_free_ char *s =
			xasprintf("fd=%d,set=%d", fd + j, set + j);
		_cleanup_free_ char *path = xasprintf("/dev/fdset/%d", set + j);
		_cleanup_free_ char *fname = xasprintf("pflash%d-file", j);
		_cleanup_free_ char *name = xasprintf("pflash%d", j);
		struct json_object *file = json_object_new_object();
		struct json_object *fmt = json_object_new_object();

		arg(a, "-add-fd");
		arg(a, s);
		add_str(file, "driver", "file");
		add_str(file, "filename", path);
		add_str(file, "node-name", fname);
		add_bool(file, "read-only", j == 0);
		add_str(file, "locking", "off");
		arg_json(a, "-blockdev", file);
		add_str(fmt, "driver", "raw");
		add_str(fmt, "file", fname);
		add_str(fmt, "node-name", name);
		add_bool(fmt, "read-only", j == 0);
		arg_json(a, "-blockdev", fmt);
	}
}

/*
 * The floppy controller: a PC's own ISA FDC (its boot indexes set with
 * -global), a Q35's added (it has none); libvirt's bootindexA and
 * bootindexB, the drives' boot order.
 */
static void fdc_args(struct qemu_argv *a, const struct domain_def *def)
{
	struct json_object *o = json_object_new_object();
	bool any = false;

	add_str(o, "driver", "isa-fdc");
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct domain_disk *d = &def->disks[i];
		unsigned bus, unit;
		int boot;

		if (d->device != DISK_DEVICE_FLOPPY)
			continue;
		any = true;
		if (!(boot = boot_index(def, i)))
			continue;
		qemu_drive_place(d, &bus, &unit);
		if (qemu_is_q35(def)) {
			json_object_object_add(
				o, unit ? "bootindexB" : "bootindexA",
				json_object_new_int(boot));
		} else {
			_cleanup_free_ char *s =
				xasprintf("isa-fdc.bootindex%c=%d",
					  unit ? 'B' : 'A', boot);

			arg(a, "-global");
			arg(a, s);
		}
	}
	if ((any || def->fdc) && qemu_is_q35(def))
		arg_json(a, "-device", o);
	else
		json_object_put(o);
}

void qemu_argv_disks(struct qemu_argv *a, const struct domain_def *def,
		     const struct block_chain *chains)
{
	int set = 1, fd = QEMU_FIRST_DISK_FD;
	bool ahci = false;

	for (size_t i = 0; i < def->n_disks; i++) {
		disk_nodes(a, &def->disks[i], i, &chains[i], &set, &fd);
		qemu_argv_disk_cor(a, &def->disks[i], i);
		ahci |= def->disks[i].bus == DISK_BUS_SATA;
	}
	if (def->fw.type == LOADER_TYPE_PFLASH)
		pflash_nodes(a, set, fd, qemu_pflash_chips(def));
	/* an i440FX has no SATA: an AHCI controller, before its disks */
	if (ahci && !qemu_is_q35(def)) {
		struct json_object *o = json_object_new_object();

		add_str(o, "driver", "ahci");
		add_str(o, "id", "sata0");
		qemu_json_pci(o, def, QEMU_PCI_AHCI, 0);
		arg_json(a, "-device", o);
	}
	qemu_argv_controllers(a, def);
	fdc_args(a, def);
	for (size_t i = 0; i < def->n_disks; i++)
		if (def->disks[i].bus != DISK_BUS_USB)
			disk_device(a, def, i);
}

void qemu_argv_usb_disks(struct qemu_argv *a, const struct domain_def *def)
{
	for (size_t i = 0; i < def->n_disks; i++)
		if (def->disks[i].bus == DISK_BUS_USB)
			disk_device(a, def, i);
}

void qemu_drive_place(const struct domain_disk *dk, unsigned *bus,
		      unsigned *unit)
{
	int idx = driver_qemu_disk_index(dk->target);

	if (dk->drive.set) {
		*bus = dk->drive.bus;
		*unit = dk->drive.unit;
	} else if (dk->bus == DISK_BUS_IDE) {
		*bus = (unsigned)idx / 2;
		*unit = (unsigned)idx % 2;
	} else {
		*bus = 0;
		*unit = (unsigned)idx;
	}
}

int qemu_check_drive_places(const struct domain_def *def, struct err **e)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct domain_disk *a = &def->disks[i];
		unsigned ab, au, bb, bu;

		if (a->bus != DISK_BUS_IDE && a->bus != DISK_BUS_SATA &&
		    a->bus != DISK_BUS_FDC)
			continue;
		qemu_drive_place(a, &ab, &au);
		for (size_t j = i + 1; j < def->n_disks; j++) {
			const struct domain_disk *b = &def->disks[j];

			if (b->bus != a->bus)
				continue;
			qemu_drive_place(b, &bb, &bu);
			if (ab == bb && au == bu)
				return err_set(e, ENOTSUP,
					       "disks '%s' and '%s' at the "
					       "same place: %s bus %u unit %u",
					       a->target, b->target,
					       disk_bus_names[a->bus], ab, au);
		}
	}
	return 0;
}
