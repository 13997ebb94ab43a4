// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kvm driver: one nido-vmm process per domain, in its own cgroup,
 * watched through a pidfd on the daemon's loop, controlled through its
 * control socket (docs/vmm-api.md). The process outlives the daemon; a
 * restarted daemon re-attaches to it from the run-time record.
 *
 * nido-vmm's exit status says why it stopped: 0 the guest powered off,
 * 3 it rebooted, 4 a signal stopped the VMM, 1 an error. A daemon that
 * re-attached is not the parent and cannot read it: it reads nido-vmm's
 * exit file (--exit-file) instead.
 *
 * Nothing here waits inside the loop: start watches for the control
 * socket on a timer, destroy waits for the pidfd (with a timer for
 * SIGKILL), and control calls read their answer from the loop. Such an
 * operation returns RPC_DEFERRED and ends with daemon_job_done().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "daemon/cgroup.h"
#include "daemon/daemon.h"
#include "daemon/disk-net.h"
#include "daemon/disk-open.h"
#include "daemon/domain-disks.h"
#include "daemon/driver-common.h"
#include "daemon/driver.h"
#include "daemon/driver-kvm-agent.h"
#include "daemon/driver-kvm-blockjob.h"
#include "daemon/driver-kvm-snapshot.h"
#include "daemon/events.h"
#include "daemon/iface.h"
#include "daemon/machined.h"
#include "daemon/vcpu-threads.h"
#include "daemon/vmm-client.h"
#include "daemon/vmm-events.h"
#include "block/chain.h"
#include "block/safeopen.h"
#include "lib/file.h"
#include "lib/idrange.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/spawn.h"

#define VMM_STATUS_POWEROFF 0
#define VMM_STATUS_REBOOT   3
#define VMM_STATUS_SIGNAL   4

/* How long start waits for nido-vmm to answer on its control socket
 * (it answers once the VM is built) or to fail, and how often it looks
 * for the socket. */
#define START_WAIT_MS 30000
#define START_TICK_MS 20
/* How long destroy lets nido-vmm stop after SIGTERM before SIGKILL. */
#define DESTROY_GRACE_MS   3000
#define CONTROL_TIMEOUT_MS 2000
/* How long setvcpus waits for the guest to eject vCPUs (libvirt's). */
#define UNPLUG_WAIT_MS 5000

/* A save writes all of the guest's RAM and syncs it. */
#define SAVE_TIMEOUT_MS (30 * 60 * 1000)

struct kvm_vm {
	struct daemon *dmn; /* for the watch's callback */
	struct domain *dom;
	struct spawn_child child; /* pid and pidfd (owned) */
	bool is_child;		  /* ours to reap (not re-attached) */
	bool stopped;		  /* paused with SIGSTOP (no control socket) */
	bool destroying;
	bool shutting_down; /* a shutdown was asked for */
	bool rebooting;	    /* a reboot was asked for (see kvm_reboot) */
	bool starting;	    /* start waits for the control socket */
	bool killed;	    /* destroy sent SIGKILL */
	bool start_paused;  /* start: vCPUs held until resume */
	bool graceful;	    /* destroy: SIGTERM only */
	int waited_ms;	    /* start: how long so far */
	struct loop_source *watch;
	struct loop_source *timer; /* start's or destroy's */
	struct vmm_req *req;	   /* a control call in flight */
	struct vmm_watch *events;  /* subscribed to its events */
	/* What the control call's answer means (see call_vmm); with
	 * answer_failures, also called without one (NULL). */
	int (*answered)(struct kvm_vm *vm, struct json_object *reply,
			struct json_object **result, struct err **e);
	bool answer_failures;
	char *start_error;  /* why start gave up on nido-vmm */
	const char *queued; /* a control call waiting for start to finish */
	char *api;
	char *log;
	char *config;	  /* nido-vmm's --config file */
	char *exit_file;  /* its --exit-file; NULL: a run without one */
	uint64_t log_off; /* where this run's output starts in the log */
	struct json_object *cgroups; /* owned array of directories */
	/* While it starts: each disk's files, opened by us (open_disks) and
	 * passed to nido-vmm from fd FIRST_DISK_FD on, in this order. */
	struct block_chain *chains;
	size_t n_chains;
	/* NBD servers of its network disks (disk-net.h), one per disk */
	struct disk_server *servers;
	size_t n_servers;
	unsigned sandbox_slot; /* its identity in the nido id range;
				  0: none (not root) */
	/*
	 * The serial console: a pseudo-terminal we made; nido-vmm got its
	 * master as fd console_fd. Our copy of the master (or, after a
	 * restart, one taken back from nido-vmm) keeps the pty's number
	 * from going to anyone else while the VM may still hold it; the
	 * slave's path is ours, never one nido-vmm reports.
	 */
	int console_master;
	int console_fd;
	char *console_pty;
	int console_log; /* <log file=> of the serial port, while it starts */
	struct stats_part *stats; /* stats calls in flight */
	/* The interfaces' taps: open while it starts (passed after the
	 * console's fd), and what was made for them, as recorded (owned;
	 * removed when the VM stops). */
	struct iface_set ifaces;
	struct json_object *taps;
	size_t link_index; /* the interface a set-link call is about */
	/* save and restore (docs/snapshots.md): nidod's save file, the
	 * guest's RAM at its data offset and nido-vmm's state after it */
	bool saving;	  /* a "save" call is in flight */
	bool saved;	  /* it succeeded: the exit ends the save */
	bool save_resume; /* the guest ran: a failed save resumes it */
	uint64_t save_started_ns;
	int restore_fd;	       /* the save file, while it starts from it */
	uint64_t restore_data; /* its data offset */
	bool restore_lazy;     /* map RAM from it rather than copy */
	uint64_t setmem_kib;   /* a setmem in flight: its target */
	unsigned setvcpus;     /* a setvcpus in flight: its count */
	uint64_t vcpus_gen;    /* nido-vmm's count of vCPU changes last seen:
				* an answer older than that is stale */
	/* a setvcpus that removes: waits for the guest's ejects */
	struct loop_source *unplug_timer;

	/* <channel>s and the guest agent (driver-kvm-agent.h), or NULL */
	struct kvm_chans *chans;
	/* block jobs (driver-kvm-blockjob.h), from the first one on */
	struct kvm_bjobs *bjobs;
	/* a snapshot call in flight (driver-kvm-snapshot.h), or NULL */
	struct kvm_snap *snap;
};

static void unplug_end(struct kvm_vm *vm, int r, const char *why);
static void set_current(struct kvm_vm *vm, int64_t n, uint64_t gen);
static void vcpu_removed(struct kvm_vm *vm, struct json_object *ev);

/* A "stats" call to nido-vmm for a domstats reply that waits for it. */
struct stats_part {
	struct stats_part *next;
	struct kvm_vm *vm;
	struct vmm_req *req;
	struct json_object *out; /* a reference */
	void (*done)(void *opaque);
	void *opaque;
};

/* Unlinks @p from its VM, tells its waiter and frees it. */
static void stats_part_end(struct stats_part *p)
{
	struct stats_part **pp = &p->vm->stats;

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	p->done(p->opaque);
	json_object_put(p->out);
	free(p);
}

static struct kvm_vm *vm_of(struct domain *dom)
{
	return dom->priv;
}

/* Ends the servers of the VM's network disks (nothing left behind). */
static void stop_servers(struct kvm_vm *vm)
{
	for (size_t i = 0; i < vm->n_servers; i++)
		disk_server_stop(&vm->servers[i]);
	free(vm->servers);
	vm->servers = NULL;
	vm->n_servers = 0;
}

static void kvm_release(struct daemon *dmn, struct domain *dom)
{
	struct kvm_vm *vm = dom->priv;

	if (!vm)
		return;
	stop_servers(vm);
	loop_source_del(dmn->loop, vm->watch);
	loop_source_del(dmn->loop, vm->timer);
	loop_source_del(dmn->loop, vm->unplug_timer);
	vmm_req_cancel(vm->req);
	vmm_watch_free(vm->events);
	kvm_snapshot_release(&vm->snap);
	kvm_chans_free(vm->chans, false);
	kvm_bjobs_free(steal_ptr(vm->bjobs));
	while (vm->stats) { /* the waiters get what is there */
		vmm_req_cancel(vm->stats->req);
		stats_part_end(vm->stats);
	}
	close_safe(vm->child.pidfd);
	close_safe(vm->console_master);
	close_safe(vm->console_log);
	close_safe(vm->restore_fd);
	free(vm->console_pty);
	json_object_put(vm->cgroups);
	iface_set_clear(&vm->ifaces);
	json_object_put(vm->taps);
	free(vm->api);
	free(vm->log);
	free(vm->config);
	free(vm->exit_file);
	free(vm->start_error);
	free(vm);
	dom->priv = NULL;
}

/* Checks the files a definition names before starting anything. */
static int check_files(const struct domain_def *def, struct err **e)
{
	if (access(def->kernel, R_OK) < 0)
		return err_sys(e, errno, "kernel '%s'", def->kernel);
	if (def->initrd && access(def->initrd, R_OK) < 0)
		return err_sys(e, errno, "initrd '%s'", def->initrd);
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct domain_disk *d = &def->disks[i];

		if (d->net) /* reached when it starts (disk-net.h) */
			continue;
		if (access(d->source, d->readonly ? R_OK : R_OK | W_OK) < 0)
			return err_sys(e, errno, "disk '%s' (%s)", d->source,
				       d->target);
	}
	return 0;
}

