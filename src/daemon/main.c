// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nidod: the management daemon. Parses its options, takes the state
 * directory's lock, loads the definitions, re-attaches to running VMs,
 * serves the API on its socket until SIGTERM or SIGINT. VMs keep running
 * when it exits; the next nidod re-attaches to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "daemon/daemon.h"
#include "daemon/driver.h"
#include "daemon/driver-qemu.h"
#include "daemon/events.h"
#include "daemon/machined.h"
#include "daemon/nidod-conf.h"
#include "daemon/paths.h"
#include "daemon/tls.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/loop.h"

struct options {
	int system; /* -1: by uid */
	const char *state_dir, *runtime_dir, *log_file, *vmm, *config;
	int log_level;
	unsigned timeout;
};

static void usage(FILE *f)
{
	fputs("usage: nidod [--system | --session] [--state-dir DIR]\n"
	      "             [--runtime-dir DIR] [--log-file FILE]\n"
	      "             [--log-level error|warning|info|debug]\n"
	      "             [--vmm PATH] [--timeout SECS] [--config FILE]\n"
	      "The nido management daemon (docs/api.md). System mode (the "
	      "default as\nroot) keeps state in /var/lib/nido and listens on "
	      "/run/nido/nidod.sock;\nsession mode in $XDG_STATE_HOME/nido. "
	      "NIDO_STATE_DIR, NIDO_RUNTIME_DIR\nand NIDO_VMM override the "
	      "defaults. --timeout: exit after SECS without\nclients nor "
	      "running domains (the CLI starts session daemons so).\n"
	      "--config: nidod.conf (default /etc/nido/nidod.conf, in "
	      "session mode\n$XDG_CONFIG_HOME/nido/nidod.conf; docs/remote.md)."
	      "\n",
	      f);
}

static int parse_timeout(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 86400) {
		log_error("--timeout '%s': expected 0 to 86400 seconds", s);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

/* Returns 0, 1 for "exit 0 now", or 2 for a usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{"system", no_argument, NULL, 's'},
		{"session", no_argument, NULL, 'S'},
		{"state-dir", required_argument, NULL, 'd'},
		{"runtime-dir", required_argument, NULL, 'r'},
		{"log-file", required_argument, NULL, 'l'},
		{"log-level", required_argument, NULL, 'L'},
		{"vmm", required_argument, NULL, 'm'},
		{"timeout", required_argument, NULL, 't'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'S':
			o->system = c == 's';
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'r':
			o->runtime_dir = optarg;
			break;
		case 'l':
			o->log_file = optarg;
			break;
		case 'L':
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0) {
				log_error("unknown log level '%s'", optarg);
				return 2;
			}
			break;
		case 'm':
			o->vmm = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &o->timeout) < 0)
				return 2;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("nidod %s\n", NIDO_VERSION);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return 0;
}

/* nido-vmm: the option, NIDO_VMM, next to nidod, the build tree, the
 * installed bin directory, PATH. */
static char *find_vmm(const char *opt)
{
	if (opt)
		return xstrdup(opt);
	return paths_find_program("nido-vmm", "NIDO_VMM", "vmm", "bin");
}

/*
 * flock() on @fd; when another holds it but the pid in the file is gone,
 * waits a little: a nidod killed between fork() and exec() of a child
 * (a dnsmasq, a VMM) leaves that child holding the lock until it execs.
 * 0, or -errno (-EWOULDBLOCK: a live nidod holds it) with the holder's
 * pid in @pid.
 */
static int lock_fd(int fd, char *pid, size_t size)
{
	for (int tries = 0;; tries++) {
		long holder;

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return -errno;
		memset(pid, 0, size);
		(void)!pread(fd, pid, size - 1, 0);
		pid[strcspn(pid, "\n")] = '\0';
		holder = strtol(pid, NULL, 10);
		if (tries >= 100 || holder <= 0 ||
		    !(kill((pid_t)holder, 0) < 0 && errno == ESRCH))
			return -EWOULDBLOCK;
		usleep(20000);
	}
}

/* Takes <state>/nidod.pid with flock; returns the fd (kept open). */
static int take_lock(const char *state_dir, struct err **e)
{
	_cleanup_free_ char *path = xasprintf("%s/nidod.pid", state_dir);
	_cleanup_close_ int fd =
		open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	char buf[32] = "";
	int n;

	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	n = lock_fd(fd, buf, sizeof(buf));
	if (n == -EWOULDBLOCK)
		return err_set(e, EBUSY,
			       "another nidod (pid %s) uses state "
			       "directory '%s'",
			       buf[0] ? buf : "?", state_dir);
	if (n < 0)
		return err_sys(e, -n, "locking '%s'", path);
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite_full(fd, buf, (size_t)n, 0) < 0)
		return err_sys(e, errno, "writing '%s'", path);
	return steal_fd(fd);
}

