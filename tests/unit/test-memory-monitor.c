/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake-tree.h"
#include "memory-monitor.h"

static int setup(void **state)
{
        char *root = malloc(64);
        assert_non_null(root);
        fake_tree_make_root(root, 64, "memmon");
        *state = root;
        return 0;
}

static void test_utilization_from_meminfo(void **state)
{
        const char *proc = *state;
        unsigned percent = 999;

        /* 1000 kB of which 254 available: 74.6 % used, rounded to 75. */
        fake_tree_write_text(proc, "meminfo",
                             "MemTotal:  1000 kB\nMemFree:  100 kB\nMemAvailable:  254 kB\n");
        assert_int_equal(memory_monitor_read_utilization(proc, &percent), 0);
        assert_int_equal(percent, 75);
        /* The file changes between polls: each read sees the new figures. */
        fake_tree_write_text(proc, "meminfo", "MemTotal:  1000 kB\nMemAvailable:  1000 kB\n");
        assert_int_equal(memory_monitor_read_utilization(proc, &percent), 0);
        assert_int_equal(percent, 0);
        fake_tree_write_text(proc, "meminfo", "MemTotal:  0 kB\nMemAvailable:  0 kB\n");
        assert_int_equal(memory_monitor_read_utilization(proc, &percent), -EBADMSG);
        fake_tree_write_text(proc, "meminfo", "Nothing: 1 kB\n");
        assert_true(memory_monitor_read_utilization(proc, &percent) < 0);
}

static void test_missing_meminfo(void **state)
{
        char proc[128];
        unsigned percent;
        snprintf(proc, sizeof(proc), "%s/none", (const char *)*state);
        assert_int_equal(memory_monitor_read_utilization(proc, &percent), -ENOENT);
}

static void test_rise_and_fall_with_hysteresis(void **state)
{
        struct memory_critical c = {};
        (void)state;

        /* At the threshold is not above it. */
        assert_int_equal(memory_critical_update(&c, 80, 80, 60, 100), MEMORY_NO_CROSSING);
        assert_int_equal(memory_critical_update(&c, 81, 80, 60, 101), MEMORY_ROSE);
        assert_true(c.critical);
        assert_int_equal(c.rise, 101);
        assert_int_equal(c.fall, 0);
        /* Still above, or between the thresholds: no new rise, no fall. */
        assert_int_equal(memory_critical_update(&c, 95, 80, 60, 102), MEMORY_NO_CROSSING);
        assert_int_equal(memory_critical_update(&c, 60, 80, 60, 103), MEMORY_NO_CROSSING);
        assert_int_equal(c.rise, 101);
        assert_int_equal(memory_critical_update(&c, 59, 80, 60, 104), MEMORY_FELL);
        assert_false(c.critical);
        assert_int_equal(c.fall, 104);
        /* Between the thresholds after the fall: no rise until above 80 again. */
        assert_int_equal(memory_critical_update(&c, 70, 80, 60, 105), MEMORY_NO_CROSSING);
        assert_int_equal(memory_critical_update(&c, 10, 80, 60, 106), MEMORY_NO_CROSSING);
        assert_int_equal(c.fall, 104);
        /* Rise and fall within one second still alternate. */
        assert_int_equal(memory_critical_update(&c, 90, 80, 60, 107), MEMORY_ROSE);
        assert_int_equal(memory_critical_update(&c, 5, 80, 60, 107), MEMORY_FELL);
        assert_int_equal(memory_critical_update(&c, 90, 80, 60, 107), MEMORY_ROSE);
        assert_int_equal(c.rise, 107);
        assert_int_equal(c.fall, 107);
}

static void test_thresholds_at_the_ends(void **state)
{
        struct memory_critical c = {};
        (void)state;

        /* Rise threshold 100: never above. Fall threshold 0: never below. */
        assert_int_equal(memory_critical_update(&c, 100, 100, 0, 1), MEMORY_NO_CROSSING);
        assert_int_equal(memory_critical_update(&c, 1, 0, 0, 2), MEMORY_ROSE);
        assert_int_equal(memory_critical_update(&c, 0, 0, 0, 3), MEMORY_NO_CROSSING);
        assert_true(c.critical);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_utilization_from_meminfo, setup,
                                                fake_tree_teardown),
                cmocka_unit_test_setup_teardown(test_missing_meminfo, setup, fake_tree_teardown),
                cmocka_unit_test(test_rise_and_fall_with_hysteresis),
                cmocka_unit_test(test_thresholds_at_the_ends),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
