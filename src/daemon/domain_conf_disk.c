// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A domain's <disk> (domain_conf_disk.h): its type (file, block,
 * volume), device (disk, cdrom, floppy), <driver>, <source>,
 * <backingStore> chain, <target>, <iotune>, <transient/>, serial, boot
 * order and address, read into struct domain_disk and written back in
 * libvirt's order.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf_devices.h"
#include "daemon/domain_conf_disk.h"
#include "daemon/domain_conf_disk_opts.h"
#include "daemon/domain_conf_hw.h"

static const char *const format_names[] = {"raw", "qcow2", NULL};
static const char *const disk_device_names[] = {"disk", "cdrom", "floppy",
						NULL};
static const char *const discard_names[] = {"", "unmap", "ignore", NULL};
/* libvirt's values of <driver cache=> and <driver io=>. */
static const char *const cache_names[] = {
	"default", "none", "writethrough", "writeback", "directsync",
	"unsafe",  NULL};
static const char *const io_names[] = {"default", "threads", "native",
				       "io_uring", NULL};
const char *const disk_bus_names[] = {"virtio", "scsi", "sata", "ide",
				      "usb",	"fdc",	NULL};
const char *disk_format_name(enum disk_format f)
{
	return format_names[f];
}

const char *const disk_protocol_names[] = {"nbd",  "iscsi", "rbd", "gluster",
					   "http", "https", "ftp", "ftps",
					   "nfs",  NULL};

/*
 * An optional attribute out of @names: 1 with *@out its index, 0 when
 * absent (*@out untouched), or -EINVAL with @e filled.
 */
static int parse_enum_attr(const xmlNode *n, const char *attr, const char *what,
			   const char *const *names, int *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	int r;

	if (!v)
		return 0;
	r = xml_enum(n, what, v, names, e);
	if (r < 0)
		return r;
	*out = r;
	return 1;
}

/*
 * <target dev='vda' bus='virtio'/>: libvirt's device names (vd, sd, hd
 * and a letter or more); the bus follows the name when not given.
 */
static int parse_disk_target(const xmlNode *disk, struct domain_disk *dk,
			     struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {
		"dev", "bus", "rotation_rate", "tray", "removable", NULL};
	static const char *const on_off[] = {"on", "off", NULL};
	_cleanup_free_ char *rr = NULL;
	uint64_t u;
	static const char *const prefixes[] = {"vd", "sd", "hd", "fd"};
	static const enum disk_bus buses[] = {DISK_BUS_VIRTIO, DISK_BUS_SCSI,
					      DISK_BUS_IDE, DISK_BUS_FDC};
	xmlNode *n = xml_child(disk, "target");
	const char *t;
	int v = 0, r;

	if (!n)
		return xml_err(e, disk, "missing <target dev='vdX'/>");
	xml_check_known(n, attrs, NULL, w);
	/* 1: not rotating (an SSD), 1025 to 65534 rpm (libvirt's range) */
	if ((rr = xml_attr(n, "rotation_rate")) &&
	    (xml_uint(n, "rotation_rate", rr, 1, 65534, &u, e) < 0 ||
	     (u > 1 && u < 1025)))
		return xml_err(e, n,
			       "invalid rotation_rate '%s' (1, or 1025 to "
			       "65534)",
			       rr);
	dk->rotation_rate = rr ? (unsigned)u : 0;
	if ((r = parse_enum_attr(n, "removable", "removable", on_off, &v, e)) <
	    0)
		return r;
	dk->removable = r ? (enum domain_tristate)(v + 1) : 0;
	t = dk->target = xml_attr(n, "dev");
	for (size_t i = 0; t && i < ARRAY_SIZE(prefixes); i++)
		if (strlen(t) > 2 && !strncmp(t, prefixes[i], 2) &&
		    strspn(t + 2, "abcdefghijklmnopqrstuvwxyz") ==
			    strlen(t + 2)) {
			dk->bus = buses[i];
			if ((r = parse_enum_attr(n, "bus", "disk bus",
						 disk_bus_names, &v, e)) < 0)
				return r;
			if (r)
				dk->bus = v;
			return 0;
		}
	return xml_err(e, n,
		       "invalid target dev '%s' (expected vda, vdb, ..., "
		       "sda, ..., hda, ... or fda, fdb)",
		       t ? t : "");
}

const char *const domain_iotune_names[7] = {"total_bytes_sec",
					    "read_bytes_sec",
					    "write_bytes_sec",
					    "total_iops_sec",
					    "read_iops_sec",
					    "write_iops_sec",
					    NULL};

/* Every block I/O tunable libvirt reports (virsh blkdeviotune), in its
 * order; group_name is a string, the others numbers. */