static void add_string(struct json_object *o, const char *key,
		       const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

/* nido-vmm's fds: 3 its sandbox slot's lock, then the disks' files. */
#define SLOT_FD	      3
#define FIRST_DISK_FD 4

/* What nido-vmm gets at its start, ours closed: the disks' files, and
 * the console's log. */
static void close_disks(struct kvm_vm *vm)
{
	close_safe(steal_fd(vm->console_log));
	for (size_t i = 0; i < vm->n_chains; i++)
		block_chain_clear(&vm->chains[i]);
	free(vm->chains);
	vm->chains = NULL;
	vm->n_chains = 0;
}

/* A network disk's socket into vm->chains[@i], its server started as
 * the VM's identity. */
static int open_net_disk(const struct domain_disk *d, struct kvm_vm *vm,
			 size_t i, int logfd, struct err **e)
{
	uid_t uid = 0;
	gid_t gid = 0;
	struct idrange ids;

	if (vm->sandbox_slot) {
		idrange_load(&ids, NULL, NULL);
		idrange_ids(&ids, vm->sandbox_slot, &uid, &gid);
	}
	return disk_net_open(d, vm->sandbox_slot != 0, uid, gid, logfd,
			     &vm->servers[i], &vm->chains[i], e);
}

/* Every disk's files into vm->chains; all or none. */
static int open_disks(struct daemon *dmn, const struct domain_def *def,
		      struct kvm_vm *vm, int logfd, struct err **e)
{
	vm->chains = xcalloc(def->n_disks + 1, sizeof(*vm->chains));
	stop_servers(vm);
	vm->servers = xcalloc(def->n_disks + 1, sizeof(*vm->servers));
	for (size_t i = 0; i < def->n_disks; i++)
		vm->servers[i].child = (struct spawn_child){-1, -1};
	vm->n_servers = def->n_disks;
	for (size_t i = 0; i < def->n_disks; i++) {
		_cleanup_free_ char *overlay =
			domain_disk_overlay(dmn, def, i, e);
		int r = def->disks[i].transient && !overlay ? -EIO
			: def->disks[i].net
				? open_net_disk(&def->disks[i], vm, i, logfd, e)
				: disk_open(&def->disks[i], overlay,
					    &vm->chains[i], e);

		vm->n_chains = i + 1;
		if (r < 0) {
			close_disks(vm);
			stop_servers(vm);
			return r;
		}
	}
	return 0;
}

/* The fds vm->chains puts in nido-vmm, after @first, then the
 * console's: *@n of them. */
/* Where nido-vmm finds the save file it restores from: after the taps. */
static int restore_fd_number(const struct kvm_vm *vm)
{
	return vm->console_fd + 1 + (int)vm->ifaces.n;
}

/* The console's log: after the channels' sockets, however many. */
static int log_fd_number(const struct kvm_vm *vm)
{
	return restore_fd_number(vm) + 1 + DOMAIN_MAX_CHANNELS;
}

/* Where nido-vmm's state starts in a save file whose data (the guest's
 * RAM, as big as its <memory>) starts at @data. */
static uint64_t save_state_offset(const struct domain_def *def, uint64_t data)
{
	return data + ((def->memory_kib * 1024 + 4095) & ~4095ULL);
}

static struct spawn_fd *disk_fds(const struct kvm_vm *vm, const int *first,
				 size_t *n)
{
	size_t total = first ? 1 : 0, k = 0;
	struct spawn_fd *v;
	int to = FIRST_DISK_FD;

	for (size_t i = 0; i < vm->n_chains; i++)
		total += (size_t)vm->chains[i].n;
	v = xcalloc(total + 4 + vm->ifaces.n + DOMAIN_MAX_CHANNELS, sizeof(*v));
	if (first)
		v[k++] = (struct spawn_fd){.from = *first, .to = SLOT_FD};
	for (size_t i = 0; i < vm->n_chains; i++)
		for (int j = 0; j < vm->chains[i].n; j++)
			v[k++] = (struct spawn_fd){
				.from = vm->chains[i].files[j].fd, .to = to++};
	if (vm->console_master >= 0)
		v[k++] = (struct spawn_fd){.from = vm->console_master,
					   .to = vm->console_fd};
	for (size_t i = 0; i < vm->ifaces.n; i++)
		v[k++] = (struct spawn_fd){.from = vm->ifaces.taps[i].fd,
					   .to = vm->console_fd + 1 + (int)i};
	if (vm->restore_fd >= 0)
		v[k++] = (struct spawn_fd){.from = vm->restore_fd,
					   .to = restore_fd_number(vm)};
	k += kvm_chans_fds(vm->chans, v + k, restore_fd_number(vm) + 1);
	if (vm->console_log >= 0)
		v[k++] = (struct spawn_fd){.from = vm->console_log,
					   .to = log_fd_number(vm)};
	*n = k;
	return v;
}

static struct json_object *disk_json(const struct domain_disk *d,
				     const struct block_chain *chain,
				     int first_fd)
{
	struct json_object *o = json_object_new_object(), *io = NULL;

	/* a network disk: its NBD socket, the export raw (disk-net.h) */
	add_string(o, "path",
		   d->net && chain && chain->n ? chain->files[0].path
					       : d->source);
	add_string(o, "format", d->net ? "raw" : disk_format_name(d->format));
	json_object_object_add(
		o, "readonly",
		json_object_new_boolean(d->readonly ||
					d->device == DISK_DEVICE_CDROM));
	if (d->shareable)
		json_object_object_add(o, "shared",
				       json_object_new_boolean(true));
	for (int i = 0; i < 6; i++) {
		if (!d->iotune[i])
			continue;
		if (!io)
			io = json_object_new_object();
		json_object_object_add(io, domain_iotune_names[i],
				       json_object_new_uint64(d->iotune[i]));
	}
	if (io)
		json_object_object_add(o, "iotune", io);
	if (d->serial)
		add_string(o, "serial", d->serial);
	if (chain && chain->n)
		json_object_object_add(o, "chain",
				       block_chain_to_json(chain, first_fd));
	return o;
}

/* A net for nido-vmm: the tap we opened for it, at fd @fd. */
static struct json_object *net_json(const struct domain_net *n, int fd)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *tap = xasprintf("fd:%d", fd);
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
		 n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	add_string(o, "tap", tap);
	add_string(o, "mac", mac);
	if (n->link == DOMAIN_TRISTATE_OFF)
		add_string(o, "link", "down");
	return o;
}

/*
 * The sandbox nido-vmm enters (docs/security.md): always on; as root, an
 * identity of its own from the nido id range.
 */
static struct json_object *sandbox_json(const struct kvm_vm *vm)
{
	struct json_object *o = json_object_new_object();
	struct idrange ids;
	uid_t uid;
	gid_t gid;

	json_object_object_add(o, "enabled", json_object_new_boolean(true));
	if (vm->sandbox_slot) {
		idrange_load(&ids, NULL, NULL);
		idrange_ids(&ids, vm->sandbox_slot, &uid, &gid);
		json_object_object_add(o, "uid", json_object_new_int64(uid));
		json_object_object_add(o, "gid", json_object_new_int64(gid));
	}
	return o;
}

/*
 * nido-vmm's configuration (docs/vmm.md, --config): JSON carries any
 * path, where the command line's "PATH,format=..." cannot take a comma.
 */
static struct json_object *vmm_config(const struct domain_def *def,
				      const struct kvm_vm *vm)
{
	const char *api = vm->api, *exit_file = vm->exit_file;
	struct json_object *c = json_object_new_object();
	struct json_object *disks = json_object_new_array();
	struct json_object *nets = json_object_new_array();
	_cleanup_free_ char *mem = xasprintf("%" PRIu64 "KiB", def->memory_kib);
	_cleanup_free_ char *sock = xasprintf("unix:%s", api);

	add_string(c, "kernel", def->kernel);
	if (def->initrd)
		add_string(c, "initrd", def->initrd);
	if (def->cmdline)
		add_string(c, "cmdline", def->cmdline);
	json_object_object_add(c, "cpus",
			       json_object_new_int64(def->vcpus_current));
	if (def->vcpus > def->vcpus_current)
		json_object_object_add(c, "max_cpus",
				       json_object_new_int64(def->vcpus));
	add_string(c, "memory", mem);
	for (size_t i = 0, fd = FIRST_DISK_FD; i < def->n_disks; i++) {
		const struct block_chain *ch =
			i < vm->n_chains ? &vm->chains[i] : NULL;

		json_object_array_add(disks,
				      disk_json(&def->disks[i], ch, (int)fd));
		fd += ch ? (size_t)ch->n : 0;
	}
	for (size_t i = 0; i < def->n_nets; i++)
		json_object_array_add(
			nets,
			net_json(&def->nets[i], vm->console_fd + 1 + (int)i));
	json_object_object_add(c, "disks", disks);
	json_object_object_add(c, "nets", nets);
	json_object_object_add(c, "rng", json_object_new_boolean(def->n_rngs));
	/* libvirt's default: a virtio balloon unless <memballoon
	 * model='none'> */
	if (def->hw.balloon != BALLOON_NONE) {
		json_object_object_add(c, "balloon",
				       json_object_new_boolean(true));
		if (def->hw.balloon_autodeflate == DOMAIN_TRISTATE_ON)
			json_object_object_add(c, "balloon_deflate_on_oom",
					       json_object_new_boolean(true));
	}
	/* <memoryBacking>: RAM offered to KSM unless <nosharepages/> */
	if (def->hw.mem.hugepages)
		json_object_object_add(c, "hugepages",
				       json_object_new_boolean(true));
	if (def->hw.mem.nosharepages)
		json_object_object_add(c, "mem_merge",
				       json_object_new_boolean(false));
	if (vm->console_master >= 0) {
		_cleanup_free_ char *con = xasprintf("fd:%d", vm->console_fd);

		add_string(c, "console", con);
	} else {
		add_string(c, "console", "none");
	}
	if (vm->console_log >= 0) {
		_cleanup_free_ char *log =
			xasprintf("fd:%d", log_fd_number(vm));

		add_string(c, "console_log", log);
	}
	/* the channels' sockets after the save file's place */
	kvm_chans_json(vm->chans, c, restore_fd_number(vm) + 1);
	add_string(c, "api", sock);
	add_string(c, "exit_file", exit_file);
	json_object_object_add(c, "sandbox", sandbox_json(vm));
	if (vm->start_paused)
		json_object_object_add(c, "paused",
				       json_object_new_boolean(true));
	return c;
}

