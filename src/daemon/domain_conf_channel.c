// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <channel>s (domain_conf_channel.h): virtio-serial ports on character
 * devices, the guest agent's among them. The host side is read as a
 * serial port's (domain_conf_chardev.c); paths are checked here for
 * their shape only: whether nidod may bind or open them is decided at
 * start (driver-qemu-agent.c, driver-qemu-chr.c), when they are used.
 */
#include <errno.h>

#include "daemon/domain_conf_channel.h"
#include "daemon/domain_conf_chardev.h"

struct domain_channel *domain_agent_channel(const struct domain_def *d)
{
	for (size_t i = 0; i < d->n_channels; i++)
		if (d->channels[i].type == CHARDEV_UNIX &&
		    d->channels[i].name &&
		    streq(d->channels[i].name, DOMAIN_AGENT_CHANNEL))
			return &d->channels[i];
	return NULL;
}

/* <address type='virtio-serial' controller= bus='0' port=>. */
static int parse_address(const xmlNode *a, struct domain_channel *ch,
			 struct err **e)
{
	_cleanup_free_ char *type = xml_attr(a, "type");
	_cleanup_free_ char *ctl = xml_attr(a, "controller");
	_cleanup_free_ char *bus = xml_attr(a, "bus");
	_cleanup_free_ char *port = xml_attr(a, "port");
	uint64_t v;

	if (!type || !streq(type, "virtio-serial"))
		return xml_err(e, a,
			       "<address type='%s'> not supported on "
			       "<channel> (virtio-serial)",
			       type ? type : "");
	if (bus && (xml_uint(a, "address bus", bus, 0, 0, &v, e) < 0))
		return -EINVAL;
	if (ctl && xml_uint(a, "address controller", ctl, 0, 255, &v, e) < 0)
		return -EINVAL;
	ch->controller = ctl ? (unsigned)v : 0;
	if (port && xml_uint(a, "address port", port, 0,
			     VIRTIO_SERIAL_PORTS - 1, &v, e) < 0)
		return -EINVAL;
	ch->port = port ? (unsigned)v : 0;
	ch->port_set = port != NULL;
	ch->addr_set = true;
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
	_cleanup_free_ char *state = t ? xml_attr(t, "state") : NULL;

	xml_check_known(t, (const char *const[]){"type", "name", "state", NULL},
			NULL, w);
	/* what a running domain's XML shows: not an input */
	if (state)
		xml_warn(w, t,
			 "attribute 'state' ('%s'): not acted on, the guest "
			 "opens its port",
			 state);
	if (!streq(type, "virtio"))
		return xml_err(e, t,
			       "channel target type '%s' not supported "
			       "(virtio: a virtio-serial port)",
			       type);
	ch->name = xml_attr(t, "name");
	if (ch->name && (!*ch->name || strlen(ch->name) > 128 ||
			 strpbrk(ch->name, ",\"'\\")))
		return xml_err(e, t,
			       "invalid channel name '%s' (1 to 128 "
			       "characters, no comma or quote)",
			       ch->name);
	return 0;
}

/* The agent's unix socket may be left to nidod (no <source>), and is
 * nidod's to listen on; the other channels' host side is a serial
 * port's. */
static bool xml_attr_present(const xmlNode *n, const char *name)
{
	_cleanup_free_ char *v = xml_attr(n, name);

	return v != NULL;
}

static int parse_source(const xmlNode *c, struct domain_channel *ch,
			struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(c, "type");
	bool agent = ch->name && streq(ch->name, DOMAIN_AGENT_CHANNEL) &&
		     type && streq(type, "unix");

	const xmlNode *src = xml_child(c, "source");
	_cleanup_free_ char *mode = src ? xml_attr(src, "mode") : NULL;

	if (agent && mode && streq(mode, "connect"))
		return xml_err(e, src,
			       "the guest agent's channel source mode "
			       "'connect' not supported (bind: nidod makes "
			       "the socket)");
	if (agent && (!src || !xml_attr_present(src, "path"))) {
		if (src)
			xml_check_known(src,
					(const char *const[]){"mode", NULL},
					NULL, w);
		ch->type = CHARDEV_UNIX;
		ch->src.listen = true;
		return 0;
	}
	if (domain_chardev_parse_source(c, &ch->type, &ch->src, w, e) < 0)
		return -EINVAL;
	/* the SPICE agent's port: libvirt's name when none is given */
	if ((ch->type == CHARDEV_SPICEVMC ||
	     ch->type == CHARDEV_QEMU_VDAGENT) &&
	    !ch->name)
		ch->name = xstrdup(DOMAIN_SPICE_AGENT_CHANNEL);
	return 0;
}

