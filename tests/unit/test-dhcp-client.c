/* SPDX-License-Identifier: MIT */
/* Device.DHCPv4.Client. and Device.DHCPv6.Client.: the lease parsers, and the owner over fake
 * networkd and dhclient directories. The loopback interface (ifindex 1, 127.0.0.1 for ever)
 * stands for a leased interface, so the kernel side is real. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake-tree.h"
#include "dhcp-client.h"
#include "dhcp-lease.h"
#include "store.h"
#include "util.h"

/* As systemd-networkd (v255) writes /run/systemd/netif/leases/IFINDEX. */
static const char networkd_lease[] = "# This is private data. Do not parse.\n"
                                     "ADDRESS=127.0.0.1\n"
                                     "NETMASK=255.0.0.0\n"
                                     "ROUTER=192.0.2.1 192.0.2.2\n"
                                     "SERVER_ADDRESS=192.0.2.254\n"
                                     "NEXT_SERVER=0.0.0.0\n"
                                     "BROADCAST=127.255.255.255\n"
                                     "T1=12h\n"
                                     "T2=21h\n"
                                     "LIFETIME=1d\n"
                                     "DNS=192.0.2.53 198.51.100.53\n"
                                     "NTP=192.0.2.123\n"
                                     "DOMAINNAME=example.net\n"
                                     "CLIENTID=ff0ad2e0f500020000ab11\n";

/* As ISC dhclient 4.4 appends to its lease database: an old lease, then the current one. */
static const char dhclient_leases[] =
        "default-duid \"\\000\\001\\000\\001\\037\\305\\371\\341RT\\000\\0224V\";\n"
        "lease {\n"
        "  interface \"wan0\";\n"
        "  fixed-address 203.0.113.9;\n"
        "  option subnet-mask 255.255.255.0;\n"
        "  option routers 203.0.113.1;\n"
        "  option dhcp-lease-time 600;\n"
        "  expire 3 2026/11/25 10:46:52;\n"
        "}\n"
        "lease {\n"
        "  interface \"wan0\";\n"
        "  fixed-address 203.0.113.45;\n"
        "  filename \"pxelinux.0\";\n"
        "  option subnet-mask 255.255.255.128;\n"
        "  option routers 203.0.113.1;\n"
        "  option dhcp-lease-time 3600;\n"
        "  option dhcp-message-type 5;\n"
        "  option domain-name-servers 203.0.113.1,198.51.100.7;\n"
        "  option dhcp-server-identifier 203.0.113.2;\n"
        "  option domain-name \"example.org\";\n"
        "  renew 3 2026/11/25 10:17:32;\n"
        "  rebind 3 2026/11/25 10:39:22;\n"
        "  expire 3 2026/11/25 10:46:52;\n"
        "}\n";

static const char dhclient6_leases[] =
        "default-duid \"\\000\\001\\000\\001\\037\\305\\371\\341RT\\000\\0224V\";\n"
        "lease6 {\n"
        "  interface \"wan0\";\n"
        "  ia-na 1e:52:54:00 {\n"
        "    starts 1700000000;\n"
        "    renew 1800;\n"
        "    rebind 2880;\n"
        "    iaaddr 2001:db8::10 {\n"
        "      starts 1700000000;\n"
        "      preferred-life 4500;\n"
        "      max-life 7200;\n"
        "    }\n"
        "  }\n"
        "  option dhcp6.client-id 0:1:0:1:1f:c5:f9:e1:52:54:0:12:34:56;\n"
        "  option dhcp6.server-id 0:1:0:1:2a:aa:bb:cc:52:54:0:aa:bb:cc;\n"
        "  option dhcp6.name-servers 2001:db8::1;\n"
        "}\n"
        "lease6 {\n"
        "  interface \"wan1\";\n"
        "}\n";

struct fake {
        char root[64], networkd[128], dhclient[128], state[128];
};

