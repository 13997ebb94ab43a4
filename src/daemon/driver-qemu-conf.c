// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the qemu driver can run (driver_qemu.validate): a full x86_64 PC
 * (i440FX or Q35) booted by its firmware (SeaBIOS) from the disks and
 * cdroms the definition gives, in its <boot> order. As for the kvm
 * driver, what would change the guest's meaning is refused by name;
 * what the guest cannot tell is kept and warned about. What this first
 * version of the driver lacks (direct kernel boot, more serial ports)
 * is refused, not dropped.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-common.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"

/* <type machine=>: the two PCs, by QEMU's alias or a versioned name. */
static bool machine_known(const char *m)
{
	return !m || streq(m, "pc") || streq(m, "q35") ||
	       str_has_prefix(m, "pc-i440fx-") || str_has_prefix(m, "pc-q35-");
}

static bool is_q35(const struct domain_def *d);

/* UEFI on pflash (a read-only code flash, a variable store); SMM for a
 * secure loader, which only a Q35 has. */
static int check_firmware(const struct domain_def *d, struct err **e)
{
	const struct domain_firmware *fw = &d->fw;

	if (fw->type == LOADER_TYPE_ROM && !fw->loader)
		return err_set(e, ENOTSUP,
			       "<loader type='rom'> without a path (the "
			       "qemu driver's BIOS is QEMU's SeaBIOS)");
	if (fw->kind == OS_FIRMWARE_BIOS && fw->loader)
		return err_set(e, ENOTSUP,
			       "<os firmware='bios'> with a <loader>: the "
			       "qemu driver's BIOS is QEMU's SeaBIOS");
	if (fw->loader && fw->readonly == DOMAIN_TRISTATE_OFF)
		return err_set(e, ENOTSUP,
			       "<loader readonly='no'>: the qemu driver keeps "
			       "the firmware's code read-only (its variables "
			       "are in <nvram>)");
	if (fw->secure == DOMAIN_TRISTATE_ON && !is_q35(d))
		return err_set(e, ENOTSUP,
			       "<loader secure='yes'> needs SMM, which only "
			       "machine 'q35' has");
	if (fw->secure == DOMAIN_TRISTATE_ON &&
	    d->hw.smm == DOMAIN_TRISTATE_OFF)
		return err_set(e, ENOTSUP,
			       "<loader secure='yes'> needs SMM, which <smm "
			       "state='off'> turns off");
	if ((fw->nvram || fw->nvram_template) && !fw->loader)
		return err_set(e, ENOTSUP, "<nvram> without a pflash <loader>");
	/* libvirt's rule: only a pflash UEFI keeps a variable store */
	if (fw->stateless == DOMAIN_TRISTATE_OFF &&
	    fw->type != LOADER_TYPE_PFLASH && fw->kind != OS_FIRMWARE_EFI)
		return err_set(e, ENOTSUP,
			       "<loader stateless='no'>: only a pflash "
			       "(UEFI) loader has a variable store");
	return 0;
}

static int check_os(const struct domain_def *d, struct err **e)
{
	int r;

	if (!streq(d->os_type, "hvm"))
		return err_set(e, ENOTSUP,
			       "os type '%s' not supported by the qemu driver "
			       "(expected hvm)",
			       d->os_type);
	if (!streq(d->arch, "x86_64") && !streq(d->arch, "i686"))
		return err_set(e, ENOTSUP,
			       "architecture '%s' not supported by the qemu "
			       "driver (x86_64, i686)",
			       d->arch);
	if (!machine_known(d->machine))
		return err_set(e, ENOTSUP,
			       "machine type '%s' not supported by the qemu "
			       "driver (pc, q35, pc-i440fx-*, pc-q35-*)",
			       d->machine);
	if ((r = check_firmware(d, e)) < 0)
		return r;
	return 0;
}

