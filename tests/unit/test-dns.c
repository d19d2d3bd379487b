/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns.h"
#include "nslookup.h"

/* www.example.com A, id 0x1234, RD */
static const uint8_t example_query[] = {
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',
        'l',  'e',  3,    'c',  'o',  'm',  0,    0x00, 0x01, 0x00, 0x01,
};

static void test_build_query_wire_format(void **state)
{
        uint8_t buf[512];

        assert_int_equal(dns_build_query(0x1234, "www.example.com", DNS_TYPE_A, buf, sizeof(buf)),
                         sizeof(example_query));
        assert_memory_equal(buf, example_query, sizeof(example_query));
        /* a final dot changes nothing */
        assert_int_equal(dns_build_query(0x1234, "www.example.com.", DNS_TYPE_A, buf, sizeof(buf)),
                         sizeof(example_query));
        assert_memory_equal(buf, example_query, sizeof(example_query));
        /* AAAA: type 28 */
        assert_int_equal(dns_build_query(7, "a.b", DNS_TYPE_AAAA, buf, sizeof(buf)), 12 + 5 + 4);
        assert_int_equal(buf[12 + 5 + 1], 28);
}

static void test_build_query_refuses_bad_names(void **state)
{
        char long_label[80], long_name[300];
        uint8_t buf[512];

        memset(long_label, 'a', 64);
        long_label[64] = '\0';
        memset(long_name, 'a', sizeof(long_name) - 1);
        for (size_t i = 10; i < sizeof(long_name) - 1; i += 10)
                long_name[i] = '.';
        long_name[sizeof(long_name) - 1] = '\0';
        assert_int_equal(dns_build_query(1, "", DNS_TYPE_A, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(dns_build_query(1, ".", DNS_TYPE_A, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(dns_build_query(1, "a..b", DNS_TYPE_A, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(dns_build_query(1, ".a", DNS_TYPE_A, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(dns_build_query(1, long_label, DNS_TYPE_A, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(dns_build_query(1, long_name, DNS_TYPE_A, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(dns_build_query(1, "www.example.com", DNS_TYPE_A, buf, 20), -ENOBUFS);
}

/* The answer to example_query: a CNAME to host.example.com (compressed), then two A
 * records of it, authoritative. */
static size_t make_answer(uint8_t *buf, uint16_t id, uint16_t flags)
{
        size_t n = 0;

        memcpy(buf, example_query, sizeof(example_query));
        buf[0] = (uint8_t)(id >> 8);
        buf[1] = (uint8_t)id;
        buf[2] = (uint8_t)(flags >> 8);
        buf[3] = (uint8_t)flags;
        buf[7] = 3; /* ANCOUNT */
        n = sizeof(example_query);
        /* www.example.com CNAME host.example.com: owner a pointer to offset 12 */
        const uint8_t cname[] = {0xc0, 12, 0, 5,   0,   1,   0,   0,    0, 60,
                                 0,    7,  4, 'h', 'o', 's', 't', 0xc0, 16};
        memcpy(buf + n, cname, sizeof(cname));
        size_t host = n + 12; /* where "host.example.com" starts */
        n += sizeof(cname);
        for (int i = 0; i < 2; i++) {
                const uint8_t a[] = {0xc0, (uint8_t)host,    0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0,
                                     2,    (uint8_t)(10 + i)};
                memcpy(buf + n, a, sizeof(a));
                n += sizeof(a);
        }
        return n;
}

static void test_parse_answer_with_compression(void **state)
{
        struct dns_answer a;
        uint8_t buf[512];
        size_t n = make_answer(buf, 0x1234, 0x8580); /* QR AA RD RA */

        assert_int_equal(dns_parse_response(buf, n, 0x1234, DNS_TYPE_A, &a), 0);
        assert_int_equal(a.rcode, DNS_RCODE_NOERROR);
        assert_true(a.authoritative);
        assert_false(a.truncated);
        assert_int_equal(a.n_addresses, 2);
        assert_string_equal(a.addresses[0], "192.0.2.10");
        assert_string_equal(a.addresses[1], "192.0.2.11");
        assert_string_equal(a.name, "host.example.com");
}

static void test_parse_checks_id_and_question(void **state)
{
        struct dns_answer a;
        uint8_t buf[512];
        size_t n = make_answer(buf, 0x1234, 0x8180);

        /* another transaction, a query instead of a response, another question type */
        assert_int_equal(dns_parse_response(buf, n, 0x1235, DNS_TYPE_A, &a), -ESRCH);
        assert_int_equal(dns_parse_response(buf, n, 0x1234, DNS_TYPE_AAAA, &a), -ESRCH);
        n = make_answer(buf, 0x1234, 0x0100);
        assert_int_equal(dns_parse_response(buf, n, 0x1234, DNS_TYPE_A, &a), -ESRCH);
        n = make_answer(buf, 0x1234, 0x8180);
        assert_int_equal(dns_parse_response(buf, n, 0x1234, DNS_TYPE_A, &a), 0);
        assert_false(a.authoritative);
}

static void test_parse_nxdomain(void **state)
{
        struct dns_answer a;
        uint8_t buf[512];

        memcpy(buf, example_query, sizeof(example_query));
        buf[2] = 0x81;
        buf[3] = 0x83; /* NXDOMAIN */
        assert_int_equal(dns_parse_response(buf, sizeof(example_query), 0x1234, DNS_TYPE_A, &a), 0);
        assert_int_equal(a.rcode, DNS_RCODE_NXDOMAIN);
        assert_int_equal(a.n_addresses, 0);
        assert_string_equal(a.name, "");
}

static void test_parse_rejects_malformed(void **state)
{
        struct dns_answer a;
        uint8_t buf[512];
        size_t n = make_answer(buf, 0x1234, 0x8180);

        /* every truncation of a valid answer is refused, none is read past its end */
        for (size_t len = 0; len < n; len++)
                assert_int_equal(dns_parse_response(buf, len, 0x1234, DNS_TYPE_A, &a), -EBADMSG);
        /* a compression pointer to itself: a loop */
        n = make_answer(buf, 0x1234, 0x8180);
        buf[sizeof(example_query)] = 0xc0;
        buf[sizeof(example_query) + 1] = (uint8_t)sizeof(example_query);
        assert_int_equal(dns_parse_response(buf, n, 0x1234, DNS_TYPE_A, &a), -EBADMSG);
        /* a pointer beyond the message */
        n = make_answer(buf, 0x1234, 0x8180);
        buf[sizeof(example_query) + 1] = 0xff;
        assert_int_equal(dns_parse_response(buf, n, 0x1234, DNS_TYPE_A, &a), -EBADMSG);
        /* an A record of 5 bytes */
        n = make_answer(buf, 0x1234, 0x8180);
        buf[n - 5] = 5;
        assert_int_equal(dns_parse_response(buf, n, 0x1234, DNS_TYPE_A, &a), -EBADMSG);
}

static void test_parse_aaaa(void **state)
{
        uint8_t q[512], buf[512];
        struct dns_answer a;
        int n = dns_build_query(9, "v6.test", DNS_TYPE_AAAA, q, sizeof(q));
        const uint8_t rr[] = {0xc0, 12,   0, 28, 0, 1, 0, 0, 0, 1, 0, 16, 0x20, 0x01,
                              0x0d, 0xb8, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,  0,    1};

        assert_true(n > 0);
        memcpy(buf, q, (size_t)n);
        buf[2] = 0x81;
        buf[3] = 0x80;
        buf[7] = 1;
        memcpy(buf + n, rr, sizeof(rr));
        assert_int_equal(dns_parse_response(buf, (size_t)n + sizeof(rr), 9, DNS_TYPE_AAAA, &a), 0);
        assert_int_equal(a.n_addresses, 1);
        assert_string_equal(a.addresses[0], "2001:db8::1");
        assert_string_equal(a.name, "v6.test");
}

static void test_first_nameserver(void **state)
{
        char path[] = "/tmp/test-dns-resolv-XXXXXX", server[64];
        int fd = mkstemp(path);
        FILE *f;

        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        assert_non_null(f);
        fputs("# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n", f);
        fclose(f);
        assert_int_equal(nslookup_first_nameserver(path, server, sizeof(server)), 0);
        assert_string_equal(server, "192.0.2.53");
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("search example.com\n", f);
        fclose(f);
        assert_int_equal(nslookup_first_nameserver(path, server, sizeof(server)), -ENOENT);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build_query_wire_format),
                cmocka_unit_test(test_build_query_refuses_bad_names),
                cmocka_unit_test(test_parse_answer_with_compression),
                cmocka_unit_test(test_parse_checks_id_and_question),
                cmocka_unit_test(test_parse_nxdomain),
                cmocka_unit_test(test_parse_rejects_malformed),
                cmocka_unit_test(test_parse_aaaa),
                cmocka_unit_test(test_first_nameserver),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
