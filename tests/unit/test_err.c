// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/err.h"
#include "lib/log.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>

static int open_thing(const char *path, struct err **e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	close(fd);
	return 0;
}

static void err_names_object_and_cause(void)
{
	_cleanup_err_ struct err *e = NULL;
	int r = open_thing("/nonexistent/disk.qcow2", &e);

	CHECK_INT_EQ(r, -ENOENT);
	CHECK(e != NULL);
	CHECK_STR_EQ(
		err_msg(e),
		"opening '/nonexistent/disk.qcow2': No such file or directory");
	CHECK_INT_EQ(err_code(e), -ENOENT);
}

static void err_prefix_adds_context(void)
{
	_cleanup_err_ struct err *e = NULL;
	int r = open_thing("/nonexistent/x", &e);

	r = err_prefix(&e, "starting domain '%s'", "web");
	CHECK_INT_EQ(r, -ENOENT);
	CHECK_STR_EQ(err_msg(e), "starting domain 'web': opening "
				 "'/nonexistent/x': No such file or directory");
}

static void err_prefix_without_error_records_one(void)
{
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(err_prefix(&e, "ctx"), -EIO);
	CHECK_STR_EQ(err_msg(e), "ctx: failed");
}

static void err_set_replaces_and_null_is_allowed(void)
{
	_cleanup_err_ struct err *e = NULL;

	CHECK_INT_EQ(err_set(&e, EINVAL, "first"), -EINVAL);
	CHECK_INT_EQ(err_set(&e, ENOSPC, "second %d", 2), -ENOSPC);
	CHECK_STR_EQ(err_msg(e), "second 2");
	CHECK_INT_EQ(err_set(NULL, EPERM, "dropped"), -EPERM);
	CHECK_INT_EQ(err_set(&e, 0, "zero code"), -EIO);
	CHECK_STR_EQ(err_msg(NULL), "unknown error");
	err_free(NULL);
}

static void log_levels_parse_and_filter(void)
{
	char path[] = "/tmp/nido-log-XXXXXX";
	char buf[512] = {0};
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_INT_EQ(log_level_parse("debug"), LOG_LEVEL_DEBUG);
	CHECK_INT_EQ(log_level_parse("warn"), LOG_LEVEL_WARN);
	CHECK_INT_EQ(log_level_parse("warning"), LOG_LEVEL_WARN);
	CHECK_INT_EQ(log_level_parse("loud"), -1);

	log_init("tester");
	CHECK_INT_EQ(log_set_file(path, NULL), 0);
	log_set_level(LOG_LEVEL_WARN);
	log_info("hidden %d", 1);
	log_warn("shown %d", 2);
	log_set_file(NULL, NULL);
	log_set_level(LOG_LEVEL_INFO);

	CHECK(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	unlink(path);
	CHECK(strstr(buf, "hidden") == NULL);
	CHECK_STR_CONTAINS(buf, "tester[");
	CHECK_STR_CONTAINS(buf, "]: warning: shown 2\n");
	CHECK(buf[4] == '-' && buf[10] == 'T'); /* ISO 8601 stamp first */
}

static void log_file_error_names_path(void)
{
	_cleanup_err_ struct err *e = NULL;

	CHECK(log_set_file("/nonexistent/dir/log", &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "'/nonexistent/dir/log'");
}

static void err_kinds_survive_context_and_derive(void)
{
	_cleanup_err_ struct err *e = NULL;

	/* given at the source, kept through err_prefix and err_mark */
	CHECK_INT_EQ(
		err_setk(&e, ERR_NO_DOMAIN, ENOENT, "domain 'x' not found"),
		-ENOENT);
	err_prefix(&e, "starting");
	CHECK_INT_EQ(err_mark(&e, ERR_OPERATION_FAILED), -ENOENT);
	CHECK_INT_EQ(err_kind(e), ERR_NO_DOMAIN);
	CHECK_STR_EQ(err_kind_name(err_kind(e)), "no-domain");
	/* err_set replaces the error, kind included */
	err_set(&e, EACCES, "no");
	CHECK_INT_EQ(err_kind(e), ERR_ACCESS_DENIED);
	err_set(&e, EIO, "broken");
	CHECK_INT_EQ(err_kind(e), ERR_OPERATION_FAILED);
	CHECK_INT_EQ(err_mark(&e, ERR_CONFIG_UNSUPPORTED), -EIO);
	CHECK_INT_EQ(err_kind(e), ERR_CONFIG_UNSUPPORTED);
	CHECK_INT_EQ(err_kind(NULL), ERR_INTERNAL_ERROR);
	CHECK(err_kind_name(4) == NULL && err_kind_name(100000) == NULL);
}

int main(void)
{
	RUN(err_names_object_and_cause);
	RUN(err_prefix_adds_context);
	RUN(err_prefix_without_error_records_one);
	RUN(err_set_replaces_and_null_is_allowed);
	RUN(log_levels_parse_and_filter);
	RUN(log_file_error_names_path);
	RUN(err_kinds_survive_context_and_derive);
	return test_done();
}
