// SPDX-License-Identifier: GPL-2.0-or-later
/* A domain's snapshots: metadata and images (snapshot.h). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/block.h"
#include "block/image.h"
#include "daemon/daemon.h"
#include "daemon/domain.h"
#include "daemon/snapshot.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/util.h"

/* A domain keeps at most this many snapshots (qcow2's own limit is
 * 65536 a image; a set is read whole). */
#define SNAPSHOT_MAX 1024

void snapshot_set_free(struct snapshot_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		snapshot_def_free(s->v[i]);
	free(s->v);
	free(s);
}

static char *dir_of(const struct daemon *dmn, const struct domain *dom)
{
	return xasprintf("%s/snapshot/%s", dmn->store.state_dir,
			 dom->def->name);
}

char *snapshot_state_path(const struct daemon *dmn, const struct domain *dom,
			  const char *name)
{
	return xasprintf("%s/snapshot/%s/%s.state", dmn->store.state_dir,
			 dom->def->name, name);
}

static int by_time(const void *a, const void *b)
{
	const struct snapshot_def *x = *(struct snapshot_def *const *)a;
	const struct snapshot_def *y = *(struct snapshot_def *const *)b;

	if (x->creation_time != y->creation_time)
		return x->creation_time < y->creation_time ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Reads one metadata file; a file that does not parse is left alone
 * with a warning (it is nidod's own, written atomically). */
static struct snapshot_def *load_one(const char *dir, const char *file)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_free_ char *text = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct snapshot_def *sn = NULL;
	size_t len;

	if (file_read_all(path, 2u << 20, &text, &len, &e) < 0 ||
	    snapshot_def_parse(text, len, true, &sn, NULL, &e) < 0) {
		log_warn("snapshot metadata '%s' skipped: %s", path,
			 err_msg(e));
		return NULL;
	}
	if (strlen(file) != strlen(sn->name) + 4 ||
	    strncmp(file, sn->name, strlen(sn->name))) {
		log_warn("snapshot metadata '%s' skipped: it names '%s'", path,
			 sn->name);
		snapshot_def_free(sn);
		return NULL;
	}
	return sn;
}

struct snapshot_set *snapshot_set_of(struct daemon *dmn, struct domain *dom,
				     struct err **e)
{
	_cleanup_free_ char *dir = NULL;
	struct snapshot_set *set;
	struct dirent *de;
	DIR *d;

	if (dom->snaps)
		return dom->snaps;
	set = xcalloc(1, sizeof(*set));
	dir = dir_of(dmn, dom);
	if (!(d = opendir(dir))) {
		if (errno != ENOENT) {
			err_sys(e, errno, "snapshot directory '%s'", dir);
			free(set);
			return NULL;
		}
		return dom->snaps = set;
	}
	while ((de = readdir(d)) && set->n < SNAPSHOT_MAX) {
		size_t n = strlen(de->d_name);
		struct snapshot_def *sn;

		if (de->d_name[0] == '.' || n < 5 ||
		    strcmp(de->d_name + n - 4, ".xml"))
			continue;
		if (!(sn = load_one(dir, de->d_name)))
			continue;
		set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
		set->v[set->n++] = sn;
	}
	closedir(d);
	if (set->n)
		qsort(set->v, set->n, sizeof(*set->v), by_time);
	return dom->snaps = set;
}

struct snapshot_def *snapshot_find(const struct snapshot_set *s,
				   const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->v[i]->name, name))
			return s->v[i];
	return NULL;
}

struct snapshot_def *snapshot_current(const struct snapshot_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->current)
			return s->v[i];
	return NULL;
}

size_t snapshot_children(const struct snapshot_set *s, const char *name,
			 bool all)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->parent && streq(s->v[i]->parent, name))
			n += 1 +
			     (all ? snapshot_children(s, s->v[i]->name, true)
				  : 0);
	return n;
}

