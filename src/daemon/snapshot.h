/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's snapshots (docs/snapshots.md): their metadata, kept in
 * <state>/snapshot/DOMAIN/NAME.xml (mode 0600: it holds the domain's
 * definition) as libvirt keeps it, read when first asked for; and the
 * work on a shut off domain's images: qcow2 internal snapshots made,
 * applied and deleted through src/block, every disk or none.
 */
#ifndef NIDO_DAEMON_SNAPSHOT_H
#define NIDO_DAEMON_SNAPSHOT_H

#include "daemon/snapshot_conf.h"

struct daemon;
struct domain;
struct domain_def;
struct domain_disk;

struct snapshot_set {
	struct snapshot_def **v; /* owned, in creation order */
	size_t n;
};

void snapshot_set_free(struct snapshot_set *s);

/* @dom's snapshots, read from the state directory the first time.
 * NULL with @e filled when a file there cannot be read. */
struct snapshot_set *snapshot_set_of(struct daemon *dmn, struct domain *dom,
				     struct err **e);

struct snapshot_def *snapshot_find(const struct snapshot_set *s,
				   const char *name);
/* The current snapshot (the last made or reverted to), or NULL. */
struct snapshot_def *snapshot_current(const struct snapshot_set *s);
/* How many have @name as parent; with @all, every descendant. */
size_t snapshot_children(const struct snapshot_set *s, const char *name,
			 bool all);

/* Writes @sn's metadata file (replacing it). */
int snapshot_store(struct daemon *dmn, const struct domain *dom,
		   const struct snapshot_def *sn, struct err **e);
/* Makes @sn (taken) the current one, in the set and on disk. */
int snapshot_set_current(struct daemon *dmn, const struct domain *dom,
			 struct snapshot_set *set, struct snapshot_def *sn,
			 struct err **e);
/*
 * Where the state of snapshot @name of a running nido-vmm guest lives
 * (snapshot-state.c): <state>/snapshot/DOMAIN/NAME.state, beside its
 * metadata. malloc'ed.
 */
char *snapshot_state_path(const struct daemon *dmn, const struct domain *dom,
			  const char *name);
/*
 * snapshot-memory.c, the memory file of an external snapshot with memory
 * (sn->memory_file): its size and CRC-32 recorded once written (seal,
 * in <state>/snapshot/DOMAIN/NAME.memsum), and the file opened for a
 * revert, read-only, checked against that record whole: the fd, or
 * -errno with @e naming the file and what is wrong (truncated, changed,
 * no record).
 */
char *snapshot_memsum_path(const struct daemon *dmn, const struct domain *dom,
			   const char *name);
int snapshot_memory_seal(struct daemon *dmn, const struct domain *dom,
			 const struct snapshot_def *sn, struct err **e);
int snapshot_memory_open(struct daemon *dmn, const struct domain *dom,
			 const struct snapshot_def *sn, struct err **e);
/* Removes @sn's metadata (file and entry; @sn is freed), and its state
 * file and its memory file's checksum record if it has them. */
int snapshot_unstore(struct daemon *dmn, const struct domain *dom,
		     struct snapshot_set *set, struct snapshot_def *sn,
		     struct err **e);
/* Removes every metadata file of @dom (undefine --snapshots-metadata). */
void snapshot_unstore_all(struct daemon *dmn, struct domain *dom);

/*
 * The disks of @def a snapshot takes, into @sn (its <disks>, in the
 * definition's order): each writable disk internally, which needs a
 * qcow2 image (a raw one, a network disk are refused by name), or with
 * @external (or a disk @sn asks so) externally: a new overlay, by
 * default named as libvirt names it (the image's path, its suffix the
 * snapshot's name). Read-only, shareable and transient disks and cdroms
 * are not taken. Internal and external are not mixed (with @external,
 * --disk-only's or --memspec's, a disk asked internal is refused). Returns 0 or
 * -errno.
 */
int snapshot_pick_disks(const struct domain_def *def, struct snapshot_def *sn,
			bool external, struct err **e);
/* Whether @sn has an external disk. */
bool snapshot_is_external(const struct snapshot_def *sn);

