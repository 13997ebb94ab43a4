// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where each PCI device of a qemu domain sits on the guest's PCI buses
 * (driver-qemu.h), decided from the definition alone, as libvirt
 * decides it: an <address> given is kept; the others are placed in a
 * fixed order of kinds: PCI controllers where their model plugs in
 * (root ports as the functions of shared root bus slots, a
 * dmi-to-pci-bridge at slot 0x1e, a Q35's pci-bridge behind the
 * dmi-to-pci-bridge, a switch's upstream port in a free root or
 * downstream port, its downstream ports on it), every other device in
 * the lowest free slot of the root bus, or when it is full of the other
 * buses that take devices, by index. QEMU gets every address on the
 * command line, so a device's slot never depends on what QEMU would
 * pick, and the network interfaces (added after the rest) land where
 * the plan says.
 */
#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"

static bool is_q35(const struct domain_def *d)
{
	return d->machine && (streq(d->machine, "q35") ||
			      str_has_prefix(d->machine, "pc-q35-"));
}

/* A PIIX3 USB controller of index 0 is function 2 of the PIIX3's own
 * slot 1 (QEMU_PCI_USB's device 0). */
static bool usb_builtin_slot(const struct domain_def *d)
{
	return !is_q35(d) && qemu_usb_model(d) == USB_PIIX3_UHCI;
}

/* The effective USB model: libvirt's default for the machine when the
 * definition names none. */
enum usb_model qemu_usb_model(const struct domain_def *d)
{
	if (d->display.usb != USB_ABSENT)
		return d->display.usb;
	return is_q35(d) ? USB_QEMU_XHCI : USB_PIIX3_UHCI;
}

/* The index of USB controller @i on PCI (QEMU_PCI_USB's). */
static unsigned usb_index(const struct domain_def *d, size_t i)
{
	return i ? qemu_usb_master(d, i)->index : 0;
}

/* The @i-th virtio <input> of @d, its <address> in *@given. */
static bool virtio_input(const struct domain_def *d, size_t i,
			 const struct dev_pci_addr **given)
{
	for (size_t j = 0; j < d->display.n_inputs; j++) {
		if (d->display.inputs[j].bus != INPUT_BUS_VIRTIO)
			continue;
		if (i-- == 0) {
			*given = &d->display.inputs[j].pci;
			return true;
		}
	}
	return false;
}

/* The @i-th <sound> of @d on PCI, its <address> in *@given. */
static bool pci_sound(const struct domain_def *d, size_t i,
		      const struct dev_pci_addr **given)
{
	for (size_t j = 0; j < d->display.n_sounds; j++) {
		enum sound_model m = d->display.sounds[j].model;

		if (m == SOUND_PCSPK || m == SOUND_SB16 || m == SOUND_USB)
			continue;
		if (i-- == 0) {
			*given = &d->display.sounds[j].pci;
			return true;
		}
	}
	return false;
}

/* A machine's filesystem, shared memory or vsock @i, its <address> in
 * *@given. */
static bool devmisc_of(const struct domain_def *d, enum qemu_pci_kind kind,
		       size_t i, const struct dev_pci_addr **given)
{
	const struct domain_devmisc *m = d->misc;

	if (!m)
		return false;
	if (kind == QEMU_PCI_FS && i < m->n_vfs)
		*given = &m->vfs[i].pci;
	else if (kind == QEMU_PCI_SHMEM && i < m->n_shmems)
		*given = &m->shmems[i].pci;
	else if (kind == QEMU_PCI_VSOCK && i == 0 && m->vsock)
		*given = &m->vsock->pci;
	else if (kind == QEMU_PCI_MEMDEV && i < m->n_memdevs &&
		 m->memdevs[i].model >= MEMDEV_VIRTIO_PMEM)
		*given = &m->memdevs[i].pci;
	else
		return false;
	return true;
}

/* Whether device (@kind, @i) of @d exists and is on PCI; its <address>
 * in *@given (NULL: none). */
