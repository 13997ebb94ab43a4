/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting threads. Every thread nido creates goes through
 * thread_start(), so that no thread of ours ever takes an asynchronous
 * signal (SIGTERM, SIGINT, SIGHUP, SIGCHLD, ...): those reach the
 * process through the signalfd of the thread that runs the event loop
 * (lib/loop.h). A signal that every thread blocks stays pending until
 * the loop reads it; one that some thread leaves unblocked is delivered
 * to that thread with its default action, which for SIGTERM kills the
 * whole process without the loop seeing it.
 *
 * The synchronous fault signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGTRAP, SIGSYS) stay unblocked: the kernel sends them to the thread
 * that faulted, and blocking them would only turn a sanitizer's report
 * or a seccomp trap into a silent kill. A thread that wants a signal
 * (the vCPU kick) unblocks it itself.
 */
#ifndef NIDO_LIB_THREAD_H
#define NIDO_LIB_THREAD_H

#include <pthread.h>
#include <signal.h>

/*
 * Starts @fn(@arg) in a new joinable thread whose signal mask blocks
 * every asynchronous signal; the caller's mask is unchanged afterwards.
 * @name (at most 15 characters, as the kernel keeps it; longer names
 * are cut) names the thread in /proc/PID/task/TID/comm, or NULL. On
 * success *@t is the thread, joined by the caller. Returns 0 or -errno.
 */
int thread_start(pthread_t *t, const char *name, void *(*fn)(void *),
		 void *arg);

/*
 * Fills @set with the signals thread_start() blocks: all but the
 * synchronous fault signals.
 */
void thread_async_signals(sigset_t *set);

#endif
