/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nido's pool and volume verbs (pool.c, volume.c), and what edit.c and
 * event.c use of them. */
#ifndef NIDO_CLI_POOL_H
#define NIDO_CLI_POOL_H

#include <stdint.h>

#include "cli/cli.h"
#include "lib/err.h"

extern const struct cli_command pool_commands[];
extern const struct cli_command volume_commands[];

/* Prints virsh's message for a failed operation on pool @name. */
int pool_fail(const char *what, const char *name, const struct err *e);

/* virsh's "%.2f UNIT" of a size in bytes (B, KiB, ...); returns @buf. */
const char *pool_pretty_size(uint64_t v, char buf[static 32]);

/* pool.define of @xml (warnings printed); *@name: what it defined. */
int pool_define_xml(const char *xml, bool validate, char **name,
		    struct err **e);

/* The definition of @name the next start uses (malloc'ed), or NULL. */
char *pool_xml_inactive(const char *name, struct err **e);

/* vol-clone and vol-create-from (volume-copy.c). */
int cmd_vol_clone(const struct cli_args *a);
int cmd_vol_create_from(const struct cli_args *a);

/* pool-edit (edit.c). */
int cmd_pool_edit(const struct cli_args *a);

#endif
