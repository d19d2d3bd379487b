/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bulkdata-encode.h"
#include "bulkdata-http.h"
#include "bulkdata.h"
#include "bus.h"
#include "cwmp/provider.h"
#include "kvmap.h"
#include "log.h"
#include "schedule.h"
#include "store.h"
#include "types.h"
#include "util.h"

/*
 * Device.BulkData. through the provider library, which stores the profiles. After every
 * commit (and every added or deleted instance) a deferred event reads the profiles again and
 * re-arms the timers of those whose schedule changed.
 *
 * A report is collected at each boundary of its interval: one GetParameterValues to dmd for
 * every Reference of the profile (and of its RequestURIParameters); if dmd refuses that call
 * (a reference that does not exist, a provider that is down), the references are read one by
 * one and the unreadable ones left out. The body carries the retained failed reports first,
 * then the new one. A failed report is written to <dir>/bulkdata/profile-N/<time>.report, in
 * the state directory when the profile has PersistAcrossReboot, else in the runtime directory;
 * a started cwmpd loads them again, so they go with its next report.
 */

#define BD_PREFIX      "Device.BulkData."
#define PROFILE_TABLE  BD_PREFIX "Profile."
#define BD_OBJECT_PATH "/io/cwmp/Agent/BulkData"
#define DM_BUS_NAME    "io.cwmp.DataModel"
#define DM_OBJECT_PATH "/io/cwmp/DataModel"
#define DM_INTERFACE   "io.cwmp.DataModel1"
#define DM_TIMEOUT_MS  30000

/* What the box offers; the schema's maxEntries say the same. */
#define MAX_PROFILES           16
#define MAX_REFERENCES         256 /* per profile */
#define MIN_REPORTING_INTERVAL 1   /* seconds */
#define MAX_RETAINED           128 /* NumberOfRetainedFailedReports -1: as many as this */
#define REPORT_FILE_MAX        (16u * 1024 * 1024)
#define REPORT_MAGIC           "BULKDATA1 "
#define USEC_PER_SEC           1000000ULL
#define CONTENT_TYPE_JSON      "application/json; charset=UTF-8"
#define CONTENT_TYPE_CSV       "text/csv; charset=UTF-8"

struct report {
        int64_t time_ms;
        char *data; /* "name\0type\0value\0" for each value */
        size_t len;
        struct bulkdata_value *values;
        size_t n_values;
        char *file; /* where it is retained, or NULL */
};

struct profile {
        struct bulkdata *bd;
        uint32_t number;
        char prefix[48]; /* "Device.BulkData.Profile.3." */
        char *schedule;  /* the settings the timer was armed with */
        char *encoding;  /* EncodingType: a new one drops the retained reports */
        int64_t phase;   /* the reference when TimeReference is the Unknown Time */
        sd_event_source *timer, *retry_timer;
        struct bulkdata_http *sending;
        size_t n_sending; /* the oldest reports, in the transfer in flight */
        bool collecting;
        uint32_t retry_count;
        struct report *reports; /* oldest first */
        size_t n_reports;
        struct strv query; /* RequestURIParameter names and values, as last read */
};

/* One GetParameterValues (or the calls of its fallback) in flight. */
struct collect {
        struct bulkdata *bd; /* NULL once bulkdata_free() ran */
        uint32_t number;
        int64_t time_ms;
        struct strv names;
        struct strv got; /* name, type, value, name, ... */
        unsigned pending;
        bool fell_back;
        struct collect *next;
};

struct bulkdata {
        sd_event *event;
        DBusConnection *bus;
        struct http_client *http;
        cwmp_provider *provider;
        char *state_dir, *runtime_dir; /* <dir>/bulkdata */
        struct profile **profiles;
        size_t n_profiles;
        sd_event_source *reload;
        struct collect *collects;
};

static int64_t realtime_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- settings ---- */

static const char *setting(struct profile *p, const char *name)
{
        char full[256];
        const char *v;

        snprintf(full, sizeof(full), "%s%s", p->prefix, name);
        v = cwmp_provider_get_stored(p->bd->provider, full);
        return v ? v : "";
}

static bool setting_bool(struct profile *p, const char *name)
{
        bool b = false;
        (void)cw_parse_bool(setting(p, name), &b);
        return b;
}

