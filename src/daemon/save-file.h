/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's save file (virsh save, managedsave; docs/snapshots.md): a
 * header nidod writes and reads, with the domain's definition as it was
 * when saved, then the engine's own state stream (QEMU's migration
 * stream) from a page-aligned offset.
 *
 *   0   magic "NidoSave"
 *   8   u32 version (1), little-endian like every number here
 *   12  u32 flags: SAVE_FILE_RUNNING, the guest ran when saved
 *   16  u32 length of the XML (1 .. SAVE_FILE_MAX_XML)
 *   20  u32 CRC-32 (zlib's) of the XML
 *   24  char[16] the driver ("qemu"), NUL-padded
 *   40  u32 offset of the engine's stream, a multiple of 4096
 *   44  the XML, then zeros up to the stream
 *
 * Read from files users hand over (restore FILE): untrusted, every field
 * checked before use. Nothing here owns an fd.
 */
#ifndef NIDO_DAEMON_SAVE_FILE_H
#define NIDO_DAEMON_SAVE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define SAVE_FILE_MAGIC	  "NidoSave"
#define SAVE_FILE_VERSION 1
#define SAVE_FILE_RUNNING 1u
#define SAVE_FILE_HEADER  44
#define SAVE_FILE_ALIGN	  4096
#define SAVE_FILE_MAX_XML (1u << 20)

struct save_header {
	uint32_t flags;
	char driver[17];
	char *xml; /* owned, NUL-terminated */
	uint32_t xml_len;
	uint64_t data_offset;
};

void save_header_clear(struct save_header *h);

/*
 * Writes the header of a save of @xml (run by @driver) at the start of
 * @fd and leaves the file offset at the stream's start. Returns 0 or
 * -errno with @e filled (@path names the file).
 */
int save_header_write(int fd, const char *path, const char *driver,
		      const char *xml, uint32_t flags, struct err **e);

/*
 * Parses a header from the @len bytes at @buf (at least the header and
 * its XML: save_header_read() reads what is needed). Returns 0 with @h
 * filled, -EAGAIN when @len is too short for what the header says
 * (*@need: how many bytes), or -EINVAL with @e saying what is wrong.
 */
int save_header_parse(const uint8_t *buf, size_t len, struct save_header *h,
		      size_t *need, struct err **e);

/*
 * Reads and checks the header of the save file open at @fd, leaving the
 * offset at the stream's start. Returns 0 or -errno with @e naming
 * @path and the problem.
 */
int save_header_read(int fd, const char *path, struct save_header *h,
		     struct err **e);

#endif
