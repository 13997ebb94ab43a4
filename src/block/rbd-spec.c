// SPDX-License-Identifier: GPL-2.0-or-later
/* rbd-spec.h: "rbd:POOL[/NS]/IMAGE[@SNAP][:opt=val]..." parsed and made. */
#include <errno.h>
#include <stdio.h>

#include "block/rbd.h"
#include "lib/util.h"

#define RBD_NAME_MAX  255
#define RBD_VALUE_MAX 4000

bool rbd_spec_is(const char *path)
{
	return path && strncmp(path, RBD_PREFIX, strlen(RBD_PREFIX)) == 0;
}

int rbd_unsupported(const char *what, struct err **e)
{
	return err_set(e, ENOTSUP,
		       "%s: this nido was built without rbd support (librbd, "
		       "Debian's librbd-dev, was not found)",
		       what);
}

void rbd_spec_clear(struct rbd_spec *s)
{
	free(s->pool);
	free(s->ns);
	free(s->image);
	free(s->snap);
	free(s->conf);
	free(s->id);
	free(s->mon_host);
	free(s->auth);
	memset(s, 0, sizeof(*s));
}

int rbd_name_check(const char *what, const char *name, struct err **e)
{
	size_t n = strlen(name);

	if (n == 0 || n > RBD_NAME_MAX)
		return err_set(e, EINVAL,
			       "rbd %s '%.64s' must be 1 to %d bytes", what,
			       name, RBD_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '/' || name[i] == '@')
			return err_set(
				e, EINVAL,
				"rbd %s '%.64s' has a control character, "
				"'/' or '@'",
				what, name);
	return 0;
}

/*
 * The next token of *@p up to one of @stops (unescaped), malloc'ed into
 * *@out with escapes removed; *@p left on the stop (or the end). *@stop
 * gets the character that ended it ('\0' at the end).
 */
static int next_token(const char **p, const char *stops, char **out, char *stop,
		      struct err **e)
{
	const char *s = *p;
	char *o = xmalloc(strlen(s) + 1), *w = o;

	while (*s && !strchr(stops, *s)) {
		if (*s == '\\') {
			if (!s[1]) {
				free(o);
				return err_set(e, EINVAL,
					       "rbd image name ends with '\\'");
			}
			s++;
		}
		*w++ = *s++;
	}
	*w = '\0';
	*stop = *s;
	*p = s;
	*out = o;
	return 0;
}

static int set_option(struct rbd_spec *s, const char *key, char *value,
		      struct err **e)
{
	char **slot = streq(key, "conf")	     ? &s->conf
		      : streq(key, "id")	     ? &s->id
		      : streq(key, "mon_host")	     ? &s->mon_host
		      : streq(key, "auth_supported") ? &s->auth
						     : NULL;

