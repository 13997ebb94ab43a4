// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Virtual networks at run time (network.h): starting and stopping what a
 * network is made of, in an order a crash can be recovered from.
 *
 * What a running network has, and where nidod finds it again:
 * - its run-time record, <runtime>/networks/NAME.json: {"state":
 *   "starting" | "running" | "stopping", "bridge", "dnsmasq_pid",
 *   "dnsmasq_start"}, written before anything is made and removed after
 *   everything is taken down; with its live definition beside it;
 * - its bridge (mode='bridge': the host's, never made or removed here);
 * - its nftables table `inet nido-BRIDGE` (net/fw.h), written whole in
 *   one transaction, so writing it again never duplicates a rule;
 * - its dnsmasq, started with --conf-file=<runtime>/dnsmasq/NAME/
 *   dnsmasq.conf (how a dnsmasq of ours is recognised, even one whose pid
 *   a crash kept from being recorded), in its own session so that it
 *   outlives a restart of nidod, watched through a pidfd.
 * Finding all that again at daemon start is network-recover.c's.
 */
#include "daemon/network.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/driver-common.h"
#include "daemon/events.h"
#include "daemon/network-priv.h"
#include "daemon/network_conf_net.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/spawn.h"
#include "net/fw.h"
#include "net/link.h"
#include "net/route.h"

/* dnsmasq exits tolerated in a minute before nidod stops restarting it. */
#define DNSMASQ_MAX_FAILS      5
#define DNSMASQ_FAIL_WINDOW_NS (60ull * 1000000000ull)
/* Time for dnsmasq to exit on SIGTERM before SIGKILL. */
#define DNSMASQ_STOP_MS 2000
/* Leases are read this long after the lease file last changed. */
#define LEASE_SETTLE_NS (100ull * 1000000ull)

/* ---- the kind ---------------------------------------------------------- */

static int kind_parse(const char *xml, size_t len, bool driver, void **def,
		      struct xml_warnings *w, struct err **e)
{
	struct network_def *d = NULL;
	int r;

	(void)driver; /* networks have one set of rules */
	r = network_def_parse(xml, len, &d, w, e);
	*def = d;
	return r;
}

static char *kind_format(const void *def)
{
	return network_def_format(def);
}

static void kind_def_free(void *def)
{
	network_def_free(def);
}

static const char *kind_def_name(const void *def)
{
	return ((const struct network_def *)def)->name;
}

static uint8_t *kind_def_uuid(void *def)
{
	return ((struct network_def *)def)->uuid.bytes;
}

static bool kind_def_uuid_generated(const void *def)
{
	return ((const struct network_def *)def)->uuid_generated;
}

static void dns_init(struct network_dnsmasq_proc *d)
{
	memset(d, 0, sizeof(*d));
	d->pidfd = -1;
	d->inotify = -1;
}

static struct object *kind_obj_new(void *def)
{
	struct network *n = xcalloc(1, sizeof(*n));

	n->kind_ = &network_kind;
	n->def = def;
	dns_init(&n->dns);
	return &n->obj;
}

/* Only after the watches are gone (networks_release, network_stop). */
static void kind_obj_free(struct object *o)
{
	struct network *n = network_of(o);

	close_safe(n->dns.pidfd);
	/* dns.inotify is a watch of dmn->lease_inotify, not an fd */
	net_leases_free(n->dns.leases, n->dns.n_leases);
	network_def_free(n->def);
	network_def_free(n->newdef);
	free(n);
}

static bool kind_is_active(const struct object *o)
{
	return ((const struct network *)o)->active;
}

const struct object_kind network_kind = {
	.name = "network",
	.dir = "networks",
	.err_missing = ERR_NO_NETWORK,
	.err_exists = ERR_NETWORK_EXIST,
	.parse = kind_parse,
	.format = kind_format,
	.def_free = kind_def_free,
	.def_name = kind_def_name,
	.def_uuid = kind_def_uuid,
	.def_uuid_generated = kind_def_uuid_generated,
	.obj_new = kind_obj_new,
	.obj_free = kind_obj_free,
	.is_active = kind_is_active,
};

const char *network_bridge(const struct network *net)
{
	return net->def->bridge;
}

const char *network_name(const struct network *net)
{
	return net->def->name;
}

/* ---- files -------------------------------------------------------------- */

/* <runtime>/dnsmasq/NAME[/FILE]: what dnsmasq reads (see dnsmasq_dir). */
static char *dns_path(const struct daemon *dmn, const char *name,
		      const char *file)
{
	if (!file)
		return xasprintf("%s/dnsmasq/%s", dmn->store.runtime_dir, name);
	return xasprintf("%s/dnsmasq/%s/%s", dmn->store.runtime_dir, name,
			 file);
}

int network_save_record(struct daemon *dmn, const struct network *net,
			const char *state, struct err **e)
{
	_cleanup_json_ struct json_object *rec = json_object_new_object();

	json_object_object_add(rec, "state", json_object_new_string(state));
	json_object_object_add(rec, "bridge",
			       json_object_new_string(net->def->bridge));
	if (net->dns.pid > 0) {
		json_object_object_add(rec, "dnsmasq_pid",
				       json_object_new_int(net->dns.pid));
		json_object_object_add(
			rec, "dnsmasq_start",
			json_object_new_uint64(net->dns.start_time));
	}
	return store_runtime_save(&dmn->store, &network_kind, network_name(net),
				  rec, e);
}

/*
 * dnsmasq drops root for an unprivileged user before it reads its hosts
 * files (at start and on SIGHUP): their directory and its parents must
 * be searchable by anyone. Says which one is not.
 */
static int check_searchable(const char *dir, struct err **e)
{
	_cleanup_free_ char *p = xstrdup(dir);

	for (char *s = p + strlen(p); s > p; s = strrchr(p, '/')) {
		struct stat st;

		*s = '\0';
		if (!*p)
			break;
		if (stat(p, &st) == 0 && !(st.st_mode & S_IXOTH))
			return err_setk(e, ERR_OPERATION_FAILED, EACCES,
					"dnsmasq, which runs unprivileged, "
					"cannot reach its files: directory "
					"'%s' is not searchable by others "
					"(mode %03o)",
					p, st.st_mode & 0777);
	}
	return 0;
}

/* The unprivileged user dnsmasq runs as: Debian's "dnsmasq", or nobody. */
static const char *dnsmasq_user(void)
{
	if (geteuid() != 0)
		return NULL; /* it cannot change user anyway */
	return getpwnam("dnsmasq") ? "dnsmasq" : "nobody";
}

static int write_text(const char *path, char *text, struct err **e)
{
	int r;

	if (!text)
		return -EINVAL;
	r = file_write_replace(path, text, strlen(text), 0644, e);
	free(text);
	return r;
}

/*
 * The lease file, empty when dnsmasq has not written one yet: watched
 * from the start (dnsmasq opens it as root, before it drops root).
 */
static int lease_file_create(const char *path, struct err **e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return err_sys(e, errno, "creating '%s'", path);
	close(fd);
	return 0;
}

/*
 * dnsmasq's files for @net: 0 with them written, 1 when the network needs
 * no dnsmasq, or -errno.
 */
int dnsmasq_files(struct daemon *dmn, const struct network *net, struct err **e)
{
	_cleanup_free_ char *dir = dns_path(dmn, network_name(net), NULL);
	_cleanup_free_ char *conf =
		dns_path(dmn, network_name(net), "dnsmasq.conf");
	_cleanup_free_ char *leases =
		dns_path(dmn, network_name(net), "leases");
	_cleanup_free_ char *hosts =
		dns_path(dmn, network_name(net), "dhcp-hosts");
	_cleanup_free_ char *dns =
		dns_path(dmn, network_name(net), "dns-hosts");
	struct network_dnsmasq_paths paths = {leases, hosts, dns, NULL,
					      dnsmasq_user()};
	struct network_dnsmasq m;
	int r;

	if (network_def_dnsmasq(net->def, net->def->bridge, &paths, &m) == 1)
		return 1;
	r = file_mkdir_p(dir, 0755, e);
	if (r == 0 && chmod(dir, 0755) < 0)
		r = err_sys(e, errno, "chmod '%s'", dir);
	if (r == 0)
		r = check_searchable(dir, e);
	if (r == 0)
		r = lease_file_create(leases, e);
	if (r == 0)
		r = write_text(hosts, net_dnsmasq_dhcp_hosts(&m.conf, e), e);
	if (r == 0)
		r = write_text(dns,
			       net_dnsmasq_dns_hosts(m.dns_hosts,
						     net->def->n_dns_hosts, e),
			       e);
	if (r == 0)
		r = write_text(conf, net_dnsmasq_conf(&m.conf, e), e);
	network_dnsmasq_release(&m);
	return r < 0 ? err_prefix(e, "network '%s': dnsmasq's files",
				  network_name(net))
		     : 0;
}

/*
 * Removes <runtime>/dnsmasq/NAME and whatever is in it: the files written
 * there, and what a crash left (a write's temporary file, a file of a
 * newer or older nidod): the directory is nido's alone.
 */
static void dnsmasq_files_remove(struct daemon *dmn, const char *name)
{
	_cleanup_free_ char *path = dns_path(dmn, name, NULL);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (fd >= 0 && !dir)
		close(fd);
	while (dir && (de = readdir(dir)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			unlinkat(dirfd(dir), de->d_name, 0);
	if (dir)
		closedir(dir);
	rmdir(path);
}

/* ---- dnsmasq -------------------------------------------------------- */

static void dnsmasq_watch_leases(struct daemon *dmn, struct network *net);

/* The conf-file argument of @name's dnsmasq: how one is recognised. */
static char *conf_arg(const struct daemon *dmn, const char *name)
{
	return xasprintf("--conf-file=%s/dnsmasq/%s/dnsmasq.conf",
			 dmn->store.runtime_dir, name);
}

/*
 * /proc/@pid/@file (*@len bytes, @len may be NULL), or NULL when the
 * process is gone or the file unreadable.
 */
static char *proc_file(pid_t pid, const char *file, size_t *len)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	char *text = NULL;

	if (file_read_all(path, 1 << 16, &text, len, NULL) < 0)
		return NULL;
	return text;
}

/* Does @pid's command line have the argument @arg (or one starting so,
 * with @prefix)? */
static bool cmdline_has(pid_t pid, const char *arg, bool prefix)
{
	size_t len = 0, n = strlen(arg);
	_cleanup_free_ char *text = proc_file(pid, "cmdline", &len);

	for (size_t i = 0; text && i < len; i += strlen(text + i) + 1)
		if (prefix ? !strncmp(text + i, arg, n) : streq(text + i, arg))
			return true;
	return false;
}

/* PF_EXITING of the kernel's task flags (field 9 of /proc/PID/stat). */
#define TASK_PF_EXITING 0x4u

/* Is SIGKILL pending for @pid, per /proc/PID/status's @field mask? */
static bool sigkill_pending(const char *status, const char *field)
{
	const char *p = strstr(status, field);

	return p && (strtoull(p + strlen(field), NULL, 16) &
		     (1ull << (SIGKILL - 1)));
}

/*
 * Is @pid on its way out: exiting (PF_EXITING) or with a SIGKILL not yet
 * acted on? Until it is a zombie such a process still shows its command
 * line and start time. A killed dnsmasq whose nidod died too is nobody's
 * child: adopted, it would end under the new nidod a moment later, with
 * the network reported running and its dnsmasq gone until the restart.
 */
static bool proc_dying(pid_t pid)
{
	_cleanup_free_ char *stat = proc_file(pid, "stat", NULL);
	_cleanup_free_ char *status = proc_file(pid, "status", NULL);
	char *p = stat ? strrchr(stat, ')') : NULL, *save = NULL, *tok;

	if (!p || !status)
		return true;
	tok = strtok_r(p + 1, " ", &save); /* field 3: state */
	for (int field = 4; field <= 9 && tok; field++)
		tok = strtok_r(NULL, " ", &save);
	return !tok || (strtoull(tok, NULL, 10) & TASK_PF_EXITING) ||
	       sigkill_pending(status, "\nSigPnd:") ||
	       sigkill_pending(status, "\nShdPnd:");
}

/*
 * Does process @pid still run the dnsmasq the record names, and will it
 * go on running? Its start time (not a zombie) and command line say it
 * is the one; not dying says it is worth adopting.
 */
bool dnsmasq_is_ours(struct daemon *dmn, const char *name, pid_t pid,
		     uint64_t start)
{
	_cleanup_free_ char *arg = conf_arg(dmn, name);

	return pid > 0 && start && driver_proc_start_time(pid) == start &&
	       cmdline_has(pid, arg, false) && !proc_dying(pid);
}

/*
 * The processes whose command line has @name's conf-file argument (every
 * dnsmasq of ours when @name is NULL): how a dnsmasq is found that a
 * crash kept from being recorded. A 0-terminated array to free.
 */
pid_t *dnsmasq_find(const struct daemon *dmn, const char *name)
{
	_cleanup_free_ char *arg = name ? conf_arg(dmn, name)
					: xasprintf("--conf-file=%s/dnsmasq/",
						    dmn->store.runtime_dir);
	DIR *dir = opendir("/proc");
	pid_t *v = xcalloc(1, sizeof(*v));
	size_t n = 0;
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 1 || pid == getpid() ||
		    !cmdline_has((pid_t)pid, arg, !name))
			continue;
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = (pid_t)pid;
		v[n] = 0;
	}
	if (dir)
		closedir(dir);
	return v;
}

