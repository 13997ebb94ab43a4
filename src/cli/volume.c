// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido's storage volume verbs, shaped like virsh 9.0's: vol-create,
 * vol-create-as, vol-clone and vol-create-from (volume-copy.c), vol-delete,
 * vol-wipe, vol-resize, vol-info, vol-list, vol-path, vol-name, vol-key,
 * vol-pool, vol-dumpxml. A volume is named by its name in --pool, or by its
 * path or key.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "cli/pool.h"
#include "cli/table.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/size.h"
#include "storage/volstream.h"

#define XML_MAX (1u << 20)

static int vol_fail(const struct cli_args *a, const char *what,
		    const struct err *e)
{
	const char *vol = cli_str(a, "vol"), *pool = cli_str(a, "pool");

	if (err_kind(e) == ERR_NO_CONNECT)
		cli_error("%s", err_msg(e));
	else if (err_kind(e) == ERR_NO_STORAGE_POOL)
		cli_error("failed to get pool '%s'", pool);
	else if (err_kind(e) == ERR_NO_STORAGE_VOL)
		cli_error("failed to get vol '%s'%s: %s", vol,
			  pool ? "" : ", specifying --pool might help",
			  err_msg(e));
	else
		cli_error("failed to %s vol '%s': %s", what, vol, err_msg(e));
	return 1;
}

/* Calls @method on the volume of --vol (and --pool); 0 or 1 (printed). */
static int vol_call(const struct cli_args *a, const char *method,
		    const char *what, struct json_object *p,
		    struct json_object **res)
{
	_cleanup_err_ struct err *e = NULL;

	if (!p)
		p = json_object_new_object();
	json_object_object_add(p, "vol",
			       json_object_new_string(cli_str(a, "vol")));
	if (cli_str(a, "pool"))
		json_object_object_add(
			p, "pool", json_object_new_string(cli_str(a, "pool")));
	if (client_call1(method, p, res, &e) < 0)
		return vol_fail(a, what, e);
	return 0;
}

static void print_warnings(struct json_object *res)
{
	struct json_object *w = NULL;

	json_get_array_opt(res, "warnings", &w, NULL);
	for (size_t i = 0; w && i < json_object_array_length(w); i++)
		fprintf(stderr, "warning: %s\n",
			json_object_get_string(
				json_object_array_get_idx(w, i)));
}

/* volume.create of @xml in --pool; the exit status (errors printed). */
static int create(const struct cli_args *a, const char *xml, const char *from)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *pool = cli_str(a, "pool");
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "pool", json_object_new_string(pool));
	json_object_object_add(p, "xml", json_object_new_string(xml));
	if (cli_flag(a, "prealloc-metadata"))
		json_object_object_add(p, "prealloc_metadata",
				       json_object_new_boolean(true));
	if (client_call1("volume.create", p, &res, &e) < 0) {
		if (err_kind(e) == ERR_NO_STORAGE_POOL)
			return pool_fail("get", pool, e);
		if (err_kind(e) == ERR_NO_CONNECT)
			cli_error("%s", err_msg(e));
		else if (from)
			cli_error("Failed to create vol from %s: %s", from,
				  err_msg(e));
		else
			cli_error("Failed to create vol %s: %s",
				  cli_str(a, "name"), err_msg(e));
		return 1;
	}
	print_warnings(res);
	if (from)
		cli_print_extra("Vol '%s' created from %s\n", jstr(res, "name"),
				from);
	else
		cli_print_extra("Vol '%s' created\n", jstr(res, "name"));
	return 0;
}

static int cmd_vol_create(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *xml = NULL;
	const char *file = cli_str(a, "file");

	if (file_read_all(file, XML_MAX, &xml, NULL, &e) < 0) {
		cli_error("Failed to create vol from %s: %s", file, err_msg(e));
		return 1;
	}
	return create(a, xml, file);
}

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '\'')
			fputs("&apos;", f);
		else
			fputc(*s, f);
	}
}

