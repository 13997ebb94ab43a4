// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img` verbs that change or inspect one image: resize, snapshot,
 * commit, rebase, map, compare.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include "cli/img.h"

/* --force-share, as qemu-img spells -U for every verb that has it */
static const struct option share_opts[] = {
	{"force-share", no_argument, 0, 'U'},
	{0, 0, 0, 0},
};

#define BUF_SIZE (1u << 20)

void img_print_snapshot_table(const struct img_snapshot *s, int n);

static int fail(struct err *e)
{
	img_error("%s", err_msg(e));
	return 1;
}

/* ---- resize ---- */

struct resize_args {
	const char *fmt, *size;
	unsigned flags;
	bool quiet;
};

static int parse_resize(int argc, char **argv, struct resize_args *a)
{
	static const struct option lo[] = {
		{"shrink", no_argument, 0, 's'},
		{"preallocation", required_argument, 0, 'P'},
		{0, 0, 0, 0}};
	int c;

	/* "-1G" is a size, not an option */
	if (argc > 2 && argv[argc - 1][0] == '-' &&
	    isdigit((unsigned char)argv[argc - 1][1]))
		a->size = argv[--argc];
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:q", lo, NULL)) != -1) {
		if (c == 'f')
			a->fmt = optarg;
		else if (c == 'q')
			a->quiet = true;
		else if (c == 's')
			a->flags |= BLOCK_RESIZE_SHRINK;
		else if (c == 'P' && img_prealloc_parse(optarg) < 0)
			return img_error("Invalid preallocation mode: '%s'",
					 optarg),
			       -1;
		else if (c == 'P' && img_prealloc_parse(optarg) > 0)
			a->flags |= BLOCK_RESIZE_PREALLOC;
		else if (c != 'P')
			return -1;
	}
	if (!a->size && optind + 1 < argc)
		a->size = argv[optind + 1];
	if (optind >= argc || !a->size)
		return img_error("Expecting image file name and size"), -1;
	return 0;
}

int img_cmd_resize(int argc, char **argv)
{
	struct resize_args a = {0};
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	uint64_t v, size;
	const char *sz;
	int sign = 0;

	if (parse_resize(argc, argv, &a) < 0)
		return 1;
	sz = a.size;
	if (*sz == '+' || *sz == '-')
		sign = *sz++ == '+' ? 1 : -1;
	if (img_parse_size(sz, &v) < 0)
		return img_error("Invalid size specified"), 1;
	b = img_open(argv[optind], a.fmt,
		     BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING);
	if (!b)
		return 1;
	if (sign < 0 && v > block_size(b))
		return img_error("New image size must be positive"), 1;
	size = sign > 0 ? block_size(b) + v : sign < 0 ? block_size(b) - v : v;
	if (size < block_size(b) && !(a.flags & BLOCK_RESIZE_SHRINK)) {
		img_error("Use the --shrink option to perform a shrink "
			  "operation.");
		img_error("warning: Shrinking an image will delete all data "
			  "beyond the shrunken image's end. Before performing "
			  "such an operation, make sure there is no important "
			  "data there.");
		return 1;
	}
	if (block_resize(b, size, a.flags, &e) < 0 || block_flush(b, &e) < 0)
		return fail(e);
	if (!a.quiet)
		printf("Image resized.\n");
	return 0;
}

/* ---- snapshot ---- */

static int snapshot_list(struct block *b)
{
	_cleanup_err_ struct err *e = NULL;
	struct img_snapshot *s;
	int n;

	if (img_snapshot_list(b, &s, &n, &e) < 0)
		return fail(e);
	if (n) {
		printf("Snapshot list:\n");
		img_print_snapshot_table(s, n);
	}
	img_snapshots_free(s, n);
	return 0;
}

