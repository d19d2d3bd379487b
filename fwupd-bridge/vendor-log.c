/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vendor-log.h"

#define WORD_SEPARATORS " \t"

static void journal_closep(sd_journal **j)
{
        if (*j)
                sd_journal_close(*j);
}

/* One journal entry as "TIME UNIT: MESSAGE\n" into `line`. */
static int format_entry(sd_journal *j, struct buf *line)
{
        const void *data;
        size_t len;
        uint64_t usec = 0;
        char when[32] = "";
        const char *unit = "?";
        size_t unit_len = 1;
        time_t t;
        struct tm tm;
        int r;

        line->len = 0;
        (void)sd_journal_get_realtime_usec(j, &usec);
        t = (time_t)(usec / 1000000u);
        if (gmtime_r(&t, &tm))
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (sd_journal_get_data(j, "_SYSTEMD_UNIT", &data, &len) >= 0 && len > 14) {
                unit = (const char *)data + 14;
                unit_len = len - 14;
        }
        r = sd_journal_get_data(j, "MESSAGE", &data, &len);
        if (r < 0 || len < 8)
                return 0; /* no text: nothing to show */
        r = buf_printf(line, "%s %.*s: ", when, (int)unit_len, unit);
        if (r >= 0)
                r = buf_append(line, (const char *)data + 8, len - 8);
        if (r >= 0)
                r = buf_append(line, "\n", 1);
        return r;
}

static int collect_journal(const char *units, size_t budget, struct buf *out)
{
        _cleanup_(journal_closep) sd_journal *j = NULL;
        _cleanup_free_ char *copy = strdup(units);
        struct strv lines = {};
        struct buf line = {};
        size_t used = 0;
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return r;
        for (char *u = strtok_r(copy, WORD_SEPARATORS, &save); u;
             u = strtok_r(NULL, WORD_SEPARATORS, &save)) {
                _cleanup_free_ char *match = NULL;
                if (asprintf(&match, "_SYSTEMD_UNIT=%s", u) < 0)
                        return -ENOMEM;
                r = sd_journal_add_match(j, match, 0);
                if (r >= 0)
                        r = sd_journal_add_disjunction(j);
                if (r < 0)
                        return r;
        }
        r = sd_journal_seek_tail(j);
        /* newest first, until the budget is spent; written out oldest first */
        while (r >= 0 && used < budget && (r = sd_journal_previous(j)) > 0) {
                r = format_entry(j, &line);
                if (r < 0 || line.len == 0)
                        continue;
                if (used + line.len > budget)
                        break;
                used += line.len;
                r = strv_push(&lines, line.data);
        }
        for (size_t i = lines.n; r >= 0 && i > 0; i--)
                r = buf_append(out, lines.v[i - 1], strlen(lines.v[i - 1]));
        strv_done(&lines);
        buf_done(&line);
        return r < 0 ? r : 0;
}

static int collect_file(const char *path, size_t budget, struct buf *out)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *data = NULL;
        struct stat st;
        off_t from;
        ssize_t n;
        size_t got = 0;
        const char *start;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        from = st.st_size > (off_t)budget ? st.st_size - (off_t)budget : 0;
        data = malloc(budget + 1);
        if (!data)
                return -ENOMEM;
        while (got < budget && (n = pread(fd, data + got, budget - got, from + (off_t)got)) > 0)
                got += (size_t)n;
        start = data;
        if (from > 0) {
                /* start at a whole line */
                const char *nl = memchr(data, '\n', got);
                start = nl ? nl + 1 : data + got;
        }
        return buf_append(out, start, got - (size_t)(start - data));
}

int vendor_log_collect(const char *units, const char *files, size_t max_bytes, char **ret,
                       size_t *ret_len)
{
        _cleanup_free_ char *copy = files ? strdup(files) : NULL;
        struct strv paths = {};
        struct buf out = {};
        size_t sources, share;
        char *save = NULL;
        int r = 0;

        if (files && !copy)
                return -ENOMEM;
        for (char *p = copy ? strtok_r(copy, WORD_SEPARATORS, &save) : NULL; p && r >= 0;
             p = strtok_r(NULL, WORD_SEPARATORS, &save))
                r = strv_push(&paths, p);
        sources = paths.n + (units && units[0] ? 1 : 0);
        share = sources ? max_bytes / sources : 0;
        if (r >= 0 && units && units[0]) {
                r = buf_printf(&out, "==== journal: %s\n", units);
                if (r >= 0) {
                        int q = collect_journal(units, share, &out);
                        if (q == -ENOMEM)
                                r = q;
                        else if (q < 0)
                                r = buf_printf(&out, "(cannot read the journal: %s)\n",
                                               strerror(-q));
                }
        }
        for (size_t i = 0; r >= 0 && i < paths.n; i++) {
                r = buf_printf(&out, "==== file: %s\n", paths.v[i]);
                if (r >= 0) {
                        int q = collect_file(paths.v[i], share, &out);
                        if (q == -ENOMEM)
                                r = q;
                        else if (q < 0)
                                r = buf_printf(&out, "(cannot read the file: %s)\n", strerror(-q));
                }
        }
        if (r >= 0 && !out.data)
                r = buf_append(&out, "", 0);
        strv_done(&paths);
        if (r < 0) {
                buf_done(&out);
                return r;
        }
        *ret_len = out.len;
        *ret = buf_steal(&out);
        return 0;
}
