// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The logical pool (libvirt's type='logical'): an LVM volume group whose
 * logical volumes are the volumes, at /dev/VG/LV (the pool's target is
 * /dev/VG). Everything goes through lvm2's command-line tools, as
 * libvirt does, each run with its own argv and no shell: a name reaches
 * them only after lvm_name_check() passed, so none can be read as an
 * option.
 *
 * Build makes the volume group from the source devices (pvcreate, then
 * vgcreate), only on devices that hold nothing blkid recognises (a file
 * system, a partition table, another PV) unless --overwrite says to
 * erase it. Start and stop activate and deactivate the group; delete
 * removes a group with no volume left, and the PV labels build wrote.
 *
 * Thin provisioning (docs/storage-xml.md, "Thin volumes"): a volume
 * whose allocation is below its capacity is a thin volume of the
 * group's thin pool, which grows by that allocation (the space it
 * reserves; a thin pool never shrinks) and is made on first need as
 * LOGICAL_THIN_POOL; the thin pool nido made goes with its last thin
 * volume. Thin pools are not volumes (libvirt lists none either); thin
 * volumes made outside are, with what they use as their allocation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/spawn.h"
#include "storage/storage.h"

#define LVM_NAME_MAX 127
/* The least a thin pool grows by for a new thin volume. */
#define THIN_POOL_MIN (4u << 20)
/* The LVM tag of the thin pool nido made (and may remove). */
#define THIN_POOL_TAG "nido-made"

/* lvm2's rule for VG and LV names: letters, digits and "+_.-", not
 * starting with '-', not "." or "..". */
static int lvm_name_check(const char *what, const char *name, struct err **e)
{
	size_t n = strlen(name);

	if (n == 0 || n > LVM_NAME_MAX || name[0] == '-' || streq(name, ".") ||
	    streq(name, "..") ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789+_.-") != n)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"%s '%.64s' is not an LVM name (1 to %d of "
				"letters, digits, '+', '_', '.', '-'; not "
				"starting with '-')",
				what, name, LVM_NAME_MAX);
	return 0;
}

static const char *vg(const struct storage_pool_params *p)
{
	return p->source_name ? p->source_name : p->name;
}

/*
 * Runs an lvm2 tool; a non-zero status is an error carrying what the
 * tool said. *@out (may be NULL) gets its standard output only when
 * @quiet_stderr (to be parsed), else both. Returns 0, the exit status
 * (> 0) when @status_ok, or -errno.
 */
static int lvm(const struct storage_pool_params *p, char *const *argv,
	       char **out, bool quiet_stderr, bool status_ok, struct err **e)
{
	_cleanup_free_ char *text = NULL;
	int r = spawn_run(argv, &text, !quiet_stderr, e);

	if (r < 0)
		return err_prefix(e, "pool '%s'", p->name);
	if (r != 0 && status_ok)
		return r;
	if (r != 0) {
		size_t n = text ? strlen(text) : 0;

		while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
			text[--n] = '\0';
		return err_setk(e, ERR_OPERATION_FAILED, EIO,
				"pool '%s': %s exited with status %d%s%.300s",
				p->name, argv[0], r, n ? ": " : "",
				n ? text : "");
	}
	if (out)
		*out = steal_ptr(text);
	return 0;
}

/* Does the volume group exist? 1, 0, or -errno. */
static int vg_exists(const struct storage_pool_params *p, struct err **e)
{
	char *argv[] = {"vgs",	   "--noheadings", "-o",
			"vg_name", (char *)vg(p),  NULL};
	int r = lvm(p, argv, NULL, true, true, e);

	return r < 0 ? r : r == 0;
}

/* What the source devices hold that pvcreate would erase. */
static int check_sources(const struct storage_pool_params *p, unsigned flags,
			 struct err **e)
{
	for (size_t i = 0; i < p->n_devices; i++) {
		_cleanup_free_ char *has = NULL, *pt = NULL;
		const char *d = p->devices[i];

		if (storage_check_blockdev(p, d, e) < 0 ||
		    storage_probe(d, &has, &pt, e) < 0)
			return -EINVAL;
		if ((*has || *pt) && !(flags & STORAGE_BUILD_OVERWRITE))
			return err_setk(
				e, ERR_OPERATION_INVALID, EEXIST,
				"pool '%s': device '%s' already holds %s '%s': "
				"making it a physical volume would erase it "
				"(pool-build --overwrite to do so)",
				p->name, d,
				streq(has, "LVM2_member") ? "an LVM signature"
				: *has			  ? "a file system"
							  : "a partition table",
				*has ? has : pt);
	}
	return 0;
}

static void pvremove_all(const struct storage_pool_params *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *argv[] = {"pvremove", "-y", "-q", (char *)p->devices[i],
				NULL};
		_cleanup_err_ struct err *ignored = NULL;

		lvm(p, argv, NULL, false, false, &ignored);
	}
}

