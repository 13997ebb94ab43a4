// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SCSI host devices on the qemu driver (driver-qemu.h), as libvirt's
 * command lines give them: a LUN of a host's SCSI adapter through
 * scsi-generic on a guest's SCSI controller (virtio-scsi: channel,
 * scsi-id, lun; LSI: scsi-id), and a vhost-scsi target (LIO's, named by
 * its wwpn) through vhost-scsi-pci.
 *
 * QEMU opens no /dev path: nidod finds the LUN's /dev/sgN in sysfs and
 * opens it (an fd set, as a USB device's node), and opens
 * /dev/vhost-scsi (vhostfd=). A host without vhost-scsi can hold the
 * definition: a start refuses it by name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon/domain_conf_hostdev.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"

#define SCSI_DEVICES "/sys/bus/scsi/devices"
#define VHOST_SCSI   "/dev/vhost-scsi"
/* the fd sets of the host devices: HOSTDEV_FDSET (driver-qemu-hostdev.c)
 * and the host device's index */
#define SCSI_FDSET 100000

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_int(v));
}

static bool same_place(const struct disk_drive_addr *a,
		       const struct disk_drive_addr *b)
{
	return a->controller == b->controller && a->bus == b->bus &&
	       a->target == b->target && a->unit == b->unit;
}

/* Whether place @p is a SCSI disk's, or one of the @n places in @done
 * (the SCSI host devices' before). */
static bool place_taken(const struct domain_def *def,
			const struct disk_drive_addr *done, size_t n,
			const struct disk_drive_addr *p)
{
	struct disk_drive_addr q;

	for (size_t j = 0; j < def->n_disks; j++) {
		if (def->disks[j].bus != DISK_BUS_SCSI)
			continue;
		qemu_scsi_place(&def->disks[j], &q);
		if (same_place(p, &q))
			return true;
	}
	for (size_t j = 0; j < n; j++)
		if (done[j].set && same_place(p, &done[j]))
			return true;
	return false;
}

/* The places of host devices 0 to @n - 1 into @out (unset for those
 * not SCSI), each after the ones before. */
static void places(const struct domain_def *def, size_t n,
		   struct disk_drive_addr *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct domain_hostdev *h = &def->hostdevs[i];

		out[i] = (struct disk_drive_addr){0};
		if (h->type != HOSTDEV_SCSI)
			continue;
		if (h->drive.set) {
			out[i] = h->drive;
			continue;
		}
		/* libvirt's: controller 0, bus 0, target 0, the first
		 * free unit */
		out[i] = (struct disk_drive_addr){.set = true};
		while (out[i].unit < 16384 && place_taken(def, out, i, &out[i]))
			out[i].unit++;
	}
}

void qemu_scsi_hostdev_place(const struct domain_def *def, size_t i,
			     struct disk_drive_addr *out)
{
	struct disk_drive_addr all[DOMAIN_MAX_HOSTDEVS];

	places(def, i + 1, all);
	*out = all[i];
}

/* Host device @i's place: a controller that has it. */
static int check_place(const struct domain_def *def, size_t i, struct err **e)
{
	const struct domain_hostdev *h = &def->hostdevs[i];
	const struct domain_controller *c;
	struct disk_drive_addr p, all[DOMAIN_MAX_HOSTDEVS];
	char name[HOSTDEV_NAME_MAX];

	domain_hostdev_name(h, name);
	qemu_scsi_hostdev_place(def, i, &p);
	if (!(c = domain_find_controller(def, CONTROLLER_SCSI, p.controller)))
		return err_set(e, ENOTSUP,
			       "host device %s: on SCSI controller %u, which "
			       "the definition does not give (add <controller "
			       "type='scsi' index='%u' model='virtio-scsi'/>)",
			       name, p.controller, p.controller);
	if (p.bus || p.target > 255 || p.unit > 16383 ||
	    (c->model == CONTROLLER_MODEL_LSILOGIC && (p.target || p.unit > 6)))
		return err_set(e, ENOTSUP,
			       "host device %s: <address bus='%u' target='%u' "
			       "unit='%u'> not on its %s controller",
			       name, p.bus, p.target, p.unit,
			       controller_model_names[c->model]);
	for (size_t j = 0; j < def->n_disks; j++) {
		struct disk_drive_addr q;

		if (def->disks[j].bus != DISK_BUS_SCSI)
			continue;
		qemu_scsi_place(&def->disks[j], &q);
		if (same_place(&p, &q))
			return err_set(e, ENOTSUP,
				       "disk '%s' and host device %s at one "
				       "SCSI address (controller %u, target "
				       "%u, unit %u)",
				       def->disks[j].target, name, p.controller,
				       p.target, p.unit);
	}
	places(def, i, all);
	if (place_taken(def, all, i, &p))
		return err_set(e, ENOTSUP,
			       "host device %s: SCSI address controller %u, "
			       "target %u, unit %u used by another host device",
			       name, p.controller, p.target, p.unit);
	return 0;
}

