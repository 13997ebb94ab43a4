// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ct driver: system containers (docs/containers.md). A container is
 * its init, started by src/ct in its own namespaces, in a cgroup of its
 * own with the definition's limits, watched through a pidfd on the
 * daemon's loop. It outlives the daemon; a restarted daemon re-attaches
 * from the run-time record (pid and start time, cgroups, the console's
 * keeper).
 *
 * What runs as root in nidod, and why: writing the container's uid and
 * gid maps to a range that is not nidod's own (newuidmap does it for a
 * daemon that is not root), creating its cgroups and moving it in, and
 * the clone itself; everything the container does after that runs as
 * its own root, an unprivileged host user of its range.
 *
 * How an init powers off (shutdown): busybox init on SIGUSR2, systemd on
 * SIGRTMIN+4, sysvinit (and, by LXC's default, anything else) on SIGPWR;
 * reboot: SIGTERM for busybox, SIGINT (ctrl-alt-del) for the others.
 * An init that powers off with reboot(2) in its pid namespace ends
 * killed by SIGINT (power off, halt) or SIGHUP (restart): that is how
 * the driver tells a reboot from a power-off.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/ct.h"
#include "daemon/cgroup.h"
#include "daemon/daemon.h"
#include "daemon/driver-common.h"
#include "daemon/driver-ct.h"
#include "daemon/driver.h"
#include "daemon/events.h"
#include "daemon/iface.h"
#include "daemon/machined.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/spawn.h"
#include <uuid/uuid.h>

struct ct_dom {
	struct daemon *dmn;
	struct domain *dom;
	pid_t pid;
	int pidfd;
	uint64_t start_time;
	bool is_child; /* ours to reap */
	bool destroying, shutting_down, rebooting;
	struct loop_source *watch;
	struct json_object *cgroups; /* owned array of directories */
	bool scoped; /* starting in a machine's scope (machined.h) */
	struct json_object *taps; /* owned: iface_record() of its veths */
	struct ct_console con;
};

static struct ct_dom *ct_of(struct domain *dom)
{
	return dom->priv;
}

static struct ct_dom *ct_new(struct daemon *dmn, struct domain *dom)
{
	struct ct_dom *c = xcalloc(1, sizeof(*c));

	c->dmn = dmn;
	c->dom = dom;
	c->pidfd = -1;
	c->con.master_ct = c->con.slave_ct = -1;
	c->con.master_api = c->con.slave_api_hold = -1;
	c->con.keeper_pidfd = -1;
	dom->priv = c;
	return c;
}

static void ct_release(struct daemon *dmn, struct domain *dom)
{
	struct ct_dom *c = dom->priv;

	if (!c)
		return;
	loop_source_del(dmn->loop, c->watch);
	ct_console_close(&c->con, dmn->loop, false);
	close_safe(c->pidfd);
	json_object_put(c->cgroups);
	json_object_put(c->taps);
	free(c);
	dom->priv = NULL;
}

/* The ids of the definition's <idmap>, or the default range; none (no
 * user namespace) for a <privileged/> container. */
static void ids_of(const struct domain_def *def, struct ct_ids *ids)
{
	const struct domain_ct *ct = &def->ct;

	if (ct->privileged) {
		memset(ids, 0, sizeof(*ids));
		return;
	}
	if (!ct->n_uid) {
		ct_ids_default(ids, NULL, NULL);
		return;
	}
	memset(ids, 0, sizeof(*ids));
	for (size_t i = 0; i < ct->n_uid; i++)
		ids->uid[i] = (struct ct_idmap){
			ct->uid[i].start, ct->uid[i].target, ct->uid[i].count};
	for (size_t i = 0; i < ct->n_gid; i++)
		ids->gid[i] = (struct ct_idmap){
			ct->gid[i].start, ct->gid[i].target, ct->gid[i].count};
	ids->n_uid = ct->n_uid;
	ids->n_gid = ct->n_gid;
}

/* <blkiotune> and <vcpu cpuset> (cgroup-io.c). */
static int io_limits(const struct domain_def *def, struct json_object *dirs,
		     struct err **e)
{
	if (driver_blkio(def, dirs, e) < 0)
		return -EIO;
	return cgroup_cpuset(dirs, "/sys/fs/cgroup", def->cpuset, e);
}

/* <memtune>, <cputune> and <pids>, <blkiotune>, <vcpu cpuset> on the
 * cgroups of @c; as libvirt's lxc driver, <memory> is the limit when
 * there is no hard_limit. */
static int limit_cgroup(const struct domain_def *def, struct ct_dom *c,
			struct err **e)
{
	const struct domain_tune *t = &def->tune;
	struct cgroup_limits l = {
		.mem_hard = (t->hard_limit_kib ? t->hard_limit_kib
					       : def->memory_kib) *
			    1024,
		.mem_soft = t->soft_limit_kib * 1024,
		.mem_swap_hard = t->swap_hard_limit_kib * 1024,
		.cpu_shares = t->shares,
		.cpu_period_us = t->global_period_us,
		.cpu_quota_us = t->global_quota_us > 0 ? t->global_quota_us : 0,
		.pids_max = def->ct.pids_max,
	};

	if (cgroup_limit(c->cgroups, &l, e) < 0 ||
	    io_limits(def, c->cgroups, e) < 0)
		return err_prefix(e, "resource limits");
	if (def->ct.privileged) {
		_cleanup_err_ struct err *dev = NULL;

		/* a privileged root may make device nodes (and mount
		 * devtmpfs): the cgroup keeps it from using them */
		if (cgroup_devices_minimal(c->cgroups, "/sys/fs/cgroup", &dev) <
		    0)
			log_warn("domain '%s': privileged, with every host "
				 "device usable: %s",
				 def->name, err_msg(dev));
	}
	return 0;
}

/*
 * The container's cgroups, which its init joins as it is cloned
 * (*@fds, up to @max). Under nido/ with their limits; where guests live
 * in machines' scopes, only the v1 ones: the rest waits for the scope
 * (in_scope).
 */
static int prepare_cgroup(struct domain *dom, struct ct_dom *c, int *fds,
			  size_t max, size_t *n, struct err **e)
{
	static unsigned seq;
	const struct domain_def *def = dom->def;
	_cleanup_free_ char *name =
		xasprintf("%s.%d-%u", def->name, (int)getpid(), ++seq);
	_cleanup_err_ struct err *why = NULL;

	*n = 0;
	c->scoped = machined_scoped(c->dmn);
	c->cgroups = driver_cgroup_create(c->dmn, name, &why);
	if (why)
		log_warn("domain '%s': cgroups: %s", def->name, err_msg(why));
	if (!c->scoped && limit_cgroup(def, c, e) < 0) {
		cgroup_remove(c->cgroups);
		return -EIO;
	}
	*n = cgroup_open_procs(c->cgroups, fds, max);
	return 0;
}

/* The init @pid, waiting to run: into the scope machined makes for it,
 * in nido's cgroup there, with the limits. */
static int in_scope(pid_t pid, struct ct_dom *c, struct err **e)
{
	if (driver_in_scope(c->dmn, c->dom, pid, c->taps, c->cgroups, e) < 0)
		return -EIO;
	return limit_cgroup(c->dom->def, c, e);
}

/* argv and envp of the init: <init>, <initarg>; a PATH, TERM, libvirt's
 * container variables (systemd reads "container"), then <initenv>. */
static char **init_argv(const struct domain_def *def)
{
	char **v = xcalloc(def->ct.n_initargs + 2, sizeof(*v));

	v[0] = def->ct.init;
	for (size_t i = 0; i < def->ct.n_initargs; i++)
		v[i + 1] = def->ct.initargs[i];
	return v;
}

static char **init_envp(const struct domain_def *def, char uuid[37])
{
	size_t n = 0;
	char **v = xcalloc(def->ct.n_initenv + 7, sizeof(*v));

	uuid_unparse_lower(def->uuid, uuid);
	v[n++] = xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			 "/usr/bin:/sbin:/bin");
	v[n++] = xstrdup("TERM=linux");
	v[n++] = xstrdup("HOME=/");
	v[n++] = xstrdup("container=lxc-libvirt");
	v[n++] = xasprintf("LIBVIRT_LXC_NAME=%s", def->name);
	v[n++] = xasprintf("LIBVIRT_LXC_UUID=%s", uuid);
	for (size_t i = 0; i < def->ct.n_initenv; i++)
		v[n++] = xstrdup(def->ct.initenv[i]);
	return v;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* The ct_config of @def: its root and other mounts (@mounts, sized by
 * the caller), ids, argv, envp. */
static void config_of(const struct domain_def *def, struct ct_config *cfg,
		      struct ct_mount *mounts)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hostname = def->name;
	cfg->mounts = mounts;
	for (size_t i = 0; i < def->ct.n_fs; i++) {
		const struct domain_fs *fs = &def->ct.fs[i];

		if (streq(fs->target, "/")) {
			cfg->root = fs->source;
			cfg->root_readonly = fs->readonly;
			continue;
		}
		/* an image's source is its mount (mount_images) */
		mounts[cfg->n_mounts++] = (struct ct_mount){
			.source =
				fs->type == DOMAIN_FS_MOUNT ? fs->source : NULL,
			.mount_fd = -1,
			.target = fs->target,
			.tmpfs_kib = fs->ram_kib,
			.readonly = fs->readonly,
		};
	}
	cfg->root_mount_fd = -1;
	cfg->cwd = def->ct.initdir;
	cfg->init_uid = cfg->init_gid = -1;
	ids_of(def, &cfg->ids);
}

