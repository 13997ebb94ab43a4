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
	n->kind = ERR_NONE;
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

int err_setk(struct err **e, enum err_kind kind, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(e, code, 0, fmt, ap);
	va_end(ap);
	if (e)
		(*e)->kind = kind;
	return r;
}

int err_mark(struct err **e, enum err_kind kind)
{
	if (!e)
		return -EIO;
	if (!*e)
		err_set(e, EIO, "failed");
	if ((*e)->kind == ERR_NONE)
		(*e)->kind = kind;
	return -(*e)->code;
}

enum err_kind err_kind(const struct err *e)
{
	if (!e)
		return ERR_INTERNAL_ERROR;
	if (e->kind != ERR_NONE)
		return e->kind;
	switch (e->code) {
	case ENOMEM:
		return ERR_NO_MEMORY;
	case ETIMEDOUT:
		return ERR_OPERATION_TIMEOUT;
	case ENOTSUP:
		return ERR_OPERATION_UNSUPPORTED;
	case EACCES:
	case EPERM:
		return ERR_ACCESS_DENIED;
	default:
		return ERR_OPERATION_FAILED;
	}
}

static const char *const kind_names[] = {
	[ERR_INTERNAL_ERROR] = "internal-error",
	[ERR_NO_MEMORY] = "no-memory",
	[ERR_NO_SUPPORT] = "no-support",
	[ERR_NO_CONNECT] = "no-connect",
	[ERR_INVALID_ARG] = "invalid-arg",
	[ERR_OPERATION_FAILED] = "operation-failed",
	[ERR_XML_ERROR] = "xml-error",
	[ERR_DOM_EXIST] = "dom-exist",
	[ERR_OPERATION_DENIED] = "operation-denied",
	[ERR_NETWORK_EXIST] = "network-exist",
	[ERR_SYSTEM_ERROR] = "system-error",
	[ERR_RPC] = "rpc",
	[ERR_NO_DOMAIN] = "no-domain",
	[ERR_NO_NETWORK] = "no-network",
	[ERR_AUTH_FAILED] = "auth-failed",
	[ERR_NO_STORAGE_POOL] = "no-storage-pool",
	[ERR_NO_STORAGE_VOL] = "no-storage-vol",
	[ERR_OPERATION_INVALID] = "operation-invalid",
	[ERR_CONFIG_UNSUPPORTED] = "config-unsupported",
	[ERR_OPERATION_TIMEOUT] = "operation-timeout",
	[ERR_NO_DOMAIN_SNAPSHOT] = "no-domain-snapshot",
	[ERR_INVALID_STREAM] = "invalid-stream",
	[ERR_ARGUMENT_UNSUPPORTED] = "argument-unsupported",
	[ERR_OPERATION_ABORTED] = "operation-aborted",
	[ERR_OPERATION_UNSUPPORTED] = "operation-unsupported",
	[ERR_AGENT_UNRESPONSIVE] = "agent-unresponsive",
	[ERR_RESOURCE_BUSY] = "resource-busy",
	[ERR_ACCESS_DENIED] = "access-denied",
	[ERR_STORAGE_VOL_EXIST] = "storage-vol-exist",
	[ERR_XML_INVALID_SCHEMA] = "xml-invalid-schema",
};

const char *err_kind_name(enum err_kind kind)
{
	if ((unsigned)kind >= ARRAY_SIZE(kind_names))
		return NULL;
	return kind_names[kind];
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
