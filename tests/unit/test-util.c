/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void test_strv_push_keeps_null_terminated_copies(void **state)
{
        struct strv s = {0};
        char word[] = "alpha";

        assert_int_equal(strv_push(&s, word), 0);
        word[0] = 'X'; /* the vector holds its own copy */
        assert_int_equal(strv_push(&s, "beta"), 0);
        assert_int_equal(s.n, 2);
        assert_string_equal(s.v[0], "alpha");
        assert_string_equal(s.v[1], "beta");
        assert_null(s.v[2]);
        assert_int_equal(strv_push(&s, NULL), -EINVAL);
        assert_int_equal(s.n, 2);
        strv_done(&s);
        assert_null(s.v);
        assert_int_equal(s.n, 0);
        assert_int_equal(s.allocated, 0);
}

static void test_strv_push_take_and_growth(void **state)
{
        struct strv s = {0};

        for (int i = 0; i < 1000; i++) {
                char *v = NULL;
                assert_true(asprintf(&v, "item-%04d", i) > 0);
                assert_int_equal(strv_push_take(&s, v), 0);
                assert_ptr_equal(s.v[i], v); /* taken, not copied */
                assert_null(s.v[i + 1]);
        }
        assert_int_equal(s.n, 1000);
        assert_true(s.allocated >= 1001);
        assert_string_equal(s.v[999], "item-0999");
        strv_done(&s);
        /* A done vector is reusable. */
        assert_int_equal(strv_push(&s, "again"), 0);
        assert_string_equal(s.v[0], "again");
        strv_done(&s);
}

static void test_strv_sort(void **state)
{
        struct strv s = {0};
        const char *input[] = {"pear", "Apple", "apple", "banana", "", "apple"};
        const char *sorted[] = {"", "Apple", "apple", "apple", "banana", "pear"};

        strv_sort(&s); /* empty: nothing to do, must not crash */
        for (size_t i = 0; i < ELEMENTSOF(input); i++)
                assert_int_equal(strv_push(&s, input[i]), 0);
        strv_sort(&s);
        for (size_t i = 0; i < ELEMENTSOF(sorted); i++)
                assert_string_equal(s.v[i], sorted[i]);
        assert_null(s.v[ELEMENTSOF(sorted)]);
        strv_done(&s);
}

static void test_buf_append_and_printf(void **state)
{
        struct buf b = {0};

        assert_int_equal(buf_append(&b, "", 0), 0);
        assert_non_null(b.data);
        assert_string_equal(b.data, "");
        assert_int_equal(buf_append(&b, "abcdef", 3), 0);
        assert_int_equal(b.len, 3);
        assert_string_equal(b.data, "abc");
        assert_int_equal(buf_printf(&b, "-%d-%s", 42, "x"), 0);
        assert_string_equal(b.data, "abc-42-x");
        assert_int_equal(b.len, strlen("abc-42-x"));

        /* Binary data keeps its NUL bytes and stays terminated after them. */
        assert_int_equal(buf_append(&b, "\0z", 2), 0);
        assert_int_equal(b.len, 10);
        assert_memory_equal(b.data + 8, "\0z\0", 3);
        buf_done(&b);
        assert_null(b.data);
        assert_int_equal(b.len, 0);
}

static void test_buf_printf_grows(void **state)
{
        struct buf b = {0};
        char big[10000];

        memset(big, 'q', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(buf_append(&b, "head:", 5), 0);
        assert_int_equal(buf_printf(&b, "%s|%s", big, big), 0);
        assert_int_equal(b.len, 5 + 2 * (sizeof(big) - 1) + 1);
        assert_int_equal(strlen(b.data), b.len);
        assert_memory_equal(b.data, "head:qqq", 8);
        assert_int_equal(b.data[5 + sizeof(big) - 1], '|');
        for (int i = 0; i < 500; i++)
                assert_int_equal(buf_printf(&b, "%d,", i), 0);
        assert_true(endswith_char(b.data, ','));
        assert_non_null(strstr(b.data, ",498,499,"));
        buf_done(&b);
}

static void test_buf_steal(void **state)
{
        struct buf b = {0};

        char *empty = buf_steal(&b);
        assert_non_null(empty);
        assert_string_equal(empty, "");
        free(empty);

        assert_int_equal(buf_printf(&b, "%s=%u", "key", 7u), 0);
        char *s = buf_steal(&b);
        assert_string_equal(s, "key=7");
        assert_null(b.data);
        assert_int_equal(b.len, 0);
        assert_int_equal(b.allocated, 0);
        free(s);
        buf_done(&b); /* after steal: nothing left to free */
}

static void test_cleanup_and_take(void **state)
{
        char *kept;
        {
                _cleanup_free_ char *p = strdup("owned");
                kept = TAKE_PTR(p);
                assert_null(p);
        }
        assert_string_equal(kept, "owned"); /* still valid: ownership moved out */
        free(kept);

        int fd_copy;
        {
                _cleanup_close_ int fd = dup(STDIN_FILENO);
                assert_true(fd >= 0);
                fd_copy = TAKE_FD(fd);
                assert_int_equal(fd, -1);
        }
        assert_int_equal(close(fd_copy), 0);
}

static void test_string_helpers(void **state)
{
        assert_true(streq("a", "a"));
        assert_false(streq("a", "b"));
        assert_true(streq_ptr(NULL, NULL));
        assert_false(streq_ptr("a", NULL));
        assert_true(startswith("Device.IP.", "Device."));
        assert_false(startswith("Dev", "Device."));
        assert_true(endswith_char("Device.", '.'));
        assert_false(endswith_char("", '.'));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strv_push_keeps_null_terminated_copies),
                cmocka_unit_test(test_strv_push_take_and_growth),
                cmocka_unit_test(test_strv_sort),
                cmocka_unit_test(test_buf_append_and_printf),
                cmocka_unit_test(test_buf_printf_grows),
                cmocka_unit_test(test_buf_steal),
                cmocka_unit_test(test_cleanup_and_take),
                cmocka_unit_test(test_string_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
