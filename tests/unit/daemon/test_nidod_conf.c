// SPDX-License-Identifier: GPL-2.0-or-later
/* nidod.conf (daemon/nidod-conf.h): values, lists, and refusals by line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/nidod-conf.h"
#include "test.h"

static char path[64];
static int n_warnings;

static void warn(const char *msg)
{
	n_warnings++;
}

static int load(const char *text, struct nidod_conf *c, struct err **e)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	nidod_conf_init(c);
	return nidod_conf_load(c, path, true, warn, e);
}

static void conf_values(void)
{
	struct nidod_conf c;
	_cleanup_err_ struct err *e = NULL;

	n_warnings = 0;
	CHECK_INT_EQ(load("# c\nmax_clients = 7 # n\n"
			  "client_max_memory = \"4MiB\"\n"
			  "unix_sock_rw_perms = \"0770\"\nlisten_tls = 1\n"
			  "tls_port = \"16515\"\nlisten_addr = \"::1\"\n"
			  "tls_allowed_dn_list = [\"a\",\n  # c\n \"b*\"]\n"
			  "other = \"x\"\nregister_machines = 0\n"
			  "storage_job_timeout = 5\n",
			  &c, &e),
		     0);
	CHECK_INT_EQ((int)c.limits.max_clients, 7);
	CHECK_INT_EQ((int)c.limits.max_client_mem, 4 << 20);
	CHECK_INT_EQ((int)c.unix_sock_rw_perms, 0770);
	CHECK_INT_EQ((int)c.unix_sock_ro_perms, 0777);
	CHECK(c.listen_tls && c.tls_port == 16515);
	CHECK_STR_EQ(c.listen_addr, "::1");
	CHECK_STR_EQ(c.tls_allowed_dn_list[1], "b*");
	CHECK(c.tls_allowed_dn_list[2] == NULL);
	CHECK(!c.register_machines);
	CHECK_INT_EQ((int)c.storage_job_timeout, 5);
	CHECK_INT_EQ(n_warnings, 1);
	nidod_conf_release(&c);
}

static void conf_refusals_name_the_line(void)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"\n\nmax_clients = 0\n", "line 3: max_clients: expected"},
		{"max_clients 5\n", "line 1: expected 'key = value'"},
		{"tls_port = 65536\n", "line 1: tls_port: expected a port"},
		{"client_max_memory = \"1MiB\"\n", "from 2 MiB"},
		{"unix_sock_ro_perms = 777\n", "octal mode as a string"},
		{"tls_allowed_dn_list = [\"a\" \"b\"]\n",
		 "expected ',' or ']'"},
		{"listen_tls = 1 2\n", "unexpected '2' after the value"},
		{"register_machines = \"yes\"\n", "register_machines"},
		{"storage_job_timeout = 0\n", "storage_job_timeout"},
	};
	struct nidod_conf c;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_err_ struct err *e = NULL;

		CHECK_INT_EQ(load(bad[i].text, &c, &e), -EINVAL);
		CHECK(e && strstr(err_msg(e), bad[i].msg));
		if (e && !strstr(err_msg(e), bad[i].msg))
			printf("# %s\n", err_msg(e));
		nidod_conf_release(&c);
	}
}

static void conf_missing_file(void)
{
	struct nidod_conf c;
	_cleanup_err_ struct err *e = NULL;

	nidod_conf_init(&c);
	CHECK(c.register_machines); /* on by default, as libvirt's */
	CHECK_INT_EQ(
		nidod_conf_load(&c, "/nonexistent/n.conf", false, NULL, &e), 0);
	CHECK_INT_EQ(nidod_conf_load(&c, "/nonexistent/n.conf", true, NULL, &e),
		     -ENOENT);
	nidod_conf_release(&c);
}

int main(void)
{
	int fd;

	strcpy(path, "/tmp/nidod-conf-XXXXXX");
	fd = mkstemp(path);
	close(fd);
	RUN(conf_values);
	RUN(conf_refusals_name_the_line);
	RUN(conf_missing_file);
	unlink(path);
	return test_done();
}
