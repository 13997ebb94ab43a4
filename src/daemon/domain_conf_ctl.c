// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a <controller> has beyond its type, index and model
 * (domain_conf_hw.h): a PCI controller's <model name=> and <target>, a
 * virtio controller's <driver>, and libvirt's rule for controllers
 * without an index. Values are checked here; which topologies a driver
 * can run is the driver's to say.
 */
#include <errno.h>
#include <limits.h>

#include "daemon/domain_conf_hw.h"

const char *const controller_device_names[] = {"",
					       "pci-bridge",
					       "i82801b11-bridge",
					       "ioh3420",
					       "pcie-root-port",
					       "x3130-upstream",
					       "xio3130-downstream",
					       "pxb",
					       "pxb-pcie",
					       NULL};
static const char *const on_off[] = {"", "on", "off", NULL};

/* The <model name=>s each PCI model takes, by enum controller_model
 * (the first is the default). */
static const enum controller_device devices_of[][2] = {
	[CONTROLLER_MODEL_PCI_BRIDGE] = {CONTROLLER_DEVICE_PCI_BRIDGE},
	[CONTROLLER_MODEL_DMI_TO_PCI_BRIDGE] =
		{CONTROLLER_DEVICE_I82801B11_BRIDGE},
	[CONTROLLER_MODEL_PCIE_ROOT_PORT] = {CONTROLLER_DEVICE_PCIE_ROOT_PORT,
					     CONTROLLER_DEVICE_IOH3420},
	[CONTROLLER_MODEL_PCIE_SWITCH_UPSTREAM_PORT] =
		{CONTROLLER_DEVICE_X3130_UPSTREAM},
	[CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT] =
		{CONTROLLER_DEVICE_XIO3130_DOWNSTREAM},
	[CONTROLLER_MODEL_PCI_EXPANDER_BUS] = {CONTROLLER_DEVICE_PXB},
	[CONTROLLER_MODEL_PCIE_EXPANDER_BUS] = {CONTROLLER_DEVICE_PXB_PCIE},
};

enum controller_device domain_controller_device(
	const struct domain_controller *c)
{
	if (c->device || c->type != CONTROLLER_PCI ||
	    c->model >= ARRAY_SIZE(devices_of))
		return c->device;
	return devices_of[c->model][0];
}

static bool is_port(enum controller_model m)
{
	return m == CONTROLLER_MODEL_PCIE_ROOT_PORT ||
	       m == CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT;
}

static bool is_expander(enum controller_model m)
{
	return m == CONTROLLER_MODEL_PCI_EXPANDER_BUS ||
	       m == CONTROLLER_MODEL_PCIE_EXPANDER_BUS;
}

static bool is_virtio(enum controller_model m, enum controller_type t)
{
	return t == CONTROLLER_VIRTIO_SERIAL ||
	       m == CONTROLLER_MODEL_VIRTIO_SCSI ||
	       m == CONTROLLER_MODEL_VIRTIO_TRANSITIONAL ||
	       m == CONTROLLER_MODEL_VIRTIO_NON_TRANSITIONAL;
}

int domain_controller_model(const xmlNode *c, int type, struct err **e)
{
	/* libvirt's SCSI models without an x86 QEMU device */
	static const char *const elsewhere[] = {"buslogic", "ibmvscsi",
						"ncr53c90", NULL};
	_cleanup_free_ char *v = xml_attr(c, "model");
	_cleanup_free_ char *list = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f;

	if (!v)
		return 0;
	for (int m = 1; controller_model_names[m]; m++)
		if (streq(v, controller_model_names[m]))
			return m;
	for (int i = 0; type == CONTROLLER_SCSI && elsewhere[i]; i++)
		if (streq(v, elsewhere[i]))
			return xml_err(
				e, c,
				"SCSI controller model '%s' not supported "
				"(QEMU has no such x86 device)",
				v);
	f = open_memstream(&list, &len);
	for (int m = 1; controller_model_names[m]; m++)
		if ((type == CONTROLLER_PCI) ==
			    CONTROLLER_MODEL_IS_PCI((enum controller_model)m) &&
		    (type == CONTROLLER_SCSI) ==
			    (m >= CONTROLLER_MODEL_VIRTIO_SCSI)) {
			fprintf(f, "%s%s", first ? "" : ", ",
				controller_model_names[m]);
			first = false;
		}
	fclose(f);
	return xml_err(e, c, "invalid %s controller model '%s' (expected %s)",
		       controller_type_names[type], v, *list ? list : "none");
}

