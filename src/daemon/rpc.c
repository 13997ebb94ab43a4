// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The RPC server: a listening unix socket and its clients on the event
 * loop. Each client has an input buffer (at most one request line) and an
 * output buffer; I/O is non-blocking. A client that sends a line too long
 * gets an error and is disconnected; one that closes mid-request loses
 * that request only. A deferred call (rpc_server_defer) holds the
 * client's next lines back until it is answered; the client may go
 * meanwhile, and the call is then answered into the void.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "daemon/rpc.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sock.h"

/* Stop reading a client while this much output waits for it. */
#define OUT_HIGH_WATER (4u << 20)
/* Bytes read per readiness event, so that one client cannot starve others. */
#define READ_CHUNK (64u << 10)

struct client {
	struct rpc_server *srv;
	int fd;
	struct loop_source *src;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
	bool closing;		  /* disconnect once the output is flushed */
	bool kick;		  /* handle held-back lines in the next round */
	struct rpc_call *pending; /* deferred call not answered yet */
	struct client *prev, *next;
};

struct rpc_call {
	struct client *client;	/* NULL once the client has gone */
	struct json_object *id; /* owned; NULL: a notification */
};

struct rpc_server {
	struct loop *loop;
	int fd;
	struct loop_source *src;
	char *path;
	uid_t uid;
	const struct rpc_method *methods;
	size_t n_methods;
	void *opaque;
	struct client *clients;
	size_t n_clients;
	struct client *current; /* whose request a method is handling */
	const struct rpc_request *current_req;
};

static void client_free(struct client *c)
{
	struct rpc_server *s = c->srv;

	if (c->pending)
		c->pending->client = NULL;
	loop_source_del(s->loop, c->src);
	close_safe(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_clients--;
	free(c->in);
	free(c->out);
	free(c);
}

static void queue(struct client *c, char *line, size_t len)
{
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	}
	c->out = xrealloc(c->out, c->out_len + len);
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
	free(line);
}

static void queue_error(struct client *c, struct json_object *id, int code,
			const char *msg)
{
	size_t len;
	char *line = rpc_response_error(id, code, msg, &len);

	queue(c, line, len);
}

static const struct rpc_method *find_method(const struct rpc_server *s,
					    const char *name)
{
	for (size_t i = 0; i < s->n_methods; i++)
		if (streq(s->methods[i].name, name))
			return &s->methods[i];
	return NULL;
}

static void call_method(struct client *c, const struct rpc_request *req)
{
	const struct rpc_method *m = find_method(c->srv, req->method);
	_cleanup_err_ struct err *e = NULL;
	struct json_object *result = NULL;
	char *line;
	size_t len;
	int r;

	if (!m) {
		_cleanup_free_ char *msg =
			xasprintf("unknown method '%s'", req->method);

		if (req->id)
			queue_error(c, req->id, RPC_METHOD_NOT_FOUND, msg);
		return;
	}
	c->srv->current = c;
	c->srv->current_req = req;
	r = m->fn(c->srv->opaque, req->params, &result, &e);
	c->srv->current = NULL;
	c->srv->current_req = NULL;
	if (r == RPC_DEFERRED && c->pending) {
		json_object_put(result);
		return;
	}
	if (!req->id) {
		json_object_put(result);
		return;
	}
	if (r < 0) {
		queue_error(c, req->id, -r, err_msg(e));
		return;
	}
	line = rpc_response_result(req->id, result, &len);
	queue(c, line, len);
	json_object_put(result);
}

static void handle_line(struct client *c, const char *line, size_t len)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *id = NULL;
	struct rpc_request req;
	int code;

	if (len && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	code = rpc_request_parse(line, len, &req, &id, &e);
	if (code < 0) {
		queue_error(c, id, code, err_msg(e));
		return;
	}
	call_method(c, &req);
	rpc_request_release(&req);
}

static bool output_full(const struct client *c)
{
	return c->out_len - c->out_off >= OUT_HIGH_WATER;
}

/* Handles the complete lines in the input buffer. */
static void handle_input(struct client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->closing && !c->pending && !output_full(c) &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		handle_line(c, c->in + start, (size_t)(nl - c->in - start));
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len == 0 && c->in_cap > 4 * READ_CHUNK) {
		c->in_cap = 4096; /* give back what a large request took */
		c->in = xrealloc(c->in, c->in_cap);
	}
	if (c->in_len >= RPC_MAX_REQUEST && !memchr(c->in, '\n', c->in_len)) {
		queue_error(c, NULL, RPC_INVALID_REQUEST,
			    "request line longer than 1048576 bytes");
		c->in_len = 0;
		c->closing = true;
	}
}

/* Returns 0, or -1 when the client is gone (freed). */
static int client_read(struct client *c)
{
	size_t room;
	ssize_t n;

	if (c->in_len >= RPC_MAX_REQUEST || output_full(c) || c->closing)
		return 0;
	if (c->in_cap - c->in_len < READ_CHUNK && c->in_cap < RPC_MAX_REQUEST) {
		c->in_cap = MIN(MAX(c->in_cap * 2, c->in_len + READ_CHUNK),
				RPC_MAX_REQUEST);
		c->in = xrealloc(c->in, c->in_cap);
	}
	room = MIN(c->in_cap - c->in_len, READ_CHUNK);
	n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		client_free(c);
		return -1;
	}
	if (n == 0) {
		if (c->in_len)
			log_debug("client closed mid-request (%zu bytes "
				  "dropped)",
				  c->in_len);
		c->in_len = 0;
		c->closing = true;
		return 0;
	}
	c->in_len += (size_t)n;
	handle_input(c);
	return 0;
}

