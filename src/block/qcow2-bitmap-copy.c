// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * convert --bitmaps: the persistent bitmaps of a qcow2 image copied into
 * another qcow2 (any cluster size, compressed or not): each one's name,
 * granularity, recording flag and bits. A bitmap marked in use
 * (inconsistent) fails the copy by name, or is left out with
 * --skip-broken-bitmaps.
 *
 * QEMU walks an image's bitmaps last first (the directory read into a
 * list newest at the head): the checks and the copy go in that order,
 * so that an error names the bitmap qemu-img names and leaves the same
 * bitmaps behind. The new ones are stored in the source's order, after
 * those the target already had, as QEMU stores them.
 */
#include <errno.h>
#include <inttypes.h>

#include "block/qcow2.h"

static bool can_hold_bitmaps(const struct block *b)
{
	return b->drv == &block_qcow2 &&
	       ((const struct qcow2 *)b->priv)->version >= 3;
}

int img_bitmaps_copy_check(struct block *src, bool skip_broken, struct err **e)
{
	struct qcow2 *s = src->priv;

	if (!can_hold_bitmaps(src))
		return err_set(e, ENOTSUP, "Source lacks bitmap support");
	for (uint32_t i = s->nb_bitmaps; !skip_broken && i-- > 0;)
		if (s->bitmaps[i].flags & QCOW2_BME_IN_USE)
			return err_set(e, EBUSY,
				       "Cannot copy inconsistent bitmap '%s'\n"
				       "Try --skip-broken-bitmaps, or use "
				       "'nido img bitmap --remove' to delete "
				       "it",
				       s->bitmaps[i].name);
	return 0;
}

int img_bitmaps_can_store(struct block *dst, struct err **e)
{
	if (!can_hold_bitmaps(dst))
		return err_set(e, ENOTSUP,
			       "Format driver '%s' does not support bitmaps",
			       dst->drv->name);
	return 0;
}

/* @from's bits into @to, a new bitmap of the same granularity. */
static int fill(struct qcow2 *s, struct qcow2_bitmap *from, struct qcow2 *d,
		struct qcow2_bitmap *to, struct err **e)
{
	uint64_t bits = DIV_ROUND_UP(d->b->size, 1ull << to->granularity_bits);
	uint64_t n = DIV_ROUND_UP(bits, 8);
	int r = qcow2_bitmap_load_data(s, from, e);

	if (r < 0)
		return r;
	/* the same number of bits (copy_one): the source's taken over, and
	 * read again if needed, so that a large bitmap is held once */
	to->data = steal_ptr(from->data);
	if (bits % 8) /* no bit past the end */
		to->data[n - 1] &= (uint8_t)((1u << (bits % 8)) - 1);
	r = qcow2_bitmap_store(d, to, e);
	free(to->data);
	to->data = NULL;
	return r;
}

static int copy_one(struct qcow2 *s, struct qcow2_bitmap *from, struct qcow2 *d,
		    struct err **e)
{
	struct img_bitmap_op op = {
		.kind = IMG_BITMAP_ADD,
		.name = from->name,
		.granularity = 1ull << from->granularity_bits,
		.disable = !(from->flags & QCOW2_BME_AUTO),
	};
	struct qcow2_bitmap *to;
	int r = qcow2_bitmap_add(d, &op, e);

	if (r < 0)
		return err_prefix(e, "Failed to create bitmap %s", from->name);
	to = &d->bitmaps[d->nb_bitmaps - 1];
	/* granules of 512 bytes or more: sizes in whole sectors compare */
	if (ALIGN_UP(s->b->size, 512) != ALIGN_UP(d->b->size, 512))
		r = err_set(e, EINVAL,
			    "Bitmaps are of different sizes (destination size "
			    "is %" PRIu64 ", source size is %" PRIu64
			    ") and can't be merged",
			    d->b->size, s->b->size);
	else
		r = fill(s, from, d, to, e);
	if (r < 0) {
		/* as qemu-img: the bitmap that failed is removed */
		qcow2_bitmap_remove(d, to, NULL);
		return err_prefix(e, "Failed to populate bitmap %s",
				  from->name);
	}
	return 0;
}

static void reverse(struct qcow2_bitmap *bm, uint32_t n)
{
	for (uint32_t i = 0; i < n / 2; i++) {
		struct qcow2_bitmap t = bm[i];

		bm[i] = bm[n - 1 - i];
		bm[n - 1 - i] = t;
	}
}

static int copy_all(struct qcow2 *s, struct qcow2 *d,
		    void (*skipped)(const char *name), struct err **e)
{
	uint32_t first = d->nb_bitmaps;
	int r = 0, w;

	for (uint32_t i = s->nb_bitmaps; r == 0 && i-- > 0;) {
		if (s->bitmaps[i].flags & QCOW2_BME_IN_USE) {
			if (skipped)
				skipped(s->bitmaps[i].name);
			continue;
		}
		r = copy_one(s, &s->bitmaps[i], d, e);
	}
	if (d->nb_bitmaps == first && !d->bm_ndefer)
		return r;
	if (d->nb_bitmaps > first) /* none added: d->bitmaps may be NULL */
		reverse(d->bitmaps + first, d->nb_bitmaps - first);
	/* what was added stays, as qemu-img keeps it when a later one fails */
	w = qcow2_bitmaps_write_dir(d, r < 0 ? NULL : e);
	return r < 0 ? r : w;
}

int img_bitmaps_copy(struct block *src, struct block *dst, bool skip_broken,
		     void (*skipped)(const char *name), struct err **e)
{
	int r = img_bitmaps_copy_check(src, skip_broken, e);

	if (r == 0)
		r = img_bitmaps_can_store(dst, e);
	if (r < 0)
		return r;
	if (dst->read_only)
		return err_set(e, EROFS, "'%s': image is open read-only",
			       dst->filename);
	pthread_mutex_lock(&src->lock);
	pthread_mutex_lock(&dst->lock);
	r = copy_all(src->priv, dst->priv, skipped, e);
	pthread_mutex_unlock(&dst->lock);
	pthread_mutex_unlock(&src->lock);
	return r;
}
