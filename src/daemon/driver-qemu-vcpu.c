// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh setvcpus --live on QEMU (driver-qemu.h): QEMU started with
 * -smp N,maxcpus=M offers M - N empty CPU slots (query-hotpluggable-cpus:
 * a CPU type and its socket/core/thread ids, no qom-path while empty);
 * device_add of that type with those ids plugs one, and QEMU's ACPI CPU
 * hotplug tells the guest. The slots are filled lowest first, one
 * command at a time, until the count asked for runs; the live
 * definition's <vcpu current> then says how many did.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu-priv.h"
#include "daemon/domain.h"
#include "daemon/store.h"
#include "lib/json.h"
#include "lib/log.h"

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

int qemu_setvcpus(struct daemon *dmn, struct domain *dom, unsigned count,
		  struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	struct hotadd *h;

	(void)dmn;
	if (!vm->qmp_ready || vm->starting || vm->saving)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting or saving");
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
