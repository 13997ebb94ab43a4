// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Internal snapshots of a running nido-vmm guest (driver-kvm-snapshot.h):
 * nido-vmm's "snapshot-save" and "snapshot-delete" requests
 * (docs/vmm-api.md). nidod makes the state file (a save file: its
 * header, then the guest's RAM and nido-vmm's state) and passes it;
 * nido-vmm, which has the disks open, takes their snapshots itself:
 * there is never a second writer on an image.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/driver-kvm-snapshot.h"
#include "daemon/save-file.h"
#include "daemon/snapshot.h"
#include "daemon/store.h"
#include "daemon/vmm-client.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

/* A snapshot writes all of the guest's RAM and syncs it, as a save. */
#define SNAP_SAVE_MS   (30 * 60 * 1000)
#define SNAP_DELETE_MS (5 * 60 * 1000)
/* the descriptors one request passes */
#define KVM_XSNAP_MAX_DISKS VMM_CALL_MAX_FDS

struct kvm_snap {
	struct kvm_snap **slot; /* the VM's pointer to us */
	struct vmm_req *req;
	driver_done_fn done;
	void *opaque;
	char *path; /* create: the state file, removed if it fails */
	/* external: the snapshot (the caller's), the domain switched */
	const struct snapshot_def *sn;
	struct daemon *dmn;
	struct domain *dom;
};

static void snap_end(struct kvm_snap *s, int r, const struct err *e)
{
	*s->slot = NULL;
	if (r < 0 && s->path && unlink(s->path) < 0 && errno != ENOENT)
		log_warn("snapshot state '%s' left behind: %s", s->path,
			 strerror(errno));
	s->done(s->opaque, r, e);
	free(s->path);
	free(s);
}

static void on_reply(void *opaque, int r, struct json_object *reply,
		     const struct err *err)
{
	struct kvm_snap *s = opaque;
	_cleanup_err_ struct err *e = NULL;

	(void)reply;
	s->req = NULL;
	if (r < 0)
		err_set(&e, err_code(err) ? err_code(err) : EIO, "nido-vmm: %s",
			err_msg(err));
	if (r == 0 && s->sn) { /* the live definition names the overlays */
		snapshot_def_switch(s->dom->def, s->sn);
		if (store_live_save(&s->dmn->store, &domain_kind, s->dom->def,
				    &e) < 0)
			log_warn("domain '%s': %s", s->dom->def->name,
				 err_msg(e));
		err_free(steal_ptr(e));
	}
	snap_end(s, r < 0 ? err_code(e) : 0, e);
}

void kvm_snapshot_release(struct kvm_snap **slot)
{
	_cleanup_err_ struct err *e = NULL;
	struct kvm_snap *s = *slot;

	if (!s)
		return;
	vmm_req_cancel(s->req);
	err_set(&e, EIO, "nido-vmm ended during the snapshot");
	snap_end(s, -EIO, e);
}

/* The disks' indices in nido-vmm's configuration (the definition's
 * order), by target. */
static struct json_object *disk_indices(const struct domain_def *def,
					const char *const *targets, size_t n,
					struct err **e)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (k < def->n_disks &&
		       !streq(def->disks[k].target, targets[i]))
			k++;
		if (k == def->n_disks) {
			json_object_put(a);
			err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				 "disk '%s': not in the running domain",
				 targets[i]);
			return NULL;
		}
		json_object_array_add(a, json_object_new_int64((int64_t)k));
	}
	return a;
}

/*
 * The state file of snapshot @tag, its header written: returns the fd
 * (at the data offset) with *@path set, or -errno.
 */