	if (streq(key, "key") || streq(key, "keyfile")) {
		free(value);
		return err_set(e, ENOTSUP,
			       "rbd option '%s' is not supported: nido takes "
			       "no secret on a command line (name a keyring "
			       "in ceph.conf)",
			       key);
	}
	if (!slot) {
		free(value);
		return err_set(e, ENOTSUP,
			       "rbd option '%.64s' is not supported (conf, id, "
			       "mon_host, auth_supported)",
			       key);
	}
	if (*slot) {
		free(value);
		return err_set(e, EINVAL, "rbd option '%s' given twice", key);
	}
	*slot = value;
	if (!**slot || strlen(*slot) > RBD_VALUE_MAX)
		return err_set(e, EINVAL,
			       "rbd option '%s' must be 1 to %d bytes", key,
			       RBD_VALUE_MAX);
	for (const char *c = *slot; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return err_set(
				e, EINVAL,
				"rbd option '%s' has a control character", key);
	if (slot == &s->auth && !streq(value, "none") && !streq(value, "cephx"))
		return err_set(e, ENOTSUP,
			       "rbd auth_supported '%.64s' is not supported "
			       "(none, cephx)",
			       value);
	if (slot == &s->conf && value[0] != '/')
		return err_set(
			e, EINVAL,
			"rbd option conf '%.64s' is not an absolute path",
			value);
	return 0;
}

static int parse_options(const char **p, struct rbd_spec *s, struct err **e)
{
	char stop = ':';

	while (stop == ':') {
		_cleanup_free_ char *key = NULL;
		char *value = NULL;
		int r;

		(*p)++; /* the ':' */
		if ((r = next_token(p, "=:", &key, &stop, e)) < 0)
			return r;
		if (stop != '=')
			return err_set(e, EINVAL,
				       "rbd option '%.64s' has no '=VALUE'",
				       key);
		(*p)++;
		if ((r = next_token(p, ":", &value, &stop, e)) < 0)
			return r;
		if ((r = set_option(s, key, value, e)) < 0)
			return r;
	}
	return 0;
}

static int parse(const char *path, struct rbd_spec *s, struct err **e)
{
	const char *p = path + strlen(RBD_PREFIX);
	char *parts[3] = {NULL, NULL, NULL};
	int n = 0, r;
	char stop = '/';

	while (stop == '/' && n < 3) {
		if ((r = next_token(&p, "/@:", &parts[n++], &stop, e)) < 0)
			goto out;
		if (stop == '/')
			p++;
	}
	r = -EINVAL;
	if (stop == '/' || n < 2) {
		err_set(e, EINVAL,
			"'%.200s' is not an rbd image name "
			"(rbd:POOL[/NAMESPACE]/"
			"IMAGE[@SNAPSHOT][:OPTION=VALUE]...)",
			path);
		goto out;
	}
	s->pool = steal_ptr(parts[0]);
	s->ns = n == 3 ? steal_ptr(parts[1]) : NULL;
	s->image = steal_ptr(parts[n - 1]);
	if (stop == '@') {
		p++;
		if ((r = next_token(&p, ":", &s->snap, &stop, e)) < 0)
			goto out;
	}
	if ((r = rbd_name_check("pool", s->pool, e)) < 0 ||
	    (s->ns && (r = rbd_name_check("namespace", s->ns, e)) < 0) ||
	    (r = rbd_name_check("image", s->image, e)) < 0 ||
	    (s->snap && (r = rbd_name_check("snapshot", s->snap, e)) < 0))
		goto out;
	r = stop == ':' ? parse_options(&p, s, e) : 0;
out:
	for (int i = 0; i < 3; i++)
		free(parts[i]);
	return r;
}

int rbd_spec_parse(const char *path, struct rbd_spec *s, struct err **e)
{
	int r;

	memset(s, 0, sizeof(*s));
	if (!rbd_spec_is(path))
		return err_set(e, EINVAL, "'%.200s' does not start with 'rbd:'",
			       path);
	r = parse(path, s, e);
	if (r < 0)
		rbd_spec_clear(s);
	return r;
}

/* @v with '\' before every character the parser stops at. */
static void put_escaped(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (strchr("\\/@:=", *v))
			fputc('\\', f);
		fputc(*v, f);
	}
}

static void put_option(FILE *f, const char *key, const char *v)
{
	if (!v)
		return;
	fprintf(f, ":%s=", key);
	put_escaped(f, v);
}

char *rbd_spec_format(const struct rbd_spec *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fputs(RBD_PREFIX, f);
	put_escaped(f, s->pool);
	fputc('/', f);
	if (s->ns) {
		put_escaped(f, s->ns);
		fputc('/', f);
	}
	put_escaped(f, s->image);
	if (s->snap) {
		fputc('@', f);
		put_escaped(f, s->snap);
	}
	put_option(f, "conf", s->conf);
	put_option(f, "id", s->id);
	put_option(f, "mon_host", s->mon_host);
	put_option(f, "auth_supported", s->auth);
	fclose(f);
	return text;
}