const struct domain_controller *domain_find_controller(
	const struct domain_def *d, enum controller_type type, unsigned index)
{
	for (size_t i = 0; i < d->hw.n_controllers; i++)
		if (d->hw.controllers[i].type == type &&
		    d->hw.controllers[i].index == index)
			return &d->hw.controllers[i];
	return NULL;
}

int domain_parse_ccid_controller(const xmlNode *c, struct domain_def *d,
				 struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *index = xml_attr(c, "index");

	xml_check_known(c, (const char *const[]){"type", "index", NULL}, NULL,
			w);
	if (d->hw.ccid)
		return xml_err(e, c, "a second <controller type='ccid'>");
	if (index && !streq(index, "0"))
		return xml_err(e, c,
			       "<controller type='ccid' index='%s'>: one CCID "
			       "reader, index 0 (the smartcard's)",
			       index);
	d->hw.ccid = true;
	return 0;
}

/* <model name=>: one of the PCI model's QEMU devices. */
static int parse_model_name(const xmlNode *c, struct domain_controller *ctl,
			    struct xml_warnings *w, struct err **e)
{
	const xmlNode *m = xml_child(c, "model");
	_cleanup_free_ char *name = m ? xml_attr(m, "name") : NULL;
	int r;

	if (!m)
		return 0;
	xml_check_known(m, (const char *const[]){"name", NULL}, NULL, w);
	if (ctl->type != CONTROLLER_PCI ||
	    ctl->model >= (int)ARRAY_SIZE(devices_of) ||
	    !devices_of[ctl->model][0])
		return xml_err(e, m, "<model name=> on a controller model '%s'",
			       controller_model_names[ctl->model]);
	if (!name)
		return xml_err(e, m, "<model> without name");
	if ((r = xml_enum(m, "controller model name", name,
			  controller_device_names + 1, e)) < 0)
		return r;
	if ((enum controller_device)(r + 1) != devices_of[ctl->model][0] &&
	    (enum controller_device)(r + 1) != devices_of[ctl->model][1])
		return xml_err(e, m, "<model name='%s'> is not a %s", name,
			       controller_model_names[ctl->model]);
	ctl->device = (enum controller_device)(r + 1);
	return 0;
}

/* A number attribute of <target> in [@min, @max] into *@out (-1
 * absent), only on the models @ok says. */
static int target_num(const xmlNode *t, const char *attr, bool ok,
		      const char *whose, unsigned min, unsigned max, int *out,
		      struct err **e)
{
	_cleanup_free_ char *v = xml_attr(t, attr);
	char *end;
	unsigned long u;

	*out = -1;
	if (!v)
		return 0;
	if (!ok)
		return xml_err(e, t, "%s= is a %s's", attr, whose);
	errno = 0;
	u = strtoul(v, &end, 0);
	if (!*v || *end || errno || u < min || u > max || v[0] == '-' ||
	    v[0] == '+')
		return xml_err(e, t, "invalid target %s '%s' (%u to %u)", attr,
			       v, min, max);
	*out = (int)u;
	return 0;
}

/* <target chassisNr= chassis= port= hotplug= busNr=><node>N</node>. */
static int parse_target(const xmlNode *c, struct domain_controller *ctl,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *t = xml_child(c, "target");
	const xmlNode *node = t ? xml_child(t, "node") : NULL;
	enum controller_model m = ctl->model;
	const char *port = "pcie-root-port's or pcie-switch-downstream-port";
	const char *pxb = "pci-expander-bus's or pcie-expander-bus";
	_cleanup_free_ char *hotplug = NULL;
	int r;

	ctl->chassis_nr = ctl->chassis = ctl->port = ctl->bus_nr = -1;
	ctl->node = -1;
	if (!t)
		return 0;
	xml_check_known(t,
			(const char *const[]){"chassisNr", "chassis", "port",
					      "hotplug", "busNr", NULL},
			(const char *const[]){"node", NULL}, w);
	if (target_num(t, "chassisNr", m == CONTROLLER_MODEL_PCI_BRIDGE,
		       "pci-bridge", 1, 255, &ctl->chassis_nr, e) < 0 ||
	    target_num(t, "chassis", is_port(m), port, 0, 255, &ctl->chassis,
		       e) < 0 ||
	    target_num(t, "port", is_port(m), port, 0, 255, &ctl->port, e) <
		    0 ||
	    target_num(t, "busNr", is_expander(m), pxb, 1, 254, &ctl->bus_nr,
		       e) < 0)
		return -EINVAL;
	if ((hotplug = xml_attr(t, "hotplug"))) {
		if (!is_port(m) && m != CONTROLLER_MODEL_PCI_ROOT &&
		    m != CONTROLLER_MODEL_PCIE_ROOT)
			return xml_err(e, t, "hotplug= is a root's, a %s's",
				       port);
		if ((r = xml_enum(t, "target hotplug", hotplug, on_off + 1,
				  e)) < 0)
			return r;
		ctl->hotplug = (enum domain_tristate)(r + 1);
	}
	if (node) {
		_cleanup_free_ char *v = xml_text(node);
		uint64_t u;

		if (!is_expander(m))
			return xml_err(e, node, "<node> is a %s's", pxb);
		if (xml_uint(node, "target node", v, 0, INT_MAX, &u, e) < 0)
			return -EINVAL;
		ctl->node = (int)u;
	}
	return 0;
}

