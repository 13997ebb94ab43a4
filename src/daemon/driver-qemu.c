// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver: one qemu-system-x86_64 per domain, started as libvirt
 * starts it (-S, -no-user-config, -nodefaults, QMP on a socket nidod made
 * and passed, -blockdev nodes over files nidod opened, -sandbox on), as
 * the VM's own unprivileged identity, in its own cgroup; controlled
 * through QMP (qmp.h) on the daemon's loop; watched through a pidfd. It
 * outlives the daemon: a restarted daemon re-attaches from the run-time
 * record (pid, start time, the monitor socket's path) and connects to
 * the monitor again (QEMU listens there for its next client).
 *
 * Why QEMU stopped comes from its SHUTDOWN event (guest or host, and
 * the reason), or from GUEST_PANICKED; an exit without an event is a
 * crash. QEMU exits on the guest's power-off (no -no-shutdown) and
 * resets the guest itself on its reboot (on_reboot restart), or exits
 * then (-action reboot=shutdown, on_reboot destroy).
 *
 * Nothing waits inside the loop: start waits for QMP's greeting and the
 * answers to query-chardev and cont; destroy for the pidfd with a timer
 * for SIGKILL; each operation answers from QMP's callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <uuid/uuid.h>

#include "daemon/cgroup.h"
#include "daemon/machined.h"
#include "daemon/daemon.h"
#include "daemon/disk-open.h"
#include "daemon/domain-disks.h"
#include "daemon/driver-qemu.h"
#include "daemon/domain_conf_devmisc.h"
#include "daemon/driver-qemu-agent.h"
#include "daemon/driver-qemu-priv.h"
#include "daemon/driver-common.h"
#include "daemon/driver.h"
#include "daemon/events.h"
#include "daemon/iface.h"
#include "daemon/kvm-probe.h"
#include "daemon/qmp.h"
#include "lib/file.h"
#include "lib/idrange.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sock.h"
#include "lib/spawn.h"

/* How long QEMU may take to greet on its monitor; a destroy's grace. */
#define GREET_MS	 30000
#define DESTROY_GRACE_MS 3000

/* QEMU's fds: 3 its sandbox slot's lock, then the monitor's and the
 * disks' (driver-qemu.h). */
#define SLOT_FD 3

static void close_disks(struct qemu_vm *vm)
{
	for (int i = 0; i < 2; i++) {
		if (vm->fw_fds[i] >= 0)
			close(steal_fd(vm->fw_fds[i]));
		if (vm->boot_fds[i] >= 0)
			close(steal_fd(vm->boot_fds[i]));
	}
	if (vm->boot_fds[2] >= 0)
		close(steal_fd(vm->boot_fds[2]));
	for (size_t i = 0; i < vm->n_chr_fds; i++)
		close(vm->chr_fds[i]);
	free(vm->chr_fds);
	vm->chr_fds = NULL;
	vm->n_chr_fds = 0;
	for (size_t i = 0; i < vm->n_chains; i++)
		block_chain_clear(&vm->chains[i]);
	free(vm->chains);
	vm->chains = NULL;
	vm->n_chains = 0;
}

static void qemu_release(struct daemon *dmn, struct domain *dom)
{
	struct qemu_vm *vm = dom->priv;

	if (!vm)
		return;
	qemu_spice_ports_release(dom->def);
	loop_source_del(dmn->loop, vm->watch);
	loop_source_del(dmn->loop, vm->timer);
	qemu_vm_save_release(vm);
	qemu_vm_snapshot_release(vm);
	qemu_vm_unplug_release(vm);
	qemu_vm_xsnap_release(vm);
	qemu_vm_msnap_release(vm);
	qemu_vm_blockjobs_release(vm);
	qmp_free(vm->qmp);
	qemu_agent_free(vm->agent, false);
	close_safe(vm->shot_fd);
	close_safe(vm->state_fd);
	close_disks(vm);
	iface_set_clear(&vm->ifaces);
	json_object_put(vm->taps);
	close_safe(vm->child.pidfd);
	/* a swtpm QEMU still uses (nidod ends first) runs on */
	close_safe(vm->swtpm.pidfd);
	close_safe(vm->tpm_fd);
	for (size_t i = 0; vm->vfsd && i < vm->n_vfsd; i++) {
		close_safe(vm->vfsd[i].pidfd);
		close_safe(vm->vfs_fds[i]);
	}
	free(vm->vfsd);
	free(vm->vfs_fds);
	json_object_put(vm->cgroups);
	free(vm->shutdown_reason);
	free(vm->start_error);
	free(vm->monitor);
	free(vm->log);
	free(vm->pty);
	free(vm);
	dom->priv = NULL;
}

char *driver_qemu_emulator(void)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = xstrdup(path ? path : "/usr/bin:/bin");
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *p =
			xasprintf("%s/%s", d, QEMU_DEFAULT_BINARY);

		if (*d == '/' && access(p, X_OK) == 0)
			return steal_ptr(p);
	}
	return xstrdup("/usr/bin/" QEMU_DEFAULT_BINARY);
}

/*
 * The accelerator: TCG for type 'qemu'; KVM for type 'kvm', when this
 * host's KVM can run an unmodified guest (kvm-probe.h), else an error
 * that says so and what to do instead.
 */
static int pick_accel(const struct domain_def *def, const char **accel,
		      struct err **e)
{
	_cleanup_err_ struct err *why = NULL;
	const char *modules = getenv("NIDO_TEST_SYS_MODULE");

	*accel = "tcg";
	if (def->virt == DOMAIN_VIRT_QEMU)
		return 0;
	if (kvm_runs_unmodified(modules ? modules : "/sys/module", &why) > 0) {
		*accel = "kvm";
		return 0;
	}
	return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
			"type 'kvm' needs QEMU with KVM here (%s), but %s; "
			"use <domain type='qemu'> to run it with TCG "
			"(emulation)",
			def->emulator ? "its <emulator>"
				      : "nido-vmm cannot run it",
			err_msg(why));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static int n_tap_fds(const struct qemu_vm *vm);

/* The fds QEMU gets: the slot lock, the monitor, the disks, the firmware
 * flash (the +2), the taps, the agent's channel, the kernel and initrd
 * (the +2 more). */
static struct spawn_fd *child_fds(const struct qemu_vm *vm, int slot_fd,
				  int mon_fd, int agent_fd, size_t *n)
{
	size_t total = 3 + (size_t)n_tap_fds(vm), k = 0;
	struct spawn_fd *v;
	int to = QEMU_FIRST_DISK_FD;

	for (size_t i = 0; i < vm->n_chains; i++)
		total += (size_t)vm->chains[i].n;
	total += vm->hostdev_fds ? vm->dom->def->n_hostdevs : 0;
	v = xcalloc(total + 6 + vm->n_chr_fds + vm->n_vfsd, sizeof(*v));
	if (slot_fd >= 0)
		v[k++] = (struct spawn_fd){.from = slot_fd, .to = SLOT_FD};
	v[k++] = (struct spawn_fd){.from = mon_fd, .to = QEMU_MONITOR_FD};
	for (size_t i = 0; i < vm->n_chains; i++)
		for (int j = 0; j < vm->chains[i].n; j++)
			v[k++] = (struct spawn_fd){
				.from = vm->chains[i].files[j].fd, .to = to++};
	/* the firmware's flash after the disks (driver-qemu-argv.c) */
	for (int i = 0; i < 2; i++)
		if (vm->fw_fds[i] >= 0)
			v[k++] = (struct spawn_fd){.from = vm->fw_fds[i],
						   .to = to++};
	/* then the taps (first_tap_fd()) */
	for (size_t i = 0; i < vm->ifaces.n; i++) {
		const struct iface_tap *t = &vm->ifaces.taps[i];

		if (t->fd >= 0) /* none: a user-mode network */
			v[k++] = (struct spawn_fd){.from = t->fd, .to = to++};
		for (size_t j = 0; j < t->n_more; j++)
			v[k++] = (struct spawn_fd){.from = t->more[j],
						   .to = to++};
	}
	if (agent_fd >= 0)
		v[k++] = (struct spawn_fd){.from = agent_fd, .to = to++};
	/* then the kernel's and the BIOS's (spawn_qemu()) */
	for (int i = 0; i < 3; i++)
		if (vm->boot_fds[i] >= 0)
			v[k++] = (struct spawn_fd){.from = vm->boot_fds[i],
						   .to = to++};
	/* then the serial ports' (qemu_argv_chardevs()) */
	for (size_t i = 0; i < vm->n_chr_fds; i++)
		v[k++] = (struct spawn_fd){.from = vm->chr_fds[i], .to = to++};
	/* last, the USB host devices' (qemu_vm_hostdev_fds()) */
	for (size_t i = 0; vm->hostdev_fds && i < vm->dom->def->n_hostdevs; i++)
		if (vm->hostdev_fds[i] >= 0)
			v[k++] = (struct spawn_fd){.from = vm->hostdev_fds[i],
						   .to = to++};
	/* and the TPM emulator's control channel (tpm_fd_in_qemu()) */
	if (vm->tpm_fd >= 0)
		v[k++] = (struct spawn_fd){.from = vm->tpm_fd, .to = to++};
	/* and virtiofsds' sockets (qemu_argv_virtiofs()) */
	for (size_t i = 0; vm->vfs_fds && i < vm->n_vfsd; i++)
		if (vm->vfs_fds[i] >= 0)
			v[k++] = (struct spawn_fd){.from = vm->vfs_fds[i],
						   .to = to++};
	*n = k;
	return v;
}

