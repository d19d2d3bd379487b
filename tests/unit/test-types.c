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

#include "types.h"

static void test_type_names(void **state)
{
        for (int t = 0; t < _CW_TYPE_MAX; t++) {
                char xsd[64];
                const char *name = cw_type_to_string(t);
                assert_non_null(name);
                assert_int_equal(cw_type_from_string(name), t);
                snprintf(xsd, sizeof(xsd), "xsd:%s", name);
                assert_int_equal(cw_type_from_string(xsd), t);
        }
        assert_string_equal(cw_type_to_string(CW_TYPE_UNSIGNED_INT), "unsignedInt");
        assert_string_equal(cw_type_to_string(CW_TYPE_DATETIME), "dateTime");
        assert_int_equal(cw_type_from_string("xsd:base64Binary"), CW_TYPE_BASE64);
        assert_null(cw_type_to_string(_CW_TYPE_MAX));
        assert_int_equal(cw_type_from_string("unsignedint"), -EINVAL);
        assert_int_equal(cw_type_from_string("xsd:"), -EINVAL);
        assert_int_equal(cw_type_from_string("soap:int"), -EINVAL);
        assert_int_equal(cw_type_from_string(""), -EINVAL);
        assert_int_equal(cw_type_from_string(NULL), -EINVAL);
}

