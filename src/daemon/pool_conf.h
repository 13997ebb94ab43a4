/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Storage pool and volume definitions: the libvirt XML subset nido
 * understands (docs/storage-xml.md), parsed as untrusted input into a
 * struct pool_def or struct vol_def, checked, and formatted back as
 * libvirt formats them. Round trip: format then parse then format gives
 * the same text.
 *
 * Everything in a definition is owned by it (pool_def_free,
 * vol_def_free).
 */
#ifndef NIDO_DAEMON_POOL_CONF_H
#define NIDO_DAEMON_POOL_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/xml_util.h"
#include "lib/err.h"
#include "lib/uuid.h"
#include "storage/storage.h"

enum pool_type {
	POOL_DIR,
	POOL_FS,
	POOL_LOGICAL,
	POOL_DISK,
	POOL_NETFS,
	POOL_ISCSI,
	POOL_RBD,
};
/* "dir", "fs", "logical", "disk", "netfs", "iscsi", "rbd" */
extern const char *const pool_type_names[];

#define POOL_NAME_MAX 200

/* <permissions>: mode -1, owner -1, group -1 when absent. */
struct pool_perms {
	int mode;
	long owner, group;
};

struct pool_def {
	char *name;
	struct uuid uuid;
	bool uuid_generated;
	enum pool_type type;
	char *target; /* <target><path>, absolute, normalised */
	struct pool_perms perms;
	char *source_device; /* fs, disk: <source><device path> */
	char *source_format; /* fs, disk: <source><format type>, or NULL */
	/* logical: every <source><device path> (the PVs), <source><name>
	 * (the volume group; the pool's name when absent) */
	char **source_devices;
	size_t n_source_devices;
	char *source_name;
	/* netfs, iscsi: <source><host name> (iscsi: and port, 0 when
	 * absent); netfs: <dir path> */
	char *source_host;
	unsigned source_port;
	char *source_dir;
	char *source_protocol; /* <protocol ver>, or NULL */
	/* iscsi: <device path> (the target's IQN), <initiator><iqn name>
	 * (NULL: open-iscsi's default initiator name) */
	char *source_iqn;
	char *source_initiator;
	/* rbd: <source><name> is the Ceph pool (and the target, not shown);
	 * every <host name port> (port 0: absent); <auth username> */
	char **source_hosts;
	unsigned *source_ports;
	size_t n_source_hosts;
	char *auth_user;
	bool alloc_is_capacity; /* <refresh><volume allocation='capacity'/> */
};

/* Checks a pool name (as a network's: letters, digits, "_.+-"). */
int pool_name_check(const char *name, struct err **e);

/*
 * Parses @len bytes of pool XML. Fills *@out (the caller's) or returns
 * -errno with @e filled (ERR_XML_ERROR); what is ignored is warned
 * about in @w (may be NULL).
 */
int pool_def_parse(const char *xml, size_t len, struct pool_def **out,
		   struct xml_warnings *w, struct err **e);
/* The XML of @d; with @space (an active pool's), its figures too. */
char *pool_def_format(const struct pool_def *d,
		      const struct storage_space *space);
void pool_def_free(struct pool_def *d);

/*
 * find-storage-pool-sources' source spec of an iscsi pool: a <source>
 * with <host name port> (required) and <initiator><iqn name>, checked
 * as a pool's. 0 with *@out filled (pool_source_spec_clear), or -errno
 * with @e (ERR_XML_ERROR).
 */
struct pool_source_spec {
	char *host;
	unsigned port; /* 0: absent */
	char *initiator;
};
int pool_source_spec_parse(const char *xml, size_t len,
			   struct pool_source_spec *out, struct xml_warnings *w,
			   struct err **e);
void pool_source_spec_clear(struct pool_source_spec *s);

/*
 * find-storage-pool-sources' answer for an iscsi portal: a <sources>
 * document with one <source> per target name of @t (several portals of
 * one target: one source), its <host> @host (and @port when not 0).
 */
struct iscsi_target;
char *pool_iscsi_sources_format(const char *host, unsigned port,
				const struct iscsi_target *t, size_t n);

/* What src/storage takes of @d (borrowing its strings). */
void pool_def_params(const struct pool_def *d, struct storage_pool_params *p);

/* For pool_conf*.c: <host name=> checked into *@out (ERR_XML_ERROR). */
int pool_parse_host(const xmlNode *n, char **out, struct err **e);
/* No element of @names appears twice under @node. */
int pool_check_singles(const xmlNode *node, const char *const *names,
		       struct err **e);
/* pool_conf_rbd.c: an rbd pool's <source>, its <refresh>, formatted. */
int pool_parse_source_rbd(const xmlNode *src, struct pool_def *d,
			  struct xml_warnings *w, struct err **e);
int pool_parse_refresh(const xmlNode *n, struct pool_def *d,
		       struct xml_warnings *w, struct err **e);
int pool_rbd_target(const xmlNode *root, struct pool_def *d,
		    struct xml_warnings *w, struct err **e);
/* From "    <host" on: the rest of an rbd pool's XML, to its end. */
void pool_format_rbd(FILE *f, const struct pool_def *d);

/* A volume definition (vol-create's XML). */
struct vol_def {
	char *name;
	bool block;	   /* <volume type='block'> (not absent or 'file') */
	char *format;	   /* "raw" (default) or "qcow2" */
	uint64_t capacity; /* 0 with a backing store: its size */
	uint64_t allocation;
	bool has_capacity, has_allocation;
	struct pool_perms perms;
	char *backing;	      /* <backingStore><path>, or NULL */
	char *backing_format; /* <backingStore><format type> */
};

int vol_def_parse(const char *xml, size_t len, struct vol_def **out,
		  struct xml_warnings *w, struct err **e);
void vol_def_free(struct vol_def *d);

/* A volume as vol-dumpxml shows it (malloc'ed XML). */
char *vol_format_xml(const struct storage_vol *v);

#endif
