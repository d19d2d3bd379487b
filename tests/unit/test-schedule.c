/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "schedule.h"
#include "util.h"

#define USEC      1000000ULL
#define ALL_ONES  UINT64_MAX
#define HALF_WAY  (1ULL << 63)
#define DEFAULT_M 5
#define DEFAULT_K 2000

/* A small deterministic generator for "the caller draws a random number". */
static uint64_t next_random(uint64_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

static void assert_near(uint64_t actual, uint64_t expected, uint64_t tolerance)
{
        uint64_t d = actual > expected ? actual - expected : expected - actual;
        if (d > tolerance)
                fail_msg("%llu is not within %llu of %llu", (unsigned long long)actual,
                         (unsigned long long)tolerance, (unsigned long long)expected);
}

/* ---- session retry (TR-069 3.2.1.1) ---- */

/* The table of TR-069 3.2.1.1 for the default m = 5 s, k = 2000. */
static const struct {
        uint32_t n;
        uint64_t lo_s, hi_s;
} retry_table[] = {
        {1, 5, 10},        {2, 10, 20},
        {3, 20, 40},       {4, 40, 80},
        {5, 80, 160},      {6, 160, 320},
        {7, 320, 640},     {8, 640, 1280},
        {9, 1280, 2560},   {10, 2560, 5120},
        {11, 2560, 5120},  {12, 2560, 5120},
        {100, 2560, 5120}, {UINT32_MAX, 2560, 5120},
};

static void test_retry_table_bounds(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(retry_table); i++) {
                uint32_t n = retry_table[i].n;
                uint64_t lo = retry_table[i].lo_s * USEC, hi = retry_table[i].hi_s * USEC;

                /* random 0 is the lower bound, all ones the upper one, exactly */
                assert_int_equal(schedule_retry_wait_usec(DEFAULT_M, DEFAULT_K, n, 0), lo);
                assert_int_equal(schedule_retry_wait_usec(DEFAULT_M, DEFAULT_K, n, ALL_ONES), hi);
                /* half way is the middle */
                assert_near(schedule_retry_wait_usec(DEFAULT_M, DEFAULT_K, n, HALF_WAY),
                            (lo + hi) / 2, 1);
        }
}

static void test_retry_uniform(void **state)
{
        uint64_t seed = 0x9e3779b97f4a7c15ULL;

        for (size_t i = 0; i < ELEMENTSOF(retry_table); i++) {
                uint64_t lo = retry_table[i].lo_s * USEC, hi = retry_table[i].hi_s * USEC;
                uint64_t below_middle = 0, sum_offset = 0;
                const uint64_t samples = 4000;

                for (uint64_t s = 0; s < samples; s++) {
                        uint64_t w = schedule_retry_wait_usec(DEFAULT_M, DEFAULT_K,
                                                              retry_table[i].n, next_random(&seed));
                        assert_true(w >= lo);
                        assert_true(w <= hi);
                        below_middle += w < (lo + hi) / 2;
                        sum_offset += (w - lo) / 1000;
                }
                /* spread over the whole interval, not bunched at one end */
                assert_true(below_middle > samples * 45 / 100 && below_middle < samples * 55 / 100);
                uint64_t mean_offset_ms = sum_offset / samples, width_ms = (hi - lo) / 1000;
                assert_true(mean_offset_ms > width_ms * 45 / 100);
                assert_true(mean_offset_ms < width_ms * 55 / 100);
        }
}

