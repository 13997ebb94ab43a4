/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A growable byte buffer for socket I/O and building text: append at the
 * end, consume from the front (O(1): the space is reclaimed when the
 * buffer next grows), steal the contents as a malloc'ed string.
 *
 * @data and @len may be read directly; the data is always followed by a
 * NUL (so text can be used as a string), but may itself contain NULs.
 * Allocation failure aborts (like xmalloc). Not thread-safe.
 *
 *	_cleanup_buf_ struct buf b = BUF_INIT;
 *	buf_printf(&b, "{\"id\":%d}\n", id);
 *	r = buf_write_fd(&b, fd);
 */
#ifndef NIDO_LIB_BUF_H
#define NIDO_LIB_BUF_H

#include "lib/util.h"

struct buf {
	char *data; /* NULL until something is added */
	size_t len;
	/* private */
	char *mem;	 /* the allocation; data points into it */
	size_t mem_size; /* bytes allocated */
};

#define BUF_INIT ((struct buf){0})

void buf_init(struct buf *b);

/* Frees the memory and leaves @b empty and reusable. */
void buf_free(struct buf *b);
void cleanup_bufp(struct buf *b);
#define _cleanup_buf_ __attribute__((cleanup(cleanup_bufp)))

/* Empties @b, keeping its memory. */
void buf_clear(struct buf *b);

void buf_append(struct buf *b, const void *p, size_t n);
void buf_append_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF(2, 0);

/*
 * Makes room for @n more bytes and returns where they go (for read(2)
 * straight into the buffer); buf_commit() then adds the @n (or fewer)
 * bytes written there to @len.
 */
char *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);

/* Drops @n bytes (at most @len) from the front. */
void buf_consume(struct buf *b, size_t n);

/*
 * Takes the contents as a malloc'ed NUL-terminated string (never NULL;
 * "" when empty); *@len (may be NULL) gets the length. @b is left empty.
 */
char *buf_steal(struct buf *b, size_t *len);

/*
 * Takes the first line off the front: returns it malloc'ed without its
 * "\n" (and without a "\r" before it), or NULL when no complete line is
 * buffered yet.
 */
char *buf_take_line(struct buf *b);

/*
 * One read(2) of up to @max bytes from @fd appended to @b. Returns the
 * number of bytes read, 0 at end of file, or -errno (-EAGAIN on an empty
 * non-blocking fd). Retries on EINTR.
 */
ssize_t buf_read_fd(struct buf *b, int fd, size_t max);

/*
 * One write(2) of the buffered data to @fd; what was written is consumed.
 * Returns the number of bytes written, or -errno (-EAGAIN when the fd is
 * full). Retries on EINTR. On a socket it sends with MSG_NOSIGNAL, so a
 * closed peer gives -EPIPE, not SIGPIPE; on a pipe SIGPIPE is as usual.
 */
ssize_t buf_write_fd(struct buf *b, int fd);

#endif
