// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * State transitions every driver goes through (daemon.h): ids, run-time
 * records, transient domains, definitions changed while a domain ran,
 * restart on reboot, and recovery when the daemon starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/domain-disks.h"
#include "daemon/save-file.h"
#include "daemon/driver.h"
#include "daemon/events.h"
#include "daemon/machined.h"
#include "lib/json.h"
#include "lib/log.h"

/*
 * The drivers built in, by the domain type they run first (the pick
 * rule, driver_for(), may send a kvm domain to the qemu driver).
 */
static const struct {
	enum domain_virt virt;
	const struct driver_ops *ops;
} drivers[] = {
	{DOMAIN_VIRT_KVM, &driver_kvm},
	{DOMAIN_VIRT_QEMU, &driver_qemu},
	{DOMAIN_VIRT_LXC, &driver_ct},
};

/* The last component of @path. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* What <emulator> names: QEMU, nido-vmm, or neither (NULL, @e). */
static const struct driver_ops *driver_of_emulator(const struct domain_def *def,
						   struct err **e)
{
	const char *b = base_name(def->emulator);

	if (str_has_prefix(b, "qemu-system-"))
		return &driver_qemu;
	if (streq(b, "nido-vmm") && def->virt == DOMAIN_VIRT_KVM)
		return &driver_kvm;
	if (streq(b, "nido-vmm"))
		err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
			 "<emulator> '%s': nido-vmm runs type 'kvm' domains, "
			 "not type 'qemu' (TCG)",
			 def->emulator);
	else
		err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
			 "<emulator> '%s': not an emulator nido runs "
			 "(nido-vmm or qemu-system-*)",
			 def->emulator);
	return NULL;
}

/*
 * The pick rule (docs/drivers.md): <emulator> decides when given;
 * type 'qemu' runs on QEMU; type 'kvm' runs on nido-vmm when nido-vmm
 * can run it, else on QEMU with KVM when QEMU can, else it is the kvm
 * driver's to refuse.
 */
const struct driver_ops *driver_for(const struct domain_def *def,
				    struct err **e)
{
	const struct driver_ops *ops = NULL;

	/* a container's <emulator> (libvirt's libvirt_lxc) names no
	 * emulator: the ct driver warns about it */
	if (def->virt == DOMAIN_VIRT_LXC)
		return &driver_ct;
	if (def->emulator)
		return driver_of_emulator(def, e);
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i].virt == def->virt)
			ops = drivers[i].ops;
	if (ops == &driver_kvm && driver_kvm_validate(def, NULL, NULL) < 0 &&
	    driver_qemu_validate(def, NULL, NULL) == 0)
		ops = &driver_qemu;
	return ops;
}

/* The driver a run-time record names (it ran the domain), else the
 * one the definition picks. */
static const struct driver_ops *driver_of_record(const struct domain_def *def,
						 struct json_object *rec,
						 struct err **e)
{
	const char *name = NULL;

	json_get_string_opt(rec, "driver", &name, NULL);
	for (size_t i = 0; name && i < ARRAY_SIZE(drivers); i++)
		if (streq(drivers[i].ops->name, name))
			return drivers[i].ops;
	return driver_for(def, e);
}

static void record_save(struct daemon *dmn, struct domain *dom)
{
	_cleanup_err_ struct err *e = NULL;
	struct json_object *rec = dom->rec;

	json_object_object_add(rec, "id", json_object_new_int(dom->id));
	json_object_object_add(
		rec, "state",
		json_object_new_string(domain_state_name(dom->state)));
	json_object_object_add(
		rec, "reason",
		json_object_new_string(domain_reason_name(dom->reason)));
	json_object_object_add(rec, "started",
			       json_object_new_int64((int64_t)dom->started));
	if (store_runtime_save(&dmn->store, &domain_kind, dom->def->name, rec,
			       &e) < 0)
		log_warn("domain '%s': saving run-time record: %s",
			 dom->def->name, err_msg(e));
}

/* The lifecycle event of a change of state (libvirt's names). */
static void state_event(struct daemon *dmn, const struct domain *dom,
			enum domain_state before)
{
	if (before == DOMAIN_SHUTOFF && dom->reason == REASON_RUNNING_BOOTED)
		events_lifecycle(dmn, dom, "started", "booted");
	else if (before == DOMAIN_SHUTOFF &&
		 dom->reason == REASON_RUNNING_RESTORED)
		events_lifecycle(dmn, dom, "started", "restored");
	else if (dom->reason == REASON_PAUSED_CRASHED)
		events_lifecycle(dmn, dom, "crashed", "panicked");
	else if (before != DOMAIN_PAUSED && dom->state == DOMAIN_PAUSED)
		events_lifecycle(dmn, dom, "suspended", "paused");
	else if (before == DOMAIN_PAUSED && dom->state == DOMAIN_RUNNING)
		events_lifecycle(dmn, dom, "resumed", "unpaused");
}