/* Writes the configuration to @path and logs it to @logfd. */
static int write_config(const struct domain_def *def, const struct kvm_vm *vm,
			int logfd, struct err **e)
{
	_cleanup_json_ struct json_object *c = vmm_config(def, vm);
	const char *path = vm->config;
	size_t len;
	_cleanup_free_ char *text = json_encode_line(c, &len);

	dprintf(logfd, "nidod: configuration: %.*s\n", (int)len, text);
	if (file_write_atomic(path, text, len, 0600, e) < 0)
		return err_prefix(e, "writing nido-vmm's configuration");
	return 0;
}

/* Why nido-vmm stopped, in words; @msg: its exit file's, or NULL. */
static char *exit_detail(const struct kvm_vm *vm, int status, const char *msg)
{
	_cleanup_free_ char *s = spawn_status_str(status);

	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return xasprintf("nido-vmm %s (a system call its seccomp "
				 "filter forbids)",
				 s);
	if (msg && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return xasprintf("nido-vmm %s: %s", s, msg);
	return xasprintf("nido-vmm %s", s);
}

/*
 * How nido-vmm ended, from its exit file ({"status": N, "reason": ...,
 * "message": ...}, docs/vmm.md; untrusted like any file): a wait status
 * as waitpid() gives it, or -1 when there is no usable file. *@msg gets
 * the message (malloc'ed, at most 512 bytes) when there is one.
 */
static int exit_file_status(const char *path, char **msg)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	const char *m = NULL;
	int64_t st;
	size_t len;

	*msg = NULL;
	if (file_read_all(path, 4096, &text, &len, NULL) < 0 ||
	    json_decode(text, len, &o, NULL) < 0 || !o ||
	    !json_object_is_type(o, json_type_object) ||
	    json_get_int64(o, "status", &st, NULL) < 0 || st < 0 || st > 255)
		return -1;
	if (json_get_string_opt(o, "message", &m, NULL) > 0 && *m)
		*msg = xstrndup(m, 512);
	return W_EXITCODE((int)st, 0);
}

/*
 * The reason of an exit whose status is unknown (a re-attached VM
 * without an exit file); *@detail is malloc'ed or NULL.
 */
static enum domain_reason unknown_exit(const struct kvm_vm *vm, char **detail)
{
	if (vm->destroying)
		return REASON_SHUTOFF_DESTROYED;
	if (vm->shutting_down || vm->rebooting)
		return REASON_SHUTOFF_SHUTDOWN;
	if (vm->exit_file) {
		/* It writes the file on every exit it lives through. */
		*detail = xstrdup("nido-vmm ended without writing its exit "
				  "file (killed by SIGKILL?)");
		return REASON_SHUTOFF_CRASHED;
	}
	*detail = xstrdup("nido-vmm exited; its exit status is unknown to a "
			  "daemon that re-attached to it");
	return REASON_SHUTOFF_UNKNOWN;
}

/* Answers the destroy or start waiting for the exit; @msg: the exit
 * file's message or NULL. */
static void exit_job_done(struct daemon *dmn, struct domain *dom, int status,
			  const char *msg)
{
	struct kvm_vm *vm = vm_of(dom);
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *detail = NULL;

	if (vm->destroying || vm->saved) {
		daemon_job_done(dmn, dom, 0, NULL, NULL);
	} else if (vm->starting && vm->start_error && !msg) {
		detail = xstrdup(vm->start_error);
		err_set(&e, EIO, "%s", detail);
		daemon_job_done(dmn, dom, -EIO, NULL, e);
	} else if (vm->starting) {
		detail = status < 0 ? xstrdup("nido-vmm exited")
				    : exit_detail(vm, status, msg);
		err_set(&e, EIO, "%s", detail);
		daemon_job_done(dmn, dom, -EIO, NULL, e);
	}
}

/* Decides what an exit means and tells the daemon. @status < 0: unknown. */
static void vm_exited(struct daemon *dmn, struct domain *dom, int status)
{
	struct kvm_vm *vm = vm_of(dom);
	const struct domain_def *def = dom->def;
	enum domain_reason reason = REASON_SHUTOFF_CRASHED;
	_cleanup_free_ char *detail = NULL, *msg = NULL;
	bool restart = false;

	stop_servers(vm);
	cgroup_remove(vm->cgroups);
	iface_teardown(vm->taps);
	iface_forget(dom->def);
	unlink(vm->config);
	unplug_end(vm, -ESRCH, "domain is not running");
	/* a guest-shutdown waiting is done; the agent's socket goes */
	kvm_chans_guest_down(vm->chans);
	kvm_chans_free(steal_ptr(vm->chans), true);
	kvm_bjobs_free(steal_ptr(vm->bjobs));
	/* The sandboxed nido-vmm cannot remove its socket: we do. */
	if (vm->api)
		unlink(vm->api);
	/* Why it ended, in its own words: the exit file, not its log. */
	if (vm->exit_file) {
		int from_file = exit_file_status(vm->exit_file, &msg);

		if (status < 0)
			status = from_file;
	}
	if (vm->exit_file)
		unlink(vm->exit_file);
	if (vm->saved) {
		reason = REASON_SHUTOFF_SAVED;
	} else if (status < 0) {
		reason = unknown_exit(vm, &detail);
	} else if (vm->destroying) {
		reason = REASON_SHUTOFF_DESTROYED;
	} else if (vm->starting) {
		reason = REASON_SHUTOFF_FAILED;
	} else if (WIFEXITED(status) &&
		   WEXITSTATUS(status) == VMM_STATUS_POWEROFF) {
		reason = REASON_SHUTOFF_SHUTDOWN;
		restart = def->on_poweroff == DOMAIN_LIFECYCLE_RESTART;
	} else if (WIFEXITED(status) &&
		   WEXITSTATUS(status) == VMM_STATUS_REBOOT) {
		/* Ctrl-Alt-Del (our shutdown) makes many guests reboot: after a
		 * shutdown request, a reboot is taken as the power-off. */
		reason = REASON_SHUTOFF_SHUTDOWN;
		restart = def->on_reboot == DOMAIN_LIFECYCLE_RESTART &&
			  !vm->shutting_down;
	} else if (WIFEXITED(status) &&
		   WEXITSTATUS(status) == VMM_STATUS_SIGNAL) {
		reason = REASON_SHUTOFF_DESTROYED;
		detail = xstrdup("nido-vmm was stopped by a signal");
	} else {
		detail = exit_detail(vm, status, msg);
		restart = def->on_crash == DOMAIN_LIFECYCLE_RESTART;
	}
	if (vm->rebooting && reason == REASON_SHUTOFF_SHUTDOWN)
		restart = true;
	if (restart && reason == REASON_SHUTOFF_SHUTDOWN &&
	    (vm->rebooting || WEXITSTATUS(status) == VMM_STATUS_REBOOT))
		events_reboot(dmn, dom);
	exit_job_done(dmn, dom, status, msg);
	daemon_domain_stopped(dmn, dom, reason, detail, restart);
}

/* Reaps the process (when ours) and returns its status, or -1. */
static int reap(struct daemon *dmn, struct kvm_vm *vm)
{
	int status = -1;

	loop_source_del(dmn->loop, vm->watch);
	vm->watch = NULL;
	if (vm->is_child) {
		if (spawn_wait(&vm->child, &status) < 0)
			status = -1;
	} else {
		close_safe(vm->child.pidfd);
		vm->child.pidfd = -1;
	}
	return status;
}

static void on_exit_fd(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct kvm_vm *vm = opaque;

	vm_exited(vm->dmn, vm->dom, reap(vm->dmn, vm));
}

static int watch(struct daemon *dmn, struct kvm_vm *vm, struct err **e)
{
	vm->watch = loop_fd_add(dmn->loop, vm->child.pidfd, EPOLLIN, on_exit_fd,
				vm, e);
	return vm->watch ? 0 : -EIO;
}

/*
 * The VM's own cgroup, created with its limits before nido-vmm runs, so
 * that everything it uses is charged there; *@fds (up to @max) get its
 * cgroup.procs files for the child to join. A host without usable
 * cgroups is said once, and VMs run without; a limit that cannot be set
 * fails the start.
 */
static int prepare_cgroup(struct domain *dom, struct kvm_vm *vm, int *fds,
			  size_t max, size_t *n, struct err **e)
{
	static bool warned;
	static unsigned seq;
	_cleanup_err_ struct err *why = NULL;
	_cleanup_free_ char *name =
		xasprintf("%s.%d-%u", dom->def->name, (int)getpid(), ++seq);

	*n = 0;
	vm->cgroups = driver_cgroup_create(vm->dmn, name, &why);
	if (why && !warned) {
		log_warn("cgroups (%s): %s; VMs run without a cgroup of "
			 "their own there",
			 cgroup_layout_name(cgroup_detect("/sys/fs/cgroup")),
			 err_msg(why));
		warned = true;
	}
	/* in a machine's scope: once there (in_scope) */
	if (!machined_scoped(vm->dmn) &&
	    driver_vm_limits(dom->def, vm->cgroups, e) < 0) {
		cgroup_remove(vm->cgroups);
		return err_code(*e);
	}
	*n = cgroup_open_procs(vm->cgroups, fds, max);
	return 0;
}

/* spawn_opts.before_exec where guests live in machines' scopes:
 * nido-vmm @pid, before it runs, into the scope machined makes for it,
 * in nido's cgroup there, with the limits. */
static int in_scope(pid_t pid, void *opaque, struct err **e)
{
	struct kvm_vm *vm = opaque;

	if (driver_in_scope(vm->dmn, vm->dom, pid, vm->taps, vm->cgroups, e) <
	    0)
		return -EIO;
	return driver_vm_limits(vm->dom->def, vm->cgroups, e);
}

/*
 * The serial port's <log file= append=> (on the <serial>, else on the
 * <console> that is the same port): opened here, nido-vmm writes a copy
 * of what the guest sends to it, as QEMU's logfile= does.
 */
