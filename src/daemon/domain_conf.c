// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Domain XML: parse (libxml2) into struct domain_def, format back.
 * Each element of the subset has one parse function; each checks its
 * attributes and children against what it knows and warns about the rest.
 */
#include "daemon/domain_conf.h"
#include "daemon/domain_conf_channel.h"
#include "daemon/domain_conf_chardev.h"
#include "daemon/domain_conf_devices.h"
#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_disk.h"
#include "daemon/domain_conf_hostdev.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_machine.h"
#include "daemon/domain_conf_mem.h"
#include "daemon/domain_conf_metadata.h"

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
	domain_devmisc_free(d->misc);
	for (size_t i = 0; i < d->n_disks; i++)
		domain_disk_clear(&d->disks[i]);
	for (size_t i = 0; i < d->n_serials; i++) {
		free(d->serials[i].log_file);
		domain_chardev_source_clear(&d->serials[i].src);
	}
	for (size_t i = 0; i < d->n_consoles; i++) {
		free(d->consoles[i].log_file);
		domain_chardev_source_clear(&d->consoles[i].src);
	}
	for (size_t i = 0; i < d->n_parallels; i++) {
		free(d->parallels[i].log_file);
		domain_chardev_source_clear(&d->parallels[i].src);
	}
	free(d->parallels);
	for (size_t i = 0; i < d->n_rngs; i++)
		domain_rng_clear(&d->rngs[i]);
	free(d->serials);
	free(d->consoles);
	free(d->rngs);
	free(d->cpuset);
	domain_tune_pins_clear(&d->tune);
	free(d->os_type);
	free(d->machine);
	for (size_t i = 0; i < d->n_nets; i++)
		domain_net_clear(&d->nets[i]);
	free(d->disks);
	free(d->nets);
	free(d->name);
	free(d->title);
	free(d->description);
	free(d->metadata);
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
	static const char *const children[] = {
		"shares",	"period",	 "quota",	"global_period",
		"global_quota", "vcpupin",	 "emulatorpin", "iothreadpin",
		"vcpusched",	"iothreadsched", NULL};
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
		"type",	   "kernel",  "initrd",	  "cmdline",  "boot",
		"loader",  "nvram",   "firmware", "bootmenu", "init",
		"initarg", "initenv", "initdir",  "inituser", "initgroup",
		"smbios",  "bios",    NULL};
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

/*
 * A console on serial port @s is that port, as libvirt has it: the
 * port's source is what the drivers connect; a console's source that
 * says otherwise is named (what it leaves out is the port's).
 */
static void console_alias(const xmlNode *devs, struct domain_chardev *c,
			  const struct domain_chardev *s,
			  struct xml_warnings *w)
{
	if (!domain_chardev_source_within(c->type, &c->src, s->type, &s->src))
		xml_warn(w, devs,
			 "<console> on serial port %u: connected as the "
			 "<serial> is (type '%s'), not as it says",
			 s->port, chardev_type_names[s->type]);
}

static int check_chardevs(const xmlNode *devs, struct domain_def *d,
			  struct xml_warnings *w, struct err **e)
{
	struct domain_chardev *c0 = d->n_consoles ? &d->consoles[0] : NULL;
	bool aliased = false;

