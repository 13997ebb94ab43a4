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
 * The interfaces (driver-qemu-net.c). Appends each interface of @def: its
 * -netdev (a tap's queues and vhost-net fds from @first_fd on, in
 * order, qemu_net_n_fds() of each: the fds iface_setup() opened) and its
 * -device with the MAC and the <driver> options.
 */
void qemu_argv_nets(struct qemu_argv *a, const struct domain_def *def,
		    int first_fd);
/* The fds interface @n takes from nidod: a tap's queues (and as many
 * /dev/vhost-net), a vDPA device's one, or none. */
size_t qemu_net_n_fds(const struct domain_net *n);
/* A VF's properties from its <interface type='hostdev'> (@h->net): the
 * failover_pair_id of <teaming type='transient'>. */
void qemu_net_vf_props(struct json_object *o, const struct domain_def *def,
		       const struct domain_hostdev *h);
/* What the qemu driver runs of the interfaces, checked at define. */
int qemu_check_nets(const struct domain_def *def, struct xml_warnings *w,
		    struct err **e);
/* What only a start can check: a vhost-user backend needs the guest's
 * memory shared. */
int qemu_net_start_check(const struct domain_def *def, struct err **e);
/* The kinds of PCI devices of a qemu domain, in the order free slots
 * are handed out (driver-qemu-pci.c). */
enum qemu_pci_kind {
	QEMU_PCI_VIDEO,
	QEMU_PCI_CONTROLLER, /* PCI controllers, index into
			      * def->hw.controllers */
	QEMU_PCI_NET,
	QEMU_PCI_USB,
	QEMU_PCI_SCSI,	  /* index into def->hw.controllers */
	QEMU_PCI_AHCI,	  /* an i440FX's SATA controller */
	QEMU_PCI_DISK,	  /* virtio disks, index into def->disks */
	QEMU_PCI_HOSTDEV, /* PCI host devices, index into def->hostdevs */
	QEMU_PCI_BALLOON,
	QEMU_PCI_RNG,
	QEMU_PCI_WATCHDOG,
	QEMU_PCI_SERIAL,     /* the guest agent's virtio-serial controller */
	QEMU_PCI_CHR_SERIAL, /* a pci-serial, index into def->serials */
	QEMU_PCI_INPUT,	     /* virtio <input>s, in their order */
	QEMU_PCI_SOUND,	     /* PCI <sound>s, in their order */
	QEMU_PCI_FS,	     /* a machine's <filesystem>s (def->misc) */
	QEMU_PCI_SHMEM,	     /* <shmem>s */
	QEMU_PCI_VSOCK,	     /* the <vsock> */
	QEMU_PCI_MEMDEV,     /* virtio-pmem and virtio-mem <memory>s */
};
#define QEMU_PCI_KINDS (QEMU_PCI_MEMDEV + 1)

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
/* QEMU's environment for <clock offset='timezone'>: nidod's with
 * TZ=zone (the zone checked to be in /usr/share/zoneinfo), in *@envp
 * (NULL-terminated, each string and the array to free); *@envp NULL for
 * the other clocks (QEMU inherits nidod's). 0, or -errno with @e. */
int qemu_clock_env(const struct domain_def *def, char ***envp, struct err **e);
void qemu_argv_hw_devices(struct qemu_argv *a, const struct domain_def *def);

/*
 * <tpm>, <shmem>, a machine's <filesystem>, <vsock>
 * (driver-qemu-devmisc.c). qemu_check_devmisc(): what validate refuses
 * or warns about of them. qemu_argv_devmisc(): the shared memories',
 * filesystems' and vsock's command line; qemu_argv_tpm(): the TPM's, an
 * emulator's control channel on QEMU's fd @tpm_fd (-1: named by its
 * socket, for domxml-to-native). qemu_devmisc_check_host(): what a start
 * needs of the host (the TPM device, /dev/vhost-vsock, the shared
 * directories): 0 or -errno with @e naming what is missing.
 */
int qemu_check_devmisc(const struct domain_def *d, struct xml_warnings *w,
		       struct err **e);