/* --backing-vol's path and format, looked up as virsh does. */
static int backing_of(const struct cli_args *a, char **path, char **format)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	const char *bv = cli_str(a, "backing-vol");
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "vol", json_object_new_string(bv));
	json_object_object_add(p, "pool",
			       json_object_new_string(cli_str(a, "pool")));
	if (client_call1("volume.info", p, &res, &e) < 0) {
		cli_error("failed to get vol '%s': %s", bv, err_msg(e));
		return -1;
	}
	*path = xstrdup(jstr(res, "path"));
	*format = xstrdup(cli_str(a, "backing-vol-format")
				  ? cli_str(a, "backing-vol-format")
				  : jstr(res, "format"));
	return 0;
}

/* --capacity and --allocation as virsh scales them (default bytes). */
static int scaled(const char *opt, const char *v, uint64_t *out)
{
	_cleanup_err_ struct err *e = NULL;

	if (size_parse(v, out, &e) < 0) {
		cli_error("Malformed size %s", v);
		return -1;
	}
	(void)opt;
	return 0;
}

static int cmd_vol_create_as(const struct cli_args *a)
{
	_cleanup_free_ char *bpath = NULL, *bfmt = NULL, *xml = NULL;
	const char *fmt = cli_str(a, "format"), *al = cli_str(a, "allocation");
	uint64_t cap, alloc = 0;
	size_t len = 0;
	FILE *f;

	if (scaled("capacity", cli_str(a, "capacity"), &cap) < 0 ||
	    (al && scaled("allocation", al, &alloc) < 0))
		return 1;
	if (cli_str(a, "backing-vol") && backing_of(a, &bpath, &bfmt) < 0)
		return 1;
	f = open_memstream(&xml, &len);
	fprintf(f, "<volume>\n  <name>");
	put_escaped(f, cli_str(a, "name"));
	fprintf(f, "</name>\n  <capacity>%llu</capacity>\n",
		(unsigned long long)cap);
	if (al)
		fprintf(f, "  <allocation>%llu</allocation>\n",
			(unsigned long long)alloc);
	if (fmt) {
		fprintf(f, "  <target>\n    <format type='");
		put_escaped(f, fmt);
		fprintf(f, "'/>\n  </target>\n");
	}
	if (bpath) {
		fprintf(f, "  <backingStore>\n    <path>");
		put_escaped(f, bpath);
		fprintf(f, "</path>\n    <format type='");
		put_escaped(f, bfmt);
		fprintf(f, "'/>\n  </backingStore>\n");
	}
	fprintf(f, "</volume>\n");
	fclose(f);
	if (cli_flag(a, "print-xml")) {
		fputs(xml, stdout);
		return 0;
	}
	return create(a, xml, NULL);
}

static int cmd_vol_delete(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;

	if (vol_call(a, "volume.delete", "delete", NULL, &res))
		return 1;
	cli_print_extra("Vol '%s' deleted\n", cli_str(a, "vol"));
	return 0;
}

static int cmd_vol_wipe(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *alg = cli_str(a, "algorithm");
	struct json_object *p = json_object_new_object();

	if (alg && !streq(alg, "zero")) {
		json_object_put(p);
		cli_error("Unsupported algorithm '%s' (nido wipes with zero)",
			  alg);
		return 1;
	}
	if (vol_call(a, "volume.wipe", "wipe", p, &res))
		return 1;
	cli_print_extra("Vol '%s' wiped\n", cli_str(a, "vol"));
	return 0;
}

