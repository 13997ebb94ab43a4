// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket's snapshot requests (docs/vmm-api.md): a running
 * guest's internal snapshot, taken by the process that owns its disks.
 * The vCPUs stop, the devices' requests in flight complete, the state
 * and RAM go to the files passed, each disk named gets a qcow2 internal
 * snapshot of its image while nothing moves, and the guest goes on as it
 * was (running or paused). Nobody else writes the images meanwhile: they
 * are nido-vmm's.
 */
#include "vmm/api_snapshot.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>

#include "lib/log.h"
#include "lib/util.h"
#include "vmm/state.h"
#include "vmm/vmconfig.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define TAG_MAX 200 /* nidod's snapshot names (docs/snapshots.md) */

static char msg[1024]; /* the loop's thread only */

/* The disk whose index in the configuration is @index, or NULL. */
static struct virtio_dev *disk_at(struct vm *vm, unsigned index)
{
	struct virtio_blk_stats st;

	for (unsigned i = 0; i < vm->n_virtio; i++)
		if (virtio_blk_stats(vm->virtio[i], &st) && st.index == index)
			return vm->virtio[i];
	return NULL;
}

/*
 * "tag" (unless @tag is NULL) and "disks" (indices in the
 * configuration, each once) of @req into @tag and @devs (room for as many as
 * the VM has devices); returns the count, or -1 with msg filled.
 */
static int request_disks(struct vm *vm, json_object *req, const char *what,
			 const char **tag, struct virtio_dev **devs)
{
	json_object *t, *a;
	size_t n;

	if (tag && (!json_object_object_get_ex(req, "tag", &t) ||
		    !json_object_is_type(t, json_type_string) ||
		    !json_object_get_string_len(t) ||
		    json_object_get_string_len(t) > TAG_MAX)) {
		snprintf(msg, sizeof(msg),
			 "%s: \"tag\" must be a name of 1 "
			 "to 200 bytes",
			 what);
		return -1;
	}
	if (tag)
		*tag = json_object_get_string(t);
	if (!json_object_object_get_ex(req, "disks", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) == 0 || n > vm->n_virtio) {
		snprintf(msg, sizeof(msg),
			 "%s: \"disks\" must list the disks' indices", what);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(a, i);
		int64_t k = json_object_is_type(v, json_type_int)
				    ? json_object_get_int64(v)
				    : -1;

		devs[i] =
			k >= 0 && k <= 0xffff ? disk_at(vm, (unsigned)k) : NULL;
		for (size_t j = 0; devs[i] && j < i; j++)
			if (devs[j] == devs[i])
				devs[i] = NULL;
		if (!devs[i]) {
			snprintf(msg, sizeof(msg),
				 "%s: \"disks\"[%zu]: no such disk, or named "
				 "twice",
				 what, i);
			return -1;
		}
	}
	return (int)n;
}

/* Deletes @tag again on the first @n of @devs (a failed snapshot). */
static void undo(struct virtio_dev **devs, int n, const char *tag)
{
	while (n-- > 0) {
		_cleanup_err_ struct err *e = NULL;

		if (virtio_blk_snapshot(devs[n], IMG_SNAPSHOT_DELETE, tag, &e) <
		    0)
			log_warn("snapshot '%s' left behind: %s", tag,
				 err_msg(e));
	}
}

const char *api_snapshot_save(struct vm *vm, int fds[2], uint64_t offset,
			      uint64_t mem_offset, bool paused,
			      json_object *req, json_object *r)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ struct virtio_dev **devs =
		xcalloc(vm->n_virtio + 1, sizeof(*devs));
	struct state_save_info info = {0};
	struct state_files f = {.path = "snapshot state",
				.mem_path = "snapshot state",
				.offset = offset,
				.mem_offset = mem_offset};
	const char *tag;
	int n, made = 0, ret;

	if ((n = request_disks(vm, req, "snapshot-save", &tag, devs)) < 0)
		return msg;
	if (fds[0] < 0 || fds[1] < 0)
		return "snapshot-save: pass the state and memory files' "
		       "descriptors with the request (SCM_RIGHTS)";
	vm_pause(vm);
	ret = state_save(vm, fds[0], fds[1], &f, &info, &e);
	while (ret == 0 && made < n)
		if ((ret = virtio_blk_snapshot(devs[made], IMG_SNAPSHOT_CREATE,
					       tag, &e)) == 0)
			made++;
	if (ret < 0)
		undo(devs, made, tag);
	if (!paused)
		vm_resume(vm);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "snapshot-save '%s': %s", tag,
			 err_msg(e));
		return msg;
	}
	json_object_object_add(
		r, "state_bytes",
		json_object_new_int64((int64_t)info.state_bytes));
	json_object_object_add(
		r, "memory_written",
		json_object_new_int64((int64_t)info.memory_written));
	json_object_object_add(
		r, "duration_us",
		json_object_new_int64((int64_t)info.duration_us));
	return NULL;
}

