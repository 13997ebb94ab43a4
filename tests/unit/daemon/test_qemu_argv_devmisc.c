// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <tpm>, <shmem>, a machine's <filesystem>, <vsock> and <memoryBacking>
 * <source type='file'> (domain_conf_devmisc.c, domain_conf_vfs.c,
 * driver-qemu-devmisc.c): from domain XML as a user gives it, through
 * what `nido define` checks and dumpxml writes back, to QEMU's
 * -tpmdev, -fsdev, -object and -device; and what define refuses by
 * name (libvirt's rules).
 */
#include <errno.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

/* A domain with @top beside <devices> and @devs inside. */
static char *xml(const char *top, const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type></os>%s"
			 "<devices>%s</devices></domain>",
			 top, devs);
}

/* dumpxml of @d parses back to itself. */
static void check_round_trip(const char *first)
{
	struct domain_def *again = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *second = NULL;

	CHECK_INT_EQ(domain_def_parse(first, strlen(first), &again, NULL, &e),
		     0);
	second = domain_def_format(again);
	CHECK_STR_EQ(first, second);
	domain_def_free(again);
}

/* The command line (TPM's control channel on fd 30) and dumpxml of
 * @top/@devs, "\n"-separated; NULL (and a failure) when refused. */
static char *argv_for(const char *top, const char *devs, char **dump)
{
	_cleanup_free_ char *text = xml(top, devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct qemu_argv a = {0};
	char *first;

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	qemu_argv_tpm(&a, d, 30);
	first = domain_def_format(d);
	check_round_trip(first);
	if (dump)
		*dump = first;
	else
		free(first);
	domain_def_free(d);
	return qemu_test_args(&a);
}

static char *refusal(const char *top, const char *devs)
{
	_cleanup_free_ char *text = xml(top, devs);
	char *why = qemu_test_refusal(text);

	if (!why)
		TEST_FAIL("accepted: %s", devs);
	return why ? why : xstrdup("");
}

static void tpm_emulator_external_passthrough(void)
{
	_cleanup_free_ char *dump = NULL;
	_cleanup_free_ char *s = argv_for(
		"",
		"<tpm model='tpm-crb'><backend type='emulator' version='2.0' "
		"persistent_state='yes'><active_pcr_banks><sha256/>"
		"</active_pcr_banks></backend></tpm>",
		&dump);
	_cleanup_free_ char *ext = argv_for(
		"",
		"<tpm model='tpm-tis'><backend type='external'><source "
		"type='unix' mode='connect' path='/run/a,b.sock'/></backend>"
		"</tpm>",
		NULL);
	_cleanup_free_ char *pt =
		argv_for("", "<tpm><backend type='passthrough'/></tpm>", NULL);

	if (!s || !ext || !pt)
		return;
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=chrtpm,fd=30\n-tpmdev\n"
			      "emulator,id=tpm-tpm0,chardev=chrtpm\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"tpm-crb\",\"tpmdev\":"
			      "\"tpm-tpm0\",\"id\":\"tpm0\"}");
	CHECK_STR_CONTAINS(dump, "<backend type='emulator' version='2.0' "
				 "persistent_state='yes'>");
	CHECK_STR_CONTAINS(dump, "<sha256/>");
	/* a comma in a path is doubled */
	CHECK_STR_CONTAINS(ext, "socket,id=chrtpm,path=/run/a,,b.sock\n");
	CHECK_STR_CONTAINS(ext, "\"driver\":\"tpm-tis\"");
	CHECK_STR_CONTAINS(pt, "passthrough,id=tpm-tpm0,path=/dev/tpm0,"
			       "cancel-path=/sys/class/tpm/tpm0/device/"
			       "cancel\n");
}

static void tpm_refusals(void)
{
	_cleanup_free_ char *crb12 =
		refusal("", "<tpm model='tpm-crb'><backend type='emulator' "
			    "version='1.2'/></tpm>");
	_cleanup_free_ char *two =
		refusal("", "<tpm><backend type='passthrough'/></tpm>"
			    "<tpm><backend type='passthrough'/></tpm>");
	_cleanup_free_ char *banks = refusal(
		"", "<tpm><backend type='emulator' version='1.2'>"
		    "<active_pcr_banks><sha1/></active_pcr_banks></backend>"
		    "</tpm>");
	_cleanup_free_ char *secret =
		refusal("", "<tpm><backend type='emulator'><encryption "
			    "secret='nope'/></backend></tpm>");
	_cleanup_free_ char *model = refusal(
		"", "<tpm model='tpm-spapr'><backend type='emulator'/></tpm>");

	CHECK_STR_CONTAINS(crb12, "TPM 1.2 on model 'tpm-crb'");
	CHECK_STR_CONTAINS(two, "a second <tpm>");
	CHECK_STR_CONTAINS(banks, "TPM 1.2 has none");
	CHECK_STR_CONTAINS(secret, "<encryption secret='nope'>: not a");
	CHECK_STR_CONTAINS(model, "invalid TPM model 'tpm-spapr'");
}

