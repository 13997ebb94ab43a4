/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Storage pools' host side, a library that never prints: one file per
 * pool type behind struct storage_backend (dir.c, fs.c), and the
 * volumes that are files in a directory (file.c), which both share.
 * Images are made, read and changed through src/block, so that a
 * volume is what `nido img` and qemu-img make of the same file.
 *
 * The daemon (src/daemon/pool.c) owns definitions and state; what it
 * hands here is borrowed for the call. Returned arrays and strings are
 * the caller's (storage_vol_clear, storage_vols_free).
 *
 * Volume names are checked here (storage_vol_name_check), whoever
 * calls: a name is one file of the pool's directory, never a path.
 */
#ifndef NIDO_STORAGE_STORAGE_H
#define NIDO_STORAGE_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/* What a pool's definition says of its storage (borrowed strings). */
struct storage_pool_params {
	const char *name;      /* the pool's, for messages */
	const char *target;    /* the directory volumes live in */
	const char *device;    /* fs: the block device, else NULL */
	const char *fs_format; /* fs: "ext4", ...; NULL or "auto": probe */
	/* logical: the physical volumes (devices[0] is @device) and the
	 * volume group's name */
	const char *const *devices;
	size_t n_devices;
	const char *source_name;
	/* netfs: the server and its exported directory */
	const char *host;
	const char *source_dir;
	const char *protocol; /* the NFS version, or NULL */
	/* iscsi: the portal's port (0: 3260), the target's IQN, the
	 * initiator's (NULL: open-iscsi's default) */
	unsigned port;
	const char *iqn;
	const char *initiator;
	/* rbd: the monitors (@source_name is the Ceph pool), their ports
	 * (0: the default), the client's name or NULL (no authentication),
	 * and <refresh><volume allocation='capacity'/> */
	const char *const *hosts;
	const unsigned *host_ports;
	size_t n_hosts;
	const char *auth_user;
	bool alloc_is_capacity;
	int mode;	   /* the target's mode, -1: 0711 (libvirt's) */
	long owner, group; /* -1: unchanged */
};

/* Flags of build. */
enum {
	STORAGE_BUILD_OVERWRITE = 1u << 0,    /* virsh --overwrite */
	STORAGE_BUILD_NO_OVERWRITE = 1u << 1, /* virsh --no-overwrite */
};

struct storage_vol;
struct storage_vol_new;

/* A pool's space, as libvirt reports it (the file system's). */
struct storage_space {
	uint64_t capacity, allocation, available;
	/* why @capacity and @available are not known (static text), or
	 * NULL: an rbd pool's cluster without a manager */
	const char *unknown;
};

/*
 * A pool type. Every operation returns 0 or -errno with @e filled
 * naming the pool and the cause; NULL members are no-ops.
 * - build: makes what start needs (the target directory; fs: the file
 *   system of @fs_type, NULL: params->fs_format, when @flags or
 *   @fs_type ask for one: never over an existing one without
 *   STORAGE_BUILD_OVERWRITE);
 * - start: makes the target usable (fs: mounted); checks it exists;
 * - stop: the reverse (fs: unmounted); volumes are left as they are;
 * - delete: removes what build made (the target directory, which must
 *   be empty: a pool never deletes volumes it is asked to keep);
 * - check: is an active pool's storage still there (fs: still mounted)?
 *
 * Volumes that are not files of the target (a logical pool's logical
 * volumes) have the members below; NULL means file.c's, on the target
 * directory. A volume's path is still target/name (/dev/VG/LV).
 * - scan: every volume, sorted by name, and the pool's space;
 * - vol_create, vol_delete, vol_resize: as storage_vol_create, ...,
 *   @name checked by the backend.
 */
