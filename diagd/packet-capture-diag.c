/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http-client.h"
#include "kvmap.h"
#include "log.h"
#include "packet-capture-diag.h"
#include "packet-capture.h"
#include "store.h"
#include "types.h"
#include "util.h"

#define PC                PCAP_DIAG_PREFIX
#define PC_RESULT         PC "PacketCaptureResult."
#define ROW               PC_RESULT "1."
#define UPLOAD_TIMEOUT_MS 120000

struct pcap_diag {
        sd_event *event;
        cwmp_provider *provider;
        char *capture_file; /* the capture, in the state directory */
        char *results_file;
        struct kvmap *results; /* PacketCaptureResult.1. by full name, and "count" */
        packet_capture *capture;
        struct packet_capture_result last;
        struct http_client *http;
        struct http_conn *conn;
        char *body; /* the file, while it is uploaded */
        pcap_diag_done_fn done;
        void *userdata;
};

static const char *stored(struct pcap_diag *d, const char *name)
{
        const char *v = cwmp_provider_get_stored(d->provider, name);
        return v ? v : "";
}

static uint32_t stored_uint(struct pcap_diag *d, const char *name, uint32_t fallback)
{
        uint32_t v;
        return cw_parse_uint32(stored(d, name), &v) >= 0 ? v : fallback;
}

static void format_time(uint64_t us, char *buf, size_t size)
{
        if (cw_format_datetime((int64_t)(us / 1000000), (uint32_t)(us % 1000000), buf, size) < 0)
                snprintf(buf, size, "0001-01-01T00:00:00Z");
}

/* The result row (none when location is NULL), stored in our file before anything else. */
static int save_results(struct pcap_diag *d, const char *location)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        char start[40], end[40], count[16];
        int r;

        if (!m)
                return -ENOMEM;
        r = kvmap_set(m, "count", location ? "1" : "0");
        if (r >= 0 && location) {
                format_time(d->last.start_us, start, sizeof(start));
                format_time(d->last.end_us, end, sizeof(end));
                snprintf(count, sizeof(count), "%" PRIu32, d->last.count);
                r = kvmap_set(m, ROW "FileLocation", location);
                if (r >= 0)
                        r = kvmap_set(m, ROW "StartTime", start);
                if (r >= 0)
                        r = kvmap_set(m, ROW "EndTime", end);
                if (r >= 0)
                        r = kvmap_set(m, ROW "Count", count);
        }
        if (r < 0)
                return r;
        r = store_save(d->results_file, m);
        if (r < 0)
                log_warning_errno(r, "Failed to save %s: %m", d->results_file);
        kvmap_free(d->results);
        d->results = TAKE_PTR(m);
        return 0;
}

/* Results first, then DiagnosticsState, then the caller's callback (the event). */
static void finish(struct pcap_diag *d, const char *location, const char *state)
{
        if (save_results(d, location) < 0)
                state = "Error_Internal";
        log_info("PacketCapture: %s, %" PRIu32 " packets, %" PRIu64 " bytes", state, d->last.count,
                 d->last.bytes);
        if (cwmp_provider_notify_changes(d->provider,
                                         &(struct cwmp_value){PC "DiagnosticsState", state}, 1) < 0)
                log_warning("Failed to store PacketCaptureDiagnostics.DiagnosticsState");
        d->done(d->userdata);
}

static void drop_upload(struct pcap_diag *d)
{
        http_conn_free(TAKE_PTR(d->conn));
        http_client_free(TAKE_PTR(d->http));
        free(TAKE_PTR(d->body));
}

static void on_uploaded(struct http_conn *conn, const struct http_response *resp, void *userdata)
{
        struct pcap_diag *d = userdata;
        _cleanup_free_ char *target = strdup(stored(d, PC "FileTarget"));
        bool ok = resp->error == 0 && resp->status >= 200 && resp->status < 300;

        if (!ok)
                log_warning("PacketCapture: upload to %s failed: %s (HTTP %ld)", target ?: "",
                            resp->error ? resp->error_message ?: "error" : "status", resp->status);
        drop_upload(d); /* resp is the connection's: not used past here */
        if (ok)
                (void)unlink(d->capture_file);
        if (!target)
                finish(d, NULL, "Error_Internal");
        else
                finish(d, ok ? target : NULL, ok ? "Complete" : "Error_Other");
}

static int upload(struct pcap_diag *d, const char *target)
{
        const char *user = stored(d, PC "Username"), *password = stored(d, PC "Password");
        size_t len;
        int r;

        r = store_read_file(d->capture_file, PACKET_CAPTURE_MAX_BYTES, &d->body, &len);
        if (r >= 0)
                r = http_client_new(d->event, &d->http);
        if (r >= 0)
                r = http_conn_new(d->http,
                                  &(struct http_conn_options){
                                          .url = target,
                                          .username = user[0] ? user : NULL,
                                          .password = user[0] ? password : NULL,
                                          .timeout_ms = UPLOAD_TIMEOUT_MS,
                                  },
                                  &d->conn);
        if (r >= 0)
                r = http_conn_put(
                        d->conn, d->body, len,
                        (const char *const[]){"Content-Type: application/vnd.tcpdump.pcap", NULL},
                        on_uploaded, d);
        if (r < 0)
                drop_upload(d);
        return r;
}

