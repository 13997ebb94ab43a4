// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido-vmm --describe-state: what a state file holds, read as untrusted
 * input. Each section is listed with its checksum's verdict; summaries
 * come only from sections whose checksum holds, read through the bounded
 * cursor; the verdict on the whole file is state_parse()'s.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>

#include "lib/file.h"
#include "vmm/hw/devices.h"
#include "vmm/state.h"
#include "vmm/state_kvm.h"
#include "vmm/virtio/virtio.h"

static const char *const virtio_names[] = {
	[1] = "net", [2] = "blk", [3] = "console", [4] = "rng"};

static void describe_memory(const struct state_sec *s, FILE *out)
{
	struct state_rd r;
	uint64_t size;
	uint32_t n, len;
	const uint8_t *name;

	state_rd_init(&r, s);
	size = state_get_u64(&r);
	n = state_get_u32(&r);
	state_get_u32(&r);
	fprintf(out, "    %" PRIu64 " MiB in %u regions\n", size >> 20, n);
	for (uint32_t i = 0; i < n && i < 8 && !r.bad; i++) {
		uint64_t gpa = state_get_u64(&r), sz = state_get_u64(&r);
		uint64_t off = state_get_u64(&r);

		if (!r.bad)
			fprintf(out,
				"    region %u: guest 0x%" PRIx64 ", %" PRIu64
				" bytes, file offset %" PRIu64 "\n",
				i, gpa, sz, off);
	}
	len = state_get_u32(&r);
	name = len < 4096 ? state_get_ptr(&r, len) : NULL;
	if (name)
		fprintf(out, "    memory file: %.*s\n", (int)len, name);
}

static void describe_vcpu(const struct state_sec *s, FILE *out)
{
	_cleanup_err_ struct err *e = NULL;
	struct state_rd r;
	const uint8_t *d;
	uint32_t tag, len;

	if (state_vcpu_check(s, &e) < 0) {
		fprintf(out, "    invalid: %s\n", err_msg(e));
		return;
	}
	fprintf(out, "    items:");
	state_rd_init(&r, s);
	while (state_get_item(&r, &tag, &d, &len) > 0) {
		fprintf(out, " %s", state_vcpu_item_name(tag));
		if (tag == 64) /* absent: list what */
			for (uint32_t i = 0; i + 4 <= len; i += 4) {
				uint32_t t;

				memcpy(&t, d + i, 4);
				fprintf(out, "%s%s", i ? "," : "(",
					state_vcpu_item_name(t));
			}
		if (tag == 64)
			fprintf(out, ")");
		if (tag == 1 && len == sizeof(struct kvm_regs)) {
			struct kvm_regs regs;

			memcpy(&regs, d, sizeof(regs));
			fprintf(out, "(rip=0x%llx)",
				(unsigned long long)regs.rip);
		}
		if (tag == 6)
			fprintf(out, "(%u)", len / 16);
	}
	fprintf(out, "\n");
}

static void describe_virtio(const struct state_sec *s, FILE *out)
{
	struct state_rd r;
	uint32_t id, nq, status;

	state_rd_init(&r, s);
	id = state_get_u32(&r);
	nq = state_get_u32(&r);
	status = state_get_u32(&r);
	if (r.bad || nq > VIRTIO_MAX_QUEUES) {
		fprintf(out, "    malformed\n");
		return;
	}
	fprintf(out, "    virtio-%s, status 0x%x, %u queues\n",
		id < ARRAY_SIZE(virtio_names) && virtio_names[id]
			? virtio_names[id]
			: "?",
		status, nq);
	state_get_ptr(&r, 3 * 4 + 8 + 2 * 4 + 1); /* the other registers */
	for (uint32_t i = 0; i < nq && !r.bad; i++) {
		uint16_t num = state_get_u16(&r);
		uint8_t ready = state_get_u8(&r);

		state_get_ptr(&r, 1 + 24);
		uint16_t last = state_get_u16(&r), used = state_get_u16(&r);

		if (!r.bad)
			fprintf(out,
				"    queue %u: size %u, %s, avail %u, used "
				"%u\n",
				i, num, ready ? "ready" : "not ready", last,
				used);
	}
}