/* The monitor's socket: made and bound by nidod (0600, root's), listened
 * on by QEMU; a restarted nidod connects to it by its path. */
static int monitor_socket(const char *path, struct err **e)
{
	struct sockaddr_un sa;
	int fd, r;

	if ((r = sock_unix_addr(&sa, path, "monitor socket", e)) < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "monitor socket");
	unlink(path);
	if (sock_unix_bind_private(fd, &sa) < 0 || listen(fd, 4) < 0) {
		r = err_sys(e, errno, "monitor socket '%s'", path);
		close(fd);
		return r;
	}
	return fd;
}

static int open_disks(struct daemon *dmn, const struct domain_def *def,
		      struct qemu_vm *vm, struct err **e)
{
	vm->chains = xcalloc(def->n_disks + 1, sizeof(*vm->chains));
	for (size_t i = 0; i < def->n_disks; i++) {
		_cleanup_free_ char *overlay =
			domain_disk_overlay(dmn, def, i, e);
		int r = def->disks[i].transient && !overlay
				? -EIO
				: disk_open(&def->disks[i], overlay,
					    &vm->chains[i], e);

		vm->n_chains = i + 1;
		if (r < 0) {
			close_disks(vm);
			return r;
		}
		for (int j = 0; j < vm->chains[i].n; j++)
			if (vm->chains[i].files[j].kind == BLOCK_REF_EXTENT) {
				close_disks(vm);
				return err_set(e, ENOTSUP,
					       "disk '%s': an image with "
					       "extents",
					       def->disks[i].target);
			}
	}
	return 0;
}

/*
 * The VM's own cgroup with its limits, for QEMU to join before it runs;
 * *@fds (up to @max) its cgroup.procs files. Where guests live in
 * machines' scopes, the limits wait for QEMU's scope (in_scope).
 */
static int prepare_cgroup(struct domain *dom, struct qemu_vm *vm, int *fds,
			  size_t max, size_t *n, struct err **e)
{
	static unsigned seq;
	_cleanup_err_ struct err *why = NULL;
	_cleanup_free_ char *name =
		xasprintf("%s.%d-q%u", dom->def->name, (int)getpid(), ++seq);

	*n = 0;
	vm->cgroups = driver_cgroup_create(vm->dmn, name, &why);
	if (why)
		log_debug("domain '%s': cgroup: %s", dom->def->name,
			  err_msg(why));
	if (!machined_scoped(vm->dmn) &&
	    driver_vm_limits(dom->def, vm->cgroups, e) < 0) {
		cgroup_remove(vm->cgroups);
		return err_code(*e);
	}
	*n = cgroup_open_procs(vm->cgroups, fds, max);
	return 0;
}

/* spawn_opts.before_exec where guests live in machines' scopes: QEMU
 * @pid, before it runs, into the scope machined makes for it, in nido's
 * cgroup there, with the limits. */
static int in_scope(pid_t pid, void *opaque, struct err **e)
{
	struct qemu_vm *vm = opaque;

	if (driver_in_scope(vm->dmn, vm->dom, pid, vm->taps, vm->cgroups, e) <
	    0)
		return -EIO;
	return driver_vm_limits(vm->dom->def, vm->cgroups, e);
}

/*
 * With accel=kvm, the group that opens /dev/kvm to QEMU's identity (the
 * device's own group, "kvm" on most hosts), in *@gid; -1 when everyone
 * may; an error when only root may.
 */
static int kvm_group(gid_t *gid, struct err **e)
{
	struct stat st;

	if (stat("/dev/kvm", &st) < 0)
		return err_sys(e, errno, "'/dev/kvm'");
	*gid = (gid_t)-1;
	if ((st.st_mode & (S_IROTH | S_IWOTH)) == (S_IROTH | S_IWOTH))
		return 0;
	if ((st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP) &&
	    st.st_gid != 0) {
		*gid = st.st_gid;
		return 0;
	}
	return err_setk(e, ERR_OPERATION_FAILED, EACCES,
			"'/dev/kvm' (mode %04o, group %u) is not open to the "
			"VM's identity: give it a group of its own (udev: "
			"root:kvm 0660)",
			(unsigned)(st.st_mode & 07777), (unsigned)st.st_gid);
}

/* Who QEMU runs as: as root, the slot's ids (and /dev/kvm's group for
 * accel=kvm); *@slot_fd keeps the slot. */
static int sandbox_ids(struct qemu_vm *vm, const char *accel,
		       struct spawn_opts *o, gid_t *groups, int *slot_fd,
		       struct err **e)
{
	struct idrange ids;
	gid_t kvm_gid = (gid_t)-1;
	int r, label;

	vm->sandbox_slot = 0;
	vm->label_uid = 0;
	*slot_fd = -1;
	/* not root: QEMU is nidod's user, which a static label names */
	if ((label = qemu_seclabel_ids(vm->dom->def, &o->uid, &o->gid, e)) < 0)
		return label;
	if (geteuid() != 0)
		return 0;
	if (streq(accel, "kvm") && (r = kvm_group(&kvm_gid, e)) < 0)
		return r;
	idrange_load(&ids, NULL, NULL);
	*slot_fd = idrange_claim(&ids, NULL, &vm->sandbox_slot, e);
	if (*slot_fd < 0)
		return *slot_fd;
	o->set_ids = 1;
	/* a static DAC label's ids (qemu_seclabel_ids()), else the
	 * slot's */
	if (label)
		vm->label_uid = o->uid;
	else
		idrange_ids(&ids, vm->sandbox_slot, &o->uid, &o->gid);
	if (kvm_gid != (gid_t)-1) {
		groups[0] = kvm_gid;
		o->groups = groups;
		o->n_groups = 1;
	}
	return 0;
}

/* The fds of taps QEMU gets (a user-mode network has none). */
static int n_tap_fds(const struct qemu_vm *vm)
{
	int n = 0;

	for (size_t i = 0; i < vm->ifaces.n; i++)
		n += (vm->ifaces.taps[i].fd >= 0) +
		     (int)vm->ifaces.taps[i].n_more;
	return n;
}

/* The first fd of the taps in QEMU: after the disks' files. */
static int first_tap_fd(const struct qemu_vm *vm)
{
	int fd = QEMU_FIRST_DISK_FD;

	for (size_t i = 0; i < vm->n_chains; i++)
		fd += vm->chains[i].n;
	for (int i = 0; i < 2; i++)
		fd += vm->fw_fds[i] >= 0;
	return fd;
}

/* The first fd of the character devices in QEMU: after the taps, the
 * agent's socket and the kernel's files (child_fds()). */
static int first_chr_fd(const struct qemu_vm *vm, int agent_fd)
{
	int fd = first_tap_fd(vm) + n_tap_fds(vm) + (agent_fd >= 0);

	for (int i = 0; i < 3; i++)
		fd += vm->boot_fds[i] >= 0;
	return fd;
}

/* The TPM emulator's control channel in QEMU: after the USB host
 * devices' fds (child_fds()). */
static int tpm_fd_in_qemu(const struct qemu_vm *vm, int agent_fd)
{
	int fd = first_chr_fd(vm, agent_fd) + (int)vm->n_chr_fds;

	for (size_t i = 0; vm->hostdev_fds && i < vm->dom->def->n_hostdevs; i++)
		fd += vm->hostdev_fds[i] >= 0;
	return fd;
}

/* Ends the helpers (swtpm, virtiofsd) a start that failed started, or
 * QEMU's ended. */
static void drop_helpers(struct qemu_vm *vm)
{
	close_safe(vm->tpm_fd);
	vm->tpm_fd = -1;
	qemu_helper_stop(&vm->swtpm);
	if (vm->vfsd)
		qemu_virtiofsd_stop(vm->vfsd, vm->vfs_fds, vm->n_vfsd);
}

