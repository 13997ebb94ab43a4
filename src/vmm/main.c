// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido-vmm: runs one VM in this process (docs/vmm.md). The only place
 * of the engine that prints and picks an exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>

#include "config.h"
#include "lib/file.h"
#include "lib/idrange.h"
#include "lib/log.h"
#include "block/block.h"
#include "vmm/vmconfig.h"
#include "vmm/probe.h"
#include "vmm/sandbox.h"
#include "vmm/state.h"
#include "vmm/vm.h"

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_CPUS,
	OPT_MAX_CPUS,
	OPT_MEMORY,
	OPT_DISK,
	OPT_NET,
	OPT_CONSOLE,
	OPT_CONSOLE_LOG,
	OPT_CHANNEL,
	OPT_API,
	OPT_EXIT_FILE,
	OPT_CONFIG,
	OPT_HUGEPAGES,
	OPT_NO_MEM_MERGE,
	OPT_BALLOON,
	OPT_RNG,
	OPT_VIRTIO_CONSOLE,
	OPT_PROBE,
	OPT_LOG_LEVEL,
	OPT_NO_SANDBOX,
	OPT_PAUSED,
	OPT_SANDBOX_ID,
	OPT_RESTORE,
	OPT_RESTORE_MODE,
	OPT_RESTORE_MEMORY,
	OPT_RESTORE_OFFSET,
	OPT_RESTORE_MEMORY_OFFSET,
	OPT_DESCRIBE_STATE,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option options[] = {
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"initrd", required_argument, NULL, OPT_INITRD},
	{"cmdline", required_argument, NULL, OPT_CMDLINE},
	{"cpus", required_argument, NULL, OPT_CPUS},
	{"max-cpus", required_argument, NULL, OPT_MAX_CPUS},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"disk", required_argument, NULL, OPT_DISK},
	{"net", required_argument, NULL, OPT_NET},
	{"console", required_argument, NULL, OPT_CONSOLE},
	{"console-log", required_argument, NULL, OPT_CONSOLE_LOG},
	{"channel", required_argument, NULL, OPT_CHANNEL},
	{"api", required_argument, NULL, OPT_API},
	{"exit-file", required_argument, NULL, OPT_EXIT_FILE},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"hugepages", no_argument, NULL, OPT_HUGEPAGES},
	{"no-mem-merge", no_argument, NULL, OPT_NO_MEM_MERGE},
	{"balloon", no_argument, NULL, OPT_BALLOON},
	{"rng", no_argument, NULL, OPT_RNG},
	{"virtio-console", no_argument, NULL, OPT_VIRTIO_CONSOLE},
	{"probe", no_argument, NULL, OPT_PROBE},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
	{"paused", no_argument, NULL, OPT_PAUSED},
	{"sandbox-id", required_argument, NULL, OPT_SANDBOX_ID},
	{"restore", required_argument, NULL, OPT_RESTORE},
	{"restore-mode", required_argument, NULL, OPT_RESTORE_MODE},
	{"restore-memory", required_argument, NULL, OPT_RESTORE_MEMORY},
	{"restore-offset", required_argument, NULL, OPT_RESTORE_OFFSET},
	{"restore-memory-offset", required_argument, NULL,
	 OPT_RESTORE_MEMORY_OFFSET},
	{"describe-state", required_argument, NULL, OPT_DESCRIBE_STATE},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{0},
};

static void usage(FILE *f)
{
	fputs("usage: nido-vmm --kernel PATH [--initrd PATH] [--cmdline STR]\n"
	      "         [--cpus N] [--max-cpus N] [--memory SIZE] "
	      "[--hugepages] "
	      "[--no-mem-merge] [--balloon]\n"
	      "         [--disk PATH[,readonly][,shared][,format=FMT]]...\n"
	      "         [--net tap=NAME|fd:N[,mac=MAC][,link=down]]... "
	      "[--rng]\n"
	      "         [--virtio-console] [--console "
	      "stdio|pty|none|unix:PATH]\n"
	      "         [--console-log PATH|fd:N]\n"
	      "         [--channel NAME[,unix:PATH|,fd:N]]...\n"
	      "         [--api unix:PATH] [--exit-file PATH] [--paused]\n"
	      "         [--log-level LEVEL] [--no-sandbox] [--sandbox-id "
	      "UID[:GID]]\n"
	      "       nido-vmm --config FILE.json [options]\n"
	      "       nido-vmm --restore STATE [--restore-mode lazy|copy]\n"
	      "         [--restore-memory MEMFILE] [--restore-offset N]\n"
	      "         [--restore-memory-offset N] [--config HOST.json]\n"
	      "         [--console ...] [--api ...] [--exit-file PATH] "
	      "[--paused] ...\n"
	      "       nido-vmm --describe-state STATE\n"
	      "       nido-vmm --probe\n"
	      "Exit status: 0 guest powered off, 1 error, 2 usage, 3 guest "
	      "rebooted,\n4 stopped by a signal. See docs/vmm.md.\n",
	      f);
}

