/* SPDX-License-Identifier: MIT */
/* The netlink parsers of dmd's network provider, fed with messages built here as the kernel
 * lays them out, and the instance numbering of its tables. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if_arp.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net-internal.h"
#include "net-numbering.h"
#include "netlink.h"
#include "util.h"

#ifndef IFLA_LINKINFO
#define IFLA_LINKINFO 18
#endif
#define INFO_KIND 1 /* IFLA_INFO_KIND */

/* ---- building messages ---- */

struct msg {
        _Alignas(4) char buf[4096];
        struct nlmsghdr *h;
};

static void msg_start(struct msg *m, uint16_t type, uint32_t seq, const void *family_header,
                      size_t len)
{
        memset(m->buf, 0, sizeof(m->buf));
        m->h = (struct nlmsghdr *)m->buf;
        m->h->nlmsg_type = type;
        m->h->nlmsg_seq = seq;
        m->h->nlmsg_len = NLMSG_LENGTH(len);
        memcpy(NLMSG_DATA(m->h), family_header, len);
        m->h->nlmsg_len = NLMSG_ALIGN(m->h->nlmsg_len);
}

static struct rtattr *msg_attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
        struct rtattr *a = (struct rtattr *)(m->buf + NLMSG_ALIGN(m->h->nlmsg_len));
        a->rta_type = type;
        a->rta_len = (unsigned short)RTA_LENGTH(len);
        if (len)
                memcpy(RTA_DATA(a), data, len);
        m->h->nlmsg_len = NLMSG_ALIGN(m->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
        return a;
}

static void msg_u32(struct msg *m, uint16_t type, uint32_t v)
{
        msg_attr(m, type, &v, sizeof(v));
}

static void msg_str(struct msg *m, uint16_t type, const char *s)
{
        msg_attr(m, type, s, strlen(s) + 1);
}

static void msg_ip(struct msg *m, uint16_t type, int family, const char *text)
{
        uint8_t b[16];
        assert_int_equal(inet_pton(family, text, b), 1);
        msg_attr(m, type, b, family == AF_INET ? 4 : 16);
}

/* A nested attribute holding one string attribute. */
static void msg_nested_str(struct msg *m, uint16_t type, uint16_t inner, const char *s)
{
        struct rtattr *outer = msg_attr(m, type, NULL, 0);
        struct rtattr *in = RTA_DATA(outer);
        in->rta_type = inner;
        in->rta_len = (unsigned short)RTA_LENGTH(strlen(s) + 1);
        memcpy(RTA_DATA(in), s, strlen(s) + 1);
        outer->rta_len = (unsigned short)(RTA_LENGTH(0) + RTA_ALIGN(in->rta_len));
        m->h->nlmsg_len = NLMSG_ALIGN(m->h->nlmsg_len) + RTA_ALIGN(in->rta_len);
}

static const char *ip_str(const struct net_ip *ip)
{
        static char buf[INET6_ADDRSTRLEN];
        return net_ip_to_string(ip, buf);
}

/* ---- walking ---- */

static int count_messages(const struct nlmsghdr *h, void *userdata)
{
        (*(int *)userdata)++;
        return h->nlmsg_type == 999 ? -ENOTSUP : 0;
}

