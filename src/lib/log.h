/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging for programs (nidod, nido-vmm): levels, to stderr or a file.
 * Each message is one write(2), so lines from threads and processes that
 * share the file do not interleave.
 *
 * Stderr lines read "ident: warning: message"; file lines are prefixed
 * with a UTC timestamp and the pid: "2026-11-21T23:40:00.123Z
 * nidod[42]: warning: message".
 */
#ifndef NIDO_LIB_LOG_H
#define NIDO_LIB_LOG_H

#include "lib/err.h"

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* @ident is copied; it names the program in each line. */
void log_init(const char *ident);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parses "error", "warning"/"warn", "info", "debug"; returns the level or -1.
 */
int log_level_parse(const char *s);

/*
 * Sends messages to @path (appended, created 0640) instead of stderr;
 * NULL goes back to stderr. Returns 0, or -errno with @e filled.
 */
int log_set_file(const char *path, struct err **e);

void log_msg(enum log_level level, const char *fmt, ...) PRINTF(2, 3);
void log_vmsg(enum log_level level, const char *fmt, va_list ap) PRINTF(2, 0);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
