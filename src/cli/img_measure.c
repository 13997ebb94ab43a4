// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img measure` (the space a conversion would need, computed as
 * qemu-img does) and `nido img bench` (qemu-img bench's request
 * pattern, plus --random, through the asynchronous block interface).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include "cli/img.h"

/* Refcount blocks and table (clusters) to cover @n clusters. */
static uint64_t refcount_clusters(uint64_t n, uint64_t cs, int bits)
{
	uint64_t epb = cs * 8 / (uint64_t)bits, rb = 0, rt = 0, p;

	do {
		p = rb + rt;
		rb = DIV_ROUND_UP(n + rb + rt, epb);
		rt = DIV_ROUND_UP(rb * 8, cs);
	} while (rb + rt != p);
	return rb + rt;
}

/* qcow2 metadata (bytes) for a fully described @size. */
static uint64_t qcow2_meta(uint64_t size, uint64_t cs, int bits)
{
	uint64_t per = cs / 8, clusters = DIV_ROUND_UP(size, cs);
	uint64_t nl2e = ALIGN_UP(clusters, per);
	uint64_t nl1e = ALIGN_UP(DIV_ROUND_UP(nl2e * 8, cs), per);
	uint64_t meta = 1 + nl2e * 8 / cs + nl1e * 8 / cs;

	return (meta + refcount_clusters(meta + clusters, cs, bits)) * cs;
}

/* Bytes of @b's chain that hold data, counted in whole @cs clusters. */
static int allocated_bytes(struct block *b, uint64_t cs, uint64_t *out,
			   struct err **e)
{
	uint64_t size = block_size(b), off = 0, n = 0, last = UINT64_MAX;
	struct block_status st;

	while (off < size) {
		int r = block_status(b, off, size - off, &st, e);

		if (r < 0)
			return r;
		if (!(st.flags & BLOCK_STATUS_ZERO)) {
			uint64_t first = off / cs,
				 end = (off + st.bytes - 1) / cs;

			n += end - first + 1 - (first == last);
			last = end;
		}
		off += st.bytes;
	}
	*out = n * cs;
	return 0;
}

/*
 * What copying @b's persistent bitmaps into a qcow2 of @cs-byte
 * clusters takes, as qemu-img counts it: each bitmap's data clusters
 * and table, and the directory.
 */
static uint64_t bitmaps_size(struct block *b, uint64_t cs)
{
	_cleanup_err_ struct err *e = NULL;
	struct img_info i;
	uint64_t total = 0, dir = 0;

	if (img_info_get(b, &i, &e) < 0)
		return 0;
	for (int k = 0; k < i.nb_bitmaps; k++) {
		uint64_t bits =
			DIV_ROUND_UP(i.virtual_size, i.bitmaps[k].granularity);
		uint64_t clusters = DIV_ROUND_UP(bits, cs * 8);

		total += clusters * cs + ALIGN_UP(clusters * 8, cs);
		dir += ALIGN_UP(24 + strlen(i.bitmaps[k].name), 8);
	}
	img_info_clear(&i);
	return total + ALIGN_UP(dir, cs);
}

static void print_measure(uint64_t req, uint64_t full, bool json, bool bitmaps,
			  uint64_t bm)
{
	if (json && bitmaps)
		printf("{\n    \"bitmaps\": %" PRIu64 ",\n", bm);
	else if (json)
		printf("{\n");
	if (json)
		printf("    \"required\": %" PRIu64
		       ",\n    \"fully-allocated\": %" PRIu64 "\n}\n",
		       req, full);
	else
		printf("required size: %" PRIu64
		       "\nfully allocated size: %" PRIu64 "\n",
		       req, full);
	if (!json && bitmaps)
		printf("bitmaps size: %" PRIu64 "\n", bm);
}

