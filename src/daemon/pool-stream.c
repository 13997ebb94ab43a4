// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * volume.download and volume.upload (virsh's vol-download and
 * vol-upload): the call's connection becomes a byte stream (rpc.h) that
 * carries the volume file's bytes as records (storage/volstream.h), so
 * that holes stay holes both ways. The file is read and written as it
 * is (a qcow2 volume's file, not its guest's view), as libvirt does.
 *
 * A session is owned by its stream: freed when the stream closes.
 * Reads and writes are on the loop, one record at a time: the stream's
 * bounded buffers pace them, and other clients are served in between.
 * A download's data goes from the file to the socket without a copy
 * here (rpc_stream_send_file()), in records as long as the client
 * takes ("record", at most VOLSTREAM_MAX_RECORD; 64 KiB by default);
 * an upload's, once its record's header is read, from the socket to
 * the file (rpc_stream_splice_input()), in records of up to
 * VOLSTREAM_MAX_RECORD (the answer's "record" tells the client).
 * A volume that is no file (an rbd image) is read and written through
 * src/block instead, 64 KiB at a time through a buffer, its holes found
 * by block_status() and made by unmapping zeroes; it does not grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "daemon/daemon.h"
#include "daemon/pool.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "storage/volstream.h"

struct vol_session {
	struct daemon *dmn;
	char *pool, *vol; /* names, looked up again when done */
	int fd;
	struct block *blk; /* instead of @fd: a volume that is no file */
	uint8_t *blkbuf;   /* @blk's data being sent, [blk_pos, blk_len) */
	size_t blk_pos, blk_len;
	bool upload, sparse;
	uint64_t off, end; /* download: [off, end); upload: end 0: none */
	struct rpc_stream *st;
	struct loop_source *kick; /* writes to the stream from the loop */
	/* download: the record being sent, its header then its data */
	uint64_t record; /* the longest data record the client takes */
	uint8_t head[VOLSTREAM_HDR];
	size_t head_pos;	      /* VOLSTREAM_HDR: sent */
	uint64_t data_off, data_left; /* its data still to send */
	bool ended;
	/* upload: the record being read */
	uint8_t hdr[VOLSTREAM_HDR];
	size_t have;	  /* header bytes so far */
	uint64_t payload; /* data bytes still to come */
	bool in_data, done;
	char *error; /* the first failure, answered at the end */
};

static void session_free(struct vol_session *s)
{
	loop_source_del(s->dmn->loop, s->kick);
	close_safe(s->fd);
	block_close(s->blk);
	free(s->blkbuf);
	free(s->pool);
	free(s->vol);
	free(s->error);
	free(s);
}

/* ---- download ----------------------------------------------------------- */

/* The extent at s->off of a volume read through src/block. */
static int blk_extent(struct vol_session *s, bool *data, uint64_t *n)
{
	struct block_status st;
	uint64_t len = s->end - s->off;

	*data = true;
	*n = MIN(len, (uint64_t)VOLSTREAM_MAX_DATA);
	if (!s->sparse)
		return 0;
	if (block_status(s->blk, s->off, len, &st, NULL) < 0)
		return -EIO;
	*data = !(st.flags & BLOCK_STATUS_ZERO);
	*n = *data ? MIN(st.bytes, (uint64_t)VOLSTREAM_MAX_DATA) : st.bytes;
	return 0;
}

/* The next record into s->head; false at the end (after 'E'). */
static bool next_record(struct vol_session *s)
{
	bool data;
	uint64_t n;

	if (s->ended)
		return false;
	s->head_pos = 0;
	if (s->off >= s->end) {
		s->ended = true;
		volstream_header(s->head, VOLSTREAM_END, 0);
		return true;
	}
	if ((s->blk ? blk_extent(s, &data, &n)
		    : volstream_extent(s->fd, s->off, s->end, s->sparse,
				       s->record, &data, &n)) < 0)
		n = 0;
	if (n == 0) { /* cannot be read on: the client sees no 'E' */
		log_warn("vol-download of '%s': stopped at %llu", s->vol,
			 (unsigned long long)s->off);
		return false;
	}
	volstream_header(s->head, data ? VOLSTREAM_DATA : VOLSTREAM_HOLE, n);
	if (data) {
		s->data_off = s->off;
		s->data_left = n;
	}
	s->off += n;
	return true;
}

/* The next piece of a data record of @s->blk into s->blkbuf. */
static bool blk_read(struct vol_session *s)
{
	size_t n = (size_t)MIN(s->data_left, (uint64_t)VOLSTREAM_MAX_DATA);
	_cleanup_err_ struct err *e = NULL;

	if (!s->blkbuf)
		s->blkbuf = xmalloc(VOLSTREAM_MAX_DATA);
	if (block_pread(s->blk, s->blkbuf, n, s->data_off, &e) < 0) {
		log_warn("vol-download of '%s': %s", s->vol, err_msg(e));
		return false;
	}
	s->blk_pos = 0;
	s->blk_len = n;
	s->data_off += n;
	s->data_left -= n;
	return true;
}

static void pump(struct vol_session *s)
{
	while (s->st) {
		if (s->head_pos < VOLSTREAM_HDR) {
			s->head_pos +=
				rpc_stream_write(s->st, s->head + s->head_pos,
						 VOLSTREAM_HDR - s->head_pos);
			if (s->head_pos < VOLSTREAM_HDR)
				return; /* output_ready goes on */
		} else if (s->blk &&
			   (s->data_left || s->blk_pos < s->blk_len)) {
			if (s->blk_pos == s->blk_len && !blk_read(s))
				break; /* the client sees no 'E' */
			s->blk_pos +=
				rpc_stream_write(s->st, s->blkbuf + s->blk_pos,
						 s->blk_len - s->blk_pos);
			if (s->blk_pos < s->blk_len)
				return; /* output_ready goes on */
		} else if (s->data_left) {
			ssize_t k = rpc_stream_send_file(
				s->st, s->fd, s->data_off,
				(size_t)MIN(s->data_left, (uint64_t)SSIZE_MAX));

			if (k < 0) { /* the client sees no 'E' */
				log_warn("vol-download of '%s': reading at "
					 "%llu: %s",
					 s->vol,
					 (unsigned long long)s->data_off,
					 strerror((int)-k));
				break;
			}
			s->data_off += (uint64_t)k;
			s->data_left -= (uint64_t)k;
			if (s->data_left)
				return; /* output_ready goes on */
		} else if (!next_record(s)) {
			break;
		}
	}
	if (s->st) {
		rpc_stream_close(s->st);
		session_free(s);
	}
}

/* ---- upload ------------------------------------------------------------- */

static void fail(struct vol_session *s, const char *fmt, ...) PRINTF(2, 3);
static void fail(struct vol_session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error)
		return;
	va_start(ap, fmt);
	s->error = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Through src/block: @n bytes at s->off that must fit the volume. */
static bool blk_fits(struct vol_session *s, uint64_t n)
{
	if (s->off > block_size(s->blk) || n > block_size(s->blk) - s->off) {
		fail(s,
		     "past the end of the volume (%llu bytes; vol-resize "
		     "it first)",
		     (unsigned long long)block_size(s->blk));
		return false;
	}
	return true;
}

static void blk_hole(struct vol_session *s, uint64_t n)
{
	_cleanup_err_ struct err *e = NULL;

	if (blk_fits(s, n) &&
	    block_write_zeroes(s->blk, s->off, n, BLOCK_ZERO_MAY_UNMAP, &e) < 0)
		fail(s, "%s", err_msg(e));
}

/* A hole of @n bytes at s->off: punched inside the file, else grown. */
static void write_hole(struct vol_session *s, uint64_t n)
{
	struct stat st;

	if (s->blk)
		return blk_hole(s, n);
	if (fstat(s->fd, &st) < 0)
		return fail(s, "stat: %s", strerror(errno));
	if (s->off < (uint64_t)st.st_size &&
	    fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)s->off,
		      (off_t)MIN(n, (uint64_t)st.st_size - s->off)) < 0)
		return fail(s, "punching a hole at %llu: %s",
			    (unsigned long long)s->off, strerror(errno));
	if (s->off + n > (uint64_t)st.st_size &&
	    ftruncate(s->fd, (off_t)(s->off + n)) < 0)
		return fail(s, "extending to %llu: %s",
			    (unsigned long long)(s->off + n), strerror(errno));
}

