/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nidod's JSON-RPC 2.0 server (docs/api.md): one request per line on
 * stream sockets, answered in order on the same connection (a method may
 * answer later: rpc_server_defer; the connection's next requests wait
 * for it, other connections do not). Unix peers are checked with
 * SO_PEERCRED. Everything a client sends is untrusted: a line is at most
 * RPC_MAX_REQUEST bytes, a bad request gets an error response, a client
 * is bounded in memory and time (struct rpc_limits), and no client can
 * stop the server from serving the others. At the fd limit the server
 * stops accepting until a descriptor frees, without spinning.
 */
#ifndef NIDO_DAEMON_RPC_H
#define NIDO_DAEMON_RPC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "lib/err.h"

struct loop;
struct rpc_server;
struct rpc_call;

/* Longest request line accepted, newline included. */
#define RPC_MAX_REQUEST (1u << 20)

/*
 * What one server allows its clients (nidod.conf, docs/api.md). A zero
 * field takes the default below.
 */
struct rpc_limits {
	unsigned max_clients;	    /* more are refused, each told why */
	unsigned idle_timeout_s;    /* no request in progress, nothing sent */
	unsigned request_timeout_s; /* a request line left unfinished */
	size_t max_client_mem;	    /* input buffer + queued output */
};
#define RPC_DEFAULT_MAX_CLIENTS	    5000
#define RPC_DEFAULT_IDLE_TIMEOUT    120
#define RPC_DEFAULT_REQUEST_TIMEOUT 30
#define RPC_DEFAULT_CLIENT_MEM	    (16u << 20)
/* The memory cap must hold the longest request and a large answer. */
#define RPC_MIN_CLIENT_MEM (2 * RPC_MAX_REQUEST)

/* JSON-RPC 2.0 error codes (protocol errors; a method's failure has a
 * positive code: enum err_kind). */
#define RPC_PARSE_ERROR	     -32700
#define RPC_INVALID_REQUEST  -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS   -32602
#define RPC_INTERNAL_ERROR   -32603
/*
 * Server errors (JSON-RPC's -32000 to -32099 range), sent with id null
 * on the line before the server closes a connection: refused at accept
 * (too many clients, no file descriptor left, peer not allowed),
 * dropped (idle, request not finished in time, memory cap).
 */
#define RPC_CONN_REFUSED -32000
#define RPC_CONN_DROPPED -32001

/*
 * A method: fills *@result (a new reference; NULL means JSON null) and
 * returns 0, or returns -errno with @e filled. @params is borrowed and is
 * an object (an absent "params" is passed as an empty object). The
 * error response carries the kind of @e as its code, its errno and its
 * message (rpc_response_fail, docs/api.md).
 */
typedef int (*rpc_method_fn)(void *opaque, struct json_object *params,
			     struct json_object **result, struct err **e);

/*
 * Returned by a method that took its call with rpc_server_defer() and
 * answers it later with rpc_call_done().
 */
#define RPC_DEFERRED 1

/* rpc_method.flags */
#define RPC_READ_ONLY 1u /* changes nothing: served on read-only sockets */

struct rpc_method {
	const char *name;
	rpc_method_fn fn;
	unsigned flags;
};

/* A parsed request line. */
struct rpc_request {
	struct json_object *root;   /* owned: the whole request */
	struct json_object *id;	    /* borrowed from root; NULL: notification */
	const char *method;	    /* borrowed from root */
	struct json_object *params; /* borrowed or owned empty object */
	bool own_params;
};

/*
 * Parses one request line (without its newline). Returns 0 and fills
 * @req (release with rpc_request_release), or a negative JSON-RPC error
 * code (RPC_PARSE_ERROR, RPC_INVALID_REQUEST) with @e filled; then
 * *@id_out holds the request's id when one could be read (a new
 * reference, or NULL), so that the error can answer it.
 */
int rpc_request_parse(const char *line, size_t len, struct rpc_request *req,
		      struct json_object **id_out, struct err **e);
void rpc_request_release(struct rpc_request *req);

/* Response lines, newline-terminated, malloc'ed; @id is borrowed. */
char *rpc_response_result(struct json_object *id, struct json_object *result,
			  size_t *len);
char *rpc_response_error(struct json_object *id, int code, const char *msg,
			 size_t *len);