const char *api_snapshot_delete(struct vm *vm, bool paused, json_object *req,
				json_object *r)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ struct virtio_dev **devs =
		xcalloc(vm->n_virtio + 1, sizeof(*devs));
	const char *tag;
	int n, ret = 0;

	(void)r;
	if ((n = request_disks(vm, req, "snapshot-delete", &tag, devs)) < 0)
		return msg;
	/* the guest's requests wait while the images' tables change */
	vm_pause(vm);
	for (int i = 0; i < n; i++) {
		_cleanup_err_ struct err *one = NULL;

		/* every disk tried; the first failure said */
		if (virtio_blk_snapshot(devs[i], IMG_SNAPSHOT_DELETE, tag,
					&one) < 0 &&
		    ret == 0)
			ret = err_set(&e, err_code(one), "%s", err_msg(one));
	}
	if (!paused)
		vm_resume(vm);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "snapshot-delete '%s': %s", tag,
			 err_msg(e));
		return msg;
	}
	return NULL;
}

/* The "paths" of @req: @n strings naming the overlays. */
static const char *path_at(json_object *req, size_t i)
{
	json_object *a, *v;

	if (!json_object_object_get_ex(req, "paths", &a) ||
	    !json_object_is_type(a, json_type_array) ||
	    !(v = json_object_array_get_idx(a, i)) ||
	    !json_object_is_type(v, json_type_string) ||
	    !json_object_get_string_len(v))
		return NULL;
	return json_object_get_string(v);
}

/* The "offset" and "memory_offset" of a snapshot-external with memory
 * (multiples of 4096 below 2^60); -1 when one is not. */
static int memory_args(json_object *req, uint64_t *off, uint64_t *mem_off)
{
	const char *keys[2] = {"offset", "memory_offset"};
	uint64_t *out[2] = {off, mem_off};

	for (int i = 0; i < 2; i++) {
		json_object *v;
		int64_t k;

		if (!json_object_object_get_ex(req, keys[i], &v) ||
		    !json_object_is_type(v, json_type_int))
			return -1;
		k = json_object_get_int64(v);
		if (k < 0 || k % 4096 || (uint64_t)k > (1ULL << 60))
			return -1;
		*out[i] = (uint64_t)k;
	}
	return 0;
}

/* With @fd (borrowed) the memory file: the state and RAM written to it
 * as snapshot-save writes them. */
static int save_memory(struct vm *vm, int fd, uint64_t off, uint64_t mem_off,
		       struct err **e)
{
	struct state_save_info info = {0};
	struct state_files f = {.path = "memory snapshot",
				.mem_path = "memory snapshot",
				.offset = off,
				.mem_offset = mem_off};

	return state_save(vm, fd, fd, &f, &info, e);
}

const char *api_snapshot_external(struct vm *vm, const int *fds, unsigned n_fds,
				  bool paused, json_object *req, json_object *r)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ struct virtio_dev **devs =
		xcalloc(vm->n_virtio + 1, sizeof(*devs));
	_cleanup_free_ char **old_path = NULL;
	_cleanup_free_ enum disk_format *old_fmt = NULL;
	struct virtio_blk_stats st;
	uint64_t off = 0, mem_off = 0;
	bool memory = json_object_object_get_ex(req, "offset", NULL);
	int n, made = 0, ret = 0;

	(void)r;
	if (memory && memory_args(req, &off, &mem_off) < 0)
		return "snapshot-external: \"offset\" and \"memory_offset\" "
		       "are multiples of 4096 below 2^60";
	if ((n = request_disks(vm, req, "snapshot-external", NULL, devs)) < 0)
		return msg;
	if ((unsigned)n + memory != n_fds)
		return "snapshot-external: pass one overlay descriptor per "
		       "disk, in the order of \"disks\" (then the memory "
		       "file's with \"offset\")";
	for (int i = 0; i < n; i++)
		if (!path_at(req, (size_t)i))
			return "snapshot-external: \"paths\" must name each "
			       "overlay";
	old_path = xcalloc((size_t)n, sizeof(*old_path));
	old_fmt = xcalloc((size_t)n, sizeof(*old_fmt));
	vm_pause(vm);
	while (ret == 0 && made < n)
		if ((ret = virtio_blk_switch(devs[made], fds[made],
					     path_at(req, (size_t)made), &e)) ==
		    0)
			made++;
	/* a later save records the overlays: a qcow2 at their paths; with
	 * memory, this one (a restore opens the overlays) */
	for (int i = 0; ret == 0 && i < n; i++) {
		struct config_disk *cd;

		virtio_blk_stats(devs[i], &st);
		cd = &vm->cfg->disks[st.index];
		old_path[i] = cd->path;
		old_fmt[i] = cd->format;
		cd->path = xstrdup(path_at(req, (size_t)i));
		cd->format = DISK_FORMAT_QCOW2;
	}
	if (ret == 0 && memory &&
	    (ret = save_memory(vm, fds[n], off, mem_off, &e)) < 0)
		for (int i = 0; i < n; i++) { /* the disks as they were */
			struct config_disk *cd;

			virtio_blk_stats(devs[i], &st);
			cd = &vm->cfg->disks[st.index];
			free(cd->path);
			cd->path = steal_ptr(old_path[i]);
			cd->format = old_fmt[i];
		}
	if (ret < 0)
		while (made-- > 0)
			virtio_blk_unswitch(devs[made]);
	for (int i = 0; i < n; i++)
		free(old_path[i]);
	if (!paused)
		vm_resume(vm);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "snapshot-external: %s", err_msg(e));
		return msg;
	}
	return NULL;
}
