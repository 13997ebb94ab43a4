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
 * stays until net_tap_delete(). -EEXIST when a link named @name exists
 * already, also when a persistent tap of that name appears between the
 * check and the creation (TUNSETIFF would attach to it: its flags are
 * read back and it is left alone).
 */
int net_tap_create(const char *name, uid_t uid, char out[NET_IFNAME_MAX + 1],
		   struct err **e);
/* The same with IFF_MULTI_QUEUE when @multi_queue: a tap whose queues
 * are each one attachment (net_tap_open_mq()), up to 256. */
int net_tap_create_mq(const char *name, uid_t uid, bool multi_queue,
		      char out[NET_IFNAME_MAX + 1], struct err **e);

/*
 * Attaches to the existing tap @name and returns its queue's fd (owned by
 * the caller) in @fd. Never creates one: a missing tap is -ENODEV.
 */
int net_tap_open(const char *name, int *fd, struct err **e);
/* One more queue of a multi-queue tap when @multi_queue (each call
 * attaches a queue of its own). */
int net_tap_open_mq(const char *name, bool multi_queue, int *fd,
		    struct err **e);

/*
 * Deletes tap @name now (RTM_DELLINK, as net_link_delete()), even while a
 * VMM holds a queue of it: that fd stays open but reaches no device.
 * -ENODEV when there is no link @name, -EINVAL when it is not a tap.
 */
int net_tap_delete(const char *name, struct err **e);

#endif
