// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the kvm driver can run (driver_kvm.validate): nido-vmm boots a
 * Linux kernel directly into an x86_64 hvm guest, with one 8250 serial
 * port, virtio devices and no hot-plug. A definition asking for what
 * would change the guest's meaning is refused, naming it; one asking for
 * what nido-vmm does not do but the guest cannot tell is accepted, kept
 * (dumpxml shows it) and warned about.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf.h"
#include "daemon/domain_conf_disk_opts.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_virtio.h"
#include "daemon/driver-common.h"

/* A <memoryBacking> nido-vmm honours whole. */
static bool kvm_backing(const struct domain_mem *m)
{
	if (m->locked || m->source || m->access || m->allocation ||
	    m->alloc_threads || m->discard || m->n_pages > 1)
		return false;
	return m->n_pages == 0 ||
	       (m->pages[0].size_kib == 2048 && !m->pages[0].nodeset);
}

/* <os>: the machine nido-vmm builds. */
static int check_os(const struct domain_def *d, struct xml_warnings *w,
		    struct err **e)
{
	if (!streq(d->os_type, "hvm"))
		return err_set(e, ENOTSUP,
			       "os type '%s' not supported by the kvm driver "
			       "(expected hvm)",
			       d->os_type);
	if (!streq(d->arch, "x86_64"))
		return err_set(e, ENOTSUP,
			       "architecture '%s' not supported by the kvm "
			       "driver (nido-vmm runs x86_64 guests)",
			       d->arch);
	if (!d->kernel)
		return err_set(e, ENOTSUP,
			       "missing <kernel> in <os> (nido-vmm boots a "
			       "Linux kernel directly)");
	if (d->fw.kind == OS_FIRMWARE_EFI || d->fw.loader || d->fw.nvram)
		return err_set(e, ENOTSUP,
			       "firmware (<os firmware>, <loader>, <nvram>) "
			       "not supported by nido-vmm (it boots <kernel> "
			       "directly)");
	if (d->display.vnc || d->display.n_inputs || d->display.n_hubs ||
	    (d->display.video && d->display.video != VIDEO_NONE))
		return err_set(e, ENOTSUP,
			       "graphics, video, USB or virtio input not "
			       "supported by "
			       "nido-vmm (it has a serial console)");
	for (size_t i = 0; i < d->n_disks; i++)
		if (d->disks[i].boot_order)
			xml_warn_def(w,
				     "disk '%s': <boot order>: not acted on, "
				     "nido-vmm boots <kernel> directly",
				     d->disks[i].target);
	for (size_t i = 0; i < d->n_boot; i++)
		xml_warn_def(w,
			     "<boot dev='%s'>: not acted on, nido-vmm boots "
			     "<kernel> directly",
			     boot_dev_names[d->boot[i]]);
	if (d->emulator && !streq(strrchr(d->emulator, '/') + 1, "nido-vmm"))
		return err_set(e, ENOTSUP, "<emulator> '%s' is not nido-vmm",
			       d->emulator);
	if (d->emulator)
		xml_warn_def(w,
			     "<emulator>%s</emulator>: not acted on, the "
			     "daemon runs the nido-vmm it was configured with",
			     d->emulator);
	if (d->machine)
		xml_warn_def(w,
			     "<type machine='%s'>: not acted on, nido-vmm "
			     "builds its own machine",
			     d->machine);
	return 0;
}

#define KVM_MAX_VCPUS 64 /* nido-vmm's VM_MAX_CPUS */

/* <vcpu> and <memory>: what the guest sees must be what it asked for;
 * <vcpu current=> below the maximum: the others can be hot-added. */