int img_cmd_snapshot(int argc, char **argv)
{
	static const char *const what[] = {"create", "apply", "delete"};
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	enum img_snapshot_op op = IMG_SNAPSHOT_CREATE;
	const char *fmt = NULL, *name = NULL;
	bool list = false;
	unsigned share = 0;
	int c, nops = 0, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "la:c:d:f:qU", share_opts, NULL)) !=
	       -1) {
		if (c == 'f')
			fmt = optarg;
		else if (c == 'l')
			list = true;
		else if (strchr("acd", c))
			name = optarg;
		else if (c == 'U')
			share = BLOCK_OPEN_SHARE_RW;
		else if (c != 'q')
			return 1;
		if (c == 'a')
			op = IMG_SNAPSHOT_APPLY;
		else if (c == 'd')
			op = IMG_SNAPSHOT_DELETE;
		nops += strchr("lacd", c) != NULL;
	}
	if (nops != 1 || optind >= argc)
		return img_error("Expecting one of -l, -a, -c, -d and an "
				 "image"),
		       1;
	b = img_open(argv[optind], fmt,
		     share | BLOCK_OPEN_NO_BACKING |
			     (list ? 0 : BLOCK_OPEN_RDWR));
	if (!b)
		return 1;
	if (list)
		return snapshot_list(b);
	r = img_snapshot(b, op, name, &e);
	if (r == 0)
		r = block_flush(b, &e);
	if (r < 0) {
		img_error("Could not %s snapshot '%s': %s", what[op], name,
			  err_msg(e));
		return 1;
	}
	return 0;
}

/* ---- commit ---- */

int img_cmd_commit(int argc, char **argv)
{
	_cleanup_block_ struct block *top = NULL, *base = NULL;
	_cleanup_err_ struct err *e = NULL;
	const char *fmt = NULL, *base_name = NULL;
	bool drop = false, quiet = false;
	struct block *cur;
	int c, depth = 1;

	optind = 1;
	while ((c = getopt(argc, argv, "f:b:dpqt:r:")) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'b':
			base_name = optarg;
			break;
		case 'd':
			drop = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'p':
		case 't':
		case 'r':
			break;
		default:
			return 1;
		}
	}
	if (optind >= argc)
		return img_error("Expecting one image file name"), 1;
	/* the chain shares, so that the base can be opened again to write */
	top = img_open(argv[optind], fmt,
		       BLOCK_OPEN_RDWR | IMG_OPEN_SHARE_BACKING);
	if (!top)
		return 1;
	if (!block_backing(top))
		return img_error("Image does not have a backing file"), 1;
	for (cur = block_backing(top); base_name && cur;
	     cur = block_backing(cur), depth++)
		if (streq(block_filename(cur), base_name))
			break;
	if (!cur)
		return img_error("'%s' is not in the backing chain of '%s'",
				 base_name, argv[optind]),
		       1;
	base = img_open(block_filename(cur), block_format(cur),
			BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING);
	if (!base)
		return 1;
	if (img_commit(top, base, depth, &e) < 0)
		return fail(e);
	if (!drop && depth == 1 && img_make_empty(top, &e) < 0)
		return fail(e);
	if (!quiet)
		printf("Image committed.\n");
	return 0;
}

/* ---- rebase ---- */

/* Writes into @top the ranges where the old chain and @nb differ. */
static int rebase_data(struct block *top, struct block *nb, struct err **e)
{
	_cleanup_free_ uint8_t *a = xmalloc(65536), *bb = xmalloc(65536);
	uint64_t size = block_size(top), nsize = nb ? block_size(nb) : 0;
	struct block_status st;
	int r;

	for (uint64_t off = 0; off < size;) {
		r = block_status(top, off, 65536 - off % 65536, &st, e);
		if (r < 0)
			return r;
		if (st.depth == 0 && (st.flags & BLOCK_STATUS_ALLOCATED)) {
			off += st.bytes;
			continue;
		}
		size_t n = (size_t)st.bytes;

		r = block_pread(top, a, n, off, e);
		memset(bb, 0, n);
		if (r == 0 && nb && off < nsize)
			r = block_pread(nb, bb, (size_t)MIN(n, nsize - off),
					off, e);
		if (r == 0 && memcmp(a, bb, n))
			r = block_pwrite(top, a, n, off, e);
		if (r < 0)
			return r;
		off += n;
	}
	return block_flush(top, e);
}

