// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-console (5.3), one port, no multiport: the transmit queue goes
 * to the console's output, host input waits in a buffer until the guest
 * posts receive buffers.
 */
#include <errno.h>

#include "vmm/state_format.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"

#define RX_QUEUE   0
#define TX_QUEUE   1
#define RX_PENDING 4096

struct vcon {
	int out_fd;
	uint8_t pending[RX_PENDING];
	size_t n_pending;
};

static void tx(struct virtio_dev *d, struct vq *q)
{
	struct vcon *c = d->priv;
	struct vq_req r;
	int n, any = 0;

	while ((n = vq_pop(q, &r)) > 0) {
		for (unsigned i = 0; i < r.n_out; i++) {
			/* A console that is gone or full loses the data. */
			if (c->out_fd >= 0 &&
			    write_full(c->out_fd, r.iov[i].iov_base,
				       r.iov[i].iov_len) < 0)
				atomic_fetch_add(&d->stats.errors, 1);
		}
		atomic_fetch_add(&d->stats.bytes_read, r.out_len);
		atomic_fetch_add(&d->stats.requests, 1);
		vq_push(q, r.head, 0);
		any = 1;
	}
	if (any)
		virtio_dev_notify_used(d, q);
	if (n < 0)
		virtio_dev_broken(d, q);
}

static void rx(struct virtio_dev *d, struct vq *q)
{
	struct vcon *c = d->priv;
	struct vq_req r;
	int n = 0, any = 0;

	while (c->n_pending && (n = vq_pop(q, &r)) > 0) {
		size_t len = vq_req_write(&r, 0, c->pending, c->n_pending);

		memmove(c->pending, c->pending + len, c->n_pending - len);
		c->n_pending -= len;
		vq_push(q, r.head, (uint32_t)len);
		atomic_fetch_add(&d->stats.bytes_written, len);
		atomic_fetch_add(&d->stats.requests, 1);
		any = 1;
	}
	if (any)
		virtio_dev_notify_used(d, q);
	if (n < 0)
		virtio_dev_broken(d, q);
}

static void vcon_notify(struct virtio_dev *d, unsigned q)
{
	if (q == TX_QUEUE)
		tx(d, &d->vqs[q]);
	else
		rx(d, &d->vqs[q]);
}

static void vcon_reset(struct virtio_dev *d)
{
	struct vcon *c = d->priv;

	c->n_pending = 0;
}

static void vcon_destroy(struct virtio_dev *d)
{
	free(d->priv);
}

/* Host input the guest has not taken yet. */
static void vcon_save(struct virtio_dev *d, struct state_wr *w)
{
	struct vcon *c = d->priv;

	state_put_u32(w, (uint32_t)c->n_pending);
	state_put_bytes(w, c->pending, c->n_pending);
}

static int vcon_load(struct virtio_dev *d, struct state_rd *r, struct err **e)
{
	struct vcon *c = d->priv;
	uint32_t n = state_get_u32(r);
	const uint8_t *p = n <= RX_PENDING ? state_get_ptr(r, n) : NULL;

	if (!p)
		return err_set(e, EINVAL, "bad pending input length %u", n);
	memcpy(c->pending, p, n);
	c->n_pending = n;
	return 0;
}

static const struct virtio_dev_ops vcon_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.n_queues = 2,
	.queue_max = 256,
	.queue_notify = vcon_notify,
	.reset = vcon_reset,
	.save = vcon_save,
	.load = vcon_load,
	.destroy = vcon_destroy,
};

struct virtio_dev *virtio_console_create(struct vm *vm, int out_fd,
					 struct err **e)
{
	struct vcon *c = xcalloc(1, sizeof(*c));

	c->out_fd = out_fd;
	return virtio_dev_create(vm, &vcon_ops, c, e);
}

void virtio_console_receive(struct virtio_dev *d, const uint8_t *buf,
			    size_t len)
{
	struct vcon *c = d->priv;

	pthread_mutex_lock(&d->lock);
	len = MIN(len, RX_PENDING - c->n_pending);
	memcpy(c->pending + c->n_pending, buf, len);
	c->n_pending += len;
	if (virtio_dev_running(d) && d->vqs[RX_QUEUE].ready)
		rx(d, &d->vqs[RX_QUEUE]);
	pthread_mutex_unlock(&d->lock);
}
