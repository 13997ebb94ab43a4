// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The QMP client (daemon/qmp.h): its line parser, and a conversation
 * with a fake QEMU on the other end of a socket pair, driven by the loop:
 * the handshake, answers matched by id with events in between, QEMU's
 * errors, timeouts, and a hostile QEMU (garbage, an endless line, EOF).
 */
#include <errno.h>
#include <sys/socket.h>

#include "daemon/qmp.h"
#include "lib/loop.h"
#include "test.h"

static int parse(const char *s, struct qmp_msg *m)
{
	return qmp_parse_line(s, strlen(s), m, NULL);
}

static void qmp_parses_what_qemu_sends(void)
{
	struct qmp_msg m;

	CHECK_INT_EQ(parse("{\"QMP\": {\"version\": {}, \"capabilities\": "
			   "[\"oob\"]}}",
			   &m),
		     0);
	CHECK_INT_EQ(m.kind, QMP_MSG_GREETING);
	qmp_msg_clear(&m);
	CHECK_INT_EQ(parse("{\"return\": {}, \"id\": 7}", &m), 0);
	CHECK_INT_EQ(m.kind, QMP_MSG_RETURN);
	CHECK(m.has_id);
	CHECK_U64_EQ(m.id, 7);
	qmp_msg_clear(&m);
	CHECK_INT_EQ(parse("{\"error\": {\"class\": \"GenericError\", "
			   "\"desc\": \"no\"}, \"id\": 2}",
			   &m),
		     0);
	CHECK_INT_EQ(m.kind, QMP_MSG_ERROR);
	CHECK_STR_EQ(m.desc, "no");
	CHECK_STR_EQ(m.error_class, "GenericError");
	qmp_msg_clear(&m);
	CHECK_INT_EQ(parse("{\"timestamp\": {\"seconds\": 1}, \"event\": "
			   "\"SHUTDOWN\", \"data\": {\"guest\": true}}",
			   &m),
		     0);
	CHECK_INT_EQ(m.kind, QMP_MSG_EVENT);
	CHECK_STR_EQ(m.event, "SHUTDOWN");
	CHECK(m.value != NULL);
	qmp_msg_clear(&m);
	CHECK_INT_EQ(parse("{\"event\": \"STOP\"}", &m), 0);
	CHECK(m.value == NULL);
	qmp_msg_clear(&m);
}

static void qmp_refuses_what_is_not_qmp(void)
{
	static const char *const bad[] = {
		"",
		"[1]",
		"{\"return\": 1, \"id\": -1}",
		"{\"return\": 1, \"id\": \"x\"}",
		"{\"error\": \"x\"}",
		"{\"error\": {\"class\": 1, \"desc\": \"d\"}}",
		"{\"event\": 3}",
		"{\"event\": \"\"}",
		"{\"event\": \"\\u0000STOP\"}",
		"{\"event\": \"X\", \"data\": [1]}",
		"{\"QMP\": 1}",
		"{\"what\": 1}",
		"{\"return\": {}",
	};
	_cleanup_err_ struct err *e = NULL;
	struct qmp_msg m;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err_free(steal_ptr(e));
		CHECK_INT_EQ(qmp_parse_line(bad[i], strlen(bad[i]), &m, &e),
			     -EPROTO);
		CHECK(m.root == NULL);
		CHECK(e != NULL);
	}
	err_free(steal_ptr(e));
	CHECK_INT_EQ(qmp_parse_line("{\"return\":\0}", 12, &m, &e), -EPROTO);
}

/* What the fake QEMU saw and what the client reported. */
struct conv {
	struct loop *loop;
	struct qmp *q;
	int peer; /* QEMU's end */
	int ready, closed, replies, errors;
	int closed_errno;
	char events[256];
	int last_r;
	bool free_on_event;
};

static void on_ready(void *opaque)
{
	((struct conv *)opaque)->ready++;
}

