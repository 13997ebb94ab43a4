// SPDX-License-Identifier: GPL-2.0-or-later
/* What the process-per-domain drivers share (driver-common.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "daemon/cgroup.h"
#include "daemon/driver-common.h"
#include "daemon/machined.h"
#include "lib/file.h"
#include "lib/json.h"

uint64_t driver_proc_start_time(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid);
	_cleanup_free_ char *text = NULL;
	char *p, *save = NULL, *tok;
	uint64_t v = 0;

	if (file_read_all(path, 4096, &text, NULL, NULL) < 0)
		return 0;
	p = strrchr(text, ')');
	if (!p)
		return 0;
	tok = strtok_r(p + 1, " ", &save); /* field 3: state */
	if (!tok || *tok == 'Z' || *tok == 'X')
		return 0;
	for (int field = 4; field <= 22 && tok; field++)
		tok = strtok_r(NULL, " ", &save);
	if (tok)
		v = strtoull(tok, NULL, 10);
	return v;
}

int driver_open_log(const char *path, struct err **e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_sys(e, errno, "opening log '%s'", path);
	return fd;
}

int driver_open_file(const char *what, const char *path, bool append,
		     struct err **e)
{
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC |
			      O_NONBLOCK | (append ? O_APPEND : O_TRUNC),
		      0600);
	struct stat st;

	if (fd < 0)
		return err_sys(e, errno, "%s '%s'", what, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EPERM,
				"%s '%s': not a regular file with one name "
				"(nidod writes only those)",
				what, path);
	}
	return fd;
}

int driver_stop_wait(int pidfd, void (*signal)(void *opaque, int sig),
		     void *opaque, int term_ms, int kill_ms, bool *killed)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;

	signal(opaque, SIGTERM);
	do
		r = poll(&p, 1, term_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		*killed = true;
		signal(opaque, SIGKILL);
		do
			r = poll(&p, 1, kill_ms);
		while (r < 0 && errno == EINTR);
	}
	return r > 0 ? 0 : -ETIMEDOUT;
}

int driver_rec_string(struct json_object *rec, const char *key, char **out,
		      struct err **e)
{
	const char *s;

	if (json_get_string(rec, key, &s, e) < 0)
		return -EINVAL;
	*out = xstrdup(s);
	return 0;
}

enum domain_reason driver_rec_reason(struct json_object *rec)
{
	const char *state = "running", *reason = "unknown";
	int st, r;

	json_get_string_opt(rec, "state", &state, NULL);
	json_get_string_opt(rec, "reason", &reason, NULL);
	st = domain_state_parse(state);
	if (st == DOMAIN_PAUSED)
		return streq(reason, "crashed") ? REASON_PAUSED_CRASHED
						: REASON_PAUSED_USER;
	r = domain_reason_parse(reason);
	if (r >= REASON_RUNNING_BOOTED && r <= REASON_RUNNING_UNKNOWN)
		return (enum domain_reason)r;
	return REASON_RUNNING_UNKNOWN;
}

void driver_cgroup_stats(struct json_object *cgroups, struct json_object *out)
{
	uint64_t cpu = UINT64_MAX, mem = UINT64_MAX;

	cgroup_usage(cgroups, &cpu, &mem);
	if (cpu != UINT64_MAX)
		json_object_object_add(out, "cpu.time",
				       json_object_new_uint64(cpu));
	if (mem != UINT64_MAX)
		json_object_object_add(out, "cgroup.memory.usage",
				       json_object_new_uint64(mem));
}

/*
 * The CPU bandwidth of the whole VM: <global_quota> per <global_period>,
 * and <quota> per <period> for each vCPU. nido-vmm's threads share one
 * cgroup, so a per-vCPU quota becomes the sum over the vCPUs; with both,
 * the smaller rate wins.
 */
