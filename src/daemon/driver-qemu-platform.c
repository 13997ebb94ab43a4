// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The platform's devices on QEMU (driver-qemu.h): <iommu model='intel'>
 * as QEMU's intel-iommu (on q35, before any PCI device that would sit
 * behind it), and <ioapic driver='qemu'> as the split irqchip (the
 * IOAPIC in QEMU, the local APICs in KVM) that interrupt remapping
 * needs; libvirt's rules for them. <sysinfo> as -smbios (its tables
 * with <smbios mode='sysinfo'>, OEM strings always, as libvirt gives
 * them) and -fw_cfg.
 */
#include <errno.h>

#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

/* @v in a QEMU option list: its commas doubled. */
static void put_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == ',')
			fputc(',', f);
		fputc(*v, f);
	}
}

/* -smbios type=N,key=value,... for section @sec, if it has entries. */
static void smbios_arg(struct qemu_argv *a, const struct domain_sysinfo *s,
		       enum sysinfo_section sec, int type)
{
	_cleanup_free_ char *o = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&o, &len);

	fprintf(f, "type=%d", type);
	for (size_t i = 0; i < s->n_entries; i++) {
		if (s->entries[i].section != sec)
			continue;
		fprintf(f, ",%s=",
			s->entries[i].name ? s->entries[i].name : "value");
		put_value(f, s->entries[i].value);
		n++;
	}
	fclose(f);
	if (!n)
		return;
	qemu_arg(a, "-smbios");
	qemu_arg(a, o);
}

static void sysinfo_args(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_sysinfo *s = &def->hw.sysinfo;
	static const int types[] = {0, 1, 2, 3};

	if (s->smbios_mode == 3)
		for (int sec = 0; sec < 4; sec++)
			smbios_arg(a, s, (enum sysinfo_section)sec, types[sec]);
	smbios_arg(a, s, SYSINFO_OEM, 11);
	for (size_t i = 0; i < s->n_entries; i++) {
		_cleanup_free_ char *o = NULL;
		size_t len = 0;
		FILE *f;

		if (s->entries[i].section != SYSINFO_FWCFG)
			continue;
		f = open_memstream(&o, &len);
		fputs("name=", f);
		put_value(f, s->entries[i].name);
		fputs(",string=", f);
		put_value(f, s->entries[i].value);
		fclose(f);
		qemu_arg(a, "-fw_cfg");
		qemu_arg(a, o);
	}
}

void qemu_argv_platform(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_iommu *m = &def->hw.iommu;
	struct json_object *o;

	/* KVM's is the default; with TCG both are QEMU's, as libvirt
	 * writes it anyway */
	if (def->hw.cpufeat.ioapic == 2) {
		qemu_arg(a, "-machine");
		qemu_arg(a, "kernel_irqchip=split");
	}
	sysinfo_args(a, def);
	/* <iothreads>: QEMU's I/O threads, by id */
	for (size_t i = 0; i < def->hw.iothreads.n; i++) {
		_cleanup_free_ char *s = xasprintf("iothread,id=iothread%u",
						   def->hw.iothreads.ids[i]);

		qemu_arg(a, "-object");
		qemu_arg(a, s);
	}
	if (!m->present)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "driver",
			       json_object_new_string("intel-iommu"));
	json_object_object_add(o, "id", json_object_new_string("iommu0"));
	if (m->intremap)
		json_object_object_add(
			o, "intremap",
			json_object_new_string(m->intremap == DOMAIN_TRISTATE_ON
						       ? "on"
						       : "off"));
	if (m->caching_mode)
		json_object_object_add(
			o, "caching-mode",
			json_object_new_boolean(m->caching_mode ==
						DOMAIN_TRISTATE_ON));
	if (m->eim)
		json_object_object_add(
			o, "eim",
			json_object_new_string(
				m->eim == DOMAIN_TRISTATE_ON ? "on" : "off"));
	if (m->iotlb)
		json_object_object_add(o, "device-iotlb",
				       json_object_new_boolean(
					       m->iotlb == DOMAIN_TRISTATE_ON));
	if (m->aw_bits)
		json_object_object_add(o, "aw-bits",
				       json_object_new_int((int)m->aw_bits));
	qemu_arg_json(a, "-device", o);
}

int qemu_check_platform(const struct domain_def *d, struct err **e)
{
	const struct domain_iommu *m = &d->hw.iommu;

	for (size_t i = 0; i < d->n_disks; i++) {
		unsigned id = d->disks[i].iothread;
		bool has = false;

		for (size_t k = 0; id && k < d->hw.iothreads.n; k++)
			has = has || d->hw.iothreads.ids[k] == id;
		if (id && d->disks[i].bus != DISK_BUS_VIRTIO)
			return err_set(e, ENOTSUP,
				       "disk '%s': <driver iothread='%u'> on a "
				       "disk not on virtio (QEMU's virtio-blk "
				       "has iothreads)",
				       d->disks[i].target, id);
		if (id && !has)
			return err_set(e, EINVAL,
				       "disk '%s': <driver iothread='%u'>: the "
				       "domain has no such iothread",
				       d->disks[i].target, id);
	}
	/* libvirt's rule: memory is hot-plugged into a NUMA node */
	if (d->hw.mem.max_slots && !d->hw.mem.n_cells)
		return err_set(e, ENOTSUP,
			       "<maxMemory> needs a <numa> cell in <cpu> "
			       "(hot-plugged memory goes into a node)");
	if (d->hw.sysinfo.smbios_mode == 2)
		return err_set(e, ENOTSUP,
			       "<smbios mode='host'> not supported by the qemu "
			       "driver (it does not copy the host's SMBIOS "
			       "tables; use mode='sysinfo')");
	if (!m->present)
		return 0;
	if (!qemu_is_q35(d))
		return err_set(e, ENOTSUP,
			       "<iommu model='intel'> needs a q35 machine "
			       "(machine '%s' has no VT-d)",
			       d->machine ? d->machine : "pc");
	if (m->intremap == DOMAIN_TRISTATE_ON && d->hw.cpufeat.ioapic != 2)
		return err_set(e, ENOTSUP,
			       "<iommu><driver intremap='on'> needs <features>"
			       "<ioapic driver='qemu'/> (QEMU remaps the "
			       "interrupts of its own IOAPIC)");
	if (m->eim == DOMAIN_TRISTATE_ON && m->intremap != DOMAIN_TRISTATE_ON)
		return err_set(e, ENOTSUP,
			       "<iommu><driver eim='on'> needs intremap='on'");
	if (m->eim == DOMAIN_TRISTATE_ON && d->virt != DOMAIN_VIRT_KVM)
		return err_set(e, ENOTSUP,
			       "<iommu><driver eim='on'> needs KVM: QEMU "
			       "gives extended interrupt mode only with "
			       "KVM's split irqchip, not with TCG (type "
			       "'qemu')");
	return 0;
}