static uint32_t setting_u32(struct profile *p, const char *name)
{
        uint32_t u = 0;
        (void)cw_parse_uint32(setting(p, name), &u);
        return u;
}

static bool global_enable(struct bulkdata *bd)
{
        const char *v = cwmp_provider_get_stored(bd->provider, BD_PREFIX "Enable");
        bool b = false;
        (void)cw_parse_bool(v ? v : "", &b);
        return b;
}

static int instances(struct bulkdata *bd, const char *table, uint32_t **ret, size_t *n)
{
        *ret = NULL;
        *n = 0;
        return cwmp_provider_get_instances(bd->provider, table, ret, n);
}

/* The (Reference, Name) pairs of a table of the profile ("Parameter.", "HTTP.
 * RequestURIParameter."), those with a Reference only. */
static int references(struct profile *p, const char *table, struct strv *refs, struct strv *names)
{
        _cleanup_free_ uint32_t *numbers = NULL;
        char path[192];
        size_t n;
        int r;

        snprintf(path, sizeof(path), "%s%s", p->prefix, table);
        r = instances(p->bd, path, &numbers, &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                char ref[128], name[128];
                snprintf(ref, sizeof(ref), "%s%" PRIu32 ".Reference", table, numbers[i]);
                snprintf(name, sizeof(name), "%s%" PRIu32 ".Name", table, numbers[i]);
                if (!setting(p, ref)[0])
                        continue;
                r = strv_push(refs, setting(p, ref));
                if (r >= 0)
                        r = strv_push(names, setting(p, name));
        }
        return r;
}

/* ---- retained reports on disk ---- */

