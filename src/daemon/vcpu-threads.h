/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A running guest's vCPU threads on the host (vcpu-threads.c), for
 * domstats' vcpu.N.thread-id on nido-vmm and virsh vcpuinfo on both
 * engines: where each runs, its CPU time and affinity, from /proc and
 * sched_getaffinity.
 */
#ifndef NIDO_DAEMON_VCPU_THREADS_H
#define NIDO_DAEMON_VCPU_THREADS_H

#include <json-c/json.h>
#include <sys/types.h>

/*
 * nido-vmm names its vCPU threads "vcpuN": each of process @pid's adds
 * "vcpu.N.thread-id" (the host's thread id) to @out, as QEMU's
 * query-cpus-fast gives them on the qemu driver.
 */
void vcpu_threads_by_name(pid_t pid, struct json_object *out);

/*
 * Thread @tid's "cpu" (the host CPU it last ran on), "cpu_time_ns"
 * (user and system) and "affinity" (a CPU list, "0-3,6") into @o.
 * Returns 0, or -errno when the thread is gone.
 */
int vcpu_thread_info(pid_t tid, struct json_object *o);

/* @set (of @size bytes) as a CPU list: "0-3,6" (malloc'ed). */
char *vcpu_cpulist(const void *set, size_t size);

#endif