int snapshot_store(struct daemon *dmn, const struct domain *dom,
		   const struct snapshot_def *sn, struct err **e)
{
	_cleanup_free_ char *dir = dir_of(dmn, dom);
	_cleanup_free_ char *path = xasprintf("%s/%s.xml", dir, sn->name);
	_cleanup_free_ char *text = snapshot_def_format(sn, true);

	if (file_mkdir_p(dir, 0700, e) < 0 ||
	    file_write_atomic(path, text, strlen(text), 0600, e) < 0)
		return err_prefix(e, "snapshot '%s'", sn->name);
	return 0;
}

int snapshot_set_current(struct daemon *dmn, const struct domain *dom,
			 struct snapshot_set *set, struct snapshot_def *sn,
			 struct err **e)
{
	struct snapshot_def *old = snapshot_current(set);

	if (old == sn)
		return 0;
	sn->current = true;
	if (snapshot_store(dmn, dom, sn, e) < 0) {
		sn->current = false;
		return err_code(*e);
	}
	if (old) {
		_cleanup_err_ struct err *why = NULL;

		old->current = false;
		/* two marked: the newer wins when read again */
		if (snapshot_store(dmn, dom, old, &why) < 0)
			log_warn("%s", err_msg(why));
	}
	return 0;
}

int snapshot_unstore(struct daemon *dmn, const struct domain *dom,
		     struct snapshot_set *set, struct snapshot_def *sn,
		     struct err **e)
{
	_cleanup_free_ char *dir = dir_of(dmn, dom);
	_cleanup_free_ char *path = xasprintf("%s/%s.xml", dir, sn->name);
	size_t i = 0;

	_cleanup_free_ char *state = snapshot_state_path(dmn, dom, sn->name);
	_cleanup_free_ char *sum = snapshot_memsum_path(dmn, dom, sn->name);

	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys(e, errno, "snapshot metadata '%s'", path);
	/* a running nido-vmm guest's state goes with its record */
	if (unlink(state) < 0 && errno != ENOENT)
		log_warn("snapshot state '%s' left behind: %s", state,
			 strerror(errno));
	if (unlink(sum) < 0 && errno != ENOENT)
		log_warn("'%s' left behind: %s", sum, strerror(errno));
	while (i < set->n && set->v[i] != sn)
		i++;
	if (i < set->n) {
		memmove(&set->v[i], &set->v[i + 1],
			(set->n - i - 1) * sizeof(*set->v));
		set->n--;
	}
	snapshot_def_free(sn);
	return 0;
}

void snapshot_unstore_all(struct daemon *dmn, struct domain *dom)
{
	_cleanup_free_ char *dir = dir_of(dmn, dom);
	struct snapshot_set *set = snapshot_set_of(dmn, dom, NULL);

	while (set && set->n)
		snapshot_unstore(dmn, dom, set, set->v[set->n - 1], NULL);
	rmdir(dir);
	snapshot_set_free(dom->snaps);
	dom->snaps = NULL;
}

/* Whether disk @d is one a snapshot leaves alone, and why. */
static const char *untaken(const struct domain_disk *d)
{
	if (d->device != DISK_DEVICE_DISK)
		return "not a disk";
	if (d->readonly)
		return "read-only";
	if (d->shareable)
		return "shareable";
	if (d->transient)
		return "transient";
	return NULL;
}

static struct snapshot_disk *asked(struct snapshot_def *sn, const char *name)
{
	for (size_t i = 0; i < sn->n_disks; i++)
		if (streq(sn->disks[i].name, name))
			return &sn->disks[i];
	return NULL;
}

/* libvirt's default name of an external overlay: the image's path, its
 * suffix (".qcow2") replaced by the snapshot's name. malloc'ed. */
static char *default_overlay(const char *image, const char *snap)
{
	_cleanup_free_ char *base = xstrdup(image);
	char *dot = strrchr(base, '.');

	if (dot && !strchr(dot, '/'))
		*dot = '\0';
	return xasprintf("%s.%s", base, snap);
}

