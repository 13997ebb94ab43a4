/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers on json-c for the JSON protocols (the daemon's JSON-RPC, the
 * VMM's control socket): parsing with an error that says where, typed
 * getters with "missing key 'x'" / "key 'x' must be a string" errors,
 * scoped cleanup, one-line serialisation.
 *
 * Include as "lib/json.h"; it includes <json-c/json.h>, so the whole json-c
 * API is available. json-c owns the names json_object_*, json_tokener_*,
 * json_c_*, json_parse_*, json_pointer_* and json_util_*: ours are
 * json_decode, json_encode_line and json_get_*.
 *
 * Ownership: json_decode() hands over a reference (drop it with
 * json_object_put() or _cleanup_json_). What the getters return is
 * borrowed from the object they were given and lives as long as it does.
 */
#ifndef NIDO_LIB_JSON_H
#define NIDO_LIB_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

void cleanup_json_putp(struct json_object **o);
#define _cleanup_json_ __attribute__((cleanup(cleanup_json_putp)))

/*
 * Parses @len bytes at @buf (no NUL needed) as exactly one JSON value in
 * strict mode; white space may follow it, nothing else. Returns 0 and a new
 * reference in *@out (a JSON null gives *@out == NULL), or -EINVAL with
 * @e saying where: "invalid JSON at line 1, column 9 (offset 8):
 * unexpected character". Integers beyond 64 bits are clamped by json-c.
 */
int json_decode(const char *buf, size_t len, struct json_object **out,
		struct err **e);

/*
 * Serialises @o on one line (no raw newline: json-c escapes them inside
 * strings; '/' is not escaped). Returns a malloc'ed string without a
 * trailing newline; *@len (may be NULL) gets its length. NULL gives "null".
 */
char *json_encode_line(struct json_object *o, size_t *len);

/*
 * Typed getters of member @key of object @obj.
 *
 * json_get_<type>() require the key: return 0 and fill *@out, or -EINVAL
 * with @e filled: "missing key 'x'", "key 'x' must be a string" (also when
 * the value is null), "expected a JSON object with key 'x'" when @obj is
 * not an object; -ERANGE for an integer out of the type's range.
 *
 * json_get_<type>_opt() accept a missing key or a null value: return 1 and
 * fill *@out when there is a value, 0 when there is none (*@out is left
 * as it was, so set the default first), or -EINVAL/-ERANGE as above.
 *
 * Integers must be JSON integers (not 1.0, not "1") within the range of
 * the type. Strings with an embedded NUL (\u0000) are refused.
 */
int json_get_string(struct json_object *obj, const char *key, const char **out,
		    struct err **e);
int json_get_int64(struct json_object *obj, const char *key, int64_t *out,
		   struct err **e);
int json_get_uint64(struct json_object *obj, const char *key, uint64_t *out,
		    struct err **e);
int json_get_bool(struct json_object *obj, const char *key, bool *out,
		  struct err **e);
int json_get_object(struct json_object *obj, const char *key,
		    struct json_object **out, struct err **e);
int json_get_array(struct json_object *obj, const char *key,
		   struct json_object **out, struct err **e);

int json_get_string_opt(struct json_object *obj, const char *key,
			const char **out, struct err **e);
int json_get_int64_opt(struct json_object *obj, const char *key, int64_t *out,
		       struct err **e);
int json_get_uint64_opt(struct json_object *obj, const char *key, uint64_t *out,
			struct err **e);
int json_get_bool_opt(struct json_object *obj, const char *key, bool *out,
		      struct err **e);
int json_get_object_opt(struct json_object *obj, const char *key,
			struct json_object **out, struct err **e);
int json_get_array_opt(struct json_object *obj, const char *key,
		       struct json_object **out, struct err **e);

#endif
