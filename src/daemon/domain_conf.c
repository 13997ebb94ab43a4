// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Domain XML: parse (libxml2) into struct domain_def, format back.
 * Each element of the subset has one parse function; each checks its
 * attributes and children against what it knows and warns about the rest.
 */
#include "daemon/domain_conf.h"
#include "daemon/domain_conf_channel.h"
#include "daemon/domain_conf_devices.h"
#include "daemon/domain_conf_disk.h"
#include "daemon/domain_conf_hostdev.h"
#include "daemon/domain_conf_hw.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <uuid/uuid.h>

#include "daemon/driver.h"
#include "daemon/driver-qemu.h"
#include "lib/size.h"

static const char *const virt_names[] = {"kvm", "qemu", "lxc", NULL};
const char *const boot_dev_names[] = {"hd", "cdrom", "network", "fd", NULL};
static const char *const lifecycle_names[] = {"destroy", "restart", "preserve",
					      "rename-restart", NULL};
static const char *const tristate_names[] = {"", "on", "off", NULL};
static const char *const placement_names[] = {"static", "auto", NULL};
static const char *const console_target_names[] = {"serial", "virtio", "lxc",
						   NULL};

const char *domain_lifecycle_name(enum domain_lifecycle l)
{
	return lifecycle_names[l];
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
	domain_firmware_clear(&d->fw);
	domain_display_clear(&d->display);
	domain_hw_clear(&d->hw);
	domain_channels_clear(d);
	domain_hostdevs_clear(d);
	for (size_t i = 0; i < d->n_disks; i++)
		domain_disk_clear(&d->disks[i]);
	for (size_t i = 0; i < d->n_serials; i++)
		free(d->serials[i].log_file);
	for (size_t i = 0; i < d->n_consoles; i++)
		free(d->consoles[i].log_file);
	for (size_t i = 0; i < d->n_rngs; i++)
		free(d->rngs[i].backend);
	free(d->serials);
	free(d->consoles);
	free(d->rngs);
	free(d->cpuset);
	free(d->os_type);
	free(d->machine);
	for (size_t i = 0; i < d->n_nets; i++)
		domain_net_clear(&d->nets[i]);
	free(d->disks);
	free(d->nets);
	free(d->name);
	free(d->title);
	free(d->description);
	free(d->arch);
	free(d->kernel);
	free(d->emulator);
	free(d->initrd);
	free(d->cmdline);
	domain_ct_clear(&d->ct);
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

/* A value made of [A-Za-z0-9_.-], as an arch or machine name is. */
static int parse_token(const xmlNode *node, const char *what, char *value,
		       char **out, struct err **e)
{
	size_t n = strlen(value);

	*out = value;
	if (n == 0 || n > 64 ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_.-") != n)
		return xml_err(e, node, "invalid %s '%s'", what, value);
	return 0;
}

/* <type arch='x86_64' machine='...'>hvm</type>; which ones run is the
 * driver's to say. */
static int parse_os_type(const xmlNode *n, struct domain_def *d,
			 struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"arch", "machine", NULL};
	char *arch = xml_attr(n, "arch");
	char *machine = xml_attr(n, "machine");

	xml_check_known(n, attrs, NULL, w);
	free(d->os_type);
	if (parse_token(n, "os type", xml_text(n), &d->os_type, e) < 0) {
		free(arch);
		free(machine);
		return -EINVAL;
	}
	if (arch) {
		free(d->arch);
		if (parse_token(n, "architecture", arch, &d->arch, e) < 0) {
			free(machine);
			return -EINVAL;
		}
	}
	if (machine &&
	    parse_token(n, "machine type", machine, &d->machine, e) < 0)
		return -EINVAL;
	return 0;
}

/* <boot dev='hd|cdrom|network|fd'/>: each once, in the order given. */
static int parse_boot(const xmlNode *n, struct domain_def *d,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"dev", NULL};
	int v = -1, r;

	xml_check_known(n, attrs, NULL, w);
	if ((r = parse_enum_attr(n, "dev", "boot device", boot_dev_names, &v,
				 e)) < 0)
		return r;
	if (r == 0)
		return xml_err(e, n, "<boot> without dev");
	for (size_t i = 0; i < d->n_boot; i++)
		if (d->boot[i] == (enum boot_dev)v)
			return xml_err(e, n, "<boot dev='%s'> given twice",
				       boot_dev_names[v]);
	d->boot[d->n_boot++] = (enum boot_dev)v;
	return 0;
}