/* swtpm and the virtiofsds, before QEMU (QEMU's identity @o). */
static int start_helpers(struct domain *dom, struct qemu_vm *vm,
			 const struct spawn_opts *o, int logfd, struct err **e)
{
	const struct domain_devmisc *m = dom->def->misc;
	_cleanup_free_ char *base = NULL;
	int r;

	if ((r = qemu_swtpm_start(dom->def, o->set_ids ? o->uid : (uid_t)-1,
				  o->gid, logfd, &vm->swtpm, &vm->tpm_fd, e)) <
	    0)
		return r;
	if (!m || !m->n_vfs)
		return 0;
	vm->n_vfsd = m->n_vfs;
	vm->vfsd = xcalloc(m->n_vfs, sizeof(*vm->vfsd));
	vm->vfs_fds = xcalloc(m->n_vfs, sizeof(*vm->vfs_fds));
	base = xasprintf("%s", vm->monitor);
	*strrchr(base, '.') = 0; /* <runtime>/domains/NAME */
	r = qemu_virtiofsd_start(dom->def, base, logfd, vm->vfsd, vm->vfs_fds,
				 e);
	if (r < 0)
		drop_helpers(vm);
	return r;
}

/* What the character devices name on the host, opened by nidod
 * (qemu_chr_open()), into @vm->chr_fds. */
static int open_chardevs(const struct domain_def *def, struct qemu_vm *vm,
			 struct err **e)
{
	size_t n = qemu_chr_n_fds(def);
	int r;

	vm->chr_fds = xcalloc(n + 1, sizeof(int));
	if ((r = qemu_chr_open(def, vm->chr_fds, e)) < 0)
		return r;
	vm->n_chr_fds = n;
	return 0;
}

/* The interfaces' taps (iface.h), owned by QEMU's identity @o. */
static int open_ifaces(struct daemon *dmn, struct domain *dom,
		       struct qemu_vm *vm, const struct spawn_opts *o,
		       struct err **e)
{
	if (qemu_net_start_check(dom->def, e) < 0)
		return -ENOTSUP;
	if (iface_setup(dmn, dom->def, o->set_ids ? o->uid : (uid_t)-1,
			&vm->ifaces, e) < 0)
		return -EIO;
	json_object_put(vm->taps);
	vm->taps = iface_record(&vm->ifaces);
	return 0;
}

/* Undoes open_ifaces() (a start that failed, or QEMU's end). */
static void drop_ifaces(struct domain *dom, struct qemu_vm *vm)
{
	iface_set_clear(&vm->ifaces);
	iface_teardown(vm->taps);
	iface_forget(dom->def);
	json_object_put(vm->taps);
	vm->taps = NULL;
}

static void free_env(char ***env)
{
	for (size_t i = 0; *env && (*env)[i]; i++)
		free((*env)[i]);
	free(*env);
}

/* Logs the command line, one argument a line, as libvirt's log does. */
static void log_args(int fd, const struct qemu_argv *a)
{
	dprintf(fd, "nidod: starting:");
	for (size_t i = 0; i < a->n; i++)
		dprintf(fd, " %s", a->v[i]);
	dprintf(fd, "\n");
}

static int spawn_qemu(struct daemon *dmn, struct domain *dom,
		      struct qemu_vm *vm, const char *emulator,
		      const char *accel, struct err **e)
{
	_cleanup_close_ int logfd = driver_open_log(vm->log, e);
	_cleanup_close_ int slot_fd = -1, mon_fd = -1;
	_cleanup_free_ struct spawn_fd *keep = NULL;
	_cleanup_free_ cpu_set_t *cpus = NULL;
	_cleanup_free_ int *usb_fds = NULL;
	struct qemu_argv a = {0};
	struct spawn_opts o;
	gid_t groups[1];
	int cg[8], r, agent_fd = -1;
	__attribute__((cleanup(free_env))) char **env = NULL;
	size_t ncg = 0;

	if (logfd < 0)
		return logfd;
	if ((r = qemu_clock_env(dom->def, &env, e)) < 0)
		return r;
	qemu_graphics_env(dom->def, &env);
	/* released with the domain (qemu_release(), vm_exited()) */
	if ((r = qemu_spice_ports_take(dom->def, e)) < 0)
		return r;
	spawn_opts_init(&o);
	if ((r = sandbox_ids(vm, accel, &o, groups, &slot_fd, e)) < 0)
		return r;
	if ((mon_fd = monitor_socket(vm->monitor, e)) < 0)
		return mon_fd;
	if (vm->agent && (agent_fd = qemu_agent_listen(vm->agent, e)) < 0)
		return agent_fd;
	if ((r = open_disks(dmn, dom->def, vm, e)) < 0)
		return r;
	qemu_vm_blockjobs_release(vm); /* a restart's */
	qemu_vm_record_chains(vm, dom->def);
	if ((r = domain_disks_show_chains(dom, vm->chains, e)) < 0) {
		close_disks(vm);
		return r;
	}
	if ((r = driver_qemu_firmware_open(dom->def, vm->fw_fds, e)) < 0) {
		close_disks(vm);
		return err_prefix(e, "firmware");
	}
	if ((r = driver_qemu_kernel_open(dom->def, vm->boot_fds, e)) < 0) {
		close_disks(vm);
		return r;
	}
	if ((r = open_chardevs(dom->def, vm, e)) < 0) {
		close_disks(vm);
		return r;
	}
	if ((r = open_ifaces(dmn, dom, vm, &o, e)) < 0) {
		close_disks(vm);
		return r;
	}
	if ((r = prepare_cgroup(dom, vm, cg, ARRAY_SIZE(cg), &ncg, e)) < 0) {
		close_disks(vm);
		drop_ifaces(dom, vm);
		return r;
	}
	if ((r = start_helpers(dom, vm, &o, logfd, e)) < 0 ||
	    (r = qemu_vm_hostdevs_open(vm, o.set_ids ? o.uid : (uid_t)-1, e)) <
		    0) {
		drop_helpers(vm);
		close_disks(vm);
		drop_ifaces(dom, vm);
		for (size_t i = 0; i < ncg; i++)
			close(cg[i]);
		cgroup_remove(vm->cgroups);
		return r;
	}
	qemu_argv_build(&a, emulator, accel, dom->def, vm->chains);
	qemu_argv_nets(&a, dom->def, first_tap_fd(vm));
	if (vm->agent)
		qemu_argv_agent(&a, first_tap_fd(vm) + n_tap_fds(vm));
	/* the kernel's files after the agent's socket (child_fds()) */
	qemu_argv_kernel(&a, dom->def,
			 first_tap_fd(vm) + n_tap_fds(vm) + (agent_fd >= 0));
	/* the character devices' after the kernel's; their fd sets after
	 * the disks' and the flash's (one each, from 1) */
	qemu_argv_chardevs(&a, dom->def, first_chr_fd(vm, agent_fd),
			   1 + first_tap_fd(vm) - QEMU_FIRST_DISK_FD);
	/* the USB host devices' after the character devices' */
	usb_fds = qemu_vm_hostdev_fds(vm, first_chr_fd(vm, agent_fd) +
						  (int)vm->n_chr_fds);
	qemu_argv_hostdevs(&a, dom->def, usb_fds);
	qemu_argv_tpm(&a, dom->def, tpm_fd_in_qemu(vm, agent_fd));
	qemu_argv_virtiofs(&a, dom->def,
			   tpm_fd_in_qemu(vm, agent_fd) + (vm->tpm_fd >= 0));
	if (vm->restoring) {
		qemu_arg(&a, "-incoming");
		qemu_arg(&a, "defer");
	}
	log_args(logfd, &a);
	vm->log_off = (uint64_t)MAX(lseek(logfd, 0, SEEK_END), 0);
	o.argv = a.v;
	o.envp = env;
	o.stdout_fd = logfd;
	o.stderr_fd = logfd;
	o.new_session = 1;
	o.cgroup_fds = cg;
	o.n_cgroup_fds = ncg;
	if (machined_scoped(dmn)) {
		o.before_exec = in_scope;
		o.opaque = vm;
	}
	o.affinity = cpus = qemu_cpuset_mask(dom->def, &o.affinity_size);
	o.memlock =
		qemu_hostdev_memlock(dom->def, qemu_memlock_limit(dom->def));
	keep = child_fds(vm, slot_fd, mon_fd, agent_fd, &o.n_keep_fds);
	o.keep_fds = keep;
	r = spawn_start(&o, &vm->child, e);
	/* QEMU has them now (and the image locks with them) */
	close_disks(vm);
	qemu_vm_hostdevs_close_fds(vm);
	close_safe(vm->tpm_fd);
	vm->tpm_fd = -1;
	for (size_t i = 0; vm->vfs_fds && i < vm->n_vfsd; i++) {
		close_safe(vm->vfs_fds[i]);
		vm->vfs_fds[i] = -1;
	}
	iface_set_clear(&vm->ifaces);
	for (size_t i = 0; i < ncg; i++)
		close(cg[i]);
	qemu_argv_free(&a);
	if (r < 0) {
		/* a machine made for it goes with it */
		machined_domain_stopped(dmn, dom);
		drop_helpers(vm);
		cgroup_remove(vm->cgroups);
		drop_ifaces(dom, vm);
		qemu_hostdevs_release(dom->def, dom->def->n_hostdevs, NULL);
	}
	vm->is_child = r == 0;
	return r;
}