static int cmd_vol_resize(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	const char *cap = cli_str(a, "capacity");
	bool delta = cli_flag(a, "delta"), shrink = cli_flag(a, "shrink");
	struct json_object *p;
	uint64_t bytes;

	if (*cap == '-') {
		if (!shrink) {
			cli_error("negative size requires --shrink");
			return 1;
		}
		delta = true;
		cap++;
	}
	if (scaled("capacity", cap, &bytes) < 0)
		return 1;
	p = json_object_new_object();
	json_object_object_add(p, "capacity", json_object_new_uint64(bytes));
	json_object_object_add(p, "delta", json_object_new_boolean(delta));
	json_object_object_add(p, "shrink", json_object_new_boolean(shrink));
	json_object_object_add(
		p, "allocate",
		json_object_new_boolean(cli_flag(a, "allocate")));
	if (vol_call(a, "volume.resize", "resize", p, &res))
		return 1;
	cli_print_extra("Size of volume '%s' successfully changed to %s\n",
			jstr(res, "name"), cli_str(a, "capacity"));
	return 0;
}

static const char *size_str(const struct cli_args *a, uint64_t v,
			    char buf[static 32])
{
	if (cli_flag(a, "bytes")) {
		snprintf(buf, 32, "%llu bytes", (unsigned long long)v);
		return buf;
	}
	return pool_pretty_size(v, buf);
}

static int cmd_vol_info(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	bool phys = cli_flag(a, "physical");
	char buf[32];

	if (vol_call(a, "volume.info", "get", NULL, &res))
		return 1;
	printf("%-15s %s\n", "Name:", jstr(res, "name"));
	printf("%-15s %s\n", "Type:", jstr(res, "type"));
	printf("%-15s %s\n",
	       "Capacity:", size_str(a, (uint64_t)jint(res, "capacity"), buf));
	printf("%-15s %s\n", phys ? "Physical:" : "Allocation:",
	       size_str(a,
			(uint64_t)jint(res, phys ? "physical" : "allocation"),
			buf));
	return 0;
}

static int cmd_vol_list(const struct cli_args *a)
{
	static const char *const h[] = {"Name", "Path", NULL};
	static const char *const hd[] = {"Name",     "Path",	   "Type",
					 "Capacity", "Allocation", NULL};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p = json_object_new_object(), *arr = NULL;
	const char *pool = cli_str(a, "pool");
	bool details = cli_flag(a, "details");
	struct table *t;

	json_object_object_add(p, "pool", json_object_new_string(pool));
	if (client_call1("volume.list", p, &res, &e) < 0)
		return pool_fail("list volumes of", pool, e);
	json_get_array(res, "volumes", &arr, NULL);
	t = table_new(details ? hd : h);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		char c[32], al[32];

		pool_pretty_size((uint64_t)jint(v, "capacity"), c);
		pool_pretty_size((uint64_t)jint(v, "allocation"), al);
		table_add(t, (const char *const[]){jstr(v, "name"),
						   jstr(v, "path"),
						   jstr(v, "type"), c, al});
	}
	table_print(t, !cli_quiet, stdout);
	table_free(t);
	return 0;
}

/* vol-path, vol-name, vol-key, vol-pool: one field of volume.info. */
static int cmd_vol_field(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_json_ struct json_object *pres = NULL;
	_cleanup_err_ struct err *e = NULL;
	const char *field = a->cmd->name + 4;
	struct json_object *p;

	if (vol_call(a, "volume.info", "get", NULL, &res))
		return 1;
	if (!streq(field, "pool") || !cli_flag(a, "uuid")) {
		printf("%s\n", jstr(res, streq(field, "name")	? "name"
					 : streq(field, "key")	? "key"
					 : streq(field, "pool") ? "pool"
								: "path"));
		return 0;
	}
	p = json_object_new_object();
	json_object_object_add(p, "pool",
			       json_object_new_string(jstr(res, "pool")));
	if (client_call1("pool.info", p, &pres, &e) < 0)
		return pool_fail("get", jstr(res, "pool"), e);
	printf("%s\n", jstr(pres, "uuid"));
	return 0;
}

static int cmd_vol_dumpxml(const struct cli_args *a)
{
	_cleanup_json_ struct json_object *res = NULL;

	if (vol_call(a, "volume.xml", "get", NULL, &res))
		return 1;
	fputs(jstr(res, "xml"), stdout);
	return 0;
}

