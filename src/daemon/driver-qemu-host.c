// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a start needs of this host beyond the files the definition names
 * (driver-qemu.h): checked before QEMU runs, so that a definition this
 * host cannot run fails its start with the thing named, not with QEMU's
 * last line. Defining it stays possible: another host may have it.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/domain_conf_audio.h"
#include "daemon/domain_conf_mem.h"
#include "daemon/driver-qemu.h"

/* Where Debian's QEMU loads its modules from (QEMU_MODULE_DIR first,
 * as QEMU itself looks). */
#define DEBIAN_MODULE_DIR "/usr/lib/x86_64-linux-gnu/qemu"

/*
 * Debian builds QEMU's audio backends as modules (audio-alsa.so, ...),
 * pa, jack and sdl in another package than QEMU's (qemu-system-gui): a backend
 * whose module is missing makes QEMU end at once. A QEMU without a
 * module directory has its backends built in: nothing to check.
 */
/* A network disk's block driver: nbd is QEMU's own, the others
 * Debian's qemu-block-extra modules (block-curl.so for http, https,
 * ftp and ftps). */
static int check_block_modules(const struct domain_def *def, const char *dir,
			       struct err **e)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct disk_net *n = def->disks[i].net;
		const char *mod;
		_cleanup_free_ char *p = NULL;

		if (!n || n->protocol == DISK_PROTO_NBD)
			continue;
		mod = n->protocol >= DISK_PROTO_HTTP &&
				      n->protocol <= DISK_PROTO_FTPS
			      ? "curl"
			      : disk_protocol_names[n->protocol];
		p = xasprintf("%s/block-%s.so", dir, mod);
		if (access(p, R_OK) < 0)
			return err_setk(
				e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"disk '%s': QEMU's '%s' block driver is "
				"not installed ('%s' missing: Debian's "
				"qemu-block-extra package has it)",
				def->disks[i].target, mod, p);
	}
	return 0;
}

static int check_audio(const struct domain_def *def, struct err **e)
{
	const char *dir = getenv("QEMU_MODULE_DIR");
	struct stat st;

	if (!dir)
		dir = DEBIAN_MODULE_DIR;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (check_block_modules(def, dir, e) < 0)
		return -ENOENT;
	for (size_t i = 0; i < def->hw.n_audios; i++) {
		const struct domain_audio *a = &def->hw.audios[i];
		const char *q = domain_audio_qemu_names[a->type];
		_cleanup_free_ char *p = NULL;

		if (a->type == AUDIO_NONE || a->type == AUDIO_FILE)
			continue; /* built into QEMU */
		p = xasprintf("%s/audio-%s.so", dir, q);
		if (access(p, R_OK) < 0)
			return err_setk(
				e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"<audio id='%u' type='%s'>: QEMU's '%s' audio "
				"backend is not installed ('%s' missing: "
				"Debian's qemu-system-%s package has it)",
				a->id, domain_audio_type_names[a->type], q, p,
				a->type == AUDIO_ALSA || a->type == AUDIO_OSS
					? "common"
					: "gui");
	}
	return 0;
}

cpu_set_t *qemu_cpuset_mask(const struct domain_def *def, size_t *size)
{
	*size = CPU_ALLOC_SIZE(QEMU_MAX_HOST_CPUS);
	/* <emulatorpin> is QEMU's own threads'; its vCPUs get theirs
	 * after (driver-qemu-pin.c) */
	if (def->tune.emulatorpin)
		return qemu_cpuset_parse(def->tune.emulatorpin, size);
	/* with placement='auto' libvirt asks numad instead (warned) */
	if (!def->cpuset || def->placement == VCPU_PLACEMENT_AUTO)
		return NULL;
	return qemu_cpuset_parse(def->cpuset, size);
}

