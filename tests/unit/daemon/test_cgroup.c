// SPDX-License-Identifier: GPL-2.0-or-later
/* cgroup layout detection and per-VM cgroups on fake hierarchies. */
#include <errno.h>
#include <sys/stat.h>

#include "daemon/cgroup.h"
#include "lib/file.h"
#include "test.h"

static char root[] = "/tmp/nido-test-cgroup.XXXXXX";

static void touch(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	_cleanup_free_ char *d = xstrdup(p);

	*strrchr(d, '/') = '\0';
	file_mkdir_p(d, 0755, NULL);
	file_write_atomic(p, "", 0, 0644, NULL);
}

static char *sub(const char *name)
{
	return xasprintf("%s/%s", root, name);
}

static void cgroup_detects_layouts(void)
{
	_cleanup_free_ char *none = sub("none"), *v1 = sub("v1");
	_cleanup_free_ char *hy = sub("hybrid"), *v2 = sub("v2");

	file_mkdir_p(none, 0755, NULL);
	touch("v1/memory/tasks");
	touch("hybrid/memory/tasks");
	touch("hybrid/unified/cgroup.controllers");
	touch("v2/cgroup.controllers");
	CHECK_INT_EQ(cgroup_detect(none), CGROUP_NONE);
	CHECK_INT_EQ(cgroup_detect(v1), CGROUP_LEGACY);
	CHECK_INT_EQ(cgroup_detect(hy), CGROUP_HYBRID);
	CHECK_INT_EQ(cgroup_detect(v2), CGROUP_UNIFIED);
	CHECK_STR_CONTAINS(cgroup_layout_name(CGROUP_HYBRID), "hybrid");
}

/* On a fake tree cgroup.procs is a plain file the pid is written to. */
static void cgroup_enters_every_usable_hierarchy(void)
{
	_cleanup_free_ char *hy = sub("hybrid");
	_cleanup_free_ char *procs = NULL, *text = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct json_object *dirs;

	touch("hybrid/pids/nido/vm.42/cgroup.procs");
	touch("hybrid/unified/nido/vm.42/cgroup.procs");
	dirs = cgroup_enter(hy, "vm.42", 42, &e);
	/* memory has no cgroup.procs in the fake tree: reported, not fatal */
	CHECK(e != NULL);
	CHECK_INT_EQ(json_object_array_length(dirs), 2);
	procs = xasprintf("%s/pids/nido/vm.42/cgroup.procs", hy);
	CHECK_INT_EQ(file_read_all(procs, 64, &text, NULL, NULL), 0);
	CHECK_STR_EQ(text, "42\n");
	json_object_put(dirs);
}

static void cgroup_none_says_so(void)
{
	_cleanup_free_ char *none = sub("none");
	_cleanup_err_ struct err *e = NULL;
	struct json_object *dirs = cgroup_enter(none, "x", 1, &e);

	CHECK_INT_EQ(json_object_array_length(dirs), 0);
	CHECK_STR_CONTAINS(err_msg(e), "no cgroup hierarchy");
	json_object_put(dirs);
}

static void check_file(const char *rel, const char *want)
{
	_cleanup_free_ char *p = sub(rel), *text = NULL;

	CHECK_INT_EQ(file_read_all(p, 256, &text, NULL, NULL), 0);
	CHECK_STR_EQ(text, want);
}

static const struct cgroup_limits limits = {
	.mem_hard = 256 << 20,
	.mem_soft = 128 << 20,
	.mem_swap_hard = 384 << 20,
	.cpu_shares = 512,
	.cpu_period_us = 100000,
	.cpu_quota_us = 50000,
};

