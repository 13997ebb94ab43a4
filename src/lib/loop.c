// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event loop. Every source sits on one list and is registered in epoll
 * with its own address as the event's data. A source deleted while a round
 * is being dispatched is only marked dead (and taken out of epoll, its own
 * fd closed); the dispatcher skips dead sources and frees them when the
 * round ends, so events already fetched never point at freed memory.
 *
 * Wake-ups and stop requests share one eventfd; two atomic flags say which
 * of them was asked for.
 */
#include "lib/loop.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>

#define LOOP_MAX_EVENTS 64

enum source_kind {
	SOURCE_FD,
	SOURCE_TIMER,
	SOURCE_SIGNAL,
	SOURCE_WAKE,
};

struct loop_source {
	struct loop_source *prev, *next;
	enum source_kind kind;
	int fd;	   /* watched fd; owned for timers and signals, -1 for wake */
	int signo; /* SOURCE_SIGNAL */
	bool dead;
	union {
		loop_fd_fn fd;
		loop_timer_fn timer;
		loop_signal_fn signal;
		loop_wake_fn wake;
	} fn;
	void *opaque;
};

struct loop {
	int epfd;
	int eventfd;
	struct loop_source *head;
	int dispatching; /* > 0 while callbacks of a round run */
	bool have_dead;
	int wake_pending; /* atomic */
	int stop;	  /* atomic */
};

/* A marker for the eventfd's epoll entry: no source has this address. */
static char eventfd_marker;

struct loop *loop_new(struct err **e)
{
	struct epoll_event ev = {.events = EPOLLIN,
				 .data.ptr = &eventfd_marker};
	struct loop *l = xcalloc(1, sizeof(*l));

	l->eventfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		err_sys(e, errno, "creating epoll instance");
		goto out_free;
	}
	l->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->eventfd < 0) {
		err_sys(e, errno, "creating the event loop's eventfd");
		goto out_free;
	}
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->eventfd, &ev) < 0) {
		err_sys(e, errno, "watching the event loop's eventfd");
		goto out_free;
	}
	return l;

out_free:
	close_safe(l->eventfd);
	close_safe(l->epfd);
	free(l);
	return NULL;
}

static void source_unlink(struct loop *l, struct loop_source *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		l->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

/* Takes @s out of epoll and closes what it owns; @s stays allocated. */
static void source_detach(struct loop *l, struct loop_source *s)
{
	if (s->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	if (s->kind == SOURCE_TIMER || s->kind == SOURCE_SIGNAL)
		close_safe(s->fd);
	s->fd = -1;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->head) {
		struct loop_source *s = l->head;

		source_unlink(l, s);
		source_detach(l, s);
		free(s);
	}
	close_safe(l->eventfd);
	close_safe(l->epfd);
	free(l);
}

static struct loop_source *source_new(struct loop *l, enum source_kind kind,
				      void *opaque)
{
	struct loop_source *s = xcalloc(1, sizeof(*s));

	s->kind = kind;
	s->fd = -1;
	s->opaque = opaque;
	return s;
}

static void source_link(struct loop *l, struct loop_source *s)
{
	s->next = l->head;
	if (l->head)
		l->head->prev = s;
	l->head = s;
}

/* Registers @s (with s->fd set) in epoll and links it. On failure frees @s
 * but not its fd. */
static struct loop_source *source_add(struct loop *l, struct loop_source *s,
				      uint32_t events, struct err **e)
{
	struct epoll_event ev = {.events = events, .data.ptr = s};

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
		err_sys(e, errno, "watching fd %d in the event loop", s->fd);
		free(s);
		return NULL;
	}
	source_link(l, s);
	return s;
}

struct loop_source *loop_fd_add(struct loop *l, int fd, uint32_t events,
				loop_fd_fn fn, void *opaque, struct err **e)
{
	struct loop_source *s = source_new(l, SOURCE_FD, opaque);

	s->fd = fd;
	s->fn.fd = fn;
	return source_add(l, s, events, e);
}

int loop_fd_modify(struct loop *l, struct loop_source *s, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = s};

	if (s->kind != SOURCE_FD || s->dead)
		return -EINVAL;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		return -errno;
	return 0;
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / 1000000000u;
	ts->tv_nsec = ns % 1000000000u;
}

static int timer_arm(int fd, uint64_t first_ns, uint64_t interval_ns)
{
	struct itimerspec its;

	/* it_value 0 would disarm: "now" is the nearest time we can ask. */
	ns_to_timespec(first_ns ? first_ns : 1, &its.it_value);
	ns_to_timespec(interval_ns, &its.it_interval);
	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

struct loop_source *loop_timer_add(struct loop *l, uint64_t first_ns,
				   uint64_t interval_ns, loop_timer_fn fn,
				   void *opaque, struct err **e)
{
	_cleanup_close_ int fd = -1;
	struct loop_source *s;
	int r;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0) {
		err_sys(e, errno, "creating a timerfd");
		return NULL;
	}
	r = timer_arm(fd, first_ns, interval_ns);
	if (r < 0) {
		err_sys(e, -r, "arming a timer");
		return NULL;
	}
	s = source_new(l, SOURCE_TIMER, opaque);
	s->fd = fd;
	s->fn.timer = fn;
	s = source_add(l, s, EPOLLIN, e);
	if (s)
		fd = -1; /* owned by the source now */
	return s;
}

