/* SPDX-License-Identifier: MIT */
/* The bridges' VLAN tables, numbered as Device.Bridging.Bridge.{i}.VLAN. and VLANPort. */
#include <errno.h>
#include <inttypes.h>
#include <linux/if_bridge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net-snapshot.h"

static int compare_vlan(const void *a, const void *b)
{
        const struct net_bridge_vlan *x = a, *y = b;
        return x->instance < y->instance ? -1 : x->instance > y->instance;
}

static int compare_vlan_port(const void *a, const void *b)
{
        const struct net_bridge_vlan_port *x = a, *y = b;
        return x->instance < y->instance ? -1 : x->instance > y->instance;
}

static struct net_bridge_vlan *find_vlan(struct net_vec *v, int bridge, uint16_t vid)
{
        for (size_t i = 0; i < v->n; i++) {
                struct net_bridge_vlan *c = (struct net_bridge_vlan *)v->items + i;
                if (c->bridge == bridge && c->vid == vid)
                        return c;
        }
        return NULL;
}

/* One entry of the kernel's VLAN table -> its VLAN row (new or not) and its VLANPort row. */
static int add_entry(struct linux_net *n, const struct net_brvlan *e, const struct net_link *bridge,
                     const struct net_link *port, struct net_vec *vlans, struct net_vec *ports)
{
        char key[2 * IF_NAMESIZE + 16];
        int r;
        struct net_bridge_vlan *vlan = find_vlan(vlans, bridge->ifindex, e->vid);
        if (!vlan) {
                vlan = net_vec_push(vlans);
                if (!vlan)
                        return -ENOMEM;
                vlan->bridge = bridge->ifindex;
                vlan->vid = e->vid;
                snprintf(key, sizeof(key), "%s|%u", bridge->name, e->vid);
                r = net_numbering_assign(&n->numbering, NET_TABLE_BRIDGE_VLAN, key, 0,
                                         &vlan->instance);
                if (r < 0)
                        return r;
        }
        uint32_t vlan_instance = vlan->instance;
        struct net_bridge_vlan_port *vp = net_vec_push(ports);
        if (!vp)
                return -ENOMEM;
        *vp = (struct net_bridge_vlan_port){.bridge = bridge->ifindex,
                                            .port = port->ifindex,
                                            .vid = e->vid,
                                            .untagged = e->flags & BRIDGE_VLAN_INFO_UNTAGGED,
                                            .vlan_instance = vlan_instance};
        snprintf(key, sizeof(key), "%s|%u|%s", bridge->name, e->vid, port->name);
        r = net_numbering_assign(&n->numbering, NET_TABLE_BRIDGE_VLAN_PORT, key, 0, &vp->instance);
        if (r == -EEXIST) {
                ports->n--; /* the kernel listed it twice */
                return 0;
        }
        return r;
}

int net_refresh_bridges(struct linux_net *n)
{
        struct net_brvlan *entries = NULL;
        size_t count = 0;
        int r = net_brvlan_dump(&entries, &count);
        if (r < 0)
                return r;

        struct net_vec vlans = {.item_size = sizeof(struct net_bridge_vlan)};
        struct net_vec ports = {.item_size = sizeof(struct net_bridge_vlan_port)};
        net_numbering_begin(&n->numbering, NET_TABLE_BRIDGE_VLAN);
        net_numbering_begin(&n->numbering, NET_TABLE_BRIDGE_VLAN_PORT);
        for (size_t i = 0; r >= 0 && i < count; i++) {
                const struct net_link *port = net_link_by_ifindex(n, entries[i].ifindex);
                const struct net_link *bridge = port ? net_port_bridge(n, port) : NULL;
                /* Without VLAN filtering the bridge ignores its VLAN table. */
                if (bridge && bridge->vlan_filtering)
                        r = add_entry(n, &entries[i], bridge, port, &vlans, &ports);
        }
        if (r < 0) {
                free(entries);
                free(vlans.items);
                free(ports.items);
                return r;
        }
        net_numbering_end(&n->numbering, NET_TABLE_BRIDGE_VLAN);
        net_numbering_end(&n->numbering, NET_TABLE_BRIDGE_VLAN_PORT);
        if (vlans.n > 1)
                qsort(vlans.items, vlans.n, vlans.item_size, compare_vlan);
        if (ports.n > 1)
                qsort(ports.items, ports.n, ports.item_size, compare_vlan_port);
        net_bridges_free(n);
        n->brvlans = entries;
        n->n_brvlans = count;
        n->bridge_vlans = vlans.items;
        n->n_bridge_vlans = vlans.n;
        n->vlan_ports = ports.items;
        n->n_vlan_ports = ports.n;
        return 0;
}

void net_bridges_free(struct linux_net *n)
{
        free(n->brvlans);
        free(n->bridge_vlans);
        free(n->vlan_ports);
        n->brvlans = NULL;
        n->bridge_vlans = NULL;
        n->vlan_ports = NULL;
        n->n_brvlans = n->n_bridge_vlans = n->n_vlan_ports = 0;
}
