/* SPDX-License-Identifier: MIT */
/* Interface addresses: RTM_GETADDR. */
#include <errno.h>
#include <linux/if_addr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net-internal.h"
#include "netlink.h"

/* IFA_PROTO arrived with Linux 6.3; older headers lack it. */
#ifndef IFA_PROTO
#define IFA_PROTO 11
#endif
#define ADDR_ATTR_MAX (IFA_PROTO > IFA_MAX ? IFA_PROTO : IFA_MAX)

static bool copy_ip(const struct rtattr *a, uint8_t family, struct net_ip *ret)
{
        size_t want = family == AF_INET ? 4 : 16, len;
        ret->family = family;
        return netlink_attr_bytes(a, ret->bytes, sizeof(ret->bytes), &len) && len == want;
}

int net_addr_parse(const struct nlmsghdr *h, struct net_addr *ret)
{
        const struct rtattr *tb[ADDR_ATTR_MAX + 1];
        if (h->nlmsg_type != RTM_NEWADDR)
                return -ENODATA;
        int r = netlink_message_attrs(h, sizeof(struct ifaddrmsg), tb, ADDR_ATTR_MAX);
        if (r < 0)
                return r;
        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
        if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
                return -ENODATA;

        *ret = (struct net_addr){
                .ifindex = (int)ifa->ifa_index,
                .prefixlen = ifa->ifa_prefixlen,
                .scope = ifa->ifa_scope,
                .flags = ifa->ifa_flags,
                .preferred_lifetime = NET_LIFETIME_INFINITE,
                .valid_lifetime = NET_LIFETIME_INFINITE,
        };
        /* IFA_LOCAL is the address of this end; IFA_ADDRESS the peer's on point-to-point
         * links, and the same as IFA_LOCAL elsewhere. IPv6 has IFA_ADDRESS alone. */
        const struct rtattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
        if (!copy_ip(a, ifa->ifa_family, &ret->ip))
                return -EBADMSG;
        (void)netlink_attr_u32(tb[IFA_FLAGS], &ret->flags);
        (void)netlink_attr_u8(tb[IFA_PROTO], &ret->proto);
        if (tb[IFA_CACHEINFO] && RTA_PAYLOAD(tb[IFA_CACHEINFO]) >= sizeof(struct ifa_cacheinfo)) {
                struct ifa_cacheinfo ci;
                memcpy(&ci, RTA_DATA(tb[IFA_CACHEINFO]), sizeof(ci));
                ret->preferred_lifetime = ci.ifa_prefered;
                ret->valid_lifetime = ci.ifa_valid;
        }
        return 0;
}

static int parse_addr(const struct nlmsghdr *h, void *ret)
{
        return net_addr_parse(h, ret);
}

int net_addr_dump(int family, struct net_addr **ret, size_t *ret_n)
{
        struct {
                struct nlmsghdr h;
                struct ifaddrmsg ifa;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETADDR,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .ifa = {.ifa_family = (uint8_t)family},
        };
        void *items;
        int r = net_dump_collect(NETLINK_ROUTE, &req.h, sizeof(struct net_addr), parse_addr, &items,
                                 ret_n);
        if (r >= 0)
                *ret = items;
        return r;
}
