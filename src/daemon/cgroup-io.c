// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Block I/O and CPU set limits (cgroup.h: cgroup_blkio, cgroup_cpuset):
 * the v1 blkio and cpuset controllers, else v2's io and cpuset. The v1
 * hierarchies get a cgroup only when a limit needs it (a cpuset cgroup
 * must be given its CPUs and memory nodes before it can hold a process,
 * which the other users of cgroup.c need not care about); it joins the
 * caller's array of directories, so cgroup_open_procs() and
 * cgroup_remove() see it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/cgroup.h"
#include "lib/file.h"

static int write_str(const char *dir, const char *file, const char *value,
		     struct err **e)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write_full(fd, value, strlen(value)) < 0)
		return err_sys(e, errno, "setting '%s' to '%s'", path, value);
	return 0;
}

static bool has_file(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

	return access(p, F_OK) == 0;
}

/* A file of @dir read whole, its last newline dropped; NULL if none. */
static char *read_str(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	char *text = NULL;
	size_t len;

	if (file_read_all(p, 65536, &text, &len, NULL) < 0)
		return NULL;
	if (len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	return text;
}

/* The cgroup's name: the last component of the first directory. */
static const char *cg_name(struct json_object *dirs)
{
	const char *d = json_object_array_length(dirs)
				? json_object_get_string(
					  json_object_array_get_idx(dirs, 0))
				: NULL;
	const char *slash = d ? strrchr(d, '/') : NULL;

	return slash ? slash + 1 : NULL;
}

/* The v2 directory of @dirs (it has cgroup.controllers), or NULL. */
static const char *v2_dir(struct json_object *dirs)
{
	for (size_t i = 0; i < json_object_array_length(dirs); i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(dirs, i));

		if (has_file(d, "cgroup.controllers"))
			return d;
	}
	return NULL;
}

/* A v2 controller handed down from the root to @d (nido/NAME), when the
 * hierarchy has it (not bound to a v1 one). */
static bool v2_enable(const char *d, const char *ctl)
{
	_cleanup_free_ char *nido = xstrdup(d);
	_cleanup_free_ char *plus = xasprintf("+%s", ctl);
	char *slash = strrchr(nido, '/');
	_cleanup_free_ char *root = NULL;
	_cleanup_free_ char *have = NULL;

	if (!slash)
		return false;
	*slash = '\0';
	root = xstrdup(nido);
	if ((slash = strrchr(root, '/')))
		*slash = '\0';
	write_str(root, "cgroup.subtree_control", plus, NULL);
	write_str(nido, "cgroup.subtree_control", plus, NULL);
	have = read_str(d, "cgroup.controllers");
	for (char *p = have; p && (p = strstr(p, ctl)); p += strlen(ctl))
		if ((p == have || p[-1] == ' ') && strchr(" ", p[strlen(ctl)]))
			return true;
	return false;
}

/* *@out = <root>/<ctl>/nido/NAME, made and added to @dirs: 1; 0 when
 * there is no such v1 hierarchy. For cpuset, nido/ and NAME get their
 * parent's memory nodes and CPUs first: an empty cpuset cannot hold a
 * process. */
static int v1_make(struct json_object *dirs, const char *root, const char *ctl,
		   char **out, struct err **e)
{
	_cleanup_free_ char *hier = xasprintf("%s/%s", root, ctl);
	_cleanup_free_ char *nido = xasprintf("%s/nido", hier);
	const char *name = cg_name(dirs);
	_cleanup_free_ char *dir = NULL;

	if (!name || access(hier, F_OK) < 0)
		return 0;
	dir = xasprintf("%s/%s", nido, name);
	for (int i = 0; i < 2; i++) {
		const char *d = i ? dir : nido;
		const char *up = i ? nido : hier;

		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return err_sys(e, errno, "making '%s'", d);
		if (!streq(ctl, "cpuset"))
			continue;
		for (int k = 0; k < 2; k++) {
			const char *f = k ? "cpuset.cpus" : "cpuset.mems";
			_cleanup_free_ char *now = read_str(d, f);
			_cleanup_free_ char *from = read_str(up, f);

			if (now && !*now && from)
				write_str(d, f, from, NULL);
		}
	}
	json_object_array_add(dirs, json_object_new_string(dir));
	*out = steal_ptr(dir);
	return 1;
}

/* Whether @b asks for a proportional weight (its own or a device's). */
static bool weighted(const struct cgroup_blkio *b)
{
	for (size_t i = 0; i < b->n_devs; i++)
		if (b->devs[i].v[0])
			return true;
	return b->weight != 0;
}

/* A weight needs a proportional I/O scheduler (BFQ; CFQ before 5.0)
 * that the host may not have: refused by name rather than dropped. */
static int no_weights(struct err **e, const char *files)
{
	return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			"<blkiotune> weight: the host's block I/O scheduler "
			"has no weights (no %s: BFQ is not available); only "
			"the device limits can be kept",
			files);
}

