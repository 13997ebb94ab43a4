/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What vol-upload and vol-download send over the API's byte stream
 * (docs/api.md, "Streams"): records, so that holes travel as holes and
 * both ends know where the stream ends and how it went. A record is a
 * 9-byte header, a kind and a 64-bit little-endian length, then (for
 * data and failures only) that many bytes:
 *
 *   'D' data     the next LENGTH bytes of the file
 *   'H' hole     LENGTH bytes that read as zeroes, sent as none
 *   'E' end      the sender has sent everything (LENGTH 0)
 *   'O' ok       the daemon wrote an upload whole (LENGTH 0)
 *   'F' failure  the daemon could not: LENGTH bytes of message
 *
 * A download is D and H records, then E; an upload is the same from the
 * client, answered with O or F. Without --sparse only D records are
 * sent.
 */
#ifndef NIDO_STORAGE_VOLSTREAM_H
#define NIDO_STORAGE_VOLSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#define VOLSTREAM_HDR  9
#define VOLSTREAM_DATA 'D'
#define VOLSTREAM_HOLE 'H'
#define VOLSTREAM_END  'E'
#define VOLSTREAM_OK   'O'
#define VOLSTREAM_FAIL 'F'
/* A data record's payload at most; a failure message's at most. */
#define VOLSTREAM_MAX_DATA (64u << 10)
#define VOLSTREAM_MAX_MSG  1024u

static inline void volstream_header(uint8_t h[VOLSTREAM_HDR], char kind,
				    uint64_t len)
{
	h[0] = (uint8_t)kind;
	for (int i = 0; i < 8; i++)
		h[1 + i] = (uint8_t)(len >> (8 * i));
}

static inline uint64_t volstream_len(const uint8_t h[VOLSTREAM_HDR])
{
	uint64_t len = 0;

	for (int i = 0; i < 8; i++)
		len |= (uint64_t)h[1 + i] << (8 * i);
	return len;
}

/*
 * The extent of the file @fd that starts at @off, cut at @end: data
 * (*@data true) or a hole, and its length (data at most
 * VOLSTREAM_MAX_DATA). Without @sparse everything is data. Returns 0,
 * or -errno.
 */
int volstream_extent(int fd, uint64_t off, uint64_t end, bool sparse,
		     bool *data, uint64_t *len);

#endif
