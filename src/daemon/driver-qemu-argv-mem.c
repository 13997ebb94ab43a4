// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU's command line for guest memory (driver-qemu.h): a memory backend
 * object per NUMA cell (-numa node,memdev=) or for all of RAM
 * (-machine memory-backend=pc.ram), as libvirt builds them for
 * <memoryBacking> and <numa>: huge pages from a hugetlb memfd of the
 * page size (what libvirt gets from a file on hugetlbfs, without a
 * mount QEMU's identity must write to), a memfd for <source
 * type='memfd'>, a file in QEMU_MEMORY_BACKING_DIR for <source
 * type='file'>, share= for <access>/memAccess, prealloc= for
 * <allocation mode='immediate'>; the cells' distances; mem-merge=off
 * for <nosharepages/>, -overcommit mem-lock=on for <locked/>.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_mem.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

/* The host's default huge page size (/proc/meminfo), KiB; 2048. */
static uint64_t default_hugepage_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long long kib = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib ? kib : 2048;
}

uint64_t qemu_node_pagesize(const struct domain_def *def, unsigned node)
{
	const struct domain_mem *m = &def->hw.mem;
	uint64_t kib = 0;

	if (!m->hugepages)
		return 0;
	for (size_t i = 0; i < m->n_pages; i++)
		if (m->pages[i].nodeset &&
		    domain_list_has(m->pages[i].nodeset, node))
			kib = m->pages[i].size_kib;
	for (size_t i = 0; !kib && i < m->n_pages; i++)
		if (!m->pages[i].nodeset)
			kib = m->pages[i].size_kib;
	if (!kib && !m->n_pages)
		kib = default_hugepage_kib();
	/* the system's own page size: ordinary memory, as libvirt has it */
	if (kib == (uint64_t)sysconf(_SC_PAGESIZE) / 1024)
		return 0;
	return kib;
}

bool qemu_memory_backend(const struct domain_def *def)
{
	const struct domain_mem *m = &def->hw.mem;

	return m->n_cells || m->hugepages || m->source || m->access ||
	       m->allocation || m->tune_mode;
}

/* The <numatune> policy of guest node @node: its memnode's, else the
 * domain's; NULL nodeset: none. */
static enum numa_mode node_policy(const struct domain_def *def, unsigned node,
				  const char **nodeset)
{
	const struct domain_mem *m = &def->hw.mem;

	for (size_t i = 0; i < m->n_memnodes; i++)
		if (m->memnodes[i].cellid == node && m->n_cells) {
			*nodeset = m->memnodes[i].nodeset;
			return m->memnodes[i].mode;
		}
	*nodeset = m->tune_nodeset;
	return m->tune_mode;
}

/* host-nodes and policy of a backend (mbind), as libvirt sets them. */
static void add_policy(struct json_object *o, const struct domain_def *def,
		       unsigned node)
{
	static const char *const policy[] = {"", "bind", "preferred",
					     "interleave"};
	const char *nodeset = NULL;
	enum numa_mode mode = node_policy(def, node, &nodeset);
	struct json_object *nodes;

	if (!mode)
		return;
	nodes = json_object_new_array();
	for (unsigned n = 0; n < QEMU_MAX_HOST_NODES; n++)
		if (domain_list_has(nodeset, n))
			json_object_array_add(nodes,
					      json_object_new_int((int)n));
	json_object_object_add(o, "host-nodes", nodes);
	json_object_object_add(o, "policy",
			       json_object_new_string(policy[mode]));
}

/* discard for guest node @node: its cell's, else <memoryBacking>'s;
 * 1 yes, 2 no, 0 not given. */
static int discard_of(const struct domain_def *def, unsigned node)
{
	const struct domain_mem *m = &def->hw.mem;

	for (size_t i = 0; i < m->n_cells; i++)
		if (m->cells[i].id == node && m->cells[i].discard)
			return m->cells[i].discard;
	return m->discard ? 1 : 0;
}

/* -object memory-backend-*,id=@id for node @node (0 without cells). */
static void backend(struct qemu_argv *a, const struct domain_def *def,
		    const char *id, unsigned node, uint64_t kib, int access)
{
	const struct domain_mem *m = &def->hw.mem;
	struct json_object *o = json_object_new_object();
	uint64_t page = qemu_node_pagesize(def, node);
	bool memfd = page || m->source == 2;
	bool file = !memfd && m->source == 3;

	json_object_object_add(
		o, "qom-type",
		json_object_new_string(memfd  ? "memory-backend-memfd"
				       : file ? "memory-backend-file"
					      : "memory-backend-ram"));
	json_object_object_add(o, "id", json_object_new_string(id));
	/* <source type='file'>: a file QEMU makes (and unlinks) in nido's
	 * memory backing directory, a tmpfs */
	if (file)
		json_object_object_add(
			o, "mem-path",
			json_object_new_string(QEMU_MEMORY_BACKING_DIR));
	json_object_object_add(o, "size", json_object_new_uint64(kib * 1024));
	if (page) {
		json_object_object_add(o, "hugetlb",
				       json_object_new_boolean(true));
		json_object_object_add(o, "hugetlbsize",
				       json_object_new_uint64(page * 1024));
	}
	if (access || m->access)
		json_object_object_add(
			o, "share",
			json_object_new_boolean((access ? access : m->access) ==
						1));
	if (m->allocation == 1)
		json_object_object_add(o, "prealloc",
				       json_object_new_boolean(true));
	if (m->alloc_threads)
		json_object_object_add(
			o, "prealloc-threads",
			json_object_new_int((int)m->alloc_threads));
	/* a file's data dropped at exit: what only a file backend keeps
	 * (a memfd's and anonymous memory go with QEMU, as libvirt has it) */
	if (file && discard_of(def, node))
		json_object_object_add(
			o, "discard-data",
			json_object_new_boolean(discard_of(def, node) == 1));
	add_policy(o, def, node);
	qemu_arg_json(a, "-object", o);
}

