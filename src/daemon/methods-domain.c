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
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "daemon/console.h"
#include "daemon/screenshot.h"
#include "daemon/daemon.h"
#include "daemon/domain-disks.h"
#include "daemon/domain_conf_disk_opts.h"
#include "daemon/driver-ct.h"
#include "daemon/driver-qemu.h"
#include "daemon/driver.h"
#include "daemon/events.h"
#include "daemon/machined.h"
#include "daemon/snapshot.h"
#include "lib/json.h"
#include "net/link.h"
#include "lib/log.h"
#include "lib/uuid.h"

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* *@flags is @bit when the boolean @key of @params is true, else 0. */
static int param_flag(struct json_object *params, const char *key, unsigned bit,
		      unsigned *flags, struct err **e)
{
	bool set = false;

	*flags = 0;
	if (json_get_bool_opt(params, key, &set, e) < 0)
		return -EINVAL;
	if (set)
		*flags = bit;
	return 0;
}

/* Finds the domain named by params.domain (a name, an id or a UUID). */
struct domain *param_domain(struct daemon *dmn, struct json_object *params,
			    struct err **e)
{
	const char *key;

	if (json_get_string(params, "domain", &key, e) < 0)
		return NULL;
	return domain_list_lookup(&dmn->domains, key, e);
}

/* Refuses a second operation while one is in progress on @dom. */
int need_idle(const struct domain *dom, struct err **e)
{
	if (dom->job)
		return err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				"domain '%s' is busy: another operation on "
				"it is in progress",
				dom->def->name);
	return 0;
}

/*
 * Parks the current call on @dom when the driver returned RPC_DEFERRED
 * (@result, taken over, answers it on success); returns @r.
 */