static int check_resources(const struct domain_def *d, struct xml_warnings *w,
			   struct err **e)
{
	if (d->vcpus > KVM_MAX_VCPUS)
		return err_set(e, ENOTSUP,
			       "<vcpu> %u: nido-vmm runs at most %u vCPUs",
			       d->vcpus, KVM_MAX_VCPUS);
	if (d->cpuset)
		xml_warn_def(w,
			     "<vcpu cpuset='%s'>: not acted on, the kvm "
			     "driver does not pin vCPUs",
			     d->cpuset);
	if (d->placement == VCPU_PLACEMENT_AUTO)
		xml_warn_def(w,
			     "<vcpu placement='auto'>: not acted on, the "
			     "kvm driver does not ask numad for a placement");
	if (d->dump_core == DOMAIN_TRISTATE_ON)
		xml_warn_def(w, "<memory dumpCore='on'>: not acted on, "
				"nido-vmm always leaves guest memory out of "
				"its core dumps");
	return 0;
}

/* nido-vmm's disks and network cards are virtio devices. */
static int check_buses(const struct domain_def *d, struct err **e)
{
	for (size_t i = 0; i < d->n_disks; i++)
		if (d->disks[i].bus != DISK_BUS_VIRTIO)
			return err_set(e, ENOTSUP,
				       "disk '%s': bus '%s' not supported by "
				       "the kvm driver (nido-vmm has virtio "
				       "disks)",
				       d->disks[i].target,
				       disk_bus_names[d->disks[i].bus]);
	for (size_t i = 0; i < d->n_nets; i++)
		if (!domain_net_is_tap(&d->nets[i]))
			return err_set(e, ENOTSUP,
				       "interface %zu: type '%s' not supported "
				       "by the kvm driver (nido-vmm has taps)",
				       i,
				       domain_net_type_names[d->nets[i].type]);
		else if (domain_net_qemu_only(&d->nets[i]))
			return err_set(e, ENOTSUP,
				       "interface %zu: %s not supported by "
				       "the kvm driver",
				       i, domain_net_qemu_only(&d->nets[i]));
		else if (!streq(d->nets[i].model, "virtio"))
			return err_set(e, ENOTSUP,
				       "interface %zu: model '%s' not "
				       "supported by the kvm driver (expected "
				       "virtio)",
				       i, d->nets[i].model);
	return 0;
}

static void check_disks(const struct domain_def *d, struct xml_warnings *w)
{
	for (size_t i = 0; i < d->n_disks; i++) {
		const struct domain_disk *dk = &d->disks[i];

		/* nido-vmm offers discard and passes it on to the image. */
		if (dk->discard == DISK_DISCARD_IGNORE)
			xml_warn_def(w,
				     "disk '%s': <driver discard='ignore'>: "
				     "not acted on, nido-vmm passes the "
				     "guest's discards to the image",
				     dk->target);
		if (dk->cache && !streq(dk->cache, "default"))
			xml_warn_def(w,
				     "disk '%s': <driver cache='%s'>: not "
				     "acted on by the kvm driver",
				     dk->target, dk->cache);
		if (dk->io && !streq(dk->io, "default"))
			xml_warn_def(w,
				     "disk '%s': <driver io='%s'>: not acted "
				     "on, nido-vmm picks its own I/O method",
				     dk->target, dk->io);
	}
}

/* Serial ports and consoles: nido-vmm has one 8250 (ttyS0). */
static int check_chardevs(const struct domain_def *d, struct xml_warnings *w,
			  struct err **e)
{
	for (size_t i = 0; i < d->n_serials; i++) {
		if (d->serials[i].port != 0)
			return err_set(e, ENOTSUP,
				       "<serial> port %u not supported: "
				       "nido-vmm has one serial port (port 0)",
				       d->serials[i].port);
	}
	for (size_t i = 0; i < d->n_consoles; i++) {
		/* nido-vmm has a virtio console; the driver does not ask
		 * for it yet, so a guest expecting hvc0 is refused. */
		if (d->consoles[i].target == CONSOLE_TARGET_VIRTIO)
			return err_set(e, ENOTSUP,
				       "<console> target type 'virtio' not "
				       "supported by the kvm driver yet (use "
				       "type 'serial')");
	}
	/* a <console> of type serial is the same port as <serial>: the
	 * serial port's <log> is the one (as the qemu driver has it) */
	if (d->n_serials && d->serials[0].log_file && d->n_consoles &&
	    d->consoles[0].log_file &&
	    !streq(d->serials[0].log_file, d->consoles[0].log_file))
		xml_warn_def(w,
			     "<console> <log file='%s'>: not acted on, the "
			     "serial port's <log> is",
			     d->consoles[0].log_file);
	return 0;
}

