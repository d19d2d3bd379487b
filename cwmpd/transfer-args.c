/* SPDX-License-Identifier: MIT */
/* The checks of the transfer methods' arguments that their XML types do not make. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "transfer-args.h"
#include "types.h"
#include "util.h"

#define TYPE_MAX_CHARS   64  /* DownloadFileType, UploadFileType, TimeWindowModeValueType */
#define STRING_MAX_CHARS 256 /* URL, Username, Password, TargetFileName, UserMessage ... */

static bool is_space(char c)
{
        /* \S in the schema patterns: anything but the four XML white-space characters */
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* "( \S+)+" up to the end of s. */
static bool words(const char *s)
{
        if (!*s)
                return false;
        while (*s) {
                if (*s != ' ' || !s[1] || is_space(s[1]))
                        return false;
                s++;
                while (*s && !is_space(*s))
                        s++;
        }
        return true;
}

bool transfer_type_valid(const char *s)
{
        if (!s || utf8_length(s) > TYPE_MAX_CHARS)
                return false;
        if (s[0] == 'X' && s[1] == ' ') {
                /* "X \S+ .+" (which includes "X [0-9A-F]{6} .+") */
                const char *p = s + 2;
                if (!*p || is_space(*p))
                        return false;
                while (*p && !is_space(*p))
                        p++;
                return p[0] == ' ' && p[1] && !strpbrk(p + 1, "\n\r"); /* '.' is no line end */
        }
        /* "[1-9]\d*( \S+)+" */
        if (s[0] < '1' || s[0] > '9')
                return false;
        s++;
        while (*s >= '0' && *s <= '9')
                s++;
        return words(s);
}

static int fail(char *detail, size_t size, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
static int fail(char *detail, size_t size, const char *format, ...)
{
        va_list ap;

        if (detail && size > 0) {
                va_start(ap, format);
                vsnprintf(detail, size, format, ap);
                va_end(ap);
        }
        return -EINVAL;
}

struct string_arg {
        const char *name;
        const char *value;
};

static int check_lengths(const char *method, const struct string_arg *args, size_t n, char *detail,
                         size_t size)
{
        for (size_t i = 0; i < n; i++)
                if (args[i].value && utf8_length(args[i].value) > STRING_MAX_CHARS)
                        return fail(detail, size, "%s: %s is longer than %d characters", method,
                                    args[i].name, STRING_MAX_CHARS);
        return 0;
}

/* What Download, Upload and ScheduleDownload share: FileType, URL and the strings. */
static int check_common(const struct soap_message *m, const char *method, char *detail, size_t size)
{
        const struct string_arg strings[] = {
                {"URL", m->url},
                {"Username", m->username},
                {"Password", m->password},
                {"TargetFileName", m->target_file_name},
                {"SuccessURL", m->success_url},
                {"FailureURL", m->failure_url},
        };
        const char *scheme_end;

        if (!transfer_type_valid(m->file_type))
                return fail(detail, size,
                            "%s: FileType \"%.64s\" is not a file type (\"1 Firmware Upgrade "
                            "Image\", \"X <OUI> <name>\" ...)",
                            method, m->file_type ? m->file_type : "");
        if (!m->url || !m->url[0])
                return fail(detail, size, "%s: URL is empty", method);
        if (check_lengths(method, strings, ELEMENTSOF(strings), detail, size) < 0)
                return -EINVAL;
        /* The scheme decides the protocol (unsupported ones are the transfer daemon's 9013);
         * a URL without one names no file server at all. */
        scheme_end = strstr(m->url, "://");
        if (!scheme_end || scheme_end == m->url ||
            strspn(m->url, "abcdefghijklmnopqrstuvwxyz"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                           "0123456789+-.") != (size_t)(scheme_end - m->url))
                return fail(detail, size, "%s: URL \"%.64s\" has no scheme://", method, m->url);
        if (m->file_size > UINT32_MAX)
                return fail(detail, size, "%s: FileSize %" PRIu64 " is more than an unsignedInt",
                            method, m->file_size);
        return 0;
}

static bool windows_overlap(const struct soap_time_window *a, const struct soap_time_window *b)
{
        return a->window_start < b->window_end && b->window_start < a->window_end;
}

static int check_windows(const struct soap_message *m, char *detail, size_t size)
{
        if (m->n_time_windows < 1 || m->n_time_windows > 2)
                return fail(detail, size,
                            "ScheduleDownload: TimeWindowList must hold 1 or 2 "
                            "windows");
        for (size_t i = 0; i < m->n_time_windows; i++) {
                const struct soap_time_window *w = &m->time_windows[i];
                if (w->window_end < w->window_start)
                        return fail(detail, size,
                                    "ScheduleDownload: TimeWindowList item %zu: WindowEnd %" PRIu32
                                    " is before WindowStart %" PRIu32,
                                    i + 1, w->window_end, w->window_start);
                if (!transfer_type_valid(w->window_mode))
                        return fail(detail, size,
                                    "ScheduleDownload: TimeWindowList item %zu: WindowMode "
                                    "\"%.64s\" is not a window mode (\"1 At Any Time\" ...)",
                                    i + 1, w->window_mode ? w->window_mode : "");
                if (w->user_message && utf8_length(w->user_message) > STRING_MAX_CHARS)
                        return fail(detail, size,
                                    "ScheduleDownload: TimeWindowList item %zu: UserMessage is "
                                    "longer than %d characters",
                                    i + 1, STRING_MAX_CHARS);
                if (w->max_retries < -1)
                        return fail(detail, size,
                                    "ScheduleDownload: TimeWindowList item %zu: MaxRetries "
                                    "%" PRId32 " is below -1",
                                    i + 1, w->max_retries);
        }
        if (m->n_time_windows == 2 && windows_overlap(&m->time_windows[0], &m->time_windows[1]))
                return fail(detail, size, "ScheduleDownload: the two time windows overlap");
        return 0;
}

int transfer_args_check(const struct soap_message *m, char *detail, size_t detail_size)
{
        int r;

        if (detail && detail_size > 0)
                detail[0] = '\0';
        switch (m->method) {
        case SOAP_DOWNLOAD:
        case SOAP_UPLOAD:
                return check_common(m, soap_method_name(m->method), detail, detail_size);
        case SOAP_SCHEDULE_DOWNLOAD:
                r = check_common(m, "ScheduleDownload", detail, detail_size);
                return r < 0 ? r : check_windows(m, detail, detail_size);
        default:
                return 0;
        }
}

bool transfer_fault_code_valid(uint32_t code)
{
        return code == 0 || code == 9001 || code == 9002 || code == 9010 || code == 9011 ||
               code == 9012 || (code >= 9014 && code <= 9020) || (code >= 9033 && code <= 9899);
}

bool transfer_time_valid(const char *s)
{
        struct cw_datetime dt;
        return s && cw_parse_datetime(s, &dt) >= 0;
}