/* The image file systems of a start (<filesystem type='file'>, 'block'),
 * mounted detached for the init to move in: their fds (closed by
 * images_close() whatever happens: the init's mount namespace holds
 * them, or nothing does and the loop devices go). An image root goes
 * onto @stage, an empty directory of the run-time tree, and is read
 * for <inituser> through @root_path, its fd's /proc/self/fd link. */
struct images {
	int fds[DOMAIN_MAX_FS];
	size_t n;
	char *stage, *root_path;
};

static char *stage_dir(const struct ct_dom *c)
{
	return xasprintf("%s/ct-roots/%s", c->dmn->store.runtime_dir,
			 c->dom->def->name);
}

static void images_close(struct images *im)
{
	for (size_t i = 0; i < im->n; i++)
		close(im->fds[i]);
	free(im->stage);
	free(im->root_path);
}

/* An image file goes on a loop device (a volume's too); a block
 * device is mounted as it is. */
static int image_mount(const struct domain_fs *fs, struct images *im,
		       struct err **e)
{
	bool loop = fs->type == DOMAIN_FS_FILE ||
		    (fs->type == DOMAIN_FS_VOLUME && !fs->block);
	int fd;

	if (!fs->source) /* domain_disks_resolve() did not run */
		return err_setk(e, ERR_INTERNAL_ERROR, EINVAL,
				"filesystem '%s': volume '%s' of pool '%s' "
				"not looked up",
				fs->target, fs->volume ? fs->volume : "",
				fs->pool ? fs->pool : "");
	fd = ct_image_mount(fs->source, loop, fs->readonly, e);

