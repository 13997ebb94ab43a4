// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido-vmm's block job engine (vmm/blockjob.h) on real qcow2 chains,
 * with a writer thread that plays the guest: it writes random ranges
 * through the job gate the whole time a job copies and completes, and
 * keeps a model of what the disk must read. After each job the chain
 * must read as the model (no guest write lost under a copy, none
 * undone by a pivot), the chain must be what the job promised, and each
 * image must pass check once reopened from its file.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "block/block.h"
#include "block/chain-edit.h"
#include "block/image.h"
#include "lib/util.h"
#include "tests/unit/test.h"
#include "vmm/blockjob-priv.h"
#include "vmm/blockjob.h"

#define SIZE  (64ull << 20)
#define GRAIN (64u * 1024u)

static char dir[] = "/tmp/nido-bjob-XXXXXX";

static const char *path(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The "guest": the disk, its gate, and the writer's model. */
struct guest {
	struct block *disk;
	struct bjob_gate *g;
	uint8_t *model;
	pthread_rwlock_t quiesce; /* writers read-lock, quiesce write-locks */
	pthread_t thread;
	atomic_bool stop;
	atomic_uint writes, refused, notified;
	unsigned delay_us; /* between two writes */
	int errors;
};

static void *writer(void *arg)
{
	struct guest *gs = arg;
	uint64_t seed = 0x2545f4914f6cdd1dull;
	uint8_t *buf = xmalloc(128 * 1024);

	while (!atomic_load(&gs->stop)) {
		uint64_t len = (1 + rnd(&seed) % 64) * 512;
		uint64_t off = (rnd(&seed) % (SIZE / 512)) * 512;
		uint8_t v = (uint8_t)(1 + rnd(&seed) % 250);

		if (off + len > SIZE)
			len = SIZE - off;
		memset(buf, v, len);
		pthread_rwlock_rdlock(&gs->quiesce);
		while (!bjob_gate_begin(gs->g, 0, off, len)) {
			atomic_fetch_add(&gs->refused, 1);
			pthread_rwlock_unlock(&gs->quiesce);
			sched_yield();
			pthread_rwlock_rdlock(&gs->quiesce);
		}
		if (block_pwrite(gs->disk, buf, len, off, NULL) < 0)
			gs->errors++;
		memcpy(gs->model + off, buf, len);
		bjob_gate_end(gs->g, 0);
		pthread_rwlock_unlock(&gs->quiesce);
		atomic_fetch_add(&gs->writes, 1);
		usleep(gs->delay_us);
	}
	free(buf);
	return NULL;
}

static void g_quiesce(void *o)
{
	pthread_rwlock_wrlock(&((struct guest *)o)->quiesce);
}

static void g_resume(void *o)
{
	pthread_rwlock_unlock(&((struct guest *)o)->quiesce);
}

static int g_set_top(void *o, struct block *top, struct err **e)
{
	struct guest *gs = o;

	(void)e;
	block_close(gs->disk);
	gs->disk = top;
	return 0;
}

static void g_notify(void *o)
{
	atomic_fetch_add(&((struct guest *)o)->notified, 1);
}

static void g_wake(void *o)
{
	(void)o;
}

static const struct bjob_disk_ops ops = {g_quiesce, g_resume, g_set_top,
					 g_notify};

static int create(const char *name, const char *backing)
{
	_cleanup_err_ struct err *e = NULL;
	int r;
	struct img_create_opts o = {.format = "qcow2",
				    .size = SIZE,
				    .backing = backing ? path(backing) : NULL,
				    .backing_fmt = backing ? "qcow2" : NULL};

	r = img_create(path(name), &o, &e);
	if (r < 0)
		printf("# %s\n", err_msg(e));
	return r;
}

/* base: every other MiB of data; mid and top: scattered writes. */
static int make_chain(void)
{
	_cleanup_block_ struct block *b = NULL;
	uint8_t *buf = xmalloc(1 << 20);
	uint64_t seed = 77;
	int r = create("base.qcow2", NULL);

	if (r == 0)
		r = block_open(path("base.qcow2"), "qcow2", BLOCK_OPEN_RDWR, &b,
			       NULL);
	for (uint64_t off = 0; r == 0 && off < SIZE; off += 2 << 20) {
		memset(buf, (int)(off >> 20) + 1, 1 << 20);
		r = block_pwrite(b, buf, 1 << 20, off, NULL);
	}
	block_close(steal_ptr(b));
	for (int k = 0; r == 0 && k < 2; k++) {
		const char *name = k ? "top.qcow2" : "mid.qcow2";

		r = create(name, k ? "mid.qcow2" : "base.qcow2");
		if (r == 0)
			r = block_open(path(name), "qcow2",
				       BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING,
				       &b, NULL);
		for (int i = 0; r == 0 && i < 40; i++) {
			uint64_t off = rnd(&seed) % (SIZE - 65536);

			memset(buf, 0xa0 + k * 16 + i % 16, 65536);
			r = block_pwrite(b, buf, 65536, off, NULL);
		}
		block_close(steal_ptr(b));
	}
	free(buf);
	return r;
}

static void guest_start(struct guest *gs, unsigned delay_us)
{
	memset(gs, 0, sizeof(*gs));
	gs->delay_us = delay_us;
	CHECK(make_chain() == 0);
	CHECK(block_open(path("top.qcow2"), "qcow2", BLOCK_OPEN_RDWR, &gs->disk,
			 NULL) == 0);
	gs->g = bjob_gate_new(SIZE, 1, g_wake, gs);
	gs->model = xmalloc(SIZE);
	CHECK(block_pread(gs->disk, gs->model, SIZE, 0, NULL) == 0);
	pthread_rwlock_init(&gs->quiesce, NULL);
	CHECK(pthread_create(&gs->thread, NULL, writer, gs) == 0);
}

/* Stops the writer; checks the disk reads as the model. */
static void guest_stop(struct guest *gs)
{
	uint8_t *now = xmalloc(SIZE);

	atomic_store(&gs->stop, true);
	pthread_join(gs->thread, NULL);
	CHECK_INT_EQ(gs->errors, 0);
	CHECK(block_pread(gs->disk, now, SIZE, 0, NULL) == 0);
	CHECK(memcmp(now, gs->model, SIZE) == 0);
	free(now);
	block_close(steal_ptr(gs->disk)); /* its locks: check_file opens */
}

static void guest_free(struct guest *gs)
{
	block_close(gs->disk);
	bjob_gate_free(gs->g);
	pthread_rwlock_destroy(&gs->quiesce);
	free(gs->model);
}

/* Waits for @state (or a later end); false after 60 s. */
static bool wait_state(struct bjob *j, enum bjob_state state)
{
	for (int i = 0; i < 60000; i++) {
		struct bjob_info in;

		bjob_get_info(j, &in);
		if (in.state == state)
			return true;
		if (in.state == BJOB_FAILED) {
			printf("# job failed: %s\n", in.error);
			return false;
		}
		usleep(1000);
	}
	return false;
}

/* Lets the writer write @n more times. */
static void let_write(struct guest *gs, unsigned n)
{
	unsigned w = atomic_load(&gs->writes);

	while (atomic_load(&gs->writes) < w + n)
		usleep(100);
}

/* Reopens @name from its file and checks it; compares its chain's
 * content with @model when given. */
static void check_file(const char *name, const uint8_t *model, int chain_len)
{
	_cleanup_block_ struct block *b = NULL;
	struct img_check res = {0};
	uint8_t *now = xmalloc(SIZE);

	CHECK(block_open(path(name), "qcow2", 0, &b, NULL) == 0);
	if (b) {
		CHECK_INT_EQ(block_chain_len(b), chain_len);
		CHECK(img_check(b, 0, &res, NULL) == 0);
		CHECK_U64_EQ(res.corruptions + res.leaks, 0);
		CHECK(block_pread(b, now, SIZE, 0, NULL) == 0);
		CHECK(!model || memcmp(now, model, SIZE) == 0);
	}
	free(res.report);
	free(now);
}

static void test_pull_racing_writes(void)
{
	struct guest gs;
	struct bjob *j = NULL;
	struct bjob_params p = {.type = BJOB_PULL, .base = 3, .base_fd = -1};

	guest_start(&gs, 50);
	let_write(&gs, 50);
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, NULL) == 0);
	CHECK(wait_state(j, BJOB_COPIED));
	let_write(&gs, 50);
	CHECK(bjob_complete(j, NULL) == 0);
	let_write(&gs, 50);
	bjob_free(j);
	CHECK_INT_EQ(block_chain_len(gs.disk), 1);
	guest_stop(&gs);
	check_file("top.qcow2", gs.model, 1);
	printf("# %u guest writes, %u refused by the gate\n", gs.writes,
	       gs.refused);
	guest_free(&gs);
}