int job_wait(struct daemon *dmn, struct domain *dom, int r,
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
	json_object_object_add(
		o, "title",
		json_object_new_string(dom->def->title ? dom->def->title : ""));
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
	size_t n = dmn->domains.l.n;
	bool all = false;
	struct json_object *arr;
	_cleanup_free_ struct domain **v = NULL;

	if (json_get_bool_opt(params, "all", &all, e) < 0)
		return -EINVAL;
	v = xreallocarray(NULL, n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = domain_at(&dmn->domains, i);
	if (n)
		qsort(v, n, sizeof(*v), list_order);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
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
	if (domain_def_parse(xml, strlen(xml), def, &w, e) < 0) {
		xml_warnings_clear(&w); /* those before the refusal */
		return -EINVAL;
	}
	*warnings = json_object_new_array();
	for (size_t i = 0; i < w.n; i++)
		json_object_array_add(*warnings,
				      json_object_new_string(w.msgs[i]));
	xml_warnings_clear(&w);
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

/*
 * "validate": true (virsh define --validate): what the subset would
 * ignore with a warning is an error instead, all of it in one message.
 */
int daemon_validate_strict(struct json_object *params,
			   struct json_object *warnings, const char *kind,
			   struct err **e)
{
	_cleanup_free_ char *all = NULL;
	bool validate = false;
	size_t len = 0;
	FILE *f;

	if (json_get_bool_opt(params, "validate", &validate, e) < 0)
		return -EINVAL;
	if (!validate || json_object_array_length(warnings) == 0)
		return 0;
	f = open_memstream(&all, &len);
	for (size_t i = 0; i < json_object_array_length(warnings); i++) {
		const char *w = json_object_get_string(
			json_object_array_get_idx(warnings, i));
		size_t n = strlen(w);

		/* an error, not something ignored */
		if (n > 8 && streq(w + n - 8, " ignored"))
			n -= 8;
		fprintf(f, "%s%.*s", i ? "; " : "", (int)n, w);
	}
	fclose(f);
	return err_setk(e, ERR_XML_INVALID_SCHEMA, EINVAL,
			"XML document failed to validate against nido's "
			"%s schema: %s",
			kind, all);
}

static int m_define(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain_def *def = NULL;
	struct json_object *warnings = NULL;
	struct object *obj = NULL;
	const struct domain *old;
	bool updated;

	if (parse_xml_param(params, &def, &warnings, e) < 0)
		return -EINVAL;
	if (daemon_validate_strict(params, warnings, "domain", e) < 0) {
		domain_def_free(def);
		json_object_put(warnings);
		return err_code(*e);
	}
	old = domain_list_find_name(&dmn->domains, def->name);
	updated = old && old->persistent;
	if (object_define(&dmn->domains.l, &dmn->store, def, &obj, e) < 0) {
		json_object_put(warnings);
		return err_code(*e);
	}
	events_lifecycle(dmn, domain_of(obj), "defined",
			 updated ? "updated" : "added");
	*result = define_result(domain_of(obj), warnings);
	return 0;
}

/* Why undefine --remove-all-storage keeps disk @d of @dom; NULL: none. */
static const char *storage_keep_reason(struct daemon *dmn,
				       const struct domain *dom,
				       const struct domain_disk *d)
{
	struct stat st;

	if (d->pool)
		return "it is a volume of a storage pool (vol-delete removes "
		       "it)";
	if (d->readonly)
		return "it is read-only";
	if (d->shareable)
		return "it is shareable";
	if (d->net)
		return "it is on the network";
	for (size_t i = 0; i < dmn->domains.l.n; i++) {
		const struct domain *o = domain_at(&dmn->domains, i);

		for (size_t k = 0; o != dom && k < o->def->n_disks; k++)
			if (o->def->disks[k].source &&
			    streq(o->def->disks[k].source, d->source))
				return "another domain uses it";
	}
	if (lstat(d->source, &st) == 0 && !S_ISREG(st.st_mode))
		return "it is not a regular file";
	return NULL;
}

/*
 * undefine --remove-all-storage, after the definition is gone: unlinks
 * the image file of each disk, except read-only and shareable ones,
 * files another domain names, and what is not a regular file (never
 * followed: a symlink is kept). Returns the "volumes" array: target,
 * source and "removed": true, "kept": why, or "error": why not.
 */
static struct json_object *remove_storage(struct daemon *dmn,
					  const struct domain *dom)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < dom->def->n_disks; i++) {
		const struct domain_disk *d = &dom->def->disks[i];
		const char *keep = storage_keep_reason(dmn, dom, d);
		struct json_object *o = json_object_new_object();

		add_str(o, "target", d->target);
		add_str(o, "source", d->pool ? d->volume : d->source);
		if (keep)
			add_str(o, "kept", keep);
		else if (unlink(d->source) < 0)
			add_str(o, "error", strerror(errno));
		else
			json_object_object_add(o, "removed",
					       json_object_new_boolean(true));
		if (!keep)
			log_info("domain '%s': storage '%s' %s", dom->def->name,
				 d->source,
				 json_object_object_get_ex(o, "error", NULL)
					 ? "not removed"
					 : "removed");
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Checks "remove_all_storage" for undefine; sets *@remove. */
static int param_remove_storage(struct json_object *params,
				const struct domain *dom, bool *remove,
				struct err **e)
{
	*remove = false;
	if (json_get_bool_opt(params, "remove_all_storage", remove, e) < 0)
		return -EINVAL;
	if (*remove && domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"storage volume deletion is supported only "
				"on stopped domains");
	return 0;
}

static int m_undefine(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	_cleanup_free_ char *managed = NULL;
	struct json_object *ev;
	bool remove = false, drop_save = false, drop_snaps = false;
	struct snapshot_set *snaps = NULL;

	if (!dom || param_remove_storage(params, dom, &remove, e) < 0 ||
	    json_get_bool_opt(params, "managed_save", &drop_save, e) < 0 ||
	    json_get_bool_opt(params, "snapshots_metadata", &drop_snaps, e) <
		    0 ||
	    !(snaps = snapshot_set_of(dmn, dom, e)))
		return err_code(*e);
	if (dom->cloning)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is being cloned");
	/* as libvirt: snapshots are not orphaned by accident */
	if (dom->persistent && snaps->n && !drop_snaps)
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"cannot delete inactive domain with %zu "
				"snapshots",
				snaps->n);
	/* as libvirt: a saved state is not lost by accident */
	managed = daemon_managed_save_path(dmn, dom->def->name);
	if (dom->persistent && access(managed, F_OK) == 0 && !drop_save)
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"Refusing to undefine while domain managed "
				"save image exists");
	if (object_undefine_stored(&dmn->store, &dom->obj, e) < 0)
		return err_code(*e);
	if (drop_save)
		unlink(managed);
	if (drop_snaps)
		snapshot_unstore_all(dmn, dom);
	/* an emulated TPM's state goes with the definition (a running
	 * domain's is still its swtpm's) */
	if (!domain_is_active(dom))
		qemu_swtpm_forget(dom->def);
	/* once the definition is gone, before it is freed */
	ev = events_lifecycle_new(dom, "undefined", "removed");
	if (remove) {
		*result = json_object_new_object();
		json_object_object_add(*result, "volumes",
				       remove_storage(dmn, dom));
	}
	object_undefine_done(&dmn->domains.l, &dom->obj);
	events_send(dmn, ev);
	return 0;
}

