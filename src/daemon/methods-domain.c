// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The domain.* methods of the API (docs/api.md). Each checks its
 * parameters, finds the domain, and calls the store or the driver; a
 * definition reaches the disk before the daemon's memory changes, so a
 * failed write changes nothing. A driver operation that takes time
 * (start, destroy, a call to nido-vmm) returns RPC_DEFERRED: the call is
 * parked on the domain (dom->job) and answered when the operation ends,
 * while the loop serves everyone else; one operation at a time per domain.
 */
#include <errno.h>

#include "config.h"
#include "daemon/daemon.h"
#include "daemon/driver.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/uuid.h"

/* Finds the domain named by params.domain (a name, an id or a UUID). */
static struct domain *param_domain(struct daemon *dmn,
				   struct json_object *params, struct err **e)
{
	const char *key;

	if (json_get_string(params, "domain", &key, e) < 0)
		return NULL;
	return domain_list_lookup(&dmn->domains, key, e);
}

/* Refuses a second operation while one is in progress on @dom. */
static int need_idle(const struct domain *dom, struct err **e)
{
	if (dom->job)
		return err_set(e, EBUSY,
			       "domain '%s' is busy: another operation on "
			       "it is in progress",
			       dom->def->name);
	return 0;
}

/*
 * Parks the current call on @dom when the driver returned RPC_DEFERRED
 * (@result, taken over, answers it on success); returns @r.
 */
static int job_wait(struct daemon *dmn, struct domain *dom, int r,
		    struct json_object *result)
{
	if (r == RPC_DEFERRED) {
		dom->job = rpc_server_defer(dmn->rpc);
		json_object_put(dom->job_result);
		dom->job_result = steal_ptr(result);
	}
	json_object_put(result);
	return r;
}

static struct json_object *uuid_json(const uint8_t bytes[16])
{
	struct uuid u;
	char text[UUID_TEXT_LEN];

	memcpy(u.bytes, bytes, 16);
	return json_object_new_string(uuid_to_text(&u, text));
}

static struct json_object *summary(const struct domain *dom)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int(dom->id));
	json_object_object_add(o, "name",
			       json_object_new_string(dom->def->name));
	json_object_object_add(o, "uuid", uuid_json(dom->def->uuid));
	json_object_object_add(
		o, "state",
		json_object_new_string(domain_state_name(dom->state)));
	json_object_object_add(
		o, "reason",
		json_object_new_string(domain_reason_name(dom->reason)));
	if (dom->detail)
		json_object_object_add(o, "detail",
				       json_object_new_string(dom->detail));
	json_object_object_add(o, "persistent",
			       json_object_new_boolean(dom->persistent));
	json_object_object_add(o, "autostart",
			       json_object_new_boolean(dom->autostart));
	return o;
}

/* virsh's order: active domains by id, then inactive ones by name. */
static int list_order(const void *pa, const void *pb)
{
	const struct domain *a = *(struct domain *const *)pa;
	const struct domain *b = *(struct domain *const *)pb;

	if (domain_is_active(a) != domain_is_active(b))
		return domain_is_active(a) ? -1 : 1;
	if (domain_is_active(a))
		return (a->id > b->id) - (a->id < b->id);
	return strcmp(a->def->name, b->def->name);
}

static int m_list(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	bool all = false;
	struct json_object *arr;
	_cleanup_free_ struct domain **v = NULL;

	if (json_get_bool_opt(params, "all", &all, e) < 0)
		return -EINVAL;
	v = xreallocarray(NULL, dmn->domains.n + 1, sizeof(*v));
	if (dmn->domains.n) {
		memcpy(v, dmn->domains.v, dmn->domains.n * sizeof(*v));
		qsort(v, dmn->domains.n, sizeof(*v), list_order);
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < dmn->domains.n; i++)
		if (all || domain_is_active(v[i]))
			json_object_array_add(arr, summary(v[i]));
	*result = json_object_new_object();
	json_object_object_add(*result, "domains", arr);
	return 0;
}

static int parse_xml_param(struct json_object *params, struct domain_def **def,
			   struct json_object **warnings, struct err **e)
{
	struct xml_warnings w = {0};
	const char *xml;

	if (json_get_string(params, "xml", &xml, e) < 0)
		return -EINVAL;
	if (domain_def_parse(xml, strlen(xml), def, &w, e) < 0)
		return -EINVAL;
	*warnings = json_object_new_array();
	for (size_t i = 0; i < w.n; i++)
		json_object_array_add(*warnings,
				      json_object_new_string(w.msgs[i]));
	xml_warnings_clear(&w);
	return 0;
}