/* cpus=A-B,cpus=C for the vCPUs of @c's list below @vcpus. */
static char *cell_cpus(const struct numa_cell *c, unsigned vcpus)
{
	char *s = xstrdup("");

	for (unsigned v = 0; c->cpus && v < vcpus; v++) {
		unsigned end = v;
		char *n;

		if (!domain_list_has(c->cpus, v))
			continue;
		while (end + 1 < vcpus && domain_list_has(c->cpus, end + 1))
			end++;
		n = end > v ? xasprintf("%s,cpus=%u-%u", s, v, end)
			    : xasprintf("%s,cpus=%u", s, v);
		free(s);
		s = n;
		v = end;
	}
	return s;
}

/*
 * A NUMA cell's RAM as QEMU gets it: rounded up to a MiB, as libvirt
 * aligns it, since QEMU rounds -m itself (to 8 KiB) and then wants the
 * nodes' total to be -m exactly.
 */
static uint64_t cell_kib(const struct numa_cell *c)
{
	return ALIGN_UP(c->memory_kib, (uint64_t)1024);
}

/* -m: the guest's RAM, the cells' (rounded) total when it has cells;
 * <memory> without the memory devices' (they are in it) when not. */
static uint64_t ram_kib(const struct domain_def *def)
{
	uint64_t kib = 0;

	for (size_t i = 0; i < def->hw.mem.n_cells; i++)
		kib += cell_kib(&def->hw.mem.cells[i]);
	return def->hw.mem.n_cells ? kib
				   : def->memory_kib - domain_memdevs_kib(def);
}

static void numa_args(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_mem *m = &def->hw.mem;

	for (unsigned id = 0; id < m->n_cells; id++)
		for (size_t i = 0; i < m->n_cells; i++) {
			const struct numa_cell *c = &m->cells[i];
			_cleanup_free_ char *mid = NULL, *cpus = NULL;

			if (c->id != id)
				continue;
			mid = xasprintf("ram-node%u", id);
			backend(a, def, mid, id, cell_kib(c), c->mem_access);
			cpus = cell_cpus(c, def->vcpus);
			qemu_arg(a, "-numa");
			free(steal_ptr(mid));
			mid = xasprintf("node,nodeid=%u%s,memdev=ram-node%u",
					id, cpus, id);
			qemu_arg(a, mid);
		}
	for (size_t i = 0; i < m->n_cells; i++)
		for (size_t k = 0; k < m->cells[i].n_siblings; k++) {
			_cleanup_free_ char *s = xasprintf(
				"dist,src=%u,dst=%u,val=%u", m->cells[i].id,
				m->cells[i].siblings[k].id,
				m->cells[i].siblings[k].value);

			qemu_arg(a, "-numa");
			qemu_arg(a, s);
		}
}

char *qemu_memory_option(const struct domain_def *def)
{
	const struct domain_mem *m = &def->hw.mem;

	if (!m->max_slots)
		return xasprintf("size=%" PRIu64 "k", ram_kib(def));
	return xasprintf("size=%" PRIu64 "k,slots=%u,maxmem=%" PRIu64 "k",
			 ram_kib(def), m->max_slots, m->max_kib);
}

void qemu_argv_memory(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_mem *m = &def->hw.mem;

	if (m->n_cells) {
		numa_args(a, def);
	} else if (qemu_memory_backend(def)) {
		backend(a, def, "pc.ram", 0, ram_kib(def), 0);
		qemu_arg(a, "-machine");
		qemu_arg(a, "memory-backend=pc.ram");
	}
	if (m->nosharepages) {
		qemu_arg(a, "-machine");
		qemu_arg(a, "mem-merge=off");
	}
	if (m->locked) {
		qemu_arg(a, "-overcommit");
		qemu_arg(a, "mem-lock=on");
	}
}

rlim_t qemu_memlock_limit(const struct domain_def *def)
{
	if (!def->hw.mem.locked)
		return 0;
	if (def->tune.hard_limit_kib)
		return (rlim_t)def->tune.hard_limit_kib * 1024;
	return RLIM_INFINITY;
}