/*
 * The response of a method that failed with -errno @r and @e (NULL: the
 * message is strerror): "code" is err_kind(@e) (libvirt's error
 * numbers, lib/err.h), "data" has "errno" and the kind's "name".
 */
char *rpc_response_fail(struct json_object *id, int r, const struct err *e,
			size_t *len);

/*
 * A server with no listener yet: @methods (borrowed, must outlive the
 * server) are called with @opaque; @lim (copied; NULL: defaults) bounds
 * its clients. Returns the server, or NULL with @e filled.
 */
struct rpc_server *rpc_server_new(struct loop *l,
				  const struct rpc_method *methods,
				  size_t n_methods, void *opaque,
				  const struct rpc_limits *lim, struct err **e);

/*
 * A unix socket to listen on. The socket file (an existing one is
 * replaced) gets @mode and, when @gid is not (gid_t)-1, group @gid. A
 * peer (SO_PEERCRED) is accepted as the mode allows it: root and @owner
 * always, members of the socket's group when the mode gives the group
 * write access, anybody when it gives others write access. On a
 * @read_only socket only RPC_READ_ONLY methods are served; the others
 * get EACCES.
 */
struct rpc_unix_listen {
	const char *path;
	mode_t mode;
	uid_t owner;
	gid_t gid;
	bool read_only;
};

/* Listens as @o says (borrowed). Returns 0 or -errno with @e filled. */
int rpc_server_listen_unix(struct rpc_server *s,
			   const struct rpc_unix_listen *o, struct err **e);

/*
 * Listens on TCP @addr (numeric; NULL: any) @port with TLS: clients must
 * pass the checks of @tls (borrowed, must outlive the server) and get
 * full access; one whose certificate is refused is told why and closed;
 * one whose handshake takes over @handshake_timeout_s is closed. Returns
 * 0 or -errno with @e filled.
 */
struct tls_server;
int rpc_server_listen_tls(struct rpc_server *s, const char *addr, unsigned port,
			  struct tls_server *tls, unsigned handshake_timeout_s,
			  struct err **e);

/*
 * Adds a method table (one per object kind; borrowed, must outlive the
 * server), called with the server's opaque like the first.
 */
void rpc_server_add_methods(struct rpc_server *s,
			    const struct rpc_method *methods, size_t n);

/* Disconnects every client, closes and unlinks the sockets; accepts NULL. */
void rpc_server_free(struct rpc_server *s);

/*
 * Inside a method only: takes the call being handled, to be answered
 * later with rpc_call_done(); the method then returns RPC_DEFERRED.
 * Until then the connection's next requests wait; other connections are
 * served. The caller owns the call.
 */
struct rpc_call *rpc_server_defer(struct rpc_server *s);

/*
 * Answers and frees a deferred call (accepts NULL): with @result (a
 * reference taken over; NULL is JSON null) when @r >= 0, else with the
 * error -@r and the message of @e. When the client has gone (or the
 * server was freed), nothing is sent. Call from the loop's thread, not
 * from inside the method that deferred it.
 */
void rpc_call_done(struct rpc_call *call, int r, struct json_object *result,
		   const struct err *e);

/*
 * Queues a notification (as rpc_conn_notify) on the connection of the
 * deferred @call, if the client is still there: what a long call
 * reports while it runs (a volume copy's progress). Loop's thread.
 */
void rpc_call_notify(struct rpc_call *call, const char *method,
		     struct json_object *params);

/*
 * Inside a method only: the connection of the call being handled stays
 * open without sending anything (an event subscriber, a stream): the
 * idle timeout no longer applies to it. max_clients still does.
 */
void rpc_server_keep_current(struct rpc_server *s);

/*
 * A client connection as a method sees it, for what outlives the call:
 * notifications (events) sent to it later. Valid until its close hook
 * runs (the client left, was dropped, or the server was freed).
 */
struct rpc_conn;

/* Inside a method only: the connection of the call being handled. */
struct rpc_conn *rpc_server_conn_current(struct rpc_server *s);

/*
 * Sets the one close hook of @conn (NULL @fn: none): @fn(@opaque, @conn)
 * runs once when the connection goes, after which @conn is invalid.
 */
void rpc_conn_on_close(struct rpc_conn *conn,
		       void (*fn)(void *opaque, struct rpc_conn *conn),
		       void *opaque);

