// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt's virtio options on QEMU's virtio devices (driver-qemu.h):
 * each given option as the property of every virtio-*-pci device.
 */
#include "daemon/driver-qemu.h"
#include "lib/json.h"

void qemu_json_virtio(struct json_object *o, const struct domain_virtio_opts *v)
{
	/* QEMU's names, as domain_virtio_opt_names */
	static const char *const props[] = {"iommu_platform", "ats", "packed",
					    "page-per-vq"};
	const enum domain_tristate opts[] = {v->iommu, v->ats, v->packed,
					     v->page_per_vq};

	for (size_t i = 0; i < ARRAY_SIZE(props); i++)
		if (opts[i])
			json_object_object_add(
				o, props[i],
				json_object_new_boolean(opts[i] ==
							DOMAIN_TRISTATE_ON));
}