static void test_walk(void **state)
{
        _Alignas(4) char buf[1024] = {0};
        struct ifinfomsg ifi = {0};
        struct msg m;
        size_t len = 0;

        /* two answers, one of another request, then DONE */
        for (int i = 0; i < 4; i++) {
                msg_start(&m, i == 3 ? NLMSG_DONE : RTM_NEWLINK, i == 2 ? 9 : 1, &ifi, sizeof(ifi));
                memcpy(buf + len, m.buf, m.h->nlmsg_len);
                len += m.h->nlmsg_len;
        }
        int n = 0;
        assert_int_equal(netlink_walk(buf, len, 1, count_messages, &n), 1);
        assert_int_equal(n, 2);

        /* without DONE: more to come */
        n = 0;
        assert_int_equal(netlink_walk(buf, len - NLMSG_LENGTH(sizeof(ifi)), 1, count_messages, &n),
                         0);
        assert_int_equal(n, 2);

        /* a truncated message */
        assert_int_equal(netlink_walk(buf, 10, 1, count_messages, &n), -EBADMSG);

        /* an error answer */
        struct nlmsgerr err = {.error = -EPERM};
        msg_start(&m, NLMSG_ERROR, 1, &err, sizeof(err));
        assert_int_equal(netlink_walk(m.buf, m.h->nlmsg_len, 1, count_messages, &n), -EPERM);

        /* the callback's error ends the walk */
        msg_start(&m, 999, 1, &ifi, sizeof(ifi));
        assert_int_equal(netlink_walk(m.buf, m.h->nlmsg_len, 1, count_messages, &n), -ENOTSUP);
}

/* A last attribute and message without their padding (a 1-byte payload) still parse. */
static void test_unpadded_end(void **state)
{
        struct msg m;
        struct ifinfomsg ifi = {.ifi_index = 2};
        msg_start(&m, RTM_NEWLINK, 1, &ifi, sizeof(ifi));
        msg_str(&m, IFLA_IFNAME, "eth1");
        uint8_t oper = NET_OPER_DOWN;
        msg_attr(&m, IFLA_OPERSTATE, &oper, 1);
        m.h->nlmsg_len -= 3;
        struct net_link l;
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_int_equal(l.operstate, NET_OPER_DOWN);
        int n = 0;
        assert_int_equal(netlink_walk(m.buf, m.h->nlmsg_len, 1, count_messages, &n), 0);
        assert_int_equal(n, 1);
}

static void test_attrs_overrun(void **state)
{
        struct msg m;
        struct ifinfomsg ifi = {0};
        msg_start(&m, RTM_NEWLINK, 1, &ifi, sizeof(ifi));
        struct rtattr *a = msg_attr(&m, IFLA_MTU, "\x01\x02\x03\x04", 4);
        a->rta_len = 200; /* claims more than the message holds */
        struct net_link l;
        assert_int_equal(net_link_parse(m.h, &l), -EBADMSG);
}

/* ---- links ---- */

static void test_link(void **state)
{
        struct msg m;
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
                                .ifi_type = ARPHRD_ETHER,
                                .ifi_index = 7,
                                .ifi_flags = IFF_UP | IFF_LOWER_UP | IFF_BROADCAST};
        msg_start(&m, RTM_NEWLINK, 1, &ifi, sizeof(ifi));
        msg_str(&m, IFLA_IFNAME, "veth-a");
        msg_u32(&m, IFLA_MTU, 1500);
        uint8_t oper = NET_OPER_UP;
        msg_attr(&m, IFLA_OPERSTATE, &oper, 1);
        msg_attr(&m, IFLA_ADDRESS, "\x02\x00\x5e\x10\x20\xff", 6);
        msg_nested_str(&m, IFLA_LINKINFO, INFO_KIND, "veth");

        struct net_link l;
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_int_equal(l.ifindex, 7);
        assert_string_equal(l.name, "veth-a");
        assert_int_equal(l.mtu, 1500);
        assert_int_equal(l.operstate, NET_OPER_UP);
        assert_int_equal(l.type, ARPHRD_ETHER);
        assert_true(l.flags & IFF_UP);
        assert_string_equal(l.kind, "veth");
        char mac[NET_HWADDR_MAX * 3];
        assert_string_equal(net_hwaddr_to_string(l.hwaddr, l.hwaddr_len, mac), "02:00:5e:10:20:ff");

        /* a hardware port has no kind; a link without a name is malformed */
        msg_start(&m, RTM_NEWLINK, 1, &ifi, sizeof(ifi));
        msg_str(&m, IFLA_IFNAME, "eth0");
        assert_int_equal(net_link_parse(m.h, &l), 0);
        assert_string_equal(l.kind, "");
        assert_int_equal(l.hwaddr_len, 0);
        msg_start(&m, RTM_NEWLINK, 1, &ifi, sizeof(ifi));
        msg_u32(&m, IFLA_MTU, 1500);
        assert_int_equal(net_link_parse(m.h, &l), -EBADMSG);
        /* other messages are not links */
        msg_start(&m, RTM_DELLINK, 1, &ifi, sizeof(ifi));
        assert_int_equal(net_link_parse(m.h, &l), -ENODATA);
}

