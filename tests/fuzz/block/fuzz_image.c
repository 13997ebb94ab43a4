// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: an untrusted image file opened (format probed),
 * described, read all over (and through block_map() where it maps),
 * mapped (status), checked, and written to; then opened once more as a
 * guest's disk (the strict chain resolver, format from the first open),
 * where the backing file and extent names it records are followed, and
 * must all be refused: the memfd's "directory" holds nothing. Its
 * persistent bitmaps are copied (convert --bitmaps) into a new qcow2,
 * which must then check clean. Its first internal snapshots are read
 * as convert -l reads them, each in a read-only open of its own. The
 * input lives in a memfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "block/block.h"
#include "block/chain.h"
#include "block/image.h"

#define MAX_READ (4u << 20)

static void exercise_reads(struct block *b)
{
	static uint8_t buf[65536];
	uint64_t size = block_size(b), off = 0, done = 0;
	struct block_status st;

	while (off < size && done < MAX_READ) {
		if (block_status(b, off, size - off, &st, NULL) < 0)
			break;
		size_t n = (size_t)MIN(MIN(st.bytes, sizeof(buf)), size - off);

		if (block_pread(b, buf, n, off, NULL) < 0)
			break;
		/* what block_map() maps must be readable and equal the read */
		const uint8_t *m = block_map(&st);

		if (m && memcmp(m, buf, n) != 0)
			abort();
		done += n;
		off += MAX(st.bytes, n);
	}
	if (size > sizeof(buf))
		block_pread(b, buf, sizeof(buf), size - sizeof(buf), NULL);
}

#define MAX_COPY (64u << 20) /* the size of a source whose bitmaps copy */

/* convert --bitmaps: into a new qcow2 in a memfd, which checks clean. */
static void exercise_bitmap_copy(struct block *src)
{
	uint64_t size = ALIGN_UP(block_size(src), 512);
	struct img_create_opts o = {.format = "qcow2", .size = size};
	struct block *dst = NULL;
	struct img_check res = {0};
	char path[64];
	int fd, r;

	if (!size || size > MAX_COPY ||
	    img_bitmaps_copy_check(src, true, NULL) < 0)
		return;
	fd = memfd_create("fuzz-bitmaps", MFD_CLOEXEC);
	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (img_create(path, &o, NULL) == 0 &&
	    block_open(path, "qcow2", BLOCK_OPEN_RDWR, &dst, NULL) == 0) {
		img_bitmaps_copy(src, dst, true, NULL, NULL);
		block_close(dst);
		dst = NULL;
		if (block_open(path, "qcow2", BLOCK_OPEN_NO_BACKING, &dst,
			       NULL) < 0)
			abort(); /* the copy cannot be opened again */
		r = img_check(dst, 0, &res, NULL);
		if (r < 0 || res.corruptions || res.leaks)
			abort(); /* the copy wrote a broken image */
		free(res.report);
		block_close(dst);
	}
	close(fd);
}

#define MAX_SNAPS 4

/* convert -l: each of the first snapshots loaded and read all over. */
static void exercise_snapshots(const char *path, struct block *b)
{
	struct img_snapshot *l = NULL;
	int n = 0;

	if (img_snapshot_list(b, &l, &n, NULL) < 0)
		return;
	for (int i = 0; i < MIN(n, MAX_SNAPS); i++) {
		struct block *s = NULL;

		if (block_open(path, block_format(b), BLOCK_OPEN_NO_BACKING, &s,
			       NULL) < 0)
			break;
		if (img_snapshot_load(s, l[i].id, l[i].name, NULL) == 0)
			exercise_reads(s);
		block_close(s);
	}
	img_snapshots_free(l, n);
}

static void exercise(const char *path, unsigned flags)
{
	struct block *b = NULL;
	struct img_info info;
	struct img_check res;
	static uint8_t data[8192];

	if (block_open(path, NULL, flags, &b, NULL) < 0)
		return;
	if (img_info_get(b, &info, NULL) == 0)
		img_info_clear(&info);
	exercise_reads(b);
	img_check(b, 0, &res, NULL);
	free(res.report); /* also when the check failed half-way */
	if (!(flags & BLOCK_OPEN_RDWR)) {
		exercise_bitmap_copy(b);
		exercise_snapshots(path, b);
	}
	if (flags & BLOCK_OPEN_RDWR && block_size(b) >= sizeof(data)) {
		memset(data, 0x5a, sizeof(data));
		block_pwrite(b, data, sizeof(data), 1000, NULL);
		block_discard(b, 0, MIN(block_size(b), 1 << 20), NULL);
		block_flush(b, NULL);
	}
	block_close(b);
}

/* As a guest's disk: what the image names goes through the strict rules. */
static void exercise_strict(const char *path)
{
	struct block *b = NULL, *g = NULL;
	struct block_strict none = {0};
	struct block_open_opts o = {
		.fd = -1, .resolve = block_resolve_strict, .opaque = &none};

	if (block_open(path, NULL, BLOCK_OPEN_NO_BACKING, &b, NULL) < 0)
		return;
	o.format = block_format(b);
	if (block_open_chain(path, &o, &g, NULL) == 0 && block_backing(g))
		abort(); /* a backing file outside /proc/self/fd was opened */
	block_close(g);
	block_close(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("fuzz-image", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		exercise(path, BLOCK_OPEN_NO_BACKING);
		exercise(path, BLOCK_OPEN_NO_BACKING | BLOCK_OPEN_RDWR);
		exercise_strict(path);
	}
	close(fd);
	return 0;
}