void qemu_argv_devmisc(struct qemu_argv *a, const struct domain_def *def);
void qemu_argv_tpm(struct qemu_argv *a, const struct domain_def *def,
		   int tpm_fd);
int qemu_devmisc_check_host(const struct domain_def *def, struct err **e);
/* Memory devices' backends and -device (driver-qemu-memdev.c). */
void qemu_argv_memdevs(struct qemu_argv *a, const struct domain_def *def);
/*
 * The emulated TPM (driver-qemu-swtpm.c). driver_qemu_set_swtpm_dir():
 * where the domains' TPM states are kept. qemu_swtpm_check(): swtpm and
 * swtpm_setup are installed (0, or -errno with @e). qemu_swtpm_start():
 * for @def's emulated TPM (nothing for another), its state made on the
 * first start and given to QEMU's identity @uid:@gid ((uid_t)-1:
 * nidod's), swtpm started as it, logging to @log_fd, in @child; QEMU's
 * end of its control channel in *@qemu_fd (the caller's; -1: no TPM).
 * qemu_helper_stop(): waits for a helper (swtpm, virtiofsd) to end
 * after QEMU (a second), else kills it; nothing when @child has no pid.
 * qemu_swtpm_forget(): at undefine, removes the state of @def's emulated TPM
 * unless persistent_state='yes' (libvirt's rule).
 */
struct spawn_child;
struct domain_vfs;
void driver_qemu_set_swtpm_dir(const char *dir);
int qemu_swtpm_check(struct err **e);
int qemu_swtpm_start(const struct domain_def *def, uid_t uid, gid_t gid,
		     int log_fd, struct spawn_child *child, int *qemu_fd,
		     struct err **e);
void qemu_helper_stop(struct spawn_child *child);
void qemu_swtpm_forget(const struct domain_def *def);

/*
 * virtiofsd (driver-qemu-virtiofs.c). qemu_virtiofsd_needed(): whether
 * nidod starts one for @fs (virtiofs on a <source dir>).
 * qemu_virtiofsd_start(): one per such filesystem of @def, as root,
 * on a socket made at @sock_base.fsI and gone once connected; their
 * processes in @children[i] and QEMU's ends in @qemu_fds[i] (both with
 * def->misc->n_vfs entries, -1 where none); 0, or -errno with @e and
 * nothing left running. qemu_virtiofsd_stop(): closes the first @n fds
 * (@qemu_fds may be NULL) and ends the processes.
 * qemu_argv_virtiofs(): their chardevs (fds from @first_fd on, in
 * order; -1: by a placeholder path) and vhost-user-fs-pci devices.
 */
bool qemu_virtiofsd_needed(const struct domain_vfs *fs);
int qemu_virtiofsd_start(const struct domain_def *def, const char *sock_base,
			 int log_fd, struct spawn_child *children,
			 int *qemu_fds, struct err **e);
void qemu_virtiofsd_stop(struct spawn_child *children, int *qemu_fds, size_t n);
void qemu_argv_virtiofs(struct qemu_argv *a, const struct domain_def *def,
			int first_fd);

/* The server socket of a <shmem><server/> without a path. */
#define QEMU_SHMEM_SERVER_DIR "/var/lib/nido"

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
/* Where <memoryBacking><source type='file'> puts guest RAM (libvirt's
 * memory_backing_dir): QEMU makes an unlinked file there. */
#define QEMU_MEMORY_BACKING_DIR "/dev/shm"
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
/* A host CPU list checked when defined ("0-3,^2,8") as a set of *@size
 * bytes to free(). */
cpu_set_t *qemu_cpuset_parse(const char *list, size_t *size);
void qemu_argv_cpu(struct qemu_argv *a, const char *emulator,
		   const struct domain_def *def);
void qemu_argv_machine_options(struct qemu_argv *a,
			       const struct domain_def *def);
void qemu_json_scsi_disk(struct json_object *o, const struct domain_def *def,
			 const struct domain_disk *d);
