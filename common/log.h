/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdarg.h>
#include <syslog.h>

/*
 * Logging for journald: when stderr is connected to the journal (JOURNAL_STREAM matches),
 * each line carries a "<N>" priority prefix; otherwise "ident[pid]: level: message".
 * The level and identity are set once at start-up, the one piece of process-wide state
 * that deliberately lives outside a daemon's context: every function may log.
 * Library code (common/) logs at debug level only and returns errors instead.
 */

void log_open(const char *ident);
void log_set_max_level(int priority);
int log_get_max_level(void);
/* Parses "debug", "info", ... or a number 0-7. Returns the priority or -EINVAL. */
int log_level_from_string(const char *s);

/* Logs and returns -abs(error) (or 0 for error == 0). "%m" prints strerror(abs(error)). */
int log_internal(int priority, int error, const char *file, int line, const char *func,
                 const char *format, ...) __attribute__((format(printf, 6, 7)));

#define log_full_errno(prio, error, ...)                                                           \
        log_internal((prio), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(prio, ...) log_full_errno((prio), 0, __VA_ARGS__)

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)
