/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host end of a named virtio-console port (--channel): a stream
 * socket nido-vmm bound (unix:PATH) or was given (fd:N), listening for
 * one client at a time, or a connected one. Opened before the sandbox;
 * everything else runs in the loop's thread.
 *
 * Bytes flow with back-pressure both ways: the socket is read only as
 * far as the port has room for (virtio_console_port_room()), and what
 * the guest writes is buffered up to CHANNEL_OUT_MAX while the client
 * does not read; the device stops taking the guest's buffers then
 * (channel_busy()). Nothing grows without bound.
 */
#ifndef NIDO_VMM_CHANNEL_H
#define NIDO_VMM_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct loop;
struct channel;
struct virtio_dev;
struct config_channel;

#define CHANNEL_OUT_MAX (64 * 1024)

/* Opens @cfg's socket (its fd is taken over). Returns the channel, or
 * NULL with @e filled. */
struct channel *channel_open(struct loop *l, struct config_channel *cfg,
			     struct err **e);

/* Port @port of virtio-console @d is the guest's end. Loop thread. */
void channel_attach(struct channel *c, struct virtio_dev *d, unsigned port);

/* Whether a client is connected. */
bool channel_connected(const struct channel *c);

/* The guest's bytes for the client: sent now, or buffered (up to twice
 * CHANNEL_OUT_MAX: a request that overflows that loses the rest, which
 * returns false). Without a client they are dropped (true). */
bool channel_write(struct channel *c, const void *buf, size_t len);

/* More buffered than CHANNEL_OUT_MAX: the device waits before taking
 * more of the guest's requests; it is kicked when the client drained
 * them. */
bool channel_busy(const struct channel *c);

/* The port has room again (the guest posted buffers or opened it): read
 * the socket again. Loop thread. */
void channel_kick(struct channel *c);

/* Closes the channel (and removes a socket file nido-vmm made); accepts
 * NULL. */
void channel_close(struct channel *c);

#endif
