// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * domain.screenshot (screenshot.h): the driver takes the screenshot
 * (a deferred job), then the call's connection becomes a byte stream
 * (rpc.h) that carries the image and closes. The session is owned by
 * its stream: freed when the image is sent or the client leaves.
 */
#include <errno.h>
#include <sys/stat.h>

#include "daemon/daemon.h"
#include "daemon/driver.h"
#include "daemon/screenshot.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"

struct shot_session {
	struct daemon *dmn;
	uint8_t uuid[16];
	int fd; /* the image */
	struct rpc_stream *st;
	struct loop_source *kick; /* starts the sending after open */
	char buf[16384];
	size_t len, pos;
	bool eof;
};

static void session_free(struct shot_session *s)
{
	loop_source_del(s->dmn->loop, s->kick);
	close_safe(s->fd);
	free(s);
}

/* Sends what the stream takes; closes it after the last byte. */
static void pump(struct shot_session *s)
{
	while (s->st) {
		if (s->pos == s->len && !s->eof) {
			ssize_t n = read(s->fd, s->buf, sizeof(s->buf));

			s->pos = 0;
			s->len = n > 0 ? (size_t)n : 0;
			s->eof = n <= 0;
		}
		if (s->pos == s->len && s->eof) {
			rpc_stream_close(s->st);
			session_free(s);
			return;
		}
		size_t w = rpc_stream_write(s->st, s->buf + s->pos,
					    s->len - s->pos);

		s->pos += w;
		if (s->pos < s->len)
			return; /* output_ready goes on */
	}
}

static void on_kick(struct loop *l, void *opaque)
{
	struct shot_session *s = opaque;

	loop_source_del(l, s->kick);
	s->kick = NULL;
	pump(s);
}

static int st_open(void *opaque, struct rpc_stream *st,
		   struct json_object *result, struct err **e)
{
	struct shot_session *s = opaque;
	struct domain *dom = domain_list_find_uuid(&s->dmn->domains, s->uuid);

	if (!dom || !domain_is_active(dom) || !dom->drv->screenshot)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain is not running");
	if (dom->drv->screenshot(s->dmn, dom, &s->fd, e) != 0)
		return err_code(*e) < 0 ? err_code(*e) : -EIO;
	/* the stream may not be written from here: from the loop */
	s->kick = loop_timer_add(s->dmn->loop, 1, 0, on_kick, s, e);
	if (!s->kick)
		return err_code(*e);
	s->st = st;
	return 0;
}

static size_t st_input(void *opaque, const char *buf, size_t len)
{
	return len; /* nothing is read from the client */
}

static void st_output_ready(void *opaque)
{
	pump(opaque);
}

static void st_closed(void *opaque)
{
	session_free(opaque);
}

static const struct rpc_stream_ops shot_stream = {
	.open = st_open,
	.input = st_input,
	.output_ready = st_output_ready,
	.closed = st_closed,
};

int screenshot_m_open(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct shot_session *s;
	struct domain *dom;
	const char *key;
	int fd = -1, r;

	if (json_get_string(params, "domain", &key, e) < 0)
		return -EINVAL;
	dom = domain_list_lookup(&dmn->domains, key, e);
	if (!dom)
		return err_code(*e);
	if (!domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain is not running");
	if (!dom->drv->screenshot)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"the %s driver has no display to take a "
				"screenshot of",
				dom->drv->name);
	if (dom->job)
		return err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				"domain '%s' is busy: another operation on it "
				"is in progress",
				dom->def->name);
	s = xcalloc(1, sizeof(*s));
	s->dmn = dmn;
	s->fd = -1;
	memcpy(s->uuid, dom->def->uuid, 16);
	if (rpc_server_stream_current(dmn->rpc, &shot_stream, s, e) < 0) {
		session_free(s);
		return err_code(*e);
	}
	/* the stream owns the session from here (st_closed frees it) */
	r = dom->drv->screenshot(dmn, dom, &fd, e);
	if (r == 0) { /* one whose client left before it came: not ours */
		close_safe(fd);
		fd = -1;
		r = dom->drv->screenshot(dmn, dom, &fd, e);
	}
	if (r == RPC_DEFERRED) {
		dom->job = rpc_server_defer(dmn->rpc);
		return r;
	}
	close_safe(fd);
	return r < 0 ? r
		     : err_setk(e, ERR_OPERATION_FAILED, EIO,
				"no screenshot was taken");
}
