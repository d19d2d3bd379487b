/* SPDX-License-Identifier: MIT */
/* Host names from a dnsmasq lease file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake-tree.h"
#include "hosts-leases.h"
#include "util.h"

#define NOW 1800000000

static const uint8_t laptop[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t phone[6] = {0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x01};
static const uint8_t tv[6] = {0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x02};
static const uint8_t printer[6] = {0xaa, 0xbb, 0xcc, 0x00, 0x00, 0x03};
static const uint8_t nobody[6] = {0x02, 0, 0, 0, 0, 0x09};

static void assert_name(const char *file, const uint8_t *mac, const char *expected)
{
        _cleanup_free_ char *v = NULL;
        assert_int_equal(hosts_lease_hostname(file, mac, 6, NOW, &v), 0);
        assert_string_equal(v, expected);
}

static void test_lease_file(void **state)
{
        (void)state;
        char root[64], file[128];
        fake_tree_make_root(root, sizeof(root), "test-hosts-leases");
        snprintf(file, sizeof(file), "%s/dnsmasq.leases", root);

        /* No dnsmasq on the box: every name is unknown. */
        assert_name(file, laptop, "");

        fake_tree_write_text(
                root, "dnsmasq.leases",
                /* current lease, upper-case MAC as some builds write it */
                "1800003600 52:54:00:12:34:56 192.168.1.10 laptop 01:52:54:00:12:34:56\n"
                /* the client sent no name */
                "1800003600 aa:bb:cc:00:00:01 192.168.1.11 * *\n"
                /* expired, then renewed under a new name */
                "1799999999 aa:bb:cc:00:00:02 192.168.1.12 old-tv *\n"
                "1800000600 aa:bb:cc:00:00:02 192.168.1.13 living-room-tv *\n"
                /* infinite lease */
                "0 AA:BB:CC:00:00:03 192.168.1.14 printer.lan *\n"
                /* a name no SOAP document should carry */
                "1800003600 02:00:00:00:00:09 192.168.1.15 <evil> *\n"
                "duid 00:01:00:01:2c:5f:aa:bb:52:54:00:12:34:56\n"
                "1800003600 1234 fd00::10 v6-host 00:01:00:01\n"
                "garbage\n");
        assert_name(file, laptop, "laptop");
        assert_name(file, phone, "");
        assert_name(file, tv, "living-room-tv");
        assert_name(file, printer, "printer.lan");
        assert_name(file, nobody, "");

        /* A shorter address never matches a longer one's prefix. */
        _cleanup_free_ char *v = NULL;
        assert_int_equal(hosts_lease_hostname(file, laptop, 4, NOW, &v), 0);
        assert_string_equal(v, "");

        fake_tree_remove(root);
}

static void test_is_hostname(void **state)
{
        (void)state;
        assert_true(hosts_lease_is_hostname("Device.Hosts.Host.3.HostName"));
        assert_false(hosts_lease_is_hostname("Device.Hosts.Host.HostName"));
        assert_false(hosts_lease_is_hostname("Device.Hosts.Host.3.PhysAddress"));
        assert_false(hosts_lease_is_hostname("Device.DHCPv4.Client.1.HostName"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lease_file),
                cmocka_unit_test(test_is_hostname),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