static void on_dnsmasq_retry(struct loop *l, void *opaque);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Forgets the process (after it ended), reaping it if it was a child. */
char *dnsmasq_forget(struct daemon *dmn, struct network *net)
{
	struct network_dnsmasq_proc *d = &net->dns;
	siginfo_t si = {0};
	char *why = NULL;

	if (d->watch) {
		loop_source_del(dmn->loop, d->watch);
		d->watch = NULL;
	}
	if (d->pidfd >= 0 &&
	    waitid((idtype_t)P_PIDFD, (id_t)d->pidfd, &si, WEXITED | WNOHANG) ==
		    0 &&
	    si.si_pid) {
		int st = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0)
						  : si.si_status;
		why = spawn_status_str(st);
	}
	close_safe(d->pidfd);
	d->pidfd = -1;
	d->pid = 0;
	d->start_time = 0;
	return why ? why : xstrdup("exited");
}

static void on_dnsmasq_exit(struct loop *l, int fd, uint32_t events,
			    void *opaque)
{
	struct network *net = opaque;
	struct daemon *dmn = net->dmn;
	struct network_dnsmasq_proc *d = &net->dns;
	_cleanup_free_ char *why = NULL;
	_cleanup_err_ struct err *e = NULL;
	uint64_t now = now_ns(), delay;

	(void)fd;
	(void)events;
	why = dnsmasq_forget(dmn, net);
	log_warn("network '%s': dnsmasq %s", network_name(net), why);
	events_network_dnsmasq(dmn, net, "exited", why);
	if (!d->fails || now - d->first_fail_ns > DNSMASQ_FAIL_WINDOW_NS) {
		d->fails = 0;
		d->first_fail_ns = now;
	}
	if (++d->fails > DNSMASQ_MAX_FAILS) {
		log_error("network '%s': dnsmasq exited %u times in a minute; "
			  "not restarting it (net-destroy and net-start the "
			  "network to try again)",
			  network_name(net), d->fails - 1);
		events_network_dnsmasq(dmn, net, "failed",
				       "exited too often; not restarted");
		network_save_record(dmn, net, "running", NULL);
		return;
	}
	/* 0.1 s, 0.2 s, 0.4 s...: a dnsmasq that cannot start does not spin */
	delay = 100000000ull << (d->fails - 1);
	if (!d->retry)
		d->retry = loop_timer_add(dmn->loop, delay, 0, on_dnsmasq_retry,
					  net, &e);
	else
		loop_timer_set(dmn->loop, d->retry, delay, 0);
	if (e)
		log_error("network '%s': %s", network_name(net), err_msg(e));
}