static struct json_object *make_record(const struct qemu_vm *vm)
{
	struct json_object *rec = json_object_new_object();

	add_str(rec, "driver", "qemu");
	json_object_object_add(rec, "pid", json_object_new_int(vm->child.pid));
	json_object_object_add(
		rec, "start_time",
		json_object_new_uint64(driver_proc_start_time(vm->child.pid)));
	add_str(rec, "monitor", vm->monitor);
	add_str(rec, "log", vm->log);
	json_object_object_add(rec, "log_offset",
			       json_object_new_uint64(vm->log_off));
	if (vm->pty)
		add_str(rec, "pty", vm->pty);
	if (vm->dom->def->display.vnc_port_live)
		json_object_object_add(
			rec, "vnc_port",
			json_object_new_int(
				vm->dom->def->display.vnc_port_live));
	if (vm->dom->def->display.spice) {
		json_object_object_add(
			rec, "spice_port",
			json_object_new_int(
				vm->dom->def->display.spice->port_live));
		json_object_object_add(
			rec, "spice_tls_port",
			json_object_new_int(
				vm->dom->def->display.spice->tls_port_live));
	}
	json_object_object_add(rec, "cgroups", json_object_get(vm->cgroups));
	json_object_object_add(rec, "sandbox_slot",
			       json_object_new_int64(vm->sandbox_slot));
	if (vm->taps)
		json_object_object_add(rec, "taps", json_object_get(vm->taps));
	qemu_agent_record(vm->agent, rec);
	return rec;
}

/* The last line QEMU wrote in this run's log (its error, most often);
 * malloc'ed, or NULL. */
char *qemu_vm_log_last_line(const struct qemu_vm *vm)
{
	_cleanup_close_ int fd = open(vm->log, O_RDONLY | O_CLOEXEC);
	char buf[1024];
	off_t end, from;
	ssize_t n;
	char *nl;

	if (fd < 0 || (end = lseek(fd, 0, SEEK_END)) <= (off_t)vm->log_off)
		return NULL;
	from = MAX((off_t)vm->log_off, end - (off_t)sizeof(buf) + 1);
	n = pread_full(fd, buf, (size_t)(end - from), from);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	nl = strrchr(buf, '\n');
	return n ? xstrdup(nl ? nl + 1 : buf) : NULL;
}

/* Why QEMU ended and whether the domain starts again. */
static enum domain_reason exit_reason(struct qemu_vm *vm, int status,
				      char **detail, bool *restart)
{
	const struct domain_def *def = vm->dom->def;
	const char *why = vm->shutdown_reason;

	*restart = false;
	if (vm->saved)
		return REASON_SHUTOFF_SAVED;
	if (vm->destroying)
		return REASON_SHUTOFF_DESTROYED;
	if (vm->starting && vm->start_error) {
		*detail = xstrdup(vm->start_error);
		return REASON_SHUTOFF_FAILED;
	}
	if (vm->starting) {
		_cleanup_free_ char *last = qemu_vm_log_last_line(vm);
		_cleanup_free_ char *st =
			status >= 0 ? spawn_status_str(status) : NULL;

		*detail = xasprintf("QEMU %s%s%s", st ? st : "exited",
				    last ? ": " : "", last ? last : "");
		return REASON_SHUTOFF_FAILED;
	}
	if (vm->panicked) {
		*detail = xstrdup("the guest panicked");
		*restart = def->on_crash == DOMAIN_LIFECYCLE_RESTART;
		return REASON_SHUTOFF_CRASHED;
	}
	if (why && vm->shutdown_guest) {
		/* guest-shutdown, or guest-reset with on_reboot destroy */
		*restart = vm->rebooting ||
			   (streq(why, "guest-reset")
				    ? def->on_reboot == DOMAIN_LIFECYCLE_RESTART
				    : def->on_poweroff ==
					      DOMAIN_LIFECYCLE_RESTART);
		return REASON_SHUTOFF_SHUTDOWN;
	}
	if (why) {
		*detail = xasprintf("QEMU stopped (%s)", why);
		return REASON_SHUTOFF_DESTROYED;
	}
	if (status >= 0) {
		_cleanup_free_ char *st = spawn_status_str(status);
		_cleanup_free_ char *last = qemu_vm_log_last_line(vm);

		*detail = xasprintf("QEMU %s%s%s", st, last ? ": " : "",
				    last ? last : "");
	} else {
		*detail = xstrdup("QEMU ended without saying why");
	}
	*restart = def->on_crash == DOMAIN_LIFECYCLE_RESTART;
	return REASON_SHUTOFF_CRASHED;
}

/* Decides what an exit means and tells the daemon. @status < 0: unknown
 * (a re-attached QEMU). */
static void vm_exited(struct daemon *dmn, struct domain *dom, int status)
{
	struct qemu_vm *vm = vm_of(dom);
	_cleanup_free_ char *detail = NULL;
	_cleanup_err_ struct err *e = NULL;
	enum domain_reason reason;
	bool restart;

	reason = exit_reason(vm, status, &detail, &restart);
	dom->def->display.vnc_port_live = 0;
	qemu_spice_ports_release(dom->def);
	cgroup_remove(vm->cgroups);
	drop_ifaces(dom, vm);
	/* what a start (this nidod's or an earlier one's) did for them */
	qemu_hostdevs_release(dom->def, dom->def->n_hostdevs, NULL);
	drop_helpers(vm);
	unlink(vm->monitor);
	qemu_agent_free(steal_ptr(vm->agent), true);
	if (vm->destroying || vm->saved) {
		daemon_job_done(dmn, dom, 0, NULL, NULL);
	} else if (vm->saving) {
		err_set(&e, EIO, "QEMU ended while saving: %s", detail);
		daemon_job_done(dmn, dom, -EIO, NULL, e);
	} else if (vm->starting) {
		err_set(&e, EIO, "%s", detail);
		daemon_job_done(dmn, dom, -EIO, NULL, e);
	}
	daemon_domain_stopped(dmn, dom, reason, detail, restart);
}

/* QEMU has ended: its watch gone, its status (-1: unknown). */
static int reap(struct qemu_vm *vm)
{
	int status = -1;

	loop_source_del(vm->dmn->loop, vm->watch);
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
	struct qemu_vm *vm = opaque;

	(void)l;
	vm_exited(vm->dmn, vm->dom, reap(vm));
}

void qemu_vm_signal(struct qemu_vm *vm, int sig)
{
	if (pidfd_send_signal(vm->child.pidfd, sig, NULL, 0) < 0 &&
	    errno != ESRCH)
		log_warn("signalling QEMU %d: %s", (int)vm->child.pid,
			 strerror(errno));
}

/* Start cannot finish: QEMU is killed, and its exit fails the start. */
void qemu_vm_start_failed(struct qemu_vm *vm, const char *why)
{
	log_warn("domain '%s': %s", vm->dom->def->name, why);
	if (!vm->start_error)
		vm->start_error = xstrdup(why);
	qemu_vm_signal(vm, SIGKILL);
}

/*
 * BLOCK_IO_ERROR: the disk from its node's name (dI-J: disk I), as the
 * daemon's io-error event; untrusted, so only what matches is used.
 */
