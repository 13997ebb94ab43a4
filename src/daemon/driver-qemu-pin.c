// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <cputune>'s <vcpupin> and <iothreadpin> on QEMU (driver-qemu.h): once
 * QEMU is up and before its vCPUs run, each vCPU thread QEMU names
 * (query-cpus-fast's thread-id) gets its CPUs with sched_setaffinity,
 * as libvirt pins them: its <vcpupin>, else <vcpu cpuset>, else, when
 * <emulatorpin> confined the process QEMU started in (its spawn
 * affinity, qemu_cpuset_mask()), the CPUs nidod itself may use; then
 * each pinned iothread (query-iothreads) the same way; <vcpusched> and
 * <iothreadsched> give them their policy (sched_setscheduler) there
 * too. A thread id is
 * QEMU's word: it is pinned only when it is one of QEMU's own threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_mem.h"
#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "lib/json.h"

#define PIN_MS 10000

struct pin {
	struct qmp *q;
	const struct domain_def *def; /* borrowed: the caller's */
	pid_t pid;
	qemu_setup_fn done;
	void *opaque;
};

bool qemu_pins_needed(const struct domain_def *def)
{
	return def->tune.n_vcpupins || def->tune.emulatorpin ||
	       def->tune.n_iothreadpins || def->tune.n_vcpusched ||
	       def->tune.n_iothreadsched;
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

/* QEMU names the thread @t of @name: one of its own, or none. */
static int check_thread(const struct pin *p, int64_t t, const char *name,
			struct err **e)
{
	_cleanup_free_ char *task = NULL;
	struct stat st;

	if (t > 0 && t <= INT32_MAX)
		task = xasprintf("/proc/%d/task/%" PRId64, (int)p->pid, t);
	if (!task || stat(task, &st) < 0)
		return err_set(e, EPROTO,
			       "%s: thread %" PRId64 " is not QEMU's", name, t);
	return 0;
}

/* <vcpusched>/<iothreadsched>: thread @t (of thread @id, @name) gets
 * the policy of the rule of @rules naming @id, if one does. */
static int sched_thread(const struct sched_rule *rules, size_t n, unsigned id,
			int64_t t, const char *name, struct err **e)
{
	static const int policies[] = {SCHED_OTHER, SCHED_BATCH, SCHED_IDLE,
				       SCHED_FIFO, SCHED_RR};

	for (size_t k = 0; k < n; k++) {
		struct sched_param sp = {.sched_priority =
						 (int)rules[k].priority};

		if (!domain_list_has(rules[k].ids, id))
			continue;
		if (sched_setscheduler((pid_t)t, policies[rules[k].policy],
				       &sp) < 0)
			return err_sys(e, errno, "scheduling %s as '%s'", name,
				       sched_policy_names[rules[k].policy]);
		return 0;
	}
	return 0;
}

/* Thread @t (named @name, checked) onto @set (said by @what). */
static int pin_thread(int64_t t, const cpu_set_t *set, size_t size,
		      const char *what, const char *name, struct err **e)
{
	if (sched_setaffinity((pid_t)t, size, set) < 0)
		return err_sys(e, errno, "pinning %s to '%s'", name, what);
	return 0;
}

/* Pins one entry of query-cpus-fast's answer. */
static int pin_vcpu(const struct pin *p, struct json_object *c, struct err **e)
{
	struct json_object *idx = NULL, *tid = NULL;
	_cleanup_free_ cpu_set_t *set = NULL;
	_cleanup_free_ char *name = NULL;
	const char *what = NULL;
	size_t size;
	int64_t i, t;

	if (!json_object_is_type(c, json_type_object) ||
	    !json_object_object_get_ex(c, "cpu-index", &idx) ||
	    !json_object_object_get_ex(c, "thread-id", &tid) ||
	    !json_object_is_type(idx, json_type_int) ||
	    !json_object_is_type(tid, json_type_int))
		return err_set(e, EPROTO,
			       "query-cpus-fast: an entry without "
			       "cpu-index and thread-id");
	i = json_object_get_int64(idx);
	if (i < 0 || i >= p->def->vcpus)
		return err_set(e, EPROTO,
			       "query-cpus-fast: vCPU %" PRId64
			       ": not this domain's",
			       i);
	name = xasprintf("vCPU %" PRId64, i);
	t = json_object_get_int64(tid);
	if (check_thread(p, t, name, e) < 0)
		return -EPROTO;
	if ((set = mask_for(p->def, (unsigned)i, &size, &what)) &&
	    pin_thread(t, set, size, what, name, e) < 0)
		return -EINVAL;
	return sched_thread(p->def->tune.vcpusched, p->def->tune.n_vcpusched,
			    (unsigned)i, t, name, e);
}

/* Pins one entry of query-iothreads' answer ("iothreadN"), if the
 * domain pins that iothread. */
static int pin_iothread(const struct pin *p, struct json_object *c,
			struct err **e)
{
	const struct domain_tune *t = &p->def->tune;
	struct json_object *id = NULL, *tid = NULL;
	_cleanup_free_ cpu_set_t *set = NULL;
	const char *name;
	char *end;
	unsigned long v;
	size_t size;

	if (!json_object_is_type(c, json_type_object) ||
	    !json_object_object_get_ex(c, "id", &id) ||
	    !json_object_object_get_ex(c, "thread-id", &tid) ||
	    !json_object_is_type(id, json_type_string) ||
	    !json_object_is_type(tid, json_type_int))
		return err_set(e, EPROTO,
			       "query-iothreads: an entry without "
			       "id and thread-id");
	name = json_object_get_string(id);
	if (!str_has_prefix(name, "iothread"))
		return 0; /* not one of the domain's */
	v = strtoul(name + strlen("iothread"), &end, 10);
	if (*end || v > UINT32_MAX)
		return 0; /* not one of the domain's */
	if (check_thread(p, json_object_get_int64(tid), name, e) < 0)
		return -EPROTO;
	for (size_t k = 0; k < t->n_iothreadpins; k++) {
		if (t->iothreadpins[k].vcpu != v)
			continue;
		set = qemu_cpuset_parse(t->iothreadpins[k].cpuset, &size);
		if (pin_thread(json_object_get_int64(tid), set, size,
			       t->iothreadpins[k].cpuset, name, e) < 0)
			return -EINVAL;
	}
	return sched_thread(t->iothreadsched, t->n_iothreadsched, (unsigned)v,
			    json_object_get_int64(tid), name, e);
}

/* Each entry of @ret, a list, through @fn. */
static int each(const struct pin *p, const char *cmd, struct json_object *ret,
		int (*fn)(const struct pin *, struct json_object *,
			  struct err **),
		struct err **e)
{
	if (!json_object_is_type(ret, json_type_array))
		return err_set(e, EPROTO, "%s: not a list", cmd);
	for (size_t i = 0; i < json_object_array_length(ret); i++)
		if (fn(p, json_object_array_get_idx(ret, i), e) < 0)
			return -EPROTO;
	return 0;
}

static void finish(struct pin *p, int r, const struct err *e)
{
	p->done(p->opaque, r < 0 ? r : 0, e);
	free(p);
}

static void on_iothreads(void *opaque, int r, struct json_object *ret,
			 const struct err *qe)
{
	struct pin *p = opaque;
	_cleanup_err_ struct err *e = NULL;

	if (r < 0)
		err_set(&e, -r, "query-iothreads: %s", err_msg(qe));
	else
		r = each(p, "query-iothreads", ret, pin_iothread, &e);
	finish(p, r, e);
}

static void on_cpus(void *opaque, int r, struct json_object *ret,
		    const struct err *qe)
{
	struct pin *p = opaque;
	_cleanup_err_ struct err *e = NULL;

	if (r < 0)
		err_set(&e, -r, "query-cpus-fast: %s", err_msg(qe));
	else
		r = each(p, "query-cpus-fast", ret, pin_vcpu, &e);
	if (r >= 0 &&
	    (p->def->tune.n_iothreadpins || p->def->tune.n_iothreadsched) &&
	    (r = qmp_command(p->q, "query-iothreads", NULL, PIN_MS,
			     on_iothreads, p, &e)) >= 0)
		return;
	finish(p, r, e);
}

void qemu_pin_run(struct qmp *q, const struct domain_def *def, pid_t pid,
		  qemu_setup_fn done, void *opaque)
{
	struct pin *p = xcalloc(1, sizeof(*p));
	_cleanup_err_ struct err *e = NULL;

	p->q = q;
	p->def = def;
	p->pid = pid;
	p->done = done;
	p->opaque = opaque;
	if (qmp_command(q, "query-cpus-fast", NULL, PIN_MS, on_cpus, p, &e) < 0)
		finish(p, err_code(e), e);
}
