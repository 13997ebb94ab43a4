// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reverting to and deleting external snapshots (snapshot.h), with
 * libvirt 9.7's semantics (docs/snapshots.md).
 *
 * An external snapshot S is the state of the images its <domain> names
 * (B, for each disk): taking it put an overlay T over each, which the
 * domain wrote since. A revert puts a new overlay N over each B (S's
 * <revertDisks>), so that B stays S's and S stays revertable; the
 * overlays the domain wrote until then (the current snapshot's, or its
 * revert overlays) are its "current state", lost as with an internal
 * snapshot. A delete merges the overlay directly above B in the
 * domain's chain (T, or N) into B, the image above that (if any) then
 * backed by B, and the other snapshots' definitions follow.
 *
 * Every file nidod writes or removes here is one the domain's own
 * chain names, opened by the rules for a guest's disk, its backing file
 * checked to be the very image below (snapshot_overlay_check()): a
 * snapshot's metadata naming other files gains nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "block/image.h"
#include "daemon/daemon.h"
#include "daemon/disk-open.h"
#include "daemon/domain-disks.h"
#include "daemon/domain_conf.h"
#include "daemon/driver.h"
#include "daemon/snapshot.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

/* A disk's chain: index 0 its image, k its k-th <backingStore>. */
static size_t chain_len(const struct domain_disk *d)
{
	return d->source ? 1 + d->n_backing : 0;
}

static const char *chain_path(const struct domain_disk *d, size_t k)
{
	return k ? d->backing[k - 1].path : d->source;
}

static const char *chain_fmt(const struct domain_disk *d, size_t k)
{
	return k ? d->backing[k - 1].format : disk_format_name(d->format);
}

/* Whether @a and @b name one file (the same path, or device and inode). */
static bool same_file(const char *a, const char *b)
{
	struct stat x, y;

	if (streq(a, b))
		return true;
	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* @path's index in @d's chain, or -1. */
static int chain_find(const struct domain_disk *d, const char *path)
{
	for (size_t k = 0; k < chain_len(d); k++)
		if (chain_path(d, k) && same_file(chain_path(d, k), path))
			return (int)k;
	return -1;
}

/* The chain from index @k down, as a disk of its own (borrowed
 * strings: nothing of it is freed). */
static struct domain_disk chain_from(const struct domain_disk *d, size_t k)
{
	struct domain_disk sub = *d;

	sub.source = (char *)chain_path(d, k);
	sub.format = streq(chain_fmt(d, k) ? chain_fmt(d, k) : "", "qcow2")
			     ? DISK_FORMAT_QCOW2
			     : DISK_FORMAT_RAW;
	sub.backing = d->backing + k;
	sub.n_backing = d->n_backing - k;
	sub.volume = NULL;
	return sub;
}

/* Image @k taken out of @d's chain (the one below takes its place). */
static void chain_remove(struct domain_disk *d, size_t k)
{
	struct disk_backing *b = &d->backing[k ? k - 1 : 0];

	if (!k) {
		free(d->source);
		d->source = b->path;
		d->format = streq(b->format ? b->format : "", "qcow2")
				    ? DISK_FORMAT_QCOW2
				    : DISK_FORMAT_RAW;
		free(b->format);
	} else {
		free(b->path);
		free(b->format);
	}
	memmove(b, b + 1,
		(size_t)(d->backing + d->n_backing - b - 1) * sizeof(*b));
	d->n_backing--;
}

static struct domain_disk *disk_named(struct domain_def *def, const char *t)
{
	for (size_t i = 0; i < def->n_disks; i++)
		if (streq(def->disks[i].target, t))
			return &def->disks[i];
	return NULL;
}

static const struct snapshot_disk *entry(const struct snapshot_disk *v,
					 size_t n, const char *target)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i].name, target))
			return &v[i];
	return NULL;
}

/* @sn's <domain>, with its volumes' paths when @paths. */
static struct domain_def *snap_def(struct daemon *dmn,
				   const struct snapshot_def *sn, bool paths,
				   struct err **e)
{
	struct domain_def *def = NULL;

	if (!sn->domain_xml)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"snapshot '%s' has no <domain>", sn->name),
		       NULL;
	if (domain_def_parse_with(sn->domain_xml, strlen(sn->domain_xml), NULL,
				  &def, NULL, e) < 0 ||
	    (paths && domain_disks_resolve(dmn, def, e) < 0)) {
		domain_def_free(def);
		err_prefix(e, "snapshot '%s': its <domain>", sn->name);
		return NULL;
	}
	return def;
}

