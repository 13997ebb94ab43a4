// SPDX-License-Identifier: GPL-2.0-or-later
/* The control socket: status, pause, resume, shutdown, power-off, stats,
 * set-link, save. */
#include "vmm/api.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sock.h"
#include "vmm/api_snapshot.h"
#include "vmm/console.h"
#include "vmm/api-blockjob.h"
#include "vmm/hw/devices.h"
#include "vmm/state.h"
#include "vmm/vcpu.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define API_LINE_MAX   65536
#define API_MAX_CONNS  16
#define API_OUT_MAX    (1u << 20) /* unsent replies and events per client */
#define API_EVENTS_MAX 256	  /* events queued for the loop's thread */
#define API_FDS_MAX    8	  /* descriptors passed with one request */

/* A client; owned by the loop's thread. */
struct api_conn {
	struct api *api;
	int fd;
	pid_t pid; /* SO_PEERCRED, for the log */
	struct loop_source *src;
	struct buf in, out;
	uint32_t watching;    /* the epoll events asked for */
	bool events;	      /* subscribed: gets event lines */
	int fds[API_FDS_MAX]; /* passed with the request being read */
	unsigned n_fds;
};

/* An event line from any thread, waiting for the loop's thread. */
struct api_event {
	struct api_event *next;
	char *line;
};

struct api {
	struct vm *vm;
	char *path;
	int fd;
	struct loop_source *src, *wake;
	struct api_conn *conns[API_MAX_CONNS];
	pthread_mutex_t ev_lock; /* guards the queue below */
	struct api_event *ev_head, **ev_tail;
	unsigned ev_n;
	uint64_t ev_dropped;
};

static json_object *u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static void put(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static json_object *vcpu_stats(struct vm *vm)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		struct vcpu_stats *s = &vm->vcpus[i].stats;
		json_object *o = json_object_new_object();

		put(o, "id", json_object_new_int((int)i));
		put(o, "exits", u64(atomic_load(&s->exits)));
		put(o, "io", u64(atomic_load(&s->io)));
		put(o, "mmio", u64(atomic_load(&s->mmio)));
		put(o, "hlt", u64(atomic_load(&s->hlt)));
		put(o, "interrupted", u64(atomic_load(&s->intr)));
		put(o, "other", u64(atomic_load(&s->other)));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *device_stats(struct vm *vm)
{
	json_object *a = json_object_new_array();
	json_object *o = json_object_new_object();

	put(o, "name", json_object_new_string("serial"));
	put(o, "bytes_out", u64(serial_tx_bytes(vm->serial)));
	put(o, "dropped_out", u64(serial_tx_dropped(vm->serial)));
	put(o, "bytes_in", u64(serial_rx_bytes(vm->serial)));
	json_object_array_add(a, o);
	for (unsigned i = 0; i < vm->n_virtio; i++) {
		struct virtio_dev *d = vm->virtio[i];
		struct virtio_stats *s = &d->stats;

		o = json_object_new_object();
		put(o, "name", json_object_new_string(d->ops->name));
		put(o, "address", u64(d->addr));
		put(o, "irq", json_object_new_int((int)d->irq));
		put(o, "notifications", u64(atomic_load(&s->notifies)));
		put(o, "requests", u64(atomic_load(&s->requests)));
		put(o, "bytes_from_guest", u64(atomic_load(&s->bytes_read)));
		put(o, "bytes_to_guest", u64(atomic_load(&s->bytes_written)));
		put(o, "errors", u64(atomic_load(&s->errors)));
		put(o, "interrupts", u64(atomic_load(&s->interrupts)));
		put(o, "throttled", u64(atomic_load(&s->throttled)));
		json_object_array_add(a, o);
	}
	return a;
}

/* Each disk's host I/O errors, by operation (virtio/blk.c). */
static json_object *disk_stats(struct vm *vm)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < vm->n_virtio; i++) {
		struct virtio_blk_stats st;
		json_object *o;

		if (!virtio_blk_stats(vm->virtio[i], &st))
			continue;
		o = json_object_new_object();
		put(o, "disk", json_object_new_int((int)st.index));
		put(o, "serial", json_object_new_string(st.serial));
		put(o, "image", json_object_new_string(st.image));
		put(o, "read_errors", u64(st.read_errors));
		put(o, "write_errors", u64(st.write_errors));
		put(o, "flush_errors", u64(st.flush_errors));
		put(o, "discard_errors", u64(st.discard_errors));
		put(o, "write_zeroes_errors", u64(st.write_zeroes_errors));
		put(o, "corrupt", json_object_new_boolean(st.corrupt));
		json_object_array_add(a, o);
	}
	return a;
}

