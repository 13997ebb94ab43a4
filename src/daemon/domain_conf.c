// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Domain XML: parse (libxml2) into struct domain_def, format back.
 * Each element of the subset has one parse function; each checks its
 * attributes and children against what it knows and warns about the rest.
 */
#include "daemon/domain_conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <uuid/uuid.h>

#include "lib/size.h"

static const char *const virt_names[] = {"kvm", "qemu", NULL};
static const char *const lifecycle_names[] = {"destroy", "restart", "preserve",
					      "rename-restart", NULL};
static const char *const format_names[] = {"raw", "qcow2", NULL};
static const char *const disk_device_names[] = {"disk", "cdrom", NULL};
static const char *const net_type_names[] = {"ethernet", "bridge", "network",
					     NULL};

const char *domain_lifecycle_name(enum domain_lifecycle l)
{
	return lifecycle_names[l];
}

const char *disk_format_name(enum disk_format f)
{
	return format_names[f];
}

int domain_name_check(const char *name, struct err **e)
{
	size_t n = strlen(name);

	if (n == 0 || n > DOMAIN_NAME_MAX)
		return err_set(e, EINVAL,
			       "domain name '%s' must be 1 to %d characters",
			       name, DOMAIN_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return err_set(e, EINVAL,
			       "domain name '%s' must not start with '%c'",
			       name, name[0]);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    !strchr("_.+-", name[i]))
			return err_set(e, EINVAL,
				       "domain name '%s' has an invalid "
				       "character '%c' (allowed: letters, "
				       "digits, '_', '.', '+', '-')",
				       name, name[i]);
	return 0;
}

void domain_def_free(struct domain_def *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_disks; i++) {
		free(d->disks[i].source);
		free(d->disks[i].target);
		free(d->disks[i].serial);
	}
	for (size_t i = 0; i < d->n_nets; i++) {
		free(d->nets[i].source);
		free(d->nets[i].tap);
		free(d->nets[i].model);
	}
	free(d->disks);
	free(d->nets);
	free(d->name);
	free(d->title);
	free(d->description);
	free(d->arch);
	free(d->kernel);
	free(d->initrd);
	free(d->cmdline);
	free(d);
}

static void cleanup_domain_defp(struct domain_def **d)
{
	domain_def_free(*d);
}

/* Memory elements: <memory unit='MiB'>512</memory>, KiB by default. */
static int parse_memory(const xmlNode *node, uint64_t *kib, struct err **e)
{
	_cleanup_free_ char *text = xml_text(node);
	_cleanup_free_ char *unit = xml_attr(node, "unit");
	_cleanup_err_ struct err *why = NULL;
	uint64_t bytes;

	if (size_parse_unit(text, unit ? unit : "KiB", &bytes, &why) < 0)
		return xml_err(e, node, "%s", err_msg(why));
	if (bytes == 0)
		return xml_err(e, node, "memory size must not be zero");
	*kib = DIV_ROUND_UP(bytes, 1024);
	return 0;
}

/* <memtune>: hard_limit, soft_limit, swap_hard_limit (KiB by default). */
static int parse_memtune(const xmlNode *mt, struct domain_tune *t,
			 struct xml_warnings *w, struct err **e)
{
	static const char *const children[] = {"hard_limit", "soft_limit",
					       "swap_hard_limit", NULL};
	uint64_t *dst[] = {&t->hard_limit_kib, &t->soft_limit_kib,
			   &t->swap_hard_limit_kib};
	xmlNode *n;

	xml_check_known(mt, (const char *const[]){NULL}, children, w);
	for (size_t i = 0; i < ARRAY_SIZE(dst); i++)
		if ((n = xml_child(mt, children[i])) &&
		    parse_memory(n, dst[i], e) < 0)
			return -EINVAL;
	if (t->swap_hard_limit_kib && t->hard_limit_kib &&
	    t->swap_hard_limit_kib < t->hard_limit_kib)
		return xml_err(e, mt,
			       "swap_hard_limit must not be below hard_limit");
	return 0;
}

/* A CFS period (1000..1000000 us) in <cputune>, if there. */
static int parse_period(const xmlNode *ct, const char *name, uint64_t *out,
			struct err **e)
{
	xmlNode *n = xml_child(ct, name);
	_cleanup_free_ char *text = n ? xml_text(n) : NULL;
	_cleanup_free_ char *what = xasprintf("cputune %s", name);

