/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kvmap.h"
#include "util.h"

static double now_seconds(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_set_get_replace_remove(void **state)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        assert_non_null(m);

        assert_int_equal(kvmap_size(m), 0);
        assert_null(kvmap_get(m, "Device.DeviceInfo.SerialNumber"));
        assert_int_equal(kvmap_set(m, "Device.DeviceInfo.SerialNumber", "SN1"), 0);
        assert_int_equal(kvmap_set(m, "Device.DeviceInfo.ModelName", "STB"), 0);
        assert_int_equal(kvmap_size(m), 2);
        assert_string_equal(kvmap_get(m, "Device.DeviceInfo.SerialNumber"), "SN1");

        /* Replacing keeps the size and changes the value. */
        assert_int_equal(kvmap_set(m, "Device.DeviceInfo.SerialNumber", "SN2"), 0);
        assert_int_equal(kvmap_size(m), 2);
        assert_string_equal(kvmap_get(m, "Device.DeviceInfo.SerialNumber"), "SN2");

        /* Setting a key to its own stored value must not read freed memory. */
        assert_int_equal(kvmap_set(m, "Device.DeviceInfo.ModelName",
                                   kvmap_get(m, "Device.DeviceInfo.ModelName")),
                         0);
        assert_string_equal(kvmap_get(m, "Device.DeviceInfo.ModelName"), "STB");

        /* Empty keys and values are ordinary strings. */
        assert_int_equal(kvmap_set(m, "", ""), 0);
        assert_string_equal(kvmap_get(m, ""), "");

        assert_int_equal(kvmap_remove(m, "Device.DeviceInfo.SerialNumber"), 0);
        assert_null(kvmap_get(m, "Device.DeviceInfo.SerialNumber"));
        assert_int_equal(kvmap_remove(m, "Device.DeviceInfo.SerialNumber"), -ENOENT);
        assert_int_equal(kvmap_size(m), 2);

        assert_int_equal(kvmap_set(m, NULL, "x"), -EINVAL);
        assert_int_equal(kvmap_set(m, "x", NULL), -EINVAL);
        assert_int_equal(kvmap_size(m), 2);
}

static void test_copies_keys_and_values(void **state)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        char key[] = "key", value[] = "value";

        assert_int_equal(kvmap_set(m, key, value), 0);
        key[0] = 'X';
        value[0] = 'X';
        assert_string_equal(kvmap_get(m, "key"), "value");
        assert_null(kvmap_get(m, "Xey"));
}

static void test_empty_and_null_maps(void **state)
{
        kvmap_free(NULL);
        assert_int_equal(kvmap_size(NULL), 0);
        assert_null(kvmap_get(NULL, "a"));

        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        assert_int_equal(kvmap_remove(m, "absent"), -ENOENT);
        size_t i = 0;
        const char *k, *v;
        assert_false(kvmap_next(m, &i, &k, &v));

        const char **keys = NULL;
        size_t n = 99;
        assert_int_equal(kvmap_sorted_keys(m, &keys, &n), 0);
        assert_int_equal(n, 0);
        free(keys);
        kvmap_clear(m);
        assert_int_equal(kvmap_size(m), 0);
}

static void test_iteration_visits_each_entry_once(void **state)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        enum { N = 500 };
        int seen[N] = {0};

        for (int i = 0; i < N; i++) {
                char k[32], v[32];
                snprintf(k, sizeof(k), "k%d", i);
                snprintf(v, sizeof(v), "%d", i);
                assert_int_equal(kvmap_set(m, k, v), 0);
        }
        const char *k, *v;
        size_t count = 0;
        kvmap_foreach (m, i, k, v) {
                int n = atoi(v);
                assert_true(n >= 0 && n < N);
                char expected[32];
                snprintf(expected, sizeof(expected), "k%d", n);
                assert_string_equal(k, expected);
                seen[n]++;
                count++;
        }
        assert_int_equal(count, N);
        for (int i = 0; i < N; i++)
                assert_int_equal(seen[i], 1);
}

static void test_sorted_keys(void **state)
{
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        const char *input[] = {"Device.b", "Device.a.2", "Device.a.10", "A", "Device.", "a"};
        const char *expected[] = {"A", "Device.", "Device.a.10", "Device.a.2", "Device.b", "a"};

        for (size_t i = 0; i < ELEMENTSOF(input); i++)
                assert_int_equal(kvmap_set(m, input[i], "v"), 0);

        const char **keys = NULL;
        size_t n = 0;
        assert_int_equal(kvmap_sorted_keys(m, &keys, &n), 0);
        assert_int_equal(n, ELEMENTSOF(expected));
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(keys[i], expected[i]);
                /* Pointers into the map, not copies. */
                assert_ptr_equal(kvmap_get(m, keys[i]), kvmap_get(m, expected[i]));
        }
        free(keys);
}

