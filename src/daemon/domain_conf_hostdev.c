// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <hostdev mode='subsystem' type='pci|usb|mdev|scsi|scsi_host'>
 * (domain_conf_hostdev.h): a host's PCI function, USB device, mediated
 * device, SCSI LUN or vhost-scsi target given to the guest, and a host's
 * input device (<input type='evdev|passthrough'>), as libvirt reads and
 * writes them. Every attribute either is kept or refuses the definition:
 * a host device half understood would be given wrongly.
 */
#include <ctype.h>
#include <errno.h>
#include <uuid/uuid.h>

#include "daemon/domain_conf_display.h"
#include "daemon/domain_conf_hostdev.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_usb.h"

static const char *const yes_no[] = {"", "yes", "no", NULL};
static const char *const on_off[] = {"", "on", "off", NULL};
static const char *const reset_names[] = {"", "off", "uninitialized", "on",
					  NULL};

/* An optional attribute out of @names (from index 1): its index, 0 when
 * absent, or -EINVAL with @e. */
static int enum_attr(const xmlNode *n, const char *attr, const char *what,
		     const char *const *names, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	int r;

	if (!v)
		return 0;
	r = xml_enum(n, what, v, names + 1, e);
	return r < 0 ? r : r + 1;
}

/* A decimal in @s, at most @max, into *@out; -1 when it is not one. */
static int num_attr_text(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long u;

	errno = 0;
	u = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end || errno || u > max)
		return -1;
	*out = (unsigned)u;
	return 0;
}

/* A number as libvirt reads host addresses and ids (strtoul, base 0:
 * 0x.. hex, decimal), at most @max; required when @need. */
static int num_attr(const xmlNode *n, const char *attr, unsigned max, bool need,
		    unsigned *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	char *end;
	unsigned long u;

	*out = 0;
	if (!v)
		return need ? xml_err(e, n, "missing %s=", attr) : 0;
	errno = 0;
	u = strtoul(v, &end, 0);
	if (!*v || *end || errno || u > max || v[0] == '-' || v[0] == '+')
		return xml_err(e, n, "invalid %s '%s' (0 to %#x)", attr, v,
			       max);
	*out = (unsigned)u;
	return 1;
}

/* Refuses any attribute of @n beyond @known: a host device's address
 * that nido would not keep. */
static int only_attrs(const xmlNode *n, const char *const *known,
		      struct err **e)
{
	return xml_only_attrs(n, known, "", e);
}

/* <source><address domain= bus= slot= function=/></source>. */
static int parse_pci_source(const xmlNode *src, struct domain_hostdev *h,
			    struct err **e)
{
	static const char *const attrs[] = {"domain", "bus", "slot", "function",
					    NULL};
	const xmlNode *a = xml_child(src, "address");

	if (only_attrs(src, (const char *const[]){NULL}, e) < 0)
		return -EINVAL;
	if (!a)
		return xml_err(e, src,
			       "missing <address domain= bus= slot= "
			       "function=/> of the host's PCI device");
	if (only_attrs(a, attrs, e) < 0 ||
	    num_attr(a, "domain", 0xffff, false, &h->domain, e) < 0 ||
	    num_attr(a, "bus", 0xff, true, &h->bus, e) < 0 ||
	    num_attr(a, "slot", 0x1f, true, &h->slot, e) < 0 ||
	    num_attr(a, "function", 7, true, &h->function, e) < 0)
		return -EINVAL;
	return 0;
}

/* <source><address uuid=/></source> of a mediated device. */
static int parse_mdev_source(const xmlNode *src, struct domain_hostdev *h,
			     struct err **e)
{
	const xmlNode *a = xml_child(src, "address");
	_cleanup_free_ char *uuid = NULL;
	uuid_t u;

	if (only_attrs(src, (const char *const[]){NULL}, e) < 0)
		return -EINVAL;
	if (!a)
		return xml_err(e, src,
			       "missing <address uuid=/> of the mediated "
			       "device");
	if (!(uuid = xml_attr(a, "uuid")))
		return xml_err(e, a, "missing uuid= of the mediated device");
	if (only_attrs(a, (const char *const[]){"uuid", NULL}, e) < 0)
		return -EINVAL;
	if (uuid_parse(uuid, u) < 0)
		return xml_err(e, a, "invalid uuid '%s'", uuid);
	uuid_unparse_lower(u, h->mdev_uuid);
	return 0;
}

