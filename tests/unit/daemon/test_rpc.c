// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON-RPC request parser and response lines (daemon/rpc.h). */
#include "daemon/rpc.h"
#include "lib/json.h"
#include "test.h"

static int parse(const char *line, struct rpc_request *req,
		 struct json_object **id, struct err **e)
{
	return rpc_request_parse(line, strlen(line), req, id, e);
}

static void rpc_parses_a_request(void)
{
	struct rpc_request req;
	struct json_object *id = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"a.b\","
			   "\"params\":{\"x\":1}}",
			   &req, &id, &e),
		     0);
	CHECK_STR_EQ(req.method, "a.b");
	CHECK_INT_EQ(json_object_get_int(req.id), 3);
	CHECK(json_object_is_type(req.params, json_type_object));
	rpc_request_release(&req);
	json_object_put(id);
}

static void rpc_absent_params_are_an_empty_object(void)
{
	struct rpc_request req;
	struct json_object *id = NULL;

	CHECK_INT_EQ(
		parse("{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"m\"}",
		      &req, &id, NULL),
		0);
	CHECK_INT_EQ(json_object_object_length(req.params), 0);
	rpc_request_release(&req);
	json_object_put(id);
}

static void rpc_notification_has_no_id(void)
{
	struct rpc_request req;
	struct json_object *id = NULL;

	CHECK_INT_EQ(parse("{\"jsonrpc\":\"2.0\",\"method\":\"m\"}", &req, &id,
			   NULL),
		     0);
	CHECK(req.id == NULL);
	rpc_request_release(&req);
}

static void expect_error(const char *line, int code, const char *msg,
			 bool has_id)
{
	struct rpc_request req;
	struct json_object *id = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(parse(line, &req, &id, &e), code);
	CHECK_STR_CONTAINS(err_msg(e), msg);
	CHECK_INT_EQ(id != NULL, has_id);
	json_object_put(id);
}

static void rpc_bad_requests_are_refused(void)
{
	expect_error("nope", RPC_PARSE_ERROR, "invalid JSON", false);
	expect_error("{\"a\":1} x", RPC_PARSE_ERROR, "invalid JSON", false);
	expect_error("[]", RPC_INVALID_REQUEST, "JSON object", false);
	expect_error("null", RPC_INVALID_REQUEST, "JSON object", false);
	expect_error("{\"id\":1,\"method\":\"m\"}", RPC_INVALID_REQUEST,
		     "missing key 'jsonrpc'", true);
	expect_error("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"m\"}",
		     RPC_INVALID_REQUEST, "\"2.0\"", true);
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1}", RPC_INVALID_REQUEST,
		     "missing key 'method'", true);
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}",
		     RPC_INVALID_REQUEST, "1 to 64", true);
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"m\"}",
		     RPC_INVALID_REQUEST, "'id' must be", false);
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\","
		     "\"params\":[1]}",
		     RPC_INVALID_REQUEST, "'params' must be an object", true);
}

static void rpc_responses_are_one_line(void)
{
	struct json_object *id = json_object_new_int(5);
	struct json_object *res = json_object_new_string("a\nb");
	size_t len;
	char *line = rpc_response_result(id, res, &len);

	CHECK_STR_EQ(line,
		     "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":\"a\\nb\"}\n");
	CHECK_INT_EQ(len, strlen(line));
	free(line);
	line = rpc_response_error(NULL, -32700, "bad", &len);
	CHECK_STR_EQ(line, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
			   "{\"code\":-32700,\"message\":\"bad\"}}\n");
	free(line);
	json_object_put(id);
	json_object_put(res);
}

static void rpc_error_messages_are_valid_utf8(void)
{
	size_t len;
	char *line = rpc_response_error(NULL, 22, "domain '\xff\xc3\xa9\xc3' x",
					&len);

	CHECK_STR_CONTAINS(line, "domain '?\xc3\xa9?' x");
	free(line);
}

static void rpc_invalid_utf8_is_never_echoed(void)
{
	struct rpc_request req;
	struct json_object *id = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(parse("{\"jsonrpc\":\"2.0\",\"id\":\"a\xff\","
			   "\"method\":\"m\"}",
			   &req, &id, &e),
		     RPC_INVALID_REQUEST);
	CHECK(id == NULL);
	CHECK(strstr(err_msg(e), "UTF-8") != NULL);
}

int main(void)
{
	RUN(rpc_invalid_utf8_is_never_echoed);
	RUN(rpc_parses_a_request);
	RUN(rpc_absent_params_are_an_empty_object);
	RUN(rpc_notification_has_no_id);
	RUN(rpc_bad_requests_are_refused);
	RUN(rpc_responses_are_one_line);
	RUN(rpc_error_messages_are_valid_utf8);
	return test_done();
}
