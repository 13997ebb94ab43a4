// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON-RPC 2.0 request parsing and response lines (rpc.h). */
#include <errno.h>

#include "daemon/rpc.h"
#include "lib/json.h"

/* Longest method name accepted. */
#define METHOD_MAX 64

/* Length of the valid UTF-8 sequence at @s (@left bytes there), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_seq((const unsigned char *)s + i, len - i);
		if (n == 0)
			return false;
	}
	return true;
}

static bool id_valid(struct json_object *id)
{
	if (id && json_object_is_type(id, json_type_string))
		return utf8_valid(json_object_get_string(id),
				  (size_t)json_object_get_string_len(id));
	return !id || json_object_is_type(id, json_type_int);
}

static int check_version(struct json_object *root, struct err **e)
{
	struct json_object *v;

	if (!json_object_object_get_ex(root, "jsonrpc", &v))
		return err_set(e, EINVAL, "missing key 'jsonrpc'");
	if (!json_object_is_type(v, json_type_string) ||
	    !streq(json_object_get_string(v), "2.0"))
		return err_set(e, EINVAL, "key 'jsonrpc' must be \"2.0\"");
	return 0;
}

static int check_method(struct json_object *root, const char **method,
			struct err **e)
{
	size_t n;

	if (json_get_string(root, "method", method, e) < 0)
		return -EINVAL;
	n = strlen(*method);
	if (n == 0 || n > METHOD_MAX)
		return err_set(e, EINVAL,
			       "method name must be 1 to %d "
			       "characters",
			       METHOD_MAX);
	return 0;
}

static int take_params(struct json_object *root, struct rpc_request *req,
		       struct err **e)
{
	struct json_object *p;

	if (!json_object_object_get_ex(root, "params", &p) || !p) {
		req->params = json_object_new_object();
		req->own_params = true;
		return 0;
	}
	if (!json_object_is_type(p, json_type_object))
		return err_set(e, EINVAL, "'params' must be an object");
	req->params = p;
	return 0;
}

int rpc_request_parse(const char *line, size_t len, struct rpc_request *req,
		      struct json_object **id_out, struct err **e)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *id = NULL;

	memset(req, 0, sizeof(*req));
	*id_out = NULL;
	if (json_decode(line, len, &root, e) < 0)
		return RPC_PARSE_ERROR;
	if (!root || !json_object_is_type(root, json_type_object)) {
		err_set(e, EINVAL, "a request must be a JSON object");
		return RPC_INVALID_REQUEST;
	}
	/* JSON text is UTF-8 (RFC 8259): what is not could not be echoed. */
	if (!utf8_valid(line, len)) {
		err_set(e, EINVAL, "a request must be valid UTF-8");
		return RPC_INVALID_REQUEST;
	}
	json_object_object_get_ex(root, "id", &id);
	if (!id_valid(id)) {
		err_set(e, EINVAL, "'id' must be an integer or a UTF-8 string");
		return RPC_INVALID_REQUEST;
	}
	*id_out = json_object_get(id);
	if (check_version(root, e) < 0 ||
	    check_method(root, &req->method, e) < 0 ||
	    take_params(root, req, e) < 0)
		return RPC_INVALID_REQUEST;
	req->id = id;
	req->root = steal_ptr(root);
	return 0;
}

void rpc_request_release(struct rpc_request *req)
{
	if (req->own_params)
		json_object_put(req->params);
	json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

static char *finish(struct json_object *resp, size_t *len)
{
	size_t n;
	char *line = json_encode_line(resp, &n);

	json_object_put(resp);
	line = xrealloc(line, n + 2);
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

static struct json_object *envelope(struct json_object *id)
{
	struct json_object *resp = json_object_new_object();

	json_object_object_add(resp, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(resp, "id", json_object_get(id));
	return resp;
}

char *rpc_response_result(struct json_object *id, struct json_object *result,
			  size_t *len)
{
	struct json_object *resp = envelope(id);

	json_object_object_add(resp, "result", json_object_get(result));
	return finish(resp, len);
}

/*
 * Messages quote what clients sent; JSON text must be UTF-8, so invalid
 * bytes become '?'. Returns a malloc'ed copy.
 */
static char *utf8_clean(const char *msg)
{
	char *out = xstrdup(msg);
	size_t len = strlen(out);

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq((const unsigned char *)out + i, len - i);

		if (n == 0) {
			out[i++] = '?';
			continue;
		}
		i += n;
	}
	return out;
}

char *rpc_response_error(struct json_object *id, int code, const char *msg,
			 size_t *len)
{
	struct json_object *resp = envelope(id);
	struct json_object *err = json_object_new_object();
	_cleanup_free_ char *clean = utf8_clean(msg);

	json_object_object_add(err, "code", json_object_new_int(code));
	json_object_object_add(err, "message", json_object_new_string(clean));
	json_object_object_add(resp, "error", err);
	return finish(resp, len);
}

char *rpc_response_fail(struct json_object *id, int r, const struct err *e,
			size_t *len)
{
	struct json_object *resp = envelope(id);
	struct json_object *err = json_object_new_object();
	struct json_object *data = json_object_new_object();
	struct err fallback = {.code = r < 0 ? -r : EIO, .kind = ERR_NONE};
	_cleanup_free_ char *clean = NULL;
	enum err_kind kind;
	const char *name;

	if (!e) {
		fallback.msg = (char *)strerror(fallback.code);
		e = &fallback;
	}
	kind = err_kind(e);
	name = err_kind_name(kind);
	clean = utf8_clean(err_msg(e));
	json_object_object_add(err, "code", json_object_new_int(kind));
	json_object_object_add(err, "message", json_object_new_string(clean));
	json_object_object_add(data, "errno", json_object_new_int(e->code));
	if (name)
		json_object_object_add(data, "name",
				       json_object_new_string(name));
	json_object_object_add(err, "data", data);
	json_object_object_add(resp, "error", err);
	return finish(resp, len);
}
