// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A <disk>'s options for its device (domain_conf_disk_opts.h): the
 * error policies, copy-on-read, virtio-blk's ioeventfd and event_idx
 * and virtio options, the BIOS <geometry>, SCSI's <vendor> and
 * <product> (its inquiry data) and a removable disk's <target tray=>.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf_disk_opts.h"
#include "daemon/domain_conf_virtio.h"
#include "lib/size.h"

const char *const disk_error_names[] = {"",	  "stop",     "report",
					"ignore", "enospace", NULL};
const char *const disk_trans_names[] = {"", "none", "lba", "auto", NULL};
static const char *const tray_names[] = {"", "closed", "open", NULL};
static const char *const startup_names[] = {"", "mandatory", "requisite",
					    "optional", NULL};
static const char *const on_off[] = {"", "on", "off", NULL};

const char *const disk_opts_driver_attrs[] = {"error_policy", "rerror_policy",
					      "copy_on_read", "ioeventfd",
					      "event_idx",    "iommu",
					      "ats",	      "packed",
					      "page_per_vq",  NULL};

static int parse_driver(const xmlNode *drv, struct domain_disk *dk,
			struct err **e)
{
	struct disk_opts *o = &dk->opts;
	int v[5];

	if (xml_enum_attr(drv, "error_policy", "error_policy", disk_error_names,
			  &v[0], e) < 0 ||
	    xml_enum_attr(drv, "rerror_policy", "rerror_policy",
			  disk_error_names, &v[1], e) < 0 ||
	    xml_enum_attr(drv, "copy_on_read", "copy_on_read", on_off, &v[2],
			  e) < 0 ||
	    xml_enum_attr(drv, "ioeventfd", "ioeventfd", on_off, &v[3], e) <
		    0 ||
	    xml_enum_attr(drv, "event_idx", "event_idx", on_off, &v[4], e) < 0)
		return -EINVAL;
	if (v[1] == DISK_ERROR_ENOSPACE)
		return xml_err(e, drv,
			       "invalid rerror_policy 'enospace' (expected "
			       "stop, report, ignore)");
	o->error_policy = v[0];
	o->rerror_policy = v[1];
	o->copy_on_read = v[2];
	o->ioeventfd = v[3];
	o->event_idx = v[4];
	return drv ? domain_virtio_opts_parse(drv, &dk->virtio, e) : 0;
}

/* <geometry cyls= heads= secs= trans=>: all three numbers, as QEMU
 * takes them. */
static int parse_geometry(const xmlNode *g, struct disk_opts *o, struct err **e)
{
	static const char *const attrs[] = {"cyls", "heads", "secs", "trans",
					    NULL};
	static const uint64_t max[] = {65535, 255, 255};
	unsigned *out[] = {&o->cyls, &o->heads, &o->secs};
	int t;

	if (xml_only_attrs(g, attrs, "<geometry> ", e) < 0)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		_cleanup_free_ char *v = xml_attr(g, attrs[i]);
		uint64_t u;

		if (!v)
			return xml_err(e, g, "missing %s=", attrs[i]);
		if (xml_uint(g, attrs[i], v, 1, max[i], &u, e) < 0)
			return -EINVAL;
		*out[i] = (unsigned)u;
	}
	if (xml_enum_attr(g, "trans", "geometry trans", disk_trans_names, &t,
			  e) < 0)
		return -EINVAL;
	o->trans = t;
	return 0;
}