static int m_create(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain_def *def = NULL;
	struct json_object *warnings = NULL;
	struct object *obj = NULL;
	struct domain *dom;
	unsigned flags;
	int r;

	if (param_flag(params, "paused", DRIVER_START_PAUSED, &flags, e) < 0 ||
	    parse_xml_param(params, &def, &warnings, e) < 0)
		return -EINVAL;
	if (object_check_conflicts(&dmn->domains.l, def, &obj, e) < 0 ||
	    (obj && err_setk(e, ERR_OPERATION_INVALID, EEXIST,
			     "domain '%s' already exists", def->name))) {
		domain_def_free(def);
		json_object_put(warnings);
		return err_code(*e);
	}
	dom = domain_new(def);
	domain_list_add(&dmn->domains, dom);
	r = daemon_domain_start(dmn, dom, flags, e);
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
	unsigned flags, force;

	if (!dom || need_idle(dom, e) < 0 ||
	    param_flag(params, "paused", DRIVER_START_PAUSED, &flags, e) < 0 ||
	    param_flag(params, "force_boot", DRIVER_START_FORCE_BOOT, &force,
		       e) < 0)
		return err_code(*e);
	return job_wait(dmn, dom,
			daemon_domain_start(dmn, dom, flags | force, e), NULL);
}

static int need_active(const struct domain *dom, struct err **e)
{
	if (!domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain is not running");
	return 0;
}

/*
 * The domain named in @params when it is active and no operation is in
 * progress on it; else NULL with @e filled.
 */
struct domain *active_domain(struct daemon *dmn, struct json_object *params,
			     struct err **e)
{
	struct domain *dom = param_domain(dmn, params, e);

	if (!dom || need_active(dom, e) < 0 || need_idle(dom, e) < 0)
		return NULL;
	return dom;
}

/* "mode": "acpi" (the default), "ctrl-alt-del" or "agent". */
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
	else if (streq(m, "agent"))
		*mode = SHUTDOWN_AGENT;
	else
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"unknown shutdown mode '%s' (acpi, "
				"ctrl-alt-del, agent)",
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
	if (mode == SHUTDOWN_AGENT) /* guest-shutdown: methods-agent.c */
		return agent_shutdown(o, dom, reboot, e);
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
	unsigned flags;

	if (!dom ||
	    param_flag(p, "graceful", DRIVER_DESTROY_GRACEFUL, &flags, e) < 0)
		return err_code(*e);
	return job_wait(o, dom, dom->drv->destroy(o, dom, flags, e), NULL);
}

static int m_suspend(void *o, struct json_object *p, struct json_object **r,
		     struct err **e)
{
	struct domain *dom = active_domain(o, p, e);

	if (!dom)
		return err_code(*e);
	if (dom->state == DOMAIN_PAUSED)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain is already paused");
	return job_wait(o, dom, dom->drv->suspend(o, dom, e), NULL);
}

static int m_resume(void *o, struct json_object *p, struct json_object **r,
		    struct err **e)
{
	struct domain *dom = active_domain(o, p, e);

	if (!dom)
		return err_code(*e);
	if (dom->state != DOMAIN_PAUSED)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain is not paused");
	return job_wait(o, dom, dom->drv->resume(o, dom, e), NULL);
}