static void on_signal(struct loop *l, int signo, void *opaque)
{
	log_info("%s: exiting (running VMs keep running)", strsignal(signo));
	loop_stop(l);
}

/* Once a second: counts idle seconds, stops the loop after the timeout. */
static void on_idle_tick(struct loop *l, void *opaque)
{
	struct daemon *dmn = opaque;
	bool busy = rpc_server_clients(dmn->rpc) > 0;

	for (size_t i = 0; i < dmn->domains.l.n && !busy; i++)
		busy = domain_is_active(domain_at(&dmn->domains, i));
	dmn->idle = busy ? 0 : dmn->idle + 1;
	if (dmn->idle >= dmn->idle_timeout) {
		log_info("idle for %u s: exiting", dmn->idle);
		loop_stop(l);
	}
}

static void warn_cb(const char *msg)
{
	log_warn("%s", msg);
}

/* The kinds of object the daemon keeps. */
static const struct object_kind *const kinds[] = {&domain_kind, &network_kind,
						  &pool_kind};

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static int m_daemon_info(void *opaque, struct json_object *params,
			 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct json_object *o = json_object_new_object();

	add_str(o, "version", NIDO_VERSION);
	add_str(o, "mode", dmn->system ? "system" : "session");
	add_u64(o, "pid", (uint64_t)getpid());
	add_str(o, "state_dir", dmn->store.state_dir);
	add_str(o, "runtime_dir", dmn->store.runtime_dir);
	add_u64(o, "domains", dmn->domains.l.n);
	add_u64(o, "networks", dmn->networks.l.n);
	add_u64(o, "pools", dmn->pools.l.n);
	/* the kvm driver runs the nido-vmm built with this nidod */
	add_str(o, "hypervisor", "nido-vmm");
	add_str(o, "hypervisor_version", NIDO_VERSION);
	*result = o;
	return 0;
}

static const struct rpc_method daemon_methods[] = {
	{"daemon.info", m_daemon_info, RPC_READ_ONLY},
	/* events of every kind of object go through one subscription */
	{"event.subscribe", events_m_subscribe, RPC_READ_ONLY},
	{"event.unsubscribe", events_m_unsubscribe, RPC_READ_ONLY},
};

static int setup(struct daemon *dmn, const struct nido_paths *p, struct err **e)
{
	/*
	 * Root's daemon starts networks, whose dnsmasq drops root before it
	 * reads its files under the runtime directory: others may search it
	 * (not list it) then.
	 */
	mode_t dir_mode = p->system ? 0755 : geteuid() == 0 ? 0711 : 0700;

	if (file_mkdir_p(p->state_dir, 0700, e) < 0 ||
	    file_mkdir_p(p->runtime_dir, dir_mode, e) < 0)
		return -EIO;
	if (geteuid() == 0 && chmod(p->runtime_dir, dir_mode) < 0)
		return err_sys(e, errno, "chmod '%s'", p->runtime_dir);
	dmn->loop = loop_new(e);
	if (!dmn->loop)
		return -EIO;
	if (!loop_signal_add(dmn->loop, SIGTERM, on_signal, dmn, e) ||
	    !loop_signal_add(dmn->loop, SIGINT, on_signal, dmn, e))
		return -EIO;
	signal(SIGPIPE, SIG_IGN);
	{ /* UEFI guests' variable stores, named in their definitions;
	   * emulated TPMs' states */
		_cleanup_free_ char *nvram =
			xasprintf("%s/qemu/nvram", p->state_dir);
		_cleanup_free_ char *swtpm =
			xasprintf("%s/qemu/swtpm", p->state_dir);

		driver_qemu_set_nvram_dir(nvram);
		driver_qemu_set_swtpm_dir(swtpm);
	}
	if (store_open(&dmn->store, p->state_dir, p->runtime_dir, kinds,
		       ARRAY_SIZE(kinds), e) < 0)
		return -EIO;
	return 0;
}