static int open_console_log(struct kvm_vm *vm, struct err **e)
{
	const struct domain_def *d = vm->dom->def;
	const char *path = NULL;
	bool append = false;
	int fd;

	if (d->n_serials && d->serials[0].log_file) {
		path = d->serials[0].log_file;
		append = d->serials[0].log_append == DOMAIN_TRISTATE_ON;
	}
	if (!path && d->n_consoles && d->consoles[0].log_file) {
		path = d->consoles[0].log_file;
		append = d->consoles[0].log_append == DOMAIN_TRISTATE_ON;
	}
	if (!path)
		return 0;
	fd = driver_open_file("console log", path, append, e);
	if (fd < 0)
		return fd;
	close_safe(vm->console_log);
	vm->console_log = fd;
	return 0;
}

/*
 * The serial console's pseudo-terminal, made here so that its path comes
 * from us: nido-vmm (which a guest may have taken over) gets the master
 * at fd @fd, and we keep a copy.
 */
static int open_console(struct kvm_vm *vm, int fd, struct err **e)
{
	char name[64];
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return err_sys(e, errno, "opening a pseudo-terminal");
	if (grantpt(m) < 0 || unlockpt(m) < 0 ||
	    ptsname_r(m, name, sizeof(name)) != 0) {
		int r = err_sys(e, errno, "setting up the pseudo-terminal");

		close(m);
		return r;
	}
	vm->console_master = m;
	vm->console_fd = fd;
	free(vm->console_pty);
	vm->console_pty = xstrdup(name);
	return open_console_log(vm, e);
}

/* How many fds the disks take in nido-vmm. */
static int disk_fd_count(const struct kvm_vm *vm)
{
	int n = 0;

	for (size_t i = 0; i < vm->n_chains; i++)
		n += vm->chains[i].n;
	return n;
}

/*
 * The interfaces' taps (iface.h), owned by the VM's identity, opened for
 * it after the console's fd; what was made goes into vm->taps.
 */
static int open_ifaces(struct daemon *dmn, struct domain *dom,
		       struct kvm_vm *vm, struct err **e)
{
	uid_t owner = (uid_t)-1;
	gid_t gid;
	struct idrange ids;

	if (vm->sandbox_slot) {
		idrange_load(&ids, NULL, NULL);
		idrange_ids(&ids, vm->sandbox_slot, &owner, &gid);
	}
	if (iface_setup(dmn, dom->def, owner, &vm->ifaces, e) < 0)
		return -EIO;
	json_object_put(vm->taps);
	vm->taps = iface_record(&vm->ifaces);
	return 0;
}

/* Undoes open_ifaces(): a start that failed. */
static void drop_ifaces(struct domain *dom, struct kvm_vm *vm)
{
	iface_set_clear(&vm->ifaces);
	iface_teardown(vm->taps);
	iface_forget(dom->def);
	json_object_put(vm->taps);
	vm->taps = NULL;
}

static int spawn_vmm(struct daemon *dmn, struct domain *dom, struct kvm_vm *vm,
		     struct err **e)
{
	char *argv[16] = {dmn->vmm_path, "--config", vm->config,
			  "--log-level=info", NULL};
	_cleanup_free_ char *state = NULL, *soff = NULL, *moff = NULL;
	struct spawn_opts o;
	_cleanup_close_ int logfd = driver_open_log(vm->log, e);
	_cleanup_close_ int slot_fd = -1;
	_cleanup_free_ struct spawn_fd *keep = NULL;
	struct idrange ids;
	int cg[8];
	size_t ncg;
	int r;

	if (logfd < 0)
		return logfd;
	unlink(vm->exit_file);
	/* As root, an identity no other VM has: nido-vmm keeps the slot's
	 * lock (fd 3) for as long as it runs. */
	vm->sandbox_slot = 0;
	if (geteuid() == 0) {
		idrange_load(&ids, NULL, NULL);
		slot_fd = idrange_claim(&ids, NULL, &vm->sandbox_slot, e);
		if (slot_fd < 0)
			return slot_fd;
	}
	if (open_disks(dmn, dom->def, vm, logfd, e) < 0)
		return err_code(*e);
	if (domain_disks_show_chains(dom, vm->chains, e) < 0) {
		close_disks(vm);
		return err_code(*e);
	}
	if (open_console(vm, FIRST_DISK_FD + disk_fd_count(vm), e) < 0 ||
	    open_ifaces(dmn, dom, vm, e) < 0) {
		close_disks(vm);
		return err_code(*e);
	}
	if (kvm_chans_open(vm->chans, e) < 0 ||
	    write_config(dom->def, vm, logfd, e) < 0) {
		kvm_chans_spawned(vm->chans);
		close_disks(vm);
		drop_ifaces(dom, vm);
		return err_code(*e);
	}
	if (vm->restore_fd >= 0) {
		/* the save file at the fd it gets: RAM at the data offset,
		 * the state after it (a lazy restore maps RAM from it) */
		char **a = argv + 4;

		state = xasprintf("/proc/self/fd/%d", restore_fd_number(vm));
		soff = xasprintf("%" PRIu64,
				 save_state_offset(dom->def, vm->restore_data));
		moff = xasprintf("%" PRIu64, vm->restore_data);
		*a++ = "--restore";
		*a++ = state;
		*a++ = "--restore-offset";
		*a++ = soff;
		*a++ = "--restore-memory";
		*a++ = state;
		*a++ = "--restore-memory-offset";
		*a++ = moff;
		*a++ = vm->restore_lazy ? "--restore-mode=lazy"
					: "--restore-mode=copy";
		*a = NULL;
	}
	dprintf(logfd, "nidod: starting: %s --config %s --log-level=info%s\n",
		dmn->vmm_path, vm->config,
		vm->restore_fd >= 0 ? " (restoring)" : "");
	vm->log_off = (uint64_t)MAX(lseek(logfd, 0, SEEK_END), 0);
	if (prepare_cgroup(dom, vm, cg, ARRAY_SIZE(cg), &ncg, e) < 0) {
		kvm_chans_spawned(vm->chans);
		close_disks(vm);
		drop_ifaces(dom, vm);
		return err_code(*e);
	}
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdout_fd = logfd;
	o.stderr_fd = logfd;
	o.new_session = 1;
	o.cgroup_fds = cg;
	o.n_cgroup_fds = ncg;
	if (machined_scoped(dmn)) {
		o.before_exec = in_scope;
		o.opaque = vm;
	}
	/* Its own pid namespace: nido-vmm is pid 1 there, sees no other
	 * process, and needs no relay of its own. */
	if (vm->sandbox_slot)
		o.namespaces = CLONE_NEWPID;
	keep = disk_fds(vm, vm->sandbox_slot ? &slot_fd : NULL, &o.n_keep_fds);
	o.keep_fds = keep;
	r = spawn_start(&o, &vm->child, e);
	/* nido-vmm has them now (and their locks); ours go. */
	close_disks(vm);
	iface_set_clear(&vm->ifaces);
	kvm_chans_spawned(vm->chans);
	close_safe(steal_fd(vm->restore_fd));
	for (size_t i = 0; i < ncg; i++)
		close(cg[i]);
	if (r < 0) {
		/* a machine made for it goes with it */
		machined_domain_stopped(dmn, dom);
		cgroup_remove(vm->cgroups);
		drop_ifaces(dom, vm);
		stop_servers(vm);
	}
	vm->is_child = r == 0;
	return r;
}

static int call_vmm(struct daemon *dmn, struct kvm_vm *vm, const char *method,
		    int (*fn)(struct kvm_vm *vm, struct json_object *reply,
			      struct json_object **result, struct err **e),
		    struct err **e);

/* Sends the control call that waited for start; its job waits for it. */
static void send_queued(struct kvm_vm *vm)
{
	_cleanup_err_ struct err *e = NULL;
	struct json_object *result = NULL;
	bool failures = vm->answer_failures;
	int r = call_vmm(vm->dmn, vm, steal_ptr(vm->queued), vm->answered, &e);

	vm->answer_failures = failures;
	if (r == RPC_DEFERRED)
		return;
	if (r < 0 && failures) {
		err_free(steal_ptr(e));
		r = vm->answered(vm, NULL, &result, &e);
	}
	daemon_job_done(vm->dmn, vm->dom, r, result, e);
}

static void send_signal(struct kvm_vm *vm, int sig);

/* nido-vmm will not be ready: it is killed, and its exit fails the
 * start with @why. */
static void start_failed(struct kvm_vm *vm, const char *why)
{
	free(vm->start_error);
	vm->start_error = xstrdup(why);
	send_signal(vm, SIGKILL);
}

/* nido-vmm closed its socket at start and did not exit: it is killed. */
static void on_start_linger(struct loop *l, void *opaque)
{
	struct kvm_vm *vm = opaque;

	loop_source_del(l, vm->timer);
	vm->timer = NULL;
	send_signal(vm, SIGKILL);
}

/* A one-shot timer of DESTROY_GRACE_MS on vm->timer; false if none. */
static bool arm_timer(struct kvm_vm *vm, void (*fn)(struct loop *, void *))
{
	loop_source_del(vm->dmn->loop, vm->timer);
	vm->timer = loop_timer_add(vm->dmn->loop, DESTROY_GRACE_MS * 1000000ull,
				   0, fn, vm, NULL);
	return vm->timer != NULL;
}

static void on_vmm_event(void *opaque, struct json_object *ev)
{
	struct kvm_vm *vm = opaque;

	vmm_event_relay(vm->dmn, vm->dom, ev);
	kvm_chans_event(vm->chans, ev);
	vcpu_removed(vm, ev);
	kvm_bjobs_event(vm->bjobs, ev);
}

/* Relays nido-vmm's events (I/O errors) while it runs. */
static void watch_events(struct kvm_vm *vm)
{
	_cleanup_err_ struct err *e = NULL;

	vmm_watch_free(vm->events);
	vm->vcpus_gen = 0; /* a new nido-vmm counts from 0 */
	vm->events =
		vmm_watch_start(vm->dmn->loop, vm->api, on_vmm_event, vm, &e);
	if (!vm->events)
		log_warn("domain '%s': no events from nido-vmm: %s",
			 vm->dom->def->name, err_msg(e));
}

