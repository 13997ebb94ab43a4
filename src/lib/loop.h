/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An epoll event loop: file descriptors, timers (timerfd), signals
 * (signalfd) and wake-ups from other threads (eventfd). One thread runs
 * a loop; loop_wake() and loop_stop() may be called from any thread, the
 * rest only from the loop's thread (or before it runs).
 *
 * Sources are owned by the loop: loop_*_add() returns a handle that stays
 * valid until loop_source_del() or loop_free(). Deleting a source from
 * inside any callback, including its own, is safe.
 */
#ifndef NIDO_LIB_LOOP_H
#define NIDO_LIB_LOOP_H

#include <signal.h>
#include <stdint.h>

#include "lib/err.h"

struct loop;
struct loop_source;

/* @events is a mask of EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP. */
typedef void (*loop_fd_fn)(struct loop *l, int fd, uint32_t events,
			   void *opaque);
typedef void (*loop_timer_fn)(struct loop *l, void *opaque);
typedef void (*loop_signal_fn)(struct loop *l, int signo, void *opaque);
typedef void (*loop_wake_fn)(struct loop *l, void *opaque);

/* Returns a new loop, or NULL with @e filled. Free with loop_free(). */
struct loop *loop_new(struct err **e);

/* Frees the loop and every source still in it; accepts NULL. Does not
 * close the fds given to loop_fd_add(): their owners do. Not from inside
 * one of the loop's callbacks. */
void loop_free(struct loop *l);

/*
 * Watches @fd (not owned) for @events (level-triggered). Delete the source
 * before closing @fd. Returns the source, or NULL with @e filled.
 */
struct loop_source *loop_fd_add(struct loop *l, int fd, uint32_t events,
				loop_fd_fn fn, void *opaque, struct err **e);
/* Changes the events watched for. Returns 0 or -errno. */
int loop_fd_modify(struct loop *l, struct loop_source *s, uint32_t events);

/*
 * Calls @fn after @first_ns nanoseconds (0: in the next round), then every
 * @interval_ns (0: once; a one-shot timer stays in the loop, disarmed,
 * until deleted or re-armed with loop_timer_set()). CLOCK_MONOTONIC. When
 * the loop falls behind, missed expirations are coalesced into one call.
 * loop_timer_set() re-arms (replacing the previous setting; a call still
 * pending in the current round is dropped); loop_timer_disarm() stops the
 * timer without deleting it. Both return 0 or -errno.
 */
struct loop_source *loop_timer_add(struct loop *l, uint64_t first_ns,
				   uint64_t interval_ns, loop_timer_fn fn,
				   void *opaque, struct err **e);
int loop_timer_set(struct loop *l, struct loop_source *s, uint64_t first_ns,
		   uint64_t interval_ns);
int loop_timer_disarm(struct loop *l, struct loop_source *s);

/*
 * Delivers @signo through a signalfd; the signal is blocked in the calling
 * thread (call before starting other threads so they inherit the mask).
 * Deleting the source leaves the signal blocked: unblocking could deliver
 * a pending signal with its default action. spawn_start() children get
 * an empty mask.
 */
struct loop_source *loop_signal_add(struct loop *l, int signo,
				    loop_signal_fn fn, void *opaque,
				    struct err **e);

/* Calls @fn in the loop's thread after loop_wake() from any thread. */
struct loop_source *loop_wake_add(struct loop *l, loop_wake_fn fn, void *opaque,
				  struct err **e);

/*
 * Makes the loop call every wake source's callback once in its next round
 * (several loop_wake() calls before that round give one call). Any thread.
 */
void loop_wake(struct loop *l);

/* Removes and frees @s; accepts NULL. */
void loop_source_del(struct loop *l, struct loop_source *s);

/*
 * Runs until loop_stop(). Returns 0 after a stop, or -errno with @e
 * filled when epoll fails.
 */
int loop_run(struct loop *l, struct err **e);

/*
 * Runs at most one round of ready events, waiting up to @timeout_ms
 * (-1: forever). Returns the number of events handled, or -errno.
 */
int loop_run_once(struct loop *l, int timeout_ms, struct err **e);

/* Makes loop_run() return after the current round. Any thread. */
void loop_stop(struct loop *l);

#endif