static void describe_items(const struct state_sec *s, FILE *out)
{
	struct state_rd r;
	const uint8_t *d;
	uint32_t tag, len;

	fprintf(out, "    items:");
	state_rd_init(&r, s);
	while (state_get_item(&r, &tag, &d, &len) > 0)
		fprintf(out, " %s%s", state_vm_item_name(tag),
			state_vm_item_size_ok(tag, len) == 0 ? "(bad length)"
							     : "");
	fprintf(out, "\n");
}

static void describe_cpuhp(const struct state_sec *s, FILE *out)
{
	struct cpuhp_saved c;

	if (!cpuhp_read(s, &c)) {
		fprintf(out, "    malformed\n");
		return;
	}
	fprintf(out,
		"    %u vCPUs present, added not yet notified 0x%" PRIx64
		", GPE0 status 0x%x enable 0x%x\n",
		c.present, c.added, c.gpe_sts, c.gpe_en);
	fprintf(out,
		"    removal asked 0x%" PRIx64 " (not yet notified 0x%" PRIx64
		"), ejected 0x%" PRIx64 "\n",
		c.unplug, c.removing, c.ejected);
}

static void describe_section(const struct state_sec *s, FILE *out)
{
	switch (s->kind) {
	case STATE_SEC_CONFIG: /* printable characters only */
		fprintf(out, "    ");
		for (uint64_t i = 0; i < MIN(s->len, 2048ULL); i++)
			fputc(s->data[i] >= 0x20 && s->data[i] < 0x7f
				      ? s->data[i]
				      : '?',
			      out);
		fprintf(out, "\n");
		break;
	case STATE_SEC_MEMORY:
		describe_memory(s, out);
		break;
	case STATE_SEC_VCPU:
		describe_vcpu(s, out);
		break;
	case STATE_SEC_VM:
		describe_items(s, out);
		break;
	case STATE_SEC_VIRTIO:
		describe_virtio(s, out);
		break;
	case STATE_SEC_CPUHP:
		describe_cpuhp(s, out);
		break;
	default:
		break;
	}
}

/* Lists the sections as far as their headers hold together. */
static void list_sections(const uint8_t *d, size_t len, const char *path,
			  const struct state_file *f, FILE *out)
{
	size_t off = STATE_HDR_LEN;

	for (unsigned i = 0; i < f->n && off < len; i++) {
		_cleanup_err_ struct err *e = NULL;
		struct state_sec s = {0};
		size_t at = off;
		int r = state_sec_at(d, len, off, path, &s, &off, &e);

		if (r < 0 && r != -EBADMSG) {
			fprintf(out, "  (stops: %s)\n", err_msg(e));
			return;
		}
		fprintf(out,
			"  %-10s kind %-2u instance %-2u %-8s %8" PRIu64
			" bytes at offset %zu, checksum %s%s\n",
			s.name, s.kind, s.instance,
			s.flags & STATE_SEC_REQUIRED ? "required" : "optional",
			s.len, at + STATE_SEC_HDR_LEN,
			r == 0 ? "ok" : "MISMATCH",
			s.known ? "" : "  (unknown kind)");
		if (r == 0 && s.known)
			describe_section(&s, out);
	}
}

int state_describe_buf(const uint8_t *d, size_t len, const char *what,
		       FILE *out, struct err **e)
{
	struct state_file *f = xcalloc(1, sizeof(*f));
	int r = state_parse_header(d, len, what, f, e);

	if (len >= STATE_HDR_LEN && !memcmp(d, STATE_MAGIC, 8))
		fprintf(out,
			"state file %s: format version %u, %u sections, "
			"%" PRIu64 " bytes (file: %zu)\n",
			what, f->version, f->n, f->length, len);
	/* A header that holds together but for the length (a truncated
	 * file): its sections are listed as far as they go. */
	if (f->n <= STATE_MAX_SECTIONS)
		list_sections(d, len, what, f, out);
	if (r == 0)
		r = state_parse(d, len, what, f, e);
	if (r == 0)
		fprintf(out, "valid\n");
	free(f);
	return r;
}

int state_describe(const char *path, FILE *out, struct err **e)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = file_read_all(path, STATE_FILE_MAX, &data, &len, e);

	if (r < 0)
		return err_prefix(e, "state file '%s'", path);
	return state_describe_buf((const uint8_t *)data, len, path, out, e);
}