/* The answer to start's "status": the VM is built and runs. */
static void on_ready(void *opaque, int r, struct json_object *reply,
		     const struct err *e)
{
	struct kvm_vm *vm = opaque;

	vm->req = NULL;
	if (vm->destroying)
		return; /* the exit answers the destroy */
	if (r < 0) {
		_cleanup_free_ char *why = xasprintf(
			"nido-vmm did not answer on its control socket: %s",
			err_msg(e));

		/* A closed socket is most often a VMM on its way out with
		 * an error of its own: let its exit tell, unless it lingers. */
		if (r == -ETIMEDOUT || !arm_timer(vm, on_start_linger))
			start_failed(vm, why);
		else
			vm->start_error = steal_ptr(why);
		return;
	}
	vm->starting = false;
	watch_events(vm);
	kvm_chans_ready(vm->chans, vm->api);
	if (vm->queued)
		send_queued(vm);
	else
		daemon_job_done(vm->dmn, vm->dom, 0, NULL, NULL);
}

/*
 * Start waits for the control socket, then for nido-vmm's answer to a
 * "status" request (it answers once the VM is built: a socket alone
 * says nothing), within START_WAIT_MS; an exit before that (the pidfd's
 * watch) makes it fail.
 */
static void on_start_tick(struct loop *l, void *opaque)
{
	struct kvm_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;
	int left;

	vm->waited_ms += START_TICK_MS;
	left = START_WAIT_MS - vm->waited_ms;
	if (access(vm->api, F_OK) < 0 && left > 0)
		return;
	loop_source_del(l, vm->timer);
	vm->timer = NULL;
	if (left <= 0) {
		start_failed(vm, "nido-vmm made no control socket in time "
				 "(blocked opening a file?)");
		return;
	}
	vm->req = vmm_call_start(l, vm->api, "status", left, on_ready, vm, &e);
	if (!vm->req)
		on_ready(vm, err_code(e), NULL, e);
}

static struct json_object *make_record(const struct kvm_vm *vm)
{
	struct json_object *rec = json_object_new_object();

	json_object_object_add(rec, "driver", json_object_new_string("kvm"));
	json_object_object_add(rec, "pid", json_object_new_int(vm->child.pid));
	json_object_object_add(
		rec, "start_time",
		json_object_new_uint64(driver_proc_start_time(vm->child.pid)));
	json_object_object_add(rec, "api", json_object_new_string(vm->api));
	json_object_object_add(rec, "log", json_object_new_string(vm->log));
	json_object_object_add(rec, "log_offset",
			       json_object_new_uint64(vm->log_off));
	json_object_object_add(rec, "exit_file",
			       json_object_new_boolean(vm->exit_file != NULL));
	json_object_object_add(rec, "cgroups", json_object_get(vm->cgroups));
	json_object_object_add(rec, "sandbox_slot",
			       json_object_new_int64(vm->sandbox_slot));
	if (vm->taps)
		json_object_object_add(rec, "taps", json_object_get(vm->taps));
	kvm_chans_record(vm->chans, rec);
	if (vm->console_pty) {
		json_object_object_add(rec, "console",
				       json_object_new_string(vm->console_pty));
		json_object_object_add(rec, "console_fd",
				       json_object_new_int(vm->console_fd));
	}
	return rec;
}

static struct kvm_vm *vm_new(struct daemon *dmn, struct domain *dom)
{
	struct kvm_vm *vm = xcalloc(1, sizeof(*vm));

	vm->dmn = dmn;
	vm->dom = dom;
	vm->child.pid = -1;
	vm->child.pidfd = -1;
	vm->console_master = -1;
	vm->console_log = -1;
	vm->restore_fd = -1;
	vm->api = store_runtime_path(&dmn->store, &domain_kind, dom->def->name,
				     "sock");
	vm->log = store_runtime_path(&dmn->store, &domain_kind, dom->def->name,
				     "log");
	vm->config = store_runtime_path(&dmn->store, &domain_kind,
					dom->def->name, "config");
	vm->exit_file = store_runtime_path(&dmn->store, &domain_kind,
					   dom->def->name, "exit");
	vm->chans = kvm_chans_new(dmn, dom);
	return vm;
}

/* Starts nido-vmm for @dom; from the save file @state_fd (taken over)
 * when it is >= 0. */
static int start_vmm(struct daemon *dmn, struct domain *dom, unsigned flags,
		     int state_fd, struct err **e)
{
	struct kvm_vm *vm;
	_cleanup_json_ struct json_object *rec = NULL;
	off_t data = state_fd >= 0 ? lseek(state_fd, 0, SEEK_CUR) : 0;

	if ((state_fd < 0 && check_files(dom->def, e) < 0) ||
	    (strchr(dmn->vmm_path, '/') && access(dmn->vmm_path, X_OK) < 0 &&
	     err_sys(e, errno, "nido-vmm '%s'", dmn->vmm_path))) {
		close_safe(state_fd);
		return err_code(*e);
	}
	if (data < 0 || data % 4096) {
		close_safe(state_fd);
		return err_set(e, EINVAL,
			       "the save file's data is not page-aligned");
	}
	vm = vm_new(dmn, dom);
	vm->start_paused = flags & DRIVER_START_PAUSED;
	vm->restore_fd = state_fd;
	vm->restore_data = (uint64_t)data;
	/* RAM mapped from the file only when nothing can change it under
	 * the guest: the managed save, which nidod owns and unlinks once
	 * restored; a file a user named is read in (copy). */
	vm->restore_lazy = dom->restoring_managed;
	dom->priv = vm;
	unlink(vm->api);
	if (spawn_vmm(dmn, dom, vm, e) < 0)
		goto out_release;
	vm->timer = loop_timer_add(dmn->loop, START_TICK_MS * 1000000ull,
				   START_TICK_MS * 1000000ull, on_start_tick,
				   vm, e);
	if (!vm->timer || watch(dmn, vm, e) < 0) {
		spawn_kill(&vm->child, SIGKILL);
		spawn_wait(&vm->child, NULL);
		cgroup_remove(vm->cgroups);
		drop_ifaces(dom, vm);
		goto out_release;
	}
	vm->starting = true;
	rec = make_record(vm);
	daemon_domain_set_state(dmn, dom,
				vm->start_paused ? REASON_PAUSED_USER
				: state_fd >= 0	 ? REASON_RUNNING_RESTORED
						 : REASON_RUNNING_BOOTED,
				rec);
	return RPC_DEFERRED;

out_release:
	kvm_release(dmn, dom);
	return err_code(*e);
}

static int kvm_start(struct daemon *dmn, struct domain *dom, unsigned flags,
		     struct err **e)
{
	return start_vmm(dmn, dom, flags, -1, e);
}

static int kvm_restore(struct daemon *dmn, struct domain *dom, int fd,
		       unsigned flags, struct err **e)
{
	return start_vmm(dmn, dom, flags, fd, e);
}

static void send_signal(struct kvm_vm *vm, int sig)
{
	if (pidfd_send_signal(vm->child.pidfd, sig, NULL, 0) < 0 &&
	    errno != ESRCH)
		log_warn("signalling nido-vmm %d: %s", (int)vm->child.pid,
			 strerror(errno));
	if (vm->stopped)
		pidfd_send_signal(vm->child.pidfd, SIGCONT, NULL, 0);
}

/*
 * nido-vmm ignored SIGTERM for DESTROY_GRACE_MS: SIGKILL (a graceful
 * destroy fails instead, the domain running on); then give up.
 */
static void on_destroy_timer(struct loop *l, void *opaque)
{
	struct kvm_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;

	if (vm->graceful) {
		loop_source_del(l, vm->timer);
		vm->timer = NULL;
		vm->destroying = false;
		err_setk(&e, ERR_OPERATION_FAILED, ETIMEDOUT,
			 "failed to terminate nido-vmm (pid %d) with SIGTERM",
			 (int)vm->child.pid);
		daemon_job_done(vm->dmn, vm->dom, -ETIMEDOUT, NULL, e);
		return;
	}
	if (!vm->killed) {
		vm->killed = true;
		send_signal(vm, SIGKILL);
		return;
	}
	loop_source_del(l, vm->timer);
	vm->timer = NULL;
	err_set(&e, EBUSY, "nido-vmm (pid %d) does not exit",
		(int)vm->child.pid);
	daemon_job_done(vm->dmn, vm->dom, -EBUSY, NULL, e);
}

/* SIGTERM now; the exit (on_exit_fd) or on_destroy_timer ends it. */
static int kvm_destroy(struct daemon *dmn, struct domain *dom, unsigned flags,
		       struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);

	/* a graceful destroy that fails must leave a domain as it was */
	if ((flags & DRIVER_DESTROY_GRACEFUL) && vm->starting)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting: a graceful destroy "
				"waits until it has started");
	loop_source_del(dmn->loop, vm->timer); /* a start still waiting */
	if (vm->starting) { /* ... maybe for its "status" answer */
		vmm_req_cancel(vm->req);
		vm->req = NULL;
	}
	vm->timer = loop_timer_add(dmn->loop, DESTROY_GRACE_MS * 1000000ull,
				   DESTROY_GRACE_MS * 1000000ull,
				   on_destroy_timer, vm, e);
	if (!vm->timer)
		return err_code(*e);
	vm->destroying = true;
	vm->killed = false;
	vm->graceful = flags & DRIVER_DESTROY_GRACEFUL;
	send_signal(vm, SIGTERM);
	return RPC_DEFERRED;
}

typedef int (*answered_fn)(struct kvm_vm *vm, struct json_object *reply,
			   struct json_object **result, struct err **e);

/* The control call's answer (or its failure) ends the operation. */
static void on_control_reply(void *opaque, int r, struct json_object *reply,
			     const struct err *err)
{
	struct kvm_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;
	struct json_object *result = NULL;

	vm->req = NULL;
	if (r == 0 || vm->answer_failures)
		r = vm->answered(vm, r == 0 ? reply : NULL, &result, &e);
	if (r != RPC_DEFERRED) /* else the job goes on (a vCPU removal) */
		daemon_job_done(vm->dmn, vm->dom, r, result, e ? e : err);
}

/*
 * Sends @method to the control socket; @fn says what the answer means.
 * Returns RPC_DEFERRED, or -errno at once (-ENOENT or -ECONNREFUSED: no
 * control socket).
 */
