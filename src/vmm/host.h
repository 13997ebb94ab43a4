/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening what the VM needs from the host, before the sandbox (host.c).
 */
#ifndef NIDO_VMM_HOST_H
#define NIDO_VMM_HOST_H

#include "vmm/vmconfig.h"

/*
 * Opens /dev/kvm, the kernel and initrd, every disk (its format must be
 * named) and every tap of @c into @c->host. Once only: a second call
 * does nothing. Returns 0, or -errno with @e naming the device or file;
 * what was opened stays in @c->host for config_release() to close.
 */
int host_open(struct vm_config *c, struct err **e);

/* The block_open() flags of disk @d (readonly, shared). */
unsigned host_disk_flags(const struct config_disk *d);

/* Closes what is left in @h (consumers took theirs over). */
void host_close(struct vm_host *h);

#endif