static bool beyond(const struct vol_session *s, uint64_t n)
{
	return s->end && (n > s->end - s->off || s->off > s->end);
}

/* A whole header is in s->hdr: what follows it. */
static void on_header(struct vol_session *s)
{
	uint64_t n = volstream_len(s->hdr);

	s->have = 0;
	switch (s->hdr[0]) {
	case VOLSTREAM_DATA:
		if (n > VOLSTREAM_MAX_RECORD) {
			fail(s, "a data record of %llu bytes",
			     (unsigned long long)n);
			s->done = true; /* its end cannot be found */
			return;
		}
		if (beyond(s, n))
			fail(s, "more than the --length given");
		s->payload = n;
		s->in_data = n > 0;
		return;
	case VOLSTREAM_HOLE:
		if (beyond(s, n) || n > UINT64_MAX - s->off)
			return fail(s, "more than the --length given");
		if (!s->error)
			write_hole(s, n);
		s->off += n;
		return;
	case VOLSTREAM_END:
		s->done = true;
		return;
	default:
		fail(s, "record of unknown kind 0x%02x", s->hdr[0]);
		s->done = true; /* nothing after it can be read */
	}
}

/* Payload bytes of a data record. */
static size_t on_data(struct vol_session *s, const char *buf, size_t len)
{
	size_t n = (size_t)MIN((uint64_t)len, s->payload);
	_cleanup_err_ struct err *e = NULL;

	if (s->blk) {
		if (!s->error && blk_fits(s, n) &&
		    block_pwrite(s->blk, buf, n, s->off, &e) < 0)
			fail(s, "%s", err_msg(e));
	} else if (!s->error && pwrite_full(s->fd, buf, n, (off_t)s->off) < 0)
		fail(s, "writing at %llu: %s", (unsigned long long)s->off,
		     strerror(errno));
	s->off += n;
	s->payload -= n;
	s->in_data = s->payload > 0;
	return n;
}

