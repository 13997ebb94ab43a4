// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The machine around a full guest (domain_conf_hw.h): controllers, the
 * balloon, the watchdog, the panic device, the clock, <features>, the
 * boot menu and devices' addresses, read and written in libvirt's
 * shapes. Values are checked here; which of them a driver can run is
 * checked by the driver.
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/domain_conf_audio.h"
#include "daemon/disk-net.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_machine.h"
#include "daemon/domain_conf_mem.h"
#include "daemon/domain_conf_seclabel.h"
#include "daemon/domain_conf_virtio.h"

const char *const controller_type_names[] = {"pci",  "ide",	      "sata",
					     "scsi", "virtio-serial", NULL};
const char *const controller_model_names[] = {"",
					      "pci-root",
					      "pcie-root",
					      "pci-bridge",
					      "dmi-to-pci-bridge",
					      "pcie-root-port",
					      "pcie-switch-upstream-port",
					      "pcie-switch-downstream-port",
					      "pci-expander-bus",
					      "pcie-expander-bus",
					      "virtio-scsi",
					      "lsilogic",
					      "lsisas1068",
					      "lsisas1078",
					      "vmpvscsi",
					      "am53c974",
					      "dc390",
					      "virtio-transitional",
					      "virtio-non-transitional",
					      NULL};
const char *const watchdog_action_names[] = {
	"reset", "shutdown", "poweroff", "pause", "none", "inject-nmi", NULL};
static const char *const watchdog_model_names[] = {"", "i6300esb", "ib700",
						   NULL};
static const char *const balloon_model_names[] = {"", "virtio", "none", NULL};
static const char *const clock_names[] = {
	"", "utc", "localtime", "variable", "absolute", "timezone", NULL};
const char *const domain_timer_names[] = {"rtc", "pit", "hpet", "kvmclock",
					  NULL};
const char *const domain_timer_present[] = {"", "yes", "no", NULL};
const char *const domain_timer_tickpolicy[] = {"", "delay", "catchup",
					       "discard", NULL};
const char *const domain_timer_track[] = {"", "guest", "wall", "realtime",
					  NULL};
static const char *const on_off[] = {"", "on", "off", NULL};
static const char *const yes_no[] = {"", "yes", "no", NULL};

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

int domain_attr_enum(const xmlNode *n, const char *attr, const char *what,
		     const char *const *names, struct err **e)
{
	return enum_attr(n, attr, what, names, e);
}

/* A number as libvirt writes addresses: hex with 0x, or decimal. */
static int parse_num(const xmlNode *n, const char *attr, unsigned max,
		     unsigned *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	char *end;
	unsigned long u;

	*out = 0;
	if (!v)
		return 0;
	errno = 0;
	u = strtoul(v, &end, 0);
	if (!*v || *end || errno || u > max || v[0] == '-' || v[0] == '+')
		return xml_err(e, n, "invalid address %s '%s' (0 to %#x)", attr,
			       v, max);
	*out = (unsigned)u;
	return 0;
}

static int parse_pci(const xmlNode *a, struct dev_pci_addr *p, struct err **e)
{
	unsigned domain;
	int r;

	if (parse_num(a, "domain", 0xffff, &domain, e) < 0 ||
	    parse_num(a, "bus", 0xff, &p->bus, e) < 0 ||
	    parse_num(a, "slot", 0x1f, &p->slot, e) < 0 ||
	    parse_num(a, "function", 7, &p->function, e) < 0)
		return -EINVAL;
	if (domain)
		return xml_err(e, a,
			       "PCI domain %#x: nido's guests have one "
			       "(0)",
			       domain);
	if ((r = enum_attr(a, "multifunction", "multifunction", on_off, e)) < 0)
		return r;
	p->multifunction = (enum domain_tristate)r;
	p->set = true;
	return 0;
}

/* Every attribute of @a is in @known: an address nido would not keep
 * is refused, not dropped. */
static int attrs_known(const xmlNode *a, const char *const *known,
		       struct err **e)
{
	return xml_only_attrs(a, known, "address ", e);
}

static int parse_drive(const xmlNode *a, struct disk_drive_addr *d,
		       struct err **e)
{
	if (parse_num(a, "controller", 255, &d->controller, e) < 0 ||
	    parse_num(a, "bus", 255, &d->bus, e) < 0 ||
	    parse_num(a, "target", 255, &d->target, e) < 0 ||
	    parse_num(a, "unit", 255, &d->unit, e) < 0)
		return -EINVAL;
	d->set = true;
	return 0;
}

