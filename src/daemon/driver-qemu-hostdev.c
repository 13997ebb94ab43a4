// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host devices on the qemu driver (driver-qemu.h): a PCI function
 * through VFIO (vfio-pci host=), a mediated device (vfio-pci
 * sysfsdev=), a USB device through usb-host on a device node nidod
 * opened (hostdevice=/dev/fdset/N), a host's input device (input-linux,
 * virtio-input-host-pci), as libvirt's command lines give them (SCSI
 * ones: driver-qemu-hostdev-scsi.c).
 *
 * QEMU runs as an identity of its own: a start gives it exactly what
 * its host devices need and no more. A PCI function's IOMMU group node
 * (/dev/vfio/GROUP, found from sysfs) is handed to that identity and
 * given back to root when QEMU ends; a managed function is bound to
 * vfio-pci for the guest and handed back to the host's drivers after
 * (libvirt's nodedev-detach and nodedev-reattach). A USB device's node
 * is opened by nidod and passed as an fd, so QEMU opens no /dev path.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/major.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon/domain_conf_hostdev.h"
#include "daemon/driver-qemu-priv.h"
#include "daemon/driver-qemu.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"

#define PCI_DEVICES  "/sys/bus/pci/devices"
#define MDEV_DEVICES "/sys/bus/mdev/devices"
#define PCI_DRIVERS  "/sys/bus/pci/drivers"
#define USB_DEVICES  "/sys/bus/usb/devices"

static void evdevs_release(const struct domain_def *def);

/* Where a USB device's fd set starts: far above the disks' sets. */
#define HOSTDEV_FDSET 100000

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_int(v));
}

bool qemu_boot_per_device(const struct domain_def *def)
{
	for (size_t i = 0; i < def->n_disks; i++)
		if (def->disks[i].boot_order)
			return true;
	for (size_t i = 0; i < def->n_hostdevs; i++)
		if (def->hostdevs[i].boot_order)
			return true;
	for (size_t i = 0; i < def->n_nets; i++)
		if (def->nets[i].boot_order)
			return true;
	for (size_t i = 0; i < def->display.n_redirdevs; i++)
		if (def->display.redirdevs[i].boot_order)
			return true;
	return false;
}

static void pci_device(struct qemu_argv *a, const struct domain_def *def,
		       size_t i)
{
	const struct domain_hostdev *h = &def->hostdevs[i];
	struct json_object *o = json_object_new_object();
	char name[HOSTDEV_NAME_MAX];
	_cleanup_free_ char *id = xasprintf("hostdev%zu", i);

	add_str(o, "driver", "vfio-pci");
	add_str(o, "host", domain_hostdev_name(h, name));
	add_str(o, "id", id);
	if (h->boot_order)
		add_int(o, "bootindex", (int)h->boot_order);
	qemu_json_pci(o, def, QEMU_PCI_HOSTDEV, i);
	if (h->rom_bar)
		add_int(o, "rombar", h->rom_bar == DOMAIN_TRISTATE_ON);
	if (h->rom_enabled == DOMAIN_TRISTATE_OFF)
		add_str(o, "romfile", ""); /* no ROM at all */
	else if (h->rom_file)
		add_str(o, "romfile", h->rom_file);
	qemu_net_vf_props(o, def, h); /* an <interface type='hostdev'>'s */
	qemu_arg_json(a, "-device", o);
}

/* A mediated device: vfio-pci on its sysfs directory (ramfb's device
 * cannot be unplugged: vfio-pci-nohotplug). */
static void mdev_device(struct qemu_argv *a, const struct domain_def *def,
			size_t i)
{
	const struct domain_hostdev *h = &def->hostdevs[i];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("hostdev%zu", i);
	_cleanup_free_ char *dev = xasprintf(MDEV_DEVICES "/%s", h->mdev_uuid);

	add_str(o, "driver",
		h->ramfb == DOMAIN_TRISTATE_ON ? "vfio-pci-nohotplug"
					       : "vfio-pci");
	add_str(o, "id", id);
	add_str(o, "sysfsdev", dev);
	if (h->display)
		add_str(o, "display",
			h->display == DOMAIN_TRISTATE_ON ? "on" : "off");
	if (h->ramfb == DOMAIN_TRISTATE_ON)
		json_object_object_add(o, "ramfb",
				       json_object_new_boolean(true));
	qemu_json_pci(o, def, QEMU_PCI_HOSTDEV, i);
	qemu_arg_json(a, "-device", o);
}

