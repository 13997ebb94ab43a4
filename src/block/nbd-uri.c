// SPDX-License-Identifier: GPL-2.0-or-later
/* NBD export names as qemu-img takes them, and connecting (nbd.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "block/nbd.h"
#include "lib/util.h"

#define HOST_MAX 253

bool nbd_uri_is(const char *path)
{
	return strncmp(path, "nbd:", 4) == 0 || strncmp(path, "nbd+", 4) == 0;
}

void nbd_uri_clear(struct nbd_uri *u)
{
	free(u->host);
	free(u->socket);
	free(u->export);
	*u = (struct nbd_uri){0};
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* [@s, @s+@len) with %XX decoded into a new string of at most @max
 * bytes, or NULL with @e naming @what. */
static char *decode(const char *s, size_t len, size_t max, const char *what,
		    struct err **e)
{
	_cleanup_free_ char *out = xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		hi = i + 1 < len ? hexval(s[i + 1]) : -1;
		lo = i + 2 < len ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			err_set(e, EINVAL, "nbd: bad %%-escape in the %s",
				what);
			return NULL;
		}
		out[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	if (n > max) {
		err_set(e, EINVAL, "nbd: the %s is longer than %zu bytes", what,
			max);
		return NULL;
	}
	out[n] = '\0';
	return steal_ptr(out);
}

/* HOST[:PORT] or [V6][:PORT], @len bytes at @s, into @u. */
static int parse_authority(const char *s, size_t len, struct nbd_uri *u,
			   struct err **e)
{
	const char *end = s + len, *colon, *h = s;
	size_t hlen;

	if (len && *s == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			return err_set(e, EINVAL, "nbd: no ']' after '['");
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return err_set(e, EINVAL,
				       "nbd: junk after the address in []");
	} else {
		colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
	}
	if (hlen == 0 || hlen > HOST_MAX)
		return err_set(e, EINVAL,
			       "nbd: a host of 1 to %d characters is needed",
			       HOST_MAX);
	for (size_t i = 0; i < hlen; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-_:%", h[i]))
			return err_set(e, EINVAL,
				       "nbd: bad character in the host name");
	u->host = xstrndup(h, hlen);
	u->port = NBD_DEFAULT_PORT;
	if (colon) {
		char buf[8] = {0};
		size_t plen = (size_t)(end - colon - 1);
		char *pe;
		unsigned long p;

		if (plen == 0 || plen > 5)
			return err_set(e, EINVAL, "nbd: bad port");
		memcpy(buf, colon + 1, plen);
		p = strtoul(buf, &pe, 10);
		if (*pe || !isdigit((unsigned char)buf[0]) || p == 0 ||
		    p > 65535)
			return err_set(e, EINVAL, "nbd: bad port '%s'", buf);
		u->port = (unsigned)p;
	}
	return 0;
}

/* The query of a nbd+unix name: socket=PATH, nothing else. */
static int parse_query(const char *q, struct nbd_uri *u, struct err **e)
{
	while (*q) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);

		if (!eq || (size_t)(eq - q) != 6 || strncmp(q, "socket", 6))
			return err_set(e, ENOTSUP,
				       "nbd: query option '%.*s' is not "
				       "supported (only socket=)",
				       (int)MIN(len, 64), q);
		if (u->socket)
			return err_set(e, EINVAL, "nbd: socket= given twice");
		u->socket =
			decode(eq + 1, len - 7,
			       sizeof(((struct sockaddr_un *)0)->sun_path) - 1,
			       "socket path", e);
		if (!u->socket)
			return -EINVAL;
		if (!*u->socket)
			return err_set(e, EINVAL, "nbd: empty socket path");
		q += len;
		if (*q)
			q++;
	}
	return 0;
}

