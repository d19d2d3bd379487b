/* SPDX-License-Identifier: MIT */
/* Reading the kernel's tables into numbered snapshots. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if_arp.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin-table.h"
#include "log.h"
#include "util.h"
#include "net-qos.h"
#include "net-snapshot.h"

#define COMPARE_INSTANCE(type)                                                                     \
        static int compare_##type(const void *a, const void *b)                                    \
        {                                                                                          \
                const struct type *x = a, *y = b;                                                  \
                return x->instance < y->instance ? -1 : x->instance > y->instance;                 \
        }
COMPARE_INSTANCE(net_link)
COMPARE_INSTANCE(net_addr)
COMPARE_INSTANCE(net_route)
COMPARE_INSTANCE(net_host)
COMPARE_INSTANCE(net_port)

/* qsort() wants an array even for no items: the dumps give NULL then. */
static void sort(void *items, size_t n, size_t size, int (*compare)(const void *, const void *))
{
        if (n > 1)
                qsort(items, n, size, compare);
}

const struct net_link *net_link_by_instance(const struct linux_net *n, uint32_t instance)
{
        const struct net_link key = {.instance = instance};
        return n->n_links ? bsearch(&key, n->links, n->n_links, sizeof(key), compare_net_link)
                          : NULL;
}

const struct net_link *net_link_by_ifindex(const struct linux_net *n, int ifindex)
{
        for (size_t i = 0; i < n->n_links; i++)
                if (n->links[i].ifindex == ifindex)
                        return &n->links[i];
        return NULL;
}

static bool sys_net_exists(const struct linux_net *n, const char *ifname, const char *entry)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/class/net/%s/%s", n->sys, ifname, entry);
        return access(path, F_OK) == 0;
}

static bool link_is_ethernet(const struct linux_net *n, const struct net_link *l)
{
        if (l->type != ARPHRD_ETHER || (l->flags & IFF_LOOPBACK))
                return false;
        if (streq(l->kind, "veth"))
                return true;
        /* A port of a network card: a device behind it, no software kind, not a radio. */
        return l->kind[0] == '\0' && sys_net_exists(n, l->name, "device") &&
               !sys_net_exists(n, l->name, "wireless") && !sys_net_exists(n, l->name, "phy80211");
}

bool net_link_is_wireless(const struct linux_net *n, const struct net_link *l)
{
        return sys_net_exists(n, l->name, "wireless") || sys_net_exists(n, l->name, "phy80211");
}

bool net_link_is_ethernet(const struct linux_net *n, const struct net_link *l)
{
        return l->ethernet;
}

/* ---- the sections ---- */

static int refresh_links(struct linux_net *n)
{
        struct net_link *links = NULL;
        size_t count = 0;
        int r = net_link_dump(&links, &count);
        if (r < 0)
                return r;
        size_t kept = 0;
        net_numbering_begin(&n->numbering, NET_TABLE_INTERFACE);
        for (size_t i = 0; i < count; i++) {
                r = net_numbering_assign(&n->numbering, NET_TABLE_INTERFACE, links[i].name,
                                         links[i].ifindex, &links[i].instance);
                if (r == -EEXIST)
                        continue;
                if (r < 0) {
                        free(links);
                        return r;
                }
                links[i].ethernet = link_is_ethernet(n, &links[i]);
                links[kept++] = links[i];
        }
        net_numbering_end(&n->numbering, NET_TABLE_INTERFACE);
        sort(links, kept, sizeof(*links), compare_net_link);
        free(n->links);
        n->links = links;
        n->n_links = kept;
        return 0;
}

COMPARE_INSTANCE(net_prefix)

#ifndef IFA_PROTO_KERNEL_RA
#define IFA_PROTO_KERNEL_RA 2
#endif

static bool ipv6_loopback(const struct net_ip *ip)
{
        static const uint8_t loopback[16] = {[15] = 1};
        return memcmp(ip->bytes, loopback, 16) == 0;
}

static bool ipv6_link_local(const struct net_ip *ip)
{
        return ip->bytes[0] == 0xfe && (ip->bytes[1] & 0xc0) == 0x80;
}

/* The prefixes the IPv6 addresses were made from: every address but a lone /128 (such as a
 * DHCPv6 lease) has one; ::1/128 is the well-known loopback prefix. */