static int parse_channel(const xmlNode *c, struct domain_channel *ch,
			 struct xml_warnings *w, struct err **e)
{
	const xmlNode *addr = xml_child(c, "address");

	xml_check_known(c, (const char *const[]){"type", NULL},
			(const char *const[]){"source", "target", "address",
					      "alias", "protocol", NULL},
			w);
	if (parse_target(c, ch, w, e) < 0 || parse_source(c, ch, w, e) < 0)
		return -EINVAL;
	return addr ? parse_address(addr, ch, e) : 0;
}

/* Two channels on one port, or with one name, are refused. */
static int check_unique(const xmlNode *c, const struct domain_def *d,
			struct err **e)
{
	const struct domain_channel *ch = &d->channels[d->n_channels - 1];

	for (size_t i = 0; i + 1 < d->n_channels; i++) {
		const struct domain_channel *o = &d->channels[i];

		if (ch->name && o->name && streq(ch->name, o->name))
			return xml_err(e, c, "two channels named '%s'",
				       ch->name);
		if (ch->port_set && o->port_set &&
		    ch->controller == o->controller && ch->port == o->port)
			return xml_err(e, c,
				       "two channels on virtio-serial "
				       "controller %u port %u",
				       ch->controller, ch->port);
	}
	return 0;
}

int domain_parse_channel_device(const xmlNode *c, struct domain_def *d,
				struct xml_warnings *w, struct err **e)
{
	struct domain_channel *ch;

	if (!streq((const char *)c->name, "channel"))
		return 0;
	if (d->n_channels == DOMAIN_MAX_CHANNELS)
		return xml_err(e, c, "more than %d channels",
			       DOMAIN_MAX_CHANNELS);
	d->channels = xreallocarray(d->channels, d->n_channels + 1,
				    sizeof(*d->channels));
	ch = &d->channels[d->n_channels++];
	memset(ch, 0, sizeof(*ch));
	if (parse_channel(c, ch, w, e) < 0 || check_unique(c, d, e) < 0)
		return -EINVAL;
	return 1;
}

static void format_channel(FILE *f, const struct domain_channel *ch,
			   bool active)
{
	fprintf(f, "    <channel type='%s'>\n", chardev_type_names[ch->type]);
	if (ch->type == CHARDEV_UNIX && !ch->src.path)
		fputs("      <source mode='bind'/>\n", f);
	else
		domain_chardev_format_source(f, 6, ch->type, &ch->src);
	fputs("      <target type='virtio'", f);
	if (ch->name) {
		fputs(" name='", f);
		xml_escape_attr(f, ch->name);
		fputc('\'', f);
	}
	if (active && ch->state_live)
		fprintf(f, " state='%s'",
			ch->state_live == DOMAIN_TRISTATE_ON ? "connected"
							     : "disconnected");
	fputs("/>\n", f);
	if (ch->addr_set) {
		fprintf(f,
			"      <address type='virtio-serial' controller='%u' "
			"bus='0'",
			ch->controller);
		if (ch->port_set)
			fprintf(f, " port='%u'", ch->port);
		fputs("/>\n", f);
	}
	fputs("    </channel>\n", f);
}

void domain_format_channels(FILE *f, const struct domain_def *d, bool active)
{
	for (size_t i = 0; i < d->n_channels; i++)
		format_channel(f, &d->channels[i], active);
}

void domain_channels_clear(struct domain_def *d)
{
	for (size_t i = 0; i < d->n_channels; i++) {
		domain_chardev_source_clear(&d->channels[i].src);
		free(d->channels[i].name);
	}
	free(d->channels);
	d->channels = NULL;
	d->n_channels = 0;
}
