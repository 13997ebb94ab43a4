/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NIDO_DAEMON_DRIVER_QEMU_STREAM_H
#define NIDO_DAEMON_DRIVER_QEMU_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/*
 * Whether a migration stream is whole (driver-qemu-stream.c): its first
 * @head_len bytes @head, its last @n bytes @tail (the same bytes when it
 * is short; at most QEMU_STREAM_TAIL are needed: a description longer
 * than that is not found). 0, or -EINVAL with @e: @what (the file, as
 * the user knows it), then what is wrong ("truncated", "not a QEMU
 * migration stream").
 */
#define QEMU_STREAM_TAIL (4u << 20)
int qemu_stream_check(const uint8_t *head, size_t head_len, const uint8_t *tail,
		      size_t n, const char *what, struct err **e);

#endif
