// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON form of the configuration (docs/vmm.md):
 *	{ "kernel": "...", "initrd": "...", "cmdline": "...", "cpus": 2,
 *	  "memory": "256M", "hugepages": false, "console": "stdio",
 *	  "api": "unix:/run/vm.sock", "rng": true, "virtio_console": false,
 *	  "paused": false,
 *	  "disks": [ { "path": "...", "readonly": false, "format": "qcow2",
 *		       "shared": false, "serial": "...",
 *		       "iotune": { "total_bytes_sec": 10485760 } } ],
 *	  "nets": [ { "tap": "tap0", "mac": "52:54:00:12:34:56" } ],
 *	  "channels": [ { "name": "org.qemu.guest_agent.0",
 *			  "socket": "fd:7" } ],
 *	  "sandbox": { "enabled": true, "uid": 1852375041, "gid": ... } }
 * Unknown keys are refused, so that a typo is not silently ignored.
 */
#include <errno.h>
#include <json-c/json.h>

#include "lib/file.h"
#include "vmm/vmconfig.h"

#define CONFIG_FILE_MAX (1 << 20)

static int want(json_object *v, json_type t, const char *key, struct err **e)
{
	if (!json_object_is_type(v, t))
		return err_set(e, EINVAL, "key '%s' has the wrong type", key);
	return 0;
}

static int set_str(char **dst, json_object *v, const char *key, struct err **e)
{
	if (want(v, json_type_string, key, e) < 0)
		return -EINVAL;
	free(*dst);
	*dst = xstrdup(json_object_get_string(v));
	return 0;
}

/* "iotune": { "total_bytes_sec": N, ... } (libvirt's names) */
static int json_iotune(json_object *o, struct throttle_limits *l,
		       struct err **e)
{
	if (want(o, json_type_object, "iotune", e) < 0)
		return -EINVAL;
	json_object_object_foreach (o, key, v) {
		uint64_t *f = config_iotune_field(l, key);

		if (!f)
			return err_set(e, EINVAL, "unknown iotune key '%s'",
				       key);
		if (want(v, json_type_int, key, e) < 0)
			return -EINVAL;
		if (json_object_get_int64(v) < 0)
			return err_set(e, EINVAL,
				       "iotune %s must be a number >= 0", key);
		*f = json_object_get_uint64(v);
	}
	return config_check_iotune(l, "iotune", e);
}

static int json_disk(json_object *o, struct config_disk *d, struct err **e)
{
	*d = (struct config_disk){0};
	if (want(o, json_type_object, "disks[]", e) < 0)
		return -EINVAL;
	json_object_object_foreach (o, key, v) {
		int r = 0;

		if (streq(key, "path")) {
			r = set_str(&d->path, v, key, e);
		} else if (streq(key, "serial")) {
			r = set_str(&d->serial, v, key, e);
		} else if (streq(key, "readonly")) {
			d->readonly = json_object_get_boolean(v);
		} else if (streq(key, "shared")) {
			d->shared = json_object_get_boolean(v);
		} else if (streq(key, "iotune")) {
			r = json_iotune(v, &d->iotune, e);
		} else if (streq(key, "chain")) {
			block_chain_clear(&d->chain);
			r = block_chain_from_json(v, &d->chain, e);
		} else if (streq(key, "format")) {
			const char *f = json_object_get_string(v);

			if (f && streq(f, "raw"))
				d->format = DISK_FORMAT_RAW;
			else if (f && streq(f, "qcow2"))
				d->format = DISK_FORMAT_QCOW2;
			else
				r = err_set(e, EINVAL,
					    "disk format must be raw or qcow2");
		} else {
			r = err_set(e, EINVAL, "unknown disk key '%s'", key);
		}
		if (r < 0)
			return r;
	}
	if (!d->path)
		return err_set(e, EINVAL, "a disk has no \"path\"");
	return 0;
}

