/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "interface-ref.h"
#include "kvmap.h"
#include "log.h"
#include "store.h"
#include "tr143-diag.h"
#include "tr143-http.h"
#include "types.h"
#include "util.h"

/* The names that differ between the two objects. */
struct names {
        const char *prefix, *url, *test_bytes, *test_bytes_full, *transports, *max_connections,
                *max_incremental, *label;
};

static const struct names names_of[2] = {
        [TR143_DOWNLOAD] = {TR143_DOWNLOAD_PREFIX, "DownloadURL", "TestBytesReceived",
                            "TestBytesReceivedUnderFullLoading", "DownloadTransports",
                            "DownloadDiagnosticMaxConnections",
                            "DownloadDiagnosticsMaxIncrementalResult", "download"},
        [TR143_UPLOAD] = {TR143_UPLOAD_PREFIX, "UploadURL", "TestBytesSent",
                          "TestBytesSentUnderFullLoading", "UploadTransports",
                          "UploadDiagnosticsMaxConnections",
                          "UploadDiagnosticsMaxIncrementalResult", "upload"},
};

struct tr143_diag {
        sd_event *event;
        DBusConnection *bus;
        cwmp_provider *provider;
        enum tr143_direction direction;
        const struct names *n;
        tr143_diag_done_fn done;
        void *userdata;
        char *tables_file;
        struct kvmap *tables;  /* PerConnectionResult / IncrementalResult rows, and counts */
        interface_ref *lookup; /* Interface to a device name, asked of dmd */
        tr143 *test;
};

static const char *setting(struct tr143_diag *d, const char *field)
{
        char name[128];
        const char *v;

        snprintf(name, sizeof(name), "%s%s", d->n->prefix, field);
        v = cwmp_provider_get_stored(d->provider, name);
        return v ? v : "";
}

static uint64_t setting_uint(struct tr143_diag *d, const char *field, uint64_t fallback)
{
        uint64_t v;
        return cw_parse_uint64(setting(d, field), &v) >= 0 ? v : fallback;
}

/* ---- results ---- */

enum {
        R_ADDRESS,
        R_ROM,
        R_BOM,
        R_EOM,
        R_TCP_REQUEST,
        R_TCP_RESPONSE,
        R_TEST_BYTES,
        R_TOTAL_RX,
        R_TOTAL_TX,
        R_FULL_TEST_BYTES,
        R_FULL_RX,
        R_FULL_TX,
        R_FULL_PERIOD,
        R_STATE,
        N_RESULTS,
};

static int set_row(struct kvmap *m, const char *prefix, const char *table, uint32_t i,
                   const char *field, const char *value)
{
        char name[160];
        snprintf(name, sizeof(name), "%s%s.%" PRIu32 ".%s", prefix, table, i, field);
        return kvmap_set(m, name, value);
}

static int set_row_uint(struct kvmap *m, const char *prefix, const char *table, uint32_t i,
                        const char *field, uint64_t value)
{
        char text[24];
        snprintf(text, sizeof(text), "%" PRIu64, value);
        return set_row(m, prefix, table, i, field, text);
}

static int set_row_time(struct kvmap *m, const char *prefix, const char *table, uint32_t i,
                        const char *field, uint64_t value)
{
        char text[40];
        tr143_format_time(value, text, sizeof(text));
        return set_row(m, prefix, table, i, field, text);
}

