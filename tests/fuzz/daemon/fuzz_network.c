// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a network definition a client could send (net-define,
 * net-create). Nothing may crash or leak; a definition accepted must
 * format to XML that parses back and formats the same (what the store
 * will do on a restart).
 */
#include <stdint.h>
#include <stdlib.h>

#include "daemon/network_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reloads(const struct network_def *def)
{
	struct network_def *back = NULL;
	char *text = network_def_format(def);
	char *again;

	if (network_def_parse(text, strlen(text), &back, NULL, NULL) < 0)
		abort();
	again = network_def_format(back);
	if (strcmp(text, again))
		abort();
	free(again);
	free(text);
	network_def_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct network_def *def = NULL;
	struct xml_warnings w = {0};
	struct err *e = NULL;

	if (network_def_parse((const char *)data, size, &def, &w, &e) == 0)
		check_reloads(def);
	else if (!e || !err_msg(e)[0])
		abort(); /* a refusal always says why */
	network_def_free(def);
	xml_warnings_clear(&w);
	err_free(e);
	return 0;
}
