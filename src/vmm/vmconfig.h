/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nido-vmm's configuration: from the command line or a JSON file
 * (docs/vmm.md lists both forms). Parsing only checks syntax and ranges;
 * files and devices are opened when the VM is created.
 */
#ifndef NIDO_VMM_VMCONFIG_H
#define NIDO_VMM_VMCONFIG_H

#include <stdint.h>

#include "block/chain.h"
#include "lib/err.h"
#include "vmm/sandbox.h"
#include "vmm/throttle.h"

#define CONFIG_MAX_DISKS 16
#define CONFIG_MAX_NETS	 8
/* Named ports of the multiport virtio-console (port 0 is the console). */
#define CONFIG_MAX_CHANNELS	7
#define CONFIG_CHANNEL_NAME_MAX 127

enum disk_format {
	DISK_FORMAT_AUTO,
	DISK_FORMAT_RAW,
	DISK_FORMAT_QCOW2,
};

struct config_disk {
	char *path;
	int readonly;
	int shared; /* other VMs may write it too (raw only) */
	enum disk_format format;
	struct throttle_limits iotune; /* per second, 0: none */
	char *serial;		       /* NULL: derived from the index */
	/* The image files, open, from whoever started us (nidod): their
	 * fds are ours; n == 0: open @path ourselves (host_open). */
	struct block_chain chain;
};

struct config_net {
	char *tap; /* its name; "fd:N" until host_open() reads the name */
	int fd;	   /* tap=fd:N: a tap opened by our supervisor; -1: by name */
	uint8_t mac[6];
	int has_mac;
	bool link_down; /* link=down: the guest starts with no carrier */
};

/*
 * A named port of the virtio-console (virtio-serial): the guest sees
 * /dev/virtio-ports/NAME; the host end is a stream socket: one
 * nido-vmm binds at @path, or @fd given (listening: clients are
 * accepted one at a time; connected: used as is), or none.
 */
struct config_channel {
	char *name;
	char *path; /* unix:PATH */
	int fd;	    /* fd:N, -1: none */
};

enum console_kind {
	CONSOLE_STDIO,
	CONSOLE_PTY,
	CONSOLE_UNIX,
	CONSOLE_NONE,
	CONSOLE_FD, /* a pseudo-terminal master its supervisor opened */
};

/*
 * What nido-vmm took from the host before entering its sandbox
 * (host_open(), host.c); each consumer takes its fd or handle over and
 * leaves -1 or NULL behind. config_release() closes what is left.
 */
struct vm_host {
	bool opened;
	int kvm_fd;
	int kernel_fd, initrd_fd;
	/* Each disk's files, opened but not read: the images are parsed
	 * inside the sandbox (block_open_from_chain). */
	struct block_chain disks[CONFIG_MAX_DISKS];
	int tap_fds[CONFIG_MAX_NETS];
};

struct vm_restore;

struct vm_config {
	char *kernel;
	char *initrd;
	char *cmdline;
	unsigned cpus;	   /* vCPUs at start */
	unsigned max_cpus; /* vCPUs possible (hot add); 0: @cpus */
	uint64_t mem_size;
	int hugepages;
	bool no_mem_merge; /* RAM not offered to KSM (QEMU's mem-merge=off) */
	enum console_kind console;
	char *console_path; /* for CONSOLE_UNIX */
	int console_fd;	    /* for CONSOLE_FD */
	/* a file that gets a copy of the console's output (libvirt's
	 * <serial><log file=>): opened here, or given (-1: path) */
	char *console_log_path;
	int console_log_fd;
	char *api_path;	 /* control socket, NULL: none */
	char *exit_file; /* how the VM ended, as JSON; NULL: none */
	unsigned n_disks;
	struct config_disk disks[CONFIG_MAX_DISKS];
	unsigned n_nets;
	struct config_net nets[CONFIG_MAX_NETS];
	int virtio_rng;	     /* add a virtio-rng device */
	int virtio_console;  /* add a virtio-console device */
	unsigned n_channels; /* its named ports (multiport) */
	struct config_channel channels[CONFIG_MAX_CHANNELS];
	bool balloon;	      /* add a virtio-balloon device */
	bool balloon_deflate; /* ... that may deflate when the guest is OOM */
	int paused;	      /* vCPUs held before their first run (QEMU's -S)
			       * until the control socket's "resume" */
	struct sandbox_opts sandbox;
	struct vm_host host;
	/* --restore: the checked state file and its memory (state.h); the
	 * VM is built from it instead of from a kernel. Owned. */
	struct vm_restore *restore;
};

/* Fills @c with the defaults: 1 vCPU, 256 MiB, console on stdio, the
 * sandbox on (with no identity: the caller picks one). */
void config_init(struct vm_config *c);

/* mem_create()'s flags for @c's RAM (memory.h). */
unsigned config_mem_flags(const struct vm_config *c);

/* Frees what @c owns (not @c itself). */
void config_release(struct vm_config *c);

/*
 * Parses a memory size: a plain number is MiB (as QEMU's -m), else a
 * size with a unit ("1G", "512MiB"; lib/size.h). Returns 0 or -errno
 * with @e filled.
 */
int config_parse_memory(const char *s, uint64_t *out, struct err **e);

/*
 * The limit named @name in @l, or NULL: one of libvirt's <iotune> names,
 * total_bytes_sec, read_bytes_sec, write_bytes_sec, total_iops_sec,
 * read_iops_sec, write_iops_sec. config_check_iotune() refuses a total
 * limit together with a read or write limit of the same unit, as
 * libvirt does.
 */
uint64_t *config_iotune_field(struct throttle_limits *l, const char *name);
int config_check_iotune(const struct throttle_limits *l, const char *what,
			struct err **e);

/*
 * Parses "PATH[,readonly][,shared][,format=raw|qcow2][,serial=ID]
 * [,IOTUNE=N]..." into @d; IOTUNE is an <iotune> name (above).
 */
int config_parse_disk(const char *s, struct config_disk *d, struct err **e);

/* Parses "tap=NAME|fd:N[,mac=MAC][,link=up|down]" into @n. */
int config_parse_net(const char *s, struct config_net *n, struct err **e);

/* Parses "NAME[,unix:PATH|,fd:N]" into @ch. */
int config_parse_channel(const char *s, struct config_channel *ch,
			 struct err **e);

/* Parses "stdio", "pty", "none" or "unix:PATH". */
int config_parse_console(const char *s, struct vm_config *c, struct err **e);

/* Reads a JSON config file (docs/vmm.md) into @c, over the defaults. */
int config_load_json(const char *path, struct vm_config *c, struct err **e);

/* The same from @text, named @what in messages. */
int config_load_json_text(const char *text, const char *what,
			  struct vm_config *c, struct err **e);

/*
 * The VM's definition as JSON (the keys config_load_json() reads): what
 * the guest sees, without host ends (console, control socket, exit file,
 * sandbox), for the state file. Returns a malloc'ed string.
 */
char *config_to_json(const struct vm_config *c);

/* Parses --sandbox-id "UID[:GID]" (a GID defaults to the UID). */
/* --console-log PATH or fd:N. */
int config_parse_console_log(const char *s, struct vm_config *c,
			     struct err **e);
int config_parse_sandbox_id(const char *s, struct sandbox_opts *o,
			    struct err **e);

/* Checks that the configuration makes sense as a whole. */
int config_check(const struct vm_config *c, struct err **e);

/* The vCPUs the guest may have: max_cpus, or cpus when it is not set. */
unsigned config_max_cpus(const struct vm_config *c);

#endif
