// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nido img`: dispatch, shared helpers, and the create and info verbs.
 * Output follows qemu-img's, so that scripts written for it work.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <time.h>

#include "config.h"
#include "cli/cli.h"
#include "cli/img.h"
#include "lib/size.h"

void img_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nido img: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int img_parse_size(const char *s, uint64_t *out)
{
	return s ? size_parse(s, out, NULL) : -EINVAL;
}

int img_load_snapshot(struct block *src, const char *param)
{
	static const char pfx[] = "snapshot.";
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *copy = NULL;
	const char *id = NULL, *name = NULL;
	char *save = NULL;
	int r;

	if (strncmp(param, pfx, sizeof(pfx) - 1) != 0) {
		r = img_snapshot_load_any(src, param, &e);
		goto done;
	}
	copy = xstrdup(param);
	for (char *kv = strtok_r(copy, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');

		if (v)
			*v++ = '\0';
		if (v && streq(kv, "snapshot.id"))
			id = v;
		else if (v && streq(kv, "snapshot.name"))
			name = v;
		else {
			img_error("Invalid parameter '%s'", kv);
			img_error("Failed in parsing snapshot param '%s'",
				  param);
			return -1;
		}
	}
	r = img_snapshot_load(src, id, name, &e);
done:
	if (r < 0)
		img_error("Failed to load snapshot: %s", err_msg(e));
	return r < 0 ? -1 : 0;
}

const char *img_human_size(uint64_t v, char buf[32])
{
	return size_format_human(v, buf);
}

struct block *img_open(const char *path, const char *fmt, unsigned flags)
{
	_cleanup_err_ struct err *e = NULL;
	struct block *b = NULL;

	if ((flags & IMG_OPEN_SHARE_BACKING) && (flags & BLOCK_OPEN_RDWR))
		flags = (flags & ~IMG_OPEN_SHARE_BACKING) | BLOCK_OPEN_SHARE_RW;
	else if ((flags & BLOCK_OPEN_SHARE_RW) && (flags & BLOCK_OPEN_RDWR)) {
		img_error("Could not open '%s': force-share=on can only be "
			  "used with read-only images",
			  path);
		return NULL;
	}
	flags &= ~IMG_OPEN_SHARE_BACKING;

	if (block_open(path, fmt, flags, &b, &e) < 0) {
		_cleanup_free_ char *plain = xasprintf("opening '%s': %s", path,
						       strerror(-err_code(e)));

		/* the image itself missing or closed to us: qemu-img's words */
		if (streq(err_msg(e), plain))
			img_error(
				"Could not open '%s': Could not open '%s': %s",
				path, path, strerror(-err_code(e)));
		else
			img_error("Could not open '%s': %s", path, err_msg(e));
		return NULL;
	}
	return b;
}

/* ---- JSON printing in qemu-img's layout ---- */

static void print_json(json_object *o, int indent)
{
	json_type t = json_object_get_type(o);
	size_t i = 0, n;

	if (t == json_type_object) {
		n = (size_t)json_object_object_length(o);
		printf("{\n");
		json_object_object_foreach (o, k, v) {
			printf("%*s\"%s\": ", indent + 4, "", k);
			print_json(v, indent + 4);
			printf("%s\n", ++i < n ? "," : "");
		}
		printf("%*s}", indent, "");
	} else if (t == json_type_array) {
		n = json_object_array_length(o);
		printf("[\n");
		for (i = 0; i < n; i++) {
			printf("%*s", indent + 4, "");
			print_json(json_object_array_get_idx(o, i), indent + 4);
			printf("%s\n", i + 1 < n ? "," : "");
		}
		printf("%*s]", indent, "");
	} else {
		fputs(json_object_to_json_string_ext(
			      o, JSON_C_TO_STRING_NOSLASHESCAPE),
		      stdout);
	}
}

void img_print_json(json_object *o)
{
	print_json(o, 0);
	printf("\n");
}

/* ---- create ---- */

static int parse_bool(const char *v, bool *out)
{
	if (streq(v, "on") || streq(v, "true")) {
		*out = true;
		return 0;
	}
	if (streq(v, "off") || streq(v, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int parse_one_opt(char *k, char *v, struct img_create_opts *o)
{
	uint64_t n;
	bool bv;

	if (streq(k, "cluster_size") && img_parse_size(v, &n) == 0)
		o->cluster_size = n;
	else if (streq(k, "size") && img_parse_size(v, &n) == 0)
		o->size = n;
	else if (streq(k, "preallocation") && img_prealloc_parse(v) >= 0)
		o->prealloc = (enum img_prealloc)img_prealloc_parse(v);
	else if (streq(k, "compat") && (streq(v, "0.10") || streq(v, "v2")))
		o->compat = 2;
	else if (streq(k, "compat") && (streq(v, "1.1") || streq(v, "v3")))
		o->compat = 3;
	else if (streq(k, "lazy_refcounts") && parse_bool(v, &bv) == 0)
		o->lazy_refcounts = bv;
	else if (streq(k, "refcount_bits") && img_parse_size(v, &n) == 0)
		o->refcount_bits = (int)n;
	else if (streq(k, "compression_type"))
		o->compression = v;
	else if (streq(k, "backing_file"))
		o->backing = v;
	else if (streq(k, "backing_fmt"))
		o->backing_fmt = v;
	else if (streq(k, "extended_l2") && parse_bool(v, &bv) == 0 && !bv)
		;
	else if (streq(k, "extended_l2"))
		return img_error("extended_l2=on is not supported"), -EINVAL;
	else
		return img_error("invalid option '%s=%s'", k, v), -EINVAL;
	return 0;
}

int img_parse_create_opts(char *opts, struct img_create_opts *o)
{
	char *save = NULL;

	for (char *kv = strtok_r(opts, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		if (streq(kv, "help") || streq(kv, "?")) {
			printf("Supported options:\n  cluster_size, "
			       "preallocation, compat, lazy_refcounts, "
			       "refcount_bits, compression_type, backing_file, "
			       "backing_fmt, size\n");
			return -ECANCELED;
		}
		if (!eq)
			return img_error("invalid option '%s'", kv), -EINVAL;
		*eq = 0;
		if (parse_one_opt(kv, eq + 1, o) < 0)
			return -EINVAL;
	}
	return 0;
}

static void print_formatting(const char *path, const struct img_create_opts *o,
			     uint64_t size)
{
	static const char *const pre[] = {"off", "metadata", "falloc", "full"};

	printf("Formatting '%s', fmt=%s ", path, o->format);
	if (streq(o->format, "qcow2")) {
		printf("cluster_size=%" PRIu64 " ",
		       o->cluster_size ? o->cluster_size : 65536);
		if (o->compat == 2)
			printf("compat=0.10 ");
		printf("extended_l2=off ");
		if (o->prealloc)
			printf("preallocation=%s ", pre[o->prealloc]);
		printf("compression_type=%s ",
		       o->compression ? o->compression : "zlib");
	} else if (o->prealloc) {
		printf("preallocation=%s ", pre[o->prealloc]);
	}
	printf("size=%" PRIu64, size);
	if (o->backing)
		printf(" backing_file=%s", o->backing);
	if (o->backing_fmt)
		printf(" backing_fmt=%s", o->backing_fmt);
	if (streq(o->format, "qcow2"))
		printf(" lazy_refcounts=%s refcount_bits=%d",
		       o->lazy_refcounts ? "on" : "off",
		       o->refcount_bits ? o->refcount_bits : 16);
	printf("\n");
}

/*
 * qemu-img 7.2 refuses a backing file given without its format rather
 * than record a probed one: a raw backing file whose first sector a
 * guest filled with a qcow2 header would be read as that qcow2 (and its
 * own "backing file" opened) by everyone who trusts the record. Like
 * qemu-img, name the format it would have guessed, unless -u says not
 * to open the backing file at all. Returns 0 when there is nothing to
 * refuse, 1 when refused (printed).
 */
static int refuse_unformatted_backing(const char *path,
				      const struct img_create_opts *o)
{
	_cleanup_block_ struct block *bb = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *full = NULL;
	const char *slash = strrchr(path, '/');

	if (!o->backing || o->backing_fmt)
		return 0;
	if (o->unsafe_backing) {
		img_error("%s: Backing file specified without backing format",
			  path);
		return 1;
	}
	full = o->backing[0] == '/' || !slash
		       ? xstrdup(o->backing)
		       : xasprintf("%.*s/%s", (int)(slash - path), path,
				   o->backing);
	if (block_open(full, NULL, BLOCK_OPEN_NO_BACKING | BLOCK_OPEN_SHARE_RW,
		       &bb, &e) < 0) {
		img_error("%s: %s", path, err_msg(e));
		fprintf(stderr, "Could not open backing image.\n");
		return 1;
	}
	img_error("%s: Backing file specified without backing format", path);
	fprintf(stderr, "Detected format of %s.\n", block_format(bb));
	return 1;
}

/* The format @path probes as, "" when it cannot be opened. */
static const char *probed_format(const char *path)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	static char fmt[16];

	fmt[0] = 0;
	if (block_open(path, NULL, BLOCK_OPEN_NO_BACKING | BLOCK_OPEN_SHARE_RW,
		       &b, &e) == 0)
		snprintf(fmt, sizeof(fmt), "%s", block_format(b));
	return fmt;
}

/*
 * What qemu-img checks before it prints "Formatting": a raw image takes
 * no backing file, and a backing file opened (unless -u) gives the size
 * when none was given. Its messages, the image's name first. Returns 0,
 * or 1 when refused (printed).
 */
static int check_backing(const char *path, struct img_create_opts *o,
			 bool has_size)
{
	_cleanup_block_ struct block *bb = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *full = NULL;
	const char *slash = strrchr(path, '/');

	if (o->backing && !streq(o->format, "qcow2")) {
		img_error("%s: Backing file not supported for file format '%s'",
			  path, o->format);
		return 1;
	}
	if (!o->backing || o->unsafe_backing)
		return 0;
	full = o->backing[0] == '/' || !slash
		       ? xstrdup(o->backing)
		       : xasprintf("%.*s/%s", (int)(slash - path), path,
				   o->backing);
	if (block_open(full, o->backing_fmt, BLOCK_OPEN_SHARE_RW, &bb, &e) <
	    0) {
		if (err_code(e) == -ENOENT || err_code(e) == -EACCES)
			img_error("%s: Could not open '%s': %s", path,
				  o->backing, strerror(-err_code(e)));
		else if (!streq(probed_format(full), o->backing_fmt))
			img_error("%s: Image is not in %s format", path,
				  o->backing_fmt);
		else
			img_error("%s: %s", path, err_msg(e));
		fprintf(stderr, "Could not open backing image.\n");
		return 1;
	}
	if (!has_size)
		o->size = block_size(bb);
	return 0;
}

/* Parses create's command line into @o; returns 0, or the exit status. */
static int create_args(int argc, char **argv, struct img_create_opts *o,
		       char **opts, bool *quiet)
{
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, "f:b:F:o:qu")) != -1) {
		if (c == 'f')
			o->format = optarg;
		else if (c == 'b')
			o->backing = optarg;
		else if (c == 'F')
			o->backing_fmt = optarg;
		else if (c == 'o') {
			free(*opts);
			*opts = xstrdup(optarg);
		} else if (c == 'q')
			*quiet = true;
		else if (c == 'u')
			o->unsafe_backing = true;
		else
			return 1;
	}
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct img_create_opts o = {.format = "raw"};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *opts = NULL;
	bool quiet = false, has_size;
	const char *path;
	int r = create_args(argc, argv, &o, &opts, &quiet);

	if (r)
		return r;
	if (opts) {
		r = img_parse_create_opts(opts, &o);
		if (r < 0)
			return r == -ECANCELED ? 0 : 1;
	}
	if (optind >= argc)
		return img_error("Expecting image file name"), 1;
	path = argv[optind];
	has_size = optind + 1 < argc || o.size;
	if (optind + 1 < argc && img_parse_size(argv[optind + 1], &o.size)) {
		img_error("Invalid image size specified. You may use k, M, G, "
			  "T, P or E suffixes for");
		fprintf(stderr, "nido img: kilobytes, megabytes, gigabytes, "
				"terabytes, petabytes and exabytes.\n");
		return 1;
	}
	if (refuse_unformatted_backing(path, &o) ||
	    check_backing(path, &o, has_size))
		return 1;
	if (!has_size && (!o.backing || o.unsafe_backing))
		return img_error("%s: Image creation needs a size parameter",
				 path),
		       1;
	if (!quiet)
		print_formatting(path, &o, o.size);
	fflush(stdout);
	if (o.backing_fmt && !block_format_known(o.backing_fmt))
		return img_error("%s: Parameter 'backing-fmt' does not accept "
				 "value '%s'",
				 path, o.backing_fmt),
		       1;
	if (img_create(path, &o, &e) < 0) {
		img_error("%s", err_msg(e));
		return 1;
	}
	return 0;
}

/* ---- info ---- */

static json_object *snapshot_json(const struct img_snapshot *s)
{
	json_object *o = json_object_new_object();

	if (s->icount != UINT64_MAX)
		json_object_object_add(
			o, "icount", json_object_new_int64((int64_t)s->icount));
	json_object_object_add(
		o, "vm-clock-nsec",
		json_object_new_int64(
			(int64_t)(s->vm_clock_nsec % 1000000000)));
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "date-sec",
			       json_object_new_int64(s->date_sec));
	json_object_object_add(o, "date-nsec",
			       json_object_new_int64(s->date_nsec));
	json_object_object_add(
		o, "vm-clock-sec",
		json_object_new_int64(
			(int64_t)(s->vm_clock_nsec / 1000000000)));
	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(
		o, "vm-state-size",
		json_object_new_int64((int64_t)s->vm_state_size));
	return o;
}

