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

	if (c->virtio_console || c->n_channels) {
		struct virtio_console_chan ch[CONFIG_MAX_CHANNELS];
		struct virtio_dev *d;

		for (unsigned i = 0; i < c->n_channels; i++)
			ch[i] = (struct virtio_console_chan){
				c->channels[i].name, vm->channels[i]};
		d = virtio_console_create(
			vm,
			c->virtio_console ? console_out_fd(vm->console) : -1,
			c->virtio_console, ch, c->n_channels, e);
		if (add(vm, d) < 0)
			return -EIO;
		if (c->virtio_console)
			virtio_console_set_log(d, console_log_fd(vm->console));
		/* without --virtio-console, input stays the serial port's */
		vm->vconsole = c->virtio_console ? d : NULL;
		vm->vports = c->n_channels ? d : NULL;
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
	vm->vports = NULL;
	vm->balloon = NULL;
}