/* ---- vol-upload and vol-download: records on the stream ---------------- */

/* Reads exactly @len bytes of the stream (buffered ones first). */
static int stream_read(struct nido_conn *c, void *buf, size_t len,
		       struct err **e)
{
	size_t got = client_take_buffered(c, buf, len);

	while (got < len) {
		ssize_t k = read(client_fd(c), (char *)buf + got, len - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return err_set(e, EPIPE,
				       "the daemon ended the stream early");
		got += (size_t)k;
	}
	return 0;
}

/*
 * The file bytes of what one read brought, as they lie in the buffer
 * (between record headers), written with one pwritev() a run.
 */
#define RX_READ	  (1u << 20)
#define RX_PIECES 64

struct rx_out {
	int fd;
	uint64_t off; /* where pieces[0] goes */
	size_t len;   /* bytes in pieces */
	struct iovec pieces[RX_PIECES];
	int n;
};

static int rx_flush(struct rx_out *o)
{
	struct iovec *v = o->pieces;
	int n = o->n;

	while (n > 0) {
		ssize_t k = pwritev(o->fd, v, n, (off_t)o->off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		o->off += (uint64_t)k;
		for (; n > 0 && (size_t)k >= v->iov_len; v++, n--)
			k -= (ssize_t)v->iov_len;
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + k;
			v->iov_len -= (size_t)k;
		}
	}
	o->n = 0;
	o->len = 0;
	return 0;
}

static int rx_data(void *opaque, uint64_t off, const uint8_t *p, size_t n)
{
	struct rx_out *o = opaque;
	int r;

	if (o->n && (o->n == RX_PIECES || off != o->off + o->len) &&
	    (r = rx_flush(o)) < 0)
		return r;
	if (!o->n)
		o->off = off;
	o->pieces[o->n++] = (struct iovec){(void *)p, n};
	o->len += n;
	return 0;
}

/* The pipe a download's data goes through (splice), 1 MiB. */
#define RX_PIPE (1u << 20)

/* @n bytes waiting in the pipe @p into @fd at @at; @buf (RX_READ
 * bytes) where the file cannot be spliced to. */
static int drain(int p, int fd, off_t at, size_t n, uint8_t *buf)
{
	while (n > 0) {
		ssize_t m = splice(p, NULL, fd, &at, n, SPLICE_F_MOVE);

		if (m < 0 && errno == EINVAL) {
			m = read(p, buf, MIN(n, (size_t)RX_READ));
			if (m > 0 && pwrite_full(fd, buf, (size_t)m, at) < 0)
				return -errno;
			if (m > 0)
				at += m;
		}
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return m < 0 ? -errno : -EIO;
		n -= (size_t)m;
	}
	return 0;
}

/*
 * Data of the current record, from the socket through the pipe @p into
 * @fd where it belongs, without a copy through nido (splice). Returns
 * the bytes moved, 0 on EINTR, -EINVAL where the socket cannot be
 * spliced (nothing taken: read it), -EPIPE at its end, -errno.
 */
static ssize_t splice_data(int sock, const int p[2], int fd,
			   struct volstream_rx *rx, uint8_t *buf)
{
	ssize_t k = splice(sock, NULL, p[1], NULL,
			   (size_t)MIN(rx->payload, (uint64_t)RX_PIPE),
			   SPLICE_F_MOVE);
	int r;