static int parse_cpus(const char *opt, const char *s, unsigned *out,
		      struct err **e)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > VM_MAX_CPUS)
		return err_set(e, EINVAL, "--%s '%s': must be 1 to %u", opt, s,
			       VM_MAX_CPUS);
	*out = (unsigned)v;
	return 0;
}

static int add_disk(struct vm_config *c, const char *s, struct err **e)
{
	if (c->n_disks == CONFIG_MAX_DISKS)
		return err_set(e, E2BIG, "at most %d disks", CONFIG_MAX_DISKS);
	if (config_parse_disk(s, &c->disks[c->n_disks], e) < 0)
		return -EINVAL;
	c->n_disks++;
	return 0;
}

static int add_net(struct vm_config *c, const char *s, struct err **e)
{
	if (c->n_nets == CONFIG_MAX_NETS)
		return err_set(e, E2BIG, "at most %d nets", CONFIG_MAX_NETS);
	if (config_parse_net(s, &c->nets[c->n_nets], e) < 0)
		return -EINVAL;
	c->n_nets++;
	return 0;
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

/* --restore and its companions; the rest comes from the state file. */
struct restore_opts {
	char *state, *memory;
	uint64_t offset, mem_offset;
	bool copy;
	bool config;	       /* --config: the host ends, checked */
	const char *vm_option; /* one that defines the VM: not with it */
};

static struct restore_opts ropts;

/* A byte offset into a file: a page-aligned number. */
static int parse_offset(const char *arg, uint64_t *out, struct err **e)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || v % 4096 ||
	    v > (1ULL << 60))
		return err_set(e, EINVAL,
			       "offset '%s': a multiple of 4096 below 2^60",
			       arg);
	*out = v;
	return 1;
}

/*
 * The options that define the VM (its guest, vCPUs, memory, devices)
 * come from the state file on a restore; those of the host ends
 * (console, control socket, exit file, sandbox, --paused) still apply.
 */
static int parse_restore_option(int opt, const char *arg, struct err **e)
{
	switch (opt) {
	case OPT_RESTORE:
		return set_str(&ropts.state, arg), 1;
	case OPT_RESTORE_MEMORY:
		return set_str(&ropts.memory, arg), 1;
	case OPT_RESTORE_OFFSET:
	case OPT_RESTORE_MEMORY_OFFSET:
		return parse_offset(arg,
				    opt == OPT_RESTORE_OFFSET
					    ? &ropts.offset
					    : &ropts.mem_offset,
				    e);
	case OPT_CONFIG:
		ropts.config = true;
		return 0;
	case OPT_RESTORE_MODE:
		if (!streq(arg, "lazy") && !streq(arg, "copy"))
			return err_set(e, EINVAL,
				       "--restore-mode '%s': lazy or copy",
				       arg);
		ropts.copy = streq(arg, "copy");
		return 1;
	case OPT_KERNEL:
	case OPT_INITRD:
	case OPT_CMDLINE:
	case OPT_CPUS:
	case OPT_MAX_CPUS:
	case OPT_MEMORY:
	case OPT_DISK:
	case OPT_NET:
	case OPT_HUGEPAGES:
	case OPT_BALLOON:
	case OPT_RNG:
	case OPT_VIRTIO_CONSOLE:
		for (const struct option *o = options; o->name; o++)
			if (o->val == opt)
				ropts.vm_option = o->name;
		return 0;
	default:
		return 0;
	}
}

