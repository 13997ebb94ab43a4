// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A qemu domain's block I/O limits (driver-qemu.h): QMP's
 * block_set_io_throttle on a disk's device (its qdev id, diskI, or its
 * virtio-blk child's QOM path: the -blockdev nodes have no BlockBackend
 * name to throttle by), as libvirt
 * applies <iotune> before the vCPUs run and on blkdeviotune --live; and
 * query-block to read back what QEMU applies. QEMU's answers are
 * untrusted: only numbers of the expected fields are used.
 */
#include <errno.h>

#include "daemon/domain_conf_disk_opts.h"
#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "lib/json.h"

#define TUNE_MS 10000

/* QEMU's name of each of libvirt's tunables (domain_iotune_all_names'
 * order): query-block's "inserted" fields; the first six are also
 * block_set_io_throttle's arguments. */
static const char *const qemu_names[DOMAIN_IOTUNE_ALL] = {
	"bps",
	"bps_rd",
	"bps_wr",
	"iops",
	"iops_rd",
	"iops_wr",
	"bps_max",
	"bps_rd_max",
	"bps_wr_max",
	"iops_max",
	"iops_rd_max",
	"iops_wr_max",
	"iops_size",
	"group",
	"bps_max_length",
	"bps_rd_max_length",
	"bps_wr_max_length",
	"iops_max_length",
	"iops_rd_max_length",
	"iops_wr_max_length",
};

/* One request: @pending answers to wait for (apply: one per disk). */
struct tune_req {
	size_t disk; /* get: the disk asked about */
	char *top;   /* ... its top node (owned; NULL: dI-0) */
	int pending;
	int r; /* the first error */
	struct err *e;
	qemu_done_fn done;
	void *opaque;
};

static void finish(struct tune_req *t, struct json_object *res)
{
	t->done(t->opaque, t->r, res, t->e);
	err_free(t->e);
	free(t->top);
	free(t);
}

/* One block_set_io_throttle: its request, and the disk's name for an
 * error (owned; NULL: none). */
struct set_cmd {
	struct tune_req *t;
	char *target;
};

static void set_answered(struct tune_req *t, int r, const char *target,
			 const struct err *e)
{
	if (r < 0 && t->r == 0)
		t->r = err_set(&t->e, -r, "%s%s%sblock_set_io_throttle: %s",
			       target ? "disk '" : "", target ? target : "",
			       target ? "': " : "", err_msg(e));
	if (--t->pending == 0)
		finish(t, NULL);
}

static void on_set(void *opaque, int r, struct json_object *ret,
		   const struct err *e)
{
	struct set_cmd *c = opaque;

	(void)ret;
	set_answered(c->t, r, c->target, e);
	free(c->target);
	free(c);
}

/* The device that holds disk @i's BlockBackend: a virtio-blk-pci's
 * is its virtio-blk child, as libvirt names it. */
static char *backend_id(const struct domain_def *def, size_t i)
{
	if (def->disks[i].bus == DISK_BUS_VIRTIO)
		return xasprintf("/machine/peripheral/disk%zu/virtio-backend",
				 i);
	return xasprintf("disk%zu", i);
}

static int send_set(struct qmp *q, const struct domain_def *def, size_t i,
		    const char *target, const uint64_t v[6], struct tune_req *t,
		    struct err **e)
{
	_cleanup_json_ struct json_object *args = json_object_new_object();
	_cleanup_free_ char *id = backend_id(def, i);
	struct set_cmd *c = xcalloc(1, sizeof(*c));

	json_object_object_add(args, "id", json_object_new_string(id));
	for (int k = 0; k < 6; k++)
		json_object_object_add(args, qemu_names[k],
				       json_object_new_uint64(v[k]));
	/* the definition's bursts, I/O size and group go along: QEMU
	 * takes the whole set each time */
	for (size_t k = 6; k < DOMAIN_IOTUNE_ALL; k++) {
		uint64_t x = domain_disk_iotune_value(&def->disks[i], k);

		if (k == DOMAIN_IOTUNE_GROUP && def->disks[i].opts.iotune_group)
			json_object_object_add(
				args, qemu_names[k],
				json_object_new_string(
					def->disks[i].opts.iotune_group));
		else if (x)
			json_object_object_add(args, qemu_names[k],
					       json_object_new_uint64(x));
	}
	c->t = t;
	c->target = target ? xstrdup(target) : NULL;
	if (qmp_command(q, "block_set_io_throttle", args, TUNE_MS, on_set, c,
			e) < 0) {
		free(c->target);
		free(c);
		return err_prefix(e, "block_set_io_throttle");
	}
	t->pending++;
	return 0;
}