static bool device_of(const struct domain_def *d, enum qemu_pci_kind kind,
		      size_t i, const struct dev_pci_addr **given)
{
	static const struct dev_pci_addr none = {0};

	*given = &none;
	switch (kind) {
	case QEMU_PCI_VIDEO:
		if (i >= d->display.n_videos ||
		    d->display.videos[qemu_video_at(d, i)].model ==
			    VIDEO_NONE ||
		    d->display.videos[qemu_video_at(d, i)].model == VIDEO_RAMFB)
			return false;
		*given = &d->display.videos[qemu_video_at(d, i)].pci;
		return true;
	case QEMU_PCI_NET:
		/* a hostdev interface's place is its host device's */
		if (i >= d->n_nets || d->nets[i].type == NET_TYPE_HOSTDEV)
			return false;
		*given = &d->nets[i].pci;
		return true;
	case QEMU_PCI_USB:
		if (i > 0) {
			const struct domain_usb_ctl *c = qemu_usb_master(d, i);

			*given = c ? &c->pci : &none;
			return c != NULL;
		}
		*given = &d->display.usb_pci;
		return qemu_usb_model(d) != USB_NONE;
	case QEMU_PCI_CONTROLLER:
		if (i >= d->hw.n_controllers ||
		    d->hw.controllers[i].type != CONTROLLER_PCI ||
		    d->hw.controllers[i].model == CONTROLLER_MODEL_PCI_ROOT ||
		    d->hw.controllers[i].model == CONTROLLER_MODEL_PCIE_ROOT)
			return false;
		*given = &d->hw.controllers[i].pci;
		return true;
	case QEMU_PCI_SCSI:
		if (i >= d->hw.n_controllers ||
		    d->hw.controllers[i].type != CONTROLLER_SCSI)
			return false;
		*given = &d->hw.controllers[i].pci;
		return true;
	case QEMU_PCI_AHCI:
		if (i != 0 || is_q35(d))
			return false;
		for (size_t j = 0; j < d->n_disks; j++)
			if (d->disks[j].bus == DISK_BUS_SATA)
				return true;
		return false;
	case QEMU_PCI_DISK:
		if (i >= d->n_disks || d->disks[i].bus != DISK_BUS_VIRTIO)
			return false;
		*given = &d->disks[i].pci;
		return true;
	case QEMU_PCI_HOSTDEV:
		if (i >= d->n_hostdevs || d->hostdevs[i].type == HOSTDEV_USB ||
		    d->hostdevs[i].type == HOSTDEV_SCSI ||
		    d->hostdevs[i].unassigned)
			return false;
		*given = &d->hostdevs[i].pci;
		return true;
	case QEMU_PCI_BALLOON:
		*given = &d->hw.balloon_pci;
		return i == 0 && d->hw.balloon != BALLOON_NONE;
	case QEMU_PCI_RNG:
		if (i >= d->n_rngs)
			return false;
		*given = &d->rngs[i].pci;
		return true;
	case QEMU_PCI_WATCHDOG:
		*given = &d->hw.watchdog_pci;
		return i == 0 && d->hw.watchdog == WATCHDOG_I6300ESB;
	case QEMU_PCI_SERIAL: {
		unsigned idx[256];

		if (i >= qemu_vserial_controllers(d, idx))
			return false;
		*given = qemu_vserial_pci(d, idx[i]);
		return true;
	}
	case QEMU_PCI_CHR_SERIAL:
		if (i >= d->n_serials ||
		    d->serials[i].serial_target != SERIAL_TARGET_PCI)
			return false;
		*given = &d->serials[i].pci;
		return true;
	case QEMU_PCI_INPUT:
		return virtio_input(d, i, given);
	case QEMU_PCI_SOUND:
		return pci_sound(d, i, given);
	case QEMU_PCI_FS:
	case QEMU_PCI_SHMEM:
	case QEMU_PCI_VSOCK:
	case QEMU_PCI_MEMDEV:
		return devmisc_of(d, kind, i, given);
	}
	return false;
}

/* How many of each kind a definition can have, at most. */
static size_t kind_max(const struct domain_def *d, enum qemu_pci_kind kind)
{
	switch (kind) {
	case QEMU_PCI_VIDEO:
		return d->display.n_videos;
	case QEMU_PCI_INPUT:
		return d->display.n_inputs;
	case QEMU_PCI_SOUND:
		return d->display.n_sounds;
	case QEMU_PCI_USB:
		return 1 + d->display.n_usb_more;
	case QEMU_PCI_NET:
		return d->n_nets;
	case QEMU_PCI_CONTROLLER:
	case QEMU_PCI_SCSI:
		return d->hw.n_controllers;
	case QEMU_PCI_DISK:
		return d->n_disks;
	case QEMU_PCI_HOSTDEV:
		return d->n_hostdevs;
	case QEMU_PCI_RNG:
		return d->n_rngs;
	case QEMU_PCI_CHR_SERIAL:
		return d->n_serials;
	case QEMU_PCI_SERIAL:
		return 256;
	case QEMU_PCI_FS:
		return d->misc ? d->misc->n_vfs : 0;
	case QEMU_PCI_SHMEM:
		return d->misc ? d->misc->n_shmems : 0;
	case QEMU_PCI_MEMDEV:
		return d->misc ? d->misc->n_memdevs : 0;
	default:
		return 1;
	}
}