static void io_error(struct qemu_vm *vm, struct json_object *data)
{
	const struct domain_def *def = vm->dom->def;
	const char *node = "", *op = NULL, *action = "report", *msg = NULL;
	_cleanup_free_ char *message = NULL;
	bool nospace = false;
	unsigned long i;
	char *end;

	if (data) {
		json_get_string_opt(data, "node-name", &node, NULL);
		json_get_string_opt(data, "operation", &op, NULL);
		json_get_string_opt(data, "action", &action, NULL);
		json_get_string_opt(data, "reason", &msg, NULL);
		json_get_bool_opt(data, "nospace", &nospace, NULL);
	}
	i = node[0] == 'd' ? strtoul(node + 1, &end, 10) : ULONG_MAX;
	if (i >= def->n_disks || *end != '-') {
		_cleanup_free_ char *safe = qmp_printable(node, 32);

		log_warn("domain '%s': I/O error on node '%s'", def->name,
			 safe);
		return;
	}
	if (msg)
		message = qmp_printable(msg, 255);
	events_io_error(
		vm->dmn, vm->dom,
		&(struct event_io_error){
			.target = def->disks[i].target,
			.path = def->disks[i].source,
			.action = streq(action, "stop") ? "pause" : "report",
			.reason = nospace ? "enospc" : "eio",
			.operation =
				op && (streq(op, "read") || streq(op, "write"))
					? op
					: NULL,
			.message = message,
		});
}

/* What QEMU tells without being asked. */
static void on_qmp_event(void *opaque, const char *name,
			 struct json_object *data)
{
	struct qemu_vm *vm = opaque;
	struct domain *dom = vm->dom;
	const char *reason = NULL;
	bool guest = false;

	qemu_agent_qmp_event(vm->agent, name, data);
	if (streq(name, "SHUTDOWN")) {
		if (data) {
			json_get_string_opt(data, "reason", &reason, NULL);
			json_get_bool_opt(data, "guest", &guest, NULL);
		}
		/* one of QEMU's ShutdownCause names, or nothing of QEMU's:
		 * it ends in the domain's state detail and the log */
		if (reason && (strlen(reason) > 32 ||
			       strspn(reason, "abcdefghijklmnopqrstuvwxyz-") !=
				       strlen(reason)))
			reason = NULL;
		free(vm->shutdown_reason);
		vm->shutdown_reason = xstrdup(reason ? reason : "unknown");
		vm->shutdown_guest = guest;
	} else if (streq(name, "GUEST_PANICKED") &&
		   dom->def->on_crash == DOMAIN_LIFECYCLE_PRESERVE) {
		/* QEMU paused it (-action panic=pause): it stays so */
		log_warn("domain '%s': the guest panicked; kept, paused "
			 "(on_crash preserve)",
			 dom->def->name);
		if (domain_is_active(dom))
			daemon_domain_set_state(vm->dmn, dom,
						REASON_PAUSED_CRASHED, NULL);
	} else if (streq(name, "GUEST_PANICKED")) {
		vm->panicked = true;
		qemu_vm_signal(vm, SIGTERM);
	} else if (streq(name, "RESET")) {
		log_info("domain '%s': the guest reset", dom->def->name);
		events_reboot(vm->dmn, dom);
	} else if (streq(name, "STOP") && !vm->starting &&
		   dom->state == DOMAIN_RUNNING) {
		daemon_domain_set_state(vm->dmn, dom, REASON_PAUSED_UNKNOWN,
					NULL);
	} else if (streq(name, "RESUME") && !vm->starting &&
		   dom->state == DOMAIN_PAUSED) {
		daemon_domain_set_state(vm->dmn, dom, REASON_RUNNING_UNPAUSED,
					NULL);
	} else if (streq(name, "BLOCK_IO_ERROR")) {
		io_error(vm, data);
	} else if (streq(name, "DEVICE_DELETED")) {
		qemu_vm_device_deleted(vm, data);
	} else if (streq(name, "MIGRATION")) {
		qemu_vm_migration(vm, qemu_migration_event(data));
	} else if (streq(name, "JOB_STATUS_CHANGE")) {
		if (!qemu_vm_blockjob_event(vm, data))
			qemu_vm_job_event(vm, data);
	}
}

static void on_qmp_closed(void *opaque, const struct err *e)
{
	struct qemu_vm *vm = opaque;

	vm->qmp_ready = false;
	if (vm->starting && !vm->destroying) {
		/* QEMU ends at once on a bad option or a device it cannot
		 * open (a network disk's server away): its last word says
		 * which, the closed monitor does not */
		_cleanup_free_ char *last = qemu_vm_log_last_line(vm);
		_cleanup_free_ char *why =
			xasprintf("%s%s%s", err_msg(e), last ? ": " : "",
				  last ? last : "");

		qemu_vm_start_failed(vm, why);
	} else if (!vm->destroying)
		log_warn("domain '%s': QEMU's monitor: %s", vm->dom->def->name,
			 err_msg(e));
}

static void on_cont(void *opaque, int r, struct json_object *ret,
		    const struct err *e)
{
	struct qemu_vm *vm = opaque;
	_cleanup_free_ char *why = NULL;

	if (r < 0) {
		why = xasprintf("starting the vCPUs: %s", err_msg(e));
		qemu_vm_start_failed(vm, why);
		return;
	}
	vm->starting = false;
	daemon_job_done(vm->dmn, vm->dom, 0, NULL, NULL);
}

/* The uid QEMU runs as: its slot's, or ours without a sandbox. */
static uid_t qemu_uid(const struct qemu_vm *vm)
{
	struct idrange ids;
	uid_t uid;
	gid_t gid;

	if (vm->label_uid)
		return vm->label_uid;
	if (!vm->sandbox_slot)
		return geteuid();
	idrange_load(&ids, NULL, NULL);
	idrange_ids(&ids, vm->sandbox_slot, &uid, &gid);
	return uid;
}

/*
 * Whether @path is a pty QEMU made: a pseudo-terminal's slave owned by
 * QEMU's uid. QEMU names it and a taken-over QEMU could name any other
 * (an administrator's terminal) for a root client to open read-write.
 */