int domain_parse_address(const xmlNode *dev, struct dev_pci_addr *pci,
			 struct disk_drive_addr *drive, struct err **e)
{
	static const char *const pci_attrs[] = {
		"type",	    "domain",	     "bus", "slot",
		"function", "multifunction", NULL};
	static const char *const drive_attrs[] = {"type",   "controller", "bus",
						  "target", "unit",	  NULL};
	const xmlNode *a = xml_child(dev, "address");
	_cleanup_free_ char *type = a ? xml_attr(a, "type") : NULL;

	if (!a)
		return 0;
	if (pci && type && streq(type, "pci"))
		return attrs_known(a, pci_attrs, e) < 0 ? -EINVAL
							: parse_pci(a, pci, e);
	if (drive && type && streq(type, "drive"))
		return attrs_known(a, drive_attrs, e) < 0
			       ? -EINVAL
			       : parse_drive(a, drive, e);
	return xml_err(e, a, "<address type='%s'> not supported on <%s>",
		       type ? type : "", (const char *)dev->name);
}

void domain_format_pci_address(FILE *f, int indent,
			       const struct dev_pci_addr *p)
{
	if (!p->set)
		return;
	fprintf(f,
		"%*s<address type='pci' domain='0x0000' bus='0x%02x' "
		"slot='0x%02x' function='0x%x'",
		indent, "", p->bus, p->slot, p->function);
	if (p->multifunction)
		fprintf(f, " multifunction='%s'", on_off[p->multifunction]);
	fputs("/>\n", f);
}

void domain_format_drive_address(FILE *f, int indent,
				 const struct disk_drive_addr *a)
{
	if (a->set)
		fprintf(f,
			"%*s<address type='drive' controller='%u' bus='%u' "
			"target='%u' unit='%u'/>\n",
			indent, "", a->controller, a->bus, a->target, a->unit);
}

/* A virtio-serial controller's ports= (1 to VIRTIO_SERIAL_PORTS) and
 * vectors= (MSI-X vectors, 1 to 1024); not the others'. */
static int parse_ports_vectors(const xmlNode *c, struct domain_controller *ctl,
			       struct err **e)
{
	_cleanup_free_ char *ports = xml_attr(c, "ports");
	_cleanup_free_ char *vectors = xml_attr(c, "vectors");
	uint64_t v;

	if ((ports || vectors) && ctl->type != CONTROLLER_VIRTIO_SERIAL)
		return xml_err(e, c,
			       "ports= and vectors= are a virtio-serial "
			       "controller's");
	if (ports && xml_uint(c, "controller ports", ports, 1,
			      VIRTIO_SERIAL_PORTS, &v, e) < 0)
		return -EINVAL;
	ctl->ports = ports ? (unsigned)v : 0;
	if (vectors &&
	    xml_uint(c, "controller vectors", vectors, 1, 1024, &v, e) < 0)
		return -EINVAL;
	ctl->vectors = vectors ? (unsigned)v : 0;
	return 0;
}

/* <controller type='pci|ide|sata|scsi|virtio-serial' index= model=>. */
static int parse_controller(const xmlNode *c, int type, struct domain_def *d,
			    struct xml_warnings *w, struct err **e)
{
	struct domain_hw *hw = &d->hw;
	_cleanup_free_ char *index = xml_attr(c, "index");
	struct domain_controller *ctl;
	uint64_t v = 0;
	int r;

	xml_check_known(c,
			(const char *const[]){"type", "index", "model", "ports",
					      "vectors", NULL},
			(const char *const[]){"address", "model", "target",
					      "driver", "pcihole64", NULL},
			w);
	if (hw->n_controllers == DOMAIN_MAX_CONTROLLERS)
		return xml_err(e, c, "more than %d controllers",
			       DOMAIN_MAX_CONTROLLERS);
	/* without one: numbered once all are read */
	if (index && xml_uint(c, "controller index", index, 0, 255, &v, e) < 0)
		return -EINVAL;
	hw->controllers = xreallocarray(hw->controllers, hw->n_controllers + 1,
					sizeof(*hw->controllers));
	ctl = &hw->controllers[hw->n_controllers++];
	*ctl = (struct domain_controller){
		.type = type, .index = (unsigned)v, .index_auto = !index};
	if ((r = domain_controller_model(c, type, e)) < 0)
		return r;
	ctl->model = (enum controller_model)r;
	/* libvirt's default SCSI controller on x86 */
	if (type == CONTROLLER_SCSI && !r)
		ctl->model = CONTROLLER_MODEL_LSILOGIC;
	if (ctl->model &&
	    ((type == CONTROLLER_PCI) != CONTROLLER_MODEL_IS_PCI(ctl->model) ||
	     (type == CONTROLLER_SCSI) !=
		     (ctl->model >= CONTROLLER_MODEL_VIRTIO_SCSI)))
		return xml_err(e, c,
			       "controller model '%s' is not one of "
			       "type '%s'",
			       controller_model_names[ctl->model],
			       controller_type_names[type]);
	if (type == CONTROLLER_PCI && !ctl->model)
		return xml_err(e, c, "<controller type='pci'> without a model");
	if (parse_ports_vectors(c, ctl, e) < 0 ||
	    domain_parse_controller_extra(c, ctl, w, e) < 0 ||
	    domain_parse_pcihole64(c,
				   ctl->model == CONTROLLER_MODEL_PCI_ROOT ||
					   ctl->model ==
						   CONTROLLER_MODEL_PCIE_ROOT,
				   hw, w, e) < 0)
		return -EINVAL;
	return domain_parse_address(c, &ctl->pci, NULL, e);
}