static void on_dnsmasq_retry(struct loop *l, void *opaque)
{
	struct network *net = opaque;
	struct daemon *dmn = net->dmn;
	_cleanup_err_ struct err *e = NULL;

	if (!net->active || net->dns.pid > 0)
		return;
	if (dnsmasq_files(dmn, net, &e) < 0 ||
	    dnsmasq_spawn(dmn, net, &e) < 0 ||
	    network_save_record(dmn, net, "running", &e) < 0) {
		log_error("network '%s': restarting dnsmasq: %s",
			  network_name(net), err_msg(e));
		events_network_dnsmasq(dmn, net, "failed", err_msg(e));
		return;
	}
	log_info("network '%s': dnsmasq restarted (pid %d)", network_name(net),
		 (int)net->dns.pid);
	events_network_dnsmasq(dmn, net, "restarted", NULL);
}

/* Watches the running dnsmasq's pidfd. */
int dnsmasq_watch(struct daemon *dmn, struct network *net, struct err **e)
{
	net->dns.watch = loop_fd_add(dmn->loop, net->dns.pidfd, EPOLLIN,
				     on_dnsmasq_exit, net, e);
	if (!net->dns.watch)
		return -EIO;
	dnsmasq_watch_leases(dmn, net);
	return 0;
}

/* Runs dnsmasq for @net (its files written) and watches it. */
int dnsmasq_spawn(struct daemon *dmn, struct network *net, struct err **e)
{
	_cleanup_free_ char *arg = conf_arg(dmn, network_name(net));
	_cleanup_free_ char *log =
		dns_path(dmn, network_name(net), "dnsmasq.log");
	const char *prog = getenv("NIDO_DNSMASQ");
	char *argv[] = {(char *)(prog ? prog : "dnsmasq"), arg,
			"--keep-in-foreground", "--log-facility=-", NULL};
	struct spawn_opts o;
	struct spawn_child c;
	_cleanup_close_ int logfd = driver_open_log(log, e);

	if (logfd < 0)
		return err_prefix(e, "network '%s'", network_name(net));
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdout_fd = logfd;
	o.stderr_fd = logfd;
	o.new_session = 1; /* outlives a restart of nidod */
	if (spawn_start(&o, &c, e) < 0)
		return err_prefix(e, "network '%s': starting dnsmasq",
				  network_name(net));
	net->dns.pid = c.pid;
	net->dns.pidfd = c.pidfd;
	net->dns.start_time = driver_proc_start_time(c.pid);
	return dnsmasq_watch(dmn, net, e);
}