static int v1_blkio(const char *d, const struct cgroup_blkio *b, struct err **e)
{
	/* blkio.weight with CFQ (before 5.0), blkio.bfq.weight after */
	const char *w = has_file(d, "blkio.weight")	  ? "blkio.weight"
			: has_file(d, "blkio.bfq.weight") ? "blkio.bfq.weight"
							  : NULL;
	_cleanup_free_ char *wd = w ? xasprintf("%s_device", w) : NULL;
	static const char *const files[] = {NULL,
					    "blkio.throttle.read_bps_device",
					    "blkio.throttle.write_bps_device",
					    "blkio.throttle.read_iops_device",
					    "blkio.throttle.write_iops_device"};
	char buf[64];

	if (!w && weighted(b))
		return no_weights(e, "blkio.weight, blkio.bfq.weight");
	snprintf(buf, sizeof(buf), "%" PRIu64, b->weight);
	if (b->weight && write_str(d, w, buf, e) < 0)
		return -EIO;
	for (size_t i = 0; i < b->n_devs; i++) {
		const struct cgroup_blkio_dev *dev = &b->devs[i];

		for (int k = 0; k < CGROUP_BLKIO_N; k++) {
			if (!dev->v[k])
				continue;
			snprintf(buf, sizeof(buf), "%u:%u %" PRIu64, dev->major,
				 dev->minor, dev->v[k]);
			if (write_str(d, k ? files[k] : wd, buf, e) < 0)
				return -EIO;
		}
	}
	return 0;
}

static int v2_io(const char *d, const struct cgroup_blkio *b, struct err **e)
{
	const char *w = has_file(d, "io.bfq.weight") ? "io.bfq.weight"
			: has_file(d, "io.weight")   ? "io.weight"
						     : NULL;
	static const char *const keys[] = {NULL, "rbps", "wbps", "riops",
					   "wiops"};
	char buf[256];

	if (!w && weighted(b))
		return no_weights(e, "io.weight, io.bfq.weight");
	snprintf(buf, sizeof(buf), "default %" PRIu64, b->weight);
	if (b->weight && write_str(d, w, buf, e) < 0)
		return -EIO;
	for (size_t i = 0; i < b->n_devs; i++) {
		const struct cgroup_blkio_dev *dev = &b->devs[i];
		int n = snprintf(buf, sizeof(buf), "%u:%u", dev->major,
				 dev->minor);
		bool any = false;

		for (int k = 1; k < CGROUP_BLKIO_N; k++)
			if (dev->v[k]) {
				n += snprintf(buf + n, sizeof(buf) - (size_t)n,
					      " %s=%" PRIu64, keys[k],
					      dev->v[k]);
				any = true;
			}
		if (any && write_str(d, "io.max", buf, e) < 0)
			return -EIO;
		snprintf(buf, sizeof(buf), "%u:%u %" PRIu64, dev->major,
			 dev->minor, dev->v[0]);
		if (dev->v[0] && write_str(d, w, buf, e) < 0)
			return -EIO;
	}
	return 0;
}

int cgroup_blkio(struct json_object *dirs, const char *root,
		 const struct cgroup_blkio *b, struct err **e)
{
	_cleanup_free_ char *v1 = NULL;
	const char *v2;
	int r;

	if (!b->weight && !b->n_devs)
		return 0;
	if ((r = v1_make(dirs, root, "blkio", &v1, e)) != 0)
		return r < 0 ? r : v1_blkio(v1, b, e);
	v2 = v2_dir(dirs);
	if (v2 && v2_enable(v2, "io"))
		return v2_io(v2, b, e);
	return err_set(e, ENOTSUP,
		       "no blkio (v1) or io (v2) cgroup controller to apply "
		       "<blkiotune> with");
}

int cgroup_cpuset(struct json_object *dirs, const char *root, const char *cpus,
		  struct err **e)
{
	_cleanup_free_ char *v1 = NULL;
	const char *v2;
	int r;

	if (!cpus)
		return 0;
	if ((r = v1_make(dirs, root, "cpuset", &v1, e)) != 0)
		return r < 0 ? r : write_str(v1, "cpuset.cpus", cpus, e);
	v2 = v2_dir(dirs);
	if (v2 && v2_enable(v2, "cpuset"))
		return write_str(v2, "cpuset.cpus", cpus, e);
	return err_set(e, ENOTSUP,
		       "no cpuset cgroup controller to apply <vcpu cpuset> "
		       "with");
}

int cgroup_devices_minimal(struct json_object *dirs, const char *root,
			   struct err **e)
{
	/* LXC's default for a privileged container: making any node is
	 * allowed (its root may), using one only for these */
	static const char *const allow[] = {
		"c *:* m",   "b *:* m",	  "c 1:3 rwm",	"c 1:5 rwm",
		"c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",	"c 5:0 rwm",
		"c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"};
	_cleanup_free_ char *v1 = NULL;
	int r = v1_make(dirs, root, "devices", &v1, e);

	if (r <= 0)
		return r < 0 ? r
			     : err_set(e, ENOTSUP,
				       "no devices cgroup controller (v1)");
	if (write_str(v1, "devices.deny", "a", e) < 0)
		return -EIO;
	for (size_t i = 0; i < ARRAY_SIZE(allow); i++)
		if (write_str(v1, "devices.allow", allow[i], e) < 0)
			return -EIO;
	return 0;
}

char *cgroup_read(struct json_object *dirs, const char *file)
{
	for (size_t i = 0; dirs && i < json_object_array_length(dirs); i++) {
		char *v = read_str(json_object_get_string(
					   json_object_array_get_idx(dirs, i)),
				   file);

		if (v)
			return v;
	}
	return NULL;
}