	if (k < 0)
		return errno == EINTR ? 0 : -errno;
	if (k == 0)
		return -EPIPE;
	if ((r = drain(p[0], fd, (off_t)rx->pos, (size_t)k, buf)) < 0)
		return r == -EINVAL ? -EIO : r; /* taken: not the socket's */
	volstream_rx_took(rx, (uint64_t)k);
	return k;
}

/* The bytes of the stream after the data: read into @buf, fed to @rx
 * (only a header's worth while @p is used). Returns 0 or -errno. */
static int read_records(struct nido_conn *c, struct volstream_rx *rx,
			struct rx_out *o, uint8_t *buf, size_t *got,
			bool splicing)
{
	ssize_t k = *got ? (ssize_t)*got
			 : read(client_fd(c), buf,
				splicing ? VOLSTREAM_HDR - rx->have : RX_READ);

	*got = 0;
	if (k < 0 && errno == EINTR)
		return 0;
	if (k <= 0)
		return -EPIPE;
	k = volstream_rx_feed(rx, buf, (size_t)k, rx_data, o);
	return k < 0 ? (int)k : rx_flush(o);
}

/*
 * The download's records into @fd; holes are skipped over. Data goes
 * from the socket to the file through a pipe (splice: the page cache's
 * pages the daemon sent, copied once, into the file's); the rest, and
 * everything where splice cannot be used, is read in large pieces.
 */
static int receive(struct nido_conn *c, int fd, struct err **e)
{
	_cleanup_free_ uint8_t *buf = xmalloc(RX_READ);
	struct volstream_rx rx = {.max = VOLSTREAM_MAX_RECORD};
	struct rx_out o = {.fd = fd};
	size_t got = client_take_buffered(c, (char *)buf, RX_READ);
	int p[2] = {-1, -1};
	bool splicing = pipe2(p, O_CLOEXEC) == 0;
	ssize_t r = 0;

	if (splicing)
		(void)fcntl(p[1], F_SETPIPE_SZ, RX_PIPE); /* or smaller */
	while (!rx.ended && r >= 0) {
		if (!got && splicing && rx.payload &&
		    (r = splice_data(client_fd(c), p, fd, &rx, buf)) != -EINVAL)
			continue;
		if (r == -EINVAL)
			splicing = false;
		r = read_records(c, &rx, &o, buf, &got, splicing);
	}
	close_safe(p[0]);
	close_safe(p[1]);
	if (r == -EPIPE)
		return err_set(e, EPIPE, "the daemon ended the stream early");
	if (r == -EPROTO)
		return err_set(e, EPROTO, "a bad record from the daemon");
	if (r < 0)
		return err_sys(e, (int)-r, "writing");
	if (ftruncate(fd, (off_t)rx.pos) < 0) /* a trailing hole */
		return err_sys(e, errno, "truncating");
	return 0;
}

/*
 * @n bytes of @fd at @off to the daemon: straight from the file
 * (sendfile), or through @buf (VOLSTREAM_MAX_DATA bytes) where the
 * connection or the file does not allow it.
 */
static int send_data(int sock, int fd, uint64_t off, size_t n, uint8_t *buf,
		     struct err **e)
{
	off_t o = (off_t)off;
	ssize_t k = 0;