/* <memballoon><stats period='N'/>: how often the guest reports its
 * memory statistics, in seconds. */
static int parse_balloon_stats(const xmlNode *c, struct domain_hw *hw,
			       struct xml_warnings *w, struct err **e)
{
	const xmlNode *st = xml_child(c, "stats");
	_cleanup_free_ char *period = st ? xml_attr(st, "period") : NULL;
	uint64_t v = 0;

	if (!st)
		return 0;
	xml_check_known(st, (const char *const[]){"period", NULL},
			(const char *const[]){NULL}, w);
	if (period &&
	    xml_uint(st, "stats period", period, 0, INT32_MAX, &v, e) < 0)
		return -EINVAL;
	hw->balloon_period = (unsigned)v;
	return 0;
}

/* <memballoon model='virtio|none' autodeflate=>. */
static int parse_balloon(const xmlNode *c, struct domain_hw *hw,
			 struct xml_warnings *w, struct err **e)
{
	int r;

	xml_check_known(c,
			(const char *const[]){"model", "autodeflate",
					      "freePageReporting", NULL},
			(const char *const[]){"address", "alias", "stats",
					      "driver", NULL},
			w);
	if (hw->balloon)
		return xml_err(e, c, "a second <memballoon>");
	if ((r = enum_attr(c, "model", "memballoon model", balloon_model_names,
			   e)) < 0)
		return r;
	if (!r)
		return xml_err(e, c, "<memballoon> without a model");
	hw->balloon = (enum balloon_model)r;
	if ((r = enum_attr(c, "autodeflate", "autodeflate", on_off, e)) < 0)
		return r;
	hw->balloon_autodeflate = (enum domain_tristate)r;
	if ((r = enum_attr(c, "freePageReporting", "freePageReporting", on_off,
			   e)) < 0)
		return r;
	hw->balloon_free_page_reporting = (enum domain_tristate)r;
	if (parse_balloon_stats(c, hw, w, e) < 0 ||
	    domain_virtio_driver_parse(c, &hw->balloon_virtio, w, e) < 0)
		return -EINVAL;
	return domain_parse_address(c, &hw->balloon_pci, NULL, e);
}

/* <watchdog model='i6300esb|ib700' action=>; reset by default. */
static int parse_watchdog(const xmlNode *c, struct domain_hw *hw,
			  struct xml_warnings *w, struct err **e)
{
	int r;

	xml_check_known(c, (const char *const[]){"model", "action", NULL},
			(const char *const[]){"address", "alias", NULL}, w);
	if (hw->watchdog)
		return xml_err(e, c, "a second <watchdog>");
	if ((r = enum_attr(c, "model", "watchdog model", watchdog_model_names,
			   e)) < 0)
		return r;
	if (!r)
		return xml_err(e, c, "<watchdog> without a model");
	hw->watchdog = (enum watchdog_model)r;
	{
		_cleanup_free_ char *a = xml_attr(c, "action");

		if (a && (r = xml_enum(c, "watchdog action", a,
				       watchdog_action_names, e)) < 0)
			return r;
		hw->watchdog_action =
			a ? (enum watchdog_action)r : WATCHDOG_ACTION_RESET;
	}
	if (hw->watchdog == WATCHDOG_IB700 && xml_child(c, "address"))
		return xml_err(e, c,
			       "an ib700 watchdog is an ISA device: no "
			       "<address>");
	return domain_parse_address(c, &hw->watchdog_pci, NULL, e);
}

/* <panic model='isa'><address type='isa' iobase='0x505'/></panic>. */
static int parse_panic(const xmlNode *c, struct domain_hw *hw,
		       struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *model = xml_attr(c, "model");
	const xmlNode *a = xml_child(c, "address");

	xml_check_known(c, (const char *const[]){"model", NULL},
			(const char *const[]){"address", "alias", NULL}, w);
	if (hw->panic)
		return xml_err(e, c, "a second <panic>");
	if (model && !streq(model, "isa"))
		return xml_err(e, c,
			       "panic model '%s' not supported (isa: "
			       "QEMU's pvpanic)",
			       model);
	if (a) {
		_cleanup_free_ char *type = xml_attr(a, "type");
		_cleanup_free_ char *io = xml_attr(a, "iobase");

		if (!type || !streq(type, "isa") || !io ||
		    strtoul(io, NULL, 0) != 0x505 ||
		    attrs_known(a,
				(const char *const[]){"type", "iobase", NULL},
				NULL) < 0)
			return xml_err(e, a,
				       "the panic device's address is "
				       "<address type='isa' "
				       "iobase='0x505'/>");
	}
	hw->panic = true;
	return 0;
}

