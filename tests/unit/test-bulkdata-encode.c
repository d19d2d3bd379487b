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

#include "bulkdata-encode.h"
#include "util.h"

/* 2013-03-29T03:52:29Z and a second later, in ms */
#define T1 1364529149000LL
#define T2 1364529150000LL

static const struct bulkdata_value moca[] = {
        {"Device.MoCA.Interface.1.Stats.BroadPktSent", "unsignedLong", "25248"},
        {"Device.MoCA.Interface.1.Stats.BytesReceived", "unsignedLong", "200"},
        {"Device.MoCA.Interface.2.Status", "string", "Up"},
        {"Device.MoCA.Interface.2.Enable", "boolean", "1"},
        {"Device.MoCA.Interface.2.Offset", "int", "-7"},
};

static const struct bulkdata_value awkward[] = {
        {"Device.X.Quote", "string", "say \"hi\", then\\go"},
        {"Device.X.Lines", "string", "a\r\nb\tc\x01"},
        {"Device.X.NotANumber", "unsignedInt", "12abc"},
};

static char *json(const struct bulkdata_report *r, size_t n, enum bulkdata_json_format f,
                  enum bulkdata_timestamp t)
{
        struct buf b = {};
        assert_int_equal(bulkdata_encode_json(r, n, f, t, &b), 0);
        return buf_steal(&b);
}

static char *csv(const struct bulkdata_report *r, size_t n, const struct bulkdata_csv_options *o)
{
        struct buf b = {};
        assert_int_equal(bulkdata_encode_csv(r, n, o, &b), 0);
        return buf_steal(&b);
}

static void test_json_name_value_pair(void **state)
{
        const struct bulkdata_report r = {T1, moca, ELEMENTSOF(moca)};
        _cleanup_free_ char *s =
                json(&r, 1, BULKDATA_JSON_NAME_VALUE_PAIR, BULKDATA_TIMESTAMP_UNIX_EPOCH);
        assert_string_equal(s, "{\"Report\":[{\"CollectionTime\":1364529149000,"
                               "\"Device.MoCA.Interface.1.Stats.BroadPktSent\":25248,"
                               "\"Device.MoCA.Interface.1.Stats.BytesReceived\":200,"
                               "\"Device.MoCA.Interface.2.Status\":\"Up\","
                               "\"Device.MoCA.Interface.2.Enable\":true,"
                               "\"Device.MoCA.Interface.2.Offset\":-7}]}");
}

static void test_json_object_hierarchy(void **state)
{
        const struct bulkdata_report r = {T1, moca, ELEMENTSOF(moca)};
        _cleanup_free_ char *s =
                json(&r, 1, BULKDATA_JSON_OBJECT_HIERARCHY, BULKDATA_TIMESTAMP_ISO_8601);
        assert_string_equal(s, "{\"Report\":[{\"CollectionTime\":\"2013-03-29T03:52:29Z\","
                               "\"Device\":{\"MoCA\":{\"Interface\":{"
                               "\"1\":{\"Stats\":{\"BroadPktSent\":25248,\"BytesReceived\":200}},"
                               "\"2\":{\"Status\":\"Up\",\"Enable\":true,\"Offset\":-7}}}}}]}");
}

/* Names out of tree order still merge into one object per path. */
static void test_json_object_hierarchy_merges(void **state)
{
        const struct bulkdata_value v[] = {
                {"Device.A.X", "string", "1"},
                {"Device.B.Y", "string", "2"},
                {"Device.A.Z", "string", "3"},
        };
        const struct bulkdata_report r = {T1, v, ELEMENTSOF(v)};
        _cleanup_free_ char *s =
                json(&r, 1, BULKDATA_JSON_OBJECT_HIERARCHY, BULKDATA_TIMESTAMP_NONE);
        assert_string_equal(s, "{\"Report\":[{\"Device\":{\"A\":{\"X\":\"1\",\"Z\":\"3\"},\"B\":{"
                               "\"Y\":\"2\"}}}]}");
}

static void test_json_escaping_and_retained(void **state)
{
        const struct bulkdata_report r[] = {
                {T1, awkward, ELEMENTSOF(awkward)},
                {T2, moca, 1},
        };
        _cleanup_free_ char *s = json(r, 2, BULKDATA_JSON_NAME_VALUE_PAIR, BULKDATA_TIMESTAMP_NONE);
        assert_string_equal(s, "{\"Report\":[{\"Device.X.Quote\":\"say \\\"hi\\\", then\\\\go\","
                               "\"Device.X.Lines\":\"a\\r\\nb\\tc\\u0001\","
                               "\"Device.X.NotANumber\":\"12abc\"},"
                               "{\"Device.MoCA.Interface.1.Stats.BroadPktSent\":25248}]}");
}

static void test_json_empty(void **state)
{
        _cleanup_free_ char *s =
                json(NULL, 0, BULKDATA_JSON_NAME_VALUE_PAIR, BULKDATA_TIMESTAMP_UNIX_EPOCH);
        assert_string_equal(s, "{\"Report\":[]}");
}

static void test_csv_per_row(void **state)
{
        const struct bulkdata_report r[] = {{T1, moca, 2}, {T2, moca + 2, 1}};
        const struct bulkdata_csv_options o = {",", "\r\n", "\"", BULKDATA_CSV_PARAMETER_PER_ROW,
                                               BULKDATA_TIMESTAMP_UNIX_EPOCH};
        _cleanup_free_ char *s = csv(r, 2, &o);
        assert_string_equal(s, "ReportTimestamp,ParameterName,ParameterValue,ParameterType\r\n"
                               "1364529149000,Device.MoCA.Interface.1.Stats.BroadPktSent,25248,"
                               "unsignedLong\r\n"
                               "1364529149000,Device.MoCA.Interface.1.Stats.BytesReceived,200,"
                               "unsignedLong\r\n"
                               "1364529150000,Device.MoCA.Interface.2.Status,Up,string\r\n");
}

