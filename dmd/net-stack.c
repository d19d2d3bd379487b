/* SPDX-License-Identifier: MIT */
/* How the interface tables stack (TR-181's layering), and Device.InterfaceStack. made from
 * their LowerLayers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net-snapshot.h"
#include "util.h"

bool net_link_is_bridge(const struct net_link *l)
{
        return streq(l->kind, "bridge");
}

bool net_link_is_vlan(const struct net_link *l)
{
        return streq(l->kind, "vlan");
}

bool net_link_is_lag(const struct net_link *l)
{
        return streq(l->kind, "bond");
}

bool net_link_has_ethernet_link(const struct linux_net *n, const struct net_link *l)
{
        return net_link_is_ethernet(n, l) || net_link_is_bridge(l) || net_link_is_lag(l);
}

const struct net_link *net_port_bridge(const struct linux_net *n, const struct net_link *l)
{
        if (net_link_is_bridge(l))
                return l;
        if (!l->bridge_port || l->master == 0)
                return NULL;
        const struct net_link *b = net_link_by_ifindex(n, l->master);
        return b && net_link_is_bridge(b) ? b : NULL;
}

/* Appends ",PATH" (or "PATH" to an empty list). */
static int append(char **list, const char *fmt, uint32_t a, uint32_t b)
{
        char item[128];
        snprintf(item, sizeof(item), fmt, a, b);
        size_t old = strlen(*list), len = strlen(item);
        char *w = realloc(*list, old + len + 2);
        if (!w)
                return -ENOMEM;
        if (old > 0)
                w[old++] = ',';
        memcpy(w + old, item, len + 1);
        *list = w;
        return 0;
}

/* The row a bridge port's own device has below it: its Ethernet port or its VLAN. */
static int port_device(const struct linux_net *n, const struct net_link *l, char **list)
{
        if (net_link_is_ethernet(n, l))
                return append(list, "Device.Ethernet.Interface.%" PRIu32, l->instance, 0);
        if (net_link_is_vlan(l))
                return append(list, VLAN_TABLE "%" PRIu32, l->instance, 0);
        if (net_link_is_lag(l))
                return append(list, LAG_TABLE "%" PRIu32, l->instance, 0);
        return 0;
}

int net_lower_layers(const struct linux_net *n, enum net_layer layer, const struct net_link *l,
                     char **ret)
{
        char *list = strdup("");
        if (!list)
                return -ENOMEM;
        int r = 0;
        switch (layer) {
        case NET_LAYER_IP:
                if (net_link_has_ethernet_link(n, l))
                        r = append(&list, ETH_LINK_TABLE "%" PRIu32, l->instance, 0);
                else if (net_link_is_vlan(l))
                        r = append(&list, VLAN_TABLE "%" PRIu32, l->instance, 0);
                break;
        case NET_LAYER_ETHERNET_LINK:
                /* A bridge's link sits on its management port. */
                if (net_link_is_bridge(l))
                        r = append(&list, BRIDGE_TABLE "%" PRIu32 ".Port.%" PRIu32, l->instance,
                                   l->instance);
                else if (net_link_is_lag(l))
                        r = append(&list, LAG_TABLE "%" PRIu32, l->instance, 0);
                else if (net_link_is_ethernet(n, l))
                        r = append(&list, "Device.Ethernet.Interface.%" PRIu32, l->instance, 0);
                break;
        case NET_LAYER_LAG:
                /* A bond aggregates the Ethernet ports enslaved to it. */
                for (size_t i = 0; r >= 0 && i < n->n_links; i++) {
                        const struct net_link *p = &n->links[i];
                        if (p->bond_port && p->master == l->ifindex && net_link_is_ethernet(n, p))
                                r = append(&list, "Device.Ethernet.Interface.%" PRIu32, p->instance,
                                           0);
                }
                break;
        case NET_LAYER_VLAN: {
                const struct net_link *below = l->lower ? net_link_by_ifindex(n, l->lower) : NULL;
                if (below && net_link_has_ethernet_link(n, below))
                        r = append(&list, ETH_LINK_TABLE "%" PRIu32, below->instance, 0);
                break;
        }
        case NET_LAYER_BRIDGE_PORT:
                if (!net_link_is_bridge(l)) {
                        r = port_device(n, l, &list);
                        break;
                }
                /* The management port stands on every other port of its bridge. */
                for (size_t i = 0; r >= 0 && i < n->n_links; i++) {
                        const struct net_link *p = &n->links[i];
                        if (p != l && net_port_bridge(n, p) == l)
                                r = append(&list, BRIDGE_TABLE "%" PRIu32 ".Port.%" PRIu32,
                                           l->instance, p->instance);
                }
                break;
        }
        if (r < 0) {
                free(list);
                return r;
        }
        *ret = list;
        return 0;
}

