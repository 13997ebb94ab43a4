// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nbd driver: an export of an NBD server as a raw disk (nbd.h).
 *
 * The handshake is fixed newstyle with NBD_OPT_GO (NBD_OPT_EXPORT_NAME
 * only for a server that answers NBD_REP_ERR_UNSUP), asking for the
 * export's block sizes; transmission uses simple replies, one request
 * in flight (requests run under b->lock, block.c; aio.c's workers run
 * them). The server is not trusted: every magic, cookie, length and
 * size it sends is checked, each exchange has a deadline, and once the
 * stream is out of step (a bad reply, a timeout, a short read) the
 * export is marked broken and every later request fails by name rather
 * than reading someone else's data.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "block/driver.h"
#include "block/nbd.h"

/* Protocol numbers (the NBD protocol's doc/proto.md). */
#define NBD_MAGIC	     0x4e42444d41474943ull /* "NBDMAGIC" */
#define NBD_IHAVEOPT	     0x49484156454f5054ull /* "IHAVEOPT" */
#define NBD_OLDSTYLE_MAGIC   0x00420281861253ull
#define NBD_REP_MAGIC	     0x0003e889045565a9ull
#define NBD_REQUEST_MAGIC    0x25609513u
#define NBD_SIMPLE_MAGIC     0x67446698u
#define NBD_STRUCTURED_MAGIC 0x668e33efu

#define NBD_FLAG_FIXED_NEWSTYLE (1u << 0)
#define NBD_FLAG_NO_ZEROES	(1u << 1)

#define NBD_OPT_EXPORT_NAME 1
#define NBD_OPT_ABORT	    2
#define NBD_OPT_GO	    7

#define NBD_REP_ACK	  1
#define NBD_REP_INFO	  3
#define NBD_REP_ERR(n)	  ((1u << 31) | (n))
#define NBD_REP_ERR_UNSUP NBD_REP_ERR(1)

#define NBD_INFO_EXPORT	    0
#define NBD_INFO_BLOCK_SIZE 3

#define NBD_TF_HAS_FLAGS	 (1u << 0)
#define NBD_TF_READ_ONLY	 (1u << 1)
#define NBD_TF_SEND_FLUSH	 (1u << 2)
#define NBD_TF_SEND_TRIM	 (1u << 5)
#define NBD_TF_SEND_WRITE_ZEROES (1u << 6)

enum nbd_cmd {
	NBD_CMD_READ = 0,
	NBD_CMD_WRITE = 1,
	NBD_CMD_DISC = 2,
	NBD_CMD_FLUSH = 3,
	NBD_CMD_TRIM = 4,
	NBD_CMD_WRITE_ZEROES = 6,
};
#define NBD_CMD_FLAG_NO_HOLE (1u << 1)

/* Bounds of what we take from a server. */
#define OPT_REPLY_MAX	(NBD_MAX_STRING + 64) /* one option reply */
#define OPT_REPLIES_MAX 64		      /* replies to NBD_OPT_GO */
#define PAYLOAD_MAX	(32u << 20) /* one read or write (qemu-nbd's) */
#define ZERO_CHUNK	(1u << 30)  /* one trim or write-zeroes */
#define MIN_BLOCK_MAX	(64u << 10)

static int timeout_ms = 30000;

void nbd_set_timeout_ms(int ms)
{
	timeout_ms = ms;
}

struct nbd_state {
	char *export;
	uint16_t tflags;  /* transmission flags */
	uint32_t align;	  /* the server's minimum block size, 1 if none */
	uint32_t max_len; /* largest read or write payload */
	uint64_t cookie;
	bool ready; /* in transmission */
	bool broken;
};

/* @b's stream is out of step: no further request goes out. */
static int broken(struct block *b, int err, struct err **e, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));
static int broken(struct block *b, int err, struct err **e, const char *fmt,
		  ...)
{
	struct nbd_state *st = b->priv;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st)
		st->broken = true;
	return err_set(e, err, "'%s': NBD server: %s", b->filename, msg);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sends or receives all of @iov (modified) on @fd by @deadline. Returns
 * 0, -ETIMEDOUT, -ECONNRESET (the server closed) or another -errno.
 */