static int setup_fake(void **state)
{
        struct fake *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        fake_tree_make_root(f->root, sizeof(f->root), "test-dhcp-client");
        snprintf(f->networkd, sizeof(f->networkd), "%s/netif", f->root);
        snprintf(f->dhclient, sizeof(f->dhclient), "%s/dhcp", f->root);
        snprintf(f->state, sizeof(f->state), "%s/state", f->root);
        assert_int_equal(store_mkdir_p(f->state), 0);
        *state = f;
        return 0;
}

static void test_parse_networkd(void **state)
{
        struct dhcp4_lease l;
        assert_int_equal(dhcp_parse_networkd_lease(networkd_lease, &l), 0);
        assert_null(l.ifname);
        assert_string_equal(l.address, "127.0.0.1");
        assert_string_equal(l.netmask, "255.0.0.0");
        assert_string_equal(l.routers, "192.0.2.1,192.0.2.2");
        assert_string_equal(l.dns, "192.0.2.53,198.51.100.53");
        assert_string_equal(l.server, "192.0.2.254");
        dhcp4_lease_done(&l);

        /* Older networkd: one router, no server; a broken address is no lease. */
        assert_int_equal(dhcp_parse_networkd_lease("ADDRESS=10.1.2.3\nROUTER=10.1.2.1\n", &l), 0);
        assert_string_equal(l.routers, "10.1.2.1");
        assert_null(l.server);
        assert_null(l.dns);
        dhcp4_lease_done(&l);
        assert_int_equal(dhcp_parse_networkd_lease("ADDRESS=10.1.2\n", &l), -EINVAL);
        assert_int_equal(dhcp_parse_networkd_lease("# nothing\n", &l), -EINVAL);
}

static void test_parse_dhclient(void **state)
{
        struct dhcp4_lease *v4 = NULL;
        struct dhcp6_lease *v6 = NULL;
        size_t n4 = 0, n6 = 0;

        assert_int_equal(dhcp_parse_dhclient_leases(dhclient_leases, &v4, &n4, &v6, &n6), 0);
        /* The last lease of the interface is the current one. */
        assert_int_equal(n4, 1);
        assert_int_equal(n6, 0);
        assert_string_equal(v4[0].ifname, "wan0");
        assert_string_equal(v4[0].address, "203.0.113.45");
        assert_string_equal(v4[0].netmask, "255.255.255.128");
        assert_string_equal(v4[0].routers, "203.0.113.1");
        assert_string_equal(v4[0].dns, "203.0.113.1,198.51.100.7");
        assert_string_equal(v4[0].server, "203.0.113.2");
        dhcp4_lease_done(&v4[0]);
        free(v4);
        free(v6);

        assert_int_equal(dhcp_parse_dhclient_leases(dhclient6_leases, &v4, &n4, &v6, &n6), 0);
        assert_int_equal(n4, 0);
        assert_int_equal(n6, 2);
        assert_string_equal(v6[0].ifname, "wan0");
        static const unsigned char client_id[] = {0,    1,    0,    1, 0x1f, 0xc5, 0xf9,
                                                  0xe1, 0x52, 0x54, 0, 0x12, 0x34, 0x56};
        assert_int_equal(v6[0].duid_len, sizeof(client_id));
        assert_memory_equal(v6[0].duid, client_id, sizeof(client_id));
        static const unsigned char server_id[] = {0,    1,    0,    1, 0x2a, 0xaa, 0xbb,
                                                  0xcc, 0x52, 0x54, 0, 0xaa, 0xbb, 0xcc};
        assert_int_equal(v6[0].server_duid_len, sizeof(server_id));
        assert_memory_equal(v6[0].server_duid, server_id, sizeof(server_id));
        /* Without a client-id, the default DUID (octal escapes): the same bytes here. */
        assert_string_equal(v6[1].ifname, "wan1");
        assert_int_equal(v6[1].duid_len, sizeof(client_id));
        assert_memory_equal(v6[1].duid, client_id, sizeof(client_id));
        assert_int_equal(v6[1].server_duid_len, 0);
        for (size_t i = 0; i < n6; i++)
                dhcp6_lease_done(&v6[i]);
        free(v4);
        free(v6);

        /* A block cut short (being written) is left out. */
        assert_int_equal(dhcp_parse_dhclient_leases(
                                 "lease {\n  interface \"x\";\n  fixed-address 10.0.0.1;\n", &v4,
                                 &n4, &v6, &n6),
                         0);
        assert_int_equal(n4, 0);
        free(v4);
        free(v6);
}