/* v2: memory.max/high/swap.max (swap alone), cpu.weight, cpu.max. */
static void cgroup_limits_v2(void)
{
	static const char *const files[] = {"memory.max", "memory.high",
					    "memory.swap.max", "cpu.weight",
					    "cpu.max"};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *ctl = sub("v2lim/nido/vm/cgroup.controllers");
	struct json_object *dirs = json_object_new_array();

	touch("v2lim/nido/cgroup.subtree_control");
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *f =
			xasprintf("v2lim/nido/vm/%s", files[i]);

		touch(f);
	}
	file_write_atomic(ctl, "cpu memory pids\n", 16, 0644, NULL);
	json_object_array_add(
		dirs, json_object_new_string_len(ctl, (int)strlen(ctl) - 19));
	CHECK_INT_EQ(cgroup_limit(dirs, &limits, &e), 0);
	check_file("v2lim/nido/vm/memory.max", "268435456");
	check_file("v2lim/nido/vm/memory.high", "134217728");
	check_file("v2lim/nido/vm/memory.swap.max", "134217728");
	check_file("v2lim/nido/vm/cpu.weight", "20");
	check_file("v2lim/nido/vm/cpu.max", "50000 100000");
	/* v2 limits swap alone: a memory + swap limit needs the memory one */
	CHECK_INT_EQ(
		cgroup_limit(dirs,
			     &(struct cgroup_limits){.mem_swap_hard = 1 << 30},
			     &e),
		-EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "swap_hard_limit needs a hard_limit");
	json_object_put(dirs);
}

/* v1: the memory and cpu controllers' files. */
static void cgroup_limits_v1(void)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *mem = sub("v1lim/memory/nido/vm");
	_cleanup_free_ char *cpu = sub("v1lim/cpu/nido/vm");
	struct json_object *dirs = json_object_new_array();

	touch("v1lim/memory/nido/vm/memory.limit_in_bytes");
	touch("v1lim/memory/nido/vm/memory.soft_limit_in_bytes");
	touch("v1lim/memory/nido/vm/memory.memsw.limit_in_bytes");
	touch("v1lim/cpu/nido/vm/cpu.shares");
	touch("v1lim/cpu/nido/vm/cpu.cfs_period_us");
	touch("v1lim/cpu/nido/vm/cpu.cfs_quota_us");
	json_object_array_add(dirs, json_object_new_string(mem));
	json_object_array_add(dirs, json_object_new_string(cpu));
	CHECK_INT_EQ(cgroup_limit(dirs, &limits, &e), 0);
	check_file("v1lim/memory/nido/vm/memory.limit_in_bytes", "268435456");
	check_file("v1lim/memory/nido/vm/memory.soft_limit_in_bytes",
		   "134217728");
	check_file("v1lim/memory/nido/vm/memory.memsw.limit_in_bytes",
		   "402653184");
	check_file("v1lim/cpu/nido/vm/cpu.shares", "512");
	check_file("v1lim/cpu/nido/vm/cpu.cfs_period_us", "100000");
	check_file("v1lim/cpu/nido/vm/cpu.cfs_quota_us", "50000");
	json_object_put(dirs);
}

/* A limit no hierarchy can take is an error, not silently dropped. */
static void cgroup_limit_without_controller(void)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *pids = sub("v1lim/pids/nido/vm");
	struct json_object *dirs = json_object_new_array();
	struct cgroup_limits mem_only = {.mem_hard = 1 << 30};

	json_object_array_add(dirs, json_object_new_string(pids));
	CHECK_INT_EQ(cgroup_limit(dirs, &mem_only, &e), -ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e), "no memory cgroup controller");
	json_object_put(dirs);
}

/* pids.max in the v1 pids controller; the freezer: v2's cgroup.freeze
 * first (a core file), else v1's freezer.state; none is an error. */
static void cgroup_pids_and_freezer(void)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *pids = sub("pf/pids/nido/ct");
	_cleanup_free_ char *frz = sub("pf/freezer/nido/ct");
	_cleanup_free_ char *v2 = sub("pf/unified/nido/ct");
	struct json_object *dirs = json_object_new_array();

	touch("pf/pids/nido/ct/pids.max");
	touch("pf/freezer/nido/ct/freezer.state");
	json_object_array_add(dirs, json_object_new_string(pids));
	json_object_array_add(dirs, json_object_new_string(frz));
	CHECK_INT_EQ(
		cgroup_limit(dirs, &(struct cgroup_limits){.pids_max = 42}, &e),
		0);
	check_file("pf/pids/nido/ct/pids.max", "42");
	CHECK_INT_EQ(cgroup_freeze(dirs, true, &e), 0);
	check_file("pf/freezer/nido/ct/freezer.state", "FROZEN");
	CHECK_INT_EQ(cgroup_freeze(dirs, false, &e), 0);
	check_file("pf/freezer/nido/ct/freezer.state", "THAWED");
	touch("pf/unified/nido/ct/cgroup.freeze");
	json_object_array_add(dirs, json_object_new_string(v2));
	CHECK_INT_EQ(cgroup_freeze(dirs, true, &e), 0);
	check_file("pf/unified/nido/ct/cgroup.freeze", "1");
	check_file("pf/freezer/nido/ct/freezer.state", "THAWED");
	json_object_put(dirs);
	CHECK_INT_EQ(cgroup_freeze(NULL, true, &e), -ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e), "no cgroup freezer");
	err_free(steal_ptr(e));
	CHECK_INT_EQ(
		cgroup_limit(NULL, &(struct cgroup_limits){.pids_max = 1}, &e),
		-ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e), "no pids cgroup controller");
}