static int client_write(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			client_free(c);
			return -1;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

static void client_update(struct client *c)
{
	uint32_t ev = 0;

	if (c->out_off < c->out_len || c->kick)
		ev |= EPOLLOUT;
	else if (c->closing && !c->pending) {
		client_free(c);
		return;
	}
	if (!c->closing && !c->pending && !output_full(c))
		ev |= EPOLLIN;
	loop_fd_modify(c->srv->loop, c->src, ev);
}

static void on_client(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct client *c = opaque;

	c->kick = false;
	if ((events & EPOLLOUT) && client_write(c) < 0)
		return;
	/* Lines held back while the output was full or a call was pending. */
	if (!output_full(c) && memchr(c->in, '\n', c->in_len))
		handle_input(c);
	if ((events & (EPOLLHUP | EPOLLERR)) && c->pending) {
		client_free(c); /* gone: its answer has nowhere to go */
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && client_read(c) < 0)
		return;
	if (c->out_off < c->out_len && client_write(c) < 0)
		return;
	client_update(c);
}

static bool peer_allowed(const struct rpc_server *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	if (cred.uid == 0 || cred.uid == s->uid)
		return true;
	log_warn("refused client pid %d uid %u: not root nor uid %u",
		 (int)cred.pid, (unsigned)cred.uid, (unsigned)s->uid);
	return false;
}

/* Tells a refused peer why, best effort, and closes it. */
static void refuse(int fd, const char *msg)
{
	size_t len;
	_cleanup_free_ char *line =
		rpc_response_error(NULL, RPC_INTERNAL_ERROR, msg, &len);

	(void)!send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	close_safe(fd);
}

static void client_add(struct rpc_server *s, int fd)
{
	_cleanup_err_ struct err *e = NULL;
	struct client *c = xcalloc(1, sizeof(*c));

	c->srv = s;
	c->fd = fd;
	c->in_cap = 4096;
	c->in = xmalloc(c->in_cap);
	c->src = loop_fd_add(s->loop, fd, EPOLLIN, on_client, c, &e);
	if (!c->src) {
		log_warn("client: %s", err_msg(e));
		close_safe(fd);
		free(c->in);
		free(c);
		return;
	}
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->n_clients++;
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct rpc_server *s = opaque;

	for (;;) {
		int cfd = accept4(s->fd, NULL, NULL,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		if (!peer_allowed(s, cfd)) {
			refuse(cfd, "permission denied");
			continue;
		}
		if (s->n_clients >= RPC_MAX_CLIENTS) {
			refuse(cfd, "too many clients");
			continue;
		}
		client_add(s, cfd);
	}
}

static int listen_on(const char *path, struct err **e)
{
	struct sockaddr_un sa;
	_cleanup_close_ int fd = -1;

	if (sock_unix_addr(&sa, path, "daemon socket", e) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "creating a socket");
	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys(e, errno, "removing old socket '%s'", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "binding '%s'", path);
	if (chmod(path, 0600) < 0)
		return err_sys(e, errno, "chmod '%s'", path);
	if (listen(fd, 128) < 0)
		return err_sys(e, errno, "listening on '%s'", path);
	return steal_fd(fd);
}

struct rpc_server *rpc_server_new(struct loop *l, const char *path, uid_t uid,
				  const struct rpc_method *methods,
				  size_t n_methods, void *opaque,
				  struct err **e)
{
	struct rpc_server *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->uid = uid;
	s->methods = methods;
	s->n_methods = n_methods;
	s->opaque = opaque;
	s->path = xstrdup(path);
	s->fd = listen_on(path, e);
	if (s->fd < 0)
		goto out_free;
	s->src = loop_fd_add(l, s->fd, EPOLLIN, on_accept, s, e);
	if (!s->src)
		goto out_close;
	return s;

out_close:
	close_safe(s->fd);
	unlink(path);
out_free:
	free(s->path);
	free(s);
	return NULL;
}

void rpc_server_free(struct rpc_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	loop_source_del(s->loop, s->src);
	close_safe(s->fd);
	unlink(s->path);
	free(s->path);
	free(s);
}

struct rpc_call *rpc_server_defer(struct rpc_server *s)
{
	struct client *c = s->current;
	struct rpc_call *call;

	if (!c || c->pending)
		return NULL;
	call = xcalloc(1, sizeof(*call));
	call->client = c;
	call->id = json_object_get(s->current_req->id);
	c->pending = call;
	return call;
}

void rpc_call_done(struct rpc_call *call, int r, struct json_object *result,
		   const struct err *e)
{
	struct client *c;
	char *line;
	size_t len;

	if (!call) {
		json_object_put(result);
		return;
	}
	c = call->client;
	if (c && call->id && r < 0) {
		queue_error(c, call->id, -r, e ? err_msg(e) : strerror(-r));
	} else if (c && call->id) {
		line = rpc_response_result(call->id, result, &len);
		queue(c, line, len);
	}
	json_object_put(result);
	json_object_put(call->id);
	free(call);
	if (!c)
		return;
	c->pending = NULL;
	c->kick = true;
	client_update(c);
}

size_t rpc_server_clients(const struct rpc_server *s)
{
	return s->n_clients;
}
