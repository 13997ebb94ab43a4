// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido-vmm's sandbox: namespaces, an empty root, an unprivileged
 * identity without capabilities, no_new_privs, and a seccomp filter
 * (sandbox.h says in what order and why).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/securebits.h>
#include <malloc.h>
#include <sched.h>
#include <stdbool.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "lib/log.h"
#include "lib/util.h"
#include "vmm/sandbox.h"

/* Where the empty root is mounted before it becomes "/": a directory
 * every host has; the mount is private to the new namespace. */
static const char *const root_candidates[] = {"/tmp", "/mnt", "/run", NULL};

static int mount_empty_root(struct err **e)
{
	const char *dir = NULL;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(e, errno, "making the mounts private");
	for (size_t i = 0; root_candidates[i] && !dir; i++)
		if (mount("nido-vmm", root_candidates[i], "tmpfs",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,nr_inodes=2,mode=0555") == 0)
			dir = root_candidates[i];
	if (!dir)
		return err_sys(e, errno, "mounting an empty root (tmpfs)");
	if (chdir(dir) < 0)
		return err_sys(e, errno, "entering the empty root");
	/* pivot_root(".", "."): the old root ends up on top of the new one
	 * and is detached at once; no directory for it is needed. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_sys(e, errno, "pivot_root into the empty root");
	if (umount2(".", MNT_DETACH) < 0)
		return err_sys(e, errno, "detaching the host's file system");
	if (chdir("/") < 0)
		return err_sys(e, errno, "chdir /");
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return err_sys(e, errno, "making the empty root read-only");
	return 0;
}

/* Empties the bounding and ambient sets (needs CAP_SETPCAP: as root,
 * before the identity changes) and locks root's special treatment off. */
static int drop_capability_sets(struct err **e)
{
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return err_sys(e, errno,
				       "dropping capability %d from the "
				       "bounding set",
				       cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return err_sys(e, errno, "clearing the ambient capabilities");
	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			  SECBIT_NO_SETUID_FIXUP_LOCKED |
			  SECBIT_KEEP_CAPS_LOCKED,
		  0, 0, 0) < 0)
		return err_sys(e, errno, "setting the secure bits");
	return 0;
}

/* Leaves nothing in the permitted, effective and inheritable sets. */
static int clear_capabilities(struct err **e)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {0};

	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_sys(e, errno, "clearing the capabilities");
	return 0;
}

/*
 * /proc/self/pagemap, opened while there is a /proc: a save reads which
 * pages of anonymous guest RAM hold data from it. Opened with
 * CAP_SYS_ADMIN out of the effective set, so that the file never shows
 * the process physical frame numbers (the kernel decides that from the
 * opener's credentials, which the file keeps). -1 where it cannot be
 * opened: a save then reads all of RAM.
 */
int sandbox_open_pagemap(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct was[2], now[2];
	bool lowered = false;
	int fd, err;

	if (syscall(SYS_capget, &hdr, was) == 0 &&
	    (was[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	     CAP_TO_MASK(CAP_SYS_ADMIN))) {
		memcpy(now, was, sizeof(now));
		now[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &=
			~CAP_TO_MASK(CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, now) < 0)
			return -1;
		lowered = true;
	}
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	err = errno;
	if (lowered && syscall(SYS_capset, &hdr, was) < 0) {
		/* Without CAP_SYS_ADMIN back the sandbox cannot be set up:
		 * the caller finds out there, by name. */
		log_warn("restoring CAP_SYS_ADMIN after opening the pagemap: "
			 "%s",
			 strerror(errno));
	}
	if (fd < 0)
		log_debug("/proc/self/pagemap: %s (a save reads all of RAM)",
			  strerror(err));
	return fd;
}

static int change_identity(uid_t uid, gid_t gid, struct err **e)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (setgroups(0, NULL) < 0)
		return err_sys(e, errno, "dropping the supplementary groups");
	if (setresgid(gid, gid, gid) < 0)
		return err_sys(e, errno, "changing to gid %u", (unsigned)gid);
	if (setresuid(uid, uid, uid) < 0)
		return err_sys(e, errno, "changing to uid %u", (unsigned)uid);
	if (getresuid(&ru, &eu, &su) < 0 || ru != uid || eu != uid || su != uid)
		return err_set(e, EPERM, "the uid did not change to %u",
			       (unsigned)uid);
	if (getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid || sg != gid)
		return err_set(e, EPERM, "the gid did not change to %u",
			       (unsigned)gid);
	return clear_capabilities(e);
}

int sandbox_enter(const struct sandbox_opts *o, struct err **e)
{
	int r;

	if (!o->enabled)
		return 0;
	/* The C library reads the time zone file on first use (the RTC's
	 * localtime_r()): read it while there is a file system. */
	tzset();
	/* glibc's malloc counts the CPUs (/sys/devices/system/cpu/online)
	 * when a thread first needs an arena of its own, unless the number
	 * of arenas is set: set it to its default, 8 per CPU. */
	mallopt(M_ARENA_MAX, 8 * (int)MAX(sysconf(_SC_NPROCESSORS_ONLN), 1L));
	if (geteuid() == 0) {
		if (o->uid == 0 || o->gid == 0 || o->uid == (uid_t)-1 ||
		    o->gid == (gid_t)-1)
			return err_set(e, EINVAL,
				       "sandbox: refusing to run the VM as uid "
				       "or gid 0");
		if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
			    CLONE_NEWNET | CLONE_NEWCGROUP) < 0)
			return err_sys(e, errno,
				       "sandbox: entering new "
				       "namespaces");
		r = mount_empty_root(e);
		if (r == 0)
			r = drop_capability_sets(e);
		if (r == 0)
			r = change_identity(o->uid, o->gid, e);
		if (r < 0)
			return err_prefix(e, "sandbox");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, errno, "sandbox: setting no_new_privs");
	return 0;
}