int qemu_check_scsi_hostdevs(const struct domain_def *def, struct err **e)
{
	for (size_t i = 0; i < def->n_hostdevs; i++)
		if (def->hostdevs[i].type == HOSTDEV_SCSI &&
		    check_place(def, i, e) < 0)
			return -ENOTSUP;
	return 0;
}

/* The /dev/sgN of @h's LUN in @out (PATH_MAX); -ENODEV when the host has
 * no such LUN, or it has no SCSI generic node. */
static int find_sg(const struct domain_hostdev *h, char *out)
{
	_cleanup_free_ char *dir = xasprintf(
		SCSI_DEVICES "/%u:%u:%u:%llu/scsi_generic", h->scsi_host,
		h->scsi_bus, h->scsi_target, h->scsi_unit);
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = -ENODEV;

	if (!d)
		return -ENODEV;
	while ((de = readdir(d)))
		if (str_has_prefix(de->d_name, "sg")) {
			snprintf(out, PATH_MAX, "/dev/%s", de->d_name);
			r = 0;
			break;
		}
	closedir(d);
	return r;
}

int qemu_scsi_hostdev_open(const struct domain_hostdev *h, int *fd,
			   struct err **e)
{
	char node[PATH_MAX], name[HOSTDEV_NAME_MAX];

	*fd = -1;
	domain_hostdev_name(h, name);
	if (h->type == HOSTDEV_SCSI_HOST) {
		if ((*fd = open(VHOST_SCSI, O_RDWR | O_CLOEXEC)) >= 0)
			return 0;
		if (errno == ENOENT)
			return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
					"host device %s: " VHOST_SCSI " not "
					"found (the host's vhost_scsi module "
					"is not loaded)",
					name);
		return err_sys(e, errno, "host device %s: '" VHOST_SCSI "'",
			       name);
	}
	if (find_sg(h, node) < 0)
		return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
				"host device %s not found (no such LUN, or "
				"no sg node: the sg module)",
				name);
	*fd = open(node, (h->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (*fd < 0)
		return err_sys(e, errno, "host device %s: '%s'", name, node);
	return 0;
}

void qemu_argv_scsi_hostdev(struct qemu_argv *a, const struct domain_def *def,
			    size_t i, int fd)
{
	const struct domain_hostdev *h = &def->hostdevs[i];
	const struct domain_controller *c;
	struct json_object *b = json_object_new_object();
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("hostdev%zu", i);
	_cleanup_free_ char *node = xasprintf("hostdev%zu-backend", i);
	_cleanup_free_ char *path = NULL, *bus = NULL;
	struct disk_drive_addr p;
	char sg[PATH_MAX];

	if (fd >= 0) {
		_cleanup_free_ char *s =
			xasprintf("fd=%d,set=%d", fd, SCSI_FDSET + (int)i);

		qemu_arg(a, "-add-fd");
		qemu_arg(a, s);
		path = xasprintf("/dev/fdset/%d", SCSI_FDSET + (int)i);
	} else {
		/* domxml-to-native: the node this host has now */
		path = find_sg(h, sg) == 0
			       ? xstrdup(sg)
			       : xasprintf(SCSI_DEVICES "/%u:%u:%u:%llu",
					   h->scsi_host, h->scsi_bus,
					   h->scsi_target, h->scsi_unit);
	}
	add_str(b, "driver", "host_device");
	add_str(b, "filename", path);
	add_str(b, "node-name", node);
	json_object_object_add(b, "read-only",
			       json_object_new_boolean(h->readonly));
	qemu_arg_json(a, "-blockdev", b);
	qemu_scsi_hostdev_place(def, i, &p);
	c = domain_find_controller(def, CONTROLLER_SCSI, p.controller);
	bus = xasprintf("scsi%u.0", p.controller);
	add_str(o, "driver", "scsi-generic");
	add_str(o, "drive", node);
	add_str(o, "id", id);
	add_str(o, "bus", bus);
	if (c && c->model == CONTROLLER_MODEL_VIRTIO_SCSI) {
		add_int(o, "channel", (int)p.bus);
		add_int(o, "scsi-id", (int)p.target);
		add_int(o, "lun", (int)p.unit);
	} else {
		add_int(o, "scsi-id", (int)p.unit);
	}
	if (h->boot_order)
		add_int(o, "bootindex", (int)h->boot_order);
	qemu_arg_json(a, "-device", o);
}

void qemu_argv_vhost_scsi(struct qemu_argv *a, const struct domain_def *def,
			  size_t i, int fd)
{
	static const char *const models[] = {"vhost-scsi-pci", "vhost-scsi-pci",
					     "vhost-scsi-pci-transitional",
					     "vhost-scsi-pci-non-transitional"};
	const struct domain_hostdev *h = &def->hostdevs[i];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("hostdev%zu", i);

	add_str(o, "driver", models[h->vhost_model]);
	add_str(o, "wwpn", h->wwpn);
	if (fd >= 0) { /* else (domxml-to-native) QEMU opens it */
		_cleanup_free_ char *s = xasprintf("%d", fd);

		add_str(o, "vhostfd", s);
	}
	add_str(o, "id", id);
	qemu_json_pci(o, def, QEMU_PCI_HOSTDEV, i);
	qemu_arg_json(a, "-device", o);
}