static int parse_os(const xmlNode *os, struct domain_def *d,
		    struct xml_warnings *w, struct err **e)
{
	static const char *const children[] = {
		"type",	    "kernel",	"initrd",    "cmdline",
		"boot",	    "loader",	"nvram",     "firmware",
		"bootmenu", "init",	"initarg",   "initenv",
		"initdir",  "inituser", "initgroup", NULL};
	xmlNode *n;

	xml_check_known(os, (const char *const[]){"firmware", NULL}, children,
			w);
	if ((n = xml_child(os, "type")) && parse_os_type(n, d, w, e) < 0)
		return -EINVAL;
	if (domain_os_parse_firmware(os, d, w, e) < 0)
		return -EINVAL;
	for (n = os->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, BAD_CAST "boot") &&
		    parse_boot(n, d, w, e) < 0)
			return -EINVAL;
	if ((n = xml_child(os, "kernel"))) {
		d->kernel = xml_text(n);
		if (!*d->kernel)
			return xml_err(e, n, "empty kernel path");
	}
	if ((n = xml_child(os, "initrd")))
		d->initrd = xml_text(n);
	if ((n = xml_child(os, "cmdline")))
		d->cmdline = xml_text(n);
	return domain_os_parse_ct(os, d, w, e);
}

/* <log file='/var/log/x.log' append='on'/> inside a chardev. */
static int parse_chardev_log(const xmlNode *n, struct domain_chardev *c,
			     struct xml_warnings *w, struct err **e)
{
	int v = 0, r;

	xml_check_known(n, (const char *const[]){"file", "append", NULL}, NULL,
			w);
	c->log_file = xml_attr(n, "file");
	if (!c->log_file || c->log_file[0] != '/')
		return xml_err(e, n, "log file '%s' must be an absolute path",
			       c->log_file ? c->log_file : "");
	if ((r = parse_enum_attr(n, "append", "append", tristate_names + 1, &v,
				 e)) < 0)
		return r;
	c->log_append = r ? v + 1 : DOMAIN_TRISTATE_ABSENT;
	return 0;
}

/*
 * <serial type='pty'> or <console type='pty'>: <target port=> (and a
 * console's type=), <log>. A serial's port defaults to its index
 * (@index), as libvirt numbers them.
 */
static int parse_chardev(const xmlNode *node, bool console, unsigned index,
			 struct domain_chardev *c, struct xml_warnings *w,
			 struct err **e)
{
	static const char *const children[] = {"target", "log", "source",
					       "alias", NULL};
	_cleanup_free_ char *type = xml_attr(node, "type");
	xmlNode *n;
	int v = 0;