static int is_paused(struct vm *vm)
{
	int p;

	pthread_mutex_lock(&vm->pause_lock);
	p = vm->paused;
	pthread_mutex_unlock(&vm->pause_lock);
	return p;
}

static void status(struct vm *vm, json_object *r)
{
	uint64_t boot = boottimer_us(vm->boottimer);

	put(r, "state",
	    json_object_new_string(is_paused(vm) ? "paused" : "running"));
	put(r, "vcpus", json_object_new_int((int)cpuhp_present(vm)));
	put(r, "max_vcpus", json_object_new_int((int)vm->max_vcpus));
	put(r, "memory_bytes", u64(vm->mem.size));
	put(r, "uptime_ms", u64((vm_now_ns() - vm->start_ns) / 1000000));
	put(r, "boot_time_us", boot ? u64(boot) : NULL);
	if (atomic_load(&vm->running_ns))
		put(r, "running_after_us",
		    u64((atomic_load(&vm->running_ns) - vm->start_ns) / 1000));
	put(r, "pid", json_object_new_int((int)getpid()));
	if (console_name(vm->console))
		put(r, "console",
		    json_object_new_string(console_name(vm->console)));
	if (vm->vports) {
		json_object *a = json_object_new_array();
		const char *name;
		bool open;

		for (unsigned i = 0;
		     virtio_console_channel(vm->vports, i, &name, &open); i++) {
			json_object *c = json_object_new_object();

			put(c, "name", json_object_new_string(name));
			put(c, "open", json_object_new_boolean(open));
			json_object_array_add(a, c);
		}
		put(r, "channels", a);
	}
}

/* The network device with the MAC in @req's "mac", or NULL. */
static struct virtio_dev *net_of(struct vm *vm, json_object *req)
{
	json_object *m;
	unsigned v[6];
	uint8_t mac[6];
	char end;

