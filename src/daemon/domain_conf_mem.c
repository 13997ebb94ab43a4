// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <cpu><numa><cell id='0' cpus='0-3' memory='1048576' unit='KiB'
 *   memAccess='shared'><distances><sibling id='1' value='21'/>
 *   </distances></cell>...</numa></cpu>
 * <memoryBacking><hugepages><page size='2048' unit='KiB' nodeset='1'/>
 *   </hugepages><nosharepages/><locked/><source type='memfd'/>
 *   <access mode='shared'/><allocation mode='immediate'/></memoryBacking>
 * as libvirt reads them (domain_conf_mem.h), with libvirt's rules: cell
 * ids 0 to n-1 once each, a vCPU in one cell at most, the cells' memory
 * making <memory>, a page's nodeset naming cells that exist.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_mem.h"
#include "daemon/xml_util.h"
#include "lib/size.h"
#include "lib/util.h"

static const char *const access_names[] = {"", "shared", "private", NULL};
static const char *const source_names[] = {"", "anonymous", "memfd", "file",
					   NULL};
static const char *const allocation_names[] = {"", "immediate", "ondemand",
					       NULL};
static const char *const yes_no[] = {"", "yes", "no", NULL};

/* A list as libvirt writes it ("0-3,^2,8"), numbers below @limit, one
 * number at least. */
static int parse_list(const xmlNode *n, const char *what, const char *s,
		      unsigned limit, struct err **e)
{
	bool any = false;

	for (const char *p = s; *p;) {
		bool neg = *p == '^';
		char *end;
		unsigned long a, b;

		p += neg;
		if (!isdigit((unsigned char)*p))
			goto bad;
		a = b = strtoul(p, &end, 10);
		if (*end == '-' && !neg) {
			if (!isdigit((unsigned char)end[1]))
				goto bad;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || (*end && *end != ','))
			goto bad;
		if (b >= limit)
			return xml_err(e, n,
				       "%s '%s': %lu is beyond the last "
				       "(%u)",
				       what, s, b, limit - 1);
		any |= !neg;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad;
	}
	if (any)
		return 0;
bad:
	return xml_err(e, n,
		       "invalid %s '%s' (expected a list such as '0-3,8')",
		       what, s);
}

bool domain_list_has(const char *list, unsigned n)
{
	bool in = false;

	for (const char *p = list; p && *p;) {
		bool neg = *p == '^';
		char *end;
		unsigned long a, b;

		a = b = strtoul(p + neg, &end, 10);
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (n >= a && n <= b)
			in = !neg;
		p = *end ? end + 1 : end;
	}
	return in;
}

static int parse_enum(const xmlNode *n, const char *attr, const char *what,
		      const char *const *names, int *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	int r;

	if (!v)
		return 0;
	/* names[0] is "": no value given */
	if ((r = xml_enum(n, what, v, names + 1, e)) < 0)
		return r;
	*out = r + 1;
	return 0;
}

static int parse_size(const xmlNode *n, const char *attr, uint64_t *kib,
		      struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	_cleanup_free_ char *unit = xml_attr(n, "unit");
	_cleanup_err_ struct err *why = NULL;
	uint64_t bytes;

	if (!v)
		return xml_err(e, n, "missing attribute '%s'", attr);
	if (size_parse_unit(v, unit ? unit : "KiB", &bytes, &why) < 0)
		return xml_err(e, n, "%s: %s", attr, err_msg(why));
	if (!bytes || bytes % 1024)
		return xml_err(e, n,
			       "%s '%s': not a whole, non-zero number of "
			       "KiB",
			       attr, v);
	*kib = bytes / 1024;
	return 0;
}