/* The tables of a finished test (res NULL: none), kept in a file of our own. */
static int save_tables(struct tr143_diag *d, const struct tr143_result *res, bool per_connection)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        const char *p = d->n->prefix, *pcr = "PerConnectionResult", *inc = "IncrementalResult";
        uint32_t n_pcr =
                res && per_connection && res->status == TR143_COMPLETE ? res->n_connections : 0;
        uint32_t n_inc = res && res->status == TR143_COMPLETE ? res->n_incremental : 0;
        char count[16];
        int r = 0;

        if (!m)
                return -ENOMEM;
        for (uint32_t i = 0; r >= 0 && i < n_pcr; i++) {
                const struct tr143_connection_result *c = &res->connection[i];
                r = set_row_time(m, p, pcr, i + 1, "ROMTime", c->t.rom);
                if (r >= 0)
                        r = set_row_time(m, p, pcr, i + 1, "BOMTime", c->t.bom);
                if (r >= 0)
                        r = set_row_time(m, p, pcr, i + 1, "EOMTime", c->t.eom);
                if (r >= 0)
                        r = set_row_time(m, p, pcr, i + 1, "TCPOpenRequestTime",
                                         c->t.tcp_open_request);
                if (r >= 0)
                        r = set_row_time(m, p, pcr, i + 1, "TCPOpenResponseTime",
                                         c->t.tcp_open_response);
                if (r >= 0)
                        r = set_row_uint(m, p, pcr, i + 1, d->n->test_bytes, c->test_bytes);
                if (r >= 0)
                        r = set_row_uint(m, p, pcr, i + 1, "TotalBytesReceived", c->total_rx);
                if (r >= 0)
                        r = set_row_uint(m, p, pcr, i + 1, "TotalBytesSent", c->total_tx);
        }
        for (uint32_t i = 0; r >= 0 && i < n_inc; i++) {
                const struct tr143_incremental_result *row = &res->incremental[i];
                r = set_row_time(m, p, inc, i + 1, "StartTime", row->start);
                if (r >= 0)
                        r = set_row_time(m, p, inc, i + 1, "EndTime", row->end);
                if (r >= 0)
                        r = set_row_uint(m, p, inc, i + 1, d->n->test_bytes, row->test_bytes);
                if (r >= 0)
                        r = set_row_uint(m, p, inc, i + 1, "TotalBytesReceived", row->total_rx);
                if (r >= 0)
                        r = set_row_uint(m, p, inc, i + 1, "TotalBytesSent", row->total_tx);
        }
        snprintf(count, sizeof(count), "%" PRIu32, n_pcr);
        if (r >= 0)
                r = kvmap_set(m, "pcr", count);
        snprintf(count, sizeof(count), "%" PRIu32, n_inc);
        if (r >= 0)
                r = kvmap_set(m, "inc", count);
        if (r < 0)
                return r;
        r = store_save(d->tables_file, m);
        if (r < 0)
                log_warning_errno(r, "Failed to save %s: %m", d->tables_file);
        kvmap_free(d->tables);
        d->tables = TAKE_PTR(m);
        return 0;
}

/* The scalar results and, unless state is NULL, DiagnosticsState with them: one store. */
static int publish(struct tr143_diag *d, const struct tr143_result *res, const char *state)
{
        static const char *const fields[N_RESULTS] = {
                [R_ADDRESS] = "IPAddressUsed",
                [R_ROM] = "ROMTime",
                [R_BOM] = "BOMTime",
                [R_EOM] = "EOMTime",
                [R_TCP_REQUEST] = "TCPOpenRequestTime",
                [R_TCP_RESPONSE] = "TCPOpenResponseTime",
                [R_TOTAL_RX] = "TotalBytesReceived",
                [R_TOTAL_TX] = "TotalBytesSent",
                [R_FULL_RX] = "TotalBytesReceivedUnderFullLoading",
                [R_FULL_TX] = "TotalBytesSentUnderFullLoading",
                [R_FULL_PERIOD] = "PeriodOfFullLoading",
                [R_STATE] = "DiagnosticsState",
        };
        char name[N_RESULTS][128], text[N_RESULTS][48];
        struct cwmp_value v[N_RESULTS];
        const uint64_t times[] = {res->t.rom, res->t.bom, res->t.eom, res->t.tcp_open_request,
                                  res->t.tcp_open_response};
        const uint64_t counts[] = {res->test_bytes,      res->total_rx,      res->total_tx,
                                   res->full_test_bytes, res->full_total_rx, res->full_total_tx};
        size_t k = 0;
        int r;

        for (size_t i = 0; i < N_RESULTS; i++) {
                const char *field = i == R_TEST_BYTES        ? d->n->test_bytes
                                    : i == R_FULL_TEST_BYTES ? d->n->test_bytes_full
                                                             : fields[i];
                if (i == R_STATE && !state)
                        continue;
                snprintf(name[i], sizeof(name[i]), "%s%s", d->n->prefix, field);
                if (i == R_ADDRESS)
                        snprintf(text[i], sizeof(text[i]), "%s", res->address_used);
                else if (i >= R_ROM && i <= R_TCP_RESPONSE)
                        tr143_format_time(times[i - R_ROM], text[i], sizeof(text[i]));
                else if (i >= R_TEST_BYTES && i <= R_FULL_TX)
                        snprintf(text[i], sizeof(text[i]), "%" PRIu64, counts[i - R_TEST_BYTES]);
                else if (i == R_FULL_PERIOD)
                        snprintf(text[i], sizeof(text[i]), "%" PRIu64,
                                 res->full_period_us > UINT32_MAX ? UINT32_MAX
                                                                  : res->full_period_us);
                else
                        snprintf(text[i], sizeof(text[i]), "%s", state);
                v[k++] = (struct cwmp_value){name[i], text[i]};
        }
        r = cwmp_provider_notify_changes(d->provider, v, k);
        if (r < 0)
                log_warning_errno(r, "Failed to store the %s results: %m", d->n->label);
        return r;
}