/* Opens @d's image by the rules for a guest's disk (disk_open_block()),
 * read-only unless @rdwr; with BLOCK_OPEN_NO_BACKING the image alone. */
static int open_image(const struct domain_disk *d, bool rdwr, unsigned flags,
		      struct block **b, struct err **e)
{
	struct domain_disk one = *d;

	one.readonly = !rdwr;
	one.shareable = false;
	one.device = DISK_DEVICE_DISK;
	return disk_open_block(&one, NULL, flags, b, e);
}

/* An external snapshot with memory: none can be taken yet. */
static int no_memory(const struct snapshot_def *sn, const char *what,
		     struct err **e)
{
	if (!sn->memory)
		return 0;
	return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			"snapshot '%s' is external with the guest's memory: "
			"%s it is not supported",
			sn->name, what);
}

/* Whether image @k of @d's chain is a qcow2 over image @k + 1, by
 * identity. */
static int check_link(const struct domain_disk *d, size_t k, struct err **e)
{
	struct domain_disk below = chain_from(d, k + 1);

	if (!streq(chain_fmt(d, k) ? chain_fmt(d, k) : "", "qcow2"))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"'%s' is not a qcow2 overlay",
				chain_path(d, k));
	return snapshot_overlay_check(&below, chain_path(d, k), e);
}

/* ---- revert ---- */

/* Whether a snapshot of @set (but @skip's revert overlays) or @def
 * names @path in a disk's chain: then it is some state's image. */
static bool named(struct daemon *dmn, const struct snapshot_set *set,
		  const struct snapshot_def *skip, const char *path)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct snapshot_def *z = set->v[i];
		_cleanup_err_ struct err *e = NULL;
		struct domain_def *def = snap_def(dmn, z, true, &e);
		bool found = !def; /* unreadable: kept, to be safe */

		for (size_t j = 0; def && j < def->n_disks && !found; j++)
			found = chain_find(&def->disks[j], path) >= 0;
		domain_def_free(def);
		for (size_t j = 0; z != skip && j < z->n_revert && !found; j++)
			found = same_file(z->revert[j].file, path);
		if (found)
			return true;
	}
	return false;
}

/* A new overlay's name over @image for a revert to @snap: libvirt's
 * default name with the time after the snapshot's, the first free. */
static char *revert_name(const char *image, const char *snap, int64_t now,
			 unsigned n)
{
	_cleanup_free_ char *base = xstrdup(image);
	char *dot = strrchr(base, '.');

	if (dot && !strchr(dot, '/'))
		*dot = '\0';
	return n ? xasprintf("%s.%s-%lld-%u", base, snap, (long long)now, n)
		 : xasprintf("%s.%s-%lld", base, snap, (long long)now);
}

/* Makes the overlay over @d's image into @out (its name, malloc'ed). */
static int make_revert_overlay(const struct domain_disk *d, const char *snap,
			       char **out, struct err **e)
{
	int64_t now = (int64_t)time(NULL);
	struct block *b = NULL;
	uint64_t size;
	int r;

	/* the image and its chain by the rules, read-only, unlocked */
	if ((r = open_image(d, false, BLOCK_OPEN_SHARE_RW, &b, e)) < 0)
		return r;
	size = block_size(b);
	block_close(b);
	for (unsigned n = 0; n < 100; n++) {
		_cleanup_err_ struct err *why = NULL;

		*out = revert_name(d->source, snap, now, n);
		r = disk_overlay_create(d, *out, size, true, &why);
		if (r != -EEXIST) {
			if (r < 0)
				err_setk(e, err_kind(why), -r, "%s",
					 err_msg(why));
			break;
		}
		free(steal_ptr(*out));
	}
	if (r < 0 || !*out) {
		free(steal_ptr(*out));
		return r < 0 ? r
			     : err_setk(e, ERR_OPERATION_FAILED, EEXIST,
					"no free name for the overlay over "
					"'%s'",
					d->source);
	}
	return 0;
}

/* The domain's current state (@old's overlays, the tops of @was) let
 * go: each removed if still a qcow2 over its image that nothing names. */
static void drop_current(struct daemon *dmn, const struct snapshot_set *set,
			 struct snapshot_def *old, struct domain_def *was)
{
	const struct snapshot_disk *v =
		old->n_revert ? old->revert : old->disks;
	size_t n = old->n_revert ? old->n_revert : old->n_disks;