static void test_retry_other_parameters(void **state)
{
        /* k = 1000: no growth, m seconds every time */
        for (uint32_t n = 1; n <= 12; n++) {
                assert_int_equal(schedule_retry_wait_usec(1, 1000, n, 0), 1 * USEC);
                assert_int_equal(schedule_retry_wait_usec(1, 1000, n, ALL_ONES), 1 * USEC);
                assert_int_equal(schedule_retry_wait_usec(30, 1000, n, HALF_WAY), 30 * USEC);
        }

        /* m = 10, k = 3000: [10*3^(n-1), 10*3^n] */
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 1, 0), 10 * USEC);
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 1, ALL_ONES), 30 * USEC);
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 2, 0), 30 * USEC);
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 2, ALL_ONES), 90 * USEC);
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 4, 0), 270 * USEC);
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 4, ALL_ONES), 810 * USEC);
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 10, 0), 196830 * USEC);
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 10, ALL_ONES), 590490 * USEC);
        assert_int_equal(schedule_retry_wait_usec(10, 3000, 11, ALL_ONES), 590490 * USEC);

        /* fractional factors: m = 7, k = 1500 gives [10.5, 15.75] s for the second retry */
        assert_near(schedule_retry_wait_usec(7, 1500, 2, 0), 10500000, 1);
        assert_near(schedule_retry_wait_usec(7, 1500, 2, ALL_ONES), 15750000, 1);
        /* m = 3, k = 1100, third retry: [3.63, 3.993] s */
        assert_near(schedule_retry_wait_usec(3, 1100, 3, 0), 3630000, 1);
        assert_near(schedule_retry_wait_usec(3, 1100, 3, ALL_ONES), 3993000, 1);

        /* the largest values TR-181 allows: m = 65535 s, k = 65535 */
        assert_int_equal(schedule_retry_wait_usec(65535, 65535, 1, 0), 65535 * USEC);
        assert_near(schedule_retry_wait_usec(65535, 65535, 1, ALL_ONES), 4294836225000ULL, 1);
}

static void test_retry_never_wraps(void **state)
{
        uint64_t previous = 0;

        /* with the largest m and k the later waits exceed 64 bits of microseconds: they must
         * saturate, never wrap to something short */
        for (uint32_t n = 1; n <= 12; n++) {
                uint64_t lo = schedule_retry_wait_usec(65535, 65535, n, 0);
                uint64_t hi = schedule_retry_wait_usec(65535, 65535, n, ALL_ONES);
                assert_true(lo >= previous);
                assert_true(hi >= lo);
                previous = lo;
        }
        assert_int_equal(schedule_retry_wait_usec(65535, 65535, 10, 0), UINT64_MAX);
        assert_int_equal(schedule_retry_wait_usec(65535, 65535, 10, ALL_ONES), UINT64_MAX);
        /* at the edge: m = 65535, k = 2000, retry 10 is [33553920, 67107840] s, which fits */
        assert_int_equal(schedule_retry_wait_usec(65535, 2000, 10, 0), 33553920 * USEC);
        assert_int_equal(schedule_retry_wait_usec(65535, 2000, 10, ALL_ONES), 67107840 * USEC);
}

/* ---- periodic Inform (TR-069 3.2.1, TR-181 PeriodicInformTime) ---- */

#define T_2024_05_01_10_00 1714557600LL /* 2024-05-01T10:00:00Z */
#define T_2024_05_02_00_00 1714608000LL /* 2024-05-02T00:00:00Z */
#define T_2100_01_01_00_00 4102444800LL /* 2100-01-01T00:00:00Z */
#define T_0001_01_01_00_00 (-62135596800LL)

static void test_periodic_reference_in_the_past(void **state)
{
        assert_int_equal(schedule_next_periodic(2000, 300, false, 1000, 0), 2200);
        assert_int_equal(schedule_next_periodic(2199, 300, false, 1000, 0), 2200);
        /* on the phase: the next one, never now */
        assert_int_equal(schedule_next_periodic(2200, 300, false, 1000, 0), 2500);
        assert_int_equal(schedule_next_periodic(1000, 300, false, 1000, 0), 1300);
        /* GenieACS's 1970 reference with a 300 s interval */
        assert_int_equal(schedule_next_periodic(T_2024_05_01_10_00 + 1, 300, false, 0, 0),
                         T_2024_05_01_10_00 + 300);
        /* a day interval with a midnight in the past: the next midnight */
        assert_int_equal(schedule_next_periodic(T_2024_05_01_10_00, 86400, false, 0, 0),
                         T_2024_05_02_00_00);
}

static void test_periodic_reference_in_the_future(void **state)
{
        assert_int_equal(schedule_next_periodic(2000, 300, false, 10000, 0), 2200);
        assert_int_equal(schedule_next_periodic(2199, 300, false, 10000, 0), 2200);
        assert_int_equal(schedule_next_periodic(2200, 300, false, 10000, 0), 2500);
        /* just before the reference: the reference itself */
        assert_int_equal(schedule_next_periodic(9999, 300, false, 10000, 0), 10000);
        assert_int_equal(schedule_next_periodic(9701, 300, false, 10000, 0), 10000);
        assert_int_equal(schedule_next_periodic(9700, 300, false, 10000, 0), 10000);
        assert_int_equal(schedule_next_periodic(9699, 300, false, 10000, 0), 9700);
}

