// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-balloon (virtio 1.2, 5.5): the host asks the guest to give back
 * memory (num_pages); the guest names the 4 KiB pages it gave (inflateq)
 * and took back (deflateq), reports statistics on request (statsq) and,
 * with page reporting, hands over runs of free memory (reporting_vq).
 * Pages given are discarded from guest RAM at once (MADV_DONTNEED on
 * private memory, MADV_REMOVE on the memfd): the host has the memory
 * back; the guest reads zeros if it touches one again (after a deflate).
 *
 * Every page number and range comes from the guest and is checked
 * against guest RAM; a bad one is skipped and counted, never acted on.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/memory.h"
#include "vmm/state_format.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define F_MUST_TELL_HOST (1ULL << 0)
#define F_STATS_VQ	 (1ULL << 1)
#define F_DEFLATE_ON_OOM (1ULL << 2)
#define F_PAGE_REPORTING (1ULL << 5)

#define PAGE	       4096ULL
#define Q_INFLATE      0
#define Q_DEFLATE      1
#define STATS_TAGS     16
#define STAT_ENTRY_LEN 10 /* le16 tag, le64 value, packed */

struct balloon {
	uint32_t num_pages; /* what the host asks for */
	uint32_t actual;    /* what the guest says it gave */
	bool deflate_on_oom;
	/* the stats buffer the guest lent us, returned to ask for more */
	bool stats_held;
	uint16_t stats_head;
	struct virtio_balloon_stats stats;
	uint64_t bad_pages; /* page numbers outside RAM, skipped */
};

static struct balloon *bal(const struct virtio_dev *d)
{
	return d->priv;
}

/* The queue that is @qi under the features the driver took: queues of
 * features it did not take have no index (virtio-mmio numbers the rest
 * in order). Returns 0 inflate, 1 deflate, 2 stats, 3 reporting. */
static unsigned role(const struct virtio_dev *d, unsigned qi)
{
	bool stats = d->driver_features & F_STATS_VQ;

	if (qi < 2)
		return qi;
	if (qi == 2 && stats)
		return 2;
	return 3;
}

/* Gives the guest pages [@gpa, @gpa + @len) back to the host. */
static bool discard(struct virtio_dev *d, uint64_t gpa, uint64_t len)
{
	const struct guest_mem *m = &d->vm->mem;
	void *p = mem_ptr(m, gpa, len);

	if (!p || gpa % PAGE || len % PAGE || !len)
		return false;
	if (m->fd >= 0 && !m->private_map)
		madvise(p, len, MADV_REMOVE); /* the memfd's pages */
	else
		madvise(p, len, MADV_DONTNEED);
	return true;
}

/* inflateq and deflateq: arrays of le32 page numbers. */
static void pages(struct virtio_dev *d, const struct vq_req *r, bool inflate)
{
	struct balloon *b = bal(d);
	uint32_t pfn;

	for (uint64_t off = 0; off + 4 <= r->out_len; off += 4) {
		if (vq_req_read(r, off, &pfn, 4) != 4)
			break;
		pfn = le32toh(pfn);
		/* the guest takes a deflated page back by touching it */
		if (inflate && !discard(d, (uint64_t)pfn * PAGE, PAGE))
			b->bad_pages++;
	}
}

/* reporting_vq: each buffer is a run of free guest memory itself. */
static void reported(struct virtio_dev *d, const struct vq_req *r)
{
	const struct guest_mem *m = &d->vm->mem;

	for (unsigned i = 0; i < r->n_in; i++) {
		uint8_t *p = r->iov[r->n_out + i].iov_base;
		uint64_t len = r->iov[r->n_out + i].iov_len;

		for (unsigned k = 0; k < m->n_regions; k++) {
			const struct mem_region *g = &m->regions[k];

			if (p >= g->hva && p + len <= g->hva + g->size &&
			    !discard(d, g->gpa + (uint64_t)(p - g->hva), len))
				bal(d)->bad_pages++;
		}
	}
}

/* statsq: tag/value pairs; the buffer is kept to ask for the next. */
static void stats_in(struct virtio_dev *d, const struct vq_req *r)
{
	struct balloon *b = bal(d);
	uint8_t e[STAT_ENTRY_LEN];
	uint16_t tag;
	uint64_t val;

	for (uint64_t off = 0; off + STAT_ENTRY_LEN <= r->out_len;
	     off += STAT_ENTRY_LEN) {
		if (vq_req_read(r, off, e, sizeof(e)) != sizeof(e))
			break;
		memcpy(&tag, e, 2);
		memcpy(&val, e + 2, 8);
		tag = le16toh(tag);
		if (tag < STATS_TAGS) {
			b->stats.value[tag] = le64toh(val);
			b->stats.present |= 1u << tag;
		}
	}
	b->stats.updates++;
	b->stats_held = true;
	b->stats_head = r->head;
}