	if (!n)
		return 0;
	return xml_uint(n, what, text, 1000, 1000000, out, e);
}

/* A CFS quota (1000.. us, or -1: none) in <cputune>, if there. */
static int parse_quota(const xmlNode *ct, const char *name, int64_t *out,
		       struct err **e)
{
	xmlNode *n = xml_child(ct, name);
	_cleanup_free_ char *text = n ? xml_text(n) : NULL;
	_cleanup_free_ char *what = xasprintf("cputune %s", name);
	uint64_t v;

	if (!n)
		return 0;
	if (text && streq(text, "-1")) {
		*out = -1;
		return 0;
	}
	if (xml_uint(n, what, text, 1000, 17592186044415ull, &v, e) < 0)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

/*
 * <cputune>: shares; period and quota (per vCPU, as in libvirt);
 * global_period and global_quota (the whole VM). Microseconds.
 */
static int parse_cputune(const xmlNode *ct, struct domain_tune *t,
			 struct xml_warnings *w, struct err **e)
{
	static const char *const children[] = {"shares",       "period",
					       "quota",	       "global_period",
					       "global_quota", NULL};
	_cleanup_free_ char *shares = NULL;
	xmlNode *n;

	xml_check_known(ct, (const char *const[]){NULL}, children, w);
	if ((n = xml_child(ct, "shares")) &&
	    xml_uint(n, "cputune shares", shares = xml_text(n), 2, 262144,
		     &t->shares, e) < 0)
		return -EINVAL;
	if (parse_period(ct, "period", &t->period_us, e) < 0 ||
	    parse_quota(ct, "quota", &t->quota_us, e) < 0 ||
	    parse_period(ct, "global_period", &t->global_period_us, e) < 0 ||
	    parse_quota(ct, "global_quota", &t->global_quota_us, e) < 0)
		return -EINVAL;
	return 0;
}

static int parse_uuid(const xmlNode *node, uint8_t uuid[16], struct err **e)
{
	_cleanup_free_ char *text = xml_text(node);

	if (uuid_parse(text, uuid) < 0)
		return xml_err(e, node, "invalid UUID '%s'", text);
	return 0;
}

static int parse_lifecycle(const xmlNode *node, enum domain_lifecycle *out,
			   struct err **e)
{
	_cleanup_free_ char *text = xml_text(node);
	int r = xml_enum(node, "action", text, lifecycle_names, e);

	if (r < 0)
		return r;
	*out = r;
	return 0;
}

static int parse_os(const xmlNode *os, struct domain_def *d,
		    struct xml_warnings *w, struct err **e)
{
	static const char *const children[] = {"type",	  "kernel", "initrd",
					       "cmdline", "boot",   NULL};
	xmlNode *n;

	xml_check_known(os, NULL, children, w);
	n = xml_child(os, "type");
	if (n) {
		static const char *const attrs[] = {"arch", "machine", NULL};
		_cleanup_free_ char *type = xml_text(n);
		_cleanup_free_ char *arch = xml_attr(n, "arch");

		xml_check_known(n, attrs, NULL, w);
		if (!streq(type, "hvm"))
			return xml_err(e, n,
				       "os type '%s' not supported "
				       "(expected hvm)",
				       type);
		if (arch && !streq(arch, "x86_64"))
			return xml_err(e, n,
				       "architecture '%s' not supported "
				       "(expected x86_64)",
				       arch);
	}
	if (xml_child(os, "boot"))
		xml_warn(w, xml_child(os, "boot"),
			 "<boot>: ignored, nido boots <kernel> directly");
	n = xml_child(os, "kernel");
	if (!n)
		return xml_err(e, os,
			       "missing <kernel> (nido boots a Linux "
			       "kernel directly)");
	d->kernel = xml_text(n);
	if (!*d->kernel)
		return xml_err(e, n, "empty kernel path");
	if ((n = xml_child(os, "initrd")))
		d->initrd = xml_text(n);
	if ((n = xml_child(os, "cmdline")))
		d->cmdline = xml_text(n);
	return 0;
}

static int parse_disk_target(const xmlNode *disk, struct domain_disk *dk,
			     struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"dev", "bus", NULL};
	xmlNode *n = xml_child(disk, "target");
	_cleanup_free_ char *bus = NULL;