/* A SCSI controller model whose disks have a target and no LUN (the
 * LSI, the AM53C974 and DC390 ESPs). */
bool qemu_scsi_unit_only(enum controller_model m);
/* A virtio controller's <driver> as QEMU's properties, into @o. */
void qemu_json_virtio_driver(struct json_object *o,
			     const struct controller_driver *v);
int qemu_net_boot_index(const struct domain_def *def);
/* The -cpu properties of <cpu><cache>/<maxphysaddr> and of the
 * <features> that shape the vCPUs (driver-qemu-cpu.c): ",a=b,..." or
 * "", malloc'ed. */
char *qemu_cpu_props(const struct domain_def *def);
/* -accel's value when the accelerator takes properties (KVM's dirty
 * ring), else NULL (-machine accel= says it); malloc'ed. */
char *qemu_accel_option(const struct domain_def *def, const char *accel);
/* The rules for them: refused combinations, KVM-only ones warned about
 * with TCG. */
int qemu_check_cpu_features(const struct domain_def *d, struct xml_warnings *w,
			    struct err **e);
/* <iommu> and <ioapic driver='qemu'> (driver-qemu-platform.c): their
 * options, and the machines and accelerators that have them. */
void qemu_argv_platform(struct qemu_argv *a, const struct domain_def *def);
int qemu_check_platform(const struct domain_def *d, struct err **e);
/* -m's value: the size, and with <maxMemory> the slots and maximum
 * memory hotplug may reach; malloc'ed. */
char *qemu_memory_option(const struct domain_def *def);
/* -smp's value: the vCPUs, and <cpu><topology> when given; malloc'ed. */
char *qemu_smp_option(const struct domain_def *def);
/* Adds "bus" and "addr" of device @i of @kind (qemu_pci_slot()) to @o. */
void qemu_json_pci(struct json_object *o, const struct domain_def *def,
		   enum qemu_pci_kind kind, size_t i);
/* <genid>, <vmcoreinfo>, <vmport>, <tseg>, <pcihole64>, <bios
 * rebootTimeout> (driver-qemu-machine-opts.c): their options, and the
 * machine they need. */
void qemu_argv_machine_extras(struct qemu_argv *a,
			      const struct domain_def *def);
int qemu_check_machine_opts(const struct domain_def *d, struct err **e);
/* Disk @d's options on its -device @o (driver-qemu-disk-opts.c). */
int qemu_check_disk_opts(const struct domain_def *d, struct err **e);
void qemu_json_disk_opts(struct json_object *o, const struct domain_disk *d);
/* The node disk @i's device reads: its format node dI-0, or the
 * copy-on-read filter over it (dI-cor); malloc'ed. */
char *qemu_disk_top_node(const struct domain_disk *d, size_t i);
/* The copy-on-read filter node of disk @i, when it asks for one. */
void qemu_argv_disk_cor(struct qemu_argv *a, const struct domain_disk *d,
			size_t i);
/* Adds the virtio options @v gives (iommu_platform, ats, packed,
 * page-per-vq) to virtio device @o (driver-qemu-virtio.c). */
void qemu_json_virtio(struct json_object *o,
		      const struct domain_virtio_opts *v);
/* The "bus" and "addr" of PCI address @p in @o (and multifunction=on
 * between them when @multifunction). */
void qemu_json_pci_at(struct json_object *o, const struct domain_def *def,
		      const struct dev_pci_addr *p, bool multifunction);

/*
 * The PCI address of device @i of @kind: its <address>, or where the
 * plan places it after the machine's slots, the addresses given and the
 * devices placed before it. Returns 0 with *@out set, or -1 when @d has
 * no such PCI device or no slot is left.
 */
int qemu_pci_slot(const struct domain_def *d, enum qemu_pci_kind kind, size_t i,
		  struct dev_pci_addr *out);
/* Calls @fn for each PCI device of @d in plan order, with its address
 * (not set: no place left); stops at and returns @fn's first non-zero
 * answer. */