/* ---- addresses ---- */

static void test_addr(void **state)
{
        struct msg m;
        struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 3};
        msg_start(&m, RTM_NEWADDR, 1, &ifa, sizeof(ifa));
        /* point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL ours */
        msg_ip(&m, IFA_ADDRESS, AF_INET, "10.0.0.1");
        msg_ip(&m, IFA_LOCAL, AF_INET, "10.0.0.2");
        msg_u32(&m, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
        struct net_addr a;
        assert_int_equal(net_addr_parse(m.h, &a), 0);
        assert_string_equal(ip_str(&a.ip), "10.0.0.2");
        assert_int_equal(a.prefixlen, 24);
        assert_int_equal(a.ifindex, 3);
        assert_true(a.flags & IFA_F_NOPREFIXROUTE); /* beyond the 8 bits of ifa_flags */
        assert_int_equal(a.valid_lifetime, NET_LIFETIME_INFINITE);

        struct ifaddrmsg ifa6 = {.ifa_family = AF_INET6,
                                 .ifa_prefixlen = 64,
                                 .ifa_index = 4,
                                 .ifa_flags = IFA_F_TENTATIVE};
        msg_start(&m, RTM_NEWADDR, 1, &ifa6, sizeof(ifa6));
        msg_ip(&m, IFA_ADDRESS, AF_INET6, "2001:db8::5");
        struct ifa_cacheinfo ci = {.ifa_prefered = 1800, .ifa_valid = 3600};
        msg_attr(&m, IFA_CACHEINFO, &ci, sizeof(ci));
        assert_int_equal(net_addr_parse(m.h, &a), 0);
        assert_string_equal(ip_str(&a.ip), "2001:db8::5");
        assert_true(a.flags & IFA_F_TENTATIVE);
        assert_int_equal(a.preferred_lifetime, 1800);
        assert_int_equal(a.valid_lifetime, 3600);

        /* an IPv4 address of 16 bytes is malformed */
        msg_start(&m, RTM_NEWADDR, 1, &ifa, sizeof(ifa));
        msg_ip(&m, IFA_ADDRESS, AF_INET6, "::1");
        assert_int_equal(net_addr_parse(m.h, &a), -EBADMSG);
}

/* ---- routes ---- */

