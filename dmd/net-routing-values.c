/* SPDX-License-Identifier: MIT */
/* Device.Routing. and Device.Hosts. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin-table.h"
#include "net-values.h"

static const char *route_type(uint8_t type)
{
        switch (type) {
        case RTN_BLACKHOLE:
                return "Blackhole";
        case RTN_UNREACHABLE:
                return "Unreachable";
        case RTN_PROHIBIT:
                return "Prohibit";
        default:
                return "Normal";
        }
}

static const char *route_origin(const struct net_route *rt)
{
        bool v4 = rt->dst.family == AF_INET;
        switch (rt->protocol) {
        case RTPROT_DHCP:
                return v4 ? "DHCPv4" : "DHCPv6";
        case RTPROT_RA:
                return v4 ? "Static" : "RA";
        case RTPROT_OSPF:
                return "OSPF";
        case RTPROT_RIP:
                return v4 ? "RIP" : "RIPng";
        default:
                return "Static";
        }
}

static size_t count_routes(const struct linux_net *n, int family)
{
        size_t c = 0;
        for (size_t i = 0; i < n->n_routes; i++)
                c += n->routes[i].dst.family == family;
        return c;
}

static int get_route(struct linux_net *n, const struct net_route *rt, const char *field, char **ret)
{
        bool v4 = rt->dst.family == AF_INET;
        if (streq(field, "Enable"))
                return net_boolean(true, ret);
        if (streq(field, "Status"))
                return net_text("Enabled", ret);
        if (streq(field, "Alias"))
                return net_format(ret, "cpe-%" PRIu32, rt->instance);
        if (streq(field, "Type"))
                return net_text(route_type(rt->type), ret);
        if (streq(field, "Interface")) {
                const struct net_link *l = rt->oif ? net_link_by_ifindex(n, rt->oif) : NULL;
                return l ? net_format(ret, IP_TABLE "%" PRIu32, l->instance) : net_text("", ret);
        }
        if (streq(field, "Origin"))
                return net_text(route_origin(rt), ret);
        if (streq(field, "ForwardingPolicy"))
                return net_text("-1", ret); /* the main table: no policy selects its routes */
        if (streq(field, "ForwardingMetric"))
                return net_format(ret, "%" PRIu32,
                                  rt->priority > INT32_MAX ? INT32_MAX : rt->priority);
        if (v4) {
                if (streq(field, "StaticRoute"))
                        return net_boolean(
                                rt->protocol == RTPROT_STATIC || rt->protocol == RTPROT_BOOT, ret);
                /* The default route has neither destination nor mask. */
                if (streq(field, "DestIPAddress"))
                        return rt->dst_len == 0 ? net_text("", ret) : net_ip_text(&rt->dst, ret);
                if (streq(field, "DestSubnetMask")) {
                        char mask[INET_ADDRSTRLEN];
                        return rt->dst_len == 0
                                       ? net_text("", ret)
                                       : net_text(net_prefix_to_mask(rt->dst_len, mask), ret);
                }
                if (streq(field, "GatewayIPAddress"))
                        return rt->has_gateway ? net_ip_text(&rt->gateway, ret) : net_text("", ret);
                return -ENOENT;
        }
        if (streq(field, "DestIPPrefix")) {
                char dst[INET6_ADDRSTRLEN];
                return net_format(ret, "%s/%u", net_ip_to_string(&rt->dst, dst), rt->dst_len);
        }
        if (streq(field, "NextHop"))
                return rt->has_gateway ? net_ip_text(&rt->gateway, ret) : net_text("", ret);
        if (streq(field, "ExpirationTime"))
                return net_lifetime(rt->expires ? rt->expires : NET_LIFETIME_INFINITE, ret);
        return -ENOENT;
}

/* A route a router advertisement made (RFC 4861 default router, RFC 4191 route
 * information): a row of Device.Routing.RouteInformation.InterfaceSetting., numbered as its
 * IPv6Forwarding row. */
