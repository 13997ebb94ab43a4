// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Notifications and byte streams of the RPC server (daemon/rpc.h): a
 * notification reaches its connection and a close hook runs when it
 * goes; a method upgrades its connection after its answer (now or
 * deferred), an error answer leaves it a JSON-RPC one; each direction
 * is bounded: an owner that takes no input stops the reads of the
 * client, and output is taken only up to RPC_STREAM_BUF until the
 * client reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "daemon/rpc.h"
#include "lib/loop.h"
#include "test.h"

struct owner {
	struct rpc_stream *st;
	bool take; /* input() takes what it is given */
	char in[1 << 20];
	size_t in_len;
	size_t largest_offer; /* the most input() was given at once */
	int opened, closed, ready;
	bool fail_open;
	size_t refill, sent; /* o_ready sends up to @refill bytes in all */
	int file;	     /* > 0: o_ready sends it with send_file */
	uint64_t file_off, file_end;
	ssize_t file_err; /* what send_file failed with */
	/* > 0: after its first input, the next @splice_len bytes go there */
	int splice_fd;
	uint64_t splice_len, spliced;
	bool splicing;
	int splice_err;
};

struct fixture {
	struct loop *loop;
	struct rpc_server *srv;
	struct rpc_call *parked;
	struct rpc_conn *conn;
	int hook_runs;
	struct owner own;
	char dir[64];
	char path[128];
};

static struct fixture fx;
static const struct rpc_limits *fx_limits; /* setup's; NULL: defaults */

static int o_open(void *opaque, struct rpc_stream *st,
		  struct json_object *result, struct err **e)
{
	struct owner *o = opaque;

	o->opened++;
	if (o->fail_open)
		return err_set(e, ENOENT, "nothing to stream");
	o->st = st;
	return 0;
}

static size_t o_input(void *opaque, const char *buf, size_t len)
{
	struct owner *o = opaque;
	size_t n = o->take ? MIN(len, sizeof(o->in) - o->in_len) : 0;

	o->largest_offer = MAX(o->largest_offer, len);
	memcpy(o->in + o->in_len, buf, n);
	o->in_len += n;
	if (o->splice_fd > 0 && !o->splicing && n == len) {
		o->splicing = true;
		if (rpc_stream_splice_input(o->st, o->splice_fd, 0,
					    o->splice_len) < 0)
			o->splice_err = -1;
	}
	return n;
}

static void o_spliced(void *opaque, size_t n, int err)
{
	struct owner *o = opaque;

	o->spliced += n;
	if (err)
		o->splice_err = err;
}

/* Writes what the stream takes, in chunks, up to o->refill in all. */
static void o_refill(struct owner *o)
{
	static const char chunk[16384];

	while (o->st && o->sent < o->refill) {
		size_t want = MIN(sizeof(chunk), o->refill - o->sent);
		size_t n = rpc_stream_write(o->st, chunk, want);

		o->sent += n;
		if (n < want)
			break;
	}
}

/* Sends o->file's [file_off, file_end) with send_file, as it takes. */
static void o_send_file(struct owner *o)
{
	while (o->st && o->file_off < o->file_end) {
		ssize_t k = rpc_stream_send_file(o->st, o->file, o->file_off,
						 o->file_end - o->file_off);

		if (k < 0) {
			o->file_err = k;
			return;
		}
		o->file_off += (uint64_t)k;
		if (!k)
			return;
	}
}

static void o_ready(void *opaque)
{
	struct owner *o = opaque;

	o->ready++;
	if (o->file > 0)
		o_send_file(o);
	else
		o_refill(o);
}

static void o_closed(void *opaque)
{
	struct owner *o = opaque;

	o->closed++;
	o->st = NULL;
}

static const struct rpc_stream_ops owner_ops = {o_open, o_input, o_ready,
						o_closed, o_spliced};

static int m_stream(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct fixture *f = opaque;

	if (rpc_server_stream_current(f->srv, &owner_ops, &f->own, e) < 0)
		return -EBUSY;
	if (json_object_object_get_ex(params, "later", NULL)) {
		f->parked = rpc_server_defer(f->srv);
		return RPC_DEFERRED;
	}
	if (json_object_object_get_ex(params, "fail", NULL))
		return err_set(e, EIO, "refused");
	*result = json_object_new_string("streaming");
	return 0;
}

static int m_fast(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	*result = json_object_new_string("fast");
	return 0;
}

static void on_hook(void *opaque, struct rpc_conn *conn)
{
	struct fixture *f = opaque;

	CHECK(conn == f->conn);
	f->hook_runs++;
}

