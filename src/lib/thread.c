// SPDX-License-Identifier: GPL-2.0-or-later
/* Threads started with every asynchronous signal blocked (thread.h). */
#include "lib/thread.h"

#include <signal.h>
#include <stdio.h>

void thread_async_signals(sigset_t *set)
{
	static const int faults[] = {SIGSEGV, SIGBUS,  SIGFPE,
				     SIGILL,  SIGTRAP, SIGSYS};

	sigfillset(set);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(set, faults[i]);
}

int thread_start(pthread_t *t, const char *name, void *(*fn)(void *), void *arg)
{
	sigset_t block, old;
	int r;

	/*
	 * A new thread inherits its creator's mask: blocking in the creator
	 * around pthread_create() leaves no moment in which the new thread
	 * runs with a signal unblocked (setting the mask first thing in the
	 * thread would).
	 */
	thread_async_signals(&block);
	r = pthread_sigmask(SIG_SETMASK, &block, &old);
	if (r != 0)
		return -r;
	r = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	if (name) {
		char comm[16];

		snprintf(comm, sizeof(comm), "%s", name);
		pthread_setname_np(*t, comm);
	}
	return 0;
}