/* nido-vmm's one virtio-rng reads getrandom(), the same pool as
 * /dev/random and /dev/urandom. */
static int check_rngs(const struct domain_def *d, struct xml_warnings *w,
		      struct err **e)
{
	if (d->n_rngs > 1)
		return err_set(e, ENOTSUP,
			       "%zu <rng> devices: nido-vmm has one virtio-rng",
			       d->n_rngs);
	if (!d->n_rngs)
		return 0;
	if (d->rngs[0].model != RNG_BACKEND_RANDOM)
		return err_set(e, ENOTSUP,
			       "rng backend '%s' not supported by the kvm "
			       "driver (nido-vmm reads the host's "
			       "/dev/random pool: use model 'random')",
			       d->rngs[0].model == RNG_BACKEND_EGD ? "egd"
								   : "builtin");
	if (!streq(d->rngs[0].backend, "/dev/urandom") &&
	    !streq(d->rngs[0].backend, "/dev/random"))
		return err_set(e, ENOTSUP,
			       "rng backend '%s' not supported by the kvm "
			       "driver (nido-vmm reads the host's "
			       "/dev/random pool: use /dev/random or "
			       "/dev/urandom)",
			       d->rngs[0].backend);
	if (d->rngs[0].rate_bytes)
		xml_warn_def(w,
			     "<rng> <rate bytes='%" PRIu64 "'>: not acted "
			     "on, nido-vmm does not limit the rng's rate",
			     d->rngs[0].rate_bytes);
	return 0;
}

/* Virtio options nido-vmm does not offer, and a disk's device options
 * it has no knob for: refused, they would change what the guest sees
 * or what an I/O error does. */
static int check_device_opts(const struct domain_def *d, struct err **e)
{
	static const char *const vmm = "nido-vmm";

	for (size_t i = 0; i < d->n_disks; i++) {
		const struct domain_disk *dk = &d->disks[i];
		const struct disk_opts *o = &dk->opts;
		_cleanup_free_ char *name = xasprintf("disk '%s'", dk->target);

		if (domain_virtio_opts_only_off(&dk->virtio, name, vmm, e) < 0)
			return -ENOTSUP;
		if (o->error_policy || o->rerror_policy || o->copy_on_read ||
		    o->ioeventfd || o->event_idx || o->cyls)
			return err_set(e, ENOTSUP,
				       "%s: <driver error_policy= "
				       "rerror_policy= copy_on_read= "
				       "ioeventfd= event_idx=> and <geometry> "
				       "not supported by the kvm driver",
				       name);
		if (domain_disk_iotune_ext_any(dk))
			return err_set(e, ENOTSUP,
				       "%s: <iotune> bursts (*_max, "
				       "*_max_length), size_iops_sec and "
				       "group_name not supported by the kvm "
				       "driver (nido-vmm limits rates)",
				       name);
	}
	for (size_t i = 0; i < d->n_rngs; i++)
		if (domain_virtio_opts_only_off(&d->rngs[i].virtio, "<rng>",
						vmm, e) < 0)
			return -ENOTSUP;
	return domain_virtio_opts_only_off(&d->hw.balloon_virtio,
					   "<memballoon>", vmm, e);
}

/* The full machine's devices (domain_conf_hw.c): nido-vmm has none of
 * them. */
