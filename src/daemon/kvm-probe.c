// SPDX-License-Identifier: GPL-2.0-or-later
/* Which KVM this host has (kvm-probe.h). */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "daemon/kvm-probe.h"

static bool has_module(const char *modules, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", modules, name);

	return access(p, F_OK) == 0;
}

int kvm_runs_unmodified(const char *modules, struct err **e)
{
	if (has_module(modules, "kvm_pvm")) {
		err_set(e, ENOTSUP,
			"this host's KVM is PVM-based (kvm_pvm): it cannot run "
			"an unmodified guest (a stock kernel stops early with "
			"an emulation failure)");
		return 0;
	}
	if (has_module(modules, "kvm_intel") || has_module(modules, "kvm_amd"))
		return 1;
	if (!has_module(modules, "kvm"))
		return err_set(e, ENODEV, "this host has no KVM");
	err_set(e, ENOTSUP,
		"this host's KVM has neither kvm_intel nor kvm_amd: it "
		"cannot be trusted to run an unmodified guest");
	return 0;
}