/* qemu-img's order: in-use first, then auto. */
static int bitmap_flags(const struct img_bitmap *bm, const char *f[2])
{
	int n = 0;

	if (bm->in_use)
		f[n++] = "in-use";
	if (bm->recording)
		f[n++] = "auto";
	return n;
}

static json_object *bitmaps_json(const struct img_info *i)
{
	json_object *a = json_object_new_array();

	for (int k = 0; k < i->nb_bitmaps; k++) {
		json_object *b = json_object_new_object(),
			    *fl = json_object_new_array();
		const char *f[2];
		int n = bitmap_flags(&i->bitmaps[k], f);

		for (int j = 0; j < n; j++)
			json_object_array_add(fl, json_object_new_string(f[j]));
		json_object_object_add(b, "flags", fl);
		json_object_object_add(
			b, "name", json_object_new_string(i->bitmaps[k].name));
		json_object_object_add(
			b, "granularity",
			json_object_new_int64(
				(int64_t)i->bitmaps[k].granularity));
		json_object_array_add(a, b);
	}
	return a;
}

static void print_bitmaps(const struct img_info *i)
{
	if (!i->nb_bitmaps)
		return;
	printf("    bitmaps:\n");
	for (int k = 0; k < i->nb_bitmaps; k++) {
		const char *f[2];
		int n = bitmap_flags(&i->bitmaps[k], f);

		printf("        [%d]:\n            flags:\n", k);
		for (int j = 0; j < n; j++)
			printf("                [%d]: %s\n", j, f[j]);
		printf("            name: %s\n            granularity: %" PRIu64
		       "\n",
		       i->bitmaps[k].name, i->bitmaps[k].granularity);
	}
}

