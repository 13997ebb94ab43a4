// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nidod.conf (nidod-conf.h): a small tokenizer for libvirtd.conf's
 * syntax, then one setter per key that checks its value.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdlib.h>

#include "daemon/nidod-conf.h"
#include "lib/file.h"
#include "lib/size.h"

/* Largest nidod.conf read. */
#define CONF_MAX (1u << 20)

enum value_type { V_INT, V_STR, V_LIST };

struct value {
	enum value_type type;
	long long i;
	char *s;     /* V_STR */
	char **list; /* V_LIST, NULL-terminated */
	size_t n;
};

struct parser {
	const char *p, *end;
	unsigned line;
};

static void value_release(struct value *v)
{
	free(v->s);
	for (size_t i = 0; i < v->n; i++)
		free(v->list[i]);
	free(v->list);
	memset(v, 0, sizeof(*v));
}

/* Skips blanks and comments; across newlines when @lines. */
static void skip_space(struct parser *ps, bool lines)
{
	while (ps->p < ps->end) {
		if (*ps->p == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else if (*ps->p == '\n' && lines) {
			ps->line++;
			ps->p++;
		} else if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r') {
			ps->p++;
		} else {
			break;
		}
	}
}

static int parse_string(struct parser *ps, char **out, struct err **e)
{
	const char *start = ++ps->p;
	char *s, *d;

	while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\n') {
		if (*ps->p == '\\' && ps->p + 1 < ps->end)
			ps->p++;
		ps->p++;
	}
	if (ps->p >= ps->end || *ps->p != '"')
		return err_set(e, EINVAL, "unterminated string");
	s = d = xstrndup(start, (size_t)(ps->p - start));
	for (const char *q = s; *q; q++) {
		if (*q == '\\' && q[1])
			q++;
		*d++ = *q;
	}
	*d = '\0';
	ps->p++;
	*out = s;
	return 0;
}