int domain_parse_hw_device(const xmlNode *c, struct domain_def *d,
			   struct xml_warnings *w, struct err **e)
{
	const char *name = (const char *)c->name;
	_cleanup_free_ char *type = NULL;
	int t;

	if (streq(name, "memballoon"))
		return parse_balloon(c, &d->hw, w, e) < 0 ? -EINVAL : 1;
	if (streq(name, "watchdog"))
		return parse_watchdog(c, &d->hw, w, e) < 0 ? -EINVAL : 1;
	if (streq(name, "panic"))
		return parse_panic(c, &d->hw, w, e) < 0 ? -EINVAL : 1;
	if (streq(name, "audio"))
		return domain_parse_audio(c, d, w, e);
	if (streq(name, "iommu"))
		return domain_parse_iommu(c, d, w, e) < 0 ? -EINVAL : 1;
	if (!streq(name, "controller") || !(type = xml_attr(c, "type")))
		return 0;
	if (streq(type, "ccid"))
		return domain_parse_ccid_controller(c, d, w, e) < 0 ? -EINVAL
								    : 1;
	for (t = 0; controller_type_names[t]; t++)
		if (streq(type, controller_type_names[t]))
			return parse_controller(c, t, d, w, e) < 0 ? -EINVAL
								   : 1;
	return 0;
}

static bool has_element(const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* The index of @v in @names (from 1), 0 when absent, -1 when unknown. */
static int timer_value(const xmlNode *n, const char *attr,
		       const char *const *names)
{
	_cleanup_free_ char *v = xml_attr(n, attr);

	if (!v)
		return 0;
	for (int i = 1; names[i]; i++)
		if (streq(v, names[i]))
			return i;
	return -1;
}

/*
 * <timer name= ...>: what QEMU does with each (driver-qemu-argv-hw.c):
 * the RTC's track and catch-up, the PIT's lost tick policy, the HPET
 * present or not, kvmclock on or off. Anything else of a timer (other
 * timers, present='no' for the RTC or PIT, track='boot', tickpolicy
 * 'merge', <catchup>, frequency) is warned about with its whole timer.
 */
static int parse_timer(const xmlNode *n, struct domain_hw *hw,
		       struct xml_warnings *w, struct err **e)
{
	static const char *const allowed[TIMER_N][3] = {
		{"track", "tickpolicy"},
		{"tickpolicy"},
		{"present"},
		{"present"},
	};
	_cleanup_free_ char *name = xml_attr(n, "name");
	struct domain_timer t = {.given = true};
	int k = -1;
	bool ok;

	for (int i = 0; name && domain_timer_names[i]; i++)
		if (streq(name, domain_timer_names[i]))
			k = i;
	t.present = timer_value(n, "present", domain_timer_present);
	t.tickpolicy = timer_value(n, "tickpolicy", domain_timer_tickpolicy);
	t.track = timer_value(n, "track", domain_timer_track);
	ok = k >= 0 && t.present >= 0 && t.tickpolicy >= 0 && t.track >= 0 &&
	     !has_element(n) && !(k == TIMER_RTC && t.tickpolicy == 3);
	for (const xmlAttr *a = n->properties; ok && a; a = a->next) {
		const char *an = (const char *)a->name;

		ok = !a->ns && (streq(an, "name") || streq(an, allowed[k][0]) ||
				(allowed[k][1] && streq(an, allowed[k][1])));
	}
	if (!ok) {
		xml_warn(w, n,
			 "<timer>: <timer name='%s'> with these settings not "
			 "acted on by the qemu driver",
			 name ? name : "");
		return 0;
	}
	if (hw->timers[k].given)
		return xml_err(e, n, "a second <timer name='%s'>", name);
	hw->timers[k] = t;
	return 0;
}

/* A signed number of seconds within CLOCK_MAX_SECONDS either way. */
static int parse_seconds(const xmlNode *n, const char *what, const char *v,
			 long long min, long long *out, struct err **e)
{
	char *end;

	errno = 0;
	*out = v ? strtoll(v, &end, 10) : 0;
	if (!v || !*v || errno || *end || *out < min ||
	    *out > CLOCK_MAX_SECONDS)
		return xml_err(e, n, "invalid clock %s '%s' (%lld to %lld)",
			       what, v ? v : "", min, CLOCK_MAX_SECONDS);
	return 0;
}

/* A time zone's name as in /usr/share/zoneinfo: Europe/Paris. */
static int check_tz(const xmlNode *n, const char *tz, struct err **e)
{
	size_t len = tz ? strlen(tz) : 0;

	if (!len || len > 64 || tz[0] == '/' || strstr(tz, "..") ||
	    strspn(tz, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		       "0123456789_+-/") != len)
		return xml_err(e, n,
			       "invalid clock timezone '%s' (a name of "
			       "/usr/share/zoneinfo, as Europe/Paris)",
			       tz ? tz : "");
	return 0;
}

/* offset='variable' adjustment= basis=, 'absolute' start=,
 * 'timezone' timezone=. */
static int parse_clock_offset(const xmlNode *n, struct domain_hw *hw,
			      struct err **e)
{
	_cleanup_free_ char *adj = xml_attr(n, "adjustment");
	_cleanup_free_ char *start = xml_attr(n, "start");
	int r;

	switch (hw->clock) {
	case CLOCK_VARIABLE:
		if (adj &&
		    parse_seconds(n, "adjustment", adj, -CLOCK_MAX_SECONDS,
				  &hw->clock_adjustment, e) < 0)
			return -EINVAL;
		if ((r = enum_attr(n, "basis", "clock basis",
				   (const char *const[]){"", "utc", "localtime",
							 NULL},
				   e)) < 0)
			return r;
		hw->clock_basis_local = r == 2;
		return 0;
	case CLOCK_ABSOLUTE:
		return parse_seconds(n, "start", start, 0, &hw->clock_start, e);
	case CLOCK_TIMEZONE:
		hw->clock_tz = xml_attr(n, "timezone");
		return check_tz(n, hw->clock_tz, e);
	default:
		return 0;
	}
}

static int parse_clock(const xmlNode *n, struct domain_hw *hw,
		       struct xml_warnings *w, struct err **e)
{
	int r;

	xml_check_known(n,
			(const char *const[]){"offset", "adjustment", "basis",
					      "start", "timezone", NULL},
			(const char *const[]){"timer", NULL}, w);
	if ((r = enum_attr(n, "offset", "clock offset", clock_names, e)) < 0)
		return r;
	hw->clock = (enum clock_offset)r;
	if (!r)
		return xml_err(e, n, "<clock> without offset");
	if (parse_clock_offset(n, hw, e) < 0)
		return -EINVAL;
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !c->ns &&
		    xmlStrEqual(c->name, BAD_CAST "timer") &&
		    parse_timer(c, hw, w, e) < 0)
			return -EINVAL;
	return 0;
}

