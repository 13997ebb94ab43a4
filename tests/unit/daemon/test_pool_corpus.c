// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt's own storage pool and volume XML test files (libvirt 9.0's
 * tests/storagepoolxml2xmlin and storagevolxml2xmlin, fetched by
 * tests/corpus/libvirt.sh, not kept here) through pool_def_parse() and
 * vol_def_parse(). Each file is, as the tables below say:
 *   'a' accepted, without a warning, its meaning kept;
 *   'w' accepted with warnings naming exactly what is ignored, the rest
 *       of its meaning kept;
 *   'r' refused, the error naming the pool type, element or value.
 * "Meaning kept": what a pool says of nido's subset (type, name, uuid,
 * source devices, volume group, host and port, export, format, iSCSI
 * initiator, target path and permissions) is, in nido's output, what libvirt's
 * storagepoolxml2xmlout file for the same name says; a volume's name,
 * capacity, allocation, format, backing store and permissions as parsed
 * are what libvirt's storagevolxml2xmlout file says. A change of
 * outcome fails here.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>

#include "corpus.h"
#include "daemon/pool_conf.h"
#include "lib/file.h"
#include "lib/size.h"
#include "test.h"

#ifndef CORPUS_SCRIPT
#error CORPUS_SCRIPT must name tests/corpus/libvirt.sh
#endif

struct expect {
	const char *name;
	char outcome;
	/* 'r': words the error holds; 'w': the names warned, one per
	 * warning, separated by '|' (in the order of the warnings). */
	const char *names;
};

static const struct expect pools[] = {
	{"pool-dir-cow", 'w', "<features>"},
	{"pool-dir-naming", 'w', "<label>"},
	{"pool-dir", 'w', "<label>"},
	{"pool-disk-device-nopartsep", 'w', "'part_separator'"},
	{"pool-disk", 'a', NULL},
	{"pool-fs", 'a', NULL},
	{"pool-gluster-sub", 'r', "pool type 'gluster' is not supported"},
	{"pool-gluster", 'r', "pool type 'gluster' is not supported"},
	{"pool-iscsi-auth", 'r', "<auth type='chap'> is not supported"},
	{"pool-iscsi-direct-auth", 'r',
	 "pool type 'iscsi-direct' is not supported"},
	{"pool-iscsi-direct", 'r', "pool type 'iscsi-direct' is not supported"},
	{"pool-iscsi-multiiqn", 'a', NULL},
	{"pool-iscsi-vendor-product", 'r',
	 "<auth type='chap'> is not supported"},
	{"pool-iscsi", 'a', NULL},
	{"pool-logical-create", 'r',
	 "a logical pool's target is '/dev/HostVG'"},
	{"pool-logical-noname", 'a', NULL},
	{"pool-logical-nopath", 'a', NULL},
	{"pool-logical", 'a', NULL},
	{"pool-mpath", 'r', "pool type 'mpath' is not supported"},
	{"pool-netfs-auto", 'a', NULL},
	{"pool-netfs-cifs", 'r', "netfs pool format 'cifs' is not supported"},
	{"pool-netfs-gluster-without-slash", 'r',
	 "netfs pool format 'glusterfs' is not supported"},
	{"pool-netfs-gluster", 'r',
	 "netfs pool format 'glusterfs' is not supported"},
	{"pool-netfs-ns-mountopts", 'w', "<fs:mount_opts>"},
	{"pool-netfs-protocol-ver", 'a', NULL},
	{"pool-netfs-slash", 'a', NULL},
	{"pool-netfs", 'a', NULL},
	/* each names a <secret>: nido keeps none (docs/storage-xml.md) */
	{"pool-rbd-ipv6", 'r', "<auth><secret> is not supported"},
	{"pool-rbd-ns-configopts", 'r', "<auth><secret> is not supported"},
	{"pool-rbd-refresh-volume-allocation", 'r',
	 "<auth><secret> is not supported"},
	{"pool-rbd", 'r', "<auth><secret> is not supported"},
	{"pool-scsi-type-fc-host-managed", 'r',
	 "pool type 'scsi' is not supported"},
	{"pool-scsi-type-fc-host", 'r', "pool type 'scsi' is not supported"},
	{"pool-scsi-type-scsi-host-stable", 'r',
	 "pool type 'scsi' is not supported"},
	{"pool-scsi-type-scsi-host", 'r', "pool type 'scsi' is not supported"},
	{"pool-scsi", 'r', "pool type 'scsi' is not supported"},
	{"pool-vstorage", 'r', "pool type 'vstorage' is not supported"},
	{"pool-zfs-sourcedev", 'r', "pool type 'zfs' is not supported"},
	{"pool-zfs", 'r', "pool type 'zfs' is not supported"},
};

