// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img bitmap`: qcow2 persistent dirty bitmaps added, removed,
 * cleared, enabled, disabled and merged, in the order given, with
 * qemu-img bitmap's options, messages and exit statuses.
 */
#include <errno.h>
#include <getopt.h>

#include "cli/img.h"

static const char *const op_names[] = {
	[IMG_BITMAP_ADD] = "add",	  [IMG_BITMAP_REMOVE] = "remove",
	[IMG_BITMAP_CLEAR] = "clear",	  [IMG_BITMAP_ENABLE] = "enable",
	[IMG_BITMAP_DISABLE] = "disable", [IMG_BITMAP_MERGE] = "merge",
};

struct bitmap_args {
	struct img_bitmap_op ops[64];
	int n;
	const char *fmt, *src_file, *src_fmt;
	uint64_t granularity;
	bool has_granularity;
};

static int add_op(struct bitmap_args *a, enum img_bitmap_kind k,
		  const char *src)
{
	if (a->n == (int)ARRAY_SIZE(a->ops))
		return img_error("too many operations"), -1;
	a->ops[a->n++] = (struct img_bitmap_op){.kind = k, .src_name = src};
	return 0;
}

static int parse(int argc, char **argv, struct bitmap_args *a)
{
	static const struct option lo[] = {{"add", no_argument, 0, 'A'},
					   {"remove", no_argument, 0, 'R'},
					   {"clear", no_argument, 0, 'C'},
					   {"enable", no_argument, 0, 'E'},
					   {"disable", no_argument, 0, 'D'},
					   {"merge", required_argument, 0, 'M'},
					   {0, 0, 0, 0}};
	int c, r = 0;

	optind = 1;
	while (r == 0 &&
	       (c = getopt_long(argc, argv, "b:F:f:g:q", lo, NULL)) != -1) {
		switch (c) {
		case 'A':
			r = add_op(a, IMG_BITMAP_ADD, NULL);
			break;
		case 'R':
			r = add_op(a, IMG_BITMAP_REMOVE, NULL);
			break;
		case 'C':
			r = add_op(a, IMG_BITMAP_CLEAR, NULL);
			break;
		case 'E':
			r = add_op(a, IMG_BITMAP_ENABLE, NULL);
			break;
		case 'D':
			r = add_op(a, IMG_BITMAP_DISABLE, NULL);
			break;
		case 'M':
			r = add_op(a, IMG_BITMAP_MERGE, optarg);
			break;
		case 'b':
			a->src_file = optarg;
			break;
		case 'F':
			a->src_fmt = optarg;
			break;
		case 'f':
			a->fmt = optarg;
			break;
		case 'g':
			if (img_parse_size(optarg, &a->granularity) < 0)
				return img_error("Invalid granularity "
						 "specified"),
				       -1;
			a->has_granularity = true;
			break;
		case 'q':
			break;
		default:
			return -1;
		}
	}
	return r;
}

/* qemu-img's checks of the command line, in its order. */
static int validate(int argc, const struct bitmap_args *a)
{
	bool add = false, merge = false;

	for (int i = 0; i < a->n; i++) {
		add |= a->ops[i].kind == IMG_BITMAP_ADD;
		merge |= a->ops[i].kind == IMG_BITMAP_MERGE;
	}
	if (!a->n)
		return img_error("Need at least one of --add, --remove, "
				 "--clear, --enable, --disable, or --merge"),
		       -1;
	if (a->has_granularity && !add)
		return img_error("granularity only supported with --add"), -1;
	if (a->src_fmt && !a->src_file)
		return img_error("-F (source format) only supported with -b"),
		       -1;
	if (a->src_file && !merge)
		return img_error("Merge bitmap source file only supported "
				 "with --merge"),
		       -1;
	if (argc - optind != 2)
		return img_error("Expecting filename and bitmap name"), -1;
	return 0;
}

int img_cmd_bitmap(int argc, char **argv)
{
	struct bitmap_args a = {0};
	_cleanup_block_ struct block *b = NULL, *src = NULL;
	_cleanup_err_ struct err *e = NULL;
	const char *name;

	if (parse(argc, argv, &a) < 0 || validate(argc, &a) < 0)
		return 1;
	name = argv[optind + 1];
	b = img_open(argv[optind], a.fmt, BLOCK_OPEN_RDWR);
	if (!b)
		return 1;
	if (a.src_file) {
		src = img_open(a.src_file, a.src_fmt,
			       BLOCK_OPEN_NO_BACKING | BLOCK_OPEN_SHARE_RW);
		if (!src)
			return 1;
	}
	for (int i = 0; i < a.n; i++) {
		a.ops[i].name = name;
		a.ops[i].granularity = a.granularity;
		a.ops[i].src = src;
		/* --add --disable makes it disabled from the start */
		if (a.ops[i].kind == IMG_BITMAP_ADD)
			for (int j = i + 1; j < a.n; j++)
				if (a.ops[j].kind == IMG_BITMAP_DISABLE)
					a.ops[i].disable = true;
	}
	for (int i = 0; i < a.n; i++)
		if (img_bitmap(b, &a.ops[i], 1, &e) < 0) {
			img_error("Operation %s on bitmap %s failed: %s",
				  op_names[a.ops[i].kind], name, err_msg(e));
			if (err_code(e) == -EBUSY) /* qemu-img's hint */
				fprintf(stderr,
					"Try block-dirty-bitmap-remove to "
					"delete this bitmap from disk\n");
			return 1;
		}
	if (block_close(steal_ptr(b)) < 0)
		return img_error("'%s': closing the image failed",
				 argv[optind]),
		       1;
	return 0;
}