static int number_prefixes(struct linux_net *n, struct net_addr *addrs, size_t count)
{
        struct net_vec v = {.item_size = sizeof(struct net_prefix)};
        int r = 0;

        net_numbering_begin(&n->numbering, NET_TABLE_IPV6_PREFIX);
        for (size_t i = 0; r >= 0 && i < count; i++) {
                struct net_addr *a = &addrs[i];
                if (a->ip.family != AF_INET6 || (a->prefixlen >= 128 && !ipv6_loopback(&a->ip)))
                        continue;
                struct net_ip prefix = a->ip;
                net_ip_mask(&prefix, a->prefixlen);
                struct net_prefix *p = NULL;
                for (size_t k = 0; k < v.n && !p; k++) {
                        struct net_prefix *c = (struct net_prefix *)v.items + k;
                        if (c->ifindex == a->ifindex && c->len == a->prefixlen &&
                            net_ip_equal(&c->prefix, &prefix))
                                p = c;
                }
                if (!p) {
                        const struct net_link *l = net_link_by_ifindex(n, a->ifindex);
                        char text[INET6_ADDRSTRLEN], key[IF_NAMESIZE + INET6_ADDRSTRLEN + 8];
                        snprintf(key, sizeof(key), "%s|%s/%u", l->name,
                                 net_ip_to_string(&prefix, text), a->prefixlen);
                        p = net_vec_push(&v);
                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        p->ifindex = a->ifindex;
                        p->prefix = prefix;
                        p->len = a->prefixlen;
                        p->origin =
                                ipv6_loopback(&a->ip) || ipv6_link_local(&a->ip)
                                        ? NET_PREFIX_WELL_KNOWN
                                : (a->flags & IFA_F_PERMANENT) && a->proto != IFA_PROTO_KERNEL_RA
                                        ? NET_PREFIX_STATIC
                                        : NET_PREFIX_RA;
                        r = net_numbering_assign(&n->numbering, NET_TABLE_IPV6_PREFIX, key, 0,
                                                 &p->instance);
                        if (r < 0)
                                break;
                }
                if (a->flags & (IFA_F_DEPRECATED))
                        p->deprecated = true;
                else if (!(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
                        p->preferred = true;
                a->prefix_instance = p->instance;
        }
        if (r < 0) {
                free(v.items);
                return r;
        }
        net_numbering_end(&n->numbering, NET_TABLE_IPV6_PREFIX);
        sort(v.items, v.n, sizeof(struct net_prefix), compare_net_prefix);
        free(n->prefixes);
        n->prefixes = v.items;
        n->n_prefixes = v.n;
        return 0;
}

static int refresh_addrs(struct linux_net *n)
{
        struct net_addr *addrs = NULL;
        size_t count = 0;
        int r = net_addr_dump(AF_UNSPEC, &addrs, &count);
        if (r < 0)
                return r;
        size_t kept = 0;
        net_numbering_begin(&n->numbering, NET_TABLE_IPV4_ADDRESS);
        net_numbering_begin(&n->numbering, NET_TABLE_IPV6_ADDRESS);
        for (size_t i = 0; i < count; i++) {
                struct net_addr *a = &addrs[i];
                const struct net_link *l = net_link_by_ifindex(n, a->ifindex);
                if (!l)
                        continue; /* a link that appeared after the link snapshot */
                char ip[INET6_ADDRSTRLEN], key[IF_NAMESIZE + INET6_ADDRSTRLEN + 8];
                snprintf(key, sizeof(key), "%s|%s/%u", l->name, net_ip_to_string(&a->ip, ip),
                         a->prefixlen);
                enum net_table t =
                        a->ip.family == AF_INET ? NET_TABLE_IPV4_ADDRESS : NET_TABLE_IPV6_ADDRESS;
                r = net_numbering_assign(&n->numbering, t, key, 0, &a->instance);
                if (r == -EEXIST)
                        continue;
                if (r < 0) {
                        free(addrs);
                        return r;
                }
                addrs[kept++] = *a;
        }
        net_numbering_end(&n->numbering, NET_TABLE_IPV4_ADDRESS);
        net_numbering_end(&n->numbering, NET_TABLE_IPV6_ADDRESS);
        r = number_prefixes(n, addrs, kept);
        if (r < 0) {
                free(addrs);
                return r;
        }
        sort(addrs, kept, sizeof(*addrs), compare_net_addr);
        free(n->addrs);
        n->addrs = addrs;
        n->n_addrs = kept;
        return 0;
}

static bool route_served(const struct net_route *rt)
{
        if (rt->table != RT_TABLE_MAIN)
                return false;
        switch (rt->type) {
        case RTN_UNICAST:
        case RTN_BLACKHOLE:
        case RTN_UNREACHABLE:
        case RTN_PROHIBIT:
                return true;
        default:
                return false;
        }
}

static int refresh_routes(struct linux_net *n)
{
        struct net_route *routes = NULL;
        size_t count = 0;
        int r = net_route_dump(AF_UNSPEC, &routes, &count);
        if (r < 0)
                return r;
        size_t kept = 0;
        net_numbering_begin(&n->numbering, NET_TABLE_IPV4_FORWARDING);
        net_numbering_begin(&n->numbering, NET_TABLE_IPV6_FORWARDING);
        for (size_t i = 0; i < count; i++) {
                struct net_route *rt = &routes[i];
                if (!route_served(rt))
                        continue;
                const struct net_link *l = rt->oif ? net_link_by_ifindex(n, rt->oif) : NULL;
                char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN] = "", key[256];
                if (rt->has_gateway)
                        net_ip_to_string(&rt->gateway, gw);
                snprintf(key, sizeof(key), "%s/%u|%s|%s|%" PRIu32 "|%u",
                         net_ip_to_string(&rt->dst, dst), rt->dst_len, gw, l ? l->name : "",
                         rt->priority, rt->type);
                enum net_table t = rt->dst.family == AF_INET ? NET_TABLE_IPV4_FORWARDING
                                                             : NET_TABLE_IPV6_FORWARDING;
                r = net_numbering_assign(&n->numbering, t, key, 0, &rt->instance);
                if (r == -EEXIST)
                        continue;
                if (r < 0) {
                        free(routes);
                        return r;
                }
                routes[kept++] = *rt;
        }
        net_numbering_end(&n->numbering, NET_TABLE_IPV4_FORWARDING);
        net_numbering_end(&n->numbering, NET_TABLE_IPV6_FORWARDING);
        sort(routes, kept, sizeof(*routes), compare_net_route);
        free(n->routes);
        n->routes = routes;
        n->n_routes = kept;
        return 0;
}

static void hosts_free(struct net_host *v, size_t count)
{
        for (size_t i = 0; i < count; i++) {
                free(v[i].v4);
                free(v[i].v6);
        }
        free(v);
}

/* A neighbour that stands for a host: resolved, on a real link, not a multicast mapping. */
static bool neigh_served(const struct linux_net *n, const struct net_neigh *ne)
{
        if (ne->lladdr_len == 0 || (ne->state & (NUD_NOARP | NUD_FAILED | NUD_INCOMPLETE)) ||
            ne->state == NUD_NONE)
                return false;
        const struct net_link *l = net_link_by_ifindex(n, ne->ifindex);
        return l && !(l->flags & IFF_LOOPBACK);
}

static int host_add_ip(struct linux_net *n, struct net_host *h, const struct net_ip *ip)
{
        bool v4 = ip->family == AF_INET;
        struct net_host_ip **v = v4 ? &h->v4 : &h->v6;
        size_t *count = v4 ? &h->n_v4 : &h->n_v6;
        char text[INET6_ADDRSTRLEN], key[INET6_ADDRSTRLEN + 16];
        snprintf(key, sizeof(key), "%" PRIu32 "|%s", h->instance, net_ip_to_string(ip, text));
        uint32_t instance;
        int r = net_numbering_assign(&n->numbering, v4 ? NET_TABLE_HOST_IPV4 : NET_TABLE_HOST_IPV6,
                                     key, 0, &instance);
        if (r == -EEXIST)
                return 0;
        if (r < 0)
                return r;
        struct net_host_ip *w = reallocarray(*v, *count + 1, sizeof(**v));
        if (!w)
                return -ENOMEM;
        *v = w;
        w[(*count)++] = (struct net_host_ip){.ip = *ip, .instance = instance};
        return 0;
}

static int compare_host_ip(const void *a, const void *b)
{
        const struct net_host_ip *x = a, *y = b;
        return x->instance < y->instance ? -1 : x->instance > y->instance;
}

/* A host seen on a bridge is behind one of its ports: the bridge's forwarding database says
 * which (its learned and static entries; the permanent ones are the bridge's own). */
static void find_bridge_ports(struct linux_net *n, struct net_host *hosts, size_t count)
{
        bool any = false;
        for (size_t i = 0; i < count && !any; i++) {
                const struct net_link *l = net_link_by_ifindex(n, hosts[i].ifindex);
                any = l && streq(l->kind, "bridge");
        }
        if (!any)
                return;
        struct net_fdb *fdb = NULL;
        size_t n_fdb = 0;
        if (net_fdb_dump(&fdb, &n_fdb) < 0)
                return; /* the ports stay unknown */
        for (size_t i = 0; i < count; i++) {
                struct net_host *h = &hosts[i];
                for (size_t k = 0; k < n_fdb && !h->port; k++) {
                        const struct net_fdb *e = &fdb[k];
                        const struct net_link *p = net_link_by_ifindex(n, e->port);
                        if (!(e->state & NUD_PERMANENT) && p && p->master == h->ifindex &&
                            p->ifindex != h->ifindex && e->mac_len == h->mac_len &&
                            memcmp(e->mac, h->mac, h->mac_len) == 0)
                                h->port = e->port;
                }
        }
        free(fdb);
}

static int refresh_hosts(struct linux_net *n)
{
        struct net_neigh *neigh = NULL;
        size_t count = 0;
        int r = net_neigh_dump(&neigh, &count);
        if (r < 0)
                return r;

        struct net_vec hosts = {.item_size = sizeof(struct net_host)};
        net_numbering_begin(&n->numbering, NET_TABLE_HOST);
        net_numbering_begin(&n->numbering, NET_TABLE_HOST_IPV4);
        net_numbering_begin(&n->numbering, NET_TABLE_HOST_IPV6);
        for (size_t i = 0; r >= 0 && i < count; i++) {
                const struct net_neigh *ne = &neigh[i];
                if (!neigh_served(n, ne))
                        continue;
                struct net_host *h = NULL;
                for (size_t k = 0; k < hosts.n && !h; k++) {
                        struct net_host *c = (struct net_host *)hosts.items + k;
                        if (c->ifindex == ne->ifindex && c->mac_len == ne->lladdr_len &&
                            memcmp(c->mac, ne->lladdr, ne->lladdr_len) == 0)
                                h = c;
                }
                if (!h) {
                        const struct net_link *l = net_link_by_ifindex(n, ne->ifindex);
                        char mac[NET_HWADDR_MAX * 3], key[IF_NAMESIZE + NET_HWADDR_MAX * 3 + 2];
                        snprintf(key, sizeof(key), "%s|%s", l->name,
                                 net_hwaddr_to_string(ne->lladdr, ne->lladdr_len, mac));
                        h = net_vec_push(&hosts);
                        if (!h) {
                                r = -ENOMEM;
                                break;
                        }
                        h->ifindex = ne->ifindex;
                        memcpy(h->mac, ne->lladdr, ne->lladdr_len);
                        h->mac_len = ne->lladdr_len;
                        r = net_numbering_assign(&n->numbering, NET_TABLE_HOST, key, 0,
                                                 &h->instance);
                        if (r < 0)
                                break;
                }
                if (ne->state & (NUD_REACHABLE | NUD_PERMANENT | NUD_DELAY | NUD_PROBE))
                        h->active = true;
                r = host_add_ip(n, h, &ne->ip);
        }
        free(neigh);
        if (r < 0) {
                hosts_free(hosts.items, hosts.n);
                return r;
        }
        net_numbering_end(&n->numbering, NET_TABLE_HOST);
        net_numbering_end(&n->numbering, NET_TABLE_HOST_IPV4);
        net_numbering_end(&n->numbering, NET_TABLE_HOST_IPV6);
        struct net_host *v = hosts.items;
        find_bridge_ports(n, v, hosts.n);
        for (size_t i = 0; i < hosts.n; i++) {
                sort(v[i].v4, v[i].n_v4, sizeof(*v[i].v4), compare_host_ip);
                sort(v[i].v6, v[i].n_v6, sizeof(*v[i].v6), compare_host_ip);
        }
        sort(v, hosts.n, sizeof(*v), compare_net_host);
        hosts_free(n->hosts, n->n_hosts);
        n->hosts = v;
        n->n_hosts = hosts.n;
        return 0;
}

static int refresh_ports(struct linux_net *n)
{
        struct net_port *ports = NULL;
        size_t count = 0;
        int r = net_port_dump(&ports, &count);
        if (r < 0)
                return r;
        size_t kept = 0;
        net_numbering_begin(&n->numbering, NET_TABLE_ACTIVE_PORT);
        for (size_t i = 0; i < count; i++) {
                struct net_port *p = &ports[i];
                char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN], key[128];
                snprintf(key, sizeof(key), "%d|%s|%u|%s|%u", (int)p->state,
                         net_ip_to_string(&p->local, local), p->local_port,
                         net_ip_to_string(&p->remote, remote), p->remote_port);
                r = net_numbering_assign(&n->numbering, NET_TABLE_ACTIVE_PORT, key, 0,
                                         &p->instance);
                if (r == -EEXIST)
                        continue; /* SO_REUSEPORT listeners look alike: one row */
                if (r < 0) {
                        free(ports);
                        return r;
                }
                ports[kept++] = *p;
        }
        net_numbering_end(&n->numbering, NET_TABLE_ACTIVE_PORT);
        sort(ports, kept, sizeof(*ports), compare_net_port);
        free(n->ports);
        n->ports = ports;
        n->n_ports = kept;
        return 0;
}

