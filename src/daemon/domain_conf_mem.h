/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * <memoryBacking> and <cpu><numa> in libvirt's domain XML
 * (domain_conf_mem.c) into struct domain_mem: the guest's NUMA cells
 * with their vCPUs, memory, access and distances; hugepages per cell,
 * memfd, shared access, preallocation, locking and KSM. What the qemu
 * driver makes of it: driver-qemu-argv-mem.c.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_MEM_H
#define NIDO_DAEMON_DOMAIN_CONF_MEM_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* <cpu>'s <numa> @n into @d->hw.mem (after <memory> and <vcpu>). */
int domain_parse_numa(const xmlNode *n, struct domain_def *d,
		      struct xml_warnings *w, struct err **e);
/* <memoryBacking> under @root, when there is one. */
int domain_parse_memory_backing(const xmlNode *root, struct domain_def *d,
				struct xml_warnings *w, struct err **e);
/* <numatune> under @root (after <cpu>'s <numa>: memnodes name cells). */
/* <maxMemory slots=> under @root (after <memory>). */
/* The sizes after every part is read: libvirt's rule for <memory>,
 * <currentMemory> and the NUMA cells (domain_conf_mem.c). */
int domain_finish_memory(const xmlNode *root, struct domain_def *d,
			 struct err **e);
int domain_parse_max_memory(const xmlNode *root, struct domain_def *d,
			    struct xml_warnings *w, struct err **e);
/* It, before <memory>. */
void domain_format_max_memory(FILE *f, const struct domain_def *d);
int domain_parse_numatune(const xmlNode *root, struct domain_def *d,
			  struct xml_warnings *w, struct err **e);
void domain_format_numatune(FILE *f, const struct domain_def *d);
/* <numa>, inside <cpu>; <memoryBacking>, after it. */
void domain_format_numa(FILE *f, const struct domain_def *d);
void domain_format_memory_backing(FILE *f, const struct domain_def *d);
void domain_mem_clear(struct domain_mem *m);

/* Whether vCPU/node list @list ("0-3,^2,8", checked) names @n. */
bool domain_list_has(const char *list, unsigned n);

#endif