	if (fd < 0)
		return err_prefix(e, "filesystem '%s'", fs->target);
	im->fds[im->n++] = fd;
	return fd;
}

static int mount_images(struct ct_dom *c, struct ct_config *cfg,
			struct ct_mount *mounts, struct images *im,
			struct err **e)
{
	const struct domain_ct *ct = &c->dom->def->ct;
	size_t k = 0;
	int fd;

	for (size_t i = 0; i < ct->n_fs; i++) {
		const struct domain_fs *fs = &ct->fs[i];
		bool root = streq(fs->target, "/");

		if (fs->type != DOMAIN_FS_FILE && fs->type != DOMAIN_FS_BLOCK &&
		    fs->type != DOMAIN_FS_VOLUME) {
			k += !root;
			continue;
		}
		if ((fd = image_mount(fs, im, e)) < 0)
			return fd;
		if (!root) {
			mounts[k++].mount_fd = fd;
			continue;
		}
		im->stage = stage_dir(c);
		if (file_mkdir_p(im->stage, 0700, e) < 0)
			return -EIO;
		im->root_path = xasprintf("/proc/self/fd/%d", fd);
		cfg->root = im->stage;
		cfg->root_mount_fd = fd;
	}
	return 0;
}

/* <inituser> and <initgroup>: numbers, or names of the container's
 * /etc/passwd and /etc/group (read now: the root file system is the
 * container's to change). */