/* The function bits in use of each slot of each bus. */
struct occupancy {
	unsigned char fn[256][32];
	int rp_slot; /* the root bus slot auto-placed root ports fill; -1 */
};

/* Slots the machine's own devices hold: the host bridge, the PIIX3
 * (pc) or the ICH9's (q35). */
static void reserve_machine(const struct domain_def *d, struct occupancy *o)
{
	o->fn[0][0] = 0xff;
	if (is_q35(d))
		o->fn[0][0x1f] = 0xff;
	else
		o->fn[0][1] = 0xff;
}

/* The lowest free slot in [@lo, 31] of bus @bus, taken; -1: none. */
static int take_slot(struct occupancy *o, unsigned bus, unsigned lo,
		     struct dev_pci_addr *a)
{
	for (unsigned s = lo; s < 32; s++)
		if (!o->fn[bus][s]) {
			o->fn[bus][s] = 1;
			*a = (struct dev_pci_addr){
				.set = true, .bus = bus, .slot = s};
			return 0;
		}
	return -1;
}

/* The first PCI controller of model @m (not @self) with a free slot
 * in [@lo, @hi] on its bus, that slot taken; -1: none. */
static int take_on(const struct domain_def *d, struct occupancy *o,
		   enum controller_model m, size_t self, unsigned lo,
		   unsigned hi, struct dev_pci_addr *a)
{
	for (size_t j = 0; j < d->hw.n_controllers; j++) {
		const struct domain_controller *c = &d->hw.controllers[j];

		if (j == self || c->type != CONTROLLER_PCI || c->model != m)
			continue;
		for (unsigned s = lo; s <= hi; s++)
			if (!o->fn[c->index][s]) {
				o->fn[c->index][s] = 1;
				*a = (struct dev_pci_addr){.set = true,
							   .bus = c->index,
							   .slot = s};
				return 0;
			}
	}
	return -1;
}

/* An endpoint: the lowest free slot of the root bus, else of the
 * other buses that take endpoints, by index (libvirt's spill onto
 * bridges and expander buses). */
static int take_endpoint_slot(const struct domain_def *d, struct occupancy *o,
			      struct dev_pci_addr *a)
{
	static const enum controller_model takers[] = {
		CONTROLLER_MODEL_PCI_BRIDGE, CONTROLLER_MODEL_PCI_EXPANDER_BUS,
		CONTROLLER_MODEL_DMI_TO_PCI_BRIDGE,
		CONTROLLER_MODEL_PCIE_ROOT_PORT,
		CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT};

	if (take_slot(o, 0, 1, a) == 0)
		return 0;
	for (unsigned idx = 1; idx < 256; idx++)
		for (size_t j = 0; j < d->hw.n_controllers; j++) {
			const struct domain_controller *c =
				&d->hw.controllers[j];
			bool takes = false;

			if (c->type != CONTROLLER_PCI || c->index != idx)
				continue;
			for (size_t t = 0; t < ARRAY_SIZE(takers); t++)
				takes |= c->model == takers[t];
			if (!takes)
				continue;
			if (c->model == CONTROLLER_MODEL_PCIE_ROOT_PORT ||
			    c->model ==
				    CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT) {
				if (o->fn[idx][0])
					continue;
				o->fn[idx][0] = 1;
				*a = (struct dev_pci_addr){.set = true,
							   .bus = idx};
				return 0;
			}
			if (take_slot(o, idx,
				      c->model == CONTROLLER_MODEL_PCI_BRIDGE,
				      a) == 0)
				return 0;
		}
	return -1;
}

/* A root port: the next free function of the slot the last one took,
 * else a new slot's function 0. */