	if (!n)
		return xml_err(e, disk, "missing <target dev='vdX'/>");
	xml_check_known(n, attrs, NULL, w);
	dk->target = xml_attr(n, "dev");
	bus = xml_attr(n, "bus");
	if (bus && !streq(bus, "virtio"))
		return xml_err(e, n,
			       "disk bus '%s' not supported (expected "
			       "virtio)",
			       bus);
	if (!dk->target || strlen(dk->target) < 3 ||
	    strncmp(dk->target, "vd", 2) != 0 ||
	    strspn(dk->target + 2, "abcdefghijklmnopqrstuvwxyz") !=
		    strlen(dk->target + 2))
		return xml_err(e, n,
			       "invalid target dev '%s' (expected vda, "
			       "vdb, ...)",
			       dk->target ? dk->target : "");
	return 0;
}

const char *const domain_iotune_names[7] = {"total_bytes_sec",
					    "read_bytes_sec",
					    "write_bytes_sec",
					    "total_iops_sec",
					    "read_iops_sec",
					    "write_iops_sec",
					    NULL};

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

static int parse_disk(const xmlNode *disk, struct domain_disk *dk,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "device", NULL};
	static const char *const children[] = {"driver",    "source", "target",
					       "readonly",  "serial", "alias",
					       "shareable", "iotune", NULL};
	_cleanup_free_ char *type = xml_attr(disk, "type");
	_cleanup_free_ char *device = xml_attr(disk, "device");
	xmlNode *n;
	int r;

	xml_check_known(disk, attrs, children, w);
	if (type && !streq(type, "file"))
		return xml_err(e, disk,
			       "disk type '%s' not supported "
			       "(expected file)",
			       type);
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
	if ((n = xml_child(disk, "driver"))) {
		static const char *const dattrs[] = {"name",	"type", "cache",
						     "discard", "io",	NULL};
		_cleanup_free_ char *fmt = xml_attr(n, "type");

		xml_check_known(n, dattrs, NULL, w);
		if (fmt) {
			r = xml_enum(n, "disk format", fmt, format_names, e);
			if (r < 0)
				return r;
			dk->format = r;
		}
	}
	n = xml_child(disk, "source");
	if (!n || !(dk->source = xml_attr(n, "file")) || !*dk->source)
		return xml_err(e, n ? n : disk, "missing <source file='...'/>");
	xml_check_known(n, (const char *const[]){"file", NULL}, NULL, w);
	if ((n = xml_child(disk, "serial")))
		dk->serial = xml_text(n);
	if (dk->serial && strlen(dk->serial) > 20)
		return xml_err(e, n, "serial '%s' longer than 20 characters",
			       dk->serial);
	return parse_disk_target(disk, dk, w, e);
}

/* Parses "52:54:00:12:34:56" into @mac; refuses multicast addresses. */
static int parse_mac(const xmlNode *node, const char *s, uint8_t mac[6],
		     struct err **e)
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &end) != 6 ||
	    strlen(s) != 17)
		return xml_err(e, node, "invalid MAC address '%s'", s);
	if (v[0] & 1)
		return xml_err(e, node,
			       "MAC address '%s' is multicast (the lowest "
			       "bit of the first byte must be 0)",
			       s);
	for (int i = 0; i < 6; i++)
		mac[i] = v[i];
	return 0;
}

/* A random locally administered address in QEMU/KVM's 52:54:00 range. */
static void random_mac(uint8_t mac[6])
{
	uuid_t u;

	uuid_generate_random(u);
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	memcpy(mac + 3, u, 3);
}