	for (size_t i = 0; i < n; i++) {
		struct domain_disk *d = disk_named(was, v[i].name);
		_cleanup_err_ struct err *e = NULL;

		if (v[i].kind != SNAPSHOT_DISK_EXTERNAL || !v[i].file || !d ||
		    !d->source || !same_file(d->source, v[i].file) ||
		    named(dmn, set, old, v[i].file))
			continue;
		if (d->n_backing < 1 || check_link(d, 0, &e) < 0) {
			log_warn("overlay '%s' kept: %s", v[i].file,
				 e ? err_msg(e) : "its image is not declared");
			continue;
		}
		if (unlink(v[i].file) < 0)
			log_warn("overlay '%s' left: %s", v[i].file,
				 strerror(errno));
	}
	snapshot_disks_free(old->revert, old->n_revert);
	old->revert = NULL;
	old->n_revert = 0;
}

int snapshot_external_revert(struct daemon *dmn, struct domain *dom,
			     struct snapshot_set *set, struct snapshot_def *sn,
			     struct err **e)
{
	struct domain_def *img = NULL, *back = NULL, *was = NULL;
	struct snapshot_def made = {0};
	struct snapshot_def *old = snapshot_current(set);
	_cleanup_err_ struct err *why = NULL;
	int r = 0;

	if (no_memory(sn, "reverting to", e) < 0)
		return err_code(*e);
	if (!(img = snap_def(dmn, sn, true, e)))
		return err_code(*e);
	made.disks = xcalloc(sn->n_disks + 1, sizeof(*made.disks));
	for (size_t i = 0; i < sn->n_disks && r == 0; i++) {
		const struct snapshot_disk *s = &sn->disks[i];
		struct domain_disk *d = disk_named(img, s->name);
		struct snapshot_disk *m;

		if (s->kind != SNAPSHOT_DISK_EXTERNAL)
			continue;
		if (!d || !d->source) {
			r = err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				     "disk '%s': not an image file in the "
				     "snapshot's <domain>",
				     s->name);
			break;
		}
		m = &made.disks[made.n_disks];
		m->name = xstrdup(s->name);
		m->kind = SNAPSHOT_DISK_EXTERNAL;
		if ((r = make_revert_overlay(d, sn->name, &m->file, e)) < 0) {
			free(m->name);
			err_prefix(e, "disk '%s'", s->name);
			break;
		}
		made.n_disks++;
	}
	domain_def_free(img);
	/* the snapshot's definition back, over the new overlays */
	if (r == 0 && (back = snap_def(dmn, sn, false, e)))
		snapshot_def_switch(back, &made);
	if (r == 0 && back && !(was = domain_config_copy(dom, e)))
		r = err_code(*e);
	else if (r == 0 && !back)
		r = err_code(*e);
	if (r == 0 && domain_config_save(dmn, steal_ptr(back), e) < 0)
		r = err_code(*e);
	if (r < 0) {
		snapshot_overlays_remove(&made, made.n_disks);
		snapshot_disks_free(made.disks, made.n_disks);
		domain_def_free(back);
		domain_def_free(was);
		return err_prefix(e, "snapshot '%s'", sn->name);
	}
	if (domain_disks_resolve(dmn, was, &why) < 0)
		log_warn("the current overlays are kept: %s", err_msg(why));
	else if (old && snapshot_is_external(old))
		drop_current(dmn, set, old, was);
	domain_def_free(was);
	if (old && old != sn && snapshot_store(dmn, dom, old, &why) < 0)
		log_warn("%s", err_msg(why));
	snapshot_disks_free(sn->revert, sn->n_revert);
	sn->revert = made.disks;
	sn->n_revert = made.n_disks;
	return snapshot_set_current(dmn, dom, set, sn, e);
}

/* ---- delete ---- */

/* What deleting @sn does to one disk: merge image @top of the chain
 * into @top + 1. */
struct merge_disk {
	const char *target;
	struct domain_disk *cur; /* the domain's disk (in @cur's def) */
	size_t top;
};

/* Where @sn's disk @s sits in @cur: 0 with *@top the image to merge,
 * 1 when @sn's image is not in the domain's chain, or -errno. */
static int locate(const struct snapshot_def *sn, const struct snapshot_disk *s,
		  struct domain_def *img, struct domain_def *cur,
		  struct merge_disk *m, struct err **e)
{
	struct domain_disk *d = disk_named(img, s->name);
	const struct snapshot_disk *rv =
		entry(sn->revert, sn->n_revert, s->name);
	const char *over;
	int k;