	if (!json_object_object_get_ex(req, "mac", &m) ||
	    !json_object_is_type(m, json_type_string) ||
	    sscanf(json_object_get_string(m), "%2x:%2x:%2x:%2x:%2x:%2x%c",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return NULL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	for (unsigned i = 0; i < vm->n_virtio; i++)
		if (virtio_net_has_mac(vm->virtio[i], mac))
			return vm->virtio[i];
	return NULL;
}

/* {"command": "set-link", "mac": MAC, "state": "up"|"down"}. */
static const char *set_link(struct vm *vm, json_object *req, json_object *r)
{
	struct virtio_dev *d = net_of(vm, req);
	json_object *st;
	const char *state;

	if (!d)
		return "set-link: no network device with that \"mac\"";
	if (!json_object_object_get_ex(req, "state", &st) ||
	    !json_object_is_type(st, json_type_string))
		return "set-link: \"state\" must be \"up\" or \"down\"";
	state = json_object_get_string(st);
	if (!streq(state, "up") && !streq(state, "down"))
		return "set-link: \"state\" must be \"up\" or \"down\"";
	virtio_net_set_link(d, streq(state, "up"));
	put(r, "state",
	    json_object_new_string(virtio_net_link_up(d) ? "up" : "down"));
	return NULL;
}

static const char *str_arg(json_object *req, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !*json_object_get_string(v))
		return NULL;
	return json_object_get_string(v);
}

/* Opens @path for a save; only where nido-vmm may open files. */
static int open_out(struct vm *vm, const char *path, struct err **e)
{
	int fd;

	if (vm->cfg->sandbox.enabled)
		return err_set(e, EPERM,
			       "nido-vmm runs sandboxed and opens no file: "
			       "pass the state and memory files' descriptors "
			       "with the request (SCM_RIGHTS)");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	return fd;
}

/* The two files of a save: passed with the request, or opened here. */
static int save_files(struct vm *vm, struct api_conn *c, const char *path,
		      const char *mem, int fds[2], struct err **e)
{
	if (c && c->n_fds == 2) {
		fds[0] = steal_fd(c->fds[0]);
		fds[1] = steal_fd(c->fds[1]);
		c->n_fds = 0;
		return 0;
	}
	if (c && c->n_fds)
		return err_set(e, EINVAL,
			       "pass two descriptors (state, "
			       "memory), or none");
	fds[0] = open_out(vm, path, e);
	if (fds[0] < 0)
		return fds[0];
	fds[1] = open_out(vm, mem, e);
	return fds[1] < 0 ? fds[1] : 0;
}

/* An optional offset of the save request: 0 when absent. */
static int offset_arg(json_object *req, const char *key, uint64_t *out)
{
	json_object *v;
	int64_t n;

	*out = 0;
	if (!json_object_object_get_ex(req, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < 0 || n % 4096 || (uint64_t)n > (1ULL << 60))
		return -1;
	*out = (uint64_t)n;
	return 0;
}

/* snapshot-save (api_snapshot.c) with the two descriptors passed. */
static const char *snapshot_save(struct vm *vm, struct api_conn *c,
				 json_object *req, json_object *r)
{
	int fds[2] = {-1, -1};
	uint64_t off, mem_off;
	const char *err;

	if (offset_arg(req, "offset", &off) < 0 ||
	    offset_arg(req, "memory_offset", &mem_off) < 0)
		return "snapshot-save: \"offset\" and \"memory_offset\" are "
		       "multiples of 4096 below 2^60";
	if (c && c->n_fds == 2) {
		fds[0] = steal_fd(c->fds[0]);
		fds[1] = steal_fd(c->fds[1]);
		c->n_fds = 0;
	}
	err = api_snapshot_save(vm, fds, off, mem_off, is_paused(vm), req, r);
	close_safe(fds[0]);
	close_safe(fds[1]);
	return err;
}

/*
 * {"command": "save", "path": STATE, "memory": MEMFILE[, "offset": N]
 * [, "memory_offset": M]}: pauses the VM (it stays paused: the caller
 * resumes it or powers it off) and writes its state and RAM
 * (docs/state-format.md), each from its offset of its file.
 */
static const char *save(struct vm *vm, struct api_conn *c, json_object *req,
			json_object *r)
{
	static char msg[1024]; /* the loop's thread only */
	_cleanup_err_ struct err *e = NULL;
	const char *path = str_arg(req, "path"), *mem = str_arg(req, "memory");
	int fds[2] = {-1, -1}, ret;
	struct state_save_info info = {0};
	struct state_files f = {.path = path, .mem_path = mem};

	if (!path || !mem)
		return "save: give \"path\" (state file) and \"memory\" "
		       "(memory file)";
	if (offset_arg(req, "offset", &f.offset) < 0 ||
	    offset_arg(req, "memory_offset", &f.mem_offset) < 0)
		return "save: \"offset\" and \"memory_offset\" are "
		       "multiples of 4096 below 2^60";
	vm_pause(vm);
	ret = save_files(vm, c, path, mem, fds, &e);
	if (ret == 0)
		ret = state_save(vm, fds[0], fds[1], &f, &info, &e);
	close_safe(fds[0]);
	close_safe(fds[1]);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "save to '%s': %s", path,
			 err_msg(e));
		return msg;
	}
	put(r, "state_bytes", u64(info.state_bytes));
	put(r, "memory_bytes", u64(info.memory_bytes));
	put(r, "memory_written", u64(info.memory_written));
	put(r, "duration_us", u64(info.duration_us));
	return NULL;
}

