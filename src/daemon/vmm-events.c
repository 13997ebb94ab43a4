// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido-vmm's event connection (vmm-events.h). nido-vmm keeps what a
 * client has not read up to 1 MiB and then drops it, so the daemon reads
 * whenever the socket is readable; lines are bounded here too: a line
 * longer than LINE_MAX ends the watch (a VMM is not trusted to be
 * sane), with one log line.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/vmm-events.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sock.h"

#define LINE_MAX_BYTES (256u << 10)
#define BUF_START      4096 /* grown for a long line only */

struct vmm_watch {
	struct loop *loop;
	int fd;
	struct loop_source *src;
	vmm_event_fn fn;
	void *opaque;
	char *buf;
	size_t len, cap;
};

static void watch_stop(struct vmm_watch *w)
{
	loop_source_del(w->loop, w->src);
	w->src = NULL;
	close_safe(w->fd);
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

void vmm_watch_free(struct vmm_watch *w)
{
	if (!w)
		return;
	watch_stop(w);
	free(w);
}

/* One line: an event (it has "event") or the reply to "subscribe". */
static void watch_line(struct vmm_watch *w, const char *line, size_t len)
{
	_cleanup_json_ struct json_object *o = NULL;

	if (json_decode(line, len, &o, NULL) < 0 || !o ||
	    !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "event", NULL))
		return;
	w->fn(w->opaque, o);
}

static void on_watch(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct vmm_watch *w = opaque;
	size_t start = 0;
	char *nl;
	ssize_t n;

	if (w->len == w->cap) {
		w->cap = MIN(w->cap * 2, LINE_MAX_BYTES);
		w->buf = xrealloc(w->buf, w->cap);
	}
	n = recv(w->fd, w->buf + w->len, w->cap - w->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* nido-vmm is gone, or dropped us */
		watch_stop(w);
		return;
	}
	w->len += (size_t)n;
	while ((nl = memchr(w->buf + start, '\n', w->len - start))) {
		watch_line(w, w->buf + start, (size_t)(nl - w->buf) - start);
		start = (size_t)(nl - w->buf) + 1;
	}
	memmove(w->buf, w->buf + start, w->len - start);
	w->len -= start;
	if (w->len == LINE_MAX_BYTES) {
		log_warn("nido-vmm sent an event line longer than %u bytes: "
			 "no more events from it",
			 LINE_MAX_BYTES);
		watch_stop(w);
	}
}

struct vmm_watch *vmm_watch_start(struct loop *l, const char *sock,
				  vmm_event_fn fn, void *opaque, struct err **e)
{
	static const char req[] = "{\"command\":\"subscribe\"}\n";
	struct vmm_watch *w = xcalloc(1, sizeof(*w));

	w->loop = l;
	w->fn = fn;
	w->opaque = opaque;
	w->cap = BUF_START;
	w->buf = xmalloc(w->cap);
	w->fd = sock_unix_connect(sock, SOCK_NONBLOCK, e);
	if (w->fd < 0)
		goto fail;
	/* A request of a few bytes fits an empty socket's buffer. */
	if (send(w->fd, req, sizeof(req) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(req) - 1) {
		err_sys(e, errno ? errno : EAGAIN, "sending 'subscribe'");
		goto fail;
	}
	w->src = loop_fd_add(l, w->fd, EPOLLIN, on_watch, w, e);
	if (!w->src)
		goto fail;
	return w;

fail:
	vmm_watch_free(w);
	return NULL;
}

void vmm_event_relay(struct daemon *dmn, struct domain *dom,
		     struct json_object *ev)
{
	const char *name = NULL, *image = NULL;
	struct event_io_error io = {.action = "report"};
	bool nospace = false, corrupt = false;
	int64_t disk = -1;

	json_get_string_opt(ev, "event", &name, NULL);
	if (!name || !streq(name, "io-error"))
		return;
	json_get_int64_opt(ev, "disk", &disk, NULL);
	json_get_string_opt(ev, "image", &image, NULL);
	json_get_string_opt(ev, "action", &io.action, NULL);
	json_get_string_opt(ev, "operation", &io.operation, NULL);
	json_get_string_opt(ev, "error", &io.message, NULL);
	json_get_bool_opt(ev, "nospace", &nospace, NULL);
	json_get_bool_opt(ev, "corrupt", &corrupt, NULL);
	/* The definition names the disk as the user knows it; nido-vmm's
	 * "image" is what it was handed. */
	if (disk >= 0 && (size_t)disk < dom->def->n_disks) {
		io.target = dom->def->disks[disk].target;
		io.path = dom->def->disks[disk].source;
	} else {
		io.path = image;
	}
	io.reason = corrupt ? "corruption" : nospace ? "enospc" : "eio";
	log_warn("domain '%s': I/O error on disk '%s' ('%s'): %s",
		 dom->def->name, io.target ? io.target : "?",
		 io.path ? io.path : "?", io.message ? io.message : io.reason);
	events_io_error(dmn, dom, &io);
}
