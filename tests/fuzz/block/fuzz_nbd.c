// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: what an NBD server says to the nbd driver
 * (src/block/nbd.c). The input's first byte picks the open (bit 0:
 * read-write); the rest is everything the server sends, in order:
 * greeting, option replies, simple replies and read data. It is written
 * into one end of a socket pair whose other end the driver opens as a
 * socket passed to it (format "nbd", as nido-vmm does); then the export
 * is read, written, flushed, trimmed and zeroed. Nothing may crash,
 * leak or hang; a refusal always says why. The input as text is also
 * parsed as an nbd: name (nbd-uri.c).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "block/chain.h"
#include "block/nbd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void need_reason(int r, struct err *e)
{
	if (r < 0 && (!e || !*err_msg(e)))
		abort();
}

static void exercise(struct block *b, bool rw)
{
	uint64_t size = block_size(b), n = size < 4096 ? size : 4096;
	static uint8_t buf[4096];
	struct block_status st;
	struct err *e = NULL;
	int r;

	r = block_pread(b, buf, n, 0, &e);
	need_reason(r, e);
	err_free(e), e = NULL;
	if (size) {
		r = block_status(b, 0, size, &st, &e);
		need_reason(r, e);
		err_free(e), e = NULL;
	}
	if (!rw)
		return;
	r = block_pwrite(b, buf, n < 512 ? n : 512, 0, &e);
	need_reason(r, e);
	err_free(e), e = NULL;
	r = block_flush(b, &e);
	need_reason(r, e);
	err_free(e), e = NULL;
	r = block_discard(b, 0, n, &e);
	need_reason(r, e);
	err_free(e), e = NULL;
	r = block_write_zeroes(b, 0, n, 0, &e);
	need_reason(r, e);
	err_free(e);
}

static void server_says(const uint8_t *data, size_t size, bool rw)
{
	struct block_open_opts o = {.format = "nbd",
				    .flags = rw ? BLOCK_OPEN_RDWR : 0};
	struct block *b = NULL;
	struct err *e = NULL;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	if (size && write(sv[1], data, size) < 0)
		abort();
	shutdown(sv[1], SHUT_WR); /* then EOF: the server said it all */
	o.fd = sv[0];
	r = block_open_chain("nbd-fuzz", &o, &b, &e);
	need_reason(r, e);
	err_free(e);
	if (r == 0)
		exercise(b, rw);
	block_close(b);
	close(sv[0]);
	close(sv[1]);
}

static void name(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct err *e = NULL;
	struct nbd_uri u;

	memcpy(text, data, size);
	text[size] = '\0';
	if (nbd_uri_parse(text, &u, &e) == 0) {
		if (!u.export || strlen(u.export) > NBD_MAX_STRING ||
		    !u.host == !u.socket)
			abort();
		nbd_uri_clear(&u);
	} else if (!e || !*err_msg(e)) {
		abort();
	}
	err_free(e);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nbd_set_timeout_ms(200);
	if (size > (64u << 10))
		return 0; /* more than a socket pair holds unread */
	if (size)
		server_says(data + 1, size - 1, data[0] & 1);
	name(data, size);
	return 0;
}
