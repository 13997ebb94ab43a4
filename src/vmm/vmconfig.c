// SPDX-License-Identifier: GPL-2.0-or-later
/* nido-vmm's configuration from options or a JSON file. */
#include "vmm/vmconfig.h"

#include <errno.h>

#include "lib/size.h"
#include "vmm/host.h"
#include "vmm/memory.h"
#include "vmm/state.h"
#include "vmm/vm.h"

#define MAX_MEMORY (1ULL << 40)

void config_init(struct vm_config *c)
{
	*c = (struct vm_config){
		.cpus = 1,
		.mem_size = 256ULL << 20,
		.console = CONSOLE_STDIO,
		.console_log_fd = -1,
		.sandbox = {.enabled = true},
		.host = {.kvm_fd = -1, .kernel_fd = -1, .initrd_fd = -1},
	};
	for (unsigned i = 0; i < CONFIG_MAX_NETS; i++)
		c->host.tap_fds[i] = -1;
	for (unsigned i = 0; i < CONFIG_MAX_CHANNELS; i++)
		c->channels[i].fd = -1;
}

unsigned config_mem_flags(const struct vm_config *c)
{
	return (c->hugepages ? MEM_HUGEPAGES : 0) |
	       (c->no_mem_merge ? 0 : MEM_MERGEABLE);
}

void config_release(struct vm_config *c)
{
	free(c->kernel);
	free(c->initrd);
	free(c->cmdline);
	free(c->console_path);
	free(c->console_log_path);
	free(c->api_path);
	free(c->exit_file);
	for (unsigned i = 0; i < c->n_disks; i++) {
		free(c->disks[i].path);
		free(c->disks[i].serial);
		block_chain_clear(&c->disks[i].chain);
	}
	for (unsigned i = 0; i < c->n_nets; i++) {
		free(c->nets[i].tap);
		if (c->nets[i].fd >= 0)
			close(c->nets[i].fd);
	}
	for (unsigned i = 0; i < c->n_channels; i++) {
		free(c->channels[i].name);
		free(c->channels[i].path);
		close_safe(c->channels[i].fd);
	}
	host_close(&c->host);
	state_restore_free(c->restore);
	config_init(c);
}

int config_parse_memory(const char *s, uint64_t *out, struct err **e)
{
	size_t n = strspn(s, "0123456789");

	if (n > 0 && s[n] == '\0') {
		char *end;
		unsigned long long mib = strtoull(s, &end, 10);

		if (mib > (MAX_MEMORY >> 20))
			return err_set(e, ERANGE,
				       "memory size '%s' MiB is too "
				       "large",
				       s);
		*out = mib << 20;
		return 0;
	}
	return size_parse(s, out, e);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)
		return -EINVAL; /* multicast */
	return 0;
}

uint64_t *config_iotune_field(struct throttle_limits *l, const char *name)
{
	static const char *const names[] = {
		"total_bytes_sec", "read_bytes_sec", "write_bytes_sec",
		"total_iops_sec",  "read_iops_sec",  "write_iops_sec"};

	for (int i = 0; i < 6; i++)
		if (streq(name, names[i]))
			return i < 3 ? &l->bytes[i] : &l->ops[i - 3];
	return NULL;
}

int config_check_iotune(const struct throttle_limits *l, const char *what,
			struct err **e)
{
	if (l->bytes[THROTTLE_TOTAL] &&
	    (l->bytes[THROTTLE_READ] || l->bytes[THROTTLE_WRITE]))
		return err_set(e, EINVAL,
			       "%s: total_bytes_sec cannot be set with "
			       "read_bytes_sec or write_bytes_sec",
			       what);
	if (l->ops[THROTTLE_TOTAL] &&
	    (l->ops[THROTTLE_READ] || l->ops[THROTTLE_WRITE]))
		return err_set(e, EINVAL,
			       "%s: total_iops_sec cannot be set with "
			       "read_iops_sec or write_iops_sec",
			       what);
	return 0;
}

/* "NAME=N" for an <iotune> limit; 1 when @opt is one, 0 if not. */
static int parse_iotune_opt(const char *opt, struct config_disk *d,
			    const char *s, struct err **e)
{
	_cleanup_free_ char *name = xstrdup(opt);
	char *eq = strchr(name, '='), *end;
	uint64_t *f;
	unsigned long long v;

	if (!eq)
		return 0;
	*eq = '\0';
	f = config_iotune_field(&d->iotune, name);
	if (!f)
		return 0;
	errno = 0;
	v = strtoull(eq + 1, &end, 10);
	if (!eq[1] || *end || errno || eq[1] == '-')
		return err_set(e, EINVAL, "--disk '%s': %s must be a number", s,
			       name);
	*f = v;
	return 1;
}