/* Returns 0, 1 for "done, exit 0" (help), or -errno with @e. */
static int parse_option(int opt, const char *arg, struct vm_config *c,
			struct err **e)
{
	switch (opt) {
	case OPT_KERNEL:
		return set_str(&c->kernel, arg), 0;
	case OPT_INITRD:
		return set_str(&c->initrd, arg), 0;
	case OPT_CMDLINE:
		return set_str(&c->cmdline, arg), 0;
	case OPT_CPUS:
		return parse_cpus("cpus", arg, &c->cpus, e);
	case OPT_MAX_CPUS:
		return parse_cpus("max-cpus", arg, &c->max_cpus, e);
	case OPT_MEMORY:
		if (config_parse_memory(arg, &c->mem_size, e) < 0)
			return err_prefix(e, "--memory");
		return 0;
	case OPT_DISK:
		return add_disk(c, arg, e);
	case OPT_NET:
		return add_net(c, arg, e);
	case OPT_CONSOLE:
		return config_parse_console(arg, c, e);
	case OPT_CONSOLE_LOG:
		return config_parse_console_log(arg, c, e);
	case OPT_CHANNEL:
		if (c->n_channels == CONFIG_MAX_CHANNELS)
			return err_set(e, E2BIG, "too many --channel (%d)",
				       CONFIG_MAX_CHANNELS);
		if (config_parse_channel(arg, &c->channels[c->n_channels], e) <
		    0)
			return -EINVAL;
		c->n_channels++;
		return 0;
	case OPT_API:
		if (!str_has_prefix(arg, "unix:") || !arg[5])
			return err_set(e, EINVAL,
				       "--api '%s': expected "
				       "unix:PATH",
				       arg);
		return set_str(&c->api_path, arg + 5), 0;
	case OPT_EXIT_FILE:
		return set_str(&c->exit_file, arg), 0;
	case OPT_CONFIG:
		return config_load_json(arg, c, e);
	case OPT_HUGEPAGES:
		return c->hugepages = 1, 0;
	case OPT_NO_MEM_MERGE:
		return c->no_mem_merge = true, 0;
	case OPT_BALLOON:
		return c->balloon = true, 0;
	case OPT_RNG:
		return c->virtio_rng = 1, 0;
	case OPT_VIRTIO_CONSOLE:
		return c->virtio_console = 1, 0;
	case OPT_NO_SANDBOX:
		return c->sandbox.enabled = false, 0;
	case OPT_PAUSED:
		return c->paused = 1, 0;
	case OPT_SANDBOX_ID:
		return config_parse_sandbox_id(arg, &c->sandbox, e);
	case OPT_LOG_LEVEL:
		if (log_level_parse(arg) < 0)
			return err_set(e, EINVAL, "--log-level '%s': unknown",
				       arg);
		log_set_level((enum log_level)log_level_parse(arg));
		return 0;
	default:
		return err_set(e, EINVAL, "bad option (see --help)");
	}
}

static int run_probe(void)
{
	struct probe_report r;
	int usable;

	probe_run("/dev/kvm", &r);
	for (unsigned i = 0; i < r.n; i++)
		printf("%-30s %-8s %s\n", r.items[i].name,
		       probe_status_name(r.items[i].status), r.items[i].value);
	printf("%s\n", r.kvm_usable ? "KVM is usable by nido-vmm"
				    : "KVM is NOT usable by nido-vmm");
	usable = r.kvm_usable;
	probe_report_release(&r);
	return usable ? 0 : 1;
}

static bool sandboxed;

/*
 * LeakSanitizer (sanitizer builds only) checks for leaks at exit from a
 * tracer process that ptraces this one and reads /proc: the sandbox
 * allows neither, by design. It is turned off in a sandboxed nido-vmm;
 * the unit tests, the fuzzers and --no-sandbox runs keep checking.
 */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return sandboxed;
}

/* The exit file's JSON: {"status": N, "reason": "poweroff" | "reboot" |
 * "error" | "signal", "message": "..."}; free with json_object_put. */
static json_object *exit_json(int status, const char *reason,
			      const char *message)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "message", json_object_new_string(message));
	return o;
}

/*
 * Writes how the VM ended to @path (--exit-file), atomically, for a
 * supervisor that is not our parent. For errors before the VM exists.
 */
static void write_exit_file(const char *path, int status, const char *reason,
			    const char *message)
{
	_cleanup_err_ struct err *e = NULL;
	json_object *o = exit_json(status, reason, message);
	const char *text =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	if (file_write_atomic(path, text, strlen(text), 0644, &e) < 0)
		log_warn("writing the exit file: %s", err_msg(e));
	json_object_put(o);
}