static void teardown(struct daemon *dmn)
{
	dmn->shutting_down = true;
	for (size_t i = 0; i < dmn->domains.l.n; i++) {
		struct domain *dom = domain_at(&dmn->domains, i);

		if (dom->priv && dom->drv)
			dom->drv->release(dmn, dom);
	}
	domain_list_clear(&dmn->domains);
	networks_release(dmn);
	pools_release(dmn);
	clone_jobs_release(dmn);
	store_close(&dmn->store);
	loop_free(dmn->loop);
	free(dmn->vmm_path);
}

/*
 * The soft fd limit up to the hard one: each client is a descriptor, and
 * 1024 (the usual soft limit) is too few for a host's daemon.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("raising the fd limit to %llu: %s",
			 (unsigned long long)rl.rlim_max, strerror(errno));
}

/* The read-write socket, then the read-only one, as nidod.conf says. */
static int listen_unix(struct daemon *dmn, const struct nido_paths *p,
		       const struct nidod_conf *conf, struct err **e)
{
	struct rpc_unix_listen rw = {
		.path = p->socket,
		.mode = conf->unix_sock_rw_perms,
		.owner = dmn->uid,
		.gid = conf->unix_sock_group,
	};
	struct rpc_unix_listen ro = rw;

	ro.path = p->socket_ro;
	ro.mode = conf->unix_sock_ro_perms;
	ro.read_only = true;
	if (rpc_server_listen_unix(dmn->rpc, &rw, e) < 0 ||
	    rpc_server_listen_unix(dmn->rpc, &ro, e) < 0)
		return -EIO;
	return 0;
}

/* listen_tls = 1: TCP with TLS on listen_addr:tls_port. */
static int listen_tls(struct daemon *dmn, const struct nidod_conf *conf,
		      struct tls_server **tls, struct err **e)
{
	*tls = tls_server_new(conf->ca_file, conf->cert_file, conf->key_file,
			      conf->tls_allowed_dn_list, e);
	if (!*tls)
		return err_prefix(e, "listen_tls");
	if (rpc_server_listen_tls(dmn->rpc, conf->listen_addr, conf->tls_port,
				  *tls, conf->tls_handshake_timeout, e) < 0)
		return err_prefix(e, "listen_tls");
	log_info("listening with TLS on %s port %u",
		 conf->listen_addr ? conf->listen_addr : "every address",
		 conf->tls_port);
	return 0;
}

