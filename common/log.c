/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* The one piece of process-wide state (see log.h): set at start-up, read by every log call. */
static int log_max_level = LOG_INFO;
static bool log_to_journal;
static char log_ident[64];

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

/* Names printed on a terminal, where "err" would look like a typo. */
static const char *const level_labels[] = {
        [LOG_EMERG] = "emergency", [LOG_ALERT] = "alert",     [LOG_CRIT] = "critical",
        [LOG_ERR] = "error",       [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",       [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s)
{
        if (!s || !*s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';
        for (int i = 0; i < (int)(sizeof(level_names) / sizeof(level_names[0])); i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return i;
        if (strcasecmp(s, "error") == 0)
                return LOG_ERR;
        if (strcasecmp(s, "warn") == 0)
                return LOG_WARNING;
        if (strcasecmp(s, "crit") == 0 || strcasecmp(s, "critical") == 0)
                return LOG_CRIT;
        if (strcasecmp(s, "emergency") == 0)
                return LOG_EMERG;
        return -EINVAL;
}

/* JOURNAL_STREAM is "device:inode" of the stream systemd connected to stderr; it only
 * counts if stderr is still that stream (a child may have redirected it). */
static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        if (!e)
                return false;

        uintmax_t dev, ino;
        char tail;
        if (sscanf(e, "%ju:%ju%c", &dev, &ino, &tail) != 2)
                return false;

        struct stat st;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_open(const char *ident)
{
        if (!ident || !*ident)
                ident = program_invocation_short_name;
        snprintf(log_ident, sizeof(log_ident), "%s", ident ? ident : "");
        log_to_journal = stderr_is_journal();

        int level = log_level_from_string(getenv("CWMP_LOG_LEVEL"));
        if (level >= 0)
                log_max_level = level;
}

void log_set_max_level(int priority)
{
        if (priority < LOG_EMERG)
                priority = LOG_EMERG;
        if (priority > LOG_DEBUG)
                priority = LOG_DEBUG;
        log_max_level = priority;
}

int log_get_max_level(void)
{
        return log_max_level;
}

/* Writes one complete record to stderr in a single call, so that lines from several
 * processes sharing the stream do not interleave. */
static void write_line(const char *line, size_t len)
{
        while (len > 0) {
                ssize_t n = write(STDERR_FILENO, line, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                line += n;
                len -= (size_t)n;
        }
}

static void emit(int priority, const char *message)
{
        const char *ident = log_ident[0] ? log_ident : program_invocation_short_name;
        char line[4096 + 128];

        /* Each line of a multi-line message becomes its own record with the same prefix. */
        const char *p = message;
        do {
                size_t n = strcspn(p, "\n");
                int len;
                if (log_to_journal)
                        len = snprintf(line, sizeof(line), "<%d>%.*s\n", priority, (int)n, p);
                else
                        len = snprintf(line, sizeof(line), "%s[%d]: %s: %.*s\n", ident,
                                       (int)getpid(), level_labels[priority], (int)n, p);
                if (len > 0) {
                        if ((size_t)len >= sizeof(line)) {
                                len = sizeof(line) - 1;
                                line[len - 1] = '\n';
                        }
                        write_line(line, (size_t)len);
                }
                p += n;
                if (*p == '\n')
                        p++;
        } while (*p);
}

int log_internal(int priority, int error, const char *file, int line, const char *func,
                 const char *format, ...)
{
        int saved_errno = errno;
        int abs_error = error == INT_MIN ? INT_MAX : error < 0 ? -error : error;
        int ret = -abs_error;

        priority &= LOG_PRIMASK;
        if (priority > log_max_level)
                goto out;

        char message[4096];
        va_list ap;
        /* glibc prints "%m" as strerror(errno). */
        if (abs_error != 0)
                errno = abs_error;
        va_start(ap, format);
        vsnprintf(message, sizeof(message), format, ap);
        va_end(ap);
        emit(priority, message);

out:
        errno = saved_errno;
        return ret;
}