const char *const hostdev_type_names[] = {"pci",  "usb",       "mdev",
					  "scsi", "scsi_host", NULL};
static const char *const vhost_models[] = {"", "virtio", "virtio-transitional",
					   "virtio-non-transitional", NULL};

/* A vhost-scsi target's model= (0: virtio, as not given). */
static int parse_vhost_model(const xmlNode *c, struct domain_hostdev *h,
			     struct err **e)
{
	int r = enum_attr(c, "model", "vhost-scsi model", vhost_models, e);

	if (r < 0)
		return r;
	h->vhost_model = (unsigned char)r;
	for (const char *const *k =
		     (const char *const[]){"driver", "rom", NULL};
	     *k; k++)
		if (xml_child(c, *k))
			return xml_err(e, c,
				       "<%s> on a vhost-scsi host device not "
				       "supported",
				       *k);
	return 0;
}

/* <hostdev type='mdev' model='vfio-pci' display= ramfb=>. */
static int parse_mdev(const xmlNode *c, struct domain_hostdev *h,
		      struct err **e)
{
	_cleanup_free_ char *model = xml_attr(c, "model");
	int r;

	if (!model || !streq(model, "vfio-pci"))
		return xml_err(e, c,
			       "<hostdev type='mdev' model='%s'> not "
			       "supported (vfio-pci)",
			       model ? model : "");
	if ((r = enum_attr(c, "display", "display", on_off, e)) < 0)
		return r;
	h->display = (enum domain_tristate)r;
	if ((r = enum_attr(c, "ramfb", "ramfb", on_off, e)) < 0)
		return r;
	h->ramfb = (enum domain_tristate)r;
	for (const char *const *k =
		     (const char *const[]){"driver", "rom", "boot", NULL};
	     *k; k++)
		if (xml_child(c, *k))
			return xml_err(e, c,
				       "<%s> on a mediated device not "
				       "supported",
				       *k);
	return 0;
}

/* <source><adapter name='scsi_hostN'/><address bus= target= unit=/>
 * of a SCSI host device: the host's LUN. */
static int parse_scsi_source(const xmlNode *src, struct domain_hostdev *h,
			     struct err **e)
{
	const xmlNode *ad = xml_child(src, "adapter");
	const xmlNode *a = xml_child(src, "address");
	_cleanup_free_ char *name = NULL, *proto = xml_attr(src, "protocol");
	_cleanup_free_ char *unit = NULL;
	char *end;

	if (proto)
		return xml_err(e, src,
			       "<source protocol='%s'> on a SCSI host device "
			       "not supported (a host's adapter)",
			       proto);
	if (only_attrs(src, (const char *const[]){NULL}, e) < 0)
		return -EINVAL;
	if (!ad || !a)
		return xml_err(e, src,
			       "a SCSI host device needs <adapter name=/> and "
			       "<address bus= target= unit=/>");
	if (only_attrs(ad, (const char *const[]){"name", NULL}, e) < 0 ||
	    only_attrs(a, (const char *const[]){"bus", "target", "unit", NULL},
		       e) < 0)
		return -EINVAL;
	name = xml_attr(ad, "name");
	if (!name || !str_has_prefix(name, "scsi_host") ||
	    num_attr_text(name + 9, 0x7fffffff, &h->scsi_host) < 0)
		return xml_err(e, ad, "invalid adapter name '%s' (scsi_hostN)",
			       name ? name : "");
	if (num_attr(a, "bus", 0xffff, true, &h->scsi_bus, e) < 0 ||
	    num_attr(a, "target", 0xffff, true, &h->scsi_target, e) < 0)
		return -EINVAL;
	if (!(unit = xml_attr(a, "unit")))
		return xml_err(e, a, "missing unit=");
	errno = 0;
	h->scsi_unit = strtoull(unit, &end, 10);
	if (!*unit || *end || errno || !isdigit((unsigned char)unit[0]) ||
	    h->scsi_unit > 0xffffffffull)
		return xml_err(e, a, "invalid unit '%s'", unit);
	h->readonly = xml_child(src->parent, "readonly") != NULL;
	h->shareable = xml_child(src->parent, "shareable") != NULL;
	return 0;
}

/* <source protocol='vhost' wwpn='naa.<16 hex digits>'/> of a vhost-scsi
 * target. */
static int parse_vhost_source(const xmlNode *src, struct domain_hostdev *h,
			      struct err **e)
{
	_cleanup_free_ char *proto = xml_attr(src, "protocol");
	_cleanup_free_ char *wwpn = xml_attr(src, "wwpn");

