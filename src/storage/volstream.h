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
/*
 * A data record's payload at most; a failure message's at most. A
 * download's client may take longer data records (volume.download's
 * "record", up to VOLSTREAM_MAX_RECORD): it reads them in pieces.
 */
#define VOLSTREAM_MAX_DATA   (64u << 10)
#define VOLSTREAM_MAX_RECORD (16u << 20)
#define VOLSTREAM_MAX_MSG    1024u

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
 * (*@data true) or a hole, and its length (data at most @max bytes).
 * Without @sparse everything is data. Returns 0, or -errno.
 */
int volstream_extent(int fd, uint64_t off, uint64_t end, bool sparse,
		     uint64_t max, bool *data, uint64_t *len);

/*
 * A download's reader (the client's side): the records of a stream
 * parsed from what arrives, in pieces of any size, so that the client
 * can read the socket in large pieces and write the file bytes where
 * they lie in its buffer. Zero-initialise it, then feed it.
 */
struct volstream_rx {
	uint8_t hdr[VOLSTREAM_HDR];
	size_t have;	  /* header bytes so far */
	uint64_t payload; /* bytes of the current data record to come */
	uint64_t pos;	  /* the file offset of the next byte */
	uint64_t max;	  /* the longest data record taken; 0: MAX_DATA */
	bool ended;	  /* 'E' came: nothing more is taken */
};

/*
 * Called for each piece of file bytes: @n bytes at @p belong at file
 * offset @off. Returns 0, or -errno to stop the feed with it.
 */
typedef int volstream_data_fn(void *opaque, uint64_t off, const uint8_t *p,
			      size_t n);

/*
 * Takes @len bytes of the stream at @buf: data bytes go to @fn, holes
 * advance rx->pos. Returns how many bytes it used (fewer than @len only
 * after the end record), -EPROTO on a record a download does not carry
 * (an unknown kind, a data record longer than rx->max, a file past
 * 2^63 bytes), or what @fn returned.
 */
ssize_t volstream_rx_feed(struct volstream_rx *rx, const uint8_t *buf,
			  size_t len, volstream_data_fn *fn, void *opaque);

/*
 * @n bytes of the current data record (at most rx->payload) were taken
 * by the caller itself, written at rx->pos (splice(2) from the socket).
 */
static inline void volstream_rx_took(struct volstream_rx *rx, uint64_t n)
{
	rx->pos += n;
	rx->payload -= n;
}

#endif