static int parse_interface(const xmlNode *iface, struct domain_net *net,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const children[] = {"mac",	"source", "target",
					       "model", "alias",  NULL};
	_cleanup_free_ char *type = xml_attr(iface, "type");
	_cleanup_free_ char *mac = NULL;
	xmlNode *n;
	int r;

	xml_check_known(iface, (const char *const[]){"type", NULL}, children,
			w);
	if (!type)
		return xml_err(e, iface, "missing attribute 'type'");
	r = xml_enum(iface, "interface type", type, net_type_names, e);
	if (r < 0)
		return r;
	net->type = r;

	if ((n = xml_child(iface, "mac")) && (mac = xml_attr(n, "address"))) {
		if (parse_mac(n, mac, net->mac, e) < 0)
			return -EINVAL;
	} else {
		random_mac(net->mac);
	}
	if ((n = xml_child(iface, "source"))) {
		const char *key = net->type == NET_TYPE_BRIDGE	  ? "bridge"
				  : net->type == NET_TYPE_NETWORK ? "network"
								  : NULL;
		if (key)
			net->source = xml_attr(n, key);
	}
	if (net->type != NET_TYPE_ETHERNET && (!net->source || !*net->source))
		return xml_err(e, iface,
			       "interface type '%s' needs <source "
			       "%s='...'/>",
			       type,
			       net->type == NET_TYPE_BRIDGE ? "bridge"
							    : "network");
	if ((n = xml_child(iface, "target")))
		net->tap = xml_attr(n, "dev");
	if (net->tap && (!*net->tap || strlen(net->tap) >= 16))
		return xml_err(e, n,
			       "invalid target dev '%s' (1 to 15 "
			       "characters)",
			       net->tap);
	net->model = xstrdup("virtio");
	if ((n = xml_child(iface, "model"))) {
		_cleanup_free_ char *model = xml_attr(n, "type");

		if (model && !streq(model, "virtio"))
			return xml_err(e, n,
				       "interface model '%s' not "
				       "supported (expected virtio)",
				       model);
	}
	return 0;
}

static int parse_chardev(const xmlNode *node, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(node, "type");

	if (!type || !streq(type, "pty"))
		return xml_err(e, node,
			       "type '%s' not supported (expected pty)",
			       type ? type : "");
	return 0;
}

static int parse_rng(const xmlNode *node, struct xml_warnings *w,
		     struct err **e)
{
	_cleanup_free_ char *model = xml_attr(node, "model");
	_cleanup_free_ char *path = NULL;
	xmlNode *b = xml_child(node, "backend");

	xml_check_known(node, (const char *const[]){"model", NULL},
			(const char *const[]){"backend", "rate", "alias", NULL},
			w);
	if (!model || !streq(model, "virtio"))
		return xml_err(e, node,
			       "rng model '%s' not supported "
			       "(expected virtio)",
			       model ? model : "");
	if (b) {
		_cleanup_free_ char *bmodel = xml_attr(b, "model");

		path = xml_text(b);
		if (!bmodel || !streq(bmodel, "random"))
			return xml_err(e, b,
				       "rng backend '%s' not supported "
				       "(expected random)",
				       bmodel ? bmodel : "");
		if (*path && !streq(path, "/dev/urandom") &&
		    !streq(path, "/dev/random"))
			return xml_err(e, b,
				       "rng source '%s' not supported "
				       "(expected /dev/urandom)",
				       path);
	}
	return 0;
}

static int check_unique_devices(const xmlNode *devs, const struct domain_def *d,
				struct err **e)
{
	for (size_t i = 0; i < d->n_disks; i++)
		for (size_t j = i + 1; j < d->n_disks; j++)
			if (streq(d->disks[i].target, d->disks[j].target))
				return xml_err(e, devs,
					       "two disks with target "
					       "dev '%s'",
					       d->disks[i].target);
	for (size_t i = 0; i < d->n_nets; i++)
		for (size_t j = i + 1; j < d->n_nets; j++)
			if (!memcmp(d->nets[i].mac, d->nets[j].mac, 6))
				return xml_err(
					e, devs,
					"two interfaces with "
					"MAC address "
					"%02x:%02x:%02x:%02x:%02x:%02x",
					d->nets[i].mac[0], d->nets[i].mac[1],
					d->nets[i].mac[2], d->nets[i].mac[3],
					d->nets[i].mac[4], d->nets[i].mac[5]);
	return 0;
}

static int parse_device(const xmlNode *c, struct domain_def *d,
			struct xml_warnings *w, struct err **e)
{
	const char *name = (const char *)c->name;