static json_object *format_specific_json(const struct img_info *i)
{
	json_object *o = json_object_new_object(), *d;

	json_object_object_add(o, "type", json_object_new_string("qcow2"));
	d = json_object_new_object();
	json_object_object_add(
		d, "compat",
		json_object_new_string(i->version >= 3 ? "1.1" : "0.10"));
	json_object_object_add(d, "compression-type",
			       json_object_new_string(i->compression_type));
	if (i->version >= 3)
		json_object_object_add(
			d, "lazy-refcounts",
			json_object_new_boolean(i->lazy_refcounts));
	if (i->nb_bitmaps)
		json_object_object_add(d, "bitmaps", bitmaps_json(i));
	json_object_object_add(d, "refcount-bits",
			       json_object_new_int(i->refcount_bits));
	if (i->version >= 3) {
		json_object_object_add(d, "corrupt",
				       json_object_new_boolean(i->corrupt));
		json_object_object_add(d, "extended-l2",
				       json_object_new_boolean(i->extended_l2));
	}
	json_object_object_add(o, "data", d);
	return o;
}

static json_object *info_json(const char *path, const struct img_info *i)
{
	json_object *o = json_object_new_object();

	if (i->backing_format)
		json_object_object_add(
			o, "backing-filename-format",
			json_object_new_string(i->backing_format));
	if (i->nb_snaps) {
		json_object *a = json_object_new_array();

		for (int k = 0; k < i->nb_snaps; k++)
			json_object_array_add(a, snapshot_json(&i->snaps[k]));
		json_object_object_add(o, "snapshots", a);
	}
	json_object_object_add(o, "virtual-size",
			       json_object_new_int64((int64_t)i->virtual_size));
	json_object_object_add(o, "filename", json_object_new_string(path));
	if (i->cluster_size)
		json_object_object_add(
			o, "cluster-size",
			json_object_new_int64((int64_t)i->cluster_size));
	json_object_object_add(o, "format", json_object_new_string(i->format));
	if (!i->actual_size_unknown)
		json_object_object_add(
			o, "actual-size",
			json_object_new_int64((int64_t)i->actual_size));
	if (i->is_qcow2)
		json_object_object_add(o, "format-specific",
				       format_specific_json(i));
	if (i->full_backing_filename)
		json_object_object_add(
			o, "full-backing-filename",
			json_object_new_string(i->full_backing_filename));
	if (i->backing_filename)
		json_object_object_add(
			o, "backing-filename",
			json_object_new_string(i->backing_filename));
	json_object_object_add(o, "dirty-flag",
			       json_object_new_boolean(i->dirty));
	return o;
}