static char *interface_path(const char *ifname, void *userdata)
{
        return streq(ifname, "lo") ? strdup("Device.IP.Interface.1") : NULL;
}

static void assert_value(struct dhcp_client *c, const char *name, const char *want)
{
        char *v = NULL;
        int r = dhcp_client_get(c, name, &v);
        if (r < 0)
                fail_msg("%s: %s", name, strerror(-r));
        if (!streq(v, want))
                fail_msg("%s = \"%s\", expected \"%s\"", name, v, want);
        free(v);
}

static void test_clients(void **state)
{
        struct fake *f = *state;
        struct dhcp_client_settings s = {.networkd_dir = f->networkd, .dhclient_dir = f->dhclient};
        struct dhcp_client *c = NULL;
        struct strv rows = {0};
        char lo[16];

        snprintf(lo, sizeof(lo), "%u", if_nametoindex("lo"));
        assert_true(lo[0] != '0');
        /* networkd leases lo, dhclient an interface that does not exist; a file named after
         * no interface is ignored. */
        char rel[PATH_MAX];
        snprintf(rel, sizeof(rel), "leases/%s", lo);
        fake_tree_write_text(f->networkd, rel, networkd_lease);
        fake_tree_write_text(f->networkd, "leases/99999", networkd_lease);
        snprintf(rel, sizeof(rel), "links/%s", lo);
        fake_tree_write_text(f->networkd, rel,
                             "# This is private data. Do not parse.\nADMIN_STATE=configured\n"
                             "DHCP6_CLIENT_IAID=0x1a2b3c4d\nDHCP6_CLIENT_DUID=00:04:8b:9c:a2:b3\n");
        fake_tree_write_text(f->dhclient, "dhclient.wan0.leases", dhclient_leases);
        fake_tree_write_text(f->dhclient, "dhclient6.leases", dhclient6_leases);
        fake_tree_write_text(f->dhclient, "unrelated.txt", "lease {\n");

        assert_int_equal(dhcp_client_new(&s, f->state, interface_path, NULL, &c), 0);
        assert_value(c, "Device.DHCPv4.ClientNumberOfEntries", "2");
        assert_value(c, "Device.DHCPv6.ClientNumberOfEntries", "3");
        assert_int_equal(dhcp_client_get_instances(c, "Device.", &rows), 0);
        assert_int_equal(rows.n, 6); /* 2 + 3 clients, and wan0's DHCPv6 server */
        /* networkd is read first: lo is 1, wan0 2. */
        assert_string_equal(rows.v[0], "Device.DHCPv4.Client.1.");
        assert_string_equal(rows.v[1], "Device.DHCPv4.Client.2.");
        strv_done(&rows);

        assert_value(c, "Device.DHCPv4.Client.1.Enable", "true");
        assert_value(c, "Device.DHCPv4.Client.1.Status", "Enabled");
        assert_value(c, "Device.DHCPv4.Client.1.Interface", "Device.IP.Interface.1");
        assert_value(c, "Device.DHCPv4.Client.1.IPAddress", "127.0.0.1");
        assert_value(c, "Device.DHCPv4.Client.1.SubnetMask", "255.0.0.0");
        assert_value(c, "Device.DHCPv4.Client.1.IPRouters", "192.0.2.1,192.0.2.2");
        assert_value(c, "Device.DHCPv4.Client.1.DNSServers", "192.0.2.53,198.51.100.53");
        assert_value(c, "Device.DHCPv4.Client.1.DHCPServer", "192.0.2.254");
        /* 127.0.0.1 is on lo for ever. */
        assert_value(c, "Device.DHCPv4.Client.1.DHCPStatus", "Bound");
        assert_value(c, "Device.DHCPv4.Client.1.LeaseTimeRemaining", "-1");

        assert_value(c, "Device.DHCPv4.Client.2.Interface", "");
        assert_value(c, "Device.DHCPv4.Client.2.IPAddress", "203.0.113.45");
        assert_value(c, "Device.DHCPv4.Client.2.DHCPStatus", "Init");
        assert_value(c, "Device.DHCPv4.Client.2.LeaseTimeRemaining", "0");

        assert_value(c, "Device.DHCPv6.Client.1.Interface", "Device.IP.Interface.1");
        assert_value(c, "Device.DHCPv6.Client.1.DUID", "00048B9CA2B3");
        assert_value(c, "Device.DHCPv6.Client.2.DUID",
                     "000100011FC5F9E152540012"
                     "3456");
        assert_value(c, "Device.DHCPv6.Client.3.Status", "Enabled");
        assert_value(c, "Device.DHCPv6.Client.1.ServerNumberOfEntries", "0");
        assert_value(c, "Device.DHCPv6.Client.2.ServerNumberOfEntries", "1");
        assert_value(c, "Device.DHCPv6.Client.2.Server.1.DUID", "000100012AAABBCC525400AABBCC");
        assert_int_equal(dhcp_client_get_instances(c, "Device.DHCPv6.Client.2.", &rows), 0);
        assert_int_equal(rows.n, 2);
        assert_string_equal(rows.v[1], "Device.DHCPv6.Client.2.Server.1.");
        strv_done(&rows);
        assert_int_equal(dhcp_client_get_instances(c, "Device.DHCPv6.Client.1.Server.", &rows), 0);
        assert_int_equal(rows.n, 0);
        assert_int_equal(dhcp_client_get_instances(c, "Device.DHCPv6.Client.1.Server.1.", &rows),
                         -ENOENT);

        char *v = NULL;
        assert_int_equal(dhcp_client_get(c, "Device.DHCPv4.Client.3.IPAddress", &v), -ENOENT);
        assert_int_equal(dhcp_client_get(c, "Device.DHCPv4.Client.1.Renew", &v), -ENOENT);
        assert_int_equal(dhcp_client_get(c, "Device.DHCPv6.Client.1.Server.1.DUID", &v), -ENOENT);
        assert_int_equal(dhcp_client_get(c, "Device.DHCPv4.Server.Enable", &v), -ENOENT);
        assert_int_equal(dhcp_client_get_instances(c, "Device.DHCPv4.Client.3.", &rows), -ENOENT);
        assert_null(v);
        dhcp_client_free(c);

        /* The lease of lo goes away, wan0's stays: wan0 keeps its number, also across a
         * restart; lo's number is not given to anyone else. */
        snprintf(rel, sizeof(rel), "%s/leases/%s", f->networkd, lo);
        assert_int_equal(unlink(rel), 0);
        assert_int_equal(dhcp_client_new(&s, f->state, interface_path, NULL, &c), 0);
        assert_value(c, "Device.DHCPv4.ClientNumberOfEntries", "1");
        assert_value(c, "Device.DHCPv4.Client.2.IPAddress", "203.0.113.45");
        fake_tree_write_text(f->dhclient, "dhclient.eth9.leases",
                             "lease {\n  interface \"eth9\";\n  fixed-address 10.9.9.9;\n}\n");
        dhcp_client_free(c);
        assert_int_equal(dhcp_client_new(&s, f->state, interface_path, NULL, &c), 0);
        assert_value(c, "Device.DHCPv4.Client.3.IPAddress", "10.9.9.9");
        assert_value(c, "Device.DHCPv4.Client.3.SubnetMask", "");
        dhcp_client_free(c);

        /* A source turned off. */
        s.dhclient_dir = (char *)"";
        assert_int_equal(dhcp_client_new(&s, NULL, interface_path, NULL, &c), 0);
        assert_value(c, "Device.DHCPv4.ClientNumberOfEntries", "0");
        assert_value(c, "Device.DHCPv6.ClientNumberOfEntries", "1");
        dhcp_client_free(c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_networkd),
                cmocka_unit_test(test_parse_dhclient),
                cmocka_unit_test_setup_teardown(test_clients, setup_fake, fake_tree_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
