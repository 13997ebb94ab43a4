// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/size.h"

#include <ctype.h>
#include <errno.h>

/* Fraction digits kept exactly: 10^18 * 2^60 still fits in 128 bits. */
#define MAX_FRAC_DIGITS 18

struct number {
	uint64_t whole;
	uint64_t frac;	      /* the digits after the point, as an integer */
	unsigned frac_digits; /* how many of them */
};

static const char *skip_spaces(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Parses a 0x integer at @s; sets *@end after it. */
static int parse_hex(const char *s, const char **end, struct number *n,
		     const char **why)
{
	int d;

	for (; (d = hex_digit(*s)) >= 0; s++) {
		if (n->whole > (UINT64_MAX >> 4)) {
			*why = "too large";
			return -ERANGE;
		}
		n->whole = n->whole << 4 | (uint64_t)d;
	}
	*end = s;
	return 0;
}

static int parse_fraction(const char *s, const char **end, struct number *n,
			  const char **why)
{
	const char *last = s; /* after the last non-zero digit */
	const char *p;

	for (p = s; isdigit((unsigned char)*p); p++)
		if (*p != '0')
			last = p + 1;
	*end = p;
	if (last - s > MAX_FRAC_DIGITS) {
		*why = "too many digits after the point";
		return -EINVAL;
	}
	for (p = s; p < last; p++) {
		n->frac = n->frac * 10 + (uint64_t)(*p - '0');
		n->frac_digits++;
	}
	return 0;
}

/* Parses the number at the start of @s (after spaces); *@end after it. */
static int parse_number(const char *s, const char **end, struct number *n,
			const char **why)
{
	s = skip_spaces(s);
	if (*s == '-') {
		*why = "negative";
		return -EINVAL;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && hex_digit(s[2]) >= 0)
		return parse_hex(s + 2, end, n, why);
	if (!isdigit((unsigned char)*s)) {
		*why = *s ? "not a number" : "empty";
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*s); s++) {
		if (__builtin_mul_overflow(n->whole, 10, &n->whole) ||
		    __builtin_add_overflow(n->whole, (uint64_t)(*s - '0'),
					   &n->whole)) {
			*why = "too large";
			return -ERANGE;
		}
	}
	if (*s == '.')
		return parse_fraction(s + 1, end, n, why);
	*end = s;
	return 0;
}

/* The multiplier of the unit in @u[0..@len), case-insensitive; 0: unknown. */
static uint64_t unit_multiplier(const char *u, size_t len)
{
	static const char prefixes[] = "kmgtpe";
	const char *p;
	uint64_t base, mult = 1;
	int i;

	if (len == 0 || (len == 1 && tolower((unsigned char)*u) == 'b') ||
	    (len == 4 && !strncasecmp(u, "byte", 4)) ||
	    (len == 5 && !strncasecmp(u, "bytes", 5)))
		return 1;
	p = strchr(prefixes, tolower((unsigned char)*u));
	if (!p || !*p)
		return 0;
	if (len == 1 || (len == 3 && !strncasecmp(u + 1, "ib", 2)))
		base = 1024;
	else if (len == 2 && tolower((unsigned char)u[1]) == 'b')
		base = 1000;
	else
		return 0;
	for (i = 0; i <= p - prefixes; i++)
		mult *= base;
	return mult;
}

/* @n times @mult, exactly, into *@bytes. */
static int scale(const struct number *n, uint64_t mult, uint64_t *bytes,
		 const char **why)
{
	unsigned __int128 frac = (unsigned __int128)n->frac * mult;
	unsigned __int128 pow10 = 1;
	uint64_t whole;
	unsigned i;

	for (i = 0; i < n->frac_digits; i++)
		pow10 *= 10;
	if (frac % pow10) {
		*why = "not a whole number of bytes";
		return -EINVAL;
	}
	if (__builtin_mul_overflow(n->whole, mult, &whole) ||
	    __builtin_add_overflow(whole, (uint64_t)(frac / pow10), bytes)) {
		*why = "too large (the limit is 16 EiB - 1)";
		return -ERANGE;
	}
	return 0;
}

/* Length of @s without trailing spaces. */
static size_t trimmed_len(const char *s)
{
	size_t len = strlen(s);

	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return len;
}

/* The unit comes from the rest of @value when @unit is NULL. */
static int parse(const char *value, const char *unit, uint64_t *bytes,
		 const char **why)
{
	struct number n = {0};
	const char *end;
	uint64_t mult;
	int r;

	r = parse_number(value, &end, &n, why);
	if (r < 0)
		return r;
	end = skip_spaces(end);
	if (unit && *end) {
		*why = "not a number";
		return -EINVAL;
	}
	if (!unit)
		unit = end;
	unit = skip_spaces(unit);
	mult = unit_multiplier(unit, trimmed_len(unit));
	if (!mult) {
		*why = "unknown unit (use B, K, M, G, T, P, E, KiB... or "
		       "KB...)";
		return -EINVAL;
	}
	return scale(&n, mult, bytes, why);
}

int size_parse(const char *text, uint64_t *bytes, struct err **e)
{
	const char *why = NULL;
	int r = parse(text, NULL, bytes, &why);

	if (r < 0)
		return err_set(e, -r, "invalid size '%s': %s", text, why);
	return 0;
}

int size_parse_unit(const char *value, const char *unit, uint64_t *bytes,
		    struct err **e)
{
	const char *why = NULL;
	int r = parse(value, unit ? unit : "", bytes, &why);

	if (r < 0)
		return err_set(e, -r, "invalid size '%s' in unit '%s': %s",
			       value, unit ? unit : "", why);
	return 0;
}

char *size_format_human(uint64_t bytes, char buf[static SIZE_HUMAN_LEN])
{
	static const char *const units[] = {"",	  "Ki", "Mi", "Gi",
					    "Ti", "Pi", "Ei"};
	int i = 0;

	/* qemu-img's rule: the unit is 1024^i for the largest i with
	 * bytes >= 1000 * 1024^(i - 1), so 1000 MiB is "0.977 GiB". */
	while (i < (int)ARRAY_SIZE(units) - 1 && bytes >= 1000ull << (10 * i))
		i++;
	snprintf(buf, SIZE_HUMAN_LEN, "%0.3g %sB",
		 (double)bytes / (double)(1ull << (10 * i)), units[i]);
	return buf;
}