const char *const domain_iotune_all_names[DOMAIN_IOTUNE_ALL + 1] = {
	"total_bytes_sec",
	"read_bytes_sec",
	"write_bytes_sec",
	"total_iops_sec",
	"read_iops_sec",
	"write_iops_sec",
	"total_bytes_sec_max",
	"read_bytes_sec_max",
	"write_bytes_sec_max",
	"total_iops_sec_max",
	"read_iops_sec_max",
	"write_iops_sec_max",
	"size_iops_sec",
	"group_name",
	"total_bytes_sec_max_length",
	"read_bytes_sec_max_length",
	"write_bytes_sec_max_length",
	"total_iops_sec_max_length",
	"read_iops_sec_max_length",
	"write_iops_sec_max_length",
	NULL,
};

/* <iotune>: limits per second; a total one excludes read and write ones
 * (the others: domain_disk_iotune_parse()). */
static int parse_iotune(const xmlNode *io, uint64_t v[6],
			struct xml_warnings *w, struct err **e)
{
	static const char *const kinds[] = {"bytes_sec", "iops_sec"};
	xmlNode *n;

	xml_check_known(io, (const char *const[]){NULL},
			domain_iotune_all_names, w);
	for (int i = 0; i < 6; i++) {
		_cleanup_free_ char *text = NULL;

		if (!(n = xml_child(io, domain_iotune_names[i])))
			continue;
		text = xml_text(n);
		if (xml_uint(n, domain_iotune_names[i], text, 0, UINT64_MAX,
			     &v[i], e) < 0)
			return -EINVAL;
	}
	for (int k = 0; k < 2; k++)
		if (v[3 * k] && (v[3 * k + 1] || v[3 * k + 2]))
			return xml_err(e, io,
				       "total and read/write of %s cannot be "
				       "set at the same time",
				       kinds[k]);
	return 0;
}

/* <driver name='qemu' type='qcow2' discard='unmap' cache= io=/>. */
static int parse_disk_driver(const xmlNode *n, struct domain_disk *dk,
			     struct xml_warnings *w, struct err **e)
{
	/* and disk_opts_driver_attrs, domain_disk_opts_parse()'s */
	static const char *const attrs[] = {"name",
					    "type",
					    "cache",
					    "discard",
					    "io",
					    "detect_zeroes",
					    "queues",
					    "queue_size",
					    "iothread",
					    "error_policy",
					    "rerror_policy",
					    "copy_on_read",
					    "ioeventfd",
					    "event_idx",
					    "iommu",
					    "ats",
					    "packed",
					    "page_per_vq",
					    NULL};
	static const char *const zeroes[] = {"on", "off", "unmap", NULL};
	_cleanup_free_ char *q = xml_attr(n, "queues");
	_cleanup_free_ char *qs = xml_attr(n, "queue_size");
	_cleanup_free_ char *iothread = xml_attr(n, "iothread");
	uint64_t u;
	int v = 0, r;

	xml_check_known(n, attrs, (const char *const[]){"metadata_cache", NULL},
			w);
	if ((r = parse_enum_attr(n, "type", "disk format", format_names, &v,
				 e)) < 0)
		return r;
	dk->format = r ? v : DISK_FORMAT_RAW;
	if (domain_disk_metadata_cache_parse(n, format_names[dk->format],
					     &dk->opts.metadata_cache, w,
					     e) < 0)
		return -EINVAL;
	if ((r = parse_enum_attr(n, "discard", "discard mode",
				 discard_names + 1, &v, e)) < 0)
		return r;
	dk->discard = r ? v + 1 : DISK_DISCARD_ABSENT;
	if ((r = parse_enum_attr(n, "cache", "cache mode", cache_names, &v,
				 e)) < 0)
		return r;
	dk->cache = r ? xstrdup(cache_names[v]) : NULL;
	if ((r = parse_enum_attr(n, "io", "io mode", io_names, &v, e)) < 0)
		return r;
	dk->io = r ? xstrdup(io_names[v]) : NULL;
	if ((r = parse_enum_attr(n, "detect_zeroes", "detect_zeroes mode",
				 zeroes, &v, e)) < 0)
		return r;
	dk->detect_zeroes = r ? xstrdup(zeroes[v]) : NULL;
	if (q && xml_uint(n, "queues", q, 1, 1024, &u, e) < 0)
		return -EINVAL;
	dk->queues = q ? (unsigned)u : 0;
	if (qs && (xml_uint(n, "queue_size", qs, 2, 1024, &u, e) < 0 ||
		   (u & (u - 1))))
		return xml_err(e, n,
			       "invalid queue_size '%s' (a power of 2, 2 "
			       "to 1024)",
			       qs);
	dk->queue_size = qs ? (unsigned)u : 0;
	/* which iothreads the domain has is the driver's to check */
	if (iothread &&
	    xml_uint(n, "disk iothread", iothread, 1, UINT32_MAX, &u, e) < 0)
		return -EINVAL;
	dk->iothread = iothread ? (unsigned)u : 0;
	return 0;
}

