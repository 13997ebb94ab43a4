// SPDX-License-Identifier: GPL-2.0-or-later
/* nido-vmm's small parts: the I/O bus, CPUID, configuration parsing. */
#include <errno.h>
#include <linux/kvm.h>

#include "tests/unit/test.h"
#include "vmm/bus.h"
#include "vmm/cpuid.h"
#include "vmm/kvm.h"
#include "vmm/throttle.h"
#include "vmm/vmconfig.h"

static uint64_t last_off;
static uint8_t last_val;

static void dev_read(void *dev, uint64_t off, void *data, unsigned len)
{
	memset(data, (int)(uintptr_t)dev, len);
	last_off = off;
}

static void dev_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	last_off = off;
	last_val = *(const uint8_t *)data;
}

static const struct bus_ops ops = {.read = dev_read, .write = dev_write};

static void bus_dispatches_and_refuses_overlap(void)
{
	struct bus b = {0};
	_cleanup_err_ struct err *e = NULL;
	uint8_t v = 0;
	uint32_t w;

	CHECK_INT_EQ(bus_add(&b, 0x3f8, 8, &ops, (void *)1, "a", NULL), 0);
	CHECK_INT_EQ(bus_add(&b, 0x60, 1, &ops, (void *)2, "b", NULL), 0);
	CHECK_INT_EQ(bus_add(&b, 0x64, 1, &ops, (void *)3, "c", NULL), 0);
	CHECK_INT_EQ(bus_add(&b, 0x3fc, 8, &ops, NULL, "d", &e), -EBUSY);
	CHECK_STR_CONTAINS(err_msg(e), "overlaps 'a'");
	CHECK_INT_EQ(bus_read(&b, 0x3fd, &v, 1), 0);
	CHECK_INT_EQ(v, 1);
	CHECK_U64_EQ(last_off, 5);
	CHECK_INT_EQ(bus_read(&b, 0x64, &v, 1), 0);
	CHECK_INT_EQ(v, 3);
	CHECK_INT_EQ(bus_read(&b, 0x61, &w, 4), -ENOENT);
	CHECK_U64_EQ(w, 0xffffffff);
	v = 0x42;
	CHECK_INT_EQ(bus_write(&b, 0x60, &v, 1), 0);
	CHECK_INT_EQ(last_val, 0x42);
	CHECK_INT_EQ(bus_write(&b, 0x400, &v, 1), -ENOENT);
	bus_release(&b);
}

static struct kvm_cpuid2 *fake_supported(void)
{
	struct kvm_cpuid2 *c =
		xcalloc(1, sizeof(*c) + 8 * sizeof(struct kvm_cpuid_entry2));

	c->nent = 6;
	c->entries[0] = (struct kvm_cpuid_entry2){.function = 0, .eax = 0xd};
	c->entries[1] =
		(struct kvm_cpuid_entry2){.function = 1, .ebx = 0x12345678};
	c->entries[2] = (struct kvm_cpuid_entry2){
		.function = 4,
		.index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = (1 << 5) | 0x1};
	c->entries[3] = (struct kvm_cpuid_entry2){
		.function = 0xb,
		.index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX};
	c->entries[4] =
		(struct kvm_cpuid_entry2){.function = 0xa, .eax = 0x7300403};
	c->entries[5] = (struct kvm_cpuid_entry2){.function = 0x40000001,
						  .eax = 0x1234};
	return c;
}

static void cpuid_topology(void)
{
	_cleanup_free_ struct kvm_cpuid2 *s = fake_supported();
	_cleanup_free_ struct kvm_cpuid2 *c = cpuid_for_vcpu(s, 2, 3);
	struct kvm_cpuid_entry2 *x;

	x = cpuid_find(c, 1, 0);
	CHECK(x != NULL);
	CHECK_INT_EQ(x->ebx >> 24, 2);		/* APIC ID */
	CHECK_INT_EQ((x->ebx >> 16) & 0xff, 4); /* 3 rounded up */
	CHECK_INT_EQ(x->ebx & 0xff, 0x78);
	CHECK(x->ecx & (1U << 31)); /* hypervisor */
	CHECK(x->edx & (1U << 28)); /* HTT */
	x = cpuid_find(c, 0xb, 1);
	CHECK(x != NULL);
	CHECK_INT_EQ(x->ebx, 3);
	CHECK_INT_EQ(x->eax, 2);
	CHECK_INT_EQ(x->edx, 2);
	CHECK_INT_EQ((x->ecx >> 8) & 0xff, 2);
	x = cpuid_find(c, 0xb, 0);
	CHECK_INT_EQ(x->ebx, 1);
	CHECK_INT_EQ(cpuid_find(c, 4, 0)->eax >> 26, 3);
	CHECK_INT_EQ(cpuid_find(c, 0xa, 0)->eax, 0); /* no vPMU */
	CHECK_INT_EQ(cpuid_find(c, 0x40000001, 0)->eax, 0x1234);
	CHECK_INT_EQ(s->entries[1].ebx, 0x12345678); /* input untouched */
}

