// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the check of a QEMU migration stream's ends
 * (qemu_stream_check), what a snapshot's revert reads from a memory
 * file anyone could have replaced. Nothing may crash or read past the
 * input; a stream accepted starts with QEMU's magic and version 3 and
 * ends with a JSON object whose length the four bytes before it give.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/driver-qemu-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < QEMU_STREAM_TAIL ? size : QEMU_STREAM_TAIL;
	/* copies of their own: a read past either is seen by ASan */
	uint8_t *head = malloc(size < 8 ? size + 1 : 8);
	uint8_t *tail = malloc(n + 1);
	struct err *e = NULL;
	int r;

	memcpy(head, data, size < 8 ? size : 8);
	memcpy(tail, data + size - n, n);
	r = qemu_stream_check(head, size < 8 ? size : 8, tail, n, "fuzz", &e);
	if (r == 0 && (size < 16 || memcmp(data, "QEVM\0\0\0\3", 8) ||
		       data[size - 1] != '}'))
		abort();
	if (r < 0 && !e)
		abort(); /* a refusal says why */
	err_free(e);
	free(head);
	free(tail);
	return 0;
}