static int add_rows(struct linux_net *n, const char *higher, enum net_layer layer,
                    const struct net_link *l, struct net_vec *rows)
{
        _cleanup_free_ char *list = NULL;
        int r = net_lower_layers(n, layer, l, &list);
        if (r < 0)
                return r;
        for (char *item = list, *next; item && *item; item = next) {
                next = strchr(item, ',');
                if (next)
                        *next++ = '\0';
                struct net_stack_row *row = net_vec_push(rows);
                if (!row)
                        return -ENOMEM;
                row->higher = strdup(higher);
                row->lower = strdup(item);
                if (!row->higher || !row->lower)
                        return -ENOMEM;
                char key[512];
                snprintf(key, sizeof(key), "%s|%s", higher, item);
                r = net_numbering_assign(&n->numbering, NET_TABLE_INTERFACE_STACK, key, 0,
                                         &row->instance);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void rows_free(struct net_stack_row *v, size_t count)
{
        for (size_t i = 0; i < count; i++) {
                free(v[i].higher);
                free(v[i].lower);
        }
        free(v);
}

static int compare_row(const void *a, const void *b)
{
        const struct net_stack_row *x = a, *y = b;
        return x->instance < y->instance ? -1 : x->instance > y->instance;
}

int net_refresh_stack(struct linux_net *n)
{
        struct net_vec rows = {.item_size = sizeof(struct net_stack_row)};
        int r = 0;
        char higher[128];

        net_numbering_begin(&n->numbering, NET_TABLE_INTERFACE_STACK);
        for (size_t i = 0; r >= 0 && i < n->n_links; i++) {
                const struct net_link *l = &n->links[i];
                snprintf(higher, sizeof(higher), "Device.IP.Interface.%" PRIu32, l->instance);
                r = add_rows(n, higher, NET_LAYER_IP, l, &rows);
                if (r >= 0 && net_link_has_ethernet_link(n, l)) {
                        snprintf(higher, sizeof(higher), ETH_LINK_TABLE "%" PRIu32, l->instance);
                        r = add_rows(n, higher, NET_LAYER_ETHERNET_LINK, l, &rows);
                }
                if (r >= 0 && net_link_is_vlan(l)) {
                        snprintf(higher, sizeof(higher), VLAN_TABLE "%" PRIu32, l->instance);
                        r = add_rows(n, higher, NET_LAYER_VLAN, l, &rows);
                }
                if (r >= 0 && net_link_is_lag(l)) {
                        snprintf(higher, sizeof(higher), LAG_TABLE "%" PRIu32, l->instance);
                        r = add_rows(n, higher, NET_LAYER_LAG, l, &rows);
                }
                const struct net_link *b = net_port_bridge(n, l);
                if (r >= 0 && b) {
                        snprintf(higher, sizeof(higher), BRIDGE_TABLE "%" PRIu32 ".Port.%" PRIu32,
                                 b->instance, l->instance);
                        r = add_rows(n, higher, NET_LAYER_BRIDGE_PORT, l, &rows);
                }
        }
        if (r < 0) {
                rows_free(rows.items, rows.n);
                return r;
        }
        net_numbering_end(&n->numbering, NET_TABLE_INTERFACE_STACK);
        if (rows.n > 1)
                qsort(rows.items, rows.n, rows.item_size, compare_row);
        net_stack_free(n);
        n->stack = rows.items;
        n->n_stack = rows.n;
        return 0;
}

void net_stack_free(struct linux_net *n)
{
        rows_free(n->stack, n->n_stack);
        n->stack = NULL;
        n->n_stack = 0;
}