/*
 * Ends @pid, a dnsmasq of ours that no network watches (recovery, before
 * nidod serves anyone): TERM, then KILL, waiting for it.
 */
void dnsmasq_kill_wait(pid_t pid)
{
	_cleanup_close_ int fd = (int)pidfd_open(pid, 0);
	struct spawn_child c = {.pid = pid, .pidfd = fd};
	int status;

	if (fd < 0)
		return; /* gone */
	pidfd_send_signal(fd, SIGTERM, NULL, 0);
	if (spawn_wait_timeout(&c, DNSMASQ_STOP_MS, &status) == -ETIMEDOUT) {
		pidfd_send_signal(fd, SIGKILL, NULL, 0);
		spawn_wait_timeout(&c, DNSMASQ_STOP_MS, &status);
	}
	c.pidfd = -1; /* still owned by fd */
}

typedef void (*dnsmasq_then_fn)(struct daemon *dmn, struct network *net);

/* Is @net's dnsmasq being ended (a stop or a restart under way)? */
static bool ending(const struct network *net)
{
	return net->dns.then != NULL;
}

static void on_dnsmasq_ended(struct loop *l, int fd, uint32_t events,
			     void *opaque)
{
	struct network *net = opaque;
	struct network_dnsmasq_proc *d = &net->dns;
	dnsmasq_then_fn then = d->then;

	(void)fd;
	(void)events;
	if (d->kill_timer)
		loop_source_del(l, d->kill_timer);
	d->kill_timer = NULL;
	d->then = NULL;
	free(dnsmasq_forget(net->dmn, net));
	then(net->dmn, net);
}

static void on_dnsmasq_kill(struct loop *l, void *opaque)
{
	struct network *net = opaque;

	(void)l;
	log_warn("network '%s': dnsmasq %d did not end on SIGTERM; killing it",
		 network_name(net), (int)net->dns.pid);
	pidfd_send_signal(net->dns.pidfd, SIGKILL, NULL, 0);
}

/*
 * Ends @net's dnsmasq and its watches without waiting: SIGTERM, SIGKILL
 * DNSMASQ_STOP_MS later, and @then once its pidfd says it is gone.
 * RPC_DEFERRED, or 0 when none ran (@then has run: it may free @net).
 */
static int dnsmasq_end(struct daemon *dmn, struct network *net,
		       dnsmasq_then_fn then)
{
	struct network_dnsmasq_proc *d = &net->dns;
	_cleanup_err_ struct err *e = NULL;

	dnsmasq_unwatch(dmn, net);
	if (d->retry)
		loop_source_del(dmn->loop, d->retry);
	d->retry = NULL;
	d->fails = 0;
	if (d->pid > 0 && d->pidfd >= 0 &&
	    pidfd_send_signal(d->pidfd, SIGTERM, NULL, 0) == 0) {
		if (d->watch)
			loop_source_del(dmn->loop, d->watch);
		d->watch = loop_fd_add(dmn->loop, d->pidfd, EPOLLIN,
				       on_dnsmasq_ended, net, &e);
		if (d->watch)
			d->kill_timer = loop_timer_add(
				dmn->loop, DNSMASQ_STOP_MS * 1000000ull, 0,
				on_dnsmasq_kill, net, &e);
		if (d->kill_timer) {
			d->then = then;
			return RPC_DEFERRED;
		}
		/* the loop cannot wait for it: kill it outright */
		log_warn("network '%s': %s", network_name(net), err_msg(e));
		pidfd_send_signal(d->pidfd, SIGKILL, NULL, 0);
	}
	free(dnsmasq_forget(dmn, net));
	then(dmn, net);
	return 0;
}

/* ---- leases ------------------------------------------------------------- */

static bool lease_same(const struct net_lease *a, const struct net_lease *b)
{
	return net_ip_eq(&a->ip, &b->ip) && a->hwaddr_len == b->hwaddr_len &&
	       !memcmp(a->hwaddr, b->hwaddr, a->hwaddr_len) &&
	       a->iaid == b->iaid;
}

static bool lease_in(const struct net_lease *l, const struct net_lease *v,
		     size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lease_same(l, &v[i]))
			return true;
	return false;
}

/*
 * <runtime>/dnsmasq/NAME/leases.reported: the lease file as nidod last
 * reported it, so that a nidod started again reports only the leases
 * that came or went while none ran, not every lease as new.
 */
static char *reported_path(const struct daemon *dmn, const struct network *net)
{
	return dns_path(dmn, network_name(net), "leases.reported");
}

/* Reports the leases of @v not in @net's last list, and the reverse. */
static size_t leases_report(struct daemon *dmn, struct network *net,
			    const struct net_lease *v, size_t n)
{
	struct network_dnsmasq_proc *d = &net->dns;
	size_t changes = 0;

	for (size_t i = 0; i < n; i++)
		if (!lease_in(&v[i], d->leases, d->n_leases)) {
			events_network_lease(dmn, net, "added", &v[i]);
			changes++;
		}
	for (size_t i = 0; i < d->n_leases; i++)
		if (!lease_in(&d->leases[i], v, n)) {
			events_network_lease(dmn, net, "removed",
					     &d->leases[i]);
			changes++;
		}
	return changes;
}