static void balloon_notify(struct virtio_dev *d, unsigned qi)
{
	struct vq *q = &d->vqs[qi];
	unsigned what = role(d, qi);
	struct vq_req r;
	int n, any = 0;

	while ((n = vq_pop(q, &r)) > 0) {
		atomic_fetch_add(&d->stats.requests, 1);
		if (what == 2) {
			if (bal(d)->stats_held) /* a second one: give it back */
				vq_push(q, bal(d)->stats_head, 0), any = 1;
			stats_in(d, &r);
			continue;
		}
		if (what == 3)
			reported(d, &r);
		else
			pages(d, &r, what == Q_INFLATE);
		vq_push(q, r.head, 0);
		any = 1;
	}
	if (any)
		virtio_dev_notify_used(d, q);
	if (n < 0)
		virtio_dev_broken(d, q);
}

static uint64_t balloon_features(const struct virtio_dev *d)
{
	return F_STATS_VQ | F_PAGE_REPORTING |
	       (bal(d)->deflate_on_oom ? F_DEFLATE_ON_OOM : 0);
}

/* Config space: le32 num_pages, le32 actual (then two fields of
 * features nido does not offer, read as 0). */
static void balloon_config_read(struct virtio_dev *d, uint64_t off, void *data,
				unsigned len)
{
	uint32_t cfg[4] = {htole32(bal(d)->num_pages), htole32(bal(d)->actual),
			   0, 0};

	if (off + len <= sizeof(cfg))
		memcpy(data, (uint8_t *)cfg + off, len);
}

static void balloon_config_write(struct virtio_dev *d, uint64_t off,
				 const void *data, unsigned len)
{
	uint32_t v;

	if (off == 4 && len == 4) { /* actual: the guest's to write */
		memcpy(&v, data, 4);
		bal(d)->actual = le32toh(v);
	}
}

static void balloon_reset(struct virtio_dev *d)
{
	struct balloon *b = bal(d);

	b->actual = 0;
	b->stats_held = false;
	memset(&b->stats, 0, sizeof(b->stats));
}

/* The statistics buffer the guest lent goes back to it: a request for
 * fresh figures (it lends it again with them). With d->lock held. */
static void give_back_stats(struct virtio_dev *d)
{
	struct balloon *b = bal(d);

	if (!b->stats_held)
		return;
	b->stats_held = false;
	for (unsigned qi = 0; qi < d->ops->n_queues; qi++)
		if (role(d, qi) == 2 && d->vqs[qi].ready) {
			vq_push(&d->vqs[qi], b->stats_head, 0);
			virtio_dev_notify_used(d, &d->vqs[qi]);
		}
}

/* Before a save: no request is held across it. */
static void balloon_drain(struct virtio_dev *d)
{
	give_back_stats(d);
}

static void balloon_save(struct virtio_dev *d, struct state_wr *w)
{
	state_put_u32(w, bal(d)->num_pages);
	state_put_u32(w, bal(d)->actual);
}

static int balloon_load(struct virtio_dev *d, struct state_rd *r,
			struct err **e)
{
	uint32_t num = state_get_u32(r), actual = state_get_u32(r);

	if (r->bad)
		return err_set(e, EINVAL, "virtio-balloon: state truncated");
	bal(d)->num_pages = num;
	bal(d)->actual = actual;
	return 0;
}

static void balloon_destroy(struct virtio_dev *d)
{
	free(d->priv);
}

static const struct virtio_dev_ops balloon_ops = {
	.name = "virtio-balloon",
	.device_id = VIRTIO_ID_BALLOON,
	.n_queues = 4,
	.queue_max = 256,
	.get_features = balloon_features,
	.config_read = balloon_config_read,
	.config_write = balloon_config_write,
	.queue_notify = balloon_notify,
	.reset = balloon_reset,
	.drain = balloon_drain,
	.save = balloon_save,
	.load = balloon_load,
	.destroy = balloon_destroy,
};

struct virtio_dev *virtio_balloon_create(struct vm *vm, bool deflate_on_oom,
					 struct err **e)
{
	struct balloon *b = xcalloc(1, sizeof(*b));

	b->deflate_on_oom = deflate_on_oom;
	return virtio_dev_create(vm, &balloon_ops, b, e);
}

int virtio_balloon_set_target(struct virtio_dev *d, uint64_t bytes,
			      struct err **e)
{
	uint64_t ram = d->vm->mem.size, pages;

	if (bytes > ram)
		return err_set(e, EINVAL,
			       "balloon target %llu bytes is more than the "
			       "guest's %llu",
			       (unsigned long long)bytes,
			       (unsigned long long)ram);
	pages = (ram - bytes) / PAGE;
	pthread_mutex_lock(&d->lock);
	bal(d)->num_pages = (uint32_t)pages;
	virtio_dev_config_changed(d);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void virtio_balloon_info(struct virtio_dev *d, struct virtio_balloon_info *out)
{
	struct balloon *b = bal(d);

	pthread_mutex_lock(&d->lock);
	out->ram = d->vm->mem.size;
	out->target = d->vm->mem.size - (uint64_t)b->num_pages * PAGE;
	out->actual = d->vm->mem.size - (uint64_t)b->actual * PAGE;
	out->stats = b->stats;
	out->bad_pages = b->bad_pages;
	/* the guest updates its statistics when its buffer comes back */
	give_back_stats(d);
	pthread_mutex_unlock(&d->lock);
}
