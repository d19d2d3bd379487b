/* SPDX-License-Identifier: MIT */
/* dmd's network provider: life cycle, names to their getters, the instances of the tables. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net-ethtool.h"
#include "net-qos.h"
#include "net-values.h"

const char *const linux_net_subtrees[] = {"Device.Ethernet.", "Device.IP.",
                                          "Device.Routing.",  "Device.Hosts.",
                                          "Device.Bridging.", "Device.InterfaceStack.",
                                          "Device.QoS.",      NULL};

/* ---- life cycle ---- */

static int read_boot_id(const char *proc, char buf[static 64])
{
        char path[512];
        snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", proc);
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        bool ok = fgets(buf, 64, f) != NULL;
        fclose(f);
        if (!ok)
                return -EIO;
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

int linux_net_new(const struct linux_net_paths *p, struct linux_net **ret)
{
        static const struct linux_net_paths defaults = {0};
        if (!p)
                p = &defaults;
        struct linux_net *n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->event_fd = -1;
        n->sys = strdup(p->sys ? p->sys : "/sys");
        n->proc = strdup(p->proc ? p->proc : "/proc");
        if (!n->sys || !n->proc) {
                linux_net_free(n);
                return -ENOMEM;
        }
        char boot_id[64];
        int r = read_boot_id(n->proc, boot_id);
        r = net_numbering_init(&n->numbering, p->state_dir, r < 0 ? NULL : boot_id);
        if (r < 0) {
                linux_net_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

void linux_net_free(struct linux_net *n)
{
        if (!n)
                return;
        sd_event_source_disable_unref(n->event_source);
        if (n->event_fd >= 0)
                close(n->event_fd);
        net_snapshot_free(n);
        net_numbering_done(&n->numbering);
        free(n->sys);
        free(n->proc);
        free(n);
}

void linux_net_invalidate(struct linux_net *n)
{
        for (size_t s = 0; s < _NET_SECTION_MAX; s++)
                n->valid[s] = false;
}

int linux_net_get(struct linux_net *n, const char *name, char **value)
{
        if (startswith(name, ETH_TABLE))
                return net_get_ethernet(n, name + strlen(ETH_TABLE), value);
        if (streq(name, "Device.Ethernet.FlowControlSupported")) {
                /* Some Ethernet port's driver supports pause frames. */
                int r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                if (r < 0)
                        return r;
                bool supported = false;
                for (size_t i = 0; i < n->n_links && !supported; i++) {
                        struct net_ethtool e;
                        supported = net_link_is_ethernet(n, &n->links[i]) &&
                                    net_ethtool_read(n->links[i].name, &e) >= 0 &&
                                    e.pause_supported;
                }
                return net_boolean(supported, value);
        }
        if (streq(name, "Device.Ethernet.InterfaceNumberOfEntries")) {
                int r = net_snapshot_refresh(n, NET_SECTION_LINKS);
                if (r < 0)
                        return r;
                size_t c = 0;
                for (size_t i = 0; i < n->n_links; i++)
                        c += net_link_is_ethernet(n, &n->links[i]);
                return net_unsigned_int(c, value);
        }
        if (startswith(name, "Device.Ethernet."))
                return net_get_ethernet_layers(n, name + strlen("Device.Ethernet."), value);
        if (startswith(name, "Device.Bridging."))
                return net_get_bridging(n, name + strlen("Device.Bridging."), value);
        if (startswith(name, STACK_TABLE))
                return net_get_interface_stack(n, name + strlen(STACK_TABLE), value);
        if (streq(name, "Device.InterfaceStackNumberOfEntries")) {
                int r = net_snapshot_refresh(n, NET_SECTION_STACK);
                return r < 0 ? r : net_unsigned_int(n->n_stack, value);
        }
        if (startswith(name, "Device.IP."))
                return net_get_ip(n, name + strlen("Device.IP."), value);
        if (startswith(name, "Device.Routing."))
                return net_get_routing(n, name + strlen("Device.Routing."), value);
        if (startswith(name, "Device.Hosts."))
                return net_get_hosts(n, name + strlen("Device.Hosts."), value);
        if (startswith(name, "Device.QoS."))
                return net_get_qos(n, name + strlen("Device.QoS."), value);
        return -ENOENT;
}

/* ---- instances ---- */

/* Does a query for `object` reach into `table` (or the other way round)? */
static bool overlaps(const char *object, const char *table)
{
        return startswith(table, object) || startswith(object, table);
}

static int push(struct strv *all, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int push(struct strv *all, const char *fmt, ...)
{
        va_list ap;
        char *s;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_push_take(all, s);
}

static int list_interfaces(struct linux_net *n, const char *object, struct strv *all)
{
        int r = 0;
        bool eth = overlaps(object, ETH_TABLE), ip = overlaps(object, IP_TABLE);
        if (!eth && !ip)
                return 0;
        r = net_snapshot_refresh(n, ip ? NET_SECTION_ADDRS : NET_SECTION_LINKS);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n->n_links; i++) {
                const struct net_link *l = &n->links[i];
                if (eth && net_link_is_ethernet(n, l))
                        r = push(all, ETH_TABLE "%" PRIu32 ".", l->instance);
                if (r >= 0 && ip)
                        r = push(all, IP_TABLE "%" PRIu32 ".", l->instance);
        }
        for (size_t i = 0; ip && r >= 0 && i < n->n_addrs; i++) {
                const struct net_addr *a = &n->addrs[i];
                const struct net_link *l = net_link_by_ifindex(n, a->ifindex);
                if (l)
                        r = push(all, IP_TABLE "%" PRIu32 ".IPv%dAddress.%" PRIu32 ".", l->instance,
                                 a->ip.family == AF_INET ? 4 : 6, a->instance);
        }
        for (size_t i = 0; ip && r >= 0 && i < n->n_prefixes; i++) {
                const struct net_link *l = net_link_by_ifindex(n, n->prefixes[i].ifindex);
                if (l)
                        r = push(all, IP_TABLE "%" PRIu32 ".IPv6Prefix.%" PRIu32 ".", l->instance,
                                 n->prefixes[i].instance);
        }
        return r;
}

/* Ethernet.Link., Ethernet.VLANTermination., Bridging.Bridge. and their Port., VLAN. and
 * VLANPort. tables. */
static int list_layers(struct linux_net *n, const char *object, struct strv *all)
{
        bool link = overlaps(object, ETH_LINK_TABLE), vlan = overlaps(object, VLAN_TABLE),
             bridge = overlaps(object, BRIDGE_TABLE), lag = overlaps(object, LAG_TABLE);
        if (!link && !vlan && !bridge && !lag)
                return 0;
        /* The bridges' VLAN tables read the links they need. */
        int r = net_snapshot_refresh(n, bridge ? NET_SECTION_BRIDGES : NET_SECTION_LINKS);
        for (size_t i = 0; r >= 0 && i < n->n_links; i++) {
                const struct net_link *l = &n->links[i];
                if (link && net_link_has_ethernet_link(n, l))
                        r = push(all, ETH_LINK_TABLE "%" PRIu32 ".", l->instance);
                if (r >= 0 && vlan && net_link_is_vlan(l))
                        r = push(all, VLAN_TABLE "%" PRIu32 ".", l->instance);
                if (r >= 0 && lag && net_link_is_lag(l))
                        r = push(all, LAG_TABLE "%" PRIu32 ".", l->instance);
                if (r >= 0 && bridge && net_link_is_bridge(l))
                        r = push(all, BRIDGE_TABLE "%" PRIu32 ".", l->instance);
        }
        for (size_t i = 0; bridge && r >= 0 && i < n->n_links; i++) {
                const struct net_link *b = net_port_bridge(n, &n->links[i]);
                if (b)
                        r = push(all, BRIDGE_TABLE "%" PRIu32 ".Port.%" PRIu32 ".", b->instance,
                                 n->links[i].instance);
        }
        for (size_t i = 0; bridge && r >= 0 && i < n->n_bridge_vlans; i++) {
                const struct net_link *b = net_link_by_ifindex(n, n->bridge_vlans[i].bridge);
                if (b)
                        r = push(all, BRIDGE_TABLE "%" PRIu32 ".VLAN.%" PRIu32 ".", b->instance,
                                 n->bridge_vlans[i].instance);
        }
        for (size_t i = 0; bridge && r >= 0 && i < n->n_vlan_ports; i++) {
                const struct net_link *b = net_link_by_ifindex(n, n->vlan_ports[i].bridge);
                if (b)
                        r = push(all, BRIDGE_TABLE "%" PRIu32 ".VLANPort.%" PRIu32 ".", b->instance,
                                 n->vlan_ports[i].instance);
        }
        return r;
}

static int list_all(struct linux_net *n, const char *object, struct strv *all)
{
        int r = list_layers(n, object, all);
        if (r >= 0 && overlaps(object, STACK_TABLE)) {
                r = net_snapshot_refresh(n, NET_SECTION_STACK);
                for (size_t i = 0; r >= 0 && i < n->n_stack; i++)
                        r = push(all, STACK_TABLE "%" PRIu32 ".", n->stack[i].instance);
        }
        if (r >= 0)
                r = list_interfaces(n, object, all);
        if (r >= 0 && overlaps(object, PORT_TABLE)) {
                r = net_snapshot_refresh(n, NET_SECTION_PORTS);
                for (size_t i = 0; r >= 0 && i < n->n_ports; i++)
                        r = push(all, PORT_TABLE "%" PRIu32 ".", n->ports[i].instance);
        }
        if (r >= 0 && overlaps(object, ROUTE_INFO)) {
                r = net_snapshot_refresh(n, NET_SECTION_ROUTES);
                for (size_t i = 0; r >= 0 && i < n->n_routes; i++)
                        if (net_route_from_router_advertisement(&n->routes[i]))
                                r = push(all, ROUTE_INFO "%" PRIu32 ".", n->routes[i].instance);
        }
        if (r >= 0 && overlaps(object, ROUTER)) {
                r = push(all, ROUTER_ONE);
                if (r >= 0 && overlaps(object, ROUTER_ONE "IPv"))
                        r = net_snapshot_refresh(n, NET_SECTION_ROUTES);
                for (size_t i = 0; r >= 0 && overlaps(object, ROUTER_ONE "IPv") && i < n->n_routes;
                     i++)
                        r = push(all, ROUTER_ONE "IPv%dForwarding.%" PRIu32 ".",
                                 n->routes[i].dst.family == AF_INET ? 4 : 6, n->routes[i].instance);
        }
        bool queues = overlaps(object, QOS_QUEUE_TABLE), stats = overlaps(object, QOS_STATS_TABLE);
        if (r >= 0 && (queues || stats)) {
                r = net_snapshot_refresh(n, NET_SECTION_QOS);
                for (size_t i = 0; r >= 0 && queues && i < n->n_qdiscs; i++)
                        r = push(all, QOS_QUEUE_TABLE "%" PRIu32 ".", n->qdiscs[i].instance);
                for (size_t i = 0; r >= 0 && stats && i < n->n_qdiscs; i++)
                        r = push(all, QOS_STATS_TABLE "%" PRIu32 ".", n->qdiscs[i].instance);
        }
        if (r >= 0 && overlaps(object, HOST_TABLE)) {
                r = net_snapshot_refresh(n, NET_SECTION_HOSTS);
                for (size_t i = 0; r >= 0 && i < n->n_hosts; i++) {
                        const struct net_host *h = &n->hosts[i];
                        r = push(all, HOST_TABLE "%" PRIu32 ".", h->instance);
                        for (size_t k = 0; r >= 0 && k < h->n_v4; k++)
                                r = push(all, HOST_TABLE "%" PRIu32 ".IPv4Address.%" PRIu32 ".",
                                         h->instance, h->v4[k].instance);
                        for (size_t k = 0; r >= 0 && k < h->n_v6; k++)
                                r = push(all, HOST_TABLE "%" PRIu32 ".IPv6Address.%" PRIu32 ".",
                                         h->instance, h->v6[k].instance);
                }
        }
        return r;
}

static bool listed(const struct strv *all, const char *path, size_t len)
{
        for (size_t i = 0; i < all->n; i++)
                if (strlen(all->v[i]) == len && strncmp(all->v[i], path, len) == 0)
                        return true;
        return false;
}

/* Every instance that `object` names ("Device.IP.Interface.3.IPv4Address.") exists. */
static bool instances_exist(const struct strv *all, const char *object)
{
        for (const char *c = object; (c = strchr(c, '.')); c++) {
                const char *seg = c + 1;
                size_t len = strspn(seg, "0123456789");
                if (len > 0 && seg[len] == '.' &&
                    !listed(all, object, (size_t)(seg - object) + len + 1))
                        return false;
        }
        return true;
}

int linux_net_get_instances(struct linux_net *n, const char *subtree, const char *object,
                            struct strv *instances)
{
        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        if (!overlaps(object, subtree))
                return 0;
        /* Only the tables of the asking owner's subtree, and of them what object names. */
        const char *scope = strlen(subtree) > strlen(object) ? subtree : object;
        bool ours = false;
        for (size_t i = 0; linux_net_subtrees[i]; i++)
                ours = ours || overlaps(scope, linux_net_subtrees[i]);
        if (!ours)
                return 0;

        struct strv all = {};
        int r = list_all(n, scope, &all);
        if (r >= 0 && !instances_exist(&all, object))
                r = -ENOENT;
        for (size_t i = 0; r >= 0 && i < all.n; i++)
                if (startswith(all.v[i], scope))
                        r = strv_push(instances, all.v[i]);
        strv_done(&all);
        return r;
}
