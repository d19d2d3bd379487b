/* SPDX-License-Identifier: MIT */
/*
 * bench-gpv: times io.cwmp.DataModel1.GetParameterValues of one path with blocking libdbus
 * calls and prints how many values came back and the min / median / max round trip.
 *
 *   bench-gpv [--address ADDR] [--iterations N] [--warmup N] [--path PATH]
 *
 * Output, one line that scripts split on spaces:
 *   count=N iterations=N min_ms=X median_ms=X max_ms=X
 */
#include <dbus/dbus.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-common.h"
#include "util.h"

#define BENCH_CALL_TIMEOUT_MS (10 * 60 * 1000)

struct options {
        const char *address; /* NULL: DBUS_SYSTEM_BUS_ADDRESS or the system bus */
        unsigned iterations;
        unsigned warmup;
        const char *path;
};

static void message_unrefp(DBusMessage **m)
{
        if (*m)
                dbus_message_unref(*m);
}

static void connection_closep(DBusConnection **c)
{
        if (*c) {
                dbus_connection_close(*c);
                dbus_connection_unref(*c);
        }
}

/* One call; *ret_count is the number of values in the answer. */
static int call_once(DBusConnection *c, const char *path, double *ret_ms, size_t *ret_count)
{
        _cleanup_(message_unrefp) DBusMessage *call = NULL, *reply = NULL;
        DBusMessageIter iter, array;
        DBusError error;
        size_t count = 0;
        double start;

        call = dbus_message_new_method_call("io.cwmp.DataModel", "/io/cwmp/DataModel",
                                            "io.cwmp.DataModel1", "GetParameterValues");
        if (!call)
                return -ENOMEM;
        dbus_message_iter_init_append(call, &iter);
        if (!dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &array) ||
            !dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &path) ||
            !dbus_message_iter_close_container(&iter, &array))
                return -ENOMEM;

        dbus_error_init(&error);
        start = bench_now_ms();
        reply = dbus_connection_send_with_reply_and_block(c, call, BENCH_CALL_TIMEOUT_MS, &error);
        *ret_ms = bench_now_ms() - start;
        if (!reply) {
                fprintf(stderr, "bench-gpv: GetParameterValues failed: %s: %s\n", error.name,
                        error.message);
                dbus_error_free(&error);
                return -EIO;
        }
        if (!streq(dbus_message_get_signature(reply), "a(sss)")) {
                fprintf(stderr, "bench-gpv: unexpected reply signature '%s'\n",
                        dbus_message_get_signature(reply));
                return -EBADMSG;
        }
        dbus_message_iter_init(reply, &iter);
        dbus_message_iter_recurse(&iter, &array);
        for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&array))
                count++;
        *ret_count = count;
        return 0;
}

static int parse_unsigned(const char *s, unsigned *ret)
{
        char *end = NULL;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v > 1000000)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"address", required_argument, NULL, 'a'},
                {"iterations", required_argument, NULL, 'n'},
                {"warmup", required_argument, NULL, 'w'},
                {"path", required_argument, NULL, 'p'},
                {},
        };
        int opt;

        while ((opt = getopt_long(argc, argv, "ha:n:w:p:", options, NULL)) >= 0) {
                switch (opt) {
                case 'h':
                        printf("Usage: bench-gpv [--address ADDR] [--iterations N] [--warmup N] "
                               "[--path PATH]\n");
                        return 1;
                case 'a':
                        o->address = optarg;
                        break;
                case 'n':
                        if (parse_unsigned(optarg, &o->iterations) < 0 || o->iterations == 0) {
                                fprintf(stderr, "bench-gpv: bad --iterations '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'w':
                        if (parse_unsigned(optarg, &o->warmup) < 0) {
                                fprintf(stderr, "bench-gpv: bad --warmup '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'p':
                        o->path = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "bench-gpv: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct options o = {
                .iterations = 20,
                .warmup = 1,
                .path = "Device.",
        };
        _cleanup_(connection_closep) DBusConnection *c = NULL;
        _cleanup_free_ double *ms = NULL;
        size_t count = 0, first_count = 0;
        int r;

        r = parse_options(argc, argv, &o);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : 2;
        c = bench_connect_bus("bench-gpv", o.address);
        if (!c)
                return EXIT_FAILURE;
        ms = calloc(o.iterations, sizeof(*ms));
        if (!ms)
                return EXIT_FAILURE;

        for (unsigned i = 0; i < o.warmup; i++) {
                double t;
                if (call_once(c, o.path, &t, &count) < 0)
                        return EXIT_FAILURE;
        }
        for (unsigned i = 0; i < o.iterations; i++) {
                if (call_once(c, o.path, &ms[i], &count) < 0)
                        return EXIT_FAILURE;
                if (i == 0)
                        first_count = count;
        }

        bench_sort(ms, o.iterations);
        double median = o.iterations % 2 ? ms[o.iterations / 2]
                                         : (ms[o.iterations / 2 - 1] + ms[o.iterations / 2]) / 2;
        /* The count may drift by a few when processes come and go: report the first one. */
        printf("count=%zu iterations=%u min_ms=%.3f median_ms=%.3f max_ms=%.3f\n", first_count,
               o.iterations, ms[0], median, ms[o.iterations - 1]);
        return EXIT_SUCCESS;
}
