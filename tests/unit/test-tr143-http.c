/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tr143-http.h"

static void test_url_forms(void **state)
{
        struct tr143_url u;

        assert_int_equal(tr143_parse_url("http://example.com/file.bin", &u), 0);
        assert_string_equal(u.host, "example.com");
        assert_string_equal(u.port, "80");
        assert_string_equal(u.authority, "example.com");
        assert_string_equal(u.path, "/file.bin");

        assert_int_equal(tr143_parse_url("HTTP://10.0.0.1:8080", &u), 0);
        assert_string_equal(u.host, "10.0.0.1");
        assert_string_equal(u.port, "8080");
        assert_string_equal(u.authority, "10.0.0.1:8080");
        assert_string_equal(u.path, "/");

        assert_int_equal(tr143_parse_url("http://[2001:db8::1]:81/a?size=10&x=y", &u), 0);
        assert_string_equal(u.host, "2001:db8::1");
        assert_string_equal(u.port, "81");
        assert_string_equal(u.authority, "[2001:db8::1]:81");
        assert_string_equal(u.path, "/a?size=10&x=y");

        assert_int_equal(tr143_parse_url("http://h?q=1", &u), 0);
        assert_string_equal(u.path, "/?q=1");
}

static void test_url_refused(void **state)
{
        static const char *const bad[] = {
                "",
                "example.com/x",
                "http://",
                "http:///x",
                "http://h:0/",
                "http://h:65536/",
                "http://h:8a/",
                "http://h:/x",
                "http://[]/",
                "http://[::1/",
                "http://u:p@h/x",
                "http://h/a b",
                "http://h/#f",
                "http://[::1]x/",
        };
        struct tr143_url u;
        char longer[TR143_URL_MAX + 8];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(tr143_parse_url(bad[i], &u), -EINVAL);
        /* DownloadTransports is HTTP only */
        assert_int_equal(tr143_parse_url("ftp://h/file", &u), -EPROTONOSUPPORT);
        assert_int_equal(tr143_parse_url("https://h/file", &u), -EPROTONOSUPPORT);
        memset(longer, 'a', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = '\0';
        memcpy(longer, "http://h/", 9);
        assert_int_equal(tr143_parse_url(longer, &u), -EINVAL);
}

static void test_head(void **state)
{
        static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: x\r\ncontent-length:  1234 \r\n"
                                 "\r\nBODY";
        static const char chunked[] = "HTTP/1.0 201 Created\r\nTransfer-Encoding: gzip, Chunked\r\n"
                                      "\r\n";
        struct tr143_head h;
        ssize_t end;

        assert_int_equal(tr143_head_end(ok, 20), 0);
        end = tr143_head_end(ok, strlen(ok));
        assert_int_equal(end, strlen(ok) - 4);
        assert_int_equal(tr143_parse_head(ok, (size_t)end, &h), 0);
        assert_int_equal(h.status, 200);
        assert_true(h.has_length);
        assert_int_equal(h.content_length, 1234);
        assert_false(h.chunked);

        end = tr143_head_end(chunked, strlen(chunked));
        assert_int_equal(tr143_parse_head(chunked, (size_t)end, &h), 0);
        assert_int_equal(h.status, 201);
        assert_true(h.chunked);
        assert_false(h.has_length);

        assert_int_equal(tr143_parse_head("HTTP/1.1 404\r\n\r\n", 17, &h), 0);
        assert_int_equal(h.status, 404);
        assert_int_equal(tr143_parse_head("ICY 200 OK\r\n\r\n", 14, &h), -EBADMSG);
        assert_int_equal(tr143_parse_head("HTTP/1.1 20 OK\r\n\r\n", 18, &h), -EBADMSG);
        static const char two[] =
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
        assert_int_equal(tr143_parse_head(two, strlen(two), &h), -EBADMSG);
        static const char neg[] = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n";
        assert_int_equal(tr143_parse_head(neg, strlen(neg), &h), -EBADMSG);
}

static void test_head_too_long(void **state)
{
        static char big[TR143_HEAD_MAX + 10];

        memset(big, 'a', sizeof(big));
        assert_int_equal(tr143_head_end(big, sizeof(big)), -EBADMSG);
        assert_int_equal(tr143_head_end(big, TR143_HEAD_MAX - 1), 0);
}

/* Fed at once or byte by byte, the body ends at the same place. */
static void check_chunked(const char *text, size_t body_end)
{
        struct tr143_chunked c = {};
        bool done = false;
        ssize_t n;

        n = tr143_chunked_feed(&c, (const uint8_t *)text, strlen(text), &done);
        assert_int_equal(n, body_end);
        assert_true(done);

        memset(&c, 0, sizeof(c));
        done = false;
        for (size_t i = 0; i < body_end; i++) {
                assert_false(done);
                n = tr143_chunked_feed(&c, (const uint8_t *)text + i, 1, &done);
                assert_int_equal(n, 1);
        }
        assert_true(done);
}

static void test_chunked(void **state)
{
        static const char simple[] = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\nNEXT";
        static const char trailer[] = "A\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n";
        struct tr143_chunked c = {};
        bool done;

        check_chunked(simple, strlen(simple) - 4);
        check_chunked(trailer, strlen(trailer));

        assert_int_equal(tr143_chunked_feed(&c, (const uint8_t *)"zz\r\n", 4, &done), -EBADMSG);
        memset(&c, 0, sizeof(c));
        assert_int_equal(tr143_chunked_feed(&c, (const uint8_t *)"2\r\nabX", 6, &done), -EBADMSG);
        memset(&c, 0, sizeof(c));
        assert_int_equal(
                tr143_chunked_feed(&c, (const uint8_t *)"1234567890abcdef0\r\n", 19, &done),
                -EBADMSG);
        /* an unfinished body is not done */
        memset(&c, 0, sizeof(c));
        assert_int_equal(tr143_chunked_feed(&c, (const uint8_t *)"8\r\nabc", 6, &done), 6);
        assert_false(done);
}

static void test_format_time(void **state)
{
        char buf[40];

        tr143_format_time(1207753265123456ULL, buf, sizeof(buf));
        assert_string_equal(buf, "2008-04-09T15:01:05.123456Z");
        tr143_format_time(1207753265000000ULL, buf, sizeof(buf));
        assert_string_equal(buf, "2008-04-09T15:01:05.000000Z");
        tr143_format_time(0, buf, sizeof(buf));
        assert_string_equal(buf, "0001-01-01T00:00:00Z");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_url_forms), cmocka_unit_test(test_url_refused),
                cmocka_unit_test(test_head),      cmocka_unit_test(test_head_too_long),
                cmocka_unit_test(test_chunked),   cmocka_unit_test(test_format_time),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
