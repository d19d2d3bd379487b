/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulkdata-internal.h"
#include "log.h"
#include "store.h"
#include "types.h"

/*
 * The reports of a profile: collected values in one block ("name\0type\0value\0"...).
 * A failed report is written to <dir>/bulkdata/profile-N/<time>.report, in the state
 * directory when the profile has PersistAcrossReboot, else in the runtime directory; a
 * started cwmpd loads them again, so they go with its next report.
 */

static int profile_dir(struct profile *p, bool persist, char **ret)
{
        if (asprintf(ret, "%s/profile-%" PRIu32, persist ? p->bd->state_dir : p->bd->runtime_dir,
                     p->number) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

void bulkdata_report_done(struct report *rep)
{
        free(rep->data);
        free(rep->values);
        free(rep->file);
        *rep = (struct report){};
}

/* Points values into data (after data got its final place). */
int bulkdata_report_index(struct report *rep)
{
        size_t count = 0, i = 0;

        for (size_t k = 0; k < rep->len; k++)
                count += rep->data[k] == '\0';
        if (count % 3 != 0)
                return -EBADMSG;
        free(rep->values);
        rep->values = calloc(count / 3 + 1, sizeof(*rep->values));
        if (!rep->values)
                return -ENOMEM;
        rep->n_values = count / 3;
        for (const char *s = rep->data; i < rep->n_values; i++) {
                rep->values[i].name = s;
                s += strlen(s) + 1;
                rep->values[i].type = s;
                s += strlen(s) + 1;
                rep->values[i].value = s;
                s += strlen(s) + 1;
        }
        return 0;
}

int bulkdata_report_save(struct profile *p, struct report *rep)
{
        _cleanup_free_ char *dir = NULL, *file = NULL;
        struct buf b = {};
        int r;

        if (rep->file)
                return 0;
        r = profile_dir(p, bulkdata_setting_bool(p, "HTTP.PersistAcrossReboot"), &dir);
        if (r < 0)
                return r;
        r = store_mkdir_p(dir);
        if (r < 0)
                return r;
        if (asprintf(&file, "%s/%" PRId64 ".report", dir, rep->time_ms) < 0) {
                file = NULL;
                return -ENOMEM;
        }
        r = buf_printf(&b, REPORT_MAGIC "%" PRId64 "\n", rep->time_ms);
        if (r >= 0)
                r = buf_append(&b, rep->data ? rep->data : "", rep->len);
        if (r >= 0)
                r = store_write_atomic(file, b.data, b.len);
        buf_done(&b);
        if (r < 0)
                return r;
        rep->file = TAKE_PTR(file);
        return 0;
}

void bulkdata_report_forget(struct report *rep)
{
        if (rep->file && unlink(rep->file) < 0 && errno != ENOENT)
                log_warning_errno(-errno, "Failed to remove %s: %m", rep->file);
        bulkdata_report_done(rep);
}

static int report_load(const char *file, struct report *rep)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        char *end;
        int r;

        r = store_read_file(file, REPORT_FILE_MAX, &data, &len);
        if (r < 0)
                return r;
        if (len < strlen(REPORT_MAGIC) || memcmp(data, REPORT_MAGIC, strlen(REPORT_MAGIC)) != 0)
                return -EBADMSG;
        errno = 0;
        *rep = (struct report){.time_ms = strtoll(data + strlen(REPORT_MAGIC), &end, 10)};
        if (errno != 0 || *end != '\n')
                return -EBADMSG;
        end++;
        rep->len = len - (size_t)(end - data);
        rep->data = malloc(rep->len + 1);
        rep->file = strdup(file);
        if (!rep->data || !rep->file) {
                bulkdata_report_done(rep);
                return -ENOMEM;
        }
        memcpy(rep->data, end, rep->len);
        rep->data[rep->len] = '\0';
        if (rep->len > 0 && rep->data[rep->len - 1] != '\0') {
                bulkdata_report_done(rep);
                return -EBADMSG;
        }
        r = bulkdata_report_index(rep);
        if (r < 0)
                bulkdata_report_done(rep);
        return r;
}

static int compare_reports(const void *a, const void *b)
{
        const struct report *x = a, *y = b;
        return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

int bulkdata_push_report(struct profile *p, struct report *rep)
{
        struct report *bigger = realloc(p->reports, (p->n_reports + 1) * sizeof(*bigger));
        if (!bigger)
                return -ENOMEM;
        p->reports = bigger;
        p->reports[p->n_reports++] = *rep;
        *rep = (struct report){};
        return 0;
}

/* The reports a earlier cwmpd retained, from both directories. */
void bulkdata_load_retained(struct profile *p)
{
        for (int persist = 0; persist <= 1; persist++) {
                _cleanup_free_ char *dir = NULL;
                struct dirent *de;
                DIR *d;

                if (profile_dir(p, persist, &dir) < 0 || !(d = opendir(dir)))
                        continue;
                while ((de = readdir(d))) {
                        _cleanup_free_ char *file = NULL;
                        struct report rep;
                        size_t len = strlen(de->d_name);
                        if (len < 8 || !streq(de->d_name + len - 7, ".report"))
                                continue;
                        if (asprintf(&file, "%s/%s", dir, de->d_name) < 0) {
                                file = NULL;
                                break;
                        }
                        int r = report_load(file, &rep);
                        if (r < 0) {
                                log_warning_errno(r, "Ignoring the retained report %s: %m", file);
                                continue;
                        }
                        if (bulkdata_push_report(p, &rep) < 0) {
                                bulkdata_report_done(&rep);
                                break;
                        }
                }
                closedir(d);
        }
        if (p->n_reports > 1)
                qsort(p->reports, p->n_reports, sizeof(*p->reports), compare_reports);
        if (p->n_reports > 0)
                log_info("Bulk data profile %" PRIu32 ": %zu retained report(s)", p->number,
                         p->n_reports);
}

void bulkdata_remove_dirs(struct profile *p)
{
        for (int persist = 0; persist <= 1; persist++) {
                _cleanup_free_ char *dir = NULL;
                if (profile_dir(p, persist, &dir) >= 0)
                        (void)rmdir(dir);
        }
}

/* The first `failed` reports failed: the oldest of them beyond NumberOfRetainedFailedReports
 * are dropped, the others written to disk. Newer reports are left alone. */
void bulkdata_retain(struct profile *p, size_t failed)
{
        int32_t wanted = 0;
        size_t limit, drop;

        (void)cw_parse_int32(bulkdata_setting(p, "NumberOfRetainedFailedReports"), &wanted);
        limit = wanted < 0 || wanted > MAX_RETAINED ? MAX_RETAINED : (size_t)wanted;
        if (failed > p->n_reports)
                failed = p->n_reports;
        drop = failed > limit ? failed - limit : 0;
        for (size_t i = 0; i < drop; i++)
                bulkdata_report_forget(&p->reports[i]);
        if (drop > 0) {
                memmove(p->reports, p->reports + drop, (p->n_reports - drop) * sizeof(*p->reports));
                p->n_reports -= drop;
                log_info("Bulk data profile %" PRIu32 ": dropped %zu failed report(s)", p->number,
                         drop);
        }
        for (size_t i = 0; i < failed - drop; i++) {
                int r = bulkdata_report_save(p, &p->reports[i]);
                if (r < 0)
                        log_warning_errno(r, "Failed to retain a bulk data report: %m");
        }
}

void bulkdata_drop_reports(struct profile *p, size_t n)
{
        if (n == 0)
                return;
        for (size_t i = 0; i < n; i++)
                bulkdata_report_forget(&p->reports[i]);
        memmove(p->reports, p->reports + n, (p->n_reports - n) * sizeof(*p->reports));
        p->n_reports -= n;
}
