// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The virtio-mmio transport: the register file of 4.2.2, ioeventfds for
 * queue notifications and an irqfd for interrupts.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define MMIO_MAGIC	    0x000
#define MMIO_VERSION	    0x004
#define MMIO_DEVICE_ID	    0x008
#define MMIO_VENDOR_ID	    0x00c
#define MMIO_DEV_FEATURES   0x010
#define MMIO_DEV_FEAT_SEL   0x014
#define MMIO_DRV_FEATURES   0x020
#define MMIO_DRV_FEAT_SEL   0x024
#define MMIO_QUEUE_SEL	    0x030
#define MMIO_QUEUE_NUM_MAX  0x034
#define MMIO_QUEUE_NUM	    0x038
#define MMIO_QUEUE_READY    0x044
#define MMIO_QUEUE_NOTIFY   0x050
#define MMIO_INT_STATUS	    0x060
#define MMIO_INT_ACK	    0x064
#define MMIO_STATUS	    0x070
#define MMIO_QUEUE_DESC_LO  0x080
#define MMIO_QUEUE_DESC_HI  0x084
#define MMIO_QUEUE_AVAIL_LO 0x090
#define MMIO_QUEUE_AVAIL_HI 0x094
#define MMIO_QUEUE_USED_LO  0x0a0
#define MMIO_QUEUE_USED_HI  0x0a4
#define MMIO_CONFIG_GEN	    0x0fc
#define MMIO_CONFIG	    0x100

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define NIDO_VENDOR_ID	  0x4f44494e /* "NIDO" */

#define INT_USED   1
#define INT_CONFIG 2

static uint64_t offered(const struct virtio_dev *d)
{
	uint64_t f = d->ops->get_features ? d->ops->get_features(d)
					  : d->ops->features;

	return f | VIRTIO_F_VERSION_1;
}

int virtio_dev_running(const struct virtio_dev *d)
{
	return (d->status & VIRTIO_STATUS_DRIVER_OK) && !d->broken;
}

static void interrupt(struct virtio_dev *d, uint32_t why)
{
	uint64_t one = 1;

	d->isr |= why;
	atomic_fetch_add(&d->stats.interrupts, 1);
	if (d->irqfd >= 0) {
		if (write(d->irqfd, &one, sizeof(one)) < 0)
			log_debug("%s: irqfd: %s", d->ops->name,
				  strerror(errno));
	} else {
		vm_irq_line(d->vm, d->irq, 1);
		vm_irq_line(d->vm, d->irq, 0);
	}
}

void virtio_dev_notify_used(struct virtio_dev *d, struct vq *q)
{
	if (vq_should_notify(q))
		interrupt(d, INT_USED);
}

void virtio_dev_config_changed(struct virtio_dev *d)
{
	d->config_generation++;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		interrupt(d, INT_CONFIG);
}

void virtio_dev_broken(struct virtio_dev *d, struct vq *q)
{
	atomic_fetch_add(&d->stats.errors, 1);
	if (d->broken)
		return;
	d->broken = 1;
	log_warn("%s at 0x%llx: the guest broke queue %ld (%s); the device "
		 "needs a reset",
		 d->ops->name, (unsigned long long)d->addr, (long)(q - d->vqs),
		 q->broken_why ? q->broken_why : "?");
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		interrupt(d, INT_CONFIG);
}

static void device_reset(struct virtio_dev *d)
{
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vq_reset(&d->vqs[i]);
	d->status = 0;
	d->isr = 0;
	d->driver_features = 0;
	d->dev_features_sel = d->drv_features_sel = d->queue_sel = 0;
	d->broken = 0;
	if (d->ops->reset)
		d->ops->reset(d);
}

static struct vq *selected(struct virtio_dev *d)
{
	return d->queue_sel < d->ops->n_queues ? &d->vqs[d->queue_sel] : NULL;
}

