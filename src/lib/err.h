/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Errors that travel to the user (docs/errors.md).
 *
 * A function that can fail returns a negative errno and, when it has a
 * `struct err **` parameter, fills it with a message that names the object
 * and the cause. Callers on the way up add context with err_prefix(); only
 * programs print. Libraries never print and never exit.
 *
 *	if (open_disk(path, &err) < 0)
 *		return err_prefix(&err, "starting domain '%s'", name);
 *
 * gives "starting domain 'web': opening '/x.qcow2': No such file or
 * directory".
 */
#ifndef NIDO_LIB_ERR_H
#define NIDO_LIB_ERR_H

#include "lib/util.h"

/*
 * What kind of failure it is, for programs that act on it: the API's
 * error codes (docs/api.md, "Errors"). The numbers are libvirt's
 * virErrorNumber values, so that a libvirt user recognises them; nido
 * uses the ones below. ERR_NONE: the code that set the error did not
 * say; err_kind() then derives a kind from the errno.
 */
enum err_kind {
	ERR_NONE = 0,
	ERR_INTERNAL_ERROR = 1,
	ERR_NO_MEMORY = 2,
	ERR_NO_SUPPORT = 3,
	ERR_NO_CONNECT = 5,
	ERR_INVALID_ARG = 8,
	ERR_OPERATION_FAILED = 9,
	ERR_XML_ERROR = 27,
	ERR_DOM_EXIST = 28,
	ERR_NETWORK_EXIST = 36,
	ERR_OPERATION_DENIED = 29, /* a read-only connection */
	ERR_SYSTEM_ERROR = 38,
	ERR_RPC = 39,
	ERR_NO_DOMAIN = 42,
	ERR_NO_NETWORK = 43,
	ERR_AUTH_FAILED = 45,
	ERR_NO_STORAGE_POOL = 49,
	ERR_NO_STORAGE_VOL = 50,
	ERR_OPERATION_INVALID = 55, /* not in the object's present state */
	ERR_CONFIG_UNSUPPORTED = 67,
	ERR_OPERATION_TIMEOUT = 68,
	ERR_NO_DOMAIN_SNAPSHOT = 72,
	ERR_INVALID_STREAM = 73,
	ERR_ARGUMENT_UNSUPPORTED = 74, /* a valid flag the driver lacks */
	ERR_OPERATION_ABORTED = 78,
	ERR_OPERATION_UNSUPPORTED = 84,
	ERR_AGENT_UNRESPONSIVE = 86, /* the guest agent: silent, not there */
	ERR_RESOURCE_BUSY = 87,
	ERR_ACCESS_DENIED = 88,
	ERR_STORAGE_VOL_EXIST = 90,
	ERR_XML_INVALID_SCHEMA = 92,
};

struct err {
	int code;	    /* positive errno that classifies the failure */
	enum err_kind kind; /* ERR_NONE: not given */
	char *msg;	    /* owned, never NULL */
};

/*
 * err_set() records @fmt as the error; err_sys() appends ": strerror(code)".
 * Both replace (and free) an error already in *@e. @e may be NULL, then
 * nothing is recorded. @code <= 0 is taken as EIO. Return -code, so that
 * `return err_set(...)` is the usual form.
 */
int err_set(struct err **e, int code, const char *fmt, ...) PRINTF(3, 4);
int err_sys(struct err **e, int code, const char *fmt, ...) PRINTF(3, 4);
int err_vset(struct err **e, int code, int with_strerror, const char *fmt,
	     va_list ap) PRINTF(4, 0);

/*
 * err_setk() records @fmt as the error, of @kind, with errno @code.
 * Returns -code.
 */
int err_setk(struct err **e, enum err_kind kind, int code, const char *fmt, ...)
	PRINTF(4, 5);

/*
 * Gives the error in *@e the kind @kind unless a callee already gave it
 * one (the callee knows best what failed). An empty *@e becomes
 * "failed" with EIO. Returns the error's -code.
 */
int err_mark(struct err **e, enum err_kind kind);

/*
 * The kind of @e: the one given, or for ERR_NONE one derived from the
 * errno (ENOMEM: no memory, ETIMEDOUT: timeout, ENOTSUP: unsupported,
 * EACCES/EPERM: access denied, otherwise: operation failed). NULL gives
 * ERR_INTERNAL_ERROR.
 */
enum err_kind err_kind(const struct err *e);

/* The kind's name in the API ("no-domain"), or NULL for a number nido
 * does not use. */
const char *err_kind_name(enum err_kind kind);

/*
 * Prepends "context: " to the message in *@e. When *@e is empty (a callee
 * failed without a message), records "context: failed" with EIO. Returns
 * the error's -code.
 */
int err_prefix(struct err **e, const char *fmt, ...) PRINTF(2, 3);

/* The message, or "unknown error" for NULL. Borrowed from @e. */
const char *err_msg(const struct err *e);

/* -code of @e, or -EIO for NULL. */
int err_code(const struct err *e);

/* Frees @e; accepts NULL. */
void err_free(struct err *e);
void cleanup_errp(struct err **e);
#define _cleanup_err_ __attribute__((cleanup(cleanup_errp)))

#endif
