// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img convert`: copies one or more images (concatenated) into a
 * new image of any writable format. Ranges that read as zeroes are
 * skipped (the output stays sparse), as are zero blocks found in the
 * data unless -S 0; -c compresses each cluster (qcow2). --bitmaps then
 * copies the source's persistent bitmaps (qcow2 to qcow2), as qemu-img.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>

#include "cli/img.h"
#include "lib/thread.h"

#define CHUNK (2u << 20)

struct convert {
	struct block **src;
	int nsrc;
	struct block *dst;
	uint64_t total, done;
	uint64_t gran; /* zero-detection granularity */
	bool compress, sparse, progress, fresh, only_top;
	int last_pct;
	const uint8_t *cur; /* the chunk being written */
};

/* Page-aligned buffers: the kernel copies them much faster. */
static void *alloc_aligned(size_t n)
{
	void *p = aligned_alloc(4096, ALIGN_UP(n, 4096));

	if (!p)
		abort();
	return p;
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

/* Writes @len bytes of c->cur at @off, skipping zero granules. */
static int write_sparse(struct convert *c, uint64_t off, size_t len,
			struct err **e)
{
	size_t pos = 0;

	while (pos < len) {
		uint64_t g = c->gran - ((off + pos) % c->gran);
		size_t n = (size_t)MIN(g, len - pos), run = n;
		bool zero = c->sparse && buf_is_zero(c->cur + pos, n);
		int r;

		/* extend the run while the kind stays the same */
		while (pos + run < len) {
			size_t m = (size_t)MIN(c->gran, len - pos - run);

			if ((c->sparse && buf_is_zero(c->cur + pos + run, m)) !=
			    zero)
				break;
			run += m;
		}
		if (zero && !c->fresh)
			r = block_write_zeroes(c->dst, off + pos, run, 0, e);
		else if (zero)
			r = 0;
		else
			r = block_pwrite(c->dst, c->cur + pos, run, off + pos,
					 e);
		if (r < 0)
			return r;
		pos += run;
	}
	return 0;
}

/*
 * The copy is a pipeline: a reader thread classifies and reads chunks of
 * the sources into a ring of slots; the main thread writes them in
 * order. With -c, NCOMP threads each read and compress the next free
 * chunk instead: as many as qemu-img convert keeps requests in flight
 * (its -m 8), whatever the number of CPUs, so that the copy keeps its
 * share of a machine other jobs compete for.
 */
#define NSLOTS 16 /* > NCOMP: room to work ahead of the writer */
#define NCOMP  8

enum piece_kind { PIECE_DATA, PIECE_ZERO, PIECE_SKIP, PIECE_END };

struct slot {
	uint8_t *buf;
	const uint8_t *map; /* the data in place of buf, when mapped */
	uint64_t off, len;  /* in the output */
	enum piece_kind kind;
	bool full;
	uint8_t *cbuf; /* -c: the clusters compressed */
	ssize_t *clen; /* their lengths (-1: zero cluster) */
};

struct pipe {
	struct convert *c;
	struct slot slot[NSLOTS];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int rd, wr; /* next slot to fill, to drain */
	bool stop;
	int err;
	struct err *e;			 /* the reader's error */
	uint64_t next, written, nchunks; /* -c: claimed, written, in all */
};

/* The reader's next free slot, or NULL when told to stop. */
static struct slot *slot_get(struct pipe *p)
{
	struct slot *sl;

	pthread_mutex_lock(&p->mu);
	while (p->slot[p->rd].full && !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	sl = p->stop ? NULL : &p->slot[p->rd];
	pthread_mutex_unlock(&p->mu);
	return sl;
}

static void slot_put(struct pipe *p, struct slot *sl)
{
	pthread_mutex_lock(&p->mu);
	sl->full = true;
	p->rd = (p->rd + 1) % NSLOTS;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Classifies and reads one piece of @s at @off into @sl. */
static int read_piece(struct convert *c, struct block *s, uint64_t off,
		      uint64_t base, struct slot *sl, struct err **e)
{
	uint64_t size = block_size(s), want = MIN(size - off, CHUNK);
	struct block_status st;
	int r = block_status(s, off, want, &st, e);

	sl->map = NULL;
	if (r < 0)
		return r;
	sl->off = base + off;
	if (c->compress) { /* whole chunks, so clusters stay aligned */
		sl->len = want;
		sl->kind = st.bytes >= want && (st.flags & BLOCK_STATUS_ZERO)
				   ? PIECE_ZERO
				   : PIECE_DATA;
	} else {
		sl->len = st.bytes;
		if ((st.flags & BLOCK_STATUS_ZERO) && c->sparse)
			sl->kind = PIECE_ZERO;
		else if (c->only_top && st.depth > 0)
			sl->kind = PIECE_SKIP;
		else
			sl->kind = PIECE_DATA;
	}
	if (sl->kind != PIECE_DATA)
		return 0;
	/*
	 * Without -c, data stored as it reads is mapped rather than read:
	 * the writer copies it from the page cache once, not twice.
	 */
	sl->map = c->compress ? NULL : block_map(&st);
	if (sl->map)
		return 0;
	return block_pread(s, sl->buf, (size_t)sl->len, off, e);
}

static void *reader(void *opaque)
{
	struct pipe *p = opaque;
	struct convert *c = p->c;
	uint64_t base = 0;
	struct slot *sl = NULL;
	int r = 0;

	for (int i = 0; i < c->nsrc && r == 0; i++) {
		for (uint64_t off = 0; off < block_size(c->src[i]) && r == 0;
		     off += sl->len) {
			sl = slot_get(p);
			if (!sl)
				return NULL;
			r = read_piece(c, c->src[i], off, base, sl, &p->e);
			if (r == 0)
				slot_put(p, sl);
		}
		base += block_size(c->src[i]);
	}
	sl = slot_get(p);
	if (sl) {
		p->err = r;
		sl->kind = PIECE_END;
		slot_put(p, sl);
	}
	return NULL;
}

static int write_piece(struct convert *c, struct slot *sl, struct err **e);

/* Compresses the clusters of a read chunk into the slot. */
static void compress_slot(struct convert *c, struct slot *sl)
{
	uint64_t cs = c->gran;
	size_t n = DIV_ROUND_UP(sl->len, cs);

	if (sl->len % cs)
		memset(sl->buf + sl->len, 0, cs - sl->len % cs);
	for (size_t i = 0; i < n; i++)
		sl->clen[i] = buf_is_zero(sl->buf + i * cs, cs)
				      ? -1
				      : img_compress(c->dst, sl->buf + i * cs,
						     sl->cbuf + i * cs);
}

/* Writes a compressed chunk's clusters in order. */
static int write_compressed(struct convert *c, struct slot *sl, struct err **e)
{
	uint64_t cs = c->gran;
	size_t n = DIV_ROUND_UP(sl->len, cs);
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		if (sl->clen[i] < 0)
			continue;
		r = img_write_compressed(c->dst, sl->buf + i * cs,
					 sl->cbuf + i * cs, sl->clen[i],
					 sl->off + i * cs, e);
	}
	return r;
}

/* The source and offset of chunk @seq (sources cut in CHUNKs each). */
static void chunk_pos(struct convert *c, uint64_t seq, int *src, uint64_t *off,
		      uint64_t *base)
{
	*base = 0;
	for (*src = 0; *src < c->nsrc; (*src)++) {
		uint64_t n = DIV_ROUND_UP(block_size(c->src[*src]), CHUNK);

		if (seq < n)
			break;
		seq -= n;
		*base += block_size(c->src[*src]);
	}
	*off = seq * CHUNK;
}

/*
 * -c: claims the next chunk for a reader, at most NSLOTS chunks ahead of
 * the writer. Readers claim chunks as they come free rather than in a
 * fixed rotation: a reader the scheduler leaves waiting then holds up
 * one chunk, not every NCOMP-th one. Returns false when none is left or
 * the copy stops.
 */
static bool claim(struct pipe *p, uint64_t *seq)
{
	bool ok;

	pthread_mutex_lock(&p->mu);
	while (p->next < p->nchunks && p->next >= p->written + NSLOTS &&
	       !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	ok = !p->stop && p->next < p->nchunks;
	if (ok)
		*seq = p->next++;
	pthread_mutex_unlock(&p->mu);
	return ok;
}

/* -c: reads and compresses claimed chunks into their slots. */
static void *comp_reader(void *opaque)
{
	struct pipe *p = opaque;
	uint64_t seq, off, base;
	int src, r;

	while (claim(p, &seq)) {
		struct slot *sl = &p->slot[seq % NSLOTS];
		struct err *e = NULL;

		chunk_pos(p->c, seq, &src, &off, &base);
		r = read_piece(p->c, p->c->src[src], off, base, sl, &e);
		if (r == 0 && sl->kind == PIECE_DATA)
			compress_slot(p->c, sl);
		pthread_mutex_lock(&p->mu);
		if (r < 0 && !p->err) {
			p->err = r;
			p->e = e;
			e = NULL;
		}
		sl->full = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		err_free(e);
	}
	return NULL;
}

/* -c: writes the chunks in order as the readers finish them. */
static int comp_writer(struct pipe *p, struct err **e)
{
	for (uint64_t w = 0; w < p->nchunks; w++) {
		struct slot *sl = &p->slot[w % NSLOTS];
		int r;

		pthread_mutex_lock(&p->mu);
		while (!sl->full && !p->err)
			pthread_cond_wait(&p->cv, &p->mu);
		r = p->err;
		pthread_mutex_unlock(&p->mu);
		if (r == 0)
			r = write_piece(p->c, sl, e);
		if (r < 0)
			return r;
		p->c->done += sl->len;
		progress(p->c, false);
		pthread_mutex_lock(&p->mu);
		sl->full = false;
		p->written = w + 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return 0;
}

static int run_compressed(struct pipe *p, struct err **e)
{
	pthread_t th[NCOMP];
	int started = 0, r;

	for (int i = 0; i < p->c->nsrc; i++)
		p->nchunks += DIV_ROUND_UP(block_size(p->c->src[i]), CHUNK);
	for (int t = 0; t < NCOMP; t++) {
		if (thread_start(&th[t], "convert-read", comp_reader, p) < 0)
			break;
		started++;
	}
	r = started == NCOMP ? comp_writer(p, e) : -EAGAIN;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	return r;
}

static int write_piece(struct convert *c, struct slot *sl, struct err **e)
{
	c->cur = sl->map ? sl->map : sl->buf;
	switch (sl->kind) {
	case PIECE_ZERO:
		if (!c->fresh && !c->compress)
			return block_write_zeroes(c->dst, sl->off, sl->len, 0,
						  e);
		return 0;
	case PIECE_DATA:
		if (c->compress)
			return write_compressed(c, sl, e);
		return write_sparse(c, sl->off, (size_t)sl->len, e);
	default:
		return 0;
	}
}

/* Drains the ring in order until the end piece or an error. */
static int writer(struct pipe *p, struct err **e)
{
	struct convert *c = p->c;
	int r = 0;

	for (;;) {
		struct slot *sl = &p->slot[p->wr];

		pthread_mutex_lock(&p->mu);
		while (!sl->full)
			pthread_cond_wait(&p->cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
		if (sl->kind == PIECE_END)
			return p->err;
		r = write_piece(c, sl, e);
		if (r < 0)
			return r;
		c->done += sl->len;
		progress(c, false);
		pthread_mutex_lock(&p->mu);
		sl->full = false;
		p->wr = (p->wr + 1) % NSLOTS;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

static int copy_all(struct convert *c, struct err **e)
{
	struct pipe p = {.c = c};
	pthread_t th;
	int r;

	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	for (int i = 0; i < NSLOTS; i++) {
		p.slot[i].buf = alloc_aligned(CHUNK + c->gran);
		if (c->compress) {
			p.slot[i].cbuf = alloc_aligned(CHUNK + c->gran);
			p.slot[i].clen =
				xcalloc(CHUNK / c->gran + 1, sizeof(ssize_t));
		}
	}
	r = c->compress ? run_compressed(&p, e)
			: thread_start(&th, "convert-read", reader, &p);
	if (r == 0 && !c->compress) {
		r = writer(&p, e);
		pthread_mutex_lock(&p.mu);
		p.stop = true; /* a writer error stops the reader */
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		pthread_join(th, NULL);
	}
	if (r < 0 && p.e && e && !*e) {
		*e = p.e;
		p.e = NULL;
	}
	err_free(p.e);
	for (int i = 0; i < NSLOTS; i++) {
		free(p.slot[i].buf);
		free(p.slot[i].cbuf);
		free(p.slot[i].clen);
	}
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	return r;
}

struct convert_args {
	const char *src_fmt, *out_fmt, *backing, *backing_fmt, *cache;
	char *opts;
	bool compress, progress, no_create, quiet;
	bool has_out_fmt;	   /* -O given: -n opens the target as that */
	bool bitmaps, skip_broken; /* --bitmaps, --skip-broken-bitmaps */
	unsigned share;		   /* -U: for the sources */
	const char *snap_param;	   /* -l */
	int sparse_size;
};

static int parse_args(int argc, char **argv, struct convert_args *a)
{
	enum { OPT_BITMAPS = 256, OPT_SKIP_BROKEN };
	static const struct option lo[] = {
		{"force-share", no_argument, 0, 'U'},
		{"bitmaps", no_argument, 0, OPT_BITMAPS},
		{"skip-broken-bitmaps", no_argument, 0, OPT_SKIP_BROKEN},
		{0, 0, 0, 0}};
	uint64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:O:B:F:o:cpS:nqt:T:m:WUCl:", lo,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			a->src_fmt = optarg;
			break;
		case 'O':
			a->out_fmt = optarg;
			a->has_out_fmt = true;
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
		case 'U':
			a->share = BLOCK_OPEN_SHARE_RW;
			break;
		case 'l':
			a->snap_param = optarg;
			break;
		case OPT_BITMAPS:
			a->bitmaps = true;
			break;
		case OPT_SKIP_BROKEN:
			a->skip_broken = true;
			break;
		case 't':
		case 'T':
		case 'm':
		case 'W':
		case 'C':
			break;
		default:
			return -1;
		}
	}
	if (argc - optind < 2)
		return img_error("Must specify image file name"), -1;
	if (a->skip_broken && !a->bitmaps)
		return img_error("Use of --skip-broken-bitmaps requires "
				 "--bitmaps"),
		       -1;
	return 0;
}

static int create_output(const char *path, struct convert_args *a,
			 uint64_t size)
{
	/*
	 * qemu sees an image in whole sectors: a qcow2 of 5000000 bytes reads
	 * as 4999680 there. Like qemu-img, round the new image up (the tail
	 * reads as zeroes); a raw output keeps the sources' exact size.
	 */
	struct img_create_opts o = {
		.format = a->out_fmt,
		.size = streq(a->out_fmt, "raw") ? size : ALIGN_UP(size, 512),
		.no_flush = !a->cache || streq(a->cache, "unsafe")};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *opts = a->opts ? xstrdup(a->opts) : NULL;

	if (opts && img_parse_create_opts(opts, &o) < 0)
		return -1;
	if (a->backing) {
		o.backing = a->backing;
		o.backing_fmt = a->backing_fmt;
	}
	/* qemu-img 7.2's words; the format is never guessed */
	if (o.backing && !o.backing_fmt) {
		img_error("Use of backing file requires explicit backing "
			  "format");
		return -1;
	}
	if (img_create(path, &o, &e) < 0) {
		img_error("%s", err_msg(e));
		return -1;
	}
	return 0;
}

static int run(struct convert *c, const char *out, struct err **e)
{
	int r;

	progress(c, true);
	r = copy_all(c, e);
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

static void skipped(const char *name)
{
	fprintf(stderr,
		"nido img: warning: Skipping inconsistent bitmap '%s'\n", name);
}

/* --bitmaps before the target is made: one source that can hold them. */
static int bitmaps_precheck(struct convert *c, const struct convert_args *a)
{
	_cleanup_err_ struct err *e = NULL;

	if (c->nsrc > 1)
		return img_error("Copying bitmaps only possible with single "
				 "source"),
		       -1;
	if (img_bitmaps_copy_check(c->src[0], a->skip_broken, &e) < 0)
		return img_error("%s", err_msg(e)), -1;
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
	if (a.snap_param && c.nsrc > 1) {
		img_error("No support for concatenating multiple snapshot");
		goto out;
	}
	for (int i = 0; i < c.nsrc; i++) {
		c.src[i] = img_open(argv[optind + i], a.src_fmt, a.share);
		if (!c.src[i])
			goto out;
		if (a.snap_param &&
		    img_load_snapshot(c.src[i], a.snap_param) < 0)
			goto out;
		c.total += block_size(c.src[i]);
	}
	if (a.bitmaps && bitmaps_precheck(&c, &a) < 0)
		goto out;
	if (!a.no_create && create_output(out, &a, c.total) < 0)
		goto out;
	/*
	 * like qemu-img, the output's default cache mode is "unsafe"; -n
	 * opens it as -O says, and probes it without -O (qemu-img: raw)
	 */
	c.dst = img_open(out, a.no_create && !a.has_out_fmt ? NULL : a.out_fmt,
			 BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING |
				 (!a.cache || streq(a.cache, "unsafe")
					  ? BLOCK_OPEN_NO_FLUSH
					  : 0));
	if (!c.dst)
		goto out;
	c.fresh = !a.no_create && img_create_zeroes(out);
	c.sparse = a.sparse_size > 0;
	c.compress = a.compress;
	c.progress = a.progress && !a.quiet;
	c.only_top = a.backing != NULL;
	c.last_pct = -1;
	c.gran =
		MAX(img_cluster_size(c.dst), (uint64_t)MAX(a.sparse_size, 512));
	if (a.bitmaps && img_bitmaps_can_store(c.dst, &e) < 0) {
		img_error("%s", err_msg(e));
		goto out;
	}
	if (c.compress && !img_cluster_size(c.dst)) {
		img_error("Compression not supported for this file format");
		goto out;
	}
	if (c.compress)
		c.gran = img_cluster_size(c.dst);
	r = run(&c, out, &e);
	if (r == 0 && a.bitmaps)
		r = img_bitmaps_copy(c.src[0], c.dst, a.skip_broken, skipped,
				     &e);
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
	return ret;
}
