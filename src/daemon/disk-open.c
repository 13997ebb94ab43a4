// SPDX-License-Identifier: GPL-2.0-or-later
/* Opening a guest's disk for its VMM (disk-open.h). */
#include <errno.h>

#include "block/safeopen.h"
#include "daemon/disk-open.h"

/* Whether the guest may write disk @d. */
bool disk_writable(const struct domain_disk *d)
{
	return !d->readonly && d->device != DISK_DEVICE_CDROM;
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
int disk_open(const struct domain_disk *d, struct block_chain *out,
	      struct err **e)
{
	_cleanup_free_ struct block_decl *decl =
		xcalloc(d->n_backing + 1, sizeof(*decl));
	struct block_strict strict = {
		.decl = decl,
		.ndecl = (int)d->n_backing,
		/* a link the admin put there is fine; block_safe_open() checks
		 * it against whoever could have put it there */
		.safe_flags = BLOCK_SAFE_FOLLOW_LAST,
	};
	struct block_open_opts o = {
		.format = disk_format_name(d->format),
		.flags = (disk_writable(d) ? BLOCK_OPEN_RDWR : 0) |
			 (d->shareable ? BLOCK_OPEN_SHARE_WRITE : 0),
		.fd = -1,
		.resolve = block_resolve_strict,
		.opaque = &strict,
	};
	struct block *b = NULL;
	int r;

	for (size_t i = 0; i < d->n_backing; i++)
		decl[i] = (struct block_decl){d->backing[i].path,
					      d->backing[i].format};
	r = block_open_chain(d->source, &o, &b, e);
	if (r == 0)
		r = block_chain_export(b, out, e);
	block_close(b);
	if (r < 0)
		return err_prefix(e, "disk '%s'", d->target);
	return 0;
}