static int check_machine(const struct domain_def *d, struct err **e)
{
	const struct domain_hw *hw = &d->hw;
	bool given = false;

	/* those libvirt adds come with what needs them, refused by name */
	for (size_t i = 0; i < hw->n_controllers; i++)
		given |= !hw->controllers[i].implicit;
	const char *what = given		 ? "<controller>"
			   : hw->balloon_pci.set ? "<memballoon><address>"
			   : hw->watchdog	 ? "<watchdog>"
			   : hw->panic		 ? "<panic>"
			   : hw->bootmenu	 ? "<bootmenu>"
			   : hw->clock == CLOCK_LOCALTIME
				   ? "<clock offset='localtime'>"
				   : domain_hw_qemu_only(d);

	/* what nido-vmm does of <memoryBacking>: hugepages of the default
	 * size (2 MiB), <nosharepages/> (RAM not offered to KSM) */
	if (what && streq(what, "<memoryBacking>") && kvm_backing(&hw->mem))
		what = NULL;

	for (size_t i = 0; !what && i < d->n_disks; i++)
		if (d->disks[i].block)
			what = "<disk type='block'>";
		else if (d->disks[i].drive.set || d->disks[i].pci.set)
			what = "a disk's <address>";
	for (size_t i = 0; !what && i < d->n_nets; i++)
		if (d->nets[i].pci.set)
			what = "an interface's <address>";
	if (what)
		return err_set(e, ENOTSUP,
			       "%s not supported by the kvm driver (nido-vmm "
			       "has virtio-mmio devices; the qemu driver runs "
			       "it)",
			       what);
	return 0;
}

/* nido-vmm's --channel limits (src/vmm/vmconfig.h) */
#define KVM_MAX_CHANNELS     7
#define KVM_CHANNEL_NAME_MAX 127

/*
 * <channel>s are named ports of nido-vmm's multiport virtio-console:
 * type='unix' with a virtio target and a name (docs/xml.md, "Channels");
 * nidod binds the socket (mode='bind', the agent's at a path of its own
 * when none is given) or connects to it, and passes it.
 */
static int check_channels(const struct domain_def *def, struct err **e)
{
	const char *why = NULL;
	const struct domain_channel *ch = NULL;

	if (def->n_channels > KVM_MAX_CHANNELS)
		return err_set(e, ENOTSUP,
			       "%zu <channel>s: nido-vmm has %d named ports "
			       "(the qemu driver runs more)",
			       def->n_channels, KVM_MAX_CHANNELS);
	for (size_t i = 0; !why && i < def->n_channels; i++) {
		ch = &def->channels[i];
		if (ch->type != CHARDEV_UNIX)
			why = "a type other than 'unix'";
		else if (!ch->name)
			why = "no <target name=>";
		else if (strlen(ch->name) > KVM_CHANNEL_NAME_MAX ||
			 strpbrk(ch->name, ", /") || streq(ch->name, ".") ||
			 streq(ch->name, ".."))
			why = "a <target name=> nido-vmm cannot give a port "
			      "(at most 127 characters, no ',', '/' or space)";
		else if (!ch->src.path &&
			 !streq(ch->name, DOMAIN_AGENT_CHANNEL))
			why = "no <source path=>";
		else if (ch->addr_set)
			why = "an <address>";
		for (size_t j = 0; !why && j < i; j++)
			if (streq(def->channels[j].name, ch->name))
				why = "the name of another channel";
	}
	if (why)
		return err_set(e, ENOTSUP,
			       "<channel> '%s' with %s not supported by the "
			       "kvm driver (the qemu driver runs it)",
			       ch->name ? ch->name : "", why);
	return 0;
}

int driver_kvm_validate(const struct domain_def *def, struct xml_warnings *w,
			struct err **e)
{
	int r;

	driver_warn_ct_elements(def, w);
	if ((r = check_machine(def, e)) < 0)
		return r;
	if (def->hw.cpu.given)
		xml_warn_def(w, "<cpu>: not acted on, nido-vmm gives the guest "
				"the host's CPU");

	if ((r = check_os(def, w, e)) < 0 ||
	    (r = check_resources(def, w, e)) < 0 ||
	    (r = check_buses(def, e)) < 0 ||
	    (r = check_chardevs(def, w, e)) < 0 ||
	    (r = check_rngs(def, w, e)) < 0 ||
	    (r = check_device_opts(def, e)) < 0)
		return r;
	if ((r = check_channels(def, e)) < 0)
		return r;
	check_disks(def, w);
	return 0;
}