static uint32_t reg_read(struct virtio_dev *d, uint64_t off)
{
	struct vq *q = selected(d);

	switch (off) {
	case MMIO_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case MMIO_VERSION:
		return 2;
	case MMIO_DEVICE_ID:
		return d->ops->device_id;
	case MMIO_VENDOR_ID:
		return NIDO_VENDOR_ID;
	case MMIO_DEV_FEATURES:
		if (d->dev_features_sel > 1)
			return 0;
		return (uint32_t)(offered(d) >> (32 * d->dev_features_sel));
	case MMIO_QUEUE_NUM_MAX:
		return q ? d->ops->queue_max : 0;
	case MMIO_QUEUE_READY:
		return q ? (uint32_t)q->ready : 0;
	case MMIO_INT_STATUS:
		return d->isr;
	case MMIO_STATUS:
		return d->status;
	case MMIO_CONFIG_GEN:
		return d->config_generation;
	default:
		return 0;
	}
}

static void set_status(struct virtio_dev *d, uint32_t v)
{
	if (v == 0) {
		device_reset(d);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) &&
	    !(d->status & VIRTIO_STATUS_FEATURES_OK)) {
		/* Refuse features we did not offer, and legacy drivers. */
		if ((d->driver_features & ~offered(d)) ||
		    !(d->driver_features & VIRTIO_F_VERSION_1))
			v &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
	}
	d->status = v | (d->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void queue_ready(struct virtio_dev *d, struct vq *q, uint32_t v)
{
	if (!v) {
		q->ready = 0;
		return;
	}
	if (q->ready)
		return;
	if (vq_enable(q, &d->vm->mem, d->ops->queue_max) < 0) {
		q->broken_why = "bad ring address or size";
		q->broken = 1;
		virtio_dev_broken(d, q);
	}
}

static void set_addr(uint64_t *a, uint32_t v, int high)
{
	if (high)
		*a = (*a & 0xffffffffULL) | (uint64_t)v << 32;
	else
		*a = (*a & ~0xffffffffULL) | v;
}

static void queue_reg_write(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	struct vq *q = selected(d);

	/* Ring setup is frozen while the queue is enabled (4.2.2.3.2). */
	if (!q || (q->ready && off != MMIO_QUEUE_READY))
		return;
	switch (off) {
	case MMIO_QUEUE_NUM:
		q->num = (uint16_t)MIN(v, 0xffffU);
		break;
	case MMIO_QUEUE_READY:
		queue_ready(d, q, v);
		break;
	case MMIO_QUEUE_DESC_LO:
	case MMIO_QUEUE_DESC_HI:
		set_addr(&q->desc_gpa, v, off == MMIO_QUEUE_DESC_HI);
		break;
	case MMIO_QUEUE_AVAIL_LO:
	case MMIO_QUEUE_AVAIL_HI:
		set_addr(&q->avail_gpa, v, off == MMIO_QUEUE_AVAIL_HI);
		break;
	default:
		set_addr(&q->used_gpa, v, off == MMIO_QUEUE_USED_HI);
		break;
	}
}

static void reg_write(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	switch (off) {
	case MMIO_DEV_FEAT_SEL:
		d->dev_features_sel = v;
		break;
	case MMIO_DRV_FEATURES:
		if (d->drv_features_sel < 2 &&
		    !(d->status & VIRTIO_STATUS_FEATURES_OK))
			set_addr(&d->driver_features, v, d->drv_features_sel);
		break;
	case MMIO_DRV_FEAT_SEL:
		d->drv_features_sel = v;
		break;
	case MMIO_QUEUE_SEL:
		d->queue_sel = v;
		break;
	case MMIO_INT_ACK:
		d->isr &= ~v;
		break;
	case MMIO_STATUS:
		set_status(d, v);
		break;
	case MMIO_QUEUE_NUM:
	case MMIO_QUEUE_READY:
	case MMIO_QUEUE_DESC_LO:
	case MMIO_QUEUE_DESC_HI:
	case MMIO_QUEUE_AVAIL_LO:
	case MMIO_QUEUE_AVAIL_HI:
	case MMIO_QUEUE_USED_LO:
	case MMIO_QUEUE_USED_HI:
		queue_reg_write(d, off, v);
		break;
	default:
		break;
	}
}

void virtio_mmio_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct virtio_dev *d = dev;
	uint32_t v;

	memset(data, 0, len);
	pthread_mutex_lock(&d->lock);
	if (off >= MMIO_CONFIG) {
		if (d->ops->config_read)
			d->ops->config_read(d, off - MMIO_CONFIG, data, len);
	} else if (len == 4 && IS_ALIGNED(off, 4)) {
		v = reg_read(d, off);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&d->lock);
}

