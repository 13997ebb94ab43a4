// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh setvcpus --live on QEMU (driver-qemu.h): QEMU started with
 * -smp N,maxcpus=M offers M - N empty CPU slots (query-hotpluggable-cpus:
 * a CPU type and its socket/core/thread ids, no qom-path while empty);
 * device_add of that type with those ids plugs one, and QEMU's ACPI CPU
 * hotplug tells the guest. The slots are filled lowest first, one
 * command at a time, until the count asked for runs; the live
 * definition's <vcpu current> then says how many did.
 *
 * Fewer: the vCPUs we plugged (ids vcpuN, qom-path under
 * /machine/peripheral; those of -smp cannot go) are removed highest
 * first: device_del asks the guest to eject one (an ACPI eject request),
 * and QEMU's DEVICE_DELETED says it did (then query-cpus-fast counts). As
 * libvirt does, each waits 5 s, then the call fails ("vcpu unplug request timed
 * out"): the request stays with the guest, and a DEVICE_DELETED later still
 * counts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu-priv.h"
#include "daemon/domain.h"
#include "daemon/store.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"

#define UNPLUG_WAIT_MS 5000 /* libvirt's */
#define PERIPHERAL     "/machine/peripheral/"

struct qemu_unplug {
	struct json_object *ids; /* device ids, highest vCPU first (owned) */
	size_t next;
	unsigned count; /* the vCPUs that run once all are removed */
	struct loop_source *timer;
	char *waiting;	 /* the id whose removal is awaited, or NULL */
	unsigned before; /* ... and the vCPUs that ran when it was asked */
};

struct hotadd {
	struct qemu_vm *vm;
	struct json_object *slots; /* the empty ones, lowest first (owned) */
	size_t next;
	unsigned count; /* the vCPUs that run once all are added */
};

static void hotadd_end(struct hotadd *h, int r, const struct err *e)
{
	struct qemu_vm *vm = h->vm;

	json_object_put(h->slots);
	free(h);
	daemon_job_done(vm->dmn, vm->dom, r, NULL, e);
}

/* The live definition counts the vCPUs added so far. */
static void count_added(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *why = NULL;
	struct domain_def *def = vm->dom->def;

	def->vcpus_current++;
	if (store_live_save(&vm->dmn->store, &domain_kind, def, &why) < 0)
		log_warn("domain '%s': %s", def->name, err_msg(why));
}

static void add_next(struct hotadd *h);

static void on_added(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	struct hotadd *h = opaque;

	(void)ret;
	if (r < 0) {
		hotadd_end(h, r, e);
		return;
	}
	count_added(h->vm);
	add_next(h);
}

/* device_add of the next empty slot, or the end when enough run. */
static void add_next(struct hotadd *h)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *args = NULL;
	struct json_object *slot, *props = NULL;
	const char *type = NULL;
	_cleanup_free_ char *id = NULL;

	if (h->vm->dom->def->vcpus_current >= h->count) {
		hotadd_end(h, 0, NULL);
		return;
	}
	if (h->next >= json_object_array_length(h->slots)) {
		err_setk(&e, ERR_OPERATION_FAILED, ENOSPC,
			 "QEMU offers no empty CPU slot for vCPU %u",
			 h->vm->dom->def->vcpus_current);
		hotadd_end(h, -ENOSPC, e);
		return;
	}
	slot = json_object_array_get_idx(h->slots, h->next++);
	json_get_string(slot, "type", &type, NULL);
	json_get_object(slot, "props", &props, NULL);
	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string(type));
	id = xasprintf("vcpu%u", h->vm->dom->def->vcpus_current);
	json_object_object_add(args, "id", json_object_new_string(id));
	json_object_object_foreach (props, k, v)
		json_object_object_add(args, k, json_object_get(v));
	if (qmp_command(h->vm->qmp, "device_add", args, COMMAND_MS, on_added, h,
			&e) < 0)
		hotadd_end(h, err_code(e), e);
}

/* An empty slot QEMU named fully: a type and its ids. */
static bool empty_slot(struct json_object *s)
{
	struct json_object *props;
	const char *type;

	return json_object_is_type(s, json_type_object) &&
	       !json_object_object_get_ex(s, "qom-path", NULL) &&
	       json_get_string(s, "type", &type, NULL) == 0 &&
	       json_get_object(s, "props", &props, NULL) == 0;
}