	if (only_attrs(src, (const char *const[]){"protocol", "wwpn", NULL},
		       e) < 0)
		return -EINVAL;
	if (!proto || !streq(proto, "vhost"))
		return xml_err(e, src,
			       "<source protocol='%s'> not supported on a "
			       "scsi_host host device (vhost)",
			       proto ? proto : "");
	if (!wwpn || strlen(wwpn) != 20 || !str_has_prefix(wwpn, "naa.") ||
	    strspn(wwpn + 4, "0123456789abcdefABCDEF") != 16)
		return xml_err(e, src,
			       "invalid wwpn '%s' (naa. and 16 hex digits)",
			       wwpn ? wwpn : "");
	strcpy(h->wwpn, wwpn);
	return 0;
}

/* <source startupPolicy= guestReset=> with <vendor id=/><product id=/>
 * and/or <address bus= device=/>. */
static int parse_usb_source(const xmlNode *src, struct domain_hostdev *h,
			    struct err **e)
{
	static const char *const policies[] = {"", "mandatory", "requisite",
					       "optional", NULL};
	const xmlNode *v = xml_child(src, "vendor");
	const xmlNode *p = xml_child(src, "product");
	const xmlNode *a = xml_child(src, "address");
	int r;

	if (only_attrs(
		    src,
		    (const char *const[]){"startupPolicy", "guestReset", NULL},
		    e) < 0)
		return -EINVAL;
	if ((r = enum_attr(src, "startupPolicy", "startup policy", policies,
			   e)) < 0)
		return r;
	h->startup_optional = r == 3;
	if ((r = enum_attr(src, "guestReset", "guest reset", reset_names, e)) <
	    0)
		return r;
	h->guest_reset = (enum hostdev_guest_reset)r;
	if (!v != !p)
		return xml_err(e, src, "<vendor> and <product> go together");
	if (v && (only_attrs(v, (const char *const[]){"id", NULL}, e) < 0 ||
		  only_attrs(p, (const char *const[]){"id", NULL}, e) < 0 ||
		  num_attr(v, "id", 0xffff, true, &h->vendor, e) < 0 ||
		  num_attr(p, "id", 0xffff, true, &h->product, e) < 0))
		return -EINVAL;
	h->usb_ids = v != NULL;
	if (a && (only_attrs(a, (const char *const[]){"bus", "device", NULL},
			     e) < 0 ||
		  num_attr(a, "bus", 0xff, true, &h->usb_bus, e) < 0 ||
		  num_attr(a, "device", 0xff, true, &h->usb_device, e) < 0))
		return -EINVAL;
	h->usb_addr = a != NULL;
	if (!h->usb_ids && !h->usb_addr)
		return xml_err(e, src,
			       "a USB host device needs <vendor id=/><product "
			       "id=/> or <address bus= device=/>");
	return 0;
}

/* <rom bar='on|off' file= enabled='yes|no'/>: the device's option ROM. */
static int parse_rom(const xmlNode *n, struct domain_hostdev *h, struct err **e)
{
	int r;

	if (only_attrs(n, (const char *const[]){"bar", "file", "enabled", NULL},
		       e) < 0)
		return -EINVAL;
	if ((r = enum_attr(n, "bar", "rom bar", on_off, e)) < 0)
		return r;
	h->rom_bar = (enum domain_tristate)r;
	if ((r = enum_attr(n, "enabled", "rom enabled", yes_no, e)) < 0)
		return r;
	h->rom_enabled = (enum domain_tristate)r;
	h->rom_file = xml_attr(n, "file");
	if (h->rom_file && h->rom_file[0] != '/')
		return xml_err(e, n, "rom file '%s': not an absolute path",
			       h->rom_file);
	if (h->rom_enabled == DOMAIN_TRISTATE_OFF &&
	    (h->rom_bar || h->rom_file))
		return xml_err(e, n, "<rom enabled='no'> with bar= or file=");
	return 0;
}

/* <boot order=> (1 to 255) and the guest's <address>: PCI, or
 * 'unassigned' (the device is detached for the guest, not given). */
static int parse_guest_side(const xmlNode *c, struct domain_hostdev *h,
			    struct err **e)
{
	const xmlNode *n = xml_child(c, "boot");
	_cleanup_free_ char *type = NULL;
	unsigned order;