static int m_watch(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct fixture *f = opaque;

	f->conn = rpc_server_conn_current(f->srv);
	rpc_conn_on_close(f->conn, on_hook, f);
	return 0;
}

static const struct rpc_method methods[] = {
	{"stream", m_stream},
	{"fast", m_fast},
	{"watch", m_watch},
};

static void setup(void)
{
	_cleanup_err_ struct err *e = NULL;

	memset(&fx, 0, sizeof(fx));
	fx.own.take = true;
	strcpy(fx.dir, "/tmp/nido-rpcst-XXXXXX");
	CHECK(mkdtemp(fx.dir) != NULL);
	snprintf(fx.path, sizeof(fx.path), "%s/s", fx.dir);
	fx.loop = loop_new(&e);
	fx.srv = rpc_server_new(fx.loop, methods, ARRAY_SIZE(methods), &fx,
				fx_limits, &e);
	CHECK(fx.srv != NULL);
	CHECK_INT_EQ(rpc_server_listen_unix(fx.srv,
					    &(struct rpc_unix_listen){
						    .path = fx.path,
						    .mode = 0600,
						    .owner = getuid(),
						    .gid = (gid_t)-1,
					    },
					    &e),
		     0);
}

static void teardown(void)
{
	rpc_server_free(fx.srv);
	loop_free(fx.loop);
	rmdir(fx.dir);
}

static int client(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, fx.path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_text(int fd, const char *text)
{
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
}

static void spin(void)
{
	for (int i = 0; i < 20; i++)
		loop_run_once(fx.loop, 5, NULL);
}

/* What arrived on @fd so far (NUL-terminated, static). */
static const char *received(int fd)
{
	static char buf[1 << 17];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void notify_and_close_hook(void)
{
	struct json_object *p = json_object_new_object();
	int a;

	setup();
	a = client();
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"watch\"}\n");
	spin();
	CHECK_STR_CONTAINS(received(a), "\"id\":1,\"result\":null");
	json_object_object_add(p, "n", json_object_new_int(3));
	rpc_conn_notify(fx.conn, "event", p);
	spin();
	CHECK_STR_EQ(received(a), "{\"jsonrpc\":\"2.0\",\"method\":\"event\","
				  "\"params\":{\"n\":3}}\n");
	close(a);
	spin();
	CHECK_INT_EQ(fx.hook_runs, 1);
	json_object_put(p);
	teardown();
}

static void stream_both_ways_then_client_closes(void)
{
	const char *got;
	int a;

	setup();
	a = client();
	/* The bytes after the request line are the stream's. */
	send_text(a,
		  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stream\"}\nabc");
	spin();
	CHECK_STR_EQ(received(a), "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
				  "\"streaming\"}\n");
	CHECK_INT_EQ(fx.own.opened, 1);
	send_text(a, "{\"not\":\"json-rpc\"}\n");
	spin();
	CHECK_INT_EQ((int)fx.own.in_len, 22);
	CHECK(memcmp(fx.own.in, "abc{\"not\":\"json-rpc\"}\n", 22) == 0);
	CHECK_INT_EQ((int)rpc_stream_write(fx.own.st, "xyz", 3), 3);
	spin();
	got = received(a);
	CHECK_STR_EQ(got, "xyz");
	close(a);
	spin();
	CHECK_INT_EQ(fx.own.closed, 1);
	CHECK_INT_EQ((int)rpc_server_clients(fx.srv), 0);
	teardown();
}

static void stream_refused_or_failed_stays_rpc(void)
{
	int a;

	setup();
	a = client();
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stream\","
		     "\"params\":{\"fail\":1}}\n");
	spin();
	CHECK_STR_CONTAINS(received(a), "\"message\":\"refused\"");
	CHECK_INT_EQ(fx.own.closed, 1);
	CHECK_INT_EQ(fx.own.opened, 0);
	fx.own.fail_open = true; /* the owner's open() fails the call */
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"stream\"}\n");
	spin();
	CHECK_STR_CONTAINS(received(a), "\"id\":2,\"error\":{\"code\":9,"
					"\"message\":\"nothing to stream\"");
	CHECK_INT_EQ(fx.own.closed, 2);
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"fast\"}\n");
	spin();
	CHECK_STR_CONTAINS(received(a), "\"id\":3,\"result\":\"fast\"");
	close(a);
	teardown();
}

