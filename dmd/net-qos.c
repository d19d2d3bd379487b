/* SPDX-License-Identifier: MIT */
/* The kernel's queueing disciplines: RTM_GETQDISC, their options and statistics. */
#include <errno.h>
#include <linux/gen_stats.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net-qos.h"
#include "netlink.h"
#include "util.h"

/* tbf reports its bucket in scheduler ticks of 64 ns (PSCHED_SHIFT). */
#define PSCHED_TICK_NSEC 64u

/* A bucket of `ticks` at `rate` bytes per second in bytes, as tc shows it: whole
 * microseconds of the rate. */
static uint64_t bucket_bytes(uint64_t rate, uint32_t ticks)
{
        uint64_t usec = (uint64_t)ticks * PSCHED_TICK_NSEC / 1000u;
        return rate * usec / 1000000u;
}

/* A u64 attribute, if there: false when it is there but not 8 bytes long. */
static bool optional_u64(const struct rtattr *a, uint64_t *v)
{
        size_t len;
        if (!a)
                return true;
        return netlink_attr_bytes(a, v, sizeof(*v), &len) && len == sizeof(*v);
}

static int parse_fifo(const struct rtattr *options, struct net_qdisc *q)
{
        struct tc_fifo_qopt opt;
        size_t len;
        if (!netlink_attr_bytes(options, &opt, sizeof(opt), &len) || len != sizeof(opt))
                return -EBADMSG;
        q->has_limit = true;
        q->limit = opt.limit;
        return 0;
}

static int parse_tbf(const struct rtattr *options, struct net_qdisc *q)
{
        const struct rtattr *tb[TCA_TBF_MAX + 1];
        int r = netlink_parse_attrs(RTA_DATA(options), RTA_PAYLOAD(options), tb, TCA_TBF_MAX);
        if (r < 0)
                return r;
        struct tc_tbf_qopt opt;
        size_t len;
        if (!netlink_attr_bytes(tb[TCA_TBF_PARMS], &opt, sizeof(opt), &len) || len != sizeof(opt))
                return -EBADMSG;
        q->has_limit = true;
        q->limit = opt.limit;
        q->has_rate = true;
        q->rate = opt.rate.rate;
        /* Rates beyond 32 bits come apart, the parameters then hold ~0. */
        if (!optional_u64(tb[TCA_TBF_RATE64], &q->rate))
                return -EBADMSG;
        q->burst = bucket_bytes(q->rate, opt.buffer);
        return 0;
}

static int parse_red(const struct rtattr *options, struct net_qdisc *q)
{
        const struct rtattr *tb[TCA_RED_MAX + 1];
        int r = netlink_parse_attrs(RTA_DATA(options), RTA_PAYLOAD(options), tb, TCA_RED_MAX);
        if (r < 0)
                return r;
        /* The structure grew a flags byte; its head is what matters. */
        const struct rtattr *p = tb[TCA_RED_PARMS];
        if (!p || RTA_PAYLOAD(p) < sizeof(uint32_t))
                return -EBADMSG;
        q->has_limit = netlink_attr_u32(p, &q->limit);
        return 0;
}

static int parse_options(const struct rtattr *options, struct net_qdisc *q)
{
        if (!options)
                return 0; /* a qdisc without parameters, or a terse dump */
        if (streq(q->kind, "pfifo") || streq(q->kind, "bfifo"))
                return parse_fifo(options, q);
        if (streq(q->kind, "tbf"))
                return parse_tbf(options, q);
        if (streq(q->kind, "red"))
                return parse_red(options, q);
        if (streq(q->kind, "prio") || streq(q->kind, "pfifo_fast")) {
                struct tc_prio_qopt opt;
                if (RTA_PAYLOAD(options) < sizeof(opt))
                        return -EBADMSG;
                memcpy(&opt, RTA_DATA(options), sizeof(opt));
                q->has_bands = opt.bands > 0;
        }
        return 0;
}