/* Reads the leases again and reports the ones that came and went. */
static void leases_reread(struct daemon *dmn, struct network *net)
{
	struct network_dnsmasq_proc *d = &net->dns;
	_cleanup_free_ char *path = dns_path(dmn, network_name(net), "leases");
	_cleanup_free_ char *reported = reported_path(dmn, net);
	_cleanup_free_ char *text = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct net_lease *v = NULL;
	size_t len = 0, n = 0, skipped = 0;
	int r = file_read_all(path, NET_LEASE_FILE_MAX, &text, &len, &e);

	if (r == -ENOENT)
		err_free(steal_ptr(e));
	if ((r < 0 && r != -ENOENT) ||
	    net_leases_parse(text ? text : "", len, &v, &n, &skipped, &e) < 0) {
		log_warn("network '%s': '%s': %s", network_name(net), path,
			 err_msg(e));
		return;
	}
	if (skipped)
		log_warn("network '%s': %zu lines of the lease file skipped",
			 network_name(net), skipped);
	if (leases_report(dmn, net, v, n) &&
	    file_write_replace(reported, text ? text : "", len, 0600, &e) < 0)
		log_warn("network '%s': %s", network_name(net), err_msg(e));
	net_leases_free(d->leases, d->n_leases);
	d->leases = v;
	d->n_leases = n;
}

/*
 * At recovery, before the lease file is read: the leases the last nidod
 * reported (none if it reported none).
 */
void network_leases_recall(struct daemon *dmn, struct network *net)
{
	struct network_dnsmasq_proc *d = &net->dns;
	_cleanup_free_ char *reported = reported_path(dmn, net);
	_cleanup_err_ struct err *e = NULL;

	net_leases_free(d->leases, d->n_leases);
	d->leases = NULL;
	d->n_leases = 0;
	if (net_leases_read(reported, &d->leases, &d->n_leases, NULL, &e) < 0)
		log_warn("network '%s': %s", network_name(net), err_msg(e));
}

static void on_lease_timer(struct loop *l, void *opaque)
{
	struct network *net = opaque;

	(void)l;
	leases_reread(net->dmn, net);
}

static void lease_changed(struct loop *l, struct network *net)
{
	_cleanup_err_ struct err *e = NULL;

	/* dnsmasq writes the file in several calls: read it once settled */
	if (!net->dns.lease_timer)
		net->dns.lease_timer = loop_timer_add(l, LEASE_SETTLE_NS, 0,
						      on_lease_timer, net, &e);
	else
		loop_timer_set(l, net->dns.lease_timer, LEASE_SETTLE_NS, 0);
}

static void on_lease_change(struct loop *l, int fd, uint32_t events,
			    void *opaque)
{
	struct daemon *dmn = opaque;
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *ev =
				(const struct inotify_event *)(buf + off);

			for (size_t i = 0; i < dmn->networks.l.n; i++) {
				struct network *net =
					network_at(&dmn->networks, i);

				if (net->dns.inotify == ev->wd &&
				    !(ev->mask & IN_IGNORED))
					lease_changed(l, net);
			}
			off += (ssize_t)(sizeof(*ev) + ev->len);
		}
}

/* The daemon's lease inotify instance (daemon.h), opened once. */
static int lease_inotify_open(struct daemon *dmn, struct err **e)
{
	if (dmn->lease_inotify >= 0)
		return 0;
	dmn->lease_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (dmn->lease_inotify < 0)
		return err_sys(e, errno, "inotify");
	dmn->lease_source = loop_fd_add(dmn->loop, dmn->lease_inotify, EPOLLIN,
					on_lease_change, dmn, e);
	if (!dmn->lease_source) {
		close_safe(dmn->lease_inotify);
		dmn->lease_inotify = -1;
		return -EIO;
	}
	return 0;
}

/* At daemon exit (networks_release). */
static void lease_inotify_close(struct daemon *dmn)
{
	if (dmn->lease_source)
		loop_source_del(dmn->loop, dmn->lease_source);
	dmn->lease_source = NULL;
	close_safe(dmn->lease_inotify);
	dmn->lease_inotify = -1;
}

/* Watches the lease file (dnsmasq rewrites it in place). */
static void dnsmasq_watch_leases(struct daemon *dmn, struct network *net)
{
	struct network_dnsmasq_proc *d = &net->dns;
	_cleanup_free_ char *path = dns_path(dmn, network_name(net), "leases");
	_cleanup_err_ struct err *e = NULL;

	if (d->inotify >= 0)
		return;
	if (lease_inotify_open(dmn, &e) < 0 ||
	    (d->inotify = inotify_add_watch(dmn->lease_inotify, path,
					    IN_MODIFY | IN_CLOSE_WRITE)) < 0) {
		log_warn("network '%s': watching '%s': %s", network_name(net),
			 path, e ? err_msg(e) : strerror(errno));
		d->inotify = -1;
		return;
	}
	leases_reread(dmn, net);
}

void dnsmasq_unwatch(struct daemon *dmn, struct network *net)
{
	struct network_dnsmasq_proc *d = &net->dns;

	if (d->lease_timer)
		loop_source_del(dmn->loop, d->lease_timer);
	d->lease_timer = NULL;
	if (d->inotify >= 0 && dmn->lease_inotify >= 0)
		inotify_rm_watch(dmn->lease_inotify, d->inotify);
	d->inotify = -1;
}

int network_leases(struct daemon *dmn, struct network *net,
		   struct net_lease **out, size_t *n, struct err **e)
{
	_cleanup_free_ char *path = dns_path(dmn, network_name(net), "leases");

	*out = NULL;
	*n = 0;
	if (!net->active)
		return 0;
	return net_leases_read(path, out, n, NULL, e);
}

/* ---- start and stop ------------------------------------------------------ */

/*
 * NAT and routed networks forward between the bridge and the outside:
 * the kernel must forward at all (libvirt turns it on the same way).
 */
static int enable_forwarding(const struct network_def *d, struct err **e)
{
	bool v4 = false, v6 = false;

	if (d->forward != NETWORK_FORWARD_NAT &&
	    d->forward != NETWORK_FORWARD_ROUTE)
		return 0;
	for (size_t i = 0; i < d->n_ips; i++) {
		v4 |= d->ips[i].address.family == AF_INET;
		v6 |= d->ips[i].address.family == AF_INET6;
	}
	if (v4 && net_sysctl_write("net/ipv4/ip_forward", "1\n", e) < 0)
		return -EIO;
	if (v6 &&
	    net_sysctl_write("net/ipv6/conf/all/forwarding", "1\n", e) < 0)
		return -EIO;
	return 0;
}

