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

struct err {
	int code;  /* positive errno that classifies the failure */
	char *msg; /* owned, never NULL */
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
