// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rbd: names (block/rbd-spec.c): what each part means, the escapes, the
 * options nido takes and the ones it refuses by name; and, without a
 * cluster, that an rbd: name a guest's disk or an image's backing file
 * gives is never reached (only the top image of `nido img` is one).
 */
#include <errno.h>

#include "block/block.h"
#include "block/chain.h"
#include "block/rbd-spec.h"
#include "test.h"

static void spec_parts(void)
{
	struct rbd_spec s;
	char *text;

	CHECK(rbd_spec_parse(
		      "rbd:pool/ns/img@snap:conf=/etc/ceph/c.conf:"
		      "id=admin:mon_host=10.0.0.1\\:6789,[\\:\\:1]\\:3300:"
		      "auth_supported=cephx",
		      &s, NULL) == 0);
	CHECK_STR_EQ(s.pool, "pool");
	CHECK_STR_EQ(s.ns, "ns");
	CHECK_STR_EQ(s.image, "img");
	CHECK_STR_EQ(s.snap, "snap");
	CHECK_STR_EQ(s.conf, "/etc/ceph/c.conf");
	CHECK_STR_EQ(s.id, "admin");
	CHECK_STR_EQ(s.mon_host, "10.0.0.1:6789,[::1]:3300");
	CHECK_STR_EQ(s.auth, "cephx");
	text = rbd_spec_format(&s);
	CHECK_STR_EQ(text, "rbd:pool/ns/img@snap:conf=\\/etc\\/ceph\\/c.conf:"
			   "id=admin:mon_host=10.0.0.1\\:6789,[\\:\\:1]\\:3300:"
			   "auth_supported=cephx");
	free(text);
	rbd_spec_clear(&s);

	CHECK(rbd_spec_parse("rbd:rbd/vm1", &s, NULL) == 0);
	CHECK_STR_EQ(s.pool, "rbd");
	CHECK(!s.ns && !s.snap && !s.conf && !s.mon_host);
	CHECK_STR_EQ(s.image, "vm1");
	rbd_spec_clear(&s);
}

static void spec_refusals(void)
{
	static const struct {
		const char *name, *says;
	} bad[] = {
		{"rbd:img", "is not an rbd image name"},
		{"rbd:a/b/c/d", "is not an rbd image name"},
		{"rbd:/img", "rbd pool '' must be 1 to 255 bytes"},
		{"rbd:p/", "rbd image '' must be 1 to 255 bytes"},
		{"rbd:p/i@", "rbd snapshot '' must be"},
		{"rbd:p/a\\@b", "has a control character, '/' or '@'"},
		{"rbd:p/i\\", "ends with '\\'"},
		{"rbd:p/i:key=AQBx", "rbd option 'key' is not supported: nido "
				     "takes no secret on a command line"},
		{"rbd:p/i:keyfile=/k", "rbd option 'keyfile' is not supported"},
		{"rbd:p/i:rbd_cache=true", "rbd option 'rbd_cache' is not "
					   "supported (conf, id, mon_host, "
					   "auth_supported)"},
		{"rbd:p/i:conf", "rbd option 'conf' has no '=VALUE'"},
		{"rbd:p/i:conf=c.conf", "is not an absolute path"},
		{"rbd:p/i:id=a:id=b", "rbd option 'id' given twice"},
		{"rbd:p/i:auth_supported=krb", "auth_supported 'krb' is not "
					       "supported (none, cephx)"},
		{"rbd:p/i:id=", "rbd option 'id' must be 1 to"},
		{"file.raw", "does not start with 'rbd:'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct rbd_spec s;
		struct err *e = NULL;

		CHECK(rbd_spec_parse(bad[i].name, &s, &e) < 0);
		CHECK_STR_CONTAINS(e ? err_msg(e) : "", bad[i].says);
		CHECK(!s.pool && !s.image && !s.conf);
		err_free(e);
	}
}

/* A guest's disk path "rbd:..." is a file name: the strict resolver
 * never hands it to librbd. */
static void spec_not_for_guests(void)
{
	struct block_strict strict = {0};
	struct block_open_opts o = {.format = "raw",
				    .fd = -1,
				    .resolve = block_resolve_strict,
				    .opaque = &strict};
	struct block *b = NULL;
	struct err *e = NULL;

	CHECK(block_open_chain("rbd:pool/img:mon_host=192.0.2.1", &o, &b, &e) ==
	      -ENOENT);
	CHECK(!b);
	CHECK_STR_CONTAINS(e ? err_msg(e) : "", "No such file or directory");
	err_free(e);
}

int main(void)
{
	RUN(spec_parts);
	RUN(spec_refusals);
	RUN(spec_not_for_guests);
	return test_done();
}
