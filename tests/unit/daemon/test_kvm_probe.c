// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which KVM can run an unmodified guest (daemon/kvm-probe.h), from the
 * modules a fake /sys/module holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "daemon/kvm-probe.h"
#include "test.h"

/* A fake /sys/module with the modules named (a NULL-ended list). */
static char *modules(const char *const *names)
{
	char *dir = xstrdup("/tmp/nido-kvmprobe.XXXXXX");

	if (!mkdtemp(dir))
		abort();
	for (; *names; names++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, *names);

		if (mkdir(p, 0755) < 0)
			abort();
	}
	return dir;
}

static void remove_modules(char *dir)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);

	CHECK_INT_EQ(system(cmd), 0);
	free(dir);
}

static void kvm_probe_decides_by_module(void)
{
	static const char *const intel[] = {"kvm", "kvm_intel", NULL};
	static const char *const amd[] = {"kvm", "kvm_amd", NULL};
	static const char *const pvm[] = {"kvm", "kvm_pvm", NULL};
	static const char *const bare[] = {"kvm", NULL};
	static const char *const none[] = {"loop", NULL};
	_cleanup_err_ struct err *e1 = NULL, *e2 = NULL, *e3 = NULL;
	char *d;

	d = modules(intel);
	CHECK_INT_EQ(kvm_runs_unmodified(d, NULL), 1);
	remove_modules(d);
	d = modules(amd);
	CHECK_INT_EQ(kvm_runs_unmodified(d, NULL), 1);
	remove_modules(d);
	d = modules(pvm);
	CHECK_INT_EQ(kvm_runs_unmodified(d, &e1), 0);
	CHECK_STR_CONTAINS(err_msg(e1), "PVM-based (kvm_pvm)");
	remove_modules(d);
	d = modules(bare);
	CHECK_INT_EQ(kvm_runs_unmodified(d, &e2), 0);
	CHECK_STR_CONTAINS(err_msg(e2), "neither kvm_intel nor kvm_amd");
	remove_modules(d);
	d = modules(none);
	CHECK_INT_EQ(kvm_runs_unmodified(d, &e3), -ENODEV);
	CHECK_STR_CONTAINS(err_msg(e3), "no KVM");
	remove_modules(d);
}

int main(void)
{
	RUN(kvm_probe_decides_by_module);
	return test_done();
}