	while (n > 0) {
		k = sendfile(sock, fd, &o, n);
		if (k > 0)
			n -= (size_t)k;
		else if (k == 0 || errno != EINTR)
			break;
	}
	if (n == 0)
		return 0;
	if (k == 0)
		return err_set(e, EIO, "reading: the file is shorter now");
	if (errno != EINVAL && errno != ENOSYS)
		return err_sys(e, errno, "sending");
	while (n > 0) {
		size_t m = MIN(n, (size_t)VOLSTREAM_MAX_DATA);

		if (pread_full(fd, buf, m, o) != (ssize_t)m)
			return err_sys(e, errno ? errno : EIO, "reading");
		if (write_full(sock, buf, m) < 0)
			return err_sys(e, errno, "sending");
		o += (off_t)m;
		n -= m;
	}
	return 0;
}

/* The longest data record the daemon takes: what its answer says (up to
 * VOLSTREAM_MAX_RECORD), 64 KiB from a daemon that says nothing. */
static uint64_t upload_record(struct json_object *res)
{
	struct json_object *v;
	uint64_t n;

	if (!json_object_object_get_ex(res, "record", &v) ||
	    !json_object_is_type(v, json_type_int))
		return VOLSTREAM_MAX_DATA;
	n = json_object_get_uint64(v);
	return n < VOLSTREAM_MAX_DATA	  ? VOLSTREAM_MAX_DATA
	       : n > VOLSTREAM_MAX_RECORD ? VOLSTREAM_MAX_RECORD
					  : n;
}

/* The file @fd's [0, size) as records, then the end, then the answer. */
static int send_file(struct nido_conn *c, int fd, bool sparse, uint64_t record,
		     struct err **e)
{
	_cleanup_free_ uint8_t *buf =
		xmalloc(VOLSTREAM_HDR + VOLSTREAM_MAX_DATA);
	char msg[VOLSTREAM_MAX_MSG + 1];
	struct stat st;
	uint64_t off = 0, n;
	bool data;

	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "stat");
	while (off < (uint64_t)st.st_size) {
		if (volstream_extent(fd, off, (uint64_t)st.st_size, sparse,
				     record, &data, &n) < 0 ||
		    n == 0)
			return err_sys(e, errno, "reading");
		volstream_header(buf, data ? VOLSTREAM_DATA : VOLSTREAM_HOLE,
				 n);
		if (write_full(client_fd(c), buf, VOLSTREAM_HDR) < 0)
			return err_sys(e, errno, "sending");
		if (data && send_data(client_fd(c), fd, off, (size_t)n,
				      buf + VOLSTREAM_HDR, e) < 0)
			return -EIO;
		off += n;
	}
	volstream_header(buf, VOLSTREAM_END, 0);
	if (write_full(client_fd(c), buf, VOLSTREAM_HDR) < 0)
		return err_sys(e, errno, "sending");
	if (stream_read(c, buf, VOLSTREAM_HDR, e) < 0)
		return -EPIPE;
	if (buf[0] == VOLSTREAM_OK)
		return 0;
	n = volstream_len(buf);
	if (buf[0] != VOLSTREAM_FAIL || n > VOLSTREAM_MAX_MSG ||
	    stream_read(c, msg, (size_t)n, e) < 0)
		return err_set(e, EPROTO, "a bad answer from the daemon");
	msg[n] = '\0';
	return err_set(e, EIO, "%s", msg);
}

/* offset, length and sparse of vol-upload and vol-download. */
static struct json_object *transfer_params(const struct cli_args *a)
{
	struct json_object *p = json_object_new_object();
	static const char *const nums[] = {"offset", "length"};

	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		uint64_t v;

		if (!cli_str(a, nums[i]))
			continue;
		if (scaled(nums[i], cli_str(a, nums[i]), &v) < 0) {
			json_object_put(p);
			return NULL;
		}
		json_object_object_add(p, nums[i], json_object_new_uint64(v));
	}
	json_object_object_add(p, "sparse",
			       json_object_new_boolean(cli_flag(a, "sparse")));
	json_object_object_add(p, "vol",
			       json_object_new_string(cli_str(a, "vol")));
	if (cli_str(a, "pool"))
		json_object_object_add(
			p, "pool", json_object_new_string(cli_str(a, "pool")));
	return p;
}

static int cmd_vol_transfer(const struct cli_args *a)
{
	bool up = streq(a->cmd->name, "vol-upload");
	const char *file = cli_str(a, "file");
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_close_ int fd = -1;
	struct json_object *p = transfer_params(a);
	struct nido_conn *c;
	int r;

	if (!p)
		return 1;
	if (!up) /* read in pieces: long records cost the daemon less */
		json_object_object_add(
			p, "record",
			json_object_new_uint64(VOLSTREAM_MAX_RECORD));
	fd = up ? open(file, O_RDONLY | O_CLOEXEC)
		: open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		json_object_put(p);
		cli_error("cannot open file '%s': %s", file, strerror(errno));
		return 1;
	}
	if (!(c = client_connect(&e))) {
		json_object_put(p);
		cli_error("%s", err_msg(e));
		return 1;
	}
	if (client_call(c, up ? "volume.upload" : "volume.download", p, &res,
			&e) < 0) {
		client_close(c);
		return vol_fail(a, up ? "upload to" : "download", e);
	}
	signal(SIGPIPE,
	       SIG_IGN); /* a daemon that went: an error, not a death */
	r = up ? send_file(c, fd, cli_flag(a, "sparse"), upload_record(res), &e)
	       : receive(c, fd, &e);
	client_close(c);
	if (r < 0) {
		cli_error("cannot %s volume %s: %s",
			  up ? "upload to" : "download", cli_str(a, "vol"),
			  err_msg(e));
		return 1;
	}
	return 0;
}

