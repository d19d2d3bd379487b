/* SPDX-License-Identifier: MIT */
/* The VLAN tables of bridges: RTM_GETLINK of AF_BRIDGE with RTEXT_FILTER_BRVLAN. */
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net-internal.h"
#include "netlink.h"

static int push(struct net_vec *v, int ifindex, uint16_t vid, uint16_t flags)
{
        struct net_brvlan *e = net_vec_push(v);
        if (!e)
                return -ENOMEM;
        *e = (struct net_brvlan){.ifindex = ifindex,
                                 .vid = vid,
                                 .flags = flags &
                                          (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)};
        return 0;
}

int net_brvlan_parse(const struct nlmsghdr *h, struct net_vec *v)
{
        const struct rtattr *tb[IFLA_MAX + 1];
        if (h->nlmsg_type != RTM_NEWLINK)
                return 0;
        int r = netlink_message_attrs(h, sizeof(struct ifinfomsg), tb, IFLA_MAX);
        if (r < 0)
                return r;
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        if (ifi->ifi_family != AF_BRIDGE || !tb[IFLA_AF_SPEC])
                return 0;

        /* The nest holds one IFLA_BRIDGE_VLAN_INFO per VLAN (or per range's ends). */
        const struct rtattr *a = RTA_DATA(tb[IFLA_AF_SPEC]);
        unsigned short len = (unsigned short)RTA_PAYLOAD(tb[IFLA_AF_SPEC]);
        uint16_t range_begin = 0;
        for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                if (a->rta_type != IFLA_BRIDGE_VLAN_INFO)
                        continue;
                struct bridge_vlan_info info;
                if (RTA_PAYLOAD(a) < sizeof(info))
                        return -EBADMSG;
                memcpy(&info, RTA_DATA(a), sizeof(info));
                if (info.vid < 1 || info.vid > 4094)
                        return -EBADMSG;
                if (info.flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
                        range_begin = info.vid;
                        continue;
                }
                uint16_t first = info.vid;
                if ((info.flags & BRIDGE_VLAN_INFO_RANGE_END) && range_begin &&
                    range_begin <= info.vid)
                        first = range_begin;
                range_begin = 0;
                for (uint32_t vid = first; vid <= info.vid; vid++) {
                        r = push(v, ifi->ifi_index, (uint16_t)vid, info.flags);
                        if (r < 0)
                                return r;
                }
        }
        if (len != 0 && len >= sizeof(struct rtattr))
                return -EBADMSG;
        return 0;
}

static int on_message(const struct nlmsghdr *h, void *userdata)
{
        return net_brvlan_parse(h, userdata);
}

int net_brvlan_dump(struct net_brvlan **ret, size_t *ret_n)
{
        struct {
                struct nlmsghdr h;
                struct ifinfomsg ifi;
                struct rtattr mask_attr;
                uint32_t mask;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETLINK,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .ifi = {.ifi_family = AF_BRIDGE},
                .mask_attr = {.rta_len = RTA_LENGTH(sizeof(uint32_t)), .rta_type = IFLA_EXT_MASK},
                .mask = RTEXT_FILTER_BRVLAN,
        };
        struct net_vec v = {.item_size = sizeof(struct net_brvlan)};
        int r = netlink_dump(NETLINK_ROUTE, &req.h, on_message, &v);
        if (r < 0) {
                free(v.items);
                return r;
        }
        *ret = v.items;
        *ret_n = v.n;
        return 0;
}