/* What the host has that the network would collide with. */
static int check_collisions(const struct network *net, struct err **e)
{
	const struct network_def *d = net->def;
	char desc[NET_ROUTE_DESC_MAX], a[NET_IP_STRLEN];

	if (net_link_exists(d->bridge))
		return err_setk(e, ERR_OPERATION_FAILED, EEXIST,
				"network '%s': bridge '%s' is already an "
				"interface of the host",
				d->name, d->bridge);
	for (size_t i = 0; i < d->n_ips; i++) {
		const struct network_ip *ip = &d->ips[i];
		struct net_ip subnet = net_ip_network(&ip->address, ip->prefix);
		int r = net_route_overlap(&subnet, ip->prefix, NULL, desc, e);

		if (r < 0)
			return r;
		if (r)
			return err_setk(e, ERR_OPERATION_FAILED, EADDRINUSE,
					"network '%s': subnet %s/%u overlaps "
					"the host's route %s",
					d->name, net_ip_str(&subnet, a),
					ip->prefix, desc);
	}
	if (d->forward_dev && !net_link_exists(d->forward_dev))
		return err_setk(e, ERR_OPERATION_FAILED, ENODEV,
				"network '%s': forward dev '%s' is not an "
				"interface of the host",
				d->name, d->forward_dev);
	return 0;
}

/* The bridge with its MAC, addresses, up. */
static int make_bridge(const struct network_def *d, struct err **e)
{
	struct net_nl *nl = NULL;
	struct net_bridge_opts o = network_def_bridge_opts(d);
	int r = net_nl_open(&nl, e);

	if (r == 0)
		r = net_bridge_create(nl, d->bridge, &o, e);
	for (size_t i = 0; r == 0 && i < d->n_ips; i++)
		r = net_addr_add(nl, d->bridge, &d->ips[i].address,
				 d->ips[i].prefix, e);
	if (r == 0)
		r = net_link_set_up(nl, d->bridge, true, e);
	net_nl_close(nl);
	return r;
}

int network_apply_firewall(const struct network_def *d, struct err **e)
{
	struct network_fw fw;
	int r = network_def_fw(d, d->bridge, &fw, e);

	if (r < 0)
		return r;
	r = net_fw_apply(&fw.net, e);
	network_fw_release(&fw);
	return r;
}

/* Ends every dnsmasq of network @name, recorded or not. */
void dnsmasq_end_all(struct daemon *dmn, const char *name)
{
	_cleanup_free_ pid_t *pids = dnsmasq_find(dmn, name);

	for (size_t i = 0; pids[i]; i++)
		dnsmasq_kill_wait(pids[i]);
}

/*
 * Takes down what a network of bridge @bridge may have: its dnsmasq
 * (when @find_dnsmasq, every process running with its conf-file: the
 * record may lack the pid, or name an earlier one), its table, its bridge
 * (not for mode='bridge'), its dnsmasq files. dnsmasq goes first, so that
 * it writes no file into the directory being emptied. Each step works
 * whatever is there.
 */
void network_teardown(struct daemon *dmn, const char *name, const char *bridge,
		      bool host_bridge, bool find_dnsmasq)
{
	_cleanup_err_ struct err *e = NULL;
	struct net_nl *nl = NULL;

	if (find_dnsmasq)
		dnsmasq_end_all(dmn, name);
	if (host_bridge || !bridge)
		goto files;
	if (net_fw_remove(bridge, &e) < 0) {
		log_warn("network '%s': %s", name, err_msg(e));
		err_free(steal_ptr(e));
	}
	if (net_link_exists(bridge) &&
	    (net_nl_open(&nl, &e) < 0 || net_link_delete(nl, bridge, &e) < 0))
		log_warn("network '%s': %s", name, err_msg(e));
	net_nl_close(nl);
files:
	dnsmasq_files_remove(dmn, name);
}

bool network_on_host_bridge(const struct network_def *d)
{
	return d->forward == NETWORK_FORWARD_BRIDGE;
}

/*
 * Where net-start's time goes, logged at debug level (bench/net reads
 * it): each part's share, from one clock read between parts.
 */
enum start_part {
	PART_CHECKS,
	PART_RECORDS,
	PART_BRIDGE,
	PART_FIREWALL,
	PART_FORWARDING,
	PART_DNSMASQ_FILES,
	PART_DNSMASQ,
	PART_N
};
static const char *const part_names[PART_N] = {
	"checks",     "records",       "bridge", "firewall",
	"forwarding", "dnsmasq-files", "dnsmasq"};

struct start_clock {
	uint64_t last, total, ns[PART_N];
};

static void lap(struct start_clock *c, enum start_part part)
{
	uint64_t now = now_ns();

	c->ns[part] += now - c->last;
	c->total += now - c->last;
	c->last = now;
}

static void log_start_clock(const char *name, const struct start_clock *c)
{
	char parts[256];
	size_t n = 0;

	if (log_get_level() < LOG_LEVEL_DEBUG)
		return;
	for (int i = 0; i < PART_N; i++)
		n += (size_t)snprintf(parts + n, sizeof(parts) - n, " %s=%.3f",
				      part_names[i], c->ns[i] / 1e6);
	log_debug("network '%s' start took %.3f ms:%s", name, c->total / 1e6,
		  parts);
}

static int start_parts(struct daemon *dmn, struct network *net,
		       struct start_clock *c, struct err **e)
{
	const struct network_def *d = net->def;
	int r;

	if (network_on_host_bridge(d))
		return net_link_exists(d->bridge)
			       ? 0
			       : err_setk(e, ERR_OPERATION_FAILED, ENODEV,
					  "network '%s': the host has no "
					  "bridge '%s'",
					  d->name, d->bridge);
	r = make_bridge(d, e);
	lap(c, PART_BRIDGE);
	if (r == 0)
		r = network_apply_firewall(d, e);
	lap(c, PART_FIREWALL);
	if (r == 0)
		r = enable_forwarding(d, e);
	lap(c, PART_FORWARDING);
	if (r < 0)
		return err_prefix(e, "network '%s'", d->name);
	r = dnsmasq_files(dmn, net, e);
	lap(c, PART_DNSMASQ_FILES);
	if (r == 0)
		r = dnsmasq_spawn(dmn, net, e);
	lap(c, PART_DNSMASQ);
	return r < 0 ? r : 0;
}