static int take_root_port(struct occupancy *o, struct dev_pci_addr *a)
{
	if (o->rp_slot >= 0 && o->fn[0][o->rp_slot] != 0xff)
		for (unsigned f = 0; f < 8; f++)
			if (!(o->fn[0][o->rp_slot] & (1u << f))) {
				o->fn[0][o->rp_slot] |=
					(unsigned char)(1u << f);
				*a = (struct dev_pci_addr){
					.set = true,
					.slot = (unsigned)o->rp_slot,
					.function = f};
				return 0;
			}
	if (take_slot(o, 0, 1, a) < 0)
		return -1;
	o->rp_slot = (int)a->slot;
	return 0;
}

/* Where PCI controller @i without an <address> plugs in. */
static int place_controller(const struct domain_def *d, struct occupancy *o,
			    size_t i, struct dev_pci_addr *a)
{
	const struct domain_controller *c = &d->hw.controllers[i];

	switch (c->model) {
	case CONTROLLER_MODEL_PCIE_ROOT_PORT:
		return take_root_port(o, a);
	case CONTROLLER_MODEL_DMI_TO_PCI_BRIDGE:
		if (!o->fn[0][0x1e]) {
			o->fn[0][0x1e] = 1;
			*a = (struct dev_pci_addr){.set = true, .slot = 0x1e};
			return 0;
		}
		return take_slot(o, 0, 1, a);
	case CONTROLLER_MODEL_PCI_BRIDGE:
		if (is_q35(d))
			return take_on(d, o, CONTROLLER_MODEL_DMI_TO_PCI_BRIDGE,
				       i, 0, 31, a);
		return take_slot(o, 0, 1, a);
	case CONTROLLER_MODEL_PCIE_SWITCH_UPSTREAM_PORT:
		if (take_on(d, o, CONTROLLER_MODEL_PCIE_ROOT_PORT, i, 0, 0,
			    a) == 0)
			return 0;
		return take_on(d, o,
			       CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT, i,
			       0, 0, a);
	case CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT:
		return take_on(d, o, CONTROLLER_MODEL_PCIE_SWITCH_UPSTREAM_PORT,
			       i, 0, 31, a);
	default:
		return take_slot(o, 0, 1, a);
	}
}

int qemu_pci_plan(const struct domain_def *d, qemu_pci_plan_fn fn, void *opaque)
{
	struct occupancy *o = xcalloc(1, sizeof(*o));
	const struct dev_pci_addr *given;
	int r = 0;

	o->rp_slot = -1;
	reserve_machine(d, o);
	/* the addresses given are taken first */
	for (int k = 0; k < QEMU_PCI_KINDS; k++)
		for (size_t j = 0; j < kind_max(d, k); j++)
			if (device_of(d, k, j, &given) && given->set)
				o->fn[given->bus][given->slot] |=
					(unsigned char)(1u << given->function);
	for (int k = 0; k < QEMU_PCI_KINDS && !r; k++)
		for (size_t j = 0; j < kind_max(d, k) && !r; j++) {
			struct dev_pci_addr a = {0};

			if (!device_of(d, k, j, &given))
				continue;
			if (k == QEMU_PCI_USB && j == 0 && usb_builtin_slot(d))
				a = (struct dev_pci_addr){
					.set = true, .slot = 1, .function = 2};
			else if (given->set)
				a = *given;
			else if (k == QEMU_PCI_CONTROLLER)
				(void)place_controller(d, o, j, &a);
			else if (take_endpoint_slot(d, o, &a) == 0 &&
				 k == QEMU_PCI_USB &&
				 qemu_usb_has_companions(d, usb_index(d, j))) {
				/* an EHCI beside its companions: theirs are
				 * functions 0 to 2 of its slot */
				a.function = 7;
				o->fn[a.bus][a.slot] = 0xff;
			}
			r = fn(k, j, &a, opaque);
		}
	free(o);
	return r;
}

struct find {
	enum qemu_pci_kind kind;
	size_t i;
	struct dev_pci_addr *out;
	bool found;
};

static int find_one(enum qemu_pci_kind kind, size_t i,
		    const struct dev_pci_addr *a, void *opaque)
{
	struct find *f = opaque;

	if (kind != f->kind || i != f->i)
		return 0;
	*f->out = *a;
	f->found = a->set;
	return 1;
}

int qemu_pci_slot(const struct domain_def *d, enum qemu_pci_kind kind, size_t i,
		  struct dev_pci_addr *out)
{
	struct find f = {.kind = kind, .i = i, .out = out};

	*out = (struct dev_pci_addr){0};
	qemu_pci_plan(d, find_one, &f);
	return f.found ? 0 : -1;
}