	if (streq(name, "disk")) {
		if (d->n_disks == DOMAIN_MAX_DISKS)
			return xml_err(e, c, "more than %d disks",
				       DOMAIN_MAX_DISKS);
		d->disks = xreallocarray(d->disks, d->n_disks + 1,
					 sizeof(*d->disks));
		memset(&d->disks[d->n_disks], 0, sizeof(*d->disks));
		return parse_disk(c, &d->disks[d->n_disks++], w, e);
	}
	if (streq(name, "interface")) {
		if (d->n_nets == DOMAIN_MAX_NETS)
			return xml_err(e, c, "more than %d interfaces",
				       DOMAIN_MAX_NETS);
		d->nets =
			xreallocarray(d->nets, d->n_nets + 1, sizeof(*d->nets));
		memset(&d->nets[d->n_nets], 0, sizeof(*d->nets));
		return parse_interface(c, &d->nets[d->n_nets++], w, e);
	}
	if (streq(name, "serial") || streq(name, "console")) {
		if (parse_chardev(c, e) < 0)
			return -EINVAL;
		*(streq(name, "serial") ? &d->serial_pty : &d->console_pty) =
			true;
		return 0;
	}
	if (streq(name, "rng")) {
		if (parse_rng(c, w, e) < 0)
			return -EINVAL;
		d->n_rngs++;
		return 0;
	}
	xml_warn(w, c, "<devices>: unknown device <%s> ignored", name);
	return 0;
}

static int parse_devices(const xmlNode *devs, struct domain_def *d,
			 struct xml_warnings *w, struct err **e)
{
	for (xmlNode *c = devs->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(c->name, BAD_CAST "emulator")) {
			xml_warn(w, c,
				 "<emulator>: ignored, the driver picks "
				 "the emulator");
			continue;
		}
		if (parse_device(c, d, w, e) < 0)
			return -EINVAL;
	}
	return check_unique_devices(devs, d, e);
}

static int parse_memory_and_vcpus(const xmlNode *root, struct domain_def *d,
				  struct err **e)
{
	xmlNode *n = xml_child(root, "memory");
	uint64_t v;

	if (!n)
		return xml_err(e, root, "missing <memory>");
	if (parse_memory(n, &d->memory_kib, e) < 0)
		return -EINVAL;
	d->current_memory_kib = d->memory_kib;
	if ((n = xml_child(root, "currentMemory"))) {
		if (parse_memory(n, &d->current_memory_kib, e) < 0)
			return -EINVAL;
		if (d->current_memory_kib > d->memory_kib)
			return xml_err(e, n,
				       "currentMemory is larger than "
				       "memory");
	}
	d->vcpus = 1;
	if ((n = xml_child(root, "vcpu"))) {
		_cleanup_free_ char *text = xml_text(n);

		if (xml_uint(n, "vcpu count", text, 1, DOMAIN_MAX_VCPUS, &v,
			     e) < 0)
			return -EINVAL;
		d->vcpus = v;
	}
	return 0;
}

static int parse_identity(const xmlNode *root, struct domain_def *d,
			  struct err **e)
{
	_cleanup_free_ char *type = xml_attr(root, "type");
	xmlNode *n;
	int r;

	if (!type)
		return xml_err(e, root,
			       "missing attribute 'type' (kvm or "
			       "qemu)");
	r = xml_enum(root, "domain type", type, virt_names, e);
	if (r < 0)
		return r;
	d->virt = r;
	n = xml_child(root, "name");
	if (!n)
		return xml_err(e, root, "missing <name>");
	d->name = xml_text(n);
	if (domain_name_check(d->name, e) < 0)
		return err_prefix(e, "line %ld", xmlGetLineNo(n));
	if ((n = xml_child(root, "uuid"))) {
		if (parse_uuid(n, d->uuid, e) < 0)
			return -EINVAL;
	} else {
		d->uuid_generated = true;
		uuid_generate_random(d->uuid);
	}
	if ((n = xml_child(root, "title")))
		d->title = xml_text(n);
	if ((n = xml_child(root, "description")))
		d->description = xml_text(n);
	return 0;
}

static int parse_lifecycles(const xmlNode *root, struct domain_def *d,
			    struct err **e)
{
	xmlNode *n;