static int logical_build(const struct storage_pool_params *p,
			 const char *fs_type, unsigned flags, struct err **e)
{
	_cleanup_free_ char **argv = NULL;
	size_t i;
	int r;

	if (fs_type)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': a logical pool has no file system "
				"to format",
				p->name);
	if (lvm_name_check("volume group name", vg(p), e) < 0)
		return -EINVAL;
	if (p->n_devices == 0)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': building a logical pool needs its "
				"<source><device path=...> (the physical "
				"volumes)",
				p->name);
	if ((r = vg_exists(p, e)) != 0)
		return r < 0 ? r
			     : err_setk(e, ERR_OPERATION_INVALID, EEXIST,
					"pool '%s': volume group '%s' exists "
					"already",
					p->name, vg(p));
	if (check_sources(p, flags, e) < 0)
		return -EINVAL;
	for (i = 0; i < p->n_devices; i++) {
		char *pv[] = {
			"pvcreate", "-q", "-y", "-ff", (char *)p->devices[i],
			NULL};

		/* without consent only a blank device gets here: no -ff */
		if (!(flags & STORAGE_BUILD_OVERWRITE)) {
			pv[2] = (char *)p->devices[i];
			pv[3] = NULL;
		}
		if (lvm(p, pv, NULL, false, false, e) < 0) {
			pvremove_all(p, i);
			return -EIO;
		}
	}
	argv = xcalloc(p->n_devices + 4, sizeof(*argv));
	argv[0] = "vgcreate";
	argv[1] = "-q";
	argv[2] = (char *)vg(p);
	for (i = 0; i < p->n_devices; i++)
		argv[3 + i] = (char *)p->devices[i];
	if (lvm(p, argv, NULL, false, false, e) < 0) {
		pvremove_all(p, p->n_devices);
		return -EIO;
	}
	return 0;
}

static int logical_start(const struct storage_pool_params *p, struct err **e)
{
	char *argv[] = {"vgchange", "-q", "-aly", (char *)vg(p), NULL};
	int r;

	if (lvm_name_check("volume group name", vg(p), e) < 0)
		return -EINVAL;
	if ((r = vg_exists(p, e)) <= 0)
		return r < 0 ? r
			     : err_setk(e, ERR_OPERATION_INVALID, ENOENT,
					"pool '%s': volume group '%s' not "
					"found (pool-build makes it from the "
					"source devices)",
					p->name, vg(p));
	return lvm(p, argv, NULL, false, false, e);
}

static int logical_stop(const struct storage_pool_params *p, struct err **e)
{
	char *argv[] = {"vgchange", "-q", "-aln", (char *)vg(p), NULL};

	return lvm(p, argv, NULL, false, false, e);
}

/*
 * The group is there and whole: `vgs` knows it and its attributes do
 * not say partial (a physical volume gone).
 */
static int logical_check(const struct storage_pool_params *p, struct err **e)
{
	char *argv[] = {"vgs",	   "--noheadings", "-o",
			"vg_attr", (char *)vg(p),  NULL};
	_cleanup_free_ char *out = NULL;
	const char *a;
	int r = lvm(p, argv, &out, true, true, e);

	if (r < 0)
		return r;
	a = out ? out + strspn(out, " ") : "";
	if (r > 0 || strlen(a) < 4)
		return err_setk(e, ERR_OPERATION_INVALID, ENODEV,
				"pool '%s': volume group '%s' is gone", p->name,
				vg(p));
	if (a[3] == 'p')
		return err_setk(e, ERR_OPERATION_INVALID, ENODEV,
				"pool '%s': volume group '%s' lost a physical "
				"volume (partial)",
				p->name, vg(p));
	return 0;
}

