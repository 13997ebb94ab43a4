// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Whether a file holds QEMU's migration stream whole (driver-qemu-
 * stream.h), as far as can be seen without loading it: its magic and
 * version at the start, and at the end QEMU_VM_EOF followed by the
 * devices' description QEMU writes after it (QEMU_VM_VMDESCRIPTION, a
 * be32 length, that much JSON, up to the end). Every machine nidod runs
 * writes it (none is given suppress-vmdesc); a file cut short does not
 * end so. The bytes come from a file anyone could have written:
 * tests/fuzz/daemon/fuzz_qemu_stream.c.
 */
#include <errno.h>

#include "daemon/driver-qemu-stream.h"
#include "lib/util.h"

#define QEVM_MAGIC	   0x5145564du
#define QEVM_VERSION	   3u
#define QEVM_EOF	   0x00
#define QEVM_VMDESCRIPTION 0x06

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int qemu_stream_check(const uint8_t *head, size_t head_len, const uint8_t *tail,
		      size_t n, const char *what, struct err **e)
{
	bool end = false;

	if (head_len < 8 || n < 8)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"%s: truncated (no QEMU state)", what);
	if (be32(head) != QEVM_MAGIC || be32(head + 4) != QEVM_VERSION)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"%s: not a QEMU migration stream (version 3)",
				what);
	/* the description's length, counted back from the end, lands on
	 * the EOF section; the JSON is an object */
	for (size_t p = n - 6; !end && p-- > 0;)
		end = tail[p] == QEVM_EOF &&
		      tail[p + 1] == QEVM_VMDESCRIPTION &&
		      be32(tail + p + 2) == n - p - 6 && tail[p + 6] == '{' &&
		      tail[n - 1] == '}';
	return end ? 0
		   : err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			      "%s: truncated (QEMU's state does not end "
			      "with its devices' description)",
			      what);
}
