/* SPDX-License-Identifier: MIT */
/* What Device.Routing.RouteInformation. reads from rtnetlink: a route's preference
 * (RTA_PREF) and remaining lifetime (RTA_CACHEINFO), and an interface's router
 * advertisement flags (IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_FLAGS). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net-internal.h"
#include "netlink-msg.h"

static void route_start(struct msg *m)
{
        struct rtmsg rtm = {.rtm_family = AF_INET6,
                            .rtm_dst_len = 64,
                            .rtm_table = RT_TABLE_MAIN,
                            .rtm_protocol = RTPROT_RA,
                            .rtm_type = RTN_UNICAST};
        uint8_t dst[16] = {0xfd, 0, 0, 0x79};
        uint32_t oif = 3;
        msg_start(m, RTM_NEWROUTE, &rtm, sizeof(rtm));
        msg_attr(m, RTA_DST, dst, sizeof(dst));
        msg_attr(m, RTA_OIF, &oif, sizeof(oif));
}

static void test_route_preference_and_lifetime(void **state)
{
        struct msg m;
        struct net_route rt;
        long hz = sysconf(_SC_CLK_TCK);

        route_start(&m);
        uint8_t pref = 0x1; /* high */
        msg_attr(&m, RTA_PREF, &pref, sizeof(pref));
        struct rta_cacheinfo ci = {.rta_expires = (uint32_t)(300 * hz)};
        msg_attr(&m, RTA_CACHEINFO, &ci, sizeof(ci));
        assert_int_equal(net_route_parse(m.h, &rt), 0);
        assert_int_equal(rt.protocol, RTPROT_RA);
        assert_int_equal(rt.pref, 0x1);
        assert_int_equal(rt.expires, 300);
        assert_int_equal(rt.oif, 3);

        /* A part of a tick left is still a second; no cache info: no expiry. */
        route_start(&m);
        ci.rta_expires = (uint32_t)(hz / 2 > 0 ? hz / 2 : 1);
        msg_attr(&m, RTA_CACHEINFO, &ci, sizeof(ci));
        assert_int_equal(net_route_parse(m.h, &rt), 0);
        assert_int_equal(rt.expires, 1);
        assert_int_equal(rt.pref, 0); /* medium */
        route_start(&m);
        assert_int_equal(net_route_parse(m.h, &rt), 0);
        assert_int_equal(rt.expires, 0);

        /* Already expired (negative): treated as not expiring rather than wrapped. */
        route_start(&m);
        ci.rta_expires = (uint32_t)-5;
        msg_attr(&m, RTA_CACHEINFO, &ci, sizeof(ci));
        assert_int_equal(net_route_parse(m.h, &rt), 0);
        assert_int_equal(rt.expires, 0);
}

static void test_router_advertisement_flags(void **state)
{
        struct msg m;
        struct net_link l;
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 3};

        msg_start(&m, RTM_NEWLINK, &ifi, sizeof(ifi));
        msg_attr(&m, IFLA_IFNAME, "eth0", 5);
        size_t spec = msg_attr(&m, IFLA_AF_SPEC, NULL, 0);
        size_t inet = msg_attr(&m, AF_INET, NULL, 0);
        nest_end(&m, inet);
        size_t inet6 = msg_attr(&m, AF_INET6, NULL, 0);
        uint32_t flags = 0x40 | 0x80 | 0x80000000; /* managed, other, ready */
        msg_attr(&m, IFLA_INET6_FLAGS, &flags, sizeof(flags));
        nest_end(&m, inet6);
        nest_end(&m, spec);
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_int_equal(l.inet6_flags, flags);

        /* Without IPv6 on the device: no flags. */
        msg_start(&m, RTM_NEWLINK, &ifi, sizeof(ifi));
        msg_attr(&m, IFLA_IFNAME, "eth0", 5);
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_int_equal(l.inet6_flags, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_route_preference_and_lifetime),
                cmocka_unit_test(test_router_advertisement_flags),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