static int check_pty(const struct qemu_vm *vm, const char *path, struct err **e)
{
	struct stat st;

	if (!str_has_prefix(path, "/dev/pts/") || strstr(path, "..") ||
	    stat(path, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    major(st.st_rdev) < 136 || major(st.st_rdev) > 143 ||
	    st.st_uid != qemu_uid(vm))
		return err_setk(e, ERR_OPERATION_FAILED, EPERM,
				"QEMU named '%.64s' as its console: not a "
				"pseudo-terminal of its own",
				path);
	return 0;
}

/* The serial port's pty from query-chardev's answer; malloc'ed or NULL. */
static char *serial_pty(struct json_object *ret)
{
	for (size_t i = 0; json_object_is_type(ret, json_type_array) &&
			   i < json_object_array_length(ret);
	     i++) {
		struct json_object *c = json_object_array_get_idx(ret, i);
		const char *label = NULL, *file = NULL;

		if (!json_object_is_type(c, json_type_object) ||
		    json_get_string_opt(c, "label", &label, NULL) <= 0 ||
		    json_get_string_opt(c, "filename", &file, NULL) <= 0 ||
		    !streq(label, "charserial0") ||
		    !str_has_prefix(file, "pty:/dev/pts/") ||
		    strlen(file) > 64 || strstr(file, ".."))
			continue;
		return xstrdup(file + 4);
	}
	return NULL;
}

static void on_vnc(void *opaque, int r, struct json_object *ret,
		   const struct err *e);

static void on_chardevs(void *opaque, int r, struct json_object *ret,
			const struct err *e)
{
	struct qemu_vm *vm = opaque;
	_cleanup_err_ struct err *err = NULL;

	if (r < 0) {
		_cleanup_free_ char *why =
			xasprintf("query-chardev: %s", err_msg(e));

		qemu_vm_start_failed(vm, why);
		return;
	}
	free(vm->pty);
	vm->pty = serial_pty(ret);
	if (vm->pty && check_pty(vm, vm->pty, &err) < 0) {
		qemu_vm_start_failed(vm, err_msg(err));
		return;
	}
	/* a VNC port to learn: none on a socket or without a listener */
	if (!vm->dom->def->display.vnc || vm->dom->def->display.vnc_socket ||
	    vm->dom->def->display.vnc_listen_none) {
		qemu_vm_start_running(vm);
		return;
	}
	if (qmp_command(vm->qmp, "query-vnc", NULL, COMMAND_MS, on_vnc, vm,
			&err) < 0)
		qemu_vm_start_failed(vm, err_msg(err));
}

/* The VNC port QEMU took (autoport: the first free from 5900). */
static void on_vnc(void *opaque, int r, struct json_object *ret,
		   const struct err *e)
{
	struct qemu_vm *vm = opaque;
	const char *service = NULL;
	char *end;
	unsigned long port = 0;

	if (r < 0) {
		_cleanup_free_ char *why =
			xasprintf("query-vnc: %s", err_msg(e));

		qemu_vm_start_failed(vm, why);
		return;
	}
	if (json_object_is_type(ret, json_type_object) &&
	    json_get_string_opt(ret, "service", &service, NULL) > 0)
		port = strtoul(service, &end, 10);
	if (!service || *end || port < 5900 || port > 65535) {
		qemu_vm_start_failed(vm, "query-vnc: QEMU named no VNC port");
		return;
	}
	vm->dom->def->display.vnc_port_live = (int)port;
	qemu_vm_start_running(vm);
}

static void on_pinned(void *opaque, int r, const struct err *e)
{
	struct qemu_vm *vm = opaque;

	if (r < 0) {
		qemu_vm_start_failed(vm, err_msg(e));
		return;
	}
	vm->pinned = true;
	qemu_vm_start_running(vm);
}

static void on_setup(void *opaque, int r, const struct err *e)
{
	struct qemu_vm *vm = opaque;

	if (r < 0) {
		qemu_vm_start_failed(vm, err_msg(e));
		return;
	}
	vm->setup_done = true;
	qemu_vm_start_running(vm);
}

/* QEMU is set up: the domain runs (or stays paused, as asked). */
void qemu_vm_start_running(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *err = NULL;
	_cleanup_json_ struct json_object *rec = NULL;
	int r;

	if (vm->dom->def->display.spice && !vm->spice_checked) {
		if (qemu_spice_query(vm, &err) < 0)
			qemu_vm_start_failed(vm, err_msg(err));
		return;
	}
	if ((r = qemu_display_set_password(vm, &err)) != 0) {
		if (r < 0)
			qemu_vm_start_failed(vm, err_msg(err));
		return;
	}
	/* <iotune>, <stats period>, links down: before the first
	 * instruction, as libvirt sets them */
	if (!vm->setup_done) {
		qemu_setup_run(vm->qmp, vm->dom->def, on_setup, vm);
		return;
	}
	/* each vCPU thread on its CPUs, before it runs */
	if (!vm->pinned && qemu_pins_needed(vm->dom->def)) {
		qemu_pin_run(vm->qmp, vm->dom->def, vm->child.pid, on_pinned,
			     vm);
		return;
	}
	/* the saved state, before the first instruction */
	if (vm->restoring && !vm->restored) {
		qemu_vm_restore_begin(vm);
		return;
	}
	rec = make_record(vm);
	daemon_domain_set_state(vm->dmn, vm->dom,
				vm->start_paused ? REASON_PAUSED_USER
				: vm->restoring	 ? REASON_RUNNING_RESTORED
						 : REASON_RUNNING_BOOTED,
				rec);
	if (vm->start_paused) {
		vm->starting = false;
		daemon_job_done(vm->dmn, vm->dom, 0, NULL, NULL);
	} else if (qmp_command(vm->qmp, "cont", NULL, COMMAND_MS, on_cont, vm,
			       &err) < 0) {
		qemu_vm_start_failed(vm, err_msg(err));
	}
}

/* The handshake is done: a starting QEMU is asked for its pty. */
static void on_qmp_ready(void *opaque)
{
	struct qemu_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;

	vm->qmp_ready = true;
	qemu_agent_qmp_ready(vm->agent, vm->qmp);
	if (!vm->starting) {
		qemu_vm_reattach_chains(vm);
		return;
	}
	if (qmp_command(vm->qmp, "query-chardev", NULL, COMMAND_MS, on_chardevs,
			vm, &e) < 0)
		qemu_vm_start_failed(vm, err_msg(e));
}

static int connect_qmp(struct daemon *dmn, struct qemu_vm *vm, struct err **e)
{
	struct qmp_callbacks cb = {on_qmp_ready, on_qmp_event, on_qmp_closed,
				   vm};

	vm->qmp = qmp_connect(dmn->loop, vm->monitor, GREET_MS, &cb, e);
	return vm->qmp ? 0 : err_prefix(e, "QEMU's monitor");
}

static struct qemu_vm *vm_new(struct daemon *dmn, struct domain *dom)
{
	struct qemu_vm *vm = xcalloc(1, sizeof(*vm));

	vm->dmn = dmn;
	vm->dom = dom;
	vm->child.pid = -1;
	vm->child.pidfd = -1;
	vm->fw_fds[0] = vm->fw_fds[1] = -1;
	vm->boot_fds[0] = vm->boot_fds[1] = vm->boot_fds[2] = -1;
	vm->shot_fd = -1;
	vm->state_fd = -1;
	vm->swtpm.pid = vm->swtpm.pidfd = -1;
	vm->tpm_fd = -1;
	vm->monitor = store_runtime_path(&dmn->store, &domain_kind,
					 dom->def->name, "monitor");
	vm->log = store_runtime_path(&dmn->store, &domain_kind, dom->def->name,
				     "log");
	vm->agent = qemu_agent_new(dom,
				   store_runtime_path(&dmn->store, &domain_kind,
						      dom->def->name, "agent"));
	return vm;
}

/* nidod's connection to the agent's channel: without it, agent commands
 * say so and the domain runs on. */
static void connect_agent(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *e = NULL;

	if (vm->agent && qemu_agent_connect(vm->agent, vm->dmn->loop, &e) < 0)
		log_warn("domain '%s': %s", vm->dom->def->name, err_msg(e));
}

static int check_files(const struct domain_def *def, const char *emulator,
		       struct err **e)
{
	if (access(emulator, X_OK) < 0)
		return err_sys(e, errno, "QEMU '%s'", emulator);
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct domain_disk *d = &def->disks[i];

		if (d->net)
			continue; /* QEMU's to reach (qemu_check_host) */
		if (access(d->source, disk_writable(d) ? R_OK | W_OK : R_OK) <
		    0)
			return err_sys(e, errno, "disk '%s' (%s)", d->source,
				       d->target);
	}
	if (qemu_display_check_host(def, e) < 0 ||
	    qemu_devmisc_check_host(def, e) < 0)
		return -EINVAL;
	return qemu_check_host(def, e);
}

static int start_qemu(struct daemon *dmn, struct domain *dom, unsigned flags,
		      int state_fd, struct err **e)
{
	_cleanup_free_ char *emulator = dom->def->emulator
						? xstrdup(dom->def->emulator)
						: driver_qemu_emulator();
	_cleanup_json_ struct json_object *rec = NULL;
	const char *accel;
	struct qemu_vm *vm;

	if (pick_accel(dom->def, &accel, e) < 0 ||
	    check_files(dom->def, emulator, e) < 0) {
		close_safe(state_fd);
		return err_code(*e);
	}
	vm = vm_new(dmn, dom);
	vm->start_paused = flags & DRIVER_START_PAUSED;
	vm->starting = true;
	vm->state_fd = state_fd;
	vm->restoring = state_fd >= 0;
	dom->priv = vm;
	if (spawn_qemu(dmn, dom, vm, emulator, accel, e) < 0) {
		unlink(vm->monitor); /* bound before what failed */
		goto out_release;
	}
	vm->watch = loop_fd_add(dmn->loop, vm->child.pidfd, EPOLLIN, on_exit_fd,
				vm, e);
	if (!vm->watch || connect_qmp(dmn, vm, e) < 0) {
		spawn_kill(&vm->child, SIGKILL);
		spawn_wait(&vm->child, NULL);
		cgroup_remove(vm->cgroups);
		drop_ifaces(dom, vm);
		qemu_hostdevs_release(dom->def, dom->def->n_hostdevs, NULL);
		unlink(vm->monitor);
		goto out_release;
	}
	connect_agent(vm);
	rec = make_record(vm);
	daemon_domain_set_state(dmn, dom,
				vm->start_paused ? REASON_PAUSED_USER
				: vm->restoring	 ? REASON_RUNNING_RESTORED
						 : REASON_RUNNING_BOOTED,
				rec);
	return RPC_DEFERRED;

out_release:
	qemu_agent_free(steal_ptr(vm->agent), true); /* bound before */
	qemu_release(dmn, dom);
	return err_code(*e);
}

static int qemu_start(struct daemon *dmn, struct domain *dom, unsigned flags,
		      struct err **e)
{
	return start_qemu(dmn, dom, flags, -1, e);
}

static int qemu_restore(struct daemon *dmn, struct domain *dom, int fd,
			unsigned flags, struct err **e)
{
	return start_qemu(dmn, dom, flags, fd, e);
}

static void stop_signal(void *opaque, int sig)
{
	qemu_vm_signal(opaque, sig);
}

/* SIGTERM was ignored for DESTROY_GRACE_MS: SIGKILL (a graceful destroy
 * fails instead); then give up. */