	if (n && (only_attrs(n, (const char *const[]){"order", NULL}, e) < 0 ||
		  num_attr(n, "order", 255, true, &order, e) < 0))
		return -EINVAL;
	if (n && !order)
		return xml_err(e, n, "invalid order '0' (1 to 255)");
	h->boot_order = n ? order : 0;
	if ((n = xml_child(c, "address")))
		type = xml_attr(n, "type");
	if (type && streq(type, "unassigned")) {
		if (only_attrs(n, (const char *const[]){"type", NULL}, e) < 0)
			return -EINVAL;
		if (h->type != HOSTDEV_PCI || h->boot_order)
			return xml_err(e, n,
				       "<address type='unassigned'> is for a "
				       "PCI host device that does not boot");
		h->unassigned = true;
		return 0;
	}
	for (const xmlNode *z = n ? n->children : NULL; z; z = z->next)
		if (z->type == XML_ELEMENT_NODE) /* <zpci>: s390's */
			return xml_err(e, z,
				       "<%s> in a host device's "
				       "<address> not supported",
				       (const char *)z->name);
	if (n && h->type == HOSTDEV_MDEV && type && !streq(type, "pci"))
		return xml_err(e, n,
			       "<address type='%s'> on a mediated device "
			       "(pci)",
			       type);
	if (h->type == HOSTDEV_USB) {
		if (n && (!type || !streq(type, "usb")))
			return xml_err(e, n,
				       "<address type='%s'> on a USB host "
				       "device (usb)",
				       type ? type : "");
		if (n && only_attrs(n,
				    (const char *const[]){"type", "bus", "port",
							  NULL},
				    e) < 0)
			return -EINVAL;
		return domain_parse_usb_address(c, &h->usb, NULL, NULL, e);
	}
	if (h->type == HOSTDEV_SCSI_HOST && h->boot_order)
		return xml_err(e, c,
			       "<boot order> on a vhost-scsi host device: "
			       "QEMU boots from none");
	return domain_parse_address(c, h->type == HOSTDEV_SCSI ? NULL : &h->pci,
				    h->type == HOSTDEV_SCSI ? &h->drive : NULL,
				    e);
}

/* <hostdev>'s attributes by its type (@h->type set), and that its
 * children are a host device's. */
static int parse_kind(const xmlNode *c, struct domain_hostdev *h,
		      const char *type, struct err **e)
{
	static const char *const children[] = {"driver",   "source",   "rom",
					       "boot",	   "address",  "alias",
					       "readonly", "shareable"};
	int r;

	if (only_attrs(c,
		       h->type == HOSTDEV_MDEV
			       ? (const char *const[]){"mode", "type",
						       "managed", "model",
						       "display", "ramfb", NULL}
		       : h->type == HOSTDEV_SCSI_HOST
			       ? (const char *const[]){"mode", "type",
						       "managed", "model", NULL}
			       : (const char *const[]){"mode", "type",
						       "managed", NULL},
		       e) < 0)
		return -EINVAL;
	if ((h->type == HOSTDEV_MDEV && parse_mdev(c, h, e) < 0) ||
	    (h->type == HOSTDEV_SCSI_HOST && parse_vhost_model(c, h, e) < 0))
		return -EINVAL;
	if (h->type != HOSTDEV_SCSI &&
	    (xml_child(c, "readonly") || xml_child(c, "shareable")))
		return xml_err(e, c,
			       "<readonly/> or <shareable/> on a host device "
			       "of type '%s' (scsi)",
			       type);
	if ((r = enum_attr(c, "managed", "managed", yes_no, e)) < 0)
		return r;
	h->managed = (enum domain_tristate)r;
	for (const xmlNode *n = c->children; n; n = n->next) {
		size_t i = 0;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		while (i < ARRAY_SIZE(children) &&
		       !streq((const char *)n->name, children[i]))
			i++;
		if (i == ARRAY_SIZE(children))
			return xml_err(e, n, "<hostdev>: <%s> not supported",
				       (const char *)n->name);
	}
	return 0;
}

/* <driver name='vfio'/>: a PCI device's only one. */
static int parse_driver(const xmlNode *n, struct domain_hostdev *h,
			struct err **e)
{
	_cleanup_free_ char *name = xml_attr(n, "name");

	if (only_attrs(n, (const char *const[]){"name", NULL}, e) < 0)
		return -EINVAL;
	if (h->type != HOSTDEV_PCI || !name || !streq(name, "vfio"))
		return xml_err(e, n,
			       "<driver name='%s'> not supported "
			       "(vfio, on a PCI host device)",
			       name ? name : "");
	h->driver_vfio = true;
	return 0;
}