	m->target = s->name;
	m->cur = disk_named(cur, s->name);
	if (!d || !d->source || !m->cur || !m->cur->source)
		return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				"disk '%s': not an image file in the domain "
				"or the snapshot's <domain>",
				s->name);
	if ((k = chain_find(m->cur, d->source)) <= 0)
		return 1;
	m->top = (size_t)k - 1;
	over = chain_path(m->cur, m->top);
	if (!(s->file && same_file(over, s->file)) &&
	    !(rv && same_file(over, rv->file)))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"disk '%s': the image over the snapshot's "
				"'%s' is '%s', neither its overlay nor its "
				"revert overlay",
				s->name, d->source, over);
	return 0;
}

/* No other snapshot may use the image merged into with another overlay
 * over it (a branch: libvirt refuses it too, it would need a pull). */
static int check_branches(struct daemon *dmn, const struct snapshot_set *set,
			  const struct snapshot_def *sn,
			  const struct merge_disk *m, struct err **e)
{
	const char *base = chain_path(m->cur, m->top + 1);
	const char *over = chain_path(m->cur, m->top);

	for (size_t i = 0; i < set->n; i++) {
		const struct snapshot_def *z = set->v[i];
		struct domain_def *def;
		struct domain_disk *d;
		int k;

		if (z == sn)
			continue;
		if (!(def = snap_def(dmn, z, true, e)))
			return err_code(*e);
		d = disk_named(def, m->target);
		k = d ? chain_find(d, base) : -1;
		if (k == 0 ||
		    (k > 0 && !same_file(chain_path(d, (size_t)k - 1), over))) {
			domain_def_free(def);
			return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
					"snapshot '%s' uses '%s' (disk '%s') "
					"on another branch: deleting snapshot "
					"'%s' would change it (not supported, "
					"as libvirt)",
					z->name, base, m->target, sn->name);
		}
		domain_def_free(def);
	}
	return 0;
}

/* The images' work for one disk: @top merged into the image below, the
 * image above (if any) rebased onto it. */
static int merge_images(const struct merge_disk *m, struct err **e)
{
	struct domain_disk base = chain_from(m->cur, m->top + 1);
	struct domain_disk top = chain_from(m->cur, m->top);
	struct domain_disk above;
	struct block *t = NULL, *b = NULL, *c = NULL;
	int r;

	if ((r = check_link(m->cur, m->top, e)) < 0 ||
	    (m->top && (r = check_link(m->cur, m->top - 1, e)) < 0))
		return r; /* named by the disk's rules already */
	if ((r = open_image(&top, false, BLOCK_OPEN_NO_BACKING, &t, e)) < 0 ||
	    (r = open_image(&base, true, 0, &b, e)) < 0)
		goto out;
	if (m->top) {
		above = chain_from(m->cur, m->top - 1);
		if ((r = open_image(&above, true, BLOCK_OPEN_NO_BACKING, &c,
				    e)) < 0)
			goto out;
	}
	if ((r = img_commit(t, b, 1, e)) < 0)
		goto out;
	if (c && ((r = img_set_backing(c, base.source, chain_fmt(&base, 0),
				       e)) < 0 ||
		  (r = block_flush(c, e)) < 0))
		goto out;
out:
	if (r < 0)
		err_prefix(e, "disk '%s'", m->target);
	block_close(c);
	block_close(t);
	if (b && block_close(b) < 0 && r == 0)
		r = err_set(e, EIO, "'%s': closing failed", base.source);
	return r;
}

/* Every other snapshot's definition without image @over above @base. */
static void update_others(struct daemon *dmn, struct domain *dom,
			  struct snapshot_set *set,
			  const struct snapshot_def *sn, const char *target,
			  const char *over, const char *base)
{
	for (size_t i = 0; i < set->n; i++) {
		struct snapshot_def *z = set->v[i];
		_cleanup_err_ struct err *e = NULL;
		struct domain_def *def, *paths;
		struct domain_disk *d, *p;
		int k;

		if (z == sn || !(def = snap_def(dmn, z, false, &e)))
			continue;
		paths = snap_def(dmn, z, true, &e);
		d = disk_named(def, target);
		p = paths ? disk_named(paths, target) : NULL;
		if (d && d->source && p && (k = chain_find(p, over)) >= 0 &&
		    (size_t)k + 1 < chain_len(p) &&
		    same_file(chain_path(p, (size_t)k + 1), base)) {
			chain_remove(d, (size_t)k);
			free(z->domain_xml);
			z->domain_xml = domain_def_format(def);
			if (snapshot_store(dmn, dom, z, &e) < 0)
				log_warn("%s", err_msg(e));
		}
		domain_def_free(paths);
		domain_def_free(def);
	}
}