static void format_clock(FILE *f, const struct domain_hw *hw)
{
	bool any = false;

	for (int k = 0; k < TIMER_N; k++)
		any |= hw->timers[k].given;
	fprintf(f, "  <clock offset='%s'", clock_names[hw->clock]);
	if (hw->clock == CLOCK_VARIABLE)
		fprintf(f, " adjustment='%lld' basis='%s'",
			hw->clock_adjustment,
			hw->clock_basis_local ? "localtime" : "utc");
	else if (hw->clock == CLOCK_ABSOLUTE)
		fprintf(f, " start='%lld'", hw->clock_start);
	else if (hw->clock == CLOCK_TIMEZONE)
		fprintf(f, " timezone='%s'", hw->clock_tz);
	fputs(any ? ">\n" : "/>\n", f);
	for (int k = 0; any && k < TIMER_N; k++) {
		const struct domain_timer *t = &hw->timers[k];

		if (!t->given)
			continue;
		fprintf(f, "    <timer name='%s'", domain_timer_names[k]);
		if (t->track)
			fprintf(f, " track='%s'", domain_timer_track[t->track]);
		if (t->tickpolicy)
			fprintf(f, " tickpolicy='%s'",
				domain_timer_tickpolicy[t->tickpolicy]);
		if (t->present)
			fprintf(f, " present='%s'",
				domain_timer_present[t->present]);
		fputs("/>\n", f);
	}
	if (any)
		fputs("  </clock>\n", f);
}

/* <@tag @attr='on|off'/> (or yes|no with @names) under @n into @out. */
static int parse_switch(const xmlNode *n, const char *tag, const char *attr,
			const char *const *names, enum domain_tristate *out,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *c = xml_child(n, tag);
	int r;

	if (!c)
		return 0;
	xml_check_known(c, (const char *const[]){attr, NULL}, NULL, w);
	if ((r = enum_attr(c, attr, tag, names, e)) < 0)
		return r;
	*out = (enum domain_tristate)r;
	return 0;
}

/*
 * <features><acpi/><apic eoi=/><pae/><smm state=/></features>: what
 * libvirt turns on; the APIC's paravirtual EOI and SMM (its <tseg>
 * size is warned about).
 */