static int parse_hostdev(const xmlNode *c, struct domain_hostdev *h,
			 struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(c, "mode");
	_cleanup_free_ char *type = xml_attr(c, "type");
	const xmlNode *n, *src;
	int r;

	if (!mode || !streq(mode, "subsystem"))
		return xml_err(e, c,
			       "<hostdev mode='%s'> not supported (subsystem)",
			       mode ? mode : "");
	if (!type || (r = xml_enum(c, "hostdev type", type, hostdev_type_names,
				   NULL)) < 0)
		return xml_err(e, c,
			       "<hostdev type='%s'> not supported (pci, usb, "
			       "mdev, scsi, scsi_host)",
			       type ? type : "");
	h->type = (enum hostdev_type)r;
	if (parse_kind(c, h, type, e) < 0)
		return -EINVAL;
	if ((n = xml_child(c, "driver")) && parse_driver(n, h, e) < 0)
		return -EINVAL;
	if (!(src = xml_child(c, "source")))
		return xml_err(e, c, "missing <source>");
	r = h->type == HOSTDEV_PCI	   ? parse_pci_source(src, h, e)
	    : h->type == HOSTDEV_MDEV	   ? parse_mdev_source(src, h, e)
	    : h->type == HOSTDEV_SCSI	   ? parse_scsi_source(src, h, e)
	    : h->type == HOSTDEV_SCSI_HOST ? parse_vhost_source(src, h, e)
					   : parse_usb_source(src, h, e);
	if (r < 0)
		return r;
	if ((n = xml_child(c, "rom"))) {
		if (h->type != HOSTDEV_PCI)
			return xml_err(e, n,
				       "<rom> on a host device of type "
				       "'%s' (pci)",
				       type);
		if (parse_rom(n, h, e) < 0)
			return -EINVAL;
	}
	return parse_guest_side(c, h, e);
}

int domain_parse_hostdev_device(const xmlNode *c, struct domain_def *d,
				struct xml_warnings *w, struct err **e)
{
	struct domain_hostdev *h;

	(void)w;
	if (!xmlStrEqual(c->name, BAD_CAST "hostdev"))
		return 0;
	if (d->n_hostdevs == DOMAIN_MAX_HOSTDEVS)
		return xml_err(e, c, "more than %d host devices",
			       DOMAIN_MAX_HOSTDEVS);
	d->hostdevs = xreallocarray(d->hostdevs, d->n_hostdevs + 1,
				    sizeof(*d->hostdevs));
	h = &d->hostdevs[d->n_hostdevs++];
	*h = (struct domain_hostdev){0};
	return parse_hostdev(c, h, e) < 0 ? -EINVAL : 1;
}

const char *domain_hostdev_name(const struct domain_hostdev *h,
				char buf[HOSTDEV_NAME_MAX])
{
	if (h->type == HOSTDEV_PCI)
		snprintf(buf, HOSTDEV_NAME_MAX, "%04x:%02x:%02x.%x", h->domain,
			 h->bus, h->slot, h->function);
	else if (h->type == HOSTDEV_MDEV)
		snprintf(buf, HOSTDEV_NAME_MAX, "mdev %s", h->mdev_uuid);
	else if (h->type == HOSTDEV_SCSI)
		snprintf(buf, HOSTDEV_NAME_MAX, "SCSI %u:%u:%u:%llu",
			 h->scsi_host, h->scsi_bus, h->scsi_target,
			 h->scsi_unit);
	else if (h->type == HOSTDEV_SCSI_HOST)
		snprintf(buf, HOSTDEV_NAME_MAX, "vhost-scsi %s", h->wwpn);
	else if (h->usb_addr)
		snprintf(buf, HOSTDEV_NAME_MAX, "USB %03u:%03u", h->usb_bus,
			 h->usb_device);
	else
		snprintf(buf, HOSTDEV_NAME_MAX, "USB %04x:%04x", h->vendor,
			 h->product);
	return buf;
}

/* The same host device: the same PCI address; USB, the same bus and
 * device, or the same ids where neither names an address. */