typedef int (*qemu_pci_plan_fn)(enum qemu_pci_kind kind, size_t i,
				const struct dev_pci_addr *a, void *opaque);
int qemu_pci_plan(const struct domain_def *d, qemu_pci_plan_fn fn,
		  void *opaque);
/*
 * The PCI topology (driver-qemu-pcibus.c): qemu_check_pci_controller()
 * refuses a PCI controller the machine has not (or a root not at index
 * 0, an expander bus's NUMA node the guest has not);
 * qemu_check_pci_topology() refuses a device on a bus no controller
 * gives, on a bus that does not take its kind, at a slot the bus has
 * not or another device holds, and a device left without a place.
 * qemu_argv_pci_controllers(): their -device, parents first.
 * qemu_pci_bus_id(): QEMU's id of bus @bus ("pci.0", "pcie.0",
 * "pci.N"), malloc'ed. qemu_pci_multifunction(): whether @a needs
 * multifunction on (function 0 of a slot other functions share).
 */
int qemu_check_pci_controller(const struct domain_def *d,
			      const struct domain_controller *c,
			      struct err **e);
int qemu_check_pci_topology(const struct domain_def *d, struct err **e);
void qemu_argv_pci_controllers(struct qemu_argv *a,
			       const struct domain_def *def);
char *qemu_pci_bus_id(const struct domain_def *def, unsigned bus);
bool qemu_pci_multifunction(const struct domain_def *def,
			    const struct dev_pci_addr *a);
/* A SCSI disk's controller, target and unit: its <address>, or
 * libvirt's from its name (sda..sdg on controller 0, units 0 to 6). */
void qemu_scsi_place(const struct domain_disk *dk, struct disk_drive_addr *a);
/*
 * The display (driver-qemu-display.c). qemu_check_videos(),
 * qemu_check_spice(): what the driver accepts of the <video> cards and
 * of SPICE. qemu_argv_videos(), qemu_argv_spice(): their command line
 * (SPICE on the ports qemu_spice_ports_take() gave, else on free ones
 * found now). qemu_video_at(): the index in def->display.videos of card
 * @i in command-line order (the primary first).
 */
#define QEMU_SPICE_TLS_DIR "/etc/pki/nido-spice"
int qemu_check_videos(const struct domain_def *d, struct xml_warnings *w,
		      struct err **e);
int qemu_check_spice(const struct domain_def *d, struct err **e);
void qemu_argv_videos(struct qemu_argv *a, const struct domain_def *def);
void qemu_argv_spice(struct qemu_argv *a, const struct domain_def *def);
/* -vnc for a VNC server on a socket or on none. */
void qemu_argv_vnc_socket(struct qemu_argv *a, const struct domain_def *def);
size_t qemu_video_at(const struct domain_def *def, size_t i);
/* <input>s on USB and virtio, <hub>s, <sound>s: their -device; what
 * they need of the USB controller. */
void qemu_argv_inputs(struct qemu_argv *a, const struct domain_def *def);
int qemu_check_usb_devices(const struct domain_def *d, struct err **e);
/* <sound>s: their <audio> exists; one PC speaker. */
int qemu_check_sounds(const struct domain_def *d, struct err **e);
/* A start's SPICE ports: the definition's, or (autoport) free ones
 * nidod reserves until qemu_spice_ports_release(); into @def's
 * spice->port_live and tls_port_live. _keep(): a re-attached domain's,
 * from its record. */
int qemu_spice_ports_take(struct domain_def *def, struct err **e);
void qemu_spice_ports_keep(struct domain_def *def, int port, int tls);
void qemu_spice_ports_release(struct domain_def *def);
/* What a start needs of the host for the display: the certificates a
 * SPICE TLS port needs in QEMU_SPICE_TLS_DIR, an emulated smartcard's
 * NSS database. */
int qemu_display_check_host(const struct domain_def *def, struct err **e);

/* The USB controller @d gets: its model, or the machine's default. */
enum usb_model qemu_usb_model(const struct domain_def *d);