static int profile_dir(struct profile *p, bool persist, char **ret)
{
        if (asprintf(ret, "%s/profile-%" PRIu32, persist ? p->bd->state_dir : p->bd->runtime_dir,
                     p->number) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

static void report_done(struct report *rep)
{
        free(rep->data);
        free(rep->values);
        free(rep->file);
        *rep = (struct report){};
}

/* Points values into data (after data got its final place). */
static int report_index(struct report *rep)
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

static int report_save(struct profile *p, struct report *rep)
{
        _cleanup_free_ char *dir = NULL, *file = NULL;
        struct buf b = {};
        int r;

        if (rep->file)
                return 0;
        r = profile_dir(p, setting_bool(p, "HTTP.PersistAcrossReboot"), &dir);
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

static void report_forget(struct report *rep)
{
        if (rep->file && unlink(rep->file) < 0 && errno != ENOENT)
                log_warning_errno(-errno, "Failed to remove %s: %m", rep->file);
        report_done(rep);
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
                report_done(rep);
                return -ENOMEM;
        }
        memcpy(rep->data, end, rep->len);
        rep->data[rep->len] = '\0';
        if (rep->len > 0 && rep->data[rep->len - 1] != '\0') {
                report_done(rep);
                return -EBADMSG;
        }
        r = report_index(rep);
        if (r < 0)
                report_done(rep);
        return r;
}

static int compare_reports(const void *a, const void *b)
{
        const struct report *x = a, *y = b;
        return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

static int push_report(struct profile *p, struct report *rep)
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
static void load_retained(struct profile *p)
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
                        if (push_report(p, &rep) < 0) {
                                report_done(&rep);
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

static void remove_dirs(struct profile *p)
{
        for (int persist = 0; persist <= 1; persist++) {
                _cleanup_free_ char *dir = NULL;
                if (profile_dir(p, persist, &dir) >= 0)
                        (void)rmdir(dir);
        }
}

/* The first `failed` reports failed: the oldest of them beyond NumberOfRetainedFailedReports
 * are dropped, the others written to disk. Newer reports are left alone. */
static void retain(struct profile *p, size_t failed)
{
        int32_t wanted = 0;
        size_t limit, drop;

        (void)cw_parse_int32(setting(p, "NumberOfRetainedFailedReports"), &wanted);
        limit = wanted < 0 || wanted > MAX_RETAINED ? MAX_RETAINED : (size_t)wanted;
        if (failed > p->n_reports)
                failed = p->n_reports;
        drop = failed > limit ? failed - limit : 0;
        for (size_t i = 0; i < drop; i++)
                report_forget(&p->reports[i]);
        if (drop > 0) {
                memmove(p->reports, p->reports + drop, (p->n_reports - drop) * sizeof(*p->reports));
                p->n_reports -= drop;
                log_info("Bulk data profile %" PRIu32 ": dropped %zu failed report(s)", p->number,
                         drop);
        }
        for (size_t i = 0; i < failed - drop; i++) {
                int r = report_save(p, &p->reports[i]);
                if (r < 0)
                        log_warning_errno(r, "Failed to retain a bulk data report: %m");
        }
}

static void drop_reports(struct profile *p, size_t n)
{
        if (n == 0)
                return;
        for (size_t i = 0; i < n; i++)
                report_forget(&p->reports[i]);
        memmove(p->reports, p->reports + n, (p->n_reports - n) * sizeof(*p->reports));
        p->n_reports -= n;
}

/* ---- sending ---- */

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
        const char *url = setting(p, "HTTP.URL");
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
        if (streq(setting(p, "EncodingType"), "CSV")) {
                _cleanup_free_ char *fs = NULL, *rs = NULL, *esc = NULL;
                struct bulkdata_csv_options o = {};
                r = bulkdata_csv_format_from_string(setting(p, "CSVEncoding.ReportFormat"),
                                                    &o.format);
                if (r >= 0)
                        r = bulkdata_timestamp_from_string(setting(p, "CSVEncoding.RowTimestamp"),
                                                           &o.timestamp);
                if (r >= 0)
                        r = bulkdata_csv_separator_decode(setting(p, "CSVEncoding.FieldSeparator"),
                                                          &fs);
                if (r >= 0)
                        r = bulkdata_csv_separator_decode(setting(p, "CSVEncoding.RowSeparator"),
                                                          &rs);
                if (r >= 0)
                        r = bulkdata_csv_separator_decode(setting(p, "CSVEncoding.EscapeCharacter"),
                                                          &esc);
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
        r = bulkdata_json_format_from_string(setting(p, "JSONEncoding.ReportFormat"), &jf);
        if (r >= 0)
                r = bulkdata_timestamp_from_string(setting(p, "JSONEncoding.ReportTimestamp"), &t);
        if (r < 0)
                return r;
        *content_type = CONTENT_TYPE_JSON;
        *format = bulkdata_json_format_to_string(jf);
        return bulkdata_encode_json(reports, p->n_reports, jf, t, body);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);
static void send_reports(struct profile *p);

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
                drop_reports(p, n);
                p->retry_count = 0;
                send_reports(p); /* one collected while this transfer ran */
                return;
        }
        if (result == -EAGAIN && setting_bool(p, "HTTP.RetryEnable")) {
                uint64_t random = 0, wait;
                p->retry_count++;
                (void)getrandom(&random, sizeof(random), 0);
                wait = schedule_retry_wait_usec(setting_u32(p, "HTTP.RetryMinimumWaitInterval"),
                                                setting_u32(p, "HTTP.RetryIntervalMultiplier"),
                                                p->retry_count, random);
                log_warning("Bulk data profile %" PRIu32 ": transfer failed (%s%ld); retry %" PRIu32
                            " in %.1f s",
                            p->number, status ? "HTTP " : "no answer ", status, p->retry_count,
                            wait / 1e6);
                /* on disk meanwhile, so a restart does not lose them */
                for (size_t i = 0; i < p->n_reports; i++)
                        (void)report_save(p, &p->reports[i]);
                p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
                if (sd_event_add_time_relative(p->bd->event, &p->retry_timer, CLOCK_MONOTONIC, wait,
                                               1000, on_retry, p) < 0)
                        log_error("Cannot arm the bulk data retry timer");
                return;
        }
        log_warning("Bulk data profile %" PRIu32 ": transfer failed (%s%ld): %zu report(s) "
                    "retained as NumberOfRetainedFailedReports allows",
                    p->number, status ? "HTTP " : "no answer ", status, n);
        retain(p, n);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct profile *p = userdata;

        p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
        send_reports(p);
        return 0;
}

static void send_reports(struct profile *p)
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
                (void)bulkdata_compression_from_string(setting(p, "HTTP.Compression"), &c);
                const struct bulkdata_http_request request = {
                        .url = url,
                        .username = setting(p, "HTTP.Username"),
                        .password = setting(p, "HTTP.Password"),
                        .put = streq(setting(p, "HTTP.Method"), "PUT"),
                        .date_header = setting_bool(p, "HTTP.UseDateHeader"),
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
                                  p->number, setting(p, "HTTP.URL"));
                retain(p, p->n_reports);
                return;
        }
        p->n_sending = p->n_reports;
}