static int m_info(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	_cleanup_free_ char *managed = NULL;
	struct json_object *o;

	if (!dom)
		return err_code(*e);
	o = summary(dom);
	json_object_object_add(o, "os_type",
			       json_object_new_string(dom->def->os_type));
	json_object_object_add(o, "vcpus",
			       json_object_new_int(dom->def->vcpus_current));
	json_object_object_add(o, "max_memory_kib",
			       json_object_new_uint64(dom->def->memory_kib));
	json_object_object_add(
		o, "used_memory_kib",
		json_object_new_uint64(dom->def->current_memory_kib));
	if (domain_is_active(dom))
		json_object_object_add(o, "started",
				       json_object_new_int64(dom->started));
	if (dom->def->virt == DOMAIN_VIRT_LXC)
		driver_ct_info(dom->def, o);
	if (domain_is_active(dom))
		machined_info(dmn, dom, o);
	managed = daemon_managed_save_path(dmn, dom->def->name);
	json_object_object_add(
		o, "managed_save",
		json_object_new_boolean(access(managed, F_OK) == 0));
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
	struct domain_def shown;
	struct domain_spice spice;
	const struct domain_def *def;
	char *xml;

	if (!dom || json_get_bool_opt(params, "inactive", &inactive, e) < 0)
		return err_code(*e);
	/* a shallow copy without the VNC and SPICE passwords: as libvirt's
	 * dumpxml without --security-info, to any client */
	shown = *(const struct domain_def *)object_xml_def(&dom->obj, inactive);
	shown.display.vnc_passwd = NULL;
	if (shown.display.spice) {
		spice = *shown.display.spice;
		spice.passwd = NULL;
		shown.display.spice = &spice;
	}
	def = &shown;
	/* A running domain's live XML carries its id, as libvirt's. */
	if (domain_is_active(dom) && !inactive)
		xml = domain_def_format_active(def, dom->id);
	else
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
	if (object_set_autostart(&dmn->store, &dom->obj, enable, e) < 0)
		return err_code(*e);
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

		json_object_object_add(
			o, "type",
			json_object_new_string(d->pool	  ? "volume"
					       : d->block ? "block"
							  : "file"));
		json_object_object_add(
			o, "device",
			json_object_new_string(
				d->device == DISK_DEVICE_CDROM	  ? "cdrom"
				: d->device == DISK_DEVICE_FLOPPY ? "floppy"
								  : "disk"));
		json_object_object_add(o, "target",
				       json_object_new_string(d->target));
		/* a volume by its name, as virsh shows it */
		json_object_object_add(
			o, "source",
			json_object_new_string(d->pool ? d->volume
						       : d->source));
		json_object_object_add(
			o, "format",
			json_object_new_string(disk_format_name(d->format)));
		json_object_array_add(arr, o);
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "disks", arr);
	return 0;
}

