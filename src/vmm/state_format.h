/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nido-vmm's state file (docs/state-format.md): a header, then sections,
 * each with a kind, an instance, flags, a length and a CRC-32C of its
 * payload. This module only builds and checks the container; what each
 * section holds is state.c's, state_kvm.c's and each device's business.
 *
 * The reader trusts nothing: state_parse() checks the header, every
 * section header and every payload checksum, bounds every length and
 * refuses duplicates and unknown required sections, before anyone reads
 * a payload. Payloads are then read through a bounded cursor (struct
 * state_rd) that never reads past its end: a short payload makes the
 * cursor "bad" and its reader refuses the section by name.
 */
#ifndef NIDO_VMM_STATE_FORMAT_H
#define NIDO_VMM_STATE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define STATE_MAGIC	   "NIDOVMST"
#define STATE_VERSION	   1
#define STATE_HDR_LEN	   32
#define STATE_SEC_HDR_LEN  24
#define STATE_MAX_SECTIONS 256
#define STATE_FILE_MAX	   (64u << 20) /* state without memory */
#define STATE_SEC_REQUIRED                   \
	1u /* a reader that does not know it \
	    * must refuse the file */
#define STATE_NAME_MAX 32

/* Section kinds (docs/state-format.md lists them). */
enum state_kind {
	STATE_SEC_CONFIG = 1,
	STATE_SEC_MEMORY = 2,
	STATE_SEC_VM = 3,
	STATE_SEC_VCPU = 4,
	STATE_SEC_SERIAL = 5,
	STATE_SEC_I8042 = 6,
	STATE_SEC_RTC = 7,
	STATE_SEC_PM = 8,
	STATE_SEC_BOOTTIMER = 9,
	STATE_SEC_VIRTIO = 10,
	STATE_SEC_CPUHP = 11,
};

/* One section, as state_parse() found and checked it. */
struct state_sec {
	uint16_t kind, instance;
	uint32_t flags;
	const uint8_t *data; /* inside the parsed buffer */
	uint64_t len;
	char name[STATE_NAME_MAX];
	bool known; /* a kind this nido reads */
};

/* A checked state file; sections point into the caller's buffer. */
struct state_file {
	uint32_t version;
	uint64_t length;
	unsigned n;
	struct state_sec secs[STATE_MAX_SECTIONS];
};

/* CRC-32C (Castagnoli, reflected, as iSCSI and ext4 use it). */
uint32_t state_crc32c(uint32_t crc, const void *data, size_t len);

/* Fills @out with the display name of section @kind/@instance. */
void state_sec_name(uint16_t kind, uint16_t instance, char out[STATE_NAME_MAX]);

/*
 * Checks @len bytes at @data (the whole file, untrusted) and fills @f.
 * @what names the file in messages. Returns 0, or -EINVAL with @e
 * naming the file and the problem ("state file X: section 'vcpu0'
 * checksum mismatch").
 */
int state_parse(const uint8_t *data, size_t len, const char *what,
		struct state_file *f, struct err **e);

/*
 * The steps of state_parse(), for --describe-state: the header (fills
 * @f's version, count and length), and the section whose header is at
 * @off (sets *@next past it; -EBADMSG when only its payload checksum is
 * wrong, @s and *@next then filled all the same).
 */
int state_parse_header(const uint8_t *d, size_t len, const char *what,
		       struct state_file *f, struct err **e);
int state_sec_at(const uint8_t *d, size_t len, size_t off, const char *what,
		 struct state_sec *s, size_t *next, struct err **e);

/* The section @kind/@instance of @f, or NULL. */
const struct state_sec *state_find(const struct state_file *f, uint16_t kind,
				   uint16_t instance);

/* Building a file: the header, then sections one after the other. */
struct state_wr {
	struct buf b;
	unsigned n;
	size_t sec_start; /* offset of the open section's header */
	bool open;
};

void state_wr_init(struct state_wr *w);
void state_wr_begin(struct state_wr *w, uint16_t kind, uint16_t instance,
		    uint32_t flags);
void state_wr_end(struct state_wr *w);
/* Fills the header's count, length and checksum; the file is w->b. */
void state_wr_finish(struct state_wr *w);
void state_wr_release(struct state_wr *w);

/* Little-endian fields of the open section. */
void state_put_u8(struct state_wr *w, uint8_t v);
void state_put_u16(struct state_wr *w, uint16_t v);
void state_put_u32(struct state_wr *w, uint32_t v);
void state_put_u64(struct state_wr *w, uint64_t v);
void state_put_bytes(struct state_wr *w, const void *p, size_t n);
/* An item: a tag, a length and @n bytes, padded to 8 (state_kvm.c). */
void state_put_item(struct state_wr *w, uint32_t tag, const void *p, size_t n);

/* Reading a payload: never past its end; @bad once something was short. */
struct state_rd {
	const uint8_t *p;
	uint64_t len, off;
	bool bad;
};

void state_rd_init(struct state_rd *r, const struct state_sec *s);
uint8_t state_get_u8(struct state_rd *r);
uint16_t state_get_u16(struct state_rd *r);
uint32_t state_get_u32(struct state_rd *r);
uint64_t state_get_u64(struct state_rd *r);
/* Copies @n bytes, or zeroes @dst and marks @r bad. */
void state_get_bytes(struct state_rd *r, void *dst, size_t n);
/* Points at @n bytes in place, or NULL (and @r bad). */
const uint8_t *state_get_ptr(struct state_rd *r, uint64_t n);
/*
 * The next item: returns 1 with @tag, @data and @len, 0 at the end, -1
 * when the rest is not a whole item (@r bad).
 */
int state_get_item(struct state_rd *r, uint32_t *tag, const uint8_t **data,
		   uint32_t *len);
/* Whether @r was read to its end without running short. */
bool state_rd_done(const struct state_rd *r);

#endif
