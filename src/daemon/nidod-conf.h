/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nidod.conf, shaped like libvirtd.conf: `key = value` lines, `#`
 * comments, values an integer, a "string" or a ["list", "of", "strings"]
 * (a list may span lines). Unknown keys are warned about and ignored;
 * a bad value refuses the whole file with its path, line and key. The
 * keys and their defaults are in docs/remote.md.
 *
 * Default path: /etc/nido/nidod.conf in system mode,
 * $XDG_CONFIG_HOME/nido/nidod.conf (~/.config/nido) in session mode; a
 * missing default file means the defaults, a missing --config file is an
 * error.
 */
#ifndef NIDO_DAEMON_NIDOD_CONF_H
#define NIDO_DAEMON_NIDOD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/rpc.h"
#include "lib/err.h"

#define NIDOD_CONF_SYSTEM_PATH "/etc/nido/nidod.conf"
#define NIDOD_DEFAULT_TLS_PORT 16514

struct nidod_conf {
	struct rpc_limits limits;	      /* zero fields: rpc.h defaults */
	gid_t unix_sock_group;		      /* (gid_t)-1: the daemon's own */
	mode_t unix_sock_rw_perms;	      /* default 0600 */
	mode_t unix_sock_ro_perms;	      /* default 0777 */
	bool listen_tls;		      /* default off */
	unsigned tls_port;		      /* default 16514 */
	char *listen_addr;		      /* NULL: all addresses */
	char *ca_file, *cert_file, *key_file; /* NULL: the pki defaults */
	char **tls_allowed_dn_list;	/* NULL-terminated; NULL: any DN */
	unsigned tls_handshake_timeout; /* seconds, default 10 */
	bool register_machines;		/* with systemd-machined; default on */
	unsigned storage_job_timeout;	/* seconds, default 60 (pool-job.c) */
};

/* Fills @c with the defaults. */
void nidod_conf_init(struct nidod_conf *c);

/*
 * Reads @path into @c (initialised with nidod_conf_init). When the file
 * does not exist: returns 0 unless @must_exist. @warn (may be NULL) gets
 * each warning (an unknown key), as "PATH:LINE: ...". Returns 0, or
 * -errno with @e naming the file, the line and the key.
 */
int nidod_conf_load(struct nidod_conf *c, const char *path, bool must_exist,
		    void (*warn)(const char *msg), struct err **e);

/*
 * The default path for @system mode (malloc'ed), or NULL when session
 * mode finds no home directory.
 */
char *nidod_conf_default_path(bool system);

/* Frees what @c holds; accepts a zeroed struct. */
void nidod_conf_release(struct nidod_conf *c);

#endif