#define BOOL(n, h)                    \
	{                             \
		n, OPT_BOOL, false, h \
	}
#define VOL_OPT                                                \
	{                                                      \
		"vol", OPT_DATA, true, "vol name, key or path" \
	}
#define POOL_STR_OPT                                           \
	{                                                      \
		"pool", OPT_STRING, false, "pool name or uuid" \
	}

static const struct cli_opt opts_vol[] = {
	VOL_OPT,
	POOL_STR_OPT,
	{0},
};

static const struct cli_opt opts_create[] = {
	{"pool", OPT_DATA, true, "pool name"},
	{"file", OPT_DATA, true, "file containing an XML vol description"},
	BOOL("prealloc-metadata", "preallocate metadata (for qcow2 instead "
				  "of full allocation)"),
	{0},
};

static const struct cli_opt opts_create_as[] = {
	{"pool", OPT_DATA, true, "pool name"},
	{"name", OPT_DATA, true, "name of the volume"},
	{"capacity", OPT_DATA, true,
	 "size of the vol, as scaled integer (default bytes)"},
	{"allocation", OPT_STRING, false,
	 "initial allocation size, as scaled integer (default bytes)"},
	{"format", OPT_STRING, false, "file format type raw,qcow2"},
	{"backing-vol", OPT_STRING, false,
	 "the backing volume if taking a snapshot"},
	{"backing-vol-format", OPT_STRING, false,
	 "format of backing volume if taking a snapshot"},
	BOOL("prealloc-metadata", "preallocate metadata (for qcow2 instead "
				  "of full allocation)"),
	BOOL("print-xml", "print XML document, but don't define/create"),
	{0},
};

static const struct cli_opt opts_clone[] = {
	VOL_OPT,
	{"newname", OPT_DATA, true, "clone name"},
	POOL_STR_OPT,
	BOOL("prealloc-metadata", "preallocate metadata (for qcow2 instead "
				  "of full allocation)"),
	BOOL("reflink", "use btrfs COW lightweight copy"),
	BOOL("verbose", "display the progress of the copy (nido)"),
	{0},
};

static const struct cli_opt opts_create_from[] = {
	{"pool", OPT_DATA, true, "pool name"},
	{"file", OPT_DATA, true, "file containing an XML vol description"},
	{"vol", OPT_DATA, true,
	 "input vol name or key, or the path of a block device (nido)"},
	{"inputpool", OPT_STRING, false,
	 "pool name or uuid of the input vol's "
	 "pool"},
	BOOL("prealloc-metadata", "preallocate metadata (for qcow2 instead "
				  "of full allocation)"),
	BOOL("reflink", "use btrfs COW lightweight copy"),
	BOOL("verbose", "display the progress of the copy (nido)"),
	{0},
};

static const struct cli_opt opts_wipe[] = {
	VOL_OPT,
	POOL_STR_OPT,
	{"algorithm", OPT_STRING, false, "perform selected wiping algorithm"},
	{0},
};

static const struct cli_opt opts_resize[] = {
	VOL_OPT,
	{"capacity", OPT_DATA, true,
	 "new capacity for the vol, as scaled integer (default bytes)"},
	POOL_STR_OPT,
	BOOL("allocate", "allocate the new capacity, rather than leaving it "
			 "sparse"),
	BOOL("delta", "use capacity as a delta to current size, rather than "
		      "the new size"),
	BOOL("shrink", "allow the resize to shrink the volume"),
	{0},
};

