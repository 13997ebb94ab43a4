// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The QMP client (qmp.h). One socket on the loop, read as lines of at
 * most QMP_LINE_MAX bytes; what is written waits in an output buffer
 * when QEMU does not read. Callbacks may free the client: the dispatch
 * notices (q->dispatching, q->dead) and frees it on the way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "daemon/qmp.h"
#include "lib/json.h"
#include "lib/loop.h"
#include "lib/sock.h"

/* Most bytes of commands waiting for QEMU to read them. */
#define QMP_OUT_MAX (1u << 20)

char *qmp_printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *out = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
	return out;
}

void qmp_msg_clear(struct qmp_msg *m)
{
	json_object_put(m->root);
	memset(m, 0, sizeof(*m));
}

/* "id": a non-negative integer, as this client sends them. */
static int parse_id(struct qmp_msg *m, struct err **e)
{
	struct json_object *id;

	if (!json_object_object_get_ex(m->root, "id", &id))
		return 0;
	if (!json_object_is_type(id, json_type_int) ||
	    json_object_get_int64(id) < 0)
		return err_set(e, EPROTO, "QMP answer with an invalid id");
	m->has_id = true;
	m->id = (uint64_t)json_object_get_int64(id);
	return 0;
}

static int parse_error(struct qmp_msg *m, struct json_object *err,
		       struct err **e)
{
	if (!json_object_is_type(err, json_type_object) ||
	    json_get_string(err, "class", &m->error_class, NULL) < 0 ||
	    json_get_string(err, "desc", &m->desc, NULL) < 0)
		return err_set(e, EPROTO, "QMP error without class or desc");
	m->kind = QMP_MSG_ERROR;
	return parse_id(m, e);
}

static int parse_event(struct qmp_msg *m, struct json_object *ev,
		       struct err **e)
{
	struct json_object *data = NULL;

	_cleanup_free_ char *name = NULL;

	if (!json_object_is_type(ev, json_type_string) ||
	    !json_object_get_string_len(ev))
		return err_set(e, EPROTO, "QMP event without a name");
	/* "\u0000STOP" would be the C string "": no name either */
	if (strlen(json_object_get_string(ev)) !=
	    (size_t)json_object_get_string_len(ev))
		return err_set(e, EPROTO, "QMP event name with a NUL byte");
	m->kind = QMP_MSG_EVENT;
	m->event = json_object_get_string(ev);
	if (json_object_object_get_ex(m->root, "data", &data) &&
	    !json_object_is_type(data, json_type_object)) {
		name = qmp_printable(m->event, 64);
		return err_set(e, EPROTO,
			       "QMP event '%s': data is not an object", name);
	}
	m->value = data;
	return 0;
}

static int classify(struct qmp_msg *m, struct err **e)
{
	struct json_object *v;

	if (json_object_object_get_ex(m->root, "return", &v)) {
		m->kind = QMP_MSG_RETURN;
		m->value = v;
		return parse_id(m, e);
	}
	if (json_object_object_get_ex(m->root, "error", &v))
		return parse_error(m, v, e);
	if (json_object_object_get_ex(m->root, "event", &v))
		return parse_event(m, v, e);
	if (json_object_object_get_ex(m->root, "QMP", &v) &&
	    json_object_is_type(v, json_type_object)) {
		m->kind = QMP_MSG_GREETING;
		m->value = v;
		return 0;
	}
	return err_set(e, EPROTO,
		       "QMP line is neither an answer, an event "
		       "nor a greeting");
}

int qmp_parse_line(const char *line, size_t len, struct qmp_msg *m,
		   struct err **e)
{
	_cleanup_err_ struct err *why = NULL;
	int r;

	memset(m, 0, sizeof(*m));
	if (memchr(line, '\0', len))
		return err_set(e, EPROTO, "QMP line with a NUL byte");
	if (json_decode(line, len, &m->root, &why) < 0 || !m->root ||
	    !json_object_is_type(m->root, json_type_object)) {
		qmp_msg_clear(m);
		return err_set(e, EPROTO, "QMP line is not a JSON object%s%s",
			       why ? ": " : "", why ? err_msg(why) : "");
	}
	r = classify(m, e);
	if (r < 0)
		qmp_msg_clear(m);
	return r;
}

/* A command sent (or waiting for the handshake) and not answered yet. */
struct qmp_cmd {
	struct qmp_cmd *next;
	struct qmp *q;
	uint64_t id;
	char *name;
	qmp_reply_fn fn;
	void *opaque;
	struct loop_source *timer;
};

