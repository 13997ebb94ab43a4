// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/json.h"
#include "test.h"

#include <errno.h>

static struct json_object *decode_ok(const char *text)
{
	struct json_object *o = NULL;

	if (json_decode(text, strlen(text), &o, NULL) < 0)
		return NULL;
	return o;
}

static void json_decode_values(void)
{
	_cleanup_json_ struct json_object *obj = decode_ok("{\"a\": [1, 2]}");
	_cleanup_json_ struct json_object *num = decode_ok(" 123 ");
	_cleanup_json_ struct json_object *num2 = decode_ok("123");
	_cleanup_json_ struct json_object *t = decode_ok("true\n");
	struct json_object *null = (void *)1; /* no cleanup: a sentinel */
	const char not_terminated[] = {'[', '7', ']', 'x'};
	_cleanup_json_ struct json_object *arr = NULL;

	CHECK(json_object_is_type(obj, json_type_object));
	CHECK_INT_EQ(json_object_get_int64(num), 123);
	CHECK_INT_EQ(json_object_get_int64(num2), 123);
	CHECK(json_object_get_boolean(t));
	CHECK_INT_EQ(json_decode("null", 4, &null, NULL), 0);
	CHECK(null == NULL);
	/* Only @len bytes count: no NUL needed. */
	CHECK_INT_EQ(json_decode(not_terminated, 3, &arr, NULL), 0);
	CHECK_INT_EQ(json_object_array_length(arr), 1);
}

static void check_bad(const char *text, const char *want)
{
	_cleanup_err_ struct err *e = NULL;
	struct json_object *o = (void *)1;

	CHECK_INT_EQ(json_decode(text, text ? strlen(text) : 0, &o, &e),
		     -EINVAL);
	CHECK_STR_EQ(err_msg(e), want);
	CHECK(o == (void *)1); /* untouched */
}

#define BAD(text, want)                                 \
	do {                                            \
		check_bad(text, want);                  \
		if (test_state) {                       \
			printf("# text: '%s'\n", text); \
			return;                         \
		}                                       \
	} while (0)

static void json_decode_errors_say_where(void)
{
	BAD("{\"a\":1} x", "invalid JSON at line 1, column 9 (offset 8): "
			   "unexpected character");
	BAD("{\"a\":1}{\"b\":2}", "invalid JSON at line 1, column 8 (offset "
				  "7): unexpected character");
	BAD("{\n  \"a\": 1,\n  \"b\" 2\n}",
	    "invalid JSON at line 3, column 7 (offset 18): "
	    "object property name separator ':' expected");
	BAD("[1,]", "invalid JSON at line 1, column 4 (offset 3): "
		    "unexpected character");
	BAD("{\"a\":", "invalid JSON at line 1, column 6 (offset 5): "
		       "unexpected end of data");
	BAD("", "invalid JSON at line 1, column 1 (offset 0): "
		"unexpected end of data");
	check_bad(NULL, "invalid JSON at line 1, column 1 (offset 0): "
			"unexpected end of data");
	BAD("  ", "invalid JSON at line 1, column 3 (offset 2): "
		  "unexpected end of data");
	BAD("tru", "invalid JSON at line 1, column 4 (offset 3): "
		   "unexpected end of data");
}

