// SPDX-License-Identifier: GPL-2.0-or-later
/* virtio-rng (5.4): fills the guest's buffers from getrandom(). */
#include <errno.h>
#include <sys/random.h>

#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"

#define RNG_MAX_REQUEST (64 * 1024)

static uint32_t fill(const struct vq_req *r)
{
	uint8_t buf[4096];
	uint64_t want = MIN(r->in_len, (uint64_t)RNG_MAX_REQUEST), done = 0;

	while (done < want) {
		size_t chunk = MIN(sizeof(buf), want - done);
		ssize_t n = getrandom(buf, chunk, 0);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		done += vq_req_write(r, done, buf, (size_t)n);
	}
	return (uint32_t)done;
}

static void rng_notify(struct virtio_dev *d, unsigned qi)
{
	struct vq *q = &d->vqs[qi];
	struct vq_req r;
	int n, any = 0;

	while ((n = vq_pop(q, &r)) > 0) {
		uint32_t len = fill(&r);

		vq_push(q, r.head, len);
		atomic_fetch_add(&d->stats.requests, 1);
		atomic_fetch_add(&d->stats.bytes_written, len);
		any = 1;
	}
	if (any)
		virtio_dev_notify_used(d, q);
	if (n < 0)
		virtio_dev_broken(d, q);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.n_queues = 1,
	.queue_max = 256,
	.queue_notify = rng_notify,
};

struct virtio_dev *virtio_rng_create(struct vm *vm, struct err **e)
{
	return virtio_dev_create(vm, &rng_ops, NULL, e);
}
