// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * External disk snapshots (snapshot.h): a new qcow2 overlay over each
 * disk's image, the old image its backing file, and the domain's
 * definition switched to the overlays, as libvirt does.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "block/chain.h"
#include "daemon/disk-open.h"
#include "daemon/domain_conf.h"
#include "daemon/snapshot.h"
#include "lib/log.h"
#include "lib/util.h"

bool snapshot_is_external(const struct snapshot_def *sn)
{
	for (size_t i = 0; i < sn->n_disks; i++)
		if (sn->disks[i].kind == SNAPSHOT_DISK_EXTERNAL)
			return true;
	return false;
}

static struct domain_disk *disk_of(struct domain_def *def, const char *target)
{
	for (size_t i = 0; i < def->n_disks; i++)
		if (streq(def->disks[i].target, target))
			return &def->disks[i];
	return NULL;
}

/* @d's virtual size, read from its image alone (while its guest runs:
 * without taking its locks, as qemu-img -U). */
static int image_size(const struct domain_disk *d, uint64_t *size,
		      struct err **e)
{
	_cleanup_block_ struct block *b = NULL;

	if (block_open(d->source, disk_format_name(d->format),
		       BLOCK_OPEN_NO_BACKING | BLOCK_OPEN_NO_PROBE |
			       BLOCK_OPEN_SHARE_RW,
		       &b, e) < 0)
		return err_code(*e);
	*size = block_size(b);
	return 0;
}

/* A reused overlay must be a qcow2 whose backing file is @d's image. */
static int check_reused(const struct domain_disk *d, const char *path,
			struct err **e)
{
	struct domain_disk over = *d;
	struct disk_backing back = {
		.path = d->source,
		.format = (char *)disk_format_name(d->format)};
	struct block_chain ch = {0};
	struct stat a, b;
	int r;

	over.source = (char *)path;
	over.format = DISK_FORMAT_QCOW2;
	over.backing = &back;
	over.n_backing = 1;
	over.backing_end = false;
	over.readonly = true;
	over.transient = false;
	/* the chain by a guest disk's rules, without the image's locks */
	r = disk_open_shared(&over, &ch, e);
	if (r < 0)
		return r;
	r = ch.n >= 2 && fstat(ch.files[1].fd, &a) == 0 &&
			    stat(d->source, &b) == 0 && a.st_dev == b.st_dev &&
			    a.st_ino == b.st_ino
		    ? 0
		    : err_set(e, EINVAL,
			      "--reuse-external: '%s' does not have the "
			      "disk's image '%s' as its backing file",
			      path, d->source);
	block_chain_clear(&ch);
	return r;
}

static int make_one(const struct domain_disk *d, const struct snapshot_disk *s,
		    bool reuse, struct err **e)
{
	struct stat st;
	uint64_t size = 0;
	int r;

	if (reuse) {
		if (stat(s->file, &st) < 0)
			return err_setk(e, ERR_OPERATION_INVALID, errno,
					"--reuse-external: overlay '%s': %s",
					s->file, strerror(errno));
		return check_reused(d, s->file, e);
	}
	if (lstat(s->file, &st) == 0)
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"external snapshot file '%s' already exists "
				"(--reuse-external to use it)",
				s->file);
	if (errno != ENOENT)
		return err_sys(e, errno, "overlay '%s'", s->file);
	if ((r = image_size(d, &size, e)) < 0)
		return r;
	/* created, never replaced: a file or link made at the path since
	 * the check above is refused, not written through */
	return disk_overlay_create(d, s->file, size, true, e);
}

int snapshot_overlays_make(const struct domain_def *def,
			   const struct snapshot_def *sn, bool reuse,
			   struct err **e)
{
	size_t i;
	int r = 0;

	for (i = 0; i < sn->n_disks && !r; i++) {
		const struct snapshot_disk *s = &sn->disks[i];
		const struct domain_disk *d;

		if (s->kind != SNAPSHOT_DISK_EXTERNAL)
			continue;
		d = disk_of((struct domain_def *)def, s->name);
		if (!d || !d->source)
			r = err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				     "disk '%s': no image file", s->name);
		else
			r = make_one(d, s, reuse, e);
		if (r < 0)
			err_prefix(e, "disk '%s'", s->name);
	}
	if (r < 0 && !reuse) /* the ones made before go again */
		snapshot_overlays_remove(sn, i - 1);
	return r;
}

void snapshot_overlays_remove(const struct snapshot_def *sn, size_t n)
{
	for (size_t i = 0; i < n && i < sn->n_disks; i++)
		if (sn->disks[i].kind == SNAPSHOT_DISK_EXTERNAL &&
		    unlink(sn->disks[i].file) < 0 && errno != ENOENT)
			log_warn("overlay '%s' left: %s", sn->disks[i].file,
				 strerror(errno));
}

void snapshot_def_switch(struct domain_def *def, const struct snapshot_def *sn)
{
	for (size_t i = 0; i < sn->n_disks; i++) {
		const struct snapshot_disk *s = &sn->disks[i];
		struct domain_disk *d = disk_of(def, s->name);

		if (s->kind != SNAPSHOT_DISK_EXTERNAL || !d || !d->source)
			continue;
		/* the old image, declared first of the chain: the overlay
		 * may lie in another directory */
		d->backing = xreallocarray(d->backing, d->n_backing + 1,
					   sizeof(*d->backing));
		memmove(d->backing + 1, d->backing,
			d->n_backing * sizeof(*d->backing));
		d->backing[0] = (struct disk_backing){
			.path = d->source,
			.format = xstrdup(disk_format_name(d->format)),
		};
		d->n_backing++;
		d->source = xstrdup(s->file);
		d->format = DISK_FORMAT_QCOW2;
	}
}

int snapshot_overlay_open(const char *path, int *fd, struct err **e)
{
	_cleanup_block_ struct block *b = NULL;
	struct block_chain ch = {0};

	if (block_open(path, "qcow2",
		       BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING |
			       BLOCK_OPEN_NO_PROBE,
		       &b, e) < 0 ||
	    block_chain_export(b, &ch, e) < 0)
		return err_prefix(e, "overlay '%s'", path);
	*fd = steal_fd(ch.files[0].fd);
	block_chain_clear(&ch);
	return 0;
}
