/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qemu driver's run-time data of one domain, shared by its files:
 * driver-qemu.c (start, stop, events, control) and driver-qemu-save.c
 * (save and restore). dom->priv while the domain runs; owned by the
 * driver, freed by its ->release.
 */
#ifndef NIDO_DAEMON_DRIVER_QEMU_PRIV_H
#define NIDO_DAEMON_DRIVER_QEMU_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "block/chain.h"
#include "daemon/daemon.h"
#include "daemon/driver-qemu.h"
#include "daemon/driver.h"
#include "daemon/iface.h"
#include "daemon/qmp.h"
#include "lib/loop.h"
#include "lib/spawn.h"

/* How long each QMP command may take. */
#define COMMAND_MS 10000

struct qemu_agent;
struct qemu_dchain;
struct qemu_bjob;
struct xsnap;
struct qemu_save_sync;
struct qemu_msnap;

struct qemu_vm {
	struct daemon *dmn;
	struct domain *dom;
	struct spawn_child child; /* pid and pidfd (owned) */
	bool is_child;		  /* ours to reap (not re-attached) */
	bool starting;		  /* start waits for QMP */
	bool start_paused;
	bool destroying, killed, graceful;
	bool shutting_down, rebooting;
	bool panicked;		   /* GUEST_PANICKED came */
	bool password_set;	   /* the VNC password went through QMP */
	bool spice_password_set;   /* ... and SPICE's */
	bool expiry_set[2];	   /* passwdValidTo: VNC's, SPICE's */
	bool spice_checked;	   /* query-spice was asked */
	bool pinned;		   /* <vcpupin>: vCPU threads pinned */
	bool setup_done;	   /* ... and what is set before cont */
	char *shutdown_reason;	   /* SHUTDOWN's reason; NULL: none came */
	bool shutdown_guest;	   /* ... and whether the guest asked */
	struct loop_source *watch; /* the pidfd */
	struct loop_source *timer; /* destroy's */
	struct qmp *qmp;
	bool qmp_ready;
	char *monitor; /* the monitor socket's path */
	char *log;
	uint64_t log_off;  /* where this run's output starts in the log */
	char *pty;	   /* the serial console, from query-chardev */
	char *start_error; /* why start gave up on QEMU (and killed it) */
	struct json_object *cgroups; /* owned array of directories */
	unsigned sandbox_slot;	     /* 0: none (not root) */
	uid_t label_uid;	     /* a static DAC label's; 0: none */
	struct block_chain *chains;  /* while it starts */
	size_t n_chains;
	struct iface_set ifaces;  /* the taps, open while it starts */
	struct json_object *taps; /* what was made for them (iface.h) */
	int fw_fds[2];		  /* while it starts: pflash code, variables */
	int boot_fds[3];	  /* ... <kernel>, <initrd> and a BIOS
				   * <loader> (memfds) */
	int *chr_fds;		  /* ... the serial ports' (qemu_chr_open()) */
	size_t n_chr_fds;
	/* ... the USB host devices' nodes, one per def->hostdevs (-1:
	 * none); NULL when not starting */
	int *hostdev_fds;
	/* <tpm><backend type='emulator'>: the swtpm started for this run
	 * (pid -1: none, or not this nidod's); while it starts, QEMU's end
	 * of its control channel (-1: none) */
	struct spawn_child swtpm;
	int tpm_fd;
	/* the virtiofsds started for its shares, one per def->misc->vfs
	 * (pid -1: none), and while it starts QEMU's ends of their sockets
	 * (-1: none); NULL without shares */
	struct spawn_child *vfsd;
	int *vfs_fds;
	size_t n_vfsd;
	int shot_fd; /* a screenshot taken, until its stream takes it */
	/* domif-setlink while QMP's set_link is on its way */
	size_t link_index;
	bool link_up;
	/* blkdeviotune --live while block_set_io_throttle is on its way */
	size_t tune_disk;
	uint64_t setmem_kib; /* a setmem in flight: its target */
	uint64_t tune_v[6];
	struct qemu_agent *agent; /* the guest agent's channel; NULL: none */
	/* save: the file QEMU's state goes to; restore: where it comes
	 * from (-incoming defer); -1: none */
	int state_fd;
	bool saving, saved, save_resume; /* resume: it ran before the save */
	bool restoring, restored;
	/* the save file being written to disk (driver-qemu-save.c) */
	struct qemu_save_sync *sync;
	/* a snapshot job in QEMU (driver-qemu-snapshot.c); NULL: none */
	struct qemu_snap_job *snap;
	/* the disks' chains as QEMU has them, one per disk (empty: not
	 * one nidod changes), and their block jobs (NULL: none);
	 * driver-qemu-blockjob.c. NULL when not known (re-attached) */
	struct qemu_dchain *dchains;
	struct qemu_bjob **bjobs;
	size_t n_dchains;
	struct xsnap *xsnap; /* an external snapshot on its way */
	/* an external snapshot with memory on its way
	 * (driver-qemu-memsnap.c); NULL: none */
	struct qemu_msnap *msnap;
	/* setvcpus --live removing vCPUs (driver-qemu-vcpu.c), or NULL */
	struct qemu_unplug *unplug;
};