static int parse(const char *path, struct nbd_uri *u, struct err **e)
{
	const char *rest, *slash, *query;
	bool unix_sock;

	if (!strncmp(path, "nbd://", 6))
		rest = path + 6, unix_sock = false;
	else if (!strncmp(path, "nbd+tcp://", 10))
		rest = path + 10, unix_sock = false;
	else if (!strncmp(path, "nbd+unix://", 11))
		rest = path + 11, unix_sock = true;
	else
		return err_set(e, ENOTSUP,
			       "nbd: only nbd://HOST[:PORT]/EXPORT and "
			       "nbd+unix:///EXPORT?socket=PATH names are "
			       "supported");
	query = strchr(rest, '?');
	slash = strchr(rest, '/');
	if (slash && query && slash > query)
		slash = NULL;
	{
		size_t alen = slash   ? (size_t)(slash - rest)
			      : query ? (size_t)(query - rest)
				      : strlen(rest);

		if (unix_sock && alen)
			return err_set(
				e, EINVAL,
				"nbd: a nbd+unix name has no host (three "
				"slashes: nbd+unix:///EXPORT)");
		if (!unix_sock && parse_authority(rest, alen, u, e) < 0)
			return -EINVAL;
	}
	if (slash) {
		size_t elen =
			query ? (size_t)(query - slash - 1) : strlen(slash + 1);

		u->export = decode(slash + 1, elen, NBD_MAX_STRING,
				   "export name", e);
		if (!u->export)
			return -EINVAL;
	} else {
		u->export = xstrdup("");
	}
	if (query && !unix_sock)
		return err_set(e, ENOTSUP,
			       "nbd: query options ('%.64s') are not supported "
			       "on nbd://",
			       query + 1);
	if (unix_sock) {
		int r = parse_query(query ? query + 1 : "", u, e);

		if (r < 0)
			return r;
		if (!u->socket)
			return err_set(e, EINVAL,
				       "nbd: a nbd+unix name needs "
				       "?socket=PATH");
	}
	return 0;
}

int nbd_uri_parse(const char *path, struct nbd_uri *u, struct err **e)
{
	int r;

	*u = (struct nbd_uri){0};
	r = parse(path, u, e);
	if (r < 0) {
		nbd_uri_clear(u);
		return err_prefix(e, "'%.200s'", path);
	}
	return 0;
}

static int connect_unix(const char *path, struct err **e)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(a.sun_path))
		return err_set(e, ENAMETOOLONG, "nbd: socket path too long");
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "nbd: socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return err_sys(e, errno, "nbd: connecting to '%s'", path);
	return steal_fd(fd);
}

/* Connects @fd to @ai within @ms milliseconds. 0 or -errno. */
static int connect_timed(int fd, const struct addrinfo *ai, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	socklen_t sl = sizeof(int);
	int err = 0, r;

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		return -errno;
	return -err;
}

static int connect_tcp(const struct nbd_uri *u, struct err **e)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char port[8];
	int r = -EHOSTUNREACH, g;

	snprintf(port, sizeof(port), "%u", u->port);
	g = getaddrinfo(u->host, port, &hints, &res);
	if (g != 0)
		return err_set(e, EHOSTUNREACH, "nbd: resolving '%s': %s",
			       u->host, gai_strerror(g));
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family,
				SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd < 0) {
			r = -errno;
			continue;
		}
		r = connect_timed(fd, ai, 30000);
		if (r == 0) {
			freeaddrinfo(res);
			return fd;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return err_sys(e, -r, "nbd: connecting to %s port %u", u->host,
		       u->port);
}

int nbd_connect(const struct nbd_uri *u, struct err **e)
{
	return u->socket ? connect_unix(u->socket, e) : connect_tcp(u, e);
}

int nbd_connect_name(const char *path, struct err **e)
{
	struct nbd_uri u;
	int r = nbd_uri_parse(path, &u, e);

	if (r < 0)
		return r;
	r = nbd_connect(&u, e);
	nbd_uri_clear(&u);
	return r;
}