static const struct cli_opt opts_info[] = {
	VOL_OPT,
	POOL_STR_OPT,
	BOOL("bytes", "sizes are represented in bytes rather than pretty "
		      "units"),
	BOOL("physical", "return the physical size of the volume in "
			 "allocation field"),
	{0},
};

static const struct cli_opt opts_list[] = {
	{"pool", OPT_DATA, true, "pool name or uuid"},
	BOOL("details", "display extended details for volumes"),
	{0},
};

static const struct cli_opt opts_name[] = {
	{"vol", OPT_DATA, true, "volume key or path"},
	{0},
};

static const struct cli_opt opts_pool[] = {
	{"vol", OPT_DATA, true, "volume key or path"},
	BOOL("uuid", "return the pool uuid rather than pool name"),
	{0},
};

static const struct cli_opt opts_transfer[] = {
	VOL_OPT,
	{"file", OPT_DATA, true, "file"},
	POOL_STR_OPT,
	{"offset", OPT_STRING, false, "volume offset to start at"},
	{"length", OPT_STRING, false, "amount of data"},
	BOOL("sparse", "preserve sparseness of volume"),
	{0},
};

#define V "volume"

const struct cli_command volume_commands[] = {
	{"vol-clone", NULL, "clone a volume.", cmd_vol_clone, opts_clone, V,
	 "Clone an existing volume within the parent pool."},
	{"vol-create", NULL, "create a vol from an XML file", cmd_vol_create,
	 opts_create, V, "Create a vol."},
	{"vol-create-as", NULL, "create a volume from a set of args",
	 cmd_vol_create_as, opts_create_as, V, "Create a vol."},
	{"vol-create-from", NULL, "create a vol, using another volume as input",
	 cmd_vol_create_from, opts_create_from, V,
	 "Create a vol from an existing volume, or from a block device "
	 "(P2V)."},
	{"vol-delete", NULL, "delete a vol", cmd_vol_delete, opts_vol, V,
	 "Delete a given vol."},
	{"vol-download", NULL, "download volume contents to a file",
	 cmd_vol_transfer, opts_transfer, V,
	 "Download volume contents to a file."},
	{"vol-dumpxml", NULL, "vol information in XML", cmd_vol_dumpxml,
	 opts_vol, V, "Output the vol information as an XML dump to stdout."},
	{"vol-info", NULL, "storage vol information", cmd_vol_info, opts_info,
	 V, "Returns basic information about the storage vol."},
	{"vol-key", NULL,
	 "returns the volume key for a given volume name or "
	 "path",
	 cmd_vol_field, opts_vol, V, NULL},
	{"vol-list", NULL, "list vols", cmd_vol_list, opts_list, V,
	 "Returns list of vols by pool."},
	{"vol-name", NULL,
	 "returns the volume name for a given volume key or "
	 "path",
	 cmd_vol_field, opts_name, V, NULL},
	{"vol-path", NULL,
	 "returns the volume path for a given volume name or "
	 "key",
	 cmd_vol_field, opts_vol, V, NULL},
	{"vol-pool", NULL,
	 "returns the storage pool for a given volume key or "
	 "path",
	 cmd_vol_field, opts_pool, V, NULL},
	{"vol-resize", NULL, "resize a vol", cmd_vol_resize, opts_resize, V,
	 "Resizes a storage volume."},
	{"vol-upload", NULL, "upload file contents to a volume",
	 cmd_vol_transfer, opts_transfer, V,
	 "Upload file contents to a volume."},
	{"vol-wipe", NULL, "wipe a vol", cmd_vol_wipe, opts_wipe, V,
	 "Ensure data previously on a volume is not accessible to future "
	 "reads"},
	{NULL},
};