void img_print_snapshot_table(const struct img_snapshot *s, int n);
void img_print_snapshot_table(const struct img_snapshot *s, int n)
{
	char size[32], date[32], clock[32], icount[32] = "";

	printf("ID        TAG               VM SIZE                DATE     "
	       "VM CLOCK     ICOUNT\n");
	for (int k = 0; k < n; k++) {
		time_t t = s[k].date_sec;
		struct tm tm;
		uint64_t ms = s[k].vm_clock_nsec / 1000000;

		localtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(clock, sizeof(clock),
			 "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64,
			 ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
			 ms % 1000);
		if (s[k].icount != UINT64_MAX)
			snprintf(icount, sizeof(icount), "%" PRIu64,
				 s[k].icount);
		printf("%-9s %-17s %7s%20s%13s%11s\n", s[k].id, s[k].name,
		       img_human_size(s[k].vm_state_size, size), date, clock,
		       icount);
	}
}

static void info_human(const char *path, const struct img_info *i)
{
	char a[32], b[32];

	printf("image: %s\nfile format: %s\n", path, i->format);
	printf("virtual size: %s (%" PRIu64 " bytes)\n",
	       img_human_size(i->virtual_size, a), i->virtual_size);
	printf("disk size: %s\n", i->actual_size_unknown
					  ? "unavailable"
					  : img_human_size(i->actual_size, b));
	if (i->cluster_size)
		printf("cluster_size: %" PRIu64 "\n", i->cluster_size);
	if (i->backing_filename) {
		printf("backing file: %s", i->backing_filename);
		if (!streq(i->backing_filename, i->full_backing_filename))
			printf(" (actual path: %s)", i->full_backing_filename);
		printf("\n");
	}
	if (i->backing_format)
		printf("backing file format: %s\n", i->backing_format);
	if (i->dirty)
		printf("cleanly shut down: no\n");
	if (i->nb_snaps) {
		printf("Snapshot list:\n");
		img_print_snapshot_table(i->snaps, i->nb_snaps);
	}
	if (!i->is_qcow2)
		return;
	printf("Format specific information:\n");
	printf("    compat: %s\n", i->version >= 3 ? "1.1" : "0.10");
	printf("    compression type: %s\n", i->compression_type);
	if (i->version >= 3)
		printf("    lazy refcounts: %s\n",
		       i->lazy_refcounts ? "true" : "false");
	print_bitmaps(i);
	printf("    refcount bits: %d\n", i->refcount_bits);
	if (i->version >= 3)
		printf("    corrupt: %s\n    extended l2: %s\n",
		       i->corrupt ? "true" : "false",
		       i->extended_l2 ? "true" : "false");
}

