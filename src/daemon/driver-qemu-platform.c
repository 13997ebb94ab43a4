// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The platform's devices on QEMU (driver-qemu.h): <iommu model='intel'>
 * as QEMU's intel-iommu (on q35, before any PCI device that would sit
 * behind it), and <ioapic driver='qemu'> as the split irqchip (the
 * IOAPIC in QEMU, the local APICs in KVM) that interrupt remapping
 * needs; libvirt's rules for them.
 */
#include <errno.h>

#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

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