/* ---- collecting ---- */

static struct profile *find_profile(struct bulkdata *bd, uint32_t number)
{
        for (size_t i = 0; i < bd->n_profiles; i++)
                if (bd->profiles[i]->number == number)
                        return bd->profiles[i];
        return NULL;
}

/* The index of the reference that produced `name`: the same name, or a partial path above
 * it; -1 if none. */
static ssize_t match_reference(const struct strv *refs, const char *name)
{
        for (size_t i = 0; i < refs->n; i++) {
                const char *ref = refs->v[i];
                if (streq(ref, name) || (endswith_char(ref, '.') && startswith(name, ref)))
                        return (ssize_t)i;
        }
        return -1;
}

/* TR-069 Annex N.3.1: an empty Name reports the parameter's own name; a Name replaces a
 * full Reference, or the partial path part of the names below a partial Reference. */
static int report_name(const char *ref, const char *alias, const char *name, struct buf *out)
{
        if (!alias[0])
                return buf_append(out, name, strlen(name) + 1);
        if (!endswith_char(ref, '.'))
                return buf_append(out, alias, strlen(alias) + 1);
        return buf_printf(out, "%s%s%s%c", alias, endswith_char(alias, '.') ? "" : ".",
                          name + strlen(ref), '\0');
}

static void collect_finish(struct collect *c)
{
        _cleanup_(strv_done) struct strv refs = {}, aliases = {}, uri_refs = {}, uri_names = {},
                                         query = {};
        _cleanup_kvmap_ struct kvmap *seen = kvmap_new();
        struct profile *p = find_profile(c->bd, c->number);
        struct report rep = {.time_ms = c->time_ms};
        struct buf data = {};
        int r = 0;

        if (!p)
                return;
        p->collecting = false;
        if (c->names.n > 0 && c->got.n == 0) {
                /* dmd is away, or no reference reads: a report of nothing says nothing */
                log_warning("Bulk data profile %" PRIu32 ": no value could be read: no report",
                            p->number);
                return;
        }
        if (!seen)
                r = -ENOMEM;
        if (r >= 0)
                r = references(p, "Parameter.", &refs, &aliases);
        if (r >= 0)
                r = references(p, "HTTP.RequestURIParameter.", &uri_refs, &uri_names);
        for (size_t i = 0; r >= 0 && i + 2 < c->got.n; i += 3) {
                const char *name = c->got.v[i], *type = c->got.v[i + 1], *value = c->got.v[i + 2];
                /* references that overlap read a parameter twice: it is reported once */
                if (kvmap_get(seen, name))
                        continue;
                r = kvmap_set(seen, name, "");
                ssize_t k = r < 0 ? -1 : match_reference(&refs, name);
                if (k >= 0) {
                        r = report_name(refs.v[k], aliases.v[k], name, &data);
                        if (r >= 0)
                                r = buf_append(&data, type, strlen(type) + 1);
                        if (r >= 0)
                                r = buf_append(&data, value, strlen(value) + 1);
                }
                for (size_t u = 0; r >= 0 && u < uri_refs.n; u++)
                        if (streq(uri_refs.v[u], name) && uri_names.v[u][0]) {
                                r = strv_push(&query, uri_names.v[u]);
                                if (r >= 0)
                                        r = strv_push(&query, value);
                        }
        }
        rep.len = data.len;
        rep.data = buf_steal(&data);
        if (r >= 0 && !rep.data)
                r = -ENOMEM;
        if (r >= 0)
                r = report_index(&rep);
        if (r >= 0)
                r = push_report(p, &rep);
        if (r < 0) {
                report_done(&rep);
                log_error_errno(r, "Bulk data profile %" PRIu32 ": cannot build the report: %m",
                                p->number);
                return;
        }
        log_debug("Bulk data profile %" PRIu32 ": report of %zu value(s) collected", p->number,
                  p->reports[p->n_reports - 1].n_values);
        strv_done(&p->query);
        p->query = query;
        query = (struct strv){};
        send_reports(p);
}

