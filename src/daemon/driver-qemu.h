/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the qemu driver (driver-qemu.c) offers beside its driver_ops. */
#ifndef NIDO_DAEMON_DRIVER_QEMU_H
#define NIDO_DAEMON_DRIVER_QEMU_H

#include <sched.h>
#include <sys/resource.h>

#include <stddef.h>
#include <sys/types.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"

#define QEMU_DEFAULT_BINARY "qemu-system-x86_64"

/* QEMU's fds: the monitor's listening socket, then each disk's files
 * (chains[i].files[j], in order, each in an fd set of its own). */
#define QEMU_MONITOR_FD	   4
#define QEMU_FIRST_DISK_FD 5

/* A command line: v[n] is NULL; the strings are owned. */
struct qemu_argv {
	char **v;
	size_t n;
};

/*
 * QEMU's command line for @def (checked by driver_qemu_validate()) on
 * @accel ("tcg", "kvm"), @chains the files of each disk. Free with
 * qemu_argv_free().
 */
void qemu_argv_build(struct qemu_argv *a, const char *emulator,
		     const char *accel, const struct domain_def *def,
		     const struct block_chain *chains);
void qemu_argv_free(struct qemu_argv *a);
/* The disks' nodes and devices, their controllers (AHCI, SCSI) and a
 * pflash loader's flash (driver-qemu-argv-disk.c), on @chains. */
void qemu_argv_disks(struct qemu_argv *a, const struct domain_def *def,
		     const struct block_chain *chains);
/* An IDE or SATA disk's bus and unit: its <address>, or libvirt's from
 * its name (hdc: bus 1 unit 0; sdc: unit 2). */
void qemu_drive_place(const struct domain_disk *dk, unsigned *bus,
		      unsigned *unit);
/* No two IDE or SATA disks at one place: 0 or -ENOTSUP with @e. */
int qemu_check_drive_places(const struct domain_def *def, struct err **e);

/*
 * Appends each interface of @def: "-netdev tap,id=hostnetI,fd=N" on the
 * tap nidod opened for it (the taps' fds in QEMU from @first_fd on, in
 * order, after the disks' files), or "-netdev user,id=hostnetI" for a
 * user-mode network (QEMU's own, no tap); and its -device with the MAC.
 */
void qemu_argv_nets(struct qemu_argv *a, const struct domain_def *def,
		    int first_fd);
/* The kinds of PCI devices of a qemu domain, in the order free slots
 * are handed out (driver-qemu-pci.c). */
enum qemu_pci_kind {
	QEMU_PCI_VIDEO,
	QEMU_PCI_NET,
	QEMU_PCI_USB,
	QEMU_PCI_SCSI,	  /* index into def->hw.controllers */
	QEMU_PCI_AHCI,	  /* an i440FX's SATA controller */
	QEMU_PCI_DISK,	  /* virtio disks, index into def->disks */
	QEMU_PCI_HOSTDEV, /* PCI host devices, index into def->hostdevs */
	QEMU_PCI_BALLOON,
	QEMU_PCI_RNG,
	QEMU_PCI_WATCHDOG,
	QEMU_PCI_SERIAL, /* the guest agent's virtio-serial controller */
};
#define QEMU_PCI_KINDS (QEMU_PCI_SERIAL + 1)

struct json_object;
/* Appends @s (copied); -@opt and the JSON of @o (whose reference it
 * takes). */
void qemu_arg(struct qemu_argv *a, const char *s);
void qemu_arg_json(struct qemu_argv *a, const char *opt, struct json_object *o);
/* Whether @def's machine is a Q35. */
bool qemu_is_q35(const struct domain_def *def);

/*
 * The parts of the command line for the machine's devices
 * (driver-qemu-argv-hw.c): the SCSI controllers; the balloon, watchdog
 * and panic device; -cpu for an i686 guest on qemu-system-x86_64; -rtc,
 * -boot and -action for the clock, boot menu and watchdog; a SCSI
 * disk's place in @o; the first interface's boot index (0: none).
 */
void qemu_argv_controllers(struct qemu_argv *a, const struct domain_def *def);
void qemu_argv_hw_devices(struct qemu_argv *a, const struct domain_def *def);