static int parse_stats2(const struct rtattr *stats, struct net_qdisc *q)
{
        const struct rtattr *tb[TCA_STATS_MAX + 1];
        int r = netlink_parse_attrs(RTA_DATA(stats), RTA_PAYLOAD(stats), tb, TCA_STATS_MAX);
        if (r < 0)
                return r;
        struct gnet_stats_basic basic;
        struct gnet_stats_queue queue;
        if (!tb[TCA_STATS_BASIC] || !tb[TCA_STATS_QUEUE])
                return 0;
        /* The kernel copies the padded structure; only its 12 bytes of data must be there. */
        if (RTA_PAYLOAD(tb[TCA_STATS_BASIC]) <
                    offsetof(struct gnet_stats_basic, packets) + sizeof(basic.packets) ||
            RTA_PAYLOAD(tb[TCA_STATS_QUEUE]) < sizeof(queue))
                return -EBADMSG;
        memset(&basic, 0, sizeof(basic));
        memcpy(&basic, RTA_DATA(tb[TCA_STATS_BASIC]),
               RTA_PAYLOAD(tb[TCA_STATS_BASIC]) < sizeof(basic) ? RTA_PAYLOAD(tb[TCA_STATS_BASIC])
                                                                : sizeof(basic));
        memcpy(&queue, RTA_DATA(tb[TCA_STATS_QUEUE]), sizeof(queue));
        q->has_stats = true;
        q->bytes = basic.bytes;
        q->packets = basic.packets;
        uint64_t pkt64;
        size_t len;
        /* Packets beyond 32 bits come separately. */
        if (tb[TCA_STATS_PKT64] &&
            netlink_attr_bytes(tb[TCA_STATS_PKT64], &pkt64, sizeof(pkt64), &len) &&
            len == sizeof(pkt64))
                q->packets = pkt64;
        q->drops = queue.drops;
        q->qlen = queue.qlen;
        q->backlog = queue.backlog;
        return 0;
}

/* Kernels older than TCA_STATS2 send the flat structure. */
static int parse_stats(const struct rtattr *stats, struct net_qdisc *q)
{
        struct tc_stats st;
        size_t len;
        if (!netlink_attr_bytes(stats, &st, sizeof(st), &len) || len < sizeof(st))
                return -EBADMSG;
        q->has_stats = true;
        q->bytes = st.bytes;
        q->packets = st.packets;
        q->drops = st.drops;
        q->qlen = st.qlen;
        q->backlog = st.backlog;
        return 0;
}

int net_qdisc_parse(const struct nlmsghdr *h, struct net_qdisc *ret)
{
        const struct rtattr *tb[TCA_MAX + 1];
        if (h->nlmsg_type != RTM_NEWQDISC)
                return -ENODATA;
        int r = netlink_message_attrs(h, sizeof(struct tcmsg), tb, TCA_MAX);
        if (r < 0)
                return r;
        const struct tcmsg *t = NLMSG_DATA(h);
        *ret = (struct net_qdisc){
                .ifindex = t->tcm_ifindex, .handle = t->tcm_handle, .parent = t->tcm_parent};
        if (!tb[TCA_KIND] || RTA_PAYLOAD(tb[TCA_KIND]) == 0 ||
            !netlink_attr_string(tb[TCA_KIND], ret->kind, sizeof(ret->kind)) || !ret->kind[0])
                return -EBADMSG;
        /* ingress and clsact hang below TC_H_INGRESS (== TC_H_CLSACT) and queue nothing;
         * noqueue is the absence of a queue. */
        if (t->tcm_parent == TC_H_INGRESS || streq(ret->kind, "ingress") ||
            streq(ret->kind, "clsact") || streq(ret->kind, "noqueue"))
                return -ENODATA;
        r = parse_options(tb[TCA_OPTIONS], ret);
        if (r < 0)
                return r;
        if (tb[TCA_STATS2])
                return parse_stats2(tb[TCA_STATS2], ret);
        if (tb[TCA_STATS])
                return parse_stats(tb[TCA_STATS], ret);
        return 0;
}