/* One line of lvs: name|size|attr|data_percent. */
static bool parse_lv(const struct storage_pool_params *p, char *line,
		     const char *target, struct storage_vol *v)
{
	char *f[4], *save = NULL, *s = line;
	struct stat st;

	for (int i = 0; i < 4; i++) {
		f[i] = strtok_r(s, "|", &save);
		s = NULL;
		if (!f[i] && i < 3)
			return false;
		if (f[i])
			f[i] += strspn(f[i], " ");
	}
	/* a thin pool (t) or VDO pool (d) holds volumes, is none */
	if (f[2][0] == 't' || f[2][0] == 'd')
		return false;
	if (lvm_name_check("volume name", f[0], NULL) < 0)
		return false;
	memset(v, 0, sizeof(*v));
	v->name = xstrdup(f[0]);
	v->path = xasprintf("%s/%s", target, f[0]);
	v->format = xstrdup("raw");
	v->block = true;
	v->capacity = strtoull(f[1], NULL, 10);
	v->physical = v->capacity;
	v->allocation = v->capacity;
	if (f[2][0] == 'V' && f[3] && *f[3]) /* thin: what it uses */
		v->allocation = (uint64_t)(strtod(f[3], NULL) / 100.0 *
					   (double)v->capacity);
	if (stat(v->path, &st) == 0) {
		v->mode = st.st_mode & 07777;
		v->owner = st.st_uid;
		v->group = st.st_gid;
	}
	(void)p;
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct storage_vol *)a)->name,
		      ((const struct storage_vol *)b)->name);
}

static int vg_space(const struct storage_pool_params *p,
		    struct storage_space *s, struct err **e)
{
	char *argv[] = {"vgs", "--noheadings",	  "--nosuffix",	 "--units", "b",
			"-o",  "vg_size,vg_free", (char *)vg(p), NULL};
	_cleanup_free_ char *out = NULL;
	unsigned long long size, avail;

	if (lvm(p, argv, &out, true, false, e) < 0)
		return -EIO;
	if (sscanf(out, " %llu %llu", &size, &avail) != 2)
		return err_setk(e, ERR_OPERATION_FAILED, EIO,
				"pool '%s': cannot read vgs's sizes", p->name);
	s->capacity = size;
	s->available = avail;
	s->allocation = size - avail;
	return 0;
}

static int logical_scan(const struct storage_pool_params *p,
			struct storage_vol **vols, size_t *n_out,
			struct storage_space *s, struct err **e)
{
	char *argv[] = {"lvs",
			"--noheadings",
			"--nosuffix",
			"--units",
			"b",
			"--separator",
			"|",
			"-o",
			"lv_name,lv_size,lv_attr,data_percent",
			(char *)vg(p),
			NULL};
	_cleanup_free_ char *out = NULL;
	struct storage_vol *v = NULL;
	size_t n = 0;
	char *save = NULL;

	if (vg_space(p, s, e) < 0 || lvm(p, argv, &out, true, false, e) < 0)
		return -EIO;
	for (char *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		n += parse_lv(p, l, p->target, &v[n]);
	}
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	*n_out = n;
	*vols = v;
	return 0;
}

/* The size of the volume @name: 0 with *@size, -ENOENT, or -errno. */
static int lv_size(const struct storage_pool_params *p, const char *name,
		   uint64_t *size, struct err **e)
{
	_cleanup_free_ char *lv = xasprintf("%s/%s", vg(p), name);
	_cleanup_free_ char *out = NULL;
	char *argv[] = {"lvs", "--noheadings", "--nosuffix", "--units", "b",
			"-o",  "lv_size",      lv,	     NULL};
	unsigned long long v;
	int r = lvm(p, argv, &out, true, true, e);

	if (r < 0)
		return r;
	if (r > 0 || sscanf(out, " %llu", &v) != 1)
		return err_setk(e, ERR_NO_STORAGE_VOL, ENOENT,
				"storage volume '%s' not found in volume "
				"group '%s'",
				name, vg(p));
	*size = v;
	return 0;
}

/* A line of lv_table() in its fields: name, attributes, thin pool, tags
 * (the last two may be empty). */
struct lv_row {
	char *name, *attr, *pool, *tags;
};

static bool lv_fields(char *line, struct lv_row *r)
{
	char **f[] = {&r->name, &r->attr, &r->pool, &r->tags};
	char *s = line;

	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		char *bar = strchr(s, '|');

		if (bar)
			*bar = '\0';
		*f[i] = s + strspn(s, " ");
		s = bar ? bar + 1 : s + strlen(s);
	}
	return *r->name && *r->attr;
}