static void end_test(struct tr143_diag *d, const struct tr143_result *res)
{
        const char *state = tr143_status_name(d->direction, res->status);
        bool per_connection = streq(setting(d, "EnablePerConnectionResults"), "true") ||
                              streq(setting(d, "EnablePerConnectionResults"), "1");

        /* the event first, as the other tests do: both happen before the loop runs again */
        d->done(d->direction, d->userdata);
        if (save_tables(d, res, per_connection) < 0)
                state = "Error_Internal";
        (void)publish(d, res, state);
}

static void on_test_done(const struct tr143_result *res, void *userdata)
{
        struct tr143_diag *d = userdata;
        double seconds = res->t.eom > res->t.bom ? (double)(res->t.eom - res->t.bom) / 1e6 : 0;

        log_info("%s diagnostics of %s: %s, %" PRIu64 " bytes in %.6f s (%.1f Mbit/s), %" PRIu32
                 " connection(s) via %s",
                 d->n->label, setting(d, d->n->url), tr143_status_name(d->direction, res->status),
                 res->test_bytes, seconds, seconds > 0 ? res->test_bytes * 8 / seconds / 1e6 : 0,
                 res->n_connections, res->ifname[0] ? res->ifname : "?");
        end_test(d, res);
        tr143_free(TAKE_PTR(d->test)); /* res is its own */
}

/* Results of a test that could not run. */
static void fail_test(struct tr143_diag *d, enum tr143_status status)
{
        struct tr143_result *res = calloc(1, sizeof(*res));

        if (!res) {
                d->done(d->direction, d->userdata);
                (void)publish(d, &(struct tr143_result){}, "Error_Internal");
                return;
        }
        res->status = status;
        end_test(d, res);
        free(res);
}

static void run(struct tr143_diag *d, const char *ifname)
{
        const char *version = setting(d, "ProtocolVersion");
        struct tr143_params params = {
                .direction = d->direction,
                .url = setting(d, d->n->url),
                .ifname = ifname,
                .family = streq(version, "IPv4")   ? AF_INET
                          : streq(version, "IPv6") ? AF_INET6
                                                   : AF_UNSPEC,
                .dscp = (uint32_t)setting_uint(d, "DSCP", 0),
                .connections = (uint32_t)setting_uint(d, "NumberOfConnections", 1),
                .upload_length = setting_uint(d, "TestFileLength", 0),
                .duration_s = (uint32_t)setting_uint(d, "TimeBasedTestDuration", 0),
                .interval_s = (uint32_t)setting_uint(d, "TimeBasedTestMeasurementInterval", 0),
                .offset_s = (uint32_t)setting_uint(d, "TimeBasedTestMeasurementOffset", 0),
        };
        struct tr143_url url;
        int r;

        if (params.connections < 1 || params.connections > TR143_MAX_CONNECTIONS)
                params.connections = 1;
        r = tr143_parse_url(params.url, &url);
        if (r < 0) {
                /* an empty URL names no host; another scheme is not ours (validate refuses
                 * it, a stored one comes from an older version) */
                fail_test(d, r == -EPROTONOSUPPORT ? TR143_INIT_CONNECTION_FAILED
                                                   : TR143_CANNOT_RESOLVE);
                return;
        }
        r = tr143_start(d->event, &params, on_test_done, d, &d->test);
        if (r < 0) {
                log_warning_errno(r, "Cannot start the %s diagnostics: %m", d->n->label);
                fail_test(d, TR143_INTERNAL);
        }
}

/* ---- Interface ---- */

static void on_interface_name(int error, const char *ifname, void *userdata)
{
        struct tr143_diag *d = userdata;

        interface_ref_free(TAKE_PTR(d->lookup));
        if (error < 0) {
                /* as the other diagnostics of diagd do */
                log_warning_errno(error, "The %s diagnostics' Interface %s names no device: %m",
                                  d->n->label, setting(d, "Interface"));
                fail_test(d, TR143_INTERNAL);
                return;
        }
        log_info("%s diagnostics over %s (%s)", d->n->label, ifname, setting(d, "Interface"));
        run(d, ifname);
}

/* ---- the test's life ---- */

void tr143_diag_cancel(struct tr143_diag *d)
{
        interface_ref_free(TAKE_PTR(d->lookup)); /* its answer is dropped */
        tr143_free(TAKE_PTR(d->test));
}

int tr143_diag_start(struct tr143_diag *d)
{
        const char *ref;
        int r;

        tr143_diag_cancel(d);
        /* the old results go first: storing values invalidates what setting() returned */
        r = save_tables(d, NULL, false);
        if (r >= 0)
                r = publish(d, &(struct tr143_result){}, NULL);
        if (r < 0)
                return r;
        ref = setting(d, "Interface");
        if (!ref[0]) {
                run(d, NULL);
                return 0;
        }
        return interface_ref_lookup(d->bus, ref, on_interface_name, d, &d->lookup);
}

