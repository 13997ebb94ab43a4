// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/loop.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <time.h>

#define MS 1000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Runs rounds until *@flag is set or @ms pass. */
static void run_until(struct loop *l, const int *flag, int ms)
{
	uint64_t end = now_ns() + ms * MS;

	while (!*flag && now_ns() < end)
		loop_run_once(l, 10, NULL);
}

struct fd_state {
	int calls;
	uint32_t events;
	char byte;
};

static void on_readable(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct fd_state *st = opaque;

	st->calls++;
	st->events = events;
	if (events & EPOLLIN)
		read(fd, &st->byte, 1);
}

static void loop_fd_reports_readable_and_writable(void)
{
	struct loop *l = loop_new(NULL);
	struct fd_state st = {0};
	struct loop_source *s;
	int p[2];

	CHECK(l);
	CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	s = loop_fd_add(l, p[0], EPOLLIN, on_readable, &st, NULL);
	CHECK(s);
	CHECK_INT_EQ(loop_run_once(l, 0, NULL), 0);
	CHECK_INT_EQ(st.calls, 0);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK_INT_EQ(loop_run_once(l, 1000, NULL), 1);
	CHECK_INT_EQ(st.calls, 1);
	CHECK(st.events & EPOLLIN);
	CHECK_INT_EQ(st.byte, 'x');

	/* The write end is writable at once. */
	loop_source_del(l, s);
	s = loop_fd_add(l, p[1], EPOLLIN, on_readable, &st, NULL);
	CHECK(s);
	CHECK_INT_EQ(loop_fd_modify(l, s, EPOLLOUT), 0);
	CHECK_INT_EQ(loop_run_once(l, 1000, NULL), 1);
	CHECK_INT_EQ(st.calls, 2);
	CHECK(st.events & EPOLLOUT);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void loop_fd_add_error_names_fd(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct loop *l = loop_new(NULL);

	CHECK(l);
	CHECK(!loop_fd_add(l, 987, EPOLLIN, on_readable, NULL, &e));
	CHECK_INT_EQ(err_code(e), -EBADF);
	CHECK_STR_CONTAINS(err_msg(e), "fd 987");
	loop_free(l);
}

struct timer_state {
	struct loop_source *src;
	int calls;
	int rearm_left; /* one-shot: re-arm this many times */
	int done;
	int stop_at;
};

static void on_timer(struct loop *l, void *opaque)
{
	struct timer_state *t = opaque;

	t->calls++;
	if (t->rearm_left > 0) {
		t->rearm_left--;
		loop_timer_set(l, t->src, 1 * MS, 0);
	}
	if (t->calls == t->stop_at)
		t->done = 1;
}

static void loop_timer_one_shot_fires_once(void)
{
	struct loop *l = loop_new(NULL);
	struct timer_state t = {.stop_at = 1};
	uint64_t start = now_ns();
	int flag = 0;

	CHECK(l);
	t.src = loop_timer_add(l, 20 * MS, 0, on_timer, &t, NULL);
	CHECK(t.src);
	run_until(l, &t.done, 2000);
	CHECK_INT_EQ(t.calls, 1);
	CHECK(now_ns() - start >= 20 * MS);
	run_until(l, &flag, 60); /* disarmed now: no more calls */
	CHECK_INT_EQ(t.calls, 1);

	/* Still in the loop: re-arming makes it fire again. */
	t.stop_at = 2;
	t.done = 0;
	CHECK_INT_EQ(loop_timer_set(l, t.src, 0, 0), 0);
	run_until(l, &t.done, 2000);
	CHECK_INT_EQ(t.calls, 2);
	loop_free(l);
}

static void loop_timer_periodic_and_rearm_from_callback(void)
{
	struct loop *l = loop_new(NULL);
	struct timer_state per = {.stop_at = 5};
	struct timer_state re = {.rearm_left = 3, .stop_at = 4};
	int flag = 0;

	CHECK(l);
	per.src = loop_timer_add(l, 1 * MS, 2 * MS, on_timer, &per, NULL);
	re.src = loop_timer_add(l, 1 * MS, 0, on_timer, &re, NULL);
	CHECK(per.src && re.src);
	run_until(l, &per.done, 3000);
	run_until(l, &re.done, 3000);
	CHECK_INT_EQ(per.done, 1);
	CHECK_INT_EQ(re.calls, 4); /* first shot + three re-arms */

	/* Disarm stops the periodic timer; the re-armed one is spent. */
	CHECK_INT_EQ(loop_timer_disarm(l, per.src), 0);
	per.calls = 0;
	run_until(l, &flag, 50);
	CHECK_INT_EQ(per.calls, 0);
	CHECK_INT_EQ(re.calls, 4);
	loop_free(l);
}

struct del_state {
	struct loop *l;
	struct loop_source *self, *other;
	int calls;
	int del_self;
};

static void on_fd_delete(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct del_state *d = opaque;

	d->calls++;
	if (d->del_self) {
		loop_source_del(l, d->self);
		d->self = NULL;
	}
	if (d->other) {
		loop_source_del(l, d->other);
		/* The other source's state learns it is gone. */
		d->other = NULL;
	}
}

static void loop_delete_self_in_callback(void)
{
	struct loop *l = loop_new(NULL);
	struct del_state d = {.del_self = 1};
	int p[2];

	CHECK(l);
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	CHECK(write(p[1], "x", 1) == 1);
	d.self = loop_fd_add(l, p[0], EPOLLIN, on_fd_delete, &d, NULL);
	CHECK(d.self);
	CHECK_INT_EQ(loop_run_once(l, 1000, NULL), 1);
	CHECK_INT_EQ(d.calls, 1);
	/* Still readable (nothing read), but no longer watched. */
	CHECK_INT_EQ(loop_run_once(l, 20, NULL), 0);
	CHECK_INT_EQ(d.calls, 1);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

/*
 * Two sources ready in the same round; each deletes the other. Whichever
 * runs first must keep the other from running (under ASan this also
 * catches a use after free).
 */
static void loop_delete_other_in_same_round(void)
{
	struct loop *l = loop_new(NULL);
	struct del_state a = {0}, b = {0};
	int p[2], q[2];

	CHECK(l);
	CHECK(pipe2(p, O_CLOEXEC) == 0 && pipe2(q, O_CLOEXEC) == 0);
	CHECK(write(p[1], "x", 1) == 1 && write(q[1], "y", 1) == 1);
	a.self = loop_fd_add(l, p[0], EPOLLIN, on_fd_delete, &a, NULL);
	b.self = loop_fd_add(l, q[0], EPOLLIN, on_fd_delete, &b, NULL);
	CHECK(a.self && b.self);
	a.other = b.self;
	b.other = a.self;
	/* Both events come back from one epoll_wait. */
	CHECK_INT_EQ(loop_run_once(l, 1000, NULL), 2);
	CHECK_INT_EQ(a.calls + b.calls, 1);
	/* The survivor still works. */
	CHECK_INT_EQ(loop_run_once(l, 20, NULL), 1);
	CHECK_INT_EQ(a.calls + b.calls, 2);
	loop_free(l);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void on_timer_delete_other(struct loop *l, void *opaque)
{
	struct del_state *d = opaque;

	d->calls++;
	loop_source_del(l, d->other);
	d->other = NULL;
}

/* A timer that deletes another due timer in the same round. */
static void loop_timer_deletes_other_timer(void)
{
	struct loop *l = loop_new(NULL);
	struct del_state a = {0}, b = {0};
	struct timespec ts = {0, 20 * MS};

	CHECK(l);
	a.self = loop_timer_add(l, 1 * MS, 0, on_timer_delete_other, &a, NULL);
	b.self = loop_timer_add(l, 1 * MS, 0, on_timer_delete_other, &b, NULL);
	CHECK(a.self && b.self);
	a.other = b.self;
	b.other = a.self;
	nanosleep(&ts, NULL); /* both due before the round */
	CHECK_INT_EQ(loop_run_once(l, 1000, NULL), 2);
	CHECK_INT_EQ(a.calls + b.calls, 1);
	loop_free(l);
}

struct sig_state {
	int signo;
	int calls;
};

static void on_signal(struct loop *l, int signo, void *opaque)
{
	struct sig_state *s = opaque;

	s->signo = signo;
	s->calls++;
}

static void loop_signal_through_signalfd(void)
{
	struct loop *l = loop_new(NULL);
	struct sig_state st = {0};
	struct loop_source *s;
	sigset_t cur;

	CHECK(l);
	s = loop_signal_add(l, SIGUSR1, on_signal, &st, NULL);
	CHECK(s);
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGUSR1));
	/* Blocked, so this stays pending for the signalfd instead of
	 * killing the test. */
	CHECK(kill(getpid(), SIGUSR1) == 0);
	run_until(l, &st.calls, 2000);
	CHECK_INT_EQ(st.calls, 1);
	CHECK_INT_EQ(st.signo, SIGUSR1);
	loop_source_del(l, s);
	loop_free(l);
}

struct wake_state {
	struct loop *l;
	int calls;
	pthread_t waker;
};

static void on_wake(struct loop *l, void *opaque)
{
	struct wake_state *w = opaque;

	w->calls++;
	loop_stop(l);
}

/* A backstop, so that a lost wake-up fails the test instead of hanging. */
static void on_backstop(struct loop *l, void *opaque)
{
	*(int *)opaque = 1;
	loop_stop(l);
}

static void *waker_thread(void *opaque)
{
	struct wake_state *w = opaque;
	struct timespec ts = {0, 30 * MS};

	nanosleep(&ts, NULL); /* let the loop block first */
	loop_wake(w->l);
	return NULL;
}

static void loop_wake_from_other_thread(void)
{
	struct loop_source *s, *backstop;
	struct wake_state w = {0};
	int timed_out = 0;

	w.l = loop_new(NULL);
	CHECK(w.l);
	s = loop_wake_add(w.l, on_wake, &w, NULL);
	CHECK(s);
	backstop = loop_timer_add(w.l, 5000 * MS, 0, on_backstop, &timed_out,
				  NULL);
	CHECK(backstop);
	CHECK(pthread_create(&w.waker, NULL, waker_thread, &w) == 0);
	CHECK_INT_EQ(loop_run(w.l, NULL), 0); /* returns after on_wake */
	pthread_join(w.waker, NULL);
	CHECK_INT_EQ(timed_out, 0);
	CHECK_INT_EQ(w.calls, 1);
	loop_source_del(w.l, backstop);
	/* A stop request alone does not call wake callbacks. */
	loop_stop(w.l);
	CHECK_INT_EQ(loop_run(w.l, NULL), 0);
	CHECK_INT_EQ(w.calls, 1);
	loop_free(w.l);
}

static void *stopper_thread(void *opaque)
{
	struct timespec ts = {0, 30 * MS};

	nanosleep(&ts, NULL);
	loop_stop(opaque);
	return NULL;
}

static void loop_stop_from_other_thread(void)
{
	struct loop *l = loop_new(NULL);
	pthread_t t;

	CHECK(l);
	CHECK(pthread_create(&t, NULL, stopper_thread, l) == 0);
	CHECK_INT_EQ(loop_run(l, NULL), 0);
	pthread_join(t, NULL);
	loop_free(l);
}

static void nop_fd(struct loop *l, int fd, uint32_t events, void *opaque)
{
}

static void nop_timer(struct loop *l, void *opaque)
{
}

static void loop_free_leaks_no_fds(void)
{
	int before = test_count_fds();
	struct loop *l = loop_new(NULL);
	int p[2];

	CHECK(l);
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	CHECK(loop_fd_add(l, p[0], EPOLLIN, nop_fd, NULL, NULL));
	CHECK(loop_timer_add(l, 1000 * MS, 0, nop_timer, NULL, NULL));
	loop_source_del(l, loop_timer_add(l, MS, MS, nop_timer, NULL, NULL));
	CHECK(loop_signal_add(l, SIGUSR2, on_signal, NULL, NULL));
	CHECK(loop_wake_add(l, on_wake, NULL, NULL));
	loop_free(l);
	/* The fd source does not own its fd. */
	CHECK(fcntl(p[0], F_GETFD) >= 0);
	close(p[0]);
	close(p[1]);
	CHECK_INT_EQ(test_count_fds(), before);
}

int main(void)
{
	RUN(loop_fd_reports_readable_and_writable);
	RUN(loop_fd_add_error_names_fd);
	RUN(loop_timer_one_shot_fires_once);
	RUN(loop_timer_periodic_and_rearm_from_callback);
	RUN(loop_delete_self_in_callback);
	RUN(loop_delete_other_in_same_round);
	RUN(loop_timer_deletes_other_timer);
	RUN(loop_signal_through_signalfd);
	RUN(loop_wake_from_other_thread);
	RUN(loop_stop_from_other_thread);
	RUN(loop_free_leaks_no_fds);
	return test_done();
}
