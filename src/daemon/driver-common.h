/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the drivers that run one host process per domain (kvm: nido-vmm,
 * qemu: QEMU) share: recognising their process again after a restart,
 * their log, their run-time record and their cgroup's statistics.
 */
#ifndef NIDO_DAEMON_DRIVER_COMMON_H
#define NIDO_DAEMON_DRIVER_COMMON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/domain.h"
#include "lib/err.h"

/*
 * Field 22 of /proc/PID/stat (start time in clock ticks since boot), or
 * 0 when the process is gone or a zombie: with the pid, it tells a
 * re-attaching daemon that the process is still the one it started.
 */
uint64_t driver_proc_start_time(pid_t pid);

/* Opens (appends to, creates 0600) the domain's log; returns the fd or
 * -errno with @e filled. */
int driver_open_log(const char *path, struct err **e);

/* A file for a chardev to write (a <serial type='file'>, a <log file=>),
 * named @what in errors: made (0600) or an existing regular file with
 * one name, never through a symbolic link; appended to or truncated. */
int driver_open_file(const char *what, const char *path, bool append,
		     struct err **e);

/*
 * Stops a VM's process at once, on the caller's thread: @signal(@opaque,
 * SIGTERM) (its caches written out), then after @term_ms
 * @signal(@opaque, SIGKILL) (*@killed set), waiting up to @kill_ms more
 * for its pidfd. 0 once it ended (not reaped), -ETIMEDOUT if not.
 */
int driver_stop_wait(int pidfd, void (*signal)(void *opaque, int sig),
		     void *opaque, int term_ms, int kill_ms, bool *killed);

/* *@out: a malloc'ed copy of the string @key of the run-time record. */
int driver_rec_string(struct json_object *rec, const char *key, char **out,
		      struct err **e);

/* The reason a re-attached domain runs with, from its record. */
enum domain_reason driver_rec_reason(struct json_object *rec);

/*
 * A VM's limits on its cgroups (either driver's): <memtune>, <cputune>'s
 * shares, period and quota (driver_cpu_bandwidth), <blkiotune>. 0, or
 * -errno with @e ("resource limits: ...").
 */
int driver_vm_limits(const struct domain_def *def, struct json_object *cgroups,
		     struct err **e);

struct daemon;

/*
 * A guest's cgroups named @name (cgroup.h), made before its process
 * runs: in every hierarchy, or where guests live in machines' scopes
 * (machined.h, machined_scoped) in the v1 ones only, its v2 cgroup
 * waiting for its scope (driver_in_scope). Its limits come after.
 */
struct json_object *driver_cgroup_create(struct daemon *dmn, const char *name,
					 struct err **e);

/*
 * Where guests live in machines' scopes: the guest's process @pid, held
 * before it runs, becomes @dom's machine (machined_create, with the host
 * ends of @taps) and moves into nido's cgroup in its scope, which is
 * added to @cgroups (cgroup_enter_scope); the caller sets the limits
 * there next. 0, or -errno with @e.
 */
int driver_in_scope(struct daemon *dmn, struct domain *dom, pid_t pid,
		    struct json_object *taps, struct json_object *cgroups,
		    struct err **e);

/* Adds the cgroup's "cpu.time" and "cgroup.memory.usage" to @out
 * (domstats), those that can be read from @cgroups. */
void driver_cgroup_stats(struct json_object *cgroups, struct json_object *out);

/* <cputune>'s period and quota (per vCPU and global) of @def as the
 * bandwidth of the VM's one cgroup, in @l (cgroup.h). */
struct cgroup_limits;
/*
 * <blkiotune> on the VM's cgroup @dirs (cgroup_blkio(): v1 blkio, made
 * now, or v2 io), its devices by their node's major:minor now; nothing
 * when it has none. 0, or -errno with @e naming the device or file.
 */
int driver_blkio(const struct domain_def *def, struct json_object *dirs,
		 struct err **e);

void driver_cpu_bandwidth(const struct domain_def *def,
			  struct cgroup_limits *l);

/*
 * The machine drivers' word on a container's elements in a machine's
 * definition (<os><init>, <initarg>, <initenv>, <initdir>): warned about
 * by name and not acted on, as libvirt's qemu driver leaves them.
 */
void driver_warn_ct_elements(const struct domain_def *def,
			     struct xml_warnings *w);

#endif
