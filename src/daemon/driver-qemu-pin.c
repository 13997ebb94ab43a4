// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <cputune>'s <vcpupin> on QEMU (driver-qemu.h): once QEMU is up and
 * before its vCPUs run, each vCPU thread QEMU names (query-cpus-fast's
 * thread-id) gets its CPUs with sched_setaffinity, as libvirt pins
 * them: its <vcpupin>, else <vcpu cpuset>, else, when <emulatorpin>
 * confined the process QEMU started in (its spawn affinity,
 * qemu_cpuset_mask()), the CPUs nidod itself may use. A thread id is
 * QEMU's word: it is pinned only when it is one of QEMU's own threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>

#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "lib/json.h"

#define PIN_MS 10000

struct pin {
	const struct domain_def *def; /* borrowed: the caller's */
	pid_t pid;
	qemu_setup_fn done;
	void *opaque;
};

bool qemu_pins_needed(const struct domain_def *def)
{
	return def->tune.n_vcpupins || def->tune.emulatorpin;
}

/* vCPU @i's CPUs (and what says them, for an error), or NULL: the
 * process's affinity stands. */
static cpu_set_t *mask_for(const struct domain_def *def, unsigned i,
			   size_t *size, const char **what)
{
	cpu_set_t *set;

	for (size_t k = 0; k < def->tune.n_vcpupins; k++)
		if (def->tune.vcpupins[k].vcpu == i) {
			*what = def->tune.vcpupins[k].cpuset;
			return qemu_cpuset_parse(*what, size);
		}
	if (def->cpuset && def->placement != VCPU_PLACEMENT_AUTO) {
		*what = def->cpuset;
		return qemu_cpuset_parse(*what, size);
	}
	if (!def->tune.emulatorpin)
		return NULL;
	*what = "nidod's CPUs";
	*size = CPU_ALLOC_SIZE(QEMU_MAX_HOST_CPUS);
	set = CPU_ALLOC(QEMU_MAX_HOST_CPUS);
	if (!set)
		abort();
	if (sched_getaffinity(0, *size, set) < 0)
		CPU_ZERO_S(*size, set); /* cannot fail for ourselves */
	return set;
}

/* Pins one entry of query-cpus-fast's answer. */
static int pin_one(const struct pin *p, struct json_object *c, struct err **e)
{
	struct json_object *idx = NULL, *tid = NULL;
	_cleanup_free_ char *task = NULL;
	_cleanup_free_ cpu_set_t *set = NULL;
	const char *what = NULL;
	int64_t i, t;
	size_t size;
	struct stat st;

	if (!json_object_is_type(c, json_type_object) ||
	    !json_object_object_get_ex(c, "cpu-index", &idx) ||
	    !json_object_object_get_ex(c, "thread-id", &tid) ||
	    !json_object_is_type(idx, json_type_int) ||
	    !json_object_is_type(tid, json_type_int))
		return err_set(e, EPROTO,
			       "query-cpus-fast: an entry without "
			       "cpu-index and thread-id");
	i = json_object_get_int64(idx);
	t = json_object_get_int64(tid);
	if (i < 0 || i >= p->def->vcpus || t <= 0 || t > INT32_MAX)
		return err_set(e, EPROTO,
			       "query-cpus-fast: vCPU %" PRId64
			       " with thread %" PRId64 ": not this domain's",
			       i, t);
	/* QEMU names the thread: one of its own, or none */
	task = xasprintf("/proc/%d/task/%" PRId64, (int)p->pid, t);
	if (stat(task, &st) < 0)
		return err_set(e, EPROTO,
			       "query-cpus-fast: thread %" PRId64
			       " of vCPU %" PRId64 " is not QEMU's",
			       t, i);
	if (!(set = mask_for(p->def, (unsigned)i, &size, &what)))
		return 0;
	if (sched_setaffinity((pid_t)t, size, set) < 0)
		return err_sys(e, errno, "pinning vCPU %" PRId64 " to '%s'", i,
			       what);
	return 0;
}

static void on_cpus(void *opaque, int r, struct json_object *ret,
		    const struct err *qe)
{
	struct pin *p = opaque;
	_cleanup_err_ struct err *e = NULL;
	size_t n;

	if (r < 0) {
		err_set(&e, -r, "query-cpus-fast: %s", err_msg(qe));
	} else if (!json_object_is_type(ret, json_type_array)) {
		r = err_set(&e, EPROTO, "query-cpus-fast: not a list");
	} else {
		n = json_object_array_length(ret);
		for (size_t i = 0; i < n && r >= 0; i++)
			r = pin_one(p, json_object_array_get_idx(ret, i), &e);
	}
	p->done(p->opaque, r < 0 ? r : 0, e);
	free(p);
}

void qemu_pin_run(struct qmp *q, const struct domain_def *def, pid_t pid,
		  qemu_setup_fn done, void *opaque)
{
	struct pin *p = xcalloc(1, sizeof(*p));
	_cleanup_err_ struct err *e = NULL;

	p->def = def;
	p->pid = pid;
	p->done = done;
	p->opaque = opaque;
	if (qmp_command(q, "query-cpus-fast", NULL, PIN_MS, on_cpus, p, &e) <
	    0) {
		done(opaque, err_code(e), e);
		free(p);
	}
}
