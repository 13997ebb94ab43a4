// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading a qcow2 image as it was at one of its internal snapshots
 * (qemu-img convert -l): the snapshot's L1 table replaces the active one
 * in a read-only open. Nothing is written; the snapshot's tables and
 * data clusters are never rewritten while it exists (their refcount is
 * above one, so a writer copies them first), which is why a process
 * that writes the image meanwhile (a running guest) changes nothing
 * that is read here.
 */
#include <errno.h>
#include <inttypes.h>

#include "block/qcow2.h"

/* The snapshot matching @id and @name (NULL: any), or NULL. */
static struct qcow2_snap *find(struct qcow2 *s, const char *id,
			       const char *name)
{
	for (uint32_t i = 0; i < s->nb_snapshots; i++)
		if ((!id || streq(s->snaps[i].id, id)) &&
		    (!name || streq(s->snaps[i].name, name)))
			return &s->snaps[i];
	return NULL;
}

int qcow2_snapshot_load(struct block *b, const char *id, const char *name,
			struct err **e)
{
	struct qcow2 *s = b->priv;
	struct qcow2_snap *sn = find(s, id, name);
	uint64_t bytes, cs = s->cluster_size;
	uint64_t *l1 = NULL;
	int r;

	if (!sn)
		return err_set(e, ENOENT, "Can't find snapshot");
	if (s->corrupt)
		return err_set(e, EIO, "'%s': image is corrupt", s->name);
	bytes = (uint64_t)sn->l1_size * 8;
	if (bytes > QCOW2_MAX_L1_BYTES)
		return err_set(e, EFBIG,
			       "'%s': snapshot '%s': L1 table too large "
			       "(%" PRIu32 " entries)",
			       s->name, sn->name, sn->l1_size);
	if (bytes && ((sn->l1_offset & (cs - 1)) || sn->l1_offset < cs ||
		      sn->l1_offset > s->file_end ||
		      bytes > s->file_end - sn->l1_offset))
		return err_set(e, EINVAL,
			       "'%s': snapshot '%s': L1 table offset %#" PRIx64
			       " or size %" PRIu32
			       " invalid (outside the file)",
			       s->name, sn->name, sn->l1_offset, sn->l1_size);
	r = qcow2_read_l1(s, sn->l1_offset, sn->l1_size, &l1, e);
	if (r == 0)
		r = qcow2_cache_clear(s, s->l2_cache, e);
	if (r < 0) {
		free(l1);
		return r;
	}
	free(s->l1);
	s->l1 = l1;
	s->l1_size = sn->l1_size;
	s->l1_offset = sn->l1_offset;
	return 0;
}
