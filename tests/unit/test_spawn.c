// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/file.h"
#include "lib/spawn.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

static void spawn_run_captures_output_and_status(void)
{
	char *const echo[] = {"echo", "hello", NULL};
	char *const fail[] = {"sh", "-c", "echo out; echo err >&2; exit 3",
			      NULL};
	_cleanup_free_ char *out = NULL, *out2 = NULL, *out3 = NULL;

	CHECK_INT_EQ(spawn_run(echo, &out, 0, NULL), 0);
	CHECK_STR_EQ(out, "hello\n");
	/* Without merging, stderr goes to /dev/null. */
	CHECK_INT_EQ(spawn_run(fail, &out2, 0, NULL), 3);
	CHECK_STR_EQ(out2, "out\n");
	CHECK_INT_EQ(spawn_run(fail, &out3, 1, NULL), 3);
	CHECK_STR_EQ(out3, "out\nerr\n");
	CHECK_INT_EQ(spawn_run(echo, NULL, 0, NULL), 0);
}

static void spawn_run_reports_signal_as_128_plus(void)
{
	char *const argv[] = {"sh", "-c", "kill -9 $$", NULL};

	CHECK_INT_EQ(spawn_run(argv, NULL, 0, NULL), 128 + SIGKILL);
}

static void spawn_missing_program_is_an_error(void)
{
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;
	char *const argv[] = {"nido-no-such-program", "x", NULL};
	char *const abs[] = {"/nonexistent/bin/prog", NULL};
	struct spawn_child c = {0};
	struct spawn_opts o;

	spawn_opts_init(&o);
	o.argv = argv;
	CHECK_INT_EQ(spawn_start(&o, &c, &e), -ENOENT);
	CHECK_STR_CONTAINS(err_msg(e), "'nido-no-such-program'");
	CHECK_INT_EQ(c.pidfd, -1);

	/* With a path, the failure comes from execve in the child. */
	CHECK_INT_EQ(spawn_run(abs, NULL, 0, &e2), -ENOENT);
	CHECK_STR_EQ(err_msg(e2), "starting '/nonexistent/bin/prog': No such "
				  "file or directory");
}

static void spawn_not_executable_is_an_error(void)
{
	_cleanup_err_ struct err *e = NULL;
	char *const argv[] = {"/etc/passwd", NULL};

	CHECK_INT_EQ(spawn_run(argv, NULL, 0, &e), -EACCES);
	CHECK_STR_CONTAINS(err_msg(e), "'/etc/passwd'");
	CHECK_STR_CONTAINS(err_msg(e), "Permission denied");
}

static void spawn_bad_cwd_names_directory(void)
{
	_cleanup_err_ struct err *e = NULL;
	char *const argv[] = {"true", NULL};
	struct spawn_child c;
	struct spawn_opts o;

	spawn_opts_init(&o);
	o.argv = argv;
	o.cwd = "/nonexistent-dir";
	CHECK_INT_EQ(spawn_start(&o, &c, &e), -ENOENT);
	CHECK_STR_EQ(err_msg(e),
		     "starting 'true': changing directory to "
		     "'/nonexistent-dir': No such file or directory");
}

static void spawn_cwd_env_and_stdin(void)
{
	char *const argv[] = {"sh", "-c", "pwd; echo \"$FOO\"; cat", NULL};
	char *const envp[] = {"FOO=bar", NULL};
	char buf[256] = {0};
	struct spawn_child c;
	struct spawn_opts o;
	int in[2], out[2], status;

	CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	CHECK(write(in[1], "from stdin\n", 11) == 11);
	close(in[1]);
	spawn_opts_init(&o);
	o.argv = argv;
	o.envp = envp;
	o.cwd = "/tmp";
	o.stdin_fd = in[0];
	o.stdout_fd = out[1];
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	close(in[0]);
	close(out[1]);
	CHECK(read_full(out[0], buf, sizeof(buf) - 1) > 0);
	close(out[0]);
	CHECK_INT_EQ(spawn_wait(&c, &status), 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STR_EQ(buf, "/tmp\nbar\nfrom stdin\n");
	CHECK_INT_EQ(c.pidfd, -1);
}

/* before_exec: called while the child waits, its program not executed
 * yet (its command line still ours); its refusal kills the child. */
static int seen_before_exec(pid_t pid, void *opaque, struct err **e)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cmdline", (int)pid);
	char **cmdline = opaque;
	size_t len;

	if (file_read_all(path, 4096, cmdline, &len, e) < 0)
		return -EIO;
	return strstr(*cmdline, "sh") == *cmdline
		       ? err_set(e, EPERM, "placed too late")
		       : 0;
}

