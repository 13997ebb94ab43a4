/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small things every file needs: scoped cleanup, ownership hand-off,
 * allocation that cannot return NULL, EINTR-safe read and write.
 *
 * Scoped cleanup: always initialise the variable (`int fd = -1`,
 * `char *p = NULL`) and pass ownership on with steal_ptr()/steal_fd().
 */
#ifndef NIDO_LIB_UTIL_H
#define NIDO_LIB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define DIV_ROUND_UP(n, d) (((n) + (d)-1) / (d))
#define ALIGN_UP(n, a)	   (((n) + (a)-1) & ~((__typeof__(n))(a)-1))
#define ALIGN_DOWN(n, a)   ((n) & ~((__typeof__(n))(a)-1))
#define IS_ALIGNED(n, a)   (((n) & ((__typeof__(n))(a)-1)) == 0)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define NORETURN     __attribute__((noreturn))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#define WARN_UNUSED  __attribute__((warn_unused_result))

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);

#define _cleanup_free_	 __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_	 __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))

/* Take the value out of a cleanup variable so that it is not freed. */
#define steal_ptr(p)                         \
	({                                   \
		__typeof__(p) _stolen = (p); \
		(p) = NULL;                  \
		_stolen;                     \
	})
#define steal_fd(fd)                \
	({                          \
		int _stolen = (fd); \
		(fd) = -1;          \
		_stolen;            \
	})

/*
 * Allocation failure is not an error a caller can act on: these abort
 * with a message rather than return NULL.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF(1, 0);

/*
 * read_full() reads until @len bytes or end of file; returns the number of
 * bytes read, or -errno. write_full() writes all of @len; returns 0 or
 * -errno. Both retry on EINTR and short transfers.
 */
ssize_t read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);
ssize_t pread_full(int fd, void *buf, size_t len, off_t off);
int pwrite_full(int fd, const void *buf, size_t len, off_t off);

/* Are the @n bytes at @p all zero? */
bool buf_is_zero(const void *p, size_t n);

/* Closes @fd unless it is negative; keeps errno. */
void close_safe(int fd);

/* true when @s starts with @prefix. */
static inline int str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The value of the hexadecimal digit @c, or -1. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

#endif