static int call_vmm(struct daemon *dmn, struct kvm_vm *vm, const char *method,
		    answered_fn fn, struct err **e)
{
	if (vm->starting) {
		/* No control socket yet (a restart): wait for it. */
		vm->queued = method;
		vm->answered = fn;
		vm->answer_failures = false;
		return RPC_DEFERRED;
	}
	vm->req = vmm_call_start(dmn->loop, vm->api, method, CONTROL_TIMEOUT_MS,
				 on_control_reply, vm, e);
	if (!vm->req)
		return err_code(*e);
	vm->answered = fn;
	vm->answer_failures = false;
	return RPC_DEFERRED;
}

/* As call_vmm, and says plainly when nido-vmm has no control socket. */
static int control(struct daemon *dmn, struct kvm_vm *vm, const char *method,
		   answered_fn fn, struct err **e)
{
	int r = call_vmm(dmn, vm, method, fn, e);

	if (r == -ENOENT || r == -ECONNREFUSED) {
		err_free(steal_ptr(*e));
		return err_set(e, ENOTSUP,
			       "nido-vmm has no control socket "
			       "(%s): this nido-vmm cannot '%s'",
			       vm->api, method);
	}
	return r;
}

static int shutdown_sent(struct kvm_vm *vm, struct json_object *reply,
			 struct json_object **result, struct err **e)
{
	vm->shutting_down = true;
	vm->rebooting = false;
	return 0;
}

/* nido-vmm's command for @mode (docs/vmm-api.md). */
static const char *request_of(enum shutdown_mode mode)
{
	return mode == SHUTDOWN_CTRL_ALT_DEL ? "shutdown" : "power-button";
}

static int kvm_shutdown(struct daemon *dmn, struct domain *dom,
			enum shutdown_mode mode, struct err **e)
{
	return control(dmn, vm_of(dom), request_of(mode), shutdown_sent, e);
}

static int reboot_sent(struct kvm_vm *vm, struct json_object *reply,
		       struct json_object **result, struct err **e)
{
	vm->rebooting = true;
	vm->shutting_down = false;
	return 0;
}

/*
 * libvirt's "fake reboot": nido-vmm has no reboot command, so the guest is
 * asked to shut down (as @mode says) and started again once it powers off
 * or resets.
 */
static int kvm_reboot(struct daemon *dmn, struct domain *dom,
		      enum shutdown_mode mode, struct err **e)
{
	return control(dmn, vm_of(dom), request_of(mode), reboot_sent, e);
}

static void record_stopped(struct domain *dom, bool stopped)
{
	if (dom->rec)
		json_object_object_add(dom->rec, "sigstop",
				       json_object_new_boolean(stopped));
}

static int paused(struct kvm_vm *vm, struct json_object *reply,
		  struct json_object **result, struct err **e)
{
	daemon_domain_set_state(vm->dmn, vm->dom, REASON_PAUSED_USER, NULL);
	return 0;
}

static int kvm_suspend(struct daemon *dmn, struct domain *dom, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);
	int r = call_vmm(dmn, vm, "pause", paused, e);

	if (r != -ENOENT && r != -ECONNREFUSED)
		return r;
	/* No control socket: stop every thread of the VMM. */
	err_free(steal_ptr(*e));
	if (pidfd_send_signal(vm->child.pidfd, SIGSTOP, NULL, 0) < 0)
		return err_sys(e, errno, "stopping nido-vmm");
	vm->stopped = true;
	record_stopped(dom, true);
	return paused(vm, NULL, NULL, e);
}

static int resumed(struct kvm_vm *vm, struct json_object *reply,
		   struct json_object **result, struct err **e)
{
	daemon_domain_set_state(vm->dmn, vm->dom, REASON_RUNNING_UNPAUSED,
				NULL);
	return 0;
}

static int kvm_resume(struct daemon *dmn, struct domain *dom, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);

	if (!vm->stopped)
		return control(dmn, vm, "resume", resumed, e);
	if (pidfd_send_signal(vm->child.pidfd, SIGCONT, NULL, 0) < 0)
		return err_sys(e, errno, "continuing nido-vmm");
	vm->stopped = false;
	record_stopped(dom, false);
	return resumed(vm, NULL, NULL, e);
}

/*
 * After a restart: our copy of the console's master, taken back from
 * nido-vmm (pidfd_getfd) and checked to be the pty the record names;
 * without it the console is still served, its number just not pinned.
 */
static void repin_console(struct kvm_vm *vm, struct json_object *rec)
{
	const char *pty = NULL;
	int64_t fd = -1;
	char name[64];
	int m;

	if (json_get_string_opt(rec, "console", &pty, NULL) <= 0 ||
	    json_get_int64_opt(rec, "console_fd", &fd, NULL) <= 0 ||
	    !str_has_prefix(pty, "/dev/pts/") || fd < 3 || fd > 65535)
		return;
	vm->console_pty = xstrdup(pty);
	vm->console_fd = (int)fd;
	m = pidfd_getfd(vm->child.pidfd, (int)fd, 0);
	if (m < 0) {
		log_warn("domain '%s': console: taking back its master: %s",
			 vm->dom->def->name, strerror(errno));
		return;
	}
	if (ptsname_r(m, name, sizeof(name)) != 0 || !streq(name, pty)) {
		log_warn("domain '%s': console: nido-vmm's fd %d is not the "
			 "master of '%s'",
			 vm->dom->def->name, (int)fd, pty);
		close(m);
		free(vm->console_pty);
		vm->console_pty = NULL; /* not ours: no console */
		return;
	}
	fcntl(m, F_SETFD, FD_CLOEXEC);
	vm->console_master = m;
}

static int reattach_vm(struct kvm_vm *vm, struct json_object *rec,
		       struct err **e)
{
	int64_t pid;
	uint64_t start;
	struct json_object *cg = NULL;
	bool stopped = false, exit_file = false;
	int64_t slot = 0;

	if (json_get_int64(rec, "pid", &pid, e) < 0 ||
	    json_get_uint64(rec, "start_time", &start, e) < 0 ||
	    driver_rec_string(rec, "api", &vm->api, e) < 0 ||
	    driver_rec_string(rec, "log", &vm->log, e) < 0 ||
	    json_get_array_opt(rec, "cgroups", &cg, e) < 0 ||
	    json_get_uint64_opt(rec, "log_offset", &vm->log_off, e) < 0 ||
	    json_get_bool_opt(rec, "sigstop", &stopped, e) < 0 ||
	    json_get_bool_opt(rec, "exit_file", &exit_file, e) < 0 ||
	    json_get_int64_opt(rec, "sandbox_slot", &slot, e) < 0)
		return -EINVAL;
	vm->sandbox_slot = slot > 0 && slot <= UINT32_MAX ? (unsigned)slot : 0;
	if (json_object_object_get_ex(rec, "taps", &vm->taps))
		json_object_get(vm->taps);
	/* Not in the record: nido-vmm was started without an exit file. */
	if (!exit_file) {
		free(vm->exit_file);
		vm->exit_file = NULL;
	}
	if (pid <= 1 || pid > INT32_MAX)
		return err_set(e, EINVAL, "invalid pid %" PRId64, pid);
	vm->cgroups = cg ? json_object_get(cg) : json_object_new_array();
	vm->stopped = stopped;
	vm->child.pid = (pid_t)pid;
	if (driver_proc_start_time(vm->child.pid) != start || start == 0)
		return 0;
	vm->child.pidfd = (int)pidfd_open(vm->child.pid, 0);
	if (vm->child.pidfd < 0)
		return errno == ESRCH ? 0 : err_sys(e, errno, "pidfd_open");
	/* Checked again: the pid may have been reused in between. */
	if (driver_proc_start_time(vm->child.pid) != start)
		return 0;
	repin_console(vm, rec);
	return 1;
}

static int kvm_reattach(struct daemon *dmn, struct domain *dom,
			struct json_object *rec, struct err **e)
{
	struct kvm_vm *vm = vm_new(dmn, dom);
	int r;

	free(vm->api);
	free(vm->log);
	vm->api = vm->log = NULL;
	dom->priv = vm;
	r = reattach_vm(vm, rec, e);
	if (r == 0 && vm->exit_file) {
		/* It ended while no daemon ran: its exit file says how. */
		vm_exited(dmn, dom, -1);
		return 2;
	}
	if (r > 0 && watch(dmn, vm, e) < 0)
		r = -EIO;
	if (r <= 0) {
		cgroup_remove(vm->cgroups);
		iface_teardown(vm->taps); /* the domain is gone */
		kvm_release(dmn, dom);
		return r;
	}
	iface_reattach(dom->def, vm->taps);
	kvm_chans_reattach(vm->chans, rec);
	daemon_domain_set_state(dmn, dom, driver_rec_reason(rec), rec);
	if (vm->api && access(vm->api, F_OK) == 0) {
		watch_events(vm);
		kvm_chans_ready(vm->chans, vm->api);
	}
	return 1;
}

/* CPU time (ns) and resident memory (KiB) of the VMM from /proc. */
static void proc_usage(pid_t pid, struct json_object *out)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/status", (int)pid);
	_cleanup_free_ char *text = NULL;
	char *p;

	if (file_read_all(path, 1 << 16, &text, NULL, NULL) < 0)
		return;
	p = strstr(text, "\nVmRSS:");
	if (p)
		json_object_object_add(
			out, "balloon.rss",
			json_object_new_uint64(strtoull(p + 8, NULL, 10)));
}

/* Adds the numbers and strings of @obj as @prefix<key>. */
static void add_scalars(struct json_object *out, const char *prefix,
			struct json_object *obj)
{
	json_object_object_foreach (obj, k, v) {
		_cleanup_free_ char *key = xasprintf("%s%s", prefix, k);

		if (streq(k, "ok") ||
		    json_object_is_type(v, json_type_object) ||
		    json_object_is_type(v, json_type_array) ||
		    json_object_is_type(v, json_type_null))
			continue;
		json_object_object_add(out, key, json_object_get(v));
	}
}