/*
 * Queues the notification {"jsonrpc":"2.0","method":@method,"params":
 * @params} (borrowed) on @conn, between whole response lines. Never
 * waits: a client that does not read is dropped at its memory cap
 * (rpc_limits.max_client_mem) like any client, and told why.
 */
void rpc_conn_notify(struct rpc_conn *conn, const char *method,
		     struct json_object *params);

/*
 * Byte streams (docs/api.md, "Streams"): a method upgrades its
 * connection, as HTTP's Upgrade does. Once the success answer to the
 * call is queued, the connection carries raw bytes both ways until
 * either end closes it; no JSON-RPC is read or sent on it any more. It
 * works on every transport (unix, TLS, and the SSH bridge, which is a
 * unix client). Each direction is bounded (RPC_STREAM_BUF): the owner
 * is told when it may write again, and reads of the client stop while
 * the owner takes no more input.
 */
struct rpc_stream;
#define RPC_STREAM_BUF (64u << 10)

struct rpc_stream_ops {
	/*
	 * The call is answered with success and @result (borrowed): the
	 * owner gets ready (it must not write yet). An error here answers
	 * the call with it instead; then ->closed follows.
	 */
	int (*open)(void *opaque, struct rpc_stream *st,
		    struct json_object *result, struct err **e);
	/*
	 * Bytes from the client: returns how many it took. Fewer than
	 * @len: it is full, and calls rpc_stream_input_ready() when it has
	 * room. Must not close the stream.
	 */
	size_t (*input)(void *opaque, const char *buf, size_t len);
	/* rpc_stream_write() took less than it was given: there is room
	 * again. */
	void (*output_ready)(void *opaque);
	/*
	 * The stream is over from the server's side: the client left, was
	 * dropped, the call failed, or the server is freed. The last call;
	 * @st is invalid afterwards. Not called after rpc_stream_close().
	 */
	void (*closed)(void *opaque);
	/*
	 * Optional (for rpc_stream_splice_input()): @n more bytes of input
	 * went into the owner's file; @err 0, or -errno when they could not
	 * be written (the rest of them then comes to ->input).
	 */
	void (*spliced)(void *opaque, size_t n, int err);
};

/*
 * Inside a method only: the current call's connection becomes a stream
 * once the call is answered with success, now (the method returns 0)
 * or later (it deferred the call). @ops must outlive the stream.
 * Returns 0, or -EBUSY with @e filled when the connection already has
 * a stream or is not a plain request's.
 */
int rpc_server_stream_current(struct rpc_server *s,
			      const struct rpc_stream_ops *ops, void *opaque,
			      struct err **e);

/* Queues up to @len bytes for the client; returns how many it took. */
size_t rpc_stream_write(struct rpc_stream *st, const void *buf, size_t len);

/*
 * Queues up to @len bytes of the file @fd from @off for the client,
 * after what is queued: on a unix socket straight from the file to the
 * socket (sendfile(2), without a copy through the daemon), on TLS read
 * into the connection's buffer. Returns how many it took; fewer than
 * @len: ->output_ready follows when there is room. -ENODATA when the
 * file ends before @off + @len, -errno when it cannot be read.
 */
ssize_t rpc_stream_send_file(struct rpc_stream *st, int fd, uint64_t off,
			     size_t len);

/*
 * From ->input only, once it took all it was given: the next @len bytes
 * of the client's input go straight into the file @fd at @off as they
 * arrive (splice(2) through a pipe, without a copy through the daemon),
 * each piece told to ->spliced; what follows them comes to ->input
 * again. Returns 0, or -errno when it cannot be done (a TLS session, an
 * owner without ->spliced, no pipe): the bytes then come to ->input.
 */
int rpc_stream_splice_input(struct rpc_stream *st, int fd, uint64_t off,
			    uint64_t len);

/* The owner has room for input again (after ->input took less). */
void rpc_stream_input_ready(struct rpc_stream *st);

/*
 * The owner's end is over: what is queued for the client is sent, then
 * the connection is closed. @st is invalid afterwards; no callback
 * follows.
 */
void rpc_stream_close(struct rpc_stream *st);

/* Number of connected clients (for tests and the daemon's status). */
size_t rpc_server_clients(const struct rpc_server *s);

#endif
