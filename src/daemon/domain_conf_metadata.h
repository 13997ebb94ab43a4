/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * <metadata> (domain_conf_metadata.c): applications' elements, kept
 * verbatim in struct domain_def's metadata, each with its namespace.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_METADATA_H
#define NIDO_DAEMON_DOMAIN_CONF_METADATA_H

#include <stdio.h>

#include "daemon/xml_util.h"

struct domain_def;

/* <metadata> under @root into @d->metadata; what libvirt would not keep
 * is warned about. */
void domain_parse_metadata(const xmlNode *root, struct domain_def *d,
			   struct xml_warnings *w);
/* <metadata>, after <description>. */
void domain_format_metadata(FILE *f, const struct domain_def *d);

#endif
