/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio devices of a VM, created from its configuration: each gets
 * an MMIO window and an interrupt line (vm_alloc_mmio()); the ACPI DSDT
 * describes them to the guest (acpi.c).
 */
#ifndef NIDO_VMM_VIRTIO_DEVICES_H
#define NIDO_VMM_VIRTIO_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "block/image.h"

struct vm;
struct virtio_dev;
struct config_disk;

/* Creates the configured virtio devices. Returns 0 or -errno with @e. */
int virtio_devices_create(struct vm *vm, struct err **e);

/* Destroys them; safe after a partial create. */
void virtio_devices_destroy(struct vm *vm);

struct virtio_dev *virtio_rng_create(struct vm *vm, struct err **e);

/* Port 0 and the named ports of the multiport console. */
#define VIRTIO_CONSOLE_MAX_PORTS 8

struct channel;
struct virtio_console_chan {
	const char *name;   /* borrowed, for the device's life */
	struct channel *ch; /* its host end (channel.h); NULL: none */
};

/*
 * A virtio-console: port 0 the console (when @console), its output to
 * @out_fd (not owned); with @n_chans named ports (at most
 * VIRTIO_CONSOLE_MAX_PORTS - 1), multiport.
 */
/* The console port's output is also written to @log_fd (not owned). */
void virtio_console_set_log(struct virtio_dev *d, int log_fd);
struct virtio_dev *virtio_console_create(
	struct vm *vm, int out_fd, bool console,
	const struct virtio_console_chan *chans, unsigned n_chans,
	struct err **e);
/* Host input for the console port (loop thread). */
void virtio_console_receive(struct virtio_dev *d, const uint8_t *buf,
			    size_t len);
/* For the channels (channel.c; loop thread): how much host input port
 * @port takes now (0 until the guest opened it); that input; the host
 * end opened or closed; the host end took the guest's output. */
size_t virtio_console_port_room(struct virtio_dev *d, unsigned port);
void virtio_console_port_input(struct virtio_dev *d, unsigned port,
			       const uint8_t *buf, size_t len);
void virtio_console_port_host(struct virtio_dev *d, unsigned port, bool open);
void virtio_console_port_drained(struct virtio_dev *d, unsigned port);
/* Channel @i (from 0): its name and whether the guest has it open;
 * false past the last. Any thread. */
bool virtio_console_channel(struct virtio_dev *d, unsigned i, const char **name,
			    bool *guest_open);

/* A disk from @cfg (opened here through src/block); @index names it. */
struct virtio_dev *virtio_blk_create(struct vm *vm,
				     const struct config_disk *cfg,
				     unsigned index, struct err **e);

/* A disk's identity and its host I/O errors (virtio/blk.c), for stats. */
struct virtio_blk_stats {
	unsigned index;	    /* in the configuration */
	const char *serial; /* borrowed from the device */
	const char *image;  /* the path it was opened with; borrowed */
	uint64_t read_errors, write_errors, flush_errors, discard_errors,
		write_zeroes_errors;
	bool corrupt; /* the image chain was found corrupt */
};

/* Fills @st when @d is a virtio-blk device; false otherwise. Any thread. */
bool virtio_blk_stats(const struct virtio_dev *d, struct virtio_blk_stats *st);

/*
 * The internal snapshot @tag of disk @d's image (its top, a qcow2):
 * made, applied or deleted (image.h's ops), the requests in flight
 * completed first and the image flushed after. The caller paused the
 * vCPUs: nothing new arrives meanwhile. Returns 0 or -errno with @e
 * naming the disk.
 */
int virtio_blk_snapshot(struct virtio_dev *d, enum img_snapshot_op op,
			const char *tag, struct err **e);

/*
 * An external snapshot of disk @d: the qcow2 overlay in @fd (borrowed;
 * named @path), whose backing file is the disk's image, becomes the
 * image the guest reads and writes (block_open_over()); the requests in
 * flight complete first. The caller paused the vCPUs. Returns 0 or
 * -errno with @e naming the disk; the disk is as it was then.
 */
int virtio_blk_switch(struct virtio_dev *d, int fd, const char *path,
		      struct err **e);
/* Undoes the last virtio_blk_switch() (another disk's failed): the image
 * below is the disk's again, the overlay closed. */
void virtio_blk_unswitch(struct virtio_dev *d);

/* A network device on the existing tap of @cfg. */
struct config_net;
struct virtio_dev *virtio_net_create(struct vm *vm,
				     const struct config_net *cfg,
				     unsigned index, struct err **e);

/*
 * The same on @fd (owned from now on; a tap with IFF_VNET_HDR, or for
 * tests and fuzzers any datagram socket), named @name in messages.
 */
struct virtio_dev *virtio_net_create_fd(struct vm *vm, int fd, const char *name,
					const uint8_t mac[6], struct err **e);

/* Whether @d is a network device with MAC @mac. */
bool virtio_net_has_mac(const struct virtio_dev *d, const uint8_t mac[6]);
/* Sets the link of network device @d up or down (domif-setlink): the
 * guest is told; while down, frames are dropped both ways. Any thread. */
void virtio_net_set_link(struct virtio_dev *d, bool up);
bool virtio_net_link_up(const struct virtio_dev *d);

/* What a guest's balloon driver reported last (virtio 5.5.6.3 tags:
 * 0 swap-in ... 4 free, 5 total, 6 available, 7 caches, ...); bit N of
 * @present says tag N was given. */
struct virtio_balloon_stats {
	uint64_t value[16];
	uint32_t present;
	uint64_t updates; /* how many reports so far */
};

/* A balloon's state, in bytes of guest RAM. */
struct virtio_balloon_info {
	uint64_t ram;	 /* the guest's RAM */
	uint64_t target; /* what the host asked it to keep */
	uint64_t actual; /* what it keeps: RAM less what it gave */
	struct virtio_balloon_stats stats;
	uint64_t bad_pages; /* page numbers outside RAM it named */
};

/* virtio-balloon (virtio/balloon.c); @deflate_on_oom offers the guest
 * to take pages back when it runs out of memory. */
struct virtio_dev *virtio_balloon_create(struct vm *vm, bool deflate_on_oom,
					 struct err **e);
/* Asks the guest to keep @bytes of its RAM (setmem). Any thread. */
int virtio_balloon_set_target(struct virtio_dev *d, uint64_t bytes,
			      struct err **e);
/* The balloon's state; asks the guest for fresh statistics. Any
 * thread. */
void virtio_balloon_info(struct virtio_dev *d, struct virtio_balloon_info *out);

#endif