/* ---- provider callbacks ---- */

int tr143_diag_validate(const char *name, const char *value)
{
        for (int i = 0; i < 2; i++) {
                const struct names *n = &names_of[i];
                const char *field;
                struct tr143_url url;

                if (!startswith(name, n->prefix))
                        continue;
                field = name + strlen(n->prefix);
                if (streq(field, "DiagnosticsState"))
                        return streq(value, "Requested") || streq(value, "Canceled") ? 0 : -EINVAL;
                if (streq(field, n->url))
                        /* DownloadTransports / UploadTransports: HTTP only */
                        return !value[0] || tr143_parse_url(value, &url) >= 0 ? 0 : -EINVAL;
                if (streq(field, "Interface"))
                        return interface_ref_valid(value) ? 0 : -EINVAL;
                return 0;
        }
        return -ENOENT;
}

int tr143_diag_get(struct tr143_diag *d, const char *name, char **value)
{
        const char *p = d->n->prefix, *field, *v = NULL;
        char text[16];

        if (streq(name, d->direction == TR143_DOWNLOAD
                                ? "Device.IP.Diagnostics.IPv4DownloadDiagnosticsSupported"
                                : "Device.IP.Diagnostics.IPv4UploadDiagnosticsSupported") ||
            streq(name, d->direction == TR143_DOWNLOAD
                                ? "Device.IP.Diagnostics.IPv6DownloadDiagnosticsSupported"
                                : "Device.IP.Diagnostics.IPv6UploadDiagnosticsSupported"))
                v = "true";
        else if (!startswith(name, p))
                return -ENOENT;
        else if (streq((field = name + strlen(p)), d->n->transports))
                v = "HTTP";
        else if (streq(field, d->n->max_connections)) {
                snprintf(text, sizeof(text), "%d", TR143_MAX_CONNECTIONS);
                v = text;
        } else if (streq(field, d->n->max_incremental)) {
                snprintf(text, sizeof(text), "%d", TR143_MAX_INCREMENTAL);
                v = text;
        } else if (streq(field, "PerConnectionResultNumberOfEntries"))
                v = kvmap_get(d->tables, "pcr") ?: "0";
        else if (streq(field, "IncrementalResultNumberOfEntries"))
                v = kvmap_get(d->tables, "inc") ?: "0";
        else
                v = kvmap_get(d->tables, name);
        if (!v)
                return -ENOENT;
        *value = strdup(v);
        return *value ? 0 : -ENOMEM;
}

int tr143_diag_list_instances(struct tr143_diag *d, const char *table, uint32_t **instances,
                              size_t *n)
{
        const char *p = d->n->prefix;
        const char *key;
        uint32_t count = 0;

        if (!startswith(table, p))
                return -ENOENT;
        if (streq(table + strlen(p), "PerConnectionResult."))
                key = "pcr";
        else if (streq(table + strlen(p), "IncrementalResult."))
                key = "inc";
        else
                return -ENOENT;
        (void)cw_parse_uint32(kvmap_get(d->tables, key) ?: "0", &count);
        *instances = calloc(count ? count : 1, sizeof(uint32_t));
        if (!*instances)
                return -ENOMEM;
        for (uint32_t i = 0; i < count; i++)
                (*instances)[i] = i + 1;
        *n = count;
        return 0;
}

/* ---- setup ---- */

void tr143_diag_free(struct tr143_diag *d)
{
        if (!d)
                return;
        tr143_diag_cancel(d);
        sd_event_unref(d->event);
        kvmap_free(d->tables);
        free(d->tables_file);
        free(d);
}

int tr143_diag_new(sd_event *event, DBusConnection *bus, cwmp_provider *provider,
                   enum tr143_direction direction, const char *state_dir, tr143_diag_done_fn done,
                   void *userdata, struct tr143_diag **ret)
{
        struct tr143_diag *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        d->event = sd_event_ref(event);
        d->bus = bus;
        d->provider = provider;
        d->direction = direction;
        d->n = &names_of[direction];
        d->done = done;
        d->userdata = userdata;
        d->tables = kvmap_new();
        if (!d->tables ||
            asprintf(&d->tables_file, "%s/%s-results.state", state_dir, d->n->label) < 0) {
                d->tables_file = NULL;
                tr143_diag_free(d);
                return -ENOMEM;
        }
        r = store_load(d->tables_file, d->tables, NULL);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Ignoring %s: %m", d->tables_file);
        *ret = d;
        return 0;
}