static int xfer(int fd, struct iovec *iov, int iovcnt, bool send,
		int64_t deadline)
{
	while (iovcnt > 0) {
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = iovcnt};
		struct pollfd p = {.fd = fd, .events = send ? POLLOUT : POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r;

		if (iov->iov_len == 0) {
			iov++, iovcnt--;
			continue;
		}
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)MIN(left, INT32_MAX));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = send ? sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL)
			 : recvmsg(fd, &m, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		if (n == 0 && !send)
			return -ECONNRESET;
		while (n > 0) {
			size_t k = MIN((size_t)n, iov->iov_len);

			iov->iov_base = (uint8_t *)iov->iov_base + k;
			iov->iov_len -= k;
			n -= (ssize_t)k;
			if (iov->iov_len == 0)
				iov++, iovcnt--;
		}
	}
	return 0;
}

static const char *xfer_what(int r)
{
	return r == -ETIMEDOUT	  ? "no answer in time"
	       : r == -ECONNRESET ? "the server closed the connection"
				  : strerror(-r);
}

/* Receives exactly @len bytes into @buf, or breaks @b naming @what. */
static int recv_buf(struct block *b, void *buf, size_t len, const char *what,
		    int64_t deadline, struct err **e)
{
	struct iovec v = {buf, len};
	int r = xfer(b->fd, &v, 1, false, deadline);

	if (r < 0)
		return broken(b, r == -ETIMEDOUT ? ETIMEDOUT : EIO, e,
			      "reading %s: %s", what, xfer_what(r));
	return 0;
}

