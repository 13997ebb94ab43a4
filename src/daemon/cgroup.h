/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A cgroup per VM process. Detects the layout: unified (cgroup v2 only),
 * hybrid (v1 controllers plus a v2 mount at /sys/fs/cgroup/unified, as on
 * the test machines) or legacy (v1 only), and creates
 * nido/<NAME> in each usable hierarchy: the v2 one for grouping, and the
 * v1 cpu, cpuacct, memory and pids controllers for accounting.
 */
#ifndef NIDO_DAEMON_CGROUP_H
#define NIDO_DAEMON_CGROUP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

enum cgroup_layout {
	CGROUP_NONE,
	CGROUP_UNIFIED,
	CGROUP_HYBRID,
	CGROUP_LEGACY,
};

/* Looks at /sys/fs/cgroup (or @root for tests). */
enum cgroup_layout cgroup_detect(const char *root);
const char *cgroup_layout_name(enum cgroup_layout l);

/*
 * Creates the cgroup @name (a single path component) in every usable
 * hierarchy under @root and moves @pid into it. Returns a JSON array of
 * the directories created (a new reference; empty when none could be),
 * with @e filled naming the first failure when a hierarchy could not be
 * used, so the caller can say so plainly.
 */
struct json_object *cgroup_enter(const char *root, const char *name, pid_t pid,
				 struct err **e);

/*
 * As cgroup_create(), in the v1 hierarchies only: the v2 cgroup of a
 * guest in a machine's scope is made by cgroup_enter_scope().
 */
struct json_object *cgroup_create_v1(const char *root, const char *name,
				     struct err **e);

/* The cgroup nido makes in a machine's scope, for its processes. */
#define CGROUP_SCOPE_CHILD "nido"

/*
 * @pid has just been put in a machine's scope by systemd (machined.h,
 * machined_create): @scope is that scope's path in the v2 hierarchy
 * under @root. Moves @pid into the scope's child SCOPE/nido (on v2 a
 * cgroup with processes hands no controller down: the scope itself
 * stays empty, its controllers enabled for nido/, where the limits go,
 * and where systemd, which owns the scope's own files, never writes),
 * back into the v1 cgroups of @dirs (systemd moved it out of them on a
 * hybrid host), and adds SCOPE/nido to @dirs. 0, or -errno with @e.
 */
int cgroup_enter_scope(struct json_object *dirs, const char *root,
		       const char *scope, pid_t pid, struct err **e);

/*
 * As cgroup_enter(), but creates the directories only: a process joins
 * them by writing to cgroup_open_procs()'s fds (spawn_opts.cgroup_fds).
 */
struct json_object *cgroup_create(const char *root, const char *name,
				  struct err **e);

/*
 * Opens the cgroup.procs files of @dirs (borrowed) for writing, up to
 * @max, into @fds (close-on-exec, the caller's). Returns the count.
 */
size_t cgroup_open_procs(struct json_object *dirs, int *fds, size_t max);

/* Resource limits of a VM's cgroup; 0 means not set. */
struct cgroup_limits {
	uint64_t mem_hard, mem_soft, mem_swap_hard; /* bytes; swap: mem+swap */
	uint64_t cpu_shares; /* v1 cpu.shares (2..262144) */
	uint64_t cpu_period_us;
	int64_t cpu_quota_us; /* -1: unlimited */
	uint64_t pids_max;    /* pids.max: processes and threads */
};

/*
 * Applies @l to the cgroups of @dirs (from cgroup_enter): v1 memory and
 * cpu controllers, or the v2 memory.max, memory.high, memory.swap.max,
 * cpu.weight and cpu.max (enabling the controllers below nido/ when it
 * must). Returns 0, or -errno with @e naming the file, or the limit no
 * hierarchy could take.
 */
int cgroup_limit(struct json_object *dirs, const struct cgroup_limits *l,
		 struct err **e);

/*
 * Freezes (@frozen) or thaws every process of @dirs: the v2
 * cgroup.freeze (a core file, there without controllers, as in the
 * hybrid layout), else the v1 freezer's freezer.state. Returns 0, or
 * -errno with @e filled (-ENOTSUP: no freezer).
 */
int cgroup_freeze(struct json_object *dirs, bool frozen, struct err **e);

/*
 * Block I/O limits (cgroup-io.c): the weight (10..1000) and, per device
 * (major:minor), its weight and read/write bytes and operations per
 * second; 0: not set.
 */
#define CGROUP_BLKIO_N 5 /* weight, rbps, wbps, riops, wiops */
struct cgroup_blkio_dev {
	unsigned major, minor;
	uint64_t v[CGROUP_BLKIO_N];
};
struct cgroup_blkio {
	uint64_t weight;
	const struct cgroup_blkio_dev *devs;
	size_t n_devs;
};

/*
 * Applies @b to the cgroup of @dirs (from cgroup_create under @root):
 * in a v1 blkio hierarchy (blkio.weight or blkio.bfq.weight, the
 * blkio.throttle files), whose cgroup is made now and added to @dirs,
 * else v2's io.weight (io.bfq.weight) and io.max. 0, or -errno with @e
 * naming the file, or -ENOTSUP when no hierarchy has the controller.
 */
int cgroup_blkio(struct json_object *dirs, const char *root,
		 const struct cgroup_blkio *b, struct err **e);

/*
 * Confines @dirs' processes to the CPUs of @cpus (a cpuset list, "0-3,6";
 * NULL: nothing to do): v1 cpuset (a cgroup made now, with its parent's
 * memory nodes, added to @dirs), else v2 cpuset.cpus. As cgroup_blkio.
 */
int cgroup_cpuset(struct json_object *dirs, const char *root, const char *cpus,
		  struct err **e);

/*
 * Lets @dirs' processes use only the devices a container's /dev has
 * (null, zero, full, random, urandom, tty, console, ptmx, ptys), and make
 * any node: the v1 devices controller (a cgroup made now, added to
 * @dirs). -ENOTSUP when there is none (v2 needs a BPF program nido does
 * not load yet).
 */
int cgroup_devices_minimal(struct json_object *dirs, const char *root,
			   struct err **e);

/* The content of @file in the first directory of @dirs that has it,
 * its last newline dropped (malloc'ed), or NULL. */
char *cgroup_read(struct json_object *dirs, const char *file);

/* Removes the directories of @dirs (borrowed); the process must be gone. */
void cgroup_remove(struct json_object *dirs);

/*
 * Reads accounting from @dirs: CPU time (ns) and memory in use (bytes);
 * each is left untouched when not available. Returns 0.
 */
int cgroup_usage(struct json_object *dirs, uint64_t *cpu_ns,
		 uint64_t *mem_bytes);

#endif