int network_start(struct daemon *dmn, struct network *net, struct err **e)
{
	const struct network_def *d = net->def;
	struct start_clock c = {.last = now_ns()};
	int r;

	net->dmn = dmn;
	if (net->active)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"network '%s' is already active", d->name);
	if (geteuid() != 0)
		return err_setk(e, ERR_OPERATION_DENIED, EPERM,
				"network '%s': starting a network needs root "
				"(the system daemon)",
				d->name);
	if (!network_on_host_bridge(d) && check_collisions(net, e) < 0)
		return err_code(*e);
	lap(&c, PART_CHECKS);
	/* recorded first: a crash from here on is found and undone */
	if (store_live_save(&dmn->store, &network_kind, d, e) < 0 ||
	    network_save_record(dmn, net, "starting", e) < 0)
		return err_prefix(e, "network '%s'", d->name);
	lap(&c, PART_RECORDS);
	r = start_parts(dmn, net, &c, e);
	if (r == 0)
		r = network_save_record(dmn, net, "running", e);
	lap(&c, PART_RECORDS);
	if (r < 0) {
		dnsmasq_unwatch(dmn, net);
		if (net->dns.pidfd >= 0) {
			/* started, not recorded: ends at once on SIGKILL */
			siginfo_t si;

			pidfd_send_signal(net->dns.pidfd, SIGKILL, NULL, 0);
			waitid((idtype_t)P_PIDFD, (id_t)net->dns.pidfd, &si,
			       WEXITED | WNOWAIT);
		}
		free(dnsmasq_forget(dmn, net));
		network_teardown(dmn, d->name, d->bridge,
				 network_on_host_bridge(d), 0);
		store_runtime_delete(&dmn->store, &network_kind, d->name);
		return r;
	}
	net->active = true;
	log_start_clock(d->name, &c);
	log_info("network '%s' started on bridge '%s'", d->name, d->bridge);
	events_network_lifecycle(dmn, net, "started", NULL);
	return 0;
}

/* Refuses a change to @net while its dnsmasq is being ended. */
static int check_not_ending(const struct network *net, struct err **e)
{
	if (!ending(net))
		return 0;
	return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
			"network '%s' is busy: its dnsmasq is being stopped",
			network_name(net));
}

/* The rest of network_stop() once its dnsmasq is gone. */
static void stop_done(struct daemon *dmn, struct network *net)
{
	const struct network_def *d = net->def;
	struct rpc_call *job = steal_ptr(net->job);

	network_teardown(dmn, d->name, d->bridge, network_on_host_bridge(d), 0);
	store_runtime_delete(&dmn->store, &network_kind, d->name);
	net_leases_free(net->dns.leases, net->dns.n_leases);
	net->dns.leases = NULL;
	net->dns.n_leases = 0;
	net->active = false;
	log_info("network '%s' stopped", d->name);
	events_network_lifecycle(dmn, net, "stopped", NULL);
	object_apply_newdef(&net->obj);
	object_drop_transient(&dmn->networks.l, &net->obj);
	rpc_call_done(job, 0, NULL, NULL);
}

int network_stop(struct daemon *dmn, struct network *net, struct err **e)
{
	const struct network_def *d = net->def;

	if (!net->active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"network '%s' is not active", d->name);
	if (check_not_ending(net, e) < 0 ||
	    network_save_record(dmn, net, "stopping", e) < 0)
		return err_prefix(e, "network '%s'", d->name);
	return dnsmasq_end(dmn, net, stop_done);
}

/* ---- definitions --------------------------------------------------------- */

/* Is @bridge the bridge of a network other than @name? */
static bool bridge_taken(const struct daemon *dmn, const char *bridge,
			 const char *name)
{
	for (size_t i = 0; i < dmn->networks.l.n; i++) {
		const struct network *n = network_at(&dmn->networks, i);

		if (streq(network_name(n), name))
			continue;
		if (n->def->bridge && streq(n->def->bridge, bridge))
			return true;
		if (n->newdef && n->newdef->bridge &&
		    streq(n->newdef->bridge, bridge))
			return true;
	}
	return false;
}

/* The first free name of the template @tmpl ("virbr%d"). */
static int bridge_expand(const struct daemon *dmn, const char *tmpl,
			 const char *name, char **out, struct err **e)
{
	for (int i = 0; i < 32768; i++) {
		const char *pct = strstr(tmpl, "%d");
		char buf[NET_IFNAME_MAX + 8];

		/* net_ifname_check() allowed one "%d" and room for 5 digits */
		if (!pct || strlen(tmpl) > NET_IFNAME_MAX + 2)
			return err_setk(e, ERR_XML_ERROR, EINVAL,
					"network '%s': bridge name template "
					"'%s' needs one %%d",
					name, tmpl);
		snprintf(buf, sizeof(buf), "%.*s%d%s", (int)(pct - tmpl), tmpl,
			 i, pct + 2);
		if (!bridge_taken(dmn, buf, name) && !net_link_exists(buf)) {
			*out = xstrdup(buf);
			return 0;
		}
	}
	return err_setk(e, ERR_OPERATION_FAILED, ENOSPC,
			"network '%s': no free bridge name of '%s'", name,
			tmpl);
}

int network_fill_def(struct daemon *dmn, struct network_def *def,
		     struct err **e)
{
	const struct network *old =
		network_of(object_list_find_name(&dmn->networks.l, def->name));
	const struct network_def *od =
		old ? (old->newdef ? old->newdef : old->def) : NULL;