static void shmem_plain_and_doorbell(void)
{
	_cleanup_free_ char *dump = NULL;
	_cleanup_free_ char *s = argv_for(
		"",
		"<shmem name='s0'/>"
		"<shmem name='s1' role='peer'><model type='ivshmem-plain'/>"
		"<size unit='M'>128</size></shmem>"
		"<shmem name='s2'><model type='ivshmem-doorbell'/>"
		"<server path='/tmp/s2-sock'/><msi vectors='16' "
		"ioeventfd='off'/></shmem>"
		"<shmem name='s3'><model type='ivshmem-doorbell'/><server/>"
		"</shmem>",
		&dump);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"qom-type\":\"memory-backend-file\",\"id\":"
			      "\"shmmem-s0\",\"mem-path\":\"/dev/shm/s0\","
			      "\"size\":4194304,\"share\":true}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ivshmem-plain\",\"memdev\":"
			      "\"shmmem-s0\",\"id\":\"shmem0\",\"bus\":"
			      "\"pci.0\",\"addr\":\"0x3\"}");
	CHECK_STR_CONTAINS(s, "\"size\":134217728,\"share\":true}");
	CHECK_STR_CONTAINS(s, "\"id\":\"shmem1\",\"master\":false");
	CHECK_STR_CONTAINS(s, "socket,id=charshmem2,path=/tmp/s2-sock\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ivshmem-doorbell\",\"chardev\":"
			      "\"charshmem2\",\"vectors\":16,\"ioeventfd\":"
			      "false,\"id\":\"shmem2\"");
	CHECK_STR_CONTAINS(s, "path=/var/lib/nido/shmem-s3-sock\n");
	CHECK_STR_CONTAINS(dump, "<shmem name='s1' role='peer'>\n"
				 "      <model type='ivshmem-plain'/>\n"
				 "      <size unit='M'>128</size>\n");
}

static void shmem_refusals(void)
{
	static const char *const cases[][2] = {
		{"<shmem name='a'><size unit='K'>12345</size></shmem>",
		 "not a power of two"},
		{"<shmem name='a'><size unit='K'>16</size></shmem>",
		 "less than 1 MiB"},
		{"<shmem name='a'><msi/></shmem>", "<msi> needs a <server>"},
		{"<shmem name='a'><model type='ivshmem-plain'/><server/>"
		 "</shmem>",
		 "model 'ivshmem-plain' has no <server>"},
		{"<shmem name='a'><model type='ivshmem-doorbell'/></shmem>",
		 "needs a <server>"},
		{"<shmem name='../etc/x'/>", "not a file name"},
		{"<shmem name='a'><address type='isa'/></shmem>",
		 "<address type='isa'> not supported on <shmem>"},
		{"<shmem name='a'/><shmem name='a'/>", "two <shmem> named 'a'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *why = refusal("", cases[i][0]);

		CHECK_STR_CONTAINS(why, cases[i][1]);
	}
}

static void filesystems_9p(void)
{
	_cleanup_free_ char *dump = NULL;
	_cleanup_free_ char *s = argv_for(
		"",
		"<filesystem type='mount' accessmode='mapped' fmode='644' "
		"dmode='0755' multidevs='remap'><driver type='path' "
		"wrpolicy='immediate' packed='on'/><source dir='/srv/a'/>"
		"<target dir='tag0'/><readonly/></filesystem>"
		"<filesystem accessmode='squash'><source dir='/srv/b,c'/>"
		"<target dir='tag1'/><address type='pci' domain='0' bus='0' "
		"slot='9' function='0'/></filesystem>",
		&dump);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-fsdev\nlocal,security_model=mapped,writeout="
			      "immediate,readonly=on,fmode=0644,dmode=0755,"
			      "multidevs=remap,id=fsdev-fs0,path=/srv/a\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-9p-pci\",\"packed\":true,"
			      "\"id\":\"fs0\",\"fsdev\":\"fsdev-fs0\","
			      "\"mount_tag\":\"tag0\"");
	CHECK_STR_CONTAINS(s, "local,security_model=none,id=fsdev-fs1,path="
			      "/srv/b,,c\n");
	CHECK_STR_CONTAINS(s, "\"mount_tag\":\"tag1\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x9\"}");
	CHECK_STR_CONTAINS(dump, "<filesystem type='mount' accessmode="
				 "'mapped' fmode='0644' dmode='0755' "
				 "multidevs='remap'>");
}

