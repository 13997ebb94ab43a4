// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reverting to a running nido-vmm guest's snapshot (driver-kvm-snapshot.h,
 * docs/snapshots.md). nido-vmm loads a state only into a VM not yet
 * built, so a revert is a restart: the snapshot's state file is checked
 * whole first (so that a bad one leaves the domain as it was), then a
 * running guest's nido-vmm is stopped, the disks' internal snapshots
 * applied by nidod (the images then have no other writer), and the
 * guest restored from the state, as `nido restore` restores one.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/domain-disks.h"
#include "daemon/driver-kvm-snapshot.h"
#include "daemon/save-file.h"
#include "daemon/snapshot.h"
#include "lib/log.h"
#include "lib/util.h"
#include "vmm/state_format.h"

bool snapshot_state_exists(const struct daemon *dmn, const struct domain *dom,
			   const struct snapshot_def *sn)
{
	_cleanup_free_ char *path = snapshot_state_path(dmn, dom, sn->name);

	return sn->memory && access(path, F_OK) == 0;
}

/* nido-vmm's state, at @off to the end of the file open at @fd (@size
 * bytes): its container checked, every section's checksum. */
static int check_vmm_state(int fd, const char *path, uint64_t off,
			   uint64_t size, struct err **e)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct state_file *f = NULL;
	size_t len;
	ssize_t got;
	int r;

	if (off >= size || size - off > STATE_FILE_MAX)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL, "'%s': %s",
				path,
				off >= size ? "truncated (no nido-vmm state "
					      "after the memory)"
					    : "nido-vmm's state is too large");
	len = (size_t)(size - off);
	buf = xmalloc(len);
	got = pread(fd, buf, len, (off_t)off);
	if (got < 0)
		return err_sys(e, errno, "'%s'", path);
	if ((size_t)got != len)
		return err_setk(e, ERR_OPERATION_INVALID, EIO,
				"'%s': short read", path);
	f = xmalloc(sizeof(*f));
	r = state_parse(buf, len, path, f, e);
	free(f);
	return r < 0 ? err_mark(e, ERR_OPERATION_INVALID) : 0;
}

int kvm_state_file_check(int fd, const char *path, struct domain_def **def,
			 bool *ran, struct err **e)
{
	struct save_header h = {0};
	struct stat st;
	uint64_t ram;
	int r;

	*def = NULL;
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "'%s'", path);
	if (save_header_read(fd, path, &h, e) < 0)
		return err_mark(e, ERR_OPERATION_INVALID);
	r = streq(h.driver, "kvm")
		    ? 0
		    : err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			       "'%s': made by the '%s' driver, not nido-vmm",
			       path, h.driver);
	*ran = h.flags & SAVE_FILE_RUNNING;
	if (r == 0 && domain_def_parse(h.xml, h.xml_len, def, NULL, e) < 0)
		r = err_prefix(e, "'%s'", path);
	if (r == 0) {
		ram = ((*def)->memory_kib * 1024 + 4095) & ~4095ULL;
		r = check_vmm_state(fd, path, h.data_offset + ram,
				    (uint64_t)st.st_size, e);
	}
	save_header_clear(&h);
	if (r < 0)
		domain_def_free(steal_ptr(*def));
	return r;
}

/*
 * Opens and checks @sn's state file (kvm_state_file_check()). Returns
 * the fd at the data offset, or -errno with @e naming the file.
 */
static int state_open(struct daemon *dmn, struct domain *dom,
		      const struct snapshot_def *sn, struct domain_def **def,
		      bool *running, struct err **e)
{
	_cleanup_free_ char *path = snapshot_state_path(dmn, dom, sn->name);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	*def = NULL;
	if (fd < 0)
		return err_sys(e, errno, "snapshot state '%s'", path);
	if (kvm_state_file_check(fd, path, def, running, e) < 0)
		return err_prefix(e, "snapshot state");
	return steal_fd(fd);
}

/* The disks of @def (a copy, its volumes' paths resolved) back to @sn. */
static int apply_images(struct daemon *dmn, const struct domain_def *def,
			const struct snapshot_def *sn, struct err **e)
{
	_cleanup_free_ char *xml = domain_def_format(def);
	struct domain_def *copy = NULL;
	int r;

	if (domain_def_parse(xml, strlen(xml), &copy, NULL, e) < 0)
		return err_code(*e);
	r = domain_disks_resolve(dmn, copy, e);
	if (r == 0)
		r = snapshot_images(copy, sn, SNAPSHOT_OP_APPLY, e);
	domain_def_free(copy);
	return r;
}

/* The persistent definition becomes the snapshot's, as libvirt's
 * revert does. */
static void define_back(struct daemon *dmn, const struct snapshot_def *sn)
{
	_cleanup_err_ struct err *why = NULL;
	struct domain_def *back = NULL;
	struct object *obj = NULL;

	if (domain_def_parse(sn->domain_xml, strlen(sn->domain_xml), &back,
			     NULL, &why) < 0 ||
	    object_define(&dmn->domains.l, &dmn->store, back, &obj, &why) < 0)
		log_warn("snapshot '%s': the definition stays: %s", sn->name,
			 err_msg(why));
}

int snapshot_state_revert(struct daemon *dmn, struct domain *dom,
			  struct snapshot_set *set, struct snapshot_def *sn,
			  bool running, bool paused, struct err **e)
{
	struct domain_def *def = NULL;
	bool ran = false;
	int fd, r;

	if (domain_is_active(dom) && dom->drv != &driver_kvm)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"snapshot '%s' holds a nido-vmm guest's state: "
				"the domain runs on the %s driver",
				sn->name, dom->drv->name);
	if (domain_is_active(dom) && !dom->persistent)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"reverting the transient domain '%s' to a "
				"running snapshot restarts it: not supported "
				"(define it, or destroy it first)",
				dom->def->name);
	if ((fd = state_open(dmn, dom, sn, &def, &ran, e)) < 0)
		return err_prefix(e, "snapshot '%s'", sn->name);
	if (domain_is_active(dom) && kvm_stop_now(dmn, dom, e) < 0)
		goto fail;
	if (apply_images(dmn, def, sn, e) < 0)
		goto fail;
	if (dom->persistent)
		define_back(dmn, sn);
	if (snapshot_set_current(dmn, dom, set, sn, e) < 0)
		goto fail;
	log_info("domain '%s': reverting to snapshot '%s'", dom->def->name,
		 sn->name);
	r = daemon_domain_restore(
		dmn, dom, def, fd,
		paused || (!running && !ran) ? DRIVER_START_PAUSED : 0, false,
		e);
	return r < 0 ? err_prefix(e, "snapshot '%s'", sn->name) : r;
fail:
	close(fd);
	domain_def_free(def);
	return err_prefix(e, "snapshot '%s'", sn->name);
}
