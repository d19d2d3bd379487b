/* SPDX-License-Identifier: MIT */
/* Device.PeriodicStatistics.: statistics of an interval, Change samples, thresholds, the
 * sample lists and the grid of sample intervals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "periodic-stats-calc.h"

#define SEC 1000000ull

static void assert_result(struct ps_accum *a, enum ps_calc calc, const char *expected)
{
        char *s = NULL;
        assert_int_equal(ps_accum_result(a, calc, &s), 0);
        assert_string_equal(s, expected);
        free(s);
}

static void test_modes(void **state)
{
        struct ps_accum a = {};
        const int64_t in[] = {7, -3, 12, 4};

        for (size_t i = 0; i < 4; i++)
                ps_accum_add_number(&a, in[i]);
        assert_result(&a, PS_CALC_LATEST, "4");
        assert_result(&a, PS_CALC_MINIMUM, "-3");
        assert_result(&a, PS_CALC_MAXIMUM, "12");
        assert_result(&a, PS_CALC_AVERAGE, "5"); /* 20 / 4 */
        assert_int_equal(a.reads, 4);
        assert_int_equal(a.failed, 0);
        ps_accum_reset(&a);
        assert_result(&a, PS_CALC_LATEST, ""); /* nothing read: an empty item */
}

static void test_average_rounds_half_away_from_zero(void **state)
{
        struct ps_accum a = {};
        ps_accum_add_number(&a, 1);
        ps_accum_add_number(&a, 2);
        assert_result(&a, PS_CALC_AVERAGE, "2"); /* 1.5 */
        ps_accum_reset(&a);
        ps_accum_add_number(&a, -1);
        ps_accum_add_number(&a, -2);
        assert_result(&a, PS_CALC_AVERAGE, "-2"); /* -1.5 */
        ps_accum_reset(&a);
        ps_accum_add_number(&a, 1);
        ps_accum_add_number(&a, 1);
        ps_accum_add_number(&a, 2);
        assert_result(&a, PS_CALC_AVERAGE, "1"); /* 1.33 */
        ps_accum_reset(&a);
}

static void test_wide_numbers(void **state)
{
        struct ps_accum a = {};
        ps_number big, small;
        char buf[48];

        assert_int_equal(ps_parse_number("18446744073709551615", &big), 0);
        assert_int_equal(ps_parse_number("-9223372036854775808", &small), 0);
        ps_format_number(big, buf, sizeof(buf));
        assert_string_equal(buf, "18446744073709551615");
        ps_format_number(small, buf, sizeof(buf));
        assert_string_equal(buf, "-9223372036854775808");
        /* The sum of two maximal unsignedLong values does not overflow the average. */
        ps_accum_add_number(&a, big);
        ps_accum_add_number(&a, big);
        assert_result(&a, PS_CALC_AVERAGE, "18446744073709551615");
        ps_accum_reset(&a);
        assert_int_equal(ps_parse_number("12a", &big), -EINVAL);
        assert_int_equal(ps_parse_number("", &big), -EINVAL);
}

static void test_text_values_are_escaped(void **state)
{
        struct ps_accum a = {};
        assert_int_equal(ps_accum_add_text(&a, "first"), 0);
        assert_int_equal(ps_accum_add_text(&a, "Up, 100%"), 0);
        /* Whatever the calculation mode, a non-numeric value is the latest one. */
        assert_result(&a, PS_CALC_MAXIMUM, "Up%2C 100%25");
        ps_accum_reset(&a);
}

static void test_failed_reads_counted(void **state)
{
        struct ps_accum a = {};
        ps_accum_fail(&a);
        ps_accum_add_number(&a, 5);
        assert_int_equal(a.reads, 2);
        assert_int_equal(a.failed, 1);
        assert_result(&a, PS_CALC_LATEST, "5");
        ps_accum_reset(&a);
        ps_accum_fail(&a);
        assert_result(&a, PS_CALC_MINIMUM, "");
        ps_accum_reset(&a);
}

static void test_change(void **state)
{
        bool have = false, reset = false;
        ps_number ref = 0, out = 0;

        /* The first value only becomes the reference. */
        assert_int_equal(ps_sample_change(true, 100, &have, &ref, &out, &reset), 0);
        assert_true(have);
        assert_int_equal(ps_sample_change(true, 130, &have, &ref, &out, &reset), 1);
        assert_true(out == 30);
        assert_false(reset);
        /* An unsigned counter that went down was reset: the sample counts from zero. */
        assert_int_equal(ps_sample_change(true, 7, &have, &ref, &out, &reset), 1);
        assert_true(out == 7);
        assert_true(reset);
        /* A signed value may go down. */
        assert_int_equal(ps_sample_change(false, -5, &have, &ref, &out, &reset), 1);
        assert_true(out == -12);
        assert_false(reset);
}