static void collect_free(void *userdata)
{
        struct collect *c = userdata;

        if (--c->pending > 0)
                return;
        if (c->bd)
                for (struct collect **l = &c->bd->collects; *l; l = &(*l)->next)
                        if (*l == c) {
                                *l = c->next;
                                break;
                        }
        strv_done(&c->names);
        strv_done(&c->got);
        free(c);
}

static int ask(struct collect *c, const char *const *names, size_t n);

static int read_values(struct collect *c, DBusMessage *reply)
{
        DBusMessageIter it, array, entry;
        int r = 0;

        if (!dbus_message_iter_init(reply, &it) ||
            dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_ARRAY)
                return -EBADMSG;
        dbus_message_iter_recurse(&it, &array);
        while (r >= 0 && dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                dbus_message_iter_recurse(&array, &entry);
                for (int k = 0; r >= 0 && k < 3; k++) {
                        const char *s;
                        if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
                                return -EBADMSG;
                        dbus_message_iter_get_basic(&entry, &s);
                        r = strv_push(&c->got, s);
                        dbus_message_iter_next(&entry);
                }
                dbus_message_iter_next(&array);
        }
        return r;
}

static void on_values(DBusMessage *reply, void *userdata)
{
        struct collect *c = userdata;
        int r = 0;

        if (!c->bd)
                return;
        if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
                if (!c->fell_back) {
                        log_warning("Bulk data profile %" PRIu32 ": reading the references "
                                    "failed (%s): asking one by one",
                                    c->number, dbus_message_get_error_name(reply));
                        c->fell_back = true;
                        for (size_t i = 0; r >= 0 && i < c->names.n; i++)
                                r = ask(c, (const char *const *)&c->names.v[i], 1);
                }
        } else {
                r = read_values(c, reply);
        }
        if (r < 0)
                log_warning_errno(r, "Bulk data profile %" PRIu32 ": reading values: %m",
                                  c->number);
        /* this call's own reference goes when it returns: the last one finishes */
        if (c->pending == 1)
                collect_finish(c);
}

static int ask(struct collect *c, const char *const *names, size_t n)
{
        _cleanup_(dbus_message_unrefp) DBusMessage *call = dbus_message_new_method_call(
                DM_BUS_NAME, DM_OBJECT_PATH, DM_INTERFACE, "GetParameterValues");
        int r;

        if (!call || !dbus_message_append_args(call, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names,
                                               (int)n, DBUS_TYPE_INVALID))
                return -ENOMEM;
        c->pending++;
        r = bus_call_async(c->bd->bus, call, DM_TIMEOUT_MS, on_values, c, collect_free);
        if (r < 0)
                c->pending--;
        return r;
}

static void collect_start(struct profile *p)
{
        _cleanup_(strv_done) struct strv aliases = {};
        struct collect *c;
        int r;

        if (p->collecting) {
                log_warning("Bulk data profile %" PRIu32 ": the last collection is still running",
                            p->number);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                return;
        *c = (struct collect){.bd = p->bd, .number = p->number, .time_ms = realtime_ms()};
        r = references(p, "Parameter.", &c->names, &aliases);
        if (r >= 0)
                r = references(p, "HTTP.RequestURIParameter.", &c->names, &aliases);
        /* held until the setup is done, so an early reply cannot finish it */
        c->pending = 1;
        c->next = p->bd->collects;
        p->bd->collects = c;
        if (r >= 0 && c->names.n > 0)
                r = ask(c, (const char *const *)c->names.v, c->names.n);
        if (r < 0)
                log_error_errno(r, "Bulk data profile %" PRIu32 ": cannot read the values: %m",
                                p->number);
        else
                p->collecting = true;
        if (r >= 0 && c->pending == 1)
                collect_finish(c); /* nothing to read: an empty report */
        collect_free(c);
}

/* ---- scheduling ---- */

static void arm_timer(struct profile *p);

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct profile *p = userdata;

        p->timer = sd_event_source_disable_unref(p->timer);
        arm_timer(p);
        /* TR-069 Annex N.2.2.1: a retry not done by the next interval is given up; its
         * reports are retained failed reports now */
        if (p->retry_timer) {
                p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
                p->retry_count = 0;
        }
        if (!p->sending)
                retain(p, p->n_reports);
        collect_start(p);
        return 0;
}