static int parse_features(const xmlNode *n, struct domain_hw *hw,
			  struct xml_warnings *w, struct err **e)
{
	const xmlNode *apic = xml_child(n, "apic");

	xml_check_known(n, NULL,
			(const char *const[]){"acpi", "apic", "pae", "smm",
					      "hyperv", "kvm", "pmu",
					      "pvspinlock", "ioapic",
					      "vmcoreinfo", "vmport", NULL},
			w);
	hw->features = true;
	hw->acpi = xml_child(n, "acpi") != NULL;
	hw->apic = apic != NULL;
	hw->pae = xml_child(n, "pae") != NULL;
	if (apic &&
	    parse_switch(n, "apic", "eoi", on_off, &hw->apic_eoi, w, e) < 0)
		return -EINVAL;
	if (domain_parse_machine_features(n, hw, w, e) < 0)
		return -EINVAL;
	return domain_parse_cpu_features(n, hw, w, e);
}

/* <pm><suspend-to-mem enabled=/><suspend-to-disk enabled=/></pm>. */
static int parse_pm(const xmlNode *n, struct domain_hw *hw,
		    struct xml_warnings *w, struct err **e)
{
	xml_check_known(n, NULL,
			(const char *const[]){"suspend-to-mem",
					      "suspend-to-disk", NULL},
			w);
	if (parse_switch(n, "suspend-to-mem", "enabled", yes_no, &hw->s3, w,
			 e) < 0 ||
	    parse_switch(n, "suspend-to-disk", "enabled", yes_no, &hw->s4, w,
			 e) < 0)
		return -EINVAL;
	return 0;
}

static int parse_bootmenu(const xmlNode *n, struct domain_hw *hw,
			  struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *timeout = xml_attr(n, "timeout");
	uint64_t v;
	int r;

	xml_check_known(n, (const char *const[]){"enable", "timeout", NULL},
			NULL, w);
	if ((r = enum_attr(n, "enable", "bootmenu enable", yes_no, e)) < 0)
		return r;
	if (!r)
		return xml_err(e, n, "<bootmenu> without enable");
	hw->bootmenu = r == 1 ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
	if (timeout) {
		if (xml_uint(n, "bootmenu timeout", timeout, 0, 65535, &v, e) <
		    0)
			return -EINVAL;
		hw->bootmenu_timeout_ms = (unsigned)v;
	}
	return 0;
}

int domain_parse_hw_top(const xmlNode *root, const xmlNode *os,
			struct domain_def *d, struct xml_warnings *w,
			struct err **e)
{
	const xmlNode *n;
	int r;

	if ((n = xml_child(root, "features")) &&
	    parse_features(n, &d->hw, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "pm")) && parse_pm(n, &d->hw, w, e) < 0)
		return -EINVAL;
	/* a container's are domain_conf_ct.c's */
	if (d->virt != DOMAIN_VIRT_LXC &&
	    domain_parse_seclabels(root, &d->hw, w, e) < 0)
		return -EINVAL;
	/* a confidential guest run without its memory encrypted would be
	 * a guest exposed, not one changed a little: refused */
	if ((n = xml_child(root, "launchSecurity"))) {
		_cleanup_free_ char *type = xml_attr(n, "type");

		return xml_err(e, n,
			       "<launchSecurity type='%s'> not supported: nido "
			       "runs no guest with encrypted memory (AMD SEV, "
			       "Intel TDX)",
			       type ? type : "");
	}
	if (domain_parse_sysinfo(root, os, d, w, e) < 0 ||
	    domain_parse_iothreads(root, d, w, e) < 0 ||
	    domain_parse_max_memory(root, d, w, e) < 0 ||
	    domain_parse_cpu(root, d, w, e) < 0 ||
	    domain_parse_memory_backing(root, d, w, e) < 0 ||
	    domain_parse_numatune(root, d, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(root, "clock")) &&
	    (r = parse_clock(n, &d->hw, w, e)) < 0)
		return r;
	if (domain_parse_machine_opts(root, os, d, w, e) < 0)
		return -EINVAL;
	if (os && (n = xml_child(os, "bootmenu")))
		return parse_bootmenu(n, &d->hw, w, e);
	return 0;
}