static void check_resources(const struct domain_def *d, struct xml_warnings *w)
{
	const struct domain_timer *pit = &d->hw.timers[TIMER_PIT];

	/* the PIT's policy and kvmclock are KVM's (in-kernel PIT, its
	 * paravirtual clock): nothing of them with TCG */
	if (d->virt == DOMAIN_VIRT_QEMU && pit->tickpolicy > 1)
		xml_warn_def(w,
			     "<timer name='pit' tickpolicy='%s'>: not acted on "
			     "with TCG (type 'qemu'), the policy is KVM's "
			     "in-kernel PIT's",
			     domain_timer_tickpolicy[pit->tickpolicy]);
	if (d->virt == DOMAIN_VIRT_QEMU && d->hw.apic_eoi)
		xml_warn_def(w,
			     "<apic eoi='%s'>: not acted on with TCG (type "
			     "'qemu'), the paravirtual EOI is KVM's",
			     d->hw.apic_eoi == DOMAIN_TRISTATE_ON ? "on"
								  : "off");
	if (d->virt == DOMAIN_VIRT_QEMU &&
	    d->hw.timers[TIMER_KVMCLOCK].present == 1)
		xml_warn_def(w, "<timer name='kvmclock' present='yes'>: not "
				"acted on with TCG (type 'qemu'), kvmclock is "
				"KVM's");
	/* <vcpu cpuset>: QEMU's threads run there (qemu_cpuset_mask) */
	if (d->placement == VCPU_PLACEMENT_AUTO)
		xml_warn_def(w, "<vcpu placement='auto'>: not acted on, the "
				"qemu driver does not ask numad for a "
				"placement");
}

static bool is_q35(const struct domain_def *d)
{
	return d->machine && (streq(d->machine, "q35") ||
			      str_has_prefix(d->machine, "pc-q35-"));
}

/* The disk's index from its name's letter: hda 0, hdd 3; -1 if none. */
int driver_qemu_disk_index(const char *target)
{
	size_t n = strlen(target);

	if (n != 3 || target[2] < 'a' || target[2] > 'z')
		return -1;
	return target[2] - 'a';
}

/* What a disk's device or its nodes take of <driver> and <target>:
 * QEMU's aio=native needs O_DIRECT (cache none or directsync); queues
 * are virtio-blk's; a rotation rate and a WWN are IDE's, SATA's and
 * SCSI's. */
static int check_disk_tuning(const struct domain_disk *dk, struct err **e)
{
	bool direct = dk->cache && (streq(dk->cache, "none") ||
				    streq(dk->cache, "directsync"));
	bool virtio = dk->bus == DISK_BUS_VIRTIO;
	bool ata_scsi = dk->bus == DISK_BUS_IDE || dk->bus == DISK_BUS_SATA ||
			dk->bus == DISK_BUS_SCSI;

	if (dk->io && streq(dk->io, "native") && !direct)
		return err_set(e, ENOTSUP,
			       "disk '%s': <driver io='native'> needs "
			       "cache='none' or 'directsync' (QEMU's native "
			       "AIO is O_DIRECT's)",
			       dk->target);
	if ((dk->queues || dk->queue_size) && !virtio)
		return err_set(e, ENOTSUP,
			       "disk '%s': <driver queues= queue_size=> are "
			       "virtio's",
			       dk->target);
	if ((dk->rotation_rate || dk->wwn) && !ata_scsi)
		return err_set(e, ENOTSUP,
			       "disk '%s': %s on bus '%s' (ide, sata, scsi)",
			       dk->target,
			       dk->wwn ? "<wwn>" : "<target rotation_rate=>",
			       disk_bus_names[dk->bus]);
	return 0;
}

/* A floppy (1 when @dk is one and fits): fda or fdb on the FDC. */
static int check_floppy(const struct domain_disk *dk, struct err **e)
{
	const struct disk_drive_addr *a = &dk->drive;
	int idx = driver_qemu_disk_index(dk->target);

	if ((dk->device == DISK_DEVICE_FLOPPY) != (dk->bus == DISK_BUS_FDC))
		return err_set(e, ENOTSUP,
			       "disk '%s': a floppy is on bus 'fdc', and bus "
			       "'fdc' has only floppies",
			       dk->target);
	if (dk->device != DISK_DEVICE_FLOPPY)
		return 0;
	if (idx < 0 || idx > 1)
		return err_set(e, ENOTSUP,
			       "disk '%s': a floppy is fda or fdb (the FDC's "
			       "two drives)",
			       dk->target);
	if (a->set && (a->controller || a->bus || a->target || a->unit > 1))
		return err_set(e, ENOTSUP,
			       "disk '%s': <address controller='%u' bus='%u' "
			       "target='%u' unit='%u'>: the FDC has units 0 "
			       "and 1",
			       dk->target, a->controller, a->bus, a->target,
			       a->unit);
	if (dk->serial)
		return err_set(e, ENOTSUP,
			       "disk '%s': a floppy has no <serial>",
			       dk->target);
	return 1;
}