	xml_check_known(node, (const char *const[]){"type", NULL}, children, w);
	if (!type || !streq(type, "pty"))
		return xml_err(e, node,
			       "type '%s' not supported (expected pty)",
			       type ? type : "");
	c->type = CHARDEV_PTY;
	c->port = console ? 0 : index;
	if ((n = xml_child(node, "target"))) {
		_cleanup_free_ char *port = xml_attr(n, "port");
		uint64_t p;

		xml_check_known(n, (const char *const[]){"type", "port", NULL},
				(const char *const[]){"model", NULL}, w);
		if (port && xml_uint(n, "port", port, 0,
				     DOMAIN_MAX_CHARDEVS - 1, &p, e) < 0)
			return -EINVAL;
		if (port)
			c->port = (unsigned)p;
		if (console && parse_enum_attr(n, "type", "console target type",
					       console_target_names, &v, e) < 0)
			return -EINVAL;
		c->target = v;
		if (!console &&
		    parse_enum_attr(n, "type", "serial target type",
				    (const char *const[]){"isa-serial", NULL},
				    &v, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(node, "log")))
		return parse_chardev_log(n, c, w, e);
	return 0;
}

/* <rng model='virtio'><backend model='random'>PATH</backend><rate/>. */
static int parse_rng(const xmlNode *node, struct domain_rng *rng,
		     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *model = xml_attr(node, "model");
	xmlNode *b = xml_child(node, "backend"), *n;

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

		xml_check_known(b, (const char *const[]){"model", NULL}, NULL,
				w);
		if (!bmodel || !streq(bmodel, "random"))
			return xml_err(e, b,
				       "rng backend '%s' not supported "
				       "(expected random)",
				       bmodel ? bmodel : "");
		rng->backend = xml_text(b);
		if (*rng->backend && rng->backend[0] != '/')
			return xml_err(e, b,
				       "rng source '%s' must be an absolute "
				       "path",
				       rng->backend);
	}
	if (!rng->backend || !*rng->backend) {
		free(rng->backend);
		rng->backend = xstrdup("/dev/urandom");
	}
	if ((n = xml_child(node, "rate"))) {
		_cleanup_free_ char *bytes = xml_attr(n, "bytes");
		_cleanup_free_ char *period = xml_attr(n, "period");

		xml_check_known(n,
				(const char *const[]){"bytes", "period", NULL},
				NULL, w);
		if (xml_uint(n, "rate bytes", bytes, 1, UINT32_MAX,
			     &rng->rate_bytes, e) < 0 ||
		    (period && xml_uint(n, "rate period", period, 1, UINT32_MAX,
					&rng->rate_period_ms, e) < 0))
			return -EINVAL;
	}
	return 0;
}

/*
 * libvirt's rules for consoles: only the first may be a serial port (an
 * alias of the serial with its port, added when there is none); the
 * others are virtio consoles. Serial ports are distinct.
 */
static int check_chardevs(const xmlNode *devs, struct domain_def *d,
			  struct err **e)
{
	struct domain_chardev *c0 = d->n_consoles ? &d->consoles[0] : NULL;
	bool aliased = false;

	for (size_t i = 0; i < d->n_serials; i++) {
		for (size_t j = i + 1; j < d->n_serials; j++)
			if (d->serials[i].port == d->serials[j].port)
				return xml_err(e, devs,
					       "two serials with port %u",
					       d->serials[i].port);
		aliased |= c0 && c0->target == CONSOLE_TARGET_SERIAL &&
			   d->serials[i].port == c0->port;
	}
	for (size_t i = 0; i < d->n_consoles; i++)
		if (d->consoles[i].target == CONSOLE_TARGET_LXC &&
		    d->virt != DOMAIN_VIRT_LXC)
			return xml_err(e, devs,
				       "console %zu: target type 'lxc' is a "
				       "container's console (<domain "
				       "type='lxc'>)",
				       i);
	for (size_t i = 1; i < d->n_consoles; i++)
		if (d->consoles[i].target == CONSOLE_TARGET_SERIAL)
			return xml_err(e, devs,
				       "console %zu: only the first console "
				       "can be a serial port (use <target "
				       "type='virtio'/>)",
				       i);
	if (c0 && c0->target == CONSOLE_TARGET_SERIAL && !aliased) {
		if (d->n_serials == DOMAIN_MAX_CHARDEVS)
			return xml_err(e, devs, "more than %d serials",
				       DOMAIN_MAX_CHARDEVS);
		d->serials = xreallocarray(d->serials, d->n_serials + 1,
					   sizeof(*d->serials));
		d->serials[d->n_serials++] = (struct domain_chardev){
			.type = c0->type, .port = c0->port};
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
	for (size_t i = 0; i < d->n_nets; i++)
		for (size_t j = i + 1; j < d->n_nets; j++)
			if (d->nets[i].tap && d->nets[j].tap &&
			    streq(d->nets[i].tap, d->nets[j].tap))
				return xml_err(e, devs,
					       "two interfaces with target "
					       "dev '%s'",
					       d->nets[i].tap);
	return 0;
}

static int parse_device(const xmlNode *c, struct domain_def *d,
			struct xml_warnings *w, struct err **e)
{
	const char *name = (const char *)c->name;
	int r;

