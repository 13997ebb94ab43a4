// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the qemu driver runs of the machine around the guest
 * (driver_qemu_check_hw(), from driver_qemu_validate()): the
 * controllers libvirt writes (PCI controllers, whose topology
 * driver-qemu-pcibus.c checks; IDE and SATA; SCSI controllers and their
 * <driver>; the smartcard's CCID reader), devices' addresses, the
 * balloon, the watchdog, the panic device. An address is the guest's to see (a
 * NIC's name follows its slot), so one the driver cannot give is refused, never
 * moved.
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

/* Whether a virtio controller is modern only (QEMU's device without
 * its legacy interface): non-transitional, or in a PCI Express port. */
static bool virtio_modern(const struct domain_def *d,
			  const struct domain_controller *c)
{
	const struct domain_controller *p =
		c->pci.set
			? domain_find_controller(d, CONTROLLER_PCI, c->pci.bus)
			: NULL;

	if (c->model == CONTROLLER_MODEL_VIRTIO_NON_TRANSITIONAL)
		return true;
	return p && (p->model == CONTROLLER_MODEL_PCIE_ROOT_PORT ||
		     p->model == CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT);
}

/* A controller's <driver iothread=> is one of the domain's; iommu='on'
 * is a modern device's (QEMU refuses it on a transitional one). */
static int check_iothread(const struct domain_def *d,
			  const struct domain_controller *c, struct err **e)
{
	const struct domain_iothreads *t = &d->hw.iothreads;

	if (c->driver.iommu == DOMAIN_TRISTATE_ON && !virtio_modern(d, c))
		return err_set(e, ENOTSUP,
			       "<controller type='%s' index='%u'>: <driver "
			       "iommu='on'> needs a virtio device without its "
			       "legacy interface (model "
			       "'virtio-non-transitional', or an <address> in "
			       "a pcie-root-port)",
			       controller_type_names[c->type], c->index);

	for (size_t i = 0; i < t->n; i++)
		if (t->ids[i] == c->driver.iothread)
			return 0;
	if (!c->driver.iothread)
		return 0;
	return err_set(e, EINVAL,
		       "<controller type='%s' index='%u'>: <driver "
		       "iothread='%u'>: the domain has no such iothread",
		       controller_type_names[c->type], c->index,
		       c->driver.iothread);
}

static int check_controller(const struct domain_def *d,
			    const struct domain_controller *c, struct err **e)
{
	const char *type = controller_type_names[c->type];
	bool q35 = is_q35(d);

	if ((c->type == CONTROLLER_IDE || c->type == CONTROLLER_SATA) &&
	    c->index != 0)
		return err_set(e, ENOTSUP,
			       "<controller type='%s' index='%u'>: the qemu "
			       "driver gives the machine's own, index 0",
			       type, c->index);
	switch (c->type) {
	case CONTROLLER_PCI:
		return qemu_check_pci_controller(d, c, e);
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
		return check_iothread(d, c, e);
	}
	return 0;
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
	if (!(c = domain_find_controller(d, CONTROLLER_SCSI, s.controller)))
		return err_set(e, ENOTSUP,
			       "disk '%s': on SCSI controller %u, which the "
			       "definition does not give (add <controller "
			       "type='scsi' index='%u' model='virtio-scsi'/>)",
			       dk->target, s.controller, s.controller);
	if (s.bus ||
	    (qemu_scsi_unit_only(c->model) && (s.target || s.unit > 6)))
		return err_set(e, ENOTSUP,
			       "disk '%s': <address bus='%u' target='%u' "
			       "unit='%u'> not on its %s controller",
			       dk->target, s.bus, s.target, s.unit,
			       controller_model_names[c->model]);
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
	    qemu_check_platform(d, e) < 0 ||
	    qemu_check_machine_opts(d, e) < 0 || qemu_check_disk_opts(d, e) < 0)
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
	if (hw->ccid && !d->display.smartcard)
		return err_set(e, ENOTSUP,
			       "<controller type='ccid'> without a "
			       "<smartcard>: the qemu driver gives the CCID "
			       "reader with its card");
	if (hw->balloon_pci.set && hw->balloon == BALLOON_NONE)
		return err_set(e, ENOTSUP,
			       "<memballoon model='none'> with an <address>");
	return qemu_check_pci_topology(d, e);
}