/*
 * A machine's scope (cgroup_enter_scope): the pid goes into SCOPE/nido,
 * the scope's controllers are enabled for it, and the v1 cgroups of the
 * array get the pid back; a scope path that is not one, or a host
 * without the v2 hierarchy, is refused by name.
 */
static void cgroup_scope_child(void)
{
	static const char scope[] =
		"/machine.slice/machine-lxc\\x2d1\\x2dct.scope";
	_cleanup_free_ char *hy = sub("hyscope"), *v1 = sub("v1"), *mem = NULL;
	_cleanup_free_ char *ctl = NULL, *want = NULL;
	_cleanup_err_ struct err *e = NULL, *e2 = NULL, *e3 = NULL;
	struct json_object *dirs = json_object_new_array();
	_cleanup_free_ char *child = NULL;

	mem = xasprintf("%s/memory/nido/ct.1", hy);
	touch("hyscope/memory/nido/ct.1/cgroup.procs");
	ctl = xasprintf("%s/unified%s/cgroup.controllers", hy, scope);
	touch("hyscope/unified/cgroup.controllers");
	child = xasprintf("hyscope/unified%s/nido/cgroup.procs", scope);
	touch(child);
	free(child);
	child = xasprintf("hyscope/unified%s/cgroup.subtree_control", scope);
	touch(child);
	file_write_atomic(ctl, "pids\n", 5, 0644, NULL);
	json_object_array_add(dirs, json_object_new_string(mem));
	CHECK_INT_EQ(cgroup_enter_scope(dirs, hy, scope, 77, &e), 0);
	CHECK_INT_EQ(json_object_array_length(dirs), 2);
	want = xasprintf("%s/unified%s/nido", hy, scope);
	CHECK_STR_EQ(json_object_get_string(json_object_array_get_idx(dirs, 1)),
		     want);
	free(child);
	child = xasprintf("hyscope/unified%s/nido/cgroup.procs", scope);
	check_file(child, "77\n");
	free(child);
	child = xasprintf("hyscope/unified%s/cgroup.subtree_control", scope);
	check_file(child, "+pids");
	check_file("hyscope/memory/nido/ct.1/cgroup.procs", "77\n");
	/* nido's cgroup in the scope is removed with the others (on a fake
	 * tree once its file is gone), never the scope */
	free(child);
	child = xasprintf("%s/cgroup.procs", want);
	CHECK_INT_EQ(unlink(child), 0);
	cgroup_remove(dirs);
	CHECK(access(want, F_OK) < 0 && errno == ENOENT);
	CHECK_INT_EQ(access(ctl, F_OK), 0);

	CHECK_INT_EQ(cgroup_enter_scope(dirs, hy, "/a/../b", 1, &e2), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e2), "'/a/../b' is not a scope's cgroup");
	touch("v1/memory/tasks");
	CHECK_INT_EQ(cgroup_enter_scope(dirs, v1, scope, 1, &e3), -ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e3), "needs the cgroup v2 hierarchy");
	json_object_put(dirs);
}

int main(void)
{
	_cleanup_free_ char *cmd = NULL;

	if (!mkdtemp(root))
		return 1;
	RUN(cgroup_detects_layouts);
	RUN(cgroup_enters_every_usable_hierarchy);
	RUN(cgroup_none_says_so);
	RUN(cgroup_limits_v2);
	RUN(cgroup_limits_v1);
	RUN(cgroup_limit_without_controller);
	RUN(cgroup_pids_and_freezer);
	RUN(cgroup_scope_child);
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return test_done();
}
