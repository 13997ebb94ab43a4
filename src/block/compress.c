// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Compressed clusters: raw deflate (no zlib header, 4 KiB window) and
 * zstd frames, as qcow2 stores them. Compressed data on disk is followed
 * by whatever fills its last sector, so decompression stops as soon as
 * the cluster is full.
 */
#include <errno.h>
#include <zlib.h>
#include <zstd.h>

#include "block/qcow2.h"

static ssize_t deflate_buf(uint8_t *out, size_t outlen, const uint8_t *in,
			   size_t inlen)
{
	z_stream z = {0};
	ssize_t n = 0;
	int r;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	z.next_out = out;
	z.avail_out = (uInt)outlen;
	r = deflate(&z, Z_FINISH);
	if (r == Z_STREAM_END)
		n = (ssize_t)(outlen - z.avail_out);
	deflateEnd(&z);
	return n;
}

static int inflate_buf(uint8_t *out, size_t outlen, const uint8_t *in,
		       size_t inlen)
{
	z_stream z = {0};
	int r;

	if (inflateInit2(&z, -12) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	z.next_out = out;
	z.avail_out = (uInt)outlen;
	r = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if ((r == Z_STREAM_END || r == Z_BUF_ERROR || r == Z_OK) &&
	    z.avail_out == 0)
		return 0;
	return -EIO;
}

static ssize_t zstd_buf(uint8_t *out, size_t outlen, const uint8_t *in,
			size_t inlen)
{
	size_t n = ZSTD_compress(out, outlen, in, inlen, 3);

	return ZSTD_isError(n) ? 0 : (ssize_t)n;
}

static int unzstd_buf(uint8_t *out, size_t outlen, const uint8_t *in,
		      size_t inlen)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_outBuffer ob = {out, outlen, 0};
	ZSTD_inBuffer ib = {in, inlen, 0};
	int r = 0;

	if (!d)
		return -ENOMEM;
	while (ob.pos < ob.size) {
		size_t in0 = ib.pos, out0 = ob.pos;
		size_t ret = ZSTD_decompressStream(d, &ob, &ib);

		if (ZSTD_isError(ret) || (ib.pos == in0 && ob.pos == out0)) {
			r = -EIO;
			break;
		}
		if (ib.pos == ib.size && ob.pos < ob.size) {
			r = -EIO; /* input ended before the cluster filled */
			break;
		}
	}
	ZSTD_freeDCtx(d);
	return r;
}

ssize_t qcow2_compress(int type, uint8_t *out, size_t outlen, const uint8_t *in,
		       size_t inlen)
{
	if (type == QCOW2_COMPRESSION_ZSTD)
		return zstd_buf(out, outlen, in, inlen);
	return deflate_buf(out, outlen, in, inlen);
}

int qcow2_decompress(int type, uint8_t *out, size_t outlen, const uint8_t *in,
		     size_t inlen)
{
	if (type == QCOW2_COMPRESSION_ZSTD)
		return unzstd_buf(out, outlen, in, inlen);
	return inflate_buf(out, outlen, in, inlen);
}