/* Checks that @def may replace @dom (found by name or UUID, may be NULL). */
static int check_conflicts(struct daemon *dmn, struct domain_def *def,
			   struct domain **out, struct err **e)
{
	struct domain *by_name =
		domain_list_find_name(&dmn->domains, def->name);
	struct domain *by_uuid;
	char text[UUID_TEXT_LEN];
	struct uuid u;

	if (by_name && def->uuid_generated)
		memcpy(def->uuid, by_name->def->uuid, 16);
	by_uuid = domain_list_find_uuid(&dmn->domains, def->uuid);
	if (by_uuid && by_uuid != by_name) {
		memcpy(u.bytes, def->uuid, 16);
		return err_set(e, EEXIST,
			       "domain '%s' already exists with "
			       "UUID %s",
			       by_uuid->def->name, uuid_to_text(&u, text));
	}
	if (by_name && !by_uuid) {
		memcpy(u.bytes, by_name->def->uuid, 16);
		return err_set(e, EEXIST,
			       "domain '%s' already exists with "
			       "UUID %s",
			       def->name, uuid_to_text(&u, text));
	}
	*out = by_name;
	return 0;
}

static struct json_object *define_result(const struct domain *dom,
					 struct json_object *warnings)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name",
			       json_object_new_string(dom->def->name));
	json_object_object_add(o, "uuid", uuid_json(dom->def->uuid));
	json_object_object_add(o, "warnings", warnings);
	return o;
}

static int m_define(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain_def *def = NULL;
	struct json_object *warnings = NULL;
	struct domain *dom = NULL;

	if (parse_xml_param(params, &def, &warnings, e) < 0)
		return -EINVAL;
	if (check_conflicts(dmn, def, &dom, e) < 0 ||
	    store_domain_save(&dmn->store, def, e) < 0) {
		domain_def_free(def);
		json_object_put(warnings);
		return err_code(*e);
	}
	if (!dom) {
		dom = domain_new(def);
		domain_list_add(&dmn->domains, dom);
	} else if (domain_is_active(dom)) {
		domain_def_free(dom->newdef);
		dom->newdef = def;
	} else {
		domain_def_free(dom->def);
		dom->def = def;
	}
	dom->persistent = true;
	log_info("domain '%s' defined", def->name);
	*result = define_result(dom, warnings);
	return 0;
}

static int m_undefine(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);

	if (!dom)
		return err_code(*e);
	if (!dom->persistent)
		return err_set(e, EINVAL, "cannot undefine transient domain");
	if (store_domain_delete(&dmn->store, dom->def->name, e) < 0)
		return err_code(*e);
	log_info("domain '%s' undefined", dom->def->name);
	dom->autostart = false;
	domain_def_free(steal_ptr(dom->newdef));
	if (domain_is_active(dom)) {
		dom->persistent = false; /* transient until it stops */
		return 0;
	}
	domain_list_remove(&dmn->domains, dom);
	domain_free(dom);
	return 0;
}

static int m_create(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain_def *def = NULL;
	struct json_object *warnings = NULL;
	struct domain *dom = NULL;
	int r;

	if (parse_xml_param(params, &def, &warnings, e) < 0)
		return -EINVAL;
	if (check_conflicts(dmn, def, &dom, e) < 0 ||
	    (dom &&
	     err_set(e, EEXIST, "domain '%s' already exists", def->name))) {
		domain_def_free(def);
		json_object_put(warnings);
		return err_code(*e);
	}
	dom = domain_new(def);
	domain_list_add(&dmn->domains, dom);
	r = daemon_domain_start(dmn, dom, e);
	if (r < 0) {
		domain_list_remove(&dmn->domains, dom);
		domain_free(dom);
		json_object_put(warnings);
		return r;
	}
	if (r == RPC_DEFERRED)
		return job_wait(dmn, dom, r, define_result(dom, warnings));
	*result = define_result(dom, warnings);
	return 0;
}

static int m_start(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);

	if (!dom || need_idle(dom, e) < 0)
		return err_code(*e);
	return job_wait(dmn, dom, daemon_domain_start(dmn, dom, e), NULL);
}

static int need_active(const struct domain *dom, struct err **e)
{
	if (!domain_is_active(dom))
		return err_set(e, EINVAL, "domain is not running");
	return 0;
}

/*
 * The domain named in @params when it is active and no operation is in
 * progress on it; else NULL with @e filled.
 */
static struct domain *active_domain(struct daemon *dmn,
				    struct json_object *params, struct err **e)
{
	struct domain *dom = param_domain(dmn, params, e);