/* <wwn>: a disk's World Wide Name, 16 hex digits (0x allowed). */
static int parse_wwn(const xmlNode *disk, struct domain_disk *dk,
		     struct err **e)
{
	const xmlNode *n = xml_child(disk, "wwn");
	const char *h;

	if (!n)
		return 0;
	dk->wwn = xml_text(n);
	h = dk->wwn + (str_has_prefix(dk->wwn, "0x") ? 2 : 0);
	if (strlen(h) != 16 || strspn(h, "0123456789abcdefABCDEF") != 16)
		return xml_err(e, n, "invalid wwn '%s' (16 hex digits)",
			       dk->wwn);
	return 0;
}

/*
 * <backingStore type='file'><format type='qcow2'/><source file='...'/>
 * <backingStore .../></backingStore>: the images below the disk's, as
 * libvirt writes them; an empty <backingStore/> ends the chain.
 */
static int parse_backing(const xmlNode *disk, struct domain_disk *dk,
			 struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "index", NULL};
	static const char *const children[] = {"format", "source",
					       "backingStore", NULL};
	const xmlNode *n = xml_child(disk, "backingStore");

	for (; n; n = xml_child(n, "backingStore")) {
		struct disk_backing *b;
		_cleanup_free_ char *type = xml_attr(n, "type");
		const xmlNode *src = xml_child(n, "source");
		const xmlNode *fmt = xml_child(n, "format");

		if (!type && !src && !fmt) {
			dk->backing_end = true;
			return 0;
		}
		xml_check_known(n, attrs, children, w);
		if (type && !streq(type, "file"))
			return xml_err(e, n,
				       "backingStore type '%s' not supported "
				       "(expected file)",
				       type);
		if (dk->n_backing == DOMAIN_MAX_BACKING)
			return xml_err(e, n, "more than %d <backingStore>",
				       DOMAIN_MAX_BACKING);
		dk->backing = xreallocarray(dk->backing, dk->n_backing + 1,
					    sizeof(*dk->backing));
		b = &dk->backing[dk->n_backing++];
		*b = (struct disk_backing){0};
		if (!src || !(b->path = xml_attr(src, "file")) || !*b->path)
			return xml_err(e, src ? src : n,
				       "<backingStore> without <source "
				       "file='...'/>");
		if (fmt && (b->format = xml_attr(fmt, "type")) &&
		    !streq(b->format, "raw") && !streq(b->format, "qcow2"))
			return xml_err(e, fmt,
				       "backingStore format '%s' not "
				       "supported (raw or qcow2)",
				       b->format);
		if (fmt) {
			xml_check_known(
				fmt, (const char *const[]){"type", NULL},
				(const char *const[]){"metadata_cache", NULL},
				w);
			if (domain_disk_metadata_cache_parse(fmt, b->format,
							     &b->metadata_cache,
							     w, e) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* <source file=> or <source dev=> of a file or block disk. */
static int parse_disk_source(const xmlNode *disk, struct domain_disk *dk,
			     struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(disk, "source");

	if (!n || !(dk->source = xml_attr(n, dk->block ? "dev" : "file")) ||
	    !*dk->source)
		return xml_err(e, n ? n : disk, "missing <source %s='...'/>",
			       dk->block ? "dev" : "file");
	if (dk->block && dk->source[0] != '/')
		return xml_err(e, n, "block device '%s': not an absolute path",
			       dk->source);
	xml_check_known(n,
			(const char *const[]){dk->block ? "dev" : "file",
					      "startupPolicy", NULL},
			NULL, w);
	return 0;
}

/*
 * <disk type='volume'><source pool='default' volume='a.qcow2'/>: a volume
 * of a storage pool, looked up when the domain starts (the pool must be
 * active then), as libvirt does.
 */
static int parse_disk_volume(const xmlNode *disk, struct domain_disk *dk,
			     struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(disk, "source");

	if (!n || !(dk->pool = xml_attr(n, "pool")) || !*dk->pool)
		return xml_err(e, n ? n : disk,
			       "<disk type='volume'>: missing <source "
			       "pool='...'/>");
	if (!(dk->volume = xml_attr(n, "volume")) || !*dk->volume)
		return xml_err(e, n,
			       "<disk type='volume'>: missing <source "
			       "volume='...'/>");
	if (strchr(dk->pool, '/') || strchr(dk->volume, '/'))
		return xml_err(e, n,
			       "<source pool='%s' volume='%s'>: a name "
			       "holds no '/'",
			       dk->pool, dk->volume);
	xml_check_known(
		n,
		(const char *const[]){"pool", "volume", "startupPolicy", NULL},
		NULL, w);
	return 0;
}

/* <transient/>: only on a disk the guest could otherwise write. */
static int parse_disk_transient(const xmlNode *disk, struct domain_disk *dk,
				struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(disk, "transient");

	_cleanup_free_ char *share = NULL;

	if (!n)
		return 0;
	/* shareBacking='yes': other guests may run on the same image, each
	 * on its own overlay; always so here (the image is opened
	 * read-only, under a shared lock) */
	xml_check_known(n, (const char *const[]){"shareBacking", NULL}, NULL,
			w);
	share = xml_attr(n, "shareBacking");
	if (share && !streq(share, "yes") && !streq(share, "no"))
		return xml_err(e, n,
			       "<transient shareBacking='%s'>: expected yes "
			       "or no",
			       share);
	if (dk->device == DISK_DEVICE_CDROM || dk->readonly)
		return xml_err(e, n,
			       "<transient/> on a read-only disk: the guest "
			       "writes nothing to keep or throw away");
	if (dk->shareable)
		return xml_err(e, n,
			       "<transient/> and <shareable/> together: "
			       "each guest would write its own overlay");
	dk->transient = true;
	dk->share_backing = share && streq(share, "yes");
	return 0;
}

/* Refuses any attribute of @n beyond @known: how a disk's storage is
 * reached is kept whole or not at all. */
static int only_attrs(const xmlNode *n, const char *const *known,
		      struct err **e)
{
	return xml_only_attrs(n, known, "", e);
}

/* <host name= port=/> or <host transport='unix' socket=/>. */
static int parse_net_host(const xmlNode *n, struct disk_host *h, struct err **e)
{
	static const char *const attrs[] = {"name", "port", "transport",
					    "socket", NULL};
	_cleanup_free_ char *transport = xml_attr(n, "transport");
	_cleanup_free_ char *port = xml_attr(n, "port");
	uint64_t v;

	if (only_attrs(n, attrs, e) < 0)
		return -EINVAL;
	if (transport && !streq(transport, "tcp") && !streq(transport, "unix"))
		return xml_err(e, n,
			       "<host transport='%s'> not supported (tcp, "
			       "unix)",
			       transport);
	h->name = xml_attr(n, "name");
	h->socket = xml_attr(n, "socket");
	if (transport && streq(transport, "unix")) {
		if (!h->socket || h->socket[0] != '/' || h->name || port)
			return xml_err(e, n,
				       "<host transport='unix'> takes an "
				       "absolute socket= and no name= or "
				       "port=");
		return 0;
	}
	if (h->socket || !h->name || !*h->name ||
	    strspn(h->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
			    "TUVWXYZ0123456789.-:_[]") != strlen(h->name))
		return xml_err(e, n,
			       "<host name='%s'>: not a host name or "
			       "address",
			       h->name ? h->name : "");
	if (port && xml_uint(n, "port", port, 1, 65535, &v, e) < 0)
		return -EINVAL;
	h->port = port ? (unsigned)v : 0;
	return 0;
}

/* An optional number attribute @attr of child @name into *@out. */
static int child_num(const xmlNode *n, const char *attr, uint64_t max,
		     uint64_t *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);

	if (only_attrs(n, (const char *const[]){attr, NULL}, e) < 0)
		return -EINVAL;
	if (!v)
		return xml_err(e, n, "missing %s=", attr);
	return xml_uint(n, attr, v, 1, max, out, e) < 0 ? -EINVAL : 0;
}

/* One child of a network <source>, as its protocol takes it. */
static int parse_net_child(const xmlNode *c, struct disk_net *n, struct err **e)
{
	const char *name = (const char *)c->name;
	enum disk_protocol p = n->protocol;
	bool curl = p >= DISK_PROTO_HTTP && p <= DISK_PROTO_FTPS;
	uint64_t v;

	if (streq(name, "host")) {
		if (n->n_hosts == DISK_MAX_HOSTS)
			return xml_err(e, c, "more than %d <host>",
				       DISK_MAX_HOSTS);
		n->hosts = xreallocarray(n->hosts, n->n_hosts + 1,
					 sizeof(*n->hosts));
		n->hosts[n->n_hosts] = (struct disk_host){0};
		return parse_net_host(c, &n->hosts[n->n_hosts++], e);
	}
	if (streq(name, "auth") || streq(name, "encryption"))
		return xml_err(e, c,
			       "<%s> not supported: nido keeps no secrets "
			       "for QEMU yet",
			       name);
	if (streq(name, "snapshot") && p == DISK_PROTO_RBD && !n->snapshot) {
		if (only_attrs(c, (const char *const[]){"name", NULL}, e) < 0)
			return -EINVAL;
		n->snapshot = xml_attr(c, "name");
		return n->snapshot && *n->snapshot
			       ? 0
			       : xml_err(e, c, "missing name=");
	}
	if (streq(name, "config") && p == DISK_PROTO_RBD && !n->config) {
		if (only_attrs(c, (const char *const[]){"file", NULL}, e) < 0)
			return -EINVAL;
		n->config = xml_attr(c, "file");
		return n->config && *n->config == '/'
			       ? 0
			       : xml_err(e, c,
					 "file= must be an absolute path");
	}
	if (streq(name, "timeout") && curl)
		return child_num(c, "seconds", UINT32_MAX, &n->timeout_s, e);
	if (streq(name, "readahead") && curl)
		return child_num(c, "size", UINT32_MAX, &n->readahead, e);
	if (streq(name, "reconnect") && p == DISK_PROTO_NBD) {
		if (child_num(c, "delay", UINT32_MAX, &v, e) < 0)
			return -EINVAL;
		n->reconnect_s = (unsigned)v;
		return 0;
	}
	if (streq(name, "ssl") &&
	    (p == DISK_PROTO_HTTPS || p == DISK_PROTO_FTPS)) {
		_cleanup_free_ char *verify = xml_attr(c, "verify");
		int r;

		if (only_attrs(c, (const char *const[]){"verify", NULL}, e) < 0)
			return -EINVAL;
		r = xml_enum(c, "ssl verify", verify ? verify : "",
			     (const char *const[]){"yes", "no", NULL}, e);
		if (r < 0)
			return r;
		n->ssl_verify =
			r == 0 ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
		return 0;
	}
	return xml_err(e, c, "<%s> not supported for protocol '%s'", name,
		       disk_protocol_names[p]);
}

/* What each protocol's <source> must have: its hosts, its name. */
static int check_net_source(const xmlNode *src, const struct disk_net *n,
			    struct err **e)
{
	enum disk_protocol p = n->protocol;
	bool unix_ok = p == DISK_PROTO_NBD || p == DISK_PROTO_GLUSTER;
	size_t min = p == DISK_PROTO_RBD ? 0 : 1;
	size_t max = p == DISK_PROTO_RBD || p == DISK_PROTO_GLUSTER
			     ? DISK_MAX_HOSTS
			     : 1;
	const char *slash = n->name ? strchr(n->name, '/') : NULL;

	if (n->n_hosts < min || n->n_hosts > max)
		return xml_err(e, src, "protocol '%s' takes %zu to %zu <host>",
			       disk_protocol_names[p], min, max);
	for (size_t i = 0; i < n->n_hosts; i++)
		if ((n->hosts[i].socket && !unix_ok) ||
		    (p == DISK_PROTO_NFS && n->hosts[i].port))
			return xml_err(e, src,
				       "protocol '%s': <host> %s not supported",
				       disk_protocol_names[p],
				       n->hosts[i].socket ? "transport='unix'"
							  : "port=");
	if (!n->name && p != DISK_PROTO_NBD)
		return xml_err(e, src, "protocol '%s' needs a name=",
			       disk_protocol_names[p]);
	if ((p == DISK_PROTO_RBD || p == DISK_PROTO_GLUSTER) &&
	    (!slash || slash == n->name || !slash[1]))
		return xml_err(e, src, "name '%s': protocol '%s' names %s",
			       n->name, disk_protocol_names[p],
			       p == DISK_PROTO_RBD ? "pool/image"
						   : "volume/path");
	if (p == DISK_PROTO_ISCSI && slash &&
	    (!slash[1] ||
	     strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	     strlen(slash + 1) > 5))
		return xml_err(e, src, "name '%s': an iSCSI name is IQN[/LUN]",
			       n->name);
	if (p == DISK_PROTO_RBD &&
	    (strchr(n->name, ':') || strchr(slash + 1, '/')))
		return xml_err(e, src,
			       "name '%s': rbd options after ':' or a "
			       "namespace not supported (pool/image)",
			       n->name);
	return 0;
}

/* A name people read for the disk (@source): the protocol's URI. */
static char *net_display(const struct disk_net *n)
{
	const struct disk_host *h = n->n_hosts ? &n->hosts[0] : NULL;
	const char *name = n->name ? n->name : "";

	if (h && h->socket)
		return xasprintf("%s+unix:///%s?socket=%s",
				 disk_protocol_names[n->protocol],
				 name + (*name == '/'), h->socket);
	if (h && h->port)
		return xasprintf("%s://%s:%u/%s",
				 disk_protocol_names[n->protocol], h->name,
				 h->port, name + (*name == '/'));
	return xasprintf("%s://%s/%s", disk_protocol_names[n->protocol],
			 h ? h->name : "", name + (*name == '/'));
}

/* <disk type='network'><source protocol= name=> and its children. */
static int parse_disk_network(const xmlNode *disk, struct domain_disk *dk,
			      struct xml_warnings *w, struct err **e)
{
	const xmlNode *src = xml_child(disk, "source");
	_cleanup_free_ char *proto = src ? xml_attr(src, "protocol") : NULL;
	_cleanup_free_ char *tls = src ? xml_attr(src, "tls") : NULL;
	struct disk_net *n;
	int r;

	if (!src || !proto)
		return xml_err(e, src ? src : disk,
			       "<disk type='network'>: missing <source "
			       "protocol=>");

	/* each child is read or refused below */
	xml_check_known(src, (const char *const[]){"protocol", "name", NULL},
			(const char *const[]){"host", "snapshot", "config",
					      "timeout", "readahead", "ssl",
					      "reconnect", "auth", "encryption",
					      NULL},
			w);
	if (tls)
		return xml_err(e, src,
			       "tls= not supported (QEMU's TLS "
			       "credentials are not set up by nido)");
	if ((r = xml_enum(src, "disk protocol", proto, disk_protocol_names,
			  e)) < 0)
		return r;
	n = dk->net = xcalloc(1, sizeof(*dk->net));
	n->protocol = (enum disk_protocol)r;
	n->name = xml_attr(src, "name");
	for (const xmlNode *c = src->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && parse_net_child(c, n, e) < 0)
			return -EINVAL;
	if (check_net_source(src, n, e) < 0)
		return -EINVAL;
	dk->source = net_display(n);
	return 0;
}

static void format_net_source(FILE *f, const struct disk_net *n)
{
	fprintf(f, "      <source protocol='%s'",
		disk_protocol_names[n->protocol]);
	xml_put_attr(f, "name", n->name);
	fputs(">\n", f);
	for (size_t i = 0; i < n->n_hosts; i++) {
		const struct disk_host *h = &n->hosts[i];

		fputs("        <host", f);
		if (h->socket) {
			fputs(" transport='unix'", f);
			xml_put_attr(f, "socket", h->socket);
		}
		xml_put_attr(f, "name", h->name);
		if (h->port)
			fprintf(f, " port='%u'", h->port);
		fputs("/>\n", f);
	}
	if (n->snapshot) {
		fputs("        <snapshot", f);
		xml_put_attr(f, "name", n->snapshot);
		fputs("/>\n", f);
	}
	if (n->config) {
		fputs("        <config", f);
		xml_put_attr(f, "file", n->config);
		fputs("/>\n", f);
	}
	if (n->ssl_verify)
		fprintf(f, "        <ssl verify='%s'/>\n",
			n->ssl_verify == DOMAIN_TRISTATE_ON ? "yes" : "no");
	if (n->readahead)
		fprintf(f, "        <readahead size='%" PRIu64 "'/>\n",
			n->readahead);
	if (n->timeout_s)
		fprintf(f, "        <timeout seconds='%" PRIu64 "'/>\n",
			n->timeout_s);
	if (n->reconnect_s)
		fprintf(f, "        <reconnect delay='%u'/>\n", n->reconnect_s);
	fputs("      </source>\n", f);
}

static void disk_net_free(struct disk_net *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_hosts; i++) {
		free(n->hosts[i].name);
		free(n->hosts[i].socket);
	}
	free(n->hosts);
	free(n->name);
	free(n->snapshot);
	free(n->config);
	free(n->user);
	free(n);
}

void domain_disk_set_net(struct domain_disk *dk, struct disk_net *n)
{
	disk_net_free(dk->net);
	dk->net = n;
	free(dk->source);
	dk->source = n ? net_display(n) : NULL;
}

int domain_disk_parse(const xmlNode *disk, struct domain_disk *dk,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "device", NULL};
	static const char *const children[] = {
		"driver",	"source",     "target",	   "readonly",
		"serial",	"alias",      "shareable", "iotune",
		"backingStore", "boot",	      "address",   "transient",
		"auth",		"encryption", "wwn",	   "geometry",
		"vendor",	"product",    NULL};
	_cleanup_free_ char *type = xml_attr(disk, "type");
	_cleanup_free_ char *device = xml_attr(disk, "device");
	xmlNode *n;
	int r;

	xml_check_known(disk, attrs, children, w);
	if (type && !streq(type, "file") && !streq(type, "block") &&
	    !streq(type, "volume") && !streq(type, "network"))
		return xml_err(e, disk,
			       "disk type '%s' not supported "
			       "(expected file, block, volume or network)",
			       type);
	/* QEMU's secret objects would carry them: none yet (docs/xml.md) */
	if ((n = xml_child(disk, "auth")) ||
	    (n = xml_child(disk, "encryption")))
		return xml_err(e, n,
			       "<%s> not supported: nido keeps no secrets "
			       "for QEMU yet",
			       (const char *)n->name);
	dk->block = type && streq(type, "block");
	r = xml_enum(disk, "disk device", device ? device : "disk",
		     disk_device_names, e);
	if (r < 0)
		return r;
	dk->device = r;
	dk->readonly = dk->device == DISK_DEVICE_CDROM ||
		       xml_child(disk, "readonly") != NULL;
	dk->shareable = xml_child(disk, "shareable") != NULL;
	if ((n = xml_child(disk, "iotune")) &&
	    (parse_iotune(n, dk->iotune, w, e) < 0 ||
	     domain_disk_iotune_parse(n, dk, e) < 0))
		return -EINVAL;

	dk->format = DISK_FORMAT_RAW;
	if ((n = xml_child(disk, "driver")) &&
	    parse_disk_driver(n, dk, w, e) < 0)
		return -EINVAL;
	if (type && streq(type, "volume")) {
		if (parse_disk_volume(disk, dk, w, e) < 0)
			return -EINVAL;
	} else if (type && streq(type, "network")) {
		if (parse_disk_network(disk, dk, w, e) < 0)
			return -EINVAL;
	} else if (parse_disk_source(disk, dk, w, e) < 0)
		return -EINVAL;
	if (parse_disk_transient(disk, dk, w, e) < 0)
		return -EINVAL;
	if (domain_parse_address(disk, &dk->pci, &dk->drive, e) < 0)
		return -EINVAL;
	if (parse_backing(disk, dk, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(disk, "serial")))
		dk->serial = xml_text(n);
	if (dk->serial && strlen(dk->serial) > 20)
		return xml_err(e, n, "serial '%s' longer than 20 characters",
			       dk->serial);
	if (domain_disk_parse_boot(disk, dk, w, e) < 0 ||
	    parse_wwn(disk, dk, e) < 0 || parse_disk_target(disk, dk, w, e) < 0)
		return -EINVAL;
	return domain_disk_opts_parse(disk, xml_child(disk, "driver"), dk, e);
}

