/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio devices of a VM, created from its configuration: each gets
 * an MMIO window and an interrupt line (vm_alloc_mmio()) and adds its
 * "virtio_mmio.device=4K@ADDR:IRQ" to the kernel command line.
 */
#ifndef NIDO_VMM_VIRTIO_DEVICES_H
#define NIDO_VMM_VIRTIO_DEVICES_H

#include "lib/err.h"

struct vm;

/* Creates the configured virtio devices. Returns 0 or -errno with @e. */
int virtio_devices_create(struct vm *vm, struct err **e);

/* Destroys them; safe after a partial create. */
void virtio_devices_destroy(struct vm *vm);

#endif