enum snapshot_op {
	SNAPSHOT_OP_CREATE,
	SNAPSHOT_OP_APPLY,
	SNAPSHOT_OP_DELETE,
};

/*
 * On every disk @sn takes internally, of @def (shut off; volumes
 * resolved), the qcow2 snapshot @op: made (every image first checked to
 * have no snapshot of that name; on a failure the ones made are
 * removed), applied, or deleted. Returns 0 or -errno with @e naming the
 * disk.
 */
int snapshot_images(const struct domain_def *def, const struct snapshot_def *sn,
		    enum snapshot_op op, struct err **e);

/*
 * snapshot-external.c. The overlays of @sn's external disks over the
 * images of @def (volumes resolved), qcow2 with the image as backing:
 * made (a file there already refused by name), or with @reuse checked
 * to exist with that backing file. On a failure the ones made are
 * removed. Returns 0 or -errno with @e naming the disk.
 */
int snapshot_overlays_make(const struct domain_def *def,
			   const struct snapshot_def *sn, bool reuse,
			   struct err **e);
/* An overlay made for a running guest, open for writing as a guest's
 * disk (*@fd, the caller's; its image lock held by it). */
int snapshot_overlay_open(const char *path, int *fd, struct err **e);
/* Whether @path is a qcow2 whose backing file is @d's image (the same
 * file), its chain opened by the rules for a guest's disk with @d's
 * chain declared below it. 0 or -errno with @e naming both. */
int snapshot_overlay_check(const struct domain_disk *d, const char *path,
			   struct err **e);
/* Removes the overlays of @sn's first @n disks (a failure after). */
void snapshot_overlays_remove(const struct snapshot_def *sn, size_t n);
/* @def's disks that @sn takes externally switched to their overlays:
 * each overlay the source (qcow2), the old image first of its
 * <backingStore>. */
void snapshot_def_switch(struct domain_def *def, const struct snapshot_def *sn);

/*
 * snapshot-merge.c, a shut off domain's external snapshot @sn (docs/
 * snapshots.md). Revert: a new overlay over each image @sn names (its
 * <revertDisks>), the domain's definition @sn's over them, the current
 * state's overlays removed, @sn the current one. Delete: the overlay
 * over each of @sn's images in the domain's chains merged into it (the
 * image above rebased), the definitions (the domain's, the other
 * snapshots') without it, the overlay removed; an @sn off the domain's
 * chains (a leaf) is left to its metadata. The metadata of @sn itself
 * is the caller's to drop. 0 or -errno with @e naming the snapshot,
 * the disk and the file.
 */
int snapshot_external_revert(struct daemon *dmn, struct domain *dom,
			     struct snapshot_set *set, struct snapshot_def *sn,
			     struct err **e);
int snapshot_external_delete(struct daemon *dmn, struct domain *dom,
			     struct snapshot_set *set, struct snapshot_def *sn,
			     struct err **e);
/*
 * The same delete while the guest runs (the drivers' block jobs with
 * driver_blockjob.finish: QEMU's, nido-vmm's): each overlay
 * merged by a commit job (an active one pivoting to the image below),
 * one disk after the other; each merged disk leaves the snapshot and
 * the other snapshots' definitions follow. 0 once under way: @done
 * follows once; -errno with @e and no @done otherwise.
 */
int snapshot_external_delete_live(struct daemon *dmn, struct domain *dom,
				  const struct snapshot_def *sn,
				  void (*done)(void *opaque, int r,
					       const struct err *e),
				  void *opaque, struct err **e);
/*
 * snapshot-live.c: a running domain reverted to the external disk-only
 * snapshot @sn, as libvirt 9.9: the driver's destroy stops it (shut off
 * "from snapshot"), snapshot_external_revert() does the rest, and with
 * @running or @paused it boots again on the new overlays. RPC_DEFERRED
 * (the parked call answered at the end), or -errno with @e and the
 * domain running as it was.
 */
int snapshot_external_revert_live(struct daemon *dmn, struct domain *dom,
				  const struct snapshot_def *sn, bool running,
				  bool paused, struct err **e);

#endif
