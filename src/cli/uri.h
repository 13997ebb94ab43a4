/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connection URIs, as libvirt writes them (docs/remote.md):
 *
 *   nido:///system  nido:///session             the local daemon
 *   nido+unix:///system?socket=PATH             a unix socket
 *   nido+tls://HOST[:PORT]/system[?pkipath=DIR] TCP with TLS (16514)
 *   nido+ssh://[USER@]HOST[:PORT]/system[?keyfile=F&known_hosts=F&
 *           no_verify=1&socket=PATH]            ssh to the remote bridge
 *
 * An IPv6 host is written in brackets. Unknown query parameters are
 * refused.
 */
#ifndef NIDO_CLI_URI_H
#define NIDO_CLI_URI_H

#include <stdbool.h>

#include "lib/err.h"

enum uri_transport { URI_LOCAL, URI_UNIX, URI_TLS, URI_SSH };

struct nido_uri {
	enum uri_transport transport;
	bool system; /* the path: /system or /session */
	char *user, *host;
	unsigned port; /* 0: the transport's default */
	char *socket, *pkipath, *keyfile, *known_hosts;
	bool no_verify;
};

/* Parses @text into @u. Returns 0 or -EINVAL with @e quoting @text. */
int uri_parse(const char *text, struct nido_uri *u, struct err **e);
void uri_release(struct nido_uri *u);

#endif