static void test_route(void **state)
{
        struct msg m;
        struct rtmsg rtm = {.rtm_family = AF_INET,
                            .rtm_dst_len = 0,
                            .rtm_table = RT_TABLE_MAIN,
                            .rtm_protocol = RTPROT_DHCP,
                            .rtm_type = RTN_UNICAST};
        msg_start(&m, RTM_NEWROUTE, 1, &rtm, sizeof(rtm));
        msg_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
        msg_ip(&m, RTA_GATEWAY, AF_INET, "192.0.2.1");
        msg_u32(&m, RTA_OIF, 2);
        msg_u32(&m, RTA_PRIORITY, 100);
        struct net_route rt;
        assert_int_equal(net_route_parse(m.h, &rt), 0);
        assert_int_equal(rt.dst_len, 0);
        assert_string_equal(ip_str(&rt.dst), "0.0.0.0");
        assert_true(rt.has_gateway);
        assert_string_equal(ip_str(&rt.gateway), "192.0.2.1");
        assert_int_equal(rt.oif, 2);
        assert_int_equal(rt.priority, 100);
        assert_int_equal(rt.table, RT_TABLE_MAIN);
        assert_int_equal(rt.protocol, RTPROT_DHCP);

        /* a table beyond 255 is only in RTA_TABLE */
        struct rtmsg rtm6 = {.rtm_family = AF_INET6,
                             .rtm_dst_len = 64,
                             .rtm_table = RT_TABLE_COMPAT,
                             .rtm_type = RTN_UNREACHABLE};
        msg_start(&m, RTM_NEWROUTE, 1, &rtm6, sizeof(rtm6));
        msg_u32(&m, RTA_TABLE, 1000);
        msg_ip(&m, RTA_DST, AF_INET6, "2001:db8:1::");
        assert_int_equal(net_route_parse(m.h, &rt), 0);
        assert_int_equal(rt.table, 1000);
        assert_false(rt.has_gateway);
        assert_int_equal(rt.oif, 0);
        assert_string_equal(ip_str(&rt.dst), "2001:db8:1::");
        assert_int_equal(rt.type, RTN_UNREACHABLE);

        /* multipath: the first next hop stands for the route */
        msg_start(&m, RTM_NEWROUTE, 1, &rtm, sizeof(rtm));
        struct rtattr *mp = msg_attr(&m, RTA_MULTIPATH, NULL, 0);
        struct rtnexthop *nh = RTA_DATA(mp);
        nh->rtnh_ifindex = 5;
        struct rtattr *gw = RTNH_DATA(nh);
        gw->rta_type = RTA_GATEWAY;
        gw->rta_len = RTA_LENGTH(4);
        inet_pton(AF_INET, "198.51.100.1", RTA_DATA(gw));
        nh->rtnh_len = (unsigned short)RTNH_LENGTH(RTA_ALIGN(gw->rta_len));
        mp->rta_len = (unsigned short)RTA_LENGTH(nh->rtnh_len);
        m.h->nlmsg_len += RTA_ALIGN(nh->rtnh_len);
        assert_int_equal(net_route_parse(m.h, &rt), 0);
        assert_int_equal(rt.oif, 5);
        assert_string_equal(ip_str(&rt.gateway), "198.51.100.1");

        /* cached clones are not routes */
        rtm.rtm_flags = RTM_F_CLONED;
        msg_start(&m, RTM_NEWROUTE, 1, &rtm, sizeof(rtm));
        assert_int_equal(net_route_parse(m.h, &rt), -ENODATA);
}

/* ---- neighbours ---- */

static void test_neigh(void **state)
{
        struct msg m;
        struct ndmsg nd = {.ndm_family = AF_INET6, .ndm_ifindex = 4, .ndm_state = NUD_REACHABLE};
        msg_start(&m, RTM_NEWNEIGH, 1, &nd, sizeof(nd));
        msg_ip(&m, NDA_DST, AF_INET6, "fe80::1");
        msg_attr(&m, NDA_LLADDR, "\x52\x54\x00\x12\x34\x56", 6);
        struct net_neigh n;
        assert_int_equal(net_neigh_parse(m.h, &n), 0);
        assert_int_equal(n.ifindex, 4);
        assert_string_equal(ip_str(&n.ip), "fe80::1");
        assert_int_equal(n.lladdr_len, 6);
        assert_int_equal(n.state, NUD_REACHABLE);

        /* an unresolved entry has no link-layer address */
        nd.ndm_family = AF_INET;
        nd.ndm_state = NUD_FAILED;
        msg_start(&m, RTM_NEWNEIGH, 1, &nd, sizeof(nd));
        msg_ip(&m, NDA_DST, AF_INET, "192.0.2.9");
        assert_int_equal(net_neigh_parse(m.h, &n), 0);
        assert_int_equal(n.lladdr_len, 0);

        /* bridge forwarding entries are not IP neighbours */
        nd.ndm_family = AF_BRIDGE;
        msg_start(&m, RTM_NEWNEIGH, 1, &nd, sizeof(nd));
        assert_int_equal(net_neigh_parse(m.h, &n), -ENODATA);
}

/* ---- sockets ---- */