static int parse_distances(const xmlNode *n, struct numa_cell *c,
			   struct xml_warnings *w, struct err **e)
{
	xml_check_known(n, NULL, (const char *const[]){"sibling", NULL}, w);
	for (const xmlNode *s = n->children; s; s = s->next) {
		_cleanup_free_ char *id = NULL, *value = NULL;
		uint64_t i, v;

		if (s->type != XML_ELEMENT_NODE || s->ns ||
		    !xmlStrEqual(s->name, BAD_CAST "sibling"))
			continue;
		xml_check_known(s, (const char *const[]){"id", "value", NULL},
				NULL, w);
		id = xml_attr(s, "id");
		value = xml_attr(s, "value");
		if (xml_uint(s, "sibling id", id, 0, DOMAIN_MAX_NUMA_CELLS - 1,
			     &i, e) < 0 ||
		    xml_uint(s, "sibling value", value, 10, 255, &v, e) < 0)
			return -EINVAL;
		for (size_t k = 0; k < c->n_siblings; k++)
			if (c->siblings[k].id == i)
				return xml_err(e, s, "a second sibling %s", id);
		c->siblings = xreallocarray(c->siblings, c->n_siblings + 1,
					    sizeof(*c->siblings));
		c->siblings[c->n_siblings++] =
			(struct numa_sibling){(unsigned)i, (unsigned)v};
	}
	return 0;
}

static int parse_cell(const xmlNode *n, struct numa_cell *c, unsigned index,
		      unsigned vcpus, struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *id = xml_attr(n, "id");
	const xmlNode *dist = xml_child(n, "distances");
	uint64_t v = index;

	xml_check_known(n,
			(const char *const[]){"id", "cpus", "memory", "unit",
					      "memAccess", "discard", NULL},
			(const char *const[]){"distances", NULL}, w);
	if (id &&
	    xml_uint(n, "cell id", id, 0, DOMAIN_MAX_NUMA_CELLS - 1, &v, e) < 0)
		return -EINVAL;
	c->id = (unsigned)v;
	c->cpus = xml_attr(n, "cpus");
	if (c->cpus && parse_list(n, "cell cpus", c->cpus, vcpus, e) < 0)
		return -EINVAL;
	if (parse_size(n, "memory", &c->memory_kib, e) < 0 ||
	    parse_enum(n, "memAccess", "memAccess", access_names,
		       &c->mem_access, e) < 0 ||
	    parse_enum(n, "discard", "cell discard", yes_no, &c->discard, e) <
		    0)
		return -EINVAL;
	return dist ? parse_distances(dist, c, w, e) : 0;
}

/* libvirt's rules across the cells (the header's comment). */
static int check_cells(const xmlNode *n, const struct domain_def *d,
		       struct err **e)
{
	const struct domain_mem *m = &d->hw.mem;

	for (size_t i = 0; i < m->n_cells; i++) {
		const struct numa_cell *c = &m->cells[i];

		if (c->id >= m->n_cells)
			return xml_err(e, n,
				       "cell id %u: the ids of %zu cells are 0 "
				       "to %zu, once each",
				       c->id, m->n_cells, m->n_cells - 1);
		for (size_t j = 0; j < i; j++)
			if (m->cells[j].id == c->id)
				return xml_err(e, n, "cell id %u given twice",
					       c->id);
		for (size_t k = 0; k < c->n_siblings; k++)
			if (c->siblings[k].id >= m->n_cells)
				return xml_err(e, n,
					       "cell %u: sibling %u is not a "
					       "cell",
					       c->id, c->siblings[k].id);
		for (unsigned v = 0; c->cpus && v < d->vcpus; v++)
			for (size_t j = 0; j < i; j++)
				if (domain_list_has(c->cpus, v) &&
				    domain_list_has(m->cells[j].cpus, v))
					return xml_err(e, n,
						       "vCPU %u is in cells %u "
						       "and %u",
						       v, m->cells[j].id,
						       c->id);
	}
	return 0;
}

int domain_parse_numa(const xmlNode *n, struct domain_def *d,
		      struct xml_warnings *w, struct err **e)
{
	struct domain_mem *m = &d->hw.mem;

	xml_check_known(n, NULL, (const char *const[]){"cell", NULL}, w);
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns ||
		    !xmlStrEqual(c->name, BAD_CAST "cell"))
			continue;
		if (m->n_cells == DOMAIN_MAX_NUMA_CELLS)
			return xml_err(e, c, "more than %d cells",
				       DOMAIN_MAX_NUMA_CELLS);
		m->cells = xreallocarray(m->cells, m->n_cells + 1,
					 sizeof(*m->cells));
		memset(&m->cells[m->n_cells], 0, sizeof(*m->cells));
		m->n_cells++;
		if (parse_cell(c, &m->cells[m->n_cells - 1],
			       (unsigned)m->n_cells - 1, d->vcpus, w, e) < 0)
			return -EINVAL;
	}
	if (!m->n_cells)
		return xml_err(e, n, "<numa> without a <cell>");
	return check_cells(n, d, e);
}

