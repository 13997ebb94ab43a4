/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System containers (docs/containers.md): a library that starts a
 * container's init in new mount, pid, uts, ipc, net, cgroup and user
 * namespaces, on a root file system the caller names, with a minimal
 * /dev, /proc and /sys read-only with masks, a bounded capability set and
 * a seccomp profile. It never prints; errors travel as struct err.
 *
 * Everything that allocates or parses is done by ct_spawn() in the
 * caller's process before the clone; the child only makes system calls
 * from a prepared plan (ct-spawn.c), so a threaded caller (nidod) may use
 * it. The caller owns the child: its pid and pidfd, reaping it, and its
 * cgroups (it passes their cgroup.procs files in).
 */
#ifndef NIDO_CT_CT_H
#define NIDO_CT_CT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

#define CT_MAX_IDMAP 5 /* lines of uid_map / gid_map (libvirt's limit) */

/* One line of a uid or gid map: ids @start.. inside are @target.. on
 * the host. */
struct ct_idmap {
	uint32_t start, target, count;
};

struct ct_ids {
	struct ct_idmap uid[CT_MAX_IDMAP], gid[CT_MAX_IDMAP];
	size_t n_uid, n_gid;
};

/* A bind mount of a host directory (or file) into the container. */
struct ct_mount {
	const char *source; /* host path; NULL: a tmpfs (or @mount_fd) */
	int mount_fd;	    /* >= 0: a ct_image_mount() to move there */
	const char *target; /* absolute path inside the container */
	uint64_t tmpfs_kib; /* the tmpfs's size, when no @source */
	bool readonly;
};

struct ct_config {
	const char *hostname;
	const char *root; /* host directory of the root file system */
	bool root_readonly;
	/* >= 0: a ct_image_mount() the init moves onto @root (an empty
	 * directory) in its own mount namespace, before anything else */
	int root_mount_fd;
	const struct ct_mount *mounts;
	size_t n_mounts;
	char *const *argv; /* argv[0]: the init, a path inside */
	char *const *envp;
	const char *cwd; /* inside; NULL: "/" */
	/* The init's user and group inside (<inituser>, <initgroup>),
	 * taken after the capability bound and the seccomp profile; -1:
	 * root's. */
	int64_t init_uid, init_gid;
	struct ct_ids ids;
	int console_fd;	       /* a pty slave: /dev/console and fds 0-2 */
	const int *cgroup_fds; /* cgroup.procs files the child joins */
	size_t n_cgroup_fds;
	/* Called once the init exists (its maps written, in its cgroups),
	 * before its set-up runs: what the caller makes in its namespaces,
	 * such as its interfaces. A failure ends the start. NULL: none. */
	int (*prepare)(pid_t pid, void *opaque, struct err **e);
	void *opaque;
	/* Interfaces the child sets up (as libvirt's lxc driver does), after
	 * the loopback, which always is. At most CT_MAX_LINKS. */
	const char *const *links_up;
	size_t n_links_up;
};
#define CT_MAX_LINKS 32

struct ct_proc {
	pid_t pid; /* the init, in the caller's pid namespace */
	int pidfd; /* owned by the caller */
};

/*
 * Starts the container: returns 0 once its init has been executed (the
 * set-up is over), or -errno with @e naming the step that failed (and
 * nothing left running).
 */
int ct_spawn(const struct ct_config *c, struct ct_proc *p, struct err **e);

/*
 * A command in every namespace of a running container (ct-exec.c): its
 * user (when @userns), mount, pid, uts, ipc, net and cgroup namespaces
 * and its cgroups, as the container's root with the init's capability
 * bound and seccomp profile, no more privileged than its init.
 */
struct ct_exec_config {
	int init_pidfd;	   /* the container's init */
	bool userns;	   /* the container has a user namespace */
	char *const *argv; /* argv[0]: a path inside, or a name looked
			      up in the init's PATH */
	char *const *envp;
	const int *cgroup_fds; /* the container's cgroup.procs files */
	size_t n_cgroup_fds;
	int stdio[3]; /* the command's fds 0, 1, 2 */
};

/*
 * Starts the command: returns 0 once it has been executed, with @p the
 * process that waits for it and ends with its exit status (128 + N when
 * a signal N ended it); killing that process kills the command. Or
 * -errno with @e naming the step that failed, nothing left running.
 */