/* Why disk @d cannot take a snapshot of @kind, or NULL. */
static const char *unfit(const struct domain_disk *d,
			 enum snapshot_disk_kind kind)
{
	if (d->net)
		return "is on the network: nido snapshots image files only";
	if (kind == SNAPSHOT_DISK_EXTERNAL &&
	    d->opts.copy_on_read == DOMAIN_TRISTATE_ON)
		return "reads with copy_on_read: an external snapshot of it "
		       "is not supported yet";
	if (kind == SNAPSHOT_DISK_EXTERNAL && d->volume)
		return "is a pool's volume: an external snapshot of it is "
		       "not supported yet";
	if (kind == SNAPSHOT_DISK_EXTERNAL &&
	    d->n_backing + 1 >= DOMAIN_MAX_BACKING)
		return "declares the most backing images a disk may have";
	if (kind == SNAPSHOT_DISK_EXTERNAL && d->block)
		return "is a block device: nido puts external overlays on "
		       "image files only";
	if (kind == SNAPSHOT_DISK_INTERNAL && d->format != DISK_FORMAT_QCOW2)
		return "not qcow2";
	return NULL;
}

int snapshot_pick_disks(const struct domain_def *def, struct snapshot_def *sn,
			bool external, struct err **e)
{
	struct snapshot_disk *out =
		xcalloc(def->n_disks ? def->n_disks : 1, sizeof(*out));
	size_t n = 0, taken = 0, ext = 0;
	bool all_external = external; /* --disk-only, --memspec */
	int r = 0;

	for (size_t i = 0; i < sn->n_disks && !r; i++) {
		size_t j = 0;

		while (j < def->n_disks &&
		       !streq(def->disks[j].target, sn->disks[i].name))
			j++;
		if (j == def->n_disks)
			r = err_setk(e, ERR_INVALID_ARG, ENOENT,
				     "no disk '%s' in the domain",
				     sn->disks[i].name);
		if (sn->disks[i].kind == SNAPSHOT_DISK_EXTERNAL)
			external = true;
	}
	for (size_t i = 0; i < def->n_disks && !r; i++) {
		const struct domain_disk *d = &def->disks[i];
		const struct snapshot_disk *a = asked(sn, d->target);
		const char *why = untaken(d), *bad;
		enum snapshot_disk_kind kind =
			a ? a->kind
			  : (external ? SNAPSHOT_DISK_EXTERNAL
				      : SNAPSHOT_DISK_INTERNAL);
		bool take = !why && kind != SNAPSHOT_DISK_NO;

		if (a && a->kind != SNAPSHOT_DISK_NO && why)
			r = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				     "disk '%s' is %s: it cannot be part "
				     "of a snapshot",
				     d->target, why);
		else if (take && (bad = unfit(d, kind)) &&
			 kind == SNAPSHOT_DISK_INTERNAL && !d->net)
			r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				     "disk '%s' is %s: an internal snapshot "
				     "needs a qcow2 image (leave it out "
				     "with --diskspec %s,snapshot=no)",
				     d->target, disk_format_name(d->format),
				     d->target);
		else if (take && bad)
			r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				     "disk '%s' %s", d->target, bad);
		if (r)
			break;
		out[n].name = xstrdup(d->target);
		out[n].kind = take ? kind : SNAPSHOT_DISK_NO;
		if (take && kind == SNAPSHOT_DISK_EXTERNAL)
			out[n].file = a && a->file ? xstrdup(a->file)
						   : default_overlay(d->source,
								     sn->name);
		taken += take;
		ext += take && kind == SNAPSHOT_DISK_EXTERNAL;
		n++;
	}
	if (!r && !taken)
		r = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			     "the domain has no disk a snapshot could take "
			     "(a writable image file)");
	if (!r && (ext || all_external) && ext != taken)
		r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			     "internal and external disk snapshots mixed in "
			     "one snapshot: not supported (as libvirt)");
	for (size_t i = 0; !r && i < n; i++)
		for (size_t j = 0; !r && out[i].file && j < def->n_disks; j++)
			if ((j < n && j != i && out[j].file &&
			     streq(out[i].file, out[j].file)) ||
			    (def->disks[j].source &&
			     streq(out[i].file, def->disks[j].source)))
				r = err_setk(e, ERR_CONFIG_UNSUPPORTED, EINVAL,
					     "disk '%s': overlay '%s' is "
					     "another disk's image or overlay",
					     out[i].name, out[i].file);
	if (r) {
		for (size_t i = 0; i < n; i++) {
			free(out[i].name);
			free(out[i].file);
		}
		free(out);
		return r;
	}
	for (size_t i = 0; i < sn->n_disks; i++) {
		free(sn->disks[i].name);
		free(sn->disks[i].file);
	}
	free(sn->disks);
	sn->disks = out;
	sn->n_disks = n;
	return 0;
}