static int parse_pages(const xmlNode *n, struct domain_def *d,
		       struct xml_warnings *w, struct err **e)
{
	struct domain_mem *m = &d->hw.mem;
	unsigned nodes = m->n_cells ? (unsigned)m->n_cells : 1;

	xml_check_known(n, NULL, (const char *const[]){"page", NULL}, w);
	m->hugepages = true;
	for (const xmlNode *p = n->children; p; p = p->next) {
		struct hugepage *h;

		if (p->type != XML_ELEMENT_NODE || p->ns ||
		    !xmlStrEqual(p->name, BAD_CAST "page"))
			continue;
		xml_check_known(
			p,
			(const char *const[]){"size", "unit", "nodeset", NULL},
			NULL, w);
		m->pages = xreallocarray(m->pages, m->n_pages + 1,
					 sizeof(*m->pages));
		h = &m->pages[m->n_pages++];
		*h = (struct hugepage){.nodeset = xml_attr(p, "nodeset")};
		if (parse_size(p, "size", &h->size_kib, e) < 0)
			return -EINVAL;
		/* libvirt: a nodeset names guest NUMA nodes that exist */
		if (h->nodeset &&
		    parse_list(p, "page nodeset", h->nodeset, nodes, e) < 0)
			return -EINVAL;
		for (size_t i = 0; i + 1 < m->n_pages; i++)
			if (!h->nodeset && !m->pages[i].nodeset)
				return xml_err(e, p,
					       "a second <page> without "
					       "nodeset");
	}
	return 0;
}

/* <tag type|mode='...'/> of <memoryBacking> into @out. */
static int parse_mode(const xmlNode *mb, const char *tag, const char *attr,
		      const char *const *names, int *out,
		      struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(mb, tag);
	_cleanup_free_ char *what = xasprintf("%s %s", tag, attr);

	if (!n)
		return 0;
	xml_check_known(n, (const char *const[]){attr, NULL}, NULL, w);
	if (parse_enum(n, attr, what, names, out, e) < 0)
		return -EINVAL;
	if (!*out)
		return xml_err(e, n, "<%s> without %s", tag, attr);
	return 0;
}

/* <allocation mode= threads=>: threads preallocate (1 to 1024). */
static int parse_allocation(const xmlNode *n, struct domain_mem *m,
			    struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *threads = xml_attr(n, "threads");
	uint64_t t;

	xml_check_known(n, (const char *const[]){"mode", "threads", NULL}, NULL,
			w);
	if (parse_enum(n, "mode", "allocation mode", allocation_names,
		       &m->allocation, e) < 0)
		return -EINVAL;
	if (threads) {
		if (xml_uint(n, "allocation threads", threads, 1, 1024, &t, e) <
		    0)
			return -EINVAL;
		m->alloc_threads = (unsigned)t;
	}
	if (!m->allocation && !m->alloc_threads)
		return xml_err(e, n, "<allocation> without mode or threads");
	return 0;
}

int domain_parse_memory_backing(const xmlNode *root, struct domain_def *d,
				struct xml_warnings *w, struct err **e)
{
	const xmlNode *mb = xml_child(root, "memoryBacking");
	struct domain_mem *m = &d->hw.mem;
	const xmlNode *n;

	if (!mb)
		return 0;
	m->backing = true;
	xml_check_known(mb, NULL,
			(const char *const[]){"hugepages", "nosharepages",
					      "locked", "source", "access",
					      "allocation", "discard", NULL},
			w);
	if ((n = xml_child(mb, "hugepages")) && parse_pages(n, d, w, e) < 0)
		return -EINVAL;
	m->nosharepages = xml_child(mb, "nosharepages") != NULL;
	m->locked = xml_child(mb, "locked") != NULL;
	if (parse_mode(mb, "source", "type", source_names, &m->source, w, e) <
	    0)
		return -EINVAL;
	if (parse_mode(mb, "access", "mode", access_names, &m->access, w, e) <
	    0)
		return -EINVAL;
	m->discard = xml_child(mb, "discard") != NULL;
	return (n = xml_child(mb, "allocation")) ? parse_allocation(n, m, w, e)
						 : 0;
}

