// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A client of nido-vmm's control socket (docs/vmm-api.md): one JSON
 * request per line, one response line back. vmm_call_start() never
 * waits: the socket and a timer sit on the daemon's loop, so that a
 * stuck VMM stalls only the call that waits for it.
 */
#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "daemon/vmm-client.h"
#include "lib/json.h"
#include "lib/loop.h"
#include "lib/sock.h"

/* Largest response accepted from a VMM. */
#define RESPONSE_MAX (256u << 10)

static int take_result(struct json_object *resp, struct json_object **result,
		       struct err **e)
{
	const char *msg = "request failed";
	bool ok = false;

	if (json_get_bool(resp, "ok", &ok, e) < 0)
		return err_set(e, EPROTO, "response without 'ok'");
	if (!ok) {
		json_get_string_opt(resp, "error", &msg, NULL);
		return err_set(e, EIO, "%s", msg);
	}
	if (result)
		*result = json_object_get(resp);
	return 0;
}

struct vmm_req {
	struct loop *loop;
	int fd;
	struct loop_source *src, *timer;
	char *method;
	char *buf;
	size_t len;
	vmm_reply_fn fn;
	void *opaque;
};

void vmm_req_cancel(struct vmm_req *q)
{
	if (!q)
		return;
	loop_source_del(q->loop, q->src);
	loop_source_del(q->loop, q->timer);
	close_safe(q->fd);
	free(q->method);
	free(q->buf);
	free(q);
}

/* Reports @r (and the reply in q->buf when 0) and frees @q. */
static void req_finish(struct vmm_req *q, int r, struct err *e)
{
	_cleanup_json_ struct json_object *resp = NULL;
	_cleanup_err_ struct err *err = e;

	if (r == 0 && (json_decode(q->buf, q->len, &resp, &err) < 0 || !resp ||
		       !json_object_is_type(resp, json_type_object))) {
		err_free(steal_ptr(err));
		r = err_set(&err, EPROTO, "invalid response");
	}
	if (r == 0)
		r = take_result(resp, NULL, &err);
	if (r < 0)
		err_prefix(&err, "'%s'", q->method);
	q->fn(q->opaque, r, r == 0 ? resp : NULL, err);
	vmm_req_cancel(q);
}

static void on_req_timeout(struct loop *l, void *opaque)
{
	struct vmm_req *q = opaque;
	struct err *e = NULL;
	int r = err_set(&e, ETIMEDOUT, "no answer in time");

	req_finish(q, r, e);
}

static void on_req_readable(struct loop *l, int fd, uint32_t events,
			    void *opaque)
{
	struct vmm_req *q = opaque;
	struct err *e = NULL;
	char *nl;
	ssize_t n;
	int r;

	n = recv(q->fd, q->buf + q->len, RESPONSE_MAX - q->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		r = err_set(&e, ECONNRESET, "connection closed");
		req_finish(q, r, e);
		return;
	}
	q->len += (size_t)n;
	nl = memchr(q->buf, '\n', q->len);
	if (nl) {
		q->len = (size_t)(nl - q->buf);
		req_finish(q, 0, NULL);
	} else if (q->len == RESPONSE_MAX) {
		r = err_set(&e, EMSGSIZE, "response too long");
		req_finish(q, r, e);
	}
}

struct vmm_req *vmm_call_start(struct loop *l, const char *sock,
			       const char *method, int timeout_ms,
			       vmm_reply_fn fn, void *opaque, struct err **e)
{
	return vmm_call_start_args(l, sock, method, NULL, timeout_ms, fn,
				   opaque, e);
}

/* Sends @req with @fds (none when @n_fds is 0) riding on it. */
static ssize_t send_request(int fd, const char *req, const int *fds,
			    size_t n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VMM_CALL_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)req, .iov_len = strlen(req)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	if (n_fds) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	return sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

struct vmm_req *vmm_call_start_args(struct loop *l, const char *sock,
				    const char *method,
				    struct json_object *args, int timeout_ms,
				    vmm_reply_fn fn, void *opaque,
				    struct err **e)
{
	return vmm_call_start_fds(l, sock, method, args, NULL, 0, timeout_ms,
				  fn, opaque, e);
}

struct vmm_req *vmm_call_start_fds(struct loop *l, const char *sock,
				   const char *method, struct json_object *args,
				   const int *fds, size_t n_fds, int timeout_ms,
				   vmm_reply_fn fn, void *opaque,
				   struct err **e)
{
	struct vmm_req *q = xcalloc(1, sizeof(*q));
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *req = NULL;

	if (args) {
		json_object_object_foreach (args, k, v)
			json_object_object_add(o, k, json_object_get(v));
	}
	json_object_object_add(o, "command", json_object_new_string(method));
	req = xasprintf("%s\n", json_object_to_json_string_ext(
					o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);

	q->loop = l;
	q->fn = fn;
	q->opaque = opaque;
	q->method = xstrdup(method);
	q->buf = xmalloc(RESPONSE_MAX);
	q->fd = sock_unix_connect(sock, SOCK_NONBLOCK, e);
	if (q->fd < 0)
		goto out_free;
	/* A request of a few bytes fits an empty socket's buffer. */
	if (n_fds > VMM_CALL_MAX_FDS) {
		err_set(e, EINVAL, "'%s': too many descriptors", method);
		goto out_free;
	}
	if (send_request(q->fd, req, fds, n_fds) != (ssize_t)strlen(req)) {
		err_sys(e, errno ? errno : EAGAIN, "sending '%s'", method);
		goto out_free;
	}
	q->src = loop_fd_add(l, q->fd, EPOLLIN, on_req_readable, q, e);
	if (!q->src)
		goto out_free;
	q->timer = loop_timer_add(l, (uint64_t)timeout_ms * 1000000u, 0,
				  on_req_timeout, q, e);
	if (!q->timer)
		goto out_free;
	return q;

out_free:
	vmm_req_cancel(q);
	return NULL;
}