struct qmp {
	struct loop *loop;
	int fd;
	struct loop_source *src, *timer; /* timer: the greeting's */
	struct qmp_callbacks cb;
	bool greeted, ready, closed;
	int dispatching; /* callbacks running: free later */
	bool dead;	 /* freed while dispatching */
	uint64_t next_id;
	struct qmp_cmd *cmds; /* waiting for their answer */
	char *in;	      /* QMP_LINE_MAX + 1 */
	size_t in_len;
	char *out; /* unsent bytes */
	size_t out_len;
	int out_fd;	  /* an fd to pass with the line at out_fd_at; -1 */
	size_t out_fd_at; /* ... its offset in out */
	char *held;	  /* commands sent before the handshake ended */
	size_t held_len;
};

static void cmd_free(struct qmp_cmd *c)
{
	loop_source_del(c->q->loop, c->timer);
	free(c->name);
	free(c);
}

/* Unlinks command @id; NULL when it is not waiting (timed out). */
static struct qmp_cmd *cmd_take(struct qmp *q, uint64_t id)
{
	for (struct qmp_cmd **p = &q->cmds; *p; p = &(*p)->next) {
		struct qmp_cmd *c = *p;

		if (c->id == id) {
			*p = c->next;
			return c;
		}
	}
	return NULL;
}

static void really_free(struct qmp *q)
{
	while (q->cmds) {
		struct qmp_cmd *c = q->cmds;

		q->cmds = c->next;
		cmd_free(c);
	}
	loop_source_del(q->loop, q->src);
	loop_source_del(q->loop, q->timer);
	close_safe(q->fd);
	close_safe(q->out_fd);
	free(q->in);
	free(q->out);
	free(q->held);
	free(q);
}

/* Leaves a dispatch; false when the client was freed meanwhile. */
static bool leave(struct qmp *q);

void qmp_free(struct qmp *q)
{
	_cleanup_err_ struct err *e = NULL;

	if (!q || q->dead)
		return;
	q->dead = true;
	q->dispatching++;
	err_set(&e, ECANCELED, "QMP: the client was closed");
	while (q->cmds) {
		struct qmp_cmd *c = q->cmds;

		q->cmds = c->next;
		if (c->fn)
			c->fn(c->opaque, -ECANCELED, NULL, e);
		cmd_free(c);
	}
	leave(q); /* frees it, unless a dispatch is still running */
}

/* Leaves a dispatch; false when the client was freed meanwhile. */
static bool leave(struct qmp *q)
{
	if (--q->dispatching == 0 && q->dead) {
		really_free(q);
		return false;
	}
	return !q->dead;
}

/* Answers @c with failure @r (@e) and frees it. */
static void cmd_fail(struct qmp_cmd *c, int r, const struct err *e)
{
	struct qmp *q = c->q;

	q->dispatching++;
	if (c->fn)
		c->fn(c->opaque, r, NULL, e);
	cmd_free(c);
	leave(q);
}

/* The connection is unusable: every waiting command fails, then the
 * owner hears of it. */
static void close_with(struct qmp *q, struct err *e)
{
	_cleanup_err_ struct err *why = e;

	if (q->closed)
		return;
	q->closed = true;
	loop_source_del(q->loop, q->src);
	loop_source_del(q->loop, q->timer);
	q->src = q->timer = NULL;
	q->dispatching++;
	while (q->cmds && !q->dead) {
		struct qmp_cmd *c = q->cmds;

		q->cmds = c->next;
		cmd_fail(c, err_code(why), why);
	}
	if (!q->dead && q->cb.closed)
		q->cb.closed(q->cb.opaque, why);
	leave(q);
}

/* Sends up to @len bytes of q->out; the pending fd rides with the
 * first byte of its line (SCM_RIGHTS), which must start the send. */
