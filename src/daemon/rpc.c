// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The RPC server: listening sockets and their clients on the event loop.
 * Each client has an input buffer (at most one request line) and an
 * output buffer; I/O is non-blocking. A client that sends a line too long
 * gets an error and is disconnected; one that closes mid-request loses
 * that request only. A deferred call (rpc_server_defer) holds the
 * client's next lines back until it is answered; the client may go
 * meanwhile, and the call is then answered into the void.
 *
 * Bounds (struct rpc_limits): a client is refused past max_clients;
 * once a second a sweep drops the clients idle for idle_timeout_s, those
 * whose unfinished line is older than request_timeout_s, and those that
 * have not taken their output for as long; queued output and input past
 * max_client_mem drop the client. Each refused or dropped client gets one
 * error line (id null) before the close. When accept() runs out of file
 * descriptors, the listeners are unwatched (level-triggered epoll would
 * report them ready forever) until a client leaves or the next sweep;
 * a reserve descriptor lets the server tell the refused client why.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "daemon/rpc.h"
#include "daemon/tls.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sock.h"

/* Stop reading a client while this much output waits for it. */
#define OUT_HIGH_WATER (4u << 20)
/* Bytes read per readiness event, so that one client cannot starve others. */
#define READ_CHUNK (64u << 10)
/* The sweep's period. */
#define SWEEP_NS 1000000000ull
/* A stream's pipe for rpc_stream_splice_input(): what one splice takes. */
#define RPC_SPLICE_PIPE (1u << 20)

struct listener {
	struct rpc_server *srv;
	int fd;
	struct loop_source *src;
	char *path;		/* unix socket file to unlink; NULL: TCP */
	char *name;		/* for messages: the path, or ADDR:PORT */
	struct tls_server *tls; /* TCP: borrowed */
	unsigned handshake_timeout_s;
	mode_t mode;
	uid_t owner;
	gid_t gid;
	bool read_only;
};

struct client {
	struct rpc_server *srv;
	int fd;
	struct loop_source *src;
	bool read_only;
	struct tls_conn *tls; /* NULL: a unix socket */
	bool handshaking;     /* TLS handshake not done yet */
	unsigned handshake_timeout_s;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	bool closing;		  /* disconnect once the output is flushed */
	bool dropped;		  /* told why it is dropped: queue no more */
	bool kick;		  /* handle held-back lines in the next round */
	bool keep;		  /* exempt from the idle timeout */
	struct rpc_call *pending; /* deferred call not answered yet */
	time_t active;		  /* last request, answer or output taken */
	time_t partial;		  /* when the unfinished line began */
	struct client *prev, *next;
	struct rpc_stream *stream; /* armed by a method, or open */
	bool in_handler;	   /* on_client runs for it: do not free */
	void (*on_close)(void *opaque, struct rpc_conn *conn);
	void *on_close_opaque;
};

struct rpc_call {
	struct client *client;	/* NULL once the client has gone */
	struct json_object *id; /* owned; NULL: a notification */
};

struct rpc_server {
	struct loop *loop;
	struct listener **listeners;
	size_t n_listeners;
	struct loop_source *sweep;
	struct rpc_limits lim;
	struct method_table {
		const struct rpc_method *v;
		size_t n;
	} * tables; /* one per object kind */
	size_t n_tables;
	void *opaque;
	struct client *clients;
	size_t n_clients;
	struct client *current; /* whose request a method is handling */
	const struct rpc_request *current_req;
	int reserve_fd;		 /* given up to tell a client "no fd left" */
	bool accept_paused;	 /* listeners unwatched: out of fds */
	bool fd_episode;	 /* logged the current out-of-fds episode */
	bool full_episode;	 /* logged the current max_clients episode */
	unsigned long n_refused; /* refused in the current episode */
};

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void accept_resume(struct rpc_server *s);
static bool stream_waits_client(const struct client *c);
static void client_closing_hooks(struct client *c);
static bool stream_open(const struct client *c);
static int stream_answer(struct client *c, int r, struct json_object *result,
			 struct err **e);
static void stream_opened(struct client *c);
static void stream_feed(struct client *c);
static void stream_update(struct client *c);
static void on_stream(struct client *c, uint32_t events);
static int listener_add(struct rpc_server *s, struct listener *ls,
			struct err **e);

/*
 * Reads and discards what a dropped client still sent (bounded): a
 * socket closed with unread input resets the connection, and the peer
 * could lose the line that says why it was dropped.
 */
