// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/thread.h"
#include "test.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>

struct seen {
	sigset_t mask;
	char name[16];
	atomic_int go;
};

static void *record(void *opaque)
{
	struct seen *s = opaque;

	while (!atomic_load(&s->go))
		; /* until thread_start() has named us */
	pthread_sigmask(SIG_BLOCK, NULL, &s->mask);
	pthread_getname_np(pthread_self(), s->name, sizeof(s->name));
	return NULL;
}

/* The thread starts with SIGTERM and friends blocked, faults not. */
static void thread_blocks_async_signals(void)
{
	struct seen s = {0};
	sigset_t before, after;
	pthread_t t;

	sigemptyset(&before);
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	CHECK_INT_EQ(
		thread_start(&t, "test-worker-with-a-long-name", record, &s),
		0);
	atomic_store(&s.go, 1);
	CHECK_INT_EQ(pthread_join(t, NULL), 0);
	CHECK(sigismember(&s.mask, SIGTERM));
	CHECK(sigismember(&s.mask, SIGINT));
	CHECK(sigismember(&s.mask, SIGHUP));
	CHECK(sigismember(&s.mask, SIGCHLD));
	CHECK(sigismember(&s.mask, SIGUSR1));
	CHECK(!sigismember(&s.mask, SIGSEGV));
	CHECK(!sigismember(&s.mask, SIGBUS));
	CHECK(!sigismember(&s.mask, SIGSYS));
	CHECK_STR_EQ(s.name, "test-worker-wit");
	/* the caller's own mask is left as it was */
	pthread_sigmask(SIG_BLOCK, NULL, &after);
	CHECK(!sigismember(&after, SIGTERM));
}

int main(void)
{
	RUN(thread_blocks_async_signals);
	return test_done();
}
