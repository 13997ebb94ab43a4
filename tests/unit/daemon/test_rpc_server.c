// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The RPC server's deferred calls (daemon/rpc.h): a call answered later
 * holds back its own connection's next requests, not other connections;
 * a client that goes away before the answer harms nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "daemon/rpc.h"
#include "lib/loop.h"
#include "test.h"

struct fixture {
	struct loop *loop;
	struct rpc_server *srv;
	struct rpc_call *parked;
	char dir[64];
	char path[128];
};

static struct fixture fx;

static int m_slow(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct fixture *f = opaque;

	f->parked = rpc_server_defer(f->srv);
	return f->parked ? RPC_DEFERRED : err_set(e, EIO, "no call");
}

static int m_fast(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	*result = json_object_new_string("fast");
	return 0;
}

static const struct rpc_method methods[] = {
	{"slow", m_slow},
	{"fast", m_fast},
};

static void setup(void)
{
	_cleanup_err_ struct err *e = NULL;

	memset(&fx, 0, sizeof(fx));
	strcpy(fx.dir, "/tmp/nido-rpc-XXXXXX");
	CHECK(mkdtemp(fx.dir) != NULL);
	snprintf(fx.path, sizeof(fx.path), "%s/s", fx.dir);
	fx.loop = loop_new(&e);
	CHECK(fx.loop != NULL);
	fx.srv = rpc_server_new(fx.loop, methods, ARRAY_SIZE(methods), &fx,
				NULL, &e);
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

static void send_req(int fd, int id, const char *method)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf),
			 "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\"}\n",
			 id, method);

	CHECK(write(fd, buf, (size_t)n) == n);
}

static void spin(void)
{
	for (int i = 0; i < 20; i++)
		loop_run_once(fx.loop, 10, NULL);
}

/* What arrived on @fd so far (NUL-terminated, static). */
static const char *received(int fd)
{
	static char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void rpc_deferred_call_blocks_only_its_connection(void)
{
	int a, b;
	const char *got;

	setup();
	a = client();
	b = client();
	CHECK(a >= 0 && b >= 0);
	send_req(a, 1, "slow");
	send_req(a, 2, "fast");
	spin();
	send_req(b, 3, "fast");
	spin();
	CHECK_STR_CONTAINS(received(b), "\"id\":3");
	CHECK_STR_EQ(received(a), "");
	CHECK(fx.parked != NULL);
	rpc_call_done(steal_ptr(fx.parked), 0, json_object_new_int(7), NULL);
	spin();
	got = received(a);
	CHECK_STR_CONTAINS(got, "\"id\":1,\"result\":7");
	CHECK(strstr(got, "\"id\":1") < strstr(got, "\"id\":2"));
	close(a);
	close(b);
	teardown();
}

static void rpc_deferred_error_and_gone_client(void)
{
	_cleanup_err_ struct err *e = NULL;
	int a;

	setup();
	a = client();
	send_req(a, 5, "slow");
	spin();
	err_setk(&e, ERR_RESOURCE_BUSY, EBUSY, "domain 'x' is slow");
	rpc_call_done(steal_ptr(fx.parked), -EBUSY, NULL, e);
	spin();
	/* The code is the kind; the errno and the kind's name in data. */
	CHECK_STR_CONTAINS(
		received(a),
		"\"code\":87,\"message\":\"domain 'x' is slow\","
		"\"data\":{\"errno\":16,\"name\":\"resource-busy\"}");
	/* Hung up while its call is pending: answered into the void. */
	send_req(a, 6, "slow");
	spin();
	close(a);
	spin();
	CHECK_INT_EQ((int)rpc_server_clients(fx.srv), 0);
	rpc_call_done(steal_ptr(fx.parked), 0, NULL, NULL);
	/* Parked when the server goes: answered after it is freed. */
	a = client();
	send_req(a, 7, "slow");
	spin();
	teardown();
	rpc_call_done(steal_ptr(fx.parked), 0, NULL, NULL);
	close(a);
}

int main(void)
{
	RUN(rpc_deferred_call_blocks_only_its_connection);
	RUN(rpc_deferred_error_and_gone_client);
	return test_done();
}
