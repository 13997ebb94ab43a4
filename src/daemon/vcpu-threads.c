// SPDX-License-Identifier: GPL-2.0-or-later
/* vCPU threads on the host (vcpu-threads.h). */
#include "daemon/vcpu-threads.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/util.h"

#define MAX_HOST_CPUS 8192

void vcpu_threads_by_name(pid_t pid, struct json_object *out)
{
	_cleanup_free_ char *dir = xasprintf("/proc/%d/task", (int)pid);
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *comm = NULL, *key = NULL;
		unsigned n;
		char end;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s/comm", dir, de->d_name);
		if (file_read_all(path, 64, &comm, NULL, NULL) < 0 ||
		    sscanf(comm, "vcpu%u%c", &n, &end) != 2 || end != '\n')
			continue;
		key = xasprintf("vcpu.%u.thread-id", n);
		json_object_object_add(
			out, key, json_object_new_int64(atoll(de->d_name)));
	}
	closedir(d);
}

char *vcpu_cpulist(const void *set, size_t size)
{
	const cpu_set_t *s = set;
	size_t n = size * 8, i = 0, len = 0;
	char *out = xstrdup("");

	while (i < n) {
		size_t j;
		char *more;

		if (!CPU_ISSET_S(i, size, s)) {
			i++;
			continue;
		}
		for (j = i; j + 1 < n && CPU_ISSET_S(j + 1, size, s); j++)
			;
		more = j > i ? xasprintf("%s%s%zu-%zu", out, len ? "," : "", i,
					 j)
			     : xasprintf("%s%s%zu", out, len ? "," : "", i);
		free(out);
		out = more;
		len = strlen(out);
		i = j + 1;
	}
	return out;
}

int vcpu_thread_info(pid_t tid, struct json_object *o)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)tid);
	_cleanup_free_ char *stat = NULL, *list = NULL;
	size_t size = CPU_ALLOC_SIZE(MAX_HOST_CPUS);
	_cleanup_free_ cpu_set_t *set = CPU_ALLOC(MAX_HOST_CPUS);
	unsigned long long utime, stime;
	long hz = sysconf(_SC_CLK_TCK);
	int cpu, field = 3;
	char *p;

	if (file_read_all(path, 4096, &stat, NULL, NULL) < 0)
		return -ESRCH;
	/* after "pid (comm) ": comm may hold spaces and parentheses */
	p = strrchr(stat, ')');
	if (!p || !set || sched_getaffinity(tid, size, set) < 0)
		return -ESRCH;
	p += 2;
	utime = stime = 0;
	cpu = -1;
	for (char *tok = strtok(p, " "); tok;
	     tok = strtok(NULL, " "), field++) {
		if (field == 14)
			utime = strtoull(tok, NULL, 10);
		else if (field == 15)
			stime = strtoull(tok, NULL, 10);
		else if (field == 39)
			cpu = atoi(tok);
	}
	if (cpu < 0 || hz <= 0)
		return -EPROTO;
	list = vcpu_cpulist(set, size);
	json_object_object_add(o, "cpu", json_object_new_int(cpu));
	json_object_object_add(
		o, "cpu_time_ns",
		json_object_new_uint64((utime + stime) *
				       (1000000000ULL / (unsigned long)hz)));
	json_object_object_add(o, "affinity", json_object_new_string(list));
	return 0;
}
