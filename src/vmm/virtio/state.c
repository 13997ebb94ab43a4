// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state of a virtio-mmio device (docs/state-format.md, section
 * "virtioN"): transport registers, each queue's rings and indexes, then
 * the device's own part. Requests in flight are drained first, so a
 * saved device has none: every request is either still on the available
 * ring (and will be seen after the restore) or completed on the used one.
 */
#include <errno.h>
#include <unistd.h>

#include "vmm/state_format.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

static void save_queue(struct state_wr *w, const struct vq *q)
{
	state_put_u16(w, q->num);
	state_put_u8(w, (uint8_t)q->ready);
	state_put_u8(w, (uint8_t)q->broken);
	state_put_u64(w, q->desc_gpa);
	state_put_u64(w, q->avail_gpa);
	state_put_u64(w, q->used_gpa);
	state_put_u16(w, q->last_avail);
	state_put_u16(w, q->used_idx);
}

void virtio_dev_save(struct virtio_dev *d, unsigned index, struct state_wr *w)
{
	pthread_mutex_lock(&d->lock);
	if (d->ops->drain)
		d->ops->drain(d);
	state_wr_begin(w, STATE_SEC_VIRTIO, (uint16_t)index,
		       STATE_SEC_REQUIRED);
	state_put_u32(w, d->ops->device_id);
	state_put_u32(w, d->ops->n_queues);
	state_put_u32(w, d->status);
	state_put_u32(w, d->isr);
	state_put_u32(w, d->dev_features_sel);
	state_put_u32(w, d->drv_features_sel);
	state_put_u64(w, d->driver_features);
	state_put_u32(w, d->queue_sel);
	state_put_u32(w, d->config_generation);
	state_put_u8(w, (uint8_t)d->broken);
	for (unsigned i = 0; i < d->ops->n_queues; i++)
		save_queue(w, &d->vqs[i]);
	if (d->ops->save)
		d->ops->save(d, w);
	state_wr_end(w);
	pthread_mutex_unlock(&d->lock);
}

/* Reads queue @q; a ready one is enabled again through vq_enable(),
 * which checks its rings against guest memory. */
static int load_queue(struct virtio_dev *d, struct state_rd *r, struct vq *q,
		      unsigned i, struct err **e)
{
	uint8_t ready, broken;
	uint16_t last, used;

	vq_reset(q);
	q->num = state_get_u16(r);
	ready = state_get_u8(r);
	broken = state_get_u8(r);
	q->desc_gpa = state_get_u64(r);
	q->avail_gpa = state_get_u64(r);
	q->used_gpa = state_get_u64(r);
	last = state_get_u16(r);
	used = state_get_u16(r);
	if (r->bad)
		return err_set(e, EINVAL, "queue %u is truncated", i);
	if (!ready)
		return 0;
	if (vq_enable(q, &d->vm->mem, d->ops->queue_max) < 0)
		return err_set(e, EINVAL,
			       "queue %u: bad ring address or size (%u)", i,
			       q->num);
	q->last_avail = last;
	q->used_idx = used;
	q->broken = broken != 0;
	if (q->broken)
		q->broken_why = "broken when saved";
	return 0;
}

static int load_transport(struct virtio_dev *d, struct state_rd *r,
			  struct err **e)
{
	uint32_t id = state_get_u32(r), nq = state_get_u32(r);

	if (r->bad)
		return err_set(e, EINVAL, "truncated");
	if (id != d->ops->device_id || nq != d->ops->n_queues)
		return err_set(e, EINVAL,
			       "holds device type %u with %u queues, the "
			       "configuration has a %s here",
			       id, nq, d->ops->name);
	d->status = state_get_u32(r);
	d->isr = state_get_u32(r);
	d->dev_features_sel = state_get_u32(r);
	d->drv_features_sel = state_get_u32(r);
	d->driver_features = state_get_u64(r);
	d->queue_sel = state_get_u32(r);
	d->config_generation = state_get_u32(r);
	d->broken = state_get_u8(r) != 0;
	for (unsigned i = 0; i < nq; i++) {
		int ret = load_queue(d, r, &d->vqs[i], i, e);

		if (ret < 0)
			return ret;
	}
	return 0;
}

int virtio_dev_load(struct virtio_dev *d, const struct state_sec *sec,
		    struct err **e)
{
	struct state_rd r;
	int ret;

	state_rd_init(&r, sec);
	pthread_mutex_lock(&d->lock);
	ret = load_transport(d, &r, e);
	if (ret == 0 && d->ops->load)
		ret = d->ops->load(d, &r, e);
	if (ret == 0 && !state_rd_done(&r))
		ret = err_set(e, EINVAL, "malformed (%llu bytes left)",
			      (unsigned long long)(r.len - r.off));
	pthread_mutex_unlock(&d->lock);
	if (ret < 0)
		return err_prefix(e, "section '%s' (%s)", sec->name,
				  d->ops->name);
	return 0;
}

void virtio_dev_resume_queues(struct virtio_dev *d)
{
	uint64_t one = 1;

	/*
	 * An interrupt the drain raised just before the save may not have
	 * reached the saved IOAPIC (an irqfd injects it later): one the
	 * guest has not acknowledged is sent again. A second one is
	 * harmless: the driver reads the interrupt status first.
	 */
	if (d->isr && d->irqfd >= 0 && write(d->irqfd, &one, sizeof(one)) < 0)
		atomic_fetch_add(&d->stats.errors, 1);
	for (unsigned i = 0; i < d->ops->n_queues; i++)
		virtio_dev_kick(d, i);
}