static const char *const numa_mode_names[] = {"", "strict", "preferred",
					      "interleave", NULL};

/* Host NUMA node numbers below this can be named. */
#define MAX_HOST_NODES 1024

/*
 * <memory mode= nodeset= placement=> or <memnode cellid= mode= nodeset=>:
 * 1 and @mode, @nodeset filled when kept; 0 when warned about (numad's
 * placement, mode 'restrictive', which is cgroup's alone); -errno.
 */
static bool xml_has_attr(const xmlNode *n, const char *name)
{
	return xmlHasProp(n, BAD_CAST name) != NULL;
}

static int parse_tune(const xmlNode *n, const char *const *attrs,
		      bool vcpu_auto, enum numa_mode *mode, char **nodeset,
		      struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *m = xml_attr(n, "mode");
	_cleanup_free_ char *placement = xml_attr(n, "placement");
	int r = 0;

	xml_check_known(n, attrs, NULL, w);
	/* no placement and no nodeset: libvirt's default is <vcpu>'s */
	if (!placement && !xml_has_attr(n, "nodeset") && vcpu_auto)
		placement = xstrdup("auto");
	if ((m && streq(m, "restrictive")) ||
	    (placement && streq(placement, "auto"))) {
		xml_warn(w, n,
			 "<%s>: %s in <numatune> not acted on, the qemu "
			 "driver binds guest RAM to the nodes a nodeset names",
			 (const char *)n->name,
			 placement && streq(placement, "auto")
				 ? "placement='auto' (numad's)"
				 : "mode='restrictive' (cgroup's alone)");
		return 0;
	}
	if (m &&
	    (r = xml_enum(n, "numatune mode", m, numa_mode_names + 1, e)) < 0)
		return r;
	*mode = (enum numa_mode)(r + 1); /* libvirt's default: strict */
	if (placement && !streq(placement, "static"))
		return xml_err(e, n, "invalid placement '%s' (static, auto)",
			       placement);
	*nodeset = xml_attr(n, "nodeset");
	if (!*nodeset)
		return xml_err(e, n, "<%s> without a nodeset",
			       (const char *)n->name);
	if (parse_list(n, "nodeset", *nodeset, MAX_HOST_NODES, e) < 0)
		return -EINVAL;
	return 1;
}

static int parse_memnode(const xmlNode *n, struct domain_mem *m,
			 bool restrictive, struct xml_warnings *w,
			 struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(n, "mode");
	_cleanup_free_ char *id = xml_attr(n, "cellid");
	struct numa_memnode mn = {0};
	uint64_t v;
	int r;

	if (xml_uint(n, "memnode cellid", id, 0, DOMAIN_MAX_NUMA_CELLS - 1, &v,
		     e) < 0)
		return -EINVAL;
	if (v >= m->n_cells)
		return xml_err(e, n, "cellid %s: the guest has no such cell",
			       id);
	for (size_t i = 0; i < m->n_memnodes; i++)
		if (m->memnodes[i].cellid == v)
			return xml_err(e, n, "a second memnode for cell %s",
				       id);
	/* libvirt: under a restrictive <memory>, restrictive memnodes */
	if (restrictive != (mode && streq(mode, "restrictive")))
		return xml_err(e, n,
			       "mode='restrictive' in <memory> and <memnode> "
			       "both, or in neither");
	mn.cellid = (unsigned)v;
	r = parse_tune(n,
		       (const char *const[]){"cellid", "mode", "nodeset", NULL},
		       false, &mn.mode, &mn.nodeset, w, e);
	if (r <= 0) {
		free(mn.nodeset);
		return r;
	}
	m->memnodes = xreallocarray(m->memnodes, m->n_memnodes + 1,
				    sizeof(*m->memnodes));
	m->memnodes[m->n_memnodes++] = mn;
	return 0;
}

int domain_parse_numatune(const xmlNode *root, struct domain_def *d,
			  struct xml_warnings *w, struct err **e)
{
	const xmlNode *nt = xml_child(root, "numatune");
	struct domain_mem *m = &d->hw.mem;
	const xmlNode *n;
	_cleanup_free_ char *mode = NULL;
	bool restrictive;