void virtio_mmio_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	struct virtio_dev *d = dev;
	uint32_t v;

	if (off == MMIO_QUEUE_NOTIFY && len == 4) {
		/* Only when the ioeventfd did not take it (no KVM). */
		memcpy(&v, data, 4);
		if (v < d->ops->n_queues)
			virtio_dev_kick(d, v);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (off >= MMIO_CONFIG) {
		if (d->ops->config_write)
			d->ops->config_write(d, off - MMIO_CONFIG, data, len);
	} else if (len == 4 && IS_ALIGNED(off, 4)) {
		memcpy(&v, data, 4);
		reg_write(d, off, v);
	}
	pthread_mutex_unlock(&d->lock);
}

static const struct bus_ops virtio_mmio_ops = {
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
};

void virtio_dev_kick(struct virtio_dev *d, unsigned q)
{
	pthread_mutex_lock(&d->lock);
	atomic_fetch_add(&d->stats.notifies, 1);
	if (q < d->ops->n_queues && d->vqs[q].ready && virtio_dev_running(d))
		d->ops->queue_notify(d, q);
	pthread_mutex_unlock(&d->lock);
}

static void on_notify(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct virtio_dev *d = opaque;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	for (unsigned q = 0; q < d->ops->n_queues; q++) {
		if (d->notify_fd[q] == fd)
			virtio_dev_kick(d, q);
	}
}

static int ioeventfd(struct virtio_dev *d, unsigned q, int assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = q,
		.addr = d->addr + MMIO_QUEUE_NOTIFY,
		.len = 4,
		.fd = d->notify_fd[q],
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(d->vm->vm_fd, KVM_IOEVENTFD, &io);
}

static int setup_kvm_fds(struct virtio_dev *d, struct err **e)
{
	struct kvm_irqfd irqfd = {.gsi = d->irq};

	for (unsigned q = 0; q < d->ops->n_queues; q++) {
		d->notify_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->notify_fd[q] < 0 || ioeventfd(d, q, 1) < 0)
			return err_sys(e, errno, "%s: queue notification fd",
				       d->ops->name);
		d->notify_src[q] = loop_fd_add(d->vm->loop, d->notify_fd[q],
					       EPOLLIN, on_notify, d, e);
		if (!d->notify_src[q])
			return -EIO;
	}
	d->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	irqfd.fd = (uint32_t)d->irqfd;
	if (d->irqfd < 0 || ioctl(d->vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return err_sys(e, errno, "%s: interrupt fd (KVM_IRQFD)",
			       d->ops->name);
	return 0;
}

struct virtio_dev *virtio_dev_create(struct vm *vm,
				     const struct virtio_dev_ops *ops,
				     void *priv, struct err **e)
{
	struct virtio_dev *d = xcalloc(1, sizeof(*d));

	d->vm = vm;
	d->ops = ops;
	d->priv = priv;
	d->irqfd = -1;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->notify_fd[q] = -1;
	pthread_mutex_init(&d->lock, NULL);
	if (vm_alloc_mmio(vm, &d->addr, &d->irq, e) < 0 ||
	    bus_add(&vm->mmio, d->addr, VM_MMIO_SLOT, &virtio_mmio_ops, d,
		    ops->name, e) < 0 ||
	    (vm->vm_fd >= 0 && setup_kvm_fds(d, e) < 0)) {
		virtio_dev_destroy(d);
		return NULL;
	}
	return d;
}

void virtio_dev_destroy(struct virtio_dev *d)
{
	if (!d)
		return;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (d->notify_src[q])
			loop_source_del(d->vm->loop, d->notify_src[q]);
		if (d->notify_fd[q] >= 0 && d->vm->vm_fd >= 0)
			ioeventfd(d, q, 0);
		close_safe(d->notify_fd[q]);
	}
	close_safe(d->irqfd);
	if (d->ops->destroy)
		d->ops->destroy(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