static void virtiofs_and_shared_memory(void)
{
	static const char *const shared =
		"<memoryBacking><source type='file'/><access mode='shared'/>"
		"</memoryBacking>";
	_cleanup_free_ char *s = argv_for(
		shared,
		"<filesystem type='mount'><driver type='virtiofs' "
		"queue='1024'/><source socket='/run/vfs.sock'/><target "
		"dir='tag'/></filesystem>",
		NULL);
	_cleanup_free_ char *unshared = refusal(
		"", "<filesystem><driver type='virtiofs'/><source "
		    "socket='/run/vfs.sock'/><target dir='t'/></filesystem>");
	_cleanup_free_ char *ro = refusal(
		shared, "<filesystem><driver type='virtiofs'/><binary/>"
			"<source dir='/srv'/><target dir='t'/><readonly/>"
			"</filesystem>");
	_cleanup_free_ char *handle = refusal(
		"", "<filesystem><driver type='handle'/><source dir='/srv'/>"
		    "<target dir='t'/></filesystem>");
	_cleanup_free_ char *block =
		refusal("", "<filesystem type='block'><source dev='/dev/sda'/>"
			    "<target dir='t'/></filesystem>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"qom-type\":\"memory-backend-file\",\"id\":"
			      "\"pc.ram\",\"mem-path\":\"/dev/shm\",\"size\":"
			      "67108864,\"share\":true}");
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=chr-vu-fs0,path="
			      "/run/vfs.sock\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"vhost-user-fs-pci\",\"id\":"
			      "\"fs0\",\"chardev\":\"chr-vu-fs0\","
			      "\"queue-size\":1024,\"tag\":\"tag\"");
	CHECK_STR_CONTAINS(unshared, "virtiofs needs guest memory shared");
	CHECK_STR_CONTAINS(ro, "virtiofs has no read-only mode");
	CHECK_STR_CONTAINS(handle, "driver 'handle' is gone from QEMU");
	CHECK_STR_CONTAINS(block, "<filesystem type='block'>: a machine");
}

static void vsock(void)
{
	_cleanup_free_ char *s = argv_for(
		"",
		"<vsock model='virtio'><cid auto='no' address='4'/></vsock>",
		NULL);
	_cleanup_free_ char *low =
		refusal("", "<vsock><cid address='2'/></vsock>");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"vhost-vsock-pci\",\"id\":"
			      "\"vsock0\",\"guest-cid\":4");
	CHECK_STR_CONTAINS(low, "vsock cid");
}

static void memory_devices(void)
{
	static const char *const top =
		"<maxMemory slots='4' unit='MiB'>4096</maxMemory>"
		"<features><acpi/></features><cpu><numa><cell id='0' "
		"cpus='0' memory='64' unit='MiB'/></numa></cpu>";
	_cleanup_free_ char *dump = NULL;
	_cleanup_free_ char *s = argv_for(
		top,
		"<memory model='dimm'><source><nodemask>0</nodemask>"
		"</source><target><size unit='KiB'>131071</size><node>0"
		"</node></target></memory>"
		"<memory model='nvdimm' access='private'><source><path>/n"
		"</path><pmem/></source><target><size unit='MiB'>128</size>"
		"<node>0</node><label><size unit='KiB'>128</size></label>"
		"</target><address type='dimm' slot='0'/></memory>"
		"<memory model='virtio-pmem' access='shared'><source><path>"
		"/p</path></source><target><size unit='MiB'>128</size>"
		"</target></memory>"
		"<memory model='virtio-mem'><target><size unit='MiB'>256"
		"</size><node>0</node><block unit='KiB'>2048</block>"
		"<requested unit='MiB'>128</requested></target></memory>",
		&dump);

	if (!s)
		return;
	/* the DIMM's size rounded up to 2 MiB, the first free slot */
	CHECK_STR_CONTAINS(s, "{\"qom-type\":\"memory-backend-ram\",\"id\":"
			      "\"memdimm0\",\"size\":134217728,\"host-nodes\":"
			      "[0],\"policy\":\"bind\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pc-dimm\",\"node\":0,\"memdev\":"
			      "\"memdimm0\",\"id\":\"dimm0\",\"slot\":1}");
	CHECK_STR_CONTAINS(s, "-machine\nnvdimm=on\n");
	CHECK_STR_CONTAINS(s, "\"mem-path\":\"/n\",\"share\":false,\"size\":"
			      "134217728,\"pmem\":true}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"nvdimm\",\"node\":0,"
			      "\"label-size\":131072,\"memdev\":\"memnvdimm0\","
			      "\"id\":\"nvdimm0\",\"slot\":0}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-pmem-pci\",\"memdev\":"
			      "\"memvirtiopmem0\",\"id\":\"virtiopmem0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-mem-pci\",\"node\":0,"
			      "\"block-size\":2097152,\"requested-size\":"
			      "134217728,\"memdev\":\"memvirtiomem0\"");
	CHECK_STR_CONTAINS(dump, "<memory model='nvdimm' access='private'>");
	CHECK_STR_CONTAINS(dump, "<address type='dimm' slot='0'/>");
}

