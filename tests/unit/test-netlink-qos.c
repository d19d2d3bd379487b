/* SPDX-License-Identifier: MIT */
/* The queueing discipline and htb class parsers of Device.QoS., fed with RTM_NEWQDISC and
 * RTM_NEWTCLASS messages built here as the kernel lays them out, and with broken ones. */
#include <errno.h>
#include <linux/gen_stats.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net-qos.h"

struct msg {
        _Alignas(8) char buf[2048];
        struct nlmsghdr *h;
};

static void msg_start(struct msg *m, uint16_t type, int ifindex, uint32_t handle, uint32_t parent)
{
        memset(m->buf, 0, sizeof(m->buf));
        m->h = (struct nlmsghdr *)m->buf;
        m->h->nlmsg_type = type;
        m->h->nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
        struct tcmsg *t = NLMSG_DATA(m->h);
        *t = (struct tcmsg){.tcm_family = AF_UNSPEC,
                            .tcm_ifindex = ifindex,
                            .tcm_handle = handle,
                            .tcm_parent = parent};
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

static void msg_kind(struct msg *m, const char *kind)
{
        msg_attr(m, TCA_KIND, kind, strlen(kind) + 1);
}

/* A nested attribute: begin, add its members with msg_attr, end. */
static struct rtattr *nest_begin(struct msg *m, uint16_t type)
{
        return msg_attr(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msg *m, struct rtattr *nest)
{
        nest->rta_len = (unsigned short)((m->buf + m->h->nlmsg_len) - (char *)nest);
}

static void msg_stats2(struct msg *m, uint64_t bytes, uint32_t packets, uint32_t drops,
                       uint32_t qlen, uint32_t backlog)
{
        struct rtattr *s = nest_begin(m, TCA_STATS2);
        struct gnet_stats_basic basic = {.bytes = bytes, .packets = packets};
        msg_attr(m, TCA_STATS_BASIC, &basic, sizeof(basic));
        struct gnet_stats_queue queue = {
                .qlen = qlen, .backlog = backlog, .drops = drops, .overlimits = 7};
        msg_attr(m, TCA_STATS_QUEUE, &queue, sizeof(queue));
        nest_end(m, s);
}

static void test_pfifo(void **state)
{
        struct msg m;
        struct net_qdisc q;
        msg_start(&m, RTM_NEWQDISC, 3, 0x100000, 0x10001);
        msg_kind(&m, "pfifo");
        struct tc_fifo_qopt opt = {.limit = 30};
        msg_attr(&m, TCA_OPTIONS, &opt, sizeof(opt));
        msg_stats2(&m, 4000, 20, 2, 5, 1000);
        assert_int_equal(net_qdisc_parse(m.h, &q), 0);
        assert_int_equal(q.ifindex, 3);
        assert_int_equal(q.handle, 0x100000);
        assert_int_equal(q.parent, 0x10001);
        assert_string_equal(q.kind, "pfifo");
        assert_true(q.has_limit);
        assert_int_equal(q.limit, 30);
        assert_false(q.has_rate);
        assert_true(q.has_stats);
        assert_int_equal(q.bytes, 4000);
        assert_int_equal(q.packets, 20);
        assert_int_equal(q.drops, 2);
        assert_int_equal(q.qlen, 5);
        assert_int_equal(q.backlog, 1000);
        (void)state;
}

static void test_tbf(void **state)
{
        struct msg m;
        struct net_qdisc q;
        msg_start(&m, RTM_NEWQDISC, 4, 0x200000, TC_H_ROOT);
        msg_kind(&m, "tbf");
        struct rtattr *o = nest_begin(&m, TCA_OPTIONS);
        /* 1 mbit/s and a bucket of 32 KiB: 262144 µs, in ticks of 64 ns. */
        struct tc_tbf_qopt opt = {
                .rate = {.rate = 125000}, .limit = 20000, .buffer = 262144u * 1000u / 64u};
        msg_attr(&m, TCA_TBF_PARMS, &opt, sizeof(opt));
        nest_end(&m, o);
        assert_int_equal(net_qdisc_parse(m.h, &q), 0);
        assert_true(q.has_rate);
        assert_int_equal(q.rate, 125000);
        assert_int_equal(q.burst, 32768);
        assert_true(q.has_limit);
        assert_int_equal(q.limit, 20000);
        assert_false(q.has_stats);

        /* A rate beyond 32 bits comes as TCA_TBF_RATE64. */
        msg_start(&m, RTM_NEWQDISC, 4, 0x200000, TC_H_ROOT);
        msg_kind(&m, "tbf");
        o = nest_begin(&m, TCA_OPTIONS);
        opt.rate.rate = UINT32_MAX;
        msg_attr(&m, TCA_TBF_PARMS, &opt, sizeof(opt));
        uint64_t rate64 = 10000000000ull; /* 80 Gbit/s */
        msg_attr(&m, TCA_TBF_RATE64, &rate64, sizeof(rate64));
        nest_end(&m, o);
        assert_int_equal(net_qdisc_parse(m.h, &q), 0);
        assert_int_equal(q.rate, rate64);
        (void)state;
}

static void test_prio_and_pfifo_fast(void **state)
{
        struct msg m;
        struct net_qdisc q;
        struct tc_prio_qopt opt = {.bands = 3};
        msg_start(&m, RTM_NEWQDISC, 2, 0, TC_H_ROOT);
        msg_kind(&m, "pfifo_fast");
        msg_attr(&m, TCA_OPTIONS, &opt, sizeof(opt));
        assert_int_equal(net_qdisc_parse(m.h, &q), 0);
        assert_true(q.has_bands);
        assert_false(q.has_limit);

        msg_start(&m, RTM_NEWQDISC, 2, 0x10000, TC_H_ROOT);
        msg_kind(&m, "prio");
        msg_attr(&m, TCA_OPTIONS, &opt, 4); /* cut short */
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);
        (void)state;
}

static void test_not_queues(void **state)
{
        struct msg m;
        struct net_qdisc q;
        msg_start(&m, RTM_NEWQDISC, 2, 0xffff0000, TC_H_INGRESS);
        msg_kind(&m, "ingress");
        assert_int_equal(net_qdisc_parse(m.h, &q), -ENODATA);
        msg_start(&m, RTM_NEWQDISC, 2, 0xffff0000, TC_H_CLSACT);
        msg_kind(&m, "clsact");
        assert_int_equal(net_qdisc_parse(m.h, &q), -ENODATA);
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        msg_kind(&m, "noqueue");
        assert_int_equal(net_qdisc_parse(m.h, &q), -ENODATA);
        msg_start(&m, RTM_NEWTCLASS, 1, 0x10001, 0x10000);
        msg_kind(&m, "htb");
        assert_int_equal(net_qdisc_parse(m.h, &q), -ENODATA);
        (void)state;
}

static void test_unknown_kind_keeps_its_stats(void **state)
{
        struct msg m;
        struct net_qdisc q;
        msg_start(&m, RTM_NEWQDISC, 5, 0x10000, TC_H_ROOT);
        msg_kind(&m, "fq_codel");
        struct rtattr *o = nest_begin(&m, TCA_OPTIONS);
        uint32_t target = 4999;
        msg_attr(&m, 1, &target, sizeof(target));
        nest_end(&m, o);
        msg_stats2(&m, 1, 1, 0, 0, 0);
        assert_int_equal(net_qdisc_parse(m.h, &q), 0);
        assert_string_equal(q.kind, "fq_codel");
        assert_false(q.has_limit);
        assert_false(q.has_rate);
        assert_true(q.has_stats);
        assert_int_equal(q.packets, 1);
        (void)state;
}

static void test_old_flat_stats(void **state)
{
        struct msg m;
        struct net_qdisc q;
        msg_start(&m, RTM_NEWQDISC, 5, 0x10000, TC_H_ROOT);
        msg_kind(&m, "bfifo");
        struct tc_fifo_qopt opt = {.limit = 15000};
        msg_attr(&m, TCA_OPTIONS, &opt, sizeof(opt));
        struct tc_stats st = {.bytes = 900, .packets = 9, .drops = 1, .qlen = 2, .backlog = 300};
        msg_attr(&m, TCA_STATS, &st, sizeof(st));
        assert_int_equal(net_qdisc_parse(m.h, &q), 0);
        assert_int_equal(q.limit, 15000);
        assert_int_equal(q.bytes, 900);
        assert_int_equal(q.packets, 9);
        assert_int_equal(q.drops, 1);
        assert_int_equal(q.backlog, 300);
        (void)state;
}

static void test_packets_beyond_32_bits(void **state)
{
        struct msg m;
        struct net_qdisc q;
        msg_start(&m, RTM_NEWQDISC, 5, 0x10000, TC_H_ROOT);
        msg_kind(&m, "pfifo_fast");
        struct rtattr *s = nest_begin(&m, TCA_STATS2);
        struct gnet_stats_basic basic = {.bytes = 1ull << 40, .packets = 5};
        msg_attr(&m, TCA_STATS_BASIC, &basic, sizeof(basic));
        struct gnet_stats_queue queue = {0};
        msg_attr(&m, TCA_STATS_QUEUE, &queue, sizeof(queue));
        uint64_t pkt64 = (1ull << 32) + 5;
        msg_attr(&m, TCA_STATS_PKT64, &pkt64, sizeof(pkt64));
        nest_end(&m, s);
        assert_int_equal(net_qdisc_parse(m.h, &q), 0);
        assert_int_equal(q.packets, pkt64);
        assert_int_equal(q.bytes, 1ull << 40);
        (void)state;
}

static void test_malformed(void **state)
{
        struct msg m;
        struct net_qdisc q;

        /* no kind, an empty kind */
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        msg_attr(&m, TCA_KIND, "", 1);
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);

        /* shorter than its family header */
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        m.h->nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg) - 4);
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);

        /* an attribute running past the message */
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        struct rtattr *k = msg_attr(&m, TCA_KIND, "pfifo", 6);
        k->rta_len = 200;
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);

        /* pfifo options of the wrong size */
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        msg_kind(&m, "pfifo");
        uint16_t half = 30;
        msg_attr(&m, TCA_OPTIONS, &half, sizeof(half));
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);

        /* tbf without its parameters, with a short RATE64 */
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        msg_kind(&m, "tbf");
        struct rtattr *o = nest_begin(&m, TCA_OPTIONS);
        nest_end(&m, o);
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        msg_kind(&m, "tbf");
        o = nest_begin(&m, TCA_OPTIONS);
        struct tc_tbf_qopt opt = {.rate = {.rate = 1000}};
        msg_attr(&m, TCA_TBF_PARMS, &opt, sizeof(opt));
        uint32_t short_rate = 5;
        msg_attr(&m, TCA_TBF_RATE64, &short_rate, sizeof(short_rate));
        nest_end(&m, o);
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);

        /* a nested attribute whose member overruns it */
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        msg_kind(&m, "tbf");
        o = nest_begin(&m, TCA_OPTIONS);
        struct rtattr *p = msg_attr(&m, TCA_TBF_PARMS, &opt, sizeof(opt));
        nest_end(&m, o);
        p->rta_len = (unsigned short)(p->rta_len + 16);
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);

        /* statistics cut short */
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        msg_kind(&m, "pfifo_fast");
        struct rtattr *s = nest_begin(&m, TCA_STATS2);
        struct gnet_stats_basic basic = {0};
        msg_attr(&m, TCA_STATS_BASIC, &basic, 8);
        struct gnet_stats_queue queue = {0};
        msg_attr(&m, TCA_STATS_QUEUE, &queue, sizeof(queue));
        nest_end(&m, s);
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);
        msg_start(&m, RTM_NEWQDISC, 1, 0, TC_H_ROOT);
        msg_kind(&m, "pfifo_fast");
        struct tc_stats st = {0};
        msg_attr(&m, TCA_STATS, &st, sizeof(st) - 4);
        assert_int_equal(net_qdisc_parse(m.h, &q), -EBADMSG);
        (void)state;
}