void daemon_domain_set_state(struct daemon *dmn, struct domain *dom,
			     enum domain_reason reason, struct json_object *rec)
{
	enum domain_state before = dom->state;

	if (rec && rec != dom->rec) {
		json_object_put(dom->rec);
		dom->rec = json_object_get(rec);
	}
	if (!dom->rec)
		dom->rec = json_object_new_object();
	if (dom->id < 0)
		dom->id = dmn->next_id++;
	dom->state = domain_reason_state(reason);
	dom->reason = reason;
	free(dom->detail);
	dom->detail = NULL;
	record_save(dmn, dom);
	log_info("domain '%s' is %s (%s)", dom->def->name,
		 domain_state_name(dom->state), domain_reason_name(reason));
	if (before == DOMAIN_SHUTOFF && dom->state != DOMAIN_SHUTOFF)
		machined_domain_started(dmn, dom);
	state_event(dmn, dom, before);
}

void daemon_job_done(struct daemon *dmn, struct domain *dom, int r,
		     struct json_object *result, const struct err *e)
{
	struct json_object *prepared;

	if (dom->after_stop) {
		domain_after_stop_fn then = steal_ptr(dom->after_stop);

		if (r >= 0 && dom->state != DOMAIN_SHUTOFF) {
			dom->after_stop = then; /* daemon_domain_stopped() */
			return;
		}
		then(dmn, dom, steal_ptr(dom->after_stop_opaque), r, e);
		return;
	}
	prepared = steal_ptr(dom->job_result);
	if (r >= 0 && !result)
		result = json_object_get(prepared);
	json_object_put(prepared);
	if (dom->restoring_managed) {
		_cleanup_free_ char *p =
			daemon_managed_save_path(dmn, dom->def->name);

		/* kept when the restore failed: the state is still there */
		dom->restoring_managed = false;
		if (r >= 0 && unlink(p) < 0 && errno != ENOENT)
			log_warn("domain '%s': removing '%s': %s",
				 dom->def->name, p, strerror(errno));
	}
	rpc_call_done(steal_ptr(dom->job), r, result, e);
}

void daemon_domain_stopped(struct daemon *dmn, struct domain *dom,
			   enum domain_reason reason, const char *detail,
			   bool restart)
{
	_cleanup_err_ struct err *e = NULL;

	log_info("domain '%s' is shut off (%s%s%s)", dom->def->name,
		 domain_reason_name(reason), detail ? ": " : "",
		 detail ? detail : "");
	machined_domain_stopped(dmn, dom);
	if (dom->after_stop && reason == REASON_SHUTOFF_DESTROYED)
		reason = REASON_SHUTOFF_FROM_SNAPSHOT; /* a revert's stop */
	if (dom->job && !dom->after_stop) {
		err_set(&e, EIO, "domain stopped: %s",
			detail ? detail : domain_reason_name(reason));
		daemon_job_done(dmn, dom, -EIO, NULL, e);
		err_free(steal_ptr(e));
	}
	if (dom->priv && dom->drv)
		dom->drv->release(dmn, dom);
	domain_disks_release(dmn, dom->def);
	store_runtime_delete(&dmn->store, &domain_kind, dom->def->name);
	json_object_put(dom->rec);
	dom->rec = NULL;
	dom->state = DOMAIN_SHUTOFF;
	dom->reason = reason;
	free(dom->detail);
	dom->detail = detail ? xstrdup(detail) : NULL;
	events_lifecycle(dmn, dom, "stopped", events_stopped_detail(reason));
	object_apply_newdef(&dom->obj);
	if (restart && !dmn->shutting_down && !dom->after_stop) {
		if (daemon_domain_start(dmn, dom, 0, &e) >= 0)
			return;
		log_error("domain '%s': restarting: %s", dom->def->name,
			  err_msg(e));
		dom->reason = REASON_SHUTOFF_FAILED;
	}
	dom->id = -1;
	if (dom->after_stop) { /* the stop a job asked for: it goes on */
		domain_after_stop_fn then = steal_ptr(dom->after_stop);

		err_set(&e, ESRCH, "domain '%s' went when it stopped",
			dom->def->name);
		then(dmn, dom, steal_ptr(dom->after_stop_opaque),
		     dom->persistent ? 0 : -ESRCH, e);
	}
	object_drop_transient(&dmn->domains.l, &dom->obj);
}