static int json_net(json_object *o, struct config_net *n, struct err **e)
{
	_cleanup_free_ char *spec = NULL;
	json_object *tap, *mac, *link;

	if (want(o, json_type_object, "nets[]", e) < 0)
		return -EINVAL;
	json_object_object_foreach (o, key, v) {
		(void)v;
		if (!streq(key, "tap") && !streq(key, "mac") &&
		    !streq(key, "link"))
			return err_set(e, EINVAL, "unknown net key '%s'", key);
	}
	if (!json_object_object_get_ex(o, "tap", &tap))
		return err_set(e, EINVAL, "a net has no \"tap\"");
	spec = xasprintf("tap=%s", json_object_get_string(tap));
	if (json_object_object_get_ex(o, "mac", &mac)) {
		char *more = xasprintf("%s,mac=%s", spec,
				       json_object_get_string(mac));

		free(spec);
		spec = more;
	}
	if (json_object_object_get_ex(o, "link", &link)) {
		char *more = xasprintf("%s,link=%s", spec,
				       json_object_get_string(link));

		free(spec);
		spec = more;
	}
	return config_parse_net(spec, n, e);
}

/* {"name": NAME, "socket": "unix:PATH" or "fd:N"} (no socket: none) */
static int json_channel(json_object *o, struct config_channel *ch,
			struct err **e)
{
	_cleanup_free_ char *spec = NULL;
	json_object *name, *sock = NULL;

	if (want(o, json_type_object, "channels[]", e) < 0)
		return -EINVAL;
	json_object_object_foreach (o, key, v) {
		(void)v;
		if (!streq(key, "name") && !streq(key, "socket"))
			return err_set(e, EINVAL, "unknown channel key '%s'",
				       key);
	}
	if (!json_object_object_get_ex(o, "name", &name) ||
	    want(name, json_type_string, "name", e) < 0)
		return err_set(e, EINVAL, "a channel has no \"name\" string");
	if (json_object_object_get_ex(o, "socket", &sock) &&
	    want(sock, json_type_string, "socket", e) < 0)
		return -EINVAL;
	spec = xasprintf("%s%s%s", json_object_get_string(name),
			 sock ? "," : "",
			 sock ? json_object_get_string(sock) : "");
	return config_parse_channel(spec, ch, e);
}

static int json_channels(json_object *v, struct vm_config *c, struct err **e)
{
	if (want(v, json_type_array, "channels", e) < 0)
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		if (c->n_channels == CONFIG_MAX_CHANNELS)
			return err_set(e, E2BIG, "too many channels (%d)",
				       CONFIG_MAX_CHANNELS);
		if (json_channel(json_object_array_get_idx(v, i),
				 &c->channels[c->n_channels], e) < 0)
			return -EINVAL;
		c->n_channels++;
	}
	return 0;
}

static int json_list(json_object *v, const char *key, struct vm_config *c,
		     struct err **e)
{
	size_t n;

	if (want(v, json_type_array, key, e) < 0)
		return -EINVAL;
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *x = json_object_array_get_idx(v, i);
		int r;

