// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Starting a container (ct.h). The parent prepares a plan: every path,
 * flag and string the child needs, and the BPF of the seccomp profile.
 * The child, cloned into its namespaces, waits until the parent has
 * written its id maps and moved it into its cgroups, then runs the plan
 * with system calls only (the parent may have threads: no malloc, no
 * locks after the clone), and executes the init. A failed step is
 * written back as (step, errno) on a pipe that the exec closes.
 *
 * The order matters (docs/containers.md): host paths are looked up while
 * the child still has the parent's credentials (a root file system under
 * a 0700 directory is reachable), then it becomes root of its user
 * namespace, so that /proc, /sys and /dev are mounted and made by the
 * container's root; proc and sysfs are mounted while the host's are
 * still visible (the kernel requires it in a user namespace); the host's
 * tree goes last, with pivot_root.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <net/if.h>
#include <sys/socket.h>

#include "ct/ct-child.h"
#include "ct/ct.h"
#include "lib/util.h"

enum op_kind {
	OP_MOUNT,    /* mount(a, b, fstype, flags, data) */
	OP_REMOUNT,  /* b: a bind remount with flags, keeping locked ones */
	OP_MKDIR,    /* b, mode in flags; an existing one is fine */
	OP_CREATE,   /* b: an empty file (a device's mount point) */
	OP_SYMLINK,  /* b -> a */
	OP_CHDIR,    /* b */
	OP_IDS,	     /* becomes root of its user namespace */
	OP_PIVOT,    /* pivot_root into ".", the old root detached */
	OP_CGROUPNS, /* unshare(CLONE_NEWCGROUP), once in its cgroups */
	OP_LINK_UP,  /* interface b up (SIOCSIFFLAGS) */
	OP_MOVE,     /* the detached mount fd onto b (move_mount) */
};

struct op {
	enum op_kind kind;
	const char *a, *b, *fstype, *data;
	unsigned long flags;
	int fd;	       /* OP_MOVE's mount */
	bool optional; /* ENOENT (and EINVAL for a mask) is no failure */
};

#define MAX_OPS 192

struct plan {
	struct op ops[MAX_OPS];
	size_t n;
	char *owned[MAX_OPS]; /* strings to free */
	size_t n_owned;
	bool userns;
	const struct ct_config *c;
	struct ct_sec sec;
};

static struct op *add(struct plan *p, enum op_kind k, const char *a,
		      const char *b)
{
	struct op *o = &p->ops[p->n++];

	/* the plan is fixed in size: a config adds at most its mounts */
	*o = (struct op){.kind = k, .a = a, .b = b};
	return o;
}

static const char *own(struct plan *p, char *s)
{
	p->owned[p->n_owned++] = s;
	return s;
}

#define MNT_FLAGS_SAFE (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static void plan_mount(struct plan *p, const char *src, const char *dst,
		       const char *fstype, unsigned long flags,
		       const char *data, bool optional)
{
	struct op *o = add(p, OP_MOUNT, src, dst);

	o->fstype = fstype;
	o->flags = flags;
	o->data = data;
	o->optional = optional;
}

static void plan_bind(struct plan *p, const char *src, const char *dst, bool ro,
		      bool optional)
{
	struct op *o;

	plan_mount(p, src, dst, NULL, MS_BIND | MS_REC, NULL, optional);
	if (!ro)
		return;
	o = add(p, OP_REMOUNT, NULL, dst);
	o->flags = MS_RDONLY;
	o->optional = optional;
}

static void plan_move(struct plan *p, int fd, const char *dst)
{
	add(p, OP_MOVE, NULL, dst)->fd = fd;
}

/* The host's tree: the root and the definition's bind mounts; image
 * file systems moved in (the tree is private by then: the host sees
 * none of it). */
