// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the block layer through block.h and image.h: raw and
 * qcow2 against an in-memory model (random unaligned writes, zeroes,
 * discards, through a backing chain), block_status, resize, snapshots,
 * loop detection, and the asynchronous interface (io_uring and threads).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include "block/block.h"
#include "block/image.h"
#include "test.h"

static char dir[] = "/tmp/nido-block-test-XXXXXX";

static char *path(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int create(const char *name, const char *fmt, uint64_t size, uint64_t cs,
		  const char *backing)
{
	struct img_create_opts o = {.format = fmt,
				    .size = size,
				    .cluster_size = cs,
				    .backing = backing,
				    .backing_fmt = !backing ? NULL
						   : strstr(backing, ".raw")
							   ? "raw"
							   : "qcow2"};
	_cleanup_err_ struct err *e = NULL;
	int r = img_create(path(name), &o, &e);

	if (r < 0)
		printf("# create %s: %s\n", name, err_msg(e));
	return r;
}

/* Random operations on @b, mirrored in @model; reads compared. */
static int model_run(struct block *b, uint8_t *model, uint64_t size, int n)
{
	static uint8_t buf[300000], got[300000];
	_cleanup_err_ struct err *e = NULL;

	for (int i = 0; i < n; i++) {
		uint64_t len = rnd() % sizeof(buf) + 1, off, op = rnd() % 10;
		int r = 0;

		len = MIN(len, size);
		off = rnd() % (size - len + 1);
		if (op < 5) {
			memset(buf, (int)(rnd() % 255) + 1, len);
			buf[0] = (uint8_t)i;
			r = block_pwrite(b, buf, len, off, &e);
			memcpy(model + off, buf, len);
		} else if (op < 6) {
			r = block_write_zeroes(b, off, len, 0, &e);
			memset(model + off, 0, len);
		} else if (op < 7) {
			r = block_discard(b, off, len, &e);
			memset(model + off, 0, len);
		} else if (op < 8) {
			r = block_flush(b, &e);
		} else {
			r = block_pread(b, got, len, off, &e);
			if (r == 0 && memcmp(got, model + off, len)) {
				printf("# mismatch in read %d at %" PRIu64 "\n",
				       i, off);
				return -1;
			}
		}
		if (r < 0) {
			printf("# op %d: %s\n", i, err_msg(e));
			return -1;
		}
	}
	return 0;
}

static int whole_equal(struct block *b, const uint8_t *model, uint64_t size)
{
	uint8_t *got = malloc(size);
	int r = block_pread(b, got, size, 0, NULL);

	r = r == 0 && memcmp(got, model, size) == 0 ? 0 : -1;
	free(got);
	return r;
}

static int check_clean(struct block *b)
{
	_cleanup_err_ struct err *e = NULL;
	struct img_check res;
	int r = img_check(b, 0, &res, &e);

	if (r == 0 && (res.corruptions || res.leaks)) {
		printf("# check: %" PRIu64 " corruptions, %" PRIu64
		       " leaks\n%s",
		       res.corruptions, res.leaks,
		       res.report ? res.report : "");
		r = -1;
	}
	free(res.report);
	return r;
}

static void model_test(uint64_t cs, bool with_backing)
{
	const uint64_t size = 8 << 20;
	uint8_t *model = calloc(1, size);
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	const char *backing = NULL;

	if (with_backing) {
		CHECK(create("mbase.raw", "raw", size, 0, NULL) == 0);
		CHECK(block_open(path("mbase.raw"), "raw", BLOCK_OPEN_RDWR, &b,
				 &e) == 0);
		for (uint64_t i = 0; i < size; i++)
			model[i] = (uint8_t)(i * 7 + 1);
		CHECK(block_pwrite(b, model, size, 0, &e) == 0);
		block_close(b);
		b = NULL;
		backing = "mbase.raw";
	}
	CHECK(create("model.qcow2", "qcow2", size, cs, backing) == 0);
	CHECK(block_open(path("model.qcow2"), NULL, BLOCK_OPEN_RDWR, &b, &e) ==
	      0);
	CHECK(model_run(b, model, size, 400) == 0);
	CHECK(block_flush(b, &e) == 0);
	CHECK(whole_equal(b, model, size) == 0);
	CHECK(check_clean(b) == 0);
	block_close(b);
	b = NULL;
	/* reopened, the image reads the same */
	CHECK(block_open(path("model.qcow2"), NULL, 0, &b, &e) == 0);
	CHECK(whole_equal(b, model, size) == 0);
	free(model);
}

static void qcow2_model_64k(void)
{
	model_test(65536, false);
}

static void qcow2_model_512(void)
{
	model_test(512, false);
}

static void qcow2_model_4k_over_raw_backing(void)
{
	model_test(4096, true);
}

static void raw_model(void)
{
	const uint64_t size = 4 << 20;
	uint8_t *model = calloc(1, size);
	_cleanup_block_ struct block *b = NULL;

	CHECK(create("model.raw", "raw", size, 0, NULL) == 0);
	CHECK(block_open(path("model.raw"), "raw", BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK(model_run(b, model, size, 300) == 0);
	CHECK(whole_equal(b, model, size) == 0);
	free(model);
}

static void status_through_chain(void)
{
	_cleanup_block_ struct block *b = NULL;
	struct block_status st;
	uint8_t buf[65536];

	memset(buf, 1, sizeof(buf));
	CHECK(create("sb.qcow2", "qcow2", 1 << 20, 0, NULL) == 0);
	CHECK(block_open(path("sb.qcow2"), NULL, BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK(block_pwrite(b, buf, sizeof(buf), 0, NULL) == 0);
	block_close(b);
	b = NULL;
	CHECK(create("st.qcow2", "qcow2", 0, 0, "sb.qcow2") == 0);
	CHECK(block_open(path("st.qcow2"), NULL, BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK_U64_EQ(block_size(b), 1 << 20);
	CHECK(block_pwrite(b, buf, 512, 65536, NULL) == 0);
	CHECK(block_status(b, 0, 1 << 20, &st, NULL) == 0);
	CHECK_INT_EQ(st.depth, 1);
	CHECK_U64_EQ(st.bytes, 65536);
	CHECK(st.flags & BLOCK_STATUS_DATA);
	CHECK(block_status(b, 65536, 1 << 20, &st, NULL) == 0);
	CHECK_INT_EQ(st.depth, 0);
	CHECK(st.flags & BLOCK_STATUS_ALLOCATED);
	CHECK(block_status(b, 131072, 1 << 20, &st, NULL) == 0);
	CHECK(st.flags & BLOCK_STATUS_ZERO);
	CHECK(!(st.flags & BLOCK_STATUS_ALLOCATED));
	CHECK_U64_EQ(st.bytes, (1 << 20) - 131072);
}

/* block_map: bytes stored as they read are mapped, nothing else. */
static void map_only_plain_data(void)
{
	_cleanup_block_ struct block *b = NULL, *ro = NULL;
	struct block_status st;
	const uint8_t *p;
	uint8_t buf[3 * 4096];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	/* two runs of clusters, written out of order, so not contiguous */
	CHECK(create("mp.qcow2", "qcow2", 1 << 20, 4096, NULL) == 0);
	CHECK(block_open(path("mp.qcow2"), NULL, BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK(block_pwrite(b, buf, sizeof(buf), 65536, NULL) == 0);
	CHECK(block_pwrite(b, buf, 4096, 0, NULL) == 0);
	CHECK(block_status(b, 65536, 1 << 20, &st, NULL) == 0);
	CHECK(block_map(&st) == NULL); /* the image is writable */
	CHECK(block_close(b) == 0);
	b = NULL;
	CHECK(block_open(path("mp.qcow2"), NULL, 0, &ro, NULL) == 0);
	CHECK(block_status(ro, 65536 + 100, 1 << 20, &st, NULL) == 0);
	CHECK_U64_EQ(st.bytes, sizeof(buf) - 100);
	p = block_map(&st);
	CHECK(p != NULL);
	CHECK(memcmp(p, buf + 100, sizeof(buf) - 100) == 0);
	CHECK(block_status(ro, 0, 1 << 20, &st, NULL) == 0);
	CHECK_U64_EQ(st.bytes, 4096);
	p = block_map(&st);
	CHECK(p != NULL && memcmp(p, buf, 4096) == 0);
	CHECK(block_status(ro, 8192, 1 << 20, &st, NULL) == 0);
	CHECK(st.flags & BLOCK_STATUS_ZERO);
	CHECK(block_map(&st) == NULL); /* unallocated */
	/* a status that reaches past the end of the file is not mapped */
	CHECK(block_status(ro, 65536, 1 << 20, &st, NULL) == 0);
	st.bytes = 1ull << 40;
	CHECK(block_map(&st) == NULL);
	st.flags |= BLOCK_STATUS_COMPRESSED;
	st.bytes = 4096;
	CHECK(block_map(&st) == NULL);
	/* shared (-U): others may shrink it, so it is read, not mapped */
	block_close(ro);
	ro = NULL;
	CHECK(block_open(path("mp.qcow2"), NULL, BLOCK_OPEN_SHARE_RW, &ro,
			 NULL) == 0);
	CHECK(block_status(ro, 65536, 1 << 20, &st, NULL) == 0);
	CHECK(st.flags & BLOCK_STATUS_DATA);
	CHECK(block_map(&st) == NULL);
}

static void out_of_range_and_read_only(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	uint8_t buf[16];

	CHECK(create("ro.qcow2", "qcow2", 4096, 0, NULL) == 0);
	CHECK(block_open(path("ro.qcow2"), "qcow2", 0, &b, NULL) == 0);
	CHECK_INT_EQ(block_pread(b, buf, 16, 4090, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "ro.qcow2");
	CHECK_INT_EQ(block_pwrite(b, buf, 16, 0, &e), -EROFS);
	CHECK_STR_CONTAINS(err_msg(e), "read-only");
}

static void resize_grow_and_shrink(void)
{
	_cleanup_block_ struct block *b = NULL;
	uint8_t buf[4096], got[4096];

	memset(buf, 3, sizeof(buf));
	CHECK(create("rs.qcow2", "qcow2", 1 << 20, 4096, NULL) == 0);
	CHECK(block_open(path("rs.qcow2"), NULL, BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK(block_pwrite(b, buf, 4096, 0, NULL) == 0);
	CHECK(block_resize(b, 4ull << 30, 0, NULL) == 0);
	CHECK(block_pwrite(b, buf, 4096, (4ull << 30) - 4096, NULL) == 0);
	CHECK(block_resize(b, 1 << 20, 0, NULL) == -EINVAL);
	CHECK(block_resize(b, 8192, BLOCK_RESIZE_SHRINK, NULL) == 0);
	CHECK(block_resize(b, 1 << 20, 0, NULL) == 0);
	CHECK(block_pread(b, got, 4096, 0, NULL) == 0);
	CHECK(memcmp(got, buf, 4096) == 0);
	CHECK(block_pread(b, got, 4096, 8192, NULL) == 0);
	CHECK(got[0] == 0 && got[4095] == 0);
	CHECK(check_clean(b) == 0);
}

static void snapshots_round_trip(void)
{
	_cleanup_block_ struct block *b = NULL;
	struct img_snapshot *list = NULL;
	uint8_t a[8192], c[8192];
	int n = 0;

	memset(a, 0xa, sizeof(a));
	memset(c, 0xc, sizeof(c));
	CHECK(create("sn.qcow2", "qcow2", 1 << 20, 4096, NULL) == 0);
	CHECK(block_open(path("sn.qcow2"), NULL, BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK(block_pwrite(b, a, sizeof(a), 0, NULL) == 0);
	CHECK(img_snapshot(b, IMG_SNAPSHOT_CREATE, "first", NULL) == 0);
	CHECK(img_snapshot(b, IMG_SNAPSHOT_CREATE, "first", NULL) == -EEXIST);
	CHECK(block_pwrite(b, c, sizeof(c), 2048, NULL) == 0);
	CHECK(check_clean(b) == 0);
	CHECK(img_snapshot_list(b, &list, &n, NULL) == 0);
	CHECK_INT_EQ(n, 1);
	CHECK_STR_EQ(list[0].name, "first");
	CHECK_STR_EQ(list[0].id, "1");
	img_snapshots_free(list, n);
	CHECK(img_snapshot(b, IMG_SNAPSHOT_APPLY, "first", NULL) == 0);
	CHECK(block_pread(b, c, sizeof(c), 0, NULL) == 0);
	CHECK(memcmp(a, c, sizeof(a)) == 0);
	CHECK(img_snapshot(b, IMG_SNAPSHOT_DELETE, "1", NULL) == 0);
	CHECK(img_snapshot(b, IMG_SNAPSHOT_DELETE, "1", NULL) == -ENOENT);
	CHECK(check_clean(b) == 0);
}

static void backing_loop_is_refused(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK(create("la.qcow2", "qcow2", 1 << 20, 0, NULL) == 0);
	CHECK(create("lb.qcow2", "qcow2", 1 << 20, 0, "la.qcow2") == 0);
	CHECK(block_open(path("la.qcow2"), NULL,
			 BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING, &b,
			 NULL) == 0);
	CHECK(img_set_backing(b, "lb.qcow2", "qcow2", NULL) == 0);
	block_close(b);
	b = NULL;
	CHECK_INT_EQ(block_open(path("lb.qcow2"), NULL, 0, &b, &e), -ELOOP);
	CHECK_STR_CONTAINS(err_msg(e), "loops");
	CHECK(b == NULL);
}

static void probe_and_unknown_format(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK(create("p.qcow2", "qcow2", 1 << 20, 0, NULL) == 0);
	CHECK(block_open(path("p.qcow2"), NULL, 0, &b, NULL) == 0);
	CHECK_STR_EQ(block_format(b), "qcow2");
	block_close(b);
	b = NULL;
	CHECK(block_open(path("p.qcow2"), "raw", 0, &b, NULL) == 0);
	CHECK_STR_EQ(block_format(b), "raw");
	block_close(b);
	b = NULL;
	CHECK_INT_EQ(block_open(path("p.qcow2"), "vhdx", 0, &b, &e), -ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e), "vhdx");
	CHECK_INT_EQ(block_open(path("none"), NULL, 0, &b, &e), -ENOENT);
	CHECK_STR_CONTAINS(err_msg(e), "none");
}

/* Writes then reads @n requests through a block_aio, watching its fd. */
static int aio_round(struct block *b, int n)
{
	struct block_aio *q = NULL;
	struct block_req reqs[32], *done[32];
	struct iovec iov[32];
	static uint8_t bufs[32][4096];
	int got = 0, r = block_aio_new(b, 32, &q, NULL);

	if (r < 0)
		return r;
	for (int pass = 0; pass < 2 && r == 0; pass++) {
		for (int i = 0; i < n; i++) {
			if (pass == 0)
				memset(bufs[i], i + 1, 4096);
			else
				memset(bufs[i], 0, 4096);
			iov[i] = (struct iovec){bufs[i], 4096};
			reqs[i] = (struct block_req){
				.op = pass ? BLOCK_OP_READ : BLOCK_OP_WRITE,
				.offset = (uint64_t)i * 8192,
				.iov = &iov[i],
				.iovcnt = 1};
			r = block_aio_submit(q, &reqs[i]);
			if (r < 0)
				break;
		}
		for (got = 0; r == 0 && got < n;) {
			struct pollfd p = {block_aio_fd(q), POLLIN, 0};

			poll(&p, 1, 5000);
			int k = block_aio_reap(q, done, 32);

			for (int j = 0; j < k; j++)
				if (done[j]->result < 0)
					r = done[j]->result;
			got += k;
		}
	}
	for (int i = 0; r == 0 && i < n; i++)
		if (bufs[i][0] != i + 1 || bufs[i][4095] != i + 1)
			r = -EILSEQ;
	block_aio_free(q);
	return r;
}

static void aio_raw_uses_io_uring(void)
{
	_cleanup_block_ struct block *b = NULL;
	struct block_aio *q = NULL;

	CHECK(create("aio.raw", "raw", 1 << 20, 0, NULL) == 0);
	CHECK(block_open(path("aio.raw"), "raw", BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK(block_aio_new(b, 4, &q, NULL) == 0);
	bool uring = block_aio_uses_uring(q);
	block_aio_free(q);
	CHECK_INT_EQ(aio_round(b, 32), 0);
	if (!uring)
		SKIP("io_uring unavailable here; thread pool used");
}

static void aio_qcow2_thread_pool(void)
{
	_cleanup_block_ struct block *b = NULL;

	CHECK(create("aio.qcow2", "qcow2", 1 << 20, 4096, NULL) == 0);
	CHECK(block_open(path("aio.qcow2"), NULL, BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK_INT_EQ(aio_round(b, 32), 0);
	CHECK(check_clean(b) == 0);
}

static void aio_refuses_bad_requests(void)
{
	_cleanup_block_ struct block *b = NULL;
	struct block_aio *q = NULL;
	struct iovec v = {NULL, 0};
	struct block_req r = {
		.op = BLOCK_OP_READ, .offset = 2 << 20, .iov = &v, .iovcnt = 1};

	CHECK(create("aiob.raw", "raw", 1 << 20, 0, NULL) == 0);
	CHECK(block_open(path("aiob.raw"), "raw", 0, &b, NULL) == 0);
	CHECK(block_aio_new(b, 1, &q, NULL) == 0);
	CHECK_INT_EQ(block_aio_submit(q, &r), -EINVAL);
	r.op = BLOCK_OP_WRITE;
	r.offset = 0;
	CHECK_INT_EQ(block_aio_submit(q, &r), -EROFS);
	CHECK_INT_EQ(block_aio_inflight(q), 0);
	block_aio_free(q);
}

/* An exclusive create makes a new file and writes through nothing:
 * neither a file already there nor a symbolic link (to a victim). */
static void exclusive_create_replaces_nothing(void)
{
	struct img_create_opts o = {
		.format = "qcow2", .size = 1 << 20, .exclusive = true};
	_cleanup_err_ struct err *e = NULL;
	struct stat st;
	FILE *f;

	CHECK(img_create(path("x-new.qcow2"), &o, NULL) == 0);
	CHECK(stat(path("x-new.qcow2"), &st) == 0 && st.st_size > 0);
	/* a second time: the file is there */
	CHECK_INT_EQ(img_create(path("x-new.qcow2"), &o, &e), -EEXIST);
	CHECK_STR_CONTAINS(e ? err_msg(e) : "", "x-new.qcow2");
	err_free(steal_ptr(e));
	/* a link to a victim: refused, the victim unchanged */
	f = fopen(path("x-victim"), "w");
	CHECK(f != NULL);
	if (f) {
		fputs("keep me", f);
		fclose(f);
	}
	CHECK(symlink(path("x-victim"), path("x-link.qcow2")) == 0);
	CHECK_INT_EQ(img_create(path("x-link.qcow2"), &o, &e), -EEXIST);
	CHECK(stat(path("x-victim"), &st) == 0 && st.st_size == 7);
	/* a dangling link is no way in either */
	CHECK(symlink(path("x-nowhere"), path("x-dangling.qcow2")) == 0);
	CHECK(img_create(path("x-dangling.qcow2"), &o, NULL) < 0);
	CHECK(access(path("x-nowhere"), F_OK) < 0);
	/* without it, a file there is replaced (qemu-img create's way) */
	o.exclusive = false;
	CHECK(img_create(path("x-new.qcow2"), &o, NULL) == 0);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(raw_model);
	RUN(qcow2_model_64k);
	RUN(qcow2_model_512);
	RUN(qcow2_model_4k_over_raw_backing);
	RUN(status_through_chain);
	RUN(map_only_plain_data);
	RUN(out_of_range_and_read_only);
	RUN(resize_grow_and_shrink);
	RUN(snapshots_round_trip);
	RUN(backing_loop_is_refused);
	RUN(probe_and_unknown_format);
	RUN(aio_raw_uses_io_uring);
	RUN(aio_qcow2_thread_pool);
	RUN(aio_refuses_bad_requests);
	RUN(exclusive_create_replaces_nothing);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return test_done();
}