void domain_format_hw_top(FILE *f, const struct domain_def *d)
{
	const struct domain_hw *hw = &d->hw;

	if (hw->features) {
		fputs("  <features>\n", f);
		if (hw->acpi)
			fputs("    <acpi/>\n", f);
		if (hw->apic && hw->apic_eoi)
			fprintf(f, "    <apic eoi='%s'/>\n",
				on_off[hw->apic_eoi]);
		else if (hw->apic)
			fputs("    <apic/>\n", f);
		if (hw->pae)
			fputs("    <pae/>\n", f);
		domain_format_cpu_features(f, hw);
		domain_format_machine_features(f, hw);
		fputs("  </features>\n", f);
	}
	if (hw->s3 || hw->s4) {
		fputs("  <pm>\n", f);
		if (hw->s3)
			fprintf(f, "    <suspend-to-mem enabled='%s'/>\n",
				yes_no[hw->s3]);
		if (hw->s4)
			fprintf(f, "    <suspend-to-disk enabled='%s'/>\n",
				yes_no[hw->s4]);
		fputs("  </pm>\n", f);
	}
	domain_format_cpu(f, d);
	domain_format_memory_backing(f, d);
	domain_format_numatune(f, d);
	domain_format_sysinfo(f, d);
	if (hw->clock)
		format_clock(f, hw);
	domain_format_seclabels(f, hw);
}

void domain_format_bootmenu(FILE *f, const struct domain_def *d)
{
	domain_format_bios(f, d);
	if (!d->hw.bootmenu)
		return;
	fprintf(f, "    <bootmenu enable='%s'", yes_no[d->hw.bootmenu]);
	if (d->hw.bootmenu_timeout_ms)
		fprintf(f, " timeout='%u'", d->hw.bootmenu_timeout_ms);
	fputs("/>\n", f);
}

void domain_format_controllers(FILE *f, const struct domain_def *d)
{
	for (size_t i = 0; i < d->hw.n_controllers; i++) {
		const struct domain_controller *c = &d->hw.controllers[i];
		bool root;

		fprintf(f, "    <controller type='%s' index='%u'",
			controller_type_names[c->type], c->index);
		if (c->model)
			fprintf(f, " model='%s'",
				controller_model_names[c->model]);
		if (c->ports)
			fprintf(f, " ports='%u'", c->ports);
		if (c->vectors)
			fprintf(f, " vectors='%u'", c->vectors);
		root = c->model == CONTROLLER_MODEL_PCI_ROOT ||
		       c->model == CONTROLLER_MODEL_PCIE_ROOT;
		if (!c->pci.set && !domain_controller_has_extra(c) &&
		    !(root && d->hw.mach.pcihole64)) {
			fputs("/>\n", f);
			continue;
		}
		fputs(">\n", f);
		domain_format_controller_extra(f, c);
		if (root)
			domain_format_pcihole64(f, &d->hw);
		domain_format_pci_address(f, 6, &c->pci);
		fputs("    </controller>\n", f);
	}
	if (d->hw.ccid)
		fputs("    <controller type='ccid' index='0'/>\n", f);
}

/* <TAG model='M'[ extra]>, its address, </TAG>; or <TAG .../>. */
static void format_addressed(FILE *f, const char *open, const char *tag,
			     const struct dev_pci_addr *pci)
{
	fputs(open, f);
	if (!pci->set) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	domain_format_pci_address(f, 6, pci);
	fprintf(f, "    </%s>\n", tag);
}

void domain_format_hw_devices(FILE *f, const struct domain_def *d)
{
	const struct domain_hw *hw = &d->hw;
	_cleanup_free_ char *s = NULL;

	if (hw->watchdog) {
		s = xasprintf("    <watchdog model='%s' action='%s'",
			      watchdog_model_names[hw->watchdog],
			      watchdog_action_names[hw->watchdog_action]);
		format_addressed(f, s, "watchdog", &hw->watchdog_pci);
		free(steal_ptr(s));
	}
	if (hw->balloon) {
		s = xasprintf("    <memballoon model='%s'%s%s%s%s%s%s",
			      balloon_model_names[hw->balloon],
			      hw->balloon_autodeflate ? " autodeflate='" : "",
			      on_off[hw->balloon_autodeflate],
			      hw->balloon_autodeflate ? "'" : "",
			      hw->balloon_free_page_reporting
				      ? " freePageReporting='"
				      : "",
			      on_off[hw->balloon_free_page_reporting],
			      hw->balloon_free_page_reporting ? "'" : "");
		if (hw->balloon_period ||
		    domain_virtio_opts_any(&hw->balloon_virtio)) {
			fprintf(f, "%s>\n", s);
			if (hw->balloon_period)
				fprintf(f, "      <stats period='%u'/>\n",
					hw->balloon_period);
			domain_format_pci_address(f, 6, &hw->balloon_pci);
			domain_virtio_driver_format(f, 6, &hw->balloon_virtio);
			fputs("    </memballoon>\n", f);
		} else {
			format_addressed(f, s, "memballoon", &hw->balloon_pci);
		}
	}
	domain_format_audios(f, d);
	domain_format_iommu(f, d);
	if (hw->panic)
		fputs("    <panic model='isa'>\n      <address type='isa' "
		      "iobase='0x505'/>\n    </panic>\n",
		      f);
}