/* What a start of @def needs of this host beyond its files (an audio
 * backend's QEMU module, ...): 0, or -errno with @e naming what is
 * missing (driver-qemu-host.c). */
int qemu_check_host(const struct domain_def *def, struct err **e);

/*
 * Guest memory (driver-qemu-argv-mem.c): the backends of <numa> cells or
 * of all RAM, -numa, mem-merge, mem-lock. qemu_node_pagesize(): the
 * huge page size (KiB) of guest node @node (0 without cells), 0 for
 * ordinary pages; qemu_memory_backend(): whether RAM is a backend object.
 */
void qemu_argv_memory(struct qemu_argv *a, const struct domain_def *def);
uint64_t qemu_node_pagesize(const struct domain_def *def, unsigned node);
bool qemu_memory_backend(const struct domain_def *def);
/* <locked/>: QEMU's RLIMIT_MEMLOCK, as libvirt sets it (the memtune
 * hard limit, else none); 0: leave it. */
rlim_t qemu_memlock_limit(const struct domain_def *def);

/* Host NUMA nodes numbered below this are the ones a nodeset can name
 * (as domain_conf_mem.c reads them). */
#define QEMU_MAX_HOST_NODES 1024

/* Host CPUs numbered below this are the ones a cpuset can name. */
#define QEMU_MAX_HOST_CPUS 4096

/*
 * <vcpu cpuset>: the CPUs QEMU's threads (its vCPUs among them) run on,
 * as libvirt pins them when no <vcpupin> says otherwise; a set of
 * *@size bytes to free(), or NULL without a cpuset.
 */
cpu_set_t *qemu_cpuset_mask(const struct domain_def *def, size_t *size);
void qemu_argv_cpu(struct qemu_argv *a, const char *emulator,
		   const struct domain_def *def);
void qemu_argv_machine_options(struct qemu_argv *a,
			       const struct domain_def *def);
void qemu_json_scsi_disk(struct json_object *o, const struct domain_def *def,
			 const struct domain_disk *d);
int qemu_net_boot_index(const struct domain_def *def);
/* -smp's value: the vCPUs, and <cpu><topology> when given; malloc'ed. */
char *qemu_smp_option(const struct domain_def *def);
/* Adds "bus" and "addr" of device @i of @kind (qemu_pci_slot()) to @o. */
void qemu_json_pci(struct json_object *o, const struct domain_def *def,
		   enum qemu_pci_kind kind, size_t i);

/*
 * The address on the root bus of device @i of @kind: its <address>, or
 * the lowest slot left free by the machine, the addresses given and the
 * devices placed before it. Returns 0 with *@out set, or -1 when @d has
 * no such PCI device or no slot is left.
 */
int qemu_pci_slot(const struct domain_def *d, enum qemu_pci_kind kind, size_t i,
		  struct dev_pci_addr *out);
/* A SCSI disk's controller, target and unit: its <address>, or
 * libvirt's from its name (sda..sdg on controller 0, units 0 to 6). */
void qemu_scsi_place(const struct domain_disk *dk, struct disk_drive_addr *a);
/* The USB controller @d gets: its model, or the machine's default. */
enum usb_model qemu_usb_model(const struct domain_def *d);

/*
 * The qemu driver's checks of the machine's devices
 * (driver-qemu-conf-hw.c): controllers, addresses, balloon, watchdog,
 * panic, clock, features. 0, or -ENOTSUP with @e naming what it cannot
 * run.
 */
int driver_qemu_check_hw(const struct domain_def *d, struct xml_warnings *w,
			 struct err **e);

