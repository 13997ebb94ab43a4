// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_ident[64] = "nido";
static enum log_level log_level = LOG_LEVEL_INFO;
static int log_fd = -1; /* -1: stderr */

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void log_init(const char *ident)
{
	pthread_mutex_lock(&log_lock);
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	pthread_mutex_unlock(&log_lock);
}

void log_set_level(enum log_level level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

enum log_level log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int log_level_parse(const char *s)
{
	if (streq(s, "warn"))
		return LOG_LEVEL_WARN;
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (streq(s, level_names[i]))
			return i;
	return -1;
}

int log_set_file(const char *path, struct err **e)
{
	int fd = -1, old;

	if (path) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			  0640);
		if (fd < 0)
			return err_sys(e, errno, "opening log file '%s'", path);
	}
	pthread_mutex_lock(&log_lock);
	old = log_fd;
	log_fd = fd;
	pthread_mutex_unlock(&log_lock);
	close_safe(old);
	return 0;
}

static size_t format_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(buf + n, size - n, ".%03ldZ ", ts.tv_nsec / 1000000);
	return n;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	_cleanup_free_ char *body = NULL, *line = NULL;
	char stamp[40];
	int saved = errno;

	if (level > log_get_level())
		return;
	body = xvasprintf(fmt, ap);

	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0) {
		format_time(stamp, sizeof(stamp));
		line = xasprintf("%s%s[%d]: %s: %s\n", stamp, log_ident,
				 (int)getpid(), level_names[level], body);
		write_full(log_fd, line, strlen(line));
	} else {
		line = xasprintf("%s: %s: %s\n", log_ident, level_names[level],
				 body);
		write_full(STDERR_FILENO, line, strlen(line));
	}
	pthread_mutex_unlock(&log_lock);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