/* The upload is over: synced, its volume described again, answered. */
static void finish_upload(struct vol_session *s)
{
	struct object *o = object_list_find_name(&s->dmn->pools.l, s->pool);
	uint8_t h[VOLSTREAM_HDR + VOLSTREAM_MAX_MSG];
	size_t n = 0;

	_cleanup_err_ struct err *e = NULL;

	if (!s->error && s->blk && block_flush(s->blk, &e) < 0)
		fail(s, "%s", err_msg(e));
	else if (!s->error && !s->blk && fdatasync(s->fd) < 0)
		fail(s, "fdatasync: %s", strerror(errno));
	if (o && pool_of(o)->active && !pool_remote(pool_of(o)))
		pool_vol_update(pool_of(o), s->vol, NULL); /* a file's */
	if (s->error) {
		n = MIN(strlen(s->error), (size_t)VOLSTREAM_MAX_MSG);
		memcpy(h + VOLSTREAM_HDR, s->error, n);
		log_warn("vol-upload to '%s': %s", s->vol, s->error);
	}
	volstream_header(h, s->error ? VOLSTREAM_FAIL : VOLSTREAM_OK, n);
	rpc_stream_write(s->st, h, VOLSTREAM_HDR + n); /* fits the buffer */
	rpc_stream_close(s->st);
	session_free(s);
}

/* ---- the stream --------------------------------------------------------- */

static void on_kick(struct loop *l, void *opaque)
{
	struct vol_session *s = opaque;

	loop_source_del(l, s->kick);
	s->kick = NULL;
	if (s->upload)
		finish_upload(s);
	else
		pump(s);
}

static int kick(struct vol_session *s)
{
	s->kick = loop_timer_add(s->dmn->loop, 1, 0, on_kick, s, NULL);
	return s->kick ? 0 : -ENOMEM;
}

static int st_open(void *opaque, struct rpc_stream *st,
		   struct json_object *result, struct err **e)
{
	struct vol_session *s = opaque;

	s->st = st;
	/* a download starts from the loop; an upload waits for records */
	if (!s->upload && kick(s) < 0)
		return err_set(e, ENOMEM, "starting the stream");
	return 0;
}

static size_t st_input(void *opaque, const char *buf, size_t len)
{
	struct vol_session *s = opaque;
	size_t used = 0;

	while (s->upload && !s->done && used < len) {
		if (s->in_data) {
			used += on_data(s, buf + used, len - used);
			continue;
		}
		s->hdr[s->have++] = (uint8_t)buf[used++];
		if (s->have == VOLSTREAM_HDR)
			on_header(s);
	}
	if (s->upload && s->done && !s->kick)
		kick(s);
	/* the rest of the record from the socket to the file */
	if (s->upload && s->in_data && !s->error && !s->blk)
		rpc_stream_splice_input(s->st, s->fd, s->off, s->payload);
	return len; /* what follows the end is dropped */
}

/* Bytes of a data record that went straight into the file. */
static void st_spliced(void *opaque, size_t n, int err)
{
	struct vol_session *s = opaque;

	if (err < 0)
		fail(s, "writing at %llu: %s", (unsigned long long)s->off,
		     strerror(-err));
	s->off += n;
	s->payload -= n;
	s->in_data = s->payload > 0;
}

static void st_output_ready(void *opaque)
{
	struct vol_session *s = opaque;

	if (!s->upload)
		pump(s);
}

static void st_closed(void *opaque)
{
	session_free(opaque);
}

static const struct rpc_stream_ops vol_stream = {
	.open = st_open,
	.input = st_input,
	.output_ready = st_output_ready,
	.closed = st_closed,
	.spliced = st_spliced,
};

/* ---- the methods -------------------------------------------------------- */