static const struct domain_disk *disk_named(const struct domain_def *def,
					    const char *target)
{
	for (size_t i = 0; i < def->n_disks; i++)
		if (streq(def->disks[i].target, target))
			return &def->disks[i];
	return NULL;
}

static bool has_snapshot(struct block *b, const char *name, struct err **e,
			 int *r)
{
	struct img_snapshot *l = NULL;
	int n = 0;
	bool found = false;

	*r = img_snapshot_list(b, &l, &n, e);
	for (int i = 0; *r == 0 && i < n; i++)
		found = found || streq(l[i].name, name);
	img_snapshots_free(l, n);
	return found;
}

/* Disk @target's image, open for writing, its own layer only. */
static struct block *open_image(const struct domain_def *def,
				const char *target, struct err **e)
{
	const struct domain_disk *d = disk_named(def, target);
	struct block *b = NULL;

	if (!d || !d->source) {
		err_setk(e, ERR_OPERATION_INVALID, ENOENT,
			 "disk '%s': no image (the domain changed since)",
			 target);
		return NULL;
	}
	if (block_open(d->source, "qcow2",
		       BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING |
			       BLOCK_OPEN_NO_PROBE,
		       &b, e) < 0) {
		err_prefix(e, "disk '%s'", target);
		return NULL;
	}
	return b;
}

static int one_image(const struct domain_def *def, const char *target,
		     const char *name, enum snapshot_op op, bool check,
		     struct err **e)
{
	static const enum img_snapshot_op ops[] = {
		IMG_SNAPSHOT_CREATE, IMG_SNAPSHOT_APPLY, IMG_SNAPSHOT_DELETE};
	_cleanup_block_ struct block *b = open_image(def, target, e);
	int r;
	bool found;

	if (!b)
		return err_code(*e);
	found = has_snapshot(b, name, e, &r);
	if (r < 0)
		return err_prefix(e, "disk '%s'", target);
	if (check)
		return found ? err_setk(e, ERR_OPERATION_INVALID, EEXIST,
					"disk '%s' has a snapshot '%s' "
					"already",
					target, name)
			     : 0;
	if (op != SNAPSHOT_OP_CREATE && !found)
		return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				"disk '%s' has no snapshot '%s' (its image "
				"changed outside nido)",
				target, name);
	if (img_snapshot(b, ops[op], name, e) < 0 || block_flush(b, e) < 0)
		return err_prefix(e, "disk '%s'", target);
	return 0;
}

int snapshot_images(const struct domain_def *def, const struct snapshot_def *sn,
		    enum snapshot_op op, struct err **e)
{
	size_t done = 0;
	int r = 0;

	/* made on every image or none: each checked first */
	for (size_t i = 0; op == SNAPSHOT_OP_CREATE && i < sn->n_disks; i++)
		if (sn->disks[i].kind == SNAPSHOT_DISK_INTERNAL &&
		    (r = one_image(def, sn->disks[i].name, sn->name, op, true,
				   e)) < 0)
			return r;
	for (; done < sn->n_disks; done++)
		if (sn->disks[done].kind == SNAPSHOT_DISK_INTERNAL &&
		    (r = one_image(def, sn->disks[done].name, sn->name, op,
				   false, e)) < 0)
			break;
	if (r < 0 && op == SNAPSHOT_OP_CREATE)
		while (done-- > 0) {
			_cleanup_err_ struct err *why = NULL;

			if (sn->disks[done].kind == SNAPSHOT_DISK_INTERNAL &&
			    one_image(def, sn->disks[done].name, sn->name,
				      SNAPSHOT_OP_DELETE, false, &why) < 0)
				log_warn("snapshot '%s' left on disk '%s': %s",
					 sn->name, sn->disks[done].name,
					 err_msg(why));
		}
	return r;
}
