/* SPDX-License-Identifier: MIT */
/* The neighbour tables (ARP and NDP): RTM_GETNEIGH. */
#include <errno.h>
#include <linux/neighbour.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net-internal.h"
#include "netlink.h"

int net_neigh_parse(const struct nlmsghdr *h, struct net_neigh *ret)
{
        const struct rtattr *tb[NDA_MAX + 1];
        if (h->nlmsg_type != RTM_NEWNEIGH)
                return -ENODATA;
        int r = netlink_message_attrs(h, sizeof(struct ndmsg), tb, NDA_MAX);
        if (r < 0)
                return r;
        const struct ndmsg *nd = NLMSG_DATA(h);
        /* AF_BRIDGE entries are the bridges' forwarding databases, not IP neighbours. */
        if (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6)
                return -ENODATA;

        *ret = (struct net_neigh){.ifindex = nd->ndm_ifindex,
                                  .state = nd->ndm_state,
                                  .flags = nd->ndm_flags,
                                  .ip = {.family = nd->ndm_family}};
        size_t len, want = nd->ndm_family == AF_INET ? 4 : 16;
        if (!netlink_attr_bytes(tb[NDA_DST], ret->ip.bytes, sizeof(ret->ip.bytes), &len) ||
            len != want)
                return -EBADMSG;
        if (tb[NDA_LLADDR] &&
            !netlink_attr_bytes(tb[NDA_LLADDR], ret->lladdr, sizeof(ret->lladdr), &ret->lladdr_len))
                return -EBADMSG;
        return 0;
}

static int parse_neigh(const struct nlmsghdr *h, void *ret)
{
        return net_neigh_parse(h, ret);
}

int net_dump_neighbours(uint8_t family, size_t item_size, net_parse_fn parse, void **ret,
                        size_t *ret_n)
{
        struct {
                struct nlmsghdr h;
                struct ndmsg nd;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETNEIGH,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .nd = {.ndm_family = family},
        };
        return net_dump_collect(NETLINK_ROUTE, &req.h, item_size, parse, ret, ret_n);
}

int net_neigh_dump(struct net_neigh **ret, size_t *ret_n)
{
        void *items;
        int r = net_dump_neighbours(AF_UNSPEC, sizeof(struct net_neigh), parse_neigh, &items,
                                    ret_n);
        if (r >= 0)
                *ret = items;
        return r;
}
