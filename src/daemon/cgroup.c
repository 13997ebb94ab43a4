// SPDX-License-Identifier: GPL-2.0-or-later
/* A cgroup per VM process (cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "daemon/cgroup.h"
#include "lib/file.h"

static const char *const v1_controllers[] = {"cpu", "cpuacct", "memory", "pids",
					     "freezer"};

static bool exists(const char *root, const char *sub)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, sub);

	return access(p, F_OK) == 0;
}

enum cgroup_layout cgroup_detect(const char *root)
{
	if (exists(root, "cgroup.controllers"))
		return CGROUP_UNIFIED;
	if (exists(root, "unified/cgroup.controllers"))
		return CGROUP_HYBRID;
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++)
		if (exists(root, v1_controllers[i]))
			return CGROUP_LEGACY;
	return CGROUP_NONE;
}

const char *cgroup_layout_name(enum cgroup_layout l)
{
	static const char *const names[] = {"none", "unified (v2)",
					    "hybrid (v1 controllers, v2 "
					    "unified)",
					    "legacy (v1)"};

	return names[l];
}

static bool has_controller(const char *dir, const char *name);

static int write_file(const char *dir, const char *file, const char *value,
		      struct err **e)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write_full(fd, value, strlen(value)) < 0)
		return err_sys(e, errno, "setting '%s' to %.*s", path,
			       (int)strcspn(value, "\n"), value);
	return 0;
}

/*
 * Creates <hier>/nido/<name> and moves @pid in (none when @pid is 0);
 * adds it to @dirs.
 */
static int enter_one(const char *hier, const char *name, pid_t pid,
		     struct json_object *dirs, struct err **e)
{
	_cleanup_free_ char *dir = xasprintf("%s/nido/%s", hier, name);
	char buf[32];

	if (file_mkdir_p(dir, 0755, e) < 0)
		return -EIO;
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (pid && write_file(dir, "cgroup.procs", buf, e) < 0) {
		rmdir(dir);
		return -EIO;
	}
	json_object_array_add(dirs, json_object_new_string(dir));
	return 0;
}

/*
 * On a v2 hierarchy, hands the controllers nido's limits use down from
 * @hier to its children (nido/), where @hier has them: systemd enables
 * them at the root on its hosts, a host without systemd (Debian's
 * kernel in tests/nested) leaves the root's subtree_control empty, and
 * nothing below could then set memory.max. Best effort: a controller
 * bound to a v1 hierarchy is not listed, and one that cannot be enabled
 * is reported when a limit needs it (cgroup_limit).
 */
static void v2_delegate(const char *hier)
{
	static const char *const wanted[] = {"cpu", "memory", "pids", "io"};

	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		_cleanup_free_ char *plus = xasprintf("+%s", wanted[i]);

		if (has_controller(hier, wanted[i]))
			write_file(hier, "cgroup.subtree_control", plus, NULL);
	}
}

/* cgroup_enter(), in the v2 hierarchy too when @unified. */
static struct json_object *enter(const char *root, const char *name, pid_t pid,
				 bool unified, struct err **e)
{
	enum cgroup_layout l = cgroup_detect(root);
	struct json_object *dirs = json_object_new_array();
	_cleanup_free_ char *v2 = NULL;
	_cleanup_err_ struct err *first = NULL;

	if (l == CGROUP_NONE) {
		err_set(e, ENOENT, "no cgroup hierarchy under '%s'", root);
		return dirs;
	}
	if (unified && (l == CGROUP_UNIFIED || l == CGROUP_HYBRID)) {
		v2 = l == CGROUP_UNIFIED ? xstrdup(root)
					 : xasprintf("%s/unified", root);
		v2_delegate(v2);
		enter_one(v2, name, pid, dirs, &first);
	}
	for (size_t i = 0;
	     l != CGROUP_UNIFIED && i < ARRAY_SIZE(v1_controllers); i++) {
		_cleanup_free_ char *h =
			xasprintf("%s/%s", root, v1_controllers[i]);
		_cleanup_err_ struct err *e1 = NULL;

		if (access(h, F_OK) < 0)
			continue;
		if (enter_one(h, name, pid, dirs, &e1) < 0 && !first)
			first = steal_ptr(e1);
	}
	if (first && e) {
		*e = steal_ptr(first);
	}
	return dirs;
}