static void stream_deferred_and_closed_by_owner(void)
{
	int a;

	setup();
	a = client();
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stream\","
		     "\"params\":{\"later\":1}}\nearly");
	spin();
	CHECK_STR_EQ(received(a), "");
	CHECK_INT_EQ(fx.own.opened, 0);
	rpc_call_done(steal_ptr(fx.parked), 0, json_object_new_int(1), NULL);
	spin();
	CHECK_STR_EQ(received(a),
		     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1}\n");
	CHECK_INT_EQ((int)fx.own.in_len, 5); /* "early" */
	rpc_stream_write(fx.own.st, "bye", 3);
	rpc_stream_close(steal_ptr(fx.own.st));
	spin();
	CHECK_STR_EQ(received(a), "bye");
	CHECK_STR_EQ(received(a), "");	/* then the end */
	CHECK_INT_EQ(fx.own.closed, 0); /* no callback after close */
	CHECK_INT_EQ((int)rpc_server_clients(fx.srv), 0);
	close(a);
	teardown();
}

/* Writes to @fd without blocking until it takes no more; the count. */
static size_t fill(int fd, size_t most)
{
	static char junk[4096];
	size_t total = 0;
	ssize_t n;

	while (total < most &&
	       (n = send(fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0) {
		total += (size_t)n;
		spin();
	}
	return total;
}

static void stream_bounded_both_ways(void)
{
	static char big[1 << 20];
	size_t sent, took;
	int a;

	setup();
	a = client();
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stream\"}\n");
	spin();
	received(a);
	/* An owner that takes nothing: the client is no longer read. */
	fx.own.take = false;
	sent = fill(a, sizeof(big));
	CHECK(sent < sizeof(big));
	CHECK(fx.own.largest_offer <= RPC_STREAM_BUF);
	fx.own.take = true;
	rpc_stream_input_ready(fx.own.st);
	spin();
	CHECK(fx.own.in_len > 0);
	/* Output: no more than RPC_STREAM_BUF is queued for the client. */
	took = rpc_stream_write(fx.own.st, big, sizeof(big));
	CHECK(took > 0 && took <= RPC_STREAM_BUF);
	CHECK_INT_EQ((int)rpc_stream_write(fx.own.st, big, 10), 0);
	CHECK_INT_EQ(fx.own.ready, 0);
	while (strlen(received(a)) > 0) /* the client reads: room again */
		spin();
	spin();
	CHECK(fx.own.ready >= 1);
	close(a);
	spin();
	teardown();
}

/*
 * An owner that sends from output_ready until it is full again (a file,
 * not a console): when what it queued goes out in the same round, it
 * must still hear of the room (it stalled after two buffers).
 */
static void stream_owner_sends_more_than_its_buffer(void)
{
	static char buf[1 << 16];
	size_t total = 0;
	ssize_t n;
	int a;

	setup();
	a = client();
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stream\"}\n");
	spin();
	CHECK_STR_CONTAINS(received(a), "streaming"); /* the answer */
	fx.own.refill = 1u << 20;
	o_refill(&fx.own);
	for (int i = 0; i < 5000 && total < fx.own.refill; i++) {
		loop_run_once(fx.loop, 5, NULL);
		while ((n = recv(a, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			total += (size_t)n;
	}
	CHECK_U64_EQ(total, fx.own.refill);
	close(a);
	spin();
	teardown();
}

/* A server, a file of @data for o_send_file, a client whose stream is
 * open (its answer not read yet): the client's fd, -1 on a failure. */
static int stream_with_file(const uint8_t *data, size_t len)
{
	char path[] = "/tmp/nido-rpcst-file-XXXXXX";
	int a;

	setup();
	fx.own.file = mkstemp(path);
	if (fx.own.file <= 0)
		return -1;
	unlink(path);
	if (write(fx.own.file, data, len) != (ssize_t)len)
		return -1;
	fx.own.file_end = len;
	a = client();
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stream\"}\n");
	spin();
	return a;
}

/*
 * A file sent with rpc_stream_send_file() (sendfile on a unix socket)
 * arrives whole, after what was queued before it, in order; a range
 * past the file's end is an error, not a wait.
 */
static void stream_send_file_in_order(void)
{
	static uint8_t data[3 << 20], got[sizeof(data) + 4096];
	size_t total = 0, answer;
	const char *nl;
	ssize_t n;
	int a;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 12));
	a = stream_with_file(data, sizeof(data));
	CHECK(a >= 0);
	/* the answer line, then "HDR", then the file from offset 5 */
	CHECK_INT_EQ((int)rpc_stream_write(fx.own.st, "HDR", 3), 3);
	fx.own.file_off = 5;
	o_send_file(&fx.own);
	for (int i = 0; i < 20000 && total < sizeof(got); i++) {
		loop_run_once(fx.loop, 1, NULL);
		while ((n = recv(a, got + total, sizeof(got) - total,
				 MSG_DONTWAIT)) > 0)
			total += (size_t)n;
		if (fx.own.file_off == fx.own.file_end &&
		    (nl = memchr(got, '\n', total)) &&
		    total == (size_t)(nl - (char *)got) + 1 + 3 + sizeof(data) -
				     5)
			break;
	}
	CHECK_INT_EQ((int)fx.own.file_err, 0);
	nl = memchr(got, '\n', total);
	CHECK(nl != NULL);
	if (!nl)
		return;
	answer = (size_t)(nl - (char *)got) + 1;
	CHECK_U64_EQ(total, answer + 3 + sizeof(data) - 5);
	CHECK(memcmp(got + answer, "HDR", 3) == 0);
	CHECK(memcmp(got + answer + 3, data + 5, sizeof(data) - 5) == 0);
	/* past the end: -ENODATA at once */
	CHECK_INT_EQ((int)rpc_stream_send_file(fx.own.st, fx.own.file,
					       sizeof(data), 10),
		     -ENODATA);
	close(fx.own.file);
	fx.own.file = 0;
	close(a);
	spin();
	teardown();
}