static char *relative_to(const char *image, const char *name)
{
	const char *slash = strrchr(image, '/');

	if (name[0] == '/' || !slash)
		return xstrdup(name);
	return xasprintf("%.*s/%s", (int)(slash - image), image, name);
}

int img_cmd_rebase(int argc, char **argv)
{
	_cleanup_block_ struct block *top = NULL, *nb = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *path = NULL;
	const char *fmt = NULL, *bname = NULL, *bfmt = NULL;
	bool unsafe = false;
	unsigned share = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:b:F:upqt:T:U", share_opts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = optarg;
			break;
		case 'b':
			bname = optarg;
			break;
		case 'F':
			bfmt = optarg;
			break;
		case 'u':
			unsafe = true;
			break;
		case 'U':
			share = BLOCK_OPEN_SHARE_RW;
			break;
		case 'p':
		case 'q':
		case 't':
		case 'T':
			break;
		default:
			return 1;
		}
	}
	if (optind >= argc || !bname)
		return img_error(
			       "Expecting -b backing and one image file name"),
		       1;
	top = img_open(argv[optind], fmt,
		       BLOCK_OPEN_RDWR | (share ? IMG_OPEN_SHARE_BACKING : 0) |
			       (unsafe ? BLOCK_OPEN_NO_BACKING : 0));
	if (!top)
		return 1;
	/* as qemu-img 7.2: never record a probed format (see create) */
	if (*bname && !bfmt)
		return img_error("Could not change the backing file to '%s': "
				 "backing format must be specified",
				 bname),
		       1;
	if (*bname) {
		path = relative_to(argv[optind], bname);
		nb = img_open(path, bfmt, share);
		if (!nb && !unsafe)
			return 1;
	}
	if (!unsafe && rebase_data(top, nb, &e) < 0)
		return fail(e);
	if (img_set_backing(top, *bname ? bname : NULL, bfmt, &e) < 0)
		return fail(e);
	return 0;
}

/* ---- map ---- */

struct map_ent {
	uint64_t start, len, off;
	unsigned flags;
	int depth;
	struct block *file;
};

static bool can_merge(const struct map_ent *a, const struct map_ent *b)
{
	return a->flags == b->flags && a->depth == b->depth &&
	       a->file == b->file &&
	       (!(a->flags & BLOCK_STATUS_OFFSET_VALID) ||
		a->off + a->len == b->off);
}

static void map_print(const struct map_ent *m, bool json, bool first)
{
	bool present = m->flags & BLOCK_STATUS_ALLOCATED;

	if (json) {
		printf("%s{ \"start\": %" PRIu64 ", \"length\": %" PRIu64
		       ", \"depth\": %d, \"present\": %s, \"zero\": %s, "
		       "\"data\": %s",
		       first ? "[" : ",\n", m->start, m->len, m->depth,
		       present ? "true" : "false",
		       (m->flags & BLOCK_STATUS_ZERO) ? "true" : "false",
		       (m->flags & BLOCK_STATUS_DATA) ? "true" : "false");
		if (m->flags & BLOCK_STATUS_OFFSET_VALID)
			printf(", \"offset\": %" PRIu64, m->off);
		printf("}");
		return;
	}
	if ((m->flags & BLOCK_STATUS_DATA) &&
	    (m->flags & BLOCK_STATUS_OFFSET_VALID))
		printf("%#-15" PRIx64 " %#-15" PRIx64 " %#-15" PRIx64 " %s\n",
		       m->start, m->len, m->off, block_filename(m->file));
}

