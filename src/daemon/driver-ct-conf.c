// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the ct driver can run (driver_ct.validate, docs/containers.md):
 * an <os><type>exe</type> container with an <init>, its root file system
 * a host directory (<filesystem type='mount'> on '/'), a raw image on a
 * loop device (type='file') or a block device, further mounts, an
 * <idmap>, the default id range or <privileged/>, <memtune>, <cputune>,
 * <blkiotune>, <vcpu cpuset> and <pids>, interfaces (veth pairs: not
 * type 'user'). Devices a container cannot have are refused by name;
 * what it does not act on is warned about.
 */
#include <errno.h>

#include "ct/ct.h"
#include "daemon/domain_conf.h"
#include "daemon/domain_conf_hw.h"

static int check_os(const struct domain_def *d, struct xml_warnings *w,
		    struct err **e)
{
	if (!streq(d->os_type, "exe"))
		return err_set(e, ENOTSUP,
			       "os type '%s' not supported by the ct driver "
			       "(expected exe)",
			       d->os_type);
	if (!d->ct.init)
		return err_set(e, ENOTSUP,
			       "missing <init> in <os> (the container's first "
			       "program)");
	if (d->kernel || d->initrd || d->cmdline || d->n_boot)
		return err_set(e, ENOTSUP,
			       "<kernel>, <initrd>, <cmdline> and <boot> "
			       "are for machines, not containers");
	if (d->emulator)
		xml_warn_def(w,
			     "<emulator>%s</emulator>: not acted on, nidod "
			     "starts containers itself",
			     d->emulator);
	return 0;
}

/* An image file: raw on a loop device (libvirt's default driver). A
 * qcow2 one would need a block layer in the kernel's path (libvirt's
 * 'nbd' driver, qemu-nbd): nido has no NBD, so it is refused by name. */
static int check_image(const struct domain_fs *fs, struct err **e)
{
	if (fs->driver && !streq(fs->driver, "loop"))
		return err_set(e, ENOTSUP,
			       "filesystem '%s': <driver type='%s'> not "
			       "supported by the ct driver (only 'loop', a raw "
			       "image)",
			       fs->target, fs->driver);
	if (fs->format && !streq(fs->format, "raw"))
		return err_set(e, ENOTSUP,
			       "filesystem '%s': image format '%s' not "
			       "supported by the ct driver (only 'raw': "
			       "nido img convert -O raw makes one)",
			       fs->target, fs->format);
	return 0;
}

static int check_fs(const struct domain_def *d, struct err **e)
{
	bool root = false;

	for (size_t i = 0; i < d->ct.n_fs; i++) {
		if (streq(d->ct.fs[i].target, "/"))
			root = true;
		if ((d->ct.fs[i].type == DOMAIN_FS_FILE ||
		     d->ct.fs[i].type == DOMAIN_FS_VOLUME) &&
		    check_image(&d->ct.fs[i], e) < 0)
			return -ENOTSUP;
	}
	if (!root)
		return err_set(e, ENOTSUP,
			       "no root file system: a <filesystem "
			       "type='mount'> (or 'file', 'block', "
			       "'volume') with <target dir='/'/>");
	return 0;
}

static int check_idmap(const struct domain_def *d, struct err **e)
{
	struct ct_idmap m[DOMAIN_MAX_IDMAP];

	if (!d->ct.n_uid)
		return 0;
	for (size_t i = 0; i < d->ct.n_uid; i++)
		m[i] = (struct ct_idmap){d->ct.uid[i].start,
					 d->ct.uid[i].target,
					 d->ct.uid[i].count};
	if (ct_idmap_check(m, d->ct.n_uid, "<idmap> uid", e) < 0)
		return -EINVAL;
	for (size_t i = 0; i < d->ct.n_gid; i++)
		m[i] = (struct ct_idmap){d->ct.gid[i].start,
					 d->ct.gid[i].target,
					 d->ct.gid[i].count};
	return ct_idmap_check(m, d->ct.n_gid, "<idmap> gid", e);
}

/* Devices: what a container has none of. */
static int check_devices(const struct domain_def *d, struct xml_warnings *w,
			 struct err **e)
{
	if (d->n_disks)
		return err_set(e, ENOTSUP,
			       "<disk> not supported by the ct driver (a "
			       "container's files are <filesystem> mounts)");
	for (size_t i = 0; i < d->n_nets; i++) {
		if (!domain_net_is_tap(&d->nets[i]))
			return err_set(e, ENOTSUP,
				       "<interface type='%s'> not supported "
				       "by the ct driver (use a network: "
				       "type='network')",
				       domain_net_type_names[d->nets[i].type]);
		if (domain_net_qemu_only(&d->nets[i]))
			return err_set(e, ENOTSUP,
				       "interface %zu: %s not supported by "
				       "the ct driver",
				       i, domain_net_qemu_only(&d->nets[i]));
		if (d->nets[i].model)
			xml_warn_def(w,
				     "interface %zu: <model type='%s'> not "
				     "acted on: a container's interface is a "
				     "veth",
				     i, d->nets[i].model);
		if (d->nets[i].link == DOMAIN_TRISTATE_OFF)
			xml_warn_def(w,
				     "interface %zu: <link state='down'> "
				     "not acted on by the ct driver",
				     i);
	}
	if (d->n_rngs || d->n_channels || d->display.vnc)
		return err_set(e, ENOTSUP,
			       "<rng>, <channel> and <graphics> are for "
			       "machines, not containers");
	if (d->n_serials > 1 || d->n_consoles > 1)
		xml_warn_def(w, "a container has one console: the first "
				"<console> or <serial>");
	return 0;
}

int driver_ct_validate(const struct domain_def *d, struct xml_warnings *w,
		       struct err **e)
{
	const char *machine = domain_hw_qemu_only(d);

	/* what only a machine has (timers, NUMA, memory backing, ...) is
	 * refused, not dropped */
	if (machine)
		return err_set(e, ENOTSUP,
			       "%s not supported by the ct driver (it is for "
			       "machines, not containers)",
			       machine);
	if (check_os(d, w, e) < 0 || check_fs(d, e) < 0 ||
	    check_idmap(d, e) < 0 || check_devices(d, w, e) < 0)
		return -ENOTSUP;
	if (d->tune.global_quota_us > 0 || d->tune.quota_us > 0)
		xml_warn_def(w, "<cputune> quota: applied to the whole "
				"container");
	return 0;
}