/*
 * Host devices (driver-qemu-hostdev.c). qemu_argv_hostdevs(): each one's
 * -device (vfio-pci, usb-host); a USB device on the fd @usb_fds[i] in
 * QEMU (-1: an optional device not there, left out), or with @usb_fds
 * NULL on its node's path or ids (domxml-to-native).
 * qemu_check_hostdevs(): what validate refuses of them.
 * qemu_hostdevs_prepare(): at start, gives QEMU's identity @uid ((uid_t)-1:
 * nidod's own) what the devices need: a managed PCI function bound to
 * vfio-pci, its IOMMU group's node; a USB device's node opened into
 * @usb_fds[i] (owned by the caller; -1 for PCI); 0 or -errno with @e
 * naming the device (nothing left done). qemu_hostdevs_release(): undoes
 * it for the first @n host devices (at QEMU's end: all), closing
 * @usb_fds' fds when not NULL. qemu_hostdev_memlock(): @limit raised
 * for VFIO's pinned memory. qemu_boot_per_device(): whether a disk or
 * host device has a <boot order>.
 */
void qemu_argv_hostdevs(struct qemu_argv *a, const struct domain_def *def,
			const int *usb_fds);
int qemu_check_hostdevs(const struct domain_def *def, struct err **e);
int qemu_hostdevs_prepare(const struct domain_def *def, uid_t uid, int *usb_fds,
			  struct err **e);
void qemu_hostdevs_release(const struct domain_def *def, size_t n,
			   int *usb_fds);
rlim_t qemu_hostdev_memlock(const struct domain_def *def, rlim_t limit);
bool qemu_boot_per_device(const struct domain_def *def);

/* QEMU's device for an interface <model type>; NULL: not one we run. */
const char *qemu_net_device(const char *model);

/* The QEMU a domain without <emulator> gets: QEMU_DEFAULT_BINARY found
 * in PATH, else /usr/bin/QEMU_DEFAULT_BINARY; malloc'ed. */
char *driver_qemu_emulator(void);

/*
 * virsh domxml-to-native qemu-argv (driver-qemu-native.c): the command
 * line for @def (parsed and checked, on the qemu driver) as one shell
 * line in *@out (malloc'ed): files by path, the monitor on @monitor,
 * taps as fds. Opens the disks' chains to name their files. 0 or -errno.
 */
int driver_qemu_native(const struct domain_def *def, const char *monitor,
		       char **out, struct err **e);

/*
 * Direct kernel boot (driver-qemu-kernel.c): @def's <kernel> and
 * <initrd>, opened by nidod and copied into sealed memfds, in @fds (-1
 * each when absent); 0 or -errno with @e (nothing left open). Then
 * -kernel, -initrd (QEMU's /proc/self/fd/@first_fd and the next; with
 * @first_fd -1 their paths) and -append.
 */
int driver_qemu_kernel_open(const struct domain_def *def, int fds[2],
			    struct err **e);
void qemu_argv_kernel(struct qemu_argv *a, const struct domain_def *def,
		      int first_fd);

/* Where QEMU's firmware descriptors are, in precedence order
 * (NIDO_QEMU_FIRMWARE_DIRS overrides, colon-separated). */
#define QEMU_FIRMWARE_DIRS "/etc/qemu/firmware:/usr/share/qemu/firmware"

/*
 * Fills what @def's firmware leaves to be chosen (driver-qemu-firmware.c):
 * for <os firmware='efi'> without <loader>, the loader and NVRAM
 * template of the first descriptor for UEFI on flash, x86_64, @def's
 * machine and the features it asks (and those features, as found); for
 * a pflash loader without a template, the template of the descriptor
 * naming that loader; a pflash loader's NVRAM path, NAME_VARS.fd in the
 * directory driver_qemu_set_nvram_dir() gave. Returns 0, or -ENOENT with
 * @e saying what was looked for and where.
 */
int driver_qemu_firmware_fill(struct domain_def *def, struct err **e);
/*
 * A pflash loader's two files for QEMU: @fds[0] the code (read-only),
 * @fds[1] the domain's variable store, made from its template on the
 * first start (root's, 0600: QEMU only gets the fd); both opened by
 * block_safe_open()'s rules. -1 each without a pflash loader. Returns 0
 * or -errno with @e filled (nothing left open).
 */
int driver_qemu_firmware_open(const struct domain_def *def, int fds[2],
			      struct err **e);
struct qmp;
/* A screendump's end: @r 0 and @fd (the caller's: a PPM, read-only), or
 * -errno and @e. */
typedef void (*qemu_screendump_fn)(void *opaque, int r, int fd,
				   const struct err *e);