struct json_object *cgroup_enter(const char *root, const char *name, pid_t pid,
				 struct err **e)
{
	return enter(root, name, pid, true, e);
}

struct json_object *cgroup_create_v1(const char *root, const char *name,
				     struct err **e)
{
	return enter(root, name, 0, false, e);
}

int cgroup_enter_scope(struct json_object *dirs, const char *root,
		       const char *scope, pid_t pid, struct err **e)
{
	enum cgroup_layout l = cgroup_detect(root);
	_cleanup_free_ char *hier = NULL, *top = NULL, *dir = NULL;
	size_t n = json_object_array_length(dirs);
	char buf[32];

	if (l != CGROUP_UNIFIED && l != CGROUP_HYBRID)
		return err_set(e, ENOTSUP,
			       "a machine's scope '%s' needs the cgroup v2 "
			       "hierarchy, which '%s' does not have",
			       scope, root);
	if (scope[0] != '/' || strstr(scope, "/../") || !strcmp(scope, "/"))
		return err_set(e, EINVAL, "'%s' is not a scope's cgroup",
			       scope);
	hier = l == CGROUP_UNIFIED ? xstrdup(root)
				   : xasprintf("%s/unified", root);
	top = xasprintf("%s%s", hier, scope);
	dir = xasprintf("%s/" CGROUP_SCOPE_CHILD, top);
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "creating '%s'", dir);
	if (write_file(dir, "cgroup.procs", buf, e) < 0) {
		rmdir(dir);
		return -EIO;
	}
	/* the scope holds no process now: its controllers go down */
	v2_delegate(top);
	/* systemd put @pid in the scope's v1 cgroups too (hybrid): back
	 * into nido's of @dirs, where its v1 limits are */
	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));

		if (write_file(d, "cgroup.procs", buf, e) < 0) {
			rmdir(dir);
			return -EIO;
		}
	}
	json_object_array_add(dirs, json_object_new_string(dir));
	return 0;
}

static int write_u64(const char *dir, const char *file, uint64_t v,
		     struct err **e)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return write_file(dir, file, buf, e);
}

static bool has_controller(const char *dir, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/cgroup.controllers", dir);
	_cleanup_free_ char *text = NULL;
	size_t len, n = strlen(name);

	if (file_read_all(path, 4096, &text, &len, NULL) < 0)
		return false;
	for (char *p = text; (p = strstr(p, name)); p += n)
		if ((p == text || p[-1] == ' ') && strchr(" \n", p[n]))
			return true;
	return false;
}

static bool want_mem(const struct cgroup_limits *l)
{
	return l->mem_hard || l->mem_soft || l->mem_swap_hard;
}

static bool want_cpu(const struct cgroup_limits *l)
{
	return l->cpu_shares || l->cpu_period_us || l->cpu_quota_us;
}

static int limit_v1_memory(const char *d, const struct cgroup_limits *l,
			   struct err **e)
{
	if (l->mem_hard &&
	    write_u64(d, "memory.limit_in_bytes", l->mem_hard, e) < 0)
		return -EIO;
	if (l->mem_soft &&
	    write_u64(d, "memory.soft_limit_in_bytes", l->mem_soft, e) < 0)
		return -EIO;
	if (l->mem_swap_hard && write_u64(d, "memory.memsw.limit_in_bytes",
					  l->mem_swap_hard, e) < 0)
		return -EIO;
	return 0;
}

static int limit_v1_cpu(const char *d, const struct cgroup_limits *l,
			struct err **e)
{
	char q[32];

