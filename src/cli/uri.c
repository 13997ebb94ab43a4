// SPDX-License-Identifier: GPL-2.0-or-later
/* Connection URIs (uri.h). */
#include <errno.h>
#include <stdlib.h>

#include "cli/uri.h"

static const struct {
	const char *scheme;
	enum uri_transport t;
} schemes[] = {
	{"nido", URI_LOCAL},
	{"nido+unix", URI_UNIX},
	{"nido+tls", URI_TLS},
	{"nido+ssh", URI_SSH},
};

static int parse_scheme(const char *s, size_t n, struct nido_uri *u)
{
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (strlen(schemes[i].scheme) == n &&
		    !strncmp(schemes[i].scheme, s, n)) {
			u->transport = schemes[i].t;
			return 0;
		}
	return -EINVAL;
}

/* [USER@]HOST[:PORT], HOST possibly [IPv6]. */
static int parse_authority(char *a, struct nido_uri *u)
{
	char *at = strchr(a, '@'), *colon, *end;
	unsigned long port;

	if (at) {
		*at = '\0';
		u->user = xstrdup(a);
		a = at + 1;
	}
	if (*a == '[') {
		end = strchr(a, ']');
		if (!end)
			return -EINVAL;
		u->host = xstrndup(a + 1, (size_t)(end - a - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -EINVAL;
	} else {
		colon = strchr(a, ':');
		u->host = colon ? xstrndup(a, (size_t)(colon - a)) : xstrdup(a);
	}
	if (colon) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || port == 0 || port > 65535)
			return -EINVAL;
		u->port = (unsigned)port;
	}
	return 0;
}

static int set_param(struct nido_uri *u, const char *key, const char *val)
{
	char **dst = NULL;

	if (streq(key, "socket"))
		dst = &u->socket;
	else if (streq(key, "pkipath"))
		dst = &u->pkipath;
	else if (streq(key, "keyfile"))
		dst = &u->keyfile;
	else if (streq(key, "known_hosts"))
		dst = &u->known_hosts;
	else if (streq(key, "no_verify"))
		return u->no_verify = streq(val, "1"), 0;
	if (!dst || !*val)
		return -EINVAL;
	free(*dst);
	*dst = xstrdup(val);
	return 0;
}

static int parse_query(char *q, struct nido_uri *u, struct err **e)
{
	char *save = NULL;

	for (char *kv = strtok_r(q, "&", &save); kv;
	     kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq = '\0';
		if (set_param(u, kv, eq ? eq + 1 : "") < 0)
			return err_set(e, EINVAL,
				       "unsupported URI parameter '%s' (known: "
				       "socket, pkipath, keyfile, known_hosts, "
				       "no_verify)",
				       kv);
	}
	return 0;
}

static int parse(char *s, struct nido_uri *u, struct err **e)
{
	char *sep = strstr(s, "://"), *path, *query;

	if (!sep || parse_scheme(s, (size_t)(sep - s), u) < 0)
		return -EINVAL;
	s = sep + 3;
	path = strchr(s, '/');
	if (!path)
		return -EINVAL;
	query = strchr(path, '?');
	if (query)
		*query++ = '\0';
	if (streq(path, "/system"))
		u->system = true;
	else if (!streq(path, "/session"))
		return -EINVAL;
	*path = '\0';
	if ((u->transport == URI_TLS || u->transport == URI_SSH) != (*s != 0))
		return -EINVAL; /* a host for remote transports, only there */
	if (*s && parse_authority(s, u) < 0)
		return -EINVAL;
	if (query && parse_query(query, u, e) < 0)
		return -EINVAL;
	return 0;
}

int uri_parse(const char *text, struct nido_uri *u, struct err **e)
{
	_cleanup_free_ char *copy = xstrdup(text);
	int r;

	memset(u, 0, sizeof(*u));
	r = parse(copy, u, e);
	if (r == 0)
		return 0;
	uri_release(u);
	if (e && *e)
		return err_prefix(e, "URI '%s'", text);
	return err_set(e, EINVAL,
		       "unsupported URI '%s' (expected nido:///system, "
		       "nido:///session, nido+unix:///system?socket=PATH, "
		       "nido+tls://HOST/system or nido+ssh://USER@HOST/system)",
		       text);
}

void uri_release(struct nido_uri *u)
{
	free(u->user);
	free(u->host);
	free(u->socket);
	free(u->pkipath);
	free(u->keyfile);
	free(u->known_hosts);
	memset(u, 0, sizeof(*u));
}
