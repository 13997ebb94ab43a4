// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest agent client (agent.h). The invariant: at most one command
 * is on the wire (the head of the queue, while the state is SYNCING or
 * WAITING); in IDLE nothing is expected, so whatever the guest sends
 * then is dropped and the stream counts as unsynced. Callbacks may free
 * the client: the dispatch notices (a->busy, a->dead) and frees it on
 * the way out.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "daemon/agent.h"
#include "daemon/domain_conf.h"
#include "daemon/qmp.h"
#include "lib/json.h"
#include "lib/loop.h"

/* Most bytes waiting for QEMU to read them (commands are bounded by
 * the RPC request size, 1 MiB). */
#define AGENT_OUT_MAX (2u << 20)
/* What the guest's words become in a message. */
#define DESC_MAX 512

void agent_reply_clear(struct agent_reply *r)
{
	json_object_put(r->root);
	memset(r, 0, sizeof(*r));
}

static int parse_error(struct agent_reply *r, struct json_object *err,
		       struct err **e)
{
	if (!json_object_is_type(err, json_type_object) ||
	    json_get_string(err, "class", &r->error_class, NULL) < 0 ||
	    json_get_string(err, "desc", &r->desc, NULL) < 0)
		return err_set(e, EPROTO,
			       "an error without a class or a description");
	r->kind = AGENT_REPLY_ERROR;
	return 0;
}

int agent_parse_reply(const char *line, size_t len, struct agent_reply *r,
		      struct err **e)
{
	_cleanup_err_ struct err *why = NULL;
	struct json_object *v;
	int ret;

	memset(r, 0, sizeof(*r));
	if (memchr(line, '\0', len))
		return err_set(e, EPROTO, "a reply with a NUL byte");
	if (json_decode(line, len, &r->root, &why) < 0 || !r->root ||
	    !json_object_is_type(r->root, json_type_object)) {
		agent_reply_clear(r);
		return err_set(e, EPROTO,
			       "a reply that is not a JSON object%s%s",
			       why ? ": " : "", why ? err_msg(why) : "");
	}
	if (json_object_object_get_ex(r->root, "return", &v)) {
		r->kind = AGENT_REPLY_RETURN;
		r->value = v;
		return 0;
	}
	if (json_object_object_get_ex(r->root, "error", &v)) {
		ret = parse_error(r, v, e);
		if (ret < 0)
			agent_reply_clear(r);
		return ret;
	}
	agent_reply_clear(r);
	return err_set(e, EPROTO, "a reply with neither 'return' nor 'error'");
}

/* A command waiting for its turn, or on the wire (the queue's head). */
struct agent_cmd {
	struct agent_cmd *next;
	struct agent *a;
	char *name;
	char *line; /* with its newline */
	size_t len;
	unsigned flags;
	int timeout_ms;
	agent_reply_fn fn;
	void *opaque;
	struct loop_source *timer;
};

enum agent_state {
	AGENT_IDLE,    /* nothing on the wire */
	AGENT_SYNCING, /* guest-sync-delimited sent for the head */
	AGENT_WAITING, /* the head sent, its reply awaited */
};

struct agent {
	struct loop *loop;
	int fd;
	struct loop_source *src;
	char *name; /* the domain's, for messages */
	enum agent_state state;
	bool guest_open;
	bool synced;   /* no stale bytes can be in the stream */
	bool after_ff; /* SYNCING: the agent's 0xFF came */
	bool closed;
	bool dead;
	int busy; /* callbacks running: free later */
	uint64_t sync_id;
	struct agent_cmd *cmds; /* FIFO; the head is on the wire */
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len;
};

static void cmd_free(struct agent_cmd *c)
{
	loop_source_del(c->a->loop, c->timer);
	free(c->name);
	free(c->line);
	free(c);
}

static void really_free(struct agent *a)
{
	while (a->cmds) {
		struct agent_cmd *c = a->cmds;

		a->cmds = c->next;
		cmd_free(c);
	}
	loop_source_del(a->loop, a->src);
	close_safe(a->fd);
	free(a->name);
	free(a->in);
	free(a->out);
	free(a);
}

/* Leaves a dispatch; false when the client was freed meanwhile. */
static bool leave(struct agent *a)
{
	if (--a->busy == 0 && a->dead) {
		really_free(a);
		return false;
	}
	return !a->dead;
}