/* <vendor> or <product>: printable ASCII, at most @max characters. */
static int parse_inquiry(const xmlNode *disk, const char *name, size_t max,
			 char **out, struct err **e)
{
	const xmlNode *n = xml_child(disk, name);

	if (!n)
		return 0;
	*out = xml_text(n);
	for (const char *c = *out; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			return xml_err(e, n,
				       "<%s>: '%s' holds a character that is "
				       "not printable ASCII",
				       name, *out);
	if (!**out || strlen(*out) > max)
		return xml_err(e, n, "<%s> '%s': 1 to %zu characters", name,
			       *out, max);
	return 0;
}

/* What libvirt refuses of these options on @dk's bus and device. */
static int check_bus(const xmlNode *disk, const struct domain_disk *dk,
		     struct err **e)
{
	const struct disk_opts *o = &dk->opts;
	const char *bus = disk_bus_names[dk->bus];
	bool removable = dk->device == DISK_DEVICE_CDROM ||
			 dk->device == DISK_DEVICE_FLOPPY;

	if (dk->bus != DISK_BUS_VIRTIO && (o->ioeventfd || o->event_idx))
		return xml_err(e, disk,
			       "<driver %s=>: only a virtio disk has it (bus "
			       "'%s')",
			       o->ioeventfd ? "ioeventfd" : "event_idx", bus);
	if (dk->bus != DISK_BUS_VIRTIO && domain_virtio_opts_any(&dk->virtio))
		return xml_err(e, disk,
			       "<driver> virtio options on a disk on bus "
			       "'%s': only a virtio disk has them",
			       bus);
	if ((o->error_policy || o->rerror_policy) &&
	    (dk->bus == DISK_BUS_FDC || dk->bus == DISK_BUS_USB))
		return xml_err(e, disk,
			       "<driver error_policy=>: QEMU's %s devices "
			       "have no error policy",
			       bus);
	if ((o->vendor || o->product) && dk->bus != DISK_BUS_SCSI)
		return xml_err(e, disk,
			       "<vendor> and <product>: only a SCSI disk has "
			       "them (bus '%s')",
			       bus);
	if (o->tray && !removable)
		return xml_err(e, disk,
			       "<target tray=>: only a cdrom or floppy has a "
			       "tray");
	if (o->cyls &&
	    (removable || dk->bus == DISK_BUS_SATA || dk->bus == DISK_BUS_USB))
		return xml_err(e, disk,
			       "<geometry>: not supported on a %s on bus "
			       "'%s' (a disk on ide, scsi or virtio)",
			       removable ? "cdrom or floppy" : "disk", bus);
	if (o->trans && dk->bus != DISK_BUS_IDE)
		return xml_err(e, disk,
			       "<geometry trans=>: only an IDE disk has a "
			       "BIOS translation (bus '%s')",
			       bus);
	if (o->copy_on_read == DOMAIN_TRISTATE_ON && dk->readonly)
		return xml_err(e, disk,
			       "<driver copy_on_read='on'> on a read-only "
			       "disk: nothing could be copied into it");
	return 0;
}

/*
 * <source startupPolicy=>, as libvirt takes it: not on a network disk;
 * requisite on a cdrom or floppy only. An optional cdrom or floppy
 * would start as an empty drive, which nido has not yet: refused.
 */
static int parse_startup(const xmlNode *disk, struct domain_disk *dk,
			 struct err **e)
{
	const xmlNode *src = xml_child(disk, "source");
	bool removable = dk->device == DISK_DEVICE_CDROM ||
			 dk->device == DISK_DEVICE_FLOPPY;
	int v;

	if (xml_enum_attr(src, "startupPolicy", "startupPolicy", startup_names,
			  &v, e) < 0)
		return -EINVAL;
	dk->opts.startup = v;
	if (v && dk->net)
		return xml_err(e, src,
			       "startupPolicy on a network disk: QEMU reaches "
			       "it, nidod cannot look for it");
	if (v == DISK_STARTUP_REQUISITE && !removable)
		return xml_err(e, src,
			       "startupPolicy 'requisite' is for a cdrom or "
			       "floppy only");
	if (v == DISK_STARTUP_OPTIONAL && removable)
		return xml_err(e, src,
			       "startupPolicy 'optional' on a %s: it would "
			       "start as an empty drive, which nido has not "
			       "yet",
			       dk->device == DISK_DEVICE_CDROM ? "cdrom"
							       : "floppy");
	return 0;
}

int domain_disk_opts_parse(const xmlNode *disk, const xmlNode *drv,
			   struct domain_disk *dk, struct err **e)
{
	const xmlNode *t = xml_child(disk, "target");
	const xmlNode *g = xml_child(disk, "geometry");
	int tray;

	if (parse_startup(disk, dk, e) < 0)
		return -EINVAL;
	if (parse_driver(drv, dk, e) < 0 ||
	    (g && parse_geometry(g, &dk->opts, e) < 0) ||
	    parse_inquiry(disk, "vendor", 8, &dk->opts.vendor, e) < 0 ||
	    parse_inquiry(disk, "product", 16, &dk->opts.product, e) < 0 ||
	    xml_enum_attr(t, "tray", "tray state", tray_names, &tray, e) < 0)
		return -EINVAL;
	dk->opts.tray = tray;
	return check_bus(disk, dk, e);
}

void domain_disk_opts_format_driver(FILE *f, const struct domain_disk *dk)
{
	const struct disk_opts *o = &dk->opts;

	if (o->error_policy)
		fprintf(f, " error_policy='%s'",
			disk_error_names[o->error_policy]);
	if (o->rerror_policy)
		fprintf(f, " rerror_policy='%s'",
			disk_error_names[o->rerror_policy]);
	if (o->ioeventfd)
		fprintf(f, " ioeventfd='%s'", on_off[o->ioeventfd]);
	if (o->event_idx)
		fprintf(f, " event_idx='%s'", on_off[o->event_idx]);
	if (o->copy_on_read)
		fprintf(f, " copy_on_read='%s'", on_off[o->copy_on_read]);
	domain_virtio_opts_format(f, &dk->virtio);
}

void domain_disk_opts_format_source(FILE *f, const struct domain_disk *dk)
{
	if (dk->opts.startup)
		fprintf(f, " startupPolicy='%s'",
			startup_names[dk->opts.startup]);
}

void domain_disk_opts_format_target(FILE *f, const struct domain_disk *dk)
{
	if (dk->opts.tray)
		fprintf(f, " tray='%s'", tray_names[dk->opts.tray]);
}

void domain_disk_opts_format(FILE *f, const struct domain_disk *dk)
{
	const struct disk_opts *o = &dk->opts;

	if (o->cyls) {
		fprintf(f, "      <geometry cyls='%u' heads='%u' secs='%u'",
			o->cyls, o->heads, o->secs);
		if (o->trans)
			fprintf(f, " trans='%s'", disk_trans_names[o->trans]);
		fputs("/>\n", f);
	}
	xml_put_text(f, 6, "vendor", o->vendor);
	xml_put_text(f, 6, "product", o->product);
}

bool domain_disk_iotune_ext_any(const struct domain_disk *dk)
{
	for (size_t k = 0; k < ARRAY_SIZE(dk->opts.iotune_ext); k++)
		if (dk->opts.iotune_ext[k])
			return true;
	return dk->opts.iotune_group != NULL;
}

uint64_t domain_disk_iotune_value(const struct domain_disk *dk, size_t k)
{
	if (k < 6)
		return dk->iotune[k];
	return k == DOMAIN_IOTUNE_GROUP ? 0 : dk->opts.iotune_ext[k - 6];
}

/* A total excludes read and write, as for the rates; a burst needs its
 * rate and is not below it; a burst's length needs the burst. */
static int check_iotune(const xmlNode *io, const struct domain_disk *dk,
			struct err **e)
{
	const char *const *names = domain_iotune_all_names;

	for (size_t g = 6; g < 20; g += 8) /* the bursts, their lengths */
		for (size_t k = g; k < g + 6; k += 3)
			if (domain_disk_iotune_value(dk, k) &&
			    (domain_disk_iotune_value(dk, k + 1) ||
			     domain_disk_iotune_value(dk, k + 2)))
				return xml_err(e, io,
					       "<%s> and <%s> or <%s> cannot "
					       "be set at the same time",
					       names[k], names[k + 1],
					       names[k + 2]);
	for (size_t k = 0; k < 6; k++) {
		uint64_t rate = dk->iotune[k], max = dk->opts.iotune_ext[k];
		uint64_t len = dk->opts.iotune_ext[k + 8];

		if (max && !rate)
			return xml_err(e, io, "<%s> needs <%s>", names[k + 6],
				       names[k]);
		if (max && max < rate)
			return xml_err(e, io,
				       "<%s> %" PRIu64 " below <%s> %" PRIu64,
				       names[k + 6], max, names[k], rate);
		if (len && !max)
			return xml_err(e, io, "<%s> needs <%s>", names[k + 14],
				       names[k + 6]);
	}
	return 0;
}

int domain_disk_iotune_parse(const xmlNode *io, struct domain_disk *dk,
			     struct err **e)
{
	const xmlNode *g = xml_child(io, "group_name");

	for (size_t k = 6; k < DOMAIN_IOTUNE_ALL; k++) {
		const char *name = domain_iotune_all_names[k];
		const xmlNode *n = xml_child(io, name);
		_cleanup_free_ char *text = NULL;

		if (!n || k == DOMAIN_IOTUNE_GROUP)
			continue;
		text = xml_text(n);
		/* QEMU's limits (THROTTLE_VALUE_MAX); a burst lasts 1 s
		 * by default */
		if (xml_uint(n, name, text, 0,
			     k >= 14 ? 86400 : 1000000000000000ULL,
			     &dk->opts.iotune_ext[k - 6], e) < 0)
			return -EINVAL;
	}
	if (g) {
		dk->opts.iotune_group = xml_text(g);
		if (!*dk->opts.iotune_group ||
		    strlen(dk->opts.iotune_group) > 64 ||
		    strspn(dk->opts.iotune_group,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY"
			   "Z"
			   "0123456789_-.") != strlen(dk->opts.iotune_group))
			return xml_err(e, g,
				       "invalid group_name '%s' (1 to 64 of "
				       "A-Z a-z 0-9 _ - .)",
				       dk->opts.iotune_group);
	}
	return check_iotune(io, dk, e);
}

void domain_disk_iotune_ext_format(FILE *f, const struct domain_disk *dk)
{
	for (size_t k = 6; k < DOMAIN_IOTUNE_ALL; k++) {
		const char *name = domain_iotune_all_names[k];

		if (k == DOMAIN_IOTUNE_GROUP)
			xml_put_text(f, 8, name, dk->opts.iotune_group);
		else if (dk->opts.iotune_ext[k - 6])
			fprintf(f, "        <%s>%" PRIu64 "</%s>\n", name,
				dk->opts.iotune_ext[k - 6], name);
	}
}

int domain_disk_metadata_cache_parse(const xmlNode *parent, const char *format,
				     uint64_t *bytes, struct xml_warnings *w,
				     struct err **e)
{
	const xmlNode *mc = xml_child(parent, "metadata_cache");
	const xmlNode *max = mc ? xml_child(mc, "max_size") : NULL;
	_cleanup_free_ char *text = NULL, *unit = NULL;
	_cleanup_err_ struct err *why = NULL;

	if (!mc)
		return 0;
	xml_check_known(mc, NULL, (const char *const[]){"max_size", NULL}, w);
	if (!format || !streq(format, "qcow2"))
		return xml_err(e, mc,
			       "<metadata_cache> of a %s image: only qcow2 "
			       "has a metadata cache",
			       format ? format : "raw or unnamed");
	if (!max)
		return 0;
	if (xml_only_attrs(max, (const char *const[]){"unit", NULL}, "", e) < 0)
		return -EINVAL;
	text = xml_text(max);
	unit = xml_attr(max, "unit");
	/* libvirt's default unit here: bytes */
	if (size_parse_unit(text, unit ? unit : "B", bytes, &why) < 0)
		return xml_err(e, max, "%s", err_msg(why));
	if (!*bytes || *bytes > INT64_MAX)
		return xml_err(e, max, "<max_size> %s: 1 byte to 8 EiB", text);
	return 0;
}

void domain_disk_metadata_cache_format(FILE *f, int indent, uint64_t bytes)
{
	if (!bytes)
		return;
	fprintf(f,
		"%*s<metadata_cache>\n%*s<max_size unit='bytes'>%" PRIu64
		"</max_size>\n%*s</metadata_cache>\n",
		indent, "", indent + 2, "", bytes, indent, "");
}

void disk_opts_clear(struct disk_opts *o)
{
	free(o->iotune_group);
	free(o->vendor);
	free(o->product);
}