/* Prints the map of [@start, @end) of @b, merging equal neighbours. */
static int map_range(struct block *b, uint64_t start, uint64_t end, bool json)
{
	_cleanup_err_ struct err *e = NULL;
	struct map_ent cur = {0}, next;
	bool first = true, have = false;
	struct block_status st;
	int chain = 0;

	for (struct block *x = block_backing(b); x; x = block_backing(x))
		chain++;
	for (uint64_t off = start; off < end; off += st.bytes) {
		if (block_status(b, off, end - off, &st, &e) < 0)
			return fail(e);
		next = (struct map_ent){
			off,
			st.bytes,
			st.host_off,
			st.flags,
			(st.flags & BLOCK_STATUS_ALLOCATED) ? st.depth : chain,
			st.file};
		next.flags &= BLOCK_STATUS_ALLOCATED | BLOCK_STATUS_ZERO |
			      BLOCK_STATUS_DATA | BLOCK_STATUS_OFFSET_VALID;
		if (have && can_merge(&cur, &next)) {
			cur.len += next.len;
			continue;
		}
		if (have)
			map_print(&cur, json, first), first = false;
		cur = next;
		have = true;
	}
	if (have)
		map_print(&cur, json, first);
	if (json)
		printf("%s]\n", have ? "" : "[");
	return 0;
}

int img_cmd_map(int argc, char **argv)
{
	static const struct option lo[] = {
		{"output", required_argument, 0, 'O'},
		{"start-offset", required_argument, 0, 's'},
		{"max-length", required_argument, 0, 'l'},
		{"force-share", no_argument, 0, 'U'},
		{0, 0, 0, 0}};
	_cleanup_block_ struct block *b = NULL;
	const char *fmt = NULL;
	uint64_t start = 0, max = UINT64_MAX, end;
	bool json = false;
	unsigned share = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:U", lo, NULL)) != -1) {
		if (c == 'f')
			fmt = optarg;
		else if (c == 'O')
			json = streq(optarg, "json");
		else if ((c == 's' && img_parse_size(optarg, &start)) ||
			 (c == 'l' && img_parse_size(optarg, &max)))
			return img_error("Invalid offset or length"), 1;
		else if (c == 'U')
			share = BLOCK_OPEN_SHARE_RW;
		else if (!strchr("sl", c))
			return 1;
	}
	if (optind >= argc)
		return img_error("Expecting one image file name"), 1;
	b = img_open(argv[optind], fmt, share);
	if (!b)
		return 1;
	end = MIN(block_size(b), start + MIN(max, UINT64_MAX - start));
	if (!json)
		printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to",
		       "File");
	return map_range(b, start, end, json);
}

/* ---- compare ---- */

static int first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (int)i;
	return -1;
}

/* Checks that [from, to) of @b reads as zeroes; *@at: first non-zero. */
static int check_zero_tail(struct block *b, uint64_t from, uint64_t to,
			   uint8_t *buf, uint64_t *at, struct err **e)
{
	for (uint64_t off = from; off < to; off += BUF_SIZE) {
		size_t n = (size_t)MIN(BUF_SIZE, to - off);
		int r = block_pread(b, buf, n, off, e);

		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			if (buf[i]) {
				*at = off + i;
				return 1;
			}
	}
	return 0;
}

/* Compares [@from, @from+@n); 0 same, 1 different (printed), 2 error. */
static int compare_range(struct block *a, struct block *b, uint64_t from,
			 uint64_t n, bool quiet)
{
	_cleanup_free_ uint8_t *x = xmalloc(BUF_SIZE), *y = xmalloc(BUF_SIZE);
	_cleanup_err_ struct err *e = NULL;
	int d;

	for (uint64_t off = from; off < from + n; off += BUF_SIZE) {
		size_t k = (size_t)MIN(BUF_SIZE, from + n - off);

		if (block_pread(a, x, k, off, &e) < 0 ||
		    block_pread(b, y, k, off, &e) < 0)
			return fail(e), 2;
		d = first_diff(x, y, k);
		if (d >= 0) {
			if (!quiet)
				printf("Content mismatch at offset %" PRIu64
				       "!\n",
				       (off + (uint64_t)d) & ~(uint64_t)511);
			return 1;
		}
	}
	return 0;
}