	d->on_poweroff = DOMAIN_LIFECYCLE_DESTROY;
	d->on_reboot = DOMAIN_LIFECYCLE_RESTART;
	d->on_crash = DOMAIN_LIFECYCLE_DESTROY;
	if ((n = xml_child(root, "on_poweroff")) &&
	    parse_lifecycle(n, &d->on_poweroff, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "on_reboot")) &&
	    parse_lifecycle(n, &d->on_reboot, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "on_crash")) &&
	    parse_lifecycle(n, &d->on_crash, e) < 0)
		return -EINVAL;
	return 0;
}

int domain_def_parse(const char *xml, size_t len, struct domain_def **out,
		     struct xml_warnings *w, struct err **e)
{
	static const char *const children[] = {
		"name",	       "uuid",		"title",    "description",
		"memory",      "currentMemory", "vcpu",	    "os",
		"on_poweroff", "on_reboot",	"on_crash", "devices",
		"memtune",     "cputune",	NULL};
	__attribute__((cleanup(cleanup_domain_defp))) struct domain_def *d =
		NULL;
	xmlDoc *doc;
	xmlNode *root, *n;
	int r = -EINVAL;

	doc = xml_parse(xml, len, "domain XML", "domain", e);
	if (!doc)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	d = xcalloc(1, sizeof(*d));
	d->arch = xstrdup("x86_64");
	xml_check_known(root, (const char *const[]){"type", "id", NULL},
			children, w);
	if (parse_identity(root, d, e) < 0 ||
	    parse_memory_and_vcpus(root, d, e) < 0)
		goto out;
	n = xml_child(root, "os");
	if (!n) {
		xml_err(e, root, "missing <os> with <kernel>");
		goto out;
	}
	if (parse_os(n, d, w, e) < 0 || parse_lifecycles(root, d, e) < 0)
		goto out;
	if ((n = xml_child(root, "memtune")) &&
	    parse_memtune(n, &d->tune, w, e) < 0)
		goto out;
	if ((n = xml_child(root, "cputune")) &&
	    parse_cputune(n, &d->tune, w, e) < 0)
		goto out;
	if ((n = xml_child(root, "devices")) && parse_devices(n, d, w, e) < 0)
		goto out;
	*out = steal_ptr(d);
	r = 0;
out:
	xmlFreeDoc(doc);
	return r;
}

static void format_tune(FILE *f, const struct domain_tune *t)
{
	if (t->hard_limit_kib || t->soft_limit_kib || t->swap_hard_limit_kib) {
		fputs("  <memtune>\n", f);
		if (t->hard_limit_kib)
			fprintf(f,
				"    <hard_limit unit='KiB'>%" PRIu64
				"</hard_limit>\n",
				t->hard_limit_kib);
		if (t->soft_limit_kib)
			fprintf(f,
				"    <soft_limit unit='KiB'>%" PRIu64
				"</soft_limit>\n",
				t->soft_limit_kib);
		if (t->swap_hard_limit_kib)
			fprintf(f,
				"    <swap_hard_limit unit='KiB'>%" PRIu64
				"</swap_hard_limit>\n",
				t->swap_hard_limit_kib);
		fputs("  </memtune>\n", f);
	}
	if (!t->shares && !t->period_us && !t->quota_us &&
	    !t->global_period_us && !t->global_quota_us)
		return;
	fputs("  <cputune>\n", f);
	if (t->shares)
		fprintf(f, "    <shares>%" PRIu64 "</shares>\n", t->shares);
	if (t->period_us)
		fprintf(f, "    <period>%" PRIu64 "</period>\n", t->period_us);
	if (t->quota_us)
		fprintf(f, "    <quota>%" PRId64 "</quota>\n", t->quota_us);
	if (t->global_period_us)
		fprintf(f, "    <global_period>%" PRIu64 "</global_period>\n",
			t->global_period_us);
	if (t->global_quota_us)
		fprintf(f, "    <global_quota>%" PRId64 "</global_quota>\n",
			t->global_quota_us);
	fputs("  </cputune>\n", f);
}

