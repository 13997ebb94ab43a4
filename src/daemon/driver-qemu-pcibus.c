// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest's PCI buses under the qemu driver (driver-qemu.h): which
 * PCI controllers a machine has (a PC's conventional PCI, a Q35's PCI
 * Express), what plugs into what, at which slots, and the controllers'
 * command line. Bus N is the bus of the PCI controller of index N, as
 * libvirt numbers them, and QEMU's id for it is "pci.N".
 */
#include <errno.h>

#include <json-c/json.h>

#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"

/* What each kind of device is called in an error. */
static const char *const kind_names[QEMU_PCI_KINDS] = {
	[QEMU_PCI_VIDEO] = "video card",
	[QEMU_PCI_CONTROLLER] = "PCI controller",
	[QEMU_PCI_NET] = "interface",
	[QEMU_PCI_USB] = "USB controller",
	[QEMU_PCI_SCSI] = "SCSI controller",
	[QEMU_PCI_AHCI] = "SATA controller",
	[QEMU_PCI_DISK] = "disk",
	[QEMU_PCI_HOSTDEV] = "host device",
	[QEMU_PCI_BALLOON] = "memballoon",
	[QEMU_PCI_RNG] = "rng",
	[QEMU_PCI_WATCHDOG] = "watchdog",
	[QEMU_PCI_SERIAL] = "virtio-serial controller",
	[QEMU_PCI_CHR_SERIAL] = "PCI serial port",
	[QEMU_PCI_INPUT] = "virtio input",
	[QEMU_PCI_SOUND] = "sound card",
};

static const struct domain_controller *pci_controller(
	const struct domain_def *d, unsigned index)
{
	return domain_find_controller(d, CONTROLLER_PCI, index);
}

/* The model of bus @bus's controller; NONE when none has that index. */
static enum controller_model bus_model(const struct domain_def *d, unsigned bus)
{
	const struct domain_controller *c;

	if (bus == 0)
		return qemu_is_q35(d) ? CONTROLLER_MODEL_PCIE_ROOT
				      : CONTROLLER_MODEL_PCI_ROOT;
	c = pci_controller(d, bus);
	return c ? c->model : CONTROLLER_MODEL_NONE;
}

/* Whether a bus of @parent takes a @child (NONE: an endpoint), and at
 * which slots (libvirt's rules). */
static bool plugs(enum controller_model parent, enum controller_model child,
		  unsigned *lo, unsigned *hi)
{
	bool endpoint = child == CONTROLLER_MODEL_NONE;

	*lo = 0;
	*hi = 31;
	switch (parent) {
	case CONTROLLER_MODEL_PCI_ROOT:
		*lo = 1;
		return endpoint || child == CONTROLLER_MODEL_PCI_BRIDGE ||
		       child == CONTROLLER_MODEL_PCI_EXPANDER_BUS;
	case CONTROLLER_MODEL_PCIE_ROOT:
		*lo = 1;
		return endpoint || child == CONTROLLER_MODEL_PCIE_ROOT_PORT ||
		       child == CONTROLLER_MODEL_DMI_TO_PCI_BRIDGE ||
		       child == CONTROLLER_MODEL_PCIE_EXPANDER_BUS;
	case CONTROLLER_MODEL_PCIE_ROOT_PORT:
	case CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT:
		*hi = 0;
		return endpoint ||
		       child == CONTROLLER_MODEL_PCIE_SWITCH_UPSTREAM_PORT;
	case CONTROLLER_MODEL_PCIE_SWITCH_UPSTREAM_PORT:
		return child == CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT;
	case CONTROLLER_MODEL_PCI_BRIDGE:
		*lo = 1; /* slot 0: the bridge's own hotplug controller */
			 /* fall through */
	case CONTROLLER_MODEL_DMI_TO_PCI_BRIDGE:
	case CONTROLLER_MODEL_PCI_EXPANDER_BUS:
		return endpoint || child == CONTROLLER_MODEL_PCI_BRIDGE;
	case CONTROLLER_MODEL_PCIE_EXPANDER_BUS:
		return child == CONTROLLER_MODEL_PCIE_ROOT_PORT;
	default:
		return false;
	}
}

/* A PCI controller's parent chain reaches the root bus. */
static bool reaches_root(const struct domain_def *d,
			 const struct domain_controller *c)
{
	for (int hops = 0; hops < 256; hops++) {
		struct dev_pci_addr a;
		size_t i = (size_t)(c - d->hw.controllers);

		if (qemu_pci_slot(d, QEMU_PCI_CONTROLLER, i, &a) < 0)
			return false;
		if (a.bus == 0)
			return true;
		if (!(c = pci_controller(d, a.bus)))
			return false;
	}
	return false;
}