/*
 * A client that stops reading what send_file sends (nothing is queued
 * in the daemon: the socket is full) is stalled, and dropped after the
 * idle timeout as one that leaves queued output.
 */
static void stream_send_file_stalled_client_dropped(void)
{
	static const struct rpc_limits lim = {
		.max_clients = 8,
		.idle_timeout_s = 1,
		.request_timeout_s = 30,
		.max_client_mem = RPC_DEFAULT_CLIENT_MEM,
	};
	static uint8_t data[8 << 20];
	int a;

	fx_limits = &lim;
	a = stream_with_file(data, sizeof(data));
	CHECK(a >= 0);
	o_send_file(&fx.own);
	CHECK(fx.own.file_off < fx.own.file_end); /* the socket is full */
	for (int i = 0; i < 400 && !fx.own.closed; i++)
		loop_run_once(fx.loop, 10, NULL);
	CHECK_INT_EQ(fx.own.closed, 1);
	close(fx.own.file);
	fx.own.file = 0;
	fx_limits = NULL;
	close(a);
	spin();
	teardown();
}

/*
 * Input handed to a file (rpc_stream_splice_input()): after what the
 * owner took, exactly the bytes asked for go to the file, told to
 * ->spliced, and what follows them comes to ->input again.
 */
static void stream_splice_input_then_input_again(void)
{
	static uint8_t data[2 << 20], back[sizeof(data)];
	char path[] = "/tmp/nido-rpcst-in-XXXXXX";
	size_t sent = 0;
	int a;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + (i >> 10));
	setup();
	fx.own.splice_fd = mkstemp(path);
	CHECK(fx.own.splice_fd > 0);
	unlink(path);
	fx.own.splice_len = sizeof(data);
	a = client();
	send_text(a, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stream\"}\n");
	spin();
	CHECK_STR_CONTAINS(received(a), "streaming");
	send_text(a, "AB");
	spin();
	CHECK(fx.own.splicing);
	for (int i = 0; i < 20000 && sent < sizeof(data); i++) {
		ssize_t n =
			send(a, data + sent, sizeof(data) - sent, MSG_DONTWAIT);

		if (n > 0)
			sent += (size_t)n;
		loop_run_once(fx.loop, 1, NULL);
	}
	send_text(a, "TAIL");
	for (int i = 0; i < 2000 && fx.own.in_len < 6; i++)
		loop_run_once(fx.loop, 1, NULL);
	CHECK_U64_EQ(fx.own.spliced, sizeof(data));
	CHECK_INT_EQ(fx.own.splice_err, 0);
	CHECK_U64_EQ(fx.own.in_len, 6);
	CHECK(memcmp(fx.own.in, "ABTAIL", 6) == 0);
	CHECK(pread(fx.own.splice_fd, back, sizeof(back), 0) ==
	      (ssize_t)sizeof(back));
	CHECK(memcmp(back, data, sizeof(data)) == 0);
	close(fx.own.splice_fd);
	close(a);
	spin();
	teardown();
}

int main(void)
{
	RUN(notify_and_close_hook);
	RUN(stream_both_ways_then_client_closes);
	RUN(stream_refused_or_failed_stays_rpc);
	RUN(stream_deferred_and_closed_by_owner);
	RUN(stream_bounded_both_ways);
	RUN(stream_owner_sends_more_than_its_buffer);
	RUN(stream_send_file_in_order);
	RUN(stream_send_file_stalled_client_dropped);
	RUN(stream_splice_input_then_input_again);
	return test_done();
}
