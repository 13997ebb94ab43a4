// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Domain XML for full machines (domain_conf_devices.h): what the qemu
 * driver's guests need beyond nido-vmm's, read and written in libvirt's
 * shapes.
 */
#include <errno.h>

#include "daemon/domain_conf_devices.h"

#define BOOT_ORDER_MAX 255

int domain_disk_parse_boot(const xmlNode *disk, struct domain_disk *dk,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"order", "loadparm", NULL};
	const xmlNode *n = xml_child(disk, "boot");
	_cleanup_free_ char *order = NULL;
	uint64_t v;

	if (!n)
		return 0;
	xml_check_known(n, attrs, NULL, w);
	order = xml_attr(n, "order");
	if (!order)
		return xml_err(e, n, "<boot> without order");
	if (xml_uint(n, "boot order", order, 1, BOOT_ORDER_MAX, &v, e) < 0)
		return -EINVAL;
	dk->boot_order = (unsigned)v;
	return 0;
}

void domain_disk_format_boot(FILE *f, const struct domain_disk *dk)
{
	if (dk->boot_order)
		fprintf(f, "      <boot order='%u'/>\n", dk->boot_order);
}

int domain_def_check_boot(const xmlNode *node, const struct domain_def *d,
			  struct err **e)
{
	for (size_t i = 0; i < d->n_disks; i++) {
		const struct domain_disk *a = &d->disks[i];

		if (!a->boot_order)
			continue;
		if (d->n_boot)
			return xml_err(e, node,
				       "disk '%s': per-device <boot order> "
				       "cannot be used together with <os><boot "
				       "dev>",
				       a->target);
		for (size_t j = i + 1; j < d->n_disks; j++)
			if (d->disks[j].boot_order == a->boot_order)
				return xml_err(e, node,
					       "boot order %u used for disks "
					       "'%s' and '%s'",
					       a->boot_order, a->target,
					       d->disks[j].target);
	}
	return 0;
}