/*
 * The same through @fd, the exit file opened (empty) before the sandbox
 * hid its directory. A reader sees an empty file until the VM ends.
 */
static void write_exit_fd(int fd, int status, const char *reason,
			  const char *message)
{
	json_object *o = exit_json(status, reason, message);
	const char *text =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);

	if (ftruncate(fd, 0) < 0 || pwrite_full(fd, text, len, 0) < 0 ||
	    fdatasync(fd) < 0)
		log_warn("writing the exit file: %s", strerror(errno));
	json_object_put(o);
}

/* The exit status for @why; @reason and @message say it in words. */
static int exit_status(enum vm_exit why, struct err *e, const char **reason,
		       const char **message)
{
	switch (why) {
	case VM_EXIT_POWEROFF:
		*reason = "poweroff";
		*message = "guest powered off";
		log_info("%s", *message);
		return VMM_STATUS_POWEROFF;
	case VM_EXIT_REBOOT:
		*reason = "reboot";
		*message = "guest rebooted";
		log_info("guest rebooted; exiting with status %d",
			 VMM_STATUS_REBOOT);
		return VMM_STATUS_REBOOT;
	case VM_EXIT_SIGNAL:
		*reason = "signal";
		*message = "stopped by a signal";
		return VMM_STATUS_SIGNAL;
	default:
		*reason = "error";
		*message = err_msg(e);
		log_error("%s", *message);
		return VMM_STATUS_ERROR;
	}
}

/*
 * Settles who the VM runs as. As root with the sandbox on, and not
 * already pid 1 of a pid namespace made for it (nidod makes one), moves
 * the VM into a new pid namespace behind a relay: returns 1 in the relay
 * with *@status set. Returns 0 to go on, -errno with @e on failure.
 */
static int prepare_sandbox(struct vm_config *c, int *status, struct err **e)
{
	char *cleanup[3 + CONFIG_MAX_CHANNELS] = {0};
	size_t n = 0;
	struct idrange ids;

	if (!c->sandbox.enabled) {
		log_warn("running without the sandbox (--no-sandbox): a "
			 "guest that breaks the VMM gets its privileges");
		return 0;
	}
	if (geteuid() != 0) {
		log_info("not root: the sandbox is no_new_privs and the "
			 "seccomp filter only");
		return 0;
	}
	if (!c->sandbox.uid) {
		/* The slot's lock lasts as long as this process (and its
		 * relay): kept open on purpose until exit. */
		unsigned slot;
		int fd;

		idrange_load(&ids, NULL, NULL);
		fd = idrange_claim(&ids, NULL, &slot, e);
		if (fd < 0)
			return err_prefix(e, "sandbox");
		idrange_ids(&ids, slot, &c->sandbox.uid, &c->sandbox.gid);
	}
	if (getpid() == 1)
		return 0;
	if (c->api_path)
		cleanup[n++] = c->api_path;
	if (c->console == CONSOLE_UNIX && c->console_path)
		cleanup[n++] = c->console_path;
	for (unsigned i = 0; i < c->n_channels; i++)
		if (c->channels[i].path)
			cleanup[n++] = c->channels[i].path;
	return sandbox_pidns(cleanup, status, e);
}

/* Opens the exit file (empty) while its directory is still visible. */
static int open_exit_file(const char *path, struct err **e)
{
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW |
			      O_NONBLOCK,
		      0644);

	if (fd < 0)
		return err_sys(e, errno, "opening the exit file '%s'", path);
	return fd;
}

static int run_vm(struct vm_config *c, uint64_t start_ns)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_close_ int exit_fd = -1;
	const char *reason, *message;
	enum vm_exit why = VM_EXIT_ERROR;
	struct vm *vm = NULL;
	int status, r;

	r = prepare_sandbox(c, &status, &e);
	/* The relay, once the VM ran in its child. _exit: nothing to
	 * flush, and no exit handler may start a process in the pid
	 * namespace left behind (LeakSanitizer would try). */
	if (r > 0)
		_exit(status);
	if (r == 0 && c->exit_file)
		r = exit_fd = open_exit_file(c->exit_file, &e);
	if (r >= 0)
		vm = vm_create(c, start_ns, &e);
	sandboxed = c->sandbox.enabled;
	if (vm && c->sandbox.enabled && sandbox_seccomp(&e) < 0) {
		vm_destroy(vm);
		vm = NULL;
	} else if (vm && c->sandbox.enabled) {
		/* the filter forbids io_uring_setup: a disk switched later
		 * gets threads */
		block_aio_no_new_rings();
	}
	if (vm) {
		why = vm_run(vm, &e);
		vm_destroy(vm);
	}
	status = exit_status(why, e, &reason, &message);
	if (exit_fd >= 0)
		write_exit_fd(exit_fd, status, reason, message);
	else if (c->exit_file)
		write_exit_file(c->exit_file, status, reason, message);
	return status;
}