int config_parse_disk(const char *s, struct config_disk *d, struct err **e)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL, *opt;
	char *path = strtok_r(copy, ",", &save);
	int r;

	*d = (struct config_disk){0};
	if (!path || !*path)
		return err_set(e, EINVAL, "--disk '%s': no path", s);
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (streq(opt, "readonly") || streq(opt, "ro")) {
			d->readonly = 1;
		} else if (streq(opt, "shared")) {
			d->shared = 1;
		} else if (streq(opt, "format=raw")) {
			d->format = DISK_FORMAT_RAW;
		} else if (streq(opt, "format=qcow2")) {
			d->format = DISK_FORMAT_QCOW2;
		} else if (str_has_prefix(opt, "serial=")) {
			free(d->serial);
			d->serial = xstrdup(opt + 7);
		} else if ((r = parse_iotune_opt(opt, d, s, e)) != 0) {
			if (r < 0)
				goto fail;
		} else {
			r = err_set(e, EINVAL,
				    "--disk '%s': unknown option '%s' "
				    "(readonly, shared, format=raw|qcow2, "
				    "serial=ID, total_bytes_sec=N, ...)",
				    s, opt);
			goto fail;
		}
	}
	r = config_check_iotune(&d->iotune, "--disk", e);
	if (r < 0)
		goto fail;
	d->path = xstrdup(path);
	return 0;
fail:
	free(d->serial);
	d->serial = NULL;
	return r;
}

/* "fd:N": a descriptor from 3 our supervisor left open; -1 otherwise. */
static int parse_fd(const char *s)
{
	char *end;
	long fd;

	if (!str_has_prefix(s, "fd:"))
		return -1;
	errno = 0;
	fd = strtol(s + 3, &end, 10);
	if (errno || end == s + 3 || *end || fd < 3 || fd > 65535)
		return -2;
	return (int)fd;
}

static int net_option(const char *s, const char *opt, struct config_net *n,
		      struct err **e)
{
	if (str_has_prefix(opt, "tap=") && opt[4]) {
		free(n->tap);
		n->tap = xstrdup(opt + 4);
		n->fd = parse_fd(opt + 4);
		if (n->fd == -2)
			return err_set(e, EINVAL,
				       "--net '%s': expected tap=fd:N, an open "
				       "descriptor from 3",
				       s);
	} else if (str_has_prefix(opt, "mac=")) {
		if (parse_mac(opt + 4, n->mac) < 0)
			return err_set(e, EINVAL,
				       "--net '%s': bad unicast MAC address",
				       s);
		n->has_mac = 1;
	} else if (streq(opt, "link=up") || streq(opt, "link=down")) {
		n->link_down = streq(opt, "link=down");
	} else {
		return err_set(e, EINVAL,
			       "--net '%s': unknown option '%s' (tap=NAME, "
			       "tap=fd:N, mac=MAC, link=up|down)",
			       s, opt);
	}
	return 0;
}

int config_parse_net(const char *s, struct config_net *n, struct err **e)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL, *opt;
	int r = 0;

	*n = (struct config_net){.fd = -1};
	for (opt = strtok_r(copy, ",", &save); opt && r == 0;
	     opt = strtok_r(NULL, ",", &save))
		r = net_option(s, opt, n, e);
	if (r == 0 && !n->tap)
		r = err_set(e, EINVAL, "--net '%s': no tap=NAME", s);
	if (r == 0 && strlen(n->tap) >= 16)
		r = err_set(e, EINVAL, "--net '%s': tap name too long", s);
	if (r < 0) {
		free(n->tap);
		*n = (struct config_net){.fd = -1};
	}
	return r;
}

/* A port name: printable ASCII without a comma or a slash (it names a
 * file in the guest's /dev/virtio-ports). */
