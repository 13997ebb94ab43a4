/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tables printed the way virsh prints them: a header, a line of dashes,
 * left-aligned columns each led by one space and separated by two more
 * (the empty line virsh prints after it is the command's, cli.h):
 *
 *	 Id   Name   State
 *	--------------------
 *	 1    web    running
 */
#ifndef NIDO_CLI_TABLE_H
#define NIDO_CLI_TABLE_H

#include <stdbool.h>
#include <stdio.h>

struct table;

/* A table with @ncols columns named by the NULL-terminated @header. */
struct table *table_new(const char *const *header);
/* Appends a row of as many cells as columns (copied). */
void table_add(struct table *t, const char *const *cells);
/* Prints the rows; with @header (not virsh -q) the header and dashes. */
void table_print(const struct table *t, bool header, FILE *f);
void table_free(struct table *t);

#endif