static void on_event(void *opaque, const char *name, struct json_object *data)
{
	struct conv *c = opaque;

	strncat(c->events, name, sizeof(c->events) - strlen(c->events) - 2);
	strcat(c->events, " ");
	if (c->free_on_event) {
		qmp_free(c->q);
		c->q = NULL;
	}
}

static void on_closed(void *opaque, const struct err *e)
{
	struct conv *c = opaque;

	c->closed++;
	c->closed_errno = err_code(e);
}

static void on_reply(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	struct conv *c = opaque;

	c->last_r = r;
	if (r == 0)
		c->replies++;
	else
		c->errors++;
}

/* Keeps a copy of the error a command failed with in *(struct err **). */
static void on_reply_keep(void *opaque, int r, struct json_object *ret,
			  const struct err *e)
{
	struct err **out = opaque;

	if (r < 0 && e)
		err_set(out, -err_code(e), "%s", err_msg(e));
}

static void say(struct conv *c, const char *s)
{
	CHECK_INT_EQ(write(c->peer, s, strlen(s)), (ssize_t)strlen(s));
}

/* Runs the loop until it has nothing to do for a moment. */
static void spin(struct conv *c)
{
	for (int i = 0; i < 20; i++)
		loop_run_once(c->loop, 10, NULL);
}