void driver_cpu_bandwidth(const struct domain_def *def, struct cgroup_limits *l)
{
	const struct domain_tune *t = &def->tune;
	uint64_t vp = t->period_us ? t->period_us : 100000;
	uint64_t gp = t->global_period_us ? t->global_period_us : 100000;
	/* the vCPUs that run: <vcpu current=> */
	int64_t vq =
		t->quota_us > 0 ? t->quota_us * (int64_t)def->vcpus_current : 0;
	int64_t gq = t->global_quota_us > 0 ? t->global_quota_us : 0;

	l->cpu_period_us = t->period_us || t->global_period_us ? vp : 0;
	l->cpu_quota_us = t->quota_us < 0 || t->global_quota_us < 0 ? -1 : 0;
	if (gq && (!vq || (double)gq / (double)gp < (double)vq / (double)vp)) {
		l->cpu_period_us = gp;
		l->cpu_quota_us = gq;
	} else if (vq) {
		l->cpu_period_us = vp;
		l->cpu_quota_us = vq;
	}
}

void driver_warn_ct_elements(const struct domain_def *def,
			     struct xml_warnings *w)
{
	const struct domain_ct *ct = &def->ct;

	if (ct->init || ct->n_initargs || ct->n_initenv || ct->initdir)
		xml_warn_def(w, "<os><init>, <initarg>, <initenv>, <initdir>: "
				"for containers (type 'lxc'), not acted on "
				"for a machine");
}

/* <blkiotune>'s devices as the cgroup names them (major:minor): each
 * path must be a block device's node now. */
static int blkio_devs(const struct domain_blkiotune *b,
		      struct cgroup_blkio_dev *out, struct err **e)
{
	for (size_t i = 0; i < b->n_devs; i++) {
		struct stat st;

		if (stat(b->devs[i].path, &st) < 0)
			return err_sys(e, errno, "<blkiotune> device '%s'",
				       b->devs[i].path);
		if (!S_ISBLK(st.st_mode))
			return err_set(e, ENOTBLK,
				       "<blkiotune> device '%s': not a block "
				       "device",
				       b->devs[i].path);
		out[i].major = major(st.st_rdev);
		out[i].minor = minor(st.st_rdev);
		memcpy(out[i].v, b->devs[i].v, sizeof(out[i].v));
	}
	return 0;
}

int driver_blkio(const struct domain_def *def, struct json_object *dirs,
		 struct err **e)
{
	struct cgroup_blkio_dev devs[DOMAIN_MAX_BLKIO_DEVS];
	struct cgroup_blkio b = {def->ct.blkio.weight, devs,
				 def->ct.blkio.n_devs};

	if (blkio_devs(&def->ct.blkio, devs, e) < 0 ||
	    cgroup_blkio(dirs, "/sys/fs/cgroup", &b, e) < 0)
		return -EIO;
	return 0;
}

struct json_object *driver_cgroup_create(struct daemon *dmn, const char *name,
					 struct err **e)
{
	return machined_scoped(dmn)
		       ? cgroup_create_v1("/sys/fs/cgroup", name, e)
		       : cgroup_create("/sys/fs/cgroup", name, e);
}

int driver_in_scope(struct daemon *dmn, struct domain *dom, pid_t pid,
		    struct json_object *taps, struct json_object *cgroups,
		    struct err **e)
{
	_cleanup_free_ char *scope = NULL;
	int r = machined_create(dmn, dom, pid, taps, &scope, e);

	if (r == 0)
		return err_set(e, EIO,
			       "systemd-machined: the bus connection was "
			       "lost");
	if (r < 0)
		return r;
	return cgroup_enter_scope(cgroups, "/sys/fs/cgroup", scope, pid, e);
}

int driver_vm_limits(const struct domain_def *def, struct json_object *cgroups,
		     struct err **e)
{
	const struct domain_tune *t = &def->tune;
	struct cgroup_limits l = {
		.mem_hard = t->hard_limit_kib * 1024,
		.mem_soft = t->soft_limit_kib * 1024,
		.mem_swap_hard = t->swap_hard_limit_kib * 1024,
		.cpu_shares = t->shares,
	};

	driver_cpu_bandwidth(def, &l);
	if (cgroup_limit(cgroups, &l, e) < 0 ||
	    driver_blkio(def, cgroups, e) < 0)
		return err_prefix(e, "resource limits");
	return 0;
}
