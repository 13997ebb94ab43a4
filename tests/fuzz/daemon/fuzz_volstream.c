// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the records of a vol-download stream as the client
 * reads them (storage/volstream.h, volstream_rx_feed()). The daemon at
 * the other end may be anyone's. The first byte of the input chooses
 * how the rest is cut into the pieces reads would bring; the result
 * must not depend on the cut: the same bytes at the same offsets, the
 * same end, the same refusal as when the stream arrives whole. No byte
 * may go before the offset reached or past 2^63, and a feed takes all
 * it is given unless the end came.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "storage/volstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sum {
	uint64_t hash, bytes, next;
};

static int take(void *opaque, uint64_t off, const uint8_t *p, size_t n)
{
	struct sum *s = opaque;

	if (!n || off < s->next || off > INT64_MAX || n > INT64_MAX - off)
		abort();
	s->next = off + n;
	s->bytes += n;
	for (size_t i = 0; i < n; i++)
		s->hash = (s->hash ^ p[i] ^ (off + i)) * 0x100000001b3ull;
	return 0;
}

/* Feeds @data in pieces of @piece bytes (0: whole); returns the error. */
static ssize_t run(const uint8_t *data, size_t size, size_t piece,
		   struct volstream_rx *rx, struct sum *s)
{
	size_t at = 0;

	while (at < size) {
		size_t n = piece ? piece : size;
		ssize_t k;

		if (n > size - at)
			n = size - at;
		k = volstream_rx_feed(rx, data + at, n, take, s);
		if (k < 0)
			return k;
		if ((size_t)k != n && !rx->ended)
			abort();
		at += (size_t)k;
		if (rx->ended)
			break;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct volstream_rx whole = {0}, cut = {0};
	struct sum a = {0}, b = {0};
	size_t piece;
	ssize_t ra, rb;

	if (size < 1)
		return 0;
	piece = 1 + data[0] % 23;
	whole.max = cut.max = data[0] & 1 ? VOLSTREAM_MAX_RECORD : 0;
	ra = run(data + 1, size - 1, 0, &whole, &a);
	rb = run(data + 1, size - 1, piece, &cut, &b);
	if (ra != rb || (ra < 0 && ra != -EPROTO))
		abort();
	if (ra == 0 && (whole.ended != cut.ended || whole.pos != cut.pos ||
			a.hash != b.hash || a.bytes != b.bytes))
		abort();
	return 0;
}