char *daemon_managed_save_path(const struct daemon *dmn, const char *name)
{
	return xasprintf("%s/save/%s.save", dmn->store.state_dir, name);
}

/* Starts @dom, or restores it from @state_fd (>= 0, taken over). */
static int start_or_restore_run(struct daemon *dmn, struct domain *dom,
				unsigned flags, int state_fd, struct err **e)
{
	const struct driver_ops *drv;
	int r;

	/* volumes first: the driver and what it checks depend on them (a
	 * block device or a file) */
	if (domain_disks_resolve(dmn, dom->def, e) < 0 ||
	    (state_fd < 0 && domain_disks_drop_missing(dmn, dom, e) < 0) ||
	    !(drv = driver_for(dom->def, e))) {
		close_safe(state_fd);
		return err_code(*e);
	}
	if (state_fd >= 0 && !drv->restore) {
		close(state_fd);
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver cannot restore a saved state "
				"yet",
				drv->name);
	}
	/* A definition reloaded from disk was not checked by this driver
	 * (nor by this version of it): it is now, before anything runs. */
	if (drv->validate && drv->validate(dom->def, NULL, e) < 0) {
		close_safe(state_fd);
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	dom->drv = drv;
	dom->started = time(NULL);
	if (store_live_save(&dmn->store, &domain_kind, dom->def, e) < 0) {
		close_safe(state_fd);
		return err_prefix(e, "saving the live definition");
	}
	r = state_fd >= 0 ? drv->restore(dmn, dom, state_fd, flags, e)
			  : drv->start(dmn, dom, flags, e);
	if (r >= 0) { /* with what the start found (backing chains) */
		_cleanup_err_ struct err *why = NULL;

		if (store_live_save(&dmn->store, &domain_kind, dom->def, &why) <
		    0)
			log_warn("domain '%s': %s", dom->def->name,
				 err_msg(why));
	}
	if (r < 0) {
		err_mark(e, ERR_OPERATION_FAILED);
		domain_disks_release(dmn, dom->def);
		store_runtime_delete(&dmn->store, &domain_kind, dom->def->name);
		dom->reason = REASON_SHUTOFF_FAILED;
		dom->id = -1;
	}
	return r;
}

/* As start_or_restore_run(); a cold boot that fails gives a persistent
 * domain back the definition it had (disks dropped at the start:
 * domain_disks_drop_missing()). */
static int start_or_restore(struct daemon *dmn, struct domain *dom,
			    unsigned flags, int state_fd, struct err **e)
{
	int r = start_or_restore_run(dmn, dom, flags, state_fd, e);

	if (r < 0 && state_fd < 0 && dom->persistent)
		object_apply_newdef(&dom->obj);
	return r;
}

int daemon_domain_restore(struct daemon *dmn, struct domain *dom,
			  struct domain_def *def, int fd, unsigned flags,
			  bool managed, struct err **e)
{
	int r;

	if (domain_is_active(dom)) {
		if (def != dom->def)
			domain_def_free(def);
		close(fd);
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is already running");
	}
	/* the saved definition runs; the persistent one comes back when
	 * it stops (a new transient domain has it already) */
	if (def != dom->def && dom->persistent) {
		domain_def_free(dom->newdef);
		dom->newdef = dom->def;
		dom->def = def;
	} else if (def != dom->def) {
		domain_def_free(dom->def);
		dom->def = def;
	}
	dom->restoring_managed = managed;
	r = start_or_restore(dmn, dom, flags, fd, e);
	if (r < 0) {
		dom->restoring_managed = false;
		if (dom->persistent)
			object_apply_newdef(&dom->obj);
	}
	return r;
}

/* Starts @dom from its managed save, if it has one (*@none when not),
 * as daemon_domain_restore(). */