static void test_pull_to_base(void)
{
	struct guest gs;
	struct bjob *j = NULL;
	struct bjob_params p = {.type = BJOB_PULL, .base = 2, .base_fd = -1};

	guest_start(&gs, 50);
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, NULL) == 0);
	CHECK(wait_state(j, BJOB_COPIED));
	CHECK(bjob_complete(j, NULL) == 0);
	bjob_free(j);
	CHECK_INT_EQ(block_chain_len(gs.disk), 2);
	guest_stop(&gs);
	check_file("top.qcow2", gs.model, 2);
	guest_free(&gs);
}

static void test_commit_below_active(void)
{
	struct guest gs;
	struct bjob *j = NULL;
	struct bjob_params p = {.type = BJOB_COMMIT,
				.top = 1,
				.base = 2,
				.base_flags = BLOCK_OPEN_LOCKED};

	guest_start(&gs, 50);
	p.base_fd = open(path("base.qcow2"), O_RDWR | O_CLOEXEC);
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, NULL) == 0);
	CHECK(wait_state(j, BJOB_COPIED));
	CHECK(bjob_complete(j, NULL) == 0);
	bjob_free(j);
	CHECK_INT_EQ(block_chain_len(gs.disk), 2);
	let_write(&gs, 50);
	guest_stop(&gs);
	check_file("top.qcow2", gs.model, 2);
	guest_free(&gs);
}

