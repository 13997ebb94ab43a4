// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The memory file of an external snapshot with memory (--memspec,
 * docs/snapshots.md): a save file at a path the client named. It may be
 * changed after the snapshot by whoever can write there, so nidod
 * records its size and CRC-32 (zlib's) when the snapshot is taken, in
 * <state>/snapshot/DOMAIN/NAME.memsum (mode 0600, beside the metadata),
 * and a revert checks the file against it before anything changes: a
 * truncated or altered file is refused by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "daemon/daemon.h"
#include "daemon/snapshot.h"
#include "lib/file.h"
#include "lib/util.h"

#define READ_CHUNK (1u << 20)

char *snapshot_memsum_path(const struct daemon *dmn, const struct domain *dom,
			   const char *name)
{
	return xasprintf("%s/snapshot/%s/%s.memsum", dmn->store.state_dir,
			 dom->def->name, name);
}

/* The size and CRC-32 of the file open at @fd (named @path). */
static int file_sum(int fd, const char *path, uint64_t *size, uint32_t *crc,
		    struct err **e)
{
	_cleanup_free_ uint8_t *buf = xmalloc(READ_CHUNK);
	uLong c = crc32(0, NULL, 0);
	uint64_t off = 0;
	ssize_t got;

	while ((got = pread(fd, buf, READ_CHUNK, (off_t)off)) > 0) {
		c = crc32(c, buf, (uInt)got);
		off += (uint64_t)got;
	}
	if (got < 0)
		return err_sys(e, errno, "memory snapshot file '%s'", path);
	*size = off;
	*crc = (uint32_t)c;
	return 0;
}

int snapshot_memory_seal(struct daemon *dmn, const struct domain *dom,
			 const struct snapshot_def *sn, struct err **e)
{
	_cleanup_free_ char *sum = snapshot_memsum_path(dmn, dom, sn->name);
	_cleanup_free_ char *dir = xasprintf(
		"%s/snapshot/%s", dmn->store.state_dir, dom->def->name);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd =
		open(sn->memory_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	uint64_t size;
	uint32_t crc;

	if (fd < 0)
		return err_sys(e, errno, "memory snapshot file '%s'",
			       sn->memory_file);
	if (file_sum(fd, sn->memory_file, &size, &crc, e) < 0 ||
	    file_mkdir_p(dir, 0700, e) < 0)
		return err_code(*e);
	text = xasprintf("%" PRIu64 " %08" PRIx32 "\n", size, crc);
	return file_write_atomic(sum, text, strlen(text), 0600, e);
}

int snapshot_memory_open(struct daemon *dmn, const struct domain *dom,
			 const struct snapshot_def *sn, struct err **e)
{
	_cleanup_free_ char *sum = snapshot_memsum_path(dmn, dom, sn->name);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	uint64_t want_size, size;
	uint32_t want_crc, crc;
	struct stat st;
	char tail;

	if (file_read_all(sum, 64, &text, NULL, e) < 0)
		return err_prefix(e,
				  "memory snapshot file '%s': its checksum "
				  "record",
				  sn->memory_file);
	if (sscanf(text, "%" SCNu64 " %" SCNx32 "%c", &want_size, &want_crc,
		   &tail) != 3 ||
	    tail != '\n')
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"memory snapshot file '%s': its checksum "
				"record '%s' is not 'SIZE CRC'",
				sn->memory_file, sum);
	fd = open(sn->memory_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_sys(e, errno, "memory snapshot file '%s'",
			       sn->memory_file);
	if (!S_ISREG(st.st_mode))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"memory snapshot file '%s' is not a regular "
				"file",
				sn->memory_file);
	if ((uint64_t)st.st_size != want_size)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"memory snapshot file '%s' is %s: %jd bytes, "
				"the snapshot wrote %" PRIu64,
				sn->memory_file,
				(uint64_t)st.st_size < want_size ? "truncated"
								 : "changed",
				(intmax_t)st.st_size, want_size);
	if (file_sum(fd, sn->memory_file, &size, &crc, e) < 0)
		return err_code(*e);
	if (size != want_size || crc != want_crc)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"memory snapshot file '%s' was changed since "
				"the snapshot (its CRC-32 %08" PRIx32
				", the snapshot's %08" PRIx32 ")",
				sn->memory_file, crc, want_crc);
	return steal_fd(fd);
}