static void on_slots(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	struct hotadd *h = opaque;
	_cleanup_err_ struct err *bad = NULL;

	if (r < 0) {
		hotadd_end(h, r, e);
		return;
	}
	if (!json_object_is_type(ret, json_type_array)) {
		err_setk(&bad, ERR_OPERATION_FAILED, EPROTO,
			 "query-hotpluggable-cpus: not a list");
		hotadd_end(h, -EPROTO, bad);
		return;
	}
	/* QEMU lists the highest ids first */
	for (size_t i = json_object_array_length(ret); i-- > 0;) {
		struct json_object *s = json_object_array_get_idx(ret, i);

		if (empty_slot(s))
			json_object_array_add(h->slots, json_object_get(s));
	}
	add_next(h);
}

static void unplug_end(struct qemu_vm *vm, int r, const struct err *e)
{
	struct qemu_unplug *u = steal_ptr(vm->unplug);

	if (!u)
		return;
	loop_source_del(vm->dmn->loop, u->timer);
	json_object_put(u->ids);
	free(u->waiting);
	free(u);
	daemon_job_done(vm->dmn, vm->dom, r, NULL, e);
}

void qemu_vm_unplug_release(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *e = NULL;

	if (!vm->unplug)
		return;
	err_set(&e, EIO, "removing vCPUs: QEMU ended");
	unplug_end(vm, -EIO, e);
}

static void del_next(struct qemu_vm *vm);

static void on_unplug_timeout(struct loop *l, void *opaque)
{
	struct qemu_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;

	(void)l;
	loop_source_del(l, steal_ptr(vm->unplug->timer));
	err_setk(&e, ERR_OPERATION_TIMEOUT, ETIMEDOUT,
		 "vcpu unplug request timed out. Unplug result must be "
		 "manually inspected in the domain");
	unplug_end(vm, -ETIMEDOUT, e);
}

/* device_del went through: the guest has 5 s to eject it. */
static void on_deleting(void *opaque, int r, struct json_object *ret,
			const struct err *e)
{
	struct qemu_vm *vm = opaque;
	_cleanup_err_ struct err *bad = NULL;

	(void)ret;
	if (!vm->unplug || !vm->unplug->waiting)
		return; /* ended meanwhile (QEMU went), or deleted already */
	if (r < 0) {
		unplug_end(vm, r, e);
		return;
	}
	vm->unplug->timer =
		loop_timer_add(vm->dmn->loop, UNPLUG_WAIT_MS * 1000000ull, 0,
			       on_unplug_timeout, vm, &bad);
	if (!vm->unplug->timer)
		unplug_end(vm, err_code(bad), bad);
}

/* device_del of the next vCPU, or the end when few enough run. */
static void del_next(struct qemu_vm *vm)
{
	struct qemu_unplug *u = vm->unplug;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *args = json_object_new_object();

	if (vm->dom->def->vcpus_current <= u->count ||
	    u->next >= json_object_array_length(u->ids)) {
		unplug_end(vm, 0, NULL);
		return;
	}
	free(u->waiting);
	u->before = vm->dom->def->vcpus_current;
	u->waiting = xstrdup(json_object_get_string(
		json_object_array_get_idx(u->ids, u->next++)));
	json_object_object_add(args, "id", json_object_new_string(u->waiting));
	if (qmp_command(vm->qmp, "device_del", args, COMMAND_MS, on_deleting,
			vm, &e) < 0)
		unplug_end(vm, err_code(e), e);
}

/* QEMU's count after a vCPU went: the live definition follows, and a
 * removal waiting for it goes on. */
static void on_recount(void *opaque, int r, struct json_object *ret,
		       const struct err *e)
{
	struct qemu_vm *vm = opaque;
	struct domain_def *def = vm->dom->def;
	struct qemu_unplug *u = vm->unplug;
	_cleanup_err_ struct err *why = NULL;
	size_t n;

	(void)e;
	if (r < 0 || !json_object_is_type(ret, json_type_array))
		return;
	n = json_object_array_length(ret);
	if (n < 1 || n > def->vcpus || n == def->vcpus_current)
		return;
	log_info("domain '%s': the guest ejected a vCPU: %zu run", def->name,
		 n);
	def->vcpus_current = (unsigned)n;
	if (store_live_save(&vm->dmn->store, &domain_kind, def, &why) < 0)
		log_warn("domain '%s': %s", def->name, err_msg(why));
	if (u && u->waiting && n < u->before) {
		loop_source_del(vm->dmn->loop, steal_ptr(u->timer));
		free(steal_ptr(u->waiting));
		del_next(vm);
	}
}

