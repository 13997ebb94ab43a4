// SPDX-License-Identifier: GPL-2.0-or-later
/* Opening a guest's disk for its VMM (disk-open.h). */
#include <errno.h>
#include <unistd.h>

#include "block/image.h"
#include "block/safeopen.h"
#include "daemon/disk-open.h"

/* Whether the guest may write disk @d. */
bool disk_writable(const struct domain_disk *d)
{
	return !d->readonly && d->device != DISK_DEVICE_CDROM;
}

static int open_chain(const struct domain_disk *d, const char *overlay,
		      unsigned flags, struct block_chain *out, uint64_t *size,
		      struct err **e);

/*
 * A new qcow2 at @overlay (nidod's own directory) over disk @d's image,
 * of its size: the image's chain is opened first by the same rules as a
 * guest's disk, read-only, so the overlay names nothing those rules
 * refuse. A leftover overlay of a run that crashed is replaced: nothing
 * in it was to be kept.
 */
static int make_overlay(const struct domain_disk *d, const char *overlay,
			struct err **e)
{
	struct domain_disk ro = *d;
	uint64_t size;
	int r;

	ro.readonly = true;
	ro.transient = false;
	if ((r = open_chain(&ro, NULL, 0, NULL, &size, e)) < 0)
		return r;
	if (unlink(overlay) < 0 && errno != ENOENT)
		return err_sys(e, errno, "transient overlay '%s'", overlay);
	return disk_overlay_create(d, overlay, size, false, e);
}

int disk_overlay_create(const struct domain_disk *d, const char *path,
			uint64_t size, bool exclusive, struct err **e)
{
	return img_create(path,
			  &(struct img_create_opts){
				  .format = "qcow2",
				  .size = size,
				  .backing = d->source,
				  .backing_fmt = disk_format_name(d->format),
				  .unsafe_backing = true,
				  .exclusive = exclusive,
			  },
			  e);
}

/*
 * Opens disk @d's image and every file it names by the rules for a
 * guest's disk (docs/security.md, "Images": the format from the
 * definition, never probed; backing files beside the image or declared
 * in <backingStore>; each path opened as no user who could change it
 * could not), and keeps them as open files in @out for the VMM: nido-vmm
 * parses them again inside its sandbox, QEMU gets them as fd sets. The
 * image locks go with the files. Returns 0 or -errno with @e naming the disk.
 */
int disk_open(const struct domain_disk *d, const char *overlay,
	      struct block_chain *out, struct err **e)
{
	int r;

	if (d->net)
		return 0; /* QEMU reaches it itself: no file, @out empty */
	if (!d->source)
		return err_setk(e, ERR_INTERNAL_ERROR, EINVAL,
				"disk '%s': volume '%s' of pool '%s' not "
				"looked up",
				d->target, d->volume ? d->volume : "",
				d->pool ? d->pool : "");
	if (d->transient && !overlay)
		return err_setk(e, ERR_INTERNAL_ERROR, EINVAL,
				"disk '%s': transient without an overlay",
				d->target);
	r = d->transient ? make_overlay(d, overlay, e) : 0;
	if (r == 0)
		r = open_chain(d, d->transient ? overlay : NULL, 0, out, NULL,
			       e);
	if (r < 0)
		return err_prefix(e, "disk '%s'", d->target);
	return 0;
}

/*
 * Opens @d's chain into @out (NULL: only checks it), or with @overlay,
 * that qcow2 over @d's image: the image then becomes a declared backing
 * file, read-only to the guest. *@size (when asked): the top's size.
 */
int disk_open_shared(const struct domain_disk *d, struct block_chain *out,
		     struct err **e)
{
	struct domain_disk ro = *d;

	ro.readonly = true;
	if (open_chain(&ro, NULL, BLOCK_OPEN_SHARE_RW, out, NULL, e) < 0)
		return err_prefix(e, "disk '%s'", d->target);
	return 0;
}

int disk_open_block(const struct domain_disk *d, const char *overlay,
		    unsigned flags, struct block **b, struct err **e)
{
	_cleanup_free_ struct block_decl *decl =
		xcalloc(d->n_backing + 2, sizeof(*decl));
	struct block_strict strict = {
		.decl = decl,
		.ndecl = (int)d->n_backing,
		/* a link the admin put there is fine; block_safe_open() checks
		 * it against whoever could have put it there */
		.safe_flags = BLOCK_SAFE_FOLLOW_LAST,
	};
	struct block_open_opts o = {
		.format = overlay ? "qcow2" : disk_format_name(d->format),
		.flags = (disk_writable(d) ? BLOCK_OPEN_RDWR : 0) |
			 (d->shareable ? BLOCK_OPEN_SHARE_WRITE : 0) | flags,
		.fd = -1,
		.resolve = block_resolve_strict,
		.opaque = &strict,
	};

	for (size_t i = 0; i < d->n_backing; i++)
		decl[i] = (struct block_decl){d->backing[i].path,
					      d->backing[i].format};
	if (overlay)
		decl[strict.ndecl++] = (struct block_decl){
			d->source, disk_format_name(d->format)};
	return block_open_chain(overlay ? overlay : d->source, &o, b, e);
}

static int open_chain(const struct domain_disk *d, const char *overlay,
		      unsigned flags, struct block_chain *out, uint64_t *size,
		      struct err **e)
{
	struct block *b = NULL;
	int r = disk_open_block(d, overlay, flags, &b, e);

	if (r == 0 && size)
		*size = block_size(b);
	if (r == 0 && out)
		r = block_chain_export(b, out, e);
	block_close(b);
	return r;
}