static void test_csv_per_column(void **state)
{
        const struct bulkdata_report r[] = {{T1, moca, 2}, {T2, moca + 1, 2}};
        const struct bulkdata_csv_options o = {",", "\n", "\"", BULKDATA_CSV_PARAMETER_PER_COLUMN,
                                               BULKDATA_TIMESTAMP_ISO_8601};
        _cleanup_free_ char *s = csv(r, 2, &o);
        /* a column for every name of every report; a report without it leaves it empty */
        assert_string_equal(s, "ReportTimestamp,Device.MoCA.Interface.1.Stats.BroadPktSent,"
                               "Device.MoCA.Interface.1.Stats.BytesReceived,"
                               "Device.MoCA.Interface.2.Status\n"
                               "2013-03-29T03:52:29Z,25248,200,\n"
                               "2013-03-29T03:52:30Z,,200,Up\n");
}

static void test_csv_escaping(void **state)
{
        const struct bulkdata_report r = {T1, awkward, 2};
        struct bulkdata_csv_options o = {",", "\r\n", "\"", BULKDATA_CSV_PARAMETER_PER_ROW,
                                         BULKDATA_TIMESTAMP_NONE};
        _cleanup_free_ char *s = csv(&r, 1, &o);
        assert_string_equal(s, "ParameterName,ParameterValue,ParameterType\r\n"
                               "Device.X.Quote,\"say \"\"hi\"\", then\\go\",string\r\n"
                               "Device.X.Lines,\"a\r\nb\tc\x01\",string\r\n");

        /* other separators: the field separator alone makes a field quoted */
        const struct bulkdata_value v[] = {{"Device.X.A", "string", "x;y"},
                                           {"Device.X.B", "string", "x,y"}};
        const struct bulkdata_report r2 = {T1, v, 2};
        o = (struct bulkdata_csv_options){";", "|", "'", BULKDATA_CSV_PARAMETER_PER_COLUMN,
                                          BULKDATA_TIMESTAMP_NONE};
        _cleanup_free_ char *s2 = csv(&r2, 1, &o);
        assert_string_equal(s2, "Device.X.A;Device.X.B|'x;y';x,y|");

        /* no escape character: fields go as they are */
        o.escape = "";
        _cleanup_free_ char *s3 = csv(&r2, 1, &o);
        assert_string_equal(s3, "Device.X.A;Device.X.B|x;y;x,y|");
}

static void test_csv_defaults(void **state)
{
        const struct bulkdata_report r = {T1, moca + 2, 1};
        const struct bulkdata_csv_options o = {.format = BULKDATA_CSV_PARAMETER_PER_COLUMN};
        _cleanup_free_ char *s = csv(&r, 1, &o);
        assert_string_equal(s, "ReportTimestamp,Device.MoCA.Interface.2.Status\r\n"
                               "1364529149000,Up\r\n");
}

static void test_separator_decode(void **state)
{
        char *s;

        assert_int_equal(bulkdata_csv_separator_decode("&#13;&#10;", &s), 0);
        assert_string_equal(s, "\r\n");
        free(s);
        assert_int_equal(bulkdata_csv_separator_decode("&#x7C;", &s), 0);
        assert_string_equal(s, "|");
        free(s);
        assert_int_equal(bulkdata_csv_separator_decode(";", &s), 0);
        assert_string_equal(s, ";");
        free(s);
        assert_int_equal(bulkdata_csv_separator_decode("&#;&amp;", &s), 0);
        assert_string_equal(s, "&#;&amp;");
        free(s);
        assert_int_equal(bulkdata_csv_separator_decode("", &s), 0);
        assert_string_equal(s, "");
        free(s);
}

static void test_enumerations(void **state)
{
        enum bulkdata_timestamp t;
        enum bulkdata_json_format j;
        enum bulkdata_csv_format c;

        assert_int_equal(bulkdata_timestamp_from_string("ISO-8601", &t), 0);
        assert_int_equal(t, BULKDATA_TIMESTAMP_ISO_8601);
        assert_int_equal(bulkdata_timestamp_from_string("iso-8601", &t), -EINVAL);
        assert_int_equal(bulkdata_json_format_from_string("NameValuePair", &j), 0);
        assert_int_equal(j, BULKDATA_JSON_NAME_VALUE_PAIR);
        assert_int_equal(bulkdata_csv_format_from_string("ParameterPerRow", &c), 0);
        assert_int_equal(c, BULKDATA_CSV_PARAMETER_PER_ROW);
        assert_int_equal(bulkdata_csv_format_from_string(NULL, &c), -EINVAL);
        assert_string_equal(bulkdata_csv_format_to_string(BULKDATA_CSV_PARAMETER_PER_COLUMN),
                            "ParameterPerColumn");
        assert_string_equal(bulkdata_json_format_to_string(BULKDATA_JSON_OBJECT_HIERARCHY),
                            "ObjectHierarchy");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_json_name_value_pair),
                cmocka_unit_test(test_json_object_hierarchy),
                cmocka_unit_test(test_json_object_hierarchy_merges),
                cmocka_unit_test(test_json_escaping_and_retained),
                cmocka_unit_test(test_json_empty),
                cmocka_unit_test(test_csv_per_row),
                cmocka_unit_test(test_csv_per_column),
                cmocka_unit_test(test_csv_escaping),
                cmocka_unit_test(test_csv_defaults),
                cmocka_unit_test(test_separator_decode),
                cmocka_unit_test(test_enumerations),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
