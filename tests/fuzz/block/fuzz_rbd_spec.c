// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: an rbd image name as a user or a definition gives
 * it (`nido img info rbd:...`, block/rbd-spec.h). Nothing may crash or
 * leak; a refusal always says why. A name accepted must hold names that
 * rbd_name_check() accepts and format to text that parses back to the
 * same spec. Nothing here connects to a cluster.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block/rbd-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check(const struct rbd_spec *s)
{
	struct rbd_spec back;
	char *text = rbd_spec_format(s);

	if (rbd_name_check("pool", s->pool, NULL) < 0 ||
	    rbd_name_check("image", s->image, NULL) < 0)
		abort();
	if (rbd_spec_parse(text, &back, NULL) < 0)
		abort();
	if (!same(s->pool, back.pool) || !same(s->ns, back.ns) ||
	    !same(s->image, back.image) || !same(s->snap, back.snap) ||
	    !same(s->conf, back.conf) || !same(s->id, back.id) ||
	    !same(s->mon_host, back.mon_host) || !same(s->auth, back.auth))
		abort();
	rbd_spec_clear(&back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct err *e = NULL;
	struct rbd_spec s;

	memcpy(text, data, size);
	text[size] = '\0';
	if (rbd_spec_parse(text, &s, &e) == 0) {
		check(&s);
		rbd_spec_clear(&s);
	} else if (!e || !*err_msg(e)) {
		abort(); /* a refusal says why */
	}
	err_free(e);
	free(text);
	return 0;
}