static int cmd_info(int argc, char **argv)
{
	static const struct option lo[] = {
		{"output", required_argument, 0, 'O'},
		{"backing-chain", no_argument, 0, 'B'},
		{"force-share", no_argument, 0, 'U'},
		{0, 0, 0, 0}};
	_cleanup_block_ struct block *b = NULL;
	const char *fmt = NULL;
	bool json = false, chain = false;
	unsigned share = 0;
	json_object *arr = NULL;
	int c, ret = 0, idx = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:U", lo, NULL)) != -1) {
		if (c == 'f')
			fmt = optarg;
		else if (c == 'O' && !streq(optarg, "json") &&
			 !streq(optarg, "human"))
			return img_error("--output must be human or json"), 1;
		else if (c == 'O')
			json = streq(optarg, "json");
		else if (c == 'B')
			chain = true;
		else if (c == 'U')
			share = BLOCK_OPEN_SHARE_RW;
		else
			return 1;
	}
	if (optind >= argc)
		return img_error("Expecting one image file name"), 1;
	b = img_open(argv[optind], fmt,
		     share | (chain ? 0 : BLOCK_OPEN_NO_BACKING));
	if (!b)
		return 1;
	if (json && chain)
		arr = json_object_new_array();
	for (struct block *cur = b; cur;
	     cur = chain ? block_backing(cur) : NULL) {
		_cleanup_err_ struct err *e = NULL;
		struct img_info i;

		if (img_info_get(cur, &i, &e) < 0) {
			img_error("%s", err_msg(e));
			ret = 1;
			break;
		}
		if (json) {
			json_object *o = info_json(block_filename(cur), &i);

			if (arr) {
				json_object_array_add(arr, o);
			} else {
				img_print_json(o);
				json_object_put(o);
			}
		} else {
			if (idx++)
				printf("\n");
			info_human(block_filename(cur), &i);
		}
		img_info_clear(&i);
	}
	if (arr) {
		img_print_json(arr);
		json_object_put(arr);
	}
	return ret;
}