	if (!nt)
		return 0;
	n = xml_child(nt, "memory");
	mode = n ? xml_attr(n, "mode") : NULL;
	restrictive = mode && streq(mode, "restrictive");
	xml_check_known(nt, NULL,
			(const char *const[]){"memory", "memnode", NULL}, w);
	if (n && parse_tune(n,
			    (const char *const[]){"mode", "nodeset",
						  "placement", NULL},
			    d->placement == VCPU_PLACEMENT_AUTO, &m->tune_mode,
			    &m->tune_nodeset, w, e) < 0)
		return -EINVAL;
	for (n = nt->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !n->ns &&
		    xmlStrEqual(n->name, BAD_CAST "memnode") &&
		    parse_memnode(n, m, restrictive, w, e) < 0)
			return -EINVAL;
	return 0;
}

void domain_format_numatune(FILE *f, const struct domain_def *d)
{
	const struct domain_mem *m = &d->hw.mem;

	if (!m->tune_mode && !m->n_memnodes)
		return;
	fputs("  <numatune>\n", f);
	if (m->tune_mode)
		fprintf(f, "    <memory mode='%s' nodeset='%s'/>\n",
			numa_mode_names[m->tune_mode], m->tune_nodeset);
	for (size_t i = 0; i < m->n_memnodes; i++)
		fprintf(f,
			"    <memnode cellid='%u' mode='%s' nodeset='%s'/>\n",
			m->memnodes[i].cellid,
			numa_mode_names[m->memnodes[i].mode],
			m->memnodes[i].nodeset);
	fputs("  </numatune>\n", f);
}

void domain_format_numa(FILE *f, const struct domain_def *d)
{
	const struct domain_mem *m = &d->hw.mem;

	if (!m->n_cells)
		return;
	fputs("    <numa>\n", f);
	for (size_t i = 0; i < m->n_cells; i++) {
		const struct numa_cell *c = &m->cells[i];

		fprintf(f, "      <cell id='%u'", c->id);
		if (c->cpus)
			fprintf(f, " cpus='%s'", c->cpus); /* digits, ',-^' */
		fprintf(f, " memory='%" PRIu64 "' unit='KiB'", c->memory_kib);
		if (c->mem_access)
			fprintf(f, " memAccess='%s'",
				access_names[c->mem_access]);
		if (c->discard)
			fprintf(f, " discard='%s'", yes_no[c->discard]);
		if (!c->n_siblings) {
			fputs("/>\n", f);
			continue;
		}
		fputs(">\n        <distances>\n", f);
		for (size_t k = 0; k < c->n_siblings; k++)
			fprintf(f, "          <sibling id='%u' value='%u'/>\n",
				c->siblings[k].id, c->siblings[k].value);
		fputs("        </distances>\n      </cell>\n", f);
	}
	fputs("    </numa>\n", f);
}

void domain_format_memory_backing(FILE *f, const struct domain_def *d)
{
	const struct domain_mem *m = &d->hw.mem;

	if (!m->backing)
		return;
	fputs("  <memoryBacking>\n", f);
	if (m->hugepages && !m->n_pages)
		fputs("    <hugepages/>\n", f);
	if (m->n_pages) {
		fputs("    <hugepages>\n", f);
		for (size_t i = 0; i < m->n_pages; i++) {
			fprintf(f, "      <page size='%" PRIu64 "' unit='KiB'",
				m->pages[i].size_kib);
			if (m->pages[i].nodeset)
				fprintf(f, " nodeset='%s'",
					m->pages[i].nodeset);
			fputs("/>\n", f);
		}
		fputs("    </hugepages>\n", f);
	}
	if (m->nosharepages)
		fputs("    <nosharepages/>\n", f);
	if (m->locked)
		fputs("    <locked/>\n", f);
	if (m->source)
		fprintf(f, "    <source type='%s'/>\n",
			source_names[m->source]);
	if (m->access)
		fprintf(f, "    <access mode='%s'/>\n",
			access_names[m->access]);
	if (m->allocation || m->alloc_threads) {
		fputs("    <allocation", f);
		if (m->allocation)
			fprintf(f, " mode='%s'",
				allocation_names[m->allocation]);
		if (m->alloc_threads)
			fprintf(f, " threads='%u'", m->alloc_threads);
		fputs("/>\n", f);
	}
	if (m->discard)
		fputs("    <discard/>\n", f);
	fputs("  </memoryBacking>\n", f);
}