	if (!dom || need_active(dom, e) < 0 || need_idle(dom, e) < 0)
		return NULL;
	return dom;
}

/* "mode": "acpi" (the default) or "ctrl-alt-del". */
static int param_mode(struct json_object *p, enum shutdown_mode *mode,
		      struct err **e)
{
	const char *m = "acpi";

	if (json_get_string_opt(p, "mode", &m, e) < 0)
		return -EINVAL;
	if (streq(m, "acpi"))
		*mode = SHUTDOWN_ACPI;
	else if (streq(m, "ctrl-alt-del"))
		*mode = SHUTDOWN_CTRL_ALT_DEL;
	else
		return err_set(e, EINVAL,
			       "unknown shutdown mode '%s' (acpi, "
			       "ctrl-alt-del)",
			       m);
	return 0;
}

/* shutdown and reboot: the same request to the guest, in @p's mode. */
static int ask_guest(void *o, struct json_object *p, bool reboot,
		     struct err **e)
{
	enum shutdown_mode mode = SHUTDOWN_ACPI;
	struct domain *dom;

	if (param_mode(p, &mode, e) < 0)
		return -EINVAL;
	dom = active_domain(o, p, e);
	if (!dom)
		return err_code(*e);
	return job_wait(o, dom,
			reboot ? dom->drv->reboot(o, dom, mode, e)
			       : dom->drv->shutdown(o, dom, mode, e),
			NULL);
}

static int m_shutdown(void *o, struct json_object *p, struct json_object **r,
		      struct err **e)
{
	return ask_guest(o, p, false, e);
}

static int m_reboot(void *o, struct json_object *p, struct json_object **r,
		    struct err **e)
{
	return ask_guest(o, p, true, e);
}

static int m_destroy(void *o, struct json_object *p, struct json_object **r,
		     struct err **e)
{
	struct domain *dom = active_domain(o, p, e);

	return dom ? job_wait(o, dom, dom->drv->destroy(o, dom, e), NULL)
		   : err_code(*e);
}

static int m_suspend(void *o, struct json_object *p, struct json_object **r,
		     struct err **e)
{
	struct domain *dom = active_domain(o, p, e);

	if (!dom)
		return err_code(*e);
	if (dom->state == DOMAIN_PAUSED)
		return err_set(e, EINVAL, "domain is already paused");
	return job_wait(o, dom, dom->drv->suspend(o, dom, e), NULL);
}

static int m_resume(void *o, struct json_object *p, struct json_object **r,
		    struct err **e)
{
	struct domain *dom = active_domain(o, p, e);

	if (!dom)
		return err_code(*e);
	if (dom->state != DOMAIN_PAUSED)
		return err_set(e, EINVAL, "domain is not paused");
	return job_wait(o, dom, dom->drv->resume(o, dom, e), NULL);
}

static int m_info(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct json_object *o;

	if (!dom)
		return err_code(*e);
	o = summary(dom);
	json_object_object_add(o, "os_type", json_object_new_string("hvm"));
	json_object_object_add(o, "vcpus",
			       json_object_new_int(dom->def->vcpus));
	json_object_object_add(o, "max_memory_kib",
			       json_object_new_uint64(dom->def->memory_kib));
	json_object_object_add(
		o, "used_memory_kib",
		json_object_new_uint64(dom->def->current_memory_kib));
	if (domain_is_active(dom))
		json_object_object_add(o, "started",
				       json_object_new_int64(dom->started));
	*result = o;
	return 0;
}

static int m_state(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct json_object *o;

	if (!dom)
		return err_code(*e);
	o = json_object_new_object();
	json_object_object_add(
		o, "state",
		json_object_new_string(domain_state_name(dom->state)));
	json_object_object_add(
		o, "reason",
		json_object_new_string(domain_reason_name(dom->reason)));
	if (dom->detail)
		json_object_object_add(o, "detail",
				       json_object_new_string(dom->detail));
	*result = o;
	return 0;
}

static int m_xml(void *opaque, struct json_object *params,
		 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	bool inactive = false;
	const struct domain_def *def;
	char *xml;

	if (!dom || json_get_bool_opt(params, "inactive", &inactive, e) < 0)
		return err_code(*e);
	def = inactive && dom->newdef ? dom->newdef : dom->def;
	xml = domain_def_format(def);
	*result = json_object_new_object();
	json_object_object_add(*result, "xml", json_object_new_string(xml));
	free(xml);
	return 0;
}

