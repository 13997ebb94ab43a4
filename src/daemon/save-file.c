// SPDX-License-Identifier: GPL-2.0-or-later
/* A domain's save file header (save-file.h). */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "daemon/save-file.h"
#include "lib/util.h"

void save_header_clear(struct save_header *h)
{
	free(h->xml);
	*h = (struct save_header){0};
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint32_t xml_crc(const char *xml, size_t len)
{
	return (uint32_t)crc32(crc32(0, NULL, 0), (const Bytef *)xml,
			       (uInt)len);
}

int save_header_write(int fd, const char *path, const char *driver,
		      const char *xml, uint32_t flags, struct err **e)
{
	size_t len = strlen(xml);
	uint64_t off = (SAVE_FILE_HEADER + len + SAVE_FILE_ALIGN - 1) /
		       SAVE_FILE_ALIGN * SAVE_FILE_ALIGN;
	_cleanup_free_ uint8_t *buf = NULL;

	if (len == 0 || len > SAVE_FILE_MAX_XML || strlen(driver) > 16)
		return err_set(e, EINVAL,
			       "save file '%s': definition of %zu "
			       "bytes",
			       path, len);
	buf = xcalloc(1, off);
	memcpy(buf, SAVE_FILE_MAGIC, 8);
	put32(buf + 8, SAVE_FILE_VERSION);
	put32(buf + 12, flags);
	put32(buf + 16, (uint32_t)len);
	put32(buf + 20, xml_crc(xml, len));
	memcpy(buf + 24, driver, strlen(driver));
	put32(buf + 40, (uint32_t)off);
	memcpy(buf + SAVE_FILE_HEADER, xml, len);
	if (pwrite_full(fd, buf, off, 0) < 0 ||
	    lseek(fd, (off_t)off, SEEK_SET) < 0)
		return err_sys(e, errno, "writing save file '%s'", path);
	return 0;
}

int save_header_parse(const uint8_t *buf, size_t len, struct save_header *h,
		      size_t *need, struct err **e)
{
	uint32_t version, xml_len, off;

	*h = (struct save_header){0};
	if (len < SAVE_FILE_HEADER) {
		*need = SAVE_FILE_HEADER;
		return -EAGAIN;
	}
	if (memcmp(buf, SAVE_FILE_MAGIC, 8) != 0)
		return err_set(e, EINVAL, "not a nido save file (no magic)");
	version = get32(buf + 8);
	if (version != SAVE_FILE_VERSION)
		return err_set(e, EINVAL,
			       "save file version %u (this nido reads %u)",
			       version, SAVE_FILE_VERSION);
	xml_len = get32(buf + 16);
	off = get32(buf + 40);
	if (xml_len == 0 || xml_len > SAVE_FILE_MAX_XML)
		return err_set(e, EINVAL, "definition length %u out of range",
			       xml_len);
	if (off % SAVE_FILE_ALIGN || off < SAVE_FILE_HEADER + (uint64_t)xml_len)
		return err_set(e, EINVAL,
			       "stream offset %u is not past the "
			       "definition or not page-aligned",
			       off);
	for (int i = 0; i < 16 && buf[24 + i]; i++)
		if (!((buf[24 + i] >= 'a' && buf[24 + i] <= 'z') ||
		      (buf[24 + i] >= '0' && buf[24 + i] <= '9') ||
		      buf[24 + i] == '-'))
			return err_set(e, EINVAL, "a bad driver name");
	if (len < SAVE_FILE_HEADER + (size_t)xml_len) {
		*need = SAVE_FILE_HEADER + (size_t)xml_len;
		return -EAGAIN;
	}
	if (memchr(buf + SAVE_FILE_HEADER, '\0', xml_len))
		return err_set(e, EINVAL, "a NUL byte in the definition");
	if (xml_crc((const char *)buf + SAVE_FILE_HEADER, xml_len) !=
	    get32(buf + 20))
		return err_set(e, EINVAL, "definition checksum mismatch");
	h->flags = get32(buf + 12);
	memcpy(h->driver, buf + 24, 16);
	h->driver[16] = '\0';
	h->xml_len = xml_len;
	h->data_offset = off;
	h->xml = xstrndup((const char *)buf + SAVE_FILE_HEADER, xml_len);
	return 0;
}

int save_header_read(int fd, const char *path, struct save_header *h,
		     struct err **e)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t have = 0, need = SAVE_FILE_HEADER;
	int r;

	do {
		ssize_t n;

		buf = xrealloc(buf, need);
		n = pread_full(fd, buf + have, need - have, (off_t)have);
		if (n < 0)
			return err_sys(e, errno, "reading save file '%s'",
				       path);
		have += (size_t)n;
		if (have < need)
			return err_set(e, EINVAL,
				       "save file '%s': truncated (%zu "
				       "bytes)",
				       path, have);
		r = save_header_parse(buf, have, h, &need, e);
	} while (r == -EAGAIN && need > have);
	if (r < 0)
		return r == -EAGAIN ? err_set(e, EINVAL,
					      "save file '%s': truncated", path)
				    : err_prefix(e, "save file '%s'", path);
	if (lseek(fd, (off_t)h->data_offset, SEEK_SET) < 0) {
		save_header_clear(h);
		return err_sys(e, errno, "save file '%s'", path);
	}
	return 0;
}