bool net_route_from_router_advertisement(const struct net_route *rt)
{
        return rt->dst.family == AF_INET6 && rt->protocol == RTPROT_RA;
}

/* RTA_PREF values (linux/icmpv6.h). */
#define ROUTER_PREF_LOW  0x3
#define ROUTER_PREF_HIGH 0x1

#ifndef IF_RA_OTHERCONF
#define IF_RA_OTHERCONF 0x80
#endif
#ifndef IF_RA_MANAGED
#define IF_RA_MANAGED 0x40
#endif

static int get_route_information(struct linux_net *n, const char *field, char **ret)
{
        int r = net_snapshot_refresh(n, NET_SECTION_ROUTES);
        if (r < 0)
                return r;
        if (streq(field, "InterfaceSettingNumberOfEntries")) {
                size_t c = 0;
                for (size_t i = 0; i < n->n_routes; i++)
                        c += net_route_from_router_advertisement(&n->routes[i]);
                return net_unsigned_int(c, ret);
        }
        if (!startswith(field, "InterfaceSetting."))
                return -ENOENT;
        uint32_t instance;
        r = table_parse_instance(field + strlen("InterfaceSetting."), &instance, &field);
        if (r < 0)
                return r;
        const struct net_route *rt = NULL;
        for (size_t i = 0; i < n->n_routes && !rt; i++)
                if (n->routes[i].instance == instance &&
                    net_route_from_router_advertisement(&n->routes[i]))
                        rt = &n->routes[i];
        if (!rt)
                return -ENOENT;
        const struct net_link *l = rt->oif ? net_link_by_ifindex(n, rt->oif) : NULL;
        if (streq(field, "Status"))
                return net_text("ForwardingEntryCreated", ret); /* it is in the table */
        if (streq(field, "Interface"))
                return l ? net_format(ret, IP_TABLE "%" PRIu32, l->instance) : net_text("", ret);
        if (streq(field, "SourceRouter"))
                return rt->has_gateway ? net_ip_text(&rt->gateway, ret) : net_text("", ret);
        if (streq(field, "PreferredRouteFlag"))
                return net_text(rt->pref == ROUTER_PREF_HIGH  ? "High"
                                : rt->pref == ROUTER_PREF_LOW ? "Low"
                                                              : "Medium",
                                ret);
        if (streq(field, "Prefix")) {
                char dst[INET6_ADDRSTRLEN];
                return net_format(ret, "%s/%u", net_ip_to_string(&rt->dst, dst), rt->dst_len);
        }
        if (streq(field, "RouteLifetime"))
                return net_lifetime(rt->expires ? rt->expires : NET_LIFETIME_INFINITE, ret);
        if (streq(field, "ManagedAddressConfiguration"))
                return net_boolean(l && (l->inet6_flags & IF_RA_MANAGED), ret);
        if (streq(field, "OtherConfiguration"))
                return net_boolean(l && (l->inet6_flags & IF_RA_OTHERCONF), ret);
        return -ENOENT;
}

int net_get_routing(struct linux_net *n, const char *field, char **ret)
{
        if (startswith(field, "RouteInformation."))
                return get_route_information(n, field + strlen("RouteInformation."), ret);
        if (streq(field, "RouterNumberOfEntries"))
                return net_unsigned_int(1, ret);
        if (!startswith(field, "Router.1."))
                return -ENOENT;
        field += strlen("Router.1.");
        if (streq(field, "Enable"))
                return net_boolean(true, ret);
        if (streq(field, "Status"))
                return net_text("Enabled", ret);
        if (streq(field, "Alias"))
                return net_text("cpe-main", ret);
        int r = net_snapshot_refresh(n, NET_SECTION_ROUTES);
        if (r < 0)
                return r;
        if (streq(field, "IPv4ForwardingNumberOfEntries"))
                return net_unsigned_int(count_routes(n, AF_INET), ret);
        if (streq(field, "IPv6ForwardingNumberOfEntries"))
                return net_unsigned_int(count_routes(n, AF_INET6), ret);
        bool v4 = startswith(field, "IPv4Forwarding.");
        if (!v4 && !startswith(field, "IPv6Forwarding."))
                return -ENOENT;
        uint32_t instance;
        r = table_parse_instance(field + strlen("IPv4Forwarding."), &instance, &field);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n_routes; i++)
                if (n->routes[i].instance == instance &&
                    n->routes[i].dst.family == (v4 ? AF_INET : AF_INET6))
                        return get_route(n, &n->routes[i], field, ret);
        return -ENOENT;
}