static bool same_device(const struct domain_hostdev *a,
			const struct domain_hostdev *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == HOSTDEV_PCI)
		return a->domain == b->domain && a->bus == b->bus &&
		       a->slot == b->slot && a->function == b->function;
	if (a->type == HOSTDEV_MDEV)
		return streq(a->mdev_uuid, b->mdev_uuid);
	if (a->type == HOSTDEV_SCSI)
		return a->scsi_host == b->scsi_host &&
		       a->scsi_bus == b->scsi_bus &&
		       a->scsi_target == b->scsi_target &&
		       a->scsi_unit == b->scsi_unit;
	if (a->type == HOSTDEV_SCSI_HOST)
		return !strcasecmp(a->wwpn, b->wwpn);
	if (a->usb_addr && b->usb_addr)
		return a->usb_bus == b->usb_bus &&
		       a->usb_device == b->usb_device;
	return !a->usb_addr && !b->usb_addr && a->vendor == b->vendor &&
	       a->product == b->product;
}

/* A mediated device's display: on a <graphics>, one ramfb of all. */
static int check_mdev(const xmlNode *devs, const struct domain_def *d, size_t i,
		      struct err **e)
{
	const struct domain_hostdev *h = &d->hostdevs[i];
	char name[HOSTDEV_NAME_MAX];

	if (h->display == DOMAIN_TRISTATE_ON && !d->display.vnc &&
	    !d->display.spice)
		return xml_err(e, devs,
			       "host device %s: display='on' needs a "
			       "<graphics> (vnc or spice)",
			       domain_hostdev_name(h, name));
	if (h->ramfb == DOMAIN_TRISTATE_ON && h->display != DOMAIN_TRISTATE_ON)
		return xml_err(e, devs,
			       "host device %s: ramfb='on' without "
			       "display='on'",
			       domain_hostdev_name(h, name));
	for (size_t j = 0; j < i; j++)
		if (h->ramfb == DOMAIN_TRISTATE_ON &&
		    d->hostdevs[j].ramfb == DOMAIN_TRISTATE_ON)
			return xml_err(e, devs,
				       "host device %s: a second mediated "
				       "device with ramfb='on' (one at most)",
				       domain_hostdev_name(h, name));
	return 0;
}

/* A USB host device's <address type='usb'>: its bus a controller's,
 * its port its own. */
static int check_usb_port(const xmlNode *devs, const struct domain_def *d,
			  size_t i, struct err **e)
{
	const struct domain_hostdev *h = &d->hostdevs[i];
	char name[HOSTDEV_NAME_MAX], *what;
	size_t uses = 1; /* itself, which is not @d->display's */
	int r;

	for (size_t j = 0; j < d->n_hostdevs; j++)
		uses += j != i && d->hostdevs[j].type == HOSTDEV_USB &&
			d->hostdevs[j].usb.bus == h->usb.bus &&
			streq(d->hostdevs[j].usb.port, h->usb.port);
	what = xasprintf("host device %s", domain_hostdev_name(h, name));
	r = domain_usb_addr_check(devs, &d->display, &h->usb, uses, what, e);
	free(what);
	return r;
}

int domain_hostdevs_check(const xmlNode *devs, const struct domain_def *d,
			  struct err **e)
{
	char name[HOSTDEV_NAME_MAX];

	for (size_t i = 0; i < d->n_hostdevs; i++) {
		const struct domain_hostdev *h = &d->hostdevs[i];

		for (size_t j = i + 1; j < d->n_hostdevs; j++)
			if (same_device(h, &d->hostdevs[j]))
				return xml_err(e, devs,
					       "host device %s given twice",
					       domain_hostdev_name(h, name));
		if (h->type == HOSTDEV_MDEV && check_mdev(devs, d, i, e) < 0)
			return -EINVAL;
		if (h->type == HOSTDEV_USB && check_usb_port(devs, d, i, e) < 0)
			return -EINVAL;
		if (!h->boot_order)
			continue;
		if (d->n_boot)
			return xml_err(e, devs,
				       "host device %s: per-device <boot "
				       "order> cannot be used together with "
				       "<os><boot dev>",
				       domain_hostdev_name(h, name));
		for (size_t j = 0; j < d->n_disks; j++)
			if (d->disks[j].boot_order == h->boot_order)
				return xml_err(e, devs,
					       "boot order %u used for disk "
					       "'%s' and host device %s",
					       h->boot_order,
					       d->disks[j].target,
					       domain_hostdev_name(h, name));
		for (size_t j = i + 1; j < d->n_hostdevs; j++)
			if (d->hostdevs[j].boot_order == h->boot_order)
				return xml_err(e, devs,
					       "boot order %u used twice by "
					       "host devices",
					       h->boot_order);
	}
	return domain_redirdevs_check(devs, d, e);
}