/* The balloon's state: bytes, and the guest's last statistics by
 * libvirt's names (dommemstat). */
static void balloon_info(struct vm *vm, json_object *r)
{
	static const char *const names[] = {
		"swap_in",	  "swap_out",	 "major_fault",
		"minor_fault",	  "unused",	 "available",
		"usable",	  "disk_caches", "hugetlb_pgalloc",
		"hugetlb_pgfail",
	};
	/* virtio's tags 4 free, 5 total, 6 available: libvirt's unused,
	 * available (the total), usable */
	struct virtio_balloon_info in;
	json_object *st = json_object_new_object();

	virtio_balloon_info(vm->balloon, &in);
	put(r, "ram", u64(in.ram));
	put(r, "target", u64(in.target));
	put(r, "actual", u64(in.actual));
	put(r, "bad_pages", u64(in.bad_pages));
	put(r, "updates", u64(in.stats.updates));
	for (unsigned t = 0; t < ARRAY_SIZE(names); t++)
		if (in.stats.present & (1u << t))
			put(st, names[t], u64(in.stats.value[t]));
	put(r, "stats", st);
}

/* {"command": "balloon", "target": BYTES}: asks the guest to keep that
 * much of its RAM. */
static const char *balloon(struct vm *vm, json_object *req, json_object *r)
{
	static char msg[256];
	_cleanup_err_ struct err *e = NULL;
	json_object *t;
	int64_t v;

	if (!vm->balloon)
		return "this VM has no balloon device";
	if (!json_object_object_get_ex(req, "target", &t) ||
	    !json_object_is_type(t, json_type_int) ||
	    (v = json_object_get_int64(t)) <= 0)
		return "balloon: \"target\" must be a positive number of "
		       "bytes";
	if (virtio_balloon_set_target(vm->balloon, (uint64_t)v, &e) < 0) {
		snprintf(msg, sizeof(msg), "balloon: %s", err_msg(e));
		return msg;
	}
	balloon_info(vm, r);
	return NULL;
}

/* {"command": "set-vcpus", "count": N}: adds vCPUs up to N (hot add), or
 * asks the guest to eject those above N (hot remove; "vcpus" drops when
 * it has, event "vcpu-removed"). */
static const char *set_vcpus(struct vm *vm, json_object *req, json_object *r)
{
	static char msg[256];
	_cleanup_err_ struct err *e = NULL;
	json_object *t;
	uint64_t gen;
	int64_t n;

	if (!json_object_object_get_ex(req, "count", &t) ||
	    !json_object_is_type(t, json_type_int) ||
	    (n = json_object_get_int64(t)) < 1 || n > VM_MAX_CPUS)
		return "set-vcpus: \"count\" must be a number of vCPUs";
	if (cpuhp_set_vcpus(vm, (unsigned)n, &e) < 0) {
		snprintf(msg, sizeof(msg), "set-vcpus: %s", err_msg(e));
		return msg;
	}
	n = cpuhp_present_gen(vm, &gen);
	put(r, "vcpus", json_object_new_int((int)n));
	put(r, "vcpus_gen", u64(gen));
	put(r, "max_vcpus", json_object_new_int((int)vm->max_vcpus));
	return NULL;
}

/*
 * Fills @r for @cmd of request @req from client @c (NULL: api_handle());
 * returns an error message or NULL.
 */