static int serve(struct daemon *dmn, const struct nido_paths *p,
		 const struct nidod_conf *conf, struct err **e)
{
	struct tls_server *tls = NULL;
	size_t n;
	int r;

	n = store_objects_load(&dmn->store, &dmn->domains.l, warn_cb);
	log_info("%zu domain definitions loaded from '%s'", n, p->state_dir);
	n = store_objects_load(&dmn->store, &dmn->networks.l, warn_cb);
	log_info("%zu network definitions loaded", n);
	n = store_objects_load(&dmn->store, &dmn->pools.l, warn_cb);
	log_info("%zu storage pool definitions loaded", n);
	/* before the domains: re-attached ones are checked with machined */
	machined_open(dmn, conf->register_machines);
	dmn->storage_job_timeout = conf->storage_job_timeout;
	/* networks and pools first: guests use them */
	networks_recover(dmn);
	pools_recover(dmn);
	daemon_domains_recover(dmn);
	dmn->rpc = rpc_server_new(dmn->loop, daemon_methods,
				  ARRAY_SIZE(daemon_methods), dmn,
				  &conf->limits, e);
	if (!dmn->rpc)
		return -EIO;
	rpc_server_add_methods(dmn->rpc, domain_methods, domain_n_methods);
	rpc_server_add_methods(dmn->rpc, iface_methods, iface_n_methods);
	rpc_server_add_methods(dmn->rpc, agent_methods, agent_n_methods);
	rpc_server_add_methods(dmn->rpc, network_methods, network_n_methods);
	rpc_server_add_methods(dmn->rpc, pool_methods, pool_n_methods);
	rpc_server_add_methods(dmn->rpc, save_methods, save_n_methods);
	rpc_server_add_methods(dmn->rpc, vcpu_methods, vcpu_n_methods);
	rpc_server_add_methods(dmn->rpc, snapshot_methods, snapshot_n_methods);
	rpc_server_add_methods(dmn->rpc, blockjob_methods, blockjob_n_methods);
	rpc_server_add_methods(dmn->rpc, clone_methods, clone_n_methods);
	rpc_server_add_methods(dmn->rpc, ct_exec_methods, ct_exec_n_methods);
	r = listen_unix(dmn, p, conf, e);
	if (r == 0 && conf->listen_tls)
		r = listen_tls(dmn, conf, &tls, e);
	if (r == 0 && dmn->idle_timeout &&
	    !loop_timer_add(dmn->loop, 1000000000ull, 1000000000ull,
			    on_idle_tick, dmn, e))
		r = -EIO;
	if (r == 0) {
		log_info("nidod %s (%s mode) listening on '%s' and '%s'",
			 NIDO_VERSION, p->system ? "system" : "session",
			 p->socket, p->socket_ro);
		r = loop_run(dmn->loop, e);
	}
	rpc_server_free(dmn->rpc);
	dmn->rpc = NULL;
	ct_exec_free_all(dmn);
	events_free(dmn);
	machined_close(dmn);
	tls_server_free(tls);
	return r;
}

/* nidod.conf: --config, which must exist, else the mode's default. */
static int load_conf(const struct options *o, bool system,
		     struct nidod_conf *conf, struct err **e)
{
	_cleanup_free_ char *path = NULL;

	nidod_conf_init(conf);
	path = o->config ? xstrdup(o->config) : nidod_conf_default_path(system);
	if (!path)
		return 0;
	return nidod_conf_load(conf, path, o->config != NULL, warn_cb, e);
}

static int run(const struct options *o, struct err **e)
{
	struct nido_paths p;
	struct daemon dmn = {
		.next_id = 1,
		.uid = getuid(),
		.domains = DOMAIN_LIST_INIT,
		.networks = NETWORK_LIST_INIT,
		.lease_inotify = -1,
		.pools = POOL_LIST_INIT,
	};
	struct nidod_conf conf;
	_cleanup_close_ int lock = -1;
	int r;

	dmn.system = o->system < 0 ? geteuid() == 0 : o->system;
	if (dmn.system && geteuid() != 0)
		return err_set(e, EPERM,
			       "system mode needs root (use "
			       "--session)");
	if (load_conf(o, dmn.system, &conf, e) < 0) {
		nidod_conf_release(&conf);
		return -EINVAL;
	}
	if (paths_resolve(dmn.system, o->state_dir, o->runtime_dir, &p, e) <
	    0) {
		nidod_conf_release(&conf);
		return -EINVAL;
	}
	raise_fd_limit();
	dmn.vmm_path = find_vmm(o->vmm);
	dmn.idle_timeout = o->timeout;
	r = setup(&dmn, &p, e);
	if (r == 0 && (lock = take_lock(p.state_dir, e)) < 0)
		r = lock;
	if (r == 0)
		r = serve(&dmn, &p, &conf, e);
	teardown(&dmn);
	paths_release(&p);
	nidod_conf_release(&conf);
	return r;
}

int main(int argc, char **argv)
{
	struct options o = {.system = -1, .log_level = LOG_LEVEL_INFO};
	_cleanup_err_ struct err *e = NULL;
	int r;

	log_init("nidod");
	r = parse_args(argc, argv, &o);
	if (r)
		return r == 1 ? 0 : 2;
	log_set_level((enum log_level)o.log_level);
	if (o.log_file && log_set_file(o.log_file, &e) < 0) {
		log_error("%s", err_msg(e));
		return 1;
	}
	if (run(&o, &e) < 0) {
		log_error("%s", err_msg(e));
		return 1;
	}
	return 0;
}
