// SPDX-License-Identifier: GPL-2.0-or-later
/* Connection URIs (cli/uri.h): what each transport takes and refuses. */
#include <errno.h>

#include "cli/uri.h"
#include "test.h"

static void uri_local(void)
{
	struct nido_uri u;

	CHECK_INT_EQ(uri_parse("nido:///system", &u, NULL), 0);
	CHECK(u.transport == URI_LOCAL && u.system && !u.host);
	uri_release(&u);
	CHECK_INT_EQ(
		uri_parse("nido+unix:///session?socket=/x/y.sock", &u, NULL),
		0);
	CHECK(u.transport == URI_UNIX && !u.system);
	CHECK_STR_EQ(u.socket, "/x/y.sock");
	uri_release(&u);
}

static void uri_remote(void)
{
	struct nido_uri u;

	CHECK_INT_EQ(
		uri_parse("nido+tls://host1:1234/system?pkipath=/p", &u, NULL),
		0);
	CHECK(u.transport == URI_TLS && u.port == 1234 && !u.user);
	CHECK_STR_EQ(u.host, "host1");
	CHECK_STR_EQ(u.pkipath, "/p");
	uri_release(&u);
	CHECK_INT_EQ(uri_parse("nido+ssh://bob@[::1]:22/session?keyfile=/k&"
			       "no_verify=1",
			       &u, NULL),
		     0);
	CHECK(u.transport == URI_SSH && u.port == 22 && u.no_verify);
	CHECK_STR_EQ(u.user, "bob");
	CHECK_STR_EQ(u.host, "::1");
	CHECK_STR_EQ(u.keyfile, "/k");
	uri_release(&u);
}

static void uri_refused(void)
{
	static const char *const bad[] = {
		"qemu:///system",
		"nido:///other",
		"nido://host/system",
		"nido+tls:///system",
		"nido+tls://h:0/system",
		"nido+tls://h:70000/system",
		"nido+tls://h:x/system",
		"nido+ssh://[::1/system",
		"nido",
		"nido+tls://h",
		"nido:///system?socket=",
		"nido+tls://h/system?colour=red",
	};
	struct nido_uri u;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_err_ struct err *e = NULL;

		CHECK_INT_EQ(uri_parse(bad[i], &u, &e), -EINVAL);
		CHECK(strstr(err_msg(e), bad[i]) != NULL);
	}
}

int main(void)
{
	RUN(uri_local);
	RUN(uri_remote);
	RUN(uri_refused);
	return test_done();
}
