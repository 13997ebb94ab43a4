/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The name of a Ceph RBD image as `nido img` and QEMU's legacy filename
 * syntax write it:
 *
 *   rbd:POOL[/NAMESPACE]/IMAGE[@SNAPSHOT][:OPTION=VALUE]...
 *
 * A backslash escapes the next character (a ':' in a monitor address,
 * an '@' or '/' in a name). The options nido honours: conf (a ceph.conf
 * to read instead of the default search), id (the client's name without
 * "client."), mon_host (monitor addresses, ';' or ',' between them) and
 * auth_supported ("none" or "cephx"). Any other option, "key" and
 * "keyfile" included (a secret on a command line), is refused by name.
 *
 * Parsing never touches the network or a file: it is the untrusted-input
 * part (tests/fuzz/block/fuzz_rbd_spec.c). The spec owns its strings.
 */
#ifndef NIDO_BLOCK_RBD_SPEC_H
#define NIDO_BLOCK_RBD_SPEC_H

#include <stdbool.h>

#include "lib/err.h"

#define RBD_PREFIX "rbd:"

struct rbd_spec {
	char *pool;
	char *ns; /* NULL: the default namespace */
	char *image;
	char *snap; /* NULL: the image itself (a snapshot is read-only) */
	char *conf;
	char *id;
	char *mon_host;
	char *auth; /* "none", "cephx" or NULL (the configuration's) */
};

/* Does @path name an RBD image ("rbd:" in front)? */
bool rbd_spec_is(const char *path);

/*
 * Parses @path into @s (zeroed first; cleared again on failure).
 * Returns 0 or -EINVAL (a bad name) / -ENOTSUP (an option nido does not
 * take) with @e naming the part.
 */
int rbd_spec_parse(const char *path, struct rbd_spec *s, struct err **e);

/* The text of @s, with escapes: parses back to the same spec. */
char *rbd_spec_format(const struct rbd_spec *s);

void rbd_spec_clear(struct rbd_spec *s);

/*
 * A pool, namespace, image or snapshot name as Ceph takes one: 1 to 255
 * bytes, no control character, no '/' or '@' (names are the pieces of
 * the spec). 0 or -EINVAL with @e naming @what.
 */
int rbd_name_check(const char *what, const char *name, struct err **e);

#endif
