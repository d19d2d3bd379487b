/* SPDX-License-Identifier: MIT */
/* The netlink parsers behind Device.Ethernet.VLANTermination. and Device.Bridging.: VLAN and
 * bridge details of RTM_NEWLINK, the bridges' VLAN tables (AF_BRIDGE, RTEXT_FILTER_BRVLAN) and
 * forwarding databases (AF_BRIDGE RTM_NEWNEIGH), fed with messages built here as the kernel
 * lays them out. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "net-internal.h"
#include "netlink-msg.h"

/* An RTM_NEWLINK of interface IFINDEX in FAMILY. */
static void link_start(struct msg *m, int family, int ifindex)
{
        struct ifinfomsg ifi = {.ifi_family = (unsigned char)family, .ifi_index = ifindex};
        msg_start(m, RTM_NEWLINK, &ifi, sizeof(ifi));
}

static void msg_vlan_info(struct msg *m, uint16_t flags, uint16_t vid)
{
        struct bridge_vlan_info info = {.flags = flags, .vid = vid};
        msg_attr(m, IFLA_BRIDGE_VLAN_INFO, &info, sizeof(info));
}

/* ---- RTM_NEWLINK ---- */

static void test_vlan_device(void **state)
{
        struct msg m;
        struct net_link l;

        link_start(&m, AF_UNSPEC, 7);
        msg_str(&m, IFLA_IFNAME, "eth0.100");
        msg_u32(&m, IFLA_LINK, 2);
        size_t info = msg_attr(&m, IFLA_LINKINFO, NULL, 0);
        msg_str(&m, IFLA_INFO_KIND, "vlan");
        size_t data = msg_attr(&m, IFLA_INFO_DATA, NULL, 0);
        msg_u16(&m, IFLA_VLAN_ID, 100);
        msg_u16(&m, IFLA_VLAN_PROTOCOL, htons(0x88a8));
        nest_end(&m, data);
        nest_end(&m, info);
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_string_equal(l.name, "eth0.100");
        assert_string_equal(l.kind, "vlan");
        assert_int_equal(l.vlan_id, 100);
        assert_int_equal(l.vlan_protocol, 0x88a8);
        assert_int_equal(l.lower, 2);
        assert_false(l.bridge_port);

        /* Its lower device in another namespace names nothing here. */
        msg_u32(&m, IFLA_LINK_NETNSID, 1);
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_int_equal(l.lower, 0);
        assert_int_equal(l.vlan_id, 100);
}

static void test_veth_link_is_no_lower_device(void **state)
{
        struct msg m;
        struct net_link l;

        link_start(&m, AF_UNSPEC, 8);
        msg_str(&m, IFLA_IFNAME, "veth0");
        msg_u32(&m, IFLA_LINK, 9); /* its peer */
        size_t info = msg_attr(&m, IFLA_LINKINFO, NULL, 0);
        msg_str(&m, IFLA_INFO_KIND, "veth");
        nest_end(&m, info);
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_int_equal(l.lower, 0);
        assert_int_equal(l.vlan_id, 0);
        assert_int_equal(l.master, 0);
}

static void test_bridge_and_port(void **state)
{
        struct msg m;
        struct net_link l;

        link_start(&m, AF_UNSPEC, 5);
        msg_str(&m, IFLA_IFNAME, "br0");
        size_t info = msg_attr(&m, IFLA_LINKINFO, NULL, 0);
        msg_str(&m, IFLA_INFO_KIND, "bridge");
        size_t data = msg_attr(&m, IFLA_INFO_DATA, NULL, 0);
        msg_u32(&m, IFLA_BR_STP_STATE, 0);
        msg_u8(&m, IFLA_BR_VLAN_FILTERING, 1);
        nest_end(&m, data);
        nest_end(&m, info);
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_string_equal(l.kind, "bridge");
        assert_true(l.vlan_filtering);
        assert_false(l.bridge_port);

        /* A port: its master, and its spanning-tree state from the slave data. */
        link_start(&m, AF_UNSPEC, 6);
        msg_str(&m, IFLA_IFNAME, "eth1");
        msg_u32(&m, IFLA_MASTER, 5);
        info = msg_attr(&m, IFLA_LINKINFO, NULL, 0);
        msg_str(&m, IFLA_INFO_SLAVE_KIND, "bridge");
        data = msg_attr(&m, IFLA_INFO_SLAVE_DATA, NULL, 0);
        msg_u8(&m, IFLA_BRPORT_STATE, BR_STATE_BLOCKING);
        msg_u16(&m, IFLA_BRPORT_PRIORITY, 32);
        nest_end(&m, data);
        nest_end(&m, info);
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_string_equal(l.kind, "");
        assert_true(l.bridge_port);
        assert_int_equal(l.master, 5);
        assert_int_equal(l.port_state, BR_STATE_BLOCKING);
        assert_false(l.vlan_filtering);

        /* A bond's port has a master too, but is no bridge port. */
        link_start(&m, AF_UNSPEC, 6);
        msg_str(&m, IFLA_IFNAME, "eth2");
        msg_u32(&m, IFLA_MASTER, 4);
        info = msg_attr(&m, IFLA_LINKINFO, NULL, 0);
        msg_str(&m, IFLA_INFO_SLAVE_KIND, "bond");
        nest_end(&m, info);
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_false(l.bridge_port);
        assert_true(l.bond_port);
        assert_int_equal(l.master, 4);
}

