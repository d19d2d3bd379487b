/* SPDX-License-Identifier: MIT */
/* The bridges' forwarding databases: RTM_GETNEIGH of AF_BRIDGE. */
#include <errno.h>
#include <linux/neighbour.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net-internal.h"
#include "netlink.h"

int net_fdb_parse(const struct nlmsghdr *h, struct net_fdb *ret)
{
        const struct rtattr *tb[NDA_MAX + 1];
        if (h->nlmsg_type != RTM_NEWNEIGH)
                return -ENODATA;
        int r = netlink_message_attrs(h, sizeof(struct ndmsg), tb, NDA_MAX);
        if (r < 0)
                return r;
        const struct ndmsg *nd = NLMSG_DATA(h);
        if (nd->ndm_family != AF_BRIDGE)
                return -ENODATA;
        *ret = (struct net_fdb){
                .port = nd->ndm_ifindex, .state = nd->ndm_state, .flags = nd->ndm_flags};
        if (!netlink_attr_bytes(tb[NDA_LLADDR], ret->mac, sizeof(ret->mac), &ret->mac_len) ||
            ret->mac_len == 0 || ret->mac_len > sizeof(ret->mac))
                return -EBADMSG;
        uint32_t master;
        if (netlink_attr_u32(tb[NDA_MASTER], &master))
                ret->master = (int)master;
        return 0;
}

static int parse_fdb(const struct nlmsghdr *h, void *ret)
{
        return net_fdb_parse(h, ret);
}

int net_fdb_dump(struct net_fdb **ret, size_t *ret_n)
{
        void *items;
        int r = net_dump_neighbours(AF_BRIDGE, sizeof(struct net_fdb), parse_fdb, &items, ret_n);
        if (r >= 0)
                *ret = items;
        return r;
}