static int describe(const char *path)
{
	_cleanup_err_ struct err *e = NULL;

	if (state_describe(path, stdout, &e) < 0) {
		fflush(stdout);
		log_error("%s", err_msg(e));
		return VMM_STATUS_ERROR;
	}
	return 0;
}

/* --restore: the state file checked, its configuration taken. */
static int setup_restore(struct vm_config *c, struct err **e)
{
	struct state_files f = {
		.path = ropts.state,
		.mem_path = ropts.memory,
		.offset = ropts.offset,
		.mem_offset = ropts.mem_offset,
		.copy = ropts.copy,
		.host_config = ropts.config,
	};

	if (ropts.vm_option)
		return err_set(e, EINVAL,
			       "--%s cannot be given with --restore: the VM's "
			       "definition comes from the state file",
			       ropts.vm_option);
	return state_restore_open(&f, c, e);
}

/* Says why the command line is refused; returns the usage status. */
static int usage_error(struct vm_config *c, struct err *e)
{
	log_error("%s", err_msg(e));
	if (c->exit_file)
		write_exit_file(c->exit_file, VMM_STATUS_USAGE, "error",
				err_msg(e));
	return VMM_STATUS_USAGE;
}

enum { ARGS_RUN = -1, ARGS_PROBE = -2 };

/*
 * Parses the command line into @c (and ropts). Returns ARGS_RUN or
 * ARGS_PROBE to go on, or the exit status of a command that is done
 * (--help, --version, --describe-state) or refused.
 */
static int parse_args(int argc, char **argv, struct vm_config *c)
{
	_cleanup_err_ struct err *e = NULL;
	int opt, r, todo = ARGS_RUN;

	opterr = 0; /* one line of our own instead of getopt's */
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == OPT_HELP)
			return usage(stdout), 0;
		if (opt == OPT_VERSION)
			return printf("nido-vmm %s\n", NIDO_VERSION), 0;
		if (opt == OPT_DESCRIBE_STATE)
			return describe(optarg);
		if (opt == OPT_PROBE) {
			todo = ARGS_PROBE;
			continue;
		}
		r = opt == '?' ? 0 : parse_restore_option(opt, optarg, &e);
		if (r > 0)
			continue;
		if (opt == '?' || r < 0 ||
		    parse_option(opt, optarg, c, &e) < 0) {
			if (!e)
				err_set(&e, EINVAL,
					"unknown option or missing argument "
					"'%s' (see --help)",
					argv[optind - 1]);
			return usage_error(c, e);
		}
	}
	if (optind < argc) {
		err_set(&e, EINVAL, "unexpected argument '%s' (see --help)",
			argv[optind]);
		return usage_error(c, e);
	}
	return todo;
}

int main(int argc, char **argv)
{
	uint64_t start_ns = vm_now_ns();
	_cleanup_err_ struct err *e = NULL;
	struct vm_config c;
	int status;

	log_init("nido-vmm");
	/* A console or API client that goes away is not fatal. */
	signal(SIGPIPE, SIG_IGN);
	config_init(&c);
	status = parse_args(argc, argv, &c);
	if (status == ARGS_PROBE) {
		status = run_probe();
	} else if (status == ARGS_RUN && ropts.state &&
		   setup_restore(&c, &e) < 0) {
		status = ropts.vm_option ? VMM_STATUS_USAGE : VMM_STATUS_ERROR;
		log_error("%s", err_msg(e));
		if (c.exit_file)
			write_exit_file(c.exit_file, status, "error",
					err_msg(e));
	} else if (status == ARGS_RUN) {
		status = run_vm(&c, start_ns);
	}
	config_release(&c);
	free(ropts.state);
	free(ropts.memory);
	return status;
}
