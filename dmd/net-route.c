/* SPDX-License-Identifier: MIT */
/* Routes: RTM_GETROUTE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net-internal.h"
#include "netlink.h"

static bool copy_ip(const struct rtattr *a, uint8_t family, struct net_ip *ret)
{
        size_t want = family == AF_INET ? 4 : 16, len;
        ret->family = family;
        return netlink_attr_bytes(a, ret->bytes, sizeof(ret->bytes), &len) && len == want;
}

/* A multipath route: its first next hop stands for it. */
static int first_nexthop(const struct rtattr *mp, uint8_t family, struct net_route *ret)
{
        if (RTA_PAYLOAD(mp) < sizeof(struct rtnexthop))
                return -EBADMSG;
        const struct rtnexthop *nh = RTA_DATA(mp);
        if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > RTA_PAYLOAD(mp))
                return -EBADMSG;
        ret->oif = nh->rtnh_ifindex;
        const struct rtattr *tb[RTA_MAX + 1];
        int r = netlink_parse_attrs(RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0), tb, RTA_MAX);
        if (r < 0)
                return r;
        if (tb[RTA_GATEWAY]) {
                if (!copy_ip(tb[RTA_GATEWAY], family, &ret->gateway))
                        return -EBADMSG;
                ret->has_gateway = true;
        }
        return 0;
}

int net_route_parse(const struct nlmsghdr *h, struct net_route *ret)
{
        const struct rtattr *tb[RTA_MAX + 1];
        if (h->nlmsg_type != RTM_NEWROUTE)
                return -ENODATA;
        int r = netlink_message_attrs(h, sizeof(struct rtmsg), tb, RTA_MAX);
        if (r < 0)
                return r;
        const struct rtmsg *rtm = NLMSG_DATA(h);
        if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
                return -ENODATA;
        /* Cached clones are not routes anybody configured. */
        if (rtm->rtm_flags & RTM_F_CLONED)
                return -ENODATA;

        *ret = (struct net_route){
                .dst = {.family = rtm->rtm_family},
                .dst_len = rtm->rtm_dst_len,
                .table = rtm->rtm_table,
                .protocol = rtm->rtm_protocol,
                .type = rtm->rtm_type,
        };
        (void)netlink_attr_u32(tb[RTA_TABLE], &ret->table);
        if (tb[RTA_DST] && !copy_ip(tb[RTA_DST], rtm->rtm_family, &ret->dst))
                return -EBADMSG;
        if (tb[RTA_GATEWAY]) {
                if (!copy_ip(tb[RTA_GATEWAY], rtm->rtm_family, &ret->gateway))
                        return -EBADMSG;
                ret->has_gateway = true;
        }
        uint32_t oif;
        if (netlink_attr_u32(tb[RTA_OIF], &oif))
                ret->oif = (int)oif;
        (void)netlink_attr_u32(tb[RTA_PRIORITY], &ret->priority);
        (void)netlink_attr_u8(tb[RTA_PREF], &ret->pref);
        struct rta_cacheinfo ci;
        size_t ci_len = 0;
        /* rta_expires counts clock ticks; negative when already expired. */
        if (tb[RTA_CACHEINFO] && netlink_attr_bytes(tb[RTA_CACHEINFO], &ci, sizeof(ci), &ci_len) &&
            ci_len >= sizeof(ci) && (int32_t)ci.rta_expires > 0) {
                long hz = sysconf(_SC_CLK_TCK);
                ret->expires = (ci.rta_expires + (uint32_t)(hz > 0 ? hz : 100) - 1) /
                               (uint32_t)(hz > 0 ? hz : 100);
        }
        if (tb[RTA_MULTIPATH] && !ret->oif) {
                r = first_nexthop(tb[RTA_MULTIPATH], rtm->rtm_family, ret);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_route(const struct nlmsghdr *h, void *ret)
{
        return net_route_parse(h, ret);
}

int net_route_dump(int family, struct net_route **ret, size_t *ret_n)
{
        struct {
                struct nlmsghdr h;
                struct rtmsg rtm;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETROUTE,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .rtm = {.rtm_family = (uint8_t)family},
        };
        void *items;
        int r = net_dump_collect(NETLINK_ROUTE, &req.h, sizeof(struct net_route), parse_route,
                                 &items, ret_n);
        if (r >= 0)
                *ret = items;
        return r;
}