static int m_autostart(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	bool enable;

	if (!dom || json_get_bool(params, "enable", &enable, e) < 0)
		return err_code(*e);
	if (!dom->persistent)
		return err_set(e, EINVAL,
			       "cannot set autostart for "
			       "transient domain");
	if (store_autostart_set(&dmn->store, dom->def->name, enable, e) < 0)
		return err_code(*e);
	dom->autostart = enable;
	return 0;
}

static int m_blklist(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct json_object *arr;

	if (!dom)
		return err_code(*e);
	arr = json_object_new_array();
	for (size_t i = 0; i < dom->def->n_disks; i++) {
		const struct domain_disk *d = &dom->def->disks[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "type",
				       json_object_new_string("file"));
		json_object_object_add(
			o, "device",
			json_object_new_string(d->device == DISK_DEVICE_CDROM
						       ? "cdrom"
						       : "disk"));
		json_object_object_add(o, "target",
				       json_object_new_string(d->target));
		json_object_object_add(o, "source",
				       json_object_new_string(d->source));
		json_object_object_add(
			o, "format",
			json_object_new_string(disk_format_name(d->format)));
		json_object_array_add(arr, o);
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "disks", arr);
	return 0;
}

static const char *net_type_name(enum net_type t)
{
	switch (t) {
	case NET_TYPE_BRIDGE:
		return "bridge";
	case NET_TYPE_NETWORK:
		return "network";
	default:
		return "ethernet";
	}
}

static struct json_object *iface_json(const struct domain_net *n)
{
	struct json_object *o = json_object_new_object();
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
		 n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	json_object_object_add(o, "interface",
			       json_object_new_string(n->tap ? n->tap : "-"));
	json_object_object_add(o, "type",
			       json_object_new_string(net_type_name(n->type)));
	json_object_object_add(
		o, "source",
		json_object_new_string(n->source ? n->source : "-"));
	json_object_object_add(
		o, "model",
		json_object_new_string(n->model ? n->model : "virtio"));
	json_object_object_add(o, "mac", json_object_new_string(mac));
	return o;
}

