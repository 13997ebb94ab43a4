// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the RPC fuzz target (tests/fuzz/daemon/fuzz_rpc.c) in the normal
 * suite: seeds, then deterministic mutations of them, so that a crash
 * the fuzzer would find in the obvious neighbourhood shows up here too.
 */
#include "../../fuzz/daemon/fuzz_rpc.c"
#include "test.h"

static const char *const seeds[] = {
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"domain.list\","
	"\"params\":{\"all\":true}}",
	"{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"domain.define\","
	"\"params\":{\"xml\":\"<domain type='kvm'><name>a</name><memory>"
	"1024</memory><os><kernel>/k</kernel></os><devices><disk "
	"type='file'><source file='/d'/><target dev='vda'/></disk>"
	"</devices></domain>\"}}",
	/* entity amplification: refused before anything is expanded */
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"domain.define\","
	"\"params\":{\"xml\":\"<!DOCTYPE d [<!ENTITY a 'xxxxxxxx'><!ENTITY "
	"b '&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>"
	"]><domain type='kvm'><name>a</name><memory>1024</memory><os>"
	"<kernel>/k</kernel></os><devices><disk><source file='&c;'/>"
	"<target dev='vda'/></disk></devices></domain>\"}}",
	/* what the subset keeps: escaping and attributes round trip */
	"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"domain.define\","
	"\"params\":{\"xml\":\"<domain type='kvm'><name>b</name><title>"
	"it's &lt;\\\"t\\\"&gt;</title><memory dumpCore='off'>1024</memory>"
	"<vcpu cpuset='0-3,^1' placement='auto'>2</vcpu><os><type "
	"machine='pc'>hvm</type><kernel>/k\\r\\n</kernel></os><devices>"
	"<disk><driver type='qcow2' discard='unmap' cache='none'/><source "
	"file='/a&#10;&#9;&apos;b'/><target dev='vda'/></disk><serial "
	"type='pty'><log file='/l' append='on'/></serial><console "
	"type='pty'/><rng model='virtio'><rate bytes='9'/><backend "
	"model='random'>/dev/random</backend></rng></devices></domain>\"}}",
	/* the full machine's devices: controllers, addresses, balloon,
	 * watchdog, panic, clock, features, boot menu, a VNC password */
	"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"domain.define\","
	"\"params\":{\"xml\":\"<domain type='qemu'><name>m</name><memory>"
	"65536</memory><os><type arch='i686'>hvm</type><boot dev='network'/>"
	"<bootmenu enable='yes' timeout='9'/></os><features><acpi/></features>"
	"<clock offset='localtime'/><devices><controller type='scsi' "
	"index='0' model='virtio-scsi'><address type='pci' domain='0' "
	"bus='0' slot='5' function='0'/></controller><controller "
	"type='ide'/><disk type='block'><driver cache='none'/><source "
	"dev='/dev/b'/><target dev='sda' bus='scsi'/><address "
	"type='drive' controller='0' bus='0' target='2' unit='3'/></disk>"
	"<interface type='ethernet'><address type='pci' domain='0' bus='0' "
	"slot='3' function='0'/></interface><graphics type='vnc' "
	"passwd='pw'/><watchdog model='i6300esb' action='pause'/>"
	"<memballoon model='virtio' autodeflate='on'/><panic model='isa'>"
	"<address type='isa' iobase='0x505'/></panic></devices></domain>\"}}",
	"{\"jsonrpc\":\"2.0\",\"method\":\"x\"}",
	"[1,2,3]",
	"{\"jsonrpc\":\"1.0\",\"id\":null,\"method\":\"\"}",
	"{\"jsonrpc\":\"2.0\",\"id\":[],\"method\":\"m\",\"params\":[]}",
	"\xff\xfe\"\\u0000",
	"",
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void mutate(char *buf, size_t *len, size_t cap)
{
	size_t pos = *len ? next() % *len : 0;

	switch (next() % 4) {
	case 0: /* flip a byte */
		if (*len)
			buf[pos] = (char)next();
		break;
	case 1: /* cut */
		*len = pos;
		break;
	case 2: /* duplicate a piece */
		if (*len && *len * 2 < cap) {
			memcpy(buf + *len, buf + pos, *len - pos);
			*len += *len - pos;
		}
		break;
	default: /* insert a special character */
		if (*len + 1 < cap) {
			memmove(buf + pos + 1, buf + pos, *len - pos);
			buf[pos] = "{}[]\",:\\\x00\x80"[next() % 11];
			(*len)++;
		}
	}
}

static void rpc_fuzz_seeds_survive(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(seeds); i++)
		LLVMFuzzerTestOneInput((const uint8_t *)seeds[i],
				       strlen(seeds[i]));
	CHECK(1);
}

static void rpc_fuzz_mutations_survive(void)
{
	char buf[8192];

	for (int round = 0; round < 20000; round++) {
		const char *s = seeds[next() % ARRAY_SIZE(seeds)];
		size_t len = strlen(s);

		memcpy(buf, s, len);
		for (int k = 0, n = (int)(next() % 4) + 1; k < n; k++)
			mutate(buf, &len, sizeof(buf));
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	}
	CHECK(1);
}

int main(void)
{
	RUN(rpc_fuzz_seeds_survive);
	RUN(rpc_fuzz_mutations_survive);
	return test_done();
}
