// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/uuid.h"
#include "test.h"

#include <errno.h>

static void uuid_random_is_version_4_and_unique(void)
{
	struct uuid a, b;
	char text[UUID_TEXT_LEN];
	int i;

	uuid_new_random(&a);
	CHECK_INT_EQ(a.bytes[6] >> 4, 4);      /* version 4 */
	CHECK_INT_EQ(a.bytes[8] & 0xc0, 0x80); /* RFC 4122 variant */
	uuid_to_text(&a, text);
	CHECK_INT_EQ(strlen(text), 36);
	CHECK_INT_EQ(text[14], '4');
	for (i = 0; i < 100; i++) {
		uuid_new_random(&b);
		CHECK(!uuid_equal(&a, &b));
	}
	CHECK(!uuid_is_nil(&a));
}

static void uuid_parse_and_format_lowercase(void)
{
	struct uuid u, v, nil = {{0}};
	char text[UUID_TEXT_LEN];

	CHECK_INT_EQ(uuid_from_text("C7A5FDBD-EDAF-9455-926A-D65C16DB1809", &u,
				    NULL),
		     0);
	CHECK_INT_EQ(u.bytes[0], 0xc7);
	CHECK_INT_EQ(u.bytes[15], 0x09);
	CHECK_STR_EQ(uuid_to_text(&u, text),
		     "c7a5fdbd-edaf-9455-926a-d65c16db1809");
	/* Without dashes, as libvirt also accepts. */
	CHECK_INT_EQ(
		uuid_from_text("c7a5fdbdedaf9455926ad65c16db1809", &v, NULL),
		0);
	CHECK(uuid_equal(&u, &v));
	CHECK_INT_EQ(uuid_from_text("00000000-0000-0000-0000-000000000000", &v,
				    NULL),
		     0);
	CHECK(uuid_is_nil(&v));
	CHECK(uuid_equal(&v, &nil));
	/* Round trip of random ones. */
	uuid_new_random(&u);
	CHECK_INT_EQ(uuid_from_text(uuid_to_text(&u, text), &v, NULL), 0);
	CHECK(uuid_equal(&u, &v));
}

static void check_bad(const char *text, const char *why)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *want =
		xasprintf("invalid UUID '%s': %s", text, why);
	struct uuid u = {{1}};

	CHECK_INT_EQ(uuid_from_text(text, &u, &e), -EINVAL);
	CHECK_STR_EQ(err_msg(e), want);
	CHECK_INT_EQ(u.bytes[0], 1); /* untouched */
	CHECK(!uuid_text_valid(text));
}

#define BAD(text, why)                                  \
	do {                                            \
		check_bad(text, why);                   \
		if (test_state) {                       \
			printf("# text: '%s'\n", text); \
			return;                         \
		}                                       \
	} while (0)

static void uuid_parse_errors(void)
{
	const char *groups = "expected 8-4-4-4-12 groups";
	const char *hex = "expected hexadecimal digits";
	const char *len = "expected 32 hexadecimal digits in 8-4-4-4-12 "
			  "groups";

	BAD("", len);
	BAD("web", len);
	BAD("c7a5fdbd-edaf-9455-926a-d65c16db180", len);
	BAD("c7a5fdbd-edaf-9455-926a-d65c16db18090", len);
	BAD(" c7a5fdbd-edaf-9455-926a-d65c16db180", hex);
	BAD("c7a5fdbdedaf-9455-926a-d65c16db1809-", groups);
	BAD("c7a5fdbd-edaf-9455-926a-d65c16db180g", hex);
	BAD("c7a5fdbd-edaf-9455-926a-d65c16db18-9", hex);
	BAD("c7a5fdbdedaf9455926ad65c16db180x", hex);
	BAD("c7a5fdbd-edaf-9455-926a+d65c16db1809", groups);
	CHECK(uuid_text_valid("c7a5fdbd-edaf-9455-926a-d65c16db1809"));
}

int main(void)
{
	RUN(uuid_random_is_version_4_and_unique);
	RUN(uuid_parse_and_format_lowercase);
	RUN(uuid_parse_errors);
	return test_done();
}
