// SPDX-License-Identifier: GPL-2.0-or-later
/* Threads started with every asynchronous signal blocked (thread.h). */
#include "lib/thread.h"

#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "lib/util.h"

void thread_async_signals(sigset_t *set)
{
	static const int faults[] = {SIGSEGV, SIGBUS,  SIGFPE,
				     SIGILL,  SIGTRAP, SIGSYS};

	sigfillset(set);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(set, faults[i]);
}

/* What the new thread runs first: its name, then the caller's @fn. */
struct start {
	char comm[16];
	void *(*fn)(void *);
	void *arg;
};

static void *trampoline(void *opaque)
{
	struct start st = *(struct start *)opaque;

	free(opaque);
	/* From the thread itself: pthread_setname_np() on another thread
	 * opens /proc/self/task/TID/comm, which a sandboxed process (an
	 * empty root, a seccomp filter without open) cannot. */
	if (st.comm[0])
		prctl(PR_SET_NAME, st.comm);
	return st.fn(st.arg);
}

int thread_start(pthread_t *t, const char *name, void *(*fn)(void *), void *arg)
{
	struct start *st = xcalloc(1, sizeof(*st));
	sigset_t block, old;
	int r;

	snprintf(st->comm, sizeof(st->comm), "%s", name ? name : "");
	st->fn = fn;
	st->arg = arg;

	/*
	 * A new thread inherits its creator's mask: blocking in the creator
	 * around pthread_create() leaves no moment in which the new thread
	 * runs with a signal unblocked (setting the mask first thing in the
	 * thread would).
	 */
	thread_async_signals(&block);
	r = pthread_sigmask(SIG_SETMASK, &block, &old);
	if (r == 0) {
		r = pthread_create(t, NULL, trampoline, st);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (r != 0) {
		free(st);
		return -r;
	}
	return 0;
}
