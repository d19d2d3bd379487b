/* SPDX-License-Identifier: MIT */
/*
 * bench-bulkdata: times what cwmpd does to build one bulk data report: the one
 * io.cwmp.DataModel1.GetParameterValues of the profile's references (blocking libdbus here,
 * the same call and reply cwmpd makes), then each encoding of cwmpd/bulkdata-encode.c, and
 * gzip of the JSON body (cwmpd/bulkdata-http.c).
 *
 *   bench-bulkdata [--address ADDR] [--iterations N] [--path PATH]
 *
 * Output, one line per step that scripts split on spaces:
 *   step=NAME count=N bytes=N min_ms=X median_ms=X max_ms=X
 */
#include <dbus/dbus.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-common.h"
#include "bulkdata-encode.h"
#include "bulkdata-http.h"
#include "util.h"

#define CALL_TIMEOUT_MS 60000
#define MAX_ITERATIONS  10000

enum step {
        STEP_DMD_CALL,
        STEP_JSON_OBJECT_HIERARCHY,
        STEP_JSON_NAME_VALUE_PAIR,
        STEP_CSV_PER_ROW,
        STEP_CSV_PER_COLUMN,
        STEP_GZIP_JSON,
        STEP_REPORT_TOTAL, /* the call, ObjectHierarchy and gzip */
        N_STEPS,
};

static const char *const step_names[N_STEPS] = {
        "dmd-GetParameterValues", "json-ObjectHierarchy",   "json-NameValuePair",
        "csv-ParameterPerRow",    "csv-ParameterPerColumn", "gzip-of-json",
        "report-total",
};