void domain_mem_clear(struct domain_mem *m)
{
	for (size_t i = 0; i < m->n_cells; i++) {
		free(m->cells[i].cpus);
		free(m->cells[i].siblings);
	}
	free(m->cells);
	for (size_t i = 0; i < m->n_pages; i++)
		free(m->pages[i].nodeset);
	free(m->pages);
	for (size_t i = 0; i < m->n_memnodes; i++)
		free(m->memnodes[i].nodeset);
	free(m->memnodes);
	free(m->tune_nodeset);
	memset(m, 0, sizeof(*m));
}

/* libvirt's ceiling for a memory size: 2^53 bytes, in KiB. */
#define MAX_MEMORY_KIB (1ULL << 43)

int domain_parse_max_memory(const xmlNode *root, struct domain_def *d,
			    struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(root, "maxMemory");
	_cleanup_free_ char *text = n ? xml_text(n) : NULL;
	_cleanup_free_ char *unit = n ? xml_attr(n, "unit") : NULL;
	_cleanup_free_ char *slots = n ? xml_attr(n, "slots") : NULL;
	_cleanup_err_ struct err *why = NULL;
	uint64_t bytes, v;

	if (!n)
		return 0;
	xml_check_known(n, (const char *const[]){"slots", "unit", NULL}, NULL,
			w);
	if (size_parse_unit(text, unit ? unit : "KiB", &bytes, &why) < 0)
		return xml_err(e, n, "<maxMemory>: %s", err_msg(why));
	d->hw.mem.max_kib = DIV_ROUND_UP(bytes, 1024);
	if (d->hw.mem.max_kib > MAX_MEMORY_KIB)
		return xml_err(e, n,
			       "<maxMemory> of %" PRIu64 " KiB: more than "
			       "%llu KiB",
			       d->hw.mem.max_kib, MAX_MEMORY_KIB);
	/* QEMU's PC machines have 256 memory slots at most */
	if (!slots)
		return xml_err(e, n, "<maxMemory> without slots");
	if (xml_uint(n, "maxMemory slots", slots, 1, 255, &v, e) < 0)
		return -EINVAL;
	d->hw.mem.max_slots = (unsigned)v;
	return 0;
}

void domain_format_max_memory(FILE *f, const struct domain_def *d)
{
	if (d->hw.mem.max_slots)
		fprintf(f,
			"  <maxMemory slots='%u' unit='KiB'>%" PRIu64
			"</maxMemory>\n",
			d->hw.mem.max_slots, d->hw.mem.max_kib);
}

/*
 * libvirt's rule for the sizes (what `virsh define` makes of them): with
 * NUMA cells the guest's memory is theirs, and a <memory> that says
 * otherwise (or none) is replaced by their sum, as QEMU needs its -m to be
 * the nodes' total; <memory> counts the memory devices too (libvirt's
 * total: -m is what is left without them); an absent <currentMemory> is
 * <memory>, a larger one comes down to it. Then <maxMemory> holds
 * <memory>.
 */
int domain_finish_memory(const xmlNode *root, struct domain_def *d,
			 struct err **e)
{
	const struct domain_mem *m = &d->hw.mem;
	uint64_t cells = 0, devs = domain_memdevs_kib(d);

	for (size_t i = 0; i < m->n_cells; i++)
		cells += m->cells[i].memory_kib;
	if (cells)
		d->memory_kib = cells + devs;
	else if (devs && d->memory_kib <= devs)
		return xml_err(e, root,
			       "<memory> (%" PRIu64 " KiB) is not more than "
			       "its memory devices' (%" PRIu64 " KiB)",
			       d->memory_kib, devs);
	if (!d->memory_kib)
		return xml_err(e, root,
			       "missing <memory> (or <numa> cells giving "
			       "it)");
	if (!d->current_memory_kib || d->current_memory_kib > d->memory_kib)
		d->current_memory_kib = d->memory_kib;
	if (m->max_kib && m->max_kib < d->memory_kib)
		return xml_err(e, xml_child(root, "maxMemory"),
			       "<maxMemory> (%" PRIu64
			       " KiB) is below <memory> "
			       "(%" PRIu64 " KiB)",
			       m->max_kib, d->memory_kib);
	return 0;
}
