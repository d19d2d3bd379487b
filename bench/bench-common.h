/* SPDX-License-Identifier: MIT */
/* What the bench programs share: a monotonic clock in milliseconds, sorting timings, and a
 * private connection to the bus the data model daemon is on. */
#pragma once

#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int bench_compare_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* Sorts N timings in place, fastest first. */
static inline void bench_sort(double *v, size_t n)
{
        qsort(v, n, sizeof(*v), bench_compare_double);
}

/* A private connection to ADDRESS (NULL: the system bus), registered; NULL after saying why
 * on stderr, PROGRAM first. */
static inline DBusConnection *bench_connect_bus(const char *program, const char *address)
{
        DBusError error;
        DBusConnection *c;

        dbus_error_init(&error);
        if (address) {
                c = dbus_connection_open_private(address, &error);
                if (c && !dbus_bus_register(c, &error)) {
                        dbus_connection_close(c);
                        dbus_connection_unref(c);
                        c = NULL;
                }
        } else
                c = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error);
        if (!c) {
                fprintf(stderr, "%s: cannot connect to the bus: %s\n", program, error.message);
                dbus_error_free(&error);
                return NULL;
        }
        dbus_connection_set_exit_on_disconnect(c, FALSE);
        return c;
}
