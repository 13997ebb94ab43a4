// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img amend`: a qcow2 image's options changed in place, with
 * qemu-img amend's options, messages and exit statuses.
 */
#include <errno.h>
#include <getopt.h>

#include "cli/img.h"

/* Options only create takes: qemu-img names them so. */
static const char *const create_only[] = {
	"cluster_size", "preallocation", "compression_type",
	"extended_l2",	"encrypt",	 "encryption",
	"data_file",	"data_file_raw", NULL,
};

static bool is_create_only(const char *k)
{
	for (int i = 0; create_only[i]; i++)
		if (streq(k, create_only[i]) ||
		    (strncmp(k, create_only[i], strlen(create_only[i])) == 0 &&
		     k[strlen(create_only[i])] == '.'))
			return true;
	return false;
}

static int parse_value(const char *k, const char *v, struct img_amend_opts *o,
		       uint64_t *size, bool *has_size)
{
	uint64_t n;

	if (streq(k, "compat")) {
		if (streq(v, "0.10") || streq(v, "v2"))
			o->compat = 2;
		else if (streq(v, "1.1") || streq(v, "v3"))
			o->compat = 3;
		else
			return img_error("Unknown compatibility level %s", v),
			       -1;
	} else if (streq(k, "lazy_refcounts")) {
		if (!streq(v, "on") && !streq(v, "off"))
			return img_error("Parameter 'lazy_refcounts' expects "
					 "'on' or 'off'"),
			       -1;
		o->lazy_refcounts = streq(v, "on");
	} else if (streq(k, "refcount_bits")) {
		if (img_parse_size(v, &n) < 0 || !n || n > 64 || (n & (n - 1)))
			return img_error("Refcount width must be a power of "
					 "two and may not exceed 64 bits"),
			       -1;
		o->refcount_bits = (int)n;
	} else if (streq(k, "size")) {
		if (img_parse_size(v, size) < 0)
			return img_error("Parameter 'size' expects a size"), -1;
		*has_size = true;
	} else {
		return img_error("Invalid parameter '%s'", k), -1;
	}
	return 0;
}

/* -o for amend; 0, or -1 (printed, exit status 1). */
static int parse_amend_opts(char *opts, struct img_amend_opts *o,
			    uint64_t *size, bool *has_size)
{
	char *save = NULL;

	for (char *kv = strtok_r(opts, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq = 0;
		if (is_create_only(kv)) {
			img_error("Invalid parameter '%s'", kv);
			fprintf(stderr, "This option is only supported for "
					"image creation\n");
			return -1;
		}
		if (streq(kv, "backing_file") || streq(kv, "backing_fmt")) {
			img_error("Cannot amend the backing file");
			fprintf(stderr, "You can use 'nido img rebase' "
					"instead.\n");
			return -1;
		}
		if (!eq)
			return img_error("Invalid parameter '%s'", kv), -1;
		if (parse_value(kv, eq + 1, o, size, has_size) < 0)
			return -1;
	}
	return 0;
}

/* qemu-img joins repeated -o into one list. */
static void add_opts(char **all, const char *more)
{
	char *joined = *all ? xasprintf("%s,%s", *all, more) : xstrdup(more);

	free(*all);
	*all = joined;
}

int img_cmd_amend(int argc, char **argv)
{
	struct img_amend_opts o = {.lazy_refcounts = -1};
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *opts = NULL;
	const char *fmt = NULL;
	uint64_t size = 0;
	bool has_size = false;
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, "f:o:t:pq")) != -1) {
		if (c == 'f')
			fmt = optarg;
		else if (c == 'o')
			add_opts(&opts, optarg);
		else if (!strchr("tpq", c))
			return 1;
	}
	if (!opts) {
		img_error("Must specify options (-o)");
		fprintf(stderr, "Try 'nido img --help' for more information\n");
		return 1;
	}
	if (optind != argc - 1)
		return img_error("Expecting one image file name"), 1;
	b = img_open(argv[optind], fmt,
		     BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING);
	if (!b)
		return 1;
	if (!streq(block_format(b), "qcow2"))
		return img_error("Format driver '%s' does not support option "
				 "amendment",
				 block_format(b)),
		       1;
	if (parse_amend_opts(opts, &o, &size, &has_size) < 0)
		return 1;
	if (img_amend(b, &o, &e) < 0 ||
	    (has_size && size != block_size(b) &&
	     block_resize(b, size, BLOCK_RESIZE_SHRINK, &e) < 0)) {
		img_error("%s", err_msg(e));
		return 1;
	}
	if (block_close(steal_ptr(b)) < 0)
		return img_error("'%s': closing the image failed",
				 argv[optind]),
		       1;
	return 0;
}