static int init_ids(const struct domain_def *def, struct ct_config *cfg,
		    const char *root, struct err **e)
{
	uint32_t id;

	if (def->ct.inituser) {
		if (ct_lookup_id(root, "etc/passwd", def->ct.inituser, &id, e) <
		    0)
			return err_prefix(e, "<inituser>");
		cfg->init_uid = id;
	}
	if (def->ct.initgroup) {
		if (ct_lookup_id(root, "etc/group", def->ct.initgroup, &id, e) <
		    0)
			return err_prefix(e, "<initgroup>");
		cfg->init_gid = id;
	}
	return 0;
}

/* ct_config.prepare: the interfaces, veth pairs into the init's
 * network namespace (iface.c), before it runs; then, where guests live
 * in machines' scopes, its scope (in_scope). */
static int make_ifaces(pid_t pid, void *opaque, struct err **e)
{
	struct ct_dom *c = opaque;
	struct iface_set set = {0};

	if (iface_setup_veth(c->dmn, c->dom->def, pid, &set, e) < 0)
		return -EIO;
	c->taps = iface_record(&set);
	iface_set_clear(&set);
	/* after the interfaces: machined is told their host ends */
	return c->scoped ? in_scope(pid, c, e) : 0;
}

/* What make_ifaces() made, removed; the live names forgotten. */
static void drop_ifaces(struct ct_dom *c)
{
	iface_teardown(c->taps);
	iface_forget(c->dom->def);
	json_object_put(c->taps);
	c->taps = NULL;
}

/* The host id of root inside: 0 without a user namespace. */
static uint32_t root_host(const struct ct_idmap *m, size_t n)
{
	return n ? ct_idmap_host(m, n, 0) : 0;
}

/* An image root's stage, empty in the host's namespace: removed when
 * the container stops (best effort: none when the root is a directory). */
static void drop_stage(const struct ct_dom *c)
{
	_cleanup_free_ char *stage = stage_dir(c);

	rmdir(stage);
}

static int spawn_init(struct domain *dom, struct ct_dom *c, struct err **e)
{
	const struct domain_def *def = dom->def;
	struct ct_mount mounts[DOMAIN_MAX_FS];
	const char *links[CT_MAX_LINKS];
	struct ct_config cfg;
	struct ct_proc p;
	struct images im = {0};
	int fds[8];
	size_t n_fds = 0;
	char uuid[37];
	char **argv = init_argv(def), **envp = init_envp(def, uuid);
	int r;

	config_of(def, &cfg, mounts);
	cfg.argv = argv;
	cfg.envp = envp;
	r = mount_images(c, &cfg, mounts, &im, e);
	if (r == 0)
		r = init_ids(def, &cfg, im.root_path ? im.root_path : cfg.root,
			     e);
	if (r == 0)
		r = ct_console_open(&c->con,
				    root_host(cfg.ids.uid, cfg.ids.n_uid),
				    root_host(cfg.ids.gid, cfg.ids.n_gid), e);
	if (r == 0)
		r = prepare_cgroup(dom, c, fds, ARRAY_SIZE(fds), &n_fds, e);
	cfg.console_fd = c->con.slave_ct;
	cfg.cgroup_fds = fds;
	cfg.n_cgroup_fds = n_fds;
	cfg.prepare = make_ifaces;
	cfg.opaque = c;
	for (size_t i = 0; i < def->n_nets && i < CT_MAX_LINKS; i++)
		links[cfg.n_links_up++] = def->nets[i].guest_dev
						  ? def->nets[i].guest_dev
						  : "eth0";
	cfg.links_up = links;
	if (r == 0)
		r = ct_spawn(&cfg, &p, e);
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
	images_close(&im);
	close_safe(c->con.slave_ct);
	c->con.slave_ct = -1;
	free(argv);
	free_strv(envp);
	if (r < 0) {
		/* a machine made for it goes with it */
		machined_domain_stopped(c->dmn, dom);
		drop_ifaces(c);
		cgroup_remove(c->cgroups);
		drop_stage(c);
		return r;
	}
	c->pid = p.pid;
	c->pidfd = p.pidfd;
	c->is_child = true;
	c->start_time = driver_proc_start_time(p.pid);
	return 0;
}