static void test_htb_class(void **state)
{
        struct msg m;
        struct net_htb_class c;
        msg_start(&m, RTM_NEWTCLASS, 6, 0x10001, 0x10000);
        msg_kind(&m, "htb");
        struct rtattr *o = nest_begin(&m, TCA_OPTIONS);
        /* 5 and 8 Mbit/s; a ceiling bucket of 1600 µs. */
        struct tc_htb_opt opt = {.rate = {.rate = 625000},
                                 .ceil = {.rate = 1000000},
                                 .cbuffer = 1600u * 1000u / 64u};
        msg_attr(&m, TCA_HTB_PARMS, &opt, sizeof(opt));
        nest_end(&m, o);
        assert_int_equal(net_htb_class_parse(m.h, &c), 0);
        assert_int_equal(c.ifindex, 6);
        assert_int_equal(c.handle, 0x10001);
        assert_int_equal(c.rate, 625000);
        assert_int_equal(c.ceil, 1000000);
        assert_int_equal(c.cburst, 1600);

        /* 64-bit rates */
        msg_start(&m, RTM_NEWTCLASS, 6, 0x10001, 0x10000);
        msg_kind(&m, "htb");
        o = nest_begin(&m, TCA_OPTIONS);
        msg_attr(&m, TCA_HTB_PARMS, &opt, sizeof(opt));
        uint64_t ceil64 = 1ull << 33;
        msg_attr(&m, TCA_HTB_CEIL64, &ceil64, sizeof(ceil64));
        nest_end(&m, o);
        assert_int_equal(net_htb_class_parse(m.h, &c), 0);
        assert_int_equal(c.ceil, ceil64);
        assert_int_equal(c.rate, 625000);

        /* another kind is none of ours; a qdisc message neither */
        msg_start(&m, RTM_NEWTCLASS, 6, 0x10001, 0x10000);
        msg_kind(&m, "prio");
        assert_int_equal(net_htb_class_parse(m.h, &c), -ENODATA);
        msg_start(&m, RTM_NEWQDISC, 6, 0x10000, TC_H_ROOT);
        msg_kind(&m, "htb");
        assert_int_equal(net_htb_class_parse(m.h, &c), -ENODATA);

        /* malformed: no kind, no options, short parameters, a short CEIL64 */
        msg_start(&m, RTM_NEWTCLASS, 6, 0x10001, 0x10000);
        assert_int_equal(net_htb_class_parse(m.h, &c), -EBADMSG);
        msg_start(&m, RTM_NEWTCLASS, 6, 0x10001, 0x10000);
        msg_kind(&m, "htb");
        assert_int_equal(net_htb_class_parse(m.h, &c), -EBADMSG);
        msg_start(&m, RTM_NEWTCLASS, 6, 0x10001, 0x10000);
        msg_kind(&m, "htb");
        o = nest_begin(&m, TCA_OPTIONS);
        msg_attr(&m, TCA_HTB_PARMS, &opt, sizeof(opt) - 4);
        nest_end(&m, o);
        assert_int_equal(net_htb_class_parse(m.h, &c), -EBADMSG);
        msg_start(&m, RTM_NEWTCLASS, 6, 0x10001, 0x10000);
        msg_kind(&m, "htb");
        o = nest_begin(&m, TCA_OPTIONS);
        msg_attr(&m, TCA_HTB_PARMS, &opt, sizeof(opt));
        uint32_t short_ceil = 1;
        msg_attr(&m, TCA_HTB_CEIL64, &short_ceil, sizeof(short_ceil));
        nest_end(&m, o);
        assert_int_equal(net_htb_class_parse(m.h, &c), -EBADMSG);
        (void)state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pfifo),
                cmocka_unit_test(test_tbf),
                cmocka_unit_test(test_prio_and_pfifo_fast),
                cmocka_unit_test(test_not_queues),
                cmocka_unit_test(test_unknown_kind_keeps_its_stats),
                cmocka_unit_test(test_old_flat_stats),
                cmocka_unit_test(test_packets_beyond_32_bits),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_htb_class),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
