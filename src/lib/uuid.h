/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UUIDs of domains, networks, pools: random generation (libuuid), parsing
 * with a clear error, lowercase text.
 *
 * libuuid owns uuid_t and the names uuid_generate*, uuid_parse*,
 * uuid_unparse*, uuid_compare, uuid_copy, uuid_clear, uuid_is_null,
 * uuid_time, uuid_type, uuid_variant and UUID_STR_LEN; this header does
 * not include <uuid/uuid.h> and uses other names.
 */
#ifndef NIDO_LIB_UUID_H
#define NIDO_LIB_UUID_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

struct uuid {
	uint8_t bytes[16];
};

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and its NUL. */
#define UUID_TEXT_LEN 37

/* Fills @u with a random (version 4) UUID. */
void uuid_new_random(struct uuid *u);

/*
 * Parses @text: 32 hexadecimal digits in either case, in the usual
 * 8-4-4-4-12 groups or without dashes (as libvirt accepts). Returns 0,
 * or -EINVAL with @e filled ("invalid UUID 'x': ..."), @u untouched.
 */
int uuid_from_text(const char *text, struct uuid *u, struct err **e);

/* true when @text is a UUID uuid_from_text() accepts. */
bool uuid_text_valid(const char *text);

/* Writes the lowercase 8-4-4-4-12 form of @u to @buf; returns @buf. */
char *uuid_to_text(const struct uuid *u, char buf[static UUID_TEXT_LEN]);

bool uuid_equal(const struct uuid *a, const struct uuid *b);

/* true for the nil UUID (all zero). */
bool uuid_is_nil(const struct uuid *u);

#endif