static void test_thresholds(void **state)
{
        /* Low == high: no thresholds. */
        assert_int_equal(ps_range_of(-1000, 0, 0), PS_RANGE_IN);
        /* In range is strictly between; the thresholds themselves are out of range. */
        assert_int_equal(ps_range_of(10, 10, 20), PS_RANGE_LOW);
        assert_int_equal(ps_range_of(11, 10, 20), PS_RANGE_IN);
        assert_int_equal(ps_range_of(20, 10, 20), PS_RANGE_HIGH);

        assert_true(ps_range_is_failure(PS_RANGE_IN, PS_RANGE_HIGH));
        assert_true(ps_range_is_failure(PS_RANGE_IN, PS_RANGE_LOW));
        assert_true(ps_range_is_failure(PS_RANGE_LOW, PS_RANGE_HIGH));
        assert_true(ps_range_is_failure(PS_RANGE_HIGH, PS_RANGE_LOW));
        assert_false(ps_range_is_failure(PS_RANGE_HIGH, PS_RANGE_HIGH));
        assert_false(ps_range_is_failure(PS_RANGE_HIGH, PS_RANGE_IN));
        assert_false(ps_range_is_failure(PS_RANGE_IN, PS_RANGE_IN));

        /* A series: 15 (in), 25 (high: 1), 30 (high), 5 (low: 2), 15 (in), 0 (low: 3). */
        const int v[] = {15, 25, 30, 5, 15, 0};
        enum ps_range r = PS_RANGE_IN;
        unsigned failures = 0;
        for (size_t i = 0; i < 6; i++) {
                enum ps_range next = ps_range_of(v[i], 10, 20);
                failures += ps_range_is_failure(r, next);
                r = next;
        }
        assert_int_equal(failures, 3);
}

static void test_lists(void **state)
{
        struct strv l = {};
        char *s = NULL;

        assert_int_equal(ps_list_join(&l, &s), 0);
        assert_string_equal(s, "");
        free(s);
        for (int i = 1; i <= 5; i++) {
                char item[4] = {(char)('0' + i), 0};
                assert_int_equal(ps_list_push(&l, item, 3), 0);
        }
        assert_int_equal(ps_list_join(&l, &s), 0);
        assert_string_equal(s, "3,4,5"); /* the newest ReportSamples, oldest first */
        free(s);
        ps_list_drop_last(&l);
        assert_int_equal(ps_list_push(&l, "", 3), 0); /* a sample nobody could read */
        assert_int_equal(ps_list_join(&l, &s), 0);
        assert_string_equal(s, "3,4,");
        free(s);
        ps_list_truncate(&l, 1);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.v[0], "");
        strv_done(&l);

        assert_int_equal(ps_list_split("a,,b", &l), 0);
        assert_int_equal(l.n, 3);
        assert_string_equal(l.v[1], "");
        strv_done(&l);
        assert_int_equal(ps_list_split("", &l), 0);
        assert_int_equal(l.n, 0);
        assert_int_equal(ps_list_split("4,", &l), 0);
        assert_int_equal(l.n, 2);
        strv_done(&l);
}

static void test_grid(void **state)
{
        /* TimeReference at midnight, hourly: boundaries on the hour, also before it. */
        uint64_t midnight = 1700006400ull * SEC; /* 2023-11-15T00:00:00Z */
        assert_true(ps_next_boundary(midnight + 90 * 60 * SEC, midnight, 3600) ==
                    midnight + 2 * 3600 * SEC);
        assert_true(ps_next_boundary(midnight - 90 * 60 * SEC, midnight, 3600) ==
                    midnight - 3600 * SEC);
        /* On a boundary, the next one. */
        assert_true(ps_next_boundary(midnight, midnight, 3600) == midnight + 3600 * SEC);
        /* A reference far in the future sets the phase only. */
        uint64_t future = midnight + 1000 * 86400 * SEC + 17 * SEC;
        assert_true(ps_next_boundary(midnight, future, 60) == midnight + 17 * SEC);
        assert_true(ps_next_boundary(midnight + 17 * SEC, future, 60) == midnight + 77 * SEC);
}

static void test_names(void **state)
{
        assert_int_equal(ps_calc_from_string("Minimum"), PS_CALC_MINIMUM);
        assert_int_equal(ps_calc_from_string("Maximum"), PS_CALC_MAXIMUM);
        assert_int_equal(ps_calc_from_string("Average"), PS_CALC_AVERAGE);
        assert_int_equal(ps_calc_from_string("Latest"), PS_CALC_LATEST);
        assert_int_equal(ps_sample_mode_from_string("Change"), PS_SAMPLE_CHANGE);
        assert_int_equal(ps_sample_mode_from_string("Current"), PS_SAMPLE_CURRENT);
        assert_true(ps_type_is_numeric(CW_TYPE_UNSIGNED_LONG));
        assert_true(ps_type_is_numeric(CW_TYPE_INT));
        assert_false(ps_type_is_numeric(CW_TYPE_STRING));
        assert_false(ps_type_is_numeric(CW_TYPE_BOOLEAN));
        assert_false(ps_type_is_numeric(CW_TYPE_DATETIME));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_modes),
                cmocka_unit_test(test_average_rounds_half_away_from_zero),
                cmocka_unit_test(test_wide_numbers),
                cmocka_unit_test(test_text_values_are_escaped),
                cmocka_unit_test(test_failed_reads_counted),
                cmocka_unit_test(test_change),
                cmocka_unit_test(test_thresholds),
                cmocka_unit_test(test_lists),
                cmocka_unit_test(test_grid),
                cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
