// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What iscsiadm's sendtargets discovery prints (iscsi.h), read as the
 * untrusted text it is: the target names come from the target, over
 * the network, through iscsiadm. A line is "PORTAL,TPGT IQN", the
 * portal "ADDRESS:PORT" or "[IPV6]:PORT".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storage/iscsi.h"

static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:";

/* The @len bytes at @s (not NUL-terminated) are a name of at most @max. */
static bool word_ok(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(name_chars, s[i]))
			return false;
	return true;
}

bool iscsi_name_ok(const char *s)
{
	size_t len = strlen(s);

	return word_ok(s, len, ISCSI_NAME_MAX);
}

bool iscsi_host_ok(const char *s)
{
	size_t len = strlen(s);

	return word_ok(s, len, 253);
}

void iscsi_targets_free(struct iscsi_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].portal);
		free(t[i].iqn);
	}
	free(t);
}

/* A decimal number of 1 to 5 digits up to @max, all of [s, s+len). */
static bool number(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return v <= max;
}

/* "ADDRESS:PORT" or "[V6]:PORT", @len bytes at @s. */
static bool portal_ok(const char *s, size_t len)
{
	const char *colon;
	size_t alen;
	unsigned port;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || close == s + 1 || close + 1 >= s + len ||
		    close[1] != ':')
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!*p || !strchr("0123456789abcdefABCDEF:.", *p))
				return false;
		colon = close + 1;
	} else {
		colon = memrchr(s, ':', len);
		if (!colon)
			return false;
		alen = (size_t)(colon - s);
		if (!word_ok(s, alen, 253) || memchr(s, ':', alen))
			return false;
	}
	return number(colon + 1, (size_t)(s + len - colon - 1), 65535, &port) &&
	       port > 0;
}

/* One line of @len bytes (no newline) into @t. */
static int parse_line(const char *s, size_t len, struct iscsi_target *t)
{
	const char *comma = memchr(s, ',', len), *space = memchr(s, ' ', len);
	size_t iqn_len;

	if (!comma || !space || space < comma || !portal_ok(s, comma - s) ||
	    !number(comma + 1, (size_t)(space - comma - 1), 65535, &t->tpgt))
		return -EINVAL;
	iqn_len = (size_t)(s + len - space - 1);
	if (!word_ok(space + 1, iqn_len, ISCSI_NAME_MAX))
		return -EINVAL;
	t->portal = xstrndup(s, (size_t)(comma - s));
	t->iqn = xstrndup(space + 1, iqn_len);
	return 0;
}

int iscsi_targets_parse(const char *text, size_t len, struct iscsi_target **out,
			size_t *n_out, struct err **e)
{
	struct iscsi_target *t = NULL;
	size_t n = 0, line = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		line++;
		if (l && p[l - 1] == '\r')
			l--;
		if (l == 0) {
			p += nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
			continue;
		}
		if (n == ISCSI_TARGETS_MAX) {
			iscsi_targets_free(t, n);
			return err_setk(e, ERR_OPERATION_FAILED, EINVAL,
					"iSCSI discovery listed more than %d "
					"targets",
					ISCSI_TARGETS_MAX);
		}
		t = xreallocarray(t, n + 1, sizeof(*t));
		memset(&t[n], 0, sizeof(*t));
		if (parse_line(p, l, &t[n]) < 0) {
			iscsi_targets_free(t, n);
			return err_setk(e, ERR_OPERATION_FAILED, EINVAL,
					"iSCSI discovery, line %zu: not "
					"\"ADDRESS:PORT,TPGT IQN\" with an "
					"iSCSI name",
					line);
		}
		n++;
		p += nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
	}
	*out = t;
	*n_out = n;
	return 0;
}
