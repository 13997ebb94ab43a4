// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The names domains get in systemd-machined (daemon/machined.h): libvirt's
 * PREFIX-ID-NAME, with only what a host name may hold.
 */
#include "daemon/machined.h"
#include "test.h"

static void name_as_libvirt_makes_it(void)
{
	static const struct {
		const char *prefix;
		int id;
		const char *name, *want;
	} cases[] = {
		{"qemu", 1, "vm", "qemu-1-vm"},
		{"lxc", 12, "box", "lxc-12-box"},
		/* leading and repeated separators go, the rest is kept */
		{"qemu", 3, "--a..b--c.", "qemu-3-a.b-c"},
		/* what a host name may not hold is dropped */
		{"qemu", 4, "my_vm (test)", "qemu-4-myvmtest"},
		{"qemu", 5, "é-x", "qemu-5-x"},
		/* nothing usable: the prefix and id alone */
		{"lxc", 6, "___", "lxc-6"},
		{"lxc", 7, "", "lxc-7"},
	};
	char out[65];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		machined_name(cases[i].prefix, cases[i].id, cases[i].name, out,
			      sizeof(out));
		CHECK_STR_EQ(out, cases[i].want);
	}
}

static void name_at_most_64(void)
{
	char name[200], out[65];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	machined_name("qemu", 123, name, out, sizeof(out));
	CHECK_INT_EQ((int)strlen(out), 64);
	CHECK(!strncmp(out, "qemu-123-aaaa", 13));
	/* a cut that ends on a separator loses it */
	memset(name, 'b', sizeof(name) - 1);
	name[63 - 7] = '-';
	machined_name("lxc", 1, name, out, sizeof(out));
	CHECK(out[strlen(out) - 1] != '-');
	/* a smaller buffer is never overrun */
	machined_name("qemu", 1, "abcdef", out, 9);
	CHECK_STR_EQ(out, "qemu-1-a");
}

int main(void)
{
	RUN(name_as_libvirt_makes_it);
	RUN(name_at_most_64);
	return test_done();
}
