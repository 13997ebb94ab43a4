// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Memory devices, <memory model='dimm|nvdimm|virtio-pmem|virtio-mem'>
 * (domain_conf_devmisc.h), as libvirt reads them: <source> (host
 * nodes, page size, a file, pmem), <target> (size, guest node, an
 * nvdimm's label and read-only, virtio-mem's block and requested
 * sizes), <address type='dimm' slot= base=> or a PCI one; and libvirt's
 * rules: DIMMs need <maxMemory> slots and a cell to sit in, files for
 * nvdimm and virtio-pmem, virtio-mem's sizes in whole blocks.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_hw.h"
#include "lib/size.h"

const char *const memdev_model_names[] = {"dimm", "nvdimm", "virtio-pmem",
					  "virtio-mem", NULL};
static const char *const access_names[] = {"", "shared", "private", NULL};
static const char *const yes_no[] = {"", "yes", "no", NULL};

/* <tag unit=>N</tag> of @parent in KiB (0 when absent); the unit is
 * KiB by default, the size a whole, non-zero number of KiB. */
static int child_kib(const xmlNode *parent, const char *tag, uint64_t *kib,
		     struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(parent, tag);
	_cleanup_free_ char *text = n ? xml_text(n) : NULL;
	_cleanup_free_ char *unit = n ? xml_attr(n, "unit") : NULL;
	_cleanup_err_ struct err *why = NULL;
	uint64_t bytes;

	*kib = 0;
	if (!n)
		return 0;
	xml_check_known(n, (const char *const[]){"unit", NULL}, NULL, w);
	if (size_parse_unit(text, unit ? unit : "KiB", &bytes, &why) < 0)
		return xml_err(e, n, "<%s>: %s", tag, err_msg(why));
	if (!bytes || bytes % 1024)
		return xml_err(e, n,
			       "<%s> '%s': not a whole, non-zero number "
			       "of KiB",
			       tag, text);
	*kib = bytes / 1024;
	return 0;
}