static int refuse_before_exec(pid_t pid, void *opaque, struct err **e)
{
	*(pid_t *)opaque = pid;
	return err_set(e, EPERM, "not placed");
}

static void spawn_before_exec_holds_the_child(void)
{
	char *const argv[] = {"sh", "-c", "exit 7", NULL};
	char *const low[] = {"sh", "-c", "exit 9", NULL};
	struct spawn_fd keep[8];
	_cleanup_free_ char *cmdline = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct spawn_child c;
	struct spawn_opts o;
	pid_t refused = 0;
	int status;

	spawn_opts_init(&o);
	o.argv = argv;
	o.before_exec = seen_before_exec;
	o.opaque = &cmdline;
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	CHECK_INT_EQ(spawn_wait(&c, &status), 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	CHECK(cmdline && strstr(cmdline, "test_spawn"));

	/* fds passed onto every low number: the hold's pipe (made after
	 * them, on the lowest free numbers) must not be overwritten */
	for (int i = 0; i < 8; i++)
		keep[i] = (struct spawn_fd){.from = 2, .to = 3 + i};
	o.argv = low;
	o.keep_fds = keep;
	o.n_keep_fds = 8;
	free(cmdline);
	cmdline = NULL;
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	CHECK_INT_EQ(spawn_wait(&c, &status), 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 9);
	o.keep_fds = NULL;
	o.n_keep_fds = 0;

	o.before_exec = refuse_before_exec;
	o.opaque = &refused;
	CHECK_INT_EQ(spawn_start(&o, &c, &e), -EPERM);
	CHECK_STR_EQ(err_msg(e), "not placed");
	CHECK_INT_EQ(c.pid, -1);
	CHECK(refused > 0);
	/* killed and reaped: nothing of it is left */
	CHECK(kill(refused, 0) < 0 && errno == ESRCH);
}

/*
 * Parent fds 40 and 41 passed crossed (40 -> 41, 41 -> 40) plus one onto
 * 5: a naive dup2 loop would overwrite 41 before passing it. The child
 * must see exactly 0, 1, 2, 5, 40, 41, and 3: the directory the glob
 * reads. Fd 42, open without CLOEXEC here, must not get through. (bash:
 * dash only redirects fds 0-9.)
 */
static void spawn_keep_fds_map_onto_numbers(void)
{
	char *const argv[] = {
		"bash", "-c",
		"echo to41 >&41; echo to40 >&40; echo to5 >&5; "
		"for f in /proc/$$/fd/*; do printf '%s ' ${f##*/}; done",
		NULL};
	char a[64] = {0}, b[64] = {0}, d[64] = {0}, list[256] = {0};
	int pa[2], pb[2], pd[2], out[2], status;
	struct spawn_fd keep[3];
	struct spawn_child c;
	struct spawn_opts o;

	CHECK(pipe2(pa, O_CLOEXEC) == 0 && pipe2(pb, O_CLOEXEC) == 0);
	CHECK(pipe2(pd, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	CHECK(dup3(pa[1], 40, O_CLOEXEC) == 40);
	CHECK(dup3(pb[1], 41, O_CLOEXEC) == 41);
	CHECK(dup2(pb[0], 42) == 42);
	close(pa[1]);
	close(pb[1]);
	keep[0] = (struct spawn_fd){.from = 40, .to = 41};
	keep[1] = (struct spawn_fd){.from = 41, .to = 40};
	keep[2] = (struct spawn_fd){.from = pd[1], .to = 5};
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdout_fd = out[1];
	o.keep_fds = keep;
	o.n_keep_fds = 3;
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	close(40);
	close(41);
	close(42);
	close(pd[1]);
	close(out[1]);
	CHECK_INT_EQ(spawn_wait(&c, &status), 0);
	CHECK_INT_EQ(status, 0);
	CHECK(read(pa[0], a, sizeof(a)) > 0 && read(pb[0], b, sizeof(b)) > 0);
	CHECK(read(pd[0], d, sizeof(d)) > 0 && read(out[0], list, 255) > 0);
	close(pa[0]);
	close(pb[0]);
	close(pd[0]);
	close(out[0]);
	CHECK_STR_EQ(a, "to41\n"); /* parent's 40 was the child's 41 */
	CHECK_STR_EQ(b, "to40\n");
	CHECK_STR_EQ(d, "to5\n");
	CHECK_STR_EQ(list, "0 1 2 3 40 41 5 ");
}

static void spawn_keep_fds_validated(void)
{
	_cleanup_err_ struct err *e = NULL;
	char *const argv[] = {"true", NULL};
	struct spawn_fd keep[2] = {{.from = 0, .to = 7}, {.from = 1, .to = 7}};
	struct spawn_child c;
	struct spawn_opts o;

	spawn_opts_init(&o);
	o.argv = argv;
	o.keep_fds = keep;
	o.n_keep_fds = 2;
	CHECK_INT_EQ(spawn_start(&o, &c, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "starting 'true': fd 7 is passed twice");
	keep[1].to = 2;
	CHECK_INT_EQ(spawn_start(&o, &c, &e), -EINVAL);
}

static void spawn_new_session(void)
{
	char *const argv[] = {"sh", "-c",
			      "read -r pid comm state ppid pgrp sid rest "
			      "</proc/$$/stat; echo \"$pid $sid\"",
			      NULL};
	char buf[64] = {0}, want[64];
	struct spawn_child c;
	struct spawn_opts o;
	int out[2];

	CHECK(pipe2(out, O_CLOEXEC) == 0);
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdout_fd = out[1];
	o.new_session = 1;
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	close(out[1]);
	CHECK(read_full(out[0], buf, sizeof(buf) - 1) > 0);
	close(out[0]);
	snprintf(want, sizeof(want), "%d %d\n", c.pid, c.pid);
	CHECK_INT_EQ(spawn_wait(&c, NULL), 0);
	CHECK_STR_EQ(buf, want);
}

/* set_ids: the child runs as the ids given, with no capability left
 * and no_new_privs (as root; an ordinary user cannot change ids). */
static void spawn_sets_ids_and_no_new_privs(void)
{
	char *const argv[] = {"sh", "-c",
			      "grep -E '^(Uid|Gid|Groups|CapEff|NoNewPrivs):' "
			      "/proc/self/status | tr -s '\t ' ' '",
			      NULL};
	const gid_t groups[] = {4242};
	char buf[512] = {0};
	struct spawn_child c;
	struct spawn_opts o;
	int out[2];

	if (geteuid() != 0)
		SKIP("not root");
	CHECK(pipe2(out, O_CLOEXEC) == 0);
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdout_fd = out[1];
	o.set_ids = 1;
	o.uid = 4141;
	o.gid = 4343;
	o.groups = groups;
	o.n_groups = 1;
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	close(out[1]);
	CHECK(read_full(out[0], buf, sizeof(buf) - 1) > 0);
	close(out[0]);
	CHECK_INT_EQ(spawn_wait(&c, NULL), 0);
	CHECK_STR_CONTAINS(buf, "Uid: 4141 4141 4141 4141");
	CHECK_STR_CONTAINS(buf, "Gid: 4343 4343 4343 4343");
	CHECK_STR_CONTAINS(buf, "Groups: 4242");
	CHECK_STR_CONTAINS(buf, "CapEff: 0000000000000000");
	CHECK_STR_CONTAINS(buf, "NoNewPrivs: 1");
}

/*
 * cgroup_fds: the child writes "0" (itself) to each before anything else;
 * on plain files that is checkable. A write that fails fails the start.
 */
static void spawn_joins_cgroups_first(void)
{
	char *const argv[] = {"true", NULL};
	char path[] = "/tmp/nido-spawn-cg-XXXXXX", buf[8] = {0};
	struct spawn_child c;
	struct spawn_opts o;
	_cleanup_err_ struct err *e = NULL;
	int fd = mkstemp(path), ro, fds[1];

	CHECK(fd >= 0);
	fds[0] = fd;
	spawn_opts_init(&o);
	o.argv = argv;
	o.cgroup_fds = fds;
	o.n_cgroup_fds = 1;
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	CHECK_INT_EQ(spawn_wait(&c, NULL), 0);
	CHECK(pread(fd, buf, sizeof(buf) - 1, 0) == 1);
	CHECK_STR_EQ(buf, "0");
	close(fd);
	ro = open(path, O_RDONLY | O_CLOEXEC); /* a write to it fails */
	fds[0] = ro;
	CHECK(spawn_start(&o, &c, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "joining its cgroup");
	close(ro);
	unlink(path);
}

/* 1 when @pid is gone or a zombie (reaped by nobody in a container). */
static int process_dead(pid_t pid)
{
	char path[64], stat[256] = {0};
	const char *paren;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 1;
	if (!fgets(stat, sizeof(stat), f))
		stat[0] = '\0';
	fclose(f);
	paren = strrchr(stat, ')');
	return paren && paren[2] == 'Z';
}

/* A middle process spawns "sleep 10" with die_with_parent and exits:
 * the sleep must be killed. */
static void spawn_die_with_parent(void)
{
	char *const argv[] = {"sleep", "10", NULL};
	int p[2], i;
	pid_t mid, victim = 0;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	mid = fork();
	CHECK(mid >= 0);
	if (mid == 0) {
		struct spawn_child c;
		struct spawn_opts o;

		spawn_opts_init(&o);
		o.argv = argv;
		o.die_with_parent = 1;
		if (spawn_start(&o, &c, NULL) < 0)
			_exit(1);
		write_full(p[1], &c.pid, sizeof(c.pid));
		_exit(0);
	}
	close(p[1]);
	CHECK_INT_EQ(read_full(p[0], &victim, sizeof(victim)), sizeof(victim));
	close(p[0]);
	waitpid(mid, NULL, 0);
	for (i = 0; i < 200 && !process_dead(victim); i++)
		usleep(10000);
	if (!process_dead(victim)) {
		kill(victim, SIGKILL);
		TEST_FAIL("sleep (pid %d) outlived its parent", victim);
	}
}

static void spawn_wait_timeout_and_kill(void)
{
	char *const argv[] = {"sleep", "10", NULL};
	struct spawn_child c;
	struct spawn_opts o;
	int64_t start;
	int status;

	spawn_opts_init(&o);
	o.argv = argv;
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	CHECK(c.pid > 0 && c.pidfd >= 0);
	start = now_ms();
	CHECK_INT_EQ(spawn_wait_timeout(&c, 100, &status), -ETIMEDOUT);
	CHECK(now_ms() - start >= 90 && now_ms() - start < 5000);
	CHECK(c.pidfd >= 0); /* still running, still ours */
	CHECK_INT_EQ(spawn_kill(&c, SIGKILL), 0);
	CHECK_INT_EQ(spawn_wait_timeout(&c, 5000, &status), 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_INT_EQ(c.pidfd, -1);
	CHECK_INT_EQ(spawn_wait(&c, &status), -ECHILD);
}

/* A signal blocked here (as loop_signal_add() does) is not blocked in
 * the child. */
static void spawn_child_gets_empty_signal_mask(void)
{
	char *const argv[] = {"grep", "^SigBlk", "/proc/self/status", NULL};
	_cleanup_free_ char *out = NULL;
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	CHECK_INT_EQ(spawn_run(argv, &out, 0, NULL), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	CHECK_STR_EQ(out, "SigBlk:\t0000000000000000\n");
}

static void spawn_leaks_no_fds(void)
{
	char *const ok[] = {"true", NULL};
	char *const missing[] = {"/nonexistent/x", NULL};
	char *const nopath[] = {"nido-no-such-program", NULL};
	int before = test_count_fds();
	struct spawn_child c;
	struct spawn_opts o;
	int i;

	for (i = 0; i < 5; i++) {
		CHECK_INT_EQ(spawn_run(ok, NULL, 1, NULL), 0);
		CHECK(spawn_run(missing, NULL, 0, NULL) < 0);
		CHECK(spawn_run(nopath, NULL, 0, NULL) < 0);
	}
	spawn_opts_init(&o);
	o.argv = ok;
	CHECK_INT_EQ(spawn_start(&o, &c, NULL), 0);
	CHECK_INT_EQ(test_count_fds(), before + 1); /* the pidfd */
	CHECK_INT_EQ(spawn_wait(&c, NULL), 0);
	CHECK_INT_EQ(test_count_fds(), before);
}

static void spawn_status_strings(void)
{
	_cleanup_free_ char *a = spawn_status_str(3 << 8);
	_cleanup_free_ char *b = spawn_status_str(SIGKILL);
	_cleanup_free_ char *d = spawn_status_str(SIGSEGV | 0x80);

	CHECK_STR_EQ(a, "exited with status 3");
	CHECK_STR_EQ(b, "killed by SIGKILL");
	CHECK_STR_EQ(d, "killed by SIGSEGV (core dumped)");
}

int main(void)
{
	RUN(spawn_run_captures_output_and_status);
	RUN(spawn_run_reports_signal_as_128_plus);
	RUN(spawn_missing_program_is_an_error);
	RUN(spawn_not_executable_is_an_error);
	RUN(spawn_bad_cwd_names_directory);
	RUN(spawn_cwd_env_and_stdin);
	RUN(spawn_before_exec_holds_the_child);
	RUN(spawn_keep_fds_map_onto_numbers);
	RUN(spawn_keep_fds_validated);
	RUN(spawn_new_session);
	RUN(spawn_joins_cgroups_first);
	RUN(spawn_sets_ids_and_no_new_privs);
	RUN(spawn_die_with_parent);
	RUN(spawn_wait_timeout_and_kill);
	RUN(spawn_child_gets_empty_signal_mask);
	RUN(spawn_leaks_no_fds);
	RUN(spawn_status_strings);
	return test_done();
}
