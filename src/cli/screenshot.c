// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido screenshot DOMAIN [FILE] (virsh's screenshot): the daemon's
 * domain.screenshot answers with the image's format and size, then
 * sends its bytes on the same connection (docs/api.md, "Streams");
 * they go to FILE (default: DOMAIN-TIMESTAMP.ppm), written whole or
 * removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"

/* Copies the stream's @size bytes from @c to @fd. */
static int receive(struct nido_conn *c, int fd, int64_t size, struct err **e)
{
	char buf[16384];
	int64_t got = 0;
	size_t n;
	ssize_t k;

	while ((n = client_take_buffered(c, buf, sizeof(buf)))) {
		if (write_full(fd, buf, n) < 0)
			return err_sys(e, errno, "writing");
		got += (int64_t)n;
	}
	while (got < size) {
		k = read(client_fd(c), buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return err_set(e, EPIPE,
				       "the image ended after %lld of %lld "
				       "bytes",
				       (long long)got, (long long)size);
		if (write_full(fd, buf, (size_t)k) < 0)
			return err_sys(e, errno, "writing");
		got += k;
	}
	return got == size
		       ? 0
		       : err_set(e, EPROTO, "%lld bytes for an image of %lld",
				 (long long)got, (long long)size);
}

static char *default_file(const char *name)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H:%M:%S",
		 localtime_r(&now, &tm));
	return xasprintf("%s-%s.ppm", name, stamp);
}

static int cmd_screenshot(const struct cli_args *a)
{
	const char *name = cli_str(a, "domain");
	_cleanup_free_ char *file = cli_str(a, "file")
					    ? xstrdup(cli_str(a, "file"))
					    : default_file(name);
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	_cleanup_close_ int fd = -1;
	struct nido_conn *c = client_connect(&e);
	int64_t size = 0;

	if (!c) {
		cli_error("%s", err_msg(e));
		return 1;
	}
	if (client_call(c, "domain.screenshot", client_domain_params(name),
			&res, &e) < 0) {
		client_close(c);
		return domain_fail("take a screenshot of", name, e);
	}
	json_get_int64(res, "size", &size, NULL);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || receive(c, fd, size, &e) < 0) {
		if (fd < 0)
			err_sys(&e, errno, "'%s'", file);
		else
			unlink(file);
		client_close(c);
		cli_error("failed to take a screenshot of '%s': %s", name,
			  err_msg(e));
		return 1;
	}
	client_close(c);
	printf("Screenshot saved to %s, with type of "
	       "image/x-portable-pixmap\n",
	       file);
	return 0;
}

static const struct cli_opt opts_screenshot[] = {
	{"domain", OPT_DATA, true, "domain name, id or uuid"},
	{"file", OPT_DATA, false, "where to store the screenshot"},
	{0},
};

const struct cli_command screenshot_commands[] = {
	{"screenshot", NULL, "take a screenshot of a current domain console",
	 cmd_screenshot, opts_screenshot, "domain",
	 "Take a screenshot of a current domain console and store it into a "
	 "file (a PPM image)."},
	{NULL},
};
