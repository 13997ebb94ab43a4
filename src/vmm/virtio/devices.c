// SPDX-License-Identifier: GPL-2.0-or-later
/* Which virtio devices a VM gets, in a fixed order (docs/vmm.md). */
#include "vmm/virtio/devices.h"

#include <errno.h>

#include "vmm/console.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

static int add(struct vm *vm, struct virtio_dev *d)
{
	if (!d)
		return -EIO;
	vm->virtio[vm->n_virtio++] = d;
	return 0;
}

int virtio_devices_create(struct vm *vm, struct err **e)
{
	const struct vm_config *c = vm->cfg;

	if (c->virtio_console) {
		vm->vconsole = virtio_console_create(
			vm, console_out_fd(vm->console), e);
		if (add(vm, vm->vconsole) < 0)
			return -EIO;
	}
	for (unsigned i = 0; i < c->n_disks; i++) {
		if (add(vm, virtio_blk_create(vm, &c->disks[i], i, e)) < 0)
			return -EIO;
	}
	for (unsigned i = 0; i < c->n_nets; i++) {
		if (add(vm, virtio_net_create(vm, &c->nets[i], i, e)) < 0)
			return -EIO;
	}
	if (c->virtio_rng && add(vm, virtio_rng_create(vm, e)) < 0)
		return -EIO;
	if (c->balloon) {
		vm->balloon = virtio_balloon_create(vm, c->balloon_deflate, e);
		if (add(vm, vm->balloon) < 0)
			return -EIO;
	}
	return 0;
}

void virtio_devices_destroy(struct vm *vm)
{
	for (unsigned i = 0; i < vm->n_virtio; i++)
		virtio_dev_destroy(vm->virtio[i]);
	vm->n_virtio = 0;
	vm->vconsole = NULL;
	vm->balloon = NULL;
}