static void on_captured(const struct packet_capture_result *res, void *userdata)
{
        struct pcap_diag *d = userdata;
        const char *target = stored(d, PC "FileTarget");
        _cleanup_free_ char *location = NULL;
        int r;

        d->last = *res;
        packet_capture_free(TAKE_PTR(d->capture)); /* res is its own */
        if (d->last.status != PACKET_CAPTURE_COMPLETE) {
                finish(d, NULL, "Error_Internal");
                return;
        }
        if (target[0]) {
                r = upload(d, target);
                if (r < 0) {
                        log_warning_errno(r, "PacketCapture: cannot upload to %s: %m", target);
                        finish(d, NULL, "Error_Other");
                }
                return;
        }
        if (asprintf(&location, "file://%s", d->capture_file) < 0) {
                location = NULL;
                finish(d, NULL, "Error_Internal");
                return;
        }
        finish(d, location, "Complete");
}

int pcap_diag_start(struct pcap_diag *d, const char *ifname)
{
        pcap_diag_cancel(d);
        struct packet_capture_params params = {
                .interface = ifname,
                .path = d->capture_file,
                .duration_s = stored_uint(d, PC "Duration", 1),
                .packet_count = stored_uint(d, PC "PacketCount", 0),
                .byte_count = stored_uint(d, PC "ByteCount", 0),
        };
        log_info("PacketCapture on %s for %" PRIu32 " s", ifname && ifname[0] ? ifname : "all",
                 params.duration_s);
        return packet_capture_start(d->event, &params, on_captured, d, &d->capture);
}

void pcap_diag_cancel(struct pcap_diag *d)
{
        packet_capture_free(TAKE_PTR(d->capture));
        drop_upload(d);
        if (kvmap_get(d->results, "count") && !streq(kvmap_get(d->results, "count"), "0"))
                (void)save_results(d, NULL);
}

int pcap_diag_get(struct pcap_diag *d, const char *name, char **value)
{
        const char *v = NULL;

        if (!startswith(name, PC))
                return -ENOENT;
        if (streq(name, PC "Format"))
                v = "libpcap";
        else if (streq(name, PC "PacketCaptureResultNumberOfEntries"))
                v = kvmap_get(d->results, "count") ?: "0";
        else if (startswith(name, PC_RESULT))
                v = kvmap_get(d->results, name);
        if (!v)
                return -ENOENT;
        *value = strdup(v);
        return *value ? 0 : -ENOMEM;
}

int pcap_diag_list_instances(struct pcap_diag *d, const char *table, uint32_t **instances,
                             size_t *n)
{
        bool row = streq(kvmap_get(d->results, "count") ?: "0", "1");

        if (!streq(table, PC_RESULT))
                return -ENOENT;
        *instances = calloc(1, sizeof(uint32_t));
        if (!*instances)
                return -ENOMEM;
        (*instances)[0] = 1;
        *n = row ? 1 : 0;
        return 0;
}

int pcap_diag_validate(const char *name, const char *value)
{
        if (streq(name, PC "FilterExpression")) {
                /* a BPF expression needs a compiler (libpcap's) that diagd does not have */
                if (value[0]) {
                        log_warning("PacketCaptureDiagnostics.FilterExpression: filters are not "
                                    "supported, only the empty expression (every packet)");
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(name, PC "FileTarget"))
                return !value[0] || startswith(value, "http://") || startswith(value, "https://")
                               ? 0
                               : -EINVAL;
        return -ENOENT;
}

void pcap_diag_free(struct pcap_diag *d)
{
        if (!d)
                return;
        packet_capture_free(d->capture);
        drop_upload(d);
        kvmap_free(d->results);
        free(d->capture_file);
        free(d->results_file);
        sd_event_unref(d->event);
        free(d);
}

int pcap_diag_new(sd_event *event, cwmp_provider *provider, const char *state_dir,
                  pcap_diag_done_fn done, void *userdata, struct pcap_diag **ret)
{
        struct pcap_diag *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        d->event = sd_event_ref(event);
        d->provider = provider;
        d->done = done;
        d->userdata = userdata;
        d->results = kvmap_new();
        if (asprintf(&d->capture_file, "%s/packet-capture.pcap", state_dir) < 0)
                d->capture_file = NULL;
        if (asprintf(&d->results_file, "%s/packet-capture-results.state", state_dir) < 0)
                d->results_file = NULL;
        if (!d->results || !d->capture_file || !d->results_file) {
                pcap_diag_free(d);
                return -ENOMEM;
        }
        r = store_load(d->results_file, d->results, NULL);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Ignoring %s: %m", d->results_file);
        *ret = d;
        return 0;
}
