// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img convert`: copies one or more images (concatenated) into a
 * new image of any writable format. Ranges that read as zeroes are
 * skipped (the output stays sparse), as are zero blocks found in the
 * data unless -S 0; -c compresses each cluster (qcow2).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>

#include "cli/img.h"

#define CHUNK	    (2u << 20)
#define MAX_THREADS 8

struct convert {
	struct block **src;
	int nsrc;
	struct block *dst;
	uint64_t total, done;
	uint64_t gran; /* zero-detection granularity */
	bool compress, sparse, progress, fresh, only_top;
	int last_pct;
	uint8_t *buf;
	uint8_t *cbuf; /* compressed clusters of a chunk */
	ssize_t *clen; /* their lengths (-1: zero cluster) */
	int threads;
};

static bool is_zero(const uint8_t *p, size_t n)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < n / 8; i += 4) {
		if (i + 4 <= n / 8) {
			if (w[i] | w[i + 1] | w[i + 2] | w[i + 3])
				return false;
		} else {
			for (; i < n / 8; i++)
				if (w[i])
					return false;
			break;
		}
	}
	for (i = n & ~7ul; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void progress(struct convert *c, bool force)
{
	double pct;

	if (!c->progress)
		return;
	pct = c->total ? 100.0 * (double)c->done / (double)c->total : 100.0;
	if (!force && (int)(pct * 10) == c->last_pct)
		return;
	c->last_pct = (int)(pct * 10);
	printf("    (%3.2f/100%%)\r", pct);
	fflush(stdout);
}

/* Writes @len bytes of c->buf at @off, skipping zero granules. */
static int write_sparse(struct convert *c, uint64_t off, size_t len,
			struct err **e)
{
	size_t pos = 0;

	while (pos < len) {
		uint64_t g = c->gran - ((off + pos) % c->gran);
		size_t n = (size_t)MIN(g, len - pos), run = n;
		bool zero = c->sparse && is_zero(c->buf + pos, n);
		int r;

		/* extend the run while the kind stays the same */
		while (pos + run < len) {
			size_t m = (size_t)MIN(c->gran, len - pos - run);

			if ((c->sparse && is_zero(c->buf + pos + run, m)) !=
			    zero)
				break;
			run += m;
		}
		if (zero && !c->fresh)
			r = block_write_zeroes(c->dst, off + pos, run, 0, e);
		else if (zero)
			r = 0;
		else
			r = block_pwrite(c->dst, c->buf + pos, run, off + pos,
					 e);
		if (r < 0)
			return r;
		pos += run;
	}
	return 0;
}

struct comp_job {
	struct convert *c;
	size_t first, step, n;
};

/* Compresses every step-th cluster of the chunk; -1 marks zero ones. */
static void *compress_worker(void *opaque)
{
	struct comp_job *j = opaque;
	struct convert *c = j->c;
	uint64_t cs = c->gran;

	for (size_t i = j->first; i < j->n; i += j->step) {
		if (is_zero(c->buf + i * cs, cs))
			c->clen[i] = -1;
		else
			c->clen[i] = img_compress(c->dst, c->buf + i * cs,
						  c->cbuf + i * cs);
	}
	return NULL;
}

/* Compresses the clusters of [off, off+len) in parallel, writes them in
 * order. */
static int write_compressed(struct convert *c, uint64_t off, size_t len,
			    struct err **e)
{
	uint64_t cs = c->gran;
	size_t n = DIV_ROUND_UP(len, cs);
	struct comp_job jobs[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	int nt = (int)MIN((size_t)c->threads, n), r = 0;

	if (len % cs)
		memset(c->buf + len, 0, cs - len % cs);
	for (int t = 0; t < nt; t++) {
		jobs[t] = (struct comp_job){c, (size_t)t, (size_t)nt, n};
		if (t > 0 && pthread_create(&th[t], NULL, compress_worker,
					    &jobs[t]) != 0)
			nt = t;
	}
	compress_worker(&jobs[0]);
	for (int t = 1; t < nt; t++)
		pthread_join(th[t], NULL);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (c->clen[i] < 0)
			continue;
		r = img_write_compressed(c->dst, c->buf + i * cs,
					 c->cbuf + i * cs, c->clen[i],
					 off + i * cs, e);
	}
	return r;
}

/* Copies one source to the output at @base. */
static int copy_one(struct convert *c, struct block *s, uint64_t base,
		    struct err **e)
{
	uint64_t size = block_size(s), off = 0;
	struct block_status st;
	int r;

	while (off < size) {
		uint64_t want = MIN(size - off, CHUNK);

		r = block_status(s, off, want, &st, e);
		if (r < 0)
			return r;
		want = st.bytes;
		if ((st.flags & BLOCK_STATUS_ZERO) && c->sparse &&
		    !c->compress) {
			if (!c->fresh)
				r = block_write_zeroes(c->dst, base + off, want,
						       0, e);
		} else if (c->only_top && st.depth > 0) {
			r = 0;
		} else {
			r = block_pread(s, c->buf, (size_t)want, off, e);
			if (r == 0 && c->compress)
				r = write_compressed(c, base + off, want, e);
			else if (r == 0)
				r = write_sparse(c, base + off, want, e);
		}
		if (r < 0)
			return r;
		off += want;
		c->done += want;
		progress(c, false);
	}
	return 0;
}

/* Zero-aligned chunking for compression: status ranges must start on
 * cluster boundaries, so reads go cluster by cluster in whole chunks. */
static int copy_one_compressed(struct convert *c, struct block *s,
			       uint64_t base, struct err **e)
{
	uint64_t size = block_size(s);
	int r;

	for (uint64_t off = 0; off < size; off += CHUNK) {
		size_t n = (size_t)MIN(CHUNK, size - off);
		struct block_status st;

		r = block_status(s, off, n, &st, e);
		if (r < 0)
			return r;
		if (!(st.bytes >= n && (st.flags & BLOCK_STATUS_ZERO))) {
			r = block_pread(s, c->buf, n, off, e);
			if (r == 0)
				r = write_compressed(c, base + off, n, e);
			if (r < 0)
				return r;
		}
		c->done += n;
		progress(c, false);
	}
	return 0;
}

struct convert_args {
	const char *src_fmt, *out_fmt, *backing, *backing_fmt, *cache;
	char *opts;
	bool compress, progress, no_create, quiet;
	int sparse_size;
};

static int parse_args(int argc, char **argv, struct convert_args *a)
{
	static const struct option lo[] = {{"force-share", no_argument, 0, 'U'},
					   {0, 0, 0, 0}};
	uint64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:O:B:F:o:cpS:nqt:T:m:WUC", lo,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			a->src_fmt = optarg;
			break;
		case 'O':
			a->out_fmt = optarg;
			break;
		case 'B':
			a->backing = optarg;
			break;
		case 'F':
			a->backing_fmt = optarg;
			break;
		case 'o':
			a->opts = optarg;
			break;
		case 'c':
			a->compress = true;
			break;
		case 'p':
			a->progress = true;
			break;
		case 'n':
			a->no_create = true;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'S':
			if (img_parse_size(optarg, &v) < 0)
				return img_error("Invalid buffer size for "
						 "sparse output specified"),
				       -1;
			a->sparse_size = (int)v;
			break;
		case 't':
		case 'T':
		case 'm':
		case 'W':
		case 'U':
		case 'C':
			break;
		default:
			return -1;
		}
	}
	if (argc - optind < 2)
		return img_error("Must specify image file name"), -1;
	return 0;
}