static void client_drain(const struct client *c)
{
	char buf[16384];

	for (int i = 0; i < 16; i++)
		if (recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
}

static void client_free(struct client *c)
{
	struct rpc_server *s = c->srv;

	client_closing_hooks(c);
	if (c->dropped)
		client_drain(c);
	if (c->pending)
		c->pending->client = NULL;
	loop_source_del(s->loop, c->src);
	tls_conn_free(c->tls);
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
	if (s->accept_paused)
		accept_resume(s); /* a descriptor is free again */
}

static size_t client_mem(const struct client *c)
{
	return c->in_cap + c->out_len;
}

/* c->out holds at least @need bytes. */
static void out_reserve(struct client *c, size_t need)
{
	if (need <= c->out_cap)
		return;
	c->out = xrealloc(c->out, need);
	c->out_cap = need;
}

/*
 * Ends the client's output after the line being sent, queues @line
 * (taken over) as its last and closes it once that is flushed.
 */
static void client_drop(struct client *c, char *line, size_t len)
{
	char *end;

	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	} else if (c->out_off == 0 || c->out[c->out_off - 1] == '\n') {
		c->out_len = c->out_off; /* nothing of the next line sent */
	} else {
		end = memchr(c->out + c->out_off, '\n',
			     c->out_len - c->out_off);
		if (end)
			c->out_len = (size_t)(end - c->out) + 1;
	}
	out_reserve(c, c->out_len + len);
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
	free(line);
	c->closing = true; /* its input is dropped by handle_input() */
	c->dropped = true;
}

static void drop_error(struct client *c, const char *fmt, ...) PRINTF(2, 3);
static void drop_error(struct client *c, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	size_t len;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	line = rpc_response_error(NULL, RPC_CONN_DROPPED, msg, &len);
	client_drop(c, line, len);
}