static bool killed_by(int status, int sig)
{
	return status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* Why the container stopped, from its init's wait status (-1: unknown,
 * after a re-attach); *@restart when on_* says so. */
static enum domain_reason exit_reason(const struct ct_dom *c, int status,
				      char **detail, bool *restart)
{
	const struct domain_def *def = c->dom->def;

	*restart = false;
	if (c->destroying)
		return REASON_SHUTOFF_DESTROYED;
	if (killed_by(status, SIGHUP)) { /* reboot(2): restart */
		*restart = def->on_reboot == DOMAIN_LIFECYCLE_RESTART ||
			   c->rebooting;
		return REASON_SHUTOFF_SHUTDOWN;
	}
	if (killed_by(status, SIGINT) || (status >= 0 && WIFEXITED(status))) {
		*restart = c->rebooting ||
			   def->on_poweroff == DOMAIN_LIFECYCLE_RESTART;
		if (status >= 0 && WIFEXITED(status))
			*detail = xasprintf("its init exited with status %d",
					    WEXITSTATUS(status));
		return REASON_SHUTOFF_SHUTDOWN;
	}
	if (status < 0) {
		if (c->shutting_down || c->rebooting)
			return REASON_SHUTOFF_SHUTDOWN;
		*detail = xstrdup("its init ended; how is unknown to a daemon "
				  "that re-attached to it");
		return REASON_SHUTOFF_UNKNOWN;
	}
	_cleanup_free_ char *how = spawn_status_str(status);

	*detail = xasprintf("its init %s", how);
	*restart = def->on_crash == DOMAIN_LIFECYCLE_RESTART;
	return REASON_SHUTOFF_CRASHED;
}

static void ct_exited(struct daemon *dmn, struct domain *dom, int status)
{
	struct ct_dom *c = ct_of(dom);
	_cleanup_free_ char *detail = NULL;
	bool restart;
	enum domain_reason reason = exit_reason(c, status, &detail, &restart);

	if (restart && reason == REASON_SHUTOFF_SHUTDOWN)
		events_reboot(dmn, dom);
	/* the pid namespace's init is the last of its processes to go:
	 * the cgroups are empty now */
	cgroup_remove(c->cgroups);
	drop_ifaces(c);
	drop_stage(c);
	ct_console_close(&c->con, dmn->loop, true);
	if (c->destroying && dom->job)
		daemon_job_done(dmn, dom, 0, NULL, NULL);
	daemon_domain_stopped(dmn, dom, reason, detail, restart);
}

static void on_exit_fd(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct ct_dom *c = opaque;
	siginfo_t si = {0};
	int status = -1;

	loop_source_del(l, c->watch);
	c->watch = NULL;
	if (c->is_child && waitid(P_PIDFD, (id_t)c->pidfd, &si, WEXITED) == 0)
		status = si.si_code == CLD_EXITED
				 ? W_EXITCODE(si.si_status, 0)
				 : si.si_status & 0x7f; /* killed */
	ct_exited(c->dmn, c->dom, status);
}

static int watch(struct daemon *dmn, struct ct_dom *c, struct err **e)
{
	c->watch = loop_fd_add(dmn->loop, c->pidfd, EPOLLIN, on_exit_fd, c, e);
	return c->watch ? 0 : -EIO;
}

static struct json_object *make_record(const struct ct_dom *c)
{
	struct json_object *rec = json_object_new_object();