static void on_destroy_timer(struct loop *l, void *opaque)
{
	struct qemu_vm *vm = opaque;
	_cleanup_err_ struct err *e = NULL;

	if (vm->graceful || vm->killed) {
		loop_source_del(l, vm->timer);
		vm->timer = NULL;
		vm->destroying = false;
		err_setk(&e, ERR_OPERATION_FAILED, ETIMEDOUT,
			 "QEMU (pid %d) did not end%s", (int)vm->child.pid,
			 vm->graceful ? " on SIGTERM" : "");
		daemon_job_done(vm->dmn, vm->dom, -ETIMEDOUT, NULL, e);
		return;
	}
	vm->killed = true;
	qemu_vm_signal(vm, SIGKILL);
}

static int qemu_destroy(struct daemon *dmn, struct domain *dom, unsigned flags,
			struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);

	if ((flags & DRIVER_DESTROY_GRACEFUL) && vm->starting)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting: a graceful destroy "
				"waits until it has started");
	loop_source_del(dmn->loop, vm->timer);
	vm->timer = loop_timer_add(dmn->loop, DESTROY_GRACE_MS * 1000000ull,
				   DESTROY_GRACE_MS * 1000000ull,
				   on_destroy_timer, vm, e);
	if (!vm->timer)
		return err_code(*e);
	vm->destroying = true;
	vm->killed = false;
	vm->graceful = flags & DRIVER_DESTROY_GRACEFUL;
	qemu_vm_signal(vm, SIGTERM);
	return RPC_DEFERRED;
}

int qemu_stop_now(struct daemon *dmn, struct domain *dom, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);

	if (vm->starting || vm->saving || vm->destroying || vm->snap ||
	    vm->xsnap || vm->msnap)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain is starting, saving, stopping or "
				"taking a snapshot");
	vm->destroying = true;
	/* SIGTERM first: QEMU writes its images' caches out */
	if (driver_stop_wait(vm->child.pidfd, stop_signal, vm, DESTROY_GRACE_MS,
			     DESTROY_GRACE_MS, &vm->killed) < 0)
		/* its exit comes later, through the watch */
		return err_set(e, ETIMEDOUT, "QEMU %d did not end within %d s",
			       (int)vm->child.pid, 2 * DESTROY_GRACE_MS / 1000);
	vm_exited(dmn, dom, reap(vm));
	return 0;
}

/* What a control command's answer does before the job ends. */
typedef void (*answered_fn)(struct qemu_vm *vm);

struct call {
	struct qemu_vm *vm;
	answered_fn fn;
};

static void on_answer(void *opaque, int r, struct json_object *ret,
		      const struct err *e)
{
	struct call *c = opaque;
	struct qemu_vm *vm = c->vm;

	if (r == 0 && c->fn)
		c->fn(vm);
	free(c);
	daemon_job_done(vm->dmn, vm->dom, r, NULL, e);
}

/* Sends @cmd with @args (borrowed; NULL: none) over QMP; the answer ends
 * the operation (after @fn). */
static int control_args(struct qemu_vm *vm, const char *cmd,
			struct json_object *args, answered_fn fn,
			struct err **e)
{
	struct call *c;

	if (!vm->qmp_ready)
		return err_setk(e, ERR_OPERATION_INVALID, EAGAIN,
				"QEMU's monitor is not connected%s",
				vm->starting ? " yet (the domain is starting)"
					     : "");
	c = xcalloc(1, sizeof(*c));
	c->vm = vm;
	c->fn = fn;
	if (qmp_command(vm->qmp, cmd, args, COMMAND_MS, on_answer, c, e) < 0) {
		free(c);
		return err_code(*e);
	}
	return RPC_DEFERRED;
}

static int control(struct qemu_vm *vm, const char *cmd, answered_fn fn,
		   struct err **e)
{
	return control_args(vm, cmd, NULL, fn, e);
}

/* set_link answered: the live definition says what the guest sees. */
static void link_set(struct qemu_vm *vm)
{
	struct domain_def *def = vm->dom->def;

	_cleanup_err_ struct err *why = NULL;

	if (vm->link_index < def->n_nets)
		def->nets[vm->link_index].link =
			vm->link_up ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
	if (store_live_save(&vm->dmn->store, &domain_kind, def, &why) < 0)
		log_warn("domain '%s': %s", def->name, err_msg(why));
}

/* domif-setlink: QMP's set_link on the card (its id, net<index>). */
static int qemu_set_link(struct daemon *dmn, struct domain *dom, size_t index,
			 bool up, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	_cleanup_json_ struct json_object *args = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("net%zu", index);

	json_object_object_add(args, "name", json_object_new_string(id));
	json_object_object_add(args, "up", json_object_new_boolean(up));
	vm->link_index = index;
	vm->link_up = up;
	return control_args(vm, "set_link", args, link_set, e);
}

/* blkdeviotune --live answered: a set's values reach the live
 * definition (its <iotune>), a get's answer is the job's result. */
static void on_iotune(void *opaque, int r, struct json_object *res,
		      const struct err *e)
{
	struct qemu_vm *vm = opaque;
	struct domain_def *def = vm->dom->def;

	_cleanup_err_ struct err *why = NULL;

	if (r == 0 && !res && vm->tune_disk < def->n_disks) {
		memcpy(def->disks[vm->tune_disk].iotune, vm->tune_v,
		       sizeof(vm->tune_v));
		/* what a restarted daemon finds running */
		if (store_live_save(&vm->dmn->store, &domain_kind, def, &why) <
		    0)
			log_warn("domain '%s': %s", def->name, err_msg(why));
	}
	daemon_job_done(vm->dmn, vm->dom, r, res, e);
}

static int qemu_iotune(struct daemon *dmn, struct domain *dom, size_t disk,
		       const uint64_t *set, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	int r;

	if (!vm->qmp_ready)
		return err_setk(e, ERR_OPERATION_INVALID, EAGAIN,
				"QEMU's monitor is not connected%s",
				vm->starting ? " yet (the domain is starting)"
					     : "");
	vm->tune_disk = disk;
	if (set) {
		memcpy(vm->tune_v, set, sizeof(vm->tune_v));
		r = qemu_iotune_set(vm->qmp, dom->def, disk, set, on_iotune, vm,
				    e);
	} else {
		_cleanup_free_ char *top = qemu_vm_disk_top(vm, disk);

		r = qemu_iotune_get(vm->qmp, disk, top, on_iotune, vm, e);
	}
	return r < 0 ? r : RPC_DEFERRED;
}

/* The balloon took its new target: the live definition says it. */
static void setmem_sent(struct qemu_vm *vm)
{
	_cleanup_err_ struct err *why = NULL;

	vm->dom->def->current_memory_kib = vm->setmem_kib;
	if (store_live_save(&vm->dmn->store, &domain_kind, vm->dom->def, &why) <
	    0)
		log_warn("domain '%s': %s", vm->dom->def->name, err_msg(why));
}

/* virsh setmem --live: QMP's balloon (bytes). */
static int qemu_setmem(struct daemon *dmn, struct domain *dom, uint64_t kib,
		       struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	_cleanup_json_ struct json_object *args = json_object_new_object();

	(void)dmn;
	json_object_object_add(args, "value",
			       json_object_new_int64((int64_t)(kib * 1024)));
	vm->setmem_kib = kib;
	return control_args(vm, "balloon", args, setmem_sent, e);
}

static void shutdown_sent(struct qemu_vm *vm)
{
	vm->shutting_down = true;
	vm->rebooting = false;
}

static void reboot_sent(struct qemu_vm *vm)
{
	vm->rebooting = true;
	vm->shutting_down = false;
}

/* The ACPI power button: QEMU has no Ctrl-Alt-Del command of its own
 * (libvirt sends the keys, and this driver has no keyboard yet). */
static int check_mode(enum shutdown_mode mode, struct err **e)
{
	if (mode != SHUTDOWN_ACPI)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"the qemu driver shuts down through ACPI only "
				"(--mode acpi)");
	return 0;
}

static int qemu_shutdown(struct daemon *dmn, struct domain *dom,
			 enum shutdown_mode mode, struct err **e)
{
	if (check_mode(mode, e) < 0)
		return err_code(*e);
	return control(vm_of(dom), "system_powerdown", shutdown_sent, e);
}

/*
 * libvirt's fake reboot, as the kvm driver does it: the guest is asked
 * to power off, and its exit starts the domain again.
 */
static int qemu_reboot(struct daemon *dmn, struct domain *dom,
		       enum shutdown_mode mode, struct err **e)
{
	if (check_mode(mode, e) < 0)
		return err_code(*e);
	return control(vm_of(dom), "system_powerdown", reboot_sent, e);
}

static void paused(struct qemu_vm *vm)
{
	daemon_domain_set_state(vm->dmn, vm->dom, REASON_PAUSED_USER, NULL);
}

static void resumed(struct qemu_vm *vm)
{
	daemon_domain_set_state(vm->dmn, vm->dom, REASON_RUNNING_UNPAUSED,
				NULL);
}