/*
 * A device of ours went. For a vCPU we plugged QEMU 7.2 says so for its
 * local APIC ("path" .../vcpuN/lapic, no "device"), and may not for the
 * CPU itself: any event under a vCPU's path makes us ask QEMU how many
 * run (query-cpus-fast, answered once the unplug is over), so that two
 * events for one vCPU count it once.
 */
void qemu_vm_device_deleted(struct qemu_vm *vm, struct json_object *data)
{
	_cleanup_err_ struct err *e = NULL;
	const char *id = NULL, *path = NULL;

	if (!data)
		return;
	json_get_string_opt(data, "device", &id, NULL);
	json_get_string_opt(data, "path", &path, NULL);
	if (!(id && !strncmp(id, "vcpu", 4)) &&
	    !(path &&
	      !strncmp(path, PERIPHERAL "vcpu", strlen(PERIPHERAL "vcpu"))))
		return;
	if (qmp_command(vm->qmp, "query-cpus-fast", NULL, COMMAND_MS,
			on_recount, vm, &e) < 0)
		log_warn("domain '%s': %s", vm->dom->def->name, err_msg(e));
}

/* The vCPUs we plugged, highest first (QEMU lists the highest first). */
static void on_plugged(void *opaque, int r, struct json_object *ret,
		       const struct err *e)
{
	struct qemu_vm *vm = opaque;
	struct qemu_unplug *u = vm->unplug;
	_cleanup_err_ struct err *bad = NULL;
	unsigned current = vm->dom->def->vcpus_current;

	if (!u)
		return;
	if (r < 0) {
		unplug_end(vm, r, e);
		return;
	}
	for (size_t i = 0; json_object_is_type(ret, json_type_array) &&
			   i < json_object_array_length(ret);
	     i++) {
		const char *path = NULL;

		json_get_string_opt(json_object_array_get_idx(ret, i),
				    "qom-path", &path, NULL);
		if (path && !strncmp(path, PERIPHERAL, strlen(PERIPHERAL)))
			json_object_array_add(
				u->ids, json_object_new_string(
						path + strlen(PERIPHERAL)));
	}
	if (json_object_array_length(u->ids) < current - u->count) {
		err_setk(&bad, ERR_OPERATION_INVALID, EINVAL,
			 "cannot remove %u vCPUs: %zu of the %u the domain "
			 "has were hot-added, and QEMU removes only those",
			 current - u->count, json_object_array_length(u->ids),
			 current);
		unplug_end(vm, -EINVAL, bad);
		return;
	}
	del_next(vm);
}

static int unplug(struct qemu_vm *vm, unsigned count, struct err **e)
{
	if (vm->unplug)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"vCPUs are being removed already");
	vm->unplug = xcalloc(1, sizeof(*vm->unplug));
	vm->unplug->ids = json_object_new_array();
	vm->unplug->count = count;
	if (qmp_command(vm->qmp, "query-hotpluggable-cpus", NULL, COMMAND_MS,
			on_plugged, vm, e) < 0) {
		json_object_put(vm->unplug->ids);
		free(steal_ptr(vm->unplug));
		return err_code(*e);
	}
	return RPC_DEFERRED;
}

int qemu_setvcpus(struct daemon *dmn, struct domain *dom, unsigned count,
		  struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	struct hotadd *h;

	(void)dmn;
	if (!vm->qmp_ready || vm->starting || vm->saving)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting or saving");
	if (count < dom->def->vcpus_current)
		return unplug(vm, count, e);
	h = xcalloc(1, sizeof(*h));
	h->vm = vm;
	h->count = count;
	h->slots = json_object_new_array();
	if (qmp_command(vm->qmp, "query-hotpluggable-cpus", NULL, COMMAND_MS,
			on_slots, h, e) < 0) {
		json_object_put(h->slots);
		free(h);
		return err_code(*e);
	}
	return RPC_DEFERRED;
}