static void arm_timer(struct profile *p)
{
        struct cw_datetime ref = {.unknown = true};
        uint32_t interval = setting_u32(p, "ReportingInterval");
        struct timespec ts;

        p->timer = sd_event_source_disable_unref(p->timer);
        if (interval < MIN_REPORTING_INTERVAL)
                interval = MIN_REPORTING_INTERVAL;
        if (cw_parse_datetime(setting(p, "TimeReference"), &ref) < 0 || ref.relative)
                ref.unknown = true;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t next =
                schedule_next_periodic(ts.tv_sec, interval, ref.unknown, ref.seconds, p->phase);
        if (sd_event_add_time(p->bd->event, &p->timer, CLOCK_REALTIME,
                              (uint64_t)next * USEC_PER_SEC, 1000, on_timer, p) < 0)
                log_error("Cannot arm the bulk data timer of profile %" PRIu32, p->number);
}

static void profile_stop(struct profile *p)
{
        p->timer = sd_event_source_disable_unref(p->timer);
        p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
        p->retry_count = 0;
        if (p->sending) {
                bulkdata_http_free(p->sending);
                p->sending = NULL;
                p->n_sending = 0;
        }
}

static void profile_free(struct profile *p, bool deleted)
{
        if (!p)
                return;
        /* cwmpd stops: reports not delivered yet are failed ones, kept as the profile says */
        if (!deleted && p->n_reports > 0)
                retain(p, p->n_reports);
        profile_stop(p);
        for (size_t i = 0; i < p->n_reports; i++) {
                if (deleted)
                        report_forget(&p->reports[i]);
                else
                        report_done(&p->reports[i]);
        }
        if (deleted)
                remove_dirs(p);
        free(p->reports);
        strv_done(&p->query);
        free(p->schedule);
        free(p->encoding);
        free(p);
}

/* Applies the stored settings: a new schedule starts its first interval now (TR-181
 * ReportingInterval, TimeReference); a new EncodingType drops the retained reports. */
static int profile_configure(struct profile *p)
{
        bool enabled = global_enable(p->bd) && setting_bool(p, "Enable");
        _cleanup_free_ char *schedule = NULL;
        const char *encoding = setting(p, "EncodingType");

        if (p->encoding && !streq(p->encoding, encoding)) {
                p->retry_timer = sd_event_source_disable_unref(p->retry_timer);
                p->retry_count = 0;
                bulkdata_http_free(p->sending);
                p->sending = NULL;
                p->n_sending = 0;
                drop_reports(p, p->n_reports);
        }
        if (!streq_ptr(p->encoding, encoding)) {
                free(p->encoding);
                p->encoding = strdup(encoding);
                if (!p->encoding)
                        return -ENOMEM;
        }
        if (asprintf(&schedule, "%d %s %s", enabled, setting(p, "ReportingInterval"),
                     setting(p, "TimeReference")) < 0)
                return -ENOMEM;
        if (streq_ptr(p->schedule, schedule))
                return 0;
        free(p->schedule);
        p->schedule = TAKE_PTR(schedule);
        if (!enabled) {
                profile_stop(p);
                return 0;
        }
        p->phase = time(NULL);
        arm_timer(p);
        return 0;
}

static int profile_new(struct bulkdata *bd, uint32_t number, struct profile **ret)
{
        struct profile *p = calloc(1, sizeof(*p));
        struct profile **bigger;

        if (!p)
                return -ENOMEM;
        p->bd = bd;
        p->number = number;
        snprintf(p->prefix, sizeof(p->prefix), PROFILE_TABLE "%" PRIu32 ".", number);
        bigger = realloc(bd->profiles, (bd->n_profiles + 1) * sizeof(*bigger));
        if (!bigger) {
                free(p);
                return -ENOMEM;
        }
        bd->profiles = bigger;
        bd->profiles[bd->n_profiles++] = p;
        load_retained(p);
        *ret = p;
        return 0;
}

