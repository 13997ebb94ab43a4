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

int main(void)
{
	_cleanup_free_ char *cmd = NULL;

	if (!mkdtemp(root))
		return 1;
	RUN(cgroup_detects_layouts);
	RUN(cgroup_enters_every_usable_hierarchy);
	RUN(cgroup_none_says_so);
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return test_done();
}