	json_object_object_add(rec, "driver", json_object_new_string("ct"));
	json_object_object_add(rec, "pid", json_object_new_int(c->pid));
	json_object_object_add(rec, "start_time",
			       json_object_new_uint64(c->start_time));
	json_object_object_add(rec, "cgroups", json_object_get(c->cgroups));
	if (c->taps)
		json_object_object_add(rec, "taps", json_object_get(c->taps));
	if (c->con.pty) {
		json_object_object_add(rec, "console",
				       json_object_new_string(c->con.pty));
		json_object_object_add(rec, "keeper",
				       json_object_new_int(c->con.keeper));
		json_object_object_add(
			rec, "keeper_start_time",
			json_object_new_uint64(
				driver_proc_start_time(c->con.keeper)));
	}
	return rec;
}

static int ct_start(struct daemon *dmn, struct domain *dom, unsigned flags,
		    struct err **e)
{
	struct ct_dom *c = ct_new(dmn, dom);
	_cleanup_json_ struct json_object *rec = NULL;
	_cleanup_err_ struct err *why = NULL;

	if (spawn_init(dom, c, e) < 0)
		goto fail;
	if (watch(dmn, c, e) < 0) {
		pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
		waitid(P_PIDFD, (id_t)c->pidfd, NULL, WEXITED);
		cgroup_remove(c->cgroups);
		drop_ifaces(c);
		goto fail;
	}
	/* without a relay or keeper the container runs, its console
	 * output dropped: said, not fatal */
	if (ct_console_relay(&c->con, dmn->loop, &why) < 0 ||
	    ct_console_keep(&c->con, c->pidfd, &why) < 0)
		log_warn("domain '%s': console: %s", dom->def->name,
			 err_msg(why));
	if (flags & DRIVER_START_PAUSED)
		cgroup_freeze(c->cgroups, true, NULL);
	rec = make_record(c);
	daemon_domain_set_state(dmn, dom,
				(flags & DRIVER_START_PAUSED)
					? REASON_PAUSED_USER
					: REASON_RUNNING_BOOTED,
				rec);
	return 0;

fail:
	ct_release(dmn, dom);
	return err_code(*e);
}

/* Every process goes with the init (the kernel ends its pid namespace);
 * a frozen container is thawed so that they can. The exit ends it. */
static int ct_destroy(struct daemon *dmn, struct domain *dom, unsigned flags,
		      struct err **e)
{
	struct ct_dom *c = ct_of(dom);

	/* SIGTERM is no "please end" to an init: busybox init reboots on
	 * it, systemd re-executes itself, sysvinit ignores it */
	if (flags & DRIVER_DESTROY_GRACEFUL)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"destroy --graceful: a container's init does "
				"not end on SIGTERM (use shutdown)");
	if (pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return err_sys(e, errno, "signalling the init (pid %d)",
			       (int)c->pid);
	cgroup_freeze(c->cgroups, false, NULL);
	c->destroying = true;
	return RPC_DEFERRED;
}

/* The name of the init's program, for the signal it expects. */
static char *init_exe(const struct ct_dom *c)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/exe", (int)c->pid);
	char buf[4096];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return xstrdup(c->dom->def->ct.init);
	buf[n] = '\0';
	return xstrdup(buf);
}

static int send_init(struct ct_dom *c, int sig, struct err **e)
{
	if (pidfd_send_signal(c->pidfd, sig, NULL, 0) < 0)
		return err_sys(e, errno, "signalling the init (pid %d)",
			       (int)c->pid);
	return 0;
}

static int ct_shutdown(struct daemon *dmn, struct domain *dom,
		       enum shutdown_mode mode, struct err **e)
{
	struct ct_dom *c = ct_of(dom);
	_cleanup_free_ char *exe = init_exe(c);
	int sig = mode == SHUTDOWN_CTRL_ALT_DEL ? SIGINT
						: ct_poweroff_signal(exe);

	c->shutting_down = true;
	return send_init(c, sig, e);
}

static int ct_reboot(struct daemon *dmn, struct domain *dom,
		     enum shutdown_mode mode, struct err **e)
{
	struct ct_dom *c = ct_of(dom);
	_cleanup_free_ char *exe = init_exe(c);