static int reload(struct bulkdata *bd)
{
        _cleanup_free_ uint32_t *numbers = NULL;
        size_t n;
        int r;

        r = instances(bd, PROFILE_TABLE, &numbers, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < bd->n_profiles;) {
                bool present = false;
                for (size_t k = 0; k < n && !present; k++)
                        present = numbers[k] == bd->profiles[i]->number;
                if (present) {
                        i++;
                        continue;
                }
                log_info("Bulk data profile %" PRIu32 " deleted", bd->profiles[i]->number);
                profile_free(bd->profiles[i], true);
                bd->profiles[i] = bd->profiles[--bd->n_profiles];
        }
        for (size_t k = 0; k < n; k++) {
                struct profile *p = find_profile(bd, numbers[k]);
                if (!p) {
                        r = profile_new(bd, numbers[k], &p);
                        if (r < 0)
                                return r;
                }
                r = profile_configure(p);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int on_reload(sd_event_source *s, void *userdata)
{
        struct bulkdata *bd = userdata;
        int r = reload(bd);
        if (r < 0)
                log_error_errno(r, "Failed to apply the bulk data profiles: %m");
        return 0;
}

static void schedule_reload(struct bulkdata *bd)
{
        if (sd_event_source_set_enabled(bd->reload, SD_EVENT_ONESHOT) < 0)
                log_warning("Failed to schedule the bulk data update");
}

/* ---- provider callbacks ---- */

static int count_instances(struct bulkdata *bd, const char *table, char **value)
{
        _cleanup_free_ uint32_t *numbers = NULL;
        size_t n;
        int r = instances(bd, table, &numbers, &n);

        if (r < 0)
                return r;
        return asprintf(value, "%zu", n) < 0 ? -ENOMEM : 0;
}

static int constant(const char *s, char **value)
{
        *value = strdup(s);
        return *value ? 0 : -ENOMEM;
}

static int on_get(cwmp_provider *provider, const char *name, char **value, void *userdata)
{
        struct bulkdata *bd = userdata;
        char table[192];
        const char *rest;
        uint32_t number;
        int used = 0;

        if (!startswith(name, BD_PREFIX))
                return -ENOENT;
        rest = name + strlen(BD_PREFIX);
        if (streq(rest, "Status"))
                return constant(global_enable(bd) ? "Enabled" : "Disabled", value);
        if (streq(rest, "MinReportingInterval"))
                return asprintf(value, "%u", MIN_REPORTING_INTERVAL) < 0 ? -ENOMEM : 0;
        if (streq(rest, "Protocols"))
                return constant("HTTP", value);
        if (streq(rest, "EncodingTypes"))
                return constant("JSON,CSV", value);
        if (streq(rest, "ParameterWildCardSupported"))
                return constant("false", value);
        if (streq(rest, "MaxNumberOfProfiles"))
                return asprintf(value, "%d", MAX_PROFILES) < 0 ? -ENOMEM : 0;
        if (streq(rest, "MaxNumberOfParameterReferences"))
                return asprintf(value, "%d", MAX_PROFILES * MAX_REFERENCES) < 0 ? -ENOMEM : 0;
        if (streq(rest, "ProfileNumberOfEntries"))
                return count_instances(bd, PROFILE_TABLE, value);
        if (sscanf(rest, "Profile.%" SCNu32 ".%n", &number, &used) != 1 || used == 0)
                return -ENOENT;
        rest += used;
        if (streq(rest, "ParameterNumberOfEntries")) {
                snprintf(table, sizeof(table), PROFILE_TABLE "%" PRIu32 ".Parameter.", number);
                return count_instances(bd, table, value);
        }
        if (streq(rest, "HTTP.RequestURIParameterNumberOfEntries")) {
                snprintf(table, sizeof(table),
                         PROFILE_TABLE "%" PRIu32 ".HTTP.RequestURIParameter.", number);
                return count_instances(bd, table, value);
        }
        if (streq(rest, "HTTP.CompressionsSupported"))
                return constant("GZIP,Deflate", value);
        if (streq(rest, "HTTP.MethodsSupported"))
                return constant("POST,PUT", value);
        return -ENOENT;
}

/* A parameter or object path of the model: "Device." and names, no instance wildcards (we
 * say ParameterWildCardSupported false) and no aliases. */
static bool is_model_path(const char *s, bool partial_allowed)
{
        if (!startswith(s, "Device.") || strstr(s, ".."))
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
                        return false;
        return partial_allowed || !endswith_char(s, '.');
}

static bool is_http_url(const char *s)
{
        return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

static int on_validate(cwmp_provider *provider, const char *name, const char *value, void *userdata)
{
        const char *leaf = strrchr(name, '.');

        if (!leaf || !value[0])
                return 0;
        if (strstr(name, ".RequestURIParameter.") && streq(leaf, ".Reference"))
                return is_model_path(value, false) ? 0 : -EINVAL;
        if (strstr(name, ".Parameter.") && streq(leaf, ".Reference"))
                return is_model_path(value, true) ? 0 : -EINVAL;
        if (endswith_char(name, 'L') && strstr(name, ".HTTP.URL"))
                return is_http_url(value) ? 0 : -EINVAL;
        return 0;
}

static int on_apply(cwmp_provider *provider, const struct cwmp_value *values, size_t n,
                    void *userdata)
{
        schedule_reload(userdata);
        return 0;
}

static void on_instance_changed(cwmp_provider *provider, const char *object, void *userdata)
{
        schedule_reload(userdata);
}

static const struct cwmp_provider_ops provider_ops = {
        .get = on_get,
        .validate = on_validate,
        .apply = on_apply,
        .instance_added = on_instance_changed,
        .instance_deleted = on_instance_changed,
};

/* ---- the API ---- */

void bulkdata_free(struct bulkdata *bd)
{
        if (!bd)
                return;
        for (struct collect *c = bd->collects; c; c = c->next)
                c->bd = NULL; /* their replies find nobody */
        for (size_t i = 0; i < bd->n_profiles; i++)
                profile_free(bd->profiles[i], false);
        free(bd->profiles);
        cwmp_provider_free(bd->provider);
        sd_event_source_disable_unref(bd->reload);
        sd_event_unref(bd->event);
        free(bd->state_dir);
        free(bd->runtime_dir);
        free(bd);
}

int bulkdata_new(sd_event *event, DBusConnection *bus, struct http_client *http,
                 const struct bulkdata_options *o, struct bulkdata **ret)
{
        struct bulkdata *bd;
        int r;

        if (!event || !bus || !http || !o || !o->schema_file || !o->state_dir || !o->runtime_dir ||
            !ret)
                return -EINVAL;
        bd = calloc(1, sizeof(*bd));
        if (!bd)
                return -ENOMEM;
        bd->event = sd_event_ref(event);
        bd->bus = bus;
        bd->http = http;
        if (asprintf(&bd->state_dir, "%s/bulkdata", o->state_dir) < 0 ||
            asprintf(&bd->runtime_dir, "%s/bulkdata", o->runtime_dir) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        r = cwmp_provider_new(event, bus, BD_OBJECT_PATH, &bd->provider);
        if (r >= 0)
                r = cwmp_provider_load_schema(bd->provider, o->schema_file);
        if (r >= 0)
                r = cwmp_provider_add_subtree(bd->provider, BD_PREFIX);
        if (r >= 0 && o->state_file)
                r = cwmp_provider_set_state_file(bd->provider, o->state_file);
        if (r < 0)
                goto fail;
        cwmp_provider_set_ops(bd->provider, &provider_ops, bd);
        r = sd_event_add_defer(event, &bd->reload, on_reload, bd);
        if (r >= 0)
                r = sd_event_source_set_enabled(bd->reload, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = bd;
        return 0;
fail:
        bulkdata_free(bd);
        return r;
}

int bulkdata_start(struct bulkdata *bd)
{
        int r;

        if (!bd)
                return -EINVAL;
        r = cwmp_provider_start(bd->provider);
        if (r < 0)
                return r;
        return reload(bd);
}