static void test_truncated_vlan_data(void **state)
{
        struct msg m;
        struct net_link l;

        link_start(&m, AF_UNSPEC, 7);
        msg_str(&m, IFLA_IFNAME, "eth0.5");
        size_t info = msg_attr(&m, IFLA_LINKINFO, NULL, 0);
        msg_str(&m, IFLA_INFO_KIND, "vlan");
        size_t data = msg_attr(&m, IFLA_INFO_DATA, NULL, 0);
        msg_u16(&m, IFLA_VLAN_ID, 5);
        nest_end(&m, data);
        nest_end(&m, info);
        /* the VLAN ID attribute claims more than its nest holds */
        struct rtattr *inner = (struct rtattr *)(m.buf + data + RTA_LENGTH(0));
        inner->rta_len = 64;
        assert_int_equal(net_link_parse(m.h, &l), -EBADMSG);
}

/* ---- VLAN tables ---- */

static void test_vlan_table(void **state)
{
        struct msg m;
        struct net_vec v = {.item_size = sizeof(struct net_brvlan)};

        link_start(&m, AF_BRIDGE, 6);
        msg_str(&m, IFLA_IFNAME, "eth1");
        msg_u32(&m, IFLA_MASTER, 5);
        size_t spec = msg_attr(&m, IFLA_AF_SPEC, NULL, 0);
        msg_vlan_info(&m, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, 1);
        msg_vlan_info(&m, BRIDGE_VLAN_INFO_RANGE_BEGIN, 10);
        msg_vlan_info(&m, BRIDGE_VLAN_INFO_RANGE_END, 12);
        msg_vlan_info(&m, 0, 4094);
        nest_end(&m, spec);
        assert_int_equal(net_brvlan_parse(m.h, &v), 0);

        const struct net_brvlan *e = v.items;
        assert_int_equal(v.n, 5);
        assert_int_equal(e[0].ifindex, 6);
        assert_int_equal(e[0].vid, 1);
        assert_int_equal(e[0].flags, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
        assert_int_equal(e[1].vid, 10);
        assert_int_equal(e[2].vid, 11);
        assert_int_equal(e[3].vid, 12);
        assert_int_equal(e[3].flags, 0); /* the range flags are not kept */
        assert_int_equal(e[4].vid, 4094);

        /* Other families' answers and messages without a VLAN table add nothing. */
        link_start(&m, AF_UNSPEC, 6);
        msg_str(&m, IFLA_IFNAME, "eth1");
        assert_int_equal(net_brvlan_parse(m.h, &v), 0);
        link_start(&m, AF_BRIDGE, 3);
        msg_str(&m, IFLA_IFNAME, "eth3");
        assert_int_equal(net_brvlan_parse(m.h, &v), 0);
        assert_int_equal(v.n, 5);
        free(v.items);
}

static void test_vlan_table_malformed(void **state)
{
        struct msg m;
        struct net_vec v = {.item_size = sizeof(struct net_brvlan)};

        /* VLAN 0 does not exist */
        link_start(&m, AF_BRIDGE, 6);
        size_t spec = msg_attr(&m, IFLA_AF_SPEC, NULL, 0);
        msg_vlan_info(&m, 0, 0);
        nest_end(&m, spec);
        assert_int_equal(net_brvlan_parse(m.h, &v), -EBADMSG);

        /* an entry shorter than struct bridge_vlan_info */
        link_start(&m, AF_BRIDGE, 6);
        spec = msg_attr(&m, IFLA_AF_SPEC, NULL, 0);
        msg_u16(&m, IFLA_BRIDGE_VLAN_INFO, 0);
        nest_end(&m, spec);
        assert_int_equal(net_brvlan_parse(m.h, &v), -EBADMSG);
        free(v.items);
}

/* ---- forwarding databases ---- */

static void test_fdb_entry(void **state)
{
        struct msg m;
        struct net_fdb e;
        struct ndmsg nd = {.ndm_family = AF_BRIDGE,
                           .ndm_ifindex = 6,
                           .ndm_state = NUD_REACHABLE,
                           .ndm_flags = NTF_MASTER};
        static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x2a};

        msg_start(&m, RTM_NEWNEIGH, &nd, sizeof(nd));
        msg_attr(&m, NDA_LLADDR, mac, sizeof(mac));
        msg_u32(&m, NDA_MASTER, 5);
        msg_u16(&m, NDA_VLAN, 10);
        assert_int_equal(net_fdb_parse(m.h, &e), 0);
        assert_int_equal(e.port, 6);
        assert_int_equal(e.master, 5);
        assert_int_equal(e.state, NUD_REACHABLE);
        assert_int_equal(e.mac_len, 6);
        assert_memory_equal(e.mac, mac, 6);

        /* An IP neighbour is not the forwarding database's. */
        ((struct ndmsg *)NLMSG_DATA(m.h))->ndm_family = AF_INET;
        assert_int_equal(net_fdb_parse(m.h, &e), -ENODATA);

        /* An entry without an address is malformed. */
        ((struct ndmsg *)NLMSG_DATA(m.h))->ndm_family = AF_BRIDGE;
        m.h->nlmsg_len = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(nd)));
        msg_u32(&m, NDA_MASTER, 5);
        assert_int_equal(net_fdb_parse(m.h, &e), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vlan_device),
                cmocka_unit_test(test_veth_link_is_no_lower_device),
                cmocka_unit_test(test_bridge_and_port),
                cmocka_unit_test(test_truncated_vlan_data),
                cmocka_unit_test(test_vlan_table),
                cmocka_unit_test(test_vlan_table_malformed),
                cmocka_unit_test(test_fdb_entry),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