/* nido-vmm's per-vCPU exit counters as vcpu.N.exits, vcpu.N.io, ... */
static void add_vcpus(struct json_object *out, struct json_object *vcpus)
{
	for (size_t i = 0; i < json_object_array_length(vcpus); i++) {
		struct json_object *v = json_object_array_get_idx(vcpus, i);
		_cleanup_free_ char *prefix = xasprintf("vcpu.%zu.", i);

		if (json_object_is_type(v, json_type_object))
			add_scalars(out, prefix, v);
	}
}

/*
 * The balloon as libvirt names it for domstats --balloon (KiB, and the
 * guest's own figures as its driver last reported them).
 */
static void add_balloon(struct json_object *out, struct json_object *b)
{
	static const char *const kib[] = {"swap_in", "swap_out",
					  "unused",  "available",
					  "usable",  "disk_caches"};
	struct json_object *st = NULL, *v;
	int64_t n;

	if (json_get_int64_opt(b, "actual", &n, NULL) > 0)
		json_object_object_add(out, "balloon.current",
				       json_object_new_int64(n / 1024));
	if (!json_object_object_get_ex(b, "stats", &st) ||
	    !json_object_is_type(st, json_type_object))
		return;
	json_object_object_foreach (st, k, val) {
		_cleanup_free_ char *key = xasprintf("balloon.%s", k);
		bool in_kib = false;

		if (!json_object_is_type(val, json_type_int))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(kib); i++)
			in_kib |= streq(k, kib[i]);
		n = json_object_get_int64(val);
		v = json_object_new_int64(in_kib ? n / 1024 : n);
		json_object_object_add(out, key, v);
	}
}

static void on_stats_reply(void *opaque, int r, struct json_object *reply,
			   const struct err *e)
{
	struct stats_part *p = opaque;
	struct json_object *vcpus = NULL, *b = NULL;

	if (r == 0) {
		add_scalars(p->out, "vmm.", reply);
		if (json_get_array_opt(reply, "vcpus", &vcpus, NULL) > 0)
			add_vcpus(p->out, vcpus);
		if (json_object_object_get_ex(reply, "balloon", &b) &&
		    json_object_is_type(b, json_type_object))
			add_balloon(p->out, b);
	} else {
		log_debug("domain '%s': stats: %s", p->vm->dom->def->name,
			  err_msg(e));
	}
	stats_part_end(p);
}

static int kvm_stats(struct daemon *dmn, struct domain *dom,
		     struct json_object *out, void (*done)(void *opaque),
		     void *opaque, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);
	struct stats_part *p;

	driver_cgroup_stats(vm->cgroups, out);
	proc_usage(vm->child.pid, out);
	vcpu_threads_by_name(vm->child.pid, out);
	if (vm->starting || vm->stopped) /* no control socket to ask */
		return 0;
	p = xcalloc(1, sizeof(*p));
	p->req = vmm_call_start(dmn->loop, vm->api, "stats", CONTROL_TIMEOUT_MS,
				on_stats_reply, p, e);
	if (!p->req) {
		free(p);
		return err_code(*e);
	}
	p->vm = vm;
	p->out = json_object_get(out);
	p->done = done;
	p->opaque = opaque;
	p->next = vm->stats;
	vm->stats = p;
	return RPC_DEFERRED;
}

/* nido-vmm's answer to "set-link": the live definition follows it. */
static int link_set(struct kvm_vm *vm, struct json_object *reply,
		    struct json_object **result, struct err **e)
{
	const char *state = NULL;
	struct domain_def *def = vm->dom->def;

	if (json_get_string(reply, "state", &state, e) < 0)
		return -EPROTO;
	if (vm->link_index < def->n_nets)
		def->nets[vm->link_index].link = streq(state, "up")
							 ? DOMAIN_TRISTATE_ON
							 : DOMAIN_TRISTATE_OFF;
	return 0;
}

static int kvm_set_link(struct daemon *dmn, struct domain *dom, size_t index,
			bool up, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);
	_cleanup_json_ struct json_object *args = json_object_new_object();
	char mac[NET_MAC_STRLEN];

	if (vm->starting || vm->stopped)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"nido-vmm cannot answer now (starting, or "
				"stopped without a control socket)");
	add_string(args, "mac", net_mac_str(dom->def->nets[index].mac, mac));
	add_string(args, "state", up ? "up" : "down");
	vm->req = vmm_call_start_args(dmn->loop, vm->api, "set-link", args,
				      CONTROL_TIMEOUT_MS, on_control_reply, vm,
				      e);
	if (!vm->req)
		return err_code(*e);
	vm->link_index = index;
	vm->answered = link_set;
	vm->answer_failures = false;
	return RPC_DEFERRED;
}

/* The console's pty: the one we made for this run (open_console). */
static int kvm_console(struct daemon *dmn, struct domain *dom, char **path,
		       struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);

	if (!vm->console_pty)
		return err_setk(
			e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			"domain '%s' has no console nidod made (started "
			"by an older nidod)",
			dom->def->name);
	*path = xstrdup(vm->console_pty);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A failed save's guest goes on: nido-vmm paused it to save it. */
static void on_resume_reply(void *opaque, int r, struct json_object *reply,
			    const struct err *e)
{
	struct kvm_vm *vm = opaque;

	(void)reply;
	vm->req = NULL;
	if (r < 0)
		log_warn("domain '%s': resuming after a failed save: %s",
			 vm->dom->def->name, err_msg(e));
}

/* The save's figures, kept for domjobinfo --completed. */
static void keep_save_figures(struct kvm_vm *vm, struct json_object *reply)
{
	struct json_object *o = json_object_new_object();
	int64_t st = 0, mem = 0, written = 0;

	json_get_int64_opt(reply, "state_bytes", &st, NULL);
	json_get_int64_opt(reply, "memory_bytes", &mem, NULL);
	json_get_int64_opt(reply, "memory_written", &written, NULL);
	json_object_object_add(o, "type", json_object_new_string("completed"));
	json_object_object_add(o, "operation", json_object_new_string("save"));
	json_object_object_add(
		o, "time_elapsed_ms",
		json_object_new_int64(
			(int64_t)((now_ns() - vm->save_started_ns) / 1000000)));
	json_object_object_add(o, "data_total",
			       json_object_new_int64(mem + st));
	json_object_object_add(o, "data_processed",
			       json_object_new_int64(written + st));
	json_object_object_add(o, "data_remaining", json_object_new_int64(0));
	json_object_object_add(o, "memory_total", json_object_new_int64(mem));
	json_object_object_add(o, "memory_processed",
			       json_object_new_int64(written));
	json_object_put(vm->dom->job_stats);
	vm->dom->job_stats = o;
}

/*
 * nido-vmm wrote and synced the save file: it is ended, and its exit
 * ends the save (exit_job_done). A failed save resumes a guest that
 * ran and fails the job.
 */
static void on_save_reply(void *opaque, int r, struct json_object *reply,
			  const struct err *err)
{
	struct kvm_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;

	vm->req = NULL;
	vm->saving = false;
	if (r == 0) {
		keep_save_figures(vm, reply);
		vm->saved = true;
		send_signal(vm, SIGTERM);
		return;
	}
	err_set(&e, err_code(err) ? err_code(err) : EIO, "nido-vmm: %s",
		err_msg(err));
	if (vm->save_resume)
		vm->req = vmm_call_start(vm->dmn->loop, vm->api, "resume",
					 CONTROL_TIMEOUT_MS, on_resume_reply,
					 vm, NULL);
	daemon_job_done(vm->dmn, vm->dom, err_code(e), NULL, e);
}

/*
 * virsh save: nido-vmm writes the guest's RAM at @fd's offset (the save
 * file's data offset, after nidod's header) and its state past RAM's
 * end, through the same file passed twice (docs/snapshots.md).
 */
static int kvm_save(struct daemon *dmn, struct domain *dom, int fd,
		    struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);
	off_t data = lseek(fd, 0, SEEK_CUR);
	_cleanup_json_ struct json_object *args = json_object_new_object();
	int fds[2] = {fd, fd};

	if (vm->starting || vm->saving || vm->destroying || vm->stopped) {
		close(fd);
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting, saving or stopping");
	}
	if (data < 0 || data % 4096) {
		close(fd);
		return err_set(e, EINVAL,
			       "the save file's data is not page-aligned");
	}
	json_object_object_add(args, "path",
			       json_object_new_string("save file"));
	json_object_object_add(args, "memory",
			       json_object_new_string("save file"));
	json_object_object_add(args, "memory_offset",
			       json_object_new_int64((int64_t)data));
	json_object_object_add(args, "offset",
			       json_object_new_int64((int64_t)save_state_offset(
				       dom->def, (uint64_t)data)));
	vm->req = vmm_call_start_fds(dmn->loop, vm->api, "save", args, fds, 2,
				     SAVE_TIMEOUT_MS, on_save_reply, vm, e);
	close(fd);
	if (!vm->req)
		return err_code(*e);
	vm->saving = true;
	vm->save_resume = dom->state == DOMAIN_RUNNING;
	vm->save_started_ns = now_ns();
	return RPC_DEFERRED;
}

/* The live definition changed: written for a daemon restart. */
static void live_def_save(struct kvm_vm *vm)
{
	_cleanup_err_ struct err *why = NULL;

	if (store_live_save(&vm->dmn->store, &domain_kind, vm->dom->def, &why) <
	    0)
		log_warn("domain '%s': %s", vm->dom->def->name, err_msg(why));
}

/* The end of a setvcpus waiting for ejects (none waits: nothing). */
static void unplug_end(struct kvm_vm *vm, int r, const char *why)
{
	_cleanup_err_ struct err *e = NULL;

	if (!vm->unplug_timer)
		return;
	loop_source_del(vm->dmn->loop, steal_ptr(vm->unplug_timer));
	if (r < 0)
		err_setk(&e,
			 r == -ETIMEDOUT ? ERR_OPERATION_TIMEOUT
					 : ERR_OPERATION_FAILED,
			 -r, "%s", why);
	daemon_job_done(vm->dmn, vm->dom, r, NULL, e);
}