		if (streq(key, "disks")) {
			if (c->n_disks == CONFIG_MAX_DISKS)
				return err_set(e, E2BIG, "too many disks");
			r = json_disk(x, &c->disks[c->n_disks], e);
			c->n_disks += r == 0 || c->disks[c->n_disks].path;
		} else {
			if (c->n_nets == CONFIG_MAX_NETS)
				return err_set(e, E2BIG, "too many nets");
			r = json_net(x, &c->nets[c->n_nets], e);
			c->n_nets += r == 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* "sandbox": {"enabled": true, "uid": N, "gid": N} */
static int json_sandbox(json_object *o, struct sandbox_opts *s, struct err **e)
{
	if (want(o, json_type_object, "sandbox", e) < 0)
		return -EINVAL;
	json_object_object_foreach (o, key, v) {
		int64_t n;

		if (streq(key, "enabled")) {
			if (want(v, json_type_boolean, key, e) < 0)
				return -EINVAL;
			s->enabled = json_object_get_boolean(v);
			continue;
		}
		if (!streq(key, "uid") && !streq(key, "gid"))
			return err_set(e, EINVAL, "unknown sandbox key '%s'",
				       key);
		if (want(v, json_type_int, key, e) < 0)
			return -EINVAL;
		n = json_object_get_int64(v);
		if (n <= 0 || n >= UINT32_MAX)
			return err_set(e, EINVAL,
				       "sandbox %s must be 1 to 4294967294",
				       key);
		if (streq(key, "uid"))
			s->uid = (uid_t)n;
		else
			s->gid = (gid_t)n;
	}
	if (!s->uid != !s->gid)
		return err_set(e, EINVAL, "sandbox: give both uid and gid");
	return 0;
}

static int json_key(const char *key, json_object *v, struct vm_config *c,
		    struct err **e)
{
	if (streq(key, "sandbox"))
		return json_sandbox(v, &c->sandbox, e);
	if (streq(key, "kernel"))
		return set_str(&c->kernel, v, key, e);
	if (streq(key, "initrd"))
		return set_str(&c->initrd, v, key, e);
	if (streq(key, "cmdline"))
		return set_str(&c->cmdline, v, key, e);
	if (streq(key, "exit_file"))
		return set_str(&c->exit_file, v, key, e);
	if (streq(key, "api")) {
		const char *s = json_object_get_string(v);

		if (!s || !str_has_prefix(s, "unix:") || !s[5])
			return err_set(e, EINVAL, "\"api\" must be unix:PATH");
		free(c->api_path);
		c->api_path = xstrdup(s + 5);
		return 0;
	}
	if (streq(key, "cpus")) {
		if (want(v, json_type_int, key, e) < 0)
			return -EINVAL;
		int64_t n = json_object_get_int64(v);
		c->cpus = n < 0 || n > 1024 ? 0 : (unsigned)n;
		return 0;
	}
	if (streq(key, "max_cpus")) {
		if (want(v, json_type_int, key, e) < 0)
			return -EINVAL;
		int64_t n = json_object_get_int64(v);
		c->max_cpus = n < 1 || n > 1024 ? 1025 : (unsigned)n;
		return 0;
	}
	if (streq(key, "memory")) {
		if (json_object_is_type(v, json_type_int))
			return config_parse_memory(json_object_get_string(v),
						   &c->mem_size, e);
		if (want(v, json_type_string, key, e) < 0)
			return -EINVAL;
		return config_parse_memory(json_object_get_string(v),
					   &c->mem_size, e);
	}
	if (streq(key, "hugepages"))
		return c->hugepages = json_object_get_boolean(v), 0;
	if (streq(key, "mem_merge"))
		return c->no_mem_merge = !json_object_get_boolean(v), 0;
	if (streq(key, "rng"))
		return c->virtio_rng = json_object_get_boolean(v), 0;
	if (streq(key, "balloon"))
		return c->balloon = json_object_get_boolean(v), 0;
	if (streq(key, "balloon_deflate_on_oom"))
		return c->balloon_deflate = json_object_get_boolean(v), 0;
	if (streq(key, "virtio_console"))
		return c->virtio_console = json_object_get_boolean(v), 0;
	if (streq(key, "paused")) {
		if (want(v, json_type_boolean, key, e) < 0)
			return -EINVAL;
		return c->paused = json_object_get_boolean(v), 0;
	}
	if (streq(key, "console"))
		return config_parse_console(json_object_get_string(v), c, e);
	if (streq(key, "console_log"))
		return config_parse_console_log(json_object_get_string(v), c,
						e);
	if (streq(key, "disks") || streq(key, "nets"))
		return json_list(v, key, c, e);
	if (streq(key, "channels"))
		return json_channels(v, c, e);
	return err_set(e, EINVAL, "unknown key '%s'", key);
}

int config_load_json_text(const char *text, const char *what,
			  struct vm_config *c, struct err **e)
{
	enum json_tokener_error jerr;
	json_object *root = json_tokener_parse_verbose(text, &jerr);
	int r = 0;

	if (!root)
		return err_set(e, EINVAL, "config '%s' is not JSON: %s", what,
			       json_tokener_error_desc(jerr));
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return err_set(e, EINVAL, "config '%s' is not a JSON object",
			       what);
	}
	json_object_object_foreach (root, key, v) {
		r = json_key(key, v, c, e);
		if (r < 0)
			break;
	}
	json_object_put(root);
	if (r < 0)
		return err_prefix(e, "config '%s'", what);
	return 0;
}

int config_load_json(const char *path, struct vm_config *c, struct err **e)
{
	_cleanup_free_ char *text = NULL;
	int r = file_read_all(path, CONFIG_FILE_MAX, &text, NULL, e);

	if (r < 0)
		return err_prefix(e, "reading config");
	return config_load_json_text(text, path, c, e);
}

static void put_str(json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *disk_json(const struct config_disk *d)
{
	static const char *const formats[] = {NULL, "raw", "qcow2"};
	json_object *o = json_object_new_object(), *io = NULL;
	struct throttle_limits l = d->iotune;
	static const char *const names[] = {
		"total_bytes_sec", "read_bytes_sec", "write_bytes_sec",
		"total_iops_sec",  "read_iops_sec",  "write_iops_sec"};

	put_str(o, "path", d->path);
	put_str(o, "format", formats[d->format]);
	put_str(o, "serial", d->serial);
	json_object_object_add(o, "readonly",
			       json_object_new_boolean(d->readonly));
	json_object_object_add(o, "shared", json_object_new_boolean(d->shared));
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		uint64_t v = *config_iotune_field(&l, names[i]);

		if (!v)
			continue;
		if (!io)
			io = json_object_new_object();
		json_object_object_add(io, names[i],
				       json_object_new_int64((int64_t)v));
	}
	if (io)
		json_object_object_add(o, "iotune", io);
	return o;
}

static json_object *net_json(const struct config_net *n)
{
	json_object *o = json_object_new_object();
	char mac[18];

	put_str(o, "tap", n->tap);
	if (n->has_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
			 n->mac[5]);
		put_str(o, "mac", mac);
	}
	if (n->link_down)
		put_str(o, "link", "down");
	return o;
}

