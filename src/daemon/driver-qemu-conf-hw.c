// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the qemu driver runs of the machine around the guest
 * (driver_qemu_check_hw(), from driver_qemu_validate()): the
 * controllers libvirt writes (the machine's own PCI root, IDE and SATA,
 * SCSI controllers), devices' addresses, the balloon, the watchdog, the
 * panic device. An address is the guest's to see (a NIC's name follows
 * its slot), so one the driver cannot give is refused, never moved.
 */
#include <errno.h>

#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"

static bool is_q35(const struct domain_def *d)
{
	return d->machine && (streq(d->machine, "q35") ||
			      str_has_prefix(d->machine, "pc-q35-"));
}

/* A given address equals @slot.@fn on the root bus. */
static bool at(const struct dev_pci_addr *p, unsigned slot, unsigned fn)
{
	return p->bus == 0 && p->slot == slot && p->function == fn;
}

static int check_controller(const struct domain_def *d,
			    const struct domain_controller *c, struct err **e)
{
	const char *type = controller_type_names[c->type];
	bool q35 = is_q35(d);

	if (c->type != CONTROLLER_SCSI && c->type != CONTROLLER_VIRTIO_SERIAL &&
	    c->index != 0)
		return err_set(e, ENOTSUP,
			       "<controller type='%s' index='%u'>: the qemu "
			       "driver gives the machine's own, index 0",
			       type, c->index);
	switch (c->type) {
	case CONTROLLER_PCI:
		if (c->model != (q35 ? CONTROLLER_MODEL_PCIE_ROOT
				     : CONTROLLER_MODEL_PCI_ROOT) ||
		    c->pci.set)
			return err_set(e, ENOTSUP,
				       "<controller type='pci' model='%s'>: "
				       "machine '%s' has a %s",
				       controller_model_names[c->model],
				       d->machine ? d->machine : "pc",
				       q35 ? "pcie-root" : "pci-root");
		return 0;
	case CONTROLLER_IDE:
		if (q35)
			return err_set(e, ENOTSUP,
				       "<controller type='ide'>: a Q35 has no "
				       "IDE controller");
		if (c->pci.set && !at(&c->pci, 1, 1))
			return err_set(e, ENOTSUP,
				       "<controller type='ide'>: the PIIX3's "
				       "IDE is at slot 0x01 function 0x1");
		return 0;
	case CONTROLLER_SATA:
		if (c->pci.set && !(q35 && at(&c->pci, 0x1f, 2)))
			return err_set(e, ENOTSUP,
				       "<controller type='sata'> with an "
				       "<address>: %s",
				       q35 ? "the ICH9's AHCI is at slot 0x1f "
					     "function 0x2"
					   : "not supported by the qemu driver "
					     "yet on machine 'pc'");
		return 0;
	case CONTROLLER_SCSI:
	case CONTROLLER_VIRTIO_SERIAL:
		return 0;
	}
	return 0;
}

const struct domain_controller *qemu_scsi_controller(const struct domain_def *d,
						     unsigned index)
{
	for (size_t i = 0; i < d->hw.n_controllers; i++)
		if (d->hw.controllers[i].type == CONTROLLER_SCSI &&
		    d->hw.controllers[i].index == index)
			return &d->hw.controllers[i];
	return NULL;
}

/* A SCSI disk's place: its <address>, or libvirt's from its name. */
void qemu_scsi_place(const struct domain_disk *dk, struct disk_drive_addr *a)
{
	int idx = driver_qemu_disk_index(dk->target);

	if (dk->drive.set) {
		*a = dk->drive;
		return;
	}
	*a = (struct disk_drive_addr){.set = true,
				      .controller = (unsigned)idx / 7,
				      .unit = (unsigned)idx % 7};
}

static int check_drive(const struct domain_def *d, const struct domain_disk *dk,
		       struct err **e)
{
	const struct disk_drive_addr *a = &dk->drive;
	struct disk_drive_addr s;
	const struct domain_controller *c;

	if (dk->pci.set && dk->bus != DISK_BUS_VIRTIO)
		return err_set(e, ENOTSUP,
			       "disk '%s': a PCI <address> on bus '%s'",
			       dk->target, disk_bus_names[dk->bus]);
	if (a->set && dk->bus == DISK_BUS_VIRTIO)
		return err_set(e, ENOTSUP,
			       "disk '%s': a drive <address> on bus 'virtio'",
			       dk->target);
	if (a->set && dk->bus == DISK_BUS_IDE &&
	    (a->controller || a->target || a->bus > 1 || a->unit > 1))
		return err_set(e, ENOTSUP,
			       "disk '%s': <address controller='%u' bus='%u' "
			       "target='%u' unit='%u'>: the IDE controller "
			       "has buses 0 and 1 of units 0 and 1",
			       dk->target, a->controller, a->bus, a->target,
			       a->unit);
	if (a->set && dk->bus == DISK_BUS_SATA &&
	    (a->controller || a->target || a->bus || a->unit > 5))
		return err_set(e, ENOTSUP,
			       "disk '%s': <address controller='%u' bus='%u' "
			       "target='%u' unit='%u'>: the SATA controller "
			       "has units 0 to 5 on bus 0",
			       dk->target, a->controller, a->bus, a->target,
			       a->unit);
	if (dk->bus != DISK_BUS_SCSI)
		return 0;
	qemu_scsi_place(dk, &s);
	if (!(c = qemu_scsi_controller(d, s.controller)))
		return err_set(e, ENOTSUP,
			       "disk '%s': on SCSI controller %u, which the "
			       "definition does not give (add <controller "
			       "type='scsi' index='%u' model='virtio-scsi'/>)",
			       dk->target, s.controller, s.controller);
	if (s.bus ||
	    (c->model == CONTROLLER_MODEL_LSILOGIC && (s.target || s.unit > 6)))
		return err_set(e, ENOTSUP,
			       "disk '%s': <address bus='%u' target='%u' "
			       "unit='%u'> not on its %s controller",
			       dk->target, s.bus, s.target, s.unit,
			       controller_model_names[c->model]);
	return 0;
}