/* Sizes needed for @size bytes of which @used hold data. */
static int measure(const struct img_create_opts *o, uint64_t size,
		   uint64_t used, uint64_t *req, uint64_t *full)
{
	uint64_t cs = o->cluster_size ? o->cluster_size : 65536;
	int bits = o->refcount_bits ? o->refcount_bits : 16;

	if (streq(o->format, "qcow2")) {
		*req = qcow2_meta(size, cs, bits) + used;
		*full = qcow2_meta(size, cs, bits) + ALIGN_UP(size, cs);
		/* the data is allocated at creation: all of it is needed */
		if (o->prealloc == IMG_PREALLOC_FALLOC ||
		    o->prealloc == IMG_PREALLOC_FULL)
			*req = *full;
	} else if (streq(o->format, "raw")) {
		*req = *full = ALIGN_UP(size, 512); /* whole sectors */
	} else {
		return img_error("Format '%s' cannot be measured", o->format),
		       -1;
	}
	return 0;
}

int img_cmd_measure(int argc, char **argv)
{
	static const struct option lo[] = {
		{"output", required_argument, 0, 'J'},
		{"size", required_argument, 0, 'z'},
		{"force-share", no_argument, 0, 'U'},
		{0, 0, 0, 0}};
	struct img_create_opts o = {.format = "raw"};
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *opts = NULL;
	const char *fmt = NULL, *snap = NULL;
	uint64_t size = 0, used, req, full, cs;
	bool json = false, have_size = false, bm;
	unsigned share = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:O:o:Ul:", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'O':
			o.format = optarg;
			break;
		case 'o':
			free(opts);
			opts = xstrdup(optarg);
			break;
		case 'J':
			json = streq(optarg, "json");
			break;
		case 'z':
			if (img_parse_size(optarg, &size) < 0)
				return img_error(
					       "Invalid image size specified"),
				       1;
			have_size = true;
			break;
		case 'U':
			share = BLOCK_OPEN_SHARE_RW;
			break;
		case 'l':
			snap = optarg;
			break;
		default:
			return 1;
		}
	}
	if (have_size && (fmt || snap))
		return img_error("--image-opts, -f, and -l require a filename "
				 "argument."),
		       1;
	if (opts && img_parse_create_opts(opts, &o) < 0)
		return 1;
	if (have_size == (optind < argc))
		return img_error("Either --size N or one filename must be "
				 "specified."),
		       1;
	cs = o.cluster_size ? o.cluster_size : 65536;
	used = 0;
	if (!have_size) {
		b = img_open(argv[optind], fmt, share);
		if (!b || (snap && img_load_snapshot(b, snap) < 0))
			return 1;
		size = block_size(b);
		if (allocated_bytes(b, cs, &used, &e) < 0)
			return img_error("%s", err_msg(e)), 1;
	}
	if (measure(&o, size, used, &req, &full) < 0)
		return 1;
	/* qemu-img reports bitmaps for sources that can have them */
	bm = b && streq(block_format(b), "qcow2") && streq(o.format, "qcow2") &&
	     o.compat != 2;
	print_measure(req, full, json, bm, bm ? bitmaps_size(b, cs) : 0);
	return 0;
}

/* ---- bench ---- */

struct bench {
	uint64_t count, offset, step, size, next_off, bufsize;
	unsigned depth, share;
	bool write, random;
	uint64_t rng;
};

static uint64_t next_offset(struct bench *b)
{
	uint64_t off;

	if (b->random) {
		b->rng ^= b->rng << 13;
		b->rng ^= b->rng >> 7;
		b->rng ^= b->rng << 17;
		return (b->rng % (b->size / b->bufsize)) * b->bufsize;
	}
	off = b->next_off;
	b->next_off += b->step;
	if (b->next_off + b->bufsize > b->size)
		b->next_off = b->offset;
	return off;
}