static struct json_object *iface_json(const struct domain_net *n)
{
	struct json_object *o = json_object_new_object();
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
		 n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	json_object_object_add(
		o, "interface",
		json_object_new_string(domain_net_tap(n) ? domain_net_tap(n)
							 : "-"));
	json_object_object_add(
		o, "type",
		json_object_new_string(domain_net_type_names[n->type]));
	json_object_object_add(
		o, "source",
		json_object_new_string(n->source ? n->source : "-"));
	/* a machine's always has one; a container's veth none ("-", as
	 * virsh prints an absent model) */
	json_object_object_add(
		o, "model", json_object_new_string(n->model ? n->model : "-"));
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

/*
 * The state and reason as libvirt numbers them (virDomainState and the
 * virDomain*Reason enums), which scripts reading domstats compare.
 */
static void libvirt_state(const struct domain *dom, int *state, int *reason)
{
	static const int states[] = {
		[DOMAIN_SHUTOFF] = 5, /* VIR_DOMAIN_SHUTOFF */
		[DOMAIN_RUNNING] = 1, /* VIR_DOMAIN_RUNNING */
		[DOMAIN_PAUSED] = 3,  /* VIR_DOMAIN_PAUSED */
	};
	static const int reasons[] = {
		[REASON_SHUTOFF_UNKNOWN] = 0,
		[REASON_SHUTOFF_SHUTDOWN] = 1,
		[REASON_SHUTOFF_DESTROYED] = 2,
		[REASON_SHUTOFF_CRASHED] = 3,
		[REASON_SHUTOFF_FAILED] = 6,
		[REASON_SHUTOFF_SAVED] = 5,
		[REASON_SHUTOFF_FROM_SNAPSHOT] = 7,
		[REASON_RUNNING_BOOTED] = 1,
		[REASON_RUNNING_UNPAUSED] = 5,
		/* libvirt's fake reboot leaves a domain running (booted) */
		[REASON_RUNNING_REBOOTED] = 1,
		[REASON_RUNNING_UNKNOWN] = 0,
		[REASON_RUNNING_RESTORED] = 3,
		[REASON_PAUSED_USER] = 1,
		[REASON_PAUSED_UNKNOWN] = 0,
		[REASON_PAUSED_CRASHED] = 10, /* VIR_DOMAIN_PAUSED_CRASHED */
	};

	*state = (size_t)dom->state < ARRAY_SIZE(states) ? states[dom->state]
							 : 0;
	*reason = (size_t)dom->reason < ARRAY_SIZE(reasons)
			  ? reasons[dom->reason]
			  : 0;
}

/*
 * libvirt's net.N.* of a running domain: each tap's counters, from the
 * guest's side, whatever the driver. A tap that cannot be read is left
 * out.
 */
static void stats_nets(const struct domain_def *def, struct json_object *s)
{
	struct net_nl *nl = NULL;
	uint64_t v[IFACE_COUNTERS];
	char key[64];

	if (!def->n_nets || net_nl_open(&nl, NULL) < 0)
		return;
	for (size_t i = 0; i < def->n_nets; i++) {
		const char *tap = domain_net_tap(&def->nets[i]);

		if (!tap || iface_guest_counters(nl, tap, v, NULL) < 0)
			continue;
		snprintf(key, sizeof(key), "net.%zu.name", i);
		add_str(s, key, tap);
		for (size_t k = 0; k < IFACE_COUNTERS; k++) {
			snprintf(key, sizeof(key), "net.%zu.%s", i,
				 iface_counter_names[k][1]);
			add_u64(s, key, v[k]);
		}
	}
	net_nl_close(nl);
}

/* Statistics every domain has, from its definition and state. */
static void stats_common(const struct domain *dom, struct json_object *s)
{
	char key[64];

	int state, reason;

	libvirt_state(dom, &state, &reason);
	add_u64(s, "state.state", (uint64_t)state);
	add_u64(s, "state.reason", (uint64_t)reason);
	add_u64(s, "balloon.maximum", dom->def->memory_kib);
	add_u64(s, "balloon.current", dom->def->current_memory_kib);
	add_u64(s, "vcpu.current", dom->def->vcpus_current);
	add_u64(s, "vcpu.maximum", dom->def->vcpus);
	add_u64(s, "block.count", dom->def->n_disks);
	for (size_t i = 0; i < dom->def->n_disks; i++) {
		snprintf(key, sizeof(key), "block.%zu.name", i);
		add_str(s, key, dom->def->disks[i].target);
		snprintf(key, sizeof(key), "block.%zu.path", i);
		if (dom->def->disks[i].source)
			add_str(s, key, dom->def->disks[i].source);
	}
	add_u64(s, "net.count", dom->def->n_nets);
	if (domain_is_active(dom))
		stats_nets(dom->def, s);
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
	for (size_t i = 0; i < dmn->domains.l.n; i++)
		if (!dom || domain_at(&dmn->domains, i) == dom)
			json_object_array_add(
				arr, stats_of(dmn, domain_at(&dmn->domains, i),
					      job));
	if (job->pending == 0) {
		*result = job->result;
		free(job);
		return 0;
	}
	job->call = rpc_server_defer(dmn->rpc);
	return RPC_DEFERRED;
}

/*
 * Every block I/O tunable libvirt reports (virsh blkdeviotune), in its
 * order, of disk @d's <iotune> (0 for those not set; group_name "" when
 * it has no group).
 */
static struct json_object *iotune_all(const struct domain_disk *d)
{
	struct json_object *io = json_object_new_object();

	for (size_t i = 0; i < DOMAIN_IOTUNE_ALL; i++) {
		if (i == DOMAIN_IOTUNE_GROUP)
			add_str(io, domain_iotune_all_names[i],
				d->opts.iotune_group ? d->opts.iotune_group
						     : "");
		else
			add_u64(io, domain_iotune_all_names[i],
				domain_disk_iotune_value(d, i));
	}
	return io;
}

struct domain_def *domain_config_copy(const struct domain *dom, struct err **e)
{
	_cleanup_free_ char *xml = NULL;
	struct domain_def *def = NULL;

	if (!dom->persistent) {
		err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			 "domain '%s' is transient: it has no persistent "
			 "configuration",
			 dom->def->name);
		return NULL;
	}
	xml = domain_def_format(object_xml_def(&dom->obj, true));
	if (domain_def_parse(xml, strlen(xml), &def, NULL, e) < 0)
		return NULL;
	return def;
}