static void format_iotune(FILE *f, const struct domain_disk *dk)
{
	const uint64_t *v = dk->iotune;
	bool any = domain_disk_iotune_ext_any(dk);

	for (int i = 0; i < 6; i++)
		any |= v[i] != 0;
	if (!any)
		return;
	fputs("      <iotune>\n", f);
	for (int i = 0; i < 6; i++)
		if (v[i])
			fprintf(f, "        <%s>%" PRIu64 "</%s>\n",
				domain_iotune_names[i], v[i],
				domain_iotune_names[i]);
	domain_disk_iotune_ext_format(f, dk);
	fputs("      </iotune>\n", f);
}

static void format_backing(FILE *f, const struct domain_disk *dk)
{
	size_t i;

	for (i = 0; i < dk->n_backing; i++) {
		const struct disk_backing *b = &dk->backing[i];

		fprintf(f, "%*s<backingStore type='file'", (int)(6 + 2 * i),
			"");
		if (dk->backing_live) /* as libvirt numbers the chain */
			fprintf(f, " index='%zu'", i + 1);
		fputs(">\n", f);
		if (b->format && b->metadata_cache) {
			fprintf(f, "%*s<format type='%s'>\n", (int)(8 + 2 * i),
				"", b->format);
			domain_disk_metadata_cache_format(f, (int)(10 + 2 * i),
							  b->metadata_cache);
			fprintf(f, "%*s</format>\n", (int)(8 + 2 * i), "");
		} else if (b->format) {
			fprintf(f, "%*s<format type='%s'/>\n", (int)(8 + 2 * i),
				"", b->format);
		}
		fprintf(f, "%*s<source", (int)(8 + 2 * i), "");
		xml_put_attr(f, "file", b->path);
		fputs("/>\n", f);
	}
	if (dk->backing_end)
		fprintf(f, "%*s<backingStore/>\n", (int)(6 + 2 * i), "");
	while (i-- > 0)
		fprintf(f, "%*s</backingStore>\n", (int)(6 + 2 * i), "");
}

