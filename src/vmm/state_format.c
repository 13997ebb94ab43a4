// SPDX-License-Identifier: GPL-2.0-or-later
/* The state file's container: header, sections, checksums. */
#include "vmm/state_format.h"

#include <endian.h>
#include <errno.h>

static const char *const kind_names[] = {
	[STATE_SEC_CONFIG] = "config",
	[STATE_SEC_MEMORY] = "memory",
	[STATE_SEC_VM] = "vm",
	[STATE_SEC_VCPU] = "vcpu",
	[STATE_SEC_SERIAL] = "serial",
	[STATE_SEC_I8042] = "i8042",
	[STATE_SEC_RTC] = "rtc",
	[STATE_SEC_PM] = "pm",
	[STATE_SEC_BOOTTIMER] = "boottimer",
	[STATE_SEC_VIRTIO] = "virtio",
	[STATE_SEC_CPUHP] = "cpuhp",
};

/* Kinds with one section per vCPU or device: the name has the index. */
static bool indexed(uint16_t kind)
{
	return kind == STATE_SEC_VCPU || kind == STATE_SEC_VIRTIO;
}

static bool kind_known(uint16_t kind)
{
	return kind < ARRAY_SIZE(kind_names) && kind_names[kind];
}

void state_sec_name(uint16_t kind, uint16_t instance, char out[STATE_NAME_MAX])
{
	if (!kind_known(kind))
		snprintf(out, STATE_NAME_MAX, "kind-%u.%u", kind, instance);
	else if (indexed(kind))
		snprintf(out, STATE_NAME_MAX, "%s%u", kind_names[kind],
			 instance);
	else if (instance)
		snprintf(out, STATE_NAME_MAX, "%s.%u", kind_names[kind],
			 instance);
	else
		snprintf(out, STATE_NAME_MAX, "%s", kind_names[kind]);
}

uint32_t state_crc32c(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[256];
	static bool ready;
	const uint8_t *p = data;

	if (!ready) {
		/* Idempotent: two threads filling it write the same values. */
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (c & 1 ? 0x82f63b78u : 0);
			table[i] = c;
		}
		ready = true;
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

int state_parse_header(const uint8_t *d, size_t len, const char *what,
		       struct state_file *f, struct err **e)
{
	if (len < STATE_HDR_LEN || memcmp(d, STATE_MAGIC, 8) != 0)
		return err_set(e, EINVAL,
			       "state file '%s' is not a nido-vmm state file "
			       "(no '%s' header)",
			       what, STATE_MAGIC);
	if (state_crc32c(0, d, 28) != ld32(d + 28))
		return err_set(e, EINVAL,
			       "state file '%s': header checksum mismatch",
			       what);
	f->version = ld32(d + 8);
	f->n = ld32(d + 12);
	f->length = ld64(d + 16);
	if (f->version == 0 || f->version > STATE_VERSION)
		return err_set(e, EINVAL,
			       "state file '%s': format version %u, this "
			       "nido-vmm reads versions 1 to %u",
			       what, f->version, STATE_VERSION);
	if (f->length != len)
		return err_set(e, EINVAL,
			       "state file '%s' is %zu bytes, its header says "
			       "%llu (truncated or extended)",
			       what, len, (unsigned long long)f->length);
	if (f->n > STATE_MAX_SECTIONS)
		return err_set(e, EINVAL,
			       "state file '%s': %u sections, at most %d", what,
			       f->n, STATE_MAX_SECTIONS);
	return 0;
}

int state_sec_at(const uint8_t *d, size_t len, size_t off, const char *what,
		 struct state_sec *s, size_t *next, struct err **e)
{
	const uint8_t *h = d + off;
	uint64_t plen;

	if (len - off < STATE_SEC_HDR_LEN)
		return err_set(e, EINVAL,
			       "state file '%s': truncated at section header "
			       "(offset %zu)",
			       what, off);
	if (state_crc32c(0, h, 20) != ld32(h + 20))
		return err_set(e, EINVAL,
			       "state file '%s': section header at offset %zu: "
			       "checksum mismatch",
			       what, off);
	s->kind = ld16(h);
	s->instance = ld16(h + 2);
	s->flags = ld32(h + 4);
	plen = ld64(h + 8);
	state_sec_name(s->kind, s->instance, s->name);
	s->known = kind_known(s->kind);
	off += STATE_SEC_HDR_LEN;
	if (plen > len - off || ALIGN_UP(plen, 8) > len - off)
		return err_set(e, EINVAL,
			       "state file '%s': section '%s' is %llu bytes, "
			       "past the end of the file",
			       what, s->name, (unsigned long long)plen);
	s->data = d + off;
	s->len = plen;
	*next = off + ALIGN_UP(plen, 8);
	if (state_crc32c(0, s->data, plen) != ld32(h + 16))
		return err_set(
			e, EBADMSG,
			"state file '%s': section '%s' checksum mismatch", what,
			s->name);
	return 0;
}

int state_parse(const uint8_t *d, size_t len, const char *what,
		struct state_file *f, struct err **e)
{
	size_t off = STATE_HDR_LEN;
	int r;

	memset(f, 0, sizeof(*f));
	r = state_parse_header(d, len, what, f, e);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < f->n; i++) {
		struct state_sec *s = &f->secs[i];

		r = state_sec_at(d, len, off, what, s, &off, e);
		if (r < 0)
			return r;
		if (!s->known && (s->flags & STATE_SEC_REQUIRED))
			return err_set(e, EINVAL,
				       "state file '%s': required section '%s' "
				       "is unknown to this nido-vmm (written "
				       "by a newer one?)",
				       what, s->name);
		for (unsigned j = 0; j < i; j++)
			if (f->secs[j].kind == s->kind &&
			    f->secs[j].instance == s->instance)
				return err_set(e, EINVAL,
					       "state file '%s': section '%s' "
					       "appears twice",
					       what, s->name);
	}
	if (off != len)
		return err_set(e, EINVAL,
			       "state file '%s': %zu bytes after the last "
			       "section",
			       what, len - off);
	return 0;
}