int domain_config_save(struct daemon *dmn, struct domain_def *def,
		       struct err **e)
{
	struct object *obj = NULL;

	if (object_define(&dmn->domains.l, &dmn->store, def, &obj, e) < 0)
		return err_code(*e);
	events_lifecycle(dmn, domain_of(obj), "defined", "updated");
	return 0;
}

int domain_live_split(struct domain *dom, struct err **e)
{
	_cleanup_free_ char *xml = NULL;
	struct domain_def *copy = NULL;

	if (!dom->persistent || dom->newdef)
		return 0;
	xml = domain_def_format(dom->def);
	if (domain_def_parse(xml, strlen(xml), &copy, NULL, e) < 0)
		return err_prefix(e, "a copy of the persistent definition");
	dom->newdef = copy;
	return 0;
}

/* The disk of @def that @key names (its target or its source, as virsh
 * takes either); -1 with @e filled. */
static int find_disk(const struct domain_def *def, const char *key,
		     struct err **e)
{
	for (size_t i = 0; i < def->n_disks; i++)
		if (streq(def->disks[i].target, key) ||
		    (def->disks[i].source && streq(def->disks[i].source, key)))
			return (int)i;
	return err_setk(e, ERR_INVALID_ARG, ENODEV,
			"domain '%s' has no disk '%s'", def->name, key);
}

/* The limits "iotune" of @params asks to set (@given: which), checked:
 * names of domain_iotune_names, numbers. 0 when there is none. */
static int iotune_param(struct json_object *params, uint64_t set[6],
			bool given[6], bool *any, struct err **e)
{
	struct json_object *io = NULL;

	*any = false;
	if (json_get_object_opt(params, "iotune", &io, e) < 0)
		return -EINVAL;
	if (!io)
		return 0;
	json_object_object_foreach (io, key, val) {
		int k = 0;

		while (k < 6 && !streq(key, domain_iotune_names[k]))
			k++;
		if (k == 6)
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"unknown block I/O tunable '%.64s' "
					"(nido sets %s, ... %s)",
					key, domain_iotune_names[0],
					domain_iotune_names[5]);
		if (json_get_uint64(io, key, &set[k], e) < 0)
			return -EINVAL;
		given[k] = *any = true;
	}
	return 0;
}

/*
 * @set applied to @v as libvirt applies it: in each group (bytes, I/O
 * operations), one limit given clears the others not given; a total
 * with a read or write limit is an error.
 */
static int iotune_merge(uint64_t v[6], const uint64_t set[6],
			const bool given[6], struct err **e)
{
	static const char *const groups[] = {"bytes_sec", "iops_sec"};

	for (int g = 0; g < 2; g++) {
		int t = 3 * g;

		if (!given[t] && !given[t + 1] && !given[t + 2])
			continue;
		for (int k = t; k < t + 3; k++)
			v[k] = given[k] ? set[k] : 0;
		if (v[t] && (v[t + 1] || v[t + 2]))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"total and read/write of %s cannot be "
					"set at the same time",
					groups[g]);
	}
	return 0;
}

/* virsh's scope: "live", "config", "current" (neither: the domain's
 * current state). */
