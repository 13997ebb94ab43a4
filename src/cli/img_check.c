// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img check`: exit status as qemu-img's: 0 clean, 1 the check
 * could not complete, 2 corruptions, 3 leaks only, 63 no checks for
 * this format.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include "cli/img.h"

static void print_human(const struct img_check *r, unsigned fix)
{
	if (r->report)
		fputs(r->report, stderr);
	if (fix && (r->leaks_fixed || r->corruptions_fixed)) {
		printf("The following inconsistencies were found and "
		       "repaired:\n\n");
		printf("    %" PRIu64 " leaked clusters\n", r->leaks_fixed);
		printf("    %" PRIu64 " corruptions\n\n", r->corruptions_fixed);
		printf("Double checking the fixed image now...\n");
	}
	if (!r->corruptions && !r->leaks && !r->check_errors)
		printf("No errors were found on the image.\n");
	if (r->corruptions)
		printf("\n%" PRIu64 " errors were found on the image.\nData "
		       "may be corrupted, or further writes to the image may "
		       "corrupt it.\n",
		       r->corruptions);
	if (r->leaks)
		printf("\n%" PRIu64 " leaked clusters were found on the "
		       "image.\nThis means waste of disk space, but no harm "
		       "to data.\n",
		       r->leaks);
	if (r->total_clusters && r->allocated_clusters &&
	    r->allocated_clusters <= r->total_clusters)
		printf("%" PRIu64 "/%" PRIu64 " = %0.2f%% allocated, %0.2f%% "
		       "fragmented, %0.2f%% compressed clusters\n",
		       r->allocated_clusters, r->total_clusters,
		       100.0 * r->allocated_clusters / r->total_clusters,
		       r->allocated_clusters ? 100.0 * r->fragmented_clusters /
						       r->allocated_clusters
					     : 0.0,
		       r->allocated_clusters ? 100.0 * r->compressed_clusters /
						       r->allocated_clusters
					     : 0.0);
	if (r->image_end_offset)
		printf("Image end offset: %" PRIu64 "\n", r->image_end_offset);
}

static void add_nz(json_object *o, const char *k, uint64_t v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

/* qemu-img's keys, in the order it prints them (its dictionary's). */
static void print_json(const char *path, const char *fmt,
		       const struct img_check *r)
{
	json_object *o = json_object_new_object();

	if (r->report)
		fputs(r->report, stderr);
	json_object_object_add(
		o, "image-end-offset",
		json_object_new_int64((int64_t)r->image_end_offset));
	add_nz(o, "compressed-clusters", r->compressed_clusters);
	json_object_object_add(
		o, "total-clusters",
		json_object_new_int64((int64_t)r->total_clusters));
	add_nz(o, "corruptions", r->corruptions);
	add_nz(o, "corruptions-fixed", r->corruptions_fixed);
	json_object_object_add(o, "check-errors",
			       json_object_new_int64((int64_t)r->check_errors));
	add_nz(o, "leaks", r->leaks);
	add_nz(o, "leaks-fixed", r->leaks_fixed);
	json_object_object_add(
		o, "allocated-clusters",
		json_object_new_int64((int64_t)r->allocated_clusters));
	json_object_object_add(o, "filename", json_object_new_string(path));
	json_object_object_add(o, "format", json_object_new_string(fmt));
	add_nz(o, "fragmented-clusters", r->fragmented_clusters);
	img_print_json(o);
	json_object_put(o);
}

static int parse_repair(const char *v, unsigned *fix)
{
	if (streq(v, "leaks"))
		*fix = IMG_FIX_LEAKS;
	else if (streq(v, "all"))
		*fix = IMG_FIX_LEAKS | IMG_FIX_ERRORS;
	else
		return img_error("Unknown option value for -r (expecting "
				 "'leaks' or 'all'): %s",
				 v),
		       -1;
	return 0;
}

int img_cmd_check(int argc, char **argv)
{
	static const struct option lo[] = {
		{"output", required_argument, 0, 'O'},
		{"repair", required_argument, 0, 'r'},
		{"force-share", no_argument, 0, 'U'},
		{0, 0, 0, 0}};
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct img_check res;
	const char *fmt = NULL;
	unsigned fix = 0, flags = BLOCK_OPEN_NO_BACKING | BLOCK_OPEN_CHECK;
	bool json = false, quiet = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:r:qU", lo, NULL)) != -1) {
		if (c == 'f')
			fmt = optarg;
		else if (c == 'O')
			json = streq(optarg, "json");
		else if (c == 'q')
			quiet = true;
		else if (c == 'r' && parse_repair(optarg, &fix) < 0)
			return 1;
		else if (c == 'U')
			flags |= BLOCK_OPEN_SHARE_RW;
		else if (c != 'r')
			return 1;
	}
	if (optind >= argc)
		return img_error("Expecting one image file name"), 1;
	if (fix)
		flags |= BLOCK_OPEN_RDWR;
	b = img_open(argv[optind], fmt, flags);
	if (!b)
		return 1;
	r = img_check(b, fix, &res, &e);
	if (r == -ENOTSUP) {
		img_error("This image format does not support checks");
		return 63;
	}
	if (r < 0) {
		if (res.report)
			fputs(res.report, stderr);
		img_error("Check failed: %s", err_msg(e));
		free(res.report);
		return 1;
	}
	if (json)
		print_json(argv[optind], block_format(b), &res);
	else if (!quiet)
		print_human(&res, fix);
	free(res.report);
	if (res.check_errors)
		return 1;
	if (res.corruptions)
		return 2;
	return res.leaks ? 3 : 0;
}