/* @sn's disk @target merged: a second delete after a later disk failed
 * leaves it. */
static void mark_merged(struct daemon *dmn, struct domain *dom,
			struct snapshot_def *sn, const char *target)
{
	_cleanup_err_ struct err *e = NULL;

	for (size_t i = 0; i < sn->n_disks; i++)
		if (streq(sn->disks[i].name, target))
			sn->disks[i].kind = SNAPSHOT_DISK_NO;
	if (snapshot_store(dmn, dom, sn, &e) < 0)
		log_warn("%s", err_msg(e));
}

int snapshot_external_delete(struct daemon *dmn, struct domain *dom,
			     struct snapshot_set *set, struct snapshot_def *sn,
			     struct err **e)
{
	struct domain_def *img = NULL, *cur = NULL, *keep = NULL;
	struct merge_disk *m = NULL;
	size_t n = 0, outside = 0;
	int r = 0;

	if (no_memory(sn, "deleting", e) < 0)
		return err_code(*e);
	if (!(img = snap_def(dmn, sn, true, e)) ||
	    !(keep = domain_config_copy(dom, e)) ||
	    !(cur = domain_config_copy(dom, e)) ||
	    domain_disks_resolve(dmn, cur, e) < 0) {
		r = err_code(*e);
		goto out;
	}
	m = xcalloc(sn->n_disks + 1, sizeof(*m));
	for (size_t i = 0; i < sn->n_disks && r == 0; i++) {
		if (sn->disks[i].kind != SNAPSHOT_DISK_EXTERNAL)
			continue;
		r = locate(sn, &sn->disks[i], img, cur, &m[n], e);
		if (r == 1) {
			outside++;
			r = 0;
		} else if (r == 0) {
			r = check_branches(dmn, set, sn, &m[n++], e);
		}
	}
	if (r == 0 && outside && n)
		r = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			     "snapshot '%s': some of its disks are in the "
			     "domain's chains, others not",
			     sn->name);
	if (r == 0 && outside && snapshot_children(set, sn->name, false))
		r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			     "deletion of non-leaf external snapshot that is "
			     "not in active chain is not supported");
	if (r < 0 || outside) /* not in the chain: only its metadata goes */
		goto out;
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *over = chain_path(m[i].cur, m[i].top);
		const char *base = chain_path(m[i].cur, m[i].top + 1);
		_cleanup_free_ char *gone = xstrdup(over);
		struct domain_disk *kd = disk_named(keep, m[i].target);

		if ((r = merge_images(&m[i], e)) < 0)
			break;
		update_others(dmn, dom, set, sn, m[i].target, over, base);
		mark_merged(dmn, dom, sn, m[i].target);
		/* the persistent definition: its chain without the overlay */
		if (kd && !kd->volume && chain_len(kd) > m[i].top + 1)
			chain_remove(kd, m[i].top);
		chain_remove(m[i].cur, m[i].top);
		if (unlink(gone) < 0)
			log_warn("overlay '%s' left: %s", gone,
				 strerror(errno));
	}
	if (n && domain_config_save(dmn, steal_ptr(keep), e) < 0 && r == 0)
		r = err_code(*e);
out:
	free(m);
	domain_def_free(img);
	domain_def_free(cur);
	domain_def_free(keep);
	return r < 0 ? err_prefix(e, "snapshot '%s'", sn->name) : 0;
}

/* ---- delete, the guest running ---- */

struct live_disk {
	char *target, *over, *base;
	bool active; /* the overlay is the guest's top: an active commit */
};

struct live_merge {
	struct daemon *dmn;
	struct domain *dom;
	char *name; /* the snapshot's */
	struct live_disk *d;
	size_t n, at;
	void (*done)(void *opaque, int r, const struct err *e);
	void *opaque;
	struct json_object *out; /* the driver's answers, unused */
};

static void live_free(struct live_merge *lm)
{
	for (size_t i = 0; i < lm->n; i++) {
		free(lm->d[i].target);
		free(lm->d[i].over);
		free(lm->d[i].base);
	}
	free(lm->d);
	free(lm->name);
	json_object_put(lm->out);
	free(lm);
}

