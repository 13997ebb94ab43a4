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

/* Writes <tag>escaped text</tag> at @indent spaces when @text is set. */
static void put_text(FILE *f, int indent, const char *tag, const char *text)
{
	if (!text)
		return;
	fprintf(f, "%*s<%s>", indent, "", tag);
	xml_escape_text(f, text);
	fprintf(f, "</%s>\n", tag);
}

/* Writes " name='escaped value'" when @value is set. */
static void put_attr(FILE *f, const char *name, const char *value)
{
	if (!value)
		return;
	fprintf(f, " %s='", name);
	xml_escape_attr(f, value);
	fputc('\'', f);
}

/*
 * <target dev='vda' bus='virtio'/>: libvirt's device names (vd, sd, hd
 * and a letter or more); the bus follows the name when not given.
 */
static int parse_disk_target(const xmlNode *disk, struct domain_disk *dk,
			     struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"dev", "bus", NULL};
	static const char *const prefixes[] = {"vd", "sd", "hd", "fd"};
	static const enum disk_bus buses[] = {DISK_BUS_VIRTIO, DISK_BUS_SCSI,
					      DISK_BUS_IDE, DISK_BUS_FDC};
	xmlNode *n = xml_child(disk, "target");
	const char *t;
	int v = 0, r;

	if (!n)
		return xml_err(e, disk, "missing <target dev='vdX'/>");
	xml_check_known(n, attrs, NULL, w);
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

/* <iotune>: limits per second; a total one excludes read and write ones. */
static int parse_iotune(const xmlNode *io, uint64_t v[6],
			struct xml_warnings *w, struct err **e)
{
	static const char *const kinds[] = {"bytes_sec", "iops_sec"};
	xmlNode *n;

	xml_check_known(io, (const char *const[]){NULL}, domain_iotune_names,
			w);
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
	static const char *const attrs[] = {"name",    "type", "cache",
					    "discard", "io",   NULL};
	int v = 0, r;

	xml_check_known(n, attrs, NULL, w);
	if ((r = parse_enum_attr(n, "type", "disk format", format_names, &v,
				 e)) < 0)
		return r;
	dk->format = r ? v : DISK_FORMAT_RAW;
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
			(const char *const[]){dk->block ? "dev" : "file", NULL},
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
	xml_check_known(n, (const char *const[]){"pool", "volume", NULL}, NULL,
			w);
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

int domain_disk_parse(const xmlNode *disk, struct domain_disk *dk,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "device", NULL};
	static const char *const children[] = {
		"driver",  "source",	"target", "readonly",	  "serial",
		"alias",   "shareable", "iotune", "backingStore", "boot",
		"address", "transient", NULL};
	_cleanup_free_ char *type = xml_attr(disk, "type");
	_cleanup_free_ char *device = xml_attr(disk, "device");
	xmlNode *n;
	int r;

	xml_check_known(disk, attrs, children, w);
	if (type && !streq(type, "file") && !streq(type, "block") &&
	    !streq(type, "volume"))
		return xml_err(e, disk,
			       "disk type '%s' not supported "
			       "(expected file, block or volume)",
			       type);
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
	    parse_iotune(n, dk->iotune, w, e) < 0)
		return -EINVAL;

	dk->format = DISK_FORMAT_RAW;
	if ((n = xml_child(disk, "driver")) &&
	    parse_disk_driver(n, dk, w, e) < 0)
		return -EINVAL;
	if (type && streq(type, "volume")) {
		if (parse_disk_volume(disk, dk, w, e) < 0)
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
	if (domain_disk_parse_boot(disk, dk, w, e) < 0)
		return -EINVAL;
	return parse_disk_target(disk, dk, w, e);
}

static void format_iotune(FILE *f, const uint64_t v[6])
{
	bool any = false;

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
	fputs("      </iotune>\n", f);
}

static void format_backing(FILE *f, const struct domain_disk *dk)
{
	size_t i;

	for (i = 0; i < dk->n_backing; i++) {
		const struct disk_backing *b = &dk->backing[i];

		fprintf(f, "%*s<backingStore type='file'>\n", (int)(6 + 2 * i),
			"");
		if (b->format)
			fprintf(f, "%*s<format type='%s'/>\n", (int)(8 + 2 * i),
				"", b->format);
		fprintf(f, "%*s<source", (int)(8 + 2 * i), "");
		put_attr(f, "file", b->path);
		fputs("/>\n", f);
	}
	if (dk->backing_end)
		fprintf(f, "%*s<backingStore/>\n", (int)(6 + 2 * i), "");
	while (i-- > 0)
		fprintf(f, "%*s</backingStore>\n", (int)(6 + 2 * i), "");
}

void domain_disk_format(FILE *f, const struct domain_disk *dk)
{
	fprintf(f, "    <disk type='%s' device='%s'>\n",
		dk->pool    ? "volume"
		: dk->block ? "block"
			    : "file",
		disk_device_names[dk->device]);
	fprintf(f, "      <driver name='qemu' type='%s'",
		format_names[dk->format]);
	put_attr(f, "cache", dk->cache);
	put_attr(f, "io", dk->io);
	if (dk->discard)
		put_attr(f, "discard", discard_names[dk->discard]);
	fputs("/>\n      <source", f);
	if (dk->pool) {
		put_attr(f, "pool", dk->pool);
		put_attr(f, "volume", dk->volume);
	} else
		put_attr(f, dk->block ? "dev" : "file", dk->source);
	fputs("/>\n", f);
	format_backing(f, dk);
	fputs("      <target", f);
	put_attr(f, "dev", dk->target);
	fprintf(f, " bus='%s'/>\n", disk_bus_names[dk->bus]);
	if (dk->readonly)
		fputs("      <readonly/>\n", f);
	if (dk->shareable)
		fputs("      <shareable/>\n", f);
	if (dk->transient)
		fprintf(f, "      <transient%s/>\n",
			dk->share_backing ? " shareBacking='yes'" : "");
	format_iotune(f, dk->iotune);
	put_text(f, 6, "serial", dk->serial);
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
	for (size_t j = 0; j < dk->n_backing; j++) {
		free(dk->backing[j].path);
		free(dk->backing[j].format);
	}
	free(dk->backing);
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
