// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reverting a nido-vmm domain to an external snapshot with memory
 * (--memspec; driver-kvm-snapshot.h, docs/snapshots.md), as libvirt 9.9
 * does: new overlays over the snapshot's images, and the guest's state
 * restored from the memory file over them. nido-vmm loads a state only
 * into a VM not yet built, so this is a restart, as for an internal
 * snapshot's state (snapshot-state.c); everything that can be checked is
 * checked before the guest is stopped.
 */
#include <errno.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/driver-kvm-snapshot.h"
#include "daemon/snapshot.h"
#include "lib/log.h"
#include "lib/util.h"

int kvm_memory_revert(struct daemon *dmn, struct domain *dom,
		      struct snapshot_set *set, struct snapshot_def *sn,
		      bool running, bool paused, struct err **e)
{
	struct domain_def *saved = NULL, *def = NULL;
	bool ran = false, was_paused = sn->state == SNAPSHOT_PAUSED;
	int fd, r;

	if ((fd = snapshot_memory_open(dmn, dom, sn, e)) < 0)
		return err_prefix(e, "snapshot '%s'", sn->name);
	r = kvm_state_file_check(fd, sn->memory_file, &saved, &ran, e);
	domain_def_free(saved);
	if (r < 0) {
		close(fd);
		return err_prefix(e, "snapshot '%s': memory snapshot file",
				  sn->name);
	}
	if (domain_is_active(dom) && kvm_stop_now(dmn, dom, e) < 0)
		goto fail;
	/* the snapshot's definition, its disks on new overlays, becomes
	 * the domain's (the persistent one), the snapshot current */
	if (snapshot_external_revert(dmn, dom, set, sn, e) < 0 ||
	    !(def = domain_config_copy(dom, e)))
		goto fail;
	log_info("domain '%s': reverting to snapshot '%s' (memory from '%s')",
		 dom->def->name, sn->name, sn->memory_file);
	r = daemon_domain_restore(
		dmn, dom, def, fd,
		paused || (!running && was_paused) ? DRIVER_START_PAUSED : 0,
		false, e);
	return r < 0 ? err_prefix(e, "snapshot '%s'", sn->name) : r;
fail:
	close(fd);
	return err_code(*e);
}