	if (!def->bridge && od && od->bridge && !network_on_host_bridge(def))
		def->bridge = xstrdup(od->bridge);
	if (!def->bridge && !network_on_host_bridge(def) &&
	    bridge_expand(dmn, "virbr%d", def->name, &def->bridge, e) < 0)
		return -ENOSPC;
	if (def->bridge && strchr(def->bridge, '%')) {
		char *tmpl = def->bridge;
		int r = bridge_expand(dmn, tmpl, def->name, &def->bridge, e);

		free(tmpl);
		if (r < 0)
			return r;
	}
	if (def->bridge && !network_on_host_bridge(def) &&
	    bridge_taken(dmn, def->bridge, def->name)) {
		for (size_t i = 0; i < dmn->networks.l.n; i++) {
			const struct network *n = network_at(&dmn->networks, i);

			if (!streq(network_name(n), def->name) &&
			    n->def->bridge &&
			    streq(n->def->bridge, def->bridge))
				return err_setk(e, ERR_OPERATION_FAILED, EEXIST,
						"bridge name '%s' is already "
						"in use by network '%s'",
						def->bridge, network_name(n));
		}
		return err_setk(e, ERR_OPERATION_FAILED, EEXIST,
				"bridge name '%s' is already in use",
				def->bridge);
	}
	if (!def->has_mac && !network_on_host_bridge(def)) {
		if (od && od->has_mac)
			memcpy(def->mac, od->mac, 6);
		else
			net_mac_random(def->mac);
		def->has_mac = true;
	}
	return 0;
}

void networks_release(struct daemon *dmn)
{
	for (size_t i = 0; i < dmn->networks.l.n; i++) {
		struct network *net = network_at(&dmn->networks, i);

		dnsmasq_unwatch(dmn, net);
		if (net->dns.watch)
			loop_source_del(dmn->loop, net->dns.watch);
		if (net->dns.retry)
			loop_source_del(dmn->loop, net->dns.retry);
		if (net->dns.kill_timer)
			loop_source_del(dmn->loop, net->dns.kill_timer);
		net->dns.watch = net->dns.retry = net->dns.kill_timer = NULL;
		/* a stop under way ends at the next start (its record says
		 * "stopping") */
		net->dns.then = NULL;
		rpc_call_done(steal_ptr(net->job), -ECANCELED, NULL, NULL);
	}
	object_list_clear(&dmn->networks.l);
	lease_inotify_close(dmn);
}

/* ---- net-update ---------------------------------------------------------- */

/* A dnsmasq for @net again, after an update ended the last one. */
static int respawn(struct daemon *dmn, struct network *net, struct err **e)
{
	int r = dnsmasq_spawn(dmn, net, e);

	if (r == 0)
		r = network_save_record(dmn, net, "running", e);
	if (r < 0) {
		log_error("network '%s': restarting dnsmasq: %s",
			  network_name(net), err_msg(*e));
		events_network_dnsmasq(dmn, net, "failed", err_msg(*e));
	}
	return r;
}

static void respawn_done(struct daemon *dmn, struct network *net)
{
	_cleanup_err_ struct err *e = NULL;
	int r = respawn(dmn, net, &e);

	rpc_call_done(steal_ptr(net->job), r, NULL, e);
}

/*
 * The running dnsmasq takes the new hosts: SIGHUP re-reads them; a new
 * configuration (a first static host) needs a new dnsmasq.
 */
static int live_hosts(struct daemon *dmn, struct network *net, struct err **e)
{
	_cleanup_free_ char *conf =
		dns_path(dmn, network_name(net), "dnsmasq.conf");
	_cleanup_free_ char *before = NULL, *after = NULL;
	size_t blen = 0, alen = 0;
	int r;

	file_read_all(conf, 1 << 20, &before, &blen, NULL);
	r = dnsmasq_files(dmn, net, e);
	if (r != 0)
		return r < 0 ? r : 0;
	file_read_all(conf, 1 << 20, &after, &alen, NULL);
	if (net->dns.pid > 0 && before && after && blen == alen &&
	    !memcmp(before, after, alen))
		return pidfd_send_signal(net->dns.pidfd, SIGHUP, NULL, 0) < 0
			       ? err_sys(e, errno, "signalling dnsmasq")
			       : 0;
	if (net->dns.pid <= 0)
		return respawn(dmn, net, e);
	return dnsmasq_end(dmn, net, respawn_done);
}

int network_update_dhcp_host(struct daemon *dmn, struct network *net,
			     const char *cmd, const char *xml, int parent,
			     bool live, bool config, struct xml_warnings *w,
			     struct err **e)
{
	struct network_def *ld = NULL, *cd = NULL;
	const struct network_def *persistent =
		net->newdef ? net->newdef : net->def;
	int r = 0;

	if (streq(cmd, "add"))
		cmd = "add-last";
	if (!streq(cmd, "add-first") && !streq(cmd, "add-last") &&
	    !streq(cmd, "delete") && !streq(cmd, "modify"))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"unknown net-update command '%.32s' (add, "
				"add-first, add-last, delete, modify)",
				cmd);
	if (live && !net->active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"network '%s' is not active: no live "
				"definition to update",
				network_name(net));
	if (check_not_ending(net, e) < 0)
		return -EBUSY;
	if (config && !net->persistent)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"network '%s' is transient: no persistent "
				"definition to update",
				network_name(net));
	/* both made before either is kept: all or nothing */
	if ((live && !(ld = network_def_host_updated(net->def, cmd, xml, parent,
						     w, e))) ||
	    (config &&
	     !(cd = network_def_host_updated(persistent, cmd, xml, parent,
					     live ? NULL : w, e)))) {
		network_def_free(ld);
		return err_code(*e);
	}
	if (cd && (r = store_def_save(&dmn->store, &network_kind, cd, e)) < 0)
		goto out;
	if (ld && (r = store_live_save(&dmn->store, &network_kind, ld, e)) < 0)
		goto out;
	if (cd && net->active) {
		network_def_free(net->newdef);
		net->newdef = steal_ptr(cd);
	} else if (cd) {
		network_def_free(net->def);
		net->def = steal_ptr(cd);
	}
	if (ld) {
		/* the persistent definition comes back at the stop */
		if (net->persistent && !net->newdef)
			net->newdef = net->def;
		else
			network_def_free(net->def);
		net->def = steal_ptr(ld);
		r = live_hosts(dmn, net, e);
	}
out:
	network_def_free(ld);
	network_def_free(cd);
	return r;
}