/*
 * USB beyond index 0's controller (driver-qemu-usb.c).
 * qemu_usb_master(): the controller of the @i-th other index (from 1,
 * by index), NULL past the last; QEMU_PCI_USB's device @i.
 * qemu_usb_has_companions(): whether index @index has ICH9 companions
 * (its EHCI then at function 7). qemu_usb_companion_pci(): where
 * companion @j of def->display.usb_more sits: its <address>, or its
 * EHCI's slot at function 0-2 by model; -1 without one.
 * qemu_argv_usb_controllers(): every controller's -device, index 0's
 * first, each one's companions after it. qemu_argv_redirdevs(): the
 * <redirdev>s' usb-redir with a port given (@with_port) or without.
 * qemu_check_usb_more(): companions in their EHCI's slot, a spicevmc
 * redirdev beside SPICE.
 */
const struct domain_usb_ctl *qemu_usb_master(const struct domain_def *d,
					     size_t i);
bool qemu_usb_has_companions(const struct domain_def *d, unsigned index);
int qemu_usb_companion_pci(const struct domain_def *d, size_t j,
			   struct dev_pci_addr *out);
void qemu_argv_usb_controllers(struct qemu_argv *a,
			       const struct domain_def *def);
void qemu_argv_redirdevs(struct qemu_argv *a, const struct domain_def *def,
			 bool with_port);
/* An evdev <input>'s -object input-linux, as "@id"
 * (driver-qemu-hostdev.c). qemu_evdevs_prepare(): the host input
 * devices' nodes (evdev and passthrough <input>s) handed to @uid (none
 * when -1), QEMU opening them by path (input-linux and
 * virtio-input-host take no fd); each must be an input device node. 0,
 * or -errno with @e naming the device. */
int qemu_evdevs_prepare(const struct domain_def *def, uid_t uid,
			struct err **e);
void qemu_argv_input_linux(struct qemu_argv *a, const struct domain_input *in,
			   const char *id);
int qemu_check_usb_more(const struct domain_def *d, struct err **e);
/* A USB device's "bus" (its controller's: usb.0, usbN.0) and "port"
 * in @o; the root ports of the controller of index @bus (an EHCI's 6, a
 * UHCI's 2, an xHCI's 2 x ports=). */
void qemu_json_usb_addr(struct json_object *o, const struct usb_addr *u);
unsigned qemu_usb_root_ports(const struct domain_def *d, unsigned bus);
/* A disk on bus 'usb' (usb-storage): a disk, not a cdrom, without a
 * drive <address>, on a USB controller; removable= only there. 0 or
 * -ENOTSUP with @e. qemu_argv_usb_disks(): their -device, after the
 * USB controllers (driver-qemu-argv-disk.c). */
int qemu_check_usb_disk(const struct domain_def *d,
			const struct domain_disk *dk, struct err **e);
void qemu_argv_usb_disks(struct qemu_argv *a, const struct domain_def *def);

/*
 * The qemu driver's checks of the machine's devices
 * (driver-qemu-conf-hw.c): controllers, addresses, balloon, watchdog,
 * panic, clock, features. 0, or -ENOTSUP with @e naming what it cannot
 * run.
 */
int driver_qemu_check_hw(const struct domain_def *d, struct xml_warnings *w,
			 struct err **e);

/*
 * SCSI host devices (driver-qemu-hostdev-scsi.c): a host's LUN on
 * scsi-generic (its /dev/sgN, found through sysfs, opened by nidod and
 * passed in an fd set), a vhost-scsi target on vhost-scsi-pci (nidod
 * opens /dev/vhost-scsi: vhostfd=). qemu_scsi_hostdev_place(): where
 * host device @i sits on the guest's SCSI controllers: its <address
 * type='drive'>, or the first place no disk or host device before it
 * has. qemu_scsi_hostdev_open(): the node of @h opened into *@fd;
 * -ENODEV with @e naming it when the host has none.
 */
void qemu_scsi_hostdev_place(const struct domain_def *def, size_t i,
			     struct disk_drive_addr *out);