static void test_copy_adds_and_replaces(void **state)
{
        _cleanup_kvmap_ struct kvmap *a = kvmap_new();
        _cleanup_kvmap_ struct kvmap *b = kvmap_new();

        assert_int_equal(kvmap_set(a, "x", "1"), 0);
        assert_int_equal(kvmap_set(a, "y", "2"), 0);
        assert_int_equal(kvmap_set(b, "y", "old"), 0);
        assert_int_equal(kvmap_set(b, "z", "3"), 0);
        assert_int_equal(kvmap_copy(a, b), 0);
        assert_int_equal(kvmap_size(b), 3);
        assert_string_equal(kvmap_get(b, "x"), "1");
        assert_string_equal(kvmap_get(b, "y"), "2");
        assert_string_equal(kvmap_get(b, "z"), "3");
        assert_int_equal(kvmap_size(a), 2); /* the source is untouched */

        assert_int_equal(kvmap_copy(b, b), 0);
        assert_int_equal(kvmap_size(b), 3);

        kvmap_clear(b);
        assert_int_equal(kvmap_size(b), 0);
        assert_null(kvmap_get(b, "x"));
        assert_int_equal(kvmap_set(b, "x", "again"), 0);
        assert_string_equal(kvmap_get(b, "x"), "again");
}

/* 100,000 parameters is the size of a big gateway's tree: insert, look up, remove half,
 * look up again. Quadratic behaviour would take minutes here; the bound is generous enough
 * for sanitizer builds. */
static void test_hundred_thousand_entries(void **state)
{
        enum { N = 100000 };
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        char k[64], v[32];
        double start = now_seconds();

        for (int i = 0; i < N; i++) {
                snprintf(k, sizeof(k), "Device.Hosts.Host.%d.IPAddress", i);
                snprintf(v, sizeof(v), "10.0.%d.%d", i / 256, i % 256);
                assert_int_equal(kvmap_set(m, k, v), 0);
        }
        assert_int_equal(kvmap_size(m), N);
        for (int i = 0; i < N; i++) {
                snprintf(k, sizeof(k), "Device.Hosts.Host.%d.IPAddress", i);
                snprintf(v, sizeof(v), "10.0.%d.%d", i / 256, i % 256);
                const char *got = kvmap_get(m, k);
                assert_non_null(got);
                assert_string_equal(got, v);
        }
        for (int i = 0; i < N; i += 2) {
                snprintf(k, sizeof(k), "Device.Hosts.Host.%d.IPAddress", i);
                assert_int_equal(kvmap_remove(m, k), 0);
        }
        assert_int_equal(kvmap_size(m), N / 2);
        for (int i = 0; i < N; i++) {
                snprintf(k, sizeof(k), "Device.Hosts.Host.%d.IPAddress", i);
                if (i % 2)
                        assert_non_null(kvmap_get(m, k));
                else
                        assert_null(kvmap_get(m, k));
        }
        snprintf(k, sizeof(k), "Device.Hosts.Host.%d.IPAddress", N);
        assert_null(kvmap_get(m, k));

        double elapsed = now_seconds() - start;
        assert_true(elapsed < 10.0);
}

/* Random operations checked against a plain array: removal moves entries around inside the
 * table, and every one of them must stay reachable. */
static void test_random_operations_match_reference(void **state)
{
        enum { KEYS = 2000, OPS = 200000 };
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        static int reference[KEYS]; /* -1: absent, otherwise the value */
        uint32_t seed = 12345;

        for (int i = 0; i < KEYS; i++)
                reference[i] = -1;
        for (int op = 0; op < OPS; op++) {
                seed = seed * 1103515245u + 12345u;
                int key = (int)((seed >> 8) % KEYS);
                char k[32], v[32];
                /* Short keys sharing prefixes collide in interesting ways. */
                snprintf(k, sizeof(k), "%x", key);
                if ((seed >> 28) < 9) {
                        snprintf(v, sizeof(v), "%d", op);
                        assert_int_equal(kvmap_set(m, k, v), 0);
                        reference[key] = op;
                } else {
                        assert_int_equal(kvmap_remove(m, k), reference[key] < 0 ? -ENOENT : 0);
                        reference[key] = -1;
                }
        }
        size_t present = 0;
        for (int i = 0; i < KEYS; i++) {
                char k[32];
                snprintf(k, sizeof(k), "%x", i);
                const char *got = kvmap_get(m, k);
                if (reference[i] < 0) {
                        assert_null(got);
                } else {
                        assert_non_null(got);
                        assert_int_equal(atoi(got), reference[i]);
                        present++;
                }
        }
        assert_int_equal(kvmap_size(m), present);

        /* Empty it completely by removal, then refill: the table must still work. */
        for (int i = 0; i < KEYS; i++) {
                char k[32];
                snprintf(k, sizeof(k), "%x", i);
                if (reference[i] >= 0)
                        assert_int_equal(kvmap_remove(m, k), 0);
        }
        assert_int_equal(kvmap_size(m), 0);
        size_t i = 0;
        const char *k, *v;
        assert_false(kvmap_next(m, &i, &k, &v));
        assert_int_equal(kvmap_set(m, "back", "1"), 0);
        assert_string_equal(kvmap_get(m, "back"), "1");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_set_get_replace_remove),
                cmocka_unit_test(test_copies_keys_and_values),
                cmocka_unit_test(test_empty_and_null_maps),
                cmocka_unit_test(test_iteration_visits_each_entry_once),
                cmocka_unit_test(test_sorted_keys),
                cmocka_unit_test(test_copy_adds_and_replaces),
                cmocka_unit_test(test_hundred_thousand_entries),
                cmocka_unit_test(test_random_operations_match_reference),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