static const char *dispatch(struct vm *vm, struct api_conn *c, const char *cmd,
			    json_object *req, json_object *r)
{
	if (streq(cmd, "status")) {
		status(vm, r);
	} else if (streq(cmd, "subscribe")) {
		if (!c)
			return "subscribe needs a connection";
		c->events = true;
	} else if (streq(cmd, "pause")) {
		vm_pause(vm);
	} else if (streq(cmd, "resume")) {
		vm_resume(vm);
	} else if (streq(cmd, "shutdown")) {
		if (is_paused(vm))
			return "the VM is paused; resume it first";
		i8042_ctrl_alt_del(vm->i8042);
	} else if (streq(cmd, "power-button")) {
		if (is_paused(vm))
			return "the VM is paused; resume it first";
		if (!vm->pm)
			return "this VM has no ACPI power button";
		pm_power_button(vm->pm);
	} else if (streq(cmd, "power-off")) {
		vm_request_exit(vm, VM_EXIT_POWEROFF, NULL);
	} else if (streq(cmd, "stats")) {
		put(r, "vcpus", vcpu_stats(vm));
		put(r, "devices", device_stats(vm));
		put(r, "disks", disk_stats(vm));
		put(r, "unhandled_port_io",
		    u64(atomic_load(&vm->stats.unhandled_pio)));
		put(r, "unhandled_mmio",
		    u64(atomic_load(&vm->stats.unhandled_mmio)));
		if (vm->balloon) {
			json_object *b = json_object_new_object();

			balloon_info(vm, b);
			put(r, "balloon", b);
		}
	} else if (streq(cmd, "set-link")) {
		return set_link(vm, req, r);
	} else if (streq(cmd, "save")) {
		if (api_blockjob_running())
			return "save: a block job runs (abort it or let it "
			       "end first)";
		return save(vm, c, req, r);
	} else if (streq(cmd, "snapshot-save")) {
		return snapshot_save(vm, c, req, r);
	} else if (streq(cmd, "snapshot-external")) {
		if (json_object_object_get_ex(req, "offset", NULL) &&
		    api_blockjob_running())
			return "snapshot-external with memory: a block job "
			       "runs (abort it or let it end first)";
		return api_snapshot_external(vm, c ? c->fds : NULL,
					     c ? c->n_fds : 0, is_paused(vm),
					     req, r);
	} else if (streq(cmd, "snapshot-delete")) {
		return api_snapshot_delete(vm, is_paused(vm), req, r);
	} else if (streq(cmd, "balloon")) {
		return balloon(vm, req, r);
	} else if (streq(cmd, "set-vcpus")) {
		return set_vcpus(vm, req, r);
	} else if (!strncmp(cmd, "block-", 6)) {
		return api_blockjob(vm, cmd, req, r, c ? c->fds : NULL,
				    c ? c->n_fds : 0);
	} else if (streq(cmd, "balloon-info")) {
		if (!vm->balloon)
			return "this VM has no balloon device";
		balloon_info(vm, r);
	} else {
		return "unknown command (status, pause, resume, shutdown, "
		       "power-button, power-off, stats, subscribe, set-link, "
		       "save, snapshot-save, snapshot-delete, "
		       "snapshot-external, balloon, "
		       "balloon-info, set-vcpus, block-chain, block-job-*)";
	}
	return NULL;
}

