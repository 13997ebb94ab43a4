// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img dd`: qemu-img dd's copy of an image, or part of it, into a
 * new image, with its operands (if=, of=, bs=, count=, skip=), sizes,
 * messages and exit statuses, quirks included: count= counts blocks from
 * the start of the input, not from skip=; a skip= past the end is
 * reported and leaves an empty output, with exit status 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>

#include "cli/img.h"

struct dd {
	const char *in, *out;
	uint64_t bs, count, skip;
	bool has_count, has_skip;
};

static int dd_number(const char *what, const char *v, uint64_t *out)
{
	if (img_parse_size(v, out) == 0)
		return 0;
	img_error("Invalid %s specified. You may use k, M, G, T, P or E "
		  "suffixes for",
		  what);
	img_error("kilobytes, megabytes, gigabytes, terabytes, petabytes and "
		  "exabytes.");
	return -1;
}

/* One KEY=VALUE operand; -1 when refused (printed). */
static int dd_operand(char *arg, struct dd *d)
{
	char *eq = strchr(arg, '=');

	if (!eq)
		return img_error("unrecognized operand %s", arg), -1;
	*eq = 0;
	if (streq(arg, "if"))
		d->in = eq + 1;
	else if (streq(arg, "of"))
		d->out = eq + 1;
	else if (streq(arg, "bs")) {
		if (dd_number("bs", eq + 1, &d->bs) < 0)
			return -1;
		if (d->bs == 0 || d->bs > INT_MAX)
			return img_error(
				       "Invalid bs specified. Must be between "
				       "1 and %d.",
				       INT_MAX),
			       -1;
	} else if (streq(arg, "count")) {
		d->has_count = true;
		return dd_number("count", eq + 1, &d->count);
	} else if (streq(arg, "skip")) {
		d->has_skip = true;
		return dd_number("skip", eq + 1, &d->skip);
	} else {
		return img_error("unrecognized operand %s", arg), -1;
	}
	return 0;
}

/* The bytes of the input copied: [*@from, *@to); qemu-img's arithmetic. */
static void dd_range(const struct dd *d, uint64_t in_size, uint64_t *from,
		     uint64_t *to, bool *skip_past)
{
	uint64_t end = in_size;

	if (d->has_count && d->count <= INT64_MAX / d->bs &&
	    d->count * d->bs < end)
		end = d->count * d->bs;
	*skip_past = d->has_skip &&
		     (d->skip > INT64_MAX / d->bs || end < d->skip * d->bs);
	*from = *skip_past ? end : d->skip * d->bs;
	*to = end;
}

static int dd_copy(struct block *in, struct block *out, uint64_t from,
		   uint64_t to, uint64_t bs)
{
	_cleanup_free_ uint8_t *buf = xmalloc(bs);
	_cleanup_err_ struct err *e = NULL;

	for (uint64_t pos = from, opos = 0; pos < to;) {
		size_t n = (size_t)MIN(bs, to - pos);

		if (block_pread(in, buf, n, pos, &e) < 0)
			return img_error("error while reading from input image "
					 "file: %s",
					 err_msg(e)),
			       1;
		if (block_pwrite(out, buf, n, opos, &e) < 0)
			return img_error("error while writing to output image "
					 "file: %s",
					 err_msg(e)),
			       1;
		pos += n;
		opos += n;
	}
	return 0;
}

static int dd_args(int argc, char **argv, struct dd *d, const char **fmt,
		   const char **ofmt, unsigned *share)
{
	static const struct option lo[] = {{"force-share", no_argument, 0, 'U'},
					   {0, 0, 0, 0}};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:O:U", lo, NULL)) != -1) {
		if (c == 'f')
			*fmt = optarg;
		else if (c == 'O')
			*ofmt = optarg;
		else if (c == 'U')
			*share = BLOCK_OPEN_SHARE_RW;
		else
			return -1;
	}
	for (int i = optind; i < argc; i++)
		if (dd_operand(argv[i], d) < 0)
			return -1;
	if (!d->in || !d->out)
		return img_error("Must specify both input and output files"),
		       -1;
	return 0;
}

int img_cmd_dd(int argc, char **argv)
{
	struct dd d = {.bs = 512};
	struct img_create_opts o = {0};
	_cleanup_block_ struct block *in = NULL, *out = NULL;
	_cleanup_err_ struct err *e = NULL;
	const char *fmt = NULL, *ofmt = "raw";
	uint64_t from, to;
	unsigned share = 0;
	bool skip_past;
	int r;

	if (dd_args(argc, argv, &d, &fmt, &ofmt, &share) < 0)
		return 1;
	in = img_open(d.in, fmt, share);
	if (!in)
		return 1;
	if (!block_format_known(ofmt))
		return img_error("Unknown file format"), 1;
	dd_range(&d, block_size(in), &from, &to, &skip_past);
	o.format = ofmt;
	o.size = ALIGN_UP(to - from, 512); /* whole sectors, as qemu-img */
	if (img_create(d.out, &o, &e) < 0)
		return img_error("%s: error while creating output image: %s",
				 d.out, err_msg(e)),
		       1;
	out = img_open(d.out, ofmt, BLOCK_OPEN_RDWR);
	if (!out)
		return 1;
	if (skip_past)
		img_error("%s: cannot skip to specified offset", d.in);
	r = dd_copy(in, out, from, to, d.bs);
	if (r == 0 && block_close(steal_ptr(out)) < 0)
		return img_error("'%s': flushing the output failed", d.out), 1;
	return r;
}
