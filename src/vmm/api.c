// SPDX-License-Identifier: GPL-2.0-or-later
/* The control socket: status, pause, resume, shutdown, power-off, stats. */
#include "vmm/api.h"

#include <errno.h>
#include <json-c/json.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sock.h"
#include "vmm/console.h"
#include "vmm/hw/devices.h"
#include "vmm/vcpu.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define API_LINE_MAX  65536
#define API_MAX_CONNS 16

struct api_conn {
	struct api *api;
	int fd;
	struct loop_source *src;
	char *buf;
	size_t len;
};

struct api {
	struct vm *vm;
	char *path;
	int fd;
	struct loop_source *src;
	struct api_conn *conns[API_MAX_CONNS];
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
	put(r, "vcpus", json_object_new_int((int)vm->n_vcpus));
	put(r, "memory_bytes", u64(vm->mem.size));
	put(r, "uptime_ms", u64((vm_now_ns() - vm->start_ns) / 1000000));
	put(r, "boot_time_us", boot ? u64(boot) : NULL);
	put(r, "pid", json_object_new_int((int)getpid()));
	if (console_name(vm->console))
		put(r, "console",
		    json_object_new_string(console_name(vm->console)));
}

/* Fills @r for @cmd; returns an error message or NULL. */
static const char *dispatch(struct vm *vm, const char *cmd, json_object *r)
{
	if (streq(cmd, "status")) {
		status(vm, r);
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
		put(r, "unhandled_port_io",
		    u64(atomic_load(&vm->stats.unhandled_pio)));
		put(r, "unhandled_mmio",
		    u64(atomic_load(&vm->stats.unhandled_mmio)));
	} else {
		return "unknown command (status, pause, resume, shutdown, "
		       "power-button, power-off, stats)";
	}
	return NULL;
}

char *api_handle(struct vm *vm, const char *line)
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
		err = dispatch(vm, json_object_get_string(cmd), r);
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

static void conn_close(struct api_conn *c)
{
	struct api *a = c->api;

	for (unsigned i = 0; i < API_MAX_CONNS; i++) {
		if (a->conns[i] == c)
			a->conns[i] = NULL;
	}
	loop_source_del(a->vm->loop, c->src);
	close_safe(c->fd);
	free(c->buf);
	free(c);
}

/* Answers every complete line in the buffer. Returns -1 to hang up. */
static int conn_lines(struct api_conn *c)
{
	char *nl;

	while ((nl = memchr(c->buf, '\n', c->len))) {
		_cleanup_free_ char *reply = NULL;
		size_t n = (size_t)(nl - c->buf) + 1;

		*nl = '\0';
		reply = api_handle(c->api->vm, c->buf);
		if (write_full(c->fd, reply, strlen(reply)) < 0 ||
		    write_full(c->fd, "\n", 1) < 0)
			return -1;
		memmove(c->buf, c->buf + n, c->len - n);
		c->len -= n;
	}
	return c->len >= API_LINE_MAX ? -1 : 0;
}

static void on_conn(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct api_conn *c = opaque;
	ssize_t n;

	n = read(fd, c->buf + c->len, API_LINE_MAX - c->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	if (conn_lines(c) < 0)
		conn_close(c);
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct api *a = opaque;
	struct api_conn *c;
	unsigned i;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	for (i = 0; i < API_MAX_CONNS && a->conns[i]; i++)
		;
	if (i == API_MAX_CONNS) {
		close(cfd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->api = a;
	c->fd = cfd;
	c->buf = xmalloc(API_LINE_MAX + 1);
	c->src = loop_fd_add(l, cfd, EPOLLIN, on_conn, c, NULL);
	if (!c->src) {
		close(cfd);
		free(c->buf);
		free(c);
		return;
	}
	a->conns[i] = c;
}

/* Binds @path, replacing a socket file nobody listens on. */
static int api_bind(int fd, const char *path, struct err **e)
{
	struct sockaddr_un sa;
	struct stat st;

	if (sock_unix_addr(&sa, path, "control socket", e) < 0)
		return -ENAMETOOLONG;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	if (errno == EADDRINUSE) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = probe >= 0 && connect(probe, (struct sockaddr *)&sa,
						 sizeof(sa)) == 0;

		close_safe(probe);
		if (live)
			return err_set(e, EADDRINUSE,
				       "control socket '%s' is in use by "
				       "another process",
				       path);
		/* Only a stale socket is replaced, never another file. */
		if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
			return err_set(e, EEXIST,
				       "control socket path '%s' exists and is "
				       "not a socket",
				       path);
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
	}
	return err_sys(e, errno, "creating control socket '%s'", path);
}

struct api *api_open(struct vm *vm, const char *path, struct err **e)
{
	struct api *a = xcalloc(1, sizeof(*a));

	a->vm = vm;
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		err_sys(e, errno, "creating control socket '%s'", path);
		free(a);
		return NULL;
	}
	if (api_bind(a->fd, path, e) < 0) {
		close(a->fd);
		free(a);
		return NULL;
	}
	a->path = xstrdup(path);
	if (listen(a->fd, 8) < 0) {
		err_sys(e, errno, "listening on control socket '%s'", path);
		api_close(a);
		return NULL;
	}
	a->src = loop_fd_add(vm->loop, a->fd, EPOLLIN, on_accept, a, e);
	if (!a->src) {
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
	if (a->src)
		loop_source_del(a->vm->loop, a->src);
	close_safe(a->fd);
	if (a->path)
		unlink(a->path);
	free(a->path);
	free(a);
}