static void format_source(FILE *f, const struct domain_disk *dk)
{
	if (dk->net && !dk->pool) { /* a volume's is its pool's */
		format_net_source(f, dk->net);
		return;
	}
	fputs("      <source", f);
	if (dk->pool) {
		xml_put_attr(f, "pool", dk->pool);
		xml_put_attr(f, "volume", dk->volume);
	} else
		xml_put_attr(f, dk->block ? "dev" : "file", dk->source);
	domain_disk_opts_format_source(f, dk);
	fputs("/>\n", f);
}

void domain_disk_format(FILE *f, const struct domain_disk *dk)
{
	fprintf(f, "    <disk type='%s' device='%s'>\n",
		dk->pool    ? "volume"
		: dk->net   ? "network"
		: dk->block ? "block"
			    : "file",
		disk_device_names[dk->device]);
	fprintf(f, "      <driver name='qemu' type='%s'",
		format_names[dk->format]);
	xml_put_attr(f, "cache", dk->cache);
	xml_put_attr(f, "io", dk->io);
	if (dk->discard)
		xml_put_attr(f, "discard", discard_names[dk->discard]);
	xml_put_attr(f, "detect_zeroes", dk->detect_zeroes);
	if (dk->iothread)
		fprintf(f, " iothread='%u'", dk->iothread);
	if (dk->queues)
		fprintf(f, " queues='%u'", dk->queues);
	if (dk->queue_size)
		fprintf(f, " queue_size='%u'", dk->queue_size);
	domain_disk_opts_format_driver(f, dk);
	if (dk->opts.metadata_cache) {
		fputs(">\n", f);
		domain_disk_metadata_cache_format(f, 8,
						  dk->opts.metadata_cache);
		fputs("      </driver>\n", f);
	} else {
		fputs("/>\n", f);
	}
	format_source(f, dk);
	format_backing(f, dk);
	fputs("      <target", f);
	xml_put_attr(f, "dev", dk->target);
	fprintf(f, " bus='%s'", disk_bus_names[dk->bus]);
	if (dk->rotation_rate)
		fprintf(f, " rotation_rate='%u'", dk->rotation_rate);
	domain_disk_opts_format_target(f, dk);
	if (dk->removable)
		fprintf(f, " removable='%s'",
			dk->removable == DOMAIN_TRISTATE_ON ? "on" : "off");
	fputs("/>\n", f);
	if (dk->readonly)
		fputs("      <readonly/>\n", f);
	if (dk->shareable)
		fputs("      <shareable/>\n", f);
	if (dk->transient)
		fprintf(f, "      <transient%s/>\n",
			dk->share_backing ? " shareBacking='yes'" : "");
	format_iotune(f, dk);
	xml_put_text(f, 6, "serial", dk->serial);
	xml_put_text(f, 6, "wwn", dk->wwn);
	domain_disk_opts_format(f, dk);
	domain_disk_format_boot(f, dk);
	domain_format_drive_address(f, 6, &dk->drive);
	domain_format_pci_address(f, 6, &dk->pci);
	fputs("    </disk>\n", f);
}