static void plan_host(struct plan *p)
{
	const struct ct_config *c = p->c;

	plan_mount(p, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, false);
	if (c->root_mount_fd >= 0)
		plan_move(p, c->root_mount_fd, c->root);
	plan_mount(p, c->root, c->root, NULL, MS_BIND | MS_REC, NULL, false);
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct ct_mount *m = &c->mounts[i];
		const char *dst;

		if (!m->source && m->mount_fd < 0)
			continue;
		dst = own(p, xasprintf("%s%s", c->root, m->target));
		if (m->source)
			plan_bind(p, m->source, dst, m->readonly, false);
		else
			plan_move(p, m->mount_fd, dst);
	}
	add(p, OP_CHDIR, NULL, c->root);
	if (p->userns)
		add(p, OP_IDS, NULL, NULL);
	add(p, OP_CGROUPNS, NULL, NULL);
	/* tmpfs mounts made by the container's root, so that it owns
	 * them; by paths from the root, where the child is */
	for (size_t i = 0; i < c->n_mounts; i++)
		if (!c->mounts[i].source && c->mounts[i].mount_fd < 0)
			plan_mount(
				p, "tmpfs", c->mounts[i].target + 1, "tmpfs",
				MS_NOSUID | MS_NODEV |
					(c->mounts[i].readonly ? MS_RDONLY : 0),
				own(p, xasprintf("size=%" PRIu64 "k,mode=755",
						 c->mounts[i].tmpfs_kib)),
				false);
}

/* /proc with the masks of docker and LXC: files that show the host's
 * memory, keys or timers read as /dev/null; the kernel's knobs read-only. */
static void plan_proc(struct plan *p)
{
	static const char *const masked[] = {
		"proc/kcore",	    "proc/keys",	  "proc/timer_list",
		"proc/sched_debug", "proc/latency_stats", "proc/timer_stats"};
	static const char *const empty[] = {"proc/acpi", "proc/scsi",
					    "proc/asound"};
	static const char *const ro[] = {"proc/sys", "proc/sysrq-trigger",
					 "proc/irq", "proc/bus", "proc/fs"};

	add(p, OP_MKDIR, NULL, "proc")->flags = 0555;
	plan_mount(p, "proc", "proc", "proc", MNT_FLAGS_SAFE, NULL, false);
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++)
		plan_bind(p, "/dev/null", masked[i], false, true);
	for (size_t i = 0; i < ARRAY_SIZE(empty); i++)
		plan_mount(p, "tmpfs", empty[i], "tmpfs",
			   MNT_FLAGS_SAFE | MS_RDONLY, "size=0", true);
	for (size_t i = 0; i < ARRAY_SIZE(ro); i++)
		plan_bind(p, ro[i], ro[i], true, true);
}

/* A minimal /dev: a few host devices bound in, the console, a devpts
 * of its own; no other host device exists inside. */
static void plan_dev(struct plan *p)
{
	static const char *const devs[] = {"null",   "zero",	"full",
					   "random", "urandom", "tty"};
	static const char *const links[][2] = {
		{"pts/ptmx", "dev/ptmx"},
		{"/proc/self/fd", "dev/fd"},
		{"/proc/self/fd/0", "dev/stdin"},
		{"/proc/self/fd/1", "dev/stdout"},
		{"/proc/self/fd/2", "dev/stderr"}};

	add(p, OP_MKDIR, NULL, "dev")->flags = 0755;
	plan_mount(p, "tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
		   "mode=755,size=1024k", false);
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		const char *dst = own(p, xasprintf("dev/%s", devs[i]));

		add(p, OP_CREATE, NULL, dst);
		plan_bind(p, own(p, xasprintf("/dev/%s", devs[i])), dst, false,
			  false);
	}
	add(p, OP_MKDIR, NULL, "dev/pts")->flags = 0755;
	plan_mount(p, "devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		   "newinstance,ptmxmode=0666,mode=0620,gid=5", false);
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		add(p, OP_SYMLINK, links[i][0], links[i][1]);
	add(p, OP_MKDIR, NULL, "dev/shm")->flags = 01777;
	plan_mount(p, "tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
		   "mode=1777", false);
	add(p, OP_MKDIR, NULL, "dev/mqueue")->flags = 0755;
	plan_mount(p, "mqueue", "dev/mqueue", "mqueue", MNT_FLAGS_SAFE, NULL,
		   true);
}

