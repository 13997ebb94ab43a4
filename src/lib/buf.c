// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/buf.h"

#include <errno.h>
#include <sys/socket.h>

void buf_init(struct buf *b)
{
	*b = BUF_INIT;
}

void buf_free(struct buf *b)
{
	free(b->mem);
	buf_init(b);
}

void cleanup_bufp(struct buf *b)
{
	buf_free(b);
}

void buf_clear(struct buf *b)
{
	if (!b->mem)
		return;
	b->data = b->mem;
	b->len = 0;
	b->data[0] = '\0';
}

char *buf_reserve(struct buf *b, size_t n)
{
	size_t head = b->mem ? (size_t)(b->data - b->mem) : 0;
	size_t need;

	if (n > SIZE_MAX - b->len - 1)
		abort();       /* cannot be allocated anyway */
	need = b->len + n + 1; /* the NUL */
	if (b->mem && head + need <= b->mem_size)
		return b->data + b->len;
	/* Reclaim what was consumed before growing. */
	if (head) {
		memmove(b->mem, b->data, b->len + 1);
		b->data = b->mem;
	}
	if (need > b->mem_size) {
		size_t size = MAX(b->mem_size, (size_t)64);

		while (size < need)
			size = size > SIZE_MAX / 2 ? need : size * 2;
		b->mem = xrealloc(b->mem, size);
		if (!b->mem_size)
			b->mem[0] = '\0';
		b->mem_size = size;
		b->data = b->mem;
	}
	return b->data + b->len;
}

void buf_commit(struct buf *b, size_t n)
{
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	memcpy(buf_reserve(b, n), p, n);
	buf_commit(b, n);
}

void buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	size_t room =
		b->mem ? b->mem_size - (size_t)(b->data - b->mem) - b->len - 1
		       : 0;
	int n;

	va_copy(again, ap);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	if (n < 0)
		abort(); /* only for a bad format, which -Wformat catches */
	if ((size_t)n >= room) {
		char *at = buf_reserve(b, (size_t)n);

		vsnprintf(at, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	buf_commit(b, (size_t)n);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_clear(b);
		return;
	}
	b->data += n;
	b->len -= n;
}

char *buf_steal(struct buf *b, size_t *len)
{
	char *s;

	if (len)
		*len = b->len;
	if (!b->mem)
		return xstrdup("");
	if (b->data != b->mem)
		memmove(b->mem, b->data, b->len + 1);
	s = b->mem;
	buf_init(b);
	return s;
}

char *buf_take_line(struct buf *b)
{
	const char *nl = b->len ? memchr(b->data, '\n', b->len) : NULL;
	size_t n, len;
	char *line;

	if (!nl)
		return NULL;
	n = (size_t)(nl - b->data);
	len = n && b->data[n - 1] == '\r' ? n - 1 : n;
	line = xmalloc(len + 1); /* not strndup: the line may hold NULs */
	memcpy(line, b->data, len);
	line[len] = '\0';
	buf_consume(b, n + 1);
	return line;
}

ssize_t buf_read_fd(struct buf *b, int fd, size_t max)
{
	char *at = buf_reserve(b, max);
	ssize_t n;

	do
		n = read(fd, at, max);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf_commit(b, (size_t)n);
	return n;
}

ssize_t buf_write_fd(struct buf *b, int fd)
{
	ssize_t n;

	if (!b->len)
		return 0;
	do
		n = send(fd, b->data, b->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == ENOTSOCK) {
		do
			n = write(fd, b->data, b->len);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0)
		return -errno;
	buf_consume(b, (size_t)n);
	return n;
}
