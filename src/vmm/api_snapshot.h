/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket's snapshot requests (docs/vmm-api.md), called by
 * api.c's dispatch in the loop's thread. Each returns NULL with @r
 * filled, or an error message (static: valid until the next request).
 * @paused: whether the VM was paused before the request (it is left so).
 */
#ifndef NIDO_VMM_API_SNAPSHOT_H
#define NIDO_VMM_API_SNAPSHOT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

/*
 * {"command": "snapshot-save", "tag": NAME, "disks": [INDEX, ...],
 * "offset": N, "memory_offset": M (@offset, @mem_offset: api.c read
 * them)} with two descriptors (state, memory;
 * possibly one file twice): pauses the VM, writes its state and RAM as
 * "save" does, takes the internal snapshot NAME of each disk listed
 * (all or none), and lets the guest go on as it was. @fds are the
 * caller's (it closes them).
 */
const char *api_snapshot_save(struct vm *vm, int fds[2], uint64_t offset,
			      uint64_t mem_offset, bool paused,
			      json_object *req, json_object *r);

/* {"command": "snapshot-delete", "tag": NAME, "disks": [...]}: deletes
 * the internal snapshot NAME on each disk listed, the guest paused
 * meanwhile. */
const char *api_snapshot_delete(struct vm *vm, bool paused, json_object *req,
				json_object *r);

/*
 * {"command": "snapshot-external", "disks": [INDEX, ...], "paths":
 * [PATH, ...]} with one descriptor per disk, in that order: a new
 * qcow2 overlay (its backing file the disk's image) becomes each disk's
 * top image, the guest paused meanwhile; all or none. With "offset"
 * and "memory_offset" (--memspec), one more descriptor, the memory
 * file: once the disks are switched, the state (the overlays its disks)
 * and RAM are written to it from those offsets, as snapshot-save does;
 * if that fails the disks are switched back. @fds stay the caller's.
 */
const char *api_snapshot_external(struct vm *vm, const int *fds, unsigned n_fds,
				  bool paused, json_object *req,
				  json_object *r);

#endif