static void test_port(void **state)
{
        struct msg m;
        struct inet_diag_msg d = {.idiag_family = AF_INET, .idiag_state = TCP_LISTEN};
        d.id.idiag_sport = htons(7547);
        inet_pton(AF_INET, "127.0.0.1", d.id.idiag_src);
        msg_start(&m, SOCK_DIAG_BY_FAMILY, 1, &d, sizeof(d));
        struct net_port p;
        assert_int_equal(net_port_parse(m.h, &p), 0);
        assert_int_equal(p.state, NET_PORT_LISTEN);
        assert_int_equal(p.local_port, 7547);
        assert_int_equal(p.remote_port, 0);
        assert_string_equal(ip_str(&p.local), "127.0.0.1");
        assert_string_equal(ip_str(&p.remote), "0.0.0.0");

        struct inet_diag_msg d6 = {.idiag_family = AF_INET6, .idiag_state = TCP_ESTABLISHED};
        d6.id.idiag_sport = htons(22);
        d6.id.idiag_dport = htons(50123);
        inet_pton(AF_INET6, "2001:db8::1", d6.id.idiag_src);
        inet_pton(AF_INET6, "2001:db8::2", d6.id.idiag_dst);
        msg_start(&m, SOCK_DIAG_BY_FAMILY, 1, &d6, sizeof(d6));
        assert_int_equal(net_port_parse(m.h, &p), 0);
        assert_int_equal(p.state, NET_PORT_ESTABLISHED);
        assert_int_equal(p.remote_port, 50123);
        assert_string_equal(ip_str(&p.remote), "2001:db8::2");

        d.idiag_state = TCP_TIME_WAIT;
        msg_start(&m, SOCK_DIAG_BY_FAMILY, 1, &d, sizeof(d));
        assert_int_equal(net_port_parse(m.h, &p), -ENODATA);

        /* shorter than an inet_diag_msg */
        msg_start(&m, SOCK_DIAG_BY_FAMILY, 1, &d, 8);
        assert_int_equal(net_port_parse(m.h, &p), -EBADMSG);
}

/* ---- text ---- */

static void test_format(void **state)
{
        char buf[INET6_ADDRSTRLEN];
        assert_string_equal(net_prefix_to_mask(24, buf), "255.255.255.0");
        assert_string_equal(net_prefix_to_mask(0, buf), "0.0.0.0");
        assert_string_equal(net_prefix_to_mask(32, buf), "255.255.255.255");
        assert_string_equal(net_prefix_to_mask(19, buf), "255.255.224.0");

        struct net_ip ip = {.family = AF_INET6};
        inet_pton(AF_INET6, "2001:db8:ffff:ffff::1", ip.bytes);
        net_ip_mask(&ip, 36);
        assert_string_equal(ip_str(&ip), "2001:db8:f000::");
}

/* ---- numbering ---- */

static char *make_dir(void)
{
        char *dir = strdup("/tmp/test-netlink-XXXXXX");
        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        return dir;
}

static void remove_dir(char *dir)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/" NET_NUMBERING_FILE, dir);
        unlink(path);
        rmdir(dir);
        free(dir);
}

static uint32_t assign(struct net_numbering *nb, enum net_table t, const char *key, int ifindex)
{
        uint32_t instance = 0;
        assert_int_equal(net_numbering_assign(nb, t, key, ifindex, &instance), 0);
        return instance;
}

