/* SPDX-License-Identifier: MIT */
/* Network interfaces: RTM_GETLINK. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net-internal.h"
#include "netlink.h"
#include "util.h"

static bool attr_u16(const struct rtattr *a, uint16_t *ret)
{
        size_t len = 0;
        uint16_t v;
        if (!netlink_attr_bytes(a, &v, sizeof(v), &len) || len < sizeof(v))
                return false;
        *ret = v;
        return true;
}

/* IFLA_INFO_DATA of a VLAN or a bridge, IFLA_INFO_SLAVE_DATA of a bridge port. */
static int parse_info(const struct rtattr *const *info, struct net_link *ret)
{
        int r;
        if (info[IFLA_INFO_DATA] && streq(ret->kind, "vlan")) {
                const struct rtattr *tb[IFLA_VLAN_MAX + 1];
                r = netlink_parse_attrs(RTA_DATA(info[IFLA_INFO_DATA]),
                                        RTA_PAYLOAD(info[IFLA_INFO_DATA]), tb, IFLA_VLAN_MAX);
                if (r < 0)
                        return r;
                (void)attr_u16(tb[IFLA_VLAN_ID], &ret->vlan_id);
                uint16_t proto;
                if (attr_u16(tb[IFLA_VLAN_PROTOCOL], &proto))
                        ret->vlan_protocol = ntohs(proto); /* network byte order */
        }
        if (info[IFLA_INFO_DATA] && streq(ret->kind, "bridge")) {
                const struct rtattr *tb[IFLA_BR_MAX + 1];
                r = netlink_parse_attrs(RTA_DATA(info[IFLA_INFO_DATA]),
                                        RTA_PAYLOAD(info[IFLA_INFO_DATA]), tb, IFLA_BR_MAX);
                if (r < 0)
                        return r;
                uint8_t filtering = 0;
                (void)netlink_attr_u8(tb[IFLA_BR_VLAN_FILTERING], &filtering);
                ret->vlan_filtering = filtering != 0;
        }
        char slave_kind[NET_KIND_MAX] = "";
        (void)netlink_attr_string(info[IFLA_INFO_SLAVE_KIND], slave_kind, sizeof(slave_kind));
        ret->bond_port = streq(slave_kind, "bond");
        if (streq(slave_kind, "bridge")) {
                ret->bridge_port = true;
                if (info[IFLA_INFO_SLAVE_DATA]) {
                        const struct rtattr *tb[IFLA_BRPORT_MAX + 1];
                        r = netlink_parse_attrs(RTA_DATA(info[IFLA_INFO_SLAVE_DATA]),
                                                RTA_PAYLOAD(info[IFLA_INFO_SLAVE_DATA]), tb,
                                                IFLA_BRPORT_MAX);
                        if (r < 0)
                                return r;
                        (void)netlink_attr_u8(tb[IFLA_BRPORT_STATE], &ret->port_state);
                        (void)netlink_attr_u32(tb[IFLA_BRPORT_COST], &ret->port_cost);
                }
        }
        return 0;
}

int net_link_parse(const struct nlmsghdr *h, struct net_link *ret)
{
        const struct rtattr *tb[IFLA_MAX + 1];
        if (h->nlmsg_type != RTM_NEWLINK)
                return -ENODATA;
        int r = netlink_message_attrs(h, sizeof(struct ifinfomsg), tb, IFLA_MAX);
        if (r < 0)
                return r;
        const struct ifinfomsg *ifi = NLMSG_DATA(h);

        *ret = (struct net_link){
                .ifindex = ifi->ifi_index, .flags = ifi->ifi_flags, .type = ifi->ifi_type};
        if (!netlink_attr_string(tb[IFLA_IFNAME], ret->name, sizeof(ret->name)) ||
            ret->name[0] == '\0')
                return -EBADMSG;
        (void)netlink_attr_u32(tb[IFLA_MTU], &ret->mtu);
        (void)netlink_attr_u8(tb[IFLA_OPERSTATE], &ret->operstate);
        if (tb[IFLA_ADDRESS] && !netlink_attr_bytes(tb[IFLA_ADDRESS], ret->hwaddr,
                                                    sizeof(ret->hwaddr), &ret->hwaddr_len))
                return -EBADMSG;
        if (tb[IFLA_LINKINFO]) {
                const struct rtattr *info[IFLA_INFO_MAX + 1];
                r = netlink_parse_attrs(RTA_DATA(tb[IFLA_LINKINFO]), RTA_PAYLOAD(tb[IFLA_LINKINFO]),
                                        info, IFLA_INFO_MAX);
                if (r < 0)
                        return r;
                (void)netlink_attr_string(info[IFLA_INFO_KIND], ret->kind, sizeof(ret->kind));
                r = parse_info(info, ret);
                if (r < 0)
                        return r;
        }
        /* IPv6's per-device state: the flags of the last router advertisement. */
        if (tb[IFLA_AF_SPEC]) {
                const struct rtattr *af[AF_INET6 + 1];
                r = netlink_parse_attrs(RTA_DATA(tb[IFLA_AF_SPEC]), RTA_PAYLOAD(tb[IFLA_AF_SPEC]),
                                        af, AF_INET6);
                if (r < 0)
                        return r;
                if (af[AF_INET6]) {
                        const struct rtattr *in6[IFLA_INET6_MAX + 1];
                        r = netlink_parse_attrs(RTA_DATA(af[AF_INET6]), RTA_PAYLOAD(af[AF_INET6]),
                                                in6, IFLA_INET6_MAX);
                        if (r < 0)
                                return r;
                        (void)netlink_attr_u32(in6[IFLA_INET6_FLAGS], &ret->inet6_flags);
                }
        }
        uint32_t v;
        if (netlink_attr_u32(tb[IFLA_MASTER], &v))
                ret->master = (int)v;
        /* A veth's IFLA_LINK names its peer, maybe in another namespace: only a VLAN's. */
        if (streq(ret->kind, "vlan") && netlink_attr_u32(tb[IFLA_LINK], &v) &&
            !tb[IFLA_LINK_NETNSID])
                ret->lower = (int)v;
        return 0;
}

static int parse_link(const struct nlmsghdr *h, void *ret)
{
        return net_link_parse(h, ret);
}

int net_link_dump(struct net_link **ret, size_t *ret_n)
{
        struct {
                struct nlmsghdr h;
                struct ifinfomsg ifi;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETLINK,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
                .ifi = {.ifi_family = AF_UNSPEC},
        };
        void *items;
        int r = net_dump_collect(NETLINK_ROUTE, &req.h, sizeof(struct net_link), parse_link, &items,
                                 ret_n);
        if (r >= 0)
                *ret = items;
        return r;
}