static const struct expect vols[] = {
	{"vol-file-backing", 'w', "<path>"},
	{"vol-file-iso", 'r', "invalid volume format 'iso'"},
	{"vol-file-naming", 'w', "<path>|<label>|<timestamps>"},
	{"vol-file-qcow2", 'w', "<path>|<label>|<timestamps>"},
	{"vol-file", 'w', "<path>|<label>|<timestamps>"},
	{"vol-gluster-dir-neg-uid", 'r',
	 "volume type 'netdir' is not supported"},
	{"vol-gluster-dir", 'r', "volume type 'netdir' is not supported"},
	{"vol-logical-backing", 'w', "<path>|<label>"},
	{"vol-logical", 'w', "<path>|<label>"},
	{"vol-luks-cipher", 'r', "encrypted volumes are not supported"},
	{"vol-luks-convert", 'r', "encrypted volumes are not supported"},
	{"vol-luks", 'r', "encrypted volumes are not supported"},
	{"vol-partition", 'w', "<path>|<label>"},
	{"vol-qcow2-0.10-lazy", 'w', "<path>|<label>|<compat>|<features>"},
	{"vol-qcow2-1.1", 'w', "<path>|<label>|<features>"},
	{"vol-qcow2-clusterSize", 'w',
	 "<clusterSize>|<path>|<label>|<features>"},
	{"vol-qcow2-encryption", 'r', "encrypted volumes are not supported"},
	{"vol-qcow2-lazy", 'w', "<path>|<label>|<compat>|<features>"},
	{"vol-qcow2-luks-convert", 'r', "encrypted volumes are not supported"},
	{"vol-qcow2-luks", 'r', "encrypted volumes are not supported"},
	{"vol-qcow2-nobacking", 'w', "<path>|<label>"},
	{"vol-qcow2-nocapacity-backing", 'w', "<path>|<label>"},
	{"vol-qcow2-nocapacity", 'r', "missing <capacity>"},
	{"vol-qcow2-nocow", 'w', "<path>|<label>|<nocow>"},
	{"vol-qcow2-zerocapacity", 'w', "<path>"},
	{"vol-qcow2", 'w', "<path>|<label>"},
};

static char *dir;
static char skip_reason[256];