const struct state_sec *state_find(const struct state_file *f, uint16_t kind,
				   uint16_t instance)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->secs[i].kind == kind && f->secs[i].instance == instance)
			return &f->secs[i];
	return NULL;
}

void state_wr_init(struct state_wr *w)
{
	static const uint8_t zero[STATE_HDR_LEN];

	*w = (struct state_wr){0};
	buf_append(&w->b, zero, sizeof(zero));
}

void state_wr_begin(struct state_wr *w, uint16_t kind, uint16_t instance,
		    uint32_t flags)
{
	uint8_t h[STATE_SEC_HDR_LEN] = {0};

	kind = htole16(kind);
	instance = htole16(instance);
	flags = htole32(flags);
	memcpy(h, &kind, 2);
	memcpy(h + 2, &instance, 2);
	memcpy(h + 4, &flags, 4);
	w->sec_start = w->b.len;
	w->open = true;
	buf_append(&w->b, h, sizeof(h));
}

void state_wr_end(struct state_wr *w)
{
	uint8_t *h = (uint8_t *)w->b.data + w->sec_start;
	uint64_t len = w->b.len - w->sec_start - STATE_SEC_HDR_LEN;
	static const uint8_t pad[8];
	uint64_t le_len = htole64(len);
	uint32_t crc = htole32(state_crc32c(0, h + STATE_SEC_HDR_LEN, len));

	memcpy(h + 8, &le_len, 8);
	memcpy(h + 16, &crc, 4);
	crc = htole32(state_crc32c(0, h, 20));
	memcpy(h + 20, &crc, 4);
	buf_append(&w->b, pad, ALIGN_UP(len, 8) - len);
	w->open = false;
	w->n++;
}

void state_wr_finish(struct state_wr *w)
{
	uint8_t *h = (uint8_t *)w->b.data;
	uint32_t version = htole32(STATE_VERSION), n = htole32(w->n), crc;
	uint64_t len = htole64(w->b.len);

	memcpy(h, STATE_MAGIC, 8);
	memcpy(h + 8, &version, 4);
	memcpy(h + 12, &n, 4);
	memcpy(h + 16, &len, 8);
	memset(h + 24, 0, 4);
	crc = htole32(state_crc32c(0, h, 28));
	memcpy(h + 28, &crc, 4);
}

void state_wr_release(struct state_wr *w)
{
	buf_free(&w->b);
}

void state_put_u8(struct state_wr *w, uint8_t v)
{
	buf_append(&w->b, &v, 1);
}

void state_put_u16(struct state_wr *w, uint16_t v)
{
	v = htole16(v);
	buf_append(&w->b, &v, 2);
}

void state_put_u32(struct state_wr *w, uint32_t v)
{
	v = htole32(v);
	buf_append(&w->b, &v, 4);
}

void state_put_u64(struct state_wr *w, uint64_t v)
{
	v = htole64(v);
	buf_append(&w->b, &v, 8);
}

void state_put_bytes(struct state_wr *w, const void *p, size_t n)
{
	buf_append(&w->b, p, n);
}

void state_put_item(struct state_wr *w, uint32_t tag, const void *p, size_t n)
{
	static const uint8_t pad[8];

	state_put_u32(w, tag);
	state_put_u32(w, (uint32_t)n);
	buf_append(&w->b, p, n);
	buf_append(&w->b, pad, ALIGN_UP(n, 8) - n);
}

void state_rd_init(struct state_rd *r, const struct state_sec *s)
{
	*r = (struct state_rd){.p = s->data, .len = s->len};
}

const uint8_t *state_get_ptr(struct state_rd *r, uint64_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

void state_get_bytes(struct state_rd *r, void *dst, size_t n)
{
	const uint8_t *p = state_get_ptr(r, n);

	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

uint8_t state_get_u8(struct state_rd *r)
{
	const uint8_t *p = state_get_ptr(r, 1);

	return p ? *p : 0;
}

uint16_t state_get_u16(struct state_rd *r)
{
	const uint8_t *p = state_get_ptr(r, 2);

	return p ? ld16(p) : 0;
}

uint32_t state_get_u32(struct state_rd *r)
{
	const uint8_t *p = state_get_ptr(r, 4);

	return p ? ld32(p) : 0;
}

uint64_t state_get_u64(struct state_rd *r)
{
	const uint8_t *p = state_get_ptr(r, 8);

	return p ? ld64(p) : 0;
}

int state_get_item(struct state_rd *r, uint32_t *tag, const uint8_t **data,
		   uint32_t *len)
{
	if (!r->bad && r->off == r->len)
		return 0;
	*tag = state_get_u32(r);
	*len = state_get_u32(r);
	*data = state_get_ptr(r, *len);
	if (!*data || !state_get_ptr(r, ALIGN_UP((uint64_t)*len, 8) - *len))
		return -1;
	return 1;
}

bool state_rd_done(const struct state_rd *r)
{
	return !r->bad && r->off == r->len;
}