	if (streq(name, "disk")) {
		if (d->n_disks == DOMAIN_MAX_DISKS)
			return xml_err(e, c, "more than %d disks",
				       DOMAIN_MAX_DISKS);
		d->disks = xreallocarray(d->disks, d->n_disks + 1,
					 sizeof(*d->disks));
		memset(&d->disks[d->n_disks], 0, sizeof(*d->disks));
		return domain_disk_parse(c, &d->disks[d->n_disks++], w, e);
	}
	if (streq(name, "interface")) {
		if (d->n_nets == DOMAIN_MAX_NETS)
			return xml_err(e, c, "more than %d interfaces",
				       DOMAIN_MAX_NETS);
		d->nets =
			xreallocarray(d->nets, d->n_nets + 1, sizeof(*d->nets));
		memset(&d->nets[d->n_nets], 0, sizeof(*d->nets));
		r = domain_net_parse(c, &d->nets[d->n_nets++], w, e);
		if (r < 0)
			return r;
		/* a container's veth has no model: none is kept unless
		 * given (the ct driver warns about one) */
		if (d->virt == DOMAIN_VIRT_LXC && !xml_child(c, "model")) {
			free(d->nets[d->n_nets - 1].model);
			d->nets[d->n_nets - 1].model = NULL;
		}
		if (d->nets[d->n_nets - 1].guest_dev &&
		    d->virt != DOMAIN_VIRT_LXC)
			xml_warn(w, c,
				 "<guest dev>: not acted on, only a "
				 "container's interface has a name inside");
		return 0;
	}
	if (streq(name, "serial") || streq(name, "console")) {
		bool console = streq(name, "console");
		struct domain_chardev **v =
			console ? &d->consoles : &d->serials;
		size_t *n = console ? &d->n_consoles : &d->n_serials;

		if (*n == DOMAIN_MAX_CHARDEVS)
			return xml_err(e, c, "more than %d %ss",
				       DOMAIN_MAX_CHARDEVS, name);
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		memset(&(*v)[*n], 0, sizeof(**v));
		(*n)++;
		return parse_chardev(c, console, (unsigned)(*n - 1),
				     &(*v)[*n - 1], w, e);
	}
	if (streq(name, "rng")) {
		if (d->n_rngs == DOMAIN_MAX_RNGS)
			return xml_err(e, c, "more than %d rngs",
				       DOMAIN_MAX_RNGS);
		d->rngs =
			xreallocarray(d->rngs, d->n_rngs + 1, sizeof(*d->rngs));
		memset(&d->rngs[d->n_rngs], 0, sizeof(*d->rngs));
		return parse_rng(c, &d->rngs[d->n_rngs++], w, e);
	}
	if ((r = domain_parse_hw_device(c, d, w, e)) != 0 ||
	    (r = domain_parse_display_device(c, d, w, e)) != 0)
		return r < 0 ? r : 0;
	if ((r = domain_parse_channel_device(c, d, w, e)) != 0 ||
	    (r = domain_parse_fs_device(c, d, w, e)) != 0 ||
	    (r = domain_parse_hostdev_device(c, d, w, e)) != 0 ||
	    (r = domain_parse_fdc(c, d, e)) != 0)
		return r < 0 ? r : 0;
	xml_warn(w, c, "<devices>: unknown device <%s> ignored", name);
	return 0;
}

/* <emulator>/usr/bin/qemu-system-x86_64</emulator>: an absolute path,
 * once; which driver it means is the pick rule's (docs/drivers.md). */
static int parse_emulator(const xmlNode *n, struct domain_def *d,
			  struct err **e)
{
	if (d->emulator)
		return xml_err(e, n, "<emulator> given twice");
	d->emulator = xml_text(n);
	if (d->emulator[0] != '/' || strlen(d->emulator) > 4096)
		return xml_err(e, n, "<emulator> '%s': not an absolute path",
			       d->emulator);
	return 0;
}

static int parse_devices(const xmlNode *devs, struct domain_def *d,
			 struct xml_warnings *w, struct err **e)
{
	for (xmlNode *c = devs->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(c->name, BAD_CAST "emulator")) {
			if (parse_emulator(c, d, e) < 0)
				return -EINVAL;
			continue;
		}
		if (parse_device(c, d, w, e) < 0)
			return -EINVAL;
	}
	domain_display_defaults(d);
	if (check_chardevs(devs, d, e) < 0 ||
	    domain_def_check_boot(devs, d, e) < 0 ||
	    domain_hostdevs_check(devs, d, e) < 0)
		return -EINVAL;
	return check_unique_devices(devs, d, e);
}