static char *read_text(const char *sub, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s/%s.xml", dir, sub, name);
	char *text = NULL;

	if (file_read_all(p, 1 << 20, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

/* ---- what a document says of the subset -------------------------------- */

static void put(FILE *f, const char *path, const char *v)
{
	fprintf(f, "%s=%s\n", path, v ? v : "");
}

/* <permissions>: numbers compared as numbers; -1 is absent. */
static void put_perm(FILE *f, const char *path, const xmlNode *n,
		     const char *text)
{
	char *end;
	long v = strtol(text, &end,
			streq((const char *)n->name, "mode") ? 8 : 10);

	if (v >= 0)
		fprintf(f, "%s=%ld\n", path, v);
}

/* A size element in bytes, whatever its unit. */
static void put_size(FILE *f, const char *path, const xmlNode *n)
{
	_cleanup_free_ char *v = xml_text(n);
	_cleanup_free_ char *unit = xml_attr(n, "unit");
	uint64_t bytes;

	if (size_parse_unit(v, unit, &bytes, NULL) == 0)
		fprintf(f, "%s=%" PRIu64 "\n", path, bytes);
}

static const char *const pool_text[] = {
	"pool/name", "pool/uuid", "pool/source/name", "pool/target/path", NULL};
static const char *const pool_attr[] = {"pool@type",
					"pool/source/device@path",
					"pool/source/host@name",
					"pool/source/dir@path",
					"pool/source/format@type",
					"pool/source/host@port",
					"pool/source/initiator/iqn@name",
					NULL};
static const char *const vol_text[] = {"volume/name",
				       "volume/backingStore/path", NULL};
static const char *const vol_attr[] = {"volume/target/format@type",
				       "volume/backingStore/format@type", NULL};

static void walk(const xmlNode *n, const char *parent, bool vol,
		 struct corpus_view *v)
{
	_cleanup_free_ char *path =
		parent ? xasprintf("%s/%s", parent, (const char *)n->name)
		       : xstrdup((const char *)n->name);
	const char *const *texts = vol ? vol_text : pool_text;
	const char *const *attrs = vol ? vol_attr : pool_attr;

	for (const xmlAttr *a = n->properties; a; a = a->next) {
		_cleanup_free_ char *ap = xasprintf("%s@%s", path, a->name);

		if (corpus_str_in(ap, attrs, SIZE_MAX)) {
			_cleanup_free_ char *val =
				xml_attr(n, (const char *)a->name);

			put(v->said, ap, val);
		}
	}
	if (corpus_str_in(path, texts, SIZE_MAX)) {
		_cleanup_free_ char *t = xml_text(n);

		put(v->said, path, t);
	} else if (str_has_prefix(path, "pool/target/permissions/") ||
		   str_has_prefix(path, "volume/target/permissions/")) {
		_cleanup_free_ char *t = xml_text(n);

		if (!streq((const char *)n->name, "label"))
			put_perm(v->said, path, n, t);
	} else if (vol && (streq(path, "volume/capacity") ||
			   streq(path, "volume/allocation"))) {
		put_size(v->said, path, n);
	}
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			walk(c, path, vol, v);
}

static void walk_pool(const xmlNode *root, struct corpus_view *v)
{
	walk(root, NULL, false, v);
}

static void walk_vol(const xmlNode *root, struct corpus_view *v)
{
	walk(root, NULL, true, v);
}

/* The said lines of @xml, sorted (element order is libvirt's in both). */
static char *said_of(const char *xml, bool vol)
{
	struct corpus_view v = {0};
	char *s;

	if (corpus_view_of(xml, vol ? "vol.xml" : "pool.xml",
			   vol ? walk_vol : walk_pool, &v) < 0)
		return NULL;
	s = steal_ptr(v.said_text);
	corpus_view_free(&v);
	return s;
}

/* A volume definition as the lines libvirt's output would give. */
static char *vol_said(const struct vol_def *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	put(f, "volume/name", d->name);
	if (d->has_capacity)
		fprintf(f, "volume/capacity=%" PRIu64 "\n", d->capacity);
	fprintf(f, "volume/allocation=%" PRIu64 "\n", d->allocation);
	put(f, "volume/target/format@type", d->format);
	if (d->perms.mode >= 0)
		fprintf(f, "volume/target/permissions/mode=%d\n",
			d->perms.mode);
	if (d->perms.owner >= 0)
		fprintf(f, "volume/target/permissions/owner=%ld\n",
			d->perms.owner);
	if (d->perms.group >= 0)
		fprintf(f, "volume/target/permissions/group=%ld\n",
			d->perms.group);
	if (d->backing) {
		put(f, "volume/backingStore/path", d->backing);
		if (d->backing_format)
			put(f, "volume/backingStore/format@type",
			    d->backing_format);
	}
	fclose(f);
	return text;
}

/* raw is a volume's format when none is given: the same meaning. */
static void drop_raw(char *said)
{
	static const char line[] = "volume/target/format@type=raw\n";
	char *p = said ? strstr(said, line) : NULL;

	if (p)
		memmove(p, p + strlen(line), strlen(p + strlen(line)) + 1);
}

static bool same(const char *name, const char *ours, const char *theirs)
{
	if (ours && theirs && streq(ours, theirs))
		return true;
	printf("# %s: meaning differs\n# nido:\n%s# libvirt:\n%s", name,
	       ours ? ours : "(none)\n", theirs ? theirs : "(none)\n");
	return false;
}

static bool check_pool(const struct expect *x)
{
	_cleanup_free_ char *in = read_text("storagepoolxml2xmlin", x->name);
	_cleanup_free_ char *out = read_text("storagepoolxml2xmlout", x->name);
	_cleanup_free_ char *ours = NULL, *a = NULL, *b = NULL;
	struct xml_warnings w = {0};
	struct err *e = NULL;
	struct pool_def *d = NULL;
	bool ok;
	int r;

	if (!in)
		return printf("# %s: no such file\n", x->name), false;
	r = pool_def_parse(in, strlen(in), &d, &w, &e);
	ok = corpus_outcome_is(x->name, x->outcome, x->names, r, e, &w);
	if (ok && r == 0 && out) {
		ours = pool_def_format(d, NULL);
		a = said_of(ours, false);
		b = said_of(out, false);
		ok = same(x->name, a, b);
	}
	pool_def_free(d);
	err_free(e);
	xml_warnings_clear(&w);
	return ok;
}

static bool check_vol(const struct expect *x)
{
	_cleanup_free_ char *in = read_text("storagevolxml2xmlin", x->name);
	_cleanup_free_ char *out = read_text("storagevolxml2xmlout", x->name);
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct xml_warnings w = {0};
	struct err *e = NULL;
	struct vol_def *d = NULL;
	bool ok;
	int r;

	if (!in)
		return printf("# %s: no such file\n", x->name), false;
	r = vol_def_parse(in, strlen(in), &d, &w, &e);
	ok = corpus_outcome_is(x->name, x->outcome, x->names, r, e, &w);
	if (ok && r == 0 && out) {
		a = vol_said(d);
		b = said_of(out, true);
		drop_raw(a);
		drop_raw(b);
		ok = same(x->name, a, b);
	}
	vol_def_free(d);
	err_free(e);
	xml_warnings_clear(&w);
	return ok;
}

static void check_all(const struct expect *t, size_t n, bool vol)
{
	size_t bad = 0;
	int counts[3] = {0};

	for (size_t i = 0; i < n; i++) {
		bool ok = vol ? check_vol(&t[i]) : check_pool(&t[i]);

		bad += !ok;
		counts[corpus_outcome_index(t[i].outcome)] += ok;
	}
	printf("# %s: %d accepted, %d warned, %d refused as expected, %zu "
	       "not\n",
	       vol ? "volumes" : "pools", counts[0], counts[1], counts[2], bad);
	CHECK_INT_EQ(bad, 0);
}

static void corpus_pools_keep_their_meaning(void)
{
	check_all(pools, ARRAY_SIZE(pools), false);
}

static void corpus_volumes_keep_their_meaning(void)
{
	check_all(vols, ARRAY_SIZE(vols), true);
}

/* Every file of libvirt's directories is in a table. */
static void table_complete(const char *sub, const struct expect *t, size_t n)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, sub);
	DIR *d = opendir(path);
	struct dirent *de;
	size_t files = 0;

	CHECK(d);
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		bool found = false;

		if (len < 5 || !streq(de->d_name + len - 4, ".xml"))
			continue;
		files++;
		for (size_t i = 0; i < n && !found; i++)
			found = strlen(t[i].name) == len - 4 &&
				!strncmp(t[i].name, de->d_name, len - 4);
		if (!found)
			printf("# %s: %s is in no table\n", sub, de->d_name);
		CHECK(found);
	}
	closedir(d);
	CHECK_INT_EQ(files, n);
}

static void corpus_tables_are_complete(void)
{
	table_complete("storagepoolxml2xmlin", pools, ARRAY_SIZE(pools));
	table_complete("storagevolxml2xmlin", vols, ARRAY_SIZE(vols));
}

int main(void)
{
	dir = corpus_fetch(CORPUS_SCRIPT,
			   "storagepoolxml2xmlin storagepoolxml2xmlout "
			   "storagevolxml2xmlin storagevolxml2xmlout",
			   NULL, skip_reason, sizeof(skip_reason));
	if (!dir) {
		printf("1..0 # SKIP %s\n", skip_reason);
		return 0;
	}
	RUN(corpus_pools_keep_their_meaning);
	RUN(corpus_volumes_keep_their_meaning);
	RUN(corpus_tables_are_complete);
	free(dir);
	return test_done();
}