/* A tristate attribute of <driver>. */
static int driver_switch(const xmlNode *d, const char *attr,
			 enum domain_tristate *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(d, attr);
	int r;

	if (!v)
		return 0;
	if ((r = xml_enum(d, attr, v, on_off + 1, e)) < 0)
		return r;
	*out = (enum domain_tristate)(r + 1);
	return 0;
}

static int driver_uint(const xmlNode *d, const char *attr, bool ok,
		       uint64_t max, unsigned *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(d, attr);
	uint64_t u;

	if (!v)
		return 0;
	if (!ok)
		return xml_err(e, d,
			       "<driver %s=> is a virtio-scsi controller's",
			       attr);
	if (xml_uint(d, attr, v, 1, max, &u, e) < 0)
		return -EINVAL;
	*out = (unsigned)u;
	return 0;
}

/* <driver queues= cmd_per_lun= max_sectors= ioeventfd= iothread=
 * iommu= ats= packed= page_per_vq=> of a virtio controller. */
static int parse_driver(const xmlNode *c, struct domain_controller *ctl,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *d = xml_child(c, "driver");
	struct controller_driver *v = &ctl->driver;
	bool scsi;

	if (!d)
		return 0;
	xml_check_known(d,
			(const char *const[]){"queues", "cmd_per_lun",
					      "max_sectors", "ioeventfd",
					      "iothread", "iommu", "ats",
					      "packed", "page_per_vq", NULL},
			NULL, w);
	if (!is_virtio(ctl->model, ctl->type))
		return xml_err(e, d,
			       "<driver> on a controller that is not virtio");
	scsi = ctl->type == CONTROLLER_SCSI;
	if (driver_uint(d, "queues", scsi, 1024, &v->queues, e) < 0 ||
	    driver_uint(d, "cmd_per_lun", scsi, UINT32_MAX, &v->cmd_per_lun,
			e) < 0 ||
	    driver_uint(d, "max_sectors", scsi, UINT32_MAX, &v->max_sectors,
			e) < 0 ||
	    driver_uint(d, "iothread", scsi, UINT32_MAX, &v->iothread, e) < 0)
		return -EINVAL;
	if (driver_switch(d, "ioeventfd", &v->ioeventfd, e) < 0 ||
	    driver_switch(d, "iommu", &v->iommu, e) < 0 ||
	    driver_switch(d, "ats", &v->ats, e) < 0 ||
	    driver_switch(d, "packed", &v->packed, e) < 0 ||
	    driver_switch(d, "page_per_vq", &v->page_per_vq, e) < 0)
		return -EINVAL;
	if (v->ioeventfd && !scsi)
		return xml_err(e, d,
			       "<driver ioeventfd=> is a virtio-scsi "
			       "controller's");
	return 0;
}

int domain_parse_controller_extra(const xmlNode *c,
				  struct domain_controller *ctl,
				  struct xml_warnings *w, struct err **e)
{
	if ((ctl->model == CONTROLLER_MODEL_PCI_ROOT ||
	     ctl->model == CONTROLLER_MODEL_PCIE_ROOT) &&
	    xml_child(c, "address"))
		return xml_err(e, c,
			       "a %s is the machine's root bus: no <address>",
			       controller_model_names[ctl->model]);
	if (parse_model_name(c, ctl, w, e) < 0 ||
	    parse_target(c, ctl, w, e) < 0)
		return -EINVAL;
	return parse_driver(c, ctl, w, e);
}

/* Whether a controller of @self's type other than @self holds index
 * @idx: one given, or one without before @self (already numbered). */
