/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kvm driver's snapshots of a running guest (docs/snapshots.md,
 * "A running nido-vmm guest"): nido-vmm, which owns the disks, takes
 * the disks' internal snapshots with the guest paused and writes its
 * state into a save file of nidod's (snapshot_state_path()); a revert
 * stops nido-vmm, applies the disks' snapshots and restores the state
 * (snapshot-state.c).
 */
#ifndef NIDO_DAEMON_DRIVER_KVM_SNAPSHOT_H
#define NIDO_DAEMON_DRIVER_KVM_SNAPSHOT_H

#include "daemon/driver.h"

/* A snapshot call to nido-vmm in flight; the kvm VM holds one. */
struct kvm_snap;

/*
 * driver.h's ->snapshot for the guest whose nido-vmm listens on @api:
 * SNAPSHOT_OP_CREATE (the state file written, every target's internal
 * snapshot taken while paused; on failure the file is removed) or
 * SNAPSHOT_OP_DELETE (the targets' snapshots deleted). APPLY is
 * snapshot_state_revert()'s. *@slot holds the call until @done.
 */
int kvm_snapshot_call(struct daemon *dmn, struct domain *dom, const char *api,
		      enum snapshot_op op, const char *tag,
		      const char *const *targets, size_t n, driver_done_fn done,
		      void *opaque, struct kvm_snap **slot, struct err **e);

/*
 * driver.h's ->disk_snapshot: each overlay nidod made for @sn (its
 * external disks) opened and passed to nido-vmm ("snapshot-external"),
 * which puts each over its disk's image, all at once; then the live
 * definition names them. @sn stays the caller's until @done.
 */
int kvm_disk_snapshot_call(struct daemon *dmn, struct domain *dom,
			   const char *api, const struct snapshot_def *sn,
			   driver_done_fn done, void *opaque,
			   struct kvm_snap **slot, struct err **e);

/*
 * driver.h's ->memory_snapshot (--memspec): as kvm_disk_snapshot_call(),
 * with the memory file open at @fd (taken; at its data offset) passed
 * last: nido-vmm switches the disks, then writes its state (naming the
 * overlays) and RAM to it, with the guest paused throughout (--live is
 * taken as a non-live snapshot), and lets it go on as it was.
 */
int kvm_memory_snapshot_call(struct daemon *dmn, struct domain *dom,
			     const char *api, const struct snapshot_def *sn,
			     int fd, driver_done_fn done, void *opaque,
			     struct kvm_snap **slot, struct err **e);

/*
 * driver.h's ->memory_revert (driver-kvm-memsnap.c): the memory file
 * checked (snapshot_memory_open(): size and CRC-32; its header, the
 * domain's driver, nido-vmm's state and every checksum of it) before
 * anything changes; a running nido-vmm stopped; new overlays over the
 * snapshot's images (snapshot_external_revert()); the guest restored
 * from the file over them, running or paused as the snapshot's state
 * says (@running, @paused override). RPC_DEFERRED or -errno.
 */
int kvm_memory_revert(struct daemon *dmn, struct domain *dom,
		      struct snapshot_set *set, struct snapshot_def *sn,
		      bool running, bool paused, struct err **e);

/*
 * snapshot-state.c: the save file of nido-vmm's at @path (open at @fd,
 * borrowed) checked whole: its header (its definition parsed into
 * *@def, owned; *@ran from its flags) and nido-vmm's state after the
 * RAM, every checksum; the fd left at the data offset. 0 or -errno
 * with @e naming @path.
 */
int kvm_state_file_check(int fd, const char *path, struct domain_def **def,
			 bool *ran, struct err **e);

/* nido-vmm went away: the call in *@slot, if any, fails (its @done
 * called) and is freed. */
void kvm_snapshot_release(struct kvm_snap **slot);

/*
 * driver-kvm.c. Ends @dom's nido-vmm now (SIGTERM, then SIGKILL after
 * 3 s; its exit waited for, the loop held meanwhile): the domain is shut off
 * (destroyed) when this returns 0. A transient domain is gone then: callers
 * refuse those. -errno with @e when it is busy (a save, a snapshot, a start) or
 * did not end.
 */
int kvm_stop_now(struct daemon *dmn, struct domain *dom, struct err **e);

/*
 * snapshot-state.c. Whether snapshot @sn of @dom has a state file (a
 * running nido-vmm guest's snapshot), and the revert to it: the file
 * checked whole (save-file.h's header, nido-vmm's state container: every
 * checksum) before anything changes; a running domain's nido-vmm
 * stopped; the disks' snapshots applied; the definition of the
 * snapshot made the domain's; the guest restored from the state,
 * running or paused as it was (@paused, @running override). Returns
 * RPC_DEFERRED (the start answers), or -errno with @e, the domain then
 * as it was when the failure came before the stop.
 */
bool snapshot_state_exists(const struct daemon *dmn, const struct domain *dom,
			   const struct snapshot_def *sn);
int snapshot_state_revert(struct daemon *dmn, struct domain *dom,
			  struct snapshot_set *set, struct snapshot_def *sn,
			  bool running, bool paused, struct err **e);

#endif