/* The longer image must read as zeroes past the shorter's end. */
static int compare_tail(struct block *big, uint64_t from, bool quiet)
{
	_cleanup_free_ uint8_t *x = xmalloc(BUF_SIZE);
	_cleanup_err_ struct err *e = NULL;
	uint64_t at;
	int r;

	if (!quiet)
		printf("Warning: Image size mismatch!\n");
	r = check_zero_tail(big, from, block_size(big), x, &at, &e);
	if (r < 0)
		return fail(e), 2;
	if (r > 0 && !quiet)
		printf("Content mismatch at offset %" PRIu64 "!\n",
		       at & ~(uint64_t)511);
	return r > 0 ? 1 : 0;
}

/*
 * What qemu-img compare -s holds equal: how a range reads (data, zero),
 * whether the chain allocates it and has a host offset for it, and
 * whether the run reaches the end of the image.
 */
static unsigned strict_flags(struct block *b, uint64_t off,
			     const struct block_status *st)
{
	unsigned f = st->flags &
		     (BLOCK_STATUS_DATA | BLOCK_STATUS_ZERO |
		      BLOCK_STATUS_ALLOCATED | BLOCK_STATUS_OFFSET_VALID);

	return off + st->bytes == block_size(b) ? f | 1u << 31 : f;
}

/* compare -s: the statuses, then the data, run by run; as compare_common. */
static int compare_strict(struct block *a, struct block *b, bool quiet)
{
	_cleanup_err_ struct err *e = NULL;
	struct block_status sa, sb;
	uint64_t n = block_size(a), chunk;
	int r;

	if (n != block_size(b)) {
		if (!quiet)
			printf("Strict mode: Image size mismatch!\n");
		return 1;
	}
	for (uint64_t off = 0; off < n; off += chunk) {
		if (block_status(a, off, n - off, &sa, &e) < 0 ||
		    block_status(b, off, n - off, &sb, &e) < 0)
			return fail(e), 2;
		chunk = MIN(sa.bytes, sb.bytes);
		if (strict_flags(a, off, &sa) != strict_flags(b, off, &sb)) {
			if (!quiet)
				printf("Strict mode: Offset %" PRIu64
				       " block status mismatch!\n",
				       off);
			return 1;
		}
		if (sa.flags & sb.flags & BLOCK_STATUS_ZERO)
			continue;
		r = compare_range(a, b, off, chunk, quiet);
		if (r)
			return r;
	}
	return 0;
}

int img_cmd_compare(int argc, char **argv)
{
	_cleanup_block_ struct block *a = NULL, *b = NULL;
	const char *fa = NULL, *fb = NULL;
	bool quiet = false, strict = false;
	unsigned share = 0;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:F:sqpU", share_opts, NULL)) !=
	       -1) {
		if (c == 's')
			strict = true;
		else if (c == 'f')
			fa = optarg;
		else if (c == 'F')
			fb = optarg;
		else if (c == 'q')
			quiet = true;
		else if (c == 'U')
			share = BLOCK_OPEN_SHARE_RW;
		else if (c != 's' && c != 'p')
			return 2;
	}
	if (argc - optind != 2)
		return img_error("Expecting two image file names"), 2;
	a = img_open(argv[optind], fa, share);
	b = a ? img_open(argv[optind + 1], fb ? fb : fa, share) : NULL;
	if (!a || !b)
		return 2;
	if (strict)
		r = compare_strict(a, b, quiet);
	else
		r = compare_range(a, b, 0, MIN(block_size(a), block_size(b)),
				  quiet);
	if (r == 0 && !strict && block_size(a) != block_size(b))
		r = compare_tail(block_size(a) > block_size(b) ? a : b,
				 MIN(block_size(a), block_size(b)), quiet);
	if (r == 0 && !quiet)
		printf("Images are identical.\n");
	return r;
}