	c->rebooting = true;
	return send_init(c, ct_reboot_signal(exe), e);
}

static int ct_suspend(struct daemon *dmn, struct domain *dom, struct err **e)
{
	struct ct_dom *c = ct_of(dom);

	if (cgroup_freeze(c->cgroups, true, e) < 0)
		return err_prefix(e, "freezing the container");
	daemon_domain_set_state(dmn, dom, REASON_PAUSED_USER, NULL);
	return 0;
}

static int ct_resume(struct daemon *dmn, struct domain *dom, struct err **e)
{
	struct ct_dom *c = ct_of(dom);

	if (cgroup_freeze(c->cgroups, false, e) < 0)
		return err_prefix(e, "thawing the container");
	daemon_domain_set_state(dmn, dom, REASON_RUNNING_UNPAUSED, NULL);
	return 0;
}

/* 1: the init is the one recorded and a pidfd watches it; 0: gone. */
static int reattach_init(struct ct_dom *c, struct json_object *rec,
			 struct err **e)
{
	int64_t pid;
	struct json_object *cg = NULL, *taps = NULL;

	if (json_get_int64(rec, "pid", &pid, e) < 0 ||
	    json_get_uint64(rec, "start_time", &c->start_time, e) < 0 ||
	    json_get_array_opt(rec, "cgroups", &cg, e) < 0 ||
	    json_get_array_opt(rec, "taps", &taps, e) < 0)
		return -EINVAL;
	if (pid <= 1 || pid > INT32_MAX)
		return err_set(e, EINVAL, "invalid pid %" PRId64, pid);
	c->cgroups = cg ? json_object_get(cg) : json_object_new_array();
	c->taps = taps ? json_object_get(taps) : NULL;
	c->pid = (pid_t)pid;
	if (c->start_time == 0 ||
	    driver_proc_start_time(c->pid) != c->start_time)
		return 0;
	c->pidfd = (int)pidfd_open(c->pid, 0);
	if (c->pidfd < 0)
		return errno == ESRCH ? 0 : err_sys(e, errno, "pidfd_open");
	/* again: the pid may have been reused in between */
	return driver_proc_start_time(c->pid) == c->start_time ? 1 : 0;
}

static void reattach_console(struct ct_dom *c, struct json_object *rec)
{
	_cleanup_err_ struct err *e = NULL;
	const char *pty = NULL;
	int64_t keeper = 0;
	uint64_t start = 0;

	if (json_get_string_opt(rec, "console", &pty, NULL) <= 0 ||
	    json_get_int64_opt(rec, "keeper", &keeper, NULL) <= 0 ||
	    json_get_uint64_opt(rec, "keeper_start_time", &start, NULL) <= 0 ||
	    keeper <= 1 || keeper > INT32_MAX)
		return;
	if (ct_console_take_back(&c->con, (pid_t)keeper, start, pty, &e) < 0 ||
	    ct_console_relay(&c->con, c->dmn->loop, &e) < 0) {
		log_warn("domain '%s': console: %s", c->dom->def->name,
			 err_msg(e));
		ct_console_close(&c->con, c->dmn->loop, false);
	}
}

static int ct_reattach(struct daemon *dmn, struct domain *dom,
		       struct json_object *rec, struct err **e)
{
	struct ct_dom *c = ct_new(dmn, dom);
	int r = reattach_init(c, rec, e);

	if (r > 0 && watch(dmn, c, e) < 0)
		r = -EIO;
	if (r <= 0) {
		cgroup_remove(c->cgroups);
		drop_ifaces(c);
		ct_release(dmn, dom);
		return r;
	}
	iface_reattach(dom->def, c->taps);
	reattach_console(c, rec);
	daemon_domain_set_state(dmn, dom, driver_rec_reason(rec), rec);
	return 1;
}

/* The container's processes and threads now (the pids cgroup's
 * pids.current, v1 or v2): nido's pids.current in domstats. */