static int create_output(const char *path, struct convert_args *a,
			 uint64_t size)
{
	struct img_create_opts o = {.format = a->out_fmt, .size = size};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *opts = a->opts ? xstrdup(a->opts) : NULL;

	if (opts && img_parse_create_opts(opts, &o) < 0)
		return -1;
	if (a->backing) {
		o.backing = a->backing;
		o.backing_fmt = a->backing_fmt;
	}
	if (img_create(path, &o, &e) < 0) {
		img_error("%s", err_msg(e));
		return -1;
	}
	return 0;
}

static int run(struct convert *c, const char *out, struct err **e)
{
	uint64_t base = 0;
	int r = 0;

	progress(c, true);
	for (int i = 0; i < c->nsrc && r == 0; i++) {
		r = c->compress ? copy_one_compressed(c, c->src[i], base, e)
				: copy_one(c, c->src[i], base, e);
		base += block_size(c->src[i]);
	}
	if (r == 0)
		r = block_flush(c->dst, e);
	if (r < 0)
		return err_prefix(e, "converting to '%s'", out);
	c->done = c->total;
	progress(c, true);
	if (c->progress)
		printf("\n");
	return 0;
}

int img_cmd_convert(int argc, char **argv)
{
	struct convert_args a = {.out_fmt = "raw", .sparse_size = 4096};
	struct convert c = {0};
	_cleanup_err_ struct err *e = NULL;
	const char *out;
	int ret = 1, r;

	if (parse_args(argc, argv, &a) < 0)
		return 1;
	out = argv[argc - 1];
	c.nsrc = argc - optind - 1;
	c.src = xcalloc(c.nsrc, sizeof(*c.src));
	for (int i = 0; i < c.nsrc; i++) {
		c.src[i] = img_open(argv[optind + i], a.src_fmt, 0);
		if (!c.src[i])
			goto out;
		c.total += block_size(c.src[i]);
	}
	if (!a.no_create && create_output(out, &a, c.total) < 0)
		goto out;
	/* like qemu-img, the output's default cache mode is "unsafe" */
	c.dst = img_open(out, a.no_create ? NULL : a.out_fmt,
			 BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING |
				 (!a.cache || streq(a.cache, "unsafe")
					  ? BLOCK_OPEN_NO_FLUSH
					  : 0));
	if (!c.dst)
		goto out;
	c.fresh = !a.no_create;
	c.sparse = a.sparse_size > 0;
	c.compress = a.compress;
	c.progress = a.progress && !a.quiet;
	c.only_top = a.backing != NULL;
	c.last_pct = -1;
	c.gran =
		MAX(img_cluster_size(c.dst), (uint64_t)MAX(a.sparse_size, 512));
	if (c.compress && !img_cluster_size(c.dst)) {
		img_error("Compression not supported for this file format");
		goto out;
	}
	if (c.compress)
		c.gran = img_cluster_size(c.dst);
	c.buf = xmalloc(CHUNK + c.gran);
	if (c.compress) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		c.threads = (int)MAX(1, MIN(ncpu, MAX_THREADS));
		c.cbuf = xmalloc(CHUNK + c.gran);
		c.clen = xcalloc(CHUNK / c.gran + 1, sizeof(ssize_t));
	}
	r = run(&c, out, &e);
	if (r < 0) {
		img_error("%s", err_msg(e));
		goto out;
	}
	ret = 0;
out:
	if (c.dst && block_close(c.dst) < 0 && ret == 0) {
		img_error("error while closing '%s'", out);
		ret = 1;
	}
	for (int i = 0; i < c.nsrc; i++)
		block_close(c.src[i]);
	free(c.src);
	free(c.buf);
	free(c.cbuf);
	free(c.clen);
	return ret;
}