/* ---- hosts ---- */

static const struct net_host *find_host(const struct linux_net *n, uint32_t instance)
{
        for (size_t i = 0; i < n->n_hosts; i++)
                if (n->hosts[i].instance == instance)
                        return &n->hosts[i];
        return NULL;
}

static int get_host_ip(const struct net_host_ip *v, size_t count, const char *rest, char **ret)
{
        uint32_t instance;
        const char *field;
        int r = table_parse_instance(rest, &instance, &field);
        if (r < 0)
                return r;
        for (size_t i = 0; i < count; i++)
                if (v[i].instance == instance)
                        return streq(field, "IPAddress") ? net_ip_text(&v[i].ip, ret) : -ENOENT;
        return -ENOENT;
}

int net_get_hosts(struct linux_net *n, const char *field, char **ret)
{
        int r = net_snapshot_refresh(n, NET_SECTION_HOSTS);
        if (r < 0)
                return r;
        if (streq(field, "HostNumberOfEntries"))
                return net_unsigned_int(n->n_hosts, ret);
        if (!startswith(field, "Host."))
                return -ENOENT;
        uint32_t instance;
        r = table_parse_instance(field + strlen("Host."), &instance, &field);
        if (r < 0)
                return r;
        const struct net_host *h = find_host(n, instance);
        if (!h)
                return -ENOENT;
        const struct net_link *l = net_link_by_ifindex(n, h->ifindex);
        if (!l)
                return -ENOENT;

        if (streq(field, "PhysAddress")) {
                char mac[NET_HWADDR_MAX * 3];
                return net_text(net_hwaddr_to_string(h->mac, h->mac_len, mac), ret);
        }
        if (streq(field, "IPAddress")) {
                /* The host's IPv4 address where it has one: what TR-181's single address
                 * usually means. */
                if (h->n_v4 > 0)
                        return net_ip_text(&h->v4[0].ip, ret);
                return h->n_v6 > 0 ? net_ip_text(&h->v6[0].ip, ret) : net_text("", ret);
        }
        /* The device the host is reached through: the bridge port it is behind, or the
         * interface it was seen on. */
        const struct net_link *l1 = h->port ? net_link_by_ifindex(n, h->port) : NULL;
        if (!l1)
                l1 = l;
        if (streq(field, "Layer1Interface"))
                return net_link_is_ethernet(n, l1)
                               ? net_format(ret, ETH_TABLE "%" PRIu32, l1->instance)
                               : net_text("", ret);
        if (streq(field, "InterfaceType")) {
                if (net_link_is_ethernet(n, l1))
                        return net_text("Ethernet", ret);
                return net_text(net_link_is_wireless(n, l1) ? "Wi-Fi" : "Other", ret);
        }
        if (streq(field, "Layer3Interface"))
                return net_format(ret, IP_TABLE "%" PRIu32, l->instance);
        if (streq(field, "Active"))
                return net_boolean(h->active, ret);
        if (streq(field, "IPv4AddressNumberOfEntries"))
                return net_unsigned_int(h->n_v4, ret);
        if (streq(field, "IPv6AddressNumberOfEntries"))
                return net_unsigned_int(h->n_v6, ret);
        if (startswith(field, "IPv4Address."))
                return get_host_ip(h->v4, h->n_v4, field + strlen("IPv4Address."), ret);
        if (startswith(field, "IPv6Address."))
                return get_host_ip(h->v6, h->n_v6, field + strlen("IPv6Address."), ret);
        return -ENOENT;
}
