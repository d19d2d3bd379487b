/* SPDX-License-Identifier: MIT */
/* ProcessStatus.CPU.{i}.: per-CPU usage from a fake /proc/stat. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deviceinfo-internal.h"
#include "deviceinfo.h"
#include "fake-tree.h"
#include "util.h"

#define CPU_TABLE "Device.DeviceInfo.ProcessStatus.CPU."

struct fake {
        char root[64];
        char proc[128], state[128];
        struct deviceinfo *d;
};

static int setup(void **state)
{
        struct fake *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        fake_tree_make_root(f->root, sizeof(f->root), "test-deviceinfo-cpu");
        snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
        snprintf(f->state, sizeof(f->state), "%s/state", f->root);
        fake_tree_write_text(f->root, "state/.keep", "");
        /* cpu0: user 100 + nice 20, system 30 + irq 10 + softirq 10, idle 700 + iowait 100,
         * steal 30: of 1000 ticks, 12% user, 5% system, 80% idle, 20% busy. cpu2: all idle
         * (cpu1 is offline and has no line). */
        fake_tree_write_text(f->proc, "stat",
                             "cpu  100 20 30 1700 100 10 10 30 0 0\n"
                             "cpu0 100 20 30 700 100 10 10 30 0 0\n"
                             "cpu2 0 0 0 1000 0 0 0 0 0 0\n"
                             "intr 0\nctxt 0\nbtime 0\n");
        struct deviceinfo_paths paths = {
                .proc = f->proc, .sys = f->root, .etc = f->root, .persistent_dir = f->state};
        struct deviceinfo_settings settings = {.manufacturer_oui = (char *)"00D09E"};
        assert_int_equal(deviceinfo_new(&settings, &paths, &f->d), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fake *f = *state;
        deviceinfo_free(f->d);
        fake_tree_remove(f->root);
        free(f);
        return 0;
}

static void assert_value(struct deviceinfo *d, const char *name, const char *expected)
{
        _cleanup_free_ char *v = NULL;
        int r = deviceinfo_get(d, name, &v);
        if (r < 0)
                fail_msg("get %s: %s", name, strerror(-r));
        if (!streq(v, expected))
                fail_msg("%s = \"%s\", expected \"%s\"", name, v, expected);
}

static void assert_cpu(struct deviceinfo *d, unsigned instance, const char *user,
                       const char *system, const char *idle, const char *busy)
{
        static const char *const fields[] = {"UserModeUtilization", "SystemModeUtilization",
                                             "IdleModeUtilization", "CPUUtilization"};
        const char *expected[] = {user, system, idle, busy};
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                char name[128];
                snprintf(name, sizeof(name), CPU_TABLE "%u.%s", instance, fields[i]);
                assert_value(d, name, expected[i]);
        }
}

static void assert_missing(struct deviceinfo *d, const char *name)
{
        char *v = NULL;
        assert_int_equal(deviceinfo_get(d, name, &v), -ENOENT);
        assert_null(v);
}

static void test_rows(void **state)
{
        struct fake *f = *state;
        struct strv instances = {0};

        assert_int_equal(deviceinfo_get_instances(f->d, CPU_TABLE, &instances), 0);
        assert_int_equal(instances.n, 2);
        /* instance = kernel CPU number + 1: the offline cpu1 leaves a gap */
        assert_string_equal(instances.v[0], CPU_TABLE "1.");
        assert_string_equal(instances.v[1], CPU_TABLE "3.");
        strv_done(&instances);
        assert_int_equal(deviceinfo_get_instances(f->d, CPU_TABLE "3.", &instances), 0);
        assert_int_equal(instances.n, 1);
        strv_done(&instances);
        assert_int_equal(deviceinfo_get_instances(f->d, CPU_TABLE "2.", &instances), -ENOENT);
        assert_int_equal(deviceinfo_get_instances(f->d, CPU_TABLE "0.", &instances), -ENOENT);

        assert_value(f->d, "Device.DeviceInfo.ProcessStatus.CPUNumberOfEntries", "2");
        assert_value(f->d, CPU_TABLE "1.Name", "cpu0");
        assert_value(f->d, CPU_TABLE "3.Name", "cpu2");
        assert_missing(f->d, CPU_TABLE "2.Name");
        assert_missing(f->d, CPU_TABLE "1.UpTime");
        assert_missing(f->d, CPU_TABLE "1.Enable");
}

static void test_usage(void **state)
{
        struct fake *f = *state;

        /* First read: since boot. */
        assert_cpu(f->d, 1, "12", "5", "80", "20");
        assert_cpu(f->d, 3, "0", "0", "100", "0");
        /* The summary line is still ProcessStatus.CPUUsage: 200 busy of 2000. */
        assert_value(f->d, "Device.DeviceInfo.ProcessStatus.CPUUsage", "10");

        /* 200 more ticks on cpu0, 150 of them user, 50 system; cpu2 gets 50 ticks. */
        fake_tree_write_text(f->proc, "stat",
                             "cpu  250 20 80 1750 100 10 10 30 0 0\n"
                             "cpu0 250 20 80 700 100 10 10 30 0 0\n"
                             "cpu2 0 0 0 1050 0 0 0 0 0 0\n");
        assert_cpu(f->d, 1, "75", "25", "0", "100");
        /* 50 ticks of cpu2 are too short a window: the since-boot answer stays. */
        assert_cpu(f->d, 3, "0", "0", "100", "0");

        /* cpu2 reaches 100 ticks since its last sample: 60 idle, 40 system (irq). */
        fake_tree_write_text(f->proc, "stat",
                             "cpu  250 20 80 1810 100 50 10 30 0 0\n"
                             "cpu0 250 20 80 700 100 10 10 30 0 0\n"
                             "cpu2 0 0 0 1060 0 40 0 0 0 0\n");
        assert_cpu(f->d, 3, "0", "40", "60", "40");

        /* cpu0 goes offline, cpu1 comes online with counters since boot. */
        fake_tree_write_text(f->proc, "stat",
                             "cpu  250 20 80 1810 100 50 10 30 0 0\n"
                             "cpu1 10 0 10 180 0 0 0 0 0 0\n"
                             "cpu2 0 0 0 1060 0 40 0 0 0 0\n");
        assert_value(f->d, "Device.DeviceInfo.ProcessStatus.CPUNumberOfEntries", "2");
        assert_missing(f->d, CPU_TABLE "1.Name");
        assert_value(f->d, CPU_TABLE "2.Name", "cpu1");
        assert_cpu(f->d, 2, "5", "5", "90", "10");
        assert_cpu(f->d, 3, "0", "40", "60", "40");
}

static void test_bad_stat(void **state)
{
        struct fake *f = *state;
        fake_tree_write_text(f->proc, "stat", "cpu  1 2 3 4\ncpu0 x\n");
        char *v = NULL;
        assert_int_equal(deviceinfo_get(f->d, CPU_TABLE "1.Name", &v), -EBADMSG);
        assert_null(v);
        /* Lines that only look like CPUs are not rows. */
        fake_tree_write_text(f->proc, "stat", "cpu  1 2 3 4\ncpufreq 1 2 3 4\ncpu7x 1 2 3 4\n");
        assert_value(f->d, "Device.DeviceInfo.ProcessStatus.CPUNumberOfEntries", "0");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
                cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_stat, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
