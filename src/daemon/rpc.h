/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nidod's JSON-RPC 2.0 server (docs/api.md): one request per line on a
 * unix stream socket, answered in order on the same connection (a method
 * may answer later: rpc_server_defer; the connection's next requests wait
 * for it, other connections do not). Peers are
 * checked with SO_PEERCRED. Everything a client sends is untrusted: a
 * line is at most RPC_MAX_REQUEST bytes, a bad request gets an error
 * response, and no client can stop the server from serving the others.
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
/* Most clients connected at once; more are refused with an error. */
#define RPC_MAX_CLIENTS 1024

/* JSON-RPC 2.0 error codes. */
#define RPC_PARSE_ERROR	     -32700
#define RPC_INVALID_REQUEST  -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS   -32602
#define RPC_INTERNAL_ERROR   -32603

/*
 * A method: fills *@result (a new reference; NULL means JSON null) and
 * returns 0, or returns -errno with @e filled. @params is borrowed and is
 * an object (an absent "params" is passed as an empty object). The
 * error response carries the errno (positive) as its code and the
 * message of @e (docs/api.md).
 */
typedef int (*rpc_method_fn)(void *opaque, struct json_object *params,
			     struct json_object **result, struct err **e);

/*
 * Returned by a method that took its call with rpc_server_defer() and
 * answers it later with rpc_call_done().
 */
#define RPC_DEFERRED 1

struct rpc_method {
	const char *name;
	rpc_method_fn fn;
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
 * Listens on @path (an existing socket file is replaced) with mode 0600
 * and accepts peers whose uid is 0 or @uid. @methods (sorted or not;
 * borrowed, must outlive the server) are called with @opaque.
 * Returns the server, or NULL with @e filled.
 */
struct rpc_server *rpc_server_new(struct loop *l, const char *path, uid_t uid,
				  const struct rpc_method *methods,
				  size_t n_methods, void *opaque,
				  struct err **e);

/* Disconnects every client, closes and unlinks the socket; accepts NULL. */
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

/* Number of connected clients (for tests and the daemon's status). */
size_t rpc_server_clients(const struct rpc_server *s);

#endif
