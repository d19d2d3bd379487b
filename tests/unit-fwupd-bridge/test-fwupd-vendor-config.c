/* SPDX-License-Identifier: MIT */
/* The Vendor Configuration File: what is written reads back the same, and anything else is
 * refused whole with the line it went wrong on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vendor-config.h"

#define HEADER "# CWMP vendor configuration file, version 1\n"

static void test_round_trip_with_escapes(void **state)
{
        struct config_file f = {}, g = {};
        char *text;
        size_t len;
        unsigned line = 0;

        assert_int_equal(config_file_add(&f, "Device.A.Name", "string", "tab\there\nnl \\ cr\r"),
                         0);
        assert_int_equal(config_file_add(&f, "Device.A.Level", "unsignedInt", "7"), 0);
        assert_int_equal(config_file_add(&f, "Device.A.Empty", "string", ""), 0);
        assert_int_equal(config_file_format(&f, &text, &len), 0);
        assert_string_equal(text, HEADER "Device.A.Name\tstring\ttab\\there\\nnl \\\\ cr\\r\n"
                                         "Device.A.Level\tunsignedInt\t7\n"
                                         "Device.A.Empty\tstring\t\n");
        assert_int_equal(config_file_parse(text, len, &g, &line), 0);
        assert_int_equal(g.n, 3);
        for (size_t i = 0; i < 3; i++) {
                assert_string_equal(g.entries[i].name, f.entries[i].name);
                assert_string_equal(g.entries[i].type, f.entries[i].type);
                assert_string_equal(g.entries[i].value, f.entries[i].value);
        }
        free(text);
        config_file_done(&f);
        config_file_done(&g);
}

static void test_comments_blank_lines_and_crlf(void **state)
{
        static const char text[] = HEADER "\r\n# a comment\nDevice.B.X\tint\t-3\r\n\n";
        struct config_file f = {};

        assert_int_equal(config_file_parse(text, strlen(text), &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_string_equal(f.entries[0].value, "-3");
        config_file_done(&f);
}

static void expect_bad(const char *text, size_t len, unsigned want_line)
{
        struct config_file f = {};
        unsigned line = 0;

        assert_int_equal(config_file_parse(text, len, &f, &line), -EBADMSG);
        assert_int_equal(line, want_line);
        assert_int_equal(f.n, 0);
        assert_null(f.entries);
}

static void test_bad_files(void **state)
{
        static const char nul[] = HEADER "Device.A.B\tstring\tx\0y\n";

        expect_bad("", 0, 1);
        expect_bad("Device.A.B\tstring\tx\n", 20, 1);                       /* no header */
        expect_bad(HEADER "Device.A.B string x\n", strlen(HEADER) + 19, 2); /* no tabs */
        expect_bad(HEADER "Device.A.B\tstring\n", strlen(HEADER) + 18, 2);  /* no value */
        expect_bad(HEADER "Other.A\tstring\tx\n", strlen(HEADER) + 17, 2);
        expect_bad(HEADER "Device.A.\tstring\tx\n", strlen(HEADER) + 19, 2); /* an object */
        expect_bad(HEADER "Device.A.B\tstr ing\tx\n", strlen(HEADER) + 21, 2);
        expect_bad(HEADER "Device.A.B\tstring\tbad\\q\n", strlen(HEADER) + 24, 2);
        expect_bad(HEADER "Device.A.B\tstring\tends\\\n", strlen(HEADER) + 24, 2);
        expect_bad(HEADER "Device.A.B\tstring\tx\nDevice.A.B\tstring\ty\n", strlen(HEADER) + 40,
                   3); /* twice */
        expect_bad(nul, sizeof(nul) - 1, 1);
}

static void test_secrets(void **state)
{
        assert_true(config_parameter_is_secret("Device.ManagementServer.Password"));
        assert_true(
                config_parameter_is_secret("Device.ManagementServer.ConnectionRequestPassword"));
        assert_true(config_parameter_is_secret("Device.WiFi.AccessPoint.1.Security.KeyPassphrase"));
        assert_true(config_parameter_is_secret("Device.X_TEST_Alpha.Secret"));
        assert_false(config_parameter_is_secret("Device.ManagementServer.Username"));
        assert_false(config_parameter_is_secret("Device.X_Password.Name"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip_with_escapes),
                cmocka_unit_test(test_comments_blank_lines_and_crlf),
                cmocka_unit_test(test_bad_files),
                cmocka_unit_test(test_secrets),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