static int plan_make(struct plan *p, const struct ct_config *c, struct err **e)
{
	char pty[64];

	memset(p, 0, sizeof(*p));
	p->c = c;
	p->userns = c->ids.n_uid > 0;
	if (c->n_mounts > 16)
		return err_set(e, E2BIG, "%zu bind mounts (at most 16)",
			       c->n_mounts);
	if (c->n_links_up > CT_MAX_LINKS)
		return err_set(e, E2BIG, "%zu interfaces (at most %d)",
			       c->n_links_up, CT_MAX_LINKS);
	plan_host(p);
	/* its own network namespace, as its root: the interfaces nidod
	 * put there, up */
	add(p, OP_LINK_UP, NULL, "lo");
	for (size_t i = 0; i < c->n_links_up; i++)
		add(p, OP_LINK_UP, NULL, c->links_up[i]);
	plan_proc(p);
	add(p, OP_MKDIR, NULL, "sys")->flags = 0555;
	plan_mount(p, "sysfs", "sys", "sysfs", MNT_FLAGS_SAFE | MS_RDONLY, NULL,
		   false);
	plan_mount(p, "tmpfs", "sys/firmware", "tmpfs",
		   MNT_FLAGS_SAFE | MS_RDONLY, "size=0", true);
	plan_dev(p);
	if (c->console_fd >= 0) {
		/* by its path: a bind mount's source must be in the child's
		 * mount namespace, which an fd of ours is not */
		if (ttyname_r(c->console_fd, pty, sizeof(pty)) != 0)
			return err_sys(e, errno, "naming the console's pty");
		add(p, OP_CREATE, NULL, "dev/console");
		plan_bind(p, own(p, xstrdup(pty)), "dev/console", false, false);
	}
	add(p, OP_PIVOT, NULL, NULL);
	if (c->root_readonly)
		add(p, OP_REMOUNT, NULL, "/")->flags = MS_RDONLY;
	return ct_sec_prepare(&p->sec, e);
}

static void plan_clear(struct plan *p)
{
	for (size_t i = 0; i < p->n_owned; i++)
		free(p->owned[i]);
	ct_sec_clear(&p->sec);
}

/* ------------------------------------------------------------------ */
/* The child: system calls only. */

struct child_report {
	int step; /* index of the op, or one of the STEP_* below */
	int err;
};

enum {
	STEP_SYNC = -1,
	STEP_HOSTNAME = -2,
	STEP_CONSOLE = -3,
	STEP_CWD = -4,
	STEP_CAPS = -5,
	STEP_SECCOMP = -6,
	STEP_EXEC = -7,
	STEP_USER = -8,
};

NORETURN static void child_fail(int fd, int step)
{
	struct child_report r = {step, errno};

	if (write(fd, &r, sizeof(r)) < 0) {
		/* the parent sees EOF and a dead child */
	}
	_exit(127);
}

/* The flags the kernel locks on a mount seen from a user namespace:
 * a bind remount must keep them. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs s;
	unsigned long f = 0;

	if (statvfs(path, &s) < 0)
		return 0;
	if (s.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (s.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (s.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (s.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (s.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (s.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/*
 * Raw system calls: glibc's wrappers would ask every thread it believes
 * the process has (the daemon's, copied by the clone) to change too.
 */
int ct_child_become_root(void)
{
	if (syscall(SYS_setresgid, 0, 0, 0) < 0 ||
	    syscall(SYS_setresuid, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_setgroups, 0, NULL);
}

static int pivot(void)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -1;
	if (umount2(".", MNT_DETACH) < 0)
		return -1;
	return chdir("/");
}

static int link_up(const char *name)
{
	struct ifreq r = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (fd < 0)
		return -1;
	strncpy(r.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &r) == 0) {
		r.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &r);
	}
	close(fd);
	return ret;
}

