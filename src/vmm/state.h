/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Saving a paused VM's whole state, and starting a VM from it
 * (docs/state-format.md). The state file holds the configuration, the
 * memory layout, KVM's state and every device's; guest RAM goes to a
 * memory file of its own, raw, in the layout the state file describes.
 *
 * A restore reads and checks the whole state file before anything of the
 * VM exists (state_restore_open(), before the sandbox), then builds the
 * VM from the configuration it holds and loads each part (vm.c calls
 * state_restore_memory() and state_restore_vm() in place of loading a
 * kernel).
 */
#ifndef NIDO_VMM_STATE_H
#define NIDO_VMM_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "vmm/state_format.h"

struct vm;
struct vm_config;

/* A checked state file on its way into a VM; owned by the config. */
struct vm_restore {
	char *path;    /* the state file, for messages */
	uint8_t *data; /* its bytes; the sections point here */
	size_t len;
	struct state_file file;
	char *mem_path; /* the memory file */
	int mem_fd;
	uint64_t mem_offset; /* where RAM starts in it (page-aligned) */
	bool copy;	     /* --restore-mode copy: read RAM in, not map it */
};

/*
 * Where a save goes or a restore comes from. A state or RAM image may
 * start at a page-aligned offset of its file (nidod keeps both in one
 * save file after a header of its own: docs/snapshots.md); what is
 * before the offset is never read nor written.
 */
struct state_files {
	const char *path, *mem_path; /* mem_path NULL: the recorded one */
	uint64_t offset, mem_offset;
	bool copy;	  /* restore: read RAM in, not map it */
	bool host_config; /* restore: the caller's config (--config) holds
			     the host ends and must describe the machine
			     the state file's does */
};

/* What a save wrote. */
struct state_save_info {
	uint64_t state_bytes, memory_bytes, memory_written;
	uint64_t duration_us;
};

/*
 * Saves @vm (the caller paused it) to @state_fd and its RAM to @mem_fd
 * (both regular files opened for writing, possibly one file twice; each
 * truncated at @f's offset and written from there, not closed; the two
 * ranges must not overlap). @f->mem_path is recorded as the memory
 * file's name for a restore. Returns 0 or -errno with @e filled.
 */
int state_save(struct vm *vm, int state_fd, int mem_fd,
	       const struct state_files *f, struct state_save_info *info,
	       struct err **e);

/*
 * Reads and checks the state at @f (from its offset to the end of its
 * file), loads the configuration it holds into @c (over what the
 * command line set: host ends only), or with @f->host_config checks
 * that @c (a whole configuration: --config) describes the same machine;
 * opens the memory file (@f->mem_path, or the one the state names) and
 * hangs it all on c->restore. Returns 0 or -errno with @e naming the
 * file and the problem; then nothing was started.
 */
int state_restore_open(const struct state_files *f, struct vm_config *c,
		       struct err **e);

/* Frees @r; accepts NULL. */
void state_restore_free(struct vm_restore *r);

/* Guest RAM from the memory file: mapped privately, or copied. */
int state_restore_memory(struct vm *vm, struct err **e);

/* vCPUs (created here), devices, irqchip, PIT and clock from the file. */
int state_restore_vm(struct vm *vm, struct err **e);

/*
 * --describe-state: prints what state file @path holds to @out, checking
 * everything and trusting nothing. Returns 0 when the file is valid,
 * -errno with @e otherwise (what could be read was printed).
 */
int state_describe(const char *path, FILE *out, struct err **e);
/* The same on @len bytes at @d, named @what (the fuzz target's entry). */
int state_describe_buf(const uint8_t *d, size_t len, const char *what,
		       FILE *out, struct err **e);

#endif