void domain_disk_clear(struct domain_disk *dk)
{
	free(dk->source);
	free(dk->pool);
	free(dk->volume);
	free(dk->target);
	free(dk->serial);
	free(dk->cache);
	free(dk->io);
	free(dk->detect_zeroes);
	free(dk->wwn);
	for (size_t j = 0; j < dk->n_backing; j++) {
		free(dk->backing[j].path);
		free(dk->backing[j].format);
	}
	free(dk->backing);
	disk_net_free(dk->net);
	disk_opts_clear(&dk->opts);
}

int domain_parse_fdc(const xmlNode *c, struct domain_def *d, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(c, "type");
	_cleanup_free_ char *index = NULL;

	if (!xmlStrEqual(c->name, BAD_CAST "controller") || !type ||
	    !streq(type, "fdc"))
		return 0;
	for (const xmlAttr *p = c->properties; p; p = p->next)
		if (!streq((const char *)p->name, "type") &&
		    !streq((const char *)p->name, "index"))
			return xml_err(e, c,
				       "<controller type='fdc'>: unknown "
				       "attribute '%s'",
				       (const char *)p->name);
	for (const xmlNode *n = c->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    !xmlStrEqual(n->name, BAD_CAST "alias"))
			return xml_err(e, n,
				       "<controller type='fdc'>: <%s> not "
				       "supported",
				       (const char *)n->name);
	index = xml_attr(c, "index");
	if ((index && !streq(index, "0")) || d->fdc)
		return xml_err(e, c,
			       "<controller type='fdc' index='%s'>: a PC has "
			       "one FDC, index 0",
			       index ? index : "0");
	d->fdc = true;
	return 1;
}