static struct tune_req *req_new(qemu_done_fn done, void *opaque)
{
	struct tune_req *t = xcalloc(1, sizeof(*t));

	t->done = done;
	t->opaque = opaque;
	return t;
}

int qemu_iotune_set(struct qmp *q, const struct domain_def *def, size_t i,
		    const uint64_t v[6], qemu_done_fn done, void *opaque,
		    struct err **e)
{
	struct tune_req *t = req_new(done, opaque);

	if (send_set(q, def, i, NULL, v, t, e) < 0) {
		free(t);
		return err_code(*e);
	}
	return 0;
}

static bool has_limits(const struct domain_disk *d)
{
	for (int k = 0; k < 6; k++)
		if (d->iotune[k])
			return true;
	return domain_disk_iotune_ext_any(d);
}

void qemu_iotune_apply(struct qmp *q, const struct domain_def *def,
		       qemu_done_fn done, void *opaque)
{
	struct tune_req *t = req_new(done, opaque);

	t->pending = 1; /* this function's: no answer ends it early */
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct domain_disk *d = &def->disks[i];
		_cleanup_err_ struct err *why = NULL;

		if (!has_limits(d))
			continue;
		if (send_set(q, def, i, d->target, d->iotune, t, &why) < 0) {
			/* those sent answer into @t: it ends with them */
			t->pending++;
			set_answered(t, err_code(why), d->target, why);
			break;
		}
	}
	set_answered(t, 0, NULL, NULL);
}

/* The tunables of "inserted" @in, every one of libvirt's in its order
 * (0 or "" for what QEMU does not say). */
static struct json_object *limits_json(struct json_object *in)
{
	struct json_object *io = json_object_new_object();

	for (size_t k = 0; k < DOMAIN_IOTUNE_ALL; k++) {
		const char *name = domain_iotune_all_names[k];
		const char *group = NULL;
		int64_t v = 0;

		if (k == DOMAIN_IOTUNE_GROUP) {
			_cleanup_free_ char *safe = NULL;

			json_get_string_opt(in, qemu_names[k], &group, NULL);
			safe = qmp_printable(group ? group : "", 64);
			json_object_object_add(io, name,
					       json_object_new_string(safe));
			continue;
		}
		if (json_get_int64_opt(in, qemu_names[k], &v, NULL) <= 0 ||
		    v < 0)
			v = 0;
		json_object_object_add(io, name,
				       json_object_new_uint64((uint64_t)v));
	}
	return io;
}

/* query-block: the entry whose medium's top node is the disk's: dI-0,
 * or its copy-on-read filter dI-cor (qemu_disk_top_node()). */
static void on_block(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	struct tune_req *t = opaque;
	_cleanup_free_ char *want =
		t->top ? xstrdup(t->top) : xasprintf("d%zu-0", t->disk);
	_cleanup_free_ char *cor = xasprintf("d%zu-cor", t->disk);
	struct json_object *res = NULL;
	size_t n = json_object_is_type(ret, json_type_array)
			   ? json_object_array_length(ret)
			   : 0;

	t->r = r;
	if (r < 0)
		err_set(&t->e, -r, "query-block: %s", err_msg(e));
	for (size_t k = 0; r == 0 && !res && k < n; k++) {
		struct json_object *b = json_object_array_get_idx(ret, k);
		struct json_object *in = NULL;
		const char *node = NULL;

		if (!json_object_is_type(b, json_type_object) ||
		    json_get_object_opt(b, "inserted", &in, NULL) <= 0 ||
		    json_get_string_opt(in, "node-name", &node, NULL) <= 0 ||
		    (!streq(node, want) && !streq(node, cor)))
			continue;
		res = json_object_new_object();
		json_object_object_add(res, "iotune", limits_json(in));
	}
	if (r == 0 && !res)
		t->r = err_setk(&t->e, ERR_OPERATION_FAILED, ENODEV,
				"query-block: QEMU has no medium on node '%s'",
				want);
	finish(t, res);
}

int qemu_iotune_get(struct qmp *q, size_t i, const char *top, qemu_done_fn done,
		    void *opaque, struct err **e)
{
	struct tune_req *t = req_new(done, opaque);

	t->disk = i;
	t->top = top ? xstrdup(top) : NULL;
	if (qmp_command(q, "query-block", NULL, TUNE_MS, on_block, t, e) < 0) {
		free(t->top);
		free(t);
		return err_prefix(e, "query-block");
	}
	return 0;
}