/* pci-expander-bus and pcie-expander-bus: libvirt's bus number when
 * none is given: 2 below the lowest of the others (given ones first,
 * then those numbered before it), from 256. */
static int expander_bus_nr(const struct domain_def *d, size_t self)
{
	int lowest = 256;

	for (size_t i = 0; i < d->hw.n_controllers; i++) {
		const struct domain_controller *c = &d->hw.controllers[i];

		if (c->type == CONTROLLER_PCI && c->bus_nr > 0 &&
		    c->bus_nr < lowest)
			lowest = c->bus_nr;
	}
	for (size_t i = 0; i <= self; i++) {
		const struct domain_controller *c = &d->hw.controllers[i];

		if (c->type == CONTROLLER_PCI &&
		    (c->model == CONTROLLER_MODEL_PCI_EXPANDER_BUS ||
		     c->model == CONTROLLER_MODEL_PCIE_EXPANDER_BUS) &&
		    c->bus_nr < 0)
			lowest -= 2;
	}
	return d->hw.controllers[self].bus_nr > 0
		       ? d->hw.controllers[self].bus_nr
		       : lowest;
}

int qemu_check_pci_controller(const struct domain_def *d,
			      const struct domain_controller *c, struct err **e)
{
	const char *model = controller_model_names[c->model];
	bool q35 = qemu_is_q35(d);
	bool root = c->model == CONTROLLER_MODEL_PCI_ROOT ||
		    c->model == CONTROLLER_MODEL_PCIE_ROOT;
	bool pcie_only =
		c->model == CONTROLLER_MODEL_PCIE_ROOT_PORT ||
		c->model == CONTROLLER_MODEL_DMI_TO_PCI_BRIDGE ||
		c->model == CONTROLLER_MODEL_PCIE_SWITCH_UPSTREAM_PORT ||
		c->model == CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT ||
		c->model == CONTROLLER_MODEL_PCIE_EXPANDER_BUS;
	size_t self = (size_t)(c - d->hw.controllers);

	if (root && c->index != 0)
		return err_set(e, ENOTSUP,
			       "<controller type='pci' index='%u'>: the qemu "
			       "driver gives the machine's own, index 0",
			       c->index);
	if (root && (c->model != (q35 ? CONTROLLER_MODEL_PCIE_ROOT
				      : CONTROLLER_MODEL_PCI_ROOT) ||
		     c->pci.set))
		return err_set(e, ENOTSUP,
			       "<controller type='pci' model='%s'>: "
			       "machine '%s' has a %s",
			       model, d->machine ? d->machine : "pc",
			       q35 ? "pcie-root" : "pci-root");
	if (!root && c->index == 0)
		return err_set(e, ENOTSUP,
			       "<controller type='pci' model='%s' "
			       "index='0'>: index 0 is the machine's %s",
			       model, q35 ? "pcie-root" : "pci-root");
	if (pcie_only && !q35)
		return err_set(e, ENOTSUP,
			       "<controller type='pci' model='%s'>: a PCI "
			       "Express controller, machine '%s' has none "
			       "(use a q35 machine)",
			       model, d->machine ? d->machine : "pc");
	if (c->model == CONTROLLER_MODEL_PCI_EXPANDER_BUS && q35)
		return err_set(e, ENOTSUP,
			       "<controller type='pci' model='%s'>: machine "
			       "'%s' is PCI Express (use pcie-expander-bus)",
			       model, d->machine);
	if (c->model == CONTROLLER_MODEL_PCIE_ROOT && c->hotplug)
		return err_set(e, ENOTSUP,
			       "<controller type='pci' model='pcie-root'>: "
			       "<target hotplug> not supported (a PCI Express "
			       "root bus has no ACPI hotplug to switch)");
	if (c->node >= 0 && (size_t)c->node >= d->hw.mem.n_cells)
		return err_set(e, EINVAL,
			       "%s with index %u is configured for a NUMA node "
			       "(%d) not present in the domain's <cpu><numa> "
			       "array (%zu)",
			       model, c->index, c->node, d->hw.mem.n_cells);
	if (c->model != CONTROLLER_MODEL_PCI_EXPANDER_BUS &&
	    c->model != CONTROLLER_MODEL_PCIE_EXPANDER_BUS)
		return 0;
	if (expander_bus_nr(d, self) < 2)
		return err_set(e, ENOTSUP,
			       "%s with index %u: no bus number left (give "
			       "<target busNr=>)",
			       model, c->index);
	for (size_t i = 0; i < self; i++)
		if (d->hw.controllers[i].type == CONTROLLER_PCI &&
		    (d->hw.controllers[i].model ==
			     CONTROLLER_MODEL_PCI_EXPANDER_BUS ||
		     d->hw.controllers[i].model ==
			     CONTROLLER_MODEL_PCIE_EXPANDER_BUS) &&
		    expander_bus_nr(d, i) == expander_bus_nr(d, self))
			return err_set(e, ENOTSUP,
				       "%s with index %u: bus number %d is "
				       "another expander bus's",
				       model, c->index,
				       expander_bus_nr(d, self));
	return 0;
}