static void format_source(FILE *f, const struct domain_hostdev *h)
{
	if (h->type == HOSTDEV_MDEV) {
		fprintf(f,
			"      <source>\n        <address uuid='%s'/>\n      "
			"</source>\n",
			h->mdev_uuid);
		return;
	}
	if (h->type == HOSTDEV_SCSI) {
		fprintf(f,
			"      <source>\n        <adapter name='scsi_host%u'/>"
			"\n        <address bus='%u' target='%u' "
			"unit='%llu'/>\n      </source>\n",
			h->scsi_host, h->scsi_bus, h->scsi_target,
			h->scsi_unit);
		return;
	}
	if (h->type == HOSTDEV_SCSI_HOST) {
		fprintf(f, "      <source protocol='vhost' wwpn='%s'/>\n",
			h->wwpn);
		return;
	}
	if (h->type == HOSTDEV_PCI) {
		fprintf(f,
			"      <source>\n        <address domain='0x%04x' "
			"bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
			h->domain, h->bus, h->slot, h->function);
		fputs("      </source>\n", f);
		return;
	}
	fputs("      <source", f);
	if (h->startup_optional)
		fputs(" startupPolicy='optional'", f);
	if (h->guest_reset)
		fprintf(f, " guestReset='%s'", reset_names[h->guest_reset]);
	fputs(">\n", f);
	if (h->usb_ids)
		fprintf(f,
			"        <vendor id='0x%04x'/>\n        <product "
			"id='0x%04x'/>\n",
			h->vendor, h->product);
	if (h->usb_addr)
		fprintf(f, "        <address bus='%u' device='%u'/>\n",
			h->usb_bus, h->usb_device);
	fputs("      </source>\n", f);
}

static void format_hostdev(FILE *f, const struct domain_hostdev *h)
{
	fprintf(f, "    <hostdev mode='subsystem' type='%s'",
		hostdev_type_names[h->type]);
	if (h->managed)
		fprintf(f, " managed='%s'", yes_no[h->managed]);
	if (h->type == HOSTDEV_MDEV)
		fputs(" model='vfio-pci'", f);
	if (h->type == HOSTDEV_SCSI_HOST && h->vhost_model)
		fprintf(f, " model='%s'", vhost_models[h->vhost_model]);
	if (h->display)
		fprintf(f, " display='%s'", on_off[h->display]);
	if (h->ramfb)
		fprintf(f, " ramfb='%s'", on_off[h->ramfb]);
	fputs(">\n", f);
	if (h->driver_vfio)
		fputs("      <driver name='vfio'/>\n", f);
	format_source(f, h);
	if (h->boot_order)
		fprintf(f, "      <boot order='%u'/>\n", h->boot_order);
	if (h->rom_bar || h->rom_enabled || h->rom_file) {
		fputs("      <rom", f);
		if (h->rom_enabled)
			fprintf(f, " enabled='%s'", yes_no[h->rom_enabled]);
		if (h->rom_bar)
			fprintf(f, " bar='%s'", on_off[h->rom_bar]);
		if (h->rom_file) {
			fputs(" file='", f);
			xml_escape_attr(f, h->rom_file);
			fputc('\'', f);
		}
		fputs("/>\n", f);
	}
	if (h->readonly)
		fputs("      <readonly/>\n", f);
	if (h->shareable)
		fputs("      <shareable/>\n", f);
	if (h->unassigned)
		fputs("      <address type='unassigned'/>\n", f);
	if (h->usb.set)
		domain_format_usb_address(f, &h->usb);
	domain_format_drive_address(f, 6, &h->drive);
	domain_format_pci_address(f, 6, &h->pci);
	fputs("    </hostdev>\n", f);
}

void domain_format_hostdevs(FILE *f, const struct domain_def *d)
{
	for (size_t i = 0; i < d->n_hostdevs; i++)
		if (!d->hostdevs[i].net) /* written as its <interface> */
			format_hostdev(f, &d->hostdevs[i]);
	domain_format_redir(f, &d->display);
}

void domain_hostdevs_clear(struct domain_def *d)
{
	for (size_t i = 0; i < d->n_hostdevs; i++)
		free(d->hostdevs[i].rom_file);
	free(d->hostdevs);
	d->hostdevs = NULL;
	d->n_hostdevs = 0;
}

