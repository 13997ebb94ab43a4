// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh vcpupin and emulatorpin (docs/api.md): where a domain's vCPU
 * threads and its engine's other threads may run. Live: the threads of
 * the running engine (nido-vmm's "vcpuN" threads, QEMU's
 * query-cpus-fast ones, as domstats names them), read and set with
 * sched_getaffinity/sched_setaffinity; the live definition does not
 * record a live pin. Config: <cputune>'s <vcpupin> and <emulatorpin>
 * of the persistent definition, which only the qemu driver applies at
 * start (a nido-vmm domain's is refused by name).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/domain_conf.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"
#include "daemon/driver.h"
#include "daemon/rpc.h"
#include "daemon/vcpu-threads.h"
#include "lib/json.h"
#include "lib/util.h"

/* One live call, waiting for the driver's statistics (thread ids). */
struct pin_job {
	struct rpc_call *call; /* NULL: answered at once */
	struct json_object *stats;
	pid_t pid;	  /* the engine */
	int64_t vcpu;	  /* vcpupin --vcpu; -1: every vCPU */
	char *cpulist;	  /* the pin to set; NULL: a query */
	bool emulator;	  /* emulatorpin, not vcpupin */
	const char *name; /* the domain's, for messages (a copy) */
};

static void pin_job_free(struct pin_job *j)
{
	json_object_put(j->stats);
	free(j->cpulist);
	free((char *)j->name);
	free(j);
}

static int64_t tid_of(struct json_object *stats, unsigned i)
{
	_cleanup_free_ char *key = xasprintf("vcpu.%u.thread-id", i);
	int64_t t;

	return json_get_int64(stats, key, &t, NULL) == 0 && t > 0 &&
			       t <= INT32_MAX
		       ? t
		       : -1;
}

static bool is_vcpu_thread(struct json_object *stats, pid_t t)
{
	for (unsigned i = 0; i < DOMAIN_MAX_VCPUS; i++) {
		int64_t v = tid_of(stats, i);

		if (v < 0)
			return false;
		if (v == t)
			return true;
	}
	return false;
}

static char *affinity_of(pid_t t)
{
	size_t size = CPU_ALLOC_SIZE(4096);
	_cleanup_free_ cpu_set_t *set = CPU_ALLOC(4096);

	if (!set || sched_getaffinity(t, size, set) < 0)
		return NULL;
	return vcpu_cpulist(set, size);
}

/* Every thread of the engine that is not a vCPU's onto @set. */
static int pin_emulator(struct pin_job *j, const cpu_set_t *set, size_t size,
			struct err **e)
{
	_cleanup_free_ char *dir = xasprintf("/proc/%d/task", (int)j->pid);
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return err_sys(e, errno, "domain '%s': its engine's threads",
			       j->name);
	while (r == 0 && (de = readdir(d))) {
		pid_t t = (pid_t)atoi(de->d_name);

		if (t <= 0 || is_vcpu_thread(j->stats, t))
			continue;
		if (sched_setaffinity(t, size, set) < 0 && errno != ESRCH)
			r = err_sys(e, errno, "pinning thread %d to '%s'",
				    (int)t, j->cpulist);
	}
	closedir(d);
	return r;
}

/* vCPU @i's thread (or every vCPU's, -1) onto @set. */
static int pin_vcpus(struct pin_job *j, const cpu_set_t *set, size_t size,
		     struct err **e)
{
	int64_t t = tid_of(j->stats, (unsigned)j->vcpu);

	if (t < 0)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"domain '%s' has no running vCPU %" PRId64,
				j->name, j->vcpu);
	if (sched_setaffinity((pid_t)t, size, set) < 0)
		return err_sys(e, errno, "pinning vCPU %" PRId64 " to '%s'",
			       j->vcpu, j->cpulist);
	return 0;
}

static int pin_live(struct pin_job *j, struct json_object **result,
		    struct err **e)
{
	_cleanup_free_ cpu_set_t *set = NULL;
	size_t size;