/* A USB device: its node as the fd nidod passed (@fd >= 0), else
 * (domxml-to-native) its node's path or its ids for QEMU to find. */
static void usb_device(struct qemu_argv *a, const struct domain_def *def,
		       size_t i, int fd)
{
	const struct domain_hostdev *h = &def->hostdevs[i];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("hostdev%zu", i);
	_cleanup_free_ char *node = NULL;

	add_str(o, "driver", "usb-host");
	if (fd >= 0) {
		_cleanup_free_ char *s =
			xasprintf("fd=%d,set=%d", fd, HOSTDEV_FDSET + (int)i);

		qemu_arg(a, "-add-fd");
		qemu_arg(a, s);
		node = xasprintf("/dev/fdset/%d", HOSTDEV_FDSET + (int)i);
	} else if (h->usb_addr) {
		node = xasprintf("/dev/bus/usb/%03u/%03u", h->usb_bus,
				 h->usb_device);
	} else {
		add_int(o, "vendorid", (int)h->vendor);
		add_int(o, "productid", (int)h->product);
	}
	if (node)
		add_str(o, "hostdevice", node);
	add_str(o, "id", id);
	if (h->boot_order)
		add_int(o, "bootindex", (int)h->boot_order);
	if (h->guest_reset) {
		json_object_object_add(
			o, "guest-reset",
			json_object_new_boolean(h->guest_reset !=
						HOSTDEV_RESET_OFF));
		json_object_object_add(
			o, "guest-resets-all",
			json_object_new_boolean(h->guest_reset ==
						HOSTDEV_RESET_ON));
	}
	qemu_json_usb_addr(o, &h->usb);
	qemu_arg_json(a, "-device", o);
}

void qemu_argv_hostdevs(struct qemu_argv *a, const struct domain_def *def,
			const int *usb_fds)
{
	for (size_t i = 0; i < def->n_hostdevs; i++) {
		const struct domain_hostdev *h = &def->hostdevs[i];
		int fd = usb_fds ? usb_fds[i] : -1;

		if (h->type == HOSTDEV_PCI && !h->unassigned)
			pci_device(a, def, i);
		else if (h->type == HOSTDEV_MDEV)
			mdev_device(a, def, i);
		else if (h->type == HOSTDEV_SCSI)
			qemu_argv_scsi_hostdev(a, def, i, fd);
		else if (h->type == HOSTDEV_SCSI_HOST)
			qemu_argv_vhost_scsi(a, def, i, fd);
		else if (h->type == HOSTDEV_USB && (!usb_fds || fd >= 0))
			usb_device(a, def, i, fd);
		/* else an optional USB device not there: left out */
	}
}

int qemu_check_hostdevs(const struct domain_def *def, struct err **e)
{
	char name[HOSTDEV_NAME_MAX];

	if (qemu_check_scsi_hostdevs(def, e) < 0)
		return -ENOTSUP;
	for (size_t i = 0; i < def->n_hostdevs; i++) {
		const struct domain_hostdev *h = &def->hostdevs[i];

		if (h->type == HOSTDEV_USB && qemu_usb_model(def) == USB_NONE)
			return err_set(e, ENOTSUP,
				       "host device %s: a USB device with USB "
				       "controller model 'none'",
				       domain_hostdev_name(h, name));
	}
	return 0;
}

rlim_t qemu_hostdev_memlock(const struct domain_def *def, rlim_t limit)
{
	/* VFIO pins all guest RAM for the device's DMA; libvirt's rule:
	 * the guest's memory and 1 GiB */
	rlim_t need = (rlim_t)def->memory_kib * 1024 + (1ull << 30);

	for (size_t i = 0; i < def->n_hostdevs; i++)
		if ((def->hostdevs[i].type == HOSTDEV_PCI ||
		     def->hostdevs[i].type == HOSTDEV_MDEV) &&
		    !def->hostdevs[i].unassigned)
			return limit == RLIM_INFINITY || limit > need ? limit
								      : need;
	return limit;
}

/* The last component of symbolic link @path in @out (@size bytes);
 * -errno when it is not there. */
static int link_name(const char *path, char *out, size_t size)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	const char *base;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/* Writes @value to sysfs attribute @path. */
static int sysfs_write(const char *path, const char *value, struct err **e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(value);

	if (fd < 0 || write(fd, value, n) != (ssize_t)n)
		return err_sys(e, errno, "writing '%s' to '%s'", value, path);
	return 0;
}