static int parse_source(const xmlNode *s, struct domain_memdev *m,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *n;

	xml_check_known(s, NULL,
			(const char *const[]){"nodemask", "pagesize", "path",
					      "pmem", "alignsize", NULL},
			w);
	if ((n = xml_child(s, "nodemask"))) {
		m->nodemask = xml_text(n);
		if (domain_parse_cpuset(n, m->nodemask, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(s, "path"))) {
		m->path = xml_text(n);
		if (m->path[0] != '/' || strlen(m->path) > 4096)
			return xml_err(e, n,
				       "<path> '%s': not an absolute path",
				       m->path);
	}
	m->pmem = xml_child(s, "pmem") != NULL;
	if (child_kib(s, "pagesize", &m->pagesize_kib, w, e) < 0 ||
	    child_kib(s, "alignsize", &m->align_kib, w, e) < 0)
		return -EINVAL;
	return 0;
}

static int parse_target(const xmlNode *t, struct domain_memdev *m,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *n;
	uint64_t u;

	xml_check_known(t, NULL,
			(const char *const[]){"size", "node", "label",
					      "readonly", "block", "requested",
					      NULL},
			w);
	m->node = -1;
	if ((n = xml_child(t, "node"))) {
		_cleanup_free_ char *v = xml_text(n);

		if (xml_uint(n, "memory node", v, 0, 255, &u, e) < 0)
			return -EINVAL;
		m->node = (int)u;
	}
	if ((n = xml_child(t, "label"))) {
		xml_check_known(n, NULL, (const char *const[]){"size", NULL},
				w);
		if (child_kib(n, "size", &m->label_kib, w, e) < 0)
			return -EINVAL;
	}
	m->readonly = xml_child(t, "readonly") != NULL;
	if (child_kib(t, "size", &m->size_kib, w, e) < 0 ||
	    child_kib(t, "block", &m->block_kib, w, e) < 0 ||
	    child_kib(t, "requested", &m->requested_kib, w, e) < 0)
		return -EINVAL;
	if (!m->size_kib)
		return xml_err(e, t, "<target> without <size>");
	return 0;
}

/* <address type='dimm' slot= base=>, or a PCI address for virtio. */
static int parse_address(const xmlNode *c, struct domain_memdev *m,
			 struct err **e)
{
	const xmlNode *a = xml_child(c, "address");
	_cleanup_free_ char *type = a ? xml_attr(a, "type") : NULL;
	_cleanup_free_ char *slot = NULL, *base = NULL;
	uint64_t u;
	char *end;

	if (!a || !type || !streq(type, "dimm"))
		return domain_parse_address(c, &m->pci, NULL, e);
	if (xml_only_attrs(a,
			   (const char *const[]){"type", "slot", "base", NULL},
			   "address ", e) < 0)
		return -EINVAL;
	slot = xml_attr(a, "slot");
	base = xml_attr(a, "base");
	m->dimm_addr = true;
	if (slot && xml_uint(a, "dimm slot", slot, 0, 255, &u, e) < 0)
		return -EINVAL;
	m->slot = slot ? (unsigned)u : 0;
	if (base) {
		errno = 0;
		m->base = strtoull(base, &end, 0);
		if (!*base || *end || errno || base[0] == '-')
			return xml_err(e, a, "invalid dimm base '%s'", base);
	}
	return 0;
}

/* What each model needs and takes. */
static int check_model(const xmlNode *c, const struct domain_memdev *m,
		       struct err **e)
{
	const char *name = memdev_model_names[m->model];
	bool virtio = m->model >= MEMDEV_VIRTIO_PMEM;

	if ((m->model == MEMDEV_NVDIMM || m->model == MEMDEV_VIRTIO_PMEM) &&
	    !m->path)
		return xml_err(e, c,
			       "<memory model='%s'> without <source><path>",
			       name);
	if (m->model != MEMDEV_NVDIMM && m->label_kib)
		return xml_err(e, c, "<label>: an nvdimm's, not a %s's", name);
	if (m->label_kib && m->label_kib < 128)
		return xml_err(e, c,
			       "nvdimm label of %" PRIu64
			       " KiB: 128 KiB at least",
			       m->label_kib);
	if (m->label_kib >= m->size_kib)
		return xml_err(e, c,
			       "nvdimm label of %" PRIu64
			       " KiB: not below its size",
			       m->label_kib);
	if (virtio && m->dimm_addr)
		return xml_err(e, c,
			       "<address type='dimm'> on a %s (a PCI "
			       "device)",
			       name);
	if (!virtio && m->pci.set)
		return xml_err(e, c, "<address type='pci'> on a %s", name);
	if (m->model == MEMDEV_VIRTIO_PMEM && m->node >= 0)
		return xml_err(e, c, "<node> on a virtio-pmem (it has none)");
	if (m->model != MEMDEV_VIRTIO_MEM && (m->block_kib || m->requested_kib))
		return xml_err(e, c,
			       "<block> and <requested> are "
			       "virtio-mem's");
	if (m->model != MEMDEV_VIRTIO_MEM)
		return 0;
	if (!m->block_kib || m->block_kib & (m->block_kib - 1))
		return xml_err(e, c,
			       "virtio-mem <block>: a power of two "
			       "(KiB) is needed");
	if (m->size_kib % m->block_kib || m->requested_kib % m->block_kib)
		return xml_err(e, c,
			       "virtio-mem <size> and <requested>: whole "
			       "<block>s");
	if (m->requested_kib > m->size_kib)
		return xml_err(e, c,
			       "virtio-mem <requested> is more than its "
			       "<size>");
	return 0;
}

int domain_parse_memdev(const xmlNode *c, struct domain_memdev *m,
			struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *model = xml_attr(c, "model");
	const xmlNode *n;
	int r;

	xml_check_known(
		c, (const char *const[]){"model", "access", "discard", NULL},
		(const char *const[]){"source", "target", "alias", "address",
				      NULL},
		w);
	m->node = -1;
	if ((r = xml_enum(c, "memory model", model ? model : "",
			  memdev_model_names, e)) < 0)
		return r;
	m->model = (enum memdev_model)r;
	if ((r = domain_attr_enum(c, "access", "memory access", access_names,
				  e)) < 0)
		return r;
	m->access = r;
	if ((r = domain_attr_enum(c, "discard", "memory discard", yes_no, e)) <
	    0)
		return r;
	m->discard = (enum domain_tristate)r;
	if ((n = xml_child(c, "source")) && parse_source(n, m, w, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(c, "target")))
		return xml_err(e, c, "<memory model='%s'> without <target>",
			       memdev_model_names[m->model]);
	if (parse_target(n, m, w, e) < 0 || parse_address(c, m, e) < 0)
		return -EINVAL;
	return check_model(c, m, e);
}

int domain_memdevs_check(const struct domain_def *d, struct err **e)
{
	const struct domain_devmisc *dm = d->misc;
	const struct domain_mem *mem = &d->hw.mem;

	for (size_t i = 0; dm && i < dm->n_memdevs; i++) {
		const struct domain_memdev *m = &dm->memdevs[i];
		const char *name = memdev_model_names[m->model];

		if (m->model != MEMDEV_VIRTIO_PMEM && m->node < 0 &&
		    mem->n_cells)
			return err_set(
				e, EINVAL,
				"memory device %zu (%s): no <target><node> "
				"(the guest has NUMA cells)",
				i, name);
		if (m->node >= 0 && (size_t)m->node >= mem->n_cells)
			return err_set(e, EINVAL,
				       "memory device %zu (%s): guest node %d: "
				       "the guest has %zu NUMA cells",
				       i, name, m->node, mem->n_cells);
		if (m->model > MEMDEV_NVDIMM)
			continue;
		if (!mem->max_slots)
			return err_set(e, EINVAL,
				       "memory device %zu (%s): a DIMM needs "
				       "<maxMemory slots=>",
				       i, name);
		if (m->dimm_addr && m->slot >= mem->max_slots)
			return err_set(e, EINVAL,
				       "memory device %zu: dimm slot %u: the "
				       "domain has %u slots",
				       i, m->slot, mem->max_slots);
		for (size_t j = 0; j < i; j++)
			if (m->dimm_addr && dm->memdevs[j].dimm_addr &&
			    dm->memdevs[j].model <= MEMDEV_NVDIMM &&
			    dm->memdevs[j].slot == m->slot)
				return err_set(e, EINVAL,
					       "memory devices %zu and %zu: "
					       "both in dimm slot %u",
					       j, i, m->slot);
	}
	return 0;
}

static void put_kib(FILE *f, int indent, const char *tag, uint64_t kib)
{
	if (kib)
		fprintf(f, "%*s<%s unit='KiB'>%" PRIu64 "</%s>\n", indent, "",
			tag, kib, tag);
}

static void format_source(FILE *f, const struct domain_memdev *m)
{
	if (!m->nodemask && !m->pagesize_kib && !m->path && !m->pmem &&
	    !m->align_kib)
		return;
	fputs("      <source>\n", f);
	xml_put_text(f, 8, "nodemask", m->nodemask);
	put_kib(f, 8, "pagesize", m->pagesize_kib);
	xml_put_text(f, 8, "path", m->path);
	put_kib(f, 8, "alignsize", m->align_kib);
	if (m->pmem)
		fputs("        <pmem/>\n", f);
	fputs("      </source>\n", f);
}

void domain_format_memdev(FILE *f, const struct domain_memdev *m)
{
	fprintf(f, "    <memory model='%s'", memdev_model_names[m->model]);
	if (m->access)
		fprintf(f, " access='%s'", access_names[m->access]);
	if (m->discard)
		fprintf(f, " discard='%s'", yes_no[m->discard]);
	fputs(">\n", f);
	format_source(f, m);
	fputs("      <target>\n", f);
	put_kib(f, 8, "size", m->size_kib);
	if (m->node >= 0)
		fprintf(f, "        <node>%d</node>\n", m->node);
	if (m->label_kib) {
		fputs("        <label>\n", f);
		put_kib(f, 10, "size", m->label_kib);
		fputs("        </label>\n", f);
	}
	put_kib(f, 8, "block", m->block_kib);
	put_kib(f, 8, "requested", m->requested_kib);
	if (m->readonly)
		fputs("        <readonly/>\n", f);
	fputs("      </target>\n", f);
	if (m->dimm_addr) {
		fprintf(f, "      <address type='dimm' slot='%u'", m->slot);
		if (m->base)
			fprintf(f, " base='0x%" PRIx64 "'", m->base);
		fputs("/>\n", f);
	}
	domain_format_pci_address(f, 6, &m->pci);
	fputs("    </memory>\n", f);
}

void domain_memdev_clear(struct domain_memdev *m)
{
	free(m->nodemask);
	free(m->path);
}

uint64_t domain_memdevs_kib(const struct domain_def *d)
{
	uint64_t kib = 0;

	for (size_t i = 0; d->misc && i < d->misc->n_memdevs; i++)
		kib += d->misc->memdevs[i].size_kib;
	return kib;
}