static char *handle(struct vm *vm, struct api_conn *c, const char *line)
{
	json_object *req = json_tokener_parse(line), *cmd = NULL;
	json_object *r = json_object_new_object();
	const char *err = NULL;
	char *out;

	if (!req || !json_object_is_type(req, json_type_object))
		err = "the request is not a JSON object";
	else if (!json_object_object_get_ex(req, "command", &cmd) ||
		 !json_object_is_type(cmd, json_type_string))
		err = "the request has no \"command\" string";
	else
		err = dispatch(vm, c, json_object_get_string(cmd), req, r);
	if (err) {
		json_object_put(r);
		r = json_object_new_object();
		put(r, "ok", json_object_new_boolean(0));
		put(r, "error", json_object_new_string(err));
	} else {
		put(r, "ok", json_object_new_boolean(1));
	}
	out = xstrdup(
		json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	json_object_put(r);
	json_object_put(req);
	return out;
}

char *api_handle(struct vm *vm, const char *line)
{
	return handle(vm, NULL, line);
}

/* Closes the descriptors a client passed that no request took. */
static void conn_drop_fds(struct api_conn *c)
{
	for (unsigned i = 0; i < c->n_fds; i++)
		close_safe(c->fds[i]);
	c->n_fds = 0;
}

static void conn_close(struct api_conn *c)
{
	struct api *a = c->api;

	conn_drop_fds(c);
	for (unsigned i = 0; i < API_MAX_CONNS; i++) {
		if (a->conns[i] == c)
			a->conns[i] = NULL;
	}
	loop_source_del(a->vm->loop, c->src);
	close_safe(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

/* Drops a client that would make us wait or hold unbounded memory. */
static void conn_drop(struct api_conn *c, const char *why)
{
	log_warn("control socket: dropping client (pid %d): %s", (int)c->pid,
		 why);
	conn_close(c);
}

/*
 * Sends what is buffered as far as the socket takes it, never waiting,
 * and watches for room while some is left. Returns 0, or -1 when it
 * closed @c: the client is gone, or let more than API_OUT_MAX bytes pile
 * up (a client that does not read is dropped, never waited for).
 */
static int conn_flush(struct api_conn *c)
{
	uint32_t want = EPOLLIN;

	while (c->out.len) {
		ssize_t n = buf_write_fd(&c->out, c->fd);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			conn_close(c);
			return -1;
		}
	}
	if (c->out.len > API_OUT_MAX) {
		conn_drop(c, "it does not read what it is sent");
		return -1;
	}
	if (c->out.len)
		want |= EPOLLOUT;
	if (want != c->watching &&
	    loop_fd_modify(c->api->vm->loop, c->src, want) == 0)
		c->watching = want;
	return 0;
}

/* Queues @line and a newline for @c. */
static void conn_queue(struct api_conn *c, const char *line)
{
	buf_append_str(&c->out, line);
	buf_append(&c->out, "\n", 1);
}

/*
 * Answers every complete line buffered. Returns 0, -E2BIG for a line
 * over API_LINE_MAX (complete or not), or -ENOBUFS when the client does
 * not read its replies.
 */
static int conn_lines(struct api_conn *c)
{
	char *nl;

	while (c->in.len && (nl = memchr(c->in.data, '\n', c->in.len))) {
		_cleanup_free_ char *line = NULL, *reply = NULL;

		if ((size_t)(nl - c->in.data) >= API_LINE_MAX)
			return -E2BIG;
		line = buf_take_line(&c->in);
		reply = handle(c->api->vm, c, line);
		conn_drop_fds(c);
		conn_queue(c, reply);
		if (c->out.len > API_OUT_MAX)
			return -ENOBUFS;
	}
	return c->in.len >= API_LINE_MAX ? -E2BIG : 0;
}

/*
 * Reads what the client sent, keeping the descriptors that came with it
 * (at most API_FDS_MAX waiting; more are closed). Returns the bytes
 * read, 0 at the end, or -errno (-EAGAIN: nothing now).
 */
static ssize_t conn_read(struct api_conn *c)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * API_FDS_MAX)];
	} u;
	struct iovec iov = {.iov_base = buf_reserve(&c->in, API_LINE_MAX),
			    .iov_len = API_LINE_MAX};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.b,
			   .msg_controllen = sizeof(u.b)};
	ssize_t n;

	do
		n = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fd;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (c->n_fds < API_FDS_MAX)
				c->fds[c->n_fds++] = fd;
			else
				close(fd);
		}
	}
	buf_commit(&c->in, (size_t)n);
	return n;
}