/* A PCI function's driver now, in @drv ("" when none). */
static void pci_driver(const char *addr, char *drv, size_t size)
{
	_cleanup_free_ char *p = xasprintf(PCI_DEVICES "/%s/driver", addr);

	if (link_name(p, drv, size) < 0)
		drv[0] = '\0';
}

/* Binds @addr to vfio-pci, as nodedev-detach: the override, away from
 * its driver, a probe. */
static int pci_detach(const char *addr, const char *drv, struct err **e)
{
	_cleanup_free_ char *over =
		xasprintf(PCI_DEVICES "/%s/driver_override", addr);
	_cleanup_free_ char *unbind = xasprintf(PCI_DRIVERS "/%s/unbind", drv);
	char now[64];

	if (sysfs_write(over, "vfio-pci", e) < 0 ||
	    (*drv && sysfs_write(unbind, addr, e) < 0) ||
	    sysfs_write("/sys/bus/pci/drivers_probe", addr, e) < 0)
		return -EIO;
	pci_driver(addr, now, sizeof(now));
	if (!streq(now, "vfio-pci"))
		return err_set(e, ENODEV,
			       "host PCI device %s: not bound to vfio-pci "
			       "after a probe (is the vfio-pci module "
			       "loaded?)",
			       addr);
	return 0;
}

/* Gives @addr back to the host's drivers, as nodedev-reattach. */
static void pci_reattach(const char *addr)
{
	_cleanup_free_ char *over =
		xasprintf(PCI_DEVICES "/%s/driver_override", addr);
	_cleanup_err_ struct err *e = NULL;
	char drv[64];

	pci_driver(addr, drv, sizeof(drv));
	if (sysfs_write(over, "\n", &e) < 0 ||
	    (streq(drv, "vfio-pci") &&
	     sysfs_write(PCI_DRIVERS "/vfio-pci/unbind", addr, &e) < 0) ||
	    sysfs_write("/sys/bus/pci/drivers_probe", addr, &e) < 0)
		log_warn("host PCI device %s: %s", addr, err_msg(e));
}

/* The IOMMU group of @addr, its node handed to @uid; detached first
 * when managed. */
static int pci_prepare(const struct domain_hostdev *h, uid_t uid,
		       struct err **e)
{
	char addr[HOSTDEV_NAME_MAX], group[32], drv[64];
	_cleanup_free_ char *dev = NULL, *link = NULL, *node = NULL;
	struct stat st;

	domain_hostdev_name(h, addr);
	dev = xasprintf(PCI_DEVICES "/%s", addr);
	if (lstat(dev, &st) < 0)
		return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
				"host PCI device %s not found", addr);
	link = xasprintf("%s/iommu_group", dev);
	if (link_name(link, group, sizeof(group)) < 0)
		return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
				"host PCI device %s has no IOMMU group (the "
				"host's IOMMU is off: intel_iommu=on or "
				"amd_iommu=on)",
				addr);
	pci_driver(addr, drv, sizeof(drv));
	if (!streq(drv, "vfio-pci") && h->managed != DOMAIN_TRISTATE_ON)
		return err_setk(e, ERR_OPERATION_FAILED, EBUSY,
				"host PCI device %s is bound to '%s', not "
				"vfio-pci (bind it, or give managed='yes')",
				addr, *drv ? drv : "no driver");
	if (!streq(drv, "vfio-pci") && pci_detach(addr, drv, e) < 0)
		return -EIO;
	if (h->unassigned)
		return 0; /* detached, not given */
	node = xasprintf("/dev/vfio/%s", group);
	if (uid != (uid_t)-1 && chown(node, uid, (gid_t)-1) < 0)
		return err_sys(e, errno, "host PCI device %s: '%s'", addr,
			       node);
	return 0;
}

/* A mediated device's IOMMU group node handed to @uid. */
static int mdev_prepare(const struct domain_hostdev *h, uid_t uid,
			struct err **e)
{
	_cleanup_free_ char *link =
		xasprintf(MDEV_DEVICES "/%s/iommu_group", h->mdev_uuid);
	_cleanup_free_ char *node = NULL;
	char group[32];

	if (link_name(link, group, sizeof(group)) < 0)
		return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
				"mediated device %s not found (create it "
				"first: mdevctl, or mdev_supported_types)",
				h->mdev_uuid);
	node = xasprintf("/dev/vfio/%s", group);
	if (uid != (uid_t)-1 && chown(node, uid, (gid_t)-1) < 0)
		return err_sys(e, errno, "mediated device %s: '%s'",
			       h->mdev_uuid, node);
	return 0;
}