	*result = json_object_new_object();
	json_object_object_add(
		*result, "host_cpus",
		json_object_new_int64(sysconf(_SC_NPROCESSORS_CONF)));
	if (j->cpulist) {
		set = qemu_cpuset_parse(j->cpulist, &size);
		return j->emulator ? pin_emulator(j, set, size, e)
				   : pin_vcpus(j, set, size, e);
	}
	if (j->emulator) {
		_cleanup_free_ char *a = affinity_of(j->pid);

		json_object_object_add(*result, "affinity",
				       json_object_new_string(a ? a : ""));
		return 0;
	}
	struct json_object *list = json_object_new_array();

	json_object_object_add(*result, "vcpus", list);
	for (unsigned i = 0; i < DOMAIN_MAX_VCPUS; i++) {
		int64_t t = tid_of(j->stats, i);
		_cleanup_free_ char *a = NULL;
		struct json_object *o;

		if (t < 0)
			break;
		if (j->vcpu >= 0 && j->vcpu != i)
			continue;
		a = affinity_of((pid_t)t);
		o = json_object_new_object();
		json_object_object_add(o, "vcpu", json_object_new_int((int)i));
		json_object_object_add(o, "affinity",
				       json_object_new_string(a ? a : ""));
		json_object_array_add(list, o);
	}
	return 0;
}

static void pin_done(void *opaque)
{
	struct pin_job *j = opaque;
	_cleanup_err_ struct err *e = NULL;
	struct json_object *res = NULL;
	int r = pin_live(j, &res, &e);

	if (r < 0) {
		json_object_put(res);
		res = NULL;
	}
	rpc_call_done(j->call, r < 0 ? r : 0, res, e);
	pin_job_free(j);
}

/* The running domain's threads, once the driver named them. */
static int start_live(struct daemon *dmn, struct domain *dom, struct pin_job *j,
		      struct json_object **result, struct err **e)
{
	int64_t pid = 0;
	int r;

	if (!dom->rec || json_get_int64(dom->rec, "pid", &pid, NULL) < 0 ||
	    pid <= 0 || pid > INT32_MAX) {
		pin_job_free(j);
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"domain '%s': its engine's threads are not "
				"known",
				dom->def->name);
	}
	j->pid = (pid_t)pid;
	j->name = xstrdup(dom->def->name);
	j->stats = json_object_new_object();
	r = dom->drv->stats(dmn, dom, j->stats, pin_done, j, e);
	if (r == RPC_DEFERRED) {
		j->call = rpc_server_defer(dmn->rpc);
		return RPC_DEFERRED;
	}
	if (r == 0)
		r = pin_live(j, result, e);
	pin_job_free(j);
	return r;
}

/* The configuration's CPUs for vCPU @i (or the emulator, @i < 0). */
static const char *config_cpus(const struct domain_def *def, int64_t i,
			       const char *all)
{
	for (size_t k = 0; i >= 0 && k < def->tune.n_vcpupins; k++)
		if (def->tune.vcpupins[k].vcpu == i)
			return def->tune.vcpupins[k].cpuset;
	if (i < 0 && def->tune.emulatorpin)
		return def->tune.emulatorpin;
	return def->cpuset ? def->cpuset : all;
}

static int query_config(const struct domain *dom, const struct pin_job *j,
			struct json_object **result)
{
	const struct domain_def *def = object_xml_def(&dom->obj, true);
	long n = sysconf(_SC_NPROCESSORS_CONF);
	_cleanup_free_ char *all = xasprintf("0-%ld", n - 1);
	struct json_object *list;

