/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nido's network verbs (network.c) and what edit.c and event.c use. */
#ifndef NIDO_CLI_NETWORK_H
#define NIDO_CLI_NETWORK_H

#include "cli/cli.h"
#include "lib/err.h"

extern const struct cli_command network_commands[];

/* Prints virsh's message for a failed operation on network @name. */
int network_fail(const char *what, const char *name, const struct err *e);

/* network.define of @xml (warnings printed); *@name: what it defined. */
int network_define_xml(const char *xml, bool validate, char **name,
		       struct err **e);

/* The definition of @name the next start uses (malloc'ed), or NULL. */
char *network_xml_inactive(const char *name, struct err **e);

/* net-edit (edit.c). */
int cmd_net_edit(const struct cli_args *a);

#endif