/* Every PCI device has a slot of its own on the root bus. */
static int check_pci(const struct domain_def *d, struct err **e)
{
	int owner[32];

	for (int s = 0; s < 32; s++)
		owner[s] = -1;
	for (int k = 0; k < QEMU_PCI_KINDS; k++)
		for (size_t i = 0; i < 64; i++) {
			struct dev_pci_addr p;

			if (qemu_pci_slot(d, k, i, &p) < 0)
				continue;
			if (p.bus != 0)
				return err_set(e, ENOTSUP,
					       "PCI bus %#x: the qemu driver "
					       "has no PCI bridges yet (bus 0)",
					       p.bus);
			/* the PIIX3's own USB, an EHCI beside its
			 * companions */
			if (p.function != 0 &&
			    !(k == QEMU_PCI_USB &&
			      (p.slot == 1 ||
			       qemu_usb_has_companions(
				       d,
				       i ? qemu_usb_master(d, i)->index : 0))))
				return err_set(
					e, ENOTSUP,
					"PCI address %02x.%x: "
					"multifunction slots are not "
					"supported by the qemu driver yet",
					p.slot, p.function);
			if (p.slot == 0 || (p.slot == 0x1f && is_q35(d)) ||
			    (p.slot == 1 && !is_q35(d) && k != QEMU_PCI_USB))
				return err_set(e, ENOTSUP,
					       "PCI slot %#x is the machine's "
					       "own",
					       p.slot);
			if (owner[p.slot] >= 0)
				return err_set(e, ENOTSUP,
					       "two devices at PCI slot %#x",
					       p.slot);
			owner[p.slot] = k;
		}
	for (size_t i = 0; i < d->n_disks; i++) {
		struct dev_pci_addr p;

		if (d->disks[i].bus == DISK_BUS_VIRTIO &&
		    qemu_pci_slot(d, QEMU_PCI_DISK, i, &p) < 0)
			return err_set(e, ENOTSUP,
				       "no PCI slot left for disk '%s'",
				       d->disks[i].target);
	}
	return 0;
}

/* <cpu>: a named model, QEMU's maximum, or the host's with KVM. */
static int check_cpu(const struct domain_def *d, struct err **e)
{
	const struct domain_cpu *c = &d->hw.cpu;

	if (c->mode == CPU_MODE_HOST_PASSTHROUGH && d->virt != DOMAIN_VIRT_KVM)
		return err_set(e, ENOTSUP,
			       "<cpu mode='host-passthrough'> needs KVM: a "
			       "type 'qemu' domain runs on TCG (use "
			       "mode='maximum' or a model)");
	/* KVM's host CPU with only the features a migration keeps is what
	 * libvirt's host-model gives (libvirt names a model for it); TCG
	 * has no host CPU to start from */
	if (c->mode == CPU_MODE_HOST_MODEL && d->virt != DOMAIN_VIRT_KVM)
		return err_set(e, ENOTSUP,
			       "<cpu mode='host-model'> needs KVM: a type "
			       "'qemu' domain runs on TCG, which has no host "
			       "CPU to copy (use mode='maximum' or a model)");
	if ((c->mode == CPU_MODE_HOST_PASSTHROUGH ||
	     c->mode == CPU_MODE_MAXIMUM || c->mode == CPU_MODE_HOST_MODEL) &&
	    c->model)
		return err_set(e, ENOTSUP,
			       "<cpu mode='%s'> with a <model> '%s'",
			       cpu_mode_names[c->mode], c->model);
	return 0;
}

int driver_qemu_check_hw(const struct domain_def *d, struct xml_warnings *w,
			 struct err **e)
{
	if (check_cpu(d, e) < 0 || qemu_check_cpu_features(d, w, e) < 0 ||
	    qemu_check_platform(d, e) < 0)
		return -ENOTSUP;
	const struct domain_hw *hw = &d->hw;
	int r;

	for (size_t i = 0; i < hw->n_controllers; i++)
		if ((r = check_controller(d, &hw->controllers[i], e)) < 0)
			return r;
	for (size_t i = 0; i < d->n_disks; i++)
		if ((r = check_drive(d, &d->disks[i], e)) < 0)
			return r;
	if ((r = qemu_check_drive_places(d, e)) < 0)
		return r;
	if (d->display.usb_pci.set && qemu_usb_model(d) == USB_PIIX3_UHCI &&
	    !is_q35(d) && !at(&d->display.usb_pci, 1, 2))
		return err_set(e, ENOTSUP,
			       "<controller type='usb' model='piix3-uhci'>: "
			       "the PIIX3's USB is at slot 0x01 function 0x2");
	if ((r = qemu_check_videos(d, w, e)) < 0)
		return r;
	if (hw->balloon_pci.set && hw->balloon == BALLOON_NONE)
		return err_set(e, ENOTSUP,
			       "<memballoon model='none'> with an <address>");
	return check_pci(d, e);
}