/* A USB device's idVendor, idProduct, busnum and devnum from sysfs
 * directory @name; false when it has not all four (hubs' interfaces). */
static bool usb_ids(const char *name, unsigned v[4])
{
	static const char *const f[] = {"idVendor", "idProduct", "busnum",
					"devnum"};

	for (int k = 0; k < 4; k++) {
		_cleanup_free_ char *p =
			xasprintf(USB_DEVICES "/%s/%s", name, f[k]);
		_cleanup_free_ char *s = NULL;

		if (file_read_all(p, 4096, &s, NULL, NULL) < 0 ||
		    sscanf(s, k < 2 ? "%x" : "%u", &v[k]) != 1)
			return false;
	}
	return true;
}

/* Finds the USB device @h names: its node in @node (PATH_MAX); 0,
 * -ENODEV when it is not there, or another -errno with @e. */
static int usb_find(const struct domain_hostdev *h, char *node, struct err **e)
{
	unsigned found = 0, bus = h->usb_bus, dev = h->usb_device, v[4];
	char name[HOSTDEV_NAME_MAX];
	struct dirent *de;
	DIR *d;

	/* by ids, and by both where both are given */
	if (h->usb_ids) {
		if (!(d = opendir(USB_DEVICES)))
			return -ENODEV;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && usb_ids(de->d_name, v) &&
			    v[0] == h->vendor && v[1] == h->product &&
			    (!h->usb_addr ||
			     (v[2] == h->usb_bus && v[3] == h->usb_device))) {
				found++;
				bus = v[2];
				dev = v[3];
			}
		closedir(d);
		if (!found)
			return -ENODEV;
		if (found > 1)
			return err_set(e, EEXIST,
				       "several USB devices are %s: give "
				       "<address bus= device=>",
				       domain_hostdev_name(h, name));
	}
	snprintf(node, PATH_MAX, "/dev/bus/usb/%03u/%03u", bus, dev);
	return 0;
}

/* @h's node opened for QEMU in *@fd; -1 for an optional device not
 * there. */
static int usb_prepare(const struct domain_hostdev *h, int *fd, struct err **e)
{
	char node[PATH_MAX], name[HOSTDEV_NAME_MAX];
	int r = usb_find(h, node, e);

	*fd = -1;
	if (r == 0 && (*fd = open(node, O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0)
		r = errno == ENOENT ? -ENODEV : -errno;
	if (r == -ENODEV && h->startup_optional) {
		log_info("host device %s not found: left out "
			 "(startupPolicy='optional')",
			 domain_hostdev_name(h, name));
		return 0;
	}
	if (r == -ENODEV)
		return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
				"host device %s not found",
				domain_hostdev_name(h, name));
	if (r < 0 && r != -EEXIST) /* EEXIST: usb_find() said which */
		return err_sys(e, -r, "host device %s: '%s'",
			       domain_hostdev_name(h, name), node);
	return r;
}

int qemu_hostdevs_prepare(const struct domain_def *def, uid_t uid, int *usb_fds,
			  struct err **e)
{
	size_t i;
	int r = 0;

	for (i = 0; i < def->n_hostdevs; i++)
		usb_fds[i] = -1;
	for (i = 0; i < def->n_hostdevs && r == 0; i++) {
		const struct domain_hostdev *h = &def->hostdevs[i];

		r = h->type == HOSTDEV_PCI    ? pci_prepare(h, uid, e)
		    : h->type == HOSTDEV_MDEV ? mdev_prepare(h, uid, e)
		    : h->type == HOSTDEV_USB
			    ? usb_prepare(h, &usb_fds[i], e)
			    : qemu_scsi_hostdev_open(h, &usb_fds[i], e);
	}
	if (r < 0)
		qemu_hostdevs_release(def, i, usb_fds);
	return r;
}

void qemu_hostdevs_release(const struct domain_def *def, size_t n, int *usb_fds)
{
	if (n >= def->n_hostdevs)
		evdevs_release(def);
	for (size_t i = 0; i < n && i < def->n_hostdevs; i++) {
		const struct domain_hostdev *h = &def->hostdevs[i];
		char addr[HOSTDEV_NAME_MAX], group[32];
		_cleanup_free_ char *link = NULL, *node = NULL;

		if (usb_fds && usb_fds[i] >= 0)
			close(steal_fd(usb_fds[i]));
		if (h->type != HOSTDEV_PCI && h->type != HOSTDEV_MDEV)
			continue;
		domain_hostdev_name(h, addr);
		link = h->type == HOSTDEV_MDEV
			       ? xasprintf(MDEV_DEVICES "/%s/iommu_group",
					   h->mdev_uuid)
			       : xasprintf(PCI_DEVICES "/%s/iommu_group", addr);
		if (link_name(link, group, sizeof(group)) < 0)
			continue; /* nothing was done to it */
		node = xasprintf("/dev/vfio/%s", group);
		if (!h->unassigned && geteuid() == 0 && chown(node, 0, 0) < 0 &&
		    errno != ENOENT)
			log_warn("host device %s: giving '%s' back: %s", addr,
				 node, strerror(errno));
		if (h->type == HOSTDEV_PCI && h->managed == DOMAIN_TRISTATE_ON)
			pci_reattach(addr);
	}
}

/* Input device node @path, opened (not following a last symbolic
 * link, after resolving the others) when it is one: a character device
 * of the input major; -errno with @e naming it otherwise. */
static int evdev_open(const char *path, struct err **e)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	struct stat st;
	int fd;

	if (!real)
		return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
				"input device '%s' not found", path);
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "input device '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    major(st.st_rdev) != INPUT_MAJOR) {
		close(fd);
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENODEV,
				"input device '%s' is not an input device "
				"node (/dev/input/event*)",
				path);
	}
	return fd;
}