/* A network disk: QEMU opens nothing the definition does not name, so
 * no chain below it but a declared end. */
static int check_network(const struct domain_disk *dk, struct err **e)
{
	if (!dk->net)
		return 0;
	if (dk->n_backing)
		return err_set(e, ENOTSUP,
			       "disk '%s': a <backingStore> image below a "
			       "network disk not supported",
			       dk->target);
	if (dk->format == DISK_FORMAT_QCOW2 && !dk->backing_end)
		return err_set(e, ENOTSUP,
			       "disk '%s': a qcow2 image over %s: nido cannot "
			       "check what it names as its backing (give an "
			       "empty <backingStore/> when it has none)",
			       dk->target,
			       disk_protocol_names[dk->net->protocol]);
	if (dk->transient)
		return err_set(e, ENOTSUP,
			       "disk '%s': <transient/> on a network disk "
			       "not supported",
			       dk->target);
	return 0;
}

static int check_disk(const struct domain_def *d, const struct domain_disk *dk,
		      struct xml_warnings *w, struct err **e)
{
	int idx = driver_qemu_disk_index(dk->target), r;

	if ((r = check_floppy(dk, e)) < 0 || (r = check_network(dk, e)) < 0)
		return r;
	if ((r = qemu_check_usb_disk(d, dk, e)) < 0)
		return r;
	if (dk->device == DISK_DEVICE_CDROM && dk->bus == DISK_BUS_VIRTIO)
		return err_set(e, ENOTSUP,
			       "disk '%s': a cdrom cannot be on bus 'virtio' "
			       "(ide, sata or scsi)",
			       dk->target);
	if (dk->bus == DISK_BUS_SCSI && (idx < 0 || idx > 25))
		return err_set(e, ENOTSUP,
			       "disk '%s': a SCSI disk is sda to sdz",
			       dk->target);
	if (dk->readonly && dk->device == DISK_DEVICE_DISK &&
	    (dk->bus == DISK_BUS_IDE || dk->bus == DISK_BUS_SATA))
		return err_set(e, ENOTSUP,
			       "disk '%s': a read-only disk on bus '%s' "
			       "(QEMU's IDE and SATA disks cannot be "
			       "read-only: use a cdrom or bus 'virtio')",
			       dk->target, disk_bus_names[dk->bus]);
	if (dk->bus == DISK_BUS_IDE && is_q35(d))
		return err_set(
			e, ENOTSUP,
			"disk '%s': bus 'ide' on machine '%s': a Q35 has "
			"no IDE controller (use bus 'sata')",
			dk->target, d->machine);
	if (dk->bus == DISK_BUS_IDE && (idx < 0 || idx > 3))
		return err_set(e, ENOTSUP,
			       "disk '%s': an IDE disk is hda to hdd (two "
			       "buses of two units)",
			       dk->target);
	if (dk->bus == DISK_BUS_SATA && (idx < 0 || idx > 5))
		return err_set(e, ENOTSUP,
			       "disk '%s': a SATA disk is sda to sdf (six "
			       "AHCI ports)",
			       dk->target);
	(void)w;
	return check_disk_tuning(dk, e);
}

/* The serial port @c aliases (a console on a serial port); NULL: none. */
static const struct domain_chardev *console_serial(
	const struct domain_def *d, const struct domain_chardev *c)
{
	for (size_t i = 0;
	     c->target == CONSOLE_TARGET_SERIAL && i < d->n_serials; i++)
		if (d->serials[i].port == c->port)
			return &d->serials[i];
	return NULL;
}

/* Serial ports (an ISA one is COM1 to COM4: ports 0 to 3), the console
 * on the first (a console's log is its serial port's), virtio consoles
 * and channels on ports of their virtio-serial controllers. */