int qemu_check_scsi_hostdevs(const struct domain_def *def, struct err **e);
void qemu_argv_scsi_hostdev(struct qemu_argv *a, const struct domain_def *def,
			    size_t i, int fd);
void qemu_argv_vhost_scsi(struct qemu_argv *a, const struct domain_def *def,
			  size_t i, int fd);
int qemu_scsi_hostdev_open(const struct domain_hostdev *h, int *fd,
			   struct err **e);

/*
 * Host devices (driver-qemu-hostdev.c). qemu_argv_hostdevs(): each one's
 * -device (vfio-pci, usb-host, scsi-generic, vhost-scsi-pci); a USB or
 * SCSI device on the fd @usb_fds[i] in QEMU (-1: an optional device not
 * there, left out), or with @usb_fds NULL on its node's path or ids
 * (domxml-to-native).
 * qemu_check_hostdevs(): what validate refuses of them.
 * qemu_hostdevs_prepare(): at start, gives QEMU's identity @uid ((uid_t)-1:
 * nidod's own) what the devices need: a managed PCI function bound to
 * vfio-pci, a PCI function's or mediated device's IOMMU group's node; a
 * USB or SCSI device's node (/dev/vhost-scsi for a scsi_host one)
 * opened into @usb_fds[i] (owned by the caller; -1 for PCI); 0 or -errno
 * with @e
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
 * Direct kernel boot (driver-qemu-kernel.c): @def's <kernel>, <initrd>
 * and BIOS <loader>, opened by nidod and copied into sealed memfds, in
 * @fds (-1 each when absent); 0 or -errno with @e (nothing left open).
 * Then -bios, -kernel, -initrd (QEMU's /proc/self/fd/@first_fd and the
 * next ones, the loader's last; with @first_fd -1 their paths) and
 * -append.
 */
int driver_qemu_kernel_open(const struct domain_def *def, int fds[3],
			    struct err **e);
void qemu_argv_kernel(struct qemu_argv *a, const struct domain_def *def,
		      int first_fd);

/*
 * Serial ports and rngs' EGD sockets (driver-qemu-chr.c).
 * qemu_chr_open() opens, binds or connects what @def's serial ports and
 * rngs name on the host (files, ttys, unix
 * sockets: docs/security.md says which) into @fds, qemu_chr_n_fds() of
 * them; 0 or -errno with @e (nothing left open). qemu_argv_chardevs()
 * appends each port's -chardev (its fds QEMU's @first_fd on, its fd
 * sets from @first_set; natively, @first_fd -1: by path) and -device.
 * qemu_chr_check_dirs(): each directory above @path is one only root
 * or nidod's user changes (where nidod binds sockets).
 */
size_t qemu_chr_n_fds(const struct domain_def *def);

/*
 * The displays QEMU draws (driver-qemu-graphics.c): -display (none
 * without one); what a definition must say of them (one local display,
 * egl-headless beside VNC or SPICE, one with OpenGL, an <audio> of type
 * spice or dbus beside its server); what the host must have at start
 * (QEMU's module, an X display, a render node, a bus), each missing one
 * named; the environment QEMU needs for them (*@env: NULL for the
 * daemon's, else a malloc'ed array replaced).
 */
void qemu_argv_display(struct qemu_argv *a, const struct domain_def *def);
/* A static DAC <seclabel>'s user and group into *@uid, *@gid: 1; 0
 * without one; -errno with @e (unknown, root, or another user than
 * nidod's when nidod is not root). driver-qemu-seclabel.c. */
int qemu_seclabel_ids(const struct domain_def *def, uid_t *uid, gid_t *gid,
		      struct err **e);
/* VNC's share=, power-control=, websocket= (malloc'ed, "" for none),
 * each with its leading comma. */
char *qemu_vnc_options(const struct domain_def *def);
int qemu_check_local_display(const struct domain_def *d, struct err **e);
int qemu_graphics_check_host(const struct domain_def *def, struct err **e);
void qemu_graphics_env(const struct domain_def *def, char ***env);
/* A spicevmc or spiceport chardev needs the SPICE server, a dbus one
 * the D-Bus display: 0, or -ENOTSUP with @e naming the device when @def
 * has none. */