static int state_file(struct daemon *dmn, struct domain *dom, const char *tag,
		      char **path, struct err **e)
{
	_cleanup_free_ char *dir = xasprintf(
		"%s/snapshot/%s", dmn->store.state_dir, dom->def->name);
	_cleanup_free_ char *xml = NULL;
	int fd;

	if (file_mkdir_p(dir, 0700, e) < 0)
		return err_code(*e);
	*path = snapshot_state_path(dmn, dom, tag);
	fd = open(*path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return err_sys(e, errno, "snapshot state '%s'", *path);
	xml = domain_def_format(dom->def);
	if (save_header_write(fd, *path, "kvm", xml,
			      dom->state == DOMAIN_RUNNING ? SAVE_FILE_RUNNING
							   : 0,
			      e) < 0) {
		close(fd);
		unlink(*path);
		return err_code(*e);
	}
	return fd;
}

/* The "snapshot-save" request's arguments: where RAM and the state go
 * in the file open at @fd (the save file's layout: RAM from the data
 * offset, as big as <memory>, the state after it). */
static int save_args(const struct domain *dom, int fd, struct json_object *args,
		     struct err **e)
{
	off_t data = lseek(fd, 0, SEEK_CUR);

	if (data < 0 || data % 4096)
		return err_set(e, EINVAL,
			       "the state file's data is not page-aligned");
	json_object_object_add(args, "memory_offset",
			       json_object_new_int64((int64_t)data));
	json_object_object_add(
		args, "offset",
		json_object_new_int64(
			(int64_t)((uint64_t)data +
				  ((dom->def->memory_kib * 1024 + 4095) &
				   ~4095ULL))));
	return 0;
}

int kvm_snapshot_call(struct daemon *dmn, struct domain *dom, const char *api,
		      enum snapshot_op op, const char *tag,
		      const char *const *targets, size_t n, driver_done_fn done,
		      void *opaque, struct kvm_snap **slot, struct err **e)
{
	_cleanup_json_ struct json_object *args = json_object_new_object();
	struct json_object *disks;
	struct kvm_snap *s;
	int fd = -1;

	if (op == SNAPSHOT_OP_APPLY) /* snapshot_state_revert()'s */
		return err_setk(e, ERR_INTERNAL_ERROR, EINVAL,
				"a nido-vmm guest is reverted by a restart");
	if (!(disks = disk_indices(dom->def, targets, n, e)))
		return err_code(*e);
	json_object_object_add(args, "disks", disks);
	json_object_object_add(args, "tag", json_object_new_string(tag));
	s = xcalloc(1, sizeof(*s));
	if (op == SNAPSHOT_OP_CREATE &&
	    ((fd = state_file(dmn, dom, tag, &s->path, e)) < 0 ||
	     save_args(dom, fd, args, e) < 0))
		goto fail;
	if (op == SNAPSHOT_OP_CREATE) {
		int fds[2] = {fd, fd};

		s->req = vmm_call_start_fds(dmn->loop, api, "snapshot-save",
					    args, fds, 2, SNAP_SAVE_MS,
					    on_reply, s, e);
	} else {
		s->req = vmm_call_start_args(dmn->loop, api, "snapshot-delete",
					     args, SNAP_DELETE_MS, on_reply, s,
					     e);
	}
	if (!s->req)
		goto fail;
	close_safe(fd);
	s->slot = slot;
	s->done = done;
	s->opaque = opaque;
	*slot = s;
	return 0;
fail:
	close_safe(fd);
	if (s->path)
		unlink(s->path);
	free(s->path);
	free(s);
	return err_code(*e);
}

/* The "snapshot-external" request's "disks", "paths" and overlays
 * (opened into @fds, *@n of them). */
static int external_args(const struct domain *dom,
			 const struct snapshot_def *sn, size_t max,
			 struct json_object *args, int *fds, size_t *n,
			 struct err **e)
{
	struct json_object *disks = json_object_new_array();
	struct json_object *paths = json_object_new_array();
	int r = 0;

	json_object_object_add(args, "disks", disks);
	json_object_object_add(args, "paths", paths);
	*n = 0;
	for (size_t j = 0; j < sn->n_disks && r == 0; j++) {
		const struct snapshot_disk *d = &sn->disks[j];
		size_t k = 0;

		if (d->kind != SNAPSHOT_DISK_EXTERNAL)
			continue;
		while (k < dom->def->n_disks &&
		       !streq(dom->def->disks[k].target, d->name))
			k++;
		if (k == dom->def->n_disks)
			r = err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				     "disk '%s': not in the running domain",
				     d->name);
		else if (*n == max)
			r = err_setk(e, ERR_OPERATION_UNSUPPORTED, E2BIG,
				     "an external snapshot of more than %zu "
				     "disks of a running nido-vmm guest%s",
				     max,
				     max < KVM_XSNAP_MAX_DISKS
					     ? " with its memory"
					     : "");
		else if ((r = snapshot_overlay_open(d->file, &fds[*n], e)) ==
			 0) {
			++*n;
			json_object_array_add(
				disks, json_object_new_int64((int64_t)k));
			json_object_array_add(paths,
					      json_object_new_string(d->file));
		}
	}
	return r;
}

/* "snapshot-external" for @sn; with @mem >= 0 (taken) the memory file
 * too, passed last, once (--memspec). */
static int external_call(struct daemon *dmn, struct domain *dom,
			 const char *api, const struct snapshot_def *sn,
			 int mem, driver_done_fn done, void *opaque,
			 struct kvm_snap **slot, struct err **e)
{
	_cleanup_json_ struct json_object *args = json_object_new_object();
	int fds[KVM_XSNAP_MAX_DISKS];
	size_t n = 0, max = KVM_XSNAP_MAX_DISKS - (mem >= 0);
	struct kvm_snap *s;
	int r = external_args(dom, sn, max, args, fds, &n, e);

	if (r == 0 && !n)
		r = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			     "the snapshot takes no disk externally");
	if (r == 0 && mem >= 0)
		r = save_args(dom, mem, args, e);
	s = xcalloc(1, sizeof(*s));
	if (r == 0) {
		if (mem >= 0)
			fds[n] = mem;
		if (!(s->req = vmm_call_start_fds(
			      dmn->loop, api, "snapshot-external", args, fds,
			      n + (mem >= 0),
			      mem >= 0 ? SNAP_SAVE_MS : SNAP_DELETE_MS,
			      on_reply, s, e)))
			r = err_code(*e);
	}
	while (n > 0) /* nido-vmm has its copies */
		close(fds[--n]);
	close_safe(mem);
	if (r < 0) {
		free(s);
		return r;
	}
	s->slot = slot;
	s->done = done;
	s->opaque = opaque;
	s->sn = sn;
	s->dmn = dmn;
	s->dom = dom;
	*slot = s;
	return 0;
}

int kvm_disk_snapshot_call(struct daemon *dmn, struct domain *dom,
			   const char *api, const struct snapshot_def *sn,
			   driver_done_fn done, void *opaque,
			   struct kvm_snap **slot, struct err **e)
{
	return external_call(dmn, dom, api, sn, -1, done, opaque, slot, e);
}

int kvm_memory_snapshot_call(struct daemon *dmn, struct domain *dom,
			     const char *api, const struct snapshot_def *sn,
			     int fd, driver_done_fn done, void *opaque,
			     struct kvm_snap **slot, struct err **e)
{
	return external_call(dmn, dom, api, sn, fd, done, opaque, slot, e);
}