static void test_periodic_far_future_midnight(void **state)
{
        /* TR-181: a midnight far in the future with a day's interval means "from the very
         * next midnight on" */
        assert_int_equal(
                schedule_next_periodic(T_2024_05_01_10_00, 86400, false, T_2100_01_01_00_00, 0),
                T_2024_05_02_00_00);
        assert_int_equal(
                schedule_next_periodic(T_2024_05_02_00_00, 86400, false, T_2100_01_01_00_00, 0),
                T_2024_05_02_00_00 + 86400);
        assert_int_equal(
                schedule_next_periodic(T_2024_05_02_00_00 - 1, 86400, false, T_2100_01_01_00_00, 0),
                T_2024_05_02_00_00);
        /* a reference at 0001-01-01 that is not flagged unknown is just far in the past */
        assert_int_equal(
                schedule_next_periodic(T_2024_05_01_10_00, 86400, false, T_0001_01_01_00_00, 0),
                T_2024_05_02_00_00);
}

static void test_periodic_unknown_time(void **state)
{
        /* Unknown Time: the CPE picks the phase, here the fallback (the start time) */
        assert_int_equal(schedule_next_periodic(2000, 300, true, T_0001_01_01_00_00, 1000), 2200);
        assert_int_equal(schedule_next_periodic(2000, 300, true, 0, 1000), 2200);
        assert_int_equal(schedule_next_periodic(2000, 300, true, 1050, 1000), 2200);
        /* just started: one interval after the start */
        assert_int_equal(schedule_next_periodic(1000, 300, true, 0, 1000), 1300);
        assert_int_equal(
                schedule_next_periodic(T_2024_05_01_10_00, 86400, true, 0, T_2024_05_01_10_00 - 5),
                T_2024_05_01_10_00 - 5 + 86400);
        /* the reference is ignored whatever it says */
        assert_int_equal(schedule_next_periodic(5000, 1000, true, 4321, 0), 6000);
        assert_int_equal(schedule_next_periodic(5000, 1000, false, 4321, 0), 5321);
}

static void test_periodic_interval_one(void **state)
{
        for (int64_t now = -3; now < 3; now++)
                assert_int_equal(schedule_next_periodic(now, 1, false, 17, 0), now + 1);
}

static void test_periodic_properties(void **state)
{
        static const uint32_t intervals[] = {1, 2, 7, 60, 300, 3600, 86400, 604800, UINT32_MAX};
        static const int64_t references[] = {
                T_0001_01_01_00_00, -1, 0, 1, 999, T_2024_05_01_10_00, T_2100_01_01_00_00,
                253402300799LL, /* 9999-12-31T23:59:59Z */
        };
        uint64_t seed = 42;

        for (size_t i = 0; i < ELEMENTSOF(intervals); i++)
                for (size_t j = 0; j < ELEMENTSOF(references); j++)
                        for (int s = 0; s < 200; s++) {
                                int64_t now = T_2024_05_01_10_00 +
                                              (int64_t)(next_random(&seed) % 100000000) - 50000000;
                                int64_t ref = references[j], iv = intervals[i];
                                int64_t next =
                                        schedule_next_periodic(now, intervals[i], false, ref, 0);
                                /* strictly after now, at most one interval later, in phase */
                                assert_true(next > now);
                                assert_true(next - now <= iv);
                                assert_int_equal(((next - ref) % iv + iv) % iv, 0);
                        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_retry_table_bounds),
                cmocka_unit_test(test_retry_uniform),
                cmocka_unit_test(test_retry_other_parameters),
                cmocka_unit_test(test_retry_never_wraps),
                cmocka_unit_test(test_periodic_reference_in_the_past),
                cmocka_unit_test(test_periodic_reference_in_the_future),
                cmocka_unit_test(test_periodic_far_future_midnight),
                cmocka_unit_test(test_periodic_unknown_time),
                cmocka_unit_test(test_periodic_interval_one),
                cmocka_unit_test(test_periodic_properties),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