struct seen {
	const struct domain_def *d;
	struct err **e;
	/* who holds each function of each slot: 1 + kind, 0: nobody */
	unsigned char who[256][32][8];
	enum domain_tristate mf[256][32]; /* function 0's multifunction= */
};

/* The machine's own slots: the host bridge, the PIIX3's (its USB at
 * function 2 the exception) or the ICH9's. */
static bool machine_slot(const struct domain_def *d, enum qemu_pci_kind kind,
			 const struct dev_pci_addr *a)
{
	if (a->bus != 0)
		return false;
	if (a->slot == 0)
		return true;
	if (qemu_is_q35(d))
		return a->slot == 0x1f;
	return a->slot == 1 && !(kind == QEMU_PCI_USB && a->function == 2);
}

static int check_one(enum qemu_pci_kind kind, size_t i,
		     const struct dev_pci_addr *a, void *opaque)
{
	struct seen *s = opaque;
	const struct domain_def *d = s->d;
	enum controller_model child = kind == QEMU_PCI_CONTROLLER
					      ? d->hw.controllers[i].model
					      : CONTROLLER_MODEL_NONE;
	enum controller_model parent;
	unsigned lo, hi;

	if (!a->set && child)
		return err_set(s->e, ENOTSUP,
			       "<controller type='pci' index='%u' model='%s'>: "
			       "no PCI slot left where it plugs in",
			       d->hw.controllers[i].index,
			       controller_model_names[child]);
	if (!a->set)
		return err_set(s->e, ENOTSUP, "no PCI slot left for %s %zu",
			       kind_names[kind], i);
	parent = bus_model(d, a->bus);
	if (parent == CONTROLLER_MODEL_NONE)
		return err_set(s->e, ENOTSUP,
			       "PCI bus %#x: no <controller type='pci' "
			       "index='%u'>",
			       a->bus, a->bus);
	if (!plugs(parent, child, &lo, &hi))
		return err_set(s->e, ENOTSUP,
			       "PCI address %02x:%02x.%x: a %s cannot be "
			       "plugged into the %s of index %u",
			       a->bus, a->slot, a->function,
			       child ? controller_model_names[child]
				     : kind_names[kind],
			       controller_model_names[parent], a->bus);
	if (machine_slot(d, kind, a))
		return err_set(s->e, ENOTSUP,
			       "PCI slot %#x is the machine's own", a->slot);
	if (a->slot < lo || a->slot > hi)
		return err_set(s->e, ENOTSUP,
			       "PCI address %02x:%02x.%x: the %s of index %u "
			       "has slots %#x to %#x",
			       a->bus, a->slot, a->function,
			       controller_model_names[parent], a->bus, lo, hi);
	if (s->who[a->bus][a->slot][a->function])
		return err_set(s->e, ENOTSUP,
			       "two devices at PCI address %02x:%02x.%x",
			       a->bus, a->slot, a->function);
	s->who[a->bus][a->slot][a->function] = (unsigned char)(1 + kind);
	if (a->function == 0)
		s->mf[a->bus][a->slot] = a->multifunction;
	if (kind == QEMU_PCI_CONTROLLER &&
	    !reaches_root(d, &d->hw.controllers[i]))
		return err_set(s->e, ENOTSUP,
			       "<controller type='pci' index='%u'>: not "
			       "reachable from the root bus",
			       d->hw.controllers[i].index);
	return 0;
}

int qemu_check_pci_topology(const struct domain_def *d, struct err **e)
{
	struct seen *s = xcalloc(1, sizeof(*s));
	int r;

	s->d = d;
	s->e = e;
	r = qemu_pci_plan(d, check_one, s);
	/* function 0 with multifunction='off' in a slot shared */
	for (unsigned b = 0; !r && b < 256; b++)
		for (unsigned sl = 0; !r && sl < 32; sl++)
			for (unsigned f = 1; !r && f < 8; f++)
				if (s->who[b][sl][f] && s->who[b][sl][0] &&
				    s->mf[b][sl] == DOMAIN_TRISTATE_OFF &&
				    !(b == 0 && sl == 1 && !qemu_is_q35(d)))
					r = err_set(e, ENOTSUP,
						    "PCI slot %02x:%02x: "
						    "function 0 has "
						    "multifunction='off', "
						    "function %u is in use",
						    b, sl, f);
	free(s);
	return r < 0 ? r : 0;
}

