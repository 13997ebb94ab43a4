// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh setvcpus, vcpucount and vcpuinfo (docs/api.md): a domain's <vcpu> count
 * and its current= in the persistent definition (--config), and the
 * vCPUs a running guest has (--live: hot add and hot remove through the
 * driver).
 */
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/domain_conf.h"
#include "daemon/driver.h"
#include "daemon/rpc.h"
#include "daemon/vcpu-threads.h"
#include "lib/json.h"
#include "lib/util.h"

/* setvcpus --config: the next start's count, or with @maximum its
 * <vcpu> maximum (current= follows it down). */
static int set_config(struct daemon *dmn, struct domain *dom, unsigned count,
		      bool maximum, struct err **e)
{
	struct domain_def *def = domain_config_copy(dom, e);

	if (!def)
		return err_code(*e);
	if (maximum) {
		def->vcpus = count;
		def->vcpus_current = MIN(def->vcpus_current, count);
	} else if (count > def->vcpus) {
		unsigned max = def->vcpus;

		domain_def_free(def);
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"requested vcpus is greater than max "
				"allowable vcpus for the persistent domain: "
				"%u > %u",
				count, max);
	} else {
		def->vcpus_current = count;
	}
	return domain_config_save(dmn, def, e);
}

/* setvcpus --live: more vCPUs in the running guest (hot add), or fewer
 * (the guest is asked to eject them: the driver waits for it, as
 * libvirt does, and says when it did not in time). */
static int set_live(struct daemon *dmn, struct domain *dom, unsigned count,
		    struct err **e)
{
	const struct domain_def *def = dom->def;

	if (count > def->vcpus)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"requested vcpus is greater than max "
				"allowable vcpus for the live domain: %u > %u",
				count, def->vcpus);
	if (count == def->vcpus_current)
		return 0;
	if (!dom->drv->setvcpus)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver cannot %s vCPUs %s a running "
				"domain",
				dom->drv->name,
				count < def->vcpus_current ? "remove" : "add",
				count < def->vcpus_current ? "from" : "to");
	if (need_idle(dom, e) < 0 || domain_live_split(dom, e) < 0)
		return err_code(*e);
	return job_wait(dmn, dom, dom->drv->setvcpus(dmn, dom, count, e), NULL);
}

/*
 * "count" vCPUs for "domain": in its "live" guest, its "config" or both
 * (virsh's scope rules); with "maximum" (--config only) its maximum.
 */
static int m_setvcpus(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	bool live, config, maximum = false;
	int64_t count;

	(void)result;
	if (!dom || json_get_int64(params, "count", &count, e) < 0 ||
	    json_get_bool_opt(params, "maximum", &maximum, e) < 0 ||
	    param_scope(dom, params, &live, &config, e) < 0)
		return err_code(*e);
	if (count < 1 || count > DOMAIN_MAX_VCPUS)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"vCPU count %" PRId64 ": it must be 1 to %u",
				count, DOMAIN_MAX_VCPUS);
	if (maximum && live)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"the maximum vCPU count of a running domain "
				"cannot be changed: --maximum needs --config");
	if (config && set_config(dmn, dom, (unsigned)count, maximum, e) < 0)
		return err_code(*e);
	return live ? set_live(dmn, dom, (unsigned)count, e) : 0;
}

static struct json_object *counts(const struct domain_def *def)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "maximum", json_object_new_int64(def->vcpus));
	json_object_object_add(o, "current",
			       json_object_new_int64(def->vcpus_current));
	return o;
}

/* {"config": {"maximum": M, "current": C}, "live": {...} while it
 * runs}: the persistent definition's and the running guest's. */
static int m_vcpucount(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);

	if (!dom)
		return err_code(*e);
	*result = json_object_new_object();
	json_object_object_add(*result, "config",
			       counts(object_xml_def(&dom->obj, true)));
	if (domain_is_active(dom))
		json_object_object_add(*result, "live", counts(dom->def));
	return 0;
}

/* One domain.vcpuinfo call, while the driver's statistics come. */
struct info_job {
	struct rpc_call *call; /* NULL: answered at once */
	struct json_object *stats;
	struct json_object *result;
};

/* Each vCPU the statistics name a thread of, with what the host says. */
static void info_build(struct info_job *j)
{
	struct json_object *list = json_object_new_array();

	for (unsigned i = 0; i < DOMAIN_MAX_VCPUS; i++) {
		_cleanup_free_ char *key = xasprintf("vcpu.%u.thread-id", i);
		struct json_object *o;
		int64_t tid;

		if (json_get_int64(j->stats, key, &tid, NULL) < 0)
			break;
		o = json_object_new_object();
		json_object_object_add(o, "vcpu", json_object_new_int((int)i));
		json_object_object_add(o, "state",
				       json_object_new_string("running"));
		if (tid > 0 && tid <= INT32_MAX)
			vcpu_thread_info((pid_t)tid, o);
		json_object_array_add(list, o);
	}
	j->result = json_object_new_object();
	json_object_object_add(j->result, "vcpus", list);
	json_object_object_add(
		j->result, "host_cpus",
		json_object_new_int64(sysconf(_SC_NPROCESSORS_CONF)));
	json_object_put(j->stats);
}

static void info_done(void *opaque)
{
	struct info_job *j = opaque;

	info_build(j);
	rpc_call_done(j->call, 0, j->result, NULL);
	free(j);
}

/*
 * {"vcpus": [{"vcpu", "state", "cpu", "cpu_time_ns", "affinity"}],
 * "host_cpus": N}: each
 * vCPU thread of the running domain's engine (nido-vmm's "vcpuN"
 * threads, QEMU's query-cpus-fast), where it last ran, its CPU time and
 * the host CPUs it may run on.
 */
static int m_vcpuinfo(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = active_domain(dmn, params, e);
	struct info_job *j;
	int r;

	if (!dom)
		return err_code(*e);
	j = xcalloc(1, sizeof(*j));
	j->stats = json_object_new_object();
	r = dom->drv->stats(dmn, dom, j->stats, info_done, j, e);
	if (r == RPC_DEFERRED) {
		j->call = rpc_server_defer(dmn->rpc);
		return RPC_DEFERRED;
	}
	if (r < 0) {
		json_object_put(j->stats);
		free(j);
		return r;
	}
	info_build(j);
	*result = j->result;
	free(j);
	return 0;
}

const struct rpc_method vcpu_methods[] = {
	{"domain.setvcpus", m_setvcpus},
	{"domain.vcpucount", m_vcpucount, RPC_READ_ONLY},
	{"domain.vcpuinfo", m_vcpuinfo, RPC_READ_ONLY},
	{"domain.vcpupin", vcpu_m_vcpupin},
	{"domain.emulatorpin", vcpu_m_emulatorpin},
};

const size_t vcpu_n_methods = ARRAY_SIZE(vcpu_methods);