static int send_buf(struct block *b, const void *buf, size_t len,
		    const char *what, int64_t deadline, struct err **e)
{
	struct iovec v = {(void *)buf, len};
	int r = xfer(b->fd, &v, 1, true, deadline);

	if (r < 0)
		return broken(b, r == -ETIMEDOUT ? ETIMEDOUT : EIO, e,
			      "sending %s: %s", what, xfer_what(r));
	return 0;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return be16toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

/* The greeting, and our flags back. *@no_zeroes: the server omits the
 * padding of NBD_OPT_EXPORT_NAME's reply. */
static int greet(struct block *b, bool *no_zeroes, int64_t dl, struct err **e)
{
	uint8_t g[18], cf[4];
	uint16_t hflags;
	int r = recv_buf(b, g, sizeof(g), "the greeting", dl, e);

	if (r < 0)
		return r;
	if (get64(g) != NBD_MAGIC)
		return broken(b, EPROTO, e,
			      "bad greeting magic (not an NBD server?)");
	if (get64(g + 8) == NBD_OLDSTYLE_MAGIC)
		return broken(b, ENOTSUP, e,
			      "oldstyle negotiation is not supported");
	if (get64(g + 8) != NBD_IHAVEOPT)
		return broken(b, EPROTO, e,
			      "bad greeting magic 0x%016" PRIx64 " after "
			      "NBDMAGIC",
			      get64(g + 8));
	hflags = get16(g + 16);
	if (!(hflags & NBD_FLAG_FIXED_NEWSTYLE))
		return broken(b, ENOTSUP, e,
			      "the server does not speak fixed newstyle "
			      "negotiation");
	*no_zeroes = hflags & NBD_FLAG_NO_ZEROES;
	put32(cf,
	      NBD_FLAG_FIXED_NEWSTYLE | (*no_zeroes ? NBD_FLAG_NO_ZEROES : 0));
	return send_buf(b, cf, sizeof(cf), "the client flags", dl, e);
}

/* Sends option @opt with its data [@data, @data+@len). */
static int send_option(struct block *b, uint32_t opt, const void *data,
		       uint32_t len, int64_t dl, struct err **e)
{
	uint8_t h[16];
	int r;

	put64(h, NBD_IHAVEOPT);
	put32(h + 8, opt);
	put32(h + 12, len);
	r = send_buf(b, h, sizeof(h), "an option", dl, e);
	return r < 0 ? r : send_buf(b, data, len, "an option", dl, e);
}

/* NBD_OPT_GO for @export, asking for its block sizes. */
static int send_go(struct block *b, const char *export, int64_t dl,
		   struct err **e)
{
	uint32_t nl = (uint32_t)strlen(export);
	_cleanup_free_ uint8_t *d = xmalloc(nl + 8);

	put32(d, nl);
	memcpy(d + 4, export, nl);
	put16(d + 4 + nl, 1);
	put16(d + 6 + nl, NBD_INFO_BLOCK_SIZE);
	return send_option(b, NBD_OPT_GO, d, nl + 8, dl, e);
}

struct opt_reply {
	uint32_t type, len;
	uint8_t data[OPT_REPLY_MAX];
};

/* One reply to option @opt, its length bounded. */
static int read_opt_reply(struct block *b, uint32_t opt, struct opt_reply *rp,
			  int64_t dl, struct err **e)
{
	uint8_t h[20];
	int r = recv_buf(b, h, sizeof(h), "an option reply", dl, e);

	if (r < 0)
		return r;
	if (get64(h) != NBD_REP_MAGIC)
		return broken(b, EPROTO, e, "bad option reply magic");
	if (get32(h + 8) != opt)
		return broken(b, EPROTO, e,
			      "a reply to option %" PRIu32 " when %" PRIu32
			      " was asked",
			      get32(h + 8), opt);
	rp->type = get32(h + 12);
	rp->len = get32(h + 16);
	if (rp->len > OPT_REPLY_MAX)
		return broken(b, EPROTO, e,
			      "an option reply of %" PRIu32
			      " bytes (at most %d taken)",
			      rp->len, OPT_REPLY_MAX);
	return recv_buf(b, rp->data, rp->len, "an option reply", dl, e);
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* NBD_INFO_BLOCK_SIZE: the alignment and largest payload we use. */
static int take_block_size(struct block *b, struct nbd_state *st,
			   const uint8_t *p)
{
	uint32_t min = get32(p), pref = get32(p + 4), max = get32(p + 8);

	if (!pow2(min) || min > MIN_BLOCK_MAX || !pow2(pref) || pref < min ||
	    max < min || (max % min && max != UINT32_MAX))
		return -EPROTO;
	st->align = min;
	st->max_len = MIN(max, PAYLOAD_MAX);
	st->max_len -= st->max_len % min;
	return 0;
}

/* An NBD_REP_INFO; *@size and *@have set by NBD_INFO_EXPORT. */
static int take_info(struct block *b, struct nbd_state *st,
		     const struct opt_reply *rp, uint64_t *size, bool *have,
		     struct err **e)
{
	uint16_t type = rp->len >= 2 ? get16(rp->data) : 0xffff;

	if (type == NBD_INFO_EXPORT && rp->len == 12) {
		*size = get64(rp->data + 2);
		st->tflags = get16(rp->data + 10);
		*have = true;
	} else if (type == NBD_INFO_EXPORT) {
		return broken(b, EPROTO, e,
			      "NBD_INFO_EXPORT of %" PRIu32 " bytes", rp->len);
	} else if (type == NBD_INFO_BLOCK_SIZE) {
		if (rp->len != 14 || take_block_size(b, st, rp->data + 2) < 0)
			return broken(b, EPROTO, e,
				      "bad NBD_INFO_BLOCK_SIZE (minimum a "
				      "power of two up to 64 KiB, preferred "
				      "and maximum not below it)");
	} else if (type == 0xffff) {
		return broken(b, EPROTO, e, "an empty NBD_REP_INFO");
	}
	return 0; /* a name or description: not needed */
}

/* The server refused the export: say why. */
static int refused(struct block *b, const struct nbd_state *st,
		   const struct opt_reply *rp, struct err **e)
{
	static const char *const why[] = {
		[2] = "refused by the server's policy",
		[3] = "an invalid request, says the server",
		[4] = "not supported on the server's platform",
		[5] = "the server requires TLS, which nido does not speak",
		[6] = "no such export",
		[7] = "the server is shutting down",
		[8] = "the server requires block sizes to be negotiated",
		[9] = "the request is too big for the server",
	};
	uint32_t n = rp->type & ~(1u << 31);
	char msg[201];
	size_t k = 0;

	for (uint32_t i = 0; i < rp->len && k < sizeof(msg) - 1; i++)
		msg[k++] = isprint(rp->data[i]) ? (char)rp->data[i] : '?';
	msg[k] = '\0';
	/* a polite goodbye (qemu-nbd logs a client that just leaves) */
	send_option(b, NBD_OPT_ABORT, "", 0, now_ms() + 1000, NULL);
	return err_set(e,
		       n == 6	? ENOENT
		       : n == 5 ? ENOTSUP
		       : n == 2 ? EACCES
				: EIO,
		       "'%s': export '%.200s': %s%s%s", b->filename, st->export,
		       n < ARRAY_SIZE(why) && why[n] ? why[n] : "refused",
		       k ? ": " : "", msg);
}

/*
 * NBD_OPT_GO's replies up to its ACK. Returns 0, 1 when the server does
 * not know the option (then NBD_OPT_EXPORT_NAME), or -errno.
 */
static int go(struct block *b, struct nbd_state *st, uint64_t *size, int64_t dl,
	      struct err **e)
{
	_cleanup_free_ struct opt_reply *rp = xmalloc(sizeof(*rp));
	bool have = false;
	int r = send_go(b, st->export, dl, e);

	for (int i = 0; r == 0 && i < OPT_REPLIES_MAX; i++) {
		if ((r = read_opt_reply(b, NBD_OPT_GO, rp, dl, e)) < 0)
			return r;
		if (rp->type == NBD_REP_ACK && !have)
			return broken(b, EPROTO, e,
				      "NBD_OPT_GO acknowledged without the "
				      "export's size");
		if (rp->type == NBD_REP_ACK)
			return 0;
		if (rp->type == NBD_REP_INFO) {
			r = take_info(b, st, rp, size, &have, e);
			continue;
		}
		if (rp->type == NBD_REP_ERR_UNSUP)
			return 1;
		if (rp->type & (1u << 31))
			return refused(b, st, rp, e);
		return broken(b, EPROTO, e,
			      "reply type %" PRIu32 " to NBD_OPT_GO", rp->type);
	}
	if (r < 0)
		return r;
	return broken(b, EPROTO, e, "more than %d replies to NBD_OPT_GO",
		      OPT_REPLIES_MAX);
}

/* The old way in: NBD_OPT_EXPORT_NAME, answered by size and flags. */
static int export_name(struct block *b, struct nbd_state *st, bool no_zeroes,
		       uint64_t *size, int64_t dl, struct err **e)
{
	uint8_t d[10 + 124];
	int r = send_option(b, NBD_OPT_EXPORT_NAME, st->export,
			    (uint32_t)strlen(st->export), dl, e);

	if (r == 0)
		r = recv_buf(b, d, no_zeroes ? 10 : sizeof(d),
			     "the export's size", dl, e);
	if (r < 0)
		return r;
	*size = get64(d);
	st->tflags = get16(d + 8);
	return 0;
}

static int nbd_handshake(struct block *b, struct nbd_state *st, struct err **e)
{
	int64_t dl = now_ms() + timeout_ms;
	uint64_t size = 0;
	bool no_zeroes = false;
	int r;

	st->align = 1;
	st->max_len = PAYLOAD_MAX;
	if (strlen(st->export) > NBD_MAX_STRING)
		return err_set(e, EINVAL, "'%s': export name too long",
			       b->filename);
	r = greet(b, &no_zeroes, dl, e);
	if (r == 0)
		r = go(b, st, &size, dl, e);
	if (r == 1)
		r = export_name(b, st, no_zeroes, &size, dl, e);
	if (r < 0)
		return r;
	if (!(st->tflags & NBD_TF_HAS_FLAGS))
		return broken(b, EPROTO, e,
			      "transmission flags without NBD_FLAG_HAS_FLAGS");
	if (size > INT64_MAX)
		return broken(b, EPROTO, e,
			      "export size %" PRIu64 " beyond 2^63", size);
	if (size % st->align)
		return broken(b, EPROTO, e,
			      "export size %" PRIu64 " is not a multiple of "
			      "its block size %" PRIu32,
			      size, st->align);
	if (!b->read_only && (st->tflags & NBD_TF_READ_ONLY))
		return err_set(e, EROFS,
			       "'%s': export '%.200s' is read-only on the "
			       "server",
			       b->filename, st->export);
	b->size = size;
	st->ready = true;
	return 0;
}

static int nbd_open_export(struct block *b, struct err **e)
{
	struct nbd_state *st = xcalloc(1, sizeof(*st));
	struct nbd_uri u;
	int r;

	b->priv = st;
	if (b->fd < 0) {
		r = nbd_uri_parse(b->filename, &u, e);
		if (r < 0)
			return r;
		b->fd = nbd_connect(&u, e);
		st->export = steal_ptr(u.export);
		nbd_uri_clear(&u);
		if (b->fd < 0)
			return err_prefix(e, "'%s'", b->filename);
	} else if (nbd_uri_is(b->filename)) {
		r = nbd_uri_parse(b->filename, &u, e);
		if (r < 0)
			return r;
		st->export = steal_ptr(u.export);
		nbd_uri_clear(&u);
	} else {
		st->export = xstrdup(""); /* a socket passed: the default */
	}
	return nbd_handshake(b, st, e);
}

static void nbd_close_export(struct block *b)
{
	struct nbd_state *st = b->priv;
	uint8_t req[28] = {0};

	if (!st)
		return;
	if (st->ready && !st->broken) {
		put32(req, NBD_REQUEST_MAGIC);
		put16(req + 6, NBD_CMD_DISC);
		put64(req + 8, ++st->cookie);
		send_buf(b, req, sizeof(req), "the disconnect", now_ms() + 1000,
			 NULL);
	}
	free(st->export);
	free(st);
	b->priv = NULL;
}

/* Errors a server may return (NBD's numbers, as Linux's). */
static int reply_errno(uint32_t err)
{
	switch (err) {
	case 1:
		return EPERM;
	case 12:
		return ENOMEM;
	case 22:
		return EINVAL;
	case 28:
		return ENOSPC;
	case 75:
		return EOVERFLOW;
	case 95:
		return ENOTSUP;
	case 108:
		return ESHUTDOWN;
	default:
		return EIO;
	}
}

static const char *const cmd_names[] = {
	[NBD_CMD_READ] = "read",       [NBD_CMD_WRITE] = "write",
	[NBD_CMD_DISC] = "disconnect", [NBD_CMD_FLUSH] = "flush",
	[NBD_CMD_TRIM] = "trim",       [NBD_CMD_WRITE_ZEROES] = "write-zeroes",
};

/*
 * Sends one request (@iov: a write's payload, a read's destination) and
 * takes its simple reply. 0 or -errno.
 */
static int request(struct block *b, enum nbd_cmd cmd, uint16_t flags,
		   uint64_t off, uint32_t len, const struct iovec *iov,
		   int iovcnt, struct err **e)
{
	struct nbd_state *st = b->priv;
	int64_t deadline = now_ms() + timeout_ms;
	struct iovec v[IOV_MAX_SLICE + 1];
	uint8_t req[28], rep[16];
	uint32_t magic, err;
	int n = 0, r;

	if (st->broken)
		return err_set(e, EIO,
			       "'%s': the connection to the NBD server was "
			       "lost earlier",
			       b->filename);
	put32(req, NBD_REQUEST_MAGIC);
	put16(req + 4, flags);
	put16(req + 6, cmd);
	put64(req + 8, ++st->cookie);
	put64(req + 16, off);
	put32(req + 24, len);
	v[0] = (struct iovec){req, sizeof(req)};
	if (cmd == NBD_CMD_WRITE) {
		n = iov_slice(iov, iovcnt, 0, len, v + 1, IOV_MAX_SLICE);
		if (n < 0)
			return err_set(e, EINVAL, "'%s': too many buffers",
				       b->filename);
	}
	r = xfer(b->fd, v, n + 1, true, deadline);
	if (r < 0)
		return broken(b, r == -ETIMEDOUT ? ETIMEDOUT : EIO, e,
			      "sending a %s request: %s", cmd_names[cmd],
			      xfer_what(r));
	r = recv_buf(b, rep, sizeof(rep), "a reply", deadline, e);
	if (r < 0)
		return r;
	magic = get32(rep);
	if (magic == NBD_STRUCTURED_MAGIC)
		return broken(b, EPROTO, e,
			      "a structured reply, which was not negotiated");
	if (magic != NBD_SIMPLE_MAGIC)
		return broken(b, EPROTO, e, "bad reply magic 0x%08" PRIx32,
			      magic);
	if (get64(rep + 8) != st->cookie)
		return broken(b, EPROTO, e,
			      "a reply to a request not made (cookie "
			      "%" PRIu64 ", expected %" PRIu64 ")",
			      get64(rep + 8), st->cookie);
	err = get32(rep + 4);
	if (err)
		return err_set(e, reply_errno(err),
			       "'%s': the NBD server failed the %s of %" PRIu32
			       " bytes at %" PRIu64 " (error %" PRIu32 ")",
			       b->filename, cmd_names[cmd], len, off, err);
	if (cmd != NBD_CMD_READ)
		return 0;
	n = iov_slice(iov, iovcnt, 0, len, v, IOV_MAX_SLICE);
	if (n < 0)
		return broken(b, EINVAL, e, "too many buffers");
	r = xfer(b->fd, v, n, false, deadline);
	if (r < 0)
		return broken(b, r == -ETIMEDOUT ? ETIMEDOUT : EIO, e,
			      "reading the data of a read: %s", xfer_what(r));
	return 0;
}

static int check_align(struct block *b, uint64_t off, uint64_t len,
		       struct err **e)
{
	struct nbd_state *st = b->priv;

	if ((off | len) % st->align)
		return err_set(e, EINVAL,
			       "'%s': the NBD server takes requests in blocks "
			       "of %" PRIu32 " bytes; %" PRIu64
			       " bytes at %" PRIu64 " are not",
			       b->filename, st->align, len, off);
	return 0;
}

static int nbd_rw(struct block *b, const struct iovec *iov, int iovcnt,
		  uint64_t off, enum nbd_cmd cmd, struct err **e)
{
	struct nbd_state *st = b->priv;
	size_t len = iov_size(iov, iovcnt), done = 0;
	struct iovec part[IOV_MAX_SLICE];
	int r = check_align(b, off, len, e);

	while (r == 0 && done < len) {
		uint32_t n = (uint32_t)MIN(len - done, st->max_len);
		int k = iov_slice(iov, iovcnt, done, n, part, IOV_MAX_SLICE);

		if (k < 0)
			return err_set(e, EINVAL, "'%s': too many buffers",
				       b->filename);
		r = request(b, cmd, 0, off + done, n, part, k, e);
		done += n;
	}
	return r;
}

static int nbd_preadv(struct block *b, const struct iovec *iov, int iovcnt,
		      uint64_t off, struct err **e)
{
	return nbd_rw(b, iov, iovcnt, off, NBD_CMD_READ, e);
}

static int nbd_pwritev(struct block *b, const struct iovec *iov, int iovcnt,
		       uint64_t off, struct err **e)
{
	return nbd_rw(b, iov, iovcnt, off, NBD_CMD_WRITE, e);
}

static int nbd_flush(struct block *b, struct err **e)
{
	struct nbd_state *st = b->priv;

	if (!(st->tflags & NBD_TF_SEND_FLUSH))
		return 0; /* the server writes through */
	return request(b, NBD_CMD_FLUSH, 0, 0, 0, NULL, 0, e);
}

/* Trim or write-zeroes of [@off, @off+@len) in chunks the protocol's
 * 32-bit length holds. */
static int nbd_ranges(struct block *b, enum nbd_cmd cmd, uint16_t flags,
		      uint64_t off, uint64_t len, struct err **e)
{
	struct nbd_state *st = b->priv;
	uint32_t chunk = ZERO_CHUNK - ZERO_CHUNK % st->align;
	int r = check_align(b, off, len, e);

	while (r == 0 && len > 0) {
		uint32_t n = (uint32_t)MIN(len, chunk);

		r = request(b, cmd, flags, off, n, NULL, 0, e);
		off += n;
		len -= n;
	}
	return r;
}

static int nbd_discard(struct block *b, uint64_t off, uint64_t len,
		       struct err **e)
{
	struct nbd_state *st = b->priv;

	if (!(st->tflags & NBD_TF_SEND_TRIM))
		return 0; /* advisory: the data stays */
	return nbd_ranges(b, NBD_CMD_TRIM, 0, off, len, e);
}

/* Zeroes written as data, for a server without write-zeroes. */
static int write_zero_data(struct block *b, uint64_t off, uint64_t len,
			   struct err **e)
{
	struct nbd_state *st = b->priv;
	size_t n = (size_t)MIN(len, st->max_len);
	_cleanup_free_ void *zero = xcalloc(1, n ? n : 1);
	int r = 0;

	while (r == 0 && len > 0) {
		struct iovec v = {zero, (size_t)MIN(len, n)};

		r = nbd_rw(b, &v, 1, off, NBD_CMD_WRITE, e);
		off += v.iov_len;
		len -= v.iov_len;
	}
	return r;
}

static int nbd_write_zeroes(struct block *b, uint64_t off, uint64_t len,
			    unsigned flags, struct err **e)
{
	struct nbd_state *st = b->priv;

	if (!(st->tflags & NBD_TF_SEND_WRITE_ZEROES))
		return write_zero_data(b, off, len, e);
	return nbd_ranges(b, NBD_CMD_WRITE_ZEROES,
			  (flags & BLOCK_ZERO_MAY_UNMAP) ? 0
							 : NBD_CMD_FLAG_NO_HOLE,
			  off, len, e);
}

/* Without NBD_CMD_BLOCK_STATUS (not negotiated) everything is data. */
static int nbd_status(struct block *b, uint64_t off, uint64_t len,
		      struct block_status *bs, struct err **e)
{
	bs->flags = BLOCK_STATUS_ALLOCATED | BLOCK_STATUS_DATA;
	bs->bytes = len;
	return 0;
}

static int nbd_info(struct block *b, struct img_info *info, struct err **e)
{
	info->format = "raw";
	info->actual_size = 0;
	info->actual_size_unknown = true; /* as qemu-img says */
	return 0;
}

/*
 * An export is not created, it is served: "creating" one checks that it
 * holds the size asked (as qemu-img does on a protocol without create),
 * so that `nido img convert` can write into it.
 */
static int nbd_create(const char *path, const struct img_create_opts *o,
		      struct err **e)
{
	struct block *b = NULL;
	int r;

	if (o->backing)
		return err_set(e, ENOTSUP,
			       "creating '%s': an NBD export has no backing "
			       "file",
			       path);
	if (o->prealloc == IMG_PREALLOC_FALLOC ||
	    o->prealloc == IMG_PREALLOC_FULL)
		return err_set(e, ENOTSUP,
			       "creating '%s': preallocation is not supported "
			       "on an NBD export",
			       path);
	r = block_open(path, "raw", BLOCK_OPEN_RDWR, &b, e);
	if (r < 0)
		return r;
	if (block_size(b) < o->size)
		r = err_set(e, ENOSPC,
			    "'%s': the export holds %" PRIu64
			    " bytes, less than the %" PRIu64 " asked",
			    path, block_size(b), o->size);
	block_close(b);
	return r;
}

const struct block_driver block_nbd = {
	.create = nbd_create,
	.name = "nbd",
	.open = nbd_open_export,
	.close = nbd_close_export,
	.preadv = nbd_preadv,
	.pwritev = nbd_pwritev,
	.flush = nbd_flush,
	.discard = nbd_discard,
	.write_zeroes = nbd_write_zeroes,
	.status = nbd_status,
	.info = nbd_info,
};