	*result = json_object_new_object();
	json_object_object_add(*result, "host_cpus", json_object_new_int64(n));
	if (j->emulator) {
		json_object_object_add(
			*result, "affinity",
			json_object_new_string(config_cpus(def, -1, all)));
		return 0;
	}
	list = json_object_new_array();
	json_object_object_add(*result, "vcpus", list);
	for (unsigned i = 0; i < def->vcpus; i++) {
		struct json_object *o;

		if (j->vcpu >= 0 && j->vcpu != i)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "vcpu", json_object_new_int((int)i));
		json_object_object_add(
			o, "affinity",
			json_object_new_string(config_cpus(def, i, all)));
		json_object_array_add(list, o);
	}
	return 0;
}

static int set_config(struct daemon *dmn, struct domain *dom,
		      const struct pin_job *j, struct err **e)
{
	struct domain_def *def = domain_config_copy(dom, e);
	struct domain_tune *t;
	size_t k;

	if (!def)
		return err_code(*e);
	if (driver_for(def, NULL) != &driver_qemu) {
		domain_def_free(def);
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"domain '%s': <cputune> pins are the qemu "
				"driver's; nido-vmm does not pin at start "
				"(pin the running guest with --live)",
				dom->def->name);
	}
	t = &def->tune;
	if (j->emulator) {
		free(t->emulatorpin);
		t->emulatorpin = xstrdup(j->cpulist);
		return domain_config_save(dmn, def, e);
	}
	for (k = 0; k < t->n_vcpupins && t->vcpupins[k].vcpu != j->vcpu; k++)
		;
	if (k == t->n_vcpupins) {
		t->vcpupins =
			xrealloc(t->vcpupins, (k + 1) * sizeof(*t->vcpupins));
		t->vcpupins[k].vcpu = (unsigned)j->vcpu;
		t->vcpupins[k].cpuset = NULL;
		t->n_vcpupins++;
	}
	free(t->vcpupins[k].cpuset);
	t->vcpupins[k].cpuset = xstrdup(j->cpulist);
	return domain_config_save(dmn, def, e);
}

/*
 * "domain", "cpulist" (to set; none: a query), "live"/"config"/
 * "current", and for vcpupin "vcpu" (required to set). A query answers
 * {"vcpus": [{"vcpu", "affinity"}]} (vcpupin) or {"affinity"}
 * (emulatorpin), with "host_cpus"; a set answers null.
 */
static int pin_method(void *opaque, struct json_object *params,
		      struct json_object **result, bool emulator,
		      struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	const char *list = NULL;
	struct pin_job *j;
	bool live, config;
	int64_t vcpu = -1;
	int r = 0;

	if (!dom || json_get_string_opt(params, "cpulist", &list, e) < 0 ||
	    (!emulator && json_get_int64_opt(params, "vcpu", &vcpu, e) < 0) ||
	    param_scope(dom, params, &live, &config, e) < 0)
		return err_code(*e);
	if (list && domain_parse_cpuset(NULL, list, e) < 0)
		return err_code(*e);
	if (!emulator && list && vcpu < 0)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"a CPU list needs the vCPU it pins (--vcpu)");
	if (vcpu >= (int64_t)dom->def->vcpus)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"vCPU %" PRId64 ": domain '%s' has %u", vcpu,
				dom->def->name, dom->def->vcpus);
	if (!list && live && config)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--live and --config cannot both be given to "
				"read the pins");
	j = xcalloc(1, sizeof(*j));
	j->vcpu = vcpu;
	j->emulator = emulator;
	j->cpulist = list ? xstrdup(list) : NULL;
	if (!list && config) {
		query_config(dom, j, result);
		pin_job_free(j);
		return 0;
	}
	if (config)
		r = set_config(dmn, dom, j, e);
	if (r < 0 || !live) {
		pin_job_free(j);
		return r;
	}
	if (need_idle(dom, e) < 0) {
		pin_job_free(j);
		return err_code(*e);
	}
	return start_live(dmn, dom, j, result, e);
}

int vcpu_m_vcpupin(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	return pin_method(opaque, params, result, false, e);
}

int vcpu_m_emulatorpin(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	return pin_method(opaque, params, result, true, e);
}