static const struct cli_command verbs[] = {
	{"create", cmd_create, "create a new image"},
	{"info", cmd_info, "describe an image"},
	{"check", img_cmd_check, "check (and repair) an image"},
	{"convert", img_cmd_convert, "copy an image to another format"},
	{"resize", img_cmd_resize, "change the virtual size"},
	{"snapshot", img_cmd_snapshot, "internal snapshots"},
	{"commit", img_cmd_commit, "merge an image into its backing file"},
	{"rebase", img_cmd_rebase, "change the backing file"},
	{"map", img_cmd_map, "show where the data lives"},
	{"measure", img_cmd_measure, "size a conversion would need"},
	{"compare", img_cmd_compare, "compare two images"},
	{"bench", img_cmd_bench, "random I/O benchmark"},
	{"amend", img_cmd_amend, "change the options of an image"},
	{"dd", img_cmd_dd, "copy an image's blocks, as dd"},
	{"bitmap", img_cmd_bitmap, "persistent dirty bitmaps (qcow2)"},
};

/* qemu-img's help, for nido's verbs and options. */
static const char help_text[] =
	"usage: nido img [standard options] command [command options]\n"
	"nido disk image utility (qemu-img's commands and options)\n"
	"\n"
	"    '-h', '--help'       display this help and exit\n"
	"    '-V', '--version'    output version information and exit\n"
	"\n"
	"Command syntax:\n"
	"  amend [-f fmt] [-p] [-q] [-t cache] -o options filename\n"
	"  bench [-c count] [-d depth] [-f fmt] "
	"[--flush-interval=flush_interval] "
	"[-i aio] [-n] [--no-drain] [-o offset] [--pattern=pattern] [-q] "
	"[-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename\n"
	"  bitmap (--merge SOURCE | --add | --remove | --clear | --enable | "
	"--disable)... [-b source_file [-F source_fmt]] [-g granularity] "
	"[-f fmt] filename bitmap\n"
	"  check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] [-T "
	"src_cache] "
	"[-U] filename\n"
	"  commit [-q] [-f fmt] [-t cache] [-b base] [-r rate_limit] [-d] [-p] "
	"filename\n"
	"  compare [-f fmt] [-F fmt] [-T src_cache] [-p] [-q] [-s] [-U] "
	"filename1 filename2\n"
	"  convert [--bitmaps [--skip-broken-bitmaps]] [-U] [-C] [-c] [-p] "
	"[-q] [-n] [-f fmt] [-t cache] "
	"[-T src_cache] [-O output_fmt] [-B backing_file [-F backing_fmt]] "
	"[-o options] [-l snapshot_param] [-S sparse_size] "
	"[-m num_coroutines] [-W] filename [filename2 [...]] "
	"output_filename\n"
	"  create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] "
	"[-o options] filename [size]\n"
	"  dd [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] "
	"[skip=blocks] if=input of=output\n"
	"  info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename\n"
	"  map [-f fmt] [--start-offset=offset] [--max-length=len] "
	"[--output=ofmt] [-U] filename\n"
	"  measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | "
	"[-f fmt] [-l snapshot_param] filename]\n"
	"  snapshot [-U] [-q] [-l | -a snapshot | -c snapshot | -d snapshot] "
	"filename\n"
	"  rebase [-U] [-q] [-f fmt] [-t cache] [-T src_cache] [-p] [-u] "
	"-b backing_file [-F backing_fmt] filename\n"
	"  resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] "
	"filename [+ | -]size\n"
	"\n"
	"Command parameters:\n"
	"  'filename' is a disk image filename\n"
	"  'fmt' is the disk image format. It is guessed from the file when "
	"not given,\n"
	"    except for backing files: a backing file's format is always given "
	"(-F)\n"
	"    or recorded in the image that names it\n"
	"  'cache' is the cache mode used to write the output disk image "
	"('unsafe' is\n"
	"    convert's default: do not wait for the disk)\n"
	"  'size' is the disk image size in bytes. Optional suffixes 'k' or "
	"'K' "
	"(1024),\n"
	"    'M', 'G', 'T', 'P' and 'E' are supported. 'b' is ignored.\n"
	"  'output_filename' is the destination disk image filename\n"
	"  'output_fmt' is the destination format\n"
	"  'options' is a comma separated list of format specific options in "
	"a\n"
	"    name=value format. Use -o help for an overview of the options\n"
	"  '-c' indicates that target image must be compressed (qcow2 only)\n"
	"  '-u' allows unsafe backing chains. For rebasing, it is assumed that "
	"old and\n"
	"       new backing file match exactly. For image creation, allow "
	"creating\n"
	"       without attempting to open the backing file.\n"
	"  '-h' with or without a command shows this help\n"
	"  '-p' show progress of command (only certain commands)\n"
	"  '-q' use Quiet mode - do not print any output (except errors)\n"
	"  '-S' indicates the consecutive number of bytes (defaults to 4k) "
	"that must\n"
	"       contain only zeros for a sparse image during conversion\n"
	"  '-U' opens images shared: another process may be writing them\n"
	"  '--output' takes the format in which the output must be done "
	"(human or json)\n"
	"  '-n' skips the target volume creation\n"
	"\n"
	"Parameters to convert subcommand:\n"
	"  '--bitmaps' copies all top-level persistent bitmaps to destination\n"
	"  '--skip-broken-bitmaps' leaves out inconsistent (in-use) bitmaps "
	"instead of\n"
	"       failing\n"
	"\n"
	"Parameters to check subcommand:\n"
	"  '-r' tries to repair any inconsistencies that are found during the "
	"check.\n"
	"       '-r leaks' repairs only cluster leaks, whereas '-r all' fixes "
	"all\n"
	"       kinds of errors.\n"
	"\n"
	"Parameters to snapshot subcommand:\n"
	"  'snapshot' is the name of the snapshot to create, apply or delete\n"
	"  '-a' applies a snapshot (revert disk to saved state)\n"
	"  '-c' creates a snapshot\n"
	"  '-d' deletes a snapshot\n"
	"  '-l' lists all snapshots in the given image\n"
	"\n"
	"Parameters to compare subcommand:\n"
	"  '-f' first image format\n"
	"  '-F' second image format\n"
	"  '-s' run in Strict mode - fail on different image size or sector "
	"allocation\n"
	"\n"
	"Supported formats: qcow2 raw (read and write); vmdk vdi (read only)\n"
	"\n"
	"See 'man nido' and docs/img.md.\n";

static void print_version(void)
{
	printf("nido img version %s (nido %s)\n", NIDO_VERSION, NIDO_VERSION);
}

/* -h or --help among a verb's options (not after "--"), as qemu-img
 * takes them on every command. */
static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--"))
			return false;
		if (streq(argv[i], "-h") || streq(argv[i], "--help"))
			return true;
	}
	return false;
}

int cmd_img(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "nido img: Not enough arguments\n"
				"Try 'nido img --help' for more information\n");
		return 1;
	}
	if (streq(argv[1], "-V") || streq(argv[1], "--version")) {
		print_version();
		return 0;
	}
	if (streq(argv[1], "-h") || streq(argv[1], "--help") ||
	    streq(argv[1], "help") || asks_help(argc - 1, argv + 1)) {
		print_version();
		fputs(help_text, stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (streq(argv[1], verbs[i].name))
			return verbs[i].run(argc - 1, argv + 1);
	img_error("Command not found: %s", argv[1]);
	return 1;
}