struct shares {
	const struct dev_pci_addr *a;
	bool shared;
};

static int find_sharer(enum qemu_pci_kind kind, size_t i,
		       const struct dev_pci_addr *b, void *opaque)
{
	struct shares *s = opaque;

	(void)kind;
	(void)i;
	if (b->set && b->bus == s->a->bus && b->slot == s->a->slot &&
	    b->function != 0)
		s->shared = true;
	return s->shared;
}

bool qemu_pci_multifunction(const struct domain_def *def,
			    const struct dev_pci_addr *a)
{
	struct shares s = {.a = a};

	if (a->multifunction)
		return a->multifunction == DOMAIN_TRISTATE_ON;
	if (a->function != 0)
		return false;
	qemu_pci_plan(def, find_sharer, &s);
	return s.shared;
}

char *qemu_pci_bus_id(const struct domain_def *def, unsigned bus)
{
	if (bus == 0)
		return xstrdup(qemu_is_q35(def) ? "pcie.0" : "pci.0");
	return xasprintf("pci.%u", bus);
}

static void add_int(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_int(v));
}

/* One controller's -device: QEMU's device, its numbers (libvirt's
 * defaults: the chassis its index, a root port's port its slot and
 * function, a downstream port's its slot), "pci.N". */
static void controller_arg(struct qemu_argv *a, const struct domain_def *def,
			   size_t i)
{
	const struct domain_controller *c = &def->hw.controllers[i];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("pci.%u", c->index);
	struct dev_pci_addr p;

	(void)qemu_pci_slot(def, QEMU_PCI_CONTROLLER, i, &p);
	json_object_object_add(
		o, "driver",
		json_object_new_string(
			controller_device_names[domain_controller_device(c)]));
	switch (c->model) {
	case CONTROLLER_MODEL_PCIE_ROOT_PORT:
	case CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT:
		add_int(o, "port",
			c->port >= 0 ? c->port
			: c->model == CONTROLLER_MODEL_PCIE_ROOT_PORT
				? (int)(p.slot << 3 | p.function)
				: (int)p.slot);
		add_int(o, "chassis",
			c->chassis >= 0 ? c->chassis : (int)c->index);
		break;
	case CONTROLLER_MODEL_PCI_BRIDGE:
		add_int(o, "chassis_nr",
			c->chassis_nr >= 0 ? c->chassis_nr : (int)c->index);
		break;
	case CONTROLLER_MODEL_PCI_EXPANDER_BUS:
	case CONTROLLER_MODEL_PCIE_EXPANDER_BUS:
		add_int(o, "bus_nr", expander_bus_nr(def, i));
		if (c->node >= 0)
			add_int(o, "numa_node", c->node);
		break;
	default:
		break;
	}
	json_object_object_add(o, "id", json_object_new_string(id));
	if (c->hotplug)
		json_object_object_add(
			o, "hotplug",
			json_object_new_boolean(c->hotplug ==
						DOMAIN_TRISTATE_ON));
	qemu_json_pci(o, def, QEMU_PCI_CONTROLLER, i);
	qemu_arg_json(a, "-device", o);
}

void qemu_argv_pci_controllers(struct qemu_argv *a,
			       const struct domain_def *def)
{
	bool done[256] = {[0] = true};
	bool progress = true;

	/* a PC's root bus: its ACPI hotplug, on by default */
	for (size_t i = 0; i < def->hw.n_controllers; i++)
		if (def->hw.controllers[i].model == CONTROLLER_MODEL_PCI_ROOT &&
		    def->hw.controllers[i].hotplug) {
			qemu_arg(a, "-global");
			qemu_arg(a,
				 def->hw.controllers[i].hotplug ==
						 DOMAIN_TRISTATE_ON
					 ? "PIIX4_PM.acpi-root-pci-hotplug=on"
					 : "PIIX4_PM.acpi-root-pci-hotplug="
					   "off");
		}

	/* parents first: a bus exists before what plugs into it */
	while (progress) {
		progress = false;
		for (size_t i = 0; i < def->hw.n_controllers; i++) {
			const struct domain_controller *c =
				&def->hw.controllers[i];
			struct dev_pci_addr p;

			if (c->type != CONTROLLER_PCI || done[c->index] ||
			    qemu_pci_slot(def, QEMU_PCI_CONTROLLER, i, &p) <
				    0 ||
			    !done[p.bus])
				continue;
			controller_arg(a, def, i);
			done[c->index] = progress = true;
		}
	}
}