	for (size_t i = 0; i < d->n_serials; i++) {
		for (size_t j = i + 1; j < d->n_serials; j++)
			if (d->serials[i].port == d->serials[j].port)
				return xml_err(e, devs,
					       "two serials with port %u",
					       d->serials[i].port);
		if (c0 && c0->target == CONSOLE_TARGET_SERIAL &&
		    d->serials[i].port == c0->port) {
			console_alias(devs, c0, &d->serials[i], w);
			aliased = true;
		}
	}
	for (size_t i = 0; i < d->n_parallels; i++)
		for (size_t j = i + 1; j < d->n_parallels; j++)
			if (d->parallels[i].port == d->parallels[j].port)
				return xml_err(e, devs,
					       "two parallels with port %u",
					       d->parallels[i].port);
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
		d->serials[d->n_serials] = (struct domain_chardev){
			.type = c0->type, .port = c0->port};
		domain_chardev_source_copy(&d->serials[d->n_serials++].src,
					   &c0->src);
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
	/* two interfaces may share a MAC, as libvirt lets them (a
	 * failover pair does: net-virtio-teaming's) */
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
		if (d->nets[d->n_nets - 1].type == NET_TYPE_HOSTDEV &&
		    domain_net_add_hostdev(c, d, d->n_nets - 1, e) < 0)
			return -EINVAL;
		if (d->nets[d->n_nets - 1].guest_dev &&
		    d->virt != DOMAIN_VIRT_LXC)
			xml_warn(w, c,
				 "<guest dev>: not acted on, only a "
				 "container's interface has a name inside");
		return 0;
	}
	if (streq(name, "serial") || streq(name, "console") ||
	    streq(name, "parallel")) {
		enum chardev_kind kind = streq(name, "serial") ? CHR_SERIAL
					 : streq(name, "console")
						 ? CHR_CONSOLE
						 : CHR_PARALLEL;
		struct domain_chardev **v = kind == CHR_SERIAL ? &d->serials
					    : kind == CHR_CONSOLE
						    ? &d->consoles
						    : &d->parallels;
		size_t *n = kind == CHR_SERIAL	  ? &d->n_serials
			    : kind == CHR_CONSOLE ? &d->n_consoles
						  : &d->n_parallels;

		if (*n == DOMAIN_MAX_CHARDEVS)
			return xml_err(e, c, "more than %d %ss",
				       DOMAIN_MAX_CHARDEVS, name);
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		memset(&(*v)[*n], 0, sizeof(**v));
		(*n)++;
		return domain_parse_chardev(c, kind, (unsigned)(*n - 1),
					    &(*v)[*n - 1], w, e);
	}
	if (streq(name, "rng")) {
		if (d->n_rngs == DOMAIN_MAX_RNGS)
			return xml_err(e, c, "more than %d rngs",
				       DOMAIN_MAX_RNGS);
		d->rngs =
			xreallocarray(d->rngs, d->n_rngs + 1, sizeof(*d->rngs));
		memset(&d->rngs[d->n_rngs], 0, sizeof(*d->rngs));
		return domain_parse_rng(c, &d->rngs[d->n_rngs++], w, e);
	}
	if ((r = domain_parse_hw_device(c, d, w, e)) != 0 ||
	    (r = domain_parse_display_device(c, d, w, e)) != 0)
		return r < 0 ? r : 0;
	if ((r = domain_parse_channel_device(c, d, w, e)) != 0 ||
	    (r = domain_parse_fs_device(c, d, w, e)) != 0 ||
	    (r = domain_parse_devmisc(c, d, w, e)) != 0 ||
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
	if (domain_controllers_index(devs, d, e) < 0 ||
	    domain_display_defaults(devs, d, e) < 0 ||
	    check_chardevs(devs, d, w, e) < 0 ||
	    domain_def_check_boot(devs, d, e) < 0 ||
	    domain_hostdevs_check(devs, d, e) < 0)
		return -EINVAL;
	return check_unique_devices(devs, d, e);
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
	if (d->cpuset && domain_parse_cpuset(n, d->cpuset, e) < 0)
		return -EINVAL;
	return 0;
}

static int parse_memory_and_vcpus(const xmlNode *root, struct domain_def *d,
				  struct xml_warnings *w, struct err **e)
{
	xmlNode *n = xml_child(root, "memory");
	int v = 0, r;

	/* Without <memory>, NUMA cells may give it: domain_finish_memory(). */
	if (n) {
		xml_check_known(n,
				(const char *const[]){"unit", "dumpCore", NULL},
				NULL, w);
		if (parse_memory(n, &d->memory_kib, e) < 0)
			return -EINVAL;
		if ((r = parse_enum_attr(n, "dumpCore", "dumpCore",
					 tristate_names + 1, &v, e)) < 0)
			return r;
		d->dump_core = r ? v + 1 : DOMAIN_TRISTATE_ABSENT;
	}
	if ((n = xml_child(root, "currentMemory"))) {
		xml_check_known(n, (const char *const[]){"unit", NULL}, NULL,
				w);
		if (parse_memory(n, &d->current_memory_kib, e) < 0)
			return -EINVAL;
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
	    (parse_cputune(n, &d->tune, w, e) < 0 ||
	     domain_parse_cputune_pins(n, d, e) < 0))
		return -EINVAL;
	if ((n = xml_child(root, "devices")) && parse_devices(n, d, w, e) < 0)
		return -EINVAL;
	if (domain_finish_memory(root, d, e) < 0)
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

/*
 * libvirt's QEMU namespace (<qemu:commandline>, capabilities, override,
 * deprecation) hands QEMU raw arguments, environment and device
 * properties past every rule nidod keeps for it (files opened by nidod
 * and passed as fds, no host path, its sandbox): refused by name rather
 * than run, or dropped (docs/security.md).
 */
static int refuse_qemu_ns(const xmlNode *root, struct err **e)
{
	for (const xmlNode *c = root->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href &&
		    xmlStrEqual(c->ns->href,
				BAD_CAST "http://libvirt.org/schemas/domain/"
					 "qemu/1.0"))
			return xml_err(e, c,
				       "libvirt's QEMU namespace not "
				       "supported: raw QEMU arguments would "
				       "bypass the rules nidod keeps for QEMU");
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
				  "metadata",	 NULL,	     NULL,
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
		children[ARRAY_SIZE(children) - 6] = "blkiotune";
		children[ARRAY_SIZE(children) - 5] = "idmap";
		children[ARRAY_SIZE(children) - 4] = "pids";
		children[ARRAY_SIZE(children) - 3] = "seclabel";
		children[ARRAY_SIZE(children) - 2] = "privileged";
	}
	xml_check_known(root, (const char *const[]){"type", "id", NULL},
			children, w);
	r = refuse_qemu_ns(root, e);
	if (r == 0)
		r = parse_identity(root, d, e);
	if (r == 0)
		domain_parse_metadata(root, d, w);
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
	    !t->global_period_us && !t->global_quota_us && !t->n_vcpupins &&
	    !t->emulatorpin && !t->n_iothreadpins && !t->n_vcpusched &&
	    !t->n_iothreadsched)
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
	domain_format_cputune_pins(f, t);
	fputs("  </cputune>\n", f);
}