/*
 * The system calls of a running nido-vmm: its loop (epoll, timers,
 * signals, eventfds), the control socket and console clients, vCPU
 * threads (KVM ioctls, kicks), the block layer (file I/O, io_uring,
 * locks, worker threads) and the C library's memory and thread
 * management. Opening files, making sockets, exec, ptrace, mount, and
 * everything else is refused by killing the process.
 */
static const int allowed[] = {
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(readv),
	SCMP_SYS(writev),
	SCMP_SYS(pread64),
	SCMP_SYS(pwrite64),
	SCMP_SYS(preadv),
	SCMP_SYS(pwritev),
	SCMP_SYS(preadv2),
	SCMP_SYS(pwritev2),
	SCMP_SYS(lseek),
	SCMP_SYS(close),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(statx),
	SCMP_SYS(dup),
	SCMP_SYS(dup3),
	SCMP_SYS(fsync),
	SCMP_SYS(fdatasync),
	SCMP_SYS(fallocate),
	SCMP_SYS(ftruncate),
	SCMP_SYS(mmap),
	SCMP_SYS(munmap),
	SCMP_SYS(mprotect),
	SCMP_SYS(madvise),
	SCMP_SYS(mremap),
	SCMP_SYS(brk),
	SCMP_SYS(futex),
	SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq),
	SCMP_SYS(sched_yield),
	SCMP_SYS(sched_getaffinity),
	SCMP_SYS(gettid),
	SCMP_SYS(getpid),
	SCMP_SYS(getuid),
	SCMP_SYS(geteuid),
	SCMP_SYS(getgid),
	SCMP_SYS(getegid),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction),
	SCMP_SYS(rt_sigtimedwait),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_getres),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep),
	SCMP_SYS(getrandom),
	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(timerfd_settime),
	SCMP_SYS(timerfd_gettime),
	SCMP_SYS(eventfd2),
	SCMP_SYS(signalfd4),
	SCMP_SYS(timerfd_create),
	SCMP_SYS(accept4),
	SCMP_SYS(recvfrom),
	SCMP_SYS(recvmsg),
	SCMP_SYS(sendto),
	SCMP_SYS(sendmsg),
	SCMP_SYS(shutdown),
	SCMP_SYS(getsockopt),
	SCMP_SYS(io_uring_enter),
	SCMP_SYS(io_uring_register),
	SCMP_SYS(membarrier),
};

/* tap offloads (the guest sets its features), the console terminal,
 * a block device's size. */
static const unsigned long other_ioctls[] = {
	TUNSETOFFLOAD, TCGETS, TCSETS, TCSETSW, TCSETSF, BLKGETSIZE64,
};

/* fcntl: descriptor flags and duplicates. Not the locks: the image
 * locks and the sandbox slot's lock are what keep other VMs off a disk
 * and off this identity; a taken-over VMM must not drop or take them
 * (the attempt fails, it does not kill: closing at exit may try). */