static inline struct qemu_vm *vm_of(struct domain *dom)
{
	return dom->priv;
}

/* driver-qemu.c: signals QEMU; gives up a start (QEMU is killed, its
 * exit fails the start with @why); goes on with a start once QEMU is
 * set up; the last line QEMU wrote in this run's log (malloc'ed, NULL:
 * none). */
void qemu_vm_signal(struct qemu_vm *vm, int sig);
void qemu_vm_start_failed(struct qemu_vm *vm, const char *why);
void qemu_vm_start_running(struct qemu_vm *vm);
/* Asks QEMU whether its SPICE server is on the ports nidod gave
 * (driver-qemu-display.c); the answer fails the start or goes on with
 * qemu_vm_start_running(). */
int qemu_spice_query(struct qemu_vm *vm, struct err **e);
/* Sets the next VNC or SPICE password through QMP (its answer goes on
 * with qemu_vm_start_running()): 1 when one was sent, 0 when none is
 * left, -errno with @e filled. */
int qemu_display_set_password(struct qemu_vm *vm, struct err **e);
char *qemu_vm_log_last_line(const struct qemu_vm *vm);

/* driver-qemu-hostdev.c, at a start: the host devices made ready for
 * QEMU's identity @uid, the USB devices' nodes open in vm->hostdev_fds
 * (0, or -errno with @e and nothing left done); those fds closed once
 * QEMU has them; their numbers in QEMU from @to on, after the character
 * devices' (malloc'ed, one per host device, -1 for the others; NULL
 * without host devices). */
int qemu_vm_hostdevs_open(struct qemu_vm *vm, uid_t uid, struct err **e);
void qemu_vm_hostdevs_close_fds(struct qemu_vm *vm);
int *qemu_vm_hostdev_fds(const struct qemu_vm *vm, int to);

/* driver-qemu-save.c: a restore's stream loaded (before the first
 * instruction); a MIGRATION event's outcome for a save or a restore;
 * and the driver's ->save. */
void qemu_vm_restore_begin(struct qemu_vm *vm);
/* Waits for what a save still does (its file's sync): @vm is freed. */
void qemu_vm_save_release(struct qemu_vm *vm);
void qemu_vm_migration(struct qemu_vm *vm, enum qemu_migration st);
/* The file at vm->state_fd (taken) written to the disk on a thread of
 * its own (fdatasync); then @then(@vm, 0 or errno) on nidod's loop.
 * Not when @vm is freed first (qemu_vm_save_release()). */
typedef void (*qemu_synced_fn)(struct qemu_vm *vm, int err);
/* The vCPUs run again (cont) after @after ("a failed save"), a failure
 * only logged. */
void qemu_vm_resume(struct qemu_vm *vm, const char *after);
void qemu_vm_sync_begin(struct qemu_vm *vm, qemu_synced_fn then);

/* driver-qemu-vcpu.c: the driver's ->setvcpus (vCPU hot add and
 * remove); a DEVICE_DELETED event; a removal given up when QEMU goes. */