/* Every LV of the group as name|attr|pool_lv|tags lines, in *@out. */
static int lv_table(const struct storage_pool_params *p, char **out,
		    struct err **e)
{
	char *argv[] = {"lvs",	       "--noheadings",
			"--separator", "|",
			"-o",	       "lv_name,lv_attr,pool_lv,lv_tags",
			(char *)vg(p), NULL};

	return lvm(p, argv, out, true, false, e);
}

/*
 * The thin pool new thin volumes go to (docs/storage-xml.md): the one
 * named LOGICAL_THIN_POOL, else the group's only one; none: *@name
 * NULL (one is to be made). Several, none of that name: refused.
 */
static int thin_pool_find(const struct storage_pool_params *p, char **name,
			  struct err **e)
{
	_cleanup_free_ char *out = NULL, *only = NULL;
	char *save = NULL;
	struct lv_row r;
	size_t count = 0;

	*name = NULL;
	if (lv_table(p, &out, e) < 0)
		return -EIO;
	for (char *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!lv_fields(l, &r) || r.attr[0] != 't')
			continue;
		if (streq(r.name, LOGICAL_THIN_POOL)) {
			*name = xstrdup(r.name);
			return 0;
		}
		count++;
		free(only);
		only = xstrdup(r.name);
	}
	if (count > 1)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"pool '%s': volume group '%s' has %zu thin "
				"pools and none is named '%s': nido does not "
				"choose one",
				p->name, vg(p), count, LOGICAL_THIN_POOL);
	*name = steal_ptr(only);
	return 0;
}

/*
 * The thin pool grown by @bytes (at least one extent), or made of that
 * size: what a thin volume's allocation reserves. *@made: it is new.
 */
static int thin_pool_grow(const struct storage_pool_params *p, uint64_t bytes,
			  char **name, bool *made, struct err **e)
{
	_cleanup_free_ char *size = NULL, *lv = NULL;

	if (thin_pool_find(p, name, e) < 0)
		return -EINVAL;
	size = xasprintf("%s%" PRIu64 "b", *name ? "+" : "",
			 MAX(bytes, (uint64_t)THIN_POOL_MIN));
	*made = !*name;
	if (*made) {
		*name = xstrdup(LOGICAL_THIN_POOL);
		return lvm(p,
			   (char *[]){"lvcreate", "-q", "--yes", "--type",
				      "thin-pool", "--addtag", THIN_POOL_TAG,
				      "-L", size, "-n", *name, (char *)vg(p),
				      NULL},
			   NULL, false, false, e);
	}
	lv = xasprintf("%s/%s", vg(p), *name);
	return lvm(p, (char *[]){"lvextend", "-q", "-L", size, lv, NULL}, NULL,
		   false, false, e);
}

/* Removes the thin pool nido made (its tag says so) once no thin
 * volume uses it. */
static void thin_pool_drop_unused(const struct storage_pool_params *p)
{
	_cleanup_err_ struct err *ignored = NULL;
	_cleanup_free_ char *out = NULL, *lv = NULL;
	char *save = NULL;
	struct lv_row r;
	bool have = false, used = false;

	if (lv_table(p, &out, &ignored) < 0)
		return;
	for (char *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!lv_fields(l, &r))
			continue;
		have |= r.attr[0] == 't' && streq(r.name, LOGICAL_THIN_POOL) &&
			strstr(r.tags, THIN_POOL_TAG);
		used |= streq(r.pool, LOGICAL_THIN_POOL);
	}
	if (!have || used)
		return;
	lv = xasprintf("%s/%s", vg(p), LOGICAL_THIN_POOL);
	lvm(p, (char *[]){"lvremove", "-q", "-f", lv, NULL}, NULL, false, false,
	    &ignored);
}

/* A thin volume of @nv->capacity in the group's thin pool. */
static int thin_create(const struct storage_pool_params *p,
		       const struct storage_vol_new *nv, struct err **e)
{
	_cleanup_free_ char *size = xasprintf("%" PRIu64 "b", nv->capacity);
	_cleanup_free_ char *tp = NULL;
	bool made = false;

	if (thin_pool_grow(p, nv->allocation, &tp, &made, e) < 0)
		return -EIO;
	if (lvm(p,
		(char *[]){"lvcreate", "-q", "--yes", "--type", "thin", "-V",
			   size, "-n", (char *)nv->name, "--thinpool", tp,
			   (char *)vg(p), NULL},
		NULL, false, false, e) < 0) {
		if (made)
			thin_pool_drop_unused(p);
		return -EIO;
	}
	return 0;
}