static bool index_taken(const struct domain_hw *hw, size_t self, unsigned idx)
{
	for (size_t j = 0; j < hw->n_controllers; j++) {
		const struct domain_controller *o = &hw->controllers[j];

		if (j != self && o->type == hw->controllers[self].type &&
		    (!o->index_auto || j < self) && o->index == idx)
			return true;
	}
	return false;
}

static void add_controller(struct domain_hw *hw, enum controller_type type,
			   unsigned index, enum controller_model model);

/* libvirt's implicit SCSI controllers: one of the default model
 * (lsilogic) for each controller a SCSI disk sits on that the
 * definition does not give. */
static int add_implicit_scsi(const xmlNode *devs, struct domain_def *d,
			     struct err **e)
{
	struct domain_hw *hw = &d->hw;

	for (size_t i = 0; i < d->n_disks; i++) {
		const struct domain_disk *dk = &d->disks[i];
		int idx = driver_qemu_disk_index(dk->target);
		bool have = false;

		if (dk->bus != DISK_BUS_SCSI || (!dk->drive.set && idx < 0))
			continue;
		idx = dk->drive.set ? (int)dk->drive.controller : idx / 7;
		for (size_t j = 0; j < hw->n_controllers; j++)
			have |= hw->controllers[j].type == CONTROLLER_SCSI &&
				hw->controllers[j].index == (unsigned)idx;
		if (have)
			continue;
		if (hw->n_controllers == DOMAIN_MAX_CONTROLLERS || idx > 255)
			return xml_err(e, devs,
				       "disk '%s': no room for its SCSI "
				       "controller %d",
				       dk->target, idx);
		add_controller(hw, CONTROLLER_SCSI, (unsigned)idx,
			       CONTROLLER_MODEL_LSILOGIC);
	}
	return 0;
}

/* The highest bus an <address type='pci'> of @d names. */
static unsigned max_bus(const struct domain_def *d)
{
	const struct domain_display *dp = &d->display;
	unsigned m = 0;

#define BUS(p) m = (p).set && (p).bus > m ? (p).bus : m
	for (size_t i = 0; i < d->n_disks; i++)
		BUS(d->disks[i].pci);
	for (size_t i = 0; i < d->n_nets; i++)
		BUS(d->nets[i].pci);
	for (size_t i = 0; i < d->n_serials; i++)
		BUS(d->serials[i].pci);
	for (size_t i = 0; i < d->n_rngs; i++)
		BUS(d->rngs[i].pci);
	for (size_t i = 0; i < d->n_hostdevs; i++)
		BUS(d->hostdevs[i].pci);
	for (size_t i = 0; i < d->hw.n_controllers; i++)
		BUS(d->hw.controllers[i].pci);
	for (size_t i = 0; i < dp->n_videos; i++)
		BUS(dp->videos[i].pci);
	for (size_t i = 0; i < dp->n_inputs; i++)
		BUS(dp->inputs[i].pci);
	for (size_t i = 0; i < dp->n_sounds; i++)
		BUS(dp->sounds[i].pci);
	BUS(dp->usb_pci);
	BUS(d->hw.balloon_pci);
	BUS(d->hw.watchdog_pci);
#undef BUS
	return m;
}

static void add_controller(struct domain_hw *hw, enum controller_type type,
			   unsigned index, enum controller_model model)
{
	hw->controllers = xreallocarray(hw->controllers, hw->n_controllers + 1,
					sizeof(*hw->controllers));
	hw->controllers[hw->n_controllers++] = (struct domain_controller){
		.type = type,
		.index = index,
		.implicit = true,
		.model = model,
		.chassis_nr = -1,
		.chassis = -1,
		.port = -1,
		.bus_nr = -1,
		.node = -1,
	};
}

/* libvirt's on a PC: a pci-bridge for each bus up to the highest an
 * address names that no controller gives. */
static void add_implicit_bridges(struct domain_def *d)
{
	struct domain_hw *hw = &d->hw;
	bool have[256] = {[0] = true};
	unsigned top = max_bus(d);

	if (d->machine && !streq(d->machine, "pc") &&
	    !str_has_prefix(d->machine, "pc-i440fx-"))
		return;
	for (size_t i = 0; i < hw->n_controllers; i++)
		if (hw->controllers[i].type == CONTROLLER_PCI)
			have[hw->controllers[i].index & 0xff] = true;
	for (unsigned b = 1; b <= top; b++)
		if (!have[b] && hw->n_controllers < DOMAIN_MAX_CONTROLLERS)
			add_controller(hw, CONTROLLER_PCI, b,
				       CONTROLLER_MODEL_PCI_BRIDGE);
}

