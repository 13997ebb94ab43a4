// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/json.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>

void cleanup_json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}

static int decode_error(const char *buf, size_t len, size_t offset,
			const char *why, struct err **e)
{
	size_t line = 1, col = 1, i;

	offset = MIN(offset, len);
	for (i = 0; i < offset; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return err_set(e, EINVAL,
		       "invalid JSON at line %zu, column %zu (offset %zu): %s",
		       line, col, offset, why);
}

/* Feeds @buf to @tok; json-c needs a NUL to end a number at the end. */
static struct json_object *tokenize(struct json_tokener *tok, const char *buf,
				    size_t len, size_t *end,
				    enum json_tokener_error *jerr)
{
	struct json_object *o = json_tokener_parse_ex(tok, buf, (int)len);

	*jerr = json_tokener_get_error(tok);
	*end = json_tokener_get_parse_end(tok);
	if (*jerr != json_tokener_continue)
		return o;
	o = json_tokener_parse_ex(tok, "", 1);
	*jerr = json_tokener_get_error(tok);
	*end = len;
	return o;
}

int json_decode(const char *buf, size_t len, struct json_object **out,
		struct err **e)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	if (!buf)
		buf = "";
	if (len > INT_MAX)
		return err_set(e, EINVAL, "invalid JSON: %zu bytes is too long",
			       len);
	tok = json_tokener_new();
	if (!tok)
		return err_set(e, ENOMEM, "parsing JSON: out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = tokenize(tok, buf, len, &end, &jerr);
	json_tokener_free(tok);
	if (jerr != json_tokener_success)
		return decode_error(buf, len, end,
				    json_tokener_error_desc(jerr), e);
	for (; end < len; end++) {
		if (!isspace((unsigned char)buf[end])) {
			json_object_put(o);
			return decode_error(buf, len, end,
					    "unexpected data after the value",
					    e);
		}
	}
	*out = o;
	return 0;
}

char *json_encode_line(struct json_object *o, size_t *len)
{
	const int flags =
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *s;
	size_t n = 0;
	char *line;

	s = json_object_to_json_string_length(o, flags, &n);
	line = xmalloc(n + 1);
	memcpy(line, s, n);
	line[n] = '\0';
	if (len)
		*len = n;
	return line;
}

static const char *type_desc(enum json_type type)
{
	switch (type) {
	case json_type_string:
		return "a string";
	case json_type_int:
		return "an integer";
	case json_type_boolean:
		return "true or false";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	default:
		return json_type_to_name(type);
	}
}

/*
 * Looks up @key in @obj and checks its type. Returns 1 with *@val set,
 * 0 when the key is missing or null and not @required, or -EINVAL.
 */
static int member(struct json_object *obj, const char *key, enum json_type type,
		  bool required, struct json_object **val, struct err **e)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(obj, json_type_object))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"expected a JSON object with key '%s'", key);
	if (!json_object_object_get_ex(obj, key, &v)) {
		if (required)
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"missing key '%s'", key);
		return 0;
	}
	if (!v && !required)
		return 0;
	if (!json_object_is_type(v, type))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"key '%s' must be %s", key, type_desc(type));
	*val = v;
	return 1;
}

static int get_string(struct json_object *obj, const char *key,
		      const char **out, bool required, struct err **e)
{
	struct json_object *v;
	int r = member(obj, key, json_type_string, required, &v, e);
	const char *s;

	if (r <= 0)
		return r;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"key '%s' must not contain NUL", key);
	*out = s;
	return 1;
}

static int get_int64(struct json_object *obj, const char *key, int64_t *out,
		     bool required, struct err **e)
{
	struct json_object *v;
	int r = member(obj, key, json_type_int, required, &v, e);
	int64_t i;

	if (r <= 0)
		return r;
	/* json-c keeps values above INT64_MAX as uint64 and clamps here. */
	i = json_object_get_int64(v);
	if (i == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)
		return err_setk(e, ERR_INVALID_ARG, ERANGE,
				"key '%s' is out of range", key);
	*out = i;
	return 1;
}

static int get_uint64(struct json_object *obj, const char *key, uint64_t *out,
		      bool required, struct err **e)
{
	struct json_object *v;
	int r = member(obj, key, json_type_int, required, &v, e);

	if (r <= 0)
		return r;
	if (json_object_get_int64(v) < 0)
		return err_setk(e, ERR_INVALID_ARG, ERANGE,
				"key '%s' must not be negative", key);
	*out = json_object_get_uint64(v);
	return 1;
}

static int get_bool(struct json_object *obj, const char *key, bool *out,
		    bool required, struct err **e)
{
	struct json_object *v;
	int r = member(obj, key, json_type_boolean, required, &v, e);

	if (r > 0)
		*out = json_object_get_boolean(v);
	return r;
}

static int get_typed(struct json_object *obj, const char *key,
		     enum json_type type, struct json_object **out,
		     bool required, struct err **e)
{
	struct json_object *v;
	int r = member(obj, key, type, required, &v, e);

	if (r > 0)
		*out = v;
	return r;
}

/* The required forms return 0 rather than 1 on success. */
static int required(int r)
{
	return r < 0 ? r : 0;
}

int json_get_string(struct json_object *obj, const char *key, const char **out,
		    struct err **e)
{
	return required(get_string(obj, key, out, true, e));
}

int json_get_int64(struct json_object *obj, const char *key, int64_t *out,
		   struct err **e)
{
	return required(get_int64(obj, key, out, true, e));
}

int json_get_uint64(struct json_object *obj, const char *key, uint64_t *out,
		    struct err **e)
{
	return required(get_uint64(obj, key, out, true, e));
}

int json_get_bool(struct json_object *obj, const char *key, bool *out,
		  struct err **e)
{
	return required(get_bool(obj, key, out, true, e));
}

int json_get_object(struct json_object *obj, const char *key,
		    struct json_object **out, struct err **e)
{
	return required(get_typed(obj, key, json_type_object, out, true, e));
}

int json_get_array(struct json_object *obj, const char *key,
		   struct json_object **out, struct err **e)
{
	return required(get_typed(obj, key, json_type_array, out, true, e));
}

int json_get_string_opt(struct json_object *obj, const char *key,
			const char **out, struct err **e)
{
	return get_string(obj, key, out, false, e);
}

int json_get_int64_opt(struct json_object *obj, const char *key, int64_t *out,
		       struct err **e)
{
	return get_int64(obj, key, out, false, e);
}

int json_get_uint64_opt(struct json_object *obj, const char *key, uint64_t *out,
			struct err **e)
{
	return get_uint64(obj, key, out, false, e);
}

int json_get_bool_opt(struct json_object *obj, const char *key, bool *out,
		      struct err **e)
{
	return get_bool(obj, key, out, false, e);
}

int json_get_object_opt(struct json_object *obj, const char *key,
			struct json_object **out, struct err **e)
{
	return get_typed(obj, key, json_type_object, out, false, e);
}

int json_get_array_opt(struct json_object *obj, const char *key,
		       struct json_object **out, struct err **e)
{
	return get_typed(obj, key, json_type_array, out, false, e);
}