static void queue(struct client *c, char *line, size_t len)
{
	if (c->dropped) {
		free(line);
		return;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (client_mem(c) + len > c->srv->lim.max_client_mem) {
		log_warn("client dropped: over its memory limit of %zu bytes",
			 c->srv->lim.max_client_mem);
		free(line);
		drop_error(c,
			   "connection dropped: more than %zu bytes of "
			   "requests and answers held for it",
			   c->srv->lim.max_client_mem);
		return;
	}
	out_reserve(c, c->out_len + len);
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

static void queue_fail(struct client *c, struct json_object *id, int r,
		       const struct err *e)
{
	size_t len;
	char *line = rpc_response_fail(id, r, e, &len);

	queue(c, line, len);
}

static const struct rpc_method *find_method(const struct rpc_server *s,
					    const char *name)
{
	for (size_t t = 0; t < s->n_tables; t++)
		for (size_t i = 0; i < s->tables[t].n; i++)
			if (streq(s->tables[t].v[i].name, name))
				return &s->tables[t].v[i];
	return NULL;
}

/* Looks the method up; queues the error and returns NULL when refused. */
static const struct rpc_method *method_for(struct client *c,
					   const struct rpc_request *req)
{
	const struct rpc_method *m = find_method(c->srv, req->method);
	_cleanup_free_ char *msg = NULL;
	_cleanup_err_ struct err *e = NULL;

	if (!m) {
		msg = xasprintf("unknown method '%s'", req->method);
		if (req->id)
			queue_error(c, req->id, RPC_METHOD_NOT_FOUND, msg);
		return NULL;
	}
	if (c->read_only && !(m->flags & RPC_READ_ONLY)) {
		err_setk(&e, ERR_OPERATION_DENIED, EACCES,
			 "access denied: '%s' is not allowed on a read-only "
			 "connection",
			 req->method);
		if (req->id)
			queue_fail(c, req->id, -EACCES, e);
		return NULL;
	}
	return m;
}

static void call_method(struct client *c, const struct rpc_request *req)
{
	const struct rpc_method *m = method_for(c, req);
	_cleanup_err_ struct err *e = NULL;
	struct json_object *result = NULL;
	char *line;
	size_t len;
	int r;

	if (!m)
		return;
	c->srv->current = c;
	c->srv->current_req = req;
	r = m->fn(c->srv->opaque, req->params, &result, &e);
	c->srv->current = NULL;
	c->srv->current_req = NULL;
	if (r == RPC_DEFERRED && c->pending) {
		json_object_put(result);
		return;
	}
	r = stream_answer(c, r, result, &e);
	if (!req->id) {
		json_object_put(result);
		stream_opened(c);
		return;
	}
	if (r < 0) { /* a stream's open() may have failed a result */
		json_object_put(result);
		queue_fail(c, req->id, r, e);
		return;
	}
	line = rpc_response_result(req->id, result, &len);
	queue(c, line, len);
	json_object_put(result);
	stream_opened(c);
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
	       !stream_open(c) &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		c->active = now_s();
		handle_line(c, c->in + start, (size_t)(nl - c->in - start));
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (stream_open(c)) { /* what follows the request is the stream's */
		stream_feed(c);
		return;
	}
	if (c->dropped)
		c->in_len = 0;
	if (start)
		c->partial = now_s(); /* what is left began now */
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

/* recv() or TLS: bytes, 0 at the end, or -errno (-EAGAIN). */
static ssize_t client_recv(struct client *c, void *buf, size_t len)
{
	ssize_t n;

	if (c->tls)
		return tls_conn_recv(c->tls, buf, len);
	n = recv(c->fd, buf, len, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

static ssize_t client_send(struct client *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->tls)
		return tls_conn_send(c->tls, buf, len);
	n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
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
	n = client_recv(c, c->in + c->in_len, room);
	if (n < 0) {
		if (n == -EAGAIN || n == -EINTR)
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
	if (c->in_len == 0)
		c->partial = now_s();
	c->in_len += (size_t)n;
	handle_input(c);
	return 0;
}

static int client_write(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = client_send(c, c->out + c->out_off,
					c->out_len - c->out_off);

		if (n < 0) {
			if (n == -EAGAIN)
				return 0;
			if (n == -EINTR)
				continue;
			client_free(c);
			return -1;
		}
		c->out_off += (size_t)n;
		c->active = now_s();
	}
	c->out_off = c->out_len = 0;
	if (c->out && !c->dropped && !stream_open(c)) {
		free(c->out); /* give back what a large answer took */
		c->out = NULL;
		c->out_cap = 0;
	}
	return 0;
}

/* Input TLS has decrypted already: epoll will not report it. */
static bool tls_readable(const struct client *c)
{
	return c->tls && !c->handshaking && tls_conn_pending(c->tls) > 0;
}

static void client_update(struct client *c)
{
	uint32_t ev = 0;
	bool can_read = !c->closing && !c->pending && !output_full(c);

	if (stream_open(c)) {
		stream_update(c);
		return;
	}
	if (c->out_off < c->out_len || c->kick || (can_read && tls_readable(c)))
		ev |= EPOLLOUT;
	else if (c->closing && !c->pending) {
		client_free(c);
		return;
	}
	if (can_read)
		ev |= EPOLLIN;
	loop_fd_modify(c->srv->loop, c->src, ev);
}

/*
 * The TLS handshake, then the peer's certificate. Returns 1 while it
 * goes on (watching what it waits for), 0 when done, -1 when the client
 * is gone. A refused certificate is told why over the session.
 */
static int client_handshake(struct client *c)
{
	_cleanup_err_ struct err *e = NULL;
	uint32_t ev = 0;
	int r = tls_conn_handshake(c->tls, &ev, &e);

	if (r == -EAGAIN) {
		loop_fd_modify(c->srv->loop, c->src, ev);
		return 1;
	}
	c->handshaking = false;
	c->active = now_s();
	if (r == -EPROTO) {
		log_debug("TLS client: %s", err_msg(e));
		client_free(c);
		return -1;
	}
	if (r < 0) {
		static time_t logged;
		size_t len;
		char *line = rpc_response_error(NULL, RPC_CONN_REFUSED,
						err_msg(e), &len);

		if (logged != now_s()) { /* at most one line a second */
			logged = now_s();
			log_warn("TLS client refused: %s", err_msg(e));
		}
		client_drop(c, line, len);
		client_update(c); /* sends the line, then closes */
		return 1;
	}
	return 0;
}

static void on_client(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct client *c = opaque;

	c->kick = false;
	if (c->handshaking && client_handshake(c) != 0)
		return;
	if (stream_open(c)) {
		on_stream(c, events);
		return;
	}
	if ((events & EPOLLOUT) && client_write(c) < 0)
		return;
	/* Lines held back while the output was full or a call was pending. */
	if (!output_full(c) && memchr(c->in, '\n', c->in_len))
		handle_input(c);
	if ((events & (EPOLLHUP | EPOLLERR)) && c->pending) {
		client_free(c); /* gone: its answer has nowhere to go */
		return;
	}
	if (((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || tls_readable(c)) &&
	    client_read(c) < 0)
		return;
	if (c->out_off < c->out_len && client_write(c) < 0)
		return;
	client_update(c);
}

/* Why the sweep drops @c now, or NULL. */
static const char *sweep_reason(const struct client *c, time_t now,
				const struct rpc_limits *lim, unsigned *secs)
{
	if (c->handshaking) {
		*secs = c->handshake_timeout_s;
		return now - c->active >= c->handshake_timeout_s ? "stalled"
								 : NULL;
	}
	if (c->out_off < c->out_len || stream_waits_client(c)) {
		*secs = lim->idle_timeout_s;
		return now - c->active >= lim->idle_timeout_s ? "stalled"
							      : NULL;
	}
	if (c->pending || c->closing || stream_open(c))
		return NULL;
	if (c->in_len) {
		*secs = lim->request_timeout_s;
		return now - c->partial >= lim->request_timeout_s ? "partial"
								  : NULL;
	}
	*secs = lim->idle_timeout_s;
	return !c->keep && now - c->active >= lim->idle_timeout_s ? "idle"
								  : NULL;
}

/* Drops @c for @why; returns false when it was freed at once. */
static bool sweep_drop(struct client *c, const char *why, unsigned secs)
{
	if (streq(why, "stalled")) {
		/* It does not read: nothing more can reach it. */
		client_free(c);
		return false;
	}
	if (streq(why, "partial"))
		drop_error(c,
			   "connection dropped: request not finished "
			   "within %u s",
			   secs);
	else
		drop_error(c, "connection dropped: idle for %u s", secs);
	client_update(c);
	return true;
}

/* Once a second: drops the clients past their time; retries accept(). */
static void on_sweep(struct loop *l, void *opaque)
{
	struct rpc_server *s = opaque;
	time_t now = now_s();
	unsigned long n_dropped = 0;
	struct client *c, *next;

	for (c = s->clients; c; c = next) {
		unsigned secs = 0;
		const char *why = sweep_reason(c, now, &s->lim, &secs);

		next = c->next;
		if (!why)
			continue;
		n_dropped++;
		sweep_drop(c, why, secs);
	}
	if (n_dropped)
		log_info("dropped %lu clients (idle, unfinished request or "
			 "not reading)",
			 n_dropped);
	if (s->accept_paused)
		accept_resume(s);
}

/* True when @gid is the peer's group or one of its supplementary ones. */
static bool peer_in_group(int fd, const struct ucred *cred, gid_t gid)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (cred->gid == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* The peer check the socket file's mode promises (rpc.h). */
static bool peer_allowed(const struct listener *ls, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	static time_t logged;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	if (cred.uid == 0 || cred.uid == ls->owner || (ls->mode & 0002))
		return true;
	if ((ls->mode & 0020) && ls->gid != (gid_t)-1 &&
	    peer_in_group(fd, &cred, ls->gid))
		return true;
	if (logged != now_s()) { /* at most one line a second */
		logged = now_s();
		log_warn("refused client pid %d uid %u on '%s': not allowed by "
			 "the socket's owner, group and mode %04o",
			 (int)cred.pid, (unsigned)cred.uid, ls->name,
			 (unsigned)ls->mode);
	}
	return false;
}

/* Tells a refused peer why, best effort, and closes it. */
static void refuse(int fd, const char *msg)
{
	size_t len;
	_cleanup_free_ char *line =
		rpc_response_error(NULL, RPC_CONN_REFUSED, msg, &len);

	(void)!send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	close_safe(fd);
}

static void client_add(struct listener *ls, int fd)
{
	_cleanup_err_ struct err *e = NULL;
	struct rpc_server *s = ls->srv;
	struct client *c = xcalloc(1, sizeof(*c));

	c->srv = s;
	c->fd = fd;
	c->read_only = ls->read_only;
	if (ls->tls) {
		c->tls = tls_conn_new(ls->tls, fd, &e);
		c->handshaking = true;
		c->handshake_timeout_s = ls->handshake_timeout_s;
	}
	c->active = now_s();
	c->in_cap = 4096;
	c->in = xmalloc(c->in_cap);
	if (!ls->tls || c->tls)
		c->src = loop_fd_add(s->loop, fd, EPOLLIN, on_client, c, &e);
	if (!c->src) {
		log_warn("client: %s", err_msg(e));
		if (!ls->tls)
			refuse(fd, "server error: cannot watch the connection");
		else
			close_safe(fd);
		tls_conn_free(c->tls);
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

static void accept_watch(struct rpc_server *s, uint32_t events)
{
	for (size_t i = 0; i < s->n_listeners; i++)
		loop_fd_modify(s->loop, s->listeners[i]->src, events);
}

static void accept_resume(struct rpc_server *s)
{
	if (s->reserve_fd < 0)
		s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->accept_paused = false;
	accept_watch(s, EPOLLIN);
}

/*
 * accept() found no descriptor: refuses one waiting peer with the
 * reserve descriptor, and stops watching the listeners until a client
 * leaves (client_free) or the next sweep. Logs once per episode.
 */
static void accept_pause(struct listener *ls, int err)
{
	struct rpc_server *s = ls->srv;
	int fd;

	if (!s->fd_episode)
		log_warn("accept on '%s': %s with %zu clients: not accepting "
			 "until a descriptor frees",
			 ls->name, strerror(err), s->n_clients);
	s->fd_episode = true;
	if (s->reserve_fd >= 0) {
		close_safe(s->reserve_fd);
		s->reserve_fd = -1;
		fd = accept4(ls->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0)
			refuse(fd, "connection refused: the daemon has no file "
				   "descriptor left, try again later");
	}
	s->accept_paused = true;
	accept_watch(s, 0);
}

/* Refuses a peer past max_clients; logs once per episode. */
static void refuse_full(struct rpc_server *s, int fd)
{
	_cleanup_free_ char *msg = xasprintf(
		"connection refused: too many clients (max_clients %u)",
		s->lim.max_clients);

	if (!s->full_episode)
		log_warn("max_clients %u reached: refusing new clients",
			 s->lim.max_clients);
	s->full_episode = true;
	s->n_refused++;
	refuse(fd, msg);
}

static void episodes_end(struct rpc_server *s)
{
	if (s->full_episode && s->n_clients < s->lim.max_clients) {
		log_info("accepting clients again (%lu refused)", s->n_refused);
		s->full_episode = false;
		s->n_refused = 0;
	}
	if (s->fd_episode) {
		log_info("accepting clients again: a descriptor is free");
		s->fd_episode = false;
	}
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct listener *ls = opaque;
	struct rpc_server *s = ls->srv;

	for (;;) {
		int cfd = accept4(ls->fd, NULL, NULL,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				accept_pause(ls, errno);
			else if (errno != EAGAIN)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		if (ls->path && !peer_allowed(ls, cfd)) {
			refuse(cfd, "permission denied");
			continue;
		}
		if (s->n_clients >= s->lim.max_clients) {
			refuse_full(s, cfd);
			continue;
		}
		episodes_end(s);
		client_add(ls, cfd);
	}
}

static int bind_unix(int fd, const char *path, mode_t mode, struct err **e)
{
	struct sockaddr_un sa;
	mode_t old;
	int r;

	if (sock_unix_addr(&sa, path, "daemon socket", e) < 0)
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys(e, errno, "removing old socket '%s'", path);
	/* Nobody may connect between bind() and chmod(). */
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return err_sys(e, errno, "binding '%s'", path);
	if (chmod(path, mode) < 0)
		return err_sys(e, errno, "chmod '%s'", path);
	return 0;
}

static int listen_unix(const struct rpc_unix_listen *o, struct err **e)
{
	_cleanup_close_ int fd = -1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "creating a socket");
	if (bind_unix(fd, o->path, o->mode, e) < 0)
		return -EIO;
	if (o->gid != (gid_t)-1 && chown(o->path, (uid_t)-1, o->gid) < 0) {
		err_sys(e, errno, "setting the group of '%s' to %u", o->path,
			(unsigned)o->gid);
		unlink(o->path);
		return -EIO;
	}
	if (listen(fd, 128) < 0) {
		err_sys(e, errno, "listening on '%s'", o->path);
		unlink(o->path);
		return -EIO;
	}
	return steal_fd(fd);
}

static void listener_free(struct rpc_server *s, struct listener *ls)
{
	loop_source_del(s->loop, ls->src);
	close_safe(ls->fd);
	if (ls->path)
		unlink(ls->path);
	free(ls->path);
	free(ls->name);
	free(ls);
}

int rpc_server_listen_unix(struct rpc_server *s,
			   const struct rpc_unix_listen *o, struct err **e)
{
	struct listener *ls = xcalloc(1, sizeof(*ls));

	ls->srv = s;
	ls->mode = o->mode & 0777;
	ls->owner = o->owner;
	ls->gid = o->gid;
	ls->read_only = o->read_only;
	ls->fd = listen_unix(o, e);
	if (ls->fd < 0) {
		free(ls);
		return -EIO;
	}
	ls->path = xstrdup(o->path);
	ls->name = xstrdup(o->path);
	return listener_add(s, ls, e);
}

static int listener_add(struct rpc_server *s, struct listener *ls,
			struct err **e)
{
	ls->src = loop_fd_add(s->loop, ls->fd, s->accept_paused ? 0 : EPOLLIN,
			      on_accept, ls, e);
	if (!ls->src) {
		listener_free(s, ls);
		return -EIO;
	}
	s->listeners = xrealloc(s->listeners,
				(s->n_listeners + 1) * sizeof(*s->listeners));
	s->listeners[s->n_listeners++] = ls;
	return 0;
}

/* A listening TCP socket on @addr (NULL: any) and @port. */
static int listen_tcp(const char *addr, unsigned port, struct err **e)
{
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST |
					     AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	char serv[16];
	_cleanup_close_ int fd = -1;
	int r, one = 1;

	snprintf(serv, sizeof(serv), "%u", port);
	r = getaddrinfo(addr, serv, &hints, &ai);
	if (r)
		return err_set(e, EINVAL, "listen_addr '%s': %s",
			       addr ? addr : "", gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	r = 0;
	if (fd < 0)
		r = err_sys(e, errno, "creating a TCP socket");
	else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) <
			 0 ||
		 bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
		 listen(fd, 128) < 0)
		r = err_sys(e, errno, "listening on %s port %u",
			    addr ? addr : "any address", port);
	freeaddrinfo(ai);
	return r < 0 ? r : steal_fd(fd);
}

int rpc_server_listen_tls(struct rpc_server *s, const char *addr, unsigned port,
			  struct tls_server *tls, unsigned handshake_timeout_s,
			  struct err **e)
{
	struct listener *ls = xcalloc(1, sizeof(*ls));

	ls->srv = s;
	ls->tls = tls;
	ls->handshake_timeout_s =
		handshake_timeout_s ? handshake_timeout_s : 10;
	ls->fd = listen_tcp(addr, port, e);
	if (ls->fd < 0) {
		free(ls);
		return -EIO;
	}
	ls->name = xasprintf("%s:%u", addr ? addr : "*", port);
	return listener_add(s, ls, e);
}

static void limits_default(struct rpc_limits *lim)
{
	if (!lim->max_clients)
		lim->max_clients = RPC_DEFAULT_MAX_CLIENTS;
	if (!lim->idle_timeout_s)
		lim->idle_timeout_s = RPC_DEFAULT_IDLE_TIMEOUT;
	if (!lim->request_timeout_s)
		lim->request_timeout_s = RPC_DEFAULT_REQUEST_TIMEOUT;
	if (!lim->max_client_mem)
		lim->max_client_mem = RPC_DEFAULT_CLIENT_MEM;
	lim->max_client_mem = MAX(lim->max_client_mem, RPC_MIN_CLIENT_MEM);
}

struct rpc_server *rpc_server_new(struct loop *l,
				  const struct rpc_method *methods,
				  size_t n_methods, void *opaque,
				  const struct rpc_limits *lim, struct err **e)
{
	struct rpc_server *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->opaque = opaque;
	rpc_server_add_methods(s, methods, n_methods);
	if (lim)
		s->lim = *lim;
	limits_default(&s->lim);
	s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->sweep = loop_timer_add(l, SWEEP_NS, SWEEP_NS, on_sweep, s, e);
	if (!s->sweep) {
		close_safe(s->reserve_fd);
		free(s);
		return NULL;
	}
	return s;
}

void rpc_server_free(struct rpc_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	for (size_t i = 0; i < s->n_listeners; i++)
		listener_free(s, s->listeners[i]);
	free(s->listeners);
	loop_source_del(s->loop, s->sweep);
	close_safe(s->reserve_fd);
	free(s->tables);
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

void rpc_server_keep_current(struct rpc_server *s)
{
	if (s->current)
		s->current->keep = true;
}

void rpc_call_done(struct rpc_call *call, int r, struct json_object *result,
		   const struct err *e)
{
	_cleanup_err_ struct err *se = NULL; /* the stream's open() error */
	struct client *c;
	char *line;
	size_t len;

	if (!call) {
		json_object_put(result);
		return;
	}
	c = call->client;
	if (c && c->stream) {
		int sr = stream_answer(c, r, result, &se);

		if (sr < 0 && r >= 0) {
			r = sr;
			e = se;
		}
	}
	if (c && call->id && r < 0) {
		queue_fail(c, call->id, r, e);
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
	c->active = now_s();
	stream_opened(c);
	client_update(c);
}

void rpc_call_notify(struct rpc_call *call, const char *method,
		     struct json_object *params)
{
	if (call && call->client)
		rpc_conn_notify((struct rpc_conn *)call->client, method,
				params);
}

void rpc_server_add_methods(struct rpc_server *s,
			    const struct rpc_method *methods, size_t n)
{
	s->tables =
		xreallocarray(s->tables, s->n_tables + 1, sizeof(*s->tables));
	s->tables[s->n_tables++] = (struct method_table){methods, n};
}

size_t rpc_server_clients(const struct rpc_server *s)
{
	return s->n_clients;
}

/* Connections as methods keep them: notifications (rpc.h). */

struct rpc_conn *rpc_server_conn_current(struct rpc_server *s)
{
	return (struct rpc_conn *)s->current;
}

void rpc_conn_on_close(struct rpc_conn *conn,
		       void (*fn)(void *opaque, struct rpc_conn *conn),
		       void *opaque)
{
	struct client *c = (struct client *)conn;

	c->on_close = fn;
	c->on_close_opaque = opaque;
}

void rpc_conn_notify(struct rpc_conn *conn, const char *method,
		     struct json_object *params)
{
	struct client *c = (struct client *)conn;
	_cleanup_json_ struct json_object *o = NULL;
	char *line;
	size_t len;

	if (c->dropped || c->closing || c->stream)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "params", json_object_get(params));
	line = json_encode_line(o, &len);
	line = xrealloc(line, len + 1);
	line[len++] = '\n';
	queue(c, line, len); /* at the cap: dropped, and told why */
	/* A method of this client is running: on_client updates it. */
	if (c != c->srv->current)
		client_update(c);
}

/*
 * Streams (rpc.h). An armed stream waits for its call's answer; it is
 * open once the success answer is queued: from then on on_client hands
 * the connection to on_stream, c->in holds the client's bytes the owner
 * has not taken (at most RPC_STREAM_BUF) and c->out the owner's bytes
 * the client has not taken (at most RPC_STREAM_BUF).
 */
struct rpc_stream {
	struct client *c;
	const struct rpc_stream_ops *ops;
	void *opaque;
	bool ready;	  /* its call succeeded: open once answered */
	bool open;	  /* raw bytes both ways */
	bool in_blocked;  /* the owner took less than it was given */
	bool out_blocked; /* the owner waits for output_ready */
	/* rpc_stream_splice_input(): the next @splice_left bytes of input
	 * go to @splice_fd at @splice_off, through @pipe (-1: none yet) */
	int pipe[2];
	int splice_fd;
	uint64_t splice_off, splice_left;
};

static void stream_free(struct rpc_stream *st)
{
	close_safe(st->pipe[0]);
	close_safe(st->pipe[1]);
	free(st);
}

static bool stream_open(const struct client *c)
{
	return c->stream && c->stream->open;
}

/* The owner waits for the client to take what was sent: a client that
 * does not is stalled, even when nothing is queued here (sendfile). */
static bool stream_waits_client(const struct client *c)
{
	return stream_open(c) && c->stream->out_blocked;
}

/* The owner hears that the stream is over (unless it closed it). */
static void stream_end(struct client *c)
{
	struct rpc_stream *st = steal_ptr(c->stream);

	st->ops->closed(st->opaque);
	stream_free(st);
}

static void client_closing_hooks(struct client *c)
{
	void (*fn)(void *, struct rpc_conn *) = steal_ptr(c->on_close);

	if (fn)
		fn(c->on_close_opaque, (struct rpc_conn *)c);
	if (c->stream)
		stream_end(c);
}

/*
 * The call that armed c->stream is answered with @r: on success the
 * owner's open() may still turn it into an error; on an error the
 * stream is over. Returns the answer's code.
 */
static int stream_answer(struct client *c, int r, struct json_object *result,
			 struct err **e)
{
	struct rpc_stream *st = c->stream;

	if (!st || st->open)
		return r;
	if (r >= 0 && st->ops->open(st->opaque, st, result, e) < 0)
		r = *e ? err_code(*e) : -EIO;
	if (r < 0)
		stream_end(c);
	else
		st->ready = true;
	return r;
}

/* The success answer is queued: the bytes that follow are the stream's. */
static void stream_opened(struct client *c)
{
	struct rpc_stream *st = c->stream;

	if (!st || !st->ready || st->open)
		return;
	st->open = true;
	c->keep = true; /* a quiet console is not an idle client */
	if (c->in_cap < RPC_STREAM_BUF) {
		c->in_cap = RPC_STREAM_BUF;
		c->in = xrealloc(c->in, c->in_cap);
	}
	c->kick = true; /* input already read goes to the owner */
}

/* Hands the owner what the client sent, as much as it takes. */
static void stream_feed(struct client *c)
{
	struct rpc_stream *st = c->stream;
	size_t n;

	if (!st || !c->in_len || st->in_blocked)
		return;
	n = MIN(st->ops->input(st->opaque, c->in, c->in_len), c->in_len);
	if (n < c->in_len)
		st->in_blocked = true;
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static void stream_update(struct client *c)
{
	bool room = c->in_len < RPC_STREAM_BUF;
	uint32_t ev = room ? EPOLLIN : 0;

	/* an owner waiting for room hears of it from on_stream, even when
	 * what it queued went out in the same round */
	if (c->out_off < c->out_len || c->kick || (room && tls_readable(c)) ||
	    (c->stream && c->stream->out_blocked))
		ev |= EPOLLOUT;
	loop_fd_modify(c->srv->loop, c->src, ev);
}

/* @n bytes in the pipe @p into @fd at @off; on a failure the rest is
 * read and dropped (the pipe is left empty). Returns 0 or -errno. */
static int splice_drain(int p, int fd, off_t off, size_t n)
{
	char buf[16384];
	int r = 0;

	while (n > 0) {
		ssize_t m =
			r ? -1 : splice(p, NULL, fd, &off, n, SPLICE_F_MOVE);

		if (m == 0) { /* nothing written: a failure */
			errno = EIO;
			m = -1;
		}
		if (m < 0 && errno == EINTR && !r)
			continue;
		if (m < 0) { /* not spliced: read, and written unless failed */
			if (!r && errno != EINVAL)
				r = -errno;
			if ((m = read(p, buf, MIN(n, sizeof(buf)))) <= 0)
				return r ? r : -EIO;
			if (!r && pwrite_full(fd, buf, (size_t)m, off) < 0)
				r = -errno;
			off += m;
		}
		n -= (size_t)m;
	}
	return r;
}

/* Input straight to the owner's file (rpc_stream_splice_input()).
 * Returns 0, -1 when the client is gone (freed), 1 when the socket
 * cannot be spliced (the owner gets the bytes as input). */
static int stream_splice(struct client *c)
{
	struct rpc_stream *st = c->stream;
	ssize_t k =
		splice(c->fd, NULL, st->pipe[1], NULL,
		       (size_t)MIN(st->splice_left, (uint64_t)RPC_SPLICE_PIPE),
		       SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	int r;

	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (k < 0 && (errno == EINVAL || errno == ENOSYS)) {
		st->splice_left = 0;
		return 1;
	}
	if (k <= 0) { /* the client's end is over: so is the stream */
		client_free(c);
		return -1;
	}
	c->active = now_s();
	r = splice_drain(st->pipe[0], st->splice_fd, (off_t)st->splice_off,
			 (size_t)k);
	st->splice_off += (uint64_t)k;
	st->splice_left = r < 0 ? 0 : st->splice_left - (uint64_t)k;
	st->ops->spliced(st->opaque, (size_t)k, r);
	return 0;
}

/* Returns 0, or -1 when the client is gone (freed). */
static int stream_read(struct client *c)
{
	ssize_t n;

	if (c->stream && c->stream->splice_left && !c->in_len &&
	    (n = stream_splice(c)) <= 0)
		return (int)n;
	if (c->in_len >= RPC_STREAM_BUF)
		return 0;
	n = client_recv(c, c->in + c->in_len, RPC_STREAM_BUF - c->in_len);
	if (n == -EAGAIN || n == -EINTR)
		return 0;
	if (n <= 0) { /* the client's end is over: so is the stream */
		client_free(c);
		return -1;
	}
	c->in_len += (size_t)n;
	c->active = now_s();
	stream_feed(c);
	return 0;
}

static void on_stream(struct client *c, uint32_t events)
{
	struct rpc_stream *st;

	c->in_handler = true;
	if ((events & EPOLLOUT) && client_write(c) < 0)
		return;
	stream_feed(c);
	if (((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || tls_readable(c)) &&
	    stream_read(c) < 0)
		return;
	st = c->stream;
	if (st && st->out_blocked && c->out_len - c->out_off < RPC_STREAM_BUF) {
		st->out_blocked = false;
		st->ops->output_ready(st->opaque); /* may close it */
	}
	c->in_handler = false;
	if (c->out_off < c->out_len && client_write(c) < 0)
		return;
	client_update(c);
}

int rpc_server_stream_current(struct rpc_server *s,
			      const struct rpc_stream_ops *ops, void *opaque,
			      struct err **e)
{
	struct client *c = s->current;
	struct rpc_stream *st;

	if (!c || c->stream || !s->current_req->id)
		return err_setk(e, ERR_INTERNAL_ERROR, EBUSY,
				"a stream needs a request with an id on a "
				"connection without one");
	st = xcalloc(1, sizeof(*st));
	st->c = c;
	st->ops = ops;
	st->opaque = opaque;
	st->pipe[0] = st->pipe[1] = -1;
	c->stream = st;
	return 0;
}

size_t rpc_stream_write(struct rpc_stream *st, const void *buf, size_t len)
{
	struct client *c = st->c;
	size_t queued = c->out_len - c->out_off;
	size_t n = queued >= RPC_STREAM_BUF ? 0
					    : MIN(len, RPC_STREAM_BUF - queued);

	if (n) {
		if (c->out_off)
			memmove(c->out, c->out + c->out_off, queued);
		c->out_off = 0;
		out_reserve(c, MAX(queued + n, (size_t)RPC_STREAM_BUF));
		memcpy(c->out + queued, buf, n);
		c->out_len = queued + n;
	}
	if (n < len)
		st->out_blocked = true;
	if ((n || st->out_blocked) && !c->in_handler)
		stream_update(c);
	return n;
}

/*
 * Sends what is queued now, without waiting (a plain socket only: a
 * TLS session's writes go through on_stream). A broken connection is
 * left to the loop, which sees it hang up.
 */
static void stream_flush(struct client *c)
{
	while (!c->tls && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		c->out_off += (size_t)n;
		c->active = now_s();
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

/* Up to @len bytes of @fd at @off read into c->out (at most
 * RPC_STREAM_BUF queued): what a TLS session sends. */
static ssize_t send_copy(struct client *c, int fd, uint64_t off, size_t len)
{
	size_t queued = c->out_len - c->out_off;
	size_t n = queued >= RPC_STREAM_BUF ? 0
					    : MIN(len, RPC_STREAM_BUF - queued);
	ssize_t k;

	if (!n)
		return 0;
	if (c->out_off)
		memmove(c->out, c->out + c->out_off, queued);
	c->out_off = 0;
	out_reserve(c, MAX(queued + n, (size_t)RPC_STREAM_BUF));
	k = pread_full(fd, c->out + queued, n, (off_t)off);
	if (k <= 0)
		return k < 0 ? k : -ENODATA;
	c->out_len = queued + (size_t)k;
	return k;
}

/* Up to @len bytes of @fd at @off straight to the socket (page cache to
 * socket, no copy through the daemon); -EINVAL where the file cannot be
 * spliced. */
static ssize_t send_direct(struct client *c, int fd, uint64_t off, size_t len)
{
	off_t o = (off_t)off;
	ssize_t k = sendfile(c->fd, fd, &o, len);

	if (k == 0)
		return -ENODATA; /* the file is shorter now */
	if (k < 0 && errno != EAGAIN && errno != EINTR && errno != EPIPE &&
	    errno != ECONNRESET)
		return -errno; /* reading the file failed */
	if (k > 0)
		c->active = now_s();
	return MAX(k, 0); /* a broken connection: the loop sees it */
}

ssize_t rpc_stream_send_file(struct rpc_stream *st, int fd, uint64_t off,
			     size_t len)
{
	struct client *c = st->c;
	ssize_t k;

	if (!len)
		return 0;
	stream_flush(c);
	if (c->tls)
		k = send_copy(c, fd, off, len);
	else if (c->out_off < c->out_len)
		k = 0; /* the socket is full: the file waits for room */
	else if ((k = send_direct(c, fd, off, len)) == -EINVAL || k == -ENOSYS)
		k = send_copy(c, fd, off, len);
	if (k < 0)
		return k;
	if ((size_t)k < len)
		st->out_blocked = true;
	if (!c->in_handler)
		stream_update(c);
	return k;
}

int rpc_stream_splice_input(struct rpc_stream *st, int fd, uint64_t off,
			    uint64_t len)
{
	if (st->c->tls || !st->ops->spliced)
		return -EOPNOTSUPP;
	if (st->pipe[0] < 0) {
		if (pipe2(st->pipe, O_CLOEXEC) < 0)
			return -errno;
		(void)fcntl(st->pipe[1], F_SETPIPE_SZ, RPC_SPLICE_PIPE);
	}
	st->splice_fd = fd;
	st->splice_off = off;
	st->splice_left = len;
	return 0;
}

void rpc_stream_input_ready(struct rpc_stream *st)
{
	struct client *c = st->c;

	st->in_blocked = false;
	c->kick = true; /* on_stream hands over what waits */
	if (!c->in_handler)
		stream_update(c);
}

void rpc_stream_close(struct rpc_stream *st)
{
	struct client *c = st->c;

	c->stream = NULL;
	stream_free(st);
	c->closing = true; /* flushes its output, then goes */
	c->in_len = 0;
	if (!c->in_handler)
		client_update(c);
}