static void json_decode_refuses_nul_after_value(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct json_object *o = NULL;

	CHECK_INT_EQ(json_decode("{}\0junk", 7, &o, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "(offset 2)");
}

static void json_getters_required(void)
{
	_cleanup_json_ struct json_object *o = decode_ok(
		"{\"name\": \"web\", \"vcpus\": 4, \"mem\": "
		"18446744073709551615,"
		" \"neg\": -5, \"on\": true, \"disk\": {\"path\": \"/a\"},"
		" \"nets\": [1], \"nul\": null, \"f\": 1.0, \"s\": \"1\"}");
	struct json_object *disk = NULL, *nets = NULL;
	const char *name = NULL;
	int64_t vcpus = 0, neg = 0;
	uint64_t mem = 0;
	bool on = false;

	CHECK(o);
	CHECK_INT_EQ(json_get_string(o, "name", &name, NULL), 0);
	CHECK_STR_EQ(name, "web");
	CHECK_INT_EQ(json_get_int64(o, "vcpus", &vcpus, NULL), 0);
	CHECK_INT_EQ(vcpus, 4);
	CHECK_INT_EQ(json_get_int64(o, "neg", &neg, NULL), 0);
	CHECK_INT_EQ(neg, -5);
	CHECK_INT_EQ(json_get_uint64(o, "mem", &mem, NULL), 0);
	CHECK_U64_EQ(mem, UINT64_MAX);
	CHECK_INT_EQ(json_get_bool(o, "on", &on, NULL), 0);
	CHECK(on);
	CHECK_INT_EQ(json_get_object(o, "disk", &disk, NULL), 0);
	CHECK_INT_EQ(json_get_string(disk, "path", &name, NULL), 0);
	CHECK_STR_EQ(name, "/a");
	CHECK_INT_EQ(json_get_array(o, "nets", &nets, NULL), 0);
	CHECK_INT_EQ(json_object_array_length(nets), 1);
}

static void check_get_error(int r, struct err *e, int code, const char *want)
{
	CHECK_INT_EQ(r, code);
	CHECK_STR_EQ(err_msg(e), want);
}

static void json_getter_errors_name_the_key(void)
{
	_cleanup_json_ struct json_object *o = decode_ok(
		"{\"name\": 7, \"big\": 9223372036854775808, \"neg\": -1,"
		" \"nul\": null, \"f\": 1.0, \"s\": \"1\", \"z\": "
		"\"a\\u0000b\"}");
	_cleanup_json_ struct json_object *arr = decode_ok("[]");
	struct err *e = NULL;
	const char *s = NULL;
	struct json_object *sub;
	uint64_t u;
	int64_t i;
	bool b;

#define GET_ERR(call, code, want)                   \
	do {                                        \
		int _r = (call);                    \
		check_get_error(_r, e, code, want); \
		err_free(e);                        \
		e = NULL;                           \
		if (test_state)                     \
			return;                     \
	} while (0)

	CHECK(o && arr);
	GET_ERR(json_get_string(o, "nope", &s, &e), -EINVAL,
		"missing key 'nope'");
	GET_ERR(json_get_string(o, "name", &s, &e), -EINVAL,
		"key 'name' must be a string");
	GET_ERR(json_get_string(o, "nul", &s, &e), -EINVAL,
		"key 'nul' must be a string");
	GET_ERR(json_get_string(o, "z", &s, &e), -EINVAL,
		"key 'z' must not contain NUL");
	GET_ERR(json_get_int64(o, "big", &i, &e), -ERANGE,
		"key 'big' is out of range");
	GET_ERR(json_get_int64(o, "f", &i, &e), -EINVAL,
		"key 'f' must be an integer");
	GET_ERR(json_get_int64(o, "s", &i, &e), -EINVAL,
		"key 's' must be an integer");
	GET_ERR(json_get_uint64(o, "neg", &u, &e), -ERANGE,
		"key 'neg' must not be negative");
	GET_ERR(json_get_bool(o, "s", &b, &e), -EINVAL,
		"key 's' must be true or false");
	GET_ERR(json_get_object(o, "s", &sub, &e), -EINVAL,
		"key 's' must be an object");
	GET_ERR(json_get_array(o, "s", &sub, &e), -EINVAL,
		"key 's' must be an array");
	GET_ERR(json_get_string(arr, "x", &s, &e), -EINVAL,
		"expected a JSON object with key 'x'");
	GET_ERR(json_get_string(NULL, "x", &s, &e), -EINVAL,
		"expected a JSON object with key 'x'");
	/* Optional getters still check the type. */
	GET_ERR(json_get_string_opt(o, "name", &s, &e), -EINVAL,
		"key 'name' must be a string");
	GET_ERR(json_get_uint64_opt(o, "neg", &u, &e), -ERANGE,
		"key 'neg' must not be negative");
	CHECK(s == NULL);
#undef GET_ERR
}

static void json_optional_getters(void)
{
	_cleanup_json_ struct json_object *o =
		decode_ok("{\"s\": \"x\", \"i\": -2, \"u\": 3, \"b\": false,"
			  " \"o\": {}, \"a\": [], \"n\": null}");
	struct json_object *sub = NULL;
	const char *s = "default";
	int64_t i = 10;
	uint64_t u = 11;
	bool b = true;

	CHECK(o);
	/* Missing or null: 0, and the default stays. */
	CHECK_INT_EQ(json_get_string_opt(o, "missing", &s, NULL), 0);
	CHECK_INT_EQ(json_get_string_opt(o, "n", &s, NULL), 0);
	CHECK_STR_EQ(s, "default");
	CHECK_INT_EQ(json_get_int64_opt(o, "n", &i, NULL), 0);
	CHECK_INT_EQ(json_get_uint64_opt(o, "missing", &u, NULL), 0);
	CHECK_INT_EQ(json_get_bool_opt(o, "missing", &b, NULL), 0);
	CHECK_INT_EQ(json_get_object_opt(o, "missing", &sub, NULL), 0);
	CHECK_INT_EQ(json_get_array_opt(o, "n", &sub, NULL), 0);
	CHECK(i == 10 && u == 11 && b && sub == NULL);
	/* Present: 1 and the value. */
	CHECK_INT_EQ(json_get_string_opt(o, "s", &s, NULL), 1);
	CHECK_STR_EQ(s, "x");
	CHECK_INT_EQ(json_get_int64_opt(o, "i", &i, NULL), 1);
	CHECK_INT_EQ(i, -2);
	CHECK_INT_EQ(json_get_uint64_opt(o, "u", &u, NULL), 1);
	CHECK_U64_EQ(u, 3);
	CHECK_INT_EQ(json_get_bool_opt(o, "b", &b, NULL), 1);
	CHECK(!b);
	CHECK_INT_EQ(json_get_object_opt(o, "o", &sub, NULL), 1);
	CHECK(json_object_is_type(sub, json_type_object));
	CHECK_INT_EQ(json_get_array_opt(o, "a", &sub, NULL), 1);
	CHECK(json_object_is_type(sub, json_type_array));
}

static void json_encode_line_is_one_line(void)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_json_ struct json_object *back = NULL;
	_cleanup_free_ char *line = NULL, *null = NULL;
	size_t len = 0;

	json_object_object_add(o, "path", json_object_new_string("/var/a b"));
	json_object_object_add(o, "text", json_object_new_string("l1\nl2\t"));
	json_object_object_add(o, "n", json_object_new_int64(-3));
	line = json_encode_line(o, &len);
	CHECK_STR_EQ(
		line,
		"{\"path\":\"/var/a b\",\"text\":\"l1\\nl2\\t\",\"n\":-3}");
	CHECK_INT_EQ(len, strlen(line));
	CHECK(!strchr(line, '\n'));
	CHECK_INT_EQ(json_decode(line, len, &back, NULL), 0);
	CHECK(json_object_equal(o, back));
	null = json_encode_line(NULL, NULL);
	CHECK_STR_EQ(null, "null");
}

int main(void)
{
	RUN(json_decode_values);
	RUN(json_decode_errors_say_where);
	RUN(json_decode_refuses_nul_after_value);
	RUN(json_getters_required);
	RUN(json_getter_errors_name_the_key);
	RUN(json_optional_getters);
	RUN(json_encode_line_is_one_line);
	return test_done();
}