static void on_unplug_timeout(struct loop *l, void *opaque)
{
	(void)l;
	unplug_end(opaque, -ETIMEDOUT,
		   "vcpu unplug request timed out. Unplug result must be "
		   "manually inspected in the domain");
}

/* nido-vmm's "vcpu-removed": the guest ejected a vCPU. */
static void vcpu_removed(struct kvm_vm *vm, struct json_object *ev)
{
	const char *name = NULL;
	int64_t n = 0, gen = 0;

	if (json_get_string_opt(ev, "event", &name, NULL) <= 0 ||
	    !streq(name, "vcpu-removed") ||
	    json_get_int64_opt(ev, "vcpus", &n, NULL) <= 0)
		return;
	json_get_int64_opt(ev, "gen", &gen, NULL);
	set_current(vm, n, (uint64_t)gen);
	if (vm->dom->def->vcpus_current <= vm->setvcpus)
		unplug_end(vm, 0, NULL);
}

/* Sends @method with @args (borrowed) to the running guest's nido-vmm;
 * @fn says what the answer means. RPC_DEFERRED or -errno. */
static int control_args(struct daemon *dmn, struct kvm_vm *vm,
			const char *method, struct json_object *args,
			answered_fn fn, struct err **e)
{
	if (vm->starting || vm->saving)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting or saving");
	vm->req = vmm_call_start_args(dmn->loop, vm->api, method, args,
				      CONTROL_TIMEOUT_MS, on_control_reply, vm,
				      e);
	if (!vm->req)
		return err_code(*e);
	vm->answered = fn;
	vm->answer_failures = false;
	return RPC_DEFERRED;
}

/* The balloon took its new target: the live definition says it. */
static int setmem_sent(struct kvm_vm *vm, struct json_object *reply,
		       struct json_object **result, struct err **e)
{
	(void)reply, (void)result, (void)e;
	vm->dom->def->current_memory_kib = vm->setmem_kib;
	live_def_save(vm);
	return 0;
}

/* virsh setmem --live: nido-vmm's balloon asks the guest (docs/vmm.md,
 * "Balloon"). */
static int kvm_setmem(struct daemon *dmn, struct domain *dom, uint64_t kib,
		      struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);
	_cleanup_json_ struct json_object *args = json_object_new_object();

	json_object_object_add(args, "target",
			       json_object_new_int64((int64_t)(kib * 1024)));
	vm->setmem_kib = kib;
	return control_args(dmn, vm, "balloon", args, setmem_sent, e);
}

/* The vCPUs the guest has, as of nido-vmm's change @gen (its replies
 * and its events come on two connections: either may be read first, and
 * the older one says nothing new): the live definition says it. */
static void set_current(struct kvm_vm *vm, int64_t n, uint64_t gen)
{
	if (gen < vm->vcpus_gen)
		return;
	vm->vcpus_gen = gen;
	if (n < 1 || n > vm->dom->def->vcpus ||
	    n == vm->dom->def->vcpus_current)
		return;
	vm->dom->def->vcpus_current = (unsigned)n;
	live_def_save(vm);
}

/* nido-vmm added the vCPUs, or asked the guest to eject some: then the
 * job waits for the guest, as libvirt's does (5 s), and fails if the
 * guest has not ejected them by then: the request stays with the guest,
 * whose later ejects still count (event "vcpu-removed"). */
static int setvcpus_done(struct kvm_vm *vm, struct json_object *reply,
			 struct json_object **result, struct err **e)
{
	int64_t n = vm->setvcpus, gen = 0;

	(void)result;
	json_get_int64_opt(reply, "vcpus", &n, NULL);
	json_get_int64_opt(reply, "vcpus_gen", &gen, NULL);
	set_current(vm, n, (uint64_t)gen);
	/* an eject's event read before this reply has the last word */
	if (vm->dom->def->vcpus_current <= vm->setvcpus)
		return 0;
	vm->unplug_timer =
		loop_timer_add(vm->dmn->loop, UNPLUG_WAIT_MS * 1000000ull, 0,
			       on_unplug_timeout, vm, e);
	return vm->unplug_timer ? RPC_DEFERRED : err_code(*e);
}

/* virsh setvcpus --live: nido-vmm's vCPU hot add and remove (docs/vmm.md,
 * "vCPU hot add and remove"). */
static int kvm_setvcpus(struct daemon *dmn, struct domain *dom, unsigned count,
			struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);
	_cleanup_json_ struct json_object *args = json_object_new_object();

	json_object_object_add(args, "count", json_object_new_int64(count));
	vm->setvcpus = count;
	return control_args(dmn, vm, "set-vcpus", args, setvcpus_done, e);
}

/* domjobinfo: a save or a restore in progress, without figures (nido-vmm
 * answers no request while it writes). */
static int kvm_jobinfo(struct daemon *dmn, struct domain *dom,
		       struct json_object *out, void (*done)(void *opaque),
		       void *opaque, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);
	const char *op = vm->saving			    ? "save"
			 : vm->starting && vm->restore_data ? "restore"
							    : NULL;

	(void)dmn, (void)done, (void)opaque, (void)e;
	json_object_object_add(
		out, "type", json_object_new_string(op ? "unbounded" : "none"));
	if (op)
		json_object_object_add(out, "operation",
				       json_object_new_string(op));
	if (vm->saving)
		json_object_object_add(
			out, "time_elapsed_ms",
			json_object_new_int64(
				(int64_t)((now_ns() - vm->save_started_ns) /
					  1000000)));
	return 0;
}

/* One snapshot at a time, none while it starts, saves or stops. */
static int snap_busy(const struct kvm_vm *vm, struct err **e)
{
	if (vm->starting || vm->saving || vm->destroying || vm->stopped ||
	    vm->snap)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting, saving, stopping or "
				"taking a snapshot");
	return 0;
}

/* driver.h's ->snapshot: driver-kvm-snapshot.c's, one at a time. */
static int kvm_snapshot(struct daemon *dmn, struct domain *dom,
			enum snapshot_op op, const char *tag,
			const char *const *targets, size_t n,
			driver_done_fn done, void *opaque, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);

	if (snap_busy(vm, e) < 0)
		return err_code(*e);
	return kvm_snapshot_call(dmn, dom, vm->api, op, tag, targets, n, done,
				 opaque, &vm->snap, e);
}

/* driver.h's ->disk_snapshot: driver-kvm-snapshot.c's. */
static int kvm_disk_snapshot(struct daemon *dmn, struct domain *dom,
			     const struct snapshot_def *sn, driver_done_fn done,
			     void *opaque, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);

	if (snap_busy(vm, e) < 0)
		return err_code(*e);
	return kvm_disk_snapshot_call(dmn, dom, vm->api, sn, done, opaque,
				      &vm->snap, e);
}

/* driver.h's ->memory_snapshot: driver-kvm-snapshot.c's; --live is
 * taken as a non-live snapshot (the guest stays paused while its RAM is
 * written: docs/snapshots.md). */
static int kvm_memory_snapshot(struct daemon *dmn, struct domain *dom,
			       const struct snapshot_def *sn, int fd, bool live,
			       driver_done_fn done, void *opaque,
			       struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);

	(void)live;
	if (snap_busy(vm, e) < 0) {
		close(fd);
		return err_code(*e);
	}
	return kvm_memory_snapshot_call(dmn, dom, vm->api, sn, fd, done, opaque,
					&vm->snap, e);
}

#define STOP_NOW_MS 10000

static void stop_signal(void *opaque, int sig)
{
	send_signal(opaque, sig);
}

int kvm_stop_now(struct daemon *dmn, struct domain *dom, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);

	if (vm->starting || vm->saving || vm->destroying || vm->snap)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting, saving, stopping or "
				"taking a snapshot");
	vm->destroying = true;
	/* SIGTERM first: nido-vmm writes its images' tables out and closes
	 * them, as a destroy lets it */
	if (driver_stop_wait(vm->child.pidfd, stop_signal, vm, DESTROY_GRACE_MS,
			     STOP_NOW_MS, &vm->killed) < 0)
		/* its exit comes later, through the watch */
		return err_set(e, ETIMEDOUT,
			       "nido-vmm %d did not end within %d s",
			       (int)vm->child.pid, STOP_NOW_MS / 1000);
	vm_exited(dmn, dom, reap(dmn, vm));
	return 0;
}

static int kvm_blockjob(struct daemon *dmn, struct domain *dom,
			const struct driver_blockjob *req,
			struct json_object *out, driver_done_fn done,
			void *opaque, struct err **e)
{
	struct kvm_vm *vm = vm_of(dom);

	if (!vm || vm->starting || !vm->api || vm->child.pidfd < 0 || vm->snap)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"nido-vmm is not ready, or takes a snapshot");
	if (!vm->bjobs)
		vm->bjobs = kvm_bjobs_new(dmn, dom, vm->api, vm->child.pidfd);
	return kvm_bjobs_op(vm->bjobs, req, out, done, opaque, e);
}

static struct agent *kvm_agent(struct daemon *dmn, struct domain *dom,
			       struct err **e)
{
	return kvm_chans_agent(vm_of(dom)->chans, dom->def->name, e);
}

const struct driver_ops driver_kvm = {
	.name = "kvm",
	.validate = driver_kvm_validate,
	.start = kvm_start,
	.shutdown = kvm_shutdown,
	.reboot = kvm_reboot,
	.destroy = kvm_destroy,
	.suspend = kvm_suspend,
	.resume = kvm_resume,
	.reattach = kvm_reattach,
	.stats = kvm_stats,
	.console = kvm_console,
	.set_link = kvm_set_link,
	.save = kvm_save,
	.restore = kvm_restore,
	.jobinfo = kvm_jobinfo,
	.setmem = kvm_setmem,
	.setvcpus = kvm_setvcpus,
	.snapshot = kvm_snapshot,
	.disk_snapshot = kvm_disk_snapshot,
	.memory_snapshot = kvm_memory_snapshot,
	.memory_revert = kvm_memory_revert,
	.release = kvm_release,
	.agent = kvm_agent,
	.blockjob = kvm_blockjob,
};
