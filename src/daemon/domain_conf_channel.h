/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * <channel>s in domain XML (domain_conf_channel.c): virtio-serial ports
 * on character devices (a serial port's types and <source>s), each named
 * by <target type='virtio' name=> and placed by <address
 * type='virtio-serial' controller= port=>. The guest agent's:
 *
 *   <channel type='unix'>
 *     <source mode='bind' path='/run/nido/domains/NAME.agent'/>
 *     <target type='virtio' name='org.qemu.guest_agent.0'/>
 *   </channel>
 *
 * (a socket nidod binds and talks to). guestfwd and xen targets are
 * refused by name. domain_conf.c calls these; the drivers call
 * domain_agent_channel().
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_CHANNEL_H
#define NIDO_DAEMON_DOMAIN_CONF_CHANNEL_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/*
 * 1 when @c is a <channel> and was read into @d->channels, 0 when it is
 * another device, -errno with @e filled when it is invalid.
 */
int domain_parse_channel_device(const xmlNode *c, struct domain_def *d,
				struct xml_warnings *w, struct err **e);
/* The channels, in libvirt's place (after the consoles); @active: the
 * running domain's, with the guest's side of the port (state=). */
void domain_format_channels(FILE *f, const struct domain_def *d, bool active);
void domain_channels_clear(struct domain_def *d);

#endif