const char *const input_grab_toggle_names[] = {
	"",	     "ctrl-ctrl",  "alt-alt",	      "shift-shift",
	"meta-meta", "scrolllock", "ctrl-scrolllock", NULL};

/* <source dev= grab= grabToggle= repeat=> of an evdev input. */
static int parse_evdev_source(const xmlNode *src, struct domain_input *in,
			      struct err **e)
{
	_cleanup_free_ char *grab = xml_attr(src, "grab");
	int r;

	if (only_attrs(src,
		       (const char *const[]){"dev", "grab", "grabToggle",
					     "repeat", NULL},
		       e) < 0)
		return -EINVAL;
	in->evdev = xml_attr(src, "dev");
	if (grab && !streq(grab, "all"))
		return xml_err(e, src, "invalid grab '%s' (all)", grab);
	in->grab_all = grab != NULL;
	if ((r = enum_attr(src, "grabToggle", "grab toggle",
			   input_grab_toggle_names, e)) < 0)
		return r;
	in->grab_toggle = (unsigned char)r;
	if ((r = enum_attr(src, "repeat", "repeat", on_off, e)) < 0)
		return r;
	in->repeat = (enum domain_tristate)r;
	return 0;
}

static int parse_input_host(const xmlNode *n, struct domain_input *in,
			    struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(n, "type");
	_cleanup_free_ char *bus = xml_attr(n, "bus");
	const xmlNode *src = xml_child(n, "source");
	bool evdev = streq(type, "evdev");

	xml_check_known(
		n, (const char *const[]){"type", "bus", NULL},
		(const char *const[]){"source", "address", "alias", NULL}, w);
	in->type = evdev ? INPUT_EVDEV : INPUT_PASSTHROUGH;
	in->bus = evdev ? INPUT_BUS_NONE : INPUT_BUS_VIRTIO;
	if (evdev && bus)
		return xml_err(e, n,
			       "<input type='evdev' bus='%s'>: an evdev "
			       "input has no bus",
			       bus);
	if (!evdev && (!bus || !streq(bus, "virtio")))
		return xml_err(e, n,
			       "<input type='passthrough' bus='%s'> not "
			       "supported (virtio)",
			       bus ? bus : "");
	if (!src)
		return xml_err(e, n, "<input type='%s'>: missing <source>",
			       type);
	if (evdev ? parse_evdev_source(src, in, e) < 0
		  : only_attrs(src, (const char *const[]){"evdev", NULL}, e) <
			    0)
		return -EINVAL;
	if (!evdev)
		in->evdev = xml_attr(src, "evdev");
	if (!in->evdev || in->evdev[0] != '/')
		return xml_err(e, src, "<source %s='%s'>: not an absolute path",
			       evdev ? "dev" : "evdev",
			       in->evdev ? in->evdev : "");
	if (evdev && xml_child(n, "address"))
		return xml_err(e, n, "an <address> on an evdev <input>");
	return evdev ? 0 : domain_parse_address(n, &in->pci, NULL, e);
}

int domain_parse_input_host(const xmlNode *n, struct domain_display *dp,
			    struct xml_warnings *w, struct err **e)
{
	struct domain_input *in;

	dp->inputs = xreallocarray(dp->inputs, dp->n_inputs + 1,
				   sizeof(*dp->inputs));
	in = &dp->inputs[dp->n_inputs++];
	*in = (struct domain_input){0};
	return parse_input_host(n, in, w, e);
}

void domain_format_input_host(FILE *f, const struct domain_input *in)
{
	if (in->type == INPUT_PASSTHROUGH) {
		fputs("    <input type='passthrough' bus='virtio'>\n      "
		      "<source evdev='",
		      f);
		xml_escape_attr(f, in->evdev);
		fputs("'/>\n", f);
		domain_format_pci_address(f, 6, &in->pci);
		fputs("    </input>\n", f);
		return;
	}
	fputs("    <input type='evdev'>\n      <source dev='", f);
	xml_escape_attr(f, in->evdev);
	fputc('\'', f);
	if (in->grab_all)
		fputs(" grab='all'", f);
	if (in->grab_toggle)
		fprintf(f, " grabToggle='%s'",
			input_grab_toggle_names[in->grab_toggle]);
	if (in->repeat)
		fprintf(f, " repeat='%s'", on_off[in->repeat]);
	fputs("/>\n    </input>\n", f);
}