	snprintf(q, sizeof(q), "%" PRId64, l->cpu_quota_us);
	if (l->cpu_shares && write_u64(d, "cpu.shares", l->cpu_shares, e) < 0)
		return -EIO;
	if (l->cpu_period_us &&
	    write_u64(d, "cpu.cfs_period_us", l->cpu_period_us, e) < 0)
		return -EIO;
	if (l->cpu_quota_us && write_file(d, "cpu.cfs_quota_us", q, e) < 0)
		return -EIO;
	return 0;
}

/* v2: memory.max, memory.high, memory.swap.max (swap alone). */
static int limit_v2_memory(const char *d, const struct cgroup_limits *l,
			   struct err **e)
{
	/* v2 limits swap alone: memory + swap needs the memory part */
	if (l->mem_swap_hard && !l->mem_hard)
		return err_set(e, EINVAL,
			       "swap_hard_limit needs a hard_limit on cgroup "
			       "v2");
	if (l->mem_hard && write_u64(d, "memory.max", l->mem_hard, e) < 0)
		return -EIO;
	if (l->mem_soft && write_u64(d, "memory.high", l->mem_soft, e) < 0)
		return -EIO;
	if (l->mem_swap_hard &&
	    write_u64(d, "memory.swap.max",
		      l->mem_swap_hard - MIN(l->mem_hard, l->mem_swap_hard),
		      e) < 0)
		return -EIO;
	return 0;
}

/* v2: cpu.weight from shares as libvirt converts them; cpu.max. */
static int limit_v2_cpu(const char *d, const struct cgroup_limits *l,
			struct err **e)
{
	uint64_t period = l->cpu_period_us ? l->cpu_period_us : 100000;
	char max[64];

	if (l->cpu_shares &&
	    write_u64(d, "cpu.weight", 1 + (l->cpu_shares - 2) * 9999 / 262142,
		      e) < 0)
		return -EIO;
	if (l->cpu_quota_us > 0)
		snprintf(max, sizeof(max), "%" PRId64 " %" PRIu64,
			 l->cpu_quota_us, period);
	else
		snprintf(max, sizeof(max), "max %" PRIu64, period);
	if ((l->cpu_quota_us || l->cpu_period_us) &&
	    write_file(d, "cpu.max", max, e) < 0)
		return -EIO;
	return 0;
}

/* pids.max in the v1 pids controller, else on v2 where it is enabled. */
static int limit_pids(struct json_object *dirs, uint64_t max, struct err **e)
{
	size_t n = dirs ? json_object_array_length(dirs) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));

		if (strstr(d, "/pids/nido/"))
			return write_u64(d, "pids.max", max, e);
	}
	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));
		_cleanup_free_ char *parent = xstrdup(d);
		char *slash = strrchr(parent, '/');

		if (!slash || !exists(d, "cgroup.controllers"))
			continue;
		*slash = '\0';
		write_file(parent, "cgroup.subtree_control", "+pids", NULL);
		if (has_controller(d, "pids"))
			return write_u64(d, "pids.max", max, e);
	}
	return err_set(e, ENOTSUP,
		       "no pids cgroup controller to apply <pids max> with");
}

int cgroup_freeze(struct json_object *dirs, bool frozen, struct err **e)
{
	size_t n = dirs ? json_object_array_length(dirs) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));

		if (exists(d, "cgroup.freeze"))
			return write_file(d, "cgroup.freeze",
					  frozen ? "1" : "0", e);
	}
	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));

		if (strstr(d, "/freezer/nido/"))
			return write_file(d, "freezer.state",
					  frozen ? "FROZEN" : "THAWED", e);
	}
	return err_set(e, ENOTSUP,
		       "no cgroup freezer (v2 cgroup.freeze or v1 "
		       "freezer)");
}