static void memory_device_refusals(void)
{
	static const char *const top =
		"<maxMemory slots='2' unit='MiB'>4096</maxMemory>"
		"<features><acpi/></features><cpu><numa><cell id='0' "
		"cpus='0' memory='64' unit='MiB'/></numa></cpu>";
	static const char *const cases[][2] = {
		{"<memory model='dimm'><target><size unit='MiB'>128</size>"
		 "<node>1</node></target></memory>",
		 "guest node 1: the guest has 1 NUMA cells"},
		{"<memory model='dimm'><target><size unit='MiB'>128</size>"
		 "<node>0</node></target><address type='dimm' slot='2'/>"
		 "</memory>",
		 "dimm slot 2: the domain has 2 slots"},
		{"<memory model='nvdimm'><target><size unit='MiB'>128</size>"
		 "<node>0</node></target></memory>",
		 "<memory model='nvdimm'> without <source><path>"},
		{"<memory model='virtio-mem'><target><size unit='MiB'>3</size>"
		 "<node>0</node><block unit='KiB'>2048</block><requested "
		 "unit='MiB'>2</requested></target></memory>",
		 "whole <block>s"},
		{"<memory model='virtio-pmem'><source><path>/p</path>"
		 "</source><target><size unit='MiB'>128</size><node>0</node>"
		 "</target></memory>",
		 "<node> on a virtio-pmem"},
		{"<memory model='dimm'><target><size unit='MiB'>128</size>"
		 "<node>0</node></target></memory>"
		 "<memory model='dimm'><target><size unit='MiB'>128</size>"
		 "<node>0</node></target><address type='dimm' slot='0'/>"
		 "</memory><memory model='dimm'><target><size unit='MiB'>128"
		 "</size><node>0</node></target><address type='dimm' "
		 "slot='0'/></memory>",
		 "both in dimm slot 0"},
	};
	_cleanup_free_ char *noslots = refusal(
		"<features><acpi/></features>",
		"<memory model='dimm'><target><size unit='MiB'>16</size>"
		"</target></memory>");
	/* <memory> counts the devices (libvirt's total) */
	_cleanup_free_ char *total = refusal(
		"<features><acpi/></features>",
		"<memory model='virtio-pmem'><source><path>/p</path></source>"
		"<target><size unit='MiB'>128</size></target></memory>");

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *why = refusal(top, cases[i][0]);

		CHECK_STR_CONTAINS(why, cases[i][1]);
	}
	CHECK_STR_CONTAINS(noslots, "a DIMM needs <maxMemory slots=>");
	CHECK_STR_CONTAINS(total, "is not more than its memory devices'");
}

/* A DIMM without ACPI: defined as libvirt defines it, its start
 * refused by name before QEMU runs (QEMU would refuse it). */
static void dimm_without_acpi_is_refused_at_start(void)
{
	_cleanup_free_ char *text = xml(
		"<maxMemory slots='2' unit='MiB'>4096</maxMemory><cpu><numa>"
		"<cell id='0' cpus='0' memory='64' unit='MiB'/></numa></cpu>",
		"<memory model='dimm'><target><size unit='MiB'>128</size>"
		"<node>0</node></target></memory>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(domain_def_parse(text, strlen(text), &d, NULL, &e), 0);
	if (!d)
		return;
	CHECK_INT_EQ(qemu_devmisc_check_host(d, &e), -ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e), "QEMU plugs DIMMs through ACPI");
	domain_def_free(d);
}