struct storage_backend {
	const char *type; /* "dir", "fs" */
	/* its storage is reached over the network and may not answer (a
	 * portal, a cluster): the daemon calls it off its loop only */
	bool remote;
	int (*build)(const struct storage_pool_params *p, const char *fs_type,
		     unsigned flags, struct err **e);
	int (*start)(const struct storage_pool_params *p, struct err **e);
	int (*stop)(const struct storage_pool_params *p, struct err **e);
	int (*delete)(const struct storage_pool_params *p, struct err **e);
	int (*check)(const struct storage_pool_params *p, struct err **e);
	int (*scan)(const struct storage_pool_params *p, struct storage_vol **v,
		    size_t *n, struct storage_space *s, struct err **e);
	int (*vol_create)(const struct storage_pool_params *p,
			  const struct storage_vol_new *nv, struct err **e);
	int (*vol_delete)(const struct storage_pool_params *p, const char *name,
			  struct err **e);
	int (*vol_resize)(const struct storage_pool_params *p, const char *name,
			  uint64_t capacity, bool shrink, struct err **e);
	/*
	 * Volumes that are no file (rbd images): the name src/block opens
	 * the volume @name by (malloc'ed), for the data calls (wipe,
	 * upload, download, a guest's disk). NULL: the volume's path.
	 */
	char *(*vol_block_name)(const struct storage_pool_params *p,
				const char *name);
};

extern const struct storage_backend storage_backend_dir;
extern const struct storage_backend storage_backend_fs;
extern const struct storage_backend storage_backend_logical;
extern const struct storage_backend storage_backend_disk;
extern const struct storage_backend storage_backend_netfs;
extern const struct storage_backend storage_backend_iscsi;
extern const struct storage_backend storage_backend_rbd;

/* rbd.c: the "rbd:POOL/IMAGE:mon_host=..." name of @vol of @p. */
char *storage_rbd_spec(const struct storage_pool_params *p, const char *vol);

/* The backend of type @type, or NULL. */
const struct storage_backend *storage_backend_find(const char *type);

/*
 * What the backends share (dir.c): the target directory made with its
 * mode and owner, checked to be a directory, removed when empty.
 */
int storage_target_make(const struct storage_pool_params *p, struct err **e);
int storage_target_check(const struct storage_pool_params *p, struct err **e);
int storage_target_remove(const struct storage_pool_params *p, struct err **e);

/* Is @dev a block device? 0, or -errno with @e naming pool and device. */
int storage_check_blockdev(const struct storage_pool_params *p, const char *dev,
			   struct err **e);

/*
 * What blkid finds on the device @dev (fs.c): *@type its signature, a
 * file system or "LVM2_member" ("" none), *@pt a partition table (""
 * none), each malloc'ed, also on failure. 0 or -errno with @e.
 */
int storage_probe(const char *dev, char **type, char **pt, struct err **e);

/*
 * Is @dir a mount point in this mount namespace, of @source when not
 * NULL (a device, compared by its real path, or a network source such
 * as "host:/export", compared as mountinfo shows it)? (fs.c)
 */
bool storage_mounted(const char *dir, const char *source);

/* ---- volumes: files in the target directory (file.c) ----------------- */

/* A volume as the pool lists it. */
struct storage_vol {
	char *name;
	char *path;	     /* target/name; also its key */
	char *format;	     /* "raw", "qcow2", ... as probed */
	bool block;	     /* a block device (a logical volume), not a file */
	bool network;	     /* an image of a network pool (rbd) */
	uint64_t capacity;   /* virtual size */
	uint64_t allocation; /* blocks the file uses */
	uint64_t physical;   /* the file's size */
	char *backing;	     /* the backing file's path, or NULL */
	char *backing_format;
	mode_t mode;
	uid_t owner;
	gid_t group;
};

void storage_vol_clear(struct storage_vol *v);
void storage_vols_free(struct storage_vol *v, size_t n);

/*
 * Is @name a volume name: one file name (no '/', not "." or "..", no
 * leading '.', no control character, at most 255 bytes)? 0, or -EINVAL
 * with @e naming it (ERR_INVALID_ARG).
 */
int storage_vol_name_check(const char *name, struct err **e);

/*
 * Every volume of the directory @dir (regular files not starting with
 * '.'), sorted by name, described by opening each image read-only with
 * shared access (a guest may be writing it). A file that cannot be read
 * as an image is listed as raw with its size. Returns 0 with *@v, *@n,
 * or -errno with @e.
 */
int storage_dir_scan(const char *dir, struct storage_vol **v, size_t *n,
		     struct err **e);

