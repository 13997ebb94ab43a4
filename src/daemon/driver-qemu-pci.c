// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where each PCI device of a qemu domain sits on the guest's root bus
 * (driver-qemu.h), decided from the definition alone, as libvirt
 * decides it: an <address> given is kept; the others take the lowest
 * free slot, in a fixed order of kinds. QEMU gets every address on the
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

/* A PIIX3 USB controller is function 2 of the PIIX3's own slot 1. */
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
		if (i >= d->n_nets)
			return false;
		*given = &d->nets[i].pci;
		return true;
	case QEMU_PCI_USB:
		*given = &d->display.usb_pci;
		return i == 0 && qemu_usb_model(d) != USB_NONE;
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
		if (i >= d->n_hostdevs || d->hostdevs[i].type != HOSTDEV_PCI ||
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
	case QEMU_PCI_NET:
		return d->n_nets;
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

/* Slots the machine's own devices hold: the host bridge, the PIIX3
 * (pc) or the ICH9's (q35). */
static void reserve_machine(const struct domain_def *d, bool used[32])
{
	used[0] = true;
	if (is_q35(d))
		used[0x1f] = true;
	else
		used[1] = true;
}

int qemu_pci_slot(const struct domain_def *d, enum qemu_pci_kind kind, size_t i,
		  struct dev_pci_addr *out)
{
	bool used[32] = {false};
	const struct dev_pci_addr *given;

	*out = (struct dev_pci_addr){0};
	if (!device_of(d, kind, i, &given))
		return -1;
	if (kind == QEMU_PCI_USB && usb_builtin_slot(d)) {
		*out = (struct dev_pci_addr){
			.set = true, .slot = 1, .function = 2};
		return 0;
	}
	if (given->set) {
		*out = *given;
		return 0;
	}
	reserve_machine(d, used);
	/* the addresses given are taken first */
	for (int k = 0; k < QEMU_PCI_KINDS; k++)
		for (size_t j = 0; j < kind_max(d, k); j++)
			if (device_of(d, k, j, &given) && given->set &&
			    given->bus == 0)
				used[given->slot] = true;
	for (int k = 0; k < QEMU_PCI_KINDS; k++)
		for (size_t j = 0; j < kind_max(d, k); j++) {
			unsigned s = 1;

			if (!device_of(d, k, j, &given) || given->set ||
			    (k == QEMU_PCI_USB && usb_builtin_slot(d)))
				continue;
			while (s < 32 && used[s])
				s++;
			if (s == 32)
				return -1;
			used[s] = true;
			if ((int)kind == k && j == i) {
				*out = (struct dev_pci_addr){.set = true,
							     .slot = s};
				return 0;
			}
		}
	return -1;
}