static int m_iflist(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct json_object *arr;

	if (!dom)
		return err_code(*e);
	arr = json_object_new_array();
	for (size_t i = 0; i < dom->def->n_nets; i++)
		json_object_array_add(arr, iface_json(&dom->def->nets[i]));
	*result = json_object_new_object();
	json_object_object_add(*result, "interfaces", arr);
	return 0;
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* Statistics every domain has, from its definition and state. */
static void stats_common(const struct domain *dom, struct json_object *s)
{
	char key[64];

	add_u64(s, "state.state", (uint64_t)dom->state);
	add_str(s, "state.reason", domain_reason_name(dom->reason));
	add_u64(s, "balloon.maximum", dom->def->memory_kib);
	add_u64(s, "balloon.current", dom->def->current_memory_kib);
	add_u64(s, "vcpu.current", dom->def->vcpus);
	add_u64(s, "vcpu.maximum", dom->def->vcpus);
	add_u64(s, "block.count", dom->def->n_disks);
	for (size_t i = 0; i < dom->def->n_disks; i++) {
		snprintf(key, sizeof(key), "block.%zu.name", i);
		add_str(s, key, dom->def->disks[i].target);
		snprintf(key, sizeof(key), "block.%zu.path", i);
		add_str(s, key, dom->def->disks[i].source);
	}
	add_u64(s, "net.count", dom->def->n_nets);
}

/*
 * One domain.stats call: its result, and how many drivers still add to
 * it (each VMM is asked on the loop, so a stuck one holds up this call
 * only, for the control timeout at most).
 */
struct stats_job {
	struct rpc_call *call;
	struct json_object *result;
	int pending;
};

static void stats_part_done(void *opaque)
{
	struct stats_job *job = opaque;

	if (--job->pending > 0)
		return;
	rpc_call_done(job->call, 0, job->result, NULL);
	free(job);
}

static struct json_object *stats_of(struct daemon *dmn, struct domain *dom,
				    struct stats_job *job)
{
	_cleanup_err_ struct err *e = NULL;
	struct json_object *o = json_object_new_object();
	struct json_object *s = json_object_new_object();
	int r = 0;

	stats_common(dom, s);
	if (domain_is_active(dom) && dom->drv)
		r = dom->drv->stats(dmn, dom, s, stats_part_done, job, &e);
	if (r == RPC_DEFERRED)
		job->pending++;
	else if (r < 0)
		log_debug("domain '%s': stats: %s", dom->def->name, err_msg(e));
	add_str(o, "name", dom->def->name);
	json_object_object_add(o, "stats", s);
	return o;
}

static int m_stats(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct json_object *arr, *key = NULL;
	struct stats_job *job;
	struct domain *dom = NULL;

	json_object_object_get_ex(params, "domain", &key);
	if (key && !(dom = param_domain(dmn, params, e)))
		return err_code(*e);
	job = xcalloc(1, sizeof(*job));
	arr = json_object_new_array();
	job->result = json_object_new_object();
	json_object_object_add(job->result, "domains", arr);
	for (size_t i = 0; i < dmn->domains.n; i++)
		if (!dom || dmn->domains.v[i] == dom)
			json_object_array_add(
				arr, stats_of(dmn, dmn->domains.v[i], job));
	if (job->pending == 0) {
		*result = job->result;
		free(job);
		return 0;
	}
	job->call = rpc_server_defer(dmn->rpc);
	return RPC_DEFERRED;
}

/*
 * The definition's resource limits: memtune (KiB), cputune (shares,
 * microseconds) and each disk's iotune; 0 means not set.
 */
static int m_tune(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	const struct domain_tune *t;
	struct json_object *mem, *cpu, *disks;

	if (!dom)
		return err_code(*e);
	t = &dom->def->tune;
	mem = json_object_new_object();
	add_u64(mem, "hard_limit_kib", t->hard_limit_kib);
	add_u64(mem, "soft_limit_kib", t->soft_limit_kib);
	add_u64(mem, "swap_hard_limit_kib", t->swap_hard_limit_kib);
	cpu = json_object_new_object();
	add_u64(cpu, "shares", t->shares);
	add_u64(cpu, "period_us", t->period_us);
	json_object_object_add(cpu, "quota_us",
			       json_object_new_int64(t->quota_us));
	add_u64(cpu, "global_period_us", t->global_period_us);
	json_object_object_add(cpu, "global_quota_us",
			       json_object_new_int64(t->global_quota_us));
	disks = json_object_new_array();
	for (size_t i = 0; i < dom->def->n_disks; i++) {
		const struct domain_disk *d = &dom->def->disks[i];
		struct json_object *o = json_object_new_object();
		struct json_object *io = json_object_new_object();

		add_str(o, "target", d->target);
		for (int k = 0; k < 6; k++)
			add_u64(io, domain_iotune_names[k], d->iotune[k]);
		json_object_object_add(o, "iotune", io);
		json_object_array_add(disks, o);
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "memtune", mem);
	json_object_object_add(*result, "cputune", cpu);
	json_object_object_add(*result, "disks", disks);
	return 0;
}

static int m_console(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = active_domain(dmn, params, e);
	_cleanup_free_ char *path = NULL;
	int r;

	if (!dom)
		return err_code(*e);
	r = dom->drv->console(dmn, dom, &path, e);
	if (r != 0)
		return job_wait(dmn, dom, r, NULL);
	*result = json_object_new_object();
	add_str(*result, "pty", path);
	return 0;
}

static int m_daemon_info(void *opaque, struct json_object *params,
			 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct json_object *o = json_object_new_object();

	add_str(o, "version", NIDO_VERSION);
	add_str(o, "mode", dmn->system ? "system" : "session");
	add_u64(o, "pid", (uint64_t)getpid());
	add_str(o, "state_dir", dmn->store.state_dir);
	add_str(o, "runtime_dir", dmn->store.runtime_dir);
	add_u64(o, "domains", dmn->domains.n);
	*result = o;
	return 0;
}

const struct rpc_method daemon_methods[] = {
	{"daemon.info", m_daemon_info, RPC_READ_ONLY},
	{"domain.list", m_list, RPC_READ_ONLY},
	{"domain.define", m_define},
	{"domain.undefine", m_undefine},
	{"domain.create", m_create},
	{"domain.start", m_start},
	{"domain.shutdown", m_shutdown},
	{"domain.reboot", m_reboot},
	{"domain.destroy", m_destroy},
	{"domain.suspend", m_suspend},
	{"domain.resume", m_resume},
	{"domain.info", m_info, RPC_READ_ONLY},
	{"domain.state", m_state, RPC_READ_ONLY},
	{"domain.xml", m_xml, RPC_READ_ONLY},
	{"domain.autostart", m_autostart},
	{"domain.blklist", m_blklist, RPC_READ_ONLY},
	{"domain.iflist", m_iflist, RPC_READ_ONLY},
	{"domain.tune", m_tune, RPC_READ_ONLY},
	{"domain.stats", m_stats, RPC_READ_ONLY},
	{"domain.console", m_console},
};

const size_t daemon_n_methods = ARRAY_SIZE(daemon_methods);