static int bench_run(struct block *img, struct bench *bc, struct err **e)
{
	struct block_aio *q = NULL;
	struct block_req *reqs = xcalloc(bc->depth, sizeof(*reqs)), *done[64];
	struct iovec *iov = xcalloc(bc->depth, sizeof(*iov));
	uint64_t sent = 0, completed = 0;
	int r = block_aio_new(img, bc->depth, &q, e);

	for (unsigned i = 0; r == 0 && i < bc->depth; i++) {
		iov[i].iov_base =
			aligned_alloc(4096, ALIGN_UP(bc->bufsize, 4096));
		memset(iov[i].iov_base, 0xa5, bc->bufsize);
		iov[i].iov_len = bc->bufsize;
		reqs[i] = (struct block_req){.op = bc->write ? BLOCK_OP_WRITE
							     : BLOCK_OP_READ,
					     .iov = &iov[i],
					     .iovcnt = 1};
		done[i % 64] = NULL;
	}
	for (unsigned i = 0; r == 0 && i < bc->depth && sent < bc->count;
	     i++, sent++) {
		reqs[i].offset = next_offset(bc);
		r = block_aio_submit(q, &reqs[i]);
	}
	while (r == 0 && completed < bc->count) {
		block_aio_wait(q);
		int n = block_aio_reap(q, done, 64);

		for (int i = 0; i < n && r == 0; i++) {
			completed++;
			if (done[i]->result < 0)
				r = err_set(e, -done[i]->result,
					    "request failed");
			else if (sent < bc->count) {
				done[i]->offset = next_offset(bc);
				r = block_aio_submit(q, done[i]);
				sent++;
			}
		}
	}
	block_aio_free(q);
	for (unsigned i = 0; i < bc->depth; i++)
		free(iov[i].iov_base);
	free(iov);
	free(reqs);
	return r;
}

/* Parses bench's options into @bc; returns 0, or -1 (printed). */
static int parse_bench(int argc, char **argv, struct bench *bc,
		       const char **fmt)
{
	static const struct option lo[] = {
		{"random", no_argument, 0, 'R'},
		{"pattern", required_argument, 0, 'P'},
		{"flush-interval", required_argument, 0, 'F'},
		{"no-drain", no_argument, 0, 'D'},
		{"force-share", no_argument, 0, 'U'},
		{0, 0, 0, 0}};
	bool step_set = false;
	uint64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:f:no:qs:S:t:wi:U", lo,
				NULL)) != -1) {
		if (strchr("cdosS", c) && img_parse_size(optarg, &v) < 0)
			return img_error("Invalid number '%s'", optarg), -1;
		switch (c) {
		case 'c':
			bc->count = v;
			break;
		case 'd':
			bc->depth = (unsigned)MAX(v, 1);
			break;
		case 'o':
			bc->offset = v;
			break;
		case 's':
			bc->bufsize = MAX(v, 1);
			break;
		case 'S':
			bc->step = v;
			step_set = true;
			break;
		case 'f':
			*fmt = optarg;
			break;
		case 'w':
			bc->write = true;
			break;
		case 'R':
			bc->random = true;
			break;
		case 'U':
			bc->share = BLOCK_OPEN_SHARE_RW;
			break;
		default:
			break;
		}
	}
	if (optind >= argc)
		return img_error("Expecting one image file name"), -1;
	if (!step_set)
		bc->step = bc->bufsize;
	return 0;
}

int img_cmd_bench(int argc, char **argv)
{
	struct bench bc = {.count = 75000,
			   .depth = 64,
			   .bufsize = 4096,
			   .rng = 88172645463325252ull};
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	const char *fmt = NULL;
	struct timespec t0, t1;

	if (parse_bench(argc, argv, &bc, &fmt) < 0)
		return 1;
	b = img_open(argv[optind], fmt,
		     bc.share | (bc.write ? BLOCK_OPEN_RDWR : 0));
	if (!b)
		return 1;
	bc.size = block_size(b);
	if (bc.size < bc.bufsize + bc.offset)
		return img_error("image too small"), 1;
	bc.next_off = bc.offset;
	printf("Sending %" PRIu64 " %s requests, %" PRIu64 " bytes each, %u in "
	       "parallel (starting at offset %" PRIu64 ", step size %" PRIu64
	       ")\n",
	       bc.count, bc.write ? "write" : "read", bc.bufsize, bc.depth,
	       bc.offset, bc.step);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (bench_run(b, &bc, &e) < 0)
		return img_error("%s", err_msg(e)), 1;
	if (bc.write && block_flush(b, &e) < 0)
		return img_error("%s", err_msg(e)), 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("Run completed in %3.3f seconds.\n",
	       (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