static int collect_qdisc(const struct nlmsghdr *h, void *userdata)
{
        struct net_vec *v = userdata;
        struct net_qdisc *q = net_vec_push(v);
        if (!q)
                return -ENOMEM;
        int r = net_qdisc_parse(h, q);
        if (r < 0)
                v->n--; /* not a queue, or a malformed message */
        return r == -ENODATA ? 0 : r;
}

int net_qdisc_dump(struct net_qdisc **ret, size_t *ret_n)
{
        struct {
                struct nlmsghdr h;
                struct tcmsg t;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETQDISC,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .t = {.tcm_family = AF_UNSPEC},
        };
        struct net_vec v = {.item_size = sizeof(struct net_qdisc)};
        int r = netlink_dump(NETLINK_ROUTE, &req.h, collect_qdisc, &v);
        if (r < 0) {
                free(v.items);
                return r;
        }
        *ret = v.items;
        *ret_n = v.n;
        return 0;
}

int net_htb_class_parse(const struct nlmsghdr *h, struct net_htb_class *ret)
{
        const struct rtattr *tb[TCA_MAX + 1], *htb[TCA_HTB_MAX + 1];
        if (h->nlmsg_type != RTM_NEWTCLASS)
                return -ENODATA;
        int r = netlink_message_attrs(h, sizeof(struct tcmsg), tb, TCA_MAX);
        if (r < 0)
                return r;
        char kind[NET_KIND_MAX];
        if (!netlink_attr_string(tb[TCA_KIND], kind, sizeof(kind)))
                return -EBADMSG;
        if (!streq(kind, "htb"))
                return -ENODATA;
        const struct rtattr *options = tb[TCA_OPTIONS];
        if (!options)
                return -EBADMSG;
        r = netlink_parse_attrs(RTA_DATA(options), RTA_PAYLOAD(options), htb, TCA_HTB_MAX);
        if (r < 0)
                return r;
        struct tc_htb_opt opt;
        size_t len;
        if (!netlink_attr_bytes(htb[TCA_HTB_PARMS], &opt, sizeof(opt), &len) || len != sizeof(opt))
                return -EBADMSG;
        const struct tcmsg *t = NLMSG_DATA(h);
        *ret = (struct net_htb_class){.ifindex = t->tcm_ifindex,
                                      .handle = t->tcm_handle,
                                      .rate = opt.rate.rate,
                                      .ceil = opt.ceil.rate};
        /* Rates beyond 32 bits come apart. */
        if (!optional_u64(htb[TCA_HTB_RATE64], &ret->rate) ||
            !optional_u64(htb[TCA_HTB_CEIL64], &ret->ceil))
                return -EBADMSG;
        ret->cburst = bucket_bytes(ret->ceil, opt.cbuffer);
        return 0;
}

static int collect_class(const struct nlmsghdr *h, void *userdata)
{
        struct net_vec *v = userdata;
        struct net_htb_class *c = net_vec_push(v);
        if (!c)
                return -ENOMEM;
        int r = net_htb_class_parse(h, c);
        if (r < 0)
                v->n--;
        return r == -ENODATA ? 0 : r;
}

int net_htb_class_dump(int ifindex, struct net_htb_class **ret, size_t *ret_n)
{
        struct {
                struct nlmsghdr h;
                struct tcmsg t;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETTCLASS,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .t = {.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex},
        };
        struct net_vec v = {.item_size = sizeof(struct net_htb_class)};
        int r = netlink_dump(NETLINK_ROUTE, &req.h, collect_class, &v);
        if (r < 0) {
                free(v.items);
                return r;
        }
        *ret = v.items;
        *ret_n = v.n;
        return 0;
}
