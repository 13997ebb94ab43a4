// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * External snapshots with the guest's memory on the qemu driver
 * (driver.h's ->memory_snapshot and ->memory_revert; docs/snapshots.md),
 * as libvirt takes them: the vCPUs stopped (unless --live), the guest's
 * state migrated to the memory file nidod made (a save file, as `nido
 * save` writes one: its header, then QEMU's migration stream), the file
 * synced, every disk put on its overlay in one transaction while the
 * vCPUs are still stopped (driver-qemu-blockjob.c's), then the guest
 * goes on as it was. The revert restarts QEMU: the memory file checked
 * first, QEMU stopped, new overlays over the snapshot's images
 * (snapshot_external_revert()), QEMU started on them from the file with
 * -incoming, as a restore.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/driver-qemu-priv.h"
#include "daemon/driver-qemu-stream.h"
#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "daemon/save-file.h"
#include "daemon/snapshot.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

struct qemu_msnap {
	struct qemu_vm *vm;
	struct xsnap *disks; /* prepared, run once the memory is written */
	driver_done_fn done;
	void *opaque;
	bool resume; /* the guest ran: it goes on at the end */
	bool synced; /* the memory file is on the disk */
};

/* The end, either way: the guest goes on if it ran, then @done. */
static void finish(struct qemu_msnap *m, int r, const struct err *e)
{
	struct qemu_vm *vm = m->vm;

	vm->msnap = NULL;
	close_safe(steal_fd(vm->state_fd));
	qemu_vm_xsnap_drop(m->disks);
	if (m->resume && vm->qmp_ready)
		qemu_vm_resume(vm, "a memory snapshot");
	m->done(m->opaque, r, e);
	free(m);
}

static void fail(struct qemu_msnap *m, int r, const char *why)
{
	_cleanup_err_ struct err *e = NULL;

	err_set(&e, -r, "memory snapshot: %s", why);
	finish(m, r, e);
}

/* The overlays are the disks' tops (or could not be made). */
static void on_disks(void *opaque, int r, const struct err *e)
{
	finish(opaque, r, e);
}

static void on_synced(struct qemu_vm *vm, int err)
{
	struct qemu_msnap *m = vm->msnap;
	_cleanup_free_ char *why = NULL;

	if (!m)
		return;
	if (err) {
		why = xasprintf("writing the memory file to disk: %s",
				strerror(err));
		return fail(m, -err, why);
	}
	m->synced = true;
	/* the vCPUs are still stopped: the images under the overlays are
	 * the disks as the memory knows them */
	qemu_vm_xsnap_run(steal_ptr(m->disks));
}

void qemu_vm_msnap_migration(struct qemu_vm *vm, enum qemu_migration st)
{
	struct qemu_msnap *m = vm->msnap;

	if (vm->sync || m->synced)
		return; /* a late event */
	if (st == QEMU_MIGRATION_COMPLETED)
		qemu_vm_sync_begin(vm, on_synced);
	else
		fail(m, -EIO, "QEMU's migration to the memory file failed");
}

static void on_begun(void *opaque, int r, const struct err *e)
{
	struct qemu_vm *vm = opaque;

	if (r < 0 && vm->msnap)
		fail(vm->msnap, r, err_msg(e));
}

int qemu_memory_snapshot(struct daemon *dmn, struct domain *dom,
			 const struct snapshot_def *sn, int fd, bool live,
			 driver_done_fn done, void *opaque, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	struct qemu_msnap *m;
	struct xsnap *x;

	(void)dmn;
	if (vm && (vm->snap || vm->saving || vm->xsnap || vm->msnap)) {
		close_safe(fd);
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"another job is running");
	}
	m = xcalloc(1, sizeof(*m));
	/* the disks first: a disk that cannot be taken fails it before
	 * the guest stops */
	if (!(x = qemu_vm_xsnap_prepare(vm, sn, on_disks, m, e))) {
		free(m);
		close_safe(fd);
		return err_code(*e);
	}
	*m = (struct qemu_msnap){.vm = vm,
				 .disks = x,
				 .done = done,
				 .opaque = opaque,
				 .resume = dom->state == DOMAIN_RUNNING};
	vm->msnap = m;
	vm->state_fd = fd;
	if (live && m->resume)
		qemu_migration_begin_live(vm->qmp, fd, on_begun, vm);
	else
		qemu_migration_begin(vm->qmp, fd, true, on_begun, vm);
	return 0;
}

void qemu_vm_msnap_release(struct qemu_vm *vm)
{
	struct qemu_msnap *m = vm->msnap;
	_cleanup_err_ struct err *e = NULL;

	if (!m)
		return;
	m->resume = false;
	err_set(&e, EIO, "memory snapshot: QEMU ended");
	finish(m, -EIO, e);
}

/* ---- revert ---- */

/* The stream from @off to @size of the file open at @fd, whole. */
static int check_stream(int fd, const char *path, uint64_t off, uint64_t size,
			struct err **e)
{
	_cleanup_free_ uint8_t *tail = NULL;
	_cleanup_free_ char *what = xasprintf("memory file '%s'", path);
	uint8_t head[8];
	size_t n = size > off ? (size_t)MIN(size - off, QEMU_STREAM_TAIL) : 0;
	ssize_t h = n ? pread(fd, head, sizeof(head), (off_t)off) : 0;

	if (h < 0)
		return err_sys(e, errno, "memory file '%s'", path);
	tail = xmalloc(n + 1);
	if (n && pread(fd, tail, n, (off_t)(size - n)) != (ssize_t)n)
		return err_sys(e, errno ? errno : EIO, "memory file '%s'",
			       path);
	return qemu_stream_check(head, (size_t)h, tail, n, what, e);
}

/*
 * Opens and checks @sn's memory file: as the snapshot wrote it (the
 * record snapshot-memory.c keeps), and then, as untrusted still (a
 * record of a file another process wrote there before the seal, a
 * redefined snapshot), a save file of the qemu driver for @dom (its
 * UUID), QEMU's stream in it complete. *@ran: the guest
 * ran when taken. The fd at the stream, or -errno with @e naming the
 * file.
 */
static int memfile_open(struct daemon *dmn, const struct domain *dom,
			const struct snapshot_def *sn, bool *ran,
			struct err **e)
{
	const char *path = sn->memory_file;
	/* as the snapshot wrote it (its size and CRC-32 recorded then) */
	_cleanup_close_ int fd = snapshot_memory_open(dmn, dom, sn, e);
	struct save_header h = {0};
	struct domain_def *def = NULL;
	struct stat st;
	int r;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "memory file '%s'", path);
	if (save_header_read(fd, path, &h, e) < 0)
		return err_mark(e, ERR_OPERATION_INVALID);
	*ran = h.flags & SAVE_FILE_RUNNING;
	r = streq(h.driver, "qemu")
		    ? 0
		    : err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			       "memory file '%s': made by the '%s' driver, "
			       "not QEMU",
			       path, h.driver);
	if (r == 0 && domain_def_parse(h.xml, h.xml_len, &def, NULL, e) < 0)
		r = err_prefix(e, "memory file '%s'", path);
	if (r == 0 && memcmp(def->uuid, dom->def->uuid, sizeof(def->uuid)))
		r = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			     "memory file '%s' holds the state of another "
			     "domain ('%s')",
			     path, def->name);
	if (r == 0)
		r = check_stream(fd, path, h.data_offset, (uint64_t)st.st_size,
				 e);
	domain_def_free(def);
	save_header_clear(&h);
	return r < 0 ? r : steal_fd(fd);
}

