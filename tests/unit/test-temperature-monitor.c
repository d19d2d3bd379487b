/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "fake-tree.h"
#include "deviceinfo.h"
#include "temperature-monitor.h"

#define SENSOR1 TEMPERATURE_SENSOR_TABLE "1."

static void test_min_max_and_alarms(void **state)
{
        struct temperature_track t;
        (void)state;

        temperature_track_reset(&t, 1000);
        assert_int_equal(t.min, TEMPERATURE_NONE);
        assert_int_equal(t.max, TEMPERATURE_NONE);
        assert_int_equal(t.reset_time, 1000);
        assert_int_equal(t.min_time, 0);

        /* The first reading is both the lowest and the highest. */
        assert_int_equal(temperature_track_update(&t, 40, TEMPERATURE_NONE, TEMPERATURE_NONE, 1001),
                         TEMPERATURE_TRACK_MIN | TEMPERATURE_TRACK_MAX);
        assert_int_equal(t.min, 40);
        assert_int_equal(t.max, 40);
        assert_int_equal(t.min_time, 1001);
        /* Equal readings change nothing; a new high moves only the maximum. */
        assert_int_equal(temperature_track_update(&t, 40, TEMPERATURE_NONE, TEMPERATURE_NONE, 1002),
                         0);
        assert_int_equal(temperature_track_update(&t, 55, TEMPERATURE_NONE, 60, 1003),
                         TEMPERATURE_TRACK_MAX);
        assert_int_equal(t.max_time, 1003);
        assert_int_equal(t.min_time, 1001);
        assert_int_equal(t.high_time, 0);
        /* At the high alarm value: the alarm time is set, once. */
        assert_int_equal(temperature_track_update(&t, 60, TEMPERATURE_NONE, 60, 1004),
                         TEMPERATURE_TRACK_MAX | TEMPERATURE_TRACK_HIGH);
        assert_int_equal(t.high_time, 1004);
        assert_int_equal(temperature_track_update(&t, 70, TEMPERATURE_NONE, 60, 1005),
                         TEMPERATURE_TRACK_MAX);
        assert_int_equal(t.high_time, 1004);
        /* Low alarm: at or below. */
        assert_int_equal(temperature_track_update(&t, 30, 29, 60, 1006), TEMPERATURE_TRACK_MIN);
        assert_int_equal(t.low_time, 0);
        assert_int_equal(temperature_track_update(&t, -5, 29, 60, 1007),
                         TEMPERATURE_TRACK_MIN | TEMPERATURE_TRACK_LOW);
        assert_int_equal(t.low_time, 1007);
        assert_int_equal(t.min, -5);

        /* A reset forgets all of it. */
        temperature_track_reset(&t, 2000);
        assert_int_equal(t.min, TEMPERATURE_NONE);
        assert_int_equal(t.max, TEMPERATURE_NONE);
        assert_int_equal(t.low_time, 0);
        assert_int_equal(t.high_time, 0);
        assert_int_equal(t.max_time, 0);
        assert_int_equal(t.reset_time, 2000);
}

static int value_of(struct deviceinfo *d, const char *name)
{
        char *v = NULL;
        assert_int_equal(deviceinfo_get(d, name, &v), 0);
        int n = atoi(v);
        free(v);
        return n;
}

static void sleep_past_snapshot(void)
{
        /* deviceinfo reads a sensor at most every DEVICEINFO_SNAPSHOT_USEC. */
        struct timespec ts = {.tv_nsec = (long)(DEVICEINFO_SNAPSHOT_USEC + 20000u) * 1000};
        nanosleep(&ts, NULL);
}

/* A fake thermal zone whose temp file changes between reads: the readings deviceinfo takes
 * drive the tracked values as dmd's polls do. */
static void test_fake_thermal_zone(void **state)
{
        const char *root = *state;
        char sys[128], st[128];
        struct deviceinfo *d = NULL;
        struct temperature_track t;

        snprintf(sys, sizeof(sys), "%s/sys", root);
        snprintf(st, sizeof(st), "%s/state", root);
        assert_int_equal(store_mkdir_p(st), 0);
        fake_tree_write_text(sys, "class/thermal/thermal_zone0/type", "acpitz\n");
        fake_tree_write_text(sys, "class/thermal/thermal_zone0/temp", "41600\n");
        struct deviceinfo_paths paths = {
                .proc = root, .sys = sys, .etc = root, .persistent_dir = st};
        assert_int_equal(deviceinfo_new(NULL, &paths, &d), 0);

        temperature_track_reset(&t, 1);
        int v = value_of(d, SENSOR1 "Value");
        assert_int_equal(v, 42);
        temperature_track_update(&t, v, 30, 50, 10);

        sleep_past_snapshot();
        fake_tree_write_text(sys, "class/thermal/thermal_zone0/temp", "52400\n");
        v = value_of(d, SENSOR1 "Value");
        assert_int_equal(v, 52);
        assert_int_equal(temperature_track_update(&t, v, 30, 50, 20),
                         TEMPERATURE_TRACK_MAX | TEMPERATURE_TRACK_HIGH);

        sleep_past_snapshot();
        fake_tree_write_text(sys, "class/thermal/thermal_zone0/temp", "29000\n");
        v = value_of(d, SENSOR1 "Value");
        assert_int_equal(temperature_track_update(&t, v, 30, 50, 30),
                         TEMPERATURE_TRACK_MIN | TEMPERATURE_TRACK_LOW);
        assert_int_equal(t.min, 29);
        assert_int_equal(t.max, 52);
        assert_int_equal(t.max_time, 20);
        assert_int_equal(t.high_time, 20);
        assert_int_equal(t.low_time, 30);
        deviceinfo_free(d);
}

static int setup(void **state)
{
        char *root = malloc(64);
        assert_non_null(root);
        fake_tree_make_root(root, 64, "tempmon");
        *state = root;
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_min_max_and_alarms),
                cmocka_unit_test_setup_teardown(test_fake_thermal_zone, setup, fake_tree_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
