/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The driver interface: what runs a domain. One static const ops table
 * per driver (kvm: nido-vmm; later qemu, ct); the daemon picks it from
 * the definition's type and never knows how a driver does its job.
 *
 * Operations get the daemon and the domain; they return 0 or -errno
 * with @e filled, naming the cause (the caller adds "starting domain
 * 'x'"). Start, shutdown, reboot, destroy, suspend, resume and console
 * may instead return RPC_DEFERRED (rpc.h) when they wait for something
 * (a process, a timer, nido-vmm's answer): they never block the loop,
 * and report the outcome later, exactly once, with daemon_job_done(). State
 * changes the driver observes later (the process exited, the guest rebooted)
 * are reported with daemon_domain_stopped() and daemon_domain_set_state()
 * (daemon.h). A driver's run-time data hangs off dom->priv and is freed by
 * ->release.
 */
#ifndef NIDO_DAEMON_DRIVER_H
#define NIDO_DAEMON_DRIVER_H

#include <json-c/json.h>

#include "daemon/domain.h"
#include "daemon/snapshot.h"
#include "lib/err.h"

struct daemon;
struct agent;

/*
 * How shutdown and reboot ask the guest (virsh shutdown --mode): the
 * ACPI power button (the default, as libvirt's), or Ctrl-Alt-Del.
 */
enum shutdown_mode {
	SHUTDOWN_ACPI,
	SHUTDOWN_CTRL_ALT_DEL,
	SHUTDOWN_AGENT, /* the guest agent's guest-shutdown: methods-agent.c
			 * sends it through ->agent, never ->shutdown */
};

/* Flags of start and destroy (virsh start --paused, destroy --graceful). */
#define DRIVER_START_PAUSED	1u /* vCPUs held until resume */
#define DRIVER_START_FORCE_BOOT 2u /* a managed save is thrown away */
#define DRIVER_DESTROY_GRACEFUL 1u /* SIGTERM only: fails if ignored */

/* How a driver says an operation it took on has ended: @r 0 or -errno
 * with @e. */
typedef void (*driver_done_fn)(void *opaque, int r, const struct err *e);

/* A block job request (virsh's blockcommit, blockpull, blockjob). */
enum driver_blockjob_op {
	BLOCKJOB_COMMIT,
	BLOCKJOB_PULL,
	BLOCKJOB_INFO,
	BLOCKJOB_ABORT,
	BLOCKJOB_PIVOT,
	BLOCKJOB_SPEED, /* the job's bandwidth changed */
};

struct driver_blockjob {
	enum driver_blockjob_op op;
	const char *disk;   /* the target ("vda") or the image's path */
	const char *base;   /* commit, pull: the image below; NULL: default */
	const char *top;    /* commit: the image to commit; NULL: the top */
	bool active;	    /* commit: the top is the active layer */
	uint64_t bandwidth; /* bytes/s; 0: no limit (speed: sets it so) */
	/* commit: an active one pivots once ready, and @done follows the
	 * job's end (its error), not the engine's taking it */
	bool finish;
};

struct driver_ops {
	const char *name;
	domain_validate_fn validate; /* what it can run (domain_conf.h) */
	/* Starts @dom (inactive); on success it is running, booted, or
	 * with DRIVER_START_PAUSED paused (user) before its first
	 * instruction. */
	int (*start)(struct daemon *dmn, struct domain *dom, unsigned flags,
		     struct err **e);
	/* Asks the guest to power off. */
	int (*shutdown)(struct daemon *dmn, struct domain *dom,
			enum shutdown_mode mode, struct err **e);
	/* Asks the guest to reboot (a shutdown, then a new start). */
	int (*reboot)(struct daemon *dmn, struct domain *dom,
		      enum shutdown_mode mode, struct err **e);
	/* Stops the domain now; it is shut off (destroyed) on return. With
	 * DRIVER_DESTROY_GRACEFUL the process is asked to end and never
	 * killed: the domain may stay running, with an error. */
	int (*destroy)(struct daemon *dmn, struct domain *dom, unsigned flags,
		       struct err **e);
	int (*suspend)(struct daemon *dmn, struct domain *dom, struct err **e);
	int (*resume)(struct daemon *dmn, struct domain *dom, struct err **e);
	/*
	 * Re-attaches to a domain left running by an earlier daemon, from
	 * the run-time record it saved (@rec, borrowed). Returns 1 when the
	 * domain is running again; 0 when it is gone and how it ended is
	 * not known (the caller marks it shut off, unknown); 2 when it is
	 * gone and the driver has said how it ended (with
	 * daemon_domain_stopped(): @dom may have been freed or restarted);
	 * -errno on a record it cannot use.
	 */
	int (*reattach)(struct daemon *dmn, struct domain *dom,
			struct json_object *rec, struct err **e);
	/*
	 * Adds "key": value pairs of statistics to @out (domstats). Returns
	 * 0 when they are all there, or RPC_DEFERRED when some come later
	 * (from the VMM): then @done(@opaque) is called once, from the loop,
	 * when @out holds what could be had (the driver keeps a reference to
	 * @out until then; @dom may have stopped meanwhile).
	 */
	int (*stats)(struct daemon *dmn, struct domain *dom,
		     struct json_object *out, void (*done)(void *opaque),
		     void *opaque, struct err **e);
	/* The console's pseudo-terminal; *@path is malloc'ed. When
	 * deferred, the job's result is {"pty": PATH}. */
	int (*console)(struct daemon *dmn, struct domain *dom, char **path,
		       struct err **e);
	/*
	 * Sets the link of the running domain's interface @index up or
	 * down, as the guest sees it (domif-setlink); on success the live
	 * definition's <link state> says so. May return RPC_DEFERRED.
	 * NULL: the driver cannot.
	 */
	int (*set_link)(struct daemon *dmn, struct domain *dom, size_t index,
			bool up, struct err **e);
	/*
	 * A screenshot of the display (a PPM): RPC_DEFERRED while the VMM
	 * writes it, the job's result {"format": "ppm", "size": N}; once
	 * that job is done, the next call hands the file over: 0 with *@fd
	 * (read-only, the caller's). NULL: the driver has no display.
	 */
	int (*screenshot)(struct daemon *dmn, struct domain *dom, int *fd,
			  struct err **e);
	/*
	 * The running domain's guest agent client (agent.h), borrowed: valid
	 * until the domain stops (its waiting commands then fail). NULL with
	 * @e saying why (no channel, no connection). NULL op: the driver
	 * has no guest agent.
	 */
	struct agent *(*agent)(struct daemon *dmn, struct domain *dom,
			       struct err **e);
	/*
	 * The I/O limits of the running domain's disk @disk (blkdeviotune
	 * --live): with @set (six values, domain_iotune_names' order) sets
	 * them, and on success the live definition's <iotune> says so;
	 * without, reads them from the VMM: the job's result is {"iotune":
	 * {every name of domain_iotune_all_names, in order}}. May return
	 * RPC_DEFERRED. NULL: the driver cannot change them live (the live
	 * definition says what applies).
	 */
	int (*iotune)(struct daemon *dmn, struct domain *dom, size_t disk,
		      const uint64_t *set, struct err **e);
	/*
	 * Writes the running or paused domain's whole state to @fd (taken
	 * over; open for writing, at the stream's offset of a save file:
	 * save-file.h), then stops it: shut off, saved. RPC_DEFERRED until
	 * it has stopped; if the save fails, the guest goes on as before.
	 * NULL: the driver cannot save.
	 */
	int (*save)(struct daemon *dmn, struct domain *dom, int fd,
		    struct err **e);
	/*
	 * Starts @dom (inactive) from the state @fd holds (taken over;
	 * read-only, at the stream's offset), as ->start otherwise does:
	 * running (restored), or paused (user) with DRIVER_START_PAUSED.
	 * NULL: the driver cannot.
	 */
	int (*restore)(struct daemon *dmn, struct domain *dom, int fd,
		       unsigned flags, struct err **e);
	/*
	 * The job in progress (domjobinfo), as "key": value pairs in @out:
	 * "type" (none, unbounded), "operation" (save, restore),
	 * "time_elapsed_ms", "data_processed", "data_remaining",
	 * "data_total", "memory_processed", ... in bytes. As ->stats: 0,
	 * or RPC_DEFERRED and @done(@opaque) once. NULL: never a job.
	 */
	int (*jobinfo)(struct daemon *dmn, struct domain *dom,
		       struct json_object *out, void (*done)(void *opaque),
		       void *opaque, struct err **e);
	/*
	 * virsh setmem --live: asks the guest's balloon to keep @kib of its
	 * RAM; the live definition's <currentMemory> follows once asked.
	 * RPC_DEFERRED until the engine took it. NULL: no balloon.
	 */
	int (*setmem)(struct daemon *dmn, struct domain *dom, uint64_t kib,
		      struct err **e);
	/*
	 * virsh setvcpus --live: hot-adds vCPUs until @count run (above
	 * the live definition's <vcpu current>, at most its maximum); the
	 * live definition follows once the engine added them. RPC_DEFERRED
	 * until then. NULL: the driver cannot add vCPUs to a running guest.
	 */
	int (*setvcpus)(struct daemon *dmn, struct domain *dom, unsigned count,
			struct err **e);
	/*
	 * An internal snapshot @tag of the running or paused guest: made
	 * with its memory and devices (SNAPSHOT_OP_CREATE; the memory in
	 * the first of @targets' images), loaded (APPLY: the guest then runs
	 * on from it) or deleted, on the disks @targets (@n, by target).
	 * 0 once under way: @done(@opaque, r, e) follows exactly once
	 * (also when the engine ends meanwhile); -errno with @e filled and
	 * no call of @done otherwise. NULL: the driver cannot.
	 */
	int (*snapshot)(struct daemon *dmn, struct domain *dom,
			enum snapshot_op op, const char *tag,
			const char *const *targets, size_t n,
			driver_done_fn done, void *opaque, struct err **e);
	/*
	 * An external disk-only snapshot of the running guest: each disk
	 * @sn takes externally gets its overlay (made by nidod: its
	 * sn->disks[].file) as its new top, all disks at once; the live
	 * definition then names the overlays. @sn stays the caller's and
	 * alive until @done, which follows as ->snapshot's. NULL: the
	 * driver cannot.
	 */
	int (*disk_snapshot)(struct daemon *dmn, struct domain *dom,
			     const struct snapshot_def *sn, driver_done_fn done,
			     void *opaque, struct err **e);
	/*
	 * An external snapshot with the guest's memory (--memspec) of the
	 * running or paused guest: with the vCPUs stopped, its memory and
	 * device state written to @fd (sn->memory_file, made by nidod, at
	 * the data offset of a save file whose header nidod wrote: as a
	 * save writes one, the guest not stopped after), then each disk @sn
	 * takes externally put on its overlay (made by nidod), all at once;
	 * then the guest goes on as it was. @live (virsh's --live): the
	 * guest may run while its memory is copied. The live definition
	 * then names the overlays. @fd is taken (closed by the driver);
	 * @sn stays the caller's until @done, as ->disk_snapshot's. NULL:
	 * the driver cannot.
	 */
	int (*memory_snapshot)(struct daemon *dmn, struct domain *dom,
			       const struct snapshot_def *sn, int fd, bool live,
			       driver_done_fn done, void *opaque,
			       struct err **e);
	/*
	 * The revert to such a snapshot @sn of @set, the domain running,
	 * paused or shut off (libvirt 9.9's): the memory file checked whole
	 * before anything changes, the guest stopped, new overlays over the
	 * snapshot's images (snapshot_external_revert(): its <revertDisks>),
	 * the domain's definition the snapshot's on them, and the guest
	 * restored from the memory file, running or paused as the snapshot
	 * was (@running, @paused override). RPC_DEFERRED (the start
	 * answers), or -errno with @e. NULL: the driver cannot.
	 */
	int (*memory_revert)(struct daemon *dmn, struct domain *dom,
			     struct snapshot_set *set, struct snapshot_def *sn,
			     bool running, bool paused, struct err **e);
	/*
	 * virsh's blockcommit, blockpull and blockjob on a running guest's
	 * disk (struct driver_blockjob); @out (borrowed) gets the answer
	 * (blockjob --info: "type", "cur", "end", "ready"). 0 once asked:
	 * @done follows once; -errno with @e otherwise. NULL: none.
	 */
	int (*blockjob)(struct daemon *dmn, struct domain *dom,
			const struct driver_blockjob *req,
			struct json_object *out, driver_done_fn done,
			void *opaque, struct err **e);
	/* Frees dom->priv without stopping anything (daemon exit). */
	void (*release)(struct daemon *dmn, struct domain *dom);
};

extern const struct driver_ops driver_kvm;
extern const struct driver_ops driver_qemu;
extern const struct driver_ops driver_ct;

/*
 * The driver that runs @def, by the pick rule (docs/drivers.md): its
 * <emulator>, its type, and what nido-vmm can run; NULL with @e filled
 * when <emulator> names no emulator nido runs. It takes the definition,
 * not only its type, because a type 'kvm' domain needing firmware or
 * emulated devices runs on QEMU.
 */
const struct driver_ops *driver_for(const struct domain_def *def,
				    struct err **e);

#endif