int param_scope(const struct domain *dom, struct json_object *params,
		bool *live, bool *config, struct err **e)
{
	bool current = false;

	*live = *config = false;
	if (json_get_bool_opt(params, "live", live, e) < 0 ||
	    json_get_bool_opt(params, "config", config, e) < 0 ||
	    json_get_bool_opt(params, "current", &current, e) < 0)
		return -EINVAL;
	if (current && (*live || *config))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--current excludes --live and --config");
	if (!*live && !*config)
		*(domain_is_active(dom) ? live : config) = true;
	if (*live && !domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' is not running", dom->def->name);
	return 0;
}

/* blkdeviotune --config with limits: the persistent definition's. */
static int iotune_config(struct daemon *dmn, struct domain *dom,
			 const char *key, const uint64_t set[6],
			 const bool given[6], struct err **e)
{
	struct domain_def *def = domain_config_copy(dom, e);
	int i;

	if (!def)
		return err_code(*e);
	if ((i = find_disk(def, key, e)) < 0 ||
	    iotune_merge(def->disks[i].iotune, set, given, e) < 0) {
		domain_def_free(def);
		return err_code(*e);
	}
	return domain_config_save(dmn, def, e);
}

/* blkdeviotune --live: the running domain's, through its driver. */
static int iotune_live(struct daemon *dmn, struct domain *dom, int i,
		       const uint64_t *set, const bool *given,
		       struct json_object **result, struct err **e)
{
	uint64_t v[6];
	int r;

	if (!set && !dom->drv->iotune) {
		*result = json_object_new_object();
		json_object_object_add(*result, "iotune",
				       iotune_all(&dom->def->disks[i]));
		return 0;
	}
	memcpy(v, dom->def->disks[i].iotune, sizeof(v));
	if (set && (iotune_merge(v, set, given, e) < 0 ||
		    domain_live_split(dom, e) < 0))
		return err_code(*e);
	r = dom->drv->iotune(dmn, dom, (size_t)i, set ? v : NULL, e);
	return r == RPC_DEFERRED ? job_wait(dmn, dom, r, NULL) : r;
}

/*
 * virsh setmem: the guest's current memory, at most <memory>: --live
 * through the driver's balloon, --config in the persistent definition
 * (libvirt's rules: neither is the domain's present state).
 */
static int m_setmem(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct domain_def *def;
	bool live, config;
	int64_t kib;
	int r = 0;

	(void)result;
	if (!dom || json_get_int64(params, "memory_kib", &kib, e) < 0 ||
	    param_scope(dom, params, &live, &config, e) < 0)
		return err_code(*e);
	if (kib <= 0 || (uint64_t)kib > dom->def->memory_kib)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"memory %" PRId64 " KiB: it must be positive "
				"and at most the domain's maximum (%" PRIu64
				" KiB)",
				kib, dom->def->memory_kib);
	if (live && !dom->drv->setmem)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver cannot change a running "
				"domain's memory",
				dom->drv->name);
	if (live && need_idle(dom, e) < 0)
		return err_code(*e);
	if (live && dom->def->hw.balloon == BALLOON_NONE)
		return err_setk(e, ERR_OPERATION_INVALID, ENOTSUP,
				"domain '%s' has no balloon device "
				"(<memballoon model='none'>)",
				dom->def->name);
	if (config) {
		if (!(def = domain_config_copy(dom, e)))
			return err_code(*e);
		def->current_memory_kib = (uint64_t)kib;
		if (domain_config_save(dmn, def, e) < 0)
			return err_code(*e);
	}
	if (live) {
		/* the driver writes the live definition's <currentMemory> */
		if (domain_live_split(dom, e) < 0)
			return err_code(*e);
		r = dom->drv->setmem(dmn, dom, (uint64_t)kib, e);
		r = job_wait(dmn, dom, r, NULL);
	}
	return r;
}

/*
 * virsh blkdeviotune: the limits of "device" (a disk's target or
 * source) of "domain". With "iotune" {NAME: N, ...} (the six of
 * domain_iotune_names) sets them, in the "live" domain, its "config"
 * or both (the persistent definition first: it is checked and written
 * at once; the running domain's VMM answers later); without, the result
 * is {"iotune": every tunable, in virsh's order} of one of them.
 */
static int m_blkdeviotune(void *opaque, struct json_object *params,
			  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	uint64_t set[6] = {0};
	bool given[6] = {false}, any, live, config;
	const char *key;
	int i = -1;

	if (!dom || json_get_string(params, "device", &key, e) < 0 ||
	    iotune_param(params, set, given, &any, e) < 0 ||
	    param_scope(dom, params, &live, &config, e) < 0)
		return err_code(*e);
	if (!any && live && config)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--live and --config cannot both be given to "
				"read the limits");
	if (live &&
	    ((i = find_disk(dom->def, key, e)) < 0 || need_idle(dom, e) < 0))
		return err_code(*e);
	if (live && any && !dom->drv->iotune)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver cannot change a running "
				"domain's I/O limits (--config changes its "
				"next start's)",
				dom->drv->name);
	if (config && !any) {
		const struct domain_def *def = object_xml_def(&dom->obj, true);

		if ((i = find_disk(def, key, e)) < 0)
			return err_code(*e);
		*result = json_object_new_object();
		json_object_object_add(*result, "iotune",
				       iotune_all(&def->disks[i]));
		return 0;
	}
	if (config && iotune_config(dmn, dom, key, set, given, e) < 0)
		return err_code(*e);
	return live ? iotune_live(dmn, dom, i, any ? set : NULL, given, result,
				  e)
		    : 0;
}