cpu_set_t *qemu_cpuset_parse(const char *list, size_t *size)
{
	cpu_set_t *set;

	*size = CPU_ALLOC_SIZE(QEMU_MAX_HOST_CPUS);
	set = CPU_ALLOC(QEMU_MAX_HOST_CPUS);
	if (!set)
		abort(); /* as xmalloc: nothing could act on it */
	CPU_ZERO_S(*size, set);
	/* checked when defined (domain_conf.c): "0-3,^2,8" */
	for (const char *p = list; *p;) {
		bool neg = *p == '^';
		char *end;
		unsigned long a, b;

		a = b = strtoul(p + neg, &end, 10);
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (unsigned long c = a; c <= b && c < QEMU_MAX_HOST_CPUS; c++)
			if (neg)
				CPU_CLR_S(c, *size, set);
			else
				CPU_SET_S(c, *size, set);
		p = *end ? end + 1 : end;
	}
	return set;
}

/* @list (named by @what): at least one of its CPUs must be one nidod
 * may run on (its own affinity, its cpuset). */
static int check_list(const char *what, const char *list, struct err **e)
{
	size_t size;
	_cleanup_free_ cpu_set_t *want = qemu_cpuset_parse(list, &size);
	_cleanup_free_ cpu_set_t *have = CPU_ALLOC(QEMU_MAX_HOST_CPUS);

	if (!have)
		abort();
	if (sched_getaffinity(0, size, have) < 0)
		return err_sys(e, errno, "%s: this host's CPUs", what);
	CPU_AND_S(size, have, have, want);
	if (!CPU_COUNT_S(size, have))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"%s: none of these CPUs is one this host lets "
				"QEMU run on",
				what);
	return 0;
}

/* <vcpu cpuset>, <emulatorpin> and each <vcpupin>: where QEMU's
 * threads run. */
static int check_cpuset(const struct domain_def *def, struct err **e)
{
	const struct domain_tune *t = &def->tune;
	_cleanup_free_ char *what = NULL;

	if (def->cpuset && def->placement != VCPU_PLACEMENT_AUTO) {
		what = xasprintf("<vcpu cpuset='%s'>", def->cpuset);
		if (check_list(what, def->cpuset, e) < 0)
			return -EINVAL;
		free(steal_ptr(what));
	}
	if (t->emulatorpin) {
		what = xasprintf("<emulatorpin cpuset='%s'>", t->emulatorpin);
		if (check_list(what, t->emulatorpin, e) < 0)
			return -EINVAL;
		free(steal_ptr(what));
	}
	for (size_t i = 0; i < t->n_vcpupins; i++) {
		what = xasprintf("<vcpupin vcpu='%u' cpuset='%s'>",
				 t->vcpupins[i].vcpu, t->vcpupins[i].cpuset);
		if (check_list(what, t->vcpupins[i].cpuset, e) < 0)
			return -EINVAL;
		free(steal_ptr(what));
	}
	return 0;
}

/* The free huge pages of @kib KiB on this host; -ENOENT: no such size. */
static int64_t free_hugepages(uint64_t kib)
{
	_cleanup_free_ char *p =
		xasprintf("/sys/kernel/mm/hugepages/hugepages-%" PRIu64
			  "kB/free_hugepages",
			  kib);
	FILE *f = fopen(p, "re");
	long long n = -1;

	if (!f)
		return -ENOENT;
	if (fscanf(f, "%lld", &n) != 1)
		n = 0;
	fclose(f);
	return n < 0 ? 0 : n;
}

/*
 * <hugepages>: each page size the guest's nodes use exists here, with
 * enough free pages for them (QEMU would end with "Cannot allocate
 * memory"). Pages are reserved by the host's administrator
 * (vm.nr_hugepages): nido does not take them from the host itself.
 */