bool storage_logical_thin(const struct storage_vol_new *nv)
{
	return nv->allocation < nv->capacity;
}

static int logical_vol_create(const struct storage_pool_params *p,
			      const struct storage_vol_new *nv, struct err **e)
{
	_cleanup_free_ char *size = xasprintf("%" PRIu64 "b", nv->capacity);
	char *argv[] = {
		"lvcreate",	  "-q", "--yes", "-Wy",		"-Zy", "-n",
		(char *)nv->name, "-L", size,	 (char *)vg(p), NULL};
	uint64_t have;

	if (lvm_name_check("volume name", nv->name, e) < 0)
		return -EINVAL;
	if (nv->format && !streq(nv->format, "raw") &&
	    !streq(nv->format, "none"))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"volume format '%s': a logical volume holds "
				"raw data (format raw)",
				nv->format);
	if (nv->backing || nv->prealloc_metadata)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
				"a logical volume has no %s",
				nv->backing ? "backing store"
					    : "metadata to preallocate");
	if (nv->capacity == 0)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"a logical volume needs a capacity");
	if (lv_size(p, nv->name, &have, NULL) == 0)
		return err_setk(e, ERR_STORAGE_VOL_EXIST, EEXIST,
				"storage volume '%s' exists already", nv->name);
	if (storage_logical_thin(nv))
		return thin_create(p, nv, e);
	return lvm(p, argv, NULL, false, false, e);
}

static int logical_vol_delete(const struct storage_pool_params *p,
			      const char *name, struct err **e)
{
	_cleanup_free_ char *lv = NULL;
	uint64_t have;

	if (lvm_name_check("volume name", name, e) < 0 ||
	    lv_size(p, name, &have, e) < 0)
		return err_code(*e);
	lv = xasprintf("%s/%s", vg(p), name);
	if (lvm(p, (char *[]){"lvremove", "-q", "-f", lv, NULL}, NULL, false,
		false, e) < 0)
		return -EIO;
	thin_pool_drop_unused(p);
	return 0;
}

static int logical_vol_resize(const struct storage_pool_params *p,
			      const char *name, uint64_t capacity, bool shrink,
			      struct err **e)
{
	_cleanup_free_ char *size = xasprintf("%" PRIu64 "b", capacity);
	_cleanup_free_ char *lv = NULL;
	uint64_t have;

	if (lvm_name_check("volume name", name, e) < 0 ||
	    lv_size(p, name, &have, e) < 0)
		return err_code(*e);
	if (capacity < have && !shrink)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"can't shrink capacity below current capacity "
				"unless shrink flag explicitly specified");
	if (capacity == have)
		return 0;
	lv = xasprintf("%s/%s", vg(p), name);
	return lvm(p, (char *[]){"lvresize", "-q", "-f", "-L", size, lv, NULL},
		   NULL, false, false, e);
}

/* Removes a group that has no volume left, and its PV labels. */
static int logical_delete(const struct storage_pool_params *p, struct err **e)
{
	struct storage_vol *v = NULL;
	struct storage_space s;
	size_t n = 0;
	int r;

	if ((r = vg_exists(p, e)) <= 0) {
		if (r < 0)
			return r;
		pvremove_all(p, p->n_devices); /* a half-made build */
		return 0;
	}
	if (logical_scan(p, &v, &n, &s, e) < 0)
		return -EIO;
	storage_vols_free(v, n);
	if (n)
		return err_setk(e, ERR_OPERATION_INVALID, ENOTEMPTY,
				"deleting pool '%s': volume group '%s' still "
				"has %zu volume%s (delete them first)",
				p->name, vg(p), n, n == 1 ? "" : "s");
	if (lvm(p, (char *[]){"vgremove", "-q", "-f", (char *)vg(p), NULL},
		NULL, false, false, e) < 0)
		return -EIO;
	pvremove_all(p, p->n_devices);
	return 0;
}

const struct storage_backend storage_backend_logical = {
	.type = "logical",
	.build = logical_build,
	.start = logical_start,
	.stop = logical_stop,
	.delete = logical_delete,
	.check = logical_check,
	.scan = logical_scan,
	.vol_create = logical_vol_create,
	.vol_delete = logical_vol_delete,
	.vol_resize = logical_vol_resize,
};
