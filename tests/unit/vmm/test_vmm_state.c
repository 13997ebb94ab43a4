// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state file's container (src/vmm/state_format.c): CRC-32C, a file
 * written and read back, what a reader skips and what it refuses, each
 * refusal naming the file and the section; the configuration section's
 * JSON read back as the same configuration; a device's state round trip.
 */
#include <errno.h>

#include "tests/unit/test.h"
#include "vmm/hw/devices.h"
#include "vmm/state_format.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"
#include "vmm/vmconfig.h"

/* A file with a boottimer section, an optional section of an unknown
 * kind (99) and an rtc section. */
static void build(struct state_wr *w, uint32_t unknown_flags)
{
	uint8_t ram[129] = {0x0b};

	state_wr_init(w);
	state_wr_begin(w, STATE_SEC_BOOTTIMER, 0, 0);
	state_put_u64(w, 1234);
	state_wr_end(w);
	state_wr_begin(w, 99, 2, unknown_flags);
	state_put_bytes(w, "future", 6);
	state_wr_end(w);
	state_wr_begin(w, STATE_SEC_RTC, 0, STATE_SEC_REQUIRED);
	state_put_bytes(w, ram, sizeof(ram));
	state_wr_end(w);
	state_wr_finish(w);
}

static void crc32c_matches_the_standard_check_value(void)
{
	CHECK_U64_EQ(state_crc32c(0, "123456789", 9), 0xe3069283u);
}

static void a_file_reads_back_and_unknown_optional_sections_are_kept_aside(void)
{
	_cleanup_err_ struct err *e = NULL;
	static struct state_file f;
	struct state_wr w;
	struct state_rd r;
	const struct state_sec *s;

	build(&w, 0);
	CHECK_INT_EQ(state_parse((uint8_t *)w.b.data, w.b.len, "f", &f, &e), 0);
	CHECK_INT_EQ(f.n, 3);
	s = state_find(&f, STATE_SEC_BOOTTIMER, 0);
	CHECK(s != NULL);
	state_rd_init(&r, s);
	CHECK_U64_EQ(state_get_u64(&r), 1234);
	CHECK(state_rd_done(&r));
	state_get_u8(&r);
	CHECK(r.bad); /* never past the end */
	s = state_find(&f, 99, 2);
	CHECK(s && !s->known);
	CHECK_STR_EQ(s->name, "kind-99.2");
	state_wr_release(&w);
}

static void unknown_required_sections_are_refused_by_name(void)
{
	_cleanup_err_ struct err *e = NULL;
	static struct state_file f;
	struct state_wr w;

	build(&w, STATE_SEC_REQUIRED);
	CHECK_INT_EQ(state_parse((uint8_t *)w.b.data, w.b.len, "f", &f, &e),
		     -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "required section 'kind-99.2' is "
				       "unknown");
	state_wr_release(&w);
}

/* Each damage to the file, and the message it must give. */
static void damage_is_refused_by_name(void)
{
	static const struct {
		size_t at; /* byte changed; 0: the file is cut at @cut */
		size_t cut;
		const char *msg;
	} cases[] = {
		{3, 0, "is not a nido-vmm state file"},
		{9, 0, "header checksum mismatch"},
		{0, 100, "is 100 bytes, its header says"},
		{32 + 24 + 2, 0, "section 'boottimer' checksum mismatch"},
		{32 + 4, 0, "section header at offset 32: checksum mismatch"},
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_err_ struct err *e = NULL;
		static struct state_file f;
		struct state_wr w;
		size_t len;

		build(&w, 0);
		len = cases[i].cut ? cases[i].cut : w.b.len;
		if (cases[i].at)
			w.b.data[cases[i].at] ^= 0x40;
		CHECK(state_parse((uint8_t *)w.b.data, len, "x.state", &f, &e) <
		      0);
		CHECK_STR_CONTAINS(err_msg(e), "state file 'x.state'");
		CHECK_STR_CONTAINS(err_msg(e), cases[i].msg);
		state_wr_release(&w);
	}
}