/* Starts disk @lm->at's commit, @done following its end. */
static int live_start(struct live_merge *lm, driver_done_fn done,
		      struct err **e)
{
	const struct live_disk *d = &lm->d[lm->at];
	struct driver_blockjob req = {
		.op = BLOCKJOB_COMMIT,
		.disk = d->target,
		.top = d->active ? NULL : d->over,
		.base = d->base,
		.active = d->active,
		.finish = true,
	};

	if (lm->dom->drv->blockjob(lm->dmn, lm->dom, &req, lm->out, done, lm,
				   e) < 0)
		return err_prefix(e, "disk '%s'", d->target);
	return 0;
}

/* One disk merged: the other snapshots follow, its overlay goes, the
 * next disk; after the last, the caller's @done. */
static void live_step(void *opaque, int r, const struct err *je)
{
	struct live_merge *lm = opaque;
	struct live_disk *d = &lm->d[lm->at];
	struct snapshot_set *set = lm->dom->snaps;
	struct snapshot_def *sn = set ? snapshot_find(set, lm->name) : NULL;
	_cleanup_err_ struct err *e = NULL;

	if (r < 0) {
		err_setk(&e, err_kind(je), -r, "disk '%s': %s", d->target,
			 je ? je->msg : "the merge failed");
		goto out;
	}
	if (sn) {
		update_others(lm->dmn, lm->dom, set, sn, d->target, d->over,
			      d->base);
		mark_merged(lm->dmn, lm->dom, sn, d->target);
	}
	if (unlink(d->over) < 0)
		log_warn("overlay '%s' left: %s", d->over, strerror(errno));
	if (++lm->at < lm->n && (r = live_start(lm, live_step, &e)) == 0)
		return;
out:
	lm->done(lm->opaque, r, e);
	live_free(lm);
}

int snapshot_external_delete_live(struct daemon *dmn, struct domain *dom,
				  const struct snapshot_def *sn,
				  void (*done)(void *opaque, int r,
					       const struct err *e),
				  void *opaque, struct err **e)
{
	struct snapshot_set *set = dom->snaps;
	struct domain_def *img = NULL;
	struct live_merge *lm = xcalloc(1, sizeof(*lm));
	size_t outside = 0;
	int r = 0;

	*lm = (struct live_merge){dmn, dom, xstrdup(sn->name)};
	lm->done = done;
	lm->opaque = opaque;
	lm->out = json_object_new_object();
	lm->d = xcalloc(sn->n_disks + 1, sizeof(*lm->d));
	if (!dom->drv->blockjob)
		r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			     "the %s driver runs no block jobs: shut the "
			     "domain off to delete external snapshot '%s'",
			     dom->drv->name, sn->name);
	else if (no_memory(sn, "deleting", e) < 0)
		r = err_code(*e);
	else if (!set || !(img = snap_def(dmn, sn, true, e)))
		r = set ? err_code(*e)
			: err_set(e, EIO,
				  "the domain's snapshots are not read");
	for (size_t i = 0; r == 0 && i < sn->n_disks; i++) {
		struct merge_disk m;
		struct live_disk *d;

		if (sn->disks[i].kind != SNAPSHOT_DISK_EXTERNAL)
			continue;
		/* the live definition names the chains as QEMU has them */
		r = locate(sn, &sn->disks[i], img, dom->def, &m, e);
		if (r == 1) {
			outside++;
			r = 0;
			continue;
		}
		if (r < 0 || (r = check_branches(dmn, set, sn, &m, e)) < 0)
			break;
		d = &lm->d[lm->n++];
		d->target = xstrdup(m.target);
		d->over = xstrdup(chain_path(m.cur, m.top));
		d->base = xstrdup(chain_path(m.cur, m.top + 1));
		d->active = m.top == 0;
	}
	domain_def_free(img);
	if (r == 0 && outside)
		r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			     "snapshot '%s' is not in the running domain's "
			     "chains: --metadata forgets it (or shut the "
			     "domain off)",
			     sn->name);
	if (r == 0 && !lm->n)
		r = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			     "snapshot '%s' has no external disk", sn->name);
	if (r == 0)
		r = live_start(lm, live_step, e);
	if (r < 0) {
		live_free(lm);
		return err_prefix(e, "snapshot '%s'", sn->name);
	}
	return 0;
}