static void on_conn(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct api_conn *c = opaque;
	int r;

	if (events & EPOLLIN) {
		ssize_t n = conn_read(c);

		if (n == 0 || (n < 0 && n != -EAGAIN)) {
			conn_close(c);
			return;
		}
		r = conn_lines(c);
		if (r == -ENOBUFS) {
			conn_drop(c, "it does not read what it is sent");
			return;
		}
		if (r == -E2BIG) {
			/* a last word, if the socket takes it */
			conn_queue(c, "{\"ok\":false,\"error\":\"request line "
				      "longer than 64 KiB\"}");
			if (conn_flush(c) == 0)
				conn_drop(c, "request line longer than 64 KiB");
			return;
		}
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		conn_close(c);
		return;
	}
	conn_flush(c);
}

/* Tells a client it is refused, if its socket takes it now, and closes. */
static void refuse(int fd, const char *why)
{
	_cleanup_free_ char *line =
		xasprintf("{\"ok\":false,\"error\":\"%s\"}\n", why);

	(void)send(fd, line, strlen(line), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct api *a = opaque;
	struct api_conn *c;
	struct ucred cred;
	unsigned i;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (cfd < 0)
		return;
	if (!sock_peer_is_self_or_root(cfd, &cred)) {
		log_warn("control socket: refused a client of uid %d (pid %d): "
			 "only root and uid %d may connect",
			 (int)cred.uid, (int)cred.pid, (int)geteuid());
		refuse(cfd, "access denied: only root and the uid nido-vmm "
			    "runs as may use its control socket");
		return;
	}
	for (i = 0; i < API_MAX_CONNS && a->conns[i]; i++)
		;
	if (i == API_MAX_CONNS) {
		refuse(cfd, "too many clients (16)");
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->api = a;
	c->fd = cfd;
	c->pid = cred.pid;
	c->watching = EPOLLIN;
	c->src = loop_fd_add(l, cfd, EPOLLIN, on_conn, c, NULL);
	if (!c->src) {
		close(cfd);
		free(c);
		return;
	}
	a->conns[i] = c;
}

/*
 * Takes the events other threads queued and gives each to every
 * subscribed client. Loop thread.
 */
static void on_events(struct loop *l, void *opaque)
{
	struct api *a = opaque;
	struct api_event *ev, *next;
	uint64_t dropped;

	pthread_mutex_lock(&a->ev_lock);
	ev = a->ev_head;
	a->ev_head = NULL;
	a->ev_tail = &a->ev_head;
	a->ev_n = 0;
	dropped = a->ev_dropped;
	a->ev_dropped = 0;
	pthread_mutex_unlock(&a->ev_lock);
	if (dropped)
		log_warn("control socket: %" PRIu64 " events dropped (more "
			 "than %d waiting)",
			 dropped, API_EVENTS_MAX);
	for (; ev; ev = next) {
		next = ev->next;
		for (unsigned i = 0; i < API_MAX_CONNS; i++) {
			struct api_conn *c = a->conns[i];

			if (!c || !c->events)
				continue;
			conn_queue(c, ev->line);
			conn_flush(c);
		}
		free(ev->line);
		free(ev);
	}
}

void api_emit(struct api *a, const char *line)
{
	struct api_event *ev;

	if (!a)
		return;
	pthread_mutex_lock(&a->ev_lock);
	if (a->ev_n >= API_EVENTS_MAX) {
		a->ev_dropped++;
		pthread_mutex_unlock(&a->ev_lock);
		return;
	}
	ev = xcalloc(1, sizeof(*ev));
	ev->line = xstrdup(line);
	*a->ev_tail = ev;
	a->ev_tail = &ev->next;
	a->ev_n++;
	pthread_mutex_unlock(&a->ev_lock);
	loop_wake(a->vm->loop);
}

/*
 * May @path be taken? Yes when nothing is there or a socket nobody
 * listens on (a stale one: a VMM that was killed); a socket another
 * process listens on or any other file is an error.
 */
static int path_free(const struct sockaddr_un *sa, const char *path,
		     struct err **e)
{
	struct stat st;
	int probe, live;

	if (lstat(path, &st) < 0)
		return errno == ENOENT
			       ? 0
			       : err_sys(e, errno, "control socket '%s'", path);
	if (!S_ISSOCK(st.st_mode))
		return err_set(e, EEXIST,
			       "control socket path '%s' exists and is not a "
			       "socket",
			       path);
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	live = probe >= 0 &&
	       connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close_safe(probe);
	if (live)
		return err_set(e, EADDRINUSE,
			       "control socket '%s' is in use by another "
			       "process",
			       path);
	return 0;
}

/*
 * Listens on @path with a socket file of mode 0600 (whatever the umask)
 * that appears only once it listens: bound under a temporary name in
 * the same directory, listening, then renamed over @path. A supervisor
 * that waits for the file (nidod's start) never finds one that refuses
 * connections. When the temporary name would not fit a socket address,
 * @path is bound directly.
 */
static int api_listen(int fd, const char *path, struct err **e)
{
	_cleanup_free_ char *dir = xstrdup(path), *tmp_path = NULL;
	struct sockaddr_un sa, tmp;
	char *slash = strrchr(dir, '/');
	int r = sock_unix_addr(&sa, path, "control socket", e);

	if (r < 0 || (r = path_free(&sa, path, e)) < 0)
		return r;
	if (slash)
		slash[1] = '\0';
	tmp_path = xasprintf("%s.nido-vmm-%d.sock", slash ? dir : "",
			     (int)getpid());
	if (sock_unix_addr(&tmp, tmp_path, "control socket", NULL) < 0) {
		unlink(path); /* stale */
		if (sock_unix_bind_private(fd, &sa) < 0 || listen(fd, 8) < 0)
			return err_sys(e, errno, "creating control socket '%s'",
				       path);
		return 0;
	}
	unlink(tmp_path); /* left by a killed process with our pid */
	if (sock_unix_bind_private(fd, &tmp) < 0)
		return err_sys(e, errno, "creating control socket '%s'",
			       tmp_path);
	if (listen(fd, 8) < 0 || rename(tmp_path, path) < 0) {
		r = err_sys(e, errno, "creating control socket '%s'", path);
		unlink(tmp_path);
		return r;
	}
	return 0;
}

struct api *api_open(struct vm *vm, const char *path, struct err **e)
{
	struct api *a = xcalloc(1, sizeof(*a));

	a->vm = vm;
	pthread_mutex_init(&a->ev_lock, NULL);
	a->ev_tail = &a->ev_head;
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		err_sys(e, errno, "creating control socket '%s'", path);
		api_close(a);
		return NULL;
	}
	if (api_listen(a->fd, path, e) < 0) {
		api_close(a);
		return NULL;
	}
	a->path = xstrdup(path);
	a->src = loop_fd_add(vm->loop, a->fd, EPOLLIN, on_accept, a, e);
	a->wake = a->src ? loop_wake_add(vm->loop, on_events, a, e) : NULL;
	if (!a->wake) {
		api_close(a);
		return NULL;
	}
	return a;
}

void api_close(struct api *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < API_MAX_CONNS; i++) {
		if (a->conns[i])
			conn_close(a->conns[i]);
	}
	loop_source_del(a->vm->loop, a->src);
	loop_source_del(a->vm->loop, a->wake);
	close_safe(a->fd);
	if (a->path)
		unlink(a->path);
	while (a->ev_head) {
		struct api_event *ev = a->ev_head;

		a->ev_head = ev->next;
		free(ev->line);
		free(ev);
	}
	pthread_mutex_destroy(&a->ev_lock);
	free(a->path);
	free(a);
}
