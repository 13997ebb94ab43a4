// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: what a hostile guest agent may send. The input is
 * read two ways: as lines through agent_parse_reply() (a reply accepted
 * must have the shape its kind promises), and as the byte stream the
 * client reads (agent.c) after the agent answered the first
 * guest-sync-delimited well, with three commands waiting: whatever
 * the stream holds (0xFF bytes, garbage, a reply too long, replies
 * nobody asked for), each command is answered exactly once, and nothing
 * crashes or leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/agent.h"
#include "lib/loop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CMDS 3

/* Commands answered with success, in all (the smoke test checks that
 * a well-formed reply gets through). */
static unsigned long fuzz_answered_ok;

static void check_reply(const struct agent_reply *r)
{
	if (!r->root)
		abort();
	if (r->kind == AGENT_REPLY_ERROR && (!r->error_class || !r->desc))
		abort();
	if (r->kind != AGENT_REPLY_ERROR && r->kind != AGENT_REPLY_RETURN)
		abort();
}

static void lines(const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct agent_reply r;
		struct err *e = NULL;

		if (len <= AGENT_REPLY_MAX) {
			if (agent_parse_reply(p, len, &r, &e) == 0) {
				check_reply(&r);
				agent_reply_clear(&r);
			} else if (!e || r.root) {
				abort();
			}
		}
		err_free(e);
		p += len + 1;
	}
}

static void on_reply(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	int *answered = opaque;

	if (r < 0 && !e)
		abort();
	fuzz_answered_ok += r == 0;
	(*answered)++;
}

static void run(struct loop *l)
{
	for (int i = 0; i < 64 && loop_run_once(l, 0, NULL) > 0; i++)
		;
}

/* The sync id in what the client sent; 0 when there is none. */
static unsigned long long sync_id(int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	const char *p;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\"id\":");
	return p ? strtoull(p + 5, NULL, 10) : 0;
}

static void stream(const uint8_t *data, size_t size)
{
	struct json_object *cmd = json_object_new_object();
	struct loop *l = loop_new(NULL);
	char hello[64];
	int sv[2], answered = 0;
	struct agent *a;

	if (!l || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	a = agent_open_fd(l, sv[0], "fuzz", NULL);
	agent_set_guest_open(a, true);
	json_object_object_add(cmd, "execute",
			       json_object_new_string("guest-ping"));
	for (int i = 0; i < FUZZ_CMDS; i++)
		if (agent_command(a, cmd, 60000,
				  i == 2 ? AGENT_CMD_SHUTDOWN : 0, on_reply,
				  &answered, NULL) < 0)
			abort();
	run(l);
	snprintf(hello, sizeof(hello), "\xff{\"return\": %llu}\n",
		 sync_id(sv[1]));
	/* the sync answered, the first command comes: then the input (a
	 * full socket: the client reads what fitted) */
	if (write(sv[1], hello, strlen(hello)) > 0) {
		run(l);
		sync_id(sv[1]);
		if (size)
			(void)!write(sv[1], data, size);
	}
	run(l);
	agent_free(a);
	close(sv[1]);
	loop_free(l);
	json_object_put(cmd);
	if (answered != FUZZ_CMDS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lines((const char *)data, (const char *)data + size);
	stream(data, size);
	return 0;
}