int qemu_setvcpus(struct daemon *dmn, struct domain *dom, unsigned count,
		  struct err **e);
void qemu_vm_device_deleted(struct qemu_vm *vm, struct json_object *data);
void qemu_vm_unplug_release(struct qemu_vm *vm);
int qemu_save(struct daemon *dmn, struct domain *dom, int fd, struct err **e);
/* driver-qemu-snapshot.c: the driver's ->snapshot; a JOB_STATUS_CHANGE
 * event; the job given up when QEMU goes (its caller told). */
int qemu_snapshot(struct daemon *dmn, struct domain *dom, enum snapshot_op op,
		  const char *tag, const char *const *targets, size_t n,
		  driver_done_fn done, void *opaque, struct err **e);
void qemu_vm_job_event(struct qemu_vm *vm, struct json_object *data);
void qemu_vm_snapshot_release(struct qemu_vm *vm);
/* driver-qemu-blockjob.c: the disks' chains recorded at a start (from
 * vm->chains); freed; the node at the top of disk @i's chain now
 * (malloc'ed); the driver's ->disk_snapshot and ->blockjob; a
 * JOB_STATUS_CHANGE event of a block job (false: not one); an external
 * snapshot given up when QEMU goes. */
void qemu_vm_record_chains(struct qemu_vm *vm, const struct domain_def *def);
void qemu_vm_blockjobs_release(struct qemu_vm *vm);
char *qemu_vm_disk_top(const struct qemu_vm *vm, size_t i);
int qemu_disk_snapshot(struct daemon *dmn, struct domain *dom,
		       const struct snapshot_def *sn, driver_done_fn done,
		       void *opaque, struct err **e);
/* ->disk_snapshot in two halves: checked, the overlays opened (NULL
 * with @e when it cannot be); then run (@done follows as
 * ->disk_snapshot's), or dropped. */
struct xsnap *qemu_vm_xsnap_prepare(struct qemu_vm *vm,
				    const struct snapshot_def *sn,
				    driver_done_fn done, void *opaque,
				    struct err **e);
void qemu_vm_xsnap_run(struct xsnap *x);
void qemu_vm_xsnap_drop(struct xsnap *x);
int qemu_blockjob(struct daemon *dmn, struct domain *dom,
		  const struct driver_blockjob *req, struct json_object *out,
		  driver_done_fn done, void *opaque, struct err **e);
bool qemu_vm_blockjob_event(struct qemu_vm *vm, struct json_object *data);
void qemu_vm_xsnap_release(struct qemu_vm *vm);
/* A re-attached QEMU's chains read from its block nodes (once QMP is
 * ready); left unknown when they do not match its definition. */
void qemu_vm_reattach_chains(struct qemu_vm *vm);
/*
 * driver-qemu-memsnap.c: the driver's ->memory_snapshot and
 * ->memory_revert (external snapshots with the guest's memory); a
 * MIGRATION event while one is taken; one given up when QEMU goes.
 * driver-qemu.c: QEMU stopped at once (SIGTERM, SIGKILL after
 * DESTROY_GRACE_MS), the domain shut off (destroyed) on return: 0, or
 * -errno with @e when it is busy or did not end.
 */
int qemu_memory_snapshot(struct daemon *dmn, struct domain *dom,
			 const struct snapshot_def *sn, int fd, bool live,
			 driver_done_fn done, void *opaque, struct err **e);
int qemu_memory_revert(struct daemon *dmn, struct domain *dom,
		       struct snapshot_set *set, struct snapshot_def *sn,
		       bool running, bool paused, struct err **e);
void qemu_vm_msnap_migration(struct qemu_vm *vm, enum qemu_migration st);
void qemu_vm_msnap_release(struct qemu_vm *vm);
int qemu_stop_now(struct daemon *dmn, struct domain *dom, struct err **e);
int qemu_jobinfo(struct daemon *dmn, struct domain *dom,
		 struct json_object *out, void (*done)(void *opaque),
		 void *opaque, struct err **e);

#endif