static int run_op(const struct op *o)
{
	int fd;

	switch (o->kind) {
	case OP_MOUNT:
		return mount(o->a, o->b, o->fstype, o->flags, o->data);
	case OP_REMOUNT:
		return mount(NULL, o->b, NULL,
			     MS_BIND | MS_REMOUNT | o->flags |
				     locked_flags(o->b),
			     NULL);
	case OP_MKDIR:
		if (mkdir(o->b, (mode_t)o->flags) < 0 && errno != EEXIST)
			return -1;
		return 0;
	case OP_CREATE:
		fd = open(o->b, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
			  0644);
		return fd < 0 ? -1 : close(fd);
	case OP_SYMLINK:
		if (symlink(o->a, o->b) < 0 && errno != EEXIST)
			return -1;
		return 0;
	case OP_CHDIR:
		return chdir(o->b);
	case OP_IDS:
		return ct_child_become_root();
	case OP_PIVOT:
		return pivot();
	case OP_CGROUPNS:
		return unshare(CLONE_NEWCGROUP);
	case OP_LINK_UP:
		return link_up(o->b);
	case OP_MOVE:
		return move_mount(o->fd, "", AT_FDCWD, o->b,
				  MOVE_MOUNT_F_EMPTY_PATH);
	}
	errno = EINVAL;
	return -1;
}

int ct_child_drop_caps(const struct ct_sec *s)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	for (size_t i = 0; i < s->n_drop; i++)
		if (prctl(PR_CAPBSET_DROP, s->drop[i], 0, 0, 0) < 0)
			return -1;
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		uint32_t keep = (uint32_t)(s->keep_mask >> (32 * i));

		d[i].effective &= keep;
		d[i].permitted &= keep;
		d[i].inheritable &= keep;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		return -1;
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

static int console(int fd)
{
	if (setsid() < 0)
		return -1;
	if (fd < 0)
		return 0;
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return -1;
	return ioctl(0, TIOCSCTTY, 0);
}

void ct_child_reset_signals(void)
{
	sigset_t all;
	struct sigaction dfl = {.sa_handler = SIG_DFL};

	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL); /* fails for SIGKILL, SIGSTOP */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

NORETURN static void child(const struct plan *p, int sync_fd, int report_fd)
{
	const struct ct_config *c = p->c;
	struct sock_fprog prog = {(unsigned short)p->sec.bpf_len, p->sec.bpf};
	char b;

	ct_child_reset_signals();
	if (read(sync_fd, &b, 1) != 1)
		child_fail(report_fd, STEP_SYNC);
	for (size_t i = 0; i < p->n; i++)
		if (run_op(&p->ops[i]) < 0 &&
		    !(p->ops[i].optional &&
		      (errno == ENOENT || errno == EINVAL)))
			child_fail(report_fd, (int)i);
	if (sethostname(c->hostname, strlen(c->hostname)) < 0)
		child_fail(report_fd, STEP_HOSTNAME);
	if (console(c->console_fd) < 0)
		child_fail(report_fd, STEP_CONSOLE);
	if (chdir(c->cwd ? c->cwd : "/") < 0)
		child_fail(report_fd, STEP_CWD);
	/* nothing of the daemon's goes across the exec */
	syscall(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC);
	if (ct_child_drop_caps(&p->sec) < 0)
		child_fail(report_fd, STEP_CAPS);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		child_fail(report_fd, STEP_SECCOMP);
	/* a user other than root loses the capabilities here */
	if ((c->init_gid >= 0 && syscall(SYS_setresgid, c->init_gid,
					 c->init_gid, c->init_gid) < 0) ||
	    (c->init_uid >= 0 &&
	     syscall(SYS_setresuid, c->init_uid, c->init_uid, c->init_uid) < 0))
		child_fail(report_fd, STEP_USER);
	execve(c->argv[0], c->argv, c->envp);
	child_fail(report_fd, STEP_EXEC);
}

/* ------------------------------------------------------------------ */
/* The parent. */

static int report_err(const struct plan *p, const struct child_report *r,
		      struct err **e)
{
	static const char *const steps[] = {"waiting for the daemon",
					    "setting the host name",
					    "setting up the console",
					    "entering the init's directory",
					    "bounding the capabilities",
					    "loading the seccomp profile",
					    "executing the init",
					    "taking the init's user and group"};
	const struct op *o;