/* <memoryBacking><source type='file'>, <discard/>, <allocation
 * threads>, a cell's discard. */
static void memory_backing_file_discard_threads(void)
{
	_cleanup_free_ char *dump = NULL;
	_cleanup_free_ char *s = argv_for(
		"<memoryBacking><source type='file'/><allocation "
		"mode='immediate' threads='4'/><discard/></memoryBacking>"
		"<cpu><numa><cell id='0' cpus='0' memory='32' unit='MiB' "
		"discard='no'/><cell id='1' memory='32' unit='MiB'/></numa>"
		"</cpu>",
		"", &dump);
	_cleanup_free_ char *bad = refusal(
		"<memoryBacking><allocation threads='0'/></memoryBacking>", "");

	if (!s)
		return;
	CHECK_STR_CONTAINS(s,
			   "{\"qom-type\":\"memory-backend-file\",\"id\":"
			   "\"ram-node0\",\"mem-path\":\"/dev/shm\",\"size\":"
			   "33554432,\"prealloc\":true,\"prealloc-threads\":4,"
			   "\"discard-data\":false}");
	CHECK_STR_CONTAINS(s, "\"id\":\"ram-node1\",\"mem-path\":\"/dev/shm\","
			      "\"size\":33554432,\"prealloc\":true,"
			      "\"prealloc-threads\":4,\"discard-data\":true}");
	CHECK_STR_CONTAINS(dump, "<allocation mode='immediate' threads='4'/>\n"
				 "    <discard/>\n");
	CHECK_STR_CONTAINS(dump, "discard='no'/>");
	CHECK_STR_CONTAINS(bad, "allocation threads");
}

/* virtiofs on a <source dir>: a virtiofsd nidod starts, its socket on
 * QEMU's fd. */
static void virtiofs_started_by_nidod(void)
{
	_cleanup_free_ char *text =
		xml("<memoryBacking><access mode='shared'/></memoryBacking>",
		    "<filesystem><driver type='virtiofs'/><binary><cache "
		    "mode='always'/></binary><source dir='/srv'/><target "
		    "dir='t'/></filesystem>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct qemu_argv a = {0}, b = {0};
	_cleanup_free_ char *s = NULL, *v = NULL;

	CHECK_INT_EQ(domain_def_parse(text, strlen(text), &d, NULL, &e), 0);
	if (!d)
		return;
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	qemu_argv_virtiofs(&b, d, 40);
	s = qemu_test_args(&a);
	v = qemu_test_args(&b);
	CHECK(!strstr(s, "vhost-user-fs-pci"));
	CHECK_STR_CONTAINS(v, "-chardev\nsocket,id=chr-vu-fs0,fd=40\n");
	CHECK_STR_CONTAINS(v,
			   "{\"driver\":\"vhost-user-fs-pci\",\"id\":"
			   "\"fs0\",\"chardev\":\"chr-vu-fs0\",\"tag\":\"t\"");
	domain_def_free(d);
}

/* The other drivers refuse these by name. */
static void kvm_driver_refuses(void)
{
	_cleanup_free_ char *text = xasprintf(
		"<domain type='kvm'><name>m</name><memory unit='MiB'>64"
		"</memory><os><type>hvm</type><kernel>/k</kernel></os><devices>"
		"<emulator>/usr/bin/nido-vmm</emulator><shmem name='x'/>"
		"</devices></domain>");
	char *why = qemu_test_refusal(text);

	/* nido-vmm named: the kvm driver's to refuse */
	CHECK(why != NULL);
	if (why)
		CHECK_STR_CONTAINS(why, "<shmem>");
	free(why);
}

int main(void)
{
	RUN(tpm_emulator_external_passthrough);
	RUN(tpm_refusals);
	RUN(shmem_plain_and_doorbell);
	RUN(shmem_refusals);
	RUN(filesystems_9p);
	RUN(virtiofs_and_shared_memory);
	RUN(vsock);
	RUN(memory_devices);
	RUN(memory_device_refusals);
	RUN(memory_backing_file_discard_threads);
	RUN(dimm_without_acpi_is_refused_at_start);
	RUN(virtiofs_started_by_nidod);
	RUN(kvm_driver_refuses);
	return test_done();
}