static void cpuid_single_cpu(void)
{
	_cleanup_free_ struct kvm_cpuid2 *s = fake_supported();
	_cleanup_free_ struct kvm_cpuid2 *c = cpuid_for_vcpu(s, 0, 1);

	CHECK_INT_EQ(cpuid_find(c, 1, 0)->edx & (1U << 28), 0);
	CHECK_INT_EQ(cpuid_find(c, 0xb, 1)->ebx, 1);
}

/*
 * Leaf 0xd as a KVM might give it: x87, SSE, AVX and PKRU (bit 9) in
 * XCR0 but no sub-leaf for PKRU, and sizes that do not add up.
 */
static void cpuid_xsave_consistent(void)
{
	_cleanup_free_ struct kvm_cpuid2 *s = fake_supported();
	_cleanup_free_ struct kvm_cpuid2 *c = NULL;
	struct kvm_cpuid_entry2 *x;

	s->entries[1].ecx |= 1U << 26; /* XSAVE */
	s->entries[s->nent++] = (struct kvm_cpuid_entry2){
		.function = 0xd,
		.index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x207,
		.ebx = 576,
		.ecx = 2000};
	s->entries[s->nent++] = (struct kvm_cpuid_entry2){
		.function = 0xd,
		.index = 2,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 256,
		.ebx = 576};
	c = cpuid_for_vcpu(s, 0, 1);
	x = cpuid_find(c, 0xd, 0);
	CHECK(x != NULL);
	CHECK_INT_EQ(x->eax, 7); /* PKRU without its sub-leaf dropped */
	CHECK_INT_EQ(x->ecx, 832);
	CHECK_INT_EQ(x->ebx, 832);
	CHECK_U64_EQ(cpuid_xcr0(c), 7);
	cpuid_find(c, 1, 0)->ecx &= ~(1U << 26);
	CHECK_U64_EQ(cpuid_xcr0(c), 0); /* no XSAVE, no XCR0 */
}

static int tsc_stable_with(const char *contents)
{
	char path[] = "/tmp/nido-clocksource-XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0)
		return -1;
	r = write(fd, contents, strlen(contents)) == (ssize_t)strlen(contents);
	close(fd);
	if (r)
		r = kvm_host_tsc_stable(path);
	else
		r = -1;
	unlink(path);
	return r;
}

/* The invariant TSC is offered when the host's clocksource is the TSC. */
static void cpuid_invariant_tsc(void)
{
	_cleanup_free_ struct kvm_cpuid2 *s = fake_supported();

	CHECK_INT_EQ(tsc_stable_with("tsc\n"), 1);
	CHECK_INT_EQ(tsc_stable_with("tsc-early\n"), 0);
	CHECK_INT_EQ(tsc_stable_with("kvm-clock\n"), 0);
	CHECK_INT_EQ(kvm_host_tsc_stable("/nonexistent/clocksource"), 0);
	s->entries[s->nent++] = (struct kvm_cpuid_entry2){
		.function = 0x80000007, .edx = 1U << 9};
	cpuid_set_invariant_tsc(s);
	CHECK_INT_EQ(cpuid_find(s, 0x80000007, 0)->edx, (1U << 9) | (1U << 8));
}

