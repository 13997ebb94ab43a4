// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * img-io: drives the block layer for the tests, like qemu-io.
 *
 *   img-io [-f fmt] [-r] FILE CMD...   each CMD one argument:
 *     "write [-P byte] OFF LEN"   "read [-P byte] OFF LEN" (verifies)
 *     "zero OFF LEN"  "discard OFF LEN"  "flush"
 *     "aio-write -P byte OFF LEN N" (N requests of LEN from OFF)
 *     "hold" (prints "held", keeps the image open until stdin ends)
 *   img-io crash-writer FILE LOG SEED   random writes until killed
 *   img-io crash-verify FILE LOG         checks what was flushed
 *
 * The crash writer logs "W i off len" before each write and "F i" after
 * each completed flush; the log is written with write(2), so it
 * survives SIGKILL. Pattern of write i: byte (i % 251) + 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>

#include "block/block.h"
#include "block/image.h"

static int parse_num(const char *s, uint64_t *v)
{
	char *end;

	*v = strtoull(s, &end, 0);
	switch (*end) {
	case 'k':
	case 'K':
		*v <<= 10;
		end++;
		break;
	case 'M':
		*v <<= 20;
		end++;
		break;
	case 'G':
		*v <<= 30;
		end++;
		break;
	default:
		break;
	}
	return *end ? -EINVAL : 0;
}

static int do_rw(struct block *b, bool write, int pat, uint64_t off,
		 uint64_t len, struct err **e)
{
	uint8_t *buf = malloc(len ? len : 1);
	int r;

	if (write) {
		memset(buf, pat, len);
		r = block_pwrite(b, buf, len, off, e);
	} else {
		r = block_pread(b, buf, len, off, e);
		for (uint64_t i = 0; r == 0 && pat >= 0 && i < len; i++)
			if (buf[i] != pat)
				r = err_set(e, EILSEQ,
					    "pattern mismatch at %" PRIu64
					    ": %#x != %#x",
					    off + i, buf[i], pat);
	}
	free(buf);
	return r;
}

static int do_aio_write(struct block *b, int pat, uint64_t off, uint64_t len,
			uint64_t n, struct err **e)
{
	struct block_aio *q;
	struct block_req *reqs = calloc(n, sizeof(*reqs)), *done[16];
	struct iovec *iov = calloc(n, sizeof(*iov));
	uint8_t *buf = malloc(len);
	uint64_t got = 0;
	int r = block_aio_new(b, (unsigned)n, &q, e);

	memset(buf, pat, len);
	for (uint64_t i = 0; r == 0 && i < n; i++) {
		iov[i] = (struct iovec){buf, len};
		reqs[i] = (struct block_req){.op = BLOCK_OP_WRITE,
					     .offset = off + i * len,
					     .iov = &iov[i],
					     .iovcnt = 1};
		r = block_aio_submit(q, &reqs[i]);
	}
	while (r == 0 && got < n) {
		block_aio_wait(q);
		int k = block_aio_reap(q, done, 16);

		for (int i = 0; i < k; i++)
			if (done[i]->result < 0)
				r = err_set(e, -done[i]->result, "aio write");
		got += (uint64_t)k;
	}
	if (r == 0)
		block_aio_free(q);
	free(buf);
	free(iov);
	free(reqs);
	return r;
}

static int run_cmd(struct block *b, char *cmd, struct err **e)
{
	char *argv[8];
	int argc = 0, pat = -1, i = 1;
	uint64_t off, len, n = 0;

	for (char *t = strtok(cmd, " "); t && argc < 8; t = strtok(NULL, " "))
		argv[argc++] = t;
	if (argc == 0)
		return 0;
	if (!strcmp(argv[0], "flush"))
		return block_flush(b, e);
	if (!strcmp(argv[0], "hold")) { /* keep the image open (locked) */
		char c;

		printf("held\n");
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "-P")) {
		pat = (int)strtol(argv[2], NULL, 0);
		i = 3;
	}
	if (argc < i + 2 || parse_num(argv[i], &off) ||
	    parse_num(argv[i + 1], &len))
		return err_set(e, EINVAL, "bad command '%s'", argv[0]);
	if (argc > i + 2 && parse_num(argv[i + 2], &n))
		return err_set(e, EINVAL, "bad count");
	if (!strcmp(argv[0], "write"))
		return do_rw(b, true, pat < 0 ? 0xcd : pat, off, len, e);
	if (!strcmp(argv[0], "read"))
		return do_rw(b, false, pat, off, len, e);
	if (!strcmp(argv[0], "zero"))
		return block_write_zeroes(b, off, len, 0, e);
	if (!strcmp(argv[0], "discard"))
		return block_discard(b, off, len, e);
	if (!strcmp(argv[0], "aio-write"))
		return do_aio_write(b, pat < 0 ? 0xcd : pat, off, len, n, e);
	return err_set(e, EINVAL, "unknown command '%s'", argv[0]);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void logf_line(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_line(int fd, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(fd, line, (size_t)n) != n)
		exit(3);
}