/* Writes <tag>escaped text</tag> at @indent spaces when @text is set. */
static void put_text(FILE *f, int indent, const char *tag, const char *text)
{
	if (!text)
		return;
	fprintf(f, "%*s<%s>", indent, "", tag);
	xml_escape(f, text);
	fprintf(f, "</%s>\n", tag);
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

static void format_disk(FILE *f, const struct domain_disk *dk)
{
	fprintf(f, "    <disk type='file' device='%s'>\n",
		disk_device_names[dk->device]);
	fprintf(f, "      <driver name='qemu' type='%s'/>\n",
		format_names[dk->format]);
	fputs("      <source file='", f);
	xml_escape(f, dk->source);
	fprintf(f, "'/>\n      <target dev='%s' bus='virtio'/>\n", dk->target);
	if (dk->readonly)
		fputs("      <readonly/>\n", f);
	if (dk->shareable)
		fputs("      <shareable/>\n", f);
	format_iotune(f, dk->iotune);
	put_text(f, 6, "serial", dk->serial);
	fputs("    </disk>\n", f);
}

static void format_net(FILE *f, const struct domain_net *n)
{
	const uint8_t *m = n->mac;

	fprintf(f, "    <interface type='%s'>\n", net_type_names[n->type]);
	fprintf(f, "      <mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n",
		m[0], m[1], m[2], m[3], m[4], m[5]);
	if (n->source) {
		fprintf(f, "      <source %s='",
			n->type == NET_TYPE_BRIDGE ? "bridge" : "network");
		xml_escape(f, n->source);
		fputs("'/>\n", f);
	}
	if (n->tap) {
		fputs("      <target dev='", f);
		xml_escape(f, n->tap);
		fputs("'/>\n", f);
	}
	fprintf(f, "      <model type='%s'/>\n", n->model);
	fputs("    </interface>\n", f);
}

static void format_devices(FILE *f, const struct domain_def *d)
{
	fputs("  <devices>\n", f);
	for (size_t i = 0; i < d->n_disks; i++)
		format_disk(f, &d->disks[i]);
	for (size_t i = 0; i < d->n_nets; i++)
		format_net(f, &d->nets[i]);
	if (d->serial_pty)
		fputs("    <serial type='pty'>\n      <target port='0'/>\n"
		      "    </serial>\n",
		      f);
	if (d->console_pty)
		fputs("    <console type='pty'>\n      <target type='serial' "
		      "port='0'/>\n    </console>\n",
		      f);
	for (unsigned i = 0; i < d->n_rngs; i++)
		fputs("    <rng model='virtio'>\n      <backend "
		      "model='random'>/dev/urandom</backend>\n    </rng>\n",
		      f);
	fputs("  </devices>\n", f);
}

char *domain_def_format(const struct domain_def *d)
{
	char *out = NULL, uuid[37];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort(); /* only fails without memory */
	uuid_unparse_lower(d->uuid, uuid);
	fprintf(f, "<domain type='%s'>\n", virt_names[d->virt]);
	put_text(f, 2, "name", d->name);
	fprintf(f, "  <uuid>%s</uuid>\n", uuid);
	put_text(f, 2, "title", d->title);
	put_text(f, 2, "description", d->description);
	fprintf(f, "  <memory unit='KiB'>%" PRIu64 "</memory>\n",
		d->memory_kib);
	fprintf(f, "  <currentMemory unit='KiB'>%" PRIu64 "</currentMemory>\n",
		d->current_memory_kib);
	fprintf(f, "  <vcpu placement='static'>%u</vcpu>\n", d->vcpus);
	format_tune(f, &d->tune);
	fprintf(f, "  <os>\n    <type arch='%s'>hvm</type>\n", d->arch);
	put_text(f, 4, "kernel", d->kernel);
	put_text(f, 4, "initrd", d->initrd);
	put_text(f, 4, "cmdline", d->cmdline);
	fputs("  </os>\n", f);
	fprintf(f, "  <on_poweroff>%s</on_poweroff>\n",
		lifecycle_names[d->on_poweroff]);
	fprintf(f, "  <on_reboot>%s</on_reboot>\n",
		lifecycle_names[d->on_reboot]);
	fprintf(f, "  <on_crash>%s</on_crash>\n", lifecycle_names[d->on_crash]);
	format_devices(f, d);
	fputs("</domain>\n", f);
	fclose(f);
	return out;
}
