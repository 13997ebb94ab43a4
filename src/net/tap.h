/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tap devices as nido-vmm uses them: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
 * (each frame led by a struct virtio_net_hdr), opened non-blocking.
 * nidod creates a persistent tap per guest interface; nido-vmm attaches
 * to it by name. One way to open a tap, for both.
 */
#ifndef NIDO_NET_TAP_H
#define NIDO_NET_TAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/err.h"
#include "net/addr.h"

/*
 * Creates a persistent tap from @name, a name or a template with "%d"
 * ("vnet%d": the kernel picks the first free number), owned by @uid
 * (-1: root only) so that an unprivileged VMM may attach to it. Writes
 * the name the kernel gave into @out (NET_IFNAME_MAX + 1 bytes). The tap
 * stays until net_link_delete() (or net_tap_delete()). -EEXIST when a
 * link named @name exists already.
 */
int net_tap_create(const char *name, uid_t uid, char out[NET_IFNAME_MAX + 1],
		   struct err **e);

/*
 * Attaches to the existing tap @name and returns its queue's fd (owned by
 * the caller) in @fd. Never creates one: a missing tap is -ENODEV.
 */
int net_tap_open(const char *name, int *fd, struct err **e);

/* Makes tap @name non-persistent, which removes it once no fd holds it. */
int net_tap_delete(const char *name, struct err **e);

#endif