/* Random writes (and some zeroes) with periodic flushes, until killed. */
static int crash_writer(const char *path, const char *log, uint64_t seed)
{
	_cleanup_err_ struct err *e = NULL;
	struct block *b = NULL;
	int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	uint64_t size, i, base;
	static uint8_t buf[256 << 10];

	if (fd < 0 || block_open(path, NULL, BLOCK_OPEN_RDWR, &b, &e) < 0) {
		fprintf(stderr, "crash-writer: %s\n", err_msg(e));
		return 1;
	}
	size = block_size(b);
	base = seed * 1000000;
	for (i = base + 1;; i++) {
		uint64_t len = rnd(&seed) % sizeof(buf) + 1;
		uint64_t off = rnd(&seed) % (size - len);
		bool zero = rnd(&seed) % 16 == 0;
		int r;

		if (rnd(&seed) % 2)
			off &= ~4095ull;
		logf_line(fd, "%c %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			  zero ? 'Z' : 'W', i, off, len);
		memset(buf, (int)(i % 251) + 1, len);
		r = zero ? block_write_zeroes(b, off, len, BLOCK_ZERO_MAY_UNMAP,
					      &e)
			 : block_pwrite(b, buf, len, off, &e);
		if (r == 0 && rnd(&seed) % 8 == 0) {
			r = block_flush(b, &e);
			if (r == 0)
				logf_line(fd, "F %" PRIu64 "\n", i);
		}
		if (r < 0) {
			fprintf(stderr, "crash-writer: %s\n", err_msg(e));
			return 1;
		}
	}
}

#define MAX_RUNS 4096

struct logent {
	char kind;
	uint64_t i, off, len;
};

/* Checks that every write before the last flush mark reads back. */
static int crash_verify(const char *path, const char *log)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_block_ struct block *b = NULL;
	FILE *f = fopen(log, "re");
	struct logent *ents = NULL;
	size_t n = 0, cap = 0;
	static uint64_t flushed[MAX_RUNS];
	uint64_t size;
	uint8_t *want, *unknown, *got;
	char kind;
	struct logent le;
	int bad = 0;

	if (!f || block_open(path, NULL, 0, &b, &e) < 0)
		return fprintf(stderr, "crash-verify: %s\n", err_msg(e)), 1;
	while (fscanf(f, " %c %" SCNu64, &kind, &le.i) == 2) {
		if (kind == 'F') {
			if (le.i / 1000000 < MAX_RUNS)
				flushed[le.i / 1000000] = le.i;
			continue;
		}
		if (fscanf(f, " %" SCNu64 " %" SCNu64, &le.off, &le.len) != 2)
			break;
		le.kind = kind;
		if (n == cap)
			ents = realloc(ents, (cap = cap ? cap * 2 : 1024) *
						     sizeof(*ents));
		ents[n++] = le;
	}
	fclose(f);
	size = block_size(b);
	want = calloc(1, size);
	unknown = calloc(1, size);
	got = malloc(size);
	for (size_t k = 0; k < n; k++) {
		struct logent *x = &ents[k];
		uint64_t run = x->i / 1000000;

		if (x->off + x->len > size)
			continue;
		if (run < MAX_RUNS && x->i <= flushed[run]) {
			memset(want + x->off,
			       x->kind == 'W' ? (int)(x->i % 251) + 1 : 0,
			       x->len);
			memset(unknown + x->off, 0, x->len);
		} else {
			memset(unknown + x->off, 1, x->len);
		}
	}
	if (block_pread(b, got, size, 0, &e) < 0)
		return fprintf(stderr, "crash-verify: %s\n", err_msg(e)), 1;
	for (uint64_t k = 0; k < size && bad < 5; k++) {
		if (!unknown[k] && got[k] != want[k]) {
			fprintf(stderr,
				"crash-verify: byte %" PRIu64
				" is %#x, want %#x\n",
				k, got[k], want[k]);
			bad++;
		}
	}
	free(want);
	free(unknown);
	free(got);
	free(ents);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	_cleanup_err_ struct err *e = NULL;
	struct block *b = NULL;
	const char *fmt = NULL;
	unsigned flags = BLOCK_OPEN_RDWR;
	int i = 1, r = 0;

	if (argc == 5 && !strcmp(argv[1], "crash-writer"))
		return crash_writer(argv[2], argv[3], strtoull(argv[4], 0, 0));
	if (argc == 4 && !strcmp(argv[1], "crash-verify"))
		return crash_verify(argv[2], argv[3]);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") && i + 1 < argc)
			fmt = argv[++i];
		else if (!strcmp(argv[i], "-r"))
			flags = 0;
	}
	if (i >= argc)
		return fprintf(stderr,
			       "usage: img-io [-f fmt] [-r] FILE CMD...\n"),
		       2;
	if (block_open(argv[i], fmt, flags, &b, &e) < 0) {
		fprintf(stderr, "img-io: %s\n", err_msg(e));
		return 1;
	}
	for (i++; i < argc && r == 0; i++) {
		char *cmd = strdup(argv[i]);

		r = run_cmd(b, cmd, &e);
		free(cmd);
	}
	if (r < 0)
		fprintf(stderr, "img-io: %s\n", err_msg(e));
	if (block_close(b) < 0 && r == 0)
		r = -EIO;
	return r < 0 ? 1 : 0;
}