static int start_managed(struct daemon *dmn, struct domain *dom, unsigned flags,
			 bool *none, struct err **e)
{
	_cleanup_free_ char *path =
		daemon_managed_save_path(dmn, dom->def->name);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct save_header h = {0};
	struct domain_def *def = NULL;
	int r;

	*none = fd < 0 && errno == ENOENT;
	if (*none)
		return 0;
	if (fd < 0)
		return err_sys(e, errno, "managed save '%s'", path);
	if (save_header_read(fd, path, &h, e) < 0)
		return err_code(*e);
	r = domain_def_parse(h.xml, h.xml_len, &def, NULL, e);
	save_header_clear(&h);
	if (r < 0)
		return err_prefix(e, "managed save '%s'", path);
	return daemon_domain_restore(dmn, dom, def, steal_fd(fd),
				     flags & ~DRIVER_START_FORCE_BOOT, true, e);
}

int daemon_domain_start(struct daemon *dmn, struct domain *dom, unsigned flags,
			struct err **e)
{
	_cleanup_free_ char *managed = NULL;
	int r;

	if (domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is already running");
	if (dom->cloning)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is being cloned: it starts once the "
				"clone's images are made");
	if (!(flags & DRIVER_START_FORCE_BOOT)) {
		bool none = false;

		r = start_managed(dmn, dom, flags, &none, e);
		if (!none)
			return r;
	} else {
		/* virsh start --force-boot: the saved state is dropped */
		managed = daemon_managed_save_path(dmn, dom->def->name);
		unlink(managed);
	}
	return start_or_restore(dmn, dom, flags & ~DRIVER_START_FORCE_BOOT, -1,
				e);
}

/* The domain a run-time record belongs to: the persistent one, with the
 * live definition if it differs, or a new transient one. */
static struct domain *recover_domain(struct daemon *dmn, const char *name,
				     struct err **e)
{
	struct domain *dom = domain_list_find_name(&dmn->domains, name);
	void *live = NULL;

	if (store_live_load(&dmn->store, &domain_kind, name, &live, e) < 0) {
		if (!dom)
			return NULL;
		return dom; /* the persistent definition will do */
	}
	if (!dom) {
		dom = domain_new(live);
		domain_list_add(&dmn->domains, dom);
		return dom;
	}
	dom->newdef = dom->def;
	dom->def = live;
	return dom;
}

static void recover_one(struct daemon *dmn, const char *name)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *rec = NULL;
	struct domain *dom;
	int64_t id = -1;
	int r;

	if (store_runtime_load(&dmn->store, &domain_kind, name, &rec, &e) < 0 ||
	    !(dom = recover_domain(dmn, name, &e))) {
		log_warn("domain '%s': cannot recover: %s", name, err_msg(e));
		store_runtime_delete(&dmn->store, &domain_kind, name);
		return;
	}
	json_get_int64_opt(rec, "id", &id, NULL);
	if (id > 0 && id < INT32_MAX &&
	    !domain_list_find_id(&dmn->domains, (int)id))
		dom->id = (int)id;
	if (dom->id >= dmn->next_id)
		dmn->next_id = dom->id + 1;
	/* the volumes' paths, for what names them (stats, events) */
	if (domain_disks_resolve(dmn, dom->def, &e) < 0) {
		log_warn("domain '%s': %s", name, err_msg(e));
		err_free(steal_ptr(e));
	}
	dom->drv = driver_of_record(dom->def, rec, &e);
	r = dom->drv ? dom->drv->reattach(dmn, dom, rec, &e) : -ENOTSUP;
	if (r == 2) /* gone, and the driver said how it ended */
		return;
	if (r <= 0) {
		if (r < 0)
			log_warn("domain '%s': cannot re-attach: %s", name,
				 err_msg(e));
		machined_domain_stopped(dmn, dom);
		dom->id = -1;
		daemon_domain_stopped(dmn, dom, REASON_SHUTOFF_UNKNOWN,
				      "stopped while the daemon was not "
				      "running",
				      false);
		return;
	}
	log_info("domain '%s': re-attached", name);
}

static void autostart_all(struct daemon *dmn)
{
	for (size_t i = 0; i < dmn->domains.l.n; i++) {
		struct domain *dom = domain_at(&dmn->domains, i);
		_cleanup_err_ struct err *e = NULL;

		if (!dom->autostart || domain_is_active(dom))
			continue;
		if (daemon_domain_start(dmn, dom, 0, &e) < 0)
			log_error("autostarting domain '%s': %s",
				  dom->def->name, err_msg(e));
	}
}

void daemon_domains_recover(struct daemon *dmn)
{
	char **names = store_runtime_names(&dmn->store, &domain_kind);

	dmn->recovering = true;
	for (char **p = names; *p; p++)
		recover_one(dmn, *p);
	dmn->recovering = false;
	store_names_free(names);
	autostart_all(dmn);
}
