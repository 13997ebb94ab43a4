// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/err.h"

#include <errno.h>

int err_vset(struct err **e, int code, int with_strerror, const char *fmt,
	     va_list ap)
{
	char *text, *msg;
	struct err *n;

	if (code <= 0)
		code = EIO;
	if (!e)
		return -code;

	text = xvasprintf(fmt, ap);
	if (with_strerror) {
		msg = xasprintf("%s: %s", text, strerror(code));
		free(text);
	} else {
		msg = text;
	}
	n = xmalloc(sizeof(*n));
	n->code = code;
	n->msg = msg;
	err_free(*e);
	*e = n;
	return -code;
}

int err_set(struct err **e, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(e, code, 0, fmt, ap);
	va_end(ap);
	return r;
}

int err_sys(struct err **e, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(e, code, 1, fmt, ap);
	va_end(ap);
	return r;
}

int err_prefix(struct err **e, const char *fmt, ...)
{
	_cleanup_free_ char *ctx = NULL;
	va_list ap;
	char *msg;

	if (!e)
		return -EIO;
	va_start(ap, fmt);
	ctx = xvasprintf(fmt, ap);
	va_end(ap);
	if (!*e)
		return err_set(e, EIO, "%s: failed", ctx);
	msg = xasprintf("%s: %s", ctx, (*e)->msg);
	free((*e)->msg);
	(*e)->msg = msg;
	return -(*e)->code;
}

const char *err_msg(const struct err *e)
{
	return e ? e->msg : "unknown error";
}

int err_code(const struct err *e)
{
	return e ? -e->code : -EIO;
}

void err_free(struct err *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}

void cleanup_errp(struct err **e)
{
	err_free(*e);
}