/* Unlinks @c from the queue; true when it was the head. */
static bool unlink_cmd(struct agent *a, struct agent_cmd *c)
{
	bool head = a->cmds == c;

	for (struct agent_cmd **p = &a->cmds; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	return head;
}

/* Answers @c (unlinked) and frees it. */
static void finish(struct agent *a, struct agent_cmd *c, int r,
		   struct json_object *ret, const struct err *e)
{
	a->busy++;
	if (c->fn && !a->dead)
		c->fn(c->opaque, r, ret, e);
	cmd_free(c);
	leave(a);
}

/* Fails @c (unlinked) with -@code and a message naming it. */
static void fail(struct agent *a, struct agent_cmd *c, int code,
		 const char *why)
{
	_cleanup_err_ struct err *e = NULL;

	err_setk(&e,
		 code == ETIMEDOUT || code == ENOTCONN ? ERR_AGENT_UNRESPONSIVE
						       : ERR_OPERATION_FAILED,
		 code, "guest agent of domain '%s': '%s': %s", a->name, c->name,
		 why);
	finish(a, c, -code, NULL, e);
}

static void flush_out(struct agent *a)
{
	while (a->out_len && !a->closed) {
		ssize_t n = send(a->fd, a->out, a->out_len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN; an error shows on the read side */
		memmove(a->out, a->out + n, a->out_len - (size_t)n);
		a->out_len -= (size_t)n;
	}
	if (!a->closed)
		loop_fd_modify(a->loop, a->src,
			       EPOLLIN | (a->out_len ? EPOLLOUT : 0));
}

static void put(struct agent *a, const char *s, size_t n)
{
	a->out = xrealloc(a->out, a->out_len + n);
	memcpy(a->out + a->out_len, s, n);
	a->out_len += n;
}

/* Sends what the head needs next: a resync, or itself. */
static void kick(struct agent *a)
{
	struct agent_cmd *c = a->cmds;
	_cleanup_free_ char *sync = NULL;

	if (a->closed || a->dead || a->state != AGENT_IDLE || !c ||
	    !a->guest_open)
		return;
	if (!a->synced) {
		if (getrandom(&a->sync_id, sizeof(a->sync_id), 0) !=
		    sizeof(a->sync_id))
			a->sync_id ^= (uint64_t)(uintptr_t)c;
		a->sync_id &= INT64_MAX; /* a JSON integer both sides read */
		/* the leading 0xFF makes the agent drop a half-read line */
		sync = xasprintf("\xff{\"execute\":\"guest-sync-delimited\","
				 "\"arguments\":{\"id\":%" PRIu64 "}}\n",
				 a->sync_id);
		put(a, sync, strlen(sync));
		a->state = AGENT_SYNCING;
		a->after_ff = false;
		a->in_len = 0;
	} else {
		put(a, c->line, c->len);
		a->state = AGENT_WAITING;
	}
	flush_out(a);
}

/* The head's exchange is over (answered or failed): whatever else is
 * buffered is dropped; @resync when the stream may hold stale bytes. */
static void head_done(struct agent *a, bool resync)
{
	a->state = AGENT_IDLE;
	if (resync)
		a->synced = false;
	a->in_len = 0;
}

static void on_timeout(struct loop *l, void *opaque)
{
	struct agent_cmd *c = opaque;
	struct agent *a = c->a;
	bool syncing = a->cmds == c && a->state == AGENT_SYNCING;
	_cleanup_free_ char *why = NULL;

	if (unlink_cmd(a, c) && a->state != AGENT_IDLE)
		head_done(a, true);
	why = xasprintf("no %s in %d ms: the agent is not responding",
			syncing ? "answer to guest-sync-delimited" : "answer",
			c->timeout_ms);
	a->busy++;
	fail(a, c, ETIMEDOUT, why);
	kick(a);
	leave(a);
}

/* A line while SYNCING, after the agent's 0xFF: its answer, or stale. */
static void sync_line(struct agent *a, const char *line, size_t len)
{
	struct agent_reply r;
	int64_t id;

	if (agent_parse_reply(line, len, &r, NULL) == 0 &&
	    r.kind == AGENT_REPLY_RETURN &&
	    json_object_is_type(r.value, json_type_int) &&
	    (id = json_object_get_int64(r.value)) >= 0 &&
	    (uint64_t)id == a->sync_id) {
		a->synced = true;
		a->state = AGENT_IDLE;
	} else {
		a->after_ff = false; /* not ours: wait for the next 0xFF */
	}
	agent_reply_clear(&r);
}

/* A line while WAITING: the head's reply; @more: bytes came after it
 * (stale, or the guest's own: dropped). */
static void reply_line(struct agent *a, const char *line, size_t len, bool more)
{
	struct agent_cmd *c = a->cmds;
	struct agent_reply r;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *desc = NULL, *class = NULL, *why = NULL;

	unlink_cmd(a, c);
	if (agent_parse_reply(line, len, &r, &e) < 0) {
		head_done(a, true);
		why = xasprintf("invalid reply: %s", err_msg(e));
		fail(a, c, EPROTO, why);
		return;
	}
	head_done(a, more);
	if (r.kind == AGENT_REPLY_RETURN) {
		finish(a, c, 0, r.value, NULL);
	} else {
		desc = qmp_printable(r.desc, DESC_MAX);
		class = qmp_printable(r.error_class, 64);
		err_setk(&e, ERR_OPERATION_FAILED, EIO,
			 "guest agent of domain '%s': '%s': %s (%s)", a->name,
			 c->name, desc, class);
		finish(a, c, -EIO, NULL, e);
	}
	agent_reply_clear(&r);
}

/* No newline in AGENT_REPLY_MAX bytes. */
static void too_long(struct agent *a)
{
	struct agent_cmd *c = a->cmds;
	_cleanup_free_ char *why = NULL;

	if (a->state == AGENT_SYNCING) {
		a->after_ff = false;
		a->in_len = 0;
		return;
	}
	unlink_cmd(a, c);
	head_done(a, true);
	why = xasprintf("a reply longer than %u bytes", AGENT_REPLY_MAX);
	fail(a, c, EMSGSIZE, why);
}

static void drop(struct agent *a, size_t n)
{
	memmove(a->in, a->in + n, a->in_len - n);
	a->in_len -= n;
}

/* Handles what is buffered, as the state says. */
static void consume(struct agent *a)
{
	while (!a->dead && a->in_len) {
		char *nl, *ff;
		size_t len;

		if (a->state == AGENT_IDLE) { /* nobody asked */
			head_done(a, true);
			return;
		}
		if (a->state == AGENT_SYNCING && !a->after_ff) {
			ff = memchr(a->in, 0xff, a->in_len);
			drop(a, ff ? (size_t)(ff - a->in) + 1 : a->in_len);
			a->after_ff = ff != NULL;
			continue;
		}
		nl = memchr(a->in, '\n', a->in_len);
		if (!nl) {
			if (a->in_len > AGENT_REPLY_MAX)
				too_long(a);
			return;
		}
		len = (size_t)(nl - a->in);
		*nl = '\0';
		if (len && a->in[len - 1] == '\r')
			len--;
		if (a->state == AGENT_SYNCING) {
			sync_line(a, a->in, len);
			drop(a, (size_t)(nl - a->in) + 1);
			continue;
		}
		/* the reply ends the exchange: head_done() drops the rest */
		reply_line(a, a->in, len, (size_t)(nl - a->in) + 1 < a->in_len);
	}
}

/*
 * Fails every command with -@code (@why), but a guest-shutdown on the
 * wire: the guest going away is its success.
 */
static void fail_all(struct agent *a, int code, const char *why)
{
	a->busy++;
	while (a->cmds && !a->dead) {
		struct agent_cmd *c = a->cmds;
		bool down = a->state == AGENT_WAITING &&
			    (c->flags & AGENT_CMD_SHUTDOWN);

		unlink_cmd(a, c);
		a->state = AGENT_IDLE;
		if (down)
			finish(a, c, 0, NULL, NULL);
		else
			fail(a, c, code, why);
	}
	a->state = AGENT_IDLE;
	a->synced = false;
	a->in_len = 0;
	leave(a);
}

static void close_channel(struct agent *a)
{
	if (a->closed)
		return;
	a->closed = true;
	loop_source_del(a->loop, a->src);
	a->src = NULL;
	fail_all(a, ECONNRESET, "the agent's channel closed");
}

static void on_readable(struct agent *a)
{
	ssize_t n;

	if (a->in_cap - a->in_len < 4096 && a->in_cap < AGENT_REPLY_MAX + 1) {
		a->in_cap =
			MIN(MAX(a->in_cap * 2, 65536u), AGENT_REPLY_MAX + 1);
		a->in = xrealloc(a->in, a->in_cap);
	}
	n = recv(a->fd, a->in + a->in_len, a->in_cap - a->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_channel(a);
		return;
	}
	a->in_len += (size_t)n;
	consume(a);
	if (!a->dead && a->state != AGENT_WAITING)
		kick(a);
}

static void on_event(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct agent *a = opaque;

	a->busy++;
	if (events & EPOLLOUT)
		flush_out(a);
	if (!a->closed && !a->dead &&
	    (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		on_readable(a);
	leave(a);
}

struct agent *agent_open_fd(struct loop *l, int fd, const char *name,
			    struct err **e)
{
	struct agent *a = xcalloc(1, sizeof(*a));

	a->loop = l;
	a->fd = fd;
	a->name = xstrdup(name);
	a->src = loop_fd_add(l, fd, EPOLLIN, on_event, a, e);
	if (!a->src) {
		really_free(a);
		return NULL;
	}
	return a;
}

void agent_set_guest_open(struct agent *a, bool open)
{
	if (!a || a->guest_open == open)
		return;
	a->guest_open = open;
	if (!open) { /* the agent is gone: what it half-read with it */
		fail_all(a, ENOTCONN, "the guest closed the agent's port");
		return;
	}
	a->synced = false;
	kick(a);
}

bool agent_guest_open(const struct agent *a)
{
	return a && a->guest_open && !a->closed;
}

/* The command's name for messages: its "execute", printable. */
static char *command_name(struct json_object *cmd)
{
	const char *name = "?";

	json_get_string_opt(cmd, "execute", &name, NULL);
	return qmp_printable(name, 64);
}

int agent_command(struct agent *a, struct json_object *cmd, int timeout_ms,
		  unsigned flags, agent_reply_fn fn, void *opaque,
		  struct err **e)
{
	_cleanup_free_ char *name = command_name(cmd);
	struct agent_cmd *c, **tail;
	size_t n = 0;

	if (a->closed)
		return err_setk(e, ERR_AGENT_UNRESPONSIVE, ECONNRESET,
				"guest agent of domain '%s': its channel "
				"closed",
				a->name);
	if (!a->guest_open)
		return err_setk(e, ERR_AGENT_UNRESPONSIVE, ENOTCONN,
				"guest agent of domain '%s' is not connected "
				"(the guest has not opened its port "
				"'" DOMAIN_AGENT_CHANNEL "')",
				a->name);
	for (tail = &a->cmds; *tail; tail = &(*tail)->next)
		n++;
	if (n >= AGENT_QUEUE_MAX)
		return err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				"guest agent of domain '%s': %zu commands "
				"are already waiting",
				a->name, n);
	c = xcalloc(1, sizeof(*c));
	c->a = a;
	c->name = steal_ptr(name);
	/* one line: json-c escapes any newline inside a string */
	c->line = json_encode_line(cmd, &c->len);
	c->line = xrealloc(c->line, c->len + 1);
	c->line[c->len++] = '\n';
	if (a->out_len + c->len > AGENT_OUT_MAX) {
		cmd_free(c);
		return err_setk(e, ERR_AGENT_UNRESPONSIVE, ENOBUFS,
				"guest agent of domain '%s': its channel "
				"does not take what is sent",
				a->name);
	}
	c->flags = flags;
	c->timeout_ms = timeout_ms;
	c->fn = fn;
	c->opaque = opaque;
	c->timer = loop_timer_add(a->loop, (uint64_t)timeout_ms * 1000000u, 0,
				  on_timeout, c, e);
	if (!c->timer) {
		cmd_free(c);
		return err_code(*e);
	}
	*tail = c;
	kick(a);
	return 0;
}

void agent_guest_down(struct agent *a)
{
	struct agent_cmd *c = a ? a->cmds : NULL;

	if (!c || a->state != AGENT_WAITING || !(c->flags & AGENT_CMD_SHUTDOWN))
		return;
	unlink_cmd(a, c);
	head_done(a, true);
	a->busy++;
	finish(a, c, 0, NULL, NULL);
	kick(a);
	leave(a);
}

void agent_free(struct agent *a)
{
	_cleanup_err_ struct err *e = NULL;

	if (!a || a->dead)
		return;
	a->busy++;
	a->closed = true; /* no new command from a callback */
	loop_source_del(a->loop, steal_ptr(a->src));
	while (a->cmds) {
		struct agent_cmd *c = a->cmds;
		/* a guest-shutdown on the wire: the domain stopping is its
		 * success */
		bool down = a->state == AGENT_WAITING &&
			    (c->flags & AGENT_CMD_SHUTDOWN);

		a->cmds = c->next;
		a->state = AGENT_IDLE;
		err_setk(&e, ERR_OPERATION_FAILED, ECANCELED,
			 "guest agent of domain '%s': '%s': the domain "
			 "stopped",
			 a->name, c->name);
		if (c->fn)
			c->fn(c->opaque, down ? 0 : -ECANCELED, NULL,
			      down ? NULL : e);
		err_free(steal_ptr(e));
		cmd_free(c);
	}
	a->dead = true;
	leave(a);
}