static int parse_int(struct parser *ps, long long *out, struct err **e)
{
	char *end;
	char buf[32];
	size_t n = 0;

	while (ps->p + n < ps->end && n < sizeof(buf) - 1 &&
	       (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '-'))
		n++;
	memcpy(buf, ps->p, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtoll(buf, &end, 10);
	if (n == 0 || errno || *end)
		return err_set(e, EINVAL,
			       "expected an integer, a \"string\" or a "
			       "[list], got '%s'",
			       buf);
	ps->p += n;
	return 0;
}

static int parse_list(struct parser *ps, struct value *v, struct err **e)
{
	ps->p++;
	v->type = V_LIST;
	v->list = xcalloc(1, sizeof(char *));
	for (;;) {
		skip_space(ps, true);
		if (ps->p < ps->end && *ps->p == ']' && v->n == 0)
			break;
		if (ps->p >= ps->end || *ps->p != '"')
			return err_set(e, EINVAL, "a list holds \"strings\"");
		v->list = xrealloc(v->list, (v->n + 2) * sizeof(char *));
		v->list[v->n + 1] = NULL;
		if (parse_string(ps, &v->list[v->n], e) < 0)
			return -EINVAL;
		v->n++;
		skip_space(ps, true);
		if (ps->p < ps->end && *ps->p == ',')
			ps->p++;
		else if (ps->p < ps->end && *ps->p == ']')
			break;
		else
			return err_set(e, EINVAL,
				       "expected ',' or ']' in a "
				       "list");
	}
	ps->p++;
	return 0;
}

static int parse_value(struct parser *ps, struct value *v, struct err **e)
{
	memset(v, 0, sizeof(*v));
	if (ps->p < ps->end && *ps->p == '"') {
		v->type = V_STR;
		return parse_string(ps, &v->s, e);
	}
	if (ps->p < ps->end && *ps->p == '[')
		return parse_list(ps, v, e);
	v->type = V_INT;
	return parse_int(ps, &v->i, e);
}

/* The setters: each checks its value. */

static int want_int(const struct value *v, long long lo, long long hi,
		    struct err **e)
{
	if (v->type != V_INT || v->i < lo || v->i > hi)
		return err_set(e, EINVAL,
			       "expected an integer from %lld to %lld", lo, hi);
	return 0;
}

static int want_str(const struct value *v, struct err **e)
{
	if (v->type != V_STR || !v->s[0])
		return err_set(e, EINVAL, "expected a non-empty \"string\"");
	return 0;
}

static int set_max_clients(struct nidod_conf *c, struct value *v,
			   struct err **e)
{
	if (want_int(v, 1, 1000000, e) < 0)
		return -EINVAL;
	c->limits.max_clients = (unsigned)v->i;
	return 0;
}

static int set_idle(struct nidod_conf *c, struct value *v, struct err **e)
{
	if (want_int(v, 1, 86400, e) < 0)
		return -EINVAL;
	c->limits.idle_timeout_s = (unsigned)v->i;
	return 0;
}

static int set_request(struct nidod_conf *c, struct value *v, struct err **e)
{
	if (want_int(v, 1, 3600, e) < 0)
		return -EINVAL;
	c->limits.request_timeout_s = (unsigned)v->i;
	return 0;
}

static int set_handshake(struct nidod_conf *c, struct value *v, struct err **e)
{
	if (want_int(v, 1, 3600, e) < 0)
		return -EINVAL;
	c->tls_handshake_timeout = (unsigned)v->i;
	return 0;
}

static int set_storage_job(struct nidod_conf *c, struct value *v,
			   struct err **e)
{
	if (want_int(v, 1, 3600, e) < 0)
		return -EINVAL;
	c->storage_job_timeout = (unsigned)v->i;
	return 0;
}

static int set_memory(struct nidod_conf *c, struct value *v, struct err **e)
{
	uint64_t bytes;

	if (v->type == V_INT && v->i >= 0)
		bytes = (uint64_t)v->i;
	else if (v->type != V_STR || size_parse(v->s, &bytes, e) < 0)
		return err_set(e, EINVAL, "expected a size (\"16MiB\")");
	if (bytes < RPC_MIN_CLIENT_MEM || bytes > (1ull << 34))
		return err_set(e, EINVAL,
			       "expected a size from 2 MiB to 16 GiB");
	c->limits.max_client_mem = (size_t)bytes;
	return 0;
}

static int set_group(struct nidod_conf *c, struct value *v, struct err **e)
{
	struct group *g;
	char *end;
	unsigned long n;

	if (want_str(v, e) < 0)
		return -EINVAL;
	errno = 0;
	g = getgrnam(v->s);
	if (g) {
		c->unix_sock_group = g->gr_gid;
		return 0;
	}
	n = strtoul(v->s, &end, 10);
	if (!*end && n < (gid_t)-1) {
		c->unix_sock_group = (gid_t)n;
		return 0;
	}
	return err_set(e, ENOENT, "no group '%s'", v->s);
}

static int parse_perms(const struct value *v, mode_t *out, struct err **e)
{
	char *end;
	unsigned long n;

	if (v->type != V_STR)
		return err_set(e, EINVAL,
			       "expected an octal mode as a string "
			       "(\"0770\")");
	errno = 0;
	n = strtoul(v->s, &end, 8);
	if (errno || end == v->s || *end || n > 0777)
		return err_set(e, EINVAL,
			       "expected an octal mode from 0000 to "
			       "0777, got '%s'",
			       v->s);
	*out = (mode_t)n;
	return 0;
}

static int set_rw_perms(struct nidod_conf *c, struct value *v, struct err **e)
{
	return parse_perms(v, &c->unix_sock_rw_perms, e);
}

static int set_ro_perms(struct nidod_conf *c, struct value *v, struct err **e)
{
	return parse_perms(v, &c->unix_sock_ro_perms, e);
}

static int set_listen_tls(struct nidod_conf *c, struct value *v, struct err **e)
{
	if (want_int(v, 0, 1, e) < 0)
		return -EINVAL;
	c->listen_tls = v->i;
	return 0;
}

static int set_register(struct nidod_conf *c, struct value *v, struct err **e)
{
	if (want_int(v, 0, 1, e) < 0)
		return -EINVAL;
	c->register_machines = v->i;
	return 0;
}

static int set_tls_port(struct nidod_conf *c, struct value *v, struct err **e)
{
	char *end;
	long n = -1;

	if (v->type == V_INT)
		n = (long)v->i;
	else if (v->type == V_STR)
		n = strtol(v->s, &end, 10), n = *end ? -1 : n;
	if (n < 1 || n > 65535)
		return err_set(e, EINVAL, "expected a port from 1 to 65535");
	c->tls_port = (unsigned)n;
	return 0;
}

static int take_str(char **dst, struct value *v, struct err **e)
{
	if (want_str(v, e) < 0)
		return -EINVAL;
	free(*dst);
	*dst = steal_ptr(v->s);
	return 0;
}

static int set_listen_addr(struct nidod_conf *c, struct value *v,
			   struct err **e)
{
	return take_str(&c->listen_addr, v, e);
}

static int set_ca(struct nidod_conf *c, struct value *v, struct err **e)
{
	return take_str(&c->ca_file, v, e);
}

static int set_cert(struct nidod_conf *c, struct value *v, struct err **e)
{
	return take_str(&c->cert_file, v, e);
}

static int set_key(struct nidod_conf *c, struct value *v, struct err **e)
{
	return take_str(&c->key_file, v, e);
}

static int set_dn_list(struct nidod_conf *c, struct value *v, struct err **e)
{
	if (v->type != V_LIST)
		return err_set(e, EINVAL, "expected a [\"list\", \"of DNs\"]");
	for (size_t i = 0; c->tls_allowed_dn_list && c->tls_allowed_dn_list[i];
	     i++)
		free(c->tls_allowed_dn_list[i]);
	free(c->tls_allowed_dn_list);
	c->tls_allowed_dn_list = steal_ptr(v->list);
	v->n = 0;
	return 0;
}

static const struct {
	const char *key;
	int (*set)(struct nidod_conf *c, struct value *v, struct err **e);
} keys[] = {
	{"max_clients", set_max_clients},
	{"client_idle_timeout", set_idle},
	{"client_request_timeout", set_request},
	{"client_max_memory", set_memory},
	{"unix_sock_group", set_group},
	{"unix_sock_rw_perms", set_rw_perms},
	{"unix_sock_ro_perms", set_ro_perms},
	{"listen_tls", set_listen_tls},
	{"tls_port", set_tls_port},
	{"listen_addr", set_listen_addr},
	{"ca_file", set_ca},
	{"cert_file", set_cert},
	{"key_file", set_key},
	{"tls_allowed_dn_list", set_dn_list},
	{"tls_handshake_timeout", set_handshake},
	{"register_machines", set_register},
	{"storage_job_timeout", set_storage_job},
};

void nidod_conf_init(struct nidod_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->unix_sock_group = (gid_t)-1;
	c->unix_sock_rw_perms = 0600;
	c->unix_sock_ro_perms = 0777;
	c->tls_port = NIDOD_DEFAULT_TLS_PORT;
	c->tls_handshake_timeout = 10;
	c->register_machines = true;
	c->storage_job_timeout = 60;
}

/* One `key = value` entry; @warned gets the unknown keys. */
static int parse_entry(struct parser *ps, struct nidod_conf *c,
		       void (*warn)(const char *msg), const char *path,
		       struct err **e)
{
	const char *k = ps->p;
	_cleanup_free_ char *key = NULL;
	struct value v;
	size_t i;
	int r;

	while (ps->p < ps->end &&
	       (isalnum((unsigned char)*ps->p) || *ps->p == '_'))
		ps->p++;
	key = xstrndup(k, (size_t)(ps->p - k));
	skip_space(ps, false);
	if (!key[0] || ps->p >= ps->end || *ps->p != '=')
		return err_set(e, EINVAL, "expected 'key = value'");
	ps->p++;
	skip_space(ps, false);
	if (parse_value(ps, &v, e) < 0) {
		value_release(&v);
		return err_prefix(e, "%s", key);
	}
	for (i = 0; i < ARRAY_SIZE(keys) && !streq(keys[i].key, key); i++)
		;
	if (i == ARRAY_SIZE(keys)) {
		_cleanup_free_ char *msg = xasprintf(
			"%s:%u: unknown key '%s' ignored", path, ps->line, key);
		if (warn)
			warn(msg);
		r = 0;
	} else if ((r = keys[i].set(c, &v, e)) < 0) {
		err_prefix(e, "%s", key);
	}
	value_release(&v);
	return r;
}

static int parse_text(struct nidod_conf *c, const char *text, size_t len,
		      const char *path, void (*warn)(const char *msg),
		      struct err **e)
{
	struct parser ps = {.p = text, .end = text + len, .line = 1};

	for (;;) {
		skip_space(&ps, true);
		if (ps.p >= ps.end)
			return 0;
		if (parse_entry(&ps, c, warn, path, e) < 0)
			return err_prefix(e, "'%s' line %u", path, ps.line);
		skip_space(&ps, false);
		if (ps.p < ps.end && *ps.p != '\n')
			return err_set(e, EINVAL,
				       "'%s' line %u: unexpected '%c' after "
				       "the value",
				       path, ps.line, *ps.p);
	}
}

int nidod_conf_load(struct nidod_conf *c, const char *path, bool must_exist,
		    void (*warn)(const char *msg), struct err **e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = file_read_all(path, CONF_MAX, &text, &len, e);

	if (r == -ENOENT && !must_exist) {
		err_free(steal_ptr(*e));
		return 0;
	}
	if (r < 0)
		return r;
	if (memchr(text, '\0', len))
		return err_set(e, EINVAL, "'%s': a NUL byte in the file", path);
	return parse_text(c, text, len, path, warn, e);
}

char *nidod_conf_default_path(bool system)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (system)
		return xstrdup(NIDOD_CONF_SYSTEM_PATH);
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/nido/nidod.conf", xdg);
	if (home && home[0] == '/')
		return xasprintf("%s/.config/nido/nidod.conf", home);
	return NULL;
}

void nidod_conf_release(struct nidod_conf *c)
{
	for (size_t i = 0; c->tls_allowed_dn_list && c->tls_allowed_dn_list[i];
	     i++)
		free(c->tls_allowed_dn_list[i]);
	free(c->tls_allowed_dn_list);
	free(c->listen_addr);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	memset(c, 0, sizeof(*c));
}
