/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "bulkdata-http.h"
#include "bulkdata-internal.h"
#include "log.h"
#include "schedule.h"

/*
 * A transfer carries every report of the profile, the retained ones first. A collector that
 * answers 5xx or not at all is tried again after the TR-069 3.2.1.1 back-off (RetryEnable);
 * other failures, and a retry overtaken by the next interval, make retained reports.
 */

static bool is_unreserved(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("-._~", c);
}

static int append_escaped(struct buf *b, const char *s)
{
        int r = 0;
        for (; r >= 0 && *s; s++)
                r = is_unreserved(*s) ? buf_append(b, s, 1)
                                      : buf_printf(b, "%%%02X", (unsigned char)*s);
        return r;
}

/* HTTP.URL with "Name=value" of every RequestURIParameter (TR-069 Annex N.2.1); the values
 * are those read with the newest report. */
static int build_url(struct profile *p, const struct strv *query, char **ret)
{
        struct buf b = {};
        const char *url = bulkdata_setting(p, "HTTP.URL");
        bool has_query = strchr(url, '?') != NULL;
        int r = buf_append(&b, url, strlen(url));

        for (size_t i = 0; r >= 0 && i + 1 < query->n; i += 2) {
                r = buf_append(&b, has_query ? "&" : "?", 1);
                has_query = true;
                if (r >= 0)
                        r = append_escaped(&b, query->v[i]);
                if (r >= 0)
                        r = buf_append(&b, "=", 1);
                if (r >= 0)
                        r = append_escaped(&b, query->v[i + 1]);
        }
        if (r < 0) {
                buf_done(&b);
                return r;
        }
        *ret = buf_steal(&b);
        return 0;
}

static int encode(struct profile *p, struct buf *body, const char **content_type,
                  const char **format)
{
        _cleanup_free_ struct bulkdata_report *reports = calloc(p->n_reports + 1, sizeof(*reports));
        int r;

        if (!reports)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_reports; i++)
                reports[i] = (struct bulkdata_report){p->reports[i].time_ms, p->reports[i].values,
                                                      p->reports[i].n_values};
        if (streq(bulkdata_setting(p, "EncodingType"), "CSV")) {
                _cleanup_free_ char *fs = NULL, *rs = NULL, *esc = NULL;
                struct bulkdata_csv_options o = {};
                r = bulkdata_csv_format_from_string(bulkdata_setting(p, "CSVEncoding.ReportFormat"),
                                                    &o.format);
                if (r >= 0)
                        r = bulkdata_timestamp_from_string(
                                bulkdata_setting(p, "CSVEncoding.RowTimestamp"), &o.timestamp);
                if (r >= 0)
                        r = bulkdata_csv_separator_decode(
                                bulkdata_setting(p, "CSVEncoding.FieldSeparator"), &fs);
                if (r >= 0)
                        r = bulkdata_csv_separator_decode(
                                bulkdata_setting(p, "CSVEncoding.RowSeparator"), &rs);
                if (r >= 0)
                        r = bulkdata_csv_separator_decode(
                                bulkdata_setting(p, "CSVEncoding.EscapeCharacter"), &esc);
                if (r < 0)
                        return r;
                o.field_separator = fs;
                o.row_separator = rs;
                o.escape = esc;
                *content_type = CONTENT_TYPE_CSV;
                *format = bulkdata_csv_format_to_string(o.format);
                return bulkdata_encode_csv(reports, p->n_reports, &o, body);
        }
        enum bulkdata_json_format jf;
        enum bulkdata_timestamp t;
        r = bulkdata_json_format_from_string(bulkdata_setting(p, "JSONEncoding.ReportFormat"), &jf);
        if (r >= 0)
                r = bulkdata_timestamp_from_string(
                        bulkdata_setting(p, "JSONEncoding.ReportTimestamp"), &t);
        if (r < 0)
                return r;
        *content_type = CONTENT_TYPE_JSON;
        *format = bulkdata_json_format_to_string(jf);
        return bulkdata_encode_json(reports, p->n_reports, jf, t, body);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