static void test_active_commit_pivot(void)
{
	struct guest gs;
	struct bjob *j = NULL;
	struct bjob_params p = {.type = BJOB_ACTIVE_COMMIT,
				.top = 0,
				.base = 2,
				.base_flags = BLOCK_OPEN_LOCKED};

	guest_start(&gs, 50);
	p.base_fd = open(path("base.qcow2"), O_RDWR | O_CLOEXEC);
	let_write(&gs, 50);
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, NULL) == 0);
	CHECK(wait_state(j, BJOB_READY));
	let_write(&gs, 500); /* in step: copied again as they come */
	CHECK(bjob_complete(j, NULL) == 0);
	bjob_free(j);
	CHECK_STR_CONTAINS(block_filename(gs.disk), "base.qcow2");
	CHECK_INT_EQ(block_chain_len(gs.disk), 1);
	let_write(&gs, 50);
	guest_stop(&gs);
	check_file("base.qcow2", gs.model, 1);
	guest_free(&gs);
}

static void test_active_commit_abort(void)
{
	struct guest gs;
	struct bjob *j = NULL;
	struct bjob_params p = {.type = BJOB_ACTIVE_COMMIT,
				.top = 0,
				.base = 2,
				.base_flags = BLOCK_OPEN_LOCKED};

	guest_start(&gs, 50);
	p.base_fd = open(path("base.qcow2"), O_RDWR | O_CLOEXEC);
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, NULL) == 0);
	CHECK(wait_state(j, BJOB_READY));
	let_write(&gs, 100);
	bjob_cancel(j);
	bjob_free(j);
	CHECK_INT_EQ(block_chain_len(gs.disk), 3);
	let_write(&gs, 50);
	guest_stop(&gs);
	check_file("top.qcow2", gs.model, 3);
	check_file("base.qcow2", NULL, 1);
	guest_free(&gs);
}

/* A slow job shows its progress in order: cur grows, never past end. */
static void test_speed(void)
{
	struct guest gs;
	struct bjob *j = NULL;
	struct bjob_params p = {.type = BJOB_PULL,
				.base = 3,
				.base_fd = -1,
				.speed = 512 * 1024};
	struct bjob_info a, b;

	guest_start(&gs, 20000);
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, NULL) == 0);
	bjob_get_info(j, &a);
	usleep(200000);
	bjob_get_info(j, &b);
	printf("# states %s %s, %" PRIu64 "/%" PRIu64 "\n",
	       bjob_state_name(a.state), bjob_state_name(b.state), b.cur,
	       b.end);
	CHECK(a.state == BJOB_RUNNING && b.state == BJOB_RUNNING);
	CHECK(a.cur <= b.cur && b.cur < b.end);
	CHECK(b.speed == 512 * 1024);
	bjob_set_speed(j, 0);
	CHECK(wait_state(j, BJOB_COPIED));
	bjob_get_info(j, &a);
	CHECK(a.cur == a.end && a.cur >= b.cur);
	bjob_cancel(j); /* copied, not completed: the chain stays */
	bjob_free(j);
	CHECK_INT_EQ(block_chain_len(gs.disk), 3);
	guest_stop(&gs);
	guest_free(&gs);
}