int cgroup_limit(struct json_object *dirs, const struct cgroup_limits *l,
		 struct err **e)
{
	size_t n = dirs ? json_object_array_length(dirs) : 0;
	bool mem_done = false, cpu_done = false;
	int r;

	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));
		_cleanup_free_ char *parent = xstrdup(d);
		char *slash = strrchr(parent, '/');

		if (strstr(d, "/memory/nido/") && want_mem(l)) {
			if ((r = limit_v1_memory(d, l, e)) < 0)
				return r;
			mem_done = true;
		} else if (strstr(d, "/cpu/nido/") && want_cpu(l)) {
			if ((r = limit_v1_cpu(d, l, e)) < 0)
				return r;
			cpu_done = true;
		} else if (slash && exists(d, "cgroup.controllers")) {
			/* v2: let nido/ hand the controllers down (best
			 * effort: in a hybrid layout it has none) */
			*slash = '\0';
			if (want_mem(l))
				write_file(parent, "cgroup.subtree_control",
					   "+memory", NULL);
			if (want_cpu(l))
				write_file(parent, "cgroup.subtree_control",
					   "+cpu", NULL);
			if (want_mem(l) && has_controller(d, "memory")) {
				if ((r = limit_v2_memory(d, l, e)) < 0)
					return r;
				mem_done = true;
			}
			if (want_cpu(l) && has_controller(d, "cpu")) {
				if ((r = limit_v2_cpu(d, l, e)) < 0)
					return r;
				cpu_done = true;
			}
		}
	}
	if (l->pids_max && (r = limit_pids(dirs, l->pids_max, e)) < 0)
		return r;
	if (want_mem(l) && !mem_done)
		return err_set(e, ENOTSUP,
			       "no memory cgroup controller to apply "
			       "<memtune> with");
	if (want_cpu(l) && !cpu_done)
		return err_set(e, ENOTSUP,
			       "no cpu cgroup controller to apply <cputune> "
			       "with");
	return 0;
}

struct json_object *cgroup_create(const char *root, const char *name,
				  struct err **e)
{
	return cgroup_enter(root, name, 0, e);
}

size_t cgroup_open_procs(struct json_object *dirs, int *fds, size_t max)
{
	size_t n = dirs ? json_object_array_length(dirs) : 0, k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));
		_cleanup_free_ char *p = xasprintf("%s/cgroup.procs", d);
		int fd = open(p, O_WRONLY | O_CLOEXEC);

		if (fd >= 0)
			fds[k++] = fd;
	}
	return k;
}

/* Whether @d is nido's cgroup in a machine's scope. */
static bool in_scope(const char *d)
{
	static const char tail[] = ".scope/" CGROUP_SCOPE_CHILD;
	size_t n = strlen(d);

	return n >= sizeof(tail) - 1 &&
	       !strcmp(d + n - (sizeof(tail) - 1), tail);
}

void cgroup_remove(struct json_object *dirs)
{
	size_t n = dirs ? json_object_array_length(dirs) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));

		/* nido's: under nido/, or its cgroup in a machine's scope */
		if (d && (strstr(d, "/nido/") || in_scope(d)))
			rmdir(d);
	}
}

static int read_u64(const char *path, uint64_t *out)
{
	char buf[64];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*out = strtoull(buf, NULL, 10);
	return 0;
}

int cgroup_usage(struct json_object *dirs, uint64_t *cpu_ns,
		 uint64_t *mem_bytes)
{
	size_t n = dirs ? json_object_array_length(dirs) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));
		_cleanup_free_ char *cpu = xasprintf("%s/cpuacct.usage", d);
		_cleanup_free_ char *mem =
			xasprintf("%s/memory.usage_in_bytes", d);
		_cleanup_free_ char *mem2 = xasprintf("%s/memory.current", d);

		read_u64(cpu, cpu_ns);
		if (read_u64(mem, mem_bytes) < 0)
			read_u64(mem2, mem_bytes);
	}
	return 0;
}