static void a_newer_format_version_is_refused(void)
{
	_cleanup_err_ struct err *e = NULL;
	static struct state_file f;
	struct state_wr w;
	uint32_t crc;

	build(&w, 0);
	w.b.data[8] = 2;
	crc = state_crc32c(0, w.b.data, 28);
	memcpy(w.b.data + 28, &crc, 4);
	CHECK(state_parse((uint8_t *)w.b.data, w.b.len, "f", &f, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "format version 2, this nido-vmm "
				       "reads versions 1 to 1");
	state_wr_release(&w);
}

static void the_config_section_reads_back_as_the_same_config(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct vm_config a, b;
	_cleanup_free_ char *json = NULL, *again = NULL;

	config_init(&a);
	config_init(&b);
	a.cpus = 3;
	a.mem_size = (96ULL << 20) + 4096;
	a.virtio_rng = 1;
	CHECK_INT_EQ(config_parse_disk("/d.img,format=qcow2,serial=S1,"
				       "read_bytes_sec=1000",
				       &a.disks[a.n_disks++], NULL),
		     0);
	CHECK_INT_EQ(config_parse_net("tap=t0,mac=52:54:00:01:02:03,link=down",
				      &a.nets[a.n_nets++], NULL),
		     0);
	json = config_to_json(&a);
	CHECK_INT_EQ(config_load_json_text(json, "s", &b, &e), 0);
	again = config_to_json(&b);
	CHECK_STR_EQ(again, json);
	CHECK_U64_EQ(b.mem_size, a.mem_size);
	CHECK_INT_EQ(b.cpus, 3);
	config_release(&a);
	config_release(&b);
}

static void a_device_state_round_trips_and_bad_sections_are_refused(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct vm *vm = vm_create_bare(16 << 20, NULL);
	struct vm *vm2 = vm_create_bare(16 << 20, NULL);
	struct rtc *rtc = rtc_create(vm, NULL);
	static struct state_file f;
	struct state_wr w;
	uint8_t v = 0x42, back = 0;

	bus_write(&vm->pio, RTC_PORT, &(uint8_t){0x40}, 1);
	bus_write(&vm->pio, RTC_PORT + 1, &v, 1);
	state_wr_init(&w);
	rtc_save(rtc, &w);
	state_wr_finish(&w);
	rtc_destroy(rtc);
	rtc = rtc_create(vm2, NULL); /* a new VM's, as a restore makes */
	CHECK_INT_EQ(state_parse((uint8_t *)w.b.data, w.b.len, "f", &f, &e), 0);
	CHECK_INT_EQ(rtc_load(rtc, &f.secs[0], &e), 0);
	bus_read(&vm2->pio, RTC_PORT + 1, &back, 1);
	CHECK_INT_EQ(back, 0x42);
	f.secs[0].len--; /* a short section */
	CHECK_INT_EQ(rtc_load(rtc, &f.secs[0], &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "section 'rtc' is malformed");
	rtc_destroy(rtc);
	state_wr_release(&w);
	vm_destroy(vm);
	vm_destroy(vm2);
}

/* A multiport virtio-console's section: the transport (driver OK with
 * MULTIPORT, no queue ready), then @n_ports ports of @flags and @say,
 * port 1 with @pending bytes of input waiting. */
static void console_section(struct state_wr *w, uint32_t n_ports, uint8_t flags,
			    uint8_t say, uint32_t pending)
{
	state_wr_init(w);
	state_wr_begin(w, STATE_SEC_VIRTIO, 0, STATE_SEC_REQUIRED);
	state_put_u32(w, 3);  /* virtio-console */
	state_put_u32(w, 18); /* 8 ports */
	state_put_u32(w, 1 | 2 | 4 | 8);
	state_put_u32(w, 0);
	state_put_u32(w, 0);
	state_put_u32(w, 0);
	state_put_u64(w, (1ULL << 32) | 2); /* VERSION_1, MULTIPORT */
	state_put_u32(w, 0);
	state_put_u32(w, 0);
	state_put_u8(w, 0);
	for (int q = 0; q < 18; q++) {
		state_put_u16(w, 0);
		state_put_u8(w, 0);
		state_put_u8(w, 0);
		state_put_u64(w, 0);
		state_put_u64(w, 0);
		state_put_u64(w, 0);
		state_put_u16(w, 0);
		state_put_u16(w, 0);
	}
	state_put_u32(w, n_ports);
	for (uint32_t i = 0; i < n_ports; i++) {
		state_put_u8(w, i ? flags : 0);
		state_put_u8(w, i ? say : 0);
		state_put_u32(w, i ? pending : 0);
		for (uint32_t k = 0; i && k < pending && k < 5000; k++)
			state_put_u8(w, 'a');
	}
	state_wr_end(w);
	state_wr_finish(w);
}

/* The multiport console's ports (docs/state-format.md): read back as
 * saved; a section that does not fit the configuration or holds bad
 * values is refused by name. */
static void a_multiport_console_round_trips_and_bad_ones_are_refused(void)
{
	static const struct virtio_console_chan ch[] = {{"agent", NULL}};
	struct vm *vm = vm_create_bare(16 << 20, NULL);
	struct virtio_dev *d =
		virtio_console_create(vm, -1, false, ch, 1, NULL);
	static struct state_file f;
	struct state_wr w, again;
	const char *name = NULL;
	bool open = false;
	static const struct {
		uint32_t ports;
		uint8_t flags, say;
		uint32_t pending;
		const char *why;
	} bad[] = {
		{3, 3, 0, 0, "holds 3 ports, the configuration 2"},
		{2, 8, 0, 0, "port 1: bad flags"},
		{2, 3, 16, 0, "port 1: bad flags"},
		{2, 3, 0, 4097, "bad pending input length 4097"},
	};

	CHECK(d != NULL);
	console_section(&w, 2, 1 | 2, 8, 3);
	CHECK_INT_EQ(state_parse((uint8_t *)w.b.data, w.b.len, "f", &f, NULL),
		     0);
	CHECK_INT_EQ(virtio_dev_load(d, &f.secs[0], NULL), 0);
	CHECK(virtio_console_channel(d, 0, &name, &open));
	CHECK_STR_EQ(name, "agent");
	CHECK(open);
	CHECK(!virtio_console_channel(d, 1, &name, &open));
	state_wr_init(&again);
	virtio_dev_save(d, 0, &again);
	state_wr_finish(&again);
	CHECK_INT_EQ(again.b.len, w.b.len);
	CHECK(memcmp(again.b.data, w.b.data, w.b.len) == 0);
	state_wr_release(&again);
	state_wr_release(&w);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_err_ struct err *e = NULL;

		console_section(&w, bad[i].ports, bad[i].flags, bad[i].say,
				bad[i].pending);
		CHECK_INT_EQ(state_parse((uint8_t *)w.b.data, w.b.len, "f", &f,
					 NULL),
			     0);
		CHECK_INT_EQ(virtio_dev_load(d, &f.secs[0], &e), -EINVAL);
		CHECK_STR_CONTAINS(err_msg(e), bad[i].why);
		state_wr_release(&w);
	}
	virtio_dev_destroy(d);
	vm_destroy(vm);
}

int main(void)
{
	RUN(crc32c_matches_the_standard_check_value);
	RUN(a_file_reads_back_and_unknown_optional_sections_are_kept_aside);
	RUN(unknown_required_sections_are_refused_by_name);
	RUN(damage_is_refused_by_name);
	RUN(a_newer_format_version_is_refused);
	RUN(the_config_section_reads_back_as_the_same_config);
	RUN(a_device_state_round_trips_and_bad_sections_are_refused);
	RUN(a_multiport_console_round_trips_and_bad_ones_are_refused);
	return test_done();
}