static int qemu_suspend(struct daemon *dmn, struct domain *dom, struct err **e)
{
	return control(vm_of(dom), "stop", paused, e);
}

static int qemu_resume(struct daemon *dmn, struct domain *dom, struct err **e)
{
	return control(vm_of(dom), "cont", resumed, e);
}

static int qemu_console(struct daemon *dmn, struct domain *dom, char **path,
			struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);

	if (!vm->pty)
		return err_setk(e, ERR_OPERATION_INVALID, ENOTSUP,
				"domain '%s' has no serial console%s",
				dom->def->name,
				vm->starting ? " yet (it is starting)" : "");
	if (check_pty(vm, vm->pty, e) < 0) /* it may have been closed */
		return err_code(*e);
	*path = xstrdup(vm->pty);
	return 0;
}

static int qemu_stats(struct daemon *dmn, struct domain *dom,
		      struct json_object *out, void (*done)(void *opaque),
		      void *opaque, struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);

	driver_cgroup_stats(vm->cgroups, out);
	qemu_stats_rss(vm->child.pid, out);
	if (!vm->qmp_ready)
		return 0;
	return qemu_stats_query(vm->qmp, dom->def, out, done, opaque);
}

/* The record's QEMU: 1 when it still runs (same pid, same start time),
 * 0 when gone, -errno on a record that cannot be used. */
static int reattach_vm(struct qemu_vm *vm, struct json_object *rec,
		       struct err **e)
{
	int64_t pid, slot = 0, vnc = 0, spice = 0, spice_tls = 0;
	uint64_t start;
	struct json_object *cg = NULL;
	const char *pty = NULL;

	free(vm->monitor);
	free(vm->log);
	vm->monitor = vm->log = NULL;
	if (json_get_int64(rec, "pid", &pid, e) < 0 ||
	    json_get_uint64(rec, "start_time", &start, e) < 0 ||
	    driver_rec_string(rec, "monitor", &vm->monitor, e) < 0 ||
	    driver_rec_string(rec, "log", &vm->log, e) < 0 ||
	    json_get_array_opt(rec, "cgroups", &cg, e) < 0 ||
	    json_get_uint64_opt(rec, "log_offset", &vm->log_off, e) < 0 ||
	    json_get_string_opt(rec, "pty", &pty, e) < 0 ||
	    json_get_int64_opt(rec, "sandbox_slot", &slot, e) < 0 ||
	    json_get_int64_opt(rec, "vnc_port", &vnc, e) < 0 ||
	    json_get_int64_opt(rec, "spice_port", &spice, e) < 0 ||
	    json_get_int64_opt(rec, "spice_tls_port", &spice_tls, e) < 0)
		return -EINVAL;
	qemu_spice_ports_keep(
		vm->dom->def, spice > 0 && spice <= 65535 ? (int)spice : 0,
		spice_tls > 0 && spice_tls <= 65535 ? (int)spice_tls : 0);
	if (vnc >= 5900 && vnc <= 65535)
		vm->dom->def->display.vnc_port_live = (int)vnc;
	if (pid <= 1 || pid > INT32_MAX)
		return err_set(e, EINVAL, "invalid pid %" PRId64, pid);
	vm->sandbox_slot = slot > 0 && slot <= UINT32_MAX ? (unsigned)slot : 0;
	if (json_object_object_get_ex(rec, "taps", &vm->taps))
		json_object_get(vm->taps);
	vm->cgroups = cg ? json_object_get(cg) : json_object_new_array();
	vm->pty = pty && str_has_prefix(pty, "/dev/pts/") ? xstrdup(pty) : NULL;
	vm->child.pid = (pid_t)pid;
	if (start == 0 || driver_proc_start_time(vm->child.pid) != start)
		return 0;
	vm->child.pidfd = (int)pidfd_open(vm->child.pid, 0);
	if (vm->child.pidfd < 0)
		return errno == ESRCH ? 0 : err_sys(e, errno, "pidfd_open");
	/* checked again: the pid may have been reused in between */
	return driver_proc_start_time(vm->child.pid) == start ? 1 : 0;
}

/*
 * QEMU still runs: watch it and connect to its monitor again (it
 * listens for its next client when the old daemon's connection closes).
 * How it ended while no daemon ran is not known: QEMU leaves no exit
 * file (0: the caller says so).
 */
static int qemu_reattach(struct daemon *dmn, struct domain *dom,
			 struct json_object *rec, struct err **e)
{
	struct qemu_vm *vm = vm_new(dmn, dom);
	_cleanup_err_ struct err *why = NULL;
	int r;

	dom->priv = vm;
	r = reattach_vm(vm, rec, e);
	if (r > 0) {
		vm->watch = loop_fd_add(dmn->loop, vm->child.pidfd, EPOLLIN,
					on_exit_fd, vm, e);
		if (!vm->watch)
			r = -EIO;
	}
	/* QEMU runs on without its monitor: watched, and destroyable */
	if (r > 0 && connect_qmp(dmn, vm, &why) < 0)
		log_warn("domain '%s': re-attached without QMP: %s",
			 dom->def->name, err_msg(why));
	qemu_agent_reattach(vm->agent, rec);
	if (r > 0)
		connect_agent(vm);
	if (r == 0)
		qemu_agent_free(steal_ptr(vm->agent), true);
	if (r <= 0) {
		if (r == 0)
			cgroup_remove(vm->cgroups);
		if (r == 0)
			iface_teardown(vm->taps); /* the domain is gone */
		if (r == 0 && vm->monitor)
			unlink(vm->monitor);
		qemu_release(dmn, dom);
		return r;
	}
	iface_reattach(dom->def, vm->taps);
	daemon_domain_set_state(dmn, dom, driver_rec_reason(rec), rec);
	return 1;
}

static void on_screendump(void *opaque, int r, int fd, const struct err *e)
{
	struct qemu_vm *vm = opaque;
	struct json_object *res;
	struct stat st;

	if (r < 0) {
		daemon_job_done(vm->dmn, vm->dom, r, NULL, e);
		return;
	}
	close_safe(vm->shot_fd);
	vm->shot_fd = fd;
	res = json_object_new_object();
	add_str(res, "format", "ppm");
	json_object_object_add(
		res, "size",
		json_object_new_int64(fstat(fd, &st) == 0 ? st.st_size : 0));
	daemon_job_done(vm->dmn, vm->dom, 0, res, NULL);
}

static int qemu_screenshot(struct daemon *dmn, struct domain *dom, int *fd,
			   struct err **e)
{
	struct qemu_vm *vm = vm_of(dom);
	enum video_model v = dom->def->display.video;
	_cleanup_free_ char *path = NULL;

	if (vm->shot_fd >= 0) {
		*fd = steal_fd(vm->shot_fd);
		return 0;
	}
	if (v == VIDEO_ABSENT || v == VIDEO_NONE)
		return err_setk(e, ERR_OPERATION_INVALID, ENOTSUP,
				"domain '%s' has no video card",
				dom->def->name);
	if (!vm->qmp_ready)
		return err_setk(e, ERR_OPERATION_INVALID, EAGAIN,
				"QEMU's monitor is not connected");
	path = store_runtime_path(&dmn->store, &domain_kind, dom->def->name,
				  "screen");
	if (qemu_screendump(vm->qmp, path, on_screendump, vm, e) < 0)
		return err_code(*e);
	return RPC_DEFERRED;
}

static struct agent *qemu_agent(struct daemon *dmn, struct domain *dom,
				struct err **e)
{
	return qemu_agent_client(vm_of(dom)->agent, dom->def->name, e);
}

const struct driver_ops driver_qemu = {
	.name = "qemu",
	.validate = driver_qemu_validate,
	.start = qemu_start,
	.shutdown = qemu_shutdown,
	.reboot = qemu_reboot,
	.destroy = qemu_destroy,
	.suspend = qemu_suspend,
	.resume = qemu_resume,
	.reattach = qemu_reattach,
	.stats = qemu_stats,
	.console = qemu_console,
	.screenshot = qemu_screenshot,
	.set_link = qemu_set_link,
	.iotune = qemu_iotune,
	.setmem = qemu_setmem,
	.setvcpus = qemu_setvcpus,
	.agent = qemu_agent,
	.save = qemu_save,
	.jobinfo = qemu_jobinfo,
	.snapshot = qemu_snapshot,
	.disk_snapshot = qemu_disk_snapshot,
	.memory_snapshot = qemu_memory_snapshot,
	.memory_revert = qemu_memory_revert,
	.blockjob = qemu_blockjob,
	.restore = qemu_restore,
	.release = qemu_release,
};