/*
 * Asks the QEMU behind @q for a screendump into a file made at @path
 * (removed at once; QEMU gets a write-only fd of it through add-fd),
 * and calls @done once. Returns 0, or -errno with @e filled (@done is
 * not called then).
 */
int qemu_screendump(struct qmp *q, const char *path, qemu_screendump_fn done,
		    void *opaque, struct err **e);

/* The end of a QMP exchange of the driver's: @r 0 and @res (a reference
 * taken over; may be NULL), or -errno and @e (borrowed). */
typedef void (*qemu_done_fn)(void *opaque, int r, struct json_object *res,
			     const struct err *e);

/*
 * Block I/O limits (driver-qemu-tune.c), on the device of disk @i
 * (diskI), @v in domain_iotune_names' order. qemu_iotune_set() sets one
 * disk's; qemu_iotune_apply() every disk's <iotune> of @def (at start,
 * before the vCPUs run), @done once all have answered, with the first
 * error; qemu_iotune_get() reads disk @i's back from query-block: @res
 * is {"iotune": {every name of domain_iotune_all_names, in order}}.
 * set and get return 0 (@done is called once) or -errno with @e.
 */
int qemu_iotune_set(struct qmp *q, const struct domain_def *def, size_t i,
		    const uint64_t v[6], qemu_done_fn done, void *opaque,
		    struct err **e);
void qemu_iotune_apply(struct qmp *q, const struct domain_def *def,
		       qemu_done_fn done, void *opaque);
int qemu_iotune_get(struct qmp *q, size_t i, qemu_done_fn done, void *opaque,
		    struct err **e);

/* The balloon device's QOM path (its id is balloon0). */
#define QEMU_BALLOON_PATH "/machine/peripheral/balloon0"

/*
 * domstats from QEMU (driver-qemu-stats.c): adds the vCPUs', disks' and
 * balloon's statistics to @out; returns 0 when none is asked (@done is
 * not called), or RPC_DEFERRED: @done(@opaque) is called once, after
 * the last answer. @def is borrowed until then: the answers come before
 * the domain's QMP connection is freed (an ended domain's with
 * ECANCELED), and that comes before its definition changes.
 */
int qemu_stats_query(struct qmp *q, const struct domain_def *def,
		     struct json_object *out, void (*done)(void *opaque),
		     void *opaque);
/* balloon.rss: the resident memory of QEMU @pid, in KiB, from /proc. */
void qemu_stats_rss(pid_t pid, struct json_object *out);

/* The end of qemu_setup_run(): @r 0, or -errno and @e (borrowed). */
typedef void (*qemu_setup_fn)(void *opaque, int r, const struct err *e);
/*
 * What is set through QMP before the vCPUs run (driver-qemu-setup.c):
 * @def's <iotune>, the balloon's <stats period>, the interfaces whose
 * link starts down; @done once, after the last answer or the first
 * error (which names the step). @def is borrowed until then, as in
 * qemu_stats_query().
 */
void qemu_setup_run(struct qmp *q, const struct domain_def *def,
		    qemu_setup_fn done, void *opaque);

/*
 * The guest's state to (@out) or from a save file open at @fd (borrowed
 * until @done; positioned at the stream), through QEMU's migration
 * stream (driver-qemu-save.c): out, the vCPUs are stopped first; in,
 * QEMU must have been started with -incoming defer. @done once the
 * migration has begun (0) or could not (-errno, @e naming the command);
 * its end is a MIGRATION event, read with qemu_migration_event().
 */
void qemu_migration_begin(struct qmp *q, int fd, bool out, qemu_setup_fn done,
			  void *opaque);

enum qemu_migration {
	QEMU_MIGRATION_OTHER, /* still on its way */
	QEMU_MIGRATION_COMPLETED,
	QEMU_MIGRATION_FAILED, /* failed or cancelled */
};
/* What a MIGRATION event's @data says (untrusted). */
enum qemu_migration qemu_migration_event(struct json_object *data);

/* The directory of the domains' NVRAM files (copied; NULL: none). */
void driver_qemu_set_nvram_dir(const char *dir);

#endif