static void config_disks_and_nets(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct config_disk d;
	struct config_net n;

	CHECK_INT_EQ(config_parse_disk("/a.qcow2,readonly,format=qcow2,"
				       "serial=abc",
				       &d, NULL),
		     0);
	CHECK_STR_EQ(d.path, "/a.qcow2");
	CHECK_INT_EQ(d.readonly, 1);
	CHECK_INT_EQ(d.format, DISK_FORMAT_QCOW2);
	CHECK_STR_EQ(d.serial, "abc");
	free(d.path);
	free(d.serial);
	CHECK_INT_EQ(config_parse_disk("/b,format=vmdk", &d, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "unknown option 'format=vmdk'");
	CHECK_INT_EQ(
		config_parse_net("tap=tap0,mac=52:54:00:ab:cd:ef", &n, NULL),
		0);
	CHECK_STR_EQ(n.tap, "tap0");
	CHECK_INT_EQ(n.mac[5], 0xef);
	free(n.tap);
	CHECK_INT_EQ(config_parse_net("tap=t,mac=01:00:00:00:00:00", &n, NULL),
		     -EINVAL);
	CHECK_INT_EQ(config_parse_net("tap=aaaaaaaaaaaaaaaaaaaa", &n, NULL),
		     -EINVAL);
	/* A tap our supervisor opened, and the link's first state. */
	CHECK_INT_EQ(config_parse_net("tap=fd:7,link=down", &n, NULL), 0);
	CHECK_INT_EQ(n.fd, 7);
	CHECK(n.link_down);
	free(n.tap);
	CHECK_INT_EQ(config_parse_net("tap=tap0", &n, NULL), 0);
	CHECK_INT_EQ(n.fd, -1);
	CHECK(!n.link_down);
	free(n.tap);
	CHECK_INT_EQ(config_parse_net("tap=fd:2", &n, NULL), -EINVAL);
	CHECK_INT_EQ(config_parse_net("tap=fd:x", &n, NULL), -EINVAL);
	CHECK_INT_EQ(config_parse_net("tap=t,link=sideways", &n, NULL),
		     -EINVAL);
}

static void config_memory_sizes(void)
{
	uint64_t v;

	CHECK_INT_EQ(config_parse_memory("256", &v, NULL), 0);
	CHECK_U64_EQ(v, 256ULL << 20);
	CHECK_INT_EQ(config_parse_memory("1G", &v, NULL), 0);
	CHECK_U64_EQ(v, 1ULL << 30);
	CHECK(config_parse_memory("lots", &v, NULL) < 0);
	CHECK(config_parse_memory("99999999999999", &v, NULL) < 0);
}

static void config_check_catches_bad_values(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct vm_config c;

	config_init(&c);
	CHECK_INT_EQ(config_check(&c, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "no kernel");
	c.kernel = xstrdup("/k");
	CHECK_INT_EQ(config_check(&c, NULL), 0);
	c.mem_size = 4 << 20;
	CHECK_INT_EQ(config_check(&c, NULL), -EINVAL);
	c.mem_size = (64 << 20) + 1;
	CHECK_INT_EQ(config_check(&c, NULL), -EINVAL);
	config_release(&c);
}

/* --channel and "channels": names, host ends, limits, duplicates; the
 * state file's copy keeps the names. */
static void config_channels(void)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *json = NULL;
	struct config_channel ch;
	struct vm_config c;

	CHECK_INT_EQ(
		config_parse_channel("org.qemu.guest_agent.0,fd:7", &ch, NULL),
		0);
	CHECK_STR_EQ(ch.name, "org.qemu.guest_agent.0");
	CHECK_INT_EQ(ch.fd, 7);
	CHECK(!ch.path);
	free(ch.name);
	CHECK_INT_EQ(config_parse_channel("a,unix:/run/a.sock", &ch, NULL), 0);
	CHECK_STR_EQ(ch.path, "/run/a.sock");
	CHECK_INT_EQ(ch.fd, -1);
	free(ch.name);
	free(ch.path);
	CHECK_INT_EQ(config_parse_channel("bare", &ch, NULL), 0);
	CHECK(!ch.path && ch.fd == -1);
	free(ch.name);
	CHECK_INT_EQ(config_parse_channel("", &ch, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "the port's name");
	CHECK_INT_EQ(config_parse_channel("a/b", &ch, NULL), -EINVAL);
	CHECK_INT_EQ(config_parse_channel("..", &ch, NULL), -EINVAL);
	CHECK_INT_EQ(config_parse_channel("a b", &ch, NULL), -EINVAL);
	CHECK_INT_EQ(config_parse_channel("a,fd:2", &ch, NULL), -EINVAL);
	CHECK_INT_EQ(config_parse_channel("a,tcp:1", &ch, NULL), -EINVAL);
	CHECK_INT_EQ(config_parse_channel("a,unix:", &ch, NULL), -EINVAL);

	config_init(&c);
	CHECK_INT_EQ(
		config_load_json_text("{\"kernel\": \"/k\", \"channels\": ["
				      "{\"name\": \"x\", \"socket\": \"fd:9\"},"
				      "{\"name\": \"y\"}]}",
				      "t", &c, NULL),
		0);
	CHECK_INT_EQ(c.n_channels, 2);
	CHECK_INT_EQ(c.channels[0].fd, 9);
	c.channels[0].fd = -1; /* not ours to close */
	json = config_to_json(&c);
	CHECK_STR_CONTAINS(json, "\"channels\":[{\"name\":\"x\"},");
	CHECK_INT_EQ(config_check(&c, NULL), 0);
	free(c.channels[1].name);
	c.channels[1].name = xstrdup("x");
	CHECK_INT_EQ(config_check(&c, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "two channels named 'x'");
	config_release(&c);

	config_init(&c);
	CHECK_INT_EQ(config_load_json_text(
			     "{\"channels\": [{\"name\": \"x\", \"s\": 1}]}",
			     "t", &c, &e),
		     -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "unknown channel key 's'");
	config_release(&c);
}

/* Leaky buckets on a clock the test drives: the average holds. */
static void throttle_keeps_the_rate(void)
{
	struct throttle_limits lim = {.bytes = {[THROTTLE_READ] = 1000000},
				      .ops = {[THROTTLE_TOTAL] = 100}};
	struct throttle t;
	uint64_t now = 1000000000ull, done = 0, wait, waits = 0;
	int n = 0;

	throttle_init(&t, &lim);
	CHECK(throttle_enabled(&t));
	/* 10 s of 64 KiB reads as fast as admitted: about 10 MB */
	while (now < 11000000000ull) {
		wait = throttle_admit(&t, false, 65536, now);
		if (wait) {
			now += wait;
			waits++;
			continue;
		}
		done += 65536;
		n++;
	}
	CHECK(done >= 9500000 && done <= 10300000);
	/* writes only meet the total operations limit: 100 per second */
	n = 0;
	for (uint64_t end = now + 1000000000ull; now < end;) {
		wait = throttle_admit(&t, true, 1 << 20, now);
		if (wait) {
			now += wait;
			waits++;
		} else {
			n++;
		}
	}
	CHECK(n >= 95 && n <= 115);
	CHECK(waits > 0);
	throttle_init(&t, &(struct throttle_limits){0});
	CHECK(!throttle_enabled(&t));
	CHECK_U64_EQ(throttle_admit(&t, true, 1 << 30, now), 0);
}

/* --disk iotune options, and the total-with-read conflict. */
static void config_disk_iotune(void)
{
	struct config_disk d;
	_cleanup_err_ struct err *e = NULL;

	CHECK(config_parse_disk("x.raw,read_bytes_sec=100,write_iops_sec=7", &d,
				NULL) == 0);
	CHECK_U64_EQ(d.iotune.bytes[THROTTLE_READ], 100);
	CHECK_U64_EQ(d.iotune.ops[THROTTLE_WRITE], 7);
	free(d.path);
	CHECK(config_parse_disk("x.raw,total_iops_sec=1,read_iops_sec=2", &d,
				&e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "total_iops_sec cannot be set with");
}

int main(void)
{
	RUN(bus_dispatches_and_refuses_overlap);
	RUN(cpuid_topology);
	RUN(cpuid_single_cpu);
	RUN(cpuid_xsave_consistent);
	RUN(cpuid_invariant_tsc);
	RUN(config_disks_and_nets);
	RUN(config_memory_sizes);
	RUN(config_check_catches_bad_values);
	RUN(config_channels);
	RUN(throttle_keeps_the_rate);
	RUN(config_disk_iotune);
	return test_done();
}