/*
 * A host CPU list as libvirt writes it: "0-3,^2,8"; at least one CPU
 * left, numbers below 4096.
 */
static int parse_cpuset(const xmlNode *n, const char *s, struct err **e)
{
	bool any = false;
	const char *p = s;

	while (*p) {
		bool neg = *p == '^';
		char *end;
		unsigned long a, b;

		p += neg;
		if (!isdigit((unsigned char)*p))
			goto bad;
		a = b = strtoul(p, &end, 10);
		if (*end == '-' && !neg) {
			if (!isdigit((unsigned char)end[1]))
				goto bad;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= 4096 || (*end && *end != ','))
			goto bad;
		any |= !neg;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad;
	}
	if (any)
		return 0;
bad:
	return xml_err(e, n,
		       "invalid cpuset '%s' (expected a list such as "
		       "'0-3,^2,8')",
		       s);
}

/* <vcpu placement='static' cpuset='0-3' current='2'>4</vcpu>. */
static int parse_vcpu(const xmlNode *n, struct domain_def *d,
		      struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"placement", "cpuset", "current",
					    NULL};
	_cleanup_free_ char *text = xml_text(n);
	_cleanup_free_ char *current = xml_attr(n, "current");
	int v = 0;
	uint64_t u;

	xml_check_known(n, attrs, NULL, w);
	if (xml_uint(n, "vcpu count", text, 1, DOMAIN_MAX_VCPUS, &u, e) < 0)
		return -EINVAL;
	d->vcpus = d->vcpus_current = (unsigned)u;
	if (current) {
		if (xml_uint(n, "vcpu current", current, 1, d->vcpus, &u, e) <
		    0)
			return -EINVAL;
		d->vcpus_current = (unsigned)u;
	}
	if (parse_enum_attr(n, "placement", "vcpu placement", placement_names,
			    &v, e) < 0)
		return -EINVAL;
	d->placement = v;
	d->cpuset = xml_attr(n, "cpuset");
	if (d->cpuset && parse_cpuset(n, d->cpuset, e) < 0)
		return -EINVAL;
	return 0;
}

static int parse_memory_and_vcpus(const xmlNode *root, struct domain_def *d,
				  struct xml_warnings *w, struct err **e)
{
	xmlNode *n = xml_child(root, "memory");
	int v = 0, r;

