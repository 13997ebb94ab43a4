/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain snapshot's definition: libvirt's <domainsnapshot> XML
 * (docs/snapshots.md says the subset). The same parser reads what a
 * client sends to snapshot-create and the metadata nidod keeps (with
 * @stored: the state, creation time, parent, the domain's definition
 * and whether it is the current one, which a client's XML may not set).
 */
#ifndef NIDO_DAEMON_SNAPSHOT_CONF_H
#define NIDO_DAEMON_SNAPSHOT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/xml_util.h"
#include "lib/err.h"

/* The domain's state when the snapshot was taken (libvirt's names). */
enum snapshot_state {
	SNAPSHOT_SHUTOFF,
	SNAPSHOT_RUNNING,
	SNAPSHOT_PAUSED,
	SNAPSHOT_DISK_SNAPSHOT, /* "disk-snapshot": disks only, external */
};

/* A disk as a snapshot takes it: <disk name= snapshot=>. */
enum snapshot_disk_kind {
	SNAPSHOT_DISK_INTERNAL, /* a qcow2 internal snapshot of the image */
	SNAPSHOT_DISK_NO,	/* not taken (read-only, cdrom, or asked) */
	SNAPSHOT_DISK_EXTERNAL, /* a new qcow2 overlay over the image */
};

struct snapshot_disk {
	char *name; /* the target, "vda" */
	enum snapshot_disk_kind kind;
	char *file; /* external: the overlay's <source file=>; NULL: the
		     * default (the image's name, its suffix the snapshot's) */
};

struct snapshot_def {
	char *name;
	char *description; /* NULL: none */
	/* stored only */
	char *parent; /* NULL: a root */
	int64_t creation_time;
	enum snapshot_state state;
	bool current;
	char *domain_xml; /* the domain's definition when taken */
	/* <memory snapshot='internal'>: the guest's RAM and devices are in
	 * the first disk's image (QEMU's vmstate); else 'no' */
	bool memory;
	bool memory_given; /* parsed: <memory> was there (not formatted) */
	/* <memory snapshot='external' file=>: the guest's memory and device
	 * state in this file (a save file, as `nido save` writes), an
	 * absolute path; NULL: none (memory false) */
	char *memory_file;
	struct snapshot_disk *disks;
	size_t n_disks;
	/* stored only, libvirt's <revertDisks>: the overlays a revert to
	 * this external snapshot made over its images (the domain's disks
	 * since), all SNAPSHOT_DISK_EXTERNAL with their file */
	struct snapshot_disk *revert;
	size_t n_revert;
};

/* The longest snapshot name: a file name of nidod's and a qcow2 tag. */
#define SNAPSHOT_NAME_MAX 200

/*
 * Parses @len bytes of @xml. A client's XML (!@stored) may give the
 * name, description, <memory snapshot=> and <disks>; <state>,
 * <creationTime>, <parent>, <domain> and <active> are nidod's and
 * refused there. Returns 0 with *@out set, or -errno with @e naming the
 * line and the problem.
 */
int snapshot_def_parse(const char *xml, size_t len, bool stored,
		       struct snapshot_def **out, struct xml_warnings *w,
		       struct err **e);

/* A name nido can keep: 1 to SNAPSHOT_NAME_MAX bytes, printable, no
 * '/', not starting with '.'. Returns 0 or -EINVAL with @e filled. */
int snapshot_name_check(const char *name, struct err **e);

/* The XML snapshot-dumpxml prints (@stored: with <active>, as nidod
 * keeps it). malloc'ed. */
char *snapshot_def_format(const struct snapshot_def *s, bool stored);

void snapshot_def_free(struct snapshot_def *s);

/* Frees @n disks of @v and @v. */
void snapshot_disks_free(struct snapshot_disk *v, size_t n);

const char *snapshot_state_name(enum snapshot_state s);

#endif