int qemu_chr_check_spice(const struct domain_def *def, struct err **e);

/*
 * virtio-serial (driver-qemu-vserial.c): the controllers' indexes QEMU
 * gets (given, or implied by a channel or virtio console), ascending,
 * into @idx, their count returned; a controller's <address> (unset when
 * implied); each channel's and virtio console's controller and port
 * (0, or -errno with @e naming the channel or console that has none);
 * a channel's chardev id (and its port's in *@port_id); the controllers
 * and ports on the command line.
 */
struct qemu_vserial_plan {
	unsigned ctl[256]; /* the controllers' indexes, ascending */
	size_t n_ctl;
	unsigned chan_ctl[DOMAIN_MAX_CHANNELS], chan_nr[DOMAIN_MAX_CHANNELS];
	unsigned con_ctl[DOMAIN_MAX_CHARDEVS], con_nr[DOMAIN_MAX_CHARDEVS];
};
size_t qemu_vserial_controllers(const struct domain_def *d, unsigned idx[256]);
const struct dev_pci_addr *qemu_vserial_pci(const struct domain_def *d,
					    unsigned index);
int qemu_vserial_plan(const struct domain_def *d, struct qemu_vserial_plan *p,
		      struct err **e);
char *qemu_channel_ids(const struct domain_def *d, size_t i, char **port_id);
void qemu_argv_vserial(struct qemu_argv *a, const struct domain_def *def);
int qemu_chr_open(const struct domain_def *def, int *fds, struct err **e);
void qemu_argv_chardevs(struct qemu_argv *a, const struct domain_def *def,
			int first_fd, int first_set);
int qemu_chr_check_dirs(const char *what, const char *path, struct err **e);
/* A unix socket's fd: bound and listened on (<source mode='bind'>) in a
 * directory only root or nidod's user changes, or connected to; @what
 * names it in @e. The kvm driver's channels use it too. */
int qemu_chr_open_unix(const char *what, const struct chardev_source *s,
		       struct err **e);
/* Whether an <rng>'s egd backend of @type is one QEMU runs (tcp, unix):
 * 0, or -ENOTSUP with @e naming it. */
int qemu_chr_check_egd(enum chardev_type type, struct err **e);

/* The flash chips of @def's pflash loader: 2 (code and variables), 1
 * for a stateless one. */
static inline int qemu_pflash_chips(const struct domain_def *def)
{
	return def->fw.stateless == DOMAIN_TRISTATE_ON ? 1 : 2;
}

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
 * error; qemu_iotune_get() reads disk @i's back from query-block (the
 * medium whose node is @top, its chain's top now; NULL: dI-0): @res
 * is {"iotune": {every name of domain_iotune_all_names, in order}}.
 * set and get return 0 (@done is called once) or -errno with @e.
 */
int qemu_iotune_set(struct qmp *q, const struct domain_def *def, size_t i,
		    const uint64_t v[6], qemu_done_fn done, void *opaque,
		    struct err **e);
void qemu_iotune_apply(struct qmp *q, const struct domain_def *def,
		       qemu_done_fn done, void *opaque);
int qemu_iotune_get(struct qmp *q, size_t i, const char *top, qemu_done_fn done,
		    void *opaque, struct err **e);

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
/* <vcpupin>/<emulatorpin> given (driver-qemu-pin.c): then, before cont,
 * qemu_pin_run() gives each vCPU thread of QEMU (@pid) its CPUs and
 * calls @done; @def is borrowed until then. */
bool qemu_pins_needed(const struct domain_def *def);
void qemu_pin_run(struct qmp *q, const struct domain_def *def, pid_t pid,
		  qemu_setup_fn done, void *opaque);
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
/* The same out, the vCPUs left running (QEMU stops them to finish:
 * snapshot-create --live). */
void qemu_migration_begin_live(struct qmp *q, int fd, qemu_setup_fn done,
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