void domain_hw_clear(struct domain_hw *hw)
{
	domain_cpu_clear(&hw->cpu);
	domain_cpu_features_clear(&hw->cpufeat);
	domain_sysinfo_clear(&hw->sysinfo);
	free(hw->iothreads.ids);
	domain_audios_clear(hw);
	domain_mem_clear(&hw->mem);
	free(hw->controllers);
	free(hw->clock_tz);
	free(hw->dac.label);
	memset(hw, 0, sizeof(*hw));
}

/* A serial port or console the qemu driver gives and the others do not:
 * any type but a pty, a PCI serial card, an ISA address. */
static const char *chardev_qemu_only(const struct domain_def *d)
{
	for (size_t i = 0; i < d->n_serials; i++) {
		const struct domain_chardev *c = &d->serials[i];

		if (c->type != CHARDEV_PTY)
			return "<serial> of a type other than pty";
		if (c->serial_target != SERIAL_TARGET_ISA)
			return "<serial><target type='pci-serial'>";
		if (c->iobase || c->irq)
			return "<serial><address type='isa'>";
	}
	for (size_t i = 0; i < d->n_consoles; i++)
		if (d->consoles[i].type != CHARDEV_PTY)
			return "<console> of a type other than pty";
	for (size_t i = 0; i < d->n_rngs; i++)
		if (d->rngs[i].pci.set)
			return "an <rng>'s <address>";
	return d->n_parallels ? "<parallel>" : NULL;
}

const char *domain_hw_qemu_only(const struct domain_def *d)
{
	const struct domain_hw *hw = &d->hw;
	const char *chr = chardev_qemu_only(d);

	if (chr || (chr = domain_machine_opts_qemu_only(hw)) ||
	    (chr = domain_devmisc_first(d)))
		return chr;
	for (int k = 0; k < TIMER_N; k++)
		if (hw->timers[k].given)
			return "<timer>";
	for (size_t i = 0; i < d->n_disks; i++)
		if (d->disks[i].iothread)
			return "<driver iothread>";
	for (size_t i = 0; i < d->n_disks; i++)
		if (d->disks[i].net && !disk_net_vmm_can(&d->disks[i]))
			return "<disk type='network'>";
	/* <memoryBacking> last: the kvm driver takes its simple forms
	 * (driver-kvm-conf.c) when nothing else is named */
	return hw->n_audios				 ? "<audio>"
	       : hw->mem.n_cells			 ? "<numa>"
	       : hw->mem.tune_mode || hw->mem.n_memnodes ? "<numatune>"
	       : hw->smm				 ? "<smm>"
	       : hw->s3 || hw->s4			 ? "<pm>"
	       : hw->apic_eoi				 ? "<apic eoi>"
	       : hw->cpufeat.hyperv			 ? "<hyperv>"
	       : hw->cpufeat.kvm			 ? "<kvm>"
	       : hw->cpufeat.pmu			 ? "<pmu>"
	       : hw->cpufeat.pvspinlock			 ? "<pvspinlock>"
	       : hw->cpufeat.ioapic			 ? "<ioapic>"
	       : hw->iommu.present			 ? "<iommu>"
	       : d->tune.n_vcpupins			 ? "<vcpupin>"
	       : d->tune.emulatorpin			 ? "<emulatorpin>"
	       : d->tune.n_vcpusched			 ? "<vcpusched>"
	       : hw->iothreads.n			 ? "<iothreads>"
	       : hw->mem.max_slots			 ? "<maxMemory>"
	       : hw->sysinfo.n_entries || hw->sysinfo.smbios_mode ? "<sysinfo>"
	       : d->display.usb_ports	? "<controller ports>"
	       : d->n_hostdevs		? "<hostdev>"
	       : d->display.n_usb_more	? "a second <controller type='usb'>"
	       : d->display.n_redirdevs ? "<redirdev>"
	       : d->display.redirfilter ? "<redirfilter>"
	       : d->display.n_inputs	? "<input> on USB or virtio"
	       : d->fdc			? "<controller type='fdc'>"
	       : hw->clock > CLOCK_LOCALTIME ? "<clock offset='variable', "
					       "'absolute' or 'timezone'>"
	       : d->display.spice	     ? "<graphics type='spice'>"
	       : d->display.local.sdl || d->display.local.egl ||
			       d->display.local.dbus
		       ? "<graphics type='sdl', 'egl-headless' or 'dbus'>"
	       : hw->dac.type == SECLABEL_DAC_STATIC
		       ? "<seclabel type='static' model='dac'>"
	       : d->display.n_videos > 1 ? "a second <video>"
	       : d->display.n_sounds	 ? "<sound>"
	       : d->display.smartcard	 ? "<smartcard>"
	       : hw->ccid		 ? "<controller type='ccid'>"
	       : hw->mem.backing	 ? "<memoryBacking>"
					 : NULL;
}