int loop_timer_set(struct loop *l, struct loop_source *s, uint64_t first_ns,
		   uint64_t interval_ns)
{
	if (s->kind != SOURCE_TIMER || s->dead)
		return -EINVAL;
	return timer_arm(s->fd, first_ns, interval_ns);
}

int loop_timer_disarm(struct loop *l, struct loop_source *s)
{
	struct itimerspec its = {0};

	if (s->kind != SOURCE_TIMER || s->dead)
		return -EINVAL;
	if (timerfd_settime(s->fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

struct loop_source *loop_signal_add(struct loop *l, int signo,
				    loop_signal_fn fn, void *opaque,
				    struct err **e)
{
	_cleanup_close_ int fd = -1;
	struct loop_source *s;
	sigset_t set;
	int r;

	sigemptyset(&set);
	if (sigaddset(&set, signo) < 0) {
		err_sys(e, EINVAL, "watching signal %d", signo);
		return NULL;
	}
	r = pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (r) {
		err_sys(e, r, "blocking signal %d", signo);
		return NULL;
	}
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		err_sys(e, errno, "creating a signalfd for signal %d", signo);
		return NULL;
	}
	s = source_new(l, SOURCE_SIGNAL, opaque);
	s->fd = fd;
	s->signo = signo;
	s->fn.signal = fn;
	s = source_add(l, s, EPOLLIN, e);
	if (s)
		fd = -1;
	return s;
}

struct loop_source *loop_wake_add(struct loop *l, loop_wake_fn fn, void *opaque,
				  struct err **e)
{
	struct loop_source *s = source_new(l, SOURCE_WAKE, opaque);

	s->fn.wake = fn;
	source_link(l, s);
	return s;
}

static void eventfd_kick(struct loop *l)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the loop will wake. */
	while (write(l->eventfd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

void loop_wake(struct loop *l)
{
	__atomic_store_n(&l->wake_pending, 1, __ATOMIC_SEQ_CST);
	eventfd_kick(l);
}

void loop_stop(struct loop *l)
{
	__atomic_store_n(&l->stop, 1, __ATOMIC_SEQ_CST);
	eventfd_kick(l);
}

void loop_source_del(struct loop *l, struct loop_source *s)
{
	if (!s || s->dead)
		return;
	source_detach(l, s);
	if (l->dispatching) {
		s->dead = true;
		l->have_dead = true;
		return;
	}
	source_unlink(l, s);
	free(s);
}

static void free_dead_sources(struct loop *l)
{
	struct loop_source *s = l->head, *next;

	for (; s; s = next) {
		next = s->next;
		if (s->dead) {
			source_unlink(l, s);
			free(s);
		}
	}
	l->have_dead = false;
}

static void dispatch_wake(struct loop *l)
{
	struct loop_source *s;
	uint64_t count;

	while (read(l->eventfd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	if (!__atomic_exchange_n(&l->wake_pending, 0, __ATOMIC_SEQ_CST))
		return;
	/* Dead sources stay linked during the round, so next is safe. */
	for (s = l->head; s; s = s->next)
		if (s->kind == SOURCE_WAKE && !s->dead)
			s->fn.wake(l, s->opaque);
}

static void dispatch_timer(struct loop *l, struct loop_source *s)
{
	uint64_t expirations;
	ssize_t n;

	do
		n = read(s->fd, &expirations, sizeof(expirations));
	while (n < 0 && errno == EINTR);
	/* EAGAIN: re-armed or disarmed earlier in this round; not due. */
	if (n == sizeof(expirations))
		s->fn.timer(l, s->opaque);
}

static void dispatch_signal(struct loop *l, struct loop_source *s)
{
	struct signalfd_siginfo si;

	while (!s->dead) {
		ssize_t n = read(s->fd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			break;
		s->fn.signal(l, (int)si.ssi_signo, s->opaque);
	}
}

static void dispatch(struct loop *l, struct epoll_event *ev)
{
	struct loop_source *s = ev->data.ptr;

	if (ev->data.ptr == &eventfd_marker) {
		dispatch_wake(l);
		return;
	}
	if (s->dead)
		return;
	switch (s->kind) {
	case SOURCE_FD:
		s->fn.fd(l, s->fd, ev->events, s->opaque);
		break;
	case SOURCE_TIMER:
		dispatch_timer(l, s);
		break;
	case SOURCE_SIGNAL:
		dispatch_signal(l, s);
		break;
	case SOURCE_WAKE:
		break;
	}
}

int loop_run_once(struct loop *l, int timeout_ms, struct err **e)
{
	struct epoll_event events[LOOP_MAX_EVENTS];
	int n, i;

	n = epoll_wait(l->epfd, events, LOOP_MAX_EVENTS, timeout_ms);
	if (n < 0 && errno == EINTR)
		return 0; /* a signal handler ran: an empty round */
	if (n < 0)
		return err_sys(e, errno, "waiting for events");

	l->dispatching++;
	for (i = 0; i < n; i++)
		dispatch(l, &events[i]);
	l->dispatching--;
	if (!l->dispatching && l->have_dead)
		free_dead_sources(l);
	return n;
}

int loop_run(struct loop *l, struct err **e)
{
	for (;;) {
		int r;

		if (__atomic_exchange_n(&l->stop, 0, __ATOMIC_SEQ_CST))
			return 0;
		r = loop_run_once(l, -1, e);
		if (r < 0)
			return r;
	}
}
