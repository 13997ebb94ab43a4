/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A character device's host side in domain XML (domain_conf_chardev.c),
 * for <serial> and <console>:
 *
 *   <serial type='file'><source path='/var/log/g.log' append='on'/>
 *   <serial type='unix'><source mode='bind' path='/run/g.sock'/>
 *   <serial type='tcp'><source mode='connect' host='h' service='9999'/>
 *                      <protocol type='telnet'/>
 *   <serial type='udp'><source mode='bind' host='h' service='1'/>
 *                      <source mode='connect' host='h' service='2'/>
 *
 * and types pty, null, vc and dev (<source path='/dev/ttyS1'/>); with
 * <target>, <address> (PCI for a pci-serial, ISA) and <log>.
 * domain_conf.c calls these.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_CHARDEV_H
#define NIDO_DAEMON_DOMAIN_CONF_CHARDEV_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* Which element a chardev is. */
enum chardev_kind {
	CHR_SERIAL,
	CHR_CONSOLE,
	CHR_PARALLEL,
};

/*
 * A <serial>, <console> or <parallel> (@kind) into @c (zeroed, which then
 * owns what it holds): its type and source, <target>, <address>, <log>.
 * Its port defaults to @index (a console's to 0). 0, or -errno with @e.
 */
int domain_parse_chardev(const xmlNode *node, enum chardev_kind kind,
			 unsigned index, struct domain_chardev *c,
			 struct xml_warnings *w, struct err **e);
/* The element for @c, in <devices>. */
void domain_format_chardev(FILE *f, enum chardev_kind kind,
			   const struct domain_chardev *c);

/* @node's type= into *@type and its <source>s (and <protocol>) into
 * @src, which owns what it holds. 0, or -errno with @e filled. */
int domain_chardev_parse_source(const xmlNode *node, enum chardev_type *type,
				struct chardev_source *src,
				struct xml_warnings *w, struct err **e);
/* The <source>s (and <protocol>) of @src at @indent spaces. */
void domain_chardev_format_source(FILE *f, int indent, enum chardev_type type,
				  const struct chardev_source *src);
void domain_chardev_source_copy(struct chardev_source *to,
				const struct chardev_source *from);
/* Whether what @a says (its type, and what it gives of its source)
 * @b says too. */
bool domain_chardev_source_within(enum chardev_type ta,
				  const struct chardev_source *a,
				  enum chardev_type tb,
				  const struct chardev_source *b);
void domain_chardev_source_clear(struct chardev_source *src);

/* An <rng> into @rng (zeroed; domain_conf_rng.c), written back, freed:
 * its egd backend is a character device as above. */
int domain_parse_rng(const xmlNode *node, struct domain_rng *rng,
		     struct xml_warnings *w, struct err **e);
void domain_format_rng(FILE *f, const struct domain_rng *r);
void domain_rng_clear(struct domain_rng *r);

#endif
