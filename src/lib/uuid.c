// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/uuid.h"

#include <errno.h>
#include <uuid/uuid.h>

_Static_assert(sizeof(uuid_t) == sizeof(struct uuid), "uuid_t is 16 bytes");

void uuid_new_random(struct uuid *u)
{
	uuid_generate_random(u->bytes);
}

/* Parses into @bytes; returns NULL or the reason @text is refused. */
static const char *parse(const char *text, uint8_t bytes[16])
{
	static const int dash_at[] = {8, 13, 18, 23}; /* canonical form */
	size_t len = strlen(text), i, d = 0, nibble = 0;
	bool dashed = len == 36;

	if (len != 36 && len != 32)
		return "expected 32 hexadecimal digits in 8-4-4-4-12 groups";
	for (i = 0; i < len; i++) {
		int v;

		if (dashed && d < ARRAY_SIZE(dash_at) &&
		    i == (size_t)dash_at[d]) {
			if (text[i] != '-')
				return "expected 8-4-4-4-12 groups";
			d++;
			continue;
		}
		v = hex_digit(text[i]);
		if (v < 0)
			return "expected hexadecimal digits";
		if (nibble % 2 == 0)
			bytes[nibble / 2] = (uint8_t)(v << 4);
		else
			bytes[nibble / 2] |= (uint8_t)v;
		nibble++;
	}
	return NULL;
}

int uuid_from_text(const char *text, struct uuid *u, struct err **e)
{
	uint8_t bytes[16];
	const char *why = parse(text, bytes);

	if (why)
		return err_set(e, EINVAL, "invalid UUID '%s': %s", text, why);
	memcpy(u->bytes, bytes, sizeof(bytes));
	return 0;
}

bool uuid_text_valid(const char *text)
{
	uint8_t bytes[16];

	return parse(text, bytes) == NULL;
}

char *uuid_to_text(const struct uuid *u, char buf[static UUID_TEXT_LEN])
{
	uuid_unparse_lower(u->bytes, buf);
	return buf;
}

bool uuid_equal(const struct uuid *a, const struct uuid *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

bool uuid_is_nil(const struct uuid *u)
{
	static const struct uuid nil;

	return uuid_equal(u, &nil);
}