int qemu_evdevs_prepare(const struct domain_def *def, uid_t uid, struct err **e)
{
	for (size_t i = 0; i < def->display.n_inputs; i++) {
		const char *p = def->display.inputs[i].evdev;
		int fd;

		if (!p)
			continue;
		if ((fd = evdev_open(p, e)) < 0)
			return fd;
		if (uid != (uid_t)-1 && fchown(fd, uid, (gid_t)-1) < 0) {
			int r = err_sys(e, errno, "input device '%s'", p);

			close(fd);
			return r;
		}
		close(fd);
	}
	return 0;
}

/* The host input devices' nodes given back to root. */
static void evdevs_release(const struct domain_def *def)
{
	for (size_t i = 0; i < def->display.n_inputs; i++) {
		const char *p = def->display.inputs[i].evdev;
		_cleanup_err_ struct err *e = NULL;
		int fd;

		if (!p || geteuid() != 0 || (fd = evdev_open(p, &e)) < 0)
			continue;
		if (fchown(fd, 0, (gid_t)-1) < 0)
			log_warn("input device '%s': giving it back: %s", p,
				 strerror(errno));
		close(fd);
	}
}

int qemu_vm_hostdevs_open(struct qemu_vm *vm, uid_t uid, struct err **e)
{
	const struct domain_def *def = vm->dom->def;

	if (qemu_evdevs_prepare(def, uid, e) < 0) {
		evdevs_release(def);
		return -ENODEV;
	}
	if (!def->n_hostdevs)
		return 0;
	vm->hostdev_fds = xcalloc(def->n_hostdevs, sizeof(*vm->hostdev_fds));
	if (qemu_hostdevs_prepare(def, uid, vm->hostdev_fds, e) < 0) {
		free(steal_ptr(vm->hostdev_fds));
		evdevs_release(def);
		return -ENODEV;
	}
	return 0;
}

void qemu_vm_hostdevs_close_fds(struct qemu_vm *vm)
{
	for (size_t i = 0; vm->hostdev_fds && i < vm->dom->def->n_hostdevs; i++)
		close_safe(vm->hostdev_fds[i]);
	free(steal_ptr(vm->hostdev_fds));
}

int *qemu_vm_hostdev_fds(const struct qemu_vm *vm, int to)
{
	size_t n = vm->dom->def->n_hostdevs;
	int *v;

	if (!vm->hostdev_fds)
		return NULL;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = vm->hostdev_fds[i] >= 0 ? to++ : -1;
	return v;
}

void qemu_argv_input_linux(struct qemu_argv *a, const struct domain_input *in,
			   const char *id)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "qom-type", "input-linux");
	add_str(o, "id", id);
	add_str(o, "evdev", in->evdev);
	if (in->repeat)
		json_object_object_add(
			o, "repeat",
			json_object_new_boolean(in->repeat ==
						DOMAIN_TRISTATE_ON));
	if (in->grab_all)
		json_object_object_add(o, "grab_all",
				       json_object_new_boolean(true));
	if (in->grab_toggle)
		add_str(o, "grab-toggle",
			input_grab_toggle_names[in->grab_toggle]);
	qemu_arg_json(a, "-object", o);
}