static bool channel_name_ok(const char *n, size_t len)
{
	if (len == 0 || len > CONFIG_CHANNEL_NAME_MAX || streq(n, ".") ||
	    streq(n, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (n[i] <= ' ' || n[i] > '~' || n[i] == ',' || n[i] == '/')
			return false;
	return true;
}

static int parse_fd_arg(const char *s, const char *what, int *out,
			struct err **e)
{
	char *end;
	long fd;

	errno = 0;
	fd = strtol(s, &end, 10);
	if (errno || end == s || *end || fd < 3 || fd > 65535)
		return err_set(e, EINVAL,
			       "%s: expected fd:N, an open descriptor from 3",
			       what);
	*out = (int)fd;
	return 0;
}

int config_parse_channel(const char *s, struct config_channel *ch,
			 struct err **e)
{
	const char *comma = strchr(s, ',');
	size_t len = comma ? (size_t)(comma - s) : strlen(s);
	_cleanup_free_ char *what = xasprintf("--channel '%s'", s);
	int fd = -1;

	if (!channel_name_ok(s, len))
		return err_set(e, EINVAL,
			       "%s: the port's name must be 1 to %d printable "
			       "characters without ',', '/' or spaces",
			       what, CONFIG_CHANNEL_NAME_MAX);
	if (comma && str_has_prefix(comma + 1, "fd:")) {
		if (parse_fd_arg(comma + 4, what, &fd, e) < 0)
			return -EINVAL;
	} else if (comma && !(str_has_prefix(comma + 1, "unix:") && comma[6])) {
		return err_set(e, EINVAL,
			       "%s: expected NAME, NAME,unix:PATH or NAME,fd:N",
			       what);
	}
	*ch = (struct config_channel){.name = xstrndup(s, len), .fd = fd};
	if (comma && fd < 0)
		ch->path = xstrdup(comma + 6);
	return 0;
}

int config_parse_console(const char *s, struct vm_config *c, struct err **e)
{
	if (streq(s, "stdio")) {
		c->console = CONSOLE_STDIO;
	} else if (streq(s, "pty")) {
		c->console = CONSOLE_PTY;
	} else if (streq(s, "none")) {
		c->console = CONSOLE_NONE;
	} else if (str_has_prefix(s, "fd:")) {
		_cleanup_free_ char *what = xasprintf("--console '%s'", s);

		if (parse_fd_arg(s + 3, what, &c->console_fd, e) < 0)
			return -EINVAL;
		c->console = CONSOLE_FD;
	} else if (str_has_prefix(s, "unix:") && s[5]) {
		c->console = CONSOLE_UNIX;
		free(c->console_path);
		c->console_path = xstrdup(s + 5);
	} else {
		return err_set(e, EINVAL,
			       "--console '%s': expected stdio, pty, none, "
			       "unix:PATH or fd:N",
			       s);
	}
	return 0;
}

int config_parse_console_log(const char *s, struct vm_config *c, struct err **e)
{
	if (str_has_prefix(s, "fd:")) {
		_cleanup_free_ char *what = xasprintf("--console-log '%s'", s);

		free(c->console_log_path);
		c->console_log_path = NULL;
		return parse_fd_arg(s + 3, what, &c->console_log_fd, e);
	}
	if (!*s)
		return err_set(e, EINVAL,
			       "--console-log: expected PATH or fd:N");
	free(c->console_log_path);
	c->console_log_path = xstrdup(s);
	c->console_log_fd = -1;
	return 0;
}

int config_parse_sandbox_id(const char *s, struct sandbox_opts *o,
			    struct err **e)
{
	unsigned long u, g;
	char *end;

	errno = 0;
	u = strtoul(s, &end, 10);
	g = u;
	if (!errno && end != s && *end == ':') {
		const char *gs = end + 1;

		g = strtoul(gs, &end, 10);
		if (end == gs)
			errno = EINVAL;
	}
	if (errno || end == s || *end || u == 0 || g == 0 || u >= UINT32_MAX ||
	    g >= UINT32_MAX)
		return err_set(e, EINVAL,
			       "--sandbox-id '%s': expected UID[:GID], "
			       "not 0",
			       s);
	o->uid = (uid_t)u;
	o->gid = (gid_t)g;
	return 0;
}

int config_check(const struct vm_config *c, struct err **e)
{
	if (!c->kernel && !c->restore)
		return err_set(e, EINVAL, "no kernel given (--kernel PATH)");
	if (c->cpus < 1 || c->cpus > VM_MAX_CPUS)
		return err_set(e, EINVAL, "--cpus %u: must be 1 to %u", c->cpus,
			       VM_MAX_CPUS);
	if (c->max_cpus && (c->max_cpus < c->cpus || c->max_cpus > VM_MAX_CPUS))
		return err_set(e, EINVAL,
			       "--max-cpus %u: must be --cpus (%u) to %u",
			       c->max_cpus, c->cpus, VM_MAX_CPUS);
	if (c->mem_size < (16ULL << 20))
		return err_set(e, EINVAL,
			       "--memory %llu KiB: at least 16 MiB is needed",
			       (unsigned long long)(c->mem_size >> 10));
	for (unsigned i = 0; i < c->n_channels; i++)
		for (unsigned j = 0; j < i; j++)
			if (streq(c->channels[i].name, c->channels[j].name))
				return err_set(e, EINVAL,
					       "two channels named '%s'",
					       c->channels[i].name);
	if (c->mem_size > MAX_MEMORY || !IS_ALIGNED(c->mem_size, 4096))
		return err_set(e, EINVAL,
			       "--memory %llu bytes: must be a multiple of "
			       "4 KiB and at most 1 TiB",
			       (unsigned long long)c->mem_size);
	return 0;
}

unsigned config_max_cpus(const struct vm_config *c)
{
	return MAX(c->cpus, c->max_cpus);
}