/* <blkiotune> (containers'): weight and devices, each with path,
 * weight, read_bytes_sec, ...; 0 means not set. */
static struct json_object *blkiotune_json(const struct domain_blkiotune *b)
{
	static const char *const names[BLKIO_N] = {
		"weight", "read_bytes_sec", "write_bytes_sec", "read_iops_sec",
		"write_iops_sec"};
	struct json_object *o = json_object_new_object();
	struct json_object *devs = json_object_new_array();

	add_u64(o, "weight", b->weight);
	for (size_t i = 0; i < b->n_devs; i++) {
		struct json_object *d = json_object_new_object();

		add_str(d, "path", b->devs[i].path);
		for (int k = 0; k < BLKIO_N; k++)
			add_u64(d, names[k], b->devs[i].v[k]);
		json_object_array_add(devs, d);
	}
	json_object_object_add(o, "devices", devs);
	return o;
}

/*
 * The definition's resource limits: memtune (KiB), cputune (shares,
 * microseconds), each disk's iotune and blkiotune; 0 means not set.
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

		add_str(o, "target", d->target);
		json_object_object_add(o, "iotune", iotune_all(d));
		json_object_array_add(disks, o);
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "memtune", mem);
	json_object_object_add(*result, "cputune", cpu);
	json_object_object_add(*result, "disks", disks);
	json_object_object_add(*result, "blkiotune",
			       blkiotune_json(&dom->def->ct.blkio));
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

/*
 * virsh domxml-to-native: "format" qemu-argv, of the domain "domain" (its
 * next start's definition) or of "xml"; the qemu driver's command line.
 */
static int m_to_native(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain_def *own = NULL;
	_cleanup_json_ struct json_object *warnings = NULL;
	_cleanup_free_ char *line = NULL, *monitor = NULL;
	const char *format;
	int r;

	if (json_get_string(params, "format", &format, e) < 0)
		return -EINVAL;
	if (!streq(format, "qemu-argv"))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"unsupported native format '%.32s' "
				"(qemu-argv is)",
				format);
	if (json_object_object_get_ex(params, "xml", NULL)) {
		if (parse_xml_param(params, &own, &warnings, e) < 0)
			return -EINVAL;
	} else {
		struct domain *dom = param_domain(dmn, params, e);
		_cleanup_free_ char *xml = NULL;

		if (!dom)
			return err_code(*e);
		/* a copy: its volumes get looked up */
		xml = domain_def_format(dom->newdef ? dom->newdef : dom->def);
		if (domain_def_parse(xml, strlen(xml), &own, NULL, e) < 0)
			return err_code(*e);
	}
	if (driver_for(own, NULL) != &driver_qemu) {
		r = err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
			     "domain '%s' runs on nido-vmm, not QEMU: it has "
			     "no QEMU command line",
			     own->name);
		goto out;
	}
	if ((r = domain_disks_resolve(dmn, own, e)) < 0)
		goto out;
	monitor = xasprintf("%s/domains/%s.monitor", dmn->store.runtime_dir,
			    own->name);
	r = driver_qemu_native(own, monitor, &line, e);
	if (r == 0) {
		*result = json_object_new_object();
		json_object_object_add(*result, "native",
				       json_object_new_string(line));
	}
out:
	domain_def_free(own);
	return r;
}

const struct rpc_method domain_methods[] = {
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
	{"domain.to_native", m_to_native},
	{"domain.autostart", m_autostart},
	{"domain.blklist", m_blklist, RPC_READ_ONLY},
	{"domain.iflist", m_iflist, RPC_READ_ONLY},
	{"domain.tune", m_tune, RPC_READ_ONLY},
	{"domain.blkdeviotune", m_blkdeviotune},
	{"domain.setmem", m_setmem},
	{"domain.stats", m_stats, RPC_READ_ONLY},
	{"domain.console", m_console},
	{"domain.open_console", console_m_open, 0},
	{"domain.screenshot", screenshot_m_open, 0},
};

const size_t domain_n_methods = ARRAY_SIZE(domain_methods);
