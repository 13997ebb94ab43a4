/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sizes as people write them for qemu-img and in libvirt XML, and as
 * qemu-img prints them.
 *
 * Accepted: a decimal number with an optional fraction ("512", "1.5"), or
 * a 0x hexadecimal integer, then an optional unit, spaces allowed around
 * it. Units (case-insensitive):
 *   none, "b", "byte", "bytes"        1
 *   "k" "m" "g" "t" "p" "e"           binary, 1024^n (qemu-img's meaning)
 *   "KiB" "MiB" "GiB" "TiB" "PiB" "EiB"  binary, 1024^n
 *   "KB" "MB" "GB" "TB" "PB" "EB"     decimal, 1000^n (libvirt's meaning)
 * The result must be a whole number of bytes ("1.5K" is 1536, "1.5" and
 * "1.0001K" are refused) and fit in 64 bits ("16E" is refused).
 */
#ifndef NIDO_LIB_SIZE_H
#define NIDO_LIB_SIZE_H

#include <stdint.h>

#include "lib/err.h"

/*
 * Parses @text into *@bytes. Returns 0, or -EINVAL (junk, negative, empty,
 * fractional bytes, unknown unit) or -ERANGE (too large) with @e filled
 * with a message that quotes @text.
 */
int size_parse(const char *text, uint64_t *bytes, struct err **e);

/*
 * Parses a value and its unit given apart, as in libvirt's
 * <memory unit='MiB'>512</memory>: @unit is one of the units above; NULL
 * or "" means bytes (a default such as KiB for <memory> is the caller's
 * to pass). Returns as size_parse().
 */
int size_parse_unit(const char *value, const char *unit, uint64_t *bytes,
		    struct err **e);

/* Enough for any size_format_human() output ("1e+03 KiB", "16 EiB"). */
#define SIZE_HUMAN_LEN 16

/*
 * Formats @bytes as qemu-img does: three significant digits (%0.3g) of
 * the largest binary unit in which the value is at least 1000 of the
 * unit below ("196 KiB", "1.5 GiB", "999 MiB", and 1000 MiB as
 * "0.977 GiB"). Like qemu-img, values from 999.5 to 1000 of a unit print
 * as "1e+03 KiB". Writes to @buf and returns it.
 */
char *size_format_human(uint64_t bytes, char buf[static SIZE_HUMAN_LEN]);

#endif