/* offset, length, sparse of @params for the volume file @fd. */
static int range(struct vol_session *s, struct json_object *params,
		 struct err **e)
{
	uint64_t off = 0, len = 0;
	struct stat st = {0};

	s->record = VOLSTREAM_MAX_DATA;
	if (json_get_uint64_opt(params, "offset", &off, e) < 0 ||
	    json_get_uint64_opt(params, "length", &len, e) < 0 ||
	    json_get_uint64_opt(params, "record", &s->record, e) < 0 ||
	    json_get_bool_opt(params, "sparse", &s->sparse, e) < 0)
		return -EINVAL;
	if (s->record < VOLSTREAM_MAX_DATA || s->record > VOLSTREAM_MAX_RECORD)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"record %llu is not between %u and %u bytes",
				(unsigned long long)s->record,
				VOLSTREAM_MAX_DATA, VOLSTREAM_MAX_RECORD);
	if (s->blk)
		st.st_size = (off_t)block_size(s->blk);
	else if (fstat(s->fd, &st) < 0)
		return err_sys(e, errno, "stat '%s'", s->vol);
	/* a block volume's size is its device's (st_size is 0) */
	if (S_ISBLK(st.st_mode)) {
		uint64_t bytes = 0;

		if (ioctl(s->fd, BLKGETSIZE64, &bytes) < 0)
			return err_sys(e, errno, "size of '%s'", s->vol);
		st.st_size = (off_t)bytes;
	}
	if (!s->upload && off > (uint64_t)st.st_size)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"offset %llu is past the end of '%s'",
				(unsigned long long)off, s->vol);
	if (len && off > UINT64_MAX - len)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"offset and length overflow");
	s->off = off;
	s->end = s->upload ? (len ? off + len : 0)
			   : (len ? MIN(off + len, (uint64_t)st.st_size)
				  : (uint64_t)st.st_size);
	return 0;
}

/* A session on the volume of @params, its file opened. */
static struct vol_session *session_new(struct daemon *dmn,
				       struct json_object *params, bool upload,
				       struct err **e)
{
	struct vol_session *s;
	const struct storage_vol *v;
	struct pool *p = NULL;
	_cleanup_free_ char *dev = NULL;

	if (!(v = pool_param_vol(dmn, params, &p, e)))
		return NULL;
	if (upload && pool_vol_busy(dmn, p->def->name, v->name, e))
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->dmn = dmn;
	s->upload = upload;
	s->head_pos = VOLSTREAM_HDR; /* no record yet */
	s->pool = xstrdup(p->def->name);
	s->vol = xstrdup(v->name);
	s->fd = -1;
	if (pool_backend(p)->vol_block_name) {
		struct storage_pool_params sp;
		_cleanup_free_ char *name = NULL;

		pool_def_params(p->def, &sp);
		name = pool_backend(p)->vol_block_name(&sp, v->name);
		if (block_open(name, "raw",
			       upload ? BLOCK_OPEN_RDWR : BLOCK_OPEN_SHARE_RW,
			       &s->blk, e) == 0 &&
		    range(s, params, e) == 0)
			return s;
		session_free(s);
		return NULL;
	}
	/* a block volume's path may be a link to its device (an iscsi
	 * LUN's in /dev/disk/by-path): the device is opened */
	dev = v->block ? realpath(v->path, NULL) : NULL;
	s->fd = open(dev ? dev : v->path,
		     (upload ? O_WRONLY : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
	if (s->fd < 0) {
		err_sys(e, errno, "opening '%s'", v->path);
	} else if (range(s, params, e) == 0) {
		return s;
	}
	session_free(s);
	return NULL;
}

static int open_stream(struct daemon *dmn, struct json_object *params,
		       bool upload, struct json_object **result, struct err **e)
{
	struct vol_session *s = session_new(dmn, params, upload, e);

	if (!s)
		return err_code(*e);
	*result = json_object_new_object();
	json_object_object_add(*result, "offset",
			       json_object_new_uint64(s->off));
	if (!upload)
		json_object_object_add(*result, "end",
				       json_object_new_uint64(s->end));
	else /* the longest data record it takes */
		json_object_object_add(
			*result, "record",
			json_object_new_uint64(VOLSTREAM_MAX_RECORD));
	if (rpc_server_stream_current(dmn->rpc, &vol_stream, s, e) < 0) {
		session_free(s);
		json_object_put(steal_ptr(*result));
		return err_code(*e);
	}
	return 0; /* the stream owns the session (st_closed frees it) */
}

int pool_m_vol_download(void *opaque, struct json_object *params,
			struct json_object **result, struct err **e)
{
	return open_stream(opaque, params, false, result, e);
}

int pool_m_vol_upload(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	return open_stream(opaque, params, true, result, e);
}