int ct_exec(const struct ct_exec_config *c, struct ct_proc *p, struct err **e);

/*
 * The default id range of containers: the second range of the user
 * "nido" in @subuid and @subgid (paths; NULL: /etc/subuid, /etc/subgid),
 * else CT_IDS_DEFAULT_BASE, 65536 ids (after the VM sandbox's range,
 * lib/idrange.h). Fills one line of each map from 0.
 */
#define CT_IDS_DEFAULT_BASE 0x6e6a0000u
#define CT_IDS_COUNT	    65536u
void ct_ids_default(struct ct_ids *ids, const char *subuid, const char *subgid);

/*
 * Checks a map: 1 to CT_MAX_IDMAP lines, counts > 0, no overflow, the
 * ranges inside and on the host each disjoint, and 0 inside mapped.
 * @what names it ("uid map"). Returns 0 or -EINVAL with @e filled.
 */
int ct_idmap_check(const struct ct_idmap *m, size_t n, const char *what,
		   struct err **e);

/* The host uid (gid) of @id inside, or (uid_t)-1 when unmapped. */
uint32_t ct_idmap_host(const struct ct_idmap *m, size_t n, uint32_t id);

/*
 * The id of user or group @name (a number is its own id) in the file
 * @file ("etc/passwd", "etc/group") of root file system @root, its
 * symbolic links resolved inside it. 0, or -errno with @e.
 */
int ct_lookup_id(const char *root, const char *file, const char *name,
		 uint32_t *id, struct err **e);

/* Writes the maps of @pid (running as root: directly; else through
 * newuidmap and newgidmap). */
int ct_idmap_write(pid_t pid, const struct ct_ids *ids, struct err **e);

/*
 * The security set-up, prepared in the caller (ct-sec.c). The
 * capabilities dropped from the bounding set (LXC's default drop list);
 * the seccomp profile as a BPF program (malloc'ed, @len instructions).
 */
struct ct_sec {
	int drop[16];
	size_t n_drop;
	uint64_t keep_mask; /* every capability up to the last, minus drop */
	void *bpf;	    /* struct sock_filter[] */
	size_t bpf_len;
};
int ct_sec_prepare(struct ct_sec *s, struct err **e);
void ct_sec_clear(struct ct_sec *s);
/* The names of the dropped capabilities and denied system calls, for
 * the documentation and tests; NULL-terminated. */
extern const char *const ct_cap_drop_names[];
extern const char *const ct_seccomp_denied[];

/*
 * Unpacks the template @archive (a tar, plain or compressed, as LXC and
 * Proxmox ship root file systems) into directory @dir (made if absent),
 * every owner moved into @ids' range as it is written (ct-template.c).
 * Entries that would leave @dir are refused; device nodes are skipped
 * and counted. Changes the working directory while it runs (a program's
 * call, not a threaded daemon's). 0, or -errno with @e naming the entry.
 */
struct ct_template_stats {
	size_t entries, devices_skipped;
};
int ct_template_unpack(const char *archive, const char *dir,
		       const struct ct_ids *ids, struct ct_template_stats *st,
		       struct err **e);

/*
 * Mounts the file system of @path detached (in no mount namespace, for
 * ct_config's root_mount_fd or a ct_mount's mount_fd): an image file
 * (ext2/3/4, xfs or btrfs, raw) attached to a loop device when @loop,
 * else a block device; nodev, and read-only when @readonly (the loop
 * device too). Returns the mount's fd (close-on-exec, the caller's), or
 * -errno with @e naming the file and the problem (a qcow2 image is
 * named so). The loop device goes when the mount goes: closing the fd
 * of a mount no namespace took, or the end of the namespace that did.
 */
int ct_image_mount(const char *path, bool loop, bool readonly, struct err **e);

/* Signals the init @exe (its /proc/PID/exe target) powers off on:
 * SIGRTMIN+4 for systemd, SIGUSR2 for busybox, else SIGPWR. */
int ct_poweroff_signal(const char *exe);
/* The signal to reboot: SIGINT for systemd and sysvinit (ctrl-alt-del),
 * SIGTERM for busybox. */
int ct_reboot_signal(const char *exe);

#endif
