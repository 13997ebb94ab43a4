// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A disk's options on its QEMU device and nodes (driver-qemu.h), as
 * libvirt gives them: werror and rerror, virtio-blk's ioeventfd,
 * event_idx and virtio options, the geometry, SCSI's vendor and
 * product, and copy-on-read as a filter node over the disk's top node.
 */
#include <errno.h>

#include "daemon/domain_conf_disk_opts.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

static void add_bool(struct json_object *o, const char *k,
		     enum domain_tristate v)
{
	if (v)
		json_object_object_add(
			o, k, json_object_new_boolean(v == DOMAIN_TRISTATE_ON));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void add_uint(struct json_object *o, const char *k, unsigned v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

/* QEMU's BlockdevOnError name of @p (enospace: "enospc"). */
static const char *on_error(enum disk_error_policy p)
{
	static const char *const names[] = {NULL, "stop", "report", "ignore",
					    "enospc"};

	return names[p];
}

void qemu_json_disk_opts(struct json_object *o, const struct domain_disk *d)
{
	const struct disk_opts *x = &d->opts;
	enum disk_error_policy rerror = x->rerror_policy;

	if (d->bus == DISK_BUS_VIRTIO) {
		qemu_json_virtio(o, &d->virtio);
		add_bool(o, "ioeventfd", x->ioeventfd);
		add_bool(o, "event_idx", x->event_idx);
	}
	if (x->cyls) {
		add_uint(o, "cyls", x->cyls);
		add_uint(o, "heads", x->heads);
		add_uint(o, "secs", x->secs);
		if (x->trans)
			add_str(o, "bios-chs-trans",
				disk_trans_names[x->trans]);
	}
	add_str(o, "vendor", x->vendor);
	add_str(o, "product", x->product);
	/* the read policy follows the write one but for enospace, which
	 * reads never meet */
	if (!rerror && x->error_policy != DISK_ERROR_ENOSPACE)
		rerror = x->error_policy;
	add_str(o, "werror", on_error(x->error_policy));
	add_str(o, "rerror", on_error(rerror));
}

char *qemu_disk_top_node(const struct domain_disk *d, size_t i)
{
	if (d->opts.copy_on_read == DOMAIN_TRISTATE_ON)
		return xasprintf("d%zu-cor", i);
	return xasprintf("d%zu-0", i);
}

void qemu_argv_disk_cor(struct qemu_argv *a, const struct domain_disk *d,
			size_t i)
{
	struct json_object *o;
	_cleanup_free_ char *node = NULL, *below = NULL;

	if (d->opts.copy_on_read != DOMAIN_TRISTATE_ON)
		return;
	o = json_object_new_object();
	node = qemu_disk_top_node(d, i);
	below = xasprintf("d%zu-0", i);
	add_str(o, "driver", "copy-on-read");
	add_str(o, "node-name", node);
	add_str(o, "file", below);
	if (d->discard == DISK_DISCARD_UNMAP)
		add_str(o, "discard", "unmap");
	qemu_arg_json(a, "-blockdev", o);
}

/* Whether disks @a and @b have the same <iotune>. */
static bool same_iotune(const struct domain_disk *a,
			const struct domain_disk *b)
{
	for (size_t k = 0; k < DOMAIN_IOTUNE_ALL; k++)
		if (domain_disk_iotune_value(a, k) !=
		    domain_disk_iotune_value(b, k))
			return false;
	return true;
}

int qemu_check_disk_opts(const struct domain_def *d, struct err **e)
{
	for (size_t i = 0; i < d->n_disks; i++) {
		const struct domain_disk *a = &d->disks[i];

		for (size_t j = i + 1; a->opts.iotune_group && j < d->n_disks;
		     j++) {
			const struct domain_disk *b = &d->disks[j];

			if (b->opts.iotune_group &&
			    streq(a->opts.iotune_group, b->opts.iotune_group) &&
			    !same_iotune(a, b))
				return err_set(
					e, EINVAL,
					"disks '%s' and '%s': one "
					"<iotune><group_name> '%s' "
					"with two sets of limits (QEMU's "
					"throttle group has one)",
					a->target, b->target,
					a->opts.iotune_group);
		}
	}
	return 0;
}
