// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver's memory devices (driver-qemu.h), as libvirt runs
 * them: a memory backend each (RAM, a hugetlb memfd of <pagesize>, or
 * the device's file for nvdimm and virtio-pmem; bound to <nodemask>'s
 * host nodes) and pc-dimm, nvdimm (with -machine nvdimm=on),
 * virtio-pmem-pci or virtio-mem-pci on it. DIMM sizes are rounded up to
 * 2 MiB, the alignment QEMU's PC wants.
 */
#include <inttypes.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_mem.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

/* host-nodes and policy=bind of <nodemask>. */
static void add_nodes(struct json_object *o, const char *nodemask)
{
	struct json_object *nodes = json_object_new_array();

	for (unsigned n = 0; n < QEMU_MAX_HOST_NODES; n++)
		if (domain_list_has(nodemask, n))
			json_object_array_add(nodes,
					      json_object_new_int((int)n));
	json_object_object_add(o, "host-nodes", nodes);
	add_str(o, "policy", "bind");
}

static uint64_t device_bytes(const struct domain_memdev *m)
{
	uint64_t kib = m->size_kib;

	if (m->model <= MEMDEV_NVDIMM)
		kib = (kib + 2047) / 2048 * 2048;
	return kib * 1024;
}

static void backend(struct qemu_argv *a, const struct domain_memdev *m,
		    const char *id)
{
	struct json_object *o = json_object_new_object();
	const char *type = m->path	     ? "memory-backend-file"
			   : m->pagesize_kib ? "memory-backend-memfd"
					     : "memory-backend-ram";

	add_str(o, "qom-type", type);
	add_str(o, "id", id);
	if (m->path)
		add_str(o, "mem-path", m->path);
	if (m->pagesize_kib && !m->path) {
		json_object_object_add(o, "hugetlb",
				       json_object_new_boolean(true));
		add_u64(o, "hugetlbsize", m->pagesize_kib * 1024);
	}
	if (m->access)
		json_object_object_add(o, "share",
				       json_object_new_boolean(m->access == 1));
	add_u64(o, "size", device_bytes(m));
	if (m->align_kib)
		add_u64(o, "align", m->align_kib * 1024);
	if (m->pmem)
		json_object_object_add(o, "pmem",
				       json_object_new_boolean(true));
	if (m->readonly)
		json_object_object_add(o, "readonly",
				       json_object_new_boolean(true));
	if (m->discard && m->path)
		json_object_object_add(
			o, "discard-data",
			json_object_new_boolean(m->discard ==
						DOMAIN_TRISTATE_ON));
	if (m->nodemask)
		add_nodes(o, m->nodemask);
	qemu_arg_json(a, "-object", o);
}

/* Device @i, the @n-th of its model. */
static void memdev_args(struct qemu_argv *a, const struct domain_def *def,
			size_t i, unsigned n, bool used[256])
{
	static const char *const alias[] = {"dimm", "nvdimm", "virtiopmem",
					    "virtiomem"};
	static const char *const driver[] = {
		"pc-dimm", "nvdimm", "virtio-pmem-pci", "virtio-mem-pci"};
	const struct domain_memdev *m = &def->misc->memdevs[i];
	struct json_object *dev = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("%s%u", alias[m->model], n);
	_cleanup_free_ char *mem = xasprintf("mem%s", id);

	backend(a, m, mem);
	add_str(dev, "driver", driver[m->model]);
	if (m->node >= 0)
		json_object_object_add(dev, "node",
				       json_object_new_int(m->node));
	if (m->label_kib)
		add_u64(dev, "label-size", m->label_kib * 1024);
	if (m->readonly)
		json_object_object_add(dev, "unarmed",
				       json_object_new_boolean(true));
	if (m->model == MEMDEV_VIRTIO_MEM) {
		add_u64(dev, "block-size", m->block_kib * 1024);
		add_u64(dev, "requested-size", m->requested_kib * 1024);
	}
	add_str(dev, "memdev", mem);
	add_str(dev, "id", id);
	if (m->model <= MEMDEV_NVDIMM) {
		/* a slot given, else the lowest free one */
		unsigned slot = m->slot;

		if (!m->dimm_addr) {
			for (slot = 0; slot < 255 && used[slot]; slot++)
				;
			used[slot] = true;
		}
		json_object_object_add(dev, "slot",
				       json_object_new_int((int)slot));
		if (m->base)
			add_u64(dev, "addr", m->base);
	} else {
		qemu_json_pci(dev, def, QEMU_PCI_MEMDEV, i);
	}
	qemu_arg_json(a, "-device", dev);
}

void qemu_argv_memdevs(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_devmisc *dm = def->misc;
	unsigned count[4] = {0};
	bool nvdimm = false, used[256] = {false};

	for (size_t i = 0; dm && i < dm->n_memdevs; i++) {
		const struct domain_memdev *m = &dm->memdevs[i];

		if (m->model <= MEMDEV_NVDIMM && m->dimm_addr)
			used[m->slot] = true;
		nvdimm = nvdimm || m->model == MEMDEV_NVDIMM;
	}
	if (nvdimm) {
		qemu_arg(a, "-machine");
		qemu_arg(a, "nvdimm=on");
	}
	for (size_t i = 0; dm && i < dm->n_memdevs; i++)
		memdev_args(a, def, i, count[dm->memdevs[i].model]++, used);
}
