// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Console sessions (console.h). A session is made when the method is
 * called, armed on the call's connection, and opened when the driver
 * has named the console's pseudo-terminal: the daemon opens it (raw, non-
 * blocking) and relays. Client to guest: up to RPC_STREAM_BUF bytes wait
 * for the pty, then the client's input is no longer taken (rpc.c stops
 * reading it). Guest to client: a chunk read from the pty waits until
 * the stream takes it, and the pty is not read meanwhile. Neither a
 * silent guest nor a client that does not read can block the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <termios.h>

#include "daemon/console.h"
#include "daemon/daemon.h"
#include "daemon/driver.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"

struct console_session {
	struct console_session *next;
	struct daemon *dmn;
	uint8_t uuid[16]; /* the domain's: it may go before the session */
	char *name;
	int fd; /* the pty; -1 until open */
	struct loop_source *src;
	struct rpc_stream *st; /* NULL until open */
	char to_pty[RPC_STREAM_BUF];
	size_t to_len;
	bool in_full; /* the stream was told the buffer is full */
	char from_pty[4096];
	size_t from_off, from_len;
};

static struct console_session *session_find(struct daemon *dmn,
					    const uint8_t uuid[16])
{
	struct console_session *s = dmn->consoles;

	while (s && memcmp(s->uuid, uuid, 16))
		s = s->next;
	return s;
}

static void session_free(struct console_session *s)
{
	struct console_session **pp = &s->dmn->consoles;

	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	loop_source_del(s->dmn->loop, s->src);
	close_safe(s->fd);
	free(s->name);
	free(s);
}

/* Watches the pty for what the session can take and give now. */
static void session_watch(struct console_session *s)
{
	uint32_t ev = 0;

	if (s->from_len == 0)
		ev |= EPOLLIN;
	if (s->to_len)
		ev |= EPOLLOUT;
	loop_fd_modify(s->dmn->loop, s->src, ev);
}

/* The guest's end is over (the VM stopped): so is the session. */
static void session_end(struct console_session *s)
{
	log_debug("console of domain '%s' closed by the guest's side", s->name);
	rpc_stream_close(s->st);
	session_free(s);
}

/* Hands the stream what was read from the pty; true when all went. */
static bool push_out(struct console_session *s)
{
	size_t n =
		rpc_stream_write(s->st, s->from_pty + s->from_off, s->from_len);

	s->from_off += n;
	s->from_len -= n;
	if (s->from_len == 0)
		s->from_off = 0;
	return s->from_len == 0;
}

/* Returns false when the session ended. */
static bool pty_read(struct console_session *s)
{
	ssize_t n;

	if (s->from_len)
		return true;
	n = read(s->fd, s->from_pty, sizeof(s->from_pty));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) { /* EIO: nido-vmm closed its side */
		session_end(s);
		return false;
	}
	s->from_len = (size_t)n;
	push_out(s);
	return true;
}

static bool pty_write(struct console_session *s)
{
	ssize_t n = write(s->fd, s->to_pty, s->to_len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n < 0) {
		session_end(s);
		return false;
	}
	memmove(s->to_pty, s->to_pty + n, s->to_len - (size_t)n);
	s->to_len -= (size_t)n;
	if (s->in_full && s->to_len < sizeof(s->to_pty)) {
		s->in_full = false;
		rpc_stream_input_ready(s->st);
	}
	return true;
}

static void on_pty(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct console_session *s = opaque;

	if ((events & EPOLLOUT) && s->to_len && !pty_write(s))
		return;
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !pty_read(s))
		return;
	session_watch(s);
}

/* Stream callbacks (rpc.h). */

static int st_open(void *opaque, struct rpc_stream *st,
		   struct json_object *result, struct err **e)
{
	struct console_session *s = opaque;
	const char *pty = NULL;
	struct termios t;

	if (json_get_string(result, "pty", &pty, e) < 0 ||
	    !str_has_prefix(pty, "/dev/pts/"))
		return err_setk(e, ERR_OPERATION_FAILED, ENOTSUP,
				"the driver named no console");
	s->fd = open(pty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0)
		return err_sys(e, errno, "opening the console '%s'", pty);
	/* The guest's bytes pass as they are: no echo, no line editing. */
	if (tcgetattr(s->fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(s->fd, TCSANOW, &t);
	}
	s->src = loop_fd_add(s->dmn->loop, s->fd, EPOLLIN, on_pty, s, e);
	if (!s->src)
		return err_code(*e);
	s->st = st;
	log_info("console of domain '%s' opened", s->name);
	return 0;
}

static size_t st_input(void *opaque, const char *buf, size_t len)
{
	struct console_session *s = opaque;
	size_t n = MIN(len, sizeof(s->to_pty) - s->to_len);

	memcpy(s->to_pty + s->to_len, buf, n);
	s->to_len += n;
	if (n < len)
		s->in_full = true;
	session_watch(s);
	return n;
}

static void st_output_ready(void *opaque)
{
	struct console_session *s = opaque;

	if (push_out(s))
		session_watch(s);
}

static void st_closed(void *opaque)
{
	struct console_session *s = opaque;

	if (s->st)
		log_info("console of domain '%s' closed", s->name);
	session_free(s);
}

static const struct rpc_stream_ops console_stream = {
	.open = st_open,
	.input = st_input,
	.output_ready = st_output_ready,
	.closed = st_closed,
};

/* Refuses a second session, or with @force ends the first. */
static int take_console(struct daemon *dmn, const struct domain *dom,
			bool force, struct err **e)
{
	struct console_session *old = session_find(dmn, dom->def->uuid);

	if (!old)
		return 0;
	if (!force || !old->st)
		return err_setk(e, ERR_OPERATION_FAILED, EBUSY,
				"operation failed: Active console session "
				"exists for this domain");
	log_info("console of domain '%s' taken over (force)", old->name);
	rpc_stream_close(old->st);
	session_free(old);
	return 0;
}

static struct console_session *session_new(struct daemon *dmn,
					   const struct domain *dom)
{
	struct console_session *s = xcalloc(1, sizeof(*s));

	s->dmn = dmn;
	memcpy(s->uuid, dom->def->uuid, 16);
	s->name = xstrdup(dom->def->name);
	s->fd = -1;
	s->next = dmn->consoles;
	dmn->consoles = s;
	return s;
}

int console_m_open(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	_cleanup_free_ char *path = NULL;
	struct domain *dom;
	struct console_session *s;
	const char *key;
	bool force = false;
	int r;

	if (json_get_string(params, "domain", &key, e) < 0 ||
	    json_get_bool_opt(params, "force", &force, e) < 0)
		return -EINVAL;
	dom = domain_list_lookup(&dmn->domains, key, e);
	if (!dom)
		return err_code(*e);
	if (!domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain is not running");
	if (dom->job)
		return err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				"domain '%s' is busy: another operation on it "
				"is in progress",
				dom->def->name);
	if (take_console(dmn, dom, force, e) < 0)
		return err_code(*e);
	s = session_new(dmn, dom);
	if (rpc_server_stream_current(dmn->rpc, &console_stream, s, e) < 0) {
		session_free(s);
		return err_code(*e);
	}
	/* From here on the stream owns the session: an error answer
	 * frees it (st_closed). */
	r = dom->drv->console(dmn, dom, &path, e);
	if (r == RPC_DEFERRED) {
		dom->job = rpc_server_defer(dmn->rpc);
		return r;
	}
	if (r < 0)
		return r;
	*result = json_object_new_object();
	json_object_object_add(*result, "pty", json_object_new_string(path));
	return 0;
}