	if (!n)
		return xml_err(e, root, "missing <memory>");
	xml_check_known(n, (const char *const[]){"unit", "dumpCore", NULL},
			NULL, w);
	if (parse_memory(n, &d->memory_kib, e) < 0)
		return -EINVAL;
	if ((r = parse_enum_attr(n, "dumpCore", "dumpCore", tristate_names + 1,
				 &v, e)) < 0)
		return r;
	d->dump_core = r ? v + 1 : DOMAIN_TRISTATE_ABSENT;
	d->current_memory_kib = d->memory_kib;
	if ((n = xml_child(root, "currentMemory"))) {
		xml_check_known(n, (const char *const[]){"unit", NULL}, NULL,
				w);
		if (parse_memory(n, &d->current_memory_kib, e) < 0)
			return -EINVAL;
		if (d->current_memory_kib > d->memory_kib)
			return xml_err(e, n,
				       "currentMemory is larger than "
				       "memory");
	}
	d->vcpus = d->vcpus_current = 1;
	if ((n = xml_child(root, "vcpu")))
		return parse_vcpu(n, d, w, e);
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
			       "missing attribute 'type' (kvm, qemu "
			       "or lxc)");
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

/* Everything under <domain> once its identity is known. */
static int parse_body(const xmlNode *root, struct domain_def *d,
		      struct xml_warnings *w, struct err **e)
{
	xmlNode *n;

	if (parse_memory_and_vcpus(root, d, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "os")) && parse_os(n, d, w, e) < 0)
		return -EINVAL;
	if (domain_parse_hw_top(root, n, d, w, e) < 0)
		return -EINVAL;
	if (parse_lifecycles(root, d, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "memtune")) &&
	    parse_memtune(n, &d->tune, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "cputune")) &&
	    parse_cputune(n, &d->tune, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "devices")) && parse_devices(n, d, w, e) < 0)
		return -EINVAL;
	return domain_parse_ct_top(root, d, w, e);
}

/* Runs the check of the driver @lookup finds for @d. */
static int driver_check(const struct domain_def *d,
			domain_driver_lookup_fn lookup, struct xml_warnings *w,
			struct err **e)
{
	domain_validate_fn fn = NULL;

	if (lookup(d, &fn, e) < 0 || (fn && fn(d, w, e) < 0)) {
		err_mark(e, ERR_CONFIG_UNSUPPORTED);
		return err_prefix(e, "domain '%s'", d->name);
	}
	return 0;
}

int domain_def_parse_with(const char *xml, size_t len,
			  domain_driver_lookup_fn lookup,
			  struct domain_def **out, struct xml_warnings *w,
			  struct err **e)
{
	const char *children[] = {"name",	 "uuid",     "title",
				  "description", "memory",   "currentMemory",
				  "vcpu",	 "os",	     "on_poweroff",
				  "on_reboot",	 "on_crash", "devices",
				  "memtune",	 "cputune",  "features",
				  "clock",	 "cpu",	     DOMAIN_HW_TOP,
				  NULL,		 NULL,	     NULL,
				  NULL};
	__attribute__((cleanup(cleanup_domain_defp))) struct domain_def *d =
		NULL;
	_cleanup_free_ char *type = NULL;
	xmlDoc *doc;
	xmlNode *root;
	int r;

	doc = xml_parse(xml, len, "domain XML", "domain", e);
	if (!doc) {
		err_mark(e, ERR_XML_ERROR);
		return -EINVAL;
	}
	root = xmlDocGetRootElement(doc);
	d = xcalloc(1, sizeof(*d));
	d->os_type = xstrdup("hvm");
	d->arch = xstrdup("x86_64");
	/* a container's own elements, known for containers only */
	type = xml_attr(root, "type");
	if (type && streq(type, "lxc")) {
		children[ARRAY_SIZE(children) - 4] = "idmap";
		children[ARRAY_SIZE(children) - 3] = "pids";
		children[ARRAY_SIZE(children) - 2] = "seclabel";
	}
	xml_check_known(root, (const char *const[]){"type", "id", NULL},
			children, w);
	r = parse_identity(root, d, e);
	if (r == 0)
		r = parse_body(root, d, w, e);
	xmlFreeDoc(doc);
	if (r < 0) {
		err_mark(e, ERR_XML_ERROR);
		return r;
	}
	if (lookup)
		r = driver_check(d, lookup, w, e);
	if (r < 0)
		return r;
	*out = steal_ptr(d);
	return 0;
}

