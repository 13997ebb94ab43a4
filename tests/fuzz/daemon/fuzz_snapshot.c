// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: <domainsnapshot> XML, as a client sends it
 * (snapshot-create) and as nidod reads its own metadata back. Nothing may
 * crash or leak; a refusal always says why. A name accepted must be one
 * nidod can use as a file name (no '/', no leading '.'); a stored
 * snapshot must format to XML that parses back with the same name,
 * parent, state, time, disks and current mark.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/snapshot_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check(const struct snapshot_def *s, bool stored)
{
	struct snapshot_def *back = NULL;
	char *text;

	if (s->name && (strchr(s->name, '/') || s->name[0] == '.'))
		abort();
	if (!stored)
		return;
	text = snapshot_def_format(s, true);
	if (snapshot_def_parse(text, strlen(text), true, &back, NULL, NULL) < 0)
		abort();
	if (!same(back->name, s->name) || !same(back->parent, s->parent) ||
	    !same(back->description, s->description) ||
	    back->state != s->state ||
	    back->creation_time != s->creation_time ||
	    back->current != s->current || back->memory != s->memory ||
	    back->n_disks != s->n_disks || back->n_revert != s->n_revert)
		abort();
	for (size_t i = 0; i < s->n_revert; i++)
		if (strcmp(back->revert[i].name, s->revert[i].name) ||
		    strcmp(back->revert[i].file, s->revert[i].file))
			abort();
	for (size_t i = 0; i < s->n_disks; i++)
		if (strcmp(back->disks[i].name, s->disks[i].name) ||
		    back->disks[i].kind != s->disks[i].kind)
			abort();
	snapshot_def_free(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int stored = 0; stored < 2; stored++) {
		struct snapshot_def *s = NULL;
		struct xml_warnings w = {0};
		struct err *e = NULL;

		if (snapshot_def_parse((const char *)data, size, stored, &s, &w,
				       &e) == 0)
			check(s, stored);
		else if (!e || !err_msg(e)[0])
			abort();
		snapshot_def_free(s);
		xml_warnings_clear(&w);
		err_free(e);
	}
	return 0;
}
