// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest agent's <channel> (domain_conf_channel.h). The socket's
 * path is checked here for its shape only; whether nidod may bind it
 * (a socket, or nothing, in a directory only root writes) is decided at
 * start (driver-qemu-agent.c), when it is used.
 */
#include <errno.h>

#include "daemon/domain_conf_channel.h"

/* Longest socket path (struct sockaddr_un's sun_path, with its NUL). */
#define CHANNEL_PATH_MAX 107

/* <source mode='bind' path=>: bind only (nidod listens for QEMU). */
static int parse_source(const xmlNode *s, struct domain_channel *ch,
			struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(s, "mode");
	char *path = xml_attr(s, "path");

	xml_check_known(s, (const char *const[]){"mode", "path", NULL}, NULL,
			w);
	if (mode && !streq(mode, "bind")) {
		free(path);
		return xml_err(e, s,
			       "channel source mode '%s' not supported "
			       "(bind: nidod makes the socket)",
			       mode);
	}
	ch->path = path;
	if (!path)
		return 0;
	if (path[0] != '/' || strlen(path) > CHANNEL_PATH_MAX ||
	    strstr(path, "/..") || strstr(path, "//") ||
	    path[strlen(path) - 1] == '/')
		return xml_err(e, s,
			       "channel source path '%s': not an absolute "
			       "path to a socket of at most %d characters "
			       "without '..'",
			       path, CHANNEL_PATH_MAX);
	return 0;
}

static int parse_target(const xmlNode *c, struct domain_channel *ch,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *t = xml_child(c, "target");
	_cleanup_free_ char *type = t ? xml_attr(t, "type") : NULL;

	if (!type)
		return xml_err(e, t ? t : c,
			       "<channel> without <target type='virtio'>");
	/* state= is what a running domain's XML shows: not an input */
	xml_check_known(t, (const char *const[]){"type", "name", "state", NULL},
			NULL, w);
	if (!streq(type, "virtio"))
		return xml_err(e, t,
			       "channel target type '%s' not supported "
			       "(virtio, for the guest agent)",
			       type);
	ch->name = xml_attr(t, "name");
	if (!ch->name || !streq(ch->name, DOMAIN_AGENT_CHANNEL))
		return xml_err(e, t,
			       "channel '%s' not supported: the one virtio "
			       "channel nido gives a guest is the guest "
			       "agent's (name='" DOMAIN_AGENT_CHANNEL "')",
			       ch->name ? ch->name : "");
	return 0;
}

static int parse_channel(const xmlNode *c, struct domain_channel *ch,
			 struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(c, "type");
	const xmlNode *src = xml_child(c, "source");
	const xmlNode *addr = xml_child(c, "address");

	if (!type || !streq(type, "unix"))
		return xml_err(e, c,
			       "channel type '%s' not supported (unix, for "
			       "the guest agent)",
			       type ? type : "");
	xml_check_known(c, (const char *const[]){"type", NULL},
			(const char *const[]){"source", "target", "address",
					      "alias", NULL},
			w);
	if (addr)
		xml_warn(w, addr,
			 "<channel> <address>: not acted on (QEMU places "
			 "the port on its virtio-serial controller)");
	if (src && parse_source(src, ch, w, e) < 0)
		return -EINVAL;
	return parse_target(c, ch, w, e);
}

int domain_parse_channel_device(const xmlNode *c, struct domain_def *d,
				struct xml_warnings *w, struct err **e)
{
	struct domain_channel *ch;

	if (!streq((const char *)c->name, "channel"))
		return 0;
	if (d->n_channels)
		return xml_err(e, c,
			       "a second <channel>: one, the guest agent's");
	d->channels = xcalloc(1, sizeof(*d->channels));
	ch = &d->channels[d->n_channels++];
	return parse_channel(c, ch, w, e) < 0 ? -EINVAL : 1;
}

void domain_format_channels(FILE *f, const struct domain_def *d, bool active)
{
	for (size_t i = 0; i < d->n_channels; i++) {
		const struct domain_channel *ch = &d->channels[i];

		fputs("    <channel type='unix'>\n      <source mode='bind'",
		      f);
		if (ch->path) {
			fputs(" path='", f);
			xml_escape_attr(f, ch->path);
			fputc('\'', f);
		}
		fputs("/>\n      <target type='virtio' name='", f);
		xml_escape_attr(f, ch->name);
		fputc('\'', f);
		if (active && ch->state_live)
			fprintf(f, " state='%s'",
				ch->state_live == DOMAIN_TRISTATE_ON
					? "connected"
					: "disconnected");
		fputs("/>\n    </channel>\n", f);
	}
}

void domain_channels_clear(struct domain_def *d)
{
	for (size_t i = 0; i < d->n_channels; i++) {
		free(d->channels[i].path);
		free(d->channels[i].name);
	}
	free(d->channels);
	d->channels = NULL;
	d->n_channels = 0;
}