static const int fcntl_allowed[] = {
	F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC, F_OFD_GETLK,
};
static const int fcntl_refused[] = {
	F_SETLK,
	F_SETLKW,
	F_OFD_SETLK,
	F_OFD_SETLKW,
};

static int add_fcntl_prctl(scmp_filter_ctx ctx)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(fcntl_allowed); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				     SCMP_A1(SCMP_CMP_EQ, fcntl_allowed[i]));
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(fcntl_refused); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
				     SCMP_SYS(fcntl), 1,
				     SCMP_A1(SCMP_CMP_EQ, fcntl_refused[i]));
	/* prctl: a thread naming itself (lib/thread.c), nothing else. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				     SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				     SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	return r;
}

static int add_rules(scmp_filter_ctx ctx)
{
	int r = add_fcntl_prctl(ctx);

	if (r < 0)
		return r;

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
		if (r < 0)
			return r;
	}
	/* Removing its sockets at exit: the empty root has none to
	 * remove (whoever started the VM does it); fail, do not kill. */
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(unlink), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
				     SCMP_SYS(unlinkat), 0);
	/* Threads only (no fork): glibc falls back from clone3, whose
	 * flags a filter cannot read, to clone. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				     SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
					     CLONE_THREAD));
	/* vCPU kicks: signals to our own threads only. */
	if (r == 0)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* ioctls: KVM's (type 0xAE), and the few others nido-vmm makes
	 * at run time. Never TIOCSTI or TIOCLINUX: a standalone console
	 * on the user's terminal must not let the guest type into it. */
	if (r == 0)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, KVMIO << 8));
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(other_ioctls); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_EQ, other_ioctls[i]));
	return r;
}

int sandbox_seccomp(struct err **e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r;

	if (!ctx)
		return err_set(e, ENOMEM, "sandbox: seccomp_init failed");
	r = add_rules(ctx);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return err_sys(e, -r, "sandbox: installing the seccomp filter");
	return 0;
}

/*
 * The parent of sandbox_pidns(): passes SIGTERM, SIGINT and SIGHUP on,
 * waits, cleans up. It takes signals by waiting for them (blocked, as in
 * every thread of nido-vmm), never in a handler.
 */
static void relay_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

/* What was at each cleanup path before the VM ran (0: nothing). */
#define RELAY_MAX_PATHS 4

static int relay(pid_t child, char *const *cleanup_paths,
		 const ino_t before[RELAY_MAX_PATHS])
{
	struct signalfd_siginfo si;
	sigset_t set;
	int status = 0, sfd;

	/* A signalfd rather than sigwaitinfo(): the signals stay blocked
	 * all along, as /proc shows them. */
	relay_signals(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	while (waitpid(child, &status, WNOHANG) == 0) {
		int sig = 0;

		if (sfd < 0)
			sig = sigwaitinfo(&set, NULL); /* no signalfd */
		else if (read(sfd, &si, sizeof(si)) == sizeof(si))
			sig = (int)si.ssi_signo;
		if (sig > 0 && sig != SIGCHLD)
			kill(child, sig);
	}
	close_safe(sfd);
	for (size_t i = 0; cleanup_paths && cleanup_paths[i]; i++) {
		struct stat st;

		/* Only the sockets the VM made: never a file in the way, nor
		 * the live socket of another VM it found there. */
		if (lstat(cleanup_paths[i], &st) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_ino != before[i])
			unlink(cleanup_paths[i]);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int sandbox_pidns(char *const *cleanup_paths, int *status, struct err **e)
{
	ino_t before[RELAY_MAX_PATHS] = {0};
	sigset_t set, old;
	pid_t pid;

	for (size_t i = 0; cleanup_paths && cleanup_paths[i]; i++) {
		struct stat st;

		if (i == RELAY_MAX_PATHS)
			return err_set(e, E2BIG, "sandbox: too many sockets");
		if (lstat(cleanup_paths[i], &st) == 0)
			before[i] = st.st_ino;
	}
	if (unshare(CLONE_NEWPID) < 0)
		return err_sys(e, errno,
			       "sandbox: entering a new pid "
			       "namespace");
	/* Blocked before the fork: no signal may kill the relay before
	 * it waits for them; the child gets its mask back. */
	relay_signals(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return err_sys(e, errno, "sandbox: fork");
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* The relay keeps the terminal: we must not outlive it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		return 0;
	}
	*status = relay(pid, cleanup_paths, before);
	return 1;
}