/* What the client sent so far. */
static char *heard(struct conv *c)
{
	static char buf[4096];
	ssize_t n = recv(c->peer, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void conv_start(struct conv *c, int greet_ms)
{
	struct qmp_callbacks cb = {on_ready, on_event, on_closed, c};
	int sv[2];

	memset(c, 0, sizeof(*c));
	CHECK_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	c->loop = loop_new(NULL);
	c->peer = sv[1];
	c->q = qmp_open_fd(c->loop, sv[0], greet_ms, &cb, NULL);
	CHECK(c->q != NULL);
}

static void conv_end(struct conv *c)
{
	qmp_free(c->q);
	close(c->peer);
	loop_free(c->loop);
}

/* Greets, checks the capabilities command and answers it (id 0). */
static void handshake(struct conv *c)
{
	say(c, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n");
	spin(c);
	CHECK_STR_CONTAINS(heard(c), "\"execute\":\"qmp_capabilities\"");
	CHECK_INT_EQ(c->ready, 0);
	say(c, "{\"return\": {}, \"id\": 0}\n");
	spin(c);
	CHECK_INT_EQ(c->ready, 1);
}

static void qmp_talks_to_qemu(void)
{
	struct conv c;
	char *s;

	conv_start(&c, 5000);
	/* a command before the handshake waits for it */
	CHECK_INT_EQ(qmp_command(c.q, "stop", NULL, 5000, on_reply, &c, NULL),
		     0);
	spin(&c);
	CHECK_STR_EQ(heard(&c), "");
	handshake(&c);
	s = heard(&c);
	CHECK_STR_CONTAINS(s, "\"execute\":\"stop\"");
	CHECK_STR_CONTAINS(s, "\"id\":1");
	/* an event before the answer, the answer in two pieces */
	say(&c, "{\"event\": \"STOP\", \"timestamp\": {}}\n{\"return\": ");
	spin(&c);
	CHECK_STR_EQ(c.events, "STOP ");
	CHECK_INT_EQ(c.replies, 0);
	say(&c, "{}, \"id\": 1}\r\n");
	spin(&c);
	CHECK_INT_EQ(c.replies, 1);
	/* QEMU's error is the command's error */
	CHECK_INT_EQ(qmp_command(c.q, "cont", NULL, 5000, on_reply, &c, NULL),
		     0);
	spin(&c);
	say(&c, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, "
		"\"id\": 2}\n{\"return\": {}, \"id\": 99}\n");
	spin(&c);
	CHECK_INT_EQ(c.errors, 1);
	CHECK_INT_EQ(c.last_r, -EIO);
	CHECK_INT_EQ(c.closed, 0);
	/* an answer that never comes */
	CHECK_INT_EQ(qmp_command(c.q, "cont", NULL, 30, on_reply, &c, NULL), 0);
	for (int i = 0; i < 50 && c.errors < 2; i++)
		loop_run_once(c.loop, 20, NULL);
	CHECK_INT_EQ(c.errors, 2);
	CHECK_INT_EQ(c.last_r, -ETIMEDOUT);
	conv_end(&c);
}

static void qmp_closes_on_garbage(void)
{
	struct conv c;

	conv_start(&c, 5000);
	handshake(&c);
	CHECK_INT_EQ(qmp_command(c.q, "cont", NULL, 5000, on_reply, &c, NULL),
		     0);
	say(&c, "{\"event\": \"RESUME\"}\nnot json\n{\"return\": {}, \"id\": "
		"1}\n");
	spin(&c);
	CHECK_INT_EQ(c.closed, 1);
	CHECK_INT_EQ(c.closed_errno, -EPROTO);
	CHECK_INT_EQ(c.errors, 1); /* the waiting command failed */
	CHECK_INT_EQ(c.last_r, -EPROTO);
	CHECK_INT_EQ(c.replies, 0);
	CHECK_STR_EQ(c.events, "RESUME ");
	CHECK(qmp_command(c.q, "cont", NULL, 5000, on_reply, &c, NULL) < 0);
	conv_end(&c);
}

static void qmp_bounds_a_line(void)
{
	struct conv c;
	char *big = xmalloc(65536);

	memset(big, ' ', 65536);
	conv_start(&c, 5000);
	handshake(&c);
	say(&c, "{\"return\": ");
	for (size_t sent = 0; sent <= QMP_LINE_MAX && !c.closed;) {
		ssize_t n = send(c.peer, big, 65536, MSG_DONTWAIT);

		if (n > 0)
			sent += (size_t)n;
		loop_run_once(c.loop, 0, NULL);
	}
	spin(&c);
	CHECK_INT_EQ(c.closed, 1);
	CHECK_INT_EQ(c.closed_errno, -EMSGSIZE);
	free(big);
	conv_end(&c);
}

static void qmp_reports_eof_and_silence(void)
{
	struct conv c;

	conv_start(&c, 5000);
	handshake(&c);
	close(c.peer);
	c.peer = -1;
	spin(&c);
	CHECK_INT_EQ(c.closed, 1);
	CHECK_INT_EQ(c.closed_errno, -ECONNRESET);
	conv_end(&c);

	/* the handshake fails with the connection */
	conv_start(&c, 5000);
	say(&c, "{\"QMP\": {}}\n");
	spin(&c);
	close(c.peer);
	c.peer = -1;
	spin(&c);
	CHECK_INT_EQ(c.closed, 1);
	CHECK_INT_EQ(c.ready, 0);
	conv_end(&c);

	conv_start(&c, 20); /* QEMU never greets */
	for (int i = 0; i < 50 && !c.closed; i++)
		loop_run_once(c.loop, 20, NULL);
	CHECK_INT_EQ(c.closed, 1);
	CHECK_INT_EQ(c.closed_errno, -ETIMEDOUT);
	conv_end(&c);
}

/* The owner may free the client from an event's callback. */
static void qmp_may_be_freed_from_a_callback(void)
{
	struct conv c;

	conv_start(&c, 5000);
	handshake(&c);
	c.free_on_event = true;
	say(&c, "{\"event\": \"SHUTDOWN\"}\n{\"event\": \"STOP\"}\n");
	spin(&c);
	CHECK_STR_EQ(c.events, "SHUTDOWN ");
	CHECK(c.q == NULL);
	conv_end(&c);
}

/*
 * A command never answers before qmp_command() returns, even when QEMU
 * is gone and the send fails: the caller (a driver parking an RPC call
 * after a deferred answer) must not hear of it first.
 */
static void qmp_never_answers_inside_qmp_command(void)
{
	struct conv c;

	conv_start(&c, 5000);
	handshake(&c);
	close(c.peer); /* the send fails with EPIPE */
	c.peer = -1;
	CHECK_INT_EQ(qmp_command(c.q, "stop", NULL, 5000, on_reply, &c, NULL),
		     0);
	CHECK_INT_EQ(c.errors, 0);
	CHECK_INT_EQ(c.closed, 0);
	spin(&c);
	CHECK_INT_EQ(c.errors, 1);
	CHECK_INT_EQ(c.closed, 1);
	conv_end(&c);
}

/* QEMU's words in an error are one bounded line. */
static void qmp_errors_are_one_line(void)
{
	struct conv c;
	struct err *got = NULL;
	char *line = xmalloc(4096), *p = line;

	conv_start(&c, 5000);
	handshake(&c);
	CHECK_INT_EQ(
		qmp_command(c.q, "cont", NULL, 5000, on_reply_keep, &got, NULL),
		0);
	spin(&c);
	p += sprintf(p, "{\"error\": {\"class\": \"A\\u001b[2J\", "
			"\"desc\": \"x\\nnidod[1]: forged\\r");
	memset(p, 'y', 2000);
	p += 2000;
	strcpy(p, "\"}, \"id\": 1}\n");
	say(&c, line);
	spin(&c);
	CHECK(got != NULL);
	if (got) {
		CHECK(strpbrk(err_msg(got), "\n\r\x1b") == NULL);
		CHECK_STR_CONTAINS(err_msg(got), "x?nidod[1]: forged?yyy");
		CHECK(strlen(err_msg(got)) < 700);
	}
	err_free(got);
	free(line);
	conv_end(&c);
}

/* An fd rides with its command's line (SCM_RIGHTS), as add-fd needs. */
static void qmp_passes_an_fd(void)
{
	struct conv c;
	int pipefd[2], got = -1;
	char line[512] = "", data[8] = "";
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = line, .iov_len = sizeof(line) - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;

	CHECK_INT_EQ(pipe(pipefd), 0);
	conv_start(&c, 5000);
	CHECK(qmp_command_fd(c.q, "add-fd", NULL, pipefd[1], 5000, on_reply, &c,
			     NULL) < 0); /* not before the handshake */
	handshake(&c);
	CHECK_INT_EQ(qmp_command(c.q, "stop", NULL, 5000, on_reply, &c, NULL),
		     0);
	spin(&c);
	heard(&c); /* "stop" went out alone, without the fd */
	CHECK_INT_EQ(qmp_command_fd(c.q, "add-fd", NULL, pipefd[1], 5000,
				    on_reply, &c, NULL),
		     0);
	close(pipefd[1]); /* the client keeps its own copy until sent */
	spin(&c);
	CHECK(recvmsg(c.peer, &msg, MSG_DONTWAIT) > 0);
	CHECK_STR_CONTAINS(line, "\"execute\":\"add-fd\"");
	cm = CMSG_FIRSTHDR(&msg);
	CHECK(cm != NULL && cm->cmsg_type == SCM_RIGHTS);
	if (cm)
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	CHECK(got >= 0);
	CHECK_INT_EQ(write(got, "fd!", 3), 3);
	close(got);
	CHECK_INT_EQ(read(pipefd[0], data, sizeof(data) - 1), 3);
	CHECK_STR_EQ(data, "fd!");
	/* the client's copy is gone once sent: the pipe has no writer */
	CHECK_INT_EQ(read(pipefd[0], data, 1), 0);
	close(pipefd[0]);
	conv_end(&c);
}

int main(void)
{
	RUN(qmp_parses_what_qemu_sends);
	RUN(qmp_refuses_what_is_not_qmp);
	RUN(qmp_talks_to_qemu);
	RUN(qmp_closes_on_garbage);
	RUN(qmp_bounds_a_line);
	RUN(qmp_reports_eof_and_silence);
	RUN(qmp_may_be_freed_from_a_callback);
	RUN(qmp_never_answers_inside_qmp_command);
	RUN(qmp_errors_are_one_line);
	RUN(qmp_passes_an_fd);
	return test_done();
}