static void test_numbering(void **state)
{
        char *dir = make_dir();
        struct net_numbering nb;

        assert_int_equal(net_numbering_init(&nb, dir, "boot-a"), 0);
        net_numbering_begin(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "lo", 1), 1);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "eth0", 2), 2);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "veth-x", 9), 3);
        uint32_t dup;
        assert_int_equal(net_numbering_assign(&nb, NET_TABLE_INTERFACE, "eth0", 2, &dup), -EEXIST);
        net_numbering_end(&nb, NET_TABLE_INTERFACE);
        net_numbering_begin(&nb, NET_TABLE_IPV4_ADDRESS);
        assert_int_equal(assign(&nb, NET_TABLE_IPV4_ADDRESS, "eth0|192.0.2.2/24", 0), 1);
        net_numbering_end(&nb, NET_TABLE_IPV4_ADDRESS);
        net_numbering_begin(&nb, NET_TABLE_ACTIVE_PORT);
        assert_int_equal(assign(&nb, NET_TABLE_ACTIVE_PORT, "0|0.0.0.0|22|0.0.0.0|0", 0), 1);
        net_numbering_end(&nb, NET_TABLE_ACTIVE_PORT);
        assert_int_equal(net_numbering_save(&nb), 0);
        net_numbering_done(&nb);

        /* A restart in the same boot: the numbers stay; an interface whose ifindex changed
         * was made anew and gets a new number; one that vanished is forgotten. */
        assert_int_equal(net_numbering_init(&nb, dir, "boot-a"), 0);
        net_numbering_begin(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "eth0", 2), 2);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "veth-x", 12), 4);
        net_numbering_end(&nb, NET_TABLE_INTERFACE);
        net_numbering_begin(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "eth0", 2), 2);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "lo", 1), 5); /* gone meanwhile */
        net_numbering_end(&nb, NET_TABLE_INTERFACE);
        net_numbering_begin(&nb, NET_TABLE_IPV4_ADDRESS);
        assert_int_equal(assign(&nb, NET_TABLE_IPV4_ADDRESS, "eth0|192.0.2.2/24", 0), 1);
        net_numbering_end(&nb, NET_TABLE_IPV4_ADDRESS);
        /* sockets are numbered in memory only: the counter starts again */
        net_numbering_begin(&nb, NET_TABLE_ACTIVE_PORT);
        assert_int_equal(assign(&nb, NET_TABLE_ACTIVE_PORT, "0|0.0.0.0|80|0.0.0.0|0", 0), 1);
        net_numbering_end(&nb, NET_TABLE_ACTIVE_PORT);
        assert_int_equal(net_numbering_save(&nb), 0);
        net_numbering_done(&nb);

        /* Another boot: ifindexes mean nothing, names keep their numbers. */
        assert_int_equal(net_numbering_init(&nb, dir, "boot-b"), 0);
        net_numbering_begin(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "eth0", 3), 2);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "lo", 1), 5);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "wan", 4), 6);
        net_numbering_end(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(net_numbering_save(&nb), 0);
        net_numbering_done(&nb);

        /* Without a state directory nothing is kept. */
        assert_int_equal(net_numbering_init(&nb, NULL, NULL), 0);
        net_numbering_begin(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "eth0", 3), 1);
        net_numbering_end(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(net_numbering_save(&nb), 0);
        net_numbering_done(&nb);

        remove_dir(dir);
}

static void test_numbering_damaged_file(void **state)
{
        char *dir = make_dir();
        char path[512];
        snprintf(path, sizeof(path), "%s/" NET_NUMBERING_FILE, dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("not a store file\n", f);
        fclose(f);

        struct net_numbering nb;
        assert_int_equal(net_numbering_init(&nb, dir, "boot-a"), 0);
        net_numbering_begin(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "eth0", 2), 1);
        net_numbering_end(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(net_numbering_save(&nb), 0); /* replaces the damaged file */
        net_numbering_done(&nb);
        assert_int_equal(net_numbering_init(&nb, dir, "boot-a"), 0);
        net_numbering_begin(&nb, NET_TABLE_INTERFACE);
        assert_int_equal(assign(&nb, NET_TABLE_INTERFACE, "eth0", 2), 1);
        net_numbering_end(&nb, NET_TABLE_INTERFACE);
        net_numbering_done(&nb);
        remove_dir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_walk),
                cmocka_unit_test(test_unpadded_end),
                cmocka_unit_test(test_attrs_overrun),
                cmocka_unit_test(test_link),
                cmocka_unit_test(test_addr),
                cmocka_unit_test(test_route),
                cmocka_unit_test(test_neigh),
                cmocka_unit_test(test_port),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_numbering),
                cmocka_unit_test(test_numbering_damaged_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