static void format_devices(FILE *f, const struct domain_def *d, bool active)
{
	fputs("  <devices>\n", f);
	xml_put_text(f, 4, "emulator", d->emulator);
	for (size_t i = 0; i < d->n_disks; i++)
		domain_disk_format(f, &d->disks[i]);
	domain_format_controllers(f, d);
	if (d->fdc)
		fputs("    <controller type='fdc' index='0'/>\n", f);
	domain_format_filesystems(f, d);
	domain_format_devmisc_fs(f, d);
	for (size_t i = 0; i < d->n_nets; i++)
		domain_net_format(f, &d->nets[i], active);
	for (size_t i = 0; i < d->n_serials; i++)
		domain_format_chardev(f, CHR_SERIAL, &d->serials[i]);
	for (size_t i = 0; i < d->n_parallels; i++)
		domain_format_chardev(f, CHR_PARALLEL, &d->parallels[i]);
	for (size_t i = 0; i < d->n_consoles; i++)
		domain_format_chardev(f, CHR_CONSOLE, &d->consoles[i]);
	domain_format_channels(f, d, active);
	domain_format_display(f, d, active);
	domain_format_hostdevs(f, d);
	domain_format_hw_devices(f, d);
	for (size_t i = 0; i < d->n_rngs; i++)
		domain_format_rng(f, &d->rngs[i]);
	domain_format_devmisc(f, d);
	fputs("  </devices>\n", f);
}

/* <memory>, <currentMemory>, <memtune>, <vcpu>, <cputune>. */
static void format_resources(FILE *f, const struct domain_def *d)
{
	domain_format_max_memory(f, d);
	fputs("  <memory", f);
	if (d->dump_core)
		xml_put_attr(f, "dumpCore", tristate_names[d->dump_core]);
	fprintf(f, " unit='KiB'>%" PRIu64 "</memory>\n", d->memory_kib);
	fprintf(f, "  <currentMemory unit='KiB'>%" PRIu64 "</currentMemory>\n",
		d->current_memory_kib);
	format_memtune(f, &d->tune);
	fprintf(f, "  <vcpu placement='%s'", placement_names[d->placement]);
	xml_put_attr(f, "cpuset", d->cpuset);
	if (d->vcpus_current != d->vcpus)
		fprintf(f, " current='%u'", d->vcpus_current);
	fprintf(f, ">%u</vcpu>\n", d->vcpus);
	domain_format_iothreads(f, d);
	format_cputune(f, &d->tune);
}

static void format_os(FILE *f, const struct domain_def *d)
{
	fputs("  <os", f);
	domain_os_format_firmware_attr(f, d);
	fputs(">\n    <type", f);
	xml_put_attr(f, "arch", d->arch);
	xml_put_attr(f, "machine", d->machine);
	fputc('>', f);
	xml_escape_text(f, d->os_type);
	fputs("</type>\n", f);
	domain_os_format_firmware(f, d);
	xml_put_text(f, 4, "kernel", d->kernel);
	xml_put_text(f, 4, "initrd", d->initrd);
	xml_put_text(f, 4, "cmdline", d->cmdline);
	domain_os_format_ct(f, d);
	for (size_t i = 0; i < d->n_boot; i++)
		fprintf(f, "    <boot dev='%s'/>\n",
			boot_dev_names[d->boot[i]]);
	domain_format_bootmenu(f, d);
	domain_format_os_smbios(f, d);
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
	xml_put_text(f, 2, "name", d->name);
	fprintf(f, "  <uuid>%s</uuid>\n", uuid);
	domain_format_genid(f, d);
	xml_put_text(f, 2, "title", d->title);
	xml_put_text(f, 2, "description", d->description);
	domain_format_metadata(f, d);
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