/* The values of the reply, pointing into it. */
static int read_reply(DBusMessage *reply, struct bulkdata_value **ret, size_t *ret_n)
{
        DBusMessageIter it, array, entry;
        struct bulkdata_value *v = NULL;
        size_t n = 0, allocated = 0;

        if (!streq(dbus_message_get_signature(reply), "a(sss)"))
                return -EBADMSG;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &array);
        for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&array)) {
                if (n == allocated) {
                        size_t a = allocated ? allocated * 2 : 256;
                        struct bulkdata_value *bigger = realloc(v, a * sizeof(*v));
                        if (!bigger) {
                                free(v);
                                return -ENOMEM;
                        }
                        v = bigger;
                        allocated = a;
                }
                dbus_message_iter_recurse(&array, &entry);
                dbus_message_iter_get_basic(&entry, &v[n].name);
                dbus_message_iter_next(&entry);
                dbus_message_iter_get_basic(&entry, &v[n].type);
                dbus_message_iter_next(&entry);
                dbus_message_iter_get_basic(&entry, &v[n].value);
                n++;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static DBusMessage *get_values(DBusConnection *c, const char *path)
{
        DBusMessage *call =
                dbus_message_new_method_call("io.cwmp.DataModel", "/io/cwmp/DataModel",
                                             "io.cwmp.DataModel1", "GetParameterValues");
        const char **names = &path;
        DBusMessage *reply;
        DBusError error;

        if (!call || !dbus_message_append_args(call, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names, 1,
                                               DBUS_TYPE_INVALID)) {
                if (call)
                        dbus_message_unref(call);
                return NULL;
        }
        dbus_error_init(&error);
        reply = dbus_connection_send_with_reply_and_block(c, call, CALL_TIMEOUT_MS, &error);
        dbus_message_unref(call);
        if (!reply) {
                fprintf(stderr, "bench-bulkdata: GetParameterValues failed: %s: %s\n", error.name,
                        error.message);
                dbus_error_free(&error);
        }
        return reply;
}

/* One report: fills ms[step] and bytes[step]. */
static int iterate(DBusConnection *c, const char *path, double *ms, size_t *bytes, size_t *count)
{
        struct bulkdata_csv_options row = {.format = BULKDATA_CSV_PARAMETER_PER_ROW,
                                           .escape = "\""},
                                    column = {.format = BULKDATA_CSV_PARAMETER_PER_COLUMN,
                                              .escape = "\""};
        _cleanup_free_ struct bulkdata_value *values = NULL;
        _cleanup_free_ char *gz = NULL;
        struct buf b[5] = {};
        double t[8];
        int r;

        t[0] = bench_now_ms();
        DBusMessage *reply = get_values(c, path);
        if (!reply)
                return -EIO;
        r = read_reply(reply, &values, count);
        t[1] = bench_now_ms();
        struct bulkdata_report report = {
                .time_ms = (int64_t)time(NULL) * 1000, .values = values, .n_values = *count};
        if (r >= 0)
                r = bulkdata_encode_json(&report, 1, BULKDATA_JSON_OBJECT_HIERARCHY,
                                         BULKDATA_TIMESTAMP_UNIX_EPOCH, &b[0]);
        t[2] = bench_now_ms();
        if (r >= 0)
                r = bulkdata_encode_json(&report, 1, BULKDATA_JSON_NAME_VALUE_PAIR,
                                         BULKDATA_TIMESTAMP_UNIX_EPOCH, &b[1]);
        t[3] = bench_now_ms();
        if (r >= 0)
                r = bulkdata_encode_csv(&report, 1, &row, &b[2]);
        t[4] = bench_now_ms();
        if (r >= 0)
                r = bulkdata_encode_csv(&report, 1, &column, &b[3]);
        t[5] = bench_now_ms();
        size_t gz_len = 0;
        if (r >= 0)
                r = bulkdata_compress(BULKDATA_COMPRESSION_GZIP, b[0].data, b[0].len, &gz, &gz_len);
        t[6] = bench_now_ms();
        for (int s = 0; s < STEP_REPORT_TOTAL; s++) {
                ms[s] = t[s + 1] - t[s];
                bytes[s] = s == STEP_DMD_CALL ? 0 : s == STEP_GZIP_JSON ? gz_len : b[s - 1].len;
        }
        ms[STEP_REPORT_TOTAL] =
                ms[STEP_DMD_CALL] + ms[STEP_JSON_OBJECT_HIERARCHY] + ms[STEP_GZIP_JSON];
        bytes[STEP_REPORT_TOTAL] = gz_len;
        for (size_t i = 0; i < ELEMENTSOF(b); i++)
                buf_done(&b[i]);
        dbus_message_unref(reply);
        return r;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                {"address", required_argument, NULL, 'a'},
                {"iterations", required_argument, NULL, 'n'},
                {"path", required_argument, NULL, 'p'},
                {},
        };
        const char *address = NULL, *path = "Device.X_BENCH_Model.";
        unsigned iterations = 20;
        double *ms[N_STEPS] = {};
        size_t bytes[N_STEPS] = {}, count = 0;
        DBusConnection *c;
        int opt, r = 0;

        while ((opt = getopt_long(argc, argv, "a:n:p:", options, NULL)) >= 0) {
                switch (opt) {
                case 'a':
                        address = optarg;
                        break;
                case 'n':
                        iterations = (unsigned)strtoul(optarg, NULL, 10);
                        if (iterations == 0 || iterations > MAX_ITERATIONS) {
                                fprintf(stderr, "bench-bulkdata: bad --iterations '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case 'p':
                        path = optarg;
                        break;
                default:
                        fprintf(stderr, "Usage: bench-bulkdata [--address ADDR] "
                                        "[--iterations N] [--path PATH]\n");
                        return 2;
                }
        }
        c = bench_connect_bus("bench-bulkdata", address);
        if (!c)
                return 1;
        for (int s = 0; s < N_STEPS; s++) {
                ms[s] = calloc(iterations, sizeof(double));
                if (!ms[s])
                        r = -ENOMEM;
        }
        /* one warm-up report, not counted */
        double warm[N_STEPS];
        if (r >= 0)
                r = iterate(c, path, warm, bytes, &count);
        for (unsigned i = 0; r >= 0 && i < iterations; i++) {
                double one[N_STEPS];
                r = iterate(c, path, one, bytes, &count);
                for (int s = 0; s < N_STEPS; s++)
                        ms[s][i] = one[s];
        }
        for (int s = 0; r >= 0 && s < N_STEPS; s++) {
                bench_sort(ms[s], iterations);
                printf("step=%s count=%zu bytes=%zu min_ms=%.3f median_ms=%.3f max_ms=%.3f\n",
                       step_names[s], count, bytes[s], ms[s][0], ms[s][iterations / 2],
                       ms[s][iterations - 1]);
        }
        for (int s = 0; s < N_STEPS; s++)
                free(ms[s]);
        dbus_connection_close(c);
        dbus_connection_unref(c);
        if (r < 0) {
                fprintf(stderr, "bench-bulkdata: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