static void test_refused(void)
{
	struct guest gs;
	struct bjob *j = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct bjob_params p = {
		.type = BJOB_ACTIVE_COMMIT, .top = 0, .base = 2, .base_fd = -1};

	guest_start(&gs, 50);
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, &e) == -EBADF);
	err_free(steal_ptr(e));
	p.base = 5;
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, &e) == -EINVAL);
	err_free(steal_ptr(e));
	p = (struct bjob_params){.type = BJOB_COMMIT, .top = 1, .base = 2};
	p.base_fd = open(path("mid.qcow2"), O_RDWR | O_CLOEXEC);
	CHECK(bjob_start(gs.disk, gs.g, &p, &ops, &gs, &j, &e) == -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "another file");
	CHECK(!j);
	guest_stop(&gs);
	guest_free(&gs);
}

static atomic_int woken;

static void count_wake(void *o)
{
	(void)o;
	atomic_fetch_add(&woken, 1);
}

struct busy_arg {
	struct bjob_gate *g;
	atomic_bool done;
};

static void *take_busy(void *arg)
{
	struct busy_arg *a = arg;

	pthread_mutex_lock(&a->g->lock);
	gate_busy(a->g, 0, GRAIN); /* waits for slot 0's write */
	pthread_mutex_unlock(&a->g->lock);
	atomic_store(&a->done, true);
	return NULL;
}

/* The gate's rules, one step at a time: a chunk being copied refuses
 * the writes that overlap it (and wakes the device once it is done);
 * the job waits for the writes in flight on its chunk; an active
 * commit's gate marks what is written dirty. */
static void test_gate(void)
{
	struct bjob_gate *g = bjob_gate_new(4 * GRAIN, 2, count_wake, NULL);
	struct busy_arg a = {.g = g};
	pthread_t t;
	uint64_t grain = 0;

	CHECK(gate_track(g, true) == 0);
	CHECK(gate_track(g, true) == -EBUSY);
	CHECK(bjob_gate_begin(g, 0, 100, 512)); /* in flight on grain 0 */
	CHECK_U64_EQ(g->n_dirty, 1);
	CHECK(pthread_create(&t, NULL, take_busy, &a) == 0);
	usleep(50000);
	CHECK(!atomic_load(&a.done)); /* the job waits for the write */
	bjob_gate_end(g, 0);
	pthread_join(t, NULL);
	CHECK(atomic_load(&a.done));
	/* grain 0 is being copied now */
	CHECK(!bjob_gate_begin(g, 1, GRAIN - 512, 1024)); /* overlaps */
	CHECK(bjob_gate_begin(g, 1, GRAIN, 512));	  /* beside it */
	bjob_gate_end(g, 1);
	pthread_mutex_lock(&g->lock);
	CHECK(gate_unbusy(g)); /* a write waited: wake the device */
	CHECK(!gate_unbusy(g));
	CHECK(gate_next_dirty(g, 2, &grain) && grain == 0);
	CHECK_U64_EQ(gate_take_run(g, 0, 4), 2); /* grains 0 and 1 */
	CHECK(!gate_next_dirty(g, 0, &grain));
	pthread_mutex_unlock(&g->lock);
	gate_untrack(g);
	CHECK(bjob_gate_begin(g, 0, 0, 4 * GRAIN)); /* no job: no marks */
	CHECK(!g->dirty);
	bjob_gate_end(g, 0);
	bjob_gate_free(g);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_gate);
	RUN(test_pull_racing_writes);
	RUN(test_pull_to_base);
	RUN(test_commit_below_active);
	RUN(test_active_commit_pivot);
	RUN(test_active_commit_abort);
	RUN(test_speed);
	RUN(test_refused);
	for (const char *const *n =
		     (const char *const[]){"base.qcow2", "mid.qcow2",
					   "top.qcow2", NULL};
	     *n; n++)
		unlink(path(*n));
	rmdir(dir);
	return test_done();
}