static int check_chardevs(const struct domain_def *d, struct xml_warnings *w,
			  struct err **e)
{
	for (size_t i = 0; i < d->n_parallels; i++)
		if (d->parallels[i].port > 2)
			return err_set(e, ENOTSUP,
				       "<parallel> port %u: an ISA parallel "
				       "port is 0 to 2 (LPT1 to LPT3)",
				       d->parallels[i].port);
	for (size_t i = 0; i < d->n_serials; i++)
		if (d->serials[i].serial_target == SERIAL_TARGET_ISA &&
		    d->serials[i].port > 3)
			return err_set(e, ENOTSUP,
				       "<serial> port %u: an ISA serial port "
				       "is 0 to 3 (COM1 to COM4)",
				       d->serials[i].port);
	{
		struct qemu_vserial_plan p;

		if (qemu_vserial_plan(d, &p, e) < 0)
			return -ENOTSUP;
	}
	for (size_t i = 0; i < d->n_channels; i++)
		if (d->channels[i].type == CHARDEV_UNIX &&
		    !d->channels[i].src.path &&
		    &d->channels[i] != domain_agent_channel(d))
			return err_set(e, ENOTSUP,
				       "channel %zu: a unix socket without "
				       "<source path=> (nidod picks the path "
				       "of the guest agent's only)",
				       i);
	for (size_t i = 0; i < d->n_consoles; i++) {
		const struct domain_chardev *c = &d->consoles[i];
		const struct domain_chardev *s = console_serial(d, c);

		if (c->log_file && c->target == CONSOLE_TARGET_SERIAL &&
		    !(s && s->log_file && streq(s->log_file, c->log_file)))
			xml_warn_def(w,
				     "<console> <log file='%s'>: not acted "
				     "on, the serial port's <log> is",
				     c->log_file);
	}
	return 0;
}

static int check_display(const struct domain_def *d, struct err **e)
{
	const struct domain_display *dp = &d->display;

	if (qemu_check_usb_devices(d, e) < 0 || qemu_check_sounds(d, e) < 0)
		return -EINVAL;
	if (dp->vnc && dp->video == VIDEO_NONE)
		return err_set(e, ENOTSUP,
			       "<graphics type='vnc'> with <video> model "
			       "'none': nothing to show");
	if (qemu_chr_check_spice(d, e) < 0 ||
	    qemu_check_local_display(d, e) < 0)
		return -EINVAL;
	return qemu_check_spice(d, e);
}

static int check_devices(const struct domain_def *d, struct xml_warnings *w,
			 struct err **e)
{
	int r;

	if ((r = check_display(d, e)) < 0 ||
	    (r = qemu_check_hostdevs(d, e)) < 0)
		return r;
	if ((r = qemu_check_nets(d, w, e)) < 0)
		return r;
	for (size_t i = 0; i < d->n_rngs; i++) {
		const struct domain_rng *rng = &d->rngs[i];

		if (rng->model == RNG_BACKEND_RANDOM &&
		    !streq(rng->backend, "/dev/urandom") &&
		    !streq(rng->backend, "/dev/random"))
			return err_set(e, ENOTSUP,
				       "rng backend '%s' not supported by the "
				       "qemu driver (/dev/random or "
				       "/dev/urandom)",
				       rng->backend);
		if (rng->model == RNG_BACKEND_EGD &&
		    qemu_chr_check_egd(rng->egd_type, e) < 0)
			return -ENOTSUP;
	}
	return 0;
}

int driver_qemu_validate(const struct domain_def *def, struct xml_warnings *w,
			 struct err **e)
{
	int r;

	driver_warn_ct_elements(def, w);
	if ((r = check_os(def, e)) < 0 || (r = check_devices(def, w, e)) < 0 ||
	    (r = check_chardevs(def, w, e)) < 0 ||
	    (r = driver_qemu_check_hw(def, w, e)) < 0 ||
	    (r = qemu_check_devmisc(def, w, e)) < 0)
		return r;
	for (size_t i = 0; i < def->n_disks; i++)
		if ((r = check_disk(def, &def->disks[i], w, e)) < 0)
			return r;
	check_resources(def, w);
	if (def->dump_core == DOMAIN_TRISTATE_ON)
		xml_warn_def(w, "<memory dumpCore='on'>: not acted on, the "
				"qemu driver leaves guest memory out of "
				"QEMU's core dumps");
	return 0;
}
