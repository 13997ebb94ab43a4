// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of storage_copy() (src/storage/copy.c), what vol-clone and
 * vol-create-from run, and of buf_is_zero() (lib/util.h) it relies on:
 * a qcow2 with data, zero clusters and data that happens to be zero
 * copied into a raw target that reads as zeroes (left sparse) and into
 * one full of old bytes (zeroed where the source reads as zeroes, past
 * its end too), with the progress reaching the total.
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "block/block.h"
#include "block/image.h"
#include "storage/storage.h"
#include "test.h"

#define MiB (1u << 20)

static char dir[] = "/tmp/nido-copy-test-XXXXXX";

static char *path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void buf_is_zero_finds_any_byte(void)
{
	uint8_t b[300] = {0};

	CHECK(buf_is_zero(b, sizeof(b)));
	CHECK(buf_is_zero(b + 3, 0));
	for (size_t i = 0; i < sizeof(b); i += 7) {
		b[i] = 1;
		/* unaligned starts and lengths: head, words, tail */
		CHECK(!buf_is_zero(b, sizeof(b)));
		CHECK(!buf_is_zero(b + (i > 3 ? i - 3 : 0), 5));
		CHECK(i + 1 >= sizeof(b) ||
		      buf_is_zero(b + i + 1, sizeof(b) - i - 1));
		b[i] = 0;
	}
}

/* The source: 4 MiB qcow2, 0x5a at 1 MiB (64 KiB), zeroes written as data
 * at 2 MiB (128 KiB), 0xa5 in the last 4 KiB. */
static int make_source(struct block **out)
{
	struct img_create_opts o = {.format = "qcow2", .size = 4 * MiB};
	static uint8_t buf[128 << 10];
	struct block *b = NULL;

	if (img_create(path("src.qcow2"), &o, NULL) < 0 ||
	    block_open(path("src.qcow2"), "qcow2", BLOCK_OPEN_RDWR, &b, NULL) <
		    0)
		return -1;
	memset(buf, 0x5a, 64 << 10);
	if (block_pwrite(b, buf, 64 << 10, MiB, NULL) < 0)
		goto fail;
	memset(buf, 0, sizeof(buf));
	if (block_pwrite(b, buf, sizeof(buf), 2 * MiB, NULL) < 0)
		goto fail;
	memset(buf, 0xa5, 4096);
	if (block_pwrite(b, buf, 4096, 4 * MiB - 4096, NULL) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	block_close(b);
	return -1;
}

/* Is @name what the source reads as, then zeroes up to its size? */
static bool same_as_source(const char *name, uint64_t size)
{
	_cleanup_close_ int fd = open(path(name), O_RDONLY);
	uint8_t *got = xmalloc(size);
	bool ok = fd >= 0 && pread(fd, got, size, 0) == (ssize_t)size;

	for (uint64_t i = 0; ok && i < size; i++) {
		uint8_t want = i >= MiB && i < MiB + (64 << 10)	    ? 0x5a
			       : i >= 4 * MiB - 4096 && i < 4 * MiB ? 0xa5
								    : 0;

		ok = got[i] == want;
	}
	free(got);
	return ok;
}

static void copy_into_zeroed_target_stays_sparse(void)
{
	_cleanup_block_ struct block *src = NULL, *dst = NULL;
	struct img_create_opts o = {.format = "raw", .size = 4 * MiB};
	struct storage_progress pr = {0};
	struct stat st;

	CHECK(make_source(&src) == 0);
	CHECK(img_create(path("sparse.raw"), &o, NULL) == 0);
	CHECK(block_open(path("sparse.raw"), "raw", BLOCK_OPEN_RDWR, &dst,
			 NULL) == 0);
	CHECK(storage_copy(src, dst, true, &pr, NULL) == 0);
	CHECK_U64_EQ(atomic_load(&pr.total), 4 * MiB);
	CHECK_U64_EQ(atomic_load(&pr.done), 4 * MiB);
	CHECK(same_as_source("sparse.raw", 4 * MiB));
	CHECK(stat(path("sparse.raw"), &st) == 0);
	/* 64 KiB and 4 KiB of data: the written zeroes are holes */
	CHECK((uint64_t)st.st_blocks * 512 <= 256u << 10);
}

static void copy_over_old_bytes_zeroes_them(void)
{
	_cleanup_block_ struct block *src = NULL, *dst = NULL;
	_cleanup_close_ int fd = -1;
	uint8_t *junk = xmalloc(6 * MiB);

	memset(junk, 'J', 6 * MiB);
	fd = open(path("old.raw"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, junk, 6 * MiB) == 6 * MiB);
	free(junk);
	CHECK(make_source(&src) == 0);
	CHECK(block_open(path("old.raw"), "raw", BLOCK_OPEN_RDWR, &dst, NULL) ==
	      0);
	CHECK(storage_copy(src, dst, false, NULL, NULL) == 0);
	/* zeroed where the source reads as zeroes, and past its end */
	CHECK(same_as_source("old.raw", 6 * MiB));
}

static void copy_into_smaller_target_is_refused(void)
{
	_cleanup_block_ struct block *src = NULL, *dst = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct img_create_opts o = {.format = "raw", .size = MiB};

	CHECK(make_source(&src) == 0);
	CHECK(img_create(path("small.raw"), &o, NULL) == 0);
	CHECK(block_open(path("small.raw"), "raw", BLOCK_OPEN_RDWR, &dst,
			 NULL) == 0);
	CHECK(storage_copy(src, dst, true, NULL, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "is smaller than");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(buf_is_zero_finds_any_byte);
	RUN(copy_into_zeroed_target_stays_sparse);
	RUN(copy_over_old_bytes_zeroes_them);
	RUN(copy_into_smaller_target_is_refused);
	unlink(path("src.qcow2"));
	unlink(path("sparse.raw"));
	unlink(path("old.raw"));
	unlink(path("small.raw"));
	rmdir(dir);
	return test_done();
}