static int (*const refreshers[_NET_SECTION_MAX])(struct linux_net *) = {
        [NET_SECTION_LINKS] = refresh_links,     [NET_SECTION_ADDRS] = refresh_addrs,
        [NET_SECTION_ROUTES] = refresh_routes,   [NET_SECTION_HOSTS] = refresh_hosts,
        [NET_SECTION_PORTS] = refresh_ports,     [NET_SECTION_BRIDGES] = net_refresh_bridges,
        [NET_SECTION_STACK] = net_refresh_stack, [NET_SECTION_QOS] = net_refresh_qos,
};

static bool fresh(const struct linux_net *n, enum net_section s, uint64_t now)
{
        return n->valid[s] && now - n->taken_usec[s] < LINUX_NET_SNAPSHOT_USEC;
}

int net_snapshot_refresh(struct linux_net *n, enum net_section s)
{
        uint64_t now = table_now_usec();
        int r;

        /* Everything refers to interfaces by their numbers: the links come first. */
        if (s != NET_SECTION_LINKS && s != NET_SECTION_PORTS) {
                r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                if (r < 0)
                        return r;
        }
        /* Rows derived from the links name their numbers: they go stale with the links. */
        if ((s == NET_SECTION_BRIDGES || s == NET_SECTION_STACK || s == NET_SECTION_QOS) &&
            n->taken_usec[NET_SECTION_LINKS] > n->taken_usec[s])
                n->valid[s] = false;
        if (fresh(n, s, now))
                return 0;
        n->valid[s] = false;
        r = refreshers[s](n);
        if (r < 0)
                return r;
        /* Numbers are promised once they are on disk. */
        r = net_numbering_save(&n->numbering);
        if (r < 0)
                log_warning_errno(r, "Failed to save the network numbering: %m");
        /* Not older than the links it was made from (read after `now`). */
        n->taken_usec[s] =
                now > n->taken_usec[NET_SECTION_LINKS] ? now : n->taken_usec[NET_SECTION_LINKS];
        n->valid[s] = true;
        return 0;
}

int net_snapshot_row(struct linux_net *n, enum net_section s, const char *rest,
                     uint32_t *ret_instance, const char **ret_field)
{
        int r = table_parse_instance(rest, ret_instance, ret_field);
        return r < 0 ? r : net_snapshot_refresh(n, s);
}

void net_snapshot_free(struct linux_net *n)
{
        free(n->links);
        free(n->addrs);
        free(n->prefixes);
        free(n->routes);
        hosts_free(n->hosts, n->n_hosts);
        free(n->ports);
        net_bridges_free(n);
        net_stack_free(n);
        net_qos_free(n);
        n->links = NULL, n->addrs = NULL, n->prefixes = NULL, n->routes = NULL, n->hosts = NULL,
        n->ports = NULL;
        n->n_links = n->n_addrs = n->n_prefixes = n->n_routes = n->n_hosts = n->n_ports = 0;
        for (size_t s = 0; s < _NET_SECTION_MAX; s++)
                n->valid[s] = false;
}
