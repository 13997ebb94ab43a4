// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh setvcpus and vcpucount (docs/api.md): a domain's <vcpu> count
 * and its current= in the persistent definition (--config), and the
 * vCPUs a running guest has (--live: hot add through the driver; vCPUs
 * are never removed from a running guest: no driver does hot unplug).
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/daemon.h"
#include "daemon/domain_conf.h"
#include "daemon/driver.h"
#include "daemon/rpc.h"
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

/* setvcpus --live: more vCPUs in the running guest. */
static int set_live(struct daemon *dmn, struct domain *dom, unsigned count,
		    struct err **e)
{
	const struct domain_def *def = dom->def;

	if (count > def->vcpus)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"requested vcpus is greater than max "
				"allowable vcpus for the live domain: %u > %u",
				count, def->vcpus);
	if (count < def->vcpus_current)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"removing vCPUs from a running domain (hot "
				"unplug) is not supported: domain '%s' has %u",
				def->name, def->vcpus_current);
	if (count == def->vcpus_current)
		return 0;
	if (!dom->drv->setvcpus)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver cannot add vCPUs to a running "
				"domain",
				dom->drv->name);
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

const struct rpc_method vcpu_methods[] = {
	{"domain.setvcpus", m_setvcpus},
	{"domain.vcpucount", m_vcpucount, RPC_READ_ONLY},
};

const size_t vcpu_n_methods = ARRAY_SIZE(vcpu_methods);
