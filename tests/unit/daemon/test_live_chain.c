// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The backing chains a start opened, in the live XML
 * (domain_disks_show_chains(), domain-disks.c): each local disk's
 * images top down with libvirt's index, what the definition declared
 * kept, a transient disk's overlay left out, network disks untouched;
 * a persistent domain's inactive definition unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "block/chain.h"
#include "daemon/domain-disks.h"
#include "daemon/domain.h"
#include "daemon/domain_conf.h"
#include "test.h"

static const char xml[] =
	"<domain type='kvm'><name>c</name><memory unit='MiB'>32</memory>"
	"<os><kernel>/k</kernel></os><devices>"
	"<disk type='file'><driver name='qemu' type='qcow2'/>"
	"<source file='/i/top.qcow2'/><target dev='vda' bus='virtio'/>"
	"</disk>"
	"<disk type='file'><driver name='qemu' type='qcow2'/>"
	"<source file='/i/decl.qcow2'/>"
	"<backingStore type='file'><format type='qcow2'/>"
	"<source file='/d/mid.qcow2'/></backingStore>"
	"<target dev='vdb' bus='virtio'/></disk>"
	"<disk type='file'><driver name='qemu' type='raw'/>"
	"<source file='/i/t.raw'/><transient/>"
	"<target dev='vdc' bus='virtio'/></disk>"
	"<disk type='network'><driver name='qemu' type='raw'/>"
	"<source protocol='nbd' name='e'><host name='h' port='1'/></source>"
	"<target dev='vdd' bus='virtio'/></disk>"
	"</devices></domain>";

static struct block_chain_file file(enum block_ref_kind kind, const char *path,
				    const char *format)
{
	return (struct block_chain_file){
		.kind = kind,
		.fd = -1,
		.path = (char *)path,
		.name = (char *)path,
		.format = (char *)format,
	};
}

static void chains_fill(struct block_chain *c, struct block_chain_file *f)
{
	/* vda: top -> mid -> base, the way disk_open() finds them */
	f[0] = file(BLOCK_REF_TOP, "/i/top.qcow2", "qcow2");
	f[1] = file(BLOCK_REF_BACKING, "/i/mid.qcow2", "qcow2");
	f[2] = file(BLOCK_REF_BACKING, "/i/base.raw", "raw");
	c[0] = (struct block_chain){&f[0], 3};
	/* vdb: one declared (found under another name), one more found */
	f[3] = file(BLOCK_REF_TOP, "/i/decl.qcow2", "qcow2");
	f[4] = file(BLOCK_REF_BACKING, "/d/real-mid.qcow2", "qcow2");
	f[5] = file(BLOCK_REF_BACKING, "/d/base.qcow2", "qcow2");
	c[1] = (struct block_chain){&f[3], 3};
	/* vdc: the overlay over the raw image */
	f[6] = file(BLOCK_REF_TOP, "/state/c-vdc.qcow2", "qcow2");
	f[7] = file(BLOCK_REF_BACKING, "/i/t.raw", "raw");
	c[2] = (struct block_chain){&f[6], 2};
	c[3] = (struct block_chain){NULL, 0}; /* network: nothing opened */
}

static const char vda_chain[] = "      <source file='/i/top.qcow2'/>\n"
				"      <backingStore type='file' index='1'>\n"
				"        <format type='qcow2'/>\n"
				"        <source file='/i/mid.qcow2'/>\n"
				"        <backingStore type='file' index='2'>\n"
				"          <format type='raw'/>\n"
				"          <source file='/i/base.raw'/>\n"
				"          <backingStore/>\n"
				"        </backingStore>\n"
				"      </backingStore>\n";

static const char vdb_chain[] = "      <backingStore type='file' index='1'>\n"
				"        <format type='qcow2'/>\n"
				"        <source file='/d/mid.qcow2'/>\n"
				"        <backingStore type='file' index='2'>\n"
				"          <format type='qcow2'/>\n"
				"          <source file='/d/base.qcow2'/>\n"
				"          <backingStore/>\n"
				"        </backingStore>\n"
				"      </backingStore>\n";

static const char vdc_chain[] = "      <source file='/i/t.raw'/>\n"
				"      <backingStore/>\n";

static void live_chain_formatted_as_libvirt(void)
{
	struct domain dom = {.id = 1};
	struct block_chain c[4];
	struct block_chain_file f[8];
	char *live = NULL, *again = NULL;

	CHECK(domain_def_parse(xml, strlen(xml), &dom.def, NULL, NULL) == 0);
	chains_fill(c, f);
	CHECK(domain_disks_show_chains(&dom, c, NULL) == 0);
	live = domain_def_format_active(dom.def, 1);
	CHECK_STR_CONTAINS(live, vda_chain);
	CHECK_STR_CONTAINS(live, vdb_chain);
	CHECK_STR_CONTAINS(live, vdc_chain);
	CHECK(!strstr(live, "c-vdc.qcow2"));
	CHECK(!strstr(strstr(live, "protocol='nbd'"), "backingStore"));
	/* a second start (a reboot) shows the same chain, not twice */
	CHECK(domain_disks_show_chains(&dom, c, NULL) == 0);
	again = domain_def_format_active(dom.def, 1);
	CHECK_STR_EQ(live, again);
	free(again);
	free(live);
	domain_def_free(dom.def);
}

static void inactive_definition_keeps_what_it_declared(void)
{
	struct domain dom = {.id = 1, .persistent = true};
	struct block_chain c[4];
	struct block_chain_file f[8];
	char *before = NULL, *after = NULL;

	CHECK(domain_def_parse(xml, strlen(xml), &dom.def, NULL, NULL) == 0);
	before = domain_def_format(dom.def);
	chains_fill(c, f);
	CHECK(domain_disks_show_chains(&dom, c, NULL) == 0);
	CHECK(dom.newdef != NULL);
	after = domain_def_format(dom.newdef);
	CHECK_STR_EQ(before, after);
	CHECK(!strstr(after, "index="));
	free(before);
	free(after);
	domain_def_free(dom.newdef);
	domain_def_free(dom.def);
}

int main(void)
{
	RUN(live_chain_formatted_as_libvirt);
	RUN(inactive_definition_keeps_what_it_declared);
	return test_done();
}