static ssize_t send_some(struct qmp *q, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = q->out, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t n;

	if (q->out_fd < 0 || q->out_fd_at > 0) {
		if (q->out_fd >= 0)
			iov.iov_len = MIN(len, q->out_fd_at);
		return send(q->fd, q->out, iov.iov_len,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	memset(&u, 0, sizeof(u));
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &q->out_fd, sizeof(int));
	n = sendmsg(q->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0) /* QEMU has its copy */
		close(steal_fd(q->out_fd));
	return n;
}

static void flush_out(struct qmp *q)
{
	ssize_t n;

	while (q->out_len) {
		n = send_some(q, q->out_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			struct err *e = NULL;

			err_sys(&e, errno ? errno : EPIPE, "QMP: sending");
			close_with(q, e);
			return;
		}
		memmove(q->out, q->out + n, q->out_len - (size_t)n);
		q->out_len -= (size_t)n;
		if (q->out_fd >= 0)
			q->out_fd_at -= (size_t)n;
	}
	loop_fd_modify(q->loop, q->src, EPOLLIN | (q->out_len ? EPOLLOUT : 0));
}

static int append(char **buf, size_t *len, const char *s, size_t n,
		  struct err **e)
{
	if (*len + n > QMP_OUT_MAX)
		return err_set(e, ENOBUFS,
			       "QMP: QEMU does not read its "
			       "monitor");
	*buf = xrealloc(*buf, *len + n);
	memcpy(*buf + *len, s, n);
	*len += n;
	return 0;
}

static void on_cmd_timeout(struct loop *l, void *opaque)
{
	struct qmp_cmd *c = opaque;
	_cleanup_err_ struct err *e = NULL;

	cmd_take(c->q, c->id);
	err_set(&e, ETIMEDOUT, "QMP '%s': no answer in time", c->name);
	cmd_fail(c, -ETIMEDOUT, e);
}

/*
 * Queues command @cmd with @id: out now when @now, else held until the
 * handshake ends.
 */
static int send_command(struct qmp *q, const char *cmd,
			struct json_object *args, uint64_t id, bool now,
			int timeout_ms, qmp_reply_fn fn, void *opaque,
			struct err **e)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *line = NULL;
	struct qmp_cmd *c;
	size_t len;
	int r;

	if (q->closed || q->dead)
		return err_set(e, ECONNRESET, "QMP '%s': no connection to QEMU",
			       cmd);
	json_object_object_add(o, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(o, "arguments", json_object_get(args));
	json_object_object_add(o, "id", json_object_new_uint64(id));
	/* one command a line, as QEMU's answers come */
	line = json_encode_line(o, &len);
	line = xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';
	r = now ? append(&q->out, &q->out_len, line, len, e)
		: append(&q->held, &q->held_len, line, len, e);
	if (r < 0)
		return r;
	c = xcalloc(1, sizeof(*c));
	c->q = q;
	c->id = id;
	c->timer = loop_timer_add(q->loop, (uint64_t)timeout_ms * 1000000u, 0,
				  on_cmd_timeout, c, NULL);
	c->name = xstrdup(cmd);
	c->fn = fn;
	c->opaque = opaque;
	c->next = q->cmds;
	q->cmds = c;
	/* written from the loop, never here: a send that fails closes the
	 * connection and answers every command, and the caller must not
	 * hear of its own command before qmp_command() returns */
	if (now)
		loop_fd_modify(q->loop, q->src, EPOLLIN | EPOLLOUT);
	return 0;
}

int qmp_command(struct qmp *q, const char *cmd, struct json_object *args,
		int timeout_ms, qmp_reply_fn fn, void *opaque, struct err **e)
{
	return send_command(q, cmd, args, q->next_id++, q->ready, timeout_ms,
			    fn, opaque, e);
}

int qmp_command_fd(struct qmp *q, const char *cmd, struct json_object *args,
		   int fd, int timeout_ms, qmp_reply_fn fn, void *opaque,
		   struct err **e)
{
	size_t at = q->out_len;
	int copy, r;

	if (!q->ready || q->out_fd >= 0)
		return err_set(e, EAGAIN, "QMP '%s': %s", cmd,
			       q->ready ? "another fd is on its way to QEMU"
					: "the monitor is not ready");
	/* the copy first: once queued, the command must go with it */
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (copy < 0)
		return err_sys(e, errno, "QMP '%s': duplicating the fd", cmd);
	r = send_command(q, cmd, args, q->next_id++, true, timeout_ms, fn,
			 opaque, e);
	if (r < 0) {
		close(copy);
		return r;
	}
	q->out_fd = copy;
	q->out_fd_at = at;
	return 0;
}

static void on_capabilities(void *opaque, int r, struct json_object *ret,
			    const struct err *e)
{
	struct qmp *q = opaque;
	struct err *why = NULL;

	if (q->closed)
		return; /* it failed with the connection */
	if (r < 0) {
		err_set(&why, -r, "QMP handshake: %s", err_msg(e));
		close_with(q, why);
		return;
	}
	loop_source_del(q->loop, q->timer);
	q->timer = NULL;
	q->ready = true;
	if (q->held_len &&
	    append(&q->out, &q->out_len, q->held, q->held_len, &why) < 0) {
		close_with(q, why);
		return;
	}
	free(steal_ptr(q->held));
	q->held_len = 0;
	flush_out(q);
	if (!q->closed && q->cb.ready)
		q->cb.ready(q->cb.opaque);
}

/* One parsed line: the greeting, an answer or an event. */
static void dispatch(struct qmp *q, struct qmp_msg *m)
{
	struct qmp_cmd *c;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *desc = NULL, *class = NULL;

	switch (m->kind) {
	case QMP_MSG_GREETING:
		if (q->greeted) {
			err_set(&e, EPROTO, "QMP: a second greeting");
			close_with(q, steal_ptr(e));
			return;
		}
		q->greeted = true;
		/* id 0 is the handshake's; commands count from 1 */
		if (send_command(q, "qmp_capabilities", NULL, 0, true, 60000,
				 on_capabilities, q, &e) < 0)
			close_with(q, steal_ptr(e));
		return;
	case QMP_MSG_EVENT:
		if (q->cb.event)
			q->cb.event(q->cb.opaque, m->event, m->value);
		return;
	case QMP_MSG_RETURN:
	case QMP_MSG_ERROR:
		break;
	}
	if (!m->has_id || !(c = cmd_take(q, m->id)))
		return; /* an answer that came too late */
	if (m->kind == QMP_MSG_RETURN) {
		if (c->fn)
			c->fn(c->opaque, 0, m->value, NULL);
		cmd_free(c);
		return;
	}
	/* QEMU's words go to logs and clients: one line, bounded */
	desc = qmp_printable(m->desc, 512);
	class = qmp_printable(m->error_class, 64);
	err_set(&e, EIO, "QMP '%s': %s (%s)", c->name, desc, class);
	cmd_fail(c, -EIO, e);
}

/* Handles each complete line of q->in; false when the client is gone. */
static bool handle_lines(struct qmp *q)
{
	char *start = q->in, *nl;
	size_t left = q->in_len;

	while (!q->closed && (nl = memchr(start, '\n', left))) {
		struct qmp_msg m;
		struct err *e = NULL;
		size_t len = (size_t)(nl - start);

		if (len && start[len - 1] == '\r')
			len--;
		if (qmp_parse_line(start, len, &m, &e) < 0) {
			close_with(q, e);
			return !q->dead;
		}
		q->dispatching++;
		dispatch(q, &m);
		qmp_msg_clear(&m);
		if (!leave(q))
			return false;
		left -= (size_t)(nl + 1 - start);
		start = nl + 1;
	}
	memmove(q->in, start, left);
	q->in_len = left;
	return true;
}

static void on_readable(struct qmp *q)
{
	struct err *e = NULL;
	ssize_t n = recv(q->fd, q->in + q->in_len, QMP_LINE_MAX + 1 - q->in_len,
			 MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		err_set(&e, ECONNRESET, "QMP: QEMU closed its monitor");
		close_with(q, e);
		return;
	}
	q->in_len += (size_t)n;
	if (!handle_lines(q) || q->closed)
		return;
	if (q->in_len > QMP_LINE_MAX) {
		err_set(&e, EMSGSIZE, "QMP: a line longer than %u bytes",
			QMP_LINE_MAX);
		close_with(q, e);
	}
}

static void on_event(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct qmp *q = opaque;

	q->dispatching++;
	if (events & EPOLLOUT)
		flush_out(q);
	if (!q->closed && !q->dead &&
	    (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		on_readable(q);
	leave(q);
}

static void on_greet_timeout(struct loop *l, void *opaque)
{
	struct qmp *q = opaque;
	struct err *e = NULL;

	err_set(&e, ETIMEDOUT, "QMP: QEMU did not greet in time");
	close_with(q, e);
}

struct qmp *qmp_open_fd(struct loop *l, int fd, int timeout_ms,
			const struct qmp_callbacks *cb, struct err **e)
{
	struct qmp *q = xcalloc(1, sizeof(*q));

	q->loop = l;
	q->fd = fd;
	q->cb = *cb;
	q->next_id = 1;
	q->out_fd = -1;
	q->in = xmalloc(QMP_LINE_MAX + 1);
	q->src = loop_fd_add(l, fd, EPOLLIN, on_event, q, e);
	q->timer = loop_timer_add(l, (uint64_t)timeout_ms * 1000000u, 0,
				  on_greet_timeout, q, e);
	if (!q->src || !q->timer) {
		really_free(q);
		return NULL;
	}
	return q;
}

struct qmp *qmp_connect(struct loop *l, const char *path, int timeout_ms,
			const struct qmp_callbacks *cb, struct err **e)
{
	int fd = sock_unix_connect(path, SOCK_NONBLOCK, e);

	if (fd < 0)
		return NULL;
	return qmp_open_fd(l, fd, timeout_ms, cb, e);
}