int domain_controllers_index(const xmlNode *devs, struct domain_def *d,
			     struct err **e)
{
	struct domain_hw *hw = &d->hw;
	size_t i = 0;

	/* in document order, as hw->controllers was filled */
	for (const xmlNode *c = devs->children; c && i < hw->n_controllers;
	     c = c->next) {
		_cleanup_free_ char *type = NULL;
		struct domain_controller *ctl;
		bool known = false;

		if (c->type != XML_ELEMENT_NODE || c->ns ||
		    !xmlStrEqual(c->name, BAD_CAST "controller") ||
		    !(type = xml_attr(c, "type")))
			continue;
		for (int t = 0; controller_type_names[t]; t++)
			known |= streq(type, controller_type_names[t]);
		if (!known)
			continue;
		ctl = &hw->controllers[i];
		/* libvirt's: the roots are 0, the others the lowest free
		 * (a PCI one from 1: 0 is the root's, given or not) */
		if (ctl->index_auto &&
		    ctl->model != CONTROLLER_MODEL_PCI_ROOT &&
		    ctl->model != CONTROLLER_MODEL_PCIE_ROOT) {
			ctl->index = ctl->type == CONTROLLER_PCI;
			while (ctl->index < 256 &&
			       index_taken(hw, i, ctl->index))
				ctl->index++;
		}
		if (ctl->index > 255)
			return xml_err(e, c, "no %s controller index left",
				       type);
		for (size_t j = 0; j < i; j++)
			if (hw->controllers[j].type == ctl->type &&
			    hw->controllers[j].index == ctl->index)
				return xml_err(e, c,
					       "two %s controllers with index "
					       "%u",
					       type, ctl->index);
		i++;
	}
	for (i = 0; i < hw->n_controllers; i++)
		hw->controllers[i].index_auto = false;
	add_implicit_bridges(d);
	return add_implicit_scsi(devs, d, e);
}

static void put_num(FILE *f, const char *attr, int v)
{
	if (v >= 0)
		fprintf(f, " %s='%d'", attr, v);
}

static void put_switch(FILE *f, const char *attr, enum domain_tristate v)
{
	if (v)
		fprintf(f, " %s='%s'", attr, on_off[v]);
}

static void put_uint(FILE *f, const char *attr, unsigned v)
{
	if (v)
		fprintf(f, " %s='%u'", attr, v);
}

bool domain_controller_has_extra(const struct domain_controller *c)
{
	const struct controller_driver *v = &c->driver;

	return c->device || c->chassis_nr >= 0 || c->chassis >= 0 ||
	       c->port >= 0 || c->hotplug || c->bus_nr >= 0 || c->node >= 0 ||
	       v->queues || v->cmd_per_lun || v->max_sectors || v->iothread ||
	       v->ioeventfd || v->iommu || v->ats || v->packed ||
	       v->page_per_vq;
}

void domain_format_controller_extra(FILE *f, const struct domain_controller *c)
{
	const struct controller_driver *v = &c->driver;

	if (c->device)
		fprintf(f, "      <model name='%s'/>\n",
			controller_device_names[c->device]);
	if (c->chassis_nr >= 0 || c->chassis >= 0 || c->port >= 0 ||
	    c->hotplug || c->bus_nr >= 0 || c->node >= 0) {
		fputs("      <target", f);
		put_num(f, "chassisNr", c->chassis_nr);
		put_num(f, "chassis", c->chassis);
		if (c->port >= 0)
			fprintf(f, " port='%#x'", c->port);
		put_switch(f, "hotplug", c->hotplug);
		put_num(f, "busNr", c->bus_nr);
		if (c->node >= 0)
			fprintf(f,
				">\n        <node>%d</node>\n      </target>\n",
				c->node);
		else
			fputs("/>\n", f);
	}
	if (v->queues || v->cmd_per_lun || v->max_sectors || v->iothread ||
	    v->ioeventfd || v->iommu || v->ats || v->packed || v->page_per_vq) {
		fputs("      <driver", f);
		put_uint(f, "queues", v->queues);
		put_uint(f, "cmd_per_lun", v->cmd_per_lun);
		put_uint(f, "max_sectors", v->max_sectors);
		put_switch(f, "ioeventfd", v->ioeventfd);
		put_uint(f, "iothread", v->iothread);
		put_switch(f, "iommu", v->iommu);
		put_switch(f, "ats", v->ats);
		put_switch(f, "packed", v->packed);
		put_switch(f, "page_per_vq", v->page_per_vq);
		fputs("/>\n", f);
	}
}