static void pids_stats(struct json_object *cgroups, struct json_object *out)
{
	size_t n = cgroups ? json_object_array_length(cgroups) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(
			json_object_array_get_idx(cgroups, i));
		_cleanup_free_ char *path = xasprintf("%s/pids.current", d);
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		unsigned long long v;

		if (f && fscanf(f, "%llu", &v) == 1) {
			json_object_object_add(out, "pids.current",
					       json_object_new_uint64(v));
			return;
		}
	}
}

/* The limits in force (cgroup-io.c): the CPUs the container may run on
 * (cpuset.cpus, "cpuset.cpus" when confined) and its block I/O weight
 * ("blkio.weight", from v1's or v2's file, BFQ's or not). */
static void io_stats(struct json_object *cgroups, struct json_object *out)
{
	static const char *const weights[] = {"blkio.weight",
					      "blkio.bfq.weight",
					      "io.bfq.weight", "io.weight"};
	_cleanup_free_ char *cpus = cgroup_read(cgroups, "cpuset.cpus");

	if (cpus && *cpus)
		json_object_object_add(out, "cpuset.cpus",
				       json_object_new_string(cpus));
	for (size_t i = 0; i < ARRAY_SIZE(weights); i++) {
		_cleanup_free_ char *w = cgroup_read(cgroups, weights[i]);
		const char *num =
			w && str_has_prefix(w, "default ") ? w + 8 : w;

		if (num && *num >= '0' && *num <= '9') {
			json_object_object_add(out, "blkio.weight",
					       json_object_new_uint64(strtoull(
						       num, NULL, 10)));
			return;
		}
	}
}

static int ct_stats(struct daemon *dmn, struct domain *dom,
		    struct json_object *out, void (*done)(void *opaque),
		    void *opaque, struct err **e)
{
	struct ct_dom *c = ct_of(dom);

	driver_cgroup_stats(c->cgroups, out);
	pids_stats(c->cgroups, out);
	io_stats(c->cgroups, out);
	return 0;
}

static int ct_console(struct daemon *dmn, struct domain *dom, char **path,
		      struct err **e)
{
	struct ct_dom *c = ct_of(dom);

	if (!c->con.pty || !c->con.src_ct)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"domain '%s' has no console (its init closed "
				"it, or it was lost with an earlier daemon)",
				dom->def->name);
	*path = xstrdup(c->con.pty);
	return 0;
}

int driver_ct_exec_target(struct domain *dom, int *pidfd, bool *userns,
			  int *fds, size_t max, size_t *n, struct err **e)
{
	struct ct_dom *c = ct_of(dom);
	struct ct_ids ids;

	if (!c || c->pidfd < 0)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' is not running", dom->def->name);
	ids_of(dom->def, &ids);
	*pidfd = c->pidfd;
	*userns = ids.n_uid > 0;
	*n = cgroup_open_procs(c->cgroups, fds, max);
	return 0;
}

void driver_ct_info(const struct domain_def *def, struct json_object *o)
{
	struct ct_ids ids;
	char label[96];

	ids_of(def, &ids);
	json_object_object_add(o, "privileged",
			       json_object_new_boolean(!ids.n_uid));
	json_object_object_add(
		o, "security_model",
		json_object_new_string(ids.n_uid ? "userns" : "none"));
	if (ids.n_uid)
		snprintf(label, sizeof(label),
			 "root is host uid %" PRIu32 ", gid %" PRIu32
			 " (unprivileged)",
			 root_host(ids.uid, ids.n_uid),
			 root_host(ids.gid, ids.n_gid));
	else
		snprintf(label, sizeof(label),
			 "privileged: root is host root (no user namespace)");
	json_object_object_add(o, "security_label",
			       json_object_new_string(label));
}

const struct driver_ops driver_ct = {
	.name = "ct",
	.validate = driver_ct_validate,
	.start = ct_start,
	.shutdown = ct_shutdown,
	.reboot = ct_reboot,
	.destroy = ct_destroy,
	.suspend = ct_suspend,
	.resume = ct_resume,
	.reattach = ct_reattach,
	.stats = ct_stats,
	.console = ct_console,
	.release = ct_release,
};