static int check_hugepages(const struct domain_def *def, struct err **e)
{
	const struct domain_mem *m = &def->hw.mem;
	size_t n = m->n_cells ? m->n_cells : 1;

	for (size_t i = 0; i < n; i++) {
		unsigned node = m->n_cells ? m->cells[i].id : 0;
		uint64_t page = qemu_node_pagesize(def, node), need = 0;
		int64_t avail;

		if (!page)
			continue;
		/* every node with this page size: the pages they need */
		for (size_t j = 0; j < n; j++) {
			unsigned o = m->n_cells ? m->cells[j].id : 0;

			if (qemu_node_pagesize(def, o) == page)
				need += m->n_cells ? m->cells[j].memory_kib
						   : def->memory_kib;
		}
		need = (need + page - 1) / page;
		avail = free_hugepages(page);
		if (avail == -ENOENT)
			return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOENT,
					"<hugepages>: this host has no huge "
					"pages of %" PRIu64 " KiB",
					page);
		if ((uint64_t)avail < need)
			return err_setk(
				e, ERR_OPERATION_FAILED, ENOMEM,
				"<hugepages>: the guest needs %" PRIu64
				" huge pages of %" PRIu64 " KiB, %" PRId64
				" are free (reserve them: /sys/kernel/mm/"
				"hugepages/hugepages-%" PRIu64
				"kB/nr_hugepages)",
				need, page, avail, page);
	}
	return 0;
}

/* Whether nidod has CAP_SYS_RESOURCE in its effective set. */
static bool can_raise_limits(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	unsigned long long caps = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps & (1ULL << 24); /* CAP_SYS_RESOURCE */
}

/*
 * <locked/>: QEMU locks all its memory (-overcommit mem-lock=on), which
 * its RLIMIT_MEMLOCK must allow: nidod raises it in the child
 * (qemu_memlock_limit), which needs CAP_SYS_RESOURCE above the hard
 * limit. Without it the start fails here, saying so.
 */
static int check_memlock(const struct domain_def *def, struct err **e)
{
	rlim_t want = qemu_memlock_limit(def);
	struct rlimit rl;

	if (!want || getrlimit(RLIMIT_MEMLOCK, &rl) < 0 ||
	    rl.rlim_max == RLIM_INFINITY ||
	    (want != RLIM_INFINITY && want <= rl.rlim_max) ||
	    can_raise_limits())
		return 0;
	return err_setk(e, ERR_OPERATION_FAILED, EPERM,
			"<memoryBacking><locked/>: QEMU's locked memory "
			"limit cannot be raised above its hard limit (%llu "
			"KiB) here: nidod lacks CAP_SYS_RESOURCE",
			(unsigned long long)rl.rlim_max / 1024);
}

/* Whether host NUMA node @n is online (/sys/devices/system/node). */
static bool node_online(unsigned n)
{
	_cleanup_free_ char *p =
		xasprintf("/sys/devices/system/node/node%u", n);

	return access(p, F_OK) == 0;
}

static int check_nodeset(const char *what, const char *nodeset, struct err **e)
{
	for (unsigned n = 0; nodeset && n < QEMU_MAX_HOST_NODES; n++)
		if (domain_list_has(nodeset, n) && !node_online(n))
			return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
					"%s nodeset='%s': host NUMA node %u "
					"is not on this host",
					what, nodeset, n);
	return 0;
}

/* <numatune>: QEMU binds guest RAM to host nodes that must exist (it
 * would end with mbind's "Invalid argument"). */
static int check_numatune(const struct domain_def *def, struct err **e)
{
	const struct domain_mem *m = &def->hw.mem;

	if (check_nodeset("<numatune><memory>", m->tune_nodeset, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i < m->n_memnodes; i++)
		if (check_nodeset("<numatune><memnode>", m->memnodes[i].nodeset,
				  e) < 0)
			return -EINVAL;
	return 0;
}

int qemu_check_host(const struct domain_def *def, struct err **e)
{
	int r;

	if ((r = check_audio(def, e)) < 0 || (r = check_cpuset(def, e)) < 0 ||
	    (r = check_memlock(def, e)) < 0 || (r = check_numatune(def, e)) < 0)
		return r;
	return check_hugepages(def, e);
}