	if (r->step < 0 && -r->step <= (int)ARRAY_SIZE(steps)) {
		if (r->step == STEP_EXEC)
			return err_sys(e, r->err, "executing the init '%s'",
				       p->c->argv[0]);
		return err_sys(e, r->err, "%s", steps[-r->step - 1]);
	}
	if (r->step < 0 || (size_t)r->step >= p->n)
		return err_set(e, EIO, "the container's set-up failed");
	o = &p->ops[r->step];
	switch (o->kind) {
	case OP_MOUNT:
		return err_sys(e, r->err, "mounting %s%s'%s' on '%s'",
			       o->fstype ? o->fstype : "", o->fstype ? " " : "",
			       o->a ? o->a : "", o->b);
	case OP_REMOUNT:
		return err_sys(e, r->err, "making '%s' read-only", o->b);
	case OP_IDS:
		return err_sys(e, r->err,
			       "becoming root of the user namespace");
	case OP_PIVOT:
		return err_sys(e, r->err, "pivot_root into '%s'", p->c->root);
	case OP_CGROUPNS:
		return err_sys(e, r->err, "entering a cgroup namespace");
	case OP_LINK_UP:
		return err_sys(e, r->err, "setting interface '%s' up", o->b);
	case OP_MOVE:
		return err_sys(e, r->err, "mounting the image on '%s'", o->b);
	default:
		return err_sys(e, r->err, "making '%s'", o->b);
	}
}

static pid_t clone_child(const struct plan *p, int *pidfd, struct err **e)
{
	struct clone_args a = {
		.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
			 CLONE_NEWIPC | CLONE_NEWNET | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid;

	if (p->userns)
		a.flags |= CLONE_NEWUSER;
	pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid < 0)
		err_sys(e, errno, "cloning the container's init");
	return pid;
}

/* The daemon's half once the child exists: maps, cgroups, go. */
static int release_child(const struct plan *p, pid_t pid, int sync_fd,
			 struct err **e)
{
	const struct ct_config *c = p->c;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);

	if (p->userns && ct_idmap_write(pid, &c->ids, e) < 0)
		return -EPERM;
	for (size_t i = 0; i < c->n_cgroup_fds; i++)
		if (write(c->cgroup_fds[i], buf, (size_t)n) != n)
			return err_sys(e, errno,
				       "moving the init into its "
				       "cgroup");
	if (c->prepare && c->prepare(pid, c->opaque, e) < 0)
		return -EIO;
	if (write(sync_fd, "g", 1) != 1)
		return err_sys(e, errno, "releasing the init");
	return 0;
}

static int wait_report(const struct plan *p, int report_fd, struct err **e)
{
	struct child_report r;
	ssize_t n;

	do
		n = read(report_fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0; /* the exec closed it */
	if (n != (ssize_t)sizeof(r))
		return err_set(e, EIO,
			       "the container's init died in its "
			       "set-up");
	return report_err(p, &r, e);
}

int ct_spawn(const struct ct_config *c, struct ct_proc *out, struct err **e)
{
	struct plan *p = xcalloc(1, sizeof(*p));
	int sync[2] = {-1, -1}, report[2] = {-1, -1}, pidfd = -1, r;
	pid_t pid = -1;

	r = plan_make(p, c, e);
	if (r == 0 &&
	    (pipe2(sync, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0))
		r = err_sys(e, errno, "pipe");
	if (r == 0 && (pid = clone_child(p, &pidfd, e)) < 0)
		r = -EIO;
	if (r == 0 && pid == 0) {
		close(sync[1]);
		close(report[0]);
		child(p, sync[0], report[1]);
	}
	close_safe(sync[0]);
	close_safe(report[1]);
	if (r == 0)
		r = release_child(p, pid, sync[1], e);
	close_safe(sync[1]); /* a child still waiting reads EOF and ends */
	if (r == 0)
		r = wait_report(p, report[0], e);
	close_safe(report[0]);
	if (r < 0 && pid > 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, 0);
		close(pidfd);
	} else if (r == 0) {
		out->pid = pid;
		out->pidfd = pidfd;
	}
	plan_clear(p);
	free(p);
	return r;
}