char *config_to_json(const struct vm_config *c)
{
	json_object *o = json_object_new_object(), *a;
	_cleanup_free_ char *mem = NULL;
	char *out;

	put_str(o, "kernel", c->kernel);
	put_str(o, "initrd", c->initrd);
	put_str(o, "cmdline", c->cmdline);
	json_object_object_add(o, "cpus", json_object_new_int((int)c->cpus));
	if (c->max_cpus > c->cpus)
		json_object_object_add(o, "max_cpus",
				       json_object_new_int((int)c->max_cpus));
	mem = xasprintf("%lluK", (unsigned long long)(c->mem_size >> 10));
	put_str(o, "memory", mem);
	json_object_object_add(o, "hugepages",
			       json_object_new_boolean(c->hugepages));
	if (c->no_mem_merge)
		json_object_object_add(o, "mem_merge",
				       json_object_new_boolean(false));
	json_object_object_add(o, "rng",
			       json_object_new_boolean(c->virtio_rng));
	json_object_object_add(o, "virtio_console",
			       json_object_new_boolean(c->virtio_console));
	if (c->balloon) {
		json_object_object_add(o, "balloon",
				       json_object_new_boolean(true));
		json_object_object_add(
			o, "balloon_deflate_on_oom",
			json_object_new_boolean(c->balloon_deflate));
	}
	a = json_object_new_array();
	for (unsigned i = 0; i < c->n_disks; i++)
		json_object_array_add(a, disk_json(&c->disks[i]));
	json_object_object_add(o, "disks", a);
	a = json_object_new_array();
	for (unsigned i = 0; i < c->n_nets; i++)
		json_object_array_add(a, net_json(&c->nets[i]));
	json_object_object_add(o, "nets", a);
	if (c->n_channels) {
		a = json_object_new_array();
		for (unsigned i = 0; i < c->n_channels; i++) {
			json_object *ch = json_object_new_object();

			put_str(ch, "name", c->channels[i].name);
			json_object_array_add(a, ch);
		}
		json_object_object_add(o, "channels", a);
	}
	out = xstrdup(
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}