/* The daemon's drivers: driver_for() and its validate operation. */
static int daemon_driver_lookup(const struct domain_def *def,
				domain_validate_fn *fn, struct err **e)
{
	const struct driver_ops *drv = driver_for(def, e);

	if (!drv)
		return -ENOTSUP;
	*fn = drv->validate;
	return 0;
}

int domain_def_parse(const char *xml, size_t len, struct domain_def **out,
		     struct xml_warnings *w, struct err **e)
{
	int r = domain_def_parse_with(xml, len, daemon_driver_lookup, out, w,
				      e);

	/* as libvirt does: dumpxml shows the QEMU the domain runs on and
	 * the firmware it boots */
	if (r == 0 && driver_for(*out, NULL) == &driver_qemu) {
		if (!(*out)->emulator)
			(*out)->emulator = driver_qemu_emulator();
		if (driver_qemu_firmware_fill(*out, e) < 0) {
			err_prefix(e, "domain '%s'", (*out)->name);
			domain_def_free(steal_ptr(*out));
			return -ENOENT;
		}
	}
	return r;
}

/* <memtune>, between <currentMemory> and <vcpu> in libvirt's order. */
static void format_memtune(FILE *f, const struct domain_tune *t)
{
	static const char *const names[] = {"hard_limit", "soft_limit",
					    "swap_hard_limit"};
	const uint64_t v[] = {t->hard_limit_kib, t->soft_limit_kib,
			      t->swap_hard_limit_kib};

	if (!v[0] && !v[1] && !v[2])
		return;
	fputs("  <memtune>\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (v[i])
			fprintf(f, "    <%s unit='KiB'>%" PRIu64 "</%s>\n",
				names[i], v[i], names[i]);
	fputs("  </memtune>\n", f);
}

/* <cputune>, after <vcpu>. */
static void format_cputune(FILE *f, const struct domain_tune *t)
{
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

/* <serial> or <console>: the pty, its target, its log. */
static void format_chardev(FILE *f, const char *tag,
			   const struct domain_chardev *c, bool console)
{
	fprintf(f, "    <%s type='pty'>\n", tag);
	if (console)
		fprintf(f, "      <target type='%s' port='%u'/>\n",
			console_target_names[c->target], c->port);
	else
		fprintf(f, "      <target port='%u'/>\n", c->port);
	if (c->log_file) {
		fputs("      <log", f);
		put_attr(f, "file", c->log_file);
		if (c->log_append)
			put_attr(f, "append", tristate_names[c->log_append]);
		fputs("/>\n", f);
	}
	fprintf(f, "    </%s>\n", tag);
}

static void format_rng(FILE *f, const struct domain_rng *r)
{
	fputs("    <rng model='virtio'>\n", f);
	if (r->rate_bytes) {
		fprintf(f, "      <rate bytes='%" PRIu64 "'", r->rate_bytes);
		if (r->rate_period_ms)
			fprintf(f, " period='%" PRIu64 "'", r->rate_period_ms);
		fputs("/>\n", f);
	}
	fputs("      <backend model='random'>", f);
	xml_escape_text(f, r->backend);
	fputs("</backend>\n    </rng>\n", f);
}

static void format_devices(FILE *f, const struct domain_def *d, bool active)
{
	fputs("  <devices>\n", f);
	put_text(f, 4, "emulator", d->emulator);
	for (size_t i = 0; i < d->n_disks; i++)
		domain_disk_format(f, &d->disks[i]);
	domain_format_controllers(f, d);
	if (d->fdc)
		fputs("    <controller type='fdc' index='0'/>\n", f);
	domain_format_filesystems(f, d);
	for (size_t i = 0; i < d->n_nets; i++)
		domain_net_format(f, &d->nets[i], active);
	for (size_t i = 0; i < d->n_serials; i++)
		format_chardev(f, "serial", &d->serials[i], false);
	for (size_t i = 0; i < d->n_consoles; i++)
		format_chardev(f, "console", &d->consoles[i], true);
	domain_format_channels(f, d, active);
	domain_format_display(f, d, active);
	domain_format_hostdevs(f, d);
	domain_format_hw_devices(f, d);
	for (size_t i = 0; i < d->n_rngs; i++)
		format_rng(f, &d->rngs[i]);
	fputs("  </devices>\n", f);
}

/* <memory>, <currentMemory>, <memtune>, <vcpu>, <cputune>. */
static void format_resources(FILE *f, const struct domain_def *d)
{
	fputs("  <memory", f);
	if (d->dump_core)
		put_attr(f, "dumpCore", tristate_names[d->dump_core]);
	fprintf(f, " unit='KiB'>%" PRIu64 "</memory>\n", d->memory_kib);
	fprintf(f, "  <currentMemory unit='KiB'>%" PRIu64 "</currentMemory>\n",
		d->current_memory_kib);
	format_memtune(f, &d->tune);
	fprintf(f, "  <vcpu placement='%s'", placement_names[d->placement]);
	put_attr(f, "cpuset", d->cpuset);
	if (d->vcpus_current != d->vcpus)
		fprintf(f, " current='%u'", d->vcpus_current);
	fprintf(f, ">%u</vcpu>\n", d->vcpus);
	format_cputune(f, &d->tune);
}

static void format_os(FILE *f, const struct domain_def *d)
{
	fputs("  <os", f);
	domain_os_format_firmware_attr(f, d);
	fputs(">\n    <type", f);
	put_attr(f, "arch", d->arch);
	put_attr(f, "machine", d->machine);
	fputc('>', f);
	xml_escape_text(f, d->os_type);
	fputs("</type>\n", f);
	domain_os_format_firmware(f, d);
	put_text(f, 4, "kernel", d->kernel);
	put_text(f, 4, "initrd", d->initrd);
	put_text(f, 4, "cmdline", d->cmdline);
	domain_os_format_ct(f, d);
	for (size_t i = 0; i < d->n_boot; i++)
		fprintf(f, "    <boot dev='%s'/>\n",
			boot_dev_names[d->boot[i]]);
	domain_format_bootmenu(f, d);
	fputs("  </os>\n", f);
	domain_format_hw_top(f, d);
	domain_format_ct_top(f, d);
}

/*
 * libvirt's order: name, uuid, title, description, memory,
 * currentMemory, memtune, vcpu, cputune, os, on_poweroff, on_reboot,
 * on_crash, devices. @id < 0: an inactive definition.
 */
static char *format(const struct domain_def *d, int id)
{
	char *out = NULL, uuid[37];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort(); /* only fails without memory */
	uuid_unparse_lower(d->uuid, uuid);
	fprintf(f, "<domain type='%s'", virt_names[d->virt]);
	if (id >= 0)
		fprintf(f, " id='%d'", id);
	fputs(">\n", f);
	put_text(f, 2, "name", d->name);
	fprintf(f, "  <uuid>%s</uuid>\n", uuid);
	put_text(f, 2, "title", d->title);
	put_text(f, 2, "description", d->description);
	format_resources(f, d);
	format_os(f, d);
	fprintf(f, "  <on_poweroff>%s</on_poweroff>\n",
		lifecycle_names[d->on_poweroff]);
	fprintf(f, "  <on_reboot>%s</on_reboot>\n",
		lifecycle_names[d->on_reboot]);
	fprintf(f, "  <on_crash>%s</on_crash>\n", lifecycle_names[d->on_crash]);
	format_devices(f, d, id >= 0);
	fputs("</domain>\n", f);
	fclose(f);
	return out;
}

char *domain_def_format(const struct domain_def *d)
{
	return format(d, -1);
}

char *domain_def_format_active(const struct domain_def *d, int id)
{
	return format(d, id);
}