/* Describes the volume @name of @dir into @v. 0 or -errno (-ENOENT). */
int storage_vol_describe(const char *dir, const char *name,
			 struct storage_vol *v, struct err **e);

/* The file system's space under @dir. */
int storage_dir_space(const char *dir, struct storage_space *s, struct err **e);

/* What a new volume is to be. */
struct storage_vol_new {
	const char *name;
	const char *format; /* "raw" or "qcow2" */
	uint64_t capacity;  /* 0 with a backing store: its size */
	uint64_t allocation;
	bool prealloc_metadata; /* qcow2: metadata preallocated */
	const char *backing;	/* a path, or NULL */
	const char *backing_format;
	int mode;	   /* -1: 0600 */
	long owner, group; /* -1: the daemon's */
};

/*
 * Creates the volume @nv in @dir through src/block; an existing file of
 * that name is refused (-EEXIST, ERR_STORAGE_VOL_EXIST). A raw volume
 * gets @allocation bytes allocated up front. On failure nothing is
 * left. 0 or -errno with @e.
 */
int storage_vol_create(const char *dir, const struct storage_vol_new *nv,
		       struct err **e);

/*
 * What a long copy has done, for a progress bar: @done and @total are
 * written by the copying thread and may be read by any; @tick (may be
 * NULL) is called on the copying thread after each piece.
 */
struct storage_progress {
	_Atomic uint64_t done, total;
	void (*tick)(struct storage_progress *pr);
};

struct block;

/*
 * Copies what @src reads as into @dst, which must be at least as large
 * (copy.c): zeroes are never written as data; where @src reads as
 * zeroes, and past its end, @dst is left as it is when @dst_zeroed (it
 * reads as zeroes already: a new file, a new thin volume), else zeroed.
 * @pr (may be NULL) follows the copy. Flushes @dst. 0 or -errno.
 */
int storage_copy(struct block *src, struct block *dst, bool dst_zeroed,
		 struct storage_progress *pr, struct err **e);

/*
 * A copy of the volume at @src, read as @src_format (NULL: probed; a
 * guest's disk or a block device: given, never guessed from what a
 * guest wrote), as @nv->name in @dir, in @nv->format (NULL: @src's),
 * of @nv->capacity or @src's size if larger: its contents read through
 * its chain, holes kept. On failure nothing is left.
 */
int storage_vol_clone(const char *dir, const char *src, const char *src_format,
		      const struct storage_vol_new *nv,
		      struct storage_progress *pr, struct err **e);

/* The same from @src, open already (borrowed): read at an internal
 * snapshot, or shared with a running guest (nido clone --snapshot). */
int storage_vol_clone_block(const char *dir, struct block *src,
			    const struct storage_vol_new *nv,
			    struct storage_progress *pr, struct err **e);

/* The same without progress (nido clone's disks). */
int storage_vol_clone_from(const char *dir, const char *src,
			   const char *src_format,
			   const struct storage_vol_new *nv, struct err **e);

/*
 * The same into a pool whose volumes are its backend's (a logical
 * volume, a partition, an rbd image): made with @b->vol_create as raw,
 * then written at @p's target/@nv->name (at @b->vol_block_name's name
 * when it has one); removed again on failure.
 */
int storage_backend_vol_clone(const struct storage_backend *b,
			      const struct storage_pool_params *p,
			      const char *src, const char *src_format,
			      const struct storage_vol_new *nv,
			      struct storage_progress *pr, struct err **e);

/*
 * Is the new volume @nv of a logical pool a thin volume (logical.c)?
 * One whose allocation is below its capacity is.
 */
#define LOGICAL_THIN_POOL "thinpool"
bool storage_logical_thin(const struct storage_vol_new *nv);

/* Removes the volume file @path. */
int storage_vol_delete(const char *path, struct err **e);

/*
 * Writes zeroes over the contents of the volume @path (its virtual disk
 * reads as zeroes after; a qcow2 keeps its format and backing file).
 */
int storage_vol_wipe(const char *path, struct err **e);

/*
 * New virtual size @capacity; @shrink allows a smaller one (data past
 * it is lost); @allocate preallocates the grown area.
 */
int storage_vol_resize(const char *path, uint64_t capacity, bool shrink,
		       bool allocate, struct err **e);

#endif
