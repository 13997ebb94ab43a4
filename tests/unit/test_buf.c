// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/buf.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

static void buf_append_printf_steal(void)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_free_ char *s = NULL, *empty = NULL;
	size_t len = 99;

	CHECK(b.data == NULL && b.len == 0);
	buf_append_str(&b, "hello");
	buf_append(&b, ", ", 2);
	buf_printf(&b, "%s %d", "world", 42);
	CHECK_INT_EQ(b.len, 15);
	CHECK_STR_EQ(b.data, "hello, world 42");
	s = buf_steal(&b, &len);
	CHECK_STR_EQ(s, "hello, world 42");
	CHECK_INT_EQ(len, 15);
	CHECK(b.data == NULL && b.len == 0);
	empty = buf_steal(&b, &len);
	CHECK_STR_EQ(empty, "");
	CHECK_INT_EQ(len, 0);
}

/* printf output larger than the room left, across several growths. */
static void buf_printf_grows(void)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	char big[10000];
	int i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "<%s>", big);
	CHECK_INT_EQ(b.len, 10001);
	CHECK(b.data[0] == '<' && b.data[10000] == '>' && !b.data[10001]);
	buf_clear(&b);
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i % 10);
	CHECK_INT_EQ(b.len, 2000);
	CHECK(memcmp(b.data, "0,1,2,", 6) == 0);
	CHECK(memcmp(b.data + 1994, "7,8,9,", 6) == 0);
	CHECK_INT_EQ(b.data[2000], '\0');
}

/* Consuming, then appending, over and over: what remains is intact. */
static void buf_consume_from_front(void)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_free_ char *rest = NULL;
	uint64_t next_in = 0, next_out = 0;
	int round, i;

	for (round = 0; round < 200; round++) {
		for (i = 0; i < 37; i++, next_in++)
			buf_append(&b, &next_in, sizeof(next_in));
		while (b.len >= 5 * sizeof(uint64_t)) {
			uint64_t v;

			memcpy(&v, b.data, sizeof(v));
			CHECK_U64_EQ(v, next_out);
			next_out++;
			buf_consume(&b, sizeof(v));
		}
	}
	CHECK_INT_EQ(b.len, (next_in - next_out) * sizeof(uint64_t));
	buf_consume(&b, 3);
	rest = buf_steal(&b, NULL);
	CHECK(rest);
	buf_append_str(&b, "abc");
	buf_consume(&b, 100); /* more than there is: empties */
	CHECK_INT_EQ(b.len, 0);
	CHECK_STR_EQ(b.data, "");
}

static void buf_lines(void)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	_cleanup_free_ char *l1 = NULL, *l2 = NULL, *l3 = NULL, *l4 = NULL;
	char *none;

	CHECK(buf_take_line(&b) == NULL);
	buf_append_str(&b, "{\"a\":1}\r\n{\"b\":2}\npart");
	l1 = buf_take_line(&b);
	l2 = buf_take_line(&b);
	none = buf_take_line(&b);
	CHECK_STR_EQ(l1, "{\"a\":1}");
	CHECK_STR_EQ(l2, "{\"b\":2}");
	CHECK(none == NULL);
	CHECK_STR_EQ(b.data, "part");
	buf_append(&b, "ial\0x\n", 6);
	l3 = buf_take_line(&b);
	CHECK(l3 && memcmp(l3, "partial\0x", 10) == 0);
	CHECK_INT_EQ(b.len, 0);
	buf_append_str(&b, "\n");
	l4 = buf_take_line(&b);
	CHECK_STR_EQ(l4, "");
}

static void buf_reserve_commit(void)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	char *at;

	buf_append_str(&b, "ab");
	at = buf_reserve(&b, 100);
	memcpy(at, "cdef", 4);
	buf_commit(&b, 4);
	CHECK_INT_EQ(b.len, 6);
	CHECK_STR_EQ(b.data, "abcdef");
}

static void buf_socket_io(void)
{
	_cleanup_buf_ struct buf out = BUF_INIT, in = BUF_INIT;
	int sv[2], total = 0;
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
			 sv) == 0);
	/* More than a socket buffer holds: writes stop with -EAGAIN. */
	while (out.len < 4 << 20)
		buf_printf(&out, "line %zu\n", out.len);
	for (;;) {
		n = buf_write_fd(&out, sv[0]);
		if (n == -EAGAIN)
			break;
		CHECK(n > 0);
		total += n;
	}
	CHECK(out.len > 0);
	while ((n = buf_read_fd(&in, sv[1], 65536)) > 0)
		;
	CHECK_INT_EQ(n, -EAGAIN);
	CHECK_INT_EQ(in.len, total);
	CHECK(memcmp(in.data, "line 0\nline 7\n", 14) == 0);
	/* A closed peer: -EPIPE, and no SIGPIPE kills the test. */
	close(sv[1]);
	CHECK_INT_EQ(buf_write_fd(&out, sv[0]), -EPIPE);
	close(sv[0]);
}

static void buf_pipe_io_and_eof(void)
{
	_cleanup_buf_ struct buf b = BUF_INIT;
	int p[2];

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	buf_append_str(&b, "through a pipe");
	CHECK_INT_EQ(buf_write_fd(&b, p[1]), 14); /* ENOTSOCK: write() */
	CHECK_INT_EQ(b.len, 0);
	close(p[1]);
	CHECK_INT_EQ(buf_read_fd(&b, p[0], 5), 5);
	CHECK_INT_EQ(buf_read_fd(&b, p[0], 100), 9);
	CHECK_INT_EQ(buf_read_fd(&b, p[0], 100), 0);
	CHECK_STR_EQ(b.data, "through a pipe");
	CHECK_INT_EQ(buf_read_fd(&b, 999, 1), -EBADF);
	close(p[0]);
}

int main(void)
{
	RUN(buf_append_printf_steal);
	RUN(buf_printf_grows);
	RUN(buf_consume_from_front);
	RUN(buf_lines);
	RUN(buf_reserve_commit);
	RUN(buf_socket_io);
	RUN(buf_pipe_io_and_eof);
	return test_done();
}