static void on_sent(void *userdata, int result, long status)
{
        struct profile *p = userdata;
        size_t n = p->n_sending;

        bulkdata_http_free(p->sending);
        p->sending = NULL;
        p->n_sending = 0;
        if (result == 0) {
                log_info("Bulk data profile %" PRIu32 ": %zu report(s) delivered (HTTP %ld)",
                         p->number, n, status);
                bulkdata_drop_reports(p, n);
                p->retry_count = 0;
                bulkdata_send(p); /* one collected while this transfer ran */
                return;
        }
        if (result == -EAGAIN && bulkdata_setting_bool(p, "HTTP.RetryEnable")) {
                uint64_t random = 0, wait;
                p->retry_count++;
                (void)getrandom(&random, sizeof(random), 0);
                wait = schedule_retry_wait_usec(
                        bulkdata_setting_u32(p, "HTTP.RetryMinimumWaitInterval"),
                        bulkdata_setting_u32(p, "HTTP.RetryIntervalMultiplier"), p->retry_count,
                        random);
                log_warning("Bulk data profile %" PRIu32 ": transfer failed (%s%ld); retry %" PRIu32
                            " in %.1f s",
                            p->number, status ? "HTTP " : "no answer ", status, p->retry_count,
                            wait / 1e6);
                /* on disk meanwhile, so a restart does not lose them */
                for (size_t i = 0; i < p->n_reports; i++)
                        (void)bulkdata_report_save(p, &p->reports[i]);
                p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
                if (sd_event_add_time_relative(p->bd->event, &p->retry_timer, CLOCK_MONOTONIC, wait,
                                               1000, on_retry, p) < 0)
                        log_error("Cannot arm the bulk data retry timer");
                return;
        }
        log_warning("Bulk data profile %" PRIu32 ": transfer failed (%s%ld): %zu report(s) "
                    "retained as NumberOfRetainedFailedReports allows",
                    p->number, status ? "HTTP " : "no answer ", status, n);
        bulkdata_retain(p, n);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct profile *p = userdata;

        p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
        bulkdata_send(p);
        return 0;
}

void bulkdata_send(struct profile *p)
{
        _cleanup_free_ char *url = NULL;
        const char *content_type = NULL, *format = NULL;
        struct buf body = {};
        int r;

        if (p->sending || p->n_reports == 0)
                return;
        r = encode(p, &body, &content_type, &format);
        if (r >= 0 && !body.data)
                r = buf_append(&body, "", 0);
        if (r >= 0)
                r = build_url(p, &p->query, &url);
        if (r >= 0) {
                enum bulkdata_compression c = BULKDATA_COMPRESSION_NONE;
                (void)bulkdata_compression_from_string(bulkdata_setting(p, "HTTP.Compression"), &c);
                const struct bulkdata_http_request request = {
                        .url = url,
                        .username = bulkdata_setting(p, "HTTP.Username"),
                        .password = bulkdata_setting(p, "HTTP.Password"),
                        .put = streq(bulkdata_setting(p, "HTTP.Method"), "PUT"),
                        .date_header = bulkdata_setting_bool(p, "HTTP.UseDateHeader"),
                        .compression = c,
                        .content_type = content_type,
                        .report_format = format,
                        .body = body.data,
                        .len = body.len,
                };
                r = bulkdata_http_send(p->bd->http, &request, on_sent, p, &p->sending);
        }
        buf_done(&body);
        if (r < 0) {
                log_warning_errno(r, "Bulk data profile %" PRIu32 ": cannot send to '%s': %m",
                                  p->number, bulkdata_setting(p, "HTTP.URL"));
                bulkdata_retain(p, p->n_reports);
                return;
        }
        p->n_sending = p->n_reports;
}