int qemu_memory_revert(struct daemon *dmn, struct domain *dom,
		       struct snapshot_set *set, struct snapshot_def *sn,
		       bool running, bool paused, struct err **e)
{
	bool ran = false;
	int fd, r;

	if (!sn->memory_file)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"snapshot '%s' has no memory file", sn->name);
	/* a bad file leaves the domain as it is */
	if ((fd = memfile_open(dmn, dom, sn, &ran, e)) < 0)
		return err_prefix(e, "snapshot '%s'", sn->name);
	if (domain_is_active(dom) && qemu_stop_now(dmn, dom, e) < 0) {
		close(fd);
		return err_prefix(e, "snapshot '%s'", sn->name);
	}
	/* shut off: new overlays, the snapshot's definition on them; a
	 * failure leaves the definition as it was */
	if (snapshot_external_revert(dmn, dom, set, sn, e) < 0) {
		close(fd);
		return err_code(*e);
	}
	log_info("domain '%s': reverting to snapshot '%s' from '%s'",
		 dom->def->name, sn->name, sn->memory_file);
	r = daemon_domain_restore(
		dmn, dom, dom->def, fd,
		paused || (!running && !ran) ? DRIVER_START_PAUSED : 0, false,
		e);
	return r < 0 ? err_prefix(e, "snapshot '%s'", sn->name) : r;
}