static void test_int32(void **state)
{
        int32_t v = 42;

        assert_int_equal(cw_parse_int32("2147483647", &v), 0);
        assert_int_equal(v, INT32_MAX);
        assert_int_equal(cw_parse_int32("-2147483648", &v), 0);
        assert_int_equal(v, INT32_MIN);
        assert_int_equal(cw_parse_int32("+17", &v), 0);
        assert_int_equal(v, 17);
        assert_int_equal(cw_parse_int32("-0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(cw_parse_int32("000000000000000000000000000000042", &v), 0);
        assert_int_equal(v, 42);

        v = 7;
        assert_int_equal(cw_parse_int32("2147483648", &v), -ERANGE);
        assert_int_equal(cw_parse_int32("-2147483649", &v), -ERANGE);
        assert_int_equal(cw_parse_int32("99999999999999999999999999", &v), -ERANGE);
        assert_int_equal(v, 7); /* untouched on failure */

        const char *bad[] = {"",    "+",   "-",   " 1",  "1 ", "1a", "0x10",
                             "1.0", "--1", "+-1", "1e3", "١",  "\t1"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(cw_parse_int32(bad[i], &v), -EINVAL);
        /* garbage after an overflow is still garbage */
        assert_int_equal(cw_parse_int32("99999999999999999999999x", &v), -EINVAL);
        assert_int_equal(cw_parse_int32(NULL, &v), -EINVAL);
}

static void test_uint32(void **state)
{
        uint32_t v;

        assert_int_equal(cw_parse_uint32("4294967295", &v), 0);
        assert_int_equal(v, UINT32_MAX);
        assert_int_equal(cw_parse_uint32("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(cw_parse_uint32("+4294967295", &v), 0);
        assert_int_equal(v, UINT32_MAX);
        assert_int_equal(cw_parse_uint32("4294967296", &v), -ERANGE);
        assert_int_equal(cw_parse_uint32("-1", &v), -EINVAL);
        assert_int_equal(cw_parse_uint32("-0", &v), -EINVAL);
        assert_int_equal(cw_parse_uint32("", &v), -EINVAL);
        assert_int_equal(cw_parse_uint32("12 ", &v), -EINVAL);
}

static void test_int64(void **state)
{
        int64_t v;

        assert_int_equal(cw_parse_int64("9223372036854775807", &v), 0);
        assert_true(v == INT64_MAX);
        assert_int_equal(cw_parse_int64("-9223372036854775808", &v), 0);
        assert_true(v == INT64_MIN);
        assert_int_equal(cw_parse_int64("-9223372036854775807", &v), 0);
        assert_true(v == INT64_MIN + 1);
        assert_int_equal(cw_parse_int64("9223372036854775808", &v), -ERANGE);
        assert_int_equal(cw_parse_int64("-9223372036854775809", &v), -ERANGE);
        assert_int_equal(cw_parse_int64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(cw_parse_int64("-18446744073709551616", &v), -ERANGE);
        assert_int_equal(cw_parse_int64("1,5", &v), -EINVAL);
}

static void test_uint64(void **state)
{
        uint64_t v;

        assert_int_equal(cw_parse_uint64("18446744073709551615", &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(cw_parse_uint64("018446744073709551615", &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(cw_parse_uint64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(cw_parse_uint64("184467440737095516150", &v), -ERANGE);
        assert_int_equal(cw_parse_uint64("-5", &v), -EINVAL);
}

static void test_bool(void **state)
{
        bool b = false;

        assert_int_equal(cw_parse_bool("true", &b), 0);
        assert_true(b);
        assert_int_equal(cw_parse_bool("0", &b), 0);
        assert_false(b);
        assert_int_equal(cw_parse_bool("1", &b), 0);
        assert_true(b);
        assert_int_equal(cw_parse_bool("false", &b), 0);
        assert_false(b);
        const char *bad[] = {"TRUE", "False", "yes", "", "01", "true ", " 1", "2", "t"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(cw_parse_bool(bad[i], &b), -EINVAL);
}

static void check_normalize(enum cw_type t, const char *in, const char *expected)
{
        char *out = NULL;
        assert_int_equal(cw_value_normalize(t, in, &out), 0);
        assert_string_equal(out, expected);
        free(out);
}

static void test_normalize(void **state)
{
        char *out = NULL;

        check_normalize(CW_TYPE_INT, "+007", "7");
        check_normalize(CW_TYPE_INT, "-0", "0");
        check_normalize(CW_TYPE_INT, "-000123", "-123");
        check_normalize(CW_TYPE_UNSIGNED_INT, "0004294967295", "4294967295");
        check_normalize(CW_TYPE_LONG, "-9223372036854775808", "-9223372036854775808");
        check_normalize(CW_TYPE_UNSIGNED_LONG, "+18446744073709551615", "18446744073709551615");
        check_normalize(CW_TYPE_BOOLEAN, "1", "true");
        check_normalize(CW_TYPE_BOOLEAN, "0", "false");
        check_normalize(CW_TYPE_BOOLEAN, "true", "true");
        check_normalize(CW_TYPE_STRING, " a, b ", " a, b ");
        check_normalize(CW_TYPE_STRING, "", "");
        check_normalize(CW_TYPE_DATETIME, "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z");
        check_normalize(CW_TYPE_BASE64, "Zm9v", "Zm9v");
        check_normalize(CW_TYPE_HEXBINARY, "aBcD", "aBcD");

        assert_int_equal(cw_value_normalize(CW_TYPE_INT, "2147483648", &out), -EINVAL);
        assert_int_equal(cw_value_normalize(CW_TYPE_INT, "x", &out), -EINVAL);
        assert_int_equal(cw_value_normalize(CW_TYPE_BOOLEAN, "yes", &out), -EINVAL);
        assert_int_equal(cw_value_normalize(CW_TYPE_STRING, "\xff", &out), -EINVAL);
        assert_int_equal(cw_value_normalize(CW_TYPE_DATETIME, "yesterday", &out), -EINVAL);
        assert_int_equal(cw_value_normalize(CW_TYPE_HEXBINARY, "abc", &out), -EINVAL);
        assert_int_equal(cw_value_normalize(_CW_TYPE_MAX, "1", &out), -EINVAL);
        assert_null(out);
}

/* ---- dateTime ---- */

static void check_datetime(const char *s, int64_t seconds, uint32_t usec, bool relative,
                           bool unknown)
{
        struct cw_datetime dt;
        assert_int_equal(cw_parse_datetime(s, &dt), 0);
        assert_true(dt.seconds == seconds);
        assert_int_equal(dt.usec, usec);
        assert_int_equal(dt.relative, relative);
        assert_int_equal(dt.unknown, unknown);
}

static void test_datetime_absolute(void **state)
{
        check_datetime("1970-01-01T00:00:00Z", 0, 0, false, false);
        check_datetime("1970-01-01T00:00:00", 0, 0, false, false);
        check_datetime("2038-01-19T03:14:08Z", INT64_C(2147483648), 0, false, false);
        check_datetime("9999-12-31T23:59:59Z", INT64_C(253402300799), 0, false, false);
        check_datetime("1969-12-31T23:59:59Z", -1, 0, false, false);
        check_datetime("2024-01-01T00:00:00Z", 1704067200, 0, false, false);
        /* offsets: the UTC instant is local time minus the offset */
        check_datetime("2024-01-01T01:00:00+01:00", 1704067200, 0, false, false);
        check_datetime("2023-12-31T18:30:00-05:30", 1704067200, 0, false, false);
        check_datetime("2024-01-01T14:00:00+14:00", 1704067200, 0, false, false);
        check_datetime("2023-12-31T10:00:00-14:00", 1704067200, 0, false, false);
        check_datetime("2024-01-01T00:00:00-00:00", 1704067200, 0, false, false);
        /* fractions */
        check_datetime("2024-01-01T00:00:00.000Z", 1704067200, 0, false, false);
        check_datetime("2024-01-01T00:00:00.5Z", 1704067200, 500000, false, false);
        check_datetime("2024-01-01T00:00:00.123456789Z", 1704067200, 123456, false, false);
        check_datetime("2024-01-01T00:00:00.000001+00:00", 1704067200, 1, false, false);
}

static void test_datetime_leap(void **state)
{
        struct cw_datetime dt;

        check_datetime("2000-02-29T00:00:00Z", 951782400, 0, false, false);
        check_datetime("2024-02-29T23:59:59Z", 1709251199, 0, false, false);
        check_datetime("2024-03-01T00:00:00Z", 1709251200, 0, false, false);
        check_datetime("1600-02-29T00:00:00Z", INT64_C(-11670998400), 0, false, false);
        assert_int_equal(cw_parse_datetime("2023-02-29T00:00:00Z", &dt), -EINVAL);
        assert_int_equal(cw_parse_datetime("1900-02-29T00:00:00Z", &dt), -EINVAL);
        assert_int_equal(cw_parse_datetime("2100-02-29T00:00:00Z", &dt), -EINVAL);
        assert_int_equal(cw_parse_datetime("2024-02-30T00:00:00Z", &dt), -EINVAL);

        /* Every day of four centuries agrees with libc's timegm(). */
        for (int year = 1900; year < 2300; year++)
                for (int month = 1; month <= 12; month++)
                        for (int day = 28; day <= 32; day++) {
                                struct tm tm = {.tm_year = year - 1900,
                                                .tm_mon = month - 1,
                                                .tm_mday = day,
                                                .tm_hour = 13,
                                                .tm_min = 7,
                                                .tm_sec = 9};
                                char s[64];
                                time_t expected = timegm(&tm);
                                bool exists = tm.tm_mday == day; /* timegm carried over */
                                snprintf(s, sizeof(s), "%04d-%02d-%02dT13:07:09Z", year, month,
                                         day);
                                if (exists) {
                                        assert_int_equal(cw_parse_datetime(s, &dt), 0);
                                        assert_true(dt.seconds == (int64_t)expected);
                                } else
                                        assert_int_equal(cw_parse_datetime(s, &dt), -EINVAL);
                        }
}

static void test_datetime_relative_unknown(void **state)
{
        check_datetime("0001-01-03T03:04:05", 2 * 86400 + 3 * 3600 + 4 * 60 + 5, 0, true, false);
        check_datetime("0001-01-01T00:00:00", 0, 0, true, false);
        check_datetime("0001-02-01T00:00:00.25", 31 * 86400, 250000, true, false);
        check_datetime("0002-01-01T00:00:00", 365 * 86400, 0, true, false);
        check_datetime("0999-12-31T23:59:59", INT64_C(31525372799), 0, true, false);
        /* year 1000 and later without a zone: an absolute time */
        check_datetime("1000-01-01T00:00:00", INT64_C(-30610224000), 0, false, false);
        /* the unknown time, however it is spelt */
        check_datetime("0001-01-01T00:00:00Z", INT64_C(-62135596800), 0, false, true);
        check_datetime("0001-01-01T00:00:00.000Z", INT64_C(-62135596800), 0, false, true);
        check_datetime("0001-01-01T00:00:00+00:00", INT64_C(-62135596800), 0, false, true);
        /* near it but not it */
        check_datetime("0001-01-01T00:00:01Z", INT64_C(-62135596799), 0, false, false);
        check_datetime("0001-01-01T00:00:00.1Z", INT64_C(-62135596800), 100000, false, false);
        check_datetime("0005-06-07T08:09:10Z", INT64_C(-61995772250), 0, false, false);
}

static void test_datetime_invalid(void **state)
{
        struct cw_datetime dt;
        const char *bad[] = {
                "",
                "2024-01-01",
                "2024-01-01T00:00Z",
                "2024-01-01 00:00:00Z",
                "2024-01-01t00:00:00Z",
                "2024-1-01T00:00:00Z",
                "24-01-01T00:00:00Z",
                "+2024-01-01T00:00:00Z",
                "-2024-01-01T00:00:00Z",
                "12024-01-01T00:00:00Z",
                "0000-01-01T00:00:00Z",
                "2024-00-01T00:00:00Z",
                "2024-13-01T00:00:00Z",
                "2024-01-00T00:00:00Z",
                "2024-01-32T00:00:00Z",
                "2024-04-31T00:00:00Z",
                "2024-06-31T00:00:00Z",
                "2024-09-31T00:00:00Z",
                "2024-11-31T00:00:00Z",
                "2024-01-01T24:00:00Z",
                "2024-01-01T23:60:00Z",
                "2024-01-01T23:59:60Z",
                "2024-01-01T00:00:00.Z",
                "2024-01-01T00:00:00.",
                "2024-01-01T00:00:00,5Z",
                "2024-01-01T00:00:00z",
                "2024-01-01T00:00:00ZZ",
                "2024-01-01T00:00:00Z ",
                " 2024-01-01T00:00:00Z",
                "2024-01-01T00:00:00+01",
                "2024-01-01T00:00:00+0100",
                "2024-01-01T00:00:00+1:00",
                "2024-01-01T00:00:00+01:60",
                "2024-01-01T00:00:00+14:01",
                "2024-01-01T00:00:00+15:00",
                "2024-01-01T00:00:00-99:00",
                "2024-01-01T00:00:00+01:00Z",
                "2024-01-01T0a:00:00Z",
                "２０２４-01-01T00:00:00Z",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (cw_parse_datetime(bad[i], &dt) != -EINVAL)
                        fail_msg("accepted \"%s\"", bad[i]);
        }
        assert_int_equal(cw_parse_datetime(NULL, &dt), -EINVAL);
}

static void check_format(int64_t seconds, uint32_t usec, const char *expected)
{
        char buf[32];
        struct cw_datetime dt;

        assert_int_equal(cw_format_datetime(seconds, usec, buf, sizeof(buf)), 0);
        assert_string_equal(buf, expected);
        assert_int_equal(cw_parse_datetime(buf, &dt), 0);
        assert_true(dt.seconds == seconds);
        assert_int_equal(dt.usec, usec);
        assert_false(dt.relative);
}

static void test_datetime_format(void **state)
{
        char buf[64];

        check_format(0, 0, "1970-01-01T00:00:00Z");
        check_format(0, 5, "1970-01-01T00:00:00.000005Z");
        check_format(-1, 999999, "1969-12-31T23:59:59.999999Z");
        check_format(951782400, 0, "2000-02-29T00:00:00Z");
        check_format(1709251199, 0, "2024-02-29T23:59:59Z");
        check_format(INT64_C(-62135596800), 0, "0001-01-01T00:00:00Z");
        check_format(INT64_C(253402300799), 0, "9999-12-31T23:59:59Z");
        check_format(INT64_C(-86400), 0, "1969-12-31T00:00:00Z");

        assert_int_equal(cw_format_datetime(INT64_C(-62135596801), 0, buf, sizeof(buf)), -ERANGE);
        assert_int_equal(cw_format_datetime(INT64_C(253402300800), 0, buf, sizeof(buf)), -ERANGE);
        assert_int_equal(cw_format_datetime(INT64_MIN, 0, buf, sizeof(buf)), -ERANGE);
        assert_int_equal(cw_format_datetime(INT64_MAX, 0, buf, sizeof(buf)), -ERANGE);
        assert_int_equal(cw_format_datetime(0, 1000000, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(cw_format_datetime(0, 0, buf, 31), -ENOBUFS);

        /* A wide spread of instants agrees with libc's gmtime_r() and parses back. */
        for (int64_t t = INT64_C(-62135596800); t <= INT64_C(253402300799);
             t += INT64_C(86400) * 7919 + 3671) {
                time_t tt = (time_t)t;
                struct tm tm;
                char expected[64];
                assert_non_null(gmtime_r(&tt, &tm));
                snprintf(expected, sizeof(expected), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec, 1u + (unsigned)(t & 0xffff));
                check_format(t, 1u + (uint32_t)(t & 0xffff), expected);
        }
}

/* ---- base64 and hexBinary ---- */

static void check_base64(const char *s, const char *expected)
{
        uint8_t *data = NULL;
        size_t len = 99;
        char *again = NULL;

        assert_int_equal(cw_base64_decode(s, &data, &len), 0);
        assert_int_equal(len, strlen(expected));
        assert_memory_equal(data, expected, len);
        assert_int_equal(cw_base64_encode(data, len, &again), 0);
        assert_string_equal(again, s);
        free(data);
        free(again);
}

static void test_base64(void **state)
{
        uint8_t *data = NULL;
        size_t len;

        /* RFC 4648 section 10 */
        check_base64("", "");
        check_base64("Zg==", "f");
        check_base64("Zm8=", "fo");
        check_base64("Zm9v", "foo");
        check_base64("Zm9vYg==", "foob");
        check_base64("Zm9vYmE=", "fooba");
        check_base64("Zm9vYmFy", "foobar");
        check_base64("+/+/", "\xfb\xff\xbf");

        const char *bad[] = {"Zg",    "Zg=",  "Zm9",  "Z",        "Zg==Zg==", "Zm8=Zm9v",
                             "Z===",  "====", "Zh==", "Zm9=",     "Zm 9v",    "Zm9v\n",
                             "Zm9v=", "Zg=a", "Zm-_", "Zm9v====", "=Zm9"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (cw_base64_decode(bad[i], &data, &len) != -EINVAL)
                        fail_msg("accepted \"%s\"", bad[i]);
        }
        assert_null(data);

        /* Every length round-trips, bytes of every value included. */
        for (size_t n = 0; n < 300; n++) {
                uint8_t in[300];
                char *text = NULL;
                for (size_t i = 0; i < n; i++)
                        in[i] = (uint8_t)(i * 151 + n);
                assert_int_equal(cw_base64_encode(in, n, &text), 0);
                assert_int_equal(strlen(text), (n + 2) / 3 * 4);
                assert_int_equal(cw_base64_decode(text, &data, &len), 0);
                assert_int_equal(len, n);
                if (n > 0)
                        assert_memory_equal(data, in, n);
                free(text);
                free(data);
                data = NULL;
        }
}

static void test_hex(void **state)
{
        uint8_t *data = NULL;
        size_t len = 99;

        assert_int_equal(cw_hex_decode("", &data, &len), 0);
        assert_int_equal(len, 0);
        free(data);
        assert_int_equal(cw_hex_decode("00ffA5", &data, &len), 0);
        assert_int_equal(len, 3);
        assert_memory_equal(data, "\x00\xff\xa5", 3);
        free(data);
        data = NULL;
        const char *bad[] = {"0", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(cw_hex_decode(bad[i], &data, &len), -EINVAL);
        assert_null(data);
}

/* ---- facets ---- */

#define assert_check(f, value, expected, expected_reason)                                          \
        do {                                                                                       \
                const char *_reason = NULL;                                                        \
                int _r = cw_value_check((f), (value), &_reason);                                   \
                if (_r != (expected))                                                              \
                        fail_msg("\"%s\": %d (%s), expected %d", (value), _r,                      \
                                 _reason ? _reason : "-", (expected));                             \
                if ((expected_reason) != NULL)                                                     \
                        assert_string_equal(_reason, (const char *)(expected_reason));             \
        } while (0)

static void test_check_types(void **state)
{
        struct cw_facets f = {.type = CW_TYPE_INT};

        assert_check(&f, "-2147483648", 0, NULL);
        assert_check(&f, "2147483648", -ERANGE, "out of range");
        assert_check(&f, "1.5", -EINVAL, "not a valid integer");
        assert_check(&f, "", -EINVAL, NULL);
        f.type = CW_TYPE_UNSIGNED_INT;
        assert_check(&f, "4294967295", 0, NULL);
        assert_check(&f, "-1", -EINVAL, NULL);
        f.type = CW_TYPE_LONG;
        assert_check(&f, "-9223372036854775808", 0, NULL);
        assert_check(&f, "9223372036854775808", -ERANGE, NULL);
        f.type = CW_TYPE_UNSIGNED_LONG;
        assert_check(&f, "18446744073709551615", 0, NULL);
        assert_check(&f, "18446744073709551616", -ERANGE, NULL);
        f.type = CW_TYPE_BOOLEAN;
        assert_check(&f, "1", 0, NULL);
        assert_check(&f, "on", -EINVAL, "not a valid boolean");
        f.type = CW_TYPE_DATETIME;
        assert_check(&f, "0001-01-01T00:00:00Z", 0, NULL);
        assert_check(&f, "2024-02-30T00:00:00Z", -EINVAL, "not a valid dateTime");
        f.type = CW_TYPE_BASE64;
        assert_check(&f, "", 0, NULL);
        assert_check(&f, "Zg=", -EINVAL, "not valid base64");
        f.type = CW_TYPE_HEXBINARY;
        assert_check(&f, "", 0, NULL);
        assert_check(&f, "abc", -EINVAL, "not valid hexBinary");
        f.type = _CW_TYPE_MAX;
        assert_check(&f, "x", -EINVAL, NULL);

        f.type = CW_TYPE_STRING;
        assert_check(&f, NULL, -EINVAL, NULL);
        assert_int_equal(cw_value_check(&f, "ok", NULL), 0);
        assert_int_equal(cw_value_check(&f, "\x01", NULL), -EINVAL);
        assert_int_equal(cw_value_check(NULL, "x", NULL), -EINVAL);
}

static void test_check_strings(void **state)
{
        struct cw_facets f = {.type = CW_TYPE_STRING};

        assert_check(&f, "", 0, NULL);
        assert_check(&f, "tab\there\r\nnewline", 0, NULL);
        assert_check(&f, "\xc3\xa9t\xc3\xa9", 0, NULL); /* été */
        assert_check(&f, "\xf4\x8f\xbf\xbf", 0, NULL);  /* U+10FFFF */
        assert_check(&f, "\xef\xbf\xbd", 0, NULL);      /* U+FFFD */
        assert_check(&f, "\xee\x80\x80", 0, NULL);      /* U+E000 */
        assert_check(&f, "a\x01", -EINVAL, "character not allowed in XML");
        assert_check(&f, "\x1f", -EINVAL, "character not allowed in XML");
        assert_check(&f, "\xef\xbf\xbe", -EINVAL, "character not allowed in XML"); /* FFFE */
        assert_check(&f, "\xef\xbf\xbf", -EINVAL, "character not allowed in XML"); /* FFFF */
        assert_check(&f, "\xc3", -EINVAL, "invalid UTF-8");                        /* truncated */
        assert_check(&f, "\xc3(", -EINVAL, "invalid UTF-8");            /* bad continuation */
        assert_check(&f, "\xa9", -EINVAL, "invalid UTF-8");             /* lone continuation */
        assert_check(&f, "\xc0\xaf", -EINVAL, "invalid UTF-8");         /* overlong "/" */
        assert_check(&f, "\xe0\x80\xaf", -EINVAL, "invalid UTF-8");     /* overlong */
        assert_check(&f, "\xf0\x80\x80\xaf", -EINVAL, "invalid UTF-8"); /* overlong */
        assert_check(&f, "\xed\xa0\x80", -EINVAL, "invalid UTF-8");     /* surrogate */
        assert_check(&f, "\xf4\x90\x80\x80", -EINVAL, "invalid UTF-8"); /* > U+10FFFF */
        assert_check(&f, "\xf8\x88\x80\x80\x80", -EINVAL, "invalid UTF-8");
        assert_check(&f, "\xff", -EINVAL, "invalid UTF-8");

        /* sizes count characters, not bytes */
        f.max_size = 3;
        assert_check(&f, "\xc3\xa9t\xc3\xa9", 0, NULL);
        assert_check(&f, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0, NULL); /* 日本語 */
        assert_check(&f, "abcd", -ERANGE, "too long");
        assert_check(&f, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", -ERANGE, "too long");
        f.min_size = 2;
        assert_check(&f, "\xc3\xa9", -ERANGE, "too short");
        assert_check(&f, "\xc3\xa9\xc3\xa9", 0, NULL);
        assert_check(&f, "", -ERANGE, "too short");
        f.max_size = 0; /* unbounded */
        assert_check(&f, "a very long string indeed, longer than anything else here", 0, NULL);
}

static void test_check_binary_sizes(void **state)
{
        struct cw_facets f = {.type = CW_TYPE_BASE64, .min_size = 2, .max_size = 3};

        assert_check(&f, "Zm8=", 0, NULL); /* 2 bytes */
        assert_check(&f, "Zm9v", 0, NULL); /* 3 bytes */
        assert_check(&f, "Zg==", -ERANGE, "too short");
        assert_check(&f, "Zm9vYg==", -ERANGE, "too long");
        assert_check(&f, "", -ERANGE, "too short");

        f.type = CW_TYPE_HEXBINARY;
        assert_check(&f, "0011", 0, NULL);
        assert_check(&f, "001122", 0, NULL);
        assert_check(&f, "00", -ERANGE, "too short");
        assert_check(&f, "00112233", -ERANGE, "too long");
}

static void test_check_ranges(void **state)
{
        struct cw_range ranges[2];
        struct cw_facets f = {.type = CW_TYPE_UNSIGNED_INT, .ranges = ranges, .n_ranges = 2};

        ranges[0].min.u = 1, ranges[0].max.u = 10;
        ranges[1].min.u = 20, ranges[1].max.u = 30;
        assert_check(&f, "1", 0, NULL);
        assert_check(&f, "10", 0, NULL);
        assert_check(&f, "20", 0, NULL);
        assert_check(&f, "+030", 0, NULL);
        assert_check(&f, "0", -ERANGE, "out of range");
        assert_check(&f, "11", -ERANGE, "out of range");
        assert_check(&f, "19", -ERANGE, "out of range");
        assert_check(&f, "31", -ERANGE, "out of range");
        assert_check(&f, "x", -EINVAL, NULL);

        f.type = CW_TYPE_INT;
        ranges[0].min.s = -10, ranges[0].max.s = -1;
        ranges[1].min.s = 100, ranges[1].max.s = INT32_MAX;
        assert_check(&f, "-10", 0, NULL);
        assert_check(&f, "-1", 0, NULL);
        assert_check(&f, "0", -ERANGE, NULL);
        assert_check(&f, "-11", -ERANGE, NULL);
        assert_check(&f, "2147483647", 0, NULL);
        assert_check(&f, "99", -ERANGE, NULL);

        f.type = CW_TYPE_LONG;
        f.n_ranges = 1;
        ranges[0].min.s = INT64_MIN, ranges[0].max.s = -5000000000;
        assert_check(&f, "-9223372036854775808", 0, NULL);
        assert_check(&f, "-5000000000", 0, NULL);
        assert_check(&f, "-4999999999", -ERANGE, NULL);

        f.type = CW_TYPE_UNSIGNED_LONG;
        ranges[0].min.u = UINT64_C(10000000000), ranges[0].max.u = UINT64_MAX;
        assert_check(&f, "18446744073709551615", 0, NULL);
        assert_check(&f, "9999999999", -ERANGE, NULL);

        /* ranges do not apply to strings */
        f.type = CW_TYPE_STRING;
        assert_check(&f, "anything", 0, NULL);
}

static void test_check_enums(void **state)
{
        char *enums[] = {"Auto", "Manual", ""};
        struct cw_facets f = {.type = CW_TYPE_STRING, .enums = enums, .n_enums = 2};

        assert_check(&f, "Auto", 0, NULL);
        assert_check(&f, "Manual", 0, NULL);
        assert_check(&f, "auto", -ERANGE, "not an allowed value");
        assert_check(&f, "Auto ", -ERANGE, "not an allowed value");
        assert_check(&f, "", -ERANGE, "not an allowed value");
        f.n_enums = 3;
        assert_check(&f, "", 0, NULL);

        /* numbers compare in canonical form */
        char *numbers[] = {"7", "-1"};
        f = (struct cw_facets){.type = CW_TYPE_INT, .enums = numbers, .n_enums = 2};
        assert_check(&f, "7", 0, NULL);
        assert_check(&f, "+007", 0, NULL);
        assert_check(&f, "-01", 0, NULL);
        assert_check(&f, "8", -ERANGE, "not an allowed value");
}

static void test_check_patterns(void **state)
{
        /* TR-106 MACAddress */
        char *mac[] = {"", "([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])"};
        struct cw_facets f = {
                .type = CW_TYPE_STRING, .max_size = 17, .patterns = mac, .n_patterns = 2};

        assert_check(&f, "", 0, NULL);
        assert_check(&f, "00:11:22:aa:BB:ff", 0, NULL);
        assert_check(&f, "00:11:22:aa:BB", -ERANGE, "does not match pattern");
        assert_check(&f, "x00:11:22:aa:BB:ff", -ERANGE, NULL); /* no partial match */
        assert_check(&f, "00:11:22:aa:BB:ffx", -ERANGE, NULL);
        assert_check(&f, "00-11-22-aa-BB-ff", -ERANGE, NULL);

        /* TR-106 IPv4Address, entities expanded */
        char *ipv4[] = {"", "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
                            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"};
        f = (struct cw_facets){
                .type = CW_TYPE_STRING, .max_size = 15, .patterns = ipv4, .n_patterns = 2};
        assert_check(&f, "192.168.1.1", 0, NULL);
        assert_check(&f, "255.255.255.255", 0, NULL);
        assert_check(&f, "256.1.1.1", -ERANGE, NULL);
        assert_check(&f, "01.1.1.1", -ERANGE, NULL);
        assert_check(&f, "1.1.1", -ERANGE, NULL);

        /* whole-item matching follows POSIX leftmost-longest alternation */
        char *alt[] = {"a|ab"};
        f = (struct cw_facets){.type = CW_TYPE_STRING, .patterns = alt, .n_patterns = 1};
        assert_check(&f, "a", 0, NULL);
        assert_check(&f, "ab", 0, NULL);
        assert_check(&f, "abc", -ERANGE, NULL);
        /* a literal ")" keeps its meaning: "a)" or "b" */
        char *paren[] = {"a)|b"};
        f.patterns = paren;
        assert_check(&f, "a)", 0, NULL);
        assert_check(&f, "b", 0, NULL);
        assert_check(&f, "a", -ERANGE, NULL);
        /* any of several patterns */
        char *several[] = {"[0-9]+", "x+"};
        f.patterns = several;
        f.n_patterns = 2;
        assert_check(&f, "123", 0, NULL);
        assert_check(&f, "xx", 0, NULL);
        assert_check(&f, "12x", -ERANGE, NULL);
        /* patterns see canonical numbers */
        f.type = CW_TYPE_UNSIGNED_INT;
        char *digits[] = {"[1-9][0-9]?"};
        f.patterns = digits;
        f.n_patterns = 1;
        assert_check(&f, "042", 0, NULL);
        assert_check(&f, "100", -ERANGE, NULL);

        /* a pattern that does not compile */
        char *broken[] = {"(", "a"};
        f = (struct cw_facets){.type = CW_TYPE_STRING, .patterns = broken, .n_patterns = 2};
        assert_check(&f, "a", -EBADMSG, "invalid pattern");
        char *broken2[] = {"a{2,1}"};
        f.patterns = broken2;
        f.n_patterns = 1;
        assert_check(&f, "aa", -EBADMSG, "invalid pattern");
        /* reported whatever the value, so a broken schema shows at once */
        f.is_list = true;
        assert_check(&f, "", -EBADMSG, "invalid pattern");
        f.type = CW_TYPE_INT;
        assert_check(&f, "x", -EBADMSG, "invalid pattern");
}

static void test_check_lists(void **state)
{
        struct cw_range port = {.min.u = 1, .max.u = 65535};
        struct cw_facets f = {.type = CW_TYPE_UNSIGNED_INT,
                              .is_list = true,
                              .ranges = &port,
                              .n_ranges = 1,
                              .list_max_items = 8};

        assert_check(&f, "", 0, NULL); /* the empty list */
        assert_check(&f, "80", 0, NULL);
        assert_check(&f, "80,443,8080", 0, NULL);
        assert_check(&f, "80, 443,\t8080,  \r\n 22", 0, NULL);
        assert_check(&f, "80 ,443", -EINVAL, NULL);
        assert_check(&f, " 80", -EINVAL, NULL);
        assert_check(&f, "80,,443", -EINVAL, NULL);
        assert_check(&f, "80,", -EINVAL, NULL);
        assert_check(&f, ",80", -EINVAL, NULL);
        assert_check(&f, "80,0", -ERANGE, "out of range");
        assert_check(&f, "80,65536", -ERANGE, "out of range");
        assert_check(&f, "1,2,3,4,5,6,7,8", 0, NULL);
        assert_check(&f, "1,2,3,4,5,6,7,8,9", -ERANGE, "too many items");
        f.list_min_items = 2;
        assert_check(&f, "", -ERANGE, "too few items");
        assert_check(&f, "1", -ERANGE, "too few items");
        assert_check(&f, "1,2", 0, NULL);

        /* list of strings: per-item size and enumeration, whole-list length */
        char *modes[] = {"Auto", "Manual", "Off"};
        f = (struct cw_facets){.type = CW_TYPE_STRING,
                               .is_list = true,
                               .enums = modes,
                               .n_enums = 3,
                               .list_max_len = 11};
        assert_check(&f, "Auto,Manual", 0, NULL);
        assert_check(&f, "Auto, Manual", 0, NULL); /* length counted without the space */
        assert_check(&f, "Auto,Manual,Off", -ERANGE, "list too long");
        assert_check(&f, "Auto,Other", -ERANGE, "not an allowed value");
        assert_check(&f, "Auto,", -ERANGE, "not an allowed value"); /* "" is an item */

        f = (struct cw_facets){.type = CW_TYPE_STRING, .is_list = true, .max_size = 2};
        assert_check(&f, "ab,cd", 0, NULL);
        assert_check(&f, "ab,cde", -ERANGE, "too long");
        assert_check(&f, "a,,b", 0, NULL);
        assert_check(&f, "\xc3\xa9\xc3\xa9,x", 0, NULL);
        assert_check(&f, "ok,\xc3", -EINVAL, "invalid UTF-8");
        f.min_size = 1;
        assert_check(&f, "a,,b", -ERANGE, "too short");
        f.list_max_len = 3;
        assert_check(&f, "\xc3\xa9,x", 0, NULL); /* characters, not bytes */
        assert_check(&f, "ab,c", -ERANGE, "list too long");

        /* list of booleans and of dateTimes */
        f = (struct cw_facets){.type = CW_TYPE_BOOLEAN, .is_list = true};
        assert_check(&f, "1,false, true,0", 0, NULL);
        assert_check(&f, "1,yes", -EINVAL, NULL);
        f.type = CW_TYPE_DATETIME;
        assert_check(&f, "2024-01-01T00:00:00Z, 0001-01-01T00:00:00Z", 0, NULL);
        assert_check(&f, "2024-01-01T00:00:00Z,2024", -EINVAL, NULL);
}

static void check_facets_normalize(const struct cw_facets *f, const char *in, const char *expected)
{
        char *out = NULL;
        assert_int_equal(cw_facets_normalize(f, in, &out, NULL), 0);
        assert_string_equal(out, expected);
        /* the canonical form is itself valid, and its own canonical form */
        assert_int_equal(cw_value_check(f, out, NULL), 0);
        char *again = NULL;
        assert_int_equal(cw_facets_normalize(f, out, &again, NULL), 0);
        assert_string_equal(again, out);
        free(again);
        free(out);
}

static void test_facets_normalize(void **state)
{
        struct cw_facets f = {.type = CW_TYPE_INT, .is_list = true};
        const char *reason = NULL;
        char *out = NULL;

        check_facets_normalize(&f, "1, +2,  007,-0", "1,2,7,0");
        check_facets_normalize(&f, "", "");
        f.type = CW_TYPE_BOOLEAN;
        check_facets_normalize(&f, "1, 0,true", "true,false,true");
        f.type = CW_TYPE_STRING;
        check_facets_normalize(&f, "a, b c ,\td", "a,b c ,d");
        check_facets_normalize(&f, ",", ",");
        f.is_list = false;
        check_facets_normalize(&f, "a, b", "a, b");
        check_facets_normalize(&f, "", "");
        f.type = CW_TYPE_UNSIGNED_LONG;
        check_facets_normalize(&f, "+0018446744073709551615", "18446744073709551615");

        f.max_size = 0;
        f.type = CW_TYPE_INT;
        f.is_list = true;
        f.list_max_items = 1;
        assert_int_equal(cw_facets_normalize(&f, "1,2", &out, &reason), -ERANGE);
        assert_string_equal(reason, "too many items");
        assert_int_equal(cw_facets_normalize(&f, "x", &out, &reason), -EINVAL);
        assert_null(out);
}

static void test_facets_copy(void **state)
{
        struct cw_facets from = {.type = CW_TYPE_UNSIGNED_INT,
                                 .is_list = true,
                                 .min_size = 1,
                                 .max_size = 5,
                                 .list_max_len = 100,
                                 .list_min_items = 1,
                                 .list_max_items = 4};
        struct cw_facets to;

        from.ranges = calloc(2, sizeof(struct cw_range));
        assert_non_null(from.ranges);
        from.n_ranges = 2;
        from.ranges[0].min.u = 1, from.ranges[0].max.u = 9;
        from.ranges[1].min.u = 100, from.ranges[1].max.u = 200;
        from.enums = calloc(2, sizeof(char *));
        from.enums[0] = strdup("5");
        from.enums[1] = strdup("150");
        from.n_enums = 2;
        from.patterns = calloc(1, sizeof(char *));
        from.patterns[0] = strdup("[0-9]+");
        from.n_patterns = 1;

        assert_int_equal(cw_facets_copy(&from, &to), 0);
        assert_int_equal(to.type, CW_TYPE_UNSIGNED_INT);
        assert_true(to.is_list);
        assert_int_equal(to.max_size, 5);
        assert_int_equal(to.list_max_len, 100);
        assert_int_equal(to.list_min_items, 1);
        assert_int_equal(to.list_max_items, 4);
        assert_int_equal(to.n_ranges, 2);
        assert_ptr_not_equal(to.ranges, from.ranges);
        assert_true(to.ranges[1].max.u == 200);
        assert_int_equal(to.n_enums, 2);
        assert_ptr_not_equal(to.enums, from.enums);
        assert_ptr_not_equal(to.enums[1], from.enums[1]);
        assert_string_equal(to.enums[1], "150");
        assert_int_equal(to.n_patterns, 1);
        assert_ptr_not_equal(to.patterns[0], from.patterns[0]);
        assert_string_equal(to.patterns[0], "[0-9]+");

        /* the copy stands alone once the original is gone */
        cw_facets_done(&from);
        assert_null(from.ranges);
        assert_int_equal(from.n_enums, 0);
        assert_check(&to, "5, 150", 0, NULL);
        assert_check(&to, "5,6", -ERANGE, "not an allowed value");
        assert_check(&to, "50", -ERANGE, "out of range");
        cw_facets_done(&to);
        assert_null(to.enums);
        assert_null(to.patterns);
        cw_facets_done(&to); /* twice is harmless */

        /* facets without arrays */
        struct cw_facets plain = {.type = CW_TYPE_STRING, .max_size = 64};
        assert_int_equal(cw_facets_copy(&plain, &to), 0);
        assert_int_equal(to.max_size, 64);
        assert_null(to.ranges);
        assert_null(to.enums);
        assert_null(to.patterns);
        cw_facets_done(&to);
        cw_facets_done(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_type_names),
                cmocka_unit_test(test_int32),
                cmocka_unit_test(test_uint32),
                cmocka_unit_test(test_int64),
                cmocka_unit_test(test_uint64),
                cmocka_unit_test(test_bool),
                cmocka_unit_test(test_normalize),
                cmocka_unit_test(test_datetime_absolute),
                cmocka_unit_test(test_datetime_leap),
                cmocka_unit_test(test_datetime_relative_unknown),
                cmocka_unit_test(test_datetime_invalid),
                cmocka_unit_test(test_datetime_format),
                cmocka_unit_test(test_base64),
                cmocka_unit_test(test_hex),
                cmocka_unit_test(test_check_types),
                cmocka_unit_test(test_check_strings),
                cmocka_unit_test(test_check_binary_sizes),
                cmocka_unit_test(test_check_ranges),
                cmocka_unit_test(test_check_enums),
                cmocka_unit_test(test_check_patterns),
                cmocka_unit_test(test_check_lists),
                cmocka_unit_test(test_facets_normalize),
                cmocka_unit_test(test_facets_copy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
