/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A virtio device on the virtio-mmio transport (virtio 1.x, 4.2; the
 * modern "version 2" register layout only).
 *
 * Threads: vCPU threads access the registers (virtio_mmio_read/write);
 * queue notifications arrive as ioeventfds in the event loop's thread,
 * which calls the device's queue_notify() under the device lock. The
 * device interrupts the guest through an irqfd. A device a guest has
 * misused is marked broken: DEVICE_NEEDS_RESET in its status and a
 * configuration interrupt; the guest may reset it; the VMM goes on.
 *
 * Without a VM fd (vm->vm_fd < 0: unit tests and fuzzers) no ioeventfd
 * or irqfd is registered and notifications are delivered directly.
 */
#ifndef NIDO_VMM_VIRTIO_VIRTIO_H
#define NIDO_VMM_VIRTIO_VIRTIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lib/err.h"
#include "vmm/virtio/queue.h"

struct vm;
struct loop_source;
struct virtio_dev;
struct state_wr;
struct state_rd;
struct state_sec;

#define VIRTIO_MAX_QUEUES   18 /* the multiport console: 8 ports */
#define VIRTIO_MAX_WARNINGS 20

#define VIRTIO_ID_NET	  1
#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4
#define VIRTIO_ID_BALLOON 5

#define VIRTIO_F_VERSION_1 (1ULL << 32)

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* What a device type provides; one static const table per type. */
struct virtio_dev_ops {
	const char *name;
	uint32_t device_id;
	unsigned n_queues;
	uint16_t queue_max;
	uint64_t features; /* device-specific feature bits offered */
	/* When set, the features of this device instead of @features. */
	uint64_t (*get_features)(const struct virtio_dev *d);
	/* Reads or writes the device configuration space (bounds checked). */
	void (*config_read)(struct virtio_dev *d, uint64_t off, void *data,
			    unsigned len);
	void (*config_write)(struct virtio_dev *d, uint64_t off,
			     const void *data, unsigned len);
	/* The driver notified queue @q; called with d->lock held. */
	void (*queue_notify)(struct virtio_dev *d, unsigned q);
	/* The driver reset the device; called with d->lock held. */
	void (*reset)(struct virtio_dev *d);
	/*
	 * State (virtio/state.c), all optional and called with d->lock
	 * held: drain() completes the requests in flight before a save;
	 * save() appends the device's own state; load() reads it back
	 * (untrusted: bounds checked, -EINVAL with @e when malformed).
	 */
	void (*drain)(struct virtio_dev *d);
	void (*save)(struct virtio_dev *d, struct state_wr *w);
	int (*load)(struct virtio_dev *d, struct state_rd *r, struct err **e);
	/* Frees d->priv; accepts a device that never ran. */
	void (*destroy)(struct virtio_dev *d);
};

struct virtio_stats {
	_Atomic uint64_t notifies;
	_Atomic uint64_t requests;
	_Atomic uint64_t bytes_read;	/* from the guest's buffers */
	_Atomic uint64_t bytes_written; /* into the guest's buffers */
	_Atomic uint64_t errors;
	_Atomic uint64_t interrupts;
	_Atomic uint64_t throttled; /* requests that waited for a limit */
};

struct virtio_dev {
	struct vm *vm;
	const struct virtio_dev_ops *ops;
	void *priv;
	pthread_mutex_t lock;
	uint64_t addr; /* MMIO window */
	unsigned irq;
	int irqfd;
	int notify_fd[VIRTIO_MAX_QUEUES];
	struct loop_source *notify_src[VIRTIO_MAX_QUEUES];

	/* Transport registers. */
	uint32_t status;
	uint32_t isr;
	uint32_t dev_features_sel, drv_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t config_generation;
	struct vq vqs[VIRTIO_MAX_QUEUES];
	int broken;
	unsigned n_warned;
	struct virtio_stats stats;
};

/*
 * Creates a device of type @ops with @priv (owned from now on, freed by
 * ops->destroy), places it on the VM's MMIO bus with an interrupt line,
 * registers ioeventfds and an irqfd (the ACPI DSDT describes it). Returns the
 * device, or NULL with @e filled.
 */
struct virtio_dev *virtio_dev_create(struct vm *vm,
				     const struct virtio_dev_ops *ops,
				     void *priv, struct err **e);

/* Unregisters and frees; accepts NULL. */
void virtio_dev_destroy(struct virtio_dev *d);

/* The transport's register accesses (the bus callbacks). */
void virtio_mmio_read(void *dev, uint64_t off, void *data, unsigned len);
void virtio_mmio_write(void *dev, uint64_t off, const void *data, unsigned len);

/* Runs queue @q's handler as a notification would (loop thread). */
void virtio_dev_kick(struct virtio_dev *d, unsigned q);

/* Interrupts the guest for used buffers on @q if it wants one. Lock held. */
void virtio_dev_notify_used(struct virtio_dev *d, struct vq *q);

/*
 * The device changed its configuration space: a new generation, and a
 * configuration change interrupt once the driver is ready. Lock held.
 */
void virtio_dev_config_changed(struct virtio_dev *d);

/*
 * Marks the device broken after the guest misused queue @q: logs once,
 * sets DEVICE_NEEDS_RESET, sends a configuration interrupt. Lock held.
 */
void virtio_dev_broken(struct virtio_dev *d, struct vq *q);

/* Whether the driver finished feature negotiation and set DRIVER_OK. */
int virtio_dev_running(const struct virtio_dev *d);

/*
 * Device @index's section: the transport, its queues and the device's
 * own state, after draining what is in flight. The VM is paused.
 */
void virtio_dev_save(struct virtio_dev *d, unsigned index, struct state_wr *w);

/*
 * Loads section @sec into @d, a device just created from the same
 * configuration: the device type must match, every queue's rings are
 * checked against guest memory as when the driver enabled them.
 */
int virtio_dev_load(struct virtio_dev *d, const struct state_sec *sec,
		    struct err **e);

/* After a restore: looks at every ready queue once, as a notification
 * would, for requests posted but not seen before the save. */
void virtio_dev_resume_queues(struct virtio_dev *d);

#endif
